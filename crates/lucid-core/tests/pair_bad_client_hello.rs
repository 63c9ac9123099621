//! Bad ClientHellos from the server's point of view (issue 5, "Bad input"): split,
//! partial, garbage, malformed and oversize ClientHellos, hello requirements, the
//! SSLv2-compatible hello, SNI and bad configurations. Each case asserts the typed error and
//! the exact alert bytes; none may panic.

mod pair_common;

use std::sync::Arc;

use lucid_core::Error;
use lucid_core::internal::codec::Codec;
use lucid_core::internal::codec::InvalidMessage;
use lucid_core::internal::crypto::suites;
use lucid_core::internal::msgs::enums::{
    AlertDescription, CipherSuite, Compression, ContentType, ExtensionType, ProtocolVersion,
};
use lucid_core::internal::msgs::extensions::ClientExtension;
use lucid_core::internal::msgs::extensions::ServerExtension;
use lucid_core::internal::msgs::handshake::{
    ClientHelloPayload, HandshakeMessage, HandshakePayload,
};
use lucid_core::trace::{Event, Observer, RenegotiationSignal};
use lucid_core::{
    CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection, ServerRsaKey, SniResolver,
};
use lucid_core::{PeerIncompatible, PeerMisbehaved};
use pair_common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

#[test]
fn client_hello_split_at_every_byte() {
    let hello = client_hello_bytes(1);
    let want = reference_flight(&hello, 9);
    for cut in 1..hello.len() {
        let (mut s, mut rng) = default_server(9);
        feed(&mut s, &mut rng, &hello[..cut]).unwrap();
        assert!(!s.wants_write(), "answered a partial hello at {cut}");
        assert!(s.is_handshaking());
        feed(&mut s, &mut rng, &hello[cut..]).unwrap();
        assert_eq!(drain(&mut s), want, "cut at {cut}");
    }
    // One byte at a time.
    let (mut s, mut rng) = default_server(9);
    for b in &hello {
        feed(&mut s, &mut rng, core::slice::from_ref(b)).unwrap();
    }
    assert_eq!(drain(&mut s), want);
}

#[test]
fn client_hello_split_across_records_at_every_byte() {
    let hello = client_hello_bytes(2);
    let want = reference_flight(&hello, 9);
    let msg = &hello[5..];
    for cut in 1..msg.len() {
        let two = [
            record(ContentType::HANDSHAKE, V10, &msg[..cut]),
            record(
                ContentType::HANDSHAKE,
                ProtocolVersion::TLSV1_2,
                &msg[cut..],
            ),
        ]
        .concat();
        let (mut s, mut rng) = default_server(9);
        feed(&mut s, &mut rng, &two).unwrap();
        assert_eq!(drain(&mut s), want, "record split at {cut}");
    }
    // One handshake byte per record.
    let many: Vec<u8> = msg
        .iter()
        .flat_map(|b| record(ContentType::HANDSHAKE, V10, &[*b]))
        .collect();
    let (mut s, mut rng) = default_server(9);
    feed(&mut s, &mut rng, &many).unwrap();
    assert_eq!(drain(&mut s), want);
}

#[test]
fn garbage_before_the_first_record() {
    let decode_error = alert(V10, AlertDescription::DECODE_ERROR);
    for garbage in [
        &b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"[..],
        &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
        &[0x16, 0x02, 0x01, 0x00, 0x10][..], // record major version 2
        &[0x16, 0xfe, 0xfd, 0x00, 0x10][..], // DTLS
    ] {
        let (mut s, mut rng) = default_server(3);
        let mut bytes = garbage.to_vec();
        bytes.extend_from_slice(&client_hello_bytes(3));
        let res = feed(&mut s, &mut rng, &bytes);
        assert!(
            matches!(res, Err(Error::InvalidMessage(_))),
            "{garbage:?}: {res:?}"
        );
        assert_eq!(drain(&mut s), decode_error);
    }
    // Unknown content type, valid framing: unexpected_message.
    let (mut s, mut rng) = default_server(3);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HEARTBEAT, V10, &[1, 0, 16, 0]),
    );
    let want = PeerMisbehaved::UnknownContentType(ContentType::HEARTBEAT).into();
    assert_fails(
        &mut s,
        res,
        &want,
        &alert(V10, AlertDescription::UNEXPECTED_MESSAGE),
    );
}

