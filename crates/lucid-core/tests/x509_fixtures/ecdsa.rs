//! ECDSA and mixed RSA/ECDSA chains (`testdata/ecdsa/`, `cargo xtask certs --only ecdsa`).

use lucid_core::internal::msgs::enums::AlertDescription;
use lucid_core::x509::{CertificateError, VerifiedChain, VerifierOptions, verify_server_chain};

use crate::fixtures::{default, name, now, one, pem, roots};

/// Verify `ecdsa/<leaf>.chain.pem` (leaf first) for `host` under the anchor `ecdsa/<root>.pem`.
fn ecdsa_chain(
    leaf: &str,
    root: &str,
    host: &str,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    let chain = pem(&format!("ecdsa/{leaf}.chain.pem"));
    verify_server_chain(
        &roots(&[&format!("ecdsa/{root}.pem")]),
        &chain[0],
        &chain[1..],
        &name(host),
        now(),
        opts,
    )
}

/// Like [`ecdsa_chain`] with the leaf from `ecdsa/<leaf>.pem` and explicit intermediates.
fn ecdsa_leaf(
    leaf_der: &[u8],
    inter: &[&str],
    root: &str,
    host: &str,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    let inter: Vec<Vec<u8>> = inter
        .iter()
        .map(|i| one(&format!("ecdsa/{i}.pem")))
        .collect();
    verify_server_chain(
        &roots(&[&format!("ecdsa/{root}.pem")]),
        leaf_der,
        &inter,
        &name(host),
        now(),
        opts,
    )
}

fn algs(v: &VerifiedChain) -> Vec<String> {
    v.certificates
        .iter()
        .map(|c| c.signature_algorithm.to_string())
        .collect()
}

#[test]
fn ecdsa_p256_chain_verifies() {
    for host in ["localhost", "127.0.0.1"] {
        let v = ecdsa_chain("p256-leaf", "p256-root", host, &default()).unwrap();
        assert_eq!(algs(&v), ["ecdsa-with-SHA256", "ecdsa-with-SHA256"]);
        assert_eq!(
            v.certificates[0].subject,
            "C=XX, O=lucid test ECDSA, CN=localhost"
        );
        assert_eq!(
            v.certificates[1].subject,
            "C=XX, O=lucid test ECDSA, CN=lucid test ECDSA P-256 intermediate CA"
        );
        assert_eq!(
            v.anchor_subject(),
            "C=XX, O=lucid test ECDSA, CN=lucid test ECDSA P-256 root CA"
        );
        let key = v.leaf_key().unwrap();
        assert_eq!(key.kind().to_string(), "ECDSA P-256");
        assert_eq!(key.ec_point_uncompressed().map(|p| p.len()), Some(65));
        // No RSA key to encrypt a pre-master secret to.
        assert_eq!(
            v.leaf_public_key(),
            Err(CertificateError::UnsupportedPublicKeyAlgorithm)
        );
        // keyUsage digitalSignature only: fit for ECDHE_ECDSA, not for RSA key exchange.
        let ku = v.leaf_key_usage.unwrap();
        assert!(ku.digital_signature() && !ku.key_encipherment());
    }
    // The wrong name, the wrong anchor, a missing intermediate.
    assert!(matches!(
        ecdsa_chain("p256-leaf", "p256-root", "example.com", &default()),
        Err(CertificateError::NotValidForName { .. })
    ));
    assert_eq!(
        ecdsa_chain("p256-leaf", "p384-root", "localhost", &default()).unwrap_err(),
        CertificateError::UnknownIssuer
    );
    assert_eq!(
        ecdsa_leaf(
            &one("ecdsa/p256-leaf.pem"),
            &[],
            "p256-root",
            "localhost",
            &default()
        )
        .unwrap_err(),
        CertificateError::UnknownIssuer
    );
}

#[test]
fn ecdsa_p384_chain_verifies() {
    let v = ecdsa_chain("p384-leaf", "p384-root", "localhost", &default()).unwrap();
    assert_eq!(algs(&v), ["ecdsa-with-SHA384"]);
    assert_eq!(v.leaf_key().unwrap().kind().to_string(), "ECDSA P-384");
    assert_eq!(
        v.anchor_subject(),
        "C=XX, O=lucid test ECDSA, CN=lucid test ECDSA P-384 root CA"
    );
}

#[test]
fn mixed_rsa_and_ecdsa_chains_verify() {
    // RSA root signs a P-256 leaf.
    let v = ecdsa_chain("rsa-root-p256-leaf", "rsa-root", "localhost", &default()).unwrap();
    assert_eq!(algs(&v), ["sha256WithRSAEncryption"]);
    assert_eq!(v.leaf_key().unwrap().kind().to_string(), "ECDSA P-256");
    // RSA root → P-256 intermediate → P-256 leaf.
    let v = ecdsa_chain("rsa-root-p256-ca-leaf", "rsa-root", "localhost", &default()).unwrap();
    assert_eq!(algs(&v), ["ecdsa-with-SHA256", "sha256WithRSAEncryption"]);
    assert_eq!(v.leaf_key().unwrap().kind().to_string(), "ECDSA P-256");
    // P-256 root signs an RSA-2048 leaf (usable for RSA key exchange too).
    let v = ecdsa_chain("p256-root-rsa-leaf", "p256-root", "localhost", &default()).unwrap();
    assert_eq!(algs(&v), ["ecdsa-with-SHA256"]);
    assert_eq!(v.leaf_key().unwrap().kind().to_string(), "RSA 2048");
    assert_eq!(v.leaf_public_key().unwrap().size(), 256);
    assert!(v.leaf_key_usage.unwrap().key_encipherment());
}

