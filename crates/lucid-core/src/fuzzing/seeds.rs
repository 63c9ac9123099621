//! Seed corpora for the fuzz targets, produced in memory, and the checks that keep the
//! committed ones working (the tests are in `seeds_test.rs`).
//!
//! The `client` seeds are whole server byte streams recorded against the deterministic
//! harness client by the scripted server ([`ScriptedPeer`], with the testdata/pki chain
//! and key). Because the client is deterministic, replaying a recording drives it through
//! the handshake, application data and close_notify — a change to the client (say, a new
//! ClientHello extension) that makes a committed recording stale fails `cargo test`.
//!
//! `cargo xtask fuzz seeds` writes [`generate`]'s seeds to `fuzz/corpus/TARGET/NAME`
//! (deterministic: the committed files come out byte for byte); with `--record-openssl`
//! it also records [`OPENSSL_S_SERVER_SEEDS`] and [`OPENSSL_S_CLIENT_SEEDS`] against real
//! `openssl s_server`/`s_client` over loopback, driving [`harness_client`] and
//! [`harness_server`], and keeps a recording only if [`check_s_server_recording`] or
//! [`check_s_client_recording`] accepts it (as the replay tests will).

#![allow(
    clippy::indexing_slicing,
    reason = "test support, never reached from a fuzz entry point: it indexes the flights it recorded itself, and a panic names the broken assumption"
)]

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::client::{
    CLIENT_REQUEST, CLIENT_RNG_SEED, ClientSetup, RESUME_MASTER_SECRET, RESUME_SESSION_ID,
    RESUME_SUITE, drive_client,
};
use super::rng::FuzzRng;
use super::script::{ScriptedPeer, parse_records, plain_record};
use super::server::{SERVER_RESPONSE, SERVER_RNG_SEED, ServerHarness, ServerSetup};
use super::x509::{NOW, PKI_INTERMEDIATE_PEM, PKI_LEAF_PEM, first_der};
use crate::codec::{ListLength, put_vec};
use crate::crypto::keys::MasterSecret;
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
use crate::{ClientConnection, ServerConnection};

/// Seed of the scripted server's RNG (explicit IVs, RSA blinding).
const SCRIPTED_SERVER_RNG_SEED: u64 = 0x005e_4ee4;

/// One seed file: `fuzz/corpus/{target}/{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The fuzz target (a directory under `fuzz/corpus/`).
    pub target: &'static str,
    /// The file name.
    pub name: String,
    /// The file's contents (the whole fuzz input).
    pub bytes: Vec<u8>,
}

/// What the scripted server does.
#[derive(Debug, Clone)]
pub(crate) struct ServerScript {
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: CipherSuite,
    pub(crate) ems: bool,
    pub(crate) etm: bool,
    pub(crate) certificate_request: bool,
    /// Accept the client's resumption offer (abbreviated handshake).
    pub(crate) resume: bool,
    /// Session id for a full handshake.
    pub(crate) session_id: Vec<u8>,
    /// Application data records sent after Finished.
    pub(crate) app_data: Vec<&'static [u8]>,
    /// HelloRequests sent in one record after the application data (renegotiation
    /// requests the client must refuse).
    pub(crate) hello_requests: usize,
    /// Send close_notify at the end.
    pub(crate) close: bool,
}

