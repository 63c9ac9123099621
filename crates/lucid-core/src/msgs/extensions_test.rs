use super::*;
use crate::msgs::mutate::{check_codec_mutants, check_truncations};
use alloc::vec;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn client_cases() -> Vec<(ClientExtension, Vec<u8>)> {
    vec![
        (
            ClientExtension::server_name(b"example.com"),
            h("0000 0010 000e 00 000b 6578616d706c652e636f6d"),
        ),
        (
            ClientExtension::ServerName(vec![
                ServerNameEntry::host_name(b"a"),
                ServerNameEntry {
                    name_type: ServerNameType(7),
                    name: vec![0xaa, 0xbb],
                },
            ]),
            h("0000 000b 0009 00 0001 61 07 0002 aabb"),
        ),
        (
            ClientExtension::MaxFragmentLength(MaxFragmentLength::LEN_4096),
            h("0001 0001 04"),
        ),
        (
            ClientExtension::SignatureAlgorithms(vec![
                SignatureScheme::RSA_PKCS1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA1,
            ]),
            h("000d 0006 0004 0401 0201"),
        ),
        (
            ClientExtension::SignatureAlgorithms(vec![SignatureScheme(0xeeee)]),
            h("000d 0004 0002 eeee"),
        ),
        (ClientExtension::EncryptThenMac, h("0016 0000")),
        (ClientExtension::ExtendedMasterSecret, h("0017 0000")),
        (ClientExtension::SessionTicket(vec![]), h("0023 0000")),
        (
            ClientExtension::SessionTicket(vec![0xaa, 0xbb, 0xcc]),
            h("0023 0003 aabbcc"),
        ),
        (
            ClientExtension::RenegotiationInfo(vec![]),
            h("ff01 0001 00"),
        ),
        (
            ClientExtension::RenegotiationInfo(vec![0x5a; 12]),
            h("ff01 000d 0c 5a5a5a5a5a5a5a5a5a5a5a5a"),
        ),
        (
            ClientExtension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
            h("000a 0006 0004 001d 0017"),
        ),
        (
            ClientExtension::EcPointFormats(vec![EcPointFormat::UNCOMPRESSED]),
            h("000b 0002 01 00"),
        ),
        (
            ClientExtension::Alpn(vec![b"h2".to_vec()]),
            h("0010 0005 0003 02 6832"),
        ),
        (
            ClientExtension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            h("0010 000e 000c 02 6832 08 687474702f312e31"),
        ),
        (
            ClientExtension::Alpn(vec![vec![0xff; 255]]),
            [h("0010 0102 0100 ff"), vec![0xff; 255]].concat(),
        ),
        (
            ClientExtension::Unknown {
                typ: ExtensionType(0xfe0d),
                data: vec![],
            },
            h("fe0d 0000"),
        ),
    ]
}

fn server_cases() -> Vec<(ServerExtension, Vec<u8>)> {
    vec![
        (ServerExtension::ServerName, h("0000 0000")),
        (
            ServerExtension::EcPointFormats(vec![
                EcPointFormat::UNCOMPRESSED,
                EcPointFormat::ANSIX962_COMPRESSED_PRIME,
            ]),
            h("000b 0003 02 00 01"),
        ),
        (
            ServerExtension::MaxFragmentLength(MaxFragmentLength::LEN_512),
            h("0001 0001 01"),
        ),
        (ServerExtension::EncryptThenMac, h("0016 0000")),
        (ServerExtension::ExtendedMasterSecret, h("0017 0000")),
        (ServerExtension::SessionTicket, h("0023 0000")),
        (
            ServerExtension::RenegotiationInfo(vec![]),
            h("ff01 0001 00"),
        ),
        (
            ServerExtension::RenegotiationInfo((1..=24).collect()),
            h("ff01 0019 18 0102030405060708090a0b0c0d0e0f101112131415161718"),
        ),
        (
            ServerExtension::Alpn(b"http/1.1".to_vec()),
            h("0010 000b 0009 08 687474702f312e31"),
        ),
        (ServerExtension::Alpn(vec![0]), h("0010 0004 0002 01 00")),
        (
            ServerExtension::Unknown {
                typ: ExtensionType::SIGNATURE_ALGORITHMS,
                data: h("0002 0401"),
            },
            h("000d 0004 0002 0401"),
        ),
        (
            ServerExtension::Unknown {
                typ: ExtensionType(0x1234),
                data: vec![9],
            },
            h("1234 0001 09"),
        ),
    ]
}

