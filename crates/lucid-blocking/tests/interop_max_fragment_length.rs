//! max_fragment_length (RFC 6066 §4) against real peers on 127.0.0.1, every limit
//! (512, 1024, 2048, 4096), both directions:
//!
//! - the lucid client against `openssl s_server -WWW`: a 10,000-byte file asked for with a
//!   request longer than the limit (s_server refuses records over the limit); the limit
//!   must be negotiated and every record of the reply must carry at most the limit, the
//!   longest exactly the limit;
//! - the lucid client against `gnutls-serv --echo`: 10,000 bytes in 100-byte lines, echoed
//!   whole; gnutls' handshake flight must be cut at the limit (its Certificate message is
//!   longer than 512 and 1024) and its echoes within it;
//! - `gnutls-serv --http` at 512: GnuTLS 3.7 sends its TLS 1.2 page in one record over the
//!   negotiated limit; lucid must refuse it with record_overflow (as OpenSSL's client does)
//!   or, with a GnuTLS that keeps to the limit, take records within it;
//! - `openssl s_client -maxfraglen N -msg` against an in-process lucid echo server: lucid
//!   must report the limit, and the application data record headers s_client prints must
//!   add up to the whole echo, each within the limit plus GCM's 24 bytes, the longest at it.
//!
//! A missing peer fails under `LUCID_REQUIRE_PEERS=1`.

mod common;

use core::time::Duration;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex, mpsc};

use common::{Peer, find_program, free_port, missing_peer, out_dir, pki, tcp};
use lucid_blocking::Stream;
use lucid_core::trace::{Direction, Event, Observer};
use lucid_core::{ClientConnection, MaxFragmentLength, Negotiated};
use lucid_test_support::peers::{run, tail};
use rustls_pki_types::ServerName;

const LIMITS: [MaxFragmentLength; 4] = [
    MaxFragmentLength::LEN_512,
    MaxFragmentLength::LEN_1024,
    MaxFragmentLength::LEN_2048,
    MaxFragmentLength::LEN_4096,
];

/// What each exchange moves one way: more than the largest limit, in several records.
const DATA_LEN: usize = 10_000;

fn data() -> Vec<u8> {
    (0..DATA_LEN).map(|i| b'a' + (i % 26) as u8).collect()
}

fn len(m: MaxFragmentLength) -> usize {
    m.fragment_len().unwrap()
}

fn report(name: &str, rows: &[String], failures: usize) {
    let text = rows.join("\n");
    let _ = fs::write(
        out_dir("interop").join(format!("max-fragment-length-{name}.txt")),
        &text,
    );
    println!("{text}");
    assert_eq!(failures, 0, "{failures} failing cells, see above");
}

/// What lucid received, record by record: the plaintext length of each application data
/// record, and the length of each unprotected handshake record (the peer's flight).
#[derive(Debug, Default, Clone)]
struct Seen {
    app_data: Vec<usize>,
    handshake: Vec<usize>,
}

struct Received(Arc<Mutex<Seen>>);

impl Observer for Received {
    fn on_event(&mut self, event: &Event<'_>) {
        let mut seen = self.0.lock().unwrap();
        match event {
            Event::ApplicationData {
                dir: Direction::Received,
                len,
            } => seen.app_data.push(*len),
            Event::Record {
                dir: Direction::Received,
                typ,
                len,
                protected: false,
                ..
            } if typ.get() == 22 => seen.handshake.push(*len),
            _ => {}
        }
    }
}

