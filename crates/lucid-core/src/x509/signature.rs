//! Signature verification: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with SHA-256/384/512 and, only
//! behind a loudly named opt-in, SHA-1.
//!
//! The `DigestInfo` prefixes are the exact DER encodings from RFC 8017 §9.2 note 1; the
//! padding check (in the `rsa` crate) compares the whole encoded message, so BER variants
//! and a missing `NULL` are rejected — the Wycheproof vectors run through [`verify_signature`]
//! to prove it (`tests/x509_wycheproof.rs`).

use alloc::boxed::Box;
use core::fmt;

use der::Tag;
use rsa::{BoxedUint, PublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::CertificateError;
use super::asn1::{Tlv, bit_string_bytes, single};
use crate::arith::rsa_core::RsaPublic;

/// Smallest RSA modulus lucid accepts anywhere — leaf key-exchange key, chain signatures,
/// pinned leaf — in bits (as webpki).
pub const MIN_RSA_MODULUS_BITS: usize = 2048;
/// The smallest modulus behind the legacy opt-in
/// ([`super::VerifierOptions::allow_rsa_1024_legacy`],
/// `ClientConfig::allow_rsa_1024_legacy`); nothing below it is ever accepted.
pub const LEGACY_MIN_RSA_MODULUS_BITS: usize = 1024;
/// Largest RSA modulus accepted, in bits (bounds verification cost).
pub const MAX_RSA_MODULUS_BITS: usize = 8192;

/// A certificate signature algorithm lucid can verify.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// sha1WithRSAEncryption (1.2.840.113549.1.1.5): legacy, opt-in only.
    RsaPkcs1Sha1,
    /// sha256WithRSAEncryption (1.2.840.113549.1.1.11).
    RsaPkcs1Sha256,
    /// sha384WithRSAEncryption (1.2.840.113549.1.1.12).
    RsaPkcs1Sha384,
    /// sha512WithRSAEncryption (1.2.840.113549.1.1.13).
    RsaPkcs1Sha512,
}

// 1.2.840.113549.1.1 arc (pkcs-1).
const PKCS1_ARC: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA384_PREFIX: &[u8] = &[
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
const SHA512_PREFIX: &[u8] = &[
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

impl SignatureAlgorithm {
    /// Decode a certificate `AlgorithmIdentifier` (the whole DER SEQUENCE). Parameters must
    /// be `NULL` or absent (RFC 4055 §5).
    pub fn from_der(alg_id: &[u8]) -> Result<Self, CertificateError> {
        let seq = single(alg_id, Tag::Sequence)?;
        Self::from_tlv(&seq)
    }

    pub(crate) fn from_tlv(seq: &Tlv<'_>) -> Result<Self, CertificateError> {
        let mut r = seq.reader()?;
        let oid = r.read(Tag::ObjectIdentifier)?;
        let alg = match oid.value.strip_prefix(PKCS1_ARC) {
            Some([0x05]) => Self::RsaPkcs1Sha1,
            Some([0x0b]) => Self::RsaPkcs1Sha256,
            Some([0x0c]) => Self::RsaPkcs1Sha384,
            Some([0x0d]) => Self::RsaPkcs1Sha512,
            _ => return Err(CertificateError::UnsupportedSignatureAlgorithm),
        };
        if let Some(null) = r.read_optional(Tag::Null)? {
            if !null.value.is_empty() {
                return Err(CertificateError::BadEncoding);
            }
        }
        r.finish()?;
        Ok(alg)
    }

    /// Is this a SHA-1 based algorithm (rejected unless the legacy opt-in is set)?
    pub fn is_sha1(self) -> bool {
        self == Self::RsaPkcs1Sha1
    }

    fn hash_and_prefix(self, message: &[u8]) -> (Box<[u8]>, &'static [u8]) {
        match self {
            Self::RsaPkcs1Sha1 => (Box::from(&Sha1::digest(message)[..]), SHA1_PREFIX),
            Self::RsaPkcs1Sha256 => (Box::from(&Sha256::digest(message)[..]), SHA256_PREFIX),
            Self::RsaPkcs1Sha384 => (Box::from(&Sha384::digest(message)[..]), SHA384_PREFIX),
            Self::RsaPkcs1Sha512 => (Box::from(&Sha512::digest(message)[..]), SHA512_PREFIX),
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RsaPkcs1Sha1 => "sha1WithRSAEncryption",
            Self::RsaPkcs1Sha256 => "sha256WithRSAEncryption",
            Self::RsaPkcs1Sha384 => "sha384WithRSAEncryption",
            Self::RsaPkcs1Sha512 => "sha512WithRSAEncryption",
        })
    }
}

/// Which RSA key a key-size check was about (named in [`CertificateError::RsaKeyTooSmall`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaKeyRole {
    /// The server certificate's own key: the client encrypts the pre-master secret to it.
    LeafKey,
    /// The key of certificate `[index]` of the path (`[0]` is the leaf, `[1]` its issuer),
    /// which signed certificate `[index - 1]`.
    ChainSigner {
        /// Position on the path.
        index: usize,
    },
    /// The key of the trust anchor that signed the top certificate of the path.
    TrustAnchor,
    /// The key of the pinned certificate (`PinnedLeafVerifier`).
    PinnedLeaf,
}

