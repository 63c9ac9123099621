//! Certificate times: UTCTime and GeneralizedTime (RFC 5280 §4.1.2.5) as seconds since the
//! Unix epoch.
//!
//! Own parser rather than `der::DateTime` because that type stops at 1970, while real
//! certificates (and NIST PKITS) carry earlier `notBefore` dates.

use core::fmt;

use der::Tag;
use rustls_pki_types::UnixTime;

use super::CertificateError;
use super::asn1::Tlv;

/// A point in time in a certificate (or the verification time), in seconds since
/// 1970-01-01T00:00:00Z. Negative before 1970. Displays as `YYYY-MM-DD HH:MM:SS UTC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

impl Time {
    /// From seconds since the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch (negative before 1970).
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// Parse a UTCTime or GeneralizedTime TLV (DER: `Z` suffix, seconds present, no
    /// fractional seconds). UTCTime years 50..99 are 1950..1999 (RFC 5280 §4.1.2.5.1).
    pub(crate) fn from_tlv(tlv: &Tlv<'_>) -> Result<Self, CertificateError> {
        let (year, rest) = match tlv.tag {
            Tag::UtcTime => {
                let (yy, rest) = tlv.value.split_at_checked(2).ok_or(BAD)?;
                let yy = digits(yy)?;
                (if yy >= 50 { 1900 + yy } else { 2000 + yy }, rest)
            }
            Tag::GeneralizedTime => {
                let (yyyy, rest) = tlv.value.split_at_checked(4).ok_or(BAD)?;
                (digits(yyyy)?, rest)
            }
            _ => return Err(BAD),
        };
        // MMDDHHMMSSZ
        let [m1, m2, d1, d2, h1, h2, n1, n2, s1, s2, b'Z'] = rest else {
            return Err(BAD);
        };
        let month = digits(&[*m1, *m2])?;
        let day = digits(&[*d1, *d2])?;
        let hour = digits(&[*h1, *h2])?;
        let minute = digits(&[*n1, *n2])?;
        let second = digits(&[*s1, *s2])?;
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(BAD);
        }
        let days = days_from_civil(year, month, day);
        Ok(Self(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    /// Calendar fields (year, month, day, hour, minute, second).
    fn fields(self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / 3_600, (secs / 60) % 60, secs % 60)
    }
}

impl From<UnixTime> for Time {
    fn from(t: UnixTime) -> Self {
        Self(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.fields();
        write!(f, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
    }
}

const BAD: CertificateError = CertificateError::BadEncoding;

fn digits(bytes: &[u8]) -> Result<i64, CertificateError> {
    bytes.iter().try_fold(0i64, |acc, b| {
        if b.is_ascii_digit() {
            Ok(acc * 10 + i64::from(b - b'0'))
        } else {
            Err(BAD)
        }
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms (public domain), valid for all years here (0..=9999).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::asn1::single;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn tlv(tag: u8, s: &str) -> Vec<u8> {
        let mut v = Vec::from([tag, s.len() as u8]);
        v.extend_from_slice(s.as_bytes());
        v
    }

    fn parse(tag: u8, s: &str) -> Result<Time, CertificateError> {
        let bytes = tlv(tag, s);
        let t = single(
            &bytes,
            if tag == 0x17 {
                Tag::UtcTime
            } else {
                Tag::GeneralizedTime
            },
        )?;
        Time::from_tlv(&t)
    }

    #[test]
    fn utc_and_generalized() {
        assert_eq!(parse(0x17, "700101000000Z").unwrap().unix_seconds(), 0);
        assert_eq!(
            parse(0x17, "200101000000Z").unwrap().unix_seconds(),
            1_577_836_800
        );
        assert_eq!(
            parse(0x18, "21200101000000Z").unwrap().unix_seconds(),
            4_733_510_400
        );
        let t = parse(0x17, "500101120000Z").unwrap();
        assert_eq!(t.to_string(), "1950-01-01 12:00:00 UTC");
        assert!(t.unix_seconds() < 0);
        assert_eq!(
            parse(0x18, "20240229235959Z").unwrap().to_string(),
            "2024-02-29 23:59:59 UTC"
        );
    }

    #[test]
    fn rejects_bad_times() {
        for s in [
            "20230229000000Z",
            "20231301000000Z",
            "20230101240000Z",
            "20230101000060Z",
            "20230101000000",
            "20230101000000.5Z",
            "2023010100000Z",
            "2023a101000000Z",
            "20230101000000+0100",
        ] {
            assert!(parse(0x18, s).is_err(), "{s}");
        }
        assert!(parse(0x17, "2001010000Z").is_err());
    }

    #[test]
    fn display_round_trips_through_civil() {
        for secs in [-86_400i64, 0, 951_782_400, 4_102_444_800, 253_402_300_799] {
            let t = Time::from_unix_seconds(secs);
            let s = t.to_string();
            let generalized: alloc::string::String = s
                .chars()
                .filter(|c| c.is_ascii_digit())
                .chain(core::iter::once('Z'))
                .collect();
            assert_eq!(parse(0x18, &generalized).unwrap(), t, "{s}");
        }
    }
}
