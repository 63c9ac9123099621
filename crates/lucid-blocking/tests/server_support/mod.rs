//! Shared by the server interop tests (`interop_server.rs`, `sslyze.rs`): an in-process
//! lucid server on 127.0.0.1 answering like `lucid serve --www`, whose configuration can be
//! swapped between connections, and checks of its page in a peer's output. Finding and
//! running the real peers is `lucid_test_support::peers` (re-exported here).
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset"
)]

use core::net::SocketAddr;
use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use lucid_blocking::server::{
    MemoryServerSessionStore, accept, load_certified_key, session_summary,
};
use lucid_core::ServerConfig;
use lucid_core::internal::msgs::enums::{CipherSuite, ProtocolVersion};
#[allow(unused_imports, reason = "each test binary uses a different subset")]
pub use lucid_test_support::peers::{
    Ran, find_program, missing_peer, out_dir, python, run, tail, testdata, tlslite, venv_bin,
};

pub const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
pub const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
pub const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

/// TLS 1.0..1.2, all suites, EMS and ETM on, a session cache shared by `store`.
pub fn server_config(store: &Arc<MemoryServerSessionStore>) -> ServerConfig {
    let cert = load_certified_key(&testdata("pki/chain.pem"), &testdata("pki/leaf.key")).unwrap();
    let mut c = ServerConfig::new(cert);
    c.min_version = V10;
    c.max_version = V12;
    c.session_store = Some(store.clone());
    c
}

/// What the server saw on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub version: ProtocolVersion,
    pub suite: CipherSuite,
    pub ems: bool,
    pub etm: bool,
    pub resumed: bool,
    pub sni: Option<String>,
    /// The client signalled RFC 5746 (renegotiation_info or the SCSV).
    pub secure_renegotiation: bool,
    /// The client's verified certificate chain (DER, leaf first), when the configuration
    /// asked for one and it sent one (`Negotiated::client_certificates`).
    pub client_certificates: Vec<Vec<u8>>,
    /// The application protocol agreed with ALPN (`Negotiated::alpn_protocol`).
    pub alpn: Option<Vec<u8>>,
    /// The client's TCP port, to tell connections apart.
    pub peer_port: u16,
}

/// The `--www` answer, byte for byte what `lucid serve --www` sends.
pub fn www_page(conn: &lucid_core::ServerConnection) -> String {
    format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\
         lucid serve: this TLS session\n\n{}",
        session_summary(conn)
    )
}

/// An in-process lucid server answering every request with [`www_page`].
pub struct TestServer {
    pub addr: SocketAddr,
    config: Arc<Mutex<Arc<ServerConfig>>>,
    pub served: Arc<Mutex<Vec<Result<Served, String>>>>,
}