impl fmt::Display for RsaKeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LeafKey => f.write_str(
                "the server certificate's key (the pre-master secret would be encrypted to it)",
            ),
            Self::ChainSigner { index } => write!(
                f,
                "the key of chain certificate [{index}] (which signed certificate [{}])",
                index.saturating_sub(1)
            ),
            Self::TrustAnchor => f.write_str("the trust anchor's key"),
            Self::PinnedLeaf => f.write_str("the pinned certificate's key"),
        }
    }
}

/// Decode an RSA `SubjectPublicKeyInfo` (whole DER SEQUENCE, algorithm rsaEncryption with
/// `NULL` parameters) into a key usable for signature verification and RSA encryption.
///
/// Accepts moduli of [`MIN_RSA_MODULUS_BITS`]..=[`MAX_RSA_MODULUS_BITS`] bits; a smaller one
/// is reported as the leaf's key.
pub fn rsa_public_key(spki: &[u8]) -> Result<PublicKey, CertificateError> {
    rsa_public_key_checked(spki, MIN_RSA_MODULUS_BITS, RsaKeyRole::LeafKey)
}

/// [`rsa_public_key`] with an explicit minimum (raised to at least
/// [`LEGACY_MIN_RSA_MODULUS_BITS`]) and the role to name when the key is too small.
pub fn rsa_public_key_checked(
    spki: &[u8],
    min_bits: usize,
    role: RsaKeyRole,
) -> Result<PublicKey, CertificateError> {
    let min_bits = min_bits.max(LEGACY_MIN_RSA_MODULUS_BITS);
    let seq = single(spki, Tag::Sequence)?;
    let mut r = seq.reader()?;
    let alg = r.read(Tag::Sequence)?;
    let bits = r.read(Tag::BitString)?;
    r.finish()?;

    let mut ar = alg.reader()?;
    let oid = ar.read(Tag::ObjectIdentifier)?;
    if oid.value != RSA_ENCRYPTION {
        return Err(CertificateError::UnsupportedPublicKeyAlgorithm);
    }
    let null = ar.read(Tag::Null)?;
    if !null.value.is_empty() {
        return Err(CertificateError::BadEncoding);
    }
    ar.finish()?;

    let key = single(bit_string_bytes(&bits)?, Tag::Sequence)?;
    let mut kr = key.reader()?;
    let n = positive_integer(kr.read(Tag::Integer)?.value)?;
    let e = positive_integer(kr.read(Tag::Integer)?.value)?;
    kr.finish()?;

    let n_bits = n
        .len()
        .checked_mul(8)
        .and_then(|b| b.checked_sub(n.first().map_or(8, |top| top.leading_zeros() as usize)))
        .ok_or(CertificateError::BadEncoding)?;
    if n_bits < min_bits {
        return Err(CertificateError::RsaKeyTooSmall {
            bits: n_bits,
            min: min_bits,
            role,
        });
    }
    if n_bits > MAX_RSA_MODULUS_BITS {
        return Err(CertificateError::UnsupportedRsaKeySize { bits: n_bits });
    }
    PublicKey::new_with_size_limits(
        BoxedUint::from_be_slice_vartime(n),
        BoxedUint::from_be_slice_vartime(e),
        min_bits..=MAX_RSA_MODULUS_BITS,
    )
    .map_err(|_| CertificateError::BadEncoding)
}

