//! Protocol internals for lucid's own fuzz targets, benchmarks and tests (hidden from the
//! docs; not a stable API). The paths mirror the private modules, so a test names
//! `lucid_core::internal::crypto::protection::RecordSealer` for
//! `crate::crypto::protection::RecordSealer`.

/// Wire codec.
pub mod codec {
    pub use crate::codec::{Codec, InvalidMessage, Reader};
}

/// Wire messages.
pub mod msgs {
    /// IANA registries.
    pub mod enums {
        pub use crate::msgs::enums::{
            AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, Compression,
            ContentType, EcCurveType, EcPointFormat, ExtensionType, HandshakeType,
            MaxFragmentLength, NamedGroup, ProtocolVersion, ServerNameType, SignatureScheme,
        };
    }
    /// Hello extensions.
    pub mod extensions {
        pub use crate::msgs::extensions::{ClientExtension, ServerExtension, ServerNameEntry};
    }
    /// Handshake messages.
    pub mod handshake {
        pub use crate::msgs::handshake::{
            CertificatePayload, CertificateRequestPayload, ClientHelloPayload,
            ClientKeyExchangePayload, HandshakeMessage, HandshakePayload, Random,
            ServerHelloPayload, SessionId, UnknownExtensions,
        };
    }
}

/// Hashes, key schedule, suites, record protection, RSA key exchange.
pub mod crypto {
    /// RFC 7919 ffdhe2048's prime (the group a lucid server uses for DHE).
    #[cfg(feature = "dhe")]
    pub fn dh_ffdhe2048_prime() -> &'static [u8] {
        &crate::crypto::dh::FFDHE2048_P
    }

    /// The AES-GCM implementation new GCM record keys get on this machine: `"graviola"`
    /// (feature `graviola-gcm`, and the CPU has what graviola needs) or `"aes-gcm"`.
    #[cfg(feature = "aes-gcm")]
    pub fn gcm_backend() -> &'static str {
        crate::crypto::gcm::backend_name()
    }

    /// Record protection (CBC + HMAC, AES-GCM).
    pub mod protection {
        pub use crate::crypto::protection::{RecordOpener, RecordSealer};
    }
    /// Handshake transcript.
    pub mod hash {
        pub use crate::crypto::hash::Transcript;
    }
    /// The PRF a connection uses (version and suite decide it).
    pub mod prf {
        pub use crate::crypto::prf::PrfAlgorithm;
    }
    /// Master secret, key block, Finished.
    pub mod keys {
        pub use crate::crypto::keys::{
            KeyBlock, MasterSecret, extended_master_secret, key_block, master_secret, verify_data,
        };
    }
    /// RSA key exchange.
    pub mod rsa_kx {
        pub use crate::crypto::rsa_kx::{
            PRE_MASTER_SECRET_LEN, decrypt_pkcs1v15, encrypt_pre_master_secret,
            rsa_public_key_from_certificate, rsa_public_key_from_spki,
        };
    }
    /// The suites table.
    pub mod suites {
        pub use crate::crypto::suites::{
            ALL_SUITES, Authentication, BulkCipher, DHE_TRIPLE_DES_WEAKNESS, DHE_WEAKNESS,
            KeyExchange, MacAlgorithm, PrfHash, Protection, RC4_MD5_WEAKNESS, RC4_WEAKNESS,
            SuiteParams, TRIPLE_DES_WEAKNESS, default_suites, legacy_suites, lookup,
            uses_explicit_iv,
        };
    }
}

/// The record layer.
pub mod record {
    pub use crate::record::RecordHeader;
    /// The deframer.
    pub mod deframer {
        pub use crate::record::deframer::CAPACITY;
    }
}

/// The connection core.
pub mod conn {
    pub use crate::conn::{DOWNGRADE_SENTINEL_TLS11, SENDABLE_CAPACITY};
}
