//! Bad input from the server's point of view (issue 5, "Bad input"): split, partial,
//! garbage, malformed and oversize ClientHellos, every kind of bad ClientKeyExchange
//! (indistinguishable from a good one until Finished), messages at the wrong time, the
//! SSLv2-compatible hello, secure renegotiation and SNI. Each case asserts the typed error
//! and the exact alert bytes; none may panic.

mod pair_common;

use std::sync::Arc;

use lucid_core::Error;
use lucid_core::internal::codec::InvalidMessage;
use lucid_core::internal::msgs::enums::{
    AlertDescription, CipherSuite, Compression, ContentType, ExtensionType, HandshakeType,
    ProtocolVersion,
};
use lucid_core::internal::msgs::extensions::ClientExtension;
use lucid_core::internal::msgs::handshake::{HandshakeMessage, HandshakePayload};
use lucid_core::{
    CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection, ServerRsaKey, SniResolver,
};
use lucid_core::{PeerIncompatible, PeerMisbehaved};
use pair_common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

const PMS_SEED: u64 = 77;

fn server(config: ServerConfig, seed: u64) -> (ServerConnection, ChaCha20Rng) {
    (
        ServerConnection::new(Arc::new(config)).unwrap(),
        ChaCha20Rng::seed_from_u64(seed),
    )
}

fn default_server(seed: u64) -> (ServerConnection, ChaCha20Rng) {
    server(server_config(V10, V12), seed)
}

/// A plaintext fatal alert record as lucid sends it before any version is agreed.
fn alert(version: ProtocolVersion, d: AlertDescription) -> Vec<u8> {
    record(ContentType::ALERT, version, &[2, d.get()])
}

/// Asserts `res` failed with `want`, the server latched it, and sent exactly `alert_bytes`.
fn assert_fails(
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
fn client_hello_bytes(seed: u64) -> Vec<u8> {
    let p = Pair::new(client_config(V10, V12), server_config(V10, V12), seed);
    p.client.pending_tls().to_vec()
}

fn reference_flight(hello: &[u8], seed: u64) -> Vec<u8> {
    let (mut s, mut rng) = default_server(seed);
    feed(&mut s, &mut rng, hello).unwrap();
    let out = drain(&mut s);
    assert_eq!(
        handshake_messages(&out).len(),
        3,
        "ServerHello, Certificate, ServerHelloDone"
    );
    out
}

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
    // Huge but well-formed hellos: up to the handshake message cap (64 KiB + 7) they are
    // decoded and answered; a maximal cipher list (65 534 bytes) goes over it.
    for (n, accepted) in [(32_000u16, true), (32_766, false)] {
        let mut c = Scripted::new(5, V12, &suites_for(V12), true, true);
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
            assert_eq!(sh.cipher_suite, CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA);
        } else {
            assert_eq!(
                res,
                Err(InvalidMessage::TooLarge("handshake message").into())
            );
            assert_eq!(flight, alert(V10, AlertDescription::DECODE_ERROR));
        }
    }
}

