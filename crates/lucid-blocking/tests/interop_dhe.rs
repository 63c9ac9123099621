//! The legacy DHE_RSA suites (issue 16, behind `enable_legacy_ciphers`) against real peers
//! on 127.0.0.1, both directions:
//!
//! - the lucid client against `openssl s_server -www` (OpenSSL's own 2048-bit group) and
//!   `gnutls-serv --http` (ffdhe2048 from `--dhparams`): every DHE suite at every version it
//!   allows; the peer's page must name the suite, lucid's `Negotiated` the same;
//! - `openssl s_client` and `gnutls-cli` against an in-process lucid server (ffdhe2048):
//!   the same cells; the peer must report the suite and a 2048-bit DH key, lucid's server
//!   what it negotiated;
//! - refusals: a default lucid client (no opt-in) against a DHE-only server gets
//!   handshake_failure; a DHE server with a 1024-bit group is refused with
//!   insufficient_security unless the 1024-bit opt-in is on.
//!
//! A missing peer fails under `LUCID_REQUIRE_PEERS=1`.

mod common;
#[path = "server_support/mod.rs"]
mod server_support;

use core::time::Duration;
use std::fmt::Write as _;
use std::fs;
use std::process::Command;
use std::sync::Arc;

use common::{
    Peer, dh_params_pem, fetch, ffdhe2048_pem, find_program, free_port, missing_peer, out_dir, pki,
};
use lucid_core::internal::crypto::suites::{self, Protection};
use lucid_core::{CipherSuite, Error, PeerIncompatible, ProtocolVersion};
use server_support::{TestServer, run, tail};

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// The legacy DHE suites with AES (Debian's OpenSSL 3 has no 3DES for TLS: the 3DES one is
/// in `interop_legacy_ciphers.rs`, against gnutls and tlslite-ng).
fn dhe_aes_suites() -> impl Iterator<Item = CipherSuite> {
    lucid_core::legacy_cipher_suites().filter(|s| {
        let p = suites::lookup(*s).unwrap();
        p.kx == suites::KeyExchange::Dhe && p.cipher != suites::BulkCipher::TripleDesEde
    })
}

/// Every legacy DHE suite with AES, with each version it allows.
fn cells() -> Vec<(ProtocolVersion, CipherSuite)> {
    let mut out = Vec::new();
    for s in dhe_aes_suites() {
        let p = suites::lookup(s).unwrap();
        for v in [V10, V11, V12] {
            if p.usable_with(v) {
                out.push((v, s));
            }
        }
    }
    out
}

/// OpenSSL's name, derived from the suite table.
fn openssl_name(s: CipherSuite) -> String {
    let p = suites::lookup(s).unwrap();
    let bits = p.enc_key_len() * 8;
    match p.protection {
        Protection::Gcm => {
            let h = if p.enc_key_len() == 32 {
                "SHA384"
            } else {
                "SHA256"
            };
            format!("DHE-RSA-AES{bits}-GCM-{h}")
        }
        Protection::Cbc(mac) => match mac {
            suites::MacAlgorithm::Sha1 => format!("DHE-RSA-AES{bits}-SHA"),
            suites::MacAlgorithm::Sha256 => format!("DHE-RSA-AES{bits}-SHA256"),
            suites::MacAlgorithm::Sha384 => format!("DHE-RSA-AES{bits}-SHA384"),
            suites::MacAlgorithm::Md5 => unreachable!("no DHE suite MACs with MD5"),
        },
        Protection::Stream(_) => unreachable!("no DHE suite uses RC4"),
    }
}

/// gnutls' name of a suite (`DHE_RSA_AES_128_CBC_SHA1`, `DHE_RSA_AES_256_GCM_SHA384`).
fn gnutls_name(s: CipherSuite) -> String {
    let name = s
        .name()
        .unwrap()
        .trim_start_matches("TLS_")
        .replace("_WITH", "");
    if name.ends_with("_CBC_SHA") {
        format!("{name}1")
    } else {
        name
    }
}

/// gnutls' priority pieces (cipher, MAC) for a suite.
fn gnutls_pieces(s: CipherSuite) -> (String, &'static str) {
    let p = suites::lookup(s).unwrap();
    let bits = p.enc_key_len() * 8;
    match p.protection {
        Protection::Gcm => (format!("+AES-{bits}-GCM"), "+AEAD"),
        Protection::Cbc(suites::MacAlgorithm::Sha1) => (format!("+AES-{bits}-CBC"), "+SHA1"),
        Protection::Cbc(suites::MacAlgorithm::Sha256) => (format!("+AES-{bits}-CBC"), "+SHA256"),
        Protection::Cbc(suites::MacAlgorithm::Sha384) => (format!("+AES-{bits}-CBC"), "+SHA384"),
        Protection::Cbc(suites::MacAlgorithm::Md5) | Protection::Stream(_) => {
            unreachable!("DHE with AES only here")
        }
    }
}

