//! HMAC-SHA1 / HMAC-SHA256 over a message whose length is secret (the Lucky 13
//! countermeasure, AlFardan–Paterson 2013).
//!
//! After CBC decryption of a MAC-then-encrypt record, the length of the data that was MACed
//! depends on the padding length, which is secret until the MAC has been checked. A plain HMAC
//! over the data would run one compression-function call per 64 bytes, so its running time
//! would reveal `len / 64` and with it a padding oracle. [`CtHmacKey::mac_ct`] instead does the
//! same work for every `len` in a public range `[min_len, max_len]`:
//!
//! - blocks that hold only data for *every* candidate length (those before `min_len`) are
//!   hashed normally: their number depends only on public values;
//! - every remaining block up to the last block the *longest* candidate could end in is
//!   built byte by byte with constant-time masks (data byte, the 0x80 terminator, zero, or
//!   the bit-length field), compressed, and the chaining state after the block that really
//!   ends the message is kept with a constant-time select;
//! - the outer hash is one compression of a fixed-size block.
//!
//! So the number of compression calls is `(header_len + max_len + 8) / 64 + 2` whatever `len`
//! is, and memory is accessed at public offsets only. This is the approach of OpenSSL's
//! `ssl3_cbc_digest_record` and BearSSL's `br_hmac_outCT`, reimplemented over the
//! `sha1::block_api::compress` / `sha2::block_api::compress256` compression functions.
//!
//! The key is prepared once (`K ⊕ ipad` and `K ⊕ opad` blocks compressed into chaining
//! states), like a keyed `hmac::Hmac` that is cloned per record.

use aes::cipher::Array;
use aes::cipher::consts::U64;
use subtle::{
    Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater, ConstantTimeLess,
};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::suites::MacAlgorithm;

const BLOCK: usize = 64;
/// Largest HMAC output handled here (SHA-256).
pub(crate) const MAX_MAC_LEN: usize = 32;

const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xefcd_ab89,
    0x98ba_dcfe,
    0x1032_5476,
    0xc3d2_e1f0,
];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

