//! `cargo xtask certs`: test certificates. A stub; the certificates issue replaces this file.

/// Generates the test certificates.
pub(crate) fn certs(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let _ = args;
    Err("`cargo xtask certs` is not yet implemented".into())
}
