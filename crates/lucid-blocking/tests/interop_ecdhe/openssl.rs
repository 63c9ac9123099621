//! openssl both ways: the lucid client against `openssl s_server -www`, and
//! `openssl s_client` against lucid's server.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use lucid_blocking::server::MemoryClientSessionStore;
use lucid_core::NamedGroup;
use lucid_core::internal::crypto::suites::SuiteParams;
use lucid_test_support::peers::{run, tail};

use crate::lucid::{
    LucidServer, check_full, check_lucid_page, check_resumed, client_config, fetch,
};
use crate::names::{
    openssl_groups, openssl_suite, openssl_temp_key, openssl_version, openssl_version_flag,
};
use crate::{
    Cell, Cert, PEER_TIMEOUT, REQUEST, Row, TWO_CHAINS, V12, both, client_groups, common,
    ecdhe_suites, expect, first_suite, head, matrix, report, resumption_cells, server_groups,
    start_all, two_chain_cells, two_chain_check,
};

/// `openssl s_server -www` with `cert`, TLS 1.0..1.2 and every ECDHE suite lucid
/// implements, optionally limited to one group.
fn s_server(openssl: &Path, cert: Cert, group: Option<NamedGroup>) -> (String, Command, u16) {
    let port = common::free_port();
    let name = format!(
        "s_server-{}-{}",
        cert.tag(),
        group.map_or("default".to_string(), |g| g.to_string())
    );
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(cert.leaf())
        .arg("-key")
        .arg(cert.key());
    if let Some(inter) = cert.intermediates() {
        cmd.arg("-cert_chain").arg(inter);
    }
    let mut ciphers: Vec<String> = ecdhe_suites().map(openssl_suite).collect();
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1.
    ciphers.push("@SECLEVEL=0".into());
    cmd.arg("-cipher").arg(ciphers.join(":")).args([
        "-min_protocol",
        "TLSv1",
        "-max_protocol",
        "TLSv1.2",
    ]);
    if let Some(g) = group {
        cmd.args(["-groups", &g.to_string()]);
    }
    (name, cmd, port)
}

/// Checks s_server's `-www` page for a connection of `cell`.
fn check_page(page: &str, cell: &Cell, reused: bool) -> Result<(), String> {
    if !page.starts_with("HTTP/1.0 200 ok\r\n") {
        return Err(format!("bad status: {:?}", head(page)));
    }
    // `New, <version>, Cipher is <suite>`: the version there is the suite's own (TLSv1.0
    // for the CBC-SHA suites), the connection's is the `Protocol` line.
    let new = if reused { "\nReused, " } else { "\nNew, " };
    expect(page, new, "server's session line")?;
    let cipher_is = format!(", Cipher is {}\n", openssl_suite(cell.suite));
    expect(page, &cipher_is, "server's session line")?;
    let proto = format!("Protocol  : {}\n", openssl_version(cell.version));
    expect(page, &proto, "server's protocol")?;
    if !reused {
        // s_server takes the client's first group it supports (no -serverpref); the page
        // lists the shared groups in that order, the chosen one first.
        let shared = format!("Shared groups: {}", cell.group);
        let line = page
            .lines()
            .find(|l| l.starts_with("Shared groups: "))
            .unwrap_or_default();
        if line != shared && !line.starts_with(&format!("{shared}:")) {
            return Err(format!(
                "server's shared groups: {line:?}, expected {shared:?} first"
            ));
        }
    }
    expect(page, "</BODY></HTML>", "end of page")
}

