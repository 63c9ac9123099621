//! The scripted server the `client_bad_*` tests share: the client connection plus a server
//! side built from lucid-core's public pieces (message codecs, transcript hash, key
//! schedule, CBC record protection, RSA key exchange) with a fixed clock and seeded RNGs.
//! Each test makes the server misbehave in one way and asserts the exact typed error the
//! client returns AND the exact alert bytes it queued in `pending_tls` (decrypted with the
//! client's write keys once its ChangeCipherSpec has gone out).
//!
//! Record protection for the bad-padding tests is done by hand (AES-CBC and HMAC straight
//! from RustCrypto), independently of `crypto::cbc`, so a record can be wrong in its padding
//! only.
#![allow(dead_code, reason = "each client_bad_* binary uses a different subset")]

use core::time::Duration;

use std::sync::Arc;

use lucid_core::internal::codec::{Codec, Reader};
use lucid_core::internal::crypto::cbc::{RecordOpener, RecordSealer};
use lucid_core::internal::crypto::hash::Transcript;
use lucid_core::internal::crypto::keys::{self, KeyBlock, MasterSecret};
use lucid_core::internal::crypto::rsa_kx;
use lucid_core::internal::crypto::suites::{self, SuiteParams};
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
use lucid_core::session::MemoryClientSessionStore;
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ClientConnection, ClientSessionStore, WebPkiVerifier};
use lucid_core::{Error, PeerMisbehaved as PM};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs1KeyDer, ServerName, UnixTime};

pub(crate) const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
pub(crate) const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
pub(crate) const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

pub(crate) const AES128_SHA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
pub(crate) const AES256_SHA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA;
pub(crate) const AES128_SHA256: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256;

pub(crate) const ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root.pem");
pub(crate) const CHAIN_PEM: &[u8] = include_bytes!("../../../../testdata/pki/chain.pem");
pub(crate) const LEAF_RSA_KEY: &[u8] = include_bytes!("../../../../testdata/pki/leaf.rsa.key");

/// 2024-06-01T00:00:00Z: inside the fixtures' validity (2020–2120), never the wall clock.
pub(crate) fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_717_200_000))
}

pub(crate) fn chain() -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(CHAIN_PEM)
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect()
}

pub(crate) fn server_key() -> rsa::PrivateKey {
    let der = PrivatePkcs1KeyDer::from_pem_slice(LEAF_RSA_KEY).unwrap();
    rsa::PrivateKey::from_pkcs1_der(der.secret_pkcs1_der()).unwrap()
}

/// What the client is configured with.
#[derive(Debug, Clone)]
pub(crate) struct Opts {
    pub(crate) min: ProtocolVersion,
    pub(crate) max: ProtocolVersion,
    pub(crate) suites: Vec<CipherSuite>,
    pub(crate) ems: bool,
    pub(crate) etm: bool,
    /// The server name: `localhost` (SNI sent) or an address such as `127.0.0.1` (no SNI).
    pub(crate) name: &'static str,
    /// Session-ID resumption cache.
    pub(crate) store: Option<Arc<MemoryClientSessionStore>>,
}

impl Opts {
    pub(crate) fn v(version: ProtocolVersion) -> Self {
        Self::range(version, version)
    }

    pub(crate) fn range(min: ProtocolVersion, max: ProtocolVersion) -> Self {
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

    pub(crate) fn suite(mut self, s: CipherSuite) -> Self {
        self.suites = vec![s];
        self
    }

    pub(crate) fn ext(mut self, on: bool) -> Self {
        self.ems = on;
        self.etm = on;
        self
    }
}

/// One record the client sent, decrypted when it came after the client's CCS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) typ: ContentType,
    pub(crate) version: ProtocolVersion,
    pub(crate) plain: Vec<u8>,
}

/// The client connection plus a scripted server's side of the handshake.
pub(crate) struct Script {
    pub(crate) client: ClientConnection,
    pub(crate) crng: ChaCha20Rng,
    pub(crate) srng: ChaCha20Rng,
    pub(crate) opts: Opts,
    pub(crate) hello: ClientHelloPayload,
    pub(crate) transcript: Transcript,
    /// Record version the server writes (the ServerHello's version once sent).
    pub(crate) rv: ProtocolVersion,
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: Option<&'static SuiteParams>,
    pub(crate) server_random: [u8; 32],
    pub(crate) ems: bool,
    pub(crate) etm: bool,
    pub(crate) master: Option<MasterSecret>,
    pub(crate) kb: Option<KeyBlock>,
    /// Server → client protection; `sealing` once the server's CCS went out.
    pub(crate) sealer: Option<RecordSealer>,
    pub(crate) sealing: bool,
    /// Client → server protection, in use after the client's CCS.
    pub(crate) opener: Option<RecordOpener>,
    pub(crate) client_ccs: bool,
    pub(crate) client_finished: bool,
    /// TLS 1.0: the last ciphertext block the server sent (the next record's IV).
    pub(crate) last_block: [u8; 16],
    /// Application data the client decrypted so far.
    pub(crate) app_in: Vec<u8>,
}

impl Script {
    pub(crate) fn new(opts: Opts) -> Self {
        Self::with_seed(opts, 7)
    }

    pub(crate) fn with_seed(opts: Opts, seed: u64) -> Self {
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
    pub(crate) fn server_hello(&mut self, version: ProtocolVersion) -> ServerHelloPayload {
        let suite = *self
            .hello
            .cipher_suites
            .iter()
            .find(|s| suites::lookup(**s).is_some_and(|p| p.usable_with(version)))
            .expect("an offered suite usable with the version");
        self.server_hello_with(version, suite)
    }

    pub(crate) fn server_hello_with(
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
            unknown_extensions: Default::default(),
        }
    }

