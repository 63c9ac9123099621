//! [`ServerConfig`] and where the server's certificate comes from: [`CertifiedKey`],
//! [`ResolvesServerCert`], [`SniResolver`].

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::conn::{KeyLog, RecordBuffers, check_alpn_protocols, check_versions_and_suites};
pub use crate::crypto::certified_key::{CertifiedKey, ServerKey};
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh;
use crate::crypto::suites;
use crate::error::Error;
use crate::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use crate::session::ServerSessionStore;
use crate::x509::{CertificateError, RootStore, VerifiedChain, VerifierOptions};
use rustls_pki_types::{CertificateDer, UnixTime};

/// Picks the certificate chain for a connection from the client's server name (SNI).
///
/// A server may hold one chain per key type — say an ECDSA chain for modern clients and an
/// RSA chain for the ones that know no ECDSA — by returning both from
/// [`Self::resolve_all`]: the handshake walks its suites in preference order and takes
/// the first the client offers that one of the chains can serve (ECDHE_ECDSA with the
/// ECDSA chain, ECDHE_RSA and RSA key exchange with the RSA chain).
pub trait ResolvesServerCert: fmt::Debug + Send + Sync {
    /// The chain to present for `server_name` (lowercase, no trailing dot; `None` when the
    /// client sent none or an unusable one). `None` aborts the handshake with
    /// handshake_failure.
    fn resolve(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>>;

    /// Every chain the server may present for `server_name`, most preferred first (the
    /// handshake uses the first whose key type serves the suite it picks; see the trait
    /// docs). Empty aborts the handshake with handshake_failure. Default: the one chain of
    /// [`Self::resolve`].
    fn resolve_all(&self, server_name: Option<&str>) -> Vec<Arc<CertifiedKey>> {
        self.resolve(server_name).into_iter().collect()
    }
}

impl ResolvesServerCert for Arc<CertifiedKey> {
    fn resolve(&self, _server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        Some(self.clone())
    }
}

/// Several chains for every name (typically one ECDSA and one RSA chain), most preferred
/// first: [`ServerConfig::with_certified_keys`].
impl ResolvesServerCert for Vec<Arc<CertifiedKey>> {
    fn resolve(&self, _server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        self.first().cloned()
    }

    fn resolve_all(&self, _server_name: Option<&str>) -> Vec<Arc<CertifiedKey>> {
        self.clone()
    }
}

/// Chooses chains by exact server name, with optional defaults for other names and for
/// clients that send none. Each name (and the default) may have one chain per key type.
#[derive(Debug, Clone, Default)]
pub struct SniResolver {
    by_name: BTreeMap<String, Vec<Arc<CertifiedKey>>>,
    default: Vec<Arc<CertifiedKey>>,
}

/// Adds `cert` to `chains`, replacing a chain with the same key type.
fn add_chain(chains: &mut Vec<Arc<CertifiedKey>>, cert: Arc<CertifiedKey>) {
    let auth = cert.key.authentication();
    chains.retain(|c| c.key.authentication() != auth);
    chains.push(cert);
}

impl SniResolver {
    /// An empty resolver (every handshake fails until something is added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Presents `cert` to clients asking for `name` (compared case-insensitively). A chain
    /// with another key type for the same name is kept beside it (earlier ones preferred);
    /// one with the same key type is replaced.
    pub fn add(&mut self, name: &str, cert: Arc<CertifiedKey>) {
        let chains = self
            .by_name
            .entry(normalize_name(name.as_bytes()).unwrap_or_default())
            .or_default();
        add_chain(chains, cert);
    }

    /// Presents `cert` for every other name and when no name was sent (beside a default
    /// of the other key type, replacing one of the same type).
    pub fn set_default(&mut self, cert: Arc<CertifiedKey>) {
        add_chain(&mut self.default, cert);
    }

    fn chains(&self, server_name: Option<&str>) -> &[Arc<CertifiedKey>] {
        server_name
            .and_then(|n| self.by_name.get(n))
            .unwrap_or(&self.default)
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        self.chains(server_name).first().cloned()
    }

    fn resolve_all(&self, server_name: Option<&str>) -> Vec<Arc<CertifiedKey>> {
        self.chains(server_name).to_vec()
    }
}

/// Whether a server asks clients for a certificate (mutual TLS, RFC 5246 §7.4.4).
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// Never ask (the default).
    #[default]
    None,
    /// Ask, and verify a certificate when the client sends one; a client without one is
    /// served as anonymous.
    Optional(Arc<dyn ClientCertVerifier>),
    /// Ask, and refuse a client that sends none with handshake_failure
    /// ([`crate::PeerMisbehaved::NoCertificate`]).
    Required(Arc<dyn ClientCertVerifier>),
}