/// ServerHello .. ServerHelloDone (full) or ServerHello, CCS, Finished (resumed).
fn first_flight(server: &mut ScriptedPeer<FuzzRng>, script: &ServerScript) -> Vec<u8> {
    let mut extensions = vec![ServerExtension::RenegotiationInfo(Vec::new())];
    if script.ems {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if script.etm {
        extensions.push(ServerExtension::EncryptThenMac);
    }
    let session_id = if script.resume {
        RESUME_SESSION_ID.to_vec()
    } else {
        script.session_id.clone()
    };
    let mut random = [0x53; 32];
    random[..4].copy_from_slice(&(NOW.as_secs() as u32).to_be_bytes());
    let sh = ServerHelloPayload {
        server_version: script.version,
        random: Random(random),
        session_id: SessionId::new(&session_id).unwrap(),
        cipher_suite: script.suite,
        compression_method: Compression::NULL,
        extensions,
        unknown_extensions: Default::default(),
    };
    if script.resume {
        let hello = server.hello_msg(&sh);
        let mut out = server.record(ContentType::HANDSHAKE, &hello);
        server.derive_keys(MasterSecret::from_bytes(RESUME_MASTER_SECRET));
        out.extend(server.ccs());
        out.extend(server.finished());
        return out;
    }
    let request = script
        .certificate_request
        .then(|| CertificateRequestPayload {
            certificate_types: vec![ClientCertificateType::RSA_SIGN],
            sigalgs: (script.version == ProtocolVersion::TLSV1_2)
                .then(|| vec![SignatureScheme::RSA_PKCS1_SHA256]),
            authorities: vec![],
        });
    server.first_flight(&sh, request)
}

/// Runs the client interactively against the scripted server; returns everything the
/// server sent (the seed's flight).
pub(crate) fn record_flight(setup: ClientSetup, script: ServerScript) -> Vec<u8> {
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let mut conn = setup.connect(&mut rng);
    let hello = conn.pending_tls().to_vec();
    conn.consume_tls(hello.len());
    let mut server = ScriptedPeer::server(FuzzRng::new(SCRIPTED_SERVER_RNG_SEED), &hello);
    let mut flight = first_flight(&mut server, &script);
    assert_eq!(conn.read_tls_bytes(&flight), flight.len());
    conn.process(NOW, &mut rng).unwrap();
    let client_flight = conn.pending_tls().to_vec();
    conn.consume_tls(client_flight.len());
    server.receive(&client_flight);
    assert!(server.peer_finished, "the client's Finished verifies");
    if !script.resume {
        flight.extend(server.ccs());
        flight.extend(server.finished());
    }
    for data in &script.app_data {
        flight.extend(server.record(ContentType::APPLICATION_DATA, data));
    }
    if script.hello_requests > 0 {
        let requests = [0u8; 4].repeat(script.hello_requests);
        flight.extend(server.record(ContentType::HANDSHAKE, &requests));
    }
    if script.close {
        let alert = [1, AlertDescription::CLOSE_NOTIFY.get()];
        flight.extend(server.record(ContentType::ALERT, &alert));
    }
    flight
}

/// A committed `client` seed from the scripted server: name, setup byte, what it does.
pub(crate) struct ClientSeed {
    pub(crate) name: &'static str,
    pub(crate) setup: u8,
    pub(crate) script: ServerScript,
}

const HTTP_OK: &[u8] = b"HTTP/1.0 200 ok\r\n\r\nhello from the scripted server\n";

pub(crate) fn script(version: ProtocolVersion, suite: CipherSuite) -> ServerScript {
    ServerScript {
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

/// The committed `client` seeds of the scripted server.
pub(crate) fn client_seeds() -> Vec<ClientSeed> {
    use CipherSuite as S;
    use ProtocolVersion as V;
    vec![
        ClientSeed {
            // TLS 1.2 only, EMS + ETM, whole input at once.
            name: "hs-tls12-ems-etm-aes128sha256",
            setup: 0b0000_1100,
            script: ServerScript {
                ems: true,
                etm: true,
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_128_CBC_SHA256)
            },
        },
        ClientSeed {
            // TLS 1.2, nothing optional offered, empty session id, two data records.
            name: "hs-tls12-plain-aes256sha",
            setup: 0b1100_0000,
            script: ServerScript {
                session_id: vec![],
                app_data: vec![HTTP_OK, b"second record"],
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_256_CBC_SHA)
            },
        },
        ClientSeed {
            // TLS 1.0..=1.2 offered, server picks 1.0 (chained IVs, MAC-then-encrypt),
            // EMS; small chunks.
            name: "hs-tls10-ems-mte-aes128sha",
            setup: 0b0100_0101,
            script: ServerScript {
                ems: true,
                ..script(V::TLSV1_0, S::TLS_RSA_WITH_AES_128_CBC_SHA)
            },
        },
        ClientSeed {
            // TLS 1.1 only, ETM, CertificateRequest; recv_buf feeding.
            name: "hs-tls11-etm-certreq-aes256sha",
            setup: 0b1000_1011,
            script: ServerScript {
                etm: true,
                certificate_request: true,
                ..script(V::TLSV1_1, S::TLS_RSA_WITH_AES_256_CBC_SHA)
            },
        },
        ClientSeed {
            // TLS 1.2 CertificateRequest (with sigalgs), EMS + ETM offered, only ETM taken.
            name: "hs-tls12-certreq-etm-only",
            setup: 0b0000_1100,
            script: ServerScript {
                etm: true,
                certificate_request: true,
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_128_CBC_SHA)
            },
        },
        ClientSeed {
            // Abbreviated handshake resuming the fixed session (TLS 1.2, EMS).
            name: "resume-tls12-ems",
            setup: 0b0001_0100,
            script: ServerScript {
                ems: true,
                resume: true,
                ..script(V::TLSV1_2, RESUME_SUITE)
            },
        },
        ClientSeed {
            // Resumption offered at TLS 1.0 (no EMS), server declines: full handshake.
            name: "resume-declined-tls10",
            setup: 0b0101_0010,
            script: script(V::TLSV1_0, S::TLS_RSA_WITH_AES_128_CBC_SHA),
        },
        ClientSeed {
            // Handshake completes; the connection then ends without close_notify.
            name: "hs-tls12-no-close",
            setup: 0b0000_0000,
            script: ServerScript {
                close: false,
                ..script(V::TLSV1_2, S::TLS_RSA_WITH_AES_128_CBC_SHA)
            },
        },
    ]
}

