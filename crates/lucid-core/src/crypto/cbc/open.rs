//! [`CbcOpener`]: checks and decrypts incoming records, with the constant-time
//! MAC-then-encrypt path (Lucky 13; see the module notes in `cbc/mod.rs`).

use subtle::{Choice, ConstantTimeEq};

use super::interleave::OpenInterleaved;
use super::mode::CbcDecryptor;
use super::{Iv, MAX_PLAINTEXT_LEN, check_keys, err_internal, mac_header};
use crate::crypto::hmac_ct::{CtHmacKey, MAX_MAC_LEN, mask_eq, mask_le, opaque};
use crate::crypto::suites::{SuiteParams, uses_explicit_iv};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// Checks and decrypts incoming records for one direction.
pub(crate) struct CbcOpener {
    dec: CbcDecryptor,
    /// The keyed MAC: [`CtHmacKey::stream`] for encrypt-then-MAC (public lengths), a stream
    /// finished by [`MacStream::finish_ct`](crate::crypto::hmac_ct::MacStream::finish_ct)
    /// for MAC-then-encrypt (secret lengths).
    ct_mac: CtHmacKey,
    /// The cipher's block: 16 (AES) or 8 (3DES).
    block_len: usize,
    explicit_iv: bool,
    encrypt_then_mac: bool,
    seq: u64,
}

