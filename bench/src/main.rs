//! `lucid-bench`: lucid, OpenSSL (the system libssl 3 through the `openssl` crate) and
//! rustls (ring) doing the same work in one process over in-memory transports with the
//! RSA-2048 `testdata/pki` chain. Run through `cargo xtask bench [--quick]`.
//!
//! Suites: TLS_RSA_WITH_AES_128_CBC_SHA and TLS_RSA_WITH_AES_256_CBC_SHA256 (lucid and
//! OpenSSL; rustls has neither RSA key exchange nor CBC), and
//! TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over x25519 (all three, each pinned to that suite
//! and group and checked against its own negotiated state). Component rows time the
//! primitives under the ECDHE suite alone (`components.rs`).
//!
//! Writes a table to stdout, `<out>/summary.json` (a list of
//! `{"name","unit","lucid","openssl","rustls","ratio"}`, ratio = lucid vs OpenSSL with
//! higher = lucid better) and, when given `--benchmarks-md PATH`, that Markdown file.
//!
//! CPU is the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), charged to the side
//! whose calls ran; everything runs on one thread, so "pair" figures are client + server
//! on one core. Handshake rows are net of the clock reads themselves (`measure::Charge`).

mod common;
mod components;
mod lucid;
mod measure;
mod ossl;
mod profile;
mod report;
mod rsa;
mod rustls_side;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use common::{Dir, Idle, Pki, Sizes, Suite};
use report::{Better, Row};

/// Every measurement runs in this many rounds, the libraries interleaved, and reports the
/// median round: drift and noise from the shared machine hit all three alike.
const ROUNDS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn median_hs(v: &[common::Hs]) -> common::Hs {
    common::Hs {
        client_us: median(v.iter().map(|h| h.client_us).collect()),
        server_us: median(v.iter().map(|h| h.server_us).collect()),
    }
}

fn median_bulk(v: &[common::Bulk]) -> common::Bulk {
    common::Bulk {
        mb_s: median(v.iter().map(|b| b.mb_s).collect()),
        send_allocs_per_record: v
            .iter()
            .map(|b| b.send_allocs_per_record)
            .fold(0.0, f64::max),
        recv_allocs_per_record: v
            .iter()
            .map(|b| b.recv_allocs_per_record)
            .fold(0.0, f64::max),
        wire_per_record: v.last().map_or(0, |b| b.wire_per_record),
        send_us: median(v.iter().map(|b| b.send_us).collect()),
        recv_us: median(v.iter().map(|b| b.recv_us).collect()),
    }
}

#[global_allocator]
static GLOBAL: measure::Counting = measure::Counting;

struct Args {
    quick: bool,
    out: PathBuf,
    pki: PathBuf,
    benchmarks_md: Option<PathBuf>,
    /// Run one workload for a profiler instead of the benchmark.
    profile: Option<String>,
}

fn parse_args() -> Args {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = Args {
        quick: false,
        out: root.join("target/bench"),
        pki: root.join("testdata/pki"),
        benchmarks_md: None,
        profile: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--out" => args.out = it.next().expect("--out DIR").into(),
            "--pki" => args.pki = it.next().expect("--pki DIR").into(),
            "--benchmarks-md" => {
                args.benchmarks_md = Some(it.next().expect("--benchmarks-md PATH").into())
            }
            "--profile" => args.profile = Some(it.next().expect("--profile WORKLOAD")),
            "-h" | "--help" => {
                println!("lucid-bench [--quick] [--out DIR] [--pki DIR] [--benchmarks-md PATH]");
                std::process::exit(0);
            }
            other => {
                eprintln!("lucid-bench: unknown argument `{other}`");
                std::process::exit(2);
            }
        }
    }
    args
}

