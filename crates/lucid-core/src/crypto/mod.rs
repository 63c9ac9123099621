//! Cryptography for lucid's suites: the PRFs, the transcript hash, the key schedule, the
//! suites table, record protection (CBC + HMAC, AES-GCM, RC4 + HMAC) and RSA key exchange.
//!
//! Everything here is `no_std`, works on caller-provided buffers and takes randomness as a
//! `rand_core::CryptoRng` parameter. Secrets are zeroized on drop.

pub(crate) mod cbc;
pub(crate) mod certified_key;
#[cfg(feature = "dhe")]
pub(crate) mod dh;
#[cfg(feature = "ecdhe")]
pub(crate) mod ecdh;
#[cfg(feature = "ecdsa")]
pub(crate) mod ecdsa_key;
#[cfg(feature = "aes-gcm")]
pub(crate) mod gcm;
pub(crate) mod hash;
mod hmac_ct;
pub(crate) mod keys;
pub(crate) mod prf;
pub(crate) mod protection;
pub(crate) mod rsa_key;
pub(crate) mod rsa_kx;
pub(crate) mod sign;
#[cfg(feature = "legacy-ciphers")]
pub(crate) mod stream;
pub(crate) mod suites;

#[cfg(test)]
mod wycheproof_tests;

use crate::msgs::enums::{ContentType, ProtocolVersion};

/// What every record opener checks before it touches a record body: the sequence number is
/// not used up (RFC 5246 §6.1: it must not wrap) and the body is at most 2^14 + 2048 bytes
/// (§6.2.3). Public facts only.
pub(crate) fn check_record_in(seq: u64, body_len: usize) -> Result<(), crate::error::Error> {
    use crate::msgs::record::MAX_CIPHERTEXT;
    if seq == u64::MAX {
        return Err(crate::error::Error::SequenceNumberExhausted);
    }
    if body_len > MAX_CIPHERTEXT {
        return Err(crate::error::Error::RecordOverflow {
            len: body_len,
            max: MAX_CIPHERTEXT,
        });
    }
    Ok(())
}

/// Bytes of the record pseudo-header: seq(8) ‖ type(1) ‖ version(2) ‖ length(2).
pub(crate) const PSEUDO_HEADER_LEN: usize = 13;

/// `seq_num ‖ type ‖ version ‖ length`: what the HMAC of a CBC record covers before the
/// content (RFC 5246 §6.2.3.1) and the additional data of an AEAD record (§6.2.3.3), with
/// `length` the plaintext length in both.
pub(crate) fn record_pseudo_header(
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    len: u16,
) -> [u8; PSEUDO_HEADER_LEN] {
    let mut h = [0u8; PSEUDO_HEADER_LEN];
    let (s, rest) = h.split_at_mut(8);
    s.copy_from_slice(&seq.to_be_bytes());
    let (t, rest) = rest.split_at_mut(1);
    t.copy_from_slice(&[typ.0]);
    let (v, l) = rest.split_at_mut(2);
    v.copy_from_slice(&version.0.to_be_bytes());
    l.copy_from_slice(&len.to_be_bytes());
    h
}
