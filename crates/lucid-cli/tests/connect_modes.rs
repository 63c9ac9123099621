//! `lucid connect` output modes and `lucid demo`, end to end: the built binary against a
//! lucid server running in a thread of the test.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lucid_blocking::Stream;
use lucid_blocking::session::MemoryServerSessionStore;
use lucid_core::trace::wire::ProtocolVersion;
use lucid_core::x509::certs_from_pem;
use lucid_core::x509::pki_types::PrivateKeyDer;
use lucid_core::x509::pki_types::pem::PemObject;
use lucid_core::{CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection};

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

const REPLY: &str = "HTTP/1.0 200 OK\r\n\r\nhello from the test server\n";

/// A lucid server for `n` connections that answers any request with [`REPLY`].
fn server(n: usize) -> String {
    server_alpn(n, &[])
}

/// Like [`server`], speaking these ALPN protocols.
fn server_alpn(n: usize, alpn: &[&str]) -> String {
    let chain = certs_from_pem(&std::fs::read(testdata("pki/chain.pem")).unwrap())
        .unwrap()
        .into_iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    let key = PrivateKeyDer::from_pem_file(testdata("pki/leaf.key")).unwrap();
    let key = RsaCrateKey::from_pkcs8_der(key.secret_der()).unwrap();
    let mut config = ServerConfig::new(CertifiedKey::new(chain, Arc::new(key)).unwrap());
    config.min_version = ProtocolVersion::TLSV1_0;
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.session_store = Some(Arc::new(MemoryServerSessionStore::new(
        8,
        Duration::from_secs(60),
    )));
    let config = Arc::new(config);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    thread::spawn(move || {
        for _ in 0..n {
            let (sock, _) = l.accept().unwrap();
            sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut s = Stream::new(ServerConnection::new(config.clone()).unwrap(), sock);
            let mut buf = [0u8; 256];
            let mut got = Vec::new();
            while !got.ends_with(b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => got.extend_from_slice(&buf[..k]),
                }
            }
            let _ = s.write_all(REPLY.as_bytes());
            let _ = s.close();
            let _ = s.read(&mut buf);
        }
    });
    addr
}

fn lucid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lucid"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn connect(addr: &str, extra: &[&str]) -> (Output, String, String) {
    let root = testdata("pki/root.pem");
    let mut args = vec![
        "connect",
        addr,
        "--servername",
        "localhost",
        "--cafile",
        root.to_str().unwrap(),
        "--request",
        "GET / HTTP/1.0\\r\\n\\r\\n",
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    let out = lucid(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "colour off a terminal"
    );
    (out, stdout, stderr)
}

#[test]
fn default_mode_prints_the_reply_and_a_summary() {
    let addr = server(1);
    let (_, stdout, stderr) = connect(&addr, &[]);
    assert_eq!(stdout, REPLY);
    for want in [
        "lucid: connection 1 to ",
        "negotiated   TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "extended_master_secret yes, encrypt_then_mac no",
        "[0] C=XX, O=lucid test PKI, CN=localhost",
        "signature verified with the public key of [1] ok",
        "anchor: C=XX, O=lucid test PKI, CN=lucid test root CA",
        "name: \"localhost\" is one of [0]'s subjectAltNames ok",
        "resumption   full handshake",
        "timing       TCP connected ",
        "server Finished checked ",
    ] {
        assert!(stderr.contains(want), "{want:?} not in:\n{stderr}");
    }
}

#[test]
fn trace_and_timeline_then_the_reply() {
    let addr = server(1);
    let (_, stdout, stderr) = connect(
        &addr,
        &[
            "--trace",
            "--timeline",
            "--tls-min",
            "1.0",
            "--tls-max",
            "1.0",
        ],
    );
    for want in [
        "=== connection 1 to ",
        "client -> server  handshake record, stream offset 0, plaintext",
        "ClientHello (",
        "client_version: TLS 1.0 (3,1)",
        "ServerHelloDone (4 bytes: 4-byte header + 0-byte body)",
        "will not ask for a client certificate",
        "ecdh_Yc",
        "key_block: PRF(master_secret, \"key expansion\"",
        "client_write_IV[16] server_write_IV[16]",
        "verify_data: PRF(master_secret, \"client finished\", MD5(handshake_messages) + SHA-1(handshake_messages))",
        "server Finished checked",
        "|--- ClientHello ---",
        "--- ServerHelloDone ---|",
        "--- reply: ",
    ] {
        assert!(stdout.contains(want), "{want:?} not in:\n{stdout}");
    }
    assert!(stdout.ends_with(REPLY), "{stdout}");
    assert!(stderr.contains("negotiated   TLS 1.0"), "{stderr}");
}

