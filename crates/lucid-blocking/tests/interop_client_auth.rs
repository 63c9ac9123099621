//! Client certificates (mutual TLS, issue #17) against real peers on 127.0.0.1, both
//! directions; each side checks what the other reports about the client's identity.
//!
//! The cells: TLS 1.0, 1.1 and 1.2 × AES-128-CBC-SHA with RSA and with ECDHE_RSA key
//! exchange, and at TLS 1.2 ECDHE_RSA AES-128-GCM plus the three SHA-384 suites (ECDHE_RSA
//! AES-256-GCM and AES-256-CBC-SHA384, RSA AES-256-GCM), whose CertificateVerify signs a
//! SHA-384 transcript; each with an RSA client (`testdata/cases/eku-clientauth`) and an
//! ECDSA P-256 client (`testdata/ecdsa/p256-client`), against a server that requires a
//! client certificate and one that only asks for it.
//!
//! - The lucid client against `openssl s_server -www` (`-Verify 1` / `-verify 1`), whose
//!   page names the client's subject, the verify result and the CertificateVerify's hash and
//!   key type; `gnutls-serv --http --verify-client-cert` (with and without
//!   `--require-client-cert`), whose page names the subject and whose log the trust status
//!   and (TLS 1.2) the client's signature scheme; tlslite-ng's `tls.py server --reqcert`,
//!   whose log names the leaf's SHA-1 fingerprint (it can only ask: see
//!   [`lucid_client_against_tlslite_server`]).
//! - `openssl s_client -cert -cert_chain -key`, `gnutls-cli --x509certfile --x509keyfile`
//!   and a tlslite-ng client (its API: `handshakeClientCert(certChain, privateKey)`) against
//!   an in-process lucid server (`ClientAuth::Required` / `Optional` over a
//!   `WebPkiClientVerifier`): the `Client    :` line of its `--www` page and the chain it
//!   recorded (`Negotiated::client_certificates`); s_client also shows lucid's
//!   CertificateRequest (CA names, certificate types, signature algorithms).
//! - Resumption with every peer, both directions: the abbreviated handshake still reports
//!   the client on both sides (the chain travels with the session).
//! - Refusals: no certificate for a server that requires one, and a certificate every server
//!   must refuse; the alert the other side receives, what the refusing side logs, and the
//!   words lucid's client uses (naming `--cert`).
//!
//! Each peer and direction is its own `#[test]`, so they run in parallel; servers are
//! long-lived and started before the first cell. Each test prints its table and writes it to
//! `target/interop/client-auth-<section>.txt`. A missing peer fails under
//! `LUCID_REQUIRE_PEERS=1` (set by `cargo xtask ci`) and is reported as skipped otherwise.

mod common;
mod server_support;

use core::fmt::Write as _;
use core::time::Duration;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::{End, FetchError, Peer};
use lucid_blocking::server::{
    MemoryClientSessionStore, MemoryServerSessionStore, load_certified_key,
};
use lucid_core::{
    AlertDescription, CertifiedKey, CipherSuite, ClientAuth, ClientConfig, Error, HandshakeStep,
    ProtocolVersion, RootStore, WebPkiClientVerifier,
};
use lucid_test_support::peers::{Ran, run, tail, testdata};
use server_support::{Served, TestServer, V10, V11, V12};
use sha1::{Digest as _, Sha1};

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
/// How long a peer process may run.
const PEER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to log a connection its client saw end.
const LOG_TIMEOUT: Duration = Duration::from_secs(5);

const RSA_CBC: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
const ECDHE_CBC: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
const ECDHE_GCM: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const ECDHE_GCM_384: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
const ECDHE_CBC_384: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384;
const RSA_GCM_384: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384;

/// Every (version, suite) cell, tried with each identity against each mode.
const CELLS: [(ProtocolVersion, CipherSuite); 10] = [
    (V10, RSA_CBC),
    (V10, ECDHE_CBC),
    (V11, RSA_CBC),
    (V11, ECDHE_CBC),
    (V12, RSA_CBC),
    (V12, ECDHE_CBC),
    (V12, ECDHE_GCM),
    (V12, ECDHE_GCM_384),
    (V12, ECDHE_CBC_384),
    (V12, RSA_GCM_384),
];

/// Where a client without a certificate meets a server that only asks, and where
/// resumption is checked: the oldest version with a CBC suite, TLS 1.2 with a SHA-384 one.
const FEW_CELLS: [(ProtocolVersion, CipherSuite); 2] = [(V10, RSA_CBC), (V12, ECDHE_GCM_384)];

// ---------------------------------------------------------------- identities

/// A client certificate with its chain and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// RSA-2048, `testdata/cases/eku-clientauth` (clientAuth) under the cases intermediate.
    Rsa,
    /// ECDSA P-256, `testdata/ecdsa/p256-client` (clientAuth) under the P-256 intermediate.
    Ecdsa,
    /// The test PKI's server certificate (RSA): issued under a root no server here trusts
    /// for clients, and serverAuth only. Every server must refuse it.
    Refused,
}

const IDENTITIES: [Identity; 2] = [Identity::Rsa, Identity::Ecdsa];

impl Identity {
    fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA cert",
            Self::Ecdsa => "ECDSA cert",
            Self::Refused => "untrusted cert",
        }
    }

    /// The leaf alone (openssl's `-cert`).
    fn leaf(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "cases/eku-clientauth.pem",
            Self::Ecdsa => "ecdsa/p256-client.pem",
            Self::Refused => "pki/leaf.pem",
        })
    }

    /// The intermediate CA after the leaf (openssl's `-cert_chain`).
    fn intermediate(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "cases/intermediate.pem",
            Self::Ecdsa => "ecdsa/p256-intermediate.pem",
            Self::Refused => "pki/intermediate.pem",
        })
    }

    fn key(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "cases/eku-clientauth.key",
            Self::Ecdsa => "ecdsa/p256-client.key",
            Self::Refused => "pki/leaf.key",
        })
    }

    /// Leaf, then intermediate, in one PEM file.
    fn chain(self) -> PathBuf {
        match self {
            // testdata/cases has no chain files: concatenated once, in target/interop.
            Self::Rsa => {
                static CHAIN: OnceLock<PathBuf> = OnceLock::new();
                CHAIN
                    .get_or_init(|| {
                        let path = common::out_dir("client-auth").join("eku-clientauth.chain.pem");
                        let mut pem = fs::read(self.leaf()).unwrap();
                        pem.extend(fs::read(self.intermediate()).unwrap());
                        fs::write(&path, pem).unwrap();
                        path
                    })
                    .clone()
            }
            Self::Ecdsa => testdata("ecdsa/p256-client.chain.pem"),
            Self::Refused => testdata("pki/chain.pem"),
        }
    }

    /// The leaf's subject as lucid's page and openssl print it.
    fn subject(self) -> &'static str {
        match self {
            Self::Rsa => "C=XX, O=lucid test cases, CN=eku-clientauth",
            Self::Ecdsa => "C=XX, O=lucid test ECDSA, CN=lucid test ECDSA client",
            Self::Refused => "C=XX, O=lucid test PKI, CN=localhost",
        }
    }

    /// The leaf's subject as gnutls prints it (RFC 4514 order).
    fn gnutls_subject(self) -> &'static str {
        match self {
            Self::Rsa => "CN=eku-clientauth,O=lucid test cases,C=XX",
            Self::Ecdsa => "CN=lucid test ECDSA client,O=lucid test ECDSA,C=XX",
            Self::Refused => "CN=localhost,O=lucid test PKI,C=XX",
        }
    }

    /// The key type, as openssl and gnutls name it.
    fn key_type(self) -> &'static str {
        match self {
            Self::Ecdsa => "ECDSA",
            Self::Rsa | Self::Refused => "RSA",
        }
    }

    /// The chain as DER, leaf first.
    fn chain_der(self) -> Vec<Vec<u8>> {
        lucid_blocking::load_pem_certs(&self.chain()).unwrap()
    }

    fn certified_key(self) -> CertifiedKey {
        load_certified_key(&self.chain(), &self.key()).unwrap()
    }

    /// The leaf's SHA-1 fingerprint, lowercase hex, as tlslite-ng prints it.
    fn sha1_fingerprint(self) -> String {
        let leaf = &self.chain_der()[0];
        Sha1::digest(leaf).iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

/// The roots every server here trusts for clients: the cases root (RSA client) and the
/// P-256 root (ECDSA client), in one PEM file.
fn client_roots() -> PathBuf {
    static ROOTS: OnceLock<PathBuf> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let path = common::out_dir("client-auth").join("client-roots.pem");
            let mut pem = fs::read(testdata("cases/root.pem")).unwrap();
            pem.extend(fs::read(testdata("ecdsa/p256-root.pem")).unwrap());
            fs::write(&path, pem).unwrap();
            path
        })
        .clone()
}

