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
//!
//! The states live beside the messages they handle: `hello` (building the ClientHello),
//! `server_hello` (the server's choices, resumption), `server_flight` (Certificate,
//! ServerKeyExchange, CertificateRequest, ServerHelloDone), `client_flight` (our key
//! exchange, CertificateVerify and Finished) and `finished` (storing the session).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::ServerName;

use crate::conn::finish::{self, Finishing};
use crate::conn::{Context, Core, Message};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::MasterSecret;
use crate::error::{Error, HandshakeStep};
use crate::msgs::enums::{CipherSuite, NamedGroup, SignatureScheme};
use crate::msgs::handshake::Random;
use crate::session::ClientSession;

mod client_flight;
mod config;
mod finished;
mod hello;
mod server_flight;
mod server_hello;
mod verify;

use finished::ClientFinish;
use hello::ExpectServerHello;
#[cfg(any(feature = "ecdhe", feature = "dhe"))]
use server_flight::ExpectServerKeyExchange;
use server_flight::{ExpectCertificate, ExpectServerHelloDone};

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

fn store_key(name: &ServerName<'_>) -> String {
    use alloc::string::ToString;
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => alloc::format!("{ip:?}"),
        _ => alloc::format!("{name:?}"),
    }
}

fn log_master(config: &ClientConfig, client_random: &Random, master: &MasterSecret) {
    if let Some(kl) = &config.key_log {
        kl.log("CLIENT_RANDOM", &client_random.0, master.as_bytes());
    }
}
