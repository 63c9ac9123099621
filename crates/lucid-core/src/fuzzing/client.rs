//! The `client` harness: a real [`ClientConnection`] fed an arbitrary server byte stream.
//!
//! The client is fully deterministic — fixed configuration per setup byte, fixed clock
//! ([`NOW`]), fixed RNG seed ([`CLIENT_RNG_SEED`]) — so its ClientHello, key exchange and
//! Finished are the same on every run. A server flight recorded once against it (see the
//! seed corpus, produced by the scripted server of `fuzzing/seeds.rs`) therefore replays
//! exactly, all the way through ChangeCipherSpec, Finished and encrypted application data,
//! and the fuzzer mutates from deep inside the handshake.

use alloc::sync::Arc;
use rustls_pki_types::ServerName;

use crate::ClientConnection;
use crate::client::{ClientConfig, PinnedLeafVerifier, ServerCertVerifier, WebPkiVerifier};
use crate::conn::RecordBuffers;
use crate::crypto::keys::MasterSecret;
use crate::fuzzing::drive::{Feed, Outcome, drive};
use crate::fuzzing::rng::FuzzRng;
use crate::fuzzing::x509::{
    ECDSA_CLIENT_CHAIN_PEM, ECDSA_CLIENT_KEY_PEM, NOW, PKI_LEAF_PEM, first_der, roots,
};
use crate::msgs::enums::{CipherSuite, ProtocolVersion};
use crate::msgs::handshake::SessionId;
use crate::session::{ClientSession, ClientSessionStore};

/// Seed of the client's RNG in every harness run.
pub const CLIENT_RNG_SEED: u64 = 0x6c75_6369_642d_6321;

/// The host name the client connects to (the testdata/pki leaf's name).
pub const SERVER_NAME: &str = "localhost";

/// Session id of the session the client offers to resume when setup bit 4 is set.
pub const RESUME_SESSION_ID: [u8; 32] = [0x5e; 32];

/// Master secret of that session.
pub const RESUME_MASTER_SECRET: [u8; 48] = [0x4d; 48];

/// Cipher suite of that session.
pub const RESUME_SUITE: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;

/// The client's configuration, decoded from the first input byte.
///
/// - bits 0-1: versions — 0: TLS 1.2 only; 1: TLS 1.0..=1.2; 2: TLS 1.0 only; 3: TLS 1.1 only
/// - bit 2: offer extended_master_secret; bit 3: offer encrypt_then_mac
/// - bit 4: offer to resume a fixed session ([`RESUME_SESSION_ID`], [`RESUME_SUITE`], the
///   highest configured version, EMS as offered)
/// - bit 5: send TLS_FALLBACK_SCSV
/// - bits 6-7: [`Feed`] mode (Whole, Small, RecvBuf, Medium)
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientSetup {
    pub(crate) byte: u8,
}

impl ClientSetup {
    pub(crate) fn versions(self) -> (ProtocolVersion, ProtocolVersion) {
        use ProtocolVersion as V;
        match self.byte & 3 {
            0 => (V::TLSV1_2, V::TLSV1_2),
            1 => (V::TLSV1_0, V::TLSV1_2),
            2 => (V::TLSV1_0, V::TLSV1_0),
            _ => (V::TLSV1_1, V::TLSV1_1),
        }
    }

    pub(crate) fn ems(self) -> bool {
        self.byte & 4 != 0
    }

    pub(crate) fn etm(self) -> bool {
        self.byte & 8 != 0
    }

    pub(crate) fn resume(self) -> bool {
        self.byte & 16 != 0
    }

    fn fallback_scsv(self) -> bool {
        self.byte & 32 != 0
    }

    pub(crate) fn feed(self) -> Feed {
        Feed::from_setup(self.byte)
    }

    /// The session offered for resumption.
    pub(crate) fn session(self) -> ClientSession {
        ClientSession {
            session_id: SessionId::new(&RESUME_SESSION_ID).unwrap_or(SessionId::EMPTY),
            version: self.versions().1,
            suite: RESUME_SUITE,
            extended_master_secret: self.ems(),
            master_secret: MasterSecret::from_bytes(RESUME_MASTER_SECRET),
            established: NOW,
            max_fragment_length: None,
        }
    }

    fn config(self, verifier_kind: Verifier) -> ClientConfig {
        let verifier: Arc<dyn ServerCertVerifier> = match verifier_kind {
            Verifier::PinnedLeaf => Arc::new(PinnedLeafVerifier::new(first_der(PKI_LEAF_PEM))),
            Verifier::PathValidation => Arc::new(WebPkiVerifier::new(roots())),
        };
        let mut config = ClientConfig::new(verifier);
        config.cipher_suites = crate::fuzzing::HARNESS_SUITES.to_vec();
        config.allow_legacy_ciphers = true;
        if matches!(verifier_kind, Verifier::PathValidation) {
            config.record_buffers = RecordBuffers::OnDemand;
        }
        (config.min_version, config.max_version) = self.versions();
        config.offer_extended_master_secret = self.ems();
        config.offer_encrypt_then_mac = self.etm();
        config.send_fallback_scsv = self.fallback_scsv();
        // Used only when a server sends a CertificateRequest (the scripted server's
        // `certificate_request` scripts, the harness server with its setup bit 5, openssl
        // s_server -verify): then the client sends this chain and an ECDSA
        // CertificateVerify, deterministic per RFC 6979, so recordings replay.
        config.set_client_certificate(client_identity());
        if self.resume() {
            config.session_store = Some(Arc::new(FixedSession(self.session())));
        }
        config
    }

