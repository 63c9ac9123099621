//! The sans-IO connection surface shared by client and server.
//!
//! # Implementation notes
//!
//! A [`Connection`] owns three bounded buffers:
//!
//! - the [`Deframer`]'s receive buffer (at most one maximal ciphertext record, 5 + 2^14 +
//!   2048 bytes): the caller copies socket bytes in; records are decrypted *in place* there, and
//!   application data is read straight from there: the record is *held* in the deframer
//!   (see `Deframer::hold`) until the caller has consumed it. While it holds unread bytes,
//!   `process` does not decrypt further records: that is the back-pressure that keeps
//!   memory bounded.
//! - the [`HandshakeJoiner`]'s buffer, where handshake messages are reassembled across records
//!   (capped; see `record::joiner`);
//! - `sendable`: TLS bytes waiting to go to the peer. Application writes seal a record only
//!   when the whole sealed record fits in [`SENDABLE_CAPACITY`] (one maximal sealed record
//!   plus the TLS 1.0 1/n-1 split record).
//!
//! How the two record buffers are sized is [`RecordBuffers`]: by default
//! ([`RecordBuffers::Preallocated`]) both are allocated at their maximum in `new`, so once
//! the handshake is complete moving application data never allocates (DESIGN.md); with
//! [`RecordBuffers::OnDemand`] they start empty, grow in steps (4 KiB to receive, 1 KiB to
//! send) to what the records need and are kept once grown — so records stop allocating
//! after the first large ones — and are freed when the handshake completes (its flights
//! are not what application data needs). Either way the joiner's buffer is freed once the
//! handshake is complete, and [`Connection::release_buffers`] frees empty record buffers on
//! request (they are then sized on demand).
//!
//! State: the handshake is a closed enum of per-state structs ([`crate::client`],
//! [`crate::server`]); each `handle` consumes its state and returns the next. `state` is
//! `None` only while a handler runs or after a fatal error, which is latched in `error` and
//! returned by every later call. Cipher state changes only on ChangeCipherSpec: the pending
//! opener is installed when CCS arrives, the sealer right after we send ours.

use alloc::vec::Vec;

use alloc::boxed::Box;

use rand_core::CryptoRng;
use rustls_pki_types::UnixTime;
use subtle::ConstantTimeEq;

use crate::codec::Codec;
use crate::crypto::cbc::{RecordOpener, RecordSealer};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::alert::AlertMessage;
use crate::msgs::enums::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, ProtocolVersion,
};
use crate::msgs::handshake::{HandshakeMessage, HandshakePayload, SessionId};
use crate::record::deframer::{Deframed, Deframer};
use crate::record::joiner::HandshakeJoiner;
use crate::record::{HEADER_LEN, MAX_PLAINTEXT, RecordHeader};
use crate::trace::{Direction, Event, KeyScheduleEvent, Observer, Tracer};

/// Largest overhead lucid adds when sealing one record: explicit IV (16), MAC (≤32),
/// padding (≤16).
const MAX_SEAL_OVERHEAD: usize = 16 + 32 + 16;

/// Largest capacity application writes grow the send buffer to: one maximal sealed record,
/// plus the one-byte record that the TLS 1.0 1/n-1 split puts in front of it.
pub const SENDABLE_CAPACITY: usize =
    (HEADER_LEN + MAX_PLAINTEXT + MAX_SEAL_OVERHEAD) + (HEADER_LEN + 1 + MAX_SEAL_OVERHEAD);

/// Step in which application writes grow the send buffer.
const SENDABLE_STEP: usize = 1024;

/// How a connection sizes its two record buffers (receive: one ciphertext record; send:
/// one sealed record). Set in [`crate::client::ClientConfig`] /
/// [`crate::server::ServerConfig`].
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
    Sslv2ClientHello {
        hello: crate::msgs::handshake::ClientHelloPayload,
        raw: &'a [u8],
    },
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
}

impl Message<'_> {
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

