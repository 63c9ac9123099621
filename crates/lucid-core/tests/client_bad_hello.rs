//! The client against a scripted server (`client_script`): the baseline that proves the
//! script right (full handshakes, application data both ways, close_notify), then a
//! misbehaving ServerHello.

mod client_script;

use client_script::*;
use lucid_core::internal::codec::InvalidMessage;
use lucid_core::internal::conn::DOWNGRADE_SENTINEL_TLS11;
use lucid_core::internal::msgs::enums::{
    AlertDescription as AD, CipherSuite, Compression, ContentType, ExtensionType, HandshakeType,
    ProtocolVersion,
};
use lucid_core::internal::msgs::extensions::{ClientExtension, ServerExtension};
use lucid_core::internal::msgs::handshake::{HandshakePayload, ServerHelloPayload};
use lucid_core::{Error, PeerIncompatible, PeerMisbehaved as PM};

// ======================================================================================
// Baseline: the script is right.
// ======================================================================================

#[test]
fn baseline_handshake_data_and_close_every_version_suite_and_extension_choice() {
    let cases = every_version_suite_ext();
    // 8 CBC (version, suite) pairs and TLS 1.2 AES-128-GCM and AES-256-GCM (SHA-384 PRF),
    // each with and without EMS/ETM.
    assert_eq!(cases.len(), 20);
    for (v, suite, ext) in cases {
        let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
        s.handshake();
        let n = s.client.negotiated().unwrap().clone();
        assert_eq!(n.version, v);
        assert_eq!(n.suite, suite);
        assert_eq!(n.extended_master_secret, ext);
        // RFC 7366 §3: encrypt-then-MAC never applies to an AEAD suite.
        let cbc = lucid_core::internal::crypto::suites::lookup(suite)
            .unwrap()
            .can_encrypt_then_mac();
        assert_eq!(n.encrypt_then_mac, ext && cbc);
        assert_eq!(n.session_id.as_slice(), [0x5a; 32]);
        assert!(!n.resumed);

        // client → server, with the 1/n-1 split on TLS 1.0 only
        let request = b"GET / HTTP/1.0\r\n\r\n";
        assert_eq!(
            s.client.write_plaintext(request, &mut s.crng),
            Ok(request.len())
        );
        let sent = s.drain();
        let lens: Vec<usize> = sent.iter().map(|r| r.plain.len()).collect();
        if v == V10 {
            assert_eq!(lens, [1, request.len() - 1], "{v} {suite}");
        } else {
            assert_eq!(lens, [request.len()], "{v} {suite}");
        }
        let joined: Vec<u8> = sent.iter().flat_map(|r| r.plain.clone()).collect();
        assert_eq!(joined, request);
        assert!(sent.iter().all(|r| r.typ == ContentType::APPLICATION_DATA));

        // server → client, two records in one read
        let mut resp = s.record(ContentType::APPLICATION_DATA, b"HTTP/1.0 200 OK\r\n\r\n");
        resp.extend(s.record(ContentType::APPLICATION_DATA, b"hello"));
        s.feed(&resp).unwrap();
        assert_eq!(s.app_in, b"HTTP/1.0 200 OK\r\n\r\nhello");

        // close_notify both ways, then a clean EOF
        let close = s.record(ContentType::ALERT, &[1, 0]);
        s.feed(&close).unwrap();
        assert!(s.client.peer_has_closed());
        s.client.send_close_notify(&mut s.crng);
        let sent = s.drain();
        assert_eq!(
            sent,
            [Sent {
                typ: ContentType::ALERT,
                version: v,
                plain: vec![1, 0]
            }]
        );
        assert_eq!(s.client.transport_eof(), Ok(()));
        assert!(s.client.received_warnings().is_empty());
        assert_eq!(s.client.error(), None);
    }
}

