//! `lucid serve`: the seed document's server side, for any client to talk to.
//!
//! One thread per connection, at most `--max-connections` at once (more are closed right
//! away), each with read and write timeouts so a silent or slow client cannot hold a slot
//! for long. A failing client only ends its own thread; the accept loop keeps going. One
//! line per connection goes to stderr.

use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use lucid_blocking::server::{MemoryServerSessionStore, load_certified_key, session_summary};
use lucid_blocking::{KeyLogFile, Stream, tls_error, to_io};
use lucid_cli::pcap::{Capture, PcapFile, Tapped};
use lucid_cli::show::{self, Clock, Ev, Options, Recorder};
use lucid_core::trace::wire::{CipherSuite, ProtocolVersion};
use lucid_core::{ServerConfig, ServerConnection};

use crate::connect::{create_pcap, parse_alpn, parse_suite, parse_version};

/// Arguments of `lucid serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Certificate chain to present (PEM, leaf first). Give `--cert`/`--key` twice to hold an ECDSA and an RSA chain at once: each client then gets the chain that serves the best suite it offers (the first pair is preferred when suites tie).
    #[arg(long, value_name = "CHAIN.pem", required = true)]
    pub(crate) cert: Vec<PathBuf>,
    /// The leaf's private key, RSA or ECDSA P-256/P-384 (PEM: PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY"); its type decides the suites served (RSA: TLS_RSA_* and TLS_ECDHE_RSA_*, ECDSA: TLS_ECDHE_ECDSA_*). One per `--cert`, in the same order.
    #[arg(long, value_name = "KEY.pem", required = true)]
    pub(crate) key: Vec<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4433")]
    pub(crate) listen: String,
    /// Lowest TLS version to accept: 1.0, 1.1 or 1.2.
    #[arg(long, value_name = "V", default_value = "1.2", value_parser = parse_version)]
    pub(crate) tls_min: ProtocolVersion,
    /// Highest TLS version to accept: 1.0, 1.1 or 1.2.
    #[arg(long, value_name = "V", default_value = "1.2", value_parser = parse_version)]
    pub(crate) tls_max: ProtocolVersion,
    /// Cipher suite to accept, by IANA name, in preference order (repeatable).
    /// Default: every lucid suite, ECDHE first (ECDHE+GCM, ECDHE+CBC, RSA+GCM, RSA+CBC).
    #[arg(long = "cipher", value_name = "IANA_NAME", value_parser = parse_suite)]
    pub(crate) ciphers: Vec<CipherSuite>,
    /// Also accept the legacy suites after the default ones, to stand in for an old device in
    /// tests: TLS_DHE_RSA_* (in ffdhe2048), 3DES-EDE-CBC and RC4 (SHA-1, MD5). Without it,
    /// naming such a suite with --cipher is an error that says what is weak about it.
    #[arg(long)]
    pub(crate) legacy_ciphers: bool,
    /// Ask clients for a certificate (mutual TLS) and verify it against these roots (PEM):
    /// path, dates, signatures and the clientAuth purpose. Clients without one are still
    /// served unless --require-client-cert; the --www page shows the client's subject.
    #[arg(long, value_name = "ROOTS.pem")]
    pub(crate) client_ca: Option<PathBuf>,
    /// Refuse clients that send no certificate (handshake_failure); needs --client-ca.
    #[arg(long, requires = "client_ca")]
    pub(crate) require_client_cert: bool,
    /// Answer each HTTP request with a page describing the session (the default).
    #[arg(long, conflicts_with = "echo")]
    pub(crate) www: bool,
    /// Echo every byte received back to the client.
    #[arg(long)]
    pub(crate) echo: bool,
    /// The application protocols served, for ALPN (RFC 7301), in preference order:
    /// comma-separated or repeated. A client offering ALPN gets the first of these it also
    /// offers, or a no_application_protocol alert when it offers none of them; clients
    /// without ALPN are served either way. Default: http/1.1 with --www, none with --echo.
    #[arg(long, value_name = "PROTO[,PROTO...]", value_delimiter = ',', value_parser = parse_alpn)]
    pub(crate) alpn: Vec<Vec<u8>>,
    /// Do not accept extended_master_secret (RFC 7627).
    #[arg(long)]
    pub(crate) no_ems: bool,
    /// Do not accept encrypt_then_mac (RFC 7366).
    #[arg(long)]
    pub(crate) no_etm: bool,
    /// Refuse clients that do not signal secure renegotiation (RFC 5746: neither
    /// renegotiation_info nor TLS_EMPTY_RENEGOTIATION_INFO_SCSV) with handshake_failure.
    /// By default they are served: lucid never renegotiates.
    #[arg(long)]
    pub(crate) require_secure_renegotiation: bool,
    /// Append NSS key-log lines (CLIENT_RANDOM) to FILE, for Wireshark/tshark.
    #[arg(long, value_name = "FILE")]
    pub(crate) keylog: Option<PathBuf>,
    /// Write every connection's TCP bytes, as lucid sent and received them, to FILE as a
    /// pcapng capture with the key log embedded (Wireshark and tshark show it decrypted).
    /// One file for all clients, each connection appended when it ends, failed
    /// handshakes included; FILE is replaced at startup.
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Write one self-contained HTML page per connection into DIR (created if missing), as
    /// the server saw it: the timeline and every record and handshake message in hex grouped
    /// by field, with the --trace explanations; written when the connection ends, failed
    /// handshakes included, as NNNN-PEER.html (NNNN counts connections from 0001).
    #[arg(long, value_name = "DIR")]
    pub(crate) html_dir: Option<PathBuf>,
    /// Seconds a client may stay silent (per read or write) before it is dropped.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub(crate) timeout: u64,
    /// Most connections served at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub(crate) max_connections: usize,
}

