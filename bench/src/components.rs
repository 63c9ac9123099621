//! The primitives under TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, timed alone in each library
//! (rustls' column is ring, its crypto provider here): what bounds the ECDHE rows.
//!
//! - AES-128-GCM seal / open of one 16 KiB record. lucid: its own record layer
//!   (`RecordSealer` / `RecordOpener`, over whichever GCM backend lucid-core picked:
//!   graviola with the `graviola-gcm` feature this crate turns on, on a CPU graviola
//!   supports, else the `aes-gcm` crate; `lucid_core::internal::crypto::gcm_backend()` says
//!   which); OpenSSL: EVP `aes-128-gcm`; ring: `LessSafeKey`. Each open first copies the
//!   16 KiB ciphertext into the work buffer (all three alike), as a record is decrypted in
//!   place.
//! - lucid's portable GCM (the `aes-gcm` crate, its fallback) sealing 16 KiB alone, and
//!   taken apart: the AES-128-CTR pass (`ctr` over `aes`) and the GHASH pass (`ghash` over
//!   `polyval`) that `aes-gcm` runs one after the other.
//! - x25519: a fresh key pair and the shared secret with the peer's value (one side's
//!   ECDHE work). lucid: `x25519-dalek`, as `crypto/ecdh.rs` calls it.
//! - RSA-2048 PKCS#1 v1.5 SHA-256 signature verification with the key parsed from its
//!   SubjectPublicKeyInfo each time, as a client does for the chain and the
//!   ServerKeyExchange. lucid: `x509::signature::verify_signature`.

use lucid_core::internal::crypto::protection::{RecordOpener, RecordSealer};
use lucid_core::internal::crypto::suites;
use lucid_core::internal::msgs::enums::ContentType;
use lucid_core::{CipherSuite, ProtocolVersion};
use openssl::cipher::Cipher as OsslCipher;
use openssl::cipher_ctx::CipherCtx;
use openssl::derive::Deriver;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::{Signer, Verifier};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, X25519};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey as RingRsaKey};

use crate::common::{Pki, RECORD};
use crate::measure::cpu_ns;

/// µs per call of `f`, over `n` calls after one warm-up call.
fn per_op(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let t0 = cpu_ns();
    for _ in 0..n {
        f();
    }
    (cpu_ns() - t0) as f64 / n as f64 / 1e3
}

const KEY: [u8; 16] = [0x42; 16];
const SALT: [u8; 4] = [1, 2, 3, 4];
const AAD_LEN: usize = 13;

/// One round of every component; each field is (lucid, OpenSSL, ring) in µs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Round {
    pub gcm_seal: (f64, f64, f64),
    pub gcm_open: (f64, f64, f64),
    /// lucid's portable GCM over 16 KiB: the `aes-gcm` crate's whole seal, then its
    /// AES-128-CTR and GHASH passes alone.
    pub portable_seal: f64,
    pub ctr: f64,
    pub ghash: f64,
    pub x25519: (f64, f64, f64),
    pub rsa_verify: (f64, f64, f64),
}

pub struct Components {
    spki: Vec<u8>,
    pkcs1_public: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
    rng: ChaCha20Rng,
    sys: SystemRandom,
}

impl Components {
    pub fn new(pki: &Pki) -> Self {
        let key: PKey<Private> = PKey::private_key_from_pem(&pki.leaf_key_pem).unwrap();
        // What a ServerKeyExchange signs: client random, server random, the ECDH params.
        let message = vec![0x17_u8; 32 + 32 + 4 + 32];
        let mut signer = Signer::new(MessageDigest::sha256(), &key).unwrap();
        signer.update(&message).unwrap();
        let signature = signer.sign_to_vec().unwrap();
        Self {
            spki: key.public_key_to_der().unwrap(),
            pkcs1_public: key.rsa().unwrap().public_key_to_der_pkcs1().unwrap(),
            message,
            signature,
            rng: ChaCha20Rng::seed_from_u64(15),
            sys: SystemRandom::new(),
        }
    }

    /// One round: `n_gcm` records each way, `n_kx` key agreements and verifications.
    pub fn round(&mut self, n_gcm: usize, n_kx: usize) -> Round {
        let (gcm_seal, gcm_open) = self.gcm(n_gcm);
        let (portable_seal, ctr, ghash) = lucid_gcm_parts(n_gcm);
        Round {
            gcm_seal,
            gcm_open,
            portable_seal,
            ctr,
            ghash,
            x25519: self.x25519(n_kx),
            rsa_verify: self.rsa_verify(n_kx),
        }
    }

