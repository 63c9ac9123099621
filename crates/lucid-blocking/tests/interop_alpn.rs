//! ALPN (RFC 7301) against real peers on 127.0.0.1, both directions, each side's report
//! of the agreed protocol checked:
//!
//! - the lucid client against `openssl s_server -alpn` (which picks in its own order and
//!   refuses with no_application_protocol when nothing is common) and `gnutls-serv --alpn`
//!   (which picks in the client's order and, when nothing is common, answers without ALPN,
//!   or refuses with `--alpn-fatal`):
//!   lucid's `Negotiated::alpn_protocol`, and gnutls-serv's own log line;
//! - `openssl s_client -alpn` and `gnutls-cli --alpn` against an in-process lucid server
//!   (http/1.1 before h2): the peer's report ("ALPN protocol:", "- Application protocol:"),
//!   the server's `--www` page line and what it recorded; a client offering only h3 gets
//!   alert 120; s_client resuming (`-reconnect`, `-sess_in` with another offer) gets the
//!   protocol negotiated afresh on every abbreviated handshake.
//!
//! TLS 1.0 and 1.2 cells. Cells run in parallel, each against its own lucid server where
//! the server's records are checked. A missing peer fails under `LUCID_REQUIRE_PEERS=1`.

mod common;
#[path = "server_support/mod.rs"]
mod server_support;

use core::time::Duration;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::thread;

use common::{FetchError, Peer, fetch, find_program, free_port, missing_peer, out_dir, pki};
use lucid_core::{AlertDescription, ClientConfig, Error, ProtocolVersion};
use server_support::{Served, TestServer, run, tail};

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

fn names(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|n| n.as_bytes().to_vec()).collect()
}

fn report(name: &str, rows: &[String], failures: usize) {
    let text = rows.join("\n");
    let _ = fs::write(out_dir("interop").join(format!("alpn-{name}.txt")), &text);
    println!("{text}");
    assert_eq!(failures, 0, "{failures} failing cells, see above");
}

/// What a cell must end with.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Both sides report this protocol.
    Agreed(&'static str),
    /// The handshake completes with no protocol agreed.
    Nothing,
    /// The server refuses with no_application_protocol.
    Refused,
}

fn lucid_client(v: ProtocolVersion, offer: &[&str]) -> Arc<ClientConfig> {
    let mut c = common::client_config();
    c.min_version = v;
    c.max_version = v;
    c.alpn_protocols = names(offer);
    Arc::new(c)
}

/// One lucid client connection offering `offer` at `v`; checks lucid's report.
fn lucid_cell(
    server: &Peer,
    v: ProtocolVersion,
    offer: &[&str],
    expect: Expect,
) -> Result<(), String> {
    let got = fetch(server.addr(), lucid_client(v, offer), REQUEST);
    match (expect, got) {
        (Expect::Agreed(p), Ok(f))
            if f.negotiated.alpn_protocol.as_deref() == Some(p.as_bytes()) =>
        {
            (f.negotiated.version == v)
                .then_some(())
                .ok_or(format!("version {}", f.negotiated.version))
        }
        (Expect::Nothing, Ok(f)) if f.negotiated.alpn_protocol.is_none() => Ok(()),
        (Expect::Refused, Err(FetchError::Tls(Error::AlertReceived { description, .. })))
            if description == AlertDescription::NO_APPLICATION_PROTOCOL =>
        {
            Ok(())
        }
        (_, Ok(f)) => Err(format!(
            "lucid agreed on {:?}",
            f.negotiated
                .alpn_protocol
                .map(|p| p.escape_ascii().to_string())
        )),
        (_, Err(e)) => Err(e.to_string()),
    }
}

fn openssl_server(openssl: &Path, dir: &Path, alpn: &str) -> Peer {
    let port = free_port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(pki("intermediate.pem"))
        .arg("-key")
        .arg(pki("leaf.key"))
        .args(["-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"])
        .args(["-alpn", alpn]);
    Peer::start("s_server-alpn", cmd, port, dir)
}

