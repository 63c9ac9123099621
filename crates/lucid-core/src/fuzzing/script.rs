//! The one scripted TLS peer: either side of a TLS 1.0–1.2 RSA handshake built by hand
//! from lucid's own pieces (message codecs, transcript hash, key schedule, CBC record
//! protection, RSA key exchange), so a test can send exactly the bytes it wants — ones
//! lucid itself never would included — and read what the connection under test answered.
//!
//! Used by the fuzz seeds (`fuzzing/seeds.rs`: the scripted server whose flights are the
//! `client` corpus), the `client_bad_*` integration tests (a hostile server) and the
//! `pair_*` tests (a hostile client).
//!
//! A [`ScriptedPeer`] holds one side's handshake state: the ClientHello (its own as a
//! client, the peer's as a server), the negotiated version, suite and extensions, the
//! transcript, the master secret and both directions' record protection. It writes with
//! [`ScriptedPeer::hs`] (one handshake message, added to the transcript) and
//! [`ScriptedPeer::record`] (records, sealed once its own ChangeCipherSpec went out), and
//! reads with [`ScriptedPeer::receive`], which opens the records after the peer's
//! ChangeCipherSpec and plays its side of the handshake: a server decrypts the pre-master
//! secret and checks the client's Finished; a client adopts the ServerHello, keeps the
//! server's certificate and checks the server's Finished.
//!
//! Randomness comes from the `R` the peer owns (seeded, so a script is reproducible byte
//! for byte). Test code: it panics, naming the broken assumption, on anything unexpected.

#![allow(
    clippy::indexing_slicing,
    reason = "test support, never reached from a fuzz entry point: it indexes bytes lucid itself produced or the script built, and a panic names the broken assumption"
)]

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use rsa::PrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

use crate::codec::{Codec, Reader};
use crate::conn::Side;
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, KeyBlock, MasterSecret};
use crate::crypto::prf::PrfAlgorithm;
use crate::crypto::protection::{RecordOpener, RecordSealer};
use crate::crypto::rsa_kx;
use crate::crypto::suites::{self, SuiteParams};
use crate::fuzzing::client::SERVER_NAME;
use crate::fuzzing::x509::{PKI_INTERMEDIATE_PEM, PKI_LEAF_PEM, first_der};
use crate::msgs::enums::{
    CipherSuite, Compression, ContentType, ExtensionType, HandshakeType, ProtocolVersion,
};
use crate::msgs::extensions::ClientExtension;
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, ClientHelloPayload, ClientKeyExchangePayload,
    HandshakeMessage, HandshakePayload, Random, ServerHelloPayload, SessionId,
};
use crate::record::RecordHeader;
use crate::record::joiner::HandshakeJoiner;

/// testdata/pki's leaf key (PKCS#8), the scripted server's key.
pub(crate) const LEAF_KEY_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf.key");

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

/// One record the connection under test sent, opened when it came after its
/// ChangeCipherSpec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The record's content type.
    pub typ: ContentType,
    /// The record's version field.
    pub version: ProtocolVersion,
    /// Its payload (the plaintext, for a protected record).
    pub plain: Vec<u8>,
}

/// One side of a handshake, scripted (see the module docs).
///
/// The fields are public so a test can read, or deliberately break, any part of the state.
pub struct ScriptedPeer<R> {
    /// Which side this peer plays.
    pub role: Side,
    /// Server random, client random, explicit IVs, RSA padding and blinding.
    pub rng: R,
    /// Every handshake message so far, both directions (HelloRequest excepted).
    pub transcript: Transcript,
    /// The ClientHello: this client's own, or the one this server answers.
    pub hello: ClientHelloPayload,
    /// The ServerHello, once sent (server) or received (client).
    pub server_hello: Option<ServerHelloPayload>,
    /// The negotiated version (a client's offer until the ServerHello).
    pub version: ProtocolVersion,
    /// The version this peer writes in its record headers.
    pub record_version: ProtocolVersion,
    /// The negotiated suite.
    pub suite: Option<&'static SuiteParams>,
    /// The ServerHello's random.
    pub server_random: [u8; 32],
    /// Extended master secret negotiated (the ServerHello carries the extension).
    pub ems: bool,
    /// Encrypt-then-MAC negotiated.
    pub etm: bool,
    /// The master secret, once derived.
    pub master: Option<MasterSecret>,
    /// Both directions' keys, once derived.
    pub key_block: Option<KeyBlock>,
    /// This peer's record protection; in use once [`Self::sealing`].
    pub sealer: Option<RecordSealer>,
    /// This peer's ChangeCipherSpec went out: [`Self::record`] seals.
    pub sealing: bool,
    /// The other side's record protection; in use once [`Self::opening`].
    pub opener: Option<RecordOpener>,
    /// The other side's ChangeCipherSpec arrived: [`Self::receive`] opens.
    pub opening: bool,
    /// The other side's Finished arrived and verified.
    pub peer_finished: bool,
    /// TLS 1.0 CBC: the last ciphertext block this peer sent (the next record's IV).
    pub last_block: [u8; 16],
    /// Client: the leaf certificate the server sent.
    pub server_cert: Vec<u8>,
    /// Server: testdata/pki's leaf key, parsed at the first ClientKeyExchange.
    server_key: Option<PrivateKey>,
    joiner: HandshakeJoiner,
}

