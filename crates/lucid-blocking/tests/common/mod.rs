//! Shared by the client tests that start real peers on 127.0.0.1: lucid's side (a client
//! config, a TCP connection, read loops, one whole request/response connection). Finding and starting the peers, and the
//! `LUCID_REQUIRE_PEERS` rule, are `lucid_test_support::peers` (re-exported here).
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use core::net::SocketAddr;
use core::time::Duration;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use lucid_blocking::Stream;
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ClientConnection, Negotiated, WebPkiVerifier};
#[allow(unused_imports, reason = "each test binary uses a different subset")]
pub(crate) use lucid_test_support::peers::{
    Peer, find_program, free_port, missing_peer, out_dir, pki, tlslite,
};
use rustls_pki_types::ServerName;

/// Socket read/write timeout for one client connection.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// A TCP connection to `addr` with [`IO_TIMEOUT`] on reads and writes.
pub(crate) fn tcp(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    sock.set_read_timeout(Some(IO_TIMEOUT))?;
    sock.set_write_timeout(Some(IO_TIMEOUT))?;
    sock.set_nodelay(true)?;
    Ok(sock)
}

/// A client config that verifies with the x509 path validator against `testdata/pki/root.pem`.
pub(crate) fn client_config() -> ClientConfig {
    let mut roots = RootStore::new();
    let pem = fs::read(pki("root.pem")).expect("read testdata/pki/root.pem");
    assert_eq!(roots.add_pem(&pem).expect("root.pem parses"), 1);
    ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)))
}

/// How a read loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum End {
    /// The peer sent close_notify (read returned 0).
    CloseNotify,
    /// The transport ended without close_notify (lucid's `Error::UnexpectedEof`).
    EofWithoutCloseNotify,
    /// Any other error.
    Error(String),
}

/// Reads until the stream ends; returns the bytes and how it ended.
pub(crate) fn read_all(r: &mut impl Read) -> (Vec<u8>, End) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (out, End::CloseNotify),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => {
                let end = match lucid_blocking::tls_error(&e) {
                    Some(lucid_core::Error::UnexpectedEof) => End::EofWithoutCloseNotify,
                    Some(tls) => End::Error(format!("TLS: {tls}")),
                    None => End::Error(format!("I/O: {e}")),
                };
                return (out, end);
            }
        }
    }
}

/// Writes a whole request.
pub(crate) fn send(w: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    w.write_all(data)?;
    w.flush()
}

/// What one [`fetch`] got.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// What lucid negotiated.
    pub negotiated: Negotiated,
    /// Everything the server sent back.
    pub response: Vec<u8>,
    /// How the response ended.
    pub end: End,
    /// The connection's local TCP port (how a server's log names it).
    pub local_port: u16,
}

/// Why a [`fetch`] failed: lucid's typed error, or the transport's.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// lucid's error (e.g. the server's alert, with the handshake step it arrived in).
    Tls(lucid_core::Error),
    /// A socket error that is not a TLS one.
    Io(std::io::Error),
}

impl core::fmt::Display for FetchError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Tls(e) => write!(f, "lucid: {e}"),
            Self::Io(e) => write!(f, "lucid: I/O: {e}"),
        }
    }
}

impl From<std::io::Error> for FetchError {
    fn from(e: std::io::Error) -> Self {
        match lucid_blocking::tls_error(&e) {
            Some(tls) => Self::Tls(tls.clone()),
            None => Self::Io(e),
        }
    }
}

/// One lucid client connection to `addr` (as `localhost`): handshake, `request`, read to
/// the end.
pub(crate) fn fetch(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    request: &[u8],
) -> Result<Fetched, FetchError> {
    let sock = tcp(addr)?;
    let local_port = sock.local_addr()?.port();
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        config,
        ServerName::try_from("localhost").expect("valid name"),
        lucid_blocking::now(),
        &mut rng,
    )
    .map_err(FetchError::Tls)?;
    let mut stream = Stream::new(conn, sock);
    stream.complete_handshake()?;
    let negotiated = stream
        .conn()
        .negotiated()
        .cloned()
        .expect("a completed handshake has parameters");
    send(&mut stream, request)?;
    let (response, end) = read_all(&mut stream);
    let _ = stream.close();
    Ok(Fetched {
        negotiated,
        response,
        end,
        local_port,
    })
}

// ---- DH parameter files for the DHE peers (gnutls-serv --dhparams, openssl -dhparam).

/// A DER length.
pub(crate) fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=127 => vec![n as u8],
        128..=255 => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

/// A PEM DHparams file for prime `p` (big-endian, top bit set) and g = 2:
/// `DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }`.
pub(crate) fn dh_params_pem(dir: &std::path::Path, name: &str, p: &[u8]) -> std::path::PathBuf {
    let mut int = vec![0x02];
    int.extend(der_len(p.len() + 1));
    int.push(0); // the prime's top bit is set: a leading zero keeps it positive
    int.extend_from_slice(p);
    let mut body = int;
    body.extend_from_slice(&[0x02, 0x01, 0x02]);
    let mut der = vec![0x30];
    der.extend(der_len(body.len()));
    der.extend_from_slice(&body);
    let b64 = base64(&der);
    let mut pem = String::from("-----BEGIN DH PARAMETERS-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END DH PARAMETERS-----\n");
    let path = dir.join(name);
    fs::write(&path, pem).unwrap();
    path
}

/// The RFC 7919 ffdhe2048 group (gnutls-serv --dhparams).
pub(crate) fn ffdhe2048_pem(dir: &std::path::Path) -> std::path::PathBuf {
    dh_params_pem(
        dir,
        "ffdhe2048.pem",
        lucid_core::internal::crypto::dh_ffdhe2048_prime(),
    )
}

pub(crate) fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
