//! A one-thread TLS echo server on mio serving thousands of connections: TLS 1.0–1.2, all
//! four lucid suites, session-ID resumption. Ordinary TLS clients work too:
//!
//! ```text
//! cargo run --release -p lucid-mio --example echo_server -- \
//!     --listen 127.0.0.1:4433 --cert testdata/pki/chain.pem --key testdata/pki/leaf.key
//! openssl s_client -connect 127.0.0.1:4433 -CAfile testdata/pki/root.pem
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Parser;
use lucid_blocking::session::MemoryServerSessionStore;
use lucid_core::ServerConfig;
use lucid_core::internal::msgs::enums::ProtocolVersion;

#[path = "common/echo.rs"]
mod echo;

/// TLS echo server on one thread (lucid + mio).
#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4433")]
    listen: SocketAddr,
    /// Certificate chain, PEM, leaf first.
    #[arg(long, value_name = "CHAIN.pem")]
    cert: PathBuf,
    /// RSA private key, PEM (PKCS#8 or PKCS#1).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// Drop clients silent for this many seconds.
    #[arg(long, default_value_t = 10)]
    idle_timeout: u64,
    /// One line per connection on stderr.
    #[arg(long)]
    verbose: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let cert = lucid_blocking::server::load_certified_key(&args.cert, &args.key)?;
    let mut config = ServerConfig::new(cert);
    config.min_version = ProtocolVersion::TLSV1_0;
    config.max_version = ProtocolVersion::TLSV1_2;
    config.session_store = Some(Arc::new(MemoryServerSessionStore::new(
        20_000,
        Duration::from_secs(3600),
    )));
    let listener = mio::net::TcpListener::bind(args.listen)?;
    eprintln!("echo: listening on {}", listener.local_addr()?);
    let stop = AtomicBool::new(false);
    let opts = echo::Opts {
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        verbose: args.verbose,
    };
    let stats = echo::serve(listener, Arc::new(config), &opts, &stop)?;
    eprintln!("echo: {stats:?}");
    Ok(())
}
