//! lucid-tokio against real peers on 127.0.0.1: the client against `openssl s_server -www`
//! (TLS 1.0, 1.1, 1.2) and against a lucid-blocking server; `openssl s_client` against
//! [`TlsAcceptor`]; and the `hyper_get` example's logic against `openssl s_server -www`, the
//! `hyper_server` example (run in-process) and its Redfish JSON endpoint.
//!
//! A missing `openssl` fails the test under `LUCID_REQUIRE_PEERS=1` (as `cargo xtask ci`
//! sets) and is reported as skipped otherwise.

#[path = "../examples/common/https.rs"]
#[allow(dead_code, reason = "each test uses part of it")]
mod https;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use lucid_core::pki_types::ServerName;
use lucid_core::{CipherSuite, ClientConfig, ProtocolVersion, ServerConfig};
use lucid_test_support::peers::{Peer, find_program, free_port, missing_peer, out_dir, pki};
use lucid_tokio::{TlsAcceptor, TlsConnector};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

fn openssl() -> Option<PathBuf> {
    let found = find_program("openssl");
    if found.is_none() {
        missing_peer("openssl", "`openssl` not on PATH");
    }
    found
}

/// `openssl s_server -www` with the test chain, TLS 1.0-1.2 and the RSA suites enabled.
fn s_server_www(openssl: &PathBuf, name: &str) -> Peer {
    let port = free_port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(pki("intermediate.pem"))
        .arg("-key")
        .arg(pki("leaf.key"))
        // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level.
        .args([
            "-cipher",
            "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        ])
        .args(["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"]);
    Peer::start(name, cmd, port, &out_dir("tokio"))
}

fn client_config(version: ProtocolVersion) -> Arc<ClientConfig> {
    let mut c = (*https::client_config(Some(&pki("root.pem"))).unwrap()).clone();
    c.min_version = ProtocolVersion::TLSV1_0;
    c.max_version = version;
    Arc::new(c)
}

fn server_config() -> Arc<ServerConfig> {
    let mut c = (*https::server_config(&pki("chain.pem"), &pki("leaf.key")).unwrap()).clone();
    c.min_version = ProtocolVersion::TLSV1_0;
    c.max_version = ProtocolVersion::TLSV1_2;
    Arc::new(c)
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// GET / over a lucid-tokio client; returns the response (read to the server's
/// close_notify) and what was negotiated.
async fn fetch(config: Arc<ClientConfig>, addr: SocketAddr) -> (String, lucid_core::Negotiated) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = TlsConnector::from(config)
        .connect(localhost(), tcp)
        .await
        .unwrap();
    let negotiated = tls.negotiated().unwrap().clone();
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    tls.flush().await.unwrap();
    let mut reply = Vec::new();
    // Ok only after close_notify: a truncated reply would be an error.
    tls.read_to_end(&mut reply).await.unwrap();
    (String::from_utf8_lossy(&reply).into_owned(), negotiated)
}

#[tokio::test]
async fn client_against_openssl_s_server_www() {
    let Some(openssl) = openssl() else { return };
    let peer = s_server_www(&openssl, "s_server-www-client");
    let cases = [
        (ProtocolVersion::TLSV1_0, "TLSv1\n"),
        (ProtocolVersion::TLSV1_1, "TLSv1.1\n"),
        (ProtocolVersion::TLSV1_2, "TLSv1.2\n"),
    ];
    for (version, shown) in cases {
        let (page, negotiated) = fetch(client_config(version), peer.addr()).await;
        assert_eq!(negotiated.version, version);
        assert!(page.starts_with("HTTP/1.0 200 ok\r\n"), "{version}: {page}");
        assert!(
            page.contains(&format!("Protocol  : {shown}")),
            "{version}: s_server saw another version:\n{page}"
        );
        println!(
            "openssl s_server -www: {} {} ({} bytes)",
            negotiated.version,
            negotiated.suite,
            page.len()
        );
    }
}

#[tokio::test]
async fn client_against_lucid_blocking_server() {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let config = server_config();
    let server = std::thread::spawn(move || {
        let mut served = Vec::new();
        for _ in 0..3 {
            let (sock, _) = listener.accept().unwrap();
            let mut tls = lucid_blocking::server::accept(config.clone(), sock).unwrap();
            let mut req = [0u8; 18];
            tls.read_exact(&mut req).unwrap();
            assert_eq!(&req, b"GET / HTTP/1.0\r\n\r\n");
            let summary = lucid_blocking::server::session_summary(tls.conn());
            write!(tls, "HTTP/1.0 200 OK\r\n\r\n{summary}").unwrap();
            tls.close().unwrap();
            served.push(summary);
        }
        served
    });
    let mut pages = Vec::new();
    for version in [
        ProtocolVersion::TLSV1_0,
        ProtocolVersion::TLSV1_1,
        ProtocolVersion::TLSV1_2,
    ] {
        let (page, negotiated) = fetch(client_config(version), addr).await;
        assert_eq!(negotiated.version, version);
        pages.push(page);
    }
    let served = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    for (page, summary) in pages.iter().zip(&served) {
        assert_eq!(page, &format!("HTTP/1.0 200 OK\r\n\r\n{summary}"));
    }
    println!("lucid-blocking server: {served:?}");
}

/// An echo server over `TlsAcceptor`: echoes one line, then closes with close_notify.
async fn echo_line_server(listener: TcpListener, acceptor: TlsAcceptor, n: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..n {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls = acceptor.accept(tcp).await.unwrap();
        let negotiated = tls.negotiated().unwrap();
        seen.push(format!("{} {}", negotiated.version, negotiated.suite));
        let mut tls = BufReader::new(tls);
        let mut line = String::new();
        tls.read_line(&mut line).await.unwrap();
        let mut tls = tls.into_inner();
        tls.write_all(line.as_bytes()).await.unwrap();
        tls.shutdown().await.unwrap();
    }
    seen
}

#[test]
fn openssl_s_client_against_tls_acceptor() {
    let Some(openssl) = openssl() else { return };
    let cases = [
        (
            "-tls1",
            "AES128-SHA",
            "TLSv1.0 TLS_RSA_WITH_AES_128_CBC_SHA",
        ),
        (
            "-tls1_1",
            "AES256-SHA",
            "TLSv1.1 TLS_RSA_WITH_AES_256_CBC_SHA",
        ),
        (
            "-tls1_2",
            "AES128-SHA256",
            "TLSv1.2 TLS_RSA_WITH_AES_128_CBC_SHA256",
        ),
        ("-tls1_2", "DEFAULT", ""),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(server_config());
    let server =
        std::thread::spawn(move || rt.block_on(echo_line_server(listener, acceptor, cases.len())));
    for (version, cipher, _) in cases {
        let line = format!("echo me {version} {cipher}\n");
        let mut child = Command::new(&openssl)
            .args(["s_client", "-connect", &addr.to_string(), "-quiet"])
            .arg("-CAfile")
            .arg(pki("root.pem"))
            .args(["-verify_return_error", "-servername", "localhost", version])
            .args(["-cipher", &format!("{cipher}:@SECLEVEL=0")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout,
            line,
            "{version} {cipher}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let seen = server.join().unwrap();
    for ((version, cipher, want), got) in cases.iter().zip(&seen) {
        if !want.is_empty() {
            assert_eq!(got, want, "{version} {cipher}");
        }
    }
    println!("openssl s_client -> TlsAcceptor: {seen:?}");
}

#[tokio::test]
async fn hyper_get_against_openssl_s_server_www() {
    let Some(openssl) = openssl() else { return };
    let peer = s_server_www(&openssl, "s_server-www-hyper");
    let uri = format!("https://localhost:{}/", peer.port).parse().unwrap();
    let config = https::client_config(Some(&pki("root.pem"))).unwrap();
    let fetched = https::get(config, uri).await.unwrap();
    assert_eq!(fetched.status_line, "HTTP/1.0 200 OK");
    let body = String::from_utf8_lossy(&fetched.body);
    assert!(body.starts_with("<HTML><BODY"), "{body}");
    assert!(body.contains("Protocol  : TLSv1.2\n"), "{body}");
    assert!(body.trim_end().ends_with("</BODY></HTML>"), "{body}");
    println!(
        "hyper_get -> openssl s_server -www: {}",
        fetched.status_line
    );
}

#[tokio::test]
async fn hyper_get_against_hyper_server_and_its_redfish_endpoint() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor =
        TlsAcceptor::from(https::server_config(&pki("chain.pem"), &pki("leaf.key")).unwrap());
    let server = tokio::spawn(https::serve(listener, acceptor));
    let config = https::client_config(Some(&pki("root.pem"))).unwrap();
    let get = |path: &str| {
        let uri = format!("https://localhost:{port}{path}").parse().unwrap();
        https::get(config.clone(), uri)
    };

    let index = get("/").await.unwrap();
    assert_eq!(index.status_line, "HTTP/1.1 200 OK");
    let text = String::from_utf8_lossy(&index.body);
    assert!(
        text.starts_with("hello from lucid-tokio over hyper\nProtocol: TLSv1.2\nCipher: TLS_"),
        "{text}"
    );
    // Both halves said http/1.1 with ALPN.
    assert!(text.ends_with("\nALPN: http/1.1\n"), "{text}");

    let redfish = get("/redfish/v1").await.unwrap();
    assert_eq!(redfish.status_line, "HTTP/1.1 200 OK");
    assert_eq!(&redfish.body[..], https::REDFISH_ROOT.as_bytes());
    let body = String::from_utf8_lossy(&redfish.body);
    assert!(body.contains(r#""@odata.id":"/redfish/v1""#), "{body}");
    assert!(body.contains(r#""RedfishVersion":"1.6.0""#), "{body}");

    let missing = get("/nope").await.unwrap();
    assert_eq!(missing.status_line, "HTTP/1.1 404 Not Found");
    assert_eq!(&missing.body[..], b"not found\n");

    // The connector is for https:// only.
    let plain = https::get(
        config.clone(),
        format!("http://localhost:{port}/").parse().unwrap(),
    )
    .await
    .unwrap_err();
    assert!(
        format!("{plain:?}").contains("https:// URIs only"),
        "{plain:?}"
    );

    server.abort();
    println!(
        "hyper_get -> hyper_server: {} / {}",
        index.status_line, body
    );
}

#[tokio::test]
async fn suites_and_versions_pinned_by_the_client_are_what_the_server_sees() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(server_config());
    let server = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            seen.push(tls.negotiated().unwrap().clone());
            let mut req = [0u8; 18];
            tls.read_exact(&mut req).await.unwrap();
            tls.write_all(b"HTTP/1.0 200 OK\r\n\r\nok").await.unwrap();
            tls.shutdown().await.unwrap();
        }
        seen
    });
    for (version, suite) in [
        (
            ProtocolVersion::TLSV1_0,
            CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        ),
        (
            ProtocolVersion::TLSV1_2,
            CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        ),
    ] {
        let mut c = (*client_config(version)).clone();
        c.cipher_suites = vec![suite];
        let (page, negotiated) = fetch(Arc::new(c), addr).await;
        assert_eq!(page, "HTTP/1.0 200 OK\r\n\r\nok");
        assert_eq!((negotiated.version, negotiated.suite), (version, suite));
    }
    let seen = server.await.unwrap();
    assert_eq!(seen[0].suite, CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA);
    assert_eq!(seen[1].version, ProtocolVersion::TLSV1_2);
}
