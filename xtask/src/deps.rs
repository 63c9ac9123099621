//! Test dependencies: installed on demand, each function idempotent and quick when its
//! dependency is already present.
//!
//! - Debian packages (`gnutls-bin`, `tshark`, `openssl`, `chromium`) through apt-get, as
//!   root or sudo.
//! - A Python venv at `target/py` with tlslite-ng (`tls.py`) and sslyze from PyPI.
//! - NIST PKITS data from the `cryptography_vectors` wheel, unpacked under `target/vectors`.
//!
//! Everything outside `target/` that this touches is the system package set; CI machines
//! start clean, so nothing here may assume an earlier run.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Result, find_on_path, output, project_root, run, succeeds};

/// Pinned PyPI versions, so every CI run tests against the same peers and data.
const TLSLITE_NG: &str = "tlslite-ng==0.8.2";
const SSLYZE: &str = "sslyze==6.3.1";
const CRYPTOGRAPHY_VECTORS_VERSION: &str = "50.0.2";

/// Debian packages the tests drive, each with the programs that prove it is installed.
const DEBIAN: &[(&str, &[&str])] = &[
    ("gnutls-bin", &["gnutls-serv", "gnutls-cli"]),
    ("tshark", &["tshark", "dumpcap"]),
    ("openssl", &["openssl"]),
    // The `--html` page's browser test (crates/lucid-cli/tests/html_page.rs).
    ("chromium", &["chromium"]),
];

/// tshark's package asks whether non-root users may capture; answer before installing.
const DEBCONF_PRESEED: &str = "wireshark-common wireshark-common/install-setuid boolean false\n";

