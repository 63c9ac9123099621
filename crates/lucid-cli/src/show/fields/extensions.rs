//! The hello extensions block: each extension's type, purpose and body.

use lucid_core::trace::wire::{ExtensionType, MaxFragmentLength, NamedGroup, SignatureScheme};

use crate::show::hex;

use super::{Walk, code16};

pub(super) fn extensions(w: &mut Walk<'_>, client: bool) -> Option<()> {
    if w.left() == 0 {
        w.push(
            &[],
            "(no extensions)",
            "the message ends here: the extensions block is optional",
        );
        return Some(());
    }
    let n = w.uint(2, "extensions length", |n| {
        format!("{n} bytes of extensions")
    })?;
    let end = w.pos.checked_add(n)?;
    w.depth += 1;
    while w.pos < end {
        let typ = w.field(2, "extension_type", |b| {
            let t = ExtensionType(code16(b));
            format!(
                "{}({}): {}",
                t.name().unwrap_or("unknown"),
                t.get(),
                extension_purpose(t, client)
            )
        })?;
        let typ = ExtensionType(code16(typ));
        let len = w.uint(2, "extension_data length", |n| format!("{n}"))?;
        let body_end = w.pos.checked_add(len)?;
        w.depth += 1;
        let parsed = extension_body(w, typ, len, client);
        if parsed.is_none() || w.pos != body_end {
            w.pos = w.pos.min(body_end);
            let rest = w.take(body_end.saturating_sub(w.pos))?;
            if !rest.is_empty() {
                w.push(rest, "extension_data", "");
            }
        }
        w.depth -= 1;
    }
    w.depth -= 1;
    Some(())
}

fn extension_purpose(t: ExtensionType, client: bool) -> &'static str {
    match (t, client) {
        (ExtensionType::SERVER_NAME, true) => {
            "the host the client wants, so one address can serve many names (RFC 6066)"
        }
        (ExtensionType::SERVER_NAME, false) => "the server used the client's server_name",
        (ExtensionType::RENEGOTIATION_INFO, true) => {
            "the client supports secure renegotiation signalling (RFC 5746); lucid never renegotiates"
        }
        (ExtensionType::RENEGOTIATION_INFO, false) => {
            "the server supports secure renegotiation signalling (RFC 5746)"
        }
        (ExtensionType::EXTENDED_MASTER_SECRET, true) => {
            "asks to bind the master secret to the whole handshake (RFC 7627)"
        }
        (ExtensionType::EXTENDED_MASTER_SECRET, false) => {
            "agreed: the master secret will cover a hash of the handshake (RFC 7627)"
        }
        (ExtensionType::ENCRYPT_THEN_MAC, true) => {
            "asks to MAC the ciphertext instead of the plaintext (RFC 7366)"
        }
        (ExtensionType::ENCRYPT_THEN_MAC, false) => {
            "agreed: records are encrypted, then MACed (RFC 7366), closing CBC padding oracles"
        }
        (ExtensionType::SIGNATURE_ALGORITHMS, _) => {
            "the signature/hash pairs the client accepts in the server's certificates and ServerKeyExchange signature (TLS 1.2, RFC 5246 §7.4.1.4.1)"
        }
        (ExtensionType::SUPPORTED_GROUPS, _) => {
            "the elliptic-curve groups the client can do ECDHE (and verify ECDSA) in, most preferred first (RFC 8422 §5.1.1)"
        }
        (ExtensionType::EC_POINT_FORMATS, true) => {
            "the point encodings the client can parse (RFC 8422 §5.1.2; lucid sends and accepts uncompressed points only)"
        }
        (ExtensionType::EC_POINT_FORMATS, false) => {
            "the point encodings the server can parse (RFC 8422 §5.1.2; lucid sends and accepts uncompressed points only)"
        }
        (ExtensionType::ALPN, true) => {
            "the application protocols the client speaks over this connection, most preferred first (ALPN, RFC 7301)"
        }
        (ExtensionType::ALPN, false) => {
            "the application protocol the server picked from the client's list (ALPN, RFC 7301): what the records will carry"
        }
        (ExtensionType::SESSION_TICKET, _) => "stateless session resumption (RFC 5077)",
        (ExtensionType::MAX_FRAGMENT_LENGTH, true) => {
            "asks both sides for smaller records, for devices short of memory (RFC 6066)"
        }
        (ExtensionType::MAX_FRAGMENT_LENGTH, false) => {
            "agreed: from the ServerHello on, both sides send records of at most this size (RFC 6066)"
        }
        _ => "an extension lucid does not use",
    }
}

