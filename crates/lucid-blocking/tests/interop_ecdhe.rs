//! ECDHE key exchange (RFC 8422) against real peers on 127.0.0.1, both directions:
//!
//! - the lucid client against `openssl s_server -www`: every ECDHE_RSA suite at every
//!   version it allows, one cell per group forced with `-groups`, ECDHE_ECDSA with the P-256
//!   and P-384 certificates (TLS 1.2 GCM, TLS 1.0 CBC-SHA);
//! - `openssl s_client` against an in-process lucid server (`accept` and a tiny HTTP
//!   responder): ECDHE_RSA at TLS 1.0/1.1/1.2 and per group, ECDHE_ECDSA with the P-256
//!   certificate; s_client's `Cipher is` and `Server Temp Key` lines are checked;
//! - gnutls both ways (`gnutls-serv --http` and `gnutls-cli`), each cell with a priority string
//!   that leaves exactly one version, key exchange, cipher and group;
//! - resumption after an ECDHE full handshake against `openssl s_server` (`resumed`, no
//!   group on the abbreviated handshake).
//!
//! Every cell checks the peer's view (the page or the client's output) and lucid's
//! `Negotiated` (version, suite, `group`). Each section is its own `#[test]`, so they run in
//! parallel; each prints its table and writes it to `target/interop/ecdhe-<section>.txt`.
//! A missing peer fails under `LUCID_REQUIRE_PEERS=1` (set by `cargo xtask ci`) and is
//! reported as skipped otherwise.

mod common;

use core::fmt::Write as _;
use core::time::Duration;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use common::Peer;
use lucid_blocking::Stream;
use lucid_blocking::server::{MemoryClientSessionStore, accept, load_certified_key};
use lucid_core::x509::RootStore;
use lucid_core::{
    CipherSuite, ClientConfig, ClientConnection, NamedGroup, Negotiated, ProtocolVersion,
    ServerConfig, WebPkiVerifier,
};
use lucid_test_support::peers::{run, tail, testdata};
use rustls_pki_types::ServerName;

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
const PEER_TIMEOUT: Duration = Duration::from_secs(30);

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

const X25519: NamedGroup = NamedGroup::X25519;
const P256: NamedGroup = NamedGroup::SECP256R1;
const P384: NamedGroup = NamedGroup::SECP384R1;

const RSA_128_SHA: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
const RSA_256_SHA: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA;
const RSA_128_SHA256: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256;
const RSA_128_GCM: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const RSA_256_GCM: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
const ECDSA_128_SHA: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA;
const ECDSA_128_GCM: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const ECDSA_256_GCM: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;

/// Every ECDHE_RSA suite lucid implements, with the versions it is valid at.
const RSA_SUITES: [(CipherSuite, &[ProtocolVersion]); 5] = [
    (RSA_128_SHA, &[V10, V11, V12]),
    (RSA_256_SHA, &[V10, V11, V12]),
    (RSA_128_SHA256, &[V12]),
    (RSA_128_GCM, &[V12]),
    (RSA_256_GCM, &[V12]),
];

/// A server certificate: chain, key, and the root a client trusts it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cert {
    Rsa,
    EcdsaP256,
    EcdsaP384,
}

impl Cert {
    fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
        }
    }
    /// The leaf alone (openssl's `-cert`).
    fn leaf(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/leaf.pem",
            Self::EcdsaP256 => "ecdsa/p256-leaf.pem",
            Self::EcdsaP384 => "ecdsa/p384-leaf.pem",
        })
    }
    /// Leaf first, then the intermediates.
    fn chain(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/chain.pem",
            Self::EcdsaP256 => "ecdsa/p256-leaf.chain.pem",
            Self::EcdsaP384 => "ecdsa/p384-leaf.chain.pem",
        })
    }
    /// The intermediates after the leaf (openssl's `-cert_chain`), if any.
    fn intermediates(self) -> Option<PathBuf> {
        match self {
            Self::Rsa => Some(testdata("pki/intermediate.pem")),
            Self::EcdsaP256 => Some(testdata("ecdsa/p256-intermediate.pem")),
            Self::EcdsaP384 => None,
        }
    }
    fn key(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/leaf.key",
            Self::EcdsaP256 => "ecdsa/p256-leaf.key",
            Self::EcdsaP384 => "ecdsa/p384-leaf.key",
        })
    }
    fn root(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/root.pem",
            Self::EcdsaP256 => "ecdsa/p256-root.pem",
            Self::EcdsaP384 => "ecdsa/p384-root.pem",
        })
    }
}