fn gnutls_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "+VERS-TLS1.0",
        V11 => "+VERS-TLS1.1",
        _ => "+VERS-TLS1.2",
    }
}

fn openssl_flag(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "-tls1",
        V11 => "-tls1_1",
        _ => "-tls1_2",
    }
}

fn client(v: ProtocolVersion, s: CipherSuite) -> Arc<lucid_core::ClientConfig> {
    let mut c = common::client_config();
    c.enable_legacy_ciphers();
    c.min_version = v;
    c.max_version = v;
    c.cipher_suites = vec![s];
    Arc::new(c)
}

fn report(name: &str, rows: &[String], failures: usize) {
    let text = rows.join("\n");
    let path = out_dir("interop").join(format!("dhe-{name}.txt"));
    let _ = fs::write(&path, &text);
    println!("{text}");
    assert_eq!(failures, 0, "{failures} failing cells, see above");
}

/// RFC 2409's 1024-bit Oakley group 2, the prime old servers shipped.
fn oakley_group2_pem(dir: &std::path::Path) -> std::path::PathBuf {
    const P: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74\
                     020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437\
                     4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
                     EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";
    let p: Vec<u8> = (0..P.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&P[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(p.len(), 128);
    dh_params_pem(dir, "dh1024.pem", &p)
}

#[test]
fn lucid_client_against_openssl_and_gnutls_servers() {
    let dir = out_dir("interop-dhe");
    let mut rows = Vec::new();
    let mut failures = 0;
    let mut servers: Vec<(&str, Peer)> = Vec::new();
    match find_program("openssl") {
        None => rows.push(missing_peer("openssl s_server", "`openssl` not on PATH")),
        Some(openssl) => {
            let port = free_port();
            let ciphers: Vec<String> = dhe_aes_suites().map(openssl_name).collect();
            let mut cmd = Command::new(openssl);
            cmd.args(["s_server", "-www", "-accept"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(pki("leaf.pem"))
                .arg("-cert_chain")
                .arg(pki("intermediate.pem"))
                .arg("-key")
                .arg(pki("leaf.key"))
                .args([
                    "-min_protocol",
                    "TLSv1",
                    "-max_protocol",
                    "TLSv1.2",
                    "-cipher",
                ])
                .arg(format!("{}:@SECLEVEL=0", ciphers.join(":")));
            servers.push((
                "openssl s_server",
                Peer::start("s_server-dhe", cmd, port, &dir),
            ));
        }
    }
    match find_program("gnutls-serv") {
        None => rows.push(missing_peer("gnutls-serv", "`gnutls-serv` not on PATH")),
        Some(bin) => {
            let port = free_port();
            let mut ciphers = String::new();
            let mut macs = String::new();
            for s in dhe_aes_suites() {
                let (c, m) = gnutls_pieces(s);
                if !ciphers.contains(&c) {
                    let _ = write!(ciphers, ":{c}");
                }
                if !macs.contains(m) {
                    let _ = write!(macs, ":{m}");
                }
            }
            let priority = format!(
                "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-CIPHER-ALL{ciphers}:-MAC-ALL{macs}"
            );
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
            servers.push((
                "gnutls-serv",
                Peer::start("gnutls-serv-dhe", cmd, port, &dir),
            ));
        }
    }
    for (peer, server) in &servers {
        for (v, s) in cells() {
            let result = fetch(server.addr(), client(v, s), REQUEST)
                .map_err(|e| e.to_string())
                .and_then(|f| {
                    let n = &f.negotiated;
                    if (n.version, n.suite) != (v, s) {
                        return Err(format!("negotiated {} {}", n.version, n.suite));
                    }
                    let page = String::from_utf8_lossy(&f.response);
                    let want = if *peer == "gnutls-serv" {
                        gnutls_name(s)
                    } else {
                        openssl_name(s)
                    };
                    if page.contains(&want) {
                        Ok(())
                    } else {
                        Err(format!(
                            "page lacks {want:?}: {}",
                            &page[..page.len().min(300)]
                        ))
                    }
                });
            if result.is_err() {
                failures += 1;
            }
            rows.push(format!("{peer:<17} {v} {s}: {result:?}"));
        }
    }
    report("lucid-client", &rows, failures);
}

/// Runs a peer client (sending [`REQUEST`]) and checks that its output has every line of
/// `wants` (its own report and lucid's `--www` page).
fn peer_reports(cmd: &mut Command, wants: &[&str]) -> Result<(), String> {
    let ran = run(cmd, REQUEST, Duration::from_secs(20)).map_err(|e| e.to_string())?;
    match wants.iter().find(|w| !ran.stdout.contains(**w)) {
        Some(missing) => Err(format!("no {missing:?}: {}", tail(&ran))),
        None => Ok(()),
    }
}

#[test]
fn peers_against_a_lucid_dhe_server() {
    let store = Arc::new(lucid_blocking::server::MemoryServerSessionStore::default());
    let mut config = server_support::server_config(&store);
    config.enable_legacy_ciphers();
    config.cipher_suites = dhe_aes_suites().collect();
    let server = TestServer::start(config);
    let mut rows = Vec::new();
    let mut failures = 0;
    let openssl = find_program("openssl");
    let gnutls = find_program("gnutls-cli");
    if openssl.is_none() {
        rows.push(missing_peer("openssl s_client", "`openssl` not on PATH"));
    }
    if gnutls.is_none() {
        rows.push(missing_peer("gnutls-cli", "`gnutls-cli` not on PATH"));
    }
    for (v, s) in cells() {
        if let Some(openssl) = &openssl {
            let mut cmd = Command::new(openssl);
            cmd.args(["s_client", "-connect"])
                .arg(format!("127.0.0.1:{}", server.port()))
                .args(["-servername", "localhost", "-CAfile"])
                .arg(pki("root.pem"))
                .args(["-verify_return_error", openssl_flag(v), "-cipher"])
                .arg(format!("{}:@SECLEVEL=0", openssl_name(s)))
                .arg("-ign_eof");
            let result = peer_reports(
                &mut cmd,
                &[
                    "Server Temp Key: DH, 2048 bits",
                    &format!("Cipher    : {s}\n"),
                    "Group     : ffdhe2048 (DHE, forward secret)",
                ],
            );
            failures += usize::from(result.is_err());
            rows.push(format!("openssl s_client  {v} {s}: {result:?}"));
        }
        if let Some(bin) = &gnutls {
            let (c, m) = gnutls_pieces(s);
            let priority = format!(
                "NORMAL:-VERS-ALL:{}:-KX-ALL:+DHE-RSA:-CIPHER-ALL:{c}:-MAC-ALL:{m}",
                gnutls_version(v)
            );
            let mut cmd = Command::new(bin);
            cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
                .arg("--x509cafile")
                .arg(pki("root.pem"))
                .args(["-p", &server.port().to_string(), "--priority", &priority])
                .arg("localhost");
            // gnutls recognises lucid's group as RFC 7919's.
            let result = peer_reports(
                &mut cmd,
                &[
                    "(DHE-FFDHE2048)",
                    &format!("Cipher    : {s}\n"),
                    "Group     : ffdhe2048",
                ],
            );
            failures += usize::from(result.is_err());
            rows.push(format!("gnutls-cli        {v} {s}: {result:?}"));
        }
    }
    report("lucid-server", &rows, failures);
}

#[test]
fn refusals() {
    let dir = out_dir("interop-dhe");
    let Some(openssl) = find_program("openssl") else {
        report(
            "refusals",
            &[missing_peer("openssl s_server", "`openssl` not on PATH")],
            0,
        );
        return;
    };
    let group2 = oakley_group2_pem(&dir);
    let start = |name: &str, extra: &[&str]| {
        let port = free_port();
        let mut cmd = Command::new(&openssl);
        cmd.args(["s_server", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(pki("leaf.pem"))
            .arg("-cert_chain")
            .arg(pki("intermediate.pem"))
            .arg("-key")
            .arg(pki("leaf.key"))
            .args(["-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"])
            .args(extra);
        Peer::start(name, cmd, port, &dir)
    };
    let dhe_only = start("s_server-dhe-only", &[]);
    let weak = start("s_server-dh1024", &["-dhparam", group2.to_str().unwrap()]);
    let mut rows = Vec::new();
    let mut failures = 0;
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            failures += 1;
        }
        rows.push(format!(
            "{what}: {} {detail}",
            if ok { "ok" } else { "FAIL" }
        ));
    };
    // A default client offers no DHE suite: the server has nothing to pick.
    let default = Arc::new(common::client_config());
    let r = fetch(dhe_only.addr(), default, REQUEST);
    check(
        "default client vs DHE-only server",
        matches!(&r, Err(common::FetchError::Tls(Error::AlertReceived { description, .. })) if description.get() == 40),
        format!("{r:?}").chars().take(200).collect(),
    );
    // A 1024-bit group: refused by default, accepted with the 1024-bit opt-in.
    let suite = CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;
    let r = fetch(weak.addr(), client(V12, suite), REQUEST);
    check(
        "1024-bit group refused",
        matches!(
            &r,
            Err(common::FetchError::Tls(Error::PeerIncompatible(
                PeerIncompatible::WeakDhGroup {
                    bits: 1024,
                    min: 2048
                }
            )))
        ),
        format!("{r:?}").chars().take(200).collect(),
    );
    let mut c = (*client(V12, suite)).clone();
    c.allow_rsa_1024_legacy = true;
    let r = fetch(weak.addr(), Arc::new(c), REQUEST);
    check(
        "1024-bit group with allow_rsa_1024_legacy",
        r.as_ref().is_ok_and(|f| f.negotiated.suite == suite),
        format!("{:?}", r.map(|f| f.negotiated.suite)),
    );
    report("refusals", &rows, failures);
}
