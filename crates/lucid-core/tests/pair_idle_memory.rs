//! What an established connection holds on the heap while idle (issue 9's "≤ 32 KiB per
//! idle established connection"), measured with a counting global allocator in its own
//! test binary: with preallocated record buffers (the default) and with on-demand ones,
//! after a handshake and one small record each way, after bulk records (the record
//! buffers at their largest), and after `release_buffers`.
mod pair_common;

use std::sync::Arc;

use lucid_core::internal::record::deframer::CAPACITY;
use lucid_core::{RecordBuffers, internal::conn::SENDABLE_CAPACITY};
use lucid_test_support::alloc::{self, Counting};
use pair_common::*;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap bytes freed by dropping `x` (what it held).
fn held<T>(x: T) -> isize {
    let before = alloc::current();
    drop(x);
    before - alloc::current()
}

/// (client, server) bytes held after `f` ran on an established pair.
fn measure(
    v: lucid_core::internal::msgs::enums::ProtocolVersion,
    buffers: RecordBuffers,
    f: impl FnOnce(&mut Pair),
) -> (isize, isize) {
    let mut cc = client_config(v, v);
    cc.record_buffers = buffers;
    let mut sc = server_config(V10, V12);
    sc.record_buffers = buffers;
    let (cc, sc) = (Arc::new(cc), Arc::new(sc));
    let mut p = Pair::at_time(cc.clone(), sc.clone(), 7, "localhost", now());
    p.handshake().unwrap();
    p.record = false;
    f(&mut p);
    let Pair { client, server, .. } = p;
    // The configurations stay alive here: they are shared, not per connection.
    (held(Box::new(client)), held(Box::new(server)))
}

fn ping_pong(p: &mut Pair) {
    let mut out = [0_u8; 16];
    assert_eq!(p.send_c2s(b"ping", &mut out), 4);
    assert_eq!(p.send_s2c(b"pong", &mut out), 4);
    assert_eq!(&out[..4], b"pong");
}

fn bulk(p: &mut Pair) {
    let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    let mut out = vec![0_u8; big.len()];
    assert_eq!(p.send_c2s(&big, &mut out), big.len());
    assert_eq!(p.send_s2c(&big, &mut out), big.len());
    assert_eq!(out, big);
}

#[test]
fn idle_connection_memory() {
    // One test function: the counter is global, so nothing may run concurrently.
    let both_buffers = (CAPACITY + SENDABLE_CAPACITY) as isize;
    let state = 8 * 1024;
    for v in VERSIONS {
        // Preallocated (default): both record buffers whatever the traffic.
        let (c, s) = measure(v, RecordBuffers::Preallocated, ping_pong);
        println!("{v}: preallocated, idle after ping/pong: client {c} B, server {s} B");
        for x in [c, s] {
            assert!(
                x >= both_buffers && x <= both_buffers + state,
                "{v}: {c} / {s}"
            );
        }

        // On demand: small messages keep the buffers small.
        let (c, s) = measure(v, RecordBuffers::OnDemand, ping_pong);
        println!("{v}: on demand, idle after ping/pong: client {c} B, server {s} B");
        assert!(c <= 16 * 1024 && s <= 16 * 1024, "{v}: {c} / {s}");

        // Bulk records grow them to their largest; they are kept (so records never
        // allocate), bounded by one record each way plus state.
        let (c, s) = measure(v, RecordBuffers::OnDemand, |p| {
            bulk(p);
            ping_pong(p);
        });
        println!("{v}: on demand, idle after 100 kB each way: client {c} B, server {s} B");
        assert!(
            c <= both_buffers + state && s <= both_buffers + state,
            "{v}: {c} / {s}"
        );

        // release_buffers gives them back, in either mode; the connection still works.
        for buffers in [RecordBuffers::Preallocated, RecordBuffers::OnDemand] {
            let (c, s) = measure(v, buffers, |p| {
                bulk(p);
                p.client.release_buffers();
                p.server.release_buffers();
                ping_pong(p);
                bulk(p);
                ping_pong(p);
                p.client.release_buffers();
                p.server.release_buffers();
            });
            println!("{v}: {buffers:?}, after bulk + release_buffers: client {c} B, server {s} B");
            assert!(c <= state && s <= state, "{v}: {c} / {s}");
        }
    }
}
