//! The `gcm_open` harness: the AES-GCM record open path (RFC 5288) under fixed keys, on
//! both of lucid's GCM backends at once — the one record keys get on this machine
//! (graviola with the `graviola-gcm` feature on a CPU that has its instructions) and the
//! portable `aes-gcm` one — which must agree on every input.

use alloc::vec::Vec;

use crate::codec::{ListLength, Reader};
use crate::crypto::gcm::{GcmOpener, GcmSealer};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};
use crate::msgs::record::{HEADER_LEN, MAX_PLAINTEXT};

/// Number of configurations: AES-128-GCM and AES-256-GCM (TLS 1.2 only, as every GCM
/// suite).
pub(crate) const CONFIGS: usize = 2;

const VERSION: ProtocolVersion = ProtocolVersion::TLSV1_2;

/// The fixed record key and 4-byte implicit nonce of configuration `n`.
fn keys(n: usize) -> (Vec<u8>, [u8; 4]) {
    (alloc::vec![0x33; if n == 0 { 16 } else { 32 }], [0x44; 4])
}

/// (the machine's backend, the portable backend) openers.
fn openers(n: usize) -> [GcmOpener; 2] {
    let (key, iv) = keys(n);
    [
        GcmOpener::new(&key, &iv).expect("fixed keys fit"),
        GcmOpener::portable(&key, &iv).expect("fixed keys fit"),
    ]
}

/// (the machine's backend, the portable backend) sealers.
fn sealers(n: usize) -> [GcmSealer; 2] {
    let (key, iv) = keys(n);
    [
        GcmSealer::new(&key, &iv).expect("fixed keys fit"),
        GcmSealer::portable(&key, &iv).expect("fixed keys fit"),
    ]
}

/// Input: `config(1) || type(1) || [len(2) || record body]...`.
///
/// `config % 2` picks AES-128-GCM or AES-256-GCM (fixed key and salt); `type` is the
/// content type the record headers claim. Then:
///
/// 1. The records are opened in sequence by two openers, one per backend, until one fails.
///    Both must give the same result: the same plaintext, or the same error, which must be
///    [`Error::BadRecordMac`] or [`Error::RecordOverflow`]. A record that opens and whose
///    explicit nonce is its sequence number (what lucid sends) must be byte-identical to
///    what a sealer makes of its plaintext.
/// 2. Everything after the two header bytes is sealed as plaintext (truncated to 2^14) by
///    both backends: the records must be identical, open back on the other backend, and
///    fail with one bit flipped on both.
pub fn gcm_open(data: &[u8]) {
    let mut r = Reader::new(data);
    let (Ok(n), Ok(typ)) = (r.u8("config"), r.u8("type")) else {
        return;
    };
    let n = usize::from(n) % CONFIGS;
    let typ = ContentType(typ);
    let rest = r.rest();
    open_arbitrary(n, typ, rest);
    seal_then_open(n, typ, rest);
}

fn open_arbitrary(n: usize, typ: ContentType, mut rest: &[u8]) {
    let [mut fast, mut portable] = openers(n);
    let [mut sealer, _] = sealers(n);
    while !rest.is_empty() {
        let mut r = Reader::new(rest);
        let record = match r.sub(ListLength::U16, "record") {
            Ok(mut sub) => {
                let record = sub.rest();
                rest = r.rest();
                record
            }
            // A length running past the end: the record is everything left.
            Err(_) => core::mem::take(&mut rest),
        };
        let seq = fast.seq();
        let (mut a, mut b) = (record.to_vec(), record.to_vec());
        let plain = match (
            fast.open(typ, VERSION, &mut a).map(|p| p.to_vec()),
            portable.open(typ, VERSION, &mut b).map(|p| p.to_vec()),
        ) {
            (Ok(x), Ok(y)) => {
                assert_eq!(
                    x, y,
                    "the GCM backends opened a record to different plaintexts"
                );
                x
            }
            (Err(e), Err(f)) => {
                assert_eq!(e, f, "the GCM backends failed a record differently");
                assert!(
                    matches!(e, Error::BadRecordMac | Error::RecordOverflow { .. }),
                    "unexpected error from open: {e:?}"
                );
                return;
            }
            (x, y) => panic!("the GCM backends disagree on a record: {x:?} / {y:?}"),
        };
        // The sealer's explicit nonce is its sequence number: where the record's is too,
        // resealing must give the record back.
        let mut again = Vec::new();
        sealer
            .seal(typ, VERSION, &plain, &mut again)
            .expect("the sealer can produce what the opener accepted");
        if record.get(..8) == Some(&seq.to_be_bytes()[..]) {
            assert_eq!(
                again.get(HEADER_LEN..),
                Some(record),
                "opener accepted a record the sealer does not produce"
            );
        }
    }
}

fn seal_then_open(n: usize, typ: ContentType, plaintext: &[u8]) {
    let plaintext = plaintext.get(..MAX_PLAINTEXT).unwrap_or(plaintext);
    let [mut fast, mut portable] = sealers(n);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    fast.seal(typ, VERSION, plaintext, &mut x).expect("seal");
    portable
        .seal(typ, VERSION, plaintext, &mut y)
        .expect("seal");
    assert_eq!(x, y, "the GCM backends sealed a record differently");
    let body = x.get(HEADER_LEN..).unwrap_or(&[]);
    // Each backend opens the other's record (they are identical, so: both open it).
    for mut opener in openers(n) {
        let mut copy = body.to_vec();
        let opened = opener
            .open(typ, VERSION, &mut copy)
            .expect("a sealed record opens");
        assert_eq!(opened, plaintext, "round trip changed the plaintext");
    }
    let bits = body.len() * 8;
    let at = plaintext.iter().fold(0usize, |h, &b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % bits.max(1);
    for mut opener in openers(n) {
        let mut bad = body.to_vec();
        if let Some(b) = bad.get_mut(at / 8) {
            *b ^= 1 << (at % 8);
        }
        assert!(
            matches!(
                opener.open(typ, VERSION, &mut bad),
                Err(Error::BadRecordMac)
            ),
            "a record with bit {at} flipped was accepted"
        );
    }
}

/// Test and seed helper: a sealed record body (no header) for configuration `n`, the first
/// record under its key.
pub(crate) fn sealed_body(n: usize, typ: ContentType, plaintext: &[u8]) -> Vec<u8> {
    let [mut s, _] = sealers(n);
    let mut out = Vec::new();
    s.seal(typ, VERSION, plaintext, &mut out).unwrap();
    out.split_off(HEADER_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genuine_and_tampered_records_pass_through_both_backends() {
        let typ = ContentType::APPLICATION_DATA;
        for n in 0..CONFIGS {
            let mut input = alloc::vec![n as u8, typ.get()];
            let [mut s, _] = sealers(n);
            for msg in [&b"hello, world"[..], b"second", &[0x5a; 3000]] {
                let mut rec = Vec::new();
                s.seal(typ, VERSION, msg, &mut rec).unwrap();
                crate::codec::put_vec(&mut input, ListLength::U16, &rec[HEADER_LEN..]);
            }
            gcm_open(&input);
            // The same records with the last one's tag broken: both backends refuse it.
            let last = input.len() - 1;
            input[last] ^= 0x80;
            gcm_open(&input);
            // Shorter than a nonce and a tag.
            gcm_open(&[n as u8, typ.get(), 0, 3, 1, 2, 3]);
        }
        let mut o = openers(0);
        let mut body = sealed_body(0, typ, b"hello, world");
        assert_eq!(o[0].open(typ, VERSION, &mut body).unwrap(), b"hello, world");
    }
}
