//! CBC + HMAC record protection (RFC 5246 §6.2.3.2, RFC 2246 §6.2.3.2, RFC 7366): AES, and
//! 3DES-EDE for the legacy opt-in.
//!
//! # Implementation notes
//!
//! One [`CbcSealer`] protects the records one side sends, one [`CbcOpener`] checks the
//! records it receives. Each holds the expanded cipher key (inside a `cbc` mode object), the
//! keyed MAC state and the 64-bit sequence number of its direction. The block size `B` is
//! 16 for AES and 8 for 3DES; everything below holds for both, with IVs and padding of one
//! block of the cipher in use.
//!
//! **Record layout.** MAC-then-encrypt (the default):
//! `header(5) ‖ [IV(B)] ‖ CBC(fragment ‖ MAC ‖ padding ‖ padding_length)`, the MAC taken over
//! `seq(8) ‖ type(1) ‖ version(2) ‖ length(2) ‖ fragment`. Encrypt-then-MAC (RFC 7366):
//! `header(5) ‖ [IV(B)] ‖ CBC(fragment ‖ padding ‖ padding_length) ‖ MAC`, the MAC taken over
//! `seq ‖ type ‖ version ‖ length(IV + ciphertext) ‖ IV ‖ ciphertext`. Every padding byte
//! equals padding_length; the sealer uses minimal padding.
//!
//! **IVs.** TLS 1.0 chains: the IV of a record is the last ciphertext block of the previous
//! record in that direction, starting from the key-block IV; the `cbc` mode object keeps that
//! block as its state between records. TLS 1.1 and later send a fresh random IV in front of
//! each record (explicit IV); the sealer draws it from the caller's RNG and resets the mode's
//! IV to it. Whether IVs are explicit is fixed by the version given at construction; the
//! `version` passed per record only fills the header and MAC input.
//!
//! **Buffers.** `seal` appends one whole record to the caller's `Vec` and encrypts it in
//! place; `open` decrypts the caller's record body in place and returns the plaintext
//! sub-slice of it. Neither allocates: the HMAC key is prepared once at construction (the
//! chaining states after `K ⊕ ipad` and `K ⊕ opad`, see `hmac_ct`), each record's MAC runs
//! on stack buffers from those, and `seal` only grows `out` if it lacks capacity.
//!
//! **Interleaving.** The sealer encrypts and MACs the record in 64-byte groups, so the CPU
//! overlaps the serial CBC chain with the hash (see `INTERLEAVE`): with encrypt-then-MAC
//! the MAC takes the ciphertext one group behind the encryption, with MAC-then-encrypt it
//! takes the caller's plaintext beside it and only the blocks holding the MAC and padding
//! wait for the tag. The encryption chain keeps its block in a register (`mode::Chained`).
//!
//! **Sequence numbers.** Each direction starts at 0 and increases by one per record
//! successfully sealed or opened. Numbers `0 ..= u64::MAX - 1` are used; once `u64::MAX - 1`
//! has been used, the next `seal`/`open` fails with [`Error::SequenceNumberExhausted`]
//! (RFC 5246 §6.1: sequence numbers must not wrap). A record that fails to open does not
//! advance the number: the connection is dead after any error anyway.
//!
//! **Why the MAC-then-encrypt receive path is constant-time (Lucky 13).** After decryption
//! the padding length — and so the length of the MACed data, the position of the received
//! MAC and the value of the length field inside the MAC input — are attacker-influenced
//! secrets until the MAC is verified. Any branch, memory access or hash-block count that
//! depends on them is a padding oracle (Vaudenay 2002; AlFardan–Paterson 2013). So
//! [`CbcOpener::open`] in that mode:
//! 1. rejects on public facts only (ciphertext not a multiple of the block size, too short
//!    for a MAC);
//! 2. decrypts the last block first (into a copy: CBC decrypts any block from the one
//!    before it), for the padding length that the MAC's first block needs, then decrypts
//!    everything while the MAC takes the blocks that are data whatever the padding length
//!    (`OpenInterleaved`; how many depends only on the record length);
//! 3. derives a "padding fits" mask with constant-time compares and, if it does not fit,
//!    continues as if the padding length were 0 (keeping the remaining indices in range);
//! 4. checks the padding bytes over a fixed window of the last min(256, len) bytes, using a
//!    mask for "this byte is inside the padding";
//! 5. finishes the HMAC with `MacStream::finish_ct` (the two parts are `CtHmacKey::mac_ct`
//!    split in two), whose compression-call count and memory accesses depend only on the
//!    record length (see `hmac_ct.rs`);
//! 6. copies the received MAC out of its secret position by scanning every candidate
//!    position (at most 256) and OR-ing in the bytes under an equality mask;
//! 7. compares the MACs with `subtle::ConstantTimeEq` and folds in the padding mask.
//!
//! The masks of steps 3, 4 and 6 (and of the message blocks in `mac_ct`) are all-ones or
//! zero words computed from a sign bit (`hmac_ct::mask_le`, `mask_eq`): the padding length
//! passes `subtle`'s volatile barrier once per record (`hmac_ct::opaque`), so the compiler
//! cannot know its value,
//! and the masks are plain arithmetic on it, which LLVM compiles to (vector) compares and
//! logic, not branches. That replaced one `subtle` barrier per byte and per candidate
//! offset (a non-inlined volatile access each, ~1,500 per 16 KiB record; about a third of
//! the receiver's time) with one per record.
//!
//! Only the final accept/reject bit becomes public, and every failure is the same
//! [`Error::BadRecordMac`]. With encrypt-then-MAC the MAC covers the ciphertext, so it is
//! verified first (constant-time compare) and padding is checked only on authenticated
//! data, where timing reveals nothing new.