    fn gcm(&mut self, n: usize) -> ((f64, f64, f64), (f64, f64, f64)) {
        let plaintext = vec![0x5a_u8; RECORD];
        let typ = ContentType::APPLICATION_DATA;
        let v = ProtocolVersion::TLSV1_2;

        // lucid: the record layer's own sealer and opener.
        let params = suites::lookup(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).unwrap();
        let mut sealer = RecordSealer::new(params, v, &[], &KEY, &SALT, false).unwrap();
        let mut out = Vec::with_capacity(RECORD + 64);
        let rng = &mut self.rng;
        let l_seal = per_op(n, || {
            out.clear();
            sealer.seal(typ, v, &plaintext, &mut out, rng).unwrap();
        });
        // n + 1 records of the same length sealed from seq 0: the opener's sequence numbers
        // must follow, so seal them again from a fresh sealer.
        let mut sealer = RecordSealer::new(params, v, &[], &KEY, &SALT, false).unwrap();
        let mut records = Vec::with_capacity(n + 1);
        for _ in 0..=n {
            let mut r = Vec::with_capacity(RECORD + 64);
            sealer.seal(typ, v, &plaintext, &mut r, rng).unwrap();
            records.push(r);
        }
        let mut opener = RecordOpener::new(params, v, &[], &KEY, &SALT, false).unwrap();
        let mut work = vec![0_u8; records[0].len() - 5];
        let mut next = 0;
        let l_open = per_op(n, || {
            work.copy_from_slice(&records[next][5..]);
            next += 1;
            let got = opener.open(typ, v, &mut work).unwrap();
            assert_eq!(got.len(), RECORD);
        });

        // OpenSSL: EVP aes-128-gcm in place, one context given each record's nonce (as
        // libssl does).
        let aad = [0x33_u8; AAD_LEN];
        let mut iv = [0_u8; 12];
        iv[..4].copy_from_slice(&SALT);
        let mut tag = [0_u8; 16];
        let mut enc = CipherCtx::new().unwrap();
        enc.encrypt_init(Some(OsslCipher::aes_128_gcm()), Some(&KEY), None)
            .unwrap();
        let mut buf = plaintext.clone();
        let mut seq = 0_u64;
        let o_seal = per_op(n, || {
            seq += 1;
            iv[4..].copy_from_slice(&seq.to_be_bytes());
            enc.encrypt_init(None, None, Some(&iv)).unwrap();
            enc.cipher_update(&aad, None).unwrap();
            enc.cipher_update_inplace(&mut buf, RECORD).unwrap();
            enc.cipher_final(&mut []).unwrap();
            enc.tag(&mut tag).unwrap();
        });
        let mut sealed = plaintext.clone();
        enc.encrypt_init(None, None, Some(&iv)).unwrap();
        enc.cipher_update(&aad, None).unwrap();
        enc.cipher_update_inplace(&mut sealed, RECORD).unwrap();
        enc.cipher_final(&mut []).unwrap();
        enc.tag(&mut tag).unwrap();
        let mut dec = CipherCtx::new().unwrap();
        dec.decrypt_init(Some(OsslCipher::aes_128_gcm()), Some(&KEY), None)
            .unwrap();
        let mut work = vec![0_u8; RECORD];
        let o_open = per_op(n, || {
            work.copy_from_slice(&sealed);
            dec.decrypt_init(None, None, Some(&iv)).unwrap();
            dec.cipher_update(&aad, None).unwrap();
            dec.cipher_update_inplace(&mut work, RECORD).unwrap();
            dec.set_tag(&tag).unwrap();
            dec.cipher_final(&mut []).expect("openssl: GCM tag");
        });
        assert_eq!(work, plaintext);

        // ring.
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &KEY).unwrap());
        let mut buf = plaintext.clone();
        let mut seq = 0_u64;
        let nonce = |seq: u64| {
            let mut n = [0_u8; 12];
            n[..4].copy_from_slice(&SALT);
            n[4..].copy_from_slice(&seq.to_be_bytes());
            Nonce::assume_unique_for_key(n)
        };
        let r_seal = per_op(n, || {
            seq += 1;
            let tag = key
                .seal_in_place_separate_tag(nonce(seq), Aad::from(aad), &mut buf)
                .unwrap();
            let _ = std::hint::black_box(tag);
        });
        let mut sealed = plaintext.clone();
        let tag = key
            .seal_in_place_separate_tag(nonce(7), Aad::from(aad), &mut sealed)
            .unwrap();
        sealed.extend_from_slice(tag.as_ref());
        let mut work = vec![0_u8; sealed.len()];
        let r_open = per_op(n, || {
            work.copy_from_slice(&sealed);
            let got = key
                .open_in_place(nonce(7), Aad::from(aad), &mut work)
                .unwrap();
            assert_eq!(got.len(), RECORD);
        });
        ((l_seal, o_seal, r_seal), (l_open, o_open, r_open))
    }

    fn x25519(&mut self, n: usize) -> (f64, f64, f64) {
        // A peer value to agree with.
        let peer = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::random_from_rng(
            &mut self.rng,
        ));
        let rng = &mut self.rng;
        let lucid = per_op(n, || {
            let k = x25519_dalek::StaticSecret::random_from_rng(&mut *rng);
            let public = x25519_dalek::PublicKey::from(&k);
            let shared = k.diffie_hellman(&peer);
            assert!(shared.was_contributory());
            std::hint::black_box((public, shared));
        });
        let peer_ossl =
            PKey::public_key_from_raw_bytes(peer.as_bytes(), openssl::pkey::Id::X25519).unwrap();
        let ossl = per_op(n, || {
            let k = PKey::generate_x25519().unwrap();
            let public = k.raw_public_key().unwrap();
            let mut d = Deriver::new(&k).unwrap();
            d.set_peer(&peer_ossl).unwrap();
            let shared = d.derive_to_vec().unwrap();
            std::hint::black_box((public, shared));
        });
        let sys = &self.sys;
        let ring = per_op(n, || {
            let k = EphemeralPrivateKey::generate(&X25519, sys).unwrap();
            let public = k.compute_public_key().unwrap();
            let peer = UnparsedPublicKey::new(&agreement::X25519, peer.as_bytes());
            agreement::agree_ephemeral(k, &peer, |s| {
                std::hint::black_box(s);
            })
            .unwrap();
            std::hint::black_box(public);
        });
        (lucid, ossl, ring)
    }

    fn rsa_verify(&mut self, n: usize) -> (f64, f64, f64) {
        use lucid_core::x509::signature::{SignatureAlgorithm, verify_signature};
        let (spki, msg, sig) = (&self.spki, &self.message, &self.signature);
        let lucid = per_op(n, || {
            verify_signature(SignatureAlgorithm::RsaPkcs1Sha256, spki, msg, sig).unwrap();
        });
        let ossl = per_op(n, || {
            let key = PKey::public_key_from_der(spki).unwrap();
            let mut v = Verifier::new(MessageDigest::sha256(), &key).unwrap();
            v.update(msg).unwrap();
            assert!(v.verify(sig).unwrap());
        });
        let pkcs1 = &self.pkcs1_public;
        let ring = per_op(n, || {
            RingRsaKey::new(&RSA_PKCS1_2048_8192_SHA256, pkcs1)
                .verify(msg, sig)
                .unwrap();
        });
        (lucid, ossl, ring)
    }
}