#[test]
fn json_lines_and_reconnect() {
    let addr = server(2);
    let (_, stdout, stderr) = connect(&addr, &["--json", "--reconnect", "1"]);
    for line in stdout.lines() {
        assert!(
            line.starts_with("{\"connection\":") && line.ends_with('}'),
            "{line}"
        );
    }
    let complete: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"event\":\"handshake_complete\""))
        .collect();
    assert_eq!(complete.len(), 2, "{stdout}");
    assert!(
        complete[0].starts_with("{\"connection\":1,") && complete[0].contains("\"resumed\":false")
    );
    assert!(
        complete[1].starts_with("{\"connection\":2,") && complete[1].contains("\"resumed\":true")
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("\"event\":\"reply\""))
            .count(),
        2
    );
    assert!(stdout.contains("\"outcome\":\"offered\""));
    assert!(stdout.contains("\"event\":\"certificate_verified\",\"server_name\":\"localhost\""));
    assert!(stderr.contains("lucid: connection 2 to "), "{stderr}");
    assert!(
        stderr.contains("resumed (abbreviated handshake)"),
        "{stderr}"
    );
}

#[test]
fn alpn_offer_and_the_servers_answer() {
    // Repeated or comma-separated, in order; the summary names the server's choice.
    let addr = server_alpn(2, &["http/1.1"]);
    for flags in [
        &["--alpn", "h2", "--alpn", "http/1.1"][..],
        &["--alpn", "h2,http/1.1"],
    ] {
        let (_, stdout, stderr) = connect(&addr, flags);
        assert_eq!(stdout, REPLY);
        assert!(
            stderr.contains(
                "app protocol http/1.1 (ALPN: the server's choice; offered: h2, http/1.1)\n"
            ),
            "{stderr}"
        );
    }
    // A server without ALPN: served, and the summary says nothing was agreed.
    let addr = server(1);
    let (_, _, stderr) = connect(&addr, &["--alpn", "h2,http/1.1"]);
    assert!(
        stderr.contains(
            "app protocol none: the server answered without ALPN (offered: h2, http/1.1)"
        ),
        "{stderr}"
    );
    // No --alpn, no line.
    let addr = server(1);
    let (_, _, stderr) = connect(&addr, &[]);
    assert!(!stderr.contains("app protocol"), "{stderr}");
    // Nothing in common: the server's alert, read for what it means.
    let addr = server_alpn(1, &["http/1.1"]);
    let root = testdata("pki/root.pem");
    let out = lucid(&[
        "connect",
        &addr,
        "--servername",
        "localhost",
        "--cafile",
        root.to_str().unwrap(),
        "--request",
        "x",
        "--alpn",
        "h2",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "the server sent fatal alert no_application_protocol in answer to our ClientHello: \
             the server speaks none of the application protocols offered in ALPN"
        ),
        "{stderr}"
    );
    // A name that cannot be sent is a usage error, before any connection.
    for bad in ["", "h2,,http/1.1"] {
        let out = lucid(&["connect", "127.0.0.1:9", "--alpn", bad]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains("an empty ALPN protocol name"), "{stderr}");
    }
}

#[test]
fn show_secrets_prints_the_master_secret() {
    let addr = server(1);
    let (_, stdout, _) = connect(&addr, &["--trace", "--show-secrets"]);
    assert!(stdout.contains("value: "), "{stdout}");
    assert!(!stdout.contains("--show-secrets prints it"), "{stdout}");
}