/// The harness client against the harness server, in memory: returns (what the client
/// sent, what the server sent). Each side writes its reply once its handshake is done and
/// closes at the end, as the harness drivers do.
pub(crate) fn pair(client_setup: u8, server_setup: u8) -> (Vec<u8>, Vec<u8>) {
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
pub(crate) const PAIR_SEEDS: &[(&str, u8, u8)] = &[
    ("lucid-tls12-ems-etm", 0b0000_1100, 0b0000_1100),
    ("lucid-tls10-ems", 0b0100_0110, 0b0100_0101),
    ("lucid-tls11-etm", 0b1000_1011, 0b1000_1011),
    ("lucid-resume-tls12-ems", 0b0001_0100, 0b0001_0100),
    ("lucid-tls12-ecdhe-gcm", 0b1100_0000, 0b0011_0000),
    ("lucid-tls12-ecdhe-gcm-ems", 0b0000_1100, 0b0010_1100),
    ("lucid-tls10-ecdhe-cbc", 0b0100_0110, 0b0110_0101),
    ("lucid-tls11-ecdhe-cbc-etm", 0b1000_1011, 0b1010_1011),
];

/// A recording against openssl: a seed name, the harness's setup byte, extra openssl
/// arguments.
#[derive(Debug, Clone, Copy)]
pub struct OpensslSeed {
    /// The file name.
    pub name: &'static str,
    /// The harness's setup byte (the file's first byte).
    pub setup: u8,
    /// Arguments for `openssl s_server` / `s_client` after the fixed ones.
    pub args: &'static [&'static str],
}

/// `client` seeds recorded from `openssl s_server -www` (realistic ServerHello
/// extensions, record packing and HTML page) answering [`harness_client`].
pub const OPENSSL_S_SERVER_SEEDS: &[OpensslSeed] = &[
    OpensslSeed {
        name: "openssl-tls12-ems-etm",
        setup: 0b0000_1100,
        args: &["-cipher", "AES128-SHA256", "-tls1_2"],
    },
    OpensslSeed {
        name: "openssl-tls10-aes256sha",
        setup: 0b0100_0110,
        args: &["-cipher", "AES256-SHA:@SECLEVEL=0", "-tls1"],
    },
    OpensslSeed {
        name: "openssl-tls12-ecdhe-gcm-x25519",
        setup: 0b0000_1100,
        args: &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-tls1_2"],
    },
    OpensslSeed {
        name: "openssl-tls12-ecdhe-cbc-sha384-p256",
        setup: 0b0000_1100,
        args: &[
            "-cipher",
            "ECDHE-RSA-AES256-SHA384",
            "-groups",
            "P-256",
            "-tls1_2",
        ],
    },
    OpensslSeed {
        name: "openssl-tls10-ecdhe-cbc-p384",
        setup: 0b0100_0110,
        args: &[
            "-cipher",
            "ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
            "-groups",
            "P-384",
            "-tls1",
        ],
    },
    OpensslSeed {
        // s_server asks for a client certificate: the harness client answers with its
        // ECDSA chain and CertificateVerify.
        name: "openssl-tls12-ecdhe-gcm-client-cert",
        setup: 0b0000_1100,
        args: &[
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "-tls1_2",
            "-verify",
            "1",
            "-CAfile",
            "testdata/ecdsa/p256-root.pem",
        ],
    },
    OpensslSeed {
        name: "openssl-tls10-client-cert",
        setup: 0b0100_0110,
        args: &[
            "-cipher",
            "AES128-SHA:@SECLEVEL=0",
            "-tls1",
            "-Verify",
            "1",
            "-CAfile",
            "testdata/ecdsa/p256-root.pem",
        ],
    },
    OpensslSeed {
        name: "openssl-tls12-dhe-gcm",
        setup: 0b0000_1100,
        args: &["-cipher", "DHE-RSA-AES128-GCM-SHA256", "-tls1_2"],
    },
    OpensslSeed {
        name: "openssl-tls10-dhe-cbc",
        setup: 0b0100_0110,
        args: &["-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0", "-tls1"],
    },
    OpensslSeed {
        name: "openssl-tls12-rsa-gcm",
        setup: 0b0000_0100,
        args: &["-cipher", "AES128-GCM-SHA256", "-tls1_2"],
    },
];

