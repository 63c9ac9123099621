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

    /// Whether `der` is exactly one DER SEQUENCE (tag, definite length, that many bytes).
    fn is_one_der_sequence(der: &[u8]) -> bool {
        let Some((&0x30, rest)) = der.split_first() else {
            return false;
        };
        let Some((&first, rest)) = rest.split_first() else {
            return false;
        };
        let (len, body) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return false;
            }
            let (len, body) = rest.split_at(n);
            (
                len.iter().fold(0, |acc, &b| acc << 8 | usize::from(b)),
                body,
            )
        };
        len > 0 && body.len() == len
    }

    #[test]
    fn native_roots_are_well_formed_and_found_when_the_system_has_a_bundle() {
        let store = load_native_roots();
        println!("{} native roots", store.len());
        for (i, anchor) in store.anchors().iter().enumerate() {
            assert!(
                is_one_der_sequence(&anchor.subject),
                "native root {i}: subject is not one non-empty DER Name: {:02x?}",
                anchor.subject
            );
            assert!(
                is_one_der_sequence(&anchor.spki),
                "native root {i}: SPKI is not one non-empty DER SubjectPublicKeyInfo"
            );
            if let Some(nc) = &anchor.name_constraints {
                assert!(is_one_der_sequence(nc), "native root {i}: name constraints");
            }
        }
        // Debian/Ubuntu's bundle (package ca-certificates). Without an SSL_CERT_FILE /
        // SSL_CERT_DIR override, rustls-native-certs reads the system store, so roots that
        // lucid can parse from the bundle must show up.
        let bundle = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt");
        let overridden = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        if bundle.is_file() && !overridden {
            let ders = crate::load_pem_certs(bundle).expect("read the system CA bundle");
            let mut from_bundle = RootStore::new();
            from_bundle.add_parsable(ders.iter().map(Vec::as_slice));
            if !from_bundle.is_empty() {
                assert!(
                    !store.is_empty(),
                    "{} holds {} roots lucid can parse, but load_native_roots() found none",
                    bundle.display(),
                    from_bundle.len()
                );
            }
        }
    }

    #[test]
    fn der_sequence_check() {
        assert!(is_one_der_sequence(&[0x30, 0x01, 0x00]));
        assert!(is_one_der_sequence(
            &[&[0x30, 0x81, 0x80][..], &[0u8; 0x80]].concat()
        ));
        assert!(!is_one_der_sequence(&[]));
        assert!(!is_one_der_sequence(&[0x30, 0x00]));
        assert!(!is_one_der_sequence(&[0x31, 0x01, 0x00]));
        assert!(!is_one_der_sequence(&[0x30, 0x02, 0x00]));
        assert!(!is_one_der_sequence(&[0x30, 0x01, 0x00, 0x00]));
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn webpki_roots_convert() {
        let store = webpki_roots();
        assert!(store.len() > 100);
        assert!(store.anchors().iter().any(|a| a.name_constraints.is_some()));
    }
}
