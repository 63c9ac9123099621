//! Signature verification: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) and ECDSA on P-256/P-384
//! (FIPS 186-4 §6.4, RFC 5758 §3.2) with SHA-256/384/512 and, only behind a loudly named
//! opt-in, SHA-1; and the public keys they verify with ([`SubjectPublicKey`], parsed from a
//! `SubjectPublicKeyInfo` by [`subject_public_key`]).
//!
//! RSA: the `DigestInfo` prefixes are the exact DER encodings from RFC 8017 §9.2 note 1; the
//! padding check compares the whole encoded message, so BER variants and a missing `NULL`
//! are rejected. ECDSA: the signature is a strict-DER `Ecdsa-Sig-Value`; the digest is
//! truncated to the curve order's bit length (FIPS 186-4 §6.4), so any of the hashes works
//! with either curve, as X.509 allows. The Wycheproof vectors of both run through
//! [`verify_signature`] to prove it (`tests/x509_wycheproof.rs`).

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use der::Tag;
#[cfg(feature = "ecdsa")]
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::CertificateError;
use super::asn1::{Tlv, bit_string_bytes, single};
use super::cert::oid_string;
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
    /// ecdsa-with-SHA1 (1.2.840.10045.4.1): legacy, opt-in only, like
    /// [`Self::RsaPkcs1Sha1`].
    EcdsaSha1,
    /// ecdsa-with-SHA256 (1.2.840.10045.4.3.2).
    EcdsaSha256,
    /// ecdsa-with-SHA384 (1.2.840.10045.4.3.3).
    EcdsaSha384,
    /// ecdsa-with-SHA512 (1.2.840.10045.4.3.4).
    EcdsaSha512,
}

/// The hash a signature algorithm signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, message: &[u8]) -> Box<[u8]> {
        match self {
            Self::Sha1 => Box::from(&Sha1::digest(message)[..]),
            Self::Sha256 => Box::from(&Sha256::digest(message)[..]),
            Self::Sha384 => Box::from(&Sha384::digest(message)[..]),
            Self::Sha512 => Box::from(&Sha512::digest(message)[..]),
        }
    }
}

// 1.2.840.113549.1.1 arc (pkcs-1).
const PKCS1_ARC: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
// 1.2.840.10045.4.1 (ecdsa-with-SHA1) and the 1.2.840.10045.4.3 arc (ecdsa-with-SHA2).
const ECDSA_WITH_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const ECDSA_WITH_SHA2_ARC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
// 1.2.840.10045.2.1 (id-ecPublicKey, RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
// 1.2.840.10045.3.1.7 (prime256v1 / secp256r1) and 1.3.132.0.34 (secp384r1).
const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

