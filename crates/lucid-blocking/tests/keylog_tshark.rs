//! An independent check of lucid's keys and records: the lucid client fetches a page from
//! `openssl s_server -www` over loopback with an NSS key log file, while `tshark` captures
//! the connection on `lo`; then `tshark -o tls.keylog_file:…` must decrypt the capture:
//!
//! - its HTTP dissector must find the 200 response of every connection, and the GET where it
//!   can parse it (not on TLS 1.0: lucid's 1/n-1 split sends the request as "G" + "ET / …",
//!   and Wireshark's HTTP dissector does not recognise a request whose first record is one
//!   byte, so it never reassembles it);
//! - with HTTP dissection off and the port decoded as raw data, the decrypted bytes of each
//!   connection must be exactly the request lucid sent and exactly the response lucid read.
//!
//! Without the key log, nothing may decrypt.
//!
//! Cases: TLS 1.0 and TLS 1.2, encrypt-then-MAC offered and not (EMS always offered).
//! Capturing needs root or CAP_NET_RAW (CI runs as root). A missing tool, or a capture that
//! cannot start, fails the test under `LUCID_REQUIRE_PEERS=1` and skips it otherwise.

mod common;

use core::fmt::Write as _;
use core::time::Duration;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::{End, Peer};
use lucid_blocking::{KeyLogFile, Stream};
use lucid_core::ClientConnection;
use lucid_core::internal::msgs::enums::{CipherSuite, ProtocolVersion};
use rustls_pki_types::ServerName;

#[derive(Debug, Clone, Copy)]
struct Case {
    version: ProtocolVersion,
    suite: CipherSuite,
    etm: bool,
}

const CASES: [Case; 4] = [
    Case {
        version: ProtocolVersion::TLSV1_0,
        suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        etm: true,
    },
    Case {
        version: ProtocolVersion::TLSV1_0,
        suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        etm: false,
    },
    Case {
        version: ProtocolVersion::TLSV1_2,
        suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        etm: true,
    },
    Case {
        version: ProtocolVersion::TLSV1_2,
        suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        etm: false,
    },
];

fn openssl_www(openssl: &Path, dir: &Path) -> Peer {
    let port = common::free_port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(common::pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(common::pki("intermediate.pem"))
        .arg("-key")
        .arg(common::pki("leaf.key"))
        .args([
            "-cipher",
            "AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256:@SECLEVEL=0",
            "-min_protocol",
            "TLSv1",
            "-max_protocol",
            "TLSv1.2",
        ]);
    Peer::start("openssl-keylog", cmd, port, dir)
}

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// One lucid connection with the key log; returns the client's port and the response.
fn fetch(peer: &Peer, case: Case, keylog: &Path) -> (u16, Vec<u8>) {
    let mut config = common::client_config();
    config.min_version = case.version;
    config.max_version = case.version;
    config.cipher_suites = vec![case.suite];
    config.offer_encrypt_then_mac = case.etm;
    config.offer_extended_master_secret = true;
    config.key_log = Some(Arc::new(KeyLogFile::create(keylog).unwrap()));
    let sock = common::tcp(peer.addr()).unwrap();
    let port = sock.local_addr().unwrap().port();
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        Arc::new(config),
        ServerName::try_from("localhost").unwrap(),
        lucid_blocking::now(),
        &mut rng,
    )
    .unwrap();
    let mut stream = Stream::new(conn, sock);
    stream.complete_handshake().unwrap();
    let n = stream.conn().negotiated().unwrap().clone();
    assert_eq!(
        (n.version, n.suite, n.encrypt_then_mac),
        (case.version, case.suite, case.etm)
    );
    common::send(&mut stream, REQUEST).unwrap();
    let (response, end) = common::read_all(&mut stream);
    assert_eq!(end, End::CloseNotify);
    assert!(response.starts_with(b"HTTP/1.0 200 ok\r\n"));
    (port, response)
}

