//! The client against a scripted server built from lucid-core's public pieces (message
//! codecs, transcript hash, key schedule, CBC record protection, RSA key exchange) with a
//! fixed clock and seeded RNGs.
//!
//! A baseline proves the script right (full handshakes, application data both ways,
//! close_notify); then the server misbehaves in one way per test and each test asserts the
//! exact typed error the client returns AND the exact alert bytes it queued in `pending_tls`
//! (decrypted with the client's write keys once its ChangeCipherSpec has gone out).
//!
//! Record protection for the bad-padding tests is done by hand (AES-CBC and HMAC straight
//! from RustCrypto), independently of `crypto::cbc`, so a record can be wrong in its padding
//! only.

use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aes::cipher::{Array, BlockModeEncrypt, KeyIvInit, consts::U16};
use hmac::{Hmac, KeyInit, Mac};
use lucid_core::internal::codec::{Codec, InvalidMessage, Reader};
use lucid_core::internal::conn::DOWNGRADE_SENTINEL_TLS11;
use lucid_core::internal::crypto::cbc::{RecordOpener, RecordSealer};
use lucid_core::internal::crypto::hash::Transcript;
use lucid_core::internal::crypto::keys::{self, KeyBlock, MasterSecret};
use lucid_core::internal::crypto::rsa_kx;
use lucid_core::internal::crypto::suites::{self, MacAlgorithm, SuiteParams};
use lucid_core::internal::msgs::enums::{
    AlertDescription as AD, CipherSuite, ClientCertificateType, Compression, ContentType,
    ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme,
};
use lucid_core::internal::msgs::extensions::{ClientExtension, ServerExtension};
use lucid_core::internal::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, ClientHelloPayload, HandshakeMessage,
    HandshakePayload, Random, ServerHelloPayload, SessionId,
};
use lucid_core::internal::record::RecordHeader;
use lucid_core::x509::RootStore;
use lucid_core::{
    ClientConfig, ClientConnection, ClientSession, ClientSessionStore, WebPkiVerifier,
};
use lucid_core::{Error, PeerMisbehaved as PM};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs1KeyDer, ServerName, UnixTime};

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

const AES128_SHA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
const AES256_SHA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA;
const AES128_SHA256: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256;

const ROOT_PEM: &[u8] = include_bytes!("../../../testdata/pki/root.pem");
const CHAIN_PEM: &[u8] = include_bytes!("../../../testdata/pki/chain.pem");
const LEAF_RSA_KEY: &[u8] = include_bytes!("../../../testdata/pki/leaf.rsa.key");

/// 2024-06-01T00:00:00Z: inside the fixtures' validity (2020–2120), never the wall clock.
fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_717_200_000))
}

fn chain() -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(CHAIN_PEM)
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect()
}

fn server_key() -> rsa::PrivateKey {
    let der = PrivatePkcs1KeyDer::from_pem_slice(LEAF_RSA_KEY).unwrap();
    rsa::PrivateKey::from_pkcs1_der(der.secret_pkcs1_der()).unwrap()
}

/// What the client is configured with.
#[derive(Debug, Clone)]
struct Opts {
    min: ProtocolVersion,
    max: ProtocolVersion,
    suites: Vec<CipherSuite>,
    ems: bool,
    etm: bool,
    /// The server name: `localhost` (SNI sent) or an address such as `127.0.0.1` (no SNI).
    name: &'static str,
    /// Session-ID resumption cache.
    store: Option<Arc<MemStore>>,
}

/// An in-memory [`ClientSessionStore`].
#[derive(Debug, Default)]
struct MemStore(Mutex<HashMap<String, ClientSession>>);

impl ClientSessionStore for MemStore {
    fn put(&self, server_name: &str, session: ClientSession) {
        self.0
            .lock()
            .unwrap()
            .insert(server_name.to_owned(), session);
    }
    fn get(&self, server_name: &str) -> Option<ClientSession> {
        self.0.lock().unwrap().get(server_name).cloned()
    }
    fn remove(&self, server_name: &str) {
        self.0.lock().unwrap().remove(server_name);
    }
}

impl Opts {
    fn v(version: ProtocolVersion) -> Self {
        Self::range(version, version)
    }

    fn range(min: ProtocolVersion, max: ProtocolVersion) -> Self {
        Self {
            min,
            max,
            suites: suites::ALL_SUITES.iter().map(|s| s.suite).collect(),
            ems: true,
            etm: true,
            name: "localhost",
            store: None,
        }
    }

    fn suite(mut self, s: CipherSuite) -> Self {
        self.suites = vec![s];
        self
    }

    fn ext(mut self, on: bool) -> Self {
        self.ems = on;
        self.etm = on;
        self
    }
}

/// One record the client sent, decrypted when it came after the client's CCS.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    typ: ContentType,
    version: ProtocolVersion,
    plain: Vec<u8>,
}

/// The client connection plus a scripted server's side of the handshake.
struct Script {
    client: ClientConnection,
    crng: ChaCha20Rng,
    srng: ChaCha20Rng,
    opts: Opts,
    hello: ClientHelloPayload,
    transcript: Transcript,
    /// Record version the server writes (the ServerHello's version once sent).
    rv: ProtocolVersion,
    version: ProtocolVersion,
    suite: Option<&'static SuiteParams>,
    server_random: [u8; 32],
    ems: bool,
    etm: bool,
    master: Option<MasterSecret>,
    kb: Option<KeyBlock>,
    /// Server → client protection; `sealing` once the server's CCS went out.
    sealer: Option<RecordSealer>,
    sealing: bool,
    /// Client → server protection, in use after the client's CCS.
    opener: Option<RecordOpener>,
    client_ccs: bool,
    client_finished: bool,
    /// TLS 1.0: the last ciphertext block the server sent (the next record's IV).
    last_block: [u8; 16],
    /// Application data the client decrypted so far.
    app_in: Vec<u8>,
}

impl Script {
    fn new(opts: Opts) -> Self {
        Self::with_seed(opts, 7)
    }

    fn with_seed(opts: Opts, seed: u64) -> Self {
        let mut roots = RootStore::new();
        assert_eq!(roots.add_pem(ROOT_PEM).unwrap(), 1);
        let mut config = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
        config.min_version = opts.min;
        config.max_version = opts.max;
        config.cipher_suites = opts.suites.clone();
        config.offer_extended_master_secret = opts.ems;
        config.offer_encrypt_then_mac = opts.etm;
        config.session_store = opts.store.clone().map(|s| s as Arc<dyn ClientSessionStore>);
        let name = ServerName::try_from(opts.name).unwrap();
        let by_name = matches!(name, ServerName::DnsName(_));
        let mut crng = ChaCha20Rng::seed_from_u64(seed);
        let mut client = ClientConnection::new(Arc::new(config), name, now(), &mut crng).unwrap();

        // The ClientHello: one plaintext handshake record with a TLS 1.0 record version.
        let bytes = client.pending_tls().to_vec();
        client.consume_tls(bytes.len());
        let recs = parse_records(&bytes);
        assert_eq!(recs.len(), 1);
        let (header, body) = &recs[0];
        assert_eq!(header.typ, ContentType::HANDSHAKE);
        assert_eq!(header.version, V10);
        let msg = HandshakeMessage::read_versioned(body, V12).unwrap();
        let HandshakePayload::ClientHello(hello) = msg.payload else {
            panic!("not a ClientHello: {msg:?}")
        };
        assert_eq!(hello.client_version, opts.max);
        assert_eq!(hello.compression_methods, [Compression::NULL]);
        assert_eq!(
            hello.find_extension(ExtensionType::RENEGOTIATION_INFO),
            Some(&ClientExtension::RenegotiationInfo(Vec::new()))
        );
        assert_eq!(
            hello.find_extension(ExtensionType::SERVER_NAME).is_some(),
            by_name
        );
        let mut transcript = Transcript::new();
        transcript.add(body);
        Self {
            client,
            crng,
            srng: ChaCha20Rng::seed_from_u64(seed ^ 0x5eed),
            opts,
            hello,
            transcript,
            rv: V10,
            version: V10,
            suite: None,
            server_random: [0; 32],
            ems: false,
            etm: false,
            master: None,
            kb: None,
            sealer: None,
            sealing: false,
            opener: None,
            client_ccs: false,
            client_finished: false,
            last_block: [0; 16],
            app_in: Vec::new(),
        }
    }

    // ---- server → client ----

    /// A well-formed ServerHello for `version` answering what the client offered.
    fn server_hello(&mut self, version: ProtocolVersion) -> ServerHelloPayload {
        let suite = *self
            .hello
            .cipher_suites
            .iter()
            .find(|s| suites::lookup(**s).is_some_and(|p| p.usable_with(version)))
            .expect("an offered suite usable with the version");
        self.server_hello_with(version, suite)
    }

