//! The connection core: what the client and server state machines both stand on.
//!
//! This layer sits between the record layer and the two handshake state machines
//! ([`crate::client`], [`crate::server`]); neither side imports the other, and neither
//! imports the public façade ([`crate::Connection`]) that sits above them.
//!
//! # Implementation notes
//!
//! A connection owns three bounded buffers:
//!
//! - the deframer's receive buffer (at most one maximal ciphertext record, 5 + 2^14 +
//!   2048 bytes): the caller copies socket bytes in; records are decrypted *in place* there,
//!   and application data is read straight from there: the record is *held* in the
//!   deframer (see `Deframer::hold`) until the caller has consumed it. While it holds unread
//!   bytes, `process` does not decrypt further records: that is the back-pressure that
//!   keeps memory bounded. ([`records`])
//! - the handshake joiner's buffer, where handshake messages are reassembled across records
//!   (capped; see `record::joiner`);
//! - `sendable`: TLS bytes waiting to go to the peer. Application writes seal a record only
//!   when the whole sealed record fits in [`SENDABLE_CAPACITY`] (one maximal sealed record
//!   plus the TLS 1.0 1/n-1 split record). ([`Core`])
//!
//! How the two record buffers are sized is [`RecordBuffers`]: by default
//! ([`RecordBuffers::Preallocated`]) both are allocated at their maximum when the
//! connection is created, so once the handshake is complete moving application data never
//! allocates (DESIGN.md); with [`RecordBuffers::OnDemand`] they start empty, grow in steps
//! (4 KiB to receive, 1 KiB to send) to what the records need and are kept once grown — so
//! records stop allocating after the first large ones — and are freed when the handshake
//! completes (its flights are not what application data needs). Either way the joiner's
//! buffer is freed once the handshake is complete, and `Connection::release_buffers` frees
//! empty record buffers on request (they are then sized on demand).
//!
//! State: the handshake is a closed enum of per-state structs per side; each `handle`
//! consumes its state and returns the next. The façade keeps it in an `Option` that is
//! `None` only while a handler runs or after a fatal error, which is latched in the core and
//! returned by every later call. Cipher state changes only on ChangeCipherSpec: the pending
//! opener is installed when CCS arrives, the sealer right after we send ours. The last two
//! states, waiting for the peer's ChangeCipherSpec and Finished, are the same on both sides
//! ([`finish`]).

use ::core::fmt;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use rustls_pki_types::UnixTime;

use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::protection::{RecordOpener, RecordSealer};
use crate::crypto::suites::{self, SuiteParams};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::{
    CipherSuite, ContentType, HandshakeType, MaxFragmentLength, NamedGroup, ProtocolVersion,
};
use crate::msgs::handshake::{
    ClientHelloPayload, HandshakeMessage, HandshakePayload, Random, SessionId,
};
use crate::record::{HEADER_LEN, MAX_CIPHERTEXT, MAX_PLAINTEXT};

mod core;
pub(crate) mod finish;
pub(crate) mod records;

pub(crate) use self::core::Core;
pub(crate) use records::Records;

/// The last 8 bytes of a ServerHello random from a server that supports a higher version
/// than it negotiated (RFC 8446 §4.1.3): `DOWNGRD` then 0x00 for TLS 1.1 and below. The
/// server writes them, the client checks them.
pub const DOWNGRADE_SENTINEL_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// Receives secrets in the NSS key-log format (`CLIENT_RANDOM <random> <master>`), so tools
/// like Wireshark can decrypt a capture. Only installed when the caller asks; both sides
/// log through it.
pub trait KeyLog: fmt::Debug + Send + Sync {
    /// Logs one secret.
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]);
}

/// Largest overhead lucid adds when sealing one record: explicit IV (16), MAC (≤48, HMAC-SHA384),
/// padding (≤16).
pub(crate) const MAX_SEAL_OVERHEAD: usize = 16 + 48 + 16;

/// Largest capacity application writes grow the send buffer to: one maximal sealed record,
/// plus the one-byte record that the TLS 1.0 1/n-1 split puts in front of it.
pub const SENDABLE_CAPACITY: usize = sendable_capacity(MAX_PLAINTEXT);

/// The send buffer's largest capacity when records carry at most `max_fragment` bytes of
/// plaintext ([`SENDABLE_CAPACITY`] without max_fragment_length).
pub(crate) const fn sendable_capacity(max_fragment: usize) -> usize {
    (HEADER_LEN + max_fragment + MAX_SEAL_OVERHEAD) + (HEADER_LEN + 1 + MAX_SEAL_OVERHEAD)
}

/// The most record protection may add to a fragment under max_fragment_length: a 16-byte
/// explicit IV, a 48-byte MAC (HMAC-SHA384) and 256 bytes of CBC padding (its length byte
/// included) — the largest of any suite lucid implements, AEAD included. RFC 6066 §4:
/// a record longer than the limit plus this is refused with record_overflow before it is
/// decrypted (OpenSSL allows the same 320 bytes, `SSL3_RT_MAX_ENCRYPTED_OVERHEAD`).
pub(crate) const MFL_MAX_EXPANSION: usize = 16 + 48 + 256;

