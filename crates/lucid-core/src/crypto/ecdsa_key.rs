//! A TLS server's ECDSA signing key: what the ServerKeyExchange of an ECDHE_ECDSA suite is
//! signed with (RFC 8422 §5.4), behind the [`ServerEcdsaKey`] trait so a key can live
//! elsewhere (an HSM, a TPM), and [`EcdsaKey`], the in-memory default.
//!
//! The TLS caller hashes (SHA-1 on TLS 1.0/1.1, the negotiated scheme's hash on TLS 1.2)
//! and the key signs the digest, truncated to the curve order as FIPS 186-4 §6.4 says, into
//! a DER `Ecdsa-Sig-Value` — the form both the wire and
//! [`crate::x509::signature::verify_signature_with_key`] use.

use alloc::vec::Vec;
use core::fmt;

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::pkcs8::DecodePrivateKey;
use rand_core::CryptoRng;

use crate::error::Error;
use crate::x509::signature::{
    EcdsaCurve, LEGACY_MIN_RSA_MODULUS_BITS, RsaKeyRole, SubjectPublicKey, subject_public_key,
};

/// An ECDSA signing operation failed. Carries no detail on purpose (a key backend's
/// failure says nothing the peer may learn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignError;

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ECDSA signing failed")
    }
}

impl core::error::Error for SignError {}

/// A server's ECDSA private key, as lucid uses it: sign a digest the TLS layer computed.
///
/// Implementations MUST be constant-time in the secret key and the nonce, and MUST use a
/// fresh secret nonce per signature (RFC 6979 deterministic nonces, or random ones from
/// `rng`, or both).
pub trait ServerEcdsaKey: fmt::Debug + Send + Sync {
    /// The curve of the key; it must match the certificate's.
    fn curve(&self) -> EcdsaCurve;

    /// The public key as an uncompressed SEC1 point (`0x04 ‖ x ‖ y`).
    fn public_key_sec1(&self) -> Vec<u8>;

    /// Signs `digest` (the hash of the signed content, any length: it is truncated to the
    /// curve order's bit length) and returns the DER `Ecdsa-Sig-Value`. `rng` is there for
    /// backends that randomise the nonce or blind; [`EcdsaKey`] signs deterministically
    /// (RFC 6979) and does not use it.
    ///
    /// # Errors
    /// [`SignError`] when the backend fails.
    fn sign_prehash(&self, digest: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>, SignError>;

    /// Does `spki_der` (a certificate's whole `SubjectPublicKeyInfo`) hold this key's public
    /// key? For checking at configuration time that a key belongs to its certificate.
    fn matches_spki(&self, spki_der: &[u8]) -> bool {
        let Ok(key) =
            subject_public_key(spki_der, LEGACY_MIN_RSA_MODULUS_BITS, RsaKeyRole::LeafKey)
        else {
            return false;
        };
        let curve = match key {
            SubjectPublicKey::EcdsaP256(_) => EcdsaCurve::P256,
            SubjectPublicKey::EcdsaP384(_) => EcdsaCurve::P384,
            _ => return false,
        };
        curve == self.curve()
            && key.ec_point_uncompressed().as_deref() == Some(self.public_key_sec1().as_slice())
    }
}

/// The default [`ServerEcdsaKey`]: an in-memory P-256 or P-384 key (RustCrypto's `p256` /
/// `p384`), signing deterministically per RFC 6979. The secret scalar is zeroized on drop.
#[derive(Clone)]
pub struct EcdsaKey {
    key: Inner,
}

#[derive(Clone)]
enum Inner {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret.
        f.debug_struct("EcdsaKey")
            .field("curve", &self.curve())
            .finish_non_exhaustive()
    }
}

impl EcdsaKey {
    /// Wraps a P-256 key from the `p256` crate.
    pub fn from_p256(key: p256::ecdsa::SigningKey) -> Self {
        Self {
            key: Inner::P256(key),
        }
    }

    /// Wraps a P-384 key from the `p384` crate.
    pub fn from_p384(key: p384::ecdsa::SigningKey) -> Self {
        Self {
            key: Inner::P384(key),
        }
    }

