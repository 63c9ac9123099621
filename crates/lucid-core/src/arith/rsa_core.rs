//! lucid's own RSA: the constant-time private-key operation (the default server key
//! backend, [`crate::RsaCrateKey`]) and a fast public-key operation (the client's
//! pre-master encryption and certificate signature checks), on [`super::bignum`].
//!
//! # The private operation, `m = c^d mod n`
//!
//! 1. **Blinding** (Kocher 1996; OpenSSL's `BN_BLINDING`): with a pair `(A, Aᵢ) =
//!    (rᵉ, r⁻¹) mod n` for a random `r`, compute `c' = c·A`, then `m' = c'^d = m·r`, then
//!    `m = m'·Aᵢ`. The exponentiation never sees `c`. The pair is kept between operations
//!    and *updated by squaring* (`(A², Aᵢ²)` is again a valid pair, for `r²`), as
//!    `BN_BLINDING_update` does, instead of a fresh inversion per operation; every 32 uses,
//!    or when two operations run at once, a fresh pair is drawn from the caller's RNG (the
//!    inversion `r⁻¹` by Fermat, `r^(p−2) mod p` and `r^(q−2) mod q` joined by CRT — the
//!    same constant-time exponentiation, no secret-dependent extended GCD).
//! 2. **CRT with Garner's recombination**: `m₁ = c'^dp mod p`, `m₂ = c'^dq mod q`,
//!    `h = (m₁ − m₂)·qInv mod p`, `m' = m₂ + q·h` (below `n`, so no final reduction).
//!    `c' mod p` is taken in constant time by [`Modulus::reduce`].
//! 3. **Fixed-window exponentiation** ([`Modulus::pow_ct`]): 5-bit windows over all
//!    `bits(p)` bits of `dp`, five Montgomery squarings and one multiplication per window,
//!    table entries picked by a masked scan of all 32.
//! 4. **Fault check** (Boneh–DeMillo–Lipton 1997, the "Bellcore attack" on CRT): `mᵉ mod n`
//!    must equal `c`, else the result is withheld and an error returned.
//!
//! # Why it is constant-time
//!
//! Every step is a fixed sequence of [`super::bignum`] calls whose lengths are the public
//! key sizes (see that module for the limb-level argument); nothing here branches on or
//! indexes by `c`, `m`, `r`, `p`, `q`, `d` or any intermediate. The only branches are on
//! public facts: input lengths, whether `c < n` (the ciphertext is public), the use counter
//! of the blinding pair, whether another thread holds it, and the fault check's outcome
//! (which reveals only that a fault happened). The public exponent operations
//! ([`Modulus::pow_public`]) branch on the bits of `e` only.

#![allow(
    clippy::indexing_slicing,
    reason = "limb positions bounded by public lengths checked on entry"
)]

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use rand_core::CryptoRng;
use zeroize::Zeroize;

use super::bignum::{self, Modulus};

/// An RSA operation failed: malformed input, `c ≥ n`, or the fault check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RsaOpError;

/// An RSA public key, ready for [`RsaPublic::op`].
pub(crate) struct RsaPublic {
    n: Modulus,
    e: Vec<u64>,
    k: usize,
}

impl RsaPublic {
    /// From big-endian `n` and `e`; `None` if `n` is even or too small, or `e` is 0 or even.
    pub(crate) fn new(n_be: &[u8], e_be: &[u8]) -> Option<Self> {
        let n_be = strip_zeros(n_be);
        let k = n_be.len();
        let n = Modulus::new_public(bignum::from_be_bytes(n_be, k.div_ceil(8))?)?;
        let e = bignum::from_be_bytes(strip_zeros(e_be), e_be.len().div_ceil(8).max(1))?;
        if e.first().is_none_or(|w| w & 1 == 0) {
            return None;
        }
        Some(Self { n, e, k })
    }

