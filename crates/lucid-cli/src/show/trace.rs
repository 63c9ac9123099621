//! `--trace`: the annotated, byte-level walk through a connection, in the spirit of "The
//! First Few Milliseconds of an HTTPS Connection": every record header and handshake message
//! in hex, each field labelled with what it is for.

use core::fmt::Write;

use lucid_core::internal::crypto::suites;
use lucid_core::trace::wire::HandshakePayload;
use lucid_core::trace::wire::ServerExtension;
use lucid_core::trace::wire::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, ProtocolVersion,
};
use lucid_core::trace::{Direction, ResumptionEvent};
use lucid_core::trace::{Event, KeyScheduleEvent};
use lucid_core::x509::{Time, VerifiedChain};

use super::fields::{self, Ctx, Field, version_label};
use super::{Ev, Options, Stamped, Style, hex, ms, version_name, way};

/// Column where field names start (after the hex).
const INDENT: &str = "    ";

/// What the renderer has learnt from earlier events.
#[derive(Default)]
struct State {
    version: Option<ProtocolVersion>,
    suite: Option<CipherSuite>,
    etm: bool,
    offered_session_id: Vec<u8>,
    chain: Option<VerifiedChain>,
    certificate_requested: bool,
    /// Protected flag of the last record seen in each direction.
    sent_protected: bool,
    received_protected: bool,
    /// Protected records seen per direction (sent, received), for the TLS 1.0 IV note.
    protected_records: [usize; 2],
    records_sent: usize,
    resumed: bool,
    ems: bool,
}

