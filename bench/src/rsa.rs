//! RSA rows (issue 18): the raw private-key operation and the client's public-key
//! operation (PKCS#1 v1.5 encryption of a 48-byte pre-master secret) at 2048, 3072 and
//! 4096 bits — lucid's own arithmetic (the default backend), the `rsa` crate (lucid's
//! previous default, still reachable as `RsaCrateKey::rsa_crate_arithmetic`) and OpenSSL —
//! and the dudect-style timing test of lucid's private operation.

use std::time::{Duration, Instant};

use lucid_core::internal::crypto::rsa_kx;
use lucid_core::{RsaCrateKey, ServerRsaKey};
use openssl::pkey::PKey;
use openssl::rsa::{Padding, Rsa};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::measure::cpu_ns;

/// One size's keys, in all three libraries.
pub struct Keys {
    pub ossl: Rsa<openssl::pkey::Private>,
    pub lucid: RsaCrateKey,
    pub rsa_crate: RsaCrateKey,
    pub spki: Vec<u8>,
}

impl Keys {
    pub fn generate(bits: u32) -> Self {
        let ossl = Rsa::generate(bits).unwrap();
        let pkey = PKey::from_rsa(ossl.clone()).unwrap();
        let pkcs8 = pkey.private_key_to_pkcs8().unwrap();
        Self {
            lucid: RsaCrateKey::from_pkcs8_der(&pkcs8).unwrap(),
            rsa_crate: RsaCrateKey::rsa_crate_arithmetic(&pkcs8).unwrap(),
            spki: pkey.public_key_to_der().unwrap(),
            ossl,
        }
    }

    /// A random value below n (top byte cleared).
    pub fn random_ciphertext(&self, rng: &mut ChaCha20Rng) -> Vec<u8> {
        let mut c = vec![0_u8; self.ossl.size() as usize];
        rng.fill_bytes(&mut c[1..]);
        c
    }
}

fn per_op(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let t0 = cpu_ns();
    for _ in 0..n {
        f();
    }
    (cpu_ns() - t0) as f64 / n as f64 / 1e3
}

/// µs per private op: (lucid, rsa crate, OpenSSL).
pub fn private_op(k: &Keys, c: &[u8], n: usize, rng: &mut ChaCha20Rng) -> (f64, f64, f64) {
    let mut out = vec![0_u8; c.len()];
    let lucid = per_op(n, || k.lucid.decrypt_raw(c, &mut out, rng).unwrap());
    let mut out2 = vec![0_u8; c.len()];
    let rsa_crate = per_op(n.div_ceil(3), || {
        k.rsa_crate.decrypt_raw(c, &mut out2, rng).unwrap()
    });
    assert_eq!(out, out2);
    let ossl = per_op(n, || {
        k.ossl.private_decrypt(c, &mut out2, Padding::NONE).unwrap();
    });
    assert_eq!(out, out2);
    (lucid, rsa_crate, ossl)
}

/// µs per public op (PKCS#1 v1.5 encryption of 48 bytes, key parse excluded):
/// (lucid, rsa crate, OpenSSL).
pub fn public_op(k: &Keys, n: usize, rng: &mut ChaCha20Rng) -> (f64, f64, f64) {
    let key = rsa_kx::rsa_public_key_from_spki(&k.spki).unwrap();
    let pms = [3_u8; 48];
    let lucid = per_op(n, || {
        rsa_kx::encrypt_pre_master_secret(&key, &pms, rng).unwrap();
    });
    let rsa_crate = per_op(n, || {
        key.pkcs1v15_encrypt_with_rng(rng, &pms).unwrap();
    });
    let mut out = vec![0_u8; k.ossl.size() as usize];
    let ossl = per_op(n, || {
        k.ossl
            .public_encrypt(&pms, &mut out, Padding::PKCS1)
            .unwrap();
    });
    (lucid, rsa_crate, ossl)
}

/// The dudect-style result: Welch's t between the two classes, raw and cropped.
pub struct Timing {
    pub runs: usize,
    pub secs: f64,
    pub t_raw: f64,
    pub t_cropped: f64,
    pub crop_percentile: f64,
    pub mean_fixed_us: f64,
    pub mean_random_us: f64,
}

fn welch(a: &[f64], b: &[f64]) -> f64 {
    let stats = |v: &[f64]| {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        (n, m, var)
    };
    let (na, ma, va) = stats(a);
    let (nb, mb, vb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Fixed vs random ciphertexts through lucid's private operation (`decrypt_raw`, the
/// default backend), the class of each run drawn at random, each run timed alone
/// (wall clock, `Instant`). Stops at `max_runs` or after `budget`.
pub fn timing_test(k: &Keys, max_runs: usize, budget: Duration) -> Timing {
    let mut rng = ChaCha20Rng::seed_from_u64(18);
    let fixed = k.random_ciphertext(&mut rng);
    let pool: Vec<Vec<u8>> = (0..1024).map(|_| k.random_ciphertext(&mut rng)).collect();
    let mut out = vec![0_u8; fixed.len()];
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let mut i = 0;
    while i < max_runs && started.elapsed() < budget {
        let class_fixed = rng.next_u32() & 1 == 0;
        let c = if class_fixed {
            &fixed
        } else {
            &pool[i % pool.len()]
        };
        let t0 = Instant::now();
        k.lucid.decrypt_raw(c, &mut out, &mut rng).unwrap();
        let dt = t0.elapsed().as_secs_f64() * 1e6;
        if class_fixed {
            a.push(dt)
        } else {
            b.push(dt)
        }
        i += 1;
    }
    // dudect crops the slow tail (preemption, the blinding refresh every 32 ops) at a
    // percentile of the pooled distribution before testing.
    let crop_percentile = 0.9;
    let mut all: Vec<f64> = a.iter().chain(&b).copied().collect();
    all.sort_by(|x, y| x.total_cmp(y));
    let cut = all[((all.len() as f64) * crop_percentile) as usize];
    let ca: Vec<f64> = a.iter().copied().filter(|x| *x <= cut).collect();
    let cb: Vec<f64> = b.iter().copied().filter(|x| *x <= cut).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Timing {
        runs: i,
        secs: started.elapsed().as_secs_f64(),
        t_raw: welch(&a, &b),
        t_cropped: welch(&ca, &cb),
        crop_percentile,
        mean_fixed_us: mean(&a),
        mean_random_us: mean(&b),
    }
}
