//! `cargo xtask bench`: builds and runs `bench/` (lucid beside OpenSSL and rustls in one
//! process), which prints the table and writes `target/bench/summary.json`.
//!
//! `bench/` is its own cargo workspace (excluded from the main one, like `fuzz/`), so the
//! `openssl` crate and rustls never reach the main build. It links the system libssl, so
//! this task first makes sure Debian's `libssl-dev` and `pkg-config` are installed.

use std::process::Command;

use crate::{Result, cargo, deps, project_root, run, succeeds};

const HELP: &str = "\
cargo xtask bench [--quick]

Builds bench/ in release and runs it: lucid, OpenSSL (system libssl 3) and rustls doing the
same work in one process over in-memory transports with the RSA-2048 testdata/pki chain:
full and resumed handshakes (client and server CPU), bulk 16 KiB records, memory per idle
connection, heap allocations per record. Suites: TLS_RSA_WITH_AES_128_CBC_SHA and
TLS_RSA_WITH_AES_256_CBC_SHA256 (lucid, OpenSSL) and TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
over x25519 (all three), plus the primitives under the ECDHE suite timed alone. Prints the
table with lucid/OpenSSL ratios (higher = lucid better) and the issue-9 and issue-15
targets, and writes target/bench/summary.json and target/bench/BENCHMARKS.md.

A full run also rewrites BENCHMARKS.md at the repository root.

OPTIONS:
    --quick    small samples, finishes in well under a minute; BENCHMARKS.md is left alone
";

pub(crate) fn bench(args: &[String]) -> Result {
    let mut quick = false;
    for a in args {
        match a.as_str() {
            "--quick" => quick = true,
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(());
            }
            other => return Err(format!("bench: unknown argument `{other}`").into()),
        }
    }
    ensure_libssl_dev()?;
    let root = project_root();
    let target_dir = root.join("target").join("bench-build");
    run(cargo()
        .args(["build", "--release", "--manifest-path"])
        .arg(root.join("bench").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir))?;
    let mut cmd = Command::new(target_dir.join("release").join("lucid-bench"));
    cmd.current_dir(&root)
        .arg("--out")
        .arg(root.join("target").join("bench"))
        .arg("--pki")
        .arg(root.join("testdata").join("pki"));
    if quick {
        cmd.arg("--quick");
    } else {
        cmd.arg("--benchmarks-md").arg(root.join("BENCHMARKS.md"));
    }
    run(&mut cmd)
}

/// The `openssl` crate builds against the system OpenSSL found through pkg-config.
pub(crate) fn ensure_libssl_dev() -> Result {
    let present = succeeds(Command::new("pkg-config").args(["--exists", "openssl"]));
    if present {
        return Ok(());
    }
    deps::apt_install(&["libssl-dev", "pkg-config"])?;
    if succeeds(Command::new("pkg-config").args(["--exists", "openssl"])) {
        Ok(())
    } else {
        Err(
            "installed libssl-dev and pkg-config, but `pkg-config --exists openssl` still fails"
                .into(),
        )
    }
}
