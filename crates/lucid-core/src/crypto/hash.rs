//! The running handshake hash (RFC 5246 §7.4.9, RFC 2246 §7.4.9).
//!
//! TLS 1.0 / 1.1 Finished messages use `MD5(handshake) ‖ SHA-1(handshake)` (36 bytes);
//! TLS 1.2 with lucid's suites uses `SHA-256(handshake)` (32 bytes). The version is not known
//! when the ClientHello is hashed, so a fresh [`Transcript`] feeds all three hashes until
//! [`Transcript::set_version`] keeps only the ones that version needs. Reading the hash
//! clones the running state, so each Finished costs one finalisation, not a re-hash.

use core::fmt;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::crypto::prf::uses_sha256_prf;
use crate::error::Error;
use crate::msgs::enums::ProtocolVersion;

const MAX_HASH_LEN: usize = 36;

/// A handshake hash value: 36 bytes (MD5 ‖ SHA-1) or 32 bytes (SHA-256).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HashValue {
    buf: [u8; MAX_HASH_LEN],
    len: u8,
}

impl HashValue {
    /// Longest hash value (MD5 ‖ SHA-1).
    pub const MAX_LEN: usize = MAX_HASH_LEN;

    fn new(parts: &[&[u8]]) -> Self {
        let mut v = Self {
            buf: [0; Self::MAX_LEN],
            len: 0,
        };
        let mut at = 0usize;
        for part in parts {
            let end = at + part.len();
            if let Some(dst) = v.buf.get_mut(at..end) {
                dst.copy_from_slice(part);
                at = end;
            }
        }
        // `at` ≤ MAX_LEN = 36, so it fits.
        v.len = u8::try_from(at).unwrap_or(0);
        v
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false; present for symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsRef<[u8]> for HashValue {
    fn as_ref(&self) -> &[u8] {
        self.buf.get(..self.len()).unwrap_or(&[])
    }
}

impl fmt::Debug for HashValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashValue(")?;
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

#[derive(Clone)]
enum State {
    Undecided {
        md5: Md5,
        sha1: Sha1,
        sha256: Sha256,
    },
    Legacy {
        md5: Md5,
        sha1: Sha1,
    },
    Sha256(Sha256),
}

/// The incremental handshake transcript hash.
///
/// Feed every handshake message (header included, RFC 5246 §7.4.9) with [`Self::add`], in
/// order; call [`Self::set_version`] once the version is negotiated.
#[derive(Clone)]
pub struct Transcript {
    state: State,
}

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.state {
            State::Undecided { .. } => "undecided",
            State::Legacy { .. } => "MD5+SHA-1",
            State::Sha256(_) => "SHA-256",
        };
        f.debug_struct("Transcript").field("hash", &kind).finish()
    }
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript that does not know the version yet.
    pub fn new() -> Self {
        Self {
            state: State::Undecided {
                md5: Md5::new(),
                sha1: Sha1::new(),
                sha256: Sha256::new(),
            },
        }
    }

    /// Keeps only the hash(es) `version` needs.
    ///
    /// Calling it again with a version of the same kind is a no-op; switching kind after the
    /// choice was made is a [`Error::Misuse`] (the dropped state cannot be recovered).
    pub fn set_version(&mut self, version: ProtocolVersion) -> Result<(), Error> {
        let want_sha256 = uses_sha256_prf(version);
        let next = match (&self.state, want_sha256) {
            (State::Undecided { sha256, .. }, true) => State::Sha256(sha256.clone()),
            (State::Undecided { md5, sha1, .. }, false) => State::Legacy {
                md5: md5.clone(),
                sha1: sha1.clone(),
            },
            (State::Sha256(_), true) | (State::Legacy { .. }, false) => return Ok(()),
            _ => return Err(Error::Misuse("transcript version changed after it was set")),
        };
        self.state = next;
        Ok(())
    }

    /// Appends a handshake message (or any bytes) to the transcript.
    pub fn add(&mut self, msg: &[u8]) {
        match &mut self.state {
            State::Undecided { md5, sha1, sha256 } => {
                md5.update(msg);
                sha1.update(msg);
                sha256.update(msg);
            }
            State::Legacy { md5, sha1 } => {
                md5.update(msg);
                sha1.update(msg);
            }
            State::Sha256(sha256) => sha256.update(msg),
        }
    }

    /// The hash of everything added so far, without disturbing the running state.
    ///
    /// Before [`Self::set_version`] this is the SHA-256 (TLS 1.2) hash.
    pub fn current_hash(&self) -> HashValue {
        match &self.state {
            State::Undecided { sha256, .. } | State::Sha256(sha256) => {
                HashValue::new(&[&sha256.clone().finalize()])
            }
            State::Legacy { md5, sha1 } => {
                HashValue::new(&[&md5.clone().finalize(), &sha1.clone().finalize()])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_sha256_hashes() {
        for v in [ProtocolVersion::TLSV1_0, ProtocolVersion::TLSV1_1] {
            let mut t = Transcript::new();
            t.add(b"a");
            t.set_version(v).unwrap();
            t.add(b"bc");
            let h = t.current_hash();
            assert_eq!(h.len(), 36);
            // MD5("abc") ‖ SHA1("abc")
            assert_eq!(
                hex::encode(h),
                "900150983cd24fb0d6963f7d28e17f72a9993e364706816aba3e25717850c26c9cd0d89d"
            );
            // reading does not disturb the running state
            t.add(b"d");
            assert_eq!(
                &hex::encode(t.current_hash())[..32],
                "e2fc714c4727ee9395f324cd2e7f331f"
            );
        }
        let mut t = Transcript::new();
        t.add(b"ab");
        assert_eq!(t.current_hash().len(), 32);
        t.set_version(ProtocolVersion::TLSV1_2).unwrap();
        t.add(b"c");
        assert_eq!(
            hex::encode(t.current_hash()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(t.set_version(ProtocolVersion::TLSV1_2), Ok(()));
        assert!(matches!(
            t.set_version(ProtocolVersion::TLSV1_0),
            Err(Error::Misuse(_))
        ));
        let mut t = Transcript::new();
        t.set_version(ProtocolVersion::TLSV1_0).unwrap();
        assert!(t.set_version(ProtocolVersion::TLSV1_2).is_err());
    }
}
