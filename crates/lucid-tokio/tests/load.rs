//! Load test: thousands of concurrent lucid-tokio clients on one current-thread runtime
//! against a lucid-tokio echo server on another (its own thread), each client doing a full
//! handshake, a 64 KiB echo checked byte for byte and a close_notify exchange; and
//! misbehaving clients (silent, garbage, stuck mid-record, reset mid-handshake) beside good
//! ones, which the server's per-connection handshake timeout drops without stalling anyone.
//!
//! Sizes: `LUCID_LOAD_CLIENTS` (default 2000) clients. TLS 1.2 with
//! TLS_RSA_WITH_AES_128_CBC_SHA keeps the debug-build run short. Every phase is bounded by a
//! timeout; the figures are printed and written to `target/interop/tokio-load.txt`.

#[path = "../examples/common/https.rs"]
#[allow(dead_code, reason = "only the configs are used here")]
mod https;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lucid_core::pki_types::{ServerName, UnixTime};
use lucid_core::{CipherSuite, ClientConfig, ClientConnection, ProtocolVersion};
use lucid_test_support::peers::{out_dir, pki};
use lucid_tokio::{TlsAcceptor, TlsConnector};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

const PAYLOAD: usize = 64 * 1024;

/// What the server saw.
#[derive(Debug, Default)]
struct Stats {
    accepted: AtomicU64,
    handshakes: AtomicU64,
    handshake_errors: AtomicU64,
    handshake_timeouts: AtomicU64,
    clean_closes: AtomicU64,
    echo_errors: AtomicU64,
    echoed: AtomicU64,
    /// CPU time of the server thread, in clock ticks.
    cpu_ticks: AtomicU64,
}

impl Stats {
    fn get(&self, f: impl Fn(&Self) -> &AtomicU64) -> u64 {
        f(self).load(Ordering::Relaxed)
    }

    fn summary(&self) -> String {
        format!(
            "accepted {}, handshakes {}, handshake errors {}, handshake timeouts {}, clean \
             closes {}, echo errors {}, echoed {} bytes",
            self.get(|s| &s.accepted),
            self.get(|s| &s.handshakes),
            self.get(|s| &s.handshake_errors),
            self.get(|s| &s.handshake_timeouts),
            self.get(|s| &s.clean_closes),
            self.get(|s| &s.echo_errors),
            self.get(|s| &s.echoed),
        )
    }
}

fn bump(c: &AtomicU64, by: u64) {
    c.fetch_add(by, Ordering::Relaxed);
}

/// The echo server: one current-thread runtime on its own thread, one task per connection;
/// a handshake must finish within `handshake_timeout`. Echoes until the client's
/// close_notify, then answers with its own.
struct Server {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn start_server(handshake_timeout: Duration) -> Server {
    let stats = Arc::new(Stats::default());
    let acceptor =
        TlsAcceptor::from(https::server_config(&pki("chain.pem"), &pki("leaf.key")).unwrap());
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound, addr) = std::sync::mpsc::channel();
    let thread = {
        let stats = stats.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let socket = TcpSocket::new_v4().unwrap();
                socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
                // Room for every client connecting at once.
                let listener = socket.listen(4096).unwrap();
                bound.send(listener.local_addr().unwrap()).unwrap();
                let mut conns = JoinSet::new();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((tcp, _)) = accepted else { continue };
                            bump(&stats.accepted, 1);
                            conns.spawn(serve_one(tcp, acceptor.clone(), handshake_timeout, stats.clone()));
                        }
                        Some(_) = conns.join_next(), if !conns.is_empty() => {}
                    }
                }
                // Whatever is still open (silent peers) is dropped here.
                conns.shutdown().await;
                bump(&stats.cpu_ticks, thread_cpu_ticks());
            });
        })
    };
    Server {
        addr: addr.recv().unwrap(),
        stats,
        stop: Some(stop),
        thread: Some(thread),
    }
}

impl Server {
    fn stop(mut self) -> Arc<Stats> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.stats.clone()
    }
}