/// The state all handshake states write through: record protection, outgoing bytes, and
/// what has been negotiated.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) side: Side,
    /// Version written on outgoing records.
    pub(crate) record_version: ProtocolVersion,
    /// The negotiated version, once known; incoming records must then carry it.
    pub(crate) version: Option<ProtocolVersion>,
    sealer: Option<RecordSealer>,
    opener: Option<RecordOpener>,
    pending_opener: Option<RecordOpener>,
    sendable: Vec<u8>,
    pub(crate) negotiated: Option<Negotiated>,
    /// Split application data 1/n-1 (TLS 1.0 CBC, BEAST countermeasure).
    split_1_n_minus_1: bool,
    peer_closed: bool,
    close_sent: bool,
    error: Option<Error>,
    /// Warning alerts received (other than close_notify), most recent last; bounded.
    warnings: Vec<AlertDescription>,
    /// Largest plaintext fragment we send (2^14 unless max_fragment_length says less).
    max_fragment: usize,
    /// Bytes written so far (offset of the next record header we send).
    tx_offset: u64,
    /// Renegotiation attempts refused so far.
    renegotiation_refusals: u8,
    /// [`RecordBuffers::OnDemand`]: record buffers are freed when the handshake completes.
    on_demand: bool,
    /// The caller's observer, if any.
    pub(crate) tracer: Tracer,
    /// Server side: the host name the client asked for (SNI), once the ClientHello is in.
    pub(crate) sni: Option<alloc::string::String>,
}

/// How many renegotiation attempts lucid refuses with a warning before ending the
/// connection.
const MAX_RENEGOTIATION_REFUSALS: usize = 8;

/// How many received warning alerts lucid tolerates before treating the peer as abusive.
const MAX_WARNING_ALERTS: usize = 16;

impl Core {
    /// Makes room for `len` more bytes in `sendable` without going over
    /// [`SENDABLE_CAPACITY`]; false when they do not fit.
    fn reserve_sendable(&mut self, len: usize) -> bool {
        let want = self.sendable.len().saturating_add(len);
        if want > SENDABLE_CAPACITY.max(self.sendable.capacity()) {
            return false;
        }
        if want > self.sendable.capacity() {
            let cap = want
                .next_multiple_of(SENDABLE_STEP)
                .max(self.sendable.capacity().saturating_mul(2))
                .min(SENDABLE_CAPACITY);
            self.sendable
                .reserve_exact(cap.saturating_sub(self.sendable.len()));
        }
        true
    }

    fn new(side: Side) -> Self {
        Self {
            side,
            record_version: ProtocolVersion::TLSV1_0,
            version: None,
            sealer: None,
            opener: None,
            pending_opener: None,
            sendable: Vec::new(),
            negotiated: None,
            split_1_n_minus_1: false,
            peer_closed: false,
            close_sent: false,
            error: None,
            warnings: Vec::new(),
            max_fragment: MAX_PLAINTEXT,
            tx_offset: 0,
            renegotiation_refusals: 0,
            on_demand: false,
            tracer: Tracer::default(),
            sni: None,
        }
    }

    /// Fixes the protocol version: outgoing records carry it from now on and incoming
    /// records must.
    pub(crate) fn set_version(&mut self, v: ProtocolVersion) {
        self.version = Some(v);
        self.record_version = v;
    }

    /// Encodes `msg`, appends its bytes to `transcript` (when given) and queues it.
    pub(crate) fn send_handshake(
        &mut self,
        msg: &HandshakeMessage,
        transcript: Option<&mut Transcript>,
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let mut bytes = Vec::new();
        msg.encode(&mut bytes);
        if let Some(t) = transcript {
            t.add(&bytes);
        }
        self.send_record(ContentType::HANDSHAKE, &bytes, rng)?;
        if self.tracer.on() {
            self.tracer.emit(&Event::Handshake {
                dir: Direction::Sent,
                msg,
                raw: &bytes,
            });
        }
        Ok(())
    }

    /// Sends ChangeCipherSpec and switches outgoing records to `sealer`.
    pub(crate) fn send_ccs(
        &mut self,
        sealer: RecordSealer,
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        self.send_record(ContentType::CHANGE_CIPHER_SPEC, &[1], rng)?;
        self.sealer = Some(sealer);
        self.tracer.emit(&Event::ChangeCipherSpec {
            dir: Direction::Sent,
        });
        Ok(())
    }

    /// Keys for the peer's direction, installed when its ChangeCipherSpec arrives.
    pub(crate) fn set_pending_opener(&mut self, opener: RecordOpener) {
        self.pending_opener = Some(opener);
    }