#[test]
fn baseline_is_reproducible_from_the_seed() {
    let run = |seed| {
        let mut s = Script::with_seed(Opts::v(V12), seed);
        let sh = s.server_hello(V12);
        let f1 = s.flight1(&sh);
        s.feed(&f1).unwrap();
        s.client.pending_tls().to_vec()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn baseline_over_a_version_range_and_fed_one_byte_at_a_time() {
    for v in [V10, V11, V12] {
        let mut s = Script::new(Opts::range(V10, V12));
        let sh = s.server_hello(v);
        if v < V12 {
            // a 1.2-capable server that negotiates lower must not carry the sentinel here
            assert_ne!(sh.random.0[24..], DOWNGRADE_SENTINEL_TLS11);
        }
        let f1 = s.flight1(&sh);
        for b in &f1 {
            s.feed(core::slice::from_ref(b)).unwrap();
        }
        s.expect_client_flight(false);
        let fin = s.server_finish();
        for b in &fin {
            s.feed(core::slice::from_ref(b)).unwrap();
        }
        assert_eq!(s.client.negotiated().unwrap().version, v);
    }
}

#[test]
fn baseline_each_handshake_message_in_its_own_record() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut bytes = Vec::new();
    for m in [s.hello_msg(&sh), s.certificate(), s.done()] {
        bytes.extend(s.record(ContentType::HANDSHAKE, &m));
    }
    s.feed(&bytes).unwrap();
    s.expect_client_flight(false);
    let fin = s.server_finish();
    s.feed(&fin).unwrap();
    assert!(!s.client.is_handshaking());
}

#[test]
fn certificate_request_is_answered_with_an_empty_certificate() {
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        let sh = s.server_hello(v);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.certificate());
        hs.extend(s.hs(HandshakePayload::CertificateRequest(cert_request(v))));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        s.feed(&rec).unwrap();
        s.expect_client_flight(true);
        let fin = s.server_finish();
        s.feed(&fin).unwrap();
        assert!(!s.client.is_handshaking());
    }
}

// ======================================================================================
// ServerHello
// ======================================================================================

#[test]
fn unsupported_version() {
    let cases = [
        (Opts::range(V10, V12), ProtocolVersion::SSLV3),
        (Opts::range(V10, V12), ProtocolVersion::TLSV1_3),
        (Opts::range(V10, V12), ProtocolVersion(0x0305)),
        (Opts::range(V10, V12), ProtocolVersion(0x0202)),
        (Opts::v(V12), V10),
        (Opts::v(V12), V11),
        (Opts::range(V10, V11), V12),
        (Opts::v(V10), V11),
    ];
    for (opts, bad) in cases {
        let mut s = Script::new(opts);
        let sh = s.server_hello_with(bad, AES128_SHA);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        // The alert goes out in the ClientHello's record version: nothing was agreed.
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedVersion(bad)),
            V10,
            AD::PROTOCOL_VERSION,
        );
    }
}

