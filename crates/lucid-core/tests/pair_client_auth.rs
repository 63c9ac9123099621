//! Client certificates (mutual TLS, issue 17) between a lucid client and a lucid server:
//! every version with CBC and (TLS 1.2) ECDHE+GCM suites, RSA and ECDSA client keys,
//! optional and required policies, resumption keeping the peer; and the bad cases — no
//! certificate when one is required, untrusted / expired / wrong-EKU chains, a
//! CertificateVerify that is tampered with, signed by another key, names an algorithm that
//! was not offered, or is missing, a Certificate nobody asked for — each with its typed
//! error and the exact alert record.

mod pair_common;

use std::sync::Arc;

use lucid_core::internal::msgs::enums::{ContentType, HandshakeType};
use lucid_core::session::MemoryServerSessionStore;
use lucid_core::x509::pki_types::PrivateKeyDer;
use lucid_core::x509::pki_types::pem::PemObject;
use lucid_core::x509::{self, CertificateError, RootStore};
use lucid_core::{AlertDescription, ClientCertVerifier};
use lucid_core::{
    CertifiedKey, CipherSuite, ClientAuth, ClientConfig, EcdsaKey, Error, HandshakeStep,
    PeerIncompatible, PeerMisbehaved, ProtocolVersion, RsaCrateKey, ServerConfig,
    WebPkiClientVerifier,
};
use pair_common::*;

fn pkcs8(path: &str) -> Vec<u8> {
    match PrivateKeyDer::from_pem_slice(&testdata(path)).unwrap() {
        PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        other => panic!("{path} is not PKCS#8: {other:?}"),
    }
}

/// A chain from testdata/cases (leaf, then the cases intermediate) with its RSA key.
fn cases_identity(name: &str, key: &str) -> CertifiedKey {
    let mut chain = ders(&testdata(&format!("cases/{name}.pem")));
    chain.extend(ders(&testdata("cases/intermediate.pem")));
    let key = RsaCrateKey::from_pkcs8_der(&pkcs8(&format!("cases/{key}.key"))).unwrap();
    CertifiedKey::new(chain, Arc::new(key)).unwrap()
}

/// RSA client: testdata/cases/eku-clientauth (EKU clientAuth).
fn rsa_client() -> CertifiedKey {
    cases_identity("eku-clientauth", "eku-clientauth")
}

/// ECDSA P-256 client: testdata/ecdsa/p256-client (EKU clientAuth).
fn ecdsa_client() -> CertifiedKey {
    let chain = ders(&testdata("ecdsa/p256-client.chain.pem"));
    let key = EcdsaKey::from_pkcs8_der(&pkcs8("ecdsa/p256-client.key")).unwrap();
    CertifiedKey::new_ecdsa(chain, Arc::new(key)).unwrap()
}

/// The client-certificate roots: the cases root and the ECDSA P-256 root.
fn client_roots() -> RootStore {
    let mut roots = RootStore::new();
    for pem in ["cases/root.pem", "ecdsa/p256-root.pem"] {
        for c in x509::certs_from_pem(&testdata(pem)).unwrap() {
            roots.add_der(&c).unwrap();
        }
    }
    roots
}

fn verifier() -> Arc<dyn ClientCertVerifier> {
    Arc::new(WebPkiClientVerifier::new(client_roots()))
}

fn server(v: ProtocolVersion, auth: ClientAuth) -> ServerConfig {
    let mut s = server_config(V10, V12);
    s.max_version = v;
    s.min_version = v;
    s.client_auth = auth;
    s
}

fn client(v: ProtocolVersion, suite: CipherSuite, id: Option<CertifiedKey>) -> ClientConfig {
    let mut c = client_config(v, v);
    c.cipher_suites = vec![suite];
    if let Some(id) = id {
        c.set_client_certificate(id);
    }
    c
}

fn alert_record(v: ProtocolVersion, d: AlertDescription) -> Vec<u8> {
    record(ContentType::ALERT, v, &[2, d.get()])
}

