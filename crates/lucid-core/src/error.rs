//! Errors, layered by cause, each mapping to the alert lucid sends.
//!
//! - [`InvalidMessage`]: the peer's bytes do not decode (syntax).
//! - [`PeerMisbehaved`]: well-formed, but breaks the protocol.
//! - [`PeerIncompatible`]: the peer and this configuration share no way forward.
//! - [`CertificateError`]: the peer's certificate was rejected.
//! - record-layer failures ([`Error::BadRecordMac`], [`Error::RecordOverflow`]).
//! - things that happened to the connection: an alert received, an unexpected EOF.
//! - [`Error::Misuse`]: the caller broke the API contract; nothing is sent.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::codec::InvalidMessage;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ContentType, ExtensionType, HandshakeType, MaxFragmentLength,
    NamedGroup, ProtocolVersion, SignatureScheme,
};
pub use crate::x509::CertificateError;

/// Everything that can end a lucid connection.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The peer's bytes could not be decoded.
    InvalidMessage(InvalidMessage),
    /// The peer broke the protocol.
    PeerMisbehaved(PeerMisbehaved),
    /// The peer and this configuration have nothing in common to agree on.
    PeerIncompatible(PeerIncompatible),
    /// The peer's certificate chain was rejected.
    InvalidCertificate(CertificateError),
    /// A protected record failed its MAC or padding check (the two are indistinguishable
    /// on purpose: Lucky 13, RFC 5246 §6.2.3.2).
    BadRecordMac,
    /// A record longer than the protocol allows (RFC 5246 §6.2.3: 2^14 + 2048 ciphertext).
    RecordOverflow {
        /// Length field of the offending record.
        len: usize,
        /// Largest length allowed at that point.
        max: usize,
    },
    /// The peer sent a fatal alert (or a warning alert that lucid treats as fatal).
    AlertReceived {
        /// The alert.
        description: AlertDescription,
        /// The client handshake step it arrived in, which says what the peer most likely
        /// objected to (`None` on the server side).
        step: Option<HandshakeStep>,
    },
    /// The transport ended without a close_notify: the data may have been truncated.
    UnexpectedEof,
    /// A 64-bit record sequence number would wrap; the connection must be closed
    /// (RFC 5246 §6.1 forbids wrapping).
    SequenceNumberExhausted,
    /// The caller broke the API's calling contract; nothing is sent to the peer.
    Misuse(&'static str),
    /// A local failure that is not the peer's fault (e.g. RNG failure, RSA encryption).
    Internal(&'static str),
}

impl Error {
    /// The alert lucid sends to the peer for this error, if any.
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        Some(match self {
            Self::InvalidMessage(InvalidMessage::TooLarge(_)) => A::DECODE_ERROR,
            Self::InvalidMessage(_) => A::DECODE_ERROR,
            Self::PeerMisbehaved(p) => p.alert(),
            Self::PeerIncompatible(p) => p.alert(),
            Self::InvalidCertificate(c) => c.alert(),
            Self::BadRecordMac => A::BAD_RECORD_MAC,
            Self::RecordOverflow { .. } => A::RECORD_OVERFLOW,
            Self::Internal(_) | Self::SequenceNumberExhausted => A::INTERNAL_ERROR,
            Self::AlertReceived { .. } | Self::UnexpectedEof | Self::Misuse(_) => return None,
        })
    }
}

