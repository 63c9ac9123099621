//! Variable-time long division, for *public* values only: `R² mod n` of an RSA public
//! modulus or a DH prime ([`super::bignum::Modulus::new_public`]). A secret modulus (an
//! RSA prime) gets its `R²` from the constant-time doublings and squarings of
//! [`super::bignum::Modulus::new`] instead.

#![allow(
    clippy::indexing_slicing,
    reason = "limb positions bounded by the divisor's length, fixed on entry"
)]

use alloc::vec;
use alloc::vec::Vec;

/// `R² mod m` for `R = 2^(64·len)`, by schoolbook long division (Knuth, TAOCP vol. 2,
/// §4.3.1, Algorithm D) of `2^(128·len)` by `m`: **variable time**, for public moduli only
/// ([`super::bignum::Modulus::new_public`]). `m` has its top limb nonzero.
pub(super) fn rem_r2_vartime(m: &[u64]) -> Vec<u64> {
    let n = m.len();
    // D1: normalise so the divisor's top bit is set; the dividend 2^(128n) shifted by the
    // same amount is the single limb `1 << s` at position 2n.
    let s = m[n - 1].leading_zeros();
    let mut v = vec![0u64; n];
    for i in (0..n).rev() {
        let lo = if i > 0 && s > 0 {
            m[i - 1] >> (64 - s)
        } else {
            0
        };
        v[i] = (m[i] << s) | lo;
    }
    let mut u = vec![0u64; 2 * n + 1];
    u[2 * n] = 1 << s;
    let vt = u128::from(v[n - 1]);
    let vt2 = if n > 1 { v[n - 2] } else { 0 };
    // D2–D7: one quotient limb per step, from the top.
    for j in (0..=n).rev() {
        // D3: estimate q̂ from the top two limbs, correct it with the third (at most twice).
        let top = (u128::from(u[j + n]) << 64) | u128::from(u[j + n - 1]);
        let mut qhat = top / vt;
        let mut rhat = top % vt;
        let below = if n > 1 { u[j + n - 2] } else { 0 };
        while qhat >> 64 != 0 || qhat * u128::from(vt2) > ((rhat << 64) | u128::from(below)) {
            qhat -= 1;
            rhat += vt;
            if rhat >> 64 != 0 {
                break;
            }
        }
        // D4: u[j..=j+n] −= q̂·v.
        let q = qhat as u64;
        let (mut mul_carry, mut borrow) = (0u64, 0u64);
        for i in 0..n {
            let p = u128::from(q) * u128::from(v[i]) + u128::from(mul_carry);
            mul_carry = (p >> 64) as u64;
            let (d1, b1) = u[j + i].overflowing_sub(p as u64);
            let (d2, b2) = d1.overflowing_sub(borrow);
            u[j + i] = d2;
            borrow = u64::from(b1) + u64::from(b2);
        }
        let (d1, b1) = u[j + n].overflowing_sub(mul_carry);
        let (d2, b2) = d1.overflowing_sub(borrow);
        u[j + n] = d2;
        // D5–D6: q̂ was one too large (rare): add v back.
        if b1 || b2 {
            let mut carry = 0u64;
            for i in 0..n {
                let t = u128::from(u[j + i]) + u128::from(v[i]) + u128::from(carry);
                u[j + i] = t as u64;
                carry = (t >> 64) as u64;
            }
            u[j + n] = u[j + n].wrapping_add(carry);
        }
    }
    // D8: the remainder is u[0..n] shifted back.
    let mut r = vec![0u64; n];
    for i in 0..n {
        let hi = if i + 1 < n && s > 0 {
            u[i + 1] << (64 - s)
        } else {
            0
        };
        r[i] = if s > 0 { (u[i] >> s) | hi } else { u[i] };
    }
    r
}