/// The hash of the client's CertificateVerify, by openssl's names: at TLS 1.2 the
/// transcript's (the PRF's: SHA-384 for the `*_SHA384` suites) — the only one lucid's
/// server lists, and the one lucid's client picks from a longer list; before TLS 1.2 fixed
/// by the key type (RFC 4346 §7.4.8).
fn cv_hash(v: ProtocolVersion, s: CipherSuite, id: Identity) -> &'static str {
    match (v, id) {
        (V12, _) if sha384(s) => "SHA384",
        (V12, _) => "SHA256",
        (_, Identity::Ecdsa) => "SHA1",
        _ => "MD5-SHA1",
    }
}

fn sha384(s: CipherSuite) -> bool {
    s.to_string().ends_with("_SHA384")
}

/// Whether a server requires a client certificate or only asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Required,
    Optional,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
        }
    }
}

// ---------------------------------------------------------------- names

fn openssl_suite(s: CipherSuite) -> &'static str {
    match s {
        RSA_CBC => "AES128-SHA",
        ECDHE_CBC => "ECDHE-RSA-AES128-SHA",
        ECDHE_GCM => "ECDHE-RSA-AES128-GCM-SHA256",
        ECDHE_GCM_384 => "ECDHE-RSA-AES256-GCM-SHA384",
        ECDHE_CBC_384 => "ECDHE-RSA-AES256-SHA384",
        RSA_GCM_384 => "AES256-GCM-SHA384",
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

/// s_client's `-cipher`: OpenSSL 3 refuses TLS 1.0/1.1 above security level 0.
fn openssl_cipher(v: ProtocolVersion, s: CipherSuite) -> String {
    if v == V12 {
        openssl_suite(s).to_string()
    } else {
        format!("{}:@SECLEVEL=0", openssl_suite(s))
    }
}

fn gnutls_suite(s: CipherSuite) -> &'static str {
    match s {
        RSA_CBC => "RSA_AES_128_CBC_SHA1",
        ECDHE_CBC => "ECDHE_RSA_AES_128_CBC_SHA1",
        ECDHE_GCM => "ECDHE_RSA_AES_128_GCM_SHA256",
        ECDHE_GCM_384 => "ECDHE_RSA_AES_256_GCM_SHA384",
        ECDHE_CBC_384 => "ECDHE_RSA_AES_256_CBC_SHA384",
        RSA_GCM_384 => "RSA_AES_256_GCM_SHA384",
        other => panic!("no gnutls name for {other:?}: add it to the interop table"),
    }
}

fn gnutls_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS1.0",
        V11 => "TLS1.1",
        _ => "TLS1.2",
    }
}

/// A gnutls priority string leaving exactly `v` and `s`.
fn gnutls_priority(v: ProtocolVersion, s: CipherSuite) -> String {
    let vers = match v {
        V10 => "+VERS-TLS1.0",
        V11 => "+VERS-TLS1.1",
        _ => "+VERS-TLS1.2",
    };
    let kx = if s.to_string().starts_with("TLS_ECDHE_RSA") {
        "+ECDHE-RSA"
    } else {
        "+RSA"
    };
    let (cipher, mac) = match s {
        RSA_CBC | ECDHE_CBC => ("+AES-128-CBC", "+SHA1"),
        ECDHE_GCM => ("+AES-128-GCM", "+AEAD"),
        ECDHE_GCM_384 | RSA_GCM_384 => ("+AES-256-GCM", "+AEAD"),
        ECDHE_CBC_384 => ("+AES-256-CBC", "+SHA384"),
        other => panic!("no gnutls priority for {other:?}"),
    };
    format!("NORMAL:-VERS-ALL:{vers}:-KX-ALL:{kx}:-CIPHER-ALL:{cipher}:-MAC-ALL:{mac}")
}

/// gnutls-serv's priority: every cell's version and suite.
const GNUTLS_SERVER_PRIORITY: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:\
     -KX-ALL:+RSA:+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:+AES-256-CBC:\
     -MAC-ALL:+AEAD:+SHA1:+SHA384";

/// An empty gnutls system priority file, so that only our priority strings count.
fn gnutls_empty_priority_file(dir: &Path) -> PathBuf {
    let empty = dir.join("gnutls-empty-system-priority");
    fs::write(&empty, b"").unwrap();
    empty
}

/// tlslite-ng's (key exchange, cipher, MAC) names for a suite.
fn tlslite_names(s: CipherSuite) -> (&'static str, &'static str, &'static str) {
    match s {
        RSA_CBC => ("rsa", "aes128", "sha"),
        ECDHE_CBC => ("ecdhe_rsa", "aes128", "sha"),
        ECDHE_GCM => ("ecdhe_rsa", "aes128gcm", "aead"),
        ECDHE_GCM_384 => ("ecdhe_rsa", "aes256gcm", "aead"),
        ECDHE_CBC_384 => ("ecdhe_rsa", "aes256", "sha384"),
        RSA_GCM_384 => ("rsa", "aes256gcm", "aead"),
        other => panic!("no tlslite names for {other:?}"),
    }
}

fn tlslite_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS 1.0",
        V11 => "TLS 1.1",
        _ => "TLS 1.2",
    }
}

// ---------------------------------------------------------------- the table

#[derive(Debug)]
struct Row {
    peer: &'static str,
    check: String,
    version: ProtocolVersion,
    suite: CipherSuite,
    result: Result<(), String>,
}

/// Prints the section's table, writes it to `target/interop/client-auth-<section>.txt` and
/// fails the test if a row failed.
fn report(section: &str, rows: &[Row], notes: &str) {
    let mut table = String::new();
    let _ = writeln!(table, "lucid client-certificate interop: {section}\n");
    let _ = writeln!(
        table,
        "{:<16} {:<58} {:<8} {:<40} result",
        "peer", "check", "version", "suite"
    );
    for r in rows {
        let result = match &r.result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAIL: {e}"),
        };
        let _ = writeln!(
            table,
            "{:<16} {:<58} {:<8} {:<40} {result}",
            r.peer,
            r.check,
            r.version.to_string(),
            r.suite.to_string()
        );
    }
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    let _ = writeln!(table, "\n{} cells, {failed} failed", rows.len());
    table.push_str(notes);
    println!("{table}");
    let path = common::out_dir("").join(format!("client-auth-{section}.txt"));
    fs::write(&path, &table).unwrap();
    assert_eq!(failed, 0, "client-certificate interop failures:\n{table}");
}

