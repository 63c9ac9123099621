//! IANA registries as open newtypes.
//!
//! Each registry is a `struct Name(uN)` with named associated constants, so a code point lucid
//! does not know survives a decode/encode round trip and can be reported by number.

use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Codec, InvalidMessage, Reader};

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($ty:ty) {
            $( $(#[$cmeta:meta])* $konst:ident = $val:expr => $text:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $ty);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: Self = Self($val); )*

            /// Every code point lucid has a name for.
            pub const KNOWN: &'static [Self] = &[ $( Self::$konst, )* ];

            /// The registry name of this code point, if lucid knows it.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($text), )*
                    _ => None,
                }
            }

            /// Looks a code point up by its registry name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $text => Some(Self::$konst), )*
                    _ => None,
                }
            }

            /// The raw code point.
            pub const fn get(self) -> $ty {
                self.0
            }
        }

        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                Self(v)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }

        impl Codec for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0.to_be_bytes());
            }
            fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
                Ok(Self(<$ty>::from_be_bytes(r.take_array(stringify!($name))?)))
            }
        }
    };
}

wire_enum! {
    /// Record content type (RFC 5246 §6.2.1).
    pub struct ContentType(u8) {
        /// change_cipher_spec(20)
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        /// alert(21)
        ALERT = 21 => "alert",
        /// handshake(22)
        HANDSHAKE = 22 => "handshake",
        /// application_data(23)
        APPLICATION_DATA = 23 => "application_data",
        /// heartbeat(24), RFC 6520 — never supported, named so it can be reported.
        HEARTBEAT = 24 => "heartbeat",
    }
}

wire_enum! {
    /// ProtocolVersion (RFC 5246 §6.2.1, appendix E).
    pub struct ProtocolVersion(u16) {
        /// SSL 3.0 — never negotiated; appears as a record version in some ClientHellos.
        SSLV3 = 0x0300 => "SSLv3",
        /// TLS 1.0 (RFC 2246)
        TLSV1_0 = 0x0301 => "TLSv1.0",
        /// TLS 1.1 (RFC 4346)
        TLSV1_1 = 0x0302 => "TLSv1.1",
        /// TLS 1.2 (RFC 5246)
        TLSV1_2 = 0x0303 => "TLSv1.2",
        /// TLS 1.3 (RFC 8446) — never negotiated by lucid.
        TLSV1_3 = 0x0304 => "TLSv1.3",
    }
}

wire_enum! {
    /// HandshakeType (RFC 5246 §7.4).
    pub struct HandshakeType(u8) {
        /// hello_request(0)
        HELLO_REQUEST = 0 => "HelloRequest",
        /// client_hello(1)
        CLIENT_HELLO = 1 => "ClientHello",
        /// server_hello(2)
        SERVER_HELLO = 2 => "ServerHello",
        /// new_session_ticket(4), RFC 5077
        NEW_SESSION_TICKET = 4 => "NewSessionTicket",
        /// certificate(11)
        CERTIFICATE = 11 => "Certificate",
        /// server_key_exchange(12)
        SERVER_KEY_EXCHANGE = 12 => "ServerKeyExchange",
        /// certificate_request(13)
        CERTIFICATE_REQUEST = 13 => "CertificateRequest",
        /// server_hello_done(14)
        SERVER_HELLO_DONE = 14 => "ServerHelloDone",
        /// certificate_verify(15)
        CERTIFICATE_VERIFY = 15 => "CertificateVerify",
        /// client_key_exchange(16)
        CLIENT_KEY_EXCHANGE = 16 => "ClientKeyExchange",
        /// finished(20)
        FINISHED = 20 => "Finished",
    }
}

wire_enum! {
    /// AlertLevel (RFC 5246 §7.2).
    pub struct AlertLevel(u8) {
        /// warning(1)
        WARNING = 1 => "warning",
        /// fatal(2)
        FATAL = 2 => "fatal",
    }
}

