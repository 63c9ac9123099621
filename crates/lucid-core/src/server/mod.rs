//! The server handshake: the seed document's "Amazon replies" side.
//!
//! Full handshake (RFC 5246 §7.3):
//!
//! ```text
//!                    <-------- ClientHello (or an SSLv2-compatible CLIENT-HELLO)
//! ServerHello, Certificate, ServerHelloDone
//!                    -------->
//!                    <-------- ClientKeyExchange, ChangeCipherSpec, Finished
//! ChangeCipherSpec, Finished
//!                    -------->
//! ```
//!
//! Abbreviated handshake (session-ID resumption, when the client offers a cached session id
//! whose version, suite, EMS state and server name match): ServerHello echoing the id, then
//! our ChangeCipherSpec and Finished; the client answers with its own.
//!
//! # Implementation notes
//!
//! Each state is a struct holding only what is valid there; `handle` consumes it (the
//! client's style, [`crate::client`]). Decisions made on the ClientHello, in order:
//! version (highest common; RFC 7507 fallback check; RFC 8446 §4.1.3 downgrade sentinel in
//! our random), null compression, secure renegotiation (RFC 5746), server name, EMS and
//! ETM, then either resumption or suite (server preference) and certificate. The server
//! never sends CertificateRequest. The ClientKeyExchange is handled by [`kx`], whose
//! countermeasure guarantees that a bad one changes nothing observable before Finished.
//! Client-initiated renegotiation after the handshake is refused in `conn` (a
//! no_renegotiation warning), the same way for every state.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::client::KeyLog;
use crate::conn::{
    Connection, Context, Core, Message, Negotiated, RecordBuffers, Side, State, suite_params,
};
use crate::crypto::cbc::{RecordOpener, RecordSealer};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::rsa_kx::{self, PRE_MASTER_SECRET_LEN};
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::enums::{CipherSuite, Compression, ExtensionType, ProtocolVersion};
use crate::msgs::extensions::{ClientExtension, ServerExtension};
use crate::msgs::handshake::{
    CertificatePayload, ClientHelloPayload, ClientKeyExchangeRsa, HandshakeMessage,
    HandshakePayload, MAX_CERTIFICATE_CHAIN_LEN, MAX_CERTIFICATES, Random, ServerHelloPayload,
    SessionId,
};
use crate::session::{ServerSession, ServerSessionStore};
use crate::trace::{Event, ResumptionEvent};

pub mod kx;

pub use kx::{RawRsaError, RsaCrateKey, ServerRsaKey};

/// The last 8 bytes of our random when we negotiate TLS 1.1 or below although we could do
/// TLS 1.2 (RFC 8446 §4.1.3); the client checks them (see
/// [`crate::client::DOWNGRADE_SENTINEL_TLS11`]).
pub const DOWNGRADE_SENTINEL_TLS11: [u8; 8] = crate::client::DOWNGRADE_SENTINEL_TLS11;

/// A certificate chain and the key for its leaf.
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    chain: Vec<Vec<u8>>,
    key: Arc<dyn ServerRsaKey>,
}

