//! Deterministic random number generators for the fuzz harnesses.
//!
//! They implement `rand_core`'s `CryptoRng` (through `TryRng` + `TryCryptoRng` with an
//! infallible error) only so that the engine, which demands a `CryptoRng`, can be driven
//! reproducibly. They are NOT cryptographically secure and must never leave fuzzing code.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// SplitMix64: a seeded, deterministic stream. Insecure; for fuzzing and tests only.
#[derive(Debug, Clone)]
pub struct FuzzRng {
    state: u64,
}

impl FuzzRng {
    /// A stream determined entirely by `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 bits of the stream.
    pub fn next_word(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `1..=max` (1 when `max` is 0).
    pub fn between_1_and(&mut self, max: usize) -> usize {
        let max = u64::try_from(max.max(1)).unwrap_or(u64::MAX);
        usize::try_from(1 + self.next_word() % max).unwrap_or(1)
    }
}

impl TryRng for FuzzRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_word().to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or(&[]));
        }
        Ok(())
    }
}

impl TryCryptoRng for FuzzRng {}

/// Repeats a fixed 16-byte pattern: hands a chosen explicit IV to a [`RecordSealer`]
/// (which draws the IV with one `fill_bytes` of 16 bytes). Insecure; fuzzing only.
///
/// [`RecordSealer`]: crate::crypto::protection::RecordSealer
#[derive(Debug, Clone)]
pub(crate) struct ReplayIv {
    iv: [u8; 16],
}

impl ReplayIv {
    pub(crate) const fn new(iv: [u8; 16]) -> Self {
        Self { iv }
    }
}

impl TryRng for ReplayIv {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let [a, b, c, d, ..] = self.iv;
        Ok(u32::from_le_bytes([a, b, c, d]))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let [a, b, c, d, e, f, g, h, ..] = self.iv;
        Ok(u64::from_le_bytes([a, b, c, d, e, f, g, h]))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for (d, s) in dst.iter_mut().zip(self.iv.iter().cycle()) {
            *d = *s;
        }
        Ok(())
    }
}

impl TryCryptoRng for ReplayIv {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn fuzz_rng_is_deterministic() {
        let mut a = FuzzRng::new(42);
        let mut b = FuzzRng::new(42);
        let mut x = [0u8; 37];
        let mut y = [0u8; 37];
        a.fill_bytes(&mut x);
        b.fill_bytes(&mut y);
        assert_eq!(x, y);
        assert_ne!(x, [0u8; 37]);
        assert_eq!(a.next_u64(), b.next_u64());
        // SplitMix64 reference value for seed 0 (first output).
        assert_eq!(FuzzRng::new(0).next_word(), 0xe220_a839_7b1d_cdaf);
        for _ in 0..1000 {
            let v = a.between_1_and(7);
            assert!((1..=7).contains(&v));
        }
        assert_eq!(a.between_1_and(0), 1);
    }

    #[test]
    fn replay_iv_hands_out_the_iv() {
        let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
        let mut r = ReplayIv::new(iv);
        let mut out = [0u8; 16];
        r.fill_bytes(&mut out);
        assert_eq!(out, iv);
        r.fill_bytes(&mut out);
        assert_eq!(out, iv);
    }
}
