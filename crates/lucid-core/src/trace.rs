//! Trace events: what a handshake does, byte by byte, for observers the caller installs.
//!
//! A connection with no [`Observer`] pays one branch per event site and builds nothing.
//! Events borrow from the connection for the duration of the callback (their `Cow`
//! fields are `Borrowed`); an observer that keeps them calls [`Event::into_owned`] for an
//! `Event<'static>`, the same type with owned fields, so recorders need no event type of
//! their own. Secret values (pre-master and master secret, keys) are
//! only included when the observer asks for them through [`Observer::wants_secrets`], as for
//! the key log.
//!
//! lucid-core has no clock: drivers stamp events with a monotonic time as they receive them.

use alloc::borrow::{Cow, ToOwned};
use core::fmt;

use crate::msgs::enums::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, NamedGroup, ProtocolVersion,
};
use crate::msgs::handshake::HandshakeMessage;
use crate::x509::VerifiedChain;

/// The wire vocabulary trace events carry: registries (versions, suites, content types,
/// alerts, ...) and decoded handshake messages, for observers that render them.
pub mod wire {
    pub use crate::msgs::enums::{
        AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, Compression, ContentType,
        EcCurveType, EcPointFormat, ExtensionType, HandshakeType, MaxFragmentLength, NamedGroup,
        ProtocolVersion, ServerNameType, SignatureScheme,
    };
    pub use crate::msgs::extensions::{ClientExtension, ServerExtension, ServerNameEntry};
    pub use crate::msgs::handshake::{
        CertificatePayload, CertificateRequestPayload, ClientHelloPayload,
        ClientKeyExchangePayload, DigitallySigned, HandshakeMessage, HandshakePayload, Random,
        ServerEcdhParams, ServerHelloPayload, ServerKeyExchangePayload, SessionId,
        UnknownExtensions,
    };
}

/// Which way bytes travelled, from this endpoint's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Written by this endpoint.
    Sent,
    /// Received from the peer.
    Received,
}

/// One step of a connection, as seen from this endpoint.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A record crossed the wire (RFC 5246 §6.2).
    Record {
        /// Direction.
        dir: Direction,
        /// Offset of the record header in this direction's byte stream.
        offset: u64,
        /// Content type from the header.
        typ: ContentType,
        /// Version field from the header.
        version: ProtocolVersion,
        /// Length field from the header (the protected length when encrypted).
        len: usize,
        /// The 5 header bytes.
        header: [u8; 5],
        /// Whether the record was protected (encrypted and MACed).
        protected: bool,
    },
    /// A whole handshake message (after reassembly / before fragmentation).
    Handshake {
        /// Direction.
        dir: Direction,
        /// The decoded message.
        msg: Cow<'a, HandshakeMessage>,
        /// Its bytes, 4-byte header included: exactly what the transcript hashes.
        raw: Cow<'a, [u8]>,
    },
    /// An SSLv2-compatible ClientHello was received (RFC 5246 appendix E.2).
    Sslv2ClientHello {
        /// Its bytes from msg_type on.
        raw: Cow<'a, [u8]>,
    },
    /// ChangeCipherSpec: from here on this direction is protected.
    ChangeCipherSpec {
        /// Direction.
        dir: Direction,
    },
    /// An alert.
    Alert {
        /// Direction.
        dir: Direction,
        /// Level.
        level: AlertLevel,
        /// Description.
        description: AlertDescription,
    },
    /// Application data (length only; lucid never traces its content).
    ApplicationData {
        /// Direction.
        dir: Direction,
        /// Plaintext length.
        len: usize,
    },
    /// A key-schedule step.
    KeySchedule(KeyScheduleEvent<'a>),
    /// The server's certificate chain was checked.
    CertificateVerified {
        /// The verified path, when the verifier builds one (the pinned-leaf verifier does
        /// not).
        chain: Option<Cow<'a, VerifiedChain>>,
        /// The name the certificate was checked against; empty for a client certificate
        /// verified by a server (checked for client authentication, not for a name).
        server_name: Cow<'a, str>,
    },
    /// A Finished message's verify_data (RFC 5246 §7.4.9).
    Finished {
        /// Direction.
        dir: Direction,
        /// The 12 bytes of verify_data.
        verify_data: Cow<'a, [u8]>,
        /// The transcript hash it was computed over.
        transcript_hash: Cow<'a, [u8]>,
        /// PRF label: "client finished" or "server finished".
        label: &'static str,
    },
    /// What happened to session resumption.
    Resumption(ResumptionEvent),
    /// How the peer's hello signalled secure renegotiation (RFC 5746). The server emits
    /// this when it reads the ClientHello.
    RenegotiationSignal(RenegotiationSignal),
    /// The handshake completed.
    HandshakeComplete {
        /// Version.
        version: ProtocolVersion,
        /// Suite.
        suite: CipherSuite,
        /// Whether the handshake was abbreviated.
        resumed: bool,
    },
}

