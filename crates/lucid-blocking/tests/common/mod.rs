//! Shared by the client tests that start real peers on 127.0.0.1: lucid's side (a client
//! config, a TCP connection, read loops). Finding and starting the peers, and the
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

use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, WebPkiVerifier};
#[allow(unused_imports, reason = "each test binary uses a different subset")]
pub(crate) use lucid_test_support::peers::{
    Peer, find_program, free_port, missing_peer, out_dir, pki, tlslite,
};

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
