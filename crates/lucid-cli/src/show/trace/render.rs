//! Lays the steps out for a terminal: hex at the left, names and notes at the right.

use core::fmt::Write;

use crate::show::fields::Field;
use crate::show::{Options, Stamped, Style, hex, ms};

use super::{StepKind, Tone, steps};

/// Column where field names start (after the hex).
const INDENT: &str = "    ";

/// Renders the annotated trace of one connection.
pub fn render(events: &[Stamped], opts: &Options) -> String {
    let st = Style::new(opts.color);
    let mut out = String::new();
    for step in steps(events, opts) {
        let t = st.dim(&format!("[{:>10}]", ms(step.at)));
        match &step.kind {
            StepKind::Banner { tone, text } => {
                let _ = writeln!(out, "{t} {}", paint(st, *tone, text));
            }
            StepKind::Record { title, fields, .. } => {
                let _ = writeln!(out, "{t} {}", st.head(title));
                for f in fields {
                    field_lines(&mut out, st, f, true);
                }
            }
            StepKind::Message {
                name,
                size,
                fields,
                warning,
                ..
            } => {
                let _ = writeln!(out, "{INDENT}{} {}", st.field(name), st.dim(size));
                for f in fields {
                    field_lines(&mut out, st, f, opts.full_hex);
                }
                if let Some(w) = warning {
                    let _ = writeln!(out, "{INDENT}{}", st.warn(w));
                }
            }
            StepKind::Sslv2Hello { title, fields } => {
                let _ = writeln!(out, "{t} {}", st.head(title));
                for f in fields {
                    field_lines(&mut out, st, f, true);
                }
            }
            StepKind::ChangeCipherSpec { field, .. } => field_lines(&mut out, st, field, true),
            StepKind::ApplicationData { lines, .. } => {
                for l in lines {
                    let _ = writeln!(out, "{INDENT}{}", st.dim(l));
                }
            }
            StepKind::PreMaster {
                title,
                text,
                secret,
            } => {
                let _ = writeln!(out, "{t} {}", st.head(title));
                let _ = writeln!(out, "{INDENT}{} {text}", st.field("pre_master_secret:"));
                secret_line(&mut out, st, secret.as_deref());
            }
            StepKind::MasterSecret {
                title,
                lines,
                secret,
                ..
            } => {
                let _ = writeln!(out, "{t} {}", st.head(title));
                for (label, text) in lines {
                    let _ = writeln!(out, "{INDENT}{} {text}", st.field(label));
                }
                secret_line(&mut out, st, secret.as_deref());
                // The key block follows at once, under the same heading.
                continue;
            }
            StepKind::KeyBlock { text, keys, note } => {
                let _ = writeln!(out, "{INDENT}{} {text}", st.field("key_block:"));
                let parts: Vec<String> = keys.iter().map(|(k, n)| format!("{k}[{n}]")).collect();
                let _ = writeln!(out, "{INDENT}    {}", parts.join(" "));
                if let Some(n) = note {
                    let _ = writeln!(out, "{INDENT}    {}", st.dim(n));
                }
            }
            StepKind::Chain { title, check } => {
                let _ = writeln!(out, "{t} {}", st.head(title));
                for l in check.lines(st) {
                    let _ = writeln!(out, "{INDENT}{l}");
                }
            }
            StepKind::Unknown { text } => {
                let _ = writeln!(out, "{t} {text}");
                continue;
            }
        }
        out.push('\n');
    }
    out
}

pub(super) fn paint(st: Style, tone: Tone, s: &str) -> String {
    match tone {
        Tone::Head => st.head(s),
        Tone::Dim => st.dim(s),
        Tone::Good => st.good(s),
        Tone::Bad => st.bad(s),
        Tone::Warn => st.warn(s),
    }
}

pub(super) fn secret_line(out: &mut String, st: Style, secret: Option<&[u8]>) {
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

/// One field: hex at the left, name and note at the right.
pub(super) fn field_lines(out: &mut String, st: Style, f: &Field, full: bool) {
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
