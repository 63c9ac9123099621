//! Real clients against an in-process lucid server (answering like `lucid serve --www`):
//! `openssl s_client`, `gnutls-cli`, tlslite-ng (its `tls.py client` and its API), and
//! lucid's own client over TCP. Every version × suite valid for the peer, with EMS and ETM
//! on and off (toggled on the client side), each sending an HTTP GET and checking that the
//! page names the expected version, suite, EMS and ETM; plus session resumption with each,
//! and clients that do not signal RFC 5746 (served by default, refused when required).
//!
//! The matrix is printed and written to `target/interop/server-matrix.txt`. A missing peer
//! is skipped with "skipped: <peer> not installed", or fails the test when
//! `LUCID_REQUIRE_PEERS=1` (as `cargo xtask ci` sets).

mod server_support;

use core::fmt::Write as _;
use core::time::Duration;
use std::process::Command;
use std::sync::Arc;

use lucid_blocking::server::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::RecordBuffers;
use lucid_core::internal::msgs::enums::{CipherSuite, ProtocolVersion};
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, WebPkiVerifier};
use rustls_pki_types::ServerName;
use server_support::*;

const PEER_TIMEOUT: Duration = Duration::from_secs(30);
const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

const SUITES: [CipherSuite; 6] = [
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
];

/// Every (version, suite) pair valid in TLS.
fn cells() -> Vec<(ProtocolVersion, CipherSuite)> {
    let mut out = Vec::new();
    for v in [V10, V11, V12] {
        for s in SUITES {
            let tls12_only = lucid_core::internal::crypto::suites::lookup(s)
                .unwrap()
                .tls12_only;
            if !tls12_only || v == V12 {
                out.push((v, s));
            }
        }
    }
    out
}

/// Where each peer's session resumption is checked: `cbc` at every version, and the SHA-384
/// suite at TLS 1.2 (the abbreviated handshake's Finished messages cover a SHA-384
/// transcript, chosen from the cached session's suite).
fn resumption_cells(cbc: CipherSuite) -> [(ProtocolVersion, CipherSuite); 4] {
    [
        (V10, cbc),
        (V11, cbc),
        (V12, cbc),
        (V12, CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384),
    ]
}

struct Row {
    peer: &'static str,
    check: String,
    version: String,
    suite: String,
    ems: String,
    etm: String,
    result: Result<(), String>,
}

fn on_off(b: bool) -> String {
    if b { "on" } else { "off" }.to_string()
}

fn row(
    peer: &'static str,
    check: &str,
    v: ProtocolVersion,
    s: CipherSuite,
    ems: Option<bool>,
    etm: Option<bool>,
    result: Result<(), String>,
) -> Row {
    Row {
        peer,
        check: check.to_string(),
        version: v.to_string(),
        suite: s.to_string(),
        ems: ems.map_or("-".into(), on_off),
        etm: etm.map_or("-".into(), on_off),
        result,
    }
}

/// The server's configuration for one cell: exactly this suite, TLS 1.0..1.2 (the client
/// limits the version), EMS and ETM accepted.
fn cell_config(
    store: &Arc<MemoryServerSessionStore>,
    suite: CipherSuite,
) -> lucid_core::ServerConfig {
    let mut c = server_config(store);
    c.cipher_suites = vec![suite];
    c
}

// ---------------------------------------------------------------- openssl s_client

fn openssl_cipher(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA => "AES128-SHA",
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA => "AES256-SHA",
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256 => "AES128-SHA256",
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 => "AES128-GCM-SHA256",
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384 => "AES256-GCM-SHA384",
        _ => "AES256-SHA256",
    }
}

fn openssl_version_flag(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "-tls1",
        V11 => "-tls1_1",
        _ => "-tls1_2",
    }
}

/// An OpenSSL config file turning the extended master secret off (s_client in OpenSSL 3.0
/// has `-no_etm` but no flag for EMS).
fn no_ems_conf() -> std::path::PathBuf {
    let dir = out_dir("");
    let path = dir.join("openssl-no-ems.cnf");
    std::fs::write(
        &path,
        "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n\
         [ssl_sect]\nsystem_default = system_default_sect\n\
         [system_default_sect]\nOptions = -ExtendedMasterSecret\n",
    )
    .unwrap();
    path
}

