//! `lucid connect`: the client side of the seed document, against any server.
//!
//! Output: by default the server's reply goes to stdout and a one-screen summary of the
//! handshake to stderr. `--trace`, `--timeline` and `--json` print the recorded events on
//! stdout instead (the reply, if `--request` was given, follows them); the summary stays on
//! stderr.

use core::cell::RefCell;
use core::net::SocketAddr;
use core::time::Duration;
use std::io::{self, IsTerminal, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::time::Instant;

use lucid_blocking::{KeyLogFile, Stream, now, os_rng, tls_error};
use lucid_cli::pcap::{Capture, PcapFile};
use lucid_cli::show::{self, Clock, Ev, Options, Recorder, Stamped, Style};
use lucid_core::Error;
use lucid_core::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;

mod args;

pub(crate) use args::{ConnectArgs, parse_alpn, parse_suite, parse_version};
use args::{unescape, verifier_from};

/// How a connection's events are shown.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Modes {
    pub(crate) trace: bool,
    pub(crate) timeline: bool,
    pub(crate) json: bool,
    pub(crate) full_hex: bool,
    pub(crate) show_secrets: bool,
}

impl Modes {
    fn any(self) -> bool {
        self.trace || self.timeline || self.json
    }
}

/// Everything one connection needs, shared by `--reconnect` connections.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
    /// Where HOST:PORT resolved to, tried in order.
    pub(crate) addrs: Vec<SocketAddr>,
    /// What the user asked for, e.g. `localhost:4433`.
    pub(crate) label: String,
    pub(crate) timeout: Duration,
    /// Where `--pcap` writes each connection.
    pub(crate) pcap: Option<Arc<PcapFile>>,
}

/// What one connection produced.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) events: Vec<Stamped>,
    /// The instant `events` are stamped from.
    pub(crate) origin: Option<Instant>,
    /// The reply (collected in trace modes; already streamed to stdout otherwise).
    pub(crate) reply: Vec<u8>,
    pub(crate) result: Result<(), String>,
}

pub(crate) fn run(args: ConnectArgs) -> ExitCode {
    match connect(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("lucid connect: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn connect(args: &ConnectArgs) -> Result<(), String> {
    let (host, _port) = split_host(&args.address)?;
    let name = args.servername.clone().unwrap_or(host);
    let server_name = ServerName::try_from(name.clone())
        .map_err(|_| format!("{name:?} is not a valid DNS name or IP address"))?;

    let mut config = ClientConfig::new(verifier_from(args)?);
    config.min_version = args.tls_min;
    config.max_version = args.tls_max;
    if args.legacy_ciphers {
        config.enable_legacy_ciphers();
    }
    if !args.ciphers.is_empty() {
        config.cipher_suites = args.ciphers.clone();
    }
    config.offer_extended_master_secret = !args.no_ems;
    config.offer_encrypt_then_mac = !args.no_etm;
    config.max_fragment_length = args.max_fragment_length;
    config.allow_legacy_renegotiation = args.allow_legacy_renegotiation;
    config.allow_rsa_1024_legacy = args.allow_rsa_1024;
    config.alpn_protocols.clone_from(&args.alpn);
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let id =
            lucid_blocking::server::load_certified_key(cert, key).map_err(|e| e.to_string())?;
        config.set_client_certificate(id);
    }
    if let Some(path) = &args.keylog {
        let kl = KeyLogFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        config.key_log = Some(Arc::new(kl));
    }
    let pcap = args.pcap.as_deref().map(create_pcap).transpose()?;
    if let Some(pcap) = &pcap {
        config.key_log = Some(pcap.key_log(config.key_log.take()));
    }
    let html = args.html.as_deref().map(HtmlFile::create).transpose()?;
    if args.reconnect > 0 {
        config.session_store = Some(Arc::new(
            lucid_blocking::session::MemoryClientSessionStore::default(),
        ));
    }
    let modes = Modes {
        trace: args.trace,
        timeline: args.timeline,
        json: args.json,
        full_hex: args.full_hex,
        show_secrets: args.show_secrets,
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let addrs = match resolve(&args.address, timeout) {
        Ok(a) => a,
        Err(e) => {
            if let Some(html) = &html {
                let page = page_title(&args.address);
                html.write(
                    &page,
                    "",
                    &[],
                    Some(&e),
                    &html_options(&args.address, modes),
                )?;
            }
            return Err(e);
        }
    };
    let target = Target {
        config: Arc::new(config),
        server_name,
        addrs,
        label: args.address.clone(),
        timeout,
        pcap,
    };

    let request = match &args.request {
        Some(r) => unescape(r),
        None if !modes.any() => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("reading stdin: {e}"))?;
            buf
        }
        None => Vec::new(),
    };

    let mut outcomes = Vec::new();
    for i in 1..=1 + args.reconnect as usize {
        let outcome = run_connection(&target, &request, modes, i);
        report(&target, &outcome, modes, i, args.request.is_some());
        let failed = outcome.result.is_err();
        outcomes.push(outcome);
        if failed {
            break;
        }
    }
    if let Some(html) = &html {
        let titles: Vec<String> = (1..=outcomes.len())
            .map(|i| format!("connection {i} to {}", target.label))
            .collect();
        let connections: Vec<show::html::Connection<'_>> = outcomes
            .iter()
            .zip(&titles)
            .map(|(o, title)| show::html::Connection {
                title,
                events: &o.events,
                server: &[],
            })
            .collect();
        html.write(
            &page_title(&target.label),
            "As the client saw it; times are milliseconds since the TCP connect began.",
            &connections,
            None,
            &html_options(&target.label, modes),
        )?;
    }
    outcomes
        .into_iter()
        .map(|o| o.result)
        .find(Result::is_err)
        .unwrap_or(Ok(()))
}

