use super::*;
use alloc::string::ToString;

#[test]
fn algorithm_identifiers() {
    let sha256_null = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
    ];
    assert_eq!(
        SignatureAlgorithm::from_der(&sha256_null).unwrap(),
        SignatureAlgorithm::RsaPkcs1Sha256
    );
    let sha512_absent = [
        0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
    ];
    assert_eq!(
        SignatureAlgorithm::from_der(&sha512_absent).unwrap(),
        SignatureAlgorithm::RsaPkcs1Sha512
    );
    // PSS (1.1.10) is not supported.
    let pss = [
        0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
    ];
    assert_eq!(
        SignatureAlgorithm::from_der(&pss),
        Err(CertificateError::UnsupportedSignatureAlgorithm)
    );
    for n in 0..sha256_null.len() {
        assert!(SignatureAlgorithm::from_der(&sha256_null[..n]).is_err());
    }
}

#[test]
fn rsa_public_key_checks() {
    // A 2048-bit odd modulus (its value does not matter to the checks).
    let mut n = alloc::vec![0xc5u8; 256];
    n[255] = 0x01;
    let role = RsaKeyRole::LeafKey;
    let key = RsaPublicKey::new(&n, &[0x01, 0x00, 0x01], 2048, role).unwrap();
    assert_eq!((key.size(), key.bits()), (256, 2048));
    assert_eq!((key.n_bytes(), key.e_bytes()), (&n[..], &[1u8, 0, 1][..]));
    assert!(key.public().is_some());
    // Largest exponent accepted: 2^33 − 1; e = 3 is the smallest.
    assert!(RsaPublicKey::new(&n, &[0x01, 0xff, 0xff, 0xff, 0xff], 2048, role).is_ok());
    assert!(RsaPublicKey::new(&n, &[3], 2048, role).is_ok());
    let bad = |n: &[u8], e: &[u8]| RsaPublicKey::new(n, e, 2048, role).unwrap_err();
    for e in [
        &[1u8][..],
        &[0x01, 0x00, 0x00],
        &[0x03, 0x00, 0x00, 0x00, 0x01],
        &[0x01, 0, 0, 0, 0, 0, 0, 0, 0x01],
        &[],
    ] {
        assert_eq!(bad(&n, e), CertificateError::BadEncoding, "{e:?}");
    }
    let mut even = n.clone();
    even[255] = 0x02;
    assert_eq!(bad(&even, &[3]), CertificateError::BadEncoding);
    assert_eq!(
        bad(&n[1..], &[3]),
        CertificateError::RsaKeyTooSmall {
            bits: 2040,
            min: 2048,
            role
        }
    );
    assert_eq!(
        bad(&[0xc5; 1025], &[3]),
        CertificateError::UnsupportedRsaKeySize { bits: 8200 }
    );
}

#[test]
fn ecdsa_algorithm_identifiers() {
    use SignatureAlgorithm as A;
    // SEQUENCE { OID 1.2.840.10045.4.3.x } with no parameters (RFC 5758 §3.2).
    let sha2 = |last: u8| {
        [
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, last,
        ]
    };
    for (last, alg, name) in [
        (2, A::EcdsaSha256, "ecdsa-with-SHA256"),
        (3, A::EcdsaSha384, "ecdsa-with-SHA384"),
        (4, A::EcdsaSha512, "ecdsa-with-SHA512"),
    ] {
        let der = sha2(last);
        assert_eq!(A::from_der(&der), Ok(alg));
        assert!(alg.is_ecdsa() && !alg.is_sha1());
        assert_eq!(alg.to_string(), name);
        for n in 0..der.len() {
            assert!(A::from_der(&der[..n]).is_err(), "{name} truncated to {n}");
        }
    }
    // ecdsa-with-SHA224 (4.3.1) is not supported.
    assert_eq!(
        A::from_der(&sha2(1)),
        Err(CertificateError::UnsupportedSignatureAlgorithm)
    );
    // A NULL parameter is not allowed for ECDSA (it is for RSA).
    let with_null = [
        0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00,
    ];
    assert_eq!(A::from_der(&with_null), Err(CertificateError::BadEncoding));
    // ecdsa-with-SHA1 (1.2.840.10045.4.1): SHA-1, so opt-in only on a path.
    let sha1 = [
        0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01,
    ];
    assert_eq!(A::from_der(&sha1), Ok(A::EcdsaSha1));
    assert!(A::EcdsaSha1.is_sha1() && A::EcdsaSha1.is_ecdsa());
    assert_eq!(A::EcdsaSha1.to_string(), "ecdsa-with-SHA1");
    assert!(A::RsaPkcs1Sha1.is_sha1() && !A::RsaPkcs1Sha1.is_ecdsa());
    // id-ecPublicKey is a key algorithm, not a signature algorithm.
    let ec_public_key = [
        0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    ];
    assert_eq!(
        A::from_der(&ec_public_key),
        Err(CertificateError::UnsupportedSignatureAlgorithm)
    );
}