// ---------------------------------------------------------------- names

/// openssl's suite names.
fn openssl_suite(s: CipherSuite) -> &'static str {
    match s {
        RSA_128_SHA => "ECDHE-RSA-AES128-SHA",
        RSA_256_SHA => "ECDHE-RSA-AES256-SHA",
        RSA_128_SHA256 => "ECDHE-RSA-AES128-SHA256",
        RSA_128_GCM => "ECDHE-RSA-AES128-GCM-SHA256",
        RSA_256_GCM => "ECDHE-RSA-AES256-GCM-SHA384",
        ECDSA_128_SHA => "ECDHE-ECDSA-AES128-SHA",
        ECDSA_128_GCM => "ECDHE-ECDSA-AES128-GCM-SHA256",
        ECDSA_256_GCM => "ECDHE-ECDSA-AES256-GCM-SHA384",
        other => panic!("no openssl name for {other:?}: add it to the interop table"),
    }
}

fn openssl_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLSv1",
        V11 => "TLSv1.1",
        _ => "TLSv1.2",
    }
}

fn openssl_version_flag(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "-tls1",
        V11 => "-tls1_1",
        _ => "-tls1_2",
    }
}

/// openssl's `-groups` name and the group as s_server's page lists it.
fn openssl_group(g: NamedGroup) -> &'static str {
    match g {
        X25519 => "x25519",
        P256 => "secp256r1",
        P384 => "secp384r1",
        other => panic!("no openssl name for {other:?}"),
    }
}

/// s_client's `Server Temp Key:` line (without the key size).
fn openssl_temp_key(g: NamedGroup) -> &'static str {
    match g {
        X25519 => "Server Temp Key: X25519, ",
        P256 => "Server Temp Key: ECDH, prime256v1, ",
        P384 => "Server Temp Key: ECDH, secp384r1, ",
        other => panic!("no openssl name for {other:?}"),
    }
}

/// gnutls' suite names, as `gnutls-serv --http` prints them.
fn gnutls_suite(s: CipherSuite) -> &'static str {
    match s {
        RSA_128_SHA => "ECDHE_RSA_AES_128_CBC_SHA1",
        RSA_128_GCM => "ECDHE_RSA_AES_128_GCM_SHA256",
        RSA_256_GCM => "ECDHE_RSA_AES_256_GCM_SHA384",
        ECDSA_128_GCM => "ECDHE_ECDSA_AES_128_GCM_SHA256",
        other => panic!("no gnutls name for {other:?}: add it to the interop table"),
    }
}

fn gnutls_group(g: NamedGroup) -> &'static str {
    match g {
        X25519 => "X25519",
        P256 => "SECP256R1",
        P384 => "SECP384R1",
        other => panic!("no gnutls name for {other:?}"),
    }
}

/// A gnutls priority string leaving exactly `v`, `s`'s key exchange, cipher and MAC, and `g`.
fn gnutls_priority(v: ProtocolVersion, s: CipherSuite, g: NamedGroup) -> String {
    let vers = match v {
        V10 => "+VERS-TLS1.0",
        V11 => "+VERS-TLS1.1",
        _ => "+VERS-TLS1.2",
    };
    let kx = if openssl_suite(s).starts_with("ECDHE-ECDSA") {
        "+ECDHE-ECDSA"
    } else {
        "+ECDHE-RSA"
    };
    let (cipher, mac) = match s {
        RSA_128_SHA => ("+AES-128-CBC", "+SHA1"),
        RSA_128_GCM | ECDSA_128_GCM => ("+AES-128-GCM", "+AEAD"),
        RSA_256_GCM => ("+AES-256-GCM", "+AEAD"),
        other => panic!("no gnutls priority for {other:?}"),
    };
    format!(
        "NORMAL:-VERS-ALL:{vers}:-KX-ALL:{kx}:-CIPHER-ALL:{cipher}:-MAC-ALL:{mac}:\
         -GROUP-ALL:+GROUP-{}",
        gnutls_group(g)
    )
}

/// An empty gnutls system priority file, so that only our priority strings count.
fn gnutls_empty_priority_file(dir: &Path) -> PathBuf {
    let empty = dir.join("gnutls-empty-system-priority");
    fs::write(&empty, b"").unwrap();
    empty
}