fn s_client(
    server: &TestServer,
    v: ProtocolVersion,
    s: CipherSuite,
    ems: bool,
    etm: bool,
    extra: &[&str],
) -> Command {
    let mut cmd = Command::new("openssl");
    let cipher = if v == V12 {
        openssl_cipher(s).to_string()
    } else {
        // OpenSSL 3 refuses TLS 1.0/1.1 above security level 0.
        format!("{}:@SECLEVEL=0", openssl_cipher(s))
    };
    cmd.args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port()))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(testdata("pki/root.pem"))
        .args([
            "-verify_return_error",
            openssl_version_flag(v),
            "-cipher",
            &cipher,
        ])
        .args(["-no_ticket"])
        .args(extra);
    if !etm {
        cmd.arg("-no_etm");
    }
    if !ems {
        cmd.env("OPENSSL_CONF", no_ems_conf());
    }
    cmd
}

fn openssl(rows: &mut Vec<Row>, server: &TestServer, store: &Arc<MemoryServerSessionStore>) {
    if find_program("openssl").is_none() {
        missing_peer("openssl", "`openssl` not on PATH");
        return;
    }
    for (v, s) in cells() {
        server.set_config(cell_config(store, s));
        for (ems, etm) in [(true, true), (true, false), (false, true), (false, false)] {
            let result = run(
                &mut s_client(server, v, s, ems, etm, &["-quiet"]),
                GET,
                PEER_TIMEOUT,
            )
            .map_err(|e| e.to_string())
            .and_then(|ran| {
                check_page(&ran.stdout, v, s, Some(ems), Some(etm), Some(false))
                    .map_err(|e| format!("{e}: {}", tail(&ran)))
            });
            rows.push(row(
                "openssl s_client",
                "GET",
                v,
                s,
                Some(ems),
                Some(etm),
                result,
            ));
        }
    }
    // Resumption: -sess_out, then -sess_in ("Reused" and our page says so).
    let dir = out_dir("");
    for (v, s) in resumption_cells(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA) {
        server.set_config(cell_config(store, s));
        let sess = dir.join(format!("openssl-session-{v}-{s}.pem"));
        let _ = std::fs::remove_file(&sess);
        let sess_arg = sess.to_str().unwrap();
        let result = run(
            &mut s_client(server, v, s, true, true, &["-quiet", "-sess_out", sess_arg]),
            GET,
            PEER_TIMEOUT,
        )
        .map_err(|e| e.to_string())
        .and_then(|ran| {
            check_page(&ran.stdout, v, s, None, None, Some(false))
                .map_err(|e| format!("first: {e}: {}", tail(&ran)))
        })
        .and_then(|()| {
            run(
                &mut s_client(
                    server,
                    v,
                    s,
                    true,
                    true,
                    &["-ign_eof", "-sess_in", sess_arg],
                ),
                GET,
                PEER_TIMEOUT,
            )
            .map_err(|e| e.to_string())
        })
        .and_then(|ran| {
            if !ran.stdout.contains("Reused, ") {
                return Err(format!("no \"Reused\": {}", tail(&ran)));
            }
            check_page(&ran.stdout, v, s, None, None, Some(true))
                .map_err(|e| format!("second: {e}"))
        });
        rows.push(row(
            "openssl s_client",
            "resume -sess_out/-sess_in",
            v,
            s,
            Some(true),
            Some(true),
            result,
        ));
    }
}

// ---------------------------------------------------------------- gnutls-cli

fn gnutls_priority(v: ProtocolVersion, s: CipherSuite, ems: bool, etm: bool) -> String {
    let vers = match v {
        V10 => "+VERS-TLS1.0",
        V11 => "+VERS-TLS1.1",
        _ => "+VERS-TLS1.2",
    };
    let (cipher, mac) = match s {
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA => ("+AES-128-CBC", "+SHA1"),
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA => ("+AES-256-CBC", "+SHA1"),
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256 => ("+AES-128-CBC", "+SHA256"),
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 => ("+AES-128-GCM", "+AEAD"),
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384 => ("+AES-256-GCM", "+AEAD"),
        _ => ("+AES-256-CBC", "+SHA256"),
    };
    let mut p = format!("NONE:{vers}:+RSA:{cipher}:{mac}:+COMP-NULL:+SIGN-ALL");
    if !etm {
        p.push_str(":%NO_ETM");
    }
    if !ems {
        p.push_str(":%NO_SESSION_HASH");
    }
    p
}

fn gnutls_cli(server: &TestServer, priority: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new("gnutls-cli");
    cmd.arg("--x509cafile")
        .arg(testdata("pki/root.pem"))
        .args(["-p", &server.port().to_string(), "--priority", priority])
        .args(extra)
        .arg("localhost");
    cmd
}

