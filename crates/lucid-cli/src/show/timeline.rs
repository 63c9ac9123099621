//! `--timeline`: a client↔server ladder diagram of the flights, with the time (ms since the
//! connection started) at which the client sent or processed each message. When the
//! server's events are known too (`lucid demo`), its own steps (decrypting the pre-master
//! secret, checking the client's Finished, caching the session) appear as notes against
//! the server's lifeline, at the times the server took them.

use core::fmt::Write;

use lucid_core::trace::wire::ContentType;
use lucid_core::trace::{Direction, ResumptionEvent};
use lucid_core::trace::{Event, KeyScheduleEvent};

use super::{Ev, Options, Side, Stamped, Style, ms, version_name};

/// Width between the two lifelines.
const LANE: usize = 50;

/// One line of the ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A message or record, sent (client to server) or received.
    Arrow(Direction, String),
    /// A step of the client's, against its lifeline.
    Note(String),
    /// A step of the server's (from its own events), against its lifeline.
    ServerNote(String),
}

/// A line of the ladder and when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Time since the connection started.
    pub at: core::time::Duration,
    /// The index of the client event it shows (`None` for the server's notes).
    pub event: Option<usize>,
    /// What it shows.
    pub item: Item,
}

/// Renders the ladder diagram of one connection from the client's events.
pub fn render(events: &[Stamped], opts: &Options) -> String {
    render_both(events, &[], opts)
}

/// The server's own steps worth a line, from its events (messages and records are
/// already drawn from the client's side).
fn server_note(ev: &Ev) -> Option<String> {
    Some(match ev {
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::PreMasterSecret { .. })) => {
            "pre-master secret RSA-decrypted".to_string()
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::EcdhSharedSecret { group, .. })) => {
            format!("pre-master secret from ECDH ({group})")
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::DhSharedSecret { prime_bits, .. })) => {
            format!("pre-master secret from DH ({prime_bits}-bit group)")
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::MasterSecret { seed_len, .. })) => {
            if *seed_len == 0 {
                "master secret from its session cache".to_string()
            } else {
                "pre-master -> master secret -> keys".to_string()
            }
        }
        Ev::Tls(Event::Finished {
            dir: Direction::Received,
            ..
        }) => "client Finished checked".to_string(),
        Ev::Tls(Event::Resumption(ResumptionEvent::Resumed)) => {
            "session found: resumes it".to_string()
        }
        Ev::Tls(Event::Resumption(ResumptionEvent::Stored)) => "session cached".to_string(),
        Ev::Tls(Event::HandshakeComplete { .. }) => "handshake complete".to_string(),
        _ => return None,
    })
}

/// Renders the ladder diagram of one connection from the client's events, with the
/// server's notable steps (from the server's events, `server`, stamped on the same clock)
/// against the server's lifeline.
pub fn render_both(events: &[Stamped], server: &[Stamped], opts: &Options) -> String {
    let st = Style::new(opts.color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12}   {}{}{}",
        "",
        st.head("client"),
        " ".repeat(LANE + 2 - "client".len() - "server".len()),
        st.head("server")
    );
    let mut last_time = String::new();
    for l in ladder(events, server, opts.side) {
        push_line(&mut out, &st, &mut last_time, l.at, l.item);
    }
    out
}

