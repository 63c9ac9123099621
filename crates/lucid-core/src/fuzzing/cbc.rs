//! The `cbc_open` harness: the CBC + HMAC record open path under fixed keys (AES, and
//! 3DES-EDE for the legacy opt-in).

use alloc::vec::Vec;

use crate::codec::{ListLength, Reader};
use crate::crypto::cbc::{CbcOpener as RecordOpener, CbcSealer as RecordSealer, MAX_PLAINTEXT_LEN};
use crate::crypto::suites::{ALL_SUITES, KeyExchange, Protection, SuiteParams};
use crate::error::Error;
use crate::fuzzing::rng::{FuzzRng, ReplayIv};
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// One protection configuration: suite, version, encrypt-then-MAC.
#[derive(Debug, Clone, Copy)]
struct Config {
    suite: &'static SuiteParams,
    version: ProtocolVersion,
    etm: bool,
}

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::TLSV1_0,
    ProtocolVersion::TLSV1_1,
    ProtocolVersion::TLSV1_2,
];

/// Number of configurations: the 11 valid suite × version pairs (8 AES, then 3 3DES),
/// each with and without ETM.
pub(crate) const CONFIGS: usize = 22;

/// The `n`th valid (suite, version, ETM) combination, `n < CONFIGS`.
fn config(n: usize) -> Option<Config> {
    let etm = n % 2 == 1;
    ALL_SUITES
        .iter()
        // One suite per CBC record protection (the key exchange does not touch records),
        // in the order the committed seeds were recorded with (3DES came later, last).
        .filter(|s| matches!(s.protection, Protection::Cbc(_)) && s.kx == KeyExchange::Rsa)
        .flat_map(|s| VERSIONS.iter().map(move |v| (s, *v)))
        .filter(|(s, v)| s.usable_with(*v))
        .nth(n / 2)
        .map(|(suite, version)| Config {
            suite,
            version,
            etm,
        })
}

impl Config {
    fn keys(&self) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let mac = alloc::vec![0x11; self.suite.mac_len()];
        let enc = alloc::vec![0x22; self.suite.enc_key_len()];
        let iv = alloc::vec![0x33; self.suite.fixed_iv_len(self.version)];
        (mac, enc, iv)
    }

    fn opener(&self) -> RecordOpener {
        let (mac, enc, iv) = self.keys();
        RecordOpener::new(self.suite, self.version, &mac, &enc, &iv, self.etm)
            .expect("fixed keys fit the suite")
    }

    fn sealer(&self) -> RecordSealer {
        let (mac, enc, iv) = self.keys();
        RecordSealer::new(self.suite, self.version, &mac, &enc, &iv, self.etm)
            .expect("fixed keys fit the suite")
    }

    fn iv_len(&self) -> usize {
        if self.version.get() >= ProtocolVersion::TLSV1_1.get() {
            self.block_len()
        } else {
            0
        }
    }

    fn block_len(&self) -> usize {
        self.suite.block_len()
    }
}

/// Input: `config(1) || type(1) || [len(2) || record body]...`.
///
/// `config % 22` picks the suite × version × encrypt-then-MAC combination (fixed keys);
/// `type` is the content type the record headers claim. Then:
///
/// 1. The records are opened in sequence by one [`RecordOpener`] until one fails. Failure
///    must be [`Error::BadRecordMac`] or [`Error::RecordOverflow`]. A record that opens
///    must be exactly what a [`RecordSealer`] with the same keys and sequence number
///    produces for the plaintext it yielded (same explicit IV, same padding length): the
///    opener accepts only genuine records.
/// 2. Everything after the two header bytes is sealed as plaintext (truncated to 2^14),
///    once with minimal padding and once with a padding length derived from `type`; both
///    records must open to that plaintext, and a copy with one bit flipped must not open.
pub fn cbc_open(data: &[u8]) {
    let mut r = Reader::new(data);
    let (Ok(n), Ok(typ)) = (r.u8("config"), r.u8("type")) else {
        return;
    };
    let Some(cfg) = config(usize::from(n) % CONFIGS) else {
        unreachable!("every index below CONFIGS is a configuration");
    };
    let typ = ContentType(typ);
    let rest = r.rest();
    open_arbitrary(cfg, typ, rest);
    seal_then_open(cfg, typ, rest);
}