#[test]
fn lucid_client_against_openssl_s_server() {
    let mut rows = Vec::new();
    let Some(openssl) = common::find_program("openssl") else {
        let note = common::missing_peer("openssl s_server", "`openssl` not on PATH");
        report("openssl-s_server", &rows, &note);
        return;
    };
    let dir = common::out_dir("ecdhe");
    // One server per certificate for the matrix, and for the RSA certificate one per group
    // forced with `-groups` (lucid offering every group it implements).
    let groups = client_groups();
    let mut plan: Vec<(Cert, Option<NamedGroup>)> = Cert::ALL.map(|c| (c, None)).to_vec();
    plan.extend(groups.iter().map(|g| (Cert::Rsa, Some(*g))));
    let servers = start_all(
        &dir,
        plan.iter()
            .map(|(cert, g)| s_server(&openssl, *cert, *g))
            .collect(),
    );
    let server = |cert: Cert, forced: Option<NamedGroup>| {
        let i = plan.iter().position(|p| *p == (cert, forced)).unwrap();
        &servers[i]
    };

    for cell in matrix(0) {
        let peer = server(cell.cert, None);
        let result = fetch(peer.addr(), client_config(&cell, &cell.offer(), None)).and_then(|f| {
            check_full(&f.negotiated, &cell)?;
            check_page(&f.page, &cell, false)
        });
        if let Err(e) = &result {
            eprintln!("FAIL s_server {cell:?}: {e}\n{}", peer.output());
        }
        let check = format!("{} cert", cell.cert.name());
        rows.push(Row::new("openssl s_server", check, &cell, result));
    }

    for &group in &groups {
        let cell = Cell {
            cert: Cert::Rsa,
            version: V12,
            suite: first_suite(Cert::Rsa, V12),
            group,
        };
        let peer = server(Cert::Rsa, Some(group));
        let result = fetch(peer.addr(), client_config(&cell, &groups, None)).and_then(|f| {
            check_full(&f.negotiated, &cell)?;
            check_page(&f.page, &cell, false)
        });
        if let Err(e) = &result {
            eprintln!("FAIL s_server -groups {group}: {e}\n{}", peer.output());
        }
        let check = "RSA cert, -groups, lucid offers all".to_string();
        rows.push(Row::new("openssl s_server", check, &cell, result));
    }

    for cell in resumption_cells(0) {
        let peer = server(cell.cert, None);
        let store = Arc::new(MemoryClientSessionStore::default());
        let config = client_config(&cell, &cell.offer(), Some(&store));
        let result = fetch(peer.addr(), config.clone())
            .and_then(|f| {
                check_full(&f.negotiated, &cell).map_err(|e| format!("first: {e}"))?;
                check_page(&f.page, &cell, false).map_err(|e| format!("first: {e}"))
            })
            .and_then(|()| fetch(peer.addr(), config))
            .and_then(|f| {
                check_resumed(&f.negotiated, &cell).map_err(|e| format!("second: {e}"))?;
                check_page(&f.page, &cell, true).map_err(|e| format!("second: {e}"))
            });
        if let Err(e) = &result {
            eprintln!("FAIL s_server resumption {cell:?}: {e}\n{}", peer.output());
        }
        let check = format!("{} cert, full + resumed", cell.cert.name());
        rows.push(Row::new("openssl s_server", check, &cell, result));
    }
    report("openssl-s_server", &rows, "");
}

/// Runs `openssl s_client` for `cell` (offering `groups`, or s_client's defaults; and
/// `suites`, or just the cell's) against `server`, with `extra` arguments; checks its output
/// for a new or a reused session of the cell.
fn s_client(
    openssl: &Path,
    server: &LucidServer,
    cell: &Cell,
    (groups, suites): (Option<&[NamedGroup]>, Option<&[&SuiteParams]>),
    extra: &[&std::ffi::OsStr],
    reused: bool,
) -> Result<(), String> {
    let suites = suites.unwrap_or(core::slice::from_ref(&cell.suite));
    let mut cipher = suites
        .iter()
        .map(|p| openssl_suite(p))
        .collect::<Vec<_>>()
        .join(":");
    if cell.version != V12 {
        // OpenSSL 3 refuses TLS 1.0/1.1 above security level 0.
        cipher.push_str(":@SECLEVEL=0");
    }
    let mut cmd = Command::new(openssl);
    cmd.args(["s_client", "-connect"])
        .arg(server.addr.to_string())
        .args(["-servername", "localhost", "-CAfile"])
        .arg(cell.cert.root())
        .args([
            "-verify_return_error",
            openssl_version_flag(cell.version),
            "-cipher",
            &cipher,
            "-ign_eof",
        ])
        .args(extra);
    if let Some(groups) = groups {
        cmd.args(["-groups", &openssl_groups(groups)]);
    }
    let ran = run(&mut cmd, REQUEST, PEER_TIMEOUT).map_err(|e| e.to_string())?;
    let out = &ran.stdout;
    let check = || {
        // The version in `New, <version>, Cipher is` is the suite's own.
        let new = if reused { "\nReused, " } else { "\nNew, " };
        expect(out, new, "s_client's session line")?;
        let cipher_is = format!(", Cipher is {}\n", openssl_suite(cell.suite));
        expect(out, &cipher_is, "s_client's session line")?;
        let proto = format!("Protocol  : {}\n", openssl_version(cell.version));
        expect(out, &proto, "s_client's protocol")?;
        if !reused {
            expect(out, &openssl_temp_key(cell.group), "s_client's temp key")?;
        }
        check_lucid_page(out, cell, reused)
    };
    check().map_err(|e| format!("{e}: {}", tail(&ran)))
}

