//! HMAC-SHA1 / HMAC-SHA256 / HMAC-SHA384 (and HMAC-MD5) over a message whose length is
//! secret (the Lucky 13 countermeasure, AlFardan–Paterson 2013).
//!
//! After CBC decryption of a MAC-then-encrypt record, the length of the data that was MACed
//! depends on the padding length, which is secret until the MAC has been checked. A plain HMAC
//! over the data would run one compression-function call per block (64 bytes; 128 for
//! SHA-384), so its running time would reveal `len / 64` and with it a padding oracle. The
//! constant-time MAC instead does the same work for every `len` in a public range
//! `[min_len, max_len]`:
//!
//! - blocks that hold only data for *every* candidate length (those before `min_len`) are
//!   hashed normally, in a [`MacStream`] (the record opener feeds it while it decrypts):
//!   their number depends only on public values ([`MacStream::ct_public_len`]);
//! - every remaining block up to the last block the *longest* candidate could end in is
//!   built byte by byte with constant-time masks (data byte, the 0x80 terminator, zero, or
//!   the bit-length field: 8 bytes, 16 for SHA-384), compressed, and the chaining state
//!   after the block that really ends the message is kept with a constant-time select;
//! - the outer hash is one compression of a fixed-size block.
//!
//! (The last two are [`MacStream::finish_ct`]; `CtHmacKey::mac_ct`, in tests, runs all
//! three.)
//!
//! So the number of compression calls is `(header_len + max_len + L) / B + 2` (block size
//! `B`, length field `L`) whatever `len` is, and memory is accessed at public offsets only.
//! This is the approach of OpenSSL's `ssl3_cbc_digest_record` and BearSSL's
//! `br_hmac_outCT`, reimplemented over the `sha1::block_api::compress` /
//! `sha2::block_api::compress256` / `compress512` / `md5::block_api::compress` compression
//! functions (the `hmac` crate
//! has no secret-length mode, and the digest crates expose only these block functions for
//! it). Each hash is a [`CtHash`]: the code is written once and monomorphised, so block
//! sizes and shifts are compile-time constants.
//!
//! HMAC-MD5 is here for the one suite that MACs with it, TLS_RSA_WITH_RC4_128_MD5 (a legacy
//! opt-in): a stream cipher has no padding, so its records only use the streaming MAC; MD5
//! differs from the SHA family only in its little-endian words and length field
//! ([`CtHash::LITTLE_ENDIAN`]).
//!
//! The key is prepared once (`K ⊕ ipad` and `K ⊕ opad` blocks compressed into chaining
//! states), like a keyed `hmac::Hmac` that is cloned per record.

use aes::cipher::Array;
use aes::cipher::consts::{U64, U128};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use crate::crypto::suites::MacAlgorithm;

/// Largest HMAC output handled here (SHA-384).
pub(crate) const MAX_MAC_LEN: usize = 48;
/// Largest block (SHA-384's).
const MAX_BLOCK: usize = 128;

