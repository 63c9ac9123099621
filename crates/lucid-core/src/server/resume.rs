//! The abbreviated handshake: finding a resumable session and resuming it.

use alloc::boxed::Box;

use crate::conn::finish::{self, Finishing};
use crate::conn::{Context, Core, Negotiated, Side, record_protection, suite_params};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::handshake::{ClientHelloPayload, SessionId};
use crate::session::ServerSession;
use crate::trace::{Event, ResumptionEvent};

use super::client_hello::{Offer, server_extensions, server_hello};
use super::finished::ServerFinish;
use super::{HelloData, ServerConfig, ServerState, log_master};

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
pub(super) fn find_resumable(
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

pub(super) fn resume(
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