fn expect(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Ok(())
    } else {
        Err(format!("{what}: expected {needle:?}"))
    }
}

fn expect_not(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Err(format!("{what}: unexpected {needle:?}"))
    } else {
        Ok(())
    }
}

/// "required, RSA cert", "optional, no cert", ...
fn check_name(mode: Mode, id: Option<Identity>) -> String {
    format!("{}, {}", mode.name(), id.map_or("no cert", Identity::name))
}

/// The table's name for a refusal cell.
fn refusal_name(mode: Mode, id: Option<Identity>, alert: AlertDescription) -> String {
    format!("{}: refused ({alert})", check_name(mode, id))
}

/// The table's name for a full handshake followed by a resumed one.
fn resumption_name(mode: Mode, id: Identity) -> String {
    format!("{}: full + resumed", check_name(mode, Some(id)))
}

// ---------------------------------------------------------------- lucid client

/// A client for exactly `v` and `s`, trusting the test PKI's root, presenting `id`.
fn client_config(
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
    store: Option<&Arc<MemoryClientSessionStore>>,
) -> Arc<ClientConfig> {
    let mut c = common::client_config();
    c.min_version = v;
    c.max_version = v;
    c.cipher_suites = vec![s];
    if let Some(id) = id {
        c.set_client_certificate(id.certified_key());
    }
    if let Some(store) = store {
        c.session_store = Some(store.clone());
    }
    Arc::new(c)
}

/// One connection the lucid client made, as a server's check sees it.
struct Conn<'a> {
    response: &'a str,
    /// The client's port (how gnutls-serv's log names the connection).
    local_port: u16,
    /// How much the server had logged before the connection (tls.py's log names none).
    log_from: usize,
    version: ProtocolVersion,
    suite: CipherSuite,
    id: Option<Identity>,
    resumed: bool,
}

/// The lucid client's cells against one kind of server, started once per mode
/// (`servers`): each identity × [`CELLS`] in each mode, no certificate × [`FEW_CELLS`]
/// where it is optional, full + resumed handshakes × [`FEW_CELLS`] against the first
/// server, and — unless the server cannot refuse (`refusals`: `None`) — no certificate
/// where required and [`Identity::Refused`] in each mode, refused with the alerts
/// `refusals` names. `check` reads the server's report of one connection; lucid's side is
/// checked here.
fn lucid_client_cells(
    peer: &'static str,
    servers: &[(Mode, &Peer)],
    refusals: Option<[AlertDescription; 2]>,
    check: impl Fn(&Peer, &Conn<'_>) -> Result<(), String>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row = |check: String, v, s, result: Result<(), String>, server: &Peer| {
        if let Err(e) = &result {
            eprintln!("FAIL {peer} {check} {v} {s}: {e}\n{}", server.output());
        }
        rows.push(Row {
            peer,
            check,
            version: v,
            suite: s,
            result,
        });
    };
    let conn = |server: &Peer, config, v, s, id, resumed| {
        let log_from = server.stdout_text().len();
        let f = common::fetch(server.addr(), config, REQUEST).map_err(|e| e.to_string())?;
        let n = &f.negotiated;
        // A client never records client certificates (that is the server's view).
        if n.version != v
            || n.suite != s
            || n.resumed != resumed
            || !n.client_certificates.is_empty()
        {
            return Err(format!(
                "lucid negotiated {} {} resumed={} client_certificates={}",
                n.version,
                n.suite,
                n.resumed,
                n.client_certificates.len()
            ));
        }
        if let End::Error(e) = &f.end {
            return Err(format!("reading the response: {e}"));
        }
        let response = String::from_utf8_lossy(&f.response);
        check(
            server,
            &Conn {
                response: &response,
                local_port: f.local_port,
                log_from,
                version: v,
                suite: s,
                id,
                resumed,
            },
        )
    };
    for &(mode, server) in servers {
        let ids = IDENTITIES
            .iter()
            .flat_map(|&id| CELLS.map(|c| (Some(id), c)));
        let none = FEW_CELLS.map(|c| (None, c));
        let none = none.iter().filter(|_| mode == Mode::Optional);
        for (id, (v, s)) in ids.chain(none.copied()) {
            let result = conn(server, client_config(v, s, id, None), v, s, id, false);
            row(check_name(mode, id), v, s, result, server);
        }
    }
    if let Some([no_cert, untrusted]) = refusals {
        let (v, s) = (V12, ECDHE_GCM);
        for &(mode, server) in servers {
            for (id, alert) in [(None, no_cert), (Some(Identity::Refused), untrusted)] {
                if id.is_none() && mode == Mode::Optional {
                    continue;
                }
                let fetched = common::fetch(server.addr(), client_config(v, s, id, None), REQUEST);
                let result = check_lucid_refused(fetched, id.is_some(), alert);
                row(refusal_name(mode, id, alert), v, s, result, server);
            }
        }
    }
    let (mode, server) = servers[0];
    for id in IDENTITIES {
        for (v, s) in FEW_CELLS {
            let store = Arc::new(MemoryClientSessionStore::default());
            let config = client_config(v, s, Some(id), Some(&store));
            let result = conn(server, config.clone(), v, s, Some(id), false)
                .map_err(|e| format!("full: {e}"))
                .and_then(|()| {
                    conn(server, config, v, s, Some(id), true).map_err(|e| format!("resumed: {e}"))
                });
            row(resumption_name(mode, id), v, s, result, server);
        }
    }
    rows
}

/// A lucid client the server refused: with `alert`, after our Certificate (`sent`) or our
/// empty one, and lucid's message says what that means (naming `--cert` when we sent none).
fn check_lucid_refused(
    result: Result<common::Fetched, FetchError>,
    sent: bool,
    alert: AlertDescription,
) -> Result<(), String> {
    let e = match result {
        Ok(f) => {
            let response = String::from_utf8_lossy(&f.response);
            return Err(format!("served: {:?}", response.lines().next()));
        }
        Err(FetchError::Tls(e)) => e,
        Err(io) => return Err(io.to_string()),
    };
    let Error::AlertReceived {
        description,
        step: Some(step),
    } = &e
    else {
        return Err(format!("not an alert with its step: {e}"));
    };
    let HandshakeStep::ClientFinishedSent {
        empty_certificate,
        certificate_sent,
    } = step
    else {
        return Err(format!("alert at the wrong step: {e}"));
    };
    if *empty_certificate == sent || *certificate_sent != sent {
        return Err(format!("wrong step: {step:?}"));
    }
    if *description != alert {
        return Err(format!("alert {description}: {e}"));
    }
    let text = e.to_string();
    let words: &[&str] = if sent {
        &["the server refused lucid's client certificate"]
    } else {
        &["the server requires a client certificate", "--cert"]
    };
    words
        .iter()
        .try_for_each(|w| expect(&text, w, "lucid's message"))
}

// ---------------------------------------------------------------- lucid client: openssl