    fn server_hello_with(
        &mut self,
        version: ProtocolVersion,
        suite: CipherSuite,
    ) -> ServerHelloPayload {
        let mut random = [0u8; 32];
        self.srng.fill_bytes(&mut random);
        let mut extensions = vec![ServerExtension::RenegotiationInfo(Vec::new())];
        if self.opts.ems {
            extensions.push(ServerExtension::ExtendedMasterSecret);
        }
        if self.opts.etm {
            extensions.push(ServerExtension::EncryptThenMac);
        }
        ServerHelloPayload {
            server_version: version,
            random: Random(random),
            session_id: SessionId::new(&[0x5a; 32]).unwrap(),
            cipher_suite: suite,
            compression_method: Compression::NULL,
            extensions,
        }
    }

    /// Encodes a ServerHello and adopts what it says (version, suite, extensions).
    fn hello_msg(&mut self, sh: &ServerHelloPayload) -> Vec<u8> {
        self.version = sh.server_version;
        if sh.server_version.get() >> 8 == 3 {
            self.rv = sh.server_version;
        }
        self.suite = suites::lookup(sh.cipher_suite);
        self.server_random = sh.random.0;
        self.ems = sh
            .find_extension(ExtensionType::EXTENDED_MASTER_SECRET)
            .is_some();
        self.etm = sh.find_extension(ExtensionType::ENCRYPT_THEN_MAC).is_some();
        if (V10..=V12).contains(&sh.server_version) {
            self.transcript.set_version(sh.server_version).unwrap();
        }
        self.hs(HandshakePayload::ServerHello(sh.clone()))
    }

    /// Encodes a handshake message and adds it to the transcript (HelloRequest excepted).
    fn hs(&mut self, payload: HandshakePayload) -> Vec<u8> {
        let msg = HandshakeMessage::new(payload);
        let bytes = msg.get_encoding();
        if msg.typ != HandshakeType::HELLO_REQUEST {
            self.transcript.add(&bytes);
        }
        bytes
    }

    fn certificate(&mut self) -> Vec<u8> {
        self.hs(HandshakePayload::Certificate(CertificatePayload(chain())))
    }

    fn done(&mut self) -> Vec<u8> {
        self.hs(HandshakePayload::ServerHelloDone)
    }

    /// ServerHello, Certificate, ServerHelloDone in one record.
    fn flight1(&mut self, sh: &ServerHelloPayload) -> Vec<u8> {
        let mut hs = self.hello_msg(sh);
        hs.extend(self.certificate());
        hs.extend(self.done());
        self.record(ContentType::HANDSHAKE, &hs)
    }

    /// Records of `typ` carrying `payload` (fragmented at 2^14), sealed once the server's
    /// CCS went out.
    fn record(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![payload]
        } else {
            payload.chunks(16384).collect()
        };
        for chunk in chunks {
            if self.sealing {
                let start = out.len();
                self.sealer
                    .as_mut()
                    .unwrap()
                    .seal(typ, self.rv, chunk, &mut out, &mut self.srng)
                    .unwrap();
                let body = &out[start + 5..];
                let mac_len = self.suite.unwrap().mac_len();
                let ct_end = if self.etm {
                    body.len() - mac_len
                } else {
                    body.len()
                };
                self.last_block.copy_from_slice(&body[ct_end - 16..ct_end]);
            } else {
                out.extend(plain_record(typ, self.rv, chunk));
            }
        }
        out
    }

    /// The server's ChangeCipherSpec (plaintext) and Finished (sealed), as two record sets.
    fn server_finish_parts(&mut self) -> (Vec<u8>, Vec<u8>) {
        let ccs = self.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        self.sealing = true;
        let verify = self.server_verify_data();
        let fin = self.hs(HandshakePayload::Finished(verify.to_vec()));
        (ccs, self.record(ContentType::HANDSHAKE, &fin))
    }

    fn server_verify_data(&self) -> [u8; 12] {
        let hash = self.transcript.current_hash();
        keys::verify_data(
            self.version,
            self.master.as_ref().unwrap(),
            b"server finished",
            hash.as_ref(),
        )
    }

    fn server_finish(&mut self) -> Vec<u8> {
        let (mut ccs, fin) = self.server_finish_parts();
        ccs.extend(fin);
        ccs
    }

    /// Gives `bytes` to the client and lets it process them; collects decrypted data.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let mut rest = bytes;
        for _ in 0..100_000 {
            let n = self.client.read_tls_bytes(rest);
            rest = &rest[n..];
            self.client.process(now(), &mut self.crng)?;
            // Reading releases the back-pressure; go round again until nothing moves.
            let got = self.take_plaintext();
            if rest.is_empty() && got == 0 {
                return Ok(());
            }
        }
        panic!("feed made no progress");
    }

    fn take_plaintext(&mut self) -> usize {
        let mut buf = [0u8; 4096];
        let mut total = 0;
        loop {
            let n = self.client.read_plaintext(&mut buf);
            if n == 0 {
                return total;
            }
            total += n;
            self.app_in.extend_from_slice(&buf[..n]);
        }
    }

    // ---- client → server ----

    /// Takes everything the client queued; decrypts records after its CCS; runs the
    /// server's side of the key exchange and checks the client's Finished on the way.
    fn drain(&mut self) -> Vec<Sent> {
        let bytes = self.client.pending_tls().to_vec();
        self.client.consume_tls(bytes.len());
        let mut out = Vec::new();
        for (header, mut body) in parse_records(&bytes) {
            let plain = if self.client_ccs {
                self.opener
                    .as_mut()
                    .expect("client keys")
                    .open(header.typ, header.version, &mut body)
                    .expect("the client's record decrypts")
                    .to_vec()
            } else {
                body
            };
            match header.typ {
                ContentType::CHANGE_CIPHER_SPEC => {
                    assert_eq!(plain, [1]);
                    assert!(self.opener.is_some(), "CCS before ClientKeyExchange");
                    self.client_ccs = true;
                }
                ContentType::HANDSHAKE if !self.client_finished => self.on_client_handshake(&plain),
                _ => {}
            }
            out.push(Sent {
                typ: header.typ,
                version: header.version,
                plain,
            });
        }
        out
    }

    /// Record keys for both directions from `master` (full handshake or resumption).
    fn derive_keys(&mut self, master: MasterSecret) {
        let suite = self.suite.unwrap();
        let kb = keys::key_block(
            self.version,
            &master,
            suite,
            &self.hello.random.0,
            &self.server_random,
        );
        self.opener = Some(
            RecordOpener::new(
                suite,
                self.version,
                kb.client_write_mac_key(),
                kb.client_write_key(),
                kb.client_write_iv(),
                self.etm,
            )
            .unwrap(),
        );
        self.sealer = Some(
            RecordSealer::new(
                suite,
                self.version,
                kb.server_write_mac_key(),
                kb.server_write_key(),
                kb.server_write_iv(),
                self.etm,
            )
            .unwrap(),
        );
        if let Ok(iv) = <[u8; 16]>::try_from(kb.server_write_iv()) {
            self.last_block = iv;
        }
        self.master = Some(master);
        self.kb = Some(kb);
    }

    fn on_client_handshake(&mut self, raw: &[u8]) {
        let msg = HandshakeMessage::read_versioned(raw, self.version).unwrap();
        match msg.payload {
            HandshakePayload::Certificate(CertificatePayload(certs)) => {
                assert!(certs.is_empty(), "lucid has no client certificate");
                self.transcript.add(raw);
            }
            HandshakePayload::ClientKeyExchange(cke) => {
                self.transcript.add(raw);
                let mut rng = self.srng.clone();
                let pms = rsa_kx::decrypt_pkcs1v15(&server_key(), &cke.0, &mut rng).unwrap();
                assert_eq!(pms.len(), 48);
                // The version the client offered, not the negotiated one (RFC 5246 §7.4.7.1).
                assert_eq!(pms[..2], self.opts.max.get().to_be_bytes());
                let master = if self.ems {
                    keys::extended_master_secret(
                        self.version,
                        &pms,
                        self.transcript.current_hash().as_ref(),
                    )
                } else {
                    keys::master_secret(
                        self.version,
                        &pms,
                        &self.hello.random.0,
                        &self.server_random,
                    )
                };
                self.derive_keys(master);
            }
            HandshakePayload::Finished(verify) => {
                assert!(self.client_ccs, "Finished before CCS");
                let hash = self.transcript.current_hash();
                let expected = keys::verify_data(
                    self.version,
                    self.master.as_ref().unwrap(),
                    b"client finished",
                    hash.as_ref(),
                );
                assert_eq!(verify, expected, "client Finished");
                self.transcript.add(raw);
                self.client_finished = true;
            }
            other => panic!("unexpected client handshake message {other:?}"),
        }
    }

    /// The client's second flight: [Certificate], ClientKeyExchange, CCS, Finished.
    fn expect_client_flight(&mut self, with_certificate: bool) {
        let sent = self.drain();
        let kinds: Vec<(ContentType, Option<u8>)> = sent
            .iter()
            .map(|s| (s.typ, s.plain.first().copied()))
            .collect();
        let mut want = Vec::new();
        if with_certificate {
            want.push((ContentType::HANDSHAKE, Some(11)));
        }
        want.extend([
            (ContentType::HANDSHAKE, Some(16)),
            (ContentType::CHANGE_CIPHER_SPEC, Some(1)),
            (ContentType::HANDSHAKE, Some(20)),
        ]);
        assert_eq!(kinds, want);
        for s in &sent {
            assert_eq!(s.version, self.version, "client record version");
        }
        assert!(self.client_finished);
    }

    /// A complete handshake at the client's highest version.
    fn handshake(&mut self) {
        let sh = self.server_hello(self.opts.max);
        self.handshake_with(&sh);
    }

    fn handshake_with(&mut self, sh: &ServerHelloPayload) {
        let f1 = self.flight1(sh);
        self.feed(&f1).unwrap();
        self.expect_client_flight(false);
        let fin = self.server_finish();
        self.feed(&fin).unwrap();
        assert!(!self.client.is_handshaking());
        assert!(
            self.drain().is_empty(),
            "client sends nothing after its Finished"
        );
    }

    /// Up to the client's Finished: the server's CCS and Finished are next.
    fn run_to_server_finish(&mut self) {
        let sh = self.server_hello(self.opts.max);
        let f1 = self.flight1(&sh);
        self.feed(&f1).unwrap();
        self.expect_client_flight(false);
    }

    // ---- assertions ----

    /// The client failed with `want`, latched it, and queued exactly one plaintext fatal
    /// alert `desc` in a record of version `rv`.
    fn fails_plain(&mut self, res: Result<(), Error>, want: Error, rv: ProtocolVersion, desc: AD) {
        self.check_failed(res, &want);
        let [v0, v1] = rv.get().to_be_bytes();
        assert_eq!(
            self.client.pending_tls(),
            [21, v0, v1, 0, 2, 2, desc.get()],
            "alert for {want:?}"
        );
        self.check_latched(&want);
    }

    /// The client failed with `want` and queued exactly one sealed fatal alert `desc`.
    fn fails_sealed(&mut self, res: Result<(), Error>, want: Error, desc: AD) {
        self.check_failed(res, &want);
        assert!(self.client_ccs, "the client's sealer is not active");
        let sent = self.drain();
        assert_eq!(
            sent,
            [Sent {
                typ: ContentType::ALERT,
                version: self.version,
                plain: vec![2, desc.get()],
            }],
            "alert for {want:?}"
        );
        self.check_latched(&want);
    }

    /// The client failed with `want` and queued nothing (errors that send no alert).
    fn fails_silently(&mut self, res: Result<(), Error>, want: Error) {
        self.check_failed(res, &want);
        assert_eq!(self.client.pending_tls(), [] as [u8; 0]);
        self.check_latched(&want);
    }

    fn check_failed(&self, res: Result<(), Error>, want: &Error) {
        assert_eq!(res.as_ref(), Err(want));
        assert_eq!(self.client.error(), Some(want));
        assert!(!self.client.is_handshaking());
    }

    /// The error is latched: later calls return it and queue nothing more.
    fn check_latched(&mut self, want: &Error) {
        let queued = self.client.pending_tls().len();
        assert_eq!(
            self.client.process(now(), &mut self.crng).as_ref(),
            Err(want)
        );
        assert_eq!(
            self.client.write_plaintext(b"x", &mut self.crng).as_ref(),
            Err(want)
        );
        assert_eq!(self.client.transport_eof().as_ref(), Err(want));
        assert_eq!(self.client.pending_tls().len(), queued);
    }
}