fn gnutls(rows: &mut Vec<Row>, server: &TestServer, store: &Arc<MemoryServerSessionStore>) {
    if find_program("gnutls-cli").is_none() {
        missing_peer(
            "gnutls-cli",
            "`gnutls-cli` not on PATH (Debian: gnutls-bin)",
        );
        return;
    }
    for (v, s) in cells() {
        server.set_config(cell_config(store, s));
        for (ems, etm) in [(true, true), (true, false), (false, true), (false, false)] {
            let prio = gnutls_priority(v, s, ems, etm);
            let result = run(&mut gnutls_cli(server, &prio, &[]), GET, PEER_TIMEOUT)
                .map_err(|e| e.to_string())
                .and_then(|ran| {
                    check_page(&ran.stdout, v, s, Some(ems), Some(etm), Some(false))
                        .map_err(|e| format!("{e}: {}", tail(&ran)))
                });
            rows.push(row("gnutls-cli", "GET", v, s, Some(ems), Some(etm), result));
        }
    }
    for (v, s) in resumption_cells(CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA) {
        server.set_config(cell_config(store, s));
        let prio = gnutls_priority(v, s, true, true);
        let result = run(
            &mut gnutls_cli(server, &prio, &["--resume"]),
            GET,
            PEER_TIMEOUT,
        )
        .map_err(|e| e.to_string())
        .and_then(|ran| {
            if !ran.stdout.contains("This is a resumed session") {
                return Err(format!("not resumed: {}", tail(&ran)));
            }
            check_page(&ran.stdout, v, s, Some(true), Some(true), Some(true))
        });
        rows.push(row(
            "gnutls-cli",
            "resume --resume",
            v,
            s,
            Some(true),
            Some(true),
            result,
        ));
    }
}

// ---------------------------------------------------------------- tlslite-ng

/// A tlslite-ng client through its API: exact version and suite, EMS and ETM toggles, the
/// page printed, and optionally a second, resumed connection.
const TLSLITE_CLIENT: &str = r#"
import socket, sys
from tlslite import TLSConnection, HandshakeSettings
port, ver, cipher, mac, ems, etm, resume = sys.argv[1:8]
versions = {"1.0": (3, 1), "1.1": (3, 2), "1.2": (3, 3)}
def settings():
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = versions[ver]
    s.cipherNames = [cipher]
    s.macNames = [mac]
    s.keyExchangeNames = ["rsa"]
    s.useExtendedMasterSecret = ems == "1"
    s.useEncryptThenMAC = etm == "1"
    return s
def get(session=None):
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    c = TLSConnection(sock)
    c.handshakeClientCert(settings=settings(), serverName="localhost", session=session)
    c.send(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        r = c.recv(10240)
        if not r:
            break
        data += r
    sys.stdout.write(data.decode())
    sys.stdout.write("\ntlslite: version=%s resumed=%s ems=%s etm=%s\n" % (
        c.getVersionName(), c.resumed, c.extendedMasterSecret, c.encryptThenMAC))
    s = c.session
    c.close()
    return s
session = get()
if resume == "1":
    get(session)
"#;

fn tlslite_names(s: CipherSuite) -> (&'static str, &'static str) {
    match s {
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA => ("aes128", "sha"),
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA => ("aes256", "sha"),
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256 => ("aes128", "sha256"),
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 => ("aes128gcm", "aead"),
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384 => ("aes256gcm", "aead"),
        _ => ("aes256", "sha256"),
    }
}

fn version_arg(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "1.0",
        V11 => "1.1",
        _ => "1.2",
    }
}

