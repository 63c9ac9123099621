//! Ready-made configurations over testdata/pki for doc examples and tests: a client that
//! verifies the fixture chain for `localhost`, a server presenting it, and the fixed time
//! at which the chain is valid.

use alloc::sync::Arc;

use rustls_pki_types::UnixTime;

use crate::client::{ClientConfig, WebPkiVerifier};
use crate::fuzzing::rng::FuzzRng;
use crate::fuzzing::server::ServerHarness;
use crate::fuzzing::x509::{NOW, roots};
use crate::server::ServerConfig;

/// `(client config, server config, now)` over testdata/pki (TLS 1.2, default suites).
pub fn example_configs() -> (Arc<ClientConfig>, Arc<ServerConfig>, UnixTime) {
    let client = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots())));
    let server = ServerConfig::with_resolver(Arc::new(ServerHarness::new().cert()));
    (Arc::new(client), Arc::new(server), NOW)
}

/// A deterministic RNG for examples (never for real connections).
pub fn example_rng() -> FuzzRng {
    FuzzRng::new(0x6578_616d_706c_6521)
}
