//! `lucid demo`: a lucid server and a lucid client in one process, talking over
//! 127.0.0.1, with the handshake shown byte by byte. No network, no files: the demo CA,
//! certificate and key are compiled in (testdata/demo, labelled TEST ONLY everywhere).

use core::net::SocketAddr;
use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use clap::Args;
use lucid_blocking::{Stream, now};
use lucid_cli::show::{self, Clock, Options, Recorder, Stamped, Style};
use lucid_core::trace::Event;
use lucid_core::trace::wire::{CipherSuite, HandshakePayload, ProtocolVersion, ServerExtension};
use lucid_core::x509::{RootStore, certs_from_pem};
use lucid_core::{CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection};
use lucid_core::{ClientConfig, WebPkiVerifier};
use rustls_pki_types::ServerName;

use crate::connect::{HtmlFile, Modes, Outcome, Target, create_pcap, run_connection};
use lucid_blocking::session::{MemoryClientSessionStore, MemoryServerSessionStore};

/// The demo CA (TEST ONLY — do not trust).
const DEMO_CA: &[u8] = include_bytes!("../../../testdata/demo/ca.pem");
/// The demo server's chain: leaf for localhost/127.0.0.1, then the CA.
const DEMO_CHAIN: &[u8] = include_bytes!("../../../testdata/demo/chain.pem");
/// The demo server's key (PKCS#8). Public, TEST ONLY.
const DEMO_KEY: &[u8] = include_bytes!("../../../testdata/demo/leaf.key");

/// Arguments of `lucid demo` (its help text is on `Command::Demo` in main.rs).
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Only the timelines and summaries, not the byte-level traces.
    #[arg(long)]
    brief: bool,
    /// Show certificates and the encrypted pre-master secret in full in the trace.
    #[arg(long)]
    full_hex: bool,
    /// Print the pre-master and master secrets too (they are throwaway, like the demo key).
    #[arg(long)]
    show_secrets: bool,
    /// Write the three connections, as the client sent and received them, to FILE as a
    /// pcapng capture with their key log embedded: `tshark -r FILE` and Wireshark show
    /// them decrypted, and `tshark -r FILE -Y http` each request and response (the
    /// connections agree on http/1.1 with ALPN, which is how Wireshark knows the records
    /// carry HTTP). FILE is replaced.
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
    /// Write the three connections as one self-contained HTML page to FILE (works offline,
    /// in any browser): per connection the timeline (its arrows link to the messages) and
    /// every record and handshake message in hex grouped by field, with the --trace
    /// explanations beside each field; hovering or tabbing to a field highlights its bytes.
    /// FILE is replaced.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The seed article's handshake instead of the three connections: one connection at
    /// TLS 1.0 with TLS_RSA_WITH_RC4_128_MD5, the suite the article's server picked. Both
    /// sides turn on the legacy opt-in (RC4 and MD5 are broken; lucid never offers or
    /// accepts them otherwise), and the trace says at each legacy step what is broken and
    /// what replaced it.
    #[arg(long)]
    seed: bool,
}

/// What `lucid demo --seed` says after its connection: the seed-era choices, what is
/// broken about each, and what replaced it.
const SEED_LESSONS: &[(&str, &str)] = &[
    (
        "RC4",
        "the stream cipher's first keystream bytes are biased toward known values, so a secret sent in many connections (a cookie) can be recovered from their ciphertexts (AlFardan, Bernstein, Paterson, Poettering, Schuldt 2013; RC4 NOMORE 2015). RFC 7465 (2015) prohibits RC4 in TLS; AES-GCM (RFC 5288) and AES-CBC with encrypt-then-MAC (RFC 7366) replaced it.",
    ),
    (
        "MD5",
        "the record MAC is HMAC-MD5. MD5 collisions are practical since 2004 (and were used to forge a CA certificate in 2008); HMAC-MD5 itself is not known to be broken, but nothing new rests on MD5: HMAC-SHA256 and AEAD tags replaced it. (TLS 1.0's PRF mixes MD5 with SHA-1; TLS 1.2 uses SHA-256.)",
    ),
    (
        "RSA key exchange",
        "the pre-master secret travels encrypted to the server's certificate key, so whoever obtains that key later (a breach, a subpoena, a discarded disk) decrypts every recorded connection: no forward secrecy. ECDHE (RFC 8422) gives every connection its own key; TLS 1.3 removed RSA key exchange.",
    ),
    (
        "TLS 1.0",
        "predictable CBC IVs (BEAST, 2011) and the MD5/SHA-1 PRF; RFC 8996 (2021) deprecates TLS 1.0 and 1.1. (With RC4 there is no IV, so lucid does not split records 1/n-1 here.)",
    ),
];

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";