    /// Parses a PKCS#8 `PrivateKeyInfo` (DER; PEM label `PRIVATE KEY`) holding an
    /// id-ecPublicKey key on P-256 or P-384 (the curve is the one its parameters name).
    ///
    /// # Errors
    /// [`Error::Misuse`] when it is not such a key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        if let Ok(key) = p256::SecretKey::from_pkcs8_der(der) {
            return Ok(Self::from_p256(key.into()));
        }
        p384::SecretKey::from_pkcs8_der(der)
            .map(|key| Self::from_p384(key.into()))
            .map_err(|_| Error::Misuse("not a PKCS#8 ECDSA P-256 or P-384 private key"))
    }

    /// Parses a SEC1 `ECPrivateKey` (DER; PEM label `EC PRIVATE KEY`, what
    /// `openssl ecparam -genkey` writes) on P-256 or P-384. A curve named in its
    /// parameters, and a public key when present, must match.
    ///
    /// # Errors
    /// [`Error::Misuse`] when it is not such a key.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, Error> {
        // Without parameters the scalar's length tells the curves apart: a 48-byte P-384
        // scalar is too long for P-256, and P-256 is tried first.
        if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
            return Ok(Self::from_p256(key.into()));
        }
        p384::SecretKey::from_sec1_der(der)
            .map(|key| Self::from_p384(key.into()))
            .map_err(|_| Error::Misuse("not a SEC1 ECDSA P-256 or P-384 private key"))
    }
}

impl ServerEcdsaKey for EcdsaKey {
    fn curve(&self) -> EcdsaCurve {
        match &self.key {
            Inner::P256(_) => EcdsaCurve::P256,
            Inner::P384(_) => EcdsaCurve::P384,
        }
    }

