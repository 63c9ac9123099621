//! Cryptography for lucid's suites: the PRFs, the transcript hash, the key schedule, the
//! suites table, AES-CBC + HMAC record protection and RSA key exchange.
//!
//! Everything here is `no_std`, works on caller-provided buffers and takes randomness as a
//! `rand_core::CryptoRng` parameter. Secrets are zeroized on drop.

pub(crate) mod cbc;
pub(crate) mod hash;
mod hmac_ct;
pub(crate) mod keys;
pub(crate) mod prf;
pub(crate) mod rsa_kx;
pub(crate) mod suites;

#[cfg(test)]
mod wycheproof_tests;
