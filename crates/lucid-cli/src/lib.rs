//! The library half of the `lucid` command: trace recording and rendering, shared by the
//! binary and its snapshot tests.

pub mod show;