impl From<InvalidMessage> for Error {
    fn from(e: InvalidMessage) -> Self {
        Self::InvalidMessage(e)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(e: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(e)
    }
}

impl From<PeerIncompatible> for Error {
    fn from(e: PeerIncompatible) -> Self {
        Self::PeerIncompatible(e)
    }
}

impl From<CertificateError> for Error {
    fn from(e: CertificateError) -> Self {
        Self::InvalidCertificate(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(e) => write!(f, "malformed message from peer: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "peer misbehaved: {e}"),
            Self::PeerIncompatible(e) => write!(f, "peer incompatible: {e}"),
            Self::InvalidCertificate(e) => write!(f, "invalid certificate: {e}"),
            Self::BadRecordMac => f.write_str("record failed MAC/padding check (bad_record_mac)"),
            Self::RecordOverflow { len, max } => {
                write!(
                    f,
                    "record of {len} bytes exceeds the limit of {max} (record_overflow)"
                )
            }
            Self::AlertReceived {
                description,
                step: None,
            } => write!(f, "peer sent fatal alert {description}"),
            Self::AlertReceived {
                description,
                step: Some(step),
            } => {
                write!(f, "the server sent fatal alert {description} {step}")?;
                match step.interpret(*description) {
                    Some(why) => write!(f, ": {why}"),
                    None => Ok(()),
                }
            }
            Self::UnexpectedEof => {
                f.write_str("connection closed without close_notify (possible truncation)")
            }
            Self::SequenceNumberExhausted => f.write_str("record sequence number exhausted"),
            Self::Misuse(what) => write!(f, "API misuse: {what}"),
            Self::Internal(what) => write!(f, "internal error: {what}"),
        }
    }
}

/// Where a client handshake stood when something went wrong: what lucid had sent last and
/// what it was waiting for. Travels with [`Error::AlertReceived`], so an alert is read by
/// the state it arrived in.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeStep {
    /// Our ClientHello is out; waiting for the ServerHello.
    ClientHelloSent {
        /// Lowest version offered.
        min_version: ProtocolVersion,
        /// Highest version offered.
        max_version: ProtocolVersion,
        /// Suites offered, in order.
        suites: Vec<CipherSuite>,
    },
    /// ServerHello received; waiting for the server's Certificate.
    ServerHelloReceived,
    /// The server's Certificate was accepted; waiting for CertificateRequest or
    /// ServerHelloDone.
    ServerCertificateReceived,
    /// Our ClientKeyExchange, ChangeCipherSpec and Finished are out; waiting for the
    /// server's ChangeCipherSpec and Finished.
    ClientFinishedSent {
        /// We answered a CertificateRequest with an empty Certificate.
        empty_certificate: bool,
        /// We answered a CertificateRequest with our certificate (and a CertificateVerify).
        certificate_sent: bool,
    },
    /// Resuming a session; waiting for the server's ChangeCipherSpec and Finished.
    ResumptionAccepted,
    /// The handshake is complete.
    Complete,
}

impl HandshakeStep {
    /// What a fatal `alert` most likely means at this step, when lucid can tell.
    pub fn interpret(&self, alert: AlertDescription) -> Option<String> {
        use AlertDescription as A;
        let text = |s: &str| Some(String::from(s));
        match (self, alert) {
            (
                Self::ClientHelloSent {
                    min_version,
                    max_version,
                    suites,
                },
                A::HANDSHAKE_FAILURE | A::INSUFFICIENT_SECURITY | A::PROTOCOL_VERSION,
            ) => {
                let what = if alert == A::PROTOCOL_VERSION {
                    "the server shares no protocol version with lucid"
                } else {
                    "the server shares no cipher suite or version with lucid"
                };
                let mut out = format!("{what} (offered: {min_version}");
                if max_version != min_version {
                    out.push_str(&format!("..{max_version}"));
                }
                out.push_str(" with ");
                for (i, s) in suites.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&format!("{s}"));
                }
                out.push(')');
                Some(out)
            }
            (Self::ClientHelloSent { .. }, A::UNRECOGNIZED_NAME) => {
                text("the server does not serve the name sent in server_name (SNI)")
            }
            (Self::ClientHelloSent { .. }, A::NO_APPLICATION_PROTOCOL) => {
                text("the server speaks none of the application protocols offered in ALPN")
            }
            (Self::ClientHelloSent { .. }, A::INAPPROPRIATE_FALLBACK) => text(
                "the server supports a higher version than offered, and the hello said it is a fallback",
            ),
            (Self::ClientHelloSent { .. }, A::DECODE_ERROR | A::ILLEGAL_PARAMETER) => {
                text("the server objected to something in our ClientHello")
            }
            (_, A::PROTOCOL_VERSION) => text("the server refused the protocol version"),
            // After our empty Certificate, the alert is the server's way of requiring one,
            // whatever its name: OpenSSL sends handshake_failure, gnutls (3.7,
            // --require-client-cert) decode_error.
            (
                Self::ClientFinishedSent {
                    empty_certificate: true,
                    ..
                },
                A::HANDSHAKE_FAILURE
                | A::DECODE_ERROR
                | A::BAD_CERTIFICATE
                | A::UNSUPPORTED_CERTIFICATE
                | A::CERTIFICATE_UNKNOWN
                | A::ACCESS_DENIED,
            ) => text(
                "the server requires a client certificate (lucid sent none: configure one, \
                 e.g. `lucid connect --cert CHAIN.pem --key KEY.pem`)",
            ),
            (
                Self::ClientFinishedSent {
                    certificate_sent: true,
                    ..
                },
                A::BAD_CERTIFICATE
                | A::UNSUPPORTED_CERTIFICATE
                | A::CERTIFICATE_UNKNOWN
                | A::CERTIFICATE_EXPIRED
                | A::CERTIFICATE_REVOKED
                | A::UNKNOWN_CA
                | A::ACCESS_DENIED,
            ) => text(
                "the server refused lucid's client certificate (untrusted issuer, expired, \
                 or not allowed for client authentication)",
            ),
            (
                Self::ClientFinishedSent {
                    certificate_sent: true,
                    ..
                },
                A::DECRYPT_ERROR,
            ) => text(
                "the server could not verify lucid's CertificateVerify signature (does the \
                 key belong to the certificate?)",
            ),
            (
                Self::ClientFinishedSent { .. } | Self::ResumptionAccepted,
                A::BAD_RECORD_MAC | A::DECRYPT_ERROR,
            ) => text(
                "keys or transcript disagree: the server could not decrypt or verify what lucid \
                 sent after its ChangeCipherSpec",
            ),
            (Self::ClientFinishedSent { .. }, A::HANDSHAKE_FAILURE | A::ILLEGAL_PARAMETER) => {
                text("the server rejected our ClientKeyExchange or Finished")
            }
            (Self::ClientFinishedSent { .. }, A::DECODE_ERROR) => {
                text("the server could not parse our ClientKeyExchange or Finished")
            }
            _ => None,
        }
    }
}

