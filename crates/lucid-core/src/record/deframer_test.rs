use super::*;
use crate::error::PeerIncompatible;
use crate::msgs::enums::{ContentType, ProtocolVersion};
use crate::record::MAX_PLAINTEXT;
use alloc::vec;
use alloc::vec::Vec;

fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut v = alloc::vec![typ, 3, 3];
    v.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// (type, version, payload) of one record.
type Rec = (u8, u16, Vec<u8>);

/// Pops every whole record.
fn drain(d: &mut Deframer) -> Vec<Rec> {
    let mut out = Vec::new();
    while let Some(item) = d.pop().unwrap() {
        match item {
            Deframed::Record(r) => {
                assert_eq!(r.payload.len(), r.header.payload_len());
                out.push((
                    r.header.typ.get(),
                    r.header.version.get(),
                    r.payload.to_vec(),
                ));
            }
            Deframed::Sslv2ClientHello(_) => panic!("unexpected SSLv2"),
        }
    }
    out
}

fn stream() -> (Vec<u8>, Vec<Rec>) {
    let recs = [
        (22u8, (0..300u16).map(|i| i as u8).collect::<Vec<u8>>()),
        (21, alloc::vec![2, 40]),
        (23, Vec::new()),
        (20, alloc::vec![1]),
        (0x99, alloc::vec![0xaa; 17]),
    ];
    let mut bytes = Vec::new();
    let mut want = Vec::new();
    for (t, b) in recs {
        bytes.extend_from_slice(&record(t, &b));
        want.push((t, 0x0303, b));
    }
    (bytes, want)
}

#[test]
fn held_record_survives_reads_and_blocks_pop_until_unhold() {
    let a = record(23, &[0xaa; 16_000]);
    let b = record(23, &[0xbb; 3_000]);
    let mut d = Deframer::new();
    assert_eq!(d.read_tls(&a), a.len());
    {
        let Some(Deframed::Record(r)) = d.pop().unwrap() else {
            panic!("no record")
        };
        r.payload[0] = 0x11; // e.g. decrypted in place
    }
    d.hold();
    // Only the space behind the held record is offered; nothing is compacted over it.
    let taken = d.read_tls(&b);
    assert_eq!(taken, d.capacity() - a.len());
    assert!(d.capacity() < CAPACITY);
    assert_eq!(d.pop().unwrap(), None);
    d.discard();
    let held = d.held_record();
    assert_eq!(held.len(), a.len());
    assert_eq!(&held[..5], &a[..5]);
    assert_eq!(held[5], 0x11);
    assert!(held[6..].iter().all(|&x| x == 0xaa));
    // Released: the rest of `b` now fits and pops whole.
    d.unhold();
    assert_eq!(d.held_record(), &[] as &[u8]);
    assert_eq!(d.read_tls(&b[taken..]), b.len() - taken);
    assert_eq!(drain(&mut d), vec![(23, 0x0303, vec![0xbb; 3_000])]);
    // Holding with nothing popped is a no-op.
    d.hold();
    assert_eq!(d.held_record(), &[] as &[u8]);
}

#[test]
fn several_records_in_one_read() {
    let (bytes, want) = stream();
    let mut d = Deframer::new();
    assert_eq!(d.read_tls(&bytes), bytes.len());
    assert_eq!(d.buffered(), bytes.len());
    assert_eq!(drain(&mut d), want);
    assert_eq!(d.buffered(), 0);
    assert!(!d.has_partial());
}

#[test]
fn every_split_point_yields_the_same_records() {
    let (bytes, want) = stream();
    for split in 0..=bytes.len() {
        let mut d = Deframer::new();
        let mut got = Vec::new();
        let (a, b) = bytes.split_at(split);
        assert_eq!(d.read_tls(a), a.len());
        got.extend(drain(&mut d));
        // Via the zero-copy path for the second half.
        let free = d.recv_buf();
        free[..b.len()].copy_from_slice(b);
        d.recv_ack(b.len());
        got.extend(drain(&mut d));
        assert_eq!(got, want, "split at {split}");
        assert!(!d.has_partial());
    }
}

