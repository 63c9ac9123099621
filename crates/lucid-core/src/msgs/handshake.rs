//! Handshake protocol messages (RFC 2246 / 4346 / 5246 §7.4, RFC 8422 §5).
//!
//! A handshake message is `msg_type(1) || length(3) || body` ([`HandshakeMessage`]). lucid
//! decodes the messages its handshakes use into typed payloads (the two key-exchange
//! messages stay raw until the suite's key exchange reads them); every other type
//! (CertificateVerify, NewSessionTicket, ...) is kept as
//! [`HandshakePayload::Unknown`] so the state machine can reject it with a typed error that
//! names it.
//!
//! The payload types live by message family in `hello`, `certificate` and `key_exchange`;
//! this file holds the limits, [`HandshakePayload`] and the message framing.
//!
//! # Limits
//!
//! This is the one place lucid's handshake size caps and the memory they bound are
//! documented; the record layer (`record::joiner`), the fuzzing bounds
//! (`crate::fuzzing`, `fuzz/README.md`) and the connection docs link here. Every
//! peer-controlled length is checked before anything is allocated for it.
//!
//! | what | cap | why |
//! |---|---|---|
//! | ClientHello body | [`MAX_CLIENT_HELLO_BODY`] = 131,396 B | the largest body the syntax allows (version 2, random 32, session id 1 + 32, suites 2 + 65,534, compression 1 + 255, extensions 2 + 65,535); OpenSSL's `CLIENT_HELLO_MAX_LENGTH` is the same figure. Only a server's joiner buffers one this large. |
//! | ServerHello body | [`MAX_SERVER_HELLO_BODY`] = 65,607 B | its syntax maximum (an extensions block of 65,535 bytes) |
//! | any other handshake message | [`MAX_HANDSHAKE_MESSAGE_LEN`] = 65,543 B with header | a Certificate carrying the largest chain |
//! | certificate chain | [`MAX_CERTIFICATE_CHAIN_LEN`] = 64 KiB, [`MAX_CERTIFICATES`] = 10, [`MAX_CERTIFICATE_LEN`] = 32 KiB each | path building needs no more |
//! | CertificateRequest names | [`MAX_CERTIFICATE_AUTHORITIES`] = 1,024 | each costs a 24-byte vector for 3 wire bytes |
//! | hello extensions | no count cap: unknown ones are skipped, not stored ([`UnknownExtensions`] keeps a count and the first type); each type lucid acts on is decoded at most once (a second one is [`InvalidMessage::DuplicateExtension`]) | a hello with 16,383 empty extensions costs nothing beyond its bytes |
//! | reassembly buffer | the largest message allowed plus one plaintext record: 81,995 B (client: a maximal ServerHello), 147,784 B (server) | `record::joiner` |
//!
//! Memory: a decoded message never holds more than a small multiple of its wire size,
//! because every list lucid stores keeps the wire's element size (2-byte suites and
//! signature schemes, byte vectors) or is capped by count. While one message is decoded the
//! joiner holds its bytes, so the peak for a ClientHello at the cap is the joiner
//! (147,784 B) plus the decoded suites (65,534 B) plus the record buffers; the measured
//! per-connection peaks are `crate::fuzzing::ALLOC_BOUND_SERVER` and
//! `crate::fuzzing::ALLOC_BOUND_CLIENT`.

use alloc::vec::Vec;

use crate::codec::{Codec, InvalidMessage, LengthPrefixedBuffer, ListLength, Reader};
use crate::msgs::enums::{HandshakeType, ProtocolVersion};

mod certificate;
mod hello;
mod key_exchange;

pub use certificate::{CertificatePayload, CertificateRequestPayload};
pub use hello::{ClientHelloPayload, Random, ServerHelloPayload, SessionId, UnknownExtensions};
#[cfg(feature = "dhe")]
pub(crate) use key_exchange::ServerDhParams;
pub use key_exchange::{
    ClientKeyExchangePayload, DigitallySigned, ServerEcdhParams, ServerKeyExchangePayload,
};

/// Length of the handshake message header: `msg_type(1) || length(3)`.
pub(crate) const HANDSHAKE_HEADER_LEN: usize = 4;

const MAX_CERTIFICATE_LEN_U32: u32 = 32 * 1024;
const MAX_CERTIFICATE_CHAIN_LEN_U32: u32 = 64 * 1024;

/// Largest single DER certificate lucid accepts in a Certificate message (32 KiB).
///
/// Real certificates are 1–8 KiB; even ones with hundreds of subjectAltNames stay well
/// under this.
#[allow(
    dead_code,
    reason = "the documented limit in bytes; decoding uses the u32 form"
)]
pub(crate) const MAX_CERTIFICATE_LEN: usize = MAX_CERTIFICATE_LEN_U32 as usize;

/// Largest `certificate_list` (the u24-prefixed list body, including each certificate's
/// 3-byte length) lucid accepts (64 KiB).
pub(crate) const MAX_CERTIFICATE_CHAIN_LEN: usize = MAX_CERTIFICATE_CHAIN_LEN_U32 as usize;