#[test]
fn unoffered_suite() {
    let cases = [
        (Opts::v(V12).suite(AES128_SHA), AES256_SHA),
        (Opts::v(V12).suite(AES128_SHA), AES128_SHA256),
        (
            Opts::v(V12).suite(AES128_SHA),
            CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            Opts::v(V12).suite(AES128_SHA),
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (Opts::v(V12), CipherSuite::TLS_NULL_WITH_NULL_NULL),
        (Opts::v(V12), CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
        (Opts::v(V12), CipherSuite::TLS_FALLBACK_SCSV),
        (Opts::v(V12), CipherSuite(0x1301)),
    ];
    for (opts, bad) in cases {
        let mut s = Script::new(opts);
        let sh = s.server_hello_with(V12, bad);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedCipherSuite(bad)),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
    // SHA-256 suites exist only in TLS 1.2: offered for the range, refused at 1.0/1.1.
    for v in [V10, V11] {
        let mut s = Script::new(Opts::range(V10, V12));
        let sh = s.server_hello_with(v, AES128_SHA256);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedCipherSuite(AES128_SHA256)),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn compression() {
    for method in [Compression::DEFLATE, Compression(64), Compression(255)] {
        let mut s = Script::new(Opts::v(V12));
        let mut sh = s.server_hello(V12);
        sh.compression_method = method;
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::CompressionSelected),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn unoffered_extension() {
    let unknown = |typ: u16| ServerExtension::Unknown {
        typ: ExtensionType(typ),
        data: vec![],
    };
    // (client options, extension the server adds)
    let cases = [
        (
            Opts::v(V12).ext(false),
            ServerExtension::ExtendedMasterSecret,
        ),
        (Opts::v(V12).ext(false), ServerExtension::EncryptThenMac),
        (Opts::v(V12), ServerExtension::SessionTicket),
        (
            Opts::v(V12),
            ServerExtension::MaxFragmentLength(
                lucid_core::internal::msgs::enums::MaxFragmentLength(1),
            ),
        ),
        (
            Opts {
                name: "127.0.0.1",
                ..Opts::v(V12)
            },
            ServerExtension::ServerName,
        ),
        (Opts::v(V12), unknown(0x1234)),
        (Opts::v(V12), ServerExtension::Alpn(b"http/1.1".to_vec())),
        (
            Opts::v(V12),
            unknown(ExtensionType::SUPPORTED_VERSIONS.get()),
        ),
        (Opts::v(V12), unknown(ExtensionType::HEARTBEAT.get())),
    ];
    for (opts, ext) in cases {
        let typ = ext.ext_type();
        let mut s = Script::new(opts);
        let mut sh = s.server_hello(V12);
        sh.extensions.push(ext);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedExtension(typ)),
            V10,
            AD::UNSUPPORTED_EXTENSION,
        );
    }
    // server_name is fine when SNI was sent.
    let mut s = Script::new(Opts::v(V12));
    let mut sh = s.server_hello(V12);
    sh.extensions.push(ServerExtension::ServerName);
    s.handshake_with(&sh);
}

#[test]
fn duplicated_extension() {
    for dup in [
        ServerExtension::RenegotiationInfo(Vec::new()),
        ServerExtension::ExtendedMasterSecret,
        ServerExtension::EncryptThenMac,
    ] {
        let typ = dup.ext_type();
        let mut s = Script::new(Opts::v(V12));
        let mut sh = s.server_hello(V12);
        sh.extensions.push(dup);
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::InvalidMessage(InvalidMessage::DuplicateExtension(typ.get())),
            V10,
            AD::DECODE_ERROR,
        );
    }
}

#[test]
fn wrong_renegotiation_info_is_an_attack_whatever_the_config() {
    type Edit = Box<dyn Fn(&mut ServerHelloPayload)>;
    let cases: [Edit; 3] = [
        Box::new(|sh| sh.extensions[0] = ServerExtension::RenegotiationInfo(vec![0; 12])),
        Box::new(|sh| sh.extensions[0] = ServerExtension::RenegotiationInfo(vec![7; 24])),
        Box::new(|sh| sh.extensions[0] = ServerExtension::RenegotiationInfo(vec![0])),
    ];
    for edit in &cases {
        for legacy in [false, true] {
            for opts in [Opts::v(V12), Opts::v(V10)] {
                let mut s = Script::new(Opts {
                    legacy_renegotiation: legacy,
                    ..opts
                });
                let v = s.opts.max;
                let mut sh = s.server_hello(v);
                edit(&mut sh);
                let f1 = s.flight1(&sh);
                let res = s.feed(&f1);
                s.fails_plain(
                    res,
                    Error::PeerMisbehaved(PM::BadRenegotiationInfo),
                    V10,
                    AD::HANDSHAKE_FAILURE,
                );
            }
        }
    }
}

type Edit = Box<dyn Fn(&mut ServerHelloPayload)>;

/// A ServerHello without renegotiation_info: with other extensions, and with no extensions
/// block at all.
fn missing_renegotiation_info() -> [Edit; 2] {
    [
        Box::new(|sh| {
            sh.extensions.remove(0);
        }),
        Box::new(|sh| sh.extensions.clear()),
    ]
}

#[test]
fn server_without_secure_renegotiation_is_refused_by_default() {
    for edit in &missing_renegotiation_info() {
        for opts in [Opts::v(V12), Opts::v(V10)] {
            let mut s = Script::new(opts);
            let v = s.opts.max;
            let mut sh = s.server_hello(v);
            edit(&mut sh);
            let f1 = s.flight1(&sh);
            let res = s.feed(&f1);
            // Its own kind, sent as handshake_failure: 15 03 01 00 02 02 28.
            s.fails_plain(
                res,
                Error::PeerIncompatible(PeerIncompatible::SecureRenegotiationUnsupported),
                V10,
                AD::HANDSHAKE_FAILURE,
            );
        }
    }
    let text =
        Error::PeerIncompatible(PeerIncompatible::SecureRenegotiationUnsupported).to_string();
    assert_eq!(
        text,
        "peer incompatible: the server does not support secure renegotiation (its ServerHello \
         has no renegotiation_info: its TLS stack predates RFC 5746). Such a server may accept \
         a renegotiation that an attacker splices in front of your data (CVE-2009-3555). To \
         connect anyway, accept that risk with allow_legacy_renegotiation (lucid connect \
         --allow-legacy-renegotiation)"
    );
}

#[test]
fn server_without_secure_renegotiation_with_the_opt_in() {
    // The opt-in only waives renegotiation_info: EMS and ETM are negotiated as usual (and
    // as absent when the server leaves them out), the Finished exchange is unchanged.
    for edit in &missing_renegotiation_info() {
        for opts in [Opts::v(V12), Opts::v(V10)] {
            let mut s = Script::new(Opts {
                legacy_renegotiation: true,
                ..opts
            });
            let v = s.opts.max;
            let mut sh = s.server_hello(v);
            edit(&mut sh);
            let kept = !sh.extensions.is_empty();
            s.handshake_with(&sh);
            let n = s.client.negotiated().unwrap();
            assert!(!n.secure_renegotiation);
            assert_eq!(n.extended_master_secret, kept);
            let cbc = lucid_core::internal::crypto::suites::lookup(n.suite)
                .unwrap()
                .can_encrypt_then_mac();
            assert_eq!(n.encrypt_then_mac, kept && cbc);
        }
    }
    // With renegotiation_info, the same configuration says so.
    let mut s = Script::new(Opts {
        legacy_renegotiation: true,
        ..Opts::v(V12)
    });
    s.handshake();
    assert!(s.client.negotiated().unwrap().secure_renegotiation);
}

#[test]
fn downgrade_sentinel() {
    // A 1.2-capable client refuses a 1.0/1.1 ServerHello carrying DOWNGRD\0.
    for v in [V10, V11] {
        let mut s = Script::new(Opts::range(V10, V12));
        let mut sh = s.server_hello(v);
        sh.random.0[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS11);
        assert_eq!(&sh.random.0[24..], b"DOWNGRD\x00");
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::DowngradeSentinel),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
    // A client whose maximum is 1.1 could not have done better: no downgrade, handshake OK.
    let mut s = Script::new(Opts::range(V10, V11));
    let mut sh = s.server_hello(V11);
    sh.random.0[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS11);
    s.handshake_with(&sh);
    // DOWNGRD\1 marks a 1.2 ServerHello from a 1.3 server; lucid tops out at 1.2.
    let mut s = Script::new(Opts::range(V10, V12));
    let mut sh = s.server_hello(V12);
    sh.random.0[24..].copy_from_slice(b"DOWNGRD\x01");
    s.handshake_with(&sh);
}

#[test]
fn second_server_hello() {
    // in a record of its own
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let m = s.hello_msg(&sh);
    let rec = s.record(ContentType::HANDSHAKE, &m);
    s.feed(&rec).unwrap();
    let rec = s.record(ContentType::HANDSHAKE, &m);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        unexpected(
            "Certificate",
            ContentType::HANDSHAKE,
            Some(HandshakeType::SERVER_HELLO),
        ),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // in the same record, and after the Certificate
    for after_cert in [false, true] {
        let mut s = Script::new(Opts::v(V11));
        let sh = s.server_hello(V11);
        let mut hs = s.hello_msg(&sh);
        let expected = if after_cert {
            hs.extend(s.certificate());
            "CertificateRequest or ServerHelloDone"
        } else {
            "Certificate"
        };
        hs.extend(s.hello_msg(&sh));
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        let res = s.feed(&rec);
        s.fails_plain(
            res,
            unexpected(
                expected,
                ContentType::HANDSHAKE,
                Some(HandshakeType::SERVER_HELLO),
            ),
            V11,
            AD::UNEXPECTED_MESSAGE,
        );
    }
}

// ======================================================================================
// ALPN (RFC 7301): the server's answer to the client's list.
// ======================================================================================

fn names(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|n| n.to_vec()).collect()
}

