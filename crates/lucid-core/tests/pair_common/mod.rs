//! The in-memory client↔server harness shared by the `pair_*` tests (quinn-proto's
//! `tests/util.rs` shape): a lucid [`ClientConnection`] and [`ServerConnection`] with a
//! fixed clock and seeded ChaCha20 RNGs, bytes shuttled between them by hand, every loop
//! bounded. Also a [`Scripted`] client (lucid-core's scripted peer in the client role),
//! for byte-level attacks the real client would never send.
#![allow(
    dead_code,
    unreachable_pub,
    unused_imports,
    reason = "each pair_* binary uses a different subset of the harness (re-exports included)"
)]

use core::time::Duration;
use std::sync::{Arc, OnceLock};

pub use lucid_core::fuzzing::ScriptedPeer;
pub use lucid_core::fuzzing::script::{
    handshake_messages, parse_records as records, plain_record as record,
};
use lucid_core::internal::codec::Codec;
use lucid_core::internal::crypto::suites;
use lucid_core::internal::msgs::enums::{
    AlertDescription, CipherSuite, ContentType, HandshakeType, ProtocolVersion,
};
use lucid_core::internal::msgs::handshake::{
    HandshakeMessage, HandshakePayload, ServerHelloPayload,
};
use lucid_core::x509::RootStore;
use lucid_core::x509::pki_types::pem::PemObject;
use lucid_core::x509::pki_types::{PrivateKeyDer, ServerName, UnixTime};
use lucid_core::{CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection};
use lucid_core::{ClientConfig, ClientConnection, WebPkiVerifier};
use lucid_core::{Error, x509};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// 2024-06-01T00:00:00Z: inside the fixtures' validity (2020..2120).
pub const NOW: u64 = 1_717_200_000;

/// Bound on every shuttle loop: a livelock fails fast instead of hanging.
pub const MAX_STEPS: usize = 10_000;

pub const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
pub const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
pub const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
pub const VERSIONS: [ProtocolVersion; 3] = [V10, V11, V12];

pub fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(NOW))
}

pub fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

/// The `testdata/pki` chain, key and root, parsed once.
pub struct Fixtures {
    pub chain: Vec<Vec<u8>>,
    pub cert: Arc<CertifiedKey>,
    pub roots: RootStore,
    pub key_pkcs8: Vec<u8>,
}

pub fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pki");
        let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
        let chain: Vec<Vec<u8>> = x509::certs_from_pem(&read("chain.pem"))
            .unwrap()
            .into_iter()
            .map(|c| c.to_vec())
            .collect();
        let key_pkcs8 = match PrivateKeyDer::from_pem_slice(&read("leaf.key")).unwrap() {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
            other => panic!("leaf.key is not PKCS#8: {other:?}"),
        };
        let key = RsaCrateKey::from_pkcs8_der(&key_pkcs8).unwrap();
        let cert = Arc::new(CertifiedKey::new(chain.clone(), Arc::new(key)).unwrap());
        let mut roots = RootStore::new();
        for c in x509::certs_from_pem(&read("root.pem")).unwrap() {
            roots.add_der(&c).unwrap();
        }
        Fixtures {
            chain,
            cert,
            roots,
            key_pkcs8,
        }
    })
}

/// The bytes of `testdata/<path>`.
pub fn testdata(path: &str) -> Vec<u8> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The DER certificates of a PEM file's bytes, in order.
pub fn ders(pem: &[u8]) -> Vec<Vec<u8>> {
    x509::certs_from_pem(pem)
        .unwrap()
        .into_iter()
        .map(|c| c.to_vec())
        .collect()
}

/// Suites valid at `v` that the fixture PKI's RSA certificate can serve, in table order:
/// what a lucid client and server can negotiate with each other by default (the legacy
/// opt-in suites are not among them).
pub fn suites_for(v: ProtocolVersion) -> Vec<CipherSuite> {
    suites::ALL_SUITES
        .iter()
        .filter(|s| s.usable_with(v) && s.auth == suites::Authentication::Rsa && s.legacy.is_none())
        .map(|s| s.suite)
        .collect()
}

/// The RSA key-exchange suites valid at `v`, in table order: what the scripted client
/// ([`scripted`]) offers, since it speaks RSA key exchange only.
pub fn rsa_kx_suites_for(v: ProtocolVersion) -> Vec<CipherSuite> {
    suites::ALL_SUITES
        .iter()
        .filter(|s| s.usable_with(v) && s.kx == suites::KeyExchange::Rsa)
        .map(|s| s.suite)
        .collect()
}