impl CertifiedKey {
    /// `chain` is DER certificates, leaf first (as sent in Certificate); `key` holds the
    /// leaf's private key.
    ///
    /// Checks that the chain is non-empty and within the Certificate message limits, that
    /// the leaf carries an RSA key usable for key exchange, and (when the backend reports
    /// its modulus) that it is the same key. Errors are [`Error::Misuse`].
    pub fn new(chain: Vec<Vec<u8>>, key: Arc<dyn ServerRsaKey>) -> Result<Self, Error> {
        let leaf = chain
            .first()
            .ok_or(Error::Misuse("empty certificate chain"))?;
        let total: usize = chain.iter().map(|c| c.len().saturating_add(3)).sum();
        if chain.len() > MAX_CERTIFICATES || total > MAX_CERTIFICATE_CHAIN_LEN {
            return Err(Error::Misuse("certificate chain too long"));
        }
        let public = rsa_kx::rsa_public_key_from_certificate(leaf)
            .map_err(|_| Error::Misuse("leaf certificate has no usable RSA key"))?;
        use rsa::traits::PublicKeyParts;
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
        Ok(Self { chain, key })
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The private key.
    pub fn key(&self) -> &Arc<dyn ServerRsaKey> {
        &self.key
    }
}

/// Picks the certificate chain for a connection from the client's server name (SNI).
pub trait ResolvesServerCert: fmt::Debug + Send + Sync {
    /// The chain to present for `server_name` (lowercase, no trailing dot; `None` when the
    /// client sent none or an unusable one). `None` aborts the handshake with
    /// handshake_failure.
    fn resolve(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>>;
}

impl ResolvesServerCert for Arc<CertifiedKey> {
    fn resolve(&self, _server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        Some(self.clone())
    }
}

/// Chooses a chain by exact server name, with an optional default for other names and for
/// clients that send none.
#[derive(Debug, Clone, Default)]
pub struct SniResolver {
    by_name: BTreeMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
}

impl SniResolver {
    /// An empty resolver (every handshake fails until something is added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Presents `cert` to clients asking for `name` (compared case-insensitively).
    pub fn add(&mut self, name: &str, cert: Arc<CertifiedKey>) {
        self.by_name
            .insert(normalize_name(name.as_bytes()).unwrap_or_default(), cert);
    }

    /// Presents `cert` for every other name and when no name was sent.
    pub fn set_default(&mut self, cert: Arc<CertifiedKey>) {
        self.default = Some(cert);
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        server_name
            .and_then(|n| self.by_name.get(n))
            .or(self.default.as_ref())
            .cloned()
    }
}

/// Server configuration. Build with [`ServerConfig::new`], then adjust the public fields.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Lowest version accepted. Default TLS 1.2.
    pub min_version: ProtocolVersion,
    /// Highest version accepted. Default TLS 1.2.
    pub max_version: ProtocolVersion,
    /// Suites in the server's preference order (the first the client also offers and that
    /// is valid for the negotiated version wins). Default: all four lucid suites.
    pub cipher_suites: Vec<CipherSuite>,
    /// Where the certificate chain comes from.
    pub cert_resolver: Arc<dyn ResolvesServerCert>,
    /// Accept extended_master_secret (RFC 7627) when offered. Default on.
    pub accept_extended_master_secret: bool,
    /// Accept encrypt_then_mac (RFC 7366) when offered. Default on.
    pub accept_encrypt_then_mac: bool,
    /// Session cache for session-ID resumption; `None` (the default) disables it, and the
    /// server then sends empty session ids.
    pub session_store: Option<Arc<dyn ServerSessionStore>>,
    /// Where to log secrets for debugging tools, when wanted.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// How the record buffers are sized (default: preallocated, no allocation after the
    /// handshake).
    pub record_buffers: RecordBuffers,
}

impl ServerConfig {
    /// TLS 1.2 only, all four suites, EMS and ETM accepted, no session cache, presenting
    /// `cert` to everyone.
    pub fn new(cert: CertifiedKey) -> Self {
        Self::with_resolver(Arc::new(Arc::new(cert)))
    }

    /// Like [`Self::new`] with a chain chosen per connection by `resolver`.
    pub fn with_resolver(resolver: Arc<dyn ResolvesServerCert>) -> Self {
        Self {
            min_version: ProtocolVersion::TLSV1_2,
            max_version: ProtocolVersion::TLSV1_2,
            cipher_suites: crate::crypto::suites::ALL_SUITES
                .iter()
                .map(|s| s.suite)
                .collect(),
            cert_resolver: resolver,
            accept_extended_master_secret: true,
            accept_encrypt_then_mac: true,
            session_store: None,
            key_log: None,
            record_buffers: RecordBuffers::default(),
        }
    }

