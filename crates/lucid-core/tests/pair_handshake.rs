//! lucid client ↔ lucid server in memory: every version × suite × EMS × ETM, byte-for-byte
//! reproducibility, version negotiation and the downgrade defences (RFC 7507 fallback SCSV,
//! RFC 8446 §4.1.3 sentinel).

mod pair_common;

use lucid_core::internal::conn::DOWNGRADE_SENTINEL_TLS11;
use lucid_core::internal::msgs::enums::{
    AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, SignatureScheme,
};
use lucid_core::internal::msgs::handshake::{HandshakeMessage, HandshakePayload};
use lucid_core::trace::{Direction, Event, KeyScheduleEvent, Observer};
use lucid_core::{Error, HandshakeStep, PeerIncompatible, PeerMisbehaved};
use pair_common::*;
use std::sync::{Arc, Mutex};

#[test]
fn every_version_suite_ems_etm() {
    let mut count = 0;
    for v in VERSIONS {
        for suite in suites_for(v) {
            for (c_ems, s_ems) in [(true, true), (true, false), (false, true), (false, false)] {
                for (c_etm, s_etm) in [(true, true), (false, true), (true, false)] {
                    let mut cc = client_config(v, v);
                    cc.cipher_suites = vec![suite];
                    cc.offer_extended_master_secret = c_ems;
                    cc.offer_encrypt_then_mac = c_etm;
                    let mut sc = server_config(V10, V12);
                    sc.accept_extended_master_secret = s_ems;
                    sc.accept_encrypt_then_mac = s_etm;
                    let mut p = Pair::new(cc, sc, count);
                    p.handshake().unwrap_or_else(|e| {
                        panic!("{v} {suite} ems {c_ems}/{s_ems} etm {c_etm}/{s_etm}: {e:?}")
                    });
                    let want_ems = c_ems && s_ems;
                    // RFC 7366 §3: never with an AEAD suite.
                    let cbc = lucid_core::internal::crypto::suites::lookup(suite)
                        .unwrap()
                        .can_encrypt_then_mac();
                    let want_etm = c_etm && s_etm && cbc;
                    for n in [
                        p.client.negotiated().unwrap(),
                        p.server.negotiated().unwrap(),
                    ] {
                        assert_eq!(n.version, v);
                        assert_eq!(n.suite, suite);
                        assert_eq!(n.extended_master_secret, want_ems);
                        assert_eq!(n.encrypt_then_mac, want_etm);
                        assert!(!n.resumed);
                        assert!(n.session_id.is_empty(), "no cache, no session id");
                    }
                    assert_eq!(p.server.sni(), Some("localhost"));
                    p.exercise();
                    count += 1;
                }
            }
        }
    }
    // (4 + 4 + 12 suites the RSA certificate serves: RSA and ECDHE_RSA) × 4 EMS × 3 ETM
    // combinations.
    assert_eq!(count, 240);
}

/// What one endpoint's trace said about its key schedule and Finished messages.
#[derive(Default, Clone)]
struct Hashes(Arc<Mutex<HashesSeen>>);

#[derive(Default)]
struct HashesSeen {
    /// (direction, transcript hash, verify_data) of each Finished.
    finished: Vec<(Direction, Vec<u8>, Vec<u8>)>,
    /// The master secret's seed length (64 for the randoms, else the session hash's).
    seed_len: Option<usize>,
}

impl Observer for Hashes {
    fn on_event(&mut self, e: &Event<'_>) {
        let mut seen = self.0.lock().unwrap();
        match e {
            Event::Finished {
                dir,
                verify_data,
                transcript_hash,
                ..
            } => seen
                .finished
                .push((*dir, transcript_hash.to_vec(), verify_data.to_vec())),
            Event::KeySchedule(KeyScheduleEvent::MasterSecret { seed_len, .. }) => {
                seen.seed_len = Some(*seed_len);
            }
            _ => {}
        }
    }
}

/// The handshake messages in `log` before its ChangeCipherSpec (the plaintext ones).
fn plaintext_handshake(log: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (h, body) in records(log) {
        if h.typ == ContentType::CHANGE_CIPHER_SPEC {
            break;
        }
        if h.typ == ContentType::HANDSHAKE {
            out.extend_from_slice(&body);
        }
    }
    out
}

