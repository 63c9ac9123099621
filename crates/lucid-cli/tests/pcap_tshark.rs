//! `--pcap FILE` checked by an independent reader: tshark (Wireshark) must open the
//! captures lucid writes and decrypt them from the key log embedded in the file, with no
//! key-log option.
//!
//! - `lucid demo --pcap`: `tshark -r FILE -Y http` with no key or decode option finds every
//!   connection's HTTP request and response, decrypted, the response naming the version and
//!   suite; that includes the TLS 1.0 GET, whose 1/n-1 split ("G", then "ET / ...") defeats
//!   Wireshark's HTTP heuristic: the demo negotiates http/1.1 with ALPN, and Wireshark picks
//!   the HTTP dissector from that (and reassembles across records for it). The handshake
//!   messages appear in the
//!   order of the handshake lucid traces; TCP analysis finds nothing wrong (the synthesised
//!   sequence numbers are consistent); with the secrets stripped by `editcap`, nothing
//!   decrypts (so the Decryption Secrets Block is what decrypts it).
//! - `lucid serve --pcap` and `lucid connect --pcap` against it: both sides' captures
//!   decrypt, including a connection the client abandons mid-handshake (wrong --cafile).
//! - Bad input: an unwritable path fails at startup (exit 1, one line naming the path,
//!   before any network activity); a connection that fails mid-handshake still gets a
//!   capture with its ClientHello.
//!
//! A missing tshark fails the tshark tests under `LUCID_REQUIRE_PEERS=1` and skips them
//! (loudly) otherwise; the startup-failure test needs no tshark.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use lucid_test_support::peers;

fn lucid() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lucid"));
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

