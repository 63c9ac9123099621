//! ALPN (RFC 7301) between lucid's client and server: the server's preference decides, on
//! every version; no common protocol is no_application_protocol; a side without a list
//! negotiates nothing; resumed handshakes negotiate afresh; malformed lists from a
//! (scripted) client are decode_error; a configured name that cannot be sent is a misuse.

mod pair_common;

use core::time::Duration;
use std::sync::Arc;

use lucid_core::internal::codec::InvalidMessage;
use lucid_core::internal::msgs::enums::{AlertDescription, ExtensionType};
use lucid_core::internal::msgs::extensions::{ClientExtension, ServerExtension};
use lucid_core::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::x509::pki_types::ServerName;
use lucid_core::{ClientConnection, Error, HandshakeStep, PeerIncompatible, ServerConnection};
use pair_common::*;

fn names(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|n| n.as_bytes().to_vec()).collect()
}

/// A handshake with these ALPN lists (client offers `client`, server speaks `server`) at
/// `v`; both sides' results.
fn pair(v: lucid_core::ProtocolVersion, client: &[&str], server: &[&str]) -> Pair {
    let mut cc = client_config(v, v);
    cc.alpn_protocols = names(client);
    let mut sc = server_config(V10, V12);
    sc.alpn_protocols = names(server);
    let mut p = Pair::new(cc, sc, 5);
    let _ = p.handshake();
    p
}

/// The ALPN extension of the ServerHello the server sent (in its first record), if any.
fn server_hello_alpn(p: &Pair) -> Option<ServerExtension> {
    let len = usize::from(u16::from_be_bytes([p.s2c_log[3], p.s2c_log[4]]));
    server_hello_of(&p.s2c_log[..5 + len])
        .find_extension(ExtensionType::ALPN)
        .cloned()
}

#[test]
fn the_server_preference_decides_on_every_version() {
    // (client's list, server's list, agreed)
    let cases: [(&[&str], &[&str], &str); 5] = [
        (&["http/1.1"], &["http/1.1"], "http/1.1"),
        (&["h2", "http/1.1"], &["http/1.1", "h2"], "http/1.1"),
        (&["http/1.1", "h2"], &["h2", "http/1.1"], "h2"),
        (&["a", "b", "c"], &["x", "c", "b"], "c"),
        (&["spdy/3", "http/1.1"], &["h2", "http/1.1"], "http/1.1"),
    ];
    for v in VERSIONS {
        for (client, server, agreed) in cases {
            let mut p = pair(v, client, server);
            assert_eq!((&p.client_err, &p.server_err), (&None, &None), "{v}");
            let want = Some(agreed.as_bytes());
            assert_eq!(p.client.alpn_protocol(), want, "{v} {client:?} {server:?}");
            assert_eq!(p.server.alpn_protocol(), want, "{v} {client:?} {server:?}");
            let (c, s) = (
                p.client.negotiated().unwrap(),
                p.server.negotiated().unwrap(),
            );
            assert_eq!(c.alpn_protocol.as_deref(), want);
            assert_eq!(c, s, "both sides agree");
            assert_eq!(
                server_hello_alpn(&p),
                Some(ServerExtension::Alpn(agreed.as_bytes().to_vec()))
            );
            p.exercise();
        }
    }
}

#[test]
fn a_side_without_a_list_negotiates_nothing() {
    for (client, server) in [
        (&["http/1.1"][..], &[][..]),
        (&[], &["http/1.1"]),
        (&[], &[]),
    ] {
        let mut p = pair(V12, client, server);
        assert_eq!((&p.client_err, &p.server_err), (&None, &None));
        assert_eq!(p.client.alpn_protocol(), None);
        assert_eq!(p.server.alpn_protocol(), None);
        assert_eq!(server_hello_alpn(&p), None, "{client:?} {server:?}");
        p.exercise();
    }
}

