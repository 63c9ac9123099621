//! sslyze (PyPI) against an in-process lucid server with TLS 1.0–1.2 and every suite its RSA certificate serves:
//! ROBOT, Heartbleed and CCS injection not vulnerable; secure renegotiation supported and
//! client-initiated renegotiation refused; TLS_FALLBACK_SCSV supported; session-ID
//! resumption working; compression off; exactly the configured versions and suites
//! accepted. The JSON report is read with the venv's own Python (no JSON crate needed) and
//! kept at `target/interop/sslyze.json`; a summary goes to `target/interop/sslyze.txt`.
//!
//! A missing sslyze is skipped with "skipped: sslyze not installed", or fails the test when
//! `LUCID_REQUIRE_PEERS=1`.

mod server_support;

use core::time::Duration;
use lucid_core::ProtocolVersion;
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use lucid_blocking::server::MemoryServerSessionStore;
use server_support::*;

/// Flattens the sslyze JSON into `key=value` lines.
const SUMMARIZE: &str = r#"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["server_scan_results"][0]
print("scan_status=%s" % r["scan_status"])
s = r["scan_result"]
def res(name):
    x = s[name]
    print("%s.status=%s" % (name, x["status"]))
    return x["result"] or {}
for v in ["ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1", "tls_1_2", "tls_1_3"]:
    acc = res(v + "_cipher_suites").get("accepted_cipher_suites", [])
    print("%s=%s" % (v, ",".join(sorted(c["cipher_suite"]["name"] for c in acc))))
print("compression=%s" % res("tls_compression").get("supports_compression"))
print("ccs_injection=%s" % res("openssl_ccs_injection").get("is_vulnerable_to_ccs_injection"))
print("fallback_scsv=%s" % res("tls_fallback_scsv").get("supports_fallback_scsv"))
print("heartbleed=%s" % res("heartbleed").get("is_vulnerable_to_heartbleed"))
print("robot=%s" % res("robot").get("robot_result"))
reneg = res("session_renegotiation")
print("secure_renegotiation=%s" % reneg.get("supports_secure_renegotiation"))
print("client_renegotiation_dos=%s" % reneg.get("is_vulnerable_to_client_renegotiation_dos"))
print("client_renegotiations_success_count=%s" % reneg.get("client_renegotiations_success_count"))
resum = res("session_resumption")
print("session_id_resumption=%s" % resum.get("session_id_resumption_result"))
print("session_id_resumptions=%s/%s" % (resum.get("session_id_successful_resumptions_count"), resum.get("session_id_attempted_resumptions_count")))
print("ems=%s" % res("tls_extended_master_secret").get("supports_ems_extension"))
"#;

fn sslyze_command() -> Option<Command> {
    if let Some(dir) = python().as_ref().and_then(|p| p.parent()) {
        let next_to_python = dir.join("sslyze");
        if next_to_python.is_file() {
            return Some(Command::new(next_to_python));
        }
    }
    venv_bin("sslyze")
        .or_else(|| find_program("sslyze"))
        .map(Command::new)
}

