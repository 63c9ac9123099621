//! The `stream_open` harness: the RC4 + HMAC record open path (the legacy
//! `TLS_RSA_WITH_RC4_128_*` suites) under fixed keys.

use alloc::vec::Vec;

use crate::codec::{ListLength, Reader};
use crate::crypto::stream::{StreamOpener, StreamSealer};
use crate::crypto::suites::{ALL_SUITES, Protection, SuiteParams};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};
use crate::msgs::record::MAX_PLAINTEXT;

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::TLSV1_0,
    ProtocolVersion::TLSV1_1,
    ProtocolVersion::TLSV1_2,
];

/// Number of configurations: the two RC4 suites (HMAC-SHA1, HMAC-MD5) × three versions.
pub(crate) const CONFIGS: usize = 6;

/// The `n`th (suite, version), `n < CONFIGS`.
fn config(n: usize) -> Option<(&'static SuiteParams, ProtocolVersion)> {
    ALL_SUITES
        .iter()
        .filter(|s| matches!(s.protection, Protection::Stream(_)))
        .flat_map(|s| VERSIONS.iter().map(move |v| (s, *v)))
        .nth(n)
}

fn keys(suite: &SuiteParams) -> (Vec<u8>, Vec<u8>) {
    (
        alloc::vec![0x11; suite.mac_len()],
        alloc::vec![0x22; suite.enc_key_len()],
    )
}

fn opener(suite: &SuiteParams) -> StreamOpener {
    let (mac, enc) = keys(suite);
    StreamOpener::new(suite, &mac, &enc).expect("fixed keys fit the suite")
}

fn sealer(suite: &SuiteParams) -> StreamSealer {
    let (mac, enc) = keys(suite);
    StreamSealer::new(suite, &mac, &enc).expect("fixed keys fit the suite")
}

/// Input: `config(1) || type(1) || [len(2) || record body]...`.
///
/// `config % 6` picks the RC4 suite × version (fixed keys); `type` is the content type the
/// record headers claim. Then:
///
/// 1. The records are opened in sequence by one [`StreamOpener`] until one fails. Failure
///    must be [`Error::BadRecordMac`] or [`Error::RecordOverflow`]. A record that opens must
///    be exactly what a [`StreamSealer`] with the same keys, keystream position and sequence
///    number makes of the plaintext it yielded: the opener accepts only genuine records.
/// 2. Everything after the two header bytes is sealed as plaintext (truncated to 2^14);
///    it must open to that plaintext, and a copy with one bit flipped must not open.
pub fn stream_open(data: &[u8]) {
    let mut r = Reader::new(data);
    let (Ok(n), Ok(typ)) = (r.u8("config"), r.u8("type")) else {
        return;
    };
    let Some((suite, version)) = config(usize::from(n) % CONFIGS) else {
        unreachable!("every index below CONFIGS is a configuration");
    };
    let typ = ContentType(typ);
    let rest = r.rest();
    open_arbitrary(suite, version, typ, rest);
    seal_then_open(suite, version, typ, rest);
}

fn open_arbitrary(
    suite: &SuiteParams,
    version: ProtocolVersion,
    typ: ContentType,
    mut rest: &[u8],
) {
    let mut opener = opener(suite);
    let mut sealer = sealer(suite);
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
        let mut buf = record.to_vec();
        let plain = match opener.open(typ, version, &mut buf) {
            Ok(p) => p.to_vec(),
            Err(Error::BadRecordMac | Error::RecordOverflow { .. }) => return,
            Err(e) => panic!("unexpected error from open: {e:?}"),
        };
        let mut again = Vec::new();
        sealer
            .seal(typ, version, &plain, &mut again)
            .expect("the sealer can produce what the opener accepted");
        assert_eq!(
            again.get(crate::record::HEADER_LEN..),
            Some(record),
            "opener accepted a record the sealer does not produce"
        );
    }
}

fn seal_then_open(
    suite: &SuiteParams,
    version: ProtocolVersion,
    typ: ContentType,
    plaintext: &[u8],
) {
    let plaintext = plaintext.get(..MAX_PLAINTEXT).unwrap_or(plaintext);
    let mut rec = Vec::new();
    sealer(suite)
        .seal(typ, version, plaintext, &mut rec)
        .expect("seal");
    let body = rec.get(crate::record::HEADER_LEN..).unwrap_or(&[]);
    let mut copy = body.to_vec();
    let opened = opener(suite)
        .open(typ, version, &mut copy)
        .expect("a sealed record opens");
    assert_eq!(opened, plaintext, "round trip changed the plaintext");

    let mut bad = body.to_vec();
    let bits = bad.len() * 8;
    let at = plaintext.iter().fold(0usize, |h, &b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % bits.max(1);
    if let Some(b) = bad.get_mut(at / 8) {
        *b ^= 1 << (at % 8);
    }
    assert!(
        matches!(
            opener(suite).open(typ, version, &mut bad),
            Err(Error::BadRecordMac)
        ),
        "a record with bit {at} flipped was accepted"
    );
}

/// Test and seed helper: a sealed record body (no header) for configuration `n`, the first
/// record of its keystream.
pub(crate) fn sealed_body(n: usize, typ: ContentType, plaintext: &[u8]) -> Vec<u8> {
    let (suite, version) = config(n).unwrap();
    let mut out = Vec::new();
    sealer(suite)
        .seal(typ, version, plaintext, &mut out)
        .unwrap();
    out.split_off(crate::record::HEADER_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_cover_both_rc4_suites_at_every_version() {
        let all: Vec<_> = (0..CONFIGS).map(|n| config(n).unwrap()).collect();
        assert!(config(CONFIGS).is_none());
        assert_eq!(all.iter().filter(|(s, _)| s.mac_len() == 16).count(), 3);
        for (s, v) in &all {
            assert!(s.usable_with(*v) && s.legacy.is_some());
        }
    }

    #[test]
    fn genuine_records_pass_the_reseal_check() {
        for n in 0..CONFIGS {
            let typ = ContentType::APPLICATION_DATA;
            // Two records in sequence: the keystream runs on.
            let mut input = alloc::vec![n as u8, typ.get()];
            let (suite, version) = config(n).unwrap();
            let mut s = sealer(suite);
            for msg in [&b"hello, world"[..], b"second"] {
                let mut rec = Vec::new();
                s.seal(typ, version, msg, &mut rec).unwrap();
                crate::codec::put_vec(&mut input, ListLength::U16, &rec[5..]);
            }
            let mut o = opener(suite);
            let mut body = sealed_body(n, typ, b"hello, world");
            assert_eq!(o.open(typ, version, &mut body).unwrap(), b"hello, world");
            stream_open(&input);
        }
    }
}
