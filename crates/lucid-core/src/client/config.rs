//! [`ClientConfig`]: what a client offers and how it checks the server.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::verify::ServerCertVerifier;
use crate::conn::{
    KeyLog, RecordBuffers, check_alpn_protocols, check_versions_and_suites, usable_up_to,
};
use crate::crypto::certified_key::CertifiedKey;
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh;
use crate::crypto::suites;
use crate::error::Error;
use crate::msgs::enums::{CipherSuite, MaxFragmentLength, NamedGroup, ProtocolVersion};
use crate::session::ClientSessionStore;

/// Client configuration. Build with [`ClientConfig::new`], then adjust the public fields
/// (more may be added in later versions, hence `#[non_exhaustive]`).
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Lowest version accepted. Default TLS 1.2; lower only when the peer needs it.
    pub min_version: ProtocolVersion,
    /// Highest version offered. Default TLS 1.2.
    pub max_version: ProtocolVersion,
    /// Suites offered, in preference order. Suites not valid for the offered range are
    /// dropped from the ClientHello.
    pub cipher_suites: Vec<CipherSuite>,
    /// Allow the legacy cipher suites (the `TLS_DHE_RSA_*`, 3DES and RC4 suites,
    /// see [`crate::legacy_cipher_suites`]) in `cipher_suites`. Off by default: without it,
    /// naming such a suite is an [`Error::Misuse`] that says what is weak about it. Turn it
    /// on, and add the suites, with [`Self::enable_legacy_ciphers`].
    pub allow_legacy_ciphers: bool,
    /// Certificate verifier. There is no default that accepts anything.
    pub verifier: Arc<dyn ServerCertVerifier>,
    /// Offer extended_master_secret (RFC 7627). Default on.
    pub offer_extended_master_secret: bool,
    /// Offer encrypt_then_mac (RFC 7366). Default on.
    pub offer_encrypt_then_mac: bool,
    /// Send TLS_FALLBACK_SCSV (RFC 7507): only for a deliberate retry at a lower version.
    pub send_fallback_scsv: bool,
    /// Where to log secrets for debugging tools, when wanted.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Session store for session-ID resumption; `None` disables resumption.
    pub session_store: Option<Arc<dyn ClientSessionStore>>,
    /// Accept a server whose ServerHello has no renegotiation_info: its TLS stack predates
    /// RFC 5746 (February 2010; old BMC, printer and PLC firmware, OpenSSL before 0.9.8m).
    /// lucid never renegotiates, but such a server may accept a renegotiation that an
    /// attacker splices in front of this connection's data, so the server takes the
    /// attacker's request and our data as one (CVE-2009-3555). Default off: such a server
    /// is refused with [`PeerIncompatible::SecureRenegotiationUnsupported`]. A
    /// renegotiation_info that is present but not empty is refused either way.
    ///
    /// [`PeerIncompatible::SecureRenegotiationUnsupported`]:
    ///     crate::error::PeerIncompatible::SecureRenegotiationUnsupported
    pub allow_legacy_renegotiation: bool,
    /// Accept a server certificate whose RSA key has 1024..2047 bits (the key the
    /// pre-master secret is encrypted to) instead of the 2048-bit minimum. 1024-bit RSA is
    /// within reach of a well-funded attacker; only for legacy devices. Nothing below 1024
    /// bits is ever accepted. The verifier has its own switch for the keys that sign the
    /// chain ([`crate::x509::VerifierOptions::allow_rsa_1024_legacy`]). The same minimum
    /// applies to a DHE server's prime (legacy suites only): 2048 bits, 1024 with this set.
    pub allow_rsa_1024_legacy: bool,
    /// How the record buffers are sized (default: preallocated, no allocation after the
    /// handshake).
    pub record_buffers: RecordBuffers,
    /// Ask the server for records of at most 512, 1024, 2048 or 4096 bytes of plaintext
    /// (max_fragment_length, RFC 6066 §4), for devices short of memory. Default `None`.
    ///
    /// The record buffers start at the size the limit needs (one record of the limit plus
    /// 320 bytes of protection overhead to receive, one sealed record to send) instead of
    /// ~18 KB and ~16 KB. A server that accepts echoes the value; from its ServerHello on,
    /// both sides send records no longer than the limit and refuse longer ones with
    /// record_overflow ([`crate::Negotiated::max_fragment_length`]). A server that declines
    /// (many do: RFC 6066 makes it optional) sends full-size records, and the buffers
    /// grow to the usual size. An answer with another value is refused with
    /// illegal_parameter. Only sessions established with the same setting are resumed.
    /// The values other than the four `MaxFragmentLength::LEN_*` constants are an
    /// [`Error::Misuse`].
    pub max_fragment_length: Option<MaxFragmentLength>,
    /// The ECDHE groups offered in supported_groups, most preferred first (sent only when
    /// an ECDHE suite is offered). Default: x25519, secp256r1, secp384r1 (none without the
    /// `ecdhe` feature); groups lucid does not implement are left out of the ClientHello.
    pub groups: Vec<NamedGroup>,
    /// The client's own certificate, for servers that ask for one (mutual TLS): `None`
    /// (the default) answers every CertificateRequest with an empty Certificate. See
    /// [`Self::set_client_certificate`] for a fixed identity and [`ResolvesClientCert`]
    /// to pick one per request.
    pub client_certificate: Option<Arc<dyn ResolvesClientCert>>,
    /// The application protocols to offer with ALPN (RFC 7301), most preferred first, as
    /// their registered byte strings (`b"http/1.1".to_vec()`, `b"h2".to_vec()`). Empty (the
    /// default) sends no application_layer_protocol_negotiation extension. Each name must be
    /// 1 to 255 bytes, else creating a connection fails with [`Error::Misuse`]. The server's
    /// choice is [`crate::Negotiated::alpn_protocol`]; a server that picks a protocol not in
    /// this list is refused with illegal_parameter, one that answers without ALPN is
    /// accepted (the protocol is then `None`).
    pub alpn_protocols: Vec<Vec<u8>>,
}