use crate::crypto::suites::{MAX_BLOCK_LEN, SuiteParams, uses_explicit_iv};
use crate::error::Error;
use crate::msgs::enums::ProtocolVersion;

mod interleave;
mod mode;
mod open;
mod seal;

#[cfg(test)]
pub(crate) use mode::{CbcDecryptor, CbcEncryptor};
pub(crate) use open::CbcOpener;
pub(crate) use seal::CbcSealer;

// The record size limits and header length, under the names this module has always used
// (one definition, in `crate::msgs::record`).
pub(crate) use super::record_pseudo_header as mac_header;
#[cfg(test)]
use crate::msgs::record::MAX_CIPHERTEXT as MAX_CIPHERTEXT_LEN;
pub(crate) use crate::msgs::record::{HEADER_LEN, MAX_PLAINTEXT as MAX_PLAINTEXT_LEN};

/// One block of IV, for a cipher whose block is `len` (8 or 16) bytes.
#[derive(Clone, Copy)]
struct Iv {
    buf: [u8; MAX_BLOCK_LEN],
    len: usize,
}

impl Iv {
    fn zero(len: usize) -> Self {
        Self {
            buf: [0; MAX_BLOCK_LEN],
            len: len.min(MAX_BLOCK_LEN),
        }
    }

    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        self.buf.get_mut(..self.len).unwrap_or_default()
    }
}

/// Checks the key material lengths shared by sealer and opener; returns the block length
/// and the initial IV (zero for TLS 1.1+, where every record brings its own).
fn check_keys(
    suite: &SuiteParams,
    version: ProtocolVersion,
    mac_key: &[u8],
    enc_key: &[u8],
    iv: &[u8],
) -> Result<Iv, Error> {
    let block_len = suite.block_len();
    if mac_key.len() != suite.mac_len()
        || enc_key.len() != suite.enc_key_len()
        || !(block_len == 8 || block_len == 16)
    {
        return Err(Error::Misuse("record key length does not match the suite"));
    }
    let mut out = Iv::zero(block_len);
    if uses_explicit_iv(version) {
        if !iv.is_empty() {
            return Err(Error::Misuse("TLS 1.1+ records take no fixed IV"));
        }
    } else if iv.len() == block_len {
        out.as_mut_slice().copy_from_slice(iv);
    } else {
        return Err(Error::Misuse("TLS 1.0 records need a one-block IV"));
    }
    Ok(out)
}

fn err_internal<E>(_: E) -> Error {
    Error::Internal("CBC record setup")
}

#[cfg(test)]
mod tests;
