//! gnutls both ways: the lucid client against `gnutls-serv --http`, and `gnutls-cli`
//! against lucid's server.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use lucid_blocking::server::MemoryClientSessionStore;
use lucid_core::internal::crypto::suites::SuiteParams;
use lucid_test_support::peers::{Peer, run, tail};

use crate::lucid::{
    Fetched, LucidServer, check_full, check_lucid_page, check_resumed, client_config, fetch,
};
use crate::names::{
    gnutls_cipher, gnutls_group, gnutls_kx, gnutls_mac, gnutls_priority, gnutls_suite,
    gnutls_version,
};
use crate::{
    Cell, Cert, PEER_TIMEOUT, REQUEST, Row, TWO_CHAINS, V10, V11, V12, both, client_groups, common,
    ecdhe_suites, expect, head, matrix, report, resumption_cells, start_all, two_chain_cells,
    two_chain_check,
};

/// An empty gnutls system priority file, so that only our priority strings count.
fn empty_priority_file(dir: &Path) -> PathBuf {
    let empty = dir.join("gnutls-empty-system-priority");
    fs::write(&empty, b"").unwrap();
    empty
}

/// gnutls' description of the key exchange, e.g. `-(ECDHE-X25519)-`.
fn description_kx(cell: &Cell) -> String {
    format!("-(ECDHE-{})-", gnutls_group(cell.group))
}

/// Checks gnutls-serv's page for a connection of `cell`.
fn check_page(page: &str, cell: &Cell) -> Result<(), String> {
    if !page.starts_with("HTTP/1.0 200 OK\r\n") {
        return Err(format!("bad status: {:?}", head(page)));
    }
    let proto = format!(
        "<TD>Protocol version:</TD><TD>{}</TD>",
        gnutls_version(cell.version)
    );
    expect(page, &proto, "server's protocol")?;
    let suite = format!("<TD>Ciphersuite</TD><TD>{}</TD>", gnutls_suite(cell.suite));
    expect(page, &suite, "server's suite")?;
    expect(page, &description_kx(cell), "server's key exchange")?;
    expect(page, "</BODY></HTML>", "end of page")
}

/// gnutls-serv's log of the connection from `port` (it logs each one by the client's port),
/// once it has been written.
fn log_block(peer: &Peer, port: u16) -> Result<String, String> {
    let marker = format!("* Accepted connection from IPv4 127.0.0.1 port {port} ");
    let deadline = std::time::Instant::now() + core::time::Duration::from_secs(5);
    loop {
        let log = peer.stdout_text();
        if let Some(at) = log.find(&marker) {
            let block = &log[at + marker.len()..];
            let end = block.find("* Accepted connection").unwrap_or(block.len());
            let block = &block[..end];
            if block.contains("- Options:") {
                return Ok(block.to_string());
            }
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("gnutls-serv logged no connection from port {port}"));
        }
        std::thread::sleep(core::time::Duration::from_millis(20));
    }
}

const RESUMED: &str = "*** This is a resumed session";

#[test]
fn lucid_client_against_gnutls_serv() {
    let mut rows = Vec::new();
    let Some(bin) = common::find_program("gnutls-serv") else {
        let why = "`gnutls-serv` not on PATH (Debian: gnutls-bin)";
        let note = common::missing_peer("gnutls-serv", why);
        report("gnutls-serv", &rows, &note);
        return;
    };
    let dir = common::out_dir("ecdhe");
    let empty = empty_priority_file(&dir);
    // Every version, every ECDHE suite lucid implements, every group: one server with the
    // RSA and the P-256 certificate (gnutls picks by the suite's key exchange), one with
    // the P-384 certificate.
    let suites: Vec<&SuiteParams> = ecdhe_suites().collect();
    let priority = gnutls_priority(&[V12, V11, V10], &suites, &client_groups());
    let plan = [vec![Cert::Rsa, Cert::EcdsaP256], vec![Cert::EcdsaP384]];
    let specs = plan
        .iter()
        .map(|certs| {
            let port = common::free_port();
            let mut cmd = Command::new(&bin);
            cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", &empty)
                .args(["--http", "--disable-client-cert", "--port"])
                .arg(port.to_string())
                .arg("--priority")
                .arg(&priority);
            for cert in certs {
                cmd.arg("--x509certfile")
                    .arg(cert.chain())
                    .arg("--x509keyfile")
                    .arg(cert.key());
            }
            let tags: Vec<&str> = certs.iter().map(|c| c.tag()).collect();
            (format!("gnutls-serv-{}", tags.join("-")), cmd, port)
        })
        .collect();
    let servers = start_all(&dir, specs);
    let server = |cert: Cert| &servers[plan.iter().position(|p| p.contains(&cert)).unwrap()];

    for cell in matrix(2) {
        let peer = server(cell.cert);
        let result = fetch(peer.addr(), client_config(&cell, &cell.offer(), None)).and_then(|f| {
            check_full(&f.negotiated, &cell)?;
            check_page(&f.page, &cell)
        });
        if let Err(e) = &result {
            eprintln!("FAIL gnutls-serv {cell:?}: {e}\n{}", peer.output());
        }
        let check = format!("{} cert", cell.cert.name());
        rows.push(Row::new("gnutls-serv", check, &cell, result));
    }

    for cell in resumption_cells(2) {
        let peer = server(cell.cert);
        let store = Arc::new(MemoryClientSessionStore::default());
        let config = client_config(&cell, &cell.offer(), Some(&store));
        let resumed = |f: &Fetched, want: bool| -> Result<(), String> {
            let block = log_block(peer, f.local_port)?;
            if block.contains(RESUMED) == want {
                Ok(())
            } else {
                Err(format!("gnutls-serv's log: resumed={}", !want))
            }
        };
        let result = fetch(peer.addr(), config.clone())
            .and_then(|f| {
                check_full(&f.negotiated, &cell)?;
                check_page(&f.page, &cell)?;
                resumed(&f, false)
            })
            .map_err(|e| format!("first: {e}"))
            .and_then(|()| {
                let f = fetch(peer.addr(), config)?;
                check_resumed(&f.negotiated, &cell)?;
                check_page(&f.page, &cell)?;
                resumed(&f, true)
            })
            .map_err(|e| format!("second: {e}"));
        if let Err(e) = &result {
            eprintln!(
                "FAIL gnutls-serv resumption {cell:?}: {e}\n{}",
                peer.output()
            );
        }
        let check = format!("{} cert, full + resumed", cell.cert.name());
        rows.push(Row::new("gnutls-serv", check, &cell, result));
    }
    report("gnutls-serv", &rows, "");
}