/// A DER `SubjectPublicKeyInfo` for id-ecPublicKey with `curve` (OID content bytes)
/// and `point` (the BIT STRING content after the unused-bits byte).
fn ec_spki(curve: &[u8], point: &[u8]) -> alloc::vec::Vec<u8> {
    let mut alg = alloc::vec![0x06, 0x07];
    alg.extend_from_slice(ID_EC_PUBLIC_KEY);
    alg.extend_from_slice(&[0x06, u8::try_from(curve.len()).unwrap()]);
    alg.extend_from_slice(curve);
    let mut body = alloc::vec![0x30, u8::try_from(alg.len()).unwrap()];
    body.extend_from_slice(&alg);
    body.extend_from_slice(&[0x03, u8::try_from(point.len() + 1).unwrap(), 0x00]);
    body.extend_from_slice(point);
    let mut spki = alloc::vec![0x30, u8::try_from(body.len()).unwrap()];
    spki.extend_from_slice(&body);
    spki
}

fn p256_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
}

fn p384_key() -> p384::ecdsa::SigningKey {
    p384::ecdsa::SigningKey::from_slice(&[0x22; 48]).unwrap()
}

fn p256_spki() -> alloc::vec::Vec<u8> {
    let point = p256_key().verifying_key().to_sec1_point(false);
    ec_spki(PRIME256V1, point.as_bytes())
}

fn p384_spki() -> alloc::vec::Vec<u8> {
    let point = p384_key().verifying_key().to_sec1_point(false);
    ec_spki(SECP384R1, point.as_bytes())
}

