//! The CBC mode objects (AES-128, AES-256, or 3DES-EDE for the legacy opt-in) and the
//! block-mode jobs that only encrypt or only decrypt.
//!
//! The `cipher` crate hands a cipher's backend to a closure whose block size is a type
//! (`U16` for AES, `U8` for 3DES). The record code is written once as an [`EncJob`] /
//! [`DecJob`], generic over any backend, and [`CbcEncryptor::with_backend`] wraps it in the
//! closure of the right block size for the cipher at hand. Decryption uses the `cbc`
//! crate's mode (its parallel path: CBC decryption is not a chain); encryption chains the
//! blocks itself ([`Chained`]).

use core::marker::PhantomData;

use aes::cipher::array::ArraySize;
#[cfg(feature = "legacy-ciphers")]
use aes::cipher::consts::U8;
use aes::cipher::consts::U16;
use aes::cipher::inout::InOut;
use aes::cipher::typenum::Unsigned;
use aes::cipher::{
    Array, Block, BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt,
    BlockModeDecBackend, BlockModeDecClosure, BlockModeDecrypt, BlockModeEncBackend, BlockSizeUser,
    IvState, KeyInit, KeyIvInit, ParBlocks, ParBlocksSizeUser, SetIvState,
};
use aes::{Aes128, Aes128Enc, Aes256, Aes256Enc};
#[cfg(feature = "legacy-ciphers")]
use des::TdesEde3;

use crate::crypto::suites::BulkCipher;
use crate::error::Error;

/// Record work that runs with an encrypting backend of any block size.
///
/// Implementations, and the closures that call them, are `#[inline]`: the AES backend
/// calls the job from inside its `#[target_feature(enable = "aes")]` function, and only a
/// job inlined there can have the AES rounds inlined into its loop. Without the hint,
/// codegen-unit partitioning may put the job in another unit, where every block becomes a
/// call (issue 13: ETM sealing ~20% slower than with `codegen-units = 1`).
pub(super) trait EncJob {
    /// Runs with `backend` (one key setup for the whole call).
    fn run<B: BlockModeEncBackend>(self, backend: &mut B);
}

/// Record work that runs with a decrypting backend of any block size (`#[inline]` for
/// the reason given on [`EncJob`]).
pub(super) trait DecJob {
    /// Runs with `backend` (one key setup for the whole call).
    fn run<B: BlockModeDecBackend>(self, backend: &mut B);
}

/// A job as the `cipher` closure of block size `BS`.
struct Closure<J, BS>(J, PhantomData<BS>);

impl<J, BS: ArraySize> BlockSizeUser for Closure<J, BS> {
    type BlockSize = BS;
}

impl<J: DecJob, BS: ArraySize> BlockModeDecClosure for Closure<J, BS> {
    #[inline]
    fn call<B: BlockModeDecBackend<BlockSize = BS>>(self, backend: &mut B) {
        self.0.run(backend);
    }
}

fn closure<J, BS>(job: J) -> Closure<J, BS> {
    Closure(job, PhantomData)
}

/// `iv` as the mode's IV type; a wrong length is a bug in this module's callers.
fn iv_of<BS: ArraySize>(iv: &[u8]) -> Result<Array<u8, BS>, Error> {
    Array::try_from(iv).map_err(|_| Error::Internal("CBC IV length"))
}

/// A CBC encryptor that keeps the chaining block between records.
#[allow(
    clippy::large_enum_variant,
    reason = "one per connection direction; boxing would allocate for no gain"
)]
pub(crate) enum CbcEncryptor {
    Aes128(Chained<Aes128Enc>),
    Aes256(Chained<Aes256Enc>),
    #[cfg(feature = "legacy-ciphers")]
    TripleDes(Chained<TdesEde3>),
}

/// CBC encryption with block cipher `C`: its key schedule and the chaining block (the IV,
/// then the last ciphertext block), kept between records.
///
/// This is the `cbc` crate's `Encryptor` with one difference that matters for speed:
/// while a job runs, the chaining block lives in a local ([`ChainBackend`]), which the
/// compiler keeps in a register. `cbc::Encryptor` hands its backend a reference to the
/// block inside the mode object, so every block of the serial CBC chain went through a
/// store and a reload (store-to-load forwarding on the critical path, ~15% of the chain).
/// The chaining block is public (an IV or a ciphertext block); the key schedule is
/// zeroized on drop by the cipher itself.
pub(crate) struct Chained<C: BlockSizeUser> {
    cipher: C,
    chain: Block<C>,
}

impl<C: BlockCipherEncrypt + KeyInit> Chained<C> {
    fn new(key: &[u8], iv: &[u8]) -> Option<Self> {
        Some(Self {
            cipher: C::new_from_slice(key).ok()?,
            chain: Array::try_from(iv).ok()?,
        })
    }

