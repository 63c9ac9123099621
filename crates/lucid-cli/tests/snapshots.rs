//! Snapshot tests of `--trace`, `--timeline`, `--json` and `--html`: an in-memory lucid client↔server
//! pair with seeded RNGs, a fixed time and a manual clock (1 ms per flight), so every byte
//! and every time in the rendering is reproducible. The expected text is committed in
//! tests/snapshots/ and was read by eye against RFC 5246 (field names, lengths, labels).
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p lucid-cli --test snapshots` rewrites the files.

use core::time::Duration;
use std::path::PathBuf;
use std::sync::Arc;

use lucid_blocking::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_cli::show::{self, Clock, Ev, ManualClock, Options, Recorder, Stamped};
use lucid_core::Connection;
use lucid_core::trace::wire::{CipherSuite, ProtocolVersion};
use lucid_core::x509::pki_types::pem::PemObject;
use lucid_core::x509::pki_types::{PrivateKeyDer, ServerName, UnixTime};
use lucid_core::x509::{RootStore, certs_from_pem};
use lucid_core::{CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection};
use lucid_core::{ClientConfig, ClientConnection, ClientSessionStore, WebPkiVerifier};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// 2024-06-01 00:00:00 UTC, inside the test PKI's validity.
const NOW: u64 = 1_717_200_000;

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(NOW))
}

fn testdata(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn server_config() -> Arc<ServerConfig> {
    let chain = certs_from_pem(&testdata("pki/chain.pem"))
        .unwrap()
        .into_iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    let key = PrivateKeyDer::from_pem_slice(&testdata("pki/leaf.key")).unwrap();
    let key = RsaCrateKey::from_pkcs8_der(key.secret_der()).unwrap();
    let mut config = ServerConfig::new(CertifiedKey::new(chain, Arc::new(key)).unwrap());
    config.min_version = ProtocolVersion::TLSV1_0;
    // As in `lucid demo`: both ends agree on http/1.1 with ALPN.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.session_store = Some(Arc::new(MemoryServerSessionStore::new(
        4,
        Duration::from_secs(600),
    )));
    Arc::new(config)
}

fn client_config(tls10: bool, store: Option<Arc<MemoryClientSessionStore>>) -> Arc<ClientConfig> {
    let mut roots = RootStore::new();
    roots.add_pem(&testdata("pki/root.pem")).unwrap();
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    if tls10 {
        c.min_version = ProtocolVersion::TLSV1_0;
        c.max_version = ProtocolVersion::TLSV1_0;
        c.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA];
    }
    c.session_store = store.map(|s| s as Arc<dyn ClientSessionStore>);
    Arc::new(c)
}

/// Moves everything `from` wants to send into `to`; returns whether anything moved.
fn transfer(from: &mut Connection, to: &mut Connection) -> bool {
    let mut moved = false;
    while from.wants_write() {
        let n = to.read_tls_bytes(from.pending_tls());
        assert!(n > 0, "receiver full");
        from.consume_tls(n);
        moved = true;
    }
    moved
}

/// Reads all decrypted application data, letting `conn` decrypt the next record each time
/// the previous one was read (lucid holds one record of plaintext at a time).
fn read_all(conn: &mut Connection, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    for _ in 0..100 {
        let n = conn.read_plaintext(&mut buf);
        if n == 0 {
            conn.process(now(), rng).unwrap();
            if conn.plaintext().is_empty() {
                return out;
            }
        }
        out.extend_from_slice(&buf[..n]);
    }
    panic!("too many records");
}

struct Pair {
    client: ClientConnection,
    server: ServerConnection,
    crng: ChaCha20Rng,
    srng: ChaCha20Rng,
    clock: ManualClock,
    rec: Recorder,
    /// The server's own events, on the same clock.
    server_rec: Recorder,
}

impl Pair {
    fn new(config: Arc<ClientConfig>, server: &Arc<ServerConfig>, seed: u64) -> Self {
        let (clock, manual) = Clock::manual();
        let rec = Recorder::new(clock.clone(), false);
        let server_rec = Recorder::new(clock, false);
        let mut crng = ChaCha20Rng::seed_from_u64(seed);
        let srng = ChaCha20Rng::seed_from_u64(seed + 1000);
        manual.advance(Duration::from_millis(1));
        rec.push(Ev::TcpConnected {
            peer: "127.0.0.1:443 (in memory)".to_string(),
        });
        manual.advance(Duration::from_millis(1));
        let client = ClientConnection::new_traced(
            config,
            ServerName::try_from("localhost").unwrap(),
            Some(rec.observer()),
            now(),
            &mut crng,
        )
        .unwrap();
        let mut server = ServerConnection::new(server.clone()).unwrap();
        server.set_observer(server_rec.observer());
        Self {
            client,
            server,
            crng,
            srng,
            clock: manual,
            rec,
            server_rec,
        }
    }

    /// One flight each way, 1 ms per hop, until nothing moves.
    fn pump(&mut self) {
        for _ in 0..20 {
            let mut moved = false;
            if transfer(&mut self.client, &mut self.server) {
                self.clock.advance(Duration::from_millis(1));
                self.server.process(now(), &mut self.srng).unwrap();
                moved = true;
            }
            if transfer(&mut self.server, &mut self.client) {
                self.clock.advance(Duration::from_millis(1));
                self.client.process(now(), &mut self.crng).unwrap();
                moved = true;
            }
            if !moved {
                return;
            }
        }
        panic!("pair did not settle in 20 rounds");
    }

    /// Handshake, a request, a reply, close_notify both ways: the client's events.
    fn run(self) -> Vec<Stamped> {
        self.run_both().0
    }

    /// As `run`, returning the client's and the server's events.
    fn run_both(mut self) -> (Vec<Stamped>, Vec<Stamped>) {
        self.pump();
        assert!(!self.client.is_handshaking());
        assert!(!self.server.is_handshaking());
        let request = b"GET / HTTP/1.0\r\n\r\n";
        let n = self
            .client
            .write_plaintext(request, &mut self.crng)
            .unwrap();
        assert_eq!(n, request.len());
        self.pump();
        assert_eq!(read_all(&mut self.server, &mut self.srng), request);
        let reply = b"HTTP/1.0 200 OK\r\n\r\nhello\n";
        self.server.write_plaintext(reply, &mut self.srng).unwrap();
        self.server.send_close_notify(&mut self.srng);
        self.pump();
        assert_eq!(read_all(&mut self.client, &mut self.crng), reply);
        assert!(self.client.peer_has_closed());
        self.client.send_close_notify(&mut self.crng);
        self.pump();
        (self.rec.take(), self.server_rec.take())
    }
}

fn options() -> Options {
    Options {
        color: false,
        full_hex: false,
        now: now(),
        target: "localhost:443".to_string(),
        side: show::Side::Client,
    }
}

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the snapshot at line {}:\n  expected: {:?}\n  actual:   {:?}\n(UPDATE_SNAPSHOTS=1 rewrites it; review the diff)",
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

fn check_all(name: &str, events: &[Stamped], connection: usize) {
    let opts = options();
    check(
        &format!("{name}.trace.txt"),
        &show::trace::render(events, &opts),
    );
    check(
        &format!("{name}.timeline.txt"),
        &show::timeline::render(events, &opts),
    );
    check(
        &format!("{name}.json.txt"),
        &show::json::render(events, connection),
    );
    check(
        &format!("{name}.summary.txt"),
        &show::summary::render(events, &opts, connection),
    );
}

/// The timeline with the server's own steps (what `lucid demo` shows).
fn check_both(name: &str, client: &[Stamped], server: &[Stamped]) {
    check(
        &format!("{name}.timeline-both.txt"),
        &show::timeline::render_both(client, server, &options()),
    );
}

/// The server's own recording, as `lucid serve --html-dir` shows it: "sent" is server to
/// client there.
fn check_server(name: &str, server: &[Stamped]) {
    let opts = Options {
        side: show::Side::Server,
        ..options()
    };
    check(
        &format!("{name}.server-trace.txt"),
        &show::trace::render(server, &opts),
    );
    check(
        &format!("{name}.server-timeline.txt"),
        &show::timeline::render(server, &opts),
    );
}

#[test]
fn tls10_aes128_sha_full_handshake() {
    let server = server_config();
    let (events, server_events) = Pair::new(client_config(true, None), &server, 1).run_both();
    check_all("tls10-full", &events, 1);
    check_both("tls10-full", &events, &server_events);
    check_server("tls10-full", &server_events);
}

/// `lucid demo --seed`'s connection: TLS 1.0 with TLS_RSA_WITH_RC4_128_MD5 (legacy opt-in
/// on both sides), the RC4 records and the legacy notes.
#[test]
fn seed_rc4_md5_full_handshake() {
    let mut server = (*server_config()).clone();
    server.allow_legacy_ciphers = true;
    server.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_RC4_128_MD5];
    let mut client = (*client_config(true, None)).clone();
    client.allow_legacy_ciphers = true;
    client.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_RC4_128_MD5];
    let (events, server_events) = Pair::new(Arc::new(client), &Arc::new(server), 4).run_both();
    check_all("seed-rc4-md5", &events, 1);
    check_both("seed-rc4-md5", &events, &server_events);
}

#[test]
fn tls12_full_then_resumed() {
    let server = server_config();
    let store = Arc::new(MemoryClientSessionStore::default());
    let (first, first_server) =
        Pair::new(client_config(false, Some(store.clone())), &server, 2).run_both();
    check_all("tls12-full", &first, 1);
    check_both("tls12-full", &first, &first_server);
    check_server("tls12-full", &first_server);
    let (second, second_server) =
        Pair::new(client_config(false, Some(store)), &server, 3).run_both();
    check_all("tls12-resumed", &second, 2);
    check_both("tls12-resumed", &second, &second_server);
}

/// The three connections of `lucid demo` (TLS 1.0 RSA, TLS 1.2 full, TLS 1.2 resumed) on
/// one `--html` page, with the server's own steps in the timelines.
#[test]
fn html_page_of_the_demo_connections() {
    let server = server_config();
    let (tls10, tls10_server) = Pair::new(client_config(true, None), &server, 1).run_both();
    let store = Arc::new(MemoryClientSessionStore::default());
    let (full, full_server) =
        Pair::new(client_config(false, Some(store.clone())), &server, 2).run_both();
    let (resumed, resumed_server) =
        Pair::new(client_config(false, Some(store)), &server, 3).run_both();
    let connections = [
        show::html::Connection {
            title: "connection 1: TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA",
            events: &tls10,
            server: &tls10_server,
        },
        show::html::Connection {
            title: "connection 2: TLS 1.2, lucid's defaults",
            events: &full,
            server: &full_server,
        },
        show::html::Connection {
            title: "connection 3: TLS 1.2, resuming connection 2's session",
            events: &resumed,
            server: &resumed_server,
        },
    ];
    let page = show::html::Page {
        title: "lucid: three handshakes in memory",
        intro: "An in-memory lucid client and server with seeded randomness and a fixed clock, \
                as the client saw them; times are milliseconds since the connection began.",
        connections: &connections,
        error: None,
    };
    check("demo.html", &show::html::render(&page, &options()));
}

#[test]
fn renderings_are_reproducible() {
    let server = server_config();
    let a = Pair::new(client_config(true, None), &server, 7).run();
    let b = Pair::new(client_config(true, None), &server_config(), 7).run();
    let opts = options();
    assert_eq!(
        show::trace::render(&a, &opts),
        show::trace::render(&b, &opts)
    );
    assert_eq!(show::json::render(&a, 1), show::json::render(&b, 1));
}
