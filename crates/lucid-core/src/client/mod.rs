//! The client handshake: the seed document's browser side.
//!
//! Full handshake (RFC 5246 §7.3):
//!
//! ```text
//! ClientHello        -------->
//!                              ServerHello, Certificate, [ServerKeyExchange],
//!                              [CertificateRequest], ServerHelloDone
//!                    <--------
//! [Certificate(empty)], ClientKeyExchange, ChangeCipherSpec, Finished
//!                    -------->
//!                    <-------- ChangeCipherSpec, Finished
//! ```
//!
//! ServerKeyExchange comes exactly when the suite's key exchange is ECDHE; the
//! ClientKeyExchange then carries our ephemeral public value instead of an RSA-encrypted
//! pre-master secret.
//!
//! Abbreviated handshake (session-ID resumption): ServerHello echoing our session id, then
//! the server's ChangeCipherSpec and Finished, then ours.
//!
//! Each state is a struct holding only what is valid there; `handle` consumes it.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use zeroize::Zeroizing;

use crate::conn::finish::{self, Finishing, PeerFinished};
use crate::conn::{
    Context, Core, DOWNGRADE_SENTINEL_TLS11, Message, Negotiated, Side, record_protection,
    suite_params,
};
use crate::crypto::certified_key::{CertifiedKey, ServerKey};
#[cfg(feature = "dhe")]
use crate::crypto::dh::{self, DhKeyShare};
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh::{self, KeyShare};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::rsa_kx;
use crate::crypto::sign::{self, HandshakeSignature};
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::crypto::suites::Authentication;
use crate::crypto::suites::{KeyExchange, SuiteParams};
use crate::error::{Error, HandshakeStep, PeerIncompatible, PeerMisbehaved};
use crate::msgs::enums::{
    CipherSuite, ClientCertificateType, Compression, EcPointFormat, HandshakeType,
    MaxFragmentLength, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::{ClientExtension, ServerExtension};
#[cfg(feature = "dhe")]
use crate::msgs::handshake::ServerDhParams;
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, ClientHelloPayload, ClientKeyExchangePayload,
    DigitallySigned, HandshakeMessage, HandshakePayload, Random, ServerHelloPayload, SessionId,
};
#[cfg(feature = "ecdhe")]
use crate::msgs::{enums::EcCurveType, handshake::ServerEcdhParams};
use crate::session::ClientSession;
use crate::trace::{Event, ResumptionEvent};
use crate::x509::signature::RsaPublicKey;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::x509::signature::SubjectPublicKey;

mod config;
mod verify;

pub use config::{CertificateRequestInfo, ClientConfig, ResolvesClientCert};
pub use verify::{PinnedLeafVerifier, ServerCertVerified, ServerCertVerifier, WebPkiVerifier};

/// The client's handshake states.
#[derive(Debug)]
pub(crate) enum ClientState {
    /// Before the ClientHello is sent.
    Start(Box<ExpectServerHello>),
    ExpectServerHello(Box<ExpectServerHello>),
    ExpectCertificate(Box<ExpectCertificate>),
    #[cfg(any(feature = "ecdhe", feature = "dhe"))]
    ExpectServerKeyExchange(Box<ExpectServerKeyExchange>),
    ExpectServerHelloDone(Box<ExpectServerHelloDone>),
    ExpectCcs(Box<finish::ExpectCcs<ClientFinish>>),
    ExpectFinished(Box<finish::ExpectFinished<ClientFinish>>),
    Traffic,
}

