//! The one-screen summary `lucid connect` prints on stderr: what was negotiated, the
//! certificate chain with a verdict per check, the session, and how long each step took.

use core::fmt::Write;
use core::time::Duration;

use lucid_core::internal::crypto::suites;
use lucid_core::trace::wire::HandshakePayload;
use lucid_core::trace::wire::HandshakeType;
use lucid_core::trace::wire::{ClientExtension, MaxFragmentLength, ServerExtension};
use lucid_core::trace::{Direction, ResumptionEvent};
use lucid_core::trace::{Event, KeyScheduleEvent};

use super::{Ev, Options, Stamped, Style, hex, ms, version_name};

/// Milestones of a handshake, in time since the connection started.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Milestones {
    /// TCP connect done.
    pub tcp: Option<Duration>,
    /// ServerHello processed.
    pub server_hello: Option<Duration>,
    /// Certificate chain accepted.
    pub certificate_verified: Option<Duration>,
    /// Our Finished queued.
    pub client_finished: Option<Duration>,
    /// The server's Finished checked.
    pub server_finished: Option<Duration>,
}

impl Milestones {
    /// Finds the milestones in `events`.
    pub fn of(events: &[Stamped]) -> Self {
        let mut m = Self::default();
        for e in events {
            match &e.ev {
                Ev::TcpConnected { .. } => m.tcp = m.tcp.or(Some(e.at)),
                Ev::Tls(Event::Handshake {
                    dir: Direction::Received,
                    msg,
                    ..
                }) if msg.typ == HandshakeType::SERVER_HELLO => {
                    m.server_hello = m.server_hello.or(Some(e.at));
                }
                Ev::Tls(Event::Handshake {
                    dir: Direction::Sent,
                    msg,
                    ..
                }) if msg.typ == HandshakeType::FINISHED => {
                    m.client_finished = m.client_finished.or(Some(e.at));
                }
                Ev::Tls(Event::CertificateVerified { .. }) => {
                    m.certificate_verified = m.certificate_verified.or(Some(e.at));
                }
                Ev::Tls(Event::Finished {
                    dir: Direction::Received,
                    ..
                }) => m.server_finished = m.server_finished.or(Some(e.at)),
                _ => {}
            }
        }
        m
    }
}

