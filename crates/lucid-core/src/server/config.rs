//! [`ServerConfig`] and where the server's certificate comes from: [`CertifiedKey`],
//! [`ResolvesServerCert`], [`SniResolver`].

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rsa::traits::PublicKeyParts;

use super::kx::{self, ServerRsaKey};
use crate::conn::{KeyLog, RecordBuffers, check_versions_and_suites};
use crate::crypto::ecdsa_key::ServerEcdsaKey;
use crate::crypto::rsa_kx;
use crate::crypto::suites::Authentication;
use crate::crypto::{ecdh, suites};
use crate::error::Error;
use crate::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use crate::msgs::handshake::{MAX_CERTIFICATE_CHAIN_LEN, MAX_CERTIFICATES};
use crate::session::ServerSessionStore;

/// The private key of a server certificate, by type: it decides which suites the chain
/// can serve (RSA: `TLS_RSA_*` and `TLS_ECDHE_RSA_*`; ECDSA: `TLS_ECDHE_ECDSA_*`).
#[derive(Debug, Clone)]
pub enum ServerKey {
    /// An RSA key: decrypts RSA key exchange, signs ECDHE_RSA ServerKeyExchanges.
    Rsa(Arc<dyn ServerRsaKey>),
    /// An ECDSA key (P-256 or P-384): signs ECDHE_ECDSA ServerKeyExchanges.
    Ecdsa(Arc<dyn ServerEcdsaKey>),
}

impl ServerKey {
    pub(crate) fn authentication(&self) -> Authentication {
        match self {
            Self::Rsa(_) => Authentication::Rsa,
            Self::Ecdsa(_) => Authentication::Ecdsa,
        }
    }
}

/// A certificate chain and the key for its leaf.
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    pub(crate) chain: Vec<Vec<u8>>,
    pub(crate) key: ServerKey,
}

impl CertifiedKey {
    /// `chain` is DER certificates, leaf first (as sent in Certificate); `key` holds the
    /// leaf's private key.
    ///
    /// Checks that the chain is non-empty and within the Certificate message limits, that
    /// the leaf carries an RSA key usable for key exchange, and (when the backend reports
    /// its modulus) that it is the same key. Errors are [`Error::Misuse`].
    pub fn new(chain: Vec<Vec<u8>>, key: Arc<dyn ServerRsaKey>) -> Result<Self, Error> {
        let leaf = check_chain_limits(&chain)?;
        let public = rsa_kx::rsa_public_key_from_certificate(leaf)
            .map_err(|_| Error::Misuse("leaf certificate has no usable RSA key"))?;
        if key.modulus_len() != public.size() || key.modulus_len() < kx::MIN_MODULUS_LEN {
            return Err(Error::Misuse(
                "private key does not match the leaf certificate",
            ));
        }
        if let Some(n) = key.modulus() {
            if n.as_slice() != &*public.n_bytes() {
                return Err(Error::Misuse(
                    "private key does not match the leaf certificate",
                ));
            }
        }
        Ok(Self {
            chain,
            key: ServerKey::Rsa(key),
        })
    }

    /// Like [`Self::new`] for a leaf with an ECDSA P-256 or P-384 key: checks that `key`
    /// is the leaf's public key. Such a chain serves the `TLS_ECDHE_ECDSA_*` suites.
    pub fn new_ecdsa(chain: Vec<Vec<u8>>, key: Arc<dyn ServerEcdsaKey>) -> Result<Self, Error> {
        use der::{Decode, Encode};
        let leaf = check_chain_limits(&chain)?;
        let spki = x509_cert::Certificate::from_der(leaf)
            .ok()
            .and_then(|c| c.tbs_certificate().subject_public_key_info().to_der().ok())
            .ok_or(Error::Misuse("leaf certificate does not parse"))?;
        if !key.matches_spki(&spki) {
            return Err(Error::Misuse(
                "private key does not match the leaf certificate",
            ));
        }
        Ok(Self {
            chain,
            key: ServerKey::Ecdsa(key),
        })
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The private key.
    pub fn key(&self) -> &ServerKey {
        &self.key
    }
}

/// The leaf of a non-empty chain within the Certificate message limits.
fn check_chain_limits(chain: &[Vec<u8>]) -> Result<&[u8], Error> {
    let leaf = chain
        .first()
        .ok_or(Error::Misuse("empty certificate chain"))?;
    let total: usize = chain.iter().map(|c| c.len().saturating_add(3)).sum();
    if chain.len() > MAX_CERTIFICATES || total > MAX_CERTIFICATE_CHAIN_LEN {
        return Err(Error::Misuse("certificate chain too long"));
    }
    Ok(leaf)
}

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
    /// Where the certificate chain comes from.
    pub cert_resolver: Arc<dyn ResolvesServerCert>,
    /// Accept extended_master_secret (RFC 7627) when offered. Default on.
    pub accept_extended_master_secret: bool,
    /// Accept encrypt_then_mac (RFC 7366) when offered. Default on.
    pub accept_encrypt_then_mac: bool,
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
    /// client also supports wins). Default: x25519, secp256r1, secp384r1.
    pub groups: Vec<NamedGroup>,
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
            cipher_suites: suites::ALL_SUITES.iter().map(|s| s.suite).collect(),
            cert_resolver: resolver,
            accept_extended_master_secret: true,
            accept_encrypt_then_mac: true,
            require_secure_renegotiation: false,
            session_store: None,
            key_log: None,
            record_buffers: RecordBuffers::default(),
            groups: ecdh::SUPPORTED_GROUPS.to_vec(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        check_versions_and_suites(self.min_version, self.max_version, &self.cipher_suites)
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