/// The lucid client's ClientHello body, for surgery.
fn hello_message(seed: u64) -> Vec<u8> {
    client_hello_bytes(seed)[5..].to_vec()
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
    let mut c = Scripted::new(6, V12, &suites_for(V12), true, true);
    c.hello.extensions.push(ClientExtension::Unknown {
        typ: ExtensionType::RENEGOTIATION_INFO,
        data: vec![0],
    });
    cases.push((
        "duplicate renegotiation_info",
        HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone())).get_encoding(),
    ));
    // Empty compression list.
    let mut c = Scripted::new(6, V12, &suites_for(V12), true, true);
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
    // error and one alert, never a panic or a reply.
    for cut in 0..body.len() {
        let (mut s, res) = feed_hello_message(&with_body(&body[..cut]), 6);
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

#[test]
fn hello_requirements() {
    let suites = suites_for(V12);
    // No renegotiation_info and no SCSV: handshake_failure.
    let mut c = Scripted::new(7, V12, &suites, true, true);
    c.hello
        .extensions
        .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO);
    let (mut s, mut rng) = default_server(7);
    let res = feed(&mut s, &mut rng, &c.client_hello());
    assert_fails(
        &mut s,
        res,
        &PeerIncompatible::SecureRenegotiationRequired.into(),
        &alert(V10, AlertDescription::HANDSHAKE_FAILURE),
    );
    // The SCSV alone is enough.
    c.hello
        .cipher_suites
        .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    let (mut s, mut rng) = default_server(7);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    let flight = drain(&mut s);
    let HandshakePayload::ServerHello(sh) =
        HandshakeMessage::read_versioned(&handshake_messages(&flight)[0], V12)
            .unwrap()
            .payload
    else {
        panic!()
    };
    assert!(
        sh.find_extension(ExtensionType::RENEGOTIATION_INFO)
            .is_some(),
        "answered with an empty renegotiation_info"
    );
    // A non-empty renegotiation_info on an initial handshake: handshake_failure.
    let mut c = Scripted::new(7, V12, &suites, true, true);
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
    let mut c = Scripted::new(7, V12, &suites, true, true);
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
    let c = &mut Scripted::new(7, ProtocolVersion::SSLV3, &suites, true, true);
    let (mut s, mut rng) = default_server(7);
    let res = feed(&mut s, &mut rng, &c.client_hello());
    assert_fails(
        &mut s,
        res,
        &PeerIncompatible::NoCommonVersion.into(),
        &alert(V10, AlertDescription::PROTOCOL_VERSION),
    );
    // A future version (TLS 1.3 in client_version) negotiates our best.
    let mut c = Scripted::new(7, ProtocolVersion::TLSV1_3, &suites, true, true);
    let (mut s, mut rng) = default_server(7);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.read_server_flight(&drain(&mut s));
    assert_eq!(c.version, V12);
}

