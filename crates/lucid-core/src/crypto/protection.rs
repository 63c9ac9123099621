//! Record protection, whichever the suite uses: [`RecordSealer`] and [`RecordOpener`] wrap
//! the CBC + HMAC ([`super::cbc`]), AES-GCM ([`super::gcm`]) and RC4 + HMAC
//! ([`super::stream`]) implementations behind one interface, so the connection core never
//! looks at the suite's protection role.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::cbc::{CbcOpener, CbcSealer};
#[cfg(feature = "aes-gcm")]
use super::gcm::{GcmOpener, GcmSealer};
#[cfg(feature = "legacy-ciphers")]
use super::stream::{StreamOpener, StreamSealer};
use super::suites::{Protection, SuiteParams};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// Protects outgoing records for one direction.
#[derive(Debug)]
pub struct RecordSealer(Sealer);

#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per connection direction; boxing would allocate for no gain"
)]
enum Sealer {
    Cbc(CbcSealer),
    #[cfg(feature = "aes-gcm")]
    Gcm(GcmSealer),
    #[cfg(feature = "legacy-ciphers")]
    Stream(StreamSealer),
}

/// Checks and decrypts incoming records for one direction.
#[derive(Debug)]
pub struct RecordOpener(Opener);

#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per connection direction; boxing would allocate for no gain"
)]
enum Opener {
    Cbc(CbcOpener),
    #[cfg(feature = "aes-gcm")]
    Gcm(GcmOpener),
    #[cfg(feature = "legacy-ciphers")]
    Stream(StreamOpener),
}

impl RecordSealer {
    /// A sealer for `suite` at `version` with this direction's keys from the key block
    /// (`mac_key` empty for GCM; `iv` the TLS 1.0 CBC IV, empty for CBC on TLS 1.1+ and for
    /// RC4, the 4-byte implicit nonce for GCM). `encrypt_then_mac` only applies to CBC.
    pub fn new(
        suite: &SuiteParams,
        version: ProtocolVersion,
        mac_key: &[u8],
        enc_key: &[u8],
        iv: &[u8],
        encrypt_then_mac: bool,
    ) -> Result<Self, Error> {
        match suite.protection {
            Protection::Cbc(_) => {
                CbcSealer::new(suite, version, mac_key, enc_key, iv, encrypt_then_mac)
                    .map(|s| Self(Sealer::Cbc(s)))
            }
            #[cfg(feature = "aes-gcm")]
            Protection::Gcm => GcmSealer::new(enc_key, iv).map(|s| Self(Sealer::Gcm(s))),
            #[cfg(feature = "legacy-ciphers")]
            Protection::Stream(_) => {
                StreamSealer::new(suite, mac_key, enc_key).map(|s| Self(Sealer::Stream(s)))
            }
        }
    }

    /// Appends one protected record carrying `plaintext` (at most 2^14 bytes) to `out`.
    pub fn seal(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        plaintext: &[u8],
        out: &mut Vec<u8>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(), Error> {
        match &mut self.0 {
            Sealer::Cbc(s) => s.seal(typ, version, plaintext, out, rng),
            #[cfg(feature = "aes-gcm")]
            Sealer::Gcm(s) => s.seal(typ, version, plaintext, out),
            #[cfg(feature = "legacy-ciphers")]
            Sealer::Stream(s) => s.seal(typ, version, plaintext, out),
        }
    }

    /// The sequence number the next record will use.
    pub fn seq(&self) -> u64 {
        match &self.0 {
            Sealer::Cbc(s) => s.seq(),
            #[cfg(feature = "aes-gcm")]
            Sealer::Gcm(s) => s.seq(),
            #[cfg(feature = "legacy-ciphers")]
            Sealer::Stream(s) => s.seq(),
        }
    }
}

impl RecordOpener {
    /// An opener for `suite` at `version` with the peer's keys (see [`RecordSealer::new`]).
    pub fn new(
        suite: &SuiteParams,
        version: ProtocolVersion,
        mac_key: &[u8],
        enc_key: &[u8],
        iv: &[u8],
        encrypt_then_mac: bool,
    ) -> Result<Self, Error> {
        match suite.protection {
            Protection::Cbc(_) => {
                CbcOpener::new(suite, version, mac_key, enc_key, iv, encrypt_then_mac)
                    .map(|o| Self(Opener::Cbc(o)))
            }
            #[cfg(feature = "aes-gcm")]
            Protection::Gcm => GcmOpener::new(enc_key, iv).map(|o| Self(Opener::Gcm(o))),
            #[cfg(feature = "legacy-ciphers")]
            Protection::Stream(_) => {
                StreamOpener::new(suite, mac_key, enc_key).map(|o| Self(Opener::Stream(o)))
            }
        }
    }

    /// Checks and decrypts the record body `payload` in place; returns the plaintext.
    pub fn open<'b>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'b mut [u8],
    ) -> Result<&'b mut [u8], Error> {
        match &mut self.0 {
            Opener::Cbc(o) => o.open(typ, version, payload),
            #[cfg(feature = "aes-gcm")]
            Opener::Gcm(o) => o.open(typ, version, payload),
            #[cfg(feature = "legacy-ciphers")]
            Opener::Stream(o) => o.open(typ, version, payload),
        }
    }

    /// The sequence number the next record must carry.
    pub fn seq(&self) -> u64 {
        match &self.0 {
            Opener::Cbc(o) => o.seq(),
            #[cfg(feature = "aes-gcm")]
            Opener::Gcm(o) => o.seq(),
            #[cfg(feature = "legacy-ciphers")]
            Opener::Stream(o) => o.seq(),
        }
    }
}