wire_enum! {
    /// AlertDescription (RFC 5246 §7.2, RFC 7507, RFC 6066).
    pub struct AlertDescription(u8) {
        /// close_notify(0)
        CLOSE_NOTIFY = 0 => "close_notify",
        /// unexpected_message(10)
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        /// bad_record_mac(20)
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        /// decryption_failed_RESERVED(21)
        DECRYPTION_FAILED = 21 => "decryption_failed",
        /// record_overflow(22)
        RECORD_OVERFLOW = 22 => "record_overflow",
        /// decompression_failure(30)
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        /// handshake_failure(40)
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        /// no_certificate_RESERVED(41)
        NO_CERTIFICATE = 41 => "no_certificate",
        /// bad_certificate(42)
        BAD_CERTIFICATE = 42 => "bad_certificate",
        /// unsupported_certificate(43)
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        /// certificate_revoked(44)
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        /// certificate_expired(45)
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        /// certificate_unknown(46)
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        /// illegal_parameter(47)
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        /// unknown_ca(48)
        UNKNOWN_CA = 48 => "unknown_ca",
        /// access_denied(49)
        ACCESS_DENIED = 49 => "access_denied",
        /// decode_error(50)
        DECODE_ERROR = 50 => "decode_error",
        /// decrypt_error(51)
        DECRYPT_ERROR = 51 => "decrypt_error",
        /// export_restriction_RESERVED(60)
        EXPORT_RESTRICTION = 60 => "export_restriction",
        /// protocol_version(70)
        PROTOCOL_VERSION = 70 => "protocol_version",
        /// insufficient_security(71)
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        /// internal_error(80)
        INTERNAL_ERROR = 80 => "internal_error",
        /// inappropriate_fallback(86), RFC 7507
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        /// user_canceled(90)
        USER_CANCELED = 90 => "user_canceled",
        /// no_renegotiation(100)
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        /// unsupported_extension(110)
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        /// unrecognized_name(112), RFC 6066
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        /// no_application_protocol(120), RFC 7301
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
    }
}

wire_enum! {
    /// CipherSuite (IANA TLS Cipher Suites registry).
    pub struct CipherSuite(u16) {
        /// TLS_NULL_WITH_NULL_NULL — the initial state; never negotiated.
        TLS_NULL_WITH_NULL_NULL = 0x0000 => "TLS_NULL_WITH_NULL_NULL",
        /// RFC 5246 appendix C (legacy opt-in; RC4 is prohibited by RFC 7465)
        TLS_RSA_WITH_RC4_128_MD5 = 0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        /// RFC 5246 appendix C (legacy opt-in; RC4 is prohibited by RFC 7465)
        TLS_RSA_WITH_RC4_128_SHA = 0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        /// RFC 5246 appendix C (legacy opt-in; a 64-bit block: Sweet32)
        TLS_RSA_WITH_3DES_EDE_CBC_SHA = 0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        /// RFC 5246 appendix C (legacy opt-in; a 64-bit block: Sweet32)
        TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA = 0x0016 => "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        /// RFC 5246 / RFC 3268
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        /// RFC 5246 / RFC 3268
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        /// RFC 5246 (TLS 1.2 only)
        TLS_RSA_WITH_AES_128_CBC_SHA256 = 0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        /// RFC 5246 (TLS 1.2 only)
        TLS_RSA_WITH_AES_256_CBC_SHA256 = 0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        /// RFC 5288 (TLS 1.2 only)
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5288 (TLS 1.2 only; SHA-384 PRF)
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        /// RFC 5246 (legacy opt-in)
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA = 0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        /// RFC 5246 (legacy opt-in)
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA = 0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        /// RFC 5246 (legacy opt-in; TLS 1.2 only)
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 = 0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        /// RFC 5246 (legacy opt-in; TLS 1.2 only)
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 = 0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        /// RFC 5288 (legacy opt-in; TLS 1.2 only)
        TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5288 (legacy opt-in; TLS 1.2 only; SHA-384 PRF)
        TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV, RFC 5746 §3.3
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        /// TLS_FALLBACK_SCSV, RFC 7507
        TLS_FALLBACK_SCSV = 0x5600 => "TLS_FALLBACK_SCSV",
        /// RFC 8422 (TLS 1.0-1.2)
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        /// RFC 8422 (TLS 1.0-1.2)
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        /// RFC 8422 (TLS 1.0-1.2)
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        /// RFC 8422 (TLS 1.0-1.2)
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        /// RFC 5289 (TLS 1.2 only)
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        /// RFC 5289 (TLS 1.2 only; SHA-384 PRF)
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 = 0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        /// RFC 5289 (TLS 1.2 only)
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        /// RFC 5289 (TLS 1.2 only; SHA-384 PRF)
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 = 0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        /// RFC 5289 (TLS 1.2 only)
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5289 (TLS 1.2 only; SHA-384 PRF)
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        /// RFC 5289 (TLS 1.2 only)
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5289 (TLS 1.2 only; SHA-384 PRF)
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    }
}

