//! Cutting the received byte stream into records.
//!
//! Implementation notes (buffer invariants):
//!
//! ```text
//!  0        start      start+popped             end               buf.len()
//!  | garbage | popped rec | unconsumed bytes     | free (recv_buf)  |
//! ```
//!
//! - `buf` starts empty (or whole, after [`Deframer::preallocate`]) and is otherwise sized
//!   on demand by `recv_buf` / `read_tls`: at least
//!   [`MIN_RECV_BUF`] bytes to read a header into, and once the front record's header is
//!   known, enough for that whole record, rounded up to [`GROWTH_STEP`] and never more than
//!   `HEADER_LEN + max_record_len` ([`CAPACITY`] unless max_fragment_length lowered it).
//!   `size_hint` (the largest record expected, header included) caps both the minimum and
//!   the rounding, so a connection expecting 512-byte fragments never holds a 4 KiB page.
//!   It only grows (at most a few times per connection, so a steady stream of records never
//!   allocates) until [`Deframer::release_buffer`] frees it while empty, or until
//!   [`Deframer::set_record_limit`] lowers the limit below its size: it then shrinks to the
//!   new limit as soon as the unconsumed bytes fit.
//! - `start <= start + popped <= end <= buf.len() <= CAPACITY` always holds.
//! - `popped` is the length of the record (header included) handed out by the last `pop`. It
//!   stays in place while the caller holds the borrowed [`OpaqueRecord`] and is released by
//!   the next `&mut self` call ([`Deframer::pop`], [`Deframer::recv_buf`],
//!   [`Deframer::read_tls`] or [`Deframer::discard`]); the borrow checker guarantees the
//!   caller no longer holds it by then.
//! - [`Deframer::hold`] pins the popped record: while `held`, nothing releases it (`pop`
//!   returns `Ok(None)`, `recv_buf` / `read_tls` only offer the space behind `end`) and
//!   [`Deframer::held_record`] reads it, until [`Deframer::unhold`]. The connection uses this
//!   to hand out decrypted application data straight from this buffer, without a copy.
//! - Compaction (moving `start..end` to the front) is lazy: it happens in `recv_buf` /
//!   `read_tls` only when the record at `start` could not be completed in the space left
//!   behind `end`; growth follows it. Because the front record is at most `HEADER_LEN +
//!   max_record_len <= CAPACITY` bytes, after consumption there is always room to receive
//!   it whole.
//! - Once `pop` has failed, the deframer is poisoned: every later `pop` returns the same
//!   error. The connection is dead at that point; the caller sends the alert and closes.

use alloc::vec::Vec;
use core::fmt;

use super::{HEADER_LEN, MAX_CIPHERTEXT, OpaqueRecord, RecordHeader};
use crate::codec::{Codec, InvalidMessage, Reader};
use crate::error::Error;
use crate::msgs::sslv2::SSLV2_HEADER_LEN;

/// Largest size of the deframer's buffer: one whole record of the largest allowed size.
pub const CAPACITY: usize = HEADER_LEN + MAX_CIPHERTEXT;

/// Smallest buffer `recv_buf` offers to read into while the next record's size is unknown
/// (a page: a whole small record, or the header of a large one, arrives in one read).
pub(crate) const MIN_RECV_BUF: usize = 4096;

/// The buffer grows in multiples of this, so records whose sizes differ by a few
/// padding blocks do not each cost a reallocation.
pub(crate) const GROWTH_STEP: usize = 4096;

/// Largest SSLv2-compatible ClientHello accepted (the 15-bit length after the 2-byte header).
///
/// RFC 5246 appendix E.2 hellos carry 3-byte cipher specs, no session id and a 16..32-byte
/// challenge: 1024 bytes leave room for over 300 cipher specs, far more than any real client
/// sent. Longer ones fail with [`Error::RecordOverflow`].
pub(crate) const MAX_SSLV2_CLIENT_HELLO: usize = 1024;