#[test]
fn partial_records_that_never_complete() {
    let hello = client_hello_bytes(4);
    for cut in [1, 4, 5, 6, hello.len() - 1] {
        let (mut s, mut rng) = default_server(4);
        feed(&mut s, &mut rng, &hello[..cut]).unwrap();
        assert!(!s.wants_write());
        assert_eq!(s.transport_eof(), Err(Error::UnexpectedEof), "cut {cut}");
    }
    // A handshake message announced longer than what arrives across whole records.
    let (mut s, mut rng) = default_server(4);
    let msg = &hello[5..];
    feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V10, &msg[..msg.len() - 1]),
    )
    .unwrap();
    assert!(!s.wants_write());
    assert_eq!(s.transport_eof(), Err(Error::UnexpectedEof));
}

#[test]
fn oversize_inputs() {
    // A record header over 2^14 + 2048.
    let (mut s, mut rng) = default_server(5);
    let res = feed(&mut s, &mut rng, &[22, 3, 1, 0x48, 0x01]);
    let want = Error::RecordOverflow {
        len: 0x4801,
        max: 16384 + 2048,
    };
    assert_fails(
        &mut s,
        res,
        &want,
        &alert(V10, AlertDescription::RECORD_OVERFLOW),
    );
    // An unprotected record over 2^14.
    let (mut s, mut rng) = default_server(5);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V10, &vec![1u8; 16385]),
    );
    let want = Error::RecordOverflow {
        len: 16385,
        max: 16384,
    };
    assert_fails(
        &mut s,
        res,
        &want,
        &alert(V10, AlertDescription::RECORD_OVERFLOW),
    );
    // A ClientHello announcing 16 MiB: refused from its header, before buffering.
    let (mut s, mut rng) = default_server(5);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V10, &[1, 0xff, 0xff, 0xff]),
    );
    assert!(
        matches!(res, Err(Error::InvalidMessage(InvalidMessage::TooLarge(_)))),
        "{res:?}"
    );
    assert_eq!(drain(&mut s), alert(V10, AlertDescription::DECODE_ERROR));
    // A ClientHello announcing one byte more than the largest its syntax allows
    // (131,396, OpenSSL's CLIENT_HELLO_MAX_LENGTH): refused from its header.
    let (mut s, mut rng) = default_server(5);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V10, &[1, 0x02, 0x01, 0x45]),
    );
    assert_eq!(
        res,
        Err(InvalidMessage::TooLarge("handshake message").into())
    );
    assert_eq!(drain(&mut s), alert(V10, AlertDescription::DECODE_ERROR));
    // Huge but well-formed hellos, up to a maximal cipher list (65,534 bytes), are decoded
    // and answered (pair_big_hello.rs has the ones at the very cap); only the announced
    // length matters for the cap.
    for (n, accepted) in [(32_000u16, true), (32_767, true)] {
        let mut c = scripted(5, V12, &rsa_kx_suites_for(V12), true, true);
        c.hello.cipher_suites = (0..n).map(CipherSuite).collect();
        let msg =
            HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone())).get_encoding();
        let recs: Vec<u8> = msg
            .chunks(16384)
            .flat_map(|ch| record(ContentType::HANDSHAKE, V10, ch))
            .collect();
        let (mut s, mut rng) = default_server(5);
        let res = feed(&mut s, &mut rng, &recs);
        let flight = drain(&mut s);
        if accepted {
            res.unwrap();
            let HandshakePayload::ServerHello(sh) =
                HandshakeMessage::read_versioned(&handshake_messages(&flight)[0], V12)
                    .unwrap()
                    .payload
            else {
                panic!()
            };
            // The server's most preferred suite among those offered (every code point
            // below n: the RSA key-exchange ones; the ECDHE ones start at 0xc009).
            assert_eq!(
                Some(sh.cipher_suite),
                lucid_core::supported_cipher_suites().find(|s| s.get() < n)
            );
        } else {
            assert_eq!(
                res,
                Err(InvalidMessage::TooLarge("handshake message").into())
            );
            assert_eq!(flight, alert(V10, AlertDescription::DECODE_ERROR));
        }
    }
}