// ---------------------------------------------------------------- the table

#[derive(Debug)]
struct Row {
    peer: &'static str,
    check: String,
    version: ProtocolVersion,
    suite: CipherSuite,
    group: String,
    result: Result<(), String>,
}

/// Prints the section's table, writes it to `target/interop/ecdhe-<section>.txt` and fails
/// the test if a row failed.
fn report(section: &str, rows: &[Row], notes: &str) {
    let mut table = String::new();
    let _ = writeln!(table, "lucid ECDHE interop: {section}\n");
    let _ = writeln!(
        table,
        "{:<18} {:<26} {:<8} {:<40} {:<10} result",
        "peer", "check", "version", "suite", "group"
    );
    for r in rows {
        let result = match &r.result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAIL: {e}"),
        };
        let _ = writeln!(
            table,
            "{:<18} {:<26} {:<8} {:<40} {:<10} {result}",
            r.peer,
            r.check,
            r.version.to_string(),
            r.suite.to_string(),
            r.group
        );
    }
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    let _ = writeln!(table, "\n{} cells, {failed} failed", rows.len());
    table.push_str(notes);
    println!("{table}");
    let path = common::out_dir("").join(format!("ecdhe-{section}.txt"));
    fs::write(&path, &table).unwrap();
    assert_eq!(failed, 0, "ECDHE interop failures:\n{table}");
}

fn expect(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Ok(())
    } else {
        Err(format!("{what}: expected {needle:?}"))
    }
}

