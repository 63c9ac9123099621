//! A thin DER walker over `der::SliceReader`.
//!
//! X.509 verification needs the *raw bytes* of several parts of a certificate (the signed
//! `tbsCertificate`, the issuer and subject names, the public key) as well as their decoded
//! meaning, so certificates are walked TLV by TLV with the `der` crate's strict DER reader
//! (minimal lengths, no indefinite lengths, no trailing bytes) instead of being decoded into
//! owned structures. Every read is bounded by the input slice; nothing here panics or
//! allocates.

use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, Tagged};

use super::CertificateError;

/// One decoded TLV: its tag, its value bytes and the whole encoding (tag + length + value).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: Tag,
    pub(crate) value: &'a [u8],
    pub(crate) raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over this TLV's value (for constructed types).
    pub(crate) fn reader(&self) -> Result<DerReader<'a>, CertificateError> {
        DerReader::new(self.value)
    }

    /// The context-specific tag number, if this is a context-specific tag.
    pub(crate) fn context_number(&self) -> Option<u32> {
        match self.tag {
            Tag::ContextSpecific { number, .. } => Some(number.value()),
            _ => None,
        }
    }
}

/// A cursor over a sequence of DER TLVs.
#[derive(Debug)]
pub(crate) struct DerReader<'a> {
    inner: SliceReader<'a>,
}

impl<'a> DerReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, CertificateError> {
        Ok(Self {
            inner: SliceReader::new(bytes).map_err(|_| CertificateError::BadEncoding)?,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.inner.is_finished()
    }

    /// The tag of the next TLV, if any.
    pub(crate) fn peek_tag(&self) -> Option<Tag> {
        if self.is_empty() {
            return None;
        }
        Tag::peek(&self.inner).ok()
    }

    /// Read the next TLV whatever its tag.
    pub(crate) fn read_any(&mut self) -> Result<Tlv<'a>, CertificateError> {
        let raw = self
            .inner
            .tlv_bytes()
            .map_err(|_| CertificateError::BadEncoding)?;
        let any = AnyRef::from_der(raw).map_err(|_| CertificateError::BadEncoding)?;
        Ok(Tlv {
            tag: any.tag(),
            value: any.value(),
            raw,
        })
    }

    /// Read the next TLV, which must carry `tag`.
    pub(crate) fn read(&mut self, tag: Tag) -> Result<Tlv<'a>, CertificateError> {
        let tlv = self.read_any()?;
        if tlv.tag != tag {
            return Err(CertificateError::BadEncoding);
        }
        Ok(tlv)
    }

    /// Read the next TLV only if it carries `tag`.
    pub(crate) fn read_optional(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>, CertificateError> {
        if self.peek_tag() == Some(tag) {
            self.read(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fail unless every byte was consumed.
    pub(crate) fn finish(self) -> Result<(), CertificateError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(CertificateError::BadEncoding)
        }
    }
}

/// Context-specific tag `[n]`.
pub(crate) fn context(number: u32, constructed: bool) -> Tag {
    der::TagNumber(number).context_specific(constructed)
}

/// Parse a whole buffer as exactly one TLV with `tag`.
pub(crate) fn single(bytes: &[u8], tag: Tag) -> Result<Tlv<'_>, CertificateError> {
    let mut r = DerReader::new(bytes)?;
    let tlv = r.read(tag)?;
    r.finish()?;
    Ok(tlv)
}

/// Interpret a DER BOOLEAN value.
pub(crate) fn boolean(tlv: &Tlv<'_>) -> Result<bool, CertificateError> {
    match tlv.value {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(CertificateError::BadEncoding),
    }
}

/// The content bytes of a BIT STRING with no unused bits.
pub(crate) fn bit_string_bytes<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], CertificateError> {
    match tlv.value.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(CertificateError::BadEncoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_sequence_and_raw_bytes() {
        let bytes = [0x30, 0x06, 0x02, 0x01, 0x05, 0x01, 0x01, 0xff];
        let outer = single(&bytes, Tag::Sequence).unwrap();
        assert_eq!(outer.raw, &bytes[..]);
        let mut r = outer.reader().unwrap();
        let int = r.read(Tag::Integer).unwrap();
        assert_eq!(int.value, &[5]);
        assert_eq!(int.raw, &[2, 1, 5]);
        assert!(r.read_optional(Tag::Integer).unwrap().is_none());
        let b = r.read(Tag::Boolean).unwrap();
        assert!(boolean(&b).unwrap());
        r.finish().unwrap();
    }

    #[test]
    fn truncation_at_every_length_fails() {
        let bytes = [0x30, 0x06, 0x02, 0x01, 0x05, 0x01, 0x01, 0xff];
        for n in 0..bytes.len() {
            assert!(single(&bytes[..n], Tag::Sequence).is_err(), "len {n}");
        }
    }

    #[test]
    fn rejects_non_minimal_length_and_trailing_bytes() {
        assert!(single(&[0x04, 0x81, 0x01, 0x00], Tag::OctetString).is_err());
        assert!(single(&[0x04, 0x01, 0x00, 0x00], Tag::OctetString).is_err());
        assert!(single(&[0x04, 0x80, 0x00, 0x00], Tag::OctetString).is_err());
    }

    #[test]
    fn context_tags() {
        let bytes = [0xa3, 0x02, 0x05, 0x00];
        let t = single(&bytes, context(3, true)).unwrap();
        assert_eq!(t.context_number(), Some(3));
        assert!(single(&[0x82, 0x01, b'a'], context(2, false)).is_ok());
    }
}
