//! The lucid client against real servers on 127.0.0.1: `openssl s_server -www`,
//! `gnutls-serv --http` and tlslite-ng's `tls.py server`.
//!
//! Every version {1.0, 1.1, 1.2} × every suite valid for it × {EMS+ETM offered, neither}
//! fetches `GET / HTTP/1.0` and checks the response bytes, and — wherever the peer reports
//! them — that the server saw the same version, suite, EMS and ETM (openssl: its status page,
//! including the master secret, compared with lucid's key log; gnutls: its page and its
//! per-connection log; tlslite: its per-connection log). A second section starts each peer with
//! its default settings and records what it refuses.
//!
//! The matrix is printed and written to `target/interop/client-matrix.txt`. A missing peer
//! fails the test under `LUCID_REQUIRE_PEERS=1` (set by `cargo xtask ci`) and is reported as
//! skipped otherwise. tlslite is found through `LUCID_TLSLITE` (tls.py) and `LUCID_PYTHON`.

mod common;

use core::fmt::Write as _;
use core::time::Duration;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::{End, Peer};
use lucid_blocking::Stream;
use lucid_core::Error;
use lucid_core::internal::msgs::enums::{CipherSuite, ProtocolVersion};
use lucid_core::{ClientConnection, KeyLog};
use lucid_core::{Negotiated, RecordBuffers};
use rustls_pki_types::ServerName;

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
/// What tlslite serves as `/` (a file in its document directory).
const TLSLITE_INDEX: &[u8] = b"lucid interop: hello from tlslite-ng\n";

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const VERSIONS: [ProtocolVersion; 3] = [V10, V11, V12];

/// The key log lines of one connection, kept in memory.
#[derive(Debug, Default)]
struct MemKeyLog(Mutex<Vec<KeyLogLine>>);

/// (label, client random, secret)
type KeyLogLine = (String, Vec<u8>, Vec<u8>);

impl KeyLog for MemKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), client_random.to_vec(), secret.to_vec()));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OpenSsl,
    GnuTls,
    TlsLite,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::OpenSsl => "openssl s_server",
            Self::GnuTls => "gnutls-serv",
            Self::TlsLite => "tlslite-ng tls.py",
        }
    }
}

/// One client attempt.
#[derive(Debug, Clone, Copy)]
struct Cell {
    version: ProtocolVersion,
    suite: CipherSuite,
    /// EMS and ETM offered (both) or not (neither).
    ext: bool,
}

/// What a connection produced.
#[derive(Debug)]
struct Fetched {
    negotiated: Negotiated,
    response: Vec<u8>,
    end: End,
    master: Option<Vec<u8>>,
    local_port: u16,
}

/// The RSA key-exchange suites at `v` (this matrix's peers present the RSA test PKI; the
/// ECDHE suites, with RSA and ECDSA certificates, have their own cells in
/// `interop_ecdhe/`).
fn suites_for(v: ProtocolVersion) -> Vec<CipherSuite> {
    use lucid_core::internal::crypto::suites::KeyExchange;
    lucid_core::internal::crypto::suites::ALL_SUITES
        .iter()
        .filter(|s| (!s.tls12_only || v == V12) && s.kx == KeyExchange::Rsa && s.legacy.is_none())
        .map(|s| s.suite)
        .collect()
}