    fn check(&self) -> Result<(), Error> {
        let ok = |v: ProtocolVersion| {
            (ProtocolVersion::TLSV1_0.get()..=ProtocolVersion::TLSV1_2.get()).contains(&v.get())
        };
        if !ok(self.min_version) || !ok(self.max_version) || self.min_version > self.max_version {
            return Err(Error::Misuse(
                "version range must lie within TLS 1.0..=TLS 1.2",
            ));
        }
        let usable = self.cipher_suites.iter().any(|s| {
            crate::crypto::suites::lookup(*s)
                .is_some_and(|p| !p.tls12_only || self.max_version >= ProtocolVersion::TLSV1_2)
        });
        if !usable {
            return Err(Error::Misuse(
                "no cipher suite usable with the configured versions",
            ));
        }
        Ok(())
    }
}

/// A server connection: a [`Connection`] waiting for a ClientHello.
#[derive(Debug)]
pub struct ServerConnection {
    conn: Connection,
}

impl ServerConnection {
    /// A connection that will answer one client with `config`.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        config.check()?;
        let buffers = config.record_buffers;
        let state = ExpectClientHello { config };
        Ok(Self {
            conn: Connection::new(
                Side::Server,
                State::Server(ServerState::ExpectClientHello(Box::new(state))),
                buffers,
            ),
        })
    }

    /// The server name the client asked for (SNI, lowercase, without a trailing dot), once
    /// the ClientHello has been processed. `None` if it sent none or one that is not a
    /// plausible host name.
    pub fn sni(&self) -> Option<&str> {
        self.conn.core().sni.as_deref()
    }
}

impl core::ops::Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl core::ops::DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// The server's handshake states.
#[derive(Debug)]
pub(crate) enum ServerState {
    ExpectClientHello(Box<ExpectClientHello>),
    ExpectClientKeyExchange(Box<ExpectClientKeyExchange>),
    ExpectCcs(Box<ExpectCcs>),
    ExpectFinished(Box<ExpectFinished>),
    Traffic,
}

impl ServerState {
    pub(crate) fn handle(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<Self, Error> {
        match self {
            Self::ExpectClientHello(s) => (*s).handle(core, cx, msg),
            Self::ExpectClientKeyExchange(s) => s.handle(core, cx, msg),
            Self::ExpectCcs(s) => s.handle(msg),
            Self::ExpectFinished(s) => s.handle(core, cx, msg),
            Self::Traffic => Err(msg.unexpected("application data or alert")),
        }
    }
}

/// Waiting for the ClientHello.
#[derive(Debug)]
pub(crate) struct ExpectClientHello {
    config: Arc<ServerConfig>,
}

/// What the ClientHello settled, carried through the rest of the handshake.
struct HelloData {
    config: Arc<ServerConfig>,
    client_random: Random,
    server_random: Random,
    transcript: Transcript,
    /// `ClientHello.client_version`, which the pre-master secret must carry.
    client_version: ProtocolVersion,
}

impl fmt::Debug for HelloData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelloData")
            .field("client_version", &self.client_version)
            .finish_non_exhaustive()
    }
}

/// What the ClientHello asked for, beyond version and suites.
struct Offer {
    sni: Option<String>,
    ems: bool,
    etm: bool,
}

impl ExpectClientHello {
    fn handle(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ServerState, Error> {
        match msg {
            Message::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::ClientHello(hello),
                        ..
                    },
                raw,
            } => client_hello(self.config, core, cx, &hello, raw),
            Message::Sslv2ClientHello { hello, raw } => {
                client_hello(self.config, core, cx, &hello, raw)
            }
            other => Err(other.unexpected("ClientHello")),
        }
    }
}