#[test]
fn one_byte_at_a_time() {
    let (bytes, want) = stream();
    let mut d = Deframer::new();
    let mut got = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        assert_eq!(d.read_tls(core::slice::from_ref(b)), 1);
        got.extend(drain(&mut d));
        // A partial record is pending exactly when not all records so far are out.
        let at_boundary = got.iter().map(|r| HEADER_LEN + r.2.len()).sum::<usize>() == i + 1;
        assert_eq!(d.has_partial(), !at_boundary, "byte {i}");
    }
    assert_eq!(got, want);
}

#[test]
fn header_fields_are_reported() {
    let mut d = Deframer::new();
    d.read_tls(&[0x17, 0x03, 0x01, 0x00, 0x02, 0xab, 0xcd]);
    let Some(Deframed::Record(r)) = d.pop().unwrap() else {
        panic!()
    };
    assert_eq!(
        r.header,
        RecordHeader {
            typ: ContentType::APPLICATION_DATA,
            version: ProtocolVersion::TLSV1_0,
            len: 2
        }
    );
    // In-place mutation is possible (decryption).
    r.payload[0] = 0;
    assert_eq!(r.payload, &[0, 0xcd]);
    assert_eq!(d.pop().unwrap(), None);
}

#[test]
fn record_overflow_at_max_ciphertext_plus_one() {
    let body = alloc::vec![7u8; MAX_CIPHERTEXT];
    let mut d = Deframer::new();
    let rec = record(23, &body);
    assert_eq!(d.read_tls(&rec), rec.len());
    let Some(Deframed::Record(r)) = d.pop().unwrap() else {
        panic!()
    };
    assert_eq!(r.payload.len(), MAX_CIPHERTEXT);
    assert!(r.payload.iter().all(|&b| b == 7));
    assert_eq!(d.pop().unwrap(), None);

    // Rejected from the header alone, before the body arrives.
    let mut d = Deframer::new();
    let len = u16::try_from(MAX_CIPHERTEXT + 1).unwrap().to_be_bytes();
    d.read_tls(&[23, 3, 3, len[0], len[1]]);
    let err = Error::RecordOverflow {
        len: MAX_CIPHERTEXT + 1,
        max: MAX_CIPHERTEXT,
    };
    assert_eq!(d.pop().unwrap_err(), err);
    // Poisoned: same error again, even after more bytes.
    d.read_tls(&[0; 10]);
    assert_eq!(d.pop().unwrap_err(), err);
    assert!(d.is_poisoned());
    assert!(d.has_partial());
}

#[test]
fn lowered_max_record_len() {
    let mut d = Deframer::new();
    d.set_max_record_len(MAX_PLAINTEXT);
    assert_eq!(d.max_record_len(), MAX_PLAINTEXT);
    let ok = record(22, &alloc::vec![1; MAX_PLAINTEXT]);
    d.read_tls(&ok);
    assert!(matches!(d.pop(), Ok(Some(Deframed::Record(_)))));
    let len = u16::try_from(MAX_PLAINTEXT + 1).unwrap().to_be_bytes();
    d.read_tls(&[22, 3, 3, len[0], len[1]]);
    assert_eq!(
        d.pop().unwrap_err(),
        Error::RecordOverflow {
            len: MAX_PLAINTEXT + 1,
            max: MAX_PLAINTEXT
        }
    );
    // Raising above the buffer is clamped.
    let mut d = Deframer::new();
    d.set_max_record_len(usize::MAX);
    assert_eq!(d.max_record_len(), MAX_CIPHERTEXT);
}

#[test]
fn bad_version_major_is_rejected_from_the_header() {
    for v in [[2u8, 0], [4, 3], [0x45, 0x54], [0, 0]] {
        let mut d = Deframer::new();
        d.read_tls(&[22, v[0], v[1], 0, 1]);
        assert_eq!(
            d.pop().unwrap_err(),
            Error::InvalidMessage(InvalidMessage::InvalidValue("record version"))
        );
    }
    // "GET / HTTP/1.1" to a TLS port.
    let mut d = Deframer::new();
    d.read_tls(b"GET / HTTP/1.1\r\n");
    assert!(matches!(
        d.pop(),
        Err(Error::InvalidMessage(InvalidMessage::InvalidValue(
            "record version"
        )))
    ));
    // SSLv3 and TLS 1.3 record versions pass: the caller checks the exact version.
    let mut d = Deframer::new();
    d.read_tls(&[22, 3, 0, 0, 1, 9, 22, 3, 4, 0, 0]);
    let got = drain(&mut d);
    assert_eq!(
        got,
        [(22, 0x0300, alloc::vec![9]), (22, 0x0304, alloc::vec![])]
    );
}