pub fn server_config(min: ProtocolVersion, max: ProtocolVersion) -> ServerConfig {
    let mut c = ServerConfig::new((*fixtures().cert).clone());
    c.min_version = min;
    c.max_version = max;
    c
}

pub fn client_config(min: ProtocolVersion, max: ProtocolVersion) -> ClientConfig {
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(fixtures().roots.clone())));
    c.min_version = min;
    c.max_version = max;
    c
}

/// A client and a server joined by two in-memory pipes.
pub struct Pair {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub now: UnixTime,
    pub crng: ChaCha20Rng,
    pub srng: ChaCha20Rng,
    pub client_err: Option<Error>,
    pub server_err: Option<Error>,
    /// Record every byte that crossed, when asked (allocates: off in the allocation test).
    pub record: bool,
    pub c2s_log: Vec<u8>,
    pub s2c_log: Vec<u8>,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig, seed: u64) -> Self {
        Self::with_name(client, server, seed, "localhost")
    }

    pub fn with_name(client: ClientConfig, server: ServerConfig, seed: u64, name: &str) -> Self {
        Self::at_time(Arc::new(client), Arc::new(server), seed, name, now())
    }

    pub fn at_time(
        client: Arc<ClientConfig>,
        server: Arc<ServerConfig>,
        seed: u64,
        name: &str,
        now: UnixTime,
    ) -> Self {
        let mut crng = ChaCha20Rng::seed_from_u64(seed);
        let srng = ChaCha20Rng::seed_from_u64(seed ^ 0x5eed_5eed);
        let name = ServerName::try_from(name.to_string()).unwrap();
        let client = ClientConnection::new(client, name, now, &mut crng).unwrap();
        let server = ServerConnection::new(server).unwrap();
        Self {
            client,
            server,
            now,
            crng,
            srng,
            client_err: None,
            server_err: None,
            record: true,
            c2s_log: Vec::new(),
            s2c_log: Vec::new(),
        }
    }

    /// Moves everything the client has queued to the server, processing as it goes.
    /// Returns the number of bytes moved. Performs no allocation unless `record` is set.
    pub fn c2s(&mut self) -> usize {
        let mut moved = 0;
        for _ in 0..MAX_STEPS {
            let pending = self.client.pending_tls();
            if pending.is_empty() {
                break;
            }
            let n = self.server.read_tls_bytes(pending);
            if self.record {
                self.c2s_log.extend_from_slice(&pending[..n]);
            }
            self.client.consume_tls(n);
            moved += n;
            if let Err(e) = self.server.process(self.now, &mut self.srng) {
                self.server_err.get_or_insert(e);
            }
            if n == 0 {
                break;
            }
        }
        moved
    }

    /// Moves everything the server has queued to the client, processing as it goes.
    pub fn s2c(&mut self) -> usize {
        let mut moved = 0;
        for _ in 0..MAX_STEPS {
            let pending = self.server.pending_tls();
            if pending.is_empty() {
                break;
            }
            let n = self.client.read_tls_bytes(pending);
            if self.record {
                self.s2c_log.extend_from_slice(&pending[..n]);
            }
            self.server.consume_tls(n);
            moved += n;
            if let Err(e) = self.client.process(self.now, &mut self.crng) {
                self.client_err.get_or_insert(e);
            }
            if n == 0 {
                break;
            }
        }
        moved
    }

    /// Shuttles until both sides are quiet. Ok when both finished the handshake cleanly.
    pub fn handshake(&mut self) -> Result<(), (Option<Error>, Option<Error>)> {
        for _ in 0..64 {
            let moved = self.c2s() + self.s2c();
            if moved == 0 {
                break;
            }
        }
        if self.client_err.is_some()
            || self.server_err.is_some()
            || self.client.is_handshaking()
            || self.server.is_handshaking()
        {
            return Err((self.client_err.clone(), self.server_err.clone()));
        }
        Ok(())
    }

    /// Client writes `data`; the server reads it all into `out` (which must be large
    /// enough). Returns the number of bytes the server received.
    pub fn send_c2s(&mut self, data: &[u8], out: &mut [u8]) -> usize {
        let mut written = 0;
        let mut got = 0;
        for _ in 0..MAX_STEPS {
            if written < data.len() {
                written += self
                    .client
                    .write_plaintext(&data[written..], &mut self.crng)
                    .unwrap();
            }
            self.c2s();
            loop {
                let n = self.server.read_plaintext(&mut out[got..]);
                if n == 0 {
                    break;
                }
                got += n;
                // Back-pressure released: let it decrypt what is buffered.
                if let Err(e) = self.server.process(self.now, &mut self.srng) {
                    self.server_err.get_or_insert(e);
                }
            }
            if written == data.len() && got == data.len() {
                break;
            }
            if self.server_err.is_some() {
                break;
            }
        }
        got
    }

    /// Server writes `data`; the client reads it into `out`.
    pub fn send_s2c(&mut self, data: &[u8], out: &mut [u8]) -> usize {
        let mut written = 0;
        let mut got = 0;
        for _ in 0..MAX_STEPS {
            if written < data.len() {
                written += self
                    .server
                    .write_plaintext(&data[written..], &mut self.srng)
                    .unwrap();
            }
            self.s2c();
            loop {
                let n = self.client.read_plaintext(&mut out[got..]);
                if n == 0 {
                    break;
                }
                got += n;
                if let Err(e) = self.client.process(self.now, &mut self.crng) {
                    self.client_err.get_or_insert(e);
                }
            }
            if written == data.len() && got == data.len() {
                break;
            }
            if self.client_err.is_some() {
                break;
            }
        }
        got
    }

    /// Application data both ways, then close_notify both ways; asserts on the bytes.
    pub fn exercise(&mut self) {
        let c_msg: Vec<u8> = (0..40_000u32).map(|i| (i * 7 + 3) as u8).collect();
        let s_msg: Vec<u8> = (0..20_001u32).map(|i| (i * 13 + 1) as u8).collect();
        let mut buf = vec![0u8; 64 * 1024];
        assert_eq!(self.send_c2s(&c_msg, &mut buf), c_msg.len());
        assert_eq!(&buf[..c_msg.len()], &c_msg[..]);
        assert_eq!(self.send_s2c(&s_msg, &mut buf), s_msg.len());
        assert_eq!(&buf[..s_msg.len()], &s_msg[..]);
        self.close_both();
    }

    pub fn close_both(&mut self) {
        self.client.send_close_notify(&mut self.crng);
        self.c2s();
        assert!(self.server.peer_has_closed());
        self.server.send_close_notify(&mut self.srng);
        self.s2c();
        assert!(self.client.peer_has_closed());
        assert_eq!(self.server.transport_eof(), Ok(()));
        assert_eq!(self.client.transport_eof(), Ok(()));
        assert_eq!(self.client_err, None);
        assert_eq!(self.server_err, None);
    }
}

