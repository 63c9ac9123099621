//! lucid-core: a sans-IO TLS 1.0 / 1.1 / 1.2 engine.
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

pub mod client;
pub mod codec;
pub mod conn;
pub mod crypto;
pub mod error;
// Also under `cfg(test)`, so the harnesses, seed checks and crash regressions run in
// `cargo test`.
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod msgs;
pub mod record;
pub mod server;
pub mod session;
pub mod trace;
pub mod x509;

pub use error::{Error, PeerIncompatible, PeerMisbehaved};