impl fmt::Display for HandshakeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ClientHelloSent { .. } => "in answer to our ClientHello",
            Self::ServerHelloReceived => "after its ServerHello (lucid was waiting for its Certificate)",
            Self::ServerCertificateReceived => {
                "after its Certificate (lucid was waiting for ServerHelloDone)"
            }
            Self::ClientFinishedSent {
                empty_certificate: true,
                ..
            } => "after our empty Certificate (answering its CertificateRequest), ClientKeyExchange and Finished",
            Self::ClientFinishedSent {
                certificate_sent: true,
                ..
            } => "after our Certificate, ClientKeyExchange, CertificateVerify and Finished",
            Self::ClientFinishedSent { .. } => "after our ClientKeyExchange and Finished",
            Self::ResumptionAccepted => {
                "while resuming a session (lucid was waiting for its Finished)"
            }
            Self::Complete => "after the handshake",
        })
    }
}

/// The peer sent something well-formed that breaks the protocol.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerMisbehaved {
    /// A message arrived that is not allowed in the current state.
    UnexpectedMessage {
        /// What the state machine was waiting for.
        expected: &'static str,
        /// Content type of what arrived.
        got: ContentType,
        /// Handshake type of what arrived, when it was a handshake message.
        got_handshake: Option<HandshakeType>,
    },
    /// A record arrived with a content type that is not defined.
    UnknownContentType(ContentType),
    /// A record's version field does not match the negotiated version.
    WrongRecordVersion {
        /// The negotiated (or expected) version.
        expected: ProtocolVersion,
        /// What the record carried.
        got: ProtocolVersion,
    },
    /// An empty record of a type that must not be empty (handshake, alert, CCS).
    EmptyRecord(ContentType),
    /// A ChangeCipherSpec whose body is not the single byte 1 (unexpected_message).
    BadChangeCipherSpec,
    /// An alert record with a length other than 2 or an unknown level.
    BadAlert,
    /// A handshake message was interleaved with another content type, or ended mid-message
    /// at a point where the cipher state changes (RFC 5246 §6.2.1).
    HandshakeMessageInterleaved,
    /// The server chose a version outside the configured range.
    UnofferedVersion(ProtocolVersion),
    /// The server chose a cipher suite the client did not offer.
    UnofferedCipherSuite(CipherSuite),
    /// A hello carried an extension that was not offered / is not allowed there.
    UnofferedExtension(ExtensionType),
    /// The peer asked for compression.
    CompressionSelected,
    /// renegotiation_info was not empty on an initial handshake (RFC 5746 §3.4), or a
    /// client's was missing where it is required.
    BadRenegotiationInfo,
    /// The ServerHello random carries the RFC 8446 §4.1.3 downgrade sentinel.
    DowngradeSentinel,
    /// The peer's Finished verify_data was wrong.
    BadFinished,
    /// Application data arrived before the handshake finished.
    ApplicationDataBeforeFinished,
    /// Data arrived after the peer's close_notify.
    DataAfterCloseNotify,
    /// The peer tried to renegotiate, which lucid never does.
    Renegotiation,
    /// A certificate-bearing message had no certificate where one is required.
    NoCertificate,
    /// The server's certificate key is not usable for RSA key exchange.
    UnusableServerKey,
    /// A resumed session's parameters differ from the cached ones (RFC 7627 §5.3).
    ResumptionMismatch,
    /// A client offered to resume a session that used the extended master secret without
    /// offering extended_master_secret (RFC 7627 §5.3: the server MUST abort).
    ResumptionWithoutExtendedMasterSecret,
    /// A client offered to resume a session without listing the session's cipher suite
    /// (RFC 5246 §7.4.1.2: the list MUST include it).
    ResumptionSuiteNotOffered(CipherSuite),
    /// An (EC)DHE public value that is malformed, not on the curve, the point at infinity
    /// or (x25519) of low order (RFC 8422 §5.11).
    InvalidKeyShare(NamedGroup),
    /// The server's ServerKeyExchange names a group the client did not offer, or explicit
    /// curve parameters (RFC 8422 §5.4).
    UnofferedGroup(NamedGroup),
    /// A signature algorithm the peer was not offered, or one that does not fit the
    /// certificate's key.
    UnofferedSignatureScheme(SignatureScheme),
    /// The ServerKeyExchange signature does not verify with the certificate's key.
    BadServerKeyExchangeSignature,
    /// A finite-field DH parameter or public value the peer sent is unusable (even prime,
    /// generator or public value outside `[2, p−2]`, shared secret 1): what is wrong.
    InvalidDhValue(&'static str),
    /// The client's CertificateVerify signature does not verify with its certificate's
    /// key (RFC 5246 §7.4.8).
    BadCertificateVerifySignature,
    /// The server selected an application protocol (ALPN, RFC 7301) the client did not
    /// offer: the name it selected.
    UnofferedApplicationProtocol(Vec<u8>),
    /// The certificate's key does not fit the negotiated suite: what the suite needs.
    WrongCertificateKeyType {
        /// What the suite needs ("an RSA key", "an ECDSA key").
        expected: &'static str,
    },
    /// A client's max_fragment_length holds a value RFC 6066 §4 does not define (only
    /// 1..=4 are): the server MUST abort with illegal_parameter.
    InvalidMaxFragmentLength(MaxFragmentLength),
    /// The server answered max_fragment_length with another value than the client asked
    /// for (RFC 6066 §4: the client MUST abort with illegal_parameter).
    MaxFragmentLengthMismatch {
        /// What the client offered.
        offered: MaxFragmentLength,
        /// What the server answered.
        got: MaxFragmentLength,
    },
    /// Any other protocol violation, named.
    Other(&'static str),
}

impl PeerMisbehaved {
    /// The alert lucid sends for this.
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::UnexpectedMessage { .. }
            | Self::UnknownContentType(_)
            | Self::EmptyRecord(_)
            | Self::ApplicationDataBeforeFinished
            | Self::DataAfterCloseNotify
            | Self::HandshakeMessageInterleaved => A::UNEXPECTED_MESSAGE,
            // A ChangeCipherSpec that is not exactly the byte 1: RFC 5246 §7.1 names no
            // alert. OpenSSL sends unexpected_message (`tls_get_message_header`: "A
            // ChangeCipherSpec must be a single byte", SSL_R_BAD_CHANGE_CIPHER_SPEC); NSS
            // sends decode_error for a wrong length and illegal_parameter for a wrong
            // value. lucid follows OpenSSL for both.
            Self::BadChangeCipherSpec => A::UNEXPECTED_MESSAGE,
            Self::WrongRecordVersion { .. } => A::PROTOCOL_VERSION,
            Self::BadAlert => A::DECODE_ERROR,
            Self::UnofferedVersion(_) => A::PROTOCOL_VERSION,
            Self::UnofferedCipherSuite(_)
            | Self::CompressionSelected
            | Self::DowngradeSentinel
            | Self::ResumptionMismatch
            | Self::ResumptionSuiteNotOffered(_)
            | Self::InvalidKeyShare(_)
            | Self::UnofferedGroup(_)
            | Self::UnofferedSignatureScheme(_)
            | Self::InvalidDhValue(_)
            | Self::UnofferedApplicationProtocol(_)
            | Self::InvalidMaxFragmentLength(_)
            | Self::MaxFragmentLengthMismatch { .. }
            | Self::Other(_) => A::ILLEGAL_PARAMETER,
            Self::BadServerKeyExchangeSignature | Self::BadCertificateVerifySignature => {
                A::DECRYPT_ERROR
            }
            Self::WrongCertificateKeyType { .. } => A::UNSUPPORTED_CERTIFICATE,
            Self::ResumptionWithoutExtendedMasterSecret => A::HANDSHAKE_FAILURE,
            Self::UnofferedExtension(_) => A::UNSUPPORTED_EXTENSION,
            Self::BadRenegotiationInfo => A::HANDSHAKE_FAILURE,
            Self::BadFinished => A::DECRYPT_ERROR,
            Self::Renegotiation => A::NO_RENEGOTIATION,
            Self::NoCertificate => A::BAD_CERTIFICATE,
            Self::UnusableServerKey => A::UNSUPPORTED_CERTIFICATE,
        }
    }
}

