//! Entry points for cargo-fuzz targets (feature `fuzzing`).
//!
//! The bodies live here so the targets in `fuzz/` stay a few lines each and the same code
//! is exercised by the crate's own tests.

/// Feeds `data` through a record [`Deframer`](crate::record::Deframer) in variable-sized
/// chunks (sizes and options derived from the data), pops records until `Ok(None)` or an
/// error, and pushes handshake payloads through a
/// [`HandshakeJoiner`](crate::record::HandshakeJoiner).
///
/// Never panics unless a record-layer invariant is broken (buffers over their caps, a
/// record whose payload does not match its header, no progress on a full buffer).
pub fn deframer(data: &[u8]) {
    let _ = crate::record::drive::run(data);
}