/// The scripted client the pair tests use: lucid-core's [`ScriptedPeer`] in the client
/// role, for byte-level attacks the real client would never send.
pub type Scripted = ScriptedPeer<ChaCha20Rng>;

/// A scripted client seeded with `seed` whose ClientHello offers `version`, `suites`, null
/// compression, SNI `localhost` and empty renegotiation_info, plus EMS/ETM when asked.
pub fn scripted(
    seed: u64,
    version: ProtocolVersion,
    suites: &[CipherSuite],
    ems: bool,
    etm: bool,
) -> Scripted {
    ScriptedPeer::client(ChaCha20Rng::seed_from_u64(seed), version, suites, ems, etm)
}

/// Feeds `bytes` to `server` and processes; returns the result of `process`.
pub fn feed(
    server: &mut ServerConnection,
    rng: &mut ChaCha20Rng,
    bytes: &[u8],
) -> Result<(), Error> {
    let mut off = 0;
    for _ in 0..MAX_STEPS {
        if off == bytes.len() {
            break;
        }
        let n = server.read_tls_bytes(&bytes[off..]);
        off += n;
        server.process(now(), rng)?;
        if n == 0 {
            break;
        }
    }
    assert_eq!(off, bytes.len(), "server stopped taking bytes");
    server.process(now(), rng).map(|_| ())
}

/// Takes everything the server queued.
pub fn drain(server: &mut ServerConnection) -> Vec<u8> {
    let out = server.pending_tls().to_vec();
    server.consume_tls(out.len());
    out
}

pub fn hs_type(raw: &[u8]) -> HandshakeType {
    HandshakeType(raw[0])
}

// ---- shared by the pair_bad_* tests (the server against bad input) ----

pub const PMS_SEED: u64 = 77;

pub fn server(config: ServerConfig, seed: u64) -> (ServerConnection, ChaCha20Rng) {
    (
        ServerConnection::new(Arc::new(config)).unwrap(),
        ChaCha20Rng::seed_from_u64(seed),
    )
}

pub fn default_server(seed: u64) -> (ServerConnection, ChaCha20Rng) {
    server(server_config(V10, V12), seed)
}

/// A plaintext fatal alert record as lucid sends it before any version is agreed.
pub fn alert(version: ProtocolVersion, d: AlertDescription) -> Vec<u8> {
    record(ContentType::ALERT, version, &[2, d.get()])
}

