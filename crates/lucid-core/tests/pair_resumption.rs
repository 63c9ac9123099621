//! Session-ID resumption between lucid's client and server: the abbreviated handshake, and
//! every reason to refuse it (version, suite, EMS state either way, server name, expiry,
//! eviction), each falling back to a fresh full handshake.

mod pair_common;

use core::time::Duration;
use std::sync::Arc;

use lucid_core::ServerConfig;
use lucid_core::internal::msgs::enums::{CipherSuite, ContentType, HandshakeType, ProtocolVersion};
use lucid_core::internal::msgs::handshake::{HandshakeMessage, HandshakePayload};
use lucid_core::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::{ClientConfig, ClientSession, ClientSessionStore};
use pair_common::*;

struct Setup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    cstore: Arc<MemoryClientSessionStore>,
    sstore: Arc<MemoryServerSessionStore>,
}

fn setup(min: ProtocolVersion, max: ProtocolVersion) -> Setup {
    let cstore = Arc::new(MemoryClientSessionStore::default());
    let sstore = Arc::new(MemoryServerSessionStore::new(16, Duration::from_secs(3600)));
    let mut cc = client_config(min, max);
    cc.session_store = Some(cstore.clone());
    let mut sc = server_config(V10, V12);
    sc.session_store = Some(sstore.clone());
    Setup {
        client: Arc::new(cc),
        server: Arc::new(sc),
        cstore,
        sstore,
    }
}

fn connect(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>, seed: u64) -> Pair {
    connect_at(client, server, seed, "localhost", NOW)
}

fn connect_at(
    client: &Arc<ClientConfig>,
    server: &Arc<ServerConfig>,
    seed: u64,
    name: &str,
    time: u64,
) -> Pair {
    let mut p = Pair::at_time(client.clone(), server.clone(), seed, name, at(time));
    p.handshake().unwrap();
    p
}

fn resumed(p: &Pair) -> bool {
    let c = p.client.negotiated().unwrap();
    let s = p.server.negotiated().unwrap();
    assert_eq!(c, s, "both sides agree");
    c.resumed
}

#[test]
fn second_connection_resumes_every_version_and_suite() {
    for v in VERSIONS {
        for suite in suites_for(v) {
            for ems in [true, false] {
                let mut s = setup(v, v);
                let mut cc = (*s.client).clone();
                cc.cipher_suites = vec![suite];
                cc.offer_extended_master_secret = ems;
                s.client = Arc::new(cc);
                let mut first = connect(&s.client, &s.server, 1);
                assert!(!resumed(&first));
                let id = first.server.negotiated().unwrap().session_id;
                assert_eq!(id.len(), 32, "32-byte ids when a cache is configured");
                first.exercise();
                assert_eq!(s.sstore.len(), 1);

                let mut second = connect(&s.client, &s.server, 2);
                assert!(resumed(&second), "{v} {suite} ems {ems}");
                let n = second.server.negotiated().unwrap();
                assert_eq!(n.session_id, id);
                assert_eq!(
                    (n.version, n.suite, n.extended_master_secret),
                    (v, suite, ems)
                );
                second.exercise();
            }
        }
    }
}

/// The resumed session's suite decides the PRF, not the server's preference: a session
/// made with TLS_RSA_WITH_AES_256_GCM_SHA384 (SHA-384 PRF and handshake hash) resumes as
/// such although a full handshake with the same offer gets the SHA-256 AES-128-GCM suite
/// (the server's first) — and a SHA-256 session resumes on a server that prefers SHA-384.
#[test]
fn resumption_keeps_the_sessions_prf() {
    let sha256 = CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256;
    let sha384 = CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384;
    for (server_order, session_suite, full_suite) in [
        (suites_for(V12), sha384, sha256),
        (vec![sha384, sha256], sha256, sha384),
    ] {
        let mut s = setup(V12, V12);
        let mut sc = (*s.server).clone();
        sc.cipher_suites = server_order;
        s.server = Arc::new(sc);
        let mut cc = (*s.client).clone();
        cc.cipher_suites = vec![session_suite];
        let mut first = connect(&Arc::new(cc.clone()), &s.server, 1);
        assert_eq!(first.server.negotiated().unwrap().suite, session_suite);
        first.exercise();

        // The same store, now offering both suites.
        cc.cipher_suites = vec![sha256, sha384];
        let mut second = connect(&Arc::new(cc.clone()), &s.server, 2);
        assert!(resumed(&second), "{session_suite}");
        assert_eq!(second.server.negotiated().unwrap().suite, session_suite);
        second.exercise();

        // Without a session to resume, the same offer gets the server's first choice.
        cc.session_store = None;
        let third = connect(&Arc::new(cc), &s.server, 3);
        assert!(!resumed(&third));
        assert_eq!(third.server.negotiated().unwrap().suite, full_suite);
    }
}