fn owned<T: ToOwned + ?Sized>(c: Cow<'_, T>) -> Cow<'static, T> {
    Cow::Owned(c.into_owned())
}

impl Event<'_> {
    /// The same event with owned fields, for observers that keep events past the callback.
    pub fn into_owned(self) -> Event<'static> {
        match self {
            Self::Record {
                dir,
                offset,
                typ,
                version,
                len,
                header,
                protected,
            } => Event::Record {
                dir,
                offset,
                typ,
                version,
                len,
                header,
                protected,
            },
            Self::Handshake { dir, msg, raw } => Event::Handshake {
                dir,
                msg: owned(msg),
                raw: owned(raw),
            },
            Self::Sslv2ClientHello { raw } => Event::Sslv2ClientHello { raw: owned(raw) },
            Self::ChangeCipherSpec { dir } => Event::ChangeCipherSpec { dir },
            Self::Alert {
                dir,
                level,
                description,
            } => Event::Alert {
                dir,
                level,
                description,
            },
            Self::ApplicationData { dir, len } => Event::ApplicationData { dir, len },
            Self::KeySchedule(k) => Event::KeySchedule(k.into_owned()),
            Self::CertificateVerified { chain, server_name } => Event::CertificateVerified {
                chain: chain.map(owned),
                server_name: owned(server_name),
            },
            Self::Finished {
                dir,
                verify_data,
                transcript_hash,
                label,
            } => Event::Finished {
                dir,
                verify_data: owned(verify_data),
                transcript_hash: owned(transcript_hash),
                label,
            },
            Self::Resumption(r) => Event::Resumption(r),
            Self::RenegotiationSignal(r) => Event::RenegotiationSignal(r),
            Self::HandshakeComplete {
                version,
                suite,
                resumed,
            } => Event::HandshakeComplete {
                version,
                suite,
                resumed,
            },
        }
    }
}

impl KeyScheduleEvent<'_> {
    /// The same step with owned fields.
    pub fn into_owned(self) -> KeyScheduleEvent<'static> {
        match self {
            Self::PreMasterSecret {
                len,
                client_version,
                secret,
            } => KeyScheduleEvent::PreMasterSecret {
                len,
                client_version,
                secret: secret.map(owned),
            },
            Self::EcdhSharedSecret { group, len, secret } => KeyScheduleEvent::EcdhSharedSecret {
                group,
                len,
                secret: secret.map(owned),
            },
            Self::DhSharedSecret {
                prime_bits,
                len,
                secret,
            } => KeyScheduleEvent::DhSharedSecret {
                prime_bits,
                len,
                secret: secret.map(owned),
            },
            Self::MasterSecret {
                label,
                seed_len,
                secret,
            } => KeyScheduleEvent::MasterSecret {
                label,
                seed_len,
                secret: secret.map(owned),
            },
            Self::KeyBlock {
                len,
                mac_key_len,
                enc_key_len,
                iv_len,
            } => KeyScheduleEvent::KeyBlock {
                len,
                mac_key_len,
                enc_key_len,
                iv_len,
            },
        }
    }
}