/// One lucid client connection asking for `mfl`: sends `request`, reads until `done` says
/// the reply is whole (or the stream ends). Returns what was negotiated, the reply and
/// the records received.
fn exchange(
    addr: core::net::SocketAddr,
    mfl: MaxFragmentLength,
    request: &[u8],
    done: impl Fn(&[u8]) -> bool,
) -> Result<(Negotiated, Vec<u8>, Seen), String> {
    let mut config = common::client_config();
    config.max_fragment_length = Some(mfl);
    let lens = Arc::new(Mutex::new(Seen::default()));
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new_traced(
        Arc::new(config),
        ServerName::try_from("localhost").unwrap(),
        Some(Box::new(Received(lens.clone()))),
        lucid_blocking::now(),
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    let sock = tcp(addr).map_err(|e| e.to_string())?;
    let mut stream = Stream::new(conn, sock);
    stream
        .complete_handshake()
        .map_err(|e| format!("handshake: {e}"))?;
    let negotiated = stream.conn().negotiated().cloned().ok_or("no parameters")?;
    stream
        .write_all(request)
        .and_then(|()| stream.flush())
        .map_err(|e| format!("write: {e}"))?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !done(&reply) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("read after {} bytes: {e}", reply.len())),
        }
    }
    let _ = stream.close();
    let lens = lens.lock().unwrap().clone();
    Ok((negotiated, reply, lens))
}

/// The peer kept to the limit: every record it sent at most `limit` bytes of plaintext,
/// the longest exactly `limit` (so it cut its data at the limit, not at some smaller size).
fn within(lens: &[usize], limit: usize) -> Result<(), String> {
    match lens.iter().max() {
        Some(&max) if max == limit => Ok(()),
        Some(&max) if max > limit => Err(format!("a record of {max} bytes: {lens:?}")),
        _ => Err(format!("no record at the limit: {lens:?}")),
    }
}