fn feed_hello_message(msg: &[u8], seed: u64) -> (ServerConnection, Result<(), Error>) {
    let (mut s, mut rng) = default_server(seed);
    let res = feed(&mut s, &mut rng, &record(ContentType::HANDSHAKE, V10, msg));
    (s, res)
}

/// Re-encodes a ClientHello handshake message with a new body.
fn with_body(body: &[u8]) -> Vec<u8> {
    let mut m = vec![1];
    m.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

#[test]
fn malformed_client_hellos() {
    let msg = hello_message(6);
    let body = &msg[4..];
    // Offsets in the body: version 0..2, random 2..34, session id length 34.
    let sid_at = 34;
    let suites_len_at = 35;
    let decode_error = alert(V10, AlertDescription::DECODE_ERROR);

    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut b = body.to_vec();
    b[sid_at] = 33;
    cases.push(("session id length 33", with_body(&b)));
    let mut b = body.to_vec();
    b[suites_len_at + 1] |= 1;
    cases.push(("odd cipher_suites length", with_body(&b)));
    let mut b = body.to_vec();
    b.push(0);
    cases.push(("trailing byte", with_body(&b)));
    // Duplicate extension: append a second renegotiation_info.
    let mut c = scripted(6, V12, &rsa_kx_suites_for(V12), true, true);
    c.hello.extensions.push(ClientExtension::Unknown {
        typ: ExtensionType::RENEGOTIATION_INFO,
        data: vec![0],
    });
    cases.push((
        "duplicate renegotiation_info",
        HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone())).get_encoding(),
    ));
    // Empty compression list.
    let mut c = scripted(6, V12, &rsa_kx_suites_for(V12), true, true);
    c.hello.compression_methods.clear();
    cases.push((
        "no compression methods",
        HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone())).get_encoding(),
    ));
    for (what, m) in cases {
        let (mut s, res) = feed_hello_message(&m, 6);
        assert!(
            matches!(res, Err(Error::InvalidMessage(_))),
            "{what}: {res:?}"
        );
        assert_eq!(drain(&mut s), decode_error, "{what}");
    }

    // The body truncated at every length (with a consistent header): always a typed
    // error and one alert, never a panic or a reply — except right before the extensions
    // block, where it is a valid hello without extensions (served: no renegotiation signal
    // is needed by default).
    let bare = {
        let mut h = ClientHelloPayload::read_bytes(body).unwrap();
        h.extensions.clear();
        h.get_encoding().len()
    };
    for cut in 0..body.len() {
        let (mut s, res) = feed_hello_message(&with_body(&body[..cut]), 6);
        if cut == bare {
            res.unwrap();
            let flight = drain(&mut s);
            // ECDHE_RSA (secp256r1 assumed without supported_groups): with a
            // ServerKeyExchange.
            assert_eq!(handshake_messages(&flight).len(), 4, "served");
            assert_eq!(
                server_hello_of(&flight).extensions,
                vec![],
                "nothing to answer"
            );
            continue;
        }
        let e = res.expect_err("truncated hello accepted");
        let out = drain(&mut s);
        assert_eq!(out.len(), 7, "one alert record at {cut}");
        assert_eq!(out[5], 2, "fatal");
        assert_eq!(
            Some(AlertDescription(out[6])),
            e.alert(),
            "cut {cut}: {e:?}"
        );
    }

    // Random byte corruption: typed error with its alert, or a normal reply; no panic.
    let mut prng = ChaCha20Rng::seed_from_u64(66);
    for i in 0..2000 {
        let mut m = msg.clone();
        for _ in 0..(1 + prng.next_u32() % 4) {
            let at = (prng.next_u32() as usize) % m.len();
            m[at] = prng.next_u32() as u8;
        }
        let (mut s, res) = feed_hello_message(&m, 6);
        let out = drain(&mut s);
        match res {
            Ok(()) => assert!(
                out.is_empty() || out[0] == 22,
                "iteration {i}: unexpected output"
            ),
            Err(e) => {
                assert_eq!(out.len(), 7, "iteration {i}: {e:?}");
                assert_eq!(Some(AlertDescription(out[6])), e.alert());
            }
        }
    }
}

