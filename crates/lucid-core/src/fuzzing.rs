//! Entry points for cargo-fuzz targets (feature `fuzzing`).
//!
//! The bodies live here so the targets in `fuzz/` stay a few lines each and the same code
//! is exercised by the crate's own tests (the module is also compiled under `cfg(test)`).
//! Every entry point takes the raw fuzz input, never panics on it unless lucid breaks one
//! of its own invariants (a bug), and is deterministic: fixed clock, fixed keys, seeded
//! RNG ([`FuzzRng`], insecure by design).
//!
//! | target | entry point | input |
//! |---|---|---|
//! | `deframer` | [`deframer`] | a record stream |
//! | `handshake_messages` | [`handshake_messages`] | selector byte, then one message |
//! | `x509` | [`x509`] | flags byte, then length-prefixed certificates |
//! | `cbc_open` | [`cbc_open`] | configuration and content type bytes, then records |
//! | `stream_open` | [`stream_open`] | the same, for the legacy RC4 suites |
//! | `gcm_open` | [`gcm_open`] | the same, for AES-GCM, both GCM backends compared |
//! | `client` | [`client`] | setup byte, then the server's byte stream |
//! | `server` | [`server`] ([`ServerHarness`]) | setup byte, then the client's byte stream |
//! | `alloc_bound` | [`ALLOC_BOUND_RUNS`] | the `client` (pinned leaf; path validation with on-demand buffers), `server` (both buffer configurations) and `deframer` inputs |
//!
//! Beside the entry points: [`ScriptedPeer`] ([`script`]), the one scripted TLS peer the
//! seeds, lucid-core's integration tests and anything else that needs hand-built
//! handshakes share, and [`seeds`], the seed corpora `cargo xtask fuzz seeds` writes.
//!
//! # Memory bound
//!
//! No input may make lucid allocate without bound. The `alloc_bound` target runs each
//! entry of [`ALLOC_BOUND_RUNS`] under a counting global allocator and fails if the peak
//! heap in use during the run, above what was in use before it, exceeds the bound given
//! there. The bounds were set from measurements over the seed corpora and a fuzzing
//! campaign (see the comments on the constants); they cover one whole connection — its
//! record buffers, the handshake joiner at its cap, the decoded Certificate message, the
//! RSA and X.509 temporaries — plus the harness's own small allocations (configuration,
//! pinned leaf).

mod cbc;
mod client;
mod drive;
mod example;
mod gcm;
mod messages;
mod rng;
mod rsa_diff;
pub mod script;
pub mod seeds;
mod server;
mod stream;
mod x509;

pub use cbc::cbc_open;
pub use client::{
    CLIENT_REQUEST, CLIENT_RNG_SEED, RESUME_MASTER_SECRET, RESUME_SESSION_ID, RESUME_SUITE,
    SERVER_NAME, client, client_path_validation,
};
pub use example::{example_configs, example_rng};
pub use gcm::gcm_open;
pub use messages::handshake_messages;
pub use rng::FuzzRng;
pub use rsa_diff::rsa_diff;
pub use script::{Received, ScriptedPeer};
pub use server::{SERVER_RESPONSE, SERVER_RNG_SEED, ServerHarness, server, server_on_demand};
pub use stream::stream_open;
pub use x509::{NOW, roots, x509};

/// The suites the client and server harnesses configure, in this order: the four RSA
/// key-exchange CBC suites (what the scripted server speaks), two legacy DHE_RSA suites
/// (the harnesses turn the legacy opt-in on; the openssl seeds select them), then RSA with
/// AES-GCM and the ECDHE_RSA suites — GCM, CBC-SHA (every version) and CBC-SHA384
/// (HMAC-SHA384) — so the targets reach both ServerKeyExchange forms, the ECDH and DH
/// ClientKeyExchanges, GCM records and the SHA-384 MAC. The server takes the first suite of this list the client offers, or of
/// the reversed list with its setup bit 5 (forward secrecy and AEAD first). Changing the
/// list changes the harness ClientHello: re-record the seeds (`cargo xtask fuzz seeds
/// --record-openssl`).
pub(crate) const HARNESS_SUITES: &[crate::msgs::enums::CipherSuite] = &[
    crate::msgs::enums::CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    crate::msgs::enums::CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
    crate::msgs::enums::CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
    crate::msgs::enums::CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
    crate::msgs::enums::CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    crate::msgs::enums::CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
    crate::msgs::enums::CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    crate::msgs::enums::CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    crate::msgs::enums::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    crate::msgs::enums::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
];