#[test]
fn ec_subject_public_keys() {
    let parse = |spki: &[u8]| subject_public_key(spki, 2048, RsaKeyRole::LeafKey);
    let key = parse(&p256_spki()).unwrap();
    assert_eq!(
        key,
        SubjectPublicKey::EcdsaP256(*p256_key().verifying_key())
    );
    assert_eq!(key.kind(), PublicKeyKind::Ecdsa(EcdsaCurve::P256));
    assert_eq!(key.kind().to_string(), "ECDSA P-256");
    assert!(key.as_rsa().is_none());
    assert_eq!(
        key.ec_point_uncompressed().as_deref(),
        Some(p256_key().verifying_key().to_sec1_point(false).as_bytes())
    );
    let key = parse(&p384_spki()).unwrap();
    assert_eq!(key.kind().to_string(), "ECDSA P-384");
    assert_eq!(PublicKeyKind::Rsa { bits: 2048 }.to_string(), "RSA 2048");

    let good = p256_key().verifying_key().to_sec1_point(false);
    let good = good.as_bytes();
    // A P-256 point under the P-384 OID (wrong length) and the other way round.
    assert_eq!(
        parse(&ec_spki(SECP384R1, good)),
        Err(CertificateError::BadEncoding)
    );
    // Compressed points are not accepted in certificates.
    let compressed = p256_key().verifying_key().to_sec1_point(true);
    assert_eq!(
        parse(&ec_spki(PRIME256V1, compressed.as_bytes())),
        Err(CertificateError::BadEncoding)
    );
    // Not on the curve: y changed.
    let mut off = good.to_vec();
    if let Some(last) = off.last_mut() {
        *last ^= 1;
    }
    assert_eq!(
        parse(&ec_spki(PRIME256V1, &off)),
        Err(CertificateError::BadEncoding)
    );
    // (0, 0) is not on the curve; the identity has no uncompressed form.
    let mut zero = [0u8; 65];
    zero[0] = 4;
    assert_eq!(
        parse(&ec_spki(PRIME256V1, &zero)),
        Err(CertificateError::BadEncoding)
    );
    assert_eq!(
        parse(&ec_spki(PRIME256V1, &[0])),
        Err(CertificateError::BadEncoding)
    );
    // Another curve is named in the error.
    assert_eq!(
        parse(&ec_spki(&[0x2b, 0x81, 0x04, 0x00, 0x23], good)),
        Err(CertificateError::UnsupportedCurve {
            curve: "secp521r1 (1.3.132.0.35)".into()
        })
    );
    assert_eq!(
        parse(&ec_spki(&[0x2b, 0x81, 0x04, 0x00, 0x01], good)),
        Err(CertificateError::UnsupportedCurve {
            curve: "1.3.132.0.1".into()
        })
    );
    // implicitCurve (NULL parameters).
    let mut implicit = ec_spki(PRIME256V1, good);
    let at = 2 + 2 + 2 + ID_EC_PUBLIC_KEY.len();
    implicit.splice(at..at + 2 + PRIME256V1.len(), [0x05, 0x00]);
    implicit[3] -= 8;
    implicit[1] -= 8;
    assert_eq!(
        parse(&implicit),
        Err(CertificateError::UnsupportedCurve {
            curve: "implicitCurve".into()
        })
    );
    // Ed25519 (1.3.101.112) is not a key lucid verifies with.
    let ed25519 = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(
        parse(&ed25519),
        Err(CertificateError::UnsupportedPublicKeyAlgorithm)
    );
    let spki = p256_spki();
    for n in 0..spki.len() {
        assert!(parse(&spki[..n]).is_err(), "truncated to {n}");
    }
}

