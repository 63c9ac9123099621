//! Tests of the `use crate::` parser and the layer rules, on small inline sources.
use super::*;

fn names(src: &str) -> Vec<(String, usize)> {
    first_segments(&lex(src), false)
        .into_iter()
        .map(|p| (p.name, p.line))
        .collect()
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn module_of_maps_files_to_top_level_modules() {
    assert_eq!(module_of("src/lib.rs"), "lib");
    assert_eq!(module_of("src/client.rs"), "client");
    assert_eq!(module_of("src/client/hello.rs"), "client");
    assert_eq!(module_of("src/conn/core.rs"), "conn");
    assert_eq!(module_of("src/x509/mod.rs"), "x509");
}

#[test]
fn plain_use_and_expression_paths() {
    let src = "use crate::codec::Reader;\n\
               fn f() -> Result<(), crate::error::Error> {\n\
               \x20   let x = crate::msgs::enums::ContentType(1);\n\
               \x20   Ok(())\n}\n";
    assert_eq!(
        names(src),
        [("codec".into(), 1), ("error".into(), 2), ("msgs".into(), 3)]
    );
}

#[test]
fn grouped_imports_over_several_lines() {
    let src = "use crate::{\n    codec::{Codec, Reader},\n    msgs::enums::{A, B},\n    \
               x509 as cert,\n};\nuse crate::{record::Deframer, error::Error};\n";
    assert_eq!(
        names(src),
        [
            ("codec".into(), 2),
            ("msgs".into(), 3),
            ("x509".into(), 4),
            ("record".into(), 6),
            ("error".into(), 6),
        ]
    );
}

#[test]
fn comments_strings_and_super_are_ignored() {
    let src = r##"
//! Module docs naming [`crate::x509`] and crate::client.
/// See [`crate::conn::Connection`] and [`Foo`](crate::server::Foo).
// use crate::trace;
/* block crate::session /* nested crate::record */ still crate::crypto */
/** outer block doc crate::fuzzing */
use super::codec::Reader;
fn f() {
let s = "crate::client::x";
let r = r#"crate::server "quoted" "#;
let b = b"crate::conn";
let c = '"';
let l: &'static str = "x";
let e = '\'';
let x = crate::msgs::X; // trailing comment crate::error
}
"##;
    assert_eq!(names(src), [("msgs".into(), 15)]);
}

#[test]
fn pub_crate_and_dollar_crate() {
    let src = "pub(crate) fn f() {}\nmacro_rules! m { () => { $crate::codec::x() } }\n";
    assert_eq!(names(src), [("codec".into(), 2)]);
}

#[test]
fn rules_follow_the_table() {
    assert_eq!(rule("msgs", "codec"), None);
    assert_eq!(rule("conn", "record"), None);
    assert_eq!(rule("client", "conn"), None);
    assert!(rule("conn", "client").unwrap().contains("lower rank"));
    assert!(rule("crypto", "record").unwrap().contains("lower rank"));
    assert_eq!(rule("error", "x509"), None);
    assert!(rule("server", "client").unwrap().contains("same rank"));
    assert!(rule("session", "trace").is_none(), "trace is a sink");
    assert!(rule("codec", "trace").is_none(), "even from rank 0");
    assert!(rule("trace", "session").unwrap().contains("sink"));
    assert!(rule("trace", "crypto").unwrap().contains("sink"));
    assert_eq!(rule("trace", "x509"), None);
    assert_eq!(rule("trace", "msgs"), None);
    assert_eq!(rule("lib", "connection"), None);
    assert_eq!(rule("fuzzing", "client"), None);
    assert_eq!(rule("internal", "lib"), None);
}

#[test]
fn analyze_reports_violations_with_locations() {
    let report = analyze(&files(&[
        (
            "src/lib.rs",
            "pub mod codec;\npub use error::{Error, Other};\n",
        ),
        ("src/codec.rs", "fn f() {}\n"),
        (
            "src/error.rs",
            "use crate::codec::X;\n\nuse crate::crypto::CertificateError;\n",
        ),
        ("src/x509/mod.rs", "use crate::codec::Y;\n"),
        (
            "src/server/kx.rs",
            "fn f() -> Result<(), crate::Error> {\n  crate::client::x()\n}\n",
        ),
        ("src/client.rs", "use crate::{error::Error, codec};\n"),
    ]));
    assert_eq!(
        report.problems,
        [
            "src/error.rs:3: module `error` (rank 3) imports `crypto` (rank 4): a module may \
             import only modules of lower rank",
            "src/server/kx.rs:2: module `server` (rank 8) imports `client` (rank 8): \
             modules of the same rank never import each other",
        ]
    );
    // `crate::Error` resolved through lib.rs's re-export.
    assert!(report.edges["server"].contains_key("error"));
    assert!(report.edges["lib"].contains_key("error"));
    assert_eq!(report.summary().split(' ').nth(1), Some("2"));
}

#[test]
fn unknown_modules_are_errors() {
    let report = analyze(&files(&[
        ("src/lib.rs", ""),
        ("src/widgets/mod.rs", "use crate::codec::X;\n"),
    ]));
    assert_eq!(report.unknown, 1);
    assert!(
        report.problems[0]
            .starts_with("src/widgets/mod.rs:1: module `widgets` is not in the layer table"),
        "{:?}",
        report.problems
    );
}

#[test]
fn cycles_are_found_including_through_the_sink() {
    let report = analyze(&files(&[
        ("src/error.rs", "use crate::trace::Event;\n"),
        ("src/trace.rs", "use crate::error::Error;\n"),
        ("src/conn.rs", "use crate::client::A;\n"),
        ("src/client.rs", "use crate::conn::B;\n"),
    ]));
    let cycles: Vec<&String> = report
        .problems
        .iter()
        .filter(|l| l.starts_with("cycle"))
        .collect();
    assert_eq!(cycles.len(), 2, "{:?}", report.problems);
    assert!(
        cycles[0].contains("client -> conn -> client"),
        "{}",
        cycles[0]
    );
    assert!(
        cycles[1].contains("error -> trace -> error (src/error.rs:1, src/trace.rs:1)"),
        "{}",
        cycles[1]
    );
    // Only conn -> client breaks a rank rule; the trace cycle is legal edge by edge.
    assert_eq!(report.imports, 1);
    assert_eq!(report.cycles, 2);
}

#[test]
fn a_clean_tree_passes() {
    let report = analyze(&files(&[
        ("src/lib.rs", "pub mod codec;\npub mod msgs;\n"),
        ("src/codec.rs", ""),
        ("src/msgs/mod.rs", "use crate::codec::Codec;\n"),
        ("src/session.rs", "use crate::{trace, msgs::Y};\n"),
        ("src/trace.rs", "use crate::msgs::X;\n"),
    ]));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.summary().starts_with("layers: ok"));
    let matrix = report.matrix();
    let row = |m: &str| {
        matrix
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(m))
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
    };
    assert_eq!(row("session").as_deref(), Some("msgs, trace"));
    assert_eq!(row("codec").as_deref(), Some("-"));
    assert_eq!(row("conn").as_deref(), Some("(no files)"));
}
