//! NIST PKITS (2011 edition) through `lucid_core::x509::verify_chain_no_name`.
//!
//! The data comes from the `cryptography_vectors` wheel (`x509/PKITS_data/certs/*.crt`,
//! DER). Set `LUCID_PKITS_DIR` to the unpacked wheel, its `x509/PKITS_data` directory or
//! that directory's `certs/`; `cargo xtask ci` does this (its "deps: pkits data" step
//! unpacks the wheel under `target/vectors`). Without the data the test fails when
//! `LUCID_REQUIRE_PEERS=1` (as in `cargo xtask ci`), and otherwise prints that it skipped
//! and passes without checking anything.
//!
//! The verdict of each test is the Valid/Invalid prefix of its name (the EE certificate's
//! file name). The intermediates of each test are the ones the PKITS document lists for its
//! path; lucid gets them unordered, as it would from a server, and builds the path itself.
//! Tests lucid deliberately does not support are in `SKIPPED` with the reason — never
//! silently. A summary with per-section counts goes to `target/pkits-summary.txt` (or
//! `LUCID_PKITS_SUMMARY`).

use core::fmt::Write as _;
use std::path::{Path, PathBuf};

use lucid_core::x509::{RootStore, VerifierOptions, verify_chain_no_name};
use rustls_pki_types::UnixTime;

/// 2011-06-01T00:00:00Z: inside the 2010..2030 validity of the PKITS 2011 certificates.
const PKITS_NOW: u64 = 1_306_886_400;

struct Case {
    id: &'static str,
    ee: &'static str,
    intermediates: &'static [&'static str],
}

const fn case(id: &'static str, ee: &'static str, intermediates: &'static [&'static str]) -> Case {
    Case {
        id,
        ee,
        intermediates,
    }
}

const SECTIONS: &[(&str, &str)] = &[
    ("4.1", "signature verification"),
    ("4.2", "validity periods"),
    ("4.3", "verifying name chaining"),
    ("4.6", "verifying basic constraints"),
    ("4.7", "key usage"),
    ("4.13", "name constraints"),
    ("4.16", "private certificate extensions"),
];

/// Tests lucid does not run, with the reason.
const SKIPPED: &[(&str, &str)] = &[
    ("4.1.4", "DSA signatures: lucid verifies RSA only"),
    (
        "4.1.5",
        "DSA parameter inheritance: lucid verifies RSA only",
    ),
    (
        "4.1.6",
        "DSA signature: lucid verifies RSA only (it would reject for that reason)",
    ),
    (
        "4.7.4",
        "cRLSign: lucid does no revocation checking, so CRL signing keys are irrelevant",
    ),
    (
        "4.7.5",
        "cRLSign: lucid does no revocation checking, so CRL signing keys are irrelevant",
    ),
];

/// Tests lucid runs but where it deliberately differs from RFC 5280 path validation: the
/// asserted outcome and the reason.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "4.6.8",
        "CaUsedAsEndEntity",
        "the end entity is a CA certificate; lucid (like webpki) never accepts one as a TLS server certificate",
    ),
    (
        "4.6.14",
        "CaUsedAsEndEntity",
        "the end entity is a CA certificate; lucid (like webpki) never accepts one as a TLS server certificate",
    ),
];

const GOOD: &[&str] = &["GoodCACert"];
const DN1: &[&str] = &["nameConstraintsDN1CACert"];

