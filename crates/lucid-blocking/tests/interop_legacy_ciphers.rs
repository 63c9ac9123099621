//! The legacy opt-in ciphers of issue 16 (behind `enable_legacy_ciphers`) against real
//! peers on 127.0.0.1, both directions, every suite at every version:
//!
//! - gnutls (`gnutls-serv --http`, `gnutls-cli`): TLS_RSA_WITH_3DES_EDE_CBC_SHA,
//!   TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_RC4_128_MD5
//!   (priority strings with `+3DES-CBC`, `+ARCFOUR-128`, `+MD5`, `+DHE-RSA`);
//! - tlslite-ng 0.8.2 through its API (a server and a client script, `3des`, `rc4`, `md5`,
//!   `dhe_rsa` enabled): the same four, and the DHE_RSA suites with AES;
//! - OpenSSL: not here. Debian's OpenSSL 3 is built without RC4 and 3DES for TLS
//!   (`openssl ciphers DES-CBC3-SHA:RC4-SHA:@SECLEVEL=0` finds nothing); the DHE_RSA
//!   suites with AES run against it in `interop_dhe.rs`.
//!
//! Each cell checks both sides' view: lucid's `Negotiated` and the peer's own report (the
//! gnutls page or session line, tlslite's suite name, lucid's `--www` page). A missing peer
//! fails under `LUCID_REQUIRE_PEERS=1`.

mod common;
#[path = "server_support/mod.rs"]
mod server_support;

use core::time::Duration;
use std::fs;
use std::process::Command;
use std::sync::Arc;

use common::{Peer, fetch, ffdhe2048_pem, find_program, free_port, missing_peer, out_dir, pki};
use lucid_core::internal::crypto::suites::{self, BulkCipher, KeyExchange, MacAlgorithm};
use lucid_core::{CipherSuite, ProtocolVersion};
use server_support::{TestServer, run, tail};

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// The suites with a legacy bulk cipher: 3DES or RC4.
fn weak_cipher_suites() -> Vec<CipherSuite> {
    lucid_core::legacy_cipher_suites()
        .filter(|s| {
            let p = suites::lookup(*s).unwrap();
            matches!(p.cipher, BulkCipher::TripleDesEde | BulkCipher::Rc4_128)
        })
        .collect()
}

/// `suites` with each version it allows.
fn cells(suites: &[CipherSuite]) -> Vec<(ProtocolVersion, CipherSuite)> {
    let mut out = Vec::new();
    for s in suites {
        let p = suites::lookup(*s).unwrap();
        for v in [V10, V11, V12] {
            if p.usable_with(v) {
                out.push((v, *s));
            }
        }
    }
    out
}

fn client(v: ProtocolVersion, s: CipherSuite) -> Arc<lucid_core::ClientConfig> {
    let mut c = common::client_config();
    c.enable_legacy_ciphers();
    c.min_version = v;
    c.max_version = v;
    c.cipher_suites = vec![s];
    Arc::new(c)
}

fn lucid_server() -> TestServer {
    let store = Arc::new(lucid_blocking::server::MemoryServerSessionStore::default());
    let mut config = server_support::server_config(&store);
    config.enable_legacy_ciphers();
    config.cipher_suites = lucid_core::legacy_cipher_suites().collect();
    TestServer::start(config)
}

fn report(name: &str, rows: &[String], failures: usize) {
    let text = rows.join("\n");
    let path = out_dir("interop").join(format!("legacy-ciphers-{name}.txt"));
    let _ = fs::write(&path, &text);
    println!("{text}");
    assert_eq!(failures, 0, "{failures} failing cells, see above");
}

/// gnutls' name on its `--http` page (`RSA_3DES_EDE_CBC_SHA1`, `RSA_ARCFOUR_128_MD5`).
fn gnutls_name(s: CipherSuite) -> String {
    let name = s
        .name()
        .unwrap()
        .trim_start_matches("TLS_")
        .replace("_WITH", "")
        .replace("RC4", "ARCFOUR");
    if name.ends_with("_SHA") {
        format!("{name}1")
    } else {
        name
    }
}