/// TLS_RSA_WITH_AES_256_GCM_SHA384 takes the SHA-384 PRF and handshake hash (RFC 5288 §3):
/// each Finished, on both sides, covers SHA-384 of the handshake messages on the wire —
/// recomputed here with `sha2` from the recorded bytes, not with lucid's transcript — with
/// 12 bytes of verify_data; the EMS session hash is the 48-byte SHA-384 one (RFC 7627 §3).
/// The server hashed the ClientHello before it knew the suite.
#[test]
fn sha384_suite_hashes_the_handshake_with_sha384() {
    use sha2::{Digest, Sha384};
    for ems in [true, false] {
        let mut cc = client_config(V12, V12);
        cc.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384];
        cc.offer_extended_master_secret = ems;
        let mut p = Pair::new(cc, server_config(V12, V12), 40);
        let (client_seen, server_seen) = (Hashes::default(), Hashes::default());
        p.client.set_observer(Box::new(client_seen.clone()));
        p.server.set_observer(Box::new(server_seen.clone()));
        p.handshake().unwrap();
        p.exercise();

        // ClientHello, then ServerHello ‖ Certificate ‖ ServerHelloDone, then
        // ClientKeyExchange.
        let c2s = plaintext_handshake(&p.c2s_log);
        let s2c = plaintext_handshake(&p.s2c_log);
        let ch_len = 4 + usize::from(u16::from_be_bytes([c2s[2], c2s[3]]));
        let mut h = Sha384::new();
        h.update(&c2s[..ch_len]);
        h.update(&s2c);
        h.update(&c2s[ch_len..]);
        let up_to_cke = h.clone().finalize().to_vec();

        let client = client_seen.0.lock().unwrap();
        let server = server_seen.0.lock().unwrap();
        let want_seed = if ems { 48 } else { 64 };
        assert_eq!(client.seed_len, Some(want_seed));
        assert_eq!(server.seed_len, Some(want_seed));
        let [
            (Direction::Sent, c_hash, c_vd),
            (Direction::Received, s_hash, s_vd),
        ] = &client.finished[..]
        else {
            panic!("client: Finished sent, then received")
        };
        assert_eq!(
            *c_hash, up_to_cke,
            "client Finished: SHA-384(ClientHello..ClientKeyExchange)"
        );
        assert_eq!(c_vd.len(), 12);
        assert_eq!(s_vd.len(), 12);
        let mut fin = vec![0x14, 0, 0, 12];
        fin.extend_from_slice(c_vd);
        h.update(&fin);
        assert_eq!(
            *s_hash,
            h.finalize().to_vec(),
            "server Finished covers the client's"
        );
        assert_eq!(
            server.finished,
            [
                (Direction::Received, c_hash.clone(), c_vd.clone()),
                (Direction::Sent, s_hash.clone(), s_vd.clone())
            ]
        );
    }
}

#[test]
fn server_flight_shape() {
    // RSA key exchange: no ServerKeyExchange.
    let mut cc = client_config(V12, V12);
    cc.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256];
    let mut p = Pair::new(cc, server_config(V12, V12), 1);
    p.c2s();
    let msgs = handshake_messages(p.server.pending_tls());
    let types: Vec<HandshakeType> = msgs.iter().map(|m| hs_type(m)).collect();
    assert_eq!(
        types,
        [
            HandshakeType::SERVER_HELLO,
            HandshakeType::CERTIFICATE,
            HandshakeType::SERVER_HELLO_DONE
        ],
        "no CertificateRequest, no ServerKeyExchange"
    );

    // The defaults: ECDHE, so a ServerKeyExchange after the Certificate.
    let mut p = Pair::new(client_config(V12, V12), server_config(V12, V12), 1);
    p.c2s();
    let flight = p.server.pending_tls().to_vec();
    let msgs = handshake_messages(&flight);
    let types: Vec<HandshakeType> = msgs.iter().map(|m| hs_type(m)).collect();
    assert_eq!(
        types,
        [
            HandshakeType::SERVER_HELLO,
            HandshakeType::CERTIFICATE,
            HandshakeType::SERVER_KEY_EXCHANGE,
            HandshakeType::SERVER_HELLO_DONE
        ],
        "no CertificateRequest"
    );
    let HandshakePayload::ServerHello(sh) = HandshakeMessage::read_versioned(&msgs[0], V12)
        .unwrap()
        .payload
    else {
        panic!()
    };
    // Server preference: the first of our list the client offers that the RSA certificate
    // serves (forward secrecy first, then AEAD).
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    );
    let HandshakePayload::ServerKeyExchange(ske) = HandshakeMessage::read_versioned(&msgs[2], V12)
        .unwrap()
        .payload
    else {
        panic!()
    };
    let (params, _, signed) = ske.ecdhe(V12).unwrap();
    // x25519 first in both lists; the client offers rsa_pkcs1_sha256 first.
    assert_eq!(params.group, NamedGroup::X25519);
    assert_eq!(params.public.len(), 32);
    assert_eq!(signed.scheme, Some(SignatureScheme::RSA_PKCS1_SHA256));
    assert_eq!(signed.signature.len(), 256);
    let ext: Vec<&str> = sh
        .extensions
        .iter()
        .map(|e| e.ext_type().name().unwrap())
        .collect();
    assert_eq!(
        ext,
        [
            "renegotiation_info",
            "ec_point_formats",
            "server_name",
            "extended_master_secret",
        ],
        "encrypt_then_mac is offered but not acknowledged for AES-GCM (RFC 7366 §3)"
    );
    // gmt_unix_time is the fixed clock.
    assert_eq!(&sh.random.0[..4], &(NOW as u32).to_be_bytes());
    let HandshakePayload::Certificate(c) = HandshakeMessage::read_versioned(&msgs[1], V12)
        .unwrap()
        .payload
    else {
        panic!()
    };
    assert_eq!(c.0, fixtures().chain);
}

