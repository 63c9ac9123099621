//! The client's max_fragment_length (RFC 6066 §4) against a scripted server: an echo with
//! another value, records over the negotiated limit (in the server's flight, after the
//! handshake, too long to decrypt), and resumption, where the session's limit holds
//! whether or not the server echoes it.

mod client_script;

use std::sync::Arc;

use client_script::*;
use lucid_core::internal::msgs::enums::{AlertDescription as AD, ContentType, MaxFragmentLength};
use lucid_core::internal::msgs::extensions::ServerExtension;
use lucid_core::session::MemoryClientSessionStore;
use lucid_core::{ClientSessionStore, Error, PeerMisbehaved as PM};

const M512: MaxFragmentLength = MaxFragmentLength::LEN_512;

fn opts512() -> Opts {
    Opts {
        mfl: Some(M512),
        ..Opts::v(V12)
    }
}

#[test]
fn an_echo_with_another_value_is_illegal_parameter() {
    for (offered, got) in [
        (M512, MaxFragmentLength::LEN_1024),
        (MaxFragmentLength::LEN_4096, M512),
        (M512, MaxFragmentLength(0)),
        (M512, MaxFragmentLength(7)),
    ] {
        let mut s = Script::new(Opts {
            mfl: Some(offered),
            ..Opts::v(V12)
        });
        let mut sh = s.server_hello(V12);
        for e in &mut sh.extensions {
            if let ServerExtension::MaxFragmentLength(v) = e {
                *v = got;
            }
        }
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::MaxFragmentLengthMismatch { offered, got }),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn the_limit_holds_from_the_record_after_the_server_hello() {
    // ServerHello alone, then the Certificate in one record: over the limit.
    let mut s = Script::new(opts512());
    let sh = s.server_hello(V12);
    let hello = s.hello_msg(&sh);
    let mut bytes = s.record(ContentType::HANDSHAKE, &hello);
    let certificate = s.certificate();
    assert!(certificate.len() > 512);
    bytes.extend(s.record(ContentType::HANDSHAKE, &certificate));
    assert!(certificate.len() > 512 + 320);
    let res = s.feed(&bytes);
    // Refused from its header: longer than any record within the limit can be.
    s.fails_plain(
        res,
        Error::RecordOverflow {
            len: certificate.len(),
            max: 512 + 320,
        },
        V12,
        AD::RECORD_OVERFLOW,
    );

    // 600 bytes of it: read, then refused for its plaintext.
    let mut s = Script::new(opts512());
    let sh = s.server_hello(V12);
    let hello = s.hello_msg(&sh);
    let mut bytes = s.record(ContentType::HANDSHAKE, &hello);
    let certificate = s.certificate();
    bytes.extend(s.record(ContentType::HANDSHAKE, &certificate[..600]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::RecordOverflow { len: 600, max: 512 },
        V12,
        AD::RECORD_OVERFLOW,
    );

    // The same flight cut at 512 bytes goes through, and so does the handshake.
    let mut s = Script::new(opts512());
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    hs.extend(s.certificate());
    hs.extend(s.done());
    let bytes: Vec<u8> = hs
        .chunks(512)
        .flat_map(|c| s.record(ContentType::HANDSHAKE, c))
        .collect();
    s.feed(&bytes).unwrap();
    s.expect_client_flight(false);
    let fin = s.server_finish();
    s.feed(&fin).unwrap();
    assert_eq!(
        s.client.negotiated().unwrap().max_fragment_length,
        Some(M512)
    );
}

#[test]
fn application_data_over_the_limit_is_record_overflow() {
    let mut s = Script::new(opts512());
    s.handshake();
    // At the limit: delivered.
    let ok = s.record(ContentType::APPLICATION_DATA, &[0x61; 512]);
    s.feed(&ok).unwrap();
    assert_eq!(s.app_in, [0x61; 512]);
    // One byte more: decrypted (it is within what RFC 6066 lets through), then refused.
    let over = s.record(ContentType::APPLICATION_DATA, &[0x62; 513]);
    let res = s.feed(&over);
    s.fails_sealed(
        res,
        Error::RecordOverflow { len: 513, max: 512 },
        AD::RECORD_OVERFLOW,
    );
}

#[test]
fn a_record_too_long_to_be_within_the_limit_is_refused_before_decryption() {
    let mut s = Script::new(opts512());
    s.handshake();
    // Header only: 512 + 320 + 1 bytes announced.
    let header = [23, 3, 3, 0x03, 0x41];
    let res = s.feed(&header);
    s.fails_sealed(
        res,
        Error::RecordOverflow {
            len: 0x341,
            max: 512 + 320,
        },
        AD::RECORD_OVERFLOW,
    );
}

#[test]
fn the_client_sends_records_within_the_limit() {
    let mut s = Script::new(opts512());
    s.handshake();
    let data = vec![0x33u8; 1500];
    let mut written = 0;
    let mut lens = Vec::new();
    while written < data.len() {
        written += s
            .client
            .write_plaintext(&data[written..], &mut s.crng)
            .unwrap();
        lens.extend(s.drain().iter().map(|r| r.plain.len()));
    }
    assert_eq!(lens, [512, 512, 476]);
}

/// A full handshake asking for 512 that leaves a session in `store`; the master secret.
fn session_with_512(
    store: &Arc<MemoryClientSessionStore>,
) -> lucid_core::internal::crypto::keys::MasterSecret {
    let mut s = Script::with_seed(
        Opts {
            store: Some(store.clone()),
            ..opts512()
        },
        11,
    );
    s.handshake();
    assert_eq!(
        store.get("localhost").unwrap().max_fragment_length,
        Some(M512)
    );
    s.master.clone().unwrap()
}

#[test]
fn a_resumed_session_keeps_its_limit_echoed_or_not() {
    for echo in [true, false] {
        let store = Arc::new(MemoryClientSessionStore::default());
        let master = session_with_512(&store);
        let mut s = Script::with_seed(
            Opts {
                store: Some(store.clone()),
                ..opts512()
            },
            12,
        );
        assert_eq!(s.hello.session_id.as_slice(), [0x5a; 32]);
        let mut sh = s.server_hello(V12);
        if !echo {
            sh.extensions
                .retain(|e| !matches!(e, ServerExtension::MaxFragmentLength(_)));
        }
        let hello = s.hello_msg(&sh);
        s.derive_keys(master.clone());
        let mut bytes = s.record(ContentType::HANDSHAKE, &hello);
        bytes.extend(s.server_finish());
        s.feed(&bytes).unwrap();
        s.drain();
        let n = s.client.negotiated().unwrap();
        assert!(n.resumed);
        assert_eq!(n.max_fragment_length, Some(M512), "echo: {echo}");
        // RFC 6066 §4: the session's limit, for the resumption too.
        let over = s.record(ContentType::APPLICATION_DATA, &[0; 513]);
        let res = s.feed(&over);
        s.fails_sealed(
            res,
            Error::RecordOverflow { len: 513, max: 512 },
            AD::RECORD_OVERFLOW,
        );
    }
}
