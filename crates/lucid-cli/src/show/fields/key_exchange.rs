//! ServerKeyExchange (DHE, ECDHE) and ClientKeyExchange.

use lucid_core::trace::wire::{NamedGroup, ProtocolVersion, SignatureScheme};

use super::{Ctx, Walk};

/// ServerKeyExchange of a DHE suite (RFC 5246 §7.4.3).
pub(super) fn server_dh_params(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    let params_start = w.pos;
    let n = w.uint(2, "dh_p length", |n| {
        format!("{n} bytes: a {}-bit prime", n * 8)
    })?;
    w.field(n, "dh_p", |p| {
        let named = match p {
            _ if p.len() == 256 && p.starts_with(&[0xff; 8]) && p.get(8) == Some(&0xad) => {
                " (ffdhe2048, RFC 7919)"
            }
            _ if p.len() == 384 && p.starts_with(&[0xff; 8]) && p.get(8) == Some(&0xad) => {
                " (ffdhe3072, RFC 7919)"
            }
            _ => "",
        };
        format!("the prime modulus the server chose{named}: the client checks its size (2048 bits unless the 1024-bit opt-in) and that it is odd")
    })?;
    let n = w.uint(2, "dh_g length", |n| format!("{n} bytes"))?;
    w.field(n, "dh_g", |_| {
        "the generator, checked to lie in [2, p-2]".to_string()
    })?;
    let n = w.uint(2, "dh_Ys length", |n| format!("{n} bytes"))?;
    w.field(n, "dh_Ys", |_| {
        "the server's public value g^x mod p for a fresh secret x (checked to lie in [2, p-2]): forward secrecy".to_string()
    })?;
    let params_len = w.pos - params_start;
    signed_params_signature(w, ctx, params_len)
}

/// ServerKeyExchange of an ECDHE suite (RFC 8422 §5.4).
pub(super) fn server_key_exchange(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    let params_start = w.pos;
    w.uint(1, "curve_type", |t| {
        if t == 3 {
            "named_curve(3): the group is named by the next field (explicit curves are refused)"
                .to_string()
        } else {
            format!("{t}: not named_curve, which lucid refuses")
        }
    })?;
    w.uint(2, "namedcurve", |g| {
        let g = u16::try_from(g).unwrap_or_default();
        format!(
            "{}: the group both sides compute ECDH in, chosen by the server from the client's supported_groups",
            NamedGroup(g).name().unwrap_or("unknown group")
        )
    })?;
    let n = w.uint(1, "point length", |n| format!("{n} bytes"))?;
    w.field(n, "public", |_| {
        "the server's ephemeral public value (x25519: 32 bytes; P-256/P-384: 0x04 ‖ X ‖ Y, uncompressed), made for this connection only and forgotten after it: this is the forward secrecy".to_string()
    })?;
    let params_len = w.pos - params_start;
    signed_params_signature(w, ctx, params_len)
}

/// The `digitally-signed` end of a ServerKeyExchange over `params_len` bytes of params.
fn signed_params_signature(w: &mut Walk<'_>, ctx: &Ctx<'_>, params_len: usize) -> Option<()> {
    if ctx.version.is_some_and(|v| v >= ProtocolVersion::TLSV1_2) {
        w.uint(2, "signature_algorithm", |s| {
            let s = u16::try_from(s).unwrap_or_default();
            format!(
                "{}: chosen by the server from the client's signature_algorithms",
                SignatureScheme(s).name().unwrap_or("unknown scheme")
            )
        })?;
    }
    let n = w.uint(2, "signature length", |n| format!("{n} bytes"))?;
    w.field(n, "signature", |_| {
        let how = if ctx.version.is_some_and(|v| v >= ProtocolVersion::TLSV1_2) {
            "with the algorithm above"
        } else {
            "TLS 1.0/1.1: RSA over MD5 ‖ SHA-1, ECDSA over SHA-1"
        };
        format!(
            "over client_random ‖ server_random ‖ the {params_len} bytes of params above ({how}), made with the certificate's private key: the client checks it with the certificate's public key, so a man in the middle cannot substitute his own value"
        )
    })?;
    Some(())
}

/// ClientKeyExchange of a DHE suite (RFC 5246 §7.4.7.2).
pub(super) fn client_dh_public(w: &mut Walk<'_>) -> Option<()> {
    let n = w.uint(2, "dh_Yc length", |n| format!("{n} bytes"))?;
    w.field(n, "dh_Yc", |_| {
        "the client's public value g^y mod p in the server's group; both sides now compute g^xy mod p, which (leading zeros removed) is the pre-master secret (RFC 5246 §8.1.2)".to_string()
    })?;
    Some(())
}

pub(super) fn client_key_exchange(w: &mut Walk<'_>) -> Option<()> {
    // ECDHE: a u8-prefixed point that fills the body; RSA: a u16-prefixed ciphertext.
    let ecdh = w
        .buf
        .get(w.pos)
        .is_some_and(|n| usize::from(*n) + 1 == w.left());
    if ecdh {
        let n = w.uint(1, "point length", |n| format!("{n} bytes"))?;
        w.field(n, "ecdh_Yc", |_| {
            "the client's ephemeral public value in the server's group; both sides now compute the same shared secret, which becomes the pre-master secret (RFC 8422 §5.10)".to_string()
        })?;
        return Some(());
    }
    let n = w.uint(2, "EncryptedPreMasterSecret length", |n| {
        format!(
            "{n} bytes: the size of the server's RSA modulus ({} bits)",
            n * 8
        )
    })?;
    w.field(n, "EncryptedPreMasterSecret", |_| {
        "RSAES-PKCS1-v1_5 encryption of the 48-byte pre-master secret under the certificate's public key: only the holder of the private key can read it — and anyone who obtains that key later can decrypt this recorded connection (no forward secrecy; ECDHE suites replaced RSA key exchange, and TLS 1.3 removed it)".to_string()
    })?;
    Some(())
}
