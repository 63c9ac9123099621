//! A server holding an ECDSA and an RSA chain at once (issue 15: "the server picks RSA- or
//! ECDSA-signed suites by its certificate, and can hold one chain of each"): every client
//! gets the chain that serves the best suite it offers, checked from the suite negotiated
//! and the leaf certificate that crossed the wire.

mod pair_common;

use std::sync::Arc;

use lucid_core::internal::msgs::enums::{AlertDescription, ContentType, HandshakeType};
use lucid_core::x509::pki_types::PrivateKeyDer;
use lucid_core::x509::pki_types::pem::PemObject;
use lucid_core::x509::{self, RootStore};
use lucid_core::{
    CertifiedKey, CipherSuite, ClientConfig, EcdsaKey, Error, PeerIncompatible, ProtocolVersion,
    ServerConfig, SniResolver, WebPkiVerifier,
};
use pair_common::*;

/// testdata/ecdsa's P-256 leaf (with its intermediate) and key.
fn ecdsa_cert() -> CertifiedKey {
    let chain = ders(&testdata("ecdsa/p256-leaf.chain.pem"));
    let key = match PrivateKeyDer::from_pem_slice(&testdata("ecdsa/p256-leaf.key")).unwrap() {
        PrivateKeyDer::Pkcs8(k) => EcdsaKey::from_pkcs8_der(k.secret_pkcs8_der()).unwrap(),
        other => panic!("p256-leaf.key is not PKCS#8: {other:?}"),
    };
    CertifiedKey::new_ecdsa(chain, Arc::new(key)).unwrap()
}

fn rsa_cert() -> CertifiedKey {
    (*fixtures().cert).clone()
}

/// A client trusting both roots (testdata/pki's RSA root and the P-256 root).
fn client(v: ProtocolVersion, suites: Option<&[CipherSuite]>) -> ClientConfig {
    let mut roots = RootStore::new();
    for pem in ["pki/root.pem", "ecdsa/p256-root.pem"] {
        for c in x509::certs_from_pem(&testdata(pem)).unwrap() {
            roots.add_der(&c).unwrap();
        }
    }
    let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    (c.min_version, c.max_version) = (v, v);
    if let Some(s) = suites {
        c.cipher_suites = s.to_vec();
    }
    c
}

/// The leaf certificate the server sent (from the plaintext part of its byte stream).
fn leaf_sent(s2c: &[u8]) -> Vec<u8> {
    let mut joined = Vec::new();
    for (h, p) in records(s2c) {
        if h.typ == ContentType::CHANGE_CIPHER_SPEC {
            break;
        }
        if h.typ == ContentType::HANDSHAKE {
            joined.extend_from_slice(&p);
        }
    }
    let mut rest = &joined[..];
    while !rest.is_empty() {
        let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
        let (msg, tail) = rest.split_at(4 + len);
        if HandshakeType(msg[0]) == HandshakeType::CERTIFICATE {
            let body = &msg[4..];
            let n = usize::from(body[3]) << 16 | usize::from(body[4]) << 8 | usize::from(body[5]);
            return body[6..6 + n].to_vec();
        }
        rest = tail;
    }
    panic!("no Certificate message before ChangeCipherSpec")
}

fn run(client: ClientConfig, server: ServerConfig, seed: u64) -> (CipherSuite, Vec<u8>) {
    let mut versions = server;
    versions.min_version = ProtocolVersion::TLSV1_0;
    let mut p = Pair::new(client, versions, seed);
    p.handshake()
        .unwrap_or_else(|e| panic!("handshake failed: {e:?}"));
    p.exercise();
    let suite = p.client.negotiated().unwrap().suite;
    assert_eq!(p.server.negotiated().unwrap().suite, suite);
    (suite, leaf_sent(&p.s2c_log))
}