/// How a hello signalled secure renegotiation (RFC 5746 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenegotiationSignal {
    /// An empty renegotiation_info extension.
    Extension,
    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV in the cipher suites (a client only).
    Scsv,
    /// Neither: the peer's stack predates RFC 5746 (February 2010). lucid never
    /// renegotiates, so a server serves it unless configured to require RFC 5746.
    Absent,
}

/// Key-schedule steps (RFC 5246 §8.1, §6.3; RFC 7627 §4).
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum KeyScheduleEvent<'a> {
    /// The pre-master secret was chosen (client) or recovered (server).
    PreMasterSecret {
        /// Its length (48 for RSA key exchange).
        len: usize,
        /// The client_version bytes it starts with.
        client_version: ProtocolVersion,
        /// The value, only when the observer wants secrets.
        secret: Option<Cow<'a, [u8]>>,
    },
    /// The ECDH shared secret was computed: the pre-master secret of an ECDHE handshake
    /// (RFC 8422 §5.10: the x-coordinate of the shared point, or the x25519 output).
    EcdhSharedSecret {
        /// The group.
        group: NamedGroup,
        /// Its length (32 for x25519 and secp256r1, 48 for secp384r1).
        len: usize,
        /// The value, only when the observer wants secrets.
        secret: Option<Cow<'a, [u8]>>,
    },
    /// The finite-field DHE shared secret (the pre-master secret of a DHE suite, RFC 5246
    /// §8.1.2: leading zero bytes stripped) was computed.
    DhSharedSecret {
        /// The size of the server's prime.
        prime_bits: usize,
        /// The secret's length after stripping.
        len: usize,
        /// The value, only when the observer wants secrets.
        secret: Option<Cow<'a, [u8]>>,
    },
    /// The master secret was derived.
    MasterSecret {
        /// "master secret" or "extended master secret".
        label: &'static str,
        /// Seed length: 64 (the two randoms) or the session hash length.
        seed_len: usize,
        /// The value, only when the observer wants secrets.
        secret: Option<Cow<'a, [u8]>>,
    },
    /// The key block was expanded ("key expansion", seed server_random ‖ client_random).
    KeyBlock {
        /// Total bytes of key material.
        len: usize,
        /// MAC key length per direction.
        mac_key_len: usize,
        /// Encryption key length per direction.
        enc_key_len: usize,
        /// Fixed IV length per direction (16 on TLS 1.0, 0 after).
        iv_len: usize,
    },
}

/// Session resumption outcomes.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumptionEvent {
    /// The client offered a cached session.
    Offered,
    /// The client had no session to offer.
    NotOffered,
    /// Both sides agreed on an abbreviated handshake.
    Resumed,
    /// The server declined the offered session; a full handshake follows.
    Declined,
    /// The session was stored for later resumption.
    Stored,
}

/// Receives [`Event`]s from a connection.
pub trait Observer: Send {
    /// Called for each event, in order.
    fn on_event(&mut self, event: &Event<'_>);

    /// Whether secret values may be included in events (default: no).
    fn wants_secrets(&self) -> bool {
        false
    }
}

/// The installed observer, if any, behind the cheap check every event site makes.
#[derive(Default)]
pub(crate) struct Tracer {
    observer: Option<alloc::boxed::Box<dyn Observer>>,
}

impl Tracer {
    pub(crate) fn set(&mut self, observer: alloc::boxed::Box<dyn Observer>) {
        self.observer = Some(observer);
    }

    pub(crate) fn take(&mut self) -> Option<alloc::boxed::Box<dyn Observer>> {
        self.observer.take()
    }

    /// Whether anyone listens: event sites check this before building an event.
    #[inline]
    pub(crate) fn on(&self) -> bool {
        self.observer.is_some()
    }

    /// Whether secrets may be traced.
    pub(crate) fn secrets(&self) -> bool {
        self.observer.as_ref().is_some_and(|o| o.wants_secrets())
    }

    #[inline]
    pub(crate) fn emit(&mut self, event: &Event<'_>) {
        if let Some(o) = self.observer.as_mut() {
            o.on_event(event);
        }
    }
}

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.on() {
            "Tracer(on)"
        } else {
            "Tracer(off)"
        })
    }
}
