//! [`CbcSealer`]: protects outgoing records.

use alloc::vec::Vec;
use rand_core::CryptoRng;

use super::interleave::SealInterleaved;
use super::mode::CbcEncryptor;
#[cfg(test)]
use super::mode::round_down_to;
use super::{HEADER_LEN, Iv, MAX_PLAINTEXT_LEN, check_keys, err_internal, mac_header};
use crate::crypto::hmac_ct::{CtHmacKey, MAX_MAC_LEN};
use crate::crypto::suites::{SuiteParams, uses_explicit_iv};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// Protects outgoing records for one direction.
pub(crate) struct CbcSealer {
    enc: CbcEncryptor,
    mac: CtHmacKey,
    /// The cipher's block: 16 (AES) or 8 (3DES).
    block_len: usize,
    explicit_iv: bool,
    encrypt_then_mac: bool,
    seq: u64,
}

impl core::fmt::Debug for CbcSealer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CbcSealer")
            .field("explicit_iv", &self.explicit_iv)
            .field("encrypt_then_mac", &self.encrypt_then_mac)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl CbcSealer {
    /// A sealer for `suite` at `version`, with this direction's keys from the key block.
    ///
    /// `iv` is the key-block IV for TLS 1.0 and must be empty for TLS 1.1+. Wrong key
    /// lengths are a [`Error::Misuse`].
    pub(crate) fn new(
        suite: &SuiteParams,
        version: ProtocolVersion,
        mac_key: &[u8],
        enc_key: &[u8],
        iv: &[u8],
        encrypt_then_mac: bool,
    ) -> Result<Self, Error> {
        let mac = suite.mac().ok_or(Error::Misuse("not a CBC suite"))?;
        let iv = check_keys(suite, version, mac_key, enc_key, iv)?;
        Ok(Self {
            enc: CbcEncryptor::new(suite.cipher, enc_key, iv.as_slice())
                .ok_or(())
                .map_err(err_internal)?,
            mac: CtHmacKey::new(mac, mac_key),
            block_len: iv.len,
            explicit_iv: uses_explicit_iv(version),
            encrypt_then_mac,
            seq: 0,
        })
    }

    /// The sequence number the next record will use.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }

    fn mac_len(&self) -> usize {
        self.mac.mac_len()
    }

    fn iv_len(&self) -> usize {
        if self.explicit_iv { self.block_len } else { 0 }
    }

    /// Most bytes a record adds to its plaintext, header included:
    /// header + explicit IV + MAC + up to one block of padding.
    #[cfg(test)]
    pub(crate) fn overhead_max(&self) -> usize {
        HEADER_LEN + self.iv_len() + self.mac_len() + self.block_len
    }

    /// The longest plaintext (at most 2^14) whose whole record, header included, fits in
    /// `record_len` bytes; 0 if none does.
    #[cfg(test)]
    pub(crate) fn max_plaintext_for(&self, record_len: usize) -> usize {
        let body = record_len.saturating_sub(HEADER_LEN + self.iv_len());
        let fit = if self.encrypt_then_mac {
            round_down_to(body.saturating_sub(self.mac_len()), self.block_len).saturating_sub(1)
        } else {
            round_down_to(body, self.block_len).saturating_sub(self.mac_len() + 1)
        };
        fit.min(MAX_PLAINTEXT_LEN)
    }

    /// Appends one protected record (5-byte header and body) carrying `plaintext` to `out`.
    ///
    /// `plaintext` must be at most 2^14 bytes ([`Error::Misuse`] otherwise). `rng` supplies
    /// the explicit IV for TLS 1.1+ and is not used for TLS 1.0. Does not allocate when `out`
    /// has room for the header, an explicit IV, the MAC and a block of padding beyond
    /// `plaintext.len()`. On error nothing
    /// is appended.
    pub(crate) fn seal(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        plaintext: &[u8],
        out: &mut Vec<u8>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(), Error> {
        self.seal_with_padding(typ, version, plaintext, out, rng, None)
    }

    /// `seal`, optionally with a chosen padding length (tests: every padding length must
    /// be accepted by the opener, and costs the same there).
    pub(crate) fn seal_with_padding(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        plaintext: &[u8],
        out: &mut Vec<u8>,
        rng: &mut (impl CryptoRng + ?Sized),
        padding_len: Option<u8>,
    ) -> Result<(), Error> {
        if self.seq == u64::MAX {
            return Err(Error::SequenceNumberExhausted);
        }
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::Misuse("plaintext fragment longer than 2^14 bytes"));
        }
        let mac_len = self.mac_len();
        // Bytes that the padding must round up to a whole number of blocks.
        let padded = if self.encrypt_then_mac {
            plaintext.len()
        } else {
            plaintext.len() + mac_len
        };
        let bl = self.block_len;
        let pad = match padding_len {
            None => (bl - 1 - padded % bl) as u8,
            Some(p) if (padded + usize::from(p) + 1) % bl == 0 => p,
            Some(_) => return Err(Error::Misuse("padding does not fill the last block")),
        };
        let cipher_len = padded + usize::from(pad) + 1;
        let body_len = self.iv_len() + cipher_len + if self.encrypt_then_mac { mac_len } else { 0 };
        let body_len16 = u16::try_from(body_len).map_err(err_internal)?;
        // ≤ 2^14 checked above
        let plain_len16 = u16::try_from(plaintext.len()).map_err(err_internal)?;
        let etm_covered_len16 = u16::try_from(self.iv_len() + cipher_len).map_err(err_internal)?;

        let start = out.len();
        out.reserve(HEADER_LEN + body_len);
        out.push(typ.0);
        out.extend_from_slice(&version.0.to_be_bytes());
        out.extend_from_slice(&body_len16.to_be_bytes());

        let mut iv = Iv::zero(self.block_len);
        if self.explicit_iv {
            rng.fill_bytes(iv.as_mut_slice());
            out.extend_from_slice(iv.as_slice());
        }
        let cipher_start = out.len();
        out.extend_from_slice(plaintext);
        if !self.encrypt_then_mac {
            // Room for the MAC, filled in by `SealInterleaved` before its blocks are
            // encrypted.
            out.resize(out.len() + mac_len, 0);
        }
        out.resize(out.len() + usize::from(pad) + 1, pad);
        let explicit = self.explicit_iv.then_some(iv.as_slice());
        let Some(region) = out.get_mut(cipher_start..) else {
            out.truncate(start);
            return Err(Error::Internal("CBC record layout"));
        };
        let mut tag = [0u8; MAX_MAC_LEN];
        let mut mac = self.mac.stream();
        let mte_plaintext = if self.encrypt_then_mac {
            mac.update(&mac_header(self.seq, typ, version, etm_covered_len16));
            mac.update(explicit.unwrap_or_default());
            None
        } else {
            mac.update(&mac_header(self.seq, typ, version, plain_len16));
            Some(plaintext)
        };
        if let Err(e) = self.enc.with_backend(
            explicit,
            SealInterleaved {
                region,
                plaintext: mte_plaintext,
                mac,
                tag: &mut tag,
            },
        ) {
            out.truncate(start);
            return Err(e);
        }
        if self.encrypt_then_mac {
            out.extend_from_slice(tag.get(..mac_len).unwrap_or(&[]));
        }
        self.seq += 1;
        Ok(())
    }
}