    /// Marks the handshake complete with what was agreed.
    pub(crate) fn complete(&mut self, negotiated: Negotiated) {
        self.tracer.emit(&Event::HandshakeComplete {
            version: negotiated.version,
            suite: negotiated.suite,
            resumed: negotiated.resumed,
        });
        self.split_1_n_minus_1 = negotiated.version == ProtocolVersion::TLSV1_0;
        self.negotiated = Some(negotiated);
    }

    /// Traces the pre-master secret (its value only for observers that want secrets).
    pub(crate) fn trace_pre_master(&mut self, pms: &[u8]) {
        if !self.tracer.on() {
            return;
        }
        let mut v = [0u8; 2];
        if let Some(head) = pms.first_chunk::<2>() {
            v = *head;
        }
        let secret = self.tracer.secrets().then_some(pms);
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::PreMasterSecret {
                len: pms.len(),
                client_version: ProtocolVersion(u16::from_be_bytes(v)),
                secret,
            }));
    }

    /// Traces the master secret derivation and the key block expansion that follows.
    pub(crate) fn trace_key_schedule(
        &mut self,
        extended: bool,
        seed_len: usize,
        master: &MasterSecret,
        suite: &SuiteParams,
        version: ProtocolVersion,
    ) {
        if !self.tracer.on() {
            return;
        }
        let secret = self.tracer.secrets().then_some(&master.as_bytes()[..]);
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::MasterSecret {
                label: if extended {
                    "extended master secret"
                } else {
                    "master secret"
                },
                seed_len,
                secret,
            }));
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::KeyBlock {
                len: suite.key_block_len(version),
                mac_key_len: suite.mac_len(),
                enc_key_len: suite.enc_key_len,
                iv_len: suite.fixed_iv_len(version),
            }));
    }

    /// Computes our Finished over the transcript so far, traces it, sends it and adds it to
    /// the transcript (RFC 5246 §7.4.9), labelled for this side.
    pub(crate) fn send_finished(
        &mut self,
        rng: &mut dyn CryptoRng,
        master: &MasterSecret,
        transcript: &mut Transcript,
        version: ProtocolVersion,
    ) -> Result<(), Error> {
        let label = finished_label(self.side);
        let hash = transcript.current_hash();
        let verify_data = keys::verify_data(version, master, label.as_bytes(), hash.as_ref());
        self.trace_finished(Direction::Sent, label, &verify_data, hash.as_ref());
        let fin = HandshakeMessage::new(HandshakePayload::Finished(verify_data.to_vec()));
        self.send_handshake(&fin, Some(transcript), rng)
    }

    /// Checks the peer's Finished in constant time against the transcript so far (which
    /// must not include it yet), then traces it.
    pub(crate) fn check_peer_finished(
        &mut self,
        master: &MasterSecret,
        transcript: &Transcript,
        version: ProtocolVersion,
        received: &[u8],
    ) -> Result<(), Error> {
        let label = finished_label(match self.side {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        });
        let hash = transcript.current_hash();
        let expected = keys::verify_data(version, master, label.as_bytes(), hash.as_ref());
        if !bool::from(expected.as_slice().ct_eq(received)) {
            return Err(PeerMisbehaved::BadFinished.into());
        }
        self.trace_finished(Direction::Received, label, received, hash.as_ref());
        Ok(())
    }

    /// Traces a Finished message's verify_data and the hash it covers.
    pub(crate) fn trace_finished(
        &mut self,
        dir: Direction,
        label: &'static str,
        verify_data: &[u8],
        transcript_hash: &[u8],
    ) {
        self.tracer.emit(&Event::Finished {
            dir,
            verify_data,
            transcript_hash,
            label,
        });
    }

    fn is_complete(&self) -> bool {
        self.negotiated.is_some()
    }

    /// Fragments `payload` into records of at most `max_fragment` bytes, sealing them when a
    /// sealer is active.
    fn send_record(
        &mut self,
        typ: ContentType,
        payload: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        for chunk in payload.chunks(self.max_fragment) {
            self.seal_one(typ, chunk, rng)?;
        }
        Ok(())
    }

    fn seal_one(
        &mut self,
        typ: ContentType,
        fragment: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let start = self.sendable.len();
        self.seal_into_sendable(typ, fragment, rng)?;
        let written = self.sendable.len() - start;
        if self.tracer.on() {
            let mut header = [0u8; HEADER_LEN];
            if let Some(h) = self.sendable.get(start..start + HEADER_LEN) {
                header.copy_from_slice(h);
            }
            self.tracer.emit(&Event::Record {
                dir: Direction::Sent,
                offset: self.tx_offset,
                typ,
                version: self.record_version,
                len: written.saturating_sub(HEADER_LEN),
                header,
                protected: self.sealer.is_some(),
            });
        }
        self.tx_offset += written as u64;
        Ok(())
    }

    fn seal_into_sendable(
        &mut self,
        typ: ContentType,
        fragment: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        match self.sealer.as_mut() {
            Some(sealer) => {
                sealer.seal(typ, self.record_version, fragment, &mut self.sendable, rng)
            }
            None => {
                let len = u16::try_from(fragment.len())
                    .map_err(|_| Error::Internal("record too long"))?;
                RecordHeader {
                    typ,
                    version: self.record_version,
                    len,
                }
                .encode(&mut self.sendable);
                self.sendable.extend_from_slice(fragment);
                Ok(())
            }
        }
    }

    fn send_alert(
        &mut self,
        level: AlertLevel,
        description: AlertDescription,
        rng: &mut dyn CryptoRng,
    ) {
        let body = AlertMessage { level, description }.get_encoding();
        // Best effort: if sealing fails (sequence exhausted) there is nothing better to send.
        if self.seal_one(ContentType::ALERT, &body, rng).is_ok() {
            self.tracer.emit(&Event::Alert {
                dir: Direction::Sent,
                level,
                description,
            });
        }
    }
}

