//! The client against a scripted server (`client_script`): session-ID resumption (accepted,
//! refused with different parameters, declined), and what may follow the handshake
//! (records after close_notify, early application data, HelloRequest).

mod client_script;

use std::sync::Arc;

use client_script::*;
use lucid_core::ClientSessionStore;
use lucid_core::internal::crypto::keys::MasterSecret;
use lucid_core::internal::msgs::enums::{AlertDescription as AD, ContentType};
use lucid_core::internal::msgs::extensions::ServerExtension;
use lucid_core::internal::msgs::handshake::{HandshakePayload, ServerHelloPayload, SessionId};
use lucid_core::session::MemoryClientSessionStore;
use lucid_core::{Error, PeerMisbehaved as PM};

// ======================================================================================
// Session-ID resumption
// ======================================================================================

/// A full handshake that leaves a session in `store`; returns the server's master secret.
fn full_handshake_into(store: &Arc<MemoryClientSessionStore>, opts: Opts) -> MasterSecret {
    let mut s = Script::with_seed(
        Opts {
            store: Some(store.clone()),
            ..opts
        },
        11,
    );
    assert!(s.hello.session_id.is_empty());
    s.handshake();
    let cached = store.get("localhost").expect("session cached");
    assert_eq!(cached.session_id.as_slice(), [0x5a; 32]);
    assert_eq!(
        cached.master_secret.as_bytes(),
        s.master.as_ref().unwrap().as_bytes()
    );
    s.master.clone().unwrap()
}

impl Script {
    /// The server resumes: ServerHello echoing the session id, CCS, Finished.
    fn resume_flight(&mut self, sh: &ServerHelloPayload, master: MasterSecret) -> Vec<u8> {
        let hello = self.hello_msg(sh);
        self.derive_keys(master);
        let mut bytes = self.record(ContentType::HANDSHAKE, &hello);
        bytes.extend(self.server_finish());
        bytes
    }
}

#[test]
fn resumption_abbreviated_handshake() {
    for (v, ext) in [(V10, true), (V12, true), (V12, false)] {
        let opts = Opts::v(v).ext(ext);
        let store = Arc::new(MemoryClientSessionStore::default());
        let master = full_handshake_into(&store, opts.clone());

        let mut s = Script::with_seed(
            Opts {
                store: Some(store.clone()),
                ..opts
            },
            12,
        );
        assert_eq!(
            s.hello.session_id.as_slice(),
            [0x5a; 32],
            "offers the session"
        );
        let sh = s.server_hello(v);
        let bytes = s.resume_flight(&sh, master);
        s.feed(&bytes).unwrap();
        // the client's CCS and Finished come last, over CH + SH + server Finished
        let sent = s.drain();
        let kinds: Vec<_> = sent.iter().map(|r| (r.typ, r.plain[0])).collect();
        assert_eq!(
            kinds,
            [
                (ContentType::CHANGE_CIPHER_SPEC, 1),
                (ContentType::HANDSHAKE, 20)
            ]
        );
        assert!(s.peer_finished);
        let n = s.client.negotiated().unwrap();
        assert!(n.resumed);
        // RFC 7366 §3: no encrypt-then-MAC with an AEAD suite (TLS 1.2 picks AES-GCM).
        let cbc = lucid_core::internal::crypto::suites::lookup(n.suite)
            .unwrap()
            .can_encrypt_then_mac();
        assert_eq!(
            (n.version, n.extended_master_secret, n.encrypt_then_mac),
            (v, ext, ext && cbc)
        );
        let rec = s.record(ContentType::APPLICATION_DATA, b"resumed");
        s.feed(&rec).unwrap();
        assert_eq!(s.app_in, b"resumed");
    }
}

#[test]
fn resumption_with_different_parameters_is_refused() {
    // (original session's options, edit of the resuming ServerHello)
    type Edit = fn(&mut ServerHelloPayload);
    let cases: [(Opts, Edit); 3] = [
        // another suite than the session's
        (Opts::range(V10, V12), |sh| sh.cipher_suite = AES256_SHA),
        // another version than the session's
        (Opts::range(V10, V12), |sh| sh.server_version = V11),
        // EMS dropped (RFC 7627 §5.3)
        (Opts::range(V10, V12), |sh| {
            sh.extensions
                .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
        }),
    ];
    for (opts, edit) in cases {
        let store = Arc::new(MemoryClientSessionStore::default());
        // the original session: TLS 1.2, AES128-SHA (first suite offered), EMS
        let mut first = opts.clone();
        first.suites = vec![AES128_SHA, AES256_SHA];
        full_handshake_into(&store, first.clone());
        let mut s = Script::with_seed(
            Opts {
                store: Some(store.clone()),
                ..first
            },
            12,
        );
        let mut sh = s.server_hello_with(V12, AES128_SHA);
        edit(&mut sh);
        let hello = s.hello_msg(&sh);
        let rec = s.record(ContentType::HANDSHAKE, &hello);
        let res = s.feed(&rec);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::ResumptionMismatch),
            sh.server_version,
            AD::ILLEGAL_PARAMETER,
        );
        // the suspect session is forgotten, so the next connection does a full handshake
        assert!(store.is_empty());
    }
}