/// lucid's view of a full ECDHE handshake.
fn check_negotiated(
    n: &Negotiated,
    v: ProtocolVersion,
    s: CipherSuite,
    g: NamedGroup,
) -> Result<(), String> {
    if n.version != v || n.suite != s || n.group != Some(g) || n.resumed {
        return Err(format!(
            "lucid negotiated {} {} group {:?} resumed={}",
            n.version, n.suite, n.group, n.resumed
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- lucid client

/// A client for exactly `v` and `s`, trusting `cert`'s root.
fn client_config(
    v: ProtocolVersion,
    s: CipherSuite,
    cert: Cert,
    store: Option<Arc<MemoryClientSessionStore>>,
) -> Arc<ClientConfig> {
    let mut roots = RootStore::new();
    let pem = fs::read(cert.root()).unwrap();
    assert_eq!(roots.add_pem(&pem).expect("root parses"), 1);
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    c.min_version = v;
    c.max_version = v;
    c.cipher_suites = vec![s];
    if let Some(store) = store {
        c.session_store = Some(store);
    }
    Arc::new(c)
}

/// One lucid client connection: handshake, request, read to the end.
fn fetch(
    addr: core::net::SocketAddr,
    config: Arc<ClientConfig>,
) -> Result<(Negotiated, String), String> {
    let sock = common::tcp(addr).map_err(|e| format!("TCP connect: {e}"))?;
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        config,
        ServerName::try_from("localhost").unwrap(),
        lucid_blocking::now(),
        &mut rng,
    )
    .map_err(|e| format!("lucid: {e}"))?;
    let mut stream = Stream::new(conn, sock);
    let tls = |e: std::io::Error| match lucid_blocking::tls_error(&e) {
        Some(tls) => format!("lucid: {tls}"),
        None => format!("lucid: I/O: {e}"),
    };
    stream.complete_handshake().map_err(tls)?;
    let negotiated = stream.conn().negotiated().cloned().unwrap();
    common::send(&mut stream, REQUEST).map_err(tls)?;
    let (response, end) = common::read_all(&mut stream);
    let _ = stream.close();
    if let common::End::Error(e) = end {
        return Err(format!("reading the response: {e}"));
    }
    Ok((negotiated, String::from_utf8_lossy(&response).into_owned()))
}

/// One lucid client cell: version, suite, and the group the handshake must agree.
type ClientCell = (ProtocolVersion, CipherSuite, NamedGroup);

/// `openssl s_server -www` with `cert`, TLS 1.0..1.2 and the ECDHE suites for its key type,
/// optionally limited to one group.
fn s_server(openssl: &Path, dir: &Path, cert: Cert, group: Option<NamedGroup>) -> Peer {
    let port = common::free_port();
    let name = format!(
        "s_server-{}-{}",
        cert.name().replace(' ', "-"),
        group.map_or("default", openssl_group)
    );
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(cert.leaf())
        .arg("-key")
        .arg(cert.key());
    if let Some(inter) = cert.intermediates() {
        cmd.arg("-cert_chain").arg(inter);
    }
    let ciphers = if cert == Cert::Rsa {
        "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:\
         ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0"
    } else {
        "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:\
         ECDHE-ECDSA-AES256-GCM-SHA384:@SECLEVEL=0"
    };
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1.
    cmd.args([
        "-cipher",
        ciphers,
        "-min_protocol",
        "TLSv1",
        "-max_protocol",
        "TLSv1.2",
    ]);
    if let Some(g) = group {
        cmd.args(["-groups", openssl_group(g)]);
    }
    Peer::start(&name, cmd, port, dir)
}

/// Checks s_server's `-www` page for a connection.
fn check_openssl_page(
    page: &str,
    v: ProtocolVersion,
    s: CipherSuite,
    forced: Option<NamedGroup>,
    reused: bool,
) -> Result<(), String> {
    if !page.starts_with("HTTP/1.0 200 ok\r\n") {
        return Err(format!("bad status: {:?}", &page[..page.len().min(60)]));
    }
    // `New, <version>, Cipher is <suite>`: the version there is the suite's own (TLSv1.0
    // for the CBC-SHA suites), the connection's is the `Protocol` line.
    let new = if reused { "Reused, " } else { "New, " };
    expect(page, &format!("\n{new}"), "server's session line")?;
    let cipher_is = format!(", Cipher is {}\n", openssl_suite(s));
    expect(page, &cipher_is, "server's session line")?;
    let proto = format!("Protocol  : {}\n", openssl_version(v));
    expect(page, &proto, "server's protocol")?;
    if let Some(g) = forced {
        let shared = format!("Shared groups: {}\n", openssl_group(g));
        expect(page, &shared, "server's shared groups")?;
    }
    expect(page, "</BODY></HTML>", "end of page")
}

#[test]
fn lucid_client_against_openssl_s_server() {
    let mut rows = Vec::new();
    let Some(openssl) = common::find_program("openssl") else {
        let note = common::missing_peer("openssl s_server", "`openssl` not on PATH");
        report("openssl-s_server", &rows, &note);
        return;
    };
    let dir = common::out_dir("ecdhe");
    // (server certificate, group forced on the server, cells).
    let mut plan: Vec<(Cert, Option<NamedGroup>, Vec<ClientCell>)> = Vec::new();
    // openssl's default preference: x25519 (lucid offers it first too).
    let mut rsa_cells = Vec::new();
    for (s, versions) in RSA_SUITES {
        for &v in versions {
            rsa_cells.push((v, s, X25519));
        }
    }
    plan.push((Cert::Rsa, None, rsa_cells));
    for g in [P256, P384, X25519] {
        plan.push((Cert::Rsa, Some(g), vec![(V12, RSA_128_GCM, g)]));
    }
    plan.push((
        Cert::EcdsaP256,
        None,
        vec![(V12, ECDSA_128_GCM, X25519), (V10, ECDSA_128_SHA, X25519)],
    ));
    plan.push((
        Cert::EcdsaP384,
        None,
        vec![
            (V12, ECDSA_256_GCM, X25519),
            (V12, ECDSA_128_GCM, X25519),
            (V10, ECDSA_128_SHA, X25519),
        ],
    ));
    // All servers up at once (their start-up overlaps), then the cells one by one.
    let servers: Vec<Peer> = plan
        .iter()
        .map(|(cert, g, _)| s_server(&openssl, &dir, *cert, *g))
        .collect();
    for ((cert, forced, cells), server) in plan.iter().zip(&servers) {
        for &(v, s, g) in cells {
            let result =
                fetch(server.addr(), client_config(v, s, *cert, None)).and_then(|(n, page)| {
                    check_negotiated(&n, v, s, g)?;
                    check_openssl_page(&page, v, s, *forced, false)
                });
            if let Err(e) = &result {
                eprintln!("FAIL s_server {v} {s} {g}: {e}\n{}", server.output());
            }
            let check = match forced {
                Some(_) => format!("{} cert, -groups", cert.name()),
                None => format!("{} cert", cert.name()),
            };
            rows.push(Row {
                peer: "openssl s_server",
                check,
                version: v,
                suite: s,
                group: g.to_string(),
                result,
            });
        }
    }
    report("openssl-s_server", &rows, "");
}

#[test]
fn lucid_client_resumes_after_ecdhe_against_openssl() {
    let mut rows = Vec::new();
    let Some(openssl) = common::find_program("openssl") else {
        let note = common::missing_peer("openssl s_server", "`openssl` not on PATH");
        report("resumption", &rows, &note);
        return;
    };
    let dir = common::out_dir("ecdhe");
    let cells = [
        (Cert::Rsa, V12, RSA_128_GCM),
        (Cert::Rsa, V12, RSA_256_GCM),
        (Cert::Rsa, V10, RSA_128_SHA),
        (Cert::EcdsaP256, V12, ECDSA_128_GCM),
    ];
    let rsa = s_server(&openssl, &dir, Cert::Rsa, None);
    let ecdsa = s_server(&openssl, &dir, Cert::EcdsaP256, None);
    for (cert, v, s) in cells {
        let server = if cert == Cert::Rsa { &rsa } else { &ecdsa };
        let store = Arc::new(MemoryClientSessionStore::default());
        let config = client_config(v, s, cert, Some(store));
        let result = fetch(server.addr(), config.clone())
            .and_then(|(n, page)| {
                check_negotiated(&n, v, s, X25519).map_err(|e| format!("first: {e}"))?;
                check_openssl_page(&page, v, s, None, false).map_err(|e| format!("first: {e}"))
            })
            .and_then(|()| fetch(server.addr(), config))
            .and_then(|(n, page)| {
                if n.version != v || n.suite != s || !n.resumed || n.group.is_some() {
                    return Err(format!(
                        "second: lucid negotiated {} {} resumed={} group {:?}",
                        n.version, n.suite, n.resumed, n.group
                    ));
                }
                check_openssl_page(&page, v, s, None, true).map_err(|e| format!("second: {e}"))
            });
        if let Err(e) = &result {
            eprintln!("FAIL resumption {v} {s}: {e}\n{}", server.output());
        }
        rows.push(Row {
            peer: "openssl s_server",
            check: format!("{} cert, full + resumed", cert.name()),
            version: v,
            suite: s,
            group: "x25519/-".into(),
            result,
        });
    }
    report("resumption", &rows, "");
}

// ---------------------------------------------------------------- lucid server

/// A lucid server for one connection on a fresh 127.0.0.1 port: `accept`, read the request,
/// answer with a one-line page, close. The thread returns what lucid negotiated.
struct OneShot {
    port: u16,
    handle: JoinHandle<Result<Negotiated, String>>,
}

fn serve_once(cert: Cert, suite: CipherSuite) -> OneShot {
    let key = load_certified_key(&cert.chain(), &cert.key()).unwrap();
    let mut config = ServerConfig::new(key);
    config.min_version = V10;
    config.max_version = V12;
    config.cipher_suites = vec![suite];
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + PEER_TIMEOUT;
        let sock = loop {
            match listener.accept() {
                Ok((sock, _)) => break sock,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(format!("no connection: {e}")),
            }
        };
        sock.set_nonblocking(false).map_err(|e| e.to_string())?;
        let timeout = Some(Duration::from_secs(10));
        sock.set_read_timeout(timeout).map_err(|e| e.to_string())?;
        sock.set_write_timeout(timeout).map_err(|e| e.to_string())?;
        let mut stream = accept(config, sock).map_err(|e| format!("lucid handshake: {e}"))?;
        let n = stream.conn().negotiated().cloned().ok_or("no parameters")?;
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) => return Err("EOF before the end of the request".into()),
                Ok(k) => request.extend_from_slice(&buf[..k]),
                Err(e) => return Err(format!("reading the request: {e}")),
            }
        }
        let page = format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\
             lucid ecdhe: {} {} {:?}\n",
            n.version, n.suite, n.group
        );
        stream
            .write_all(page.as_bytes())
            .map_err(|e| format!("writing the page: {e}"))?;
        let _ = stream.close();
        Ok(n)
    });
    OneShot { port, handle }
}

