//! Non-blocking [mio] driver for lucid-core.
//!
//! [`TlsStream`] pairs a lucid connection (client or server) with a
//! [`mio::net::TcpStream`]. It implements [`mio::event::Source`] (register it with your
//! `Poll` like the socket itself) and non-blocking `Read` / `Write` with mio's edge-triggered
//! contract:
//!
//! - on every event for its token, call [`TlsStream::read`] until it returns `WouldBlock`
//!   (this also drives the handshake) and [`TlsStream::flush`] (or `write`);
//! - `read` returning `Ok(0)` means the peer sent close_notify; an end of stream without it
//!   is an `UnexpectedEof` error (truncation is never silent);
//! - after handling an event, call [`TlsStream::update_interest`] so the registration asks for
//!   `WRITABLE` exactly while TLS bytes are waiting to go out.
//!
//! The driver holds no protocol logic: it moves bytes between the socket and the sans-IO
//! connection and supplies the time (`SystemTime`) and OS randomness.
#![warn(missing_docs)]

use core::ops::DerefMut;
use std::io::{self, Read, Write};

use lucid_core::Connection;
use lucid_core::Error;
use mio::event::Source;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use rand_core::UnwrapErr;
use rustls_pki_types::UnixTime;

fn to_io(e: Error) -> io::Error {
    e.into()
}

/// The lucid error inside an `io::Error` returned by [`TlsStream`], if it carries one.
pub fn tls_error(e: &io::Error) -> Option<&Error> {
    Error::from_io(e)
}

/// A TLS connection over a non-blocking mio TCP stream.
#[derive(Debug)]
pub struct TlsStream<C> {
    conn: C,
    sock: TcpStream,
    rng: UnwrapErr<getrandom::SysRng>,
    /// The transport reported end of stream.
    eof: bool,
    /// Interest last registered, to avoid needless reregistration.
    registered: Option<Interest>,
}

impl<C: DerefMut<Target = Connection>> TlsStream<C> {
    /// Pairs a connection (client or server) with a connected socket.
    pub fn new(conn: C, sock: TcpStream) -> Self {
        Self {
            conn,
            sock,
            rng: UnwrapErr(getrandom::SysRng),
            eof: false,
            registered: None,
        }
    }

    /// The lucid connection.
    pub fn conn(&self) -> &C {
        &self.conn
    }

    /// Frees the connection's record buffers while they are empty (see
    /// `lucid_core::Connection::release_buffers`): for servers parking many idle
    /// connections. The next record allocates them again.
    pub fn release_buffers(&mut self) {
        self.conn.release_buffers();
    }

    /// The socket.
    pub fn socket(&self) -> &TcpStream {
        &self.sock
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// The interest this stream needs now: always readable, writable while TLS bytes wait.
    pub fn interest(&self) -> Interest {
        if self.conn.wants_write() {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        }
    }

    /// Re-registers with the interest the connection needs now, if it changed.
    pub fn update_interest(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let want = self.interest();
        if self.registered != Some(want) {
            registry.reregister(&mut self.sock, token, want)?;
            self.registered = Some(want);
        }
        Ok(())
    }

    /// Writes queued TLS bytes until done or the socket would block. Returns whether
    /// everything went out.
    fn write_tls(&mut self) -> io::Result<bool> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.sock) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Reads what the socket has (until it would block or lucid's buffer is full) and
    /// processes it. Returns `Ok(false)` when nothing could be read now.
    fn read_tls(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.conn.recv_buf().is_empty() {
            return Ok(false);
        }
        match self.conn.read_tls(&mut self.sock) {
            Ok(0) => {
                self.eof = true;
                Ok(true)
            }
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
            Err(e) => Err(e),
        }
    }

    fn process(&mut self) -> io::Result<()> {
        let res = self.conn.process(UnixTime::now(), &mut self.rng);
        // Whatever happened, try to send what lucid queued (an alert on error).
        let flushed = self.write_tls();
        res.map_err(to_io)?;
        flushed.map(|_| ())
    }

    /// Sends close_notify (best effort: what does not fit in the socket now goes out on
    /// later `flush` calls).
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.send_close_notify(&mut self.rng);
        self.write_tls().map(|_| ())
    }
}

impl<C: DerefMut<Target = Connection>> Read for TlsStream<C> {
    /// Non-blocking read of application data; drives the handshake as needed.
    ///
    /// `WouldBlock` means "wait for the next readiness event"; `Ok(0)` means the peer
    /// closed cleanly with close_notify.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.conn.read_plaintext(buf);
            if n > 0 {
                if self.conn.plaintext().is_empty() {
                    // Room again: let lucid decrypt records it already holds.
                    self.process()?;
                }
                return Ok(n);
            }
            if let Some(e) = self.conn.error() {
                return Err(to_io(e.clone()));
            }
            if self.conn.peer_has_closed() {
                return Ok(0);
            }
            if self.eof {
                return match self.conn.transport_eof() {
                    Ok(()) => Ok(0),
                    Err(e) => Err(to_io(e)),
                };
            }
            // Send anything pending first (e.g. our flight), then read.
            self.write_tls()?;
            if !self.read_tls()? {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.process()?;
        }
    }
}

impl<C: DerefMut<Target = Connection>> Write for TlsStream<C> {
    /// Non-blocking write of application data. Returns `WouldBlock` while the handshake is
    /// running or the socket cannot take more; otherwise the number of bytes accepted.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(e) = self.conn.error() {
            return Err(to_io(e.clone()));
        }
        if self.conn.is_handshaking() {
            // Progress the handshake if the socket allows, then report the wait.
            self.write_tls()?;
            return Err(io::ErrorKind::WouldBlock.into());
        }
        // Make room first: lucid only seals what fits in its bounded send buffer.
        self.write_tls()?;
        let n = self
            .conn
            .write_plaintext(buf, &mut self.rng)
            .map_err(to_io)?;
        self.write_tls()?;
        if n == 0 && !buf.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    /// Sends queued TLS bytes; `WouldBlock` if the socket cannot take them all now.
    fn flush(&mut self) -> io::Result<()> {
        if self.write_tls()? {
            Ok(())
        } else {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }
}

impl<C> Source for TlsStream<C> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.registered = Some(interests);
        self.sock.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.registered = Some(interests);
        self.sock.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        self.registered = None;
        self.sock.deregister(registry)
    }
}
