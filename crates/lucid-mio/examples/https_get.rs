//! A one-thread mio client: connects, sends an HTTP GET and prints the response.
//!
//! ```text
//! cargo run -p lucid-mio --example https_get -- --connect 127.0.0.1:4433 \
//!     --servername localhost --cafile testdata/pki/root.pem --path /
//! ```

use std::io::{Read, Write};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use lucid_core::internal::msgs::enums::ProtocolVersion;
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ClientConnection, WebPkiVerifier};
use lucid_mio::TlsStream;
use mio::net::TcpStream;
use mio::{Events, Poll, Token};
use rustls_pki_types::{ServerName, UnixTime};

/// Fetch a page over TLS 1.0-1.2 with lucid on a mio event loop.
#[derive(Debug, Parser)]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// Name for SNI and certificate checks [default: HOST].
    #[arg(long)]
    servername: Option<String>,
    /// PEM file of trusted roots [default: the operating system's store].
    #[arg(long)]
    cafile: Option<PathBuf>,
    /// Path to request.
    #[arg(long, default_value = "/")]
    path: String,
    /// Lowest version to accept (1.0, 1.1, 1.2).
    #[arg(long, default_value = "1.2")]
    tls_min: String,
}

fn version(s: &str) -> ProtocolVersion {
    match s {
        "1.0" => ProtocolVersion::TLSV1_0,
        "1.1" => ProtocolVersion::TLSV1_1,
        _ => ProtocolVersion::TLSV1_2,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let host = args
        .connect
        .rsplit_once(':')
        .map(|(h, _)| h.to_string())
        .ok_or("--connect wants HOST:PORT")?;
    let name = args.servername.clone().unwrap_or(host);
    let roots = match &args.cafile {
        Some(p) => {
            let mut roots = RootStore::new();
            for der in lucid_blocking::load_pem_certs(p)? {
                roots.add_der(&der)?;
            }
            roots
        }
        None => lucid_blocking::roots::load_native_roots(),
    };
    let mut config = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    config.min_version = version(&args.tls_min);

    let addr = args.connect.to_socket_addrs()?.next().ok_or("no address")?;
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        Arc::new(config),
        ServerName::try_from(name.clone())?,
        UnixTime::now(),
        &mut rng,
    )?;
    let mut tls = TlsStream::new(conn, TcpStream::connect(addr)?);
    let mut poll = Poll::new()?;
    const CLIENT: Token = Token(0);
    let interest = tls.interest();
    poll.registry().register(&mut tls, CLIENT, interest)?;

    let request = format!(
        "GET {} HTTP/1.0\r\nHost: {name}\r\nConnection: close\r\n\r\n",
        args.path
    );
    let mut sent = false;
    let mut events = Events::with_capacity(8);
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0u8; 16384];
    loop {
        poll.poll(&mut events, Some(std::time::Duration::from_secs(10)))?;
        if events.is_empty() {
            return Err("timed out".into());
        }
        // Drain reads until WouldBlock (edge-triggered).
        loop {
            match tls.read(&mut buf) {
                Ok(0) => {
                    out.flush()?;
                    return Ok(());
                }
                Ok(n) => out.write_all(&buf[..n])?,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        if !sent && !tls.is_handshaking() {
            match tls.write(request.as_bytes()) {
                Ok(n) if n == request.len() => sent = true,
                Ok(_) => return Err("short write".into()),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
        }
        match tls.flush() {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.into()),
        }
        tls.update_interest(poll.registry(), CLIENT)?;
    }
}
