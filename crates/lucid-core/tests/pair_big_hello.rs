//! Every hello the RFCs allow (issue 14): ClientHellos with 0 to 16,383 extensions, and of
//! ~65 KB and ~131 KB (the 131,396-byte syntax maximum) split across records, are served
//! to the end of the handshake with a peak heap inside the documented bound; a ServerHello
//! with thousands of unknown extensions is refused by the client (unsupported_extension,
//! RFC 5246 §7.4.1.4) without its extensions costing memory. Measured with the counting
//! allocator, in its own test binary so no other test's allocations interfere.
mod pair_common;

use std::sync::Arc;

use lucid_core::internal::msgs::enums::{
    CipherSuite, Compression, ContentType, ExtensionType, HandshakeType,
};
use lucid_core::internal::msgs::extensions::{ClientExtension, ServerExtension};
use lucid_core::internal::msgs::handshake::{
    HandshakeMessage, HandshakePayload, Random, ServerHelloPayload, SessionId,
};
use lucid_core::x509::pki_types::ServerName;
use lucid_core::{ClientConnection, Error, PeerMisbehaved, ServerConnection};
use lucid_test_support::alloc::{self, Counting};
use pair_common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The bound the server's peak must stay within: `lucid_core::fuzzing::ALLOC_BOUND_SERVER`
/// (one whole connection), restated here because the `fuzzing` module is not public.
const SERVER_BOUND: usize = 320 * 1024;

/// `n` empty extensions of distinct types lucid does not know.
fn unknown_client_extensions(n: usize) -> Vec<ClientExtension> {
    (0..n)
        .map(|i| ClientExtension::Unknown {
            typ: ExtensionType(0x1000 + u16::try_from(i).unwrap()),
            data: Vec::new(),
        })
        .collect()
}

/// Runs one hello through a fresh server (created inside the measurement) and completes
/// the handshake; returns the peak heap above the baseline while the server read the hello
/// and wrote its flight, and the hello's size.
fn serve(c: &mut Scripted, seed: u64) -> (usize, usize) {
    let records = c.client_hello_records(16_384);
    let hello_len = HandshakeMessage::new(HandshakePayload::ClientHello(c.hello.clone()))
        .get_encoding()
        .len();
    let config = Arc::new(server_config(V10, V12));
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let base = alloc::current();
    alloc::reset_peak();
    let mut s = ServerConnection::new(config).unwrap();
    feed(&mut s, &mut rng, &records).unwrap();
    let peak = usize::try_from(alloc::peak() - base).unwrap();
    c.receive(&drain(&mut s));
    c.finish_full_handshake(&mut s, &mut rng);
    assert!(s.negotiated().unwrap().secure_renegotiation);
    (peak, hello_len)
}