#[test]
fn abbreviated_flight_shape() {
    let s = setup(V12, V12);
    connect(&s.client, &s.server, 1);
    let mut p = Pair::at_time(s.client.clone(), s.server.clone(), 2, "localhost", at(NOW));
    p.c2s();
    let flight = p.server.pending_tls().to_vec();
    let recs = records(&flight);
    // ServerHello, then CCS, then the encrypted Finished: no Certificate.
    assert_eq!(recs.len(), 3);
    let msgs = handshake_messages(&flight[..5 + recs[0].1.len()]);
    assert_eq!(msgs.len(), 1);
    assert_eq!(hs_type(&msgs[0]), HandshakeType::SERVER_HELLO);
    let HandshakePayload::ServerHello(sh) = HandshakeMessage::read_versioned(&msgs[0], V12)
        .unwrap()
        .payload
    else {
        panic!()
    };
    let ext: Vec<&str> = sh
        .extensions
        .iter()
        .map(|e| e.ext_type().name().unwrap())
        .collect();
    // No server_name acknowledgement on resumption (RFC 6066 §3), and no encrypt_then_mac
    // for the session's AES-GCM suite (RFC 7366 §3).
    assert_eq!(ext, ["renegotiation_info", "extended_master_secret"]);
    assert_eq!(recs[1].1, [1]);
    p.handshake().unwrap();
    assert!(resumed(&p));
}

#[test]
fn no_cache_means_empty_ids_and_no_resumption() {
    let cstore = Arc::new(MemoryClientSessionStore::default());
    let mut cc = client_config(V12, V12);
    cc.session_store = Some(cstore.clone());
    let cc = Arc::new(cc);
    let sc = Arc::new(server_config(V12, V12));
    let p = connect(&cc, &sc, 1);
    assert!(p.server.negotiated().unwrap().session_id.is_empty());
    assert!(cstore.is_empty(), "nothing to remember");
    let p = connect(&cc, &sc, 2);
    assert!(!resumed(&p));
}

/// The first connection with `first`, the second with `second` sharing the same server
/// cache; returns whether the second resumed and checks the client then holds a session
/// for the new connection.
fn resume_with(
    s: &Setup,
    second_server: ServerConfig,
    second_client: Option<ClientConfig>,
) -> bool {
    connect(&s.client, &s.server, 1);
    let mut sc = second_server;
    sc.session_store = Some(s.sstore.clone());
    let cc = match second_client {
        Some(mut c) => {
            c.session_store = Some(s.cstore.clone());
            Arc::new(c)
        }
        None => s.client.clone(),
    };
    let mut p = connect(&cc, &Arc::new(sc), 2);
    let r = resumed(&p);
    let new_id = p.server.negotiated().unwrap().session_id;
    let held = s.cstore.get("localhost").unwrap();
    assert_eq!(
        held.session_id, new_id,
        "client remembers the latest session"
    );
    p.exercise();
    r
}

#[test]
fn refused_on_version_mismatch() {
    // The session is TLS 1.2; the server (same cache) now stops at 1.1.
    let s = setup(V10, V12);
    assert!(!resume_with(&s, server_config(V10, V11), None));
}

#[test]
fn refused_on_suite_mismatch() {
    let s = setup(V12, V12);
    // The suite the first handshake picked: the server's first preference that its RSA
    // certificate serves.
    let first_suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    let mut sc = server_config(V12, V12);
    sc.cipher_suites.retain(|c| *c != first_suite);
    assert!(!resume_with(&s, sc, None));
}

#[test]
fn refused_when_session_used_ems_and_new_hello_does_not() {
    // RFC 7627 §5.3, first bullet the other way round: the original used EMS, the new
    // handshake (server no longer accepting it) would not.
    let s = setup(V12, V12);
    let mut sc = server_config(V12, V12);
    sc.accept_extended_master_secret = false;
    assert!(!resume_with(&s, sc, None));
}

