//! The client against a scripted server (`client_script`): a bad Certificate ..
//! ServerHelloDone flight (truncated, oversize, rejected, cut at every byte), and bad
//! ChangeCipherSpec / Finished.

mod client_script;

use client_script::*;
use lucid_core::internal::codec::{Codec, InvalidMessage};
use lucid_core::internal::msgs::enums::{AlertDescription as AD, ContentType, HandshakeType};
use lucid_core::internal::msgs::handshake::{CertificatePayload, HandshakePayload};
use lucid_core::{Error, PeerIncompatible, PeerMisbehaved as PM};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

// ======================================================================================
// Certificate .. ServerHelloDone
// ======================================================================================

#[test]
fn server_key_exchange_is_not_part_of_rsa_key_exchange() {
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        let sh = s.server_hello(v);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.certificate());
        // an (EC)DHE-looking body: curve type, named curve, point, signature
        hs.extend(raw_hs(12, &[3, 0, 23, 1, 4, 0, 2, 0, 0]));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        let res = s.feed(&rec);
        s.fails_plain(
            res,
            unexpected(
                "CertificateRequest or ServerHelloDone",
                ContentType::HANDSHAKE,
                Some(HandshakeType::SERVER_KEY_EXCHANGE),
            ),
            v,
            AD::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn oversize_certificate_list() {
    // (Certificate message body, expected error)
    let junk = |n: usize| vec![0x30; n];
    let list = |certs: &[Vec<u8>]| {
        let mut body = Vec::new();
        CertificatePayload(certs.to_vec()).encode(&mut body);
        body
    };
    let too_large = |what| Error::InvalidMessage(InvalidMessage::TooLarge(what));
    let cases: Vec<(Vec<u8>, Error)> = vec![
        // the header announces more than the 64 KiB + 3 lucid buffers: refused before
        // anything is buffered
        (
            {
                let mut m = raw_hs(11, &list(&[junk(40_000), junk(30_000)]));
                m.truncate(16_000);
                m
            },
            too_large("handshake message"),
        ),
        (
            {
                let mut m = raw_hs(11, &[]);
                m[1..4].copy_from_slice(&[0xff, 0xff, 0xff]);
                m
            },
            too_large("handshake message"),
        ),
        // a list length over 64 KiB inside a message that is itself small
        (
            raw_hs(11, &[0x01, 0x00, 0x01, 0, 0, 1, 0x30]),
            too_large("certificate_list"),
        ),
        // one certificate over 32 KiB
        (raw_hs(11, &list(&[junk(33_000)])), too_large("ASN.1Cert")),
        // more than 10 certificates
        (
            raw_hs(11, &list(&vec![junk(100); 11])),
            too_large("certificate_list"),
        ),
    ];
    for (msg, want) in cases {
        let mut s = Script::new(Opts::v(V12));
        let sh = s.server_hello(V12);
        let m = s.hello_msg(&sh);
        let mut bytes = s.record(ContentType::HANDSHAKE, &m);
        bytes.extend(s.record(ContentType::HANDSHAKE, &msg));
        let res = s.feed(&bytes);
        s.fails_plain(res, want, V12, AD::DECODE_ERROR);
    }
    // The largest chain lucid takes is still only syntax: ten 6 KiB junk certificates pass
    // the codec and fail path validation.
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut m = s.hello_msg(&sh);
    m.extend(raw_hs(11, &list(&vec![junk(6_000); 10])));
    let bytes = s.record(ContentType::HANDSHAKE, &m);
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::InvalidCertificate(lucid_core::x509::CertificateError::BadEncoding),
        V12,
        AD::BAD_CERTIFICATE,
    );
}

#[test]
fn empty_certificate_list() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    hs.extend(s.hs(HandshakePayload::Certificate(CertificatePayload(vec![]))));
    let rec = s.record(ContentType::HANDSHAKE, &hs);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::NoCertificate),
        V12,
        AD::BAD_CERTIFICATE,
    );
}

const CASES_ROOT: &[u8] = include_bytes!("../../../testdata/cases/root.pem");