impl ClientAuth {
    pub(crate) fn verifier(&self) -> Option<&Arc<dyn ClientCertVerifier>> {
        match self {
            Self::None => None,
            Self::Optional(v) | Self::Required(v) => Some(v),
        }
    }
}

/// Checks a client's certificate chain, for a server that asks for one.
pub trait ClientCertVerifier: fmt::Debug + Send + Sync {
    /// The DER `Name`s of the CAs whose clients are welcome, sent in the CertificateRequest
    /// (`certificate_authorities`) so a client with several identities can pick. May be
    /// empty (any).
    fn root_hint_subjects(&self) -> Vec<Vec<u8>>;

    /// Verifies `end_entity` (with the `intermediates` the client sent, in its order) at
    /// `now`.
    ///
    /// # Errors
    /// Why the chain is refused; its alert is what the client receives (unknown_ca,
    /// certificate_expired, unsupported_certificate, bad_certificate...).
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, CertificateError>;
}

/// A client chain that passed [`ClientCertVerifier::verify_client_cert`], with the path
/// built when the verifier builds one.
#[derive(Debug, Clone, Default)]
pub struct ClientCertVerified {
    /// The verified path from the client's certificate to a trust anchor.
    pub chain: Option<VerifiedChain>,
}

/// The default client-certificate verifier: path building to a [`RootStore`] anchor,
/// validity at `now`, signatures, constraints, the same key-size policy as for servers,
/// digitalSignature and (where extendedKeyUsage is present) clientAuth on the leaf — see
/// [`crate::x509::verify_client_chain`]. Its roots' subjects are the CertificateRequest's
/// `certificate_authorities`.
#[derive(Debug, Clone)]
pub struct WebPkiClientVerifier {
    roots: RootStore,
    options: VerifierOptions,
}

impl WebPkiClientVerifier {
    /// Verifies against `roots` with the default (strict) options.
    pub fn new(roots: RootStore) -> Self {
        Self::with_options(roots, VerifierOptions::default())
    }

    /// Verifies against `roots` with `options`.
    pub fn with_options(roots: RootStore, options: VerifierOptions) -> Self {
        Self { roots, options }
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        self.roots
            .anchors()
            .iter()
            .map(|a| a.subject.clone())
            .collect()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, CertificateError> {
        crate::x509::verify_client_chain(
            &self.roots,
            end_entity.as_ref(),
            intermediates,
            now,
            &self.options,
        )
        .map(|chain| ClientCertVerified { chain: Some(chain) })
    }
}

/// Server configuration. Build with [`ServerConfig::new`], then adjust the public fields
/// (more may be added in later versions, hence `#[non_exhaustive]`).
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Lowest version accepted. Default TLS 1.2.
    pub min_version: ProtocolVersion,
    /// Highest version accepted. Default TLS 1.2.
    pub max_version: ProtocolVersion,
    /// Suites in the server's preference order (the first the client also offers, that is
    /// valid for the negotiated version and that the certificate's key can serve wins).
    /// Default: every lucid suite, ECDHE first.
    pub cipher_suites: Vec<CipherSuite>,
    /// Allow the legacy cipher suites (the `TLS_DHE_RSA_*`, 3DES and RC4 suites,
    /// see [`crate::legacy_cipher_suites`]) in `cipher_suites`. Off by default: without it,
    /// naming such a suite is an [`Error::Misuse`] that says what is weak about it. Turn it
    /// on, and add the suites, with [`Self::enable_legacy_ciphers`].
    pub allow_legacy_ciphers: bool,
    /// Where the certificate chain comes from.
    pub cert_resolver: Arc<dyn ResolvesServerCert>,
    /// Accept extended_master_secret (RFC 7627) when offered. Default on.
    pub accept_extended_master_secret: bool,
    /// Accept encrypt_then_mac (RFC 7366) when offered. Default on.
    pub accept_encrypt_then_mac: bool,
    /// Honour a client's max_fragment_length (RFC 6066 §4) — 512, 1024, 2048 or 4096 bytes
    /// of plaintext per record — by echoing it. Default on: a small device that asks
    /// cannot take longer records. From the ServerHello on, both sides then send records no
    /// longer than the limit and refuse longer ones with record_overflow; the connection's
    /// record buffers shrink to the limit once the ClientHello is in; sessions remember it
    /// and are resumed only for the same limit. Off: the extension is ignored, as by a
    /// server that does not implement it. A value RFC 6066 does not define is refused with
    /// illegal_parameter either way.
    pub accept_max_fragment_length: bool,
    /// Refuse clients that signal neither renegotiation_info nor
    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746) with handshake_failure
    /// ([`crate::PeerIncompatible::SecureRenegotiationRequired`]). Default off: such clients
    /// (Java before 6u22, Windows XP, old embedded stacks) are served, because lucid refuses
    /// every renegotiation, so the attack RFC 5746 closes (CVE-2009-3555) cannot happen;
    /// [`crate::Negotiated::secure_renegotiation`] says what the client did.
    pub require_secure_renegotiation: bool,
    /// Session cache for session-ID resumption; `None` (the default) disables it, and the
    /// server then sends empty session ids.
    pub session_store: Option<Arc<dyn ServerSessionStore>>,
    /// Where to log secrets for debugging tools, when wanted.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// How the record buffers are sized (default: preallocated, no allocation after the
    /// handshake).
    pub record_buffers: RecordBuffers,
    /// The ECDHE groups the server agrees to, in its preference order (the first the
    /// client also supports wins). Default: x25519, secp256r1, secp384r1 (none without the
    /// `ecdhe` feature).
    pub groups: Vec<NamedGroup>,
    /// Whether to ask clients for a certificate, and how to check it. Default: never.
    pub client_auth: ClientAuth,
    /// The application protocols this server speaks, for ALPN (RFC 7301), in its
    /// preference order (`b"http/1.1".to_vec()`, ...). When a client offers ALPN, the first
    /// of these it also offers is selected ([`crate::Negotiated::alpn_protocol`]); if it
    /// offers none of them the handshake fails with no_application_protocol. Clients that
    /// offer no ALPN are served without. Empty (the default): ALPN is ignored. Each name
    /// must be 1 to 255 bytes, else creating a connection fails with [`Error::Misuse`].
    pub alpn_protocols: Vec<Vec<u8>>,
}

