//! Bounded readers and the `Codec` trait every wire structure implements.
//!
//! Peer bytes are only ever read through [`Reader`], a shrinking slice built on
//! `split_at_checked`: there is no indexing of peer data and no unchecked length arithmetic.
//! Encoders write length prefixes by back-patching a placeholder ([`LengthPrefixedBuffer`])
//! rather than computing sizes twice.

use alloc::vec::Vec;
use core::fmt;

/// A syntax error in bytes received from the peer: the message could not be decoded.
///
/// Every variant names the structure that was being read. Converted to a `decode_error`
/// alert (or `record_overflow` / `illegal_parameter`, see [`crate::Error::alert`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidMessage {
    /// The input ended while reading the named structure.
    MissingData(&'static str),
    /// Bytes were left over after the named structure was complete.
    TrailingData(&'static str),
    /// A list that must not be empty was empty.
    EmptyList(&'static str),
    /// A length field exceeded the limit for the named structure.
    TooLarge(&'static str),
    /// A length that must be a multiple of the element size was not.
    BadListLength(&'static str),
    /// A field held a value that is not valid there.
    InvalidValue(&'static str),
    /// The same extension appeared twice in one hello (RFC 5246 §7.4.1.4).
    DuplicateExtension(u16),
}

impl fmt::Display for InvalidMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingData(what) => write!(f, "{what}: input ended early"),
            Self::TrailingData(what) => write!(f, "{what}: unexpected trailing bytes"),
            Self::EmptyList(what) => write!(f, "{what}: list must not be empty"),
            Self::TooLarge(what) => write!(f, "{what}: length over the limit"),
            Self::BadListLength(what) => {
                write!(f, "{what}: length is not a whole number of elements")
            }
            Self::InvalidValue(what) => write!(f, "{what}: invalid value"),
            Self::DuplicateExtension(t) => write!(f, "extension {t:#06x} appears twice"),
        }
    }
}

/// A shrinking cursor over a borrowed byte slice.
///
/// Every read either returns the requested bytes and advances, or fails with
/// [`InvalidMessage::MissingData`] naming the structure, leaving no partial state that matters
/// (callers discard the reader on error).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over all of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], InvalidMessage> {
        let (head, tail) = self
            .buf
            .split_at_checked(n)
            .ok_or(InvalidMessage::MissingData(what))?;
        self.buf = tail;
        Ok(head)
    }

    /// Takes a fixed-size array.
    pub fn take_array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], InvalidMessage> {
        let (head, tail) = self
            .buf
            .split_first_chunk::<N>()
            .ok_or(InvalidMessage::MissingData(what))?;
        self.buf = tail;
        Ok(*head)
    }

    /// Reads one byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, InvalidMessage> {
        Ok(u8::from_be_bytes(self.take_array(what)?))
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, InvalidMessage> {
        Ok(u16::from_be_bytes(self.take_array(what)?))
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self, what: &'static str) -> Result<u32, InvalidMessage> {
        let [a, b, c] = self.take_array(what)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, InvalidMessage> {
        Ok(u32::from_be_bytes(self.take_array(what)?))
    }

    /// Reads a length prefix of the given width, checks it against `max`, and returns a
    /// sub-reader over exactly that many bytes.
    pub fn sub(&mut self, len: ListLength, what: &'static str) -> Result<Self, InvalidMessage> {
        let n = match len.width() {
            1 => usize::from(self.u8(what)?),
            2 => usize::from(self.u16(what)?),
            _ => self.u24(what)? as usize,
        };
        if n > len.max() {
            return Err(InvalidMessage::TooLarge(what));
        }
        if n < len.min() {
            return Err(if n == 0 {
                InvalidMessage::EmptyList(what)
            } else {
                InvalidMessage::MissingData(what)
            });
        }
        Ok(Self::new(self.take(n, what)?))
    }

    /// Reads a length-prefixed opaque vector.
    pub fn vec(&mut self, len: ListLength, what: &'static str) -> Result<&'a [u8], InvalidMessage> {
        Ok(self.sub(len, what)?.rest())
    }

    /// Takes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    /// Number of bytes left.
    pub fn left(&self) -> usize {
        self.buf.len()
    }

    /// Whether any bytes are left.
    pub fn any_left(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Fails with [`InvalidMessage::TrailingData`] if any bytes are left.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), InvalidMessage> {
        if self.any_left() {
            Err(InvalidMessage::TrailingData(what))
        } else {
            Ok(())
        }
    }
}

/// The width, minimum and maximum of a length-prefixed vector, as written in the RFC's
/// presentation language (`opaque x<min..max>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLength {
    width: u8,
    min: u32,
    max: u32,
}

impl ListLength {
    /// `<0..2^8-1>`
    pub const U8: Self = Self::new(1, 0, 0xff);
    /// `<1..2^8-1>`
    pub const U8_NONEMPTY: Self = Self::new(1, 1, 0xff);
    /// `<0..2^16-1>`
    pub const U16: Self = Self::new(2, 0, 0xffff);
    /// `<1..2^16-1>`
    pub const U16_NONEMPTY: Self = Self::new(2, 1, 0xffff);
    /// `<0..2^24-1>`
    pub const U24: Self = Self::new(3, 0, 0xff_ffff);

    /// A prefix of `width` bytes (1, 2 or 3) whose value must lie in `min..=max`.
    pub const fn new(width: u8, min: u32, max: u32) -> Self {
        Self { width, min, max }
    }

    /// The same width, with a tighter maximum.
    pub const fn with_max(self, max: u32) -> Self {
        Self { max, ..self }
    }

