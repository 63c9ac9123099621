use super::*;
use lucid_blocking::server::MemoryClientSessionStore;
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ClientConnection, WebPkiVerifier};
use rustls_pki_types::ServerName;
use std::path::Path;
use std::time::Instant;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

fn args(mode: &str, key: &str) -> ServeArgs {
    ServeArgs {
        cert: vec![testdata("pki/chain.pem")],
        key: vec![testdata(key)],
        listen: "127.0.0.1:0".into(),
        tls_min: ProtocolVersion::TLSV1_0,
        tls_max: ProtocolVersion::TLSV1_2,
        ciphers: vec![],
        www: mode == "www",
        echo: mode == "echo",
        alpn: vec![],
        no_ems: false,
        no_etm: false,
        require_secure_renegotiation: false,
        legacy_ciphers: false,
        client_ca: None,
        require_client_cert: false,
        keylog: None,
        pcap: None,
        html_dir: None,
        timeout: 1,
        max_connections: 8,
    }
}

fn client(store: Option<Arc<MemoryClientSessionStore>>) -> Arc<ClientConfig> {
    let mut roots = RootStore::new();
    for der in lucid_blocking::load_pem_certs(&testdata("pki/root.pem")).unwrap() {
        roots.add_der(&der).unwrap();
    }
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    c.min_version = ProtocolVersion::TLSV1_0;
    if let Some(s) = store {
        c.session_store = Some(s);
    }
    Arc::new(c)
}

fn get(addr: core::net::SocketAddr, config: Arc<ClientConfig>) -> String {
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        config,
        ServerName::try_from("localhost").unwrap(),
        lucid_blocking::now(),
        &mut rng,
    )
    .unwrap();
    let mut s = Stream::new(conn, sock);
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn www_pages_and_resumption() {
    let addr = spawn_for_test(build(&args("www", "pki/leaf.key")).unwrap());
    let store = Arc::new(MemoryClientSessionStore::default());
    let first = get(addr, client(Some(store.clone())));
    assert!(first.starts_with("HTTP/1.0 200 OK\r\n"), "{first}");
    assert!(first.contains("Protocol  : TLSv1.2\n"), "{first}");
    assert!(first.contains("Cipher    : TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"));
    assert!(first.contains("EMS       : yes\n"));
    assert!(
        first.contains("ETM       : no\n"),
        "no encrypt-then-MAC with AES-GCM"
    );
    assert!(first.contains("Resumed   : no\n"));
    assert!(first.contains("SNI       : localhost\n"));
    let id_line = first.lines().find(|l| l.starts_with("Session-ID")).unwrap();
    assert_eq!(id_line.len(), "Session-ID: ".len() + 64);
    let second = get(addr, client(Some(store)));
    assert!(second.contains("Resumed   : yes\n"), "{second}");
    assert!(second.contains(id_line), "same session id");
}

/// `--cert`/`--key` twice: an ECDSA and an RSA chain, each client served by the chain
/// of the best suite it offers.
#[test]
fn an_ecdsa_and_an_rsa_chain_at_once() {
    let mut a = args("www", "ecdsa/p256-leaf.key");
    a.cert = vec![
        testdata("ecdsa/p256-leaf.chain.pem"),
        testdata("pki/chain.pem"),
    ];
    a.key.push(testdata("pki/leaf.key"));
    let addr = spawn_for_test(build(&a).unwrap());
    let both_roots = |suites: &[CipherSuite]| {
        let mut roots = RootStore::new();
        for pem in ["pki/root.pem", "ecdsa/p256-root.pem"] {
            for der in lucid_blocking::load_pem_certs(&testdata(pem)).unwrap() {
                roots.add_der(&der).unwrap();
            }
        }
        let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
        if !suites.is_empty() {
            c.cipher_suites = suites.to_vec();
        }
        Arc::new(c)
    };
    let page = get(addr, both_roots(&[]));
    assert!(
        page.contains("Cipher    : TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"),
        "{page}"
    );
    // A client trusting only the RSA root and offering ECDHE_RSA gets the RSA chain.
    let rsa = [CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA];
    let mut only_rsa = (*client(None)).clone();
    only_rsa.cipher_suites = rsa.to_vec();
    let page = get(addr, Arc::new(only_rsa));
    assert!(
        page.contains("Cipher    : TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n"),
        "{page}"
    );
}

