//! The cipher suites lucid implements, as entries of one table.
//!
//! A suite is a combination of roles — key exchange ([`KeyExchange`]), record protection
//! ([`Protection`]: CBC + HMAC, AES-GCM, or a stream cipher + HMAC) with its bulk cipher
//! ([`BulkCipher`]: AES-128/256, and 3DES-EDE and RC4 for the legacy opt-in), the PRF hash
//! ([`PrfHash`], for TLS 1.2) and whether it is defined for TLS 1.2 only — and adding one is adding an entry, at most with a new
//! implementation of one role. The table order is lucid's default preference order: AEAD
//! before CBC (the first entries are the ones offered first); configurations reorder or
//! narrow it.

use crate::crypto::prf::PrfAlgorithm;
use crate::msgs::enums::{CipherSuite, ProtocolVersion};

/// The record MAC of a CBC suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    /// HMAC-MD5: 16-byte MAC and MAC key (only TLS_RSA_WITH_RC4_128_MD5, a legacy opt-in).
    #[cfg(feature = "legacy-ciphers")]
    Md5,
    /// HMAC-SHA1: 20-byte MAC and MAC key.
    Sha1,
    /// HMAC-SHA256: 32-byte MAC and MAC key.
    Sha256,
    /// HMAC-SHA384: 48-byte MAC and MAC key (the `*_CBC_SHA384` suites, RFC 5289 §3.2).
    Sha384,
}

impl MacAlgorithm {
    /// Length of the MAC and of the MAC key, in bytes.
    pub const fn mac_len(self) -> usize {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// "HMAC-SHA1", ...
    pub const fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5 => "HMAC-MD5",
            Self::Sha1 => "HMAC-SHA1",
            Self::Sha256 => "HMAC-SHA256",
            Self::Sha384 => "HMAC-SHA384",
        }
    }
}

/// The cipher that encrypts records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkCipher {
    /// AES with a 128-bit key (CBC or GCM).
    Aes128,
    /// AES with a 256-bit key (CBC or GCM).
    Aes256,
    /// Triple DES, EDE with three independent keys (a 24-byte key: RFC 5246 appendix C),
    /// in CBC mode. A 64-bit block: a legacy opt-in (see [`TRIPLE_DES_WEAKNESS`]).
    #[cfg(feature = "legacy-ciphers")]
    TripleDesEde,
    /// RC4 with a 128-bit key, a stream cipher. A legacy opt-in prohibited by RFC 7465
    /// (see [`RC4_WEAKNESS`]).
    #[cfg(feature = "legacy-ciphers")]
    Rc4_128,
}

impl BulkCipher {
    /// Length of each direction's encryption key in the key block.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            #[cfg(feature = "legacy-ciphers")]
            Self::Rc4_128 => 16,
            #[cfg(feature = "legacy-ciphers")]
            Self::TripleDesEde => 24,
            Self::Aes256 => 32,
        }
    }

    /// The block size (and CBC IV length): 16 for AES, 8 for 3DES, 0 for a stream cipher.
    pub const fn block_len(self) -> usize {
        match self {
            Self::Aes128 | Self::Aes256 => 16,
            #[cfg(feature = "legacy-ciphers")]
            Self::TripleDesEde => 8,
            #[cfg(feature = "legacy-ciphers")]
            Self::Rc4_128 => 0,
        }
    }

    /// "AES-128", "AES-256", "3DES-EDE", "RC4-128".
    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes128 => "AES-128",
            Self::Aes256 => "AES-256",
            #[cfg(feature = "legacy-ciphers")]
            Self::TripleDesEde => "3DES-EDE",
            #[cfg(feature = "legacy-ciphers")]
            Self::Rc4_128 => "RC4-128",
        }
    }
}

/// How the pre-master secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyExchange {
    /// The client encrypts it to the server certificate's RSA key (RFC 5246 §7.4.7.1).
    Rsa,
    /// Ephemeral elliptic-curve Diffie-Hellman (RFC 8422): the server sends its share in a
    /// signed ServerKeyExchange, the client answers with its own; forward secret.
    #[cfg(feature = "ecdhe")]
    Ecdhe,
    /// Ephemeral finite-field Diffie-Hellman (RFC 5246 §7.4.3): like ECDHE, but the server
    /// also chooses the group and sends it; a legacy opt-in (see [`SuiteParams::legacy`]).
    #[cfg(feature = "dhe")]
    Dhe,
}

