//! Seed corpora for the fuzz targets, produced in memory, and the checks that keep the
//! committed ones working.
//!
//! The `client` seeds are whole server byte streams recorded against the deterministic
//! harness client by a scripted server (built from lucid's own codecs and crypto, with the
//! testdata/pki leaf key). Because the client is deterministic, replaying a recording
//! drives it through the handshake, application data and close_notify — the test
//! [`committed_client_seeds_complete_their_handshakes`] fails if a change to the client
//! (say, a new ClientHello extension) makes the committed recordings stale.
//!
//! Regenerate every committed seed with
//! `LUCID_WRITE_FUZZ_SEEDS=1 cargo test -p lucid-core --lib fuzzing::seeds`.

use alloc::vec;
use alloc::vec::Vec;
use std::path::PathBuf;

use rsa::PrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

use super::client::{
    CLIENT_REQUEST, CLIENT_RNG_SEED, ClientSetup, RESUME_MASTER_SECRET, RESUME_SESSION_ID,
    RESUME_SUITE, drive_client,
};
use super::rng::FuzzRng;
use super::x509::{NOW, PKI_INTERMEDIATE_PEM, PKI_LEAF_PEM, first_der};
use crate::crypto::cbc::{RecordOpener, RecordSealer};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::rsa_kx;
use crate::crypto::suites::{SuiteParams, lookup};
use crate::error::PeerMisbehaved;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ClientCertificateType, Compression, ContentType, HandshakeType,
    ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::ServerExtension;
use crate::msgs::handshake::{
    CertificatePayload, CertificateRequestPayload, HandshakeMessage, HandshakePayload, Random,
    ServerHelloPayload, SessionId,
};
use crate::record::joiner::HandshakeJoiner;

const LEAF_KEY_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf.key");

/// What the scripted server does.
#[derive(Debug, Clone)]
struct Script {
    version: ProtocolVersion,
    suite: CipherSuite,
    ems: bool,
    etm: bool,
    certificate_request: bool,
    /// Accept the client's resumption offer (abbreviated handshake).
    resume: bool,
    /// Session id for a full handshake.
    session_id: Vec<u8>,
    /// Application data records sent after Finished.
    app_data: Vec<&'static [u8]>,
    /// HelloRequests sent in one record after the application data (renegotiation
    /// requests the client must refuse).
    hello_requests: usize,
    /// Send close_notify at the end.
    close: bool,
}

/// A server's record stream under construction.
struct Server {
    script: Script,
    suite: &'static SuiteParams,
    random: Random,
    client_random: Random,
    transcript: Transcript,
    sealer: Option<RecordSealer>,
    rng: FuzzRng,
    out: Vec<u8>,
}

fn record(out: &mut Vec<u8>, typ: ContentType, version: ProtocolVersion, body: &[u8]) {
    out.push(typ.get());
    out.extend_from_slice(&version.get().to_be_bytes());
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// Splits a TLS byte stream into records (test data, so indexing is fine).
fn records(mut bytes: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
    let mut v = Vec::new();
    while bytes.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        v.push((ContentType(bytes[0]), bytes[5..5 + len].to_vec()));
        bytes = &bytes[5 + len..];
    }
    assert!(bytes.is_empty());
    v
}

impl Server {
    fn new(script: Script, client_hello_record: &[u8]) -> Self {
        let recs = records(client_hello_record);
        assert_eq!(recs.len(), 1);
        let msg = HandshakeMessage::read_versioned(&recs[0].1, ProtocolVersion::TLSV1_2).unwrap();
        let HandshakePayload::ClientHello(ch) = &msg.payload else {
            panic!("not a ClientHello")
        };
        let mut transcript = Transcript::new();
        transcript.set_version(script.version).unwrap();
        transcript.add(&recs[0].1);
        let mut random = [0x53; 32];
        random[..4].copy_from_slice(&(NOW.as_secs() as u32).to_be_bytes());
        Self {
            suite: lookup(script.suite).unwrap(),
            script,
            random: Random(random),
            client_random: ch.random,
            transcript,
            sealer: None,
            rng: FuzzRng::new(0x005e_4ee4),
            out: Vec::new(),
        }
    }

    fn handshake(&mut self, payload: HandshakePayload, into: &mut Vec<u8>) {
        let msg = HandshakeMessage::new(payload);
        let bytes = msg.get_encoding();
        self.transcript.add(&bytes);
        into.extend_from_slice(&bytes);
    }

    fn send(&mut self, typ: ContentType, body: &[u8]) {
        match &mut self.sealer {
            Some(s) => s
                .seal(typ, self.script.version, body, &mut self.out, &mut self.rng)
                .unwrap(),
            None => record(&mut self.out, typ, self.script.version, body),
        }
    }

