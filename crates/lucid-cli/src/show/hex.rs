//! Hex formatting helpers.

/// Bytes shown per hex line in the trace.
pub const PER_LINE: usize = 8;

/// Width of one full hex line ("xx " × 8 without the trailing space).
pub const LINE_WIDTH: usize = PER_LINE * 3 - 1;

/// Lowercase hex, no separators.
pub fn compact(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Lowercase hex, bytes separated by spaces.
pub fn spaced(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Splits `bytes` into hex lines of [`PER_LINE`] bytes. When `full` is false and there are
/// more than four lines, keeps the first two and the last one with a marker line between
/// saying how many bytes were left out (`None` in the returned list).
pub fn lines(bytes: &[u8], full: bool) -> Vec<Option<String>> {
    let chunks: Vec<&[u8]> = bytes.chunks(PER_LINE).collect();
    if full || chunks.len() <= 4 {
        return chunks.into_iter().map(|c| Some(spaced(c))).collect();
    }
    let mut out = Vec::new();
    for c in chunks.iter().take(2) {
        out.push(Some(spaced(c)));
    }
    out.push(None);
    if let Some(last) = chunks.last() {
        out.push(Some(spaced(last)));
    }
    out
}

/// How many bytes [`lines`] leaves out for `len` bytes (0 when shown in full).
pub fn omitted(len: usize, full: bool) -> usize {
    let n = len.div_ceil(PER_LINE);
    if full || n <= 4 {
        return 0;
    }
    let last = len - (n - 1) * PER_LINE;
    len - 2 * PER_LINE - last
}

/// A readable ASCII rendering of `bytes` (non-printable as `.`), for plain-text replies.
pub fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_fields_are_shown_whole() {
        assert_eq!(lines(&[1, 2, 3], false), vec![Some("01 02 03".to_string())]);
        let b: Vec<u8> = (0..32).collect();
        assert_eq!(lines(&b, false).len(), 4);
        assert_eq!(omitted(32, false), 0);
    }

    #[test]
    fn long_fields_keep_first_two_and_last_line() {
        let b: Vec<u8> = (0..35).collect();
        let l = lines(&b, false);
        assert_eq!(l.len(), 4);
        assert_eq!(l[0].as_deref(), Some("00 01 02 03 04 05 06 07"));
        assert_eq!(l[2], None);
        assert_eq!(l[3].as_deref(), Some("20 21 22"));
        // 35 - 16 shown first - 3 shown last
        assert_eq!(omitted(35, false), 16);
        assert_eq!(lines(&b, true).len(), 5);
        assert_eq!(omitted(35, true), 0);
    }

    #[test]
    fn compact_and_ascii() {
        assert_eq!(compact(&[0xde, 0xad, 0x01]), "dead01");
        assert_eq!(ascii(b"HTTP/1.1\r\n"), "HTTP/1.1..");
    }
}