/// Whether this CPU has AVX-512 IFMA (OpenSSL 3.0's RSA-2048 code path on it).
fn has_avx512_ifma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// lucid's and OpenSSL's RSA-2048 private operation (µs), measured by a child process of
/// this binary whose OpenSSL has AVX-512 IFMA masked out of its CPU capabilities
/// (`OPENSSL_ia32cap`, bit 21 of CPUID leaf 7's EBX).
fn rsa_without_ifma(args: &Args) -> (f64, f64) {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let mut cmd = std::process::Command::new(exe);
    cmd.env("OPENSSL_ia32cap", ":~0x200000")
        .arg("--pki")
        .arg(&args.pki)
        .arg("--out")
        .arg(&args.out)
        .args(["--profile", "rsa-op-pair"]);
    if args.quick {
        cmd.arg("--quick");
    }
    let out = cmd.output().expect("run the bench binary again");
    assert!(out.status.success(), "rsa-op-pair child failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("rsa-op-pair "))
        .unwrap_or_else(|| panic!("no rsa-op-pair line in {text:?}"));
    let mut v = line.split(' ').map(|x| x.parse::<f64>().expect("a number"));
    match (v.next(), v.next()) {
        (Some(l), Some(o)) => (l, o),
        _ => panic!("bad rsa-op-pair line {line:?}"),
    }
}

/// Markers around BENCHMARKS.md's Embedded section, which a bench run keeps as it is.
const EMBEDDED_BEGIN: &str = "<!-- embedded:begin -->";
const EMBEDDED_END: &str = "<!-- embedded:end -->";

fn main() {
    // First, before anything touches libcrypto.
    let hooks = measure::install_openssl_hooks();
    assert!(
        hooks,
        "CRYPTO_set_mem_functions refused: OpenSSL allocated before main"
    );
    let args = parse_args();
    let started = Instant::now();
    let sizes = Sizes::new(args.quick);
    let pki = Pki::load(args.pki.clone());
    let mut lu = lucid::Lucid::new(&pki);
    let os = ossl::OpenSsl::new(&pki);
    let rl = rustls_side::Rustls::new(&pki);
    // What one clock read costs: taken out of every handshake interval (measure::Charge).
    let clock_cost = measure::calibrate_clock();
    if let Some(w) = &args.profile {
        profile::profile(w, args.quick, &mut lu, &os, &rl);
        return;
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let progress = |what: &str| eprintln!("[{:>5.1}s] {what}", started.elapsed().as_secs_f64());

    // RSA-2048 private-key operation alone.
    progress("RSA-2048 private-key operation");
    let ct = lu.sample_ciphertext();
    let ossl_key = os.lucid_key();
    let default_key = lu.default_key();
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(lu.rsa_op(&*default_key, &ct, sizes.rsa_ops / ROUNDS));
        b.push(lu.rsa_op(&ossl_key, &ct, sizes.rsa_ops / ROUNDS));
        c.push(os.rsa_op(&ct, sizes.rsa_ops / ROUNDS));
    }
    let (rsa_lucid, rsa_lucid_ossl, rsa_ossl) = (median(a), median(b), median(c));
    rows.push(Row::new(
        "RSA-2048 private-key op, testdata key (lucid default backend: lucid arithmetic)",
        "us",
        Better::Lower,
        rsa_lucid,
        rsa_ossl,
        None,
    ));
    rows.push(Row::new(
        "RSA-2048 private-key op (lucid openssl-key backend)",
        "us",
        Better::Lower,
        rsa_lucid_ossl,
        rsa_ossl,
        None,
    ));

    // The same pair with OpenSSL's AVX-512 IFMA code switched off (what it runs on CPUs
    // without it), in a child process: OpenSSL reads OPENSSL_ia32cap once, at start-up.
    if has_avx512_ifma() {
        progress("RSA-2048 private-key operation, OpenSSL without AVX-512 IFMA");
        let (l, o) = rsa_without_ifma(&args);
        rows.push(Row::new(
            "RSA-2048 private-key op, testdata key, lucid default backend vs OpenSSL with its AVX-512 IFMA code off (OPENSSL_ia32cap=:~0x200000: the MULX/ADX code it runs on CPUs without IFMA)",
            "us",
            Better::Lower,
            l,
            o,
            None,
        ));
    }

    // RSA private and public operations at three sizes: lucid, the rsa crate, OpenSSL.
    let mut rsa_rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(2018);
    let mut rsa_keys = Vec::new();
    for bits in [2048_u32, 3072, 4096] {
        progress(&format!("RSA-{bits} private/public ops"));
        let k = rsa::Keys::generate(bits);
        let c = k.random_ciphertext(&mut rsa_rng);
        let scale = (2048.0 / bits as f64).powi(3);
        let n = ((sizes.rsa_ops / ROUNDS) as f64 * scale).ceil() as usize;
        let (mut pl, mut pr, mut po) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ul, mut ur, mut uo) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (l, r, o) = rsa::private_op(&k, &c, n.max(2), &mut rsa_rng);
            pl.push(l);
            pr.push(r);
            po.push(o);
            let (l, r, o) = rsa::public_op(&k, (n * 10).max(20), &mut rsa_rng);
            ul.push(l);
            ur.push(r);
            uo.push(o);
        }
        let (pr, ur) = (median(pr), median(ur));
        rows.push(Row::new(
            &format!("RSA-{bits} private op, lucid arithmetic (rsa crate: {pr:.0} us)"),
            "us",
            Better::Lower,
            median(pl),
            median(po),
            None,
        ));
        rows.push(Row::new(
            &format!("RSA-{bits} public op: PKCS#1 encrypt 48 B, lucid (rsa crate: {ur:.1} us)"),
            "us",
            Better::Lower,
            median(ul),
            median(uo),
            None,
        ));
        rsa_keys.push(k);
    }
    progress("RSA-2048 timing test (dudect)");
    let budget = if args.quick { 8.0 } else { 150.0 };
    let tt = rsa::timing_test(
        &rsa_keys[0],
        100_000,
        std::time::Duration::from_secs_f64(budget),
    );
    notes.push(format!(
        "Timing test (dudect-style, issue 18): lucid's RSA-2048 private operation \
         (`RsaCrateKey::decrypt_raw`, the default backend), one fixed ciphertext vs 1,024 \
         random ones, class drawn at random per run, each run timed alone: {} runs in {:.0} s \
         (budget {budget:.0} s{}), mean {:.1} us fixed / {:.1} us random; \
         Welch's |t| = {:.2} raw, {:.2} after cropping at the {:.0}th percentile \
         (threshold 4.5).",
        tt.runs,
        tt.secs,
        if tt.runs >= 100_000 {
            ""
        } else {
            "; 10^5 runs did not fit in it"
        },
        tt.mean_fixed_us,
        tt.mean_random_us,
        tt.t_raw.abs(),
        tt.t_cropped.abs(),
        tt.crop_percentile * 100.0,
    ));
    eprintln!("{}", notes.last().unwrap());
    let timing = report::TimingVerdict {
        runs: tt.runs,
        t_raw: tt.t_raw,
        t_cropped: tt.t_cropped,
    };

    // Full handshakes: the RSA-key-exchange suite (lucid, OpenSSL), then ECDHE-RSA over
    // x25519 (all three).
    for suite in [Suite::Aes128Sha, Suite::EcdheRsaAes128Gcm] {
        let label = suite.label_kx();
        progress(&format!("full handshakes {label}"));
        let n = sizes.full_handshakes / ROUNDS;
        let (mut l, mut lo, mut o, mut r) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut lneg, mut oneg, mut rneg) = Default::default();
        for _ in 0..ROUNDS {
            let (h, neg) = lu.full_handshakes(suite, lu.default_key(), n);
            l.push(h);
            lneg = neg;
            lo.push(lu.full_handshakes(suite, Arc::new(os.lucid_key()), n).0);
            let (h, neg) = os.full_handshakes(suite, n);
            o.push(h);
            oneg = neg;
            if suite.ecdhe() {
                let (h, neg) = rl.full_handshakes(suite, n);
                r.push(h);
                rneg = Some(neg);
            }
        }
        let (lf, lf_o, of) = (median_hs(&l), median_hs(&lo), median_hs(&o));
        let rf = suite.ecdhe().then(|| median_hs(&r));
        let (lneg, oneg, rneg): (
            common::Negotiated,
            common::Negotiated,
            Option<common::Negotiated>,
        ) = (lneg, oneg, rneg);
        notes.push(format!(
            "Full handshakes {label}: each library's own state says TLS 1.2 {}{} (asserted) — lucid: EMS {}, ETM {}; OpenSSL: EMS {}, ETM {}{}.",
            lneg.suite,
            lneg.group.as_deref().map(|g| format!(" over {g}")).unwrap_or_default(),
            lneg.ems,
            lneg.etm,
            oneg.ems,
            oneg.etm,
            rneg.map(|n| format!("; rustls: EMS {}, ETM {}", n.ems, n.etm))
                .unwrap_or_default(),
        ));
        rows.push(Row::new(
            &format!("full handshake {label}: client CPU"),
            "us",
            Better::Lower,
            lf.client_us,
            of.client_us,
            rf.map(|h| h.client_us),
        ));
        rows.push(Row::new(
            &format!("full handshake {label}: server CPU"),
            "us",
            Better::Lower,
            lf.server_us,
            of.server_us,
            rf.map(|h| h.server_us),
        ));
        rows.push(Row::new(
            &format!("full handshake {label}: server CPU, lucid openssl-key backend"),
            "us",
            Better::Lower,
            lf_o.server_us,
            of.server_us,
            None,
        ));
        rows.push(Row::new(
            &format!("full handshake {label}: pair, one core"),
            "hs/s",
            Better::Higher,
            lf.pair_per_s(),
            of.pair_per_s(),
            rf.map(|h| h.pair_per_s()),
        ));
        rows.push(Row::new(
            &format!("full handshake {label}: pair, lucid openssl-key backend"),
            "hs/s",
            Better::Higher,
            lf_o.pair_per_s(),
            of.pair_per_s(),
            None,
        ));
    }

    for suite in [Suite::Aes128Sha, Suite::EcdheRsaAes128Gcm] {
        let label = suite.label();
        progress(&format!("resumed handshakes {label}"));
        let n = sizes.resumed_handshakes / ROUNDS;
        let (mut l, mut o, mut r) = (Vec::new(), Vec::new(), Vec::new());
        // Clock reads per resumed handshake (both sides), per library.
        let mut reads = [0_u64; 3];
        let counted = |slot: &mut u64, f: &mut dyn FnMut() -> common::Hs| {
            let r0 = measure::clock_reads();
            let h = f();
            *slot += measure::clock_reads() - r0;
            h
        };
        for _ in 0..ROUNDS {
            l.push(counted(&mut reads[0], &mut || {
                lu.resumed_handshakes(suite, n)
            }));
            o.push(counted(&mut reads[1], &mut || {
                os.resumed_handshakes(suite, n)
            }));
            if suite.ecdhe() {
                r.push(counted(&mut reads[2], &mut || {
                    rl.resumed_handshakes(suite, n)
                }));
            }
        }
        let per_hs = |x: u64| x as f64 / (n * ROUNDS) as f64;
        notes.push(format!(
            "Clock reads, resumed handshakes {label}: the harness reads the thread CPU clock around every call into a library to charge it to its side; a read costs {:.2} µs here (a system call, calibrated at start-up), and every handshake row is net of one read per charged interval. lucid's harness reads it {:.0} times per handshake, OpenSSL's {:.0}{} (both sides, uncharged reads included); against a ~10 µs handshake any error in that correction is not small. (Checked once by hand: with the clock reads switched off and one read around the whole loop, a resumed ECDHE handshake pair cost lucid 12.4-13.1 µs, OpenSSL 45.9-47.1, rustls 15.4-16.1, against 12.6-12.8, 44.9-45.1 and 15.5-16.4 net from the charged intervals in the same runs.)",
            clock_cost,
            per_hs(reads[0]),
            per_hs(reads[1]),
            if suite.ecdhe() {
                format!(", rustls' {:.0}", per_hs(reads[2]))
            } else {
                String::new()
            },
        ));
        let (lr, or) = (median_hs(&l), median_hs(&o));
        let rr = suite.ecdhe().then(|| median_hs(&r));
        rows.push(Row::new(
            &format!("resumed handshake (session ID) {label}: client CPU"),
            "us",
            Better::Lower,
            lr.client_us,
            or.client_us,
            rr.map(|h| h.client_us),
        ));
        rows.push(Row::new(
            &format!("resumed handshake (session ID) {label}: server CPU"),
            "us",
            Better::Lower,
            lr.server_us,
            or.server_us,
            rr.map(|h| h.server_us),
        ));
        rows.push(Row::new(
            &format!("resumed handshake (session ID) {label}: pair, one core"),
            "hs/s",
            Better::Higher,
            lr.pair_per_s(),
            or.pair_per_s(),
            rr.map(|h| h.pair_per_s()),
        ));
    }

    // Bulk. Allocation maxima: [0] over the CBC runs (lucid, OpenSSL), [1] over the GCM runs
    // (lucid, OpenSSL, rustls); each (send, receive) per library.
    let mut allocs = [[(0.0_f64, 0.0_f64); 3]; 2];
    let mut split = Vec::new();
    for (suite, etm) in [
        (Suite::Aes128Sha, true),
        (Suite::Aes256Sha256, true),
        (Suite::Aes128Sha, false),
        (Suite::Aes256Sha256, false),
        (Suite::EcdheRsaAes128Gcm, true),
    ] {
        let etm_text = if !suite.cbc() {
            ""
        } else if etm {
            " ETM on"
        } else {
            " ETM off"
        };
        for dir in [Dir::ClientToServer, Dir::ServerToClient] {
            progress(&format!("bulk {} {}{etm_text}", suite.label(), dir.label()));
            let n = sizes.bulk_records / ROUNDS;
            let (mut l, mut o, mut r) = (Vec::new(), Vec::new(), Vec::new());
            let mut oneg = common::Negotiated::default();
            for _ in 0..ROUNDS {
                l.push(lu.bulk(suite, dir, etm, n));
                let (b, neg) = os.bulk(suite, dir, etm, n);
                o.push(b);
                oneg = neg;
                if suite.ecdhe() {
                    r.push(rl.bulk(suite, dir, n));
                }
            }
            let (l, o) = (median_bulk(&l), median_bulk(&o));
            let r = suite.ecdhe().then(|| median_bulk(&r));
            let name = if etm {
                format!("bulk 16 KiB records {} {}", suite.label(), dir.label())
            } else {
                format!(
                    "bulk 16 KiB records {} {}, ETM off (MAC-then-encrypt)",
                    suite.label(),
                    dir.label()
                )
            };
            rows.push(Row::new(
                &name,
                "MB/s",
                Better::Higher,
                l.mb_s,
                o.mb_s,
                r.map(|r| r.mb_s),
            ));
            if !etm {
                // The pair rows hide which side bounds them; issue 18's MtE target is on
                // the receiver alone.
                for (side, lv, ov) in [
                    ("sender", l.send_us, o.send_us),
                    ("receiver", l.recv_us, o.recv_us),
                ] {
                    rows.push(Row::new(
                        &report::mte_cpu_row(suite, dir, side),
                        "us",
                        Better::Lower,
                        lv,
                        ov,
                        None,
                    ));
                }
            }
            let a = &mut allocs[usize::from(suite.ecdhe())];
            for (slot, b) in a.iter_mut().zip([Some(l), Some(o), r]) {
                if let Some(b) = b {
                    slot.0 = slot.0.max(b.send_allocs_per_record);
                    slot.1 = slot.1.max(b.recv_allocs_per_record);
                }
            }
            split.push(format!(
                "{} {}{}: lucid {:.1} / {:.1}, OpenSSL {:.1} / {:.1}{}",
                suite.label(),
                dir.label(),
                if etm { "" } else { " ETM off" },
                l.send_us,
                l.recv_us,
                o.send_us,
                o.recv_us,
                r.map(|r| format!(", rustls {:.1} / {:.1}", r.send_us, r.recv_us))
                    .unwrap_or_default(),
            ));
            if dir == Dir::ClientToServer {
                notes.push(format!(
                    "Bulk {}{etm_text}: OpenSSL negotiated {} (EMS {}, ETM {}); bytes on the wire per 16 KiB record: lucid {}, OpenSSL {}{}.",
                    suite.label(),
                    oneg.suite,
                    oneg.ems,
                    oneg.etm,
                    l.wire_per_record,
                    o.wire_per_record,
                    r.map(|r| format!(", rustls {}", r.wire_per_record)).unwrap_or_default(),
                ));
            }
        }
    }
    notes.push(format!(
        "Bulk CPU per 16 KiB record, sender / receiver µs (a separate pass that reads the clock around each side's calls): {}.",
        split.join("; ")
    ));
    for (i, what) in [
        "AES128-SHA, AES256-SHA256",
        Suite::EcdheRsaAes128Gcm.label(),
    ]
    .into_iter()
    .enumerate()
    {
        let [l, o, r] = allocs[i];
        let gcm = i == 1;
        rows.push(Row::new(
            &format!("heap allocations per 16 KiB record sent, {what}"),
            "allocs",
            Better::Lower,
            l.0,
            o.0,
            gcm.then_some(r.0),
        ));
        rows.push(Row::new(
            &format!("heap allocations per 16 KiB record received, {what}"),
            "allocs",
            Better::Lower,
            l.1,
            o.1,
            gcm.then_some(r.1),
        ));
    }

    // The primitives under the ECDHE-GCM rows, alone (rustls' column: ring).
    progress("components: AES-128-GCM, x25519, RSA-2048 verify");
    let mut comps = components::Components::new(&pki);
    let rounds: Vec<components::Round> = (0..ROUNDS)
        .map(|_| {
            comps.round(
                sizes.bulk_records * 2 / ROUNDS,
                sizes.full_handshakes * 5 / ROUNDS,
            )
        })
        .collect();
    let med3 = |f: &dyn Fn(&components::Round) -> (f64, f64, f64)| {
        (
            median(rounds.iter().map(|r| f(r).0).collect()),
            median(rounds.iter().map(|r| f(r).1).collect()),
            median(rounds.iter().map(|r| f(r).2).collect()),
        )
    };
    for (name, (l, o, r)) in [
        (
            "component: AES-128-GCM seal, one 16 KiB record",
            med3(&|r| r.gcm_seal),
        ),
        (
            "component: AES-128-GCM open, one 16 KiB record (with a 16 KiB copy in)",
            med3(&|r| r.gcm_open),
        ),
        (
            "component: x25519 key pair + shared secret (one side's ECDHE)",
            med3(&|r| r.x25519),
        ),
        (
            "component: RSA-2048 PKCS#1 v1.5 SHA-256 verify, key parsed from its SPKI",
            med3(&|r| r.rsa_verify),
        ),
    ] {
        rows.push(Row::new(name, "us", Better::Lower, l, o, Some(r)));
    }
    let (portable_seal_us, ctr_us, ghash_us) = (
        median(rounds.iter().map(|r| r.portable_seal).collect()),
        median(rounds.iter().map(|r| r.ctr).collect()),
        median(rounds.iter().map(|r| r.ghash).collect()),
    );
    let gcm_backend = lucid_core::internal::crypto::gcm_backend();
    notes.push(format!(
        "Component rows: each primitive alone, in the same process and rounds (rustls' column is ring, its crypto provider here). GCM: lucid through its record layer (`RecordSealer`/`RecordOpener`) over {}, OpenSSL through EVP aes-128-gcm, ring through `LessSafeKey`. lucid's portable GCM, the `aes-gcm` crate (its fallback without `graviola-gcm` or on CPUs graviola does not support), per 16 KiB: a whole seal {portable_seal_us:.2} us, of which the AES-128-CTR pass (`ctr` over `aes`) {ctr_us:.2} us and the GHASH pass (`ghash` over `polyval`) {ghash_us:.2} us. x25519: lucid's is `x25519-dalek` as `crypto/ecdh.rs` calls it. RSA verify: lucid's `x509::signature::verify_signature`, the path every certificate and ServerKeyExchange signature takes.",
        report::gcm_backend_label(gcm_backend),
    ));

    progress("idle connection memory");
    let n = sizes.idle_connections;
    let variants = [
        (Idle::Ping, "memory per idle established connection"),
        (
            Idle::PingOnDemand,
            "memory per idle established connection, lucid RecordBuffers::OnDemand",
        ),
        (
            Idle::BulkOnDemand,
            "memory per idle connection after a 16 KiB record each way, lucid RecordBuffers::OnDemand",
        ),
        (
            Idle::BulkReleased,
            "memory per idle connection after a 16 KiB record each way, buffers released",
        ),
    ];
    for suite in [Suite::Aes128Sha, Suite::EcdheRsaAes128Gcm] {
        for (idle, name) in variants {
            let lm = lu.idle_memory(suite, n, idle);
            let om = os.idle_memory(&pki, suite, n, idle);
            let rm = (suite.ecdhe() && !idle.released()).then(|| rl.idle_memory(suite, n, idle));
            for (side, l, o, r) in [
                (
                    "client",
                    lm.client,
                    om.client,
                    rm.as_ref().map(|m| m.client),
                ),
                (
                    "server",
                    lm.server,
                    om.server,
                    rm.as_ref().map(|m| m.server),
                ),
            ] {
                rows.push(Row::new(
                    &format!("{name} ({}): {side}", suite.label_kx()),
                    "bytes",
                    Better::Lower,
                    l,
                    o,
                    r,
                ));
            }
        }
    }
    notes.push(
        "Memory: OpenSSL's is its heap through CRYPTO_set_mem_functions plus the Rust-side stream wrapper (default modes; SSL_MODE_RELEASE_BUFFERS in the \"buffers released\" rows, where lucid calls `Connection::release_buffers()`); lucid and rustls: live Rust heap of the boxed connection (counting allocator). Idle rows: a handshake, then (where the row says so) one 16 KiB record each way, then one 4-byte message each way; lucid's default preallocates both record buffers (no allocation after the handshake, as DESIGN.md requires), `RecordBuffers::OnDemand` sizes them to the records seen, the other libraries run their defaults in those rows. Session caches excluded; rustls has no way to release its buffers, hence no value in that row."
            .to_string(),
    );

    let elapsed = started.elapsed().as_secs_f64();
    progress("done");
    let cpu = report::cpu_info();
    let targets = report::targets(&rows, rsa_lucid, rsa_ossl, rsa_lucid_ossl, timing);
    let ecdhe_bounds = report::ecdhe_bounds(
        &rows,
        &report::EcdheFacts {
            gcm_backend,
            avx512_gcm: avx512_gcm(),
            portable_seal_us,
            ctr_us,
            ghash_us,
            rsa_lucid,
            rsa_lucid_ossl,
            rsa_ossl,
        },
    );
    let ctx = report::Context {
        rounds: ROUNDS,
        quick: args.quick,
        sizes,
        elapsed,
        cpu,
        notes,
        targets,
        ecdhe_bounds,
    };
    let table = report::text_table(&rows);
    println!("{table}");
    println!("{}", report::text_targets(&ctx));
    std::fs::create_dir_all(&args.out).unwrap();
    let json_path = args.out.join("summary.json");
    std::fs::write(&json_path, report::json(&rows)).unwrap();
    let md = report::markdown(&rows, &ctx);
    std::fs::write(args.out.join("BENCHMARKS.md"), &md).unwrap();
    println!("wrote {}", json_path.display());
    if let Some(p) = args.benchmarks_md {
        // The Embedded section comes from `cargo xtask embedded`, not from this run: keep it.
        let old = std::fs::read_to_string(&p).unwrap_or_default();
        let md = match (old.find(EMBEDDED_BEGIN), old.find(EMBEDDED_END)) {
            (Some(b), Some(e)) if b < e => {
                format!("{md}\n{}\n", &old[b..e + EMBEDDED_END.len()])
            }
            _ => md,
        };
        std::fs::write(&p, &md).unwrap();
        println!("wrote {}", p.display());
    }
}

/// Whether graviola's AES-GCM takes its 512-bit path on this CPU (graviola's own test:
/// AVX-512 F, BW and VL, VPCLMULQDQ, VAES).
fn avx512_gcm() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("vpclmulqdq")
            && std::is_x86_feature_detected!("vaes")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
