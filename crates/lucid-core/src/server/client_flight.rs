//! The client's second flight: Certificate (when asked for one), ClientKeyExchange and
//! CertificateVerify (when it sent a certificate).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::CertificateDer;
use zeroize::Zeroizing;

use crate::conn::finish::{self, Finishing};
use crate::conn::{Context, Core, Message, Negotiated, Side, record_protection};
#[cfg(feature = "dhe")]
use crate::crypto::dh::DhKeyShare;
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh::KeyShare;
use crate::crypto::keys;
use crate::crypto::prf::PrfAlgorithm;
use crate::crypto::rsa_kx::PRE_MASTER_SECRET_LEN;
use crate::crypto::sign::{self, HandshakeSignature, Signed};
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::handshake::{CertificatePayload, HandshakePayload};
use crate::trace::Event;
use crate::x509::signature::{LEGACY_MIN_RSA_MODULUS_BITS, SubjectPublicKey};

use super::finished::ServerFinish;
use super::{ClientCertVerifier, HelloData, ServerRsaKey, ServerState, kx, log_master};

/// Waiting for the client's Certificate, which we asked for.
pub(crate) struct ExpectClientCertificate {
    pub(super) next: ExpectClientKeyExchange,
    pub(super) verifier: Arc<dyn ClientCertVerifier>,
    pub(super) required: bool,
}

impl fmt::Debug for ExpectClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectClientCertificate")
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl ExpectClientCertificate {
    pub(super) fn handle(
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

/// What the ClientKeyExchange is read with.
pub(super) enum ServerKx {
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
    pub(super) hello: HelloData,
    pub(super) suite: &'static SuiteParams,
    pub(super) kx: ServerKx,
    /// The key of the client's certificate, when it sent one: a CertificateVerify follows.
    pub(super) client_key: Option<SubjectPublicKey>,
    pub(super) negotiated: Negotiated,
    pub(super) sni: Option<String>,
}

impl fmt::Debug for ExpectClientKeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectClientKeyExchange")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectClientKeyExchange {
    pub(super) fn handle(
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
    pub(super) fn handle(self: Box<Self>, msg: Message<'_>) -> Result<ServerState, Error> {
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