    fn keys(&self, master: &MasterSecret) -> (RecordSealer, RecordOpener) {
        let (v, s) = (self.script.version, self.suite);
        let kb = keys::key_block(v, master, s, &self.client_random.0, &self.random.0);
        let etm = self.script.etm;
        (
            RecordSealer::new(
                s,
                v,
                kb.server_write_mac_key(),
                kb.server_write_key(),
                kb.server_write_iv(),
                etm,
            )
            .unwrap(),
            RecordOpener::new(
                s,
                v,
                kb.client_write_mac_key(),
                kb.client_write_key(),
                kb.client_write_iv(),
                etm,
            )
            .unwrap(),
        )
    }

    /// ServerHello .. ServerHelloDone (full) or ServerHello, CCS, Finished (resumed).
    fn first_flight(&mut self) -> Option<MasterSecret> {
        let mut extensions = vec![ServerExtension::RenegotiationInfo(Vec::new())];
        if self.script.ems {
            extensions.push(ServerExtension::ExtendedMasterSecret);
        }
        if self.script.etm {
            extensions.push(ServerExtension::EncryptThenMac);
        }
        let session_id = if self.script.resume {
            RESUME_SESSION_ID.to_vec()
        } else {
            self.script.session_id.clone()
        };
        let mut flight = Vec::new();
        let sh = ServerHelloPayload {
            server_version: self.script.version,
            random: self.random,
            session_id: SessionId::new(&session_id).unwrap(),
            cipher_suite: self.script.suite,
            compression_method: Compression::NULL,
            extensions,
            unknown_extensions: Default::default(),
        };
        self.handshake(HandshakePayload::ServerHello(sh), &mut flight);
        if self.script.resume {
            self.send(ContentType::HANDSHAKE, &flight);
            let master = MasterSecret::from_bytes(RESUME_MASTER_SECRET);
            let (sealer, _) = self.keys(&master);
            self.server_finished(&master, sealer);
            return Some(master);
        }
        let chain = vec![first_der(PKI_LEAF_PEM), first_der(PKI_INTERMEDIATE_PEM)];
        self.handshake(
            HandshakePayload::Certificate(CertificatePayload(chain)),
            &mut flight,
        );
        if self.script.certificate_request {
            let tls12 = self.script.version == ProtocolVersion::TLSV1_2;
            let req = CertificateRequestPayload {
                certificate_types: vec![ClientCertificateType::RSA_SIGN],
                sigalgs: tls12.then(|| vec![SignatureScheme::RSA_PKCS1_SHA256]),
                authorities: vec![],
            };
            self.handshake(HandshakePayload::CertificateRequest(req), &mut flight);
        }
        self.handshake(HandshakePayload::ServerHelloDone, &mut flight);
        self.send(ContentType::HANDSHAKE, &flight);
        None
    }

