//! After the handshake, moving application data in either direction performs zero heap
//! allocations (DESIGN.md) with the default, preallocated record buffers; with on-demand
//! buffers, zero once the first records have sized them. Proven with a counting global
//! allocator, in its own test binary so no other test's allocations interfere.
mod pair_common;

use lucid_core::{MaxFragmentLength, RecordBuffers};
use lucid_test_support::alloc::{self, Counting};
use pair_common::*;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts allocations made by `f`.
fn allocations(f: impl FnOnce()) -> u64 {
    alloc::allocations_during(f)
}

#[test]
fn application_data_allocates_nothing() {
    // One test function: the counter is global, so nothing may run concurrently.
    for buffers in [RecordBuffers::Preallocated, RecordBuffers::OnDemand] {
        for v in VERSIONS {
            for suite in suites_for(v) {
                for etm in [true, false] {
                    let mut cc = client_config(v, v);
                    cc.cipher_suites = vec![suite];
                    cc.offer_encrypt_then_mac = etm;
                    check(cc, buffers, &format!("{buffers:?} {v} {suite} etm {etm}"));
                }
            }
            // Buffers sized for max_fragment_length (a CBC suite on TLS 1.0: the 1/n-1 split
            // record too).
            for mfl in MaxFragmentLength::KNOWN {
                let mut cc = client_config(v, v);
                cc.max_fragment_length = Some(*mfl);
                check(
                    cc,
                    buffers,
                    &format!("{buffers:?} {v} max_fragment_length {mfl}"),
                );
            }
        }
    }
}

/// A handshake with `cc` (and `buffers` on both sides), then rounds of bulk and small
/// records both ways: none allocates, except the first round with on-demand buffers.
fn check(mut cc: lucid_core::ClientConfig, buffers: RecordBuffers, what: &str) {
    cc.record_buffers = buffers;
    let mut sc = server_config(V10, V12);
    sc.record_buffers = buffers;
    let mut p = Pair::new(cc, sc, 1);
    p.handshake().unwrap();
    p.record = false;
    // Buffers prepared before counting.
    let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    let mut out = vec![0u8; 128 * 1024];
    let small = b"ping";
    let mut round = || {
        assert_eq!(p.send_c2s(&big, &mut out), big.len());
        assert_eq!(p.send_s2c(&big, &mut out), big.len());
        assert_eq!(p.send_c2s(small, &mut out), small.len());
        assert_eq!(p.send_s2c(small, &mut out), small.len());
    };
    // The first round right after the handshake.
    let first = allocations(&mut round);
    match buffers {
        RecordBuffers::Preallocated => {
            assert_eq!(first, 0, "{what}: {first} allocations")
        }
        // Sizing both record buffers on each side, in steps.
        _ => assert!(first <= 12, "{what}: {first} allocations to size"),
    }
    let n = allocations(|| {
        for _ in 0..3 {
            round();
        }
    });
    assert_eq!(n, 0, "{what}: {n} allocations");
    assert_eq!(&out[..4], small);
    // Sanity: the counter does see allocations.
    assert!(allocations(|| drop(core::hint::black_box(vec![1u8; 10]))) >= 1);
    p.close_both();
}
