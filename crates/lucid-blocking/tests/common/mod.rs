//! Shared helpers for the tests that start real peers on 127.0.0.1: fixture paths, free
//! ports, child processes that are killed on drop, and the `LUCID_REQUIRE_PEERS` rule.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, WebPkiVerifier};

/// How long a peer may take to start listening.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Socket read/write timeout for one client connection.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// The workspace root (two levels above this crate).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate lives in crates/<name>")
        .to_path_buf()
}

/// `testdata/pki/<name>`.
pub(crate) fn pki(name: &str) -> PathBuf {
    workspace_root().join("testdata/pki").join(name)
}

/// `target/interop/<name>`, created.
pub(crate) fn out_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/interop").join(name);
    fs::create_dir_all(&dir).expect("create target/interop");
    dir
}

/// Whether the CI demanded every peer be present (`LUCID_REQUIRE_PEERS=1`).
pub(crate) fn peers_required() -> bool {
    std::env::var("LUCID_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Finds `program` on PATH.
pub(crate) fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A peer that is missing: a failure under `LUCID_REQUIRE_PEERS=1`, a printed skip otherwise.
/// Returns the note to record.
pub(crate) fn missing_peer(peer: &str, why: &str) -> String {
    if peers_required() {
        panic!("LUCID_REQUIRE_PEERS=1 but {peer} is not available: {why}");
    }
    let note = format!("skipped: {peer} not installed ({why})");
    println!("{note}");
    note
}

/// A port that was free a moment ago (bind 127.0.0.1:0 and drop the listener).
pub(crate) fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

/// A child process with its stdout/stderr in files; killed (and reaped) on drop.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) name: String,
    pub(crate) port: u16,
    child: Child,
    pub(crate) stdout: PathBuf,
    pub(crate) stderr: PathBuf,
}

impl Peer {
    /// Starts `cmd` (stdout/stderr to files in `dir`), then waits until 127.0.0.1:`port`
    /// accepts a TCP connection. Panics, with the child's output, if it exits first or
    /// does not listen within [`START_TIMEOUT`].
    pub(crate) fn start(name: &str, cmd: Command, port: u16, dir: &Path) -> Self {
        let mut peer = Self::spawn(name, cmd, dir);
        peer.port = port;
        peer.wait_listening();
        peer
    }

    /// Starts `cmd` with stdout/stderr to files in `dir`, without waiting for anything.
    pub(crate) fn spawn(name: &str, mut cmd: Command, dir: &Path) -> Self {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        cmd.stdin(Stdio::null())
            .stdout(fs::File::create(&stdout).expect("stdout file"))
            .stderr(fs::File::create(&stderr).expect("stderr file"));
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name} ({cmd:?}): {e}"));
        Self {
            name: name.to_owned(),
            port: 0,
            child,
            stdout,
            stderr,
        }
    }

    /// Waits until the child's stderr contains `needle`. `Err` (with its output) if it
    /// exits first or `timeout` passes.
    pub(crate) fn wait_stderr(&mut self, needle: &str, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let err = fs::read(&self.stderr).unwrap_or_default();
            if String::from_utf8_lossy(&err).contains(needle) {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before printing {needle:?}\n{}",
                    self.name,
                    self.output()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not print {needle:?} within {timeout:?}\n{}",
                    self.name,
                    self.output()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asks the child to stop with SIGINT (so a capture tool flushes its file) and waits
    /// up to `timeout` for it to exit. Returns whether it exited.
    pub(crate) fn interrupt(&mut self, timeout: Duration) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("sh")
            .args(["-c", "kill -INT \"$1\"", "sh", &pid])
            .status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn wait_listening(&mut self) {
        let addr = self.addr();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before listening on {addr}\n{}",
                    self.name,
                    self.output()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} did not listen on {addr} within {START_TIMEOUT:?}\n{}",
                    self.name,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// Everything the child wrote to stdout so far.
    pub(crate) fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&fs::read(&self.stdout).unwrap_or_default()).into_owned()
    }

    /// stdout and stderr, for failure messages.
    pub(crate) fn output(&self) -> String {
        let err = String::from_utf8_lossy(&fs::read(&self.stderr).unwrap_or_default()).into_owned();
        format!(
            "--- {} stdout ---\n{}\n--- {} stderr ---\n{}",
            self.name,
            self.stdout_text(),
            self.name,
            err
        )
    }

    /// Whether the child is still running.
    pub(crate) fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to `addr` with [`IO_TIMEOUT`] on reads and writes.
pub(crate) fn tcp(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    sock.set_read_timeout(Some(IO_TIMEOUT))?;
    sock.set_write_timeout(Some(IO_TIMEOUT))?;
    sock.set_nodelay(true)?;
    Ok(sock)
}

/// A client config that verifies with the x509 path validator against `testdata/pki/root.pem`.
pub(crate) fn client_config() -> ClientConfig {
    let mut roots = RootStore::new();
    let pem = fs::read(pki("root.pem")).expect("read testdata/pki/root.pem");
    assert_eq!(roots.add_pem(&pem).expect("root.pem parses"), 1);
    ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)))
}

/// How a read loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum End {
    /// The peer sent close_notify (read returned 0).
    CloseNotify,
    /// The transport ended without close_notify (lucid's `Error::UnexpectedEof`).
    EofWithoutCloseNotify,
    /// Any other error.
    Error(String),
}

/// Reads until the stream ends; returns the bytes and how it ended.
pub(crate) fn read_all(r: &mut impl Read) -> (Vec<u8>, End) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (out, End::CloseNotify),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => {
                let end = match lucid_blocking::tls_error(&e) {
                    Some(lucid_core::Error::UnexpectedEof) => End::EofWithoutCloseNotify,
                    Some(tls) => End::Error(format!("TLS: {tls}")),
                    None => End::Error(format!("I/O: {e}")),
                };
                return (out, end);
            }
        }
    }
}

/// Writes a whole request.
pub(crate) fn send(w: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    w.write_all(data)?;
    w.flush()
}