/// Largest record fragment (ciphertext) accepted when plaintext fragments are limited to
/// `max_fragment` bytes: 2^14 + 2048 without a limit (RFC 5246 §6.2.3), the limit plus
/// [`MFL_MAX_EXPANSION`] with one.
pub(crate) const fn max_ciphertext(max_fragment: usize) -> usize {
    if max_fragment >= MAX_PLAINTEXT {
        MAX_CIPHERTEXT
    } else {
        max_fragment + MFL_MAX_EXPANSION
    }
}

/// The plaintext fragment limit `mfl` stands for (2^14 without one).
pub(crate) fn fragment_limit(mfl: Option<MaxFragmentLength>) -> usize {
    mfl.and_then(MaxFragmentLength::fragment_len)
        .unwrap_or(MAX_PLAINTEXT)
        .min(MAX_PLAINTEXT)
}

/// Step in which application writes grow the send buffer.
pub(crate) const SENDABLE_STEP: usize = 1024;

/// How a connection sizes its two record buffers (receive: one ciphertext record; send:
/// one sealed record). Set in [`crate::ClientConfig`] /
/// [`crate::ServerConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordBuffers {
    /// Both buffers allocated at their maximum when the connection is created (18,437 +
    /// 16,523 bytes): after the handshake, application data in either direction never
    /// allocates. An established connection holds ~37 KB.
    #[default]
    Preallocated,
    /// Both buffers start empty and grow in steps to what the records need (at most the
    /// same maximum), then stay: a connection that exchanges small messages holds ~8 KB;
    /// the first larger records allocate (a few times in a connection's life), later ones
    /// never. For many mostly idle connections, or small devices.
    OnDemand,
}

/// Which side of the handshake this connection plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client (sends ClientHello).
    Client,
    /// The server.
    Server,
}

/// What the handshake agreed on, readable once it completes.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Protocol version.
    pub version: ProtocolVersion,
    /// Cipher suite.
    pub suite: CipherSuite,
    /// Extended master secret (RFC 7627) in use.
    pub extended_master_secret: bool,
    /// Encrypt-then-MAC (RFC 7366) in use.
    pub encrypt_then_mac: bool,
    /// The session id the server assigned (may be empty).
    pub session_id: SessionId,
    /// Whether this was an abbreviated (resumed) handshake.
    pub resumed: bool,
    /// Whether the peer signalled secure renegotiation (RFC 5746: renegotiation_info, or
    /// the client's TLS_EMPTY_RENEGOTIATION_INFO_SCSV). lucid never renegotiates either way;
    /// `false` means the peer's stack predates RFC 5746.
    pub secure_renegotiation: bool,
    /// The (EC)DHE group of a full handshake with an ephemeral key exchange; `None` for RSA
    /// key exchange and for resumed sessions (which run no key exchange).
    pub group: Option<NamedGroup>,
    /// On a server that asked for one (`ServerConfig::client_auth`): the client's
    /// certificate chain (DER, leaf first) as it passed the client-certificate verifier
    /// and the CertificateVerify check — also on a resumed session, which keeps its peer.
    /// Empty when the client sent none, and always on the client side.
    pub client_certificates: Vec<Vec<u8>>,
    /// The application protocol agreed with ALPN (RFC 7301), e.g. `b"http/1.1"`: the one the
    /// server selected from the client's `alpn_protocols`. `None` when either side has no
    /// list, or the server chose to answer without one. Negotiated afresh on every
    /// handshake, resumed ones included (RFC 7301 §3.1), never taken from the session.
    pub alpn_protocol: Option<Vec<u8>>,
    /// The max_fragment_length (RFC 6066 §4) in effect: both sides send records of at most
    /// this much plaintext and refuse longer ones with record_overflow, and the record
    /// buffers are sized for it. `None`: 2^14, TLS's own limit. A resumed session keeps
    /// the limit of the handshake that established it.
    pub max_fragment_length: Option<MaxFragmentLength>,
}

/// A message handed to a handshake state.
#[derive(Debug)]
pub(crate) enum Message<'a> {
    /// A whole handshake message: parsed, and its raw bytes (header included) for the
    /// transcript.
    Handshake {
        msg: HandshakeMessage,
        raw: &'a [u8],
    },
    /// An SSLv2-compatible ClientHello (server only), with the bytes the transcript covers.
    #[cfg_attr(
        not(feature = "server"),
        allow(
            dead_code,
            reason = "only a server reads an SSLv2-compatible ClientHello"
        )
    )]
    Sslv2ClientHello {
        hello: ClientHelloPayload,
        raw: &'a [u8],
    },
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
}

