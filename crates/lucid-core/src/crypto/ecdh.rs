//! Ephemeral elliptic-curve Diffie-Hellman for the ECDHE key exchange (RFC 8422).
//!
//! Groups: x25519 (RFC 7748, `x25519-dalek`), secp256r1 and secp384r1 (RustCrypto `p256`,
//! `p384`). Each key share is used for one handshake and dropped (zeroized) after the
//! shared secret is computed.
//!
//! Peer public values are checked before use, as RFC 8422 §5.11 requires:
//! - NIST curves: only the uncompressed form (`0x04 ‖ X ‖ Y`, RFC 8422 §5.1.2: lucid offers
//!   and accepts no other format) of exactly `1 + 2·len(p)` bytes, a point on the curve and
//!   not the point at infinity (`PublicKey::from_sec1_bytes` rejects both). The shared
//!   secret is the x-coordinate of the product, as a fixed-length big-endian field element
//!   (leading zeros kept, §5.10).
//! - x25519: exactly 32 bytes; a result of all zeros (a low-order peer point) is refused
//!   (RFC 7748 §6.1, RFC 8422 §5.11).
//!
//! Side channels: the scalar multiplications in `p256`/`p384` (complete formulas, fixed
//! windows with constant-time table lookups) and in `curve25519-dalek` (Montgomery ladder
//! with conditional swaps, `x25519_dalek::x25519`) are constant-time in the secret scalar;
//! the checks above look only at public values. The all-zero test on the x25519 output is
//! the crate's constant-time `was_contributory`.
//!
//! The scalars are kept as raw values (not the crates' `EphemeralSecret` wrappers) so that
//! the Wycheproof known-answer tests can run through [`KeyShare::agree`] itself.

use alloc::vec::Vec;

use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::NamedGroup;

/// The ECDHE groups lucid implements, in its default preference order.
pub(crate) static SUPPORTED_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// Whether lucid can do ECDHE in `group`.
pub(crate) fn is_supported(group: NamedGroup) -> bool {
    SUPPORTED_GROUPS.contains(&group)
}

/// Length of a public value in `group`, as sent.
pub(crate) fn public_len(group: NamedGroup) -> Option<usize> {
    match group {
        NamedGroup::X25519 => Some(32),
        NamedGroup::SECP256R1 => Some(1 + 2 * 32),
        NamedGroup::SECP384R1 => Some(1 + 2 * 48),
        _ => None,
    }
}

enum Secret {
    /// The x25519 private string (clamped on use, RFC 7748 §5; zeroized on drop by the
    /// crate). `StaticSecret` only in name: each one serves one handshake.
    X25519(x25519_dalek::StaticSecret),
    P256(p256::NonZeroScalar),
    P384(p384::NonZeroScalar),
}

impl Drop for Secret {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            // StaticSecret zeroizes itself on drop.
            Self::X25519(_) => {}
            Self::P256(k) => k.zeroize(),
            Self::P384(k) => k.zeroize(),
        }
    }
}

/// One ephemeral key pair in a group: the private scalar (zeroized on drop) and the public
/// value to send.
pub(crate) struct KeyShare {
    group: NamedGroup,
    secret: Secret,
    public: Vec<u8>,
}

impl core::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyShare")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl KeyShare {
    /// A fresh key pair in `group`, or `None` if lucid does not implement the group.
    pub(crate) fn generate(group: NamedGroup, rng: &mut dyn CryptoRng) -> Option<Self> {
        let secret = match group {
            NamedGroup::X25519 => Secret::X25519(x25519_dalek::StaticSecret::random_from_rng(rng)),
            NamedGroup::SECP256R1 => Secret::P256(p256::NonZeroScalar::generate_from_rng(rng)),
            NamedGroup::SECP384R1 => Secret::P384(p384::NonZeroScalar::generate_from_rng(rng)),
            _ => return None,
        };
        Some(Self::from_secret(group, secret))
    }

    fn from_secret(group: NamedGroup, secret: Secret) -> Self {
        let public = match &secret {
            // Fixed-base multiplication with the precomputed table.
            Secret::X25519(k) => x25519_dalek::PublicKey::from(k).as_bytes().to_vec(),
            Secret::P256(k) => p256::PublicKey::from_secret_scalar(k)
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
            Secret::P384(k) => p384::PublicKey::from_secret_scalar(k)
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
        };
        Self {
            group,
            secret,
            public,
        }
    }

    /// A key share with a given private key (big-endian scalar for the NIST curves, the
    /// 32-byte string for x25519): known-answer tests only.
    #[cfg(test)]
    pub(crate) fn from_private(group: NamedGroup, private: &[u8]) -> Option<Self> {
        let secret = match group {
            NamedGroup::X25519 => {
                let k: [u8; 32] = private.try_into().ok()?;
                Secret::X25519(x25519_dalek::StaticSecret::from(k))
            }
            NamedGroup::SECP256R1 => Secret::P256(p256::NonZeroScalar::try_from(private).ok()?),
            NamedGroup::SECP384R1 => Secret::P384(p384::NonZeroScalar::try_from(private).ok()?),
            _ => return None,
        };
        Some(Self::from_secret(group, secret))
    }

    /// The group.
    #[cfg(feature = "server")]
    pub(crate) fn group(&self) -> NamedGroup {
        self.group
    }

    /// The public value, as it goes on the wire.
    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }

    /// The shared secret with the peer's public value `peer`: the pre-master secret of an
    /// ECDHE handshake. Consumes the key share (used once).
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidKeyShare`] (illegal_parameter) for a value of the wrong
    /// length or form, not on the curve, the point at infinity, or (x25519) one that gives
    /// the all-zero secret.
    pub(crate) fn agree(self, peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let bad = || Error::from(PeerMisbehaved::InvalidKeyShare(self.group));
        if public_len(self.group) != Some(peer.len()) {
            return Err(bad());
        }
        match &self.secret {
            Secret::X25519(k) => {
                let u: [u8; 32] = peer.try_into().map_err(|_| bad())?;
                let shared = k.diffie_hellman(&x25519_dalek::PublicKey::from(u));
                // RFC 7748 §6.1: an all-zero output means a low-order peer point
                // (`was_contributory` compares in constant time).
                if !shared.was_contributory() {
                    return Err(bad());
                }
                Ok(Zeroizing::new(shared.as_bytes().to_vec()))
            }
            Secret::P256(k) => {
                // Uncompressed only (RFC 8422 §5.1.2); the length was checked above.
                if peer.first() != Some(&4) {
                    return Err(bad());
                }
                let pk = p256::PublicKey::from_sec1_bytes(peer).map_err(|_| bad())?;
                let shared = p256::ecdh::diffie_hellman(k, pk.as_affine());
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }
            Secret::P384(k) => {
                if peer.first() != Some(&4) {
                    return Err(bad());
                }
                let pk = p384::PublicKey::from_sec1_bytes(peer).map_err(|_| bad())?;
                let shared = p384::ecdh::diffie_hellman(k, pk.as_affine());
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }
        }
    }
}

#[cfg(test)]
#[path = "ecdh_test.rs"]
mod tests;