fn gnutls_server(bin: &Path, dir: &Path, name: &str, alpn: &[&str], fatal: bool) -> Peer {
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
        .args(["--http", "--disable-client-cert", "--port"])
        .arg(port.to_string())
        .arg("--x509certfile")
        .arg(pki("chain.pem"))
        .arg("--x509keyfile")
        .arg(pki("leaf.key"))
        .args([
            "--priority",
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0",
        ]);
    for p in alpn {
        cmd.args(["--alpn", p]);
    }
    if fatal {
        cmd.arg("--alpn-fatal");
    }
    Peer::start(name, cmd, port, dir)
}

/// A lucid client cell: (peer, its server, version, offer, what must happen).
type ServerCell = (
    &'static str,
    Arc<Peer>,
    ProtocolVersion,
    &'static [&'static str],
    Expect,
);

#[test]
fn lucid_client_against_openssl_and_gnutls_servers() {
    let dir = out_dir("interop-alpn");
    let mut rows = Vec::new();
    let mut failures = 0;
    let mut cells: Vec<ServerCell> = Vec::new();
    let mut gnutls_log: Option<Arc<Peer>> = None;
    match find_program("openssl") {
        None => rows.push(missing_peer("openssl s_server", "`openssl` not on PATH")),
        Some(openssl) => {
            let s = Arc::new(openssl_server(&openssl, &dir, "http/1.1,h2"));
            for v in [V10, V12] {
                // OpenSSL's s_server picks in its own order.
                cells.push((
                    "s_server -alpn http/1.1,h2",
                    s.clone(),
                    v,
                    &["h2", "http/1.1"],
                    Expect::Agreed("http/1.1"),
                ));
            }
            // Nothing in common: OpenSSL 3's s_server refuses (its callback returns
            // SSL_TLSEXT_ERR_ALERT_FATAL), as lucid's server does.
            for v in [V10, V12] {
                cells.push((
                    "s_server -alpn http/1.1,h2",
                    s.clone(),
                    v,
                    &["spdy/3"],
                    Expect::Refused,
                ));
            }
            // An offer without ALPN: served, nothing agreed.
            cells.push(("s_server -alpn http/1.1,h2", s, V12, &[], Expect::Nothing));
        }
    }
    match find_program("gnutls-serv") {
        None => rows.push(missing_peer("gnutls-serv", "`gnutls-serv` not on PATH")),
        Some(bin) => {
            let s = Arc::new(gnutls_server(
                &bin,
                &dir,
                "gnutls-serv-alpn",
                &["http/1.1", "h2"],
                false,
            ));
            for v in [V10, V12] {
                // gnutls picks in the client's order.
                cells.push((
                    "gnutls-serv --alpn http/1.1 --alpn h2",
                    s.clone(),
                    v,
                    &["h2", "http/1.1"],
                    Expect::Agreed("h2"),
                ));
            }
            cells.push((
                "gnutls-serv --alpn http/1.1 --alpn h2",
                s.clone(),
                V12,
                &["spdy/3"],
                Expect::Nothing,
            ));
            gnutls_log = Some(s);
            let fatal = Arc::new(gnutls_server(
                &bin,
                &dir,
                "gnutls-serv-alpn-fatal",
                &["http/1.1"],
                true,
            ));
            for (v, offer, expect) in [
                (V12, &["spdy/3"][..], Expect::Refused),
                (V10, &["h2"][..], Expect::Refused),
                (V12, &["h2", "http/1.1"][..], Expect::Agreed("http/1.1")),
            ] {
                cells.push((
                    "gnutls-serv --alpn http/1.1 --alpn-fatal",
                    fatal.clone(),
                    v,
                    offer,
                    expect,
                ));
            }
        }
    }
    let results: Vec<Result<(), String>> = thread::scope(|scope| {
        let handles: Vec<_> = cells
            .iter()
            .map(|(_, server, v, offer, expect)| {
                scope.spawn(move || lucid_cell(server, *v, offer, *expect))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((peer, _, v, offer, expect), result) in cells.iter().zip(results) {
        failures += usize::from(result.is_err());
        rows.push(format!(
            "{peer:<42} {v} offer {offer:?}: want {expect:?}: {result:?}"
        ));
    }
    // gnutls-serv's own report: one line per connection that agreed on h2.
    if let Some(s) = gnutls_log {
        let want = 2;
        let got = s
            .poll_stdout(Duration::from_secs(5), |out| {
                let n = out.matches("- Application protocol: h2").count();
                (n >= want).then_some(n)
            })
            .unwrap_or_else(|| {
                s.stdout_text()
                    .matches("- Application protocol: h2")
                    .count()
            });
        let ok = got == want;
        failures += usize::from(!ok);
        rows.push(format!(
            "gnutls-serv log: {got} \"- Application protocol: h2\" lines, want {want}: {}",
            if ok { "ok" } else { "FAIL" }
        ));
    }
    report("lucid-client", &rows, failures);
}

/// A lucid server speaking http/1.1, then h2 (the `--www` page names the agreed protocol).
fn lucid_server() -> TestServer {
    let store = Arc::new(lucid_blocking::server::MemoryServerSessionStore::default());
    let mut config = server_support::server_config(&store);
    config.alpn_protocols = names(&["http/1.1", "h2"]);
    TestServer::start(config)
}

/// What a peer client cell runs and expects.
struct ClientCell {
    name: String,
    /// Peer command lines, run one after the other against the same lucid server.
    runs: Vec<Command>,
    /// Text every run's output must contain (its own report and the server's page).
    wants: Vec<String>,
    /// What the lucid server must have recorded, per connection in order.
    served: Vec<Result<(bool, Option<&'static str>), &'static str>>,
}

fn check_client_cell(cell: ClientCell, server: &TestServer) -> Result<(), String> {
    for mut cmd in cell.runs {
        let ran = run(&mut cmd, REQUEST, Duration::from_secs(30)).map_err(|e| e.to_string())?;
        let all = format!("{}\n{}", ran.stdout, ran.stderr);
        if let Some(missing) = cell.wants.iter().find(|w| !all.contains(w.as_str())) {
            return Err(format!("no {missing:?}: {}", tail(&ran)));
        }
    }
    let served = server.wait_served(cell.served.len());
    let got: Vec<Result<(bool, Option<String>), String>> = served
        .iter()
        .map(|r| match r {
            Ok(Served { resumed, alpn, .. }) => Ok((
                *resumed,
                alpn.as_ref().map(|p| p.escape_ascii().to_string()),
            )),
            Err(e) => Err(e.clone()),
        })
        .collect();
    let matches = got.len() == cell.served.len()
        && got.iter().zip(&cell.served).all(|(g, w)| match (g, w) {
            (Ok((r, a)), Ok((wr, wa))) => r == wr && a.as_deref() == *wa,
            (Err(e), Err(w)) => e.contains(w),
            _ => false,
        });
    if matches {
        Ok(())
    } else {
        Err(format!(
            "the lucid server recorded {got:?}, want {:?}",
            cell.served
        ))
    }
}

fn s_client(openssl: &Path, port: u16, v: ProtocolVersion, extra: &[&str]) -> Command {
    let mut cmd = Command::new(openssl);
    cmd.args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(pki("root.pem"))
        .args(["-verify_return_error", "-ign_eof"])
        .arg(if v == V10 { "-tls1" } else { "-tls1_2" })
        .args(["-cipher", "DEFAULT:@SECLEVEL=0"])
        .args(extra);
    cmd
}

fn gnutls_cli(bin: &Path, port: u16, v: ProtocolVersion, alpn: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
        .arg("--x509cafile")
        .arg(pki("root.pem"))
        .args(["-p", &port.to_string(), "--priority"])
        .arg(if v == V10 {
            "NORMAL:-VERS-ALL:+VERS-TLS1.0"
        } else {
            "NORMAL:-VERS-ALL:+VERS-TLS1.2"
        });
    for p in alpn {
        cmd.args(["--alpn", p]);
    }
    cmd.arg("localhost");
    cmd
}

#[test]
fn openssl_and_gnutls_clients_against_a_lucid_server() {
    let dir = out_dir("interop-alpn");
    let mut rows = Vec::new();
    let mut failures = 0;
    let openssl = find_program("openssl");
    let gnutls = find_program("gnutls-cli");
    if openssl.is_none() {
        rows.push(missing_peer("openssl s_client", "`openssl` not on PATH"));
    }
    if gnutls.is_none() {
        rows.push(missing_peer("gnutls-cli", "`gnutls-cli` not on PATH"));
    }
    let page = |p: &str| format!("ALPN      : {p}\n");
    // Each cell gets its own server, so its records are its own.
    let mut cells: Vec<(TestServer, ClientCell)> = Vec::new();
    if let Some(openssl) = &openssl {
        for v in [V10, V12] {
            let server = lucid_server();
            let cmd = s_client(openssl, server.port(), v, &["-alpn", "h2,http/1.1"]);
            cells.push((
                server,
                ClientCell {
                    name: format!("s_client -alpn h2,http/1.1 {v}"),
                    runs: vec![cmd],
                    wants: vec!["ALPN protocol: http/1.1\n".into(), page("http/1.1")],
                    served: vec![Ok((false, Some("http/1.1")))],
                },
            ));
        }
        let server = lucid_server();
        let cmd = s_client(openssl, server.port(), V12, &[]);
        cells.push((
            server,
            ClientCell {
                name: "s_client (no ALPN) TLSv1.2".into(),
                runs: vec![cmd],
                wants: vec!["No ALPN negotiated".into(), page("(none)")],
                served: vec![Ok((false, None))],
            },
        ));
        let server = lucid_server();
        let cmd = s_client(openssl, server.port(), V12, &["-alpn", "h3"]);
        cells.push((
            server,
            ClientCell {
                name: "s_client -alpn h3 TLSv1.2".into(),
                runs: vec![cmd],
                wants: vec![
                    "tlsv1 alert no application protocol".into(),
                    "SSL alert number 120".into(),
                ],
                served: vec![Err(
                    "no application protocol this server speaks (ALPN; offered: h3)",
                )],
            },
        ));
        // Resumption: every abbreviated handshake negotiates again.
        let server = lucid_server();
        let cmd = s_client(
            openssl,
            server.port(),
            V12,
            &["-alpn", "http/1.1", "-reconnect"],
        );
        let mut served = vec![Ok((false, Some("http/1.1")))];
        served.extend([Ok((true, Some("http/1.1"))); 5]);
        cells.push((
            server,
            ClientCell {
                name: "s_client -alpn http/1.1 -reconnect TLSv1.2".into(),
                runs: vec![cmd],
                wants: vec!["Reused, TLSv1.2".into(), "ALPN protocol: http/1.1\n".into()],
                served,
            },
        ));
        let server = lucid_server();
        let sess = dir.join("s_client-alpn.sess");
        let _ = fs::remove_file(&sess);
        let sess_arg = sess.to_str().unwrap();
        let first = s_client(
            openssl,
            server.port(),
            V12,
            &["-alpn", "http/1.1", "-sess_out", sess_arg],
        );
        let second = s_client(
            openssl,
            server.port(),
            V12,
            &["-alpn", "h2", "-sess_in", sess_arg],
        );
        cells.push((
            server,
            ClientCell {
                name: "s_client -sess_out with http/1.1, then -sess_in with h2".into(),
                runs: vec![first, second],
                wants: vec![],
                served: vec![Ok((false, Some("http/1.1"))), Ok((true, Some("h2")))],
            },
        ));
    }
    if let Some(bin) = &gnutls {
        for v in [V10, V12] {
            let server = lucid_server();
            let cmd = gnutls_cli(bin, server.port(), v, &["h2", "http/1.1"]);
            cells.push((
                server,
                ClientCell {
                    name: format!("gnutls-cli --alpn h2 --alpn http/1.1 {v}"),
                    runs: vec![cmd],
                    wants: vec![
                        "- Application protocol: http/1.1\n".into(),
                        page("http/1.1"),
                    ],
                    served: vec![Ok((false, Some("http/1.1")))],
                },
            ));
        }
        let server = lucid_server();
        let cmd = gnutls_cli(bin, server.port(), V12, &["h3"]);
        cells.push((
            server,
            ClientCell {
                name: "gnutls-cli --alpn h3 TLSv1.2".into(),
                runs: vec![cmd],
                wants: vec!["Received alert [120]".into()],
                served: vec![Err(
                    "no application protocol this server speaks (ALPN; offered: h3)",
                )],
            },
        ));
    }
    let names: Vec<String> = cells.iter().map(|(_, c)| c.name.clone()).collect();
    let results: Vec<Result<(), String>> = thread::scope(|scope| {
        let handles: Vec<_> = cells
            .into_iter()
            .map(|(server, cell)| scope.spawn(move || check_client_cell(cell, &server)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (name, result) in names.iter().zip(results) {
        failures += usize::from(result.is_err());
        rows.push(format!("{name:<58}: {result:?}"));
    }
    report("lucid-server", &rows, failures);
}
