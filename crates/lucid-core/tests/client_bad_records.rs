//! The client against a scripted server (`client_script`): bad record protection (MAC,
//! padding, lengths, overflow), alerts from the server, end of stream, and single-byte
//! corruptions of every server record (never a panic; alerts match errors).

mod client_script;

use aes::cipher::{Array, BlockModeEncrypt, KeyIvInit, consts::U16};
use client_script::*;
use hmac::{Hmac, KeyInit, Mac};
use lucid_core::internal::crypto::suites::MacAlgorithm;
use lucid_core::internal::msgs::enums::{AlertDescription as AD, ContentType};
use lucid_core::{Error, HandshakeStep, PeerMisbehaved as PM};
use rand_core::Rng;

// ======================================================================================
// Record protection
// ======================================================================================

#[test]
fn bad_record_mac() {
    for (v, suite, ext) in every_version_suite_ext() {
        // in the server's Finished: a flipped bit in the last byte (MAC with ETM, padding
        // with MAC-then-encrypt) and in the first ciphertext byte
        for at_end in [true, false] {
            let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
            s.run_to_server_finish();
            let (ccs, mut fin) = s.server_finish_parts();
            let i = if at_end { fin.len() - 1 } else { 5 };
            fin[i] ^= 1;
            let mut bytes = ccs;
            bytes.extend(fin);
            let res = s.feed(&bytes);
            s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
        }
        // in application data after the handshake
        let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
        s.handshake();
        let mut rec = s.record(ContentType::APPLICATION_DATA, b"some data");
        let mid = rec.len() / 2;
        rec[mid] ^= 0x80;
        let res = s.feed(&rec);
        s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
        assert!(s.app_in.is_empty());
    }
}

#[test]
fn protected_record_with_impossible_length() {
    for (v, ext) in [(V10, false), (V10, true), (V12, false), (V12, true)] {
        // not a whole number of blocks; shorter than a MAC; empty
        for len in [17, 31, 1, 0] {
            let mut s = Script::new(Opts::v(v).ext(ext));
            s.handshake();
            let rec = plain_record(ContentType::APPLICATION_DATA, v, &vec![0x42; len]);
            let res = s.feed(&rec);
            s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
        }
    }
}

/// Seals `data` by hand for the server → client direction with exactly `pad` as the CBC
/// padding (length byte included), a correct MAC, the current sequence number and IV
/// chaining. Independent of `crypto::cbc`.
fn seal_by_hand(s: &mut Script, typ: ContentType, data: &[u8], pad: &[u8]) -> Vec<u8> {
    let suite = s.suite.unwrap();
    let kb = s.server.key_block.as_ref().unwrap();
    let seq = s.sealer.as_ref().unwrap().seq();
    let version = s.version;
    let mac = |parts: &[&[u8]]| -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match suite.mac().expect("a CBC suite") {
            MacAlgorithm::Md5 => run::<Hmac<md5::Md5>>(kb.server_write_mac_key(), parts),
            MacAlgorithm::Sha1 => run::<Hmac<sha1::Sha1>>(kb.server_write_mac_key(), parts),
            MacAlgorithm::Sha256 => run::<Hmac<sha2::Sha256>>(kb.server_write_mac_key(), parts),
            MacAlgorithm::Sha384 => run::<Hmac<sha2::Sha384>>(kb.server_write_mac_key(), parts),
        }
    };
    let header = |len: usize| {
        let mut h = seq.to_be_bytes().to_vec();
        h.push(typ.get());
        h.extend(version.get().to_be_bytes());
        h.extend(u16::try_from(len).unwrap().to_be_bytes());
        h
    };
    let mut inner = data.to_vec();
    if !s.etm {
        inner.extend(mac(&[&header(data.len()), data]));
    }
    inner.extend_from_slice(pad);
    assert_eq!(inner.len() % 16, 0, "padding must fill the last block");
    let explicit_iv = s.version >= V11;
    let iv: [u8; 16] = if explicit_iv {
        let mut iv = [0; 16];
        s.server.rng.fill_bytes(&mut iv);
        iv
    } else {
        s.last_block
    };
    let key = kb.server_write_key();
    let (blocks, rest) = Array::<u8, U16>::slice_as_chunks_mut(&mut inner);
    assert!(rest.is_empty());
    match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, &iv)
            .unwrap()
            .encrypt_blocks(blocks),
        _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .unwrap()
            .encrypt_blocks(blocks),
    }
    let mut body = Vec::new();
    if explicit_iv {
        body.extend(iv);
    }
    body.extend(&inner);
    if s.etm {
        let tag = mac(&[&header(body.len()), &body]);
        body.extend(tag);
    }
    plain_record(typ, s.record_version, &body)
}