fn plain_record(typ: ContentType, version: ProtocolVersion, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RecordHeader {
        typ,
        version,
        len: u16::try_from(payload.len()).unwrap(),
    }
    .encode(&mut out);
    out.extend_from_slice(payload);
    out
}

fn parse_records(bytes: &[u8]) -> Vec<(RecordHeader, Vec<u8>)> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while r.any_left() {
        let h = RecordHeader::read(&mut r).unwrap();
        let body = r.take(h.payload_len(), "record").unwrap().to_vec();
        out.push((h, body));
    }
    out
}

/// A raw handshake message with any type and body.
fn raw_hs(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![typ, len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}

fn unexpected(expected: &'static str, got: ContentType, hs: Option<HandshakeType>) -> Error {
    Error::PeerMisbehaved(PM::UnexpectedMessage {
        expected,
        got,
        got_handshake: hs,
    })
}

fn every_version_suite_ext() -> Vec<(ProtocolVersion, CipherSuite, bool)> {
    let mut out = Vec::new();
    for v in [V10, V11, V12] {
        for s in suites::ALL_SUITES.iter().filter(|s| s.usable_with(v)) {
            for ext in [true, false] {
                out.push((v, s.suite, ext));
            }
        }
    }
    out
}

// ======================================================================================
// Baseline: the script is right.
// ======================================================================================

#[test]
fn baseline_handshake_data_and_close_every_version_suite_and_extension_choice() {
    let cases = every_version_suite_ext();
    assert_eq!(cases.len(), 16);
    for (v, suite, ext) in cases {
        let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
        s.handshake();
        let n = s.client.negotiated().unwrap().clone();
        assert_eq!(n.version, v);
        assert_eq!(n.suite, suite);
        assert_eq!(n.extended_master_secret, ext);
        assert_eq!(n.encrypt_then_mac, ext);
        assert_eq!(n.session_id.as_slice(), [0x5a; 32]);
        assert!(!n.resumed);

        // client → server, with the 1/n-1 split on TLS 1.0 only
        let request = b"GET / HTTP/1.0\r\n\r\n";
        assert_eq!(
            s.client.write_plaintext(request, &mut s.crng),
            Ok(request.len())
        );
        let sent = s.drain();
        let lens: Vec<usize> = sent.iter().map(|r| r.plain.len()).collect();
        if v == V10 {
            assert_eq!(lens, [1, request.len() - 1], "{v} {suite}");
        } else {
            assert_eq!(lens, [request.len()], "{v} {suite}");
        }
        let joined: Vec<u8> = sent.iter().flat_map(|r| r.plain.clone()).collect();
        assert_eq!(joined, request);
        assert!(sent.iter().all(|r| r.typ == ContentType::APPLICATION_DATA));

        // server → client, two records in one read
        let mut resp = s.record(ContentType::APPLICATION_DATA, b"HTTP/1.0 200 OK\r\n\r\n");
        resp.extend(s.record(ContentType::APPLICATION_DATA, b"hello"));
        s.feed(&resp).unwrap();
        assert_eq!(s.app_in, b"HTTP/1.0 200 OK\r\n\r\nhello");

        // close_notify both ways, then a clean EOF
        let close = s.record(ContentType::ALERT, &[1, 0]);
        s.feed(&close).unwrap();
        assert!(s.client.peer_has_closed());
        s.client.send_close_notify(&mut s.crng);
        let sent = s.drain();
        assert_eq!(
            sent,
            [Sent {
                typ: ContentType::ALERT,
                version: v,
                plain: vec![1, 0]
            }]
        );
        assert_eq!(s.client.transport_eof(), Ok(()));
        assert!(s.client.received_warnings().is_empty());
        assert_eq!(s.client.error(), None);
    }
}

#[test]
fn baseline_is_reproducible_from_the_seed() {
    let run = |seed| {
        let mut s = Script::with_seed(Opts::v(V12), seed);
        let sh = s.server_hello(V12);
        let f1 = s.flight1(&sh);
        s.feed(&f1).unwrap();
        s.client.pending_tls().to_vec()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn baseline_over_a_version_range_and_fed_one_byte_at_a_time() {
    for v in [V10, V11, V12] {
        let mut s = Script::new(Opts::range(V10, V12));
        let sh = s.server_hello(v);
        if v < V12 {
            // a 1.2-capable server that negotiates lower must not carry the sentinel here
            assert_ne!(sh.random.0[24..], DOWNGRADE_SENTINEL_TLS11);
        }
        let f1 = s.flight1(&sh);
        for b in &f1 {
            s.feed(core::slice::from_ref(b)).unwrap();
        }
        s.expect_client_flight(false);
        let fin = s.server_finish();
        for b in &fin {
            s.feed(core::slice::from_ref(b)).unwrap();
        }
        assert_eq!(s.client.negotiated().unwrap().version, v);
    }
}

#[test]
fn baseline_each_handshake_message_in_its_own_record() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut bytes = Vec::new();
    for m in [s.hello_msg(&sh), s.certificate(), s.done()] {
        bytes.extend(s.record(ContentType::HANDSHAKE, &m));
    }
    s.feed(&bytes).unwrap();
    s.expect_client_flight(false);
    let fin = s.server_finish();
    s.feed(&fin).unwrap();
    assert!(!s.client.is_handshaking());
}

#[test]
fn certificate_request_is_answered_with_an_empty_certificate() {
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        let sh = s.server_hello(v);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.certificate());
        hs.extend(s.hs(HandshakePayload::CertificateRequest(cert_request(v))));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        s.feed(&rec).unwrap();
        s.expect_client_flight(true);
        let fin = s.server_finish();
        s.feed(&fin).unwrap();
        assert!(!s.client.is_handshaking());
    }
}

