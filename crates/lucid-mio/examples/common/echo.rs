//! The echo server's event loop, shared by `examples/echo_server.rs` and the load test.
//!
//! One thread, one `mio::Poll`, one [`TlsStream`] per client. Every event drains reads until
//! `WouldBlock`, echoes what arrived, and re-registers with the interest lucid needs. Idle
//! clients (connected but silent, or stuck mid-record) are dropped after `idle_timeout`.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lucid_core::{ServerConfig, ServerConnection};
use lucid_mio::TlsStream;
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(usize::MAX);

/// Most bytes read but not yet echoed per client; reading pauses above it.
const MAX_PENDING_ECHO: usize = 256 * 1024;

/// What the loop did, for logs and the load test.
#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    /// Connections accepted.
    pub(crate) accepted: u64,
    /// Handshakes completed.
    pub(crate) handshakes: u64,
    /// Of which abbreviated (session resumed).
    pub(crate) resumed: u64,
    /// Connections closed after the peer's close_notify.
    pub(crate) clean_closes: u64,
    /// Connections dropped for a TLS or I/O error.
    pub(crate) errors: u64,
    /// Connections dropped for being idle too long.
    pub(crate) timeouts: u64,
    /// Most connections open at once.
    pub(crate) peak_open: usize,
    /// Bytes echoed.
    pub(crate) echoed: u64,
}

struct Client {
    tls: TlsStream<ServerConnection>,
    pending: Vec<u8>,
    last_active: Instant,
    counted_handshake: bool,
}

/// Options of the loop.
#[derive(Debug, Clone)]
pub(crate) struct Opts {
    /// Drop clients silent for this long.
    pub(crate) idle_timeout: Duration,
    /// Print one line per connection to stderr.
    pub(crate) verbose: bool,
}

enum Outcome {
    Open,
    Closed,
    Failed(io::Error),
}

fn count_handshake(client: &mut Client, stats: &mut Stats) {
    if !client.counted_handshake && !client.tls.is_handshaking() {
        client.counted_handshake = true;
        stats.handshakes += 1;
        if client.tls.conn().negotiated().is_some_and(|n| n.resumed) {
            stats.resumed += 1;
        }
    }
}

fn drive(client: &mut Client, buf: &mut [u8], stats: &mut Stats) -> Outcome {
    loop {
        // Echo what we hold first (frees room), then read more.
        while !client.pending.is_empty() {
            match client.tls.write(&client.pending) {
                Ok(n) => {
                    client.pending.drain(..n);
                    stats.echoed += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Outcome::Failed(e),
            }
        }
        if client.pending.len() >= MAX_PENDING_ECHO {
            return Outcome::Open;
        }
        match client.tls.read(buf) {
            Ok(0) => {
                // close_notify from the client: answer it and go.
                count_handshake(client, stats);
                let _ = client.tls.close();
                return Outcome::Closed;
            }
            Ok(n) => {
                client.last_active = Instant::now();
                client.pending.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                count_handshake(client, stats);
                if client.pending.is_empty() {
                    return match client.tls.flush() {
                        Ok(()) => Outcome::Open,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => Outcome::Open,
                        Err(e) => Outcome::Failed(e),
                    };
                }
                // Something to echo and the socket may have room: try once more.
                let before = client.pending.len();
                match client.tls.write(&client.pending) {
                    Ok(n) => {
                        client.pending.drain(..n);
                        stats.echoed += n as u64;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Outcome::Open,
                    Err(e) => return Outcome::Failed(e),
                }
                if client.pending.len() == before {
                    return Outcome::Open;
                }
            }
            Err(e) => return Outcome::Failed(e),
        }
    }
}

/// Serves TLS echo on `listener` until `stop` is set.
pub(crate) fn serve(
    mut listener: TcpListener,
    config: Arc<ServerConfig>,
    opts: &Opts,
    stop: &AtomicBool,
) -> io::Result<Stats> {
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(1024);
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next = 0usize;
    let mut stats = Stats::default();
    let mut buf = vec![0u8; 16 * 1024];
    let mut last_sweep = Instant::now();

    while !stop.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(100)))?;
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((sock, peer)) => {
                            let conn = match ServerConnection::new(config.clone()) {
                                Ok(c) => c,
                                Err(e) => {
                                    eprintln!("echo: cannot start a connection: {e}");
                                    continue;
                                }
                            };
                            let token = Token(next);
                            next = next.wrapping_add(1) % (usize::MAX - 1);
                            let mut tls = TlsStream::new(conn, sock);
                            let interest = tls.interest();
                            poll.registry().register(&mut tls, token, interest)?;
                            clients.insert(
                                token,
                                Client {
                                    tls,
                                    pending: Vec::new(),
                                    last_active: Instant::now(),
                                    counted_handshake: false,
                                },
                            );
                            stats.accepted += 1;
                            stats.peak_open = stats.peak_open.max(clients.len());
                            if opts.verbose {
                                eprintln!("echo: {peer} connected");
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => {
                            // EMFILE and friends: keep serving the others.
                            eprintln!("echo: accept: {e}");
                            break;
                        }
                    }
                }
                continue;
            }
            let token = event.token();
            let Some(client) = clients.get_mut(&token) else {
                continue;
            };
            client.last_active = Instant::now();
            let outcome = drive(client, &mut buf, &mut stats);
            let outcome = match outcome {
                Outcome::Open => match client.tls.update_interest(poll.registry(), token) {
                    Ok(()) => Outcome::Open,
                    Err(e) => Outcome::Failed(e),
                },
                other => other,
            };
            match outcome {
                Outcome::Open => {}
                Outcome::Closed => {
                    stats.clean_closes += 1;
                    if let Some(mut c) = clients.remove(&token) {
                        let _ = poll.registry().deregister(&mut c.tls);
                    }
                }
                Outcome::Failed(e) => {
                    stats.errors += 1;
                    if opts.verbose {
                        eprintln!("echo: connection dropped: {e}");
                    }
                    if let Some(mut c) = clients.remove(&token) {
                        // The alert lucid queued goes out if the socket takes it.
                        let _ = c.tls.flush();
                        let _ = poll.registry().deregister(&mut c.tls);
                    }
                }
            }
        }
        if last_sweep.elapsed() >= Duration::from_millis(250) {
            last_sweep = Instant::now();
            let now = Instant::now();
            let idle: Vec<Token> = clients
                .iter()
                .filter(|(_, c)| now.duration_since(c.last_active) > opts.idle_timeout)
                .map(|(t, _)| *t)
                .collect();
            for token in idle {
                if let Some(mut c) = clients.remove(&token) {
                    stats.timeouts += 1;
                    if opts.verbose {
                        eprintln!(
                            "echo: idle for {:?}, dropped (handshaking: {})",
                            opts.idle_timeout,
                            c.tls.is_handshaking()
                        );
                    }
                    let _ = poll.registry().deregister(&mut c.tls);
                }
            }
        }
    }
    Ok(stats)
}
