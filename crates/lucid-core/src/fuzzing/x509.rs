//! The `x509` harness: certificate parsing and path validation against fixed roots.

use alloc::vec::Vec;

use rustls_pki_types::{ServerName, UnixTime};

use crate::codec::{ListLength, Reader};
use crate::crypto::rsa_kx::rsa_public_key_from_certificate;
use crate::x509::name::{dns_name_matches, name_to_string};
use crate::x509::signature::{RsaKeyRole, subject_public_key};
use crate::x509::{
    RootStore, TrustAnchor, VerifierOptions, certs_from_pem, end_entity_key_usage,
    verify_chain_no_name, verify_server_chain,
};

/// The verification time of every x509 (and client) harness: 2024-06-01T00:00:00Z, inside
/// the validity of the testdata fixtures (2020..2120).
pub const NOW: UnixTime =
    UnixTime::since_unix_epoch(core::time::Duration::from_secs(1_717_200_000));

/// testdata/pki (root → intermediate → leaf for `localhost`).
pub(crate) const PKI_ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root.pem");
pub(crate) const PKI_INTERMEDIATE_PEM: &[u8] =
    include_bytes!("../../../../testdata/pki/intermediate.pem");
pub(crate) const PKI_LEAF_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf.pem");
/// testdata/cases' root, so the per-rule fixtures are reachable too.
const CASES_ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/cases/root.pem");
/// testdata/ecdsa's P-256 root, so ECDSA (and ECDSA-over-RSA-key) paths are reachable.
pub(crate) const ECDSA_ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/ecdsa/p256-root.pem");
/// The harness client's identity for servers that ask (testdata/ecdsa/p256-client: EKU
/// clientAuth, P-256, deterministic RFC 6979 signatures), chain and PKCS#8 key.
pub(crate) const ECDSA_CLIENT_CHAIN_PEM: &[u8] =
    include_bytes!("../../../../testdata/ecdsa/p256-client.chain.pem");
pub(crate) const ECDSA_CLIENT_KEY_PEM: &[u8] =
    include_bytes!("../../../../testdata/ecdsa/p256-client.key");

/// The first certificate of a PEM text, as DER (the fixtures are known-good).
pub(crate) fn first_der(pem: &[u8]) -> Vec<u8> {
    certs_from_pem(pem)
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|c| c.as_ref().to_vec())
        .expect("fixture PEM holds a certificate")
}

/// The fixed trust anchors: testdata/pki/root.pem, testdata/cases/root.pem and
/// testdata/ecdsa/p256-root.pem.
pub fn roots() -> RootStore {
    let mut roots = RootStore::new();
    for pem in [PKI_ROOT_PEM, CASES_ROOT_PEM, ECDSA_ROOT_PEM] {
        roots
            .add_der(&first_der(pem))
            .expect("fixture root parses as an anchor");
    }
    roots
}

/// Server names the harness checks against (selected by flag bits 2-3; the fourth choice
/// is "no name": [`verify_chain_no_name`]).
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "good.test"];

/// Input: `flags(1) || [len(2) || DER]...`.
///
/// `flags` bit 0: allow SHA-1 signatures; bit 1: commonName fallback; bits 2-3: the server
/// name ([`NAMES`], or 3 = none); bits 4-5: what to run — 0 or 1: path validation of the
/// chain, leaf first, then intermediates (a length running past the end takes what is
/// left); 2: the single-certificate parsers (anchor, RSA key, keyUsage, name printer) and
/// the `SubjectPublicKeyInfo` parser on the rest;
/// 3: `dns_name_matches` on the two halves of the rest.
///
/// On success the verified path must start at the leaf, end at one of the fixed anchors,
/// use only input certificates, and be the same path as the name-less verification finds.
pub fn x509(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let opts = VerifierOptions {
        allow_sha1_signatures_legacy: flags & 1 != 0,
        allow_common_name_fallback: flags & 2 != 0,
        allow_rsa_1024_legacy: flags & 0x40 != 0,
    };
    let name = NAMES
        .get(usize::from((flags >> 2) & 3))
        .and_then(|n| ServerName::try_from(*n).ok());
    match (flags >> 4) & 3 {
        2 => single_certificate(rest),
        3 => {
            let (a, b) = rest.split_at(rest.len() / 2);
            let _ = dns_name_matches(a, b);
        }
        _ => chain(rest, name.as_ref(), &opts),
    }
}

