//! The running handshake hash (RFC 5246 §7.4.9, RFC 2246 §7.4.9).
//!
//! TLS 1.0 / 1.1 Finished messages use `MD5(handshake) ‖ SHA-1(handshake)` (36 bytes);
//! TLS 1.2 uses the suite's PRF hash: `SHA-256(handshake)` (32 bytes) or, for the
//! `*_SHA384` suites, `SHA-384(handshake)` (48 bytes). Neither side knows which when the
//! ClientHello is hashed — the client learns version and suite from the ServerHello, the
//! server picks them after reading the ClientHello — so a fresh [`Transcript`] feeds all
//! four hashes until [`Transcript::set_prf`] keeps only the one(s) the connection's
//! [`PrfAlgorithm`] needs. Reading the hash clones the running state, so each Finished
//! costs one finalisation, not a re-hash.

use alloc::boxed::Box;
use core::fmt;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};

use crate::crypto::prf::PrfAlgorithm;
use crate::error::Error;

const MAX_HASH_LEN: usize = 48;

/// A handshake hash value: 36 bytes (MD5 ‖ SHA-1), 32 bytes (SHA-256) or 48 bytes
/// (SHA-384).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HashValue {
    buf: [u8; MAX_HASH_LEN],
    len: u8,
}

impl HashValue {
    /// Longest hash value (SHA-384).
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
        // `at` ≤ MAX_LEN = 48, so it fits.
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

/// Every candidate hash, until the PRF is known.
#[derive(Clone)]
struct Undecided {
    md5: Md5,
    sha1: Sha1,
    sha256: Sha256,
    sha384: Sha384,
}

#[derive(Clone)]
enum State {
    /// Boxed: four running hashes are about 500 bytes, more than twice any decided state,
    /// and held only until the ServerHello.
    Undecided(Box<Undecided>),
    Legacy {
        md5: Md5,
        sha1: Sha1,
    },
    Sha256(Sha256),
    Sha384(Sha384),
}

/// The incremental handshake transcript hash.
///
/// Feed every handshake message (header included, RFC 5246 §7.4.9) with [`Self::add`], in
/// order; call [`Self::set_prf`] once version and suite are negotiated.
#[derive(Clone)]
pub struct Transcript {
    state: State,
}

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.state {
            State::Undecided(_) => "undecided",
            State::Legacy { .. } => "MD5+SHA-1",
            State::Sha256(_) => "SHA-256",
            State::Sha384(_) => "SHA-384",
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
    /// An empty transcript that does not know the PRF yet.
    pub fn new() -> Self {
        Self {
            state: State::Undecided(Box::new(Undecided {
                md5: Md5::new(),
                sha1: Sha1::new(),
                sha256: Sha256::new(),
                sha384: Sha384::new(),
            })),
        }
    }

    /// Keeps only the hash(es) `prf` needs.
    ///
    /// Calling it again with the same algorithm is a no-op; switching after the choice was
    /// made is a [`Error::Misuse`] (the dropped state cannot be recovered).
    pub fn set_prf(&mut self, prf: PrfAlgorithm) -> Result<(), Error> {
        let next = match (&self.state, prf) {
            (State::Undecided(u), PrfAlgorithm::Sha256) => State::Sha256(u.sha256.clone()),
            (State::Undecided(u), PrfAlgorithm::Sha384) => State::Sha384(u.sha384.clone()),
            (State::Undecided(u), PrfAlgorithm::Md5Sha1) => State::Legacy {
                md5: u.md5.clone(),
                sha1: u.sha1.clone(),
            },
            (State::Sha256(_), PrfAlgorithm::Sha256)
            | (State::Sha384(_), PrfAlgorithm::Sha384)
            | (State::Legacy { .. }, PrfAlgorithm::Md5Sha1) => return Ok(()),
            _ => return Err(Error::Misuse("transcript hash changed after it was set")),
        };
        self.state = next;
        Ok(())
    }

    /// Appends a handshake message (or any bytes) to the transcript.
    pub fn add(&mut self, msg: &[u8]) {
        match &mut self.state {
            State::Undecided(u) => {
                u.md5.update(msg);
                u.sha1.update(msg);
                u.sha256.update(msg);
                u.sha384.update(msg);
            }
            State::Legacy { md5, sha1 } => {
                md5.update(msg);
                sha1.update(msg);
            }
            State::Sha256(sha256) => sha256.update(msg),
            State::Sha384(sha384) => sha384.update(msg),
        }
    }

    /// The hash of everything added so far, without disturbing the running state.
    ///
    /// Before [`Self::set_prf`] this is the SHA-256 hash.
    pub fn current_hash(&self) -> HashValue {
        match &self.state {
            State::Undecided(u) => HashValue::new(&[&u.sha256.clone().finalize()]),
            State::Sha256(sha256) => HashValue::new(&[&sha256.clone().finalize()]),
            State::Sha384(sha384) => HashValue::new(&[&sha384.clone().finalize()]),
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
    fn legacy_sha256_and_sha384_hashes() {
        let mut t = Transcript::new();
        t.add(b"a");
        t.set_prf(PrfAlgorithm::Md5Sha1).unwrap();
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

        let mut t = Transcript::new();
        t.add(b"ab");
        assert_eq!(t.current_hash().len(), 32);
        t.set_prf(PrfAlgorithm::Sha256).unwrap();
        t.add(b"c");
        assert_eq!(
            hex::encode(t.current_hash()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(t.set_prf(PrfAlgorithm::Sha256), Ok(()));
        assert!(matches!(
            t.set_prf(PrfAlgorithm::Md5Sha1),
            Err(Error::Misuse(_))
        ));
        assert!(t.set_prf(PrfAlgorithm::Sha384).is_err());

        // SHA-384("abc"), FIPS 180-2 appendix D.1; the bytes before the choice count.
        let mut t = Transcript::new();
        t.add(b"ab");
        t.set_prf(PrfAlgorithm::Sha384).unwrap();
        t.add(b"c");
        let h = t.current_hash();
        assert_eq!(h.len(), HashValue::MAX_LEN);
        assert_eq!(
            hex::encode(h),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(t.set_prf(PrfAlgorithm::Sha384), Ok(()));
        assert!(t.set_prf(PrfAlgorithm::Sha256).is_err());

        let mut t = Transcript::new();
        t.set_prf(PrfAlgorithm::Md5Sha1).unwrap();
        assert!(t.set_prf(PrfAlgorithm::Sha256).is_err());
        assert!(t.set_prf(PrfAlgorithm::Sha384).is_err());
    }
}
