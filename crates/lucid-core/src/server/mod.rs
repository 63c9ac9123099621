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
//!
//! The states live beside the messages they handle: `client_hello` (reading the
//! ClientHello, writing the ServerHello), `resume` (the abbreviated handshake),
//! `server_flight` (the full handshake's choices and first flight), `client_flight`
//! (the client's Certificate, ClientKeyExchange and CertificateVerify) and `finished`
//! (caching the session).
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::fmt;

use crate::conn::finish;
use crate::conn::{Context, Core, Message};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::MasterSecret;
use crate::error::Error;
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::handshake::Random;

mod client_flight;
mod client_hello;
mod config;
mod finished;
pub mod kx;
mod resume;
mod server_flight;

use client_flight::{ExpectCertificateVerify, ExpectClientCertificate, ExpectClientKeyExchange};
use client_hello::ExpectClientHello;
use finished::ServerFinish;

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

fn log_master(data: &HelloData, master: &MasterSecret) {
    if let Some(kl) = &data.config.key_log {
        kl.log("CLIENT_RANDOM", &data.client_random.0, master.as_bytes());
    }
}
