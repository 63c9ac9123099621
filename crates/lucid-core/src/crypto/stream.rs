//! RC4 + HMAC record protection (RFC 5246 §6.2.3.1, RFC 2246 §6.2.3.1): the
//! `TLS_RSA_WITH_RC4_128_*` suites, a legacy opt-in prohibited by RFC 7465.
//!
//! # Implementation notes
//!
//! A stream-cipher record's body is `RC4(fragment ‖ MAC)`, the MAC (HMAC-MD5 or HMAC-SHA1)
//! taken over `seq(8) ‖ type(1) ‖ version(2) ‖ length(2) ‖ fragment`
//! ([`super::record_pseudo_header`], shared with CBC and GCM). There is no IV and no padding:
//! the RC4 keystream runs on across the records of a direction, from the key-block key, so
//! each direction's cipher state lives as long as its keys. Encrypt-then-MAC never applies
//! (RFC 7366 §3).
//!
//! **Constant time.** With no padding the MAC's position (`length − mac_len`) is public, so
//! the receiver MACs the fragment with the ordinary streaming HMAC and compares with
//! `subtle`'s constant-time equality; one [`Error::BadRecordMac`] for every failure. RC4
//! itself indexes its 256-byte state with secret values (a cache-timing channel inherent in
//! the cipher), one more reason it is opt-in only (see `suites::RC4_WEAKNESS`).
//!
//! **Secrets.** The RC4 state (`rc4` crate, `zeroize` feature) and the prepared HMAC states
//! are zeroized on drop.
//!
//! **Sequence numbers** work as for CBC: 0 ..= u64::MAX − 1, then
//! [`Error::SequenceNumberExhausted`]; a record that fails to open does not advance it.

use alloc::vec::Vec;
use core::fmt;

use rc4::{KeyInit, Rc4, StreamCipher};
use subtle::ConstantTimeEq;

use super::hmac_ct::{CtHmacKey, MAX_MAC_LEN};
use super::record_pseudo_header;
use super::suites::{BulkCipher, Protection, SuiteParams};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};
#[cfg(test)]
use crate::msgs::record::MAX_CIPHERTEXT;
use crate::msgs::record::{HEADER_LEN, MAX_PLAINTEXT};

/// Keys one direction: the MAC and the RC4 state.
fn keyed(suite: &SuiteParams, mac_key: &[u8], enc_key: &[u8]) -> Result<(CtHmacKey, Rc4), Error> {
    let (Protection::Stream(mac), BulkCipher::Rc4_128) = (suite.protection, suite.cipher) else {
        return Err(Error::Misuse("not a stream-cipher suite"));
    };
    if mac_key.len() != mac.mac_len() || enc_key.len() != suite.enc_key_len() {
        return Err(Error::Misuse("record key length does not match the suite"));
    }
    let rc4 = Rc4::new_from_slice(enc_key)
        .map_err(|_| Error::Misuse("record key length does not match the suite"))?;
    Ok((CtHmacKey::new(mac, mac_key), rc4))
}

/// Protects outgoing records for one direction.
pub(crate) struct StreamSealer {
    rc4: Rc4,
    mac: CtHmacKey,
    seq: u64,
}

impl fmt::Debug for StreamSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSealer")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl StreamSealer {
    /// A sealer for `suite` with this direction's MAC and RC4 keys from the key block.
    pub(crate) fn new(suite: &SuiteParams, mac_key: &[u8], enc_key: &[u8]) -> Result<Self, Error> {
        let (mac, rc4) = keyed(suite, mac_key, enc_key)?;
        Ok(Self { rc4, mac, seq: 0 })
    }

    /// The sequence number the next record will use.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// Appends one protected record (header and `RC4(plaintext ‖ MAC)`) to `out`.
    /// `plaintext` is at most 2^14 bytes ([`Error::Misuse`] otherwise); on error nothing is
    /// appended.
    pub(crate) fn seal(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if self.seq == u64::MAX {
            return Err(Error::SequenceNumberExhausted);
        }
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(Error::Misuse("plaintext fragment longer than 2^14 bytes"));
        }
        let mac_len = self.mac.mac_len();
        let plain_len16 = u16::try_from(plaintext.len()).map_err(|_| Error::Internal("RC4"))?;
        let body_len16 =
            u16::try_from(plaintext.len() + mac_len).map_err(|_| Error::Internal("RC4"))?;
        let mut tag = [0u8; MAX_MAC_LEN];
        let mut m = self.mac.stream();
        m.update(&record_pseudo_header(self.seq, typ, version, plain_len16));
        m.update(plaintext);
        m.finish(&mut tag);

        out.reserve(HEADER_LEN + usize::from(body_len16));
        out.push(typ.0);
        out.extend_from_slice(&version.0.to_be_bytes());
        out.extend_from_slice(&body_len16.to_be_bytes());
        let body_start = out.len();
        out.extend_from_slice(plaintext);
        out.extend_from_slice(tag.get(..mac_len).unwrap_or_default());
        if let Some(body) = out.get_mut(body_start..) {
            self.rc4.apply_keystream(body);
        }
        self.seq += 1;
        Ok(())
    }
}

