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
//! ([`server_key_exchange_message`]); for a CertificateVerify it is every handshake message
//! so far, which lucid has only as the running transcript hash ([`Signed::Transcript`]): so
//! on TLS 1.2 a CertificateVerify is made with a scheme of the PRF's hash (SHA-256, or
//! SHA-384 for the `*_SHA384` suites), and lucid's CertificateRequest lists only those.

use alloc::vec;
use alloc::vec::Vec;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use rand_core::CryptoRng;

#[cfg(feature = "ecdsa")]
use crate::crypto::ecdsa_key::ServerEcdsaKey;
use crate::crypto::prf::PrfAlgorithm;
use crate::crypto::rsa_key::ServerRsaKey;
use crate::error::Error;
#[cfg(any(feature = "server", feature = "ecdhe", feature = "dhe"))]
use crate::error::PeerMisbehaved;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::enums::SignatureScheme;
#[cfg(all(
    feature = "ecdsa",
    any(feature = "server", feature = "ecdhe", feature = "dhe")
))]
use crate::x509::signature::verify_ecdsa_prehash;
#[cfg(any(feature = "server", feature = "ecdhe", feature = "dhe"))]
use crate::x509::signature::{RsaKeyRole, SubjectPublicKey, subject_public_key};
#[cfg(any(feature = "server", feature = "ecdhe", feature = "dhe"))]
use crate::x509::{CertificateError, certificate_spki, end_entity_key_usage};

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

impl HandshakeSignature {
    /// The TLS 1.2 algorithm field, `None` for the TLS 1.0/1.1 constructions.
    pub(crate) fn scheme(self) -> Option<SignatureScheme> {
        match self {
            Self::Scheme(s) => Some(s),
            Self::RsaMd5Sha1 | Self::EcdsaSha1 => None,
        }
    }
}

/// Whether `sig` can sign or verify a CertificateVerify over a transcript hashed for `prf`
/// ([`Signed::Transcript`]): on TLS 1.2 its hash must be the PRF's; the TLS 1.0/1.1
/// constructions go with the MD5/SHA-1 transcript.
pub(crate) fn signs_transcript(sig: HandshakeSignature, prf: PrfAlgorithm) -> bool {
    matches!(
        (SigHash::of(sig), prf),
        (Some(SigHash::Sha256), PrfAlgorithm::Sha256)
            | (Some(SigHash::Sha384), PrfAlgorithm::Sha384)
            | (
                Some(SigHash::Md5Sha1 | SigHash::Sha1),
                PrfAlgorithm::Md5Sha1
            )
    ) && (prf == PrfAlgorithm::Md5Sha1) == sig.scheme().is_none()
}

