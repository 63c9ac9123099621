//! lucid's side of every cell: a client pinned to one cell, and a long-lived server per
//! certificate that records what it negotiated on each connection.

use core::net::SocketAddr;
use core::time::Duration;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lucid_blocking::Stream;
use lucid_blocking::server::{
    MemoryClientSessionStore, MemoryServerSessionStore, accept, load_certified_key,
};
use lucid_core::{
    ClientConfig, ClientConnection, NamedGroup, Negotiated, RootStore, ServerConfig, WebPkiVerifier,
};
use rustls_pki_types::ServerName;

use crate::{Cell, Cert, REQUEST, V10, V12, common, ecdhe_suites, expect};

// ---------------------------------------------------------------- client

/// A client for exactly the cell's version and suite, offering `groups` (the cell's
/// [`Cell::offer`] unless a section says otherwise), trusting the cell's root.
pub(crate) fn client_config(
    cell: &Cell,
    groups: &[NamedGroup],
    store: Option<&Arc<MemoryClientSessionStore>>,
) -> Arc<ClientConfig> {
    let mut roots = RootStore::new();
    let pem = fs::read(cell.cert.root()).unwrap();
    assert_eq!(roots.add_pem(&pem).expect("root parses"), 1);
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    c.min_version = cell.version;
    c.max_version = cell.version;
    c.cipher_suites = vec![cell.suite.suite];
    c.groups = groups.to_vec();
    if let Some(store) = store {
        c.session_store = Some(store.clone());
    }
    Arc::new(c)
}

/// What one lucid client connection produced.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) negotiated: Negotiated,
    /// The response, lossily decoded.
    pub(crate) page: String,
    /// The client's TCP port (peers that log connections name it).
    pub(crate) local_port: u16,
}

/// One lucid client connection: handshake, request, read to the end.
pub(crate) fn fetch(addr: SocketAddr, config: Arc<ClientConfig>) -> Result<Fetched, String> {
    let sock = common::tcp(addr).map_err(|e| format!("TCP connect: {e}"))?;
    let local_port = sock.local_addr().map_or(0, |a| a.port());
    let mut rng = lucid_blocking::os_rng();
    let conn = ClientConnection::new(
        config,
        ServerName::try_from("localhost").unwrap(),
        lucid_blocking::now(),
        &mut rng,
    )
    .map_err(|e| format!("lucid: {e}"))?;
    let mut stream = Stream::new(conn, sock);
    let tls = |e: std::io::Error| match lucid_blocking::tls_error(&e) {
        Some(tls) => format!("lucid: {tls}"),
        None => format!("lucid: I/O: {e}"),
    };
    stream.complete_handshake().map_err(tls)?;
    let negotiated = stream.conn().negotiated().cloned().unwrap();
    common::send(&mut stream, REQUEST).map_err(tls)?;
    let (response, end) = common::read_all(&mut stream);
    let _ = stream.close();
    if let common::End::Error(e) = end {
        return Err(format!("reading the response: {e}"));
    }
    Ok(Fetched {
        negotiated,
        page: String::from_utf8_lossy(&response).into_owned(),
        local_port,
    })
}

/// lucid's view of a full handshake: the cell's version, suite and group.
pub(crate) fn check_full(n: &Negotiated, cell: &Cell) -> Result<(), String> {
    if n.version != cell.version
        || n.suite != cell.suite.suite
        || n.group != Some(cell.group)
        || n.resumed
    {
        return Err(format!(
            "lucid negotiated {} {} group {:?} resumed={}",
            n.version, n.suite, n.group, n.resumed
        ));
    }
    Ok(())
}

