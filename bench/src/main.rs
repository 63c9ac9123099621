//! `lucid-bench`: lucid, OpenSSL (the system libssl 3 through the `openssl` crate) and
//! rustls (ring) doing the same work in one process over in-memory transports with the
//! RSA-2048 `testdata/pki` chain. Run through `cargo xtask bench [--quick]`.
//!
//! Writes a table to stdout, `<out>/summary.json` (a list of
//! `{"name","unit","lucid","openssl","rustls","ratio"}`, ratio = lucid vs OpenSSL with
//! higher = lucid better) and, when given `--benchmarks-md PATH`, that Markdown file.
//!
//! CPU is the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), charged to the side
//! whose calls ran; everything runs on one thread, so "pair" figures are client + server
//! on one core.

mod common;
mod lucid;
mod measure;
mod ossl;
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

/// One workload, long enough for `perf record` / callgrind.
fn profile(workload: &str, lu: &mut lucid::Lucid, os: &ossl::OpenSsl) {
    let t = Instant::now();
    let what = match workload {
        "lucid-bulk-etm" => format!(
            "{:?}",
            lu.bulk(Suite::Aes128Sha, Dir::ClientToServer, true, 40_000)
        ),
        "lucid-bulk-mte" => format!(
            "{:?}",
            lu.bulk(Suite::Aes128Sha, Dir::ClientToServer, false, 40_000)
        ),
        "lucid-bulk256-etm" => format!(
            "{:?}",
            lu.bulk(Suite::Aes256Sha256, Dir::ClientToServer, true, 40_000)
        ),
        "openssl-bulk-etm" => format!(
            "{:?}",
            os.bulk(Suite::Aes128Sha, Dir::ClientToServer, true, 40_000)
                .0
        ),
        "lucid-resumed" => format!("{:?}", lu.resumed_handshakes(20_000)),
        "lucid-full-client" => format!(
            "{:?}",
            lu.full_handshakes(Arc::new(os.lucid_key()), 2_000).0
        ),
        other => panic!("unknown workload {other}"),
    };
    eprintln!("{workload}: {what} in {:.1} s", t.elapsed().as_secs_f64());
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
    if let Some(w) = &args.profile {
        profile(w, &mut lu, &os);
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
        "Timing test (dudect-style, issue 18): lucid's RSA-2048 private operation          (`RsaCrateKey::decrypt_raw`, the default backend), one fixed ciphertext vs 1,024          random ones, class drawn at random per run, each run timed alone: {} runs in {:.0} s          (budget {budget:.0} s; 10^5 did not fit{}), mean {:.1} us fixed / {:.1} us random;          Welch's |t| = {:.2} raw, {:.2} after cropping at the {:.0}th percentile          (threshold 4.5).",
        tt.runs,
        tt.secs,
        if tt.runs >= 100_000 { " -- it did" } else { "" },
        tt.mean_fixed_us,
        tt.mean_random_us,
        tt.t_raw.abs(),
        tt.t_cropped.abs(),
        tt.crop_percentile * 100.0,
    ));
    eprintln!("{}", notes.last().unwrap());

    // Full handshakes.
    progress("full handshakes");
    let n = sizes.full_handshakes / ROUNDS;
    let (mut l, mut lo, mut o, mut r) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut lneg, mut oneg) = Default::default();
    for _ in 0..ROUNDS {
        let (h, neg) = lu.full_handshakes(lu.default_key(), n);
        l.push(h);
        lneg = neg;
        lo.push(lu.full_handshakes(Arc::new(os.lucid_key()), n).0);
        let (h, neg) = os.full_handshakes(n);
        o.push(h);
        oneg = neg;
        r.push(rl.full_handshakes(n));
    }
    let (lf, lf_o, of, rf) = (median_hs(&l), median_hs(&lo), median_hs(&o), median_hs(&r));
    let (lneg, oneg): (common::Negotiated, common::Negotiated) = (lneg, oneg);
    notes.push(format!(
        "Handshakes negotiate TLS 1.2 {} — lucid: EMS {}, ETM {}; OpenSSL: {} EMS {}, ETM {}; rustls: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (EMS).",
        "TLS_RSA_WITH_AES_128_CBC_SHA", lneg.ems, lneg.etm, oneg.suite, oneg.ems, oneg.etm
    ));
    let _ = lneg.suite;
    rows.push(Row::new(
        "full handshake: client CPU",
        "us",
        Better::Lower,
        lf.client_us,
        of.client_us,
        Some(rf.client_us),
    ));
    rows.push(Row::new(
        "full handshake: server CPU",
        "us",
        Better::Lower,
        lf.server_us,
        of.server_us,
        Some(rf.server_us),
    ));
    rows.push(Row::new(
        "full handshake: server CPU, lucid openssl-key backend",
        "us",
        Better::Lower,
        lf_o.server_us,
        of.server_us,
        None,
    ));
    rows.push(Row::new(
        "full handshake: pair, one core",
        "hs/s",
        Better::Higher,
        lf.pair_per_s(),
        of.pair_per_s(),
        Some(rf.pair_per_s()),
    ));
    rows.push(Row::new(
        "full handshake: pair, lucid openssl-key backend",
        "hs/s",
        Better::Higher,
        lf_o.pair_per_s(),
        of.pair_per_s(),
        None,
    ));

    progress("resumed handshakes");
    let n = sizes.resumed_handshakes / ROUNDS;
    let (mut l, mut o, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        l.push(lu.resumed_handshakes(n));
        o.push(os.resumed_handshakes(n));
        r.push(rl.resumed_handshakes(n));
    }
    let (lr, or, rr) = (median_hs(&l), median_hs(&o), median_hs(&r));
    rows.push(Row::new(
        "resumed handshake (session ID): client CPU",
        "us",
        Better::Lower,
        lr.client_us,
        or.client_us,
        Some(rr.client_us),
    ));
    rows.push(Row::new(
        "resumed handshake (session ID): server CPU",
        "us",
        Better::Lower,
        lr.server_us,
        or.server_us,
        Some(rr.server_us),
    ));
    rows.push(Row::new(
        "resumed handshake (session ID): pair, one core",
        "hs/s",
        Better::Higher,
        lr.pair_per_s(),
        or.pair_per_s(),
        Some(rr.pair_per_s()),
    ));

    // Bulk.
    let mut alloc_send = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut alloc_recv = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut split = Vec::new();
    for (suite, etm) in [
        (Suite::Aes128Sha, true),
        (Suite::Aes256Sha256, true),
        (Suite::Aes128Sha, false),
        (Suite::Aes256Sha256, false),
    ] {
        for dir in [Dir::ClientToServer, Dir::ServerToClient] {
            progress(&format!(
                "bulk {} {} ETM {}",
                suite.label(),
                dir.label(),
                if etm { "on" } else { "off" }
            ));
            let n = sizes.bulk_records / ROUNDS;
            let (mut l, mut o, mut r) = (Vec::new(), Vec::new(), Vec::new());
            let mut oneg = common::Negotiated::default();
            for _ in 0..ROUNDS {
                l.push(lu.bulk(suite, dir, etm, n));
                let (b, neg) = os.bulk(suite, dir, etm, n);
                o.push(b);
                oneg = neg;
                if etm {
                    r.push(rl.bulk(suite, dir, n));
                }
            }
            let (l, o) = (median_bulk(&l), median_bulk(&o));
            let r = etm.then(|| median_bulk(&r));
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
            {
                alloc_send.0 = alloc_send.0.max(l.send_allocs_per_record);
                alloc_send.1 = alloc_send.1.max(o.send_allocs_per_record);
                alloc_send.2 = alloc_send
                    .2
                    .max(r.map_or(0.0, |r| r.send_allocs_per_record));
                alloc_recv.0 = alloc_recv.0.max(l.recv_allocs_per_record);
                alloc_recv.1 = alloc_recv.1.max(o.recv_allocs_per_record);
                alloc_recv.2 = alloc_recv
                    .2
                    .max(r.map_or(0.0, |r| r.recv_allocs_per_record));
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
                    "Bulk {} ETM {}: OpenSSL negotiated {} (EMS {}, ETM {}); bytes on the wire per 16 KiB record: lucid {}, OpenSSL {}{}.",
                    suite.label(),
                    if etm { "on" } else { "off" },
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
    rows.push(Row::new(
        "heap allocations per 16 KiB record sent",
        "allocs",
        Better::Lower,
        alloc_send.0,
        alloc_send.1,
        Some(alloc_send.2),
    ));
    rows.push(Row::new(
        "heap allocations per 16 KiB record received",
        "allocs",
        Better::Lower,
        alloc_recv.0,
        alloc_recv.1,
        Some(alloc_recv.2),
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
    for (idle, name) in variants {
        let lm = lu.idle_memory(n, idle);
        let om = os.idle_memory(&pki, n, idle);
        let rm = (!idle.released()).then(|| rl.idle_memory(n, idle));
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
                &format!("{name}: {side}"),
                "bytes",
                Better::Lower,
                l,
                o,
                r,
            ));
        }
    }
    notes.push(
        "Memory: OpenSSL's is its heap through CRYPTO_set_mem_functions plus the Rust-side stream wrapper (default modes; SSL_MODE_RELEASE_BUFFERS in the \"buffers released\" rows, where lucid calls `Connection::release_buffers()`); lucid and rustls: live Rust heap of the boxed connection (counting allocator). Idle rows: a handshake, then (where the row says so) one 16 KiB record each way, then one 4-byte message each way; lucid's default preallocates both record buffers (no allocation after the handshake, as DESIGN.md requires), `RecordBuffers::OnDemand` sizes them to the records seen, the other libraries run their defaults in those rows. Session caches excluded; rustls has no way to release its buffers, hence no value in that row."
            .to_string(),
    );

    let elapsed = started.elapsed().as_secs_f64();
    progress("done");
    let cpu = report::cpu_info();
    let targets = report::targets(&rows, rsa_lucid, rsa_ossl, rsa_lucid_ossl);
    let ctx = report::Context {
        rounds: ROUNDS,
        quick: args.quick,
        sizes,
        elapsed,
        cpu,
        notes,
        targets,
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
