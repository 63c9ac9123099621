//! The TLS pseudo-random functions (RFC 2246 §5, RFC 5246 §5).
//!
//! - TLS 1.0 / 1.1: `PRF(secret, label, seed) = P_MD5(S1, label ‖ seed) XOR
//!   P_SHA-1(S2, label ‖ seed)`, where S1 and S2 are the first and second halves of the
//!   secret; for an odd-length secret the halves share the middle byte.
//! - TLS 1.2: `PRF(secret, label, seed) = P_<hash>(secret, label ‖ seed)` with the suite's
//!   PRF hash: SHA-256 unless the suite names SHA-384 (RFC 5288 §3, RFC 5289 §3).
//!
//! Which one applies is a [`PrfAlgorithm`], worked out from the version and the suite
//! (`SuiteParams::prf_algorithm`); the key schedule and the transcript hash both take it.
//!
//! The seed is given in parts and fed to HMAC piece by piece, so nothing is allocated: the
//! keyed HMAC state is computed once per P_hash and cloned for each HMAC call.

use hmac::digest::OutputSizeUser;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha384};

/// The PRF of a connection, and with it the handshake hash its Finished messages and
/// extended master secret cover (RFC 5246 §7.4.9, RFC 7627 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrfAlgorithm {
    /// TLS 1.0 / 1.1: P_MD5 XOR P_SHA-1; handshake hash MD5 ‖ SHA-1 (36 bytes).
    Md5Sha1,
    /// TLS 1.2, most suites: P_SHA256; handshake hash SHA-256 (32 bytes).
    Sha256,
    /// TLS 1.2, the `*_SHA384` suites: P_SHA384; handshake hash SHA-384 (48 bytes).
    Sha384,
}

/// Fills `out` with `PRF(secret, label, seed_parts[0] ‖ seed_parts[1] ‖ …)`.
pub(crate) fn prf(
    alg: PrfAlgorithm,
    out: &mut [u8],
    secret: &[u8],
    label: &[u8],
    seed_parts: &[&[u8]],
) {
    match alg {
        PrfAlgorithm::Sha256 => p_hash::<Hmac<Sha256>>(out, secret, label, seed_parts, false),
        PrfAlgorithm::Sha384 => p_hash::<Hmac<Sha384>>(out, secret, label, seed_parts, false),
        PrfAlgorithm::Md5Sha1 => {
            // RFC 2246 §5: S1 is the first ceil(n/2) bytes, S2 the last ceil(n/2) bytes,
            // which start at floor(n/2).
            let s1 = secret.get(..secret.len().div_ceil(2)).unwrap_or(secret);
            let s2 = secret.get(secret.len() / 2..).unwrap_or(secret);
            p_hash::<Hmac<Md5>>(out, s1, label, seed_parts, false);
            p_hash::<Hmac<Sha1>>(out, s2, label, seed_parts, true);
        }
    }
}

