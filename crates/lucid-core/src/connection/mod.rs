//! The public connection façade: [`Connection`], and the [`ClientConnection`] and
//! [`ServerConnection`] that start one. It sits above both handshake state machines and the
//! connection core ([`crate::conn`]), and is what drivers and users call.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use rustls_pki_types::{ServerName, UnixTime};

use crate::client::{ClientConfig, ClientState};
use crate::conn::{
    Context, Core, MAX_SEAL_OVERHEAD, Message, Negotiated, RecordBuffers, Records, Side,
    fragment_limit, max_ciphertext, sendable_capacity,
};
use crate::error::Error;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType};
use crate::record::HEADER_LEN;
use crate::record::deframer::Deframer;
use crate::record::joiner::HandshakeJoiner;
#[cfg(feature = "server")]
use crate::server::{ServerConfig, ServerState};
use crate::trace::{Direction, Event, Observer};

/// Client- or server-side handshake state.
#[derive(Debug)]
enum State {
    Client(ClientState),
    #[cfg(feature = "server")]
    Server(ServerState),
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
            #[cfg(feature = "server")]
            Self::Server(s) => s.handle(core, cx, msg).map(Self::Server),
        }
    }
}

/// What a call to [`Connection::process`] left pending: read it to know whether to read
/// plaintext, write TLS bytes, or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoState {
    tls_bytes_to_write: usize,
    plaintext_bytes_to_read: usize,
    peer_has_closed: bool,
    handshake_completed: bool,
}

impl IoState {
    /// TLS bytes waiting in [`Connection::pending_tls`] for the transport.
    pub fn tls_bytes_to_write(&self) -> usize {
        self.tls_bytes_to_write
    }

    /// Decrypted application data waiting in [`Connection::plaintext`]. While it is
    /// pending, no further record is decrypted: read it, then call `process` again.
    pub fn plaintext_bytes_to_read(&self) -> usize {
        self.plaintext_bytes_to_read
    }

    /// The peer has sent close_notify: no more data will come.
    pub fn peer_has_closed(&self) -> bool {
        self.peer_has_closed
    }

    /// This call completed the handshake: application data may be written from now on.
    pub fn handshake_completed(&self) -> bool {
        self.handshake_completed
    }
}

/// A TLS connection, client or server, that consumes and produces bytes.
///
/// # Calling contract
///
/// lucid never touches a socket, a clock or an RNG of its own. The caller drives it:
///
/// 1. The caller MUST copy bytes received from the transport in with [`Self::read_tls_bytes`]
///    (or [`Self::recv_buf`] + [`Self::recv_ack`]; with the `std` feature, `read_tls` from
///    any `std::io::Read`), then call [`Self::process`] with the
///    current time and a cryptographically secure RNG. `process` handles every whole record
///    buffered and returns an [`IoState`] saying what is now pending; "need more bytes" is
///    not an error — it simply returns `Ok`.
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
///
/// # Example: the sans-IO loop
///
/// Two connections in memory, the bytes each sends handed to the other; a driver does
/// the same with a socket (see `complete_io` with the `std` feature).
///
/// ```
/// use std::sync::Arc;
/// use lucid_core::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};
/// use lucid_core::pki_types::{ServerName, UnixTime};
///
/// # let (client_config, server_config, now) = lucid_core::fuzzing::example_configs();
/// # let mut rng = lucid_core::fuzzing::example_rng();
/// let mut client = ClientConnection::new(client_config, ServerName::try_from("localhost")?, now, &mut rng)?;
/// let mut server = ServerConnection::new(server_config)?;
///
/// // Move bytes both ways until neither side has anything to say.
/// fn pump(from: &mut Connection, to: &mut Connection, now: UnixTime, rng: &mut dyn rand_core::CryptoRng)
///     -> Result<(), lucid_core::Error> {
///     let n = to.read_tls_bytes(from.pending_tls());
///     from.consume_tls(n);
///     to.process(now, rng)?;
///     Ok(())
/// }
/// while client.is_handshaking() || server.is_handshaking() {
///     pump(&mut client, &mut server, now, &mut rng)?;
///     pump(&mut server, &mut client, now, &mut rng)?;
/// }
/// client.write_plaintext(b"hello", &mut rng)?;
/// pump(&mut client, &mut server, now, &mut rng)?;
/// assert_eq!(server.plaintext(), b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Connection {
    records: Records,
    core: Core,
    state: Option<State>,
}