/// Runs `gnutls-cli -V` for `cell` (offering `suites`, or just the cell's) against `server`
/// (with `--resume`: a full handshake, then a resumed one) and checks its description of
/// the connection.
fn gnutls_cli(
    (bin, empty): (&Path, &Path),
    server: &LucidServer,
    cell: &Cell,
    suites: Option<&[&SuiteParams]>,
    resume: bool,
) -> Result<(), String> {
    let suites = suites.unwrap_or(core::slice::from_ref(&cell.suite));
    let priority = gnutls_priority(&[cell.version], suites, &cell.offer());
    let mut cmd = Command::new(bin);
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", empty)
        .arg("-V")
        .arg("--x509cafile")
        .arg(cell.cert.root())
        .args(["-p", &server.port().to_string(), "--priority", &priority]);
    if resume {
        cmd.arg("--resume");
    }
    cmd.arg("localhost");
    let ran = run(&mut cmd, REQUEST, PEER_TIMEOUT).map_err(|e| e.to_string())?;
    let out = &without_received_markers(&ran.stdout);
    let check = || {
        let p = cell.suite;
        let want = [
            format!("- Version: {}\n", gnutls_version(cell.version)),
            format!("- Key Exchange: {}\n", gnutls_kx(p)),
            format!("- Cipher: {}\n", gnutls_cipher(p)),
            format!("- MAC: {}\n", gnutls_mac(p)),
            description_kx(cell),
        ];
        for w in &want {
            expect(out, w, "gnutls-cli's description")?;
        }
        if resume {
            expect(out, RESUMED, "gnutls-cli")?;
        }
        check_lucid_page(out, cell, resume)
    };
    check().map_err(|e| format!("{e}: {}", tail(&ran)))
}

/// gnutls-cli's output with the `- Received[<n>]: ` it puts before each record's data
/// under `-V` taken out, so that a page split across records (lucid's TLS 1.0 server sends
/// 1/n-1 split CBC records) reads as one.
fn without_received_markers(out: &str) -> String {
    let mut joined = String::with_capacity(out.len());
    let mut rest = out;
    while let Some(at) = rest.find("- Received[") {
        joined.push_str(&rest[..at]);
        let after = &rest[at..];
        match after.find("]: ") {
            Some(end) => rest = &after[end + 3..],
            None => {
                rest = after;
                break;
            }
        }
    }
    joined.push_str(rest);
    joined
}

#[test]
fn gnutls_cli_against_lucid_server() {
    let mut rows = Vec::new();
    let Some(bin) = common::find_program("gnutls-cli") else {
        let why = "`gnutls-cli` not on PATH (Debian: gnutls-bin)";
        let note = common::missing_peer("gnutls-cli", why);
        report("gnutls-cli", &rows, &note);
        return;
    };
    let empty = empty_priority_file(&common::out_dir("ecdhe"));
    let servers = LucidServer::start_all();
    for cell in matrix(3) {
        let server = LucidServer::of(&servers, cell.cert);
        let peer = gnutls_cli((&bin, &empty), server, &cell, None, false);
        let result = both(peer, server.check_one_full(&cell));
        let check = format!("{} cert", cell.cert.name());
        rows.push(Row::new("gnutls-cli", check, &cell, result));
    }
    for cell in resumption_cells(3) {
        let server = LucidServer::of(&servers, cell.cert);
        let peer = gnutls_cli((&bin, &empty), server, &cell, None, true);
        let result = both(peer, server.check_full_then_resumed(&cell));
        let check = format!("{} cert, full + --resume", cell.cert.name());
        rows.push(Row::new("gnutls-cli", check, &cell, result));
    }
    // A server holding both chains: gnutls-cli offers an ECDHE_ECDSA and an ECDHE_RSA suite;
    // it gets the P-256 chain only when it lists secp256r1.
    let two = LucidServer::start(&TWO_CHAINS);
    for (cell, offered) in two_chain_cells() {
        let peer = gnutls_cli((&bin, &empty), &two, &cell, Some(&offered), false);
        let result = both(peer, two.check_one_full(&cell));
        rows.push(Row::new(
            "gnutls-cli",
            two_chain_check(&cell),
            &cell,
            result,
        ));
    }
    report("gnutls-cli", &rows, "");
}