fn split_chain(mut rest: &[u8]) -> Vec<&[u8]> {
    let mut certs = Vec::new();
    while !rest.is_empty() {
        let mut r = Reader::new(rest);
        let Ok(mut sub) = r.sub(ListLength::U16, "cert") else {
            certs.push(rest);
            break;
        };
        certs.push(sub.rest());
        rest = r.rest();
    }
    certs
}

fn chain(rest: &[u8], name: Option<&ServerName<'_>>, opts: &VerifierOptions) {
    let certs = split_chain(rest);
    let Some((leaf, intermediates)) = certs.split_first() else {
        return;
    };
    let roots = roots();
    let verified = match name {
        Some(name) => verify_server_chain(&roots, leaf, intermediates, name, NOW, opts),
        None => verify_chain_no_name(&roots, leaf, intermediates, NOW, opts),
    };
    let Ok(verified) = verified else {
        return;
    };
    let path = &verified.certificates;
    assert_eq!(path.first().map(|c| c.der.as_slice()), Some(*leaf));
    assert!(path.len() <= crate::x509::MAX_PATH_DEPTH + 1);
    for c in path.iter().skip(1) {
        assert!(
            intermediates.contains(&c.der.as_slice()),
            "path certificate not from the input"
        );
    }
    assert!(roots.anchors().contains(&verified.anchor));
    // The leaf key passed the path's checks, so it parses again.
    assert!(
        verified.leaf_key().is_ok(),
        "verified leaf key does not parse"
    );
    if name.is_some() {
        let again = verify_chain_no_name(&roots, leaf, intermediates, NOW, opts);
        assert_eq!(
            again.as_ref(),
            Ok(&verified),
            "name-less verification disagrees"
        );
    }
}

fn single_certificate(der: &[u8]) {
    if let Ok(anchor) = TrustAnchor::from_cert_der(der) {
        let _ = anchor.subject_string();
    }
    let _ = rsa_public_key_from_certificate(der);
    let _ = end_entity_key_usage(der);
    let _ = subject_public_key(der, 1024, RsaKeyRole::LeafKey);
    let _ = name_to_string(der);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(flags: u8, certs: &[&[u8]]) -> Vec<u8> {
        let mut out = alloc::vec![flags];
        for c in certs {
            crate::codec::put_vec(&mut out, ListLength::U16, c);
        }
        out
    }

    #[test]
    fn fixture_chain_verifies_through_the_harness() {
        let leaf = first_der(PKI_LEAF_PEM);
        let inter = first_der(PKI_INTERMEDIATE_PEM);
        let input = framed(0, &[&leaf, &inter]);
        let certs = split_chain(&input[1..]);
        assert_eq!(certs, [leaf.as_slice(), inter.as_slice()]);
        let name = ServerName::try_from("localhost").unwrap();
        let v = verify_server_chain(
            &roots(),
            &leaf,
            &[&inter[..]],
            &name,
            NOW,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(v.certificates.len(), 2);
        // Runs the post-conditions on a success, for every name choice and mode.
        for flags in 0..=0x3f {
            x509(&framed(flags, &[&leaf, &inter]));
        }
        // An ECDSA chain too.
        let ecdsa = |f: &str| {
            let path = std::format!("{}/../../testdata/ecdsa/{f}", env!("CARGO_MANIFEST_DIR"));
            first_der(&std::fs::read(path).unwrap())
        };
        let (leaf, inter) = (ecdsa("p256-leaf.pem"), ecdsa("p256-intermediate.pem"));
        let v = verify_server_chain(
            &roots(),
            &leaf,
            &[&inter[..]],
            &name,
            NOW,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(v.certificates.len(), 2);
        for flags in 0..=0x3f {
            x509(&framed(flags, &[&leaf, &inter]));
        }
        // A length running past the end takes the rest.
        let mut short = framed(0, &[&leaf]);
        short.extend_from_slice(&[0xff, 0xff, 1, 2, 3]);
        assert_eq!(split_chain(&short[1..]).len(), 2);
        assert_eq!(split_chain(&short[1..])[1], &[0xff, 0xff, 1, 2, 3]);
    }
}