#[test]
fn server_preference_order() {
    let mut sc = server_config(V12, V12);
    sc.cipher_suites = vec![
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    ];
    let mut p = Pair::new(client_config(V12, V12), sc.clone(), 2);
    p.handshake().unwrap();
    assert_eq!(
        p.server.negotiated().unwrap().suite,
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256
    );
    // At TLS 1.1 the SHA-256 suite is skipped for the next one.
    sc.min_version = V10;
    let mut p = Pair::new(client_config(V10, V11), sc.clone(), 3);
    p.handshake().unwrap();
    assert_eq!(
        p.server.negotiated().unwrap().suite,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA
    );
    // Nothing in common: handshake_failure, typed on both sides.
    let mut cc = client_config(V12, V12);
    cc.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256];
    let mut p = Pair::new(cc, sc, 4);
    let (c, s) = p.handshake().unwrap_err();
    assert_eq!(s, Some(PeerIncompatible::NoCommonCipherSuite.into()));
    assert!(
        matches!(
            c,
            Some(Error::AlertReceived {
                description: AlertDescription::HANDSHAKE_FAILURE,
                step: Some(HandshakeStep::ClientHelloSent { .. }),
            })
        ),
        "{c:?}"
    );
}

#[test]
fn version_negotiation() {
    // Highest common version.
    for (cmin, cmax, smin, smax, want) in [
        (V10, V12, V10, V12, V12),
        (V10, V12, V10, V11, V11),
        (V10, V11, V10, V12, V11),
        (V10, V10, V10, V12, V10),
        (V11, V11, V11, V11, V11),
    ] {
        let mut p = Pair::new(client_config(cmin, cmax), server_config(smin, smax), 5);
        p.handshake().unwrap();
        assert_eq!(p.server.negotiated().unwrap().version, want);
        assert_eq!(p.client.negotiated().unwrap().version, want);
    }
    // The client is above the server's range: the server answers with its best, which
    // the client refuses (and says so with protocol_version).
    let mut p = Pair::new(client_config(V12, V12), server_config(V10, V11), 5);
    let (c, s) = p.handshake().unwrap_err();
    assert_eq!(c, Some(PeerMisbehaved::UnofferedVersion(V11).into()));
    assert_eq!(
        s,
        Some(Error::AlertReceived {
            description: AlertDescription::PROTOCOL_VERSION,
            step: None
        })
    );
    // The client is below the server's range: the server refuses.
    let mut p = Pair::new(client_config(V10, V11), server_config(V12, V12), 5);
    let (c, s) = p.handshake().unwrap_err();
    assert_eq!(s, Some(PeerIncompatible::NoCommonVersion.into()));
    assert!(
        matches!(
            c,
            Some(Error::AlertReceived {
                description: AlertDescription::PROTOCOL_VERSION,
                step: Some(HandshakeStep::ClientHelloSent { .. }),
            })
        ),
        "{c:?}"
    );
}