/// Records the renegotiation signal events a server emits.
#[derive(Debug, Default, Clone)]
struct Signals(Arc<std::sync::Mutex<Vec<RenegotiationSignal>>>);

impl Observer for Signals {
    fn on_event(&mut self, e: &Event<'_>) {
        if let Event::RenegotiationSignal(s) = e {
            self.0.lock().unwrap().push(*s);
        }
    }
}

/// A client without RFC 5746 (neither renegotiation_info nor the SCSV) is served by default:
/// no renegotiation_info in the ServerHello (RFC 5746 §3.6 only answers a signal),
/// `Negotiated::secure_renegotiation` false, the trace says `Absent`; renegotiation is
/// still refused. With `require_secure_renegotiation`: handshake_failure.
#[test]
fn clients_without_secure_renegotiation() {
    let suites = rsa_kx_suites_for(V12);
    let legacy = |seed| {
        let mut c = scripted(seed, V12, &suites, true, true);
        c.hello
            .extensions
            .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO);
        c
    };
    for v in [V10, V11, V12] {
        let mut c = scripted(7, v, &rsa_kx_suites_for(v), true, true);
        c.hello
            .extensions
            .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO);
        let signals = Signals::default();
        let mut s = ServerConnection::new(Arc::new(server_config(V10, V12))).unwrap();
        s.set_observer(Box::new(signals.clone()));
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        feed(&mut s, &mut rng, &c.client_hello()).unwrap();
        let flight = drain(&mut s);
        let sh = server_hello_of(&flight);
        // Encrypt-then-MAC only for a CBC suite (TLS 1.2 picks AES-GCM; RFC 7366 §3).
        let cbc = suites::lookup(sh.cipher_suite)
            .unwrap()
            .can_encrypt_then_mac();
        let mut want = vec![
            ServerExtension::ServerName,
            ServerExtension::ExtendedMasterSecret,
        ];
        if cbc {
            want.push(ServerExtension::EncryptThenMac);
        }
        assert_eq!(sh.extensions, want, "{v}: no renegotiation_info");
        c.receive(&flight);
        c.finish_full_handshake(&mut s, &mut rng);
        let n = s.negotiated().unwrap();
        assert!(!n.secure_renegotiation, "{v}");
        assert!(n.extended_master_secret && n.encrypt_then_mac == cbc, "{v}");
        assert_eq!(*signals.0.lock().unwrap(), [RenegotiationSignal::Absent]);
        // Application data flows.
        let rec = c.seal(ContentType::APPLICATION_DATA, b"GET / HTTP/1.0\r\n\r\n");
        feed(&mut s, &mut rng, &rec).unwrap();
        let mut buf = [0u8; 64];
        let got = s.read_plaintext(&mut buf);
        assert_eq!(&buf[..got], b"GET / HTTP/1.0\r\n\r\n");
        // A renegotiating ClientHello is refused with a no_renegotiation warning, as on
        // every connection.
        let again = HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone()));
        let rec = c.seal(ContentType::HANDSHAKE, &again.get_encoding());
        feed(&mut s, &mut rng, &rec).unwrap();
        let out = c.open_protected(&drain(&mut s));
        assert_eq!(
            out,
            [(
                ContentType::ALERT,
                vec![1, AlertDescription::NO_RENEGOTIATION.get()]
            )]
        );
    }

    // Required: handshake_failure, exact bytes.
    let mut config = server_config(V10, V12);
    config.require_secure_renegotiation = true;
    let (mut s, mut rng) = server(config.clone(), 7);
    let res = feed(&mut s, &mut rng, &legacy(7).client_hello());
    assert_fails(
        &mut s,
        res,
        &PeerIncompatible::SecureRenegotiationRequired.into(),
        &alert(V10, AlertDescription::HANDSHAKE_FAILURE),
    );
    assert_eq!(
        &alert(V10, AlertDescription::HANDSHAKE_FAILURE),
        &[21, 3, 1, 0, 2, 2, 40]
    );
    // ... while a client that signals it is served, with either signal.
    for (scsv, ext, want) in [
        (true, false, RenegotiationSignal::Scsv),
        (false, true, RenegotiationSignal::Extension),
        (true, true, RenegotiationSignal::Extension),
    ] {
        let mut c = legacy(8);
        if scsv {
            c.hello
                .cipher_suites
                .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        if ext {
            c.hello
                .extensions
                .push(ClientExtension::RenegotiationInfo(Vec::new()));
        }
        let signals = Signals::default();
        let mut s = ServerConnection::new(Arc::new(config.clone())).unwrap();
        s.set_observer(Box::new(signals.clone()));
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        feed(&mut s, &mut rng, &c.client_hello()).unwrap();
        let flight = drain(&mut s);
        assert_eq!(
            server_hello_of(&flight).extensions[0],
            ServerExtension::RenegotiationInfo(Vec::new()),
            "answered with an empty renegotiation_info"
        );
        c.receive(&flight);
        c.finish_full_handshake(&mut s, &mut rng);
        assert!(s.negotiated().unwrap().secure_renegotiation);
        assert_eq!(*signals.0.lock().unwrap(), [want]);
    }
}

