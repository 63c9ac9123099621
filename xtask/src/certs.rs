//! `cargo xtask certs`: regenerate the certificate fixtures under `testdata/` with the
//! `openssl` command-line tool.
//!
//! The output is deterministic in structure (names, extensions, validity dates, who signs
//! whom); keys and signatures are fresh on every run. The files are committed, so this runs
//! rarely — after changing this file. Validity is 2020-01-01..2120-01-01 unless a fixture is
//! about dates; tests verify at a fixed time (2024-06-01), never the wall clock.
//!
//! `openssl ca` is used for every certificate because it is the OpenSSL 3.0 command that
//! takes explicit `-startdate`/`-enddate`.
//!
//! `--only ecdsa` writes only `testdata/ecdsa/` (the ECDSA and mixed RSA/ECDSA fixtures),
//! leaving every other committed fixture — and the snapshot tests that depend on them —
//! untouched.

use core::error::Error;
use core::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

type Result<T> = core::result::Result<T, Box<dyn Error>>;

const START: &str = "20200101000000Z";
const END: &str = "21200101000000Z";

const LEAF_EXT: &str = "basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";
const CA_EXT: &str = "basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

const USAGE: &str = "usage: cargo xtask certs [--out DIR] [--only ecdsa]

Regenerates the certificate fixtures under DIR (default: testdata/ at the repo root) with the
openssl CLI; keys are fresh on every run. With --only ecdsa, only DIR/ecdsa/ (ECDSA P-256 and
P-384 chains, mixed RSA/ECDSA chains, an ECDSA client certificate) is written.";

/// Which fixture sets to write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    All,
    Ecdsa,
}

/// Entry point: `cargo xtask certs [--out DIR] [--only ecdsa]` (default `testdata/` at the
/// repo root).
pub(crate) fn certs(args: &[String]) -> Result<()> {
    let mut out = repo_root().join("testdata");
    let mut only = Only::All;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match (arg.as_str(), rest.next().map(String::as_str)) {
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            ("--only", Some("ecdsa")) => only = Only::Ecdsa,
            _ => return Err(USAGE.into()),
        }
    }
    let work = out.join(".work");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work)?;
    let mut g = Gen {
        work,
        serial: 0x1000,
    };

    if only == Only::All {
        pki(&mut g, &out.join("pki"))?;
        demo(&mut g, &out.join("demo"))?;
        cases(&mut g, &out.join("cases"))?;
    }
    // Serials of their own, so the ECDSA set does not depend on what ran before it.
    g.serial = 0xec00;
    ecdsa(&mut g, &out.join("ecdsa"))?;

    fs::remove_dir_all(&g.work)?;
    println!("certs: fixtures written under {}", out.display());
    Ok(())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A certificate and its key on disk.
#[derive(Clone)]
struct Issued {
    cert: PathBuf,
    key: PathBuf,
}

/// How to issue one certificate.
struct Spec<'a> {
    subject: &'a str,
    ext: Option<&'a str>,
    start: &'a str,
    end: &'a str,
    md: &'a str,
    /// Reuse this key instead of generating one.
    key: Option<&'a Path>,
    /// RSA modulus size of a generated key.
    bits: u32,
    /// Generate an EC key on this curve (OpenSSL name, e.g. `P-256`) instead of RSA.
    curve: Option<&'a str>,
}

impl<'a> Spec<'a> {
    fn new(subject: &'a str, ext: &'a str) -> Self {
        Self {
            subject,
            ext: Some(ext),
            start: START,
            end: END,
            md: "sha256",
            key: None,
            bits: 2048,
            curve: None,
        }
    }

    /// An EC key on `curve` (`P-256`, `P-384`), signed with `md`.
    fn ec(self, curve: &'a str, md: &'a str) -> Self {
        Self {
            curve: Some(curve),
            md,
            ..self
        }
    }
}

struct Gen {
    work: PathBuf,
    serial: u32,
}

