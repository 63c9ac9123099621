//! The client's second flight: Certificate (when asked for one), ClientKeyExchange,
//! CertificateVerify (when our Certificate was not empty), ChangeCipherSpec and Finished.

use alloc::boxed::Box;
use alloc::sync::Arc;

use zeroize::Zeroizing;

use crate::conn::finish::{self, Finishing};
use crate::conn::{Context, Core, Side, record_protection};
use crate::crypto::certified_key::{CertifiedKey, ServerKey};
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh::KeyShare;
use crate::crypto::keys;
use crate::crypto::rsa_kx;
use crate::crypto::sign::{self, HandshakeSignature};
use crate::crypto::suites::SuiteParams;
use crate::error::Error;
use crate::msgs::enums::{ClientCertificateType, HandshakeType, ProtocolVersion};
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, ClientKeyExchangePayload, DigitallySigned,
    HandshakeMessage, HandshakePayload,
};

use super::finished::ClientFinish;
use super::server_flight::{ExpectServerHelloDone, ServerKx};
use super::{CertificateRequestInfo, ClientConfig, ClientState, log_master};

impl ExpectServerHelloDone {
    pub(super) fn send_flight(
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
