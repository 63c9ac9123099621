//! `cargo xtask fuzz`: cargo-fuzz targets run with the nightly toolchain.
//!
//! Seeds are read from the committed `fuzz/corpus/TARGET`; new inputs libFuzzer finds go to
//! the working corpus `target/fuzz-corpus/TARGET` (libFuzzer writes to the first corpus
//! directory it is given), so runs build on each other without growing the committed seeds.
//! Refresh those deliberately, e.g. with `cargo +nightly fuzz cmin`. Inputs that once broke
//! a target (or its bounds) live in `fuzz/regressions/TARGET`, too big for the seed budget;
//! every run loads them as well, so each fuzz run starts by replaying them.
//!
//! `cargo xtask fuzz seeds` (re)writes the committed seeds `lucid_core::fuzzing::seeds`
//! makes in memory (deterministic: an unchanged tree comes out byte for byte); with
//! `--record-openssl` it also records the openssl seeds over loopback (`seeds.rs` here).

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::{Result, cargo, project_root, run, succeeds};

mod seeds;

const USAGE: &str = "\
cargo xtask fuzz: run cargo-fuzz targets with the nightly toolchain

USAGE:
    cargo xtask fuzz                       list the targets in fuzz/fuzz_targets/
    cargo xtask fuzz TARGET [--seconds N] [-- LIBFUZZER_ARGS...]
    cargo xtask fuzz --all [--seconds N]   every target in turn (20 seconds each by default)
    cargo xtask fuzz seeds [--record-openssl]
                                           rewrite the generated seeds in fuzz/corpus/ (byte
                                           for byte when nothing changed); with
                                           --record-openssl also record the openssl ones
                                           (needs `openssl`; not reproducible byte for byte)

Without --seconds a single target runs until it finds a crash or is interrupted.
Seeds: fuzz/corpus/TARGET and fuzz/regressions/TARGET (past findings, replayed first);
new inputs: target/fuzz-corpus/TARGET; crashes: fuzz/artifacts/TARGET.
The dictionary fuzz/dict/tls.dict is used when present. The toolchain is `nightly`
(override with LUCID_NIGHTLY); cargo-fuzz is installed with `cargo install` when missing.
";

/// Seconds per target for `--all` when `--seconds` is not given.
const ALL_DEFAULT_SECONDS: u64 = 20;

pub(crate) fn fuzz(args: &[String]) -> Result {
    if let Some(("seeds", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r)) {
        return seeds::seeds(rest);
    }
    let mut target = None;
    let mut all = false;
    let mut seconds = None;
    let mut extra: Vec<String> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            "--all" => all = true,
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a value")?;
                seconds = Some(parse_seconds(value)?);
            }
            "--" => {
                extra.extend(args.by_ref().cloned());
            }
            s if s.starts_with("--seconds=") => {
                seconds = Some(parse_seconds(&s["--seconds=".len()..])?);
            }
            s if s.starts_with('-') => {
                return Err(format!("unknown option `{s}`\n\n{USAGE}").into());
            }
            s if target.is_none() => target = Some(s.to_owned()),
            s => return Err(format!("more than one target given (`{s}`); use --all").into()),
        }
    }

    let targets = list_targets()?;
    match (target, all) {
        (Some(_), true) => Err("give either a TARGET or --all, not both".into()),
        (None, false) => {
            if targets.is_empty() {
                println!("no fuzz targets yet (fuzz/fuzz_targets/ has no .rs files)");
            } else {
                println!("fuzz targets (run one with `cargo xtask fuzz TARGET`):");
                for t in &targets {
                    println!("    {t}");
                }
            }
            Ok(())
        }
        (Some(target), false) => {
            if !targets.contains(&target) {
                return Err(format!(
                    "no fuzz target `{target}`; the targets are: {}",
                    if targets.is_empty() {
                        "(none)".to_owned()
                    } else {
                        targets.join(", ")
                    }
                )
                .into());
            }
            ensure_cargo_fuzz()?;
            run_target(&target, seconds, &extra)
        }
        (None, true) => {
            if targets.is_empty() {
                return Err("no fuzz targets in fuzz/fuzz_targets/".into());
            }
            run_all(&targets, seconds.unwrap_or(ALL_DEFAULT_SECONDS), &extra)
        }
    }
}

