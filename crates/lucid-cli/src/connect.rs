//! `lucid connect`: the client side of the seed document, against any server.

use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use lucid_blocking::{KeyLogFile, Stream, load_pem_certs, now, os_rng, tls_error};
use lucid_core::client::{
    ClientConfig, ClientConnection, PinnedLeafVerifier, ServerCertVerifier, WebPkiVerifier,
};
use lucid_core::msgs::enums::{CipherSuite, ProtocolVersion};
use lucid_core::x509::{RootStore, VerifierOptions};
use rustls_pki_types::ServerName;

/// Arguments of `lucid connect`.
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// Server to connect to, as HOST:PORT.
    pub(crate) address: String,
    /// Name sent in server_name (SNI) and checked against the certificate [default: HOST].
    #[arg(long, value_name = "NAME")]
    pub(crate) servername: Option<String>,
    /// PEM file of trusted root certificates [default: the operating system's store].
    #[arg(long, value_name = "ROOTS.pem")]
    pub(crate) cafile: Option<PathBuf>,
    /// Trust exactly this server certificate (PEM), byte for byte, with no path, date or
    /// name check: for devices with a self-signed certificate pinned out of band.
    #[arg(long, value_name = "LEAF.pem", conflicts_with = "cafile")]
    pub(crate) pin_leaf: Option<PathBuf>,
    /// Accept SHA-1 signatures in the chain (legacy devices only; SHA-1 is broken).
    #[arg(long)]
    pub(crate) allow_sha1_legacy: bool,
    /// Lowest TLS version to accept: 1.0, 1.1 or 1.2.
    #[arg(long, value_name = "V", default_value = "1.2", value_parser = parse_version)]
    pub(crate) tls_min: ProtocolVersion,
    /// Highest TLS version to offer: 1.0, 1.1 or 1.2.
    #[arg(long, value_name = "V", default_value = "1.2", value_parser = parse_version)]
    pub(crate) tls_max: ProtocolVersion,
    /// Cipher suite to offer, by IANA name (repeatable), e.g. TLS_RSA_WITH_AES_128_CBC_SHA.
    /// Default: all four lucid suites.
    #[arg(long = "cipher", value_name = "IANA_NAME", value_parser = parse_suite)]
    pub(crate) ciphers: Vec<CipherSuite>,
    /// Bytes to send after the handshake; `\r`, `\n`, `\t` and `\\` escapes are understood.
    /// Without it, stdin is sent.
    #[arg(long, value_name = "STRING")]
    pub(crate) request: Option<String>,
    /// Append NSS key-log lines (CLIENT_RANDOM) to FILE, for Wireshark/tshark.
    #[arg(long, value_name = "FILE")]
    pub(crate) keylog: Option<PathBuf>,
    /// Do not offer extended_master_secret (RFC 7627).
    #[arg(long)]
    pub(crate) no_ems: bool,
    /// Do not offer encrypt_then_mac (RFC 7366).
    #[arg(long)]
    pub(crate) no_etm: bool,
    /// Seconds to wait for the connection and for each read before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub(crate) timeout: u64,
}

/// Parses "1.0", "1.1", "1.2" (also "tls1.2", "TLSv1.2").
pub(crate) fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    let t = s.to_ascii_lowercase();
    let t = t.trim_start_matches("tlsv").trim_start_matches("tls");
    match t {
        "1.0" | "1" => Ok(ProtocolVersion::TLSV1_0),
        "1.1" => Ok(ProtocolVersion::TLSV1_1),
        "1.2" => Ok(ProtocolVersion::TLSV1_2),
        _ => Err(format!(
            "unknown TLS version {s:?} (expected 1.0, 1.1 or 1.2)"
        )),
    }
}

/// Parses an IANA cipher suite name lucid implements.
pub(crate) fn parse_suite(s: &str) -> Result<CipherSuite, String> {
    CipherSuite::from_name(s)
        .filter(|c| lucid_core::crypto::suites::lookup(*c).is_some())
        .ok_or_else(|| {
            let known: Vec<&str> = lucid_core::crypto::suites::ALL_SUITES
                .iter()
                .filter_map(|p| p.suite.name())
                .collect();
            format!(
                "unsupported cipher suite {s:?}; lucid has {}",
                known.join(", ")
            )
        })
}

