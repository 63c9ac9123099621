//! Certificate parsing (RFC 5280 §4.1) into borrowed views of the parts verification needs.
//!
//! Implementation notes: the outer structure is walked with the strict DER reader in
//! [`super::asn1`] so the signed `tbsCertificate` bytes, the issuer/subject names and the
//! public key stay available as raw slices of the input; the recognised extensions are
//! decoded with `x509-cert`'s types (basicConstraints, keyUsage, extKeyUsage), the name
//! extensions (subjectAltName, nameConstraints) are kept raw and walked lazily with counted
//! loops. Nothing is allocated per extension or per name, so the work and memory a
//! certificate can cause is bounded by [`MAX_CERT_SIZE`] and the counters below.

use alloc::string::{String, ToString};
use core::fmt;

use der::asn1::ObjectIdentifier;
use der::{Decode, Tag};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};

use super::asn1::{DerReader, Tlv, bit_string_bytes, boolean, context, single};
use super::signature::SignatureAlgorithm;
use super::time::Time;
use super::{CertificateError, MAX_CERT_SIZE, MAX_EXTENSIONS};

// Extension OIDs (content bytes).
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const OID_NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
const OID_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// id-kp-clientAuth, 1.3.6.1.5.5.7.3.2.
const OID_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// Largest serial number magnitude (RFC 5280 §4.1.2.2).
const MAX_SERIAL_LEN: usize = 20;

/// What the extendedKeyUsage extension says about TLS server and client authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Eku {
    pub(crate) server_auth: bool,
    pub(crate) client_auth: bool,
}

/// The keyUsage bits of a certificate (RFC 5280 §4.2.1.3), for the checks that depend on
/// how the key is used: a TLS server's key must allow digitalSignature when an ECDHE suite
/// signs with it and keyEncipherment when an RSA key-exchange suite encrypts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsageBits {
    /// Bit `i` set when RFC 5280's `KeyUsage` bit `i` is (0 = digitalSignature).
    bits: u16,
}

impl KeyUsageBits {
    const NAMES: [&'static str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];

    pub(crate) fn from_extension(ku: &KeyUsage) -> Self {
        let set = [
            ku.digital_signature(),
            ku.non_repudiation(),
            ku.key_encipherment(),
            ku.data_encipherment(),
            ku.key_agreement(),
            ku.key_cert_sign(),
            ku.crl_sign(),
            ku.encipher_only(),
            ku.decipher_only(),
        ];
        let bits = set
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .fold(0u16, |acc, (i, _)| acc | (1 << i));
        Self { bits }
    }

    fn bit(self, i: u16) -> bool {
        self.bits & (1 << i) != 0
    }

    /// digitalSignature (bit 0): the key may sign, e.g. a TLS ServerKeyExchange.
    pub fn digital_signature(self) -> bool {
        self.bit(0)
    }

    /// keyEncipherment (bit 2): a key may be encrypted to it, e.g. the TLS RSA pre-master
    /// secret.
    pub fn key_encipherment(self) -> bool {
        self.bit(2)
    }

    /// keyAgreement (bit 4): the key may be used in a key agreement (static ECDH).
    pub fn key_agreement(self) -> bool {
        self.bit(4)
    }

    /// keyCertSign (bit 5): the key may sign certificates.
    pub fn key_cert_sign(self) -> bool {
        self.bit(5)
    }
}

impl fmt::Display for KeyUsageBits {
    /// The names of the bits set, comma-separated, as OpenSSL lists them
    /// (`digitalSignature, keyEncipherment`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (i, name) in (0u16..).zip(Self::NAMES) {
            if self.bit(i) {
                if !first {
                    f.write_str(", ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("(none)")?;
        }
        Ok(())
    }
}

/// A parsed certificate, borrowing the input.
#[derive(Debug, Clone)]
pub(crate) struct Cert<'a> {
    pub(crate) der: &'a [u8],
    /// The signed bytes: the whole `tbsCertificate` TLV.
    pub(crate) tbs: &'a [u8],
    pub(crate) signature_algorithm: Result<SignatureAlgorithm, CertificateError>,
    /// The signature octets; a BIT STRING with unused bits cannot hold an RSA or ECDSA
    /// signature and is reported as a bad signature when it is checked.
    pub(crate) signature: Result<&'a [u8], CertificateError>,
    /// 0 = v1, 1 = v2, 2 = v3.
    pub(crate) version: u8,
    pub(crate) issuer: &'a [u8],
    pub(crate) subject: &'a [u8],
    pub(crate) not_before: Time,
    pub(crate) not_after: Time,
    pub(crate) spki: &'a [u8],
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) eku: Option<Eku>,
    /// Value of subjectAltName (a `GeneralNames` SEQUENCE TLV).
    pub(crate) san: Option<&'a [u8]>,
    /// Value of nameConstraints (a `NameConstraints` SEQUENCE TLV).
    pub(crate) name_constraints: Option<&'a [u8]>,
}

