//! The `handshake_messages` harness: every wire decoder, with the decode → encode → decode
//! property.

use alloc::vec::Vec;
use core::fmt::Debug;

use crate::codec::{Codec, InvalidMessage};
use crate::msgs::alert::AlertMessage;
use crate::msgs::ccs::ChangeCipherSpecPayload;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::extensions::{ClientExtension, ServerExtension};
use crate::msgs::handshake::{
    HANDSHAKE_HEADER_LEN, HandshakeMessage, HandshakePayload, MAX_HANDSHAKE_MESSAGE_LEN,
    max_body_len,
};
use crate::msgs::sslv2::{SSLV2_HEADER_LEN, read_sslv2_client_hello, sslv2_client_hello_len};
use crate::record::RecordHeader;

/// The decoders, selected by the first input byte (modulo the count).
const DECODERS: u8 = 8;

/// Decodes `data[1..]` with the decoder chosen by `data[0] % 8`:
///
/// | `data[0] % 8` | decoder |
/// |---|---|
/// | 0, 1, 2 | [`HandshakeMessage::read_versioned`] at TLS 1.0, 1.1, 1.2 |
/// | 3 | [`ClientExtension`] |
/// | 4 | [`ServerExtension`] |
/// | 5 | [`AlertMessage`] |
/// | 6 | SSLv2-compatible CLIENT-HELLO ([`read_sslv2_client_hello`]), record header included |
/// | 7 | [`ChangeCipherSpecPayload`] and [`RecordHeader`] |
///
/// Whatever decodes must encode to bytes that decode to an equal value, and encoding must
/// be a fixed point from then on (`encode(decode(encode(v))) == encode(v)`). Hellos are
/// compared without the extensions decoding skipped ([`HandshakeMessage::canonical`]:
/// they are counted, not stored, so they cannot be re-encoded). A handshake
/// message must also agree with [`HandshakeMessage::peek_header`] and respect its type's cap
/// ([`max_body_len`]; [`MAX_HANDSHAKE_MESSAGE_LEN`] for all but the hellos). Panics on any violation.
pub fn handshake_messages(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % DECODERS {
        n @ 0..=2 => handshake_message(body, [V10, V11, V12].get(usize::from(n)).copied()),
        3 => check(
            body,
            ClientExtension::read_bytes,
            ClientExtension::get_encoding,
        ),
        4 => check(
            body,
            ServerExtension::read_bytes,
            ServerExtension::get_encoding,
        ),
        5 => check(body, AlertMessage::read_bytes, AlertMessage::get_encoding),
        6 => sslv2_hello(body),
        _ => {
            check(
                body,
                ChangeCipherSpecPayload::read_bytes,
                ChangeCipherSpecPayload::get_encoding,
            );
            check(body, RecordHeader::read_bytes, RecordHeader::get_encoding);
        }
    }
}

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

/// [`round_trip`] without the value.
fn check<T: PartialEq + Debug>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, InvalidMessage>,
    encode: impl Fn(&T) -> Vec<u8>,
) {
    round_trip(bytes, decode, encode);
}

/// Decode → encode → decode must give the same value, and the second encoding must equal
/// the first. Returns the decoded value.
fn round_trip<T: PartialEq + Debug>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, InvalidMessage>,
    encode: impl Fn(&T) -> Vec<u8>,
) -> Option<T> {
    let first = decode(bytes).ok()?;
    let encoded = encode(&first);
    let second = match decode(&encoded) {
        Ok(v) => v,
        Err(e) => panic!(
            "re-encoding of {first:?} does not decode: {e:?}\ninput   {bytes:02x?}\nencoded {encoded:02x?}"
        ),
    };
    assert_eq!(first, second, "decode(encode(x)) != x for {bytes:02x?}");
    assert_eq!(encode(&second), encoded, "encoding is not a fixed point");
    Some(first)
}

