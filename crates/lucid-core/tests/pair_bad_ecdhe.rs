//! Bad ECDHE key exchanges, both directions (issue 15, "Bad input"): a real lucid server's
//! ServerHello … ServerHelloDone flight is taken apart, one thing in it is broken — the
//! ServerKeyExchange signature, its algorithm, its group, its point (re-signed with the
//! certificate's key, so only the point is wrong), the key that signed it, the suite's
//! certificate type — and fed to a lucid client; and a real lucid client's
//! ClientKeyExchange gets a bad point on its way to the server. Each case asserts the typed
//! error and the exact alert record the victim sent; none may panic.
//!
//! The same for DHE (the legacy opt-in): the server's prime (too small, even), generator
//! and public value, and the client's public value, outside their ranges.

mod pair_common;

use std::sync::Arc;

use lucid_core::fuzzing::script::raw_hs;
use lucid_core::internal::msgs::enums::{ContentType, HandshakeType, SignatureScheme};
use lucid_core::x509::pki_types::PrivateKeyDer;
use lucid_core::x509::pki_types::pem::PemObject;
use lucid_core::{
    CipherSuite, ClientConfig, Error, NamedGroup, PeerMisbehaved, ProtocolVersion, RsaCrateKey,
    ServerConfig, ServerKey, ServerRsaKey,
};
use pair_common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};

const ECDHE_RSA_GCM: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const ECDHE_RSA_CBC: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;

fn configs(
    v: ProtocolVersion,
    suites: &[CipherSuite],
    groups: &[NamedGroup],
) -> (ClientConfig, ServerConfig) {
    let mut c = client_config(v, v);
    c.cipher_suites = suites.to_vec();
    c.groups = groups.to_vec();
    let mut s = server_config(v, v);
    s.groups = groups.to_vec();
    (c, s)
}

/// What the client saw of the server's first flight.
struct Flight {
    pair: Pair,
    version: ProtocolVersion,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// ServerHello, Certificate, ServerKeyExchange (ECDHE), ServerHelloDone: raw messages.
    msgs: Vec<Vec<u8>>,
}

/// Runs the ClientHello through the server and takes its first flight apart (not yet
/// delivered to the client).
fn first_flight(client: ClientConfig, server: ServerConfig, seed: u64) -> Flight {
    let mut pair = Pair::new(client, server, seed);
    pair.c2s();
    assert!(pair.server_err.is_none(), "{:?}", pair.server_err);
    let flight = pair.server.pending_tls().to_vec();
    pair.server.consume_tls(flight.len());
    let version = records(&flight)[0].0.version;
    let msgs = handshake_messages(&flight);
    let ch = &handshake_messages(&pair.c2s_log)[0];
    let client_random: [u8; 32] = ch[6..38].try_into().unwrap();
    let server_random: [u8; 32] = msgs[0][6..38].try_into().unwrap();
    Flight {
        pair,
        version,
        client_random,
        server_random,
        msgs,
    }
}

impl Flight {
    fn index_of(&self, t: HandshakeType) -> usize {
        self.msgs
            .iter()
            .position(|m| hs_type(m) == t)
            .unwrap_or_else(|| panic!("no {t:?} in the flight"))
    }

    fn ske(&mut self) -> &mut Vec<u8> {
        let i = self.index_of(HandshakeType::SERVER_KEY_EXCHANGE);
        &mut self.msgs[i]
    }

    /// The ServerKeyExchange's parts: (params, TLS 1.2 scheme, signature).
    fn ske_parts(&mut self) -> (Vec<u8>, Option<u16>, Vec<u8>) {
        let tls12 = self.version == V12;
        let body = &self.ske()[4..];
        let params_len = 4 + usize::from(body[3]);
        let (params, rest) = body.split_at(params_len);
        let (scheme, rest) = if tls12 {
            (Some(u16::from_be_bytes([rest[0], rest[1]])), &rest[2..])
        } else {
            (None, rest)
        };
        let sig_len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        assert_eq!(rest.len(), 2 + sig_len);
        (params.to_vec(), scheme, rest[2..].to_vec())
    }

