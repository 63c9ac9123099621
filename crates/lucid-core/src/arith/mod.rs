//! Multi-precision arithmetic and the RSA primitive built on it (no TLS in here).
//!
//! The lowest layer beside `codec`: it imports nothing else from lucid, so both the
//! certificate checks (`x509`, RSA signature verification) and the key exchange (`crypto`,
//! the pre-master secret, and `server`, the private-key operation) can use it.

pub(crate) mod bignum;
mod division;
pub(crate) mod rsa_core;