/// Renders the summary of one connection. `index` numbers it (1 for the first; later ones
/// are `--reconnect` connections).
pub fn render(events: &[Stamped], opts: &Options, index: usize) -> String {
    let st = Style::new(opts.color);
    let mut out = String::new();
    let mut version = None;
    let mut suite = None;
    let mut ems = false;
    let mut etm = false;
    // max_fragment_length: what our ClientHello asked for, what the ServerHello echoed.
    let mut mfl_offered = None;
    let mut mfl_echoed = None;
    let mut reneg = None;
    let mut session_id = Vec::new();
    let mut resumed = None;
    let mut stored = false;
    let mut offered = false;
    let mut chain = None;
    let mut failed = None;
    let mut group = None;
    let mut rsa_kx = false;
    let mut dh_bits = None;
    let mut received = 0usize;
    let mut sent = 0usize;
    // Mutual TLS: whether the server asked, what we sent, how we signed.
    let mut cert_requested = false;
    let mut our_cert: Option<Option<Vec<u8>>> = None;
    let mut our_signature: Option<Option<u16>> = None;
    // ALPN: what we offered, what the server selected.
    let mut alpn_offered: Vec<Vec<u8>> = Vec::new();
    let mut alpn_selected: Option<Vec<u8>> = None;
    for e in events {
        match &e.ev {
            Ev::Tls(Event::Handshake {
                dir: Direction::Sent,
                msg,
                ..
            }) => match &msg.payload {
                HandshakePayload::ClientHello(ch) => {
                    mfl_offered = ch.extensions.iter().find_map(|x| match x {
                        ClientExtension::MaxFragmentLength(v) => Some(*v),
                        _ => None,
                    });
                    alpn_offered = ch
                        .extensions
                        .iter()
                        .find_map(|x| match x {
                            ClientExtension::Alpn(names) => Some(names.clone()),
                            _ => None,
                        })
                        .unwrap_or_default();
                }
                HandshakePayload::Certificate(c) => our_cert = Some(c.0.first().cloned()),
                HandshakePayload::CertificateVerify(v) => {
                    our_signature = Some(v.scheme.map(|s| s.get()));
                }
                _ => {}
            },
            Ev::Tls(Event::Handshake {
                dir: Direction::Received,
                msg,
                ..
            }) => {
                if let HandshakePayload::CertificateRequest(_) = &msg.payload {
                    cert_requested = true;
                }
                if let HandshakePayload::ServerHello(sh) = &msg.payload {
                    version = Some(sh.server_version);
                    suite = Some(sh.cipher_suite);
                    session_id = sh.session_id.as_slice().to_vec();
                    reneg = Some(super::secure_renegotiation(sh));
                    for x in &sh.extensions {
                        match x {
                            ServerExtension::ExtendedMasterSecret => ems = true,
                            ServerExtension::EncryptThenMac => etm = true,
                            ServerExtension::Alpn(p) => alpn_selected = Some(p.clone()),
                            ServerExtension::MaxFragmentLength(v) => mfl_echoed = Some(*v),
                            _ => {}
                        }
                    }
                }
            }
            Ev::Tls(Event::Record { dir, len, .. }) => match dir {
                Direction::Sent => sent += len + 5,
                Direction::Received => received += len + 5,
            },
            Ev::Tls(Event::CertificateVerified {
                chain: c,
                server_name,
            }) => {
                chain = Some((c.clone(), server_name.clone()));
            }
            Ev::Tls(Event::HandshakeComplete { resumed: r, .. }) => resumed = Some(*r),
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::EcdhSharedSecret {
                group: g, ..
            })) => {
                group = Some(*g);
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::DhSharedSecret {
                prime_bits, ..
            })) => {
                dh_bits = Some(*prime_bits);
            }
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::PreMasterSecret { .. })) => {
                rsa_kx = true;
            }
            Ev::Tls(Event::Resumption(ResumptionEvent::Stored)) => stored = true,
            Ev::Tls(Event::Resumption(ResumptionEvent::Offered)) => offered = true,
            Ev::Failed { reason } => failed = Some(reason.clone()),
            _ => {}
        }
    }
    let title = format!("lucid: connection {index} to {}", opts.target);
    let _ = writeln!(out, "{}", st.head(&title));
    match (version, suite) {
        (Some(v), Some(s)) => {
            let _ = writeln!(out, "  {:<13}{}, {s}", "negotiated", version_name(v));
            // A legacy bulk cipher (3DES, RC4): say so where the suite is named. (DHE's
            // weakness is on the key exchange line.)
            let weak_cipher = suites::lookup(s).filter(|p| {
                matches!(
                    p.cipher,
                    suites::BulkCipher::TripleDesEde | suites::BulkCipher::Rc4_128
                )
            });
            if let Some(weakness) = weak_cipher.and_then(|p| p.legacy) {
                let _ = writeln!(out, "  {:<13}{}", "legacy", st.warn(weakness));
            }
        }
        _ => {
            let _ = writeln!(out, "  {:<13}nothing (no ServerHello)", "negotiated");
        }
    }
    if let Some(bits) = dh_bits {
        let _ = writeln!(
            out,
            "  {:<13}DHE, {bits}-bit group chosen by the server ({}; {})",
            "key exchange",
            st.good("forward secret"),
            st.warn("a legacy opt-in: ECDHE is the modern form")
        );
    } else if let Some(g) = group {
        let _ = writeln!(
            out,
            "  {:<13}ECDHE, group {g} ({})",
            "key exchange",
            st.good("forward secret")
        );
    } else if rsa_kx {
        let _ = writeln!(
            out,
            "  {:<13}RSA ({})",
            "key exchange",
            st.warn("not forward secret: the server key decrypts recorded traffic")
        );
    }
    if version.is_some() {
        let yn = |b: bool| if b { st.good("yes") } else { st.warn("no") };
        let _ = writeln!(
            out,
            "  {:<13}extended_master_secret {}, encrypt_then_mac {}, secure renegotiation: {}",
            "extensions",
            yn(ems),
            yn(etm),
            match reneg {
                Some("yes") | None => st.good("yes"),
                Some(other) => st.warn(other),
            }
        );
    }
    if version.is_some() && (alpn_selected.is_some() || !alpn_offered.is_empty()) {
        let offered = alpn_offered
            .iter()
            .map(|p| p.escape_ascii().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let what = match &alpn_selected {
            Some(p) => format!(
                "{} (ALPN: the server's choice; offered: {offered})",
                st.good(&p.escape_ascii().to_string())
            ),
            None => format!(
                "none: the server answered without ALPN (offered: {offered}), so the \
                 application protocol is whatever both ends assume"
            ),
        };
        let _ = writeln!(out, "  {:<13}{what}", "app protocol");
    }
    if let (Some(asked), true) = (mfl_offered, version.is_some()) {
        let bytes = |v: MaxFragmentLength| v.fragment_len().unwrap_or(0);
        let what = match (mfl_echoed, resumed) {
            (Some(v), _) => st.good(&format!(
                "at most {} bytes of plaintext per record both ways (max_fragment_length, agreed)",
                bytes(v)
            )),
            // RFC 6066: a resumed session keeps its limit; lucid resumes only sessions made
            // with the limit it asks for.
            (None, Some(true)) => st.good(&format!(
                "at most {} bytes of plaintext per record (the resumed session's max_fragment_length)",
                bytes(asked)
            )),
            (None, _) => st.warn(&format!(
                "asked for {} bytes (max_fragment_length); the server declined: records of up to 16384 bytes",
                bytes(asked)
            )),
        };
        let _ = writeln!(out, "  {:<13}{what}", "record size");
    }
    match &chain {
        Some((c, name)) => {
            let lines = super::trace::chain_verdicts(c.as_deref(), name, opts, st);
            for (i, l) in lines.iter().enumerate() {
                let head = if i == 0 { "certificate" } else { "" };
                let _ = writeln!(out, "  {head:<13}{l}");
            }
        }
        None if resumed == Some(true) => {
            let _ = writeln!(
                out,
                "  {:<13}not sent: a resumed session reuses the first connection's check",
                "certificate"
            );
        }
        None => {}
    }
    if cert_requested {
        let what = match (&our_cert, our_signature) {
            (Some(Some(leaf)), Some(scheme)) => {
                let (subject, _) = super::fields::describe_cert(leaf, None);
                let how = match scheme {
                    Some(code) => lucid_core::trace::wire::SignatureScheme(code)
                        .name()
                        .unwrap_or("an unknown scheme")
                        .to_string(),
                    None => "the TLS 1.0/1.1 construction".to_string(),
                };
                format!("requested by the server; sent {subject}, CertificateVerify signed with {how}")
            }
            (Some(None), _) => st.warn(
                "requested by the server; none sent (empty Certificate: give one with --cert/--key)",
            ),
            _ => "requested by the server".to_string(),
        };
        let _ = writeln!(out, "  {:<13}{what}", "client cert");
    }
    if version.is_some() {
        let sid = if session_id.is_empty() {
            "none (the server does not cache sessions)".to_string()
        } else {
            format!("{} ({} bytes)", hex::compact(&session_id), session_id.len())
        };
        let _ = writeln!(out, "  {:<13}{sid}", "session id");
        let how = match resumed {
            Some(true) => st.good("resumed (abbreviated handshake)"),
            Some(false) if offered => {
                "full handshake: the server declined the offered session".to_string()
            }
            Some(false) => "full handshake".to_string(),
            None => "handshake did not complete".to_string(),
        };
        let store = if stored {
            "; stored for resumption"
        } else {
            ""
        };
        let _ = writeln!(out, "  {:<13}{how}{store}", "resumption");
    }
    // The steps in the order they happened (a resumed handshake checks the server's
    // Finished before sending its own).
    let mut steps = Vec::new();
    for e in events {
        let name = match &e.ev {
            Ev::TcpConnected { .. } => "TCP connected",
            Ev::Tls(Event::Handshake {
                dir: Direction::Received,
                msg,
                ..
            }) if msg.typ == HandshakeType::SERVER_HELLO => "ServerHello",
            Ev::Tls(Event::CertificateVerified { .. }) => "certificate verified",
            Ev::Tls(Event::Handshake {
                dir: Direction::Sent,
                msg,
                ..
            }) if msg.typ == HandshakeType::FINISHED => "client Finished sent",
            Ev::Tls(Event::Finished {
                dir: Direction::Received,
                ..
            }) => "server Finished checked",
            _ => continue,
        };
        steps.push(format!("{name} {}", ms(e.at)));
    }
    if !steps.is_empty() {
        let _ = writeln!(out, "  {:<13}{}", "timing", steps.join(", "));
    }
    let _ = writeln!(
        out,
        "  {:<13}{sent} bytes sent, {received} bytes received (TLS records)",
        "traffic"
    );
    if let Some(r) = failed {
        let _ = writeln!(out, "  {:<13}{}", "error", st.bad(&r));
    }
    out
}
