//! Reassembling handshake messages from handshake record payloads.
//!
//! Implementation notes (buffer invariants):
//!
//! ```text
//!  0          consumed                                  buf.len()      capacity
//!  | returned  | whole messages... | partial message      | (spare)      |
//! ```
//!
//! - `buf[..consumed]` holds messages already returned by `pop`; the last of them may still
//!   be borrowed by the caller until the next `&mut self` call. They are dropped (one
//!   `memmove` of the tail) by the next `push`; `pop` never moves bytes.
//! - Every message header in `buf[consumed..]` has been checked: its announced body length
//!   is at most what its type allows (`msgs::handshake::max_body_len`: a ClientHello up to
//!   131,396 bytes on a server's joiner, a ServerHello up to 65,607, any other message up
//!   to [`MAX_HANDSHAKE_MESSAGE_BODY`]; the caps are documented in one place,
//!   [`crate::msgs::handshake#limits`]). The check runs on the incoming payload *before* it
//!   is appended, so an oversized message is never buffered.
//! - The buffer starts at [`INITIAL_CAPACITY`] bytes and grows only when a larger message
//!   than ever before arrives: straight to the size the partial message's header announces
//!   plus one record (so a large message costs one reallocation, not a doubling series),
//!   at least doubling, up to [`HandshakeJoiner::max_buffer`]; it never shrinks. So there
//!   is no allocation per message, and after the handshake none at all.
//! - After an error the joiner is poisoned: `push` returns the same error, `pop` nothing.

use alloc::vec::Vec;

use super::MAX_PLAINTEXT;
use crate::codec::InvalidMessage;
use crate::error::Error;
use crate::msgs::enums::HandshakeType;
use crate::msgs::handshake::{MAX_CLIENT_HELLO_BODY, MAX_SERVER_HELLO_BODY, max_body_len};

// One definition, in `msgs::handshake`; re-exported here so `record::joiner::HANDSHAKE_HEADER_LEN`
// keeps working.
pub(crate) use crate::msgs::handshake::HANDSHAKE_HEADER_LEN;

/// Largest handshake message body accepted other than a hello (the 24-bit length field;
/// hellos may reach their syntax maximum, `msgs::handshake::max_body_len`): a Certificate
/// message carrying the largest chain lucid accepts
/// (`msgs::handshake::MAX_CERTIFICATE_CHAIN_LEN`). A header announcing more is rejected
/// with `InvalidMessage::TooLarge("handshake message")` before anything is buffered.
pub(crate) const MAX_HANDSHAKE_MESSAGE_BODY: usize =
    crate::msgs::handshake::MAX_HANDSHAKE_MESSAGE_LEN - HANDSHAKE_HEADER_LEN;

/// The client's joiner buffer never exceeds this: the largest whole message it accepts (a
/// ServerHello at `msgs::handshake::MAX_SERVER_HELLO_BODY`) plus the rest of one plaintext
/// record ([`MAX_PLAINTEXT`]) that carried its last bytes (81,995 bytes).
pub(crate) const MAX_HANDSHAKE_BUFFER: usize =
    HANDSHAKE_HEADER_LEN + MAX_SERVER_HELLO_BODY + MAX_PLAINTEXT;

/// The server's joiner buffer never exceeds this: the largest ClientHello
/// (`msgs::handshake::MAX_CLIENT_HELLO_BODY`) plus the rest of one plaintext record
/// (147,784 bytes).
pub(crate) const MAX_SERVER_HANDSHAKE_BUFFER: usize =
    HANDSHAKE_HEADER_LEN + MAX_CLIENT_HELLO_BODY + MAX_PLAINTEXT;

/// Capacity allocated by [`HandshakeJoiner::new`].
pub(crate) const INITIAL_CAPACITY: usize = MAX_PLAINTEXT;