    /// Width of the prefix in bytes.
    pub const fn width(self) -> usize {
        self.width as usize
    }

    /// Smallest allowed length.
    pub const fn min(self) -> usize {
        self.min as usize
    }

    /// Largest allowed length.
    pub const fn max(self) -> usize {
        self.max as usize
    }
}

/// Writes a length prefix placeholder on creation and back-patches it on drop.
///
/// The caller guarantees (and a debug assertion checks) that the body fits the prefix; bodies
/// written by lucid are bounded far below 2^24.
#[derive(Debug)]
pub(crate) struct LengthPrefixedBuffer<'a> {
    /// The buffer to write the body into.
    pub buf: &'a mut Vec<u8>,
    start: usize,
    width: usize,
}

impl<'a> LengthPrefixedBuffer<'a> {
    /// Writes a placeholder of `len.width()` bytes and returns a guard to write the body into.
    pub(crate) fn new(len: ListLength, buf: &'a mut Vec<u8>) -> Self {
        let start = buf.len();
        let width = len.width();
        buf.resize(start + width, 0);
        Self { buf, start, width }
    }
}

impl Drop for LengthPrefixedBuffer<'_> {
    fn drop(&mut self) {
        let body = self.buf.len() - self.start - self.width;
        debug_assert!(
            body < (1usize << (8 * self.width)),
            "length prefix overflow"
        );
        let be = (body as u32).to_be_bytes();
        let src = be.get(4 - self.width..).unwrap_or(&[]);
        if let Some(dst) = self.buf.get_mut(self.start..self.start + self.width) {
            dst.copy_from_slice(src);
        }
    }
}

/// Writes `bytes` with a length prefix of the given width.
pub(crate) fn put_vec(out: &mut Vec<u8>, len: ListLength, bytes: &[u8]) {
    let guard = LengthPrefixedBuffer::new(len, out);
    guard.buf.extend_from_slice(bytes);
}

/// A wire structure that can be encoded and decoded.
pub trait Codec: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Decodes one value from the front of `r`.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage>;

    /// Decodes a value that must occupy all of `bytes`.
    fn read_bytes(bytes: &[u8]) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.expect_empty(core::any::type_name::<Self>())?;
        Ok(v)
    }

    /// The encoding of `self` in a fresh vector.
    fn get_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

impl Codec for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u8("u8")
    }
}

impl Codec for u16 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u16("u16")
    }
}

/// Reads a length-prefixed list of `T` that must exactly fill its prefix.
pub(crate) fn read_list<T: Codec>(
    r: &mut Reader<'_>,
    len: ListLength,
    what: &'static str,
) -> Result<Vec<T>, InvalidMessage> {
    let mut sub = r.sub(len, what)?;
    let mut items = Vec::new();
    while sub.any_left() {
        items.push(T::read(&mut sub)?);
    }
    Ok(items)
}

/// Writes a length-prefixed list of `T`.
pub(crate) fn put_list<T: Codec>(out: &mut Vec<u8>, len: ListLength, items: &[T]) {
    let guard = LengthPrefixedBuffer::new(len, out);
    for item in items {
        item.encode(guard.buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn reader_reads_integers_big_endian() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 0x0203);
        assert_eq!(r.u24("c").unwrap(), 0x040506);
        assert_eq!(r.u32("d").unwrap(), 0x0708090a);
        assert!(!r.any_left());
        assert_eq!(r.u8("e"), Err(InvalidMessage::MissingData("e")));
    }

    #[test]
    fn sub_enforces_bounds() {
        let mut r = Reader::new(&[0, 3, 1, 2, 3, 9]);
        let mut s = r.sub(ListLength::U16, "body").unwrap();
        assert_eq!(s.rest(), &[1, 2, 3]);
        assert_eq!(r.left(), 1);

        let mut r = Reader::new(&[0, 4, 1, 2, 3]);
        assert_eq!(
            r.sub(ListLength::U16, "body").unwrap_err(),
            InvalidMessage::MissingData("body")
        );
        let mut r = Reader::new(&[0, 3, 1, 2, 3]);
        assert_eq!(
            r.sub(ListLength::U16.with_max(2), "body").unwrap_err(),
            InvalidMessage::TooLarge("body")
        );
        let mut r = Reader::new(&[0]);
        assert_eq!(
            r.sub(ListLength::U8_NONEMPTY, "body").unwrap_err(),
            InvalidMessage::EmptyList("body")
        );
    }

    #[test]
    fn length_prefix_is_back_patched() {
        let mut out = vec![0xaa];
        {
            let g = LengthPrefixedBuffer::new(ListLength::U24, &mut out);
            g.buf.extend_from_slice(&[1; 300]);
        }
        assert_eq!(&out[..4], &[0xaa, 0x00, 0x01, 0x2c]);
        assert_eq!(out.len(), 304);
        let mut out = Vec::new();
        put_vec(&mut out, ListLength::U8, &[7, 8]);
        assert_eq!(out, [2, 7, 8]);
    }

    #[test]
    fn read_list_round_trips() {
        let mut out = Vec::new();
        put_list(&mut out, ListLength::U16, &[0x0102u16, 0x0304]);
        assert_eq!(out, [0, 4, 1, 2, 3, 4]);
        let got: Vec<u16> = read_list(&mut Reader::new(&out), ListLength::U16, "l").unwrap();
        assert_eq!(got, [0x0102, 0x0304]);
        // odd length: the last element is truncated
        let bad = [0, 3, 1, 2, 3];
        assert!(read_list::<u16>(&mut Reader::new(&bad), ListLength::U16, "l").is_err());
    }
}
