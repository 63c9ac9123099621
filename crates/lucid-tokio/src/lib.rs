//! Async [tokio] driver for lucid-core, in the shape tokio-rustls users know.
//!
//! - [`TlsConnector::connect`] and [`TlsAcceptor::accept`] take any
//!   `AsyncRead + AsyncWrite + Unpin` transport (usually a `tokio::net::TcpStream`) and
//!   resolve, once the handshake has completed, to a [`TlsStream`]
//!   ([`client::TlsStream`] / [`server::TlsStream`]);
//! - [`TlsStream`] is itself `AsyncRead + AsyncWrite`: reading returns application data and
//!   `Ok(0)` (end of stream) only after the peer's close_notify — an end of stream without it
//!   is an `UnexpectedEof` error carrying [`Error::UnexpectedEof`], so truncation is never
//!   silent; `poll_shutdown` sends close_notify, flushes it and then shuts the transport
//!   down;
//! - [`TlsStream::get_ref`] gives the transport and the lucid connection (for
//!   [`Connection::negotiated`], a server's `sni`, ...), [`TlsStream::negotiated`] the
//!   parameters directly.
//!
//! # Implementation notes
//!
//! The driver holds no protocol logic: every `poll_*` moves bytes between the transport and
//! the sans-IO [`Connection`] (`recv_buf`/`recv_ack` in, `pending_tls`/`consume_tls` out),
//! calls `process` with the time (`UnixTime::now()`) and the OS RNG, and returns what the
//! connection holds. Its invariants:
//!
//! - **All state lives in the [`TlsStream`].** Received bytes wait in lucid's receive buffer,
//!   decrypted bytes in its plaintext buffer, sealed bytes in its send buffer; no future
//!   of this crate keeps bytes in its locals. `poll_read` copies plaintext into the caller's
//!   buffer only when it returns `Ready`; `poll_write` returns `Ready(Ok(n))` once `n` bytes
//!   are sealed into the send buffer (they go out on the next `poll_write`, `poll_flush` or
//!   `poll_shutdown`), and `Pending` having accepted nothing.
//! - **Hence cancellation safety**: dropping a pending `read`, `write` or `flush` future
//!   (`tokio::select!`, `tokio::time::timeout`) loses no byte and leaves the stream usable;
//!   the next call carries on where the dropped one stopped. (Combinators that keep progress
//!   in their own locals — `read_exact`, `write_all` — are not cancellation-safe over any
//!   stream, and are not here either.) The handshake futures [`Connect`] and [`Accept`] own
//!   the stream until it is done, so dropping one just abandons the connection.
//! - Reading waits only on the transport's read side, and does not block on a full send
//!   side: pending alerts are pushed out best effort. Writing makes room by flushing first,
//!   since lucid seals only what fits in its bounded send buffer.
//! - Errors are fatal and latched in the connection; the alert is flushed best effort and
//!   every later call returns the same error.
//!
//! # Timeouts
//!
//! lucid-tokio has none of its own: a handshake or read timeout is the caller's, with
//! `tokio::time::timeout` around the future (a silent peer otherwise holds the task
//! forever):
//!
//! ```no_run
//! # async fn f(config: std::sync::Arc<lucid_core::ClientConfig>) -> std::io::Result<()> {
//! use std::time::Duration;
//! use lucid_core::pki_types::ServerName;
//! use lucid_tokio::TlsConnector;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let connector = TlsConnector::from(config);
//! let tcp = tokio::net::TcpStream::connect("bmc.example:443").await?;
//! let name = ServerName::try_from("bmc.example").map_err(std::io::Error::other)?;
//! let mut tls = tokio::time::timeout(Duration::from_secs(10), connector.connect(name, tcp))
//!     .await
//!     .map_err(|_| std::io::ErrorKind::TimedOut)??;
//! println!("negotiated {:?}", tls.negotiated());
//! tls.write_all(b"GET /redfish/v1 HTTP/1.0\r\nHost: bmc.example\r\n\r\n").await?;
//! let mut reply = Vec::new();
//! tls.read_to_end(&mut reply).await?; // Ok only after the server's close_notify
//! tls.shutdown().await?; // close_notify, then the TCP shutdown
//! # Ok(()) }
//! ```
//!
//! The hyper examples (`examples/hyper_get.rs`, `examples/hyper_server.rs`) show an HTTPS
//! client (a tower `Service<Uri>` connector for hyper-util's client) and an HTTP/1.1
//! server over [`TlsAcceptor`].
//!
//! # Peer certificates
//!
//! lucid-core does not yet keep the peer's certificate chain on the [`Connection`] after
//! the handshake, so this driver cannot hand it out; what the handshake agreed on is
//! [`TlsStream::negotiated`]. The verified chain is reported to a trace observer
//! (`lucid_core::trace::Event::CertificateVerified`), which a caller can install with
//! `ClientConnection::new_traced` and [`TlsConnector::connect_with`].
#![warn(missing_docs)]