#[test]
fn sslyze_finds_nothing_wrong() {
    let (Some(mut cmd), Some(python)) = (
        sslyze_command(),
        python().or_else(|| find_program("python3")),
    ) else {
        missing_peer("sslyze", "not in the target/py venv nor on PATH");
        return;
    };
    let store = Arc::new(MemoryServerSessionStore::default());
    let server = TestServer::start(server_config(&store));
    let dir = out_dir("");
    let json = dir.join("sslyze.json");
    let _ = std::fs::remove_file(&json);
    cmd.args([
        "--sslv2",
        "--sslv3",
        "--tlsv1",
        "--tlsv1_1",
        "--tlsv1_2",
        "--tlsv1_3",
        "--compression",
        "--openssl_ccs",
        "--fallback",
        "--heartbleed",
        "--robot",
        "--reneg",
        "--resum",
        "--ems",
        "--mozilla_config",
        "disable",
    ])
    .arg(format!("--json_out={}", json.display()))
    .arg(format!("127.0.0.1:{}", server.port()));
    let ran = run(&mut cmd, b"", Duration::from_secs(600)).unwrap();
    assert!(ran.success, "sslyze failed: {}", tail(&ran));

    let script = dir.join("sslyze_summary.py");
    std::fs::write(&script, SUMMARIZE).unwrap();
    let summary = run(
        Command::new(&python).arg(&script).arg(&json),
        b"",
        Duration::from_secs(60),
    )
    .unwrap();
    assert!(summary.success, "summary failed: {}", tail(&summary));
    std::fs::write(dir.join("sslyze.txt"), &summary.stdout).unwrap();
    println!("{}", summary.stdout);
    let got: BTreeMap<&str, &str> = summary
        .stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .collect();

    // Exactly the suites lucid implements for each version that the server's RSA
    // certificate can serve (sslyze lists them sorted).
    let offered = |v: ProtocolVersion| {
        use lucid_core::internal::crypto::suites::{Authentication, lookup};
        let mut names: Vec<String> = lucid_core::supported_cipher_suites()
            .filter(|s| {
                lookup(*s).is_some_and(|p| p.usable_with(v) && p.auth == Authentication::Rsa)
            })
            .map(|s| s.to_string())
            .collect();
        names.sort();
        names.join(",")
    };
    let (tls10, tls11, tls12) = (
        offered(ProtocolVersion::TLSV1_0),
        offered(ProtocolVersion::TLSV1_1),
        offered(ProtocolVersion::TLSV1_2),
    );
    let want: &[(&str, &str)] = &[
        ("scan_status", "COMPLETED"),
        ("ssl_2_0", ""),
        ("ssl_3_0", ""),
        ("tls_1_0", &tls10),
        ("tls_1_1", &tls11),
        ("tls_1_2", &tls12),
        ("tls_1_3", ""),
        ("compression", "False"),
        ("ccs_injection", "False"),
        ("fallback_scsv", "True"),
        ("heartbleed", "False"),
        ("robot", "NOT_VULNERABLE_NO_ORACLE"),
        ("secure_renegotiation", "True"),
        ("client_renegotiation_dos", "False"),
        ("client_renegotiations_success_count", "0"),
        ("session_id_resumption", "FULLY_SUPPORTED"),
        ("ems", "True"),
    ];
    let mut wrong = Vec::new();
    for (k, v) in want {
        if got.get(k) != Some(v) {
            wrong.push(format!("{k}: want {v:?}, got {:?}", got.get(k)));
        }
    }
    for (k, v) in &got {
        if k.ends_with(".status") && *v != "COMPLETED" {
            wrong.push(format!("{k}={v}"));
        }
    }
    assert!(wrong.is_empty(), "sslyze findings:\n{}", wrong.join("\n"));

    // The server kept serving through every probe (ROBOT's malformed key exchanges,
    // Heartbleed and CCS-injection probes, renegotiation attempts): one more connection
    // works.
    let served = server.take_served();
    assert!(
        served.len() > 20,
        "sslyze made {} connections",
        served.len()
    );
    let ok = served.iter().filter(|r| r.is_ok()).count();
    println!(
        "sslyze: {} connections, {ok} completed handshakes",
        served.len()
    );
    let mut roots = lucid_core::x509::RootStore::new();
    for der in lucid_blocking::load_pem_certs(&testdata("pki/root.pem")).unwrap() {
        roots.add_der(&der).unwrap();
    }
    let config = lucid_core::ClientConfig::new(Arc::new(lucid_core::WebPkiVerifier::new(roots)));
    let mut stream = lucid_blocking::connect(
        Arc::new(config),
        rustls_pki_types::ServerName::try_from("localhost").unwrap(),
        server.addr,
    )
    .unwrap();
    use std::io::{Read, Write};
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    assert!(page.contains("Protocol  : TLSv1.2"), "{page}");
}