impl TestServer {
    pub fn start(config: ServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Arc::new(Mutex::new(Arc::new(config)));
        let served = Arc::new(Mutex::new(Vec::new()));
        let (cfg, log) = (config.clone(), served.clone());
        std::thread::spawn(move || {
            for sock in listener.incoming() {
                let Ok(sock) = sock else { continue };
                let config = cfg.lock().unwrap().clone();
                let log = log.clone();
                std::thread::spawn(move || {
                    let r = serve_one(config, sock);
                    log.lock().unwrap().push(r);
                });
            }
        });
        Self {
            addr,
            config,
            served,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Configuration for the connections accepted from now on.
    pub fn set_config(&self, config: ServerConfig) {
        *self.config.lock().unwrap() = Arc::new(config);
    }

    /// The records of connections finished so far (and forgets them).
    pub fn take_served(&self) -> Vec<Result<Served, String>> {
        core::mem::take(&mut *self.served.lock().unwrap())
    }

    /// Like [`Self::take_served`], but first waits (up to 5 s) until `n` connections are
    /// recorded: a connection is recorded a moment after the client saw it end.
    pub fn wait_served(&self, n: usize) -> Vec<Result<Served, String>> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.served.lock().unwrap().len() < n && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.take_served()
    }
}

fn serve_one(config: Arc<ServerConfig>, sock: std::net::TcpStream) -> Result<Served, String> {
    let peer_port = sock.peer_addr().map_or(0, |a| a.port());
    let timeout = Some(Duration::from_secs(10));
    sock.set_read_timeout(timeout).map_err(|e| e.to_string())?;
    sock.set_write_timeout(timeout).map_err(|e| e.to_string())?;
    let mut stream = accept(config, sock).map_err(|e| format!("handshake: {e}"))?;
    let n = stream.conn().negotiated().cloned().ok_or("no parameters")?;
    let served = Served {
        version: n.version,
        suite: n.suite,
        ems: n.extended_master_secret,
        etm: n.encrypt_then_mac,
        resumed: n.resumed,
        sni: stream.conn().sni().map(str::to_string),
        secure_renegotiation: n.secure_renegotiation,
        client_certificates: n.client_certificates.clone(),
        alpn: n.alpn_protocol.clone(),
        peer_port,
    };
    // Read the request (until a blank line, EOF or 16 KiB), then answer and close.
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(served),
            Ok(k) => request.extend_from_slice(&buf[..k]),
            // A client that hangs up without close_notify after its handshake (e.g. a
            // resumption probe) still counts as served.
            Err(_) => return Ok(served),
        }
        if request.windows(4).any(|w| w == b"\r\n\r\n") || request.len() > 16384 {
            break;
        }
    }
    let page = www_page(stream.conn());
    stream
        .write_all(page.as_bytes())
        .map_err(|e| e.to_string())?;
    let _ = stream.close();
    Ok(served)
}

/// The `Name: value` lines our page carries, from a peer's output.
pub fn page_fields(output: &str) -> Option<Vec<(String, String)>> {
    let at = output.find("lucid serve: this TLS session")?;
    Some(
        output[at..]
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "Protocol"
                        | "Cipher"
                        | "EMS"
                        | "ETM"
                        | "Session-ID"
                        | "Resumed"
                        | "SNI"
                        | "RFC 5746"
                        | "Client"
                )
            })
            .collect(),
    )
}

/// Checks the page's "RFC 5746" line: whether the client signalled secure renegotiation.
pub fn check_page_reneg(output: &str, signalled: bool) -> Result<(), String> {
    let fields = page_fields(output).ok_or("no lucid page in the peer's output")?;
    let got = fields
        .iter()
        .find(|(k, _)| k == "RFC 5746")
        .map_or("", |(_, v)| v.as_str());
    let want = if signalled { "yes (" } else { "no (" };
    if got.starts_with(want) {
        Ok(())
    } else {
        Err(format!("page says RFC 5746: {got:?}"))
    }
}

/// Checks the page in `output` against expectations; `None` means "don't care".
pub fn check_page(
    output: &str,
    version: ProtocolVersion,
    suite: CipherSuite,
    ems: Option<bool>,
    etm: Option<bool>,
    resumed: Option<bool>,
) -> Result<(), String> {
    let fields = page_fields(output).ok_or("no lucid page in the peer's output")?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut wrong = Vec::new();
    if get("Protocol") != version.to_string() {
        wrong.push(format!("Protocol {}", get("Protocol")));
    }
    if get("Cipher") != suite.to_string() {
        wrong.push(format!("Cipher {}", get("Cipher")));
    }
    // Encrypt-then-MAC only applies to CBC suites (RFC 7366 §3).
    let cbc = lucid_core::internal::crypto::suites::lookup(suite)
        .is_some_and(|s| s.can_encrypt_then_mac());
    let etm = etm.map(|e| e && cbc);
    for (k, want) in [("EMS", ems), ("ETM", etm), ("Resumed", resumed)] {
        if let Some(w) = want
            && get(k) != yes_no(w)
        {
            wrong.push(format!("{k} {}", get(k)));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("page says {}", wrong.join(", ")))
    }
}