/// The lines of the ladder: the events in order, each of the server's notable steps (from
/// `server`, on the same clock) before the first event after it. `side` says which end
/// recorded `events`: arrows always point the way the message went (client on the left), and
/// a server's own steps are drawn against the server's lifeline.
pub fn ladder(events: &[Stamped], server: &[Stamped], side: Side) -> Vec<Line> {
    let core_sends_app_data = events.iter().any(|e| {
        matches!(
            e.ev,
            Ev::Tls(Event::ApplicationData {
                dir: Direction::Sent,
                ..
            })
        )
    });
    let mut protected = [false, false];
    let mut out = Vec::new();
    let mut notes = server
        .iter()
        .filter_map(|e| server_note(&e.ev).map(|n| (e.at, n)))
        .peekable();
    for (i, e) in events.iter().enumerate() {
        while let Some((at, n)) = notes.next_if(|(at, _)| *at <= e.at) {
            out.push(Line {
                at,
                event: None,
                item: Item::ServerNote(n),
            });
        }
        let item = match &e.ev {
            Ev::TcpConnected { peer } => Item::Note(match side {
                Side::Client => format!("TCP connected to {peer}"),
                Side::Server => format!("TCP connection from {peer}"),
            }),
            Ev::Tls(Event::Record {
                dir,
                typ,
                len,
                protected: p,
                ..
            }) => {
                protected[usize::from(*dir == Direction::Received)] = *p;
                if *typ == ContentType::APPLICATION_DATA
                    && *dir == Direction::Sent
                    && !core_sends_app_data
                {
                    Item::Arrow(*dir, format!("application data ({len} B record)"))
                } else {
                    continue;
                }
            }
            Ev::Tls(Event::Handshake { dir, msg, .. }) => {
                let enc = if protected[usize::from(*dir == Direction::Received)] {
                    " (encrypted)"
                } else {
                    ""
                };
                Item::Arrow(
                    *dir,
                    format!("{}{enc}", msg.typ.name().unwrap_or("handshake message")),
                )
            }
            Ev::Tls(Event::Sslv2ClientHello { .. }) => {
                Item::Arrow(Direction::Received, "SSLv2 ClientHello".to_string())
            }
            Ev::Tls(Event::ChangeCipherSpec { dir }) => {
                Item::Arrow(*dir, "ChangeCipherSpec".to_string())
            }
            Ev::Tls(Event::Alert {
                dir,
                level,
                description,
            }) => Item::Arrow(*dir, format!("Alert {level} {description}")),
            Ev::Tls(Event::ApplicationData { dir, len }) => {
                Item::Arrow(*dir, format!("application data ({len} B)"))
            }
            Ev::Tls(Event::CertificateVerified { chain, .. }) => Item::Note(match chain {
                Some(c) => format!(
                    "certificate verified ({} on the path + anchor)",
                    c.certificates.len()
                ),
                None => "pinned certificate matched".to_string(),
            }),
            Ev::Tls(Event::KeySchedule(KeyScheduleEvent::MasterSecret { seed_len, .. })) => {
                Item::Note(if *seed_len == 0 {
                    "master secret from the cached session".to_string()
                } else {
                    "pre-master -> master secret -> keys".to_string()
                })
            }
            Ev::Tls(Event::Finished {
                dir: Direction::Received,
                ..
            }) => Item::Note(format!("{} Finished checked", side.peer())),
            Ev::Tls(Event::Resumption(ResumptionEvent::Offered)) => {
                Item::Note("offers a cached session".to_string())
            }
            Ev::Tls(Event::Resumption(ResumptionEvent::Resumed)) => {
                Item::Note("server resumes the session".to_string())
            }
            Ev::Tls(Event::Resumption(ResumptionEvent::Declined)) => {
                Item::Note("server declined to resume".to_string())
            }
            Ev::Tls(Event::HandshakeComplete {
                version, resumed, ..
            }) => Item::Note(format!(
                "handshake complete ({}, {})",
                version_name(*version),
                if *resumed { "resumed" } else { "full" }
            )),
            Ev::Failed { reason } => Item::Note(format!("FAILED: {reason}")),
            _ => continue,
        };
        let item = match item {
            Item::Arrow(dir, label) => Item::Arrow(side.client_view(dir), label),
            Item::Note(text) if side == Side::Server => Item::ServerNote(text),
            other => other,
        };
        out.push(Line {
            at: e.at,
            event: Some(i),
            item,
        });
    }
    out.extend(notes.map(|(at, n)| Line {
        at,
        event: None,
        item: Item::ServerNote(n),
    }));
    out
}

/// Appends one line of the diagram: the time (when it changed) and the item.
fn push_line(
    out: &mut String,
    st: &Style,
    last_time: &mut String,
    at: core::time::Duration,
    item: Item,
) {
    {
        let t = ms(at);
        let shown = if t == *last_time {
            String::new()
        } else {
            t.clone()
        };
        *last_time = t;
        let body = match item {
            Item::Arrow(Direction::Sent, label) => {
                let label = fit(&label, LANE - 8);
                let dashes = LANE - 6 - label.chars().count();
                st.hex(&format!("|--- {label} {}>|", "-".repeat(dashes)))
            }
            Item::Arrow(Direction::Received, label) => {
                let label = fit(&label, LANE - 8);
                let dashes = LANE - 6 - label.chars().count();
                st.good(&format!("|<{} {label} ---|", "-".repeat(dashes)))
            }
            Item::Note(text) => {
                let text = fit(&text, LANE - 3);
                let fill = LANE - 2 - text.chars().count();
                format!("|  {}{}|", st.dim(&text), " ".repeat(fill))
            }
            Item::ServerNote(text) => {
                let text = fit(&text, LANE - 3);
                let fill = LANE - 2 - text.chars().count();
                format!("|{}{}  |", " ".repeat(fill), st.dim(&text))
            }
        };
        let _ = writeln!(out, "{shown:>12}   {body}");
    }
}

/// Shortens `s` to at most `max` characters.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(3)).collect();
    t.push_str("...");
    t
}
