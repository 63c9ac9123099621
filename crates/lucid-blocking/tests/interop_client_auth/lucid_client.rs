//! lucid's client against a real server: its config for one cell, and the cells every
//! server section runs ([`lucid_client_cells`]), lucid's side checked here.

use std::sync::Arc;

use lucid_blocking::server::MemoryClientSessionStore;
use lucid_core::{
    AlertDescription, CipherSuite, ClientConfig, Error, HandshakeStep, ProtocolVersion,
};

use crate::common::{self, End, FetchError, Peer};
use crate::identity::{IDENTITIES, Identity, Mode};
use crate::server_support::V12;
use crate::table::{Row, check_name, expect, refusal_name, resumption_name};
use crate::{CELLS, ECDHE_GCM, FEW_CELLS, REQUEST};

/// A client for exactly `v` and `s`, trusting the test PKI's root, presenting `id`.
fn client_config(
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
    store: Option<&Arc<MemoryClientSessionStore>>,
) -> Arc<ClientConfig> {
    let mut c = common::client_config();
    c.min_version = v;
    c.max_version = v;
    c.cipher_suites = vec![s];
    if let Some(id) = id {
        c.set_client_certificate(id.certified_key());
    }
    if let Some(store) = store {
        c.session_store = Some(store.clone());
    }
    Arc::new(c)
}

/// One connection the lucid client made, as a server's check sees it.
pub(crate) struct Conn<'a> {
    pub(crate) response: &'a str,
    /// The client's port (how gnutls-serv's log names the connection).
    pub(crate) local_port: u16,
    /// How much the server had logged before the connection (tls.py's log names none).
    pub(crate) log_from: usize,
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: CipherSuite,
    pub(crate) id: Option<Identity>,
    pub(crate) resumed: bool,
}

/// The lucid client's cells against one kind of server, started once per mode
/// (`servers`): each identity × [`CELLS`] in each mode, no certificate × [`FEW_CELLS`]
/// where it is optional, full + resumed handshakes × [`FEW_CELLS`] against the first
/// server, and — unless the server cannot refuse (`refusals`: `None`) — no certificate
/// where required and [`Identity::Refused`] in each mode, refused with the alerts
/// `refusals` names. `check` reads the server's report of one connection; lucid's side is
/// checked here.
pub(crate) fn lucid_client_cells(
    peer: &'static str,
    servers: &[(Mode, &Peer)],
    refusals: Option<[AlertDescription; 2]>,
    check: impl Fn(&Peer, &Conn<'_>) -> Result<(), String>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row = |check: String, v, s, result: Result<(), String>, server: &Peer| {
        if let Err(e) = &result {
            eprintln!("FAIL {peer} {check} {v} {s}: {e}\n{}", server.output());
        }
        rows.push(Row {
            peer,
            check,
            version: v,
            suite: s,
            result,
        });
    };
    let conn = |server: &Peer, config, v, s, id, resumed| {
        let log_from = server.stdout_text().len();
        let f = common::fetch(server.addr(), config, REQUEST).map_err(|e| e.to_string())?;
        let n = &f.negotiated;
        // A client never records client certificates (that is the server's view).
        if n.version != v
            || n.suite != s
            || n.resumed != resumed
            || !n.client_certificates.is_empty()
        {
            return Err(format!(
                "lucid negotiated {} {} resumed={} client_certificates={}",
                n.version,
                n.suite,
                n.resumed,
                n.client_certificates.len()
            ));
        }
        if let End::Error(e) = &f.end {
            return Err(format!("reading the response: {e}"));
        }
        let response = String::from_utf8_lossy(&f.response);
        check(
            server,
            &Conn {
                response: &response,
                local_port: f.local_port,
                log_from,
                version: v,
                suite: s,
                id,
                resumed,
            },
        )
    };
    for &(mode, server) in servers {
        let ids = IDENTITIES
            .iter()
            .flat_map(|&id| CELLS.map(|c| (Some(id), c)));
        let none = FEW_CELLS.map(|c| (None, c));
        let none = none.iter().filter(|_| mode == Mode::Optional);
        for (id, (v, s)) in ids.chain(none.copied()) {
            let result = conn(server, client_config(v, s, id, None), v, s, id, false);
            row(check_name(mode, id), v, s, result, server);
        }
    }
    if let Some([no_cert, untrusted]) = refusals {
        let (v, s) = (V12, ECDHE_GCM);
        for &(mode, server) in servers {
            for (id, alert) in [(None, no_cert), (Some(Identity::Refused), untrusted)] {
                if id.is_none() && mode == Mode::Optional {
                    continue;
                }
                let fetched = common::fetch(server.addr(), client_config(v, s, id, None), REQUEST);
                let result = check_lucid_refused(fetched, id.is_some(), alert);
                row(refusal_name(mode, id, alert), v, s, result, server);
            }
        }
    }
    let (mode, server) = servers[0];
    for id in IDENTITIES {
        for (v, s) in FEW_CELLS {
            let store = Arc::new(MemoryClientSessionStore::default());
            let config = client_config(v, s, Some(id), Some(&store));
            let result = conn(server, config.clone(), v, s, Some(id), false)
                .map_err(|e| format!("full: {e}"))
                .and_then(|()| {
                    conn(server, config, v, s, Some(id), true).map_err(|e| format!("resumed: {e}"))
                });
            row(resumption_name(mode, id), v, s, result, server);
        }
    }
    rows
}

/// A lucid client the server refused: with `alert`, after our Certificate (`sent`) or our
/// empty one, and lucid's message says what that means (naming `--cert` when we sent none).
fn check_lucid_refused(
    result: Result<common::Fetched, FetchError>,
    sent: bool,
    alert: AlertDescription,
) -> Result<(), String> {
    let e = match result {
        Ok(f) => {
            let response = String::from_utf8_lossy(&f.response);
            return Err(format!("served: {:?}", response.lines().next()));
        }
        Err(FetchError::Tls(e)) => e,
        Err(io) => return Err(io.to_string()),
    };
    let Error::AlertReceived {
        description,
        step: Some(step),
    } = &e
    else {
        return Err(format!("not an alert with its step: {e}"));
    };
    let HandshakeStep::ClientFinishedSent {
        empty_certificate,
        certificate_sent,
    } = step
    else {
        return Err(format!("alert at the wrong step: {e}"));
    };
    if *empty_certificate == sent || *certificate_sent != sent {
        return Err(format!("wrong step: {step:?}"));
    }
    if *description != alert {
        return Err(format!("alert {description}: {e}"));
    }
    let text = e.to_string();
    let words: &[&str] = if sent {
        &["the server refused lucid's client certificate"]
    } else {
        &["the server requires a client certificate", "--cert"]
    };
    words
        .iter()
        .try_for_each(|w| expect(&text, w, "lucid's message"))
}