#[test]
fn bad_padding() {
    for (v, ext) in [(V10, false), (V10, true), (V12, false), (V12, true)] {
        for suite in [AES128_SHA, AES256_SHA] {
            let data = b"0123456789"; // 10 bytes
            let mac_len = 20;
            let covered = if ext {
                data.len()
            } else {
                data.len() + mac_len
            };
            // padding of 6 (+ length byte) or 22 (+ length byte): one and two blocks
            let fill = |extra: usize| {
                let n = 16 - covered % 16 + extra;
                vec![u8::try_from(n - 1).unwrap(); n]
            };
            let cases: Vec<(Vec<u8>, bool)> = vec![
                (fill(0), true),
                (fill(16), true),
                (
                    {
                        let mut p = fill(0);
                        p[0] ^= 1;
                        p
                    },
                    false,
                ),
                (
                    {
                        let mut p = fill(16);
                        p[3] = 0;
                        p
                    },
                    false,
                ),
                // a length byte pointing past the start of the record
                (
                    {
                        let mut p = fill(0);
                        *p.last_mut().unwrap() = 255;
                        p
                    },
                    false,
                ),
                (
                    {
                        let mut p = fill(0);
                        let n = p.len();
                        p.iter_mut().for_each(|b| *b = u8::try_from(n).unwrap());
                        p
                    },
                    false,
                ),
            ];
            for (pad, good) in cases {
                let mut s = Script::new(Opts::v(v).suite(suite).ext(ext));
                s.handshake();
                let rec = seal_by_hand(&mut s, ContentType::APPLICATION_DATA, data, &pad);
                let res = s.feed(&rec);
                if good {
                    // the hand-made record is right when its padding is
                    assert_eq!(res, Ok(()), "{v} ext={ext} {pad:?}");
                    assert_eq!(s.app_in, data);
                } else {
                    s.fails_sealed(res, Error::BadRecordMac, AD::BAD_RECORD_MAC);
                    assert!(s.app_in.is_empty());
                }
            }
        }
    }
}

#[test]
fn plaintext_over_two_to_the_fourteen_is_record_overflow() {
    // a protected record whose authenticated plaintext is 2^14 + 1 bytes (sealed by hand:
    // lucid's sealer refuses to make one); 2^14 exactly is fine
    for (v, ext) in [(V10, false), (V12, true)] {
        for (len, ok) in [(16384, true), (16385, false)] {
            let mut s = Script::new(Opts::v(v).suite(AES128_SHA).ext(ext));
            s.handshake();
            let data = vec![0x61; len];
            let covered = if ext { len } else { len + 20 };
            let n = 16 - covered % 16;
            let rec = seal_by_hand(
                &mut s,
                ContentType::APPLICATION_DATA,
                &data,
                &vec![u8::try_from(n - 1).unwrap(); n],
            );
            let res = s.feed(&rec);
            if ok {
                assert_eq!(res, Ok(()));
                assert_eq!(s.app_in, data);
            } else {
                s.fails_sealed(
                    res,
                    Error::RecordOverflow {
                        len: 16385,
                        max: 16384,
                    },
                    AD::RECORD_OVERFLOW,
                );
            }
        }
    }
    // a plaintext handshake record over 2^14
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::HANDSHAKE, V12, &vec![0; 16385]);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::RecordOverflow {
            len: 16385,
            max: 16384,
        },
        V10,
        AD::RECORD_OVERFLOW,
    );
}