fn page_title(label: &str) -> String {
    format!("lucid connect {label}")
}

fn html_options(label: &str, modes: Modes) -> Options {
    Options {
        color: false,
        full_hex: modes.full_hex,
        now: now(),
        target: label.to_string(),
        side: show::Side::Client,
    }
}

/// The `--html` page (of `connect` and `demo`): created before any connection, so an
/// unwritable path fails first, and written once the connections are over.
#[derive(Debug)]
pub(crate) struct HtmlFile {
    path: PathBuf,
    file: std::fs::File,
}

impl HtmlFile {
    /// Creates (or truncates) the page, failing with one line that names it.
    pub(crate) fn create(path: &std::path::Path) -> Result<Self, String> {
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot write the --html page {}: {e}", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Where the page goes.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Writes the page.
    pub(crate) fn write(
        &self,
        title: &str,
        intro: &str,
        connections: &[show::html::Connection<'_>],
        error: Option<&str>,
        opts: &Options,
    ) -> Result<(), String> {
        let page = show::html::Page {
            title,
            intro,
            connections,
            error,
        };
        (&self.file)
            .write_all(show::html::render(&page, opts).as_bytes())
            .and_then(|()| (&self.file).flush())
            .map_err(|e| format!("writing the --html page {}: {e}", self.path.display()))
    }
}

/// Creates the `--pcap` file (for `connect`, `serve` and `demo`), failing with one line
/// that names it.
pub(crate) fn create_pcap(path: &std::path::Path) -> Result<Arc<PcapFile>, String> {
    PcapFile::create(path).map_err(|e| {
        format!(
            "cannot write the --pcap capture file {}: {e}",
            path.display()
        )
    })
}

/// Prints what `--trace`/`--timeline`/`--json` asked for on stdout and the summary on
/// stderr.
pub(crate) fn report(target: &Target, o: &Outcome, modes: Modes, index: usize, show_reply: bool) {
    let opts = |color| Options {
        color,
        full_hex: modes.full_hex,
        now: now(),
        target: target.label.clone(),
        side: show::Side::Client,
    };
    let out_opts = opts(Style::stdout());
    let mut stdout = io::stdout().lock();
    if modes.json {
        let mut text = show::json::render(&o.events, index);
        if show_reply {
            text.push_str(
                &show::json::Obj::default()
                    .num("connection", index)
                    .str("event", "reply")
                    .num("length", o.reply.len())
                    .str("text", &String::from_utf8_lossy(&o.reply))
                    .end(),
            );
            text.push('\n');
        }
        let _ = stdout.write_all(text.as_bytes());
    }
    if modes.trace || modes.timeline {
        let st = Style::new(out_opts.color);
        let _ = writeln!(
            stdout,
            "{}",
            st.head(&format!("=== connection {index} to {} ===", target.label))
        );
        let _ = writeln!(
            stdout,
            "{}\n",
            st.dim("as seen by the client; times are ms since the TCP connect began")
        );
        if modes.trace {
            let _ = stdout.write_all(show::trace::render(&o.events, &out_opts).as_bytes());
        }
        if modes.timeline {
            let _ = stdout.write_all(show::timeline::render(&o.events, &out_opts).as_bytes());
            let _ = writeln!(stdout);
        }
        if show_reply {
            let _ = writeln!(
                stdout,
                "{}",
                st.head(&format!("--- reply: {} bytes ---", o.reply.len()))
            );
            let _ = stdout.write_all(&o.reply);
            if !o.reply.ends_with(b"\n") {
                let _ = writeln!(stdout);
            }
        }
    }
    let _ = stdout.flush();
    drop(stdout);
    // The summary of a failed connection is the one-line reason the caller prints; in the
    // default mode a successful one was already printed right after the handshake.
    if o.result.is_ok() && modes.any() {
        eprint!(
            "{}",
            show::summary::render(&o.events, &opts(Style::stderr()), index)
        );
    }
}

/// Resolves HOST:PORT, giving up after `timeout` (the system resolver has no timeout of
/// its own).
pub(crate) fn resolve(address: &str, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    split_host(address)?;
    let (tx, rx) = mpsc::channel();
    let a = address.to_string();
    std::thread::spawn(move || {
        let r = a.to_socket_addrs().map(Iterator::collect::<Vec<_>>);
        let _ = tx.send(r);
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(format!("{address} resolves to no address")),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(format!("cannot resolve {address}: {e}")),
        Err(_) => Err(format!(
            "cannot resolve {address}: no answer from the resolver within {} s",
            timeout.as_secs()
        )),
    }
}

/// Connects to the first address that accepts (e.g. `localhost` may be ::1 and 127.0.0.1);
/// the error names the last one tried.
fn tcp_connect(addrs: &[SocketAddr], t: Duration) -> Result<(TcpStream, SocketAddr), String> {
    let secs = t.as_secs();
    let mut last = String::from("no address to connect to");
    for addr in addrs {
        match TcpStream::connect_timeout(addr, t) {
            Ok(s) => return Ok((s, *addr)),
            Err(e) => {
                last = match e.kind() {
                    io::ErrorKind::ConnectionRefused => format!(
                        "cannot connect to {addr}: connection refused (nothing listens on that port)"
                    ),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                        format!("cannot connect to {addr}: no answer within {secs} s")
                    }
                    _ => format!("cannot connect to {addr}: {e}"),
                }
            }
        }
    }
    Err(last)
}

fn split_host(address: &str) -> Result<(String, u16), String> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("{address:?}: expected HOST:PORT"))?;
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("{address:?}: bad port {port:?}"))?;
    Ok((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
    ))
}

