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
//! GCM decryption has no padding, so nothing secret decides a branch here.
//!
//! Two implementations sit behind one private `Cipher`, chosen once when a record key is set
//! up: the RustCrypto `aes-gcm` crate (portable, `no_std`; AES-CTR then GHASH, one pass
//! after the other), and, with the `graviola-gcm` feature on x86_64 or aarch64 and only when
//! the CPU has the instructions graviola needs, `graviola`'s AES-GCM (AES-CTR and GHASH
//! stitched in one assembly loop). Both compare tags in constant time (`aes-gcm`: `subtle`;
//! graviola: its `ct_equal`, an assembly byte-difference accumulator). A failed open leaves
//! the record buffer unspecified (graviola zeroes it, `aes-gcm` leaves the ciphertext); the
//! connection is dead after it either way. The two are checked against each other byte for
//! byte and against Wycheproof in `gcm_test.rs`.

use alloc::vec::Vec;
use core::fmt;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};

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
/// Length of the whole GCM nonce: implicit salt ‖ explicit part.
const NONCE_LEN: usize = SALT_LEN + EXPLICIT_NONCE_LEN;

/// The name of the implementation new GCM record keys get on this machine: `"graviola"` or
/// `"aes-gcm"` (what the benchmarks print beside their GCM rows).
pub(crate) fn backend_name() -> &'static str {
    if fast::available() {
        "graviola"
    } else {
        "aes-gcm"
    }
}

/// graviola's AES-GCM: built with the `graviola-gcm` feature on x86_64 and aarch64.
#[cfg(all(
    feature = "graviola-gcm",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod fast {
    use super::{NONCE_LEN, TAG_LEN};

    /// graviola's key schedule and GHASH table (both zeroized by graviola on drop).
    pub(super) struct Gcm(graviola::aead::AesGcm);

    /// Whether this CPU has every instruction graviola uses. Every graviola entry point
    /// asserts it (a panic, not an error), so lucid asks before keying one.
    pub(super) fn available() -> bool {
        graviola::util::is_cpu_supported()
    }

    impl Gcm {
        /// `None` when the CPU lacks graviola's features or the key is not 16 or 32 bytes
        /// (graviola panics on other lengths).
        pub(super) fn new(key: &[u8]) -> Option<Self> {
            (matches!(key.len(), 16 | 32) && available())
                .then(|| Self(graviola::aead::AesGcm::new(key)))
        }

        pub(super) fn encrypt(
            &self,
            nonce: &[u8; NONCE_LEN],
            aad: &[u8],
            buf: &mut [u8],
        ) -> [u8; TAG_LEN] {
            let mut tag = [0; TAG_LEN];
            self.0.encrypt(nonce, aad, buf, &mut tag);
            tag
        }

        /// Whether the tag verified (compared in constant time by graviola).
        pub(super) fn decrypt(
            &self,
            nonce: &[u8; NONCE_LEN],
            aad: &[u8],
            buf: &mut [u8],
            tag: &[u8; TAG_LEN],
        ) -> bool {
            self.0.decrypt(nonce, aad, buf, tag).is_ok()
        }
    }
}

/// Without graviola (feature off, or another target) there is no fast backend: an
/// uninhabited stand-in, so `Cipher` needs no `cfg` of its own.
#[cfg(not(all(
    feature = "graviola-gcm",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod fast {
    use super::{NONCE_LEN, TAG_LEN};

    pub(super) enum Gcm {}

    pub(super) fn available() -> bool {
        false
    }

    impl Gcm {
        pub(super) fn new(_key: &[u8]) -> Option<Self> {
            None
        }

        pub(super) fn encrypt(
            &self,
            _nonce: &[u8; NONCE_LEN],
            _aad: &[u8],
            _buf: &mut [u8],
        ) -> [u8; TAG_LEN] {
            match *self {}
        }

        pub(super) fn decrypt(
            &self,
            _nonce: &[u8; NONCE_LEN],
            _aad: &[u8],
            _buf: &mut [u8],
            _tag: &[u8; TAG_LEN],
        ) -> bool {
            match *self {}
        }
    }
}