/// Renders the annotated trace of one connection.
pub fn render(events: &[Stamped], opts: &Options) -> String {
    let st = Style::new(opts.color);
    let mut out = String::new();
    let mut s = State::default();
    // Finished values by direction, in order, to annotate the Finished messages (the event
    // for our Finished comes before the message, the peer's after it).
    let mut fin_sent = events.iter().filter_map(|e| match &e.ev {
        Ev::Tls(Event::Finished {
            dir: Direction::Sent,
            label,
            transcript_hash,
            ..
        }) => Some((*label, &transcript_hash[..])),
        _ => None,
    });
    let mut fin_received = events.iter().filter_map(|e| match &e.ev {
        Ev::Tls(Event::Finished {
            dir: Direction::Received,
            label,
            transcript_hash,
            ..
        }) => Some((*label, &transcript_hash[..])),
        _ => None,
    });

    for (i, e) in events.iter().enumerate() {
        let t = format!("[{:>10}]", ms(e.at));
        match &e.ev {
            Ev::TcpConnected { peer } => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head(&format!("TCP connection to {peer} established"))
                );
                out.push('\n');
            }
            Ev::Tls(Event::Record {
                dir,
                offset,
                typ,
                version,
                len,
                header,
                protected,
            }) => {
                match dir {
                    Direction::Sent => s.sent_protected = *protected,
                    Direction::Received => s.received_protected = *protected,
                }
                let first_protected = *protected && {
                    let k = usize::from(*dir == Direction::Received);
                    s.protected_records[k] += 1;
                    s.protected_records[k] == 1
                };
                let first_sent = *dir == Direction::Sent && s.records_sent == 0;
                if *dir == Direction::Sent {
                    s.records_sent += 1;
                }
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head(&format!(
                        "{}  {} record, stream offset {offset}, {}",
                        way(*dir),
                        typ,
                        if *protected { "encrypted" } else { "plaintext" }
                    ))
                );
                let [ct, v0, v1, l0, l1] = *header;
                let ct_note = format!(
                    "{}({}): {}",
                    typ.name().unwrap_or("unknown"),
                    ct,
                    content_purpose(*typ)
                );
                let v_note = if first_sent {
                    format!(
                        "{}: the record layer's version; lucid's first record always says TLS 1.0, as old servers reject anything newer before they read the hello",
                        version_label(*version)
                    )
                } else {
                    format!("{}: the record layer's version", version_label(*version))
                };
                let l_note = if *protected {
                    let plain = plaintext_len_after(events, i, *dir);
                    format!(
                        "{len} {} follow: {}",
                        bytes_word(*len),
                        protected_layout(*len, &s, plain, *dir, first_protected)
                            .unwrap_or_else(|| { "the encrypted and MACed fragment".to_string() })
                    )
                } else {
                    format!(
                        "{len} {} of fragment follow, in the clear",
                        bytes_word(*len)
                    )
                };
                line(&mut out, st, &[ct], 0, "type", &ct_note);
                line(&mut out, st, &[v0, v1], 0, "version", &v_note);
                line(&mut out, st, &[l0, l1], 0, "length", &l_note);
                out.push('\n');
            }
            Ev::Tls(Event::Handshake { dir, msg, raw }) => {
                let protected = match dir {
                    Direction::Sent => s.sent_protected,
                    Direction::Received => s.received_protected,
                };
                let finished = if msg.typ == HandshakeType::FINISHED {
                    match dir {
                        Direction::Sent => fin_sent.next(),
                        Direction::Received => fin_received.next(),
                    }
                } else {
                    None
                };
                let ctx = Ctx {
                    version: s.version,
                    offered_session_id: s.offered_session_id.clone(),
                    chain: s.chain.as_ref(),
                    certificate_requested: s.certificate_requested,
                    kx: s.suite.and_then(suites::lookup).map(|p| p.kx),
                    finished,
                    now_secs: i64::try_from(opts.now.as_secs()).ok(),
                };
                let name = msg.typ.name().unwrap_or("unknown handshake message");
                let _ = writeln!(
                    out,
                    "{}{} {}",
                    INDENT,
                    st.field(name),
                    st.dim(&format!(
                        "({} bytes: 4-byte header + {}-byte body{})",
                        raw.len(),
                        raw.len().saturating_sub(4),
                        if protected { ", shown decrypted" } else { "" }
                    ))
                );
                for f in fields::handshake_fields(raw, &ctx) {
                    field(&mut out, st, &f, opts.full_hex);
                }
                if let HandshakePayload::ServerHello(sh) = &msg.payload {
                    let reneg = super::secure_renegotiation(sh);
                    if reneg != "yes" {
                        let _ = writeln!(
                            out,
                            "{INDENT}{}",
                            st.warn(&format!(
                                "secure renegotiation: {reneg}: no renegotiation_info; lucid never renegotiates, but this server may accept a renegotiation spliced in front of our data (CVE-2009-3555)"
                            ))
                        );
                    }
                }
                out.push('\n');
                learn(&mut s, *dir, &msg.payload);
            }
            Ev::Tls(Event::Sslv2ClientHello { raw }) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head("SSLv2-compatible ClientHello (RFC 5246 appendix E.2)")
                );
                line(
                    &mut out,
                    st,
                    raw,
                    0,
                    "bytes",
                    "an old-style hello; lucid reads it and answers in TLS",
                );
                out.push('\n');
            }
            Ev::Tls(Event::ChangeCipherSpec { dir }) => {
                let who = match dir {
                    Direction::Sent => "the client",
                    Direction::Received => "the server",
                };
                line(
                    &mut out,
                    st,
                    &[1],
                    0,
                    "type",
                    &format!(
                        "change_cipher_spec(1): from the next record on, {who} encrypts and MACs with the new keys; its sequence number restarts at 0"
                    ),
                );
                out.push('\n');
            }
            Ev::Tls(Event::Alert {
                dir,
                level,
                description,
            }) => {
                let protected = match dir {
                    Direction::Sent => s.sent_protected,
                    Direction::Received => s.received_protected,
                };
                let _ = writeln!(
                    out,
                    "{}{} {}",
                    INDENT,
                    st.field("Alert"),
                    st.dim(if protected {
                        "(2 bytes, shown decrypted)"
                    } else {
                        "(2 bytes)"
                    })
                );
                line(
                    &mut out,
                    st,
                    &[level.get()],
                    0,
                    "level",
                    &format!("{}({})", level, level.get()),
                );
                line(
                    &mut out,
                    st,
                    &[description.get()],
                    0,
                    "description",
                    &format!(
                        "{}({}): {}",
                        description,
                        description.get(),
                        alert_purpose(*level, *description)
                    ),
                );
                out.push('\n');
            }
            Ev::Tls(Event::ApplicationData { dir, len }) => {
                let _ = writeln!(
                    out,
                    "{}{}",
                    INDENT,
                    st.dim(&format!(
                        "{len} {} of application data {} (the content is not traced)",
                        bytes_word(*len),
                        match dir {
                            Direction::Sent => "written by the client",
                            Direction::Received => "decrypted for the client",
                        }
                    ))
                );
                if *dir == Direction::Received && *len == 0 {
                    let _ = writeln!(
                        out,
                        "{}{}",
                        INDENT,
                        st.dim(
                            "an empty record: some servers (OpenSSL) send one before data on TLS 1.0 so the next record's IV is unpredictable (against BEAST)"
                        )
                    );
                }
                if *dir == Direction::Sent
                    && s.version == Some(ProtocolVersion::TLSV1_0)
                    && *len == 1
                {
                    let _ = writeln!(
                        out,
                        "{}{}",
                        INDENT,
                        st.dim(
                            "TLS 1.0: lucid splits each write into a 1-byte record and the rest (1/n-1, against BEAST)"
                        )
                    );
                }
                out.push('\n');
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::PreMasterSecret {
                len,
                client_version,
                secret,
            })) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head("key schedule: the client picks the pre-master secret")
                );
                let [a, b] = client_version.get().to_be_bytes();
                let _ = writeln!(
                    out,
                    "{}{} {len} bytes = client_version {} ({a:02x} {b:02x}) + {} random bytes; the version lets the server detect a rollback (RFC 5246 §7.4.7.1)",
                    INDENT,
                    st.field("pre_master_secret:"),
                    version_name(*client_version),
                    len.saturating_sub(2)
                );
                secret_line(&mut out, st, secret.as_deref());
                out.push('\n');
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::EcdhSharedSecret {
                group,
                len,
                secret,
            })) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head("key schedule: ECDH gives the pre-master secret")
                );
                let _ = writeln!(
                    out,
                    "{}{} {len} bytes = the {group} shared secret of our ephemeral private key and the peer's public value (RFC 8422 §5.10); both private keys are gone after this handshake, so a later theft of the certificate's key cannot decrypt this connection (forward secrecy)",
                    INDENT,
                    st.field("pre_master_secret:"),
                );
                secret_line(&mut out, st, secret.as_deref());
                out.push('\n');
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::DhSharedSecret {
                prime_bits,
                len,
                secret,
            })) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head("key schedule: DH gives the pre-master secret")
                );
                let _ = writeln!(
                    out,
                    "{}{} {len} bytes = Ys^x mod p in the server's {prime_bits}-bit group, leading zero bytes removed (RFC 5246 §8.1.2); the exponents are gone after this handshake (forward secrecy)",
                    INDENT,
                    st.field("pre_master_secret:"),
                );
                secret_line(&mut out, st, secret.as_deref());
                out.push('\n');
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::MasterSecret {
                label,
                seed_len,
                secret,
            })) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head("key schedule: master secret and record keys")
                );
                if *seed_len == 0 {
                    let _ = writeln!(
                        out,
                        "{}{} taken from the resumed session: no pre-master secret, no key exchange",
                        INDENT,
                        st.field("master_secret:")
                    );
                } else {
                    let seed = if *label == "extended master secret" {
                        format!(
                            "session_hash = {} of the handshake messages through ClientKeyExchange ({seed_len} bytes)",
                            fields::transcript_hash_name(*seed_len)
                        )
                    } else {
                        format!("ClientHello.random + ServerHello.random ({seed_len} bytes)")
                    };
                    let _ = writeln!(
                        out,
                        "{}{} PRF(pre_master_secret, \"{label}\", {seed}), first 48 bytes",
                        INDENT,
                        st.field("master_secret:")
                    );
                    let _ = writeln!(
                        out,
                        "{}{} {}",
                        INDENT,
                        st.field("PRF:"),
                        prf_name(s.version, s.suite)
                    );
                }
                secret_line(&mut out, st, secret.as_deref());
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::KeyBlock {
                len,
                mac_key_len,
                enc_key_len,
                iv_len,
            })) => {
                let _ = writeln!(
                    out,
                    "{}{} PRF(master_secret, \"key expansion\", ServerHello.random + ClientHello.random), first {len} bytes, cut into:",
                    INDENT,
                    st.field("key_block:")
                );
                let mut parts = if *mac_key_len > 0 {
                    format!(
                        "client_write_MAC_key[{mac_key_len}] server_write_MAC_key[{mac_key_len}] client_write_key[{enc_key_len}] server_write_key[{enc_key_len}]"
                    )
                } else {
                    // AEAD: the tag authenticates, so there are no MAC keys (RFC 5246 §6.3).
                    format!("client_write_key[{enc_key_len}] server_write_key[{enc_key_len}]")
                };
                if *iv_len > 0 {
                    let _ = write!(
                        parts,
                        " client_write_IV[{iv_len}] server_write_IV[{iv_len}]"
                    );
                }
                let _ = writeln!(out, "{}    {}", INDENT, parts);
                if *mac_key_len == 0 && *iv_len > 0 {
                    let _ = writeln!(
                        out,
                        "{}    {}",
                        INDENT,
                        st.dim("(AES-GCM: no MAC keys, the tag authenticates; each write_IV is the 4-byte implicit part of the record nonce, RFC 5288 §3)")
                    );
                } else if *iv_len == 0 {
                    let _ = writeln!(
                        out,
                        "{}    {}",
                        INDENT,
                        st.dim("(no IVs: since TLS 1.1 every record carries its own random IV)")
                    );
                }
                out.push('\n');
            }
            Ev::Tls(Event::CertificateVerified { chain, server_name }) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.head("checking the certificate")
                );
                for l in chain_verdicts(chain.as_deref(), server_name, opts, st) {
                    let _ = writeln!(out, "{INDENT}{l}");
                }
                out.push('\n');
                s.chain = chain.as_deref().cloned();
            }
            Ev::Tls(Event::Finished {
                dir: Direction::Received,
                label,
                ..
            }) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.good(&format!(
                        "server Finished checked: its verify_data equals PRF(master_secret, \"{label}\", transcript hash) computed here, so nobody changed the handshake"
                    ))
                );
                out.push('\n');
            }
            Ev::Tls(Event::Finished { .. }) => {}
            Ev::Tls(Event::Resumption(r)) => {
                let text = match r {
                    ResumptionEvent::Offered => {
                        "resumption: the client offers a cached session (session_id in the ClientHello)"
                    }
                    ResumptionEvent::NotOffered => {
                        "resumption: no cached session for this server, so a full handshake"
                    }
                    ResumptionEvent::Resumed => {
                        "resumption: the server echoed the session id: abbreviated handshake, no certificate, no key exchange"
                    }
                    ResumptionEvent::Declined => {
                        "resumption: the server did not resume the session: full handshake"
                    }
                    ResumptionEvent::Stored => {
                        "resumption: session stored; a later connection may offer it"
                    }
                    _ => "resumption: (unknown decision)",
                };
                let _ = writeln!(out, "{} {}", st.dim(&t), st.dim(text));
                out.push('\n');
            }
            Ev::Tls(Event::HandshakeComplete {
                version,
                suite,
                resumed,
            }) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.good(&format!(
                        "handshake complete: {}, {}, {}",
                        version_name(*version),
                        suite,
                        if *resumed {
                            "resumed session"
                        } else {
                            "full handshake"
                        }
                    ))
                );
                out.push('\n');
            }
            Ev::Failed { reason } => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    st.dim(&t),
                    st.bad(&format!("connection failed: {reason}"))
                );
                out.push('\n');
            }
            Ev::Tls(other) => {
                // An event this version of the renderer does not know (lucid-core's
                // `Event` is non-exhaustive), in its `Debug` form.
                let _ = writeln!(out, "{} {:?}", st.dim(&t), other);
            }
        }
    }
    out
}