use core::future::Future;
use core::ops::DerefMut;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::io;
use std::sync::Arc;

use lucid_core::pki_types::{ServerName, UnixTime};
pub use lucid_core::{
    ClientConfig, ClientConnection, Connection, Error, Negotiated, ServerConfig, ServerConnection,
};
use rand_core::UnwrapErr;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The operating system's RNG, as lucid-core wants it.
type OsRng = UnwrapErr<getrandom::SysRng>;

fn to_io(e: Error) -> io::Error {
    e.into()
}

/// The lucid error inside an `io::Error` returned by this crate, if it carries one.
pub fn tls_error(e: &io::Error) -> Option<&Error> {
    Error::from_io(e)
}

/// Client-side stream type.
pub mod client {
    /// A TLS client stream over `IO`.
    pub type TlsStream<IO> = crate::TlsStream<IO, crate::ClientConnection>;
}

/// Server-side stream type.
pub mod server {
    /// A TLS server stream over `IO`.
    pub type TlsStream<IO> = crate::TlsStream<IO, crate::ServerConnection>;
}

/// A TLS connection over an async transport `IO`.
///
/// `C` is the lucid connection, a [`ClientConnection`] or a [`ServerConnection`]; see
/// [`client::TlsStream`] and [`server::TlsStream`]. Cancellation-safe for `read`, `write`
/// and `flush` (see the crate documentation).
#[derive(Debug)]
pub struct TlsStream<IO, C> {
    io: IO,
    conn: C,
    rng: OsRng,
    /// The transport reported end of stream.
    eof: bool,
}

