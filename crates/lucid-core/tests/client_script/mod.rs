//! The scripted server the `client_bad_*` tests share: the client connection plus
//! lucid-core's scripted peer ([`ScriptedPeer`], `lucid_core::fuzzing::script`) in the
//! server role, with a fixed clock and seeded RNGs. Each test makes the server misbehave
//! in one way and asserts the exact typed error the client returns AND the exact alert
//! bytes it queued in `pending_tls` (decrypted with the client's write keys once its
//! ChangeCipherSpec has gone out).
//!
//! Record protection for the bad-padding tests is done by hand (AES-CBC and HMAC straight
//! from RustCrypto), independently of `crypto::cbc`, so a record can be wrong in its padding
//! only.
#![allow(
    dead_code,
    unused_imports,
    reason = "each client_bad_* binary uses a different subset (re-exports included)"
)]

use core::ops::{Deref, DerefMut};
use core::time::Duration;

use std::sync::Arc;

pub(crate) use lucid_core::fuzzing::ScriptedPeer;
pub(crate) use lucid_core::fuzzing::script::{parse_records, plain_record, raw_hs};
use lucid_core::internal::crypto::suites;
use lucid_core::internal::msgs::enums::{
    AlertDescription as AD, CipherSuite, ClientCertificateType, Compression, ContentType,
    ExtensionType, HandshakeType, MaxFragmentLength, ProtocolVersion, SignatureScheme,
};
use lucid_core::internal::msgs::extensions::{ClientExtension, ServerExtension};
use lucid_core::internal::msgs::handshake::{
    CertificateRequestPayload, Random, ServerHelloPayload, SessionId,
};
use lucid_core::session::MemoryClientSessionStore;
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ClientConnection, ClientSessionStore, WebPkiVerifier};
use lucid_core::{Error, PeerMisbehaved as PM};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

pub(crate) const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
pub(crate) const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
pub(crate) const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

pub(crate) const AES128_SHA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
pub(crate) const AES256_SHA: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA;
pub(crate) const AES128_SHA256: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256;

pub(crate) const ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root.pem");
pub(crate) const CHAIN_PEM: &[u8] = include_bytes!("../../../../testdata/pki/chain.pem");

/// 2024-06-01T00:00:00Z: inside the fixtures' validity (2020–2120), never the wall clock.
pub(crate) fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_717_200_000))
}

pub(crate) fn chain() -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(CHAIN_PEM)
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect()
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
    /// `ClientConfig::allow_legacy_renegotiation`.
    pub(crate) legacy_renegotiation: bool,
    /// A further trust anchor (PEM) beside testdata/pki's root.
    pub(crate) extra_root: Option<&'static [u8]>,
    /// `ClientConfig::allow_rsa_1024_legacy`.
    pub(crate) rsa_1024: bool,
    /// `ClientConfig::alpn_protocols`.
    pub(crate) alpn: Vec<Vec<u8>>,
    /// `ClientConfig::max_fragment_length`; the scripted server echoes it.
    pub(crate) mfl: Option<MaxFragmentLength>,
}

impl Opts {
    pub(crate) fn v(version: ProtocolVersion) -> Self {
        Self::range(version, version)
    }