/// Checks and decrypts incoming records for one direction.
pub(crate) struct StreamOpener {
    rc4: Rc4,
    mac: CtHmacKey,
    seq: u64,
}

impl fmt::Debug for StreamOpener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamOpener")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl StreamOpener {
    /// An opener for `suite` with the peer's MAC and RC4 keys from the key block.
    pub(crate) fn new(suite: &SuiteParams, mac_key: &[u8], enc_key: &[u8]) -> Result<Self, Error> {
        let (mac, rc4) = keyed(suite, mac_key, enc_key)?;
        Ok(Self { rc4, mac, seq: 0 })
    }

    /// The sequence number the next record must carry.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// Decrypts the record body `payload` in place, checks its MAC and returns the
    /// plaintext (a sub-slice of `payload`). Errors: [`Error::BadRecordMac`] for a body
    /// shorter than the MAC or a wrong MAC, [`Error::RecordOverflow`] for a body over
    /// 2^14 + 2048 bytes or an authenticated plaintext over 2^14,
    /// [`Error::SequenceNumberExhausted`]. After an error the connection must be closed
    /// (the keystream has moved on).
    pub(crate) fn open<'b>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'b mut [u8],
    ) -> Result<&'b mut [u8], Error> {
        super::check_record_in(self.seq, payload.len())?;
        let mac_len = self.mac.mac_len();
        // Public: the record length.
        let data_len = payload
            .len()
            .checked_sub(mac_len)
            .ok_or(Error::BadRecordMac)?;
        self.rc4.apply_keystream(payload);
        let (data, received) = payload.split_at_mut(data_len);
        let data_len16 = u16::try_from(data_len).map_err(|_| Error::BadRecordMac)?;
        let mut expected = [0u8; MAX_MAC_LEN];
        let mut m = self.mac.stream();
        m.update(&record_pseudo_header(self.seq, typ, version, data_len16));
        m.update(data);
        m.finish(&mut expected);
        let expected = expected.get(..mac_len).unwrap_or_default();
        if !bool::from(expected.ct_eq(&*received)) {
            return Err(Error::BadRecordMac);
        }
        if data.len() > MAX_PLAINTEXT {
            return Err(Error::RecordOverflow {
                len: data.len(),
                max: MAX_PLAINTEXT,
            });
        }
        self.seq += 1;
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::lookup;
    use crate::msgs::enums::CipherSuite;
    use hmac::{Hmac, KeyInit, Mac};

    /// RFC 6229 §2: the keystream of the 128-bit key 0x0102…10 at offsets 0, 16, 240,
    /// 256, 4080 and 4096 — the rc4 crate through lucid's use of it.
    #[test]
    fn rc4_keystream_rfc6229() {
        let key: Vec<u8> = (1..=16).collect();
        let mut rc4 = Rc4::new_from_slice(&key).unwrap();
        let mut stream = alloc::vec![0u8; 4112];
        rc4.apply_keystream(&mut stream);
        let want = [
            (0, "9ac7cc9a609d1ef7b2932899cde41b97"),
            (16, "5248c4959014126a6e8a84f11d1a9e1c"),
            (240, "065902e4b620f6cc36c8589f66432f2b"),
            (256, "d39d566bc6bce3010768151549f3873f"),
            (4080, "ff38265c1642c1abe8d3c2fe5e572bf8"),
            (4096, "a36a4c301ae8ac13610ccbc12256cacc"),
        ];
        for (at, hex_want) in want {
            assert_eq!(hex::encode(&stream[at..at + 16]), hex_want, "offset {at}");
        }
    }

    fn pair(suite: CipherSuite) -> (StreamSealer, StreamOpener, &'static SuiteParams) {
        let s = lookup(suite).unwrap();
        let mac_key: Vec<u8> = (0..s.mac_len() as u8).collect();
        let enc_key = [0x42u8; 16];
        (
            StreamSealer::new(s, &mac_key, &enc_key).unwrap(),
            StreamOpener::new(s, &mac_key, &enc_key).unwrap(),
            s,
        )
    }

    /// A record is RC4 over fragment ‖ HMAC(seq ‖ header ‖ fragment), checked against the
    /// `rc4` and `hmac` crates directly; the keystream runs on across records.
    #[test]
    fn records_match_an_independent_construction() {
        for suite in [
            CipherSuite::TLS_RSA_WITH_RC4_128_MD5,
            CipherSuite::TLS_RSA_WITH_RC4_128_SHA,
        ] {
            let (mut sealer, mut opener, s) = pair(suite);
            let mac_key: Vec<u8> = (0..s.mac_len() as u8).collect();
            let mut reference = Rc4::new_from_slice(&[0x42u8; 16]).unwrap();
            for (seq, len) in [0usize, 1, 100, 16384].into_iter().enumerate() {
                let plain: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut out = Vec::new();
                sealer
                    .seal(
                        ContentType::APPLICATION_DATA,
                        ProtocolVersion::TLSV1_0,
                        &plain,
                        &mut out,
                    )
                    .unwrap();
                let header = record_pseudo_header(
                    seq as u64,
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLSV1_0,
                    len as u16,
                );
                let tag = match s.mac() {
                    Some(crate::crypto::suites::MacAlgorithm::Md5) => {
                        let mut m = <Hmac<md5::Md5>>::new_from_slice(&mac_key).unwrap();
                        m.update(&header);
                        m.update(&plain);
                        m.finalize().into_bytes().to_vec()
                    }
                    _ => {
                        let mut m = <Hmac<sha1::Sha1>>::new_from_slice(&mac_key).unwrap();
                        m.update(&header);
                        m.update(&plain);
                        m.finalize().into_bytes().to_vec()
                    }
                };
                let mut want = [plain.clone(), tag].concat();
                reference.apply_keystream(&mut want);
                assert_eq!(&out[..3], &[23, 3, 1]);
                assert_eq!(
                    usize::from(u16::from_be_bytes([out[3], out[4]])),
                    want.len()
                );
                assert_eq!(&out[5..], &want[..], "{suite:?} record {seq}");
                let got = opener
                    .open(
                        ContentType::APPLICATION_DATA,
                        ProtocolVersion::TLSV1_0,
                        &mut out[5..],
                    )
                    .unwrap();
                assert_eq!(got, &plain[..]);
            }
            assert_eq!((sealer.seq(), opener.seq()), (4, 4));
        }
    }

    /// Every single-bit flip, a short body, a wrong type or sequence number is
    /// bad_record_mac; an oversized body is record_overflow; nothing panics.
    #[test]
    fn bad_records() {
        for suite in [
            CipherSuite::TLS_RSA_WITH_RC4_128_MD5,
            CipherSuite::TLS_RSA_WITH_RC4_128_SHA,
        ] {
            let typ = ContentType::APPLICATION_DATA;
            let v = ProtocolVersion::TLSV1_2;
            let (mut sealer, _, s) = pair(suite);
            let mut rec = Vec::new();
            sealer.seal(typ, v, b"hello", &mut rec).unwrap();
            for bit in 0..(rec.len() - 5) * 8 {
                let (_, mut opener, _) = pair(suite);
                let mut body = rec[5..].to_vec();
                body[bit / 8] ^= 1 << (bit % 8);
                assert_eq!(opener.open(typ, v, &mut body), Err(Error::BadRecordMac));
            }
            for short in 0..s.mac_len() {
                let (_, mut opener, _) = pair(suite);
                let mut body = rec[5..5 + short].to_vec();
                assert_eq!(opener.open(typ, v, &mut body), Err(Error::BadRecordMac));
            }
            let (_, mut opener, _) = pair(suite);
            let mut body = rec[5..].to_vec();
            assert_eq!(
                opener.open(ContentType::HANDSHAKE, v, &mut body),
                Err(Error::BadRecordMac)
            );
            let (_, mut opener, _) = pair(suite);
            let mut body = alloc::vec![0u8; MAX_CIPHERTEXT + 1];
            assert!(matches!(
                opener.open(typ, v, &mut body),
                Err(Error::RecordOverflow { .. })
            ));
            // An authenticated fragment over 2^14 (a peer that sealed one) overflows.
            let (_, mut opener, _) = pair(suite);
            let mut big = alloc::vec![0u8; MAX_PLAINTEXT + 1];
            let mac_key: Vec<u8> = (0..s.mac_len() as u8).collect();
            let k = CtHmacKey::new(s.mac().unwrap(), &mac_key);
            let mut tag = [0u8; MAX_MAC_LEN];
            let mut m = k.stream();
            m.update(&record_pseudo_header(0, typ, v, big.len() as u16));
            m.update(&big);
            let n = m.finish(&mut tag);
            big.extend_from_slice(&tag[..n]);
            Rc4::new_from_slice(&[0x42u8; 16])
                .unwrap()
                .apply_keystream(&mut big);
            assert!(matches!(
                opener.open(typ, v, &mut big),
                Err(Error::RecordOverflow { .. })
            ));
            // A plaintext over 2^14 is refused before anything is sealed.
            let mut out = Vec::new();
            assert!(matches!(
                sealer.seal(typ, v, &[0; MAX_PLAINTEXT + 1], &mut out),
                Err(Error::Misuse(_))
            ));
            assert!(out.is_empty());
        }
        // Wrong key lengths and a non-stream suite are misuse.
        let s = lookup(CipherSuite::TLS_RSA_WITH_RC4_128_SHA).unwrap();
        assert!(StreamSealer::new(s, &[0; 16], &[0; 16]).is_err());
        assert!(StreamOpener::new(s, &[0; 20], &[0; 24]).is_err());
        let aes = lookup(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA).unwrap();
        assert!(StreamSealer::new(aes, &[0; 20], &[0; 16]).is_err());
    }
}
