//! Cutting outgoing data into record-sized fragments.
//!
//! Both functions borrow the caller's data and allocate nothing. A `max_fragment` of 0 is
//! treated as 1 (a record always carries at least one byte of a non-empty write); callers
//! normally pass [`super::MAX_PLAINTEXT`] or a negotiated smaller limit.

/// Splits `data` into consecutive chunks of at most `max_fragment` bytes (only the last may
/// be shorter). Empty input yields nothing.
pub fn fragments(data: &[u8], max_fragment: usize) -> impl Iterator<Item = &[u8]> {
    data.chunks(max_fragment.max(1))
}

/// The 1/n-1 record split against BEAST, for one application-data write sent with a CBC
/// suite on TLS 1.0 (whose CBC IV is the previous record's last ciphertext block).
///
/// Yields the first byte alone, then the rest in chunks of at most `max_fragment` bytes.
/// The one-byte record carries a fresh MAC the attacker cannot predict, which makes the IV
/// of the next record unpredictable. Unlike OpenSSL's 0/n split (an empty first record),
/// 1/n-1 does not break peers that reject empty application-data records. Empty input
/// yields nothing; TLS 1.1+ (explicit IVs) do not need this and should use [`fragments`].
pub fn split_1_n_minus_1(data: &[u8], max_fragment: usize) -> impl Iterator<Item = &[u8]> {
    let (first, rest) = data.split_at_checked(1).unwrap_or((&[], &[]));
    core::iter::once(first)
        .filter(|f| !f.is_empty())
        .chain(rest.chunks(max_fragment.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn lens<'a>(it: impl Iterator<Item = &'a [u8]>) -> Vec<usize> {
        it.map(<[u8]>::len).collect()
    }

    #[test]
    fn fragment_boundaries() {
        let max = 16;
        let data: Vec<u8> = (0..=255).collect();
        for (n, want) in [
            (0, &[][..]),
            (1, &[1][..]),
            (max, &[16][..]),
            (max + 1, &[16, 1][..]),
            (3 * max, &[16, 16, 16][..]),
            (3 * max + 5, &[16, 16, 16, 5][..]),
        ] {
            let input = &data[..n];
            assert_eq!(lens(fragments(input, max)), want, "n = {n}");
            assert_eq!(fragments(input, max).collect::<Vec<_>>().concat(), input);
        }
        assert_eq!(lens(fragments(&[1, 2, 3], 0)), [1, 1, 1]);
    }

    #[test]
    fn split_one_n_minus_one() {
        let max = 16;
        let data: Vec<u8> = (0..=255).collect();
        for (n, want) in [
            (0, &[][..]),
            (1, &[1][..]),
            (2, &[1, 1][..]),
            (max, &[1, 15][..]),
            (max + 1, &[1, 16][..]),
            (max + 2, &[1, 16, 1][..]),
            (3 * max + 1, &[1, 16, 16, 16][..]),
        ] {
            let input = &data[..n];
            assert_eq!(lens(split_1_n_minus_1(input, max)), want, "n = {n}");
            let parts: Vec<&[u8]> = split_1_n_minus_1(input, max).collect();
            assert_eq!(parts.concat(), input);
            if n > 0 {
                assert_eq!(parts[0], &[0]);
            }
        }
        assert_eq!(lens(split_1_n_minus_1(&[1, 2, 3], 0)), [1, 1, 1]);
    }
}