async fn serve_one(tcp: TcpStream, acceptor: TlsAcceptor, limit: Duration, stats: Arc<Stats>) {
    let _ = tcp.set_nodelay(true);
    let mut tls = match tokio::time::timeout(limit, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(_)) => return bump(&stats.handshake_errors, 1),
        Err(_) => return bump(&stats.handshake_timeouts, 1),
    };
    bump(&stats.handshakes, 1);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf).await {
            Ok(0) => {
                // The client's close_notify: answer with ours.
                if tls.shutdown().await.is_ok() {
                    bump(&stats.clean_closes, 1);
                } else {
                    bump(&stats.echo_errors, 1);
                }
                return;
            }
            Ok(n) => {
                if tls.write_all(&buf[..n]).await.is_err() || tls.flush().await.is_err() {
                    return bump(&stats.echo_errors, 1);
                }
                bump(&stats.echoed, n as u64);
            }
            Err(_) => return bump(&stats.echo_errors, 1),
        }
    }
}

fn client_config() -> Arc<ClientConfig> {
    let mut c = (*https::client_config(Some(&pki("root.pem"))).unwrap()).clone();
    c.max_version = ProtocolVersion::TLSV1_2;
    c.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA];
    Arc::new(c)
}

fn payload(seed: u32) -> Vec<u8> {
    (0..PAYLOAD as u32)
        .map(|i| (i.wrapping_mul(31) ^ seed.wrapping_mul(2_654_435_761) ^ (i >> 9)) as u8)
        .collect()
}

/// One good client: handshake, 64 KiB written and read back concurrently, compared byte
/// for byte, then close_notify both ways.
async fn good_client(addr: SocketAddr, connector: TlsConnector, seed: u32) -> Result<(), String> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let data = payload(seed);
    let (mut rd, mut wr) = tokio::io::split(tls);
    let send = async {
        wr.write_all(&data).await?;
        wr.flush().await
    };
    let mut back = vec![0u8; PAYLOAD];
    let recv = rd.read_exact(&mut back);
    let (sent, got) = tokio::join!(send, recv);
    sent.map_err(|e| format!("write: {e}"))?;
    got.map_err(|e| format!("read: {e}"))?;
    if back != data {
        let at = back.iter().zip(&data).position(|(a, b)| a != b);
        return Err(format!("echo differs at byte {at:?}"));
    }
    wr.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    let mut rest = Vec::new();
    rd.read_to_end(&mut rest)
        .await
        .map_err(|e| format!("end: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the echo", rest.len()));
    }
    Ok(())
}

/// Runs `n` good clients at once on this (current-thread) runtime; returns the errors and
/// the elapsed time.
async fn run_clients(addr: SocketAddr, n: usize, limit: Duration) -> (Vec<String>, Duration) {
    let connector = TlsConnector::from(client_config());
    let start = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(good_client(addr, connector.clone(), i as u32));
    }
    let mut errors = Vec::new();
    let all = async {
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e),
                Err(e) => errors.push(format!("task: {e}")),
            }
        }
    };
    let finished = tokio::time::timeout(limit, all).await;
    assert!(
        finished.is_ok(),
        "clients did not finish within {limit:?} ({} errors so far)",
        errors.len()
    );
    (errors, start.elapsed())
}