fn cert_request(v: ProtocolVersion) -> CertificateRequestPayload {
    CertificateRequestPayload {
        certificate_types: vec![ClientCertificateType::RSA_SIGN],
        sigalgs: (v == V12).then(|| vec![SignatureScheme::RSA_PKCS1_SHA256]),
        authorities: vec![b"0\x00".to_vec()],
    }
}

// ======================================================================================
// ServerHello
// ======================================================================================

#[test]
fn unsupported_version() {
    let cases = [
        (Opts::range(V10, V12), ProtocolVersion::SSLV3),
        (Opts::range(V10, V12), ProtocolVersion::TLSV1_3),
        (Opts::range(V10, V12), ProtocolVersion(0x0305)),
        (Opts::range(V10, V12), ProtocolVersion(0x0202)),
        (Opts::v(V12), V10),
        (Opts::v(V12), V11),
        (Opts::range(V10, V11), V12),
        (Opts::v(V10), V11),
    ];
    for (opts, bad) in cases {
        let mut s = Script::new(opts);
        let sh = s.server_hello_with(bad, AES128_SHA);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        // The alert goes out in the ClientHello's record version: nothing was agreed.
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedVersion(bad)),
            V10,
            AD::PROTOCOL_VERSION,
        );
    }
}

#[test]
fn unoffered_suite() {
    let cases = [
        (Opts::v(V12).suite(AES128_SHA), AES256_SHA),
        (Opts::v(V12).suite(AES128_SHA), AES128_SHA256),
        (Opts::v(V12), CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256),
        (
            Opts::v(V12),
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (Opts::v(V12), CipherSuite::TLS_NULL_WITH_NULL_NULL),
        (Opts::v(V12), CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
        (Opts::v(V12), CipherSuite::TLS_FALLBACK_SCSV),
        (Opts::v(V12), CipherSuite(0x1301)),
    ];
    for (opts, bad) in cases {
        let mut s = Script::new(opts);
        let sh = s.server_hello_with(V12, bad);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedCipherSuite(bad)),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
    // SHA-256 suites exist only in TLS 1.2: offered for the range, refused at 1.0/1.1.
    for v in [V10, V11] {
        let mut s = Script::new(Opts::range(V10, V12));
        let sh = s.server_hello_with(v, AES128_SHA256);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedCipherSuite(AES128_SHA256)),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn compression() {
    for method in [Compression::DEFLATE, Compression(64), Compression(255)] {
        let mut s = Script::new(Opts::v(V12));
        let mut sh = s.server_hello(V12);
        sh.compression_method = method;
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::CompressionSelected),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn unoffered_extension() {
    let unknown = |typ: u16| ServerExtension::Unknown {
        typ: ExtensionType(typ),
        data: vec![],
    };
    // (client options, extension the server adds)
    let cases = [
        (
            Opts::v(V12).ext(false),
            ServerExtension::ExtendedMasterSecret,
        ),
        (Opts::v(V12).ext(false), ServerExtension::EncryptThenMac),
        (Opts::v(V12), ServerExtension::SessionTicket),
        (
            Opts::v(V12),
            ServerExtension::MaxFragmentLength(
                lucid_core::internal::msgs::enums::MaxFragmentLength(1),
            ),
        ),
        (
            Opts {
                name: "127.0.0.1",
                ..Opts::v(V12)
            },
            ServerExtension::ServerName,
        ),
        (Opts::v(V12), unknown(0x1234)),
        (Opts::v(V12), unknown(ExtensionType::ALPN.get())),
        (
            Opts::v(V12),
            unknown(ExtensionType::SUPPORTED_VERSIONS.get()),
        ),
        (Opts::v(V12), unknown(ExtensionType::HEARTBEAT.get())),
    ];
    for (opts, ext) in cases {
        let typ = ext.ext_type();
        let mut s = Script::new(opts);
        let mut sh = s.server_hello(V12);
        sh.extensions.push(ext);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedExtension(typ)),
            V10,
            AD::UNSUPPORTED_EXTENSION,
        );
    }
    // server_name is fine when SNI was sent.
    let mut s = Script::new(Opts::v(V12));
    let mut sh = s.server_hello(V12);
    sh.extensions.push(ServerExtension::ServerName);
    s.handshake_with(&sh);
}

#[test]
fn duplicated_extension() {
    for dup in [
        ServerExtension::RenegotiationInfo(Vec::new()),
        ServerExtension::ExtendedMasterSecret,
        ServerExtension::EncryptThenMac,
    ] {
        let typ = dup.ext_type();
        let mut s = Script::new(Opts::v(V12));
        let mut sh = s.server_hello(V12);
        sh.extensions.push(dup);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::InvalidMessage(InvalidMessage::DuplicateExtension(typ.get())),
            V10,
            AD::DECODE_ERROR,
        );
    }
}

#[test]
fn wrong_or_missing_renegotiation_info() {
    type Edit = Box<dyn Fn(&mut ServerHelloPayload)>;
    let cases: [Edit; 5] = [
        Box::new(|sh| sh.extensions[0] = ServerExtension::RenegotiationInfo(vec![0; 12])),
        Box::new(|sh| sh.extensions[0] = ServerExtension::RenegotiationInfo(vec![7; 24])),
        Box::new(|sh| sh.extensions[0] = ServerExtension::RenegotiationInfo(vec![0])),
        // missing, with other extensions present
        Box::new(|sh| {
            sh.extensions.remove(0);
        }),
        // missing, no extensions block at all
        Box::new(|sh| sh.extensions.clear()),
    ];
    for edit in &cases {
        for opts in [Opts::v(V12), Opts::v(V10)] {
            let mut s = Script::new(opts);
            let v = s.opts.max;
            let mut sh = s.server_hello(v);
            edit(&mut sh);
            let f1 = s.flight1(&sh);
            let res = s.feed(&f1);
            s.fails_plain(
                res,
                Error::PeerMisbehaved(PM::BadRenegotiationInfo),
                V10,
                AD::HANDSHAKE_FAILURE,
            );
        }
    }
}

#[test]
fn downgrade_sentinel() {
    // A 1.2-capable client refuses a 1.0/1.1 ServerHello carrying DOWNGRD\0.
    for v in [V10, V11] {
        let mut s = Script::new(Opts::range(V10, V12));
        let mut sh = s.server_hello(v);
        sh.random.0[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS11);
        assert_eq!(&sh.random.0[24..], b"DOWNGRD\x00");
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::DowngradeSentinel),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
    // A client whose maximum is 1.1 could not have done better: no downgrade, handshake OK.
    let mut s = Script::new(Opts::range(V10, V11));
    let mut sh = s.server_hello(V11);
    sh.random.0[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS11);
    s.handshake_with(&sh);
    // DOWNGRD\1 marks a 1.2 ServerHello from a 1.3 server; lucid tops out at 1.2.
    let mut s = Script::new(Opts::range(V10, V12));
    let mut sh = s.server_hello(V12);
    sh.random.0[24..].copy_from_slice(b"DOWNGRD\x01");
    s.handshake_with(&sh);
}

#[test]
fn second_server_hello() {
    // in a record of its own
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let m = s.hello_msg(&sh);
    let rec = s.record(ContentType::HANDSHAKE, &m);
    s.feed(&rec).unwrap();
    let rec = s.record(ContentType::HANDSHAKE, &m);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        unexpected(
            "Certificate",
            ContentType::HANDSHAKE,
            Some(HandshakeType::SERVER_HELLO),
        ),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // in the same record, and after the Certificate
    for after_cert in [false, true] {
        let mut s = Script::new(Opts::v(V11));
        let sh = s.server_hello(V11);
        let mut hs = s.hello_msg(&sh);
        let expected = if after_cert {
            hs.extend(s.certificate());
            "CertificateRequest or ServerHelloDone"
        } else {
            "Certificate"
        };
        hs.extend(s.hello_msg(&sh));
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        let res = s.feed(&rec);
        s.fails_plain(
            res,
            unexpected(
                expected,
                ContentType::HANDSHAKE,
                Some(HandshakeType::SERVER_HELLO),
            ),
            V11,
            AD::UNEXPECTED_MESSAGE,
        );
    }
}

// ======================================================================================
// Certificate .. ServerHelloDone
// ======================================================================================

#[test]
fn server_key_exchange_is_not_part_of_rsa_key_exchange() {
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        let sh = s.server_hello(v);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.certificate());
        // an (EC)DHE-looking body: curve type, named curve, point, signature
        hs.extend(raw_hs(12, &[3, 0, 23, 1, 4, 0, 2, 0, 0]));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        let res = s.feed(&rec);
        s.fails_plain(
            res,
            unexpected(
                "CertificateRequest or ServerHelloDone",
                ContentType::HANDSHAKE,
                Some(HandshakeType::SERVER_KEY_EXCHANGE),
            ),
            v,
            AD::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn oversize_certificate_list() {
    // (Certificate message body, expected error)
    let junk = |n: usize| vec![0x30; n];
    let list = |certs: &[Vec<u8>]| {
        let mut body = Vec::new();
        CertificatePayload(certs.to_vec()).encode(&mut body);
        body
    };
    let too_large = |what| Error::InvalidMessage(InvalidMessage::TooLarge(what));
    let cases: Vec<(Vec<u8>, Error)> = vec![
        // the header announces more than the 64 KiB + 3 lucid buffers: refused before
        // anything is buffered
        (
            {
                let mut m = raw_hs(11, &list(&[junk(40_000), junk(30_000)]));
                m.truncate(16_000);
                m
            },
            too_large("handshake message"),
        ),
        (
            {
                let mut m = raw_hs(11, &[]);
                m[1..4].copy_from_slice(&[0xff, 0xff, 0xff]);
                m
            },
            too_large("handshake message"),
        ),
        // a list length over 64 KiB inside a message that is itself small
        (
            raw_hs(11, &[0x01, 0x00, 0x01, 0, 0, 1, 0x30]),
            too_large("certificate_list"),
        ),
        // one certificate over 32 KiB
        (raw_hs(11, &list(&[junk(33_000)])), too_large("ASN.1Cert")),
        // more than 10 certificates
        (
            raw_hs(11, &list(&vec![junk(100); 11])),
            too_large("certificate_list"),
        ),
    ];
    for (msg, want) in cases {
        let mut s = Script::new(Opts::v(V12));
        let sh = s.server_hello(V12);
        let m = s.hello_msg(&sh);
        let mut bytes = s.record(ContentType::HANDSHAKE, &m);
        bytes.extend(s.record(ContentType::HANDSHAKE, &msg));
        let res = s.feed(&bytes);
        s.fails_plain(res, want, V12, AD::DECODE_ERROR);
    }
    // The largest chain lucid takes is still only syntax: ten 6 KiB junk certificates pass
    // the codec and fail path validation.
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut m = s.hello_msg(&sh);
    m.extend(raw_hs(11, &list(&vec![junk(6_000); 10])));
    let bytes = s.record(ContentType::HANDSHAKE, &m);
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::InvalidCertificate(lucid_core::x509::CertificateError::BadEncoding),
        V12,
        AD::BAD_CERTIFICATE,
    );
}

#[test]
fn empty_certificate_list() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    hs.extend(s.hs(HandshakePayload::Certificate(CertificatePayload(vec![]))));
    let rec = s.record(ContentType::HANDSHAKE, &hs);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::NoCertificate),
        V12,
        AD::BAD_CERTIFICATE,
    );
}