/// Records what later lines need from a handshake message.
fn learn(s: &mut State, dir: Direction, p: &HandshakePayload) {
    match (dir, p) {
        (Direction::Sent, HandshakePayload::ClientHello(ch)) => {
            s.offered_session_id = ch.session_id.as_slice().to_vec();
        }
        (Direction::Received, HandshakePayload::ServerHello(sh)) => {
            s.version = Some(sh.server_version);
            s.suite = Some(sh.cipher_suite);
            s.etm = sh
                .extensions
                .iter()
                .any(|e| matches!(e, ServerExtension::EncryptThenMac));
            s.ems = sh
                .extensions
                .iter()
                .any(|e| matches!(e, ServerExtension::ExtendedMasterSecret));
            s.resumed = !s.offered_session_id.is_empty()
                && sh.session_id.as_slice() == s.offered_session_id.as_slice();
        }
        (Direction::Received, HandshakePayload::CertificateRequest(_)) => {
            s.certificate_requested = true;
        }
        _ => {}
    }
}

fn bytes_word(n: usize) -> &'static str {
    if n == 1 { "byte" } else { "bytes" }
}

/// Plaintext length of the record whose event is at `i`, from the next event in the same
/// direction, when that is a single item of known size.
fn plaintext_len_after(events: &[Stamped], i: usize, dir: Direction) -> Option<usize> {
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
fn protected_layout(
    len: usize,
    s: &State,
    plain: Option<usize>,
    dir: Direction,
    first: bool,
) -> Option<String> {
    let version = s.version?;
    let params = suites::lookup(s.suite?)?;
    if params.protection == suites::Protection::Gcm {
        // RFC 5288 §3 / RFC 5246 §6.2.3.3: nonce_explicit ‖ ciphertext ‖ tag.
        let aes = if params.enc_key_len == 16 {
            "AES-128-GCM"
        } else {
            "AES-256-GCM"
        };
        let plain = plain?;
        let text = len.checked_sub(8 + 16)?;
        return (text == plain).then(|| {
            format!(
                "explicit nonce 8 (the sender's sequence number; the full 12-byte nonce is the 4-byte implicit part from the key block + these 8) + {aes} ciphertext {text} (same length as the plaintext: a stream, no padding) + tag 16 over sequence number, type, version and plaintext length as additional data (RFC 5288)"
            )
        });
    }
    let mac = params.mac_len();
    let mac_name = if mac == 20 {
        "HMAC-SHA1"
    } else {
        "HMAC-SHA256"
    };
    let aes = if params.enc_key_len == 16 {
        "AES-128-CBC"
    } else {
        "AES-256-CBC"
    };
    let iv = if suites::uses_explicit_iv(version) {
        16
    } else {
        0
    };
    let who = match dir {
        Direction::Sent => "client",
        Direction::Received => "server",
    };
    let iv_text = if iv > 0 {
        "explicit IV 16 + ".to_string()
    } else if first {
        format!("(no IV on the wire: TLS 1.0 starts from {who}_write_IV) ")
    } else {
        "(no IV on the wire: TLS 1.0 chains from the previous record's last block) ".to_string()
    };
    let plain = plain?;
    if s.etm {
        let enc = len.checked_sub(iv + mac)?;
        let pad = enc.checked_sub(plain)?;
        (enc % 16 == 0 && (1..=256).contains(&pad)).then(|| {
            format!(
                "{iv_text}{aes}(plaintext {plain} + padding {pad}) = {enc}, then {mac_name} {mac} over sequence number, header, {}ciphertext (encrypt-then-MAC, RFC 7366)",
                if iv > 0 { "IV and " } else { "" }
            )
        })
    } else {
        let enc = len.checked_sub(iv)?;
        let pad = enc.checked_sub(plain + mac)?;
        (enc % 16 == 0 && (1..=256).contains(&pad)).then(|| {
            format!(
                "{iv_text}{aes}(plaintext {plain} + {mac_name} {mac} + padding {pad}) = {enc} (MAC-then-encrypt, RFC 5246 §6.2.3.2)"
            )
        })
    }
}

fn prf_name(v: Option<ProtocolVersion>, suite: Option<CipherSuite>) -> &'static str {
    let sha384 = suite
        .and_then(suites::lookup)
        .is_some_and(|p| p.prf == suites::PrfHash::Sha384);
    match v {
        Some(v) if v >= ProtocolVersion::TLSV1_2 && sha384 => {
            "TLS 1.2, a SHA-384 suite: P_SHA384, HMAC-SHA384 iterated over label + seed (RFC 5246 §5, RFC 5288 §3)"
        }
        Some(v) if v >= ProtocolVersion::TLSV1_2 => {
            "TLS 1.2: P_SHA256, HMAC-SHA256 iterated over label + seed (RFC 5246 §5)"
        }
        Some(_) => {
            "TLS 1.0/1.1: P_MD5 over the first half of the secret XOR P_SHA1 over the second half (RFC 2246 §5)"
        }
        None => "the version's PRF",
    }
}