impl fmt::Display for PeerMisbehaved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedMessage {
                expected,
                got,
                got_handshake: Some(h),
            } => {
                write!(f, "expected {expected}, got {got} {h}")
            }
            Self::UnexpectedMessage {
                expected,
                got,
                got_handshake: None,
            } => {
                write!(f, "expected {expected}, got {got}")
            }
            Self::UnknownContentType(t) => write!(f, "record of unknown content type {t}"),
            Self::WrongRecordVersion { expected, got } => {
                write!(f, "record version {got}, expected {expected}")
            }
            Self::EmptyRecord(t) => write!(f, "empty {t} record"),
            Self::BadChangeCipherSpec => f.write_str("malformed ChangeCipherSpec"),
            Self::BadAlert => f.write_str("malformed alert"),
            Self::HandshakeMessageInterleaved => {
                f.write_str("handshake message interleaved with other records")
            }
            Self::UnofferedVersion(v) => write!(f, "server chose {v}, outside the offered range"),
            Self::UnofferedCipherSuite(s) => write!(f, "server chose {s}, which was not offered"),
            Self::UnofferedExtension(e) => write!(f, "extension {e} not offered or not allowed"),
            Self::CompressionSelected => f.write_str("peer selected compression"),
            Self::BadRenegotiationInfo => f.write_str("renegotiation_info missing or wrong"),
            Self::DowngradeSentinel => {
                f.write_str("server random carries the TLS 1.3 downgrade sentinel")
            }
            Self::BadFinished => f.write_str("Finished verify_data mismatch"),
            Self::ApplicationDataBeforeFinished => {
                f.write_str("application data before the handshake finished")
            }
            Self::DataAfterCloseNotify => f.write_str("data after close_notify"),
            Self::Renegotiation => f.write_str("peer attempted renegotiation"),
            Self::NoCertificate => f.write_str("no certificate sent"),
            Self::UnusableServerKey => f.write_str("server certificate key is not an RSA key"),
            Self::ResumptionMismatch => f.write_str("resumed session parameters differ"),
            Self::ResumptionWithoutExtendedMasterSecret => f.write_str(
                "client resumed a session that used extended_master_secret without offering it",
            ),
            Self::ResumptionSuiteNotOffered(s) => {
                write!(f, "client resumed a session without offering its suite {s}")
            }
            Self::InvalidKeyShare(g) => write!(
                f,
                "invalid {g} public value (wrong length or form, not on the curve, or of low order)"
            ),
            Self::UnofferedGroup(g) => write!(f, "peer chose group {g}, which was not offered"),
            Self::UnofferedSignatureScheme(s) => write!(
                f,
                "peer signed with {s}, which was not offered or does not fit the certificate's key"
            ),
            Self::BadServerKeyExchangeSignature => f.write_str(
                "the ServerKeyExchange signature does not verify with the server certificate's key",
            ),
            Self::InvalidDhValue(what) => write!(f, "unusable Diffie-Hellman value: {what}"),
            Self::BadCertificateVerifySignature => f.write_str(
                "the client's CertificateVerify signature does not verify with its certificate's key",
            ),
            Self::UnofferedApplicationProtocol(p) => write!(
                f,
                "the server selected application protocol {}, which was not offered (ALPN)",
                p.escape_ascii()
            ),
            Self::WrongCertificateKeyType { expected } => write!(
                f,
                "the negotiated suite needs {expected} in the server certificate, which has another"
            ),
            Self::InvalidMaxFragmentLength(v) => write!(
                f,
                "max_fragment_length value {} is not defined (RFC 6066: 1..=4)",
                v.get()
            ),
            Self::MaxFragmentLengthMismatch { offered, got } => write!(
                f,
                "server answered max_fragment_length {got} to our {offered} (RFC 6066: it must echo it)"
            ),
            Self::Other(what) => f.write_str(what),
        }
    }
}