/// Runs a scripted handshake whose ClientKeyExchange carries `ciphertext` while the
/// client derives its keys from `believed`. Returns what the server showed after the
/// ClientKeyExchange, after the CCS and after the Finished.
fn cke_run(
    ciphertext: Option<Vec<u8>>,
    believed: [u8; 48],
    seed: u64,
) -> [(bool, Vec<u8>, Option<Error>); 3] {
    let (mut s, mut rng) = server(server_config(V12, V12), seed);
    let mut c = Scripted::new(seed, V12, &suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.read_server_flight(&drain(&mut s));
    let ct = ciphertext.unwrap_or_else(|| c.encrypt_pms(&believed));
    let cke = c.client_key_exchange(ct);
    c.derive(&believed);
    let ccs = c.ccs();
    let fin = c.finished();
    let mut step = |bytes: &[u8]| {
        let res = feed(&mut s, &mut rng, bytes).err();
        (s.is_handshaking(), drain(&mut s), res)
    };
    [step(&cke), step(&ccs), step(&fin)]
}

fn good_pms() -> [u8; 48] {
    let mut p = [0u8; 48];
    ChaCha20Rng::seed_from_u64(PMS_SEED).fill_bytes(&mut p);
    p[..2].copy_from_slice(&[3, 3]);
    p
}

/// Raw RSA encryption of an arbitrary block under the fixture key.
fn raw_encrypt(em: &[u8]) -> Vec<u8> {
    use rsa::traits::PublicKeyParts;
    let public =
        lucid_core::internal::crypto::rsa_kx::rsa_public_key_from_certificate(&fixtures().chain[0])
            .unwrap();
    let m = rsa::BoxedUint::from_be_slice(em, public.n_bits_precision()).unwrap();
    let c = rsa::hazmat::rsa_encrypt(&public, &m).unwrap();
    let bytes = c.to_be_bytes();
    bytes[bytes.len() - em.len()..].to_vec()
}

fn pkcs1_block(k: usize, msg: &[u8]) -> Vec<u8> {
    let mut em = vec![0u8; k];
    em[1] = 2;
    let ps_end = k - msg.len() - 1;
    for (i, b) in em[2..ps_end].iter_mut().enumerate() {
        *b = 1 + (i % 200) as u8;
    }
    em[k - msg.len()..].copy_from_slice(msg);
    em
}

#[test]
fn client_key_exchange_defects_only_show_at_finished() {
    let k = fixtures().cert.key().modulus_len();
    assert_eq!(k, 256);
    let pms = good_pms();

    // The honest run completes.
    let ok = cke_run(None, pms, 20);
    assert_eq!(ok[0], (true, vec![], None));
    assert_eq!(ok[1], (true, vec![], None));
    assert!(!ok[2].0, "handshake complete");
    assert_eq!(ok[2].2, None);
    assert_eq!(records(&ok[2].1).len(), 2, "CCS and Finished");
    // The same honest ciphertext built by hand from the raw RSA operation also works.
    let by_hand = cke_run(Some(raw_encrypt(&pkcs1_block(k, &pms))), pms, 20);
    assert!(!by_hand[2].0);

    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    let mut wrong_version = pms;
    wrong_version[1] = 1;
    cases.push((
        "version 3,1".into(),
        raw_encrypt(&pkcs1_block(k, &wrong_version)),
    ));
    wrong_version = pms;
    wrong_version[0] = 2;
    cases.push((
        "version 2,3".into(),
        raw_encrypt(&pkcs1_block(k, &wrong_version)),
    ));
    let good = pkcs1_block(k, &pms);
    for at in 0..=(k - 49) {
        let mut em = good.clone();
        em[at] = match at {
            0 | 1 => 1,
            a if a == k - 49 => 9,
            _ => 0,
        };
        cases.push((format!("padding byte {at}"), raw_encrypt(&em)));
    }
    cases.push((
        "47-byte message".into(),
        raw_encrypt(&pkcs1_block(k, &pms[..47])),
    ));
    let mut long = pms.to_vec();
    long.push(7);
    cases.push((
        "49-byte message".into(),
        raw_encrypt(&pkcs1_block(k, &long)),
    ));
    let honest = raw_encrypt(&good);
    for len in [0usize, 1, 128, k - 1, k + 1, 2 * k] {
        let mut c = honest.clone();
        c.resize(len, 0x33);
        cases.push((format!("{len}-byte ciphertext"), c));
    }
    cases.push(("ciphertext = modulus bytes ff".into(), vec![0xff; k]));
    cases.push(("ciphertext all zero".into(), vec![0; k]));
    // A valid encryption of a different (well-formed) pre-master secret: the client
    // believes `pms`, the server gets another. Indistinguishable from the defects above.
    let mut other = pms;
    other[47] ^= 1;
    cases.push((
        "valid, other secret".into(),
        raw_encrypt(&pkcs1_block(k, &other)),
    ));

    let bad_mac = alert(V12, AlertDescription::BAD_RECORD_MAC);
    for (what, ct) in cases {
        let r = cke_run(Some(ct), pms, 20);
        // Exactly like the honest run up to Finished: no output, no error, still going.
        assert_eq!(r[0], ok[0], "{what}: after ClientKeyExchange");
        assert_eq!(r[1], ok[1], "{what}: after ChangeCipherSpec");
        // Then the Finished record cannot be opened.
        assert_eq!(
            r[2],
            (false, bad_mac.clone(), Some(Error::BadRecordMac)),
            "{what}"
        );
    }
}

#[test]
fn client_key_exchange_with_trailing_bytes_is_a_syntax_error() {
    let (mut s, mut rng) = default_server(21);
    let mut c = Scripted::new(21, V12, &suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.read_server_flight(&drain(&mut s));
    // msg_type 16, length 3, then a u16 vector of length 0 and a stray byte.
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V12, &[16, 0, 0, 3, 0, 0, 9]),
    );
    assert!(matches!(res, Err(Error::InvalidMessage(_))), "{res:?}");
    assert_eq!(drain(&mut s), alert(V12, AlertDescription::DECODE_ERROR));
}

fn unexpected() -> Vec<u8> {
    alert(V12, AlertDescription::UNEXPECTED_MESSAGE)
}