#[cfg(test)]
std::thread_local! {
    /// Compression-function calls made by this module on this thread (test-only probe).
    pub(crate) static COMPRESS_CALLS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// A Merkle–Damgård hash seen through its compression function: what the constant-time
/// HMAC needs to build the padded blocks itself.
pub(crate) trait CtHash {
    /// A chaining-state word.
    type Word: Copy + Default + ConditionallySelectable + Zeroize;
    /// log2 of the block size.
    const BLOCK_SHIFT: u32;
    /// Block size in bytes.
    const BLOCK: usize = 1 << Self::BLOCK_SHIFT;
    /// Bytes of the bit-length field that ends the padding.
    const LEN_FIELD: usize;
    /// Whether the length field and the digest words are little-endian (MD5) rather than
    /// big-endian (the SHA family).
    const LITTLE_ENDIAN: bool = false;
    /// Digest length in bytes.
    const OUT: usize;
    /// The initial chaining state (SHA-1 uses the first five words).
    const IV: [Self::Word; 8];
    /// Compresses `blocks` (a whole number of blocks) into `state`, in one call so the
    /// SHA-NI / SIMD backends run their own loop.
    fn compress(state: &mut [Self::Word; 8], blocks: &[u8]);
    /// Writes the digest (the state words in the hash's byte order) into `out[..Self::OUT]`.
    fn write_out(state: &[Self::Word; 8], out: &mut [u8; MAX_MAC_LEN]);
    /// The plain digest of `data` (keys longer than a block, RFC 2104 §2).
    fn digest(data: &[u8], out: &mut [u8; MAX_MAC_LEN]);
}

/// The low 8 bytes of the bit-length field for `bits`, in `H`'s byte order. (The high bytes
/// of SHA-384's 16-byte field are always zero here.)
fn len_bytes<H: CtHash>(bits: u64) -> [u8; 8] {
    if H::LITTLE_ENDIAN {
        bits.to_le_bytes()
    } else {
        bits.to_be_bytes()
    }
}

fn count_calls(_blocks: usize) {
    #[cfg(test)]
    COMPRESS_CALLS.with(|c| c.set(c.get() + _blocks as u64));
}

fn write_words<W: Copy, const N: usize>(
    words: &[W],
    out: &mut [u8; MAX_MAC_LEN],
    be: impl Fn(W) -> [u8; N],
) {
    for (chunk, w) in out.chunks_exact_mut(N).zip(words.iter()) {
        chunk.copy_from_slice(&be(*w));
    }
}

/// SHA-1 (HMAC-SHA1 records).
pub(crate) enum Sha1Ct {}
/// SHA-256 (HMAC-SHA256 records).
pub(crate) enum Sha256Ct {}
/// SHA-384 (HMAC-SHA384 records, the `*_CBC_SHA384` suites of RFC 5289).
pub(crate) enum Sha384Ct {}
/// MD5 (HMAC-MD5 records, TLS_RSA_WITH_RC4_128_MD5).
#[cfg(feature = "legacy-ciphers")]
pub(crate) enum Md5Ct {}

#[cfg(feature = "legacy-ciphers")]
impl CtHash for Md5Ct {
    type Word = u32;
    const BLOCK_SHIFT: u32 = 6;
    const LEN_FIELD: usize = 8;
    const LITTLE_ENDIAN: bool = true;
    const OUT: usize = 16;
    // RFC 1321 §3.3.
    const IV: [u32; 8] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0,
        0,
        0,
        0,
    ];
    fn compress(state: &mut [u32; 8], blocks: &[u8]) {
        let (blocks, _) = Array::<u8, U64>::slice_as_chunks(blocks);
        let blocks = Array::cast_slice_to_core(blocks);
        count_calls(blocks.len());
        if let Some((s4, _)) = state.split_first_chunk_mut::<4>() {
            md5::block_api::compress(s4, blocks);
        }
    }
    fn write_out(state: &[u32; 8], out: &mut [u8; MAX_MAC_LEN]) {
        write_words(state.get(..4).unwrap_or_default(), out, u32::to_le_bytes);
    }
    fn digest(data: &[u8], out: &mut [u8; MAX_MAC_LEN]) {
        use md5::Digest;
        copy_prefix(out, &md5::Md5::digest(data));
    }
}

impl CtHash for Sha1Ct {
    type Word = u32;
    const BLOCK_SHIFT: u32 = 6;
    const LEN_FIELD: usize = 8;
    const OUT: usize = 20;
    const IV: [u32; 8] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
        0,
        0,
        0,
    ];
    fn compress(state: &mut [u32; 8], blocks: &[u8]) {
        let (blocks, _) = Array::<u8, U64>::slice_as_chunks(blocks);
        let blocks = Array::cast_slice_to_core(blocks);
        count_calls(blocks.len());
        if let Some((s5, _)) = state.split_first_chunk_mut::<5>() {
            sha1::block_api::compress(s5, blocks);
        }
    }
    fn write_out(state: &[u32; 8], out: &mut [u8; MAX_MAC_LEN]) {
        write_words(state.get(..5).unwrap_or_default(), out, u32::to_be_bytes);
    }
    fn digest(data: &[u8], out: &mut [u8; MAX_MAC_LEN]) {
        use sha1::Digest;
        copy_prefix(out, &sha1::Sha1::digest(data));
    }
}