    fn server_finished(&mut self, master: &MasterSecret, sealer: RecordSealer) {
        self.send(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        self.sealer = Some(sealer);
        let hash = self.transcript.current_hash();
        let vd = keys::verify_data(
            self.script.version,
            master,
            b"server finished",
            hash.as_ref(),
        );
        let mut fin = Vec::new();
        self.handshake(HandshakePayload::Finished(vd.to_vec()), &mut fin);
        self.send(ContentType::HANDSHAKE, &fin);
    }

    /// Reads the client's key exchange flight; sends CCS + Finished (full handshake).
    fn second_flight(&mut self, client_bytes: &[u8]) {
        let key_pem = PrivatePkcs8KeyDer::from_pem_slice(LEAF_KEY_PEM).unwrap();
        let key = PrivateKey::from_pkcs8_der(key_pem.secret_pkcs8_der()).unwrap();
        let mut joiner = HandshakeJoiner::new();
        let mut opener = None;
        let mut master = None;
        for (typ, mut body) in records(client_bytes) {
            match typ {
                ContentType::CHANGE_CIPHER_SPEC => {
                    assert_eq!(body, [1]);
                    let m = master.as_ref().expect("CCS after the key exchange");
                    opener = Some(self.keys(m).1);
                }
                ContentType::HANDSHAKE => {
                    let plain = match &mut opener {
                        Some(o) => o
                            .open(typ, self.script.version, &mut body)
                            .unwrap()
                            .to_vec(),
                        None => body,
                    };
                    joiner.push(&plain).unwrap();
                    while let Some(raw) = joiner.pop() {
                        let raw = raw.to_vec();
                        let msg =
                            HandshakeMessage::read_versioned(&raw, self.script.version).unwrap();
                        match msg.payload {
                            HandshakePayload::Certificate(c) => assert!(c.0.is_empty()),
                            HandshakePayload::ClientKeyExchange(cke) => {
                                self.transcript.add(&raw);
                                let pms =
                                    rsa_kx::decrypt_pkcs1v15(&key, &cke.0, &mut self.rng).unwrap();
                                assert_eq!(pms.len(), 48);
                                let v = self.script.version;
                                master = Some(if self.script.ems {
                                    let h = self.transcript.current_hash();
                                    keys::extended_master_secret(v, &pms, h.as_ref())
                                } else {
                                    keys::master_secret(
                                        v,
                                        &pms,
                                        &self.client_random.0,
                                        &self.random.0,
                                    )
                                });
                                continue;
                            }
                            HandshakePayload::Finished(vd) => {
                                let m = master.as_ref().unwrap();
                                let h = self.transcript.current_hash();
                                let want = keys::verify_data(
                                    self.script.version,
                                    m,
                                    b"client finished",
                                    h.as_ref(),
                                );
                                assert_eq!(vd, want, "client Finished verifies");
                            }
                            other => panic!("unexpected {other:?}"),
                        }
                        self.transcript.add(&raw);
                    }
                }
                other => panic!("unexpected record type {other:?}"),
            }
        }
        let master = master.expect("the client sent its key exchange");
        let (sealer, _) = self.keys(&master);
        self.server_finished(&master, sealer);
    }

    fn trailer(&mut self) {
        for data in self.script.app_data.clone() {
            self.send(ContentType::APPLICATION_DATA, data);
        }
        if self.script.hello_requests > 0 {
            let requests = [0u8; 4].repeat(self.script.hello_requests);
            for chunk in requests.chunks(16384) {
                self.send(ContentType::HANDSHAKE, chunk);
            }
        }
        if self.script.close {
            self.send(
                ContentType::ALERT,
                &[1, AlertDescription::CLOSE_NOTIFY.get()],
            );
        }
    }
}

/// Runs the client interactively against the scripted server; returns everything the
/// server sent (the seed's flight).
fn record_flight(setup: ClientSetup, script: Script) -> Vec<u8> {
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let mut conn = setup.connect(&mut rng);
    let hello = conn.pending_tls().to_vec();
    conn.consume_tls(hello.len());
    let mut server = Server::new(script.clone(), &hello);
    let resumed = server.first_flight().is_some();
    let first = core::mem::take(&mut server.out);
    assert_eq!(conn.read_tls_bytes(&first), first.len());
    conn.process(NOW, &mut rng).unwrap();
    let client_flight = conn.pending_tls().to_vec();
    conn.consume_tls(client_flight.len());
    if !resumed {
        server.second_flight(&client_flight);
    }
    server.trailer();
    let mut flight = first;
    flight.extend_from_slice(&server.out);
    flight
}

struct Seed {
    name: &'static str,
    setup: u8,
    script: Script,
}

const HTTP_OK: &[u8] = b"HTTP/1.0 200 ok\r\n\r\nhello from the scripted server\n";

fn script(version: ProtocolVersion, suite: CipherSuite) -> Script {
    Script {
        version,
        suite,
        ems: false,
        etm: false,
        certificate_request: false,
        resume: false,
        session_id: vec![0x17; 32],
        app_data: vec![HTTP_OK],
        hello_requests: 0,
        close: true,
    }
}

/// The committed `client` seeds: name, setup byte, what the server does.
fn client_seeds() -> Vec<Seed> {
    use CipherSuite as S;
    use ProtocolVersion as V;
    vec![
        Seed {
            // TLS 1.2 only, EMS + ETM, whole input at once.
            name: "hs-tls12-ems-etm-aes128sha256",
            setup: 0b0000_1100,
            script: Script {
                ems: true,
                etm: true,
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_128_CBC_SHA256)
            },
        },
        Seed {
            // TLS 1.2, nothing optional offered, empty session id, two data records.
            name: "hs-tls12-plain-aes256sha",
            setup: 0b1100_0000,
            script: Script {
                session_id: vec![],
                app_data: vec![HTTP_OK, b"second record"],
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_256_CBC_SHA)
            },
        },
        Seed {
            // TLS 1.0..=1.2 offered, server picks 1.0 (chained IVs, MAC-then-encrypt),
            // EMS; small chunks.
            name: "hs-tls10-ems-mte-aes128sha",
            setup: 0b0100_0101,
            script: Script {
                ems: true,
                ..script(V::TLSV1_0, S::TLS_RSA_WITH_AES_128_CBC_SHA)
            },
        },
        Seed {
            // TLS 1.1 only, ETM, CertificateRequest; recv_buf feeding.
            name: "hs-tls11-etm-certreq-aes256sha",
            setup: 0b1000_1011,
            script: Script {
                etm: true,
                certificate_request: true,
                ..script(V::TLSV1_1, S::TLS_RSA_WITH_AES_256_CBC_SHA)
            },
        },
        Seed {
            // TLS 1.2 CertificateRequest (with sigalgs), EMS + ETM offered, only ETM taken.
            name: "hs-tls12-certreq-etm-only",
            setup: 0b0000_1100,
            script: Script {
                etm: true,
                certificate_request: true,
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_128_CBC_SHA)
            },
        },
        Seed {
            // Abbreviated handshake resuming the fixed session (TLS 1.2, EMS).
            name: "resume-tls12-ems",
            setup: 0b0001_0100,
            script: Script {
                ems: true,
                resume: true,
                ..script(V::TLSV1_2, RESUME_SUITE)
            },
        },
        Seed {
            // Resumption offered at TLS 1.0 (no EMS), server declines: full handshake.
            name: "resume-declined-tls10",
            setup: 0b0101_0010,
            script: script(V::TLSV1_0, S::TLS_RSA_WITH_AES_128_CBC_SHA),
        },
        Seed {
            // Handshake completes; the connection then ends without close_notify.
            name: "hs-tls12-no-close",
            setup: 0b0000_0000,
            script: Script {
                close: false,
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_128_CBC_SHA)
            },
        },
    ]
}

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn write_seeds() -> bool {
    std::env::var_os("LUCID_WRITE_FUZZ_SEEDS").is_some()
}