fn client_hello(
    config: Arc<ServerConfig>,
    core: &mut Core,
    cx: &mut Context<'_>,
    hello: &ClientHelloPayload,
    raw: &[u8],
) -> Result<ServerState, Error> {
    let version = choose_version(&config, hello)?;
    if !hello.compression_methods.contains(&Compression::NULL) {
        return Err(PeerIncompatible::NullCompressionRequired.into());
    }
    check_secure_renegotiation(hello)?;
    let offer = read_offer(&config, hello);

    core.set_version(version);
    core.sni.clone_from(&offer.sni);
    let mut transcript = Transcript::new();
    transcript.set_version(version)?;
    transcript.add(raw);
    let mut data = HelloData {
        config,
        client_random: hello.random,
        server_random: server_random(cx),
        transcript,
        client_version: hello.client_version,
    };
    // RFC 8446 §4.1.3: we could have done TLS 1.2, so say that we negotiated lower.
    if version < ProtocolVersion::TLSV1_2 && data.config.max_version >= ProtocolVersion::TLSV1_2 {
        if let Some(tail) = data.server_random.0.last_chunk_mut::<8>() {
            *tail = DOWNGRADE_SENTINEL_TLS11;
        }
    }

    if let Some(session) = find_resumable(&data.config, hello, version, &offer, cx) {
        return resume(core, cx, data, hello.session_id, session, offer.etm);
    }
    full_handshake(core, cx, data, hello, version, offer)
}

/// `gmt_unix_time ‖ 28 random bytes` (RFC 5246 §7.4.1.2).
fn server_random(cx: &mut Context<'_>) -> Random {
    let mut r = [0u8; 32];
    cx.rng.fill_bytes(&mut r);
    // gmt_unix_time is a 32-bit field; truncating the clock is what the field is.
    let t = (cx.now.as_secs() & 0xffff_ffff) as u32;
    if let Some(head) = r.first_chunk_mut::<4>() {
        *head = t.to_be_bytes();
    }
    Random(r)
}

/// Highest common version (RFC 5246 appendix E.1), and the RFC 7507 fallback check.
fn choose_version(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
) -> Result<ProtocolVersion, Error> {
    let offered = hello.client_version;
    let version = if offered >= config.max_version {
        config.max_version
    } else {
        offered
    };
    if version < config.min_version || version < ProtocolVersion::TLSV1_0 {
        return Err(PeerIncompatible::NoCommonVersion.into());
    }
    if hello
        .cipher_suites
        .contains(&CipherSuite::TLS_FALLBACK_SCSV)
        && offered < config.max_version
    {
        return Err(PeerIncompatible::InappropriateFallback.into());
    }
    Ok(version)
}

/// RFC 5746 §3.6: an empty renegotiation_info or the SCSV; a non-empty one on an initial
/// handshake is an attack.
fn check_secure_renegotiation(hello: &ClientHelloPayload) -> Result<(), Error> {
    match hello.find_extension(ExtensionType::RENEGOTIATION_INFO) {
        Some(ClientExtension::RenegotiationInfo(data)) if data.is_empty() => Ok(()),
        Some(_) => Err(PeerMisbehaved::BadRenegotiationInfo.into()),
        None if hello
            .cipher_suites
            .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV) =>
        {
            Ok(())
        }
        None => Err(PeerIncompatible::SecureRenegotiationRequired.into()),
    }
}

fn read_offer(config: &ServerConfig, hello: &ClientHelloPayload) -> Offer {
    Offer {
        sni: hello.host_name().and_then(normalize_name),
        ems: config.accept_extended_master_secret
            && hello
                .find_extension(ExtensionType::EXTENDED_MASTER_SECRET)
                .is_some(),
        etm: config.accept_encrypt_then_mac
            && hello
                .find_extension(ExtensionType::ENCRYPT_THEN_MAC)
                .is_some(),
    }
}

