//! Finite-field Diffie-Hellman for the legacy `TLS_DHE_RSA_*` suites (RFC 5246 §8.1.2,
//! RFC 7919): the server's RFC 7919 groups, the client's checks of whatever group a server
//! sends, and the exponentiation itself on lucid's constant-time Montgomery arithmetic
//! (`arith::bignum`, the same code as the RSA private operation: fixed 5-bit windows,
//! masked table scans), so the private exponent never steers a branch or a memory access.
//!
//! Checks (OpenSSL's and BoringSSL's, and RFC 7919 §5.1's advice):
//! - the server's prime: odd, at least the configured minimum (2048 bits; 1024 with the
//!   1024-bit opt-in) and at most [`MAX_DH_BITS`]; the generator in `[2, p−2]`;
//! - every public value (ours is fine by construction; the peer's): in `[2, p−2]`, which
//!   rules out 0, 1 and p−1 (the order-1 and order-2 subgroup);
//! - the shared secret is not 1;
//! - the pre-master secret is the shared secret with its leading zero bytes stripped (RFC
//!   5246 §8.1.2 — a classic interop bug when forgotten: one handshake in 256 fails).

use alloc::vec;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::arith::bignum::{self, Modulus};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::enums::NamedGroup;

/// Largest prime lucid accepts from a server (work is cubic in the size).
pub(crate) const MAX_DH_BITS: usize = 8192;

/// RFC 7919 Appendix A.1: ffdhe2048's prime (g = 2).
pub(crate) static FFDHE2048_P: [u8; 256] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xad, 0xf8, 0x54, 0x58, 0xa2, 0xbb, 0x4a, 0x9a,
    0xaf, 0xdc, 0x56, 0x20, 0x27, 0x3d, 0x3c, 0xf1, 0xd8, 0xb9, 0xc5, 0x83, 0xce, 0x2d, 0x36, 0x95,
    0xa9, 0xe1, 0x36, 0x41, 0x14, 0x64, 0x33, 0xfb, 0xcc, 0x93, 0x9d, 0xce, 0x24, 0x9b, 0x3e, 0xf9,
    0x7d, 0x2f, 0xe3, 0x63, 0x63, 0x0c, 0x75, 0xd8, 0xf6, 0x81, 0xb2, 0x02, 0xae, 0xc4, 0x61, 0x7a,
    0xd3, 0xdf, 0x1e, 0xd5, 0xd5, 0xfd, 0x65, 0x61, 0x24, 0x33, 0xf5, 0x1f, 0x5f, 0x06, 0x6e, 0xd0,
    0x85, 0x63, 0x65, 0x55, 0x3d, 0xed, 0x1a, 0xf3, 0xb5, 0x57, 0x13, 0x5e, 0x7f, 0x57, 0xc9, 0x35,
    0x98, 0x4f, 0x0c, 0x70, 0xe0, 0xe6, 0x8b, 0x77, 0xe2, 0xa6, 0x89, 0xda, 0xf3, 0xef, 0xe8, 0x72,
    0x1d, 0xf1, 0x58, 0xa1, 0x36, 0xad, 0xe7, 0x35, 0x30, 0xac, 0xca, 0x4f, 0x48, 0x3a, 0x79, 0x7a,
    0xbc, 0x0a, 0xb1, 0x82, 0xb3, 0x24, 0xfb, 0x61, 0xd1, 0x08, 0xa9, 0x4b, 0xb2, 0xc8, 0xe3, 0xfb,
    0xb9, 0x6a, 0xda, 0xb7, 0x60, 0xd7, 0xf4, 0x68, 0x1d, 0x4f, 0x42, 0xa3, 0xde, 0x39, 0x4d, 0xf4,
    0xae, 0x56, 0xed, 0xe7, 0x63, 0x72, 0xbb, 0x19, 0x0b, 0x07, 0xa7, 0xc8, 0xee, 0x0a, 0x6d, 0x70,
    0x9e, 0x02, 0xfc, 0xe1, 0xcd, 0xf7, 0xe2, 0xec, 0xc0, 0x34, 0x04, 0xcd, 0x28, 0x34, 0x2f, 0x61,
    0x91, 0x72, 0xfe, 0x9c, 0xe9, 0x85, 0x83, 0xff, 0x8e, 0x4f, 0x12, 0x32, 0xee, 0xf2, 0x81, 0x83,
    0xc3, 0xfe, 0x3b, 0x1b, 0x4c, 0x6f, 0xad, 0x73, 0x3b, 0xb5, 0xfc, 0xbc, 0x2e, 0xc2, 0x20, 0x05,
    0xc5, 0x8e, 0xf1, 0x83, 0x7d, 0x16, 0x83, 0xb2, 0xc6, 0xf3, 0x4a, 0x26, 0xc1, 0xb2, 0xef, 0xfa,
    0x88, 0x6b, 0x42, 0x38, 0x61, 0x28, 0x5c, 0x97, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// RFC 7919 Appendix A.2: ffdhe3072's prime (g = 2).