    fn public_key_sec1(&self) -> Vec<u8> {
        match &self.key {
            Inner::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Inner::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    fn sign_prehash(&self, digest: &[u8], _rng: &mut dyn CryptoRng) -> Result<Vec<u8>, SignError> {
        // RFC 6979: the nonce is derived from the key and the digest (HMAC-SHA-256 on P-256,
        // HMAC-SHA-384 on P-384), so no randomness is needed and none can leak the key.
        match &self.key {
            Inner::P256(k) => {
                let sig: p256::ecdsa::DerSignature =
                    k.sign_prehash(digest).map_err(|_| SignError)?;
                Ok(sig.as_bytes().to_vec())
            }
            Inner::P384(k) => {
                let sig: p384::ecdsa::DerSignature =
                    k.sign_prehash(digest).map_err(|_| SignError)?;
                Ok(sig.as_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use der::{Decode, Encode};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;
    use sha2::{Digest, Sha256, Sha384};

    use super::*;
    use crate::x509::signature::{SignatureAlgorithm, verify_signature_with_key};
    use crate::x509::{CertificateError, certs_from_pem};

    fn testdata(rel: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata")
            .join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The DER inside a PEM key file (PKCS#8, SEC1 or PKCS#1).
    fn key_der(rel: &str) -> Vec<u8> {
        PrivateKeyDer::from_pem_slice(&testdata(rel))
            .unwrap()
            .secret_der()
            .to_vec()
    }

    /// The first certificate's SPKI (DER).
    fn leaf_spki(rel: &str) -> Vec<u8> {
        let certs = certs_from_pem(&testdata(rel)).unwrap();
        let cert = x509_cert::Certificate::from_der(certs[0].as_ref()).unwrap();
        cert.tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap()
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(7)
    }

    #[test]
    fn sign_then_verify_both_curves() {
        let msg = b"client_random || server_random || ServerECDHParams";
        for (rel, curve, spki_rel) in [
            (
                "ecdsa/p256-leaf.key",
                EcdsaCurve::P256,
                "ecdsa/p256-leaf.pem",
            ),
            (
                "ecdsa/p384-leaf.key",
                EcdsaCurve::P384,
                "ecdsa/p384-leaf.pem",
            ),
        ] {
            let key = EcdsaKey::from_pkcs8_der(&key_der(rel)).unwrap();
            assert_eq!(key.curve(), curve);
            let spki = leaf_spki(spki_rel);
            assert!(key.matches_spki(&spki), "{rel}");
            let public = subject_public_key(&spki, 2048, RsaKeyRole::LeafKey).unwrap();
            for (alg, digest) in [
                (
                    SignatureAlgorithm::EcdsaSha256,
                    Sha256::digest(msg).to_vec(),
                ),
                (
                    SignatureAlgorithm::EcdsaSha384,
                    Sha384::digest(msg).to_vec(),
                ),
                (
                    SignatureAlgorithm::EcdsaSha1,
                    sha1::Sha1::digest(msg).to_vec(),
                ),
            ] {
                let sig = key.sign_prehash(&digest, &mut rng()).unwrap();
                assert_eq!(
                    verify_signature_with_key(alg, &public, msg, &sig),
                    Ok(()),
                    "{rel} {alg}"
                );
                // RFC 6979: the same digest gives the same signature, whatever the RNG.
                let mut other = ChaCha20Rng::seed_from_u64(8);
                assert_eq!(key.sign_prehash(&digest, &mut other).unwrap(), sig);
                let mut tampered = msg.to_vec();
                if let Some(first) = tampered.first_mut() {
                    *first ^= 1;
                }
                assert_eq!(
                    verify_signature_with_key(alg, &public, &tampered, &sig),
                    Err(CertificateError::BadSignature)
                );
            }
        }
    }

    #[test]
    fn pkcs8_and_sec1_forms_are_the_same_key() {
        let pkcs8 = EcdsaKey::from_pkcs8_der(&key_der("ecdsa/p256-leaf.key")).unwrap();
        let sec1 = EcdsaKey::from_sec1_der(&key_der("ecdsa/p256-leaf.sec1.key")).unwrap();
        assert_eq!(sec1.curve(), EcdsaCurve::P256);
        assert_eq!(pkcs8.public_key_sec1(), sec1.public_key_sec1());
        assert_eq!(pkcs8.public_key_sec1().len(), 65);
        assert_eq!(pkcs8.public_key_sec1().first(), Some(&0x04));
        let digest = Sha256::digest(b"m");
        assert_eq!(
            pkcs8.sign_prehash(&digest, &mut rng()),
            sec1.sign_prehash(&digest, &mut rng())
        );
        // The wrong form, the wrong algorithm, garbage.
        assert!(EcdsaKey::from_sec1_der(&key_der("ecdsa/p256-leaf.key")).is_err());
        assert!(EcdsaKey::from_pkcs8_der(&key_der("ecdsa/p256-leaf.sec1.key")).is_err());
        assert!(EcdsaKey::from_pkcs8_der(&key_der("pki/leaf.key")).is_err());
        assert!(EcdsaKey::from_sec1_der(&key_der("pki/leaf.rsa.key")).is_err());
        let der = key_der("ecdsa/p384-leaf.key");
        for n in 0..der.len() {
            assert!(EcdsaKey::from_pkcs8_der(&der[..n]).is_err(), "{n}");
        }
        // Debug shows the curve, never the secret.
        let debug = std::format!("{pkcs8:?}");
        assert_eq!(debug, "EcdsaKey { curve: P256, .. }");
    }

    #[test]
    fn matches_spki_only_for_its_own_key() {
        let key = EcdsaKey::from_pkcs8_der(&key_der("ecdsa/p256-leaf.key")).unwrap();
        assert!(key.matches_spki(&leaf_spki("ecdsa/p256-leaf.pem")));
        // Another P-256 key, a P-384 key, an RSA key, garbage.
        assert!(!key.matches_spki(&leaf_spki("ecdsa/p256-client.pem")));
        assert!(!key.matches_spki(&leaf_spki("ecdsa/p384-leaf.pem")));
        assert!(!key.matches_spki(&leaf_spki("ecdsa/p256-root-rsa-leaf.pem")));
        assert!(!key.matches_spki(&[0x30, 0x00]));
    }
}
