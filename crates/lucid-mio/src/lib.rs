//! Non-blocking mio driver for lucid-core.
#![warn(missing_docs)]