    /// Replaces the ServerKeyExchange with `params`, signed by `key` with
    /// rsa_pkcs1_sha256 (TLS 1.2 only).
    fn resign(&mut self, params: &[u8], key: &dyn ServerRsaKey) {
        assert_eq!(self.version, V12);
        let mut signed = self.client_random.to_vec();
        signed.extend_from_slice(&self.server_random);
        signed.extend_from_slice(params);
        let sig = rsa_pkcs1_sha256(key, &signed);
        let mut body = params.to_vec();
        body.extend_from_slice(&SignatureScheme::RSA_PKCS1_SHA256.get().to_be_bytes());
        body.extend_from_slice(&u16::try_from(sig.len()).unwrap().to_be_bytes());
        body.extend_from_slice(&sig);
        *self.ske() = raw_hs(HandshakeType::SERVER_KEY_EXCHANGE.get(), &body);
    }

    /// Delivers the (edited) flight to the client, one handshake record per message, and
    /// returns the client's error and the bytes it sent in answer.
    fn deliver(mut self) -> (Option<Error>, Vec<u8>) {
        let mut bytes = Vec::new();
        for m in &self.msgs {
            bytes.extend(record(ContentType::HANDSHAKE, self.version, m));
        }
        let mut err = None;
        let mut off = 0;
        for _ in 0..MAX_STEPS {
            let n = self.pair.client.read_tls_bytes(&bytes[off..]);
            off += n;
            if let Err(e) = self.pair.client.process(now(), &mut self.pair.crng) {
                err = Some(e);
                break;
            }
            if n == 0 || off == bytes.len() {
                break;
            }
        }
        let out = self.pair.client.pending_tls().to_vec();
        (err, out)
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 through a server key's raw private operation.
fn rsa_pkcs1_sha256(key: &dyn ServerRsaKey, message: &[u8]) -> Vec<u8> {
    const SHA256_DIGEST_INFO: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let k = key.modulus_len();
    let mut t = SHA256_DIGEST_INFO.to_vec();
    t.extend_from_slice(&Sha256::digest(message));
    let mut em = vec![0xff; k];
    em[0] = 0;
    em[1] = 1;
    em[k - t.len() - 1] = 0;
    em[k - t.len()..].copy_from_slice(&t);
    let mut sig = vec![0; k];
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    key.decrypt_raw(&em, &mut sig, &mut rng).unwrap();
    sig
}

fn fixture_key() -> Arc<dyn ServerRsaKey> {
    match fixtures().cert.key() {
        ServerKey::Rsa(k) => k.clone(),
        other => panic!("the fixture key is RSA, not {other:?}"),
    }
}

/// A different RSA-2048 key (testdata/cases/good.key), not the certificate's.
fn other_key() -> RsaCrateKey {
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases/good.key");
    match PrivateKeyDer::from_pem_slice(&std::fs::read(path).unwrap()).unwrap() {
        PrivateKeyDer::Pkcs8(k) => RsaCrateKey::from_pkcs8_der(k.secret_pkcs8_der()).unwrap(),
        other => panic!("good.key is not PKCS#8: {other:?}"),
    }
}

/// A fatal alert record at `version` (the client's records are plaintext until its CCS).
fn alert_record(version: ProtocolVersion, description: u8) -> Vec<u8> {
    record(ContentType::ALERT, version, &[2, description])
}

const ILLEGAL_PARAMETER: u8 = 47;
const DECRYPT_ERROR: u8 = 51;
const UNEXPECTED_MESSAGE: u8 = 10;
const UNSUPPORTED_CERTIFICATE: u8 = 43;
const HANDSHAKE_FAILURE: u8 = 40;

fn assert_client_fails(got: (Option<Error>, Vec<u8>), want: Error, alert: &[u8]) {
    assert_eq!(got.0, Some(want.clone()), "error");
    assert_eq!(got.1, alert, "alert for {want:?}");
}

#[test]
fn untouched_flight_completes() {
    // The harness itself: the unedited flight gives the client no error, and the client
    // answers with ClientKeyExchange, ChangeCipherSpec and Finished.
    for (v, suite) in [(V12, ECDHE_RSA_GCM), (V10, ECDHE_RSA_CBC)] {
        let (c, s) = configs(v, &[suite], &[NamedGroup::X25519]);
        let f = first_flight(c, s, 1);
        let (err, out) = f.deliver();
        assert_eq!(err, None);
        let recs = records(&out);
        assert_eq!(recs.len(), 3, "{v:?}");
        assert_eq!(recs[1].0.typ, ContentType::CHANGE_CIPHER_SPEC);
    }
}

#[test]
fn server_key_exchange_signature_defects() {
    for (v, suite) in [
        (V12, ECDHE_RSA_GCM),
        (V11, ECDHE_RSA_CBC),
        (V10, ECDHE_RSA_CBC),
    ] {
        // A flipped bit in the signature: decrypt_error.
        let (c, s) = configs(v, &[suite], &[NamedGroup::X25519]);
        let mut f = first_flight(c, s, 2);
        let ske = f.ske();
        let last = ske.len() - 1;
        ske[last] ^= 1;
        assert_client_fails(
            f.deliver(),
            PeerMisbehaved::BadServerKeyExchangeSignature.into(),
            &alert_record(v, DECRYPT_ERROR),
        );

        // A bit flipped in the signed params (the public point) instead: the signature no
        // longer covers what was sent.
        let (c, s) = configs(v, &[suite], &[NamedGroup::X25519]);
        let mut f = first_flight(c, s, 3);
        f.ske()[4 + 4 + 5] ^= 0x40;
        assert_client_fails(
            f.deliver(),
            PeerMisbehaved::BadServerKeyExchangeSignature.into(),
            &alert_record(v, DECRYPT_ERROR),
        );
    }

    // The signature made by another RSA key than the certificate's: decrypt_error.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 4);
    let (params, _, _) = f.ske_parts();
    f.resign(&params, &other_key());
    assert_client_fails(
        f.deliver(),
        PeerMisbehaved::BadServerKeyExchangeSignature.into(),
        &alert_record(V12, DECRYPT_ERROR),
    );

    // The same re-signing with the certificate's own key passes: the helper is sound.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 5);
    let (params, _, _) = f.ske_parts();
    f.resign(&params, &*fixture_key());
    assert_eq!(f.deliver().0, None);

    // A truncated signature and an empty one.
    for cut in [1usize, 256] {
        let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
        let mut f = first_flight(c, s, 6);
        let (params, scheme, sig) = f.ske_parts();
        let sig = &sig[..sig.len() - cut];
        let mut body = params;
        body.extend_from_slice(&scheme.unwrap().to_be_bytes());
        body.extend_from_slice(&u16::try_from(sig.len()).unwrap().to_be_bytes());
        body.extend_from_slice(sig);
        *f.ske() = raw_hs(HandshakeType::SERVER_KEY_EXCHANGE.get(), &body);
        assert_client_fails(
            f.deliver(),
            PeerMisbehaved::BadServerKeyExchangeSignature.into(),
            &alert_record(V12, DECRYPT_ERROR),
        );
    }
}

#[test]
fn server_key_exchange_algorithm_defects() {
    // TLS 1.2: a scheme the client did not offer (rsa_pss_rsae_sha256), and one it offered
    // that does not fit an RSA certificate (ecdsa_secp256r1_sha256): illegal_parameter.
    for scheme in [
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::ECDSA_SECP256R1_SHA256,
    ] {
        let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
        let mut f = first_flight(c, s, 7);
        let at = 4 + 4 + usize::from(f.ske()[4 + 3]);
        f.ske()[at..at + 2].copy_from_slice(&scheme.get().to_be_bytes());
        assert_client_fails(
            f.deliver(),
            PeerMisbehaved::UnofferedSignatureScheme(scheme).into(),
            &alert_record(V12, ILLEGAL_PARAMETER),
        );
    }
}

#[test]
fn server_key_exchange_group_defects() {
    // A group the client did not offer, re-signed so that only the group is wrong.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 10);
    let (mut params, _, _) = f.ske_parts();
    params[1..3].copy_from_slice(&NamedGroup::SECP384R1.get().to_be_bytes());
    f.resign(&params, &*fixture_key());
    assert_client_fails(
        f.deliver(),
        PeerMisbehaved::UnofferedGroup(NamedGroup::SECP384R1).into(),
        &alert_record(V12, ILLEGAL_PARAMETER),
    );

    // explicit_prime curve parameters (curve_type 1, RFC 8422 §5.4 forbids them).
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 11);
    let (mut params, _, _) = f.ske_parts();
    params[0] = 1;
    f.resign(&params, &*fixture_key());
    let (err, alert) = f.deliver();
    assert!(
        matches!(err, Some(Error::PeerMisbehaved(_))),
        "explicit curve: {err:?}"
    );
    assert_eq!(alert, alert_record(V12, ILLEGAL_PARAMETER));
}

/// Replaces the point in the ServerKeyExchange, re-signed with the certificate's key, and
/// returns what the client did.
fn with_server_point(group: NamedGroup, point: &[u8], seed: u64) -> (Option<Error>, Vec<u8>) {
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[group]);
    let mut f = first_flight(c, s, seed);
    let (params, _, _) = f.ske_parts();
    let mut params = params[..3].to_vec();
    params.push(u8::try_from(point.len()).unwrap());
    params.extend_from_slice(point);
    f.resign(&params, &*fixture_key());
    f.deliver()
}

