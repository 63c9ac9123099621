//! Client certificates (mutual TLS, issue #17) against real peers on 127.0.0.1, both
//! directions; each side checks what the other reports about the client's identity.
//!
//! The cells: TLS 1.0, 1.1 and 1.2 × AES-128-CBC-SHA with RSA and with ECDHE_RSA key
//! exchange, and at TLS 1.2 ECDHE_RSA AES-128-GCM plus the three SHA-384 suites (ECDHE_RSA
//! AES-256-GCM and AES-256-CBC-SHA384, RSA AES-256-GCM), whose CertificateVerify signs a
//! SHA-384 transcript; each with an RSA client (`testdata/cases/eku-clientauth`) and an
//! ECDSA P-256 client (`testdata/ecdsa/p256-client`), against a server that requires a
//! client certificate and one that only asks for it.
//!
//! - The lucid client against `openssl s_server -www` (`-Verify 1` / `-verify 1`), whose
//!   page names the client's subject, the verify result and the CertificateVerify's hash and
//!   key type; `gnutls-serv --http --verify-client-cert` (with and without
//!   `--require-client-cert`), whose page names the subject and whose log the trust status
//!   and (TLS 1.2) the client's signature scheme; tlslite-ng's `tls.py server --reqcert`,
//!   whose log names the leaf's SHA-1 fingerprint (it can only ask: see
//!   [`lucid_client_against_tlslite_server`]).
//! - `openssl s_client -cert -cert_chain -key`, `gnutls-cli --x509certfile --x509keyfile`
//!   and a tlslite-ng client (its API: `handshakeClientCert(certChain, privateKey)`) against
//!   an in-process lucid server (`ClientAuth::Required` / `Optional` over a
//!   `WebPkiClientVerifier`): the `Client    :` line of its `--www` page and the chain it
//!   recorded (`Negotiated::client_certificates`); s_client also shows lucid's
//!   CertificateRequest (CA names, certificate types, signature algorithms).
//! - Resumption with every peer, both directions: the abbreviated handshake still reports
//!   the client on both sides (the chain travels with the session).
//! - Refusals: no certificate for a server that requires one, and a certificate every server
//!   must refuse; the alert the other side receives, what the refusing side logs, and the
//!   words lucid's client uses (naming `--cert`).
//!
//! Each peer and direction is its own `#[test]`, so they run in parallel; servers are
//! long-lived and started before the first cell. Each test prints its table and writes it to
//! `target/interop/client-auth-<section>.txt`. A missing peer fails under
//! `LUCID_REQUIRE_PEERS=1` (set by `cargo xtask ci`) and is reported as skipped otherwise.
//!
//! The tests are here; what they share is in [`identity`] (the client certificates, the
//! client roots, [`Mode`]), [`table`] (rows, report, checks), [`lucid_client`] and
//! [`lucid_server`] (lucid's side of every cell), and one module per peer with its names,
//! commands and checks ([`openssl`], [`gnutls`], [`tlslite`]).

#[path = "../common/mod.rs"]
mod common;
mod gnutls;
mod identity;
mod lucid_client;
mod lucid_server;
mod openssl;
#[path = "../server_support/mod.rs"]
mod server_support;
mod table;
mod tlslite;

use core::time::Duration;
use std::fs;
use std::process::Command;

use common::Peer;
use gnutls::{
    check_gnutls_cli, check_gnutls_serv, gnutls_cli, gnutls_empty_priority_file, gnutls_serv,
};
use identity::{IDENTITIES, Mode};
use lucid_client::lucid_client_cells;
use lucid_core::{AlertDescription, CipherSuite, ProtocolVersion};
use lucid_server::{
    Client, LUCID_REFUSALS, check_lucid_server, lucid_server, lucid_server_cells, only,
    run_against, summaries,
};
use lucid_test_support::peers::{run, tail};
use openssl::{check_s_client, check_s_server, s_client, s_server};
use server_support::{TestServer, V10, V11, V12};
use table::{Row, expect, report, resumption_name};
use tlslite::{
    TLSLITE_CLIENT, TLSLITE_INDEX, TlsliteCell, check_tls_py, tlslite_connections, tlslite_version,
};

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
/// How long a peer process may run.
const PEER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to log a connection its client saw end.
const LOG_TIMEOUT: Duration = Duration::from_secs(5);