#[test]
fn ecdsa_leaf_key_usage() {
    // keyCertSign alone allows neither signing a ServerKeyExchange nor key encipherment.
    let err = ecdsa_leaf(
        &one("ecdsa/p256-leaf-keycertsign.pem"),
        &["p256-intermediate"],
        "p256-root",
        "keycertsign.test",
        &default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertificateError::InvalidKeyUsage {
            required: "digitalSignature or keyEncipherment"
        }
    );
    assert_eq!(err.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);
    assert_eq!(
        err.to_string(),
        "keyUsage does not allow digitalSignature or keyEncipherment"
    );
    let ku = lucid_core::x509::end_entity_key_usage(&one("ecdsa/p256-leaf-keycertsign.pem"))
        .unwrap()
        .unwrap();
    assert!(ku.key_cert_sign() && !ku.digital_signature());
    assert_eq!(ku.to_string(), "keyCertSign");
    // A client certificate (EKU clientAuth) is no server certificate.
    assert_eq!(
        ecdsa_chain("p256-client", "p256-root", "client.test", &default()).unwrap_err(),
        CertificateError::RequiredEkuNotFound
    );
}

#[test]
fn bad_ecdsa_signatures_are_rejected() {
    // The last byte of a certificate is the last byte of s in its Ecdsa-Sig-Value: flipping
    // it keeps the DER valid and breaks the signature.
    let mut leaf = one("ecdsa/p256-leaf.pem");
    if let Some(last) = leaf.last_mut() {
        *last ^= 0x01;
    }
    let err = ecdsa_leaf(
        &leaf,
        &["p256-intermediate"],
        "p256-root",
        "localhost",
        &default(),
    )
    .unwrap_err();
    assert_eq!(err, CertificateError::BadSignature);
    assert_eq!(err.alert(), AlertDescription::DECRYPT_ERROR);
    // A broken ECDSA signature on the intermediate (signed by the anchor).
    let mut inter = one("ecdsa/p256-intermediate.pem");
    if let Some(last) = inter.last_mut() {
        *last ^= 0x01;
    }
    assert_eq!(
        verify_server_chain(
            &roots(&["ecdsa/p256-root.pem"]),
            &one("ecdsa/p256-leaf.pem"),
            &[inter],
            &name("localhost"),
            now(),
            &default(),
        ),
        Err(CertificateError::BadSignature)
    );
    // The same leaf offered with a P-384 key as its "issuer": the issuer name matches
    // nothing, so no path (and no cross-key-type verification is attempted).
    assert_eq!(
        ecdsa_leaf(
            &one("ecdsa/p256-leaf.pem"),
            &["p256-intermediate"],
            "p384-root",
            "localhost",
            &default()
        ),
        Err(CertificateError::UnknownIssuer)
    );
}

#[test]
fn ecdsa_sha1_only_with_legacy_opt_in() {
    let leaf = one("ecdsa/p256-leaf-sha1.pem");
    let inter = &["p256-intermediate"];
    assert_eq!(
        ecdsa_leaf(&leaf, inter, "p256-root", "sha1.test", &default()),
        Err(CertificateError::Sha1NotAllowed)
    );
    let mut legacy = default();
    legacy.allow_sha1_signatures_legacy = true;
    let v = ecdsa_leaf(&leaf, inter, "p256-root", "sha1.test", &legacy).unwrap();
    assert_eq!(algs(&v), ["ecdsa-with-SHA1", "ecdsa-with-SHA256"]);
}

#[test]
fn mangled_ecdsa_certificates_never_panic() {
    // Every truncation and every single-byte flip of an ECDSA leaf and of its ECDSA
    // intermediate fails without panicking (the certificates are small enough for all).
    let store = roots(&["ecdsa/p256-root.pem"]);
    let inter = one("ecdsa/p256-intermediate.pem");
    let leaf = one("ecdsa/p256-leaf.pem");
    let verify = |leaf: &[u8], inter: &[u8]| {
        verify_server_chain(
            &store,
            leaf,
            &[inter],
            &name("localhost"),
            now(),
            &default(),
        )
    };
    assert!(verify(&leaf, &inter).is_ok());
    for n in 0..leaf.len() {
        assert!(verify(&leaf[..n], &inter).is_err());
    }
    for n in 0..inter.len() {
        assert!(verify(&leaf, &inter[..n]).is_err());
    }
    for i in 0..leaf.len() {
        let mut m = leaf.clone();
        m[i] ^= 0x41;
        assert!(verify(&m, &inter).is_err(), "leaf flip at {i} accepted");
    }
    for i in 0..inter.len() {
        let mut m = inter.clone();
        m[i] ^= 0x41;
        assert!(
            verify(&leaf, &m).is_err(),
            "intermediate flip at {i} accepted"
        );
    }
}
