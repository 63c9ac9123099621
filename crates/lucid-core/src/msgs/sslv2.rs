//! The SSLv2-compatible CLIENT-HELLO (RFC 5246 Appendix E.2, RFC 4346 E.1, RFC 2246 E.1).
//!
//! Old clients (OpenSSL 0.9.x with default settings, Java 1.4–6, old Windows) open with an
//! SSL 2.0 record carrying a CLIENT-HELLO whose `version` announces TLS. A TLS server that
//! wants to talk to them must accept this once, as the very first message, and never again:
//!
//! ```text
//! uint8 msg_length[2];        // high bit set: 2-byte SSLv2 header, no padding
//! uint8 msg_type;             // 1 = CLIENT-HELLO
//! Version version;            // highest version the client supports
//! uint16 cipher_spec_length;  // non-zero multiple of 3
//! uint16 session_id_length;   // 0 (or 16, from SSLv2 clients)
//! uint16 challenge_length;    // 16..=32, 32 recommended
//! V2CipherSpec cipher_specs[cipher_spec_length];
//! opaque session_id[session_id_length];
//! opaque challenge[challenge_length];
//! ```
//!
//! **Transcript hash:** the handshake hash (and so both Finished messages and, with
//! RFC 7627, the session hash) covers the CLIENT-HELLO bytes from `msg_type` on, that is
//! exactly the `body` given to [`read_sslv2_client_hello`] — *not* the 2-byte `msg_length`
//! header, and *not* a re-encoding as a TLS ClientHello.

use alloc::vec::Vec;

use crate::codec::{InvalidMessage, Reader};
use crate::msgs::enums::{CipherSuite, Compression, ProtocolVersion};
use crate::msgs::handshake::{ClientHelloPayload, Random, SessionId};

/// `msg_type` of an SSLv2 CLIENT-HELLO.
pub(crate) const SSLV2_CLIENT_HELLO: u8 = 1;

/// Length of the SSLv2 record header lucid accepts (the 2-byte form, no padding).
pub(crate) const SSLV2_HEADER_LEN: usize = 2;

/// If `bytes` start with what looks like an SSLv2 record holding a CLIENT-HELLO (2-byte
/// header with the high bit set, then `msg_type` 1), the length of the body that follows
/// the header. `None` if it is not one (or fewer than 3 bytes are available).
///
/// A TLS record can never match: its first byte is a content type (20..=24), high bit clear.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn sslv2_client_hello_len(bytes: &[u8]) -> Option<usize> {
    let mut r = Reader::new(bytes);
    let len = r.u16("SSLv2 header").ok()?;
    let msg_type = r.u8("SSLv2 msg_type").ok()?;
    (len & 0x8000 != 0 && msg_type == SSLV2_CLIENT_HELLO).then_some(usize::from(len & 0x7fff))
}

