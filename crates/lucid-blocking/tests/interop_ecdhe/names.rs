//! Each peer's names for lucid's ECDHE suites, versions and groups, derived from the suite
//! table's fields (key exchange and authentication, AES key length, CBC MAC or GCM, PRF
//! hash), so a new table entry is named without touching this file. The test at the end
//! checks that every ECDHE suite in the table has cells at every version it allows, and
//! that the derived names are the peers' own (`openssl ciphers -V`, `gnutls-cli -l`).

use std::collections::BTreeMap;
use std::process::Command;

use lucid_core::internal::crypto::suites::{
    Authentication, MacAlgorithm, PrfHash, Protection, SuiteParams,
};
use lucid_core::{NamedGroup, ProtocolVersion};

use crate::{Cert, V10, V11, client_groups, common, ecdhe_suites, matrix, versions};

fn auth(p: &SuiteParams) -> &'static str {
    match p.auth {
        Authentication::Rsa => "RSA",
        Authentication::Ecdsa => "ECDSA",
    }
}

fn aes_bits(p: &SuiteParams) -> usize {
    p.enc_key_len() * 8
}

fn prf_hash(p: &SuiteParams) -> &'static str {
    match p.prf {
        PrfHash::Sha256 => "SHA256",
        PrfHash::Sha384 => "SHA384",
    }
}

/// The hash a suite's name ends with: the CBC MAC's, or (GCM) the PRF's.
fn name_hash(p: &SuiteParams) -> &'static str {
    match p.protection {
        Protection::Cbc(MacAlgorithm::Sha1) => "SHA1",
        Protection::Cbc(MacAlgorithm::Sha256) => "SHA256",
        Protection::Cbc(MacAlgorithm::Sha384) => "SHA384",
        Protection::Gcm => prf_hash(p),
        _ => unreachable!("the ECDHE suites use AES with SHA-1/SHA-2 MACs or GCM"),
    }
}

// ---------------------------------------------------------------- openssl

/// openssl's name, e.g. `ECDHE-RSA-AES128-SHA`, `ECDHE-ECDSA-AES256-GCM-SHA384`.
pub(crate) fn openssl_suite(p: &SuiteParams) -> String {
    let tail = match p.protection {
        Protection::Cbc(MacAlgorithm::Sha1) => "SHA".to_string(),
        Protection::Cbc(_) => name_hash(p).to_string(),
        Protection::Gcm => format!("GCM-{}", prf_hash(p)),
        _ => unreachable!("the ECDHE suites use AES with SHA-1/SHA-2 MACs or GCM"),
    };
    format!("ECDHE-{}-AES{}-{tail}", auth(p), aes_bits(p))
}

/// The `Protocol  :` line's version name.
pub(crate) fn openssl_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLSv1",
        V11 => "TLSv1.1",
        _ => "TLSv1.2",
    }
}

pub(crate) fn openssl_version_flag(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "-tls1",
        V11 => "-tls1_1",
        _ => "-tls1_2",
    }
}

/// A `-groups` list (openssl's names are the registry's).
pub(crate) fn openssl_groups(groups: &[NamedGroup]) -> String {
    groups
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(":")
}

/// s_client's `Server Temp Key:` line, without the key size.
pub(crate) fn openssl_temp_key(g: NamedGroup) -> String {
    match g {
        NamedGroup::X25519 => "Server Temp Key: X25519, ".into(),
        // openssl's name for secp256r1 is ANSI X9.62's.
        NamedGroup::SECP256R1 => "Server Temp Key: ECDH, prime256v1, ".into(),
        other => format!("Server Temp Key: ECDH, {other}, "),
    }
}

// ---------------------------------------------------------------- gnutls

/// gnutls' name as `gnutls-serv --http` prints it, e.g. `ECDHE_RSA_AES_128_CBC_SHA1`
/// (`gnutls-cli -l` adds `TLS_`).
pub(crate) fn gnutls_suite(p: &SuiteParams) -> String {
    format!(
        "ECDHE_{}_AES_{}_{}_{}",
        auth(p),
        aes_bits(p),
        gnutls_mode(p),
        name_hash(p)
    )
}

fn gnutls_mode(p: &SuiteParams) -> &'static str {
    match p.protection {
        Protection::Cbc(_) => "CBC",
        Protection::Gcm => "GCM",
        _ => unreachable!("the ECDHE suites use AES with SHA-1/SHA-2 MACs or GCM"),
    }
}