impl<R> fmt::Debug for ScriptedPeer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedPeer")
            .field("role", &self.role)
            .field("version", &self.version)
            .field("suite", &self.suite.map(|s| s.suite))
            .field("ems", &self.ems)
            .field("etm", &self.etm)
            .field("sealing", &self.sealing)
            .field("opening", &self.opening)
            .field("peer_finished", &self.peer_finished)
            .finish_non_exhaustive()
    }
}

impl<R: CryptoRng> ScriptedPeer<R> {
    fn blank(role: Side, rng: R, hello: ClientHelloPayload, version: ProtocolVersion) -> Self {
        Self {
            role,
            rng,
            transcript: Transcript::new(),
            hello,
            server_hello: None,
            version,
            record_version: version,
            suite: None,
            server_random: [0; 32],
            ems: false,
            etm: false,
            master: None,
            key_block: None,
            sealer: None,
            sealing: false,
            opener: None,
            opening: false,
            peer_finished: false,
            last_block: [0; 16],
            server_cert: Vec::new(),
            server_key: None,
            joiner: HandshakeJoiner::new(),
        }
    }

    // ---- the client role ----

    /// A client whose ClientHello offers `version`, `suites`, null compression, SNI for
    /// `localhost` and an empty renegotiation_info, plus EMS and ETM when asked. Its random
    /// is the first 32 bytes of `rng`.
    pub fn client(
        mut rng: R,
        version: ProtocolVersion,
        suites: &[CipherSuite],
        ems: bool,
        etm: bool,
    ) -> Self {
        let mut random = [0u8; 32];
        rng.fill_bytes(&mut random);
        let mut extensions = vec![
            ClientExtension::server_name(SERVER_NAME.as_bytes()),
            ClientExtension::RenegotiationInfo(Vec::new()),
        ];
        if ems {
            extensions.push(ClientExtension::ExtendedMasterSecret);
        }
        if etm {
            extensions.push(ClientExtension::EncryptThenMac);
        }
        let hello = ClientHelloPayload {
            client_version: version,
            random: Random(random),
            session_id: SessionId::EMPTY,
            cipher_suites: suites.to_vec(),
            compression_methods: vec![Compression::NULL],
            extensions,
            unknown_extensions: Default::default(),
        };
        Self::blank(Side::Client, rng, hello, version)
    }

    /// The ClientHello in one TLS 1.0 record (added to the transcript).
    pub fn client_hello(&mut self) -> Vec<u8> {
        let bytes = self.hs(HandshakePayload::ClientHello(self.hello.clone()));
        plain_record(ContentType::HANDSHAKE, V10, &bytes)
    }