/// What a content type carries.
pub fn content_purpose(t: ContentType) -> &'static str {
    match t {
        ContentType::HANDSHAKE => "this record carries handshake messages",
        ContentType::CHANGE_CIPHER_SPEC => "the switch to the newly negotiated keys",
        ContentType::ALERT => "a warning or an error, or the end of the connection",
        ContentType::APPLICATION_DATA => "the application's bytes, encrypted",
        _ => "not a TLS 1.0-1.2 content type",
    }
}

fn alert_purpose(level: AlertLevel, d: AlertDescription) -> &'static str {
    match d {
        AlertDescription::CLOSE_NOTIFY => {
            "the sender is done writing; a clean end, so a cut connection cannot pass for one"
        }
        AlertDescription::NO_RENEGOTIATION => "the sender refuses to renegotiate",
        AlertDescription::BAD_CERTIFICATE
        | AlertDescription::UNKNOWN_CA
        | AlertDescription::CERTIFICATE_EXPIRED
        | AlertDescription::UNSUPPORTED_CERTIFICATE
        | AlertDescription::CERTIFICATE_UNKNOWN => "the certificate was rejected",
        AlertDescription::HANDSHAKE_FAILURE => "no common parameters",
        AlertDescription::PROTOCOL_VERSION => "no common protocol version",
        AlertDescription::BAD_RECORD_MAC => "a record failed its MAC or padding check",
        _ if level == AlertLevel::FATAL => "fatal: the connection ends here",
        _ => "a warning",
    }
}