#[test]
fn hello_requirements() {
    let suites = rsa_kx_suites_for(V12);
    // The SCSV alone is enough.
    let mut c = scripted(7, V12, &suites, true, true);
    c.hello
        .extensions
        .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO);
    c.hello
        .cipher_suites
        .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    let (mut s, mut rng) = default_server(7);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    let flight = drain(&mut s);
    let sh = server_hello_of(&flight);
    assert!(
        sh.find_extension(ExtensionType::RENEGOTIATION_INFO)
            .is_some(),
        "answered with an empty renegotiation_info"
    );
    // A non-empty renegotiation_info on an initial handshake: handshake_failure.
    let mut c = scripted(7, V12, &suites, true, true);
    for e in &mut c.hello.extensions {
        if let ClientExtension::RenegotiationInfo(d) = e {
            *d = vec![0xaa; 12];
        }
    }
    let (mut s, mut rng) = default_server(7);
    let res = feed(&mut s, &mut rng, &c.client_hello());
    assert_fails(
        &mut s,
        res,
        &PeerMisbehaved::BadRenegotiationInfo.into(),
        &alert(V10, AlertDescription::HANDSHAKE_FAILURE),
    );
    // No null compression: illegal_parameter.
    let mut c = scripted(7, V12, &suites, true, true);
    c.hello.compression_methods = vec![Compression::DEFLATE];
    let (mut s, mut rng) = default_server(7);
    let res = feed(&mut s, &mut rng, &c.client_hello());
    assert_fails(
        &mut s,
        res,
        &PeerIncompatible::NullCompressionRequired.into(),
        &alert(V10, AlertDescription::ILLEGAL_PARAMETER),
    );
    // SSL 3.0 only: protocol_version.
    let c = &mut scripted(7, ProtocolVersion::SSLV3, &suites, true, true);
    let (mut s, mut rng) = default_server(7);
    let res = feed(&mut s, &mut rng, &c.client_hello());
    assert_fails(
        &mut s,
        res,
        &PeerIncompatible::NoCommonVersion.into(),
        &alert(V10, AlertDescription::PROTOCOL_VERSION),
    );
    // A future version (TLS 1.3 in client_version) negotiates our best.
    let mut c = scripted(7, ProtocolVersion::TLSV1_3, &suites, true, true);
    let (mut s, mut rng) = default_server(7);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.receive(&drain(&mut s));
    assert_eq!(c.version, V12);
}

