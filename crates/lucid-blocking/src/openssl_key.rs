//! A server key backend over the system OpenSSL (feature `openssl-key`).
//!
//! lucid's default backend, `lucid_core::RsaCrateKey`, is pure Rust and
//! constant-time but takes milliseconds per RSA-2048 private operation; OpenSSL's
//! Montgomery code is about ten times faster (see BENCHMARKS.md). [`OpensslRsaKey`] does only
//! the raw operation `m = c^d mod n` (`RSA_NO_PADDING`, with OpenSSL's default blinding and
//! constant-time exponentiation); the PKCS#1 check and the RFC 5246 §7.4.7.1 countermeasure
//! stay in lucid and run exactly as with the default backend.

use core::fmt;

use lucid_core::{RawRsaError, ServerRsaKey};
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use rand_core::CryptoRng;

/// An RSA private key held by OpenSSL's libcrypto.
pub struct OpensslRsaKey {
    rsa: Rsa<Private>,
}

impl fmt::Debug for OpensslRsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpensslRsaKey")
            .field("bits", &self.rsa.size().saturating_mul(8))
            .finish_non_exhaustive()
    }
}

impl OpensslRsaKey {
    /// Wraps an OpenSSL RSA key.
    pub fn new(rsa: Rsa<Private>) -> Self {
        Self { rsa }
    }

    /// Parses a PKCS#8 `PrivateKeyInfo` (DER) holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, lucid_core::Error> {
        PKey::private_key_from_pkcs8(der)
            .and_then(|k| k.rsa())
            .map(Self::new)
            .map_err(|_| lucid_core::Error::Misuse("not a PKCS#8 RSA private key"))
    }

    /// Parses a PKCS#1 `RSAPrivateKey` (DER).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, lucid_core::Error> {
        Rsa::private_key_from_der(der)
            .map(Self::new)
            .map_err(|_| lucid_core::Error::Misuse("not a PKCS#1 RSA private key"))
    }
}

impl ServerRsaKey for OpensslRsaKey {
    fn modulus_len(&self) -> usize {
        usize::try_from(self.rsa.size()).unwrap_or(0)
    }

    fn modulus(&self) -> Option<Vec<u8>> {
        Some(self.rsa.n().to_vec())
    }

    fn decrypt_raw(
        &self,
        ciphertext: &[u8],
        out: &mut [u8],
        _rng: &mut dyn CryptoRng,
    ) -> Result<(), RawRsaError> {
        let k = self.modulus_len();
        if ciphertext.len() != k || out.len() != k {
            return Err(RawRsaError);
        }
        // Blinded by OpenSSL itself (RSA_FLAG_BLINDING, its own RNG); fails for c >= n.
        match self.rsa.private_decrypt(ciphertext, out, Padding::NONE) {
            Ok(n) if n == k => Ok(()),
            _ => Err(RawRsaError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lucid_core::RsaCrateKey;
    use lucid_core::internal::crypto::rsa_kx;
    use rand_core::SeedableRng;
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;

    fn fixture(name: &str) -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pki/");
        std::fs::read(format!("{path}{name}")).unwrap()
    }

    fn pkcs8() -> Vec<u8> {
        match PrivateKeyDer::from_pem_slice(&fixture("leaf.key")).unwrap() {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
            other => panic!("not PKCS#8: {other:?}"),
        }
    }

    #[test]
    fn same_raw_result_as_the_rsa_crate_backend_and_same_modulus() {
        let der = pkcs8();
        let ossl = OpensslRsaKey::from_pkcs8_der(&der).unwrap();
        let pure = RsaCrateKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(ossl.modulus_len(), 256);
        assert_eq!(ossl.modulus(), pure.modulus());
        let leaf = lucid_core::x509::certs_from_pem(&fixture("leaf.pem")).unwrap();
        let public = rsa_kx::rsa_public_key_from_certificate(&leaf[0]).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let pms = [0x42u8; 48];
        let ct = rsa_kx::encrypt_pre_master_secret(&public, &pms, &mut rng).unwrap();
        let (mut a, mut b) = ([0u8; 256], [0u8; 256]);
        ossl.decrypt_raw(&ct, &mut a, &mut rng).unwrap();
        pure.decrypt_raw(&ct, &mut b, &mut rng).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..2], &[0, 2]);
        assert_eq!(&a[256 - 48..], &pms);
    }

    #[test]
    fn wrong_lengths_and_out_of_range_ciphertexts_fail() {
        let key = OpensslRsaKey::from_pkcs8_der(&pkcs8()).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        let mut out = [0u8; 256];
        assert_eq!(
            key.decrypt_raw(&[1; 255], &mut out, &mut rng),
            Err(RawRsaError)
        );
        assert_eq!(
            key.decrypt_raw(&[1; 256], &mut out[..255], &mut rng),
            Err(RawRsaError)
        );
        // c = 0xff.. > n
        assert_eq!(
            key.decrypt_raw(&[0xff; 256], &mut out, &mut rng),
            Err(RawRsaError)
        );
        assert!(OpensslRsaKey::from_pkcs8_der(b"junk").is_err());
        assert!(OpensslRsaKey::from_pkcs1_der(b"junk").is_err());
        let pkcs1 = match PrivateKeyDer::from_pem_slice(&fixture("leaf.rsa.key")).unwrap() {
            PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der().to_vec(),
            other => panic!("not PKCS#1: {other:?}"),
        };
        assert_eq!(
            OpensslRsaKey::from_pkcs1_der(&pkcs1).unwrap().modulus_len(),
            256
        );
    }
}
