//! Path building and per-certificate checks.
//!
//! Implementation notes: the end-entity certificate is checked on its own first (version,
//! validity, basicConstraints, keyUsage, extendedKeyUsage). Then a depth-first search looks
//! for an issuer of the current certificate: trust anchors whose subject matches first, then
//! the intermediates the peer sent (in any order, unrelated extras never looked at twice).
//! A candidate is checked as an issuer (version, validity, cA, keyCertSign, EKU,
//! pathLenConstraint), then the signature is verified — every RSA or ECDSA operation is
//! counted against [`MAX_SIGNATURE_CHECKS`] for the whole verification. A failing candidate makes
//! the search back off and try the next one. When an anchor signs the top certificate, name
//! constraints from every CA on the path (anchor included) are applied to the certificates
//! below it; a violation also backs off. Loops are impossible: a (subject, key) pair already
//! on the path is never added again, and the path never exceeds [`MAX_PATH_DEPTH`]
//! intermediates.

use alloc::string::String;
use alloc::vec::Vec;

use rustls_pki_types::{ServerName, UnixTime};

use super::CertificateError;
use super::anchors::{RootStore, TrustAnchor};
use super::cert::{Cert, KeyUsageBits, Mode};
use super::name::{
    ConstrainedNames, GeneralName, check_name_constraints, common_names, dns_name_matches,
    for_each_general_name, ip_to_string, name_to_string, names_equal, presented_names,
};
use super::signature::{
    LEGACY_MIN_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, RsaKeyRole, RsaPublicKey,
    SignatureAlgorithm, SubjectPublicKey, rsa_public_key_checked, subject_public_key,
    verify_signature_with_key,
};
use super::time::Time;

/// Most intermediate certificates a path may contain (leaf and anchor not counted).
pub const MAX_PATH_DEPTH: usize = 6;
/// Most signature verifications (RSA and ECDSA alike) one call to a verify function
/// performs, whatever the peer sent (webpki keeps a similar budget).
pub const MAX_SIGNATURE_CHECKS: usize = 64;
/// Most intermediate certificates accepted from the peer.
pub const MAX_INTERMEDIATES: usize = 32;

/// Knobs for certificate verification. The defaults are the secure choice; every opt-in is
/// named for what it gives up.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifierOptions {
    /// Accept sha1WithRSAEncryption and ecdsa-with-SHA1 signatures on path certificates.
    /// SHA-1 is broken for collision resistance (SHAttered, 2017); only for legacy devices
    /// you cannot fix.
    pub allow_sha1_signatures_legacy: bool,
    /// When the certificate has no subjectAltName extension, match the host name against
    /// the subject's commonName values (pre-RFC 6125 behaviour; off as in webpki, Go and
    /// browsers).
    pub allow_common_name_fallback: bool,
    /// Accept RSA keys of 1024..2047 bits (the leaf's key and every key that signs the
    /// path) instead of the 2048-bit minimum. 1024-bit RSA is within reach of a well-funded
    /// attacker; only for legacy devices. Nothing below 1024 bits is ever accepted.
    pub allow_rsa_1024_legacy: bool,
}

impl VerifierOptions {
    /// The smallest RSA modulus these options accept, in bits.
    pub fn min_rsa_bits(&self) -> usize {
        if self.allow_rsa_1024_legacy {
            LEGACY_MIN_RSA_MODULUS_BITS
        } else {
            MIN_RSA_MODULUS_BITS
        }
    }
}

/// One certificate of a verified path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCert {
    /// Subject name, e.g. `C=US, O=Example, CN=www.example.com`.
    pub subject: String,
    /// Issuer name.
    pub issuer: String,
    /// Start of validity.
    pub not_before: Time,
    /// End of validity.
    pub not_after: Time,
    /// How the issuer signed it.
    pub signature_algorithm: SignatureAlgorithm,
    /// The certificate's DER.
    pub der: Vec<u8>,
}