/// `openssl s_server -www`: the test PKI's RSA chain, TLS 1.0..1.2, every cell's suite,
/// asking for a client certificate (`-Verify 1`: required, `-verify 1`: optional) verified
/// against [`client_roots`] (`-verify_return_error`: without it s_server serves a client
/// whose chain failed verification).
fn s_server(openssl: &Path, dir: &Path, mode: Mode) -> Peer {
    let port = common::free_port();
    let ciphers = CELLS.map(|(_, s)| openssl_suite(s)).join(":");
    let verify = match mode {
        Mode::Required => "-Verify",
        Mode::Optional => "-verify",
    };
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(common::pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(common::pki("intermediate.pem"))
        .arg("-key")
        .arg(common::pki("leaf.key"))
        .args([verify, "1", "-verify_return_error", "-CAfile"])
        .arg(client_roots())
        // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1.
        .args(["-cipher", &format!("{ciphers}:@SECLEVEL=0")])
        .args(["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"]);
    Peer::start(&format!("s_server-{}", mode.name()), cmd, port, dir)
}

/// s_server's `-www` page for one connection: version, suite, new or reused, and the
/// client: its certificate's subject, the verify result and (on a full handshake) the
/// CertificateVerify's hash and key type — or no certificate.
fn check_s_server(_server: &Peer, c: &Conn<'_>) -> Result<(), String> {
    let page = c.response;
    if !page.starts_with("HTTP/1.0 200 ok\r\n") {
        return Err(format!("bad status: {:?}", page.lines().next()));
    }
    let new = if c.resumed { "\nReused, " } else { "\nNew, " };
    expect(page, new, "server's session line")?;
    let proto = format!("Protocol  : {}\n", openssl_version(c.version));
    expect(page, &proto, "server's protocol")?;
    let cipher = format!("Cipher    : {}\n", openssl_suite(c.suite));
    expect(page, &cipher, "server's cipher")?;
    match c.id {
        Some(id) => {
            expect(page, "\nClient certificate\n", "server's client")?;
            let subject = format!("Subject: {}\n", id.subject());
            expect(page, &subject, "server's client subject")?;
            let verified = "Verify return code: 0 (ok)\n";
            expect(page, verified, "server's verify result")?;
            if !c.resumed {
                let digest = format!("Peer signing digest: {}\n", cv_hash(c.version, c.suite, id));
                expect(page, &digest, "server's view of our CertificateVerify")?;
                let kind = format!("Peer signature type: {}\n", id.key_type());
                expect(page, &kind, "server's view of our CertificateVerify")?;
            }
        }
        None => expect(page, "no client certificate available", "server's client")?,
    }
    expect(page, "</BODY></HTML>", "end of page")
}

#[test]
fn lucid_client_against_openssl_s_server() {
    let Some(openssl) = common::find_program("openssl") else {
        let note = common::missing_peer("openssl s_server", "`openssl` not on PATH");
        report("openssl-s_server", &[], &note);
        return;
    };
    let dir = common::out_dir("client-auth");
    let required = s_server(&openssl, &dir, Mode::Required);
    let optional = s_server(&openssl, &dir, Mode::Optional);
    // OpenSSL (TLS 1.2, statem_srvr.c and ssl_verify_alarm_type): no certificate under
    // -Verify is handshake_failure; a chain from an unknown issuer is unknown_ca.
    let refusals = [
        AlertDescription::HANDSHAKE_FAILURE,
        AlertDescription::UNKNOWN_CA,
    ];
    let servers = [(Mode::Required, &required), (Mode::Optional, &optional)];
    let rows = lucid_client_cells("openssl s_server", &servers, Some(refusals), check_s_server);
    report("openssl-s_server", &rows, "");
}

// ---------------------------------------------------------------- lucid client: gnutls

/// `gnutls-serv --http --verify-client-cert` (plus `--require-client-cert` when required):
/// the test PKI's RSA chain, [`GNUTLS_SERVER_PRIORITY`], [`client_roots`].
fn gnutls_serv(bin: &Path, dir: &Path, mode: Mode) -> Peer {
    let port = common::free_port();
    let mut cmd = Command::new(bin);
    cmd.env(
        "GNUTLS_SYSTEM_PRIORITY_FILE",
        gnutls_empty_priority_file(dir),
    )
    .args(["--http", "--verify-client-cert", "--port"])
    .arg(port.to_string())
    .arg("--x509certfile")
    .arg(common::pki("chain.pem"))
    .arg("--x509keyfile")
    .arg(common::pki("leaf.key"))
    .arg("--x509cafile")
    .arg(client_roots())
    .args(["--priority", GNUTLS_SERVER_PRIORITY]);
    if mode == Mode::Required {
        cmd.arg("--require-client-cert");
    }
    Peer::start(&format!("gnutls-serv-{}", mode.name()), cmd, port, dir)
}

/// gnutls-serv's page (version, suite, the client's subject or no certificate) and its
/// log of the connection (trust status and, at TLS 1.2, the client's signature scheme). A
/// resumed connection's log carries no certificate, so only its page is checked.
fn check_gnutls_serv(server: &Peer, c: &Conn<'_>) -> Result<(), String> {
    let page = c.response;
    if !page.starts_with("HTTP/1.0 200 OK\r\n") {
        return Err(format!("bad status: {:?}", page.lines().next()));
    }
    let proto = format!(
        "<TD>Protocol version:</TD><TD>{}</TD>",
        gnutls_version(c.version)
    );
    expect(page, &proto, "server's protocol")?;
    let suite = format!("<TD>Ciphersuite</TD><TD>{}</TD>", gnutls_suite(c.suite));
    expect(page, &suite, "server's suite")?;
    match c.id {
        Some(id) => {
            let subject = format!("Subject: {}\n", id.gnutls_subject());
            expect(page, &subject, "server's client")?;
        }
        None => expect_not(page, "X.509 Certificate Information", "server's client")?,
    }
    expect(page, "</BODY></HTML>", "end of page")?;
    if c.resumed {
        return Ok(());
    }
    // gnutls-serv logs each connection after its handshake, starting with the client's port.
    let marker = format!(
        "* Accepted connection from IPv4 127.0.0.1 port {} ",
        c.local_port
    );
    let log = server
        .poll_stdout(LOG_TIMEOUT, |out| {
            let block = &out[out.find(&marker)? + marker.len()..];
            let block = &block[..block.find("* Accepted connection").unwrap_or(block.len())];
            block.contains("- Options:").then(|| block.to_owned())
        })
        .ok_or("gnutls-serv logged nothing for this connection")?;
    match c.id {
        Some(id) => {
            expect(
                &log,
                "- Status: The certificate is trusted.",
                "server's log",
            )?;
            if c.version == V12 {
                let hash = cv_hash(c.version, c.suite, id);
                let scheme = format!("- Client Signature: {}-{hash}\n", id.key_type());
                expect(&log, &scheme, "server's log")?;
            }
            Ok(())
        }
        None => expect_not(&log, "- Got a certificate list", "server's log"),
    }
}

#[test]
fn lucid_client_against_gnutls_serv() {
    let Some(bin) = common::find_program("gnutls-serv") else {
        let why = "`gnutls-serv` not on PATH (Debian: gnutls-bin)";
        let note = common::missing_peer("gnutls-serv", why);
        report("gnutls-serv", &[], &note);
        return;
    };
    let dir = common::out_dir("client-auth");
    let required = gnutls_serv(&bin, &dir, Mode::Required);
    let optional = gnutls_serv(&bin, &dir, Mode::Optional);
    // gnutls-serv 3.7 answers an empty Certificate under --require-client-cert with
    // decode_error ("Error in handshake: No certificate was found."), and a chain it
    // cannot verify with access_denied, also when the certificate is optional
    // (--verify-client-cert: "if a client certificate is sent then verify it").
    let refusals = [
        AlertDescription::DECODE_ERROR,
        AlertDescription::ACCESS_DENIED,
    ];
    let servers = [(Mode::Required, &required), (Mode::Optional, &optional)];
    let rows = lucid_client_cells("gnutls-serv", &servers, Some(refusals), check_gnutls_serv);
    report("gnutls-serv", &rows, "");
}

// ---------------------------------------------------------------- lucid client: tlslite

/// What tlslite serves as `/` (a file in its document directory).
const TLSLITE_INDEX: &[u8] = b"lucid interop: hello from tlslite-ng\n";

/// tls.py's response (its index file) and its log block for the connection (it serves one
/// at a time here): version, suite, the client's SHA-1 fingerprint (or none), resumption.
fn check_tls_py(server: &Peer, c: &Conn<'_>) -> Result<(), String> {
    let (headers, body) = c
        .response
        .split_once("\r\n\r\n")
        .ok_or("no end of headers in the response")?;
    if !headers.starts_with("HTTP/1.0 200 OK\r\n") || body.as_bytes() != TLSLITE_INDEX {
        return Err(format!("bad response: {:?}", headers.lines().next()));
    }
    let block = server
        .poll_stdout(LOG_TIMEOUT, |out| {
            let block = out.get(c.log_from..)?;
            block
                .contains("  Session Resumed:")
                .then(|| block.to_owned())
        })
        .ok_or("tls.py logged no handshake block")?;
    let client = match c.id {
        Some(id) => format!(
            "  Client X.509 SHA1 fingerprint: {}\n",
            id.sha1_fingerprint()
        ),
        None => "  No client certificate provided by peer\n".into(),
    };
    let resumed = if c.resumed { "True" } else { "False" };
    [
        format!("  Version: {}\n", tlslite_version(c.version)),
        format!("  Ciphersuite: {}\n", c.suite),
        client,
        format!("  Session Resumed: {resumed}\n"),
    ]
    .iter()
    .try_for_each(|want| expect(&block, want, "tls.py log"))
}

/// The lucid client against `tls.py server --reqcert`.
///
/// tlslite-ng 0.8 can only *ask* for a client certificate in TLS 1.0–1.2: `--reqcert` sends
/// a CertificateRequest and takes an empty Certificate (`tlsconnection.py`,
/// `_serverCertKeyExchange`: `clientCertChain` just stays `None`); its only "required"
/// switch, `--require-pha`, is TLS 1.3 post-handshake authentication. Nor does it verify the
/// client's chain against any CA (tls.py has no CA option): it checks the CertificateVerify
/// with the leaf's key and prints the leaf's SHA-1 fingerprint. So every cell here is
/// "optional", and none can show a refusal.
#[test]
fn lucid_client_against_tlslite_server() {
    let (python, tls_py) = match common::tlslite() {
        Ok(found) => found,
        Err(why) => {
            let note = common::missing_peer("tlslite-ng", &why);
            report("tlslite-server", &[], &note);
            return;
        }
    };
    let dir = common::out_dir("client-auth");
    let docroot = dir.join("tlslite-docroot");
    fs::create_dir_all(&docroot).unwrap();
    fs::write(docroot.join("index.html"), TLSLITE_INDEX).unwrap();
    let port = common::free_port();
    let mut cmd = Command::new(python);
    cmd.env("PYTHONUNBUFFERED", "1")
        .arg(tls_py)
        .args(["server", "--reqcert", "-c"])
        .arg(common::pki("chain.pem"))
        .arg("-k")
        .arg(common::pki("leaf.key"))
        .arg("-d")
        .arg(&docroot)
        .arg(format!("127.0.0.1:{port}"));
    let server = Peer::start("tls.py-server-reqcert", cmd, port, &dir);
    // Let the readiness probe's log output settle before the first cell.
    std::thread::sleep(Duration::from_millis(200));
    let rows = lucid_client_cells(
        "tls.py server",
        &[(Mode::Optional, &server)],
        None,
        check_tls_py,
    );
    report("tlslite-server", &rows, "");
}

// ---------------------------------------------------------------- lucid server

/// An in-process lucid server (answering like `lucid serve --www`): the test PKI's RSA
/// chain, TLS 1.0..1.2, every suite (the clients pick the cell), a session cache, and
/// client certificates verified against the cases and P-256 roots.
fn lucid_server(mode: Mode) -> TestServer {
    let store = Arc::new(MemoryServerSessionStore::default());
    let mut config = server_support::server_config(&store);
    let mut roots = RootStore::new();
    for root in ["cases/root.pem", "ecdsa/p256-root.pem"] {
        let pem = fs::read(testdata(root)).unwrap();
        assert_eq!(roots.add_pem(&pem).expect("root parses"), 1);
    }
    let verifier = Arc::new(WebPkiClientVerifier::new(roots));
    config.client_auth = match mode {
        Mode::Required => ClientAuth::Required(verifier),
        Mode::Optional => ClientAuth::Optional(verifier),
    };
    TestServer::start(config)
}

/// lucid's error for a client that sent no certificate to a server requiring one.
const LUCID_NO_CERT: &str = "handshake: peer incompatible: this server requires a client \
                             certificate and the client sent none";
/// lucid's error for [`Identity::Refused`]: its serverAuth-only extendedKeyUsage (checked
/// before the path is built; its issuer is not trusted either).
const LUCID_REFUSED_CERT: &str = "handshake: invalid certificate: extendedKeyUsage";

/// The refusals every real client meets (at TLS 1.2 with [`ECDHE_GCM`]): lucid's server,
/// the client's identity, the alert lucid sends and the error it records.
const LUCID_REFUSALS: [(Mode, Option<Identity>, AlertDescription, &str); 3] = [
    (Mode::Required, None, HANDSHAKE_FAILURE, LUCID_NO_CERT),
    (
        Mode::Required,
        Some(Identity::Refused),
        UNSUPPORTED_CERTIFICATE,
        LUCID_REFUSED_CERT,
    ),
    (
        Mode::Optional,
        Some(Identity::Refused),
        UNSUPPORTED_CERTIFICATE,
        LUCID_REFUSED_CERT,
    ),
];
const HANDSHAKE_FAILURE: AlertDescription = AlertDescription::HANDSHAKE_FAILURE;
const UNSUPPORTED_CERTIFICATE: AlertDescription = AlertDescription::UNSUPPORTED_CERTIFICATE;

/// A connection lucid served, without its certificates' bytes (for messages).
fn summary(r: &Result<Served, String>) -> String {
    match r {
        Ok(s) => format!(
            "{} {} resumed={} {} client certificate(s)",
            s.version,
            s.suite,
            s.resumed,
            s.client_certificates.len()
        ),
        Err(e) => format!("error: {e}"),
    }
}

fn summaries(served: &[Result<Served, String>]) -> Vec<String> {
    served.iter().map(summary).collect()
}

/// lucid's view of one served connection: `out` (the peer's output) has lucid's page, whose
/// version, suite, resumption and `Client` line (`id`'s subject or `none`) are checked;
/// `served` is what the server recorded, whose `client_certificates` must be `id`'s whole
/// chain (or empty).
fn check_lucid_server(
    out: &str,
    served: &Result<Served, String>,
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
    resumed: bool,
) -> Result<(), String> {
    server_support::check_page(out, v, s, None, None, Some(resumed))?;
    let fields = server_support::page_fields(out).ok_or("no lucid page")?;
    let client = fields
        .iter()
        .find(|(k, _)| k == "Client")
        .map(|(_, c)| c.as_str());
    let want = id.map_or("none", Identity::subject);
    if client != Some(want) {
        return Err(format!("page says Client: {client:?}, expected {want:?}"));
    }
    let ok = served.as_ref().is_ok_and(|r| {
        r.version == v
            && r.suite == s
            && r.resumed == resumed
            && r.client_certificates == id.map(Identity::chain_der).unwrap_or_default()
    });
    ok.then_some(())
        .ok_or_else(|| format!("server recorded {}", summary(served)))
}

/// Runs a client against `server` until it exits; its output, and the `n` connections
/// the server recorded (taken whatever happened, so that the next cell starts clean).
fn run_against(
    server: &TestServer,
    cmd: &mut Command,
    n: usize,
) -> Result<(Ran, Vec<Result<Served, String>>), String> {
    let ran = run(cmd, REQUEST, PEER_TIMEOUT).map_err(|e| e.to_string());
    let served = server.wait_served(n);
    Ok((ran?, served))
}

/// The one connection a serving lucid server recorded.
fn only(served: &[Result<Served, String>]) -> Result<Served, String> {
    match served {
        [one] => one.clone(),
        other => Err(format!("server recorded {:?}", summaries(other))),
    }
}

/// Makes a real client's command for one cell: server, version, suite, identity.
type MakeCommand<'a> =
    &'a dyn Fn(&TestServer, ProtocolVersion, CipherSuite, Option<Identity>) -> Command;

/// Checks a real client's own report (its stdout) of a full handshake in one cell.
type CheckReport<'a> =
    &'a dyn Fn(&str, ProtocolVersion, CipherSuite, Option<Identity>) -> Result<(), String>;

/// How a real client is run against lucid's servers and reports a full handshake.
struct Client<'a> {
    peer: &'static str,
    command: MakeCommand<'a>,
    check: CheckReport<'a>,
    /// How it prints an alert it received.
    alert: fn(AlertDescription) -> String,
}