/// The PRF label of the Finished message `side` sends.
fn finished_label(side: Side) -> &'static str {
    match side {
        Side::Client => "client finished",
        Side::Server => "server finished",
    }
}

/// Client- or server-side handshake state.
#[derive(Debug)]
pub(crate) enum State {
    Client(crate::client::ClientState),
    Server(crate::server::ServerState),
}

impl State {
    fn handle(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<Self, Error> {
        match self {
            Self::Client(s) => s.handle(core, cx, msg).map(Self::Client),
            Self::Server(s) => s.handle(core, cx, msg).map(Self::Server),
        }
    }
}

/// A TLS connection, client or server, that consumes and produces bytes.
///
/// # Calling contract
///
/// lucid never touches a socket, a clock or an RNG of its own. The caller drives it:
///
/// 1. The caller MUST copy bytes received from the transport in with [`Self::read_tls`]
///    (or [`Self::recv_buf`] + [`Self::recv_ack`]), then call [`Self::process`] with the
///    current time and a cryptographically secure RNG. `process` handles every whole record
///    buffered; "need more bytes" is not an error — it simply returns `Ok`.
/// 2. After every call that may produce output (`process`, `write_plaintext`,
///    `send_close_notify`, and after an error), the caller MUST send [`Self::pending_tls`] to
///    the peer and then report how much went out with [`Self::consume_tls`].
/// 3. Decrypted application data is read with [`Self::read_plaintext`]. While unread
///    plaintext is pending, `process` decrypts no further records (back-pressure): the
///    caller SHOULD read it and then call `process` again.
/// 4. [`Self::write_plaintext`] MUST only be called once [`Self::is_handshaking`] is false.
///    It accepts as much as fits in the send buffer and returns the count; the caller
///    flushes and calls again for the rest.
/// 5. When the transport reports end of stream, the caller MUST call
///    [`Self::transport_eof`]: it returns `Ok` only if the peer sent close_notify first,
///    and [`Error::UnexpectedEof`] otherwise (possible truncation attack).
/// 6. Any error is fatal and latched: the alert to send (if any) is already queued in
///    `pending_tls`; the caller SHOULD flush it and close the transport.
#[derive(Debug)]
pub struct Connection {
    deframer: Deframer,
    joiner: HandshakeJoiner,
    core: Core,
    state: Option<State>,
    /// Bytes received and deframed so far (offset of the next record header).
    rx_offset: u64,
    /// Unread application data: `held_record()[plain_from..plain_to]` of the deframer's
    /// held record. Empty (`plain_from == plain_to`) when nothing is held.
    plain_from: usize,
    plain_to: usize,
}

impl Connection {
    pub(crate) fn new(side: Side, state: State, buffers: RecordBuffers) -> Self {
        let mut deframer = Deframer::new();
        let mut core = Core::new(side);
        core.on_demand = buffers == RecordBuffers::OnDemand;
        if !core.on_demand {
            deframer.preallocate();
            core.sendable.reserve_exact(SENDABLE_CAPACITY);
        }
        if side == Side::Server {
            // RFC 5246 appendix E.2: servers accept an SSLv2-compatible first ClientHello.
            deframer.allow_sslv2_client_hello();
        }
        Self {
            deframer,
            joiner: HandshakeJoiner::new(),
            core,
            state: Some(state),
            rx_offset: 0,
            plain_from: 0,
            plain_to: 0,
        }
    }