impl CtHash for Sha256Ct {
    type Word = u32;
    const BLOCK_SHIFT: u32 = 6;
    const LEN_FIELD: usize = 8;
    const OUT: usize = 32;
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    fn compress(state: &mut [u32; 8], blocks: &[u8]) {
        let (blocks, _) = Array::<u8, U64>::slice_as_chunks(blocks);
        let blocks = Array::cast_slice_to_core(blocks);
        count_calls(blocks.len());
        sha2::block_api::compress256(state, blocks);
    }
    fn write_out(state: &[u32; 8], out: &mut [u8; MAX_MAC_LEN]) {
        write_words(state, out, u32::to_be_bytes);
    }
    fn digest(data: &[u8], out: &mut [u8; MAX_MAC_LEN]) {
        use sha2::Digest;
        copy_prefix(out, &sha2::Sha256::digest(data));
    }
}

impl CtHash for Sha384Ct {
    type Word = u64;
    const BLOCK_SHIFT: u32 = 7;
    const LEN_FIELD: usize = 16;
    const OUT: usize = 48;
    // FIPS 180-4 §5.3.4.
    const IV: [u64; 8] = [
        0xcbbb_9d5d_c105_9ed8,
        0x629a_292a_367c_d507,
        0x9159_015a_3070_dd17,
        0x152f_ecd8_f70e_5939,
        0x6733_2667_ffc0_0b31,
        0x8eb4_4a87_6858_1511,
        0xdb0c_2e0d_64f9_8fa7,
        0x47b5_481d_befa_4fa4,
    ];
    fn compress(state: &mut [u64; 8], blocks: &[u8]) {
        let (blocks, _) = Array::<u8, U128>::slice_as_chunks(blocks);
        let blocks = Array::cast_slice_to_core(blocks);
        count_calls(blocks.len());
        sha2::block_api::compress512(state, blocks);
    }
    fn write_out(state: &[u64; 8], out: &mut [u8; MAX_MAC_LEN]) {
        write_words(state.get(..6).unwrap_or_default(), out, u64::to_be_bytes);
    }
    fn digest(data: &[u8], out: &mut [u8; MAX_MAC_LEN]) {
        use sha2::Digest;
        copy_prefix(out, &sha2::Sha384::digest(data));
    }
}

/// The prepared states of one HMAC key over hash `H`.
pub(crate) struct Keyed<H: CtHash> {
    /// Chaining state after compressing `K ⊕ ipad`.
    inner: [H::Word; 8],
    /// Chaining state after compressing `K ⊕ opad`.
    outer: [H::Word; 8],
}

impl<H: CtHash> Clone for Keyed<H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner,
            outer: self.outer,
        }
    }
}

impl<H: CtHash> Drop for Keyed<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// An HMAC key prepared for constant-time use. Zeroized on drop.
#[derive(Clone)]
pub(crate) enum CtHmacKey {
    /// HMAC-MD5.
    #[cfg(feature = "legacy-ciphers")]
    Md5(Keyed<Md5Ct>),
    /// HMAC-SHA1.
    Sha1(Keyed<Sha1Ct>),
    /// HMAC-SHA256.
    Sha256(Keyed<Sha256Ct>),
    /// HMAC-SHA384.
    Sha384(Keyed<Sha384Ct>),
}

impl core::fmt::Debug for CtHmacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CtHmacKey")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

impl CtHmacKey {
    /// Prepares `key` (of any length, RFC 2104 §2) for HMAC with `alg`.
    pub(crate) fn new(alg: MacAlgorithm, key: &[u8]) -> Self {
        match alg {
            #[cfg(feature = "legacy-ciphers")]
            MacAlgorithm::Md5 => Self::Md5(Keyed::new(key)),
            MacAlgorithm::Sha1 => Self::Sha1(Keyed::new(key)),
            MacAlgorithm::Sha256 => Self::Sha256(Keyed::new(key)),
            MacAlgorithm::Sha384 => Self::Sha384(Keyed::new(key)),
        }
    }