impl ClientState {
    /// The state before the ClientHello, once `config` checked out.
    pub(crate) fn initial(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<Self, Error> {
        config.check()?;
        Ok(Self::Start(Box::new(ExpectServerHello::placeholder(
            config,
            server_name,
        ))))
    }

    pub(crate) fn start(self, core: &mut Core, cx: &mut Context<'_>) -> Result<Self, Error> {
        match self {
            Self::Start(s) => s.send_client_hello(core, cx),
            other => Ok(other),
        }
    }

    /// The step this state stands for, for reading a received alert.
    pub(crate) fn step(&self) -> Option<HandshakeStep> {
        Some(match self {
            Self::Start(_) => return None,
            Self::ExpectServerHello(s) => HandshakeStep::ClientHelloSent {
                min_version: s.hello.config.min_version,
                max_version: s.hello.config.max_version,
                suites: s.hello.offered_suites.clone(),
            },
            Self::ExpectCertificate(_) => HandshakeStep::ServerHelloReceived,
            #[cfg(any(feature = "ecdhe", feature = "dhe"))]
            Self::ExpectServerKeyExchange(_) => HandshakeStep::ServerCertificateReceived,
            Self::ExpectServerHelloDone(_) => HandshakeStep::ServerCertificateReceived,
            Self::ExpectCcs(s) => finishing_step(s.finishing()),
            Self::ExpectFinished(s) => finishing_step(s.finishing()),
            Self::Traffic => HandshakeStep::Complete,
        })
    }

    pub(crate) fn handle(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<Self, Error> {
        match self {
            Self::Start(_) => Err(Error::Misuse("client not started")),
            Self::ExpectServerHello(s) => s.handle(core, cx, msg),
            Self::ExpectCertificate(s) => s.handle(core, cx, msg),
            #[cfg(any(feature = "ecdhe", feature = "dhe"))]
            Self::ExpectServerKeyExchange(s) => s.handle(core, cx, msg),
            Self::ExpectServerHelloDone(s) => s.handle(core, cx, msg),
            Self::ExpectCcs(s) => (*s).handle(msg).map(Self::ExpectFinished),
            Self::ExpectFinished(s) => (*s).handle(core, cx, msg).map(|()| Self::Traffic),
            Self::Traffic => Err(msg.unexpected("application data or alert")),
        }
    }
}

fn finishing_step(f: &Finishing<ClientFinish>) -> HandshakeStep {
    // Resuming, our keys wait until the server's Finished checked out.
    if f.our_sealer.is_some() {
        HandshakeStep::ResumptionAccepted
    } else {
        HandshakeStep::ClientFinishedSent {
            empty_certificate: f.side.empty_certificate,
            certificate_sent: f.side.certificate_sent,
        }
    }
}

/// Everything the client knows once the ClientHello is out.
struct HelloData {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    client_random: Random,
    transcript: Transcript,
    offered_suites: Vec<CipherSuite>,
    offered_sni: bool,
    /// The groups offered in supported_groups (empty when no ECDHE suite was offered).
    offered_groups: Vec<NamedGroup>,
    /// The schemes offered in signature_algorithms (empty below TLS 1.2).
    offered_sigalgs: Vec<SignatureScheme>,
    /// The session we offered to resume, if any.
    resuming: Option<ClientSession>,
}

impl fmt::Debug for HelloData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelloData")
            .field("server_name", &self.server_name)
            .field("resuming", &self.resuming)
            .finish_non_exhaustive()
    }
}

/// Waiting for ServerHello.
#[derive(Debug)]
pub(crate) struct ExpectServerHello {
    hello: HelloData,
}

fn store_key(name: &ServerName<'_>) -> String {
    use alloc::string::ToString;
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => alloc::format!("{ip:?}"),
        _ => alloc::format!("{name:?}"),
    }
}

fn gmt_unix_time_random(now: UnixTime, rng: &mut dyn CryptoRng) -> Random {
    let mut r = [0u8; 32];
    rng.fill_bytes(&mut r);
    // The first four bytes are gmt_unix_time (RFC 5246 §7.4.1.2); truncation to 32 bits is
    // what the field is.
    let t = (now.as_secs() & 0xffff_ffff) as u32;
    if let Some(head) = r.first_chunk_mut::<4>() {
        *head = t.to_be_bytes();
    }
    Random(r)
}