/// gnutls' priority pieces for a suite: (key exchange, cipher, MAC).
fn gnutls_pieces(s: CipherSuite) -> (&'static str, &'static str, &'static str) {
    let p = suites::lookup(s).unwrap();
    let kx = match p.kx {
        KeyExchange::Dhe => "+DHE-RSA",
        _ => "+RSA",
    };
    let cipher = match p.cipher {
        BulkCipher::TripleDesEde => "+3DES-CBC",
        _ => "+ARCFOUR-128",
    };
    let mac = match p.mac() {
        Some(MacAlgorithm::Md5) => "+MD5",
        _ => "+SHA1",
    };
    (kx, cipher, mac)
}

fn gnutls_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "+VERS-TLS1.0",
        V11 => "+VERS-TLS1.1",
        _ => "+VERS-TLS1.2",
    }
}

/// lucid's client against `gnutls-serv --http` and a tlslite-ng server.
#[test]
fn lucid_client_against_gnutls_and_tlslite_servers() {
    let dir = out_dir("interop-legacy-ciphers");
    let mut rows = Vec::new();
    let mut failures = 0;
    let weak = weak_cipher_suites();
    assert_eq!(weak.len(), 4);

    match find_program("gnutls-serv") {
        None => rows.push(missing_peer("gnutls-serv", "`gnutls-serv` not on PATH")),
        Some(bin) => {
            let port = free_port();
            let priority = "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2:-KX-ALL:+RSA:+DHE-RSA:-CIPHER-ALL:+3DES-CBC:+ARCFOUR-128:-MAC-ALL:+SHA1:+MD5";
            let mut cmd = Command::new(bin);
            cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
                .args(["--http", "--disable-client-cert", "--port"])
                .arg(port.to_string())
                .arg("--x509certfile")
                .arg(pki("chain.pem"))
                .arg("--x509keyfile")
                .arg(pki("leaf.key"))
                .arg("--dhparams")
                .arg(ffdhe2048_pem(&dir))
                .arg("--priority")
                .arg(priority);
            let server = Peer::start("gnutls-serv-legacy", cmd, port, &dir);
            for (v, s) in cells(&weak) {
                let result = fetch(server.addr(), client(v, s), REQUEST)
                    .map_err(|e| e.to_string())
                    .and_then(|f| {
                        let n = &f.negotiated;
                        if (n.version, n.suite) != (v, s) {
                            return Err(format!("negotiated {} {}", n.version, n.suite));
                        }
                        let page = String::from_utf8_lossy(&f.response);
                        let want = gnutls_name(s);
                        if page.contains(&want) {
                            Ok(())
                        } else {
                            Err(format!(
                                "page lacks {want:?}: {}",
                                &page[..page.len().min(300)]
                            ))
                        }
                    });
                failures += usize::from(result.is_err());
                rows.push(format!("gnutls-serv       {v} {s}: {result:?}"));
            }
        }
    }

    match common::tlslite() {
        Err(why) => rows.push(missing_peer("tlslite-ng", &why)),
        Ok((python, _)) => {
            let port = free_port();
            let script = dir.join("tlslite_server.py");
            fs::write(&script, TLSLITE_SERVER).unwrap();
            let mut cmd = Command::new(python);
            cmd.env("PYTHONUNBUFFERED", "1")
                .arg(&script)
                .arg(pki("chain.pem"))
                .arg(pki("leaf.key"))
                .arg(port.to_string());
            let server = Peer::start("tlslite-legacy-server", cmd, port, &dir);
            for (v, s) in cells(&lucid_core::legacy_cipher_suites().collect::<Vec<_>>()) {
                let result = fetch(server.addr(), client(v, s), REQUEST)
                    .map_err(|e| e.to_string())
                    .and_then(|f| {
                        let n = &f.negotiated;
                        if (n.version, n.suite) != (v, s) {
                            return Err(format!("negotiated {} {}", n.version, n.suite));
                        }
                        let page = String::from_utf8_lossy(&f.response);
                        let want = format!("tlslite-ng negotiated {s} at {}", tlslite_version(v));
                        if page.contains(&want) {
                            Ok(())
                        } else {
                            Err(format!("page lacks {want:?}: {page:?}"))
                        }
                    });
                if result.is_err() {
                    eprintln!("{}", server.output());
                }
                failures += usize::from(result.is_err());
                rows.push(format!("tlslite-ng server {v} {s}: {result:?}"));
            }
        }
    }
    report("lucid-client", &rows, failures);
}