impl KeyExchange {
    /// Whether the server sends a (signed) ServerKeyExchange.
    pub const fn server_key_exchange(self) -> bool {
        !matches!(self, Self::Rsa)
    }
}

/// The server certificate's key type, and what the suite does with it: RSA key exchange
/// encrypts to an RSA key; ECDHE suites sign their ServerKeyExchange with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// An RSA certificate (`TLS_RSA_*`, `TLS_ECDHE_RSA_*`).
    Rsa,
    /// An ECDSA certificate (`TLS_ECDHE_ECDSA_*`).
    #[cfg(feature = "ecdsa")]
    Ecdsa,
}

/// How records are protected once keys are in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protection {
    /// A block cipher (AES, or 3DES for the legacy opt-in) in CBC mode with an HMAC
    /// (MAC-then-encrypt, or encrypt-then-MAC with RFC 7366).
    Cbc(MacAlgorithm),
    /// AES-GCM (RFC 5288): an AEAD, TLS 1.2 only; encrypt-then-MAC never applies.
    #[cfg(feature = "aes-gcm")]
    Gcm,
    /// A stream cipher (RC4, legacy opt-in) with an HMAC: MAC-then-encrypt, no IV, no
    /// padding (RFC 5246 §6.2.3.1); encrypt-then-MAC never applies (RFC 7366 §3).
    #[cfg(feature = "legacy-ciphers")]
    Stream(MacAlgorithm),
}

/// The hash of a suite's TLS 1.2 PRF and handshake hash (RFC 5246 §5: "New cipher suites
/// MUST explicitly specify a PRF"). TLS 1.0 and 1.1 always use MD5/SHA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrfHash {
    /// P_SHA256: the RFC 5246 suites and those named `*_SHA256`.
    Sha256,
    /// P_SHA384: the suites named `*_SHA384` (RFC 5288 §3, RFC 5289 §3).
    Sha384,
}

/// Parameters of one cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuiteParams {
    /// The code point.
    pub suite: CipherSuite,
    /// Key exchange.
    pub kx: KeyExchange,
    /// The server certificate's key type.
    pub auth: Authentication,
    /// The bulk cipher.
    pub cipher: BulkCipher,
    /// Record protection.
    pub protection: Protection,
    /// The PRF and handshake hash at TLS 1.2.
    pub prf: PrfHash,
    /// Defined only for TLS 1.2 (the SHA-256 and GCM suites, RFC 5246 appendix A.5,
    /// RFC 5288 §4).
    pub tls12_only: bool,
    /// For a legacy suite, what is weak about it: such a suite is never offered or accepted
    /// unless the configuration's `allow_legacy_ciphers` is set, and naming it without
    /// that opt-in is an error carrying this text.
    pub legacy: Option<&'static str>,
}

/// Why the `TLS_DHE_*` suites are a legacy opt-in.
pub const DHE_WEAKNESS: &str = "TLS_DHE_* suites are a legacy opt-in (allow_legacy_ciphers, lucid connect/serve --legacy-ciphers): finite-field DHE lets the server pick the group, and servers of that era often use 1024-bit or widely shared primes (Logjam, 2015); ECDHE gives the same forward secrecy with fixed, strong groups";

/// Why the `*_3DES_EDE_CBC_*` suites are a legacy opt-in.
pub const TRIPLE_DES_WEAKNESS: &str = "3DES-EDE suites are a legacy opt-in (allow_legacy_ciphers, lucid connect/serve --legacy-ciphers): a 64-bit block collides after about 2^32 blocks (32 GiB) under one key, which recovers plaintext such as cookies from long connections (Sweet32, CVE-2016-2183); the DES S-boxes are table lookups indexed by secret data (a cache-timing channel); AES replaced it";

/// Why the `*_RC4_*` suites are a legacy opt-in.
pub const RC4_WEAKNESS: &str = "RC4 suites are a legacy opt-in (allow_legacy_ciphers, lucid connect/serve --legacy-ciphers): RC4's keystream is biased, which recovers plaintext repeated across many connections (AlFardan et al. 2013, RC4 NOMORE 2015), and RFC 7465 (2015) prohibits RC4 in TLS; its state lookups are indexed by secret data; AES-GCM or AES-CBC with encrypt-then-MAC replaced it";

