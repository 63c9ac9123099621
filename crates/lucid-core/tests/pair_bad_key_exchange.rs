//! Bad input after the ClientHello, from the server's point of view (issue 5, "Bad
//! input"): every kind of bad ClientKeyExchange (indistinguishable from a good one until
//! Finished), messages at the wrong time, bad records and alerts after the handshake. Each
//! case asserts the typed error and the exact alert bytes; none may panic.

mod pair_common;

use lucid_core::Error;
use lucid_core::PeerMisbehaved;
use lucid_core::ServerConnection;
use lucid_core::internal::msgs::enums::{
    AlertDescription, ContentType, HandshakeType, ProtocolVersion,
};
use lucid_core::internal::msgs::handshake::{HandshakeMessage, HandshakePayload};
use pair_common::*;
use rand_chacha::ChaCha20Rng;

/// Runs a scripted handshake whose ClientKeyExchange carries `ciphertext` while the
/// client derives its keys from `believed`. Returns what the server showed after the
/// ClientKeyExchange, after the CCS and after the Finished.
fn cke_run(
    ciphertext: Option<Vec<u8>>,
    believed: [u8; 48],
    seed: u64,
) -> [(bool, Vec<u8>, Option<Error>); 3] {
    let (mut s, mut rng) = server(server_config(V12, V12), seed);
    let mut c = scripted(seed, V12, &rsa_kx_suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.receive(&drain(&mut s));
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
    let lucid_core::ServerKey::Rsa(key) = fixtures().cert.key() else {
        panic!("the fixture key is RSA")
    };
    let k = key.modulus_len();
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
    let mut c = scripted(21, V12, &rsa_kx_suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.receive(&drain(&mut s));
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
    let mut c = scripted(seed, V12, &rsa_kx_suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.receive(&drain(&mut s));
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
    let (mut s, mut rng, mut c) = after_hello(31);
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
        Err(Error::AlertReceived {
            description: AlertDescription::HANDSHAKE_FAILURE,
            step: None
        })
    );
    assert!(!s.wants_write());
}

/// A ChangeCipherSpec that is not exactly the one byte 0x01 (wrong value, too long, two
/// CCS bytes in one record): unexpected_message, as OpenSSL (`tls_get_message_header`: "A
/// ChangeCipherSpec must be a single byte"). Sent before the new keys, so in plaintext.
#[test]
fn malformed_change_cipher_spec_is_unexpected_message() {
    for body in [
        &[2u8][..],
        &[1, 1][..],
        &[1, 0][..],
        &[0][..],
        &[1; 300][..],
    ] {
        let (mut s, mut rng) = default_server(50);
        let mut c = scripted(50, V12, &rsa_kx_suites_for(V12), true, true);
        feed(&mut s, &mut rng, &c.client_hello()).unwrap();
        c.receive(&drain(&mut s));
        let ct = c.encrypt_pms(&good_pms());
        let cke = c.client_key_exchange(ct);
        let ccs = record(ContentType::CHANGE_CIPHER_SPEC, V12, body);
        let res = feed(&mut s, &mut rng, &[cke, ccs].concat());
        assert_fails(
            &mut s,
            res,
            &PeerMisbehaved::BadChangeCipherSpec.into(),
            // fatal(2) unexpected_message(10), TLS 1.2 record
            &[21, 3, 3, 0, 2, 2, 10],
        );
    }
}
