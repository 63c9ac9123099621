//! The legacy opt-in ciphers of issue 16 between lucid's client and server: 3DES-EDE-CBC
//! (RSA and DHE key exchange) and RC4 (HMAC-SHA1 and HMAC-MD5), every version, with and
//! without encrypt-then-MAC; the record layout on the wire; resumption; tampered records;
//! and the refusals without the opt-in.

mod pair_common;

use core::time::Duration;
use std::sync::Arc;

use lucid_core::internal::crypto::suites::{self, BulkCipher, Protection};
use lucid_core::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::{CipherSuite, ClientConfig, Error, ProtocolVersion, ServerConfig};
use pair_common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const LEGACY_CIPHERS: [CipherSuite; 4] = [
    CipherSuite::TLS_RSA_WITH_3DES_EDE_CBC_SHA,
    CipherSuite::TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA,
    CipherSuite::TLS_RSA_WITH_RC4_128_SHA,
    CipherSuite::TLS_RSA_WITH_RC4_128_MD5,
];

fn configs(v: ProtocolVersion, suite: CipherSuite, etm: bool) -> (ClientConfig, ServerConfig) {
    let mut c = client_config(v, v);
    c.enable_legacy_ciphers();
    c.cipher_suites = vec![suite];
    c.offer_encrypt_then_mac = etm;
    let mut s = server_config(v, v);
    s.enable_legacy_ciphers();
    (c, s)
}

/// The client writes `data`; returns the records it put on the wire (not yet delivered).
fn client_records(p: &mut Pair, data: &[u8]) -> Vec<u8> {
    let n = p.client.write_plaintext(data, &mut p.crng).unwrap();
    assert_eq!(n, data.len());
    let wire = p.client.pending_tls().to_vec();
    p.client.consume_tls(wire.len());
    wire
}