#[test]
fn refused_when_session_lacked_ems_and_new_hello_has_it() {
    // The original session had no EMS (the server did not accept it). lucid's client would
    // not offer such a session while offering EMS, so a store that misreports the EMS
    // state makes it offer anyway: the server must still refuse (RFC 7627 §5.3).
    let s = setup(V12, V12);
    let mut sc = server_config(V12, V12);
    sc.accept_extended_master_secret = false;
    sc.session_store = Some(s.sstore.clone());
    let sc = Arc::new(sc);
    let p = connect(&s.client, &sc, 1);
    assert!(!p.server.negotiated().unwrap().extended_master_secret);

    #[derive(Debug)]
    struct Liar(Arc<MemoryClientSessionStore>);
    impl ClientSessionStore for Liar {
        fn put(&self, name: &str, session: ClientSession) {
            self.0.put(name, session);
        }
        fn get(&self, name: &str) -> Option<ClientSession> {
            self.0.get(name).map(|mut s| {
                s.extended_master_secret = true;
                s
            })
        }
        fn remove(&self, name: &str) {
            self.0.remove(name);
        }
    }
    let mut cc = client_config(V12, V12);
    cc.session_store = Some(Arc::new(Liar(s.cstore.clone())));
    let cc = Arc::new(cc);
    let mut p2 = Pair::at_time(cc, s.server.clone(), 2, "localhost", at(NOW));
    p2.c2s();
    // The client did offer the old id...
    let hello = HandshakeMessage::read_versioned(&handshake_messages(&p2.c2s_log)[0], V12).unwrap();
    let HandshakePayload::ClientHello(ch) = hello.payload else {
        panic!()
    };
    assert_eq!(ch.session_id, p.server.negotiated().unwrap().session_id);
    // ...and the server started a full handshake with a fresh one.
    p2.handshake().unwrap();
    assert!(!resumed(&p2));
    assert!(p2.server.negotiated().unwrap().extended_master_secret);
    assert_ne!(p2.server.negotiated().unwrap().session_id, ch.session_id);
}

#[test]
fn refused_for_another_server_name() {
    let s = setup(V12, V12);
    connect_at(&s.client, &s.server, 1, "localhost", NOW);
    // A client store keyed by name never offers it for another name; forge the offer by
    // copying the session under the other name.
    let session = s.cstore.get("localhost").unwrap();
    s.cstore.put("other.test", session.clone());
    let mut p = Pair::at_time(s.client.clone(), s.server.clone(), 2, "other.test", at(NOW));
    // The chain is for localhost: verification would fail, so only look at the ServerHello.
    p.c2s();
    let msgs = handshake_messages(p.server.pending_tls());
    assert_eq!(
        hs_type(&msgs[1]),
        HandshakeType::CERTIFICATE,
        "full handshake"
    );
    let HandshakePayload::ServerHello(sh) = HandshakeMessage::read_versioned(&msgs[0], V12)
        .unwrap()
        .payload
    else {
        panic!()
    };
    assert_ne!(sh.session_id, session.session_id);
    assert_eq!(p.server.sni(), Some("other.test"));
}

#[test]
fn refused_after_expiry() {
    let s = setup(V12, V12);
    connect_at(&s.client, &s.server, 1, "localhost", NOW);
    let p = connect_at(&s.client, &s.server, 2, "localhost", NOW + 3599);
    assert!(resumed(&p));
    let p = connect_at(&s.client, &s.server, 3, "localhost", NOW + 3600 + 3599);
    assert!(!resumed(&p), "the cache entry from NOW expired");
}

#[test]
fn refused_after_eviction() {
    let s = setup(V12, V12);
    connect(&s.client, &s.server, 1);
    // Sixteen other clients fill the cache.
    for i in 0..16u64 {
        let other = Arc::new({
            let mut c = client_config(V12, V12);
            c.session_store = Some(Arc::new(MemoryClientSessionStore::default()));
            c
        });
        connect(&other, &s.server, 100 + i);
    }
    assert_eq!(s.sstore.len(), 16);
    let p = connect(&s.client, &s.server, 2);
    assert!(!resumed(&p));
    let p = connect(&s.client, &s.server, 3);
    assert!(resumed(&p), "the fresh session resumes");
}

#[test]
fn resumed_connection_keys_differ() {
    // Same master secret, fresh randoms: the record keys (and so the bytes) differ.
    let s = setup(V12, V12);
    let mut a = connect(&s.client, &s.server, 1);
    let mut b = connect(&s.client, &s.server, 2);
    assert!(resumed(&b));
    let mut buf = [0u8; 64];
    a.record = true;
    b.record = true;
    let (la, lb) = (a.c2s_log.len(), b.c2s_log.len());
    a.send_c2s(b"same plaintext", &mut buf);
    b.send_c2s(b"same plaintext", &mut buf);
    assert_ne!(a.c2s_log[la..], b.c2s_log[lb..]);
}

/// A scripted client offering the session `p` established (same version and server name),
/// with EMS and the suites as given.
fn offer_session(p: &Pair, ems: bool, suites: &[CipherSuite], seed: u64) -> Scripted {
    let n = p.server.negotiated().unwrap();
    let mut c = scripted(seed, n.version, suites, ems, true);
    c.hello.session_id = n.session_id;
    c
}