/// The key exchange as gnutls names it (a priority item without the `+`, and its
/// `Key Exchange:` line).
pub(crate) fn gnutls_kx(p: &SuiteParams) -> String {
    format!("ECDHE-{}", auth(p))
}

/// The cipher (`AES-128-CBC`, `AES-256-GCM`).
pub(crate) fn gnutls_cipher(p: &SuiteParams) -> String {
    format!("AES-{}-{}", aes_bits(p), gnutls_mode(p))
}

/// The MAC (`SHA1`, `SHA256`, `SHA384`, `AEAD`).
pub(crate) fn gnutls_mac(p: &SuiteParams) -> &'static str {
    match p.protection {
        Protection::Cbc(_) => name_hash(p),
        Protection::Gcm => "AEAD",
        _ => unreachable!("the ECDHE suites use AES with SHA-1/SHA-2 MACs or GCM"),
    }
}

pub(crate) fn gnutls_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS1.0",
        V11 => "TLS1.1",
        _ => "TLS1.2",
    }
}

/// gnutls' group name, e.g. `SECP256R1`.
pub(crate) fn gnutls_group(g: NamedGroup) -> String {
    g.to_string().to_uppercase()
}

/// A priority string enabling `versions`, and exactly the key exchanges, ciphers and MACs
/// of `suites` and `groups` (in that order: a gnutls client offers them so).
pub(crate) fn gnutls_priority(
    versions: &[ProtocolVersion],
    suites: &[&SuiteParams],
    groups: &[NamedGroup],
) -> String {
    fn items(out: &mut String, prefix: &str, all: &str, names: Vec<String>) {
        out.push_str(&format!(":-{all}"));
        let mut seen = Vec::new();
        for n in names {
            if !seen.contains(&n) {
                out.push_str(&format!(":+{prefix}{n}"));
                seen.push(n);
            }
        }
    }
    let mut s = "NORMAL".to_string();
    items(
        &mut s,
        "VERS-",
        "VERS-ALL",
        versions.iter().map(|v| gnutls_version(*v).into()).collect(),
    );
    items(
        &mut s,
        "",
        "KX-ALL",
        suites.iter().map(|p| gnutls_kx(p)).collect(),
    );
    items(
        &mut s,
        "",
        "CIPHER-ALL",
        suites.iter().map(|p| gnutls_cipher(p)).collect(),
    );
    items(
        &mut s,
        "",
        "MAC-ALL",
        suites.iter().map(|p| gnutls_mac(p).into()).collect(),
    );
    items(
        &mut s,
        "GROUP-",
        "GROUP-ALL",
        groups.iter().map(|g| gnutls_group(*g)).collect(),
    );
    s
}

// ---------------------------------------------------------------- tlslite-ng

/// tlslite-ng's `HandshakeSettings` names: key exchange, cipher, MAC.
pub(crate) fn tlslite_settings(p: &SuiteParams) -> (&'static str, String, &'static str) {
    let kx = match p.auth {
        Authentication::Rsa => "ecdhe_rsa",
        Authentication::Ecdsa => "ecdhe_ecdsa",
    };
    let cipher = match p.protection {
        Protection::Cbc(_) => format!("aes{}", aes_bits(p)),
        Protection::Gcm => format!("aes{}gcm", aes_bits(p)),
        _ => unreachable!("the ECDHE suites use AES with SHA-1/SHA-2 MACs or GCM"),
    };
    let mac = match p.protection {
        Protection::Cbc(MacAlgorithm::Sha1) => "sha",
        Protection::Cbc(MacAlgorithm::Sha256) => "sha256",
        Protection::Cbc(MacAlgorithm::Sha384) => "sha384",
        Protection::Gcm => "aead",
        _ => unreachable!("the ECDHE suites use AES with SHA-1/SHA-2 MACs or GCM"),
    };
    (kx, cipher, mac)
}

/// tlslite-ng's version name (`getVersionName()`, tls.py's `Version:` line).
pub(crate) fn tlslite_version(v: ProtocolVersion) -> &'static str {
    match v {
        V10 => "TLS 1.0",
        V11 => "TLS 1.1",
        _ => "TLS 1.2",
    }
}

// ---------------------------------------------------------------- the check