/// `--html-dir`: one page per connection, as the server saw it, written when it ends.
#[test]
fn html_dir_gets_a_page_per_connection() {
    let dir = lucid_test_support::peers::out_dir("html").join("serve-pages");
    let _ = std::fs::remove_dir_all(&dir);
    let mut a = args("www", "pki/leaf.key");
    a.html_dir = Some(dir.clone());
    let addr = spawn_for_test(build(&a).unwrap());
    assert!(get(addr, client(None)).starts_with("HTTP/1.0 200 OK"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let page = loop {
        let pages: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .collect();
        if let [page] = pages.as_slice() {
            break page.clone();
        }
        assert!(Instant::now() < deadline, "no page in {}", dir.display());
        std::thread::sleep(Duration::from_millis(50));
    };
    let name = page.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("0001-127.0.0.1-"), "{name}");
    let html = std::fs::read_to_string(&page).unwrap();
    for text in [
        "lucid serve: connection 1 from 127.0.0.1:",
        "TCP connection from 127.0.0.1:",
        "client -&gt; server  handshake record, stream offset 0, plaintext",
        "server -&gt; client  handshake record",
        "key schedule: ECDH gives the pre-master secret",
        "client Finished checked: its verify_data equals",
        "handshake complete: TLS 1.2",
    ] {
        assert!(html.contains(text), "{text:?} not on the page");
    }
}

/// With --client-ca, the server-side page shows the client's chain and the checks it
/// passed (purpose instead of a host name), and the log line names it.
#[test]
fn client_certificate_verdicts_on_the_server_page() {
    let dir = lucid_test_support::peers::out_dir("html").join("serve-client-cert");
    let _ = std::fs::remove_dir_all(&dir);
    let mut a = args("www", "pki/leaf.key");
    a.html_dir = Some(dir.clone());
    a.client_ca = Some(testdata("ecdsa/p256-root.pem"));
    a.require_client_cert = true;
    let addr = spawn_for_test(build(&a).unwrap());
    let mut c = (*client(None)).clone();
    c.set_client_certificate(
        load_certified_key(
            &testdata("ecdsa/p256-client.chain.pem"),
            &testdata("ecdsa/p256-client.key"),
        )
        .unwrap(),
    );
    let page = get(addr, Arc::new(c));
    assert!(
        page.contains("Client    : C=XX, O=lucid test ECDSA, CN=lucid test ECDSA client\n"),
        "{page}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let html = loop {
        let pages: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .collect();
        if let [page] = pages.as_slice() {
            break std::fs::read_to_string(page).unwrap();
        }
        assert!(Instant::now() < deadline, "no page in {}", dir.display());
        std::thread::sleep(Duration::from_millis(50));
    };
    for text in [
        "as a client certificate",
        "lucid test ECDSA client",
        "purpose: [0] may authenticate a TLS client",
        "lucid test ECDSA P-256 root CA",
        "CertificateVerify",
    ] {
        assert!(html.contains(text), "{text:?} not on the page");
    }
}

/// ALPN: --www selects http/1.1 unless told otherwise; --alpn sets the list (server
/// order wins); a client offering only others gets no_application_protocol; clients
/// without ALPN are served either way.
#[test]
fn alpn_selection() {
    let offering = |names: &[&str]| {
        let mut c = (*client(None)).clone();
        c.alpn_protocols = names.iter().map(|n| n.as_bytes().to_vec()).collect();
        Arc::new(c)
    };
    // What the client agreed on, and the --www page's line.
    let run = |addr, names: &[&str]| -> io::Result<(Option<Vec<u8>>, String)> {
        let sock = TcpStream::connect(addr)?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut rng = lucid_blocking::os_rng();
        let conn = ClientConnection::new(
            offering(names),
            ServerName::try_from("localhost").unwrap(),
            lucid_blocking::now(),
            &mut rng,
        )
        .map_err(to_io)?;
        let mut s = Stream::new(conn, sock);
        s.complete_handshake()?;
        let agreed = s.conn().alpn_protocol().map(<[u8]>::to_vec);
        s.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
        let mut page = String::new();
        let _ = s.read_to_string(&mut page);
        let line = page
            .lines()
            .find(|l| l.starts_with("ALPN"))
            .unwrap_or_default()
            .to_string();
        Ok((agreed, line))
    };
    let www = spawn_for_test(build(&args("www", "pki/leaf.key")).unwrap());
    assert_eq!(
        run(www, &["h2", "http/1.1"]).unwrap(),
        (
            Some(b"http/1.1".to_vec()),
            "ALPN      : http/1.1".to_string()
        )
    );
    assert_eq!(
        run(www, &[]).unwrap(),
        (None, "ALPN      : (none)".to_string())
    );
    let refused = run(www, &["h2"]).unwrap_err();
    assert!(
        matches!(
            tls_error(&refused),
            Some(lucid_core::Error::AlertReceived { description, .. })
                if *description == lucid_core::AlertDescription::NO_APPLICATION_PROTOCOL
        ),
        "{refused}"
    );

    let mut a = args("www", "pki/leaf.key");
    a.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let both = spawn_for_test(build(&a).unwrap());
    assert_eq!(
        run(both, &["http/1.1", "h2"]).unwrap().0,
        Some(b"h2".to_vec()),
        "the server's order wins"
    );
    // --echo has no default list: ALPN is ignored.
    let mut a = args("echo", "pki/leaf.key");
    a.timeout = 2;
    let echo = build(&a).unwrap();
    assert!(echo.config.alpn_protocols.is_empty());
    // A name that cannot be sent is refused at startup.
    assert_eq!(
        parse_alpn(""),
        Err("an empty ALPN protocol name (RFC 7301: 1 to 255 bytes)".to_string())
    );
    assert!(
        parse_alpn(&"x".repeat(256))
            .unwrap_err()
            .contains("256 bytes")
    );
    assert_eq!(parse_alpn("http/1.1"), Ok(b"http/1.1".to_vec()));
}

#[test]
fn echo_mode() {
    let addr = spawn_for_test(build(&args("echo", "pki/leaf.rsa.key")).unwrap());
    let sock = TcpStream::connect(addr).unwrap();
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        client(None),
        ServerName::try_from("localhost").unwrap(),
        lucid_blocking::now(),
        &mut rng,
    )
    .unwrap();
    let mut s = Stream::new(conn, sock);
    let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    s.write_all(&data).unwrap();
    let mut back = vec![0u8; data.len()];
    s.read_exact(&mut back).unwrap();
    assert_eq!(back, data);
    s.close().unwrap();
}