/// lucid's view of an abbreviated handshake: the cell's version and suite, resumed, and no
/// group (no key exchange ran).
pub(crate) fn check_resumed(n: &Negotiated, cell: &Cell) -> Result<(), String> {
    if n.version != cell.version || n.suite != cell.suite.suite || !n.resumed || n.group.is_some() {
        return Err(format!(
            "lucid negotiated {} {} group {:?} resumed={} (wanted a resumption)",
            n.version, n.suite, n.group, n.resumed
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- server

/// What lucid's server saw on one connection.
#[derive(Debug)]
pub(crate) struct Served {
    /// The connection's place in the order the server accepted them.
    seq: usize,
    /// The client's TCP port.
    pub(crate) peer_port: u16,
    pub(crate) result: Result<Negotiated, String>,
}

/// An in-process lucid server on a fresh 127.0.0.1 port holding one certificate (or one
/// of each key type): TLS 1.0–1.2, every ECDHE suite (it picks those a chain serves),
/// lucid's default groups, a session cache. Each connection: handshake, read the request,
/// answer with a one-line page naming what was negotiated, close. The listener lives as
/// long as the test binary.
#[derive(Debug)]
pub(crate) struct LucidServer {
    pub(crate) certs: Vec<Cert>,
    pub(crate) addr: SocketAddr,
    served: Arc<Mutex<Vec<Served>>>,
}

impl LucidServer {
    pub(crate) fn start(certs: &[Cert]) -> Self {
        let keys = certs
            .iter()
            .map(|c| load_certified_key(&c.chain(), &c.key()).unwrap())
            .collect();
        let mut config = ServerConfig::with_certified_keys(keys);
        config.min_version = V10;
        config.max_version = V12;
        config.cipher_suites = ecdhe_suites().map(|p| p.suite).collect();
        config.session_store = Some(Arc::new(MemoryServerSessionStore::default()));
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(Mutex::new(Vec::new()));
        let log = served.clone();
        std::thread::spawn(move || {
            for (seq, sock) in listener.incoming().enumerate() {
                let Ok(sock) = sock else { continue };
                let (config, log) = (config.clone(), log.clone());
                std::thread::spawn(move || {
                    let peer_port = sock.peer_addr().map_or(0, |a| a.port());
                    let result = serve_one(config, sock);
                    log.lock().unwrap().push(Served {
                        seq,
                        peer_port,
                        result,
                    });
                });
            }
        });
        Self {
            certs: certs.to_vec(),
            addr,
            served,
        }
    }

    /// One server per certificate.
    pub(crate) fn start_all() -> Vec<Self> {
        Cert::ALL.into_iter().map(|c| Self::start(&[c])).collect()
    }

    /// The server in `servers` holding just `cert`.
    pub(crate) fn of(servers: &[Self], cert: Cert) -> &Self {
        servers.iter().find(|s| s.certs == [cert]).unwrap()
    }

    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits until `n` connections have finished since the last call (at most a few
    /// seconds: a peer that failed may never have connected) and takes them all, in the
    /// order they were accepted.
    pub(crate) fn take(&self, n: usize) -> Vec<Served> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.served.lock().unwrap().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut served = core::mem::take(&mut *self.served.lock().unwrap());
        served.sort_by_key(|s| s.seq);
        served
    }

    /// lucid's verdict on a cell whose peer made one full handshake.
    pub(crate) fn check_one_full(&self, cell: &Cell) -> Result<(), String> {
        match self.take(1).as_slice() {
            [one] => one
                .result
                .as_ref()
                .map_err(|e| format!("lucid: {e}"))
                .and_then(|n| check_full(n, cell)),
            [] => Err("lucid's server saw no connection".into()),
            many => Err(format!("lucid's server saw {} connections", many.len())),
        }
    }

    /// lucid's verdict on a cell whose peer made a full handshake, then resumed it.
    pub(crate) fn check_full_then_resumed(&self, cell: &Cell) -> Result<(), String> {
        match self.take(2).as_slice() {
            [first, second] => {
                let first = first
                    .result
                    .as_ref()
                    .map_err(|e| format!("lucid, first: {e}"))?;
                check_full(first, cell).map_err(|e| format!("first: {e}"))?;
                let second = second
                    .result
                    .as_ref()
                    .map_err(|e| format!("lucid, second: {e}"))?;
                check_resumed(second, cell).map_err(|e| format!("second: {e}"))
            }
            other => Err(format!(
                "lucid's server saw {} connections, wanted 2",
                other.len()
            )),
        }
    }

    /// lucid's record of the connection from `port`, if it has ended.
    pub(crate) fn take_port(&self, port: u16) -> Option<Result<Negotiated, String>> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            {
                let mut served = self.served.lock().unwrap();
                if let Some(i) = served.iter().position(|s| s.peer_port == port) {
                    return Some(served.swap_remove(i).result);
                }
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn serve_one(config: Arc<ServerConfig>, sock: TcpStream) -> Result<Negotiated, String> {
    let timeout = Some(Duration::from_secs(10));
    sock.set_read_timeout(timeout).map_err(|e| e.to_string())?;
    sock.set_write_timeout(timeout).map_err(|e| e.to_string())?;
    let mut stream = accept(config, sock).map_err(|e| format!("handshake: {e}"))?;
    let n = stream.conn().negotiated().cloned().ok_or("no parameters")?;
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(k) if k > 0 && request.len() < 16384 => request.extend_from_slice(&buf[..k]),
            // A client that hangs up after its handshake (gnutls-cli --resume's first
            // connection) still counts as served.
            _ => return Ok(n),
        }
    }
    let page = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\
         lucid ecdhe: {} {} group={} resumed={}\n",
        n.version,
        n.suite,
        n.group.map_or("-".to_string(), |g| g.to_string()),
        n.resumed
    );
    stream
        .write_all(page.as_bytes())
        .map_err(|e| format!("writing the page: {e}"))?;
    let _ = stream.close();
    Ok(n)
}

/// The page lucid's server sends, as the client must have printed it.
pub(crate) fn check_lucid_page(out: &str, cell: &Cell, resumed: bool) -> Result<(), String> {
    expect(out, "HTTP/1.0 200 OK\r\n", "HTTP status")?;
    let group = if resumed {
        "-".to_string()
    } else {
        cell.group.to_string()
    };
    let line = format!(
        "lucid ecdhe: {} {} group={group} resumed={resumed}\n",
        cell.version, cell.suite.suite
    );
    expect(out, &line, "lucid's page")
}