fn openssl(args: &[&str]) -> Result<()> {
    let out = Command::new("openssl").args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

impl Gen {
    fn key(&self, path: &Path, bits: u32) -> Result<()> {
        let bits = format!("rsa_keygen_bits:{bits}");
        openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &bits,
            "-out",
            s(path),
        ])
    }

    /// Issue `spec` into `dir/name.pem` (+ `name.key`), signed by `issuer` or self-signed.
    fn issue(
        &mut self,
        dir: &Path,
        name: &str,
        spec: &Spec<'_>,
        issuer: Option<&Issued>,
    ) -> Result<Issued> {
        fs::create_dir_all(dir)?;
        let key = dir.join(format!("{name}.key"));
        match spec.key {
            Some(k) => {
                if k != key {
                    fs::copy(k, &key)?;
                }
            }
            None => match spec.curve {
                Some(curve) => ec_key(&key, curve)?,
                None => self.key(&key, spec.bits)?,
            },
        }
        let cert = dir.join(format!("{name}.pem"));
        let csr = self.work.join(format!("{name}.csr"));
        openssl(&[
            "req",
            "-new",
            "-utf8",
            "-key",
            s(&key),
            "-subj",
            spec.subject,
            "-out",
            s(&csr),
        ])?;

        // A throwaway `openssl ca` database per certificate.
        let db = self.work.join(format!("ca-{name}"));
        let _ = fs::remove_dir_all(&db);
        fs::create_dir_all(&db)?;
        fs::write(db.join("index.txt"), "")?;
        self.serial += 1;
        fs::write(db.join("serial"), format!("{:04X}\n", self.serial))?;
        let mut cfg = String::new();
        writeln!(
            cfg,
            "[ca]\ndefault_ca = d\n[d]\ndatabase = {db}/index.txt\nnew_certs_dir = {db}\n\
             serial = {db}/serial\ndefault_md = {md}\npolicy = p\nunique_subject = no\n\
             email_in_dn = no\nutf8 = yes\nstring_mask = utf8only\n\
             [p]\ncommonName = optional\norganizationName = optional\n\
             organizationalUnitName = optional\ncountryName = optional\n",
            db = db.display(),
            md = spec.md
        )?;
        if let Some(ext) = spec.ext {
            writeln!(cfg, "[ext]\n{ext}")?;
        }
        let cfg_path = db.join("ca.cnf");
        fs::write(&cfg_path, cfg)?;

        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-preserveDN",
            "-config",
            s(&cfg_path),
            "-in",
            s(&csr),
            "-out",
            s(&cert),
            "-startdate",
            spec.start,
            "-enddate",
            spec.end,
            "-md",
            spec.md,
        ];
        if spec.ext.is_some() {
            args.extend(["-extensions", "ext"]);
        }
        match issuer {
            Some(i) => args.extend(["-cert", s(&i.cert), "-keyfile", s(&i.key)]),
            None => args.extend(["-selfsign", "-keyfile", s(&key)]),
        }
        openssl(&args)?;
        Ok(Issued { cert, key })
    }
}

fn concat(out: &Path, parts: &[&Path]) -> Result<()> {
    let mut all = String::new();
    for p in parts {
        all.push_str(&fs::read_to_string(p)?);
    }
    fs::write(out, all)?;
    Ok(())
}

fn pkcs1(key: &Path, out: &Path) -> Result<()> {
    openssl(&["pkey", "-in", s(key), "-traditional", "-out", s(out)])
}

/// A PKCS#8 EC key on `curve`, with the named-curve OID in its parameters.
fn ec_key(path: &Path, curve: &str) -> Result<()> {
    let curve = format!("ec_paramgen_curve:{curve}");
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        &curve,
        "-pkeyopt",
        "ec_param_enc:named_curve",
        "-out",
        s(path),
    ])
}