/// ECDSA schemes lucid signs and verifies with on TLS 1.2, in its preference order. On TLS
/// 1.2 a scheme names hash and algorithm, not the curve (RFC 5246 §7.4.1.4.1), so either
/// works with a P-256 or a P-384 key. None without the `ecdsa` feature, so nothing offers,
/// requests or accepts one.
pub(crate) static ECDSA_SCHEMES: &[SignatureScheme] = &[
    #[cfg(feature = "ecdsa")]
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    #[cfg(feature = "ecdsa")]
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
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
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

/// What a handshake signature covers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Signed<'a> {
    /// A message the signature hashes itself (a ServerKeyExchange's randoms and params).
    #[cfg_attr(
        not(any(feature = "ecdhe", feature = "dhe")),
        allow(
            dead_code,
            reason = "only the ECDHE and DHE suites sign a ServerKeyExchange"
        )
    )]
    Message(&'a [u8]),
    /// The handshake messages so far, as the running transcript hash has digested them
    /// (a CertificateVerify, RFC 5246 §7.4.8; lucid keeps no copy of the messages): on TLS
    /// 1.2 the PRF's hash, which must then be the scheme's hash; on TLS 1.0/1.1
    /// `MD5 ‖ SHA-1` (36 bytes), whose SHA-1 half is what an ECDSA signature covers.
    Transcript(&'a [u8]),
}

/// The hash a handshake signature is made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigHash {
    Md5Sha1,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl SigHash {
    fn of(sig: HandshakeSignature) -> Option<Self> {
        use SignatureScheme as S;
        Some(match sig {
            HandshakeSignature::RsaMd5Sha1 => Self::Md5Sha1,
            HandshakeSignature::EcdsaSha1 => Self::Sha1,
            HandshakeSignature::Scheme(S::RSA_PKCS1_SHA1 | S::ECDSA_SHA1) => Self::Sha1,
            HandshakeSignature::Scheme(S::RSA_PKCS1_SHA256 | S::ECDSA_SECP256R1_SHA256) => {
                Self::Sha256
            }
            HandshakeSignature::Scheme(S::RSA_PKCS1_SHA384 | S::ECDSA_SECP384R1_SHA384) => {
                Self::Sha384
            }
            HandshakeSignature::Scheme(S::RSA_PKCS1_SHA512) => Self::Sha512,
            HandshakeSignature::Scheme(_) => return None,
        })
    }

    fn len(self) -> usize {
        match self {
            Self::Md5Sha1 => 36,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn digest(self, m: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5Sha1 => {
                let mut h = Md5::digest(m).to_vec();
                h.extend_from_slice(&Sha1::digest(m));
                h
            }
            Self::Sha1 => Sha1::digest(m).to_vec(),
            Self::Sha256 => Sha256::digest(m).to_vec(),
            Self::Sha384 => Sha384::digest(m).to_vec(),
            Self::Sha512 => Sha512::digest(m).to_vec(),
        }
    }

    /// The DigestInfo header of RSASSA-PKCS1-v1_5 (none for the TLS 1.0/1.1 MD5 ‖ SHA-1).
    fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Self::Md5Sha1 => &[],
            Self::Sha1 => SHA1_PREFIX,
            Self::Sha256 => SHA256_PREFIX,
            Self::Sha384 => SHA384_PREFIX,
            Self::Sha512 => SHA512_PREFIX,
        }
    }
}

/// The digest `sig` signs over `signed`, or `None` when `sig` is no hash-and-sign scheme
/// lucid knows or a transcript digest is not of `sig`'s hash.
pub(crate) fn signed_digest(sig: HandshakeSignature, signed: Signed<'_>) -> Option<Vec<u8>> {
    let hash = SigHash::of(sig)?;
    match signed {
        Signed::Message(m) => Some(hash.digest(m)),
        // TLS 1.0/1.1 ECDSA: SHA-1 of the messages, the second half of MD5 ‖ SHA-1.
        Signed::Transcript(d) if sig == HandshakeSignature::EcdsaSha1 => {
            (d.len() == 36).then(|| d.get(16..).unwrap_or_default().to_vec())
        }
        Signed::Transcript(d) => (d.len() == hash.len()).then(|| d.to_vec()),
    }
}

/// Whether `sig` is an RSASSA-PKCS1-v1_5 signature (rather than ECDSA).
fn is_rsa(sig: HandshakeSignature) -> bool {
    match sig {
        HandshakeSignature::RsaMd5Sha1 => true,
        HandshakeSignature::EcdsaSha1 => false,
        HandshakeSignature::Scheme(s) => RSA_SCHEMES.contains(&s),
    }
}

/// EMSA-PKCS1-v1_5 (RFC 8017 §9.2): `0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ T` in `k` bytes, where
/// `T` is `DigestInfo ‖ H` (or `MD5 ‖ SHA-1` on TLS 1.0/1.1); `None` when `sig` is not an
/// RSA signature, the digest cannot be had, or `k` is too small for `T` (at least 8 bytes
/// of 0xff are required).
pub(crate) fn emsa_pkcs1_v15(
    sig: HandshakeSignature,
    signed: Signed<'_>,
    k: usize,
) -> Option<Vec<u8>> {
    if !is_rsa(sig) {
        return None;
    }
    let prefix = SigHash::of(sig)?.digest_info_prefix();
    let hash = signed_digest(sig, signed)?;
    let t_len = prefix.len() + hash.len();
    let ps_len = k.checked_sub(t_len + 3).filter(|n| *n >= 8)?;
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0, 1]);
    em.resize(2 + ps_len, 0xff);
    em.push(0);
    em.extend_from_slice(prefix);
    em.extend_from_slice(&hash);
    Some(em)
}