/// The ALPN name both demo ends use: it says what the records carry, so a capture reader
/// (Wireshark: "tls.alpn" http/1.1) parses them as HTTP whatever the port and however
/// the request is split into records.
const HTTP_1_1: &[u8] = b"http/1.1";

pub(crate) fn run(args: DemoArgs) -> ExitCode {
    match demo(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lucid demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo(args: &DemoArgs) -> Result<(), String> {
    // Before the server starts: an unwritable path stops the demo before any connection.
    let pcap = args.pcap.as_deref().map(create_pcap).transpose()?;
    let html = args.html.as_deref().map(HtmlFile::create).transpose()?;
    let connections = if args.seed { 1 } else { 3 };
    let (addr, server, server_events) = start_server(connections, args.seed)?;
    let st = Style::new(Style::stdout());
    let mut out = std::io::stdout().lock();
    let intro = if args.seed {
        format!(
            "A lucid server is listening on {addr}; the lucid client below connects to it once, the\n\
             way the seed article's browser did: TLS 1.0 with TLS_RSA_WITH_RC4_128_MD5. Both sides\n\
             turn on the legacy opt-in for this (RC4 and MD5 are broken; lucid never offers or\n\
             accepts them otherwise). The server's certificate is lucid's built-in 2048-bit demo\n\
             certificate, issued by \"lucid demo CA (TEST ONLY — do not trust)\": its private key is\n\
             public, never trust it. Everything is shown from the client's side, as in \"The First\n\
             Few Milliseconds of an HTTPS Connection\"; the timeline adds the server's own steps on\n\
             the right, and the end says what each legacy choice broke and what replaced it.\n"
        )
    } else {
        format!(
            "A lucid server is listening on {addr}; the lucid client below connects to it three\n\
             times. The server's certificate is lucid's built-in demo certificate, issued by\n\
             \"lucid demo CA (TEST ONLY — do not trust)\": its private key is public, never trust it.\n\
             Everything is shown from the client's side, the way \"The First Few Milliseconds of an\n\
             HTTPS Connection\" walks through a browser's handshake; the timelines add the server's\n\
             own steps (from its trace) on the right.\n"
        )
    };
    let _ = writeln!(out, "{}\n{intro}", st.head("lucid demo"));

    let mut roots = RootStore::new();
    roots
        .add_pem(DEMO_CA)
        .map_err(|e| format!("built-in demo CA: {e}"))?;
    let verifier = Arc::new(WebPkiVerifier::new(roots));

    let mut tls10 = ClientConfig::new(verifier.clone());
    tls10.alpn_protocols = vec![HTTP_1_1.to_vec()];
    tls10.min_version = ProtocolVersion::TLSV1_0;
    tls10.max_version = ProtocolVersion::TLSV1_0;
    tls10.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA];
    let mut tls12 = ClientConfig::new(verifier.clone());
    tls12.alpn_protocols = vec![HTTP_1_1.to_vec()];
    tls12.session_store = Some(Arc::new(MemoryClientSessionStore::default()));
    if let Some(pcap) = &pcap {
        tls10.key_log = Some(pcap.key_log(None));
        tls12.key_log = Some(pcap.key_log(None));
    }
    let tls12 = Arc::new(tls12);

    let mut seed = ClientConfig::new(verifier.clone());
    seed.min_version = ProtocolVersion::TLSV1_0;
    seed.max_version = ProtocolVersion::TLSV1_0;
    seed.allow_legacy_ciphers = true;
    seed.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_RC4_128_MD5];
    if let Some(pcap) = &pcap {
        seed.key_log = Some(pcap.key_log(None));
    }
    let all_steps: [(&str, Arc<ClientConfig>); 3] = [
        (
            "TLS 1.0 with TLS_RSA_WITH_AES_128_CBC_SHA: the handshake of the seed article's era",
            Arc::new(tls10),
        ),
        (
            "TLS 1.2 with lucid's defaults (ECDHE first for forward secrecy, extended master secret, encrypt-then-MAC); the session is kept",
            tls12.clone(),
        ),
        (
            "TLS 1.2 again, offering the session from connection 2: the abbreviated handshake",
            tls12,
        ),
    ];
    let steps: Vec<(&str, Arc<ClientConfig>)> = if args.seed {
        vec![(
            "TLS 1.0 with TLS_RSA_WITH_RC4_128_MD5: the seed article's own handshake (legacy opt-in)",
            Arc::new(seed),
        )]
    } else {
        all_steps.into_iter().collect()
    };
    let modes = Modes {
        trace: !args.brief,
        timeline: true,
        json: false,
        full_hex: args.full_hex,
        show_secrets: args.show_secrets,
    };
    let server_name = ServerName::try_from("localhost")
        .map_err(|e| e.to_string())?
        .to_owned();
    let mut outcomes: Vec<Outcome> = Vec::new();
    // Per connection: its heading on the page and the server's own events.
    let mut pages: Vec<(String, Vec<Stamped>)> = Vec::new();
    let mut failure = None;
    for (i, (title, config)) in steps.into_iter().enumerate() {
        let index = i + 1;
        let target = Target {
            config,
            server_name: server_name.clone(),
            addrs: vec![addr],
            label: format!("localhost:{}", addr.port()),
            timeout: Duration::from_secs(10),
            pcap: pcap.clone(),
        };
        let o = run_connection(&target, REQUEST, modes, index);
        let opts = Options {
            color: st.enabled(),
            full_hex: args.full_hex,
            now: now(),
            target: target.label.clone(),
            side: show::Side::Client,
        };
        let _ = writeln!(
            out,
            "{}\n",
            st.head(&format!("=== connection {index}: {title} ==="))
        );
        if modes.trace {
            let _ = out.write_all(show::trace::render(&o.events, &opts).as_bytes());
        }
        // The server thread's own record of this connection, on the client's clock.
        let server_side = server_events
            .recv_timeout(Duration::from_secs(10))
            .map(|(origin, events)| shift(events, origin, o.origin))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}",
            st.head("timeline (server's own steps on the right, from its trace)")
        );
        let _ =
            out.write_all(show::timeline::render_both(&o.events, &server_side, &opts).as_bytes());
        let _ = writeln!(out);
        let _ = out.write_all(show::summary::render(&o.events, &opts, index).as_bytes());
        let reply = String::from_utf8_lossy(&o.reply);
        let _ = writeln!(
            out,
            "  {:<13}{}\n",
            "reply",
            reply.lines().last().unwrap_or_default()
        );
        pages.push((format!("connection {index}: {title}"), server_side));
        let failed = o.result.clone().err();
        outcomes.push(o);
        if let Some(e) = failed {
            failure = Some(format!("connection {index}: {e}"));
            break;
        }
    }
    if args.seed && failure.is_none() {
        let _ = writeln!(
            out,
            "{}",
            st.head("what is broken here, and what replaced it")
        );
        for (what, why) in SEED_LESSONS {
            let _ = writeln!(out, "  {}: {why}", st.head(what));
        }
        let _ = writeln!(out);
    }
    if let Some(html) = &html {
        let connections: Vec<show::html::Connection<'_>> = outcomes
            .iter()
            .zip(&pages)
            .map(|(o, (title, server))| show::html::Connection {
                title,
                events: &o.events,
                server,
            })
            .collect();
        let opts = Options {
            color: false,
            full_hex: args.full_hex,
            now: now(),
            target: format!("localhost:{}", addr.port()),
            side: show::Side::Client,
        };
        let title = if args.seed {
            "lucid demo --seed: the seed article's TLS 1.0 RC4-MD5 handshake, byte by byte"
        } else {
            "lucid demo: three TLS handshakes, byte by byte"
        };
        html.write(
            title,
            &format!(
                "A lucid client connects three times to a lucid server on {addr} that holds \
                 lucid's built-in demo certificate (TEST ONLY: its private key is public). \
                 Everything is shown as the client saw it, the way \"The First Few \
                 Milliseconds of an HTTPS Connection\" walks through a browser's handshake; \
                 the timelines add the server's own steps on the right. Times are \
                 milliseconds since the TCP connect began."
            ),
            &connections,
            None,
            &opts,
        )?;
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let _ = writeln!(out, "{}", st.head("in short"));
    for (i, o) in outcomes.iter().enumerate() {
        let m = show::summary::Milestones::of(&o.events);
        let last = o.events.last().map(|e| e.at).unwrap_or_default();
        let done = m.server_finished.max(m.client_finished).unwrap_or(last);
        let what = o
            .events
            .iter()
            .find_map(|e| match &e.ev {
                show::Ev::Tls(Event::HandshakeComplete {
                    version,
                    suite,
                    resumed,
                }) => Some(format!(
                    "{}, {suite}, {}",
                    show::version_name(*version),
                    if *resumed {
                        "resumed"
                    } else {
                        "full handshake"
                    }
                )),
                _ => None,
            })
            .unwrap_or_default();
        // The application protocol the server selected (ALPN), from its ServerHello.
        let alpn = o
            .events
            .iter()
            .find_map(|e| match &e.ev {
                show::Ev::Tls(Event::Handshake { msg, .. }) => match &msg.payload {
                    HandshakePayload::ServerHello(sh) => {
                        sh.extensions.iter().find_map(|x| match x {
                            ServerExtension::Alpn(p) => Some(format!(", {}", p.escape_ascii())),
                            _ => None,
                        })
                    }
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  connection {}: {what}{alpn}, handshake done after {}",
            i + 1,
            show::ms(done)
        );
    }
    let _ = writeln!(
        out,
        "\nNext: `lucid connect HOST:PORT --trace` shows the same for any server (`lucid connect --help`)."
    );
    if let Some(pcap) = &pcap {
        let _ = writeln!(
            out,
            "The capture is in {}: `tshark -r {0} -Y http` or Wireshark shows it decrypted.",
            pcap.path().display()
        );
    }
    if let Some(html) = &html {
        let _ = writeln!(
            out,
            "The page is in {}: open it in a browser.",
            html.path().display()
        );
    }
    drop(out);
    server
        .join()
        .map_err(|_| "the demo server thread panicked".to_string())?
}

/// Re-stamps server events recorded from `origin` as times since `client_origin`.
fn shift(
    events: Vec<Stamped>,
    origin: Option<Instant>,
    client_origin: Option<Instant>,
) -> Vec<Stamped> {
    let (Some(origin), Some(client_origin)) = (origin, client_origin) else {
        return Vec::new();
    };
    events
        .into_iter()
        .map(|mut e| {
            e.at = (origin + e.at).saturating_duration_since(client_origin);
            e
        })
        .collect()
}

/// What the server thread reports per connection: its recorder's origin and events.
type ServerEvents = (Option<Instant>, Vec<Stamped>);

/// The demo server's address, its thread, and where its per-connection events arrive.
type DemoServer = (
    SocketAddr,
    thread::JoinHandle<Result<(), String>>,
    mpsc::Receiver<ServerEvents>,
);

/// Starts the demo server on 127.0.0.1:0 for `connections` connections; each
/// connection's server-side events come back on the channel.
fn start_server(connections: usize, legacy: bool) -> Result<DemoServer, String> {
    let chain: Vec<Vec<u8>> = certs_from_pem(DEMO_CHAIN)
        .map_err(|e| format!("built-in demo chain: {e}"))?
        .into_iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    use rustls_pki_types::pem::PemObject;
    let key_der = rustls_pki_types::PrivateKeyDer::from_pem_slice(DEMO_KEY)
        .map_err(|e| format!("built-in demo key: {e}"))?;
    let key = RsaCrateKey::from_pkcs8_der(key_der.secret_der())
        .map_err(|e| format!("built-in demo key: {e}"))?;
    let cert = CertifiedKey::new(chain, Arc::new(key)).map_err(|e| e.to_string())?;
    let mut config = ServerConfig::new(cert);
    config.min_version = ProtocolVersion::TLSV1_0;
    if legacy {
        // `--seed`: the article's server offered RC4 first; so does this one.
        config.allow_legacy_ciphers = true;
        config.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_RC4_128_MD5];
    }
    config.alpn_protocols = vec![HTTP_1_1.to_vec()];
    config.session_store = Some(Arc::new(MemoryServerSessionStore::new(
        16,
        Duration::from_secs(300),
    )));
    let config = Arc::new(config);
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        for _ in 0..connections {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            let rec = Recorder::new(Clock::start(), false);
            sock.set_read_timeout(Some(Duration::from_secs(10)))
                .map_err(|e| e.to_string())?;
            let _ = sock.set_nodelay(true);
            let mut conn = ServerConnection::new(config.clone()).map_err(|e| e.to_string())?;
            conn.set_observer(rec.observer());
            let mut s = Stream::new(conn, sock);
            // A failed connection is the client's to report; the server moves on.
            let _ = serve_one(&mut s);
            let _ = tx.send((rec.clock().origin(), rec.take()));
        }
        Ok(())
    });
    Ok((addr, handle, rx))
}

fn serve_one<S: Read + Write>(s: &mut Stream<ServerConnection, S>) -> std::io::Result<()> {
    s.complete_handshake()?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let what = match s.conn().negotiated() {
        Some(n) => format!(
            "{}, {}{}",
            show::version_name(n.version),
            n.suite,
            if n.resumed { ", resumed" } else { "" }
        ),
        None => String::new(),
    };
    let body = format!(
        "hello from the lucid demo server (TEST ONLY certificate): {} bytes of request over {what}\n",
        request.len()
    );
    let reply = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(reply.as_bytes())?;
    s.close()?;
    // Let the client's close_notify arrive before the socket goes away.
    let _ = s.read(&mut buf);
    Ok(())
}
