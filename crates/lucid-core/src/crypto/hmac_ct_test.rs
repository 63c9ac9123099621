use super::*;
use hmac::{Hmac, KeyInit, Mac};

fn plain(alg: MacAlgorithm, key: &[u8], parts: &[&[u8]]) -> alloc::vec::Vec<u8> {
    match alg {
        MacAlgorithm::Md5 => {
            let mut m = <Hmac<md5::Md5> as KeyInit>::new_from_slice(key).unwrap();
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        MacAlgorithm::Sha1 => {
            let mut m = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        MacAlgorithm::Sha256 => {
            let mut m = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        MacAlgorithm::Sha384 => {
            let mut m = <Hmac<sha2::Sha384> as KeyInit>::new_from_slice(key).unwrap();
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
    }
}

/// RFC 2202 §2 test cases 1, 2 and 6 (a key longer than the block), through both the
/// streaming and the secret-length paths: the known answers fix MD5's little-endian
/// length field and digest words.
#[test]
fn hmac_md5_rfc2202() {
    let long_data: &[u8] = b"Test Using Larger Than Block-Size Key - Hash Key First";
    let cases: [(&[u8], &[u8], &str); 3] = [
        (&[0x0b; 16], b"Hi There", "9294727a3638bb1c13f48ef8158bfc9d"),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "750c783e6ab0b503eaa86e310a5db738",
        ),
        (&[0xaa; 80], long_data, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"),
    ];
    for (key, data, want) in cases {
        let k = CtHmacKey::new(MacAlgorithm::Md5, key);
        let mut out = [0u8; MAX_MAC_LEN];
        assert_eq!(k.compute(&[data], &mut out), 16);
        assert_eq!(hex::encode(&out[..16]), want);
        let mut ct = [0u8; MAX_MAC_LEN];
        k.mac_ct(&[], data, data.len() as u32, 0, &mut ct);
        assert_eq!(hex::encode(&ct[..16]), want);
    }
}

/// MacStream gives the plain HMAC for every length and every way of splitting the
/// input (unaligned pieces, pieces ending on block boundaries via `aligned`).
#[test]
fn mac_stream_matches_plain_hmac_however_split() {
    let data: alloc::vec::Vec<u8> = (0..600u32).map(|i| (i * 13 + 5) as u8).collect();
    for alg in [
        MacAlgorithm::Md5,
        MacAlgorithm::Sha1,
        MacAlgorithm::Sha256,
        MacAlgorithm::Sha384,
    ] {
        for key_len in [0usize, 20, 64, 65, 128, 129] {
            let key: alloc::vec::Vec<u8> = (0..key_len).map(|i| (i * 3) as u8).collect();
            let k = CtHmacKey::new(alg, &key);
            for len in (0..200).chain([255, 256, 257, 511, 512, 600]) {
                let want = plain(alg, &key, &[&data[..len]]);
                for step in [1usize, 7, 29, 64, 100, 1000] {
                    let mut m = k.stream();
                    for piece in data[..len].chunks(step) {
                        m.update(piece);
                    }
                    let mut out = [0u8; MAX_MAC_LEN];
                    assert_eq!(m.finish(&mut out), alg.mac_len());
                    assert_eq!(&out[..alg.mac_len()], &want[..], "{alg:?} {len} {step}");
                }
                // 13-byte header, then aligned pieces as the interleaved seal feeds them.
                let mut m = k.stream();
                m.update(&data[..13.min(len)]);
                let mut at = 13.min(len);
                while at < len {
                    let n = m.aligned(len - at).max(1.min(len - at));
                    let n = if n == 0 { len - at } else { n.min(128) };
                    m.update(&data[at..at + n]);
                    at += n;
                }
                let mut out = [0u8; MAX_MAC_LEN];
                m.finish(&mut out);
                assert_eq!(&out[..alg.mac_len()], &want[..], "{alg:?} {len} aligned");
            }
        }
    }
}

/// Like BearSSL's test_HMAC_CT: every secret length in a sliding public window gives the
/// plain HMAC, with a constant number of compression calls per window.
#[test]
fn ct_mac_matches_plain_hmac_for_every_length() {
    let data: alloc::vec::Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
    for alg in [
        MacAlgorithm::Md5,
        MacAlgorithm::Sha1,
        MacAlgorithm::Sha256,
        MacAlgorithm::Sha384,
    ] {
        for key_len in [0usize, 20, 64, 65, 100, 128, 129] {
            let key: alloc::vec::Vec<u8> = (0..key_len).map(|i| i as u8).collect();
            let k = CtHmacKey::new(alg, &key);
            for header in [&b""[..], &[0xa5; 13][..]] {
                for min_len in [0usize, 1, 50, 63, 64, 120, 127, 128, 300] {
                    let max_len = min_len + 256;
                    let window = &data[..max_len];
                    let mut calls = None;
                    for len in min_len..=max_len {
                        let mut out = [0u8; MAX_MAC_LEN];
                        let before = COMPRESS_CALLS.with(|c| c.get());
                        k.mac_ct(header, window, len as u32, min_len, &mut out);
                        let n = COMPRESS_CALLS.with(|c| c.get()) - before;
                        assert_eq!(*calls.get_or_insert(n), n);
                        let want = plain(alg, &key, &[header, &data[..len]]);
                        assert_eq!(&out[..alg.mac_len()], &want[..], "{alg:?} {len}");
                    }
                    let (block, len_field) = match alg {
                        MacAlgorithm::Sha384 => (128, 16),
                        _ => (64, 8),
                    };
                    let expect = (header.len() + max_len + len_field) / block + 2;
                    assert_eq!(calls, Some(expect as u64));
                }
            }
        }
    }
}
