//! Names: distinguished-name comparison and display, host-name matching (RFC 6125) and name
//! constraints (RFC 5280 §4.2.1.10).
//!
//! Distinguished names chain when their DER bytes are equal (what webpki does) or, failing
//! that, when they are equal under the RFC 5280 §7.1 comparison rules lucid implements:
//! same RDN structure, same attribute types, and values that are byte-equal or — when both
//! are PrintableString/UTF8String — equal after ASCII case folding and whitespace
//! collapsing. Every walk over a name is bounded by [`MAX_RDNS`] / [`MAX_AVAS_PER_RDN`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use der::Tag;

use super::CertificateError;
use super::asn1::{DerReader, Tlv, single};
use super::cert::{for_each_in_sequence, oid_string};

/// Most RDNs lucid walks in one distinguished name.
pub const MAX_RDNS: usize = 64;
/// Most attributes lucid walks in one RDN.
pub const MAX_AVAS_PER_RDN: usize = 16;
/// Most subjectAltName entries lucid walks in one certificate.
pub const MAX_SAN_ENTRIES: usize = 512;
/// Most permitted (and, separately, excluded) subtrees in one nameConstraints extension.
pub const MAX_NAME_CONSTRAINT_SUBTREES: usize = 64;

const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

/// One attribute of an RDN: type OID bytes and the value TLV.
#[derive(Debug, Clone, Copy)]
struct Ava<'a> {
    oid: &'a [u8],
    value: Tlv<'a>,
}

/// Parse a DER `Name` into RDNs of AVAs. Allocates at most MAX_RDNS * MAX_AVAS_PER_RDN
/// small entries.
fn rdns(name: &[u8]) -> Result<Vec<Vec<Ava<'_>>>, CertificateError> {
    let mut out = Vec::new();
    let seq = single(name, Tag::Sequence)?;
    let mut r = seq.reader()?;
    while !r.is_empty() {
        if out.len() >= MAX_RDNS {
            return Err(CertificateError::LimitExceeded("RDNs in a name"));
        }
        let set = r.read(Tag::Set)?;
        let mut sr = set.reader()?;
        let mut rdn = Vec::new();
        while !sr.is_empty() {
            if rdn.len() >= MAX_AVAS_PER_RDN {
                return Err(CertificateError::LimitExceeded("attributes in an RDN"));
            }
            let ava = sr.read(Tag::Sequence)?;
            let mut ar = ava.reader()?;
            let oid = ar.read(Tag::ObjectIdentifier)?.value;
            let value = ar.read_any()?;
            ar.finish()?;
            rdn.push(Ava { oid, value });
        }
        if rdn.is_empty() {
            return Err(CertificateError::BadEncoding);
        }
        out.push(rdn);
    }
    Ok(out)
}

fn is_comparable_string(tag: Tag) -> bool {
    matches!(tag, Tag::PrintableString | Tag::Utf8String)
}

/// Compare two attribute values under the simplified RFC 4518 rules described above.
fn values_match(a: &Tlv<'_>, b: &Tlv<'_>) -> bool {
    if a.tag == b.tag && a.value == b.value {
        return true;
    }
    if !(is_comparable_string(a.tag) && is_comparable_string(b.tag)) {
        return false;
    }
    let norm = |v: &[u8]| {
        let mut out = Vec::with_capacity(v.len());
        let mut pending_space = false;
        for &c in v {
            if c == b' ' {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(b' ');
                    pending_space = false;
                }
                out.push(c.to_ascii_lowercase());
            }
        }
        out
    };
    norm(a.value) == norm(b.value)
}

fn rdn_match(a: &[Ava<'_>], b: &[Ava<'_>]) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| {
            b.iter()
                .any(|y| x.oid == y.oid && values_match(&x.value, &y.value))
        })
}

/// Do two DER names denote the same distinguished name?
pub(crate) fn names_equal(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (rdns(a), rdns(b)) {
        (Ok(x), Ok(y)) => x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| rdn_match(p, q)),
        _ => false,
    }
}