#[test]
fn reproducible_byte_for_byte() {
    let run = |seed| {
        let mut p = Pair::new(client_config(V10, V12), server_config(V10, V12), seed);
        p.handshake().unwrap();
        p.exercise();
        (p.c2s_log, p.s2c_log)
    };
    let a = run(42);
    let b = run(42);
    assert!(a.0.len() > 40_000 && a.1.len() > 20_000);
    assert_eq!(a, b, "same seed, same clock: identical bytes both ways");
    let c = run(43);
    assert_ne!(a.0, c.0);
    assert_ne!(a.1, c.1);
}

#[test]
fn fallback_scsv() {
    // A client retrying at 1.1 with the SCSV against a 1.2 server: inappropriate_fallback.
    let mut cc = client_config(V10, V11);
    cc.send_fallback_scsv = true;
    let mut p = Pair::new(cc.clone(), server_config(V10, V12), 6);
    let (c, s) = p.handshake().unwrap_err();
    assert_eq!(s, Some(PeerIncompatible::InappropriateFallback.into()));
    assert!(
        matches!(
            c,
            Some(Error::AlertReceived {
                description: AlertDescription::INAPPROPRIATE_FALLBACK,
                step: Some(HandshakeStep::ClientHelloSent { .. }),
            })
        ),
        "{c:?}"
    );
    // The same retry against a server whose best is 1.1 is legitimate.
    let mut p = Pair::new(cc, server_config(V10, V11), 7);
    p.handshake().unwrap();
    assert_eq!(p.server.negotiated().unwrap().version, V11);
    // The SCSV with the server's own maximum is harmless.
    let mut cc = client_config(V12, V12);
    cc.send_fallback_scsv = true;
    let mut p = Pair::new(cc, server_config(V10, V12), 8);
    p.handshake().unwrap();
}

fn server_random_of(flight: &[u8]) -> [u8; 32] {
    let msgs = handshake_messages(flight);
    match HandshakeMessage::read_versioned(&msgs[0], V12)
        .unwrap()
        .payload
    {
        HandshakePayload::ServerHello(sh) => sh.random.0,
        other => panic!("{other:?}"),
    }
}

#[test]
fn downgrade_sentinel_written_and_accepted_when_genuine() {
    // Client can only do 1.1; the server could do 1.2: sentinel present, client fine
    // (it could not have done better).
    let mut p = Pair::new(client_config(V10, V11), server_config(V10, V12), 9);
    p.c2s();
    let random = server_random_of(p.server.pending_tls());
    assert_eq!(random[24..], DOWNGRADE_SENTINEL_TLS11);
    p.handshake().unwrap();
    assert_eq!(p.client.negotiated().unwrap().version, V11);
    p.exercise();

    // Server capped at 1.1: no sentinel, whatever the client offers.
    let mut p = Pair::new(client_config(V10, V12), server_config(V10, V11), 10);
    p.c2s();
    let random = server_random_of(p.server.pending_tls());
    assert_ne!(random[24..], DOWNGRADE_SENTINEL_TLS11);
    p.handshake().unwrap();
    // At 1.2 never a sentinel.
    let mut p = Pair::new(client_config(V12, V12), server_config(V10, V12), 11);
    p.c2s();
    assert_ne!(
        server_random_of(p.server.pending_tls())[24..],
        DOWNGRADE_SENTINEL_TLS11
    );
}

/// A middleman rewrites the ClientHello's client_version from 1.2 to 1.1.
fn tampered_pair(
    server_max: lucid_core::internal::msgs::enums::ProtocolVersion,
    seed: u64,
    ems: bool,
) -> Pair {
    tampered_pair_with(server_max, seed, ems, None)
}

/// [`tampered_pair`] with the client offering only `suite`, when given.
fn tampered_pair_with(
    server_max: lucid_core::internal::msgs::enums::ProtocolVersion,
    seed: u64,
    ems: bool,
    suite: Option<CipherSuite>,
) -> Pair {
    let mut cc = client_config(V10, V12);
    cc.offer_extended_master_secret = ems;
    if let Some(suite) = suite {
        cc.cipher_suites = vec![suite];
    }
    let mut p = Pair::new(cc, server_config(V10, server_max), seed);
    let mut hello = p.client.pending_tls().to_vec();
    // record header (5) + handshake header (4), then client_version.
    assert_eq!(hello[9..11], [3, 3]);
    hello[10] = 2;
    let n = p.client.pending_tls().len();
    p.client.consume_tls(n);
    let mut rng = p.srng.clone();
    feed(&mut p.server, &mut rng, &hello).unwrap();
    p.srng = rng;
    p
}

