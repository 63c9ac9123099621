//! Deciding whether the server's certificate chain is acceptable: the
//! [`ServerCertVerifier`] trait and lucid's two verifiers.

use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::crypto::rsa_kx::certificate_rsa_key;
use crate::x509::signature::RsaKeyRole;
use crate::x509::{CertificateError, RootStore, VerifiedChain, VerifierOptions};

/// Decides whether the server's certificate chain is acceptable, before lucid uses its key.
pub trait ServerCertVerifier: fmt::Debug + Send + Sync {
    /// Verifies `end_entity` (with the `intermediates` the server sent, in its order) for
    /// `server_name` at `now`.
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, CertificateError>;
}

/// A successful verification, with the path that was built when there is one (for traces
/// and summaries).
#[derive(Debug, Clone, Default)]
pub struct ServerCertVerified {
    /// The verified path from the leaf to a trust anchor, if the verifier builds one.
    pub chain: Option<VerifiedChain>,
}

/// The default verifier: path building to a [`RootStore`] anchor, validity at `now`, RSA
/// signatures, constraints and the host name (see [`crate::x509`]).
#[derive(Debug, Clone)]
pub struct WebPkiVerifier {
    roots: RootStore,
    options: VerifierOptions,
}

impl WebPkiVerifier {
    /// Verifies against `roots` with the default (strict) options.
    pub fn new(roots: RootStore) -> Self {
        Self::with_options(roots, VerifierOptions::default())
    }

    /// Verifies against `roots` with explicit options (e.g. the SHA-1 legacy opt-in).
    pub fn with_options(roots: RootStore, options: VerifierOptions) -> Self {
        Self { roots, options }
    }
}

impl ServerCertVerifier for WebPkiVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, CertificateError> {
        crate::x509::verify_server_chain(
            &self.roots,
            end_entity.as_ref(),
            intermediates,
            server_name,
            now,
            &self.options,
        )
        .map(|chain| ServerCertVerified { chain: Some(chain) })
    }
}

/// Trusts exactly one end-entity certificate, byte for byte, and nothing else. For tests and
/// for devices whose self-signed certificate you pinned out of band; it performs no date or
/// name check.
///
/// The pinned certificate's RSA key must still meet the key-size minimum (2048 bits, 1024
/// with [`VerifierOptions::allow_rsa_1024_legacy`]): pinning says whose key it is, not that
/// it is strong enough.
#[derive(Debug, Clone)]
pub struct PinnedLeafVerifier {
    leaf: Vec<u8>,
    options: VerifierOptions,
}

impl PinnedLeafVerifier {
    /// Trusts exactly `leaf_der`, with the default key-size minimum.
    pub fn new(leaf_der: Vec<u8>) -> Self {
        Self::with_options(leaf_der, VerifierOptions::default())
    }

    /// Trusts exactly `leaf_der`; of `options`, only the RSA key-size opt-in applies.
    pub fn with_options(leaf_der: Vec<u8>, options: VerifierOptions) -> Self {
        Self {
            leaf: leaf_der,
            options,
        }
    }
}

impl ServerCertVerifier for PinnedLeafVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _now: UnixTime,
    ) -> Result<ServerCertVerified, CertificateError> {
        if end_entity.as_ref() != self.leaf.as_slice() {
            return Err(CertificateError::NotTrusted);
        }
        // Only the size is this verifier's business; whether the key suits RSA key exchange
        // at all the client checks next.
        match certificate_rsa_key(
            end_entity.as_ref(),
            self.options.min_rsa_bits(),
            RsaKeyRole::PinnedLeaf,
        ) {
            Err(e @ CertificateError::RsaKeyTooSmall { .. }) => Err(e),
            _ => Ok(ServerCertVerified::default()),
        }
    }
}