fn out_dir(name: &str) -> PathBuf {
    let dir = peers::out_dir("pcap").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// tshark, or `None` after `missing_peer` said why (which panics when peers are required).
fn tshark() -> Option<PathBuf> {
    let found = peers::find_program("tshark");
    if found.is_none() {
        peers::missing_peer(
            "tshark",
            "`tshark` not on PATH (Debian: apt-get install tshark)",
        );
    }
    found
}

/// `tshark -n -r pcap <args> -T fields -e <fields>...`, one row of fields per packet.
fn fields(tshark: &Path, pcap: &Path, args: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new(tshark);
    cmd.arg("-n").arg("-r").arg(pcap).args(args);
    cmd.args(["-T", "fields", "-E", "separator=/t"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark -r {} failed: {}",
        pcap.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// HTTP messages found with `args`: (tcp stream, method or "", response code or "",
/// body).
fn http(tshark: &Path, pcap: &Path, args: &[&str]) -> Vec<[String; 4]> {
    let mut all = vec!["-Y", "http"];
    all.extend_from_slice(args);
    fields(
        tshark,
        pcap,
        &all,
        &[
            "tcp.stream",
            "http.request.method",
            "http.response.code",
            "http.file_data",
        ],
    )
    .into_iter()
    .map(|r| {
        let get = |i: usize| r.get(i).cloned().unwrap_or_default();
        [get(0), get(1), get(2), get(3)]
    })
    .collect()
}

/// The handshake message types of each TCP stream, in capture order (encrypted Finished
/// messages included: tshark shows them decrypted).
fn handshake_types(tshark: &Path, pcap: &Path) -> Vec<Vec<u8>> {
    let mut streams: Vec<Vec<u8>> = Vec::new();
    for row in fields(
        tshark,
        pcap,
        &["-Y", "tls.handshake.type"],
        &["tcp.stream", "tls.handshake.type"],
    ) {
        let stream: usize = row[0].parse().unwrap();
        if streams.len() <= stream {
            streams.resize(stream + 1, Vec::new());
        }
        streams[stream].extend(row[1].split(',').map(|t| t.parse::<u8>().unwrap()));
    }
    streams
}

/// ClientHello, ServerHello, Certificate, ServerHelloDone, ClientKeyExchange, the client's
/// Finished, the server's Finished: the full RSA handshake lucid's trace shows.
const FULL: [u8; 7] = [1, 2, 11, 14, 16, 20, 20];
/// The full ECDHE handshake (lucid's default): a ServerKeyExchange after the Certificate.
const FULL_ECDHE: [u8; 8] = [1, 2, 11, 12, 14, 16, 20, 20];
/// ClientHello, ServerHello, the server's Finished, the client's Finished: resumption.
const RESUMED: [u8; 4] = [1, 2, 20, 20];

#[test]
fn demo_capture_decrypts_with_no_key_log_option() {
    let Some(tshark) = tshark() else { return };
    let dir = out_dir("demo");
    let pcap = dir.join("demo.pcapng");
    let _ = std::fs::remove_file(&pcap);
    let out = lucid()
        .args(["demo", "--brief", "--pcap"])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("The capture is in "));

    // With no option at all: each request and each response, decrypted, the response naming
    // the connection's version and suite.
    let found = http(&tshark, &pcap, &[]);
    let text = format!("{found:#?}");
    std::fs::write(dir.join("tshark-http.txt"), &text).unwrap();
    let over = [
        "over TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA\\n",
        "over TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\\n",
        "over TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, resumed\\n",
    ];
    for (stream, over) in over.iter().enumerate() {
        let s = stream.to_string();
        assert!(
            found
                .iter()
                .any(|[st, _, code, body]| *st == s && code == "200" && body.ends_with(over)),
            "no decrypted 200 response {over:?} in connection {stream}: {text}"
        );
    }
    for stream in ["0", "1", "2"] {
        assert!(
            found.iter().any(|[st, m, _, _]| st == stream && m == "GET"),
            "no decrypted GET in connection {stream}: {text}"
        );
    }
    // One request and one response per connection, nothing else.
    assert_eq!(found.len(), 6, "{text}");
    // Every connection negotiated http/1.1, in both hellos, which is what the HTTP
    // dissector is chosen by.
    let alpn = fields(
        &tshark,
        &pcap,
        &["-Y", "tls.handshake.extensions_alpn_str"],
        &[
            "tcp.stream",
            "tls.handshake.type",
            "tls.handshake.extensions_alpn_str",
        ],
    );
    // (A resumed ServerHello shares its frame with the Finished: "2,20".)
    let alpn: Vec<Vec<String>> = alpn
        .into_iter()
        .map(|mut r| {
            r[1] = r[1].split(',').next().unwrap_or_default().to_string();
            r
        })
        .collect();
    let mut want = Vec::new();
    for stream in ["0", "1", "2"] {
        for hello in ["1", "2"] {
            want.push(vec![
                stream.to_string(),
                hello.to_string(),
                "http/1.1".to_string(),
            ]);
        }
    }
    assert_eq!(alpn, want);
    // The TLS 1.0 GET really is split 1/n-1 (the case the dissector choice matters for):
    // Wireshark reassembled it from two TLS segments, 1 + 34 bytes of the demo's 35-byte
    // request; the TLS 1.2 requests (GCM, no split) came whole.
    let requests = fields(
        &tshark,
        &pcap,
        &["-Y", "http.request"],
        &["tcp.stream", "tls.segment.count", "tls.reassembled.length"],
    );
    assert_eq!(
        requests,
        [["0", "2", "35"], ["1", "", ""], ["2", "", ""]],
        "{text}"
    );

    // The handshake messages, in the order of lucid's trace.
    let types = handshake_types(&tshark, &pcap);
    assert_eq!(
        types,
        vec![FULL.to_vec(), FULL_ECDHE.to_vec(), RESUMED.to_vec()]
    );

    // Consistent TCP: no retransmission, lost segment, bad ACK or checksum in the eyes of
    // Wireshark's TCP analysis; 3 connections of SYN, SYN-ACK, ACK ... FIN, FIN, ACK.
    let problems = fields(
        &tshark,
        &pcap,
        &[
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
            "-Y",
            "tcp.analysis.flags || tcp.checksum.status==0 || ip.checksum.status==0",
        ],
        &["frame.number"],
    );
    assert!(problems.is_empty(), "TCP problems in frames {problems:?}");
    let syns = fields(&tshark, &pcap, &["-Y", "tcp.flags.syn==1"], &["tcp.stream"]);
    let fins = fields(&tshark, &pcap, &["-Y", "tcp.flags.fin==1"], &["tcp.stream"]);
    assert_eq!((syns.len(), fins.len()), (6, 6));

    // Without the embedded secrets nothing decrypts: the DSB is what did it.
    if let Some(editcap) = peers::find_program("editcap") {
        let stripped = dir.join("demo-no-secrets.pcapng");
        let ok = Command::new(editcap)
            .arg("--discard-all-secrets")
            .arg(&pcap)
            .arg(&stripped)
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(http(&tshark, &stripped, &[]).len(), 0);
    }
}

/// A `lucid serve --pcap` child, killed on drop.
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(pcap: &Path) -> Self {
        let mut child = lucid()
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-min", "1.0"])
            .arg("--cert")
            .arg(peers::pki("chain.pem"))
            .arg("--key")
            .arg(peers::pki("leaf.key"))
            .arg("--pcap")
            .arg(pcap)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .strip_prefix("lucid serve: listening on ")
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        // Keep draining its per-connection lines so it never blocks on a full pipe.
        thread::spawn(move || {
            let mut sink = String::new();
            let _ = stderr.read_to_string(&mut sink);
        });
        Self { child, addr }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn connect(addr: &str, pcap: &Path, extra: &[&str]) -> Output {
    lucid()
        .args([
            "connect",
            addr,
            "--servername",
            "localhost",
            "--tls-min",
            "1.0",
        ])
        .args(["--request", "GET / HTTP/1.0\\r\\n\\r\\n", "--timeout", "5"])
        .arg("--pcap")
        .arg(pcap)
        .args(extra)
        .output()
        .unwrap()
}

/// `lucid serve --www` answers HTTP/1.0 without a Content-Length, so tshark's HTTP
/// dissector would wait for the end of the TLS stream (which TLS hides from it, FIN or not)
/// before showing the response; look at the first segment of the body instead.
const NO_BODY_REASSEMBLY: &[&str] = &["-o", "http.desegment_body:FALSE"];

#[test]
fn connect_and_serve_captures_decrypt() {
    let Some(tshark) = tshark() else { return };
    let dir = out_dir("serve");
    let server_pcap = dir.join("serve.pcapng");
    let client_pcap = dir.join("connect.pcapng");
    let failed_pcap = dir.join("connect-bad-ca.pcapng");
    let server = Serve::start(&server_pcap);
    let root = peers::pki("root.pem");
    let root = root.to_str().unwrap();

    // A full handshake, then one resuming it: two connections in the client's file.
    let out = connect(
        &server.addr,
        &client_pcap,
        &["--cafile", root, "--reconnect", "1"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = http(&tshark, &client_pcap, NO_BODY_REASSEMBLY);
    for stream in ["0", "1"] {
        assert!(
            found.iter().any(|[s, m, _, _]| s == stream && m == "GET"),
            "{found:#?}"
        );
        assert!(
            found.iter().any(|[s, _, c, body]| s == stream
                && c == "200"
                && body.contains("lucid serve: this TLS session")),
            "{found:#?}"
        );
    }
    assert_eq!(
        handshake_types(&tshark, &client_pcap),
        vec![FULL_ECDHE.to_vec(), RESUMED.to_vec()]
    );

    // A client that rejects the certificate: its capture ends at the alert it sent.
    let out = connect(
        &server.addr,
        &failed_pcap,
        &["--cafile", peers::testdata("demo/ca.pem").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        handshake_types(&tshark, &failed_pcap),
        vec![vec![1, 2, 11, 12, 14]]
    );
    let alerts = fields(
        &tshark,
        &failed_pcap,
        &["-Y", "tls.alert_message"],
        &["tls.alert_message.desc"],
    );
    assert_eq!(alerts.len(), 1, "one alert from the client: {alerts:?}");

    // The server appends each connection as it ends, the failed one included.
    let deadline = Instant::now() + Duration::from_secs(10);
    let types = loop {
        let types = handshake_types(&tshark, &server_pcap);
        if types.len() >= 3 || Instant::now() > deadline {
            break types;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let mut sorted = types.clone();
    sorted.sort();
    let mut expected = vec![
        FULL_ECDHE.to_vec(),
        RESUMED.to_vec(),
        vec![1, 2, 11, 12, 14],
    ];
    expected.sort();
    assert_eq!(sorted, expected, "server capture: {types:?}");
    let found = http(&tshark, &server_pcap, NO_BODY_REASSEMBLY);
    assert_eq!(
        found.iter().filter(|[_, _, c, _]| c == "200").count(),
        2,
        "{found:#?}"
    );
    drop(server);
}

#[test]
fn capture_of_a_server_that_hangs_up_after_the_client_hello() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut header = [0u8; 5];
        sock.read_exact(&mut header).unwrap();
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let mut body = vec![0u8; len];
        sock.read_exact(&mut body).unwrap();
        len
        // dropped: the connection closes without a word
    });
    let pcap = out_dir("hangup").join("hangup.pcapng");
    let _ = std::fs::remove_file(&pcap);
    let out = connect(&addr, &pcap, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("closed the connection"), "{stderr}");
    let hello_len = server.join().unwrap();
    assert!(pcap.is_file(), "no capture after a failed handshake");
    let Some(tshark) = tshark() else { return };
    assert_eq!(handshake_types(&tshark, &pcap), vec![vec![1]]);
    let lengths = fields(
        &tshark,
        &pcap,
        &["-Y", "tls.handshake.type==1"],
        &["tls.record.length"],
    );
    assert_eq!(lengths, vec![vec![hello_len.to_string()]]);
}

#[test]
fn unwritable_capture_path_fails_before_any_network_activity() {
    let bad = "/nonexistent-dir/x.pcapng";
    // Nothing listens on a port just freed; the capture error must come first anyway.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let cert = peers::pki("chain.pem");
    let key = peers::pki("leaf.key");
    let runs: [(&str, Vec<String>); 3] = [
        (
            "connect",
            vec![
                "connect".into(),
                closed.clone(),
                "--request".into(),
                "x".into(),
            ],
        ),
        ("demo", vec!["demo".into(), "--brief".into()]),
        (
            "serve",
            vec![
                "serve".into(),
                "--listen".into(),
                "127.0.0.1:0".into(),
                "--cert".into(),
                cert.display().to_string(),
                "--key".into(),
                key.display().to_string(),
            ],
        ),
    ];
    for (name, args) in runs {
        let start = Instant::now();
        let out = lucid().args(&args).args(["--pcap", bad]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr:?}");
        assert!(
            stderr.starts_with(&format!(
                "lucid {name}: cannot write the --pcap capture file {bad}: "
            )),
            "{name}: {stderr:?}"
        );
        assert!(out.stdout.is_empty(), "{name}: printed before failing");
        assert!(start.elapsed() < Duration::from_secs(5), "{name}");
    }
}

/// `lucid demo --seed --pcap`: Wireshark decrypts the seed article's RC4-MD5 connection
/// with no key option, and finds its request and response (RC4 needs no 1/n-1 split, so the
/// HTTP heuristic sees the whole GET).
#[test]
fn seed_demo_capture_decrypts_rc4_md5() {
    let Some(tshark) = tshark() else { return };
    let dir = out_dir("demo-seed");
    let pcap = dir.join("seed.pcapng");
    let _ = std::fs::remove_file(&pcap);
    let out = lucid()
        .args(["demo", "--seed", "--brief", "--pcap"])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = http(&tshark, &pcap, &[]);
    let text = format!("{found:#?}");
    assert!(
        found.iter().any(|[st, m, _, _]| st == "0" && m == "GET"),
        "no decrypted GET: {text}"
    );
    assert!(
        found.iter().any(|[st, _, code, body]| st == "0"
            && code == "200"
            && body.ends_with("over TLS 1.0, TLS_RSA_WITH_RC4_128_MD5\\n")),
        "no decrypted 200 response: {text}"
    );
    assert_eq!(handshake_types(&tshark, &pcap), vec![FULL.to_vec()]);
    let suites = fields(
        &tshark,
        &pcap,
        &["-Y", "tls.handshake.type==2"],
        &["tls.handshake.ciphersuite"],
    );
    assert_eq!(suites, vec![vec!["0x0004".to_string()]]);
}