    /// From the `rsa` crate's key (the differential tests and fuzz target compare the two).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn from_rsa_crate(key: &rsa::PublicKey) -> Option<Self> {
        use rsa::traits::PublicKeyParts;
        Self::new(&key.n_bytes(), &key.e_bytes())
    }

    /// `out = input^e mod n`, both exactly `k` bytes big-endian; `input` must be below `n`.
    /// Variable time (every operand is public).
    pub(crate) fn op(&self, input: &[u8], out: &mut [u8]) -> Result<(), RsaOpError> {
        if input.len() != self.k || out.len() != self.k {
            return Err(RsaOpError);
        }
        let x = bignum::from_be_bytes(input, self.n.len()).ok_or(RsaOpError)?;
        if bignum::lt(&x, self.n.limbs()) != 1 {
            return Err(RsaOpError);
        }
        bignum::to_be_bytes(&self.n.pow_public(&x, &self.e), out);
        Ok(())
    }
}

/// Leading zero bytes removed (public values only).
fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// The blinding pair `(rᵉ·R, r⁻¹·R) mod n` (Montgomery form), shared between threads
/// without a lock: `state` is a one-word try-lock; the limbs are atomics so safe Rust can
/// write them through `&self` (the try-lock's Acquire/Release orders them).
struct Blinding {
    state: AtomicU8,
    uses: AtomicU32,
    /// Each limb as two 32-bit halves (thumbv7em has no 64-bit atomics).
    a: Vec<AtomicU32>,
    ai: Vec<AtomicU32>,
}

const EMPTY: u8 = 0;
const READY: u8 = 1;
const BUSY: u8 = 2;
/// A fresh random pair after this many squarings (OpenSSL's `BN_BLINDING_COUNTER`).
const BLINDING_REFRESH: u32 = 32;

impl Blinding {
    fn load(v: &[AtomicU32]) -> Vec<u64> {
        v.chunks_exact(2)
            .map(|w| {
                u64::from(w[0].load(Ordering::Relaxed))
                    | u64::from(w[1].load(Ordering::Relaxed)) << 32
            })
            .collect()
    }
    fn store(dst: &[AtomicU32], src: &[u64]) {
        for (d, s) in dst.chunks_exact(2).zip(src) {
            d[0].store(*s as u32, Ordering::Relaxed);
            d[1].store((*s >> 32) as u32, Ordering::Relaxed);
        }
    }
}

/// A two-prime RSA private key for the constant-time private operation.
pub(crate) struct RsaPrivateKey {
    public: RsaPublic,
    p: Modulus,
    q: Modulus,
    dp: Vec<u64>,
    dq: Vec<u64>,
    /// `q⁻¹ mod p` in Montgomery form mod p.
    qinv_mont: Vec<u64>,
    /// `p − 2`, `q − 2`: Fermat inversion exponents for fresh blinding pairs.
    p_minus_2: Vec<u64>,
    q_minus_2: Vec<u64>,
    blinding: Blinding,
}

impl Drop for RsaPrivateKey {
    fn drop(&mut self) {
        self.dp.zeroize();
        self.dq.zeroize();
        self.qinv_mont.zeroize();
        self.p_minus_2.zeroize();
        self.q_minus_2.zeroize();
        for w in self.blinding.a.iter().chain(&self.blinding.ai) {
            w.store(0, Ordering::Relaxed);
        }
    }
}

/// `x − 2` for an odd `x ≥ 3` (no borrow past the second limb matters: primes are large).
fn minus_two(x: &[u64]) -> Vec<u64> {
    let mut out = x.to_vec();
    let mut borrow = 2u64;
    for w in out.iter_mut() {
        let (d, b) = w.overflowing_sub(borrow);
        *w = d;
        borrow = u64::from(b);
    }
    out
}