wire_enum! {
    /// CompressionMethod (RFC 5246 §7.4.1.2). Only `null` is ever accepted.
    pub struct Compression(u8) {
        /// null(0)
        NULL = 0 => "null",
        /// DEFLATE(1), RFC 3749 — never accepted (CRIME).
        DEFLATE = 1 => "deflate",
    }
}

wire_enum! {
    /// ExtensionType (IANA TLS ExtensionType Values).
    pub struct ExtensionType(u16) {
        /// server_name(0), RFC 6066
        SERVER_NAME = 0 => "server_name",
        /// max_fragment_length(1), RFC 6066
        MAX_FRAGMENT_LENGTH = 1 => "max_fragment_length",
        /// status_request(5), RFC 6066
        STATUS_REQUEST = 5 => "status_request",
        /// supported_groups(10), RFC 8422
        SUPPORTED_GROUPS = 10 => "supported_groups",
        /// ec_point_formats(11), RFC 8422
        EC_POINT_FORMATS = 11 => "ec_point_formats",
        /// signature_algorithms(13), RFC 5246 §7.4.1.4.1
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        /// heartbeat(15), RFC 6520 — never supported
        HEARTBEAT = 15 => "heartbeat",
        /// application_layer_protocol_negotiation(16), RFC 7301
        ALPN = 16 => "application_layer_protocol_negotiation",
        /// encrypt_then_mac(22), RFC 7366
        ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
        /// extended_master_secret(23), RFC 7627
        EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
        /// session_ticket(35), RFC 5077
        SESSION_TICKET = 35 => "session_ticket",
        /// supported_versions(43), RFC 8446
        SUPPORTED_VERSIONS = 43 => "supported_versions",
        /// renegotiation_info(0xff01), RFC 5746
        RENEGOTIATION_INFO = 0xff01 => "renegotiation_info",
    }
}

wire_enum! {
    /// SignatureAndHashAlgorithm as a TLS 1.3-style SignatureScheme code point
    /// (RFC 5246 §7.4.1.4.1: hash byte then signature byte).
    pub struct SignatureScheme(u16) {
        /// rsa_pkcs1_sha1 (hash sha1(2), signature rsa(1))
        RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
        /// rsa_pkcs1_sha256
        RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
        /// rsa_pkcs1_sha384
        RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
        /// rsa_pkcs1_sha512
        RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
        /// ecdsa_sha1 (hash sha1(2), signature ecdsa(3)): TLS 1.2 name of what TLS 1.0/1.1
        /// always use for ECDSA
        ECDSA_SHA1 = 0x0203 => "ecdsa_sha1",
        /// ecdsa_secp256r1_sha256
        ECDSA_SECP256R1_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// ecdsa_secp384r1_sha384
        ECDSA_SECP384R1_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
        /// ecdsa_secp521r1_sha512
        ECDSA_SECP521R1_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
        /// rsa_pss_rsae_sha256
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
    }
}

wire_enum! {
    /// NamedGroup (RFC 8422 §5.1.1, RFC 7919; IANA TLS Supported Groups).
    pub struct NamedGroup(u16) {
        /// secp256r1(23), NIST P-256
        SECP256R1 = 23 => "secp256r1",
        /// secp384r1(24), NIST P-384
        SECP384R1 = 24 => "secp384r1",
        /// secp521r1(25), NIST P-521 — named for reporting; lucid does not implement it
        SECP521R1 = 25 => "secp521r1",
        /// x25519(29), RFC 8422 / RFC 7748
        X25519 = 29 => "x25519",
        /// x448(30), RFC 8422 / RFC 7748 — named for reporting
        X448 = 30 => "x448",
        /// ffdhe2048(256), RFC 7919 — named for reporting
        FFDHE2048 = 256 => "ffdhe2048",
        /// ffdhe3072(257), RFC 7919 — named for reporting
        FFDHE3072 = 257 => "ffdhe3072",
    }
}

wire_enum! {
    /// ECPointFormat (RFC 8422 §5.1.2). Only `uncompressed` is ever sent or used.
    pub struct EcPointFormat(u8) {
        /// uncompressed(0)
        UNCOMPRESSED = 0 => "uncompressed",
        /// ansiX962_compressed_prime(1), deprecated by RFC 8422
        ANSIX962_COMPRESSED_PRIME = 1 => "ansiX962_compressed_prime",
        /// ansiX962_compressed_char2(2), deprecated by RFC 8422
        ANSIX962_COMPRESSED_CHAR2 = 2 => "ansiX962_compressed_char2",
    }
}