/// Bad public values for `group`: (what, bytes).
fn bad_points(group: NamedGroup) -> Vec<(&'static str, Vec<u8>)> {
    match group {
        NamedGroup::X25519 => vec![
            // u = 0 and u = 1 are small-order points: the shared secret is all zeros
            // (RFC 7748 §6.1 says to refuse it).
            ("u = 0", vec![0; 32]),
            ("u = 1", {
                let mut u = vec![0; 32];
                u[0] = 1;
                u
            }),
            ("31 bytes", vec![9; 31]),
            ("33 bytes", vec![9; 33]),
        ],
        _ => {
            let coord = if group == NamedGroup::SECP256R1 {
                32
            } else {
                48
            };
            let mut off_curve = vec![4];
            off_curve.extend(std::iter::repeat_n(0x11, 2 * coord));
            let mut compressed = vec![2];
            compressed.extend(std::iter::repeat_n(0x11, coord));
            let mut short = vec![4];
            short.extend(std::iter::repeat_n(0x11, 2 * coord - 1));
            // x = 0 and y = 0: not on either curve (b ≠ 0).
            let mut zeros = vec![4];
            zeros.extend(std::iter::repeat_n(0, 2 * coord));
            vec![
                ("not on the curve", off_curve),
                ("compressed", compressed),
                ("point at infinity", vec![0]),
                ("one byte short", short),
                ("(0, 0)", zeros),
            ]
        }
    }
}