pub(crate) static FFDHE3072_P: [u8; 384] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xad, 0xf8, 0x54, 0x58, 0xa2, 0xbb, 0x4a, 0x9a,
    0xaf, 0xdc, 0x56, 0x20, 0x27, 0x3d, 0x3c, 0xf1, 0xd8, 0xb9, 0xc5, 0x83, 0xce, 0x2d, 0x36, 0x95,
    0xa9, 0xe1, 0x36, 0x41, 0x14, 0x64, 0x33, 0xfb, 0xcc, 0x93, 0x9d, 0xce, 0x24, 0x9b, 0x3e, 0xf9,
    0x7d, 0x2f, 0xe3, 0x63, 0x63, 0x0c, 0x75, 0xd8, 0xf6, 0x81, 0xb2, 0x02, 0xae, 0xc4, 0x61, 0x7a,
    0xd3, 0xdf, 0x1e, 0xd5, 0xd5, 0xfd, 0x65, 0x61, 0x24, 0x33, 0xf5, 0x1f, 0x5f, 0x06, 0x6e, 0xd0,
    0x85, 0x63, 0x65, 0x55, 0x3d, 0xed, 0x1a, 0xf3, 0xb5, 0x57, 0x13, 0x5e, 0x7f, 0x57, 0xc9, 0x35,
    0x98, 0x4f, 0x0c, 0x70, 0xe0, 0xe6, 0x8b, 0x77, 0xe2, 0xa6, 0x89, 0xda, 0xf3, 0xef, 0xe8, 0x72,
    0x1d, 0xf1, 0x58, 0xa1, 0x36, 0xad, 0xe7, 0x35, 0x30, 0xac, 0xca, 0x4f, 0x48, 0x3a, 0x79, 0x7a,
    0xbc, 0x0a, 0xb1, 0x82, 0xb3, 0x24, 0xfb, 0x61, 0xd1, 0x08, 0xa9, 0x4b, 0xb2, 0xc8, 0xe3, 0xfb,
    0xb9, 0x6a, 0xda, 0xb7, 0x60, 0xd7, 0xf4, 0x68, 0x1d, 0x4f, 0x42, 0xa3, 0xde, 0x39, 0x4d, 0xf4,
    0xae, 0x56, 0xed, 0xe7, 0x63, 0x72, 0xbb, 0x19, 0x0b, 0x07, 0xa7, 0xc8, 0xee, 0x0a, 0x6d, 0x70,
    0x9e, 0x02, 0xfc, 0xe1, 0xcd, 0xf7, 0xe2, 0xec, 0xc0, 0x34, 0x04, 0xcd, 0x28, 0x34, 0x2f, 0x61,
    0x91, 0x72, 0xfe, 0x9c, 0xe9, 0x85, 0x83, 0xff, 0x8e, 0x4f, 0x12, 0x32, 0xee, 0xf2, 0x81, 0x83,
    0xc3, 0xfe, 0x3b, 0x1b, 0x4c, 0x6f, 0xad, 0x73, 0x3b, 0xb5, 0xfc, 0xbc, 0x2e, 0xc2, 0x20, 0x05,
    0xc5, 0x8e, 0xf1, 0x83, 0x7d, 0x16, 0x83, 0xb2, 0xc6, 0xf3, 0x4a, 0x26, 0xc1, 0xb2, 0xef, 0xfa,
    0x88, 0x6b, 0x42, 0x38, 0x61, 0x1f, 0xcf, 0xdc, 0xde, 0x35, 0x5b, 0x3b, 0x65, 0x19, 0x03, 0x5b,
    0xbc, 0x34, 0xf4, 0xde, 0xf9, 0x9c, 0x02, 0x38, 0x61, 0xb4, 0x6f, 0xc9, 0xd6, 0xe6, 0xc9, 0x07,
    0x7a, 0xd9, 0x1d, 0x26, 0x91, 0xf7, 0xf7, 0xee, 0x59, 0x8c, 0xb0, 0xfa, 0xc1, 0x86, 0xd9, 0x1c,
    0xae, 0xfe, 0x13, 0x09, 0x85, 0x13, 0x92, 0x70, 0xb4, 0x13, 0x0c, 0x93, 0xbc, 0x43, 0x79, 0x44,
    0xf4, 0xfd, 0x44, 0x52, 0xe2, 0xd7, 0x4d, 0xd3, 0x64, 0xf2, 0xe2, 0x1e, 0x71, 0xf5, 0x4b, 0xff,
    0x5c, 0xae, 0x82, 0xab, 0x9c, 0x9d, 0xf6, 0x9e, 0xe8, 0x6d, 0x2b, 0xc5, 0x22, 0x36, 0x3a, 0x0d,
    0xab, 0xc5, 0x21, 0x97, 0x9b, 0x0d, 0xea, 0xda, 0x1d, 0xbf, 0x9a, 0x42, 0xd5, 0xc4, 0x48, 0x4e,
    0x0a, 0xbc, 0xd0, 0x6b, 0xfa, 0x53, 0xdd, 0xef, 0x3c, 0x1b, 0x20, 0xee, 0x3f, 0xd5, 0x9d, 0x7c,
    0x25, 0xe4, 0x1d, 0x2b, 0x66, 0xc6, 0x2e, 0x37, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// The RFC 7919 group these parameters are, if any (for reporting).