/// How strictly to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A certificate on a path: every rule applies.
    Path,
    /// A trust anchor source: only the subject, key and name constraints matter, as in
    /// webpki's `anchor_from_trusted_cert` (old roots with v1 or odd serials stay usable).
    Anchor,
}

impl<'a> Cert<'a> {
    pub(crate) fn parse(der: &'a [u8], mode: Mode) -> Result<Self, CertificateError> {
        if der.len() > MAX_CERT_SIZE {
            return Err(CertificateError::LimitExceeded("certificate size"));
        }
        let outer = single(der, Tag::Sequence)?;
        let mut r = outer.reader()?;
        let tbs = r.read(Tag::Sequence)?;
        let sig_alg = r.read(Tag::Sequence)?;
        let sig = r.read(Tag::BitString)?;
        r.finish()?;

        let mut t = tbs.reader()?;
        let version = match t.read_optional(context(0, true))? {
            None => 0,
            Some(v) => {
                let int = single(v.value, Tag::Integer)?;
                match int.value {
                    // DER forbids encoding the DEFAULT v1 explicitly.
                    [1] => 1,
                    [2] => 2,
                    _ => return Err(CertificateError::UnsupportedVersion),
                }
            }
        };
        let serial = t.read(Tag::Integer)?;
        let tbs_sig_alg = t.read(Tag::Sequence)?;
        let issuer = t.read(Tag::Sequence)?;
        let validity = t.read(Tag::Sequence)?;
        let subject = t.read(Tag::Sequence)?;
        let spki = t.read(Tag::Sequence)?;
        let issuer_uid = t.read_optional(context(1, false))?;
        let subject_uid = t.read_optional(context(2, false))?;
        let extensions = t.read_optional(context(3, true))?;
        t.finish()?;

        if mode == Mode::Path {
            check_serial(serial.value)?;
            if tbs_sig_alg.raw != sig_alg.raw {
                return Err(CertificateError::SignatureAlgorithmMismatch);
            }
            if (issuer_uid.is_some() || subject_uid.is_some()) && version < 1 {
                return Err(CertificateError::UnsupportedVersion);
            }
            if extensions.is_some() && version != 2 {
                return Err(CertificateError::UnsupportedVersion);
            }
        }

        let mut v = validity.reader()?;
        let not_before = Time::from_tlv(&v.read_any()?)?;
        let not_after = Time::from_tlv(&v.read_any()?)?;
        v.finish()?;

        let mut cert = Self {
            der,
            tbs: tbs.raw,
            signature_algorithm: SignatureAlgorithm::from_tlv(&sig_alg),
            signature: bit_string_bytes(&sig).map_err(|_| CertificateError::BadSignature),
            version,
            issuer: issuer.raw,
            subject: subject.raw,
            not_before,
            not_after,
            spki: spki.raw,
            basic_constraints: None,
            key_usage: None,
            eku: None,
            san: None,
            name_constraints: None,
        };
        if let Some(exts) = extensions {
            cert.parse_extensions(&exts, mode)?;
        }
        Ok(cert)
    }

    fn parse_extensions(&mut self, exts: &Tlv<'a>, mode: Mode) -> Result<(), CertificateError> {
        let seq = single(exts.value, Tag::Sequence)?;
        let mut r = seq.reader()?;
        if r.is_empty() {
            // Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
            return Err(CertificateError::BadEncoding);
        }
        let mut count = 0usize;
        while !r.is_empty() {
            count += 1;
            if count > MAX_EXTENSIONS {
                return Err(CertificateError::LimitExceeded(
                    "extensions per certificate",
                ));
            }
            let ext = r.read(Tag::Sequence)?;
            let mut e = ext.reader()?;
            let oid = e.read(Tag::ObjectIdentifier)?;
            let critical = match e.read_optional(Tag::Boolean)? {
                Some(b) => boolean(&b)?,
                None => false,
            };
            let value = e.read(Tag::OctetString)?.value;
            e.finish()?;
            self.parse_extension(oid.value, critical, value, mode)?;
        }
        Ok(())
    }

