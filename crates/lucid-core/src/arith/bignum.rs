//! Multi-precision modular arithmetic for RSA: Montgomery multiplication on 64-bit limbs,
//! constant time in every value.
//!
//! # Why not `crypto-bigint`
//!
//! Measured first (issue 18), on the bench host: `crypto-bigint` 0.7.11's fixed-width
//! `FixedMontyForm<16>::pow` (a 1024-bit exponentiation, the CRT half of RSA-2048, 4-bit
//! windows) took 836 µs, `pow_amm` 829 µs; the same exponentiation built on the
//! [`mont_mul`] below (5-bit windows) about 575 µs. Its Montgomery product interleaves
//! the two carry chains of each row (`a·b[i]` and `q·m`) in one pass, which keeps both
//! multipliers busy; `crypto-bigint`'s runs them one after the other. So lucid keeps its
//! own, small limb code — modelled on BearSSL's `i31`/`i62` (`src/int/i62_modpow2.c`): a
//! handful of loops over limbs whose trip counts depend only on lengths.
//!
//! # The constant-time argument
//!
//! Every function here is constant-time in the *values* of its operands; lengths (limb
//! counts, bit lengths of moduli and exponents) are public. Concretely:
//!
//! - loops run over limb indices `0..len` and bit positions of a public length; no loop
//!   exits early and no `if` or `match` looks at a limb's value;
//! - carries and borrows are arithmetic (`u128` sums, `overflowing_sub`), never branches;
//! - a conditional result (the final subtraction of a Montgomery product, a modular
//!   addition, a table entry) is chosen with an all-zeros / all-ones mask `mask` built
//!   from a 0/1 word by `0 - bit`, and applied as `(x & mask) | (y & !mask)` over every limb
//!   of both candidates;
//! - memory is never indexed by a secret: [`select`] reads *every* entry of a table and
//!   keeps one with masks, so the addresses touched are the same for any index;
//! - `u64 × u64 → u128` products are single `mul` instructions on x86-64 and `umull`
//!   sequences on Arm (fixed latency on the targets lucid supports).
//!
//! - squaring ([`mont_sqr`]) is product scanning over columns `k = 0..2n−1`; which limb
//!   products a column adds depends only on `k` and `n`, and the column sums are plain
//!   `u128` additions, so it is as data-independent as the product.
//!
//! What is *not* constant-time is named so: [`pow_public`] branches on the bits of its
//! exponent, which is only ever a public RSA exponent `e`.
//!
//! The compiler could, in principle, turn a mask back into a branch; the masks that pick
//! between values pass through [`core::hint::black_box`], which stops LLVM from seeing
//! that they are 0 or all-ones (the same defence `subtle` uses).

// Limb indices are bounded by lengths fixed at construction (`Modulus::new`) and checked
// on entry (`RsaPublic::op`, `RsaPrivateKey::decrypt_raw`); no index comes from peer data.
#![allow(
    clippy::indexing_slicing,
    reason = "limb positions bounded by public lengths checked on entry"
)]

use alloc::vec;
use alloc::vec::Vec;
use core::hint::black_box;

use zeroize::Zeroize;

/// An all-ones mask if `bit` is 1, zero if it is 0 (`bit` must be 0 or 1).
#[inline(always)]
fn mask_from_bit(bit: u64) -> u64 {
    black_box(0u64.wrapping_sub(bit))
}

/// All-ones if `a == b`, else zero, without a branch.
#[inline(always)]
fn eq_mask(a: u64, b: u64) -> u64 {
    let d = a ^ b;
    // The top bit of `d | -d` is set exactly when d != 0.
    mask_from_bit(((d | d.wrapping_neg()) >> 63) ^ 1)
}

/// `dst = mask ? src : dst`, limb by limb.
#[inline(always)]
fn assign_masked(dst: &mut [u64], src: &[u64], mask: u64) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = (*s & mask) | (*d & !mask);
    }
}

/// `a - b` over equal lengths into `out`, returning the final borrow (0 or 1).
#[inline(always)]
fn sub_into(out: &mut [u64], a: &[u64], b: &[u64]) -> u64 {
    let mut borrow = 0u64;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (d1, b1) = x.overflowing_sub(*y);
        let (d2, b2) = d1.overflowing_sub(borrow);
        *o = d2;
        borrow = u64::from(b1 | b2);
    }
    borrow
}