#[test]
fn downgrade_by_middleman_caught_by_the_sentinel() {
    let mut p = tampered_pair(V12, 12, true);
    assert_eq!(
        server_random_of(p.server.pending_tls())[24..],
        DOWNGRADE_SENTINEL_TLS11
    );
    let (c, _s) = p.handshake().unwrap_err();
    // The client aborts on the ServerHello itself, before any key exchange.
    assert_eq!(c, Some(PeerMisbehaved::DowngradeSentinel.into()));
    assert_eq!(
        p.server.error(),
        Some(&Error::AlertReceived {
            description: AlertDescription::ILLEGAL_PARAMETER,
            step: None
        })
    );
}

#[test]
fn downgrade_by_middleman_without_sentinel_caught_at_finished() {
    // A server capped at 1.1 writes no sentinel, so the client accepts 1.1. The rewrite is
    // still caught when the client's Finished arrives, in both configurations:
    // - with EMS the session hash covers the original ClientHello, so the keys differ;
    // - without EMS and with RSA key exchange, the pre-master secret carries the client's
    //   real maximum (1.2) while the server checks it against the rewritten client_version
    //   (1.1): the RFC 5246 §7.4.7.1 check fails and the server silently uses a random
    //   pre-master secret.
    // Either way the Finished record fails to decrypt: bad_record_mac. With ECDHE and no
    // EMS the keys agree (the pre-master secret carries no version), so the record
    // decrypts, but the client's Finished covers the hello it really sent: decrypt_error.
    let rsa = Some(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA);
    let ecdhe = Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
    for (ems, suite, want, alert) in [
        (
            true,
            rsa,
            Error::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        ),
        (
            false,
            rsa,
            Error::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        ),
        (
            true,
            ecdhe,
            Error::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        ),
        (
            false,
            ecdhe,
            Error::PeerMisbehaved(PeerMisbehaved::BadFinished),
            AlertDescription::DECRYPT_ERROR,
        ),
    ] {
        let mut p = tampered_pair_with(V11, 13, ems, suite);
        let (c, s) = p.handshake().unwrap_err();
        assert_eq!(s, Some(want), "ems {ems} {suite:?}");
        assert_eq!(
            c,
            Some(Error::AlertReceived {
                description: alert,
                step: Some(HandshakeStep::ClientFinishedSent {
                    empty_certificate: false,
                    certificate_sent: false,
                }),
            }),
            "ems {ems}"
        );
    }
}

#[test]
fn renegotiation_after_handshake_refused() {
    // A client-initiated renegotiation (a ClientHello under the established keys) gets a
    // no_renegotiation warning; the connection carries on.
    let fx = fixtures();
    let _ = fx;
    let mut server = lucid_core::ServerConnection::new(Arc::new(server_config(V12, V12))).unwrap();
    let mut srng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(14);
    let mut c = scripted(14, V12, &rsa_kx_suites_for(V12), true, true);
    feed(&mut server, &mut srng, &c.client_hello()).unwrap();
    let flight = drain(&mut server);
    c.receive(&flight);
    let pms = {
        let mut p = [7u8; 48];
        p[..2].copy_from_slice(&[3, 3]);
        p
    };
    let ct = c.encrypt_pms(&pms);
    let cke = c.client_key_exchange(ct);
    c.derive(&pms);
    let ccs = c.ccs();
    let fin = c.finished();
    feed(&mut server, &mut srng, &[cke, ccs, fin].concat()).unwrap();
    assert!(!server.is_handshaking());
    let expected_fin = c.expected_peer_finished();
    let out = c.receive(&drain(&mut server));
    assert_eq!(out.len(), 2);
    assert_eq!(
        (out[1].typ, &out[1].plain),
        (ContentType::HANDSHAKE, &expected_fin)
    );

    let hello =
        HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone())).get_encoding();
    let reneg = c.seal(ContentType::HANDSHAKE, &hello);
    feed(&mut server, &mut srng, &reneg).unwrap();
    // The server's CCS came in the first reply: this one is opened as it arrives.
    let out = c.receive(&drain(&mut server));
    assert_eq!(
        (out[0].typ, &out[0].plain),
        (
            ContentType::ALERT,
            &vec![1, AlertDescription::NO_RENEGOTIATION.get()]
        )
    );
    // Still alive: application data flows.
    let data = c.seal(ContentType::APPLICATION_DATA, b"still here");
    feed(&mut server, &mut srng, &data).unwrap();
    assert_eq!(server.plaintext(), b"still here");
}