/// Which signature a signer with an RSA key uses at `version`, given what the peer offered
/// in `signature_algorithms` (TLS 1.2; `None` if it sent none, which means {sha1, rsa},
/// RFC 5246 §7.4.1.4.1). `None` if nothing fits.
#[cfg(all(feature = "server", any(feature = "ecdhe", feature = "dhe")))]
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
#[cfg(all(feature = "server", feature = "ecdhe", feature = "ecdsa"))]
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
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
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

/// Checks a handshake signature `signature` over `signed` with the certificate's `key`.
///
/// RSA: `s^e mod n` must equal the EMSA-PKCS1-v1_5 encoding exactly (RFC 8017 §8.2.2, so
/// BER variants fail), on lucid's own public-key arithmetic (every input is public).
/// ECDSA: a DER `Ecdsa-Sig-Value` over the digest, truncated to the curve order.
///
/// # Errors
/// [`PeerMisbehaved::BadServerKeyExchangeSignature`] (decrypt_error) when it does not
/// verify (a scheme that does not fit the key included); the caller maps it for a
/// CertificateVerify.
#[cfg(any(feature = "server", feature = "ecdhe", feature = "dhe"))]
pub(crate) fn verify(
    sig: HandshakeSignature,
    key: &SubjectPublicKey,
    signed: Signed<'_>,
    signature: &[u8],
) -> Result<(), Error> {
    let bad = || Error::from(PeerMisbehaved::BadServerKeyExchangeSignature);
    if SigHash::of(sig).is_none() {
        if let HandshakeSignature::Scheme(s) = sig {
            return Err(PeerMisbehaved::UnofferedSignatureScheme(s).into());
        }
    }
    match key {
        SubjectPublicKey::Rsa(rsa) if is_rsa(sig) => {
            let k = rsa.size();
            if signature.len() != k {
                return Err(bad());
            }
            let expected = emsa_pkcs1_v15(sig, signed, k).ok_or_else(bad)?;
            let public = rsa.public().ok_or_else(bad)?;
            let mut em = alloc::vec![0u8; k];
            public.op(signature, &mut em).map_err(|_| bad())?;
            if em == expected { Ok(()) } else { Err(bad()) }
        }
        #[cfg(feature = "ecdsa")]
        SubjectPublicKey::EcdsaP256(_) | SubjectPublicKey::EcdsaP384(_) if !is_rsa(sig) => {
            let digest = signed_digest(sig, signed).ok_or_else(bad)?;
            verify_ecdsa_prehash(key, &digest, signature).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// An RSASSA-PKCS1-v1_5 signature by `key` over `message` (RFC 8017 §8.2.1): the EMSA
/// encoding, then the same raw private operation the key exchange uses (RSASP1 and RSADP
/// are one function, `m^d mod n`): a ServerKeyExchange of the ECDHE_RSA suites, a client's
/// CertificateVerify.
///
/// The encoded message is public (it is built from public values), so nothing here is
/// secret but the key, whose operation is the backend's (constant-time, blinded).
pub(crate) fn sign_rsa(
    key: &dyn ServerRsaKey,
    sig: HandshakeSignature,
    signed: Signed<'_>,
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>, Error> {
    let k = key.modulus_len();
    let em = emsa_pkcs1_v15(sig, signed, k)
        .ok_or(Error::Internal("RSA key too small for the signature"))?;
    let mut signature = vec![0u8; k];
    key.decrypt_raw(&em, &mut signature, rng)
        .map_err(|_| Error::Internal("RSA signing failed in the key backend"))?;
    Ok(signature)
}

/// An ECDSA signature (DER `Ecdsa-Sig-Value`) by `key` over `message`, hashed as `sig`
/// says: SHA-256 or SHA-384 on TLS 1.2 (ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384),
/// SHA-1 on TLS 1.0/1.1 and for ecdsa_sha1 (RFC 8422 §5.4). The key backend signs the
/// digest (constant-time, deterministic nonces per RFC 6979 in [`EcdsaKey`]).
///
/// [`EcdsaKey`]: crate::crypto::ecdsa_key::EcdsaKey
#[cfg(feature = "ecdsa")]
pub(crate) fn sign_ecdsa(
    key: &dyn ServerEcdsaKey,
    sig: HandshakeSignature,
    signed: Signed<'_>,
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>, Error> {
    let digest = signed_digest(sig, signed)
        .ok_or(Error::Internal("not an ECDSA signature over this digest"))?;
    key.sign_prehash(&digest, rng)
        .map_err(|_| Error::Internal("ECDSA signing failed in the key backend"))
}

/// The key of a peer's end-entity certificate, for the use the suite makes of it: an RSA
/// key of at least `min_rsa_bits` to encrypt to (`sign` false: keyUsage, when present, must
/// allow keyEncipherment) or any key lucid verifies with to check a signature (`sign` true:
/// keyUsage must allow digitalSignature), RFC 5280 §4.2.1.3, RFC 8422 §5.3.
#[cfg(any(feature = "server", feature = "ecdhe", feature = "dhe"))]
pub(crate) fn peer_certificate_key(
    cert_der: &[u8],
    min_rsa_bits: usize,
    sign: bool,
) -> Result<SubjectPublicKey, Error> {
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
    let spki = certificate_spki(cert_der).map_err(bad)?;
    subject_public_key(spki, min_rsa_bits, RsaKeyRole::LeafKey).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emsa_layout() {
        let m = |b: &'static [u8]| Signed::Message(b);
        let em = emsa_pkcs1_v15(HandshakeSignature::RsaMd5Sha1, m(b"abc"), 256).unwrap();
        assert_eq!(em.len(), 256);
        assert_eq!(&em[..2], &[0, 1]);
        assert!(em[2..256 - 37].iter().all(|b| *b == 0xff));
        assert_eq!(em[256 - 37], 0);
        let mut t = Md5::digest(b"abc").to_vec();
        t.extend_from_slice(&Sha1::digest(b"abc"));
        assert_eq!(&em[256 - 36..], &t[..]);
        let em = emsa_pkcs1_v15(
            HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA256),
            m(b"abc"),
            256,
        )
        .unwrap();
        assert_eq!(&em[256 - 51..256 - 32], SHA256_PREFIX);
        // Too small for 8 bytes of padding; not an RSA scheme.
        assert!(emsa_pkcs1_v15(HandshakeSignature::RsaMd5Sha1, m(b""), 36 + 10).is_none());
        assert!(emsa_pkcs1_v15(HandshakeSignature::RsaMd5Sha1, m(b""), 36 + 11).is_some());
        assert!(
            emsa_pkcs1_v15(
                HandshakeSignature::Scheme(SignatureScheme::ECDSA_SECP256R1_SHA256),
                m(b""),
                256
            )
            .is_none()
        );
        // Over a transcript digest: the digest is used as it is, and must be the scheme's.
        let d = Sha256::digest(b"abc");
        let sha256 = HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA256);
        assert_eq!(
            emsa_pkcs1_v15(sha256, Signed::Transcript(&d), 256),
            Some(em)
        );
        let sha384 = HandshakeSignature::Scheme(SignatureScheme::RSA_PKCS1_SHA384);
        assert!(emsa_pkcs1_v15(sha384, Signed::Transcript(&d), 256).is_none());
        // TLS 1.0/1.1: MD5 ‖ SHA-1 for RSA, its SHA-1 half for ECDSA.
        let mut legacy = Md5::digest(b"abc").to_vec();
        legacy.extend_from_slice(&Sha1::digest(b"abc"));
        assert_eq!(
            signed_digest(HandshakeSignature::EcdsaSha1, Signed::Transcript(&legacy)),
            Some(Sha1::digest(b"abc").to_vec())
        );
        assert_eq!(
            signed_digest(HandshakeSignature::RsaMd5Sha1, Signed::Transcript(&legacy)),
            Some(legacy.clone())
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
