//! Load test (issue 6): thousands of concurrent lucid clients against the one-thread mio
//! echo server, each doing a full handshake and a 64 KiB echo with every byte checked; then
//! again with half the clients resuming; plus misbehaving clients (silent, garbage, stuck
//! mid-record, reset) that must not disturb the others. Checks file descriptors and heap
//! before/after, and reports handshakes/s, peak heap and bytes per idle connection.
//!
//! Sizes: `LUCID_LOAD_CLIENTS` (default 2000) clients per round.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use lucid_blocking::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::ServerConfig;
use lucid_core::internal::msgs::enums::{CipherSuite, ProtocolVersion};
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ClientConnection, ClientSessionStore, WebPkiVerifier};
use lucid_mio::TlsStream;
use lucid_test_support::alloc::{self, Counting};
use mio::net::TcpStream;
use mio::{Events, Poll, Token};
use rustls_pki_types::{ServerName, UnixTime};

#[path = "../examples/common/echo.rs"]
#[allow(dead_code, reason = "the example uses the rest")]
mod echo;

// ---- the counting allocator: live heap bytes per thread and in total ----

#[global_allocator]
static ALLOC: Counting = Counting;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

// ---- fixtures ----

fn testdata(p: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(p)
}

fn server_config() -> ServerConfig {
    let cert = lucid_blocking::server::load_certified_key(
        &testdata("pki/chain.pem"),
        &testdata("pki/leaf.key"),
    )
    .unwrap();
    let mut config = ServerConfig::new(cert);
    config.min_version = ProtocolVersion::TLSV1_0;
    config.max_version = ProtocolVersion::TLSV1_2;
    config.session_store = Some(Arc::new(MemoryServerSessionStore::new(
        10_000,
        Duration::from_secs(600),
    )));
    config
}

type Store = MemoryClientSessionStore;

fn client_config(
    store: Option<Arc<Store>>,
    version: ProtocolVersion,
    suite: CipherSuite,
) -> Arc<ClientConfig> {
    let mut roots = RootStore::new();
    for der in lucid_blocking::load_pem_certs(&testdata("pki/root.pem")).unwrap() {
        roots.add_der(&der).unwrap();
    }
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    c.min_version = ProtocolVersion::TLSV1_0;
    c.max_version = version;
    c.cipher_suites = vec![suite];
    c.session_store = store.map(|s| s as Arc<dyn ClientSessionStore>);
    Arc::new(c)
}

// ---- the client side: one mio loop driving many lucid clients ----

const PAYLOAD: usize = 64 * 1024;

struct Client {
    tls: TlsStream<ClientConnection>,
    sent: usize,
    received: Vec<u8>,
    seed: u8,
    done: bool,
    resumed: bool,
}

