//! The `digitally-signed` signatures of a handshake (RFC 5246 §4.7): which algorithm signs,
//! over what, and how it is checked — for the ServerKeyExchange of the ECDHE suites.
//!
//! - TLS 1.2: the signer names a SignatureScheme, which must be one the other side offered
//!   in `signature_algorithms` and fit the certificate's key. RSA signatures are
//!   RSASSA-PKCS1-v1_5 with a DigestInfo (RFC 8017 §8.2); ECDSA signatures are DER
//!   `Ecdsa-Sig-Value`s over the named hash.
//! - TLS 1.0 and 1.1: no algorithm field. RSA signs `MD5(m) ‖ SHA-1(m)` (36 bytes) with
//!   PKCS#1 v1.5 type-1 padding and *no* DigestInfo (RFC 2246 §7.4.3, RFC 4346 §7.4.3);
//!   ECDSA signs SHA-1(m) (RFC 8422 §5.4).
//!
//! For a ServerKeyExchange, `m` is `client_random ‖ server_random ‖ params`
//! ([`server_key_exchange_message`]).

use alloc::vec::Vec;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::arith::rsa_core::RsaPublic;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::{ProtocolVersion, SignatureScheme};
use crate::x509::signature::{
    RsaKeyRole, SignatureAlgorithm, SubjectPublicKey, subject_public_key, verify_rsa_signature,
    verify_signature_with_key,
};
use crate::x509::{CertificateError, end_entity_key_usage};

/// What a handshake signature is made with, from the signer's side: the TLS 1.2 scheme, or
/// the fixed TLS 1.0/1.1 construction for the key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandshakeSignature {
    /// A TLS 1.2 SignatureScheme.
    Scheme(SignatureScheme),
    /// TLS 1.0/1.1 RSA: PKCS#1 v1.5 over MD5 ‖ SHA-1, no DigestInfo.
    RsaMd5Sha1,
    /// TLS 1.0/1.1 ECDSA: over SHA-1 (RFC 8422 §5.4).
    EcdsaSha1,
}

/// ECDSA schemes lucid signs and verifies with on TLS 1.2, in its preference order. On TLS
/// 1.2 a scheme names hash and algorithm, not the curve (RFC 5246 §7.4.1.4.1), so either
/// works with a P-256 or a P-384 key.
pub(crate) static ECDSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
];

/// What the client offers in signature_algorithms: ECDSA, then RSA (SHA-1 last).
pub(crate) fn offered_schemes() -> Vec<SignatureScheme> {
    let mut v = ECDSA_SCHEMES.to_vec();
    v.extend_from_slice(RSA_SCHEMES);
    v
}

/// RSA schemes lucid signs and verifies with on TLS 1.2, in its preference order.
/// rsa_pkcs1_sha1 comes last: used only when the peer offers nothing better.
pub(crate) static RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA1,
];

// The DigestInfo prefixes of RFC 8017 §9.2 note 1: one copy, in the x509 layer below.
use crate::x509::signature::{SHA1_PREFIX, SHA256_PREFIX, SHA384_PREFIX, SHA512_PREFIX};

/// `client_random ‖ server_random ‖ params`: what a ServerKeyExchange signature covers.
pub(crate) fn server_key_exchange_message(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + params.len());
    m.extend_from_slice(client_random);
    m.extend_from_slice(server_random);
    m.extend_from_slice(params);
    m
}

/// `DigestInfo ‖ H(m)` (or `MD5(m) ‖ SHA-1(m)`) for an RSA signature, `None` for a scheme
/// that is not RSASSA-PKCS1-v1_5.
fn rsa_digest_info(sig: HandshakeSignature, message: &[u8]) -> Option<Vec<u8>> {
    let (prefix, hash): (&[u8], Vec<u8>) = match sig {
        HandshakeSignature::RsaMd5Sha1 => {
            let mut h = Md5::digest(message).to_vec();
            h.extend_from_slice(&Sha1::digest(message));
            (&[], h)
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA1) => {
            (SHA1_PREFIX, Sha1::digest(message).to_vec())
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA256) => {
            (SHA256_PREFIX, Sha256::digest(message).to_vec())
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA384) => {
            (SHA384_PREFIX, Sha384::digest(message).to_vec())
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA512) => {
            (SHA512_PREFIX, Sha512::digest(message).to_vec())
        }
        HandshakeSignature::Scheme(_) | HandshakeSignature::EcdsaSha1 => return None,
    };
    let mut t = Vec::with_capacity(prefix.len() + hash.len());
    t.extend_from_slice(prefix);
    t.extend_from_slice(&hash);
    Some(t)
}

/// EMSA-PKCS1-v1_5 (RFC 8017 §9.2): `0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ T` in `k` bytes, or
/// `None` when `k` is too small for `T` (at least 8 bytes of 0xff are required).
pub(crate) fn emsa_pkcs1_v15(sig: HandshakeSignature, message: &[u8], k: usize) -> Option<Vec<u8>> {
    let t = rsa_digest_info(sig, message)?;
    let ps_len = k.checked_sub(t.len() + 3).filter(|n| *n >= 8)?;
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0, 1]);
    em.resize(2 + ps_len, 0xff);
    em.push(0);
    em.extend_from_slice(&t);
    Some(em)
}

