//! The committed seeds still work, and `cargo xtask fuzz seeds` would write them unchanged.

use alloc::vec::Vec;
use std::path::PathBuf;

use super::*;
use crate::error::PeerMisbehaved;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn committed(target: &str, name: &str) -> Vec<u8> {
    let path = corpus_dir(target).join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (regenerate with `cargo xtask fuzz seeds`)",
            path.display()
        )
    })
}

fn check_complete(name: &str, setup: ClientSetup, flight: &[u8], script: &ServerScript) {
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
    }
}

/// The committed recordings still drive the current client to the end of a handshake.
#[test]
fn committed_client_seeds_complete_their_handshakes() {
    let mut checked = 0;
    for seed in client_seeds() {
        let bytes = committed("client", seed.name);
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

/// `cargo xtask fuzz seeds` is deterministic: what it would write is what is committed.
#[test]
fn generated_seeds_are_the_committed_files() {
    let seeds = generate();
    assert!(seeds.len() > 40, "{} seeds", seeds.len());
    for seed in &seeds {
        assert!(
            committed(seed.target, &seed.name) == seed.bytes,
            "fuzz/corpus/{}/{} is stale: regenerate with `cargo xtask fuzz seeds`",
            seed.target,
            seed.name
        );
    }
}

/// A target name and its entry point.
type Entry = (&'static str, fn(&[u8]));

/// Every committed seed of every target runs through its entry point without a panic.
#[test]
fn committed_seeds_run_cleanly() {
    let targets: &[Entry] = &[
        ("deframer", super::super::deframer),
        ("handshake_messages", super::super::handshake_messages),
        ("x509", super::super::x509),
        ("cbc_open", super::super::cbc_open),
        ("stream_open", super::super::stream_open),
        ("client", super::super::client),
        ("server", super::super::server),
        ("alloc_bound", |data| {
            for b in super::super::ALLOC_BOUND_RUNS {
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
    let tls12 = ServerScript {
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

/// With path validation instead of the pinned leaf and on-demand buffers (the
/// `alloc_bound` target's second client run), the s_server recordings still validate and
/// complete: that run reaches as deep.
#[test]
fn committed_openssl_seeds_complete_with_path_validation() {
    use super::super::client::{Verifier, drive_client_with};
    for seed in OPENSSL_S_SERVER_SEEDS {
        let bytes = committed("client", seed.name);
        let out = drive_client_with(
            ClientSetup { byte: seed.setup },
            &bytes[1..],
            Verifier::PathValidation,
        );
        assert!(
            out.error.is_none() && out.handshake_done,
            "{}: {out:?}",
            seed.name
        );
    }
}

/// The committed s_server recordings still complete a handshake with the current client.
#[test]
fn committed_openssl_seeds_complete_their_handshakes() {
    for seed in OPENSSL_S_SERVER_SEEDS {
        check_s_server_recording(seed, &committed("client", seed.name)).unwrap();
    }
}

fn check_server_complete(name: &str, setup: u8, flight: &[u8]) {
    let out = ServerHarness::new().drive(ServerSetup { byte: setup }, flight);
    assert!(out.error.is_none() && out.handshake_done, "{name}: {out:?}");
    assert_eq!(out.plaintext_head, CLIENT_REQUEST, "{name}");
    assert_eq!(out.eof, Some(Ok(())), "{name}");
}

fn check_client_complete(name: &str, setup: u8, flight: &[u8]) {
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
    }
}

#[test]
fn committed_lucid_pair_seeds_replay() {
    for (name, cs, ss) in PAIR_SEEDS {
        let server = committed("server", name);
        assert_eq!(server[0], *ss);
        check_server_complete(name, *ss, &server[1..]);
        let client = committed("client", name);
        assert_eq!(client[0], *cs);
        check_client_complete(name, *cs, &client[1..]);
    }
}

/// Both record-buffer configurations (the second is an `alloc_bound` run).
#[test]
fn committed_openssl_client_seeds_complete_their_handshakes() {
    for seed in OPENSSL_S_CLIENT_SEEDS {
        check_s_client_recording(seed, &committed("server", seed.name)).unwrap();
    }
}

#[test]
fn committed_sslv2_server_seed_is_answered() {
    let bytes = committed("server", "sslv2_client_hello");
    let out = ServerHarness::new().drive(ServerSetup { byte: bytes[0] }, &bytes[1..]);
    assert!(out.error.is_none(), "{out:?}");
    // ServerHello, Certificate (two certificates), ServerHelloDone.
    assert!(out.sent > 1500, "{out:?}");
    assert_eq!(out.eof, Some(Err(crate::Error::UnexpectedEof)));
}

/// The key-exchange seeds negotiate what their names promise, so the corpus really starts
/// the targets inside ECDHE, GCM and HMAC-SHA384 handshakes (client and server side).
#[test]
fn ecdhe_and_gcm_seeds_negotiate_their_suites() {
    use crate::msgs::enums::{CipherSuite as S, NamedGroup as G};
    let client: &[(&str, S, Option<G>)] = &[
        (
            "lucid-tls12-ecdhe-gcm",
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(G::X25519),
        ),
        (
            "lucid-tls12-ecdhe-gcm-ems",
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(G::X25519),
        ),
        (
            "lucid-tls10-ecdhe-cbc",
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            Some(G::X25519),
        ),
        (
            "lucid-tls11-ecdhe-cbc-etm",
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            Some(G::X25519),
        ),
        (
            "openssl-tls12-ecdhe-gcm-x25519",
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(G::X25519),
        ),
        (
            "openssl-tls12-ecdhe-cbc-sha384-p256",
            S::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
            Some(G::SECP256R1),
        ),
        (
            "openssl-tls10-ecdhe-cbc-p384",
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            Some(G::SECP384R1),
        ),
        (
            "openssl-tls12-rsa-gcm",
            S::TLS_RSA_WITH_AES_128_GCM_SHA256,
            None,
        ),
        // OpenSSL's own 2048-bit DH group is not an RFC 7919 one: no group name.
        (
            "openssl-tls12-dhe-gcm",
            S::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
            None,
        ),
        (
            "openssl-tls10-dhe-cbc",
            S::TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
            None,
        ),
    ];
    for (name, suite, group) in client {
        let bytes = committed("client", name);
        let out = drive_client(ClientSetup { byte: bytes[0] }, &bytes[1..]);
        let n = out
            .negotiated
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: {out:?}"));
        assert_eq!((n.suite, n.group), (*suite, *group), "{name}");
    }
    let server: &[(&str, S, Option<G>)] = &[
        (
            "lucid-tls12-ecdhe-gcm",
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(G::X25519),
        ),
        (
            "lucid-tls10-ecdhe-cbc",
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            Some(G::X25519),
        ),
        (
            "openssl-s_client-tls12-ecdhe-gcm",
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(G::X25519),
        ),
        (
            "openssl-s_client-tls12-ecdhe-sha384-p384",
            S::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
            Some(G::SECP384R1),
        ),
        (
            "openssl-s_client-tls10-ecdhe-p256",
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            Some(G::SECP256R1),
        ),
        (
            "openssl-s_client-tls12-dhe-gcm",
            S::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(G::FFDHE2048),
        ),
        (
            "openssl-s_client-tls10-dhe-cbc",
            S::TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
            Some(G::FFDHE2048),
        ),
    ];
    for (name, suite, group) in server {
        let bytes = committed("server", name);
        let out = ServerHarness::new().drive(ServerSetup { byte: bytes[0] }, &bytes[1..]);
        let n = out
            .negotiated
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: {out:?}"));
        assert_eq!((n.suite, n.group), (*suite, *group), "{name}");
    }
}

/// Client-certificate seeds: the server target reaches a verified Certificate and
/// CertificateVerify, the client target answers CertificateRequests with its own chain.
#[test]
fn client_certificate_seeds_reach_certificate_verify() {
    let client_leaf = crate::fuzzing::client::client_identity().chain()[0].clone();
    // Server side: the client's chain ends up in Negotiated (Certificate and
    // CertificateVerify both accepted).
    for name in [
        "lucid-tls12-ecdhe-gcm",
        "lucid-tls10-ecdhe-cbc",
        "openssl-s_client-tls12-client-cert",
        "openssl-s_client-tls10-client-cert-rsa-kx",
    ] {
        let bytes = committed("server", name);
        let out = ServerHarness::new().drive(ServerSetup { byte: bytes[0] }, &bytes[1..]);
        let n = out
            .negotiated
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: {out:?}"));
        assert_eq!(n.client_certificates.first(), Some(&client_leaf), "{name}");
    }
    // A server without the request (setup bit 5 clear) sees no client certificate.
    let bytes = committed("server", "lucid-tls12-ems-etm");
    let out = ServerHarness::new().drive(ServerSetup { byte: bytes[0] }, &bytes[1..]);
    assert!(out.negotiated.unwrap().client_certificates.is_empty());
    // Client side: what the client sent after a CertificateRequest holds its leaf (the
    // recordings complete, so the peer accepted the CertificateVerify).
    for (setup, name) in [
        (0b0000_1100u8, "lucid-tls12-ecdhe-gcm-ems"),
        (0b0000_1100, "openssl-tls12-ecdhe-gcm-client-cert"),
        (0b0100_0110, "openssl-tls10-client-cert"),
    ] {
        let bytes = committed("client", name);
        assert_eq!(bytes[0], setup);
        let out = drive_client(ClientSetup { byte: setup }, &bytes[1..]);
        assert!(out.handshake_done && out.error.is_none(), "{name}: {out:?}");
    }
    let (c2s, _) = pair(0b0000_1100, 0b0010_1100);
    assert!(
        c2s.windows(client_leaf.len())
            .any(|w| w == client_leaf.as_slice()),
        "the client sent its certificate"
    );
}