fn check_complete(name: &str, setup: ClientSetup, flight: &[u8], script: &Script) {
    let out = drive_client(setup, flight);
    assert!(out.error.is_none(), "{name}: {out:?}");
    assert!(out.handshake_done, "{name}: {out:?}");
    let want: Vec<u8> = script.app_data.concat();
    assert_eq!(out.plaintext_len, want.len(), "{name}");
    assert_eq!(out.plaintext_head, want[..want.len().min(64)], "{name}");
    if script.close {
        assert_eq!(out.eof, Some(Ok(())), "{name}");
    } else {
        assert_eq!(out.eof, Some(Err(crate::Error::UnexpectedEof)), "{name}");
    }
    // The harness's request went out after the handshake (at least one more record).
    assert!(out.sent > CLIENT_REQUEST.len(), "{name}");
}

#[test]
fn scripted_server_flights_complete_handshakes() {
    for seed in client_seeds() {
        let setup = ClientSetup { byte: seed.setup };
        let flight = record_flight(setup, seed.script.clone());
        check_complete(seed.name, setup, &flight, &seed.script);
        // Every feed mode replays the same flight to the same end.
        for feed in 0..4u8 {
            let other = ClientSetup {
                byte: seed.setup & 0x3f | feed << 6,
            };
            check_complete(seed.name, other, &flight, &seed.script);
        }
        if write_seeds() {
            let mut file = vec![seed.setup];
            file.extend_from_slice(&flight);
            let dir = corpus_dir("client");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(seed.name), file).unwrap();
        }
    }
}

/// The committed recordings still drive the current client to the end of a handshake.
#[test]
fn committed_client_seeds_complete_their_handshakes() {
    let dir = corpus_dir("client");
    let mut checked = 0;
    for seed in client_seeds() {
        let path = dir.join(seed.name);
        let Ok(bytes) = std::fs::read(&path) else {
            panic!(
                "{} is missing: regenerate with LUCID_WRITE_FUZZ_SEEDS=1",
                path.display()
            )
        };
        let (setup, flight) = bytes.split_first().unwrap();
        assert_eq!(*setup, seed.setup, "{}", seed.name);
        check_complete(
            seed.name,
            ClientSetup { byte: *setup },
            flight,
            &seed.script,
        );
        checked += 1;
    }
    assert_eq!(checked, client_seeds().len());
}

/// A target name and its entry point.
type Entry = (&'static str, fn(&[u8]));

/// Every committed seed of every target runs through its entry point without a panic.
#[test]
fn committed_seeds_run_cleanly() {
    let targets: &[Entry] = &[
        ("deframer", super::deframer),
        ("handshake_messages", super::handshake_messages),
        ("x509", super::x509),
        ("cbc_open", super::cbc_open),
        ("client", super::client),
        ("server", super::server),
        ("alloc_bound", |data| {
            for b in super::ALLOC_BOUND_RUNS {
                (b.run)(data);
            }
        }),
    ];
    for (target, run) in targets {
        let dir = corpus_dir(target);
        let mut n = 0;
        let mut total = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            total += bytes.len();
            run(&bytes);
            n += 1;
        }
        assert!(n >= 3, "{target}: only {n} seeds");
        assert!(total < 100 * 1024, "{target}: seeds take {total} bytes");
    }
}

/// A server that answers the handshake with a flood of HelloRequests: lucid refuses each
/// with a no_renegotiation warning, and those answers must not pile up without bound in
/// the send buffer (the caller drains it only between `process` calls).
#[test]
fn hello_request_flood_does_not_grow_the_send_buffer() {
    let setup = ClientSetup { byte: 0 };
    let tls12 = Script {
        hello_requests: 4096,
        ..script(
            ProtocolVersion::TLSV1_2,
            CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        )
    };
    let flight = record_flight(setup, tls12);
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let mut conn = setup.connect(&mut rng);
    let n = conn.pending_tls().len();
    conn.consume_tls(n);
    let mut rest = &flight[..];
    let mut most = 0;
    let mut result = Ok(());
    while !rest.is_empty() && result.is_ok() {
        let taken = conn.read_tls_bytes(rest);
        rest = &rest[taken..];
        result = conn.process(NOW, &mut rng).map(|_| ());
        while conn.read_plaintext(&mut [0u8; 4096]) > 0 {}
        most = most.max(conn.pending_tls().len());
        let n = conn.pending_tls().len();
        conn.consume_tls(n);
    }
    // Found in review: each HelloRequest was answered, 217,088 bytes queued by one
    // `process` call. Now 8 refusals, then the connection ends (conn.rs).
    assert_eq!(
        result,
        Err(PeerMisbehaved::Other("repeated renegotiation attempts").into())
    );
    assert!(most < 2048, "one process call queued {most} bytes");
}

