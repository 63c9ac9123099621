//! RSA private keys as lucid uses them: [`ServerRsaKey`], the raw private operation behind
//! a trait (so a key may live in an HSM, a TPM or a faster constant-time backend), and the
//! default backend [`RsaCrateKey`]. A server decrypts the pre-master secret and signs its
//! ServerKeyExchange with it; a client signs its CertificateVerify.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::arith::rsa_core::RsaPrivateKey;

/// The raw RSA private-key operation failed (wrong input length, a ciphertext not below the
/// modulus, a hardware error...). Carries no detail on purpose: lucid treats every failure
/// the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRsaError;

impl fmt::Display for RawRsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("raw RSA private-key operation failed")
    }
}

impl core::error::Error for RawRsaError {}

/// A server's RSA private key, as lucid uses it: only the raw private operation.
///
/// Implementations MUST be constant-time in the secret key and in the result (use blinding)
/// and MUST NOT log or report anything about the result: lucid's RFC 5246 §7.4.7.1
/// countermeasure (`server::kx`) relies on that. The same operation makes RSA signatures
/// (RSASP1 and RSADP are one function): a server's ServerKeyExchange, a client's
/// CertificateVerify.
pub trait ServerRsaKey: fmt::Debug + Send + Sync {
    /// `k`, the modulus length in bytes.
    fn modulus_len(&self) -> usize;

    /// The modulus, big-endian without leading zeros, when the backend can tell; lucid then
    /// checks that it matches the certificate.
    fn modulus(&self) -> Option<Vec<u8>> {
        None
    }

    /// `m = c^d mod n`: `ciphertext` is exactly [`Self::modulus_len`] bytes; writes `m`
    /// big-endian, left-padded with zeros, into `out` (also `modulus_len` bytes).
    ///
    /// `rng` is for blinding. Returns an error for a ciphertext not below the modulus or
    /// any failure; lucid then proceeds with a random pre-master secret.
    fn decrypt_raw(
        &self,
        ciphertext: &[u8],
        out: &mut [u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), RawRsaError>;
}

/// The default key backend: an in-memory RSA key, parsed by the `rsa` crate, its private
/// operation on lucid's constant-time arithmetic (`arith::rsa_core`: blinding, CRT with a
/// fault check, fixed-window Montgomery exponentiation with masked table scans).
pub struct RsaCrateKey {
    pub(crate) key: rsa::PrivateKey,
    /// lucid's private operation; `None` for a multi-prime key (or on request, for the
    /// bench's comparison), which then uses the `rsa` crate's.
    fast: Option<RsaPrivateKey>,
}

impl fmt::Debug for RsaCrateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaCrateKey")
            .field("bits", &(self.key.size() * 8))
            .field("lucid_arithmetic", &self.fast.is_some())
            .finish_non_exhaustive()
    }
}

impl RsaCrateKey {
    /// Wraps a key from the `rsa` crate.
    pub fn new(key: rsa::PrivateKey) -> Self {
        let fast = RsaPrivateKey::from_rsa_crate(&key);
        Self { key, fast }
    }

    /// The same key with the `rsa` crate's own private operation, for benchmarks and
    /// differential tests only.
    #[doc(hidden)]
    pub fn rsa_crate_arithmetic(der_pkcs8: &[u8]) -> Result<Self, crate::Error> {
        let mut this = Self::from_pkcs8_der(der_pkcs8)?;
        this.fast = None;
        Ok(this)
    }

    /// Parses a PKCS#8 `PrivateKeyInfo` (DER) holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, crate::Error> {
        use rsa::pkcs8::DecodePrivateKey;
        rsa::PrivateKey::from_pkcs8_der(der)
            .map(Self::new)
            .map_err(|_| crate::Error::Misuse("not a PKCS#8 RSA private key"))
    }

    /// Parses a PKCS#1 `RSAPrivateKey` (DER).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, crate::Error> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        rsa::PrivateKey::from_pkcs1_der(der)
            .map(Self::new)
            .map_err(|_| crate::Error::Misuse("not a PKCS#1 RSA private key"))
    }
}

impl ServerRsaKey for RsaCrateKey {
    fn modulus_len(&self) -> usize {
        self.key.size()
    }

    fn modulus(&self) -> Option<Vec<u8>> {
        Some(self.key.n_bytes().into_vec())
    }

    fn decrypt_raw(
        &self,
        ciphertext: &[u8],
        out: &mut [u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), RawRsaError> {
        let k = self.key.size();
        if ciphertext.len() != k || out.len() != k {
            return Err(RawRsaError);
        }
        if let Some(fast) = &self.fast {
            return fast
                .decrypt_raw(ciphertext, out, rng)
                .map_err(|_| RawRsaError);
        }
        // OS2IP at the modulus' storage precision, as rsa's own PKCS#1 decryption does.
        let c = rsa::BoxedUint::from_be_slice(ciphertext, self.key.n_bits_precision())
            .map_err(|_| RawRsaError)?;
        // Blinded m = c^d mod n with the CRT fault check; rejects c >= n (a public fact).
        let m = Zeroizing::new(
            rsa::hazmat::rsa_decrypt_and_check(&self.key, Some(rng), &c)
                .map_err(|_| RawRsaError)?,
        );
        // I2OSP: the storage is at least k bytes; m < n fits in the last k.
        let bytes: Zeroizing<Box<[u8]>> = Zeroizing::new(m.to_be_bytes());
        let excess = bytes.len().checked_sub(k).ok_or(RawRsaError)?;
        let tail = bytes.get(excess..).ok_or(RawRsaError)?;
        out.copy_from_slice(tail);
        Ok(())
    }
}