/// The first certificate of testdata/cases/NAME.pem, DER.
fn cases_cert(name: &str) -> Vec<u8> {
    let pem = std::fs::read(format!(
        "{}/../../testdata/cases/{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    CertificateDer::pem_slice_iter(&pem)
        .next()
        .unwrap()
        .unwrap()
        .as_ref()
        .to_vec()
}

#[test]
fn certificate_rejected_by_the_verifier_before_its_key_is_used() {
    use lucid_core::x509::CertificateError as CE;
    let leaf_only = vec![chain()[0].clone()];
    let other_pki =
        CertificateDer::pem_slice_iter(include_bytes!("../../../testdata/cases/good.pem"))
            .map(|c| c.unwrap().as_ref().to_vec())
            .collect::<Vec<_>>();
    let cases: Vec<(Opts, Vec<Vec<u8>>, Error, AD)> = vec![
        // the intermediate missing: no path to the root
        (
            Opts::v(V12),
            leaf_only,
            Error::InvalidCertificate(CE::UnknownIssuer),
            AD::UNKNOWN_CA,
        ),
        // a certificate from another PKI
        (
            Opts::v(V12),
            other_pki,
            Error::InvalidCertificate(CE::UnknownIssuer),
            AD::UNKNOWN_CA,
        ),
        // the right chain for the wrong name
        (
            Opts {
                name: "example.com",
                ..Opts::v(V10)
            },
            chain(),
            Error::InvalidCertificate(CE::NotValidForName {
                expected: "example.com".into(),
                presented: vec!["DNS:localhost".into(), "IP:127.0.0.1".into()],
            }),
            AD::BAD_CERTIFICATE,
        ),
        // garbage where the leaf should be
        (
            Opts::v(V12),
            vec![vec![0x30, 0x03, 2, 1, 1]],
            Error::InvalidCertificate(CE::BadEncoding),
            AD::BAD_CERTIFICATE,
        ),
        // a 1024-bit leaf key (old gear), from a PKI the client trusts: refused before the
        // pre-master secret is encrypted to it (issue 14: one 2048-bit minimum)
        (
            Opts {
                name: "rsa1024-leaf.test",
                extra_root: Some(CASES_ROOT),
                ..Opts::v(V12)
            },
            vec![cases_cert("rsa1024-leaf"), cases_cert("intermediate")],
            Error::InvalidCertificate(CE::RsaKeyTooSmall {
                bits: 1024,
                min: 2048,
                role: lucid_core::x509::signature::RsaKeyRole::LeafKey,
            }),
            AD::UNSUPPORTED_CERTIFICATE,
        ),
        // a 512-bit leaf key: refused even with the legacy opt-in (never below 1024)
        (
            Opts {
                name: "rsa512-leaf.test",
                extra_root: Some(CASES_ROOT),
                rsa_1024: true,
                ..Opts::v(V12)
            },
            vec![cases_cert("rsa512-leaf"), cases_cert("intermediate")],
            Error::InvalidCertificate(CE::RsaKeyTooSmall {
                bits: 512,
                min: 1024,
                role: lucid_core::x509::signature::RsaKeyRole::LeafKey,
            }),
            AD::UNSUPPORTED_CERTIFICATE,
        ),
    ];
    for (opts, certs, want, desc) in cases {
        let mut s = Script::new(opts);
        let v = s.opts.max;
        let sh = s.server_hello(v);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.hs(HandshakePayload::Certificate(CertificatePayload(certs))));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        let res = s.feed(&rec);
        // only the alert: no ClientKeyExchange was made with the rejected key
        s.fails_plain(res, want, v, desc);
    }
    // by address: the leaf's IP SAN matches and the handshake completes
    let mut s = Script::new(Opts {
        name: "127.0.0.1",
        ..Opts::v(V12)
    });
    s.handshake();
}

/// Every message of the server's first flight, with its body cut at every length (the
/// header announcing the cut length): a decode_error, except where the cut leaves a valid
/// message that the state machine then refuses for what is missing.
#[test]
fn every_handshake_message_truncated_at_every_length() {
    #[derive(Clone, Copy, Debug)]
    enum Which {
        Hello,
        Certificate,
        Request,
        Done,
    }
    let mut checked = 0;
    for v in [V10, V12] {
        for which in [
            Which::Hello,
            Which::Certificate,
            Which::Request,
            Which::Done,
        ] {
            // the intact message, to know its body length
            let full = {
                let mut s = Script::new(Opts::v(v));
                let sh = s.server_hello(v);
                match which {
                    Which::Hello => s.hello_msg(&sh),
                    Which::Certificate => s.certificate(),
                    Which::Request => s.hs(HandshakePayload::CertificateRequest(cert_request(v))),
                    Which::Done => s.done(),
                }
            };
            let body_len = full.len() - 4;
            // ServerHelloDone has an empty body: "truncating" it means one byte too many.
            let cuts: Vec<usize> = match which {
                Which::Done => vec![1],
                _ => (0..body_len).collect(),
            };
            for cut in cuts {
                let mut s = Script::new(Opts::v(v));
                let sh = s.server_hello(v);
                let mut prefix = Vec::new();
                let body: Vec<u8> = match which {
                    Which::Done => vec![0],
                    _ => full[4..4 + cut].to_vec(),
                };
                let bad = raw_hs(full[0], &body);
                match which {
                    Which::Hello => {}
                    Which::Certificate => prefix = s.hello_msg(&sh),
                    Which::Request | Which::Done => {
                        prefix = s.hello_msg(&sh);
                        prefix.extend(s.certificate());
                    }
                }
                let mut hs = prefix;
                hs.extend(&bad);
                let rec = plain_record(ContentType::HANDSHAKE, v, &hs);
                let res = s.feed(&rec);
                // The cut hello never reached the state machine: nothing was negotiated.
                let rv = if matches!(which, Which::Hello) {
                    V10
                } else {
                    v
                };
                let err = res.clone().unwrap_err();
                match (&err, which) {
                    (Error::InvalidMessage(_), _) => s.fails_plain(res, err, rv, AD::DECODE_ERROR),
                    // cut exactly before the extensions block: a valid hello without
                    // renegotiation_info
                    (
                        Error::PeerIncompatible(PeerIncompatible::SecureRenegotiationUnsupported),
                        Which::Hello,
                    ) if cut == 2 + 32 + 1 + 32 + 2 + 1 => {
                        s.fails_plain(res, err, rv, AD::HANDSHAKE_FAILURE)
                    }
                    other => panic!("{v} {which:?} cut at {cut}: {other:?}"),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

/// The first flight cut at every byte, then the transport ends: always UnexpectedEof, no
/// alert, never a panic; and the same bytes in two pieces complete the handshake.
#[test]
fn first_flight_cut_at_every_byte_then_eof() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let flight = s.flight1(&sh);
    for cut in 0..flight.len() {
        let mut s = Script::new(Opts::v(V12));
        let sh2 = s.server_hello(V12);
        assert_eq!(sh2, sh);
        let f1 = s.flight1(&sh2);
        assert_eq!(f1, flight);
        s.feed(&f1[..cut]).unwrap();
        assert!(s.client.is_handshaking());
        assert_eq!(s.client.pending_tls(), [] as [u8; 0]);
        let res = s.client.transport_eof();
        s.fails_silently(res, Error::UnexpectedEof);
    }
}

// ======================================================================================
// ChangeCipherSpec and Finished
// ======================================================================================

#[test]
fn wrong_server_finished() {
    for (v, suite, ext) in every_version_suite_ext() {
        let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
        s.run_to_server_finish();
        let ccs = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        s.sealing = true;
        let mut verify = s.verify_data();
        verify[5] ^= 0x40;
        let fin = raw_hs(20, &verify);
        let mut bytes = ccs;
        bytes.extend(s.record(ContentType::HANDSHAKE, &fin));
        let res = s.feed(&bytes);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::BadFinished),
            AD::DECRYPT_ERROR,
        );
    }
}

#[test]
fn server_finished_truncated_or_extended_at_every_length() {
    for v in [V10, V12] {
        for len in (0..12).chain([13, 36]) {
            let mut s = Script::new(Opts::v(v));
            s.run_to_server_finish();
            let ccs = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
            s.sealing = true;
            let verify = s.verify_data();
            let mut body = verify.to_vec();
            body.resize(len, 0);
            let fin = raw_hs(20, &body);
            let mut bytes = ccs;
            bytes.extend(s.record(ContentType::HANDSHAKE, &fin));
            let res = s.feed(&bytes);
            s.fails_sealed(
                res,
                Error::PeerMisbehaved(PM::BadFinished),
                AD::DECRYPT_ERROR,
            );
        }
    }
}

#[test]
fn change_cipher_spec_out_of_place() {
    // early CCS (CVE-2014-0224 style) right after the ServerHello, before any key exists
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let m = s.hello_msg(&sh);
    let mut bytes = s.record(ContentType::HANDSHAKE, &m);
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        unexpected("Certificate", ContentType::CHANGE_CIPHER_SPEC, None),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // after ServerHelloDone was expected
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut m = s.hello_msg(&sh);
    m.extend(s.certificate());
    let mut bytes = s.record(ContentType::HANDSHAKE, &m);
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        unexpected(
            "CertificateRequest or ServerHelloDone",
            ContentType::CHANGE_CIPHER_SPEC,
            None,
        ),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
    // a second CCS where Finished is expected
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let mut bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    s.sealing = true;
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_sealed(
        res,
        unexpected("Finished", ContentType::CHANGE_CIPHER_SPEC, None),
        AD::UNEXPECTED_MESSAGE,
    );
    // a malformed CCS body: wrong value, wrong length (unexpected_message, as OpenSSL)
    for body in [&[2u8][..], &[1, 1][..], &[1, 0][..], &[1; 16][..]] {
        let mut s = Script::new(Opts::v(V12));
        s.run_to_server_finish();
        let bytes = s.record(ContentType::CHANGE_CIPHER_SPEC, body);
        let res = s.feed(&bytes);
        s.fails_sealed(
            res,
            Error::PeerMisbehaved(PM::BadChangeCipherSpec),
            AD::UNEXPECTED_MESSAGE,
        );
    }
    // Finished without CCS: still under the old (null) keys
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let verify = s.verify_data();
    let fin = raw_hs(20, &verify);
    let bytes = s.record(ContentType::HANDSHAKE, &fin);
    let res = s.feed(&bytes);
    s.fails_sealed(
        res,
        unexpected(
            "ChangeCipherSpec",
            ContentType::HANDSHAKE,
            Some(HandshakeType::FINISHED),
        ),
        AD::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn handshake_message_split_across_change_cipher_spec() {
    let mut s = Script::new(Opts::v(V12));
    let sh = s.server_hello(V12);
    let mut hs = s.hello_msg(&sh);
    hs.extend(s.certificate());
    let done = s.done();
    hs.extend(&done[..2]);
    let mut bytes = s.record(ContentType::HANDSHAKE, &hs);
    bytes.extend(s.record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    let res = s.feed(&bytes);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::HandshakeMessageInterleaved),
        V12,
        AD::UNEXPECTED_MESSAGE,
    );
}