/// What the transport saw, shared between the socket wrapper and the driver.
#[derive(Debug, Default)]
struct Seen {
    /// The first bytes received (to recognise a plain-text answer).
    first: Vec<u8>,
    received: usize,
}

/// A `TcpStream` whose reads give up at a deadline (during the handshake) or after an idle
/// timeout (afterwards), and which remembers the first bytes received.
#[derive(Debug)]
struct Sock {
    inner: TcpStream,
    deadline: Rc<RefCell<Option<Instant>>>,
    idle: Duration,
    seen: Rc<RefCell<Seen>>,
    /// `--pcap`: every chunk read and written.
    capture: Option<Capture>,
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let wait = match *self.deadline.borrow() {
            Some(d) => d
                .checked_duration_since(Instant::now())
                .filter(|w| !w.is_zero())
                .ok_or(io::ErrorKind::TimedOut)?,
            None => self.idle,
        };
        self.inner.set_read_timeout(Some(wait))?;
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.capture {
            c.received(buf.get(..n).unwrap_or_default());
        }
        let mut seen = self.seen.borrow_mut();
        seen.received += n;
        let room = 64usize.saturating_sub(seen.first.len());
        seen.first
            .extend_from_slice(buf.get(..n.min(room)).unwrap_or(&[]));
        Ok(n)
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(c) = &self.capture {
            c.sent(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Runs one connection: TCP connect, handshake, request, reply, close_notify. Every step is
/// recorded; failures end up in `Outcome::result` as one human line (and as an `Ev::Failed`
/// event).
pub(crate) fn run_connection(
    target: &Target,
    request: &[u8],
    modes: Modes,
    index: usize,
) -> Outcome {
    let rec = Recorder::new(Clock::start(), modes.show_secrets);
    let mut reply = Vec::new();
    let capture = target.pcap.as_ref().map(|_| Capture::client());
    let result = drive(
        target,
        request,
        modes,
        index,
        &rec,
        &mut reply,
        capture.as_ref(),
    );
    // The capture is written whatever happened: a failed handshake is worth looking at.
    let result = match (&target.pcap, &capture) {
        (Some(pcap), Some(capture)) => {
            let written = pcap.write(capture).map_err(|e| {
                format!(
                    "writing the --pcap capture file {}: {e}",
                    pcap.path().display()
                )
            });
            result.and(written)
        }
        _ => result,
    };
    if let Err(reason) = &result {
        rec.push(Ev::Failed {
            reason: reason.clone(),
        });
    }
    Outcome {
        events: rec.take(),
        origin: rec.clock().origin(),
        reply,
        result,
    }
}

fn drive(
    target: &Target,
    request: &[u8],
    modes: Modes,
    index: usize,
    rec: &Recorder,
    reply: &mut Vec<u8>,
    capture: Option<&Capture>,
) -> Result<(), String> {
    let t = target.timeout;
    let secs = t.as_secs();
    let (tcp, peer) = tcp_connect(&target.addrs, t)?;
    tcp.set_write_timeout(Some(t)).map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    if let (Some(c), Ok(local)) = (capture, tcp.local_addr()) {
        c.connected(local, peer);
    }
    rec.push(Ev::TcpConnected {
        peer: peer.to_string(),
    });
    let deadline = Rc::new(RefCell::new(Some(Instant::now() + t)));
    let seen = Rc::new(RefCell::new(Seen::default()));
    let sock = Sock {
        inner: tcp,
        deadline: deadline.clone(),
        idle: t,
        seen: seen.clone(),
        capture: capture.cloned(),
    };

    let mut rng = os_rng();
    let conn = ClientConnection::new_traced(
        target.config.clone(),
        target.server_name.clone(),
        Some(rec.observer()),
        now(),
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    let mut stream = Stream::new(conn, sock);
    if let Err(e) = stream.complete_handshake() {
        return Err(handshake_failure(&e, &seen.borrow(), secs));
    }
    *deadline.borrow_mut() = None;

    if !modes.any() {
        // The summary now, before the reply starts streaming to stdout.
        let opts = Options {
            color: Style::stderr(),
            full_hex: false,
            now: now(),
            target: target.label.clone(),
            side: show::Side::Client,
        };
        eprint!("{}", show::summary::render(&rec.snapshot(), &opts, index));
    }

    if !request.is_empty() {
        stream.write_all(request).map_err(|e| describe(&e))?;
    }
    if modes.any() && request.is_empty() {
        // Nothing asked for: just close cleanly.
        let _ = stream.close();
        return Ok(());
    }
    let mut out = io::stdout().lock();
    let mut buf = vec![0u8; 16384];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]);
                if modes.any() {
                    reply.extend_from_slice(chunk);
                } else {
                    out.write_all(chunk)
                        .map_err(|e| format!("writing stdout: {e}"))?;
                    let _ = out.flush();
                }
            }
            Err(e) if is_timeout(&e) => {
                // The server keeps the connection open: we have its answer.
                if out.is_terminal() || modes.any() {
                    eprintln!("lucid: no more data from the server for {secs} s; closing");
                }
                break;
            }
            Err(e) => return Err(describe(&e)),
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    let _ = stream.close();
    Ok(())
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// One line saying why the handshake failed, in terms of what was seen on the wire.
fn handshake_failure(e: &io::Error, seen: &Seen, secs: u64) -> String {
    let plain_text = seen.first.len() >= 4
        && seen
            .first
            .iter()
            .take(16)
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if plain_text {
        let line_end = seen
            .first
            .iter()
            .position(|b| *b == b'\r' || *b == b'\n')
            .unwrap_or(seen.first.len())
            .min(48);
        let first_line = show::hex::ascii(seen.first.get(..line_end).unwrap_or_default());
        return format!(
            "the server answered in plain text, not TLS: \"{first_line}\" (is this the TLS port?)"
        );
    }
    if is_timeout(e) {
        return if seen.received == 0 {
            format!(
                "no answer to the ClientHello within {secs} s: the server accepted the connection but said nothing (is it a TLS server?)"
            )
        } else {
            format!(
                "the handshake did not finish within {secs} s ({} bytes received)",
                seen.received
            )
        };
    }
    match tls_error(e) {
        Some(Error::UnexpectedEof) if seen.received == 0 => {
            "the server closed the connection without answering the ClientHello (not TLS, or it accepts none of the offered versions and suites)".to_string()
        }
        Some(tls) => format!("handshake failed: {tls}"),
        None => describe(e),
    }
}

/// One line for a failed I/O or TLS operation.
pub(crate) fn describe(e: &io::Error) -> String {
    match tls_error(e) {
        Some(tls) => tls.to_string(),
        None if is_timeout(e) => "timed out waiting for the server".to_string(),
        None => e.to_string(),
    }
}
