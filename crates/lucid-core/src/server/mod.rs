//! The server handshake: the seed document's "Amazon replies" side.
//!
//! Full handshake (RFC 5246 §7.3):
//!
//! ```text
//!                    <-------- ClientHello (or an SSLv2-compatible CLIENT-HELLO)
//! ServerHello, Certificate, [ServerKeyExchange], [CertificateRequest], ServerHelloDone
//!                    -------->
//!                    <-------- [Certificate], ClientKeyExchange, [CertificateVerify],
//!                              ChangeCipherSpec, Finished
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
//! our random), null compression, secure renegotiation (RFC 5746: noted, and required only
//! if the configuration says so), server name, EMS and ETM, the application protocol (ALPN,
//! RFC 7301: ours in our order, on full and resumed handshakes alike), then either resumption or
//! certificate and suite: the first suite in server preference that the client offers, the
//! version allows and the certificate's key can serve, with — for ECDHE — a group both
//! sides support and a signature algorithm the client accepts (else the next suite). An
//! ECDHE suite adds a ServerKeyExchange with a fresh key share, signed over both randoms.
//! With `ServerConfig::client_auth` set, a CertificateRequest follows; the client's chain
//! goes to the configured verifier, its CertificateVerify is checked against the transcript,
//! and the chain is kept with the session. An RSA ClientKeyExchange is handled by
//! [`kx`], whose countermeasure guarantees that a bad one changes nothing observable before
//! Finished.
//! Client-initiated renegotiation after the handshake is refused in `conn` (a
//! no_renegotiation warning), the same way for every state.
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::conn::finish::{self, Finishing, PeerFinished};
use crate::conn::{
    Context, Core, DOWNGRADE_SENTINEL_TLS11, Message, Negotiated, Side, record_protection,
    suite_params,
};
#[cfg(feature = "dhe")]
use crate::crypto::dh::{self, DhKeyShare};
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh::{self, KeyShare};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::prf::PrfAlgorithm;
use crate::crypto::rsa_kx::PRE_MASTER_SECRET_LEN;
use crate::crypto::sign::{self, HandshakeSignature, Signed};
#[cfg(feature = "ecdhe")]
use crate::crypto::suites::Authentication;
use crate::crypto::suites::{self, KeyExchange, SuiteParams};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::enums::{
    CipherSuite, ClientCertificateType, Compression, EcPointFormat, ExtensionType,
    MaxFragmentLength, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::{ClientExtension, ServerExtension};
#[cfg(feature = "dhe")]
use crate::msgs::handshake::ServerDhParams;
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, ClientHelloPayload, HandshakeMessage,
    HandshakePayload, Random, ServerHelloPayload, SessionId,
};
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::msgs::handshake::{DigitallySigned, ServerKeyExchangePayload};
#[cfg(feature = "ecdhe")]
use crate::msgs::{enums::EcCurveType, handshake::ServerEcdhParams};
use crate::session::ServerSession;
use crate::trace::{Event, RenegotiationSignal, ResumptionEvent};
use crate::x509::signature::{LEGACY_MIN_RSA_MODULUS_BITS, SubjectPublicKey};
use rustls_pki_types::CertificateDer;

mod config;
pub mod kx;

#[cfg(feature = "ecdsa")]
pub use crate::crypto::ecdsa_key::{EcdsaKey, ServerEcdsaKey, SignError};
use config::normalize_name;
pub use config::{
    CertifiedKey, ClientAuth, ClientCertVerified, ClientCertVerifier, ResolvesServerCert,
    ServerConfig, ServerKey, SniResolver, WebPkiClientVerifier,
};
pub use kx::{RawRsaError, RsaCrateKey, ServerRsaKey};

/// The server's handshake states.
#[derive(Debug)]
pub(crate) enum ServerState {
    ExpectClientHello(Box<ExpectClientHello>),
    ExpectClientCertificate(Box<ExpectClientCertificate>),
    ExpectClientKeyExchange(Box<ExpectClientKeyExchange>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectCcs(Box<finish::ExpectCcs<ServerFinish>>),
    ExpectFinished(Box<finish::ExpectFinished<ServerFinish>>),
    Traffic,
}

impl ServerState {
    /// The state before the ClientHello, once `config` checked out.
    pub(crate) fn initial(config: Arc<ServerConfig>) -> Result<Self, Error> {
        config.check()?;
        Ok(Self::ExpectClientHello(Box::new(ExpectClientHello {
            config,
        })))
    }

