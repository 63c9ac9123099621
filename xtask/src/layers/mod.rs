//! `cargo xtask layers`: checks that lucid-core's top-level modules depend on each other only
//! downwards, through the layer table below.
//!
//! Every `.rs` file under `crates/lucid-core/src` belongs to a top-level module:
//! `src/conn/core.rs` to `conn`, `src/client.rs` and `src/client/*.rs` to `client`,
//! `src/lib.rs` to `lib`. Its references to other top-level modules are the paths starting
//! `crate::` (in `use` items, grouped `use crate::{a::B, c::D};` over any number of lines,
//! and anywhere in expressions and types), plus, in `lib.rs` only, crate-relative `use m::..`.
//! Comments (including doc comments and their intra-doc links), string and char literals are
//! skipped; `super::` never leaves a module, so it is ignored. A path to a crate-root item
//! (`crate::Error`) counts as a reference to the module `lib.rs` re-exports it from, or to
//! `lib` itself when it is defined there.
//!
//! Test code (`#[cfg(test)]` modules, `tests.rs` files) is checked like any other code.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::Path;

use crate::{Result, project_root};

const USAGE: &str = "\
cargo xtask layers: checks the module layering of crates/lucid-core/src

USAGE:
    cargo xtask layers [--verbose]

Prints one line per import that breaks the layer table in xtask/src/layers.rs and one per
cycle between modules, then a summary; exits non-zero when there is any.

OPTIONS:
    -v, --verbose    also print which module imports which
    -h, --help       this text
";

/// The layer table, bottom to top: `(rank, modules)`.
///
/// A module may import only modules of strictly lower rank; modules of the same rank never
/// import each other. Two exceptions:
///
/// - [`SINK`] (`trace`) may be imported by every module, whatever its rank, because it only
///   receives events; in exchange it may itself import only [`SINK_MAY_IMPORT`].
/// - [`UNRESTRICTED`] (`fuzzing`, `internal`, `lib`) sit on top and may import anything.
///
/// A new top-level module must be added here before the check passes.
///
/// `x509` sits below `error` and `crypto`: certificate parsing and path validation need
/// only the wire registries (`msgs`) and RustCrypto, and every layer above may have to name
/// a `CertificateError` (`error` wraps it,
/// `crypto` returns it for an unusable certificate key).
const LAYERS: &[(u32, &[&str])] = &[
    (0, &["codec", "arith"]),
    (1, &["msgs"]),
    (2, &["x509"]),
    (3, &["error"]),
    (4, &["crypto"]),
    (5, &["record"]),
    (6, &["trace", "session"]),
    (7, &["conn"]),
    (8, &["client", "server"]),
    (9, &["connection"]),
    (10, &["fuzzing", "internal", "lib"]),
];

/// The module every other module may import (events flow into it, never out).
const SINK: &str = "trace";

/// What [`SINK`] may import: the types its events carry. `trace.rs` imports `msgs`
/// (enums, `HandshakeMessage`) and `x509` (`VerifiedChain`) today; `codec` and `error` are
/// allowed for the types those expose. `crypto` is deliberately absent: nothing in an event
/// needs it, and allowing it would let a trace sink reach key material.
const SINK_MAY_IMPORT: &[&str] = &["codec", "msgs", "error", "x509"];

/// Modules above the table's rules: the crate root and the test/fuzz support modules.
const UNRESTRICTED: &[&str] = &["fuzzing", "internal", "lib"];

pub(crate) fn layers(args: &[String]) -> Result {
    let mut verbose = false;
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            "-v" | "--verbose" => verbose = true,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}").into()),
        }
    }
    check(verbose).map(|_| ())
}