/// One real client's cells against lucid's servers (`required`, `optional`): each
/// identity × [`CELLS`] in each mode and no certificate × [`FEW_CELLS`] where optional,
/// checked on both sides; and [`LUCID_REFUSALS`], as the client prints them and as lucid
/// recorded them. Resumption is each client's own, added by its test.
fn lucid_server_cells(
    client: &Client<'_>,
    required: &TestServer,
    optional: &TestServer,
) -> Vec<Row> {
    let server = |mode| match mode {
        Mode::Required => required,
        Mode::Optional => optional,
    };
    let mut rows = Vec::new();
    let mut row = |check: String, v, s, result| {
        rows.push(Row {
            peer: client.peer,
            check,
            version: v,
            suite: s,
            result,
        });
    };
    for mode in [Mode::Required, Mode::Optional] {
        let server = server(mode);
        let ids = IDENTITIES
            .iter()
            .flat_map(|&id| CELLS.map(|c| (Some(id), c)));
        let none = FEW_CELLS.map(|c| (None, c));
        let none = none.iter().filter(|_| mode == Mode::Optional);
        for (id, (v, s)) in ids.chain(none.copied()) {
            let result = run_against(server, &mut (client.command)(server, v, s, id), 1).and_then(
                |(ran, served)| {
                    (client.check)(&ran.stdout, v, s, id)
                        .and_then(|()| {
                            check_lucid_server(&ran.stdout, &only(&served), v, s, id, false)
                        })
                        .map_err(|e| format!("{e}: {}", tail(&ran)))
                },
            );
            row(check_name(mode, id), v, s, result);
        }
    }
    let (v, s) = (V12, ECDHE_GCM);
    for (mode, id, alert, error) in LUCID_REFUSALS {
        let server = server(mode);
        let result = run_against(server, &mut (client.command)(server, v, s, id), 1).and_then(
            |(ran, served)| {
                let out = format!("{}{}", ran.stdout, ran.stderr);
                expect(&out, &(client.alert)(alert), "the client's error")
                    .and_then(|()| expect_not(&out, "lucid serve", "the client's output"))
                    .map_err(|e| format!("{e}: {}", tail(&ran)))?;
                match served.as_slice() {
                    [Err(e)] if e.contains(error) => Ok(()),
                    other => Err(format!(
                        "server recorded {:?}, expected {error:?}",
                        summaries(other)
                    )),
                }
            },
        );
        row(refusal_name(mode, id, alert), v, s, result);
    }
    rows
}