#[cfg(test)]
std::thread_local! {
    /// Compression-function calls made by this module on this thread (test-only probe).
    pub(crate) static COMPRESS_CALLS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// A chaining state; SHA-1 uses the first five words.
type State = [u32; 8];

fn initial_state(alg: MacAlgorithm) -> State {
    match alg {
        MacAlgorithm::Sha1 => {
            let mut s = [0; 8];
            if let Some((head, _)) = s.split_first_chunk_mut::<5>() {
                *head = SHA1_IV;
            }
            s
        }
        MacAlgorithm::Sha256 => SHA256_IV,
    }
}

fn compress(alg: MacAlgorithm, state: &mut State, block: &[u8; BLOCK]) {
    compress_blocks(alg, state, core::slice::from_ref(block));
}

/// Compresses consecutive blocks in one call, so the SHA-NI / SIMD backends run their own
/// loop (one feature check and state load per call, not per block).
fn compress_blocks(alg: MacAlgorithm, state: &mut State, blocks: &[[u8; BLOCK]]) {
    #[cfg(test)]
    COMPRESS_CALLS.with(|c| c.set(c.get() + blocks.len() as u64));
    match alg {
        MacAlgorithm::Sha1 => {
            if let Some((s5, _)) = state.split_first_chunk_mut::<5>() {
                sha1::block_api::compress(s5, blocks);
            }
        }
        MacAlgorithm::Sha256 => sha2::block_api::compress256(state, blocks),
    }
}

/// Writes the digest (big-endian state words) into `out[..alg.mac_len()]`.
fn state_bytes(alg: MacAlgorithm, state: &State, out: &mut [u8; MAX_MAC_LEN]) {
    let words = alg.mac_len() / 4;
    for (chunk, w) in out.chunks_exact_mut(4).zip(state.iter()).take(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
}

/// An HMAC key prepared for constant-time use. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct CtHmacKey {
    #[zeroize(skip)]
    alg: MacAlgorithm,
    /// Chaining state after compressing `K ⊕ ipad`.
    inner: State,
    /// Chaining state after compressing `K ⊕ opad`.
    outer: State,
}

impl core::fmt::Debug for CtHmacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CtHmacKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl CtHmacKey {
    /// Prepares `key` (of any length, RFC 2104 §2) for HMAC with `alg`.
    pub(crate) fn new(alg: MacAlgorithm, key: &[u8]) -> Self {
        use sha2::Digest;
        let mut k = [0u8; BLOCK];
        let mut hashed = [0u8; MAX_MAC_LEN];
        let key = if key.len() > BLOCK {
            match alg {
                MacAlgorithm::Sha1 => copy_prefix(&mut hashed, &sha1::Sha1::digest(key)),
                MacAlgorithm::Sha256 => copy_prefix(&mut hashed, &sha2::Sha256::digest(key)),
            }
            hashed.get(..alg.mac_len()).unwrap_or(&[])
        } else {
            key
        };
        copy_prefix(&mut k, key);
        let mut block = [0u8; BLOCK];
        for (b, kb) in block.iter_mut().zip(k.iter()) {
            *b = kb ^ 0x36;
        }
        let mut inner = initial_state(alg);
        compress(alg, &mut inner, &block);
        for (b, kb) in block.iter_mut().zip(k.iter()) {
            *b = kb ^ 0x5c;
        }
        let mut outer = initial_state(alg);
        compress(alg, &mut outer, &block);
        k.zeroize();
        hashed.zeroize();
        block.zeroize();
        Self { alg, inner, outer }
    }

    /// Length of the MAC this key produces.
    pub(crate) fn mac_len(&self) -> usize {
        self.alg.mac_len()
    }

    /// `HMAC(K, header ‖ data[..len])` where `len` is secret and
    /// `min_len <= len <= data.len()`; `header.len()`, `min_len` and `data.len()` are public.
    ///
    /// The running time and memory access pattern depend only on the public values. The MAC
    /// is written to `out[..self.mac_len()]`. If the caller's precondition on `len` does not
    /// hold the result is garbage (but nothing panics).
    pub(crate) fn mac_ct(
        &self,
        header: &[u8],
        data: &[u8],
        len: u32,
        min_len: usize,
        out: &mut [u8; MAX_MAC_LEN],
    ) {
        let alg = self.alg;
        let hl = header.len();
        // Byte `p` of `header ‖ data`, zero past the end. `p` is always public.
        let msg_byte = |p: usize| -> u8 {
            if p < hl {
                header.get(p).copied().unwrap_or(0)
            } else {
                data.get(p - hl).copied().unwrap_or(0)
            }
        };

        // Message length m (after the ipad block) and its public bounds. Lengths of records
        // are far below 2^32, so the u64 arithmetic below cannot overflow.
        let hl64 = hl as u64;
        let m = hl64 + u64::from(len);
        let m_min = hl64 + min_len as u64;
        let m_max = hl64 + data.len() as u64;
        // Total bits hashed by the inner hash, including the ipad block.
        let bit_len = (BLOCK as u64 + m) * 8;
        let bit_len_bytes = bit_len.to_be_bytes();
        // Index of the block that holds the end of the padded message: the 0x80 byte and the
        // 8-byte length must fit, so it is floor((m + 8) / 64). A shift: constant time.
        let final_block = (m + 8) >> 6;
        let last_block = (m_max + 8) >> 6;
        let public_blocks = m_min >> 6;

        let mut state = self.inner;
        let mut block = [0u8; BLOCK];

        // 1. Blocks that are data for every candidate length: ordinary hashing. The blocks
        //    that hold header bytes are assembled; after them the public blocks are whole
        //    64-byte runs of `data`, hashed in place in one call. Every offset here depends
        //    only on `hl` and `min_len` (public).
        let public_bytes = (public_blocks as usize) * BLOCK;
        let head_bytes = public_bytes.min(hl.div_ceil(BLOCK) * BLOCK);
        let mut j = 0u64;
        while (j as usize) * BLOCK < head_bytes {
            let base = (j as usize) * BLOCK;
            for (i, b) in block.iter_mut().enumerate() {
                *b = msg_byte(base + i);
            }
            compress(alg, &mut state, &block);
            j += 1;
        }
        let run = head_bytes
            .checked_sub(hl)
            .zip(public_bytes.checked_sub(hl))
            .and_then(|(from, to)| data.get(from..to));
        if let Some(run) = run {
            let (blocks, _) = Array::<u8, U64>::slice_as_chunks(run);
            compress_blocks(alg, &mut state, Array::cast_slice_to_core(blocks));
            j += blocks.len() as u64;
        }

        // 2. Blocks where the message may end: built with masks, all of them compressed,
        // the state after the true final block selected.
        let mut result = state;
        while j <= last_block {
            let base = (j as usize) * BLOCK;
            let is_final = j.ct_eq(&final_block);
            for (i, b) in block.iter_mut().enumerate() {
                let p = (base + i) as u64;
                let is_data = p.ct_lt(&m);
                let is_terminator = p.ct_eq(&m);
                let mut v = u8::conditional_select(&0, &msg_byte(base + i), is_data);
                v.conditional_assign(&0x80, is_terminator);
                if i >= BLOCK - 8 {
                    let len_byte = bit_len_bytes.get(i - (BLOCK - 8)).copied().unwrap_or(0);
                    v.conditional_assign(&len_byte, is_final);
                }
                *b = v;
            }
            compress(alg, &mut state, &block);
            for (r, s) in result.iter_mut().zip(state.iter()) {
                r.conditional_assign(s, is_final);
            }
            j += 1;
        }

        // 3. Outer hash over the inner digest: always exactly one block.
        self.finish_outer(&result, out);
        state.zeroize();
        result.zeroize();
        block.zeroize();
    }

    /// The outer hash: `H(K ⊕ opad ‖ inner digest)` from the inner hash's final state.
    fn finish_outer(&self, inner: &State, out: &mut [u8; MAX_MAC_LEN]) {
        let alg = self.alg;
        let mut inner_digest = [0u8; MAX_MAC_LEN];
        state_bytes(alg, inner, &mut inner_digest);
        let out_len = alg.mac_len();
        let mut block = [0u8; BLOCK];
        copy_prefix(&mut block, inner_digest.get(..out_len).unwrap_or(&[]));
        if let Some(b) = block.get_mut(out_len) {
            *b = 0x80;
        }
        if let Some((_, tail)) = block.split_last_chunk_mut::<8>() {
            *tail = ((BLOCK + out_len) as u64 * 8).to_be_bytes();
        }
        let mut outer = self.outer;
        compress(alg, &mut outer, &block);
        state_bytes(alg, &outer, out);
        outer.zeroize();
        inner_digest.zeroize();
        block.zeroize();
    }

    /// An HMAC over public-length data, fed piecewise (see [`MacStream`]).
    pub(crate) fn stream(&self) -> MacStream<'_> {
        MacStream {
            key: self,
            state: self.inner,
            buf: [0; BLOCK],
            buffered: 0,
            len: 0,
        }
    }

    /// HMAC over the concatenation of `parts` (public lengths), written to the front of
    /// `out`; returns the MAC length. (Tests; the record layer streams.)
    #[cfg(test)]
    pub(crate) fn compute(&self, parts: &[&[u8]], out: &mut [u8; MAX_MAC_LEN]) -> usize {
        let mut m = self.stream();
        for p in parts {
            m.update(p);
        }
        m.finish(out)
    }
}

