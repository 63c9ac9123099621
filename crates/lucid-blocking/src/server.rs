//! The server side of the blocking driver: the accept helper, loading a certificate chain
//! and key from PEM files, the session caches, and a one-screen description of a session.

use core::fmt::Write as _;
use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use lucid_core::{CertifiedKey, EcdsaKey, RsaCrateKey, ServerConfig, ServerConnection};

use crate::{Stream, load_pem_certs, to_io};

pub use crate::session::{MemoryClientSessionStore, MemoryServerSessionStore};

/// Completes a TLS handshake as a server on an accepted TCP connection.
///
/// Set read and write timeouts on `sock` first if a silent client must not hold the
/// calling thread. On error the alert (if any) has been sent; the caller drops the socket.
pub fn accept(
    config: Arc<ServerConfig>,
    sock: TcpStream,
) -> io::Result<Stream<ServerConnection, TcpStream>> {
    let conn = ServerConnection::new(config).map_err(to_io)?;
    let mut stream = Stream::new(conn, sock);
    stream.complete_handshake()?;
    Ok(stream)
}

fn invalid(path: &Path, what: impl core::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

/// Reads an RSA private key from a PEM file: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY`
/// (PKCS#1), the first one in the file.
pub fn load_pem_rsa_key(path: &Path) -> io::Result<RsaCrateKey> {
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;
    let key = PrivateKeyDer::from_pem_file(path).map_err(|e| invalid(path, e))?;
    match key {
        PrivateKeyDer::Pkcs8(k) => RsaCrateKey::from_pkcs8_der(k.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(k) => RsaCrateKey::from_pkcs1_der(k.secret_pkcs1_der()),
        _ => {
            return Err(invalid(
                path,
                "not an RSA key (SEC1/EC keys are not usable)",
            ));
        }
    }
    .map_err(|e| invalid(path, e))
}

/// Loads a chain (PEM, leaf first) and its key and checks that they belong together. The
/// key may be RSA (`PRIVATE KEY` PKCS#8 or `RSA PRIVATE KEY` PKCS#1) or ECDSA P-256/P-384
/// (`PRIVATE KEY` PKCS#8 or `EC PRIVATE KEY` SEC1); its type decides the suites the server
/// offers (RSA: TLS_RSA_* and TLS_ECDHE_RSA_*; ECDSA: TLS_ECDHE_ECDSA_*).
pub fn load_certified_key(chain: &Path, key: &Path) -> io::Result<CertifiedKey> {
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;
    let certs = load_pem_certs(chain)?;
    let der = PrivateKeyDer::from_pem_file(key).map_err(|e| invalid(key, e))?;
    let ecdsa = match &der {
        PrivateKeyDer::Sec1(k) => Some(EcdsaKey::from_sec1_der(k.secret_sec1_der())),
        PrivateKeyDer::Pkcs8(k) if RsaCrateKey::from_pkcs8_der(k.secret_pkcs8_der()).is_err() => {
            Some(EcdsaKey::from_pkcs8_der(k.secret_pkcs8_der()))
        }
        _ => None,
    };
    let certified = match ecdsa {
        Some(ec) => {
            let ec = ec.map_err(|_| invalid(key, "neither an RSA nor an ECDSA P-256/P-384 key"))?;
            CertifiedKey::new_ecdsa(certs, Arc::new(ec))
        }
        None => CertifiedKey::new(certs, Arc::new(load_pem_rsa_key(key)?)),
    };
    certified.map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} with {}: {e}", chain.display(), key.display()),
        )
    })
}

/// What the handshake agreed on, one `Name: value` line each, in the spirit of
/// `openssl s_server -www`. Empty before the handshake completes.
pub fn session_summary(conn: &ServerConnection) -> String {
    let Some(n) = conn.negotiated() else {
        return String::new();
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut out = String::new();
    let mut id = String::new();
    for b in n.session_id.as_slice() {
        let _ = write!(id, "{b:02X}");
    }
    let _ = writeln!(out, "Protocol  : {}", n.version);
    let _ = writeln!(out, "Cipher    : {}", n.suite);
    match n.group {
        Some(g @ (lucid_core::NamedGroup::FFDHE2048 | lucid_core::NamedGroup::FFDHE3072)) => {
            writeln!(out, "Group     : {g} (DHE, forward secret)")
        }
        Some(g) => writeln!(out, "Group     : {g} (ECDHE, forward secret)"),
        None if n.resumed => writeln!(out, "Group     : (resumed: no key exchange)"),
        None => writeln!(
            out,
            "Group     : (none: RSA key exchange, not forward secret)"
        ),
    }
    .unwrap_or(());
    let _ = writeln!(out, "EMS       : {}", yes_no(n.extended_master_secret));
    let _ = writeln!(out, "ETM       : {}", yes_no(n.encrypt_then_mac));
    let _ = writeln!(
        out,
        "Session-ID: {}",
        if id.is_empty() { "(none)" } else { &id }
    );
    let _ = writeln!(out, "Resumed   : {}", yes_no(n.resumed));
    let _ = writeln!(
        out,
        "RFC 5746  : {}",
        if n.secure_renegotiation {
            "yes (client signalled secure renegotiation)"
        } else {
            "no (client predates RFC 5746; lucid never renegotiates)"
        }
    );
    let _ = writeln!(out, "SNI       : {}", conn.sni().unwrap_or("(none)"));
    let _ = match &n.alpn_protocol {
        Some(p) => writeln!(out, "ALPN      : {}", p.escape_ascii()),
        None => writeln!(out, "ALPN      : (none)"),
    };
    if let Some(len) = n.max_fragment_length.and_then(|m| m.fragment_len()) {
        let _ = writeln!(out, "Max frag  : {len} (max_fragment_length, RFC 6066)");
    }
    let client = match n.client_certificates.first() {
        None => "none".to_string(),
        Some(leaf) => lucid_core::x509::certificate_subject(leaf)
            .unwrap_or_else(|e| format!("(unreadable certificate: {e})")),
    };
    let _ = writeln!(out, "Client    : {client}");
    out
}
