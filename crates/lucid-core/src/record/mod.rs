//! The record layer's plaintext-level machinery: framing, handshake reassembly, fragmentation.
//!
//! Implementation notes:
//!
//! - Everything here is sans-IO and bounded. A connection owns one [`Deframer`] (one buffer
//!   of [`HEADER_LEN`] + [`MAX_CIPHERTEXT`] bytes, allocated in `new()`, never grown) and one
//!   [`HandshakeJoiner`] (grows, by doubling, up to [`joiner::MAX_HANDSHAKE_BUFFER`], never
//!   beyond, never shrinks). Neither allocates per record or per message.
//! - The deframer only cuts the byte stream into records and checks what can be checked
//!   without keys: the version's major byte and the length against the configured maximum.
//!   Content types, the exact version, empty records and record protection are the caller's
//!   concern (record protection lives in the crypto layer and decrypts
//!   [`OpaqueRecord::payload`] in place).
//! - The joiner takes decrypted handshake payloads and hands out whole handshake messages,
//!   header included (the transcript hashes exactly those bytes).
//! - [`fragmenter`] cuts outgoing data into record-sized pieces, including the TLS 1.0 CBC
//!   1/n-1 split.

use alloc::vec::Vec;

use crate::codec::{Codec, InvalidMessage, Reader};
use crate::msgs::enums::{ContentType, ProtocolVersion};

pub mod deframer;
pub mod fragmenter;
pub mod joiner;

pub use deframer::{Deframed, Deframer};
pub use joiner::HandshakeJoiner;

/// Length of a TLS record header: type (1), version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// Largest plaintext fragment a record may carry: 2^14 (RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT: usize = 16384;

/// Largest protected fragment a record may carry: 2^14 + 2048 (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;

/// The 5-byte header in front of every TLS record (RFC 5246 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type. Unknown values are kept; the caller rejects them.
    pub typ: ContentType,
    /// Record-layer version. Only the major byte is checked by the deframer.
    pub version: ProtocolVersion,
    /// Length of the fragment that follows.
    pub len: u16,
}

impl RecordHeader {
    /// The header's wire encoding, without allocating.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let [v0, v1] = self.version.get().to_be_bytes();
        let [l0, l1] = self.len.to_be_bytes();
        [self.typ.get(), v0, v1, l0, l1]
    }

    /// The fragment length as a `usize`.
    pub fn payload_len(&self) -> usize {
        usize::from(self.len)
    }
}

impl Codec for RecordHeader {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ContentType::read(r)?;
        let version = ProtocolVersion::read(r)?;
        let len = r.u16("record length")?;
        Ok(Self { typ, version, len })
    }
}

/// One whole record as it came off the wire, still protected if protection is active.
///
/// `payload` is mutable so record protection can decrypt in place; it borrows the
/// [`Deframer`]'s buffer and stays valid until the deframer is used again.
#[derive(Debug, PartialEq, Eq)]
pub struct OpaqueRecord<'a> {
    /// The record header as received.
    pub header: RecordHeader,
    /// The record's fragment (exactly `header.len` bytes).
    pub payload: &'a mut [u8],
}

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod drive;
#[cfg(test)]
mod tests;