/// An HMAC in progress over data whose length is public (the records' encrypt-then-MAC
/// tags, everything the sealer MACs), from a [`CtHmacKey`]'s prepared states: no per-record
/// key setup, nothing on the heap, state zeroized on drop.
///
/// Whole 64-byte blocks are compressed straight from the caller's slices, several per call.
/// A caller interleaving the MAC with CBC work (see `crypto::cbc`) keeps `update` on block
/// boundaries with [`MacStream::aligned`], so no byte is copied.
pub(crate) struct MacStream<'k> {
    key: &'k CtHmacKey,
    state: State,
    buf: [u8; BLOCK],
    buffered: usize,
    len: u64,
}

impl Drop for MacStream<'_> {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

impl MacStream<'_> {
    /// Appends `data` to the MACed message.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        let alg = self.key.alg;
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buffered > 0 {
            let free = self.buf.get_mut(self.buffered..).unwrap_or_default();
            let n = free.len().min(data.len());
            let (head, rest) = data.split_at(n);
            if let Some(dst) = free.get_mut(..n) {
                dst.copy_from_slice(head);
            }
            self.buffered += n;
            data = rest;
            if self.buffered < BLOCK {
                return;
            }
            compress(alg, &mut self.state, &self.buf);
            self.buffered = 0;
        }
        let (blocks, tail) = Array::<u8, U64>::slice_as_chunks(data);
        if !blocks.is_empty() {
            compress_blocks(alg, &mut self.state, Array::cast_slice_to_core(blocks));
        }
        if let Some(dst) = self.buf.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
        }
        self.buffered = tail.len();
    }

    /// The largest `n <= available` such that `update` with `n` more bytes ends exactly on
    /// a block boundary (0 if none does): what an interleaving caller hashes next.
    pub(crate) fn aligned(&self, available: usize) -> usize {
        let total = self.buffered + available;
        (total - total % BLOCK).saturating_sub(self.buffered)
    }

    /// Finishes the inner hash and the outer one; writes the MAC to the front of `out` and
    /// returns its length.
    pub(crate) fn finish(mut self, out: &mut [u8; MAX_MAC_LEN]) -> usize {
        let alg = self.key.alg;
        let bit_len = (BLOCK as u64).wrapping_add(self.len).wrapping_mul(8);
        let mut block = [0u8; BLOCK];
        copy_prefix(
            &mut block,
            self.buf.get(..self.buffered).unwrap_or_default(),
        );
        if let Some(b) = block.get_mut(self.buffered) {
            *b = 0x80;
        }
        if self.buffered + 1 > BLOCK - 8 {
            compress(alg, &mut self.state, &block);
            block = [0u8; BLOCK];
        }
        if let Some((_, tail)) = block.split_last_chunk_mut::<8>() {
            *tail = bit_len.to_be_bytes();
        }
        compress(alg, &mut self.state, &block);
        block.zeroize();
        self.key.finish_outer(&self.state, out);
        alg.mac_len()
    }
}