/// An empty point is a syntax error (RFC 8422 §5.4: `opaque point <1..2^8-1>`): decode_error.
fn assert_empty_point_refused(got: (Option<Error>, Vec<u8>)) {
    assert!(
        matches!(got.0, Some(Error::InvalidMessage(_))),
        "{:?}",
        got.0
    );
    assert_eq!(got.1, alert_record(V12, 50));
}

#[test]
fn server_key_exchange_point_defects() {
    for group in [
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
    ] {
        for (i, (what, point)) in bad_points(group).into_iter().enumerate() {
            let got = with_server_point(group, &point, 20 + i as u64);
            if i == 0 {
                assert_empty_point_refused(with_server_point(group, &[], 19));
            }
            assert_eq!(
                got.0,
                Some(PeerMisbehaved::InvalidKeyShare(group).into()),
                "{group:?} {what}"
            );
            assert_eq!(
                got.1,
                alert_record(V12, ILLEGAL_PARAMETER),
                "{group:?} {what}"
            );
        }
    }
}

#[test]
fn suite_and_certificate_disagree() {
    // The server picked ECDHE_RSA; the ServerHello is edited to ECDHE_ECDSA (offered too),
    // so the client sees an RSA certificate under an ECDSA suite: unsupported_certificate.
    let ecdsa = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    let (c, s) = configs(V12, &[ecdsa, ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 30);
    let sh = &mut f.msgs[0];
    let sid_len = usize::from(sh[4 + 34]);
    let at = 4 + 35 + sid_len;
    assert_eq!(
        u16::from_be_bytes([sh[at], sh[at + 1]]),
        ECDHE_RSA_GCM.get()
    );
    sh[at..at + 2].copy_from_slice(&ecdsa.get().to_be_bytes());
    let (err, alert) = f.deliver();
    assert!(
        matches!(
            err,
            Some(Error::PeerMisbehaved(
                PeerMisbehaved::WrongCertificateKeyType { .. }
            ))
        ),
        "{err:?}"
    );
    assert_eq!(alert, alert_record(V12, UNSUPPORTED_CERTIFICATE));

    // A server with only an RSA certificate and a client offering only ECDHE_ECDSA: no
    // suite in common, handshake_failure from the server.
    let (c, s) = configs(V12, &[ecdsa], &[NamedGroup::X25519]);
    let mut pair = Pair::new(c, s, 31);
    pair.c2s();
    assert!(
        matches!(pair.server_err, Some(Error::PeerIncompatible(_))),
        "{:?}",
        pair.server_err
    );
    let sent = pair.server.pending_tls().to_vec();
    assert_eq!(sent, alert_record(V12, HANDSHAKE_FAILURE));
}

/// The client refused the flight as out of order: unexpected_message.
fn assert_unexpected_message((err, alert): (Option<Error>, Vec<u8>)) {
    assert!(
        matches!(
            err,
            Some(Error::PeerMisbehaved(
                PeerMisbehaved::UnexpectedMessage { .. }
            ))
        ),
        "{err:?}"
    );
    assert_eq!(alert, alert_record(V12, UNEXPECTED_MESSAGE));
}

#[test]
fn key_exchange_messages_out_of_place() {
    // ECDHE suite without its ServerKeyExchange: ServerHelloDone arrives where the
    // ServerKeyExchange must be.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 40);
    let i = f.index_of(HandshakeType::SERVER_KEY_EXCHANGE);
    f.msgs.remove(i);
    assert_unexpected_message(f.deliver());

    // Two ServerKeyExchanges.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 41);
    let i = f.index_of(HandshakeType::SERVER_KEY_EXCHANGE);
    let ske = f.msgs[i].clone();
    f.msgs.insert(i, ske);
    assert_unexpected_message(f.deliver());

    // A ServerKeyExchange under RSA key exchange (taken from an ECDHE flight).
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 42);
    let ske = f.ske().clone();
    let rsa = CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256;
    let (c, s) = configs(V12, &[rsa], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 43);
    let done = f.index_of(HandshakeType::SERVER_HELLO_DONE);
    f.msgs.insert(done, ske);
    assert_unexpected_message(f.deliver());

    // Trailing bytes after the signature: decode_error.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut f = first_flight(c, s, 44);
    let mut body = f.ske()[4..].to_vec();
    body.push(0);
    *f.ske() = raw_hs(HandshakeType::SERVER_KEY_EXCHANGE.get(), &body);
    let (err, alert) = f.deliver();
    assert!(matches!(err, Some(Error::InvalidMessage(_))), "{err:?}");
    assert_eq!(alert, alert_record(V12, 50));
}

