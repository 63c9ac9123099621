//! tlslite-ng both ways: the lucid client against `tls.py server`, and a tlslite-ng client
//! (its API) against lucid's server.
//!
//! tlslite-ng 0.8.2 (pure Python) completes every cell of the matrix both ways: all twelve
//! ECDHE suites, TLS 1.0–1.2, x25519, secp256r1 and secp384r1, with the RSA, P-256 and P-384
//! certificates, and resumption; no cell is left out for tlslite's sake. (A tls.py server
//! does not hold to RFC 8422 §5.3: it serves its P-256 key to a client that offered only
//! secp384r1. `openssl s_server` refuses such a client with handshake_failure, which is
//! why every cell offers an ECDSA certificate's curve, [`crate::Cell::offer`].)

use core::time::Duration;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use lucid_blocking::server::MemoryClientSessionStore;
use lucid_core::NamedGroup;
use lucid_core::internal::crypto::suites::SuiteParams;
use lucid_test_support::peers::{Peer, run, tail};

use crate::lucid::{
    Fetched, LucidServer, check_full, check_lucid_page, check_resumed, client_config, fetch,
};
use crate::names::{tlslite_settings, tlslite_version};
use crate::{
    Cell, Cert, Row, TWO_CHAINS, both, client_groups, common, expect, head, matrix, report,
    resumption_cells, start_all, two_chain_cells, two_chain_check,
};

/// What `tls.py server` serves as `/` (a file in its document directory).
const INDEX: &[u8] = b"lucid ECDHE interop: hello from tlslite-ng\n";

/// `tls.py server` with `certs` (the first as its certificate, the others as further key
/// pairs it chooses from by the suite), only `group` enabled (`--groups`): tls.py does not
/// print the group a TLS 1.2 server used, so one server per group makes it the peer's
/// view.
fn tls_py_server(
    python: &Path,
    tls_py: &Path,
    docroot: &Path,
    certs: &[Cert],
    group: NamedGroup,
) -> (String, Command, u16) {
    let port = common::free_port();
    let mut cmd = Command::new(python);
    cmd.env("PYTHONUNBUFFERED", "1").arg(tls_py).arg("server");
    for cert in certs {
        cmd.arg("-c").arg(cert.chain()).arg("-k").arg(cert.key());
    }
    cmd.arg("-d")
        .arg(docroot)
        .args(["--groups", &group.to_string()])
        .arg(format!("127.0.0.1:{port}"));
    let tags: Vec<&str> = certs.iter().map(|c| c.tag()).collect();
    (format!("tls.py-{}-{group}", tags.join("-")), cmd, port)
}