/// A client offering h2, then http/1.1.
fn alpn_client(v: ProtocolVersion) -> Opts {
    Opts {
        alpn: names(&[b"h2", b"http/1.1"]),
        ..Opts::v(v)
    }
}

#[test]
fn alpn_offered_in_order_and_the_selection_reported() {
    for v in [V10, V11, V12] {
        for selected in [&b"h2"[..], b"http/1.1"] {
            let mut s = Script::new(alpn_client(v));
            assert_eq!(
                s.hello.find_extension(ExtensionType::ALPN),
                Some(&ClientExtension::Alpn(names(&[b"h2", b"http/1.1"])))
            );
            let mut sh = s.server_hello(v);
            sh.extensions.push(ServerExtension::Alpn(selected.to_vec()));
            s.handshake_with(&sh);
            assert_eq!(s.client.alpn_protocol(), Some(selected), "{v}");
            let n = s.client.negotiated().unwrap();
            assert_eq!(n.alpn_protocol.as_deref(), Some(selected));
        }
    }
    // A server that answers without ALPN is accepted: no protocol agreed (RFC 7301 §3.2
    // lets a server ignore the extension).
    let mut s = Script::new(alpn_client(V12));
    s.handshake();
    assert_eq!(s.client.alpn_protocol(), None);
    assert_eq!(s.client.negotiated().unwrap().alpn_protocol, None);
    // No list configured: no extension in the ClientHello.
    let s = Script::new(Opts::v(V12));
    assert_eq!(s.hello.find_extension(ExtensionType::ALPN), None);
}