#[test]
fn resumption_declined_falls_back_to_a_full_handshake() {
    let store = Arc::new(MemoryClientSessionStore::default());
    full_handshake_into(&store, Opts::v(V12));
    let mut s = Script::with_seed(
        Opts {
            store: Some(store.clone()),
            ..Opts::v(V12)
        },
        12,
    );
    assert_eq!(s.hello.session_id.as_slice(), [0x5a; 32]);
    let mut sh = s.server_hello(V12);
    sh.session_id = SessionId::new(&[0x77; 32]).unwrap();
    s.handshake_with(&sh);
    assert!(!s.client.negotiated().unwrap().resumed);
    // the new session replaced the old one
    assert_eq!(
        store.get("localhost").unwrap().session_id.as_slice(),
        [0x77; 32]
    );
}

// ======================================================================================
// After the handshake
// ======================================================================================

#[test]
fn records_after_close_notify() {
    for typ in [
        ContentType::APPLICATION_DATA,
        ContentType::HANDSHAKE,
        ContentType::ALERT,
    ] {
        let mut s = Script::new(Opts::v(V12));
        s.handshake();
        let close = s.record(ContentType::ALERT, &[1, 0]);
        s.feed(&close).unwrap();
        assert!(s.client.peer_has_closed());
        let body: &[u8] = match typ {
            ContentType::HANDSHAKE => &[0, 0, 0, 0],
            ContentType::ALERT => &[1, 0],
            _ => b"late",
        };
        let rec = s.record(typ, body);
        let res = s.feed(&rec);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::DataAfterCloseNotify),
            AD::UNEXPECTED_MESSAGE,
        );
        assert!(s.app_in.is_empty());
    }
    // in the same read as the close_notify
    let mut s = Script::new(Opts::v(V10));
    s.handshake();
    let mut bytes = s.record(ContentType::APPLICATION_DATA, b"before");
    bytes.extend(s.record(ContentType::ALERT, &[1, 0]));
    bytes.extend(s.record(ContentType::APPLICATION_DATA, b"after"));
    let res = s.feed(&bytes);
    assert_eq!(s.app_in, b"before");
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::DataAfterCloseNotify),
        AD::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn application_data_before_finished() {
    // plaintext, right after the ServerHello
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let m = s.hello_msg(&sh);
    let mut bytes = s.record(ContentType::HANDSHAKE, &m);
    bytes.extend(s.record(ContentType::APPLICATION_DATA, b"early"));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::ApplicationDataBeforeFinished),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // before the ServerHello (record version of the ClientHello)
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::APPLICATION_DATA, V12, b"early");
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::ApplicationDataBeforeFinished),
        V10,
        AD::UNEXPECTED_MESSAGE,
    );
    // sealed, after the server's CCS, in place of its Finished
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        s.run_to_server_finish();
        let mut bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        s.sealing = true;
        bytes.extend(s.record(ContentType::APPLICATION_DATA, b"early"));
        let res = s.feed(&bytes);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::ApplicationDataBeforeFinished),
            AD::UNEXPECTED_MESSAGE,
        );
        assert!(s.app_in.is_empty());
    }
}

#[test]
fn hello_request_after_the_handshake_gets_a_no_renegotiation_warning() {
    for v in [V10, V11, V12] {
        let mut s = Script::new(Opts::v(v));
        s.handshake();
        let hr = s.hs(HandshakePayload::HelloRequest);
        assert_eq!(hr, [0, 0, 0, 0]);
        let rec = s.record(ContentType::HANDSHAKE, &hr);
        s.feed(&rec).unwrap();
        assert_eq!(
            s.drain(),
            [Sent {
                typ: ContentType::ALERT,
                version: v,
                plain: vec![1, 100],
            }]
        );
        // the connection carries on, both ways
        assert!(!s.client.is_handshaking());
        assert_eq!(s.client.error(), None);
        let rec = s.record(ContentType::APPLICATION_DATA, b"still here");
        s.feed(&rec).unwrap();
        assert_eq!(s.app_in, b"still here");
        assert_eq!(s.client.write_plaintext(b"ok", &mut s.crng), Ok(2));
        let sent: Vec<u8> = s.drain().into_iter().flat_map(|r| r.plain).collect();
        assert_eq!(sent, b"ok");
        assert!(s.client.received_warnings().is_empty());
    }
}

#[test]
fn repeated_hello_requests_are_refused_eight_times_then_the_connection_ends() {
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let hr = s.hs(HandshakePayload::HelloRequest);
    for _ in 0..8 {
        let rec = s.record(ContentType::HANDSHAKE, &hr);
        s.feed(&rec).unwrap();
        assert_eq!(s.drain().len(), 1, "one no_renegotiation warning each");
    }
    let rec = s.record(ContentType::HANDSHAKE, &hr);
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::Other("repeated renegotiation attempts")),
        AD::ILLEGAL_PARAMETER,
    );
}

#[test]
fn hello_request_during_the_handshake_is_ignored() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    let hr = s.hs(HandshakePayload::HelloRequest);
    hs.extend(&hr);
    hs.extend(s.certificate());
    hs.extend(s.done());
    let rec = s.record(ContentType::HANDSHAKE, &hs);
    s.feed(&rec).unwrap();
    // ... and kept out of the transcript: the Finished messages still agree
    s.expect_client_flight(false);
    // once more between the server's CCS and Finished, sealed
    let mut bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    s.sealing = true;
    bytes.extend(s.record(ContentType::HANDSHAKE, &hr));
    let verify = s.verify_data();
    let fin = s.hs(HandshakePayload::Finished(verify.to_vec()));
    bytes.extend(s.record(ContentType::HANDSHAKE, &fin));
    s.feed(&bytes).unwrap();
    assert!(!s.client.is_handshaking());
    assert!(s.drain().is_empty());
}