fn tlslite(rows: &mut Vec<Row>, server: &TestServer, store: &Arc<MemoryServerSessionStore>) {
    let (python, tls_py) = match lucid_test_support::peers::tlslite() {
        Ok(found) => found,
        Err(why) => {
            missing_peer("tlslite-ng", &why);
            return;
        }
    };
    let script = out_dir("").join("tlslite_client.py");
    std::fs::write(&script, TLSLITE_CLIENT).unwrap();
    let api = |v: ProtocolVersion, s: CipherSuite, ems: bool, etm: bool, resume: bool| {
        let (cipher, mac) = tlslite_names(s);
        let b = |x: bool| if x { "1" } else { "0" };
        let mut cmd = Command::new(&python);
        cmd.arg(&script).args([
            &server.port().to_string(),
            version_arg(v),
            cipher,
            mac,
            b(ems),
            b(etm),
            b(resume),
        ]);
        cmd
    };
    for (v, s) in cells() {
        server.set_config(cell_config(store, s));
        for (ems, etm) in [(true, true), (true, false), (false, true), (false, false)] {
            let result = run(&mut api(v, s, ems, etm, false), b"", PEER_TIMEOUT)
                .map_err(|e| e.to_string())
                .and_then(|ran| {
                    check_page(&ran.stdout, v, s, Some(ems), Some(etm), Some(false))
                        .map_err(|e| format!("{e}: {}", tail(&ran)))
                });
            rows.push(row(
                "tlslite-ng API",
                "GET",
                v,
                s,
                Some(ems),
                Some(etm),
                result,
            ));
        }
    }
    for (v, s) in resumption_cells(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA) {
        server.set_config(cell_config(store, s));
        let result = run(&mut api(v, s, true, true, true), b"", PEER_TIMEOUT)
            .map_err(|e| e.to_string())
            .and_then(|ran| {
                if !ran.stdout.contains("resumed=True") {
                    return Err(format!("not resumed: {}", tail(&ran)));
                }
                // The second page is the resumed one.
                let second = &ran.stdout[ran.stdout.rfind("HTTP/1.0").unwrap_or(0)..];
                check_page(second, v, s, Some(true), Some(true), Some(true))
            });
        rows.push(row(
            "tlslite-ng API",
            "resume (session=)",
            v,
            s,
            Some(true),
            Some(true),
            result,
        ));
    }
    // tls.py client itself: a GET with its defaults (TLS 1.3 offered, 1.2 agreed), then
    // --resumption; its output names the version and suite, our log says "resumed".
    let s = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
    server.set_config(cell_config(store, s));
    server.take_served();
    let mut cmd = Command::new(&python);
    cmd.arg(&tls_py)
        .args(["client", "--resumption"])
        .arg(format!("localhost:{}", server.port()));
    let result = run(&mut cmd, b"", PEER_TIMEOUT)
        .map_err(|e| e.to_string())
        .and_then(|ran| {
            let ok = ran.stdout.matches("Handshake success").count() == 2
                && ran.stdout.contains("Version: TLS 1.2")
                && ran
                    .stdout
                    .contains("Ciphersuite: TLS_RSA_WITH_AES_128_CBC_SHA");
            if !ok {
                return Err(tail(&ran));
            }
            // Let the server threads record both connections.
            std::thread::sleep(Duration::from_millis(300));
            let served = server.take_served();
            let resumed: Vec<bool> = served
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .map(|s| s.resumed)
                .collect();
            if resumed == [false, true] {
                Ok(())
            } else {
                Err(format!("server saw {served:?}"))
            }
        });
    rows.push(row(
        "tls.py client",
        "GET + --resumption",
        V12,
        s,
        None,
        None,
        result,
    ));
}

// ---------------------------------------------------------------- clients without RFC 5746

/// The exact error a lucid server requiring RFC 5746 records for such a client.
const REFUSED: &str =
    "handshake: peer incompatible: peer does not support secure renegotiation (RFC 5746)";

/// A tlslite-ng client that sends neither renegotiation_info nor the SCSV: tlslite always
/// adds TLS_EMPTY_RENEGOTIATION_INFO_SCSV (`_clientSendClientHello`) and has no setting
/// for it, so `ClientHello.write` is wrapped to drop both from the wire (the transcript
/// hashes what is written). It prints what it sent, then the page.
const TLSLITE_LEGACY_CLIENT: &str = r#"
import socket, sys
import tlslite.messages as messages
from tlslite import TLSConnection, HandshakeSettings
SCSV, RENEG = 0x00FF, 0xFF01
original_write = messages.ClientHello.write
def legacy_write(self):
    self.cipher_suites = [c for c in self.cipher_suites if c != SCSV]
    if self.extensions:
        self.extensions = [e for e in self.extensions if e.extType != RENEG]
    sys.stdout.write("tlslite sent: scsv=%s renegotiation_info=%s\n" % (
        SCSV in self.cipher_suites,
        any(e.extType == RENEG for e in (self.extensions or []))))
    return original_write(self)
messages.ClientHello.write = legacy_write
port = int(sys.argv[1])
s = HandshakeSettings()
s.minVersion = s.maxVersion = (3, 3)
s.cipherNames = ["aes128"]
s.macNames = ["sha"]
s.keyExchangeNames = ["rsa"]
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
c = TLSConnection(sock)
try:
    c.handshakeClientCert(settings=s, serverName="localhost")
