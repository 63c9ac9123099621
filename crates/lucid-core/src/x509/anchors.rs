//! Trust anchors: the (subject, public key, name constraints) triples paths end at.

use alloc::vec::Vec;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::CertificateError;
use super::cert::{Cert, Mode};
use super::name::name_to_string;

/// A trusted issuer: whole DER encodings of its subject `Name`, its
/// `SubjectPublicKeyInfo` and, if the root carried one, the value of its nameConstraints
/// extension (a `NameConstraints` SEQUENCE). Owned bytes, so a store can outlive the
/// certificates it was built from.
///
/// Like webpki, lucid does not check an anchor's own validity period, basicConstraints or
/// keyUsage: an anchor is trusted because the caller says so.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrustAnchor {
    /// DER `Name` (with its SEQUENCE header).
    pub subject: Vec<u8>,
    /// DER `SubjectPublicKeyInfo` (with its SEQUENCE header).
    pub spki: Vec<u8>,
    /// DER `NameConstraints` (with its SEQUENCE header), when the root constrains names.
    pub name_constraints: Option<Vec<u8>>,
}

impl TrustAnchor {
    /// Build an anchor from a DER certificate (v1 certificates are accepted; extensions
    /// other than nameConstraints are ignored).
    pub fn from_cert_der(der: &[u8]) -> Result<Self, CertificateError> {
        let cert = Cert::parse(der, Mode::Anchor)?;
        Ok(Self {
            subject: cert.subject.to_vec(),
            spki: cert.spki.to_vec(),
            name_constraints: cert.name_constraints.map(<[u8]>::to_vec),
        })
    }

    /// Build an anchor from the webpki / `rustls-pki-types` `TrustAnchor` representation,
    /// whose subject and SPKI are the *contents* of the DER SEQUENCEs (no tag and length)
    /// — what `webpki-roots` ships.
    pub fn from_webpki_parts(
        subject_contents: &[u8],
        spki_contents: &[u8],
        name_constraints_contents: Option<&[u8]>,
    ) -> Self {
        Self {
            subject: wrap_sequence(subject_contents),
            spki: wrap_sequence(spki_contents),
            name_constraints: name_constraints_contents.map(wrap_sequence),
        }
    }

    /// Human-readable subject, e.g. `C=US, O=Example, CN=Example Root`.
    pub fn subject_string(&self) -> alloc::string::String {
        name_to_string(&self.subject)
    }
}

/// DER SEQUENCE header + contents.
fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(0x30);
    let len_bytes = (len as u64).to_be_bytes();
    let skip = len_bytes.iter().take_while(|b| **b == 0).count();
    let significant = len_bytes.get(skip..).unwrap_or_default();
    if len < 0x80 {
        out.extend_from_slice(significant);
        if significant.is_empty() {
            out.push(0);
        }
    } else {
        // Long form: 0x80 | number of length bytes, then the length (at most 8 bytes).
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

/// Every `CERTIFICATE` block of a PEM text, in order (other blocks are ignored).
///
/// # Errors
/// [`CertificateError::BadEncoding`] when a certificate block is not valid base64.
pub fn certs_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, CertificateError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CertificateError::BadEncoding)
}

/// A set of trust anchors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootStore {
    anchors: Vec<TrustAnchor>,
}

impl RootStore {
    /// An empty store (which trusts nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one DER certificate as a trust anchor. Duplicates are ignored.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), CertificateError> {
        self.add(TrustAnchor::from_cert_der(der)?);
        Ok(())
    }

    /// Add DER certificates, skipping ones that do not parse; returns (added, skipped),
    /// as `rustls::RootCertStore::add_parsable_certificates` does for OS stores that
    /// contain oddities.
    pub fn add_parsable<'a>(&mut self, ders: impl IntoIterator<Item = &'a [u8]>) -> (usize, usize) {
        let (mut added, mut skipped) = (0, 0);
        for der in ders {
            match self.add_der(der) {
                Ok(()) => added += 1,
                Err(_) => skipped += 1,
            }
        }
        (added, skipped)
    }

    /// Add every certificate of a PEM bundle; returns how many were added.
    ///
    /// # Errors
    /// The first certificate that does not parse (nothing after it is added).
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, CertificateError> {
        let certs = certs_from_pem(pem)?;
        for c in &certs {
            self.add_der(c)?;
        }
        Ok(certs.len())
    }

    /// Add an anchor. Duplicates are ignored.
    pub fn add(&mut self, anchor: TrustAnchor) {
        if !self.anchors.contains(&anchor) {
            self.anchors.push(anchor);
        }
    }

    /// The anchors.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// No anchors at all.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

impl Extend<TrustAnchor> for RootStore {
    fn extend<T: IntoIterator<Item = TrustAnchor>>(&mut self, iter: T) {
        for a in iter {
            self.add(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_short_and_long() {
        assert_eq!(wrap_sequence(&[]), [0x30, 0x00]);
        assert_eq!(wrap_sequence(&[1, 2]), [0x30, 0x02, 1, 2]);
        let long = [7u8; 0x80];
        let w = wrap_sequence(&long);
        assert_eq!(&w[..3], &[0x30, 0x81, 0x80]);
        assert_eq!(w.len(), 3 + 0x80);
        let longer = [7u8; 0x1234];
        assert_eq!(&wrap_sequence(&longer)[..4], &[0x30, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn garbage_is_not_an_anchor() {
        let mut store = RootStore::new();
        assert_eq!(
            store.add_der(&[0x30, 0x00]),
            Err(CertificateError::BadEncoding)
        );
        assert_eq!(store.add_parsable([&b"junk"[..], &[][..]]), (0, 2));
        assert!(store.is_empty());
    }
}
