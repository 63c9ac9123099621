//! How a protected record's bytes split up (IV, ciphertext, MAC, padding), when the
//! negotiated parameters say so.

use lucid_core::internal::crypto::suites;
use lucid_core::trace::Direction;
use lucid_core::trace::Event;

use crate::show::{Ev, Stamped};

use super::{Layout, Part, State};

/// Plaintext length of the record whose event is at `i`, from the next event in the same
/// direction, when that is a single item of known size.
pub(super) fn plaintext_len_after(events: &[Stamped], i: usize, dir: Direction) -> Option<usize> {
    for e in events.iter().skip(i + 1) {
        match &e.ev {
            Ev::Tls(Event::Handshake { dir: d, raw, .. }) if *d == dir => return Some(raw.len()),
            Ev::Tls(Event::ChangeCipherSpec { dir: d }) if *d == dir => return Some(1),
            Ev::Tls(Event::Alert { dir: d, .. }) if *d == dir => return Some(2),
            Ev::Tls(Event::ApplicationData { dir: d, len }) if *d == dir => return Some(*len),
            Ev::Tls(Event::Record { dir: d, .. }) if *d == dir => return None,
            _ => {}
        }
    }
    None
}

/// How a protected record's length splits into IV, ciphertext, MAC and padding — only when
/// the arithmetic checks out for the negotiated parameters.
pub(super) fn protected_layout(
    len: usize,
    s: &State,
    plain: Option<usize>,
    who: &str,
    first: bool,
) -> Option<Layout> {
    let version = s.version?;
    let params = suites::lookup(s.suite?)?;
    let part = |name, len, encrypted| Part {
        name,
        len,
        encrypted,
    };
    let cipher = params.cipher.name();
    let mac = params.mac_len();
    let mac_name = params.mac().map_or("", suites::MacAlgorithm::name);
    let b = params.block_len();
    match params.protection {
        suites::Protection::Gcm => {
            // RFC 5288 §3 / RFC 5246 §6.2.3.3: nonce_explicit ‖ ciphertext ‖ tag.
            let plain = plain?;
            let text = len.checked_sub(8 + 16)?;
            return (text == plain).then(|| Layout {
                text: format!(
                    "explicit nonce 8 (the sender's sequence number; the full 12-byte nonce is the 4-byte implicit part from the key block + these 8) + {cipher}-GCM ciphertext {text} (same length as the plaintext: a stream, no padding) + tag 16 over sequence number, type, version and plaintext length as additional data (RFC 5288)"
                ),
                parts: vec![
                    part("explicit nonce", 8, false),
                    part("ciphertext", text, true),
                    part("tag", 16, false),
                ],
            });
        }
        suites::Protection::Stream(_) => {
            // RFC 5246 §6.2.3.1: RC4(fragment ‖ MAC), no IV, no padding.
            let plain = plain?;
            return (len.checked_sub(mac)? == plain).then(|| Layout {
                text: format!(
                    "{cipher}(plaintext {plain} + {mac_name} {mac}) = {len}: a stream cipher, so no IV and no padding; the keystream runs on from the previous record (MAC-then-encrypt, RFC 5246 §6.2.3.1). LEGACY: RC4's keystream is biased (RFC 7465 prohibits it)"
                ),
                parts: vec![part("plaintext", plain, true), part("MAC", mac, true)],
            });
        }
        suites::Protection::Cbc(_) => {}
    }
    let iv = if suites::uses_explicit_iv(version) {
        b
    } else {
        0
    };
    let iv_text = if iv > 0 {
        format!("explicit IV {b} + ")
    } else if first {
        format!("(no IV on the wire: TLS 1.0 starts from {who}_write_IV) ")
    } else {
        "(no IV on the wire: TLS 1.0 chains from the previous record's last block) ".to_string()
    };
    let mut parts = Vec::new();
    if iv > 0 {
        parts.push(part("explicit IV", iv, false));
    }
    let plain = plain?;
    let block_ok = |enc: usize| b > 0 && enc.is_multiple_of(b);
    if s.etm {
        let enc = len.checked_sub(iv + mac)?;
        let pad = enc.checked_sub(plain)?;
        (block_ok(enc) && (1..=256).contains(&pad)).then(|| {
            parts.extend([
                part("plaintext", plain, true),
                part("padding", pad, true),
                part("MAC", mac, false),
            ]);
            Layout {
                text: format!(
                    "{iv_text}{cipher}-CBC(plaintext {plain} + padding {pad}) = {enc}, then {mac_name} {mac} over sequence number, header, {}ciphertext (encrypt-then-MAC, RFC 7366)",
                    if iv > 0 { "IV and " } else { "" }
                ),
                parts,
            }
        })
    } else {
        let enc = len.checked_sub(iv)?;
        let pad = enc.checked_sub(plain + mac)?;
        (block_ok(enc) && (1..=256).contains(&pad)).then(|| {
            parts.extend([
                part("plaintext", plain, true),
                part("MAC", mac, true),
                part("padding", pad, true),
            ]);
            Layout {
                text: format!(
                    "{iv_text}{cipher}-CBC(plaintext {plain} + {mac_name} {mac} + padding {pad}) = {enc} (MAC-then-encrypt, RFC 5246 §6.2.3.2)"
                ),
                parts,
            }
        })
    }
}