#[test]
fn lucid_client_against_openssl_and_gnutls_servers() {
    let dir = out_dir("interop-mfl");
    let file = data();
    fs::write(dir.join("big.txt"), &file).unwrap();
    let mut rows = Vec::new();
    let mut failures = 0;
    let mut servers: Vec<(&str, Peer)> = Vec::new();
    match find_program("openssl") {
        None => rows.push(missing_peer("openssl s_server", "`openssl` not on PATH")),
        Some(openssl) => {
            let port = free_port();
            let mut cmd = Command::new(openssl);
            cmd.current_dir(&dir)
                .args(["s_server", "-WWW", "-accept"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(pki("leaf.pem"))
                .arg("-cert_chain")
                .arg(pki("intermediate.pem"))
                .arg("-key")
                .arg(pki("leaf.key"));
            servers.push((
                "openssl s_server",
                Peer::start("s_server-mfl", cmd, port, &dir),
            ));
        }
    }
    match find_program("gnutls-serv") {
        None => rows.push(missing_peer("gnutls-serv", "`gnutls-serv` not on PATH")),
        Some(bin) => {
            let port = free_port();
            let mut cmd = Command::new(bin);
            // Echo mode: what it reads is written back, a line at a time.
            cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
                .args(["--echo", "--disable-client-cert", "--port"])
                .arg(port.to_string())
                .arg("--x509certfile")
                .arg(pki("chain.pem"))
                .arg("--x509keyfile")
                .arg(pki("leaf.key"));
            servers.push((
                "gnutls-serv",
                Peer::start("gnutls-serv-mfl", cmd, port, &dir),
            ));
        }
    }
    // gnutls-serv echoes line by line: the data as 100 lines of 100 bytes.
    let lines: Vec<u8> = file
        .chunks(99)
        .flat_map(|c| c.iter().copied().chain([b'\n']))
        .take(DATA_LEN)
        .collect();
    for (peer, server) in &servers {
        for mfl in LIMITS {
            let limit = len(mfl);
            let result = if *peer == "gnutls-serv" {
                exchange(server.addr(), mfl, &lines, |r| r.len() >= lines.len()).and_then(
                    |(n, reply, seen)| {
                        if reply != lines {
                            return Err(format!("echo of {} bytes differs", reply.len()));
                        }
                        // The limit in effect on gnutls' side: its flight cut at the limit
                        // (the Certificate message is 1.8 kB), its echoes within it.
                        let max = seen.handshake.iter().copied().max().unwrap_or(0);
                        let cut = max == limit || (max < limit && limit > CERTIFICATE_MSG);
                        if !cut || seen.app_data.iter().any(|l| *l > limit) {
                            return Err(format!("records received: {seen:?}"));
                        }
                        Ok((n, seen.handshake.len() + seen.app_data.len()))
                    },
                )
            } else {
                // A request longer than the limit (s_server refuses a longer record), the
                // 10,000-byte file back in records at the limit.
                let mut request = b"GET /big.txt HTTP/1.0\r\nX-Padding: ".to_vec();
                request.resize(request.len() + 5000, b'p');
                request.extend_from_slice(b"\r\n\r\n");
                exchange(server.addr(), mfl, &request, |_| false).and_then(|(n, reply, seen)| {
                    if !reply.ends_with(&file) {
                        return Err(format!(
                            "no file in a {}-byte reply: {}",
                            reply.len(),
                            String::from_utf8_lossy(&reply[..reply.len().min(200)])
                        ));
                    }
                    within(&seen.app_data, limit)?;
                    Ok((n, seen.app_data.len()))
                })
            }
            .and_then(|(n, records)| {
                if n.max_fragment_length != Some(mfl) {
                    return Err(format!("negotiated {:?}", n.max_fragment_length));
                }
                Ok(records)
            });
            if result.is_err() {
                failures += 1;
            }
            rows.push(format!(
                "{peer:<17} max_fragment_length {limit:>4}: {}",
                match &result {
                    Ok(records) => format!("ok ({records} records received, each <= {limit})"),
                    Err(e) => format!("FAIL {e}"),
                }
            ));
        }
    }
    if let Some(bin) = find_program("gnutls-serv") {
        rows.push(gnutls_http_page(&bin, &dir, &mut failures));
    }
    report("lucid-client", &rows, failures);
}

/// Bytes of the testdata/pki Certificate message (leaf and intermediate): over 1024, under
/// 2048, so a peer keeping to 512 or 1024 must cut it.
const CERTIFICATE_MSG: usize = 1_900;

/// gnutls-serv 3.7's `--http` page over TLS 1.2 with max_fragment_length 512: GnuTLS
/// negotiates the limit and keeps to it for its handshake, but sends the page in one
/// record over the limit, which lucid refuses with record_overflow (OpenSSL's client too:
/// "data length too long"). Either outcome passes — a fixed GnuTLS (records within the
/// limit) or the refusal — but never an over-limit record accepted.
fn gnutls_http_page(bin: &std::path::Path, dir: &std::path::Path, failures: &mut usize) -> String {
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
        .args(["--http", "--disable-client-cert", "--port"])
        .arg(port.to_string())
        .arg("--x509certfile")
        .arg(pki("chain.pem"))
        .arg("--x509keyfile")
        .arg(pki("leaf.key"));
    let server = Peer::start("gnutls-serv-http-mfl", cmd, port, dir);
    let mfl = MaxFragmentLength::LEN_512;
    let outcome = match exchange(server.addr(), mfl, b"GET / HTTP/1.0\r\n\r\n", |_| false) {
        Ok((n, reply, seen)) if n.max_fragment_length == Some(mfl) => within(&seen.app_data, 512)
            .map(|()| format!("page of {} bytes within 512", reply.len())),
        Ok((n, ..)) => Err(format!("negotiated {:?}", n.max_fragment_length)),
        Err(e) if e.contains("record_overflow") => Ok(format!(
            "GnuTLS sent a record over 512: lucid refused it ({e})"
        )),
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        *failures += 1;
    }
    format!("gnutls-serv --http max_fragment_length  512: {outcome:?}")
}

/// An in-process lucid server on 127.0.0.1 that echoes [`DATA_LEN`] bytes per connection,
/// then closes; each connection's negotiated parameters (or error) go to the channel.
fn echo_server() -> (u16, mpsc::Receiver<Result<Negotiated, String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let cert =
        lucid_blocking::server::load_certified_key(&pki("chain.pem"), &pki("leaf.key")).unwrap();
    let config = Arc::new(lucid_core::ServerConfig::new(cert));
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(sock) = sock else { continue };
            let (config, tx) = (config.clone(), tx.clone());
            std::thread::spawn(move || {
                let timeout = Some(Duration::from_secs(15));
                let _ = sock.set_read_timeout(timeout);
                let _ = sock.set_write_timeout(timeout);
                let result = (|| {
                    let mut stream = lucid_blocking::server::accept(config, sock)
                        .map_err(|e| format!("handshake: {e}"))?;
                    let n = stream.conn().negotiated().cloned().ok_or("no parameters")?;
                    let mut echoed = 0;
                    let mut buf = [0u8; 4096];
                    while echoed < DATA_LEN {
                        let k = stream.read(&mut buf).map_err(|e| e.to_string())?;
                        if k == 0 {
                            return Err(format!("the client closed after {echoed} bytes"));
                        }
                        stream.write_all(&buf[..k]).map_err(|e| e.to_string())?;
                        stream.flush().map_err(|e| e.to_string())?;
                        echoed += k;
                    }
                    let _ = stream.close();
                    // Until the client's own close_notify (or EOF): closing the socket on
                    // unread bytes would reset the connection and lose the echo's tail.
                    while matches!(stream.read(&mut buf), Ok(k) if k > 0) {}
                    Ok(n)
                })();
                let _ = tx.send(result);
            });
        }
    });
    (port, rx)
}