    /// Encodes a ServerHello and adopts what it says (version, suite, extensions).
    pub(crate) fn hello_msg(&mut self, sh: &ServerHelloPayload) -> Vec<u8> {
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
    pub(crate) fn hs(&mut self, payload: HandshakePayload) -> Vec<u8> {
        let msg = HandshakeMessage::new(payload);
        let bytes = msg.get_encoding();
        if msg.typ != HandshakeType::HELLO_REQUEST {
            self.transcript.add(&bytes);
        }
        bytes
    }

    pub(crate) fn certificate(&mut self) -> Vec<u8> {
        self.hs(HandshakePayload::Certificate(CertificatePayload(chain())))
    }

    pub(crate) fn done(&mut self) -> Vec<u8> {
        self.hs(HandshakePayload::ServerHelloDone)
    }

    /// ServerHello, Certificate, ServerHelloDone in one record.
    pub(crate) fn flight1(&mut self, sh: &ServerHelloPayload) -> Vec<u8> {
        let mut hs = self.hello_msg(sh);
        hs.extend(self.certificate());
        hs.extend(self.done());
        self.record(ContentType::HANDSHAKE, &hs)
    }

    /// Records of `typ` carrying `payload` (fragmented at 2^14), sealed once the server's
    /// CCS went out.
    pub(crate) fn record(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
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
    pub(crate) fn server_finish_parts(&mut self) -> (Vec<u8>, Vec<u8>) {
        let ccs = self.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        self.sealing = true;
        let verify = self.server_verify_data();
        let fin = self.hs(HandshakePayload::Finished(verify.to_vec()));
        (ccs, self.record(ContentType::HANDSHAKE, &fin))
    }

    pub(crate) fn server_verify_data(&self) -> [u8; 12] {
        let hash = self.transcript.current_hash();
        keys::verify_data(
            self.version,
            self.master.as_ref().unwrap(),
            b"server finished",
            hash.as_ref(),
        )
    }

    pub(crate) fn server_finish(&mut self) -> Vec<u8> {
        let (mut ccs, fin) = self.server_finish_parts();
        ccs.extend(fin);
        ccs
    }

    /// Gives `bytes` to the client and lets it process them; collects decrypted data.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
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

    pub(crate) fn take_plaintext(&mut self) -> usize {
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
    pub(crate) fn drain(&mut self) -> Vec<Sent> {
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
    pub(crate) fn derive_keys(&mut self, master: MasterSecret) {
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

    pub(crate) fn on_client_handshake(&mut self, raw: &[u8]) {
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
    pub(crate) fn expect_client_flight(&mut self, with_certificate: bool) {
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
    pub(crate) fn handshake(&mut self) {
        let sh = self.server_hello(self.opts.max);
        self.handshake_with(&sh);
    }

    pub(crate) fn handshake_with(&mut self, sh: &ServerHelloPayload) {
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
    pub(crate) fn run_to_server_finish(&mut self) {
        let sh = self.server_hello(self.opts.max);
        let f1 = self.flight1(&sh);
        self.feed(&f1).unwrap();
        self.expect_client_flight(false);
    }

    // ---- assertions ----

    /// The client failed with `want`, latched it, and queued exactly one plaintext fatal
    /// alert `desc` in a record of version `rv`.
    pub(crate) fn fails_plain(
        &mut self,
        res: Result<(), Error>,
        want: Error,
        rv: ProtocolVersion,
        desc: AD,
    ) {
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
    pub(crate) fn fails_sealed(&mut self, res: Result<(), Error>, want: Error, desc: AD) {
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
    pub(crate) fn fails_silently(&mut self, res: Result<(), Error>, want: Error) {
        self.check_failed(res, &want);
        assert_eq!(self.client.pending_tls(), [] as [u8; 0]);
        self.check_latched(&want);
    }

    pub(crate) fn check_failed(&self, res: Result<(), Error>, want: &Error) {
        assert_eq!(res.as_ref(), Err(want));
        assert_eq!(self.client.error(), Some(want));
        assert!(!self.client.is_handshaking());
    }

    /// The error is latched: later calls return it and queue nothing more.
    pub(crate) fn check_latched(&mut self, want: &Error) {
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

pub(crate) fn plain_record(typ: ContentType, version: ProtocolVersion, payload: &[u8]) -> Vec<u8> {
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

pub(crate) fn parse_records(bytes: &[u8]) -> Vec<(RecordHeader, Vec<u8>)> {
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
pub(crate) fn raw_hs(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![typ, len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}

pub(crate) fn unexpected(
    expected: &'static str,
    got: ContentType,
    hs: Option<HandshakeType>,
) -> Error {
    Error::PeerMisbehaved(PM::UnexpectedMessage {
        expected,
        got,
        got_handshake: hs,
    })
}

pub(crate) fn every_version_suite_ext() -> Vec<(ProtocolVersion, CipherSuite, bool)> {
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

pub(crate) fn cert_request(v: ProtocolVersion) -> CertificateRequestPayload {
    CertificateRequestPayload {
        certificate_types: vec![ClientCertificateType::RSA_SIGN],
        sigalgs: (v == V12).then(|| vec![SignatureScheme::RSA_PKCS1_SHA256]),
        authorities: vec![b"0\x00".to_vec()],
    }
}