wire_enum! {
    /// ECCurveType of ServerECDHParams (RFC 8422 §5.4). Only `named_curve` is allowed.
    pub struct EcCurveType(u8) {
        /// explicit_prime(1), deprecated by RFC 8422
        EXPLICIT_PRIME = 1 => "explicit_prime",
        /// explicit_char2(2), deprecated by RFC 8422
        EXPLICIT_CHAR2 = 2 => "explicit_char2",
        /// named_curve(3)
        NAMED_CURVE = 3 => "named_curve",
    }
}

wire_enum! {
    /// ClientCertificateType (RFC 5246 §7.4.4).
    pub struct ClientCertificateType(u8) {
        /// rsa_sign(1)
        RSA_SIGN = 1 => "rsa_sign",
        /// dss_sign(2)
        DSS_SIGN = 2 => "dss_sign",
        /// ecdsa_sign(64), RFC 8422
        ECDSA_SIGN = 64 => "ecdsa_sign",
    }
}

wire_enum! {
    /// NameType of a ServerName entry (RFC 6066 §3).
    pub struct ServerNameType(u8) {
        /// host_name(0): a DNS host name.
        HOST_NAME = 0 => "host_name",
    }
}

wire_enum! {
    /// MaxFragmentLength (RFC 6066 §4): the largest record plaintext a client asks both
    /// sides to send, 2^9..=2^12 bytes. Only 1..=4 are defined; other values decode (so they
    /// can be reported) and are refused by the handshake with illegal_parameter.
    ///
    /// A client offers one with [`crate::ClientConfig::max_fragment_length`]; the one in
    /// effect is [`crate::Negotiated::max_fragment_length`].
    pub struct MaxFragmentLength(u8) {
        /// 2^9(1): 512-byte fragments.
        LEN_512 = 1 => "2^9",
        /// 2^10(2): 1024-byte fragments.
        LEN_1024 = 2 => "2^10",
        /// 2^11(3): 2048-byte fragments.
        LEN_2048 = 3 => "2^11",
        /// 2^12(4): 4096-byte fragments.
        LEN_4096 = 4 => "2^12",
    }
}

impl MaxFragmentLength {
    /// The maximum plaintext fragment length this code point stands for, if it is defined.
    pub fn fragment_len(self) -> Option<usize> {
        match self.0 {
            1..=4 => Some(256usize << self.0),
            _ => None,
        }
    }

    /// The code point for a fragment length of `len` bytes (512, 1024, 2048 or 4096).
    pub fn from_fragment_len(len: usize) -> Option<Self> {
        Self::KNOWN
            .iter()
            .copied()
            .find(|v| v.fragment_len() == Some(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn unknown_code_points_round_trip_and_print_by_number() {
        let s = CipherSuite::read_bytes(&[0x13, 0x01]).unwrap();
        assert_eq!(s, CipherSuite(0x1301));
        assert_eq!(s.name(), None);
        assert_eq!(format!("{s:?}"), "CipherSuite(0x1301)");
        assert_eq!(s.get_encoding(), [0x13, 0x01]);
        assert_eq!(
            format!("{:?}", CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA),
            "TLS_RSA_WITH_AES_128_CBC_SHA"
        );
        assert_eq!(
            CipherSuite::from_name("TLS_RSA_WITH_AES_256_CBC_SHA256"),
            Some(CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256)
        );
        assert!(ContentType::read_bytes(&[]).is_err());
        assert!(ProtocolVersion::read_bytes(&[3]).is_err());
        assert_eq!(AlertDescription(0xee).get_encoding(), [0xee]);
    }

    #[test]
    fn max_fragment_length_sizes() {
        assert_eq!(MaxFragmentLength::LEN_512.fragment_len(), Some(512));
        assert_eq!(MaxFragmentLength::LEN_1024.fragment_len(), Some(1024));
        assert_eq!(MaxFragmentLength::LEN_2048.fragment_len(), Some(2048));
        assert_eq!(MaxFragmentLength::LEN_4096.fragment_len(), Some(4096));
        assert_eq!(MaxFragmentLength(0).fragment_len(), None);
        assert_eq!(MaxFragmentLength(5).fragment_len(), None);
        for v in MaxFragmentLength::KNOWN {
            let len = v.fragment_len().unwrap();
            assert_eq!(MaxFragmentLength::from_fragment_len(len), Some(*v));
        }
        assert_eq!(MaxFragmentLength::from_fragment_len(16384), None);
        assert_eq!(MaxFragmentLength::from_fragment_len(0), None);
        assert_eq!(ServerNameType::HOST_NAME.get_encoding(), [0]);
    }
}