const RSA_CBC: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
const ECDHE_CBC: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
const ECDHE_GCM: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const ECDHE_GCM_384: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
const ECDHE_CBC_384: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384;
const RSA_GCM_384: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384;

/// Every (version, suite) cell, tried with each identity against each mode.
const CELLS: [(ProtocolVersion, CipherSuite); 10] = [
    (V10, RSA_CBC),
    (V10, ECDHE_CBC),
    (V11, RSA_CBC),
    (V11, ECDHE_CBC),
    (V12, RSA_CBC),
    (V12, ECDHE_CBC),
    (V12, ECDHE_GCM),
    (V12, ECDHE_GCM_384),
    (V12, ECDHE_CBC_384),
    (V12, RSA_GCM_384),
];

/// Where a client without a certificate meets a server that only asks, and where
/// resumption is checked: the oldest version with a CBC suite, TLS 1.2 with a SHA-384 one.
const FEW_CELLS: [(ProtocolVersion, CipherSuite); 2] = [(V10, RSA_CBC), (V12, ECDHE_GCM_384)];

// ---------------------------------------------------------------- lucid client: openssl

#[test]
fn lucid_client_against_openssl_s_server() {
    let Some(openssl) = common::find_program("openssl") else {
        let note = common::missing_peer("openssl s_server", "`openssl` not on PATH");
        report("openssl-s_server", &[], &note);
        return;
    };
    let dir = common::out_dir("client-auth");
    let required = s_server(&openssl, &dir, Mode::Required);
    let optional = s_server(&openssl, &dir, Mode::Optional);
    // OpenSSL (TLS 1.2, statem_srvr.c and ssl_verify_alarm_type): no certificate under
    // -Verify is handshake_failure; a chain from an unknown issuer is unknown_ca.
    let refusals = [
        AlertDescription::HANDSHAKE_FAILURE,
        AlertDescription::UNKNOWN_CA,
    ];
    let servers = [(Mode::Required, &required), (Mode::Optional, &optional)];
    let rows = lucid_client_cells("openssl s_server", &servers, Some(refusals), check_s_server);
    report("openssl-s_server", &rows, "");
}

// ---------------------------------------------------------------- lucid client: gnutls

#[test]
fn lucid_client_against_gnutls_serv() {
    let Some(bin) = common::find_program("gnutls-serv") else {
        let why = "`gnutls-serv` not on PATH (Debian: gnutls-bin)";
        let note = common::missing_peer("gnutls-serv", why);
        report("gnutls-serv", &[], &note);
        return;
    };
    let dir = common::out_dir("client-auth");
    let required = gnutls_serv(&bin, &dir, Mode::Required);
    let optional = gnutls_serv(&bin, &dir, Mode::Optional);
    // gnutls-serv 3.7 answers an empty Certificate under --require-client-cert with
    // decode_error ("Error in handshake: No certificate was found."), and a chain it
    // cannot verify with access_denied, also when the certificate is optional
    // (--verify-client-cert: "if a client certificate is sent then verify it").
    let refusals = [
        AlertDescription::DECODE_ERROR,
        AlertDescription::ACCESS_DENIED,
    ];
    let servers = [(Mode::Required, &required), (Mode::Optional, &optional)];
    let rows = lucid_client_cells("gnutls-serv", &servers, Some(refusals), check_gnutls_serv);
    report("gnutls-serv", &rows, "");
}

// ---------------------------------------------------------------- lucid client: tlslite