#[test]
fn each_client_gets_the_chain_for_its_best_suite() {
    let ecdsa_leaf = ders(&testdata("ecdsa/p256-leaf.chain.pem"))[0].clone();
    let rsa_leaf = fixtures().chain[0].clone();
    let both = || {
        let mut c = ServerConfig::with_certified_keys(vec![ecdsa_cert(), rsa_cert()]);
        c.max_version = V12;
        c
    };
    use CipherSuite as S;
    let rsa_auth: &[S] = &[
        S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        S::TLS_RSA_WITH_AES_128_CBC_SHA,
    ];
    let rsa_kx: &[S] = &[S::TLS_RSA_WITH_AES_128_GCM_SHA256];
    let ecdsa_only: &[S] = &[S::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA];
    /// (version, client suites or lucid's default, suite expected, leaf expected).
    type Case<'a> = (ProtocolVersion, Option<&'a [S]>, S, &'a Vec<u8>);
    let cases: [Case<'_>; 7] = [
        // lucid's default order puts ECDHE_ECDSA first.
        (
            V12,
            None,
            S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            &ecdsa_leaf,
        ),
        (
            V10,
            None,
            S::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            &ecdsa_leaf,
        ),
        (
            V11,
            None,
            S::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            &ecdsa_leaf,
        ),
        // A client without ECDSA suites gets the RSA chain, ECDHE or RSA key exchange.
        (
            V12,
            Some(rsa_auth),
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            &rsa_leaf,
        ),
        (
            V10,
            Some(rsa_auth),
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            &rsa_leaf,
        ),
        (
            V12,
            Some(rsa_kx),
            S::TLS_RSA_WITH_AES_128_GCM_SHA256,
            &rsa_leaf,
        ),
        (
            V12,
            Some(ecdsa_only),
            S::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
            &ecdsa_leaf,
        ),
    ];
    for (i, (v, suites, want_suite, want_leaf)) in cases.into_iter().enumerate() {
        let (suite, leaf) = run(client(v, suites), both(), 100 + i as u64);
        assert_eq!(suite, want_suite, "case {i}");
        assert_eq!(&leaf, want_leaf, "case {i}: the chain sent");
    }

    // The server's preference order decides between the chains: RSA suites first.
    let mut rsa_first = both();
    rsa_first.cipher_suites.sort_by_key(|s| {
        !lucid_core::internal::crypto::suites::lookup(*s)
            .is_some_and(|p| p.auth == lucid_core::internal::crypto::suites::Authentication::Rsa)
    });
    let (suite, leaf) = run(client(V12, None), rsa_first, 120);
    assert_eq!(suite, S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    assert_eq!(leaf, rsa_leaf);
}

#[test]
fn one_chain_serves_only_its_suites() {
    // An ECDSA-only server and a client with only RSA-authenticated suites: nothing in
    // common, handshake_failure.
    let mut server = ServerConfig::new(ecdsa_cert());
    server.max_version = V12;
    let client = client(
        V12,
        Some(&[CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]),
    );
    let mut p = Pair::new(client, server, 130);
    assert!(p.handshake().is_err());
    assert_eq!(
        p.server_err,
        Some(Error::PeerIncompatible(
            PeerIncompatible::NoCommonCipherSuite
        ))
    );
}

#[test]
fn ecdsa_chain_only_for_a_client_that_lists_its_curve() {
    // RFC 8422 §5.1 and §5.3: the ECDSA key must be on a curve in the client's
    // supported_groups (the ECDHE group itself may be another one). The P-256 chain serves
    // a client listing secp256r1 (here after x25519, which the key exchange then uses); a
    // client listing only other groups gets the RSA chain, or from an ECDSA-only server
    // handshake_failure.
    use lucid_core::NamedGroup as G;
    let ecdsa_leaf = ders(&testdata("ecdsa/p256-leaf.chain.pem"))[0].clone();
    let rsa_leaf = fixtures().chain[0].clone();
    for (i, v) in VERSIONS.into_iter().enumerate() {
        let seed = 150 + 10 * i as u64;
        let both = || {
            let mut c = ServerConfig::with_certified_keys(vec![ecdsa_cert(), rsa_cert()]);
            (c.min_version, c.max_version) = (V10, V12);
            c
        };
        let offering = |groups: &[G]| {
            let mut c = client(v, None);
            c.groups = groups.to_vec();
            c
        };
        let mut p = Pair::new(offering(&[G::X25519, G::SECP256R1]), both(), seed);
        p.handshake().unwrap();
        let n = p.server.negotiated().unwrap();
        assert_eq!(n.group, Some(G::X25519), "{v}");
        assert_eq!(leaf_sent(&p.s2c_log), ecdsa_leaf, "{v}");

        for (k, groups) in [[G::X25519], [G::SECP384R1]].into_iter().enumerate() {
            let seed = seed + 1 + 2 * k as u64;
            let mut p = Pair::new(offering(&groups), both(), seed);
            p.handshake().unwrap();
            let n = p.server.negotiated().unwrap();
            assert_eq!(
                lucid_core::internal::crypto::suites::lookup(n.suite)
                    .unwrap()
                    .auth,
                lucid_core::internal::crypto::suites::Authentication::Rsa,
                "{v} {groups:?}: {}",
                n.suite
            );
            assert_eq!(n.group, Some(groups[0]), "{v} {groups:?}");
            assert_eq!(leaf_sent(&p.s2c_log), rsa_leaf, "{v} {groups:?}");

            let mut ecdsa_only = ServerConfig::new(ecdsa_cert());
            (ecdsa_only.min_version, ecdsa_only.max_version) = (V10, V12);
            let mut p = Pair::new(offering(&groups), ecdsa_only, seed + 1);
            let (c, s) = p.handshake().unwrap_err();
            assert_eq!(
                s,
                Some(PeerIncompatible::NoCommonCipherSuite.into()),
                "{v} {groups:?}"
            );
            assert!(
                matches!(
                    c,
                    Some(Error::AlertReceived {
                        description: AlertDescription::HANDSHAKE_FAILURE,
                        ..
                    })
                ),
                "{v} {groups:?}: {c:?}"
            );
        }
    }
}

#[test]
fn sni_resolver_holds_a_chain_of_each_type_per_name() {
    let ecdsa_leaf = ders(&testdata("ecdsa/p256-leaf.chain.pem"))[0].clone();
    let rsa_leaf = fixtures().chain[0].clone();
    let mut sni = SniResolver::new();
    sni.add("localhost", Arc::new(rsa_cert()));
    sni.add("LOCALHOST", Arc::new(ecdsa_cert()));
    // Adding a second RSA chain for the name replaces the first one, keeps the ECDSA one.
    sni.add("localhost", Arc::new(rsa_cert()));
    let server = || {
        let mut c = ServerConfig::with_resolver(Arc::new(sni.clone()));
        c.max_version = V12;
        c
    };
    let (suite, leaf) = run(client(V12, None), server(), 140);
    assert_eq!(suite, CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    assert_eq!(leaf, ecdsa_leaf);
    let rsa_only = [CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384];
    let (suite, leaf) = run(client(V12, Some(&rsa_only)), server(), 141);
    assert_eq!(suite, rsa_only[0]);
    assert_eq!(leaf, rsa_leaf);
    use lucid_core::ResolvesServerCert;
    assert_eq!(sni.resolve_all(Some("localhost")).len(), 2);
    assert!(sni.resolve_all(Some("other.example")).is_empty());
}