    /// Runs `job` with a CBC backend over the cipher's (one key setup for the whole call);
    /// with `iv`, the chain restarts from it.
    #[inline]
    fn run(&mut self, iv: Option<&[u8]>, job: impl EncJob) -> Result<(), Error> {
        if let Some(iv) = iv {
            self.chain = iv_of(iv)?;
        }
        self.cipher.encrypt_with_backend(ChainClosure {
            chain: &mut self.chain,
            job,
        });
        Ok(())
    }
}

/// The cipher closure that runs a job over a [`ChainBackend`].
struct ChainClosure<'c, BS: ArraySize, J> {
    chain: &'c mut Array<u8, BS>,
    job: J,
}

impl<BS: ArraySize, J> BlockSizeUser for ChainClosure<'_, BS, J> {
    type BlockSize = BS;
}

impl<BS: ArraySize, J: EncJob> BlockCipherEncClosure for ChainClosure<'_, BS, J> {
    #[inline]
    fn call<B: BlockCipherEncBackend<BlockSize = BS>>(self, cipher: &B) {
        let mut backend = ChainBackend {
            chain: self.chain.clone(),
            cipher,
        };
        self.job.run(&mut backend);
        *self.chain = backend.chain;
    }
}

/// A CBC-encrypting backend: `cipher`'s backend and the chaining block, by value.
struct ChainBackend<'b, BS: ArraySize, B> {
    chain: Array<u8, BS>,
    cipher: &'b B,
}

impl<BS: ArraySize, B> BlockSizeUser for ChainBackend<'_, BS, B> {
    type BlockSize = BS;
}

impl<BS: ArraySize, B> ParBlocksSizeUser for ChainBackend<'_, BS, B> {
    // CBC encryption is one serial chain.
    type ParBlocksSize = aes::cipher::consts::U1;
}

impl<BS: ArraySize, B: BlockCipherEncBackend<BlockSize = BS>> BlockModeEncBackend
    for ChainBackend<'_, BS, B>
{
    #[inline(always)]
    fn encrypt_block(&mut self, mut block: InOut<'_, '_, Block<Self>>) {
        let mut t = block.clone_in();
        for (a, b) in t.iter_mut().zip(self.chain.iter()) {
            *a ^= *b;
        }
        self.cipher.encrypt_block((&mut t).into());
        self.chain = t.clone();
        *block.get_out() = t;
    }
}

/// A CBC decryptor that keeps the chaining block between records.
#[allow(
    clippy::large_enum_variant,
    reason = "one per connection direction; boxing would allocate for no gain"
)]
pub(crate) enum CbcDecryptor {
    Aes128(cbc::Decryptor<Aes128>),
    Aes256(cbc::Decryptor<Aes256>),
    #[cfg(feature = "legacy-ciphers")]
    TripleDes(cbc::Decryptor<TdesEde3>),
}

impl CbcEncryptor {
    /// `cipher` (AES-128, AES-256 or 3DES-EDE) in CBC mode from `iv` (one block); `None`
    /// for a key or IV of the wrong length or a cipher that is not a block cipher.
    pub(crate) fn new(cipher: BulkCipher, key: &[u8], iv: &[u8]) -> Option<Self> {
        Some(match cipher {
            BulkCipher::Aes128 => Self::Aes128(Chained::new(key, iv)?),
            BulkCipher::Aes256 => Self::Aes256(Chained::new(key, iv)?),
            #[cfg(feature = "legacy-ciphers")]
            BulkCipher::TripleDesEde => Self::TripleDes(Chained::new(key, iv)?),
            #[cfg(feature = "legacy-ciphers")]
            BulkCipher::Rc4_128 => return None,
        })
    }

    /// Runs `job` with the mode's backend (one key setup for the whole call); with `iv`
    /// (one block), the CBC chain restarts from it.
    pub(super) fn with_backend(
        &mut self,
        iv: Option<&[u8]>,
        job: impl EncJob,
    ) -> Result<(), Error> {
        match self {
            Self::Aes128(c) => c.run(iv, job),
            Self::Aes256(c) => c.run(iv, job),
            #[cfg(feature = "legacy-ciphers")]
            Self::TripleDes(c) => c.run(iv, job),
        }
    }

    /// Encrypts the whole blocks of `buf` in place (a partial tail block is left alone;
    /// callers only pass whole blocks). With `iv`, the chain restarts from it. (Tests: the
    /// record layer seals through [`SealInterleaved`](super::interleave::SealInterleaved).)
    #[cfg(test)]
    pub(crate) fn encrypt(&mut self, iv: Option<&[u8]>, buf: &mut [u8]) {
        self.with_backend(iv, EncryptBlocks(buf)).unwrap();
    }
}