/// The lucid client against `tls.py server --reqcert`.
///
/// tlslite-ng 0.8 can only *ask* for a client certificate in TLS 1.0–1.2: `--reqcert` sends
/// a CertificateRequest and takes an empty Certificate (`tlsconnection.py`,
/// `_serverCertKeyExchange`: `clientCertChain` just stays `None`); its only "required"
/// switch, `--require-pha`, is TLS 1.3 post-handshake authentication. Nor does it verify the
/// client's chain against any CA (tls.py has no CA option): it checks the CertificateVerify
/// with the leaf's key and prints the leaf's SHA-1 fingerprint. So every cell here is
/// "optional", and none can show a refusal.
#[test]
fn lucid_client_against_tlslite_server() {
    let (python, tls_py) = match common::tlslite() {
        Ok(found) => found,
        Err(why) => {
            let note = common::missing_peer("tlslite-ng", &why);
            report("tlslite-server", &[], &note);
            return;
        }
    };
    let dir = common::out_dir("client-auth");
    let docroot = dir.join("tlslite-docroot");
    fs::create_dir_all(&docroot).unwrap();
    fs::write(docroot.join("index.html"), TLSLITE_INDEX).unwrap();
    let port = common::free_port();
    let mut cmd = Command::new(python);
    cmd.env("PYTHONUNBUFFERED", "1")
        .arg(tls_py)
        .args(["server", "--reqcert", "-c"])
        .arg(common::pki("chain.pem"))
        .arg("-k")
        .arg(common::pki("leaf.key"))
        .arg("-d")
        .arg(&docroot)
        .arg(format!("127.0.0.1:{port}"));
    let server = Peer::start("tls.py-server-reqcert", cmd, port, &dir);
    // Let the readiness probe's log output settle before the first cell.
    std::thread::sleep(Duration::from_millis(200));
    let rows = lucid_client_cells(
        "tls.py server",
        &[(Mode::Optional, &server)],
        None,
        check_tls_py,
    );
    report("tlslite-server", &rows, "");
}

// ---------------------------------------------------------------- lucid server: openssl

#[test]
fn openssl_s_client_against_lucid_server() {
    if common::find_program("openssl").is_none() {
        let note = common::missing_peer("openssl s_client", "`openssl` not on PATH");
        report("openssl-s_client", &[], &note);
        return;
    }
    let required = lucid_server(Mode::Required);
    let optional = lucid_server(Mode::Optional);
    let client = Client {
        peer: "openssl s_client",
        command: &|server, v, s, id| s_client(server.port(), v, s, id),
        check: &|out, v, s, _| check_s_client(out, v, s, false),
        // "...:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert
        // number 40"
        alert: |a| format!("SSL alert number {}", a.get()),
    };
    let mut rows = lucid_server_cells(&client, &required, &optional);
    // Resumption: -sess_out, then -sess_in without -cert: lucid's page still names the
    // client, whose chain came back with the session.
    let dir = common::out_dir("client-auth");
    for id in IDENTITIES {
        for (v, s) in FEW_CELLS {
            let sess = dir.join(format!("s_client-session-{}-{v}-{s}.pem", id.key_type()));
            let _ = fs::remove_file(&sess);
            let connect = |cert, resumed: bool| {
                let mut cmd = s_client(required.port(), v, s, cert);
                cmd.arg(if resumed { "-sess_in" } else { "-sess_out" })
                    .arg(&sess);
                let (ran, served) = run_against(&required, &mut cmd, 1)?;
                check_s_client(&ran.stdout, v, s, resumed)
                    .and_then(|()| {
                        check_lucid_server(&ran.stdout, &only(&served), v, s, Some(id), resumed)
                    })
                    .map_err(|e| format!("{e}: {}", tail(&ran)))
            };
            let result = connect(Some(id), false)
                .map_err(|e| format!("full: {e}"))
                .and_then(|()| connect(None, true).map_err(|e| format!("resumed: {e}")));
            rows.push(Row {
                peer: client.peer,
                check: resumption_name(Mode::Required, id),
                version: v,
                suite: s,
                result,
            });
        }
    }
    report("openssl-s_client", &rows, "");
}

