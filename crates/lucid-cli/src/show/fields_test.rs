use super::*;

fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_byte_of_a_client_hello_is_labelled_once() {
    // From lucid-core's handshake codec tests.
    let raw = h("01 000059 0303
        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
        00 000a 002f 0035 003c 003d 00ff 01 00
        0026 0000 0010 000e 00 000b 6578616d706c652e636f6d
        0017 0000 0016 0000 000d 0006 0004 0401 0201");
    let f = handshake_fields(&raw, &Ctx::default());
    let joined: Vec<u8> = f.iter().flat_map(|x| x.bytes.clone()).collect();
    assert_eq!(joined, raw);
    let names: Vec<&str> = f.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        &names[..8],
        &[
            "msg_type",
            "length",
            "client_version",
            "random.gmt_unix_time",
            "random.random_bytes",
            "session_id length",
            "cipher_suites length",
            "cipher_suite"
        ]
    );
    assert!(f[1].note.starts_with("89 bytes"));
    assert!(f[2].note.starts_with("TLS 1.2 (3,3)"));
    assert!(f[7].note.starts_with("TLS_RSA_WITH_AES_128_CBC_SHA:"));
    let sni = f.iter().find(|x| x.name == "host_name").unwrap();
    assert_eq!(sni.bytes, b"example.com");
    assert!(sni.note.starts_with("\"example.com\""));
    let sig: Vec<&Field> = f
        .iter()
        .filter(|x| x.name == "signature_and_hash")
        .collect();
    assert_eq!(sig.len(), 2);
    assert!(sig[0].note.starts_with("rsa_pkcs1_sha256: hash sha256(4)"));
}

#[test]
fn server_hello_done_says_no_client_certificate() {
    let f = handshake_fields(&[14, 0, 0, 0], &Ctx::default());
    assert_eq!(f.len(), 3);
    assert!(f[2].note.contains("will not ask for a client certificate"));
}

#[test]
fn truncated_messages_fall_back_to_raw_bytes() {
    let raw = h("02 000026 0301 3333");
    let f = handshake_fields(&raw, &Ctx::default());
    let joined: Vec<u8> = f.iter().flat_map(|x| x.bytes.clone()).collect();
    assert_eq!(joined, raw);
}

/// A ClientHello whose only extension is ALPN with body `alpn` (list length included).
fn hello_with_alpn(alpn: &str) -> Vec<u8> {
    let alpn = h(alpn);
    let mut ext = h("0010");
    ext.extend_from_slice(&u16::try_from(alpn.len()).unwrap().to_be_bytes());
    ext.extend_from_slice(&alpn);
    let mut body = h(
        "0303 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
        00 0002 002f 01 00",
    );
    body.extend_from_slice(&u16::try_from(ext.len()).unwrap().to_be_bytes());
    body.extend_from_slice(&ext);
    let mut raw = vec![1, 0];
    raw.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    raw.extend_from_slice(&body);
    raw
}

#[test]
fn alpn_names_are_walked_and_malformed_lists_shown_raw() {
    let raw = hello_with_alpn("000c 02 6832 08 687474702f312e31");
    let f = handshake_fields(&raw, &Ctx::default());
    let joined: Vec<u8> = f.iter().flat_map(|x| x.bytes.clone()).collect();
    assert_eq!(joined, raw);
    let names: Vec<&Field> = f.iter().filter(|x| x.name == "ProtocolName").collect();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0].note, "\"h2\" (ASCII) = HTTP/2 over TLS");
    assert_eq!(names[1].note, "\"http/1.1\" (ASCII) = HTTP/1.1");
    // A name running past its list, a list running past the extension, an empty
    // list: every byte still appears exactly once, the rest as extension_data.
    for bad in ["0003 08 6832", "0009 02 6832", "0000", "0003 02 6832 00"] {
        let raw = hello_with_alpn(bad);
        let f = handshake_fields(&raw, &Ctx::default());
        let joined: Vec<u8> = f.iter().flat_map(|x| x.bytes.clone()).collect();
        assert_eq!(joined, raw, "{bad}");
    }
}

#[test]
fn cert_names_walks_tbs() {
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/pki/leaf.pem"
    ))
    .unwrap();
    let certs = lucid_core::x509::certs_from_pem(&der).unwrap();
    let (subject, issuer) = describe_cert(certs[0].as_ref(), None);
    assert!(subject.contains("CN=localhost"), "{subject}");
    assert!(issuer.contains("CN="), "{issuer}");
}
