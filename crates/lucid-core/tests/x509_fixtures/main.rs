//! Server certificate verification against the fixtures `cargo xtask certs` generates
//! (`testdata/`). Every rule, positive and negative, asserting the exact error. The time is
//! fixed (2024-06-01); the fixtures are valid 2020-01-01..2120-01-01 unless a date is the
//! point.
//!
//! [`fixtures`] loads the fixtures; the ECDSA and mixed RSA/ECDSA chains are in [`ecdsa`].

mod ecdsa;
mod fixtures;

use lucid_core::internal::msgs::enums::AlertDescription;
use lucid_core::x509::pki_types::UnixTime;
use lucid_core::x509::signature::RsaKeyRole;
use lucid_core::x509::{
    CertificateError, MAX_PATH_DEPTH, RootStore, Time, VerifierOptions, verify_chain_no_name,
    verify_server_chain,
};

use fixtures::{INTER, NOW, case, default, name, now, one, pem, roots, testdata};

#[test]
fn pki_localhost_chain_verifies() {
    let store = roots(&["pki/root.pem"]);
    let chain = pem("pki/chain.pem");
    let leaf = chain[0].to_vec();
    let inter = &chain[1..];
    for host in ["localhost", "LOCALHOST", "127.0.0.1"] {
        let v = verify_server_chain(&store, &leaf, inter, &name(host), now(), &default()).unwrap();
        assert_eq!(v.certificates.len(), 2);
        assert_eq!(
            v.certificates[0].subject,
            "C=XX, O=lucid test PKI, CN=localhost"
        );
        assert_eq!(
            v.certificates[0].issuer,
            "C=XX, O=lucid test PKI, CN=lucid test intermediate CA"
        );
        assert_eq!(
            v.certificates[1].subject,
            "C=XX, O=lucid test PKI, CN=lucid test intermediate CA"
        );
        assert_eq!(
            v.anchor_subject(),
            "C=XX, O=lucid test PKI, CN=lucid test root CA"
        );
        assert_eq!(
            v.certificates[0].not_before.to_string(),
            "2020-01-01 00:00:00 UTC"
        );
        assert_eq!(
            v.certificates[0].not_after.to_string(),
            "2120-01-01 00:00:00 UTC"
        );
        assert_eq!(v.certificates[0].der, leaf);
        // The leaf SPKI is the key the client encrypts to: 2048-bit RSA.
        let key = v.leaf_public_key().unwrap();
        assert_eq!(key.size(), 256);
    }
    // Missing intermediate: no path.
    assert_eq!(
        verify_server_chain(
            &store,
            &leaf,
            &[] as &[&[u8]],
            &name("localhost"),
            now(),
            &default()
        ),
        Err(CertificateError::UnknownIssuer)
    );
    // Wrong host: the error lists what the certificate holds.
    let err = verify_server_chain(
        &store,
        &leaf,
        inter,
        &name("example.com"),
        now(),
        &default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertificateError::NotValidForName {
            expected: "example.com".into(),
            presented: vec!["DNS:localhost".into(), "IP:127.0.0.1".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        "certificate is not valid for example.com; it is valid for DNS:localhost, IP:127.0.0.1"
    );
    assert_eq!(err.alert(), AlertDescription::BAD_CERTIFICATE);
    // Wrong IP.
    assert!(matches!(
        verify_server_chain(&store, &leaf, inter, &name("127.0.0.2"), now(), &default()),
        Err(CertificateError::NotValidForName { .. })
    ));
    // Not trusted by another root.
    assert_eq!(
        verify_server_chain(
            &roots(&["cases/root.pem"]),
            &leaf,
            inter,
            &name("localhost"),
            now(),
            &default()
        ),
        Err(CertificateError::UnknownIssuer)
    );
}

#[test]
fn demo_chain_verifies_and_says_test_only() {
    let store = roots(&["demo/ca.pem"]);
    let chain = pem("demo/chain.pem");
    let v = verify_server_chain(
        &store,
        &chain[0],
        &chain[1..],
        &name("localhost"),
        now(),
        &default(),
    )
    .unwrap();
    assert!(
        v.certificates[0]
            .subject
            .contains("lucid TEST ONLY — do not trust")
    );
    assert!(v.anchor_subject().contains("TEST ONLY — do not trust"));
}

#[test]
fn host_names() {
    let o = default();
    for host in [
        "good.test",
        "GOOD.test",
        "mixed.case.test",
        "192.0.2.7",
        "2001:db8::7",
    ] {
        assert!(case("good", INTER, host, &o).is_ok(), "{host}");
    }
    for host in ["bad.test", "sub.good.test", "192.0.2.8", "2001:db8::8"] {
        assert!(
            matches!(
                case("good", INTER, host, &o),
                Err(CertificateError::NotValidForName { .. })
            ),
            "{host}"
        );
    }
}

#[test]
fn wildcards() {
    let o = default();
    assert!(case("wildcard", INTER, "a.wild.test", &o).is_ok());
    assert!(case("wildcard", INTER, "A.WILD.TEST", &o).is_ok());
    for host in ["wild.test", "a.b.wild.test"] {
        assert!(matches!(
            case("wildcard", INTER, host, &o),
            Err(CertificateError::NotValidForName { .. })
        ));
    }
    // Partial-label wildcard never matches.
    assert_eq!(
        case("wildcard-partial", INTER, "foo.wild.test", &o),
        Err(CertificateError::NotValidForName {
            expected: "foo.wild.test".into(),
            presented: vec!["DNS:f*o.wild.test".into()],
        })
    );
    // `*.test`: a single label after the wildcard is too broad.
    assert!(matches!(
        case("wildcard-short", INTER, "a.test", &o),
        Err(CertificateError::NotValidForName { .. })
    ));
}

#[test]
fn dates() {
    let err = case("expired", INTER, "expired.test", &default()).unwrap_err();
    assert_eq!(
        err,
        CertificateError::Expired {
            not_after: Time::from_unix_seconds(1_609_459_200),
            now: Time::from_unix_seconds(NOW as i64),
        }
    );
    assert_eq!(
        err.to_string(),
        "certificate expired: valid until 2021-01-01 00:00:00 UTC, now is 2024-06-01 00:00:00 UTC"
    );
    assert_eq!(err.alert(), AlertDescription::CERTIFICATE_EXPIRED);
    let err = case("not-yet-valid", INTER, "future.test", &default()).unwrap_err();
    assert_eq!(
        err,
        CertificateError::NotValidYet {
            not_before: Time::from_unix_seconds(4_102_444_800),
            now: Time::from_unix_seconds(NOW as i64),
        }
    );
    assert_eq!(err.alert(), AlertDescription::CERTIFICATE_EXPIRED);
    // The same expired certificate is fine at a time inside its validity.
    let then = UnixTime::since_unix_epoch(core::time::Duration::from_secs(1_590_000_000));
    let inter = one("cases/intermediate.pem");
    assert!(
        verify_server_chain(
            &roots(&["cases/root.pem"]),
            &one("cases/expired.pem"),
            &[inter],
            &name("expired.test"),
            then,
            &default()
        )
        .is_ok()
    );
}

#[test]
fn roles() {
    let o = default();
    assert_eq!(
        case("ca-as-leaf", INTER, "ca-as-leaf.test", &o),
        Err(CertificateError::CaUsedAsEndEntity)
    );
    assert_eq!(
        case(
            "issued-by-not-a-ca",
            &["intermediate", "not-a-ca"],
            "issued-by-not-a-ca.test",
            &o
        ),
        Err(CertificateError::EndEntityUsedAsCa)
    );
    assert_eq!(
        case(
            "pathlen-violated",
            &["pathlen0-ca", "pathlen0-sub-ca"],
            "pathlen.test",
            &o
        ),
        Err(CertificateError::PathLenConstraintViolated)
    );
}

#[test]
fn key_usages() {
    let o = default();
    assert_eq!(
        case(
            "issued-by-ca-without-keycertsign",
            &["ca-without-keycertsign"],
            "nokcs.test",
            &o
        ),
        Err(CertificateError::InvalidKeyUsage {
            required: "keyCertSign"
        })
    );
    // keyUsage digitalSignature alone: a path for an ECDHE suite (the leaf signs); the
    // chain exposes the bits so the client can refuse RSA key exchange to it.
    let v = case("no-keyencipherment", INTER, "no-ke.test", &o).unwrap();
    let ku = v.leaf_key_usage.unwrap();
    assert!(ku.digital_signature() && !ku.key_encipherment());
    assert_eq!(ku.to_string(), "digitalSignature");
    assert_eq!(
        lucid_core::x509::end_entity_key_usage(&one("cases/no-keyencipherment.pem")),
        Ok(Some(ku))
    );
    let good = case("good", INTER, "good.test", &o).unwrap();
    let ku = good.leaf_key_usage.unwrap();
    assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
    assert_eq!(ku.to_string(), "digitalSignature, keyEncipherment");
    let v = case("no-ku-no-eku", INTER, "plain.test", &o);
    assert_eq!(v.map(|v| v.leaf_key_usage), Ok(None));
    assert_eq!(
        case("eku-clientauth", INTER, "clientauth.test", &o),
        Err(CertificateError::RequiredEkuNotFound)
    );
    // anyExtendedKeyUsage alone does not mean serverAuth (webpki's behaviour).
    assert_eq!(
        case("eku-any", INTER, "eku-any.test", &o),
        Err(CertificateError::RequiredEkuNotFound)
    );
    // Neither extension present: no restriction.
    assert!(case("no-ku-no-eku", INTER, "plain.test", &o).is_ok());
}

#[test]
fn name_constraints() {
    let o = default();
    let ok = case("nc-ok", &["nc-ca"], "www.allowed.test", &o).unwrap();
    assert_eq!(ok.certificates.len(), 2);
    assert!(case("nc-ok", &["nc-ca"], "192.0.2.1", &o).is_ok());
    assert_eq!(
        case("nc-dns-violation", &["nc-ca"], "www.other.test", &o),
        Err(CertificateError::NameConstraintViolation)
    );
    // The excluded IP makes the whole certificate invalid, whatever name is asked for.
    assert_eq!(
        case("nc-ip-excluded", &["nc-ca"], "www.allowed.test", &o),
        Err(CertificateError::NameConstraintViolation)
    );
}

#[test]
fn critical_extensions() {
    let o = default();
    assert_eq!(
        case(
            "unknown-critical-extension",
            INTER,
            "unknown-critical.test",
            &o
        ),
        Err(CertificateError::UnsupportedCriticalExtension {
            oid: "1.3.6.1.4.1.55555.1".into()
        })
    );
    assert!(
        case(
            "unknown-noncritical-extension",
            INTER,
            "unknown-noncritical.test",
            &o
        )
        .is_ok()
    );
}

#[test]
fn sha1_only_with_legacy_opt_in() {
    let err = case("sha1", INTER, "sha1.test", &default()).unwrap_err();
    assert_eq!(err, CertificateError::Sha1NotAllowed);
    assert!(err.to_string().contains("allow_sha1_signatures_legacy"));
    let mut legacy = default();
    legacy.allow_sha1_signatures_legacy = true;
    let v = case("sha1", INTER, "sha1.test", &legacy).unwrap();
    assert_eq!(
        v.certificates[0].signature_algorithm,
        lucid_core::x509::signature::SignatureAlgorithm::RsaPkcs1Sha1
    );
}

fn rsa_1024() -> VerifierOptions {
    let mut o = default();
    o.allow_rsa_1024_legacy = true;
    o
}

#[test]
fn rsa_key_minimum_applies_to_the_leaf_key_and_every_signer() {
    // The leaf's own key (the pre-master secret is encrypted to it).
    let err = case("rsa1024-leaf", INTER, "rsa1024-leaf.test", &default()).unwrap_err();
    assert_eq!(
        err,
        CertificateError::RsaKeyTooSmall {
            bits: 1024,
            min: 2048,
            role: RsaKeyRole::LeafKey
        }
    );
    assert_eq!(
        err.to_string(),
        "the server certificate's key (the pre-master secret would be encrypted to it) is a \
         1024-bit RSA key, below the minimum of 2048 bits; for legacy devices, 1024-bit keys \
         are accepted with allow_rsa_1024_legacy (lucid connect --allow-rsa-1024)"
    );
    assert_eq!(err.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);
    let v = case("rsa1024-leaf", INTER, "rsa1024-leaf.test", &rsa_1024()).unwrap();
    assert_eq!(v.leaf_public_key().unwrap().size(), 128);

    // A 1024-bit key that signs the chain: certificate [1] signed the leaf [0].
    let inter = &["rsa1024-ca"];
    let host = "issued-by-rsa1024-ca.test";
    let err = case("issued-by-rsa1024-ca", inter, host, &default()).unwrap_err();
    assert_eq!(
        err,
        CertificateError::RsaKeyTooSmall {
            bits: 1024,
            min: 2048,
            role: RsaKeyRole::ChainSigner { index: 1 }
        }
    );
    assert!(
        err.to_string().starts_with(
            "the key of chain certificate [1] (which signed certificate [0]) is a 1024-bit RSA \
             key, below the minimum of 2048 bits; for legacy devices"
        ),
        "{err}"
    );
    let v = case("issued-by-rsa1024-ca", inter, host, &rsa_1024()).unwrap();
    assert_eq!(v.certificates.len(), 2);

    // Never below 1024, opt-in or not.
    for o in [default(), rsa_1024()] {
        let err = case("rsa512-leaf", INTER, "rsa512-leaf.test", &o).unwrap_err();
        assert_eq!(
            err,
            CertificateError::RsaKeyTooSmall {
                bits: 512,
                min: o.min_rsa_bits(),
                role: RsaKeyRole::LeafKey
            }
        );
        assert!(
            err.to_string()
                .ends_with("; lucid never accepts fewer than 1024 bits")
        );
    }
}

#[test]
fn self_signed_ca_leaf_names_pinning() {
    let want = CertificateError::SelfSignedCaLeaf;
    let host = name("self-signed-ca-leaf.test");
    let leaf = one("cases/self-signed-ca-leaf.pem");
    // Not a root: no path.
    let none: &[Vec<u8>] = &[];
    assert_eq!(
        verify_server_chain(
            &roots(&["cases/root.pem"]),
            &leaf,
            none,
            &host,
            now(),
            &default()
        ),
        Err(want.clone())
    );
    // Added as a root by someone trying to trust it: still no server certificate.
    assert_eq!(
        verify_server_chain(
            &roots(&["cases/self-signed-ca-leaf.pem"]),
            &leaf,
            none,
            &host,
            now(),
            &default()
        ),
        Err(want.clone())
    );
    assert_eq!(want.alert(), AlertDescription::BAD_CERTIFICATE);
    assert_eq!(
        want.to_string(),
        "the server presented a self-signed CA certificate (cA=TRUE, as `openssl req -x509` \
         makes) as its own certificate: no root vouches for it. To trust exactly this \
         certificate, pin it (lucid connect --pin-leaf CERT.pem, PinnedLeafVerifier)"
    );
    // A CA certificate issued by another CA keeps its own error.
    assert_eq!(
        case("ca-as-leaf", INTER, "ca-as-leaf.test", &default()),
        Err(CertificateError::CaUsedAsEndEntity)
    );
}

#[test]
fn intermediates_in_any_order_with_extras() {
    let o = default();
    let orders: [&[&str]; 4] = [
        &["sub-intermediate", "intermediate"],
        &["intermediate", "sub-intermediate"],
        &["other-root", "intermediate", "nc-ca", "sub-intermediate"],
        &[
            "sub-intermediate",
            "pathlen0-ca",
            "other-root",
            "intermediate",
            "not-a-ca",
        ],
    ];
    for order in orders {
        let v = case("deep", order, "deep.test", &o).unwrap();
        let subjects: Vec<&str> = v.certificates.iter().map(|c| c.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "C=XX, O=lucid test cases, CN=deep",
                "C=XX, O=lucid test cases, CN=cases sub-intermediate CA",
                "C=XX, O=lucid test cases, CN=cases intermediate CA",
            ],
            "{order:?}"
        );
    }
    assert_eq!(
        case("deep", &["sub-intermediate"], "deep.test", &o),
        Err(CertificateError::UnknownIssuer)
    );
    // Garbage among the intermediates is ignored.
    let inter = vec![b"not a certificate".to_vec(), one("cases/intermediate.pem")];
    assert!(
        verify_server_chain(
            &roots(&["cases/root.pem"]),
            &one("cases/good.pem"),
            &inter,
            &name("good.test"),
            now(),
            &o
        )
        .is_ok()
    );
}

#[test]
fn cross_signed_alternative_path() {
    let o = default();
    // The first two candidates for "cross CA" fail (untrusted issuer, expired); the third works.
    let v = case(
        "cross-leaf",
        &[
            "cross-by-untrusted",
            "other-root",
            "cross-expired",
            "cross-by-root",
        ],
        "cross.test",
        &o,
    )
    .unwrap();
    assert_eq!(v.certificates.len(), 2);
    assert_eq!(v.certificates[1].der, one("cases/cross-by-root.pem"));
    assert_eq!(
        v.certificates[1].issuer,
        "C=XX, O=lucid test cases, CN=cases root CA"
    );
    // Without the good one, the most informative failure is reported.
    assert!(matches!(
        case(
            "cross-leaf",
            &["cross-by-untrusted", "cross-expired"],
            "cross.test",
            &o
        ),
        Err(CertificateError::Expired { .. })
    ));
    assert_eq!(
        case("cross-leaf", &["cross-by-untrusted"], "cross.test", &o),
        Err(CertificateError::UnknownIssuer)
    );
}

#[test]
fn versions() {
    assert_eq!(
        case("v1-leaf", INTER, "v1-leaf.test", &default()),
        Err(CertificateError::UnsupportedVersion)
    );
    // A v1 root is fine as a trust anchor.
    let v = verify_server_chain(
        &roots(&["cases/v1-root.pem"]),
        &one("cases/under-v1-root.pem"),
        &[] as &[&[u8]],
        &name("v1root.test"),
        now(),
        &default(),
    )
    .unwrap();
    assert_eq!(v.anchor_subject(), "C=XX, O=lucid test cases, CN=v1 root");
}

#[test]
fn common_name_fallback_is_opt_in() {
    assert_eq!(
        case("cn-only", INTER, "cn-only.test", &default()),
        Err(CertificateError::NotValidForName {
            expected: "cn-only.test".into(),
            presented: vec![],
        })
    );
    let mut o = default();
    o.allow_common_name_fallback = true;
    assert!(case("cn-only", INTER, "cn-only.test", &o).is_ok());
    assert_eq!(
        case("cn-only", INTER, "other.test", &o),
        Err(CertificateError::NotValidForName {
            expected: "other.test".into(),
            presented: vec!["CN:cn-only.test".into()],
        })
    );
    // With a subjectAltName present, the CN is never consulted.
    assert!(matches!(
        case("good", INTER, "good", &o),
        Err(CertificateError::NotValidForName { .. })
    ));
}

#[test]
fn path_too_long() {
    let inter: Vec<Vec<u8>> = (1..=7)
        .map(|i| one(&format!("cases/long/ca{i}.pem")))
        .collect();
    assert_eq!(inter.len(), MAX_PATH_DEPTH + 1);
    let store = roots(&["cases/root.pem"]);
    let leaf = one("cases/long/leaf.pem");
    assert_eq!(
        verify_server_chain(&store, &leaf, &inter, &name("long.test"), now(), &default()),
        Err(CertificateError::PathTooLong)
    );
    // Trusting CA 1 directly shortens the path to six intermediates: accepted.
    let mut store2 = store.clone();
    store2.add_der(&inter[0]).unwrap();
    let v = verify_server_chain(
        &store2,
        &leaf,
        &inter,
        &name("long.test"),
        now(),
        &default(),
    )
    .unwrap();
    assert_eq!(v.certificates.len(), 1 + MAX_PATH_DEPTH);
}

#[test]
fn signature_budget() {
    let mut inter = Vec::new();
    for i in 0..8 {
        inter.push(one(&format!("cases/budget/a{i}.pem")));
        inter.push(one(&format!("cases/budget/b{i}.pem")));
    }
    let store = roots(&["cases/root.pem"]);
    assert_eq!(
        verify_chain_no_name(
            &store,
            &one("cases/budget/leaf.pem"),
            &inter,
            now(),
            &default()
        ),
        Err(CertificateError::TooManySignatureChecks)
    );
}

#[test]
fn no_name_entry_point() {
    let v = verify_chain_no_name(
        &roots(&["cases/root.pem"]),
        &one("cases/good.pem"),
        &[one("cases/intermediate.pem")],
        now(),
        &default(),
    )
    .unwrap();
    assert_eq!(v.certificates.len(), 2);
    // Path rules still apply without a name.
    assert_eq!(
        verify_chain_no_name(
            &roots(&["cases/root.pem"]),
            &one("cases/eku-clientauth.pem"),
            &[one("cases/intermediate.pem")],
            now(),
            &default(),
        ),
        Err(CertificateError::RequiredEkuNotFound)
    );
}

#[test]
fn root_store_from_pem_bundle() {
    let mut store = RootStore::new();
    let bundle = [
        std::fs::read(testdata().join("pki/root.pem")).unwrap(),
        std::fs::read(testdata().join("cases/root.pem")).unwrap(),
        std::fs::read(testdata().join("pki/root.pem")).unwrap(),
    ]
    .concat();
    assert_eq!(store.add_pem(&bundle).unwrap(), 3);
    // Duplicates are stored once.
    assert_eq!(store.len(), 2);
    assert_eq!(
        store.anchors()[1].subject_string(),
        "C=XX, O=lucid test cases, CN=cases root CA"
    );
}

#[test]
fn mangled_certificates_never_panic() {
    // Every truncation and many single-byte flips of a real certificate are rejected
    // (or, for flips in unsigned parts, still fail the signature) without panicking.
    let store = roots(&["cases/root.pem"]);
    let inter = [one("cases/intermediate.pem")];
    let leaf = one("cases/good.pem");
    for n in 0..leaf.len() {
        assert!(
            verify_server_chain(
                &store,
                &leaf[..n],
                &inter,
                &name("good.test"),
                now(),
                &default()
            )
            .is_err()
        );
    }
    for i in (0..leaf.len()).step_by(7) {
        let mut m = leaf.clone();
        m[i] ^= 0x41;
        let r = verify_server_chain(&store, &m, &inter, &name("good.test"), now(), &default());
        // A flip inside the signature value or the signature algorithm's unused
        // parameters must still fail: only the untouched certificate verifies.
        assert!(r.is_err(), "flip at {i} accepted");
    }
}