const CASES: &[Case] = &[
    // 4.1 Signature verification
    case("4.1.1", "ValidCertificatePathTest1EE", GOOD),
    case("4.1.2", "InvalidCASignatureTest2EE", &["BadSignedCACert"]),
    case("4.1.3", "InvalidEESignatureTest3EE", GOOD),
    case("4.1.4", "ValidDSASignaturesTest4EE", &["DSACACert"]),
    case(
        "4.1.5",
        "ValidDSAParameterInheritanceTest5EE",
        &["DSACACert", "DSAParametersInheritedCACert"],
    ),
    case("4.1.6", "InvalidDSASignatureTest6EE", &["DSACACert"]),
    // 4.2 Validity periods
    case(
        "4.2.1",
        "InvalidCAnotBeforeDateTest1EE",
        &["BadnotBeforeDateCACert"],
    ),
    case("4.2.2", "InvalidEEnotBeforeDateTest2EE", GOOD),
    case("4.2.3", "Validpre2000UTCnotBeforeDateTest3EE", GOOD),
    case("4.2.4", "ValidGeneralizedTimenotBeforeDateTest4EE", GOOD),
    case(
        "4.2.5",
        "InvalidCAnotAfterDateTest5EE",
        &["BadnotAfterDateCACert"],
    ),
    case("4.2.6", "InvalidEEnotAfterDateTest6EE", GOOD),
    case("4.2.7", "Invalidpre2000UTCEEnotAfterDateTest7EE", GOOD),
    case("4.2.8", "ValidGeneralizedTimenotAfterDateTest8EE", GOOD),
    // 4.3 Verifying name chaining
    case("4.3.1", "InvalidNameChainingTest1EE", GOOD),
    case(
        "4.3.2",
        "InvalidNameChainingOrderTest2EE",
        &["NameOrderingCACert"],
    ),
    case("4.3.3", "ValidNameChainingWhitespaceTest3EE", GOOD),
    case("4.3.4", "ValidNameChainingWhitespaceTest4EE", GOOD),
    case("4.3.5", "ValidNameChainingCapitalizationTest5EE", GOOD),
    case("4.3.6", "ValidNameUIDsTest6EE", &["UIDCACert"]),
    case(
        "4.3.7",
        "ValidRFC3280MandatoryAttributeTypesTest7EE",
        &["RFC3280MandatoryAttributeTypesCACert"],
    ),
    case(
        "4.3.8",
        "ValidRFC3280OptionalAttributeTypesTest8EE",
        &["RFC3280OptionalAttributeTypesCACert"],
    ),
    case(
        "4.3.9",
        "ValidUTF8StringEncodedNamesTest9EE",
        &["UTF8StringEncodedNamesCACert"],
    ),
    case(
        "4.3.10",
        "ValidRolloverfromPrintableStringtoUTF8StringTest10EE",
        &["RolloverfromPrintableStringtoUTF8StringCACert"],
    ),
    case(
        "4.3.11",
        "ValidUTF8StringCaseInsensitiveMatchTest11EE",
        &["UTF8StringCaseInsensitiveMatchCACert"],
    ),
    // 4.6 Verifying basic constraints
    case(
        "4.6.1",
        "InvalidMissingbasicConstraintsTest1EE",
        &["MissingbasicConstraintsCACert"],
    ),
    case(
        "4.6.2",
        "InvalidcAFalseTest2EE",
        &["basicConstraintsCriticalcAFalseCACert"],
    ),
    case(
        "4.6.3",
        "InvalidcAFalseTest3EE",
        &["basicConstraintsNotCriticalcAFalseCACert"],
    ),
    case(
        "4.6.4",
        "ValidbasicConstraintsNotCriticalTest4EE",
        &["basicConstraintsNotCriticalCACert"],
    ),
    case(
        "4.6.5",
        "InvalidpathLenConstraintTest5EE",
        &["pathLenConstraint0CACert", "pathLenConstraint0subCACert"],
    ),
    case(
        "4.6.6",
        "InvalidpathLenConstraintTest6EE",
        &["pathLenConstraint0CACert", "pathLenConstraint0subCACert"],
    ),
    case(
        "4.6.7",
        "ValidpathLenConstraintTest7EE",
        &["pathLenConstraint0CACert"],
    ),
    case(
        "4.6.8",
        "ValidpathLenConstraintTest8EE",
        &["pathLenConstraint0CACert"],
    ),
    case(
        "4.6.9",
        "InvalidpathLenConstraintTest9EE",
        &[
            "pathLenConstraint6CACert",
            "pathLenConstraint6subCA0Cert",
            "pathLenConstraint6subsubCA00Cert",
        ],
    ),
    case(
        "4.6.10",
        "InvalidpathLenConstraintTest10EE",
        &[
            "pathLenConstraint6CACert",
            "pathLenConstraint6subCA0Cert",
            "pathLenConstraint6subsubCA00Cert",
        ],
    ),
    case(
        "4.6.11",
        "InvalidpathLenConstraintTest11EE",
        &[
            "pathLenConstraint6CACert",
            "pathLenConstraint6subCA1Cert",
            "pathLenConstraint6subsubCA11Cert",
            "pathLenConstraint6subsubsubCA11XCert",
        ],
    ),
    case(
        "4.6.12",
        "InvalidpathLenConstraintTest12EE",
        &[
            "pathLenConstraint6CACert",
            "pathLenConstraint6subCA1Cert",
            "pathLenConstraint6subsubCA11Cert",
            "pathLenConstraint6subsubsubCA11XCert",
        ],
    ),
    case(
        "4.6.13",
        "ValidpathLenConstraintTest13EE",
        &[
            "pathLenConstraint6CACert",
            "pathLenConstraint6subCA4Cert",
            "pathLenConstraint6subsubCA41Cert",
            "pathLenConstraint6subsubsubCA41XCert",
        ],
    ),
    case(
        "4.6.14",
        "ValidpathLenConstraintTest14EE",
        &[
            "pathLenConstraint6CACert",
            "pathLenConstraint6subCA4Cert",
            "pathLenConstraint6subsubCA41Cert",
            "pathLenConstraint6subsubsubCA41XCert",
        ],
    ),
    case(
        "4.6.15",
        "ValidSelfIssuedpathLenConstraintTest15EE",
        &[
            "pathLenConstraint0CACert",
            "pathLenConstraint0SelfIssuedCACert",
        ],
    ),
    case(
        "4.6.16",
        "InvalidSelfIssuedpathLenConstraintTest16EE",
        &[
            "pathLenConstraint0CACert",
            "pathLenConstraint0SelfIssuedCACert",
            "pathLenConstraint0subCA2Cert",
        ],
    ),
    case(
        "4.6.17",
        "ValidSelfIssuedpathLenConstraintTest17EE",
        &[
            "pathLenConstraint1CACert",
            "pathLenConstraint1SelfIssuedCACert",
            "pathLenConstraint1subCACert",
            "pathLenConstraint1SelfIssuedsubCACert",
        ],
    ),
    // 4.7 Key usage
    case(
        "4.7.1",
        "InvalidkeyUsageCriticalkeyCertSignFalseTest1EE",
        &["keyUsageCriticalkeyCertSignFalseCACert"],
    ),
    case(
        "4.7.2",
        "InvalidkeyUsageNotCriticalkeyCertSignFalseTest2EE",
        &["keyUsageNotCriticalkeyCertSignFalseCACert"],
    ),
    case(
        "4.7.3",
        "ValidkeyUsageNotCriticalTest3EE",
        &["keyUsageNotCriticalCACert"],
    ),
    case(
        "4.7.4",
        "InvalidkeyUsageCriticalcRLSignFalseTest4EE",
        &["keyUsageCriticalcRLSignFalseCACert"],
    ),
    case(
        "4.7.5",
        "InvalidkeyUsageNotCriticalcRLSignFalseTest5EE",
        &["keyUsageNotCriticalcRLSignFalseCACert"],
    ),
    // 4.13 Name constraints
    case("4.13.1", "ValidDNnameConstraintsTest1EE", DN1),
    case("4.13.2", "InvalidDNnameConstraintsTest2EE", DN1),
    case("4.13.3", "InvalidDNnameConstraintsTest3EE", DN1),
    case("4.13.4", "ValidDNnameConstraintsTest4EE", DN1),
    case(
        "4.13.5",
        "ValidDNnameConstraintsTest5EE",
        &["nameConstraintsDN2CACert"],
    ),
    case(
        "4.13.6",
        "ValidDNnameConstraintsTest6EE",
        &["nameConstraintsDN3CACert"],
    ),
    case(
        "4.13.7",
        "InvalidDNnameConstraintsTest7EE",
        &["nameConstraintsDN3CACert"],
    ),
    case(
        "4.13.8",
        "InvalidDNnameConstraintsTest8EE",
        &["nameConstraintsDN4CACert"],
    ),
    case(
        "4.13.9",
        "InvalidDNnameConstraintsTest9EE",
        &["nameConstraintsDN4CACert"],
    ),
    case(
        "4.13.10",
        "InvalidDNnameConstraintsTest10EE",
        &["nameConstraintsDN5CACert"],
    ),
    case(
        "4.13.11",
        "ValidDNnameConstraintsTest11EE",
        &["nameConstraintsDN5CACert"],
    ),
    case(
        "4.13.12",
        "InvalidDNnameConstraintsTest12EE",
        &["nameConstraintsDN1CACert", "nameConstraintsDN1subCA1Cert"],
    ),
    case(
        "4.13.13",
        "InvalidDNnameConstraintsTest13EE",
        &["nameConstraintsDN1CACert", "nameConstraintsDN1subCA2Cert"],
    ),
    case(
        "4.13.14",
        "ValidDNnameConstraintsTest14EE",
        &["nameConstraintsDN1CACert", "nameConstraintsDN1subCA2Cert"],
    ),
    case(
        "4.13.15",
        "InvalidDNnameConstraintsTest15EE",
        &["nameConstraintsDN3CACert", "nameConstraintsDN3subCA1Cert"],
    ),
    case(
        "4.13.16",
        "InvalidDNnameConstraintsTest16EE",
        &["nameConstraintsDN3CACert", "nameConstraintsDN3subCA1Cert"],
    ),
    case(
        "4.13.17",
        "InvalidDNnameConstraintsTest17EE",
        &["nameConstraintsDN3CACert", "nameConstraintsDN3subCA2Cert"],
    ),
    case(
        "4.13.18",
        "ValidDNnameConstraintsTest18EE",
        &["nameConstraintsDN3CACert", "nameConstraintsDN3subCA2Cert"],
    ),
    case(
        "4.13.19",
        "ValidDNnameConstraintsTest19EE",
        &[
            "nameConstraintsDN1CACert",
            "nameConstraintsDN1SelfIssuedCACert",
        ],
    ),
    case("4.13.20", "InvalidDNnameConstraintsTest20EE", DN1),
    case(
        "4.13.21",
        "ValidRFC822nameConstraintsTest21EE",
        &["nameConstraintsRFC822CA1Cert"],
    ),
    case(
        "4.13.22",
        "InvalidRFC822nameConstraintsTest22EE",
        &["nameConstraintsRFC822CA1Cert"],
    ),
    case(
        "4.13.23",
        "ValidRFC822nameConstraintsTest23EE",
        &["nameConstraintsRFC822CA2Cert"],
    ),
    case(
        "4.13.24",
        "InvalidRFC822nameConstraintsTest24EE",
        &["nameConstraintsRFC822CA2Cert"],
    ),
    case(
        "4.13.25",
        "ValidRFC822nameConstraintsTest25EE",
        &["nameConstraintsRFC822CA3Cert"],
    ),
    case(
        "4.13.26",
        "InvalidRFC822nameConstraintsTest26EE",
        &["nameConstraintsRFC822CA3Cert"],
    ),
    case(
        "4.13.27",
        "ValidDNandRFC822nameConstraintsTest27EE",
        &["nameConstraintsDN1CACert", "nameConstraintsDN1subCA3Cert"],
    ),
    case(
        "4.13.28",
        "InvalidDNandRFC822nameConstraintsTest28EE",
        &["nameConstraintsDN1CACert", "nameConstraintsDN1subCA3Cert"],
    ),
    case(
        "4.13.29",
        "InvalidDNandRFC822nameConstraintsTest29EE",
        &["nameConstraintsDN1CACert", "nameConstraintsDN1subCA3Cert"],
    ),
    case(
        "4.13.30",
        "ValidDNSnameConstraintsTest30EE",
        &["nameConstraintsDNS1CACert"],
    ),
    case(
        "4.13.31",
        "InvalidDNSnameConstraintsTest31EE",
        &["nameConstraintsDNS1CACert"],
    ),
    case(
        "4.13.32",
        "ValidDNSnameConstraintsTest32EE",
        &["nameConstraintsDNS2CACert"],
    ),
    case(
        "4.13.33",
        "InvalidDNSnameConstraintsTest33EE",
        &["nameConstraintsDNS2CACert"],
    ),
    case(
        "4.13.34",
        "ValidURInameConstraintsTest34EE",
        &["nameConstraintsURI1CACert"],
    ),
    case(
        "4.13.35",
        "InvalidURInameConstraintsTest35EE",
        &["nameConstraintsURI1CACert"],
    ),
    case(
        "4.13.36",
        "ValidURInameConstraintsTest36EE",
        &["nameConstraintsURI2CACert"],
    ),
    case(
        "4.13.37",
        "InvalidURInameConstraintsTest37EE",
        &["nameConstraintsURI2CACert"],
    ),
    case(
        "4.13.38",
        "InvalidDNSnameConstraintsTest38EE",
        &["nameConstraintsDNS1CACert"],
    ),
    // 4.16 Private certificate extensions
    case(
        "4.16.1",
        "ValidUnknownNotCriticalCertificateExtensionTest1EE",
        &[],
    ),
    case(
        "4.16.2",
        "InvalidUnknownCriticalCertificateExtensionTest2EE",
        &[],
    ),
];