    fn parse_extension(
        &mut self,
        oid: &[u8],
        critical: bool,
        value: &'a [u8],
        mode: Mode,
    ) -> Result<(), CertificateError> {
        fn set<T>(slot: &mut Option<T>, v: T) -> Result<(), CertificateError> {
            // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a
            // particular extension.
            if slot.is_some() {
                return Err(CertificateError::BadEncoding);
            }
            *slot = Some(v);
            Ok(())
        }
        let bad = |_| CertificateError::BadEncoding;
        match oid {
            OID_BASIC_CONSTRAINTS => set(
                &mut self.basic_constraints,
                BasicConstraints::from_der(value).map_err(bad)?,
            ),
            OID_KEY_USAGE => set(&mut self.key_usage, KeyUsage::from_der(value).map_err(bad)?),
            OID_EXT_KEY_USAGE => {
                let eku = ExtendedKeyUsage::from_der(value).map_err(bad)?;
                if eku.0.is_empty() {
                    return Err(CertificateError::BadEncoding);
                }
                // anyExtendedKeyUsage (2.5.29.37.0) does NOT satisfy serverAuth: the webpki
                // behaviour (Go accepts it; lucid chooses the stricter reading).
                let server_auth = eku.0.iter().any(|o| o.as_bytes() == OID_SERVER_AUTH);
                let client_auth = eku.0.iter().any(|o| o.as_bytes() == OID_CLIENT_AUTH);
                set(
                    &mut self.eku,
                    Eku {
                        server_auth,
                        client_auth,
                    },
                )
            }
            OID_SUBJECT_ALT_NAME => {
                single(value, Tag::Sequence)?;
                set(&mut self.san, value)
            }
            OID_NAME_CONSTRAINTS => {
                single(value, Tag::Sequence)?;
                set(&mut self.name_constraints, value)
            }
            _ if critical && mode == Mode::Path => {
                Err(CertificateError::UnsupportedCriticalExtension {
                    oid: oid_string(oid),
                })
            }
            _ => Ok(()),
        }
    }

    /// `basicConstraints` says cA=TRUE.
    pub(crate) fn is_ca(&self) -> bool {
        self.basic_constraints.as_ref().is_some_and(|bc| bc.ca)
    }

    /// Subject and issuer are the same name (RFC 5280 §6.1 "self-issued").
    pub(crate) fn is_self_issued(&self) -> bool {
        super::name::names_equal(self.subject, self.issuer)
    }
}

fn check_serial(value: &[u8]) -> Result<(), CertificateError> {
    let magnitude = match value {
        [] => return Err(CertificateError::BadEncoding),
        [first, ..] if *first >= 0x80 => return Err(CertificateError::BadSerial),
        [0, second, ..] if *second < 0x80 => return Err(CertificateError::BadEncoding),
        [0, rest @ ..] => rest,
        _ => value,
    };
    if magnitude.is_empty() || magnitude.len() > MAX_SERIAL_LEN {
        return Err(CertificateError::BadSerial);
    }
    Ok(())
}

/// Dotted form of an OID given as content bytes (or hex if it does not decode).
pub(crate) fn oid_string(oid: &[u8]) -> String {
    match ObjectIdentifier::from_bytes(oid) {
        Ok(o) => o.to_string(),
        Err(_) => String::from("<malformed OID>"),
    }
}

/// Helper for walking lazily kept SEQUENCE OF values with a count limit.
pub(crate) fn for_each_in_sequence<'a>(
    seq_der: &'a [u8],
    limit: usize,
    what: &'static str,
    mut f: impl FnMut(Tlv<'a>) -> Result<(), CertificateError>,
) -> Result<(), CertificateError> {
    let seq = single(seq_der, Tag::Sequence)?;
    let mut r: DerReader<'a> = seq.reader()?;
    let mut n = 0usize;
    while !r.is_empty() {
        n += 1;
        if n > limit {
            return Err(CertificateError::LimitExceeded(what));
        }
        f(r.read_any()?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        assert!(check_serial(&[1]).is_ok());
        assert!(check_serial(&[0, 0x80]).is_ok());
        assert_eq!(check_serial(&[0x80]), Err(CertificateError::BadSerial));
        assert_eq!(check_serial(&[0]), Err(CertificateError::BadSerial));
        assert!(check_serial(&[0x7f; 20]).is_ok());
        assert_eq!(check_serial(&[0x7f; 21]), Err(CertificateError::BadSerial));
        let mut twenty_one = [0xffu8; 21];
        twenty_one[0] = 0;
        assert!(check_serial(&twenty_one).is_ok());
    }

    #[test]
    fn oid_strings() {
        assert_eq!(oid_string(OID_SERVER_AUTH), "1.3.6.1.5.5.7.3.1");
        assert_eq!(oid_string(OID_CLIENT_AUTH), "1.3.6.1.5.5.7.3.2");
        assert_eq!(oid_string(&[0x80]), "<malformed OID>");
    }
}