/// Whether `a < b` (equal lengths) as a 0/1 word, in constant time.
pub(crate) fn lt(a: &[u64], b: &[u64]) -> u64 {
    let mut borrow = 0u64;
    for (x, y) in a.iter().zip(b) {
        let (d1, b1) = x.overflowing_sub(*y);
        let (_, b2) = d1.overflowing_sub(borrow);
        borrow = u64::from(b1 | b2);
    }
    borrow
}

/// Whether `a == b` (equal lengths) as a 0/1 word, in constant time.
pub(crate) fn equal(a: &[u64], b: &[u64]) -> u64 {
    let mut diff = 0u64;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    ((diff | diff.wrapping_neg()) >> 63) ^ 1
}

/// Big-endian bytes into `len` little-endian limbs; `None` if the value does not fit.
pub(crate) fn from_be_bytes(bytes: &[u8], len: usize) -> Option<Vec<u64>> {
    let mut out = vec![0u64; len];
    for (i, chunk) in bytes.rchunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[8 - chunk.len()..].copy_from_slice(chunk);
        let w = u64::from_be_bytes(word);
        match out.get_mut(i) {
            Some(slot) => *slot = w,
            // Limbs past `len`: of a secret (a key component stored with padding) they are
            // always zero, so this only ever branches one way for secrets; a public input
            // (a ciphertext) that does not fit is refused.
            None if w == 0 => {}
            None => return None,
        }
    }
    Some(out)
}

/// Little-endian limbs into exactly `out.len()` big-endian bytes (the value must fit).
pub(crate) fn to_be_bytes(limbs: &[u64], out: &mut [u8]) {
    for (i, b) in out.iter_mut().rev().enumerate() {
        let w = limbs.get(i / 8).copied().unwrap_or(0);
        *b = (w >> ((i % 8) * 8)) as u8;
    }
}

/// The bit length of a public value (variable time).
pub(crate) fn bit_len_vartime(a: &[u64]) -> usize {
    for (i, w) in a.iter().enumerate().rev() {
        if *w != 0 {
            return i * 64 + 64 - w.leading_zeros() as usize;
        }
    }
    0
}

/// `a × b` (schoolbook) into `out` of length `a.len() + b.len()`.
pub(crate) fn mul(out: &mut [u64], a: &[u64], b: &[u64]) {
    out.fill(0);
    for (i, bi) in b.iter().enumerate() {
        let mut carry = 0u64;
        for (j, aj) in a.iter().enumerate() {
            if let Some(o) = out.get_mut(i + j) {
                let t = u128::from(*aj) * u128::from(*bi) + u128::from(*o) + u128::from(carry);
                *o = t as u64;
                carry = (t >> 64) as u64;
            }
        }
        if let Some(o) = out.get_mut(i + a.len()) {
            *o = carry;
        }
    }
}

/// `a += b` over `a.len()` limbs (b no longer than a); the carry out is dropped (callers
/// know the sum fits).
pub(crate) fn add_assign(a: &mut [u64], b: &[u64]) {
    let mut carry = 0u64;
    for (i, x) in a.iter_mut().enumerate() {
        let y = b.get(i).copied().unwrap_or(0);
        let t = u128::from(*x) + u128::from(y) + u128::from(carry);
        *x = t as u64;
        carry = (t >> 64) as u64;
    }
}

/// Reads every entry of `table` (entries of `out.len()` limbs, back to back) and copies
/// entry `index` into `out`: the memory accessed does not depend on `index`.
pub(crate) fn select(out: &mut [u64], table: &[u64], index: usize) {
    let n = out.len();
    out.fill(0);
    for (k, entry) in table.chunks_exact(n).enumerate() {
        let mask = eq_mask(k as u64, index as u64);
        for (o, e) in out.iter_mut().zip(entry) {
            *o |= e & mask;
        }
    }
}