/// The directory holding the PKITS `.crt` files, or why there is none.
fn certs_dir() -> Result<PathBuf, String> {
    let Some(base) = std::env::var_os("LUCID_PKITS_DIR") else {
        return Err("LUCID_PKITS_DIR is not set".to_owned());
    };
    let base = PathBuf::from(base);
    let candidates = [
        base.clone(),
        base.join("certs"),
        base.join("x509/PKITS_data/certs"),
        base.join("cryptography_vectors/x509/PKITS_data/certs"),
    ];
    candidates
        .iter()
        .find(|d| d.join("TrustAnchorRootCertificate.crt").is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "LUCID_PKITS_DIR={} has no TrustAnchorRootCertificate.crt (looked in it, its \
                 certs/, x509/PKITS_data/certs/ and cryptography_vectors/x509/PKITS_data/certs/)",
                base.display()
            )
        })
}

/// Whether the CI demanded every test dependency be present (`LUCID_REQUIRE_PEERS=1`, read
/// as in lucid-blocking's `tests/common/mod.rs`).
fn peers_required() -> bool {
    std::env::var("LUCID_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

fn read(dir: &Path, stem: &str) -> Vec<u8> {
    let p = dir.join(format!("{stem}.crt"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("PKITS file {}: {e}", p.display()))
}

fn section_of(id: &str) -> &str {
    let mut parts = id.splitn(3, '.');
    let a = parts.next().unwrap_or_default();
    let b = parts.next().unwrap_or_default();
    &id[..a.len() + 1 + b.len()]
}

#[test]
fn pkits() {
    let dir = match certs_dir() {
        Ok(dir) => dir,
        Err(why) if peers_required() => panic!(
            "LUCID_REQUIRE_PEERS=1 but the NIST PKITS data is missing: {why}. `cargo xtask ci` \
             installs it (step \"deps: pkits data\": the cryptography_vectors wheel unpacked \
             under target/vectors) and sets LUCID_PKITS_DIR; elsewhere set LUCID_PKITS_DIR to \
             the unpacked wheel or its x509/PKITS_data directory"
        ),
        Err(why) => {
            println!(
                "pkits: SKIPPED, nothing checked: the NIST PKITS data is missing ({why}); \
                 `cargo xtask ci` installs it and sets LUCID_PKITS_DIR (with \
                 LUCID_REQUIRE_PEERS=1 this is a failure)"
            );
            return;
        }
    };

    let mut roots = RootStore::new();
    roots
        .add_der(&read(&dir, "TrustAnchorRootCertificate"))
        .expect("PKITS trust anchor parses");
    let opts = VerifierOptions::default();
    let now = UnixTime::since_unix_epoch(core::time::Duration::from_secs(PKITS_NOW));

    let mut summary = String::new();
    let mut failures = Vec::new();
    let (mut all_passed, mut all_run, mut all_skipped) = (0, 0, 0);
    for (section, title) in SECTIONS {
        let (mut passed, mut run, mut skipped, mut deviations) = (0, 0, 0, 0);
        for c in CASES.iter().filter(|c| section_of(c.id) == *section) {
            if let Some((_, why)) = SKIPPED.iter().find(|(id, _)| *id == c.id) {
                println!("  {} {}: SKIPPED ({why})", c.id, c.ee);
                skipped += 1;
                continue;
            }
            let expect_valid = c.ee.starts_with("Valid");
            assert!(expect_valid || c.ee.starts_with("Invalid"));
            let ee = read(&dir, c.ee);
            let inter: Vec<Vec<u8>> = c.intermediates.iter().map(|s| read(&dir, s)).collect();
            let result = verify_chain_no_name(&roots, &ee, &inter, now, &opts);
            run += 1;
            let deviation = DEVIATIONS.iter().find(|(id, _, _)| *id == c.id);
            let ok = match (deviation, &result) {
                (Some((_, want, why)), Err(e)) if format!("{e:?}") == *want => {
                    println!("  {} {}: documented deviation, {want} ({why})", c.id, c.ee);
                    deviations += 1;
                    true
                }
                (Some(_), _) => false,
                (None, r) => r.is_ok() == expect_valid,
            };
            let verdict = match &result {
                Ok(chain) => format!("valid ({} certificates)", chain.certificates.len()),
                Err(e) => format!("invalid: {e}"),
            };
            println!(
                "  {} {}: {} — {verdict}",
                c.id,
                c.ee,
                if ok { "ok" } else { "WRONG" }
            );
            if ok {
                passed += 1;
            } else {
                failures.push(format!("{} {}: {verdict}", c.id, c.ee));
            }
        }
        let line = format!(
            "PKITS {section} {title}: {passed}/{run} passed ({deviations} as documented deviations), {skipped} skipped"
        );
        println!("{line}");
        writeln!(summary, "{line}").unwrap();
        all_passed += passed;
        all_run += run;
        all_skipped += skipped;
    }
    let total = format!("PKITS total: {all_passed}/{all_run} passed, {all_skipped} skipped");
    println!("{total}");
    writeln!(summary, "{total}").unwrap();
    for (id, why) in SKIPPED {
        writeln!(summary, "skipped {id}: {why}").unwrap();
    }
    for (id, want, why) in DEVIATIONS {
        writeln!(summary, "deviation {id}: {want}: {why}").unwrap();
    }

    let out = std::env::var_os("LUCID_PKITS_SUMMARY").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pkits-summary.txt"),
        PathBuf::from,
    );
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&out, summary).unwrap();

    assert!(
        failures.is_empty(),
        "PKITS failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(all_run + all_skipped, CASES.len());
}