#[test]
fn no_common_protocol_is_no_application_protocol() {
    for v in VERSIONS {
        // Names are bytes: no case folding.
        let p = pair(v, &["h2", "HTTP/1.1"], &["http/1.1", "spdy/3"]);
        assert_eq!(
            p.server_err,
            Some(Error::PeerIncompatible(
                PeerIncompatible::NoApplicationProtocol {
                    offered: names(&["h2", "HTTP/1.1"]),
                }
            ))
        );
        // The server's only answer is the fatal alert, in the record version of a hello.
        assert_eq!(
            p.s2c_log,
            alert(V10, AlertDescription::NO_APPLICATION_PROTOCOL)
        );
        assert_eq!(
            p.s2c_log,
            [21, 3, 1, 0, 2, 2, 120],
            "no_application_protocol(120)"
        );
        let Some(Error::AlertReceived {
            description,
            step: Some(step),
        }) = &p.client_err
        else {
            panic!("{v}: {:?}", p.client_err);
        };
        assert_eq!(*description, AlertDescription::NO_APPLICATION_PROTOCOL);
        assert!(matches!(step, HandshakeStep::ClientHelloSent { .. }));
        assert_eq!(
            p.client_err.as_ref().unwrap().to_string(),
            "the server sent fatal alert no_application_protocol in answer to our ClientHello: \
             the server speaks none of the application protocols offered in ALPN"
        );
    }
    assert_eq!(
        PeerIncompatible::NoApplicationProtocol {
            offered: vec![b"h2".to_vec(), vec![0xfe, 0x00]],
        }
        .to_string(),
        "the client offers no application protocol this server speaks (ALPN; offered: h2, \\xfe\\x00)"
    );
}

#[test]
fn resumption_negotiates_afresh() {
    let cstore = Arc::new(MemoryClientSessionStore::default());
    let sstore = Arc::new(MemoryServerSessionStore::new(8, Duration::from_secs(600)));
    let connect = |client: &[&str], server: &[&str], seed: u64| {
        let mut cc = client_config(V12, V12);
        cc.alpn_protocols = names(client);
        cc.session_store = Some(cstore.clone());
        let mut sc = server_config(V10, V12);
        sc.alpn_protocols = names(server);
        sc.session_store = Some(sstore.clone());
        let mut p = Pair::at_time(Arc::new(cc), Arc::new(sc), seed, "localhost", now());
        let _ = p.handshake();
        p
    };
    let mut first = connect(&["http/1.1"], &["http/1.1"], 1);
    assert!(!first.client.negotiated().unwrap().resumed);
    assert_eq!(first.client.alpn_protocol(), Some(&b"http/1.1"[..]));
    first.exercise();

    // Each later connection resumes that session and agrees on what its own hellos say,
    // not on what the first connection had.
    let cases: [(&[&str], &[&str], Option<&str>); 4] = [
        (&["h2", "http/1.1"], &["h2", "http/1.1"], Some("h2")),
        (&[], &["http/1.1"], None),
        (&["http/1.1"], &[], None),
        (&["http/1.1"], &["http/1.1"], Some("http/1.1")),
    ];
    for (i, (client, server, agreed)) in cases.into_iter().enumerate() {
        let mut p = connect(client, server, 10 + i as u64);
        assert_eq!((&p.client_err, &p.server_err), (&None, &None), "{i}");
        let (c, s) = (
            p.client.negotiated().unwrap(),
            p.server.negotiated().unwrap(),
        );
        assert!(c.resumed && s.resumed, "{i}: resumed");
        assert_eq!(c, s);
        assert_eq!(c.alpn_protocol.as_deref(), agreed.map(str::as_bytes), "{i}");
        assert_eq!(
            server_hello_alpn(&p),
            agreed.map(|a| ServerExtension::Alpn(a.as_bytes().to_vec()))
        );
        p.exercise();
    }

    // No common protocol on a resumption attempt: no_application_protocol as well.
    let p = connect(&["h2"], &["http/1.1"], 20);
    assert!(matches!(
        p.server_err,
        Some(Error::PeerIncompatible(
            PeerIncompatible::NoApplicationProtocol { .. }
        ))
    ));
    assert_eq!(
        p.s2c_log,
        alert(V10, AlertDescription::NO_APPLICATION_PROTOCOL)
    );
}