/// Checks the response and tls.py's log block for the connection (the first block after
/// `log_from`: the cells run one at a time).
fn check_tls_py(
    peer: &Peer,
    log_from: usize,
    f: &Fetched,
    cell: &Cell,
    resumed: bool,
) -> Result<(), String> {
    let (headers, body) = f
        .page
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {:?}", head(&f.page)))?;
    if !headers.starts_with("HTTP/1.0 200 OK\r\n") {
        return Err(format!("bad status: {:?}", head(headers)));
    }
    if body.as_bytes() != INDEX {
        return Err(format!("body {body:?}"));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let block = loop {
        let log = peer.stdout_text();
        if let Some(block) = log
            .get(log_from..)
            .filter(|b| b.contains("  Session Resumed:"))
        {
            break block.to_string();
        }
        if Instant::now() > deadline {
            return Err("tls.py logged no handshake block".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let want = [
        format!("  Version: {}\n", tlslite_version(cell.version)),
        format!("  Ciphersuite: {}\n", cell.suite.suite),
        format!(
            "  Session Resumed: {}\n",
            if resumed { "True" } else { "False" }
        ),
    ];
    for w in &want {
        expect(&block, w, "tls.py's log")?;
    }
    Ok(())
}

#[test]
fn lucid_client_against_tlslite_server() {
    let mut rows = Vec::new();
    let (python, tls_py) = match common::tlslite() {
        Ok(found) => found,
        Err(why) => {
            let note = common::missing_peer("tlslite-ng", &why);
            report("tlslite-server", &rows, &note);
            return;
        }
    };
    let dir = common::out_dir("ecdhe");
    let docroot = dir.join("tlslite-docroot");
    fs::create_dir_all(&docroot).unwrap();
    fs::write(docroot.join("index.html"), INDEX).unwrap();
    // Per group: one server with the RSA and the P-256 certificates, one with the P-384
    // certificate.
    let cert_sets = [vec![Cert::Rsa, Cert::EcdsaP256], vec![Cert::EcdsaP384]];
    let mut plan = Vec::new();
    for g in client_groups() {
        for (i, certs) in cert_sets.iter().enumerate() {
            plan.push((i, g, tls_py_server(&python, &tls_py, &docroot, certs, g)));
        }
    }
    let keys: Vec<(usize, NamedGroup)> = plan.iter().map(|(i, g, _)| (*i, *g)).collect();
    let servers = start_all(&dir, plan.into_iter().map(|(_, _, spec)| spec).collect());
    let server = |cell: &Cell| {
        let set = cert_sets
            .iter()
            .position(|s| s.contains(&cell.cert))
            .unwrap();
        &servers[keys.iter().position(|k| *k == (set, cell.group)).unwrap()]
    };

    for cell in matrix(4) {
        let peer = server(&cell);
        let log_from = peer.stdout_text().len();
        let result = fetch(peer.addr(), client_config(&cell, &cell.offer(), None)).and_then(|f| {
            check_full(&f.negotiated, &cell)?;
            check_tls_py(peer, log_from, &f, &cell, false)
        });
        if let Err(e) = &result {
            eprintln!("FAIL tls.py server {cell:?}: {e}\n{}", peer.output());
        }
        let check = format!("{} cert, --groups", cell.cert.name());
        rows.push(Row::new("tlslite-ng tls.py", check, &cell, result));
    }

    for cell in resumption_cells(4) {
        let peer = server(&cell);
        let store = Arc::new(MemoryClientSessionStore::default());
        let config = client_config(&cell, &cell.offer(), Some(&store));
        let mut log_from = peer.stdout_text().len();
        let result = fetch(peer.addr(), config.clone())
            .and_then(|f| {
                check_full(&f.negotiated, &cell)?;
                check_tls_py(peer, log_from, &f, &cell, false)
            })
            .map_err(|e| format!("first: {e}"))
            .and_then(|()| {
                log_from = peer.stdout_text().len();
                let f = fetch(peer.addr(), config)?;
                check_resumed(&f.negotiated, &cell)?;
                check_tls_py(peer, log_from, &f, &cell, true)
            })
            .map_err(|e| format!("second: {e}"));
        if let Err(e) = &result {
            eprintln!("FAIL tls.py resumption {cell:?}: {e}\n{}", peer.output());
        }
        let check = format!("{} cert, full + resumed", cell.cert.name());
        rows.push(Row::new("tlslite-ng tls.py", check, &cell, result));
    }
    report("tlslite-server", &rows, "");
}

/// A tlslite-ng client through its API, one process for every cell: each argument is a
/// cell (`port,version,kx,cipher,mac,group,resume`, lists `:`-separated); for each it prints
/// the local port of each connection, what tlslite negotiated, and the page.
const CLIENT: &str = r#"
import socket, sys
from tlslite import TLSConnection, HandshakeSettings
from tlslite.constants import CipherSuite, GroupName
VERSIONS = {"1.0": (3, 1), "1.1": (3, 2), "1.2": (3, 3)}
def get(port, settings, session):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    print("connected port=%d" % sock.getsockname()[1], flush=True)
    c = TLSConnection(sock)
    c.handshakeClientCert(settings=settings, serverName="localhost", session=session)
    group = "-" if c.ecdhCurve is None else GroupName.toStr(c.ecdhCurve)
    print("tlslite: version=%s suite=%s group=%s resumed=%s" % (c.getVersionName(),
          CipherSuite.ietfNames[c.session.cipherSuite], group, c.resumed))
    c.send(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        r = c.recv(10240)
        if not r:
            break
        data += r
    sys.stdout.write(data.decode())
    session = c.session
    c.close()
    return session
for i, cell in enumerate(sys.argv[1:]):
    port, ver, kx, cipher, mac, groups, resume = cell.split(",")
    print("=== cell %d" % i)
    try:
        s = HandshakeSettings()
        s.minVersion = s.maxVersion = VERSIONS[ver]
        s.keyExchangeNames = kx.split(":")
        s.cipherNames = cipher.split(":")
        s.macNames = mac.split(":")
        s.eccCurves = groups.split(":")
        s.keyShares = []
        session = get(int(port), s, None)
        if resume == "1":
            get(int(port), s, session)
    except Exception as e:
        print("failed: %r" % (e,))
print("=== end", flush=True)
"#;

/// The script's argument for `cell`, offering `suites` (tlslite offers every combination
/// of their key exchanges, ciphers and MACs that is a suite).
fn client_arg(server: &LucidServer, cell: &Cell, suites: &[&SuiteParams], resume: bool) -> String {
    let mut lists: [Vec<String>; 3] = Default::default();
    for p in suites {
        let (kx, cipher, mac) = tlslite_settings(p);
        for (list, item) in lists
            .iter_mut()
            .zip([kx.to_string(), cipher, mac.to_string()])
        {
            if !list.contains(&item) {
                list.push(item);
            }
        }
    }
    let [kx, cipher, mac] = lists.map(|l| l.join(":"));
    let version = tlslite_version(cell.version).trim_start_matches("TLS ");
    let groups: Vec<String> = cell.offer().iter().map(ToString::to_string).collect();
    format!(
        "{},{version},{kx},{cipher},{mac},{},{}",
        server.port(),
        groups.join(":"),
        u8::from(resume)
    )
}

/// Checks one cell's part of the script's output (one connection, or a full handshake
/// then a resumed one) and lucid's records of the same connections.
fn check_client_cell(
    out: &str,
    server: &LucidServer,
    cell: &Cell,
    resume: bool,
) -> Result<(), String> {
    let conns: Vec<&str> = out.split("connected port=").skip(1).collect();
    if let Some(failed) = out.lines().find(|l| l.starts_with("failed: ")) {
        // lucid's side of the failure, if it got that far.
        let lucid = conns
            .last()
            .and_then(|c| c.lines().next()?.parse().ok())
            .and_then(|port| server.take_port(port));
        return Err(format!("tlslite {failed}; lucid: {lucid:?}"));
    }
    let want = if resume { 2 } else { 1 };
    if conns.len() != want {
        return Err(format!(
            "tlslite made {} connections: {:?}",
            conns.len(),
            head(out)
        ));
    }
    for (k, conn) in conns.iter().enumerate() {
        let resumed = k == 1;
        let port: u16 = conn
            .lines()
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or("no port")?;
        let n = server
            .take_port(port)
            .ok_or_else(|| format!("lucid's server has no record of port {port}"))?
            .map_err(|e| format!("lucid: {e}"))?;
        let group = if resumed {
            "-".to_string()
        } else {
            cell.group.to_string()
        };
        let line = format!(
            "tlslite: version={} suite={} group={group} resumed={}\n",
            tlslite_version(cell.version),
            cell.suite.suite,
            if resumed { "True" } else { "False" }
        );
        let peer =
            expect(conn, &line, "tlslite").and_then(|()| check_lucid_page(conn, cell, resumed));
        let lucid = if resumed {
            check_resumed(&n, cell)
        } else {
            check_full(&n, cell)
        };
        both(peer, lucid).map_err(|e| {
            if resume {
                format!("connection {}: {e}", k + 1)
            } else {
                e
            }
        })?;
    }
    Ok(())
}

#[test]
fn tlslite_client_against_lucid_server() {
    let mut rows = Vec::new();
    let (python, _) = match common::tlslite() {
        Ok(found) => found,
        Err(why) => {
            let note = common::missing_peer("tlslite-ng", &why);
            report("tlslite-client", &rows, &note);
            return;
        }
    };
    let script = common::out_dir("ecdhe").join("tlslite_ecdhe_client.py");
    fs::write(&script, CLIENT).unwrap();
    let servers = LucidServer::start_all();
    let two = LucidServer::start(&TWO_CHAINS);
    // (cell, the server, the suites offered, resume, check column).
    let mut cells: Vec<(Cell, &LucidServer, Vec<&SuiteParams>, bool, String)> = Vec::new();
    for c in matrix(5) {
        let check = format!("{} cert", c.cert.name());
        cells.push((
            c,
            LucidServer::of(&servers, c.cert),
            vec![c.suite],
            false,
            check,
        ));
    }
    for c in resumption_cells(5) {
        let check = format!("{} cert, full + session=", c.cert.name());
        cells.push((
            c,
            LucidServer::of(&servers, c.cert),
            vec![c.suite],
            true,
            check,
        ));
    }
    // A server holding both chains: the client offers an ECDHE_ECDSA and an ECDHE_RSA
    // suite; it gets the P-256 chain only when it lists secp256r1.
    for (c, offered) in two_chain_cells() {
        cells.push((c, &two, offered.to_vec(), false, two_chain_check(&c)));
    }
    let mut cmd = Command::new(&python);
    cmd.arg(&script).args(
        cells
            .iter()
            .map(|(c, server, suites, resume, _)| client_arg(server, c, suites, *resume)),
    );
    // One process runs them all, one after another.
    let ran = run(&mut cmd, b"", Duration::from_secs(300));
    let out = match &ran {
        Ok(ran) if ran.stdout.contains("=== end") => ran.stdout.clone(),
        Ok(ran) => panic!("the tlslite-ng client did not finish: {}", tail(ran)),
        Err(e) => panic!("could not run {}: {e}", python.display()),
    };
    for (i, (cell, server, _, resume, check)) in cells.into_iter().enumerate() {
        let start = format!("=== cell {i}\n");
        let part = out
            .split_once(&start)
            .map(|(_, rest)| rest.split("=== ").next().unwrap_or(rest))
            .unwrap_or_default();
        let result = check_client_cell(part, server, &cell, resume);
        rows.push(Row::new("tlslite-ng API", check, &cell, result));
    }
    report("tlslite-client", &rows, "");
}