impl CbcDecryptor {
    /// `cipher` (AES-128, AES-256 or 3DES-EDE) in CBC mode from `iv` (one block); `None`
    /// for a key or IV of the wrong length or a cipher that is not a block cipher.
    pub(crate) fn new(cipher: BulkCipher, key: &[u8], iv: &[u8]) -> Option<Self> {
        Some(match cipher {
            BulkCipher::Aes128 => Self::Aes128(cbc::Decryptor::new_from_slices(key, iv).ok()?),
            BulkCipher::Aes256 => Self::Aes256(cbc::Decryptor::new_from_slices(key, iv).ok()?),
            #[cfg(feature = "legacy-ciphers")]
            BulkCipher::TripleDesEde => {
                Self::TripleDes(cbc::Decryptor::new_from_slices(key, iv).ok()?)
            }
            #[cfg(feature = "legacy-ciphers")]
            BulkCipher::Rc4_128 => return None,
        })
    }

    /// Runs `job` with the mode's backend (one key setup for the whole call); with `iv`
    /// (one block), the CBC chain restarts from it.
    pub(super) fn with_backend(
        &mut self,
        iv: Option<&[u8]>,
        job: impl DecJob,
    ) -> Result<(), Error> {
        match self {
            Self::Aes128(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&iv_of::<U16>(iv)?);
                }
                c.decrypt_with_backend(closure::<_, U16>(job));
            }
            Self::Aes256(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&iv_of::<U16>(iv)?);
                }
                c.decrypt_with_backend(closure::<_, U16>(job));
            }
            #[cfg(feature = "legacy-ciphers")]
            Self::TripleDes(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&iv_of::<U8>(iv)?);
                }
                c.decrypt_with_backend(closure::<_, U8>(job));
            }
        }
        Ok(())
    }

    /// Decrypts the whole blocks of `buf` in place. With `iv`, the chain restarts from it.
    pub(crate) fn decrypt(&mut self, iv: Option<&[u8]>, buf: &mut [u8]) -> Result<(), Error> {
        self.with_backend(iv, DecryptBlocks(buf))
    }

    /// Copies the chaining block (the block the next record's first block is chained to)
    /// to the front of `out`.
    pub(super) fn chain(&self, out: &mut [u8]) {
        let iv = match self {
            Self::Aes128(c) => c.iv_state(),
            Self::Aes256(c) => c.iv_state(),
            #[cfg(feature = "legacy-ciphers")]
            Self::TripleDes(c) => return copy_front(out, &c.iv_state()),
        };
        copy_front(out, &iv);
    }
}

/// Encrypts the whole blocks of `bytes` through `backend`.
#[inline(always)]
pub(super) fn encrypt_blocks_with<B: BlockModeEncBackend>(backend: &mut B, bytes: &mut [u8]) {
    let (blocks, _) = Array::<u8, B::BlockSize>::slice_as_chunks_mut(bytes);
    for block in blocks {
        backend.encrypt_block(block.into());
    }
}

/// The job that only encrypts (tests' reference sealing).
#[cfg(test)]
struct EncryptBlocks<'r>(&'r mut [u8]);

#[cfg(test)]
impl EncJob for EncryptBlocks<'_> {
    fn run<B: BlockModeEncBackend>(self, backend: &mut B) {
        encrypt_blocks_with(backend, self.0);
    }
}

/// Decrypts the whole blocks of `bytes` through `backend`, several at a time where the
/// backend has a parallel path.
#[inline(always)]
pub(super) fn decrypt_blocks_with<B: BlockModeDecBackend>(backend: &mut B, bytes: &mut [u8]) {
    let (blocks, _) = Array::<u8, B::BlockSize>::slice_as_chunks_mut(bytes);
    let (par, tail) = ParBlocks::<B>::slice_as_chunks_mut(blocks);
    for p in par {
        backend.decrypt_par_blocks_inplace(p);
    }
    for block in tail {
        backend.decrypt_block_inplace(block);
    }
}

/// The job that only decrypts (the MAC-then-encrypt opener, which must decrypt the whole
/// record before its constant-time MAC can start).
struct DecryptBlocks<'r>(&'r mut [u8]);

impl DecJob for DecryptBlocks<'_> {
    #[inline]
    fn run<B: BlockModeDecBackend>(self, backend: &mut B) {
        decrypt_blocks_with(backend, self.0);
    }
}

fn copy_front(out: &mut [u8], src: &[u8]) {
    for (o, s) in out.iter_mut().zip(src) {
        *o = *s;
    }
}

/// Rounds `n` down to a whole number of blocks of `block_len` bytes (8 or 16).
#[inline]
pub(super) fn round_down_to(n: usize, block_len: usize) -> usize {
    n - n.checked_rem(block_len).unwrap_or(0)
}

/// The block length of a backend, as a number.
#[inline]
pub(super) fn block_len_of<B: BlockSizeUser>() -> usize {
    B::BlockSize::USIZE
}
