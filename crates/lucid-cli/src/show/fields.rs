//! Splits a handshake message's bytes into labelled fields, each with a one-line note on
//! what it is for (RFC 5246 §7.4 and the extensions' RFCs).
//!
//! The walk reads the raw bytes (exactly what went over the wire and into the transcript),
//! so every byte of the message appears in exactly one field; anything it cannot follow is
//! shown as "unparsed" rather than dropped.
//!
//! The hellos and Finished are walked here; the extensions block, the certificate messages
//! and the key-exchange messages have their own files.

use lucid_core::internal::crypto::suites;
use lucid_core::trace::wire::{CipherSuite, Compression, HandshakeType, ProtocolVersion};
use lucid_core::x509::VerifiedChain;

use super::version_name;

mod certificate;
mod extensions;
mod key_exchange;

pub use certificate::describe_cert;
use certificate::{certificate, certificate_request, certificate_verify};
use extensions::extensions;
use key_exchange::{client_dh_public, client_key_exchange, server_dh_params, server_key_exchange};

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
    if typ == HandshakeType::FINISHED
        && let Some((label, hash)) = ctx.finished
    {
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
