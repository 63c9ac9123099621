//! One way to find and start real peers (openssl, gnutls, tlslite-ng, sslyze, tshark):
//! workspace paths, program discovery, the `LUCID_REQUIRE_PEERS=1` rule, free ports, and
//! peer processes that are killed (and reaped) on drop.
//!
//! The rule: a test that needs a peer asks for it ([`find_program`], [`tlslite`], ...);
//! if it is absent the test calls [`missing_peer`], which fails the test under
//! `LUCID_REQUIRE_PEERS=1` (as `cargo xtask ci` sets, after installing every peer) and
//! otherwise prints a loud `skipped: ...` line and lets the test return.

use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// How long a peer may take to start listening.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate lives in crates/<name>")
        .to_path_buf()
}

/// `testdata/<rel>`.
pub fn testdata(rel: &str) -> PathBuf {
    workspace_root().join("testdata").join(rel)
}

/// `testdata/pki/<name>`.
pub fn pki(name: &str) -> PathBuf {
    testdata("pki").join(name)
}

/// `target/interop/<name>`, created (`""` for `target/interop` itself).
pub fn out_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/interop").join(name);
    fs::create_dir_all(&dir).expect("create target/interop");
    dir
}

/// Whether the CI demanded every peer be present (`LUCID_REQUIRE_PEERS=1`).
pub fn peers_required() -> bool {
    std::env::var("LUCID_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// A peer that is missing: panics under `LUCID_REQUIRE_PEERS=1`, otherwise prints
/// `skipped: <peer> not installed (<why>)` and returns that note (to record in a matrix).
pub fn missing_peer(peer: &str, why: &str) -> String {
    assert!(
        !peers_required(),
        "LUCID_REQUIRE_PEERS=1 but {peer} is not available: {why} (run `cargo xtask ci`, \
         which installs it)"
    );
    let note = format!("skipped: {peer} not installed ({why})");
    println!("{note}");
    note
}

/// `program` on PATH, if present.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The python venv's `bin/<name>` (`target/py/bin/<name>`), if it exists.
pub fn venv_bin(name: &str) -> Option<PathBuf> {
    Some(workspace_root().join("target/py/bin").join(name)).filter(|p| p.is_file())
}

/// The venv python: `LUCID_PYTHON`, else `target/py/bin/python`, if it is a file.
pub fn python() -> Option<PathBuf> {
    match std::env::var_os("LUCID_PYTHON") {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => venv_bin("python"),
    }
}

/// tlslite-ng's `tls.py`: `LUCID_TLSLITE`, else `target/py/bin/tls.py`, if it is a file.
pub fn tls_py() -> Option<PathBuf> {
    match std::env::var_os("LUCID_TLSLITE") {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => venv_bin("tls.py"),
    }
}

/// `(python, tls.py)` to run tlslite-ng, or why not (for [`missing_peer`]).
pub fn tlslite() -> Result<(PathBuf, PathBuf), String> {
    match (python(), tls_py()) {
        (Some(py), Some(tls)) => Ok((py, tls)),
        _ => Err(
            "LUCID_PYTHON/LUCID_TLSLITE not files and no target/py venv \
                  (run `cargo xtask ci`)"
                .into(),
        ),
    }
}

/// A port that was free a moment ago (bind 127.0.0.1:0 and drop the listener).
pub fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

/// A child process with its stdout/stderr in files; killed (and reaped) on drop.
#[derive(Debug)]
pub struct Peer {
    /// A name for messages and the output files.
    pub name: String,
    /// The 127.0.0.1 port it listens on (0 if not started with [`Peer::start`]).
    pub port: u16,
    child: Child,
    /// Where its stdout goes.
    pub stdout: PathBuf,
    /// Where its stderr goes.
    pub stderr: PathBuf,
}

impl Peer {
    /// Starts `cmd` (stdout/stderr to files in `dir`), then waits until 127.0.0.1:`port`
    /// accepts a TCP connection. Panics, with the child's output, if it exits first or
    /// does not listen within [`START_TIMEOUT`].
    pub fn start(name: &str, cmd: Command, port: u16, dir: &Path) -> Self {
        let mut peer = Self::spawn(name, cmd, dir);
        peer.port = port;
        peer.wait_listening();
        peer
    }

    /// Starts `cmd` with stdout/stderr to files in `dir`, without waiting for anything.
    pub fn spawn(name: &str, mut cmd: Command, dir: &Path) -> Self {
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
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) -> Result<(), String> {
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
    pub fn interrupt(&mut self, timeout: Duration) -> bool {
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
            assert!(
                Instant::now() <= deadline,
                "{} did not listen on {addr} within {START_TIMEOUT:?}\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// 127.0.0.1:`port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// Everything the child wrote to stdout so far.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&fs::read(&self.stdout).unwrap_or_default()).into_owned()
    }

    /// Polls the child's stdout until `find` returns something (a server logs a connection
    /// a moment after the client saw it end), or `timeout` passes.
    pub fn poll_stdout<T>(
        &self,
        timeout: Duration,
        mut find: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = find(&self.stdout_text()) {
                return Some(found);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// stdout and stderr, for failure messages.
    pub fn output(&self) -> String {
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
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run-to-completion peer process did.
#[derive(Debug)]
pub struct Ran {
    /// Whether it exited successfully (false if killed after the timeout).
    pub success: bool,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr (plus `[killed after timeout]` if it was).
    pub stderr: String,
}

/// Runs `cmd` with `stdin` written to it, killing it after `timeout`.
pub fn run(cmd: &mut Command, stdin: &[u8], timeout: Duration) -> io::Result<Ran> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut input = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("no stdin"))?;
    // Kept open until the process ends: some clients quit on stdin EOF before the reply
    // arrives. The request is small, so the pipe buffer takes it without blocking.
    input.write_all(stdin)?;
    let mut out = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let mut err = child
        .stderr
        .take()
        .ok_or_else(|| io::Error::other("no stderr"))?;
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(input);
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    if status.is_none() {
        stderr.push_str("\n[killed after timeout]");
    }
    Ok(Ran {
        success: status.is_some_and(|s| s.success()),
        stdout,
        stderr,
    })
}

/// The last lines of a peer's output, for a failure message.
pub fn tail(ran: &Ran) -> String {
    let text = format!("{}\n{}", ran.stdout, ran.stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(6)..].join(" | ")
}