/// The magnitude bytes of a DER INTEGER that must be positive (leading zero stripped).
fn positive_integer(value: &[u8]) -> Result<&[u8], CertificateError> {
    match value {
        [] => Err(CertificateError::BadEncoding),
        [first, ..] if *first >= 0x80 => Err(CertificateError::BadEncoding),
        [0] => Err(CertificateError::BadEncoding),
        [0, second, ..] if *second < 0x80 => Err(CertificateError::BadEncoding),
        [0, rest @ ..] => Ok(rest),
        _ => Ok(value),
    }
}

/// Verify `signature` over `message` with the key in `spki` (whole DER
/// `SubjectPublicKeyInfo`) under `alg`.
///
/// It does not apply the SHA-1 policy (the path verifier does); it does apply the default
/// key size limits ([`MIN_RSA_MODULUS_BITS`]); the path verifier parses the key with its
/// own minimum and calls [`verify_signature_with_key`], the one function every
/// certificate signature in lucid goes through.
///
/// # Errors
/// [`CertificateError::BadSignature`] when the signature does not verify;
/// [`CertificateError::UnsupportedPublicKeyAlgorithm`] / [`CertificateError::BadEncoding`] /
/// [`CertificateError::UnsupportedRsaKeySize`] when the key cannot be used.
pub fn verify_signature(
    alg: SignatureAlgorithm,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    let key = rsa_public_key_checked(
        spki,
        MIN_RSA_MODULUS_BITS,
        RsaKeyRole::ChainSigner { index: 1 },
    )?;
    verify_signature_with_key(alg, &key, message, signature)
}

/// Verify `signature` over `message` with an already parsed `key` under `alg`.
#[allow(
    clippy::indexing_slicing,
    reason = "offsets derived from k, checked against the minimum length first"
)]
pub fn verify_signature_with_key(
    alg: SignatureAlgorithm,
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    use rsa::traits::PublicKeyParts;
    let (hash, prefix) = alg.hash_and_prefix(message);
    // RFC 8017 §8.2.2: the signature is exactly k bytes and below n; s^e mod n must be
    // *exactly* EM = 0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ DigestInfo ‖ H (the whole encoding is
    // compared, so BER variants and a missing NULL fail). The public operation runs on
    // lucid's own arithmetic (arith::rsa_core); every input is public.
    let k = key.size();
    let t_len = prefix.len() + hash.len();
    if signature.len() != k || k < t_len + 11 {
        return Err(CertificateError::BadSignature);
    }
    let public = RsaPublic::from_rsa_crate(key).ok_or(CertificateError::BadSignature)?;
    let mut em = alloc::vec![0u8; k];
    public
        .op(signature, &mut em)
        .map_err(|_| CertificateError::BadSignature)?;
    let mut expected = alloc::vec![0xffu8; k];
    expected[0] = 0;
    expected[1] = 1;
    expected[k - t_len - 1] = 0;
    expected[k - t_len..k - hash.len()].copy_from_slice(prefix);
    expected[k - hash.len()..].copy_from_slice(&hash);
    if em == expected {
        Ok(())
    } else {
        Err(CertificateError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_identifiers() {
        let sha256_null = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05,
            0x00,
        ];
        assert_eq!(
            SignatureAlgorithm::from_der(&sha256_null).unwrap(),
            SignatureAlgorithm::RsaPkcs1Sha256
        );
        let sha512_absent = [
            0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
        ];
        assert_eq!(
            SignatureAlgorithm::from_der(&sha512_absent).unwrap(),
            SignatureAlgorithm::RsaPkcs1Sha512
        );
        // PSS (1.1.10) is not supported.
        let pss = [
            0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
        ];
        assert_eq!(
            SignatureAlgorithm::from_der(&pss),
            Err(CertificateError::UnsupportedSignatureAlgorithm)
        );
        for n in 0..sha256_null.len() {
            assert!(SignatureAlgorithm::from_der(&sha256_null[..n]).is_err());
        }
    }

    #[test]
    fn integers() {
        assert_eq!(positive_integer(&[1]).unwrap(), &[1]);
        assert_eq!(positive_integer(&[0, 0x80]).unwrap(), &[0x80]);
        assert!(positive_integer(&[0, 1]).is_err());
        assert!(positive_integer(&[0x80]).is_err());
        assert!(positive_integer(&[]).is_err());
        assert!(positive_integer(&[0]).is_err());
    }
}