#[test]
fn header_checks_need_all_five_bytes() {
    let mut d = Deframer::new();
    d.read_tls(&[22, 9, 9, 0xff]);
    assert_eq!(d.pop().unwrap(), None);
    assert!(d.has_partial());
    d.read_tls(&[0xff]);
    assert!(d.pop().is_err());
}

#[test]
fn sslv2_client_hello_framing() {
    // 2-byte header 0x80 0x2e (46 bytes), msg_type 1, version 3.1, ...
    let mut body = alloc::vec![1u8, 3, 1, 0, 9, 0, 0, 0, 16];
    body.extend_from_slice(&[0, 0, 0x2f, 0, 0, 0x35, 0, 0, 0xff]);
    body.extend_from_slice(&[0x5a; 16]);
    let mut wire = alloc::vec![0x80, u8::try_from(body.len()).unwrap()];
    wire.extend_from_slice(&body);
    let follow = record(22, &[16, 0, 0, 0]);
    wire.extend_from_slice(&follow);

    let mut d = Deframer::new();
    d.allow_sslv2_client_hello();
    // Byte by byte: nothing until the whole hello is in.
    for (i, b) in wire.iter().enumerate().take(2 + body.len()) {
        d.read_tls(core::slice::from_ref(b));
        if i + 1 < 2 + body.len() {
            assert_eq!(d.pop().unwrap(), None, "byte {i}");
        }
    }
    assert_eq!(
        d.pop().unwrap(),
        Some(Deframed::Sslv2ClientHello(&body[..]))
    );
    // The next record is plain TLS framing again.
    d.read_tls(&follow);
    assert_eq!(drain(&mut d), [(22, 0x0303, alloc::vec![16, 0, 0, 0])]);

    // Not enabled: the same bytes are a bad TLS header.
    let mut d = Deframer::new();
    d.read_tls(&wire);
    assert!(d.pop().is_err());

    // Enabled, but the first record is TLS: SSLv2 no longer considered afterwards.
    let mut d = Deframer::new();
    d.allow_sslv2_client_hello();
    d.read_tls(&follow);
    assert_eq!(drain(&mut d).len(), 1);
    d.read_tls(&[0x80, 0x2e, 1, 3, 1]);
    assert!(d.pop().is_err());
}

#[test]
fn sslv2_bad_framing() {
    let cases: [(&[u8], Error); 3] = [
        (
            &[0x80, 0x00],
            InvalidMessage::InvalidValue("SSLv2 record length").into(),
        ),
        (
            &[0x84, 0x01],
            Error::RecordOverflow {
                len: 0x401,
                max: MAX_SSLV2_CLIENT_HELLO,
            },
        ),
        (
            &[0x80, 0x10, 2],
            InvalidMessage::InvalidValue("SSLv2 msg_type").into(),
        ),
    ];
    for (wire, err) in cases {
        let mut d = Deframer::new();
        d.allow_sslv2_client_hello();
        d.read_tls(wire);
        assert_eq!(d.pop().unwrap_err(), err);
    }
    // The cap itself is accepted.
    let mut d = Deframer::new();
    d.allow_sslv2_client_hello();
    let mut wire = alloc::vec![0x84, 0x00, 1];
    wire.resize(2 + MAX_SSLV2_CLIENT_HELLO, 0);
    d.read_tls(&wire);
    let Some(Deframed::Sslv2ClientHello(b)) = d.pop().unwrap() else {
        panic!()
    };
    assert_eq!(b.len(), MAX_SSLV2_CLIENT_HELLO);
    // pop_record refuses SSLv2 hellos.
    let mut d = Deframer::new();
    d.allow_sslv2_client_hello();
    d.read_tls(&wire);
    assert!(matches!(
        d.pop_record(),
        Err(Error::PeerIncompatible(PeerIncompatible::Unsupported(_)))
    ));
}

