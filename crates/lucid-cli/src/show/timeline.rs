//! `--timeline`: a client↔server ladder diagram of the flights, with the time (ms since the
//! connection started) at which the client sent or processed each message.

use core::fmt::Write;

use lucid_core::msgs::enums::ContentType;
use lucid_core::trace::{Direction, ResumptionEvent};

use super::{Ev, Options, Stamped, Style, ms, version_name};

/// Width between the two lifelines.
const LANE: usize = 50;

enum Item {
    Arrow(Direction, String),
    Note(String),
}

/// Renders the ladder diagram of one connection.
pub fn render(events: &[Stamped], opts: &Options) -> String {
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
    let core_sends_app_data = events.iter().any(|e| {
        matches!(
            e.ev,
            Ev::ApplicationData {
                dir: Direction::Sent,
                ..
            }
        )
    });
    let mut protected = [false, false];
    let mut last_time = String::new();
    for e in events {
        let item = match &e.ev {
            Ev::TcpConnected { peer } => Item::Note(format!("TCP connected to {peer}")),
            Ev::Record {
                dir,
                typ,
                len,
                protected: p,
                ..
            } => {
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
            Ev::Handshake { dir, msg, .. } => {
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
            Ev::Sslv2ClientHello { .. } => {
                Item::Arrow(Direction::Received, "SSLv2 ClientHello".to_string())
            }
            Ev::ChangeCipherSpec { dir } => Item::Arrow(*dir, "ChangeCipherSpec".to_string()),
            Ev::Alert {
                dir,
                level,
                description,
            } => Item::Arrow(*dir, format!("Alert {level} {description}")),
            Ev::ApplicationData { dir, len } => {
                Item::Arrow(*dir, format!("application data ({len} B)"))
            }
            Ev::CertificateVerified { chain, .. } => Item::Note(match chain {
                Some(c) => format!(
                    "certificate verified ({} on the path + anchor)",
                    c.certificates.len()
                ),
                None => "pinned certificate matched".to_string(),
            }),
            Ev::MasterSecret { seed_len, .. } => Item::Note(if *seed_len == 0 {
                "master secret from the cached session".to_string()
            } else {
                "pre-master -> master secret -> keys".to_string()
            }),
            Ev::Finished {
                dir: Direction::Received,
                ..
            } => Item::Note("server Finished checked".to_string()),
            Ev::Resumption(ResumptionEvent::Offered) => {
                Item::Note("offers a cached session".to_string())
            }
            Ev::Resumption(ResumptionEvent::Resumed) => {
                Item::Note("server resumes the session".to_string())
            }
            Ev::Resumption(ResumptionEvent::Declined) => {
                Item::Note("server declined to resume".to_string())
            }
            Ev::HandshakeComplete {
                version, resumed, ..
            } => Item::Note(format!(
                "handshake complete ({}, {})",
                version_name(*version),
                if *resumed { "resumed" } else { "full" }
            )),
            Ev::Failed { reason } => Item::Note(format!("FAILED: {reason}")),
            _ => continue,
        };
        let t = ms(e.at);
        let shown = if t == last_time {
            String::new()
        } else {
            t.clone()
        };
        last_time = t;
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
        };
        let _ = writeln!(out, "{shown:>12}   {body}");
    }
    out
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