fn matrix() -> Vec<Cell> {
    let mut cells = Vec::new();
    for version in VERSIONS {
        for suite in suites_for(version) {
            for ext in [true, false] {
                cells.push(Cell {
                    version,
                    suite,
                    ext,
                });
            }
        }
    }
    cells
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Runs one lucid client connection: handshake, request, read to the end.
fn fetch(peer: &Peer, cell: Cell) -> Result<Fetched, Error> {
    let mut config = common::client_config();
    config.min_version = cell.version;
    config.max_version = cell.version;
    config.cipher_suites = vec![cell.suite];
    config.offer_extended_master_secret = cell.ext;
    config.offer_encrypt_then_mac = cell.ext;
    // Both record-buffer configurations meet every real server: the cells without
    // extensions size the buffers on demand.
    config.record_buffers = if cell.ext {
        RecordBuffers::Preallocated
    } else {
        RecordBuffers::OnDemand
    };
    let keylog = Arc::new(MemKeyLog::default());
    config.key_log = Some(keylog.clone());

    let sock = common::tcp(peer.addr()).map_err(|_| Error::Internal("TCP connect failed"))?;
    let local_port = sock.local_addr().map(|a| a.port()).unwrap_or(0);
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
    let (response, end) = common::read_all(&mut stream);
    let _ = stream.close();
    let logged = keylog.0.lock().unwrap();
    assert!(logged.len() <= 1, "one key log line per connection");
    let master = logged.first().map(|(label, _, secret)| {
        assert_eq!(label, "CLIENT_RANDOM");
        secret.clone()
    });
    Ok(Fetched {
        negotiated,
        response,
        end,
        master,
        local_port,
    })
}

/// Whether encrypt-then-MAC can apply to `suite` (CBC suites only, RFC 7366 §3).
fn cbc(suite: CipherSuite) -> bool {
    lucid_core::internal::crypto::suites::lookup(suite)
        .unwrap()
        .can_encrypt_then_mac()
}

/// openssl's names for the suites, as `s_server -www` prints them.
fn openssl_suite(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA => "AES128-SHA",
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA => "AES256-SHA",
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256 => "AES128-SHA256",
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256 => "AES256-SHA256",
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 => "AES128-GCM-SHA256",
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384 => "AES256-GCM-SHA384",
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

/// gnutls' names, as `gnutls-serv --http` prints them.
fn gnutls_suite(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA => "RSA_AES_128_CBC_SHA1",
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA => "RSA_AES_256_CBC_SHA1",
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256 => "RSA_AES_128_CBC_SHA256",
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256 => "RSA_AES_256_CBC_SHA256",
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 => "RSA_AES_128_GCM_SHA256",
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384 => "RSA_AES_256_GCM_SHA384",
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

fn tlslite_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS 1.0",
        V11 => "TLS 1.1",
        _ => "TLS 1.2",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn expect(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Ok(())
    } else {
        Err(format!("{what}: expected {needle:?}"))
    }
}

/// Waits (briefly) until `f` finds what it looks for in the peer's stdout.
fn poll_log<T>(peer: &Peer, mut f: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(t) = f(&peer.stdout_text()) {
            return Some(t);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks the response bytes and what the server reported against the cell. Returns a short
/// note of what was cross-checked.
fn check(
    kind: Kind,
    peer: &Peer,
    cell: Cell,
    f: &Fetched,
    log_from: usize,
) -> Result<String, String> {
    let n = &f.negotiated;
    if n.version != cell.version || n.suite != cell.suite {
        return Err(format!("lucid negotiated {} {}", n.version, n.suite));
    }
    // All three peers implement both extensions, so they are in use exactly when offered
    // (encrypt-then-MAC only with a CBC suite, RFC 7366 §3).
    let etm_want = cell.ext && cbc(cell.suite);
    if n.extended_master_secret != cell.ext || n.encrypt_then_mac != etm_want {
        return Err(format!(
            "lucid negotiated ems={} etm={}",
            n.extended_master_secret, n.encrypt_then_mac
        ));
    }
    if n.resumed {
        return Err("unexpected resumption".into());
    }
    let master = f.master.as_deref().ok_or("no key log line")?;
    if master.len() != 48 {
        return Err("master secret is not 48 bytes".into());
    }
    let text = String::from_utf8_lossy(&f.response).into_owned();
    match kind {
        Kind::OpenSsl => {
            if !text.starts_with("HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n") {
                return Err(format!("bad status/headers: {:?}", head(&text)));
            }
            let proto = format!("Protocol  : {}\n", openssl_version(cell.version));
            expect(&text, &proto, "server's protocol")?;
            let cipher = format!("Cipher    : {}\n", openssl_suite(cell.suite));
            expect(&text, &cipher, "server's cipher")?;
            let ems = format!("Extended master secret: {}\n", yes_no(cell.ext));
            expect(&text, &ems, "server's EMS")?;
            let mk = format!("Master-Key: {}\n", hex(master));
            expect(&text, &mk, "server's master secret = lucid's key log")?;
            expect(&text, "</BODY></HTML>", "end of page")?;
            Ok("page: version, suite, EMS, master secret".into())
        }
        Kind::GnuTls => {
            if !text.starts_with("HTTP/1.0 200 OK\r\n") {
                return Err(format!("bad status: {:?}", head(&text)));
            }
            let proto = format!(
                "<TD>Protocol version:</TD><TD>{}</TD>",
                gnutls_version(cell.version)
            );
            expect(&text, &proto, "server's protocol")?;
            let suite = format!("<TD>Ciphersuite</TD><TD>{}</TD>", gnutls_suite(cell.suite));
            expect(&text, &suite, "server's suite")?;
            expect(&text, "</BODY></HTML>", "end of page")?;
            // gnutls-serv logs each accepted connection by the client's port, with the
            // options in use.
            let marker = format!(
                "* Accepted connection from IPv4 127.0.0.1 port {} ",
                f.local_port
            );
            let options = poll_log(peer, |log| {
                let block = &log[log.find(&marker)?..];
                let line = block.lines().find(|l| l.starts_with("- Options:"))?;
                Some(line.to_owned())
            })
            .ok_or("gnutls-serv logged no Options line for this connection")?;
            let ems = options.contains("extended master secret");
            let etm = options.contains("EtM");
            if ems != cell.ext || etm != (cell.ext && cbc(cell.suite)) {
                return Err(format!("gnutls-serv reports {options:?}"));
            }
            Ok("page: version, suite; log: EMS, ETM".into())
        }
        Kind::TlsLite => {
            let (headers, body) = text
                .split_once("\r\n\r\n")
                .ok_or("no end of headers in the response")?;
            if !headers.starts_with("HTTP/1.0 200 OK\r\n") {
                return Err(format!("bad status: {:?}", head(&text)));
            }
            let len = format!("Content-Length: {}", TLSLITE_INDEX.len());
            expect(headers, &len, "content length")?;
            if body.as_bytes() != TLSLITE_INDEX {
                return Err(format!("body {body:?}"));
            }
            // tlslite prints a block per handshake; the matrix runs one connection at a
            // time, so the block after `log_from` is ours.
            let want = [
                format!("  Version: {}\n", tlslite_version(cell.version)),
                format!("  Ciphersuite: {}\n", cell.suite),
                format!(
                    "  Encrypt-then-MAC: {}\n",
                    if cell.ext && cbc(cell.suite) {
                        "True"
                    } else {
                        "False"
                    }
                ),
                format!(
                    "  Extended Master Secret: {}\n",
                    if cell.ext { "True" } else { "False" }
                ),
            ];
            let block = poll_log(peer, |log| {
                let block = log.get(log_from..)?;
                block
                    .contains("  Session Resumed:")
                    .then(|| block.to_owned())
            })
            .ok_or("tls.py logged no handshake block")?;
            for w in &want {
                expect(&block, w, "tls.py log")?;
            }
            Ok("body; log: version, suite, EMS, ETM".into())
        }
    }
}

fn head(text: &str) -> &str {
    text.get(..text.len().min(60)).unwrap_or(text)
}

/// Locates (or explains the absence of) what starting `kind` needs.
fn locate(kind: Kind) -> Result<Vec<PathBuf>, String> {
    match kind {
        Kind::OpenSsl => common::find_program("openssl")
            .map(|p| vec![p])
            .ok_or_else(|| "`openssl` not on PATH".into()),
        Kind::GnuTls => common::find_program("gnutls-serv")
            .map(|p| vec![p])
            .ok_or_else(|| "`gnutls-serv` not on PATH (Debian: gnutls-bin)".into()),
        Kind::TlsLite => common::tlslite().map(|(py, tls)| vec![py, tls]),
    }
}

/// The gnutls priority string that enables exactly lucid's versions and suites.
const GNUTLS_PRIORITY: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:\
-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:+AES-256-CBC:-MAC-ALL:+AEAD:+SHA1:+SHA256";

/// Starts `kind`, configured for the whole matrix (`defaults` = false) or with its own
/// default settings.
fn start(kind: Kind, bins: &[PathBuf], dir: &Path, defaults: bool) -> Peer {
    let port = common::free_port();
    let tag = if defaults { "defaults" } else { "matrix" };
    let name = format!("{}-{tag}", kind.name().split(' ').next().unwrap());
    let mut cmd = Command::new(&bins[0]);
    match kind {
        Kind::OpenSsl => {
            cmd.args(["s_server", "-www", "-accept"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(common::pki("leaf.pem"))
                .arg("-cert_chain")
                .arg(common::pki("intermediate.pem"))
                .arg("-key")
                .arg(common::pki("leaf.key"));
            if !defaults {
                // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1.
                cmd.args([
                    "-cipher",
                    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256:@SECLEVEL=0",
                    "-min_protocol",
                    "TLSv1",
                    "-max_protocol",
                    "TLSv1.2",
                ]);
            }
        }
        Kind::GnuTls => {
            // A system-wide policy file could disable old versions behind our back; point
            // gnutls at an empty one so the test sees only the priority string below.
            let empty = dir.join("gnutls-empty-system-priority");
            fs::write(&empty, b"").unwrap();
            cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", empty)
                .arg("--http")
                .arg("--disable-client-cert")
                .arg("--port")
                .arg(port.to_string())
                .arg("--x509certfile")
                .arg(common::pki("chain.pem"))
                .arg("--x509keyfile")
                .arg(common::pki("leaf.key"));
            if !defaults {
                cmd.arg("--priority").arg(GNUTLS_PRIORITY);
            }
        }
        Kind::TlsLite => {
            let docroot = dir.join(format!("tlslite-{tag}-docroot"));
            fs::create_dir_all(&docroot).unwrap();
            fs::write(docroot.join("index.html"), TLSLITE_INDEX).unwrap();
            cmd.env("PYTHONUNBUFFERED", "1")
                .arg(&bins[1])
                .arg("server")
                .arg("-c")
                .arg(common::pki("chain.pem"))
                .arg("-k")
                .arg(common::pki("leaf.key"))
                .arg("-d")
                .arg(&docroot)
                .arg(format!("127.0.0.1:{port}"));
        }
    }
    Peer::start(&name, cmd, port, dir)
}

#[derive(Debug)]
struct Row {
    peer: &'static str,
    cell: Cell,
    outcome: Result<String, String>,
    end: String,
}

fn end_text(e: &End) -> String {
    match e {
        End::CloseNotify => "close_notify".into(),
        End::EofWithoutCloseNotify => "EOF, no close_notify".into(),
        End::Error(e) => format!("error: {e}"),
    }
}

fn run_matrix(kind: Kind, bins: &[PathBuf], dir: &Path, rows: &mut Vec<Row>) {
    let mut peer = start(kind, bins, dir, false);
    // Let the readiness probe's log output settle before the first cell.
    std::thread::sleep(Duration::from_millis(200));
    for cell in matrix() {
        let log_from = peer.stdout_text().len();
        let (outcome, end) = match fetch(&peer, cell) {
            Ok(f) => {
                let end = end_text(&f.end);
                let res = check(kind, &peer, cell, &f, log_from);
                // A close without close_notify after a complete response is the peer's
                // habit, recorded in the table; any other read error is a failure.
                let res = match (&f.end, res) {
                    (End::Error(e), Ok(_)) => Err(format!("reading the response: {e}")),
                    (_, res) => res,
                };
                (res, end)
            }
            Err(e) => (Err(format!("lucid: {e}")), String::from("-")),
        };
        if let Err(e) = &outcome {
            eprintln!(
                "FAIL {} {} {} ext={}: {e}\n{}",
                kind.name(),
                cell.version,
                cell.suite,
                cell.ext,
                peer.output()
            );
        }
        rows.push(Row {
            peer: kind.name(),
            cell,
            outcome,
            end,
        });
        assert!(peer.alive(), "{} died\n{}", kind.name(), peer.output());
    }
}

/// With the peer's default settings: which cells it refuses, and with what alert.
fn run_defaults(kind: Kind, bins: &[PathBuf], dir: &Path, out: &mut String) {
    let peer = start(kind, bins, dir, true);
    std::thread::sleep(Duration::from_millis(200));
    let mut refused = Vec::new();
    let mut accepted = 0;
    for cell in matrix().into_iter().filter(|c| c.ext) {
        match fetch(&peer, cell) {
            Ok(f) if f.response.starts_with(b"HTTP/1.0 200") => accepted += 1,
            Ok(f) => refused.push(format!(
                "{} {}: response {:?}",
                cell.version,
                cell.suite,
                head(&String::from_utf8_lossy(&f.response))
            )),
            Err(e) => {
                // A refusal must reach lucid as the peer's alert, typed.
                assert!(
                    matches!(e, Error::AlertReceived { .. }),
                    "{} defaults, {} {}: {e:?}",
                    kind.name(),
                    cell.version,
                    cell.suite
                );
                refused.push(format!("{} {}: {e}", cell.version, cell.suite));
            }
        }
    }
    let _ = writeln!(
        out,
        "{} with its default settings: {accepted} accepted, {} refused",
        kind.name(),
        refused.len()
    );
    for r in &refused {
        let _ = writeln!(out, "    refused {r}");
    }
    // The server's own reason, for the record: openssl logs
    // `<thread>:error:<code>:SSL routines:<function>:<reason>:<file>:<line>:`, gnutls-serv
    // `Error in handshake: <reason>`. (What the readiness probe's empty connection causes is
    // not a refusal.)
    let reasons: Vec<String> = peer
        .output()
        .lines()
        .filter_map(|l| {
            if let Some(reason) = l.strip_prefix("Error in handshake: ") {
                return Some(reason.to_owned());
            }
            let fields: Vec<&str> = l.split(':').collect();
            (fields.get(1) == Some(&"error"))
                .then(|| Some(format!("{} ({})", fields.get(5)?, fields.get(4)?)))
                .flatten()
        })
        .filter(|r| {
            !r.starts_with("unexpected eof while reading")
                && !r.starts_with("The TLS connection was non-properly terminated")
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !reasons.is_empty() {
        let _ = writeln!(out, "    server's reason: {}", reasons.join("; "));
    }
}

#[test]
fn lucid_client_against_real_servers() {
    let dir = common::out_dir("client");
    let mut rows = Vec::new();
    let mut notes = String::new();
    let mut defaults = String::new();
    for kind in [Kind::OpenSsl, Kind::GnuTls, Kind::TlsLite] {
        match locate(kind) {
            Ok(bins) => {
                run_matrix(kind, &bins, &dir, &mut rows);
                run_defaults(kind, &bins, &dir, &mut defaults);
            }
            Err(why) => {
                let _ = writeln!(notes, "{}", common::missing_peer(kind.name(), &why));
            }
        }
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "lucid client interop matrix (lucid offers exactly one version and one suite per row)\n"
    );
    let _ = writeln!(
        table,
        "{:<18} {:<8} {:<32} {:<8} {:<6} {:<21} checked",
        "peer", "version", "suite", "ems+etm", "result", "close"
    );
    let mut failed = 0;
    for r in &rows {
        let (result, detail) = match &r.outcome {
            Ok(note) => ("pass", note.clone()),
            Err(e) => {
                failed += 1;
                ("FAIL", e.clone())
            }
        };
        let _ = writeln!(
            table,
            "{:<18} {:<8} {:<32} {:<8} {:<6} {:<21} {detail}",
            r.peer,
            r.cell.version.to_string(),
            r.cell.suite.to_string(),
            if r.cell.ext { "offered" } else { "off" },
            result,
            r.end
        );
    }
    let _ = writeln!(
        table,
        "\n{} cells, {} passed, {failed} failed",
        rows.len(),
        rows.len() - failed
    );
    if !notes.is_empty() {
        let _ = write!(table, "\n{notes}");
    }
    let _ = write!(
        table,
        "\nWhat the peers refuse with their default settings (the matrix above enables it):\n\
         {defaults}"
    );
    println!("{table}");
    let path = common::out_dir("").join("client-matrix.txt");
    fs::write(&path, &table).unwrap();
    println!("written to {}", path.display());
    assert_eq!(failed, 0, "interop failures:\n{table}");
}