fn payload(seed: u8) -> Vec<u8> {
    (0..PAYLOAD)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

struct RoundResult {
    ok: usize,
    resumed: usize,
    elapsed: Duration,
}

fn run_clients(addr: SocketAddr, n: usize, configs: &[Arc<ClientConfig>]) -> RoundResult {
    let mut poll = Poll::new().unwrap();
    let mut rng = lucid_blocking::os_rng();
    let mut clients = HashMap::new();
    let start = Instant::now();
    let payloads: Vec<Vec<u8>> = (0..=255u8).map(payload).collect();
    for i in 0..n {
        let config = configs[i % configs.len()].clone();
        let conn = ClientConnection::new(
            config,
            ServerName::try_from("localhost").unwrap(),
            UnixTime::now(),
            &mut rng,
        )
        .unwrap();
        let sock = TcpStream::connect(addr).unwrap();
        let mut tls = TlsStream::new(conn, sock);
        let interest = tls.interest() | mio::Interest::WRITABLE;
        poll.registry()
            .register(&mut tls, Token(i), interest)
            .unwrap();
        clients.insert(
            Token(i),
            Client {
                tls,
                sent: 0,
                received: Vec::with_capacity(PAYLOAD),
                seed: i as u8,
                done: false,
                resumed: false,
            },
        );
    }
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 16384];
    let mut finished = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while finished < n {
        assert!(
            Instant::now() < deadline,
            "load round timed out: {finished}/{n} done"
        );
        poll.poll(&mut events, Some(Duration::from_millis(200)))
            .unwrap();
        for ev in events.iter() {
            let token = ev.token();
            let Some(c) = clients.get_mut(&token) else {
                continue;
            };
            if c.done {
                continue;
            }
            let data = &payloads[c.seed as usize];
            loop {
                // A handshake that completes inside `read` makes the socket usable for
                // data without any new readiness edge: loop again when that happens.
                let was_handshaking = c.tls.is_handshaking();
                let mut progress = false;
                if !c.tls.is_handshaking() && c.sent < PAYLOAD {
                    match c.tls.write(&data[c.sent..]) {
                        Ok(k) => {
                            c.sent += k;
                            progress |= k > 0;
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => panic!("client {} write: {e}", token.0),
                    }
                }
                match c.tls.read(&mut buf) {
                    Ok(0) => panic!("client {}: server closed early", token.0),
                    Ok(k) => {
                        c.received.extend_from_slice(&buf[..k]);
                        progress = true;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("client {} read: {e}", token.0),
                }
                let _ = c.tls.flush();
                if c.received.len() >= PAYLOAD {
                    assert_eq!(
                        &c.received[..],
                        &data[..],
                        "client {}: echo differs",
                        token.0
                    );
                    c.resumed = c.tls.conn().negotiated().is_some_and(|n| n.resumed);
                    c.tls.close().unwrap();
                    c.done = true;
                    finished += 1;
                    break;
                }
                if !progress && was_handshaking == c.tls.is_handshaking() {
                    break;
                }
            }
            if !c.done {
                c.tls.update_interest(poll.registry(), token).unwrap();
            }
        }
    }
    let elapsed = start.elapsed();
    let resumed = clients.values().filter(|c| c.resumed).count();
    for (_, mut c) in clients {
        let _ = poll.registry().deregister(&mut c.tls);
    }
    RoundResult {
        ok: finished,
        resumed,
        elapsed,
    }
}

fn misbehave(addr: SocketAddr) -> Vec<std::net::TcpStream> {
    use std::net::TcpStream as Std;
    let mut held = Vec::new();
    // silent: connects and never speaks (dropped by the idle timeout)
    for _ in 0..20 {
        held.push(Std::connect(addr).unwrap());
    }
    // garbage
    for _ in 0..20 {
        let mut s = Std::connect(addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        held.push(s);
    }
    // stuck mid-record: a handshake header announcing more than is sent
    for _ in 0..20 {
        let mut s = Std::connect(addr).unwrap();
        s.write_all(&[22, 3, 1, 0x40, 0x00, 1, 0, 0]).unwrap();
        held.push(s);
    }
    // reset: connect, send half a record, close at once
    for _ in 0..20 {
        let mut s = Std::connect(addr).unwrap();
        let _ = s.write_all(&[22, 3, 1, 0, 10, 1]);
        drop(s);
    }
    held
}

/// Opens `n` client connections and completes their handshakes without sending data;
/// returns them still open (idle).
fn idle_clients(
    addr: SocketAddr,
    n: usize,
    config: &Arc<ClientConfig>,
) -> (Poll, Vec<TlsStream<ClientConnection>>) {
    let mut poll = Poll::new().unwrap();
    let mut rng = lucid_blocking::os_rng();
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let conn = ClientConnection::new(
            config.clone(),
            ServerName::try_from("localhost").unwrap(),
            UnixTime::now(),
            &mut rng,
        )
        .unwrap();
        let mut tls = TlsStream::new(conn, TcpStream::connect(addr).unwrap());
        let interest = tls.interest() | mio::Interest::WRITABLE;
        poll.registry()
            .register(&mut tls, Token(i), interest)
            .unwrap();
        clients.push(tls);
    }
    let mut events = Events::with_capacity(1024);
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + Duration::from_secs(300);
    while clients.iter().any(|c| c.is_handshaking()) {
        assert!(Instant::now() < deadline, "idle handshakes timed out");
        poll.poll(&mut events, Some(Duration::from_millis(200)))
            .unwrap();
        for ev in events.iter() {
            let c = &mut clients[ev.token().0];
            match c.read(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                other => panic!("idle client: unexpected {other:?}"),
            }
            let _ = c.flush();
            c.update_interest(poll.registry(), ev.token()).unwrap();
        }
    }
    (poll, clients)
}

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    heap: Arc<AtomicIsize>,
    thread: std::thread::JoinHandle<echo::Stats>,
}

fn start_server(idle_timeout: Duration) -> Server {
    let listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Arc::new(server_config());
    let stop = Arc::new(AtomicBool::new(false));
    let heap = Arc::new(AtomicIsize::new(0));
    let thread = {
        let stop = stop.clone();
        let heap = heap.clone();
        std::thread::spawn(move || {
            let opts = echo::Opts {
                idle_timeout,
                verbose: std::env::var_os("LUCID_LOAD_VERBOSE").is_some(),
            };
            let base = alloc::thread_current();
            let stats = echo::serve(listener, config, &opts, &stop).unwrap();
            heap.store(alloc::thread_current() - base, Ordering::Relaxed);
            stats
        })
    };
    Server {
        addr,
        stop,
        heap,
        thread,
    }
}

impl Server {
    fn stop(self) -> (echo::Stats, isize) {
        self.stop.store(true, Ordering::Relaxed);
        let stats = self.thread.join().unwrap();
        (stats, self.heap.load(Ordering::Relaxed))
    }
}

#[test]
fn thousands_of_clients_full_and_resumed_and_misbehaving_ones() {
    let n: usize = std::env::var("LUCID_LOAD_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let fds_before = open_fds();
    let heap_before = alloc::current();
    let suites = [
        (
            ProtocolVersion::TLSV1_0,
            CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        ),
        (
            ProtocolVersion::TLSV1_1,
            CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
        ),
        (
            ProtocolVersion::TLSV1_2,
            CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
        ),
        (
            ProtocolVersion::TLSV1_2,
            CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        ),
    ];
    let full: Vec<_> = suites
        .iter()
        .map(|(ver, s)| client_config(None, *ver, *s))
        .collect();

    // Phase A: misbehaving clients (silent, garbage, stuck mid-record, reset) next to good
    // ones, with a short idle timeout: the bad ones are dropped, the good ones all served.
    // The timeout leaves a good client room to wait its turn on a loaded machine (at 1 s,
    // a starved client thread was itself dropped as idle on a busy 2-core host).
    let server = start_server(Duration::from_secs(3));
    let bad = misbehave(server.addr);
    let good = run_clients(server.addr, 50, &full);
    assert_eq!(good.ok, 50);
    std::thread::sleep(Duration::from_millis(6500));
    drop(bad);
    std::thread::sleep(Duration::from_millis(300));
    let (bad_stats, bad_heap) = server.stop();
    assert_eq!(bad_stats.handshakes, 50, "{bad_stats:?}");
    assert_eq!(bad_stats.clean_closes, 50, "{bad_stats:?}");
    assert!(
        bad_stats.errors + bad_stats.timeouts >= 60,
        "misbehaving clients not dropped: {bad_stats:?}"
    );

    // Phase B: the load. The idle timeout is generous: one thread serves everyone, and a
    // client may wait its turn while thousands of RSA decryptions run.
    let server = start_server(Duration::from_secs(120));
    let addr = server.addr;
    // Round 1: full handshakes, every version and suite.
    let r1 = run_clients(addr, n, &full);
    assert_eq!(r1.ok, n);
    assert_eq!(r1.resumed, 0);
    // Round 2: half the clients resume a session (one shared store seeded by a first
    // connection), half do a full handshake.
    let store = Arc::new(Store::new(16));
    let resuming = client_config(
        Some(store.clone()),
        ProtocolVersion::TLSV1_2,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    );
    let seeded = run_clients(addr, 1, std::slice::from_ref(&resuming));
    assert_eq!(seeded.ok, 1);
    assert!(store.get("localhost").is_some(), "no session stored");
    let fresh = client_config(
        None,
        ProtocolVersion::TLSV1_2,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    );
    let r2 = run_clients(addr, n, &[resuming, fresh]);
    assert_eq!(r2.ok, n);
    assert_eq!(
        r2.resumed,
        n / 2 + n % 2,
        "half the clients should have resumed"
    );
    // Round 3: idle established connections, to measure what each one holds. Client and
    // server live in this one process, so the heap delta covers both ends of each.
    let idle_n = (n / 4).max(1);
    std::thread::sleep(Duration::from_millis(300));
    let live_before_idle = alloc::current();
    let (idle_poll, idle) = idle_clients(addr, idle_n, &full[3]);
    std::thread::sleep(Duration::from_millis(500));
    let idle_pair_bytes = (alloc::current() - live_before_idle) / idle_n as isize;
    for mut c in idle {
        let _ = c.close();
        let _ = idle_poll.registry().deregister(&mut c);
    }
    drop(idle_poll);
    std::thread::sleep(Duration::from_millis(500));
    let (stats, server_heap) = server.stop();
    let peak = alloc::peak();
    assert_eq!(
        stats.handshakes,
        2 * n as u64 + 1 + idle_n as u64,
        "{stats:?}"
    );
    assert_eq!(stats.resumed as usize, r2.resumed, "{stats:?}");
    assert_eq!(stats.errors + stats.timeouts, 0, "{stats:?}");

    // No leaks: descriptors back to where they were, and each server thread's heap
    // balance near zero once it has dropped every connection.
    std::thread::sleep(Duration::from_millis(200));
    let fds_after = open_fds();
    let heap_after = alloc::current();
    let summary = format!(
        "load: {n} concurrent clients per round, one server thread, TLS 1.0-1.2 mixed\n\
         round 1 (full handshakes + 64 KiB echo): {:>6.0} conn/s ({} in {:.2?})\n\
         round 2 (50% resumed + 64 KiB echo):     {:>6.0} conn/s ({} in {:.2?}, {} resumed)\n\
         server: {stats:?}\n\
         misbehaving phase: {bad_stats:?}\n\
         idle established connection (client + server ends): {idle_pair_bytes} bytes \
         for {idle_n} connections\n\
         peak heap (clients + server in one process): {:.1} MiB\n\
         server thread heap balance after all closed: {server_heap} / {bad_heap} bytes\n\
         process heap before/after: {heap_before}/{heap_after} bytes\n\
         fds before/after: {fds_before}/{fds_after}\n",
        r1.ok as f64 / r1.elapsed.as_secs_f64(),
        r1.ok,
        r1.elapsed,
        r2.ok as f64 / r2.elapsed.as_secs_f64(),
        r2.ok,
        r2.elapsed,
        r2.resumed,
        peak as f64 / (1024.0 * 1024.0),
    );
    println!("{summary}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/interop");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("mio-load.txt"), &summary);
    assert_eq!(fds_after, fds_before, "file descriptors leaked");
    assert!(
        server_heap.abs() < 64 * 1024,
        "server heap not released: {server_heap}"
    );
    assert!(
        bad_heap.abs() < 64 * 1024,
        "server heap not released: {bad_heap}"
    );
}