/// Most certificates lucid accepts in one Certificate message (end entity plus
/// intermediates; path building needs no more).
pub(crate) const MAX_CERTIFICATES: usize = 10;

/// Most `certificate_authorities` names lucid decodes in one CertificateRequest (real
/// servers send up to a few hundred). Each costs a 24-byte vector for as few as 3 wire
/// bytes; uncapped, a 64 KiB message would take ~1.3 MB.
pub(crate) const MAX_CERTIFICATE_AUTHORITIES: usize = 1024;

/// Largest handshake message other than a ClientHello lucid accepts, header included.
///
/// Sized so that a Certificate message whose chain is exactly
/// [`MAX_CERTIFICATE_CHAIN_LEN`] fits: header (4) + `certificate_list` length (3) + chain.
/// Every other message lucid decodes is far smaller. Handshake reassembly refuses to
/// buffer a message whose header announces more than [`max_body_len`] allows (see
/// [`HandshakeMessage::peek_header`]).
pub(crate) const MAX_HANDSHAKE_MESSAGE_LEN: usize =
    HANDSHAKE_HEADER_LEN + 3 + MAX_CERTIFICATE_CHAIN_LEN;

/// Largest ClientHello body lucid accepts: 131,396 bytes, every field at its maximum
/// (2 + 32 + 1 + 32 + 2 + 65,534 + 1 + 255 + 2 + 65,535) — so no ClientHello the RFCs allow
/// is refused for its size. The same figure as OpenSSL's `CLIENT_HELLO_MAX_LENGTH`
/// (`ssl/statem/statem_srvr.c`). See the [module docs](self#limits).
pub(crate) const MAX_CLIENT_HELLO_BODY: usize = 131_396;

/// Largest ServerHello body lucid accepts: 65,607 bytes, every field at its maximum
/// (2 + 32 + 1 + 32 + 2 + 1 + 2 + 65,535), so a ServerHello with any extensions block is
/// decoded (and its unsolicited extensions refused by name). See the
/// [module docs](self#limits).
pub(crate) const MAX_SERVER_HELLO_BODY: usize = 65_607;

/// Largest body accepted for a handshake message of type `typ`: [`MAX_CLIENT_HELLO_BODY`]
/// for a ClientHello, [`MAX_SERVER_HELLO_BODY`] for a ServerHello,
/// `MAX_HANDSHAKE_MESSAGE_LEN - HANDSHAKE_HEADER_LEN` for the rest.
pub(crate) fn max_body_len(typ: HandshakeType) -> usize {
    match typ {
        HandshakeType::CLIENT_HELLO => MAX_CLIENT_HELLO_BODY,
        HandshakeType::SERVER_HELLO => MAX_SERVER_HELLO_BODY,
        _ => MAX_HANDSHAKE_MESSAGE_LEN - HANDSHAKE_HEADER_LEN,
    }
}

/// Length of Finished `verify_data` for every cipher suite lucid supports (RFC 5246 §7.4.9,
/// RFC 2246 §7.4.9).
pub(crate) const VERIFY_DATA_LEN: usize = 12;

/// The body of a handshake message, by type.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakePayload {
    /// hello_request(0): empty body.
    HelloRequest,
    /// client_hello(1)
    ClientHello(ClientHelloPayload),
    /// server_hello(2)
    ServerHello(ServerHelloPayload),
    /// certificate(11)
    Certificate(CertificatePayload),
    /// certificate_request(13)
    CertificateRequest(CertificateRequestPayload),
    /// server_hello_done(14): empty body.
    ServerHelloDone,
    /// server_key_exchange(12), raw: decoded by the key exchange that expects it.
    ServerKeyExchange(ServerKeyExchangePayload),
    /// client_key_exchange(16), raw: decoded by the key exchange that expects it.
    ClientKeyExchange(ClientKeyExchangePayload),
    /// certificate_verify(15): the client's signature over the handshake messages so far
    /// (RFC 5246 §7.4.8), decoded at the negotiated version (the algorithm field is there
    /// from TLS 1.2 on).
    CertificateVerify(DigitallySigned),
    /// finished(20): `verify_data`, the whole body. `VERIFY_DATA_LEN` bytes for every
    /// lucid suite; the length is not checked here, so the state machine's (constant-time)
    /// comparison reports a wrong length as a bad Finished.
    Finished(Vec<u8>),
    /// Any type lucid does not decode (NewSessionTicket, unassigned numbers...), with its
    /// raw body.
    Unknown {
        /// The message type from the header.
        typ: HandshakeType,
        /// The body, without the header.
        body: Vec<u8>,
    },
}