/// Why TLS_RSA_WITH_RC4_128_MD5 is a legacy opt-in: RC4's weakness, and MD5.
pub const RC4_MD5_WEAKNESS: &str = "TLS_RSA_WITH_RC4_128_MD5 is a legacy opt-in (allow_legacy_ciphers, lucid connect/serve --legacy-ciphers): RC4's keystream is biased, which recovers plaintext repeated across many connections (AlFardan et al. 2013, RC4 NOMORE 2015), and RFC 7465 (2015) prohibits RC4 in TLS; its record MAC is HMAC-MD5 (MD5 collisions since 2004; HMAC-MD5 itself is not broken, but nothing new should rest on MD5); HMAC-SHA256 and AES-GCM replaced them";

/// Why TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA is a legacy opt-in: both weaknesses.
pub const DHE_TRIPLE_DES_WEAKNESS: &str = "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA is a legacy opt-in (allow_legacy_ciphers, lucid connect/serve --legacy-ciphers): finite-field DHE lets the server pick the group, often 1024-bit or widely shared (Logjam, 2015), and 3DES has a 64-bit block that collides after about 2^32 blocks under one key (Sweet32, CVE-2016-2183); ECDHE with AES replaced both";

/// The largest block size (AES's), which is also the longest CBC IV.
pub(crate) const MAX_BLOCK_LEN: usize = 16;

impl SuiteParams {
    /// The record MAC, for CBC and stream suites.
    pub const fn mac(&self) -> Option<MacAlgorithm> {
        match self.protection {
            Protection::Cbc(mac) => Some(mac),
            #[cfg(feature = "legacy-ciphers")]
            Protection::Stream(mac) => Some(mac),
            #[cfg(feature = "aes-gcm")]
            Protection::Gcm => None,
        }
    }

    /// Length of the record MAC and of each MAC key (0 for AEAD suites).
    pub const fn mac_len(&self) -> usize {
        match self.mac() {
            Some(mac) => mac.mac_len(),
            None => 0,
        }
    }

    /// Length of each direction's encryption key (RFC 5246 §6.3).
    pub const fn enc_key_len(&self) -> usize {
        self.cipher.key_len()
    }

    /// The CBC block size, which is also the length of a CBC IV: 16 (AES) or 8 (3DES);
    /// 0 for GCM and stream suites.
    pub const fn block_len(&self) -> usize {
        match self.protection {
            Protection::Cbc(_) => self.cipher.block_len(),
            #[cfg(feature = "legacy-ciphers")]
            Protection::Stream(_) => 0,
            #[cfg(feature = "aes-gcm")]
            Protection::Gcm => 0,
        }
    }

    /// Whether encrypt-then-MAC (RFC 7366) can apply: CBC suites only (§3: never with an
    /// AEAD or stream cipher).
    pub const fn can_encrypt_then_mac(&self) -> bool {
        matches!(self.protection, Protection::Cbc(_))
    }

    /// Length of the IV taken from the key block: CBC — one block for TLS 1.0 (implicit,
    /// chained IVs), none for TLS 1.1 and later (explicit per-record IVs, RFC 4346
    /// §6.2.3.2); GCM — the 4-byte implicit nonce (RFC 5288 §3); a stream cipher — none.
    pub fn fixed_iv_len(&self, version: ProtocolVersion) -> usize {
        match self.protection {
            #[cfg(feature = "aes-gcm")]
            Protection::Gcm => crate::crypto::gcm::SALT_LEN,
            #[cfg(feature = "legacy-ciphers")]
            Protection::Stream(_) => 0,
            Protection::Cbc(_) if uses_explicit_iv(version) => 0,
            Protection::Cbc(_) => self.block_len(),
        }
    }

    /// Bytes of key block needed: two MAC keys, two encryption keys and (TLS 1.0) two IVs
    /// (RFC 5246 §6.3).
    pub fn key_block_len(&self, version: ProtocolVersion) -> usize {
        2 * (self.mac_len() + self.enc_key_len() + self.fixed_iv_len(version))
    }