#[test]
fn alpn_server_selects_a_protocol_not_offered() {
    // Names compare as bytes: no case folding, no prefix matching.
    for selected in [&b"h3"[..], b"HTTP/1.1", b"http/1.", b"http/1.10", b"h2\0"] {
        let mut s = Script::new(alpn_client(V12));
        let mut sh = s.server_hello(V12);
        sh.extensions.push(ServerExtension::Alpn(selected.to_vec()));
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedApplicationProtocol(selected.to_vec())),
            V10,
            AD::ILLEGAL_PARAMETER,
        );
    }
    assert_eq!(
        Error::PeerMisbehaved(PM::UnofferedApplicationProtocol(b"h3".to_vec())).to_string(),
        "peer misbehaved: the server selected application protocol h3, which was not offered (ALPN)"
    );
    assert_eq!(
        PM::UnofferedApplicationProtocol(vec![0x68, 0x00]).to_string(),
        "the server selected application protocol h\\x00, which was not offered (ALPN)"
    );
}

#[test]
fn alpn_malformed_server_answer() {
    // (extension body, the decode error): the server must select exactly one non-empty name.
    let cases: [(&[u8], InvalidMessage); 6] = [
        (
            b"\x00\x06\x02h2\x02h3",
            InvalidMessage::TrailingData("protocol_name_list (the server selects exactly one)"),
        ),
        (
            b"\x00\x0c\x02h2\x08http/1.1",
            InvalidMessage::TrailingData("protocol_name_list (the server selects exactly one)"),
        ),
        (b"\x00\x00", InvalidMessage::EmptyList("protocol_name_list")),
        (
            b"\x00\x02\x00\x00",
            InvalidMessage::EmptyList("ProtocolName"),
        ),
        (b"", InvalidMessage::MissingData("protocol_name_list")),
        (
            b"\x00\x02\x02h",
            InvalidMessage::MissingData("ProtocolName"),
        ),
    ];
    for (data, err) in cases {
        let mut s = Script::new(alpn_client(V12));
        let mut sh = s.server_hello(V12);
        sh.extensions.push(ServerExtension::Unknown {
            typ: ExtensionType::ALPN,
            data: data.to_vec(),
        });
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(res, Error::InvalidMessage(err), V10, AD::DECODE_ERROR);
    }
}

#[test]
fn alpn_answer_without_an_offer() {
    // Unsolicited (the client has no list): unsupported_extension, whatever the name.
    for selected in [&b"http/1.1"[..], b"h2"] {
        let mut s = Script::new(Opts::v(V11));
        let mut sh = s.server_hello(V11);
        sh.extensions.push(ServerExtension::Alpn(selected.to_vec()));
        let f1 = s.flight1(&sh);
        let res = s.feed(&f1);
        s.fails_plain(
            res,
            Error::PeerMisbehaved(PM::UnofferedExtension(ExtensionType::ALPN)),
            V10,
            AD::UNSUPPORTED_EXTENSION,
        );
    }
}