/// A path from the end-entity certificate to a trust anchor that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The end-entity certificate first, then each intermediate up to the one the anchor
    /// signed.
    pub certificates: Vec<ChainCert>,
    /// The anchor that signed the last certificate in `certificates`.
    pub anchor: TrustAnchor,
    /// The end-entity certificate's `SubjectPublicKeyInfo` (DER): the key the client
    /// encrypts the pre-master secret to (RSA key exchange) or verifies the
    /// ServerKeyExchange signature with (ECDHE).
    pub leaf_spki: Vec<u8>,
    /// The end-entity certificate's keyUsage, `None` when it has no keyUsage extension
    /// (any use allowed). The path check required digitalSignature or keyEncipherment; the
    /// TLS client checks the one bit its key exchange needs.
    pub leaf_key_usage: Option<KeyUsageBits>,
}

impl VerifiedChain {
    /// The end-entity RSA public key (for RSA key exchange). Its size already passed the
    /// minimum of the options the chain was verified with.
    ///
    /// # Errors
    /// [`CertificateError::UnsupportedPublicKeyAlgorithm`] when the leaf key is not RSA (see
    /// [`Self::leaf_key`]).
    pub fn leaf_public_key(&self) -> Result<RsaPublicKey, CertificateError> {
        rsa_public_key_checked(
            &self.leaf_spki,
            LEGACY_MIN_RSA_MODULUS_BITS,
            RsaKeyRole::LeafKey,
        )
    }

    /// The end-entity public key, RSA or EC. An RSA key's size already passed the minimum
    /// of the options the chain was verified with.
    pub fn leaf_key(&self) -> Result<SubjectPublicKey, CertificateError> {
        subject_public_key(
            &self.leaf_spki,
            LEGACY_MIN_RSA_MODULUS_BITS,
            RsaKeyRole::LeafKey,
        )
    }

    /// The anchor's subject, human-readable.
    pub fn anchor_subject(&self) -> String {
        self.anchor.subject_string()
    }
}

/// Verify a TLS server's certificate chain and that it is valid for `server_name`.
///
/// `end_entity` is the first certificate the server sent; `intermediates` the rest, in any
/// order (unrelated certificates are ignored). `now` is the verification time.
///
/// # Errors
/// The first reason found, see [`CertificateError`]. Path problems are reported before a
/// name mismatch.
pub fn verify_server_chain<I: AsRef<[u8]>>(
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[I],
    server_name: &ServerName<'_>,
    now: UnixTime,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    let chain = verify_chain_no_name(roots, end_entity, intermediates, now, opts)?;
    let leaf = Cert::parse(end_entity, Mode::Path)?;
    check_server_name(&leaf, server_name, opts)?;
    Ok(chain)
}

/// Everything [`verify_server_chain`] checks except the host name: for `lucid verify`
/// without `--host` and for NIST PKITS. The end entity must still be usable as a TLS server
/// certificate (digitalSignature or keyEncipherment / serverAuth when those extensions are
/// present; an RSA key of the minimum size or an EC key on P-256/P-384).
pub fn verify_chain_no_name<I: AsRef<[u8]>>(
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[I],
    now: UnixTime,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    verify_chain_for(
        Purpose::ServerAuth,
        roots,
        end_entity,
        intermediates,
        now,
        opts,
    )
}

/// Verify a TLS client's certificate chain (mutual TLS, RFC 5246 §7.4.6): the same path
/// rules as for a server, but the end entity must allow digitalSignature (it signs the
/// CertificateVerify) and, where extendedKeyUsage is present on it or on a CA of the path,
/// clientAuth. No name is checked: who the client is, is the application's question
/// ([`VerifiedChain::certificates`] has the subject).
pub fn verify_client_chain<I: AsRef<[u8]>>(
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[I],
    now: UnixTime,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    verify_chain_for(
        Purpose::ClientAuth,
        roots,
        end_entity,
        intermediates,
        now,
        opts,
    )
}