/// Feeds `wire` to the server; returns all it decrypted, or its first error.
fn to_server(p: &mut Pair, wire: &[u8]) -> Result<Vec<u8>, Error> {
    assert_eq!(p.server.read_tls_bytes(wire), wire.len());
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    for _ in 0..16 {
        p.server.process(p.now, &mut p.srng)?;
        let n = p.server.read_plaintext(&mut buf);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok(got)
}

#[test]
fn every_legacy_cipher_every_version_both_mac_orders() {
    let mut count = 0;
    for suite in LEGACY_CIPHERS {
        let params = suites::lookup(suite).unwrap();
        assert!(params.legacy.is_some());
        for v in VERSIONS {
            for etm in [false, true] {
                let (c, s) = configs(v, suite, etm);
                let mut p = Pair::new(c, s, 300 + count);
                p.handshake()
                    .unwrap_or_else(|e| panic!("{v} {suite} etm={etm}: {e:?}"));
                let n = p.client.negotiated().unwrap().clone();
                assert_eq!(&n, p.server.negotiated().unwrap());
                assert_eq!((n.version, n.suite), (v, suite));
                // RFC 7366 §3: encrypt-then-MAC applies to CBC only, never to RC4.
                let cbc = params.cipher == BulkCipher::TripleDesEde;
                assert_eq!(n.encrypt_then_mac, etm && cbc, "{v} {suite} etm={etm}");

                // The first application record on the wire.
                let wire = client_records(&mut p, b"hello");
                let recs = records(&wire);
                let mac = params.mac_len();
                match params.protection {
                    // RC4: plaintext ‖ MAC, nothing else, and no 1/n-1 split (no IV to
                    // predict): one record even at TLS 1.0.
                    Protection::Stream(_) => {
                        assert_eq!(recs.len(), 1, "{v} {suite}");
                        assert_eq!(recs[0].1.len(), 5 + mac);
                    }
                    // 3DES: 8-byte blocks and IVs; TLS 1.0 splits 1/n-1 (BEAST).
                    _ => {
                        let iv = if v == V10 { 0 } else { 8 };
                        let first = if v == V10 { 1 } else { 5 };
                        assert_eq!(recs.len(), if v == V10 { 2 } else { 1 }, "{v} {suite}");
                        let body = recs[0].1.len() - iv - if n.encrypt_then_mac { mac } else { 0 };
                        assert_eq!(body % 8, 0);
                        let padded = first + 1 + if n.encrypt_then_mac { 0 } else { mac };
                        assert_eq!(body, padded.div_ceil(8) * 8, "{v} {suite} etm={etm}");
                    }
                }
                assert_eq!(to_server(&mut p, &wire).unwrap(), b"hello");
                p.exercise();
                count += 1;
            }
        }
    }
    assert_eq!(count, 24);
}

#[test]
fn legacy_sessions_resume() {
    for (i, suite) in LEGACY_CIPHERS.into_iter().enumerate() {
        for v in [V10, V12] {
            let (mut c, mut s) = configs(v, suite, true);
            c.session_store = Some(Arc::new(MemoryClientSessionStore::default()));
            s.session_store = Some(Arc::new(MemoryServerSessionStore::new(
                4,
                Duration::from_secs(60),
            )));
            let (c, s) = (Arc::new(c), Arc::new(s));
            let seed = 400 + 10 * i as u64 + u64::from(v.get() & 0xf);
            let mut p = Pair::at_time(c.clone(), s.clone(), seed, "localhost", now());
            p.handshake().unwrap();
            assert!(!p.client.negotiated().unwrap().resumed);
            p.exercise();
            let mut p = Pair::at_time(c, s, seed + 1, "localhost", now());
            p.handshake().unwrap();
            let n = p.client.negotiated().unwrap();
            assert!(n.resumed, "{v} {suite}");
            assert_eq!(n.suite, suite);
            p.exercise();
        }
    }
}

/// A record changed in transit is bad_record_mac, whichever the cipher and MAC order: a
/// flipped bit anywhere in the body, a body cut short (not a whole 3DES block, shorter than
/// the MAC), an extra byte.
#[test]
fn tampered_legacy_records_are_bad_record_mac() {
    let mut cases = 0;
    for suite in LEGACY_CIPHERS {
        for v in VERSIONS {
            for etm in [false, true] {
                let (c, s) = configs(v, suite, etm);
                let mut hello = Pair::new(c.clone(), s.clone(), 500);
                hello.handshake().unwrap();
                let wire = client_records(&mut hello, b"a request of some length");
                let last = records(&wire).len() - 1;
                let body_len = records(&wire)[last].1.len();
                let edits: Vec<Edit> = vec![
                    Box::new(|w| *w.last_mut().unwrap() ^= 0x01),
                    Box::new(move |w| {
                        let at = w.len() - body_len;
                        w[at] ^= 0x80;
                    }),
                    Box::new(move |w| cut(w, 1)),
                    Box::new(move |w| cut(w, body_len - 3)),
                    Box::new(|w| {
                        w.push(0);
                        set_last_len(w, 1)
                    }),
                ];
                for edit in &edits {
                    // The same connection, replayed from the same seeds.
                    let mut p = Pair::new(c.clone(), s.clone(), 500);
                    p.handshake().unwrap();
                    let mut w = client_records(&mut p, b"a request of some length");
                    assert_eq!(w, wire);
                    edit(&mut w);
                    assert_eq!(
                        to_server(&mut p, &w),
                        Err(Error::BadRecordMac),
                        "{v} {suite} etm={etm}"
                    );
                    // The alert goes out (sealed: it follows the server's Finished).
                    assert!(!p.server.pending_tls().is_empty());
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 4 * 3 * 2 * 5);
}

/// A change made to the records in transit.
type Edit = Box<dyn Fn(&mut Vec<u8>)>;

/// Shortens the last record of `wire` by `n` bytes, header included.
fn cut(wire: &mut Vec<u8>, n: usize) {
    wire.truncate(wire.len() - n);
    set_last_len(wire, -(n as isize));
}

/// Adjusts the length field of the last record in `wire` by `delta`.
fn set_last_len(wire: &mut [u8], delta: isize) {
    let mut at = 0;
    let mut last = 0;
    while at + 5 <= wire.len() {
        last = at;
        let len = usize::from(u16::from_be_bytes([wire[at + 3], wire[at + 4]]));
        at += 5 + len;
        if at >= wire.len() {
            break;
        }
    }
    let len = usize::from(u16::from_be_bytes([wire[last + 3], wire[last + 4]]));
    let len = u16::try_from(len as isize + delta).unwrap();
    wire[last + 3..last + 5].copy_from_slice(&len.to_be_bytes());
}

/// Without the opt-in nothing changes: naming a legacy cipher is an error that says what
/// is weak, a server never accepts one, and the default ClientHello offers none (the
/// wire check for every legacy suite is in pair_bad_ecdhe.rs).
#[test]
fn legacy_ciphers_need_the_opt_in() {
    for (suite, says) in [
        (CipherSuite::TLS_RSA_WITH_3DES_EDE_CBC_SHA, "Sweet32"),
        (CipherSuite::TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA, "Sweet32"),
        (CipherSuite::TLS_RSA_WITH_RC4_128_SHA, "RFC 7465"),
        (CipherSuite::TLS_RSA_WITH_RC4_128_MD5, "MD5"),
    ] {
        let mut c = client_config(V10, V12);
        c.cipher_suites = vec![suite];
        let err = lucid_core::ClientConnection::new(
            Arc::new(c),
            lucid_core::pki_types::ServerName::try_from("localhost").unwrap(),
            now(),
            &mut ChaCha20Rng::seed_from_u64(1),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Misuse(m) if m.contains(says) && m.contains("--legacy-ciphers")),
            "{suite}: {err:?}"
        );
        // A client with the opt-in against a default server: no common suite.
        let (c, _) = configs(V10, suite, false);
        let mut p = Pair::new(c, server_config(V10, V10), 600);
        assert!(p.handshake().is_err());
        assert_eq!(
            p.server_err,
            Some(lucid_core::PeerIncompatible::NoCommonCipherSuite.into())
        );
        assert!(!lucid_core::supported_cipher_suites().any(|s| s == suite));
        assert!(lucid_core::legacy_cipher_suites().any(|s| s == suite));
    }
}
