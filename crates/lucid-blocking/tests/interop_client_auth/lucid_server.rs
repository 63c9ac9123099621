//! lucid's in-process server for the real clients: its config, the refusals every client
//! meets, what lucid recorded of each connection, and the cells every client section runs
//! ([`lucid_server_cells`]).

use std::fs;
use std::process::Command;
use std::sync::Arc;

use lucid_blocking::server::MemoryServerSessionStore;
use lucid_core::{
    AlertDescription, CipherSuite, ClientAuth, ProtocolVersion, RootStore, WebPkiClientVerifier,
};
use lucid_test_support::peers::{Ran, run, tail, testdata};

use crate::identity::{IDENTITIES, Identity, Mode};
use crate::server_support::{self, Served, TestServer, V12};
use crate::table::{Row, check_name, expect, expect_not, refusal_name};
use crate::{CELLS, ECDHE_GCM, FEW_CELLS, PEER_TIMEOUT, REQUEST};

/// An in-process lucid server (answering like `lucid serve --www`): the test PKI's RSA
/// chain, TLS 1.0..1.2, every suite (the clients pick the cell), a session cache, and
/// client certificates verified against the cases and P-256 roots.
pub(crate) fn lucid_server(mode: Mode) -> TestServer {
    let store = Arc::new(MemoryServerSessionStore::default());
    let mut config = server_support::server_config(&store);
    let mut roots = RootStore::new();
    for root in ["cases/root.pem", "ecdsa/p256-root.pem"] {
        let pem = fs::read(testdata(root)).unwrap();
        assert_eq!(roots.add_pem(&pem).expect("root parses"), 1);
    }
    let verifier = Arc::new(WebPkiClientVerifier::new(roots));
    config.client_auth = match mode {
        Mode::Required => ClientAuth::Required(verifier),
        Mode::Optional => ClientAuth::Optional(verifier),
    };
    TestServer::start(config)
}

/// lucid's error for a client that sent no certificate to a server requiring one.
const LUCID_NO_CERT: &str = "handshake: peer incompatible: this server requires a client \
                             certificate and the client sent none";
/// lucid's error for [`Identity::Refused`]: its serverAuth-only extendedKeyUsage (checked
/// before the path is built; its issuer is not trusted either).
const LUCID_REFUSED_CERT: &str = "handshake: invalid certificate: extendedKeyUsage";

/// The refusals every real client meets (at TLS 1.2 with [`ECDHE_GCM`]): lucid's server,
/// the client's identity, the alert lucid sends and the error it records.
pub(crate) const LUCID_REFUSALS: [(Mode, Option<Identity>, AlertDescription, &str); 3] = [
    (Mode::Required, None, HANDSHAKE_FAILURE, LUCID_NO_CERT),
    (
        Mode::Required,
        Some(Identity::Refused),
        UNSUPPORTED_CERTIFICATE,
        LUCID_REFUSED_CERT,
    ),
    (
        Mode::Optional,
        Some(Identity::Refused),
        UNSUPPORTED_CERTIFICATE,
        LUCID_REFUSED_CERT,
    ),
];
const HANDSHAKE_FAILURE: AlertDescription = AlertDescription::HANDSHAKE_FAILURE;
const UNSUPPORTED_CERTIFICATE: AlertDescription = AlertDescription::UNSUPPORTED_CERTIFICATE;

/// A connection lucid served, without its certificates' bytes (for messages).
fn summary(r: &Result<Served, String>) -> String {
    match r {
        Ok(s) => format!(
            "{} {} resumed={} {} client certificate(s)",
            s.version,
            s.suite,
            s.resumed,
            s.client_certificates.len()
        ),
        Err(e) => format!("error: {e}"),
    }
}

pub(crate) fn summaries(served: &[Result<Served, String>]) -> Vec<String> {
    served.iter().map(summary).collect()
}

/// lucid's view of one served connection: `out` (the peer's output) has lucid's page, whose
/// version, suite, resumption and `Client` line (`id`'s subject or `none`) are checked;
/// `served` is what the server recorded, whose `client_certificates` must be `id`'s whole
/// chain (or empty).
pub(crate) fn check_lucid_server(
    out: &str,
    served: &Result<Served, String>,
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
    resumed: bool,
) -> Result<(), String> {
    server_support::check_page(out, v, s, None, None, Some(resumed))?;
    let fields = server_support::page_fields(out).ok_or("no lucid page")?;
    let client = fields
        .iter()
        .find(|(k, _)| k == "Client")
        .map(|(_, c)| c.as_str());
    let want = id.map_or("none", Identity::subject);
    if client != Some(want) {
        return Err(format!("page says Client: {client:?}, expected {want:?}"));
    }
    let ok = served.as_ref().is_ok_and(|r| {
        r.version == v
            && r.suite == s
            && r.resumed == resumed
            && r.client_certificates == id.map(Identity::chain_der).unwrap_or_default()
    });
    ok.then_some(())
        .ok_or_else(|| format!("server recorded {}", summary(served)))
}