/// Runs the check on crates/lucid-core/src, printing its report; `Ok` holds the summary.
pub(crate) fn check(verbose: bool) -> Result<String> {
    let crate_dir = project_root().join("crates/lucid-core");
    let files = read_sources(&crate_dir.join("src"))?;
    if files.is_empty() {
        return Err(format!("no .rs files under {}", crate_dir.join("src").display()).into());
    }
    let report = analyze(&files);
    for line in &report.problems {
        println!("{line}");
    }
    if verbose {
        print!("{}", report.matrix());
    }
    let summary = report.summary();
    println!("{summary}");
    if report.problems.is_empty() {
        Ok(summary)
    } else {
        Err(format!(
            "{} layering violation{} (listed above): fix the imports, or change the table in \
             xtask/src/layers.rs (`cargo xtask layers --verbose` prints who imports what)",
            report.problems.len(),
            plural(report.problems.len())
        )
        .into())
    }
}

/// Every `.rs` file under `src`, as (`src/...` path with `/` separators, text), sorted.
fn read_sources(src: &Path) -> Result<Vec<(String, String)>> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) -> Result {
        let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let rel = format!("{rel}/{name}");
            if entry.file_type()?.is_dir() {
                walk(&path, &rel, out)?;
            } else if name.ends_with(".rs") {
                let text =
                    fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                out.push((rel, text));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(src, "src", &mut out)?;
    out.sort();
    Ok(out)
}

/// The top-level module of `src/...` path `rel`: `src/lib.rs` is `lib`, `src/a.rs` and
/// `src/a/**.rs` are `a`.
fn module_of(rel: &str) -> String {
    let inner = rel.strip_prefix("src/").unwrap_or(rel);
    match inner.split_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => inner.strip_suffix(".rs").unwrap_or(inner).to_owned(),
    }
}

fn rank(module: &str) -> Option<u32> {
    LAYERS
        .iter()
        .find(|(_, modules)| modules.contains(&module))
        .map(|(rank, _)| *rank)
}

/// Why `from` may not import `to` (both in the table, `from != to`), or `None` if it may.
fn rule(from: &str, to: &str) -> Option<String> {
    let (Some(rf), Some(rt)) = (rank(from), rank(to)) else {
        return Some("not in the layer table".to_owned());
    };
    if UNRESTRICTED.contains(&from) || to == SINK {
        return None;
    }
    if from == SINK && !SINK_MAY_IMPORT.contains(&to) {
        return Some(format!(
            "`{SINK}` is a sink and may import only {}",
            SINK_MAY_IMPORT.join(", ")
        ));
    }
    if rt < rf {
        None
    } else if rt == rf {
        Some("modules of the same rank never import each other".to_owned())
    } else {
        Some("a module may import only modules of lower rank".to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ident(String),
    Punct(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    line: usize,
}

/// Splits Rust source into identifiers and punctuation with their line numbers, dropping
/// whitespace, comments (line, block, doc), and string, byte-string, raw-string and char
/// literals. Not a full lexer: just enough that `crate::` paths are found only in code.
fn lex(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let ident_char = |ch: char| ch == '_' || ch.is_alphanumeric();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                // An escaped char literal: '\n', '\'', '\u{..}'.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime or label: its name is lexed as an identifier next.
                i += 1;
            }
        } else if ident_char(ch) {
            let start = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            if matches!(word.as_str(), "r" | "br" | "cr") && matches!(at(i), '#' | '"') {
                let mut hashes = 0;
                while at(i + hashes) == '#' {
                    hashes += 1;
                }
                if at(i + hashes) == '"' {
                    // A raw string: ends at `"` followed by as many `#`.
                    i += hashes + 1;
                    while i < c.len() {
                        if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                            i += hashes + 1;
                            break;
                        }
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                    continue;
                }
                if word == "r" && hashes == 1 && ident_char(at(i + 1)) {
                    // A raw identifier, `r#type`.
                    i += 1;
                    let start = i;
                    while i < c.len() && ident_char(c[i]) {
                        i += 1;
                    }
                    let word = c[start..i].iter().collect();
                    out.push(Token {
                        kind: Kind::Ident(word),
                        line,
                    });
                    continue;
                }
            }
            // `b"..."`, `c"..."` and `b'x'` are handled by the literal branches next round.
            if !(matches!(word.as_str(), "b" | "c") && matches!(at(i), '"' | '\'')) {
                out.push(Token {
                    kind: Kind::Ident(word),
                    line,
                });
            }
        } else {
            out.push(Token {
                kind: Kind::Punct(ch),
                line,
            });
            i += 1;
        }
    }
    out
}