pub(crate) fn named_group(p: &[u8], g: &[u8]) -> Option<NamedGroup> {
    let p = strip_zeros(p);
    if strip_zeros(g) != [2] {
        return None;
    }
    if p == FFDHE2048_P {
        Some(NamedGroup::FFDHE2048)
    } else if p == FFDHE3072_P {
        Some(NamedGroup::FFDHE3072)
    } else {
        None
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

fn bad(what: &'static str) -> Error {
    PeerMisbehaved::InvalidDhValue(what).into()
}

/// A group's modulus, checked: odd, `min_bits..=MAX_DH_BITS` bits, and `g` in `[2, p−2]`.
/// Everything here is public.
fn group(p: &[u8], g: &[u8], min_bits: usize) -> Result<(Modulus, Vec<u64>), Error> {
    let p = strip_zeros(p);
    // After stripping, the first byte (if any) is nonzero: at most 7 leading zero bits. An
    // all-zero `dh_p` strips to nothing and has 0 bits.
    let bits = p
        .first()
        .map_or(0, |b| p.len() * 8 - b.leading_zeros() as usize);
    if bits > MAX_DH_BITS {
        return Err(bad("prime larger than 8192 bits"));
    }
    if bits < min_bits {
        return Err(PeerIncompatible::WeakDhGroup {
            bits,
            min: min_bits,
        }
        .into());
    }
    let limbs = p.len().div_ceil(8);
    let m = bignum::from_be_bytes(p, limbs).ok_or_else(|| bad("prime"))?;
    let modulus = Modulus::new_public(m).ok_or_else(|| bad("even prime"))?;
    let g = in_range(&modulus, g).ok_or_else(|| bad("generator outside [2, p-2]"))?;
    Ok((modulus, g))
}

/// `v` as limbs if `2 <= v <= p − 2` (public values only: variable time).
fn in_range(m: &Modulus, v: &[u8]) -> Option<Vec<u64>> {
    let x = bignum::from_be_bytes(strip_zeros(v), m.len())?;
    let mut p_minus_1 = m.limbs().to_vec();
    if let Some(low) = p_minus_1.first_mut() {
        *low -= 1; // p is odd: no borrow
    }
    let mut two = vec![0u64; m.len()];
    if let Some(low) = two.first_mut() {
        *low = 2;
    }
    // x >= 2 and x < p − 1.
    let ge_two = bignum::lt(&x, &two) == 0;
    let below = bignum::lt(&x, &p_minus_1) == 1;
    (ge_two && below).then_some(x)
}

/// Bits of private exponent for a prime of `bits` bits: twice the group's security level
/// (RFC 7919 §5.2; NIST SP 800-57 strengths), so the exponent is never the weak point.
fn exponent_bits(bits: usize) -> usize {
    match bits {
        0..=3072 => 256,
        3073..=7680 => 384,
        _ => 512,
    }
}

/// Our ephemeral DH key: a random exponent `x` and `g^x mod p`.
pub(crate) struct DhKeyShare {
    modulus: Modulus,
    x: Zeroizing<Vec<u64>>,
    x_bits: usize,
    public: Vec<u8>,
}

impl core::fmt::Debug for DhKeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DhKeyShare")
            .field("prime_bits", &self.modulus.bits())
            .finish_non_exhaustive()
    }
}

