//! An HTTP/1.1 hyper server over lucid's [`lucid_tokio::TlsAcceptor`]:
//!
//! ```text
//! cargo run -p lucid-tokio --example hyper_server -- \
//!     --cert testdata/pki/chain.pem --key testdata/pki/leaf.key [--listen 127.0.0.1:4433]
//! ```
//!
//! `--cert` is a PEM chain, leaf first; `--key` its PEM key (PKCS#8 `PRIVATE KEY` or
//! PKCS#1 `RSA PRIVATE KEY`). Routes: `/` (text, with the negotiated protocol, suite and
//! ALPN protocol), `/redfish/v1` (a Redfish service root, JSON). Each handshake is bounded
//! by a timeout. Clients that offer ALPN get http/1.1.

#[path = "common/https.rs"]
#[allow(dead_code, reason = "the client half is hyper_get's")]
mod https;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: hyper_server --cert CHAIN.pem --key KEY.pem [--listen ADDR:PORT]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (mut cert, mut key, mut listen) = (None, None, "127.0.0.1:4433".to_owned());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--cert", Some(v)) => cert = Some(PathBuf::from(v)),
            ("--key", Some(v)) => key = Some(PathBuf::from(v)),
            ("--listen", Some(v)) => listen = v,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(cert), Some(key)) = (cert, key) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let run = async {
        let acceptor = lucid_tokio::TlsAcceptor::from(https::server_config(&cert, &key)?);
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        println!("listening on https://{}", listener.local_addr()?);
        https::serve(listener, acceptor).await
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hyper_server: {e}");
            ExitCode::FAILURE
        }
    }
}
