//! Each section's table: one [`Row`] per cell, printed and written to
//! `target/interop/client-auth-<section>.txt`, and the checks' building blocks.

use core::fmt::Write as _;
use std::fs;

use lucid_core::{AlertDescription, CipherSuite, ProtocolVersion};

use crate::common;
use crate::identity::{Identity, Mode};

#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) peer: &'static str,
    pub(crate) check: String,
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: CipherSuite,
    pub(crate) result: Result<(), String>,
}

/// Prints the section's table, writes it to `target/interop/client-auth-<section>.txt` and
/// fails the test if a row failed.
pub(crate) fn report(section: &str, rows: &[Row], notes: &str) {
    let mut table = String::new();
    let _ = writeln!(table, "lucid client-certificate interop: {section}\n");
    let _ = writeln!(
        table,
        "{:<16} {:<58} {:<8} {:<40} result",
        "peer", "check", "version", "suite"
    );
    for r in rows {
        let result = match &r.result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAIL: {e}"),
        };
        let _ = writeln!(
            table,
            "{:<16} {:<58} {:<8} {:<40} {result}",
            r.peer,
            r.check,
            r.version.to_string(),
            r.suite.to_string()
        );
    }
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    let _ = writeln!(table, "\n{} cells, {failed} failed", rows.len());
    table.push_str(notes);
    println!("{table}");
    let path = common::out_dir("").join(format!("client-auth-{section}.txt"));
    fs::write(&path, &table).unwrap();
    assert_eq!(failed, 0, "client-certificate interop failures:\n{table}");
}

pub(crate) fn expect(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Ok(())
    } else {
        Err(format!("{what}: expected {needle:?}"))
    }
}

pub(crate) fn expect_not(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Err(format!("{what}: unexpected {needle:?}"))
    } else {
        Ok(())
    }
}

/// "required, RSA cert", "optional, no cert", ...
pub(crate) fn check_name(mode: Mode, id: Option<Identity>) -> String {
    format!("{}, {}", mode.name(), id.map_or("no cert", Identity::name))
}

/// The table's name for a refusal cell.
pub(crate) fn refusal_name(mode: Mode, id: Option<Identity>, alert: AlertDescription) -> String {
    format!("{}: refused ({alert})", check_name(mode, id))
}

/// The table's name for a full handshake followed by a resumed one.
pub(crate) fn resumption_name(mode: Mode, id: Identity) -> String {
    format!("{}: full + resumed", check_name(mode, Some(id)))
}