/// Seeds for the other targets (written with LUCID_WRITE_FUZZ_SEEDS, like the client's).
#[test]
fn write_other_seeds() {
    if !write_seeds() {
        return;
    }
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };

    // handshake_messages: a selector byte, then the message (taken from real flights).
    let flight = record_flight(
        ClientSetup { byte: 0b0000_1100 },
        Script {
            ems: true,
            etm: true,
            certificate_request: true,
            ..script(
                ProtocolVersion::TLSV1_2,
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
            )
        },
    );
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let conn = ClientSetup { byte: 0b0010_1101 }.connect(&mut rng);
    let hello = records(conn.pending_tls()).remove(0).1;
    write(
        "handshake_messages",
        "client_hello",
        &[&[2u8][..], &hello].concat(),
    );
    let first = &records(&flight)[0].1;
    let mut joiner = HandshakeJoiner::new();
    joiner.push(first).unwrap();
    while let Some(raw) = joiner.pop() {
        let name = HandshakeType(raw[0])
            .name()
            .unwrap_or("unknown")
            .replace(' ', "_");
        write("handshake_messages", &name, &[&[2u8][..], raw].concat());
    }
    write(
        "handshake_messages",
        "client_ext_sni",
        &[
            3, 0, 0, 0, 14, 0, 12, 0, 0, 9, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't',
        ],
    );
    write(
        "handshake_messages",
        "server_ext_reneg",
        &[4, 0xff, 1, 0, 1, 0],
    );
    write("handshake_messages", "alert", &[5, 2, 40]);
    // AES128-SHA and the renegotiation SCSV (which a lucid server requires), 16-byte
    // challenge.
    let mut v2 = vec![
        6u8, 0x80, 0x1f, 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10,
    ];
    v2.extend_from_slice(&[0x00, 0x00, 0x2f, 0x00, 0x00, 0xff]);
    v2.extend_from_slice(&[0x5a; 16]);
    write("handshake_messages", "sslv2_client_hello", &v2);
    // server: the same SSLv2-compatible hello as a first flight (TLS 1.0..=1.2 server).
    write(
        "server",
        "sslv2_client_hello",
        &[&[0b0000_0001u8][..], &v2[1..]].concat(),
    );
    write("handshake_messages", "ccs", &[7, 1]);

    // x509: flags, then length-prefixed DER.
    let leaf = first_der(PKI_LEAF_PEM);
    let inter = first_der(PKI_INTERMEDIATE_PEM);
    let framed = |flags: u8, certs: &[&[u8]]| {
        let mut out = vec![flags];
        for c in certs {
            crate::codec::put_vec(&mut out, crate::codec::ListLength::U16, c);
        }
        out
    };
    write("x509", "pki_localhost", &framed(0x00, &[&leaf, &inter]));
    write("x509", "pki_ip_no_intermediate", &framed(0x04, &[&leaf]));
    write(
        "x509",
        "pki_no_name_reversed",
        &framed(0x0c, &[&inter, &leaf]),
    );
    write("x509", "single_leaf", &[&[0x20u8][..], &leaf].concat());
    write("x509", "dns_match", b"\x30*.example.coma.example.com");
    let cases = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases");
    let case = |name: &str| first_der(&std::fs::read(cases.join(name)).unwrap());
    let cases_inter = case("intermediate.pem");
    write(
        "x509",
        "case_good",
        &framed(0x08, &[&case("good.pem"), &cases_inter]),
    );
    write(
        "x509",
        "case_nc",
        &framed(0x0c, &[&case("nc-ok.pem"), &case("nc-ca.pem")]),
    );
    write(
        "x509",
        "case_sha1",
        &framed(0x0d, &[&case("sha1.pem"), &cases_inter]),
    );
    write(
        "x509",
        "case_cn_only",
        &framed(0x0e, &[&case("cn-only.pem"), &cases_inter]),
    );

    // alloc_bound: the worst cases measured for the bounds (a Certificate message at the
    // 64 KiB chain cap after a valid ServerHello; a 30 KB handshake message for the
    // deframer, which the fuzzer can grow) and an ordinary handshake.
    let tls12 = script(
        ProtocolVersion::TLSV1_2,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    );
    let flight = record_flight(ClientSetup { byte: 0 }, tls12);
    let first = &records(&flight)[0].1;
    let sh_len = 4 + usize::from(u16::from_be_bytes([first[2], first[3]]));
    let mut msgs = first[..sh_len].to_vec();
    let cert = vec![0x30u8; 65536 / 10 - 3];
    let chain = CertificatePayload(vec![cert; 10]);
    msgs.extend_from_slice(
        &HandshakeMessage::new(HandshakePayload::Certificate(chain)).get_encoding(),
    );
    let as_records = |msgs: &[u8]| {
        let mut out = Vec::new();
        for chunk in msgs.chunks(16384) {
            record(
                &mut out,
                ContentType::HANDSHAKE,
                ProtocolVersion::TLSV1_2,
                chunk,
            );
        }
        out
    };
    write(
        "alloc_bound",
        "client_max_certificate",
        &[&[0u8][..], &as_records(&msgs)].concat(),
    );
    let mut big = vec![12u8, 0, 0x75, 0x30];
    big.resize(4 + 30000, 0);
    write("alloc_bound", "deframer_30k_message", &as_records(&big));
    let mut ordinary = vec![0b0000_1100u8];
    ordinary.extend_from_slice(&record_flight(
        ClientSetup { byte: 0b0000_1100 },
        Script {
            ems: true,
            etm: true,
            ..script(
                ProtocolVersion::TLSV1_2,
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
            )
        },
    ));
    write("alloc_bound", "hs-tls12-ems-etm-aes128sha256", &ordinary);

    // cbc_open: configuration, type, then length-prefixed records.
    for (n, name) in [
        (0, "tls10_sha_mte"),
        (3, "tls11_sha_etm"),
        (13, "tls12_sha256_etm"),
        (14, "tls12_aes256sha256_mte"),
    ] {
        let body = super::cbc::sealed_body(n, ContentType::APPLICATION_DATA, b"hello, world");
        let mut input = vec![n as u8, ContentType::APPLICATION_DATA.get()];
        crate::codec::put_vec(&mut input, crate::codec::ListLength::U16, &body);
        write("cbc_open", name, &input);
    }
}