    pub(crate) fn range(min: ProtocolVersion, max: ProtocolVersion) -> Self {
        Self {
            min,
            max,
            suites: suites::default_suites().collect(),
            ems: true,
            etm: true,
            name: "localhost",
            store: None,
            legacy_renegotiation: false,
            extra_root: None,
            rsa_1024: false,
            alpn: Vec::new(),
            mfl: None,
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

/// One record the client sent, opened when it came after the client's CCS.
pub(crate) use lucid_core::fuzzing::Received as Sent;

/// The client connection plus the scripted server's side of the handshake (a
/// [`ScriptedPeer`] in the server role, reached through `Deref`).
pub(crate) struct Script {
    pub(crate) client: ClientConnection,
    pub(crate) crng: ChaCha20Rng,
    pub(crate) server: ScriptedPeer<ChaCha20Rng>,
    pub(crate) opts: Opts,
    /// Application data the client decrypted so far.
    pub(crate) app_in: Vec<u8>,
}

impl Deref for Script {
    type Target = ScriptedPeer<ChaCha20Rng>;

    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl DerefMut for Script {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.server
    }
}

impl Script {
    pub(crate) fn new(opts: Opts) -> Self {
        Self::with_seed(opts, 7)
    }

    pub(crate) fn with_seed(opts: Opts, seed: u64) -> Self {
        let mut roots = RootStore::new();
        assert_eq!(roots.add_pem(ROOT_PEM).unwrap(), 1);
        if let Some(pem) = opts.extra_root {
            assert_eq!(roots.add_pem(pem).unwrap(), 1);
        }
        let mut options = lucid_core::VerifierOptions::default();
        options.allow_rsa_1024_legacy = opts.rsa_1024;
        let mut config = ClientConfig::new(Arc::new(WebPkiVerifier::with_options(roots, options)));
        config.allow_rsa_1024_legacy = opts.rsa_1024;
        config.min_version = opts.min;
        config.max_version = opts.max;
        config.cipher_suites = opts.suites.clone();
        config.offer_extended_master_secret = opts.ems;
        config.offer_encrypt_then_mac = opts.etm;
        config.allow_legacy_renegotiation = opts.legacy_renegotiation;
        config.max_fragment_length = opts.mfl;
        config.session_store = opts.store.clone().map(|s| s as Arc<dyn ClientSessionStore>);
        config.alpn_protocols = opts.alpn.clone();
        let name = ServerName::try_from(opts.name).unwrap();
        let by_name = matches!(name, ServerName::DnsName(_));
        let mut crng = ChaCha20Rng::seed_from_u64(seed);
        let mut client = ClientConnection::new(Arc::new(config), name, now(), &mut crng).unwrap();

        // The ClientHello: one plaintext handshake record with a TLS 1.0 record version.
        let bytes = client.pending_tls().to_vec();
        client.consume_tls(bytes.len());
        let recs = parse_records(&bytes);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].0.version, V10);
        let server = ScriptedPeer::server(ChaCha20Rng::seed_from_u64(seed ^ 0x5eed), &bytes);
        let hello = &server.hello;
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
        Self {
            client,
            crng,
            server,
            opts,
            app_in: Vec::new(),
        }
    }

    // ---- server → client ----

    /// A well-formed ServerHello for `version` answering what the client offered: its
    /// first RSA key-exchange suite (the scripted server speaks RSA key exchange).
    pub(crate) fn server_hello(&mut self, version: ProtocolVersion) -> ServerHelloPayload {
        let suite = *self
            .hello
            .cipher_suites
            .iter()
            .find(|s| {
                suites::lookup(**s)
                    .is_some_and(|p| p.usable_with(version) && p.kx == suites::KeyExchange::Rsa)
            })
            .expect("an offered suite usable with the version");
        self.server_hello_with(version, suite)
    }

    pub(crate) fn server_hello_with(
        &mut self,
        version: ProtocolVersion,
        suite: CipherSuite,
    ) -> ServerHelloPayload {
        let mut random = [0u8; 32];
        self.rng.fill_bytes(&mut random);
        let mut extensions = vec![ServerExtension::RenegotiationInfo(Vec::new())];
        if self.opts.ems {
            extensions.push(ServerExtension::ExtendedMasterSecret);
        }
        if self.opts.etm {
            extensions.push(ServerExtension::EncryptThenMac);
        }
        if let Some(mfl) = self.opts.mfl {
            extensions.push(ServerExtension::MaxFragmentLength(mfl));
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

    /// ServerHello, Certificate, ServerHelloDone in one record.
    pub(crate) fn flight1(&mut self, sh: &ServerHelloPayload) -> Vec<u8> {
        self.first_flight(sh, None)
    }

    /// The server's ChangeCipherSpec (plaintext) and Finished (sealed), as two record sets.
    pub(crate) fn server_finish_parts(&mut self) -> (Vec<u8>, Vec<u8>) {
        let ccs = self.ccs();
        (ccs, self.finished())
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

    /// Takes everything the client queued; the scripted server reads it (opening records
    /// after the client's CCS, running its side of the key exchange, checking the
    /// client's Finished).
    pub(crate) fn drain(&mut self) -> Vec<Sent> {
        let bytes = self.client.pending_tls().to_vec();
        self.client.consume_tls(bytes.len());
        self.server.receive(&bytes)
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
        assert!(self.peer_finished);
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
        assert!(self.opening, "the client's sealer is not active");
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

/// Every default RSA key-exchange suite at every version it allows, with and without EMS and
/// ETM. (The legacy 3DES and RC4 suites have their bad-record tests in
/// `pair_legacy_ciphers.rs`.)
pub(crate) fn every_version_suite_ext() -> Vec<(ProtocolVersion, CipherSuite, bool)> {
    let mut out = Vec::new();
    for v in [V10, V11, V12] {
        for s in suites::ALL_SUITES
            .iter()
            .filter(|s| s.usable_with(v) && s.kx == suites::KeyExchange::Rsa && s.legacy.is_none())
        {
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
