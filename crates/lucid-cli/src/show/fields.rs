//! Splits a handshake message's bytes into labelled fields, each with a one-line note on
//! what it is for (RFC 5246 §7.4 and the extensions' RFCs).
//!
//! The walk reads the raw bytes (exactly what went over the wire and into the transcript),
//! so every byte of the message appears in exactly one field; anything it cannot follow is
//! shown as "unparsed" rather than dropped.

use lucid_core::internal::crypto::suites;
use lucid_core::trace::wire::{
    CipherSuite, ClientCertificateType, Compression, ExtensionType, HandshakeType,
    MaxFragmentLength, NamedGroup, ProtocolVersion, SignatureScheme,
};
use lucid_core::x509::VerifiedChain;
use lucid_core::x509::name::name_to_string;

use super::version_name;

/// One labelled run of bytes (or, with empty `bytes`, a note about the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Field name, RFC spelling.
    pub name: String,
    /// What the value means and what the field is for.
    pub note: String,
    /// Nesting depth (extensions inside the extensions block...).
    pub depth: usize,
}

/// What the walker knows about the connection so far.
#[derive(Debug, Default, Clone)]
pub struct Ctx<'a> {
    /// Negotiated version, once the ServerHello was seen.
    pub version: Option<ProtocolVersion>,
    /// Session id the client offered.
    pub offered_session_id: Vec<u8>,
    /// The verified path, to name certificates.
    pub chain: Option<&'a VerifiedChain>,
    /// Whether the server asked for a client certificate.
    pub certificate_requested: bool,
    /// The negotiated suite's key exchange, once the ServerHello was seen (decides how
    /// ServerKeyExchange and ClientKeyExchange read).
    pub kx: Option<suites::KeyExchange>,
    /// For a Finished message: its PRF label and the transcript hash it covers.
    pub finished: Option<(&'static str, &'a [u8])>,
    /// The client's clock (seconds since 1970), to tell a real gmt_unix_time from random
    /// bytes.
    pub now_secs: Option<i64>,
}

struct Walk<'b> {
    buf: &'b [u8],
    pos: usize,
    out: Vec<Field>,
    depth: usize,
}

impl<'b> Walk<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn push(&mut self, bytes: &[u8], name: impl Into<String>, note: impl Into<String>) {
        self.out.push(Field {
            bytes: bytes.to_vec(),
            name: name.into(),
            note: note.into(),
            depth: self.depth,
        });
    }

    /// Takes `n` bytes and labels them; `None` when the message is shorter.
    fn field(
        &mut self,
        n: usize,
        name: &str,
        note: impl FnOnce(&[u8]) -> String,
    ) -> Option<&'b [u8]> {
        let b = self.take(n)?;
        let text = note(b);
        self.push(b, name, text);
        Some(b)
    }

    fn uint(&mut self, n: usize, name: &str, note: impl FnOnce(usize) -> String) -> Option<usize> {
        let b = self.take(n)?;
        let v = b.iter().fold(0usize, |acc, x| (acc << 8) | usize::from(*x));
        let text = note(v);
        self.push(b, name, text);
        Some(v)
    }

    fn rest(&mut self, name: &str, note: &str) {
        if self.left() > 0 {
            let b = self.buf.get(self.pos..).unwrap_or(&[]);
            self.pos = self.buf.len();
            self.push(b, name, note);
        }
    }
}