// ---------------------------------------------------------------- lucid server: openssl

fn s_client(port: u16, v: ProtocolVersion, s: CipherSuite, id: Option<Identity>) -> Command {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(common::pki("root.pem"))
        .args(["-verify_return_error", "-no_ticket", "-ign_eof"])
        .args([openssl_version_flag(v), "-cipher", &openssl_cipher(v, s)]);
    if let Some(id) = id {
        cmd.arg("-cert")
            .arg(id.leaf())
            .arg("-cert_chain")
            .arg(id.intermediate())
            .arg("-key")
            .arg(id.key());
    }
    cmd
}

/// What s_client reports: version, suite, new or reused, and on a full handshake lucid's
/// CertificateRequest — the CA names of its client roots, RSA and ECDSA keys, and at
/// TLS 1.2 exactly the signature algorithms of the transcript's hash.
fn check_s_client(
    out: &str,
    v: ProtocolVersion,
    s: CipherSuite,
    reused: bool,
) -> Result<(), String> {
    let new = if reused { "\nReused, " } else { "\nNew, " };
    expect(out, new, "s_client's session line")?;
    let cipher = format!(", Cipher is {}\n", openssl_suite(s));
    expect(out, &cipher, "s_client's session line")?;
    let proto = format!("Protocol  : {}\n", openssl_version(v));
    expect(out, &proto, "s_client's protocol")?;
    if !reused {
        expect(
            out,
            "Acceptable client certificate CA names\n\
             C = XX, O = lucid test cases, CN = cases root CA\n\
             C = XX, O = lucid test ECDSA, CN = lucid test ECDSA P-256 root CA\n\
             Client Certificate Types: RSA sign, ECDSA sign\n",
            "s_client's view of the CertificateRequest",
        )?;
        if v == V12 {
            let h = if sha384(s) { "SHA384" } else { "SHA256" };
            let algs = format!("Requested Signature Algorithms: ECDSA+{h}:RSA+{h}\n");
            expect(out, &algs, "s_client's view of the CertificateRequest")?;
        }
    }
    Ok(())
}