/// Which signature a signer with an RSA key uses at `version`, given what the peer offered
/// in `signature_algorithms` (TLS 1.2; `None` if it sent none, which means {sha1, rsa},
/// RFC 5246 §7.4.1.4.1). `None` if nothing fits.
pub(crate) fn choose_rsa_signature(
    version: ProtocolVersion,
    peer_offered: Option<&[SignatureScheme]>,
) -> Option<HandshakeSignature> {
    if version < ProtocolVersion::TLSV1_2 {
        return Some(HandshakeSignature::RsaMd5Sha1);
    }
    let Some(offered) = peer_offered else {
        return Some(HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA1));
    };
    RSA_SCHEMES
        .iter()
        .find(|s| offered.contains(s))
        .map(|s| HandshakeSignature::Scheme(*s))
}

/// Which signature a signer with an ECDSA key uses at `version` (see
/// [`choose_rsa_signature`]); on TLS 1.2 without signature_algorithms the default is
/// {sha1, ecdsa}.
pub(crate) fn choose_ecdsa_signature(
    version: ProtocolVersion,
    peer_offered: Option<&[SignatureScheme]>,
) -> Option<HandshakeSignature> {
    if version < ProtocolVersion::TLSV1_2 {
        return Some(HandshakeSignature::EcdsaSha1);
    }
    let Some(offered) = peer_offered else {
        return Some(HandshakeSignature::Scheme(SignatureScheme::ECDSA_SHA1));
    };
    ECDSA_SCHEMES
        .iter()
        .find(|s| offered.contains(s))
        .map(|s| HandshakeSignature::Scheme(*s))
}

/// The peer's signature algorithm at `version` for its certificate key `key`: the scheme it
/// named (TLS 1.2), which must be one we offered and fit the key, or the fixed TLS 1.0/1.1
/// construction for the key type.
pub(crate) fn received_signature(
    version: ProtocolVersion,
    scheme: Option<SignatureScheme>,
    we_offered: &[SignatureScheme],
    key: &SubjectPublicKey,
) -> Result<HandshakeSignature, Error> {
    let rsa = matches!(key, SubjectPublicKey::Rsa(_));
    match (version >= ProtocolVersion::TLSV1_2, scheme) {
        (false, None) if rsa => Ok(HandshakeSignature::RsaMd5Sha1),
        (false, None) => Ok(HandshakeSignature::EcdsaSha1),
        (true, Some(s)) => {
            let fits = if rsa {
                RSA_SCHEMES.contains(&s)
            } else {
                ECDSA_SCHEMES.contains(&s)
            };
            if we_offered.contains(&s) && fits {
                Ok(HandshakeSignature::Scheme(s))
            } else {
                Err(PeerMisbehaved::UnofferedSignatureScheme(s).into())
            }
        }
        // The decoder reads the algorithm field exactly when the version has one.
        _ => Err(Error::Internal(
            "signature algorithm field and version disagree",
        )),
    }
}

/// Checks a handshake signature `signature` over `message` with the certificate's `key`.
///
/// # Errors
/// [`PeerMisbehaved::BadServerKeyExchangeSignature`] (decrypt_error) when it does not
/// verify (a scheme that does not fit the key included).
pub(crate) fn verify(
    sig: HandshakeSignature,
    key: &SubjectPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let bad = || Error::from(PeerMisbehaved::BadServerKeyExchangeSignature);
    let alg = match sig {
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA1) => {
            SignatureAlgorithm::RsaPkcs1Sha1
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA256) => {
            SignatureAlgorithm::RsaPkcs1Sha256
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA384) => {
            SignatureAlgorithm::RsaPkcs1Sha384
        }
        HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA512) => {
            SignatureAlgorithm::RsaPkcs1Sha512
        }
        HandshakeSignature::Scheme(SignatureScheme::ECDSA_SHA1) | HandshakeSignature::EcdsaSha1 => {
            SignatureAlgorithm::EcdsaSha1
        }
        HandshakeSignature::Scheme(SignatureScheme::ECDSA_SECP256R1_SHA256) => {
            SignatureAlgorithm::EcdsaSha256
        }
        HandshakeSignature::Scheme(SignatureScheme::ECDSA_SECP384R1_SHA384) => {
            SignatureAlgorithm::EcdsaSha384
        }
        HandshakeSignature::Scheme(s) => {
            return Err(PeerMisbehaved::UnofferedSignatureScheme(s).into());
        }
        HandshakeSignature::RsaMd5Sha1 => {
            let SubjectPublicKey::Rsa(key) = key else {
                return Err(bad());
            };
            // No DigestInfo, so not a certificate algorithm: s^e must equal the encoding
            // exactly (every input here is public).
            use rsa::traits::PublicKeyParts;
            let k = key.size();
            if signature.len() != k {
                return Err(bad());
            }
            let expected = emsa_pkcs1_v15(sig, message, k).ok_or_else(bad)?;
            let public = RsaPublic::from_rsa_crate(key).ok_or_else(bad)?;
            let mut em = alloc::vec![0u8; k];
            public.op(signature, &mut em).map_err(|_| bad())?;
            return if em == expected { Ok(()) } else { Err(bad()) };
        }
    };
    match key {
        SubjectPublicKey::Rsa(rsa) => verify_rsa_signature(alg, rsa, message, signature),
        other => verify_signature_with_key(alg, other, message, signature),
    }
    .map_err(|_| bad())
}