fn tlslite_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS 1.0",
        V11 => "TLS 1.1",
        _ => "TLS 1.2",
    }
}

/// tlslite-ng's settings names for a suite: (key exchange, cipher, MAC).
fn tlslite_names(s: CipherSuite) -> (&'static str, &'static str, &'static str) {
    let p = suites::lookup(s).unwrap();
    let kx = match p.kx {
        KeyExchange::Dhe => "dhe_rsa",
        _ => "rsa",
    };
    let gcm = p.mac().is_none();
    let cipher = match (p.cipher, gcm) {
        (BulkCipher::TripleDesEde, _) => "3des",
        (BulkCipher::Rc4_128, _) => "rc4",
        (BulkCipher::Aes128, false) => "aes128",
        (BulkCipher::Aes256, false) => "aes256",
        (BulkCipher::Aes128, true) => "aes128gcm",
        (BulkCipher::Aes256, true) => "aes256gcm",
    };
    let mac = match p.mac() {
        None => "aead",
        Some(MacAlgorithm::Md5) => "md5",
        Some(MacAlgorithm::Sha1) => "sha",
        Some(MacAlgorithm::Sha256) => "sha256",
        Some(MacAlgorithm::Sha384) => "sha384",
    };
    (kx, cipher, mac)
}

/// A tlslite-ng server through its API: TLS 1.0–1.2, RSA and DHE_RSA key exchange, every
/// cipher and MAC lucid's legacy suites use enabled. Answers each request with the suite
/// and version it negotiated.
const TLSLITE_SERVER: &str = r#"
import socket, sys
from tlslite import TLSConnection, HandshakeSettings, X509CertChain, parsePEMKey
from tlslite.constants import CipherSuite
chain = X509CertChain()
chain.parsePemList(open(sys.argv[1]).read())
key = parsePEMKey(open(sys.argv[2]).read(), private=True)
settings = HandshakeSettings()
settings.minVersion = (3, 1)
settings.maxVersion = (3, 3)
settings.cipherNames = ["aes256gcm", "aes128gcm", "aes256", "aes128", "3des", "rc4"]
settings.macNames = ["sha384", "sha256", "aead", "sha", "md5"]
settings.keyExchangeNames = ["rsa", "dhe_rsa"]
names = {(3, 1): "TLS 1.0", (3, 2): "TLS 1.1", (3, 3): "TLS 1.2"}
lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", int(sys.argv[3])))
lsock.listen(16)
print("listening", flush=True)
while True:
    sock, _ = lsock.accept()
    sock.settimeout(10)
    c = TLSConnection(sock)
    try:
        c.handshakeServer(certChain=chain, privateKey=key, settings=settings)
        suite = CipherSuite.ietfNames[c.session.cipherSuite]
        print("tlslite: %s %s" % (names[c.version], suite), flush=True)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        body = "tlslite-ng negotiated %s at %s\n" % (suite, names[c.version])
        c.send(("HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
        c.close()
    except Exception as e:
        print("tlslite: error %r" % (e,), flush=True)
        sock.close()
"#;

/// A tlslite-ng client through its API, one process for every cell
/// (`port,version,kx,cipher,mac` per argument): prints what it negotiated and the page.
const TLSLITE_CLIENT: &str = r#"
import socket, sys
from tlslite import TLSConnection, HandshakeSettings
from tlslite.constants import CipherSuite
VERSIONS = {"1.0": (3, 1), "1.1": (3, 2), "1.2": (3, 3)}
for cell in sys.argv[1:]:
    port, version, kx, cipher, mac = cell.split(",")
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = VERSIONS[version]
    s.keyExchangeNames = [kx]
    s.cipherNames = [cipher]
    s.macNames = [mac]
    try:
        sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        c = TLSConnection(sock)
        c.handshakeClientCert(settings=s, serverName="localhost")
        print("cell %s: tlslite negotiated %s" % (cell, CipherSuite.ietfNames[c.session.cipherSuite]), flush=True)
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.close()
        for line in data.decode("latin-1").splitlines():
            print("cell %s: page %s" % (cell, line), flush=True)
    except Exception as e:
        print("cell %s: error %r" % (cell, e), flush=True)
"#;

/// `gnutls-cli` and a tlslite-ng client against lucid's server (`--www` page).
#[test]
fn peers_against_a_lucid_legacy_server() {
    let server = lucid_server();
    let dir = out_dir("interop-legacy-ciphers");
    let mut rows = Vec::new();
    let mut failures = 0;
    match find_program("gnutls-cli") {
        None => rows.push(missing_peer("gnutls-cli", "`gnutls-cli` not on PATH")),
        Some(bin) => {
            for (v, s) in cells(&weak_cipher_suites()) {
                let (kx, c, m) = gnutls_pieces(s);
                let priority = format!(
                    "NORMAL:-VERS-ALL:{}:-KX-ALL:{kx}:-CIPHER-ALL:{c}:-MAC-ALL:{m}",
                    gnutls_version(v)
                );
                let mut cmd = Command::new(&bin);
                cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
                    .arg("--x509cafile")
                    .arg(pki("root.pem"))
                    .args(["-p", &server.port().to_string(), "--priority", &priority])
                    .arg("localhost");
                let cipher = &c[1..];
                let wants = [format!("Cipher    : {s}\n"), format!("-({cipher})-")];
                let result = run(&mut cmd, REQUEST, Duration::from_secs(20))
                    .map_err(|e| e.to_string())
                    .and_then(
                        |ran| match wants.iter().find(|w| !ran.stdout.contains(*w)) {
                            Some(missing) => Err(format!("no {missing:?}: {}", tail(&ran))),
                            None => Ok(()),
                        },
                    );
                failures += usize::from(result.is_err());
                rows.push(format!("gnutls-cli        {v} {s}: {result:?}"));
            }
        }
    }
    match common::tlslite() {
        Err(why) => rows.push(missing_peer("tlslite-ng", &why)),
        Ok((python, _)) => {
            let script = dir.join("tlslite_client.py");
            fs::write(&script, TLSLITE_CLIENT).unwrap();
            let all: Vec<CipherSuite> = lucid_core::legacy_cipher_suites().collect();
            let cells = cells(&all);
            let args: Vec<String> = cells
                .iter()
                .map(|(v, s)| {
                    let (kx, c, m) = tlslite_names(*s);
                    let ver = match *v {
                        V10 => "1.0",
                        V11 => "1.1",
                        _ => "1.2",
                    };
                    format!("{},{ver},{kx},{c},{m}", server.port())
                })
                .collect();
            let mut cmd = Command::new(python);
            cmd.env("PYTHONUNBUFFERED", "1").arg(&script).args(&args);
            match run(&mut cmd, b"", Duration::from_secs(120)) {
                Err(e) => {
                    failures += 1;
                    rows.push(format!("tlslite-ng client: {e}"));
                }
                Ok(ran) => {
                    for ((v, s), arg) in cells.iter().zip(&args) {
                        let wants = [
                            format!("cell {arg}: tlslite negotiated {s}\n"),
                            format!("cell {arg}: page Cipher    : {s}"),
                            format!("cell {arg}: page Protocol  : {v}"),
                        ];
                        let result = match wants.iter().find(|w| !ran.stdout.contains(*w)) {
                            Some(missing) => Err(format!("no {missing:?}: {}", tail(&ran))),
                            None => Ok(()),
                        };
                        failures += usize::from(result.is_err());
                        rows.push(format!("tlslite-ng client {v} {s}: {result:?}"));
                    }
                }
            }
        }
    }
    // lucid's side of every connection.
    let served = server.wait_served(rows.len());
    for r in &served {
        if let Err(e) = r {
            failures += 1;
            rows.push(format!("lucid server: {e}"));
        }
    }
    report("lucid-server", &rows, failures);
}