pub(crate) const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];
pub(crate) const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
pub(crate) const SHA384_PREFIX: &[u8] = &[
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
pub(crate) const SHA512_PREFIX: &[u8] = &[
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

impl SignatureAlgorithm {
    /// Decode a certificate `AlgorithmIdentifier` (the whole DER SEQUENCE). Parameters must
    /// be `NULL` or absent for RSA (RFC 4055 §5) and absent for ECDSA (RFC 5758 §3.2: a
    /// `NULL` there is [`CertificateError::BadEncoding`]).
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
            Some(_) => return Err(CertificateError::UnsupportedSignatureAlgorithm),
            None if oid.value == ECDSA_WITH_SHA1 => Self::EcdsaSha1,
            None => match oid.value.strip_prefix(ECDSA_WITH_SHA2_ARC) {
                Some([0x02]) => Self::EcdsaSha256,
                Some([0x03]) => Self::EcdsaSha384,
                Some([0x04]) => Self::EcdsaSha512,
                _ => return Err(CertificateError::UnsupportedSignatureAlgorithm),
            },
        };
        if !alg.is_ecdsa() {
            if let Some(null) = r.read_optional(Tag::Null)? {
                if !null.value.is_empty() {
                    return Err(CertificateError::BadEncoding);
                }
            }
        }
        // ECDSA: parameters MUST be absent (RFC 5758 §3.2), so anything left fails here.
        r.finish()?;
        Ok(alg)
    }

    /// Is this a SHA-1 based algorithm (rejected unless the legacy opt-in is set)?
    pub fn is_sha1(self) -> bool {
        self.hash() == Hash::Sha1
    }

    /// Is this an ECDSA algorithm (verified with an EC key, not an RSA one)?
    pub fn is_ecdsa(self) -> bool {
        matches!(
            self,
            Self::EcdsaSha1 | Self::EcdsaSha256 | Self::EcdsaSha384 | Self::EcdsaSha512
        )
    }

    fn hash(self) -> Hash {
        match self {
            Self::RsaPkcs1Sha1 | Self::EcdsaSha1 => Hash::Sha1,
            Self::RsaPkcs1Sha256 | Self::EcdsaSha256 => Hash::Sha256,
            Self::RsaPkcs1Sha384 | Self::EcdsaSha384 => Hash::Sha384,
            Self::RsaPkcs1Sha512 | Self::EcdsaSha512 => Hash::Sha512,
        }
    }

    /// The RSA `DigestInfo` prefix (RFC 8017 §9.2 note 1); `None` for ECDSA.
    fn rsa_digest_info_prefix(self) -> Option<&'static [u8]> {
        match self {
            Self::RsaPkcs1Sha1 => Some(SHA1_PREFIX),
            Self::RsaPkcs1Sha256 => Some(SHA256_PREFIX),
            Self::RsaPkcs1Sha384 => Some(SHA384_PREFIX),
            Self::RsaPkcs1Sha512 => Some(SHA512_PREFIX),
            Self::EcdsaSha1 | Self::EcdsaSha256 | Self::EcdsaSha384 | Self::EcdsaSha512 => None,
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
            Self::EcdsaSha1 => "ecdsa-with-SHA1",
            Self::EcdsaSha256 => "ecdsa-with-SHA256",
            Self::EcdsaSha384 => "ecdsa-with-SHA384",
            Self::EcdsaSha512 => "ecdsa-with-SHA512",
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

/// Largest public exponent accepted (2^33 − 1, as the `rsa` crate; in practice 65537).
const MAX_RSA_PUBLIC_EXPONENT: u64 = (1 << 33) - 1;

/// An RSA public key from a certificate, checked when it was parsed ([`rsa_public_key`],
/// [`subject_public_key`]): a modulus within the size limits in force then, odd, and an odd
/// exponent in `3..=2^33 − 1`. Signature checks and the client's pre-master encryption run
/// on lucid's own public-key arithmetic, so a client needs no other big-number code.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// The modulus, big-endian, no leading zero byte.
    n: Box<[u8]>,
    /// The public exponent, big-endian, no leading zero byte.
    e: Box<[u8]>,
}

impl RsaPublicKey {
    /// The modulus length in bytes (`k` of RFC 8017): the length of every signature and
    /// ciphertext of this key.
    pub fn size(&self) -> usize {
        self.n.len()
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        be_bits(&self.n)
    }

    /// The modulus, big-endian, without leading zero bytes.
    pub fn n_bytes(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent, big-endian, without leading zero bytes.
    pub fn e_bytes(&self) -> &[u8] {
        &self.e
    }

    /// The key ready for the public operation (`x^e mod n`, on `arith::rsa_core`).
    pub(crate) fn public(&self) -> Option<RsaPublic> {
        RsaPublic::new(&self.n, &self.e)
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits())
            .field("e", &self.e)
            .finish_non_exhaustive()
    }
}

/// The bit length of a big-endian magnitude without leading zero bytes.
fn be_bits(magnitude: &[u8]) -> usize {
    let top = magnitude.first().map_or(8, |b| b.leading_zeros() as usize);
    (magnitude.len() * 8).saturating_sub(top)
}

/// Decode an RSA `SubjectPublicKeyInfo` (whole DER SEQUENCE, algorithm rsaEncryption with
/// `NULL` parameters) into a key usable for signature verification and RSA encryption.
///
/// Accepts moduli of [`MIN_RSA_MODULUS_BITS`]..=[`MAX_RSA_MODULUS_BITS`] bits; a smaller one
/// is reported as the leaf's key.
pub fn rsa_public_key(spki: &[u8]) -> Result<RsaPublicKey, CertificateError> {
    rsa_public_key_checked(spki, MIN_RSA_MODULUS_BITS, RsaKeyRole::LeafKey)
}

/// [`rsa_public_key`] with an explicit minimum (raised to at least
/// [`LEGACY_MIN_RSA_MODULUS_BITS`]) and the role to name when the key is too small.
pub fn rsa_public_key_checked(
    spki: &[u8],
    min_bits: usize,
    role: RsaKeyRole,
) -> Result<RsaPublicKey, CertificateError> {
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
    RsaPublicKey::new(n, e, min_bits, role)
}

impl RsaPublicKey {
    /// From the magnitudes of `n` and `e` (big-endian, no leading zero byte), with the
    /// checks of [`rsa_public_key_checked`] (`min_bits` as given).
    pub(crate) fn new(
        n: &[u8],
        e: &[u8],
        min_bits: usize,
        role: RsaKeyRole,
    ) -> Result<Self, CertificateError> {
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
        // An odd modulus; an odd exponent, at least 3 and at most 2^33 − 1 (so below n): the
        // checks the `rsa` crate makes of a public key, with the same outcome (BadEncoding).
        let e_value = match e {
            [rest @ .., last] if rest.len() < 8 && last & 1 == 1 => rest
                .iter()
                .chain(core::iter::once(last))
                .fold(0u64, |v, b| (v << 8) | u64::from(*b)),
            _ => return Err(CertificateError::BadEncoding),
        };
        let n_odd = n.last().is_some_and(|b| b & 1 == 1);
        if !n_odd || !(3..=MAX_RSA_PUBLIC_EXPONENT).contains(&e_value) {
            return Err(CertificateError::BadEncoding);
        }
        Ok(Self {
            n: n.into(),
            e: e.into(),
        })
    }
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

/// An elliptic curve lucid verifies ECDSA signatures on (and signs with, as a server).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaCurve {
    /// NIST P-256 (secp256r1, prime256v1; OID 1.2.840.10045.3.1.7).
    P256,
    /// NIST P-384 (secp384r1; OID 1.3.132.0.34).
    P384,
}

impl fmt::Display for EcdsaCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
        })
    }
}