// ---------------------------------------------------------------- lucid server: gnutls

#[test]
fn gnutls_cli_against_lucid_server() {
    let Some(bin) = common::find_program("gnutls-cli") else {
        let why = "`gnutls-cli` not on PATH (Debian: gnutls-bin)";
        let note = common::missing_peer("gnutls-cli", why);
        report("gnutls-cli", &[], &note);
        return;
    };
    let empty = gnutls_empty_priority_file(&common::out_dir("client-auth"));
    let required = lucid_server(Mode::Required);
    let optional = lucid_server(Mode::Optional);
    let command = |server: &TestServer, v, s, id| gnutls_cli(&bin, &empty, server.port(), v, s, id);
    let client = Client {
        peer: "gnutls-cli",
        command: &command,
        check: &|out, _, _, id| check_gnutls_cli(out, id),
        // "*** Received alert [40]: Handshake failed"
        alert: |a| format!("Received alert [{}]", a.get()),
    };
    let mut rows = lucid_server_cells(&client, &required, &optional);
    // Resumption: --resume connects, closes, and connects again resuming; lucid records
    // both connections, each with the client's chain, and its page names the client.
    for id in IDENTITIES {
        for (v, s) in FEW_CELLS {
            let mut resume = command(&required, v, s, Some(id));
            let result =
                run_against(&required, resume.arg("--resume"), 2).and_then(|(ran, served)| {
                    expect(&ran.stdout, "*** This is a resumed session\n", "gnutls-cli")
                        .map_err(|e| format!("{e}: {}", tail(&ran)))?;
                    // The first connection (closed without a request) and the resumed one, in
                    // whichever order their threads recorded them.
                    let (resumed, full): (Vec<_>, Vec<_>) = served
                        .iter()
                        .partition(|r| r.as_ref().is_ok_and(|r| r.resumed));
                    match (resumed.as_slice(), full.as_slice()) {
                        ([resumed], [Ok(full)])
                            if full.version == v
                                && full.suite == s
                                && full.client_certificates == id.chain_der() =>
                        {
                            check_lucid_server(&ran.stdout, resumed, v, s, Some(id), true)
                        }
                        _ => Err(format!("server recorded {:?}", summaries(&served))),
                    }
                });
            rows.push(Row {
                peer: client.peer,
                check: resumption_name(Mode::Required, id),
                version: v,
                suite: s,
                result,
            });
        }
    }
    report("gnutls-cli", &rows, "");
}

// ---------------------------------------------------------------- lucid server: tlslite