/// Reassembles handshake messages that span records or share one.
///
/// # Calling contract
///
/// - The caller MUST pass every decrypted handshake record payload, in order, to
///   [`push`](Self::push), then SHOULD call [`pop`](Self::pop) until it returns `None`
///   before pushing again (otherwise `push` may fail with [`Error::Misuse`] once the
///   buffer would exceed [`Self::max_buffer`]).
/// - Payloads MUST be at most [`MAX_PLAINTEXT`] bytes (larger ones fail with
///   [`Error::RecordOverflow`]). Rejecting empty handshake records is the caller's job.
/// - When a record of another content type arrives, or the cipher state changes
///   (ChangeCipherSpec), the caller MUST check [`has_partial`](Self::has_partial) and fail
///   with `PeerMisbehaved::HandshakeMessageInterleaved` if it is true (RFC 5246 §6.2.1).
/// - A message returned by `pop` is released by the next `pop` or `push`.
#[derive(Debug)]
pub(crate) struct HandshakeJoiner {
    buf: Vec<u8>,
    consumed: usize,
    poisoned: Option<Error>,
    /// Whether ClientHellos up to `MAX_CLIENT_HELLO_BODY` are accepted (a server's
    /// joiner); otherwise a ClientHello is capped like any other message.
    large_client_hello: bool,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeJoiner {
    /// An empty joiner with [`INITIAL_CAPACITY`] bytes allocated that caps a ClientHello like
    /// any other message (a client's: it never receives one).
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::with_capacity(INITIAL_CAPACITY),
            consumed: 0,
            poisoned: None,
            large_client_hello: false,
        }
    }

    /// A server's joiner: like [`Self::new`], but a ClientHello may be as large as its
    /// syntax allows (`msgs::handshake::MAX_CLIENT_HELLO_BODY`).
    pub(crate) fn for_server() -> Self {
        Self {
            large_client_hello: true,
            ..Self::new()
        }
    }

    /// The largest body accepted for a message of type `typ`.
    fn max_body(&self, typ: HandshakeType) -> usize {
        if typ == HandshakeType::CLIENT_HELLO && !self.large_client_hello {
            MAX_HANDSHAKE_MESSAGE_BODY
        } else {
            max_body_len(typ)
        }
    }

    /// The buffer never grows beyond this: [`MAX_SERVER_HANDSHAKE_BUFFER`] for a server's
    /// joiner, [`MAX_HANDSHAKE_BUFFER`] otherwise.
    pub(crate) fn max_buffer(&self) -> usize {
        if self.large_client_hello {
            MAX_SERVER_HANDSHAKE_BUFFER
        } else {
            MAX_HANDSHAKE_BUFFER
        }
    }

    /// Appends one handshake record payload.
    ///
    /// Every message header completed by `payload` is checked first; one announcing a body
    /// over [`MAX_HANDSHAKE_MESSAGE_BODY`] fails with
    /// `InvalidMessage::TooLarge("handshake message")` and nothing is appended. Errors
    /// poison the joiner.
    pub(crate) fn push(&mut self, payload: &[u8]) -> Result<(), Error> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        let result = self.try_push(payload);
        if let Err(e) = &result {
            self.poisoned = Some(e.clone());
        }
        result
    }

    fn try_push(&mut self, payload: &[u8]) -> Result<(), Error> {
        if payload.len() > MAX_PLAINTEXT {
            return Err(Error::RecordOverflow {
                len: payload.len(),
                max: MAX_PLAINTEXT,
            });
        }
        let pending = self.buf.get(self.consumed..).unwrap_or_default();
        let partial_end = scan(pending, payload, |t| self.max_body(t))?;
        let needed = pending.len().saturating_add(payload.len());
        let max = self.max_buffer();
        if needed > max {
            return Err(Error::Misuse(
                "HandshakeJoiner::push before popping every whole message",
            ));
        }
        self.buf.drain(..self.consumed);
        self.consumed = 0;
        if needed > self.buf.capacity() {
            // Room for the whole partial message (its header is checked) and the rest of
            // the record that completes it: one reallocation per large message.
            let target = needed
                .max(self.buf.capacity().saturating_mul(2))
                .max(partial_end.saturating_add(MAX_PLAINTEXT))
                .min(max);
            self.buf
                .try_reserve_exact(target.saturating_sub(self.buf.len()))
                .map_err(|_| Error::Internal("out of memory for a handshake message"))?;
        }
        self.buf.extend_from_slice(payload);
        Ok(())
    }

    /// The next whole handshake message, header included, or `None` if none is complete.
    ///
    /// The returned bytes stay valid until the next `pop` or `push`.
    pub(crate) fn pop(&mut self) -> Option<&[u8]> {
        if self.poisoned.is_some() {
            return None;
        }
        let pending = self.buf.get(self.consumed..)?;
        let total = whole_message_len(pending)?;
        let from = self.consumed;
        let to = from.checked_add(total)?;
        self.consumed = to;
        self.buf.get(from..to)
    }

    /// Frees the buffer if nothing is buffered. The connection calls this once the
    /// handshake is complete: an established connection then holds no reassembly buffer,
    /// and the rare later handshake message (a refused renegotiation) allocates it again.
    pub(crate) fn release_if_empty(&mut self) {
        if self.is_empty() && self.buf.capacity() > 0 {
            self.buf = Vec::new();
            self.consumed = 0;
        }
    }

    /// Whether nothing is buffered (every pushed byte has been returned by `pop`).
    pub(crate) fn is_empty(&self) -> bool {
        self.buffered() == 0
    }

    /// Whether bytes are buffered that do not form a whole message: a message is split
    /// across records and its end has not arrived yet.
    pub(crate) fn has_partial(&self) -> bool {
        let mut rest = self.buf.get(self.consumed..).unwrap_or_default();
        while let Some(total) = whole_message_len(rest) {
            rest = rest.get(total..).unwrap_or_default();
        }
        !rest.is_empty()
    }

    /// Bytes pushed and not yet returned by `pop`.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.consumed)
    }

    /// Bytes currently allocated for the buffer (at most [`Self::max_buffer`]).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// Length (header included) of the whole message at the front of `buf`, if it is all there.