/// A public key lucid verifies signatures with (and, for RSA, encrypts a pre-master secret
/// to): the key of a certificate's `SubjectPublicKeyInfo`, parsed and checked by
/// [`subject_public_key`].
///
/// RSA keys passed the size limits in force when they were parsed; EC keys are valid points
/// (not the identity) on their curve.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectPublicKey {
    /// rsaEncryption (1.2.840.113549.1.1.1).
    Rsa(RsaPublicKey),
    /// id-ecPublicKey on P-256.
    #[cfg(feature = "ecdsa")]
    EcdsaP256(p256::ecdsa::VerifyingKey),
    /// id-ecPublicKey on P-384.
    #[cfg(feature = "ecdsa")]
    EcdsaP384(p384::ecdsa::VerifyingKey),
}

/// What kind of key a [`SubjectPublicKey`] is, for traces and messages: displays as
/// `RSA 2048` or `ECDSA P-256`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyKind {
    /// An RSA key with a modulus of `bits` bits.
    Rsa {
        /// The modulus size.
        bits: usize,
    },
    /// An EC key on `curve` (used for ECDSA).
    Ecdsa(EcdsaCurve),
}

impl fmt::Display for PublicKeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA {bits}"),
            Self::Ecdsa(curve) => write!(f, "ECDSA {curve}"),
        }
    }
}

impl SubjectPublicKey {
    /// The key's algorithm and size or curve.
    pub fn kind(&self) -> PublicKeyKind {
        match self {
            Self::Rsa(key) => PublicKeyKind::Rsa { bits: key.bits() },
            #[cfg(feature = "ecdsa")]
            Self::EcdsaP256(_) => PublicKeyKind::Ecdsa(EcdsaCurve::P256),
            #[cfg(feature = "ecdsa")]
            Self::EcdsaP384(_) => PublicKeyKind::Ecdsa(EcdsaCurve::P384),
        }
    }

    /// The RSA key, if this is one (what RSA key exchange encrypts to).
    pub fn as_rsa(&self) -> Option<&RsaPublicKey> {
        match self {
            Self::Rsa(key) => Some(key),
            #[cfg(feature = "ecdsa")]
            Self::EcdsaP256(_) | Self::EcdsaP384(_) => None,
        }
    }

    /// The EC point in uncompressed SEC1 form (`0x04 ‖ x ‖ y`), if this is an EC key.
    pub fn ec_point_uncompressed(&self) -> Option<Box<[u8]>> {
        match self {
            Self::Rsa(_) => None,
            #[cfg(feature = "ecdsa")]
            Self::EcdsaP256(key) => Some(Box::from(key.to_sec1_point(false).as_bytes())),
            #[cfg(feature = "ecdsa")]
            Self::EcdsaP384(key) => Some(Box::from(key.to_sec1_point(false).as_bytes())),
        }
    }
}

