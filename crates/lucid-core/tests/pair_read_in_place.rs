//! Application data is read straight from the receive buffer (the record stays held in the
//! deframer until the caller has consumed it): partial reads, records queued behind a held
//! one, and bytes fed while a record is held all deliver the exact stream.

mod pair_common;

use pair_common::*;

/// Client sends `data` in records of `chunk` bytes; everything it produced is offered to
/// the server as soon as possible, and the server reads `read` bytes at a time.
fn stream(
    v: lucid_core::internal::msgs::enums::ProtocolVersion,
    etm: bool,
    chunk: usize,
    read: usize,
) {
    let mut cc = client_config(v, v);
    cc.offer_encrypt_then_mac = etm;
    let mut p = Pair::new(cc, server_config(V10, V12), 7);
    p.handshake().unwrap();
    p.record = false;
    let data: Vec<u8> = (0..60_000u32).map(|i| (i * 31 + 7) as u8).collect();
    let mut wire = Vec::new();
    for part in data.chunks(chunk) {
        let mut off = 0;
        while off < part.len() {
            off += p.client.write_plaintext(&part[off..], &mut p.crng).unwrap();
            wire.extend_from_slice(p.client.pending_tls());
            let n = p.client.pending_tls().len();
            p.client.consume_tls(n);
        }
    }
    let mut got = Vec::new();
    let mut fed = 0;
    let mut buf = vec![0u8; read];
    for _ in 0..MAX_STEPS {
        // Offer whatever the receive buffer takes, even while a record is held.
        fed += p.server.read_tls_bytes(&wire[fed..]);
        p.server.process(p.now, &mut p.srng).unwrap();
        let n = p.server.read_plaintext(&mut buf);
        got.extend_from_slice(&buf[..n]);
        if got.len() == data.len() {
            break;
        }
    }
    assert_eq!(fed, wire.len(), "{v} etm {etm} chunk {chunk} read {read}");
    assert_eq!(got, data, "{v} etm {etm} chunk {chunk} read {read}");
    assert!(p.server.plaintext().is_empty());
}

#[test]
fn partial_reads_and_queued_records_deliver_the_exact_stream() {
    for v in VERSIONS {
        for etm in [true, false] {
            for (chunk, read) in [
                (16_384, 1_000),
                (16_384, 16_384),
                (5_000, 777),
                (300, 4_096),
            ] {
                stream(v, etm, chunk, read);
            }
        }
    }
}

#[test]
fn plaintext_and_consume_plaintext_read_in_place() {
    let mut p = Pair::new(client_config(V12, V12), server_config(V12, V12), 9);
    p.handshake().unwrap();
    p.client
        .write_plaintext(b"hello, in place", &mut p.crng)
        .unwrap();
    p.c2s();
    assert_eq!(p.server.plaintext(), b"hello, in place");
    p.server.consume_plaintext(7);
    assert_eq!(p.server.plaintext(), b"in place");
    p.server.consume_plaintext(100);
    assert_eq!(p.server.plaintext(), b"");
    // The next record is decrypted once the held one is consumed.
    p.client.write_plaintext(b"second", &mut p.crng).unwrap();
    p.c2s();
    assert_eq!(p.server.plaintext(), b"second");
}
