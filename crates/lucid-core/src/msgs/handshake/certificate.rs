//! Certificate and CertificateRequest (RFC 5246 §7.4.2, §7.4.4).

use alloc::vec::Vec;

use crate::codec::{
    Codec, InvalidMessage, LengthPrefixedBuffer, ListLength, Reader, put_list, put_vec, read_list,
};
use crate::msgs::enums::{ClientCertificateType, ProtocolVersion, SignatureScheme};
use crate::msgs::extensions::{SIGALGS_LEN, read_u16_elements};

use super::{
    MAX_CERTIFICATE_AUTHORITIES, MAX_CERTIFICATE_CHAIN_LEN_U32, MAX_CERTIFICATE_LEN_U32,
    MAX_CERTIFICATES,
};

/// Certificate (RFC 5246 §7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`, each
/// `opaque ASN.1Cert<1..2^24-1>`, sender's certificate first.
///
/// Decoding enforces `MAX_CERTIFICATE_CHAIN_LEN`, `MAX_CERTIFICATE_LEN` and
/// `MAX_CERTIFICATES` with [`InvalidMessage::TooLarge`]. The certificates are not parsed
/// here. An empty list (a client without a certificate) is valid syntax.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CertificatePayload(pub Vec<Vec<u8>>);

impl Codec for CertificatePayload {
    fn encode(&self, out: &mut Vec<u8>) {
        let list = LengthPrefixedBuffer::new(ListLength::U24, out);
        for cert in &self.0 {
            put_vec(list.buf, ListLength::U24, cert);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let mut list = r.sub(
            ListLength::U24.with_max(MAX_CERTIFICATE_CHAIN_LEN_U32),
            "certificate_list",
        )?;
        let mut certs = Vec::new();
        while list.any_left() {
            if certs.len() >= MAX_CERTIFICATES {
                return Err(InvalidMessage::TooLarge("certificate_list"));
            }
            let cert = list.vec(ListLength::new(3, 1, MAX_CERTIFICATE_LEN_U32), "ASN.1Cert")?;
            certs.push(cert.to_vec());
        }
        Ok(Self(certs))
    }
}

/// CertificateRequest (RFC 5246 §7.4.4; RFC 2246/4346 §7.4.4 without the signature
/// algorithms).
///
/// The wire format depends on the version, so this has [`Self::read_versioned`] instead of a
/// [`Codec`] implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestPayload {
    /// `ClientCertificateType certificate_types<1..2^8-1>`
    pub certificate_types: Vec<ClientCertificateType>,
    /// `supported_signature_algorithms<2..2^16-2>`: present in (and only in) TLS 1.2.
    pub sigalgs: Option<Vec<SignatureScheme>>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`, each a DER-encoded
    /// `opaque DistinguishedName<1..2^16-1>` (not parsed here).
    pub authorities: Vec<Vec<u8>>,
}

impl CertificateRequestPayload {
    /// Appends the encoding; `supported_signature_algorithms` is written iff `sigalgs` is
    /// `Some` (the caller sets it according to the negotiated version).
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_list(out, ListLength::U8, &self.certificate_types);
        if let Some(sigalgs) = &self.sigalgs {
            put_list(out, ListLength::U16, sigalgs);
        }
        let list = LengthPrefixedBuffer::new(ListLength::U16, out);
        for dn in &self.authorities {
            put_vec(list.buf, ListLength::U16, dn);
        }
    }

    /// Decodes a CertificateRequest sent under `version`: the signature algorithms are read
    /// iff `version` is TLS 1.2 or later.
    pub fn read_versioned(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        let certificate_types = read_list(r, ListLength::U8_NONEMPTY, "certificate_types")?;
        let sigalgs = if version >= ProtocolVersion::TLSV1_2 {
            Some(read_u16_elements(
                r,
                SIGALGS_LEN,
                "supported_signature_algorithms",
            )?)
        } else {
            None
        };
        let mut list = r.sub(ListLength::U16, "certificate_authorities")?;
        let mut authorities = Vec::new();
        while list.any_left() {
            if authorities.len() >= MAX_CERTIFICATE_AUTHORITIES {
                return Err(InvalidMessage::TooLarge("certificate_authorities"));
            }
            authorities.push(
                list.vec(ListLength::U16_NONEMPTY, "DistinguishedName")?
                    .to_vec(),
            );
        }
        Ok(Self {
            certificate_types,
            sigalgs,
            authorities,
        })
    }
}