/// `openssl ciphers -V` as code point → name.
fn openssl_names(openssl: &std::path::Path) -> BTreeMap<u16, String> {
    let out = Command::new(openssl)
        .args(["ciphers", "-V", "ALL:@SECLEVEL=0"])
        .output()
        .expect("run openssl ciphers");
    // `          0xC0,0x13 - ECDHE-RSA-AES128-SHA   TLSv1 Kx=ECDH ...`
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let code = words.next()?;
            let (hi, lo) = code.split_once(',')?;
            let byte = |b: &str| u8::from_str_radix(b.trim_start_matches("0x"), 16).ok();
            let code = u16::from_be_bytes([byte(hi)?, byte(lo)?]);
            (words.next()? == "-").then_some(())?;
            Some((code, words.next()?.to_string()))
        })
        .collect()
}

/// `gnutls-cli -l` for a priority string as code point → (name, minimum version).
fn gnutls_names(cli: &std::path::Path, priority: &str) -> BTreeMap<u16, (String, String)> {
    let out = Command::new(cli)
        .env("GNUTLS_SYSTEM_PRIORITY_FILE", "/dev/null")
        .args(["-l", "--priority", priority])
        .output()
        .expect("run gnutls-cli -l");
    // `TLS_ECDHE_RSA_AES_128_CBC_SHA1    0xc0, 0x13	TLS1.0`
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(char::is_whitespace)?;
            let rest = rest.trim();
            let (hi, rest) = rest.split_once(',')?;
            let mut rest = rest.split_whitespace();
            let lo = rest.next()?;
            let byte = |b: &str| u8::from_str_radix(b.trim().trim_start_matches("0x"), 16).ok();
            let code = u16::from_be_bytes([byte(hi)?, byte(lo)?]);
            Some((code, (name.to_string(), rest.next()?.to_string())))
        })
        .collect()
}

/// The matrix for `shift` has cells for every ECDHE suite at every version it allows
/// (with a certificate of its key type, and for ECDHE_ECDSA also with the P-384 one), and
/// every group with each key type.
fn check_matrix(shift: usize) {
    let cells = matrix(shift);
    for p in ecdhe_suites() {
        for v in versions(p) {
            let cert = match p.auth {
                Authentication::Rsa => Cert::Rsa,
                Authentication::Ecdsa => Cert::EcdsaP256,
            };
            assert!(
                cells
                    .iter()
                    .any(|c| c.cert == cert && c.version == v && c.suite.suite == p.suite),
                "{} at {v} has no cell (shift {shift})",
                p.suite
            );
        }
        if p.auth == Authentication::Ecdsa {
            assert!(
                cells
                    .iter()
                    .any(|c| c.cert == Cert::EcdsaP384 && c.suite.suite == p.suite),
                "{} has no P-384 cell",
                p.suite
            );
        }
    }
    for g in client_groups() {
        assert!(
            cells.iter().any(|c| c.cert == Cert::Rsa && c.group == g),
            "{g} has no RSA cell (shift {shift})"
        );
        assert!(
            cells
                .iter()
                .any(|c| c.cert.curve().is_some() && c.group == g),
            "{g} has no ECDSA cell (shift {shift})"
        );
    }
}

#[test]
fn every_ecdhe_suite_has_cells_and_peer_names() {
    // Whatever a section's shift: the rotations repeat modulo their lengths (3 groups, 1 to
    // 3 versions).
    for shift in 0..6 {
        check_matrix(shift);
    }

    // The derived names are the peers' own.
    let suites: Vec<&SuiteParams> = ecdhe_suites().collect();
    match common::find_program("openssl") {
        None => {
            common::missing_peer("openssl", "`openssl` not on PATH");
        }
        Some(openssl) => {
            let names = openssl_names(&openssl);
            for p in &suites {
                assert_eq!(
                    names.get(&p.suite.get()),
                    Some(&openssl_suite(p)),
                    "openssl's name for {}",
                    p.suite
                );
            }
        }
    }
    match common::find_program("gnutls-cli") {
        None => {
            common::missing_peer(
                "gnutls-cli",
                "`gnutls-cli` not on PATH (Debian: gnutls-bin)",
            );
        }
        Some(cli) => {
            let priority = gnutls_priority(&crate::VERSIONS, &suites, &client_groups());
            let names = gnutls_names(&cli, &priority);
            for p in &suites {
                let min = if p.tls12_only { "TLS1.2" } else { "TLS1.0" };
                let want = (format!("TLS_{}", gnutls_suite(p)), min.to_string());
                assert_eq!(
                    names.get(&p.suite.get()),
                    Some(&want),
                    "gnutls' name and minimum version for {} (priority {priority})",
                    p.suite
                );
            }
            // The priority string enables nothing more than lucid's ECDHE suites.
            assert_eq!(
                names.len(),
                suites.len(),
                "gnutls-cli -l {priority}: {names:?}"
            );
        }
    }
}
