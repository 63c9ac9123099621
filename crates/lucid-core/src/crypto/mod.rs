//! Cryptography for lucid's suites: the PRFs, the transcript hash, the key schedule, the
//! suites table, AES-CBC + HMAC record protection and RSA key exchange.
//!
//! Everything here is `no_std`, works on caller-provided buffers and takes randomness as a
//! `rand_core::CryptoRng` parameter. Secrets are zeroized on drop.

pub mod cbc;
pub mod hash;
mod hmac_ct;
pub mod keys;
pub mod prf;
pub mod rsa_kx;
pub mod suites;

#[cfg(test)]
mod wycheproof_tests;