impl DhKeyShare {
    /// A fresh key in the group `(p, g)`, which is checked first (a server's parameters:
    /// at least `min_bits`).
    pub(crate) fn generate(
        p: &[u8],
        g: &[u8],
        min_bits: usize,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, Error> {
        let (modulus, g) = group(p, g, min_bits)?;
        let x_bits = exponent_bits(modulus.bits());
        let mut bytes = Zeroizing::new(vec![0u8; x_bits / 8]);
        rng.fill_bytes(&mut bytes);
        // Top bit set: the exponent has exactly x_bits bits, so the exponentiation's
        // window count is the same for every key.
        if let Some(b) = bytes.first_mut() {
            *b |= 0x80;
        }
        let x = Zeroizing::new(
            bignum::from_be_bytes(&bytes, x_bits / 64).ok_or(Error::Internal("exponent"))?,
        );
        let g_mont = modulus.to_mont(&g);
        let y = modulus.retrieve(&modulus.pow_ct(&g_mont, &x, x_bits));
        let mut public = vec![0u8; modulus.bits().div_ceil(8)];
        bignum::to_be_bytes(&y, &mut public);
        Ok(Self {
            modulus,
            x,
            x_bits,
            public,
        })
    }

    /// A key in ffdhe2048 (RFC 7919), the group a lucid server uses.
    #[cfg(feature = "server")]
    pub(crate) fn ffdhe2048(rng: &mut dyn CryptoRng) -> Result<Self, Error> {
        Self::generate(&FFDHE2048_P, &[2], 2048, rng)
    }

    /// `g^x mod p`, big-endian, as long as `p`.
    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }

    /// The prime's size in bits.
    pub(crate) fn prime_bits(&self) -> usize {
        self.modulus.bits()
    }