impl ExpectServerHello {
    fn placeholder(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Self {
        let offered_suites = config.offered_suites();
        Self {
            hello: HelloData {
                config,
                server_name,
                client_random: Random([0; 32]),
                transcript: Transcript::new(),
                offered_suites,
                offered_sni: false,
                offered_groups: Vec::new(),
                offered_sigalgs: Vec::new(),
                resuming: None,
            },
        }
    }

    fn send_client_hello(
        mut self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
    ) -> Result<ClientState, Error> {
        let h = &mut self.hello;
        let config = h.config.clone();
        h.client_random = gmt_unix_time_random(cx.now, cx.rng);

        let mut extensions = Vec::new();
        if let ServerName::DnsName(dns) = &h.server_name {
            // Not for IP literals (RFC 6066 §3).
            extensions.push(ClientExtension::server_name(dns.as_ref().as_bytes()));
            h.offered_sni = true;
        }
        if let Some(mfl) = config.max_fragment_length {
            extensions.push(ClientExtension::MaxFragmentLength(mfl));
        }
        extensions.push(ClientExtension::RenegotiationInfo(Vec::new()));
        if config.offer_extended_master_secret {
            extensions.push(ClientExtension::ExtendedMasterSecret);
        }
        if config.offer_encrypt_then_mac {
            extensions.push(ClientExtension::EncryptThenMac);
        }
        if config.max_version >= ProtocolVersion::TLSV1_2 {
            h.offered_sigalgs = sign::offered_schemes();
            extensions.push(ClientExtension::SignatureAlgorithms(
                h.offered_sigalgs.clone(),
            ));
        }
        #[cfg(feature = "ecdhe")]
        let offers_ecdhe = h
            .offered_suites
            .iter()
            .any(|s| suite_params(*s).is_ok_and(|p| p.kx == KeyExchange::Ecdhe));
        #[cfg(feature = "ecdhe")]
        if offers_ecdhe {
            // RFC 8422 §5.1: both extensions with any ECC suite; uncompressed points only.
            h.offered_groups = config
                .groups
                .iter()
                .copied()
                .filter(|g| ecdh::is_supported(*g))
                .collect();
            extensions.push(ClientExtension::SupportedGroups(h.offered_groups.clone()));
            extensions.push(ClientExtension::EcPointFormats(alloc::vec![
                EcPointFormat::UNCOMPRESSED
            ]));
        }
        if !config.alpn_protocols.is_empty() {
            extensions.push(ClientExtension::Alpn(config.alpn_protocols.clone()));
        }

        let mut session_id = SessionId::EMPTY;
        if let Some(store) = &config.session_store {
            if let Some(s) = store.get(&store_key(&h.server_name)) {
                let usable = s.version >= config.min_version
                    && s.version <= config.max_version
                    && h.offered_suites.contains(&s.suite)
                    && (s.extended_master_secret || !config.offer_extended_master_secret)
                    // RFC 6066 §4: the session's limit would apply; offer it only if that
                    // is the one asked for now.
                    && s.max_fragment_length == config.max_fragment_length
                    && !s.session_id.as_slice().is_empty();
                if usable {
                    session_id = s.session_id;
                    h.resuming = Some(s);
                }
            }
        }

        core.tracer
            .emit(&Event::Resumption(if h.resuming.is_some() {
                ResumptionEvent::Offered
            } else {
                ResumptionEvent::NotOffered
            }));
        let mut cipher_suites = h.offered_suites.clone();
        if config.send_fallback_scsv {
            cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
        }
        let payload = ClientHelloPayload {
            client_version: config.max_version,
            random: h.client_random,
            session_id,
            cipher_suites,
            compression_methods: alloc::vec![Compression::NULL],
            extensions,
            unknown_extensions: Default::default(),
        };
        let msg = HandshakeMessage {
            typ: HandshakeType::CLIENT_HELLO,
            payload: HandshakePayload::ClientHello(payload),
        };
        // The ClientHello travels in a TLS 1.0 record whatever we offer: some old servers
        // reject higher record versions before reading the hello.
        core.record_version = ProtocolVersion::TLSV1_0;
        core.send_handshake(&msg, Some(&mut h.transcript), cx.rng)?;
        Ok(ClientState::ExpectServerHello(self))
    }

    fn handle(
        self: Box<Self>,
        core: &mut Core,
        _cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ClientState, Error> {
        let (sh, raw) = msg.expect_handshake("ServerHello", |p| match p {
            HandshakePayload::ServerHello(sh) => Some(sh),
            _ => None,
        })?;
        let mut hello = self.hello;
        let config = hello.config.clone();

        // Version inside the configured range.
        let version = sh.server_version;
        if version < config.min_version || version > config.max_version {
            return Err(PeerMisbehaved::UnofferedVersion(version).into());
        }
        // Downgrade sentinel (RFC 8446 §4.1.3): a server that could do TLS 1.2 but
        // negotiated lower says so in its random; we could have done 1.2 too.
        if version < ProtocolVersion::TLSV1_2
            && config.max_version >= ProtocolVersion::TLSV1_2
            && sh.random.0.last_chunk::<8>() == Some(&DOWNGRADE_SENTINEL_TLS11)
        {
            return Err(PeerMisbehaved::DowngradeSentinel.into());
        }
        if !hello.offered_suites.contains(&sh.cipher_suite) {
            return Err(PeerMisbehaved::UnofferedCipherSuite(sh.cipher_suite).into());
        }
        let suite = suite_params(sh.cipher_suite)?;
        if suite.tls12_only && version < ProtocolVersion::TLSV1_2 {
            return Err(PeerMisbehaved::UnofferedCipherSuite(sh.cipher_suite).into());
        }
        if sh.compression_method != Compression::NULL {
            return Err(PeerMisbehaved::CompressionSelected.into());
        }
        let mut ext = check_server_extensions(&sh, &hello)?;
        // RFC 7366 §3: a server MUST NOT acknowledge encrypt-then-MAC for an AEAD suite;
        // if one does, it is not in use (what OpenSSL's client does too).
        ext.etm &= suite.can_encrypt_then_mac();

        core.set_version(version);
        // Version and suite are known: keep only the handshake hash their PRF uses (a
        // resumed session's suite is this one, checked below).
        hello.transcript.set_prf(suite.prf_algorithm(version))?;
        hello.transcript.add(raw);

        let negotiated = Negotiated {
            version,
            suite: sh.cipher_suite,
            extended_master_secret: ext.ems,
            encrypt_then_mac: ext.etm,
            session_id: sh.session_id,
            resumed: false,
            secure_renegotiation: ext.secure_renegotiation,
            group: None,
            client_certificates: Vec::new(),
            alpn_protocol: ext.alpn,
            max_fragment_length: ext.max_fragment_length,
        };

        // Resumption: the server echoed the session id we offered.
        if let Some(session) = hello.resuming.take() {
            let echoed = !sh.session_id.as_slice().is_empty()
                && sh.session_id.as_slice() == session.session_id.as_slice();
            if echoed {
                if session.version != version
                    || session.suite != sh.cipher_suite
                    || session.extended_master_secret != ext.ems
                {
                    // RFC 7627 §5.3 and RFC 5246 §7.4.1.3: the resumed session must match.
                    // The cached session is suspect from now on: forget it.
                    if let Some(store) = &config.session_store {
                        store.remove(&store_key(&hello.server_name));
                    }
                    return Err(PeerMisbehaved::ResumptionMismatch.into());
                }
                // RFC 6066 §4: the session's limit applies to its resumptions, echoed or
                // not (it is the one offered, see `send_client_hello`).
                core.set_fragment_limit(session.max_fragment_length);
                let master = session.master_secret.clone();
                log_master(&config, &hello.client_random, &master);
                core.tracer
                    .emit(&Event::Resumption(ResumptionEvent::Resumed));
                core.trace_key_schedule(false, 0, &master, suite, version);
                let (client_sealer, server_opener) = record_protection(
                    Side::Client,
                    version,
                    suite,
                    &master,
                    &hello.client_random,
                    &sh.random,
                    ext.etm,
                )?;
                core.set_pending_opener(server_opener);
                return Ok(ClientState::ExpectCcs(Box::new(finish::ExpectCcs(
                    Finishing {
                        transcript: hello.transcript,
                        master,
                        negotiated: Negotiated {
                            resumed: true,
                            max_fragment_length: session.max_fragment_length,
                            ..negotiated
                        },
                        our_sealer: Some(client_sealer),
                        side: ClientFinish {
                            config: hello.config,
                            server_name: hello.server_name,
                            empty_certificate: false,
                            certificate_sent: false,
                        },
                    },
                ))));
            }
            // The server declined: a full handshake follows; forget the stale session.
            core.tracer
                .emit(&Event::Resumption(ResumptionEvent::Declined));
            if let Some(store) = &config.session_store {
                store.remove(&store_key(&hello.server_name));
            }
        }

        // RFC 6066 §4: from the rest of the server's flight on.
        core.set_fragment_limit(negotiated.max_fragment_length);
        Ok(ClientState::ExpectCertificate(Box::new(
            ExpectCertificate {
                hello,
                server_random: sh.random,
                suite,
                negotiated,
            },
        )))
    }
}

struct ServerExtensionsSeen {
    ems: bool,
    etm: bool,
    /// renegotiation_info was present (and empty).
    secure_renegotiation: bool,
    /// The application protocol the server selected (one we offered).
    alpn: Option<Vec<u8>>,
    /// max_fragment_length was echoed (with the value offered).
    max_fragment_length: Option<MaxFragmentLength>,
}

/// Every extension in the ServerHello must answer one we offered (RFC 5246 §7.4.1.4);
/// renegotiation_info must be empty on an initial handshake (RFC 5746 §3.4: anything else
/// is an attack, whatever the configuration) and present unless the caller accepts a
/// server that predates RFC 5746 ([`ClientConfig::allow_legacy_renegotiation`]). An
/// application protocol the server selects must be one we offered (RFC 7301 §3.1; the
/// decoder already took exactly one name): illegal_parameter otherwise, as OpenSSL and
/// rustls send. This holds on resumed handshakes too, where ALPN is negotiated afresh.
fn check_server_extensions(
    sh: &ServerHelloPayload,
    hello: &HelloData,
) -> Result<ServerExtensionsSeen, Error> {
    let config = &hello.config;
    // Extensions of types lucid never offers were skipped by the decoder, not stored
    // (`msgs::handshake#limits`): any at all is an unsolicited one.
    if let Some(typ) = sh.unknown_extensions.first {
        return Err(PeerMisbehaved::UnofferedExtension(typ).into());
    }
    let mut seen = ServerExtensionsSeen {
        ems: false,
        etm: false,
        secure_renegotiation: false,
        alpn: None,
        max_fragment_length: None,
    };
    for ext in &sh.extensions {
        match ext {
            ServerExtension::RenegotiationInfo(data) => {
                if !data.is_empty() {
                    return Err(PeerMisbehaved::BadRenegotiationInfo.into());
                }
                seen.secure_renegotiation = true;
            }
            ServerExtension::ServerName if hello.offered_sni => {}
            ServerExtension::ExtendedMasterSecret if config.offer_extended_master_secret => {
                seen.ems = true;
            }
            ServerExtension::EncryptThenMac if config.offer_encrypt_then_mac => seen.etm = true,
            // RFC 6066 §4: the server echoes the value asked for, or aborts.
            ServerExtension::MaxFragmentLength(got) => match config.max_fragment_length {
                Some(offered) if offered == *got => seen.max_fragment_length = Some(offered),
                Some(offered) => {
                    return Err(
                        PeerMisbehaved::MaxFragmentLengthMismatch { offered, got: *got }.into(),
                    );
                }
                None => return Err(PeerMisbehaved::UnofferedExtension(ext.ext_type()).into()),
            },
            // RFC 8422 §5.2: if sent, it must list uncompressed, the only format we use.
            ServerExtension::EcPointFormats(formats) if !hello.offered_groups.is_empty() => {
                if !formats.contains(&EcPointFormat::UNCOMPRESSED) {
                    return Err(PeerMisbehaved::Other(
                        "ec_point_formats without the uncompressed format",
                    )
                    .into());
                }
            }
            ServerExtension::Alpn(protocol) if !config.alpn_protocols.is_empty() => {
                if !config.alpn_protocols.contains(protocol) {
                    return Err(
                        PeerMisbehaved::UnofferedApplicationProtocol(protocol.clone()).into(),
                    );
                }
                seen.alpn = Some(protocol.clone());
            }
            other => return Err(PeerMisbehaved::UnofferedExtension(other.ext_type()).into()),
        }
    }
    if !seen.secure_renegotiation && !config.allow_legacy_renegotiation {
        return Err(PeerIncompatible::SecureRenegotiationUnsupported.into());
    }
    Ok(seen)
}

fn log_master(config: &ClientConfig, client_random: &Random, master: &MasterSecret) {
    if let Some(kl) = &config.key_log {
        kl.log("CLIENT_RANDOM", &client_random.0, master.as_bytes());
    }
}

/// Waiting for the server's Certificate.
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    hello: HelloData,
    server_random: Random,
    suite: &'static SuiteParams,
    negotiated: Negotiated,
}

impl ExpectCertificate {
    fn handle(
        self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ClientState, Error> {
        let (chain, raw) = msg.expect_handshake("Certificate", |p| match p {
            HandshakePayload::Certificate(CertificatePayload(chain)) => Some(chain),
            _ => None,
        })?;
        let mut this = *self;
        this.hello.transcript.add(raw);
        let Some((leaf, rest)) = chain.split_first() else {
            return Err(PeerMisbehaved::NoCertificate.into());
        };
        let leaf_der = CertificateDer::from(leaf.as_slice());
        let intermediates: Vec<CertificateDer<'_>> = rest
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        // The verifier runs before lucid touches the server's key.
        let verified = this.hello.config.verifier.verify_server_cert(
            &leaf_der,
            &intermediates,
            &this.hello.server_name,
            cx.now,
        )?;
        if core.tracer.on() {
            let name = store_key(&this.hello.server_name);
            core.tracer.emit(&Event::CertificateVerified {
                chain: verified.chain.as_ref().map(Cow::Borrowed),
                server_name: Cow::Borrowed(&name),
            });
        }
        let min_rsa_bits = this.hello.config.min_rsa_bits();
        match this.suite.kx {
            KeyExchange::Rsa => {
                // Whatever the verifier decided, the key the pre-master secret goes to
                // meets the same minimum as every other RSA key lucid uses, and its
                // keyUsage (when present) allows keyEncipherment.
                if let Some(ku) = crate::x509::end_entity_key_usage(leaf)? {
                    if !ku.key_encipherment() {
                        return Err(Error::InvalidCertificate(
                            crate::x509::CertificateError::InvalidKeyUsage {
                                required: "keyEncipherment",
                            },
                        ));
                    }
                }
                let server_key = rsa_kx::server_key_exchange_key(leaf, min_rsa_bits)?;
                Ok(ClientState::ExpectServerHelloDone(Box::new(
                    ExpectServerHelloDone {
                        hello: this.hello,
                        server_random: this.server_random,
                        suite: this.suite,
                        negotiated: this.negotiated,
                        kx: ServerKx::Rsa(server_key),
                        certificate_request: None,
                    },
                )))
            }
            // ECDHE, DHE: the suites with a ServerKeyExchange.
            #[cfg(any(feature = "ecdhe", feature = "dhe"))]
            _ => {
                // The key that signs the ServerKeyExchange: of the suite's type, keyUsage
                // (when present) allowing digitalSignature (RFC 8422 §5.3).
                let server_key = sign::peer_certificate_key(leaf, min_rsa_bits, true)?;
                let fits = match (this.suite.auth, &server_key) {
                    (Authentication::Rsa, SubjectPublicKey::Rsa(_)) => true,
                    #[cfg(feature = "ecdsa")]
                    (Authentication::Ecdsa, SubjectPublicKey::Rsa(_)) => false,
                    #[cfg(feature = "ecdsa")]
                    (Authentication::Ecdsa, _) => true,
                    #[cfg(feature = "ecdsa")]
                    (Authentication::Rsa, _) => false,
                };
                if !fits {
                    return Err(PeerMisbehaved::WrongCertificateKeyType {
                        expected: match this.suite.auth {
                            Authentication::Rsa => "an RSA key",
                            #[cfg(feature = "ecdsa")]
                            Authentication::Ecdsa => "an ECDSA key",
                        },
                    }
                    .into());
                }
                Ok(ClientState::ExpectServerKeyExchange(Box::new(
                    ExpectServerKeyExchange {
                        hello: this.hello,
                        server_random: this.server_random,
                        suite: this.suite,
                        negotiated: this.negotiated,
                        server_key,
                    },
                )))
            }
        }
    }
}

/// Waiting for the ServerKeyExchange of an ECDHE or DHE suite.
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
pub(crate) struct ExpectServerKeyExchange {
    hello: HelloData,
    server_random: Random,
    suite: &'static SuiteParams,
    negotiated: Negotiated,
    /// The certificate's key, which must have signed the params.
    server_key: SubjectPublicKey,
}

#[cfg(any(feature = "ecdhe", feature = "dhe"))]
impl fmt::Debug for ExpectServerKeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectServerKeyExchange")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

#[cfg(any(feature = "ecdhe", feature = "dhe"))]
impl ExpectServerKeyExchange {
    #[cfg_attr(
        not(feature = "dhe"),
        allow(unused_variables, reason = "the RNG makes the client's DHE share")
    )]
    fn handle(
        self: Box<Self>,
        _core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ClientState, Error> {
        let (ske, raw) = msg.expect_handshake("ServerKeyExchange", |p| match p {
            HandshakePayload::ServerKeyExchange(ske) => Some(ske),
            _ => None,
        })?;
        let mut this = *self;
        let version = this.negotiated.version;
        // The params as the suite's key exchange reads them, and the bytes the signature
        // covers after the randoms.
        let (params, params_bytes, signed) = match this.suite.kx {
            #[cfg(feature = "dhe")]
            KeyExchange::Dhe => {
                let (params, bytes, signed) = ske.dhe(version)?;
                (ServerParams::Dhe(params), bytes.to_vec(), signed)
            }
            KeyExchange::Rsa => {
                return Err(Error::Internal(
                    "ServerKeyExchange awaited for RSA key exchange",
                ));
            }
            #[cfg(feature = "ecdhe")]
            KeyExchange::Ecdhe => {
                let (params, bytes, signed) = ske.ecdhe(version)?;
                // RFC 8422 §5.4: named curves only, and one we offered.
                if params.curve_type != EcCurveType::NAMED_CURVE {
                    return Err(PeerMisbehaved::Other(
                        "ServerKeyExchange with explicit curve parameters",
                    )
                    .into());
                }
                if !this.hello.offered_groups.contains(&params.group) {
                    return Err(PeerMisbehaved::UnofferedGroup(params.group).into());
                }
                (ServerParams::Ecdhe(params), bytes.to_vec(), signed)
            }
        };
        // The signature covers both randoms and the params (RFC 5246 §7.4.3, RFC 8422
        // §5.4).
        let signed_message = sign::server_key_exchange_message(
            &this.hello.client_random.0,
            &this.server_random.0,
            &params_bytes,
        );
        let sig = sign::received_signature(
            version,
            signed.scheme,
            &this.hello.offered_sigalgs,
            &this.server_key,
        )?;
        sign::verify(
            sig,
            &this.server_key,
            sign::Signed::Message(&signed_message),
            &signed.signature,
        )?;
        this.hello.transcript.add(raw);
        let kx = match params {
            #[cfg(feature = "ecdhe")]
            ServerParams::Ecdhe(params) => {
                this.negotiated.group = Some(params.group);
                ServerKx::Ecdhe {
                    group: params.group,
                    server_public: params.public,
                }
            }
            #[cfg(feature = "dhe")]
            ServerParams::Dhe(params) => {
                // The group is the server's choice: checked here (prime size against the
                // same minimum as RSA keys, generator range), our key made in it.
                let min_bits = this.hello.config.min_rsa_bits();
                let share = DhKeyShare::generate(&params.p, &params.g, min_bits, cx.rng)?;
                this.negotiated.group = dh::named_group(&params.p, &params.g);
                ServerKx::Dhe {
                    share,
                    server_public: params.ys,
                }
            }
        };
        Ok(ClientState::ExpectServerHelloDone(Box::new(
            ExpectServerHelloDone {
                hello: this.hello,
                server_random: this.server_random,
                suite: this.suite,
                negotiated: this.negotiated,
                kx,
                certificate_request: None,
            },
        )))
    }
}

/// A ServerKeyExchange's params, by key exchange.
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
enum ServerParams {
    #[cfg(feature = "ecdhe")]
    Ecdhe(ServerEcdhParams),
    #[cfg(feature = "dhe")]
    Dhe(ServerDhParams),
}

/// What the ClientKeyExchange will answer.
enum ServerKx {
    /// Encrypt a pre-master secret to the certificate's RSA key.
    Rsa(RsaPublicKey),
    /// Agree on one with the server's signed ephemeral value.
    #[cfg(feature = "ecdhe")]
    Ecdhe {
        group: NamedGroup,
        server_public: Vec<u8>,
    },
    /// DHE: our key, already made in the server's (checked) group, and its value.
    #[cfg(feature = "dhe")]
    Dhe {
        share: DhKeyShare,
        server_public: Vec<u8>,
    },
}

/// Waiting for ServerHelloDone (a CertificateRequest may come first).
pub(crate) struct ExpectServerHelloDone {
    hello: HelloData,
    server_random: Random,
    suite: &'static SuiteParams,
    negotiated: Negotiated,
    kx: ServerKx,
    /// The server's CertificateRequest, if it sent one.
    certificate_request: Option<CertificateRequestPayload>,
}

impl fmt::Debug for ExpectServerHelloDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectServerHelloDone")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectServerHelloDone {
    fn handle(
        mut self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<ClientState, Error> {
        match msg {
            Message::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::CertificateRequest(request),
                        ..
                    },
                raw,
            } if self.certificate_request.is_none() => {
                // Answered after ServerHelloDone: our chain, or an empty Certificate.
                self.hello.transcript.add(raw);
                self.certificate_request = Some(request);
                Ok(ClientState::ExpectServerHelloDone(self))
            }
            Message::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::ServerHelloDone,
                        ..
                    },
                raw,
            } => {
                self.hello.transcript.add(raw);
                self.send_flight(core, cx)
            }
            other => Err(other.unexpected(if self.certificate_request.is_some() {
                "ServerHelloDone"
            } else {
                "CertificateRequest or ServerHelloDone"
            })),
        }
    }

    fn send_flight(
        self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
    ) -> Result<ClientState, Error> {
        let mut this = *self;
        let version = this.negotiated.version;
        // RFC 5246 §7.4.6: a requested Certificate comes first, ours or an empty one.
        let identity = this
            .certificate_request
            .as_ref()
            .and_then(|request| client_identity(&this.hello.config, request, this.suite, version));
        if this.certificate_request.is_some() {
            let chain = identity
                .as_ref()
                .map(|(cert, _)| cert.chain().to_vec())
                .unwrap_or_default();
            let certificate = HandshakeMessage {
                typ: HandshakeType::CERTIFICATE,
                payload: HandshakePayload::Certificate(CertificatePayload(chain)),
            };
            core.send_handshake(&certificate, Some(&mut this.hello.transcript), cx.rng)?;
        }

        let (pms, cke) = match this.kx {
            ServerKx::Rsa(server_key) => {
                // Pre-master secret: the version we offered (not the negotiated one, RFC
                // 5246 §7.4.7.1), then 46 random bytes.
                let mut pms = Zeroizing::new(alloc::vec![0u8; rsa_kx::PRE_MASTER_SECRET_LEN]);
                cx.rng.fill_bytes(&mut pms[..]);
                let offered = this.hello.config.max_version.get().to_be_bytes();
                if let Some(head) = pms.first_chunk_mut::<2>() {
                    *head = offered;
                }
                core.trace_pre_master(&pms[..]);
                let pms_array: &[u8; rsa_kx::PRE_MASTER_SECRET_LEN] = pms[..]
                    .try_into()
                    .map_err(|_| Error::Internal("pre-master secret length"))?;
                let encrypted =
                    rsa_kx::encrypt_pre_master_secret_to(&server_key, pms_array, cx.rng)?;
                (pms, ClientKeyExchangePayload::from_rsa(&encrypted))
            }
            #[cfg(feature = "ecdhe")]
            ServerKx::Ecdhe {
                group,
                server_public,
            } => {
                // RFC 8422 §5.10: the pre-master secret is the ECDH shared secret.
                let share = KeyShare::generate(group, cx.rng)
                    .ok_or(Error::Internal("offered a group lucid cannot generate"))?;
                let cke = ClientKeyExchangePayload::from_ecdh(share.public());
                let pms = share.agree(&server_public)?;
                core.trace_ecdh_secret(group, &pms);
                (pms, cke)
            }
            #[cfg(feature = "dhe")]
            ServerKx::Dhe {
                share,
                server_public,
            } => {
                // RFC 5246 §8.1.2: the pre-master secret is Z, leading zeros stripped.
                let cke = ClientKeyExchangePayload::from_dh(share.public());
                let bits = share.prime_bits();
                let pms = share.agree(&server_public)?;
                core.trace_dh_secret(bits, &pms);
                (pms, cke)
            }
        };
        let cke = HandshakeMessage {
            typ: HandshakeType::CLIENT_KEY_EXCHANGE,
            payload: HandshakePayload::ClientKeyExchange(cke),
        };
        core.send_handshake(&cke, Some(&mut this.hello.transcript), cx.rng)?;
        // session_hash covers everything up to and including ClientKeyExchange, hashed with
        // the PRF's hash (RFC 7627 §3): taken before a CertificateVerify joins the transcript.
        let session_hash = this.hello.transcript.current_hash();

        // RFC 5246 §7.4.8: the signature over every handshake message so far.
        if let Some((cert, sig)) = &identity {
            let digest = this.hello.transcript.current_hash();
            let signed = sign::Signed::Transcript(digest.as_ref());
            let signature = match cert.key() {
                ServerKey::Rsa(key) => sign::sign_rsa(&**key, *sig, signed, cx.rng)?,
                #[cfg(feature = "ecdsa")]
                ServerKey::Ecdsa(key) => sign::sign_ecdsa(&**key, *sig, signed, cx.rng)?,
            };
            let verify =
                HandshakeMessage::new(HandshakePayload::CertificateVerify(DigitallySigned {
                    scheme: sig.scheme(),
                    signature,
                }));
            core.send_handshake(&verify, Some(&mut this.hello.transcript), cx.rng)?;
        }

        let prf = this.suite.prf_algorithm(version);
        let (master, seed_len) = if this.negotiated.extended_master_secret {
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
                    &this.server_random.0,
                ),
                64,
            )
        };
        core.trace_key_schedule(
            this.negotiated.extended_master_secret,
            seed_len,
            &master,
            this.suite,
            version,
        );
        log_master(&this.hello.config, &this.hello.client_random, &master);
        let (client_sealer, server_opener) = record_protection(
            Side::Client,
            version,
            this.suite,
            &master,
            &this.hello.client_random,
            &this.server_random,
            this.negotiated.encrypt_then_mac,
        )?;
        core.set_pending_opener(server_opener);
        core.send_ccs(client_sealer, cx.rng)?;
        core.send_finished(cx.rng, &master, &mut this.hello.transcript, prf)?;
        Ok(ClientState::ExpectCcs(Box::new(finish::ExpectCcs(
            Finishing {
                transcript: this.hello.transcript,
                master,
                negotiated: this.negotiated,
                our_sealer: None,
                side: ClientFinish {
                    config: this.hello.config,
                    server_name: this.hello.server_name,
                    empty_certificate: this.certificate_request.is_some() && identity.is_none(),
                    certificate_sent: identity.is_some(),
                },
            },
        ))))
    }
}

