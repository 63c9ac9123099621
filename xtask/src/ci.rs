//! `cargo xtask ci`: the whole test suite, in a fixed order, failing fast.
//!
//! Each step prints a header and its wall time; a summary of all steps closes the run (also
//! when a step fails). The dependency steps install what the tests need when it is missing,
//! so this runs on a clean machine with only Rust, Python 3 and apt present.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::bench;
use crate::deps::{self, TestEnv};
use crate::{Result, cargo, embedded, fuzz, layers, output, project_root, run, succeeds};

const NO_STD_TARGET: &str = "thumbv7em-none-eabihf";
/// lucid-core's feature sets the `lucid-core features` step checks with its defaults off:
/// none, each optional family alone, the server alone and with the ECC families, and the
/// `graviola-gcm` AES-GCM backend (it brings `std` and `aes-gcm`).
const LUCID_CORE_FEATURE_SETS: &[&str] = &[
    "",
    "server",
    "ecdhe",
    "ecdsa",
    "aes-gcm",
    "graviola-gcm",
    "dhe",
    "legacy-ciphers",
    "dhe,legacy-ciphers",
    "ecdhe,ecdsa",
    "server,ecdhe,ecdsa",
];
/// Seconds each fuzz target runs in CI.
const FUZZ_SMOKE_SECONDS: u64 = 20;