/// A path's first segment as written (not yet resolved to a module).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Path1 {
    name: String,
    line: usize,
    /// `crate::name` (as opposed to a crate-relative `use name::` in lib.rs).
    via_crate: bool,
}

fn is_ident(tokens: &[Token], i: usize, word: &str) -> bool {
    matches!(tokens.get(i), Some(Token { kind: Kind::Ident(w), .. }) if w == word)
}

fn is_punct(tokens: &[Token], i: usize, ch: char) -> bool {
    matches!(tokens.get(i), Some(Token { kind: Kind::Punct(p), .. }) if *p == ch)
}

fn is_path_sep(tokens: &[Token], i: usize) -> bool {
    is_punct(tokens, i, ':') && is_punct(tokens, i + 1, ':')
}

/// The first segment of every `crate::` path in `tokens`, and with `relative_uses` (lib.rs)
/// of every `use name::` path as well.
fn first_segments(tokens: &[Token], relative_uses: bool) -> Vec<Path1> {
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        if is_ident(tokens, i, "crate") && is_path_sep(tokens, i + 1) {
            match tokens.get(i + 3).map(|t| &t.kind) {
                Some(Kind::Ident(name)) => out.push(Path1 {
                    name: name.clone(),
                    line: tokens[i + 3].line,
                    via_crate: true,
                }),
                Some(Kind::Punct('{')) => {
                    for (name, line) in group_heads(&tokens[i + 3..]) {
                        out.push(Path1 {
                            name,
                            line,
                            via_crate: true,
                        });
                    }
                }
                _ => {}
            }
        } else if relative_uses
            && is_ident(tokens, i, "use")
            && is_path_sep(tokens, i + 2)
            && let Some(Token {
                kind: Kind::Ident(name),
                line,
            }) = tokens.get(i + 1)
            && !matches!(name.as_str(), "crate" | "self" | "super")
        {
            out.push(Path1 {
                name: name.clone(),
                line: *line,
                via_crate: false,
            });
        }
    }
    out
}

/// The first identifier of each item in the `{ ... }` group `tokens` starts with.
fn group_heads(tokens: &[Token]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut at_item = false;
    for t in tokens {
        match &t.kind {
            Kind::Punct('{') => {
                depth += 1;
                at_item = depth == 1;
            }
            Kind::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
                at_item = false;
            }
            Kind::Punct(',') if depth == 1 => at_item = true,
            Kind::Ident(name) if at_item => {
                out.push((name.clone(), t.line));
                at_item = false;
            }
            _ => at_item = false,
        }
    }
    out
}

/// Names lib.rs re-exports at the crate root, mapped to the module they come from
/// (`pub use error::{Error, ..};` maps `Error` to `error`).
fn root_reexports(tokens: &[Token], modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_ident(tokens, i, "use") {
            i += 1;
            continue;
        }
        let end = (i..tokens.len())
            .find(|&j| is_punct(tokens, j, ';'))
            .unwrap_or(tokens.len());
        let mut start = i + 1;
        if is_ident(tokens, start, "crate") && is_path_sep(tokens, start + 1) {
            start += 3;
        }
        if let Some(Token {
            kind: Kind::Ident(module),
            ..
        }) = tokens.get(start)
            && modules.contains(module)
        {
            for j in start + 1..end {
                if let Kind::Ident(name) = &tokens[j].kind
                    && !is_path_sep(tokens, j + 1)
                    && !matches!(name.as_str(), "as" | "self")
                {
                    out.insert(name.clone(), module.clone());
                }
            }
        }
        i = end + 1;
    }
    out
}