/// One Montgomery product row loop: `out = a·b·R⁻¹ mod m`, `R = 2^(64·len)`.
///
/// Requires `a < R`, `b < m`, `m` odd; then the intermediate result is below `2m` and one
/// masked subtraction makes `out < m`. `m0 = −m⁻¹ mod 2⁶⁴`. `out` must not alias.
///
/// This is FIOS (finely integrated operand scanning, Koç–Acar–Kaliski 1996) with the
/// multiplication chain `t + a·b[i]` and the reduction chain `+ q·m` advanced together in
/// one pass over `j`, each with its own carry: two independent dependency chains per
/// iteration instead of one, which is where the speed over a plain CIOS loop comes from.
#[inline(always)]
fn mont_mul_core(out: &mut [u64], a: &[u64], b: &[u64], m: &[u64], m0: u64, t: &mut [u64]) {
    let n = m.len();
    t.fill(0);
    let mut hi = 0u64;
    for &bi in b.iter().take(n) {
        let x0 = u128::from(a[0]) * u128::from(bi) + u128::from(t[0]);
        let q = (x0 as u64).wrapping_mul(m0);
        let mut c1 = (x0 >> 64) as u64;
        let y0 = u128::from(m[0]) * u128::from(q) + u128::from(x0 as u64);
        let mut c2 = (y0 >> 64) as u64;
        for j in 1..n {
            let x = u128::from(a[j]) * u128::from(bi) + u128::from(t[j]) + u128::from(c1);
            c1 = (x >> 64) as u64;
            let y = u128::from(m[j]) * u128::from(q) + u128::from(x as u64) + u128::from(c2);
            c2 = (y >> 64) as u64;
            t[j - 1] = y as u64;
        }
        let s = u128::from(hi) + u128::from(c1) + u128::from(c2);
        t[n - 1] = s as u64;
        hi = (s >> 64) as u64;
    }
    // t + hi·R < 2m: subtract m when hi is set or t >= m.
    let borrow = sub_into(out, t, m);
    let keep_t = mask_from_bit((borrow & !hi) & 1);
    assign_masked(out, t, keep_t);
}

#[cfg(target_pointer_width = "64")]
/// [`mont_mul_core`] at a compile-time length: bounds checks vanish and the inner loop is
/// unrolled (the RSA-2048/3072/4096 CRT halves and moduli).
fn mont_mul_fixed<const N: usize>(
    out: &mut [u64; N],
    a: &[u64; N],
    b: &[u64; N],
    m: &[u64; N],
    m0: u64,
) {
    let mut t = [0u64; N];
    mont_mul_core(out, a, b, m, m0, &mut t);
}

/// `out = a·b·R⁻¹ mod m` (see [`mont_mul_core`] for the bounds). All slices have `m.len()`
/// limbs. Dispatches on the (public) length to an unrolled instance.
pub(crate) fn mont_mul(out: &mut [u64], a: &[u64], b: &[u64], m: &[u64], m0: u64) {
    #[cfg(target_pointer_width = "64")]
    macro_rules! fixed {
        ($($n:literal),*) => {
            match m.len() {
                $($n => {
                    if let (Ok(o), Ok(a), Ok(b), Ok(m)) = (
                        <&mut [u64; $n]>::try_from(&mut *out),
                        <&[u64; $n]>::try_from(a),
                        <&[u64; $n]>::try_from(b),
                        <&[u64; $n]>::try_from(m),
                    ) {
                        return mont_mul_fixed::<$n>(o, a, b, m, m0);
                    }
                })*
                _ => {}
            }
        };
    }
    // The per-length instances are for 64-bit hosts (servers); on a 32-bit target (a
    // microcontroller, where each u64 limb product is several instructions) they would
    // multiply the code size for little gain, so everything runs the one loop.
    #[cfg(target_pointer_width = "64")]
    fixed!(8, 12, 16, 24, 32, 48, 64);
    let mut t = vec![0u64; m.len()];
    mont_mul_core(out, a, b, m, m0, &mut t);
}

#[cfg(target_pointer_width = "64")]
/// A column sum of product scanning: the low and the high halves of the 128-bit
/// products are added up apart, so each product costs two independent `add`/`adc` pairs
/// (no carry flag travels from one product to the next), and a column's value is
/// `lo + hi·2⁶⁴`. Neither half can overflow: a column holds at most `2·len + 2` products
/// plus the carry of the previous one, far below `2⁶⁴` terms.
#[derive(Clone, Copy, Default)]
struct Column {
    lo: u128,
    hi: u128,
}

#[cfg(target_pointer_width = "64")]
impl Column {
    #[inline(always)]
    fn mac(&mut self, a: u64, b: u64) {
        let p = u128::from(a) * u128::from(b);
        self.lo += u128::from(p as u64);
        self.hi += p >> 64;
    }

    /// Adds `2·d` (the doubled off-diagonal products of a square).
    #[inline(always)]
    fn add_doubled(&mut self, d: &Self) {
        self.lo += d.lo << 1;
        self.hi += d.hi << 1;
    }