/// Client seeds recorded from `openssl s_server -www` (realistic ServerHello extensions,
/// record packing and HTML page): name, setup byte, extra s_server arguments.
const OPENSSL_SEEDS: &[(&str, u8, &[&str])] = &[
    (
        "openssl-tls12-ems-etm",
        0b0000_1100,
        &["-cipher", "AES128-SHA256", "-tls1_2"],
    ),
    (
        "openssl-tls10-aes256sha",
        0b0100_0110,
        &["-cipher", "AES256-SHA:@SECLEVEL=0", "-tls1"],
    ),
];

/// Records [`OPENSSL_SEEDS`] when `LUCID_RECORD_OPENSSL=1` (needs `openssl` on PATH): runs
/// the harness client interactively against `s_server` over loopback and saves what the
/// server sent.
#[test]
fn record_openssl_seeds() {
    use core::time::Duration;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    if std::env::var_os("LUCID_RECORD_OPENSSL").is_none() {
        return;
    }
    let pki = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pki");
    for (name, setup, args) in OPENSSL_SEEDS {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Command::new("openssl")
            .args(["s_server", "-www", "-accept"])
            .arg(alloc::format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(pki.join("leaf.pem"))
            .arg("-cert_chain")
            .arg(pki.join("intermediate.pem"))
            .arg("-key")
            .arg(pki.join("leaf.key"))
            .args(*args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut sock = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(_) if start.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("s_server did not start: {e}"),
            }
        };
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();

        let setup = ClientSetup { byte: *setup };
        let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
        let mut conn = setup.connect(&mut rng);
        let mut recorded = Vec::new();
        let mut wrote = false;
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let out = conn.pending_tls().to_vec();
            sock.write_all(&out).unwrap();
            conn.consume_tls(out.len());
            let n = sock.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            recorded.extend_from_slice(&buf[..n]);
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let taken = conn.read_tls_bytes(rest);
                rest = &rest[taken..];
                conn.process(NOW, &mut rng).unwrap();
                while conn.read_plaintext(&mut [0u8; 4096]) > 0 {
                    conn.process(NOW, &mut rng).unwrap();
                }
            }
            if !conn.is_handshaking() && !wrote {
                assert_eq!(conn.write_plaintext(CLIENT_REQUEST, &mut rng).unwrap(), 18);
                wrote = true;
            }
        }
        let _ = server.kill();
        let _ = server.wait();
        assert!(wrote, "{name}: the handshake did not complete");

        let out = drive_client(setup, &recorded);
        assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
        assert!(
            out.plaintext_head.starts_with(b"HTTP/1.0 200 ok"),
            "{name}: {out:?}"
        );
        let mut file = vec![setup.byte];
        file.extend_from_slice(&recorded);
        std::fs::write(corpus_dir("client").join(name), file).unwrap();
    }
}

/// With path validation instead of the pinned leaf and on-demand buffers (the
/// `alloc_bound` target's second client run), the same recordings still validate and
/// complete: that run reaches as deep.
#[test]
fn committed_openssl_seeds_complete_with_path_validation() {
    use super::client::{Verifier, drive_client_with};
    for (name, setup, _) in OPENSSL_SEEDS {
        let bytes = std::fs::read(corpus_dir("client").join(name)).unwrap();
        let out = drive_client_with(
            ClientSetup { byte: *setup },
            &bytes[1..],
            Verifier::PathValidation,
        );
        assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
    }
}