#[test]
fn openssl_s_client_against_lucid_server() {
    if common::find_program("openssl").is_none() {
        let note = common::missing_peer("openssl s_client", "`openssl` not on PATH");
        report("openssl-s_client", &[], &note);
        return;
    }
    let required = lucid_server(Mode::Required);
    let optional = lucid_server(Mode::Optional);
    let client = Client {
        peer: "openssl s_client",
        command: &|server, v, s, id| s_client(server.port(), v, s, id),
        check: &|out, v, s, _| check_s_client(out, v, s, false),
        // "...:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert
        // number 40"
        alert: |a| format!("SSL alert number {}", a.get()),
    };
    let mut rows = lucid_server_cells(&client, &required, &optional);
    // Resumption: -sess_out, then -sess_in without -cert: lucid's page still names the
    // client, whose chain came back with the session.
    let dir = common::out_dir("client-auth");
    for id in IDENTITIES {
        for (v, s) in FEW_CELLS {
            let sess = dir.join(format!("s_client-session-{}-{v}-{s}.pem", id.key_type()));
            let _ = fs::remove_file(&sess);
            let connect = |cert, resumed: bool| {
                let mut cmd = s_client(required.port(), v, s, cert);
                cmd.arg(if resumed { "-sess_in" } else { "-sess_out" })
                    .arg(&sess);
                let (ran, served) = run_against(&required, &mut cmd, 1)?;
                check_s_client(&ran.stdout, v, s, resumed)
                    .and_then(|()| {
                        check_lucid_server(&ran.stdout, &only(&served), v, s, Some(id), resumed)
                    })
                    .map_err(|e| format!("{e}: {}", tail(&ran)))
            };
            let result = connect(Some(id), false)
                .map_err(|e| format!("full: {e}"))
                .and_then(|()| connect(None, true).map_err(|e| format!("resumed: {e}")));
            rows.push(Row {
                peer: client.peer,
                check: resumption_name(Mode::Required, id),
                version: v,
                suite: s,
                result,
            });
        }
    }
    report("openssl-s_client", &rows, "");
}

// ---------------------------------------------------------------- lucid server: gnutls

fn gnutls_cli(
    bin: &Path,
    empty: &Path,
    port: u16,
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", empty)
        .arg("--x509cafile")
        .arg(common::pki("root.pem"))
        .args(["-p", &port.to_string(), "--priority"])
        .arg(gnutls_priority(v, s));
    if let Some(id) = id {
        cmd.arg("--x509certfile")
            .arg(id.chain())
            .arg("--x509keyfile")
            .arg(id.key());
    }
    cmd.arg("localhost");
    cmd
}

/// What gnutls-cli reports about its answer to lucid's CertificateRequest: both
/// certificates (leaf, intermediate) or, without one, an empty Certificate.
fn check_gnutls_cli(out: &str, id: Option<Identity>) -> Result<(), String> {
    let sent = if id.is_some() { 2 } else { 0 };
    let line = format!("- Successfully sent {sent} certificate(s) to server.\n");
    expect(out, &line, "gnutls-cli")
}

#[test]
fn gnutls_cli_against_lucid_server() {
    let Some(bin) = common::find_program("gnutls-cli") else {
        let why = "`gnutls-cli` not on PATH (Debian: gnutls-bin)";
        let note = common::missing_peer("gnutls-cli", why);
        report("gnutls-cli", &[], &note);
        return;
    };
    let empty = gnutls_empty_priority_file(&common::out_dir("client-auth"));
    let required = lucid_server(Mode::Required);
    let optional = lucid_server(Mode::Optional);
    let command = |server: &TestServer, v, s, id| gnutls_cli(&bin, &empty, server.port(), v, s, id);
    let client = Client {
        peer: "gnutls-cli",
        command: &command,
        check: &|out, _, _, id| check_gnutls_cli(out, id),
        // "*** Received alert [40]: Handshake failed"
        alert: |a| format!("Received alert [{}]", a.get()),
    };
    let mut rows = lucid_server_cells(&client, &required, &optional);
    // Resumption: --resume connects, closes, and connects again resuming; lucid records
    // both connections, each with the client's chain, and its page names the client.
    for id in IDENTITIES {
        for (v, s) in FEW_CELLS {
            let mut resume = command(&required, v, s, Some(id));
            let result =
                run_against(&required, resume.arg("--resume"), 2).and_then(|(ran, served)| {
                    expect(&ran.stdout, "*** This is a resumed session\n", "gnutls-cli")
                        .map_err(|e| format!("{e}: {}", tail(&ran)))?;
                    // The first connection (closed without a request) and the resumed one, in
                    // whichever order their threads recorded them.
                    let (resumed, full): (Vec<_>, Vec<_>) = served
                        .iter()
                        .partition(|r| r.as_ref().is_ok_and(|r| r.resumed));
                    match (resumed.as_slice(), full.as_slice()) {
                        ([resumed], [Ok(full)])
                            if full.version == v
                                && full.suite == s
                                && full.client_certificates == id.chain_der() =>
                        {
                            check_lucid_server(&ran.stdout, resumed, v, s, Some(id), true)
                        }
                        _ => Err(format!("server recorded {:?}", summaries(&served))),
                    }
                });
            rows.push(Row {
                peer: client.peer,
                check: resumption_name(Mode::Required, id),
                version: v,
                suite: s,
                result,
            });
        }
    }
    report("gnutls-cli", &rows, "");
}

// ---------------------------------------------------------------- lucid server: tlslite

/// A tlslite-ng client through its API, running many cells in one process (Python's start
/// is most of a cell's cost). Arguments: 8 per cell — port, version, key exchange, cipher,
/// MAC, chain (or `-`), key (or `-`), resume (`1`: a second connection with the session).
/// Each connection prints `@@ cell=<i> conn=<0|1> port=<local port> ` and then either
/// `alert=<n>` (a fatal alert from the server), `error=<exception>` or
/// `version=<v> resumed=<bool>` followed by the page.
const TLSLITE_CLIENT: &str = r#"
import socket, sys
from tlslite import TLSConnection, HandshakeSettings, X509CertChain, parsePEMKey
from tlslite.errors import TLSRemoteAlert
VERSIONS = {"1.0": (3, 1), "1.1": (3, 2), "1.2": (3, 3)}
def connect(cell, conn, port, settings, chain, key, session):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = "@@ cell=%d conn=%d port=%d " % (cell, conn, sock.getsockname()[1])
    c = TLSConnection(sock)
    try:
        c.handshakeClientCert(chain, key, settings=settings, serverName="localhost",
                              session=session)
        version = c.getVersionName()
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            r = c.recv(10240)
            if not r:
                break
            data += r
    except TLSRemoteAlert as e:
        sys.stdout.write(head + "alert=%d\n" % e.description)
        return None
    except Exception as e:
        sys.stdout.write(head + "error=%r\n" % (e,))
        return None
    sys.stdout.write(head + "version=%s resumed=%s\n" % (version, c.resumed))
    sys.stdout.write(data.decode() + "\n")
    session = c.session
    c.close()
    return session
