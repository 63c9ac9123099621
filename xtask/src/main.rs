//! lucid's project automation, reached through the `cargo xtask` alias in
//! `.cargo/config.toml` (matklad's cargo-xtask convention).
//!
//! std only: arguments are parsed by hand and every tool is run as a child process. Other
//! cargo commands go through `$CARGO` (the cargo that launched us), falling back to `cargo`.
#![allow(
    clippy::std_instead_of_core,
    reason = "xtask is a std-only host tool; the workspace lint is for lucid-core"
)]

mod bench;
mod certs;
mod ci;
mod deps;
mod embedded;
mod fuzz;
mod layers;

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Result type of every task: any error, printed once by `main`.
pub(crate) type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
cargo xtask: lucid's project tasks

USAGE:
    cargo xtask <COMMAND> [ARGS]

COMMANDS:
    ci        the full test suite, in order: fmt --check, clippy -D warnings, the layers
              check, cargo doc with -D warnings, no_std build for thumbv7em-none-eabihf, test
              dependencies (gnutls-bin, tshark, a Python venv with tlslite-ng and sslyze,
              NIST PKITS data), cargo test (doctests included), PKITS summary check, a short
              fuzz run of every target, the embedded run. Installs what it needs when
              missing.
    fuzz      [TARGET] [--all] [--seconds N] [-- LIBFUZZER_ARGS...]
              run cargo-fuzz targets with the nightly toolchain (lists targets when none given)
    fuzz seeds [--record-openssl]
              rewrite fuzz/corpus/ from lucid_core::fuzzing::seeds (deterministic, byte for
              byte); --record-openssl also records the openssl seeds over loopback
    layers    [--verbose] check that lucid-core's top-level modules import only lower
              layers (the table in xtask/src/layers.rs), with no cycles
    certs     [--out DIR] [--only ecdsa] generate the test certificates (--only ecdsa:
              just testdata/ecdsa/, leaving the other committed fixtures alone)
    interop   the interop matrix against real peers (not built yet)
    bench     [--quick] lucid beside OpenSSL and rustls in one process: handshakes,
              resumption, bulk, memory; writes target/bench/summary.json and BENCHMARKS.md
    embedded  build examples/firmware for a Cortex-M3 (thumbv7m-none-eabi), run its
              client+server and client-only images under qemu-system-arm (mps2-an385,
              semihosting), print the handshake line, flash (.text + .rodata) and peak
              heap/stack of client and server. Installs the target and QEMU when missing.
    help      this text

Run `cargo xtask <COMMAND> --help` for a command's options.
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "ci" => ci::ci(rest),
        "fuzz" => fuzz::fuzz(rest),
        "layers" => layers::layers(rest),
        "certs" => certs::certs(rest),
        "interop" => not_built("interop", "the client/server issues fill it in"),
        "bench" => bench::bench(rest),
        "embedded" => embedded::embedded(rest),
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}` (see `cargo xtask --help`)").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn not_built(name: &str, who: &str) -> Result {
    Err(format!("`cargo xtask {name}` is not built yet ({who})").into())
}

/// The workspace root (the parent of this crate's directory).
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ lives inside the workspace root")
        .to_path_buf()
}

/// `$CARGO` (the cargo running us) or `cargo`, started in the workspace root.
pub(crate) fn cargo() -> Command {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(project_root());
    cmd
}

/// The command line of `cmd`, for messages.
pub(crate) fn display(cmd: &Command) -> String {
    let mut s = short_program(cmd.get_program());
    for arg in cmd.get_args() {
        s.push(' ');
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains([' ', '\'', '"']) {
            s.push_str(&format!("'{arg}'"));
        } else {
            s.push_str(&arg);
        }
    }
    s
}

fn short_program(program: &OsStr) -> String {
    // `$CARGO` is an absolute path deep in the toolchain; `cargo` reads better.
    Path::new(program)
        .file_name()
        .filter(|name| *name == "cargo")
        .unwrap_or(program)
        .to_string_lossy()
        .into_owned()
}

/// Prints `$ command` and runs it, failing with the command line and exit status.
pub(crate) fn run(cmd: &mut Command) -> Result {
    println!("$ {}", display(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", display(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(cmd)).into())
    }
}

/// Runs `cmd` quietly and reports whether it started and exited successfully.
pub(crate) fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs `cmd` and returns its trimmed stdout, or `None` if it could not run or failed.
pub(crate) fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(std::process::Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The first executable file called `name` on `PATH`.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
