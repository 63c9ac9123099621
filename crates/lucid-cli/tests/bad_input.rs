//! `lucid connect` against servers that are not there, not TLS, silent, or present a bad
//! certificate: each run must end within a bounded time with exit code 1 and one line on
//! stderr saying why — never a panic, never a hang.
//!
//! The servers are local threads. The certificate cases use a scripted server that sends a
//! real ServerHello, Certificate and ServerHelloDone (encoded with lucid-core's codecs) and
//! nothing else: the client rejects the chain before any key exchange.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use lucid_core::trace::wire::ServerExtension;
use lucid_core::trace::wire::{
    CertificatePayload, HandshakeMessage, HandshakePayload, Random, ServerHelloPayload, SessionId,
};
use lucid_core::trace::wire::{CipherSuite, Compression, ProtocolVersion};

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

struct Run {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
}

/// Runs `lucid connect ARGS --timeout 2 --request x` with stdin closed.
fn connect(args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_lucid"))
        .arg("connect")
        .args(args)
        .args(["--timeout", "2", "--request", "x"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run lucid");
    Run {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// Exit code 1, one line on stderr containing every `needle`, no panic, within `max`.
fn assert_fails(r: &Run, needles: &[&str], max: Duration) {
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().count(),
        1,
        "one line expected: {:?}",
        r.stderr
    );
    assert!(r.stderr.starts_with("lucid connect: "), "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "{n:?} not in {:?}", r.stderr);
    }
    assert!(r.elapsed < max, "took {:?}", r.elapsed);
}

/// A listener on a free port, and its address.
fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    (l, addr)
}

/// Reads one whole TLS record (the ClientHello) from `s`.
fn read_record(s: &mut TcpStream) -> Vec<u8> {
    let mut header = [0u8; 5];
    s.read_exact(&mut header).unwrap();
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    body
}

fn record(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3];
    r.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// Serves one connection: answers the ClientHello with ServerHello (TLS 1.2,
/// TLS_RSA_WITH_AES_128_CBC_SHA), Certificate(`chain`) and ServerHelloDone, then waits for
/// the client to give up.
fn scripted_server(chain: Vec<Vec<u8>>) -> String {
    let (l, addr) = listener();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _hello = read_record(&mut s);
        let messages = [
            HandshakePayload::ServerHello(ServerHelloPayload {
                server_version: ProtocolVersion::TLSV1_2,
                random: Random([0x42; 32]),
                session_id: SessionId::EMPTY,
                cipher_suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
                compression_method: Compression::NULL,
                extensions: vec![ServerExtension::RenegotiationInfo(Vec::new())],
                unknown_extensions: Default::default(),
            }),
            HandshakePayload::Certificate(CertificatePayload(chain)),
            HandshakePayload::ServerHelloDone,
        ];
        let mut flight = Vec::new();
        for p in messages {
            flight.extend(record(22, &HandshakeMessage::new(p).get_encoding()));
        }
        let _ = s.write_all(&flight);
        // Wait for the client's alert and close.
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    });
    addr
}

fn pem_chain(files: &[&str]) -> Vec<Vec<u8>> {
    files
        .iter()
        .flat_map(|f| {
            let pem = std::fs::read(testdata(f)).unwrap();
            lucid_core::x509::certs_from_pem(&pem)
                .unwrap()
                .into_iter()
                .map(|c| c.as_ref().to_vec())
        })
        .collect()
}

#[test]
fn closed_port() {
    let (l, addr) = listener();
    drop(l);
    let r = connect(&[&addr]);
    assert_fails(
        &r,
        &["cannot connect", "connection refused"],
        Duration::from_secs(5),
    );
}

#[test]
fn plain_http_server() {
    let (l, addr) = listener();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let r = connect(&[&addr]);
    assert_fails(
        &r,
        &["plain text, not TLS", "\"HTTP/1.1 400 Bad Request\""],
        Duration::from_secs(5),
    );
}

#[test]
fn server_that_accepts_and_says_nothing() {
    let (l, addr) = listener();
    thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        thread::sleep(Duration::from_secs(8));
        drop(s);
    });
    let r = connect(&[&addr]);
    assert_fails(
        &r,
        &["no answer to the ClientHello within 2 s"],
        Duration::from_secs(6),
    );
    assert!(r.elapsed >= Duration::from_secs(2), "{:?}", r.elapsed);
}

#[test]
fn server_that_closes_at_once() {
    let (l, addr) = listener();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
    });
    let r = connect(&[&addr]);
    assert_fails(
        &r,
        &["closed the connection without answering the ClientHello"],
        Duration::from_secs(5),
    );
}

#[test]
fn name_that_does_not_resolve() {
    // .invalid never resolves (RFC 6761); without a resolver the lookup may instead time
    // out, which must also end within the timeout.
    let r = connect(&["no-such-host.invalid:443"]);
    assert_fails(
        &r,
        &["cannot resolve no-such-host.invalid:443"],
        Duration::from_secs(5),
    );
}

#[test]
fn expired_certificate() {
    let addr = scripted_server(pem_chain(&["cases/expired.pem", "cases/intermediate.pem"]));
    let root = testdata("cases/root.pem");
    let r = connect(&[
        &addr,
        "--servername",
        "expired.test",
        "--cafile",
        root.to_str().unwrap(),
    ]);
    assert_fails(
        &r,
        &[
            "invalid certificate",
            "certificate expired",
            "valid until 2021-01-01",
        ],
        Duration::from_secs(5),
    );
}

#[test]
fn certificate_for_another_name() {
    let addr = scripted_server(pem_chain(&["pki/leaf.pem", "pki/intermediate.pem"]));
    let root = testdata("pki/root.pem");
    let r = connect(&[
        &addr,
        "--servername",
        "wrong.example",
        "--cafile",
        root.to_str().unwrap(),
    ]);
    assert_fails(
        &r,
        &[
            "not valid for wrong.example",
            "it is valid for DNS:localhost, IP:127.0.0.1",
        ],
        Duration::from_secs(5),
    );
}

#[test]
fn certificate_from_an_unknown_root() {
    let addr = scripted_server(pem_chain(&["pki/leaf.pem", "pki/intermediate.pem"]));
    let root = testdata("cases/root.pem");
    let r = connect(&[
        &addr,
        "--servername",
        "localhost",
        "--cafile",
        root.to_str().unwrap(),
    ]);
    assert_fails(&r, &["unknown issuer"], Duration::from_secs(5));
}

#[test]
fn failed_handshake_still_traces_what_happened() {
    // With --trace the bytes seen so far go to stdout, ending with the reason.
    let addr = scripted_server(pem_chain(&["cases/expired.pem", "cases/intermediate.pem"]));
    let root = testdata("cases/root.pem");
    let out = Command::new(env!("CARGO_BIN_EXE_lucid"))
        .args(["connect", &addr, "--servername", "expired.test", "--cafile"])
        .arg(root)
        .args(["--timeout", "2", "--trace"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ClientHello ("), "{stdout}");
    assert!(stdout.contains("ServerHello ("), "{stdout}");
    assert!(stdout.contains("certificate[0]: the server's own certificate: subject C=XX, O=lucid test cases, CN=expired"), "{stdout}");
    assert!(
        stdout.contains(
            "connection failed: handshake failed: invalid certificate: certificate expired"
        ),
        "{stdout}"
    );
    // lucid told the server why, in a certificate_expired alert.
    assert!(
        stdout.contains("description: certificate_expired(45)"),
        "{stdout}"
    );
}