impl Connection {
    /// `expected_fragment`: the largest plaintext fragment this side expects to exchange —
    /// less than 2^14 only for a client offering max_fragment_length, whose buffers are
    /// sized for the limit it asks for (and grow if the server declines it).
    fn new(side: Side, state: State, buffers: RecordBuffers, expected_fragment: usize) -> Self {
        let mut deframer = Deframer::new();
        deframer.expect_records_up_to(max_ciphertext(expected_fragment));
        let mut core = Core::new(side);
        core.on_demand = buffers == RecordBuffers::OnDemand;
        if !core.on_demand {
            deframer.preallocate();
            core.sendable
                .reserve_exact(sendable_capacity(expected_fragment));
        }
        let joiner = match side {
            Side::Client => HandshakeJoiner::new(),
            // A ClientHello may be as large as its syntax allows (msgs::handshake#limits).
            Side::Server => HandshakeJoiner::for_server(),
        };
        if side == Side::Server {
            // RFC 5246 appendix E.2: servers accept an SSLv2-compatible first ClientHello.
            deframer.allow_sslv2_client_hello();
        }
        Self {
            records: Records::new(deframer, joiner),
            core,
            state: Some(state),
        }
    }

    /// Installs an observer that receives every [`crate::trace::Event`] from now on (see
    /// [`crate::trace`]). Client and server constructors also take one, so the first
    /// flight is traced too.
    pub fn set_observer(&mut self, observer: Box<dyn Observer>) {
        self.core.tracer.set(observer);
    }

    /// Removes and returns the observer.
    pub fn take_observer(&mut self) -> Option<Box<dyn Observer>> {
        self.core.tracer.take()
    }

    /// Which side this connection plays.
    pub fn side(&self) -> Side {
        self.core.side
    }

    /// Copies received transport bytes in; returns how many were taken (the rest must be
    /// offered again after `process`, and after reading the pending plaintext: its record
    /// stays in the receive buffer until it is consumed).
    pub fn read_tls_bytes(&mut self, input: &[u8]) -> usize {
        self.records.deframer.read_tls(input)
    }

    /// Free space the caller may fill directly from the transport (zero-copy receive).
    /// Possibly empty while unread plaintext is pending (see [`Self::read_tls_bytes`]).
    pub fn recv_buf(&mut self) -> &mut [u8] {
        self.records.deframer.recv_buf()
    }

    /// Reports that `n` bytes were written into [`Self::recv_buf`].
    pub fn recv_ack(&mut self, n: usize) {
        self.records.deframer.recv_ack(n);
    }

    /// TLS bytes waiting to be sent to the peer.
    pub fn pending_tls(&self) -> &[u8] {
        &self.core.sendable
    }