/// Misbehaving clients: silent, garbage, stuck mid-record, reset mid-handshake. Returns the
/// connections kept open.
async fn misbehave(addr: SocketAddr, each: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    // silent: connects and never speaks (the handshake timeout drops it)
    for _ in 0..each {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // garbage: an HTTP request on the TLS port
    for _ in 0..each {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    // stuck mid-record: a handshake header announcing more than is sent
    for _ in 0..each {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&[22, 3, 1, 0x40, 0x00, 1, 0, 0]).await.unwrap();
        held.push(s);
    }
    // reset mid-handshake: a real ClientHello, the start of the server's flight read, then
    // an RST (linger 0)
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    for _ in 0..each {
        let conn = ClientConnection::new(
            client_config(),
            ServerName::try_from("localhost").unwrap(),
            UnixTime::now(),
            &mut rng,
        )
        .unwrap();
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(conn.pending_tls()).await.unwrap();
        let mut first = [0u8; 5];
        let _ = s.read_exact(&mut first).await;
        #[allow(deprecated, reason = "an RST is exactly what this peer is for")]
        let _ = s.set_linger(Some(Duration::ZERO));
        drop(s);
    }
    held
}

/// This thread's user + system CPU time in clock ticks (Linux `/proc/thread-self/stat`).
fn thread_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

fn nofile_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[tokio::test(flavor = "current_thread")]
async fn thousands_of_clients_and_misbehaving_ones() {
    let n: usize = std::env::var("LUCID_LOAD_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    if let Some(limit) = nofile_limit() {
        // Both ends of every connection live in this process.
        assert!(
            limit >= 2 * n as u64 + 64,
            "RLIMIT_NOFILE {limit} too low for {n} clients (raise it with `ulimit -n`)"
        );
    }

    // Phase A: misbehaving clients held open beside 50 good ones, with a short handshake
    // timeout (long enough for 50 queued handshakes on a busy machine): the good ones are
    // all served while the bad ones are still connected, and the bad ones are dropped.
    let bad_timeout = Duration::from_secs(5);
    let server = start_server(bad_timeout);
    let each = 20;
    let bad_start = Instant::now();
    let bad = misbehave(server.addr, each).await;
    let (good_errors, good_elapsed) = run_clients(server.addr, 50, Duration::from_secs(60)).await;
    let timeouts_while_good = server.stats.get(|s| &s.handshake_timeouts);
    assert!(
        good_errors.is_empty(),
        "good clients failed: {good_errors:?}"
    );
    // Let the handshake timeout fire for the silent and stuck ones.
    tokio::time::sleep(bad_timeout + Duration::from_millis(500)).await;
    let bad_elapsed = bad_start.elapsed();
    drop(bad);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let phase_a = server.stop();
    assert_eq!(phase_a.get(|s| &s.handshakes), 50, "{}", phase_a.summary());
    assert_eq!(
        phase_a.get(|s| &s.clean_closes),
        50,
        "{}",
        phase_a.summary()
    );
    assert_eq!(phase_a.get(|s| &s.echo_errors), 0, "{}", phase_a.summary());
    assert_eq!(
        phase_a.get(|s| &s.handshake_timeouts),
        2 * each as u64,
        "silent and stuck clients must time out: {}",
        phase_a.summary()
    );
    assert_eq!(
        phase_a.get(|s| &s.handshake_errors),
        2 * each as u64,
        "garbage and reset clients must fail: {}",
        phase_a.summary()
    );

    // Phase B: the load. The handshake timeout is generous: one server thread serves
    // everyone, and a client may wait its turn behind thousands of RSA decryptions.
    let server = start_server(Duration::from_secs(120));
    let client_cpu_before = thread_cpu_ticks();
    let (errors, elapsed) = run_clients(server.addr, n, Duration::from_secs(240)).await;
    let client_cpu = (thread_cpu_ticks() - client_cpu_before) as f64 / TICKS_PER_SEC;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let phase_b = server.stop();
    let summary = format!(
        "tokio load: {n} concurrent clients on one current-thread runtime, server on another; \
         TLS 1.2 TLS_RSA_WITH_AES_128_CBC_SHA, full handshakes\n\
         full handshake + 64 KiB echo + close_notify: {:.0} conn/s ({n} in {elapsed:.2?}), \
         {} client errors\n\
         CPU per connection: client {:.1} ms, server {:.1} ms (debug build)\n\
         server: {}\n\
         misbehaving phase ({each} each silent/garbage/stuck/reset, {bad_timeout:?} handshake \
         timeout): \
         50 good clients in {good_elapsed:.2?} with {timeouts_while_good} timeouts fired \
         meanwhile, bad ones dropped after {bad_elapsed:.2?}; server: {}\n",
        n as f64 / elapsed.as_secs_f64(),
        errors.len(),
        client_cpu * 1000.0 / n as f64,
        phase_b.get(|s| &s.cpu_ticks) as f64 / TICKS_PER_SEC * 1000.0 / n as f64,
        phase_b.summary(),
        phase_a.summary(),
    );
    println!("{summary}");
    let _ = std::fs::write(out_dir("").join("tokio-load.txt"), &summary);
    assert!(
        errors.is_empty(),
        "{} clients failed, e.g. {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(
        phase_b.get(|s| &s.handshakes),
        n as u64,
        "{}",
        phase_b.summary()
    );
    assert_eq!(
        phase_b.get(|s| &s.clean_closes),
        n as u64,
        "{}",
        phase_b.summary()
    );
    assert_eq!(
        phase_b.get(|s| &s.echoed),
        (n * PAYLOAD) as u64,
        "{}",
        phase_b.summary()
    );
    assert_eq!(
        phase_b.get(|s| &s.handshake_errors)
            + phase_b.get(|s| &s.handshake_timeouts)
            + phase_b.get(|s| &s.echo_errors),
        0,
        "{}",
        phase_b.summary()
    );
}