/// (d) ECDSA and mixed RSA/ECDSA chains (`--only ecdsa` writes just these), see
/// testdata/README.md.
fn ecdsa(g: &mut Gen, dir: &Path) -> Result<()> {
    const O: &str = "/C=XX/O=lucid test ECDSA";
    // The whole set is regenerated together: no stale file from an older recipe survives.
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    let leaf_ext = |ku: &str, eku: &str, san: &str| {
        format!(
            "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,{ku}\n\
             extendedKeyUsage = {eku}\nsubjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid\nsubjectAltName = {san}\n"
        )
    };
    let localhost = "DNS:localhost, IP:127.0.0.1";
    let server = leaf_ext("digitalSignature", "serverAuth", localhost);

    // P-256: root → intermediate → localhost leaf (and the client certificate).
    let root = g.issue(
        dir,
        "p256-root",
        &Spec::new(&format!("{O}/CN=lucid test ECDSA P-256 root CA"), CA_EXT).ec("P-256", "sha256"),
        None,
    )?;
    let inter = g.issue(
        dir,
        "p256-intermediate",
        &Spec::new(
            &format!("{O}/CN=lucid test ECDSA P-256 intermediate CA"),
            CA_EXT,
        )
        .ec("P-256", "sha256"),
        Some(&root),
    )?;
    let leaf = g.issue(
        dir,
        "p256-leaf",
        &Spec::new(&format!("{O}/CN=localhost"), &server).ec("P-256", "sha256"),
        Some(&inter),
    )?;
    concat(&dir.join("p256-leaf.chain.pem"), &[&leaf.cert, &inter.cert])?;
    // The same key as SEC1 `EC PRIVATE KEY` (what `openssl ecparam -genkey` writes).
    pkcs1(&leaf.key, &dir.join("p256-leaf.sec1.key"))?;
    let client = leaf_ext(
        "digitalSignature",
        "clientAuth",
        "DNS:client.test, email:client@lucid.test",
    );
    let client = g.issue(
        dir,
        "p256-client",
        &Spec::new(&format!("{O}/CN=lucid test ECDSA client"), &client).ec("P-256", "sha256"),
        Some(&inter),
    )?;
    concat(
        &dir.join("p256-client.chain.pem"),
        &[&client.cert, &inter.cert],
    )?;
    // Negative cases under the P-256 intermediate.
    let ext = leaf_ext("keyCertSign", "serverAuth", "DNS:keycertsign.test");
    g.issue(
        dir,
        "p256-leaf-keycertsign",
        &Spec::new(&format!("{O}/CN=keycertsign.test"), &ext).ec("P-256", "sha256"),
        Some(&inter),
    )?;
    let ext = leaf_ext("digitalSignature", "serverAuth", "DNS:sha1.test");
    g.issue(
        dir,
        "p256-leaf-sha1",
        &Spec::new(&format!("{O}/CN=sha1.test"), &ext).ec("P-256", "sha1"),
        Some(&inter),
    )?;

    // P-384: root → localhost leaf, ecdsa-with-SHA384.
    let root384 = g.issue(
        dir,
        "p384-root",
        &Spec::new(&format!("{O}/CN=lucid test ECDSA P-384 root CA"), CA_EXT).ec("P-384", "sha384"),
        None,
    )?;
    let leaf = g.issue(
        dir,
        "p384-leaf",
        &Spec::new(&format!("{O}/CN=localhost"), &server).ec("P-384", "sha384"),
        Some(&root384),
    )?;
    concat(&dir.join("p384-leaf.chain.pem"), &[&leaf.cert])?;

    // Mixed: RSA-2048 root → P-256 leaf, and RSA root → P-256 intermediate → P-256 leaf.
    let rsa_root = g.issue(
        dir,
        "rsa-root",
        &Spec::new(
            &format!("{O}/CN=lucid test RSA root CA (mixed chains)"),
            CA_EXT,
        ),
        None,
    )?;
    let leaf = g.issue(
        dir,
        "rsa-root-p256-leaf",
        &Spec::new(&format!("{O}/CN=localhost"), &server).ec("P-256", "sha256"),
        Some(&rsa_root),
    )?;
    concat(&dir.join("rsa-root-p256-leaf.chain.pem"), &[&leaf.cert])?;
    let ca = g.issue(
        dir,
        "rsa-root-p256-ca",
        &Spec::new(
            &format!("{O}/CN=lucid test ECDSA P-256 CA under RSA"),
            CA_EXT,
        )
        .ec("P-256", "sha256"),
        Some(&rsa_root),
    )?;
    let leaf = g.issue(
        dir,
        "rsa-root-p256-ca-leaf",
        &Spec::new(&format!("{O}/CN=localhost"), &server).ec("P-256", "sha256"),
        Some(&ca),
    )?;
    concat(
        &dir.join("rsa-root-p256-ca-leaf.chain.pem"),
        &[&leaf.cert, &ca.cert],
    )?;

    // Mixed the other way: P-256 root → RSA-2048 leaf (ecdsa-with-SHA256 over an RSA key;
    // keyEncipherment too, so RSA key exchange may use it).
    let ext = leaf_ext("digitalSignature,keyEncipherment", "serverAuth", localhost);
    let leaf = g.issue(
        dir,
        "p256-root-rsa-leaf",
        &Spec::new(&format!("{O}/CN=localhost"), &ext),
        Some(&root),
    )?;
    concat(&dir.join("p256-root-rsa-leaf.chain.pem"), &[&leaf.cert])?;
    Ok(())
}

