//! The ClientHello: what it asks for and what we answer (version, renegotiation signal,
//! extensions), then resumption or a full handshake; and the ServerHello that says so.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::conn::{Context, Core, DOWNGRADE_SENTINEL_TLS11, Message};
use crate::crypto::hash::Transcript;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::enums::{
    CipherSuite, Compression, EcPointFormat, ExtensionType, MaxFragmentLength, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::{ClientExtension, ServerExtension};
use crate::msgs::handshake::{
    ClientHelloPayload, HandshakeMessage, HandshakePayload, Random, ServerHelloPayload, SessionId,
};
use crate::trace::{Event, RenegotiationSignal};

use super::resume::{find_resumable, resume};
use super::server_flight::full_handshake;
use super::{HelloData, ServerConfig, ServerState, normalize_name};

/// Waiting for the ClientHello.
#[derive(Debug)]
pub(crate) struct ExpectClientHello {
    pub(super) config: Arc<ServerConfig>,
}

/// What the ClientHello asked for, beyond version and suites.
pub(super) struct Offer {
    pub(super) sni: Option<String>,
    /// The client sent extended_master_secret (whether or not we accept it).
    pub(super) ems_offered: bool,
    /// EMS offered and accepted.
    pub(super) ems: bool,
    pub(super) etm: bool,
    /// The client signalled RFC 5746 (renegotiation_info or the SCSV).
    pub(super) secure_renegotiation: bool,
    /// supported_groups, if sent.
    pub(super) groups: Option<Vec<NamedGroup>>,
    /// ec_point_formats, if sent.
    pub(super) point_formats: Option<Vec<EcPointFormat>>,
    /// signature_algorithms, if sent.
    #[cfg_attr(
        not(any(feature = "ecdhe", feature = "dhe")),
        allow(
            dead_code,
            reason = "only the ECDHE and DHE suites sign a ServerKeyExchange"
        )
    )]
    pub(super) sigalgs: Option<Vec<SignatureScheme>>,
    /// The application protocol selected from the client's ALPN list, if both sides have one.
    pub(super) alpn: Option<Vec<u8>>,
    /// max_fragment_length, if sent (a defined value) and accepted.
    pub(super) max_fragment_length: Option<MaxFragmentLength>,
}

impl ExpectClientHello {
    pub(super) fn handle(
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
pub(super) fn server_extensions(
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

pub(super) fn server_hello(
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