/// Runs a handshake whose ClientKeyExchange (from a real lucid client) carries `point`
/// instead of the client's share; returns the server's error and what it sent.
fn with_client_point(group: NamedGroup, point: &[u8], seed: u64) -> (Option<Error>, Vec<u8>) {
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[group]);
    let mut pair = Pair::new(c, s, seed);
    pair.c2s();
    pair.s2c();
    assert!(pair.client_err.is_none(), "{:?}", pair.client_err);
    let out = pair.client.pending_tls().to_vec();
    pair.client.consume_tls(out.len());
    let recs = records(&out);
    assert_eq!(hs_type(&recs[0].1), HandshakeType::CLIENT_KEY_EXCHANGE);
    let mut body = vec![u8::try_from(point.len()).unwrap()];
    body.extend_from_slice(point);
    let mut bytes = record(
        ContentType::HANDSHAKE,
        V12,
        &raw_hs(HandshakeType::CLIENT_KEY_EXCHANGE.get(), &body),
    );
    for (h, p) in &recs[1..] {
        bytes.extend(record(h.typ, h.version, p));
    }
    let res = feed(&mut pair.server, &mut pair.srng, &bytes).err();
    (res, drain(&mut pair.server))
}

#[test]
fn client_key_exchange_point_defects() {
    for group in [
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
    ] {
        for (i, (what, point)) in bad_points(group).into_iter().enumerate() {
            if i == 0 {
                assert_empty_point_refused(with_client_point(group, &[], 49));
            }
            let (err, sent) = with_client_point(group, &point, 50 + i as u64);
            assert_eq!(
                err,
                Some(PeerMisbehaved::InvalidKeyShare(group).into()),
                "{group:?} {what}"
            );
            assert_eq!(
                sent,
                alert_record(V12, ILLEGAL_PARAMETER),
                "{group:?} {what}"
            );
        }
    }
}