impl core::fmt::Debug for CbcOpener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CbcOpener")
            .field("explicit_iv", &self.explicit_iv)
            .field("encrypt_then_mac", &self.encrypt_then_mac)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl CbcOpener {
    /// An opener for `suite` at `version`, with the peer's keys from the key block.
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
            dec: CbcDecryptor::new(suite.cipher, enc_key, iv.as_slice())
                .ok_or(())
                .map_err(err_internal)?,
            ct_mac: CtHmacKey::new(mac, mac_key),
            block_len: iv.len,
            explicit_iv: uses_explicit_iv(version),
            encrypt_then_mac,
            seq: 0,
        })
    }

    /// The sequence number the next record must carry.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// Checks and decrypts the record body `payload` (everything after the 5-byte header)
    /// in place, and returns the plaintext, a sub-slice of `payload`.
    ///
    /// `typ` and `version` are the record header's fields (they are covered by the MAC).
    /// Errors: [`Error::BadRecordMac`] for any MAC, padding or length problem (one error,
    /// on purpose), [`Error::RecordOverflow`] for a body over 2^14 + 2048 bytes or an
    /// authenticated plaintext over 2^14 bytes, [`Error::SequenceNumberExhausted`] when the
    /// sequence numbers are used up. After an error the contents of `payload` are
    /// unspecified and the connection must be closed.
    pub(crate) fn open<'b>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'b mut [u8],
    ) -> Result<&'b mut [u8], Error> {
        crate::crypto::check_record_in(self.seq, payload.len())?;
        let iv_len = if self.explicit_iv { self.block_len } else { 0 };
        let (iv_bytes, body) = payload
            .split_at_mut_checked(iv_len)
            .ok_or(Error::BadRecordMac)?;
        let mut iv = Iv::zero(iv_len);
        iv.as_mut_slice().copy_from_slice(iv_bytes);
        let iv = self.explicit_iv.then_some(iv.as_slice());
        let plaintext = if self.encrypt_then_mac {
            self.open_etm(typ, version, iv, body)?
        } else {
            self.open_mte(typ, version, iv, body)?
        };
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordOverflow {
                len: plaintext.len(),
                max: MAX_PLAINTEXT_LEN,
            });
        }
        self.seq += 1;
        Ok(plaintext)
    }

    /// Encrypt-then-MAC: `body` = ciphertext ‖ MAC.
    fn open_etm<'b>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        iv: Option<&[u8]>,
        body: &'b mut [u8],
    ) -> Result<&'b mut [u8], Error> {
        let mac_len = self.ct_mac.mac_len();
        let cipher_len = body.len().checked_sub(mac_len).ok_or(Error::BadRecordMac)?;
        let (cipher, received) = body.split_at_mut(cipher_len);
        if cipher.is_empty() || cipher.len() % self.block_len != 0 {
            return Err(Error::BadRecordMac);
        }
        let iv_bytes: &[u8] = iv.unwrap_or_default();
        let covered_len =
            u16::try_from(iv_bytes.len() + cipher.len()).map_err(|_| Error::BadRecordMac)?;
        let mut mac = self.ct_mac.stream();
        mac.update(&mac_header(self.seq, typ, version, covered_len));
        mac.update(iv_bytes);
        // MACs the ciphertext and decrypts it in place behind the MAC (interleaved); the
        // plaintext is used only once the MAC has been checked.
        self.dec.with_backend(
            iv,
            OpenInterleaved {
                region: cipher,
                mac: &mut mac,
                mte_public: None,
            },
        )?;
        let mut expected = [0u8; MAX_MAC_LEN];
        mac.finish(&mut expected);
        let expected = expected.get(..mac_len).unwrap_or(&[]);
        if !bool::from(expected.ct_eq(received)) {
            return Err(Error::BadRecordMac);
        }

        // Authenticated: the padding is no longer secret.
        let (&pad, _) = cipher.split_last().ok_or(Error::BadRecordMac)?;
        let pad = usize::from(pad);
        let data_len = cipher
            .len()
            .checked_sub(pad + 1)
            .ok_or(Error::BadRecordMac)?;
        let (data, padding) = cipher.split_at_mut(data_len);
        if padding.iter().any(|&b| usize::from(b) != pad) {
            return Err(Error::BadRecordMac);
        }
        Ok(data)
    }

    /// MAC-then-encrypt: `body` = CBC(data ‖ MAC ‖ padding). Constant-time in the padding
    /// length and the MAC; see the module notes.
    fn open_mte<'b>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        iv: Option<&[u8]>,
        body: &'b mut [u8],
    ) -> Result<&'b mut [u8], Error> {
        let mac_len = self.ct_mac.mac_len();
        let bl = self.block_len;
        // 1. Public checks: whole blocks, room for a MAC and the padding-length byte.
        if body.len() % bl != 0 || body.len() < mac_len + 1 {
            return Err(Error::BadRecordMac);
        }
        // 2a. The last block first, into a copy: its last byte is the padding length, which
        //     fixes the length inside the MAC's first block, so the MAC can then run beside
        //     the decryption of the record (2b). CBC decrypts any block from the one before
        //     it; a record has at least two (mac_len + 1 > one block).
        let mut start = Iv::zero(bl);
        match iv {
            Some(iv) => start.as_mut_slice().copy_from_slice(iv),
            None => self.dec.chain(start.as_mut_slice()),
        }
        let (front, last_cipher) = body
            .len()
            .checked_sub(bl)
            .and_then(|at| body.split_at_checked(at))
            .ok_or(Error::BadRecordMac)?;
        let before_last = front
            .len()
            .checked_sub(bl)
            .and_then(|at| front.get(at..))
            .ok_or(Error::BadRecordMac)?;
        let mut last = Iv::zero(bl);
        last.as_mut_slice().copy_from_slice(last_cipher);
        self.dec.decrypt(Some(before_last), last.as_mut_slice())?;

        let total = u32::try_from(body.len()).map_err(|_| Error::BadRecordMac)?;
        let mac_len32 = u32::try_from(mac_len).map_err(|_| Error::BadRecordMac)?;
        let (&pad_byte, _) = last.as_slice().split_last().ok_or(Error::BadRecordMac)?;
        // The padding length is secret until the MAC is checked. It passes an optimisation
        // barrier once; every mask below is arithmetic on it ([`mask_le`], [`mask_eq`]:
        // all-ones or zero words from a sign bit), never a branch or an index.
        let pad_byte = opaque(u32::from(pad_byte));

        // 3. Does padding_length + 1 + MAC fit? If not, carry on with padding 0.
        let fits = mask_le(pad_byte + 1 + mac_len32, total);
        let pad = pad_byte & fits;

        // The MAC input: seq ‖ type ‖ version ‖ length ‖ data with the data length secret,
        // in [min_len, max_len] (public).
        let data_len = total - 1 - mac_len32 - pad; // ≥ 0: pad ≤ total - 1 - mac_len
        let max_len = body.len() - 1 - mac_len;
        let min_len = max_len.saturating_sub(255);
        // data_len ≤ 2^14 + 2048 < 2^16: the truncation is exact.
        let header = mac_header(self.seq, typ, version, data_len as u16);

        // 2b. Decrypt everything from the record's IV, while the MAC takes the blocks that
        //     are data whatever the padding length (step 5's ordinary blocks; how many
        //     depends only on `min_len`, public). Hashing the header, which holds the secret
        //     length, is a compression like any other: its time does not depend on the
        //     value.
        let mut mac = self.ct_mac.stream();
        let public = mac.ct_public_len(header.len(), min_len);
        if public > 0 {
            mac.update(&header);
        }
        self.dec.with_backend(
            Some(start.as_slice()),
            OpenInterleaved {
                region: body,
                mac: &mut mac,
                mte_public: Some(public),
            },
        )?;

        // 4. Every byte inside the padding must equal padding_length: scan a fixed window,
        //    OR-ing the differences of the bytes inside the padding into one word.
        let mut bad = 0u32;
        for (i, &b) in body.iter().rev().take(256).enumerate() {
            bad |= mask_le(i as u32, pad) & (u32::from(b) ^ pad);
        }
        let good = fits & mask_eq(bad, 0);

        // 5. The rest of the MAC: every block where the data may end, built with masks
        //    (`MacStream::finish_ct`; the compression count depends only on `max_len`).
        let mut expected = [0u8; MAX_MAC_LEN];
        let data_region = body.get(..max_len).unwrap_or(&[]);
        mac.finish_ct(&header, data_region, data_len, &mut expected);

        // 6. Copy the received MAC from its secret offset `data_len`: visit every
        //    candidate offset, keep the bytes under an equality mask (a byte-wide AND/OR
        //    over the MAC's length per offset, which the compiler vectorises).
        let mut received = [0u8; MAX_MAC_LEN];
        for offset in min_len..=max_len {
            let hit = mask_eq(offset as u32, data_len) as u8;
            let candidate = body.get(offset..offset + mac_len).unwrap_or(&[]);
            for (r, &c) in received.iter_mut().zip(candidate) {
                *r |= c & hit;
            }
        }

        // 7. Compare, fold in the padding verdict; only now does anything become public.
        let expected = expected.get(..mac_len).unwrap_or(&[]);
        let received = received.get(..mac_len).unwrap_or(&[]);
        let good = Choice::from((good & 1) as u8) & expected.ct_eq(received);
        if !bool::from(good) {
            return Err(Error::BadRecordMac);
        }
        body.get_mut(..data_len as usize).ok_or(Error::BadRecordMac)
    }
}