fn secret_line(out: &mut String, st: Style, secret: Option<&[u8]>) {
    match secret {
        Some(v) => {
            let _ = writeln!(
                out,
                "{}    {}",
                INDENT,
                st.warn(&format!("value: {}", hex::compact(v)))
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{}    {}",
                INDENT,
                st.dim("(value not shown; --show-secrets prints it)")
            );
        }
    }
}

/// The verdict lines for a verified chain (shared with the summary).
pub fn chain_verdicts(
    chain: Option<&VerifiedChain>,
    server_name: &str,
    opts: &Options,
    st: Style,
) -> Vec<String> {
    let now = Time::from(opts.now);
    let mut v = Vec::new();
    let Some(chain) = chain else {
        v.push(format!(
            "the certificate is byte for byte the pinned one {}; no path, date or name checks",
            st.good("ok")
        ));
        return v;
    };
    v.push(format!("checked at {now} for the name \"{server_name}\""));
    let n = chain.certificates.len();
    for (i, c) in chain.certificates.iter().enumerate() {
        v.push(format!("[{i}] {}", st.field(&c.subject)));
        let inside = c.not_before <= now && now <= c.not_after;
        v.push(format!(
            "    valid {} .. {}: now is inside {}",
            c.not_before,
            c.not_after,
            if inside { st.good("ok") } else { st.bad("NO") }
        ));
        let key = if i + 1 < n {
            format!("the public key of [{}]", i + 1)
        } else {
            "the trust anchor's public key".to_string()
        };
        v.push(format!(
            "    signed by {} ({}): signature verified with {key} {}",
            c.issuer,
            c.signature_algorithm,
            st.good("ok")
        ));
    }
    v.push(format!(
        "anchor: {}: in the trusted root store, so the path ends here {}",
        chain.anchor_subject(),
        st.good("ok")
    ));
    v.push(format!(
        "name: \"{server_name}\" is one of [0]'s subjectAltNames {}",
        st.good("ok")
    ));
    v
}

