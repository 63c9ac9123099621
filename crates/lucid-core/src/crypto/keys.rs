//! The key schedule: master secret, key block and Finished verify_data
//! (RFC 5246 §6.3, §7.4.9, §8.1; RFC 7627 §4).

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::prf::{PrfAlgorithm, prf};
use crate::crypto::suites::SuiteParams;
use crate::msgs::enums::ProtocolVersion;

/// Length of the master secret.
pub(crate) const MASTER_SECRET_LEN: usize = 48;
// One definition, in `msgs::handshake`; re-exported here so `crypto::keys::VERIFY_DATA_LEN`
// keeps working.
pub(crate) use crate::msgs::handshake::VERIFY_DATA_LEN;

/// The 48-byte master secret. Zeroized on drop; `Debug` does not print it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterSecret([u8; MASTER_SECRET_LEN]);

impl MasterSecret {
    /// Wraps raw bytes (e.g. from a session cache).
    pub fn from_bytes(bytes: [u8; MASTER_SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret bytes (for a session cache or an SSLKEYLOGFILE line).
    pub fn as_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.0
    }
}

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

/// `master_secret = PRF(pre_master_secret, "master secret", client_random ‖ server_random)`
/// (RFC 5246 §8.1).
pub fn master_secret(
    alg: PrfAlgorithm,
    pre_master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> MasterSecret {
    let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
    prf(
        alg,
        &mut ms.0,
        pre_master,
        b"master secret",
        &[client_random, server_random],
    );
    ms
}

/// `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)`
/// (RFC 7627 §4), where `session_hash` is the transcript hash up to and including the
/// ClientKeyExchange, taken with the same algorithm's hash (§3).
pub fn extended_master_secret(
    alg: PrfAlgorithm,
    pre_master: &[u8],
    session_hash: &[u8],
) -> MasterSecret {
    let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
    prf(
        alg,
        &mut ms.0,
        pre_master,
        b"extended master secret",
        &[session_hash],
    );
    ms
}

/// Largest key block lucid needs: 2×32 MAC + 2×32 key + 2×16 IV.
const MAX_KEY_BLOCK: usize = 160;

/// The key block split into its six parts (RFC 5246 §6.3). Zeroized on drop.
///
/// The IVs are present only for TLS 1.0; for TLS 1.1+ they are empty.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct KeyBlock {
    buf: [u8; MAX_KEY_BLOCK],
    #[zeroize(skip)]
    mac_len: usize,
    #[zeroize(skip)]
    key_len: usize,
    #[zeroize(skip)]
    iv_len: usize,
}

impl fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBlock")
            .field("mac_len", &self.mac_len)
            .field("key_len", &self.key_len)
            .field("iv_len", &self.iv_len)
            .finish_non_exhaustive()
    }
}

impl KeyBlock {
    fn part(&self, index: usize, len: usize) -> &[u8] {
        // Layout: mac, mac, key, key, iv, iv.
        let start = match index {
            0 | 1 => index * self.mac_len,
            2 | 3 => 2 * self.mac_len + (index - 2) * self.key_len,
            _ => 2 * self.mac_len + 2 * self.key_len + (index - 4) * self.iv_len,
        };
        self.buf.get(start..start + len).unwrap_or(&[])
    }

    /// client_write_MAC_key
    pub fn client_write_mac_key(&self) -> &[u8] {
        self.part(0, self.mac_len)
    }

    /// server_write_MAC_key
    pub fn server_write_mac_key(&self) -> &[u8] {
        self.part(1, self.mac_len)
    }

    /// client_write_key
    pub fn client_write_key(&self) -> &[u8] {
        self.part(2, self.key_len)
    }

    /// server_write_key
    pub fn server_write_key(&self) -> &[u8] {
        self.part(3, self.key_len)
    }

    /// client_write_IV (TLS 1.0 only; empty otherwise)
    pub fn client_write_iv(&self) -> &[u8] {
        self.part(4, self.iv_len)
    }

    /// server_write_IV (TLS 1.0 only; empty otherwise)
    pub fn server_write_iv(&self) -> &[u8] {
        self.part(5, self.iv_len)
    }
}

