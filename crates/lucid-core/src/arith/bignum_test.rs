//! Limb arithmetic against `crypto-bigint` (through the `rsa` crate's re-export).

use super::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::BoxedUint;

fn random_limbs(rng: &mut ChaCha20Rng, n: usize) -> Vec<u64> {
    (0..n).map(|_| rng.next_u64()).collect()
}

fn boxed(limbs: &[u64]) -> BoxedUint {
    let mut be = vec![0u8; limbs.len() * 8];
    to_be_bytes(limbs, &mut be);
    BoxedUint::from_be_slice_vartime(&be)
}

#[test]
fn reduce_and_pow_agree_with_crypto_bigint() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    // Odd lengths take the slice path, 8 and 16 the unrolled ones.
    for n in [1usize, 3, 8, 16, 17] {
        for _ in 0..4 {
            let mut m = random_limbs(&mut rng, n);
            m[0] |= 1;
            m[n - 1] |= 1 << 63;
            if n == 1 {
                m[0] |= 2;
            }
            let md = Modulus::new(m.clone()).unwrap();
            let mb = crypto_bigint::NonZero::new(boxed(&m)).unwrap();
            // reduce: a value of 2n+1 limbs.
            let x = random_limbs(&mut rng, 2 * n + 1);
            let got = md.reduce(&x);
            let want = boxed(&x).rem(&mb);
            assert_eq!(
                boxed(&got).to_be_bytes_trimmed_vartime(),
                want.to_be_bytes_trimmed_vartime(),
                "n={n}"
            );
            // pow_ct against pow_public, and both against crypto-bigint.
            let base = md.reduce(&random_limbs(&mut rng, n));
            let exp = random_limbs(&mut rng, n);
            let ct = md.retrieve(&md.pow_ct(&md.to_mont(&base), &exp, 64 * n));
            let public = md.pow_public(&base, &exp);
            assert_eq!(ct, public, "n={n}");
            let params = crypto_bigint::modular::BoxedMontyParams::new(
                crypto_bigint::Odd::new(boxed(&m)).unwrap(),
            );
            let want = crypto_bigint::modular::BoxedMontyForm::new(boxed(&base), &params)
                .pow(&boxed(&exp))
                .retrieve();
            assert_eq!(
                boxed(&ct).to_be_bytes_trimmed_vartime(),
                want.to_be_bytes_trimmed_vartime(),
                "n={n}"
            );
            // add/sub mod.
            let (a, b) = (
                md.reduce(&random_limbs(&mut rng, n)),
                md.reduce(&random_limbs(&mut rng, n)),
            );
            let mut s = a.clone();
            md.add_mod_assign(&mut s, &b);
            md.sub_mod_assign(&mut s, &b);
            assert_eq!(s, a);
        }
    }
}

#[test]
fn table_select_and_bytes() {
    let table: Vec<u64> = (0..32 * 3).collect();
    let mut out = [0u64; 3];
    for i in 0..32 {
        select(&mut out, &table, i);
        assert_eq!(out, [3 * i as u64, 3 * i as u64 + 1, 3 * i as u64 + 2]);
    }
    let v = from_be_bytes(&[0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2).unwrap();
    assert_eq!(v, [0x0203_0405_0607_0809, 0x01]);
    assert!(from_be_bytes(&[1; 17], 2).is_none());
    let mut be = [0u8; 11];
    to_be_bytes(&v, &mut be);
    assert_eq!(be, [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(window_bits(&[u64::MAX << 62, 0b101], 62, 5), 0b10111);
    assert_eq!(lt(&[1, 2], &[2, 2]), 1);
    assert_eq!(lt(&[2, 2], &[2, 2]), 0);
    assert_eq!(equal(&[2, 2], &[2, 2]), 1);
}

/// The dedicated squaring (unrolled at 8, 12 and 16 limbs, product-scanning loops at 24 to
/// 64, the general product elsewhere) gives exactly the Montgomery product `a·a`, for
/// random values and the edges 0, 1, m − 1.
#[test]
fn mont_sqr_matches_mont_mul() {
    let mut rng = ChaCha20Rng::seed_from_u64(18);
    for n in [1usize, 2, 8, 12, 16, 17, 24, 32, 48, 64] {
        for _ in 0..8 {
            let mut m = random_limbs(&mut rng, n);
            m[0] |= 1;
            m[n - 1] |= 1 << 63;
            if n == 1 {
                m[0] |= 2;
            }
            let md = Modulus::new(m.clone()).unwrap();
            let mut m_minus_1 = m.clone();
            m_minus_1[0] -= 1;
            let mut one = vec![0u64; n];
            one[0] = 1;
            for a in [
                md.reduce(&random_limbs(&mut rng, n)),
                vec![0u64; n],
                one,
                m_minus_1,
            ] {
                let (mut sq, mut prod) = (vec![0u64; n], vec![0u64; n]);
                md.sqr(&mut sq, &a);
                md.mul(&mut prod, &a, &a);
                assert_eq!(sq, prod, "n={n}");
            }
        }
    }
}

#[test]
fn public_r2_by_division_equals_the_constant_time_one() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for n in [1usize, 2, 3, 8, 16, 17, 32, 64] {
        for top_bits in [64u32, 63, 33, 1] {
            for _ in 0..8 {
                let mut m = random_limbs(&mut rng, n);
                // The top limb has exactly `top_bits` significant bits (the
                // normalising shift of the division is 64 − top_bits).
                m[n - 1] = (m[n - 1] >> (64 - top_bits)) | (1 << (top_bits - 1));
                m[0] |= 1;
                if n == 1 && m[0] < 3 {
                    m[0] = 3;
                }
                let ct = Modulus::new(m.clone()).unwrap();
                let public = Modulus::new_public(m.clone()).unwrap();
                assert_eq!(ct.r2, public.r2, "n={n} top_bits={top_bits} m={m:x?}");
            }
        }
        // Moduli that make the quotient estimate overshoot: top limbs all ones / just
        // above a power of two.
        for m in [
            {
                let mut m = vec![u64::MAX; n];
                m[0] = u64::MAX;
                m
            },
            {
                let mut m = vec![0u64; n];
                m[0] |= 1;
                m[n - 1] |= 1 << 63;
                if n == 1 {
                    m[0] |= 2;
                }
                m
            },
        ] {
            let ct = Modulus::new(m.clone()).unwrap();
            let public = Modulus::new_public(m.clone()).unwrap();
            assert_eq!(ct.r2, public.r2, "n={n} m={m:x?}");
        }
    }
}
