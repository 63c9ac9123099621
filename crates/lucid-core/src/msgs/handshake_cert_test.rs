//! Certificate and CertificateRequest decoding: caps and shape errors.

use super::*;

fn cert_msg(certs: &[usize]) -> Vec<u8> {
    HandshakeMessage::new(HandshakePayload::Certificate(CertificatePayload(
        certs.iter().map(|&n| vec![0x30; n]).collect(),
    )))
    .get_encoding()
}

#[test]
fn certificate_caps() {
    // A chain of exactly MAX_CERTIFICATE_CHAIN_LEN fits in MAX_HANDSHAKE_MESSAGE_LEN.
    let each = MAX_CERTIFICATE_CHAIN_LEN / 2 - 3;
    assert!(each <= MAX_CERTIFICATE_LEN);
    let m = cert_msg(&[each, each]);
    assert_eq!(m.len(), MAX_HANDSHAKE_MESSAGE_LEN);
    let got = HandshakeMessage::read_versioned(&m, V12).unwrap();
    assert!(matches!(got.payload, HandshakePayload::Certificate(ref c) if c.0.len() == 2));

    // One byte more: the handshake message cap trips first.
    let m = cert_msg(&[each, each + 1]);
    assert_eq!(
        HandshakeMessage::read_versioned(&m, V12),
        Err(InvalidMessage::TooLarge("handshake message"))
    );
    // ... and the chain cap on its own.
    let body = &m[4..];
    assert_eq!(
        CertificatePayload::read_bytes(body),
        Err(InvalidMessage::TooLarge("certificate_list"))
    );

    // One certificate over the per-certificate cap.
    let m = cert_msg(&[MAX_CERTIFICATE_LEN + 1]);
    assert_eq!(
        HandshakeMessage::read_versioned(&m, V12),
        Err(InvalidMessage::TooLarge("ASN.1Cert"))
    );
    assert!(HandshakeMessage::read_versioned(&cert_msg(&[MAX_CERTIFICATE_LEN]), V12).is_ok());

    // Too many certificates.
    let ok = cert_msg(&[10; MAX_CERTIFICATES]);
    assert!(HandshakeMessage::read_versioned(&ok, V12).is_ok());
    let m = cert_msg(&[10; MAX_CERTIFICATES + 1]);
    assert_eq!(
        HandshakeMessage::read_versioned(&m, V12),
        Err(InvalidMessage::TooLarge("certificate_list"))
    );

    // Empty certificate in the list.
    assert_eq!(
        CertificatePayload::read_bytes(&h("000003 000000")),
        Err(InvalidMessage::EmptyList("ASN.1Cert"))
    );
    // A header announcing 16 MiB is refused before anything is buffered.
    assert_eq!(
        HandshakeMessage::read_versioned(&h("0b ffffff"), V12),
        Err(InvalidMessage::TooLarge("handshake message"))
    );
    assert_eq!(
        HandshakeMessage::peek_header(&h("0b ffffff")),
        Some((HandshakeType::CERTIFICATE, 0xff_ffff))
    );
    assert_eq!(HandshakeMessage::peek_header(&h("0b ffff")), None);
}

#[test]
fn certificate_request_shape() {
    let rd = |s: &str, v| CertificateRequestPayload::read_versioned(&mut Reader::new(&h(s)), v);
    assert_eq!(
        rd("00", V10),
        Err(InvalidMessage::EmptyList("certificate_types"))
    );
    assert_eq!(
        rd("01 01 0003 040102 0000", V12),
        Err(InvalidMessage::BadListLength(
            "supported_signature_algorithms"
        ))
    );
    assert_eq!(
        rd("01 01 0002 0000", V10),
        Err(InvalidMessage::EmptyList("DistinguishedName"))
    );
    assert_eq!(
        rd("01 01 0003 0002 30", V10),
        Err(InvalidMessage::MissingData("DistinguishedName"))
    );
}

/// Same for CertificateRequest: 21,000 one-byte names (`0001 30` each) made decoding
/// peak at 1,332,116 heap bytes. Now capped at MAX_CERTIFICATE_AUTHORITIES.
#[test]
fn certificate_authorities_count_is_capped() {
    let request = |n: usize| {
        let mut body = h("01 01 0002 0401");
        let names = [0u8, 1, 0x30].repeat(n);
        put_vec(&mut body, ListLength::U16, &names);
        let mut msg = vec![HandshakeType::CERTIFICATE_REQUEST.get()];
        put_vec(&mut msg, ListLength::U24, &body);
        msg
    };
    let ok = HandshakeMessage::read_versioned(&request(MAX_CERTIFICATE_AUTHORITIES), V12);
    match ok.unwrap().payload {
        HandshakePayload::CertificateRequest(r) => {
            assert_eq!(r.authorities.len(), MAX_CERTIFICATE_AUTHORITIES);
            assert_eq!(r.authorities[0], [0x30]);
        }
        other => panic!("{other:?}"),
    }
    for n in [MAX_CERTIFICATE_AUTHORITIES + 1, 21_000] {
        assert_eq!(
            HandshakeMessage::read_versioned(&request(n), V12),
            Err(InvalidMessage::TooLarge("certificate_authorities")),
            "{n} names"
        );
    }
}