#[test]
fn demo_runs_without_network_or_files() {
    let start = Instant::now();
    let out = lucid(&["demo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(start.elapsed() < Duration::from_secs(30));
    for want in [
        "TEST ONLY",
        "=== connection 1: TLS 1.0 with TLS_RSA_WITH_AES_128_CBC_SHA",
        "cipher_suite: TLS_RSA_WITH_AES_128_CBC_SHA",
        "=== connection 3: TLS 1.2 again",
        "resumed (abbreviated handshake)",
        "connection 1: TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA, full handshake",
        "connection 3: TLS 1.2, ",
        // Every connection agrees on http/1.1 with ALPN, the resumed one included.
        "connection 1: TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA, full handshake, http/1.1, handshake done after",
        ", resumed, http/1.1, handshake done after",
        "app protocol http/1.1 (ALPN: the server's choice; offered: http/1.1)",
        "ProtocolName: \"http/1.1\" (ASCII) = HTTP/1.1: selected, one the client offered",
    ] {
        assert!(stdout.contains(want), "{want:?} not in demo output");
    }
    let brief = lucid(&["demo", "--brief"]);
    let brief = String::from_utf8_lossy(&brief.stdout);
    assert!(
        !brief.contains("ClientHello ("),
        "--brief has no byte-level trace"
    );
    assert!(brief.contains("|--- ClientHello ---"));
}

/// `lucid demo --seed`: the seed article's own handshake, TLS 1.0 with
/// TLS_RSA_WITH_RC4_128_MD5, one connection, each legacy step explained.
#[test]
fn demo_seed_is_the_articles_rc4_md5_handshake() {
    let out = lucid(&["demo", "--seed"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "TEST ONLY",
        "2048-bit demo",
        "=== connection 1: TLS 1.0 with TLS_RSA_WITH_RC4_128_MD5",
        // The ServerHello's suite, with what is weak about it.
        "cipher_suite: TLS_RSA_WITH_RC4_128_MD5: RSA key exchange, the RC4-128 stream cipher (no IV, no padding), HMAC-MD5 records. LEGACY: ",
        "RFC 7465",
        // The pre-master secret, the key block and the records.
        "no forward secrecy",
        "(RC4: no IVs, a stream cipher",
        "RC4-128(plaintext 35 + HMAC-MD5 16) = 51",
        "  legacy       TLS_RSA_WITH_RC4_128_MD5 is a legacy opt-in",
        "what is broken here, and what replaced it",
        "ECDHE (RFC 8422)",
        "connection 1: TLS 1.0, TLS_RSA_WITH_RC4_128_MD5, full handshake",
    ] {
        assert!(stdout.contains(want), "{want:?} not in demo --seed output");
    }
    assert!(!stdout.contains("=== connection 2"));
    // Plain `lucid demo` never negotiates it.
    let plain = lucid(&["demo", "--brief"]);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("RC4"));
}

#[test]
fn max_fragment_length_in_the_summary_trace_and_json() {
    let addr = server(3);
    let (_, stdout, stderr) = connect(
        &addr,
        &[
            "--max-fragment-length",
            "512",
            "--trace",
            "--reconnect",
            "1",
        ],
    );
    for want in [
        "max_fragment_length(1): asks both sides for smaller records",
        "2^9(1): records of at most 512 bytes of plaintext, both ways",
        "max_fragment_length(1): agreed: from the ServerHello on",
        "2^9(1): the client's value echoed; records of at most 512 bytes of plaintext",
    ] {
        assert!(stdout.contains(want), "{want:?} not in:\n{stdout}");
    }
    let agreed = "record size  at most 512 bytes of plaintext per record both ways \
                  (max_fragment_length, agreed)";
    // The first connection and its resumption (the server echoes the session's limit).
    assert_eq!(stderr.matches(agreed).count(), 2, "{stderr}");
    assert!(
        stderr.contains("resumed (abbreviated handshake)"),
        "{stderr}"
    );

    let (_, stdout, _) = connect(&addr, &["--max-fragment-length", "4096", "--json"]);
    let hellos: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"ClientHello\"") || l.contains("\"ServerHello\""))
        .collect();
    assert_eq!(hellos.len(), 2, "{stdout}");
    assert!(
        hellos.iter().all(|l| l.contains("max_fragment_length")),
        "{hellos:?}"
    );

    // Only the four sizes RFC 6066 defines.
    let out = lucid(&["connect", "127.0.0.1:1", "--max-fragment-length", "16384"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("RFC 6066 has 512, 1024, 2048 and 4096"),
        "{stderr}"
    );
}