/// Where an import was first seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Site {
    path: String,
    line: usize,
}

#[derive(Debug, Default)]
struct Report {
    /// Modules that have files, with their first file.
    modules: BTreeMap<String, String>,
    /// `from` -> `to` -> first site, over all files of `from`.
    edges: BTreeMap<String, BTreeMap<String, Site>>,
    /// Edges that break a rule.
    bad: BTreeSet<(String, String)>,
    /// Violation and cycle lines, in output order.
    problems: Vec<String>,
    imports: usize,
    cycles: usize,
    unknown: usize,
}

/// Checks `files` (`src/...` path, text) against the table.
fn analyze(files: &[(String, String)]) -> Report {
    let mut report = Report::default();
    let mut known: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|(_, m)| m.iter().map(|s| (*s).to_owned()))
        .collect();
    for (path, _) in files {
        let module = module_of(path);
        known.insert(module.clone());
        report.modules.entry(module).or_insert_with(|| path.clone());
    }
    let lexed: Vec<(String, String, Vec<Token>)> = files
        .iter()
        .map(|(path, text)| (path.clone(), module_of(path), lex(text)))
        .collect();
    let reexports = lexed
        .iter()
        .find(|(_, module, _)| module == "lib")
        .map(|(_, _, tokens)| root_reexports(tokens, &known))
        .unwrap_or_default();

    let mut unknown_lines = Vec::new();
    for (module, first) in &report.modules {
        if rank(module).is_none() {
            unknown_lines.push(format!(
                "{first}:1: module `{module}` is not in the layer table: add it to LAYERS in \
                 xtask/src/layers.rs"
            ));
        }
    }
    report.unknown = unknown_lines.len();

    // One line per (file, imported module), at its first reference in that file.
    let mut import_lines: Vec<(Site, String)> = Vec::new();
    for (path, from, tokens) in &lexed {
        let mut seen = BTreeSet::new();
        for p in first_segments(tokens, from == "lib") {
            let to = if known.contains(&p.name) {
                p.name.clone()
            } else if let Some(m) = reexports.get(&p.name) {
                m.clone()
            } else if p.via_crate && p.name != "self" {
                // An item defined in lib.rs itself (or a `#[macro_export]` macro).
                "lib".to_owned()
            } else {
                continue;
            };
            if to == *from {
                continue;
            }
            let site = Site {
                path: path.clone(),
                line: p.line,
            };
            report
                .edges
                .entry(from.clone())
                .or_default()
                .entry(to.clone())
                .and_modify(|s| *s = s.clone().min(site.clone()))
                .or_insert_with(|| site.clone());
            if !seen.insert(to.clone()) || rank(from).is_none() || rank(&to).is_none() {
                continue;
            }
            if let Some(why) = rule(from, &to) {
                report.bad.insert((from.clone(), to.clone()));
                import_lines.push((
                    site.clone(),
                    format!(
                        "{}:{}: module `{from}` (rank {}) imports `{to}` (rank {}): {why}",
                        site.path,
                        site.line,
                        rank(from).unwrap_or_default(),
                        rank(&to).unwrap_or_default(),
                    ),
                ));
            }
        }
    }
    import_lines.sort();
    report.imports = import_lines.len();

    let cycle_lines = cycles(&report.edges);
    report.cycles = cycle_lines.len();
    report.problems = unknown_lines;
    report
        .problems
        .extend(import_lines.into_iter().map(|(_, line)| line));
    report.problems.extend(cycle_lines);
    report
}

