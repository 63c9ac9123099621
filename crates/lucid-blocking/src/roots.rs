//! Trust anchors from the operating system (and, with the `webpki-roots` feature, Mozilla's
//! set built in).

use lucid_core::x509::RootStore;
#[cfg(feature = "webpki-roots")]
use lucid_core::x509::TrustAnchor;

/// The operating system's trusted roots (via `rustls-native-certs`: the Windows and macOS
/// stores, or the usual bundle files on Unix; `SSL_CERT_FILE` / `SSL_CERT_DIR` override).
///
/// Certificates that lucid cannot parse and load errors are skipped (reported on stderr
/// when `LUCID_DEBUG_ROOTS` is set): a store with odd entries still yields the good ones.
/// The result may be empty; verification then fails with `UnknownIssuer`.
pub fn load_native_roots() -> RootStore {
    let result = rustls_native_certs::load_native_certs();
    let mut store = RootStore::new();
    let (added, skipped) = store.add_parsable(result.certs.iter().map(|c| c.as_ref()));
    if std::env::var_os("LUCID_DEBUG_ROOTS").is_some() {
        eprintln!(
            "lucid: {added} OS roots loaded, {skipped} skipped, {} load errors",
            result.errors.len()
        );
        for e in &result.errors {
            eprintln!("lucid: root store: {e}");
        }
    }
    store
}

/// Mozilla's root set as shipped in the `webpki-roots` crate.
#[cfg(feature = "webpki-roots")]
pub fn webpki_roots() -> RootStore {
    let mut store = RootStore::new();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().map(|ta| {
        TrustAnchor::from_webpki_parts(
            &ta.subject,
            &ta.subject_public_key_info,
            ta.name_constraints.as_deref(),
        )
    }));
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_roots_load_without_panicking() {
        // The count depends on the machine; loading must simply work.
        let store = load_native_roots();
        println!("{} native roots", store.len());
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn webpki_roots_convert() {
        let store = webpki_roots();
        assert!(store.len() > 100);
        assert!(store.anchors().iter().any(|a| a.name_constraints.is_some()));
    }
}