fn open_arbitrary(cfg: Config, typ: ContentType, mut rest: &[u8]) {
    let mut opener = cfg.opener();
    let mut sealer = cfg.sealer();
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
        let plain = match opener.open(typ, cfg.version, &mut buf) {
            Ok(p) => p.to_vec(),
            Err(Error::BadRecordMac | Error::RecordOverflow { .. }) => return,
            Err(e) => panic!("unexpected error from open: {e:?}"),
        };
        // Accepted: re-create it with the sealer and compare byte for byte.
        // Both layouts: body = IV || plaintext, MAC, padding, padding_length (in some order).
        let pad = record
            .len()
            .checked_sub(cfg.iv_len() + plain.len() + cfg.suite.mac_len() + 1)
            .and_then(|p| u8::try_from(p).ok())
            .expect("opened record has a padding length in 0..=255");
        let mut iv = [0u8; 16];
        if let Some(explicit) = record.get(..cfg.iv_len()) {
            if let Some(dst) = iv.get_mut(..explicit.len()) {
                dst.copy_from_slice(explicit);
            }
        }
        let mut again = Vec::new();
        sealer
            .seal_with_padding(
                typ,
                cfg.version,
                &plain,
                &mut again,
                &mut ReplayIv::new(iv),
                Some(pad),
            )
            .expect("the sealer can produce what the opener accepted");
        assert_eq!(
            again.get(crate::record::HEADER_LEN..),
            Some(record),
            "opener accepted a record the sealer does not produce"
        );
    }
}

fn seal_then_open(cfg: Config, typ: ContentType, plaintext: &[u8]) {
    let plaintext = plaintext.get(..MAX_PLAINTEXT_LEN).unwrap_or(plaintext);
    let mut sealer = cfg.sealer();
    let mut rng = FuzzRng::new(0x5eed);

    let mac_len = cfg.suite.mac_len();
    let padded = if cfg.etm {
        plaintext.len()
    } else {
        plaintext.len() + mac_len
    };
    let bl = cfg.block_len();
    let base = (bl - (padded + 1) % bl) % bl;
    let blocks = usize::from(typ.get() >> 4).min((255 - base) / bl);
    let pad = u8::try_from(base + bl * blocks).expect("padding fits a byte");

    let mut minimal = Vec::new();
    sealer
        .seal(typ, cfg.version, plaintext, &mut minimal, &mut rng)
        .expect("seal");
    let mut padded_rec = Vec::new();
    sealer
        .seal_with_padding(
            typ,
            cfg.version,
            plaintext,
            &mut padded_rec,
            &mut rng,
            Some(pad),
        )
        .expect("seal with a valid padding length");

    let mut opener = cfg.opener();
    for rec in [&minimal, &padded_rec] {
        let mut body = rec.get(crate::record::HEADER_LEN..).unwrap_or(&[]).to_vec();
        let opened = opener
            .open(typ, cfg.version, &mut body)
            .expect("a sealed record opens");
        assert_eq!(opened, plaintext, "round trip changed the plaintext");
    }

    // One flipped bit anywhere in the body: rejected.
    let mut body = minimal
        .get(crate::record::HEADER_LEN..)
        .unwrap_or(&[])
        .to_vec();
    let bits = body.len() * 8;
    let at = usize::try_from(fnv(plaintext) % u64::try_from(bits).unwrap_or(1)).unwrap_or(0);
    if let Some(b) = body.get_mut(at / 8) {
        *b ^= 1 << (at % 8);
    }
    assert!(
        matches!(
            cfg.opener().open(typ, cfg.version, &mut body),
            Err(Error::BadRecordMac)
        ),
        "a record with bit {at} flipped was accepted"
    );
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Test and seed helper: a sealed record body (no header) for configuration `n` at
/// sequence number 0, with an explicit IV of `0x44` bytes.
pub(crate) fn sealed_body(n: usize, typ: ContentType, plaintext: &[u8]) -> Vec<u8> {
    let cfg = config(n).unwrap();
    let mut out = Vec::new();
    cfg.sealer()
        .seal(
            typ,
            cfg.version,
            plaintext,
            &mut out,
            &mut ReplayIv::new([0x44; 16]),
        )
        .unwrap();
    out.split_off(crate::record::HEADER_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_cover_every_suite_version_and_etm() {
        let all: Vec<_> = (0..CONFIGS).map(|n| config(n).unwrap()).collect();
        assert!(config(CONFIGS).is_none());
        assert_eq!(all.iter().filter(|c| c.etm).count(), 11);
        assert_eq!(
            all.iter()
                .filter(|c| c.version == ProtocolVersion::TLSV1_0)
                .count(),
            6
        );
        assert_eq!(all.iter().filter(|c| c.block_len() == 8).count(), 6);
        for c in &all {
            assert!(c.suite.usable_with(c.version));
        }
    }

    #[test]
    fn genuine_records_pass_the_reseal_check() {
        for n in 0..CONFIGS {
            let typ = ContentType::APPLICATION_DATA;
            let body = sealed_body(n, typ, b"hello, world");
            let mut input = alloc::vec![n as u8, typ.get()];
            crate::codec::put_vec(&mut input, ListLength::U16, &body);
            // The opener must accept it (the reseal comparison then runs).
            let mut copy = body.clone();
            assert_eq!(
                config(n)
                    .unwrap()
                    .opener()
                    .open(typ, config(n).unwrap().version, &mut copy)
                    .unwrap(),
                b"hello, world"
            );
            cbc_open(&input);
            // And without a length prefix (the record is the rest of the input).
            let mut bare = alloc::vec![n as u8, typ.get()];
            bare.extend_from_slice(&body);
            cbc_open(&bare);
        }
    }
}