#[test]
fn ecdsa_verification_truncates_the_digest() {
    use SignatureAlgorithm as A;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let msg = b"tbsCertificate";
    let p256_pub = SubjectPublicKey::EcdsaP256(*p256_key().verifying_key());
    let p384_pub = SubjectPublicKey::EcdsaP384(*p384_key().verifying_key());

    // Every hash with every curve (FIPS 186-4 §6.4: the leftmost bits of the digest).
    for (alg, digest) in [
        (A::EcdsaSha1, Hash::Sha1.digest(msg)),
        (A::EcdsaSha256, Hash::Sha256.digest(msg)),
        (A::EcdsaSha384, Hash::Sha384.digest(msg)),
        (A::EcdsaSha512, Hash::Sha512.digest(msg)),
    ] {
        let sig: p256::ecdsa::DerSignature = p256_key().sign_prehash(&digest).unwrap();
        assert_eq!(
            verify_signature_with_key(alg, &p256_pub, msg, sig.as_bytes()),
            Ok(()),
            "P-256 {alg}"
        );
        let sig: p384::ecdsa::DerSignature = p384_key().sign_prehash(&digest).unwrap();
        assert_eq!(
            verify_signature_with_key(alg, &p384_pub, msg, sig.as_bytes()),
            Ok(()),
            "P-384 {alg}"
        );
        // The same signature under another hash, or with the other key, fails.
        let other = if alg == A::EcdsaSha256 {
            A::EcdsaSha384
        } else {
            A::EcdsaSha256
        };
        assert_eq!(
            verify_signature_with_key(other, &p384_pub, msg, sig.as_bytes()),
            Err(CertificateError::BadSignature)
        );
        assert_eq!(
            verify_signature_with_key(alg, &p256_pub, msg, sig.as_bytes()),
            Err(CertificateError::BadSignature)
        );
        // An RSA algorithm with an EC key: this key made no such signature.
        assert_eq!(
            verify_signature_with_key(A::RsaPkcs1Sha256, &p384_pub, msg, sig.as_bytes()),
            Err(CertificateError::BadSignature)
        );
    }

    // Truncation is to the leftmost 256 bits: a signature over the first half of a
    // SHA-512 digest is a P-256 ecdsa-with-SHA512 signature; over the second half not.
    let digest = Hash::Sha512.digest(msg);
    let (left, right) = digest.split_at(32);
    let sig: p256::ecdsa::DerSignature = p256_key().sign_prehash(left).unwrap();
    assert_eq!(
        verify_signature_with_key(A::EcdsaSha512, &p256_pub, msg, sig.as_bytes()),
        Ok(())
    );
    let sig: p256::ecdsa::DerSignature = p256_key().sign_prehash(right).unwrap();
    assert_eq!(
        verify_signature_with_key(A::EcdsaSha512, &p256_pub, msg, sig.as_bytes()),
        Err(CertificateError::BadSignature)
    );

    // The spki form parses the key first.
    let sig: p256::ecdsa::DerSignature =
        p256_key().sign_prehash(&Hash::Sha256.digest(msg)).unwrap();
    assert_eq!(
        verify_signature(A::EcdsaSha256, &p256_spki(), msg, sig.as_bytes()),
        Ok(())
    );
    assert_eq!(
        verify_signature(A::EcdsaSha256, &p384_spki(), msg, sig.as_bytes()),
        Err(CertificateError::BadSignature)
    );
}

#[test]
fn ecdsa_signatures_are_strict_der() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let msg = b"strict";
    let key = SubjectPublicKey::EcdsaP256(*p256_key().verifying_key());
    let sig: p256::ecdsa::DerSignature =
        p256_key().sign_prehash(&Hash::Sha256.digest(msg)).unwrap();
    let der = sig.as_bytes();
    let verify =
        |s: &[u8]| verify_signature_with_key(SignatureAlgorithm::EcdsaSha256, &key, msg, s);
    assert_eq!(verify(der), Ok(()));
    // Trailing byte.
    let mut trailing = der.to_vec();
    trailing.push(0);
    assert_eq!(verify(&trailing), Err(CertificateError::BadSignature));
    // BER long-form length of the outer SEQUENCE.
    let mut long_form = alloc::vec![0x30, 0x81];
    long_form.extend_from_slice(&der[1..]);
    assert_eq!(verify(&long_form), Err(CertificateError::BadSignature));
    // The raw r ‖ s form (IEEE P1363) is not DER.
    let raw = p256::ecdsa::Signature::try_from(sig.clone())
        .unwrap()
        .to_bytes();
    assert_eq!(verify(&raw), Err(CertificateError::BadSignature));
    for n in 0..der.len() {
        assert_eq!(
            verify(&der[..n]),
            Err(CertificateError::BadSignature),
            "{n}"
        );
    }
    // r = 0, s = 0.
    assert_eq!(
        verify(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]),
        Err(CertificateError::BadSignature)
    );
}

#[test]
fn integers() {
    assert_eq!(positive_integer(&[1]).unwrap(), &[1]);
    assert_eq!(positive_integer(&[0, 0x80]).unwrap(), &[0x80]);
    assert!(positive_integer(&[0, 1]).is_err());
    assert!(positive_integer(&[0x80]).is_err());
    assert!(positive_integer(&[]).is_err());
    assert!(positive_integer(&[0]).is_err());
}
