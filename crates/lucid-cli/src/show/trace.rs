//! `--trace`: the annotated, byte-level walk through a connection, in the spirit of "The
//! First Few Milliseconds of an HTTPS Connection": every record header and handshake message
//! in hex, each field labelled with what it is for.
//!
//! [`steps`] turns the events into [`Step`]s that carry every text of the walk-through with
//! the bytes it belongs to; [`render`] lays them out for a terminal and
//! [`html`](super::html) for a page, so the two say exactly the same.

use core::time::Duration;

use lucid_core::internal::crypto::suites;
use lucid_core::trace::wire::HandshakePayload;
use lucid_core::trace::wire::ServerExtension;
use lucid_core::trace::wire::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, ProtocolVersion,
};
use lucid_core::trace::{Direction, RenegotiationSignal, ResumptionEvent};
use lucid_core::trace::{Event, KeyScheduleEvent};
use lucid_core::x509::VerifiedChain;

use super::fields::{self, Ctx, Field, version_label};
use super::{Ev, Options, Side, Stamped, version_name, way};

mod chain;
mod layout;
mod render;

pub use chain::{CertCheck, ChainCheck, Verdict, chain_check, chain_verdicts};
use layout::{plaintext_len_after, protected_layout};
pub use render::render;

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

/// How a line reads: the terminal picks a colour for it, the page a class and a word or
/// symbol (colour is never the only carrier of meaning there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// An event heading.
    Head,
    /// Less important text.
    Dim,
    /// A check that passed, a handshake that completed.
    Good,
    /// A failure.
    Bad,
    /// A weakness worth knowing about, or a secret value.
    Warn,
}

/// One event of the walk-through with every text it shows: what `--trace` prints and what
/// `--html` lays out, so both say exactly the same.
#[derive(Debug, Clone)]
pub struct Step {
    /// Index of the event in the list the steps were made from.
    pub event: usize,
    /// When it happened.
    pub at: Duration,
    /// What it shows.
    pub kind: StepKind,
}

/// What one [`Step`] shows.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// One line: the TCP connect, a resumption decision, the peer's Finished checked, the
    /// handshake complete, the failure that ended the connection.
    Banner {
        /// Its tone.
        tone: Tone,
        /// The line.
        text: String,
    },
    /// A record header.
    Record {
        /// Who sent it.
        dir: Direction,
        /// Its content type.
        typ: ContentType,
        /// Whether its fragment is encrypted.
        protected: bool,
        /// "client -> server  handshake record, stream offset 0, plaintext".
        title: String,
        /// type, version and length, each labelled.
        fields: Vec<Field>,
        /// How an encrypted fragment splits into IV, ciphertext, MAC and padding, when the
        /// arithmetic checks out.
        layout: Option<Layout>,
    },
    /// A handshake message or an alert, as it went into (or came out of) the records.
    Message {
        /// Who sent it.
        dir: Direction,
        /// Its handshake type (`None` for an alert).
        handshake: Option<HandshakeType>,
        /// "ClientHello", "Alert".
        name: String,
        /// "(78 bytes: 4-byte header + 74-byte body)".
        size: String,
        /// Every byte, labelled.
        fields: Vec<Field>,
        /// A weakness of the peer this message shows.
        warning: Option<String>,
    },
    /// An SSLv2-compatible ClientHello.
    Sslv2Hello {
        /// The heading.
        title: String,
        /// Its bytes.
        fields: Vec<Field>,
    },
    /// The one-byte ChangeCipherSpec message.
    ChangeCipherSpec {
        /// Who sent it.
        dir: Direction,
        /// Its byte, labelled.
        field: Field,
    },
    /// Application data passed to or from the application.
    ApplicationData {
        /// Which way.
        dir: Direction,
        /// Its length.
        len: usize,
        /// What it was, then notes on it.
        lines: Vec<String>,
    },
    /// The pre-master secret (picked by the client, or agreed by ECDH).
    PreMaster {
        /// The heading.
        title: String,
        /// What it is made of.
        text: String,
        /// Its value, with `--show-secrets`.
        secret: Option<Vec<u8>>,
    },
    /// The master secret.
    MasterSecret {
        /// The heading.
        title: String,
        /// Labelled lines ("master_secret:", "PRF:").
        lines: Vec<(String, String)>,
        /// Its value, with `--show-secrets`.
        secret: Option<Vec<u8>>,
        /// Whether it came from a resumed session rather than a pre-master secret.
        resumed: bool,
    },
    /// The key block and the keys it is cut into.
    KeyBlock {
        /// How it is computed.
        text: String,
        /// The keys, in key-block order, with their lengths.
        keys: Vec<(String, usize)>,
        /// A note on what is absent.
        note: Option<String>,
    },
    /// The certificate checks.
    Chain {
        /// The heading.
        title: String,
        /// The verdicts.
        check: ChainCheck,
    },
    /// An event this version does not know, in its `Debug` form.
    Unknown {
        /// The text.
        text: String,
    },
}