    fn alg(&self) -> MacAlgorithm {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(_) => MacAlgorithm::Md5,
            Self::Sha1(_) => MacAlgorithm::Sha1,
            Self::Sha256(_) => MacAlgorithm::Sha256,
            Self::Sha384(_) => MacAlgorithm::Sha384,
        }
    }

    /// Length of the MAC this key produces.
    pub(crate) fn mac_len(&self) -> usize {
        self.alg().mac_len()
    }

    /// `HMAC(K, header ‖ data[..len])` where `len` is secret and
    /// `min_len <= len <= data.len()`; `header.len()`, `min_len` and `data.len()` are public.
    ///
    /// The running time and memory access pattern depend only on the public values. The MAC
    /// is written to `out[..self.mac_len()]`. If the caller's precondition on `len` does not
    /// hold the result is garbage (but nothing panics).
    ///
    /// (Tests. The record opener runs the same two parts itself — the ordinary blocks in a
    /// [`MacStream`], interleaved with its decryption, then [`MacStream::finish_ct`] — so
    /// this is the reference for that split.)
    #[cfg(test)]
    pub(crate) fn mac_ct(
        &self,
        header: &[u8],
        data: &[u8],
        len: u32,
        min_len: usize,
        out: &mut [u8; MAX_MAC_LEN],
    ) {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(k) => k.mac_ct(header, data, len, min_len, out),
            Self::Sha1(k) => k.mac_ct(header, data, len, min_len, out),
            Self::Sha256(k) => k.mac_ct(header, data, len, min_len, out),
            Self::Sha384(k) => k.mac_ct(header, data, len, min_len, out),
        }
    }

    /// An HMAC over public-length data, fed piecewise (see [`MacStream`]).
    pub(crate) fn stream(&self) -> MacStream<'_> {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(k) => MacStream::Md5(k.stream()),
            Self::Sha1(k) => MacStream::Sha1(k.stream()),
            Self::Sha256(k) => MacStream::Sha256(k.stream()),
            Self::Sha384(k) => MacStream::Sha384(k.stream()),
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

impl<H: CtHash> Keyed<H> {
    fn new(key: &[u8]) -> Self {
        let mut k = [0u8; MAX_BLOCK];
        let mut hashed = [0u8; MAX_MAC_LEN];
        let key = if key.len() > H::BLOCK {
            H::digest(key, &mut hashed);
            hashed.get(..H::OUT).unwrap_or(&[])
        } else {
            key
        };
        copy_prefix(&mut k, key);
        let mut block = [0u8; MAX_BLOCK];
        for (b, kb) in block.iter_mut().zip(k.iter()) {
            *b = kb ^ 0x36;
        }
        let mut inner = H::IV;
        H::compress(&mut inner, block.get(..H::BLOCK).unwrap_or_default());
        for (b, kb) in block.iter_mut().zip(k.iter()) {
            *b = kb ^ 0x5c;
        }
        let mut outer = H::IV;
        H::compress(&mut outer, block.get(..H::BLOCK).unwrap_or_default());
        k.zeroize();
        hashed.zeroize();
        block.zeroize();
        Self { inner, outer }
    }

    #[cfg(test)]
    fn mac_ct(
        &self,
        header: &[u8],
        data: &[u8],
        len: u32,
        min_len: usize,
        out: &mut [u8; MAX_MAC_LEN],
    ) {
        // 1. Blocks that are data for every candidate length: ordinary hashing, whole
        //    blocks (their number depends only on `header.len()` and `min_len`).
        let mut s = self.stream();
        let public = s.ct_public_len(header.len(), min_len);
        if public > 0 {
            s.update(header);
            s.update(data.get(..public).unwrap_or_default());
        }
        s.finish_ct(header, data, len, out);
    }

    /// The outer hash: `H(K ⊕ opad ‖ inner digest)` from the inner hash's final state.
    fn finish_outer(&self, inner: &[H::Word; 8], out: &mut [u8; MAX_MAC_LEN]) {
        let bs = H::BLOCK;
        let mut inner_digest = [0u8; MAX_MAC_LEN];
        H::write_out(inner, &mut inner_digest);
        let mut buf = [0u8; MAX_BLOCK];
        let block = buf.get_mut(..bs).unwrap_or_default();
        copy_prefix(block, inner_digest.get(..H::OUT).unwrap_or(&[]));
        if let Some(b) = block.get_mut(H::OUT) {
            *b = 0x80;
        }
        if let Some((_, tail)) = block.split_last_chunk_mut::<8>() {
            *tail = len_bytes::<H>((bs + H::OUT) as u64 * 8);
        }
        let mut outer = self.outer;
        H::compress(&mut outer, block);
        H::write_out(&outer, out);
        outer.zeroize();
        inner_digest.zeroize();
        buf.zeroize();
    }