fn extension_body(w: &mut Walk<'_>, t: ExtensionType, len: usize, client: bool) -> Option<()> {
    match t {
        ExtensionType::SERVER_NAME if client => {
            let n = w.uint(2, "server_name_list length", |n| format!("{n}"))?;
            let end = w.pos.checked_add(n)?;
            while w.pos < end {
                w.field(1, "name_type", |b| match b.first() {
                    Some(0) => "host_name(0)".to_string(),
                    Some(x) => format!("unknown({x})"),
                    None => String::new(),
                })?;
                let n = w.uint(2, "host_name length", |n| format!("{n}"))?;
                w.field(n, "host_name", |b| {
                    format!(
                        "\"{}\" (ASCII), also the name the certificate must match",
                        hex::ascii(b)
                    )
                })?;
            }
            Some(())
        }
        ExtensionType::RENEGOTIATION_INFO => {
            let n = w.uint(1, "renegotiated_connection length", |n| {
                if n == 0 {
                    "0: empty, as on every initial handshake".to_string()
                } else {
                    format!("{n}: verify_data of the previous handshake")
                }
            })?;
            if n > 0 {
                w.field(n, "renegotiated_connection", |_| String::new())?;
            }
            Some(())
        }
        ExtensionType::SIGNATURE_ALGORITHMS if client => {
            let n = w.uint(2, "supported_signature_algorithms length", |n| {
                format!("{n} bytes: {} pairs", n / 2)
            })?;
            for _ in 0..n / 2 {
                w.field(2, "signature_and_hash", |b| {
                    let s = SignatureScheme(code16(b));
                    let [hash, sig] = s.get().to_be_bytes();
                    format!(
                        "{}: hash {}({hash}), signature {}({sig})",
                        s.name().unwrap_or("unknown"),
                        hash_name(hash),
                        match sig {
                            1 => "rsa",
                            2 => "dsa",
                            3 => "ecdsa",
                            _ => "other",
                        }
                    )
                })?;
            }
            Some(())
        }
        ExtensionType::SUPPORTED_GROUPS if client => {
            let n = w.uint(2, "named_group_list length", |n| {
                format!("{n} bytes: {} groups, 2 bytes each", n / 2)
            })?;
            for _ in 0..n / 2 {
                w.field(2, "named_group", |b| {
                    let g = NamedGroup(code16(b));
                    format!("{}({})", g.name().unwrap_or("unknown"), g.get())
                })?;
            }
            Some(())
        }
        ExtensionType::EC_POINT_FORMATS => {
            let n = w.uint(1, "ec_point_format_list length", |n| {
                format!("{n} format(s)")
            })?;
            for _ in 0..n {
                w.uint(1, "ec_point_format", |f| match f {
                    0 => "uncompressed(0)".to_string(),
                    1 => "ansiX962_compressed_prime(1)".to_string(),
                    2 => "ansiX962_compressed_char2(2)".to_string(),
                    other => format!("unknown({other})"),
                })?;
            }
            Some(())
        }
        ExtensionType::ALPN => {
            let body_end = w.pos.checked_add(len)?;
            let n = w.uint(2, "protocol_name_list length", |n| {
                if client {
                    format!("{n} bytes of names, each with a 1-byte length")
                } else {
                    format!("{n}: exactly one name, with its 1-byte length")
                }
            })?;
            let end = w.pos.checked_add(n)?;
            if end > body_end {
                return None;
            }
            while w.pos < end {
                let n = w.uint(1, "ProtocolName length", |n| format!("{n}"))?;
                if w.pos.checked_add(n)? > end {
                    return None;
                }
                w.field(n, "ProtocolName", |b| protocol_note(b, client))?;
            }
            Some(())
        }
        ExtensionType::EXTENDED_MASTER_SECRET | ExtensionType::ENCRYPT_THEN_MAC if len == 0 => {
            Some(())
        }
        ExtensionType::SERVER_NAME if len == 0 => Some(()),
        ExtensionType::MAX_FRAGMENT_LENGTH if len == 1 => {
            w.field(1, "max_fragment_length", |b| {
                let v = MaxFragmentLength(b.first().copied().unwrap_or(0));
                match v.fragment_len() {
                    Some(n) if client => format!(
                        "{v}({}): records of at most {n} bytes of plaintext, both ways",
                        v.get()
                    ),
                    Some(n) => format!(
                        "{v}({}): the client's value echoed; records of at most {n} bytes of plaintext",
                        v.get()
                    ),
                    None => format!(
                        "{}: not a value RFC 6066 defines (1..4): refused with illegal_parameter",
                        v.get()
                    ),
                }
            })?;
            Some(())
        }
        _ => None,
    }
}

/// An ALPN protocol name: its bytes as ASCII, what the common ones are, and (from the
/// server) that it is the choice.
fn protocol_note(name: &[u8], client: bool) -> String {
    let what = match name {
        b"http/1.1" => " = HTTP/1.1",
        b"http/1.0" => " = HTTP/1.0",
        b"h2" => " = HTTP/2 over TLS",
        _ => "",
    };
    let ascii = hex::ascii(name);
    if client {
        format!("\"{ascii}\" (ASCII){what}")
    } else {
        format!("\"{ascii}\" (ASCII){what}: selected, one the client offered")
    }
}

fn hash_name(h: u8) -> &'static str {
    match h {
        1 => "md5",
        2 => "sha1",
        3 => "sha224",
        4 => "sha256",
        5 => "sha384",
        6 => "sha512",
        _ => "unknown",
    }
}