/// A server that has answered the ClientHello of a scripted client.
fn after_hello(seed: u64) -> (ServerConnection, ChaCha20Rng, Scripted) {
    let (mut s, mut rng) = server(server_config(V12, V12), seed);
    let mut c = Scripted::new(seed, V12, &suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.read_server_flight(&drain(&mut s));
    (s, rng, c)
}

#[test]
fn messages_at_the_wrong_time() {
    // Application data before anything.
    let (mut s, mut rng) = default_server(30);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::APPLICATION_DATA, V10, b"GET /"),
    );
    assert_fails(
        &mut s,
        res,
        &PeerMisbehaved::ApplicationDataBeforeFinished.into(),
        &alert(V10, AlertDescription::UNEXPECTED_MESSAGE),
    );
    // CCS before the ClientHello.
    let (mut s, mut rng) = default_server(30);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::CHANGE_CIPHER_SPEC, V10, &[1]),
    );
    assert!(matches!(
        res,
        Err(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
            expected: "ClientHello",
            ..
        }))
    ));
    assert_eq!(
        drain(&mut s),
        alert(V10, AlertDescription::UNEXPECTED_MESSAGE)
    );
    // A first message that is not a ClientHello.
    let (mut s, mut rng) = default_server(30);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V10, &[14, 0, 0, 0]),
    );
    assert!(matches!(
        res,
        Err(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
            expected: "ClientHello",
            ..
        }))
    ));

    let want_cke = |got, got_handshake| -> Error {
        PeerMisbehaved::UnexpectedMessage {
            expected: "ClientKeyExchange",
            got,
            got_handshake,
        }
        .into()
    };
    // Early CCS (CVE-2014-0224): before the ClientKeyExchange.
    let (mut s, mut rng, c) = after_hello(31);
    let res = feed(&mut s, &mut rng, &c.ccs());
    assert_fails(
        &mut s,
        res,
        &want_cke(ContentType::CHANGE_CIPHER_SPEC, None),
        &unexpected(),
    );
    // A client Certificate we never asked for, a second ClientHello, a Finished.
    for (typ, body) in [
        (HandshakeType::CERTIFICATE, vec![0, 0, 0]),
        (HandshakeType::CLIENT_HELLO, hello_message(31)[4..].to_vec()),
        (HandshakeType::FINISHED, vec![0; 12]),
        (HandshakeType::HELLO_REQUEST, vec![]),
    ] {
        let (mut s, mut rng, _c) = after_hello(31);
        let mut m = vec![typ.get()];
        m.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
        m.extend_from_slice(&body);
        let res = feed(&mut s, &mut rng, &record(ContentType::HANDSHAKE, V12, &m));
        assert_fails(
            &mut s,
            res,
            &want_cke(ContentType::HANDSHAKE, Some(typ)),
            &unexpected(),
        );
    }
    // Application data between ClientKeyExchange and CCS.
    let (mut s, mut rng, mut c) = after_hello(32);
    let pms = good_pms();
    let ct = c.encrypt_pms(&pms);
    feed(&mut s, &mut rng, &c.client_key_exchange(ct)).unwrap();
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::APPLICATION_DATA, V12, b"x"),
    );
    assert_fails(
        &mut s,
        res,
        &PeerMisbehaved::ApplicationDataBeforeFinished.into(),
        &unexpected(),
    );
    // A second ClientKeyExchange instead of the CCS.
    let (mut s, mut rng, mut c) = after_hello(33);
    let ct = c.encrypt_pms(&pms);
    let cke = c.client_key_exchange(ct);
    feed(&mut s, &mut rng, &cke).unwrap();
    let res = feed(&mut s, &mut rng, &cke);
    assert_fails(
        &mut s,
        res,
        &PeerMisbehaved::UnexpectedMessage {
            expected: "ChangeCipherSpec",
            got: ContentType::HANDSHAKE,
            got_handshake: Some(HandshakeType::CLIENT_KEY_EXCHANGE),
        }
        .into(),
        &unexpected(),
    );
    // Encrypted application data between CCS and Finished.
    let (mut s, mut rng, mut c) = after_hello(34);
    let ct = c.encrypt_pms(&pms);
    let cke = c.client_key_exchange(ct);
    c.derive(&pms);
    feed(&mut s, &mut rng, &[cke, c.ccs()].concat()).unwrap();
    let data = c.seal(ContentType::APPLICATION_DATA, b"too early");
    let res = feed(&mut s, &mut rng, &data);
    assert_fails(
        &mut s,
        res,
        &PeerMisbehaved::ApplicationDataBeforeFinished.into(),
        &unexpected(),
    );
    // A second CCS instead of Finished.
    let (mut s, mut rng, mut c) = after_hello(35);
    let ct = c.encrypt_pms(&pms);
    let cke = c.client_key_exchange(ct);
    c.derive(&pms);
    feed(&mut s, &mut rng, &[cke, c.ccs()].concat()).unwrap();
    let ccs = c.seal(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    let res = feed(&mut s, &mut rng, &ccs);
    assert!(
        matches!(
            res,
            Err(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
                expected: "Finished",
                ..
            }))
        ),
        "{res:?}"
    );
    // A wrong Finished (right keys, wrong verify_data): decrypt_error.
    let (mut s, mut rng, mut c) = after_hello(36);
    let ct = c.encrypt_pms(&pms);
    let cke = c.client_key_exchange(ct);
    c.derive(&pms);
    let bogus = HandshakeMessage::new(HandshakePayload::Finished(vec![0; 12])).get_encoding();
    let fin = c.seal(ContentType::HANDSHAKE, &bogus);
    let res = feed(&mut s, &mut rng, &[cke, c.ccs(), fin].concat());
    assert_eq!(res, Err(PeerMisbehaved::BadFinished.into()));
    assert!(s.wants_write(), "decrypt_error alert queued");
}

