//! X.509 certificate checks (parsing, path building, validity, names, trust anchors), the
//! way rustls-webpki, Go's crypto/x509 and BoringSSL do them.
//!
//! Entry points: [`verify_server_chain`] (what a TLS client calls) and
//! [`verify_chain_no_name`] (same, without the host-name check). Trust anchors live in a
//! [`RootStore`]. Signature verification is [`signature::verify_signature`]; the keys it
//! verifies with are [`signature::SubjectPublicKey`]s.
//!
//! What is checked, per certificate on the path:
//! - strict DER; certificate at most [`MAX_CERT_SIZE`] bytes, at most [`MAX_EXTENSIONS`]
//!   extensions, bounded names ([`name::MAX_SAN_ENTRIES`], ...);
//! - version v3 (v1 only as a trust anchor), serial positive and at most 20 bytes, the
//!   inner and outer signature algorithms identical;
//! - `now` within notBefore..=notAfter (UTCTime and GeneralizedTime);
//! - RSA PKCS#1 v1.5 or ECDSA signature with SHA-256/384/512 by the issuer's key (SHA-1,
//!   RSA or ECDSA, only with [`VerifierOptions::allow_sha1_signatures_legacy`]); RSA and
//!   ECDSA issuers mix freely on a path; RSA keys of 2048..=8192 bits (1024 with
//!   [`VerifierOptions::allow_rsa_1024_legacy`]), EC keys on P-256 or P-384 with an
//!   uncompressed point on the curve, the leaf's own key included;
//! - issuer/subject chaining by DER equality or RFC 5280 §7.1 comparison;
//! - issuers: basicConstraints cA, pathLenConstraint (self-issued intermediates not
//!   counted), keyUsage keyCertSign when present, extendedKeyUsage serverAuth when present;
//! - end entity: not a CA, keyUsage digitalSignature or keyEncipherment when present
//!   (an ECDHE suite signs with the leaf key, an RSA key-exchange suite encrypts to it:
//!   which one the handshake needs the TLS client checks, from
//!   [`VerifiedChain::leaf_key_usage`] or [`end_entity_key_usage`]), extendedKeyUsage
//!   serverAuth when present. anyExtendedKeyUsage alone does *not* satisfy serverAuth
//!   (webpki's choice; Go would accept it);
//! - name constraints of every CA and the anchor for dNSName, iPAddress, directoryName,
//!   rfc822Name and URI; constraints on other forms reject any name of that form;
//! - unknown critical extensions rejected;
//! - host names: subjectAltName dNSName / iPAddress only, RFC 6125 wildcards (whole
//!   left-most label, at least two labels after it), no commonName unless
//!   [`VerifierOptions::allow_common_name_fallback`].
//!
//! Not done (out of scope, as in webpki's default): revocation (CRL/OCSP), certificate
//! policies, authority key identifier matching (candidates are found by name).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::msgs::enums::AlertDescription;

mod anchors;
mod asn1;
mod cert;
pub mod name;
pub mod signature;
mod time;
mod verify;

pub use anchors::{RootStore, TrustAnchor, certs_from_pem};
pub use cert::KeyUsageBits;
/// The `rustls-pki-types` crate lucid's API uses (`ServerName`, `UnixTime`,
/// `CertificateDer`, PEM decoding), re-exported so callers need not depend on it directly.
pub use rustls_pki_types as pki_types;
pub use time::Time;
pub(crate) use verify::certificate_spki;
pub use verify::{
    ChainCert, MAX_INTERMEDIATES, MAX_PATH_DEPTH, MAX_SIGNATURE_CHECKS, VerifiedChain,
    VerifierOptions, certificate_subject, end_entity_key_usage, verify_chain_no_name,
    verify_client_chain, verify_server_chain,
};

/// Largest certificate lucid parses, in bytes.
pub const MAX_CERT_SIZE: usize = 64 * 1024;
/// Most extensions lucid accepts in one certificate.
pub const MAX_EXTENSIONS: usize = 32;