/// Which end of a TLS connection a chain authenticates: decides the end entity's keyUsage
/// and the extendedKeyUsage purpose required along the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
}

impl Purpose {
    /// Whether an extendedKeyUsage extension allows this purpose (anyExtendedKeyUsage does
    /// not, as in webpki).
    fn allowed_by(self, eku: super::cert::Eku) -> bool {
        match self {
            Self::ServerAuth => eku.server_auth,
            Self::ClientAuth => eku.client_auth,
        }
    }
}

fn verify_chain_for<I: AsRef<[u8]>>(
    purpose: Purpose,
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[I],
    now: UnixTime,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    let now = Time::from(now);
    if intermediates.len() > MAX_INTERMEDIATES {
        return Err(CertificateError::LimitExceeded("intermediate certificates"));
    }
    let leaf = Cert::parse(end_entity, Mode::Path)?;
    check_end_entity(&leaf, now, purpose)?;
    // The client encrypts the pre-master secret to this key or verifies a signature with
    // it: the same minimum as the keys that sign the path.
    subject_public_key(leaf.spki, opts.min_rsa_bits(), RsaKeyRole::LeafKey)?;

    // Intermediates that do not parse are skipped: they can only be unrelated extras or
    // make the path fail to build (reported as an unknown issuer).
    let pool: Vec<Cert<'_>> = intermediates
        .iter()
        .filter_map(|d| Cert::parse(d.as_ref(), Mode::Path).ok())
        .collect();

    let mut search = Search {
        purpose,
        roots,
        leaf: &leaf,
        pool: &pool,
        now,
        opts,
        signature_checks: 0,
        path: Vec::new(),
    };
    // A self-signed CA presented as the leaf (`openssl req -x509`, many BMCs) has no path
    // unless it is itself a root, and is no server certificate either way: say so, and how
    // to trust exactly it.
    let self_signed_ca = leaf.is_ca() && leaf.is_self_issued();
    let anchor = match search.find_issuer(&leaf) {
        Err(_) if self_signed_ca => return Err(CertificateError::SelfSignedCaLeaf),
        other => other?,
    };
    // Checked once a path exists, so PKITS-style chains report path problems first. A CA
    // certificate is never accepted as a TLS server certificate (webpki does the same).
    if self_signed_ca {
        return Err(CertificateError::SelfSignedCaLeaf);
    }
    if leaf.is_ca() {
        return Err(CertificateError::CaUsedAsEndEntity);
    }

    let mut certificates = Vec::with_capacity(search.path.len() + 1);
    certificates.push(chain_cert(&leaf));
    for &i in &search.path {
        if let Some(c) = pool.get(i) {
            certificates.push(chain_cert(c));
        }
    }
    Ok(VerifiedChain {
        certificates,
        anchor: anchor.clone(),
        leaf_spki: leaf.spki.to_vec(),
        leaf_key_usage: leaf.key_usage.as_ref().map(KeyUsageBits::from_extension),
    })
}

/// The subject of a DER certificate, human-readable (`C=XX, O=Example, CN=client`): what a
/// server shows of a client's certificate. Parsed as leniently as a trust anchor.
///
/// # Errors
/// [`CertificateError::BadEncoding`] when the certificate does not parse.
pub fn certificate_subject(cert_der: &[u8]) -> Result<String, CertificateError> {
    let cert = Cert::parse(cert_der, Mode::Anchor)?;
    Ok(name_to_string(cert.subject))
}

/// The keyUsage of a DER certificate, `None` when it has no keyUsage extension.
///
/// For a TLS client whose verifier built no path ([`VerifiedChain::leaf_key_usage`] is
/// the same for one that did): it checks keyEncipherment before an RSA key exchange and
/// digitalSignature before trusting an ECDHE ServerKeyExchange signature. The certificate
/// is parsed as leniently as a trust anchor (a pinned self-signed certificate may be v1 or
/// carry unknown critical extensions); keyUsage itself must be well-formed.
///
/// # Errors
/// [`CertificateError::BadEncoding`] when the certificate or its keyUsage does not parse;
/// [`CertificateError::LimitExceeded`] for an oversized certificate.
pub fn end_entity_key_usage(cert_der: &[u8]) -> Result<Option<KeyUsageBits>, CertificateError> {
    let cert = Cert::parse(cert_der, Mode::Anchor)?;
    Ok(cert.key_usage.as_ref().map(KeyUsageBits::from_extension))
}