    /// An SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2) offering the hello's version and
    /// suites (as 3-byte specs, after one SSLv2-only spec) with the random as its 32-byte
    /// challenge, and the renegotiation SCSV when `scsv`. The transcript gets the body
    /// after the 2-byte header.
    pub fn sslv2_client_hello(&mut self, scsv: bool) -> Vec<u8> {
        let mut specs = vec![0x07, 0x00, 0xc0]; // SSL_CK_DES_192_EDE3_CBC_WITH_MD5
        let mut suites = self.hello.cipher_suites.clone();
        if scsv {
            suites.push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        for s in &suites {
            specs.push(0);
            specs.extend_from_slice(&s.get().to_be_bytes());
        }
        let mut body = vec![1];
        body.extend_from_slice(&self.hello.client_version.get().to_be_bytes());
        body.extend_from_slice(&u16::try_from(specs.len()).unwrap().to_be_bytes());
        body.extend_from_slice(&[0, 0, 0, 32]);
        body.extend_from_slice(&specs);
        body.extend_from_slice(&self.hello.random.0);
        self.transcript.add(&body);
        let mut rec = (0x8000u16 | u16::try_from(body.len()).unwrap())
            .to_be_bytes()
            .to_vec();
        rec.extend_from_slice(&body);
        rec
    }

    /// The honest RSA encryption of `pms` under the server's certificate key.
    pub fn encrypt_pms(&mut self, pms: &[u8; 48]) -> Vec<u8> {
        let key = rsa_kx::rsa_public_key_from_certificate(&self.server_cert).unwrap();
        rsa_kx::encrypt_pre_master_secret(&key, pms, &mut self.rng).unwrap()
    }

    /// A ClientKeyExchange record carrying `ciphertext` (added to the transcript).
    pub fn client_key_exchange(&mut self, ciphertext: Vec<u8>) -> Vec<u8> {
        let cke = ClientKeyExchangePayload::from_rsa(&ciphertext);
        let bytes = self.hs(HandshakePayload::ClientKeyExchange(cke));
        self.record(ContentType::HANDSHAKE, &bytes)
    }

    /// Derives the master secret and both directions' keys from the pre-master secret
    /// this client *believes* in.
    pub fn derive(&mut self, pms: &[u8; 48]) {
        let master = self.master_secret(pms);
        self.derive_keys(master);
    }

    // ---- the server role ----

    /// A server answering the ClientHello in `client_hello_record` (one plaintext
    /// handshake record, added to the transcript), with testdata/pki's chain and key.
    pub fn server(rng: R, client_hello_record: &[u8]) -> Self {
        let recs = parse_records(client_hello_record);
        assert_eq!(recs.len(), 1, "the ClientHello is one record");
        let (header, body) = &recs[0];
        assert_eq!(header.typ, ContentType::HANDSHAKE);
        let msg = HandshakeMessage::read_versioned(body, V12).unwrap();
        let HandshakePayload::ClientHello(hello) = msg.payload else {
            panic!("not a ClientHello: {msg:?}")
        };
        let mut peer = Self::blank(Side::Server, rng, hello, V10);
        peer.transcript.add(body);
        peer
    }

    /// Encodes a ServerHello and adopts what it says (version, suite, random, extensions).
    pub fn hello_msg(&mut self, sh: &ServerHelloPayload) -> Vec<u8> {
        self.adopt(sh);
        self.hs(HandshakePayload::ServerHello(sh.clone()))
    }

    /// The testdata/pki chain (leaf, intermediate) as a Certificate message.
    pub fn certificate(&mut self) -> Vec<u8> {
        let chain = vec![first_der(PKI_LEAF_PEM), first_der(PKI_INTERMEDIATE_PEM)];
        self.hs(HandshakePayload::Certificate(CertificatePayload(chain)))
    }

    /// A ServerHelloDone message.
    pub fn done(&mut self) -> Vec<u8> {
        self.hs(HandshakePayload::ServerHelloDone)
    }

    /// ServerHello, Certificate, optionally CertificateRequest, ServerHelloDone in one record.
    pub fn first_flight(
        &mut self,
        sh: &ServerHelloPayload,
        request: Option<CertificateRequestPayload>,
    ) -> Vec<u8> {
        let mut hs = self.hello_msg(sh);
        hs.extend(self.certificate());
        if let Some(request) = request {
            hs.extend(self.hs(HandshakePayload::CertificateRequest(request)));
        }
        hs.extend(self.done());
        self.record(ContentType::HANDSHAKE, &hs)
    }

    // ---- both roles ----

    fn adopt(&mut self, sh: &ServerHelloPayload) {
        self.version = sh.server_version;
        if sh.server_version.get() >> 8 == 3 {
            self.record_version = sh.server_version;
        }
        self.suite = suites::lookup(sh.cipher_suite);
        self.server_random = sh.random.0;
        self.ems = sh
            .find_extension(ExtensionType::EXTENDED_MASTER_SECRET)
            .is_some();
        self.etm = sh.find_extension(ExtensionType::ENCRYPT_THEN_MAC).is_some();
        // A suite lucid does not implement leaves the transcript undecided (its hash reads
        // as SHA-256): the connection under test refuses such a ServerHello anyway.
        if let (Some(suite), true) = (self.suite, (V10..=V12).contains(&sh.server_version)) {
            self.transcript
                .set_prf(suite.prf_algorithm(sh.server_version))
                .unwrap();
        }
        self.server_hello = Some(sh.clone());
    }

    /// Encodes a handshake message and adds it to the transcript (HelloRequest excepted).
    pub fn hs(&mut self, payload: HandshakePayload) -> Vec<u8> {
        let msg = HandshakeMessage::new(payload);
        let bytes = msg.get_encoding();
        if msg.typ != HandshakeType::HELLO_REQUEST {
            self.transcript.add(&bytes);
        }
        bytes
    }

    /// Records of `typ` carrying `payload` (fragmented at 2^14; one empty record for an
    /// empty payload), sealed once this peer's ChangeCipherSpec went out.
    pub fn record(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![payload]
        } else {
            payload.chunks(16384).collect()
        };
        for chunk in chunks {
            if self.sealing {
                self.seal_into(typ, chunk, &mut out);
            } else {
                out.extend(plain_record(typ, self.record_version, chunk));
            }
        }
        out
    }

