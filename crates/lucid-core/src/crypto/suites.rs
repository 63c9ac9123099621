//! The cipher suites lucid implements and their parameters.
//!
//! Every lucid suite is RSA key exchange + AES-CBC + HMAC. The table is in a fixed order
//! (128/SHA, 256/SHA, 128/SHA256, 256/SHA256); the order in which suites are offered or
//! chosen is configured elsewhere.

use crate::msgs::enums::{CipherSuite, ProtocolVersion};

/// The record MAC (and, for TLS 1.2, nothing else: every lucid suite uses the SHA-256 PRF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    /// HMAC-SHA1: 20-byte MAC and MAC key.
    Sha1,
    /// HMAC-SHA256: 32-byte MAC and MAC key.
    Sha256,
}

impl MacAlgorithm {
    /// Length of the MAC and of the MAC key, in bytes.
    pub const fn mac_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }
}

/// Parameters of one cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuiteParams {
    /// The code point.
    pub suite: CipherSuite,
    /// AES key length: 16 (AES-128) or 32 (AES-256).
    pub enc_key_len: usize,
    /// The record MAC.
    pub mac: MacAlgorithm,
    /// Defined only for TLS 1.2 (the SHA-256 suites, RFC 5246 appendix A.5).
    pub tls12_only: bool,
}

/// AES block size, which is also the CBC IV length.
pub(crate) const AES_BLOCK_LEN: usize = 16;

impl SuiteParams {
    /// Length of the record MAC and of each MAC key.
    pub const fn mac_len(&self) -> usize {
        self.mac.mac_len()
    }

    /// Length of the IV taken from the key block: 16 bytes for TLS 1.0 (implicit, chained
    /// IVs), none for TLS 1.1 and later (explicit per-record IVs, RFC 4346 §6.2.3.2).
    pub fn fixed_iv_len(&self, version: ProtocolVersion) -> usize {
        if uses_explicit_iv(version) {
            0
        } else {
            AES_BLOCK_LEN
        }
    }

    /// Bytes of key block needed: two MAC keys, two encryption keys and (TLS 1.0) two IVs
    /// (RFC 5246 §6.3).
    pub fn key_block_len(&self, version: ProtocolVersion) -> usize {
        2 * (self.mac_len() + self.enc_key_len + self.fixed_iv_len(version))
    }

    /// Whether this suite may be negotiated at `version`.
    pub fn usable_with(&self, version: ProtocolVersion) -> bool {
        let known = matches!(
            version,
            ProtocolVersion::TLSV1_0 | ProtocolVersion::TLSV1_1 | ProtocolVersion::TLSV1_2
        );
        known && (!self.tls12_only || version == ProtocolVersion::TLSV1_2)
    }
}

/// Whether CBC records at `version` carry an explicit per-record IV (TLS 1.1 and later).
///
/// Anything below TLS 1.1 (that is, TLS 1.0; lucid never speaks SSL 3.0) uses the IV chained
/// from the previous record.
pub fn uses_explicit_iv(version: ProtocolVersion) -> bool {
    version.get() >= ProtocolVersion::TLSV1_1.get()
}

/// Every suite lucid implements, in table order.
pub static ALL_SUITES: &[SuiteParams] = &[
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        enc_key_len: 16,
        mac: MacAlgorithm::Sha1,
        tls12_only: false,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
        enc_key_len: 32,
        mac: MacAlgorithm::Sha1,
        tls12_only: false,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
        enc_key_len: 16,
        mac: MacAlgorithm::Sha256,
        tls12_only: true,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        enc_key_len: 32,
        mac: MacAlgorithm::Sha256,
        tls12_only: true,
    },
];

/// The parameters of `suite`, if lucid implements it.
pub fn lookup(suite: CipherSuite) -> Option<&'static SuiteParams> {
    ALL_SUITES.iter().find(|s| s.suite == suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lengths() {
        let v10 = ProtocolVersion::TLSV1_0;
        let v11 = ProtocolVersion::TLSV1_1;
        let v12 = ProtocolVersion::TLSV1_2;
        let s = lookup(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA).unwrap();
        assert_eq!(s.mac_len(), 20);
        assert_eq!(s.key_block_len(v10), 2 * 20 + 2 * 16 + 2 * 16);
        assert_eq!(s.key_block_len(v11), 72);
        assert_eq!(s.key_block_len(v12), 72);
        let s = lookup(CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA).unwrap();
        assert_eq!(s.key_block_len(v10), 136);
        assert_eq!(s.key_block_len(v12), 104);
        let s = lookup(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256).unwrap();
        assert_eq!(s.key_block_len(v12), 96);
        let s = lookup(CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256).unwrap();
        assert_eq!(s.key_block_len(v12), 128);
        assert_eq!(ALL_SUITES.len(), 4);
        assert!(lookup(CipherSuite::TLS_RSA_WITH_RC4_128_SHA).is_none());
        assert!(lookup(CipherSuite(0x1301)).is_none());
    }

    #[test]
    fn usability_by_version() {
        for s in ALL_SUITES {
            assert!(s.usable_with(ProtocolVersion::TLSV1_2));
            assert_eq!(s.usable_with(ProtocolVersion::TLSV1_0), !s.tls12_only);
            assert_eq!(s.usable_with(ProtocolVersion::TLSV1_1), !s.tls12_only);
            assert!(!s.usable_with(ProtocolVersion::SSLV3));
            assert!(!s.usable_with(ProtocolVersion::TLSV1_3));
        }
        assert!(!uses_explicit_iv(ProtocolVersion::TLSV1_0));
        assert!(uses_explicit_iv(ProtocolVersion::TLSV1_1));
        assert!(uses_explicit_iv(ProtocolVersion::TLSV1_2));
    }
}