#[test]
fn client_extensions_round_trip() {
    for (ext, bytes) in client_cases() {
        assert_eq!(ext.get_encoding(), bytes, "{ext:?}");
        assert_eq!(ClientExtension::read_bytes(&bytes), Ok(ext.clone()));
        assert_eq!(
            ext.ext_type().get(),
            u16::from_be_bytes([bytes[0], bytes[1]])
        );
    }
}

#[test]
fn server_extensions_round_trip() {
    for (ext, bytes) in server_cases() {
        assert_eq!(ext.get_encoding(), bytes, "{ext:?}");
        assert_eq!(ServerExtension::read_bytes(&bytes), Ok(ext.clone()));
        assert_eq!(
            ext.ext_type().get(),
            u16::from_be_bytes([bytes[0], bytes[1]])
        );
    }
}

#[test]
fn truncation_at_every_length_fails() {
    for (_, bytes) in client_cases() {
        check_truncations(&bytes, ClientExtension::read_bytes);
    }
    for (_, bytes) in server_cases() {
        check_truncations(&bytes, ServerExtension::read_bytes);
    }
}

#[test]
fn empty_body_extensions_reject_bodies() {
    assert_eq!(
        ClientExtension::read_bytes(&h("0017 0001 00")),
        Err(InvalidMessage::TrailingData("extended_master_secret"))
    );
    assert_eq!(
        ClientExtension::read_bytes(&h("0016 0002 0000")),
        Err(InvalidMessage::TrailingData("encrypt_then_mac"))
    );
    for (bytes, what) in [
        ("0000 0001 00", "server_name"),
        ("0016 0001 00", "encrypt_then_mac"),
        ("0017 0001 00", "extended_master_secret"),
        ("0023 0001 00", "session_ticket"),
    ] {
        assert_eq!(
            ServerExtension::read_bytes(&h(bytes)),
            Err(InvalidMessage::TrailingData(what))
        );
    }
}

#[test]
fn bodies_must_fill_their_length() {
    // renegotiation_info with a byte after renegotiated_connection
    assert_eq!(
        ClientExtension::read_bytes(&h("ff01 0002 00 ff")),
        Err(InvalidMessage::TrailingData("renegotiation_info"))
    );
    assert_eq!(
        ServerExtension::read_bytes(&h("ff01 0003 01 aa bb")),
        Err(InvalidMessage::TrailingData("renegotiation_info"))
    );
    // renegotiated_connection longer than the extension
    assert_eq!(
        ServerExtension::read_bytes(&h("ff01 0002 05 aa")),
        Err(InvalidMessage::MissingData("renegotiation_info"))
    );
    // max_fragment_length with two bytes
    assert_eq!(
        ClientExtension::read_bytes(&h("0001 0002 01 01")),
        Err(InvalidMessage::TrailingData("max_fragment_length"))
    );
    // server_name list shorter than the extension
    assert_eq!(
        ClientExtension::read_bytes(&h("0000 0007 0004 00 0001 61 00")),
        Err(InvalidMessage::TrailingData("server_name"))
    );
    // extension length past the end of the input
    assert_eq!(
        ClientExtension::read_bytes(&h("0017 0001")),
        Err(InvalidMessage::MissingData("extension"))
    );
}

#[test]
fn max_fragment_length_any_value_decodes() {
    // Undefined values survive decoding, to be refused by the handshake with
    // illegal_parameter (RFC 6066 §4) rather than decode_error.
    for v in [0u8, 1, 2, 3, 4, 5, 0xff] {
        let bytes = [0x00, 0x01, 0x00, 0x01, v];
        assert_eq!(
            ClientExtension::read_bytes(&bytes),
            Ok(ClientExtension::MaxFragmentLength(MaxFragmentLength(v)))
        );
        assert_eq!(
            ServerExtension::read_bytes(&bytes),
            Ok(ServerExtension::MaxFragmentLength(MaxFragmentLength(v)))
        );
        assert_eq!(
            ServerExtension::MaxFragmentLength(MaxFragmentLength(v)).get_encoding(),
            bytes
        );
    }
    // An empty body is malformed.
    assert_eq!(
        ClientExtension::read_bytes(&h("0001 0000")),
        Err(InvalidMessage::MissingData("max_fragment_length"))
    );
}