/// Decode a whole DER `SubjectPublicKeyInfo` into a key lucid can verify with.
///
/// - rsaEncryption: as [`rsa_public_key_checked`] (`min_rsa_bits`, raised to at least
///   [`LEGACY_MIN_RSA_MODULUS_BITS`], and `role` name a too-small key);
/// - id-ecPublicKey (RFC 5480 §2.1.1) with namedCurve prime256v1 or secp384r1 and an
///   uncompressed point (`0x04 ‖ x ‖ y`) on that curve.
///
/// # Errors
/// [`CertificateError::UnsupportedCurve`] for another named curve or explicit curve
/// parameters; [`CertificateError::UnsupportedPublicKeyAlgorithm`] for another algorithm
/// (DSA, Ed25519, ...); [`CertificateError::BadEncoding`] for malformed DER, a compressed
/// point, a point not on the curve or the identity; the RSA errors of
/// [`rsa_public_key_checked`].
pub fn subject_public_key(
    spki: &[u8],
    min_rsa_bits: usize,
    role: RsaKeyRole,
) -> Result<SubjectPublicKey, CertificateError> {
    let seq = single(spki, Tag::Sequence)?;
    let mut r = seq.reader()?;
    let alg = r.read(Tag::Sequence)?;
    let bits = r.read(Tag::BitString)?;
    r.finish()?;

    let mut ar = alg.reader()?;
    let oid = ar.read(Tag::ObjectIdentifier)?;
    if oid.value == RSA_ENCRYPTION {
        return rsa_public_key_checked(spki, min_rsa_bits, role).map(SubjectPublicKey::Rsa);
    }
    if oid.value != ID_EC_PUBLIC_KEY {
        return Err(CertificateError::UnsupportedPublicKeyAlgorithm);
    }
    // ECParameters ::= CHOICE { namedCurve, implicitCurve NULL, specifiedCurve }; PKIX
    // allows only namedCurve (RFC 5480 §2.1.1).
    let params = ar.read_any()?;
    ar.finish()?;
    if params.tag != Tag::ObjectIdentifier {
        return Err(CertificateError::UnsupportedCurve {
            curve: String::from(if params.tag == Tag::Null {
                "implicitCurve"
            } else {
                "specifiedCurve (explicit parameters)"
            }),
        });
    }
    let point = bit_string_bytes(&bits)?;
    // Only the uncompressed form (RFC 5480 §2.2: MUST be supported; compressed is optional
    // and lucid does not take it).
    let (expected_len, curve) = match params.value {
        PRIME256V1 => (65, EcdsaCurve::P256),
        SECP384R1 => (97, EcdsaCurve::P384),
        other => {
            return Err(CertificateError::UnsupportedCurve {
                curve: curve_name(other),
            });
        }
    };
    if point.len() != expected_len || point.first() != Some(&0x04) {
        return Err(CertificateError::BadEncoding);
    }
    // from_sec1_bytes checks that the point is on the curve and not the identity.
    match curve {
        #[cfg(feature = "ecdsa")]
        EcdsaCurve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map(SubjectPublicKey::EcdsaP256)
            .map_err(|_| CertificateError::BadEncoding),
        #[cfg(feature = "ecdsa")]
        EcdsaCurve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map(SubjectPublicKey::EcdsaP384)
            .map_err(|_| CertificateError::BadEncoding),
        // Built without ECDSA: a well-formed EC key is of an algorithm lucid cannot use.
        #[cfg(not(feature = "ecdsa"))]
        _ => Err(CertificateError::UnsupportedPublicKeyAlgorithm),
    }
}

/// A readable name for a named curve lucid does not support.
fn curve_name(oid: &[u8]) -> String {
    let name = match oid {
        [0x2b, 0x81, 0x04, 0x00, 0x23] => "secp521r1",
        [0x2b, 0x81, 0x04, 0x00, 0x21] => "secp224r1",
        [0x2b, 0x81, 0x04, 0x00, 0x0a] => "secp256k1",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01] => "prime192v1",
        [0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07] => "brainpoolP256r1",
        [0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b] => "brainpoolP384r1",
        _ => return oid_string(oid),
    };
    alloc::format!("{name} ({})", oid_string(oid))
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
/// Those of [`subject_public_key`] when the key cannot be used, then those of
/// [`verify_signature_with_key`].
pub fn verify_signature(
    alg: SignatureAlgorithm,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    let key = subject_public_key(
        spki,
        MIN_RSA_MODULUS_BITS,
        RsaKeyRole::ChainSigner { index: 1 },
    )?;
    verify_signature_with_key(alg, &key, message, signature)
}