impl OneShot {
    /// What lucid negotiated, checked against the cell.
    fn finish(self, v: ProtocolVersion, s: CipherSuite, g: NamedGroup) -> Result<(), String> {
        let n = self
            .handle
            .join()
            .map_err(|_| "server thread panicked".to_string())??;
        check_negotiated(&n, v, s, g)
    }
}

/// The page lucid's responder sends, as the client must have printed it.
fn check_lucid_page(out: &str, v: ProtocolVersion, s: CipherSuite) -> Result<(), String> {
    expect(out, "HTTP/1.0 200 OK\r\n", "HTTP status")?;
    expect(out, &format!("lucid ecdhe: {v} {s} "), "lucid's page")
}

#[test]
fn openssl_s_client_against_lucid_server() {
    let mut rows = Vec::new();
    if common::find_program("openssl").is_none() {
        let note = common::missing_peer("openssl s_client", "`openssl` not on PATH");
        report("openssl-s_client", &rows, &note);
        return;
    }
    // (certificate, version, suite, group forced on the client or None for its default).
    let cells: [(Cert, ProtocolVersion, CipherSuite, Option<NamedGroup>); 9] = [
        (Cert::Rsa, V10, RSA_128_SHA, None),
        (Cert::Rsa, V11, RSA_256_SHA, None),
        (Cert::Rsa, V12, RSA_128_GCM, None),
        (Cert::Rsa, V12, RSA_256_GCM, None),
        (Cert::Rsa, V12, RSA_128_SHA256, None),
        (Cert::Rsa, V12, RSA_128_GCM, Some(P256)),
        (Cert::Rsa, V12, RSA_128_GCM, Some(P384)),
        (Cert::EcdsaP256, V12, ECDSA_128_GCM, None),
        (Cert::EcdsaP256, V10, ECDSA_128_SHA, Some(P256)),
    ];
    for (cert, v, s, forced) in cells {
        let server = serve_once(cert, s);
        let cipher = if v == V12 {
            openssl_suite(s).to_string()
        } else {
            // OpenSSL 3 refuses TLS 1.0/1.1 above security level 0.
            format!("{}:@SECLEVEL=0", openssl_suite(s))
        };
        let mut cmd = Command::new("openssl");
        cmd.args(["s_client", "-connect"])
            .arg(format!("127.0.0.1:{}", server.port))
            .args(["-servername", "localhost", "-CAfile"])
            .arg(cert.root())
            .args([
                "-verify_return_error",
                openssl_version_flag(v),
                "-cipher",
                &cipher,
                "-ign_eof",
            ]);
        if let Some(g) = forced {
            cmd.args(["-groups", openssl_group(g)]);
        }
        let g = forced.unwrap_or(X25519);
        let result = run(&mut cmd, REQUEST, PEER_TIMEOUT)
            .map_err(|e| e.to_string())
            .and_then(|ran| {
                // The version in `New, <version>, Cipher is` is the suite's own.
                let cipher_is = format!(", Cipher is {}\n", openssl_suite(s));
                let proto = format!("Protocol  : {}\n", openssl_version(v));
                expect(&ran.stdout, &cipher_is, "s_client's session line")
                    .and_then(|()| expect(&ran.stdout, &proto, "s_client's protocol"))
                    .and_then(|()| expect(&ran.stdout, openssl_temp_key(g), "s_client's temp key"))
                    .and_then(|()| check_lucid_page(&ran.stdout, v, s))
                    .map_err(|e| format!("{e}: {}", tail(&ran)))
            });
        // The server's result either way: its error explains a client failure.
        let result = match (result, server.finish(v, s, g)) {
            (Ok(()), lucid) => lucid,
            (Err(e), Ok(())) => Err(e),
            (Err(e), Err(lucid)) => Err(format!("{e}; {lucid}")),
        };
        rows.push(Row {
            peer: "openssl s_client",
            check: match forced {
                Some(_) => format!("{} cert, -groups", cert.name()),
                None => format!("{} cert", cert.name()),
            },
            version: v,
            suite: s,
            group: g.to_string(),
            result,
        });
    }
    report("openssl-s_client", &rows, "");
}