/// The `subjectPublicKeyInfo` of a DER certificate (the whole SEQUENCE), the certificate
/// parsed as [`end_entity_key_usage`] parses it: where a peer's or our own leaf key is
/// read from.
///
/// # Errors
/// [`CertificateError::BadEncoding`] when the certificate does not parse.
pub(crate) fn certificate_spki(cert_der: &[u8]) -> Result<&[u8], CertificateError> {
    Cert::parse(cert_der, Mode::Anchor)
        .map(|c| c.spki)
        .map_err(|_| CertificateError::BadEncoding)
}

fn chain_cert(c: &Cert<'_>) -> ChainCert {
    ChainCert {
        subject: name_to_string(c.subject),
        issuer: name_to_string(c.issuer),
        not_before: c.not_before,
        not_after: c.not_after,
        // Only certificates whose signature verified end up here.
        signature_algorithm: c
            .signature_algorithm
            .clone()
            .unwrap_or(SignatureAlgorithm::RsaPkcs1Sha256),
        der: c.der.to_vec(),
    }
}

fn check_validity(c: &Cert<'_>, now: Time) -> Result<(), CertificateError> {
    if now < c.not_before {
        return Err(CertificateError::NotValidYet {
            not_before: c.not_before,
            now,
        });
    }
    if now > c.not_after {
        return Err(CertificateError::Expired {
            not_after: c.not_after,
            now,
        });
    }
    Ok(())
}

fn check_end_entity(leaf: &Cert<'_>, now: Time, purpose: Purpose) -> Result<(), CertificateError> {
    if leaf.version != 2 {
        // v1/v2 certificates are accepted only as trust anchors.
        return Err(CertificateError::UnsupportedVersion);
    }
    check_validity(leaf, now)?;
    if let Some(ku) = &leaf.key_usage {
        match purpose {
            // RSA key exchange encrypts the pre-master secret to this key, ECDHE signs with
            // it (RFC 5280 §4.2.1.3, RFC 5246 §7.4.2, RFC 8422 §5.3): a key allowing neither
            // is no TLS server key. Which one the negotiated suite needs is the client's
            // check (`VerifiedChain::leaf_key_usage`).
            Purpose::ServerAuth if !ku.key_encipherment() && !ku.digital_signature() => {
                return Err(CertificateError::InvalidKeyUsage {
                    required: "digitalSignature or keyEncipherment",
                });
            }
            // A client key signs the CertificateVerify (RFC 5246 §7.4.6, §7.4.8).
            Purpose::ClientAuth if !ku.digital_signature() => {
                return Err(CertificateError::InvalidKeyUsage {
                    required: "digitalSignature",
                });
            }
            _ => {}
        }
    }
    if leaf.eku.is_some_and(|e| !purpose.allowed_by(e)) {
        return Err(CertificateError::RequiredEkuNotFound);
    }
    Ok(())
}

struct Search<'s, 'a> {
    purpose: Purpose,
    roots: &'s RootStore,
    leaf: &'s Cert<'a>,
    pool: &'s [Cert<'a>],
    now: Time,
    opts: &'s VerifierOptions,
    signature_checks: usize,
    /// Indices into `pool`, from the leaf's issuer upward.
    path: Vec<usize>,
}

/// Keep the most informative error: anything beats "unknown issuer".
fn keep(best: &mut Option<CertificateError>, e: CertificateError) {
    if best.is_none() || *best == Some(CertificateError::UnknownIssuer) {
        *best = Some(e);
    }
}