/// Expands `\r`, `\n`, `\t`, `\\` and `\0` escapes.
pub(crate) fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut b = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        match chars.next() {
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('0') => out.push(0),
            Some('\\') => out.push(b'\\'),
            Some(other) => {
                out.push(b'\\');
                let mut b = [0; 4];
                out.extend_from_slice(other.encode_utf8(&mut b).as_bytes());
            }
            None => out.push(b'\\'),
        }
    }
    out
}

fn split_host(address: &str) -> Result<String, String> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("{address:?}: expected HOST:PORT"))?;
    port.parse::<u16>()
        .map_err(|_| format!("{address:?}: bad port {port:?}"))?;
    Ok(host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string())
}

/// The verifier `lucid connect` uses: `--pin-leaf`, else `--cafile` roots, else the
/// operating system's store.
pub(crate) fn verifier_from(args: &ConnectArgs) -> Result<Arc<dyn ServerCertVerifier>, String> {
    if let Some(path) = &args.pin_leaf {
        let certs = load_pem_certs(path).map_err(|e| e.to_string())?;
        let leaf = certs.into_iter().next().ok_or("empty --pin-leaf file")?;
        return Ok(Arc::new(PinnedLeafVerifier::new(leaf)));
    }
    let roots = match &args.cafile {
        Some(path) => {
            let mut roots = RootStore::new();
            for der in load_pem_certs(path).map_err(|e| e.to_string())? {
                roots
                    .add_der(&der)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            roots
        }
        None => lucid_blocking::roots::load_native_roots(),
    };
    let mut options = VerifierOptions::default();
    options.allow_sha1_signatures_legacy = args.allow_sha1_legacy;
    Ok(Arc::new(WebPkiVerifier::with_options(roots, options)))
}

pub(crate) fn run(args: ConnectArgs) -> ExitCode {
    match connect(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("lucid connect: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn connect(args: &ConnectArgs) -> Result<(), String> {
    let host = split_host(&args.address)?;
    let name = args.servername.clone().unwrap_or(host);
    let server_name = ServerName::try_from(name.clone())
        .map_err(|_| format!("{name:?} is not a valid DNS name or IP address"))?;

    let mut config = ClientConfig::new(verifier_from(args)?);
    config.min_version = args.tls_min;
    config.max_version = args.tls_max;
    if !args.ciphers.is_empty() {
        config.cipher_suites = args.ciphers.clone();
    }
    config.offer_extended_master_secret = !args.no_ems;
    config.offer_encrypt_then_mac = !args.no_etm;
    if let Some(path) = &args.keylog {
        let kl = KeyLogFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        config.key_log = Some(Arc::new(kl));
    }

    let timeout = Duration::from_secs(args.timeout.max(1));
    let addr = args
        .address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", args.address))?
        .next()
        .ok_or_else(|| format!("{} resolves to no address", args.address))?;
    let sock = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    sock.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    sock.set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;

    let mut rng = os_rng();
    let conn = ClientConnection::new(Arc::new(config), server_name, now(), &mut rng)
        .map_err(|e| e.to_string())?;
    let mut stream = Stream::new(conn, sock);
    stream.complete_handshake().map_err(describe)?;
    let n = stream
        .conn()
        .negotiated()
        .cloned()
        .ok_or("handshake ended without parameters")?;
    eprintln!(
        "lucid: {} {} ems={} etm={} resumed={}",
        n.version,
        n.suite,
        if n.extended_master_secret {
            "yes"
        } else {
            "no"
        },
        if n.encrypt_then_mac { "yes" } else { "no" },
        if n.resumed { "yes" } else { "no" },
    );

    let request = match &args.request {
        Some(r) => unescape(r),
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("reading stdin: {e}"))?;
            buf
        }
    };
    if !request.is_empty() {
        stream.write_all(&request).map_err(describe)?;
    }
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0u8; 16384];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out
                .write_all(buf.get(..n).unwrap_or(&[]))
                .map_err(|e| format!("writing stdout: {e}"))?,
            Err(e) => return Err(describe(e)),
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    let _ = stream.close();
    Ok(())
}

/// One line for a failed I/O or TLS operation.
pub(crate) fn describe(e: std::io::Error) -> String {
    match tls_error(&e) {
        Some(tls) => tls.to_string(),
        None if e.kind() == std::io::ErrorKind::WouldBlock
            || e.kind() == std::io::ErrorKind::TimedOut =>
        {
            "timed out waiting for the server".to_string()
        }
        None => e.to_string(),
    }
}
