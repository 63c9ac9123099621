//! Blocking `std` driver for lucid-core.
#![warn(missing_docs)]

pub mod roots;
