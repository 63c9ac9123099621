//! openssl both ways: `openssl s_server -www` for the lucid client, `openssl s_client` against
//! lucid's server; openssl's names for the cells and what its output must show.

use std::path::Path;
use std::process::Command;

use lucid_core::{CipherSuite, ProtocolVersion};

use crate::common::{self, Peer};
use crate::identity::{Identity, Mode, client_roots, cv_hash, sha384};
use crate::lucid_client::Conn;
use crate::server_support::{V10, V11, V12};
use crate::table::expect;
use crate::{CELLS, ECDHE_CBC, ECDHE_CBC_384, ECDHE_GCM, ECDHE_GCM_384, RSA_CBC, RSA_GCM_384};

fn openssl_suite(s: CipherSuite) -> &'static str {
    match s {
        RSA_CBC => "AES128-SHA",
        ECDHE_CBC => "ECDHE-RSA-AES128-SHA",
        ECDHE_GCM => "ECDHE-RSA-AES128-GCM-SHA256",
        ECDHE_GCM_384 => "ECDHE-RSA-AES256-GCM-SHA384",
        ECDHE_CBC_384 => "ECDHE-RSA-AES256-SHA384",
        RSA_GCM_384 => "AES256-GCM-SHA384",
        other => panic!("no openssl name for {other:?}: add it to the interop table"),
    }
}

fn openssl_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLSv1",
        V11 => "TLSv1.1",
        _ => "TLSv1.2",
    }
}

fn openssl_version_flag(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "-tls1",
        V11 => "-tls1_1",
        _ => "-tls1_2",
    }
}

/// s_client's `-cipher`: OpenSSL 3 refuses TLS 1.0/1.1 above security level 0.
fn openssl_cipher(v: ProtocolVersion, s: CipherSuite) -> String {
    if v == V12 {
        openssl_suite(s).to_string()
    } else {
        format!("{}:@SECLEVEL=0", openssl_suite(s))
    }
}

/// `openssl s_server -www`: the test PKI's RSA chain, TLS 1.0..1.2, every cell's suite,
/// asking for a client certificate (`-Verify 1`: required, `-verify 1`: optional) verified
/// against [`client_roots`] (`-verify_return_error`: without it s_server serves a client
/// whose chain failed verification).
pub(crate) fn s_server(openssl: &Path, dir: &Path, mode: Mode) -> Peer {
    let port = common::free_port();
    let ciphers = CELLS.map(|(_, s)| openssl_suite(s)).join(":");
    let verify = match mode {
        Mode::Required => "-Verify",
        Mode::Optional => "-verify",
    };
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(common::pki("leaf.pem"))
        .arg("-cert_chain")
        .arg(common::pki("intermediate.pem"))
        .arg("-key")
        .arg(common::pki("leaf.key"))
        .args([verify, "1", "-verify_return_error", "-CAfile"])
        .arg(client_roots())
        // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1.
        .args(["-cipher", &format!("{ciphers}:@SECLEVEL=0")])
        .args(["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"]);
    Peer::start(&format!("s_server-{}", mode.name()), cmd, port, dir)
}

/// s_server's `-www` page for one connection: version, suite, new or reused, and the
/// client: its certificate's subject, the verify result and (on a full handshake) the
/// CertificateVerify's hash and key type — or no certificate.
pub(crate) fn check_s_server(_server: &Peer, c: &Conn<'_>) -> Result<(), String> {
    let page = c.response;
    if !page.starts_with("HTTP/1.0 200 ok\r\n") {
        return Err(format!("bad status: {:?}", page.lines().next()));
    }
    let new = if c.resumed { "\nReused, " } else { "\nNew, " };
    expect(page, new, "server's session line")?;
    let proto = format!("Protocol  : {}\n", openssl_version(c.version));
    expect(page, &proto, "server's protocol")?;
    let cipher = format!("Cipher    : {}\n", openssl_suite(c.suite));
    expect(page, &cipher, "server's cipher")?;
    match c.id {
        Some(id) => {
            expect(page, "\nClient certificate\n", "server's client")?;
            let subject = format!("Subject: {}\n", id.subject());
            expect(page, &subject, "server's client subject")?;
            let verified = "Verify return code: 0 (ok)\n";
            expect(page, verified, "server's verify result")?;
            if !c.resumed {
                let digest = format!("Peer signing digest: {}\n", cv_hash(c.version, c.suite, id));
                expect(page, &digest, "server's view of our CertificateVerify")?;
                let kind = format!("Peer signature type: {}\n", id.key_type());
                expect(page, &kind, "server's view of our CertificateVerify")?;
            }
        }
        None => expect(page, "no client certificate available", "server's client")?,
    }
    expect(page, "</BODY></HTML>", "end of page")
}

pub(crate) fn s_client(
    port: u16,
    v: ProtocolVersion,
    s: CipherSuite,
    id: Option<Identity>,
) -> Command {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(common::pki("root.pem"))
        .args(["-verify_return_error", "-no_ticket", "-ign_eof"])
        .args([openssl_version_flag(v), "-cipher", &openssl_cipher(v, s)]);
    if let Some(id) = id {
        cmd.arg("-cert")
            .arg(id.leaf())
            .arg("-cert_chain")
            .arg(id.intermediate())
            .arg("-key")
            .arg(id.key());
    }
    cmd
}

/// What s_client reports: version, suite, new or reused, and on a full handshake lucid's
/// CertificateRequest — the CA names of its client roots, RSA and ECDSA keys, and at
/// TLS 1.2 exactly the signature algorithms of the transcript's hash.
pub(crate) fn check_s_client(
    out: &str,
    v: ProtocolVersion,
    s: CipherSuite,
    reused: bool,
) -> Result<(), String> {
    let new = if reused { "\nReused, " } else { "\nNew, " };
    expect(out, new, "s_client's session line")?;
    let cipher = format!(", Cipher is {}\n", openssl_suite(s));
    expect(out, &cipher, "s_client's session line")?;
    let proto = format!("Protocol  : {}\n", openssl_version(v));
    expect(out, &proto, "s_client's protocol")?;
    if !reused {
        expect(
            out,
            "Acceptable client certificate CA names\n\
             C = XX, O = lucid test cases, CN = cases root CA\n\
             C = XX, O = lucid test ECDSA, CN = lucid test ECDSA P-256 root CA\n\
             Client Certificate Types: RSA sign, ECDSA sign\n",
            "s_client's view of the CertificateRequest",
        )?;
        if v == V12 {
            let h = if sha384(s) { "SHA384" } else { "SHA256" };
            let algs = format!("Requested Signature Algorithms: ECDSA+{h}:RSA+{h}\n");
            expect(out, &algs, "s_client's view of the CertificateRequest")?;
        }
    }
    Ok(())
}