/// Copies `src` to the front of `dst` (as much as fits).
fn copy_prefix(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// `a <= b` as a constant-time choice.
pub(crate) fn ct_le(a: u32, b: u32) -> Choice {
    !a.ct_gt(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    fn plain(alg: MacAlgorithm, key: &[u8], parts: &[&[u8]]) -> alloc::vec::Vec<u8> {
        match alg {
            MacAlgorithm::Sha1 => {
                let mut m = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
                parts.iter().for_each(|p| m.update(p));
                m.finalize().into_bytes().to_vec()
            }
            MacAlgorithm::Sha256 => {
                let mut m = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
                parts.iter().for_each(|p| m.update(p));
                m.finalize().into_bytes().to_vec()
            }
        }
    }

    /// MacStream gives the plain HMAC for every length and every way of splitting the
    /// input (unaligned pieces, pieces ending on block boundaries via `aligned`).
    #[test]
    fn mac_stream_matches_plain_hmac_however_split() {
        let data: alloc::vec::Vec<u8> = (0..600u32).map(|i| (i * 13 + 5) as u8).collect();
        for alg in [MacAlgorithm::Sha1, MacAlgorithm::Sha256] {
            for key_len in [0usize, 20, 64, 65] {
                let key: alloc::vec::Vec<u8> = (0..key_len).map(|i| (i * 3) as u8).collect();
                let k = CtHmacKey::new(alg, &key);
                for len in (0..200).chain([255, 256, 257, 511, 512, 600]) {
                    let want = plain(alg, &key, &[&data[..len]]);
                    for step in [1usize, 7, 29, 64, 100, 1000] {
                        let mut m = k.stream();
                        for piece in data[..len].chunks(step) {
                            m.update(piece);
                        }
                        let mut out = [0u8; MAX_MAC_LEN];
                        assert_eq!(m.finish(&mut out), alg.mac_len());
                        assert_eq!(&out[..alg.mac_len()], &want[..], "{alg:?} {len} {step}");
                    }
                    // 13-byte header, then aligned pieces as the interleaved seal feeds them.
                    let mut m = k.stream();
                    m.update(&data[..13.min(len)]);
                    let mut at = 13.min(len);
                    while at < len {
                        let n = m.aligned(len - at).max(1.min(len - at));
                        let n = if n == 0 { len - at } else { n.min(64) };
                        m.update(&data[at..at + n]);
                        at += n;
                    }
                    let mut out = [0u8; MAX_MAC_LEN];
                    m.finish(&mut out);
                    assert_eq!(&out[..alg.mac_len()], &want[..], "{alg:?} {len} aligned");
                }
            }
        }
    }

    /// Like BearSSL's test_HMAC_CT: every secret length in a sliding public window gives the
    /// plain HMAC, with a constant number of compression calls per window.
    #[test]
    fn ct_mac_matches_plain_hmac_for_every_length() {
        let data: alloc::vec::Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
        for alg in [MacAlgorithm::Sha1, MacAlgorithm::Sha256] {
            for key_len in [0usize, 20, 64, 65, 100] {
                let key: alloc::vec::Vec<u8> = (0..key_len).map(|i| i as u8).collect();
                let k = CtHmacKey::new(alg, &key);
                for header in [&b""[..], &[0xa5; 13][..]] {
                    for min_len in [0usize, 1, 50, 63, 64, 120, 300] {
                        let max_len = min_len + 256;
                        let window = &data[..max_len];
                        let mut calls = None;
                        for len in min_len..=max_len {
                            let mut out = [0u8; MAX_MAC_LEN];
                            let before = COMPRESS_CALLS.with(|c| c.get());
                            k.mac_ct(header, window, len as u32, min_len, &mut out);
                            let n = COMPRESS_CALLS.with(|c| c.get()) - before;
                            assert_eq!(*calls.get_or_insert(n), n);
                            let want = plain(alg, &key, &[header, &data[..len]]);
                            assert_eq!(&out[..alg.mac_len()], &want[..], "{alg:?} {len}");
                        }
                        let expect = (header.len() + max_len + 8) / 64 + 2;
                        assert_eq!(calls, Some(expect as u64));
                    }
                }
            }
        }
    }
}