#[test]
fn bad_clients_do_not_affect_others() {
    let addr = spawn_for_test(build(&args("www", "pki/leaf.key")).unwrap());
    // A silent client, a client sending garbage, one stopping mid-record and one
    // sending a record of junk: all at once, and they hold their sockets open.
    let silent = TcpStream::connect(addr).unwrap();
    let mut garbage = TcpStream::connect(addr).unwrap();
    garbage
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut partial = TcpStream::connect(addr).unwrap();
    partial.write_all(&[22, 3, 1, 0x01, 0x00, 1, 0]).unwrap();
    let mut flood = TcpStream::connect(addr).unwrap();
    let _ = flood.write_all(&[22, 3, 1, 0x40, 0x00]);
    let _ = flood.write_all(&[0xaa; 16384]);
    // A good client is served meanwhile, promptly.
    let start = Instant::now();
    let page = get(addr, client(None));
    assert!(page.contains("Protocol  : TLSv1.2"));
    assert!(start.elapsed() < Duration::from_secs(5));
    // The garbage client got a fatal decode_error alert.
    garbage
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut alert = [0u8; 7];
    garbage.read_exact(&mut alert).unwrap();
    assert_eq!(alert, [21, 3, 1, 0, 2, 2, 50]);
    // The silent client is dropped after the timeout (1 s here).
    let mut silent = silent;
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without a word");
    drop(partial);
    drop(flood);
    // And the server still serves.
    for _ in 0..3 {
        assert!(get(addr, client(None)).contains("HTTP/1.0 200 OK"));
    }
}

#[test]
fn connection_limit() {
    let mut a = args("www", "pki/leaf.key");
    a.max_connections = 1;
    a.timeout = 2;
    let addr = spawn_for_test(build(&a).unwrap());
    let _holder = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // The second connection is closed at once.
    let mut second = TcpStream::connect(addr).unwrap();
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(second.read(&mut buf).unwrap_or(0), 0);
}

#[test]
fn configuration_errors() {
    let mut a = args("www", "pki/leaf.key");
    a.key = vec![testdata("demo/leaf.key")];
    assert!(build(&a).unwrap_err().contains("does not match"));
    // Chains and keys pair up one to one, at most one chain per key type.
    let mut a = args("www", "pki/leaf.key");
    a.cert.push(testdata("ecdsa/p256-leaf.chain.pem"));
    assert!(
        build(&a)
            .unwrap_err()
            .contains("one key per certificate chain")
    );
    let mut a = args("www", "pki/leaf.key");
    a.cert.push(testdata("pki/chain.pem"));
    a.key.push(testdata("pki/leaf.key"));
    assert!(build(&a).unwrap_err().contains("same key type"));
    let mut a = args("www", "pki/leaf.key");
    a.tls_max = ProtocolVersion::TLSV1_1;
    a.ciphers = vec![CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256];
    assert!(build(&a).is_err());
    let mut a = args("www", "pki/leaf.key");
    a.key = vec![testdata("pki/chain.pem")];
    assert!(build(&a).is_err());
}