#[test]
fn client_key_exchange_of_the_wrong_kind() {
    // An RSA-style ClientKeyExchange (2-byte length, 256 bytes) under ECDHE: the first
    // byte is read as the point length and the rest does not fit.
    let (c, s) = configs(V12, &[ECDHE_RSA_GCM], &[NamedGroup::X25519]);
    let mut pair = Pair::new(c, s, 60);
    pair.c2s();
    pair.s2c();
    let out = pair.client.pending_tls().to_vec();
    pair.client.consume_tls(out.len());
    let mut body = vec![1, 0];
    body.extend(std::iter::repeat_n(0x5a, 256));
    let bytes = record(
        ContentType::HANDSHAKE,
        V12,
        &raw_hs(HandshakeType::CLIENT_KEY_EXCHANGE.get(), &body),
    );
    let res = feed(&mut pair.server, &mut pair.srng, &bytes);
    assert!(matches!(res, Err(Error::InvalidMessage(_))), "{res:?}");
    assert_eq!(drain(&mut pair.server), alert_record(V12, 50));
}

// ---- DHE (the legacy opt-in): the same checks for finite-field parameters ----

const DHE_GCM: CipherSuite = CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;

fn dhe_configs(v: ProtocolVersion, suite: CipherSuite) -> (ClientConfig, ServerConfig) {
    let mut c = client_config(v, v);
    c.enable_legacy_ciphers();
    c.cipher_suites = vec![suite];
    let mut s = server_config(v, v);
    s.enable_legacy_ciphers();
    (c, s)
}

/// `ServerDHParams`: p, g, Ys, each u16-prefixed.
fn dh_params(p: &[u8], g: &[u8], ys: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [p, g, ys] {
        out.extend_from_slice(&u16::try_from(v.len()).unwrap().to_be_bytes());
        out.extend_from_slice(v);
    }
    out
}

/// The DHE ServerKeyExchange's (p, g, Ys).
fn dh_parts(f: &mut Flight) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let body = f.ske()[4..].to_vec();
    let mut at = 0;
    let mut next = || {
        let n = usize::from(u16::from_be_bytes([body[at], body[at + 1]]));
        let v = body[at + 2..at + 2 + n].to_vec();
        at += 2 + n;
        v
    };
    (next(), next(), next())
}