    /// Whether there are TLS bytes waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.core.sendable.is_empty()
    }

    /// Whether the connection wants more TLS bytes from the peer: false once it failed or
    /// the peer closed, and while unread plaintext holds the receive buffer (read it
    /// first). A driver reads from the transport only when this is true.
    pub fn wants_read(&self) -> bool {
        self.core.error.is_none() && !self.core.peer_closed && self.plaintext().is_empty()
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

    /// The application protocol agreed with ALPN, once the handshake has completed
    /// ([`Negotiated::alpn_protocol`]).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.negotiated()?.alpn_protocol.as_deref()
    }

    /// The fatal error that ended this connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.core.error.as_ref()
    }

    /// Warning alerts received from the peer (close_notify excluded), oldest first.
    pub fn received_warnings(&self) -> &[AlertDescription] {
        &self.core.warnings
    }

    /// What is pending now (see [`IoState`]).
    pub fn io_state(&self) -> IoState {
        IoState {
            tls_bytes_to_write: self.core.sendable.len(),
            plaintext_bytes_to_read: self.plaintext().len(),
            peer_has_closed: self.core.peer_closed,
            handshake_completed: false,
        }
    }

    /// Processes every whole record buffered and says what is pending afterwards. See the
    /// calling contract on [`Connection`].
    pub fn process(&mut self, now: UnixTime, rng: &mut dyn CryptoRng) -> Result<IoState, Error> {
        if let Some(e) = &self.core.error {
            return Err(e.clone());
        }
        let was_handshaking = !self.core.is_complete();
        let mut cx = Context { now, rng };
        let state = &mut self.state;
        let mut dispatch = |core: &mut Core, cx: &mut Context<'_>, msg: Message<'_>| {
            let current = state
                .take()
                .ok_or(Error::Misuse("connection already failed"))?;
            *state = Some(current.handle(core, cx, msg)?);
            Ok(())
        };
        match self.records.process(&mut self.core, &mut cx, &mut dispatch) {
            Ok(()) => Ok(IoState {
                handshake_completed: was_handshaking && self.core.is_complete(),
                ..self.io_state()
            }),
            Err(e) => Err(self.fail(e, cx.rng)),
        }
    }

    /// Latches `e`, queues the alert it maps to, and returns it. A received alert learns
    /// the client step it arrived in (the state is still in place: alerts are handled
    /// beside the state machine, not by it).
    fn fail(&mut self, mut e: Error, rng: &mut dyn CryptoRng) -> Error {
        if let (Error::AlertReceived { step, .. }, Some(State::Client(s))) = (&mut e, &self.state) {
            *step = s.step();
        }
        if let Some(alert) = e.alert() {
            self.core.send_alert(AlertLevel::FATAL, alert, rng);
        }
        self.state = None;
        self.core.error = Some(e.clone());
        e
    }

    /// Starts the handshake if this side speaks first (the client's ClientHello).
    fn start(&mut self, now: UnixTime, rng: &mut dyn CryptoRng) -> Result<(), Error> {
        let mut cx = Context { now, rng };
        let state = self.state.take();
        let res = match state {
            Some(State::Client(s)) => s.start(&mut self.core, &mut cx).map(State::Client),
            #[cfg(feature = "server")]
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

    /// Unread application data, without consuming it.
    pub fn plaintext(&self) -> &[u8] {
        self.records.plaintext()
    }

    /// Marks `n` bytes of [`Self::plaintext`] as read.
    pub fn consume_plaintext(&mut self, n: usize) {
        self.records.consume_plaintext(n);
    }

    /// Copies unread application data into `buf`; returns the count (0 when none is pending).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        self.records.read_plaintext(buf)
    }

    /// Seals application data; returns how many bytes of `data` were accepted (possibly
    /// fewer than `data.len()` when the send buffer is full: flush and call again).
    ///
    /// With the default [`RecordBuffers::Preallocated`] this never allocates. Otherwise
    /// (or after [`release_buffers`](Self::release_buffers)) it allocates only to grow the
    /// send buffer towards one sealed record (`SENDABLE_CAPACITY`, less under
    /// max_fragment_length), a few times in a connection's life, never per record once it
    /// has grown.
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
        self.records.deframer.release_buffer();
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
        if self.core.peer_closed && self.core.is_complete() && !self.records.deframer.has_partial()
        {
            return Ok(());
        }
        self.core.error = Some(Error::UnexpectedEof);
        Err(Error::UnexpectedEof)
    }
}

