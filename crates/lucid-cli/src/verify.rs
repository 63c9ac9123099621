//! `lucid verify`: check a certificate chain the way the lucid client does.

use core::time::Duration;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use lucid_core::x509::pki_types::{CertificateDer, ServerName, UnixTime};
use lucid_core::x509::{
    RootStore, Time, VerifierOptions, certs_from_pem, verify_chain_no_name, verify_server_chain,
};

/// Verify a server certificate chain against trusted roots.
///
/// Exits 0 and prints the chain when it is valid, 1 with the reason when it is not,
/// 2 when the inputs cannot be read.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// PEM file of trusted root certificates.
    #[arg(long, value_name = "ROOTS.pem")]
    cafile: PathBuf,
    /// PEM file of intermediate certificates (any order; unrelated ones are ignored).
    #[arg(long, value_name = "INTERMEDIATES.pem")]
    untrusted: Option<PathBuf>,
    /// Host name or IP address the certificate must be valid for. Without it the name
    /// check is skipped.
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// Verification time in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
    /// Accept SHA-1 signatures (broken; only for legacy devices).
    #[arg(long)]
    allow_sha1_signatures_legacy: bool,
    /// Match the host against the subject commonName when there is no subjectAltName.
    #[arg(long)]
    allow_common_name_fallback: bool,
    /// The certificate to verify (PEM, or DER). Further certificates in the same PEM
    /// file are used as intermediates.
    #[arg(value_name = "LEAF.pem")]
    leaf: PathBuf,
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs = certs_from_pem(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        if bytes.first() == Some(&0x30) {
            return Ok(vec![CertificateDer::from(bytes)]);
        }
        return Err(format!("{}: no certificates found", path.display()));
    }
    Ok(certs)
}

/// Run `lucid verify`.
pub(crate) fn run(args: VerifyArgs) -> ExitCode {
    match run_inner(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("lucid verify: {e}");
            ExitCode::from(2)
        }
    }
}

/// `Ok(true)`: valid; `Ok(false)`: rejected (reason printed); `Err`: unusable input.
fn run_inner(args: &VerifyArgs) -> Result<bool, String> {
    let mut roots = RootStore::new();
    for (i, der) in read_certs(&args.cafile)?.iter().enumerate() {
        roots.add_der(der).map_err(|e| {
            format!(
                "{}: certificate #{} is not usable as a root: {e}",
                args.cafile.display(),
                i + 1
            )
        })?;
    }
    let mut leaf_file = read_certs(&args.leaf)?;
    let leaf = leaf_file.remove(0);
    let mut intermediates = leaf_file;
    if let Some(p) = &args.untrusted {
        intermediates.extend(read_certs(p)?);
    }
    let now = match args.at {
        Some(secs) => UnixTime::since_unix_epoch(Duration::from_secs(secs)),
        None => UnixTime::since_unix_epoch(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_err(|e| format!("system clock: {e}"))?,
        ),
    };
    let mut opts = VerifierOptions::default();
    opts.allow_sha1_signatures_legacy = args.allow_sha1_signatures_legacy;
    opts.allow_common_name_fallback = args.allow_common_name_fallback;

    let server_name = match &args.host {
        Some(h) => Some(
            ServerName::try_from(h.as_str())
                .map_err(|e| format!("--host {h}: not a DNS name or IP address: {e}"))?,
        ),
        None => None,
    };
    let result = match &server_name {
        Some(name) => verify_server_chain(&roots, &leaf, &intermediates, name, now, &opts),
        None => verify_chain_no_name(&roots, &leaf, &intermediates, now, &opts),
    };
    let at = Time::from(now);
    match result {
        Ok(chain) => {
            println!("certificate chain (verified at {at}):");
            for (i, c) in chain.certificates.iter().enumerate() {
                println!(
                    "  {i}: {}\n     valid {} .. {}\n     signed by {} ({})",
                    c.subject, c.not_before, c.not_after, c.issuer, c.signature_algorithm
                );
            }
            println!(
                "  trust anchor: {} (from {})",
                chain.anchor_subject(),
                args.cafile.display()
            );
            match &args.host {
                Some(h) => println!("OK: valid for {h}"),
                None => println!("OK: chain valid (host name NOT checked: no --host given)"),
            }
            Ok(true)
        }
        Err(e) => {
            println!("FAILED: {e}");
            if args.host.is_none() {
                println!("(host name not checked: no --host given)");
            }
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn td(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata")
            .join(rel)
    }

    fn args(leaf: &str, untrusted: Option<&str>, host: Option<&str>) -> VerifyArgs {
        VerifyArgs {
            cafile: td("pki/root.pem"),
            untrusted: untrusted.map(td),
            host: host.map(String::from),
            at: Some(1_717_200_000),
            allow_sha1_signatures_legacy: false,
            allow_common_name_fallback: false,
            leaf: td(leaf),
        }
    }

    #[test]
    fn verdicts() {
        assert_eq!(
            run_inner(&args(
                "pki/leaf.pem",
                Some("pki/intermediate.pem"),
                Some("localhost")
            )),
            Ok(true)
        );
        assert_eq!(
            run_inner(&args("pki/chain.pem", None, Some("127.0.0.1"))),
            Ok(true)
        );
        assert_eq!(run_inner(&args("pki/chain.pem", None, None)), Ok(true));
        assert_eq!(
            run_inner(&args("pki/chain.pem", None, Some("example.com"))),
            Ok(false)
        );
        assert_eq!(
            run_inner(&args("pki/leaf.pem", None, Some("localhost"))),
            Ok(false)
        );
        assert!(run_inner(&args("pki/missing.pem", None, None)).is_err());
        assert!(run_inner(&args("pki/leaf.pem", None, Some("bad name!"))).is_err());
        let mut expired = args("cases/expired.pem", Some("cases/intermediate.pem"), None);
        expired.cafile = td("cases/root.pem");
        assert_eq!(run_inner(&expired), Ok(false));
        expired.at = Some(1_590_000_000);
        assert_eq!(run_inner(&expired), Ok(true));
    }
}