/// Lengths of the records s_client's `-msg` shows it received with `content_type`: each
/// `<<< ... RecordHeader` line is followed by the header's five bytes in hex. (The data
/// s_client prints has no newline, so such a line may start with the end of the data.)
fn received_record_lens(msg_output: &str, content_type: u8) -> Vec<usize> {
    let mut out = Vec::new();
    let mut lines = msg_output.lines();
    while let Some(line) = lines.next() {
        if !line.contains("<<< TLS 1.2, RecordHeader") {
            continue;
        }
        let Some(hex) = lines.next() else { break };
        let bytes: Vec<u8> = hex
            .split_whitespace()
            .filter_map(|b| u8::from_str_radix(b, 16).ok())
            .collect();
        if let [typ, _, _, hi, lo] = bytes[..]
            && typ == content_type
        {
            out.push(usize::from(u16::from_be_bytes([hi, lo])));
        }
    }
    out
}

#[test]
fn openssl_s_client_against_a_lucid_server() {
    let Some(openssl) = find_program("openssl") else {
        report(
            "lucid-server",
            &[missing_peer("openssl s_client", "`openssl` not on PATH")],
            0,
        );
        return;
    };
    let (port, served) = echo_server();
    let input = data();
    let mut rows = Vec::new();
    let mut failures = 0;
    for mfl in LIMITS {
        let limit = len(mfl);
        let mut cmd = Command::new(&openssl);
        // TLS 1.2 with lucid's first suite, ECDHE-RSA-AES128-GCM-SHA256: 24 bytes of
        // overhead per record (explicit nonce and tag).
        cmd.args(["s_client", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-servername", "localhost", "-CAfile"])
            .arg(pki("root.pem"))
            .args(["-verify_return_error", "-tls1_2", "-msg", "-ign_eof"])
            .args(["-maxfraglen", &limit.to_string()]);
        let result = run(&mut cmd, &input, Duration::from_secs(30))
            .map_err(|e| e.to_string())
            .and_then(|ran| {
                let n = served
                    .recv_timeout(Duration::from_secs(10))
                    .map_err(|e| e.to_string())??;
                if n.max_fragment_length != Some(mfl) {
                    return Err(format!("lucid negotiated {:?}", n.max_fragment_length));
                }
                // lucid's application data records as s_client saw them: the whole echo,
                // none over the limit, the longest at it.
                let lens = received_record_lens(&ran.stdout, 23);
                let plaintext: usize = lens.iter().map(|l| l.saturating_sub(24)).sum();
                let max = lens.iter().copied().max().unwrap_or(0);
                if plaintext != DATA_LEN || max != limit + 24 {
                    return Err(format!(
                        "{plaintext} bytes echoed in records of {lens:?} (ciphertext): {}",
                        tail(&ran)
                    ));
                }
                Ok(lens.len())
            });
        if result.is_err() {
            failures += 1;
        }
        rows.push(format!(
            "openssl s_client -maxfraglen {limit:>4}: {}",
            match &result {
                Ok(n) => format!(
                    "ok ({n} records from lucid, each <= {limit} + 24 bytes of GCM overhead)"
                ),
                Err(e) => format!("FAIL {e}"),
            }
        ));
    }
    report("lucid-server", &rows, failures);
}