/// The fields of a whole handshake message `raw` (4-byte header included).
pub fn handshake_fields(raw: &[u8], ctx: &Ctx<'_>) -> Vec<Field> {
    let mut w = Walk {
        buf: raw,
        pos: 0,
        out: Vec::new(),
        depth: 0,
    };
    let Some(typ) = w.take(1).and_then(|b| b.first().copied()) else {
        return w.out;
    };
    let typ = HandshakeType(typ);
    // The server's Certificate comes before its CertificateRequest, the client's after.
    let purpose = if typ == HandshakeType::CERTIFICATE && ctx.certificate_requested {
        "the client's certificate chain, its own certificate first"
    } else {
        type_purpose(typ)
    };
    let type_note = format!(
        "{}({}): {purpose}",
        typ.name().unwrap_or("unknown"),
        typ.get(),
    );
    w.push(&[typ.get()], "msg_type", type_note);
    let Some(body_len) = w.uint(3, "length", |n| format!("{n} bytes of body follow")) else {
        w.rest("unparsed", "truncated header");
        return w.out;
    };
    let _ = body_len;
    let ok = match typ {
        HandshakeType::CLIENT_HELLO => client_hello(&mut w, ctx),
        HandshakeType::SERVER_HELLO => server_hello(&mut w, ctx),
        HandshakeType::CERTIFICATE => certificate(&mut w, ctx),
        HandshakeType::SERVER_HELLO_DONE | HandshakeType::HELLO_REQUEST => Some(()),
        HandshakeType::SERVER_KEY_EXCHANGE if ctx.kx == Some(suites::KeyExchange::Dhe) => {
            server_dh_params(&mut w, ctx)
        }
        HandshakeType::SERVER_KEY_EXCHANGE => server_key_exchange(&mut w, ctx),
        HandshakeType::CLIENT_KEY_EXCHANGE if ctx.kx == Some(suites::KeyExchange::Dhe) => {
            client_dh_public(&mut w)
        }
        HandshakeType::CLIENT_KEY_EXCHANGE => client_key_exchange(&mut w),
        HandshakeType::CERTIFICATE_REQUEST => certificate_request(&mut w, ctx),
        HandshakeType::CERTIFICATE_VERIFY => certificate_verify(&mut w, ctx),
        HandshakeType::FINISHED => finished(&mut w, ctx),
        _ => None,
    };
    if ok.is_none() || w.left() > 0 {
        w.rest(
            "body",
            "bytes lucid's trace does not break down further for this message type",
        );
    }
    if typ == HandshakeType::SERVER_HELLO_DONE {
        let note = if ctx.certificate_requested {
            "empty body: the server's hello messages are complete (it asked for a client certificate earlier)"
        } else {
            "empty body: the server's hello messages are complete, and it will not ask for a client certificate"
        };
        w.push(&[], "(no body)", note);
    }
    if typ == HandshakeType::FINISHED {
        if let Some((label, hash)) = ctx.finished {
            w.push(
                &[],
                "covers",
                format!(
                    "{} of every handshake message before this one, both directions, ClientHello onwards (not ChangeCipherSpec, which is not a handshake message): {}",
                    transcript_hash_name(hash.len()),
                    super::hex::compact(hash)
                ),
            );
            let _ = label;
        }
    }
    w.out
}

/// What each handshake message is for, in one line.
pub fn type_purpose(typ: HandshakeType) -> &'static str {
    match typ {
        HandshakeType::HELLO_REQUEST => "the server asks the client to start a new handshake",
        HandshakeType::CLIENT_HELLO => {
            "the client's offer: versions, random, session to resume, cipher suites, extensions"
        }
        HandshakeType::SERVER_HELLO => "the server's choices from the client's offer",
        HandshakeType::CERTIFICATE => "the server's certificate chain, its own certificate first",
        HandshakeType::CERTIFICATE_REQUEST => {
            "the server asks for a client certificate: which key types, signature algorithms and CAs it accepts"
        }
        HandshakeType::CERTIFICATE_VERIFY => {
            "the client proves it holds the private key of the certificate it sent, by signing the handshake so far"
        }
        HandshakeType::SERVER_HELLO_DONE => "the server has sent all its hello messages",
        HandshakeType::SERVER_KEY_EXCHANGE => {
            "ECDHE: the server's ephemeral public value, signed with its certificate's key"
        }
        HandshakeType::CLIENT_KEY_EXCHANGE => {
            "RSA: the pre-master secret encrypted to the server's key; ECDHE: the client's ephemeral public value"
        }
        HandshakeType::FINISHED => {
            "proves both sides saw the same handshake and hold the same master secret"
        }
        _ => "not part of the TLS 1.0-1.2 handshakes lucid speaks",
    }
}

fn version_note(b: &[u8]) -> ProtocolVersion {
    let v = b.first_chunk::<2>().map_or(0, |x| u16::from_be_bytes(*x));
    ProtocolVersion(v)
}

/// "TLS 1.2 (3,3)".
pub fn version_label(v: ProtocolVersion) -> String {
    let [major, minor] = v.get().to_be_bytes();
    format!("{} ({major},{minor})", version_name(v))
}