/// What to do with a client once the handshake is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Www,
    Echo,
}

/// Everything the accept loop needs.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) mode: Mode,
    pub(crate) timeout: Duration,
    pub(crate) max_connections: usize,
    /// `--pcap`: where each connection is appended.
    pub(crate) pcap: Option<Arc<PcapFile>>,
    /// `--html-dir`: where each connection's page goes, and how many were accepted.
    pub(crate) html_dir: Option<(PathBuf, Arc<AtomicUsize>)>,
}

pub(crate) fn run(args: ServeArgs) -> ExitCode {
    let server = match build(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lucid serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lucid serve: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .map_or_else(|_| args.listen.clone(), |a| a.to_string());
    eprintln!(
        "lucid serve: listening on {addr} ({}..{}, {} suites, {}, ALPN {})",
        server.config.min_version,
        server.config.max_version,
        server.config.cipher_suites.len(),
        match server.mode {
            Mode::Www => "www",
            Mode::Echo => "echo",
        },
        if server.config.alpn_protocols.is_empty() {
            "ignored".to_string()
        } else {
            server
                .config
                .alpn_protocols
                .iter()
                .map(|p| p.escape_ascii().to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
    );
    serve(&listener, &server);
    ExitCode::SUCCESS
}

pub(crate) fn build(args: &ServeArgs) -> Result<Server, String> {
    if args.cert.len() != args.key.len() {
        return Err(format!(
            "{} --cert but {} --key: give one key per certificate chain, in the same order",
            args.cert.len(),
            args.key.len()
        ));
    }
    let mut certs = Vec::new();
    for (cert, key) in args.cert.iter().zip(&args.key) {
        let ck = load_certified_key(cert, key).map_err(|e| e.to_string())?;
        let same_type = certs.iter().any(|c: &lucid_core::CertifiedKey| {
            core::mem::discriminant(c.key()) == core::mem::discriminant(ck.key())
        });
        if same_type {
            return Err(format!(
                "{}: a second chain with the same key type; lucid serve holds at most one RSA and one ECDSA chain",
                cert.display()
            ));
        }
        certs.push(ck);
    }
    let mut config = ServerConfig::with_certified_keys(certs);
    config.min_version = args.tls_min;
    config.max_version = args.tls_max;
    if args.legacy_ciphers {
        config.enable_legacy_ciphers();
    }
    if !args.ciphers.is_empty() {
        config.cipher_suites = args.ciphers.clone();
    }
    config.accept_extended_master_secret = !args.no_ems;
    config.accept_encrypt_then_mac = !args.no_etm;
    config.require_secure_renegotiation = args.require_secure_renegotiation;
    config.alpn_protocols = if args.alpn.is_empty() && !args.echo {
        // The --www page is HTTP/1.x: say so to clients that ask.
        vec![b"http/1.1".to_vec()]
    } else {
        args.alpn.clone()
    };
    if let Some(path) = &args.client_ca {
        let mut roots = lucid_core::RootStore::new();
        for der in lucid_blocking::load_pem_certs(path).map_err(|e| e.to_string())? {
            roots
                .add_der(&der)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let verifier = Arc::new(lucid_core::WebPkiClientVerifier::new(roots));
        config.client_auth = if args.require_client_cert {
            lucid_core::ClientAuth::Required(verifier)
        } else {
            lucid_core::ClientAuth::Optional(verifier)
        };
    }
    config.session_store = Some(Arc::new(MemoryServerSessionStore::default()));
    if let Some(path) = &args.keylog {
        let kl = KeyLogFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        config.key_log = Some(Arc::new(kl));
    }
    let pcap = args.pcap.as_deref().map(create_pcap).transpose()?;
    if let Some(pcap) = &pcap {
        config.key_log = Some(pcap.key_log(config.key_log.take()));
    }
    let html_dir = args.html_dir.as_deref().map(html_dir).transpose()?;
    // Surface configuration mistakes now rather than on the first client.
    ServerConnection::new(Arc::new(config.clone())).map_err(|e| e.to_string())?;
    Ok(Server {
        config: Arc::new(config),
        mode: if args.echo { Mode::Echo } else { Mode::Www },
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_connections: args.max_connections.max(1),
        pcap,
        html_dir: html_dir.map(|d| (d, Arc::new(AtomicUsize::new(0)))),
    })
}

/// Creates the `--html-dir` directory if needed and checks a page can be written there.
fn html_dir(dir: &std::path::Path) -> Result<PathBuf, String> {
    let fail = |e: io::Error| {
        format!(
            "cannot write pages to the --html-dir directory {}: {e}",
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".lucid-write-test");
    std::fs::File::create(&probe).map_err(fail)?;
    let _ = std::fs::remove_file(&probe);
    Ok(dir.to_path_buf())
}

/// Accepts forever; each client runs on its own thread.
pub(crate) fn serve(listener: &TcpListener, server: &Server) {
    let active = Arc::new(AtomicUsize::new(0));
    for sock in listener.incoming() {
        let sock = match sock {
            Ok(s) => s,
            Err(e) => {
                eprintln!("lucid serve: accept failed: {e}");
                // e.g. out of file descriptors: don't spin.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let peer = sock
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        if active.fetch_add(1, Ordering::SeqCst) >= server.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            eprintln!(
                "{peer}: refused, {} connections busy",
                server.max_connections
            );
            continue;
        }
        let server = server.clone();
        let slot = Slot(active.clone());
        let name = format!("lucid {peer}");
        let thread_peer = peer.clone();
        let spawned = std::thread::Builder::new().name(name).spawn(move || {
            let peer = thread_peer;
            {
                let _slot = slot;
                eprintln!("{peer}: {}", handle(sock, &server));
            }
        });
        if let Err(e) = spawned {
            eprintln!("{peer}: could not start a thread: {e}");
        }
    }
}

/// Releases a connection slot when the thread ends, however it ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves one client; returns the line to log. With `--pcap`, the connection is appended
/// to the capture once it is over, however it ended; with `--html-dir`, its page is written
/// then.
fn handle(sock: TcpStream, server: &Server) -> String {
    let capture = server.pcap.as_ref().map(|_| Capture::server());
    if let (Some(c), Ok(local), Ok(peer)) = (&capture, sock.local_addr(), sock.peer_addr()) {
        c.connected(local, peer);
    }
    let peer = sock
        .peer_addr()
        .map_or_else(|_| "unknown".to_string(), |a| a.to_string());
    let recorder = server.html_dir.as_ref().map(|_| {
        let rec = Recorder::new(Clock::start(), false);
        rec.push(Ev::TcpConnected { peer: peer.clone() });
        rec
    });
    let result = serve_client(
        Tapped::new(sock, capture.clone()),
        server,
        recorder.as_ref(),
    );
    let mut line = match &result {
        Ok(l) | Err(l) => l.clone(),
    };
    if let (Some(pcap), Some(capture)) = (&server.pcap, &capture)
        && let Err(e) = pcap.write(capture)
    {
        line.push_str(&format!("; not written to {}: {e}", pcap.path().display()));
    }
    if let (Some((dir, count)), Some(rec)) = (&server.html_dir, &recorder) {
        if let Err(reason) = &result {
            rec.push(Ev::Failed {
                reason: reason.clone(),
            });
        }
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        let path = dir.join(format!("{n:04}-{}.html", file_name_part(&peer)));
        let title = format!("lucid serve: connection {n} from {peer}");
        let events = rec.take();
        let connections = [show::html::Connection {
            title: &title,
            events: &events,
            server: &[],
        }];
        let page = show::html::Page {
            title: &title,
            intro: "As the server saw it: \"sent\" is server to client here, and times are \
                    milliseconds since the connection was accepted.",
            connections: &connections,
            error: None,
        };
        let opts = Options {
            color: false,
            full_hex: false,
            now: lucid_blocking::now(),
            target: peer.clone(),
            side: show::Side::Server,
        };
        match std::fs::write(&path, show::html::render(&page, &opts)) {
            Ok(()) => line.push_str(&format!("; page {}", path.display())),
            Err(e) => line.push_str(&format!("; page not written to {}: {e}", path.display())),
        }
    }
    line
}

/// An address made safe for a file name ("127.0.0.1:5000" -> "127.0.0.1-5000").
fn file_name_part(addr: &str) -> String {
    addr.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// Serves one client: `Ok` with the line to log, or `Err` with the line saying how it
/// failed. `recorder`, when given, observes the connection.
fn serve_client(
    sock: Tapped<TcpStream>,
    server: &Server,
    recorder: Option<&Recorder>,
) -> Result<String, String> {
    sock.get_ref()
        .set_read_timeout(Some(server.timeout))
        .and_then(|()| sock.get_ref().set_write_timeout(Some(server.timeout)))
        .map_err(|e| format!("socket setup failed: {e}"))?;
    // lucid_blocking::server::accept, over the tapped socket.
    let mut conn = ServerConnection::new(server.config.clone())
        .map_err(|e| format!("handshake failed: {}", describe(&to_io(e))))?;
    if let Some(rec) = recorder {
        conn.set_observer(rec.observer());
    }
    let mut stream = Stream::new(conn, sock);
    stream
        .complete_handshake()
        .map_err(|e| format!("handshake failed: {}", describe(&e)))?;
    let summary = one_line(&stream);
    let outcome = match server.mode {
        Mode::Www => www(&mut stream),
        Mode::Echo => echo(&mut stream),
    };
    match outcome {
        Ok(what) => Ok(format!("{summary}; {what}")),
        Err(e) => Err(format!("{summary}; ended: {}", describe(&e))),
    }
}

fn one_line<S: Read + Write>(stream: &Stream<ServerConnection, S>) -> String {
    let conn = stream.conn();
    match conn.negotiated() {
        Some(n) => {
            let mut line = format!(
                "{} {} ems={} etm={} resumed={} secure_reneg={} sni={} alpn={}",
                n.version,
                n.suite,
                yes_no(n.extended_master_secret),
                yes_no(n.encrypt_then_mac),
                yes_no(n.resumed),
                yes_no(n.secure_renegotiation),
                conn.sni().unwrap_or("-"),
                n.alpn_protocol
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |p| p.escape_ascii().to_string()),
            );
            // Mutual TLS: the client's verified certificate (path, dates, signatures and
            // clientAuth checked by --client-ca's verifier, CertificateVerify checked).
            if let Some(leaf) = n.client_certificates.first() {
                let subject = lucid_core::x509::certificate_subject(leaf)
                    .unwrap_or_else(|e| format!("(unreadable: {e})"));
                line.push_str(&format!(
                    " client=\"{subject}\" (chain of {} verified)",
                    n.client_certificates.len()
                ));
            }
            line
        }
        None => "handshake incomplete".to_string(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Most bytes of request header `--www` reads before answering anyway.
const MAX_REQUEST: usize = 16 * 1024;

/// The `--www` page for this connection.
pub(crate) fn www_page(conn: &ServerConnection) -> String {
    format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\
         lucid serve: this TLS session\n\n{}",
        session_summary(conn)
    )
}

fn www<S: Read + Write>(stream: &mut Stream<ServerConnection, S>) -> io::Result<String> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok("closed before a request".to_string());
        }
        request.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        let ended = request.windows(4).any(|w| w == b"\r\n\r\n")
            || request.windows(2).any(|w| w == b"\n\n");
        if ended || request.len() >= MAX_REQUEST {
            break;
        }
    }
    let first_line = request
        .split(|b| *b == b'\n')
        .next()
        .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
        .unwrap_or_default();
    let page = www_page(stream.conn());
    stream.write_all(page.as_bytes())?;
    stream.close()?;
    Ok(format!("www {first_line:?}"))
}

fn echo<S: Read + Write>(stream: &mut Stream<ServerConnection, S>) -> io::Result<String> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0usize;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        stream.write_all(buf.get(..n).unwrap_or(&[]))?;
        total += n;
    }
    stream.close()?;
    Ok(format!("echoed {total} bytes"))
}

/// One phrase for a failed I/O or TLS operation.
fn describe(e: &io::Error) -> String {
    match tls_error(e) {
        Some(tls) => tls.to_string(),
        None if matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) =>
        {
            "timed out".to_string()
        }
        None => e.to_string(),
    }
}

/// Where a test server listens.
#[cfg(test)]
pub(crate) fn spawn_for_test(server: Server) -> core::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || serve(&listener, &server));
    addr
}

#[cfg(test)]
#[path = "serve_test.rs"]
mod tests;
