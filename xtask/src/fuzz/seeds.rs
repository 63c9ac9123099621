//! `cargo xtask fuzz seeds [--record-openssl]`: write the seed corpora.
//!
//! What the seeds are lives in `lucid_core::fuzzing::seeds` (the tables, the in-memory
//! generators, the harness connections, the checks a recording must pass); lucid-core's
//! tests replay the committed files and check that `generate()` still makes them. This
//! file only writes files and, for `--record-openssl`, does the loopback I/O against
//! `openssl s_server`/`s_client` (started through `lucid_test_support::peers`).

use core::time::Duration;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;

use lucid_core::fuzzing::seeds::{
    self, OPENSSL_S_CLIENT_SEEDS, OPENSSL_S_SERVER_SEEDS, OpensslSeed, check_s_client_recording,
    check_s_server_recording, harness_client, harness_server,
};
use lucid_core::fuzzing::{CLIENT_REQUEST, NOW, SERVER_RESPONSE};
use lucid_test_support::peers::{self, Peer};

use crate::{Result, project_root};

const USAGE: &str = "\
cargo xtask fuzz seeds: write the seed corpora in fuzz/corpus/

USAGE:
    cargo xtask fuzz seeds                    the seeds lucid_core::fuzzing::seeds makes in
                                              memory (deterministic: byte for byte the
                                              committed files unless lucid changed)
    cargo xtask fuzz seeds --record-openssl   also record client/openssl-* against
                                              `openssl s_server -www` and server/openssl-*
                                              from `openssl s_client`, over loopback

The recordings depend on openssl's randomness, so they differ on every run; each is kept
only if it replays to a complete handshake (the check `cargo test -p lucid-core` makes).
";

/// How long a socket read may wait for the openssl peer.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn seeds(args: &[String]) -> Result {
    let mut record = false;
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            "--record-openssl" => record = true,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}").into()),
        }
    }
    let corpus = project_root().join("fuzz").join("corpus");
    let generated = seeds::generate();
    for seed in &generated {
        write(&corpus, seed.target, &seed.name, &seed.bytes)?;
    }
    println!(
        "wrote {} generated seeds to {}",
        generated.len(),
        corpus.display()
    );
    if record {
        let openssl = peers::find_program("openssl").ok_or("--record-openssl needs `openssl`")?;
        for seed in OPENSSL_S_SERVER_SEEDS {
            let file = record_s_server(&openssl, seed)?;
            check_s_server_recording(seed, &file)?;
            write(&corpus, "client", seed.name, &file)?;
        }
        for seed in OPENSSL_S_CLIENT_SEEDS {
            let file = record_s_client(&openssl, seed)?;
            check_s_client_recording(seed, &file)?;
            write(&corpus, "server", seed.name, &file)?;
        }
        println!(
            "recorded {} openssl seeds",
            OPENSSL_S_SERVER_SEEDS.len() + OPENSSL_S_CLIENT_SEEDS.len()
        );
    }
    Ok(())
}

fn write(corpus: &Path, target: &str, name: &str, bytes: &[u8]) -> Result {
    let dir = corpus.join(target);
    fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// A seed argument naming a fixture (`testdata/...`) as an absolute path, so openssl finds
/// it whatever the working directory; other arguments as they are.
fn resolve_testdata(arg: &str) -> std::ffi::OsString {
    match arg.strip_prefix("testdata/") {
        Some(rel) => peers::testdata(rel).into_os_string(),
        None => arg.into(),
    }
}

/// Runs the harness client interactively against `openssl s_server -www`; returns the
/// setup byte followed by everything the server sent.
fn record_s_server(openssl: &Path, seed: &OpensslSeed) -> Result<Vec<u8>> {
    let port = peers::free_port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(peers::pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(peers::pki("intermediate.pem"))
        .arg("-key")
        .arg(peers::pki("leaf.key"))
        .args(seed.args.iter().map(|a| resolve_testdata(a)));
    let _server = Peer::start(seed.name, cmd, port, &peers::out_dir("fuzz-seeds"));
    let mut sock = TcpStream::connect(("127.0.0.1", port))?;
    sock.set_read_timeout(Some(READ_TIMEOUT))?;

    let (mut conn, mut rng) = harness_client(seed.setup);
    let mut recorded = vec![seed.setup];
    let mut wrote = false;
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let out = conn.pending_tls().to_vec();
        sock.write_all(&out)?;
        conn.consume_tls(out.len());
        let n = sock.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        recorded.extend_from_slice(&buf[..n]);
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let taken = conn.read_tls_bytes(rest);
            rest = &rest[taken..];
            conn.process(NOW, &mut rng)?;
            while conn.read_plaintext(&mut [0u8; 4096]) > 0 {
                conn.process(NOW, &mut rng)?;
            }
        }
        if !conn.is_handshaking() && !wrote {
            conn.write_plaintext(CLIENT_REQUEST, &mut rng)?;
            wrote = true;
        }
    }
    if !wrote {
        return Err(format!("{}: the handshake did not complete", seed.name).into());
    }
    Ok(recorded)
}

/// Runs the harness server against `openssl s_client` (which sends the harness client's
/// request); returns the setup byte followed by everything the client sent.
fn record_s_client(openssl: &Path, seed: &OpensslSeed) -> Result<Vec<u8>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_client", "-quiet", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-servername")
        .arg("localhost")
        .args(seed.args.iter().map(|a| resolve_testdata(a)));
    let client =
        std::thread::spawn(move || peers::run(&mut cmd, CLIENT_REQUEST, Duration::from_secs(30)));
    let (mut sock, _) = listener.accept()?;
    sock.set_read_timeout(Some(READ_TIMEOUT))?;

    let (mut conn, mut rng) = harness_server(seed.setup);
    let mut recorded = vec![seed.setup];
    let mut wrote = false;
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = sock.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        recorded.extend_from_slice(&buf[..n]);
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let taken = conn.read_tls_bytes(rest);
            rest = &rest[taken..];
            conn.process(NOW, &mut rng)?;
            while conn.read_plaintext(&mut [0u8; 4096]) > 0 {
                conn.process(NOW, &mut rng)?;
            }
        }
        if !conn.is_handshaking() && !wrote {
            conn.write_plaintext(SERVER_RESPONSE, &mut rng)?;
            wrote = true;
        }
        if wrote && conn.plaintext().is_empty() {
            // The request has arrived (or will not): answer and close.
            conn.send_close_notify(&mut rng);
        }
        let out = conn.pending_tls().to_vec();
        sock.write_all(&out)?;
        conn.consume_tls(out.len());
        if conn.peer_has_closed() {
            break;
        }
    }
    // s_client exits once the connection is gone.
    drop(sock);
    let ran = client
        .join()
        .map_err(|_| "the s_client thread panicked")??;
    if !wrote {
        return Err(format!(
            "{}: the handshake did not complete ({})",
            seed.name,
            peers::tail(&ran)
        )
        .into());
    }
    Ok(recorded)
}
