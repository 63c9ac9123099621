//! Loading the fixtures: the fixed time, `testdata/` PEM files, root stores, and [`case`]
//! (a `testdata/cases` leaf under the cases root).

use std::path::PathBuf;

use lucid_core::x509::pki_types::{CertificateDer, ServerName, UnixTime};
use lucid_core::x509::{
    CertificateError, RootStore, VerifiedChain, VerifierOptions, certs_from_pem,
    verify_server_chain,
};

/// 2024-06-01T00:00:00Z.
pub(crate) const NOW: u64 = 1_717_200_000;

pub(crate) fn now() -> UnixTime {
    UnixTime::since_unix_epoch(core::time::Duration::from_secs(NOW))
}

pub(crate) fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

pub(crate) fn pem(rel: &str) -> Vec<CertificateDer<'static>> {
    let path = testdata().join(rel);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let certs = certs_from_pem(&text).unwrap();
    assert!(!certs.is_empty(), "{rel}");
    certs
}

pub(crate) fn one(rel: &str) -> Vec<u8> {
    pem(rel).remove(0).to_vec()
}

pub(crate) fn roots(files: &[&str]) -> RootStore {
    let mut store = RootStore::new();
    for f in files {
        store.add_der(&one(f)).unwrap();
    }
    store
}

pub(crate) fn name(s: &str) -> ServerName<'static> {
    ServerName::try_from(s.to_string()).unwrap()
}

/// Verify `cases/<leaf>.pem` under the cases root with `cases/<i>.pem` intermediates.
pub(crate) fn case(
    leaf: &str,
    inter: &[&str],
    host: &str,
    opts: &VerifierOptions,
) -> Result<VerifiedChain, CertificateError> {
    let inter: Vec<Vec<u8>> = inter
        .iter()
        .map(|i| one(&format!("cases/{i}.pem")))
        .collect();
    verify_server_chain(
        &roots(&["cases/root.pem"]),
        &one(&format!("cases/{leaf}.pem")),
        &inter,
        &name(host),
        now(),
        opts,
    )
}

pub(crate) fn default() -> VerifierOptions {
    VerifierOptions::default()
}

pub(crate) const INTER: &[&str] = &["intermediate"];
