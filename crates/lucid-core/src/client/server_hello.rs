//! The ServerHello: the version, suite and extensions the server chose, and resumption.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::conn::finish::{self, Finishing};
use crate::conn::{
    Context, Core, DOWNGRADE_SENTINEL_TLS11, Message, Negotiated, Side, record_protection,
    suite_params,
};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::enums::{Compression, EcPointFormat, MaxFragmentLength, ProtocolVersion};
use crate::msgs::extensions::ServerExtension;
use crate::msgs::handshake::{HandshakePayload, ServerHelloPayload};
use crate::trace::{Event, ResumptionEvent};

use super::finished::ClientFinish;
use super::hello::ExpectServerHello;
use super::server_flight::ExpectCertificate;
use super::{ClientState, HelloData, log_master, store_key};

impl ExpectServerHello {
    pub(super) fn handle(
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
///
/// [`ClientConfig::allow_legacy_renegotiation`]: super::ClientConfig::allow_legacy_renegotiation
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