impl<'a> Message<'a> {
    /// The payload `pick` takes out of a handshake message, with the message's raw bytes
    /// (for the transcript); anything else — another handshake message, a
    /// ChangeCipherSpec — is [`PeerMisbehaved::UnexpectedMessage`] naming `expected`.
    pub(crate) fn expect_handshake<T>(
        self,
        expected: &'static str,
        pick: impl FnOnce(HandshakePayload) -> Option<T>,
    ) -> Result<(T, &'a [u8]), Error> {
        match self {
            Self::Handshake { msg, raw } => {
                let typ = msg.typ;
                pick(msg.payload).map(|t| (t, raw)).ok_or_else(|| {
                    PeerMisbehaved::UnexpectedMessage {
                        expected,
                        got: ContentType::HANDSHAKE,
                        got_handshake: Some(typ),
                    }
                    .into()
                })
            }
            other => Err(other.unexpected(expected)),
        }
    }

    pub(crate) fn unexpected(&self, expected: &'static str) -> Error {
        let (got, got_handshake) = match self {
            Self::Handshake { msg, .. } => (ContentType::HANDSHAKE, Some(msg.typ)),
            Self::Sslv2ClientHello { .. } => {
                (ContentType::HANDSHAKE, Some(HandshakeType::CLIENT_HELLO))
            }
            Self::ChangeCipherSpec => (ContentType::CHANGE_CIPHER_SPEC, None),
        };
        PeerMisbehaved::UnexpectedMessage {
            expected,
            got,
            got_handshake,
        }
        .into()
    }
}

/// Per-call inputs handed to handshake states: the caller's clock and RNG.
pub(crate) struct Context<'a> {
    pub(crate) now: UnixTime,
    pub(crate) rng: &'a mut dyn CryptoRng,
}

/// Record protection from the key block (RFC 5246 §6.3): this side's sealer and the
/// peer's opener. The key block is cut the same way on both sides; which half is "ours"
/// depends only on `side`.
pub(crate) fn record_protection(
    side: Side,
    version: ProtocolVersion,
    suite: &'static SuiteParams,
    master: &MasterSecret,
    client_random: &Random,
    server_random: &Random,
    etm: bool,
) -> Result<(RecordSealer, RecordOpener), Error> {
    let kb = keys::key_block(version, master, suite, &client_random.0, &server_random.0);
    let client = (
        kb.client_write_mac_key(),
        kb.client_write_key(),
        kb.client_write_iv(),
    );
    let server = (
        kb.server_write_mac_key(),
        kb.server_write_key(),
        kb.server_write_iv(),
    );
    let (ours, theirs) = match side {
        Side::Client => (client, server),
        Side::Server => (server, client),
    };
    Ok((
        RecordSealer::new(suite, version, ours.0, ours.1, ours.2, etm)?,
        RecordOpener::new(suite, version, theirs.0, theirs.1, theirs.2, etm)?,
    ))
}

/// What every client and server configuration must satisfy: a version range inside
/// TLS 1.0..=TLS 1.2, and at least one suite lucid implements that the range allows.
/// A configured ALPN list must encode: every name 1..=255 bytes (RFC 7301 §3.1), the whole
/// list within its 16-bit length.
pub(crate) fn check_alpn_protocols(names: &[Vec<u8>]) -> Result<(), Error> {
    if names.iter().any(|n| n.is_empty() || n.len() > 255) {
        return Err(Error::Misuse(
            "alpn_protocols: every protocol name must be 1 to 255 bytes (RFC 7301)",
        ));
    }
    let encoded: usize = names.iter().map(|n| 1 + n.len()).sum();
    if encoded > 0xffff {
        return Err(Error::Misuse(
            "alpn_protocols: the list must encode in at most 65535 bytes",
        ));
    }
    Ok(())
}

pub(crate) fn check_versions_and_suites(
    min: ProtocolVersion,
    max: ProtocolVersion,
    cipher_suites: &[CipherSuite],
    allow_legacy_ciphers: bool,
) -> Result<(), Error> {
    // A legacy suite only with the opt-in; the error says what is weak about it.
    if !allow_legacy_ciphers {
        if let Some(weakness) = cipher_suites
            .iter()
            .find_map(|s| suites::lookup(*s).and_then(|p| p.legacy))
        {
            return Err(Error::Misuse(weakness));
        }
    }
    let ok = |v: ProtocolVersion| {
        (ProtocolVersion::TLSV1_0.get()..=ProtocolVersion::TLSV1_2.get()).contains(&v.get())
    };
    if !ok(min) || !ok(max) || min > max {
        return Err(Error::Misuse(
            "version range must lie within TLS 1.0..=TLS 1.2",
        ));
    }
    if !cipher_suites.iter().any(|s| usable_up_to(*s, max)) {
        return Err(Error::Misuse(
            "no cipher suite usable with the configured versions",
        ));
    }
    Ok(())
}

/// Whether lucid implements `suite` and some version up to `max` allows it.
pub(crate) fn usable_up_to(suite: CipherSuite, max: ProtocolVersion) -> bool {
    suites::lookup(suite).is_some_and(|p| !p.tls12_only || max >= ProtocolVersion::TLSV1_2)
}

/// The suite table entry for a suite both sides already agreed on.
pub(crate) fn suite_params(suite: CipherSuite) -> Result<&'static SuiteParams, Error> {
    suites::lookup(suite).ok_or(Error::Internal("unknown suite"))
}