impl ServerConfig {
    /// TLS 1.2 only, every lucid suite (ECDHE first), EMS and ETM accepted, clients without
    /// RFC 5746 served, no session cache, presenting `cert` to everyone.
    pub fn new(cert: CertifiedKey) -> Self {
        Self::with_resolver(Arc::new(Arc::new(cert)))
    }

    /// Like [`Self::new`] with several chains, most preferred first — typically one ECDSA
    /// and one RSA chain: each handshake presents the chain that serves the suite picked
    /// (see [`ResolvesServerCert`]).
    pub fn with_certified_keys(certs: Vec<CertifiedKey>) -> Self {
        let certs: Vec<Arc<CertifiedKey>> = certs.into_iter().map(Arc::new).collect();
        Self::with_resolver(Arc::new(certs))
    }

    /// Like [`Self::new`] with a chain chosen per connection by `resolver`.
    pub fn with_resolver(resolver: Arc<dyn ResolvesServerCert>) -> Self {
        Self {
            min_version: ProtocolVersion::TLSV1_2,
            max_version: ProtocolVersion::TLSV1_2,
            cipher_suites: suites::default_suites().collect(),
            allow_legacy_ciphers: false,
            cert_resolver: resolver,
            accept_extended_master_secret: true,
            accept_encrypt_then_mac: true,
            accept_max_fragment_length: true,
            require_secure_renegotiation: false,
            session_store: None,
            key_log: None,
            record_buffers: RecordBuffers::default(),
            #[cfg(feature = "ecdhe")]
            groups: ecdh::SUPPORTED_GROUPS.to_vec(),
            #[cfg(not(feature = "ecdhe"))]
            groups: Vec::new(),
            client_auth: ClientAuth::None,
            alpn_protocols: Vec::new(),
        }
    }

    /// Turns on the legacy opt-in ([`Self::allow_legacy_ciphers`]) and accepts the legacy
    /// suites after the configured ones (to stand in for an old device in tests).
    pub fn enable_legacy_ciphers(&mut self) {
        self.allow_legacy_ciphers = true;
        for s in suites::legacy_suites() {
            if !self.cipher_suites.contains(&s) {
                self.cipher_suites.push(s);
            }
        }
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        check_versions_and_suites(
            self.min_version,
            self.max_version,
            &self.cipher_suites,
            self.allow_legacy_ciphers,
        )?;
        check_alpn_protocols(&self.alpn_protocols)
    }
}

/// A host name as lucid records it: ASCII letters, digits, '-', '_' and '.', at most 253
/// bytes, lowercased, without a trailing dot. Anything else is not used (nor acknowledged).
pub(crate) fn normalize_name(name: &[u8]) -> Option<String> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    let plausible = !name.is_empty()
        && name.len() <= 253
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !plausible {
        return None;
    }
    let s = core::str::from_utf8(name).ok()?;
    Some(s.to_ascii_lowercase())
}
