//! Who the client is ([`Identity`]: its certificate, chain and key, and how each peer names
//! it), the roots every server trusts for clients, and what a server demands ([`Mode`]).

use core::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use lucid_blocking::server::load_certified_key;
use lucid_core::{CertifiedKey, CipherSuite, ProtocolVersion};
use lucid_test_support::peers::testdata;
use sha1::{Digest as _, Sha1};

use crate::common;
use crate::server_support::V12;

/// A client certificate with its chain and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// RSA-2048, `testdata/cases/eku-clientauth` (clientAuth) under the cases intermediate.
    Rsa,
    /// ECDSA P-256, `testdata/ecdsa/p256-client` (clientAuth) under the P-256 intermediate.
    Ecdsa,
    /// The test PKI's server certificate (RSA): issued under a root no server here trusts
    /// for clients, and serverAuth only. Every server must refuse it.
    Refused,
}

pub(crate) const IDENTITIES: [Identity; 2] = [Identity::Rsa, Identity::Ecdsa];

impl Identity {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA cert",
            Self::Ecdsa => "ECDSA cert",
            Self::Refused => "untrusted cert",
        }
    }

    /// The leaf alone (openssl's `-cert`).
    pub(crate) fn leaf(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "cases/eku-clientauth.pem",
            Self::Ecdsa => "ecdsa/p256-client.pem",
            Self::Refused => "pki/leaf.pem",
        })
    }

    /// The intermediate CA after the leaf (openssl's `-cert_chain`).
    pub(crate) fn intermediate(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "cases/intermediate.pem",
            Self::Ecdsa => "ecdsa/p256-intermediate.pem",
            Self::Refused => "pki/intermediate.pem",
        })
    }

    pub(crate) fn key(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "cases/eku-clientauth.key",
            Self::Ecdsa => "ecdsa/p256-client.key",
            Self::Refused => "pki/leaf.key",
        })
    }

    /// Leaf, then intermediate, in one PEM file.
    pub(crate) fn chain(self) -> PathBuf {
        match self {
            // testdata/cases has no chain files: concatenated once, in target/interop.
            Self::Rsa => {
                static CHAIN: OnceLock<PathBuf> = OnceLock::new();
                CHAIN
                    .get_or_init(|| {
                        let path = common::out_dir("client-auth").join("eku-clientauth.chain.pem");
                        let mut pem = fs::read(self.leaf()).unwrap();
                        pem.extend(fs::read(self.intermediate()).unwrap());
                        fs::write(&path, pem).unwrap();
                        path
                    })
                    .clone()
            }
            Self::Ecdsa => testdata("ecdsa/p256-client.chain.pem"),
            Self::Refused => testdata("pki/chain.pem"),
        }
    }

    /// The leaf's subject as lucid's page and openssl print it.
    pub(crate) fn subject(self) -> &'static str {
        match self {
            Self::Rsa => "C=XX, O=lucid test cases, CN=eku-clientauth",
            Self::Ecdsa => "C=XX, O=lucid test ECDSA, CN=lucid test ECDSA client",
            Self::Refused => "C=XX, O=lucid test PKI, CN=localhost",
        }
    }

    /// The leaf's subject as gnutls prints it (RFC 4514 order).
    pub(crate) fn gnutls_subject(self) -> &'static str {
        match self {
            Self::Rsa => "CN=eku-clientauth,O=lucid test cases,C=XX",
            Self::Ecdsa => "CN=lucid test ECDSA client,O=lucid test ECDSA,C=XX",
            Self::Refused => "CN=localhost,O=lucid test PKI,C=XX",
        }
    }

    /// The key type, as openssl and gnutls name it.
    pub(crate) fn key_type(self) -> &'static str {
        match self {
            Self::Ecdsa => "ECDSA",
            Self::Rsa | Self::Refused => "RSA",
        }
    }

    /// The chain as DER, leaf first.
    pub(crate) fn chain_der(self) -> Vec<Vec<u8>> {
        lucid_blocking::load_pem_certs(&self.chain()).unwrap()
    }

    pub(crate) fn certified_key(self) -> CertifiedKey {
        load_certified_key(&self.chain(), &self.key()).unwrap()
    }

    /// The leaf's SHA-1 fingerprint, lowercase hex, as tlslite-ng prints it.
    pub(crate) fn sha1_fingerprint(self) -> String {
        let leaf = &self.chain_der()[0];
        Sha1::digest(leaf).iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

/// The roots every server here trusts for clients: the cases root (RSA client) and the
/// P-256 root (ECDSA client), in one PEM file.
pub(crate) fn client_roots() -> PathBuf {
    static ROOTS: OnceLock<PathBuf> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let path = common::out_dir("client-auth").join("client-roots.pem");
            let mut pem = fs::read(testdata("cases/root.pem")).unwrap();
            pem.extend(fs::read(testdata("ecdsa/p256-root.pem")).unwrap());
            fs::write(&path, pem).unwrap();
            path
        })
        .clone()
}

/// The hash of the client's CertificateVerify, by openssl's names: at TLS 1.2 the
/// transcript's (the PRF's: SHA-384 for the `*_SHA384` suites) — the only one lucid's
/// server lists, and the one lucid's client picks from a longer list; before TLS 1.2 fixed
/// by the key type (RFC 4346 §7.4.8).
pub(crate) fn cv_hash(v: ProtocolVersion, s: CipherSuite, id: Identity) -> &'static str {
    match (v, id) {
        (V12, _) if sha384(s) => "SHA384",
        (V12, _) => "SHA256",
        (_, Identity::Ecdsa) => "SHA1",
        _ => "MD5-SHA1",
    }
}

pub(crate) fn sha384(s: CipherSuite) -> bool {
    s.to_string().ends_with("_SHA384")
}

/// Whether a server requires a client certificate or only asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Required,
    Optional,
}

impl Mode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
        }
    }
}