#[test]
fn dhe_every_suite_and_version_and_the_default_refusal() {
    let mut count = 0;
    let dhe = lucid_core::legacy_cipher_suites().filter(|s| {
        lucid_core::internal::crypto::suites::lookup(*s).unwrap().kx
            == lucid_core::internal::crypto::suites::KeyExchange::Dhe
    });
    for suite in dhe {
        for v in VERSIONS {
            let params = lucid_core::internal::crypto::suites::lookup(suite).unwrap();
            if !params.usable_with(v) {
                continue;
            }
            let (c, s) = dhe_configs(v, suite);
            let mut p = Pair::new(c, s, 70 + count);
            p.handshake()
                .unwrap_or_else(|e| panic!("{v} {suite}: {e:?}"));
            for n in [
                p.client.negotiated().unwrap(),
                p.server.negotiated().unwrap(),
            ] {
                assert_eq!((n.version, n.suite), (v, suite));
                assert_eq!(n.group, Some(NamedGroup::FFDHE2048), "{v} {suite}");
            }
            p.exercise();
            count += 1;
        }
    }
    // 3 suites (AES-128/256-CBC-SHA, 3DES) × 3 versions + 4 TLS 1.2-only suites.
    assert_eq!(count, 13);

    // Without the opt-in: never offered (the default ClientHello on the wire has no legacy
    // suite), never accepted, and naming one is an error that says what is weak.
    let mut p = Pair::new(client_config(V10, V12), server_config(V10, V12), 95);
    p.handshake().unwrap();
    let hello = &records(&p.c2s_log)[0].1;
    let msg = lucid_core::internal::msgs::handshake::HandshakeMessage::read_versioned(hello, V12)
        .unwrap();
    let lucid_core::internal::msgs::handshake::HandshakePayload::ClientHello(ch) = msg.payload
    else {
        panic!("not a ClientHello")
    };
    assert!(!ch.cipher_suites.is_empty());
    for s in &ch.cipher_suites {
        assert!(
            !lucid_core::legacy_cipher_suites().any(|l| l == *s),
            "default ClientHello offers {s}"
        );
    }
    assert!(lucid_core::supported_cipher_suites().all(|s| {
        lucid_core::internal::crypto::suites::lookup(s)
            .unwrap()
            .legacy
            .is_none()
    }));
    let mut c = client_config(V12, V12);
    c.cipher_suites = vec![DHE_GCM];
    let err = lucid_core::ClientConnection::new(
        Arc::new(c),
        lucid_core::pki_types::ServerName::try_from("localhost").unwrap(),
        now(),
        &mut ChaCha20Rng::seed_from_u64(1),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Misuse(m) if m.contains("Logjam") && m.contains("--legacy-ciphers")),
        "{err:?}"
    );
    let (mut c, _) = dhe_configs(V12, DHE_GCM);
    c.cipher_suites = vec![DHE_GCM];
    let mut p = Pair::new(c, server_config(V12, V12), 90);
    assert!(p.handshake().is_err());
    assert_eq!(
        p.server_err,
        Some(lucid_core::PeerIncompatible::NoCommonCipherSuite.into())
    );
}

/// The DHE ServerKeyExchange re-signed with `edit` applied to (p, g, Ys).
fn with_dh_params(
    seed: u64,
    client: impl FnOnce(&mut ClientConfig),
    edit: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>, &mut Vec<u8>),
) -> (Option<Error>, Vec<u8>) {
    let (mut c, s) = dhe_configs(V12, DHE_GCM);
    client(&mut c);
    let mut f = first_flight(c, s, seed);
    let (mut p, mut g, mut ys) = dh_parts(&mut f);
    edit(&mut p, &mut g, &mut ys);
    f.resign(&dh_params(&p, &g, &ys), &*fixture_key());
    f.deliver()
}

