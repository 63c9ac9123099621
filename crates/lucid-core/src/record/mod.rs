//! The record layer's plaintext-level machinery: framing and handshake reassembly.
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
//! - Outgoing data is cut into records by the connection (`conn.rs`), including the TLS 1.0
//!   CBC 1/n-1 split.

pub(crate) mod deframer;
pub(crate) mod joiner;

pub use crate::msgs::record::RecordHeader;
pub(crate) use crate::msgs::record::{HEADER_LEN, MAX_CIPHERTEXT, MAX_PLAINTEXT};

/// One whole record as it came off the wire, still protected if protection is active.
///
/// `payload` is mutable so record protection can decrypt in place; it borrows the
/// [`Deframer`]'s buffer and stays valid until the deframer is used again.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OpaqueRecord<'a> {
    /// The record header as received.
    pub header: RecordHeader,
    /// The record's fragment (exactly `header.len` bytes).
    pub payload: &'a mut [u8],
}

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod drive;
#[cfg(test)]
mod tests;