    fn stream(&self) -> Stream<'_, H> {
        Stream {
            key: self,
            state: self.inner,
            buf: [0; MAX_BLOCK],
            buffered: 0,
            len: 0,
        }
    }
}

/// An HMAC in progress over data whose length is public (the records' encrypt-then-MAC
/// tags, everything the sealer MACs), from a [`CtHmacKey`]'s prepared states: no per-record
/// key setup, nothing on the heap, state zeroized on drop.
///
/// Whole blocks are compressed straight from the caller's slices, several per call. A
/// caller interleaving the MAC with CBC work (see `crypto::cbc`) keeps `update` on block
/// boundaries with [`MacStream::aligned`], so no byte is copied.
pub(crate) enum MacStream<'k> {
    /// HMAC-MD5.
    #[cfg(feature = "legacy-ciphers")]
    Md5(Stream<'k, Md5Ct>),
    /// HMAC-SHA1.
    Sha1(Stream<'k, Sha1Ct>),
    /// HMAC-SHA256.
    Sha256(Stream<'k, Sha256Ct>),
    /// HMAC-SHA384.
    Sha384(Stream<'k, Sha384Ct>),
}

impl MacStream<'_> {
    /// Appends `data` to the MACed message.
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(s) => s.update(data),
            Self::Sha1(s) => s.update(data),
            Self::Sha256(s) => s.update(data),
            Self::Sha384(s) => s.update(data),
        }
    }

    /// The largest `n <= available` such that `update` with `n` more bytes ends exactly on
    /// a block boundary (0 if none does): what an interleaving caller hashes next.
    #[inline]
    pub(crate) fn aligned(&self, available: usize) -> usize {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(s) => s.aligned(available),
            Self::Sha1(s) => s.aligned(available),
            Self::Sha256(s) => s.aligned(available),
            Self::Sha384(s) => s.aligned(available),
        }
    }

    /// How many leading bytes of `data` a constant-time MAC over `header ‖ data[..len]`,
    /// `len >= min_len` secret, may take as ordinary blocks (0 or more; public): stream
    /// `header` and then up to that many bytes of `data`, ending on a block boundary,
    /// before [`Self::finish_ct`].
    pub(crate) fn ct_public_len(&self, header_len: usize, min_len: usize) -> usize {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(s) => s.ct_public_len(header_len, min_len),
            Self::Sha1(s) => s.ct_public_len(header_len, min_len),
            Self::Sha256(s) => s.ct_public_len(header_len, min_len),
            Self::Sha384(s) => s.ct_public_len(header_len, min_len),
        }
    }

    /// Finishes a constant-time `HMAC(K, header ‖ data[..len])` (`len` secret,
    /// `min_len <= len <= data.len()`) whose public leading blocks this stream has taken
    /// (see [`Self::ct_public_len`]); writes the MAC to the front of `out`. What
    /// `CtHmacKey::mac_ct` does after its ordinary blocks, for a caller that hashes
    /// those while it decrypts.
    pub(crate) fn finish_ct(
        self,
        header: &[u8],
        data: &[u8],
        len: u32,
        out: &mut [u8; MAX_MAC_LEN],
    ) {
        match &self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(s) => s.finish_ct(header, data, len, out),
            Self::Sha1(s) => s.finish_ct(header, data, len, out),
            Self::Sha256(s) => s.finish_ct(header, data, len, out),
            Self::Sha384(s) => s.finish_ct(header, data, len, out),
        }
    }

    /// Finishes the inner hash and the outer one; writes the MAC to the front of `out` and
    /// returns its length.
    pub(crate) fn finish(self, out: &mut [u8; MAX_MAC_LEN]) -> usize {
        match self {
            #[cfg(feature = "legacy-ciphers")]
            Self::Md5(s) => s.finish(out),
            Self::Sha1(s) => s.finish(out),
            Self::Sha256(s) => s.finish(out),
            Self::Sha384(s) => s.finish(out),
        }
    }
}

/// [`MacStream`] for one hash.
pub(crate) struct Stream<'k, H: CtHash> {
    key: &'k Keyed<H>,
    state: [H::Word; 8],
    buf: [u8; MAX_BLOCK],
    buffered: usize,
    len: u64,
}

