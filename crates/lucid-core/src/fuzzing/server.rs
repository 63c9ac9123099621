//! The `server` harness: a real [`ServerConnection`] fed an arbitrary client byte stream.
//!
//! Deterministic like the client harness (fixed clock, [`SERVER_RNG_SEED`], fixed
//! configuration per setup byte), so a client flight recorded against it — including the
//! RSA-encrypted pre-master secret and the client's encrypted Finished — replays exactly.
//! The key is the testdata/pki leaf key; its RSA decryption is the slow part of a run.

use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

use crate::ServerConnection;
use crate::conn::RecordBuffers;
use crate::crypto::keys::MasterSecret;
use crate::fuzzing::client::{RESUME_MASTER_SECRET, RESUME_SESSION_ID, RESUME_SUITE, SERVER_NAME};
use crate::fuzzing::drive::{Feed, Outcome, drive};
use crate::fuzzing::rng::FuzzRng;
use crate::fuzzing::x509::{
    ECDSA_CLIENT_CHAIN_PEM, ECDSA_ROOT_PEM, NOW, PKI_INTERMEDIATE_PEM, PKI_LEAF_PEM, first_der,
};
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::handshake::SessionId;
use crate::server::{
    CertifiedKey, ClientAuth, ClientCertVerified, ClientCertVerifier, RsaCrateKey, ServerConfig,
};
use crate::session::{ServerSession, ServerSessionStore};

/// Seed of the server's RNG in every harness run.
pub const SERVER_RNG_SEED: u64 = 0x6c75_6369_642d_7321;

const LEAF_KEY_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf.key");

/// What the harness server writes once the handshake completes.
pub const SERVER_RESPONSE: &[u8] = b"HTTP/1.0 200 ok\r\n\r\nhello from lucid\n";

/// The server's configuration, decoded from the first input byte.
///
/// - bits 0-1: versions — 0: TLS 1.2 only; 1: TLS 1.0..=1.2; 2: TLS 1.0 only; 3: TLS 1.1 only
/// - bit 2: accept extended_master_secret; bit 3: accept encrypt_then_mac
/// - bit 4: a session cache holding one session, [`RESUME_SESSION_ID`] for `localhost`
///   ([`RESUME_SUITE`], the highest configured version, EMS as accepted)
/// - bit 5: reversed suite order: ECDHE_RSA with AES-128-GCM first at TLS 1.2,
///   ECDHE_RSA with AES-128-CBC-SHA first below (see `HARNESS_SUITES`); and ask for a
///   client certificate (optional; the harness client's testdata/ecdsa/p256-client leaf is
///   accepted byte for byte, its CertificateVerify checked for real)
/// - bits 6-7: feed mode (whole, 1..=64, recv_buf 1..=20000, 1..=600 byte chunks)
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerSetup {
    pub(crate) byte: u8,
}

impl ServerSetup {
    fn versions(self) -> (ProtocolVersion, ProtocolVersion) {
        use ProtocolVersion as V;
        match self.byte & 3 {
            0 => (V::TLSV1_2, V::TLSV1_2),
            1 => (V::TLSV1_0, V::TLSV1_2),
            2 => (V::TLSV1_0, V::TLSV1_0),
            _ => (V::TLSV1_1, V::TLSV1_1),
        }
    }

    fn config(self, cert: &Arc<CertifiedKey>) -> ServerConfig {
        let mut config = ServerConfig::with_resolver(Arc::new(cert.clone()));
        config.cipher_suites = crate::fuzzing::HARNESS_SUITES.to_vec();
        config.allow_legacy_ciphers = true;
        (config.min_version, config.max_version) = self.versions();
        config.accept_extended_master_secret = self.byte & 4 != 0;
        config.accept_encrypt_then_mac = self.byte & 8 != 0;
        if self.byte & 16 != 0 {
            config.session_store = Some(Arc::new(FixedServerSession(ServerSession {
                version: self.versions().1,
                suite: RESUME_SUITE,
                extended_master_secret: self.byte & 4 != 0,
                master_secret: MasterSecret::from_bytes(RESUME_MASTER_SECRET),
                server_name: Some(SERVER_NAME.to_string()),
                created: NOW,
                client_certificates: Default::default(),
                max_fragment_length: None,
            })));
        }
        if self.byte & 32 != 0 {
            config.cipher_suites.reverse();
            config.client_auth = ClientAuth::Optional(Arc::new(FixtureClientVerifier::new()));
        }
        config
    }
}

/// Accepts exactly the harness client's leaf (cheap: the fuzzer spends its time on the
/// protocol; client chains get path validation in the `x509` target) and names the P-256
/// root in the CertificateRequest.
#[derive(Debug)]
struct FixtureClientVerifier {
    leaf: Vec<u8>,
    hint: Vec<u8>,
}