/// Verify `signature` over `message` with an already parsed `key` under `alg`.
///
/// RSA: RSASSA-PKCS1-v1_5, the signature exactly as long as the modulus. ECDSA: the
/// signature is a DER `Ecdsa-Sig-Value` (`SEQUENCE { r INTEGER, s INTEGER }`, strict DER,
/// `0 < r, s < n`); the digest of `alg` is truncated to the bit length of the curve order
/// (FIPS 186-4 §6.4), so every ECDSA hash works with every curve.
///
/// # Errors
/// [`CertificateError::BadSignature`] when the signature does not verify, including when
/// `alg` is for another key type than `key` (an RSA algorithm with an EC key or the other
/// way round: this key cannot have made that signature).
pub fn verify_signature_with_key(
    alg: SignatureAlgorithm,
    key: &SubjectPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    let hash = alg.hash().digest(message);
    match (key, alg.rsa_digest_info_prefix()) {
        (SubjectPublicKey::Rsa(key), Some(prefix)) => {
            verify_rsa_pkcs1(key, prefix, &hash, signature)
        }
        #[cfg(feature = "ecdsa")]
        (SubjectPublicKey::EcdsaP256(_) | SubjectPublicKey::EcdsaP384(_), None) => {
            verify_ecdsa_prehash(key, &hash, signature)
        }
        (SubjectPublicKey::Rsa(_), None) => Err(CertificateError::BadSignature),
        #[cfg(feature = "ecdsa")]
        (SubjectPublicKey::EcdsaP256(_) | SubjectPublicKey::EcdsaP384(_), Some(_)) => {
            Err(CertificateError::BadSignature)
        }
    }
}

/// An ECDSA signature (DER `Ecdsa-Sig-Value`, strict) over an already computed `digest`,
/// truncated to the curve order as FIPS 186-4 §6.4 says: for certificate paths and the
/// TLS handshake signatures (a CertificateVerify covers a transcript digest).
///
/// # Errors
/// [`CertificateError::BadSignature`] when it does not verify or `key` is RSA.
#[cfg(feature = "ecdsa")]
pub(crate) fn verify_ecdsa_prehash(
    key: &SubjectPublicKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    let bad = |_| CertificateError::BadSignature;
    match key {
        SubjectPublicKey::EcdsaP256(key) => {
            let sig = p256::ecdsa::DerSignature::from_bytes(signature).map_err(bad)?;
            key.verify_prehash(digest, &sig).map_err(bad)
        }
        SubjectPublicKey::EcdsaP384(key) => {
            let sig = p384::ecdsa::DerSignature::from_bytes(signature).map_err(bad)?;
            key.verify_prehash(digest, &sig).map_err(bad)
        }
        SubjectPublicKey::Rsa(_) => Err(CertificateError::BadSignature),
    }
}

/// [`verify_signature_with_key`] for a caller holding a bare RSA key (the TLS handshake
/// signatures of the RSA suites): RSASSA-PKCS1-v1_5 under an RSA `alg`.
///
/// # Errors
/// [`CertificateError::BadSignature`] when the signature does not verify or `alg` is an
/// ECDSA algorithm.
pub fn verify_rsa_signature(
    alg: SignatureAlgorithm,
    key: &RsaPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    let prefix = alg
        .rsa_digest_info_prefix()
        .ok_or(CertificateError::BadSignature)?;
    verify_rsa_pkcs1(key, prefix, &alg.hash().digest(message), signature)
}

/// RSASSA-PKCS1-v1_5 verification of `signature` over the digest `hash` with `prefix`, its
/// `DigestInfo` header.
#[allow(
    clippy::indexing_slicing,
    reason = "offsets derived from k, checked against the minimum length first"
)]
fn verify_rsa_pkcs1(
    key: &RsaPublicKey,
    prefix: &[u8],
    hash: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    // RFC 8017 §8.2.2: the signature is exactly k bytes and below n; s^e mod n must be
    // *exactly* EM = 0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ DigestInfo ‖ H (the whole encoding is
    // compared, so BER variants and a missing NULL fail). The public operation runs on
    // lucid's own arithmetic (arith::rsa_core); every input is public.
    let k = key.size();
    let t_len = prefix.len() + hash.len();
    if signature.len() != k || k < t_len + 11 {
        return Err(CertificateError::BadSignature);
    }
    let public = key.public().ok_or(CertificateError::BadSignature)?;
    let mut em = alloc::vec![0u8; k];
    public
        .op(signature, &mut em)
        .map_err(|_| CertificateError::BadSignature)?;
    let mut expected = alloc::vec![0xffu8; k];
    expected[0] = 0;
    expected[1] = 1;
    expected[k - t_len - 1] = 0;
    expected[k - t_len..k - hash.len()].copy_from_slice(prefix);
    expected[k - hash.len()..].copy_from_slice(hash);
    if em == expected {
        Ok(())
    } else {
        Err(CertificateError::BadSignature)
    }
}

#[cfg(test)]
#[path = "signature_test.rs"]
mod tests;