impl<H: CtHash> Drop for Stream<'_, H> {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

impl<H: CtHash> Stream<'_, H> {
    fn update(&mut self, mut data: &[u8]) {
        let bs = H::BLOCK;
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buffered > 0 {
            let free = self.buf.get_mut(self.buffered..bs).unwrap_or_default();
            let n = free.len().min(data.len());
            let (head, rest) = data.split_at(n);
            if let Some(dst) = free.get_mut(..n) {
                dst.copy_from_slice(head);
            }
            self.buffered += n;
            data = rest;
            if self.buffered < bs {
                return;
            }
            H::compress(&mut self.state, self.buf.get(..bs).unwrap_or_default());
            self.buffered = 0;
        }
        let whole = data.len() - data.len() % bs;
        let (blocks, tail) = data.split_at(whole);
        if !blocks.is_empty() {
            H::compress(&mut self.state, blocks);
        }
        if let Some(dst) = self.buf.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
        }
        self.buffered = tail.len();
    }

    fn aligned(&self, available: usize) -> usize {
        let total = self.buffered + available;
        (total - total % H::BLOCK).saturating_sub(self.buffered)
    }

    fn finish(mut self, out: &mut [u8; MAX_MAC_LEN]) -> usize {
        let bs = H::BLOCK;
        let bit_len = (bs as u64).wrapping_add(self.len).wrapping_mul(8);
        let mut buf = [0u8; MAX_BLOCK];
        let block = buf.get_mut(..bs).unwrap_or_default();
        copy_prefix(block, self.buf.get(..self.buffered).unwrap_or_default());
        if let Some(b) = block.get_mut(self.buffered) {
            *b = 0x80;
        }
        if self.buffered + 1 > bs - H::LEN_FIELD {
            H::compress(&mut self.state, block);
            block.fill(0);
        }
        // The length field's high bytes (SHA-384's first 8 of 16) stay zero.
        if let Some((_, tail)) = block.split_last_chunk_mut::<8>() {
            *tail = len_bytes::<H>(bit_len);
        }
        H::compress(&mut self.state, block);
        buf.zeroize();
        self.key.finish_outer(&self.state, out);
        H::OUT
    }
}