/// `server` seeds recorded from `openssl s_client` talking to [`harness_server`] (a
/// real-world ClientHello: many extensions, TLS 1.3 offers, ...).
pub const OPENSSL_S_CLIENT_SEEDS: &[OpensslSeed] = &[
    OpensslSeed {
        name: "openssl-s_client-tls12",
        setup: 0b0000_1100,
        args: &["-cipher", "AES128-SHA256"],
    },
    OpensslSeed {
        name: "openssl-s_client-tls10",
        setup: 0b0100_0101,
        args: &["-cipher", "AES256-SHA:@SECLEVEL=0", "-tls1"],
    },
    OpensslSeed {
        name: "openssl-s_client-tls12-ecdhe-gcm",
        setup: 0b0000_1100,
        args: &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-tls1_2"],
    },
    OpensslSeed {
        name: "openssl-s_client-tls12-ecdhe-sha384-p384",
        setup: 0b0000_1100,
        args: &[
            "-cipher",
            "ECDHE-RSA-AES256-SHA384",
            "-groups",
            "P-384",
            "-tls1_2",
        ],
    },
    OpensslSeed {
        // Setup bit 5: the harness server asks for a client certificate; s_client sends
        // testdata/ecdsa/p256-client and a CertificateVerify.
        name: "openssl-s_client-tls12-client-cert",
        setup: 0b0010_1100,
        args: &[
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "-tls1_2",
            "-cert",
            "testdata/ecdsa/p256-client.pem",
            "-cert_chain",
            "testdata/ecdsa/p256-intermediate.pem",
            "-key",
            "testdata/ecdsa/p256-client.key",
        ],
    },
    OpensslSeed {
        name: "openssl-s_client-tls10-client-cert-rsa-kx",
        setup: 0b0110_0101,
        args: &[
            "-cipher",
            "AES128-SHA:@SECLEVEL=0",
            "-tls1",
            "-cert",
            "testdata/ecdsa/p256-client.pem",
            "-cert_chain",
            "testdata/ecdsa/p256-intermediate.pem",
            "-key",
            "testdata/ecdsa/p256-client.key",
        ],
    },
    OpensslSeed {
        name: "openssl-s_client-tls12-dhe-gcm",
        setup: 0b0000_1100,
        args: &["-cipher", "DHE-RSA-AES128-GCM-SHA256", "-tls1_2"],
    },
    OpensslSeed {
        name: "openssl-s_client-tls10-dhe-cbc",
        setup: 0b0100_0101,
        args: &["-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0", "-tls1"],
    },
    OpensslSeed {
        name: "openssl-s_client-tls10-ecdhe-p256",
        setup: 0b0100_0101,
        args: &[
            "-cipher",
            "ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
            "-groups",
            "P-256",
            "-tls1",
        ],
    },
];

/// The `client` harness's connection for `setup` and its RNG, the ClientHello queued:
/// what a recording drives against a real server. Write [`CLIENT_REQUEST`] once the
/// handshake is done; the recording is `setup` followed by every byte the server sent.
pub fn harness_client(setup: u8) -> (ClientConnection, FuzzRng) {
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let conn = ClientSetup { byte: setup }.connect(&mut rng);
    (conn, rng)
}

/// The `server` harness's connection for `setup` and its RNG: what a recording drives
/// against a real client. Write [`SERVER_RESPONSE`] once the handshake is done; the
/// recording is `setup` followed by every byte the client sent.
pub fn harness_server(setup: u8) -> (ServerConnection, FuzzRng) {
    let conn = ServerHarness::new().connect(ServerSetup { byte: setup });
    (conn, FuzzRng::new(SERVER_RNG_SEED))
}