/// Why a certificate (chain) was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateError {
    /// The certificate could not be parsed (not DER, or breaks RFC 5280 structure).
    BadEncoding,
    /// The chain does not lead to a trusted anchor.
    UnknownIssuer,
    /// The end-entity certificate is not the one that was pinned / trusted.
    NotTrusted,
    /// Any other named reason.
    Other(&'static str),
    /// A certificate on the path expired before `now`.
    Expired {
        /// The certificate's notAfter.
        not_after: Time,
        /// The verification time.
        now: Time,
    },
    /// A certificate on the path is not valid yet at `now`.
    NotValidYet {
        /// The certificate's notBefore.
        not_before: Time,
        /// The verification time.
        now: Time,
    },
    /// A signature did not verify with the issuer's key.
    BadSignature,
    /// The signature algorithm is not one lucid verifies (RSA PKCS#1 v1.5 and ECDSA, with
    /// SHA-2 or, behind the opt-in, SHA-1).
    UnsupportedSignatureAlgorithm,
    /// The signature uses SHA-1 and the legacy opt-in is off.
    Sha1NotAllowed,
    /// A public key (an issuer's or the leaf's) is neither RSA nor an EC key
    /// (id-ecPublicKey).
    UnsupportedPublicKeyAlgorithm,
    /// An EC public key on a curve lucid does not support (it supports P-256 and P-384).
    UnsupportedCurve {
        /// The curve: its name and OID, or the kind of parameters given instead of a named
        /// curve.
        curve: String,
    },
    /// The RSA key is larger than 8192 bits (bounds verification cost).
    UnsupportedRsaKeySize {
        /// The modulus size.
        bits: usize,
    },
    /// An RSA key below the minimum: 2048 bits, or 1024 with the legacy opt-in
    /// ([`VerifierOptions::allow_rsa_1024_legacy`] / `ClientConfig::allow_rsa_1024_legacy`).
    RsaKeyTooSmall {
        /// The modulus size.
        bits: usize,
        /// The minimum in force.
        min: usize,
        /// Which key: the leaf's, a chain certificate's, the anchor's or the pinned one.
        role: signature::RsaKeyRole,
    },
    /// The server presented a self-signed CA certificate (cA=TRUE) as its own: what
    /// `openssl req -x509` makes, and what many BMCs and appliances serve. No path can make
    /// it a server certificate; pin it instead (`PinnedLeafVerifier`).
    SelfSignedCaLeaf,
    /// tbsCertificate.signature differs from Certificate.signatureAlgorithm.
    SignatureAlgorithmMismatch,
    /// The end-entity certificate is not valid for the name the client asked for.
    NotValidForName {
        /// The server name the client wanted.
        expected: String,
        /// The names the certificate holds (`DNS:…`, `IP:…`, …).
        presented: Vec<String>,
    },
    /// The end-entity certificate is a CA certificate (basicConstraints cA=TRUE).
    CaUsedAsEndEntity,
    /// A certificate used as an issuer is not a CA (no basicConstraints or cA=FALSE).
    EndEntityUsedAsCa,
    /// An issuer's pathLenConstraint is exceeded.
    PathLenConstraintViolated,
    /// The path would need more than [`MAX_PATH_DEPTH`] intermediates.
    PathTooLong,
    /// Verification needed more than [`MAX_SIGNATURE_CHECKS`] signature checks.
    TooManySignatureChecks,
    /// keyUsage is present but lacks the bit this use requires.
    InvalidKeyUsage {
        /// `keyCertSign` (issuers) or `digitalSignature or keyEncipherment` (end entity).
        required: &'static str,
    },
    /// extendedKeyUsage is present but lacks id-kp-serverAuth.
    RequiredEkuNotFound,
    /// A name in a certificate is outside a CA's name constraints.
    NameConstraintViolation,
    /// A critical extension lucid does not understand.
    UnsupportedCriticalExtension {
        /// Its OID, dotted.
        oid: String,
    },
    /// The version is not v3 (v1 is accepted only for trust anchors), or does not fit the
    /// fields present.
    UnsupportedVersion,
    /// The serial number is not positive or longer than 20 bytes.
    BadSerial,
    /// A size or count limit protecting lucid was exceeded (what is named).
    LimitExceeded(&'static str),
}

impl CertificateError {
    /// The alert lucid sends for this.
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::Expired { .. } | Self::NotValidYet { .. } => A::CERTIFICATE_EXPIRED,
            Self::UnknownIssuer | Self::NotTrusted => A::UNKNOWN_CA,
            Self::BadSignature => A::DECRYPT_ERROR,
            Self::UnsupportedSignatureAlgorithm
            | Self::Sha1NotAllowed
            | Self::UnsupportedPublicKeyAlgorithm
            | Self::UnsupportedCurve { .. }
            | Self::UnsupportedRsaKeySize { .. }
            | Self::RsaKeyTooSmall { .. }
            | Self::UnsupportedCriticalExtension { .. }
            | Self::UnsupportedVersion
            | Self::InvalidKeyUsage { .. }
            | Self::RequiredEkuNotFound => A::UNSUPPORTED_CERTIFICATE,
            Self::BadEncoding
            | Self::Other(_)
            | Self::SignatureAlgorithmMismatch
            | Self::NotValidForName { .. }
            | Self::CaUsedAsEndEntity
            | Self::SelfSignedCaLeaf
            | Self::EndEntityUsedAsCa
            | Self::PathLenConstraintViolated
            | Self::PathTooLong
            | Self::TooManySignatureChecks
            | Self::NameConstraintViolation
            | Self::BadSerial
            | Self::LimitExceeded(_) => A::BAD_CERTIFICATE,
        }
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadEncoding => f.write_str("certificate could not be parsed"),
            Self::UnknownIssuer => {
                f.write_str("unknown issuer: no path to a trusted root certificate")
            }
            Self::NotTrusted => f.write_str("certificate is not the trusted one"),
            Self::Other(what) => f.write_str(what),
            Self::Expired { not_after, now } => {
                write!(f, "certificate expired: valid until {not_after}, now is {now}")
            }
            Self::NotValidYet { not_before, now } => {
                write!(f, "certificate not valid yet: valid from {not_before}, now is {now}")
            }
            Self::BadSignature => f.write_str("certificate signature does not verify"),
            Self::UnsupportedSignatureAlgorithm => f.write_str(
                "unsupported signature algorithm (lucid verifies RSA PKCS#1 v1.5 and ECDSA with SHA-256/384/512)",
            ),
            Self::Sha1NotAllowed => f.write_str(
                "certificate is signed with SHA-1, refused unless allow_sha1_signatures_legacy is set",
            ),
            Self::UnsupportedPublicKeyAlgorithm => f.write_str(
                "unsupported public key algorithm (lucid needs an RSA or EC P-256/P-384 key)",
            ),
            Self::UnsupportedCurve { curve } => write!(
                f,
                "unsupported elliptic curve {curve} (lucid supports P-256 and P-384)"
            ),
            Self::UnsupportedRsaKeySize { bits } => {
                write!(f, "RSA key of {bits} bits is larger than the accepted 8192")
            }
            Self::RsaKeyTooSmall { bits, min, role } => {
                write!(f, "{role} is a {bits}-bit RSA key, below the minimum of {min} bits")?;
                if *bits < signature::LEGACY_MIN_RSA_MODULUS_BITS {
                    write!(
                        f,
                        "; lucid never accepts fewer than {} bits",
                        signature::LEGACY_MIN_RSA_MODULUS_BITS
                    )
                } else {
                    f.write_str(
                        "; for legacy devices, 1024-bit keys are accepted with \
                         allow_rsa_1024_legacy (lucid connect --allow-rsa-1024)",
                    )
                }
            }
            Self::SelfSignedCaLeaf => f.write_str(
                "the server presented a self-signed CA certificate (cA=TRUE, as `openssl req \
                 -x509` makes) as its own certificate: no root vouches for it. To trust exactly \
                 this certificate, pin it (lucid connect --pin-leaf CERT.pem, \
                 PinnedLeafVerifier)",
            ),
            Self::SignatureAlgorithmMismatch => {
                f.write_str("inner and outer signature algorithms differ")
            }
            Self::NotValidForName { expected, presented } => {
                write!(f, "certificate is not valid for {expected}; it is valid for ")?;
                if presented.is_empty() {
                    f.write_str("no names")
                } else {
                    f.write_str(&presented.join(", "))
                }
            }
            Self::CaUsedAsEndEntity => {
                f.write_str("a CA certificate (cA=TRUE) was presented as the end entity")
            }
            Self::EndEntityUsedAsCa => {
                f.write_str("an issuer is not a CA (basicConstraints cA missing or FALSE)")
            }
            Self::PathLenConstraintViolated => f.write_str("pathLenConstraint exceeded"),
            Self::PathTooLong => write!(
                f,
                "certificate path longer than {MAX_PATH_DEPTH} intermediates"
            ),
            Self::TooManySignatureChecks => write!(
                f,
                "path building needed more than {MAX_SIGNATURE_CHECKS} signature checks"
            ),
            Self::InvalidKeyUsage { required } => {
                write!(f, "keyUsage does not allow {required}")
            }
            Self::RequiredEkuNotFound => {
                f.write_str("extendedKeyUsage does not include the purpose (serverAuth for a server, clientAuth for a client)")
            }
            Self::NameConstraintViolation => {
                f.write_str("a name is outside an issuer's name constraints")
            }
            Self::UnsupportedCriticalExtension { oid } => {
                write!(f, "unsupported critical extension {oid}")
            }
            Self::UnsupportedVersion => {
                f.write_str("unsupported certificate version (v3 required; v1 only for roots)")
            }
            Self::BadSerial => {
                f.write_str("serial number is not a positive integer of at most 20 bytes")
            }
            Self::LimitExceeded(what) => write!(f, "limit exceeded: {what}"),
        }
    }
}
impl core::error::Error for CertificateError {}