#[test]
fn sslv2_compatible_hello() {
    for v in [V10, V11, V12] {
        let suites = suites_for(v);
        let (mut s, mut rng) = default_server(40);
        let mut c = Scripted::new(40, v, &suites, false, false);
        let hello = c.sslv2_client_hello(true);
        feed(&mut s, &mut rng, &hello).unwrap();
        c.read_server_flight(&drain(&mut s));
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
        let expected = c.expected_server_finished();
        let out = c.open_all(&drain(&mut s));
        assert_eq!(out[1], (ContentType::HANDSHAKE, expected));
        assert_eq!(s.sni(), None);
    }
    // Without the SCSV: no secure renegotiation, refused.
    let (mut s, mut rng) = default_server(41);
    let mut c = Scripted::new(41, V12, &suites_for(V12), false, false);
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
    let mut c = Scripted::new(42, V12, &suites_for(V12), false, false);
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
        let mut c = Scripted::new(50, V12, &suites_for(V12), true, true);
        c.hello.extensions[0] = ClientExtension::server_name(sent);
        feed(&mut s, &mut rng, &c.client_hello()).unwrap();
        assert_eq!(s.sni(), recorded);
        c.read_server_flight(&drain(&mut s));
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
        let mut c = Scripted::new(51, V12, &suites_for(V12), true, true);
        match name {
            Some(n) => c.hello.extensions[0] = ClientExtension::server_name(n),
            None => {
                c.hello.extensions.remove(0);
            }
        }
        feed(&mut s, &mut rng, &c.client_hello())?;
        c.read_server_flight(&drain(&mut s));
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

/// A lucid pair after its handshake, with the client's next record handed to `tamper`
/// before the server sees it.
fn after_handshake_tampered(
    seed: u64,
    version: ProtocolVersion,
    tamper: impl FnOnce(&mut Vec<u8>),
) -> (Pair, Result<Vec<u8>, Error>) {
    let mut p = Pair::new(
        client_config(version, version),
        server_config(V10, V12),
        seed,
    );
    p.handshake().unwrap();
    p.client
        .write_plaintext(b"hello server", &mut p.crng)
        .unwrap();
    let mut bytes = p.client.pending_tls().to_vec();
    let n = bytes.len();
    p.client.consume_tls(n);
    tamper(&mut bytes);
    let mut rng = p.srng.clone();
    let mut res = feed(&mut p.server, &mut rng, &bytes);
    // Read what arrives so back-pressure lets every record through.
    let mut got = Vec::new();
    for _ in 0..MAX_STEPS {
        let n = p.server.plaintext().len();
        if res.is_err() || n == 0 {
            break;
        }
        got.extend_from_slice(p.server.plaintext());
        p.server.consume_plaintext(n);
        res = p.server.process(now(), &mut rng).map(|_| ());
    }
    (p, res.map(|()| got))
}

#[test]
fn bad_records_after_the_handshake() {
    for v in [V10, V11, V12] {
        // Untouched: delivered (TLS 1.0 splits 1/n-1: two records).
        let (_, res) = after_handshake_tampered(60, v, |_| {});
        assert_eq!(res.unwrap(), b"hello server");
        // A flipped bit anywhere in the last record's body: bad_record_mac.
        let (mut p, res) = after_handshake_tampered(61, v, |b| {
            let last = b.len() - 1;
            b[last - 20] ^= 1;
        });
        assert_eq!(res, Err(Error::BadRecordMac), "{v}");
        assert!(p.server.wants_write());
        let out = drain(&mut p.server);
        assert_eq!(out[0], 21, "an alert record");
        assert!(out.len() > 7, "sealed, so longer than a plain alert");
        // Another record version than the negotiated one: protocol_version.
        let (_, res) = after_handshake_tampered(62, v, |b| b[2] ^= 3);
        assert!(
            matches!(
                res,
                Err(Error::PeerMisbehaved(
                    PeerMisbehaved::WrongRecordVersion { .. }
                ))
            ),
            "{v}: {res:?}"
        );
        // The record cut short and the connection closed: truncation is an error.
        let (mut p, res) = after_handshake_tampered(63, v, |b| {
            b.truncate(b.len() - 1);
        });
        assert_ne!(res.unwrap(), b"hello server");
        assert_eq!(p.server.transport_eof(), Err(Error::UnexpectedEof));
    }
}

#[test]
fn alerts_and_close_from_the_client() {
    // A clean close_notify from the client.
    let mut p = Pair::new(client_config(V12, V12), server_config(V12, V12), 64);
    p.handshake().unwrap();
    p.client.send_close_notify(&mut p.crng);
    p.c2s();
    assert!(p.server.peer_has_closed());
    assert_eq!(p.server.transport_eof(), Ok(()));
    // Warning alerts are recorded; a flood of them ends the connection.
    let (mut s, mut rng, mut c) = after_hello(65);
    let pms = good_pms();
    let ct = c.encrypt_pms(&pms);
    let cke = c.client_key_exchange(ct);
    c.derive(&pms);
    let ccs = c.ccs();
    let fin = c.finished();
    feed(&mut s, &mut rng, &[cke, ccs, fin].concat()).unwrap();
    drain(&mut s);
    let warning = c.seal(
        ContentType::ALERT,
        &[1, AlertDescription::USER_CANCELED.get()],
    );
    feed(&mut s, &mut rng, &warning).unwrap();
    assert_eq!(s.received_warnings(), [AlertDescription::USER_CANCELED]);
    let mut res = Ok(());
    for _ in 0..32 {
        let w = c.seal(
            ContentType::ALERT,
            &[1, AlertDescription::USER_CANCELED.get()],
        );
        res = feed(&mut s, &mut rng, &w);
        if res.is_err() {
            break;
        }
    }
    assert_eq!(
        res,
        Err(PeerMisbehaved::Other("too many warning alerts").into())
    );
    // A fatal alert from the client ends the connection, and nothing is sent back.
    let (mut s, mut rng, _c) = after_hello(66);
    let res = feed(
        &mut s,
        &mut rng,
        &record(
            ContentType::ALERT,
            V12,
            &[2, AlertDescription::HANDSHAKE_FAILURE.get()],
        ),
    );
    assert_eq!(
        res,
        Err(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );
    assert!(!s.wants_write());
}