    pub(crate) fn handle(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<Self, Error> {
        match self {
            Self::ExpectClientHello(s) => (*s).handle(core, cx, msg),
            Self::ExpectClientCertificate(s) => s.handle(core, cx, msg),
            Self::ExpectClientKeyExchange(s) => s.handle(core, cx, msg),
            Self::ExpectCertificateVerify(s) => s.handle(msg),
            Self::ExpectCcs(s) => (*s).handle(msg).map(Self::ExpectFinished),
            Self::ExpectFinished(s) => (*s).handle(core, cx, msg).map(|()| Self::Traffic),
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
    /// The client sent extended_master_secret (whether or not we accept it).
    ems_offered: bool,
    /// EMS offered and accepted.
    ems: bool,
    etm: bool,
    /// The client signalled RFC 5746 (renegotiation_info or the SCSV).
    secure_renegotiation: bool,
    /// supported_groups, if sent.
    groups: Option<Vec<NamedGroup>>,
    /// ec_point_formats, if sent.
    point_formats: Option<Vec<EcPointFormat>>,
    /// signature_algorithms, if sent.
    #[cfg_attr(
        not(any(feature = "ecdhe", feature = "dhe")),
        allow(
            dead_code,
            reason = "only the ECDHE and DHE suites sign a ServerKeyExchange"
        )
    )]
    sigalgs: Option<Vec<SignatureScheme>>,
    /// The application protocol selected from the client's ALPN list, if both sides have one.
    alpn: Option<Vec<u8>>,
    /// max_fragment_length, if sent (a defined value) and accepted.
    max_fragment_length: Option<MaxFragmentLength>,
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
    let signal = check_secure_renegotiation(&config, hello)?;
    core.tracer.emit(&Event::RenegotiationSignal(signal));
    let offer = read_offer(&config, hello, signal)?;

    core.set_version(version);
    core.sni.clone_from(&offer.sni);
    // The handshake hash is the PRF's, which depends on the suite: it stays undecided
    // (all candidates running) until `resume` or `full_handshake` settles the suite.
    let mut transcript = Transcript::new();
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

    if let Some(session) = find_resumable(&data.config, hello, version, &offer, cx)? {
        return resume(core, cx, data, hello.session_id, session, &offer);
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

/// How the client signalled RFC 5746 (§3.6): an empty renegotiation_info, the SCSV, or
/// neither. A non-empty renegotiation_info on an initial handshake is an attack.
///
/// A client that signals neither predates RFC 5746 (Java before 6u22, Windows XP, old
/// embedded stacks). It is served unless `require_secure_renegotiation` is set: the attack
/// RFC 5746 closes (CVE-2009-3555) needs the server to renegotiate, and lucid refuses every
/// renegotiation on every connection (`conn::Core::filter_renegotiation`). OpenSSL's
/// server does the same by default (it only refuses such clients' renegotiations).
fn check_secure_renegotiation(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
) -> Result<RenegotiationSignal, Error> {
    let signal = match hello.find_extension(ExtensionType::RENEGOTIATION_INFO) {
        Some(ClientExtension::RenegotiationInfo(data)) if data.is_empty() => {
            RenegotiationSignal::Extension
        }
        Some(_) => return Err(PeerMisbehaved::BadRenegotiationInfo.into()),
        None if hello
            .cipher_suites
            .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV) =>
        {
            RenegotiationSignal::Scsv
        }
        None => RenegotiationSignal::Absent,
    };
    if signal == RenegotiationSignal::Absent && config.require_secure_renegotiation {
        return Err(PeerIncompatible::SecureRenegotiationRequired.into());
    }
    Ok(signal)
}

/// What the ClientHello asks for beyond version, suites and compression. A
/// max_fragment_length with a value RFC 6066 does not define is refused with
/// illegal_parameter (§4: the server MUST abort), accepted or not.
fn read_offer(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
    signal: RenegotiationSignal,
) -> Result<Offer, Error> {
    let ems_offered = hello
        .find_extension(ExtensionType::EXTENDED_MASTER_SECRET)
        .is_some();
    let max_fragment_length = match hello.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH) {
        Some(ClientExtension::MaxFragmentLength(v)) if v.fragment_len().is_none() => {
            return Err(PeerMisbehaved::InvalidMaxFragmentLength(*v).into());
        }
        Some(ClientExtension::MaxFragmentLength(v)) if config.accept_max_fragment_length => {
            Some(*v)
        }
        _ => None,
    };
    Ok(Offer {
        sni: hello.host_name().and_then(normalize_name),
        ems_offered,
        ems: config.accept_extended_master_secret && ems_offered,
        etm: config.accept_encrypt_then_mac
            && hello
                .find_extension(ExtensionType::ENCRYPT_THEN_MAC)
                .is_some(),
        secure_renegotiation: signal != RenegotiationSignal::Absent,
        groups: match hello.find_extension(ExtensionType::SUPPORTED_GROUPS) {
            Some(ClientExtension::SupportedGroups(g)) => Some(g.clone()),
            _ => None,
        },
        point_formats: match hello.find_extension(ExtensionType::EC_POINT_FORMATS) {
            Some(ClientExtension::EcPointFormats(f)) => Some(f.clone()),
            _ => None,
        },
        sigalgs: match hello.find_extension(ExtensionType::SIGNATURE_ALGORITHMS) {
            Some(ClientExtension::SignatureAlgorithms(s)) => Some(s.clone()),
            _ => None,
        },
        max_fragment_length,
        alpn: match hello.find_extension(ExtensionType::ALPN) {
            Some(ClientExtension::Alpn(theirs)) => choose_protocol(config, theirs)?,
            _ => None,
        },
    })
}

/// ALPN (RFC 7301 §3.2): the first of our protocols the client also offers (our preference,
/// as rustls and most servers do); none at all when we have no list; a client that offers
/// only protocols we do not speak gets no_application_protocol.
fn choose_protocol(config: &ServerConfig, theirs: &[Vec<u8>]) -> Result<Option<Vec<u8>>, Error> {
    if config.alpn_protocols.is_empty() {
        return Ok(None);
    }
    match config.alpn_protocols.iter().find(|p| theirs.contains(p)) {
        Some(p) => Ok(Some(p.clone())),
        None => Err(PeerIncompatible::NoApplicationProtocol {
            offered: theirs.to_vec(),
        }
        .into()),
    }
}

/// The ServerHello's extensions: renegotiation_info only if the client signalled RFC 5746
/// (§3.6: the server includes it when the client sent the extension or the SCSV; §4.3
/// lets a server talk to a legacy client without it), then what was offered and accepted
/// (max_fragment_length: the client's value, echoed on resumption too, as OpenSSL does).
fn server_extensions(
    offer: &Offer,
    sni: bool,
    ems: bool,
    etm: bool,
    ecc: bool,
) -> Vec<ServerExtension> {
    let mut extensions = Vec::new();
    if offer.secure_renegotiation {
        extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
    }
    if let Some(mfl) = offer.max_fragment_length {
        extensions.push(ServerExtension::MaxFragmentLength(mfl));
    }
    if ecc && offer.point_formats.is_some() {
        // RFC 8422 §5.2: answers the client's ec_point_formats for an ECC suite.
        extensions.push(ServerExtension::EcPointFormats(alloc::vec![
            EcPointFormat::UNCOMPRESSED
        ]));
    }
    if sni {
        // RFC 6066 §3: acknowledged with an empty extension, on full handshakes only.
        extensions.push(ServerExtension::ServerName);
    }
    if ems {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if etm {
        extensions.push(ServerExtension::EncryptThenMac);
    }
    if let Some(protocol) = &offer.alpn {
        extensions.push(ServerExtension::Alpn(protocol.clone()));
    }
    extensions
}

/// The cached session the client offered, if it may be resumed now: same version, a suite
/// we still allow, the same EMS state and the same server name (RFC 6066 §3); otherwise
/// `None`, a full handshake. Two mismatches are fatal instead:
///
/// - The session used EMS and this ClientHello does not offer it: RFC 7627 §5.3 "the
///   server MUST abort the abbreviated handshake", and §5.2 defines aborting as a fatal
///   handshake_failure, which is what lucid sends. (OpenSSL's `ssl_get_prev_session` aborts
///   too, with illegal_parameter; NSS declines to resume.) The opposite — a session
///   without EMS, offered with EMS — falls back to a full handshake (§5.3 "MUST NOT perform
///   the abbreviated handshake"; OpenSSL does the same: "do not resume").
/// - The ClientHello does not list the session's cipher suite: RFC 5246 §7.4.1.2 says the
///   cipher_suites "MUST include at least the cipher_suite from that session"; lucid sends
///   illegal_parameter, as OpenSSL (`SSL_R_REQUIRED_CIPHER_MISSING`) and BoringSSL do.
///
/// Both are checked only once the session is found and otherwise resumable, as OpenSSL
/// does: a client offering an unknown or expired id just gets a full handshake.
fn find_resumable(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
    version: ProtocolVersion,
    offer: &Offer,
    cx: &Context<'_>,
) -> Result<Option<ServerSession>, Error> {
    let Some(store) = config.session_store.as_ref() else {
        return Ok(None);
    };
    if hello.session_id.is_empty() {
        return Ok(None);
    }
    let Some(session) = store.get(&hello.session_id, cx.now) else {
        return Ok(None);
    };
    // RFC 6066 §4: the session's max_fragment_length applies to its resumptions; a client
    // asking for another limit (or none) gets a full handshake that negotiates it anew
    // (OpenSSL aborts with illegal_parameter instead; declining is always allowed).
    let usable = session.version == version
        && config.cipher_suites.contains(&session.suite)
        && suite_params(session.suite).is_ok_and(|p| p.usable_with(version))
        && session.server_name == offer.sni
        && session.max_fragment_length == offer.max_fragment_length;
    if !usable {
        return Ok(None);
    }
    if session.extended_master_secret && !offer.ems_offered {
        return Err(PeerMisbehaved::ResumptionWithoutExtendedMasterSecret.into());
    }
    if session.extended_master_secret != offer.ems {
        return Ok(None);
    }
    if !hello.cipher_suites.contains(&session.suite) {
        return Err(PeerMisbehaved::ResumptionSuiteNotOffered(session.suite).into());
    }
    Ok(Some(session))
}

/// How the chosen suite's key is exchanged.
enum ChosenKx {
    Rsa,
    #[cfg(feature = "ecdhe")]
    Ecdhe {
        group: NamedGroup,
        signature: HandshakeSignature,
    },
    /// DHE in ffdhe2048 (RFC 7919).
    #[cfg(feature = "dhe")]
    Dhe {
        signature: HandshakeSignature,
    },
}

/// The suite and the chain: the first suite in our preference order that the client
/// offers, that is valid at `version` and that one of `certs` can serve (the first chain
/// whose key type matches the suite's authentication); for ECDHE also a group in common
/// (our order; secp256r1 when the client sent no supported_groups, as RFC 4492 §4 lets a
/// server assume) and a signature algorithm the client accepts. A client whose
/// ec_point_formats lacks `uncompressed` cannot take our points: no ECDHE then. An ECDSA
/// chain serves only a client whose supported_groups (if sent) lists its key's curve
/// (RFC 8422 §5.1: the handshake must respect the client's curves; §5.3: the certificate's
/// key too), so such a client gets the RSA chain if there is one.
fn choose_suite(
    config: &ServerConfig,
    hello: &ClientHelloPayload,
    version: ProtocolVersion,
    offer: &Offer,
    certs: &[Arc<CertifiedKey>],
) -> Result<(&'static SuiteParams, ChosenKx, Arc<CertifiedKey>), Error> {
    #[cfg(feature = "ecdhe")]
    let ecdhe = |auth: Authentication| -> Option<ChosenKx> {
        if offer
            .point_formats
            .as_ref()
            .is_some_and(|f| !f.contains(&EcPointFormat::UNCOMPRESSED))
        {
            return None;
        }
        let group = match &offer.groups {
            Some(theirs) => config
                .groups
                .iter()
                .copied()
                .find(|g| ecdh::is_supported(*g) && theirs.contains(g))?,
            None => NamedGroup::SECP256R1,
        };
        let signature = match auth {
            Authentication::Rsa => sign::choose_rsa_signature(version, offer.sigalgs.as_deref())?,
            #[cfg(feature = "ecdsa")]
            Authentication::Ecdsa => {
                sign::choose_ecdsa_signature(version, offer.sigalgs.as_deref())?
            }
        };
        Some(ChosenKx::Ecdhe { group, signature })
    };
    let curve_offered = |c: &CertifiedKey| match (c.key.ecdsa_group(), &offer.groups) {
        (Some(curve), Some(theirs)) => theirs.contains(&curve),
        _ => true,
    };
    config
        .cipher_suites
        .iter()
        .filter(|s| hello.cipher_suites.contains(s))
        .filter_map(|s| suites::lookup(*s))
        .filter(|p| p.usable_with(version))
        .find_map(|p| {
            let cert = certs
                .iter()
                .find(|c| c.key.authentication() == p.auth && curve_offered(c))?;
            let kx = match p.kx {
                KeyExchange::Rsa => ChosenKx::Rsa,
                #[cfg(feature = "ecdhe")]
                KeyExchange::Ecdhe => ecdhe(p.auth)?,
                #[cfg(feature = "dhe")]
                KeyExchange::Dhe => ChosenKx::Dhe {
                    signature: sign::choose_rsa_signature(version, offer.sigalgs.as_deref())?,
                },
            };
            Some((p, kx, cert.clone()))
        })
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
        unknown_extensions: Default::default(),
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
    let certs = data.config.cert_resolver.resolve_all(offer.sni.as_deref());
    if certs.is_empty() {
        return Err(
            PeerIncompatible::Unsupported("no certificate for the requested server name").into(),
        );
    }
    let (suite, chosen_kx, cert) = choose_suite(&data.config, hello, version, &offer, &certs)?;
    data.transcript.set_prf(suite.prf_algorithm(version))?;
    let session_id = match data.config.session_store {
        Some(_) => {
            let mut id = [0u8; SessionId::MAX_LEN];
            cx.rng.fill_bytes(&mut id);
            SessionId::new(&id)?
        }
        None => SessionId::EMPTY,
    };

    // RFC 7366 §3: never with an AEAD suite (nor acknowledged for one).
    let etm = offer.etm && suite.can_encrypt_then_mac();
    #[cfg(feature = "ecdhe")]
    let ecc = suite.kx == KeyExchange::Ecdhe;
    #[cfg(not(feature = "ecdhe"))]
    let ecc = false;
    let extensions = server_extensions(&offer, offer.sni.is_some(), offer.ems, etm, ecc);
    let sh = server_hello(&data, version, session_id, suite.suite, extensions);
    // RFC 6066 §4: the limit applies at once, to our whole flight (as in OpenSSL).
    core.set_fragment_limit(offer.max_fragment_length);
    core.send_handshake(&sh, Some(&mut data.transcript), cx.rng)?;
    let certificate = HandshakeMessage::new(HandshakePayload::Certificate(CertificatePayload(
        cert.chain.clone(),
    )));
    core.send_handshake(&certificate, Some(&mut data.transcript), cx.rng)?;
    let (kx, group) = match (chosen_kx, &cert.key) {
        (ChosenKx::Rsa, ServerKey::Rsa(key)) => (ServerKx::Rsa(key.clone()), None),
        // choose_suite matched the suite's authentication to the key.
        #[cfg(feature = "ecdsa")]
        (ChosenKx::Rsa, ServerKey::Ecdsa(_)) => {
            return Err(Error::Internal("RSA key exchange with an ECDSA key"));
        }
        #[cfg(feature = "ecdhe")]
        (ChosenKx::Ecdhe { group, signature }, _) => {
            let share = KeyShare::generate(group, cx.rng)
                .ok_or(Error::Internal("chose a group lucid cannot generate"))?;
            let params = ServerEcdhParams {
                curve_type: EcCurveType::NAMED_CURVE,
                group,
                public: share.public().to_vec(),
            };
            let mut params_bytes = Vec::new();
            params.encode(&mut params_bytes);
            let signed = sign_params(cx, &data, &cert, signature, &params_bytes)?;
            let ske = ServerKeyExchangePayload::from_ecdhe(&params, &signed);
            send_server_key_exchange(core, cx, &mut data, ske)?;
            (ServerKx::Ecdhe(share), Some(group))
        }
        #[cfg(feature = "dhe")]
        (ChosenKx::Dhe { signature }, _) => {
            let share = DhKeyShare::ffdhe2048(cx.rng)?;
            let params = ServerDhParams {
                p: dh::FFDHE2048_P.to_vec(),
                g: alloc::vec![2],
                ys: share.public().to_vec(),
            };
            let mut params_bytes = Vec::new();
            params.encode(&mut params_bytes);
            let signed = sign_params(cx, &data, &cert, signature, &params_bytes)?;
            let ske = ServerKeyExchangePayload::from_dhe(&params, &signed);
            send_server_key_exchange(core, cx, &mut data, ske)?;
            (ServerKx::Dhe(share), Some(NamedGroup::FFDHE2048))
        }
    };
    // RFC 5246 §7.4.4: ask for the client's certificate when configured to.
    let client_auth = data.config.client_auth.clone();
    let verifier = client_auth.verifier().cloned();
    if let Some(v) = &verifier {
        let request = certificate_request(version, suite, v.root_hint_subjects());
        core.send_handshake(&request, Some(&mut data.transcript), cx.rng)?;
    }
    let done = HandshakeMessage::new(HandshakePayload::ServerHelloDone);
    core.send_handshake(&done, Some(&mut data.transcript), cx.rng)?;

    let next = ExpectClientKeyExchange {
        hello: data,
        suite,
        kx,
        client_key: None,
        negotiated: Negotiated {
            version,
            suite: suite.suite,
            extended_master_secret: offer.ems,
            encrypt_then_mac: etm,
            session_id,
            resumed: false,
            secure_renegotiation: offer.secure_renegotiation,
            group,
            client_certificates: Vec::new(),
            alpn_protocol: offer.alpn,
            max_fragment_length: offer.max_fragment_length,
        },
        sni: offer.sni,
    };
    Ok(match verifier {
        Some(verifier) => ServerState::ExpectClientCertificate(Box::new(ExpectClientCertificate {
            next,
            verifier,
            required: matches!(client_auth, ClientAuth::Required(_)),
        })),
        None => ServerState::ExpectClientKeyExchange(Box::new(next)),
    })
}

/// The CertificateRequest (RFC 5246 §7.4.4): RSA and ECDSA keys welcome; on TLS 1.2 the
/// signature schemes of the transcript's hash (a CertificateVerify is checked against the
/// running transcript hash, see [`sign::Signed::Transcript`]); the CAs `authorities`.
fn certificate_request(
    version: ProtocolVersion,
    suite: &SuiteParams,
    authorities: Vec<Vec<u8>>,
) -> HandshakeMessage {
    let prf = suite.prf_algorithm(version);
    let sigalgs = (version >= ProtocolVersion::TLSV1_2).then(|| {
        sign::offered_schemes()
            .into_iter()
            .filter(|s| sign::signs_transcript(HandshakeSignature::Scheme(*s), prf))
            .collect()
    });
    HandshakeMessage::new(HandshakePayload::CertificateRequest(
        CertificateRequestPayload {
            certificate_types: alloc::vec![
                ClientCertificateType::RSA_SIGN,
                #[cfg(feature = "ecdsa")]
                ClientCertificateType::ECDSA_SIGN
            ],
            sigalgs,
            authorities,
        },
    ))
}

/// Waiting for the client's Certificate, which we asked for.
pub(crate) struct ExpectClientCertificate {
    next: ExpectClientKeyExchange,
    verifier: Arc<dyn ClientCertVerifier>,
    required: bool,
}

impl fmt::Debug for ExpectClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectClientCertificate")
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl ExpectClientCertificate {
    fn handle(
        self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ServerState, Error> {
        let (chain, raw) = msg.expect_handshake("Certificate", |p| match p {
            HandshakePayload::Certificate(CertificatePayload(chain)) => Some(chain),
            _ => None,
        })?;
        let mut this = *self;
        if let Some((leaf, intermediates)) = chain.split_first() {
            let leaf_der = CertificateDer::from(leaf.as_slice());
            let intermediates: Vec<CertificateDer<'_>> = intermediates
                .iter()
                .map(|c| CertificateDer::from(c.as_slice()))
                .collect();
            let verified = this
                .verifier
                .verify_client_cert(&leaf_der, &intermediates, cx.now)
                .map_err(Error::InvalidCertificate)?;
            // The path and its checks, for traces (no name: a client certificate is
            // checked for its purpose, not a host name).
            if core.tracer.on() {
                core.tracer.emit(&Event::CertificateVerified {
                    chain: verified.chain.as_ref().map(alloc::borrow::Cow::Borrowed),
                    server_name: alloc::borrow::Cow::Borrowed(""),
                });
            }
            // The key that must sign the CertificateVerify; the verifier applied its own
            // key-size policy, so only the 1024-bit floor is checked here.
            let key = sign::peer_certificate_key(leaf, LEGACY_MIN_RSA_MODULUS_BITS, true)?;
            this.next.client_key = Some(key);
            this.next.negotiated.client_certificates = chain;
        } else if this.required {
            return Err(PeerIncompatible::ClientCertificateRequired.into());
        }
        this.next.hello.transcript.add(raw);
        Ok(ServerState::ExpectClientKeyExchange(Box::new(this.next)))
    }
}

/// The `digitally-signed` struct over `client_random ‖ server_random ‖ params` made with
/// the certificate's key (RFC 5246 §7.4.3, RFC 8422 §5.4).
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
fn sign_params(
    cx: &mut Context<'_>,
    data: &HelloData,
    cert: &CertifiedKey,
    signature: HandshakeSignature,
    params_bytes: &[u8],
) -> Result<DigitallySigned, Error> {
    let message = sign::server_key_exchange_message(
        &data.client_random.0,
        &data.server_random.0,
        params_bytes,
    );
    let signed = Signed::Message(&message);
    Ok(DigitallySigned {
        scheme: signature.scheme(),
        signature: match &cert.key {
            ServerKey::Rsa(key) => sign::sign_rsa(&**key, signature, signed, cx.rng)?,
            #[cfg(feature = "ecdsa")]
            ServerKey::Ecdsa(key) => sign::sign_ecdsa(&**key, signature, signed, cx.rng)?,
        },
    })
}

/// Sends the (signed) ServerKeyExchange of an ECDHE or DHE suite.
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
fn send_server_key_exchange(
    core: &mut Core,
    cx: &mut Context<'_>,
    data: &mut HelloData,
    ske: ServerKeyExchangePayload,
) -> Result<(), Error> {
    let ske = HandshakeMessage::new(HandshakePayload::ServerKeyExchange(ske));
    core.send_handshake(&ske, Some(&mut data.transcript), cx.rng)
}

fn resume(
    core: &mut Core,
    cx: &mut Context<'_>,
    mut data: HelloData,
    session_id: SessionId,
    session: ServerSession,
    offer: &Offer,
) -> Result<ServerState, Error> {
    let version = session.version;
    // The resumed session's suite decides the PRF, and so the handshake hash.
    let suite = suite_params(session.suite)?;
    let prf = suite.prf_algorithm(version);
    data.transcript.set_prf(prf)?;
    // RFC 7366 §3: never with an AEAD suite.
    let etm = offer.etm && suite.can_encrypt_then_mac();
    let extensions = server_extensions(offer, false, session.extended_master_secret, etm, false);
    let sh = server_hello(&data, version, session_id, suite.suite, extensions);
    // `find_resumable`: the session's limit is the one the client asked for.
    core.set_fragment_limit(session.max_fragment_length);
    core.send_handshake(&sh, Some(&mut data.transcript), cx.rng)?;

    let master = session.master_secret.clone();
    log_master(&data, &master);
    core.tracer
        .emit(&Event::Resumption(ResumptionEvent::Resumed));
    core.trace_key_schedule(false, 0, &master, suite, version);
    let (server_sealer, client_opener) = record_protection(
        Side::Server,
        version,
        suite,
        &master,
        &data.client_random,
        &data.server_random,
        etm,
    )?;
    core.set_pending_opener(client_opener);
    core.send_ccs(server_sealer, cx.rng)?;
    core.send_finished(cx.rng, &master, &mut data.transcript, prf)?;
    Ok(ServerState::ExpectCcs(Box::new(finish::ExpectCcs(
        Finishing {
            transcript: data.transcript,
            master,
            negotiated: Negotiated {
                version,
                suite: suite.suite,
                extended_master_secret: session.extended_master_secret,
                encrypt_then_mac: etm,
                session_id,
                resumed: true,
                secure_renegotiation: offer.secure_renegotiation,
                group: None,
                client_certificates: session.client_certificates.clone(),
                alpn_protocol: offer.alpn.clone(),
                max_fragment_length: session.max_fragment_length,
            },
            our_sealer: None,
            side: ServerFinish {
                config: data.config,
                sni: session.server_name,
            },
        },
    ))))
}

fn log_master(data: &HelloData, master: &MasterSecret) {
    if let Some(kl) = &data.config.key_log {
        kl.log("CLIENT_RANDOM", &data.client_random.0, master.as_bytes());
    }
}

/// What the ClientKeyExchange is read with.
enum ServerKx {
    /// RSA: the certificate's private key decrypts the pre-master secret.
    Rsa(Arc<dyn ServerRsaKey>),
    /// ECDHE: our ephemeral key share, sent in the ServerKeyExchange.
    #[cfg(feature = "ecdhe")]
    Ecdhe(KeyShare),
    /// DHE: our ephemeral ffdhe2048 key, sent in the ServerKeyExchange.
    #[cfg(feature = "dhe")]
    Dhe(DhKeyShare),
}

/// Waiting for the ClientKeyExchange.
pub(crate) struct ExpectClientKeyExchange {
    hello: HelloData,
    suite: &'static SuiteParams,
    kx: ServerKx,
    /// The key of the client's certificate, when it sent one: a CertificateVerify follows.
    client_key: Option<SubjectPublicKey>,
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
        let (cke, raw) = msg.expect_handshake("ClientKeyExchange", |p| match p {
            HandshakePayload::ClientKeyExchange(cke) => Some(cke),
            _ => None,
        })?;
        let mut this = *self;
        let version = this.negotiated.version;
        let pms: Zeroizing<Vec<u8>> = match this.kx {
            ServerKx::Rsa(key) => {
                let ciphertext = cke.rsa()?;
                // RFC 5246 §7.4.7.1: from here on, a bad ciphertext and a good one take
                // the same path; only Finished can tell them apart.
                let pms: Zeroizing<[u8; PRE_MASTER_SECRET_LEN]> = kx::decrypt_pre_master_secret(
                    &*key,
                    ciphertext,
                    this.hello.client_version,
                    cx.rng,
                );
                core.trace_pre_master(&pms[..]);
                Zeroizing::new(pms.to_vec())
            }
            #[cfg(feature = "ecdhe")]
            ServerKx::Ecdhe(share) => {
                let group = share.group();
                let pms = share.agree(cke.ecdh()?)?;
                core.trace_ecdh_secret(group, &pms);
                pms
            }
            #[cfg(feature = "dhe")]
            ServerKx::Dhe(share) => {
                let bits = share.prime_bits();
                let pms = share.agree(cke.dh()?)?;
                core.trace_dh_secret(bits, &pms);
                pms
            }
        };
        this.hello.transcript.add(raw);
        let prf = this.suite.prf_algorithm(version);
        let (master, seed_len) = if this.negotiated.extended_master_secret {
            // RFC 7627 §3: the session hash is the PRF's hash of the transcript so far.
            let session_hash = this.hello.transcript.current_hash();
            (
                keys::extended_master_secret(prf, &pms[..], session_hash.as_ref()),
                session_hash.len(),
            )
        } else {
            (
                keys::master_secret(
                    prf,
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
        let (server_sealer, client_opener) = record_protection(
            Side::Server,
            version,
            this.suite,
            &master,
            &this.hello.client_random,
            &this.hello.server_random,
            this.negotiated.encrypt_then_mac,
        )?;
        core.set_pending_opener(client_opener);
        let finishing = Finishing {
            transcript: this.hello.transcript,
            master,
            negotiated: this.negotiated,
            our_sealer: Some(server_sealer),
            side: ServerFinish {
                config: this.hello.config,
                sni: this.sni,
            },
        };
        Ok(match this.client_key {
            Some(key) => ServerState::ExpectCertificateVerify(Box::new(ExpectCertificateVerify {
                finishing,
                key,
                prf,
            })),
            None => ServerState::ExpectCcs(Box::new(finish::ExpectCcs(finishing))),
        })
    }
}

/// Waiting for the client's CertificateVerify (it sent a certificate).
pub(crate) struct ExpectCertificateVerify {
    finishing: Finishing<ServerFinish>,
    key: SubjectPublicKey,
    prf: PrfAlgorithm,
}

impl fmt::Debug for ExpectCertificateVerify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectCertificateVerify")
            .field("negotiated", &self.finishing.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectCertificateVerify {
    /// RFC 5246 §7.4.8: the signature covers every handshake message before this one.
    fn handle(self: Box<Self>, msg: Message<'_>) -> Result<ServerState, Error> {
        let (signed, raw) = msg.expect_handshake("CertificateVerify", |p| match p {
            HandshakePayload::CertificateVerify(signed) => Some(signed),
            _ => None,
        })?;
        let mut this = *self;
        let sig = match (signed.scheme, &this.key) {
            (None, SubjectPublicKey::Rsa(_)) => HandshakeSignature::RsaMd5Sha1,
            #[cfg(feature = "ecdsa")]
            (None, _) => HandshakeSignature::EcdsaSha1,
            // Only what our CertificateRequest listed: the transcript's hash, the key's type.
            (Some(s), key) => {
                let sig = HandshakeSignature::Scheme(s);
                let fits = match key {
                    SubjectPublicKey::Rsa(_) => sign::RSA_SCHEMES.contains(&s),
                    #[cfg(feature = "ecdsa")]
                    _ => sign::ECDSA_SCHEMES.contains(&s),
                };
                if !fits || !sign::signs_transcript(sig, this.prf) {
                    return Err(PeerMisbehaved::UnofferedSignatureScheme(s).into());
                }
                sig
            }
        };
        let digest = this.finishing.transcript.current_hash();
        sign::verify(
            sig,
            &this.key,
            Signed::Transcript(digest.as_ref()),
            &signed.signature,
        )
        .map_err(|e| match e {
            Error::PeerMisbehaved(PeerMisbehaved::BadServerKeyExchangeSignature) => {
                PeerMisbehaved::BadCertificateVerifySignature.into()
            }
            other => other,
        })?;
        this.finishing.transcript.add(raw);
        Ok(ServerState::ExpectCcs(Box::new(finish::ExpectCcs(
            this.finishing,
        ))))
    }
}

/// What the server does once the client's Finished checked out: after a full handshake,
/// cache the session.
#[derive(Debug)]
pub(crate) struct ServerFinish {
    config: Arc<ServerConfig>,
    sni: Option<String>,
}

impl PeerFinished for ServerFinish {
    fn peer_finished(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        master: &MasterSecret,
        negotiated: &Negotiated,
        our_flight_last: bool,
    ) {
        // Only a full handshake (where our flight comes last) creates a session.
        if !our_flight_last {
            return;
        }
        let Some(store) = &self.config.session_store else {
            return;
        };
        if negotiated.session_id.is_empty() {
            return;
        }
        store.put(
            negotiated.session_id,
            ServerSession {
                client_certificates: negotiated.client_certificates.clone(),
                version: negotiated.version,
                suite: negotiated.suite,
                extended_master_secret: negotiated.extended_master_secret,
                master_secret: master.clone(),
                server_name: self.sni,
                created: cx.now,
                max_fragment_length: negotiated.max_fragment_length,
            },
        );
        core.tracer
            .emit(&Event::Resumption(ResumptionEvent::Stored));
    }
}