/// A client connection: a [`Connection`] that has queued its ClientHello.
///
/// # Example: a client over a `TcpStream`
///
/// ```no_run
/// use std::net::TcpStream;
/// use std::sync::Arc;
/// use lucid_core::{ClientConfig, ClientConnection, RootStore, WebPkiVerifier};
/// use lucid_core::pki_types::{ServerName, UnixTime};
///
/// let mut roots = RootStore::new();
/// # let root_der: Vec<u8> = Vec::new();
/// roots.add_der(&root_der)?; // your trust anchors
/// let config = Arc::new(ClientConfig::new(Arc::new(WebPkiVerifier::new(roots))));
/// let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// let mut tls = ClientConnection::new(config, ServerName::try_from("device.example")?, UnixTime::now(), &mut rng)?;
/// let mut sock = TcpStream::connect("device.example:443")?;
/// while tls.is_handshaking() {
///     tls.complete_io(&mut sock, UnixTime::now(), &mut rng)?;
/// }
/// tls.write_plaintext(b"GET / HTTP/1.0\r\n\r\n", &mut rng)?;
/// tls.complete_io(&mut sock, UnixTime::now(), &mut rng)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ClientConnection {
    conn: Connection,
}

impl ClientConnection {
    /// Starts a handshake with `server_name`; the ClientHello is ready in `pending_tls`.
    pub fn new(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, Error> {
        Self::new_traced(config, server_name, None, now, rng)
    }

    /// Like [`Self::new`], with an observer installed before the ClientHello is written, so
    /// the whole connection is traced.
    pub fn new_traced(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        observer: Option<Box<dyn Observer>>,
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, Error> {
        let buffers = config.record_buffers;
        let expected = fragment_limit(config.max_fragment_length);
        let start = ClientState::initial(config, server_name)?;
        let mut conn = Connection::new(Side::Client, State::Client(start), buffers, expected);
        if let Some(o) = observer {
            conn.set_observer(o);
        }
        conn.start(now, rng)?;
        Ok(Self { conn })
    }
}

impl core::ops::Deref for ClientConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl core::ops::DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// A server connection: a [`Connection`] waiting for a ClientHello.
///
/// # Example: accepting one client
///
/// ```no_run
/// use std::net::TcpListener;
/// use std::sync::Arc;
/// use lucid_core::{CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection};
/// use lucid_core::pki_types::UnixTime;
///
/// # let (chain, key_der): (Vec<Vec<u8>>, Vec<u8>) = (Vec::new(), Vec::new());
/// let key = Arc::new(RsaCrateKey::from_pkcs8_der(&key_der)?);
/// let config = Arc::new(ServerConfig::new(CertifiedKey::new(chain, key)?));
/// let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// let (mut sock, _) = TcpListener::bind("127.0.0.1:4433")?.accept()?;
/// let mut tls = ServerConnection::new(config)?;
/// while tls.is_handshaking() {
///     tls.complete_io(&mut sock, UnixTime::now(), &mut rng)?;
/// }
/// println!("client asked for {:?}", tls.sni());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "server")]
#[derive(Debug)]
pub struct ServerConnection {
    conn: Connection,
}

#[cfg(feature = "server")]
impl ServerConnection {
    /// A connection that will answer one client with `config`.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let buffers = config.record_buffers;
        let state = ServerState::initial(config)?;
        Ok(Self {
            // A ClientHello may come in records of 2^14 bytes, whatever it then negotiates.
            conn: Connection::new(
                Side::Server,
                State::Server(state),
                buffers,
                crate::record::MAX_PLAINTEXT,
            ),
        })
    }

    /// The server name the client asked for (SNI, lowercase, without a trailing dot), once
    /// the ClientHello has been processed. `None` if it sent none or one that is not a
    /// plausible host name.
    pub fn sni(&self) -> Option<&str> {
        self.conn.core.sni.as_deref()
    }
}

#[cfg(feature = "server")]
impl core::ops::Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(feature = "server")]
impl core::ops::DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

#[cfg(feature = "std")]
mod io;
