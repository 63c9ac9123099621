//! gnutls both ways: `gnutls-serv --http` for the lucid client, `gnutls-cli` against lucid's
//! server; gnutls's names and priority strings for the cells and what its output must show.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use lucid_core::{CipherSuite, ProtocolVersion};

use crate::common::{self, Peer};
use crate::identity::{Identity, Mode, client_roots, cv_hash};
use crate::lucid_client::Conn;
use crate::server_support::{V10, V11, V12};
use crate::table::{expect, expect_not};
use crate::{
    ECDHE_CBC, ECDHE_CBC_384, ECDHE_GCM, ECDHE_GCM_384, LOG_TIMEOUT, RSA_CBC, RSA_GCM_384,
};

fn gnutls_suite(s: CipherSuite) -> &'static str {
    match s {
        RSA_CBC => "RSA_AES_128_CBC_SHA1",
        ECDHE_CBC => "ECDHE_RSA_AES_128_CBC_SHA1",
        ECDHE_GCM => "ECDHE_RSA_AES_128_GCM_SHA256",
        ECDHE_GCM_384 => "ECDHE_RSA_AES_256_GCM_SHA384",
        ECDHE_CBC_384 => "ECDHE_RSA_AES_256_CBC_SHA384",
        RSA_GCM_384 => "RSA_AES_256_GCM_SHA384",
        other => panic!("no gnutls name for {other:?}: add it to the interop table"),
    }
}

fn gnutls_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS1.0",
        V11 => "TLS1.1",
        _ => "TLS1.2",
    }
}

/// A gnutls priority string leaving exactly `v` and `s`.
fn gnutls_priority(v: ProtocolVersion, s: CipherSuite) -> String {
    let vers = match v {
        V10 => "+VERS-TLS1.0",
        V11 => "+VERS-TLS1.1",
        _ => "+VERS-TLS1.2",
    };
    let kx = if s.to_string().starts_with("TLS_ECDHE_RSA") {
        "+ECDHE-RSA"
    } else {
        "+RSA"
    };
    let (cipher, mac) = match s {
        RSA_CBC | ECDHE_CBC => ("+AES-128-CBC", "+SHA1"),
        ECDHE_GCM => ("+AES-128-GCM", "+AEAD"),
        ECDHE_GCM_384 | RSA_GCM_384 => ("+AES-256-GCM", "+AEAD"),
        ECDHE_CBC_384 => ("+AES-256-CBC", "+SHA384"),
        other => panic!("no gnutls priority for {other:?}"),
    };
    format!("NORMAL:-VERS-ALL:{vers}:-KX-ALL:{kx}:-CIPHER-ALL:{cipher}:-MAC-ALL:{mac}")
}

/// gnutls-serv's priority: every cell's version and suite.
const GNUTLS_SERVER_PRIORITY: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:\
     -KX-ALL:+RSA:+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:+AES-256-CBC:\
     -MAC-ALL:+AEAD:+SHA1:+SHA384";

/// An empty gnutls system priority file, so that only our priority strings count.
pub(crate) fn gnutls_empty_priority_file(dir: &Path) -> PathBuf {
    let empty = dir.join("gnutls-empty-system-priority");
    fs::write(&empty, b"").unwrap();
    empty
}

/// `gnutls-serv --http --verify-client-cert` (plus `--require-client-cert` when required):
/// the test PKI's RSA chain, [`GNUTLS_SERVER_PRIORITY`], [`client_roots`].
pub(crate) fn gnutls_serv(bin: &Path, dir: &Path, mode: Mode) -> Peer {
    let port = common::free_port();
    let mut cmd = Command::new(bin);
    cmd.env(
        "GNUTLS_SYSTEM_PRIORITY_FILE",
        gnutls_empty_priority_file(dir),
    )
    .args(["--http", "--verify-client-cert", "--port"])
    .arg(port.to_string())
    .arg("--x509certfile")
    .arg(common::pki("chain.pem"))
    .arg("--x509keyfile")
    .arg(common::pki("leaf.key"))
    .arg("--x509cafile")
    .arg(client_roots())
    .args(["--priority", GNUTLS_SERVER_PRIORITY]);
    if mode == Mode::Required {
        cmd.arg("--require-client-cert");
    }
    Peer::start(&format!("gnutls-serv-{}", mode.name()), cmd, port, dir)
}

/// gnutls-serv's page (version, suite, the client's subject or no certificate) and its
/// log of the connection (trust status and, at TLS 1.2, the client's signature scheme). A
/// resumed connection's log carries no certificate, so only its page is checked.
pub(crate) fn check_gnutls_serv(server: &Peer, c: &Conn<'_>) -> Result<(), String> {
    let page = c.response;
    if !page.starts_with("HTTP/1.0 200 OK\r\n") {
        return Err(format!("bad status: {:?}", page.lines().next()));
    }
    let proto = format!(
        "<TD>Protocol version:</TD><TD>{}</TD>",
        gnutls_version(c.version)
    );
    expect(page, &proto, "server's protocol")?;
    let suite = format!("<TD>Ciphersuite</TD><TD>{}</TD>", gnutls_suite(c.suite));
    expect(page, &suite, "server's suite")?;
    match c.id {
        Some(id) => {
            let subject = format!("Subject: {}\n", id.gnutls_subject());
            expect(page, &subject, "server's client")?;
        }
        None => expect_not(page, "X.509 Certificate Information", "server's client")?,
    }
    expect(page, "</BODY></HTML>", "end of page")?;
    if c.resumed {
        return Ok(());
    }
    // gnutls-serv logs each connection after its handshake, starting with the client's port.
    let marker = format!(
        "* Accepted connection from IPv4 127.0.0.1 port {} ",
        c.local_port
    );
    let log = server
        .poll_stdout(LOG_TIMEOUT, |out| {
            let block = &out[out.find(&marker)? + marker.len()..];
            let block = &block[..block.find("* Accepted connection").unwrap_or(block.len())];
            block.contains("- Options:").then(|| block.to_owned())
        })
        .ok_or("gnutls-serv logged nothing for this connection")?;
    match c.id {
        Some(id) => {
            expect(
                &log,
                "- Status: The certificate is trusted.",
                "server's log",
            )?;
            if c.version == V12 {
                let hash = cv_hash(c.version, c.suite, id);
                let scheme = format!("- Client Signature: {}-{hash}\n", id.key_type());
                expect(&log, &scheme, "server's log")?;
            }
            Ok(())
        }
        None => expect_not(&log, "- Got a certificate list", "server's log"),
    }
}

pub(crate) fn gnutls_cli(
    bin: &Path,
    empty: &Path,
    port: u16,
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("GNUTLS_SYSTEM_PRIORITY_FILE", empty)
        .arg("--x509cafile")
        .arg(common::pki("root.pem"))
        .args(["-p", &port.to_string(), "--priority"])
        .arg(gnutls_priority(v, s));
    if let Some(id) = id {
        cmd.arg("--x509certfile")
            .arg(id.chain())
            .arg("--x509keyfile")
            .arg(id.key());
    }
    cmd.arg("localhost");
    cmd
}

/// What gnutls-cli reports about its answer to lucid's CertificateRequest: both
/// certificates (leaf, intermediate) or, without one, an empty Certificate.
pub(crate) fn check_gnutls_cli(out: &str, id: Option<Identity>) -> Result<(), String> {
    let sent = if id.is_some() { 2 } else { 0 };
    let line = format!("- Successfully sent {sent} certificate(s) to server.\n");
    expect(out, &line, "gnutls-cli")
}