#[test]
fn dhe_server_parameter_defects() {
    // The untouched (re-signed) parameters complete the client's side.
    assert_eq!(with_dh_params(100, |_| {}, |_, _, _| {}).0, None);

    // A 1024-bit prime: insufficient_security; accepted with the 1024-bit opt-in.
    let half = |p: &mut Vec<u8>, _: &mut Vec<u8>, ys: &mut Vec<u8>| {
        p.drain(..128);
        ys.drain(..128);
        ys[0] = 2;
    };
    let (err, alert) = with_dh_params(101, |_| {}, half);
    assert_eq!(
        err,
        Some(
            lucid_core::PeerIncompatible::WeakDhGroup {
                bits: 1024,
                min: 2048
            }
            .into()
        )
    );
    assert_eq!(alert, alert_record(V12, 71));
    let (err, _) = with_dh_params(102, |c| c.allow_rsa_1024_legacy = true, half);
    assert_eq!(err, None, "1024-bit group under allow_rsa_1024_legacy");

    // Even p; g of 0, 1, p-1; Ys of 0, 1, p-1, p: illegal_parameter.
    let bad = |e: Option<Error>, a: Vec<u8>, what: &str| {
        assert!(
            matches!(
                e,
                Some(Error::PeerMisbehaved(PeerMisbehaved::InvalidDhValue(_)))
            ),
            "{what}: {e:?}"
        );
        assert_eq!(a, alert_record(V12, ILLEGAL_PARAMETER), "{what}");
    };
    let (e, a) = with_dh_params(103, |_| {}, |p, _, _| *p.last_mut().unwrap() &= 0xfe);
    bad(e, a, "even p");
    for (i, g) in [vec![0u8], vec![1]].into_iter().enumerate() {
        let (e, a) = with_dh_params(104 + i as u64, |_| {}, |_, gg, _| *gg = g);
        bad(e, a, "g");
    }
    let (e, a) = with_dh_params(
        106,
        |_| {},
        |p, g, _| {
            *g = p.clone();
            *g.last_mut().unwrap() -= 1;
        },
    );
    bad(e, a, "g = p-1");
    // The server's public value is checked when the client agrees (after its own key is
    // made): the alert comes in answer to ServerHelloDone.
    for (i, ys_of) in [
        (|_: &[u8]| vec![0u8]) as fn(&[u8]) -> Vec<u8>,
        |_| vec![1],
        |p| {
            let mut v = p.to_vec();
            *v.last_mut().unwrap() -= 1;
            v
        },
        |p| p.to_vec(),
    ]
    .into_iter()
    .enumerate()
    {
        let (e, a) = with_dh_params(110 + i as u64, |_| {}, |p, _, ys| *ys = ys_of(p));
        bad(e, a, "Ys");
    }
}

#[test]
fn dhe_client_public_value_defects() {
    let p = lucid_core::internal::crypto::dh_ffdhe2048_prime();
    let mut p_minus_1 = p.to_vec();
    *p_minus_1.last_mut().unwrap() -= 1;
    for (i, yc) in [vec![0u8], vec![1], p_minus_1, p.to_vec()]
        .into_iter()
        .enumerate()
    {
        let (c, s) = dhe_configs(V12, DHE_GCM);
        let mut pair = Pair::new(c, s, 120 + i as u64);
        pair.c2s();
        pair.s2c();
        assert!(pair.client_err.is_none(), "{:?}", pair.client_err);
        let out = pair.client.pending_tls().to_vec();
        pair.client.consume_tls(out.len());
        let recs = records(&out);
        assert_eq!(hs_type(&recs[0].1), HandshakeType::CLIENT_KEY_EXCHANGE);
        let mut body = u16::try_from(yc.len()).unwrap().to_be_bytes().to_vec();
        body.extend_from_slice(&yc);
        let mut bytes = record(
            ContentType::HANDSHAKE,
            V12,
            &raw_hs(HandshakeType::CLIENT_KEY_EXCHANGE.get(), &body),
        );
        for (h, p) in &recs[1..] {
            bytes.extend(record(h.typ, h.version, p));
        }
        let res = feed(&mut pair.server, &mut pair.srng, &bytes).err();
        assert!(
            matches!(
                res,
                Some(Error::PeerMisbehaved(PeerMisbehaved::InvalidDhValue(_)))
            ),
            "Yc #{i}: {res:?}"
        );
        assert_eq!(
            drain(&mut pair.server),
            alert_record(V12, ILLEGAL_PARAMETER)
        );
    }
}