#[test]
fn certificate_rejected_by_the_verifier_before_its_key_is_used() {
    use lucid_core::x509::CertificateError as CE;
    let leaf_only = vec![chain()[0].clone()];
    let other_pki =
        CertificateDer::pem_slice_iter(include_bytes!("../../../testdata/cases/good.pem"))
            .map(|c| c.unwrap().as_ref().to_vec())
            .collect::<Vec<_>>();
    let cases: Vec<(Opts, Vec<Vec<u8>>, Error, AD)> = vec![
        // the intermediate missing: no path to the root
        (
            Opts::v(V12),
            leaf_only,
            Error::InvalidCertificate(CE::UnknownIssuer),
            AD::UNKNOWN_CA,
        ),
        // a certificate from another PKI
        (
            Opts::v(V12),
            other_pki,
            Error::InvalidCertificate(CE::UnknownIssuer),
            AD::UNKNOWN_CA,
        ),
        // the right chain for the wrong name
        (
            Opts {
                name: "example.com",
                ..Opts::v(V10)
            },
            chain(),
            Error::InvalidCertificate(CE::NotValidForName {
                expected: "example.com".into(),
                presented: vec!["DNS:localhost".into(), "IP:127.0.0.1".into()],
            }),
            AD::BAD_CERTIFICATE,
        ),
        // garbage where the leaf should be
        (
            Opts::v(V12),
            vec![vec![0x30, 0x03, 2, 1, 1]],
            Error::InvalidCertificate(CE::BadEncoding),
            AD::BAD_CERTIFICATE,
        ),
    ];
    for (opts, certs, want, desc) in cases {
        let mut s = Script::new(opts);
        let v = s.opts.max;
        let sh = s.server_hello(v);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.hs(HandshakePayload::Certificate(CertificatePayload(certs))));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        let res = s.feed(&rec);
        // only the alert: no ClientKeyExchange was made with the rejected key
        s.fails_plain(res, want, v, desc);
    }
    // by address: the leaf's IP SAN matches and the handshake completes
    let mut s = Script::new(Opts {
        name: "127.0.0.1",
        ..Opts::v(V12)
    });
    s.handshake();
}

/// Every message of the server's first flight, with its body cut at every length (the
/// header announcing the cut length): a decode_error, except where the cut leaves a valid
/// message that the state machine then refuses for what is missing.
#[test]
fn every_handshake_message_truncated_at_every_length() {
    #[derive(Clone, Copy, Debug)]
    enum Which {
        Hello,
        Certificate,
        Request,
        Done,
    }
    let mut checked = 0;
    for v in [V10, V12] {
        for which in [
            Which::Hello,
            Which::Certificate,
            Which::Request,
            Which::Done,
        ] {
            // the intact message, to know its body length
            let full = {
                let mut s = Script::new(Opts::v(v));
                let sh = s.server_hello(v);
                match which {
                    Which::Hello => s.hello_msg(&sh),
                    Which::Certificate => s.certificate(),
                    Which::Request => s.hs(HandshakePayload::CertificateRequest(cert_request(v))),
                    Which::Done => s.done(),
                }
            };
            let body_len = full.len() - 4;
            // ServerHelloDone has an empty body: "truncating" it means one byte too many.
            let cuts: Vec<usize> = match which {
                Which::Done => vec![1],
                _ => (0..body_len).collect(),
            };
            for cut in cuts {
                let mut s = Script::new(Opts::v(v));
                let sh = s.server_hello(v);
                let mut prefix = Vec::new();
                let body: Vec<u8> = match which {
                    Which::Done => vec![0],
                    _ => full[4..4 + cut].to_vec(),
                };
                let bad = raw_hs(full[0], &body);
                match which {
                    Which::Hello => {}
                    Which::Certificate => prefix = s.hello_msg(&sh),
                    Which::Request | Which::Done => {
                        prefix = s.hello_msg(&sh);
                        prefix.extend(s.certificate());
                    }
                }
                let mut hs = prefix;
                hs.extend(&bad);
                let rec = plain_record(ContentType::HANDSHAKE, v, &hs);
                let res = s.feed(&rec);
                // The cut hello never reached the state machine: nothing was negotiated.
                let rv = if matches!(which, Which::Hello) {
                    V10
                } else {
                    v
                };
                let err = res.clone().unwrap_err();
                match (&err, which) {
                    (Error::InvalidMessage(_), _) => s.fails_plain(res, err, rv, AD::DECODE_ERROR),
                    // cut exactly before the extensions block: a valid hello without
                    // renegotiation_info
                    (Error::PeerMisbehaved(PM::BadRenegotiationInfo), Which::Hello)
                        if cut == 2 + 32 + 1 + 32 + 2 + 1 =>
                    {
                        s.fails_plain(res, err, rv, AD::HANDSHAKE_FAILURE)
                    }
                    other => panic!("{v} {which:?} cut at {cut}: {other:?}"),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

/// The first flight cut at every byte, then the transport ends: always UnexpectedEof, no
/// alert, never a panic; and the same bytes in two pieces complete the handshake.
#[test]
fn first_flight_cut_at_every_byte_then_eof() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let flight = s.flight1(&sh);
    for cut in 0..flight.len() {
        let mut s = Script::new(Opts::v(V12));
        let sh2 = s.server_hello(V12);
        assert_eq!(sh2, sh);
        let f1 = s.flight1(&sh2);
        assert_eq!(f1, flight);
        s.feed(&f1[..cut]).unwrap();
        assert!(s.client.is_handshaking());
        assert_eq!(s.client.pending_tls(), [] as [u8; 0]);
        let res = s.client.transport_eof();
        s.fails_silently(res, Error::UnexpectedEof);
    }
}

// ======================================================================================
// ChangeCipherSpec and Finished
// ======================================================================================

#[test]
fn wrong_server_finished() {
    for (v, suite, ext) in every_version_suite_ext() {
        let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
        s.run_to_server_finish();
        let ccs = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        s.sealing = true;
        let mut verify = s.server_verify_data();
        verify[5] ^= 0x40;
        let fin = raw_hs(20, &verify);
        let mut bytes = ccs;
        bytes.extend(s.record(ContentType::HANDSHAKE, &fin));
        let res = s.feed(&bytes);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::BadFinished),
            AD::DECRYPT_ERROR,
        );
    }
}

#[test]
fn server_finished_truncated_or_extended_at_every_length() {
    for v in [V10, V12] {
        for len in (0..12).chain([13, 36]) {
            let mut s = Script::new(Opts::v(v));
            s.run_to_server_finish();
            let ccs = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
            s.sealing = true;
            let verify = s.server_verify_data();
            let mut body = verify.to_vec();
            body.resize(len, 0);
            let fin = raw_hs(20, &body);
            let mut bytes = ccs;
            bytes.extend(s.record(ContentType::HANDSHAKE, &fin));
            let res = s.feed(&bytes);
            s.fails_sealed(
                res,
                Error::PeerMisbehaved(PM::BadFinished),
                AD::DECRYPT_ERROR,
            );
        }
    }
}

#[test]
fn change_cipher_spec_out_of_place() {
    // early CCS (CVE-2014-0224 style) right after the ServerHello, before any key exists
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let m = s.hello_msg(&sh);
    let mut bytes = s.record(ContentType::HANDSHAKE, &m);
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        unexpected("Certificate", ContentType::CHANGE_CIPHER_SPEC, None),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // after ServerHelloDone was expected
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut m = s.hello_msg(&sh);
    m.extend(s.certificate());
    let mut bytes = s.record(ContentType::HANDSHAKE, &m);
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        unexpected(
            "CertificateRequest or ServerHelloDone",
            ContentType::CHANGE_CIPHER_SPEC,
            None,
        ),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // a second CCS where Finished is expected
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let mut bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    s.sealing = true;
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_sealed(
        res,
        unexpected("Finished", ContentType::CHANGE_CIPHER_SPEC, None),
        AD::UNEXPECTED_MESSAGE,
    );
    // a malformed CCS body
    for body in [&[2u8][..], &[1, 1][..]] {
        let mut s = Script::new(Opts::v(V12));
        s.run_to_server_finish();
        let bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, body);
        let res = s.feed(&bytes);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::BadChangeCipherSpec),
            AD::DECODE_ERROR,
        );
    }
    // Finished without CCS: still under the old (null) keys
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let verify = s.server_verify_data();
    let fin = raw_hs(20, &verify);
    let bytes = s.record(ContentType::HANDSHAKE, &fin);
    let res = s.feed(&bytes);
    s.fails_sealed(
        res,
        unexpected(
            "ChangeCipherSpec",
            ContentType::HANDSHAKE,
            Some(HandshakeType::FINISHED),
        ),
        AD::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn handshake_message_split_across_change_cipher_spec() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    hs.extend(s.certificate());
    let done = s.done();
    hs.extend(&done[..2]);
    let mut bytes = s.record(ContentType::HANDSHAKE, &hs);
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::HandshakeMessageInterleaved),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
}