/// The peer and this configuration share no way forward.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerIncompatible {
    /// No protocol version in common.
    NoCommonVersion,
    /// No cipher suite in common.
    NoCommonCipherSuite,
    /// The peer does not support null compression.
    NullCompressionRequired,
    /// The peer supports neither renegotiation_info nor the SCSV (RFC 5746).
    SecureRenegotiationRequired,
    /// The server's ServerHello has no renegotiation_info: it predates RFC 5746, and
    /// `ClientConfig::allow_legacy_renegotiation` is off.
    SecureRenegotiationUnsupported,
    /// TLS_FALLBACK_SCSV from a client that could have negotiated higher (RFC 7507).
    InappropriateFallback,
    /// The peer requires something lucid does not implement.
    Unsupported(&'static str),
    /// This server requires a client certificate and the client sent none.
    ClientCertificateRequired,
    /// The client offers application protocols (ALPN, RFC 7301) and the server speaks none
    /// of them: the client's list, in its order (no_application_protocol).
    NoApplicationProtocol {
        /// The protocols the client offered.
        offered: Vec<Vec<u8>>,
    },
    /// The server's DHE group is smaller than the configured minimum.
    WeakDhGroup {
        /// The prime's size in bits.
        bits: usize,
        /// The smallest size accepted.
        min: usize,
    },
}