#[test]
fn empty_application_data_records_are_accepted() {
    // OpenSSL's TLS 1.0 CBC countermeasure sends an empty record before each real one.
    for v in [V10, V12] {
        let mut s = Script::new(Opts::v(v));
        s.handshake();
        let mut bytes = Vec::new();
        for part in [&b""[..], b"abc", b"", b"", b"def"] {
            bytes.extend(s.record(ContentType::APPLICATION_DATA, part));
        }
        s.feed(&bytes).unwrap();
        assert_eq!(s.app_in, b"abcdef");
    }
}

#[test]
fn too_many_warning_alerts() {
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let warn = [1, AD::USER_CANCELED.get()];
    for _ in 0..16 {
        let rec = s.record(ContentType::ALERT, &warn);
        s.feed(&rec).unwrap();
    }
    assert_eq!(s.client.received_warnings(), [AD::USER_CANCELED; 16]);
    let rec = s.record(ContentType::ALERT, &warn);
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::Other("too many warning alerts")),
        AD::ILLEGAL_PARAMETER,
    );
}

// ======================================================================================
// Alerts from the server
// ======================================================================================

/// A fatal alert is read by the step it arrived in; the message says what the server most
/// likely objected to.
#[test]
fn fatal_alert_is_read_by_its_step() {
    use lucid_core::internal::msgs::handshake::HandshakePayload;
    // handshake_failure answering the ClientHello: nothing in common.
    let mut s = Script::new(Opts::v(V12).suite(AES128_SHA));
    let res = s.feed(&plain_record(ContentType::ALERT, V12, &[2, 40]));
    assert_eq!(
        res.unwrap_err().to_string(),
        "the server sent fatal alert handshake_failure in answer to our ClientHello: the server \
         shares no cipher suite or version with lucid (offered: TLSv1.2 with \
         TLS_RSA_WITH_AES_128_CBC_SHA)"
    );
    // CertificateRequest answered with an empty Certificate, then the alert a server that
    // requires a certificate sends: handshake_failure (OpenSSL), decode_error (gnutls 3.7).
    for desc in [AD::HANDSHAKE_FAILURE, AD::DECODE_ERROR] {
        let mut s = Script::new(Opts::v(V12));
        let sh = s.server_hello(V12);
        let mut hs = s.hello_msg(&sh);
        hs.extend(s.certificate());
        hs.extend(s.hs(HandshakePayload::CertificateRequest(cert_request(V12))));
        hs.extend(s.done());
        let rec = s.record(ContentType::HANDSHAKE, &hs);
        s.feed(&rec).unwrap();
        s.expect_client_flight(true);
        let res = s.feed(&plain_record(ContentType::ALERT, V12, &[2, desc.get()]));
        let err = res.unwrap_err();
        assert_eq!(
            err,
            Error::AlertReceived {
                description: desc,
                step: Some(HandshakeStep::ClientFinishedSent {
                    empty_certificate: true,
                    certificate_sent: false,
                }),
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "the server sent fatal alert {desc} after our empty Certificate (answering its \
                 CertificateRequest), ClientKeyExchange and Finished: the server requires a \
                 client certificate (lucid sent none: configure one, e.g. `lucid connect --cert \
                 CHAIN.pem --key KEY.pem`)"
            )
        );
    }
    // bad_record_mac / decrypt_error after our Finished: keys or transcript disagree.
    for desc in [AD::BAD_RECORD_MAC, AD::DECRYPT_ERROR] {
        let mut s = Script::new(Opts::v(V12));
        s.run_to_server_finish();
        let res = s.feed(&plain_record(ContentType::ALERT, V12, &[2, desc.get()]));
        assert_eq!(
            res.unwrap_err().to_string(),
            format!(
                "the server sent fatal alert {desc} after our ClientKeyExchange and Finished: \
                 keys or transcript disagree: the server could not decrypt or verify what lucid \
                 sent after its ChangeCipherSpec"
            )
        );
    }
    // protocol_version answering the ClientHello.
    let mut s = Script::new(Opts::range(V10, V12).suite(AES128_SHA));
    let res = s.feed(&plain_record(ContentType::ALERT, V10, &[2, 70]));
    assert_eq!(
        res.unwrap_err().to_string(),
        "the server sent fatal alert protocol_version in answer to our ClientHello: the server \
         shares no protocol version with lucid (offered: TLSv1.0..TLSv1.2 with \
         TLS_RSA_WITH_AES_128_CBC_SHA)"
    );
}