/// Is `name` within the directoryName subtree rooted at `base` (its RDNs a prefix)?
fn name_within(name: &[u8], base: &[u8]) -> Result<bool, CertificateError> {
    let n = rdns(name)?;
    let b = rdns(base)?;
    Ok(b.len() <= n.len() && b.iter().zip(&n).all(|(p, q)| rdn_match(p, q)))
}

fn is_empty_name(name: &[u8]) -> bool {
    single(name, Tag::Sequence).is_ok_and(|t| t.value.is_empty())
}

/// Human-readable form of a DER name, OpenSSL-style in encoding order:
/// `C=US, O=Example, CN=host`. Never fails: undecodable parts are shown as `<...>`.
pub fn name_to_string(name: &[u8]) -> String {
    let Ok(rdns) = rdns(name) else {
        return String::from("<undecodable name>");
    };
    let mut out = String::new();
    for (i, rdn) in rdns.iter().enumerate() {
        for (j, ava) in rdn.iter().enumerate() {
            if i > 0 || j > 0 {
                out.push_str(if j > 0 { " + " } else { ", " });
            }
            let label = match ava.oid {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x06] => "C",
                [0x55, 0x04, 0x07] => "L",
                [0x55, 0x04, 0x08] => "ST",
                [0x55, 0x04, 0x0a] => "O",
                [0x55, 0x04, 0x0b] => "OU",
                [0x55, 0x04, 0x05] => "serialNumber",
                [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
                OID_EMAIL_ADDRESS => "emailAddress",
                _ => "",
            };
            if label.is_empty() {
                out.push_str(&oid_string(ava.oid));
            } else {
                out.push_str(label);
            }
            out.push('=');
            push_value(&mut out, &ava.value);
        }
    }
    out
}