impl HandshakePayload {
    /// The handshake type this payload is sent with.
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::ServerHelloDone => {}
            Self::ClientHello(p) => p.encode(out),
            Self::ServerHello(p) => p.encode(out),
            Self::Certificate(p) => p.encode(out),
            Self::CertificateRequest(p) => p.encode(out),
            Self::CertificateVerify(p) => p.encode(out),
            Self::ServerKeyExchange(ServerKeyExchangePayload(v))
            | Self::ClientKeyExchange(ClientKeyExchangePayload(v))
            | Self::Finished(v)
            | Self::Unknown { body: v, .. } => out.extend_from_slice(v),
        }
    }

    /// Decodes the body of a message of type `typ`; `body` must be consumed exactly.
    fn read_body(
        typ: HandshakeType,
        body: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        let payload = match typ {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest,
            HandshakeType::CLIENT_HELLO => Self::ClientHello(ClientHelloPayload::read(body)?),
            HandshakeType::SERVER_HELLO => Self::ServerHello(ServerHelloPayload::read(body)?),
            HandshakeType::CERTIFICATE => Self::Certificate(CertificatePayload::read(body)?),
            HandshakeType::CERTIFICATE_REQUEST => {
                Self::CertificateRequest(CertificateRequestPayload::read_versioned(body, version)?)
            }
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone,
            HandshakeType::SERVER_KEY_EXCHANGE => {
                Self::ServerKeyExchange(ServerKeyExchangePayload(body.rest().to_vec()))
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                Self::ClientKeyExchange(ClientKeyExchangePayload(body.rest().to_vec()))
            }
            HandshakeType::CERTIFICATE_VERIFY => {
                Self::CertificateVerify(DigitallySigned::read_versioned(body, version)?)
            }
            HandshakeType::FINISHED => Self::Finished(body.rest().to_vec()),
            typ => Self::Unknown {
                typ,
                body: body.rest().to_vec(),
            },
        };
        body.expect_empty(typ.name().unwrap_or("handshake message"))?;
        Ok(payload)
    }
}

/// A whole handshake message: header and typed body.
///
/// `typ` is the header's type; for every variant but [`HandshakePayload::Unknown`] it equals
/// `payload.typ()` ([`Self::new`] keeps them in step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// `msg_type` from the header.
    pub typ: HandshakeType,
    /// The decoded body.
    pub payload: HandshakePayload,
}

impl HandshakeMessage {
    /// A message whose header type is the payload's.
    pub fn new(payload: HandshakePayload) -> Self {
        Self {
            typ: payload.typ(),
            payload,
        }
    }

    /// Appends `msg_type || u24 length || body` (the length is back-patched). These are the
    /// exact bytes that go into the transcript hash.
    pub fn encode(&self, out: &mut Vec<u8>) {
        debug_assert_eq!(self.typ, self.payload.typ(), "header type != payload type");
        self.typ.encode(out);
        let body = LengthPrefixedBuffer::new(ListLength::U24, out);
        self.payload.encode_body(body.buf);
    }

    /// The encoding in a fresh vector.
    pub fn get_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes ONE whole handshake message (header and body) that occupies all of `bytes`.
    ///
    /// `version` is the negotiated (or, before ServerHello, any) version: only the
    /// CertificateRequest format depends on it. A body longer than `max_body_len` allows
    /// is [`InvalidMessage::TooLarge`]; bytes after the body are
    /// [`InvalidMessage::TrailingData`], as are bytes the typed body decoder did not use.
    pub fn read_versioned(bytes: &[u8], version: ProtocolVersion) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r)?;
        // max_body_len is at most MAX_CLIENT_HELLO_BODY, which fits a u24.
        let max = u32::try_from(max_body_len(typ)).unwrap_or(0x00ff_ffff);
        let mut body = r.sub(ListLength::U24.with_max(max), "handshake message")?;
        r.expect_empty("handshake message")?;
        let payload = HandshakePayload::read_body(typ, &mut body, version)?;
        Ok(Self { typ, payload })
    }

    /// The value the encoder reproduces: this message without what decoding skipped (the
    /// [`UnknownExtensions`] of a hello, which are not stored and so not re-encoded). For
    /// round-trip checks: `decode(encode(m.canonical())) == m.canonical()`.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn canonical(mut self) -> Self {
        match &mut self.payload {
            HandshakePayload::ClientHello(p) => p.unknown_extensions = UnknownExtensions::default(),
            HandshakePayload::ServerHello(p) => p.unknown_extensions = UnknownExtensions::default(),
            _ => {}
        }
        self
    }

    /// Reads the header at the front of `bytes` without checking the body: `None` if fewer
    /// than `HANDSHAKE_HEADER_LEN` bytes are available, else the type and announced body
    /// length. The caller compares `len` against `max_body_len` before buffering.
    pub fn peek_header(bytes: &[u8]) -> Option<(HandshakeType, usize)> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r).ok()?;
        let len = r.u24("handshake header").ok()?;
        Some((typ, usize::try_from(len).ok()?))
    }
}

#[cfg(test)]
#[path = "handshake_test.rs"]
mod tests;