// ---------------------------------------------------------------- gnutls

/// gnutls' cells, both directions: (certificate, version, suite, group).
const GNUTLS_CELLS: [(Cert, ProtocolVersion, CipherSuite, NamedGroup); 6] = [
    (Cert::Rsa, V12, RSA_128_GCM, X25519),
    (Cert::Rsa, V12, RSA_256_GCM, P384),
    (Cert::Rsa, V12, RSA_128_GCM, P256),
    (Cert::Rsa, V10, RSA_128_SHA, X25519),
    (Cert::EcdsaP256, V12, ECDSA_128_GCM, P256),
    (Cert::EcdsaP256, V12, ECDSA_128_GCM, X25519),
];

/// gnutls' description of the key exchange, e.g. `(ECDHE-X25519)`.
fn gnutls_kx(g: NamedGroup) -> String {
    format!("(ECDHE-{})", gnutls_group(g))
}

#[test]
fn gnutls_both_directions() {
    let mut rows = Vec::new();
    let mut notes = String::new();
    let dir = common::out_dir("ecdhe");
    let empty = gnutls_empty_priority_file(&dir);

    // lucid client → gnutls-serv, one server per cell (the priority string is the server's).
    match common::find_program("gnutls-serv") {
        None => {
            let why = "`gnutls-serv` not on PATH (Debian: gnutls-bin)";
            let _ = writeln!(notes, "{}", common::missing_peer("gnutls-serv", why));
        }
        Some(bin) => {
            let servers: Vec<Peer> = GNUTLS_CELLS
                .iter()
                .enumerate()
                .map(|(i, &(cert, v, s, g))| {
                    let port = common::free_port();
                    let mut cmd = Command::new(&bin);
                    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", &empty)
                        .arg("--http")
                        .arg("--disable-client-cert")
                        .arg("--port")
                        .arg(port.to_string())
                        .arg("--x509certfile")
                        .arg(cert.chain())
                        .arg("--x509keyfile")
                        .arg(cert.key())
                        .arg("--priority")
                        .arg(gnutls_priority(v, s, g));
                    Peer::start(&format!("gnutls-serv-ecdhe-{i}"), cmd, port, &dir)
                })
                .collect();
            for (&(cert, v, s, g), server) in GNUTLS_CELLS.iter().zip(&servers) {
                let result =
                    fetch(server.addr(), client_config(v, s, cert, None)).and_then(|(n, page)| {
                        check_negotiated(&n, v, s, g)?;
                        if !page.starts_with("HTTP/1.0 200 OK\r\n") {
                            return Err(format!("bad status: {:?}", &page[..page.len().min(60)]));
                        }
                        let suite = format!("<TD>Ciphersuite</TD><TD>{}</TD>", gnutls_suite(s));
                        expect(&page, &suite, "server's suite")?;
                        expect(&page, &gnutls_kx(g), "server's key exchange")?;
                        expect(&page, "</BODY></HTML>", "end of page")
                    });
                if let Err(e) = &result {
                    eprintln!("FAIL gnutls-serv {v} {s} {g}: {e}\n{}", server.output());
                }
                rows.push(Row {
                    peer: "gnutls-serv",
                    check: format!("{} cert", cert.name()),
                    version: v,
                    suite: s,
                    group: g.to_string(),
                    result,
                });
            }
        }
    }

    // gnutls-cli → lucid server.
    match common::find_program("gnutls-cli") {
        None => {
            let why = "`gnutls-cli` not on PATH (Debian: gnutls-bin)";
            let _ = writeln!(notes, "{}", common::missing_peer("gnutls-cli", why));
        }
        Some(bin) => {
            for (cert, v, s, g) in GNUTLS_CELLS {
                let server = serve_once(cert, s);
                let mut cmd = Command::new(&bin);
                cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", &empty)
                    .arg("--x509cafile")
                    .arg(cert.root())
                    .args(["-p", &server.port.to_string(), "--priority"])
                    .arg(gnutls_priority(v, s, g))
                    .arg("localhost");
                let result = run(&mut cmd, REQUEST, PEER_TIMEOUT)
                    .map_err(|e| e.to_string())
                    .and_then(|ran| {
                        expect(&ran.stdout, &gnutls_kx(g), "gnutls-cli's description")
                            .and_then(|()| check_lucid_page(&ran.stdout, v, s))
                            .map_err(|e| format!("{e}: {}", tail(&ran)))
                    });
                let result = match (result, server.finish(v, s, g)) {
                    (Ok(()), lucid) => lucid,
                    (Err(e), Ok(())) => Err(e),
                    (Err(e), Err(lucid)) => Err(format!("{e}; {lucid}")),
                };
                rows.push(Row {
                    peer: "gnutls-cli",
                    check: format!("{} cert", cert.name()),
                    version: v,
                    suite: s,
                    group: g.to_string(),
                    result,
                });
            }
        }
    }
    report("gnutls", &rows, &notes);
}