    /// Installs an observer that receives every [`Event`] from now on (see
    /// [`crate::trace`]). Client and server constructors also take one, so the first
    /// flight is traced too.
    pub fn set_observer(&mut self, observer: Box<dyn Observer>) {
        self.core.tracer.set(observer);
    }

    /// Removes and returns the observer.
    pub fn take_observer(&mut self) -> Option<Box<dyn Observer>> {
        self.core.tracer.take()
    }

    /// The shared handshake state (read-only), for the client and server wrappers.
    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    /// Which side this connection plays.
    pub fn side(&self) -> Side {
        self.core.side
    }

    /// Copies received transport bytes in; returns how many were taken (the rest must be
    /// offered again after `process`, and after reading the pending plaintext: its record
    /// stays in the receive buffer until it is consumed).
    pub fn read_tls(&mut self, input: &[u8]) -> usize {
        self.deframer.read_tls(input)
    }

    /// Free space the caller may fill directly from the transport (zero-copy receive).
    /// Possibly empty while unread plaintext is pending (see [`Self::read_tls`]).
    pub fn recv_buf(&mut self) -> &mut [u8] {
        self.deframer.recv_buf()
    }

    /// Reports that `n` bytes were written into [`Self::recv_buf`].
    pub fn recv_ack(&mut self, n: usize) {
        self.deframer.recv_ack(n);
    }

    /// TLS bytes waiting to be sent to the peer.
    pub fn pending_tls(&self) -> &[u8] {
        &self.core.sendable
    }

    /// Whether there are TLS bytes waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.core.sendable.is_empty()
    }

    /// Reports that the first `n` bytes of [`Self::pending_tls`] were sent.
    pub fn consume_tls(&mut self, n: usize) {
        let n = n.min(self.core.sendable.len());
        self.core.sendable.drain(..n);
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        !self.core.is_complete() && self.core.error.is_none()
    }