/// One field: hex at the left, name and note at the right.
fn line(out: &mut String, st: Style, bytes: &[u8], depth: usize, name: &str, note: &str) {
    field(
        out,
        st,
        &Field {
            bytes: bytes.to_vec(),
            name: name.to_string(),
            note: note.to_string(),
            depth,
        },
        true,
    );
}

fn field(out: &mut String, st: Style, f: &Field, full: bool) {
    let pad = "  ".repeat(f.depth);
    let label = if f.note.is_empty() {
        st.field(&f.name)
    } else {
        format!("{}: {}", st.field(&f.name), f.note)
    };
    let lines = hex::lines(&f.bytes, full);
    if lines.is_empty() {
        let _ = writeln!(out, "{INDENT}{:w$}  {pad}{label}", "", w = hex::LINE_WIDTH);
        return;
    }
    let omitted = hex::omitted(f.bytes.len(), full);
    for (k, l) in lines.iter().enumerate() {
        let (text, colored) = match l {
            Some(h) => (h.clone(), st.hex(h)),
            None => {
                let m = "...".to_string();
                (m.clone(), st.dim(&m))
            }
        };
        let fill = " ".repeat(hex::LINE_WIDTH.saturating_sub(text.len()));
        if k == 0 {
            let _ = writeln!(out, "{INDENT}{colored}{fill}  {pad}{label}");
        } else if l.is_none() {
            let _ = writeln!(
                out,
                "{INDENT}{colored}{fill}  {pad}  {}",
                st.dim(&format!("({omitted} more bytes; --full-hex shows them)"))
            );
        } else {
            let _ = writeln!(out, "{INDENT}{colored}");
        }
    }
}