#[test]
fn sslv2_compatible_hello() {
    for v in [V10, V11, V12] {
        let suites = rsa_kx_suites_for(v);
        let (mut s, mut rng) = default_server(40);
        let mut c = scripted(40, v, &suites, false, false);
        let hello = c.sslv2_client_hello(true);
        feed(&mut s, &mut rng, &hello).unwrap();
        c.receive(&drain(&mut s));
        assert_eq!(c.version, v);
        let sh = c.server_hello.clone().unwrap();
        assert_eq!(sh.cipher_suite, suites[0]);
        assert!(!c.ems && !c.etm, "no extensions in an SSLv2 hello");
        // Finish the handshake: the transcript started with the SSLv2 body.
        let pms = {
            let mut p = good_pms();
            p[..2].copy_from_slice(&v.get().to_be_bytes());
            p
        };
        let ct = c.encrypt_pms(&pms);
        let cke = c.client_key_exchange(ct);
        c.derive(&pms);
        let ccs = c.ccs();
        let fin = c.finished();
        feed(&mut s, &mut rng, &[cke, ccs, fin].concat()).unwrap();
        assert!(!s.is_handshaking(), "{v}");
        let expected = c.expected_peer_finished();
        let out = c.receive(&drain(&mut s));
        assert_eq!(
            (out[1].typ, &out[1].plain),
            (ContentType::HANDSHAKE, &expected)
        );
        assert_eq!(s.sni(), None);
    }
    // Without the SCSV: no secure renegotiation signal (an SSLv2 hello has no extensions):
    // served by default, with a ServerHello without renegotiation_info ...
    let (mut s, mut rng) = default_server(41);
    let mut c = scripted(41, V12, &rsa_kx_suites_for(V12), false, false);
    feed(&mut s, &mut rng, &c.sslv2_client_hello(false)).unwrap();
    let flight = drain(&mut s);
    assert_eq!(server_hello_of(&flight).extensions, vec![]);
    c.receive(&flight);
    c.finish_full_handshake(&mut s, &mut rng);
    assert!(!s.negotiated().unwrap().secure_renegotiation);
    // ... and refused when the server requires RFC 5746.
    let mut config = server_config(V10, V12);
    config.require_secure_renegotiation = true;
    let (mut s, mut rng) = server(config, 41);
    let mut c = scripted(41, V12, &rsa_kx_suites_for(V12), false, false);
    let res = feed(&mut s, &mut rng, &c.sslv2_client_hello(false));
    assert_fails(
        &mut s,
        res,
        &PeerIncompatible::SecureRenegotiationRequired.into(),
        &alert(V10, AlertDescription::HANDSHAKE_FAILURE),
    );
    // Only as the very first message: after a TLS record it is garbage.
    let (mut s, mut rng) = default_server(42);
    let hello = client_hello_bytes(42);
    let msg = &hello[5..];
    feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V10, &msg[..10]),
    )
    .unwrap();
    let mut c = scripted(42, V12, &rsa_kx_suites_for(V12), false, false);
    let res = feed(&mut s, &mut rng, &c.sslv2_client_hello(true));
    assert!(matches!(res, Err(Error::InvalidMessage(_))), "{res:?}");
}