    /// The column's low word, and the carry moved into the next column.
    #[inline(always)]
    fn shift(&mut self) -> u64 {
        let w = self.lo as u64;
        self.lo = (self.lo >> 64) + self.hi;
        self.hi = 0;
        w
    }
}

#[cfg(target_pointer_width = "64")]
/// Column `k` of a Montgomery squaring by product scanning (Comba): the sum over
/// `i + j = k` of `a[i]·a[j]` (each off-diagonal pair once, doubled; the diagonal
/// `a[k/2]²` once) and of `q[i]·m[j]`. For `k < n` it then fixes `q[k]` so that the column's
/// low word becomes zero (the Montgomery step); for `k ≥ n` the low word is result limb
/// `k − n`. `k` and `n` are public, so are all the bounds.
#[inline(always)]
fn sqr_column(
    k: usize,
    acc: &mut Column,
    a: &[u64],
    q: &mut [u64],
    m: &[u64],
    m0: u64,
    t: &mut [u64],
) {
    let n = m.len();
    let lo = (k + 1).saturating_sub(n);
    let mut d = Column::default();
    for i in lo..k.div_ceil(2) {
        d.mac(a[i], a[k - i]);
    }
    acc.add_doubled(&d);
    if k % 2 == 0 {
        acc.mac(a[k / 2], a[k / 2]);
    }
    if k < n {
        for i in 0..k {
            acc.mac(q[i], m[k - i]);
        }
        let qk = (acc.lo as u64).wrapping_mul(m0);
        q[k] = qk;
        acc.mac(qk, m[0]);
        acc.shift();
    } else {
        for i in lo..n {
            acc.mac(q[i], m[k - i]);
        }
        t[k - n] = acc.shift();
    }
}

#[cfg(target_pointer_width = "64")]
/// [`sqr_column`] at a compile-time column: every bound is a constant, so LLVM unrolls the
/// column's loops into straight-line code (no loop exits to mispredict).
#[inline(always)]
fn sqr_column_fixed<const K: usize, const N: usize>(
    acc: &mut Column,
    a: &[u64; N],
    q: &mut [u64; N],
    m: &[u64; N],
    m0: u64,
    t: &mut [u64; N],
) {
    if K < 2 * N - 1 {
        sqr_column(K, acc, a, q, m, m0, t);
    }
}

#[cfg(target_pointer_width = "64")]
/// The end of a product-scanning Montgomery product: the last limb and the carry out of
/// the column sum, then one masked subtraction of `m` (the result is below `2m`).
#[inline(always)]
fn finish_columns(out: &mut [u64], acc: &mut Column, t: &mut [u64], m: &[u64]) {
    if let Some(last) = t.last_mut() {
        *last = acc.shift();
    }
    let hi = acc.lo as u64;
    let borrow = sub_into(out, t, m);
    let keep_t = mask_from_bit((borrow & !hi) & 1);
    assign_masked(out, t, keep_t);
}

#[cfg(target_pointer_width = "64")]
/// `out = a²·R⁻¹ mod m` for `a < m`, by product scanning: the square needs only
/// `n(n+1)/2` limb products instead of `n²` (each off-diagonal product is taken once and
/// doubled), the reduction `n²` as in a product, so a squaring costs about 3/4 of
/// [`mont_mul_core`]. RSA's exponentiation is five squarings to one multiplication.
/// Only fully unrolled ([`mont_sqr_unrolled`], up to 16 limbs): as a loop, and unrolled at
/// 24 limbs and more, the column sums spill registers, and on the bench host the squaring
/// was 5–10% *slower* than [`mont_mul_core`] at 24 and 32 limbs and no faster at 48 and 64
/// (a row-wise squaring with one carry chain per row measured the same), so those lengths
/// square with the product.
#[cfg(target_pointer_width = "64")]
/// The columns `0..2N−1` of [`mont_sqr_unrolled`] as constants (up to `N = 16`).
macro_rules! sqr_columns {
    ($args:tt; $($k:literal)*) => {
        $( sqr_columns!(@one $k, $args); )*
    };
    (@one $k:literal, ($acc:expr, $a:expr, $q:expr, $m:expr, $m0:expr, $t:expr)) => {
        sqr_column_fixed::<$k, N>($acc, $a, $q, $m, $m0, $t)
    };
}