impl RsaPrivateKey {
    /// From the components, big-endian: modulus, public exponent, primes and CRT
    /// exponents. `qInv` is computed here (`q^(p−2) mod p`), and `p·q = n` is checked.
    /// `None` for anything inconsistent.
    pub(crate) fn from_components(
        n: &[u8],
        e: &[u8],
        p: &[u8],
        q: &[u8],
        dp: &[u8],
        dq: &[u8],
    ) -> Option<Self> {
        let public = RsaPublic::new(n, e)?;
        let limbs = |b: &[u8]| bignum::from_be_bytes(b, strip_zeros(b).len().div_ceil(8));
        let p = Modulus::new(limbs(p)?)?;
        let q = Modulus::new(limbs(q)?)?;
        let dp = bignum::from_be_bytes(dp, p.len())?;
        let dq = bignum::from_be_bytes(dq, q.len())?;
        // p·q = n (constant-time compare; the lengths are public).
        let mut pq = vec![0u64; p.len() + q.len()];
        bignum::mul(&mut pq, p.limbs(), q.limbs());
        let nl = public.n.len();
        if pq.len() < nl || pq[nl..].iter().any(|&w| w != 0) {
            return None;
        }
        if bignum::equal(&pq[..nl], public.n.limbs()) != 1 {
            return None;
        }
        let p_minus_2 = minus_two(p.limbs());
        let q_minus_2 = minus_two(q.limbs());
        let qm = p.to_mont(&p.reduce(q.limbs()));
        let qinv_mont = p.pow_ct(&qm, &p_minus_2, p.bits());
        let atomics = || (0..2 * nl).map(|_| AtomicU32::new(0)).collect();
        Some(Self {
            public,
            p,
            q,
            dp,
            dq,
            qinv_mont,
            p_minus_2,
            q_minus_2,
            blinding: Blinding {
                state: AtomicU8::new(EMPTY),
                uses: AtomicU32::new(0),
                a: atomics(),
                ai: atomics(),
            },
        })
    }

    /// From the `rsa` crate's key; `None` for a multi-prime key.
    pub(crate) fn from_rsa_crate(key: &rsa::PrivateKey) -> Option<Self> {
        use rsa::traits::{PrivateKeyParts, PublicKeyParts};
        let [p, q] = key.primes() else {
            return None;
        };
        let (dp, dq) = (key.dp()?, key.dq()?);
        let (p, q) = (p.as_ref().to_be_bytes(), q.as_ref().to_be_bytes());
        let (dp, dq) = (dp.to_be_bytes(), dq.to_be_bytes());
        let this = Self::from_components(&key.n_bytes(), &key.e_bytes(), &p, &q, &dp, &dq);
        let mut secrets = [p, q, dp, dq];
        for s in &mut secrets {
            s.zeroize();
        }
        this
    }

    /// `c^(ep, eq)` by CRT: `m₁ = c^ep mod p`, `m₂ = c^eq mod q`, Garner. `c` in normal form
    /// below `n`; the result (normal form, `n`'s limb count) is below `n`.
    fn crt_pow(&self, c: &[u64], ep: &[u64], eq: &[u64]) -> Vec<u64> {
        let (p, q) = (&self.p, &self.q);
        let mut m1 = {
            let base = p.to_mont(&p.reduce(c));
            p.retrieve(&p.pow_ct(&base, ep, p.bits()))
        };
        let m2 = {
            let base = q.to_mont(&q.reduce(c));
            q.retrieve(&q.pow_ct(&base, eq, q.bits()))
        };
        // h = (m₁ − m₂)·qInv mod p: a Montgomery product with qInv·R gives normal form.
        let m2p = p.reduce(&m2);
        p.sub_mod_assign(&mut m1, &m2p);
        let mut h = vec![0u64; p.len()];
        p.mul(&mut h, &m1, &self.qinv_mont);
        // m = m₂ + q·h < q + q·(p − 1) = n.
        let mut m = vec![0u64; p.len() + q.len()];
        bignum::mul(&mut m, q.limbs(), &h);
        bignum::add_assign(&mut m, &m2);
        m1.zeroize();
        h.zeroize();
        m.truncate(self.public.n.len());
        m
    }