/// A host name as lucid records it: ASCII letters, digits, '-', '_' and '.', at most 253
/// bytes, lowercased, without a trailing dot. Anything else is not used (nor acknowledged).
fn normalize_name(name: &[u8]) -> Option<String> {
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

/// The cached session the client offered, if it may be resumed now: same version, a suite
/// the client still offers and we still allow, the same EMS state (RFC 7627 §5.3: a
/// mismatch either way means a full handshake) and the same server name (RFC 6066 §3).
fn find_resumable(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
    version: ProtocolVersion,
    offer: &Offer,
    cx: &Context<'_>,
) -> Option<ServerSession> {
    let store = config.session_store.as_ref()?;
    if hello.session_id.is_empty() {
        return None;
    }
    let session = store.get(&hello.session_id, cx.now)?;
    let usable = session.version == version
        && hello.cipher_suites.contains(&session.suite)
        && config.cipher_suites.contains(&session.suite)
        && suite_params(session.suite).is_ok_and(|p| p.usable_with(version))
        && session.extended_master_secret == offer.ems
        && session.server_name == offer.sni;
    usable.then_some(session)
}

/// The suite: the first in our preference order that the client offers and that is valid
/// at `version`.
fn choose_suite(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
    version: ProtocolVersion,
) -> Result<&'static SuiteParams, Error> {
    config
        .cipher_suites
        .iter()
        .filter(|s| hello.cipher_suites.contains(s))
        .find_map(|s| crate::crypto::suites::lookup(*s).filter(|p| p.usable_with(version)))
        .ok_or_else(|| PeerIncompatible::NoCommonCipherSuite.into())
}

fn server_hello(
    data: &HelloData,
    version: ProtocolVersion,
    session_id: SessionId,
    suite: CipherSuite,
    extensions: Vec<ServerExtension>,
) -> HandshakeMessage {
    HandshakeMessage::new(HandshakePayload::ServerHello(ServerHelloPayload {
        server_version: version,
        random: data.server_random,
        session_id,
        cipher_suite: suite,
        compression_method: Compression::NULL,
        extensions,
    }))
}