/// Whether `file` (setup byte, then what `openssl s_server` sent) replays through the
/// `client` harness to a complete handshake and an HTTP response.
pub fn check_s_server_recording(seed: &OpensslSeed, file: &[u8]) -> Result<(), String> {
    let Some((&setup, flight)) = file.split_first() else {
        return Err(format!("{}: empty", seed.name));
    };
    if setup != seed.setup {
        return Err(format!("{}: setup byte {setup:#04x}", seed.name));
    }
    let out = drive_client(ClientSetup { byte: setup }, flight);
    if out.error.is_some() || !out.handshake_done {
        return Err(format!("{}: {out:?}", seed.name));
    }
    if !out.plaintext_head.starts_with(b"HTTP/1.0 200 ok") {
        return Err(format!("{}: no HTTP response: {out:?}", seed.name));
    }
    Ok(())
}

/// Whether `file` (setup byte, then what `openssl s_client` sent) replays through the
/// `server` harness — both record-buffer configurations — to a complete handshake.
pub fn check_s_client_recording(seed: &OpensslSeed, file: &[u8]) -> Result<(), String> {
    let Some((&setup, flight)) = file.split_first() else {
        return Err(format!("{}: empty", seed.name));
    };
    if setup != seed.setup {
        return Err(format!("{}: setup byte {setup:#04x}", seed.name));
    }
    for harness in [ServerHarness::new(), ServerHarness::on_demand()] {
        let out = harness.drive(ServerSetup { byte: setup }, flight);
        if out.error.is_some() || !out.handshake_done {
            return Err(format!("{}: {out:?}", seed.name));
        }
    }
    Ok(())
}

/// Every seed made in memory — all of `fuzz/corpus/` except the openssl recordings and
/// the hand-made `deframer` seeds — deterministically.
pub fn generate() -> Vec<Seed> {
    let mut seeds = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        seeds.push(Seed {
            target,
            name: name.to_string(),
            bytes,
        });
    };
    for seed in client_seeds() {
        let flight = record_flight(ClientSetup { byte: seed.setup }, seed.script);
        add("client", seed.name, [&[seed.setup][..], &flight].concat());
    }
    for (name, cs, ss) in PAIR_SEEDS {
        let (c2s, s2c) = pair(*cs, *ss);
        add("server", name, [&[*ss][..], &c2s].concat());
        add("client", name, [&[*cs][..], &s2c].concat());
    }
    other_seeds(&mut add);
    records::record_seeds(&mut add);
    seeds
}

/// testdata/cases certificates some `x509` seeds use.
const CASES_GOOD_PEM: &[u8] = include_bytes!("../../../../testdata/cases/good.pem");
const CASES_INTERMEDIATE_PEM: &[u8] = include_bytes!("../../../../testdata/cases/intermediate.pem");
const CASES_NC_OK_PEM: &[u8] = include_bytes!("../../../../testdata/cases/nc-ok.pem");
const CASES_NC_CA_PEM: &[u8] = include_bytes!("../../../../testdata/cases/nc-ca.pem");
const CASES_SHA1_PEM: &[u8] = include_bytes!("../../../../testdata/cases/sha1.pem");
const CASES_CN_ONLY_PEM: &[u8] = include_bytes!("../../../../testdata/cases/cn-only.pem");