/// What a server's CertificateRequest asked for (RFC 5246 §7.4.4), for choosing a client
/// identity.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CertificateRequestInfo<'a> {
    /// The server takes RSA keys (certificate_types has rsa_sign).
    pub accepts_rsa: bool,
    /// The server takes ECDSA keys (certificate_types has ecdsa_sign).
    pub accepts_ecdsa: bool,
    /// The DER `DistinguishedName`s of the CAs the server trusts for client certificates
    /// (may be empty: any).
    pub authorities: &'a [Vec<u8>],
}

/// Picks the client's certificate chain and key when a server asks for one.
///
/// The chain's key may live anywhere a [`crate::ServerRsaKey`] or
/// [`crate::ServerEcdsaKey`] implementation reaches (an HSM, a TPM, a secure element): the
/// handshake only asks it for one signature, over the CertificateVerify. Returning `None`,
/// or a chain whose key type or signature algorithms the request does not allow, sends an
/// empty Certificate (the server then decides whether to go on).
pub trait ResolvesClientCert: fmt::Debug + Send + Sync {
    /// The identity to present for `request`.
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// One fixed identity, offered to every server that asks.
impl ResolvesClientCert for Arc<CertifiedKey> {
    fn resolve(&self, _request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.clone())
    }
}

impl ClientConfig {
    /// Turns on the legacy opt-in ([`Self::allow_legacy_ciphers`]) and offers the legacy
    /// suites after the configured ones, for servers that speak nothing else.
    pub fn enable_legacy_ciphers(&mut self) {
        self.allow_legacy_ciphers = true;
        for s in suites::legacy_suites() {
            if !self.cipher_suites.contains(&s) {
                self.cipher_suites.push(s);
            }
        }
    }

    /// Presents `cert` (a chain and its RSA or ECDSA key, built like a server's with
    /// [`CertifiedKey::new`] / [`CertifiedKey::new_ecdsa`]) to servers that ask for a
    /// client certificate.
    pub fn set_client_certificate(&mut self, cert: CertifiedKey) {
        self.client_certificate = Some(Arc::new(Arc::new(cert)));
    }

    /// TLS 1.2 only, every lucid suite (ECDHE first), EMS and ETM offered, verifying with
    /// `verifier`.
    pub fn new(verifier: Arc<dyn ServerCertVerifier>) -> Self {
        Self {
            min_version: ProtocolVersion::TLSV1_2,
            max_version: ProtocolVersion::TLSV1_2,
            cipher_suites: suites::default_suites().collect(),
            allow_legacy_ciphers: false,
            verifier,
            offer_extended_master_secret: true,
            offer_encrypt_then_mac: true,
            send_fallback_scsv: false,
            key_log: None,
            session_store: None,
            allow_legacy_renegotiation: false,
            allow_rsa_1024_legacy: false,
            record_buffers: RecordBuffers::default(),
            max_fragment_length: None,
            #[cfg(feature = "ecdhe")]
            groups: ecdh::SUPPORTED_GROUPS.to_vec(),
            #[cfg(not(feature = "ecdhe"))]
            groups: Vec::new(),
            client_certificate: None,
            alpn_protocols: Vec::new(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self
            .max_fragment_length
            .is_some_and(|v| v.fragment_len().is_none())
        {
            return Err(Error::Misuse(
                "max_fragment_length must be 512, 1024, 2048 or 4096 (MaxFragmentLength::LEN_*)",
            ));
        }
        check_versions_and_suites(
            self.min_version,
            self.max_version,
            &self.cipher_suites,
            self.allow_legacy_ciphers,
        )?;
        check_alpn_protocols(&self.alpn_protocols)
    }

    /// The smallest RSA key accepted for the key exchange, in bits.
    pub(crate) fn min_rsa_bits(&self) -> usize {
        use crate::x509::signature::{LEGACY_MIN_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS};
        if self.allow_rsa_1024_legacy {
            LEGACY_MIN_RSA_MODULUS_BITS
        } else {
            MIN_RSA_MODULUS_BITS
        }
    }

    pub(crate) fn offered_suites(&self) -> Vec<CipherSuite> {
        self.cipher_suites
            .iter()
            .copied()
            .filter(|s| usable_up_to(*s, self.max_version))
            .collect()
    }
}