/// lucid's portable GCM (the `aes-gcm` crate) over one 16 KiB record, in µs: the whole
/// seal (AES-128-GCM in place, 13 bytes of additional data, as lucid-core calls it without
/// `graviola-gcm`), then taken apart into the CTR pass and the GHASH pass.
fn lucid_gcm_parts(n: usize) -> (f64, f64, f64) {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    use aes_gcm::aes::Aes128;
    use ctr::cipher::{KeyIvInit, StreamCipher};
    use ghash::universal_hash::UniversalHash;
    let mut buf = vec![0x5a_u8; RECORD];
    let gcm = aes_gcm::Aes128Gcm::new(&KEY.into());
    let aad = [0x33_u8; AAD_LEN];
    let mut seq = 0_u64;
    let seal = per_op(n, || {
        seq += 1;
        let mut nonce = [0_u8; 12];
        nonce[..4].copy_from_slice(&SALT);
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let tag = gcm
            .encrypt_inout_detached(&nonce.into(), &aad, (&mut buf[..]).into())
            .unwrap();
        std::hint::black_box(tag);
    });
    let iv = [7_u8; 16];
    let ctr = per_op(n, || {
        let mut c = ctr::Ctr32BE::<Aes128>::new(&KEY.into(), &iv.into());
        c.apply_keystream(&mut buf);
    });
    let h = [0x24_u8; 16];
    let ghash = per_op(n, || {
        let mut g = ghash::GHash::new(&h.into());
        g.update_padded(&buf);
        std::hint::black_box(g.finalize());
    });
    (seal, ctr, ghash)
}