/// Runs a client against `server` until it exits; its output, and the `n` connections
/// the server recorded (taken whatever happened, so that the next cell starts clean).
pub(crate) fn run_against(
    server: &TestServer,
    cmd: &mut Command,
    n: usize,
) -> Result<(Ran, Vec<Result<Served, String>>), String> {
    let ran = run(cmd, REQUEST, PEER_TIMEOUT).map_err(|e| e.to_string());
    let served = server.wait_served(n);
    Ok((ran?, served))
}

/// The one connection a serving lucid server recorded.
pub(crate) fn only(served: &[Result<Served, String>]) -> Result<Served, String> {
    match served {
        [one] => one.clone(),
        other => Err(format!("server recorded {:?}", summaries(other))),
    }
}

/// Makes a real client's command for one cell: server, version, suite, identity.
type MakeCommand<'a> =
    &'a dyn Fn(&TestServer, ProtocolVersion, CipherSuite, Option<Identity>) -> Command;

/// Checks a real client's own report (its stdout) of a full handshake in one cell.
type CheckReport<'a> =
    &'a dyn Fn(&str, ProtocolVersion, CipherSuite, Option<Identity>) -> Result<(), String>;

/// How a real client is run against lucid's servers and reports a full handshake.
pub(crate) struct Client<'a> {
    pub(crate) peer: &'static str,
    pub(crate) command: MakeCommand<'a>,
    pub(crate) check: CheckReport<'a>,
    /// How it prints an alert it received.
    pub(crate) alert: fn(AlertDescription) -> String,
}

/// One real client's cells against lucid's servers (`required`, `optional`): each
/// identity × [`CELLS`] in each mode and no certificate × [`FEW_CELLS`] where optional,
/// checked on both sides; and [`LUCID_REFUSALS`], as the client prints them and as lucid
/// recorded them. Resumption is each client's own, added by its test.
pub(crate) fn lucid_server_cells(
    client: &Client<'_>,
    required: &TestServer,
    optional: &TestServer,
) -> Vec<Row> {
    let server = |mode| match mode {
        Mode::Required => required,
        Mode::Optional => optional,
    };
    let mut rows = Vec::new();
    let mut row = |check: String, v, s, result| {
        rows.push(Row {
            peer: client.peer,
            check,
            version: v,
            suite: s,
            result,
        });
    };
    for mode in [Mode::Required, Mode::Optional] {
        let server = server(mode);
        let ids = IDENTITIES
            .iter()
            .flat_map(|&id| CELLS.map(|c| (Some(id), c)));
        let none = FEW_CELLS.map(|c| (None, c));
        let none = none.iter().filter(|_| mode == Mode::Optional);
        for (id, (v, s)) in ids.chain(none.copied()) {
            let result = run_against(server, &mut (client.command)(server, v, s, id), 1).and_then(
                |(ran, served)| {
                    (client.check)(&ran.stdout, v, s, id)
                        .and_then(|()| {
                            check_lucid_server(&ran.stdout, &only(&served), v, s, id, false)
                        })
                        .map_err(|e| format!("{e}: {}", tail(&ran)))
                },
            );
            row(check_name(mode, id), v, s, result);
        }
    }
    let (v, s) = (V12, ECDHE_GCM);
    for (mode, id, alert, error) in LUCID_REFUSALS {
        let server = server(mode);
        let result = run_against(server, &mut (client.command)(server, v, s, id), 1).and_then(
            |(ran, served)| {
                let out = format!("{}{}", ran.stdout, ran.stderr);
                expect(&out, &(client.alert)(alert), "the client's error")
                    .and_then(|()| expect_not(&out, "lucid serve", "the client's output"))
                    .map_err(|e| format!("{e}: {}", tail(&ran)))?;
                match served.as_slice() {
                    [Err(e)] if e.contains(error) => Ok(()),
                    other => Err(format!(
                        "server recorded {:?}, expected {error:?}",
                        summaries(other)
                    )),
                }
            },
        );
        row(refusal_name(mode, id, alert), v, s, result);
    }
    rows
}