/// RFC 7627 §5.3: "If the original session used the extended_master_secret extension but
/// the new ClientHello does not contain it, the server MUST abort the abbreviated
/// handshake" — a fatal handshake_failure (§5.2), not a fallback to a full handshake.
#[test]
fn resuming_an_ems_session_without_ems_is_fatal() {
    let s = setup(V12, V12);
    let p = connect(&s.client, &s.server, 1);
    assert!(p.server.negotiated().unwrap().extended_master_secret);
    let mut c = offer_session(&p, false, &suites_for(V12), 3);
    let (mut srv, mut rng) = server((*s.server).clone(), 3);
    let res = feed(&mut srv, &mut rng, &c.client_hello());
    assert_fails(
        &mut srv,
        res,
        &lucid_core::PeerMisbehaved::ResumptionWithoutExtendedMasterSecret.into(),
        // fatal(2) handshake_failure(40), in a TLS 1.2 record (the version was chosen)
        &[21, 3, 3, 0, 2, 2, 40],
    );
    // Offered with EMS, the same session resumes.
    let mut c = offer_session(&p, true, &suites_for(V12), 4);
    let (mut srv, mut rng) = server((*s.server).clone(), 4);
    feed(&mut srv, &mut rng, &c.client_hello()).unwrap();
    // ServerHello, then ChangeCipherSpec and the (encrypted) Finished: read the first record.
    let flight = drain(&mut srv);
    let (_, first) = records(&flight).remove(0);
    let sh = server_hello_of(&record(ContentType::HANDSHAKE, V12, &first));
    assert_eq!(sh.session_id, p.server.negotiated().unwrap().session_id);
    assert_eq!(
        records(&flight)[1].0.typ,
        ContentType::CHANGE_CIPHER_SPEC,
        "abbreviated"
    );
}

/// RFC 7627 §5.3 the other way: a session without EMS offered with EMS falls back to a full
/// handshake (with a fresh session id), it is not an error.
#[test]
fn resuming_a_non_ems_session_with_ems_is_a_full_handshake() {
    let s = setup(V12, V12);
    let mut sc = (*s.server).clone();
    sc.accept_extended_master_secret = false;
    let sc = Arc::new(sc);
    let p = connect(&s.client, &sc, 1);
    assert!(!p.server.negotiated().unwrap().extended_master_secret);
    let mut c = offer_session(&p, true, &suites_for(V12), 3);
    let (mut srv, mut rng) = server((*s.server).clone(), 3);
    feed(&mut srv, &mut rng, &c.client_hello()).unwrap();
    let flight = drain(&mut srv);
    // A full ECDHE_RSA handshake: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone.
    assert_eq!(handshake_messages(&flight).len(), 4, "full handshake");
    let sh = server_hello_of(&flight);
    assert_ne!(sh.session_id, p.server.negotiated().unwrap().session_id);
}

/// RFC 5246 §7.4.1.2: a resuming ClientHello's cipher_suites "MUST include at least the
/// cipher_suite from that session"; without it: illegal_parameter (as OpenSSL's
/// SSL_R_REQUIRED_CIPHER_MISSING).
#[test]
fn resuming_without_the_sessions_suite_is_illegal_parameter() {
    let s = setup(V12, V12);
    let p = connect(&s.client, &s.server, 1);
    let suite = p.server.negotiated().unwrap().suite;
    let others: Vec<CipherSuite> = suites_for(V12)
        .into_iter()
        .filter(|x| *x != suite)
        .collect();
    let mut c = offer_session(&p, true, &others, 3);
    let (mut srv, mut rng) = server((*s.server).clone(), 3);
    let res = feed(&mut srv, &mut rng, &c.client_hello());
    assert_fails(
        &mut srv,
        res,
        &lucid_core::PeerMisbehaved::ResumptionSuiteNotOffered(suite).into(),
        // fatal(2) illegal_parameter(47)
        &[21, 3, 3, 0, 2, 2, 47],
    );
    // An unknown session id with the same suites is just a full handshake.
    let mut c = offer_session(&p, true, &others, 4);
    c.hello.session_id = lucid_core::internal::msgs::handshake::SessionId::new(&[7; 32]).unwrap();
    let (mut srv, mut rng) = server((*s.server).clone(), 4);
    feed(&mut srv, &mut rng, &c.client_hello()).unwrap();
    // A full ECDHE_RSA handshake (with a ServerKeyExchange).
    assert_eq!(handshake_messages(&drain(&mut srv)).len(), 4);
}