#[test]
fn signature_algorithms_shape() {
    assert_eq!(
        ClientExtension::read_bytes(&h("000d 0002 0000")),
        Err(InvalidMessage::EmptyList("signature_algorithms"))
    );
    assert_eq!(
        ClientExtension::read_bytes(&h("000d 0005 0003 0401 02")),
        Err(InvalidMessage::BadListLength("signature_algorithms"))
    );
    assert_eq!(
        ClientExtension::read_bytes(&h("000d 0000")),
        Err(InvalidMessage::MissingData("signature_algorithms"))
    );
}

#[test]
fn server_name_shape() {
    assert_eq!(
        ClientExtension::read_bytes(&h("0000 0002 0000")),
        Err(InvalidMessage::EmptyList("server_name"))
    );
    assert_eq!(
        ClientExtension::read_bytes(&h("0000 0005 0003 00 0000")),
        Err(InvalidMessage::EmptyList("HostName"))
    );
    // two host_name entries (RFC 6066 §3 MUST NOT)
    assert_eq!(
        ClientExtension::read_bytes(&h("0000 000a 0008 00 0001 61 00 0001 62")),
        Err(InvalidMessage::InvalidValue("server_name"))
    );
}

#[test]
fn alpn_shape() {
    let both = |bytes: &str, err: InvalidMessage| {
        assert_eq!(ClientExtension::read_bytes(&h(bytes)), Err(err), "{bytes}");
        assert_eq!(ServerExtension::read_bytes(&h(bytes)), Err(err), "{bytes}");
    };
    // no body, an empty list, a list too short for a name
    both(
        "0010 0000",
        InvalidMessage::MissingData("protocol_name_list"),
    );
    both(
        "0010 0002 0000",
        InvalidMessage::EmptyList("protocol_name_list"),
    );
    both(
        "0010 0003 0001 00",
        InvalidMessage::MissingData("protocol_name_list"),
    );
    // an empty name, alone or after a good one (RFC 7301 §3.1: MUST NOT)
    both(
        "0010 0004 0002 00 00",
        InvalidMessage::EmptyList("ProtocolName"),
    );
    assert_eq!(
        ClientExtension::read_bytes(&h("0010 0006 0004 02 6832 00")),
        Err(InvalidMessage::EmptyList("ProtocolName"))
    );
    // a name longer than the list
    both(
        "0010 0005 0003 03 6832",
        InvalidMessage::MissingData("ProtocolName"),
    );
    // the list shorter than the extension
    both(
        "0010 0006 0003 02 6832 00",
        InvalidMessage::TrailingData("application_layer_protocol_negotiation"),
    );
    // The server selects exactly one: two names are a decode error on its side only.
    let two = h("0010 0008 0006 02 6832 02 6833");
    assert_eq!(
        ClientExtension::read_bytes(&two),
        Ok(ClientExtension::Alpn(vec![b"h2".to_vec(), b"h3".to_vec()]))
    );
    assert_eq!(
        ServerExtension::read_bytes(&two),
        Err(InvalidMessage::TrailingData(
            "protocol_name_list (the server selects exactly one)"
        ))
    );
    // Names are opaque bytes: any value, kept as sent.
    assert_eq!(
        ServerExtension::read_bytes(&h("0010 0004 0002 01 ff")),
        Ok(ServerExtension::Alpn(vec![0xff]))
    );
}

#[test]
fn unknown_extension_preserved() {
    let bytes = h("3374 0003 010203");
    let c = ClientExtension::read_bytes(&bytes).unwrap();
    assert_eq!(
        c,
        ClientExtension::Unknown {
            typ: ExtensionType(0x3374),
            data: vec![1, 2, 3]
        }
    );
    assert_eq!(c.get_encoding(), bytes);
    let s = ServerExtension::read_bytes(&bytes).unwrap();
    assert_eq!(s.ext_type(), ExtensionType(0x3374));
    assert_eq!(s.get_encoding(), bytes);
}

#[test]
fn duplicates_found() {
    let t = |v: &[u16]| first_duplicate(v.iter().map(|&x| ExtensionType(x)));
    assert_eq!(t(&[]), None);
    assert_eq!(t(&[1, 2, 3]), None);
    assert_eq!(
        t(&[0xff01, 23, 0xff01]),
        Some(ExtensionType::RENEGOTIATION_INFO)
    );
}

#[test]
fn mutants() {
    let seeds: Vec<_> = client_cases().into_iter().map(|(_, b)| b).collect();
    check_codec_mutants::<ClientExtension>(&seeds, 4000, 3);
    let seeds: Vec<_> = server_cases().into_iter().map(|(_, b)| b).collect();
    check_codec_mutants::<ServerExtension>(&seeds, 4000, 4);
}