/// `P_hash(secret, label ‖ seed)` (RFC 5246 §5), written to `out` or XORed into it.
fn p_hash<M: Mac + KeyInit + Clone>(
    out: &mut [u8],
    secret: &[u8],
    label: &[u8],
    seed_parts: &[&[u8]],
    xor: bool,
) {
    // HMAC accepts keys of any length, so this never fails.
    let Ok(keyed) = <M as KeyInit>::new_from_slice(secret) else {
        return;
    };
    let with_seed = |mut m: M| {
        m.update(label);
        for part in seed_parts {
            m.update(part);
        }
        m
    };
    // A(1) = HMAC(secret, seed)
    let mut a = with_seed(keyed.clone()).finalize().into_bytes();
    for chunk in out.chunks_mut(<M as OutputSizeUser>::output_size()) {
        // output block = HMAC(secret, A(i) ‖ seed)
        let mut m = keyed.clone();
        m.update(&a);
        let block = with_seed(m).finalize().into_bytes();
        for (o, b) in chunk.iter_mut().zip(block.iter()) {
            *o = if xor { *o ^ b } else { *b };
        }
        // A(i+1) = HMAC(secret, A(i))
        let mut m = keyed.clone();
        m.update(&a);
        a = m.finalize().into_bytes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    // Known-answer vector for the TLS 1.0/1.1 PRF (widely circulated; e.g. used by
    // GnuTLS/NSS test suites): secret 0xAB×48, label "PRF Testvector", seed 0xCD×64.
    #[test]
    fn tls10_prf_known_answer() {
        let mut out = [0u8; 104];
        prf(
            PrfAlgorithm::Md5Sha1,
            &mut out,
            &[0xab; 48],
            b"PRF Testvector",
            &[&[0xcd; 64]],
        );
        assert_eq!(
            hex::encode(out),
            "d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754\
             443bcf9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff6\
             9255f9788faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f\
             1afbc655a8c9a013"
        );
        // Seed parts are concatenated.
        let mut out11 = [0u8; 104];
        prf(
            PrfAlgorithm::Md5Sha1,
            &mut out11,
            &[0xab; 48],
            b"PRF Testvector",
            &[&[0xcd; 32], &[0xcd; 32]],
        );
        assert_eq!(out, out11);
    }

    // The TLS 1.2 SHA-256 PRF vector circulated on the IETF TLS list (2009).
    #[test]
    fn tls12_prf_known_answer() {
        let secret = hex::decode("9bbe436ba940f017b17652849a71db35").unwrap();
        let seed = hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap();
        let mut out = [0u8; 100];
        prf(
            PrfAlgorithm::Sha256,
            &mut out,
            &secret,
            b"test label",
            &[&seed],
        );
        assert_eq!(
            hex::encode(out),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
             87347b66"
        );
        // Splitting the seed anywhere gives the same output, and shorter outputs are
        // prefixes of longer ones.
        let mut split = [0u8; 37];
        prf(
            PrfAlgorithm::Sha256,
            &mut split,
            &secret,
            b"test ",
            &[b"label", &seed[..5], &seed[5..]],
        );
        assert_eq!(split[..], out[..37]);
    }

    // The TLS 1.2 P_SHA384 vector from the same IETF TLS list thread ("TLS 1.2 PRF test
    // vectors", https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), as used
    // by GnuTLS's tests/tls12-prf.c (`sha384_test1`); also reproduced with
    // `openssl kdf -keylen 148 -kdfopt digest:SHA384 -kdfopt hexsecret:b80b…67df
    //  -kdfopt seed:'test label' -kdfopt hexseed:cd66…7465 TLS1-PRF`.
    #[test]
    fn tls12_sha384_prf_known_answer() {
        let secret = hex::decode("b80b733d6ceefcdc71566ea48e5567df").unwrap();
        let seed = hex::decode("cd665cf6a8447dd6ff8b27555edb7465").unwrap();
        let mut out = [0u8; 148];
        prf(
            PrfAlgorithm::Sha384,
            &mut out,
            &secret,
            b"test label",
            &[&seed],
        );
        assert_eq!(
            hex::encode(out),
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f"
        );
        // 148 = 3 × 48 + 4: the last block is cut, and a 12-byte output (a Finished's
        // verify_data) is a prefix.
        let mut short = [0u8; 12];
        prf(
            PrfAlgorithm::Sha384,
            &mut short,
            &secret,
            b"test label",
            &[&seed[..7], &seed[7..]],
        );
        assert_eq!(short[..], out[..12]);
        // Not the SHA-256 PRF.
        let mut other = [0u8; 12];
        prf(
            PrfAlgorithm::Sha256,
            &mut other,
            &secret,
            b"test label",
            &[&seed],
        );
        assert_ne!(other, short);
    }

    #[test]
    fn odd_length_secret_halves_share_the_middle_byte() {
        // secret of 5 bytes: S1 = s[0..3], S2 = s[2..5].
        let secret = [1u8, 2, 3, 4, 5];
        let mut got = [0u8; 40];
        prf(PrfAlgorithm::Md5Sha1, &mut got, &secret, b"l", &[b"s"]);
        let mut md5_part = [0u8; 40];
        p_hash::<Hmac<Md5>>(&mut md5_part, &[1, 2, 3], b"l", &[b"s"], false);
        let mut sha_part = [0u8; 40];
        p_hash::<Hmac<Sha1>>(&mut sha_part, &[3, 4, 5], b"l", &[b"s"], false);
        let want: vec::Vec<u8> = md5_part.iter().zip(sha_part).map(|(a, b)| a ^ b).collect();
        assert_eq!(got[..], want[..]);
        // Empty output and empty secret do not panic.
        prf(PrfAlgorithm::Md5Sha1, &mut [], &[], b"", &[]);
        let mut o = [0u8; 3];
        prf(PrfAlgorithm::Sha256, &mut o, &[], b"", &[]);
    }
}