#[test]
fn every_hello_the_rfcs_allow() {
    // One test function: the counter is global, so nothing may run concurrently.
    let suites = rsa_kx_suites_for(V12);
    let mut report = Vec::new();
    for n in [0usize, 1, 128, 1024, 4096, 16_383] {
        let mut c = scripted(10, V12, &suites, true, true);
        // The known extensions first, then n unknown empty ones. 16,383 * 4 bytes nearly
        // fills the 65,535-byte extensions block on its own, so the largest case carries
        // no known extension and signals RFC 5746 with the SCSV instead.
        if n == 16_383 {
            c.hello.extensions.clear();
            c.hello
                .cipher_suites
                .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        c.hello.extensions.extend(unknown_client_extensions(n));
        let (peak, len) = serve(&mut c, 10);
        report.push(format!(
            "{n:>6} extensions, {len:>7} B hello: peak {peak} B"
        ));
        assert!(peak <= SERVER_BOUND, "{n} extensions: peak {peak} B");
    }
    // ~65 KB: 32,000 suites. ~131 KB: every field at its maximum (131,396-byte body).
    for (what, n_suites, pad) in [("~65 KB", 32_000u16, 0usize), ("~131 KB", 32_767, 65_531)] {
        let mut c = scripted(11, V12, &suites, true, true);
        let mut list: Vec<CipherSuite> = suites.clone();
        list.extend(
            (0..n_suites - u16::try_from(suites.len()).unwrap()).map(|i| CipherSuite(0x1000 + i)),
        );
        c.hello.cipher_suites = list;
        if pad > 0 {
            c.hello.session_id = SessionId::EMPTY; // the server must not resume it
            let mut comp = vec![Compression::NULL];
            comp.extend((1..=254u8).map(Compression));
            c.hello.compression_methods = comp;
            // One unknown extension filling the block after the known ones.
            let known: usize = c
                .hello
                .extensions
                .iter()
                .map(|e| {
                    let mut v = Vec::new();
                    lucid_core::internal::codec::Codec::encode(e, &mut v);
                    v.len()
                })
                .sum();
            c.hello.extensions.push(ClientExtension::Unknown {
                typ: ExtensionType(0x7777),
                data: vec![0; pad - known],
            });
        }
        let (peak, len) = serve(&mut c, 11);
        report.push(format!(
            "{what} hello ({len} B, {} records): peak {peak} B",
            len.div_ceil(16_384)
        ));
        assert!(peak <= SERVER_BOUND, "{what}: peak {peak} B");
        if pad > 0 {
            assert_eq!(
                len,
                4 + 131_396 - 32,
                "every field at its maximum but the session id"
            );
        }
    }

    // A ServerHello with thousands of unknown extensions: the client refuses it with
    // unsupported_extension, naming the first, and the extensions cost no memory.
    for n in [1usize, 4096, 16_370] {
        let config = Arc::new(client_config(V12, V12));
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let mut client = ClientConnection::new(
            config,
            ServerName::try_from("localhost").unwrap(),
            now(),
            &mut rng,
        )
        .unwrap();
        let hello = client.pending_tls().len();
        client.consume_tls(hello);
        let mut extensions = vec![ServerExtension::RenegotiationInfo(Vec::new())];
        extensions.extend((0..n).map(|i| ServerExtension::Unknown {
            typ: ExtensionType(0x1000 + u16::try_from(i).unwrap()),
            data: Vec::new(),
        }));
        let sh = HandshakeMessage::new(HandshakePayload::ServerHello(ServerHelloPayload {
            server_version: V12,
            random: Random([0x42; 32]),
            session_id: SessionId::EMPTY,
            cipher_suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
            compression_method: Compression::NULL,
            extensions,
            unknown_extensions: Default::default(),
        }))
        .get_encoding();
        assert_eq!(sh[0], HandshakeType::SERVER_HELLO.get());
        let records: Vec<u8> = sh
            .chunks(16_384)
            .flat_map(|ch| record(ContentType::HANDSHAKE, V12, ch))
            .collect();
        let base = alloc::current();
        alloc::reset_peak();
        let mut off = 0;
        let mut res = Ok(());
        while off < records.len() && res.is_ok() {
            off += client.read_tls_bytes(&records[off..]);
            res = client.process(now(), &mut rng).map(|_| ());
        }
        let peak = usize::try_from(alloc::peak() - base).unwrap();
        assert_eq!(
            res,
            Err(Error::PeerMisbehaved(PeerMisbehaved::UnofferedExtension(
                ExtensionType(0x1000)
            ))),
            "{n} extensions"
        );
        // fatal(2) unsupported_extension(110), in a TLS 1.0 record like the ClientHello
        // (the client has not adopted the server's version yet)
        assert_eq!(client.pending_tls(), [21, 3, 1, 0, 2, 2, 110]);
        report.push(format!(
            "ServerHello with {n} unknown extensions ({} B): refused, peak {peak} B",
            sh.len()
        ));
        // The joiner holding the message and the record buffer; nothing per extension.
        assert!(peak < 2 * sh.len() + 40_000, "{n}: peak {peak} B");
    }
    println!("{}", report.join("\n"));
}
