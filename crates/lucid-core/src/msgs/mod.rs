//! Wire messages: record header, alerts, handshake messages, extensions.
//!
//! Every type here owns its data and implements [`crate::codec::Codec`] (or, where the
//! encoding depends on the negotiated version, a `read_versioned` constructor). Decoders
//! reject trailing bytes inside every length-prefixed structure and cap every peer-controlled
//! size.

pub(crate) mod alert;
pub(crate) mod ccs;
pub(crate) mod enums;
pub(crate) mod extensions;
pub(crate) mod handshake;
pub(crate) mod record;
pub(crate) mod sslv2;

/// Deterministic mutation testing for decoders ("fuzz-ish" tests that run under `cargo test`).
#[cfg(test)]
pub(crate) mod mutate {
    use alloc::vec::Vec;
    use core::fmt::Debug;

    use crate::codec::{Codec, InvalidMessage};

    /// xorshift64*: small, deterministic, good enough to pick mutation sites.
    #[derive(Debug, Clone)]
    pub(crate) struct Prng(u64);

    impl Prng {
        pub(crate) fn new(seed: u64) -> Self {
            Self(seed | 1)
        }

        pub(crate) fn next_u64(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// A value in `0..n` (`n > 0`).
        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// One random mutation of `input`: bit flip, byte overwrite (often with 0x00/0xff/a small
    /// number, to hit length fields), truncation, insertion, deletion or duplication of a span.
    pub(crate) fn mutate(rng: &mut Prng, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        let rounds = 1 + rng.below(3);
        for _ in 0..rounds {
            if v.is_empty() {
                v.push(rng.next_u64() as u8);
                continue;
            }
            let at = rng.below(v.len());
            match rng.below(7) {
                0 => v[at] ^= 1 << rng.below(8),
                1 => v[at] = rng.next_u64() as u8,
                2 => v[at] = [0x00, 0xff, 0x01, 0x80, 0x7f][rng.below(5)],
                3 => v.truncate(at),
                4 => v.insert(at, rng.next_u64() as u8),
                5 => {
                    v.remove(at);
                }
                _ => {
                    let end = (at + 1 + rng.below(8)).min(v.len());
                    let span = v[at..end].to_vec();
                    let to = rng.below(v.len() + 1);
                    v.splice(to..to, span);
                }
            }
        }
        v
    }

    /// Feeds `iterations` mutants of the `seeds` to `decode` and checks that every decoder
    /// result is stable: whatever decodes must re-encode to something that decodes to the same
    /// value. Panics inside `decode`/`encode` fail the test. Returns (ok, err) counts and checks
    /// that both happened (a mutator that never produces valid or never invalid input would be
    /// testing nothing).
    pub(crate) fn check_mutants<T, D, E>(
        seeds: &[Vec<u8>],
        iterations: usize,
        seed: u64,
        decode: D,
        encode: E,
    ) -> (usize, usize)
    where
        T: PartialEq + Debug,
        D: Fn(&[u8]) -> Result<T, InvalidMessage>,
        E: Fn(&T) -> Vec<u8>,
    {
        assert!(!seeds.is_empty());
        let mut rng = Prng::new(seed);
        let (mut ok, mut err) = (0, 0);
        for seed_bytes in seeds {
            let v = decode(seed_bytes).expect("seed inputs must decode");
            assert_eq!(&encode(&v), seed_bytes, "seed inputs must be canonical");
        }
        for _ in 0..iterations {
            let pick = rng.below(seeds.len());
            let input = mutate(&mut rng, &seeds[pick]);
            match decode(&input) {
                Ok(v) => {
                    ok += 1;
                    let again = encode(&v);
                    assert_eq!(decode(&again).as_ref(), Ok(&v), "unstable on {input:02x?}");
                }
                Err(_) => err += 1,
            }
        }
        assert!(ok > 0, "no mutant decoded");
        assert!(err > 0, "no mutant was rejected");
        (ok, err)
    }

    /// [`check_mutants`] for a [`Codec`] type decoded with `read_bytes`.
    pub(crate) fn check_codec_mutants<T: Codec + PartialEq + Debug>(
        seeds: &[Vec<u8>],
        iterations: usize,
        seed: u64,
    ) -> (usize, usize) {
        check_mutants(seeds, iterations, seed, T::read_bytes, T::get_encoding)
    }

    /// Decoding every strict prefix of `bytes` must fail (and not panic).
    pub(crate) fn check_truncations<T: Debug>(
        bytes: &[u8],
        decode: impl Fn(&[u8]) -> Result<T, InvalidMessage>,
    ) {
        for n in 0..bytes.len() {
            let r = decode(&bytes[..n]);
            assert!(
                r.is_err(),
                "prefix of {n}/{} bytes decoded: {r:?}",
                bytes.len()
            );
        }
    }

    #[test]
    fn prng_is_deterministic_and_mutates() {
        let mut a = Prng::new(7);
        let mut b = Prng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let base = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let changed = (0..100).filter(|_| mutate(&mut a, &base) != base).count();
        assert!(changed > 80, "only {changed} of 100 mutants differ");
    }
}