/// The seeds of the targets other than `client` and `server`'s recordings.
fn other_seeds(write: &mut impl FnMut(&'static str, &str, Vec<u8>)) {
    // handshake_messages: a selector byte, then the message (taken from real flights).
    let flight = record_flight(
        ClientSetup { byte: 0b0000_1100 },
        ServerScript {
            ems: true,
            etm: true,
            certificate_request: true,
            ..script(
                ProtocolVersion::TLSV1_2,
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
            )
        },
    );
    let (conn, _) = harness_client(0b0010_1101);
    let hello = parse_records(conn.pending_tls()).remove(0).1;
    write(
        "handshake_messages",
        "client_hello",
        [&[2u8][..], &hello].concat(),
    );
    let first = &parse_records(&flight)[0].1;
    let mut joiner = HandshakeJoiner::new();
    joiner.push(first).unwrap();
    while let Some(raw) = joiner.pop() {
        let name = HandshakeType(raw[0])
            .name()
            .unwrap_or("unknown")
            .replace(' ', "_");
        write("handshake_messages", &name, [&[2u8][..], raw].concat());
    }
    write(
        "handshake_messages",
        "client_ext_sni",
        vec![
            3, 0, 0, 0, 14, 0, 12, 0, 0, 9, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't',
        ],
    );
    write(
        "handshake_messages",
        "server_ext_reneg",
        vec![4, 0xff, 1, 0, 1, 0],
    );
    write("handshake_messages", "alert", vec![5, 2, 40]);
    // AES128-SHA and the renegotiation SCSV (which a lucid server requires), 16-byte
    // challenge.
    let mut v2 = vec![
        6u8, 0x80, 0x1f, 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10,
    ];
    v2.extend_from_slice(&[0x00, 0x00, 0x2f, 0x00, 0x00, 0xff]);
    v2.extend_from_slice(&[0x5a; 16]);
    write("handshake_messages", "sslv2_client_hello", v2.clone());
    // server: the same SSLv2-compatible hello as a first flight (TLS 1.0..=1.2 server).
    write(
        "server",
        "sslv2_client_hello",
        [&[0b0000_0001u8][..], &v2[1..]].concat(),
    );
    write("handshake_messages", "ccs", vec![7, 1]);

    // x509: flags, then length-prefixed DER.
    let leaf = first_der(PKI_LEAF_PEM);
    let inter = first_der(PKI_INTERMEDIATE_PEM);
    let framed = |flags: u8, certs: &[&[u8]]| {
        let mut out = vec![flags];
        for c in certs {
            put_vec(&mut out, ListLength::U16, c);
        }
        out
    };
    write("x509", "pki_localhost", framed(0x00, &[&leaf, &inter]));
    write("x509", "pki_ip_no_intermediate", framed(0x04, &[&leaf]));
    write(
        "x509",
        "pki_no_name_reversed",
        framed(0x0c, &[&inter, &leaf]),
    );
    write("x509", "single_leaf", [&[0x20u8][..], &leaf].concat());
    write(
        "x509",
        "dns_match",
        b"\x30*.example.coma.example.com".to_vec(),
    );
    let cases_inter = first_der(CASES_INTERMEDIATE_PEM);
    let case = first_der;
    write(
        "x509",
        "case_good",
        framed(0x08, &[&case(CASES_GOOD_PEM), &cases_inter]),
    );
    write(
        "x509",
        "case_nc",
        framed(0x0c, &[&case(CASES_NC_OK_PEM), &case(CASES_NC_CA_PEM)]),
    );
    write(
        "x509",
        "case_sha1",
        framed(0x0d, &[&case(CASES_SHA1_PEM), &cases_inter]),
    );
    write(
        "x509",
        "case_cn_only",
        framed(0x0e, &[&case(CASES_CN_ONLY_PEM), &cases_inter]),
    );

    // alloc_bound: the worst cases measured for the bounds (a Certificate message at the
    // 64 KiB chain cap after a valid ServerHello; a 30 KB handshake message for the
    // deframer, which the fuzzer can grow) and an ordinary handshake.
    let tls12 = script(
        ProtocolVersion::TLSV1_2,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    );
    let flight = record_flight(ClientSetup { byte: 0 }, tls12);
    let first = &parse_records(&flight)[0].1;
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
            out.extend(plain_record(
                ContentType::HANDSHAKE,
                ProtocolVersion::TLSV1_2,
                chunk,
            ));
        }
        out
    };
    write(
        "alloc_bound",
        "client_max_certificate",
        [&[0u8][..], &as_records(&msgs)].concat(),
    );
    let mut big = vec![12u8, 0, 0x75, 0x30];
    big.resize(4 + 30000, 0);
    write("alloc_bound", "deframer_30k_message", as_records(&big));
    let mut ordinary = vec![0b0000_1100u8];
    ordinary.extend_from_slice(&record_flight(
        ClientSetup { byte: 0b0000_1100 },
        ServerScript {
            ems: true,
            etm: true,
            ..script(
                ProtocolVersion::TLSV1_2,
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
            )
        },
    ));
    write("alloc_bound", "hs-tls12-ems-etm-aes128sha256", ordinary);
    // And an ECDHE + GCM handshake from each side (x25519, ServerKeyExchange, the ECDH
    // ClientKeyExchange, GCM records), recorded lucid to lucid.
    let (cs, ss) = (0b0000_1100u8, 0b0010_1100u8);
    let (c2s, s2c) = pair(cs, ss);
    write(
        "alloc_bound",
        "lucid-tls12-ecdhe-gcm-client",
        [&[cs][..], &s2c].concat(),
    );
    write(
        "alloc_bound",
        "lucid-tls12-ecdhe-gcm-server",
        [&[ss][..], &c2s].concat(),
    );
}

mod records;

#[cfg(test)]
#[path = "seeds_test.rs"]
mod tests;