except Exception as e:
    sys.stdout.write("tlslite handshake failed: %r\n" % (e,))
    sys.exit(3)
c.send(b"GET / HTTP/1.0\r\n\r\n")
data = b""
while True:
    r = c.recv(10240)
    if not r:
        break
    data += r
sys.stdout.write(data.decode())
c.close()
"#;

/// What the server recorded for the connections since `take_served` was last called.
fn served_after(server: &TestServer) -> Vec<Result<Served, String>> {
    // Let the server thread record the connection.
    std::thread::sleep(Duration::from_millis(300));
    server.take_served()
}

/// The one connection served, which must not have signalled RFC 5746.
fn served_without_signal(server: &TestServer) -> Result<(), String> {
    match served_after(server).as_slice() {
        [Ok(s)] if !s.secure_renegotiation => Ok(()),
        other => Err(format!("server saw {other:?}")),
    }
}

/// The one connection, refused with [`REFUSED`].
fn refused_for_rfc5746(server: &TestServer) -> Result<(), String> {
    match served_after(server).as_slice() {
        [Err(e)] if e == REFUSED => Ok(()),
        other => Err(format!("server saw {other:?}")),
    }
}

/// gnutls-cli with `%DISABLE_SAFE_RENEGOTIATION` (gnutls docs: "Disable safe renegotiation
/// completely", so the client sends neither renegotiation_info nor the SCSV; the server
/// side confirms it: lucid records that the hello signalled neither) and tlslite-ng with
/// both stripped: served with a full HTTP exchange by default, refused with
/// handshake_failure when the server requires RFC 5746.
fn legacy_renegotiation(
    rows: &mut Vec<Row>,
    server: &TestServer,
    store: &Arc<MemoryServerSessionStore>,
) {
    let s = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
    let mut required = cell_config(store, s);
    required.require_secure_renegotiation = true;
    if find_program("gnutls-cli").is_none() {
        missing_peer(
            "gnutls-cli",
            "`gnutls-cli` not on PATH (Debian: gnutls-bin)",
        );
    } else {
        let prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION";
        server.set_config(cell_config(store, s));
        server.take_served();
        let result = run(&mut gnutls_cli(server, prio, &[]), GET, PEER_TIMEOUT)
            .map_err(|e| e.to_string())
            .and_then(|ran| {
                check_page(&ran.stdout, V12, s, None, None, Some(false))
                    .and_then(|()| check_page_reneg(&ran.stdout, false))
                    .map_err(|e| format!("{e}: {}", tail(&ran)))
            })
            .and_then(|()| served_without_signal(server));
        rows.push(row(
            "gnutls-cli",
            "no RFC 5746: GET served",
            V12,
            s,
            None,
            None,
            result,
        ));
        server.set_config(required.clone());
        let result = run(&mut gnutls_cli(server, prio, &[]), GET, PEER_TIMEOUT)
            .map_err(|e| e.to_string())
            .and_then(|ran| {
                // gnutls names the alert: "Received alert [40]: Handshake failed".
                if ran.stdout.contains("lucid serve")
                    || !format!("{}{}", ran.stdout, ran.stderr).contains("[40]")
                {
                    return Err(format!(
                        "not refused with handshake_failure: {}",
                        tail(&ran)
                    ));
                }
                Ok(())
            })
            .and_then(|()| refused_for_rfc5746(server));
        rows.push(row(
            "gnutls-cli",
            "no RFC 5746: refused (required)",
            V12,
            s,
            None,
            None,
            result,
        ));
    }
    let (python, _) = match lucid_test_support::peers::tlslite() {
        Ok(found) => found,
        Err(why) => {
            missing_peer("tlslite-ng", &why);
            return;
        }
    };
    let script = out_dir("").join("tlslite_legacy_client.py");
    std::fs::write(&script, TLSLITE_LEGACY_CLIENT).unwrap();
    let cmd = || {
        let mut cmd = Command::new(&python);
        cmd.arg(&script).arg(server.port().to_string());
        cmd
    };
    let sent_neither = "tlslite sent: scsv=False renegotiation_info=False";
    server.set_config(cell_config(store, s));
    server.take_served();
    let result = run(&mut cmd(), b"", PEER_TIMEOUT)
        .map_err(|e| e.to_string())
        .and_then(|ran| {
            if !ran.stdout.contains(sent_neither) {
                return Err(format!("the hello still signalled: {}", tail(&ran)));
            }
            check_page(&ran.stdout, V12, s, None, None, Some(false))
                .and_then(|()| check_page_reneg(&ran.stdout, false))
                .map_err(|e| format!("{e}: {}", tail(&ran)))
        })
        .and_then(|()| served_without_signal(server));
    rows.push(row(
        "tlslite-ng API",
        "no RFC 5746: GET served",
        V12,
        s,
        None,
        None,
        result,
    ));
    server.set_config(required);
    let result = run(&mut cmd(), b"", PEER_TIMEOUT)
        .map_err(|e| e.to_string())
        .and_then(|ran| {
            // tlslite raises TLSRemoteAlert(level=2, description=40): handshake_failure.
            if !ran.stdout.contains(sent_neither) || !ran.stdout.contains("level=2, description=40")
            {
                return Err(format!(
                    "not refused with handshake_failure: {}",
                    tail(&ran)
                ));
            }
            Ok(())
        })
        .and_then(|()| refused_for_rfc5746(server));
    rows.push(row(
        "tlslite-ng API",
        "no RFC 5746: refused (required)",
        V12,
        s,
        None,
        None,
        result,
    ));
}

