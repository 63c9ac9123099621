//! Certificate, CertificateRequest and CertificateVerify, and the certificate names they
//! show.

use lucid_core::trace::wire::{ClientCertificateType, ProtocolVersion, SignatureScheme};
use lucid_core::x509::VerifiedChain;
use lucid_core::x509::name::name_to_string;

use super::{Ctx, Walk};

pub(super) fn certificate(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    let total = w.uint(3, "certificate_list length", |n| {
        format!("{n} bytes of certificates, each with a 3-byte length")
    })?;
    let end = w.pos.checked_add(total)?;
    let mut i = 0;
    w.depth += 1;
    while w.pos < end {
        let n = w.uint(3, "ASN.1Cert length", |n| format!("{n} bytes of DER"))?;
        // The server's Certificate comes before its CertificateRequest, the client's after.
        let role = if i == 0 && ctx.certificate_requested {
            "the client's own certificate"
        } else if i == 0 {
            "the server's own certificate"
        } else {
            "a certificate to help build the path to a trusted root"
        };
        let chain = ctx.chain;
        w.field(n, &format!("certificate[{i}]"), |der| {
            let (subject, issuer) = describe_cert(der, chain);
            format!("{role}: subject {subject}; issued by {issuer}")
        })?;
        i += 1;
    }
    w.depth -= 1;
    Some(())
}

/// Subject and issuer of a DER certificate, from the verified path when it is on it,
/// otherwise from a minimal DER walk.
pub fn describe_cert(der: &[u8], chain: Option<&VerifiedChain>) -> (String, String) {
    if let Some(c) = chain.and_then(|ch| ch.certificates.iter().find(|c| c.der == der)) {
        return (c.subject.clone(), c.issuer.clone());
    }
    match cert_names(der) {
        Some((issuer, subject)) => (name_to_string(subject), name_to_string(issuer)),
        None => ("<not parsed>".into(), "<not parsed>".into()),
    }
}

/// A DER TLV at the front of some bytes.
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    contents: &'a [u8],
    after: &'a [u8],
}

fn tlv(b: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = b.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (usize::from(l0), rest)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (lb, rest) = rest.split_at_checked(n)?;
        (
            lb.iter().fold(0usize, |a, x| (a << 8) | usize::from(*x)),
            rest,
        )
    };
    let (contents, after) = rest.split_at_checked(len)?;
    let header = b.len() - rest.len();
    let whole = b.get(..header + len)?;
    Some(Tlv {
        tag,
        whole,
        contents,
        after,
    })
}

/// (issuer, subject) Name TLVs of a certificate.
fn cert_names(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let cert = tlv(der)?.contents;
    let tbs = tlv(cert)?.contents;
    let first = tlv(tbs)?;
    let mut rest = first.after;
    if first.tag == 0xa0 {
        // [0] version, then the serial number
        rest = tlv(rest)?.after;
    }
    let rest = tlv(rest)?.after; // signature AlgorithmIdentifier
    let issuer = tlv(rest)?;
    let rest = tlv(issuer.after)?.after; // validity
    let subject = tlv(rest)?;
    Some((issuer.whole, subject.whole))
}

/// CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
pub(super) fn certificate_request(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    let n = w.uint(1, "certificate_types length", |n| {
        format!("{n} key type(s)")
    })?;
    w.depth += 1;
    for _ in 0..n {
        w.uint(1, "certificate_type", |t| {
            let t = u8::try_from(t).unwrap_or_default();
            let what = match t {
                1 => "the client may sign with an RSA key",
                2 => "DSA (lucid has no DSA keys)",
                64 => "the client may sign with an ECDSA key",
                _ => "a type lucid does not use",
            };
            format!(
                "{}({t}): {what}",
                ClientCertificateType(t).name().unwrap_or("unknown")
            )
        })?;
    }
    w.depth -= 1;
    if ctx.version.is_some_and(|v| v >= ProtocolVersion::TLSV1_2) {
        let n = w.uint(2, "supported_signature_algorithms length", |n| {
            format!(
                "{n} bytes: {} algorithm(s) the CertificateVerify may use",
                n / 2
            )
        })?;
        w.depth += 1;
        for _ in 0..n / 2 {
            w.uint(2, "signature_algorithm", |s| {
                let s = u16::try_from(s).unwrap_or_default();
                SignatureScheme(s)
                    .name()
                    .unwrap_or("unknown scheme")
                    .to_string()
            })?;
        }
        w.depth -= 1;
    }
    let total = w.uint(2, "certificate_authorities length", |n| {
        if n == 0 {
            "0: any CA (the server names none)".to_string()
        } else {
            format!("{n} bytes of CA names the server trusts for client certificates")
        }
    })?;
    let end = w.pos.checked_add(total)?;
    w.depth += 1;
    while w.pos < end {
        let n = w.uint(2, "DistinguishedName length", |n| {
            format!("{n} bytes of DER")
        })?;
        w.field(n, "DistinguishedName", |der| {
            format!("a CA the server accepts: {}", name_to_string(der))
        })?;
    }
    w.depth -= 1;
    Some(())
}

/// CertificateVerify (RFC 5246 §7.4.8).
pub(super) fn certificate_verify(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    let tls12 = ctx.version.is_some_and(|v| v >= ProtocolVersion::TLSV1_2);
    if tls12 {
        w.uint(2, "signature_algorithm", |s| {
            let s = u16::try_from(s).unwrap_or_default();
            format!(
                "{}: one the server listed in its CertificateRequest",
                SignatureScheme(s).name().unwrap_or("unknown scheme")
            )
        })?;
    }
    let n = w.uint(2, "signature length", |n| format!("{n} bytes"))?;
    w.field(n, "signature", |_| {
        let over = if tls12 {
            "the hash named by the algorithm"
        } else {
            "TLS 1.0/1.1: RSA over MD5 ‖ SHA-1, ECDSA over SHA-1"
        };
        format!(
            "over every handshake message so far, ClientHello through ClientKeyExchange ({over}), made with the client certificate's private key: the server checks it with that certificate's public key, so only the key's holder can present the certificate"
        )
    })?;
    Some(())
}