#[test]
fn malformed_client_lists_are_decode_errors() {
    // (extension body, the decode error)
    let cases: [(&[u8], InvalidMessage); 6] = [
        (b"", InvalidMessage::MissingData("protocol_name_list")),
        (b"\x00\x00", InvalidMessage::EmptyList("protocol_name_list")),
        (
            b"\x00\x01\x00",
            InvalidMessage::MissingData("protocol_name_list"),
        ),
        (
            b"\x00\x02\x00\x00",
            InvalidMessage::EmptyList("ProtocolName"),
        ),
        (
            b"\x00\x04\x02h2\x00",
            InvalidMessage::EmptyList("ProtocolName"),
        ),
        (
            b"\x00\x03\x04h2",
            InvalidMessage::MissingData("ProtocolName"),
        ),
    ];
    for (data, err) in cases {
        for alpn in [&[][..], &["http/1.1"][..]] {
            let mut config = server_config(V10, V12);
            config.alpn_protocols = names(alpn);
            let (mut s, mut rng) = server(config, 3);
            let mut c = scripted(3, V12, &rsa_kx_suites_for(V12), true, true);
            c.hello.extensions.push(ClientExtension::Unknown {
                typ: ExtensionType::ALPN,
                data: data.to_vec(),
            });
            let res = feed(&mut s, &mut rng, &c.client_hello());
            assert_fails(
                &mut s,
                res,
                &Error::InvalidMessage(err),
                &alert(V10, AlertDescription::DECODE_ERROR),
            );
        }
    }
}

#[test]
fn a_well_formed_list_from_a_scripted_client_is_answered() {
    // Names are opaque bytes: a non-ASCII one is matched like any other.
    let mut config = server_config(V10, V12);
    config.alpn_protocols = vec![vec![0xff, 0x00], b"http/1.1".to_vec()];
    let (mut s, mut rng) = server(config, 3);
    let mut c = scripted(3, V12, &rsa_kx_suites_for(V12), true, true);
    c.hello.extensions.push(ClientExtension::Alpn(vec![
        b"h2".to_vec(),
        vec![0xff, 0x00],
    ]));
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    let sh = server_hello_of(&drain(&mut s));
    assert_eq!(
        sh.find_extension(ExtensionType::ALPN),
        Some(&ServerExtension::Alpn(vec![0xff, 0x00]))
    );
}

#[test]
fn names_that_cannot_be_sent_are_a_misuse() {
    let misuse =
        Error::Misuse("alpn_protocols: every protocol name must be 1 to 255 bytes (RFC 7301)");
    for bad in [vec![Vec::new()], vec![b"h2".to_vec(), vec![b'x'; 256]]] {
        let mut cc = client_config(V12, V12);
        cc.alpn_protocols = bad.clone();
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
        let res = ClientConnection::new(
            Arc::new(cc),
            ServerName::try_from("localhost").unwrap(),
            now(),
            &mut rng,
        );
        assert_eq!(res.err(), Some(misuse.clone()));
        let mut sc = server_config(V12, V12);
        sc.alpn_protocols = bad;
        assert_eq!(
            ServerConnection::new(Arc::new(sc)).err(),
            Some(misuse.clone())
        );
    }
    // 255 bytes is the longest name, and it is negotiated.
    let long = "x".repeat(255);
    let mut p = pair(V12, &[&long], &[&long]);
    assert_eq!(p.client.alpn_protocol(), Some(long.as_bytes()));
    p.exercise();
}