impl<IO, C> TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    /// Pairs a connection (client or server) with a transport. Nothing moves until the
    /// stream is polled; [`Self::handshake`] completes the handshake explicitly, otherwise
    /// the first read or write does.
    pub fn new(io: IO, conn: C) -> Self {
        Self {
            io,
            conn,
            rng: UnwrapErr(getrandom::SysRng),
            eof: false,
        }
    }

    /// The transport and the lucid connection (e.g. `get_ref().1.negotiated()`).
    pub fn get_ref(&self) -> (&IO, &C) {
        (&self.io, &self.conn)
    }

    /// The transport and the lucid connection, mutably. Reading or writing the transport
    /// directly corrupts the TLS stream.
    pub fn get_mut(&mut self) -> (&mut IO, &mut C) {
        (&mut self.io, &mut self.conn)
    }

    /// Consumes the stream, returning the transport and the connection.
    pub fn into_inner(self) -> (IO, C) {
        (self.io, self.conn)
    }

    /// What the handshake agreed on (`None` until it has completed).
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.conn.negotiated()
    }

    /// The application protocol agreed with ALPN (`None` until the handshake has
    /// completed, or when none was agreed): what to speak over the stream, e.g. `b"h2"`.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    /// Completes the handshake (a no-op once it has). Cancellation-safe.
    pub async fn handshake(&mut self) -> io::Result<()> {
        core::future::poll_fn(|cx| self.poll_handshake(cx)).await
    }

    /// Writes pending TLS bytes until none are left (`Ready`) or the transport is full
    /// (`Pending`, with the waker registered).
    fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            match ready!(Pin::new(&mut self.io).poll_write(cx, self.conn.pending_tls())) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.conn.consume_tls(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Pushes pending TLS bytes out as far as the transport takes them now, without waiting
    /// for the rest (they stay queued in the connection). Transport errors are returned.
    fn write_tls_best_effort(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.poll_write_tls(cx) {
            Poll::Ready(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Reads once from the transport into lucid's receive buffer and processes what
    /// arrived. `Ready(Ok(()))` means progress (bytes, or end of stream recorded in
    /// `self.eof`).
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let buf = self.conn.recv_buf();
        if buf.is_empty() {
            return Poll::Ready(Err(io::Error::other(
                "lucid-tokio: receive buffer full while plaintext is pending",
            )));
        }
        let mut rb = ReadBuf::new(buf);
        match ready!(Pin::new(&mut self.io).poll_read(cx, &mut rb)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Poll::Ready(Ok(())),
            Err(e) => return Poll::Ready(Err(e)),
        }
        let n = rb.filled().len();
        if n == 0 {
            self.eof = true;
            return Poll::Ready(Ok(()));
        }
        self.conn.recv_ack(n);
        Poll::Ready(self.process(cx))
    }

    /// Processes buffered records; on error the alert is pushed out best effort.
    fn process(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let res = self.conn.process(UnixTime::now(), &mut self.rng);
        let flushed = self.write_tls_best_effort(cx);
        res.map_err(to_io)?;
        flushed
    }

    /// The end of stream seen by the transport: `Ok` only after the peer's close_notify.
    fn transport_eof(&mut self) -> io::Result<()> {
        self.conn.transport_eof().map_err(to_io)
    }

    /// Drives the handshake: `Ready(Ok(()))` once it has completed and its last flight is
    /// flushed to the transport.
    pub fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let written = self.poll_write_tls(cx)?;
            if let Some(e) = self.conn.error() {
                return Poll::Ready(Err(to_io(e.clone())));
            }
            if !self.conn.is_handshaking() {
                ready!(written);
                return Pin::new(&mut self.io).poll_flush(cx);
            }
            if self.eof || !self.conn.wants_read() {
                // EOF (or close_notify) mid-handshake: always an error.
                self.transport_eof()?;
                return Poll::Ready(Err(to_io(Error::UnexpectedEof)));
            }
            // Reading also while our flight is still going out: both wakers are
            // registered, whichever side moves first wakes us.
            match self.poll_read_tls(cx) {
                Poll::Ready(r) => r?,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<IO, C> AsyncRead for TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    /// Reads application data, driving the handshake first if needed. Fills `buf` only when
    /// returning `Ready`; leaving it unfilled with `Ready(Ok(()))` means the peer closed
    /// with close_notify. Cancellation-safe.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.conn.is_handshaking() {
            ready!(this.poll_handshake(cx))?;
        }
        loop {
            let pending = this.conn.plaintext();
            if !pending.is_empty() {
                let n = pending.len().min(buf.remaining());
                if let Some(chunk) = pending.get(..n) {
                    buf.put_slice(chunk);
                }
                this.conn.consume_plaintext(n);
                if this.conn.plaintext().is_empty() {
                    // Room again: decrypt records already buffered. An error here is
                    // latched and reported by the next call, after these bytes.
                    let _ = this.process(cx);
                }
                return Poll::Ready(Ok(()));
            }
            if buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            if let Some(e) = this.conn.error() {
                return Poll::Ready(Err(to_io(e.clone())));
            }
            if this.conn.peer_has_closed() {
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(this.transport_eof());
            }
            this.write_tls_best_effort(cx)?;
            ready!(this.poll_read_tls(cx))?;
        }
    }
}

impl<IO, C> AsyncWrite for TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    /// Seals as much of `buf` as lucid's send buffer takes and returns the count; `Pending`
    /// (having accepted nothing) while the handshake runs or the transport cannot take the
    /// queued records. Cancellation-safe.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.conn.is_handshaking() {
            ready!(this.poll_handshake(cx))?;
        }
        loop {
            if let Some(e) = this.conn.error() {
                return Poll::Ready(Err(to_io(e.clone())));
            }
            // Make room first: lucid seals only what fits in its bounded send buffer.
            let flushed = this.poll_write_tls(cx)?;
            let n = this
                .conn
                .write_plaintext(buf, &mut this.rng)
                .map_err(to_io)?;
            if n > 0 || buf.is_empty() {
                this.write_tls_best_effort(cx)?;
                return Poll::Ready(Ok(n));
            }
            // Nothing fitted: wait for the transport (its waker is registered), or, if it
            // took everything, the buffer is empty now and the next round seals.
            ready!(flushed);
            if this.conn.wants_write() {
                continue;
            }
            return Poll::Ready(Err(io::Error::other(
                "lucid-tokio: send buffer takes no record even when empty",
            )));
        }
    }

    /// Sends every sealed record, then flushes the transport. Cancellation-safe.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.conn.is_handshaking() {
            ready!(this.poll_handshake(cx))?;
        }
        ready!(this.poll_write_tls(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    /// Sends close_notify (once), flushes it, then shuts the transport's write side down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.send_close_notify(&mut this.rng);
        ready!(this.poll_write_tls(cx))?;
        ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// Starts client handshakes: `TlsConnector::from(Arc<ClientConfig>)`, then
/// [`connect`](Self::connect) per connection.
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self { config }
    }
}