fn push_value(out: &mut String, v: &Tlv<'_>) {
    match v.tag {
        Tag::PrintableString | Tag::Utf8String | Tag::Ia5String | Tag::VisibleString => {
            match core::str::from_utf8(v.value) {
                Ok(s) => out.extend(s.chars().map(|c| if c.is_control() { '?' } else { c })),
                Err(_) => out.push_str("<invalid UTF-8>"),
            }
        }
        _ => {
            out.push('#');
            for b in v.value {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
}

/// The commonName values of a subject (for the opt-in CN fallback).
pub(crate) fn common_names(name: &[u8]) -> Vec<&[u8]> {
    rdns(name)
        .map(|rdns| {
            rdns.iter()
                .flatten()
                .filter(|a| a.oid == OID_COMMON_NAME && is_comparable_string(a.value.tag))
                .map(|a| a.value.value)
                .collect()
        })
        .unwrap_or_default()
}

/// emailAddress attribute values of a subject (RFC 5280 §4.2.1.10: rfc822Name constraints
/// apply to them too).
fn email_addresses(name: &[u8]) -> Result<Vec<&[u8]>, CertificateError> {
    Ok(rdns(name)?
        .iter()
        .flatten()
        .filter(|a| a.oid == OID_EMAIL_ADDRESS)
        .map(|a| a.value.value)
        .collect())
}

// ---------------------------------------------------------------------------------------
// General names

/// A subjectAltName / name-constraint general name of a form lucid understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeneralName<'a> {
    Rfc822(&'a [u8]),
    Dns(&'a [u8]),
    Directory(&'a [u8]),
    Uri(&'a [u8]),
    Ip(&'a [u8]),
    /// otherName, x400Address, ediPartyName, registeredID: tag number.
    Unsupported(u32),
}

impl<'a> GeneralName<'a> {
    fn from_tlv(t: &Tlv<'a>) -> Result<Self, CertificateError> {
        let n = t.context_number().ok_or(CertificateError::BadEncoding)?;
        Ok(match n {
            1 => Self::Rfc822(ia5(t.value)?),
            2 => Self::Dns(ia5(t.value)?),
            4 => {
                // [4] EXPLICIT Name
                let mut r = DerReader::new(t.value)?;
                let name = r.read(Tag::Sequence)?;
                r.finish()?;
                Self::Directory(name.raw)
            }
            6 => Self::Uri(ia5(t.value)?),
            7 => Self::Ip(t.value),
            _ => Self::Unsupported(n),
        })
    }
}

fn ia5(v: &[u8]) -> Result<&[u8], CertificateError> {
    if v.is_ascii() {
        Ok(v)
    } else {
        Err(CertificateError::BadEncoding)
    }
}

/// Walk a `GeneralNames` SEQUENCE (subjectAltName value).
pub(crate) fn for_each_general_name<'a>(
    san: &'a [u8],
    mut f: impl FnMut(GeneralName<'a>) -> Result<(), CertificateError>,
) -> Result<(), CertificateError> {
    for_each_in_sequence(san, MAX_SAN_ENTRIES, "subjectAltName entries", |t| {
        f(GeneralName::from_tlv(&t)?)
    })
}

/// The names a certificate presents, for error messages: `DNS:x`, `IP:1.2.3.4`, ...
pub(crate) fn presented_names(
    san: Option<&[u8]>,
    subject: &[u8],
    cn_fallback: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(san) = san {
        let _ = for_each_general_name(san, |g| {
            match g {
                GeneralName::Dns(d) => out.push(alloc::format!("DNS:{}", lossy(d))),
                GeneralName::Ip(ip) => out.push(alloc::format!("IP:{}", ip_to_string(ip))),
                GeneralName::Rfc822(e) => out.push(alloc::format!("email:{}", lossy(e))),
                GeneralName::Uri(u) => out.push(alloc::format!("URI:{}", lossy(u))),
                GeneralName::Directory(d) => {
                    out.push(alloc::format!("DirName:{}", name_to_string(d)));
                }
                GeneralName::Unsupported(n) => out.push(alloc::format!("<general name [{n}]>")),
            }
            Ok(())
        });
    } else if cn_fallback {
        for cn in common_names(subject) {
            out.push(alloc::format!("CN:{}", lossy(cn)));
        }
    }
    out
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into()
}

/// Dotted-quad / RFC 5952-ish text of an IP address (4 or 16 bytes).
pub(crate) fn ip_to_string(ip: &[u8]) -> String {
    let mut s = String::new();
    match ip.len() {
        4 => {
            for (i, b) in ip.iter().enumerate() {
                if i > 0 {
                    s.push('.');
                }
                let _ = write!(s, "{b}");
            }
        }
        16 => {
            for (i, pair) in ip.chunks_exact(2).enumerate() {
                if i > 0 {
                    s.push(':');
                }
                if let [hi, lo] = pair {
                    let _ = write!(s, "{:x}", u16::from_be_bytes([*hi, *lo]));
                }
            }
        }
        _ => {
            s.push('#');
            for b in ip {
                let _ = write!(s, "{b:02x}");
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------
// Host names (RFC 6125)

fn strip_dot(n: &[u8]) -> &[u8] {
    n.strip_suffix(b".").unwrap_or(n)
}

/// Is `name` (a dNSName from a certificate's subjectAltName or a CN under the fallback) a
/// syntactically valid DNS name? Labels of 1..=63 letters, digits, `-` (not first or last)
/// and `_` (as webpki, for names that exist in practice), at most 253 bytes, one optional
/// trailing dot; `*` only as the whole left-most label. A leading dot, empty labels and any
/// other character make it invalid, and an invalid name never matches a host name or
/// satisfies a name constraint.
pub fn is_valid_presented_dns_name(name: &[u8]) -> bool {
    let name = strip_dot(name);
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let name = name.strip_prefix(b"*.").unwrap_or(name);
    name.split(|c| *c == b'.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
    })
}

/// Does the presented DNS identifier (from a certificate) match the reference host name?
///
/// ASCII case-insensitive. A wildcard is accepted only as the whole left-most label
/// (`*.example.com`), matches exactly one non-empty label, and needs at least two labels
/// after it (`*.com` never matches). Partial-label wildcards (`f*o.example.com`,
/// `*foo.example.com`) never match anything.
pub fn dns_name_matches(presented: &[u8], reference: &[u8]) -> bool {
    if !is_valid_presented_dns_name(presented) {
        return false;
    }
    let presented = strip_dot(presented);
    let reference = strip_dot(reference);
    if presented.is_empty() || reference.is_empty() || reference.contains(&b'*') {
        return false;
    }
    if let Some(rest) = presented.strip_prefix(b"*.") {
        // `rest` must have at least two labels and contain no further wildcard.
        if rest.contains(&b'*')
            || !rest.contains(&b'.')
            || rest.split(|c| *c == b'.').any(<[u8]>::is_empty)
        {
            return false;
        }
        let Some(dot) = reference.iter().position(|c| *c == b'.') else {
            return false;
        };
        let (first, tail) = reference.split_at(dot);
        let tail = tail.get(1..).unwrap_or_default();
        return !first.is_empty() && tail.eq_ignore_ascii_case(rest);
    }
    if presented.contains(&b'*') {
        return false;
    }
    presented.eq_ignore_ascii_case(reference)
}

// ---------------------------------------------------------------------------------------
// Name constraints

/// DNS name constraint match (RFC 5280 §4.2.1.10): `example.com` covers itself and every
/// subdomain; `.example.com` covers subdomains only; the empty constraint covers all.
fn dns_within(name: &[u8], constraint: &[u8]) -> bool {
    let name = strip_dot(name);
    let constraint = strip_dot(constraint);
    if constraint.is_empty() {
        return true;
    }
    if let Some(suffix) = constraint.strip_prefix(b".") {
        return name.len() > suffix.len() + 1 && ends_with_label_suffix(name, suffix);
    }
    name.eq_ignore_ascii_case(constraint) || ends_with_label_suffix(name, constraint)
}

/// `name` ends with `.suffix` (case-insensitive).
fn ends_with_label_suffix(name: &[u8], suffix: &[u8]) -> bool {
    name.len() > suffix.len()
        && name
            .len()
            .checked_sub(suffix.len() + 1)
            .and_then(|i| name.get(i..))
            .and_then(|t| t.split_first())
            .is_some_and(|(dot, t)| *dot == b'.' && t.eq_ignore_ascii_case(suffix))
}

/// Could a wildcard name `*.rest` match some host inside the excluded subtree
/// `constraint`? True when the subtree is exactly one label below `rest`.
fn wildcard_overlaps(name: &[u8], constraint: &[u8]) -> bool {
    let Some(rest) = strip_dot(name).strip_prefix(b"*.") else {
        return false;
    };
    let c = strip_dot(constraint);
    let c = c.strip_prefix(b".").unwrap_or(c);
    c.iter()
        .position(|ch| *ch == b'.')
        .and_then(|dot| c.get(dot + 1..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(rest))
}

fn ip_within(ip: &[u8], constraint: &[u8]) -> Result<bool, CertificateError> {
    let half = constraint.len() / 2;
    if !(half == 4 || half == 16) || constraint.len() % 2 != 0 {
        return Err(CertificateError::BadEncoding);
    }
    let (addr, mask) = constraint.split_at(half);
    // The mask must be a prefix mask (ones then zeros).
    let mut seen_zero = false;
    for m in mask {
        for bit in (0..8).rev() {
            let one = m & (1 << bit) != 0;
            if one && seen_zero {
                return Err(CertificateError::BadEncoding);
            }
            seen_zero |= !one;
        }
    }
    if ip.len() != half {
        return Ok(false);
    }
    Ok(ip
        .iter()
        .zip(addr)
        .zip(mask)
        .all(|((i, a), m)| i & m == a & m))
}

/// rfc822Name constraint: a mailbox (exact), a host (`example.com`: exact host part) or a
/// domain (`.example.com`: any host below it).
fn email_within(email: &[u8], constraint: &[u8]) -> bool {
    let Some(at) = email.iter().rposition(|c| *c == b'@') else {
        return false;
    };
    let host = email.get(at + 1..).unwrap_or_default();
    if constraint.contains(&b'@') {
        let Some(cat) = constraint.iter().rposition(|c| *c == b'@') else {
            return false;
        };
        let (cl, ch) = constraint.split_at(cat);
        let (el, _) = email.split_at(at);
        return cl == el && ch.get(1..).is_some_and(|ch| ch.eq_ignore_ascii_case(host));
    }
    if let Some(suffix) = constraint.strip_prefix(b".") {
        return ends_with_label_suffix(host, suffix);
    }
    host.eq_ignore_ascii_case(constraint)
}

/// URI constraint: applies to the URI's host; `host` exact, `.domain` below it.
fn uri_within(uri: &[u8], constraint: &[u8]) -> Result<bool, CertificateError> {
    let host = uri_host(uri).ok_or(CertificateError::NameConstraintViolation)?;
    if let Some(suffix) = constraint.strip_prefix(b".") {
        return Ok(ends_with_label_suffix(host, suffix));
    }
    Ok(host.eq_ignore_ascii_case(constraint))
}

fn uri_host(uri: &[u8]) -> Option<&[u8]> {
    let colon = uri.iter().position(|c| *c == b':')?;
    let after = uri.get(colon + 1..)?.strip_prefix(b"//")?;
    let end = after
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(after.len());
    let authority = after.get(..end)?;
    let hostport = match authority.iter().rposition(|c| *c == b'@') {
        Some(at) => authority.get(at + 1..)?,
        None => authority,
    };
    let host = match hostport.iter().rposition(|c| *c == b':') {
        Some(c) if !hostport.starts_with(b"[") => hostport.get(..c)?,
        _ => hostport,
    };
    (!host.is_empty()).then_some(host)
}

/// The names of one certificate that name constraints apply to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConstrainedNames<'a> {
    pub(crate) subject: &'a [u8],
    pub(crate) san: Option<&'a [u8]>,
    /// Treat subject CNs as DNS names (the CN-fallback opt-in is on and there is no SAN).
    pub(crate) cn_as_dns: bool,
}

/// Check `names` against a nameConstraints value (RFC 5280 §4.2.1.10 / §6.1.3 (b),(c)).
pub(crate) fn check_name_constraints(
    nc: &[u8],
    names: &ConstrainedNames<'_>,
) -> Result<(), CertificateError> {
    let seq = single(nc, Tag::Sequence)?;
    let mut r = seq.reader()?;
    let permitted = r.read_optional(super::asn1::context(0, true))?;
    let excluded = r.read_optional(super::asn1::context(1, true))?;
    r.finish()?;
    if permitted.is_none() && excluded.is_none() {
        // RFC 5280: at least one of the two MUST be present.
        return Err(CertificateError::BadEncoding);
    }

    let mut check = |name: GeneralName<'_>| -> Result<(), CertificateError> {
        if let Some(p) = &permitted {
            if let Some(false) = subtrees_match(p, &name)? {
                return Err(CertificateError::NameConstraintViolation);
            }
        }
        if let Some(e) = &excluded {
            if subtrees_match_excluded(e, &name)? {
                return Err(CertificateError::NameConstraintViolation);
            }
        }
        Ok(())
    };

    if !is_empty_name(names.subject) {
        check(GeneralName::Directory(names.subject))?;
        for email in email_addresses(names.subject)? {
            check(GeneralName::Rfc822(email))?;
        }
    }
    if let Some(san) = names.san {
        for_each_general_name(san, &mut check)?;
    } else if names.cn_as_dns {
        for cn in common_names(names.subject) {
            check(GeneralName::Dns(cn))?;
        }
    }
    Ok(())
}

/// Walk a GeneralSubtrees value ([0]/[1] IMPLICIT SEQUENCE OF GeneralSubtree).
fn for_each_subtree<'a>(
    subtrees: &Tlv<'a>,
    mut f: impl FnMut(GeneralName<'a>) -> Result<(), CertificateError>,
) -> Result<(), CertificateError> {
    let mut r = subtrees.reader()?;
    if r.is_empty() {
        return Err(CertificateError::BadEncoding);
    }
    let mut n = 0usize;
    while !r.is_empty() {
        n += 1;
        if n > MAX_NAME_CONSTRAINT_SUBTREES {
            return Err(CertificateError::LimitExceeded("name constraint subtrees"));
        }
        let st = r.read(Tag::Sequence)?;
        let mut sr = st.reader()?;
        let base = GeneralName::from_tlv(&sr.read_any()?)?;
        // minimum MUST be zero (absent in DER) and maximum absent (RFC 5280).
        if !sr.is_empty() {
            return Err(CertificateError::BadEncoding);
        }
        f(base)?;
    }
    Ok(())
}

/// Does `name` fall within a constraint `base` of the same form? `None` when the forms
/// differ.
fn within(
    name: &GeneralName<'_>,
    base: &GeneralName<'_>,
) -> Result<Option<bool>, CertificateError> {
    Ok(match (name, base) {
        // A name that is not a DNS name cannot be placed inside or outside a subtree: it
        // violates every DNS constraint, permitted or excluded (webpki does the same).
        (GeneralName::Dns(n), GeneralName::Dns(_)) if !is_valid_presented_dns_name(n) => {
            return Err(CertificateError::NameConstraintViolation);
        }
        (GeneralName::Dns(n), GeneralName::Dns(b)) => Some(dns_within(n, b)),
        (GeneralName::Ip(n), GeneralName::Ip(b)) => Some(ip_within(n, b)?),
        (GeneralName::Directory(n), GeneralName::Directory(b)) => Some(name_within(n, b)?),
        (GeneralName::Rfc822(n), GeneralName::Rfc822(b)) => Some(email_within(n, b)),
        (GeneralName::Uri(n), GeneralName::Uri(b)) => Some(uri_within(n, b)?),
        (GeneralName::Unsupported(a), GeneralName::Unsupported(b)) if a == b => {
            // A constraint on a name form lucid cannot evaluate, and the certificate has a
            // name of that form: RFC 5280 says process it or reject; lucid rejects.
            return Err(CertificateError::NameConstraintViolation);
        }
        _ => None,
    })
}

/// `Some(true)`: a permitted subtree of the name's form contains it; `Some(false)`: there
/// are subtrees of its form, none contains it; `None`: no subtree of its form.
fn subtrees_match(
    subtrees: &Tlv<'_>,
    name: &GeneralName<'_>,
) -> Result<Option<bool>, CertificateError> {
    let mut result = None;
    for_each_subtree(subtrees, |base| {
        match within(name, &base)? {
            Some(true) => result = Some(true),
            Some(false) if result.is_none() => result = Some(false),
            _ => {}
        }
        Ok(())
    })?;
    Ok(result)
}

fn subtrees_match_excluded(
    subtrees: &Tlv<'_>,
    name: &GeneralName<'_>,
) -> Result<bool, CertificateError> {
    let mut hit = false;
    for_each_subtree(subtrees, |base| {
        if within(name, &base)? == Some(true) {
            hit = true;
        }
        if let (GeneralName::Dns(n), GeneralName::Dns(b)) = (name, &base) {
            hit |= wildcard_overlaps(n, b);
        }
        Ok(())
    })?;
    Ok(hit)
}

#[cfg(test)]
#[path = "name_test.rs"]
mod tests;