impl PeerIncompatible {
    /// The alert lucid sends for this.
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::NoCommonVersion => A::PROTOCOL_VERSION,
            Self::InappropriateFallback => A::INAPPROPRIATE_FALLBACK,
            Self::NullCompressionRequired => A::ILLEGAL_PARAMETER,
            Self::NoCommonCipherSuite
            | Self::SecureRenegotiationRequired
            | Self::SecureRenegotiationUnsupported
            | Self::Unsupported(_)
            | Self::ClientCertificateRequired => A::HANDSHAKE_FAILURE,
            Self::WeakDhGroup { .. } => A::INSUFFICIENT_SECURITY,
            Self::NoApplicationProtocol { .. } => A::NO_APPLICATION_PROTOCOL,
        }
    }
}

impl fmt::Display for PeerIncompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCommonVersion => f.write_str("no protocol version in common"),
            Self::NoCommonCipherSuite => f.write_str("no cipher suite in common"),
            Self::NullCompressionRequired => f.write_str("peer does not offer null compression"),
            Self::SecureRenegotiationRequired => {
                f.write_str("peer does not support secure renegotiation (RFC 5746)")
            }
            Self::SecureRenegotiationUnsupported => f.write_str(
                "the server does not support secure renegotiation (its ServerHello has no \
                 renegotiation_info: its TLS stack predates RFC 5746). Such a server may accept \
                 a renegotiation that an attacker splices in front of your data (CVE-2009-3555). \
                 To connect anyway, accept that risk with allow_legacy_renegotiation \
                 (lucid connect --allow-legacy-renegotiation)",
            ),
            Self::InappropriateFallback => f.write_str("inappropriate fallback (RFC 7507)"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::ClientCertificateRequired => {
                f.write_str("this server requires a client certificate and the client sent none")
            }
            Self::NoApplicationProtocol { offered } => {
                f.write_str(
                    "the client offers no application protocol this server speaks (ALPN; offered:",
                )?;
                for (i, p) in offered.iter().enumerate() {
                    let sep = if i == 0 { " " } else { ", " };
                    write!(f, "{sep}{}", p.escape_ascii())?;
                }
                f.write_str(")")
            }
            Self::WeakDhGroup { bits, min } => write!(
                f,
                "the server's Diffie-Hellman group has a {bits}-bit prime, below the {min}-bit \
                 minimum (Logjam, 2015); accept 1024-bit groups with allow_rsa_1024_legacy \
                 (lucid connect --allow-rsa-1024), or use an ECDHE suite"
            ),
        }
    }
}

impl core::error::Error for Error {}
impl core::error::Error for PeerMisbehaved {}
impl core::error::Error for PeerIncompatible {}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    /// Wraps the error so that drivers returning `io::Result` keep it: get it back with
    /// [`Error::from_io`]. A truncation is `UnexpectedEof`; everything else `InvalidData`.
    fn from(e: Error) -> Self {
        let kind = match e {
            Error::UnexpectedEof => std::io::ErrorKind::UnexpectedEof,
            _ => std::io::ErrorKind::InvalidData,
        };
        Self::new(kind, e)
    }
}

#[cfg(feature = "std")]
impl Error {
    /// The lucid error inside an `io::Error` made by `From<Error>`, if it carries one.
    pub fn from_io(e: &std::io::Error) -> Option<&Self> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<Self>())
    }
}
