//! The rest of the server's first flight: Certificate, ServerKeyExchange,
//! CertificateRequest and ServerHelloDone.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::CertificateDer;

use crate::conn::{Context, Core, Message, Negotiated};
#[cfg(feature = "dhe")]
use crate::crypto::dh::{self, DhKeyShare};
use crate::crypto::rsa_kx;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::crypto::sign;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::crypto::suites::Authentication;
use crate::crypto::suites::{KeyExchange, SuiteParams};
use crate::error::{Error, PeerMisbehaved};
#[cfg(feature = "ecdhe")]
use crate::msgs::enums::NamedGroup;
#[cfg(feature = "dhe")]
use crate::msgs::handshake::ServerDhParams;
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, HandshakeMessage, HandshakePayload, Random,
};
#[cfg(feature = "ecdhe")]
use crate::msgs::{enums::EcCurveType, handshake::ServerEcdhParams};
use crate::trace::Event;
use crate::x509::signature::RsaPublicKey;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use crate::x509::signature::SubjectPublicKey;

use super::{ClientState, HelloData, store_key};

/// Waiting for the server's Certificate.
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    pub(super) hello: HelloData,
    pub(super) server_random: Random,
    pub(super) suite: &'static SuiteParams,
    pub(super) negotiated: Negotiated,
}

impl ExpectCertificate {
    pub(super) fn handle(
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
    pub(super) fn handle(
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
pub(super) enum ServerKx {
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
    pub(super) hello: HelloData,
    pub(super) server_random: Random,
    pub(super) suite: &'static SuiteParams,
    pub(super) negotiated: Negotiated,
    pub(super) kx: ServerKx,
    /// The server's CertificateRequest, if it sent one.
    pub(super) certificate_request: Option<CertificateRequestPayload>,
}

impl fmt::Debug for ExpectServerHelloDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectServerHelloDone")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectServerHelloDone {
    pub(super) fn handle(
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
}