/// AES-128-GCM or AES-256-GCM, keyed, in one of the two implementations.
#[allow(
    clippy::large_enum_variant,
    reason = "the AES-256 key schedule is ~250 bytes larger; boxing it would cost an allocation per connection to save them"
)]
enum Cipher {
    /// RustCrypto `aes-gcm`, AES-128.
    Aes128(Aes128Gcm),
    /// RustCrypto `aes-gcm`, AES-256.
    Aes256(Aes256Gcm),
    /// graviola, either key size (see [`fast`]). Boxed: its key schedule and GHASH powers
    /// are ~360 bytes larger than `Aes256Gcm`, and inline they would grow every record
    /// protection (CBC ones too) by that much; the box is one allocation per record key,
    /// made during the handshake.
    Fast(alloc::boxed::Box<fast::Gcm>),
}

impl Cipher {
    /// The fast backend when this build and CPU have it, else the portable one.
    fn new(key: &[u8]) -> Result<Self, Error> {
        match fast::Gcm::new(key) {
            Some(c) => Ok(Self::Fast(alloc::boxed::Box::new(c))),
            None => Self::portable(key),
        }
    }

    /// Which implementation this is, as [`backend_name`] names them.
    fn name(&self) -> &'static str {
        match self {
            Self::Aes128(_) | Self::Aes256(_) => "aes-gcm",
            Self::Fast(_) => "graviola",
        }
    }

    /// RustCrypto `aes-gcm`, whatever the CPU.
    fn portable(key: &[u8]) -> Result<Self, Error> {
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

    fn encrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        let n = Nonce::from(*nonce);
        let res = match self {
            Self::Aes128(c) => c.encrypt_inout_detached(&n, aad, buf.into()),
            Self::Aes256(c) => c.encrypt_inout_detached(&n, aad, buf.into()),
            Self::Fast(c) => return Ok(c.encrypt(nonce, aad, buf)),
        };
        // Only plaintexts over 2^36 bytes fail; records are at most 2^14.
        res.map(Into::into)
            .map_err(|_| Error::Internal("GCM encryption"))
    }

    /// Decrypts `buf` in place if `tag` verifies; on [`Error::BadRecordMac`] the contents of
    /// `buf` are unspecified.
    fn decrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Error> {
        let n = Nonce::from(*nonce);
        let t = Tag::from(*tag);
        let ok = match self {
            Self::Aes128(c) => c.decrypt_inout_detached(&n, aad, buf.into(), &t).is_ok(),
            Self::Aes256(c) => c.decrypt_inout_detached(&n, aad, buf.into(), &t).is_ok(),
            Self::Fast(c) => c.decrypt(nonce, aad, buf, tag),
        };
        if ok { Ok(()) } else { Err(Error::BadRecordMac) }
    }
}

fn nonce(salt: &[u8; SALT_LEN], explicit: &[u8; EXPLICIT_NONCE_LEN]) -> [u8; NONCE_LEN] {
    let mut n = [0; NONCE_LEN];
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
            .field("backend", &self.cipher.name())
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl GcmSealer {
    /// A sealer with this direction's key and 4-byte implicit nonce (`write_IV`).
    pub(crate) fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Self::with_cipher(Cipher::new(key)?, iv)
    }

    fn with_cipher(cipher: Cipher, iv: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            cipher,
            salt: salt_from(iv)?,
            seq: 0,
        })
    }

    /// On the portable `aes-gcm` backend whatever the CPU (the `gcm_open` fuzz target
    /// compares the two backends).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn portable(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Self::with_cipher(Cipher::portable(key)?, iv)
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
            .field("backend", &self.cipher.name())
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl GcmOpener {
    /// An opener with the peer's key and 4-byte implicit nonce (`write_IV`).
    pub(crate) fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Self::with_cipher(Cipher::new(key)?, iv)
    }

    fn with_cipher(cipher: Cipher, iv: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            cipher,
            salt: salt_from(iv)?,
            seq: 0,
        })
    }

    /// On the portable `aes-gcm` backend whatever the CPU (the `gcm_open` fuzz target
    /// compares the two backends).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn portable(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Self::with_cipher(Cipher::portable(key)?, iv)
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
        self.cipher.decrypt(&nonce, &aad, text, tag)?;
        self.seq += 1;
        Ok(text)
    }
}

#[cfg(test)]
#[path = "gcm_test.rs"]
mod tests;
