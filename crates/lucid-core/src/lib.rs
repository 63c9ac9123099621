//! lucid-core: a sans-IO TLS 1.0 / 1.1 / 1.2 engine.
//!
//! Start with [`ClientConnection`] or [`ServerConnection`] (both dereference to
//! [`Connection`], whose calling contract says how to drive it), configured by
//! [`ClientConfig`] / [`ServerConfig`]. lucid-core never touches a socket, a clock or the OS
//! random generator: the caller moves bytes and passes `now` and a `rand_core` RNG in.
//! `lucid-blocking`, `lucid-mio` and `lucid-tokio` are drivers over it.
//!
//! # Layers
//!
//! Bottom to top; a module imports only from layers below it, and no two modules import
//! each other (`cargo xtask layers` checks this):
//!
//! `codec`, `arith` (multi-precision arithmetic, the RSA primitive) → `msgs` (wire
//! messages, the record header and its limits) → [`x509`]
//! (certificates: needs only `msgs` and RustCrypto) → `error` → `crypto` (hashes, PRF,
//! suites table, record protection, RSA key exchange) → `record` (deframer, handshake
//! joiner) → [`session`] → `conn` (the connection core:
//! records in and out, key hand-over at ChangeCipherSpec, Finished, alerts — what both sides
//! share) → [`client`] / [`server`] (the handshake state machines) → `connection` (the
//! public [`Connection`] façade) → drivers.
//!
//! [`trace`] is a sink: any layer may emit events into it; it depends only on `msgs`,
//! `error` and [`x509`]. `codec`, `msgs`, `crypto`, `record` and `conn` are private; fuzz
//! targets, benchmarks and tests reach what they need through the hidden `internal` module.
//!
//! # Cargo features
//!
//! The algorithm families `server`, `ecdhe`, `ecdsa`, `aes-gcm`, `dhe` and `legacy-ciphers`
//! are on by default; `std` adds the `std::io` adapters. `graviola-gcm` (off by default here,
//! on in the std drivers; needs `std` and Rust 1.89) protects AES-GCM records with
//! `graviola`'s stitched AES-GCM on x86_64 and aarch64 CPUs that have the instructions it
//! needs, chosen when a record key is set up; on other CPUs and targets, and without the
//! feature, the portable RustCrypto `aes-gcm` crate does it. `Cargo.toml` describes each.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Peer data is never indexed: every access goes through `codec::Reader` or `get`.
#![warn(clippy::indexing_slicing)]
// The core crate names `core`/`alloc` items directly (the std crates need not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]
#![cfg_attr(
    test,
    allow(clippy::indexing_slicing, reason = "tests index their own fixed data")
)]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

mod arith;
mod codec;
mod conn;
mod connection;
mod crypto;
mod error;
mod msgs;
mod record;

pub mod client;
#[cfg(feature = "server")]
pub mod server;
pub mod session;
pub mod trace;
pub mod x509;

// Also under `cfg(test)`, so the harnesses, seed checks and crash regressions run in
// `cargo test`.
#[cfg(any(test, feature = "fuzzing"))]
#[allow(
    rustdoc::private_intra_doc_links,
    reason = "the harness docs are for lucid's developers, who read them with --document-private-items"
)]
pub mod fuzzing;

pub use client::{
    CertificateRequestInfo, ClientConfig, PinnedLeafVerifier, ResolvesClientCert,
    ServerCertVerified, ServerCertVerifier, WebPkiVerifier,
};
pub use conn::{KeyLog, Negotiated, RecordBuffers, Side};
#[cfg(feature = "server")]
pub use connection::ServerConnection;
pub use connection::{ClientConnection, Connection, IoState};
pub use crypto::certified_key::{CertifiedKey, ServerKey};
#[cfg(feature = "ecdsa")]
pub use crypto::ecdsa_key::{EcdsaKey, ServerEcdsaKey, SignError};
pub use crypto::rsa_key::{RawRsaError, RsaCrateKey, ServerRsaKey};
pub use error::{CertificateError, Error, HandshakeStep, PeerIncompatible, PeerMisbehaved};
pub use msgs::enums::{
    AlertDescription, CipherSuite, MaxFragmentLength, NamedGroup, ProtocolVersion,
};
/// The `rustls-pki-types` crate lucid's API uses (`ServerName`, `UnixTime`,
/// `CertificateDer`, PEM decoding), re-exported so callers need not depend on it directly.
pub use rustls_pki_types as pki_types;
#[cfg(feature = "server")]
pub use server::{
    ClientAuth, ClientCertVerified, ClientCertVerifier, ResolvesServerCert, ServerConfig,
    SniResolver, WebPkiClientVerifier,
};
pub use session::{ClientSession, ClientSessionStore, ServerSession, ServerSessionStore};
pub use trace::{Event, Observer};
pub use x509::{RootStore, VerifierOptions};

/// The cipher suites lucid offers and accepts by default, in its default preference order.
pub fn supported_cipher_suites() -> impl Iterator<Item = CipherSuite> {
    crypto::suites::default_suites()
}

/// The legacy cipher suites lucid implements behind the `allow_legacy_ciphers` opt-in
/// (`ClientConfig::enable_legacy_ciphers`, `ServerConfig::enable_legacy_ciphers`), in
/// preference order.
pub fn legacy_cipher_suites() -> impl Iterator<Item = CipherSuite> {
    crypto::suites::legacy_suites()
}

/// Protocol internals for lucid's own fuzz targets, benchmarks and tests. Not a stable
/// API: anything here may change in any release.
#[doc(hidden)]
pub mod internal;