args = sys.argv[1:]
for i in range(0, len(args) // 8):
    port, ver, kx, cipher, mac, chain_path, key_path, resume = args[8 * i:8 * i + 8]
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = VERSIONS[ver]
    s.keyExchangeNames = [kx]
    s.cipherNames = [cipher]
    s.macNames = [mac]
    chain = key = None
    if chain_path != "-":
        chain = X509CertChain()
        chain.parsePemList(open(chain_path).read())
        key = parsePEMKey(open(key_path).read(), private=True)
    session = connect(i, 0, int(port), s, chain, key, None)
    if resume == "1" and session is not None:
        connect(i, 1, int(port), s, chain, key, session)
"#;

/// One tlslite cell: which server, version, suite, identity, whether it resumes, and for a
/// refusal the alert tlslite must receive and the error lucid must record.
struct TlsliteCell {
    mode: Mode,
    version: ProtocolVersion,
    suite: CipherSuite,
    id: Option<Identity>,
    resume: bool,
    refused: Option<(AlertDescription, &'static str)>,
}

impl TlsliteCell {
    fn new(
        mode: Mode,
        (version, suite): (ProtocolVersion, CipherSuite),
        id: Option<Identity>,
    ) -> Self {
        Self {
            mode,
            version,
            suite,
            id,
            resume: false,
            refused: None,
        }
    }

    fn name(&self) -> String {
        match (self.refused, self.id) {
            (Some((alert, _)), id) => refusal_name(self.mode, id, alert),
            (None, Some(id)) if self.resume => resumption_name(self.mode, id),
            (None, id) => check_name(self.mode, id),
        }
    }

    /// [`TLSLITE_CLIENT`]'s 8 arguments for this cell.
    fn args(&self, port: u16) -> Vec<std::ffi::OsString> {
        let (kx, cipher, mac) = tlslite_names(self.suite);
        let version = match self.version {
            V10 => "1.0",
            V11 => "1.1",
            _ => "1.2",
        };
        let (chain, key) = match self.id {
            Some(id) => (id.chain().into(), id.key().into()),
            None => ("-".into(), "-".into()),
        };
        let resume = if self.resume { "1" } else { "0" };
        vec![
            port.to_string().into(),
            version.into(),
            kx.into(),
            cipher.into(),
            mac.into(),
            chain,
            key,
            resume.into(),
        ]
    }
}

/// The connections of cell `cell` in [`TLSLITE_CLIENT`]'s output: (connection index, local
/// port, status, the rest).
fn tlslite_connections(out: &str, cell: usize) -> Vec<(usize, u16, String, String)> {
    out.split("@@ ")
        .skip(1)
        .filter_map(|chunk| {
            let (head, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
            let mut words = head.splitn(4, ' ');
            let this = words.next()?.strip_prefix("cell=")?.parse::<usize>().ok()?;
            let conn = words.next()?.strip_prefix("conn=")?.parse().ok()?;
            let port = words.next()?.strip_prefix("port=")?.parse().ok()?;
            let status = words.next().unwrap_or("").to_owned();
            (this == cell).then(|| (conn, port, status, rest.to_owned()))
        })
        .collect()
}

/// tlslite-ng's client (its API) against lucid's servers: the same cells as
/// [`lucid_server_cells`] plus full + resumed handshakes, all in one Python process.
#[test]
fn tlslite_client_against_lucid_server() {
    let (python, _) = match common::tlslite() {
        Ok(found) => found,
        Err(why) => {
            let note = common::missing_peer("tlslite-ng", &why);
            report("tlslite-client", &[], &note);
            return;
        }
    };
    let required = lucid_server(Mode::Required);
    let optional = lucid_server(Mode::Optional);
    let server = |mode| match mode {
        Mode::Required => &required,
        Mode::Optional => &optional,
    };
    let mut cells = Vec::new();
    for mode in [Mode::Required, Mode::Optional] {
        for id in IDENTITIES {
            for cell in CELLS {
                cells.push(TlsliteCell::new(mode, cell, Some(id)));
            }
        }
    }
    for cell in FEW_CELLS {
        cells.push(TlsliteCell::new(Mode::Optional, cell, None));
    }
    // Refusals: tlslite raises TLSRemoteAlert with lucid's alert.
    for (mode, id, alert, error) in LUCID_REFUSALS {
        let mut cell = TlsliteCell::new(mode, (V12, ECDHE_GCM), id);
        cell.refused = Some((alert, error));
        cells.push(cell);
    }
    for id in IDENTITIES {
        for cell in FEW_CELLS {
            let mut cell = TlsliteCell::new(Mode::Required, cell, Some(id));
            cell.resume = true;
            cells.push(cell);
        }
    }

    let script = common::out_dir("client-auth").join("tlslite_client_auth.py");
    fs::write(&script, TLSLITE_CLIENT).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(&script);
    for c in &cells {
        cmd.args(c.args(server(c.mode).port()));
    }
    let ran = run(&mut cmd, b"", PEER_TIMEOUT);
    let (out, failure) = match &ran {
        Ok(ran) if ran.success => (ran.stdout.as_str(), None),
        Ok(ran) => (
            ran.stdout.as_str(),
            Some(format!("tlslite failed: {}", tail(ran))),
        ),
        Err(e) => ("", Some(e.to_string())),
    };
    // Every connection lucid recorded, with its server: a served one names the client's
    // port (a server thread may record a connection a moment after the next one began),
    // a refused one does not.
    let want = cells
        .iter()
        .map(|c| if c.resume { 2 } else { 1 })
        .sum::<usize>();
    let mut served = Vec::new();
    let deadline = std::time::Instant::now() + LOG_TIMEOUT;
    while served.len() < want && std::time::Instant::now() < deadline {
        for mode in [Mode::Required, Mode::Optional] {
            served.extend(server(mode).take_served().into_iter().map(|r| (mode, r)));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Matched by server and client port, each record used once and in order: the one
    // tlslite process makes ~55 connections to two servers, and the kernel may hand a
    // later connection the same ephemeral port as an earlier one.
    let used = std::cell::RefCell::new(vec![false; served.len()]);
    let by_port = |mode: Mode, port: u16| {
        let mut used = used.borrow_mut();
        let hit = served.iter().enumerate().position(|(i, (m, r))| {
            !used[i] && *m == mode && r.as_ref().is_ok_and(|s| s.peer_port == port)
        });
        match hit {
            Some(i) => {
                used[i] = true;
                served[i].1.clone()
            }
            None => Err(format!("no served connection from port {port}")),
        }
    };
    let mut rows = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let conns = tlslite_connections(out, i);
        let check_conn = |(conn, port, status, page): &(usize, u16, String, String)| {
            let resumed = *conn == 1;
            let want = format!(
                "version={} resumed={}",
                tlslite_version(c.version),
                if resumed { "True" } else { "False" }
            );
            if *status != want {
                return Err(format!(
                    "connection {conn}: tlslite says {status}, expected {want}"
                ));
            }
            check_lucid_server(
                page,
                &by_port(c.mode, *port),
                c.version,
                c.suite,
                c.id,
                resumed,
            )
            .map_err(|e| format!("connection {conn}: {e}"))
        };
        let result = match (&failure, c.refused) {
            (Some(f), _) => Err(f.clone()),
            (None, Some((alert, error))) => match conns.as_slice() {
                [(_, _, status, _)] if *status == format!("alert={}", alert.get()) => {
                    // Each server refuses each way once.
                    let n = served
                        .iter()
                        .filter(|(m, r)| {
                            *m == c.mode && r.as_ref().is_err_and(|e| e.contains(error))
                        })
                        .count();
                    (n == 1)
                        .then_some(())
                        .ok_or(format!("lucid recorded {n} times {error:?}"))
                }
                other => Err(format!("tlslite saw {other:?}")),
            },
            (None, None) if conns.len() != if c.resume { 2 } else { 1 } => Err(format!(
                "tlslite made {} connection(s): {conns:?}",
                conns.len()
            )),
            (None, None) => conns.iter().try_for_each(check_conn),
        };
        rows.push(Row {
            peer: "tlslite-ng API",
            check: c.name(),
            version: c.version,
            suite: c.suite,
            result,
        });
    }
    report("tlslite-client", &rows, "");
}