impl FixtureClientVerifier {
    fn new() -> Self {
        let chain = crate::x509::certs_from_pem(ECDSA_CLIENT_CHAIN_PEM).unwrap_or_default();
        let leaf = chain
            .first()
            .map(|c| c.as_ref().to_vec())
            .unwrap_or_default();
        let hint = crate::x509::TrustAnchor::from_cert_der(&first_der(ECDSA_ROOT_PEM))
            .map(|a| a.subject)
            .unwrap_or_default();
        Self { leaf, hint }
    }
}

impl ClientCertVerifier for FixtureClientVerifier {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        vec![self.hint.clone()]
    }

    fn verify_client_cert(
        &self,
        end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<ClientCertVerified, crate::x509::CertificateError> {
        if end_entity.as_ref() == self.leaf.as_slice() {
            Ok(ClientCertVerified::default())
        } else {
            Err(crate::x509::CertificateError::UnknownIssuer)
        }
    }
}

/// A session cache that knows exactly one session and remembers nothing new.
#[derive(Debug)]
struct FixedServerSession(ServerSession);

impl ServerSessionStore for FixedServerSession {
    fn put(&self, _id: SessionId, _session: ServerSession) {}

    fn get(&self, id: &SessionId, _now: rustls_pki_types::UnixTime) -> Option<ServerSession> {
        (id.as_slice() == RESUME_SESSION_ID).then(|| self.0.clone())
    }

    fn remove(&self, _id: &SessionId) {}
}

/// The parsed key and chain, built once (RSA key parsing is slow) and shared by runs.
#[derive(Debug, Clone)]
pub struct ServerHarness {
    cert: Arc<CertifiedKey>,
    buffers: RecordBuffers,
}

impl Default for ServerHarness {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerHarness {
    /// Loads testdata/pki's leaf key and chain.
    pub fn new() -> Self {
        let pem = PrivatePkcs8KeyDer::from_pem_slice(LEAF_KEY_PEM).expect("fixture key PEM");
        let key = RsaCrateKey::from_pkcs8_der(pem.secret_pkcs8_der()).expect("fixture key");
        let chain = vec![first_der(PKI_LEAF_PEM), first_der(PKI_INTERMEDIATE_PEM)];
        let cert = CertifiedKey::new(chain, Arc::new(key)).expect("fixture key matches leaf");
        Self {
            cert: Arc::new(cert),
            buffers: RecordBuffers::default(),
        }
    }

    /// The same server with [`RecordBuffers::OnDemand`] record buffers.
    pub fn on_demand() -> Self {
        Self {
            buffers: RecordBuffers::OnDemand,
            ..Self::new()
        }
    }

    /// The fixture chain and key.
    pub fn cert(&self) -> Arc<CertifiedKey> {
        self.cert.clone()
    }

    /// Input: `setup(1) || client bytes`; see [`server`].
    pub fn run(&self, data: &[u8]) {
        let Some((&setup, flight)) = data.split_first() else {
            return;
        };
        self.drive(ServerSetup { byte: setup }, flight);
    }

    pub(crate) fn connect(&self, setup: ServerSetup) -> ServerConnection {
        let mut config = setup.config(&self.cert);
        config.record_buffers = self.buffers;
        ServerConnection::new(Arc::new(config))
            .expect("every setup is a valid server configuration")
    }

    pub(crate) fn drive(&self, setup: ServerSetup, flight: &[u8]) -> Outcome {
        let mut rng = FuzzRng::new(SERVER_RNG_SEED);
        let mut conn = self.connect(setup);
        assert!(!conn.wants_write(), "the server speaks second");
        let out = drive(
            &mut conn,
            Feed::from_setup(setup.byte),
            u64::from(setup.byte),
            flight,
            &mut rng,
            SERVER_RESPONSE,
        );
        if out.handshake_done {
            // The client asked for `localhost` (every recorded flight does); the name
            // is only ever a plausible host name.
            if let Some(name) = conn.sni() {
                assert!(!name.is_empty() && !name.ends_with('.'));
            }
        }
        out
    }
}

/// Input: `setup(1) || client bytes`. See [`ServerSetup`] for the setup byte.
///
/// Drives a [`ServerConnection`] (testdata/pki chain and key) through the same calling
/// contract checks as [`client`](super::client), writing a response once the handshake is
/// done. Builds a [`ServerHarness`] per call; the fuzz target keeps one instead.
pub fn server(data: &[u8]) {
    ServerHarness::new().run(data);
}

/// [`server`] with [`RecordBuffers::OnDemand`] record buffers (an `alloc_bound` run).
pub fn server_on_demand(data: &[u8]) {
    ServerHarness::on_demand().run(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setup_builds_a_server() {
        let h = ServerHarness::new();
        for byte in 0..=u8::MAX {
            let out = h.drive(ServerSetup { byte }, &[]);
            assert_eq!(out.sent, 0);
            assert_eq!(out.eof, Some(Err(crate::Error::UnexpectedEof)));
        }
    }
}