#[test]
fn fatal_alert_is_surfaced_with_its_description() {
    // in plaintext, answering the ClientHello
    for desc in [AD::HANDSHAKE_FAILURE, AD::PROTOCOL_VERSION, AD(200)] {
        let mut s = Script::new(Opts::v(V12));
        let rec = plain_record(ContentType::ALERT, V12, &[2, desc.get()]);
        let res = s.feed(&rec);
        let step = HandshakeStep::ClientHelloSent {
            min_version: V12,
            max_version: V12,
            suites: s.opts.suites.clone(),
        };
        s.fails_silently(
            res,
            Error::AlertReceived {
                description: desc,
                step: Some(step),
            },
        );
    }
    // sealed, after the handshake
    let mut s = Script::new(Opts::v(V11));
    s.handshake();
    let rec = s.record(ContentType::ALERT, &[2, AD::INTERNAL_ERROR.get()]);
    let res = s.feed(&rec);
    s.fails_silently(
        res,
        Error::AlertReceived {
            description: AD::INTERNAL_ERROR,
            step: Some(HandshakeStep::Complete),
        },
    );
}

#[test]
fn warning_alerts_are_recorded_and_the_handshake_continues() {
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::ALERT, V12, &[1, AD::UNRECOGNIZED_NAME.get()]);
    s.feed(&rec).unwrap();
    assert_eq!(s.client.received_warnings(), [AD::UNRECOGNIZED_NAME]);
    s.handshake();
    assert_eq!(s.client.received_warnings(), [AD::UNRECOGNIZED_NAME]);
}

#[test]
fn malformed_alerts_and_records() {
    // alert bodies of the wrong length or with an unknown level
    for body in [&[2u8][..], &[2, 40, 0][..], &[3, 40][..]] {
        let mut s = Script::new(Opts::v(V12));
        s.handshake();
        let rec = s.record(ContentType::ALERT, body);
        let res = s.feed(&rec);
        s.fails_sealed(res, Error::PeerMisbehaved(PM::BadAlert), AD::DECODE_ERROR);
    }
    // unknown content type
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let rec = s.record(ContentType::HEARTBEAT, &[1, 0, 0]);
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::UnknownContentType(ContentType::HEARTBEAT)),
        AD::UNEXPECTED_MESSAGE,
    );
    // empty handshake record
    let mut s = Script::new(Opts::v(V12));
    let rec = plain_record(ContentType::HANDSHAKE, V12, &[]);
    let res = s.feed(&rec);
    s.fails_plain(
        res,
        Error::PeerMisbehaved(PM::EmptyRecord(ContentType::HANDSHAKE)),
        V10,
        AD::UNEXPECTED_MESSAGE,
    );
    // a record version other than the negotiated one
    let mut s = Script::new(Opts::range(V10, V12));
    s.handshake();
    s.record_version = V11;
    let rec = s.record(ContentType::APPLICATION_DATA, b"x");
    let res = s.feed(&rec);
    s.fails_sealed(
        res,
        Error::PeerMisbehaved(PM::WrongRecordVersion {
            expected: V12,
            got: V11,
        }),
        AD::PROTOCOL_VERSION,
    );
    // a record longer than 2^14 + 2048
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let res = s.feed(&[23, 3, 3, 0x48, 0x01]);
    s.fails_sealed(
        res,
        Error::RecordOverflow {
            len: 0x4801,
            max: 16384 + 2048,
        },
        AD::RECORD_OVERFLOW,
    );
}