    /// One record sealed with this peer's keys now, whether or not its ChangeCipherSpec
    /// went out.
    pub fn seal(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 128);
        self.seal_into(typ, payload, &mut out);
        out
    }

    fn seal_into(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        self.sealer
            .as_mut()
            .expect("keys derived before sealing")
            .seal(typ, self.record_version, payload, out, &mut self.rng)
            .unwrap();
        let body = &out[start + 5..];
        let mac_len = self.suite.expect("a suite").mac_len();
        let ct_end = if self.etm {
            body.len() - mac_len
        } else {
            body.len()
        };
        self.last_block.copy_from_slice(&body[ct_end - 16..ct_end]);
    }

    /// The ChangeCipherSpec record (plaintext); [`Self::record`] seals from now on.
    pub fn ccs(&mut self) -> Vec<u8> {
        let ccs = self.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        self.sealing = true;
        ccs
    }

    /// The master secret from a pre-master secret: extended (RFC 7627, over the
    /// transcript so far) when negotiated.
    pub fn master_secret(&self, pms: &[u8]) -> MasterSecret {
        let prf = self.prf();
        if self.ems {
            let hash = self.transcript.current_hash();
            keys::extended_master_secret(prf, pms, hash.as_ref())
        } else {
            keys::master_secret(prf, pms, &self.hello.random.0, &self.server_random)
        }
    }

    /// The negotiated suite's PRF at the negotiated version.
    pub fn prf(&self) -> PrfAlgorithm {
        self.suite
            .expect("a ServerHello before the key schedule")
            .prf_algorithm(self.version)
    }

    /// Record keys for both directions from `master` (full handshake or resumption).
    pub fn derive_keys(&mut self, master: MasterSecret) {
        let suite = self.suite.expect("a ServerHello before the keys");
        let kb = keys::key_block(
            self.version,
            &master,
            suite,
            &self.hello.random.0,
            &self.server_random,
        );
        let client = (
            kb.client_write_mac_key(),
            kb.client_write_key(),
            kb.client_write_iv(),
        );
        let server = (
            kb.server_write_mac_key(),
            kb.server_write_key(),
            kb.server_write_iv(),
        );
        let (ours, theirs) = match self.role {
            Side::Client => (client, server),
            Side::Server => (server, client),
        };
        let (v, etm) = (self.version, self.etm);
        self.sealer = Some(RecordSealer::new(suite, v, ours.0, ours.1, ours.2, etm).unwrap());
        self.opener = Some(RecordOpener::new(suite, v, theirs.0, theirs.1, theirs.2, etm).unwrap());
        if let Ok(iv) = <[u8; 16]>::try_from(ours.2) {
            self.last_block = iv;
        }
        self.master = Some(master);
        self.key_block = Some(kb);
    }

    fn finished_label(side: Side) -> &'static [u8] {
        match side {
            Side::Client => b"client finished",
            Side::Server => b"server finished",
        }
    }

    fn verify_data_of(&self, side: Side) -> [u8; 12] {
        let hash = self.transcript.current_hash();
        let master = self.master.as_ref().expect("a master secret");
        keys::verify_data(
            self.prf(),
            master,
            Self::finished_label(side),
            hash.as_ref(),
        )
    }

    /// This peer's Finished verify_data over the transcript so far.
    pub fn verify_data(&self) -> [u8; 12] {
        self.verify_data_of(self.role)
    }

    fn other(&self) -> Side {
        match self.role {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    /// This peer's Finished message as records (sealed once its CCS went out; added to
    /// the transcript).
    pub fn finished(&mut self) -> Vec<u8> {
        let verify = self.verify_data();
        let fin = self.hs(HandshakePayload::Finished(verify.to_vec()));
        self.record(ContentType::HANDSHAKE, &fin)
    }

    /// The Finished message the other side must send next (encoded; not added anywhere).
    pub fn expected_peer_finished(&self) -> Vec<u8> {
        let vd = self.verify_data_of(self.other());
        HandshakeMessage::new(HandshakePayload::Finished(vd.to_vec())).get_encoding()
    }

    /// Reads what the connection under test sent: splits `bytes` into whole records, opens
    /// those after its ChangeCipherSpec, and plays this side of the handshake on its
    /// handshake messages until its Finished (which must verify).
    pub fn receive(&mut self, bytes: &[u8]) -> Vec<Received> {
        let mut out = Vec::new();
        for (header, mut body) in parse_records(bytes) {
            let plain = if self.opening {
                self.opener
                    .as_mut()
                    .expect("keys")
                    .open(header.typ, header.version, &mut body)
                    .expect("the peer's record decrypts")
                    .to_vec()
            } else {
                body
            };
            match header.typ {
                ContentType::CHANGE_CIPHER_SPEC if !self.opening => {
                    assert_eq!(plain, [1]);
                    assert!(self.opener.is_some(), "CCS before the key exchange");
                    self.opening = true;
                }
                ContentType::HANDSHAKE if !self.peer_finished => {
                    self.joiner.push(&plain).unwrap();
                    while let Some(raw) = self.joiner.pop().map(<[u8]>::to_vec) {
                        self.on_handshake(&raw);
                    }
                }
                _ => {}
            }
            out.push(Received {
                typ: header.typ,
                version: header.version,
                plain,
            });
        }
        out
    }

    fn on_handshake(&mut self, raw: &[u8]) {
        // Before a ServerHello the version is not agreed; parse as TLS 1.2.
        let parse_as = if self.server_hello.is_some() {
            self.version
        } else {
            V12
        };
        let msg = HandshakeMessage::read_versioned(raw, parse_as).unwrap();
        match (self.role, msg.payload) {
            (Side::Client, HandshakePayload::ServerHello(sh)) => self.adopt(&sh),
            (Side::Client, HandshakePayload::Certificate(CertificatePayload(certs))) => {
                self.server_cert = certs.first().cloned().expect("a server certificate");
            }
            (
                Side::Client,
                HandshakePayload::CertificateRequest(_) | HandshakePayload::ServerHelloDone,
            ) => {}
            (Side::Client, HandshakePayload::HelloRequest) => return,
            // The client's certificate (the harness client has one) and its
            // CertificateVerify: recorded into the transcript, not checked here (the
            // server-side checks are lucid's own, tested in the pair tests).
            (
                Side::Server,
                HandshakePayload::Certificate(_) | HandshakePayload::CertificateVerify(_),
            ) => {}
            (Side::Server, HandshakePayload::ClientKeyExchange(cke)) => {
                self.transcript.add(raw);
                let key = self.server_key.get_or_insert_with(|| {
                    let der = PrivatePkcs8KeyDer::from_pem_slice(LEAF_KEY_PEM).unwrap();
                    PrivateKey::from_pkcs8_der(der.secret_pkcs8_der()).unwrap()
                });
                let pms = rsa_kx::decrypt_pkcs1v15(key, cke.rsa().unwrap(), &mut self.rng).unwrap();
                assert_eq!(pms.len(), 48);
                // The version the client offered, not the negotiated one (RFC 5246 §7.4.7.1).
                assert_eq!(pms[..2], self.hello.client_version.get().to_be_bytes());
                let master = self.master_secret(&pms);
                self.derive_keys(master);
                return;
            }
            (_, HandshakePayload::Finished(verify)) => {
                assert!(self.opening, "Finished before CCS");
                assert_eq!(
                    verify,
                    self.verify_data_of(self.other()),
                    "the peer's Finished"
                );
                self.peer_finished = true;
            }
            (role, other) => panic!("{role:?}: unexpected handshake message {other:?}"),
        }
        self.transcript.add(raw);
    }
}

/// One plaintext record.
pub fn plain_record(typ: ContentType, version: ProtocolVersion, payload: &[u8]) -> Vec<u8> {
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

/// Splits TLS bytes into (header, payload) records. Panics on a partial record.
pub fn parse_records(bytes: &[u8]) -> Vec<(RecordHeader, Vec<u8>)> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while r.any_left() {
        let h = RecordHeader::read(&mut r).unwrap();
        let body = r.take(h.payload_len(), "record").unwrap().to_vec();
        out.push((h, body));
    }
    out
}

/// Raw handshake messages (header included) from the plaintext handshake records in
/// `bytes`.
pub fn handshake_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut joined = Vec::new();
    for (h, p) in parse_records(bytes) {
        if h.typ == ContentType::HANDSHAKE {
            joined.extend_from_slice(&p);
        }
    }
    let mut out = Vec::new();
    let mut rest = &joined[..];
    while !rest.is_empty() {
        let (_, len) = HandshakeMessage::peek_header(rest).unwrap();
        out.push(rest[..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    out
}

/// A raw handshake message with any type and body.
pub fn raw_hs(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![typ, len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}