#[test]
fn every_version_suite_and_key_type() {
    use CipherSuite as S;
    let mut count = 0;
    for v in VERSIONS {
        let mut suites = vec![
            S::TLS_RSA_WITH_AES_128_CBC_SHA,
            S::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        ];
        if v == V12 {
            suites.extend([
                S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                // SHA-384 PRF: the CertificateVerify is over a SHA-384 transcript.
                S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                S::TLS_RSA_WITH_AES_256_CBC_SHA256,
            ]);
        }
        for suite in suites {
            for (name, id) in [("RSA", rsa_client()), ("ECDSA", ecdsa_client())] {
                for required in [false, true] {
                    let auth = if required {
                        ClientAuth::Required(verifier())
                    } else {
                        ClientAuth::Optional(verifier())
                    };
                    let leaf = id.chain()[0].clone();
                    let chain = id.chain().to_vec();
                    let mut p = Pair::new(client(v, suite, Some(id.clone())), server(v, auth), 7);
                    p.handshake()
                        .unwrap_or_else(|e| panic!("{v} {suite} {name} client: {e:?}"));
                    let sn = p.server.negotiated().unwrap();
                    assert_eq!(sn.suite, suite);
                    assert_eq!(sn.client_certificates, chain, "{v} {suite} {name}");
                    assert_eq!(sn.client_certificates[0], leaf);
                    assert!(
                        p.client
                            .negotiated()
                            .unwrap()
                            .client_certificates
                            .is_empty()
                    );
                    // The CertificateVerify crossed the wire.
                    let msgs: Vec<HandshakeType> = handshake_messages(&plain_part(&p.c2s_log))
                        .iter()
                        .map(|m| hs_type(m))
                        .collect();
                    assert_eq!(
                        msgs,
                        [
                            HandshakeType::CLIENT_HELLO,
                            HandshakeType::CERTIFICATE,
                            HandshakeType::CLIENT_KEY_EXCHANGE,
                            HandshakeType::CERTIFICATE_VERIFY
                        ],
                        "{v} {suite} {name}"
                    );
                    p.exercise();
                    count += 1;
                }
            }
        }
    }
    // (2 + 2 + 5 suites) × 2 key types × 2 policies.
    assert_eq!(count, 36);
}

/// The records before the first ChangeCipherSpec.
fn plain_part(log: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (h, p) in records(log) {
        if h.typ == ContentType::CHANGE_CIPHER_SPEC {
            break;
        }
        out.extend(record(h.typ, h.version, &p));
    }
    out
}

#[test]
fn resumption_keeps_the_client_certificate() {
    let store = Arc::new(MemoryServerSessionStore::new(
        16,
        core::time::Duration::from_secs(3600),
    ));
    let mut s = server(V12, ClientAuth::Required(verifier()));
    s.session_store = Some(store);
    let s = Arc::new(s);
    let mut c = client(
        V12,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Some(ecdsa_client()),
    );
    c.session_store = Some(Arc::new(
        lucid_core::session::MemoryClientSessionStore::new(16),
    ));
    let c = Arc::new(c);
    let want = ecdsa_client().chain().to_vec();
    let mut first = Pair::at_time(c.clone(), s.clone(), 1, "localhost", now());
    first.handshake().unwrap();
    assert_eq!(first.server.negotiated().unwrap().client_certificates, want);
    let mut second = Pair::at_time(c, s, 2, "localhost", now());
    second.handshake().unwrap();
    let n = second.server.negotiated().unwrap();
    assert!(n.resumed);
    assert_eq!(n.client_certificates, want);
}

#[test]
fn optional_and_required_without_a_certificate() {
    let suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    // Optional: served as anonymous.
    let mut p = Pair::new(
        client(V12, suite, None),
        server(V12, ClientAuth::Optional(verifier())),
        3,
    );
    p.handshake().unwrap();
    assert!(
        p.server
            .negotiated()
            .unwrap()
            .client_certificates
            .is_empty()
    );

    // Required: handshake_failure, and the client says what it means.
    for v in VERSIONS {
        let suite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;
        let mut p = Pair::new(
            client(v, suite, None),
            server(v, ClientAuth::Required(verifier())),
            4,
        );
        assert!(p.handshake().is_err());
        assert_eq!(
            p.server_err,
            Some(PeerIncompatible::ClientCertificateRequired.into())
        );
        match &p.client_err {
            Some(Error::AlertReceived {
                description,
                step:
                    Some(
                        step @ HandshakeStep::ClientFinishedSent {
                            empty_certificate, ..
                        },
                    ),
            }) => {
                assert_eq!(*description, AlertDescription::HANDSHAKE_FAILURE);
                assert!(empty_certificate);
                let why = step.interpret(*description).unwrap();
                assert!(why.contains("client certificate"), "{why}");
            }
            other => panic!("{v}: {other:?}"),
        }
    }

    // A client whose only identity the request does not allow (an ECDSA key when the
    // server... allows both): sanity of the resolver path — a client without a fitting
    // key sends an empty Certificate rather than failing.
    let mut p = Pair::new(
        client(V12, suite, Some(rsa_client())),
        server(V12, ClientAuth::None),
        5,
    );
    p.handshake().unwrap();
    let sent: Vec<HandshakeType> = handshake_messages(&plain_part(&p.c2s_log))
        .iter()
        .map(|m| hs_type(m))
        .collect();
    assert_eq!(
        sent,
        [
            HandshakeType::CLIENT_HELLO,
            HandshakeType::CLIENT_KEY_EXCHANGE
        ],
        "no CertificateRequest, no Certificate"
    );
}

