//! Every committed fuzz regression (`fuzz/regressions/TARGET/*`) replayed through its
//! target's entry point, as `cargo xtask fuzz` replays them under libFuzzer. The
//! `alloc_bound` inputs — its regressions and its seed corpus — run every
//! `ALLOC_BOUND_RUNS` entry under the counting allocator with the same peak measurement as
//! `fuzz/fuzz_targets/alloc_bound.rs`, so a run over its bound fails here too.
//!
//! One test function in its own binary: the allocator's counters are global.

use std::path::{Path, PathBuf};

use lucid_core::fuzzing;
use lucid_test_support::alloc::{self, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A target name and its entry point.
type Entry = (&'static str, fn(&[u8]));

const TARGETS: &[Entry] = &[
    ("deframer", fuzzing::deframer),
    ("handshake_messages", fuzzing::handshake_messages),
    ("x509", fuzzing::x509),
    ("cbc_open", fuzzing::cbc_open),
    ("client", fuzzing::client),
    ("server", fuzzing::server),
    ("alloc_bound", alloc_bound),
];

/// The `alloc_bound` target's body: each run's peak heap, above what was in use before
/// it, within its bound.
fn alloc_bound(data: &[u8]) {
    for b in fuzzing::ALLOC_BOUND_RUNS {
        let base = alloc::current();
        alloc::reset_peak();
        (b.run)(data);
        let peak = usize::try_from(alloc::peak() - base).unwrap_or(0);
        eprintln!("  {}: peak {peak} B (bound {})", b.name, b.bound);
        assert!(
            peak <= b.bound,
            "{}: peak heap {peak} bytes > bound {}",
            b.name,
            b.bound
        );
    }
}

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(sub)
}

/// The files in `dir`, sorted (none if it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn entry(target: &str) -> fn(&[u8]) {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("fuzz/regressions/{target}: no such fuzz target"))
        .1
}

#[test]
fn committed_regressions_replay_and_alloc_bound_inputs_stay_in_bounds() {
    let regressions = fuzz_dir("regressions");
    let mut replayed = 0;
    for dir in std::fs::read_dir(&regressions).unwrap() {
        let dir = dir.unwrap().path();
        let target = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let run = entry(&target);
        for file in files(&dir) {
            eprintln!("replaying {}", file.display());
            run(&std::fs::read(&file).unwrap());
            replayed += 1;
        }
    }
    // fuzz/regressions/alloc_bound/client_certificate_request_21000_authorities at least.
    assert!(
        replayed >= 1,
        "no regressions under {}",
        regressions.display()
    );

    // The seeds too: the bounds were set from them (fuzz/README.md).
    let seeds = files(&fuzz_dir("corpus/alloc_bound"));
    assert!(seeds.len() >= 3, "{} alloc_bound seeds", seeds.len());
    for file in seeds {
        alloc_bound(&std::fs::read(&file).unwrap());
    }
}