fn full_handshake(
    core: &mut Core,
    cx: &mut Context<'_>,
    mut data: HelloData,
    hello: &ClientHelloPayload,
    version: ProtocolVersion,
    offer: Offer,
) -> Result<ServerState, Error> {
    let suite = choose_suite(&data.config, hello, version)?;
    let cert = data
        .config
        .cert_resolver
        .resolve(offer.sni.as_deref())
        .ok_or(PeerIncompatible::Unsupported(
            "no certificate for the requested server name",
        ))?;
    let session_id = match data.config.session_store {
        Some(_) => {
            let mut id = [0u8; SessionId::MAX_LEN];
            cx.rng.fill_bytes(&mut id);
            SessionId::new(&id)?
        }
        None => SessionId::EMPTY,
    };

    let mut extensions = alloc::vec![ServerExtension::RenegotiationInfo(Vec::new())];
    if offer.sni.is_some() {
        // RFC 6066 §3: acknowledged with an empty extension, on full handshakes only.
        extensions.push(ServerExtension::ServerName);
    }
    if offer.ems {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if offer.etm {
        extensions.push(ServerExtension::EncryptThenMac);
    }
    let sh = server_hello(&data, version, session_id, suite.suite, extensions);
    core.send_handshake(&sh, Some(&mut data.transcript), cx.rng)?;
    let certificate = HandshakeMessage::new(HandshakePayload::Certificate(CertificatePayload(
        cert.chain.clone(),
    )));
    core.send_handshake(&certificate, Some(&mut data.transcript), cx.rng)?;
    let done = HandshakeMessage::new(HandshakePayload::ServerHelloDone);
    core.send_handshake(&done, Some(&mut data.transcript), cx.rng)?;

    Ok(ServerState::ExpectClientKeyExchange(Box::new(
        ExpectClientKeyExchange {
            hello: data,
            suite,
            key: cert.key.clone(),
            negotiated: Negotiated {
                version,
                suite: suite.suite,
                extended_master_secret: offer.ems,
                encrypt_then_mac: offer.etm,
                session_id,
                resumed: false,
            },
            sni: offer.sni,
        },
    )))
}

fn resume(
    core: &mut Core,
    cx: &mut Context<'_>,
    mut data: HelloData,
    session_id: SessionId,
    session: ServerSession,
    etm: bool,
) -> Result<ServerState, Error> {
    let version = session.version;
    let suite = suite_params(session.suite)?;
    let mut extensions = alloc::vec![ServerExtension::RenegotiationInfo(Vec::new())];
    if session.extended_master_secret {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if etm {
        extensions.push(ServerExtension::EncryptThenMac);
    }
    let sh = server_hello(&data, version, session_id, suite.suite, extensions);
    core.send_handshake(&sh, Some(&mut data.transcript), cx.rng)?;

    let master = session.master_secret.clone();
    log_master(&data, &master);
    core.tracer
        .emit(&Event::Resumption(ResumptionEvent::Resumed));
    core.trace_key_schedule(false, 0, &master, suite, version);
    let keys = Keys::derive(version, suite, &master, &data, etm)?;
    core.set_pending_opener(keys.client_opener);
    core.send_ccs(keys.server_sealer, cx.rng)?;
    core.send_finished(cx.rng, &master, &mut data.transcript, version)?;
    Ok(ServerState::ExpectCcs(Box::new(ExpectCcs {
        hello: data,
        master,
        negotiated: Negotiated {
            version,
            suite: suite.suite,
            extended_master_secret: session.extended_master_secret,
            encrypt_then_mac: etm,
            session_id,
            resumed: true,
        },
        server_sealer: None,
        sni: session.server_name,
    })))
}

/// Record protection for both directions, derived from the master secret.
struct Keys {
    server_sealer: RecordSealer,
    client_opener: RecordOpener,
}

impl Keys {
    fn derive(
        version: ProtocolVersion,
        suite: &'static SuiteParams,
        master: &MasterSecret,
        data: &HelloData,
        etm: bool,
    ) -> Result<Self, Error> {
        let kb = keys::key_block(
            version,
            master,
            suite,
            &data.client_random.0,
            &data.server_random.0,
        );
        Ok(Self {
            server_sealer: RecordSealer::new(
                suite,
                version,
                kb.server_write_mac_key(),
                kb.server_write_key(),
                kb.server_write_iv(),
                etm,
            )?,
            client_opener: RecordOpener::new(
                suite,
                version,
                kb.client_write_mac_key(),
                kb.client_write_key(),
                kb.client_write_iv(),
                etm,
            )?,
        })
    }
}

fn log_master(data: &HelloData, master: &MasterSecret) {
    if let Some(kl) = &data.config.key_log {
        kl.log("CLIENT_RANDOM", &data.client_random.0, master.as_bytes());
    }
}

/// Waiting for the ClientKeyExchange.
pub(crate) struct ExpectClientKeyExchange {
    hello: HelloData,
    suite: &'static SuiteParams,
    key: Arc<dyn ServerRsaKey>,
    negotiated: Negotiated,
    sni: Option<String>,
}

impl fmt::Debug for ExpectClientKeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectClientKeyExchange")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectClientKeyExchange {
    fn handle(
        self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ServerState, Error> {
        let (ciphertext, raw) = match msg {
            Message::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::ClientKeyExchange(ClientKeyExchangeRsa(ct)),
                        ..
                    },
                raw,
            } => (ct, raw),
            other => return Err(other.unexpected("ClientKeyExchange")),
        };
        let mut this = *self;
        this.hello.transcript.add(raw);
        let version = this.negotiated.version;

        // RFC 5246 §7.4.7.1: from here on, a bad ciphertext and a good one take the same
        // path; only Finished can tell them apart.
        let pms: Zeroizing<[u8; PRE_MASTER_SECRET_LEN]> = kx::decrypt_pre_master_secret(
            &*this.key,
            &ciphertext,
            this.hello.client_version,
            cx.rng,
        );
        core.trace_pre_master(&pms[..]);
        let (master, seed_len) = if this.negotiated.extended_master_secret {
            let session_hash = this.hello.transcript.current_hash();
            (
                keys::extended_master_secret(version, &pms[..], session_hash.as_ref()),
                session_hash.len(),
            )
        } else {
            (
                keys::master_secret(
                    version,
                    &pms[..],
                    &this.hello.client_random.0,
                    &this.hello.server_random.0,
                ),
                64,
            )
        };
        log_master(&this.hello, &master);
        core.trace_key_schedule(
            this.negotiated.extended_master_secret,
            seed_len,
            &master,
            this.suite,
            version,
        );
        let keys = Keys::derive(
            version,
            this.suite,
            &master,
            &this.hello,
            this.negotiated.encrypt_then_mac,
        )?;
        core.set_pending_opener(keys.client_opener);
        Ok(ServerState::ExpectCcs(Box::new(ExpectCcs {
            hello: this.hello,
            master,
            negotiated: this.negotiated,
            server_sealer: Some(keys.server_sealer),
            sni: this.sni,
        })))
    }
}