const USAGE: &str = "\
cargo xtask ci: the full test suite, in order: fmt, clippy, lucid-core features (clippy of
lucid-core with its default features off, then with each optional family), layers
(lucid-core's module layering, `cargo xtask layers`), doc (`cargo doc --workspace
--no-deps`, warnings and broken intra-doc links are errors), no_std build, test
dependencies, tests (unit, integration and doctests), openssl-key backend, PKITS summary
check, server interop matrix, fuzz smoke run, embedded (`cargo xtask embedded`: the
firmware under QEMU).
Takes no options.
";

/// How a step ended, when it did not fail.
enum Done {
    Ran(String),
    Skipped(String),
}

struct Record {
    name: &'static str,
    time: Duration,
    outcome: String,
}

#[derive(Default)]
struct Run {
    records: Vec<Record>,
    started: Option<Instant>,
}

impl Run {
    fn step(&mut self, name: &'static str, f: impl FnOnce() -> Result<Done>) -> Result {
        let n = self.records.len() + 1;
        println!("\n==> [{n}] {name}");
        let start = Instant::now();
        let result = f();
        let time = start.elapsed();
        let (outcome, failure) = match result {
            Ok(Done::Ran(note)) if note.is_empty() => ("ok".to_owned(), None),
            Ok(Done::Ran(note)) => (format!("ok: {note}"), None),
            Ok(Done::Skipped(why)) => (format!("SKIPPED: {why}"), None),
            Err(e) => ("FAILED".to_owned(), Some(e)),
        };
        println!("<== [{n}] {name}: {outcome} ({})", secs(time));
        self.records.push(Record {
            name,
            time,
            outcome,
        });
        match failure {
            None => Ok(()),
            Some(e) => {
                self.summary();
                Err(format!("step `{name}` failed: {e}").into())
            }
        }
    }

    fn summary(&self) {
        let total = self.started.map(|s| s.elapsed()).unwrap_or_default();
        let width = self.records.iter().map(|r| r.name.len()).max().unwrap_or(0);
        println!("\n==> summary");
        for r in &self.records {
            println!("    {:<width$}  {:>8}  {}", r.name, secs(r.time), r.outcome);
        }
        println!("    {:<width$}  {:>8}", "total", secs(total));
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

pub(crate) fn ci(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        None => {}
        Some("-h" | "--help") => {
            print!("{USAGE}");
            return Ok(());
        }
        Some(other) => {
            return Err(format!("`cargo xtask ci` takes no arguments (got `{other}`)").into());
        }
    }
    let mut ci = Run {
        started: Some(Instant::now()),
        ..Run::default()
    };

    ci.step("fmt", || {
        ensure_component("rustfmt", "fmt")?;
        run(cargo().args(["fmt", "--all", "--check"]))
            .map_err(|e| format!("{e}\nrun `cargo fmt --all` to fix the formatting"))?;
        Ok(Done::Ran(String::new()))
    })?;

    ci.step("clippy", || {
        ensure_component("clippy", "clippy")?;
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        Ok(Done::Ran(String::new()))
    })?;

    // lucid-core with its optional families off, then each alone (the workspace builds it
    // with all of them): cfg mistakes and code left dead in a smaller build fail here.
    ci.step("lucid-core features", || {
        let mut checked = Vec::new();
        for features in LUCID_CORE_FEATURE_SETS {
            let mut cmd = cargo();
            cmd.args(["clippy", "-p", "lucid-core", "--no-default-features"]);
            if !features.is_empty() {
                cmd.args(["--features", features]);
            }
            run(cmd.args(["--", "-D", "warnings"]))?;
            checked.push(if features.is_empty() {
                "none"
            } else {
                features
            });
        }
        Ok(Done::Ran(format!(
            "default features off, then: {}",
            checked.join("; ")
        )))
    })?;

    ci.step("layers", || layers::check(false).map(Done::Ran))?;

    // Rustdoc warnings, broken intra-doc links among them, fail the build. The doctests
    // themselves run in the `test` step: `cargo test --workspace` runs them for every
    // library target (lucid-core, lucid-blocking, lucid-mio, lucid-cli's lib; none sets
    // `doctest = false`), so no separate `cargo test --doc` is needed.
    ci.step("doc", || {
        let mut cmd = cargo();
        cmd.args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings");
        println!("    RUSTDOCFLAGS=-D warnings");
        run(&mut cmd)?;
        Ok(Done::Ran(String::new()))
    })?;

    ci.step("no_std build", || {
        let note = ensure_target(NO_STD_TARGET)?;
        run(cargo().args(["build", "-p", "lucid-core", "--target", NO_STD_TARGET]))?;
        Ok(Done::Ran(note))
    })?;

    ci.step("deps: debian packages", || {
        deps::ensure_debian_packages().map(Done::Ran)
    })?;

    let mut venv = None;
    ci.step("deps: python venv", || {
        let (v, note) = deps::ensure_python_venv()?;
        venv = Some(v);
        Ok(Done::Ran(note))
    })?;
    let venv = venv.ok_or("the python step produced no venv")?;

    let mut pkits = None;
    ci.step("deps: pkits data", || {
        let (dir, note) = deps::ensure_pkits(&venv)?;
        pkits = Some(dir);
        Ok(Done::Ran(note))
    })?;
    let pkits = pkits.ok_or("the pkits step produced no directory")?;
    let test_env = deps::test_env(&venv, &pkits)?;

    // A summary left by an earlier run must not satisfy the check after this one.
    let summary = deps::pkits_summary();
    remove_if_present(&summary)?;
    // Likewise the server interop matrix and the sslyze summary the tests write.
    let interop = project_root().join("target/interop");
    let server_reports = [
        interop.join("server-matrix.txt"),
        interop.join("sslyze.txt"),
    ];
    for report in &server_reports {
        remove_if_present(report)?;
    }

    ci.step("test", || {
        let mut cmd = cargo();
        cmd.args(["test", "--workspace"]);
        apply(&mut cmd, &test_env);
        // The deps steps installed every peer, so an interop test that cannot find one
        // must fail rather than skip.
        cmd.env("LUCID_REQUIRE_PEERS", "1");
        println!("    LUCID_REQUIRE_PEERS=1");
        for (key, value) in &test_env.vars {
            if *key != "PATH" {
                println!("    {key}={}", value.to_string_lossy());
            }
        }
        run(&mut cmd)?;
        Ok(Done::Ran(String::new()))
    })?;

    // The optional OpenSSL-backed server key (`lucid-blocking/openssl-key`) links the
    // system libssl: lint and test it on its own so the default build stays pure Rust.
    ci.step("openssl-key backend", || {
        bench::ensure_libssl_dev()?;
        run(cargo().args([
            "clippy",
            "-p",
            "lucid-blocking",
            "--features",
            "openssl-key",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        run(cargo().args([
            "test",
            "-p",
            "lucid-blocking",
            "--features",
            "openssl-key",
            "--lib",
            "openssl_key",
        ]))?;
        Ok(Done::Ran(String::new()))
    })?;

    ci.step("pkits summary", || check_pkits_summary(&summary))?;

    ci.step("server interop matrix", || print_reports(&server_reports))?;

    ci.step("fuzz smoke", || match fuzz::smoke(FUZZ_SMOKE_SECONDS)? {
        Some(why) => Ok(Done::Skipped(why)),
        None => Ok(Done::Ran(format!("every target {FUZZ_SMOKE_SECONDS} s"))),
    })?;

    ci.step("embedded", || {
        let figures = embedded::run_all()?;
        Ok(Done::Ran(format!(
            "flash: client {} B, client + server {} B",
            figures.client_flash, figures.pair_flash
        )))
    })?;

    ci.summary();
    println!("\nci: all steps passed");
    Ok(())
}

fn apply(cmd: &mut Command, test_env: &TestEnv) {
    for (key, value) in &test_env.vars {
        cmd.env(key, value);
    }
}

fn remove_if_present(path: &Path) -> Result {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("could not remove the old {}: {e}", path.display()).into()),
    }
}

fn check_pkits_summary(summary: &Path) -> Result<Done> {
    let test = project_root().join("crates/lucid-core/tests/pkits.rs");
    if !test.is_file() {
        return Ok(Done::Skipped(
            "crates/lucid-core/tests/pkits.rs does not exist yet".into(),
        ));
    }
    let text = fs::read_to_string(summary).map_err(|e| {
        format!(
            "the PKITS test ran with LUCID_PKITS_SUMMARY={} but left no readable summary ({e})",
            summary.display()
        )
    })?;
    if text.trim().is_empty() {
        return Err(format!("{} is empty", summary.display()).into());
    }
    println!("{}", text.trim_end());
    let lines = text.lines().count();
    Ok(Done::Ran(format!("{} ({lines} lines)", summary.display())))
}

/// Prints the reports the server interop tests wrote (they run with
/// LUCID_REQUIRE_PEERS=1, so each must exist).
fn print_reports(reports: &[PathBuf]) -> Result<Done> {
    let mut notes = Vec::new();
    for report in reports {
        let text = fs::read_to_string(report).map_err(|e| {
            format!(
                "the server interop tests left no {} ({e})",
                report.display()
            )
        })?;
        println!("{}\n{}", report.display(), text.trim_end());
        notes.push(report.display().to_string());
    }
    Ok(Done::Ran(notes.join(", ")))
}

/// Makes sure a rustup component (rustfmt, clippy) is there, adding it when rustup can.
fn ensure_component(component: &str, subcommand: &str) -> Result {
    if succeeds(cargo().args([subcommand, "--version"])) {
        return Ok(());
    }
    println!("`cargo {subcommand}` is missing: adding the {component} component");
    run(Command::new("rustup").args(["component", "add", component]))
}

/// Makes sure the standard library for `target` is installed, adding it with rustup.
pub(crate) fn ensure_target(target: &str) -> Result<String> {
    if sysroot_has(target) {
        return Ok(format!("{target} already installed"));
    }
    run(Command::new("rustup").args(["target", "add", target])).map_err(|e| {
        format!("{e}\nthis step needs the {target} target (rustup target add {target})")
    })?;
    if !sysroot_has(target) {
        return Err(format!("rustup added {target} but it is not in the sysroot").into());
    }
    Ok(format!("installed {target}"))
}

fn sysroot_has(target: &str) -> bool {
    // Under `cargo run` the rustup proxy sets RUSTUP_TOOLCHAIN, so `rustc` here is the
    // toolchain that builds the workspace.
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    output(Command::new(rustc).args(["--print", "sysroot"]))
        .map(PathBuf::from)
        .is_some_and(|sysroot| {
            sysroot
                .join("lib/rustlib")
                .join(target)
                .join("lib")
                .is_dir()
        })
}
