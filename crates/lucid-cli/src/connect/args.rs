//! `lucid connect`'s command line: the arguments, their parsers (shared with `lucid serve`)
//! and the certificate verifier they select.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use lucid_blocking::load_pem_certs;
use lucid_core::trace::wire::{CipherSuite, ProtocolVersion};
use lucid_core::x509::{RootStore, VerifierOptions};
use lucid_core::{MaxFragmentLength, PinnedLeafVerifier, ServerCertVerifier, WebPkiVerifier};

/// Arguments of `lucid connect` (its help text is on `Command::Connect` in main.rs).
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
    /// Also offer the legacy suites after the default ones, for devices that speak nothing
    /// newer: TLS_DHE_RSA_* (the server picks the DH group), 3DES-EDE-CBC (Sweet32) and RC4
    /// with SHA-1 or MD5 (prohibited by RFC 7465). Without it, naming such a suite with
    /// --cipher is an error that says what is weak about it.
    #[arg(long)]
    pub(crate) legacy_ciphers: bool,
    /// Client certificate chain (PEM, leaf first) to present when the server asks for one
    /// (mutual TLS); needs --key. Without it, a CertificateRequest gets an empty Certificate.
    #[arg(long, value_name = "CHAIN.pem", requires = "key")]
    pub(crate) cert: Option<PathBuf>,
    /// The client certificate's private key, RSA or ECDSA P-256/P-384 (PEM: PKCS#8
    /// "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY").
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
    /// Accept SHA-1 signatures in the chain (legacy devices only; SHA-1 is broken).
    #[arg(long)]
    pub(crate) allow_sha1_legacy: bool,
    /// Accept RSA keys of 1024..2047 bits (leaf key, chain signatures, pinned leaf): old
    /// devices only; 1024-bit RSA is within reach of a well-funded attacker. Never below 1024.
    #[arg(long)]
    pub(crate) allow_rsa_1024: bool,
    /// Connect to a server whose TLS stack predates RFC 5746 (no renegotiation_info in its
    /// ServerHello). Such a server may accept a renegotiation an attacker splices in front of
    /// your data (CVE-2009-3555).
    #[arg(long)]
    pub(crate) allow_legacy_renegotiation: bool,
    /// Lowest TLS version to accept: 1.0, 1.1 or 1.2.
    #[arg(long, value_name = "V", default_value = "1.2", value_parser = parse_version)]
    pub(crate) tls_min: ProtocolVersion,
    /// Highest TLS version to offer: 1.0, 1.1 or 1.2.
    #[arg(long, value_name = "V", default_value = "1.2", value_parser = parse_version)]
    pub(crate) tls_max: ProtocolVersion,
    /// Cipher suite to offer, by IANA name (repeatable), e.g. TLS_RSA_WITH_AES_128_CBC_SHA.
    /// Default: every lucid suite, ECDHE first (ECDHE+GCM, ECDHE+CBC, RSA+GCM, RSA+CBC).
    #[arg(long = "cipher", value_name = "IANA_NAME", value_parser = parse_suite)]
    pub(crate) ciphers: Vec<CipherSuite>,
    /// Offer these application protocols with ALPN (RFC 7301), most preferred first:
    /// comma-separated or repeated, e.g. `--alpn h2,http/1.1`. The server's choice is in
    /// the summary; a server that picks none it was offered is refused. Default: no ALPN.
    #[arg(long, value_name = "PROTO[,PROTO...]", value_delimiter = ',', value_parser = parse_alpn)]
    pub(crate) alpn: Vec<Vec<u8>>,
    /// Bytes to send after the handshake; `\r`, `\n`, `\t` and `\\` escapes are
    /// understood. Without it, stdin is sent (in the default output mode only).
    #[arg(long, value_name = "STRING")]
    pub(crate) request: Option<String>,
    /// Append NSS key-log lines (CLIENT_RANDOM) to FILE, for Wireshark/tshark.
    #[arg(long, value_name = "FILE")]
    pub(crate) keylog: Option<PathBuf>,
    /// Write the connection's TCP bytes, as lucid sent and received them, to FILE as a
    /// pcapng capture (synthesised Ethernet/IP/TCP headers, real addresses, ports and
    /// times) with the key log embedded: Wireshark and tshark show it decrypted. Written
    /// also when the connection fails; FILE is replaced.
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Write the connection as one self-contained HTML page to FILE (no scripts or styles
    /// fetched; open it in any browser, offline): the timeline, every record and handshake
    /// message in hex grouped by field with the same explanations as --trace, the
    /// certificate checks and the key schedule. Works with every output mode; written also
    /// when the connection fails, up to the failure; FILE is replaced.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Do not offer extended_master_secret (RFC 7627).
    #[arg(long)]
    pub(crate) no_ems: bool,
    /// Do not offer encrypt_then_mac (RFC 7366).
    #[arg(long)]
    pub(crate) no_etm: bool,
    /// Ask the server for records of at most BYTES of plaintext (max_fragment_length, RFC
    /// 6066): 512, 1024, 2048 or 4096. Both sides then keep to it and lucid's record buffers
    /// shrink to match (the summary says whether the server agreed; many decline).
    #[arg(long, value_name = "BYTES", value_parser = parse_max_fragment_length)]
    pub(crate) max_fragment_length: Option<MaxFragmentLength>,
    /// Seconds allowed for name resolution, for the TCP connect, for the whole handshake,
    /// and for each read of the reply.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub(crate) timeout: u64,
    /// Print the annotated byte-level walk through the handshake on stdout: every record
    /// header and handshake message in hex, each field labelled with what it is for.
    #[arg(long)]
    pub(crate) trace: bool,
    /// Print a client/server ladder diagram of the flights, with times in ms, on stdout.
    #[arg(long)]
    pub(crate) timeline: bool,
    /// Print the events as JSON lines on stdout (one object per event; bytes as hex).
    #[arg(long, conflicts_with_all = ["trace", "timeline"])]
    pub(crate) json: bool,
    /// Show long byte strings (certificates, the encrypted pre-master secret) in full in
    /// --trace instead of their first and last lines.
    #[arg(long)]
    pub(crate) full_hex: bool,
    /// Include the pre-master and master secret values in --trace and --json. Anyone who
    /// sees them can decrypt the connection.
    #[arg(long)]
    pub(crate) show_secrets: bool,
    /// After the first connection, make N more that resume its session (session-ID
    /// resumption), each summarised (and traced when asked).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) reconnect: u32,
}