/// The client's certificate and signature algorithm for a CertificateRequest, if it has one
/// that fits: a chain from the configured resolver whose key type the request allows
/// (certificate_types) and, on TLS 1.2, a scheme of that key type, of the transcript's hash
/// (see [`sign::Signed::Transcript`]) and in the request's supported_signature_algorithms.
fn client_identity(
    config: &ClientConfig,
    request: &CertificateRequestPayload,
    suite: &SuiteParams,
    version: ProtocolVersion,
) -> Option<(Arc<CertifiedKey>, HandshakeSignature)> {
    let resolver = config.client_certificate.as_ref()?;
    let types = &request.certificate_types;
    let info = CertificateRequestInfo {
        accepts_rsa: types.contains(&ClientCertificateType::RSA_SIGN),
        accepts_ecdsa: types.contains(&ClientCertificateType::ECDSA_SIGN),
        authorities: &request.authorities,
    };
    let cert = resolver.resolve(&info)?;
    let (allowed, schemes, legacy) = match cert.key() {
        ServerKey::Rsa(_) => (
            info.accepts_rsa,
            sign::RSA_SCHEMES,
            HandshakeSignature::RsaMd5Sha1,
        ),
        #[cfg(feature = "ecdsa")]
        ServerKey::Ecdsa(_) => (
            info.accepts_ecdsa,
            sign::ECDSA_SCHEMES,
            HandshakeSignature::EcdsaSha1,
        ),
    };
    if !allowed {
        return None;
    }
    if version < ProtocolVersion::TLSV1_2 {
        return Some((cert, legacy));
    }
    let theirs = request.sigalgs.as_deref().unwrap_or_default();
    let prf = suite.prf_algorithm(version);
    let sig = schemes
        .iter()
        .map(|s| HandshakeSignature::Scheme(*s))
        .find(|s| {
            sign::signs_transcript(*s, prf) && s.scheme().is_some_and(|s| theirs.contains(&s))
        })?;
    Some((cert, sig))
}

/// What the client does once the server's Finished checked out: remember the session.
#[derive(Debug)]
pub(crate) struct ClientFinish {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    /// We answered a CertificateRequest with an empty Certificate.
    empty_certificate: bool,
    /// We answered a CertificateRequest with our chain and a CertificateVerify.
    certificate_sent: bool,
}

impl PeerFinished for ClientFinish {
    fn peer_finished(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        master: &MasterSecret,
        negotiated: &Negotiated,
        _our_flight_last: bool,
    ) {
        let Some(store) = &self.config.session_store else {
            return;
        };
        if negotiated.session_id.as_slice().is_empty() {
            return;
        }
        store.put(
            &store_key(&self.server_name),
            ClientSession {
                session_id: negotiated.session_id,
                version: negotiated.version,
                suite: negotiated.suite,
                extended_master_secret: negotiated.extended_master_secret,
                master_secret: master.clone(),
                established: cx.now,
                max_fragment_length: negotiated.max_fragment_length,
            },
        );
        core.tracer
            .emit(&Event::Resumption(ResumptionEvent::Stored));
    }
}