/// What [`Deframer::pop`] hands out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Deframed<'a> {
    /// A TLS record.
    Record(OpaqueRecord<'a>),
    /// An SSLv2-compatible ClientHello (RFC 5246 appendix E.2), only ever returned as the
    /// very first item and only after [`Deframer::allow_sslv2_client_hello`].
    ///
    /// The slice starts at `msg_type` (always 1) and excludes the 2-byte SSLv2 record header:
    /// exactly the bytes the handshake transcript hashes (E.2).
    Sslv2ClientHello(&'a [u8]),
}

/// Where a whole item starts in the unconsumed bytes, once enough is known.
#[derive(Clone, Copy)]
enum Frame {
    Tls(RecordHeader),
    Sslv2 { body_len: usize },
}

impl Frame {
    fn header_len(self) -> usize {
        match self {
            Self::Tls(_) => HEADER_LEN,
            Self::Sslv2 { .. } => SSLV2_HEADER_LEN,
        }
    }

    fn body_len(self) -> usize {
        match self {
            Self::Tls(h) => h.payload_len(),
            Self::Sslv2 { body_len } => body_len,
        }
    }

    /// Total bytes the item occupies (header + body); at most [`CAPACITY`].
    fn total_len(self) -> usize {
        self.header_len().saturating_add(self.body_len())
    }
}

/// Turns the received byte stream into whole records, in a buffer sized on demand (at most
/// [`CAPACITY`] bytes).
///
/// # Calling contract
///
/// - The caller MUST feed received bytes either through [`recv_buf`](Self::recv_buf) +
///   [`recv_ack`](Self::recv_ack) (zero-copy: read the socket straight into the returned
///   slice, then acknowledge how many bytes were written) or through
///   [`read_tls`](Self::read_tls) (copy from the caller's buffer).
/// - After feeding, the caller SHOULD call [`pop`](Self::pop) until it returns `Ok(None)`
///   ("need more bytes", not an error) or an error. Only once every whole record has been
///   popped is `recv_buf` guaranteed to offer room for the next record.
/// - A popped record borrows the buffer. It is released by the next call to `pop`,
///   `recv_buf`, `read_tls` or [`discard`](Self::discard): there is nothing else to do.
/// - On error the caller MUST treat the connection as failed (send [`Error::alert`]); the
///   deframer is poisoned and `pop` returns the same error again.
/// - At EOF, [`has_partial`](Self::has_partial) tells whether the stream stopped in the
///   middle of a record (a truncation, distinct from a clean close).
pub(crate) struct Deframer {
    buf: Vec<u8>,
    start: usize,
    popped: usize,
    end: usize,
    max_record_len: usize,
    /// The largest item expected, header included (at most `HEADER_LEN + max_record_len`):
    /// the buffer grows past it only for an item that needs more.
    size_hint: usize,
    sslv2_allowed: bool,
    first_popped: bool,
    held: bool,
    poisoned: Option<Error>,
}

impl fmt::Debug for Deframer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deframer")
            .field("start", &self.start)
            .field("popped", &self.popped)
            .field("end", &self.end)
            .field("capacity", &self.buf.len())
            .field("max_record_len", &self.max_record_len)
            .field("size_hint", &self.size_hint)
            .field("sslv2_allowed", &self.sslv2_allowed)
            .field("first_popped", &self.first_popped)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Deframer {
    /// A deframer accepting records up to [`MAX_CIPHERTEXT`] bytes. Allocates nothing
    /// until the first `recv_buf` / `read_tls`.
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            popped: 0,
            end: 0,
            max_record_len: MAX_CIPHERTEXT,
            size_hint: CAPACITY,
            sslv2_allowed: false,
            first_popped: false,
            held: false,
            poisoned: None,
        }
    }

    /// Keeps the record returned by the last `pop` in the buffer, readable through
    /// [`held_record`](Self::held_record), until [`unhold`](Self::unhold). Meanwhile `pop`
    /// returns `Ok(None)` and `recv_buf` / `read_tls` offer only the free space behind the
    /// buffered bytes (so a following record may not fit until the hold ends). No effect if
    /// nothing was popped or it was already released.
    pub(crate) fn hold(&mut self) {
        if self.popped > 0 {
            self.held = true;
        }
    }

    /// Ends [`hold`](Self::hold): the record is released by the next `pop`, `recv_buf`,
    /// `read_tls` or `discard`.
    pub(crate) fn unhold(&mut self) {
        self.held = false;
    }

    /// The held record (header included, body as the caller left it, e.g. decrypted in
    /// place); empty when nothing is held.
    pub(crate) fn held_record(&self) -> &[u8] {
        if !self.held {
            return &[];
        }
        let end = self.start.saturating_add(self.popped);
        self.buf.get(self.start..end).unwrap_or_default()
    }

    /// Sets the largest record fragment accepted from now on, clamped to
    /// [`MAX_CIPHERTEXT`]. A header announcing more fails with [`Error::RecordOverflow`].
    ///
    /// The caller decides: e.g. [`super::MAX_PLAINTEXT`] while no protection is active,
    /// `MAX_CIPHERTEXT` once it is.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn set_max_record_len(&mut self, max: usize) {
        self.max_record_len = max.min(MAX_CIPHERTEXT);
        self.size_hint = self.size_hint.min(self.limit());
    }

    /// Expects no record fragment longer than `max` (a client that offered
    /// max_fragment_length, before the server answers), without refusing longer ones: the
    /// buffer is sized for such records ([`preallocate`](Self::preallocate) included) and
    /// grows past them only for a record that needs it.
    pub(crate) fn expect_records_up_to(&mut self, max: usize) {
        self.size_hint = HEADER_LEN.saturating_add(max).min(self.limit());
    }

    /// Sets the largest record fragment accepted from now on (clamped to
    /// [`MAX_CIPHERTEXT`]; a header announcing more fails with [`Error::RecordOverflow`]) and
    /// sizes the buffer for it: a larger buffer shrinks to one record of that size as soon
    /// as what it holds fits; with `preallocate`, a smaller one grows to it now, so that
    /// receiving never allocates later. For max_fragment_length (RFC 6066 §4), once the
    /// handshake has settled it.
    pub(crate) fn set_record_limit(&mut self, max: usize, preallocate: bool) {
        self.max_record_len = max.min(MAX_CIPHERTEXT);
        self.size_hint = self.limit();
        self.release();
        self.shrink_to_limit();
        if preallocate {
            self.preallocate();
        }
    }

    /// `HEADER_LEN + max_record_len`: the most the buffer ever needs.
    fn limit(&self) -> usize {
        HEADER_LEN.saturating_add(self.max_record_len)
    }

    /// The current maximum record fragment length.
    #[cfg(test)]
    pub(crate) fn max_record_len(&self) -> usize {
        self.max_record_len
    }

    /// Servers: accept an SSLv2-compatible ClientHello (RFC 5246 appendix E.2) as the very
    /// first message. Has no effect once a record has been popped.
    ///
    /// When enabled and the first byte received has its high bit set, the first item is
    /// framed with the 2-byte SSLv2 header; its length must be 1..=[`MAX_SSLV2_CLIENT_HELLO`]
    /// and its first byte (msg_type) must be 1, and it is returned as
    /// [`Deframed::Sslv2ClientHello`]. Parsing the body is the caller's job.
    pub(crate) fn allow_sslv2_client_hello(&mut self) {
        if !self.first_popped {
            self.sslv2_allowed = true;
        }
    }

    /// The free space after the buffered bytes, for the caller to fill from the transport;
    /// then call [`recv_ack`](Self::recv_ack) with the number of bytes written.
    ///
    /// Releases the last popped record and compacts the buffer if the pending record would
    /// not fit otherwise; grows the buffer (up to [`CAPACITY`]) if the pending record is
    /// larger than it. Offers at least the rest of the pending record, or at least
    /// [`MIN_RECV_BUF`] bytes in all while its header is incomplete. Empty only when whole
    /// records are waiting to be popped (or the popped one is held).
    pub(crate) fn recv_buf(&mut self) -> &mut [u8] {
        self.release();
        self.make_room();
        self.buf.get_mut(self.end..).unwrap_or_default()
    }

    /// Marks `n` bytes written into the slice returned by the last
    /// [`recv_buf`](Self::recv_buf) as received.
    ///
    /// `n` MUST NOT exceed that slice's length; a larger `n` is clamped to it.
    pub(crate) fn recv_ack(&mut self, n: usize) {
        let free = self.buf.len().saturating_sub(self.end);
        debug_assert!(n <= free, "recv_ack({n}) with only {free} bytes offered");
        self.end = self.end.saturating_add(n.min(free));
    }

    /// Copies as much of `input` as fits into the buffer; returns how many bytes were taken.
    ///
    /// Returns less than `input.len()` (possibly 0) when the buffer is full: pop the
    /// buffered records, then offer the rest again.
    pub(crate) fn read_tls(&mut self, input: &[u8]) -> usize {
        let mut taken = 0;
        // A second round only when the first completed a header the buffer was too small
        // for: `recv_buf` then grows it to the whole record.
        while let Some(rest) = input.get(taken..).filter(|r| !r.is_empty()) {
            let free = self.recv_buf();
            let n = free.len().min(rest.len());
            match (free.get_mut(..n), rest.get(..n)) {
                (Some(dst), Some(src)) if n > 0 => dst.copy_from_slice(src),
                _ => break,
            }
            self.recv_ack(n);
            taken += n;
        }
        taken
    }

    /// The next whole item, `Ok(None)` if more bytes are needed.
    ///
    /// First releases the record returned by the previous call. The header is checked as
    /// soon as its 5 bytes are buffered, before waiting for the body:
    ///
    /// - length over [`max_record_len`](Self::max_record_len) → [`Error::RecordOverflow`];
    /// - version major byte other than 3 →
    ///   `Error::InvalidMessage(InvalidMessage::InvalidValue("record version"))`.
    ///
    /// Unknown content types and empty records pass through. After an error the deframer is
    /// poisoned and returns the same error on every later call.
    pub(crate) fn pop(&mut self) -> Result<Option<Deframed<'_>>, Error> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        if self.held {
            return Ok(None);
        }
        self.release();
        let frame = match self.front_frame() {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.poisoned = Some(e.clone());
                return Err(e);
            }
        };
        let total = frame.total_len();
        let end = self.start.checked_add(total);
        let item = end
            .and_then(|end| self.buf.get_mut(self.start..end))
            .and_then(|item| item.split_at_mut_checked(frame.header_len()));
        let Some((_, body)) = item else {
            // Unreachable by the invariants: `front_frame` only returns buffered items.
            let e = Error::Internal("deframer bounds");
            self.poisoned = Some(e.clone());
            return Err(e);
        };
        self.popped = total;
        self.first_popped = true;
        Ok(Some(match frame {
            Frame::Tls(header) => Deframed::Record(OpaqueRecord {
                header,
                payload: body,
            }),
            Frame::Sslv2 { .. } => Deframed::Sslv2ClientHello(body),
        }))
    }

    /// Like [`pop`](Self::pop), for callers that never enable SSLv2-compatible hellos
    /// (clients): returns the record itself.
    ///
    /// If SSLv2 hellos were allowed and one arrives, fails with
    /// `PeerIncompatible::Unsupported("SSLv2-compatible ClientHello")` (and poisons).
    #[cfg(test)]
    pub(crate) fn pop_record(&mut self) -> Result<Option<OpaqueRecord<'_>>, Error> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        if self.sslv2_allowed && !self.first_popped && self.front_is_sslv2() {
            let e = Error::PeerIncompatible(crate::error::PeerIncompatible::Unsupported(
                "SSLv2-compatible ClientHello",
            ));
            self.poisoned = Some(e.clone());
            return Err(e);
        }
        match self.pop()? {
            Some(Deframed::Record(r)) => Ok(Some(r)),
            // Excluded by the check above.
            Some(Deframed::Sslv2ClientHello(_)) => Err(Error::Internal("deframer sslv2 state")),
            None => Ok(None),
        }
    }

    /// Releases the last popped record now (it is released by the next `pop` anyway).
    #[cfg(test)]
    pub(crate) fn discard(&mut self) {
        self.release();
    }

    /// Bytes received and not yet handed out by `pop`.
    pub(crate) fn buffered(&self) -> usize {
        self.end
            .saturating_sub(self.start.saturating_add(self.popped))
    }

    /// Whether buffered bytes exist that do not form a whole record: at EOF, this means
    /// the peer stopped mid-record. False when nothing is buffered or a whole record waits.
    pub(crate) fn has_partial(&self) -> bool {
        if self.buffered() == 0 {
            return false;
        }
        if self.poisoned.is_some() {
            return true;
        }
        let from = self.start.saturating_add(self.popped);
        let avail = self.buf.get(from..self.end).unwrap_or_default();
        !matches!(self.frame(avail), Ok(Some(f)) if f.total_len() <= avail.len())
    }

    /// Size of the internal buffer now: 0 before the first read and after
    /// [`release_buffer`](Self::release_buffer), never more than [`CAPACITY`].
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Allocates the whole buffer now — one record of the largest size expected
    /// ([`CAPACITY`] bytes unless a smaller limit was set or announced) — so receiving never
    /// allocates later (until [`release_buffer`](Self::release_buffer)).
    pub(crate) fn preallocate(&mut self) {
        let size = self.size_hint.min(self.limit());
        if self.buf.len() < size {
            self.buf.reserve_exact(size - self.buf.len());
            self.buf.resize(size, 0);
        }
    }

    /// Shrinks a buffer larger than one record at the current limit, if what it holds
    /// fits (compacting first); otherwise leaves it for a later call. Never while a record
    /// is held.
    fn shrink_to_limit(&mut self) {
        let limit = self.limit();
        if self.held || self.buf.len() <= limit {
            return;
        }
        let pending = self.end.saturating_sub(self.start);
        if pending > limit {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end = pending;
            self.start = 0;
        }
        self.buf.truncate(limit);
        self.buf.shrink_to_fit();
    }

    /// Frees the buffer if it holds nothing (no unconsumed bytes, no held record); the next
    /// `recv_buf` / `read_tls` allocates again. For connections going idle.
    pub(crate) fn release_buffer(&mut self) {
        self.release();
        if !self.held && self.end == 0 && !self.buf.is_empty() {
            self.buf = Vec::new();
        }
    }

    /// Whether a previous `pop` failed (see the type's calling contract).
    #[cfg(test)]
    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.is_some()
    }

    fn release(&mut self) {
        if self.held {
            return;
        }
        self.start = self.start.saturating_add(self.popped).min(self.end);
        self.popped = 0;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Moves the unconsumed bytes to the front if the front item could not be completed
    /// in the space left, and grows the buffer if it could not be completed at all.
    /// Called only after `release`.
    fn make_room(&mut self) {
        if self.held {
            return;
        }
        self.shrink_to_limit();
        let limit = self.limit();
        let hint = self.size_hint.min(limit);
        let min = MIN_RECV_BUF.min(hint);
        let avail = self.buf.get(self.start..self.end).unwrap_or_default();
        let need = match self.frame(avail) {
            Ok(Some(f)) => f.total_len().max(min),
            // Header not complete yet (or invalid): room to read at least a page (or the
            // largest record expected, if smaller).
            _ => min,
        }
        .min(limit);
        if self.start > 0 && self.start.saturating_add(need) > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end = self.end.saturating_sub(self.start);
            self.start = 0;
        }
        if need > self.buf.len() {
            let rounded = need.div_ceil(GROWTH_STEP).saturating_mul(GROWTH_STEP);
            // Up to the expected largest record; past it, in pages up to the limit.
            let size = if need <= hint {
                rounded.min(hint)
            } else {
                rounded.min(limit)
            };
            // Exactly `size`: `resize` alone may over-allocate (amortized doubling).
            self.buf.reserve_exact(size.saturating_sub(self.buf.len()));
            self.buf.resize(size, 0);
        }
    }

    #[cfg(test)]
    fn front_is_sslv2(&self) -> bool {
        let from = self.start.saturating_add(self.popped);
        matches!(self.buf.get(from), Some(b) if b & 0x80 != 0)
    }

    /// The front item once whole, after releasing the popped record.
    fn front_frame(&self) -> Result<Option<Frame>, Error> {
        let avail = self.buf.get(self.start..self.end).unwrap_or_default();
        match self.frame(avail)? {
            Some(f) if f.total_len() <= avail.len() => Ok(Some(f)),
            _ => Ok(None),
        }
    }

    /// Frames the item at the front of `avail` as far as its header allows: `Ok(None)` if
    /// the header is incomplete, `Ok(Some(_))` once the header is known and valid (the body
    /// may still be incomplete).
    fn frame(&self, avail: &[u8]) -> Result<Option<Frame>, Error> {
        let sslv2_possible = self.sslv2_allowed && !self.first_popped;
        if sslv2_possible && matches!(avail.first(), Some(b) if b & 0x80 != 0) {
            return frame_sslv2(avail);
        }
        let Some(head) = avail.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let header = RecordHeader::read(&mut Reader::new(head))?;
        if header.version.get() >> 8 != 3 {
            return Err(InvalidMessage::InvalidValue("record version").into());
        }
        if header.payload_len() > self.max_record_len {
            return Err(Error::RecordOverflow {
                len: header.payload_len(),
                max: self.max_record_len,
            });
        }
        Ok(Some(Frame::Tls(header)))
    }
}

/// RFC 5246 appendix E.2: `msg_length` is the low 15 bits of the first two bytes; the body
/// starts with msg_type 1 (client_hello).
fn frame_sslv2(avail: &[u8]) -> Result<Option<Frame>, Error> {
    let mut r = Reader::new(avail);
    let Ok(len) = r.u16("SSLv2 record header") else {
        return Ok(None);
    };
    let body_len = usize::from(len & 0x7fff);
    if body_len == 0 {
        return Err(InvalidMessage::InvalidValue("SSLv2 record length").into());
    }
    if body_len > MAX_SSLV2_CLIENT_HELLO {
        return Err(Error::RecordOverflow {
            len: body_len,
            max: MAX_SSLV2_CLIENT_HELLO,
        });
    }
    match r.u8("SSLv2 msg_type") {
        Ok(1) => Ok(Some(Frame::Sslv2 { body_len })),
        Ok(_) => Err(InvalidMessage::InvalidValue("SSLv2 msg_type").into()),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
#[path = "deframer_test.rs"]
mod tests;
