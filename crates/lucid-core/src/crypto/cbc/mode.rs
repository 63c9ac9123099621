//! The AES-CBC mode objects (AES-128 or AES-256 by key length) and the block-mode closures
//! that only encrypt or only decrypt.

use aes::cipher::{
    Array, BlockModeDecBackend, BlockModeDecClosure, BlockModeDecrypt, BlockModeEncBackend,
    BlockModeEncClosure, BlockModeEncrypt, BlockSizeUser, KeyIvInit, ParBlocks, SetIvState,
    consts::U16,
};
use aes::{Aes128, Aes256};

use crate::crypto::suites::AES_BLOCK_LEN;

type Block = Array<u8, U16>;

/// An AES-CBC encryptor that keeps the chaining block between records.
#[allow(
    clippy::large_enum_variant,
    reason = "one per connection direction; boxing would allocate for no gain"
)]
pub(crate) enum CbcEncryptor {
    Aes128(cbc::Encryptor<Aes128>),
    Aes256(cbc::Encryptor<Aes256>),
}

/// An AES-CBC decryptor that keeps the chaining block between records.
#[allow(
    clippy::large_enum_variant,
    reason = "one per connection direction; boxing would allocate for no gain"
)]
pub(crate) enum CbcDecryptor {
    Aes128(cbc::Decryptor<Aes128>),
    Aes256(cbc::Decryptor<Aes256>),
}

impl CbcEncryptor {
    /// AES-128 or AES-256 by key length; `None` for any other length.
    pub(crate) fn new(key: &[u8], iv: &[u8; AES_BLOCK_LEN]) -> Option<Self> {
        Some(match key.len() {
            16 => Self::Aes128(cbc::Encryptor::new_from_slices(key, iv).ok()?),
            32 => Self::Aes256(cbc::Encryptor::new_from_slices(key, iv).ok()?),
            _ => return None,
        })
    }

    /// Runs `f` with the mode's backend (one AES key setup for the whole call); with `iv`,
    /// the CBC chain restarts from it.
    pub(super) fn with_backend(
        &mut self,
        iv: Option<&[u8; AES_BLOCK_LEN]>,
        f: impl BlockModeEncClosure<BlockSize = U16>,
    ) {
        match self {
            Self::Aes128(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&Block::from(*iv));
                }
                c.encrypt_with_backend(f);
            }
            Self::Aes256(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&Block::from(*iv));
                }
                c.encrypt_with_backend(f);
            }
        }
    }

    /// Encrypts the whole blocks of `buf` in place (a partial tail block is left alone;
    /// callers only pass whole blocks). With `iv`, the chain restarts from it. (Tests: the
    /// record layer seals through [`SealInterleaved`](super::interleave::SealInterleaved).)
    #[cfg(test)]
    pub(crate) fn encrypt(&mut self, iv: Option<&[u8; AES_BLOCK_LEN]>, buf: &mut [u8]) {
        self.with_backend(iv, EncryptBlocks(buf));
    }
}

impl CbcDecryptor {
    /// AES-128 or AES-256 by key length; `None` for any other length.
    pub(crate) fn new(key: &[u8], iv: &[u8; AES_BLOCK_LEN]) -> Option<Self> {
        Some(match key.len() {
            16 => Self::Aes128(cbc::Decryptor::new_from_slices(key, iv).ok()?),
            32 => Self::Aes256(cbc::Decryptor::new_from_slices(key, iv).ok()?),
            _ => return None,
        })
    }

    /// Runs `f` with the mode's backend (one AES key setup for the whole call); with `iv`,
    /// the CBC chain restarts from it.
    pub(super) fn with_backend(
        &mut self,
        iv: Option<&[u8; AES_BLOCK_LEN]>,
        f: impl BlockModeDecClosure<BlockSize = U16>,
    ) {
        match self {
            Self::Aes128(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&Block::from(*iv));
                }
                c.decrypt_with_backend(f);
            }
            Self::Aes256(c) => {
                if let Some(iv) = iv {
                    c.set_iv(&Block::from(*iv));
                }
                c.decrypt_with_backend(f);
            }
        }
    }

    /// Decrypts the whole blocks of `buf` in place. With `iv`, the chain restarts from it.
    pub(crate) fn decrypt(&mut self, iv: Option<&[u8; AES_BLOCK_LEN]>, buf: &mut [u8]) {
        self.with_backend(iv, DecryptBlocks(buf));
    }
}

/// Encrypts the whole blocks of `bytes` through `backend`.
#[inline(always)]
pub(super) fn encrypt_blocks_with<B: BlockModeEncBackend<BlockSize = U16>>(
    backend: &mut B,
    bytes: &mut [u8],
) {
    let (blocks, _) = Block::slice_as_chunks_mut(bytes);
    for block in blocks {
        backend.encrypt_block(block.into());
    }
}

/// The [`BlockModeEncClosure`] that only encrypts (tests' reference sealing).
#[cfg(test)]
struct EncryptBlocks<'r>(&'r mut [u8]);

#[cfg(test)]
impl BlockSizeUser for EncryptBlocks<'_> {
    type BlockSize = U16;
}

#[cfg(test)]
impl BlockModeEncClosure for EncryptBlocks<'_> {
    fn call<B: BlockModeEncBackend<BlockSize = U16>>(self, backend: &mut B) {
        encrypt_blocks_with(backend, self.0);
    }
}

/// Decrypts the whole blocks of `bytes` through `backend`, several at a time where the
/// backend has a parallel path.
#[inline(always)]
pub(super) fn decrypt_blocks_with<B: BlockModeDecBackend<BlockSize = U16>>(
    backend: &mut B,
    bytes: &mut [u8],
) {
    let (blocks, _) = Block::slice_as_chunks_mut(bytes);
    let (par, tail) = ParBlocks::<B>::slice_as_chunks_mut(blocks);
    for p in par {
        backend.decrypt_par_blocks_inplace(p);
    }
    for block in tail {
        backend.decrypt_block_inplace(block);
    }
}

/// The [`BlockModeDecClosure`] that only decrypts (the MAC-then-encrypt opener, which
/// must decrypt the whole record before its constant-time MAC can start).
struct DecryptBlocks<'r>(&'r mut [u8]);

impl BlockSizeUser for DecryptBlocks<'_> {
    type BlockSize = U16;
}

impl BlockModeDecClosure for DecryptBlocks<'_> {
    fn call<B: BlockModeDecBackend<BlockSize = U16>>(self, backend: &mut B) {
        decrypt_blocks_with(backend, self.0);
    }
}
