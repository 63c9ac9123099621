//! tlslite-ng both ways: `tls.py server --reqcert` for the lucid client, and a tlslite-ng
//! client through its API ([`TLSLITE_CLIENT`], every cell in one Python process) against
//! lucid's server; tlslite's names for the cells and what its output must show.

use lucid_core::{AlertDescription, CipherSuite, ProtocolVersion};

use crate::common::Peer;
use crate::identity::{Identity, Mode};
use crate::lucid_client::Conn;
use crate::server_support::{V10, V11};
use crate::table::{check_name, expect, refusal_name, resumption_name};
use crate::{
    ECDHE_CBC, ECDHE_CBC_384, ECDHE_GCM, ECDHE_GCM_384, LOG_TIMEOUT, RSA_CBC, RSA_GCM_384,
};

/// tlslite-ng's (key exchange, cipher, MAC) names for a suite.
fn tlslite_names(s: CipherSuite) -> (&'static str, &'static str, &'static str) {
    match s {
        RSA_CBC => ("rsa", "aes128", "sha"),
        ECDHE_CBC => ("ecdhe_rsa", "aes128", "sha"),
        ECDHE_GCM => ("ecdhe_rsa", "aes128gcm", "aead"),
        ECDHE_GCM_384 => ("ecdhe_rsa", "aes256gcm", "aead"),
        ECDHE_CBC_384 => ("ecdhe_rsa", "aes256", "sha384"),
        RSA_GCM_384 => ("rsa", "aes256gcm", "aead"),
        other => panic!("no tlslite names for {other:?}"),
    }
}

pub(crate) fn tlslite_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS 1.0",
        V11 => "TLS 1.1",
        _ => "TLS 1.2",
    }
}

/// What tlslite serves as `/` (a file in its document directory).
pub(crate) const TLSLITE_INDEX: &[u8] = b"lucid interop: hello from tlslite-ng\n";

/// tls.py's response (its index file) and its log block for the connection (it serves one
/// at a time here): version, suite, the client's SHA-1 fingerprint (or none), resumption.
pub(crate) fn check_tls_py(server: &Peer, c: &Conn<'_>) -> Result<(), String> {
    let (headers, body) = c
        .response
        .split_once("\r\n\r\n")
        .ok_or("no end of headers in the response")?;
    if !headers.starts_with("HTTP/1.0 200 OK\r\n") || body.as_bytes() != TLSLITE_INDEX {
        return Err(format!("bad response: {:?}", headers.lines().next()));
    }
    let block = server
        .poll_stdout(LOG_TIMEOUT, |out| {
            let block = out.get(c.log_from..)?;
            block
                .contains("  Session Resumed:")
                .then(|| block.to_owned())
        })
        .ok_or("tls.py logged no handshake block")?;
    let client = match c.id {
        Some(id) => format!(
            "  Client X.509 SHA1 fingerprint: {}\n",
            id.sha1_fingerprint()
        ),
        None => "  No client certificate provided by peer\n".into(),
    };
    let resumed = if c.resumed { "True" } else { "False" };
    [
        format!("  Version: {}\n", tlslite_version(c.version)),
        format!("  Ciphersuite: {}\n", c.suite),
        client,
        format!("  Session Resumed: {resumed}\n"),
    ]
    .iter()
    .try_for_each(|want| expect(&block, want, "tls.py log"))
}