/// The key of a peer's end-entity certificate, for the use the suite makes of it: an RSA
/// key of at least `min_rsa_bits` to encrypt to (`sign` false: keyUsage, when present, must
/// allow keyEncipherment) or any key lucid verifies with to check a signature (`sign` true:
/// keyUsage must allow digitalSignature), RFC 5280 §4.2.1.3, RFC 8422 §5.3.
pub(crate) fn peer_certificate_key(
    cert_der: &[u8],
    min_rsa_bits: usize,
    sign: bool,
) -> Result<SubjectPublicKey, Error> {
    use der::{Decode, Encode};
    let bad = |e| Error::InvalidCertificate(e);
    if let Some(ku) = end_entity_key_usage(cert_der).map_err(bad)? {
        let (ok, required) = if sign {
            (ku.digital_signature(), "digitalSignature")
        } else {
            (ku.key_encipherment(), "keyEncipherment")
        };
        if !ok {
            return Err(bad(CertificateError::InvalidKeyUsage { required }));
        }
    }
    let cert = x509_cert::Certificate::from_der(cert_der)
        .map_err(|_| bad(CertificateError::BadEncoding))?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| bad(CertificateError::BadEncoding))?;
    subject_public_key(&spki, min_rsa_bits, RsaKeyRole::LeafKey).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emsa_layout() {
        let em = emsa_pkcs1_v15(HandshakeSignature::RsaMd5Sha1, b"abc", 256).unwrap();
        assert_eq!(em.len(), 256);
        assert_eq!(&em[..2], &[0, 1]);
        assert!(em[2..256 - 37].iter().all(|b| *b == 0xff));
        assert_eq!(em[256 - 37], 0);
        let mut t = Md5::digest(b"abc").to_vec();
        t.extend_from_slice(&Sha1::digest(b"abc"));
        assert_eq!(&em[256 - 36..], &t[..]);
        let em = emsa_pkcs1_v15(
            HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA256),
            b"abc",
            256,
        )
        .unwrap();
        assert_eq!(&em[256 - 51..256 - 32], SHA256_PREFIX);
        // Too small for 8 bytes of padding; not an RSA scheme.
        assert!(emsa_pkcs1_v15(HandshakeSignature::RsaMd5Sha1, b"", 36 + 10).is_none());
        assert!(emsa_pkcs1_v15(HandshakeSignature::RsaMd5Sha1, b"", 36 + 11).is_some());
        assert!(
            emsa_pkcs1_v15(
                HandshakeSignature::Scheme(SignatureScheme::ECDSA_SECP256R1_SHA256),
                b"",
                256
            )
            .is_none()
        );
    }

    #[test]
    fn scheme_choice() {
        let v12 = ProtocolVersion::TLSV1_2;
        use HandshakeSignature::{RsaMd5Sha1, Scheme};
        assert_eq!(
            choose_rsa_signature(ProtocolVersion::TLSV1_0, Some(&[])),
            Some(RsaMd5Sha1)
        );
        assert_eq!(
            choose_rsa_signature(v12, None),
            Some(Scheme(SignatureScheme::RSA_PKCS1_SHA1))
        );
        // SHA-1 only when nothing better is offered.
        assert_eq!(
            choose_rsa_signature(
                v12,
                Some(&[
                    SignatureScheme::RSA_PKCS1_SHA1,
                    SignatureScheme::RSA_PKCS1_SHA512
                ])
            ),
            Some(Scheme(SignatureScheme::RSA_PKCS1_SHA512))
        );
        assert_eq!(
            choose_rsa_signature(v12, Some(&[SignatureScheme::ECDSA_SECP256R1_SHA256])),
            None
        );
        assert_eq!(
            choose_ecdsa_signature(v12, Some(&[SignatureScheme::ECDSA_SECP384R1_SHA384])),
            Some(Scheme(SignatureScheme::ECDSA_SECP384R1_SHA384))
        );
        assert_eq!(
            choose_ecdsa_signature(ProtocolVersion::TLSV1_1, None),
            Some(HandshakeSignature::EcdsaSha1)
        );
        assert_eq!(
            choose_ecdsa_signature(v12, Some(&[SignatureScheme::RSA_PKCS1_SHA256])),
            None
        );
    }
}
