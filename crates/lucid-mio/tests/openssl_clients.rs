//! The mio echo server serves ordinary TLS clients: `openssl s_client` at TLS 1.0, 1.1 and
//! 1.2 with each suite, its bytes echoed back.
//!
//! A missing `openssl` binary fails the test when `LUCID_REQUIRE_PEERS=1` (as in
//! `cargo xtask ci`) and is reported as skipped otherwise.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lucid_core::ServerConfig;
use lucid_core::internal::msgs::enums::ProtocolVersion;
use lucid_test_support::peers::{find_program, missing_peer, testdata};

#[path = "../examples/common/echo.rs"]
#[allow(dead_code, reason = "the example uses the rest")]
mod echo;

#[test]
fn openssl_s_client_gets_its_bytes_echoed() {
    let Some(openssl) = find_program("openssl") else {
        missing_peer("openssl", "`openssl` not on PATH");
        return;
    };
    let cert = lucid_blocking::server::load_certified_key(
        &testdata("pki/chain.pem"),
        &testdata("pki/leaf.key"),
    )
    .unwrap();
    let mut config = ServerConfig::new(cert);
    config.min_version = ProtocolVersion::TLSV1_0;
    config.max_version = ProtocolVersion::TLSV1_2;
    let listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            // s_client -quiet waits for the server to close: the idle timeout does that.
            let opts = echo::Opts {
                idle_timeout: Duration::from_millis(700),
                verbose: false,
            };
            echo::serve(listener, Arc::new(config), &opts, &stop).unwrap()
        })
    };
    let cases = [
        ("-tls1", "AES128-SHA"),
        ("-tls1", "AES256-SHA"),
        ("-tls1_1", "AES128-SHA"),
        ("-tls1_1", "AES256-SHA"),
        ("-tls1_2", "AES128-SHA"),
        ("-tls1_2", "AES256-SHA"),
        ("-tls1_2", "AES128-SHA256"),
        ("-tls1_2", "AES256-SHA256"),
    ];
    let mut table = String::new();
    for (version, cipher) in cases {
        let line = format!("echo me {version} {cipher}\n");
        let mut child = Command::new(&openssl)
            .args(["s_client", "-connect", &addr.to_string(), "-quiet"])
            .args(["-CAfile", testdata("pki/root.pem").to_str().unwrap()])
            .args(["-verify_return_error", "-servername", "localhost", version])
            .args(["-cipher", &format!("{cipher}:@SECLEVEL=0")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ok = stdout.contains(line.trim_end());
        table.push_str(&format!(
            "openssl s_client {version:<8} {cipher:<14} {}\n",
            if ok { "echoed" } else { "FAILED" }
        ));
        assert!(
            ok,
            "{version} {cipher}: no echo; stdout {stdout:?}, stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stop.store(true, Ordering::Relaxed);
    let stats = server.join().unwrap();
    println!("{table}{stats:?}");
    assert_eq!(stats.handshakes, cases.len() as u64, "{stats:?}");
}