#[cfg(target_pointer_width = "64")]
/// The Montgomery squaring described above, fully unrolled, for `N ≤ 16` (the RSA-2048
/// CRT halves): ~1.3× faster than [`mont_mul_core`] at `N = 16` on the bench host.
fn mont_sqr_unrolled<const N: usize>(out: &mut [u64; N], a: &[u64; N], m: &[u64; N], m0: u64) {
    const { assert!(N <= 16) };
    let (mut q, mut t) = ([0u64; N], [0u64; N]);
    let mut acc = Column::default();
    sqr_columns!((&mut acc, a, &mut q, m, m0, &mut t);
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30);
    finish_columns(out, &mut acc, &mut t, m);
    q.zeroize();
    t.zeroize();
}

/// `out = a²·R⁻¹ mod m` for `a < m` (all of `m.len()` limbs; `out` must not alias `a`).
pub(crate) fn mont_sqr(out: &mut [u64], a: &[u64], m: &[u64], m0: u64) {
    #[cfg(target_pointer_width = "64")]
    macro_rules! fixed {
        ($f:ident: $($n:literal),*) => {
            match m.len() {
                $($n => {
                    if let (Ok(o), Ok(a), Ok(m)) = (
                        <&mut [u64; $n]>::try_from(&mut *out),
                        <&[u64; $n]>::try_from(a),
                        <&[u64; $n]>::try_from(m),
                    ) {
                        return $f::<$n>(o, a, m, m0);
                    }
                })*
                _ => {}
            }
        };
    }
    // As in [`mont_mul`]: the squaring instances are for 64-bit hosts; a 32-bit target, and
    // every length above 16 limbs (see above), squares with the product.
    #[cfg(target_pointer_width = "64")]
    {
        fixed!(mont_sqr_unrolled: 8, 12, 16);
    }
    mont_mul(out, a, a, m, m0);
}

/// An odd modulus with its Montgomery constants. The limb count is public; the value may
/// be secret (an RSA prime): everything here is constant-time in it.
pub(crate) struct Modulus {
    m: Vec<u64>,
    /// `−m⁻¹ mod 2⁶⁴`.
    m0: u64,
    /// `R² mod m`: converts into Montgomery form.
    r2: Vec<u64>,
    /// The bit length of `m` (public: key sizes are).
    bits: usize,
}

impl Drop for Modulus {
    fn drop(&mut self) {
        self.m.zeroize();
        self.r2.zeroize();
        self.m0.zeroize();
    }
}

impl Modulus {
    /// `m` in little-endian limbs, its top limb nonzero; `None` if `m` is even or < 3.
    /// Constant-time in the value of `m` (an RSA prime).
    pub(crate) fn new(m: Vec<u64>) -> Option<Self> {
        let mut this = Self::without_r2(m)?;
        this.r2 = this.compute_r2();
        Some(this)
    }

    /// [`Modulus::new`] for a *public* modulus (an RSA public key's `n`, a DH prime):
    /// `R² mod m` by variable-time long division ([`super::division::rem_r2_vartime`]), about one Montgomery
    /// product's work instead of the `log₂(64·len)` squarings of the constant-time
    /// [`Modulus::new`] — which were as much work as the whole `e = 65537` exponentiation
    /// of a signature check.
    pub(crate) fn new_public(m: Vec<u64>) -> Option<Self> {
        let mut this = Self::without_r2(m)?;
        this.r2 = super::division::rem_r2_vartime(&this.m);
        Some(this)
    }