#[test]
fn pop_record_returns_records() {
    let (bytes, want) = stream();
    let mut d = Deframer::new();
    d.read_tls(&bytes);
    let mut got = Vec::new();
    while let Some(r) = d.pop_record().unwrap() {
        got.push((
            r.header.typ.get(),
            r.header.version.get(),
            r.payload.to_vec(),
        ));
    }
    assert_eq!(got, want);
}

#[test]
fn recv_buf_offers_a_whole_record_after_consumption() {
    // Fill with a full-size record plus the first bytes of another, then pop: the
    // leftover moves to the front so the second full-size record fits.
    let big = record(23, &alloc::vec![3; MAX_CIPHERTEXT]);
    let mut wire = big.clone();
    wire.extend_from_slice(&big);
    let mut d = Deframer::new();
    let mut fed = 0;
    let mut popped = 0;
    for _ in 0..10 {
        fed += d.read_tls(&wire[fed..]);
        while let Some(item) = d.pop().unwrap() {
            let Deframed::Record(r) = item else { panic!() };
            assert_eq!(r.payload.len(), MAX_CIPHERTEXT);
            popped += 1;
        }
        assert!(d.buffered() <= d.capacity());
        assert!(d.recv_buf().len() >= CAPACITY - d.buffered());
    }
    assert_eq!((fed, popped), (wire.len(), 2));
    assert_eq!(d.capacity(), CAPACITY);
}

#[test]
fn buffer_grows_on_demand_in_steps_and_is_released_only_when_empty() {
    let mut d = Deframer::new();
    assert_eq!(d.capacity(), 0);
    assert_eq!(d.recv_buf().len(), MIN_RECV_BUF);
    let small = record(23, &[1; 100]);
    assert_eq!(d.read_tls(&small), small.len());
    assert_eq!(d.capacity(), MIN_RECV_BUF);
    assert!(matches!(d.pop(), Ok(Some(_))));
    // A record larger than the buffer: the header arrives first, then the buffer grows
    // to the next step and the rest fits.
    let mid = record(23, &[2; 5_000]);
    let mut wire = mid.clone();
    wire.extend_from_slice(&record(23, &[3; MAX_CIPHERTEXT]));
    let mut fed = d.read_tls(&wire);
    assert!(matches!(d.pop(), Ok(Some(_))));
    assert_eq!(d.capacity(), 2 * GROWTH_STEP);
    while fed < wire.len() {
        fed += d.read_tls(&wire[fed..]);
        while d.pop().unwrap().is_some() {}
    }
    assert_eq!(d.capacity(), CAPACITY);
    // Nothing buffered: released; a partial record or a held one keeps it.
    d.read_tls(&small[..3]);
    d.release_buffer();
    assert_eq!(d.capacity(), CAPACITY);
    d.read_tls(&small[3..]);
    assert!(matches!(d.pop(), Ok(Some(_))));
    d.hold();
    d.release_buffer();
    assert_eq!(d.held_record(), &small[..]);
    d.unhold();
    d.release_buffer();
    assert_eq!(d.capacity(), 0);
    assert_eq!(d.read_tls(&small), small.len());
    assert!(matches!(d.pop_record(), Ok(Some(r)) if r.payload == &small[5..]));
}

#[test]
fn full_buffer_takes_nothing_until_popped() {
    let big = record(23, &alloc::vec![1; MAX_CIPHERTEXT]);
    let mut d = Deframer::new();
    assert_eq!(d.read_tls(&big), CAPACITY);
    assert_eq!(d.read_tls(&[23]), 0);
    assert!(d.recv_buf().is_empty());
    assert!(!d.has_partial());
    assert!(matches!(d.pop(), Ok(Some(_))));
    d.discard();
    assert_eq!(d.buffered(), 0);
    assert_eq!(d.recv_buf().len(), CAPACITY);
    assert_eq!(d.read_tls(&[23]), 1);
    assert!(d.has_partial());
}

