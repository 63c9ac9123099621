//! The lucid client against real servers that stand for old gear (issue 14):
//!
//! - `gnutls-serv` with `%DISABLE_SAFE_RENEGOTIATION`, a server whose TLS stack predates
//!   RFC 5746 (no renegotiation_info in its ServerHello): refused by default with the error
//!   that names `allow_legacy_renegotiation`, a full HTTP exchange with it;
//! - `openssl s_server -Verify 1`, a server that requires a client certificate: lucid (which
//!   has none to give) reports exactly that, not "no common cipher suite".
//!
//! Each peer is found through `lucid_test_support::peers`; a missing one fails under
//! `LUCID_REQUIRE_PEERS=1` and is skipped (loudly) otherwise.

mod common;

use std::fs;
use std::process::Command;
use std::sync::Arc;

use lucid_blocking::Stream;
use lucid_core::pki_types::ServerName;
use lucid_core::{ClientConfig, ClientConnection, Error, PeerIncompatible};

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// One connection: handshake, GET, read to the end. The negotiated parameters and the reply,
/// or the TLS error.
fn get(
    addr: core::net::SocketAddr,
    config: ClientConfig,
) -> Result<(lucid_core::Negotiated, Vec<u8>), Error> {
    let sock = common::tcp(addr).map_err(|_| Error::Internal("TCP connect failed"))?;
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        Arc::new(config),
        ServerName::try_from("localhost").unwrap(),
        lucid_blocking::now(),
        &mut rng,
    )?;
    let mut stream = Stream::new(conn, sock);
    let tls = |e: std::io::Error| {
        lucid_blocking::tls_error(&e)
            .cloned()
            .unwrap_or(Error::Internal("transport I/O error"))
    };
    stream.complete_handshake().map_err(tls)?;
    let negotiated = stream.conn().negotiated().cloned().unwrap();
    common::send(&mut stream, REQUEST).map_err(tls)?;
    let (reply, _) = common::read_all(&mut stream);
    Ok((negotiated, reply))
}

#[test]
fn server_without_secure_renegotiation() {
    let Some(gnutls) = common::find_program("gnutls-serv") else {
        common::missing_peer(
            "gnutls-serv",
            "`gnutls-serv` not on PATH (Debian: gnutls-bin)",
        );
        return;
    };
    let dir = common::out_dir("legacy");
    let port = common::free_port();
    let empty = dir.join("gnutls-empty-system-priority");
    fs::write(&empty, b"").unwrap();
    let mut cmd = Command::new(gnutls);
    // The issue's own example: an RFC 5746-less TLS 1.0 server with RSA + AES-128-CBC-SHA1.
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", empty)
        .arg("--http")
        .arg("--disable-client-cert")
        .arg("--port")
        .arg(port.to_string())
        .arg("--x509certfile")
        .arg(common::pki("chain.pem"))
        .arg("--x509keyfile")
        .arg(common::pki("leaf.key"))
        .arg("--priority")
        .arg("NORMAL:%DISABLE_SAFE_RENEGOTIATION:+VERS-TLS1.0:+RSA:+AES-128-CBC:+SHA1");
    let peer = common::Peer::start("gnutls-serv-legacy", cmd, port, &dir);

    // Default: refused, with the error that says what the server lacks and names the option.
    let err = get(peer.addr(), common::client_config()).unwrap_err();
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::SecureRenegotiationUnsupported)
    );
    let text = err.to_string();
    assert!(text.contains("RFC 5746"), "{text}");
    assert!(text.contains("allow-legacy-renegotiation"), "{text}");

    // Opted in: a full exchange, and the connection says the server predates RFC 5746.
    let mut config = common::client_config();
    config.allow_legacy_renegotiation = true;
    let (n, reply) = get(peer.addr(), config).unwrap_or_else(|e| panic!("{e}\n{}", peer.output()));
    assert!(!n.secure_renegotiation);
    assert!(
        reply.starts_with(b"HTTP/1.0 200 OK\r\n"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    println!(
        "gnutls-serv %DISABLE_SAFE_RENEGOTIATION: refused by default ({text}); with \
         allow_legacy_renegotiation: {} {}, HTTP 200",
        n.version, n.suite
    );
}

#[test]
fn server_that_requires_a_client_certificate() {
    let Some(openssl) = common::find_program("openssl") else {
        common::missing_peer("openssl", "`openssl` not on PATH");
        return;
    };
    let dir = common::out_dir("legacy");
    let port = common::free_port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-Verify", "1", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(common::pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(common::pki("intermediate.pem"))
        .arg("-key")
        .arg(common::pki("leaf.key"))
        .arg("-CAfile")
        .arg(common::pki("root.pem"));
    let peer = common::Peer::start("openssl-verify", cmd, port, &dir);
    let err = get(peer.addr(), common::client_config()).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::AlertReceived { .. }),
        "{err:?}\n{}",
        peer.output()
    );
    assert!(
        text.contains("requires a client certificate"),
        "{text}\n{}",
        peer.output()
    );
    assert!(!text.contains("shares no cipher suite"), "{text}");
    println!("openssl s_server -Verify 1: {text}");
}
