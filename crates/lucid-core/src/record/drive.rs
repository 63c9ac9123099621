//! A deterministic driver that pushes arbitrary bytes through a [`Deframer`] and a
//! [`HandshakeJoiner`], checking their invariants as it goes. Shared by the
//! `fuzzing` entry point and the record-layer tests; a failed assertion here is a bug in
//! the record layer, never a property of the input.

use super::deframer::{self, Deframed, Deframer};
use super::joiner::HandshakeJoiner;
use super::joiner::{HANDSHAKE_HEADER_LEN, MAX_HANDSHAKE_BUFFER};
use super::{MAX_CIPHERTEXT, MAX_PLAINTEXT};
use crate::error::Error;
use crate::msgs::enums::ContentType;

/// What a run saw.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Records popped.
    pub(crate) records: usize,
    /// Handshake messages reassembled.
    pub(crate) messages: usize,
    /// SSLv2-compatible hellos popped.
    pub(crate) sslv2: usize,
    /// Non-handshake records that arrived while a handshake message was partial.
    pub(crate) interleaved: usize,
    /// The error that ended the run, if any.
    pub(crate) error: Option<Error>,
    /// Whether the input ended in the middle of a record.
    pub(crate) partial_at_eof: bool,
}

/// xorshift32: enough to vary chunk sizes deterministically.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u32) -> usize {
        usize::try_from(self.next() % n.max(1)).unwrap_or(0)
    }
}

/// FNV-1a over the input: chunking and options follow from the bytes themselves, so a
/// fuzzer mutating the stream also explores different read patterns.
fn seed(data: &[u8]) -> u32 {
    let h = data.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    h | 1
}

/// Feeds `data` in chunks whose sizes derive from the data, pops every record and sends
/// handshake payloads through a joiner. Panics only if a record-layer invariant breaks.
pub(crate) fn run(data: &[u8]) -> Outcome {
    let mut rng = Rng(seed(data));
    let mut d = Deframer::new();
    let mut j = HandshakeJoiner::new();
    let flags = rng.next();
    if flags & 1 != 0 {
        d.allow_sslv2_client_hello();
    }
    if flags & 2 != 0 {
        d.set_max_record_len(MAX_PLAINTEXT);
    }
    let mut out = Outcome::default();
    let mut rest = data;
    while !rest.is_empty() {
        let want = match rng.below(4) {
            0 => 1 + rng.below(8),
            1 => 1 + rng.below(300),
            2 => 1 + rng.below(20_000),
            _ => rest.len(),
        }
        .min(rest.len());
        let (chunk, _) = rest.split_at_checked(want).unwrap_or((rest, &[]));
        let taken = if rng.next() & 1 == 0 {
            d.read_tls(chunk)
        } else {
            let free = d.recv_buf();
            let n = free.len().min(chunk.len());
            if let (Some(dst), Some(src)) = (free.get_mut(..n), chunk.get(..n)) {
                dst.copy_from_slice(src);
            }
            d.recv_ack(n);
            n
        };
        rest = rest.get(taken..).unwrap_or_default();
        assert!(d.buffered() <= d.capacity());
        assert!(d.capacity() <= deframer::CAPACITY);

        let before = out.records + out.sslv2;
        if let Err(e) = pop_all(&mut d, &mut j, &mut out) {
            out.error = Some(e);
            return out;
        }
        let popped = out.records + out.sslv2 > before;
        // No livelock: a full buffer always holds a whole record to pop.
        assert!(taken > 0 || popped, "deframer made no progress");
    }
    out.partial_at_eof = d.has_partial();
    assert_eq!(out.partial_at_eof, d.buffered() > 0);
    out
}

fn pop_all(d: &mut Deframer, j: &mut HandshakeJoiner, out: &mut Outcome) -> Result<(), Error> {
    loop {
        match d.pop()? {
            None => return Ok(()),
            Some(Deframed::Sslv2ClientHello(hello)) => {
                assert_eq!(hello.first(), Some(&1));
                assert!(hello.len() <= deframer::MAX_SSLV2_CLIENT_HELLO);
                out.sslv2 += 1;
            }
            Some(Deframed::Record(r)) => {
                out.records += 1;
                assert_eq!(r.payload.len(), r.header.payload_len());
                assert!(r.payload.len() <= MAX_CIPHERTEXT);
                if r.header.typ != ContentType::HANDSHAKE {
                    if j.has_partial() {
                        out.interleaved += 1;
                    }
                    continue;
                }
                j.push(r.payload)?;
                while let Some(m) = j.pop() {
                    let announced = m
                        .get(1..HANDSHAKE_HEADER_LEN)
                        .map(|l| l.iter().fold(0usize, |a, &b| a << 8 | usize::from(b)));
                    assert_eq!(announced.map(|l| l + HANDSHAKE_HEADER_LEN), Some(m.len()));
                    out.messages += 1;
                }
                assert!(j.capacity() <= MAX_HANDSHAKE_BUFFER);
                assert!(j.buffered() < MAX_HANDSHAKE_BUFFER);
            }
        }
    }
}