// ======================================================================================
// Record protection
// ======================================================================================

#[test]
fn bad_record_mac() {
    for (v, suite, ext) in every_version_suite_ext() {
        // in the server's Finished: a flipped bit in the last byte (MAC with ETM, padding
        // with MAC-then-encrypt) and in the first ciphertext byte
        for at_end in [true, false] {
            let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
            s.run_to_server_finish();
            let (ccs, mut fin) = s.server_finish_parts();
            let i = if at_end { fin.len() - 1 } else { 5 };
            fin[i] ^= 1;
            let mut bytes = ccs;
            bytes.extend(fin);
            let res = s.feed(&bytes);
            s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
        }
        // in application data after the handshake
        let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
        s.handshake();
        let mut rec = s.record(ContentType::APPLICATION_DATA, b"some data");
        let mid = rec.len() / 2;
        rec[mid] ^= 0x80;
        let res = s.feed(&rec);
        s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
        assert!(s.app_in.is_empty());
    }
}

#[test]
fn protected_record_with_impossible_length() {
    for (v, ext) in [(V10, false), (V10, true), (V12, false), (V12, true)] {
        // not a whole number of blocks; shorter than a MAC; empty
        for len in [17, 31, 1, 0] {
            let mut s = Script::new(Opts::v(v).ext(ext));
            s.handshake();
            let rec = plain_record(ContentType::APPLICATION_DATA, v, &vec![0x42; len]);
            let res = s.feed(&rec);
            s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
        }
    }
}

/// Seals `data` by hand for the server → client direction with exactly `pad` as the CBC
/// padding (length byte included), a correct MAC, the current sequence number and IV
/// chaining. Independent of `crypto::cbc`.
fn seal_by_hand(s: &mut Script, typ: ContentType, data: &[u8], pad: &[u8]) -> Vec<u8> {
    let suite = s.suite.unwrap();
    let kb = s.kb.as_ref().unwrap();
    let seq = s.sealer.as_ref().unwrap().seq();
    let mac = |parts: &[&[u8]]| -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match suite.mac {
            MacAlgorithm::Sha1 => run::<Hmac<sha1::Sha1>>(kb.server_write_mac_key(), parts),
            MacAlgorithm::Sha256 => run::<Hmac<sha2::Sha256>>(kb.server_write_mac_key(), parts),
        }
    };
    let header = |len: usize| {
        let mut h = seq.to_be_bytes().to_vec();
        h.push(typ.get());
        h.extend(s.version.get().to_be_bytes());
        h.extend(u16::try_from(len).unwrap().to_be_bytes());
        h
    };
    let mut inner = data.to_vec();
    if !s.etm {
        inner.extend(mac(&[&header(data.len()), data]));
    }
    inner.extend_from_slice(pad);
    assert_eq!(inner.len() % 16, 0, "padding must fill the last block");
    let explicit_iv = s.version >= V11;
    let iv: [u8; 16] = if explicit_iv {
        let mut iv = [0; 16];
        s.srng.fill_bytes(&mut iv);
        iv
    } else {
        s.last_block
    };
    let key = kb.server_write_key();
    let (blocks, rest) = Array::<u8, U16>::slice_as_chunks_mut(&mut inner);
    assert!(rest.is_empty());
    match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, &iv)
            .unwrap()
            .encrypt_blocks(blocks),
        _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .unwrap()
            .encrypt_blocks(blocks),
    }
    let mut body = Vec::new();
    if explicit_iv {
        body.extend(iv);
    }
    body.extend(&inner);
    if s.etm {
        let tag = mac(&[&header(body.len()), &body]);
        body.extend(tag);
    }
    plain_record(typ, s.rv, &body)
}

#[test]
fn bad_padding() {
    for (v, ext) in [(V10, false), (V10, true), (V12, false), (V12, true)] {
        for suite in [AES128_SHA, AES256_SHA] {
            let data = b"0123456789"; // 10 bytes
            let mac_len = 20;
            let covered = if ext {
                data.len()
            } else {
                data.len() + mac_len
            };
            // padding of 6 (+ length byte) or 22 (+ length byte): one and two blocks
            let fill = |extra: usize| {
                let n = 16 - covered % 16 + extra;
                vec![u8::try_from(n - 1).unwrap(); n]
            };
            let cases: Vec<(Vec<u8>, bool)> = vec![
                (fill(0), true),
                (fill(16), true),
                (
                    {
                        let mut p = fill(0);
                        p[0] ^= 1;
                        p
                    },
                    false,
                ),
                (
                    {
                        let mut p = fill(16);
                        p[3] = 0;
                        p
                    },
                    false,
                ),
                // a length byte pointing past the start of the record
                (
                    {
                        let mut p = fill(0);
                        *p.last_mut().unwrap() = 255;
                        p
                    },
                    false,
                ),
                (
                    {
                        let mut p = fill(0);
                        let n = p.len();
                        p.iter_mut().for_each(|b| *b = u8::try_from(n).unwrap());
                        p
                    },
                    false,
                ),
            ];
            for (pad, good) in cases {
                let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
                s.handshake();
                let rec = seal_by_hand(&mut s, ContentType::APPLICATION_DATA, data, &pad);
                let res = s.feed(&rec);
                if good {
                    // the hand-made record is right when its padding is
                    assert_eq!(res, Ok(()), "{v} ext={ext} {pad:?}");
                    assert_eq!(s.app_in, data);
                } else {
                    s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
                    assert!(s.app_in.is_empty());
                }
            }
        }
    }
}

#[test]
fn plaintext_over_two_to_the_fourteen_is_record_overflow() {
    // a protected record whose authenticated plaintext is 2^14 + 1 bytes (sealed by hand:
    // lucid's sealer refuses to make one); 2^14 exactly is fine
    for (v, ext) in [(V10, false), (V12, true)] {
        for (len, ok) in [(16384, true), (16385, false)] {
            let mut s = Script::new(Opts::v(v).suite(AES128_SHA).ext(ext));
            s.handshake();
            let data = vec![0x61; len];
            let covered = if ext { len } else { len + 20 };
            let n = 16 - covered % 16;
            let rec = seal_by_hand(
                &mut s,
                ContentType::APPLICATION_DATA,
                &data,
                &vec![u8::try_from(n - 1).unwrap(); n],
            );
            let res = s.feed(&rec);
            if ok {
                assert_eq!(res, Ok(()));
                assert_eq!(s.app_in, data);
            } else {
                s.fails_sealed(
                    res,
                    Error::RecordOverflow {
                        len: 16385,
                        max: 16384,
                    },
                    AD::RECORD_OVERFLOW,
                );
            }
        }
    }
    // a plaintext handshake record over 2^14
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::HANDSHAKE, V12, &vec![0; 16385]);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::RecordOverflow {
            len: 16385,
            max: 16384,
        },
        V10,
        AD::RECORD_OVERFLOW,
    );
}