    /// The PRF (and handshake hash) of this suite at `version`: MD5/SHA-1 below TLS 1.2,
    /// the suite's [`PrfHash`] from TLS 1.2 on.
    pub const fn prf_algorithm(&self, version: ProtocolVersion) -> PrfAlgorithm {
        if version.get() < ProtocolVersion::TLSV1_2.get() {
            return PrfAlgorithm::Md5Sha1;
        }
        match self.prf {
            PrfHash::Sha256 => PrfAlgorithm::Sha256,
            PrfHash::Sha384 => PrfAlgorithm::Sha384,
        }
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

/// Every suite lucid implements, in lucid's default preference order: forward secrecy
/// first, AEAD before CBC — ECDHE+GCM, ECDHE+CBC, RSA+GCM, RSA+CBC (DESIGN.md) — then the
/// legacy opt-in suites, which no default configuration offers: DHE_RSA with AES, then
/// 3DES (DHE first), then RC4 (SHA-1 before MD5). Within a
/// group, AES-128 before AES-256 and ECDSA before RSA (an ECDSA server signs faster).
pub static ALL_SUITES: &[SuiteParams] = &[
    #[cfg(all(feature = "ecdhe", feature = "ecdsa", feature = "aes-gcm"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Ecdsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Gcm,
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "aes-gcm"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Gcm,
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "ecdsa", feature = "aes-gcm"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Ecdsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Gcm,
        prf: PrfHash::Sha384,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "aes-gcm"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Gcm,
        prf: PrfHash::Sha384,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "ecdsa"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Ecdsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: None,
    },
    #[cfg(feature = "ecdhe")]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "ecdsa"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Ecdsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: None,
    },
    #[cfg(feature = "ecdhe")]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "ecdsa"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Ecdsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha256),
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(feature = "ecdhe")]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha256),
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(all(feature = "ecdhe", feature = "ecdsa"))]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Ecdsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha384),
        prf: PrfHash::Sha384,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(feature = "ecdhe")]
    SuiteParams {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
        kx: KeyExchange::Ecdhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha384),
        prf: PrfHash::Sha384,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(feature = "aes-gcm")]
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Gcm,
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(feature = "aes-gcm")]
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Gcm,
        prf: PrfHash::Sha384,
        tls12_only: true,
        legacy: None,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: None,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: None,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha256),
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha256),
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: None,
    },
    #[cfg(all(feature = "dhe", feature = "aes-gcm"))]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Gcm,
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: Some(DHE_WEAKNESS),
    },
    #[cfg(all(feature = "dhe", feature = "aes-gcm"))]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Gcm,
        prf: PrfHash::Sha384,
        tls12_only: true,
        legacy: Some(DHE_WEAKNESS),
    },
    #[cfg(feature = "dhe")]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: Some(DHE_WEAKNESS),
    },
    #[cfg(feature = "dhe")]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: Some(DHE_WEAKNESS),
    },
    #[cfg(feature = "dhe")]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes128,
        protection: Protection::Cbc(MacAlgorithm::Sha256),
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: Some(DHE_WEAKNESS),
    },
    #[cfg(feature = "dhe")]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Aes256,
        protection: Protection::Cbc(MacAlgorithm::Sha256),
        prf: PrfHash::Sha256,
        tls12_only: true,
        legacy: Some(DHE_WEAKNESS),
    },
    #[cfg(all(feature = "dhe", feature = "legacy-ciphers"))]
    SuiteParams {
        suite: CipherSuite::TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA,
        kx: KeyExchange::Dhe,
        auth: Authentication::Rsa,
        cipher: BulkCipher::TripleDesEde,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: Some(DHE_TRIPLE_DES_WEAKNESS),
    },
    #[cfg(feature = "legacy-ciphers")]
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_3DES_EDE_CBC_SHA,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::TripleDesEde,
        protection: Protection::Cbc(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: Some(TRIPLE_DES_WEAKNESS),
    },
    #[cfg(feature = "legacy-ciphers")]
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_RC4_128_SHA,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Rc4_128,
        protection: Protection::Stream(MacAlgorithm::Sha1),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: Some(RC4_WEAKNESS),
    },
    #[cfg(feature = "legacy-ciphers")]
    SuiteParams {
        suite: CipherSuite::TLS_RSA_WITH_RC4_128_MD5,
        kx: KeyExchange::Rsa,
        auth: Authentication::Rsa,
        cipher: BulkCipher::Rc4_128,
        protection: Protection::Stream(MacAlgorithm::Md5),
        prf: PrfHash::Sha256,
        tls12_only: false,
        legacy: Some(RC4_MD5_WEAKNESS),
    },
];