    /// A client for this setup (pinned leaf); its ClientHello is in `pending_tls`.
    pub(crate) fn connect(self, rng: &mut FuzzRng) -> ClientConnection {
        self.connect_with(rng, Verifier::PinnedLeaf)
    }

    fn connect_with(self, rng: &mut FuzzRng, verifier: Verifier) -> ClientConnection {
        let name = ServerName::try_from(SERVER_NAME).expect("valid DNS name");
        ClientConnection::new(Arc::new(self.config(verifier)), name, NOW, rng)
            .expect("every setup is a valid client configuration")
    }
}

/// The harness client's certificate and key (testdata/ecdsa/p256-client).
pub(crate) fn client_identity() -> crate::CertifiedKey {
    use rustls_pki_types::PrivatePkcs8KeyDer;
    use rustls_pki_types::pem::PemObject;
    let chain = crate::x509::certs_from_pem(ECDSA_CLIENT_CHAIN_PEM)
        .expect("fixture chain PEM")
        .into_iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    let key = PrivatePkcs8KeyDer::from_pem_slice(ECDSA_CLIENT_KEY_PEM).expect("fixture key PEM");
    let key = crate::EcdsaKey::from_pkcs8_der(key.secret_pkcs8_der()).expect("fixture key");
    crate::CertifiedKey::new_ecdsa(chain, Arc::new(key)).expect("fixture key matches leaf")
}

/// How the harness client checks the server's certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Verifier {
    /// The testdata/pki leaf, byte for byte (cheap: the fuzzer spends its time on the
    /// protocol, not on signatures).
    PinnedLeaf,
    /// Path validation to the fixture roots ([`roots`]) at [`NOW`], as a real client does
    /// (the recorded flights carry leaf + intermediate, so they still validate), and
    /// [`RecordBuffers::OnDemand`] record buffers: the `alloc_bound` target's second
    /// client, covering the other memory configuration.
    PathValidation,
}

/// A session store that always offers the same session and forgets nothing.
#[derive(Debug)]
struct FixedSession(ClientSession);

impl ClientSessionStore for FixedSession {
    fn put(&self, _server_name: &str, _session: ClientSession) {}

    fn get(&self, _server_name: &str) -> Option<ClientSession> {
        Some(self.0.clone())
    }

    fn remove(&self, _server_name: &str) {}
}

/// What the harness client writes once the handshake completes.
pub const CLIENT_REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// Input: `setup(1) || server bytes`. See [`ClientSetup`] for the setup byte.
///
/// Drives the client through `read_tls` (or `recv_buf`/`recv_ack`), `process`,
/// `pending_tls`/`consume_tls`, `read_plaintext`, `write_plaintext` (once, after the
/// handshake), `transport_eof` and `send_close_notify`, and checks the calling contract's
/// promises (see `fuzzing/drive.rs`): errors are latched and repeated, the connection
/// always takes input once its whole records are processed, `negotiated` is set exactly
/// when the handshake is done, a clean EOF only follows close_notify.
pub fn client(data: &[u8]) {
    let Some((&setup, flight)) = data.split_first() else {
        return;
    };
    drive_client(ClientSetup { byte: setup }, flight);
}

/// [`client`] with full path validation instead of the pinned leaf and on-demand record
/// buffers: what the `alloc_bound` target runs besides [`client`], so certificate-path
/// memory and the other buffer configuration are inside the client's bound.
pub fn client_path_validation(data: &[u8]) {
    let Some((&setup, flight)) = data.split_first() else {
        return;
    };
    drive_client_with(
        ClientSetup { byte: setup },
        flight,
        Verifier::PathValidation,
    );
}

/// Runs the harness client for `setup` over `flight`.
pub(crate) fn drive_client(setup: ClientSetup, flight: &[u8]) -> Outcome {
    drive_client_with(setup, flight, Verifier::PinnedLeaf)
}

pub(crate) fn drive_client_with(setup: ClientSetup, flight: &[u8], verifier: Verifier) -> Outcome {
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let mut conn = setup.connect_with(&mut rng, verifier);
    assert!(conn.wants_write(), "the ClientHello is queued");
    drive(
        &mut conn,
        setup.feed(),
        u64::from(setup.byte),
        flight,
        &mut rng,
        CLIENT_REQUEST,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn every_setup_builds_and_sends_a_hello() {
        for byte in 0..=u8::MAX {
            let setup = ClientSetup { byte };
            let out = drive_client(setup, &[]);
            assert!(out.sent > 40, "{byte:#04x}: {out:?}");
            assert!(!out.handshake_done);
            assert_eq!(out.eof, Some(Err(Error::UnexpectedEof)));
        }
    }

    #[test]
    fn the_client_is_deterministic() {
        let hello = |byte| {
            let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
            let conn = ClientSetup { byte }.connect(&mut rng);
            conn.pending_tls().to_vec()
        };
        assert_eq!(hello(0x0c), hello(0x0c));
        assert_ne!(hello(0x0c), hello(0x04));
    }

    #[test]
    fn garbage_fails_with_a_latched_error() {
        let out = drive_client(
            ClientSetup { byte: 0 },
            b"\x16\x03\x03\x00\x04\x02\x00\x00\x00",
        );
        // An empty ServerHello body: decode error, alert sent.
        assert!(
            matches!(out.error, Some(Error::InvalidMessage(_))),
            "{out:?}"
        );
        client(b"\x40\x15\x03\x03\x00\x02\x02\x28");
        client(&[]);
    }
}