    /// What the handshake agreed on, once it has completed.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.core.negotiated.as_ref()
    }

    /// Whether the peer has sent close_notify.
    pub fn peer_has_closed(&self) -> bool {
        self.core.peer_closed
    }

    /// The fatal error that ended this connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.core.error.as_ref()
    }

    /// Warning alerts received from the peer (close_notify excluded), oldest first.
    pub fn received_warnings(&self) -> &[AlertDescription] {
        &self.core.warnings
    }

    /// Processes every whole record buffered. See the calling contract on [`Connection`].
    pub fn process(&mut self, now: UnixTime, rng: &mut dyn CryptoRng) -> Result<(), Error> {
        if let Some(e) = &self.core.error {
            return Err(e.clone());
        }
        let mut cx = Context { now, rng };
        match self.process_records(&mut cx) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e, cx.rng)),
        }
    }

    /// Latches `e`, queues the alert it maps to, and returns it.
    fn fail(&mut self, e: Error, rng: &mut dyn CryptoRng) -> Error {
        if let Some(alert) = e.alert() {
            self.core.send_alert(AlertLevel::FATAL, alert, rng);
        }
        self.state = None;
        self.core.error = Some(e.clone());
        e
    }

    /// Starts the handshake if this side speaks first (the client's ClientHello).
    pub(crate) fn start(&mut self, now: UnixTime, rng: &mut dyn CryptoRng) -> Result<(), Error> {
        let mut cx = Context { now, rng };
        let state = self.state.take();
        let res = match state {
            Some(State::Client(s)) => s.start(&mut self.core, &mut cx).map(State::Client),
            Some(other) => Ok(other),
            None => Err(Error::Misuse("connection already failed")),
        };
        match res {
            Ok(s) => {
                self.state = Some(s);
                Ok(())
            }
            Err(e) => Err(self.fail(e, cx.rng)),
        }
    }

    fn process_records(&mut self, cx: &mut Context<'_>) -> Result<(), Error> {
        loop {
            if !self.plaintext().is_empty() {
                // back-pressure: the caller reads before we decrypt more
                return Ok(());
            }
            let Some(deframed) = self.deframer.pop()? else {
                return Ok(());
            };
            let record = match deframed {
                Deframed::Record(r) => r,
                Deframed::Sslv2ClientHello(raw) => {
                    self.rx_offset += (raw.len() + 2) as u64;
                    self.core.tracer.emit(&Event::Sslv2ClientHello { raw });
                    let hello = crate::msgs::sslv2::read_sslv2_client_hello(raw)?;
                    let msg = Message::Sslv2ClientHello { hello, raw };
                    dispatch(&mut self.core, &mut self.state, cx, msg)?;
                    continue;
                }
            };
            let header = record.header;
            if self.core.tracer.on() {
                self.core.tracer.emit(&Event::Record {
                    dir: Direction::Received,
                    offset: self.rx_offset,
                    typ: header.typ,
                    version: header.version,
                    len: record.payload.len(),
                    header: header.to_bytes(),
                    protected: self.core.opener.is_some(),
                });
            }
            self.rx_offset += (HEADER_LEN + record.payload.len()) as u64;
            if self.core.peer_closed {
                return Err(PeerMisbehaved::DataAfterCloseNotify.into());
            }
            // An unprotected alert may carry another record version: a peer that rejects
            // our hello alerts before it adopts the version (e.g. a client refusing our
            // ServerHello). Reporting the alert itself is more useful than a version error.
            let unprotected_alert = header.typ == ContentType::ALERT && self.core.opener.is_none();
            if let Some(v) = self.core.version.filter(|_| !unprotected_alert) {
                if header.version != v {
                    return Err(PeerMisbehaved::WrongRecordVersion {
                        expected: v,
                        got: header.version,
                    }
                    .into());
                }
            }
            let payload_addr = record.payload.as_ptr() as usize;
            let plain: &mut [u8] = match self.core.opener.as_mut() {
                Some(o) => o.open(header.typ, header.version, record.payload)?,
                None => {
                    if record.payload.len() > MAX_PLAINTEXT {
                        return Err(Error::RecordOverflow {
                            len: record.payload.len(),
                            max: MAX_PLAINTEXT,
                        });
                    }
                    record.payload
                }
            };
            match header.typ {
                ContentType::HANDSHAKE => {
                    if plain.is_empty() {
                        return Err(PeerMisbehaved::EmptyRecord(header.typ).into());
                    }
                    self.joiner.push(plain)?;
                    while let Some(raw) = self.joiner.pop() {
                        let version = self.core.version.unwrap_or(ProtocolVersion::TLSV1_2);
                        let msg = HandshakeMessage::read_versioned(raw, version)?;
                        if self.core.tracer.on() {
                            self.core.tracer.emit(&Event::Handshake {
                                dir: Direction::Received,
                                msg: &msg,
                                raw,
                            });
                        }
                        if self.core.filter_renegotiation(&msg, cx)? {
                            continue;
                        }
                        dispatch(
                            &mut self.core,
                            &mut self.state,
                            cx,
                            Message::Handshake { msg, raw },
                        )?;
                    }
                    if self.core.is_complete() {
                        // Established: drop the reassembly buffer. Preallocated: give back
                        // any send capacity a large flight added (this happens once; later
                        // records never allocate). On demand: drop whatever the handshake
                        // flights made the record buffers grow to; application records size
                        // them again.
                        self.joiner.release_if_empty();
                        if self.core.on_demand {
                            self.deframer.release_buffer();
                            self.core.sendable.shrink_to(0);
                        } else if self.core.sendable.capacity() > SENDABLE_CAPACITY {
                            self.core.sendable.shrink_to(SENDABLE_CAPACITY);
                        }
                    }
                }
                ContentType::CHANGE_CIPHER_SPEC => {
                    if self.joiner.has_partial() {
                        return Err(PeerMisbehaved::HandshakeMessageInterleaved.into());
                    }
                    if plain != [1] {
                        return Err(PeerMisbehaved::BadChangeCipherSpec.into());
                    }
                    self.core.tracer.emit(&Event::ChangeCipherSpec {
                        dir: Direction::Received,
                    });
                    dispatch(
                        &mut self.core,
                        &mut self.state,
                        cx,
                        Message::ChangeCipherSpec,
                    )?;
                    // The state accepted CCS, so it installed the pending keys.
                    match self.core.pending_opener.take() {
                        Some(o) => self.core.opener = Some(o),
                        None => return Err(Error::Internal("CCS accepted without keys")),
                    }
                }
                ContentType::ALERT => {
                    if self.joiner.has_partial() {
                        return Err(PeerMisbehaved::HandshakeMessageInterleaved.into());
                    }
                    let alert = AlertMessage::read_bytes(plain)
                        .map_err(|_| Error::from(PeerMisbehaved::BadAlert))?;
                    self.core.tracer.emit(&Event::Alert {
                        dir: Direction::Received,
                        level: alert.level,
                        description: alert.description,
                    });
                    self.core.handle_alert(alert, cx)?;
                }
                ContentType::APPLICATION_DATA => {
                    if !self.core.is_complete() {
                        return Err(PeerMisbehaved::ApplicationDataBeforeFinished.into());
                    }
                    if self.joiner.has_partial() {
                        return Err(PeerMisbehaved::HandshakeMessageInterleaved.into());
                    }
                    let len = plain.len();
                    self.core.tracer.emit(&Event::ApplicationData {
                        dir: Direction::Received,
                        len,
                    });
                    if len > 0 {
                        // Where the plaintext sits in the record (header included): the
                        // opener returned a sub-slice of the payload, which follows the
                        // 5-byte header.
                        let offset = (plain.as_ptr() as usize)
                            .checked_sub(payload_addr)
                            .and_then(|o| o.checked_add(HEADER_LEN))
                            .ok_or(Error::Internal("plaintext outside its record"))?;
                        // Read in place: keep the record until the caller consumed it.
                        self.deframer.hold();
                        self.plain_from = offset;
                        self.plain_to = offset.saturating_add(len);
                    }
                }
                other => return Err(PeerMisbehaved::UnknownContentType(other).into()),
            }
        }
    }

    /// Unread application data, without consuming it.
    pub fn plaintext(&self) -> &[u8] {
        self.deframer
            .held_record()
            .get(self.plain_from..self.plain_to)
            .unwrap_or(&[])
    }

    /// Marks `n` bytes of [`Self::plaintext`] as read.
    pub fn consume_plaintext(&mut self, n: usize) {
        self.plain_from = self.plain_from.saturating_add(n).min(self.plain_to);
        if self.plain_from == self.plain_to {
            // All read: the deframer may release the record and reuse its space.
            self.plain_from = 0;
            self.plain_to = 0;
            self.deframer.unhold();
        }
    }

    /// Copies unread application data into `buf`; returns the count (0 when none is pending).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let pending = self.plaintext();
        let n = pending.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume_plaintext(n);
        n
    }

    /// Seals application data; returns how many bytes of `data` were accepted (possibly
    /// fewer than `data.len()` when the send buffer is full: flush and call again).
    ///
    /// With the default [`RecordBuffers::Preallocated`] this never allocates. Otherwise
    /// (or after [`release_buffers`](Self::release_buffers)) it allocates only to grow the
    /// send buffer towards [`SENDABLE_CAPACITY`], a few times in a connection's life, never
    /// per record once it has grown.
    pub fn write_plaintext(
        &mut self,
        data: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<usize, Error> {
        if let Some(e) = &self.core.error {
            return Err(e.clone());
        }
        if !self.core.is_complete() {
            return Err(Error::Misuse(
                "write_plaintext before the handshake completed",
            ));
        }
        if self.core.close_sent {
            return Err(Error::Misuse("write_plaintext after close_notify"));
        }
        let mut written = 0;
        let mut first = true;
        while written < data.len() {
            let rest = data.get(written..).unwrap_or(&[]);
            // 1/n-1 split: the first record of each write carries one byte, so the first
            // block's IV is not predictable by an attacker (BEAST).
            let limit = if first && self.core.split_1_n_minus_1 && rest.len() > 1 {
                1
            } else {
                self.core.max_fragment
            };
            first = false;
            let take = rest.len().min(limit);
            if !self
                .core
                .reserve_sendable(HEADER_LEN + take + MAX_SEAL_OVERHEAD)
            {
                break;
            }
            let chunk = rest.get(..take).unwrap_or(&[]);
            if let Err(e) = self
                .core
                .seal_one(ContentType::APPLICATION_DATA, chunk, rng)
            {
                return Err(self.fail(e, rng));
            }
            // Traced after the record that carries it, as received data is.
            self.core.tracer.emit(&Event::ApplicationData {
                dir: Direction::Sent,
                len: take,
            });
            written += take;
        }
        Ok(written)
    }

    /// Frees the receive buffer and the send buffer if they hold nothing (no unread
    /// plaintext, no partial record, no unsent bytes); from then on they are sized on
    /// demand, as with [`RecordBuffers::OnDemand`], when the next bytes arrive or the next
    /// write comes. For a caller holding many idle connections: an established connection
    /// then holds a few KiB of state only. Calling it after every record makes every record
    /// allocate.
    pub fn release_buffers(&mut self) {
        self.deframer.release_buffer();
        if self.core.sendable.is_empty() {
            self.core.sendable = Vec::new();
        }
    }

    /// Queues a close_notify alert; no more data may be written afterwards.
    pub fn send_close_notify(&mut self, rng: &mut dyn CryptoRng) {
        if !self.core.close_sent && self.core.error.is_none() {
            self.core.close_sent = true;
            self.core
                .send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY, rng);
        }
    }

    /// Tells the connection that the transport reached end of stream.
    ///
    /// Returns `Ok` for a clean close (the peer sent close_notify), and
    /// [`Error::UnexpectedEof`] otherwise — including EOF in the middle of a record or of
    /// the handshake — so truncation is never silent.
    pub fn transport_eof(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.core.error {
            return Err(e.clone());
        }
        // A close_notify only makes the end clean once the handshake is complete: a peer
        // that closes mid-handshake has not given us a session.
        if self.core.peer_closed && self.core.is_complete() && !self.deframer.has_partial() {
            return Ok(());
        }
        self.core.error = Some(Error::UnexpectedEof);
        Err(Error::UnexpectedEof)
    }
}

