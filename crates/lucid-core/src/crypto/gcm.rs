//! AES-GCM record protection for TLS 1.2 (RFC 5288, RFC 5246 §6.2.3.3).
//!
//! # Implementation notes
//!
//! A GCM record's body is `nonce_explicit(8) ‖ ciphertext ‖ tag(16)`. The 12-byte nonce is
//! the 4-byte implicit salt from the key block (`client/server_write_IV`) followed by the
//! explicit part. The sender uses its record sequence number as the explicit part (RFC 5288
//! §3 allows any value that never repeats under one key; the sequence number is what
//! OpenSSL, NSS and rustls send, and it cannot repeat because the sequence number never
//! wraps). The receiver takes the explicit part from the wire and does not require it to
//! equal the sequence number: repeated or out-of-order values from a peer are accepted, as
//! the other implementations do — the sequence number still goes into the additional data,
//! so a replayed or reordered record fails its tag.
//!
//! The additional data is `seq_num ‖ type ‖ version ‖ length` with the plaintext length
//! ([`super::record_pseudo_header`], shared with the CBC MAC). Encryption and decryption
//! run in place (the plaintext is never copied); encrypt-then-MAC never applies. A tag
//! failure is [`Error::BadRecordMac`] (bad_record_mac), the same error as a CBC MAC failure;
//! the tag comparison is the `aes-gcm` crate's constant-time one, and GCM decryption has
//! no padding, so nothing secret decides a branch here.

use alloc::vec::Vec;
use core::fmt;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};

/// The 12-byte GCM nonce: implicit salt ‖ explicit part.
type GcmNonce = Nonce<aes_gcm::aead::consts::U12>;

use super::record_pseudo_header;
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};
#[cfg(test)]
use crate::msgs::record::MAX_CIPHERTEXT;
use crate::msgs::record::{HEADER_LEN, MAX_PLAINTEXT, RecordHeader};

/// Length of the implicit nonce part from the key block.
pub(crate) const SALT_LEN: usize = 4;
/// Length of the explicit nonce part carried in each record.
pub(crate) const EXPLICIT_NONCE_LEN: usize = 8;
/// Length of the authentication tag.
pub(crate) const TAG_LEN: usize = 16;
/// Bytes a GCM record adds to its plaintext (header excluded).
pub(crate) const OVERHEAD: usize = EXPLICIT_NONCE_LEN + TAG_LEN;

/// AES-128-GCM or AES-256-GCM, keyed.
#[allow(
    clippy::large_enum_variant,
    reason = "the AES-256 key schedule is ~250 bytes larger; boxing it would cost an allocation per connection to save them"
)]
enum Cipher {
    Aes128(Aes128Gcm),
    Aes256(Aes256Gcm),
}

impl Cipher {
    fn new(key: &[u8]) -> Result<Self, Error> {
        let bad = |_| Error::Misuse("record key length does not match the suite");
        match key.len() {
            16 => Aes128Gcm::new_from_slice(key)
                .map(Self::Aes128)
                .map_err(bad),
            32 => Aes256Gcm::new_from_slice(key)
                .map(Self::Aes256)
                .map_err(bad),
            _ => Err(Error::Misuse("record key length does not match the suite")),
        }
    }

    fn encrypt(&self, nonce: &GcmNonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        let res = match self {
            Self::Aes128(c) => c.encrypt_inout_detached(nonce, aad, buf.into()),
            Self::Aes256(c) => c.encrypt_inout_detached(nonce, aad, buf.into()),
        };
        // Only plaintexts over 2^36 bytes fail; records are at most 2^14.
        res.map_err(|_| Error::Internal("GCM encryption"))
    }

    fn decrypt(
        &self,
        nonce: &GcmNonce,
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        let res = match self {
            Self::Aes128(c) => c.decrypt_inout_detached(nonce, aad, buf.into(), tag),
            Self::Aes256(c) => c.decrypt_inout_detached(nonce, aad, buf.into(), tag),
        };
        res.map_err(|_| Error::BadRecordMac)
    }
}

fn nonce(salt: &[u8; SALT_LEN], explicit: &[u8; EXPLICIT_NONCE_LEN]) -> GcmNonce {
    let mut n = Nonce::default();
    let (s, e) = n.split_at_mut(SALT_LEN);
    s.copy_from_slice(salt);
    e.copy_from_slice(explicit);
    n
}