/// The committed openssl recordings still complete a handshake with the current client.
#[test]
fn committed_openssl_seeds_complete_their_handshakes() {
    for (name, setup, _) in OPENSSL_SEEDS {
        let bytes = std::fs::read(corpus_dir("client").join(name)).unwrap();
        assert_eq!(bytes[0], *setup);
        let out = drive_client(ClientSetup { byte: *setup }, &bytes[1..]);
        assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
        assert!(
            out.plaintext_head.starts_with(b"HTTP/1.0 200 ok"),
            "{name}: {out:?}"
        );
    }
}

/// The harness client against the harness server, in memory: returns (what the client
/// sent, what the server sent). Each side writes its reply once its handshake is done and
/// closes at the end, as the harness drivers do.
fn pair(client_setup: u8, server_setup: u8) -> (Vec<u8>, Vec<u8>) {
    use super::client::CLIENT_REQUEST;
    use super::server::{SERVER_RESPONSE, SERVER_RNG_SEED, ServerHarness, ServerSetup};
    let harness = ServerHarness::new();
    let mut crng = FuzzRng::new(CLIENT_RNG_SEED);
    let mut srng = FuzzRng::new(SERVER_RNG_SEED);
    let mut c = ClientSetup { byte: client_setup }.connect(&mut crng);
    let mut s = harness.connect(ServerSetup { byte: server_setup });
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    let (mut c_wrote, mut s_wrote) = (false, false);
    for _ in 0..20 {
        let bytes = c.pending_tls().to_vec();
        c.consume_tls(bytes.len());
        c2s.extend_from_slice(&bytes);
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = s.read_tls_bytes(rest);
            rest = &rest[n..];
            s.process(NOW, &mut srng).unwrap();
            while s.read_plaintext(&mut [0u8; 4096]) > 0 {
                s.process(NOW, &mut srng).unwrap();
            }
        }
        if !s.is_handshaking() && !s_wrote {
            s.write_plaintext(SERVER_RESPONSE, &mut srng).unwrap();
            s_wrote = true;
        }
        let bytes = s.pending_tls().to_vec();
        s.consume_tls(bytes.len());
        s2c.extend_from_slice(&bytes);
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = c.read_tls_bytes(rest);
            rest = &rest[n..];
            c.process(NOW, &mut crng).unwrap();
            while c.read_plaintext(&mut [0u8; 4096]) > 0 {
                c.process(NOW, &mut crng).unwrap();
            }
        }
        if !c.is_handshaking() && !c_wrote {
            c.write_plaintext(CLIENT_REQUEST, &mut crng).unwrap();
            c_wrote = true;
        }
        if c_wrote && s_wrote && !c.wants_write() && !s.wants_write() {
            break;
        }
    }
    assert!(
        c_wrote && s_wrote,
        "the in-memory handshake did not complete"
    );
    // Deliver the last application data, then both close.
    let last = c.pending_tls().to_vec();
    c.consume_tls(last.len());
    c2s.extend_from_slice(&last);
    c.send_close_notify(&mut crng);
    s.send_close_notify(&mut srng);
    c2s.extend_from_slice(c.pending_tls());
    s2c.extend_from_slice(s.pending_tls());
    (c2s, s2c)
}

/// In-memory lucid↔lucid recordings: name, client setup, server setup. `server` seeds are
/// what the client sent; `client` seeds (prefixed `lucid-`) what the server sent.
const PAIR_SEEDS: &[(&str, u8, u8)] = &[
    ("lucid-tls12-ems-etm", 0b0000_1100, 0b0000_1100),
    ("lucid-tls10-ems", 0b0100_0110, 0b0100_0101),
    ("lucid-tls11-etm", 0b1000_1011, 0b1000_1011),
    ("lucid-resume-tls12-ems", 0b0001_0100, 0b0001_0100),
    ("lucid-tls12-sha256-first", 0b1100_0000, 0b0011_0000),
];

fn check_server_complete(name: &str, setup: u8, flight: &[u8]) {
    use super::client::CLIENT_REQUEST;
    use super::server::{ServerHarness, ServerSetup};
    let out = ServerHarness::new().drive(ServerSetup { byte: setup }, flight);
    assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
    assert_eq!(out.plaintext_head, CLIENT_REQUEST, "{name}");
    assert_eq!(out.eof, Some(Ok(())), "{name}");
}

fn check_client_complete(name: &str, setup: u8, flight: &[u8]) {
    use super::server::SERVER_RESPONSE;
    let out = drive_client(ClientSetup { byte: setup }, flight);
    assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
    assert_eq!(out.plaintext_head, SERVER_RESPONSE, "{name}");
    assert_eq!(out.eof, Some(Ok(())), "{name}");
}

