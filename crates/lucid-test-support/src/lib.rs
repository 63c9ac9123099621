//! lucid's one test-support layer (STYLE.md item 18), shared by unit and integration
//! tests, fuzz targets and benches:
//!
//! - [`alloc`]: one counting global allocator (allocation calls, bytes in use in total and
//!   per thread, peak);
//! - [`peers`]: one way to find real peers (openssl, gnutls, tlslite-ng's `tls.py` in the
//!   `target/py` venv), honour `LUCID_REQUIRE_PEERS=1`, and start a peer process on a free
//!   127.0.0.1 port, killed on drop.
//!
//! It depends on nothing but std (in particular not on lucid-core), so every crate of the
//! workspace can use it without linking a second copy of lucid-core's types.

pub mod alloc;
pub mod peers;