fn salt_from(iv: &[u8]) -> Result<[u8; SALT_LEN], Error> {
    iv.try_into()
        .map_err(|_| Error::Misuse("GCM records need a 4-byte implicit nonce"))
}

/// Protects outgoing GCM records for one direction.
pub(crate) struct GcmSealer {
    cipher: Cipher,
    salt: [u8; SALT_LEN],
    seq: u64,
}

impl fmt::Debug for GcmSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcmSealer")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl GcmSealer {
    /// A sealer with this direction's key and 4-byte implicit nonce (`write_IV`).
    pub(crate) fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            cipher: Cipher::new(key)?,
            salt: salt_from(iv)?,
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

    /// Appends one protected record (header and body) carrying `plaintext` to `out`. Does
    /// not allocate when `out` has room for `HEADER_LEN + OVERHEAD + plaintext.len()` more
    /// bytes; on error nothing is appended.
    pub(crate) fn seal(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if self.seq == u64::MAX {
            return Err(Error::SequenceNumberExhausted);
        }
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(Error::Misuse("plaintext fragment longer than 2^14 bytes"));
        }
        // ≤ 2^14 + 24, so both lengths fit in u16.
        let plain_len = plaintext.len() as u16;
        let body_len = (plaintext.len() + OVERHEAD) as u16;
        let explicit = self.seq.to_be_bytes();
        let aad = record_pseudo_header(self.seq, typ, version, plain_len);
        let start = out.len();
        out.reserve(HEADER_LEN + usize::from(body_len));
        crate::codec::Codec::encode(
            &RecordHeader {
                typ,
                version,
                len: body_len,
            },
            out,
        );
        out.extend_from_slice(&explicit);
        let text_at = out.len();
        out.extend_from_slice(plaintext);
        let res = match out.get_mut(text_at..) {
            Some(text) => self
                .cipher
                .encrypt(&nonce(&self.salt, &explicit), &aad, text),
            None => Err(Error::Internal("GCM record buffer")),
        };
        match res {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                self.seq += 1;
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }
}

/// Checks and decrypts incoming GCM records for one direction.
pub(crate) struct GcmOpener {
    cipher: Cipher,
    salt: [u8; SALT_LEN],
    seq: u64,
}

impl fmt::Debug for GcmOpener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcmOpener")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl GcmOpener {
    /// An opener with the peer's key and 4-byte implicit nonce (`write_IV`).
    pub(crate) fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            cipher: Cipher::new(key)?,
            salt: salt_from(iv)?,
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

    /// Checks and decrypts the record body `payload` (after the 5-byte header) in place;
    /// returns the plaintext, a sub-slice of `payload`.
    ///
    /// Errors: [`Error::BadRecordMac`] for a body too short to hold nonce and tag or a tag
    /// that does not verify, [`Error::RecordOverflow`] for a body over 2^14 + 2048 bytes or
    /// a plaintext over 2^14 bytes, [`Error::SequenceNumberExhausted`].
    pub(crate) fn open<'b>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'b mut [u8],
    ) -> Result<&'b mut [u8], Error> {
        super::check_record_in(self.seq, payload.len())?;
        let (explicit, rest) = payload
            .split_first_chunk_mut::<EXPLICIT_NONCE_LEN>()
            .ok_or(Error::BadRecordMac)?;
        let (text, tag) = rest
            .split_last_chunk_mut::<TAG_LEN>()
            .ok_or(Error::BadRecordMac)?;
        // The plaintext length is public (the record length minus the fixed overhead).
        if text.len() > MAX_PLAINTEXT {
            return Err(Error::RecordOverflow {
                len: text.len(),
                max: MAX_PLAINTEXT,
            });
        }
        let aad = record_pseudo_header(self.seq, typ, version, text.len() as u16);
        let nonce = nonce(&self.salt, explicit);
        self.cipher.decrypt(&nonce, &aad, text, &Tag::from(*tag))?;
        self.seq += 1;
        Ok(text)
    }
}

#[cfg(test)]
#[path = "gcm_test.rs"]
mod tests;