fn random(w: &mut Walk<'_>, who: &str, now_secs: Option<i64>) -> Option<()> {
    w.field(4, "random.gmt_unix_time", |b| {
        let secs = i64::from(b.first_chunk::<4>().map_or(0, |x| u32::from_be_bytes(*x)));
        let clock = now_secs.is_none_or(|now| (now - secs).abs() <= 86_400);
        if clock {
            format!(
                "{}: the {who}'s clock in seconds since 1970 (RFC 5246 §7.4.1.2), the first 4 of the 32 random bytes",
                lucid_core::x509::Time::from_unix_seconds(secs)
            )
        } else {
            format!(
                "would be {}, so not a clock: this {who} makes all 32 bytes random, as many do (RFC 5246 §7.4.1.2 says gmt_unix_time; nothing relies on it)",
                lucid_core::x509::Time::from_unix_seconds(secs)
            )
        }
    })?;
    w.field(28, "random.random_bytes", |b| {
        let sentinel = match b.last_chunk::<8>() {
            Some(b"DOWNGRD\x01") => "; it ends in \"DOWNGRD\" 01: the server speaks TLS 1.3 but agreed to TLS 1.2 (RFC 8446 §4.1.3)",
            Some(b"DOWNGRD\x00") => "; it ends in \"DOWNGRD\" 00: the server speaks TLS 1.2 or newer but agreed to TLS 1.1 or older, which a client offering 1.2 must refuse (RFC 8446 §4.1.3)",
            _ => "",
        };
        format!(
            "28 bytes from the {who}'s random generator; both hellos' randoms go into the master secret and the key block, so every connection's keys differ{sentinel}"
        )
    })?;
    Some(())
}

fn client_hello(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    w.field(2, "client_version", |b| {
        format!(
            "{}: the newest version the client speaks; the server answers with this or an older one",
            version_label(version_note(b))
        )
    })?;
    random(w, "client", ctx.now_secs)?;
    let sid = w.uint(1, "session_id length", |n| {
        if n == 0 {
            "0: no earlier session to resume, so this is a full handshake".to_string()
        } else {
            format!("{n}: the client asks to resume an earlier session")
        }
    })?;
    if sid > 0 {
        w.field(sid, "session_id", |_| {
            "the id the server gave the session; if it still has it, the handshake is abbreviated"
                .to_string()
        })?;
    }
    let n = w.uint(2, "cipher_suites length", |n| {
        format!(
            "{n} bytes: {} {}, 2 bytes each, most preferred first",
            n / 2,
            if n == 2 { "suite" } else { "suites" }
        )
    })?;
    w.depth += 1;
    for _ in 0..n / 2 {
        w.field(2, "cipher_suite", |b| suite_note(code16(b)))?;
    }
    w.depth -= 1;
    let n = w.uint(1, "compression_methods length", |n| {
        format!("{n} method(s)")
    })?;
    w.depth += 1;
    for _ in 0..n {
        w.field(1, "compression_method", |b| {
            compression_note(Compression(b.first().copied().unwrap_or(0)))
        })?;
    }
    w.depth -= 1;
    extensions(w, true)
}

fn server_hello(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    w.field(2, "server_version", |b| {
        format!(
            "{}: the version the server chose; both sides use it from here on",
            version_label(version_note(b))
        )
    })?;
    random(w, "server", ctx.now_secs)?;
    let sid = w.uint(1, "session_id length", |n| {
        if n == 0 {
            "0: the server will not cache this session, so it cannot be resumed".to_string()
        } else {
            format!("{n}")
        }
    })?;
    if sid > 0 {
        let offered = ctx.offered_session_id.clone();
        w.field(sid, "session_id", |b| {
            if !offered.is_empty() && b == offered.as_slice() {
                "the session the client offered: the server agreed to resume it, so no certificate and no key exchange follow".to_string()
            } else {
                "the server's name for this session; the client may offer it later to skip the full handshake".to_string()
            }
        })?;
    }
    w.field(2, "cipher_suite", |b| {
        format!(
            "{} — the server's pick from the client's list",
            suite_note(code16(b))
        )
    })?;
    w.field(1, "compression_method", |b| {
        compression_note(Compression(b.first().copied().unwrap_or(0)))
    })?;
    extensions(w, false)
}

fn code16(b: &[u8]) -> u16 {
    b.first_chunk::<2>().map_or(0, |x| u16::from_be_bytes(*x))
}

/// A suite's name and what it means: read off lucid's suite table (key exchange, record
/// protection, PRF), so a suite added to the table is explained here without a second list.
pub fn suite_note(code: u16) -> String {
    let s = CipherSuite(code);
    let what = match s {
        CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV => {
            "not a suite: signals secure renegotiation support (RFC 5746)".to_string()
        }
        CipherSuite::TLS_FALLBACK_SCSV => {
            "not a suite: says this is a deliberate retry at a lower version (RFC 7507)".to_string()
        }
        _ => match suites::lookup(s) {
            Some(p) => suite_description(p),
            None => "not one lucid implements".to_string(),
        },
    };
    match s.name() {
        Some(n) => format!("{n}: {what}"),
        None => format!("0x{code:04x}: {what}"),
    }
}