/// Asserts `res` failed with `want`, the server latched it, and sent exactly `alert_bytes`.
pub fn assert_fails(
    server: &mut ServerConnection,
    res: Result<(), Error>,
    want: &Error,
    alert_bytes: &[u8],
) {
    assert_eq!(res.as_ref(), Err(want));
    assert_eq!(server.error(), Some(want));
    assert_eq!(drain(server), alert_bytes, "{want:?}");
    // Later calls return the same error and send nothing more.
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    assert_eq!(server.process(now(), &mut rng).as_ref(), Err(want));
    assert!(!server.wants_write());
}

/// The first flight of a lucid client (one record holding the ClientHello).
pub fn client_hello_bytes(seed: u64) -> Vec<u8> {
    let p = Pair::new(client_config(V10, V12), server_config(V10, V12), seed);
    p.client.pending_tls().to_vec()
}

pub fn reference_flight(hello: &[u8], seed: u64) -> Vec<u8> {
    let (mut s, mut rng) = default_server(seed);
    feed(&mut s, &mut rng, hello).unwrap();
    let out = drain(&mut s);
    // The lucid client offers ECDHE first, so an ECDHE_RSA suite is chosen.
    assert_eq!(
        handshake_messages(&out).len(),
        4,
        "ServerHello, Certificate, ServerKeyExchange, ServerHelloDone"
    );
    out
}

pub fn good_pms() -> [u8; 48] {
    let mut p = [0u8; 48];
    ChaCha20Rng::seed_from_u64(PMS_SEED).fill_bytes(&mut p);
    p[..2].copy_from_slice(&[3, 3]);
    p
}

/// The lucid client's ClientHello body, for surgery.
pub fn hello_message(seed: u64) -> Vec<u8> {
    client_hello_bytes(seed)[5..].to_vec()
}

/// Steps of a scripted client that several server tests share.
pub trait ScriptedClientExt {
    /// The ClientHello split across as many TLS 1.0 records of at most `chunk` bytes as it
    /// needs (a hello may be up to 131,396 bytes); adds it to the transcript.
    fn client_hello_records(&mut self, chunk: usize) -> Vec<u8>;
    /// After [`ScriptedPeer::receive`] of a full handshake's server flight: sends
    /// ClientKeyExchange, ChangeCipherSpec and Finished, and checks the server's
    /// ChangeCipherSpec and Finished. The server's handshake is then complete.
    fn finish_full_handshake(&mut self, server: &mut ServerConnection, rng: &mut ChaCha20Rng);
    /// Opens records the server sent after its ChangeCipherSpec: `(type, plaintext)`.
    fn open_protected(&mut self, bytes: &[u8]) -> Vec<(ContentType, Vec<u8>)>;
}

impl ScriptedClientExt for Scripted {
    fn client_hello_records(&mut self, chunk: usize) -> Vec<u8> {
        let msg = HandshakeMessage::new(HandshakePayload::ClientHello(self.hello.clone()));
        let bytes = msg.get_encoding();
        self.transcript.add(&bytes);
        bytes
            .chunks(chunk)
            .flat_map(|c| record(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_0, c))
            .collect()
    }

    fn finish_full_handshake(&mut self, server: &mut ServerConnection, rng: &mut ChaCha20Rng) {
        let mut pms = good_pms();
        pms[..2].copy_from_slice(&self.hello.client_version.get().to_be_bytes());
        let ct = self.encrypt_pms(&pms);
        let cke = self.client_key_exchange(ct);
        self.derive(&pms);
        let ccs = self.ccs();
        let fin = self.finished();
        feed(server, rng, &[cke, ccs, fin].concat()).unwrap();
        assert!(!server.is_handshaking());
        let expected = self.expected_peer_finished();
        let out = self.receive(&drain(server));
        assert_eq!(
            (out[1].typ, &out[1].plain),
            (ContentType::HANDSHAKE, &expected)
        );
        assert!(self.peer_finished);
    }

    fn open_protected(&mut self, bytes: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
        self.receive(bytes)
            .into_iter()
            .map(|r| (r.typ, r.plain))
            .collect()
    }
}

/// The ServerHello at the front of a server flight.
pub fn server_hello_of(flight: &[u8]) -> ServerHelloPayload {
    match HandshakeMessage::read_versioned(&handshake_messages(flight)[0], ProtocolVersion::TLSV1_2)
        .unwrap()
        .payload
    {
        HandshakePayload::ServerHello(sh) => sh,
        other => panic!("not a ServerHello: {other:?}"),
    }
}