#[test]
fn empty_application_data_records_are_accepted() {
    // OpenSSL's TLS 1.0 CBC countermeasure sends an empty record before each real one.
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        s.handshake();
        let mut bytes = Vec::new();
        for part in [&b""[..], b"abc", b"", b"", b"def"] {
            bytes.extend(s.record(ContentType::APPLICATION_DATA, part));
        }
        s.feed(&bytes).unwrap();
        assert_eq!(s.app_in, b"abcdef");
    }
}

#[test]
fn too_many_warning_alerts() {
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let warn = [1, AD::USER_CANCELED.get()];
    for _ in 0..16 {
        let rec = s.record(ContentType::ALERT, &warn);
        s.feed(&rec).unwrap();
    }
    assert_eq!(s.client.received_warnings(), [AD::USER_CANCELED; 16]);
    let rec = s.record(ContentType::ALERT, &warn);
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::Other("too many warning alerts")),
        AD::ILLEGAL_PARAMETER,
    );
}

// ======================================================================================
// Session-ID resumption
// ======================================================================================

/// A full handshake that leaves a session in `store`; returns the server's master secret.
fn full_handshake_into(store: &Arc<MemStore>, opts: Opts) -> MasterSecret {
    let mut s = Script::with_seed(
        Opts {
            store: Some(store.clone()),
            ..opts
        },
        11,
    );
    assert!(s.hello.session_id.is_empty());
    s.handshake();
    let cached = store.get("localhost").expect("session cached");
    assert_eq!(cached.session_id.as_slice(), [0x5a; 32]);
    assert_eq!(
        cached.master_secret.as_bytes(),
        s.master.as_ref().unwrap().as_bytes()
    );
    s.master.clone().unwrap()
}

impl Script {
    /// The server resumes: ServerHello echoing the session id, CCS, Finished.
    fn resume_flight(&mut self, sh: &ServerHelloPayload, master: MasterSecret) -> Vec<u8> {
        let hello = self.hello_msg(sh);
        self.derive_keys(master);
        let mut bytes = self.record(ContentType::HANDSHAKE, &hello);
        bytes.extend(self.server_finish());
        bytes
    }
}

#[test]
fn resumption_abbreviated_handshake() {
    for (v, ext) in [(V10, true), (V12, true), (V12, false)] {
        let opts = Opts::v(v).ext(ext);
        let store = Arc::new(MemStore::default());
        let master = full_handshake_into(&store, opts.clone());

        let mut s = Script::with_seed(
            Opts {
                store: Some(store.clone()),
                ..opts
            },
            12,
        );
        assert_eq!(
            s.hello.session_id.as_slice(),
            [0x5a; 32],
            "offers the session"
        );
        let sh = s.server_hello(v);
        let bytes = s.resume_flight(&sh, master);
        s.feed(&bytes).unwrap();
        // the client's CCS and Finished come last, over CH + SH + server Finished
        let sent = s.drain();
        let kinds: Vec<_> = sent.iter().map(|r| (r.typ, r.plain[0])).collect();
        assert_eq!(
            kinds,
            [
                (ContentType::CHANGE_CIPHER_SPEC, 1),
                (ContentType::HANDSHAKE, 20)
            ]
        );
        assert!(s.client_finished);
        let n = s.client.negotiated().unwrap();
        assert!(n.resumed);
        assert_eq!(
            (n.version, n.extended_master_secret, n.encrypt_then_mac),
            (v, ext, ext)
        );
        let rec = s.record(ContentType::APPLICATION_DATA, b"resumed");
        s.feed(&rec).unwrap();
        assert_eq!(s.app_in, b"resumed");
    }
}

#[test]
fn resumption_with_different_parameters_is_refused() {
    // (original session's options, edit of the resuming ServerHello)
    type Edit = fn(&mut ServerHelloPayload);
    let cases: [(Opts, Edit); 3] = [
        // another suite than the session's
        (Opts::range(V10, V12), |sh| sh.cipher_suite = AES256_SHA),
        // another version than the session's
        (Opts::range(V10, V12), |sh| sh.server_version = V11),
        // EMS dropped (RFC 7627 §5.3)
        (Opts::range(V10, V12), |sh| {
            sh.extensions
                .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
        }),
    ];
    for (opts, edit) in cases {
        let store = Arc::new(MemStore::default());
        // the original session: TLS 1.2, AES128-SHA (first suite offered), EMS
        let mut first = opts.clone();
        first.suites = vec![AES128_SHA, AES256_SHA];
        full_handshake_into(&store, first.clone());
        let mut s = Script::with_seed(
            Opts {
                store: Some(store.clone()),
                ..first
            },
            12,
        );
        let mut sh = s.server_hello_with(V12, AES128_SHA);
        edit(&mut sh);
        let hello = s.hello_msg(&sh);
        let rec = s.record(ContentType::HANDSHAKE, &hello);
        let res = s.feed(&rec);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::ResumptionMismatch),
            sh.server_version,
            AD::ILLEGAL_PARAMETER,
        );
        // the suspect session is forgotten, so the next connection does a full handshake
        assert!(store.0.lock().unwrap().is_empty());
    }
}

#[test]
fn resumption_declined_falls_back_to_a_full_handshake() {
    let store = Arc::new(MemStore::default());
    full_handshake_into(&store, Opts::v(V12));
    let mut s = Script::with_seed(
        Opts {
            store: Some(store.clone()),
            ..Opts::v(V12)
        },
        12,
    );
    assert_eq!(s.hello.session_id.as_slice(), [0x5a; 32]);
    let mut sh = s.server_hello(V12);
    sh.session_id = SessionId::new(&[0x77; 32]).unwrap();
    s.handshake_with(&sh);
    assert!(!s.client.negotiated().unwrap().resumed);
    // the new session replaced the old one
    assert_eq!(
        store.get("localhost").unwrap().session_id.as_slice(),
        [0x77; 32]
    );
}

// ======================================================================================
// After the handshake
// ======================================================================================

#[test]
fn records_after_close_notify() {
    for typ in [
        ContentType::APPLICATION_DATA,
        ContentType::HANDSHAKE,
        ContentType::ALERT,
    ] {
        let mut s = Script::new(Opts::v(V12));
        s.handshake();
        let close = s.record(ContentType::ALERT, &[1, 0]);
        s.feed(&close).unwrap();
        assert!(s.client.peer_has_closed());
        let body: &[u8] = match typ {
            ContentType::HANDSHAKE => &[0, 0, 0, 0],
            ContentType::ALERT => &[1, 0],
            _ => b"late",
        };
        let rec = s.record(typ, body);
        let res = s.feed(&rec);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::DataAfterCloseNotify),
            AD::UNEXPECTED_MESSAGE,
        );
        assert!(s.app_in.is_empty());
    }
    // in the same read as the close_notify
    let mut s = Script::new(Opts::v(V10));
    s.handshake();
    let mut bytes = s.record(ContentType::APPLICATION_DATA, b"before");
    bytes.extend(s.record(ContentType::ALERT, &[1, 0]));
    bytes.extend(s.record(ContentType::APPLICATION_DATA, b"after"));
    let res = s.feed(&bytes);
    assert_eq!(s.app_in, b"before");
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::DataAfterCloseNotify),
        AD::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn application_data_before_finished() {
    // plaintext, right after the ServerHello
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let m = s.hello_msg(&sh);
    let mut bytes = s.record(ContentType::HANDSHAKE, &m);
    bytes.extend(s.record(ContentType::APPLICATION_DATA, b"early"));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::ApplicationDataBeforeFinished),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // before the ServerHello (record version of the ClientHello)
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::APPLICATION_DATA, V12, b"early");
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::ApplicationDataBeforeFinished),
        V10,
        AD::UNEXPECTED_MESSAGE,
    );
    // sealed, after the server's CCS, in place of its Finished
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        s.run_to_server_finish();
        let mut bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        s.sealing = true;
        bytes.extend(s.record(ContentType::APPLICATION_DATA, b"early"));
        let res = s.feed(&bytes);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::ApplicationDataBeforeFinished),
            AD::UNEXPECTED_MESSAGE,
        );
        assert!(s.app_in.is_empty());
    }
}