/// "ECDHE key exchange signed with RSA, AES-128 in GCM mode (...), SHA-256 PRF (TLS 1.2 only)".
fn suite_description(p: &suites::SuiteParams) -> String {
    let kx = match (p.kx, p.auth) {
        (suites::KeyExchange::Rsa, _) => "RSA key exchange",
        (suites::KeyExchange::Ecdhe, suites::Authentication::Rsa) => {
            "ECDHE key exchange (forward secret) signed with the server's RSA key"
        }
        (suites::KeyExchange::Ecdhe, suites::Authentication::Ecdsa) => {
            "ECDHE key exchange (forward secret) signed with the server's ECDSA key"
        }
        (suites::KeyExchange::Dhe, _) => {
            "finite-field DHE key exchange (forward secret; the server picks the group: a legacy opt-in) signed with the server's RSA key"
        }
    };
    let cipher = p.cipher.name();
    let prf = match p.prf {
        suites::PrfHash::Sha256 => "SHA-256 PRF",
        suites::PrfHash::Sha384 => "SHA-384 PRF and handshake hash",
    };
    let only = if p.tls12_only { " (TLS 1.2 only)" } else { "" };
    let what = match p.protection {
        suites::Protection::Gcm => format!(
            "{kx}, {cipher} in GCM mode (authenticated encryption, no separate MAC), {prf}{only}"
        ),
        suites::Protection::Cbc(mac) => {
            format!("{kx}, {cipher} in CBC mode, {} records{only}", mac.name())
        }
        suites::Protection::Stream(mac) => format!(
            "{kx}, the {cipher} stream cipher (no IV, no padding), {} records{only}",
            mac.name()
        ),
    };
    match p.legacy {
        Some(weakness) => format!("{what}. LEGACY: {weakness}"),
        None => what,
    }
}

fn compression_note(c: Compression) -> String {
    match c {
        Compression::NULL => {
            "null(0): no compression (compressing secrets next to attacker data leaks them: CRIME)"
                .to_string()
        }
        other => format!("{other}({}): lucid never accepts compression", other.get()),
    }
}

fn extensions(w: &mut Walk<'_>, client: bool) -> Option<()> {
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
                        super::hex::ascii(b)
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
    let ascii = super::hex::ascii(name);
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

fn certificate(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
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

/// ServerKeyExchange of a DHE suite (RFC 5246 §7.4.3).
fn server_dh_params(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
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
fn server_key_exchange(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
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
fn client_dh_public(w: &mut Walk<'_>) -> Option<()> {
    let n = w.uint(2, "dh_Yc length", |n| format!("{n} bytes"))?;
    w.field(n, "dh_Yc", |_| {
        "the client's public value g^y mod p in the server's group; both sides now compute g^xy mod p, which (leading zeros removed) is the pre-master secret (RFC 5246 §8.1.2)".to_string()
    })?;
    Some(())
}

fn client_key_exchange(w: &mut Walk<'_>) -> Option<()> {
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

/// CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
fn certificate_request(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
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
fn certificate_verify(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
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

fn finished(w: &mut Walk<'_>, ctx: &Ctx<'_>) -> Option<()> {
    let n = w.left();
    let label = ctx.finished.map_or("client/server finished", |(l, _)| l);
    let hash = match ctx.version {
        // TLS 1.2: the suite's PRF hash (SHA-256, or SHA-384 for the *_SHA384 suites),
        // recognisable by the transcript hash's length.
        Some(v) if v >= ProtocolVersion::TLSV1_2 => match ctx.finished.map(|(_, h)| h.len()) {
            Some(48) => "SHA-384(handshake_messages)",
            _ => "SHA-256(handshake_messages)",
        },
        Some(_) => "MD5(handshake_messages) + SHA-1(handshake_messages)",
        None => "Hash(handshake_messages)",
    };
    w.field(n, "verify_data", |_| {
        format!("PRF(master_secret, \"{label}\", {hash}), first {n} bytes")
    })?;
    Some(())
}

/// The transcript hash's algorithm, from its length.
pub fn transcript_hash_name(len: usize) -> &'static str {
    match len {
        36 => "MD5 + SHA-1",
        32 => "SHA-256",
        48 => "SHA-384",
        _ => "the hash",
    }
}

#[cfg(test)]
#[path = "fields_test.rs"]
mod tests;