// ---------------------------------------------------------------- lucid ↔ lucid

fn lucid(rows: &mut Vec<Row>, server: &TestServer, store: &Arc<MemoryServerSessionStore>) {
    let mut roots = RootStore::new();
    for der in lucid_blocking::load_pem_certs(&testdata("pki/root.pem")).unwrap() {
        roots.add_der(&der).unwrap();
    }
    let verifier = Arc::new(WebPkiVerifier::new(roots));
    for (v, s) in cells() {
        // Both ends with on-demand record buffers (the real clients above meet the
        // default, preallocated ones).
        let mut sc = cell_config(store, s);
        sc.record_buffers = RecordBuffers::OnDemand;
        server.set_config(sc);
        let cstore = Arc::new(MemoryClientSessionStore::default());
        let mut c = ClientConfig::new(verifier.clone());
        c.min_version = v;
        c.max_version = v;
        c.cipher_suites = vec![s];
        c.session_store = Some(cstore);
        c.record_buffers = RecordBuffers::OnDemand;
        let c = Arc::new(c);
        let get = || -> Result<(bool, String), String> {
            use std::io::{Read, Write};
            let mut stream = lucid_blocking::connect(
                c.clone(),
                ServerName::try_from("localhost").unwrap(),
                server.addr,
            )
            .map_err(|e| e.to_string())?;
            let resumed = stream.conn().negotiated().is_some_and(|n| n.resumed);
            stream.write_all(GET).map_err(|e| e.to_string())?;
            let mut page = String::new();
            stream
                .read_to_string(&mut page)
                .map_err(|e| e.to_string())?;
            Ok((resumed, page))
        };
        let result = get().and_then(|(r1, p1)| {
            check_page(&p1, v, s, Some(true), Some(true), Some(false))?;
            let (r2, p2) = get()?;
            check_page(&p2, v, s, Some(true), Some(true), Some(true))?;
            if r1 || !r2 {
                return Err(format!("client saw resumed {r1} then {r2}"));
            }
            Ok(())
        });
        rows.push(row(
            "lucid connect",
            "GET + resume, on-demand buf",
            v,
            s,
            Some(true),
            Some(true),
            result,
        ));
    }
}

// ---------------------------------------------------------------- the matrix

#[test]
fn server_interop_matrix() {
    let store = Arc::new(MemoryServerSessionStore::default());
    let server = TestServer::start(server_config(&store));
    let mut rows = Vec::new();
    openssl(&mut rows, &server, &store);
    gnutls(&mut rows, &server, &store);
    tlslite(&mut rows, &server, &store);
    legacy_renegotiation(&mut rows, &server, &store);
    lucid(&mut rows, &server, &store);

    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<18} {:<28} {:<8} {:<32} {:<4} {:<4} result",
        "peer", "check", "version", "suite", "EMS", "ETM"
    );
    for r in &rows {
        let result = match &r.result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAIL: {e}"),
        };
        let _ = writeln!(
            table,
            "{:<18} {:<28} {:<8} {:<32} {:<4} {:<4} {result}",
            r.peer, r.check, r.version, r.suite, r.ems, r.etm
        );
    }
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    let _ = writeln!(table, "\n{} checks, {} failed", rows.len(), failed);
    println!("{table}");
    let dir = out_dir("");
    std::fs::write(dir.join("server-matrix.txt"), &table).unwrap();
    assert_eq!(failed, 0, "interop failures, see the table above");
}