/// (a) root → intermediate → leaf for localhost, used by interop tests and `lucid serve`.
fn pki(g: &mut Gen, dir: &Path) -> Result<()> {
    let root = g.issue(
        dir,
        "root",
        &Spec::new("/C=XX/O=lucid test PKI/CN=lucid test root CA", CA_EXT),
        None,
    )?;
    let inter = g.issue(
        dir,
        "intermediate",
        &Spec::new(
            "/C=XX/O=lucid test PKI/CN=lucid test intermediate CA",
            CA_EXT,
        ),
        Some(&root),
    )?;
    let leaf_ext = format!("{LEAF_EXT}subjectAltName = DNS:localhost, IP:127.0.0.1\n");
    let leaf = g.issue(
        dir,
        "leaf",
        &Spec::new("/C=XX/O=lucid test PKI/CN=localhost", &leaf_ext),
        Some(&inter),
    )?;
    concat(&dir.join("chain.pem"), &[&leaf.cert, &inter.cert])?;
    pkcs1(&leaf.key, &dir.join("leaf.rsa.key"))?;
    Ok(())
}

/// (b) the CA and leaf `lucid demo` embeds.
fn demo(g: &mut Gen, dir: &Path) -> Result<()> {
    let ca = g.issue(
        dir,
        "ca",
        &Spec::new(
            "/O=lucid TEST ONLY — do not trust/CN=lucid demo CA (TEST ONLY — do not trust)",
            CA_EXT,
        ),
        None,
    )?;
    let leaf_ext = format!("{LEAF_EXT}subjectAltName = DNS:localhost, IP:127.0.0.1\n");
    let leaf = g.issue(
        dir,
        "leaf",
        &Spec::new("/O=lucid TEST ONLY — do not trust/CN=localhost", &leaf_ext),
        Some(&ca),
    )?;
    concat(&dir.join("chain.pem"), &[&leaf.cert, &ca.cert])?;
    pkcs1(&leaf.key, &dir.join("leaf.rsa.key"))?;
    Ok(())
}

fn leaf_ext_with(san: &str, extra: &str) -> String {
    format!(
        "basicConstraints = critical,CA:FALSE\nsubjectKeyIdentifier = hash\n\
         subjectAltName = {san}\n{extra}"
    )
}