impl Core {
    /// Handles renegotiation attempts the same way on both sides (lucid never
    /// renegotiates): a HelloRequest to a client, or a ClientHello to a server after the
    /// handshake, is answered with a no_renegotiation warning and otherwise ignored
    /// (RFC 5246 §7.4.1.1, RFC 5746 §4.2). Returns true when the message was consumed.
    fn filter_renegotiation(
        &mut self,
        msg: &HandshakeMessage,
        cx: &mut Context<'_>,
    ) -> Result<bool, Error> {
        let renegotiation = match self.side {
            Side::Client => msg.typ == HandshakeType::HELLO_REQUEST,
            Side::Server => msg.typ == HandshakeType::CLIENT_HELLO && self.is_complete(),
        };
        if !renegotiation {
            return Ok(false);
        }
        if self.is_complete() {
            // Each refusal costs us an alert: a peer that keeps asking is cut off rather
            // than answered without end.
            self.renegotiation_refusals = self.renegotiation_refusals.saturating_add(1);
            if usize::from(self.renegotiation_refusals) > MAX_RENEGOTIATION_REFUSALS {
                return Err(PeerMisbehaved::Other("repeated renegotiation attempts").into());
            }
            self.send_alert(
                AlertLevel::WARNING,
                AlertDescription::NO_RENEGOTIATION,
                cx.rng,
            );
        }
        // A HelloRequest during the handshake is ignored (RFC 5246 §7.4.1.1).
        Ok(true)
    }

    fn handle_alert(&mut self, alert: AlertMessage, _cx: &mut Context<'_>) -> Result<(), Error> {
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            self.peer_closed = true;
            return Ok(());
        }
        match alert.level {
            AlertLevel::WARNING => {
                if self.warnings.len() >= MAX_WARNING_ALERTS {
                    return Err(PeerMisbehaved::Other("too many warning alerts").into());
                }
                self.warnings.push(alert.description);
                Ok(())
            }
            AlertLevel::FATAL => Err(Error::AlertReceived(alert.description)),
            _ => Err(PeerMisbehaved::BadAlert.into()),
        }
    }
}

fn dispatch(
    core: &mut Core,
    state: &mut Option<State>,
    cx: &mut Context<'_>,
    msg: Message<'_>,
) -> Result<(), Error> {
    let current = state
        .take()
        .ok_or(Error::Misuse("connection already failed"))?;
    *state = Some(current.handle(core, cx, msg)?);
    Ok(())
}

/// Suite parameters helper used by both sides.
pub(crate) fn suite_params(suite: CipherSuite) -> Result<&'static SuiteParams, Error> {
    crate::crypto::suites::lookup(suite).ok_or(Error::Internal("unknown suite"))
}
