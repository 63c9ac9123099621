//! The full handshake's first flight: suite and certificate choice, then ServerHello,
//! Certificate, ServerKeyExchange (ECDHE, DHE), CertificateRequest (with client
//! authentication) and ServerHelloDone.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::conn::{Context, Core, Negotiated};
#[cfg(feature = "dhe")]
use crate::crypto::dh::{self, DhKeyShare};
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh::{self, KeyShare};
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::crypto::sign::Signed;
use crate::crypto::sign::{self, HandshakeSignature};
#[cfg(feature = "ecdhe")]
use crate::crypto::suites::Authentication;
use crate::crypto::suites::{self, KeyExchange, SuiteParams};
use crate::error::{Error, PeerIncompatible};
#[cfg(feature = "ecdhe")]
use crate::msgs::enums::EcPointFormat;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::msgs::enums::NamedGroup;
use crate::msgs::enums::{ClientCertificateType, ProtocolVersion};
#[cfg(feature = "dhe")]
use crate::msgs::handshake::ServerDhParams;
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, ClientHelloPayload, HandshakeMessage,
    HandshakePayload, SessionId,
};
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::msgs::handshake::{DigitallySigned, ServerKeyExchangePayload};
#[cfg(feature = "ecdhe")]
use crate::msgs::{enums::EcCurveType, handshake::ServerEcdhParams};

use super::client_flight::{ExpectClientCertificate, ExpectClientKeyExchange, ServerKx};
use super::client_hello::{Offer, server_extensions, server_hello};
use super::{CertifiedKey, ClientAuth, HelloData, ServerConfig, ServerKey, ServerState};

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

pub(super) fn full_handshake(
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