#[test]
fn server_name_handling() {
    for (sent, recorded) in [
        (&b"LocalHost."[..], Some("localhost")),
        (b"bad name!", None),
        (b"a..b", Some("a..b")),
    ] {
        let (mut s, mut rng) = default_server(50);
        let mut c = scripted(50, V12, &rsa_kx_suites_for(V12), true, true);
        c.hello.extensions[0] = ClientExtension::server_name(sent);
        feed(&mut s, &mut rng, &c.client_hello()).unwrap();
        assert_eq!(s.sni(), recorded);
        c.receive(&drain(&mut s));
        let acked = c
            .server_hello
            .as_ref()
            .unwrap()
            .find_extension(ExtensionType::SERVER_NAME)
            .is_some();
        assert_eq!(acked, recorded.is_some());
    }
}

#[test]
fn sni_resolver_and_certified_key_checks() {
    let fx = fixtures();
    let demo_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/demo");
    let demo_chain: Vec<Vec<u8>> =
        lucid_core::x509::certs_from_pem(&std::fs::read(demo_dir.join("chain.pem")).unwrap())
            .unwrap()
            .into_iter()
            .map(|c| c.to_vec())
            .collect();
    use lucid_core::x509::pki_types::PrivateKeyDer;
    use lucid_core::x509::pki_types::pem::PemObject;
    let demo_key =
        match PrivateKeyDer::from_pem_slice(&std::fs::read(demo_dir.join("leaf.rsa.key")).unwrap())
            .unwrap()
        {
            PrivateKeyDer::Pkcs1(k) => RsaCrateKey::from_pkcs1_der(k.secret_pkcs1_der()).unwrap(),
            other => panic!("{other:?}"),
        };
    let demo_key: Arc<dyn ServerRsaKey> = Arc::new(demo_key);
    // Mismatched chain and key are refused up front.
    assert_eq!(
        CertifiedKey::new(fx.chain.clone(), demo_key.clone()).unwrap_err(),
        Error::Misuse("private key does not match the leaf certificate")
    );
    assert!(CertifiedKey::new(vec![], demo_key.clone()).is_err());
    assert!(CertifiedKey::new(vec![vec![0x30, 0]], demo_key.clone()).is_err());
    let demo = Arc::new(CertifiedKey::new(demo_chain.clone(), demo_key).unwrap());

    let mut resolver = SniResolver::new();
    resolver.add("Demo.Test", demo);
    let config = |r: SniResolver| {
        let mut c = ServerConfig::with_resolver(Arc::new(r));
        c.min_version = V12;
        c
    };
    let chain_for = |r: SniResolver, name: Option<&[u8]>| -> Result<Vec<u8>, Error> {
        let (mut s, mut rng) = server(config(r), 51);
        let mut c = scripted(51, V12, &rsa_kx_suites_for(V12), true, true);
        match name {
            Some(n) => c.hello.extensions[0] = ClientExtension::server_name(n),
            None => {
                c.hello.extensions.remove(0);
            }
        }
        feed(&mut s, &mut rng, &c.client_hello())?;
        c.receive(&drain(&mut s));
        Ok(c.server_cert)
    };
    assert_eq!(
        chain_for(resolver.clone(), Some(b"demo.test")).unwrap(),
        demo_chain[0]
    );
    // No default: other names and no name fail with handshake_failure.
    let e = chain_for(resolver.clone(), Some(b"localhost")).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    assert!(chain_for(resolver.clone(), None).is_err());
    resolver.set_default(fx.cert.clone());
    assert_eq!(
        chain_for(resolver.clone(), Some(b"localhost")).unwrap(),
        fx.chain[0]
    );
    assert_eq!(chain_for(resolver, None).unwrap(), fx.chain[0]);
}

#[test]
fn bad_configs_are_refused() {
    let mut c = server_config(V12, V10);
    assert!(ServerConnection::new(Arc::new(c.clone())).is_err());
    c = server_config(V10, V11);
    c.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256];
    assert!(ServerConnection::new(Arc::new(c.clone())).is_err());
    c = server_config(ProtocolVersion::SSLV3, V12);
    assert!(ServerConnection::new(Arc::new(c)).is_err());
}