#[test]
fn record_header_codec() {
    let h = RecordHeader {
        typ: ContentType::HANDSHAKE,
        version: ProtocolVersion::TLSV1_2,
        len: 0x0102,
    };
    let wire = [22, 3, 3, 1, 2];
    assert_eq!(h.get_encoding(), wire);
    assert_eq!(h.to_bytes(), wire);
    assert_eq!(RecordHeader::read_bytes(&wire).unwrap(), h);
    for n in 0..wire.len() {
        assert!(
            RecordHeader::read_bytes(&wire[..n]).is_err(),
            "truncated at {n}"
        );
    }
    let unknown = RecordHeader::read_bytes(&[0xfe, 0x7f, 0x01, 0, 0]).unwrap();
    assert_eq!(unknown.typ, ContentType(0xfe));
    assert_eq!(unknown.get_encoding(), [0xfe, 0x7f, 0x01, 0, 0]);
}

#[test]
fn a_record_limit_shrinks_the_buffer_once_its_contents_fit_and_refuses_longer_headers() {
    let mut d = Deframer::new();
    d.preallocate();
    assert_eq!(d.capacity(), CAPACITY);
    // Two small records buffered: they fit a 512 + 320 limit, so the buffer shrinks now
    // and keeps them.
    let a = record(22, &[1; 100]);
    let b = record(22, &[2; 200]);
    assert_eq!(
        d.read_tls(&[a.clone(), b.clone()].concat()),
        a.len() + b.len()
    );
    d.set_record_limit(512 + 320, true);
    assert_eq!(d.capacity(), HEADER_LEN + 512 + 320);
    assert_eq!(
        drain(&mut d),
        [(22, 0x0303, vec![1; 100]), (22, 0x0303, vec![2; 200])]
    );
    // At the limit: taken whole; one byte over: refused from the header.
    assert_eq!(drain_bytes(&mut d, &record(23, &[3; 832])).len(), 1);
    assert_eq!(d.capacity(), HEADER_LEN + 832);
    assert_eq!(d.read_tls(&record(23, &[4; 833])[..5]), 5);
    assert_eq!(d.pop(), Err(Error::RecordOverflow { len: 833, max: 832 }));
}

/// Feeds `bytes` and pops what is whole.
fn drain_bytes(d: &mut Deframer, bytes: &[u8]) -> Vec<Rec> {
    assert_eq!(d.read_tls(bytes), bytes.len());
    drain(d)
}

#[test]
fn a_buffer_larger_than_the_limit_shrinks_later_when_it_cannot_now() {
    let mut d = Deframer::new();
    // 3,000 bytes of records buffered, over a 512 + 320 limit: no shrink yet.
    let recs: Vec<u8> = (0..10).flat_map(|i| record(22, &[i; 295])).collect();
    assert_eq!(d.read_tls(&recs), recs.len());
    let before = d.capacity();
    assert!(before >= recs.len());
    d.set_record_limit(832, false);
    assert_eq!(d.capacity(), before);
    // Once they are popped, the next read shrinks it.
    assert_eq!(drain(&mut d).len(), 10);
    assert_eq!(drain_bytes(&mut d, &record(23, &[9; 10])).len(), 1);
    assert_eq!(d.capacity(), HEADER_LEN + 832);
}

#[test]
fn expected_records_size_the_buffer_without_refusing_longer_ones() {
    // Preallocated for 512-byte fragments (plus their protection), not 18 KB.
    let mut d = Deframer::new();
    d.expect_records_up_to(512 + 320);
    d.preallocate();
    assert_eq!(d.capacity(), HEADER_LEN + 832);
    // On demand, the first read offers that much, not a 4 KiB page.
    let mut d = Deframer::new();
    d.expect_records_up_to(832);
    assert_eq!(d.recv_buf().len(), HEADER_LEN + 832);
    // A longer record (a server that declined) is taken, growing the buffer.
    let big = record(22, &[7; 5000]);
    assert_eq!(drain_bytes(&mut d, &big), [(22, 0x0303, vec![7; 5000])]);
    assert!(d.capacity() >= big.len());
}
