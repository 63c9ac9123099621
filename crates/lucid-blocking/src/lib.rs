//! Blocking `std` driver for lucid-core.
//!
//! [`Stream`] wraps any `Read + Write` transport (usually a `TcpStream`) and a lucid
//! connection, and is itself `Read + Write`. It supplies what the sans-IO core never takes for
//! itself: the time (`SystemTime`) and randomness (the operating system's RNG). It holds no
//! protocol logic.
#![warn(missing_docs)]

#[cfg(feature = "openssl-key")]
mod openssl_key;
#[cfg(feature = "openssl-key")]
pub use openssl_key::OpensslRsaKey;

use core::ops::DerefMut;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;

use lucid_core::{ClientConfig, ClientConnection, Connection, Error};
use rand_core::UnwrapErr;
use rustls_pki_types::{ServerName, UnixTime};

/// The operating system's RNG, as lucid-core wants it.
pub type OsRng = UnwrapErr<getrandom::SysRng>;

/// A fresh handle on the operating system's RNG.
pub fn os_rng() -> OsRng {
    UnwrapErr(getrandom::SysRng)
}

/// The current time from `SystemTime`.
pub fn now() -> UnixTime {
    UnixTime::now()
}

/// Converts a lucid error to an `io::Error` that still carries it (see [`tls_error`]).
pub fn to_io(e: Error) -> io::Error {
    e.into()
}

/// The lucid error inside an `io::Error` returned by [`Stream`], if it carries one.
pub fn tls_error(e: &io::Error) -> Option<&Error> {
    Error::from_io(e)
}

/// A TLS stream over a blocking transport `S`.
///
/// `C` is the lucid connection: a [`ClientConnection`], a [`lucid_core::ServerConnection`],
/// or `&mut Connection` for a stream that borrows both halves ([`StreamRef`]). The byte
/// moving is lucid-core's [`Connection::complete_io`]; this type adds the clock, the RNG and
/// the `Read`/`Write` surface.
///
/// ```no_run
/// use std::io::{Read, Write};
/// use std::sync::Arc;
/// use lucid_core::{ClientConfig, RootStore, WebPkiVerifier};
/// use lucid_core::pki_types::ServerName;
///
/// let roots = RootStore::new(); // add your trust anchors
/// let config = Arc::new(ClientConfig::new(Arc::new(WebPkiVerifier::new(roots))));
/// let name = ServerName::try_from("bmc.example")?;
/// let mut tls = lucid_blocking::connect(config, name, "bmc.example:443")?;
/// tls.write_all(b"GET /redfish/v1 HTTP/1.0\r\n\r\n")?;
/// let mut reply = Vec::new();
/// tls.read_to_end(&mut reply)?; // Ok only after the server's close_notify
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Stream<C, S> {
    conn: C,
    sock: S,
    rng: OsRng,
}

/// A [`Stream`] over borrowed halves: a connection and a transport the caller keeps.
pub type StreamRef<'a, S> = Stream<&'a mut Connection, &'a mut S>;

impl<'a, S: Read + Write> StreamRef<'a, S> {
    /// A stream over `conn` and `sock` for as long as the borrows last (e.g. one request).
    pub fn borrowed(conn: &'a mut Connection, sock: &'a mut S) -> Self {
        Stream::new(conn, sock)
    }
}

impl<C: DerefMut<Target = Connection>, S: Read + Write> Stream<C, S> {
    /// Wraps an existing connection and transport; nothing is sent until the first call.
    pub fn new(conn: C, sock: S) -> Self {
        Self {
            conn,
            sock,
            rng: os_rng(),
        }
    }

    /// The lucid connection.
    pub fn conn(&self) -> &C {
        &self.conn
    }

    /// The lucid connection, mutably.
    pub fn conn_mut(&mut self) -> &mut C {
        &mut self.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        &self.sock
    }

    /// The transport, mutably (e.g. to set timeouts). Reading or writing it directly
    /// corrupts the TLS stream.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.sock
    }

    /// Consumes the stream, returning the connection and the transport.
    pub fn into_parts(self) -> (C, S) {
        (self.conn, self.sock)
    }

    /// One round of [`Connection::complete_io`], retried when interrupted by a signal.
    fn complete_io(&mut self) -> io::Result<(usize, usize)> {
        loop {
            match self.conn.complete_io(&mut self.sock, now(), &mut self.rng) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// Sends everything lucid has queued.
    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.sock)? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        self.sock.flush()
    }

    /// Drives the handshake to completion.
    pub fn complete_handshake(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.complete_io()?;
        }
        self.flush_tls()?;
        if let Some(e) = self.conn.error() {
            return Err(to_io(e.clone()));
        }
        Ok(())
    }

    /// Sends close_notify and flushes it. The transport stays open for the caller to close.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.send_close_notify(&mut self.rng);
        self.flush_tls()
    }
}

impl<C: DerefMut<Target = Connection>, S: Read + Write> Read for Stream<C, S> {
    /// Reads application data. Returns `Ok(0)` only after the peer's close_notify; an end of
    /// stream without it is an `UnexpectedEof` error carrying [`Error::UnexpectedEof`].
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.complete_handshake()?;
        loop {
            let n = self.conn.read_plaintext(buf);
            if n > 0 || buf.is_empty() {
                // Let lucid look at buffered records again now there is room.
                if self.conn.plaintext().is_empty() {
                    let res = self.conn.process(now(), &mut self.rng);
                    // Flush even on error: the alert is queued.
                    let flushed = self.flush_tls();
                    res.map_err(to_io)?;
                    flushed?;
                }
                return Ok(n);
            }
            if self.conn.peer_has_closed() {
                return Ok(0);
            }
            // Reads once from the transport (EOF: clean only after close_notify).
            self.complete_io()?;
        }
    }
}

impl<C: DerefMut<Target = Connection>, S: Read + Write> Write for Stream<C, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.complete_handshake()?;
        let mut done = 0;
        while done < buf.len() {
            let rest = buf.get(done..).unwrap_or(&[]);
            let n = self
                .conn
                .write_plaintext(rest, &mut self.rng)
                .map_err(to_io)?;
            done += n;
            self.flush_tls()?;
        }
        Ok(done)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}

/// Connects to `addr` over TCP and completes a TLS handshake with `server_name`.
pub fn connect(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    addr: impl ToSocketAddrs,
) -> io::Result<Stream<ClientConnection, TcpStream>> {
    let sock = TcpStream::connect(addr)?;
    let mut rng = os_rng();
    let conn = ClientConnection::new(config, server_name, now(), &mut rng).map_err(to_io)?;
    let mut stream = Stream::new(conn, sock);
    stream.complete_handshake()?;
    Ok(stream)
}

/// Writes secrets in the NSS key-log format to a file (for Wireshark / tshark
/// `tls.keylog_file`). One line per connection: `CLIENT_RANDOM <client random> <master>`.
#[derive(Debug)]
pub struct KeyLogFile {
    file: std::sync::Mutex<std::fs::File>,
}

impl KeyLogFile {
    /// Appends to (or creates) the file at `path`.
    pub fn create(path: &std::path::Path) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Self {
            file: std::sync::Mutex::new(file),
        })
    }
}

impl lucid_core::KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        if let Ok(mut f) = self.file.lock() {
            // A failed key-log write must not break the connection.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Reads every certificate from a PEM file (DER bytes, in file order).
pub fn load_pem_certs(path: &std::path::Path) -> io::Result<Vec<Vec<u8>>> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no CERTIFICATE found", path.display()),
        ));
    }
    Ok(certs)
}
pub mod roots;
pub mod server;
pub mod session;