/// How a protected record's fragment splits up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The whole explanation, as the record's length field says it.
    pub text: String,
    /// The parts in wire order.
    pub parts: Vec<Part>,
}

/// One part of a protected record's fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// "explicit IV", "ciphertext", "MAC", ...
    pub name: &'static str,
    /// Its length in bytes.
    pub len: usize,
    /// Whether it is under the encryption.
    pub encrypted: bool,
}

/// Turns the events of one connection into the steps of its walk-through.
pub fn steps(events: &[Stamped], opts: &Options) -> Vec<Step> {
    let mut out = Vec::new();
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
        let kind = match &e.ev {
            Ev::TcpConnected { peer } => StepKind::Banner {
                tone: Tone::Head,
                text: match opts.side {
                    Side::Client => format!("TCP connection to {peer} established"),
                    Side::Server => format!("TCP connection from {peer} accepted"),
                },
            },
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
                let first_sent =
                    opts.side == Side::Client && *dir == Direction::Sent && s.records_sent == 0;
                if *dir == Direction::Sent {
                    s.records_sent += 1;
                }
                let title = format!(
                    "{}  {} record, stream offset {offset}, {}",
                    way(opts.side, *dir),
                    typ,
                    if *protected { "encrypted" } else { "plaintext" }
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
                let layout = if *protected {
                    let plain = plaintext_len_after(events, i, *dir);
                    protected_layout(*len, &s, plain, opts.side.sender(*dir), first_protected)
                } else {
                    None
                };
                let l_note = if *protected {
                    format!(
                        "{len} {} follow: {}",
                        bytes_word(*len),
                        layout
                            .as_ref()
                            .map_or("the encrypted and MACed fragment", |l| { l.text.as_str() })
                    )
                } else {
                    format!(
                        "{len} {} of fragment follow, in the clear",
                        bytes_word(*len)
                    )
                };
                StepKind::Record {
                    dir: *dir,
                    typ: *typ,
                    protected: *protected,
                    title,
                    fields: vec![
                        field(&[ct], "type", ct_note),
                        field(&[v0, v1], "version", v_note),
                        field(&[l0, l1], "length", l_note),
                    ],
                    layout,
                }
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
                let warning = match &msg.payload {
                    HandshakePayload::ServerHello(sh) => {
                        let reneg = super::secure_renegotiation(sh);
                        (reneg != "yes").then(|| format!(
                            "secure renegotiation: {reneg}: no renegotiation_info; lucid never renegotiates, but this server may accept a renegotiation spliced in front of our data (CVE-2009-3555)"
                        ))
                    }
                    _ => None,
                };
                let kind = StepKind::Message {
                    dir: *dir,
                    handshake: Some(msg.typ),
                    name: msg
                        .typ
                        .name()
                        .unwrap_or("unknown handshake message")
                        .to_string(),
                    size: format!(
                        "({} bytes: 4-byte header + {}-byte body{})",
                        raw.len(),
                        raw.len().saturating_sub(4),
                        if protected { ", shown decrypted" } else { "" }
                    ),
                    fields: fields::handshake_fields(raw, &ctx),
                    warning,
                };
                learn(&mut s, &msg.payload);
                kind
            }
            Ev::Tls(Event::Sslv2ClientHello { raw }) => StepKind::Sslv2Hello {
                title: "SSLv2-compatible ClientHello (RFC 5246 appendix E.2)".to_string(),
                fields: vec![field(
                    raw,
                    "bytes",
                    "an old-style hello; lucid reads it and answers in TLS".to_string(),
                )],
            },
            Ev::Tls(Event::ChangeCipherSpec { dir }) => {
                let who = opts.side.sender(*dir);
                StepKind::ChangeCipherSpec {
                    dir: *dir,
                    field: field(
                        &[1],
                        "type",
                        format!(
                            "change_cipher_spec(1): from the next record on, the {who} encrypts and MACs with the new keys; its sequence number restarts at 0"
                        ),
                    ),
                }
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
                StepKind::Message {
                    dir: *dir,
                    handshake: None,
                    name: "Alert".to_string(),
                    size: if protected {
                        "(2 bytes, shown decrypted)"
                    } else {
                        "(2 bytes)"
                    }
                    .to_string(),
                    fields: vec![
                        field(
                            &[level.get()],
                            "level",
                            format!("{}({})", level, level.get()),
                        ),
                        field(
                            &[description.get()],
                            "description",
                            format!(
                                "{}({}): {}",
                                description,
                                description.get(),
                                alert_purpose(*level, *description)
                            ),
                        ),
                    ],
                    warning: None,
                }
            }
            Ev::Tls(Event::ApplicationData { dir, len }) => {
                let mut lines = vec![format!(
                    "{len} {} of application data {} {} (the content is not traced)",
                    bytes_word(*len),
                    match dir {
                        Direction::Sent => "written by the",
                        Direction::Received => "decrypted for the",
                    },
                    opts.side.name()
                )];
                if opts.side == Side::Client && *dir == Direction::Received && *len == 0 {
                    lines.push(
                        "an empty record: some servers (OpenSSL) send one before data on TLS 1.0 so the next record's IV is unpredictable (against BEAST)".to_string(),
                    );
                }
                if *dir == Direction::Sent
                    && s.version == Some(ProtocolVersion::TLSV1_0)
                    && *len == 1
                {
                    lines.push(
                        "TLS 1.0: lucid splits each write into a 1-byte record and the rest (1/n-1, against BEAST)".to_string(),
                    );
                }
                StepKind::ApplicationData {
                    dir: *dir,
                    len: *len,
                    lines,
                }
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::PreMasterSecret {
                len,
                client_version,
                secret,
            })) => {
                let [a, b] = client_version.get().to_be_bytes();
                StepKind::PreMaster {
                    title: match opts.side {
                        Side::Client => "key schedule: the client picks the pre-master secret",
                        Side::Server => {
                            "key schedule: the server decrypts the client's pre-master secret"
                        }
                    }
                    .to_string(),
                    text: format!(
                        "{len} bytes = client_version {} ({a:02x} {b:02x}) + {} random bytes; the version lets the server detect a rollback (RFC 5246 §7.4.7.1)",
                        version_name(*client_version),
                        len.saturating_sub(2)
                    ),
                    secret: secret.as_deref().map(<[u8]>::to_vec),
                }
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::EcdhSharedSecret {
                group,
                len,
                secret,
            })) => StepKind::PreMaster {
                title: "key schedule: ECDH gives the pre-master secret".to_string(),
                text: format!(
                    "{len} bytes = the {group} shared secret of our ephemeral private key and the peer's public value (RFC 8422 §5.10); both private keys are gone after this handshake, so a later theft of the certificate's key cannot decrypt this connection (forward secrecy)"
                ),
                secret: secret.as_deref().map(<[u8]>::to_vec),
            },
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::DhSharedSecret {
                prime_bits,
                len,
                secret,
            })) => StepKind::PreMaster {
                title: "key schedule: DH gives the pre-master secret".to_string(),
                text: format!(
                    "{len} bytes = Ys^x mod p in the server's {prime_bits}-bit group, leading zero bytes removed (RFC 5246 §8.1.2); the exponents are gone after this handshake (forward secrecy)"
                ),
                secret: secret.as_deref().map(<[u8]>::to_vec),
            },
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::MasterSecret {
                label,
                seed_len,
                secret,
            })) => {
                let lines = if *seed_len == 0 {
                    vec![(
                        "master_secret:".to_string(),
                        "taken from the resumed session: no pre-master secret, no key exchange"
                            .to_string(),
                    )]
                } else {
                    let seed = if *label == "extended master secret" {
                        format!(
                            "session_hash = {} of the handshake messages through ClientKeyExchange ({seed_len} bytes)",
                            fields::transcript_hash_name(*seed_len)
                        )
                    } else {
                        format!("ClientHello.random + ServerHello.random ({seed_len} bytes)")
                    };
                    vec![
                        (
                            "master_secret:".to_string(),
                            format!("PRF(pre_master_secret, \"{label}\", {seed}), first 48 bytes"),
                        ),
                        ("PRF:".to_string(), prf_name(s.version, s.suite).to_string()),
                    ]
                };
                StepKind::MasterSecret {
                    title: "key schedule: master secret and record keys".to_string(),
                    lines,
                    secret: secret.as_deref().map(<[u8]>::to_vec),
                    resumed: *seed_len == 0,
                }
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::KeyBlock {
                len,
                mac_key_len,
                enc_key_len,
                iv_len,
            })) => {
                let mut keys = Vec::new();
                // AEAD: the tag authenticates, so there are no MAC keys (RFC 5246 §6.3).
                if *mac_key_len > 0 {
                    keys.push(("client_write_MAC_key".to_string(), *mac_key_len));
                    keys.push(("server_write_MAC_key".to_string(), *mac_key_len));
                }
                keys.push(("client_write_key".to_string(), *enc_key_len));
                keys.push(("server_write_key".to_string(), *enc_key_len));
                if *iv_len > 0 {
                    keys.push(("client_write_IV".to_string(), *iv_len));
                    keys.push(("server_write_IV".to_string(), *iv_len));
                }
                let params = s.suite.and_then(suites::lookup);
                let stream = params.is_some_and(|p| matches!(p.protection, suites::Protection::Stream(_)));
                let note = if *mac_key_len == 0 && *iv_len > 0 {
                    Some(
                        "(AES-GCM: no MAC keys, the tag authenticates; each write_IV is the 4-byte implicit part of the record nonce, RFC 5288 §3)",
                    )
                } else if stream {
                    Some(
                        "(RC4: no IVs, a stream cipher; each write_key seeds one direction's keystream for the whole connection. LEGACY: the first keystream bytes are biased toward known values, so the same secret sent in many connections leaks (AlFardan et al. 2013); RFC 7465 prohibits RC4)",
                    )
                } else if *iv_len == 0 {
                    Some("(no IVs: since TLS 1.1 every record carries its own random IV)")
                } else {
                    None
                };
                StepKind::KeyBlock {
                    text: format!(
                        "PRF(master_secret, \"key expansion\", ServerHello.random + ClientHello.random), first {len} bytes, cut into:"
                    ),
                    keys,
                    note: note.map(str::to_string),
                }
            }
            Ev::Tls(Event::CertificateVerified { chain, server_name }) => {
                let check = chain_check(chain.as_deref(), server_name, opts);
                s.chain = chain.as_deref().cloned();
                StepKind::Chain {
                    title: "checking the certificate".to_string(),
                    check,
                }
            }
            Ev::Tls(Event::Finished {
                dir: Direction::Received,
                label,
                ..
            }) => StepKind::Banner {
                tone: Tone::Good,
                text: format!(
                    "{} Finished checked: its verify_data equals PRF(master_secret, \"{label}\", transcript hash) computed here, so nobody changed the handshake",
                    opts.side.peer()
                ),
            },
            Ev::Tls(Event::Finished { .. }) => continue,
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
                StepKind::Banner {
                    tone: Tone::Dim,
                    text: text.to_string(),
                }
            }
            Ev::Tls(Event::RenegotiationSignal(r)) => StepKind::Banner {
                tone: if *r == RenegotiationSignal::Absent {
                    Tone::Warn
                } else {
                    Tone::Dim
                },
                text: match r {
                    RenegotiationSignal::Extension => {
                        "secure renegotiation: the client sent an empty renegotiation_info (RFC 5746)"
                    }
                    RenegotiationSignal::Scsv => {
                        "secure renegotiation: the client listed TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746)"
                    }
                    RenegotiationSignal::Absent => {
                        "secure renegotiation: the client does not signal RFC 5746 (its stack predates 2010); served anyway, as lucid never renegotiates"
                    }
                }
                .to_string(),
            },
            Ev::Tls(Event::HandshakeComplete {
                version,
                suite,
                resumed,
            }) => StepKind::Banner {
                tone: Tone::Good,
                text: format!(
                    "handshake complete: {}, {}, {}",
                    version_name(*version),
                    suite,
                    if *resumed {
                        "resumed session"
                    } else {
                        "full handshake"
                    }
                ),
            },
            Ev::Failed { reason } => StepKind::Banner {
                tone: Tone::Bad,
                text: format!("connection failed: {reason}"),
            },
            // An event this version of the renderer does not know (lucid-core's `Event` is
            // non-exhaustive), in its `Debug` form.
            Ev::Tls(other) => StepKind::Unknown {
                text: format!("{other:?}"),
            },
        };
        out.push(Step {
            event: i,
            at: e.at,
            kind,
        });
    }
    out
}
fn field(bytes: &[u8], name: &str, note: String) -> Field {
    Field {
        bytes: bytes.to_vec(),
        name: name.to_string(),
        note,
        depth: 0,
    }
}

/// Records what later lines need from a handshake message (each type goes one way only, so
/// which end recorded it does not matter).
fn learn(s: &mut State, p: &HandshakePayload) {
    match p {
        HandshakePayload::ClientHello(ch) => {
            s.offered_session_id = ch.session_id.as_slice().to_vec();
        }
        HandshakePayload::ServerHello(sh) => {
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
        HandshakePayload::CertificateRequest(_) => {
            s.certificate_requested = true;
        }
        _ => {}
    }
}

fn bytes_word(n: usize) -> &'static str {
    if n == 1 { "byte" } else { "bytes" }
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