#[test]
fn hello_request_after_the_handshake_gets_a_no_renegotiation_warning() {
    for v in [V10, V11, V12] {
        let mut s = Script::new(Opts::v(v));
        s.handshake();
        let hr = s.hs(HandshakePayload::HelloRequest);
        assert_eq!(hr, [0, 0, 0, 0]);
        let rec = s.record(ContentType::HANDSHAKE, &hr);
        s.feed(&rec).unwrap();
        assert_eq!(
            s.drain(),
            [Sent {
                typ: ContentType::ALERT,
                version: v,
                plain: vec![1, 100],
            }]
        );
        // the connection carries on, both ways
        assert!(!s.client.is_handshaking());
        assert_eq!(s.client.error(), None);
        let rec = s.record(ContentType::APPLICATION_DATA, b"still here");
        s.feed(&rec).unwrap();
        assert_eq!(s.app_in, b"still here");
        assert_eq!(s.client.write_plaintext(b"ok", &mut s.crng), Ok(2));
        let sent: Vec<u8> = s.drain().into_iter().flat_map(|r| r.plain).collect();
        assert_eq!(sent, b"ok");
        assert!(s.client.received_warnings().is_empty());
    }
}

#[test]
fn repeated_hello_requests_are_refused_eight_times_then_the_connection_ends() {
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let hr = s.hs(HandshakePayload::HelloRequest);
    for _ in 0..8 {
        let rec = s.record(ContentType::HANDSHAKE, &hr);
        s.feed(&rec).unwrap();
        assert_eq!(s.drain().len(), 1, "one no_renegotiation warning each");
    }
    let rec = s.record(ContentType::HANDSHAKE, &hr);
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::Other("repeated renegotiation attempts")),
        AD::ILLEGAL_PARAMETER,
    );
}

#[test]
fn hello_request_during_the_handshake_is_ignored() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    let hr = s.hs(HandshakePayload::HelloRequest);
    hs.extend(&hr);
    hs.extend(s.certificate());
    hs.extend(s.done());
    let rec = s.record(ContentType::HANDSHAKE, &hs);
    s.feed(&rec).unwrap();
    // ... and kept out of the transcript: the Finished messages still agree
    s.expect_client_flight(false);
    // once more between the server's CCS and Finished, sealed
    let mut bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    s.sealing = true;
    bytes.extend(s.record(ContentType::HANDSHAKE, &hr));
    let verify = s.server_verify_data();
    let fin = s.hs(HandshakePayload::Finished(verify.to_vec()));
    bytes.extend(s.record(ContentType::HANDSHAKE, &fin));
    s.feed(&bytes).unwrap();
    assert!(!s.client.is_handshaking());
    assert!(s.drain().is_empty());
}

// ======================================================================================
// Alerts from the server
// ======================================================================================

#[test]
fn fatal_alert_is_surfaced_with_its_description() {
    // in plaintext, answering the ClientHello
    for desc in [AD::HANDSHAKE_FAILURE, AD::PROTOCOL_VERSION, AD(200)] {
        let mut s = Script::new(Opts::v(V12));
        let rec = plain_record(ContentType::ALERT, V12, &[2, desc.get()]);
        let res = s.feed(&rec);
        s.fails_silently(res, Error::AlertReceived(desc));
    }
    // sealed, after the handshake
    let mut s = Script::new(Opts::v(V11));
    s.handshake();
    let rec = s.record(ContentType::ALERT, &[2, AD::INTERNAL_ERROR.get()]);
    let res = s.feed(&rec);
    s.fails_silently(res, Error::AlertReceived(AD::INTERNAL_ERROR));
}

#[test]
fn warning_alerts_are_recorded_and_the_handshake_continues() {
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::ALERT, V12, &[1, AD::UNRECOGNIZED_NAME.get()]);
    s.feed(&rec).unwrap();
    assert_eq!(s.client.received_warnings(), [AD::UNRECOGNIZED_NAME]);
    s.handshake();
    assert_eq!(s.client.received_warnings(), [AD::UNRECOGNIZED_NAME]);
}

#[test]
fn malformed_alerts_and_records() {
    // alert bodies of the wrong length or with an unknown level
    for body in [&[2u8][..], &[2, 40, 0][..], &[3, 40][..]] {
        let mut s = Script::new(Opts::v(V12));
        s.handshake();
        let rec = s.record(ContentType::ALERT, body);
        let res = s.feed(&rec);
        s.fails_sealed(res, Error::PeerMisbehaved(PM::BadAlert), AD::DECODE_ERROR);
    }
    // unknown content type
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let rec = s.record(ContentType::HEARTBEAT, &[1, 0, 0]);
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::UnknownContentType(ContentType::HEARTBEAT)),
        AD::UNEXPECTED_MESSAGE,
    );
    // empty handshake record
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::HANDSHAKE, V12, &[]);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::EmptyRecord(ContentType::HANDSHAKE)),
        V10,
        AD::UNEXPECTED_MESSAGE,
    );
    // a record version other than the negotiated one
    let mut s = Script::new(Opts::range(V10, V12));
    s.handshake();
    s.rv = V11;
    let rec = s.record(ContentType::APPLICATION_DATA, b"x");
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::WrongRecordVersion {
            expected: V12,
            got: V11,
        }),
        AD::PROTOCOL_VERSION,
    );
    // a record longer than 2^14 + 2048
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let res = s.feed(&[23, 3, 3, 0x48, 0x01]);
    s.fails_sealed(
        res,
        Error::RecordOverflow {
            len: 0x4801,
            max: 16384 + 2048,
        },
        AD::RECORD_OVERFLOW,
    );
}

// ======================================================================================
// End of stream
// ======================================================================================

#[test]
fn eof_mid_record_and_without_close_notify_are_not_a_clean_close() {
    // mid-record, after the handshake
    for cut in [1, 4, 5, 20] {
        let mut s = Script::new(Opts::v(V12));
        s.handshake();
        let rec = s.record(ContentType::APPLICATION_DATA, b"truncated?");
        s.feed(&rec[..cut]).unwrap();
        assert!(s.app_in.is_empty());
        let res = s.client.transport_eof();
        s.fails_silently(res, Error::UnexpectedEof);
    }
    // at a record boundary but without close_notify
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let rec = s.record(ContentType::APPLICATION_DATA, b"all of it");
    s.feed(&rec).unwrap();
    assert_eq!(s.app_in, b"all of it");
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
    // close_notify, then half a record: still a truncation
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let mut bytes = s.record(ContentType::ALERT, &[1, 0]);
    bytes.extend(&[23, 3, 3]);
    s.feed(&bytes).unwrap();
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
    // the clean case
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let close = s.record(ContentType::ALERT, &[1, 0]);
    s.feed(&close).unwrap();
    assert_eq!(s.client.transport_eof(), Ok(()));
    assert_eq!(s.client.error(), None);
    // mid-handshake, after the client's flight
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
    // close_notify in the middle of the handshake, then EOF: no session, not a clean close
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let close = s.record(ContentType::ALERT, &[1, 0]);
    s.feed(&close).unwrap();
    assert!(s.client.is_handshaking());
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
}

// ======================================================================================
// No panics: single-byte corruptions of every server record
// ======================================================================================

/// Every byte of the server's ServerHello record and of its CCS + Finished, XORed with
/// 0x01 and 0xff in turn: the client never panics, and whenever it fails it queues exactly
/// the alert its error maps to.
#[test]
fn corrupted_bytes_never_panic_and_alerts_match_errors() {
    let mut checked = 0;
    for mask in [0x01u8, 0xff] {
        // the ServerHello record
        let hello_len = {
            let mut s = Script::new(Opts::v(V12));
            let sh = s.server_hello(V12);
            let m = s.hello_msg(&sh);
            m.len() + 5
        };
        for i in 0..hello_len {
            let mut s = Script::new(Opts::v(V12));
            let sh = s.server_hello(V12);
            let mut f1 = s.flight1(&sh);
            f1[i] ^= mask;
            let res = s.feed(&f1);
            check_alert_matches(&mut s, res);
            checked += 1;
        }
        // CCS + Finished
        let mut s = Script::new(Opts::v(V12).ext(false));
        s.run_to_server_finish();
        let fin = s.server_finish();
        for i in 0..fin.len() {
            let mut s = Script::new(Opts::v(V12).ext(false));
            s.run_to_server_finish();
            let mut fin = s.server_finish();
            fin[i] ^= mask;
            let res = s.feed(&fin);
            check_alert_matches(&mut s, res);
            checked += 1;
        }
    }
    assert!(checked > 200);
}

fn check_alert_matches(s: &mut Script, res: Result<(), Error>) {
    let Err(e) = res else {
        return;
    };
    let sent = s.drain();
    match e.alert() {
        Some(desc) => assert_eq!(
            sent.iter()
                .map(|r| (r.typ, r.plain.clone()))
                .collect::<Vec<_>>(),
            [(ContentType::ALERT, vec![2, desc.get()])],
            "{e:?}"
        ),
        None => assert!(sent.is_empty(), "{e:?}: {sent:?}"),
    }
}