fn whole_message_len(buf: &[u8]) -> Option<usize> {
    let total = announced_total(buf.get(..HANDSHAKE_HEADER_LEN)?)?;
    (total <= buf.len()).then_some(total)
}

/// Header + announced body length from a 4-byte handshake header.
fn announced_total(header: &[u8]) -> Option<usize> {
    let [_, a, b, c] = <[u8; HANDSHAKE_HEADER_LEN]>::try_from(header).ok()?;
    let body = usize::try_from(u32::from_be_bytes([0, a, b, c])).ok()?;
    HANDSHAKE_HEADER_LEN.checked_add(body)
}

/// Walks the message headers of `pending ++ payload` and rejects any that announces a
/// longer body than `max_body` allows for its type. Returns where the last message that
/// starts in `pending ++ payload` ends (its announced total; the length of the input if
/// it ends on a message boundary or inside a header).
fn scan(
    pending: &[u8],
    payload: &[u8],
    max_body: impl Fn(HandshakeType) -> usize,
) -> Result<usize, InvalidMessage> {
    let byte = |i: usize| match i.checked_sub(pending.len()) {
        None => pending.get(i).copied(),
        Some(j) => payload.get(j).copied(),
    };
    let mut pos = 0usize;
    loop {
        let mut header = [0u8; HANDSHAKE_HEADER_LEN];
        for (k, slot) in header.iter_mut().enumerate() {
            match pos.checked_add(k).and_then(byte) {
                Some(b) => *slot = b,
                None => return Ok(pending.len().saturating_add(payload.len()).max(pos)),
            }
        }
        let total =
            announced_total(&header).ok_or(InvalidMessage::TooLarge("handshake message"))?;
        let [typ, ..] = header;
        if total > HANDSHAKE_HEADER_LEN.saturating_add(max_body(HandshakeType(typ))) {
            return Err(InvalidMessage::TooLarge("handshake message"));
        }
        pos = pos
            .checked_add(total)
            .ok_or(InvalidMessage::TooLarge("handshake message"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn msg(typ: u8, body_len: usize) -> Vec<u8> {
        let mut m = vec![typ];
        m.extend_from_slice(&u32::try_from(body_len).unwrap().to_be_bytes()[1..]);
        m.extend((0..body_len).map(|i| (i * 7 + usize::from(typ)) as u8));
        m
    }

    fn pop_all(j: &mut HandshakeJoiner) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(m) = j.pop() {
            out.push(m.to_vec());
        }
        out
    }

    #[test]
    fn message_spanning_three_records() {
        let m = msg(11, 10_000);
        let mut j = HandshakeJoiner::new();
        let (a, rest) = m.split_at(2); // split inside the header
        let (b, c) = rest.split_at(6000);
        j.push(a).unwrap();
        assert_eq!(j.pop(), None);
        assert!(j.has_partial());
        j.push(b).unwrap();
        assert_eq!(j.pop(), None);
        assert!(j.has_partial());
        assert_eq!(j.buffered(), 6002);
        j.push(c).unwrap();
        assert!(!j.has_partial());
        assert_eq!(j.pop(), Some(&m[..]));
        assert_eq!(j.pop(), None);
        assert!(j.is_empty());
        assert!(!j.has_partial());
    }

    #[test]
    fn release_if_empty_frees_only_an_empty_buffer_and_push_regrows_it() {
        let m = msg(0, 0); // HelloRequest
        let mut j = HandshakeJoiner::new();
        j.push(&m[..2]).unwrap();
        j.release_if_empty(); // a partial message is kept
        assert!(j.buf.capacity() >= INITIAL_CAPACITY);
        j.push(&m[2..]).unwrap();
        assert_eq!(j.pop(), Some(&m[..]));
        j.release_if_empty();
        assert_eq!(j.buf.capacity(), 0);
        j.push(&m).unwrap();
        assert_eq!(j.pop(), Some(&m[..]));
        assert!(j.is_empty());
    }

    #[test]
    fn three_messages_in_one_record() {
        let msgs = [msg(2, 70), msg(11, 0), msg(14, 0)];
        let record: Vec<u8> = msgs.concat();
        let mut j = HandshakeJoiner::new();
        j.push(&record).unwrap();
        assert!(!j.has_partial());
        assert!(!j.is_empty());
        assert_eq!(pop_all(&mut j), msgs);
        assert!(j.is_empty());
    }

    #[test]
    fn record_ending_mid_message_then_more_messages() {
        let msgs = [msg(2, 40), msg(11, 20_000), msg(14, 0)];
        let all = msgs.concat();
        let mut j = HandshakeJoiner::new();
        let mut got = Vec::new();
        for chunk in all.chunks(MAX_PLAINTEXT) {
            j.push(chunk).unwrap();
            got.extend(pop_all(&mut j));
        }
        assert_eq!(got, msgs);
        assert!(j.capacity() <= MAX_HANDSHAKE_BUFFER);
    }

    #[test]
    fn largest_message_accepted_and_buffer_bounded() {
        let m = msg(11, MAX_HANDSHAKE_MESSAGE_BODY);
        let mut tail = m.clone();
        tail.extend_from_slice(&msg(14, 0));
        tail.extend_from_slice(&msg(20, 12)[..5]);
        let mut j = HandshakeJoiner::new();
        assert_eq!(j.capacity(), INITIAL_CAPACITY);
        let mut got = Vec::new();
        // Deliberately misaligned chunks so the last one carries the next messages too.
        for chunk in tail.chunks(MAX_PLAINTEXT - 3) {
            j.push(chunk).unwrap();
            assert!(j.capacity() <= MAX_HANDSHAKE_BUFFER);
            got.extend(pop_all(&mut j));
        }
        assert_eq!(got, [m, msg(14, 0)]);
        assert!(j.has_partial());
        assert_eq!(j.buffered(), 5);
    }

    #[test]
    fn oversized_announcement_rejected_before_buffering() {
        let mut j = HandshakeJoiner::new();
        let mut rec = msg(14, 0);
        let over = u32::try_from(MAX_HANDSHAKE_MESSAGE_BODY + 1)
            .unwrap()
            .to_be_bytes();
        rec.extend_from_slice(&[11, over[1], over[2], over[3]]);
        let err = Error::InvalidMessage(InvalidMessage::TooLarge("handshake message"));
        assert_eq!(j.push(&rec), Err(err.clone()));
        assert_eq!(j.buffered(), 0, "nothing appended");
        assert_eq!(j.pop(), None);
        // Poisoned.
        assert_eq!(j.push(&msg(14, 0)), Err(err.clone()));

        // Header split across records: rejected when its last byte arrives.
        let mut j = HandshakeJoiner::new();
        j.push(&[11, 0xff]).unwrap();
        assert_eq!(j.push(&[0xff, 0xff, 1, 2, 3]), Err(err));
        assert_eq!(j.buffered(), 2);

        // Exactly the limit is fine.
        let mut j = HandshakeJoiner::new();
        j.push(&[11, 0x01, 0x00, 0x00]).unwrap();
        assert!(j.has_partial());
    }

    #[test]
    fn oversized_payload_and_unpopped_messages() {
        let mut j = HandshakeJoiner::new();
        assert_eq!(
            j.push(&vec![0; MAX_PLAINTEXT + 1]),
            Err(Error::RecordOverflow {
                len: MAX_PLAINTEXT + 1,
                max: MAX_PLAINTEXT
            })
        );
        // Pushing without popping eventually hits the cap: a Misuse, never growth.
        let mut j = HandshakeJoiner::new();
        let rec: Vec<u8> = (0..MAX_PLAINTEXT / 4).flat_map(|_| msg(0, 0)).collect();
        let mut result = Ok(());
        for _ in 0..10 {
            result = j.push(&rec);
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(Error::Misuse(_))));
        assert!(j.capacity() <= MAX_HANDSHAKE_BUFFER);
    }

    #[test]
    fn popped_message_released_on_next_push() {
        let mut j = HandshakeJoiner::new();
        j.push(&msg(1, 100)).unwrap();
        assert_eq!(j.pop().map(<[u8]>::len), Some(104));
        assert!(j.is_empty());
        j.push(&msg(2, 3)[..5]).unwrap();
        assert_eq!(j.buffered(), 5);
        assert_eq!(j.buf.len(), 5, "released bytes were dropped");
        j.push(&msg(2, 3)[5..]).unwrap();
        assert_eq!(j.pop(), Some(&msg(2, 3)[..]));
    }

    #[test]
    fn empty_push_is_harmless() {
        let mut j = HandshakeJoiner::new();
        j.push(&[]).unwrap();
        assert!(j.is_empty());
        assert!(!j.has_partial());
        assert_eq!(j.pop(), None);
    }
}