/// tlslite-ng's client (its API) against lucid's servers: the same cells as
/// [`lucid_server_cells`] plus full + resumed handshakes, all in one Python process.
#[test]
fn tlslite_client_against_lucid_server() {
    let (python, _) = match common::tlslite() {
        Ok(found) => found,
        Err(why) => {
            let note = common::missing_peer("tlslite-ng", &why);
            report("tlslite-client", &[], &note);
            return;
        }
    };
    let required = lucid_server(Mode::Required);
    let optional = lucid_server(Mode::Optional);
    let server = |mode| match mode {
        Mode::Required => &required,
        Mode::Optional => &optional,
    };
    let mut cells = Vec::new();
    for mode in [Mode::Required, Mode::Optional] {
        for id in IDENTITIES {
            for cell in CELLS {
                cells.push(TlsliteCell::new(mode, cell, Some(id)));
            }
        }
    }
    for cell in FEW_CELLS {
        cells.push(TlsliteCell::new(Mode::Optional, cell, None));
    }
    // Refusals: tlslite raises TLSRemoteAlert with lucid's alert.
    for (mode, id, alert, error) in LUCID_REFUSALS {
        let mut cell = TlsliteCell::new(mode, (V12, ECDHE_GCM), id);
        cell.refused = Some((alert, error));
        cells.push(cell);
    }
    for id in IDENTITIES {
        for cell in FEW_CELLS {
            let mut cell = TlsliteCell::new(Mode::Required, cell, Some(id));
            cell.resume = true;
            cells.push(cell);
        }
    }

    let script = common::out_dir("client-auth").join("tlslite_client_auth.py");
    fs::write(&script, TLSLITE_CLIENT).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(&script);
    for c in &cells {
        cmd.args(c.args(server(c.mode).port()));
    }
    let ran = run(&mut cmd, b"", PEER_TIMEOUT);
    let (out, failure) = match &ran {
        Ok(ran) if ran.success => (ran.stdout.as_str(), None),
        Ok(ran) => (
            ran.stdout.as_str(),
            Some(format!("tlslite failed: {}", tail(ran))),
        ),
        Err(e) => ("", Some(e.to_string())),
    };
    // Every connection lucid recorded, with its server: a served one names the client's
    // port (a server thread may record a connection a moment after the next one began),
    // a refused one does not.
    let want = cells
        .iter()
        .map(|c| if c.resume { 2 } else { 1 })
        .sum::<usize>();
    let mut served = Vec::new();
    let deadline = std::time::Instant::now() + LOG_TIMEOUT;
    while served.len() < want && std::time::Instant::now() < deadline {
        for mode in [Mode::Required, Mode::Optional] {
            served.extend(server(mode).take_served().into_iter().map(|r| (mode, r)));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Matched by server and client port, each record used once and in order: the one
    // tlslite process makes ~55 connections to two servers, and the kernel may hand a
    // later connection the same ephemeral port as an earlier one.
    let used = std::cell::RefCell::new(vec![false; served.len()]);
    let by_port = |mode: Mode, port: u16| {
        let mut used = used.borrow_mut();
        let hit = served.iter().enumerate().position(|(i, (m, r))| {
            !used[i] && *m == mode && r.as_ref().is_ok_and(|s| s.peer_port == port)
        });
        match hit {
            Some(i) => {
                used[i] = true;
                served[i].1.clone()
            }
            None => Err(format!("no served connection from port {port}")),
        }
    };
    let mut rows = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let conns = tlslite_connections(out, i);
        let check_conn = |(conn, port, status, page): &(usize, u16, String, String)| {
            let resumed = *conn == 1;
            let want = format!(
                "version={} resumed={}",
                tlslite_version(c.version),
                if resumed { "True" } else { "False" }
            );
            if *status != want {
                return Err(format!(
                    "connection {conn}: tlslite says {status}, expected {want}"
                ));
            }
            check_lucid_server(
                page,
                &by_port(c.mode, *port),
                c.version,
                c.suite,
                c.id,
                resumed,
            )
            .map_err(|e| format!("connection {conn}: {e}"))
        };
        let result = match (&failure, c.refused) {
            (Some(f), _) => Err(f.clone()),
            (None, Some((alert, error))) => match conns.as_slice() {
                [(_, _, status, _)] if *status == format!("alert={}", alert.get()) => {
                    // Each server refuses each way once.
                    let n = served
                        .iter()
                        .filter(|(m, r)| {
                            *m == c.mode && r.as_ref().is_err_and(|e| e.contains(error))
                        })
                        .count();
                    (n == 1)
                        .then_some(())
                        .ok_or(format!("lucid recorded {n} times {error:?}"))
                }
                other => Err(format!("tlslite saw {other:?}")),
            },
            (None, None) if conns.len() != if c.resume { 2 } else { 1 } => Err(format!(
                "tlslite made {} connection(s): {conns:?}",
                conns.len()
            )),
            (None, None) => conns.iter().try_for_each(check_conn),
        };
        rows.push(Row {
            peer: "tlslite-ng API",
            check: c.name(),
            version: c.version,
            suite: c.suite,
            result,
        });
    }
    report("tlslite-client", &rows, "");
}
