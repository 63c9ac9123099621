//! The TLS record header and the record size limits (RFC 5246 §6.2.1, §6.2.3).
//!
//! The lowest layer that knows records: the record layer's deframer and the crypto layer's
//! record protection both use these definitions (re-exported as `crate::record::*`, and the
//! limits as `crate::crypto::cbc::{HEADER_LEN, MAX_PLAINTEXT_LEN, MAX_CIPHERTEXT_LEN}`).

use alloc::vec::Vec;

use crate::codec::{Codec, InvalidMessage, Reader};
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// Length of a TLS record header: type (1), version (2), length (2).
pub(crate) const HEADER_LEN: usize = 5;

/// Largest plaintext fragment a record may carry: 2^14 (RFC 5246 §6.2.1).
pub(crate) const MAX_PLAINTEXT: usize = 16384;

/// Largest protected fragment a record may carry: 2^14 + 2048 (RFC 5246 §6.2.3).
pub(crate) const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;

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
