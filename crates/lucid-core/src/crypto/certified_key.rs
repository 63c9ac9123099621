//! [`CertifiedKey`]: a certificate chain with the private key of its leaf, RSA or ECDSA —
//! what a server presents, and what a client presents when a server asks for a certificate.

use alloc::sync::Arc;
use alloc::vec::Vec;

use rsa::traits::PublicKeyParts;

#[cfg(feature = "ecdsa")]
use crate::crypto::ecdsa_key::ServerEcdsaKey;
use crate::crypto::rsa_key::ServerRsaKey;
use crate::crypto::rsa_kx;
#[cfg(feature = "server")]
use crate::crypto::suites::Authentication;
use crate::error::Error;
#[cfg(feature = "server")]
use crate::msgs::enums::NamedGroup;
use crate::msgs::handshake::{MAX_CERTIFICATE_CHAIN_LEN, MAX_CERTIFICATES};
#[cfg(all(feature = "server", feature = "ecdsa"))]
use crate::x509::signature::EcdsaCurve;

/// The private key of a certificate, by type. For a server it decides which suites the
/// chain can serve (RSA: `TLS_RSA_*` and `TLS_ECDHE_RSA_*`; ECDSA: `TLS_ECDHE_ECDSA_*`);
/// a client signs its CertificateVerify with it.
#[derive(Debug, Clone)]
pub enum ServerKey {
    /// An RSA key: decrypts RSA key exchange, signs ECDHE_RSA ServerKeyExchanges.
    Rsa(Arc<dyn ServerRsaKey>),
    /// An ECDSA key (P-256 or P-384): signs ECDHE_ECDSA ServerKeyExchanges.
    #[cfg(feature = "ecdsa")]
    Ecdsa(Arc<dyn ServerEcdsaKey>),
}

impl ServerKey {
    #[cfg(feature = "server")]
    pub(crate) fn authentication(&self) -> Authentication {
        match self {
            Self::Rsa(_) => Authentication::Rsa,
            #[cfg(feature = "ecdsa")]
            Self::Ecdsa(_) => Authentication::Ecdsa,
        }
    }

    /// The named group of an ECDSA key's curve (`None` for RSA).
    #[cfg(feature = "server")]
    pub(crate) fn ecdsa_group(&self) -> Option<NamedGroup> {
        match self {
            Self::Rsa(_) => None,
            #[cfg(feature = "ecdsa")]
            Self::Ecdsa(key) => Some(match key.curve() {
                EcdsaCurve::P256 => NamedGroup::SECP256R1,
                EcdsaCurve::P384 => NamedGroup::SECP384R1,
            }),
        }
    }
}

/// A certificate chain and the key for its leaf: a server's identity
/// ([`crate::ServerConfig::new`]) or a client's ([`crate::ClientConfig::set_client_certificate`]).
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    pub(crate) chain: Vec<Vec<u8>>,
    pub(crate) key: ServerKey,
}

impl CertifiedKey {
    /// `chain` is DER certificates, leaf first (as sent in Certificate); `key` holds the
    /// leaf's private key.
    ///
    /// Checks that the chain is non-empty and within the Certificate message limits, that
    /// the leaf carries an RSA key usable for key exchange, and (when the backend reports
    /// its modulus) that it is the same key. Errors are [`Error::Misuse`].
    pub fn new(chain: Vec<Vec<u8>>, key: Arc<dyn ServerRsaKey>) -> Result<Self, Error> {
        let leaf = check_chain_limits(&chain)?;
        let public = rsa_kx::rsa_public_key_from_certificate(leaf)
            .map_err(|_| Error::Misuse("leaf certificate has no usable RSA key"))?;
        if key.modulus_len() != public.size() || key.modulus_len() < rsa_kx::MIN_MODULUS_LEN {
            return Err(Error::Misuse(
                "private key does not match the leaf certificate",
            ));
        }
        if let Some(n) = key.modulus() {
            if n.as_slice() != &*public.n_bytes() {
                return Err(Error::Misuse(
                    "private key does not match the leaf certificate",
                ));
            }
        }
        Ok(Self {
            chain,
            key: ServerKey::Rsa(key),
        })
    }

    /// Like [`Self::new`] for a leaf with an ECDSA P-256 or P-384 key: checks that `key`
    /// is the leaf's public key. Such a chain serves the `TLS_ECDHE_ECDSA_*` suites.
    #[cfg(feature = "ecdsa")]
    pub fn new_ecdsa(chain: Vec<Vec<u8>>, key: Arc<dyn ServerEcdsaKey>) -> Result<Self, Error> {
        let leaf = check_chain_limits(&chain)?;
        let spki = crate::x509::certificate_spki(leaf)
            .map_err(|_| Error::Misuse("leaf certificate does not parse"))?;
        if !key.matches_spki(spki) {
            return Err(Error::Misuse(
                "private key does not match the leaf certificate",
            ));
        }
        Ok(Self {
            chain,
            key: ServerKey::Ecdsa(key),
        })
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The private key.
    pub fn key(&self) -> &ServerKey {
        &self.key
    }
}

/// The leaf of a non-empty chain within the Certificate message limits.
fn check_chain_limits(chain: &[Vec<u8>]) -> Result<&[u8], Error> {
    let leaf = chain
        .first()
        .ok_or(Error::Misuse("empty certificate chain"))?;
    let total: usize = chain.iter().map(|c| c.len().saturating_add(3)).sum();
    if chain.len() > MAX_CERTIFICATES || total > MAX_CERTIFICATE_CHAIN_LEN {
        return Err(Error::Misuse("certificate chain too long"));
    }
    Ok(leaf)
}