/// Parses a max_fragment_length in bytes: 512, 1024, 2048 or 4096.
pub(crate) fn parse_max_fragment_length(s: &str) -> Result<MaxFragmentLength, String> {
    s.parse::<usize>()
        .ok()
        .and_then(MaxFragmentLength::from_fragment_len)
        .ok_or_else(|| {
            format!("{s:?} is not a max_fragment_length: RFC 6066 has 512, 1024, 2048 and 4096")
        })
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

/// Parses one ALPN protocol name (its bytes as typed: `http/1.1`, `h2`): 1 to 255 bytes.
pub(crate) fn parse_alpn(s: &str) -> Result<Vec<u8>, String> {
    match s.len() {
        1..=255 => Ok(s.as_bytes().to_vec()),
        0 => Err("an empty ALPN protocol name (RFC 7301: 1 to 255 bytes)".to_string()),
        n => Err(format!(
            "an ALPN protocol name of {n} bytes (RFC 7301: 1 to 255 bytes)"
        )),
    }
}

/// Parses an IANA cipher suite name lucid implements.
pub(crate) fn parse_suite(s: &str) -> Result<CipherSuite, String> {
    CipherSuite::from_name(s)
        .filter(|c| {
            lucid_core::supported_cipher_suites()
                .chain(lucid_core::legacy_cipher_suites())
                .any(|s| s == *c)
        })
        .ok_or_else(|| {
            let names = |it: &mut dyn Iterator<Item = CipherSuite>| {
                it.filter_map(|s| s.name()).collect::<Vec<_>>().join(", ")
            };
            format!(
                "unsupported cipher suite {s:?}; lucid has {}; and with --legacy-ciphers {}",
                names(&mut lucid_core::supported_cipher_suites()),
                names(&mut lucid_core::legacy_cipher_suites()),
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

/// The verifier `lucid connect` uses: `--pin-leaf`, else `--cafile` roots, else the
/// operating system's store.
pub(crate) fn verifier_from(args: &ConnectArgs) -> Result<Arc<dyn ServerCertVerifier>, String> {
    if let Some(path) = &args.pin_leaf {
        let certs = load_pem_certs(path).map_err(|e| e.to_string())?;
        let leaf = certs.into_iter().next().ok_or("empty --pin-leaf file")?;
        let mut options = VerifierOptions::default();
        options.allow_rsa_1024_legacy = args.allow_rsa_1024;
        return Ok(Arc::new(PinnedLeafVerifier::with_options(leaf, options)));
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
    options.allow_rsa_1024_legacy = args.allow_rsa_1024;
    Ok(Arc::new(WebPkiVerifier::with_options(roots, options)))
}