#[test]
fn openssl_s_client_against_lucid_server() {
    let mut rows = Vec::new();
    let Some(openssl) = common::find_program("openssl") else {
        let note = common::missing_peer("openssl s_client", "`openssl` not on PATH");
        report("openssl-s_client", &rows, &note);
        return;
    };
    let servers = LucidServer::start_all();
    for cell in matrix(1) {
        let server = LucidServer::of(&servers, cell.cert);
        let peer = s_client(
            &openssl,
            server,
            &cell,
            (Some(&cell.offer()), None),
            &[],
            false,
        );
        let result = both(peer, server.check_one_full(&cell));
        let check = format!("{} cert", cell.cert.name());
        rows.push(Row::new("openssl s_client", check, &cell, result));
    }

    // s_client's own default groups (every group lucid implements among them: lucid's
    // server takes its first preference), then each group alone.
    let groups = client_groups();
    let rsa = LucidServer::of(&servers, Cert::Rsa);
    let suite = first_suite(Cert::Rsa, V12);
    let mut explicit = vec![(None, server_groups()[0])];
    explicit.extend(groups.iter().map(|g| (Some(vec![*g]), *g)));
    for (offer, group) in explicit {
        let cell = Cell {
            cert: Cert::Rsa,
            version: V12,
            suite,
            group,
        };
        let peer = s_client(&openssl, rsa, &cell, (offer.as_deref(), None), &[], false);
        let result = both(peer, rsa.check_one_full(&cell));
        let check = match offer {
            Some(_) => "RSA cert, -groups",
            None => "RSA cert, s_client's groups",
        };
        rows.push(Row::new("openssl s_client", check.into(), &cell, result));
    }

    let dir = common::out_dir("ecdhe");
    for cell in resumption_cells(1) {
        let server = LucidServer::of(&servers, cell.cert);
        let sess = dir.join(format!(
            "s_client-{}-{}-{}.sess",
            cell.cert.tag(),
            cell.version,
            cell.suite.suite
        ));
        let offer = cell.offer();
        let first = s_client(
            &openssl,
            server,
            &cell,
            (Some(&offer), None),
            &["-sess_out".as_ref(), sess.as_os_str()],
            false,
        )
        .map_err(|e| format!("first: {e}"));
        let second = first.and_then(|()| {
            s_client(
                &openssl,
                server,
                &cell,
                (Some(&offer), None),
                &["-sess_in".as_ref(), sess.as_os_str()],
                true,
            )
            .map_err(|e| format!("second: {e}"))
        });
        let result = both(second, server.check_full_then_resumed(&cell));
        let check = format!("{} cert, full + resumed", cell.cert.name());
        rows.push(Row::new("openssl s_client", check, &cell, result));
    }

    // A server holding both chains: s_client offers an ECDHE_ECDSA and an ECDHE_RSA suite;
    // it gets the P-256 chain only when it lists secp256r1.
    let two = LucidServer::start(&TWO_CHAINS);
    for (cell, offered) in two_chain_cells() {
        let offer = cell.offer();
        let args = (Some(offer.as_slice()), Some(offered.as_slice()));
        let peer = s_client(&openssl, &two, &cell, args, &[], false);
        let result = both(peer, two.check_one_full(&cell));
        let check = two_chain_check(&cell);
        rows.push(Row::new("openssl s_client", check, &cell, result));
    }
    report("openssl-s_client", &rows, "");
}