/// One line per strongly connected group of modules, with one cycle through it.
fn cycles(edges: &BTreeMap<String, BTreeMap<String, Site>>) -> Vec<String> {
    let nodes: BTreeSet<&String> = edges
        .iter()
        .flat_map(|(from, tos)| std::iter::once(from).chain(tos.keys()))
        .collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from.clone()]);
        while let Some(n) = queue.pop_front() {
            for to in edges.get(&n).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(to.clone()) {
                    queue.push_back(to.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reachable[n].contains(*n) {
            continue;
        }
        // The group: every module that reaches `n` and is reached from it.
        let group: BTreeSet<String> = nodes
            .iter()
            .filter(|m| reachable[n].contains(**m) && reachable[*m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        done.extend(group.iter().cloned());
        let path = shortest_cycle(n, edges, &group);
        let sites: Vec<String> = path
            .windows(2)
            .map(|w| {
                let s = &edges[&w[0]][&w[1]];
                format!("{}:{}", s.path, s.line)
            })
            .collect();
        out.push(format!(
            "cycle: modules {} depend on each other: {} ({})",
            group
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            path.join(" -> "),
            sites.join(", ")
        ));
    }
    out
}

/// The shortest path from `start` back to itself inside `group` (breadth first).
fn shortest_cycle(
    start: &String,
    edges: &BTreeMap<String, BTreeMap<String, Site>>,
    group: &BTreeSet<String>,
) -> Vec<String> {
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(n) = queue.pop_front() {
        for to in edges.get(&n).into_iter().flat_map(BTreeMap::keys) {
            if to == start {
                let mut path = vec![n.clone()];
                let mut cur = n.clone();
                while cur != *start {
                    cur = parent[&cur].clone();
                    path.push(cur.clone());
                }
                path.reverse();
                path.push(start.clone());
                return path;
            }
            if group.contains(to) && !parent.contains_key(to) {
                parent.insert(to.clone(), n.clone());
                queue.push_back(to.clone());
            }
        }
    }
    unreachable!("`start` is in a cycle through `group`")
}

impl Report {
    fn summary(&self) -> String {
        let edges: usize = self.edges.values().map(BTreeMap::len).sum();
        let total = self.problems.len();
        let counted = format!(
            "{} modules with files, {edges} module-to-module imports",
            self.modules.len()
        );
        if total == 0 {
            format!("layers: ok ({counted})")
        } else {
            format!(
                "layers: {total} violation{} ({} import{}, {} cycle{}, {} unknown module{}; \
                 {counted})",
                plural(total),
                self.imports,
                plural(self.imports),
                self.cycles,
                plural(self.cycles),
                self.unknown,
                plural(self.unknown),
            )
        }
    }

    /// Which module imports which, by rank; `!` marks an import that breaks a rule.
    fn matrix(&self) -> String {
        let mut rows: Vec<(Option<u32>, String)> = LAYERS
            .iter()
            .flat_map(|(r, m)| m.iter().map(|m| (Some(*r), (*m).to_owned())))
            .collect();
        for m in self.modules.keys() {
            if rank(m).is_none() {
                rows.push((None, m.clone()));
            }
        }
        let width = rows.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
        let mut out = format!(
            "\nrank  {:<width$}  imports (! = breaks a rule)\n",
            "module"
        );
        for (r, m) in rows {
            let r = r.map_or_else(|| "?".to_owned(), |r| r.to_string());
            let imports = if !self.modules.contains_key(&m) {
                "(no files)".to_owned()
            } else {
                let list: Vec<String> = self
                    .edges
                    .get(&m)
                    .into_iter()
                    .flat_map(BTreeMap::keys)
                    .map(|to| {
                        let mark = if self.bad.contains(&(m.clone(), to.clone())) {
                            "!"
                        } else {
                            ""
                        };
                        format!("{to}{mark}")
                    })
                    .collect();
                if list.is_empty() {
                    "-".to_owned()
                } else {
                    list.join(", ")
                }
            };
            out.push_str(&format!("{r:>4}  {m:<width$}  {imports}\n"));
        }
        out.push('\n');
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;