impl<H: CtHash> Stream<'_, H> {
    /// Bytes of `data` that [`Self::finish_ct`] may have taken as ordinary blocks: the
    /// whole blocks of `header ‖ data` below `header.len() + min_len`, less the header;
    /// 0 if there is no such block. Public: a function of public lengths only.
    fn ct_public_len(&self, header_len: usize, min_len: usize) -> usize {
        let public_bytes = (header_len + min_len) >> H::BLOCK_SHIFT << H::BLOCK_SHIFT;
        public_bytes.saturating_sub(header_len)
    }

    /// Finishes `HMAC(K, header ‖ data[..len])` with `len` secret, `min_len <= len <=
    /// data.len()` (see `CtHmacKey::mac_ct`; `min_len` public), from a stream that has
    /// taken either
    /// nothing or `header ‖ data[..k]` ending on a block boundary with
    /// `header.len() + k <= header.len() + min_len` (whole public blocks: what
    /// [`Self::ct_public_len`] allows). The compression count, `(header.len() + max_len +
    /// L) / B + 2` in all, and the memory accesses depend only on the public lengths.
    fn finish_ct(&self, header: &[u8], data: &[u8], len: u32, out: &mut [u8; MAX_MAC_LEN]) {
        let bs = H::BLOCK;
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
        // are far below 2^32, so the u64 arithmetic below cannot overflow. `len` is secret:
        // it goes through an optimisation barrier once, so the compiler cannot know its
        // value or range, and every mask below is derived from it by arithmetic alone.
        let hl64 = hl as u64;
        let m = hl64 + u64::from(opaque(len));
        let m_max = hl64 + data.len() as u64;
        // Total bits hashed by the inner hash, including the ipad block, as the last bytes
        // of a 16-byte field (SHA-1/256 and MD5 use its last 8; MD5's are little-endian).
        let bit_len = (bs as u64 + m) * 8;
        let mut len_field = [0u8; 16];
        if let Some((_, tail)) = len_field.split_last_chunk_mut::<8>() {
            *tail = len_bytes::<H>(bit_len);
        }
        let len_field = len_field.get(16 - H::LEN_FIELD..).unwrap_or_default();
        // Index of the block that holds the end of the padded message: the 0x80 byte and the
        // length field must fit, so it is floor((m + L) / B). A shift: constant time.
        let final_block = (m + H::LEN_FIELD as u64) >> H::BLOCK_SHIFT;
        let last_block = (m_max + H::LEN_FIELD as u64) >> H::BLOCK_SHIFT;
        // The whole public blocks the stream has taken (its length: public).
        let mut j = self.len >> H::BLOCK_SHIFT;

        let mut state = self.state;
        let mut buf = [0u8; MAX_BLOCK];

        // 2. Blocks where the message may end: built with masks, all of them compressed,
        // the state after the true final block selected. Each byte is
        // `data & (p < m) | 0x80 & (p == m)`, and in the length field's place
        // `len & (this is the final block)`: masks from [`mask_lt64`] / [`mask_eq64`],
        // plain arithmetic the compiler turns into (vector) compares, never a branch.
        let mut result = state;
        let len_at = bs - H::LEN_FIELD;
        while j <= last_block {
            let base = (j as usize) * bs;
            let is_final = j.ct_eq(&final_block);
            let final_mask = mask_eq64(j, final_block) as u8;
            let block = buf.get_mut(..bs).unwrap_or_default();
            for (i, b) in block.iter_mut().enumerate() {
                let p = (base + i) as u64;
                let is_data = mask_lt64(p, m) as u8;
                let is_terminator = mask_eq64(p, m) as u8;
                *b = (msg_byte(base + i) & is_data) | (0x80 & is_terminator);
            }
            // The length field's place never holds data or the terminator of the final
            // block (the terminator is at most at `len_at − 1` there, by the choice of
            // `final_block`), so OR-ing it in under the mask is exact.
            if let Some(tail) = block.get_mut(len_at..) {
                for (b, l) in tail.iter_mut().zip(len_field) {
                    *b |= l & final_mask;
                }
            }
            H::compress(&mut state, block);
            for (r, s) in result.iter_mut().zip(state.iter()) {
                r.conditional_assign(s, is_final);
            }
            j += 1;
        }

        // 3. Outer hash over the inner digest: always exactly one block.
        self.key.finish_outer(&result, out);
        state.zeroize();
        result.zeroize();
        buf.zeroize();
    }
}

/// Copies `src` to the front of `dst` (as much as fits).
fn copy_prefix(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// `x`, through `subtle`'s optimisation barrier (its volatile read, on the mask `x` is then
/// ANDed with), so the compiler can assume nothing about the value or range of the result
/// and cannot turn the masks derived from it by arithmetic back into branches. Called once
/// per record on a secret length (`core::hint::black_box` would do the same job but is
/// documented as giving no guarantee for cryptographic use).
pub(crate) fn opaque(x: u32) -> u32 {
    u32::conditional_select(&0, &x, subtle::Choice::from(1))
}

/// All-ones if `a <= b`, else zero; `a` and `b` below 2³¹ (record lengths are). The
/// sign bit of `b − a` gives the answer with no branch and no table.
#[inline(always)]
pub(crate) fn mask_le(a: u32, b: u32) -> u32 {
    0u32.wrapping_sub((b.wrapping_sub(a) >> 31) ^ 1)
}

/// All-ones if `a == b`, else zero, without a branch.
#[inline(always)]
pub(crate) fn mask_eq(a: u32, b: u32) -> u32 {
    let d = a ^ b;
    0u32.wrapping_sub(((d | d.wrapping_neg()) >> 31) ^ 1)
}

/// [`mask_le`] on 64-bit positions (below 2⁶³).
#[inline(always)]
fn mask_lt64(a: u64, b: u64) -> u64 {
    0u64.wrapping_sub(a.wrapping_sub(b) >> 63)
}

/// [`mask_eq`] on 64-bit positions.
#[inline(always)]
fn mask_eq64(a: u64, b: u64) -> u64 {
    let d = a ^ b;
    0u64.wrapping_sub(((d | d.wrapping_neg()) >> 63) ^ 1)
}

#[cfg(test)]
#[path = "hmac_ct_test.rs"]
mod tests;
