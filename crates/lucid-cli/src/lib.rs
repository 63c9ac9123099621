//! The library half of the `lucid` command: trace recording and rendering, shared by the
//! binary and its snapshot tests, and the `--pcap` capture writer.

pub mod pcap;
pub mod show;