impl TlsConnector {
    /// The configuration every connection starts from.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Completes a TLS handshake with `domain` over `io`. Wrap it in
    /// `tokio::time::timeout` to bound it.
    pub fn connect<IO>(&self, domain: ServerName<'static>, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let mut rng = UnwrapErr(getrandom::SysRng);
        let conn = ClientConnection::new(self.config.clone(), domain, UnixTime::now(), &mut rng);
        self.connect_with(conn, io)
    }

    /// Like [`Self::connect`], for a connection the caller made (e.g. with
    /// `ClientConnection::new_traced` to observe the handshake).
    pub fn connect_with<IO>(&self, conn: Result<ClientConnection, Error>, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        Connect(Handshake::new(conn.map(|c| TlsStream::new(io, c))))
    }
}

/// Accepts server handshakes: `TlsAcceptor::from(Arc<ServerConfig>)`, then
/// [`accept`](Self::accept) per connection.
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }
}

impl TlsAcceptor {
    /// The configuration every connection starts from.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Completes a TLS handshake as a server over `io`. Wrap it in `tokio::time::timeout`
    /// so a silent client cannot hold the task.
    pub fn accept<IO>(&self, io: IO) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = ServerConnection::new(self.config.clone());
        Accept(Handshake::new(conn.map(|c| TlsStream::new(io, c))))
    }
}

/// The stream being handshaken, or the error that prevented starting.
#[derive(Debug)]
struct Handshake<IO, C>(Option<io::Result<TlsStream<IO, C>>>);

impl<IO, C> Handshake<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    fn new(start: Result<TlsStream<IO, C>, Error>) -> Self {
        Self(Some(start.map_err(to_io)))
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<TlsStream<IO, C>>> {
        let res = match self.0.as_mut() {
            Some(Ok(stream)) => ready!(stream.poll_handshake(cx)),
            Some(Err(_)) => Ok(()),
            None => return Poll::Ready(Err(io::Error::other("handshake future polled again"))),
        };
        let taken = self
            .0
            .take()
            .unwrap_or_else(|| Err(io::Error::other("unreachable")));
        Poll::Ready(res.and(taken))
    }
}

/// The future [`TlsConnector::connect`] returns: the client stream once the handshake has
/// completed.
#[derive(Debug)]
pub struct Connect<IO>(Handshake<IO, ClientConnection>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Connect<IO> {
    type Output = io::Result<client::TlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx)
    }
}

/// The future [`TlsAcceptor::accept`] returns: the server stream once the handshake has
/// completed.
#[derive(Debug)]
pub struct Accept<IO>(Handshake<IO, ServerConnection>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Accept<IO> {
    type Output = io::Result<server::TlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx)
    }
}