/// A tlslite-ng client through its API, running many cells in one process (Python's start
/// is most of a cell's cost). Arguments: 8 per cell — port, version, key exchange, cipher,
/// MAC, chain (or `-`), key (or `-`), resume (`1`: a second connection with the session).
/// Each connection prints `@@ cell=<i> conn=<0|1> port=<local port> ` and then either
/// `alert=<n>` (a fatal alert from the server), `error=<exception>` or
/// `version=<v> resumed=<bool>` followed by the page.
pub(crate) const TLSLITE_CLIENT: &str = r#"
import socket, sys
from tlslite import TLSConnection, HandshakeSettings, X509CertChain, parsePEMKey
from tlslite.errors import TLSRemoteAlert
VERSIONS = {"1.0": (3, 1), "1.1": (3, 2), "1.2": (3, 3)}
def connect(cell, conn, port, settings, chain, key, session):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = "@@ cell=%d conn=%d port=%d " % (cell, conn, sock.getsockname()[1])
    c = TLSConnection(sock)
    try:
        c.handshakeClientCert(chain, key, settings=settings, serverName="localhost",
                              session=session)
        version = c.getVersionName()
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            r = c.recv(10240)
            if not r:
                break
            data += r
    except TLSRemoteAlert as e:
        sys.stdout.write(head + "alert=%d\n" % e.description)
        return None
    except Exception as e:
        sys.stdout.write(head + "error=%r\n" % (e,))
        return None
    sys.stdout.write(head + "version=%s resumed=%s\n" % (version, c.resumed))
    sys.stdout.write(data.decode() + "\n")
    session = c.session
    c.close()
    return session
args = sys.argv[1:]
for i in range(0, len(args) // 8):
    port, ver, kx, cipher, mac, chain_path, key_path, resume = args[8 * i:8 * i + 8]
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = VERSIONS[ver]
    s.keyExchangeNames = [kx]
    s.cipherNames = [cipher]
    s.macNames = [mac]
    chain = key = None
    if chain_path != "-":
        chain = X509CertChain()
        chain.parsePemList(open(chain_path).read())
        key = parsePEMKey(open(key_path).read(), private=True)
    session = connect(i, 0, int(port), s, chain, key, None)
    if resume == "1" and session is not None:
        connect(i, 1, int(port), s, chain, key, session)
"#;

/// One tlslite cell: which server, version, suite, identity, whether it resumes, and for a
/// refusal the alert tlslite must receive and the error lucid must record.
pub(crate) struct TlsliteCell {
    pub(crate) mode: Mode,
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: CipherSuite,
    pub(crate) id: Option<Identity>,
    pub(crate) resume: bool,
    pub(crate) refused: Option<(AlertDescription, &'static str)>,
}

impl TlsliteCell {
    pub(crate) fn new(
        mode: Mode,
        (version, suite): (ProtocolVersion, CipherSuite),
        id: Option<Identity>,
    ) -> Self {
        Self {
            mode,
            version,
            suite,
            id,
            resume: false,
            refused: None,
        }
    }

    pub(crate) fn name(&self) -> String {
        match (self.refused, self.id) {
            (Some((alert, _)), id) => refusal_name(self.mode, id, alert),
            (None, Some(id)) if self.resume => resumption_name(self.mode, id),
            (None, id) => check_name(self.mode, id),
        }
    }

    /// [`TLSLITE_CLIENT`]'s 8 arguments for this cell.
    pub(crate) fn args(&self, port: u16) -> Vec<std::ffi::OsString> {
        let (kx, cipher, mac) = tlslite_names(self.suite);
        let version = match self.version {
            V10 => "1.0",
            V11 => "1.1",
            _ => "1.2",
        };
        let (chain, key) = match self.id {
            Some(id) => (id.chain().into(), id.key().into()),
            None => ("-".into(), "-".into()),
        };
        let resume = if self.resume { "1" } else { "0" };
        vec![
            port.to_string().into(),
            version.into(),
            kx.into(),
            cipher.into(),
            mac.into(),
            chain,
            key,
            resume.into(),
        ]
    }
}

/// The connections of cell `cell` in [`TLSLITE_CLIENT`]'s output: (connection index, local
/// port, status, the rest).
pub(crate) fn tlslite_connections(out: &str, cell: usize) -> Vec<(usize, u16, String, String)> {
    out.split("@@ ")
        .skip(1)
        .filter_map(|chunk| {
            let (head, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
            let mut words = head.splitn(4, ' ');
            let this = words.next()?.strip_prefix("cell=")?.parse::<usize>().ok()?;
            let conn = words.next()?.strip_prefix("conn=")?.parse().ok()?;
            let port = words.next()?.strip_prefix("port=")?.parse().ok()?;
            let status = words.next().unwrap_or("").to_owned();
            (this == cell).then(|| (conn, port, status, rest.to_owned()))
        })
        .collect()
}