#[test]
fn lucid_pair_flights_replay_on_both_sides() {
    for (name, cs, ss) in PAIR_SEEDS {
        let (c2s, s2c) = pair(*cs, *ss);
        check_server_complete(name, *ss, &c2s);
        check_client_complete(name, *cs, &s2c);
        if write_seeds() {
            for (target, setup, flight) in [("server", ss, &c2s), ("client", cs, &s2c)] {
                let dir = corpus_dir(target);
                std::fs::create_dir_all(&dir).unwrap();
                let file = [&[*setup][..], flight].concat();
                std::fs::write(dir.join(name), file).unwrap();
            }
        }
    }
}

#[test]
fn committed_lucid_pair_seeds_replay() {
    for (name, cs, ss) in PAIR_SEEDS {
        let server = std::fs::read(corpus_dir("server").join(name)).unwrap();
        assert_eq!(server[0], *ss);
        check_server_complete(name, *ss, &server[1..]);
        let client = std::fs::read(corpus_dir("client").join(name)).unwrap();
        assert_eq!(client[0], *cs);
        check_client_complete(name, *cs, &client[1..]);
    }
}

/// Server seeds recorded from `openssl s_client` against the harness server over loopback
/// (a real-world ClientHello: many extensions, TLS 1.3 offers, ...): name, setup byte,
/// s_client arguments. Recorded with `LUCID_RECORD_OPENSSL=1`.
const OPENSSL_CLIENT_SEEDS: &[(&str, u8, &[&str])] = &[
    (
        "openssl-s_client-tls12",
        0b0000_1100,
        &["-cipher", "AES128-SHA256"],
    ),
    (
        "openssl-s_client-tls10",
        0b0100_0101,
        &["-cipher", "AES256-SHA:@SECLEVEL=0", "-tls1"],
    ),
];

#[test]
fn record_openssl_client_seeds() {
    use super::server::{SERVER_RESPONSE, SERVER_RNG_SEED, ServerHarness, ServerSetup};
    use core::time::Duration;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::process::{Command, Stdio};

    if std::env::var_os("LUCID_RECORD_OPENSSL").is_none() {
        return;
    }
    let harness = ServerHarness::new();
    for (name, setup, args) in OPENSSL_CLIENT_SEEDS {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut client = Command::new("openssl")
            .args(["s_client", "-quiet", "-connect"])
            .arg(alloc::format!("127.0.0.1:{port}"))
            .arg("-servername")
            .arg("localhost")
            .args(*args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        client
            .stdin
            .take()
            .unwrap()
            .write_all(CLIENT_REQUEST)
            .unwrap();
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut rng = FuzzRng::new(SERVER_RNG_SEED);
        let mut conn = harness.connect(ServerSetup { byte: *setup });
        let mut recorded = Vec::new();
        let mut wrote = false;
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = sock.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            recorded.extend_from_slice(&buf[..n]);
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let taken = conn.read_tls_bytes(rest);
                rest = &rest[taken..];
                conn.process(NOW, &mut rng).unwrap();
                while conn.read_plaintext(&mut [0u8; 4096]) > 0 {
                    conn.process(NOW, &mut rng).unwrap();
                }
            }
            if !conn.is_handshaking() && !wrote {
                conn.write_plaintext(SERVER_RESPONSE, &mut rng).unwrap();
                wrote = true;
            }
            if wrote && conn.plaintext().is_empty() {
                // The request has arrived (or will not): answer and close.
                conn.send_close_notify(&mut rng);
            }
            let out = conn.pending_tls().to_vec();
            sock.write_all(&out).unwrap();
            conn.consume_tls(out.len());
            if conn.peer_has_closed() {
                break;
            }
        }
        drop(sock);
        let _ = client.kill();
        let _ = client.wait();
        assert!(wrote, "{name}: the handshake did not complete");
        let out = harness.drive(ServerSetup { byte: *setup }, &recorded);
        assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
        let file = [&[*setup][..], &recorded].concat();
        std::fs::write(corpus_dir("server").join(name), file).unwrap();
    }
}

#[test]
fn committed_openssl_client_seeds_complete_their_handshakes() {
    use super::server::{ServerHarness, ServerSetup};
    // Both record-buffer configurations (the second is an `alloc_bound` run).
    for harness in [ServerHarness::new(), ServerHarness::on_demand()] {
        for (name, setup, _) in OPENSSL_CLIENT_SEEDS {
            let bytes = std::fs::read(corpus_dir("server").join(name)).unwrap();
            assert_eq!(bytes[0], *setup);
            let out = harness.drive(ServerSetup { byte: *setup }, &bytes[1..]);
            assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
        }
    }
}

#[test]
fn committed_sslv2_server_seed_is_answered() {
    use super::server::{ServerHarness, ServerSetup};
    let bytes = std::fs::read(corpus_dir("server").join("sslv2_client_hello")).unwrap();
    let out = ServerHarness::new().drive(ServerSetup { byte: bytes[0] }, &bytes[1..]);
    assert!(out.error.is_none(), "{out:?}");
    // ServerHello, Certificate (two certificates), ServerHelloDone.
    assert!(out.sent > 1500, "{out:?}");
    assert_eq!(out.eof, Some(Err(crate::Error::UnexpectedEof)));
}