/// Runs `tshark -n -r pcap [-o tls.keylog_file:…] <args>` and splits its field output.
fn tshark_fields(
    tshark: &Path,
    pcap: &Path,
    keylog: Option<&Path>,
    args: &[&str],
) -> Vec<Vec<String>> {
    let mut cmd = Command::new(tshark);
    cmd.arg("-n").arg("-r").arg(pcap);
    if let Some(k) = keylog {
        cmd.arg("-o")
            .arg(format!("tls.keylog_file:{}", k.display()));
    }
    cmd.args(args).args(["-T", "fields", "-E", "separator=/t"]);
    let out = cmd.output().expect("run tshark -r");
    assert!(
        out.status.success(),
        "tshark -r failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// HTTP messages tshark's HTTP dissector finds: (srcport, dstport, method, response code).
/// Body reassembly is off: `s_server -www` answers HTTP/1.0 without Content-Length, and
/// tshark would wait for a TCP FIN that TLS hides before it shows the response.
fn http_messages(tshark: &Path, pcap: &Path, keylog: Option<&Path>) -> Vec<Vec<String>> {
    tshark_fields(
        tshark,
        pcap,
        keylog,
        &[
            "-o",
            "http.desegment_body:FALSE",
            "-Y",
            "http",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "http.request.method",
            "-e",
            "http.response.code",
        ],
    )
}

/// The decrypted application data of each direction, keyed by (srcport, dstport), in
/// capture order: HTTP dissection off, the server port decoded as raw data.
fn decrypted_bytes(
    tshark: &Path,
    pcap: &Path,
    keylog: Option<&Path>,
    server_port: u16,
) -> std::collections::BTreeMap<(String, String), Vec<u8>> {
    let decode_as = format!("tls.port=={server_port},data");
    let rows = tshark_fields(
        tshark,
        pcap,
        keylog,
        &[
            "--disable-protocol",
            "http",
            "-d",
            &decode_as,
            "-Y",
            "data",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "data.data",
        ],
    );
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        let [src, dst, data] = row.as_slice() else {
            panic!("unexpected tshark row {row:?}");
        };
        let bytes: &mut Vec<u8> = out.entry((src.clone(), dst.clone())).or_default();
        // one hex string per record in the frame, comma-separated
        for hex in data.split(',') {
            bytes.extend(
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex from tshark")),
            );
        }
    }
    out
}

#[test]
fn tshark_decrypts_lucid_traffic_with_its_key_log() {
    let tools: Vec<_> = ["tshark", "openssl"]
        .iter()
        .map(|t| (t, common::find_program(t)))
        .collect();
    for (t, found) in &tools {
        if found.is_none() {
            common::missing_peer(
                t,
                &format!("`{t}` not on PATH (Debian: apt-get install {t})"),
            );
            return;
        }
    }
    let tshark = tools[0].1.clone().unwrap();
    let openssl = tools[1].1.clone().unwrap();

    let dir = common::out_dir("keylog");
    let keylog = dir.join("keylog.txt");
    let pcap = dir.join("capture.pcapng");
    for f in [&keylog, &pcap] {
        let _ = fs::remove_file(f);
    }
    let server = openssl_www(&openssl, &dir);

    // Capture only this server's port, starting after its readiness probe.
    let mut capture = Command::new(&tshark);
    capture
        .args(["-n", "-i", "lo", "-f"])
        .arg(format!("tcp port {}", server.port))
        .arg("-w")
        .arg(&pcap);
    let mut capture = Peer::spawn("tshark-capture", capture, &dir);
    if let Err(why) = capture.wait_stderr("Capturing on", Duration::from_secs(30)) {
        common::missing_peer(
            "a tshark capture on lo",
            &format!("capturing needs root or CAP_NET_RAW: {why}"),
        );
        return;
    }
    // The message comes as the capture opens; give the kernel filter a moment.
    std::thread::sleep(Duration::from_millis(500));

    let fetched: Vec<(u16, Vec<u8>)> = CASES.iter().map(|c| fetch(&server, *c, &keylog)).collect();

    std::thread::sleep(Duration::from_millis(500));
    assert!(
        capture.interrupt(Duration::from_secs(15)),
        "tshark did not stop\n{}",
        capture.output()
    );
    let lines = fs::read_to_string(&keylog).unwrap();
    assert_eq!(
        lines
            .lines()
            .filter(|l| l.starts_with("CLIENT_RANDOM ") && l.len() == 14 + 64 + 1 + 96)
            .count(),
        CASES.len(),
        "{lines}"
    );

    let http = http_messages(&tshark, &pcap, Some(&keylog));
    let bytes = decrypted_bytes(&tshark, &pcap, Some(&keylog), server.port);
    let http_without = http_messages(&tshark, &pcap, None);
    let bytes_without = decrypted_bytes(&tshark, &pcap, None, server.port);

    let server_port = server.port.to_string();
    let mut report = String::from(
        "tshark (Wireshark) decryption of lucid client connections with lucid's key log\n",
    );
    let mut failures = Vec::new();
    for (case, (port, response)) in CASES.iter().zip(&fetched) {
        let port = port.to_string();
        let has = |src: &str, dst: &str, method: &str, code: &str| {
            http.iter()
                .any(|f| f.as_slice() == [src, dst, method, code].map(str::to_owned))
        };
        let http_get = has(&port, &server_port, "GET", "");
        let http_200 = has(&server_port, &port, "", "200");
        let up = bytes.get(&(port.clone(), server_port.clone()));
        let down = bytes.get(&(server_port.clone(), port.clone()));
        let up_ok = up.is_some_and(|b| b == REQUEST);
        let down_ok = down.is_some_and(|b| b == response);
        let tls10 = case.version == ProtocolVersion::TLSV1_0;
        let _ = writeln!(
            report,
            "{:<8} {:<32} etm={:<5} port {port}: http GET {:<12} http 200 {:<9} \
             decrypted request {:<5} decrypted response {} ({} bytes)",
            case.version.to_string(),
            case.suite.to_string(),
            case.etm,
            match (http_get, tls10) {
                (true, _) => "found",
                (false, true) => "not parsed*",
                (false, false) => "MISSING",
            },
            if http_200 { "found" } else { "MISSING" },
            if up_ok { "exact" } else { "WRONG" },
            if down_ok { "exact" } else { "WRONG" },
            response.len(),
        );
        if !(http_200 && up_ok && down_ok && (http_get || tls10)) {
            failures.push(format!("{case:?}: up {up:?}"));
        }
    }
    let _ = writeln!(
        report,
        "* TLS 1.0: lucid's 1/n-1 split sends \"G\" + \"ET / HTTP/1.0...\"; tshark decrypts both \
         records (see the exact bytes) but its HTTP dissector does not parse a request \
         starting with a 1-byte record.\n\
         without the key log: {} HTTP messages, {} decrypted streams",
        http_without.len(),
        bytes_without.len()
    );
    println!("{report}");
    fs::write(common::out_dir("").join("keylog-tshark.txt"), &report).unwrap();
    assert!(
        failures.is_empty(),
        "tshark could not decrypt {failures:?}\n{report}\nhttp: {http:?}"
    );
    assert!(http_without.is_empty(), "{http_without:?}");
    assert!(bytes_without.is_empty(), "{bytes_without:?}");
    drop(server);
}