/// Waiting for the client's ChangeCipherSpec.
pub(crate) struct ExpectCcs {
    hello: HelloData,
    master: MasterSecret,
    negotiated: Negotiated,
    /// Full handshake: our CCS and Finished go out after the client's Finished.
    server_sealer: Option<RecordSealer>,
    sni: Option<String>,
}

impl fmt::Debug for ExpectCcs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectCcs")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectCcs {
    fn handle(self: Box<Self>, msg: Message<'_>) -> Result<ServerState, Error> {
        match msg {
            Message::ChangeCipherSpec => {
                Ok(ServerState::ExpectFinished(Box::new(ExpectFinished {
                    hello: self.hello,
                    master: self.master,
                    negotiated: self.negotiated,
                    server_sealer: self.server_sealer,
                    sni: self.sni,
                })))
            }
            other => Err(other.unexpected("ChangeCipherSpec")),
        }
    }
}

/// Waiting for the client's Finished.
pub(crate) struct ExpectFinished {
    hello: HelloData,
    master: MasterSecret,
    negotiated: Negotiated,
    server_sealer: Option<RecordSealer>,
    sni: Option<String>,
}

impl fmt::Debug for ExpectFinished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectFinished")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectFinished {
    fn handle(
        self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ServerState, Error> {
        let (received, raw) = match msg {
            Message::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::Finished(v),
                        ..
                    },
                raw,
            } => (v, raw),
            other => return Err(other.unexpected("Finished")),
        };
        let mut this = *self;
        let version = this.negotiated.version;
        core.check_peer_finished(&this.master, &this.hello.transcript, version, &received)?;
        this.hello.transcript.add(raw);
        if let Some(sealer) = this.server_sealer.take() {
            // Full handshake: our CCS and Finished come last; then the session is cached.
            core.send_ccs(sealer, cx.rng)?;
            core.send_finished(cx.rng, &this.master, &mut this.hello.transcript, version)?;
            if let Some(store) = &this.hello.config.session_store {
                if !this.negotiated.session_id.is_empty() {
                    store.put(
                        this.negotiated.session_id,
                        ServerSession {
                            version,
                            suite: this.negotiated.suite,
                            extended_master_secret: this.negotiated.extended_master_secret,
                            master_secret: this.master.clone(),
                            server_name: this.sni.clone(),
                            created: cx.now,
                        },
                    );
                    core.tracer
                        .emit(&Event::Resumption(ResumptionEvent::Stored));
                }
            }
        }
        core.complete(this.negotiated);
        Ok(ServerState::Traffic)
    }
}