/// The suites a default configuration offers and accepts: every non-legacy one, in order.
pub fn default_suites() -> impl Iterator<Item = CipherSuite> {
    ALL_SUITES
        .iter()
        .filter(|s| s.legacy.is_none())
        .map(|s| s.suite)
}

/// The legacy opt-in suites (see [`SuiteParams::legacy`]), in order.
pub fn legacy_suites() -> impl Iterator<Item = CipherSuite> {
    ALL_SUITES
        .iter()
        .filter(|s| s.legacy.is_some())
        .map(|s| s.suite)
}

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
        // RFC 5288 §3: GCM takes two keys and two 4-byte implicit nonces, no MAC keys.
        let s = lookup(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256).unwrap();
        assert_eq!(s.mac_len(), 0);
        assert_eq!(s.key_block_len(v12), 2 * 16 + 2 * 4);
        assert!(!s.can_encrypt_then_mac());
        assert!(!s.usable_with(v11));
        assert_eq!(s.prf_algorithm(v12), PrfAlgorithm::Sha256);
        // RFC 5288 §3: AES-256-GCM takes 32-byte keys and the SHA-384 PRF.
        let s = lookup(CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384).unwrap();
        assert_eq!(s.key_block_len(v12), 2 * 32 + 2 * 4);
        assert!(!s.can_encrypt_then_mac());
        assert!(!s.usable_with(v10));
        assert_eq!(s.prf_algorithm(v12), PrfAlgorithm::Sha384);
        // ECDHE suites: the same record protection, a ServerKeyExchange.
        let s = lookup(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA).unwrap();
        assert_eq!(s.key_block_len(v10), 2 * 20 + 2 * 16 + 2 * 16);
        assert!(s.kx.server_key_exchange() && !KeyExchange::Rsa.server_key_exchange());
        assert_eq!(s.auth, Authentication::Rsa);
        let s = lookup(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384).unwrap();
        assert_eq!(s.auth, Authentication::Ecdsa);
        assert_eq!(s.prf_algorithm(v12), PrfAlgorithm::Sha384);
        assert_eq!(s.key_block_len(v12), 2 * 32 + 2 * 4);
        // Default order: ECDHE+GCM, ECDHE+CBC, RSA+GCM, RSA+CBC (forward secrecy first,
        // then AEAD first).
        let rank = |s: &SuiteParams| {
            let aead = matches!(s.protection, Protection::Gcm);
            match (s.kx, aead, s.cipher) {
                // Legacy opt-in suites come last: DHE with AES, then 3DES, then RC4.
                (_, _, BulkCipher::Rc4_128) => 6,
                (_, _, BulkCipher::TripleDesEde) => 5,
                (KeyExchange::Dhe, _, _) => 4,
                (KeyExchange::Ecdhe, true, _) => 0,
                (KeyExchange::Ecdhe, false, _) => 1,
                (KeyExchange::Rsa, true, _) => 2,
                (KeyExchange::Rsa, false, _) => 3,
            }
        };
        let weak_cipher =
            |s: &SuiteParams| matches!(s.cipher, BulkCipher::TripleDesEde | BulkCipher::Rc4_128);
        assert!(
            ALL_SUITES
                .iter()
                .all(|s| (s.kx == KeyExchange::Dhe || weak_cipher(s)) == s.legacy.is_some())
        );
        assert_eq!(default_suites().count(), 18);
        assert_eq!(legacy_suites().count(), 10);
        assert!(ALL_SUITES.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])));
        assert_eq!(
            ALL_SUITES[0].suite,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        );
        // RFC 5289 §3.2: the CBC_SHA384 suites MAC with HMAC-SHA384 (48-byte keys) and use
        // the SHA-384 PRF.
        let s = lookup(CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384).unwrap();
        assert_eq!(s.mac(), Some(MacAlgorithm::Sha384));
        assert_eq!(s.key_block_len(v12), 2 * 48 + 2 * 32);
        assert_eq!(s.prf_algorithm(v12), PrfAlgorithm::Sha384);
        assert!(!s.usable_with(v11));
        assert_eq!(ALL_SUITES.len(), 28);
        // RFC 5246 appendix C: 3DES-EDE takes 24-byte keys and 8-byte IVs (TLS 1.0's from
        // the key block); RC4 16-byte keys and no IV; RC4_128_MD5 16-byte MAC keys.
        let s = lookup(CipherSuite::TLS_RSA_WITH_3DES_EDE_CBC_SHA).unwrap();
        assert_eq!(s.key_block_len(v10), 2 * 20 + 2 * 24 + 2 * 8);
        assert_eq!(s.key_block_len(v11), 2 * 20 + 2 * 24);
        assert_eq!(s.block_len(), 8);
        assert!(s.can_encrypt_then_mac());
        let s = lookup(CipherSuite::TLS_RSA_WITH_RC4_128_MD5).unwrap();
        assert_eq!(s.key_block_len(v10), 2 * 16 + 2 * 16);
        assert_eq!(s.key_block_len(v12), 2 * 16 + 2 * 16);
        assert!(!s.can_encrypt_then_mac());
        assert_eq!(s.block_len(), 0);
        let s = lookup(CipherSuite::TLS_RSA_WITH_RC4_128_SHA).unwrap();
        assert_eq!(s.key_block_len(v10), 2 * 20 + 2 * 16);
        // Every entry's name says its key exchange and authentication.
        for s in ALL_SUITES {
            let name = s.suite.name().unwrap();
            let prefix = match (s.kx, s.auth) {
                (KeyExchange::Rsa, Authentication::Rsa) => "TLS_RSA_WITH_",
                (KeyExchange::Ecdhe, Authentication::Rsa) => "TLS_ECDHE_RSA_WITH_",
                (KeyExchange::Ecdhe, Authentication::Ecdsa) => "TLS_ECDHE_ECDSA_WITH_",
                (KeyExchange::Dhe, Authentication::Rsa) => "TLS_DHE_RSA_WITH_",
                (KeyExchange::Rsa | KeyExchange::Dhe, Authentication::Ecdsa) => panic!("{name}"),
            };
            assert!(name.starts_with(prefix), "{name}");
            assert_eq!(name.contains("_GCM_"), s.mac().is_none(), "{name}");
            assert_eq!(
                name.contains("_256_"),
                s.cipher == BulkCipher::Aes256,
                "{name}"
            );
            let cipher_named = match s.cipher {
                BulkCipher::Aes128 => "_AES_128_",
                BulkCipher::Aes256 => "_AES_256_",
                BulkCipher::TripleDesEde => "_3DES_EDE_CBC_",
                BulkCipher::Rc4_128 => "_RC4_128_",
            };
            assert!(name.contains(cipher_named), "{name}");
            let mac_named = match (s.protection, s.mac()) {
                (_, None) => "GCM",
                (Protection::Stream(_), Some(MacAlgorithm::Md5)) => "_128_MD5",
                (Protection::Stream(_), Some(MacAlgorithm::Sha1)) => "_128_SHA",
                (_, Some(MacAlgorithm::Sha1)) => "CBC_SHA",
                (_, Some(MacAlgorithm::Sha256)) => "CBC_SHA256",
                (_, Some(MacAlgorithm::Sha384)) => "CBC_SHA384",
                (_, Some(MacAlgorithm::Md5)) => panic!("{name}: MD5 only with RC4"),
            };
            assert!(name.contains(mac_named), "{name}");
            assert_eq!(name.ends_with("SHA384"), s.prf == PrfHash::Sha384, "{name}");
        }
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
            // Below TLS 1.2 the PRF is MD5/SHA-1 whatever the suite says.
            assert_eq!(
                s.prf_algorithm(ProtocolVersion::TLSV1_1),
                PrfAlgorithm::Md5Sha1
            );
            assert_eq!(
                s.prf_algorithm(ProtocolVersion::TLSV1_0),
                PrfAlgorithm::Md5Sha1
            );
            let named_sha384 = s.suite.name().is_some_and(|n| n.ends_with("_SHA384"));
            assert_eq!(
                s.prf_algorithm(ProtocolVersion::TLSV1_2) == PrfAlgorithm::Sha384,
                named_sha384,
                "{:?}",
                s.suite
            );
        }
        assert!(!uses_explicit_iv(ProtocolVersion::TLSV1_0));
        assert!(uses_explicit_iv(ProtocolVersion::TLSV1_1));
        assert!(uses_explicit_iv(ProtocolVersion::TLSV1_2));
    }
}
