//! X.509 certificate checks (parsing, path building, validity, names, trust anchors).

use core::fmt;

use crate::msgs::enums::AlertDescription;

/// Why a certificate (chain) was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateError {
    /// The certificate could not be parsed.
    BadEncoding,
    /// The chain does not lead to a trusted anchor.
    UnknownIssuer,
    /// The end-entity certificate is not the one that was pinned / trusted.
    NotTrusted,
    /// Any other named reason.
    Other(&'static str),
}

impl CertificateError {
    /// The alert lucid sends for this.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::BadEncoding => AlertDescription::BAD_CERTIFICATE,
            Self::UnknownIssuer | Self::NotTrusted => AlertDescription::UNKNOWN_CA,
            Self::Other(_) => AlertDescription::BAD_CERTIFICATE,
        }
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadEncoding => f.write_str("certificate could not be parsed"),
            Self::UnknownIssuer => f.write_str("unknown issuer"),
            Self::NotTrusted => f.write_str("certificate is not the trusted one"),
            Self::Other(what) => f.write_str(what),
        }
    }
}