// ======================================================================================
// End of stream
// ======================================================================================

#[test]
fn eof_mid_record_and_without_close_notify_are_not_a_clean_close() {
    // mid-record, after the handshake
    for cut in [1, 4, 5, 20] {
        let mut s = Script::new(Opts::v(V12));
        s.handshake();
        let rec = s.record(ContentType::APPLICATION_DATA, b"truncated?");
        s.feed(&rec[..cut]).unwrap();
        assert!(s.app_in.is_empty());
        let res = s.client.transport_eof();
        s.fails_silently(res, Error::UnexpectedEof);
    }
    // at a record boundary but without close_notify
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let rec = s.record(ContentType::APPLICATION_DATA, b"all of it");
    s.feed(&rec).unwrap();
    assert_eq!(s.app_in, b"all of it");
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
    // close_notify, then half a record: still a truncation
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let mut bytes = s.record(ContentType::ALERT, &[1, 0]);
    bytes.extend(&[23, 3, 3]);
    s.feed(&bytes).unwrap();
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
    // the clean case
    let mut s = Script::new(Opts::v(V12));
    s.handshake();
    let close = s.record(ContentType::ALERT, &[1, 0]);
    s.feed(&close).unwrap();
    assert_eq!(s.client.transport_eof(), Ok(()));
    assert_eq!(s.client.error(), None);
    // mid-handshake, after the client's flight
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
    // close_notify in the middle of the handshake, then EOF: no session, not a clean close
    let mut s = Script::new(Opts::v(V12));
    s.run_to_server_finish();
    let close = s.record(ContentType::ALERT, &[1, 0]);
    s.feed(&close).unwrap();
    assert!(s.client.is_handshaking());
    let res = s.client.transport_eof();
    s.fails_silently(res, Error::UnexpectedEof);
}

// ======================================================================================
// No panics: single-byte corruptions of every server record
// ======================================================================================

/// Every byte of the server's ServerHello record and of its CCS + Finished, XORed with
/// 0x01 and 0xff in turn: the client never panics, and whenever it fails it queues exactly
/// the alert its error maps to.
#[test]
fn corrupted_bytes_never_panic_and_alerts_match_errors() {
    let mut checked = 0;
    for mask in [0x01u8, 0xff] {
        // the ServerHello record
        let hello_len = {
            let mut s = Script::new(Opts::v(V12));
            let sh = s.server_hello(V12);
            let m = s.hello_msg(&sh);
            m.len() + 5
        };
        for i in 0..hello_len {
            let mut s = Script::new(Opts::v(V12));
            let sh = s.server_hello(V12);
            let mut f1 = s.flight1(&sh);
            f1[i] ^= mask;
            let res = s.feed(&f1);
            check_alert_matches(&mut s, res);
            checked += 1;
        }
        // CCS + Finished
        let mut s = Script::new(Opts::v(V12).ext(false));
        s.run_to_server_finish();
        let fin = s.server_finish();
        for i in 0..fin.len() {
            let mut s = Script::new(Opts::v(V12).ext(false));
            s.run_to_server_finish();
            let mut fin = s.server_finish();
            fin[i] ^= mask;
            let res = s.feed(&fin);
            check_alert_matches(&mut s, res);
            checked += 1;
        }
    }
    assert!(checked > 200);
}

fn check_alert_matches(s: &mut Script, res: Result<(), Error>) {
    let Err(e) = res else {
        return;
    };
    let sent = s.drain();
    match e.alert() {
        Some(desc) => assert_eq!(
            sent.iter()
                .map(|r| (r.typ, r.plain.clone()))
                .collect::<Vec<_>>(),
            [(ContentType::ALERT, vec![2, desc.get()])],
            "{e:?}"
        ),
        None => assert!(sent.is_empty(), "{e:?}: {sent:?}"),
    }
}