    /// A fresh blinding pair from `rng`, in Montgomery form mod n.
    fn fresh_pair(&self, rng: &mut dyn CryptoRng) -> (Vec<u64>, Vec<u64>) {
        let n = &self.public.n;
        let mut bytes = vec![0u8; n.len() * 8];
        rng.fill_bytes(&mut bytes);
        let mut r = bignum::from_be_bytes(&bytes, n.len()).unwrap_or_else(|| vec![0; n.len()]);
        bytes.zeroize();
        // r < 2^(bits−1) < n, and odd so never 0.
        let top = n.bits() - 1;
        for (i, w) in r.iter_mut().enumerate() {
            let keep = top.saturating_sub(i * 64).min(64);
            *w &= if keep == 64 {
                u64::MAX
            } else {
                (1u64 << keep) - 1
            };
        }
        r[0] |= 1;
        let r_inv = self.crt_pow(&r, &self.p_minus_2, &self.q_minus_2);
        let a = n.pow_public(&r, &self.public.e);
        let pair = (n.to_mont(&a), n.to_mont(&r_inv));
        r.zeroize();
        pair
    }

    /// The blinding pair for this operation (see the module docs).
    fn blinding_pair(&self, rng: &mut dyn CryptoRng) -> (Vec<u64>, Vec<u64>) {
        let b = &self.blinding;
        let n = &self.public.n;
        match b
            .state
            .compare_exchange(READY, BUSY, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => {
                let uses = b.uses.fetch_add(1, Ordering::Relaxed);
                let pair = if uses % BLINDING_REFRESH == BLINDING_REFRESH - 1 {
                    self.fresh_pair(rng)
                } else {
                    let (mut a, mut ai) = (Blinding::load(&b.a), Blinding::load(&b.ai));
                    let (mut a2, mut ai2) = (vec![0u64; n.len()], vec![0u64; n.len()]);
                    n.sqr(&mut a2, &a);
                    n.sqr(&mut ai2, &ai);
                    a.zeroize();
                    ai.zeroize();
                    (a2, ai2)
                };
                Blinding::store(&b.a, &pair.0);
                Blinding::store(&b.ai, &pair.1);
                b.state.store(READY, Ordering::Release);
                pair
            }
            Err(EMPTY)
                if b.state
                    .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok() =>
            {
                let pair = self.fresh_pair(rng);
                Blinding::store(&b.a, &pair.0);
                Blinding::store(&b.ai, &pair.1);
                b.state.store(READY, Ordering::Release);
                pair
            }
            // Another operation holds the pair: use a fresh one of our own.
            Err(_) => self.fresh_pair(rng),
        }
    }

    /// `out = c^d mod n`, blinded, with the fault check: `ciphertext` and `out` exactly
    /// `k` bytes, `c < n`.
    pub(crate) fn decrypt_raw(
        &self,
        ciphertext: &[u8],
        out: &mut [u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), RsaOpError> {
        let n = &self.public.n;
        let k = self.public.k;
        if ciphertext.len() != k || out.len() != k {
            return Err(RsaOpError);
        }
        let c = bignum::from_be_bytes(ciphertext, n.len()).ok_or(RsaOpError)?;
        if bignum::lt(&c, n.limbs()) != 1 {
            return Err(RsaOpError);
        }
        let (mut a, mut ai) = self.blinding_pair(rng);
        let mut blinded = vec![0u64; n.len()];
        n.mul(&mut blinded, &c, &a);
        let mut mb = self.crt_pow(&blinded, &self.dp, &self.dq);
        let mut m = vec![0u64; n.len()];
        n.mul(&mut m, &mb, &ai);
        for v in [&mut a, &mut ai, &mut blinded, &mut mb] {
            v.zeroize();
        }
        // Fault check: a wrong CRT half would otherwise give out a factor of n.
        let check = n.pow_public(&m, &self.public.e);
        if bignum::equal(&check, &c) != 1 {
            m.zeroize();
            return Err(RsaOpError);
        }
        bignum::to_be_bytes(&m, out);
        m.zeroize();
        Ok(())
    }
}

#[cfg(test)]
#[path = "rsa_core_test.rs"]
mod tests;