/// Feeds `data` through a record [`Deframer`](crate::record::deframer::Deframer) in variable-sized
/// chunks (sizes and options derived from the data), pops records until `Ok(None)` or an
/// error, and pushes handshake payloads through a
/// [`HandshakeJoiner`](crate::record::joiner::HandshakeJoiner).
///
/// Never panics unless a record-layer invariant is broken (buffers over their caps, a
/// record whose payload does not match its header, no progress on a full buffer).
pub fn deframer(data: &[u8]) {
    let _ = crate::record::drive::run(data);
}

/// Peak heap bytes one client connection may use, harness included (see the module docs).
///
/// Measured (x86_64, 2026-11-27, final `alloc_bound` corpus): with preallocated record
/// buffers a full handshake peaks at about 54 KB — the receive buffer (18,437 B), the send
/// buffer (16,523 B), the joiner at its initial 16 KiB, the decoded Certificate, RSA and
/// transcript temporaries; with on-demand buffers and path validation at about 23 KB. The
/// worst case found is a handshake message at the 64 KiB cap (a Certificate with a maximal
/// chain): 184,637 B (168,306 B on demand), while the joiner grew from 64 KiB to its
/// then 81,931 B cap (both buffers live during the copy; the joiner now grows straight to
/// the announced message size, and its client cap is 81,995 B for a maximal ServerHello). Before the hello-extension and
/// certificate-authority caps (`msgs::handshake`), a 64 KiB ServerHello or CertificateRequest
/// reached 0.9 and 1.3 MB; unknown hello extensions are now skipped, not stored, and a
/// ServerHello with 16,370 of them peaks at 81,913 B before the client refuses it
/// (`tests/pair_big_hello.rs`). The bound is a round figure ~40% above the worst case.
pub const ALLOC_BOUND_CLIENT: usize = 256 * 1024;

/// Peak heap bytes one server connection may use, harness included (see the module docs).
///
/// Measured: about 57 KB for a full handshake with preallocated buffers, 26 KB on demand
/// (the same buffers as the client, plus the parsed key's share); 138,861 B found in the
/// first campaign, 103,438 B (86,915 B on demand) in the final corpus of that campaign.
/// Since a server accepts ClientHellos up to their 131,396-byte syntax maximum
/// (`msgs::handshake#limits`), the worst case is such a hello: the joiner at 147,784 B plus
/// the decoded 32,767 suites (65,534 B) plus the record buffers. `tests/pair_big_hello.rs`
/// measured (x86_64, preallocated buffers, server creation through its first flight):
/// 56,428 B for hellos with 0 to 1,024 extensions, 84,204 B with 4,096, 133,323 B with
/// 16,383 (a 65,587-byte hello), 184,496 B for a 64,076-byte hello (32,000 suites) and
/// 253,570 B for a 131,368-byte one (every field at its maximum). The bound is ~25% above
/// that; unknown extensions are not stored, so their count does not move it.
pub const ALLOC_BOUND_SERVER: usize = 320 * 1024;

/// Peak heap bytes the deframer + joiner pair may use.
///
/// Measured: 20,480 B median for ordinary records (the receive buffer, sized on demand, and
/// the joiner's initial 16 KiB); worst case 165,900 B, a maximal handshake message making
/// the joiner grow from 64 KiB to its 81,931 B cap.
pub const ALLOC_BOUND_DEFRAMER: usize = 192 * 1024;

/// One entry point the `alloc_bound` target runs under the counting allocator.
#[derive(Debug, Clone, Copy)]
pub struct AllocBound {
    /// Name in failure messages.
    pub name: &'static str,
    /// The entry point, given the whole fuzz input.
    pub run: fn(&[u8]),
    /// Most heap bytes in use during the run, above those in use before it.
    pub bound: usize,
}

/// What the `alloc_bound` target checks.
pub const ALLOC_BOUND_RUNS: &[AllocBound] = &[
    AllocBound {
        name: "client",
        run: client,
        bound: ALLOC_BOUND_CLIENT,
    },
    AllocBound {
        name: "client (path validation, on-demand buffers)",
        run: client_path_validation,
        bound: ALLOC_BOUND_CLIENT,
    },
    AllocBound {
        name: "server",
        run: server,
        bound: ALLOC_BOUND_SERVER,
    },
    AllocBound {
        name: "server (on-demand buffers)",
        run: server_on_demand,
        bound: ALLOC_BOUND_SERVER,
    },
    AllocBound {
        name: "deframer",
        run: deframer,
        bound: ALLOC_BOUND_DEFRAMER,
    },
];