/// Environment variables the test step passes to `cargo test`.
#[derive(Debug, Default)]
pub(crate) struct TestEnv {
    pub(crate) vars: Vec<(&'static str, OsString)>,
}

fn target_dir() -> PathBuf {
    project_root().join("target")
}

/// Installs the missing Debian packages. Returns a note on what was done.
pub(crate) fn ensure_debian_packages() -> Result<String> {
    let missing: Vec<&str> = DEBIAN
        .iter()
        .filter(|(_, programs)| programs.iter().any(|p| find_on_path(p).is_none()))
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok("already present: gnutls-bin, tshark, openssl, chromium".into());
    }
    let list = missing.join(" ");
    if find_on_path("apt-get").is_none() {
        return Err(format!(
            "the tests need the Debian packages `{list}` and apt-get is not available here; \
             install their equivalents (gnutls-serv/gnutls-cli, tshark/dumpcap, openssl, \
             chromium) so they are on PATH, then rerun"
        )
        .into());
    }
    let sudo = privilege_prefix(&list)?;
    let as_root = |program: &str| {
        let mut cmd = match &sudo {
            Some(sudo) => {
                let mut cmd = Command::new(sudo);
                cmd.args(["env", "DEBIAN_FRONTEND=noninteractive", program]);
                cmd
            }
            None => Command::new(program),
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };

    // debconf-set-selections reads the answers on stdin.
    let mut preseed = as_root("debconf-set-selections");
    preseed.stdin(Stdio::piped());
    println!(
        "$ debconf-set-selections <<< '{}'",
        DEBCONF_PRESEED.trim_end()
    );
    let mut child = preseed
        .spawn()
        .map_err(|e| format!("could not start debconf-set-selections: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("debconf-set-selections has no stdin")?
        .write_all(DEBCONF_PRESEED.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("debconf-set-selections failed ({status})").into());
    }

    run(as_root("apt-get").args(["update", "-q"]))?;
    run(as_root("apt-get")
        .args([
            "install",
            "-y",
            "-q",
            "-o",
            "Dpkg::Use-Pty=0",
            "--no-install-recommends",
        ])
        .args(&missing))?;
    for (package, programs) in DEBIAN {
        for program in *programs {
            if missing.contains(package) && find_on_path(program).is_none() {
                return Err(format!(
                    "apt-get installed `{package}` but `{program}` is still not on PATH"
                )
                .into());
            }
        }
    }
    Ok(format!("installed: {list}"))
}

/// `None` when we are root, `Some("sudo")` when sudo can do it, an error otherwise.
/// `apt-get update` and `apt-get install` of `packages` (as root, or through sudo), for
/// tasks that need other Debian packages than the test peers above (e.g. `cargo xtask bench`
/// needs libssl-dev and pkg-config).
pub(crate) fn apt_install(packages: &[&str]) -> Result {
    let list = packages.join(" ");
    if find_on_path("apt-get").is_none() {
        return Err(format!(
            "this task needs the Debian packages `{list}` and apt-get is not available here; \
             install their equivalents, then rerun"
        )
        .into());
    }
    let sudo = privilege_prefix(&list)?;
    let as_root = |program: &str| {
        let mut cmd = match sudo {
            Some(sudo) => {
                let mut cmd = Command::new(sudo);
                cmd.args(["env", "DEBIAN_FRONTEND=noninteractive", program]);
                cmd
            }
            None => Command::new(program),
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(as_root("apt-get").args(["update", "-q"]))?;
    run(as_root("apt-get")
        .args([
            "install",
            "-y",
            "-q",
            "-o",
            "Dpkg::Use-Pty=0",
            "--no-install-recommends",
        ])
        .args(packages))
}

fn privilege_prefix(list: &str) -> Result<Option<&'static str>> {
    let uid = output(Command::new("id").arg("-u"));
    if uid.as_deref() == Some("0") {
        return Ok(None);
    }
    if find_on_path("sudo").is_some() {
        return Ok(Some("sudo"));
    }
    Err(format!(
        "installing `{list}` needs root: run as root, install sudo, or install the packages \
         yourself"
    )
    .into())
}

/// Paths inside the venv at `target/py`.
#[derive(Debug)]
pub(crate) struct Venv {
    pub(crate) bin: PathBuf,
    pub(crate) python: PathBuf,
    pub(crate) tls_py: PathBuf,
}

impl Venv {
    fn at(dir: &Path) -> Self {
        let bin = dir.join("bin");
        Self {
            python: bin.join("python"),
            tls_py: bin.join("tls.py"),
            bin,
        }
    }

    fn ready(&self) -> bool {
        self.tls_py.is_file()
            && succeeds(Command::new(&self.python).args(["-c", "import tlslite, sslyze"]))
    }
}

/// Creates `target/py` and installs tlslite-ng and sslyze into it when missing.
pub(crate) fn ensure_python_venv() -> Result<(Venv, String)> {
    let dir = target_dir().join("py");
    let venv = Venv::at(&dir);
    if venv.ready() {
        return Ok((
            venv,
            format!("{} already has tlslite-ng and sslyze", dir.display()),
        ));
    }
    if !venv.python.is_file() {
        let python3 = env::var_os("LUCID_HOST_PYTHON").unwrap_or_else(|| "python3".into());
        run(Command::new(&python3).args(["-m", "venv"]).arg(&dir)).map_err(|e| {
            format!(
                "{e}\ncould not create the Python venv at {}: the tests need python3 with the \
                 venv module (Debian: apt-get install python3-venv)",
                dir.display()
            )
        })?;
    }
    run(Command::new(&venv.python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "-q"])
        .args([TLSLITE_NG, SSLYZE]))?;
    if !venv.ready() {
        return Err(format!(
            "pip finished but {} is missing or `import tlslite, sslyze` fails",
            venv.tls_py.display()
        )
        .into());
    }
    Ok((
        venv,
        format!("installed {TLSLITE_NG} {SSLYZE} into {}", dir.display()),
    ))
}

/// Downloads the `cryptography_vectors` wheel and unpacks its `x509/` tree (PKITS and other
/// certificate vectors, ~4 MB of the 125 MB wheel). Returns the `PKITS_data` directory.
pub(crate) fn ensure_pkits(venv: &Venv) -> Result<(PathBuf, String)> {
    let dest = target_dir().join("vectors");
    let pkits = dest
        .join("cryptography_vectors")
        .join("x509")
        .join("PKITS_data");
    let marker = dest.join(format!(
        ".cryptography_vectors-{CRYPTOGRAPHY_VECTORS_VERSION}.done"
    ));
    if marker.is_file() && pkits.is_dir() {
        return Ok((
            pkits,
            format!("cryptography_vectors {CRYPTOGRAPHY_VECTORS_VERSION} already unpacked"),
        ));
    }
    fs::create_dir_all(&dest)?;
    let pin = format!("cryptography_vectors=={CRYPTOGRAPHY_VECTORS_VERSION}");
    run(Command::new(&venv.python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
        ])
        .arg(&pin)
        .arg("-d")
        .arg(&dest))?;
    let prefix = format!("cryptography_vectors-{CRYPTOGRAPHY_VECTORS_VERSION}-");
    let wheel = fs::read_dir(&dest)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
        .ok_or_else(|| format!("pip download left no {prefix}*.whl in {}", dest.display()))?;
    // A wheel is a zip file; Python's zipfile unpacks it without needing `unzip`.
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  names = [n for n in z.namelist() if n.startswith('cryptography_vectors/x509/')]\n\
                  z.extractall(sys.argv[2], names)\n\
                  print(f'unpacked {len(names)} files')\n";
    run(Command::new(&venv.python)
        .arg("-c")
        .arg(script)
        .arg(&wheel)
        .arg(&dest))?;
    if !pkits.is_dir() {
        return Err(format!("{} has no x509/PKITS_data", wheel.display()).into());
    }
    fs::write(&marker, b"")?;
    Ok((
        pkits,
        format!("unpacked x509/ from cryptography_vectors {CRYPTOGRAPHY_VECTORS_VERSION}"),
    ))
}

/// The environment the test step runs with.
pub(crate) fn test_env(venv: &Venv, pkits: &Path) -> Result<TestEnv> {
    let path = env::var_os("PATH").unwrap_or_default();
    let path = env::join_paths(std::iter::once(venv.bin.clone()).chain(env::split_paths(&path)))?;
    Ok(TestEnv {
        vars: vec![
            ("LUCID_PKITS_DIR", pkits.into()),
            ("LUCID_PKITS_SUMMARY", pkits_summary().into()),
            ("LUCID_PYTHON", venv.python.clone().into()),
            ("LUCID_TLSLITE", venv.tls_py.clone().into()),
            ("PATH", path),
        ],
    })
}

/// Where the PKITS test writes its pass/fail summary.
pub(crate) fn pkits_summary() -> PathBuf {
    target_dir().join("pkits-summary.txt")
}
