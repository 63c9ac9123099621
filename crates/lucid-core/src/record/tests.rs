//! Deframer + joiner together, on valid, random and mutated streams.

use alloc::vec::Vec;

use super::drive;
use super::joiner::MAX_HANDSHAKE_MESSAGE_BODY;
use crate::codec::InvalidMessage;
use crate::error::Error;

/// splitmix64, so the test is reproducible without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A valid stream: (bytes, record count, handshake message count, record header offsets).
struct Stream {
    bytes: Vec<u8>,
    records: usize,
    messages: usize,
    header_offsets: Vec<usize>,
}

fn push_record(s: &mut Stream, typ: u8, body: &[u8]) {
    s.header_offsets.push(s.bytes.len());
    s.bytes
        .extend_from_slice(&[typ, 3, 1 + (s.records % 3) as u8]);
    s.bytes
        .extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    s.bytes.extend_from_slice(body);
    s.records += 1;
}

fn valid_stream(rng: &mut Rng) -> Stream {
    let mut s = Stream {
        bytes: Vec::new(),
        records: 0,
        messages: 0,
        header_offsets: Vec::new(),
    };
    // Handshake messages, packed into records of random sizes (spanning and sharing).
    let mut hs = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let len = match rng.below(4) {
            0 => 0,
            1 => rng.below(64),
            2 => rng.below(3000),
            _ => rng.below(40_000),
        };
        hs.push(rng.below(21) as u8);
        hs.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes()[1..]);
        hs.extend(rng.bytes(len));
        s.messages += 1;
    }
    let mut rest = &hs[..];
    while !rest.is_empty() {
        let n = (1 + rng.below(super::MAX_PLAINTEXT)).min(rest.len());
        let (a, b) = rest.split_at(n);
        push_record(&mut s, 22, a);
        rest = b;
    }
    push_record(&mut s, 20, &[1]);
    push_record(&mut s, 21, &[1, 0]);
    let n = rng.below(2000);
    push_record(&mut s, 23, &rng.bytes(n));
    s
}

fn mutate(rng: &mut Rng, s: &Stream) -> Vec<u8> {
    let mut b = s.bytes.clone();
    for _ in 0..1 + rng.below(3) {
        match rng.below(6) {
            // Flip bytes anywhere.
            0 => {
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(b.len());
                    if let Some(x) = b.get_mut(i) {
                        *x ^= 1 << rng.below(8);
                    }
                }
            }
            // Alter a record length field.
            1 => {
                let h = s.header_offsets[rng.below(s.header_offsets.len())];
                if h + 5 > b.len() {
                    continue;
                }
                let v = match rng.below(4) {
                    0 => 0u16,
                    1 => 0xffff,
                    2 => rng.next() as u16,
                    _ => u16::from_be_bytes([b[h + 3], b[h + 4]]).wrapping_add(1),
                };
                b[h + 3..h + 5].copy_from_slice(&v.to_be_bytes());
            }
            // Alter a handshake length byte right after the first header.
            2 => {
                if b.len() > 8 {
                    b[6 + rng.below(3)] = rng.next() as u8;
                }
            }
            // Truncate.
            3 => {
                let n = rng.below(b.len() + 1);
                b.truncate(n);
            }
            // Duplicate a span.
            4 => {
                if !b.is_empty() {
                    let from = rng.below(b.len());
                    let to = (from + rng.below(500)).min(b.len());
                    let at = rng.below(b.len() + 1);
                    let span = b[from..to].to_vec();
                    b.splice(at..at, span);
                }
            }
            // Insert random bytes (including SSLv2-looking ones) at the front or anywhere.
            _ => {
                let at = if rng.below(2) == 0 {
                    0
                } else {
                    rng.below(b.len() + 1)
                };
                let n = 1 + rng.below(8);
                let junk = rng.bytes(n);
                b.splice(at..at, junk);
            }
        }
    }
    b
}

#[test]
fn valid_streams_come_out_whole() {
    let mut rng = Rng(1);
    for _ in 0..200 {
        let s = valid_stream(&mut rng);
        let out = drive::run(&s.bytes);
        assert_eq!(out.error, None);
        assert_eq!(out.records + out.sslv2, s.records);
        // An SSLv2-enabled run never sees a high-bit first byte here (22 is first).
        assert_eq!(out.sslv2, 0);
        assert_eq!(out.messages, s.messages);
        assert_eq!(out.interleaved, 0);
        assert!(!out.partial_at_eof);
    }
}

#[test]
fn ten_thousand_random_and_mutated_streams() {
    let mut rng = Rng(0x5eed);
    let (mut errors, mut partial, mut records, mut messages) = (0, 0, 0, 0);
    let mut runs = 0;
    let mut overflow = 0;
    let mut too_large = 0;
    for i in 0..12_000 {
        let input = match i % 4 {
            0 => {
                let max = if rng.below(8) == 0 { 40_000 } else { 300 };
                let n = rng.below(max);
                rng.bytes(n)
            }
            _ => {
                let s = valid_stream(&mut rng);
                mutate(&mut rng, &s)
            }
        };
        // drive::run asserts the buffer caps and record/message consistency itself.
        let out = drive::run(&input);
        runs += 1;
        records += out.records;
        messages += out.messages;
        match out.error {
            Some(Error::RecordOverflow { .. }) => overflow += 1,
            Some(Error::InvalidMessage(InvalidMessage::TooLarge(_))) => too_large += 1,
            _ => {}
        }
        errors += usize::from(out.error.is_some());
        partial += usize::from(out.partial_at_eof);
    }
    assert!(runs >= 10_000);
    // The mix really exercised every path.
    assert!(errors > 1000, "errors {errors}");
    assert!(partial > 1000, "partial {partial}");
    assert!(overflow > 100, "overflow {overflow}");
    assert!(too_large > 10, "too_large {too_large}");
    assert!(records > 10_000, "records {records}");
    assert!(messages > 1000, "messages {messages}");
}

#[test]
fn oversized_handshake_message_in_a_valid_record_is_rejected() {
    let mut b = Vec::from([22u8, 3, 3, 0, 4, 11]);
    let len = u32::try_from(MAX_HANDSHAKE_MESSAGE_BODY + 1).unwrap();
    b.extend_from_slice(&len.to_be_bytes()[1..]);
    let out = drive::run(&b);
    assert_eq!(
        out.error,
        Some(Error::InvalidMessage(InvalidMessage::TooLarge(
            "handshake message"
        )))
    );
}