    /// The pre-master secret `peer^x mod p` with leading zero bytes stripped (RFC 5246
    /// §8.1.2). `peer` must be in `[2, p−2]` and the result must not be 1.
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidDhValue`] (illegal_parameter).
    pub(crate) fn agree(self, peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let y =
            in_range(&self.modulus, peer).ok_or_else(|| bad("public value outside [2, p-2]"))?;
        let y_mont = self.modulus.to_mont(&y);
        let mut z = self
            .modulus
            .retrieve(&self.modulus.pow_ct(&y_mont, &self.x, self.x_bits));
        let mut one = vec![0u64; self.modulus.len()];
        if let Some(low) = one.first_mut() {
            *low = 1;
        }
        let is_one = bignum::equal(&z, &one) == 1;
        let mut out = Zeroizing::new(vec![0u8; self.modulus.bits().div_ceil(8)]);
        bignum::to_be_bytes(&z, &mut out);
        z.zeroize();
        // A public fact once the handshake fails; a random shared secret is 1 with
        // negligible probability.
        if is_one {
            return Err(bad("shared secret 1"));
        }
        // The length of the stripped secret is public (it is how long the pre-master
        // secret is on the wire of every implementation; RFC 5246 §8.1.2).
        let zeros = out.iter().take_while(|b| **b == 0).count();
        out.drain(..zeros);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn both_sides_agree_and_strip_leading_zeros() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut stripped = 0;
        for _ in 0..300 {
            let a = DhKeyShare::ffdhe2048(&mut rng).unwrap();
            let b = DhKeyShare::generate(&FFDHE2048_P, &[2], 2048, &mut rng).unwrap();
            assert_eq!(a.public().len(), 256);
            let (pa, pb) = (a.public().to_vec(), b.public().to_vec());
            let za = a.agree(&pb).unwrap();
            let zb = b.agree(&pa).unwrap();
            assert_eq!(za, zb);
            assert_ne!(za.first(), Some(&0));
            if za.len() < 256 {
                stripped += 1;
            }
        }
        // About one secret in 256 has a leading zero byte; 300 runs see at least one with
        // this seed (the check that stripping happens, not a statistical claim).
        assert!(stripped >= 1, "no secret with a leading zero in 300 runs");
    }

    #[test]
    fn against_an_independent_modpow() {
        // g^x mod p and (g^y)^x mod p against crypto-bigint's variable-time exponentiation.
        use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
        use crypto_bigint::{BoxedUint, Odd};
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let a = DhKeyShare::generate(&FFDHE3072_P, &[2], 2048, &mut rng).unwrap();
        let x = {
            let mut b = vec![0u8; a.x_bits / 8];
            bignum::to_be_bytes(&a.x, &mut b);
            BoxedUint::from_be_slice(&b, 3072).unwrap()
        };
        let p = Odd::new(BoxedUint::from_be_slice(&FFDHE3072_P, 3072).unwrap()).unwrap();
        let params = BoxedMontyParams::new(p);
        let g = BoxedMontyForm::new(BoxedUint::from_be_slice(&[2], 3072).unwrap(), &params);
        let want = g.pow(&x).retrieve().to_be_bytes();
        assert_eq!(a.public(), &want[..]);
    }

    #[test]
    fn bad_parameters_and_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        // Too small: 1024 bits under a 2048 minimum; allowed under 1024.
        let p1024 = &FFDHE2048_P[128..]; // 1024 bits, odd (the tail of ffdhe2048 is ...ff)
        assert_eq!(
            DhKeyShare::generate(p1024, &[2], 2048, &mut rng).unwrap_err(),
            PeerIncompatible::WeakDhGroup {
                bits: 1024,
                min: 2048
            }
            .into()
        );
        assert!(DhKeyShare::generate(p1024, &[2], 1024, &mut rng).is_ok());
        // Even "prime", g out of range, an oversized prime.
        let mut even = FFDHE2048_P;
        even[255] = 0xfe;
        assert!(matches!(
            DhKeyShare::generate(&even, &[2], 2048, &mut rng),
            Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidDhValue(_)))
        ));
        let mut p_minus_1 = FFDHE2048_P;
        p_minus_1[255] = 0xfe;
        for g in [&[0u8][..], &[1], &p_minus_1[..], &FFDHE2048_P[..], &[]] {
            assert!(
                matches!(
                    DhKeyShare::generate(&FFDHE2048_P, g, 2048, &mut rng),
                    Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidDhValue(_)))
                ),
                "{g:02x?}"
            );
        }
        // An all-zero prime (a peer's `dh_p` of zero bytes) is just too small.
        assert_eq!(
            DhKeyShare::generate(&[0, 0, 0], &[2], 2048, &mut rng).unwrap_err(),
            PeerIncompatible::WeakDhGroup { bits: 0, min: 2048 }.into()
        );
        assert!(DhKeyShare::generate(&[0], &[2], 0, &mut rng).is_err());
        let big = vec![0xffu8; MAX_DH_BITS / 8 + 1];
        assert!(DhKeyShare::generate(&big, &[2], 2048, &mut rng).is_err());
        // The peer's public value: 0, 1, p−1, p, above p, empty.
        let mut above = FFDHE2048_P.to_vec();
        above.insert(0, 1);
        for y in [
            &[0u8][..],
            &[1],
            &p_minus_1[..],
            &FFDHE2048_P[..],
            &above[..],
            &[],
        ] {
            let a = DhKeyShare::ffdhe2048(&mut rng).unwrap();
            assert!(
                matches!(
                    a.agree(y),
                    Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidDhValue(_)))
                ),
                "{:02x?}",
                &y[..y.len().min(4)]
            );
        }
        assert_eq!(named_group(&FFDHE2048_P, &[2]), Some(NamedGroup::FFDHE2048));
        assert_eq!(
            named_group(&FFDHE3072_P, &[0, 2]),
            Some(NamedGroup::FFDHE3072)
        );
        assert_eq!(named_group(&FFDHE2048_P, &[5]), None);
    }
}