/// (c) one fixture per verification rule, positive and negative.
fn cases(g: &mut Gen, dir: &Path) -> Result<()> {
    const O: &str = "/C=XX/O=lucid test cases";
    let root = g.issue(
        dir,
        "root",
        &Spec::new(&format!("{O}/CN=cases root CA"), CA_EXT),
        None,
    )?;
    let inter = g.issue(
        dir,
        "intermediate",
        &Spec::new(&format!("{O}/CN=cases intermediate CA"), CA_EXT),
        Some(&root),
    )?;
    let usual =
        "keyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\n";
    let leaf = |g: &mut Gen, name: &str, san: &str, extra: &str, issuer: &Issued| {
        let ext = leaf_ext_with(san, extra);
        g.issue(
            dir,
            name,
            &Spec::new(&format!("{O}/CN={name}"), &ext),
            Some(issuer),
        )
    };

    // Positive baseline and host names.
    leaf(
        g,
        "good",
        "DNS:good.test, DNS:Mixed.Case.Test, IP:192.0.2.7, IP:2001:db8::7",
        usual,
        &inter,
    )?;
    leaf(g, "wildcard", "DNS:*.wild.test", usual, &inter)?;
    leaf(g, "wildcard-partial", "DNS:f*o.wild.test", usual, &inter)?;
    leaf(g, "wildcard-short", "DNS:*.test", usual, &inter)?;

    // Dates.
    let ext = leaf_ext_with("DNS:expired.test", usual);
    g.issue(
        dir,
        "expired",
        &Spec {
            start: START,
            end: "20210101000000Z",
            ..Spec::new(&format!("{O}/CN=expired"), &ext)
        },
        Some(&inter),
    )?;
    let ext = leaf_ext_with("DNS:future.test", usual);
    g.issue(
        dir,
        "not-yet-valid",
        &Spec {
            start: "21000101000000Z",
            end: END,
            ..Spec::new(&format!("{O}/CN=not-yet-valid"), &ext)
        },
        Some(&inter),
    )?;

    // Roles and usages.
    let ext = "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,keyEncipherment\n\
               subjectAltName = DNS:ca-as-leaf.test\n";
    g.issue(
        dir,
        "ca-as-leaf",
        &Spec::new(&format!("{O}/CN=ca-as-leaf"), ext),
        Some(&inter),
    )?;
    let not_ca = leaf(g, "not-a-ca", "DNS:not-a-ca.test", usual, &inter)?;
    leaf(
        g,
        "issued-by-not-a-ca",
        "DNS:issued-by-not-a-ca.test",
        usual,
        &not_ca,
    )?;
    let pathlen0 = g.issue(
        dir,
        "pathlen0-ca",
        &Spec::new(
            &format!("{O}/CN=pathlen0 CA"),
            "basicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign\n",
        ),
        Some(&root),
    )?;
    let below = g.issue(
        dir,
        "pathlen0-sub-ca",
        &Spec::new(&format!("{O}/CN=pathlen0 sub CA"), CA_EXT),
        Some(&pathlen0),
    )?;
    leaf(g, "pathlen-violated", "DNS:pathlen.test", usual, &below)?;
    let no_kcs = g.issue(
        dir,
        "ca-without-keycertsign",
        &Spec::new(
            &format!("{O}/CN=CA without keyCertSign"),
            "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,digitalSignature,cRLSign\n",
        ),
        Some(&root),
    )?;
    leaf(
        g,
        "issued-by-ca-without-keycertsign",
        "DNS:nokcs.test",
        usual,
        &no_kcs,
    )?;
    leaf(
        g,
        "no-keyencipherment",
        "DNS:no-ke.test",
        "keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n",
        &inter,
    )?;
    leaf(
        g,
        "eku-clientauth",
        "DNS:clientauth.test",
        "keyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = clientAuth\n",
        &inter,
    )?;
    leaf(
        g,
        "eku-any",
        "DNS:eku-any.test",
        "keyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = anyExtendedKeyUsage\n",
        &inter,
    )?;
    leaf(g, "no-ku-no-eku", "DNS:plain.test", "", &inter)?;
    leaf(
        g,
        "unknown-critical-extension",
        "DNS:unknown-critical.test",
        &format!("{usual}1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:lucid test\n"),
        &inter,
    )?;
    leaf(
        g,
        "unknown-noncritical-extension",
        "DNS:unknown-noncritical.test",
        &format!("{usual}1.3.6.1.4.1.55555.1 = ASN1:UTF8String:lucid test\n"),
        &inter,
    )?;

    // Name constraints.
    let nc = g.issue(
        dir,
        "nc-ca",
        &Spec::new(
            &format!("{O}/CN=name-constrained CA"),
            &format!(
                "{CA_EXT}nameConstraints = critical,permitted;DNS:allowed.test,excluded;IP:10.0.0.0/255.0.0.0\n"
            ),
        ),
        Some(&root),
    )?;
    leaf(g, "nc-ok", "DNS:www.allowed.test, IP:192.0.2.1", usual, &nc)?;
    leaf(g, "nc-dns-violation", "DNS:www.other.test", usual, &nc)?;
    leaf(
        g,
        "nc-ip-excluded",
        "DNS:www.allowed.test, IP:10.1.2.3",
        usual,
        &nc,
    )?;

    // Signature algorithms.
    let ext = leaf_ext_with("DNS:sha1.test", usual);
    g.issue(
        dir,
        "sha1",
        &Spec {
            md: "sha1",
            ..Spec::new(&format!("{O}/CN=sha1"), &ext)
        },
        Some(&inter),
    )?;

    // RSA key sizes: one minimum (2048, or 1024 behind the legacy opt-in) for the leaf's
    // key-exchange key and every key that signs the chain.
    for (name, bits) in [("rsa1024-leaf", 1024), ("rsa512-leaf", 512)] {
        let ext = leaf_ext_with(&format!("DNS:{name}.test"), usual);
        g.issue(
            dir,
            name,
            &Spec {
                bits,
                ..Spec::new(&format!("{O}/CN={name}"), &ext)
            },
            Some(&inter),
        )?;
    }
    let ca1024 = g.issue(
        dir,
        "rsa1024-ca",
        &Spec {
            bits: 1024,
            ..Spec::new(&format!("{O}/CN=cases rsa1024 CA"), CA_EXT)
        },
        Some(&root),
    )?;
    leaf(
        g,
        "issued-by-rsa1024-ca",
        "DNS:issued-by-rsa1024-ca.test",
        usual,
        &ca1024,
    )?;
    // What `openssl req -x509` makes (its v3_ca section) and many BMCs serve: self-signed,
    // cA=TRUE, no keyUsage.
    g.issue(
        dir,
        "self-signed-ca-leaf",
        &Spec::new(
            &format!("{O}/CN=self-signed-ca-leaf"),
            "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always,issuer\n\
             basicConstraints = critical,CA:true\nsubjectAltName = DNS:self-signed-ca-leaf.test\n",
        ),
        None,
    )?;

    // A deeper chain for shuffled-intermediate tests.
    let sub = g.issue(
        dir,
        "sub-intermediate",
        &Spec::new(&format!("{O}/CN=cases sub-intermediate CA"), CA_EXT),
        Some(&inter),
    )?;
    leaf(g, "deep", "DNS:deep.test", usual, &sub)?;

    // Cross-signing: three certificates for "cross CA" with one key; the first two fail
    // (issuer not trusted; expired), the third chains to the root.
    let other_root = g.issue(
        dir,
        "other-root",
        &Spec::new(&format!("{O}/CN=untrusted other root"), CA_EXT),
        None,
    )?;
    let cross_subject = format!("{O}/CN=cross CA");
    let cross_a = g.issue(
        dir,
        "cross-by-untrusted",
        &Spec::new(&cross_subject, CA_EXT),
        Some(&other_root),
    )?;
    let cross_key = cross_a.key.clone();
    g.issue(
        dir,
        "cross-expired",
        &Spec {
            end: "20210101000000Z",
            key: Some(&cross_key),
            ..Spec::new(&cross_subject, CA_EXT)
        },
        Some(&root),
    )?;
    let cross_b = g.issue(
        dir,
        "cross-by-root",
        &Spec {
            key: Some(&cross_key),
            ..Spec::new(&cross_subject, CA_EXT)
        },
        Some(&root),
    )?;
    leaf(g, "cross-leaf", "DNS:cross.test", usual, &cross_b)?;

    // Version 1: a v1 leaf (rejected) and a v1 root (fine as an anchor).
    g.issue(
        dir,
        "v1-leaf",
        &Spec {
            ext: None,
            ..Spec::new(&format!("{O}/CN=v1-leaf.test"), "")
        },
        Some(&inter),
    )?;
    let v1_root = g.issue(
        dir,
        "v1-root",
        &Spec {
            ext: None,
            ..Spec::new(&format!("{O}/CN=v1 root"), "")
        },
        None,
    )?;
    leaf(g, "under-v1-root", "DNS:v1root.test", usual, &v1_root)?;

    // Common-name only (no subjectAltName).
    g.issue(
        dir,
        "cn-only",
        &Spec::new(
            &format!("{O}/CN=cn-only.test"),
            "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n",
        ),
        Some(&inter),
    )?;

    // Path length: seven CAs in a row (one more than MAX_PATH_DEPTH allows).
    let long_dir = dir.join("long");
    let mut parent = root.clone();
    for i in 1..=7 {
        parent = g.issue(
            &long_dir,
            &format!("ca{i}"),
            &Spec::new(&format!("{O}/CN=long chain CA {i}"), CA_EXT),
            Some(&parent),
        )?;
    }
    let ext = leaf_ext_with("DNS:long.test", usual);
    g.issue(
        &long_dir,
        "leaf",
        &Spec::new(&format!("{O}/CN=long.test"), &ext),
        Some(&parent),
    )?;

    // Signature budget: 8 "budget A" CAs sharing one key, each signed by 8 "budget B" CAs
    // sharing another key whose issuer is unknown: 8 * (1 + 8) = 72 checks > 64.
    let bdir = dir.join("budget");
    let c = g.issue(
        &bdir,
        "c",
        &Spec::new(&format!("{O}/CN=budget C (not trusted)"), CA_EXT),
        None,
    )?;
    let mut b_key: Option<PathBuf> = None;
    let mut first_b = None;
    for i in 0..8 {
        let b = g.issue(
            &bdir,
            &format!("b{i}"),
            &Spec {
                key: b_key.as_deref(),
                start: &format!("2020010{}000000Z", i + 1),
                ..Spec::new(&format!("{O}/CN=budget B"), CA_EXT)
            },
            Some(&c),
        )?;
        b_key.get_or_insert(b.key.clone());
        first_b.get_or_insert(b);
    }
    let first_b = first_b.ok_or("no B")?;
    let mut a_key: Option<PathBuf> = None;
    let mut first_a = None;
    for i in 0..8 {
        let a = g.issue(
            &bdir,
            &format!("a{i}"),
            &Spec {
                key: a_key.as_deref(),
                start: &format!("2020010{}000000Z", i + 1),
                ..Spec::new(&format!("{O}/CN=budget A"), CA_EXT)
            },
            Some(&first_b),
        )?;
        a_key.get_or_insert(a.key.clone());
        first_a.get_or_insert(a);
    }
    let ext = leaf_ext_with("DNS:budget.test", usual);
    g.issue(
        &bdir,
        "leaf",
        &Spec::new(&format!("{O}/CN=budget.test"), &ext),
        first_a.as_ref(),
    )?;
    // Only the shared keys matter for signatures; drop the per-certificate key copies.
    for entry in fs::read_dir(&bdir)? {
        let p = entry?.path();
        let keep = ["a0.key", "b0.key", "c.key", "leaf.key"];
        if p.extension().is_some_and(|e| e == "key")
            && !keep.iter().any(|k| p.file_name().is_some_and(|f| f == *k))
        {
            fs::remove_file(p)?;
        }
    }
    Ok(())
}