fn handshake_message(bytes: &[u8], version: Option<ProtocolVersion>) {
    let version = version.unwrap_or(V12);
    let decoded = round_trip(
        bytes,
        |b| HandshakeMessage::read_versioned(b, version).map(HandshakeMessage::canonical),
        HandshakeMessage::get_encoding,
    );
    let Some(msg) = decoded else {
        return;
    };
    assert!(bytes.len() <= HANDSHAKE_HEADER_LEN + max_body_len(msg.typ));
    let hello = matches!(
        msg.typ,
        HandshakeType::CLIENT_HELLO | HandshakeType::SERVER_HELLO
    );
    assert!(hello || bytes.len() <= MAX_HANDSHAKE_MESSAGE_LEN);
    // The header the joiner peeks at is the one the decoder used.
    let (typ, len) = HandshakeMessage::peek_header(bytes).expect("a decoded message has a header");
    assert_eq!(typ, msg.typ);
    assert_eq!(Some(len), bytes.len().checked_sub(HANDSHAKE_HEADER_LEN));
    // Only Unknown carries a header type of its own choosing.
    if !matches!(msg.payload, HandshakePayload::Unknown { .. }) {
        assert_eq!(msg.typ, msg.payload.typ());
    }
}

fn sslv2_hello(record: &[u8]) {
    // Framed as the deframer frames it: the header's length says where the body ends.
    let Some(len) = sslv2_client_hello_len(record) else {
        return;
    };
    let end = SSLV2_HEADER_LEN.saturating_add(len);
    let Some(body) = record.get(SSLV2_HEADER_LEN..end) else {
        return;
    };
    let Ok(hello) = read_sslv2_client_hello(body) else {
        return;
    };
    // The equivalent TLS ClientHello round-trips (unless no TLS suite survived, which the
    // TLS encoding cannot express: cipher_suites<2..2^16-2>).
    if hello.cipher_suites.is_empty() {
        return;
    }
    let msg = HandshakeMessage::new(HandshakePayload::ClientHello(hello));
    let encoded = msg.get_encoding();
    let back = HandshakeMessage::read_versioned(&encoded, V12)
        .unwrap_or_else(|e| panic!("TLS form of an SSLv2 hello does not decode: {e:?}"));
    assert_eq!(back, msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_selector_accepts_a_valid_message() {
        // Each of these decodes (so the property is exercised, not skipped).
        let cases: &[(u8, &[u8])] = &[
            (0, &[0x0e, 0, 0, 0]),                         // ServerHelloDone
            (1, &[0x14, 0, 0, 2, 0xaa, 0xbb]),             // Finished
            (2, &[0x0d, 0, 0, 8, 1, 1, 0, 2, 4, 1, 0, 0]), // CertificateRequest, TLS 1.2
            (3, &[0x00, 0x17, 0, 0]),                      // extended_master_secret
            (4, &[0xff, 0x01, 0, 1, 0]),                   // renegotiation_info
            (5, &[2, 40]),                                 // fatal handshake_failure
            (7, &[1]),                                     // ChangeCipherSpec
        ];
        for (sel, body) in cases {
            let mut input = alloc::vec![*sel];
            input.extend_from_slice(body);
            handshake_messages(&input);
        }
        assert!(HandshakeMessage::read_versioned(&[0x0e, 0, 0, 0], V10).is_ok());
        assert!(ClientExtension::read_bytes(&[0x00, 0x17, 0, 0]).is_ok());
        assert!(ServerExtension::read_bytes(&[0xff, 0x01, 0, 1, 0]).is_ok());
        assert!(RecordHeader::read_bytes(&[0x16, 3, 3, 0, 5]).is_ok());
        // A CertificateRequest that is TLS 1.2-shaped fails at 1.0 (no sigalgs there), but
        // must not panic either way.
        let tls12_request = [0x0d, 0, 0, 8, 1, 1, 0, 2, 4, 1, 0, 0];
        assert!(HandshakeMessage::read_versioned(&tls12_request, V12).is_ok());
        assert!(HandshakeMessage::read_versioned(&tls12_request, V10).is_err());
        handshake_messages(&[0, 0x0d, 0, 0, 8, 1, 1, 0, 2, 4, 1, 0, 0]);
        handshake_messages(&[]);
        handshake_messages(&[6]);
    }

    #[test]
    fn sslv2_hello_round_trips_to_tls() {
        // 2-byte header, CLIENT-HELLO, TLS 1.0, one cipher spec (AES128-SHA), no session id,
        // 16-byte challenge.
        let mut rec = alloc::vec![
            0x80, 0x1c, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10
        ];
        rec.extend_from_slice(&[0x00, 0x00, 0x2f]);
        rec.extend_from_slice(&[0x5a; 16]);
        assert_eq!(sslv2_client_hello_len(&rec), Some(rec.len() - 2));
        let mut input = alloc::vec![6];
        input.extend_from_slice(&rec);
        handshake_messages(&input);
    }
}