/// Runs a handshake where the server verifies the client's chain; returns the server's
/// error and the alert the client got.
fn bad_chain(id: CertifiedKey, roots: RootStore) -> (Option<Error>, Option<Error>) {
    let suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    let auth = ClientAuth::Optional(Arc::new(WebPkiClientVerifier::new(roots)));
    let mut p = Pair::new(client(V12, suite, Some(id)), server(V12, auth), 6);
    assert!(p.handshake().is_err());
    (p.server_err, p.client_err)
}

fn alert_got(e: &Option<Error>) -> AlertDescription {
    match e {
        Some(Error::AlertReceived { description, .. }) => *description,
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_client_chains() {
    // Untrusted: only testdata/pki's root, which issued none of the client chains.
    let mut pki_only = RootStore::new();
    for c in x509::certs_from_pem(&testdata("pki/root.pem")).unwrap() {
        pki_only.add_der(&c).unwrap();
    }
    let (s, c) = bad_chain(rsa_client(), pki_only);
    assert_eq!(
        s,
        Some(Error::InvalidCertificate(CertificateError::UnknownIssuer))
    );
    assert_eq!(alert_got(&c), AlertDescription::UNKNOWN_CA);

    // Expired (2020..2021).
    let (s, c) = bad_chain(cases_identity("expired", "expired"), client_roots());
    assert!(
        matches!(
            s,
            Some(Error::InvalidCertificate(CertificateError::Expired { .. }))
        ),
        "{s:?}"
    );
    assert_eq!(alert_got(&c), AlertDescription::CERTIFICATE_EXPIRED);

    // A server certificate (EKU serverAuth only) and anyExtendedKeyUsage: not clientAuth.
    for name in ["good", "eku-any"] {
        let (s, c) = bad_chain(cases_identity(name, name), client_roots());
        assert_eq!(
            s,
            Some(Error::InvalidCertificate(
                CertificateError::RequiredEkuNotFound
            )),
            "{name}"
        );
        assert_eq!(alert_got(&c), AlertDescription::UNSUPPORTED_CERTIFICATE);
    }
}

/// A lucid client's second flight (Certificate, ClientKeyExchange, CertificateVerify,
/// then ChangeCipherSpec and Finished), its plaintext handshake messages edited by `edit`,
/// fed to the server. Returns the server's error and what it sent.
fn tamper_client_flight(
    v: ProtocolVersion,
    id: CertifiedKey,
    edit: impl FnOnce(&mut Vec<Vec<u8>>),
) -> (Option<Error>, Vec<u8>) {
    let suite = if v == V12 {
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    } else {
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    };
    let mut p = Pair::new(
        client(v, suite, Some(id)),
        server(v, ClientAuth::Required(verifier())),
        8,
    );
    p.c2s();
    p.s2c();
    assert!(p.client_err.is_none(), "{:?}", p.client_err);
    let out = p.client.pending_tls().to_vec();
    p.client.consume_tls(out.len());
    let mut msgs = handshake_messages(&plain_part(&out));
    edit(&mut msgs);
    let mut bytes = Vec::new();
    for m in &msgs {
        bytes.extend(record(ContentType::HANDSHAKE, v, m));
    }
    let mut after_ccs = false;
    for (h, body) in records(&out) {
        after_ccs |= h.typ == ContentType::CHANGE_CIPHER_SPEC;
        if after_ccs {
            bytes.extend(record(h.typ, h.version, &body));
        }
    }
    let res = feed(&mut p.server, &mut p.srng, &bytes).err();
    (res, drain(&mut p.server))
}

fn index(msgs: &[Vec<u8>], t: HandshakeType) -> usize {
    msgs.iter().position(|m| hs_type(m) == t).unwrap()
}

#[test]
fn certificate_verify_defects() {
    for v in VERSIONS {
        for (name, id) in [("RSA", rsa_client()), ("ECDSA", ecdsa_client())] {
            // The untouched flight completes (the harness is sound).
            let (err, _) = tamper_client_flight(v, id.clone(), |_| {});
            assert_eq!(err, None, "{v} {name}");

            // A flipped bit in the signature: decrypt_error.
            let (err, sent) = tamper_client_flight(v, id.clone(), |m| {
                let i = index(m, HandshakeType::CERTIFICATE_VERIFY);
                let cv = &mut m[i];
                let last = cv.len() - 1;
                cv[last] ^= 1;
            });
            assert_eq!(
                err,
                Some(PeerMisbehaved::BadCertificateVerifySignature.into()),
                "{v} {name}"
            );
            assert_eq!(sent, alert_record(v, AlertDescription::DECRYPT_ERROR));

            // Missing: the ChangeCipherSpec comes where the CertificateVerify belongs.
            let (err, sent) = tamper_client_flight(v, id.clone(), |m| {
                m.remove(index(m, HandshakeType::CERTIFICATE_VERIFY));
            });
            assert!(
                matches!(
                    err,
                    Some(Error::PeerMisbehaved(
                        PeerMisbehaved::UnexpectedMessage { .. }
                    ))
                ),
                "{v} {name}: {err:?}"
            );
            assert_eq!(sent, alert_record(v, AlertDescription::UNEXPECTED_MESSAGE));

            // Before the ClientKeyExchange: out of order.
            let (err, sent) = tamper_client_flight(v, id.clone(), |m| {
                let cv = m.remove(index(m, HandshakeType::CERTIFICATE_VERIFY));
                m.insert(1, cv);
            });
            assert!(
                matches!(
                    err,
                    Some(Error::PeerMisbehaved(
                        PeerMisbehaved::UnexpectedMessage { .. }
                    ))
                ),
                "{v} {name}: {err:?}"
            );
            assert_eq!(sent, alert_record(v, AlertDescription::UNEXPECTED_MESSAGE));
        }
    }

    // TLS 1.2: an algorithm the CertificateRequest did not list (rsa_pkcs1_sha1; and
    // rsa_pkcs1_sha384 on a SHA-256 transcript): illegal_parameter.
    for scheme in [0x0201u16, 0x0501] {
        let (err, sent) = tamper_client_flight(V12, rsa_client(), |m| {
            let i = index(m, HandshakeType::CERTIFICATE_VERIFY);
            let cv = &mut m[i];
            cv[4..6].copy_from_slice(&scheme.to_be_bytes());
        });
        assert!(
            matches!(
                err,
                Some(Error::PeerMisbehaved(
                    PeerMisbehaved::UnofferedSignatureScheme(_)
                ))
            ),
            "{scheme:#06x}: {err:?}"
        );
        assert_eq!(sent, alert_record(V12, AlertDescription::ILLEGAL_PARAMETER));
    }

    // The Certificate replaced by another trusted chain (no-ku-no-eku, valid for client
    // auth): the CertificateVerify was made with a key that is not that certificate's.
    let other = cases_identity("no-ku-no-eku", "no-ku-no-eku");
    let (err, sent) = tamper_client_flight(V12, rsa_client(), |m| {
        let i = index(m, HandshakeType::CERTIFICATE);
        let mut body = Vec::new();
        let total: usize = other.chain().iter().map(|c| 3 + c.len()).sum();
        body.extend_from_slice(&(total as u32).to_be_bytes()[1..]);
        for c in other.chain() {
            body.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            body.extend_from_slice(c);
        }
        m[i] = lucid_core::fuzzing::script::raw_hs(HandshakeType::CERTIFICATE.get(), &body);
    });
    assert_eq!(
        err,
        Some(PeerMisbehaved::BadCertificateVerifySignature.into())
    );
    assert_eq!(sent, alert_record(V12, AlertDescription::DECRYPT_ERROR));
}

#[test]
fn certificate_nobody_asked_for() {
    // A server without client auth gets a Certificate before the ClientKeyExchange.
    let (mut s, mut rng) = server_pair(ServerConfig::clone(&server(V12, ClientAuth::None)));
    let mut c = scripted(9, V12, &rsa_kx_suites_for(V12), true, true);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    c.receive(&drain(&mut s));
    let cert = lucid_core::fuzzing::script::raw_hs(HandshakeType::CERTIFICATE.get(), &[0, 0, 0]);
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V12, &cert),
    );
    assert!(
        matches!(
            res,
            Err(Error::PeerMisbehaved(
                PeerMisbehaved::UnexpectedMessage { .. }
            ))
        ),
        "{res:?}"
    );
    assert_eq!(
        drain(&mut s),
        alert_record(V12, AlertDescription::UNEXPECTED_MESSAGE)
    );
}

fn server_pair(config: ServerConfig) -> (lucid_core::ServerConnection, rand_chacha::ChaCha20Rng) {
    pair_common::server(config, 10)
}