/// Decodes an SSLv2-compatible CLIENT-HELLO into the equivalent TLS ClientHello.
///
/// `body` is everything after the 2-byte SSLv2 record header, starting at `msg_type`, and
/// must hold exactly one CLIENT-HELLO (trailing bytes are rejected).
///
/// The mapping (RFC 5246 E.2):
/// - cipher specs whose first byte is 0 become `CipherSuite` from their last two bytes (this
///   keeps the SCSVs `0x0000ff` and `0x005600`); pure SSLv2 specs are dropped, so the list
///   may end up empty — the server then has no suite in common;
/// - the 32-byte `Random` is the challenge right-aligned, zero-padded on the left;
/// - the session id (lengths 0..=32 accepted; E.2 says it MUST be 0 for TLS 1.2-capable
///   clients, SSLv2 used 16) is kept as the session id;
/// - compression is `[null]` and there are no extensions.
///
/// Remember that the transcript hash covers `body` itself (see the module docs).
pub(crate) fn read_sslv2_client_hello(body: &[u8]) -> Result<ClientHelloPayload, InvalidMessage> {
    let mut r = Reader::new(body);
    if r.u8("SSLv2 msg_type")? != SSLV2_CLIENT_HELLO {
        return Err(InvalidMessage::InvalidValue("SSLv2 msg_type"));
    }
    let client_version = ProtocolVersion(r.u16("SSLv2 version")?);
    let cipher_spec_len = usize::from(r.u16("SSLv2 cipher_spec_length")?);
    let session_id_len = usize::from(r.u16("SSLv2 session_id_length")?);
    let challenge_len = usize::from(r.u16("SSLv2 challenge_length")?);

    if cipher_spec_len == 0 {
        return Err(InvalidMessage::EmptyList("SSLv2 cipher_specs"));
    }
    if cipher_spec_len % 3 != 0 {
        return Err(InvalidMessage::BadListLength("SSLv2 cipher_specs"));
    }
    if session_id_len > SessionId::MAX_LEN {
        return Err(InvalidMessage::TooLarge("SSLv2 session_id"));
    }
    if challenge_len > 32 {
        return Err(InvalidMessage::TooLarge("SSLv2 challenge"));
    }
    if challenge_len < 16 {
        return Err(InvalidMessage::InvalidValue("SSLv2 challenge"));
    }

    let specs = r.take(cipher_spec_len, "SSLv2 cipher_specs")?;
    let session_id = SessionId::new(r.take(session_id_len, "SSLv2 session_id")?)?;
    let challenge = r.take(challenge_len, "SSLv2 challenge")?;
    r.expect_empty("SSLv2 CLIENT-HELLO")?;

    let cipher_suites: Vec<CipherSuite> = specs
        .chunks_exact(3)
        .filter_map(|spec| match spec {
            [0, hi, lo] => Some(CipherSuite(u16::from_be_bytes([*hi, *lo]))),
            _ => None,
        })
        .collect();

    let mut random = [0u8; 32];
    let start = random
        .len()
        .checked_sub(challenge.len())
        .ok_or(InvalidMessage::TooLarge("SSLv2 challenge"))?;
    random
        .get_mut(start..)
        .ok_or(InvalidMessage::TooLarge("SSLv2 challenge"))?
        .copy_from_slice(challenge);

    Ok(ClientHelloPayload {
        client_version,
        random: Random(random),
        session_id,
        cipher_suites,
        compression_methods: alloc::vec![Compression::NULL],
        extensions: Vec::new(),
        unknown_extensions: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::mutate::{Prng, check_truncations, mutate};
    use alloc::vec;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<alloc::string::String>()).unwrap()
    }

    /// An SSLv2-format CLIENT-HELLO of the shape OpenSSL 0.9.8 sends by default
    /// (`openssl s_client` without -tls1): 2-byte header, version TLS 1.0, 26 cipher specs
    /// (20 TLS, 6 SSLv2-only, ending with the RFC 5746 SCSV), no session id, 32-byte
    /// challenge.
    const OPENSSL_098_HELLO: &str = "
        80 77
        01
        03 01
        00 4e
        00 00
        00 20
        000039 000038 000035 000016 000013 00000a 0700c0 000033 000032 00002f
        030080 000005 000004 010080 000015 000012 000009 060040 000014 000011
        000008 000006 040080 000003 020080 0000ff
        4a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f506172839";

    #[test]
    fn parses_openssl_098_hello() {
        let rec = h(OPENSSL_098_HELLO);
        assert_eq!(rec.len(), 2 + 0x77);
        assert_eq!(sslv2_client_hello_len(&rec), Some(0x77));
        let body = &rec[SSLV2_HEADER_LEN..];
        let ch = read_sslv2_client_hello(body).unwrap();
        assert_eq!(ch.client_version, ProtocolVersion::TLSV1_0);
        let suites: Vec<u16> = ch.cipher_suites.iter().map(|s| s.get()).collect();
        assert_eq!(
            suites,
            [
                0x39, 0x38, 0x35, 0x16, 0x13, 0x0a, 0x33, 0x32, 0x2f, 0x05, 0x04, 0x15, 0x12, 0x09,
                0x14, 0x11, 0x08, 0x06, 0x03, 0xff
            ]
        );
        assert!(
            ch.cipher_suites
                .contains(&CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA)
        );
        assert!(
            ch.cipher_suites
                .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
        );
        assert_eq!(
            ch.random.0.to_vec(),
            h("4a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f506172839")
        );
        assert!(ch.session_id.is_empty());
        assert_eq!(ch.compression_methods, [Compression::NULL]);
        assert!(ch.extensions.is_empty());
    }

    #[test]
    fn short_challenge_is_left_padded_and_session_id_kept() {
        let body = h("
            01 0301 0006 0010 0010
            00002f 010080
            a1a2a3a4a5a6a7a8a9aaabacadaeafb0
            0102030405060708090a0b0c0d0e0f10");
        let ch = read_sslv2_client_hello(&body).unwrap();
        assert_eq!(
            ch.cipher_suites,
            [CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA]
        );
        assert_eq!(
            ch.session_id.as_slice(),
            h("a1a2a3a4a5a6a7a8a9aaabacadaeafb0")
        );
        let mut want = [0u8; 32];
        want[16..].copy_from_slice(&h("0102030405060708090a0b0c0d0e0f10"));
        assert_eq!(ch.random, Random(want));
    }

    #[test]
    fn only_sslv2_specs_gives_empty_suite_list() {
        let body = h("01 0301 0003 0000 0010 010080")
            .into_iter()
            .chain([7; 16])
            .collect::<Vec<_>>();
        let ch = read_sslv2_client_hello(&body).unwrap();
        assert!(ch.cipher_suites.is_empty());
    }

    #[test]
    fn rejects_malformed() {
        let challenge = "00".repeat(16);
        let t = |head: &str, rest: &str| {
            read_sslv2_client_hello(&h(&(alloc::format!("{head} {rest}"))))
        };
        assert_eq!(
            t("04 0301 0003 0000 0010 00002f", &challenge),
            Err(InvalidMessage::InvalidValue("SSLv2 msg_type"))
        );
        assert_eq!(
            t("01 0301 0000 0000 0010", &challenge),
            Err(InvalidMessage::EmptyList("SSLv2 cipher_specs"))
        );
        assert_eq!(
            t("01 0301 0004 0000 0010 00002f00", &challenge),
            Err(InvalidMessage::BadListLength("SSLv2 cipher_specs"))
        );
        assert_eq!(
            t(
                "01 0301 0003 0021 0010 00002f",
                &("00".repeat(33) + &challenge)
            ),
            Err(InvalidMessage::TooLarge("SSLv2 session_id"))
        );
        assert_eq!(
            t("01 0301 0003 0000 000f 00002f", &"00".repeat(15)),
            Err(InvalidMessage::InvalidValue("SSLv2 challenge"))
        );
        assert_eq!(
            t("01 0301 0003 0000 0021 00002f", &"00".repeat(33)),
            Err(InvalidMessage::TooLarge("SSLv2 challenge"))
        );
        assert_eq!(
            t("01 0301 0003 0000 0010 00002f", &(challenge.clone() + "00")),
            Err(InvalidMessage::TrailingData("SSLv2 CLIENT-HELLO"))
        );
        assert!(t("01 0301 0003 0000 0010 00002f", &challenge).is_ok());
    }

    #[test]
    fn truncation_at_every_length_fails() {
        let rec = h(OPENSSL_098_HELLO);
        check_truncations(&rec[2..], read_sslv2_client_hello);
    }

    #[test]
    fn header_detection() {
        assert_eq!(sslv2_client_hello_len(&[0x80, 0x2e, 0x01]), Some(0x2e));
        assert_eq!(
            sslv2_client_hello_len(&[0x81, 0x00, 0x01, 0xff]),
            Some(0x100)
        );
        // a TLS handshake record
        assert_eq!(sslv2_client_hello_len(&[0x16, 0x03, 0x01, 0x00]), None);
        // SSLv2 header but another message type
        assert_eq!(sslv2_client_hello_len(&[0x80, 0x2e, 0x04]), None);
        assert_eq!(sslv2_client_hello_len(&[0x80, 0x2e]), None);
    }

    #[test]
    fn mutants() {
        let rec = h(OPENSSL_098_HELLO);
        let seed = &rec[2..];
        let mut rng = Prng::new(21);
        let (mut ok, mut err) = (0, 0);
        for _ in 0..4000 {
            let m = mutate(&mut rng, seed);
            match read_sslv2_client_hello(&m) {
                Ok(ch) => {
                    ok += 1;
                    assert!(ch.cipher_suites.len() <= m.len() / 3);
                    assert_eq!(ch.compression_methods, vec![Compression::NULL]);
                }
                Err(_) => err += 1,
            }
        }
        assert!(ok > 0 && err > 0, "ok {ok} err {err}");
    }
}