/// The CI smoke run: every target for `seconds`. `Ok(Some(notice))` when skipped.
pub(crate) fn smoke(seconds: u64) -> Result<Option<String>> {
    let targets = list_targets()?;
    if targets.is_empty() {
        return Ok(Some("no fuzz targets in fuzz/fuzz_targets/ yet".into()));
    }
    if !ensure_nightly() {
        // The harnesses, seeds and crash regressions still ran in `cargo test` (the fuzzing
        // module is compiled under cfg(test)); only libFuzzer's own run needs nightly.
        return Ok(Some(format!(
            "NOT RUN: no `{}` toolchain and rustup could not install one; the fuzz harnesses \
             and seeds ran in the test step only",
            nightly()
        )));
    }
    run_all(&targets, seconds, &[])?;
    Ok(None)
}

/// Whether the nightly toolchain is usable, installing it (minimal profile) when missing.
fn ensure_nightly() -> bool {
    let toolchain = nightly();
    let usable =
        || succeeds(Command::new("rustup").args(["run", &toolchain, "rustc", "--version"]));
    if usable() {
        return true;
    }
    println!("the `{toolchain}` toolchain is missing: installing it with rustup");
    let _ = run(Command::new("rustup").args([
        "toolchain",
        "install",
        &toolchain,
        "--profile",
        "minimal",
    ]));
    usable()
}

fn run_all(targets: &[String], seconds: u64, extra: &[String]) -> Result {
    ensure_cargo_fuzz()?;
    for target in targets {
        println!("--- fuzz target {target}: {seconds} s");
        run_target(target, Some(seconds), extra)?;
    }
    Ok(())
}

fn parse_seconds(value: &str) -> Result<u64> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("--seconds wants a positive whole number, not `{value}`").into()),
    }
}

/// Target names: the stems of `fuzz/fuzz_targets/*.rs` (cargo-fuzz names bins after them).
fn list_targets() -> Result<Vec<String>> {
    let dir = project_root().join("fuzz").join("fuzz_targets");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut targets: Vec<String> = fs::read_dir(&dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|path| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect();
    targets.sort();
    Ok(targets)
}

fn nightly() -> String {
    env::var("LUCID_NIGHTLY").unwrap_or_else(|_| "nightly".to_owned())
}

/// `cargo` under the nightly toolchain. `rustup run` rather than `$CARGO +nightly`: `$CARGO`
/// is the toolchain's own cargo, which does not understand `+toolchain`.
fn nightly_cargo() -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", &nightly(), "cargo"]);
    // Do not let the stable toolchain that runs xtask leak into the nightly build.
    cmd.env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC");
    cmd.current_dir(project_root());
    cmd
}

fn ensure_cargo_fuzz() -> Result {
    let toolchain = nightly();
    if !succeeds(Command::new("rustup").args(["run", &toolchain, "rustc", "--version"])) {
        return Err(format!(
            "fuzzing needs the `{toolchain}` toolchain through rustup (`rustup toolchain list`)"
        )
        .into());
    }
    if succeeds(nightly_cargo().args(["fuzz", "--version"])) {
        return Ok(());
    }
    println!("cargo-fuzz is missing: installing it");
    run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    if !succeeds(nightly_cargo().args(["fuzz", "--version"])) {
        return Err(
            "cargo-fuzz was installed but `cargo +nightly fuzz --version` still fails \
                    (is ~/.cargo/bin on PATH?)"
                .into(),
        );
    }
    Ok(())
}

fn run_target(target: &str, seconds: Option<u64>, extra: &[String]) -> Result {
    let root = project_root();
    let work: PathBuf = root.join("target").join("fuzz-corpus").join(target);
    let seeds = root.join("fuzz").join("corpus").join(target);
    let regressions = root.join("fuzz").join("regressions").join(target);
    fs::create_dir_all(&work)?;

    let mut cmd = nightly_cargo();
    cmd.args(["fuzz", "run", target]).arg(&work);
    for dir in [&seeds, &regressions] {
        if dir.is_dir() {
            cmd.arg(dir);
        }
    }
    cmd.arg("--");
    if let Some(seconds) = seconds {
        cmd.arg(format!("-max_total_time={seconds}"));
    }
    let dict = root.join("fuzz").join("dict").join("tls.dict");
    if dict.is_file() {
        cmd.arg(format!("-dict={}", dict.display()));
    }
    cmd.args(extra);
    run(&mut cmd).map_err(|e| {
        format!("{e}\nfuzz target `{target}` failed; crash inputs are in fuzz/artifacts/{target}/")
            .into()
    })
}