impl<'s, 'a> Search<'s, 'a> {
    /// Find an issuer for `child` (the leaf, or `pool[*path.last()]`), recursively up to a
    /// trust anchor. On success `self.path` holds the intermediates used.
    fn find_issuer(&mut self, child: &Cert<'a>) -> Result<&'s TrustAnchor, CertificateError> {
        let mut best: Option<CertificateError> = None;

        let roots = self.roots;
        for anchor in roots.anchors() {
            if !names_equal(&anchor.subject, child.issuer) {
                continue;
            }
            match self.check_signature(child, &anchor.spki, RsaKeyRole::TrustAnchor) {
                Ok(()) => {}
                Err(e @ CertificateError::TooManySignatureChecks) => return Err(e),
                Err(e) => {
                    keep(&mut best, e);
                    continue;
                }
            }
            match self.check_path_name_constraints(anchor) {
                Ok(()) => return Ok(anchor),
                Err(e) => keep(&mut best, e),
            }
        }

        let pool = self.pool;
        for (i, candidate) in pool.iter().enumerate() {
            if !names_equal(candidate.subject, child.issuer) {
                continue;
            }
            // Loop prevention: the same (subject, key) never appears twice on a path.
            let on_path = self.path.iter().any(|&p| {
                pool.get(p).is_some_and(|c| {
                    c.spki == candidate.spki && names_equal(c.subject, candidate.subject)
                })
            });
            if on_path {
                continue;
            }
            if self.path.len() >= MAX_PATH_DEPTH {
                keep(&mut best, CertificateError::PathTooLong);
                continue;
            }
            if let Err(e) = self.check_issuer(candidate) {
                keep(&mut best, e);
                continue;
            }
            // The candidate would be certificate [path.len() + 1]: [0] is the leaf.
            let role = RsaKeyRole::ChainSigner {
                index: self.path.len() + 1,
            };
            match self.check_signature(child, candidate.spki, role) {
                Ok(()) => {}
                Err(e @ CertificateError::TooManySignatureChecks) => return Err(e),
                Err(e) => {
                    keep(&mut best, e);
                    continue;
                }
            }
            self.path.push(i);
            match self.find_issuer(candidate) {
                Ok(anchor) => return Ok(anchor),
                Err(e @ CertificateError::TooManySignatureChecks) => return Err(e),
                Err(e) => keep(&mut best, e),
            }
            self.path.pop();
        }

        Err(best.unwrap_or(CertificateError::UnknownIssuer))
    }

    /// Checks on a certificate about to be used as an issuer, at position `path.len()`
    /// (0 = directly above the leaf).
    fn check_issuer(&self, ca: &Cert<'_>) -> Result<(), CertificateError> {
        if ca.version != 2 {
            return Err(CertificateError::UnsupportedVersion);
        }
        check_validity(ca, self.now)?;
        let Some(bc) = &ca.basic_constraints else {
            return Err(CertificateError::EndEntityUsedAsCa);
        };
        if !bc.ca {
            return Err(CertificateError::EndEntityUsedAsCa);
        }
        if let Some(ku) = &ca.key_usage {
            if !ku.key_cert_sign() {
                return Err(CertificateError::InvalidKeyUsage {
                    required: "keyCertSign",
                });
            }
        }
        if ca.eku.is_some_and(|e| !self.purpose.allowed_by(e)) {
            return Err(CertificateError::RequiredEkuNotFound);
        }
        if let Some(max) = bc.path_len_constraint {
            // Non-self-issued intermediates already below this CA (RFC 5280 §6.1.4 (l),(m)).
            let below = self
                .path
                .iter()
                .filter_map(|&p| self.pool.get(p))
                .filter(|c| !c.is_self_issued())
                .count();
            if below > usize::from(max) {
                return Err(CertificateError::PathLenConstraintViolated);
            }
        }
        Ok(())
    }

    fn check_signature(
        &mut self,
        child: &Cert<'_>,
        issuer_spki: &[u8],
        role: RsaKeyRole,
    ) -> Result<(), CertificateError> {
        let alg = child.signature_algorithm.clone()?;
        if alg.is_sha1() && !self.opts.allow_sha1_signatures_legacy {
            return Err(CertificateError::Sha1NotAllowed);
        }
        if self.signature_checks >= MAX_SIGNATURE_CHECKS {
            return Err(CertificateError::TooManySignatureChecks);
        }
        self.signature_checks += 1;
        let key = subject_public_key(issuer_spki, self.opts.min_rsa_bits(), role)?;
        verify_signature_with_key(alg, &key, child.tbs, child.signature.clone()?)
    }

    /// Apply the name constraints of every CA on the completed path (the anchor's included)
    /// to the certificates below it. Self-issued intermediates are exempt (RFC 5280 §6.1.3
    /// (b)); the leaf never is.
    fn check_path_name_constraints(&self, anchor: &TrustAnchor) -> Result<(), CertificateError> {
        // Position 0 of `cas` is the leaf's issuer.
        let cas: Vec<&Cert<'_>> = self.path.iter().filter_map(|&p| self.pool.get(p)).collect();
        let leaf = self.leaf;
        let apply = |nc: &[u8], below: usize| -> Result<(), CertificateError> {
            check_name_constraints(
                nc,
                &ConstrainedNames {
                    subject: leaf.subject,
                    san: leaf.san,
                    cn_as_dns: self.opts.allow_common_name_fallback && leaf.san.is_none(),
                },
            )?;
            for c in cas.iter().take(below).filter(|c| !c.is_self_issued()) {
                check_name_constraints(
                    nc,
                    &ConstrainedNames {
                        subject: c.subject,
                        san: c.san,
                        cn_as_dns: false,
                    },
                )?;
            }
            Ok(())
        };
        for (j, ca) in cas.iter().enumerate() {
            if let Some(nc) = ca.name_constraints {
                apply(nc, j)?;
            }
        }
        if let Some(nc) = &anchor.name_constraints {
            apply(nc, cas.len())?;
        }
        Ok(())
    }
}

fn check_server_name(
    leaf: &Cert<'_>,
    server_name: &ServerName<'_>,
    opts: &VerifierOptions,
) -> Result<(), CertificateError> {
    let found = match server_name {
        ServerName::DnsName(dns) => {
            let reference = dns.as_ref().as_bytes();
            match leaf.san {
                Some(san) => {
                    let mut hit = false;
                    for_each_general_name(san, |g| {
                        if let GeneralName::Dns(p) = g {
                            hit |= dns_name_matches(p, reference);
                        }
                        Ok(())
                    })?;
                    hit
                }
                None if opts.allow_common_name_fallback => common_names(leaf.subject)
                    .into_iter()
                    .any(|cn| dns_name_matches(cn, reference)),
                None => false,
            }
        }
        ServerName::IpAddress(ip) => {
            let reference: &[u8] = match ip {
                rustls_pki_types::IpAddr::V4(v4) => v4.as_ref(),
                rustls_pki_types::IpAddr::V6(v6) => v6.as_ref(),
            };
            let mut hit = false;
            if let Some(san) = leaf.san {
                for_each_general_name(san, |g| {
                    if let GeneralName::Ip(p) = g {
                        hit |= p == reference;
                    }
                    Ok(())
                })?;
            }
            hit
        }
        _ => false,
    };
    if found {
        Ok(())
    } else {
        Err(CertificateError::NotValidForName {
            expected: server_name_string(server_name),
            presented: presented_names(leaf.san, leaf.subject, opts.allow_common_name_fallback),
        })
    }
}

fn server_name_string(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => String::from(d.as_ref()),
        ServerName::IpAddress(rustls_pki_types::IpAddr::V4(v4)) => ip_to_string(v4.as_ref()),
        ServerName::IpAddress(rustls_pki_types::IpAddr::V6(v6)) => ip_to_string(v6.as_ref()),
        _ => String::from("<unsupported server name>"),
    }
}