    /// The checks and `m0`, with `r2` still zero.
    fn without_r2(m: Vec<u64>) -> Option<Self> {
        let n = m.len();
        let top = *m.last()?;
        // Public facts: the limb count and the bit length (of a prime: the key size).
        if top == 0 || m[0] & 1 == 0 || (n == 1 && m[0] < 3) {
            return None;
        }
        let bits = n * 64 - top.leading_zeros() as usize;
        // −m⁻¹ mod 2⁶⁴ by Newton's iteration: each step doubles the correct low bits.
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
        }
        let m0 = inv.wrapping_neg();
        Some(Self {
            m,
            m0,
            r2: vec![0; n],
            bits,
        })
    }

    /// `R² mod m` in constant time: start from `2^(bits−1)` (below `m`), double with
    /// masked subtraction up to `R·2^s`, then square in Montgomery form `k` times
    /// (each maps `R·2^j` to `R·2^(2j)`), with `s·2^k = 64·n`.
    fn compute_r2(&self) -> Vec<u64> {
        let n = self.m.len();
        let total = 64 * n;
        let k = total.trailing_zeros() as usize;
        let s = total >> k;
        let mut x = vec![0u64; n];
        let top = self.bits - 1;
        x[top / 64] = 1 << (top % 64);
        // 2^(bits−1) → 2^(64n + s) = R·2^s.
        for _ in 0..(total + s - top) {
            self.double_mod(&mut x);
        }
        let mut y = vec![0u64; n];
        for _ in 0..k {
            mont_sqr(&mut y, &x, &self.m, self.m0);
            core::mem::swap(&mut x, &mut y);
        }
        x
    }

    /// `x = 2x mod m` for `x < m`.
    fn double_mod(&self, x: &mut [u64]) {
        let mut carry = 0u64;
        for w in x.iter_mut() {
            let next = *w >> 63;
            *w = (*w << 1) | carry;
            carry = next;
        }
        let mut d = vec![0u64; x.len()];
        let borrow = sub_into(&mut d, x, &self.m);
        // Keep 2x − m if 2x overflowed R or 2x >= m.
        let take = mask_from_bit((carry | (borrow ^ 1)) & 1);
        assign_masked(x, &d, take);
    }

    /// Limb count.
    pub(crate) fn len(&self) -> usize {
        self.m.len()
    }

    /// Bit length.
    pub(crate) fn bits(&self) -> usize {
        self.bits
    }

    /// The modulus' limbs.
    pub(crate) fn limbs(&self) -> &[u64] {
        &self.m
    }

    /// `out = a·b·R⁻¹ mod m`.
    pub(crate) fn mul(&self, out: &mut [u64], a: &[u64], b: &[u64]) {
        mont_mul(out, a, b, &self.m, self.m0);
    }

    /// `out = a²·R⁻¹ mod m` for `a < m`.
    pub(crate) fn sqr(&self, out: &mut [u64], a: &[u64]) {
        mont_sqr(out, a, &self.m, self.m0);
    }

    /// Montgomery form `a·R mod m` of `a < R` (any `a` of `len` limbs).
    pub(crate) fn to_mont(&self, a: &[u64]) -> Vec<u64> {
        let mut out = vec![0u64; self.len()];
        self.mul(&mut out, a, &self.r2);
        out
    }

    /// Normal form of a Montgomery-form value.
    pub(crate) fn retrieve(&self, a: &[u64]) -> Vec<u64> {
        let mut one = vec![0u64; self.len()];
        one[0] = 1;
        let mut out = vec![0u64; self.len()];
        // a·1·R⁻¹; `mul` needs its second operand below m, so pass `one` second.
        self.mul(&mut out, a, &one);
        out
    }

    /// `x mod m` for an `x` of any (public) limb count, in normal form, constant-time:
    /// split `x = Σ Cₖ·Rᵏ` into `len`-limb chunks and sum `Cₖ·Rᵏ` with Montgomery
    /// products by `R^(k+1) mod m` (`Cₖ < R`, `R^(k+1) mod m < m`).
    pub(crate) fn reduce(&self, x: &[u64]) -> Vec<u64> {
        let n = self.len();
        let mut acc = vec![0u64; n];
        // R^(k+1) mod m in Montgomery form's terms: start with R mod m = mont(1)…
        let mut one = vec![0u64; n];
        one[0] = 1;
        let mut power = self.to_mont(&one); // R mod m
        let mut chunk = vec![0u64; n];
        let mut term = vec![0u64; n];
        let mut next = vec![0u64; n];
        for (k, c) in x.chunks(n).enumerate() {
            if k > 0 {
                // R^(k+1) = R^k · R² · R⁻¹.
                self.mul(&mut next, &power, &self.r2);
                core::mem::swap(&mut power, &mut next);
            }
            chunk.fill(0);
            chunk[..c.len()].copy_from_slice(c);
            self.mul(&mut term, &chunk, &power);
            self.add_mod_assign(&mut acc, &term);
        }
        chunk.zeroize();
        term.zeroize();
        acc
    }

    /// `a = a + b mod m` for `a, b < m`.
    pub(crate) fn add_mod_assign(&self, a: &mut [u64], b: &[u64]) {
        let mut carry = 0u64;
        for (x, y) in a.iter_mut().zip(b) {
            let t = u128::from(*x) + u128::from(*y) + u128::from(carry);
            *x = t as u64;
            carry = (t >> 64) as u64;
        }
        let mut d = vec![0u64; a.len()];
        let borrow = sub_into(&mut d, a, &self.m);
        let take = mask_from_bit((carry | (borrow ^ 1)) & 1);
        assign_masked(a, &d, take);
        d.zeroize();
    }

    /// `a = a − b mod m` for `a, b < m`.
    pub(crate) fn sub_mod_assign(&self, a: &mut [u64], b: &[u64]) {
        let mut d = vec![0u64; a.len()];
        let borrow = sub_into(&mut d, a, b);
        // On a borrow, add m back (masked).
        let mask = mask_from_bit(borrow);
        let mut carry = 0u64;
        for (x, (dv, mv)) in a.iter_mut().zip(d.iter().zip(&self.m)) {
            let t = u128::from(*dv) + u128::from(mv & mask) + u128::from(carry);
            *x = t as u64;
            carry = (t >> 64) as u64;
        }
        d.zeroize();
    }

    /// `base^exp mod m`, constant-time in `base` and `exp`: `base` and the result in
    /// Montgomery form; the exponent's limbs are read `exp_bits` bits at a time (a public
    /// count) in fixed 5-bit windows — five squarings, one [`select`] over the whole
    /// 32-entry table, one multiplication per window, whatever the bits are.
    pub(crate) fn pow_ct(&self, base: &[u64], exp: &[u64], exp_bits: usize) -> Vec<u64> {
        const W: usize = 5;
        let n = self.len();
        let mut one = vec![0u64; n];
        one[0] = 1;
        // table[i] = base^i (Montgomery form), table[0] = R mod m.
        let mut table = vec![0u64; n << W];
        let r_mod_m = self.to_mont(&one);
        table[..n].copy_from_slice(&r_mod_m);
        table[n..2 * n].copy_from_slice(base);
        for i in 2..(1 << W) {
            let (done, rest) = table.split_at_mut(i * n);
            self.mul(&mut rest[..n], &done[(i - 1) * n..], base);
        }
        let windows = exp_bits.div_ceil(W).max(1);
        let mut acc = vec![0u64; n];
        let mut tmp = vec![0u64; n];
        let mut sel = vec![0u64; n];
        for w in (0..windows).rev() {
            let idx = window_bits(exp, w * W, W);
            if w == windows - 1 {
                select(&mut acc, &table, idx);
                continue;
            }
            for _ in 0..W {
                self.sqr(&mut tmp, &acc);
                core::mem::swap(&mut acc, &mut tmp);
            }
            select(&mut sel, &table, idx);
            self.mul(&mut tmp, &acc, &sel);
            core::mem::swap(&mut acc, &mut tmp);
        }
        table.zeroize();
        tmp.zeroize();
        sel.zeroize();
        acc
    }

    /// `base^exp mod m` for a *public* exponent (variable time in `exp` only): `base` in
    /// normal form (`< m`), result in normal form. Left-to-right square-and-multiply; for
    /// `e = 65537` that is 16 squarings and one multiplication.
    pub(crate) fn pow_public(&self, base: &[u64], exp: &[u64]) -> Vec<u64> {
        let n = self.len();
        let x = self.to_mont(base);
        let ebits = bit_len_vartime(exp);
        if ebits == 0 {
            let mut one = vec![0u64; n];
            one[0] = 1;
            return self.reduce(&one);
        }
        let mut acc = x.clone();
        let mut tmp = vec![0u64; n];
        for i in (0..ebits - 1).rev() {
            self.sqr(&mut tmp, &acc);
            core::mem::swap(&mut acc, &mut tmp);
            if (exp[i / 64] >> (i % 64)) & 1 == 1 {
                self.mul(&mut tmp, &acc, &x);
                core::mem::swap(&mut acc, &mut tmp);
            }
        }
        self.retrieve(&acc)
    }
}

/// Bits `pos..pos+w` of `exp` (zero past its end); the positions are public, so the
/// limb indices are too.
fn window_bits(exp: &[u64], pos: usize, w: usize) -> usize {
    let limb = pos / 64;
    let off = pos % 64;
    let lo = exp.get(limb).copied().unwrap_or(0) >> off;
    let hi = if off + w > 64 && off != 0 {
        exp.get(limb + 1).copied().unwrap_or(0) << (64 - off)
    } else {
        0
    };
    ((lo | hi) & ((1u64 << w) - 1)) as usize
}

#[cfg(test)]
#[path = "bignum_test.rs"]
mod tests;