/// `key_block = PRF(master_secret, "key expansion", server_random ‖ client_random)`, split
/// for `suite` at `version` (RFC 5246 §6.3), with the PRF `suite` has at `version`.
pub fn key_block(
    version: ProtocolVersion,
    master: &MasterSecret,
    suite: &SuiteParams,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> KeyBlock {
    let mut kb = KeyBlock {
        buf: [0; MAX_KEY_BLOCK],
        mac_len: suite.mac_len(),
        key_len: suite.enc_key_len(),
        iv_len: suite.fixed_iv_len(version),
    };
    let len = suite.key_block_len(version).min(MAX_KEY_BLOCK);
    if let Some(out) = kb.buf.get_mut(..len) {
        prf(
            suite.prf_algorithm(version),
            out,
            &master.0,
            b"key expansion",
            &[server_random, client_random],
        );
    }
    kb
}

/// Finished `verify_data = PRF(master_secret, finished_label, handshake_hash)[0..12]`
/// (RFC 5246 §7.4.9); `label` is `b"client finished"` or `b"server finished"`. Twelve
/// bytes for every lucid suite, the SHA-384 ones included (RFC 5288 §3 keeps the default).
pub fn verify_data(
    alg: PrfAlgorithm,
    master: &MasterSecret,
    label: &[u8],
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    let mut out = [0; VERIFY_DATA_LEN];
    prf(alg, &mut out, &master.0, label, &[handshake_hash]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::{ALL_SUITES, Protection};
    use crate::msgs::enums::CipherSuite;
    use alloc::format;

    const CR: [u8; 32] = [0x11; 32];
    const SR: [u8; 32] = [0x22; 32];

    /// Known answers computed independently with a short Python script (stdlib `hmac` /
    /// `hashlib` P_hash, RFC 2246 / RFC 5246 PRF definitions), pre-master secret
    /// `0303 ‖ 10 11 … 3d`, client random `00 … 1f`, server random `80 … 9f`, session hash
    /// `40 … 5f`, Finished over a hash of all zeroes (as long as the suite's hash). The
    /// SHA-384 case takes P_SHA384 for every step, the key block included.
    #[test]
    fn key_schedule_known_answers() {
        let mut pms = [0u8; 48];
        pms[..2].copy_from_slice(&[3, 3]);
        for (i, b) in pms[2..].iter_mut().enumerate() {
            *b = 0x10 + i as u8;
        }
        let cr: [u8; 32] = core::array::from_fn(|i| i as u8);
        let sr: [u8; 32] = core::array::from_fn(|i| 0x80 + i as u8);
        let session_hash: [u8; 32] = core::array::from_fn(|i| 0x40 + i as u8);
        let cases = [
            (
                ProtocolVersion::TLSV1_0,
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
                36,
                "d7de959e17736410bd8684ceae19725a6a786b77b19c706620c57d0ec8b439b0\
                 04f0980838eb53dbe93fa1ea0db95d7e",
                "1a668573f6aabf123e8a84eb39f2e1815b143338020b7736e4cff5a10febfd1a\
                 e508bbbcb408f6da90334f7825f4955a8d0e28fd93fd3e65c67d96c85b5b9d58\
                 fab67d8a9d2b8033dfe572aed1bcf446dc1da0b81b91b2691965643f0924795c\
                 530d1802371ac43b",
                "e337b5729360d612b68e113b0e4f3a07b6d152c5e0346ed222b5a7b2a8ec6fa1\
                 1c220261d7318eecf985a0f16f74418f",
                "dc73c628b708a3e602d955a0",
            ),
            (
                ProtocolVersion::TLSV1_2,
                CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
                32,
                "ba062dadb0cbc4e0fe7751dfbfe34a79a1c2209de2186a2c48978755226f3548\
                 2e2acc8c3072b9d434a3cfeab27928e1",
                "5f7141d28a056175a48db3a7e5138548a7625f75109cb1f8145dadee86669fb1\
                 3035cf23b81c9e4e83bfc1fecd7734c52ecad0197ec5954c27eceec44c94f0eb\
                 aba38b96c5080ceb2c542b10cd530c5b9b51f98333976801a99472840cf3596e\
                 b2258cc7d7e59ab0ffaaebd67388607080b1e0dd427ae4d36c628cf4b716b7cf",
                "afd8e98c4fdca1ace7e3794956489c93055e5ec677a87bbcc000f2a4f1e6ee4d\
                 f9882ac723cfeb2cdef6a330f7304948",
                "45452aeac1e6bc81fa3e4dae",
            ),
            (
                ProtocolVersion::TLSV1_2,
                CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
                48,
                "4e6a0fcd2dc3a58560d8a65fd3d1e1b58034811f26eb544c231729d5a957c429\
                 4e4b9e54fc01b29bd322705989439d09",
                "5f218af0ad2634518e4319adc9590d3be9fb81032cbb0949a0c3dc622bdedd67\
                 11e1f7e9fb8719023dc4fdbb415db07f3a89b6ede19ebe4e2d1c66f5531a32ff\
                 8e681bfe091fe31d",
                "60647d94550aeacba776eb3cd768cba34ecbdaaaf2e9787ff15d455202624dc9\
                 3217a89808de66dd2093b7a6d21c64e5",
                "5528cac7f9320771acc8a949",
            ),
        ];
        for (v, suite, hash_len, ms_hex, kb_hex, ems_hex, vd_hex) in cases {
            let s = crate::crypto::suites::lookup(suite).unwrap();
            let alg = s.prf_algorithm(v);
            let ms = master_secret(alg, &pms, &cr, &sr);
            assert_eq!(hex::encode(ms.as_bytes()), ms_hex);
            let kb = key_block(v, &ms, s, &cr, &sr);
            let parts = [
                kb.client_write_mac_key(),
                kb.server_write_mac_key(),
                kb.client_write_key(),
                kb.server_write_key(),
                kb.client_write_iv(),
                kb.server_write_iv(),
            ];
            assert_eq!(hex::encode(parts.concat()), kb_hex);
            let ems = extended_master_secret(alg, &pms, &session_hash);
            assert_eq!(hex::encode(ems.as_bytes()), ems_hex);
            let vd = verify_data(alg, &ms, b"client finished", &[0u8; 48][..hash_len]);
            assert_eq!(hex::encode(vd), vd_hex);
        }
    }

    #[test]
    fn master_secret_is_the_prf_output() {
        let pms = [0x03u8; 48];
        for v in [
            PrfAlgorithm::Md5Sha1,
            PrfAlgorithm::Sha256,
            PrfAlgorithm::Sha384,
        ] {
            let ms = master_secret(v, &pms, &CR, &SR);
            let mut want = [0u8; 48];
            let mut seed = [0u8; 64];
            seed[..32].copy_from_slice(&CR);
            seed[32..].copy_from_slice(&SR);
            prf(v, &mut want, &pms, b"master secret", &[&seed]);
            assert_eq!(ms.as_bytes(), &want);
            let ems = extended_master_secret(v, &pms, &[7; 32]);
            prf(v, &mut want, &pms, b"extended master secret", &[&[7; 32]]);
            assert_eq!(ems.as_bytes(), &want);
            assert_ne!(ms.as_bytes(), ems.as_bytes());
        }
        let ms = MasterSecret::from_bytes([0x5a; 48]);
        assert_eq!(format!("{ms:?}"), "MasterSecret(..)");
    }

    #[test]
    fn key_block_split() {
        let ms = MasterSecret::from_bytes([0x5a; 48]);
        for v in [
            ProtocolVersion::TLSV1_0,
            ProtocolVersion::TLSV1_1,
            ProtocolVersion::TLSV1_2,
        ] {
            for s in ALL_SUITES.iter().filter(|s| s.usable_with(v)) {
                let kb = key_block(v, &ms, s, &CR, &SR);
                let mut want = [0u8; MAX_KEY_BLOCK];
                let n = s.key_block_len(v);
                assert!(n <= MAX_KEY_BLOCK);
                prf(
                    s.prf_algorithm(v),
                    &mut want[..n],
                    ms.as_bytes(),
                    b"key expansion",
                    &[&SR, &CR],
                );
                let parts = [
                    kb.client_write_mac_key(),
                    kb.server_write_mac_key(),
                    kb.client_write_key(),
                    kb.server_write_key(),
                    kb.client_write_iv(),
                    kb.server_write_iv(),
                ];
                let lens: alloc::vec::Vec<usize> = parts.iter().map(|p| p.len()).collect();
                let iv = s.fixed_iv_len(v);
                assert_eq!(
                    iv,
                    match (s.protection, v) {
                        (Protection::Gcm, _) => 4,
                        (Protection::Stream(_), _) => 0,
                        (Protection::Cbc(_), ProtocolVersion::TLSV1_0) => s.cipher.block_len(),
                        (Protection::Cbc(_), _) => 0,
                    }
                );
                let (m, k) = (s.mac_len(), s.enc_key_len());
                assert_eq!(lens, [m, m, k, k, iv, iv], "{:?} {v:?}", s.suite);
                assert_eq!(parts.concat(), want[..n]);
            }
        }
        // Fixed spot check: AES_128_CBC_SHA at TLS 1.0 has IVs at the end.
        let s = crate::crypto::suites::lookup(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA).unwrap();
        let kb = key_block(ProtocolVersion::TLSV1_0, &ms, s, &CR, &SR);
        assert_eq!(kb.client_write_iv().len(), 16);
    }

    #[test]
    fn verify_data_is_12_prf_bytes() {
        let ms = MasterSecret::from_bytes([0x5a; 48]);
        let h = [9u8; 36];
        for alg in [
            PrfAlgorithm::Md5Sha1,
            PrfAlgorithm::Sha256,
            PrfAlgorithm::Sha384,
        ] {
            let vd = verify_data(alg, &ms, b"client finished", &h);
            let mut want = [0u8; 12];
            prf(alg, &mut want, ms.as_bytes(), b"client finished", &[&h]);
            assert_eq!(vd, want);
            let sv = verify_data(alg, &ms, b"server finished", &h);
            assert_ne!(vd, sv);
        }
    }
}
