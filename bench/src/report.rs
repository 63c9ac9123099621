//! The table, the JSON summary, BENCHMARKS.md and the target verdicts.

use std::fmt::Write as _;

use crate::common::{Dir, Sizes, Suite};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub unit: &'static str,
    pub better: Better,
    pub lucid: f64,
    pub openssl: f64,
    pub rustls: Option<f64>,
}

impl Row {
    pub fn new(
        name: &str,
        unit: &'static str,
        better: Better,
        lucid: f64,
        openssl: f64,
        rustls: Option<f64>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            unit,
            better,
            lucid,
            openssl,
            rustls,
        }
    }

    /// lucid vs OpenSSL, higher = lucid better. `None` when lucid is at zero and OpenSSL is
    /// not (an infinite ratio, e.g. zero allocations against some).
    pub fn ratio(&self) -> Option<f64> {
        match self.better {
            Better::Higher => Some(self.lucid / self.openssl),
            Better::Lower => {
                if self.lucid == 0.0 {
                    (self.openssl == 0.0).then_some(1.0)
                } else {
                    Some(self.openssl / self.lucid)
                }
            }
        }
    }
}

fn num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn ratio_text(r: Option<f64>) -> String {
    match r {
        Some(r) => format!("{r:.2}x"),
        None => "inf".into(),
    }
}

pub fn text_table(rows: &[Row]) -> String {
    let w = rows
        .iter()
        .map(|r| r.name.len() + r.unit.len() + 3)
        .max()
        .unwrap_or(10);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<w$} {:>10} {:>10} {:>10} {:>8}",
        "benchmark (unit)", "lucid", "openssl", "rustls", "ratio"
    );
    for r in rows {
        let name = format!("{} ({})", r.name, r.unit);
        let _ = writeln!(
            s,
            "{:<w$} {:>10} {:>10} {:>10} {:>8}",
            name,
            num(r.lucid),
            num(r.openssl),
            r.rustls.map(num).unwrap_or_else(|| "-".into()),
            ratio_text(r.ratio())
        );
    }
    s
}

fn json_num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".into(),
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

pub fn json(rows: &[Row]) -> String {
    let mut s = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {{\"name\": {}, \"unit\": {}, \"lucid\": {}, \"openssl\": {}, \"rustls\": {}, \"ratio\": {}}}{}",
            json_str(&r.name),
            json_str(r.unit),
            json_num(Some(r.lucid)),
            json_num(Some(r.openssl)),
            json_num(r.rustls),
            json_num(r.ratio()),
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    s.push_str("]\n");
    s
}

#[derive(Debug, Clone)]
pub struct Cpu {
    pub model: String,
    pub aes_ni: bool,
    pub sha_ni: bool,
    pub avx512: bool,
    pub vaes: bool,
    pub cores: usize,
}

pub fn cpu_info() -> Cpu {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    Cpu {
        model: field("model name"),
        aes_ni: has("aes"),
        sha_ni: has("sha_ni"),
        avx512: has("avx512f"),
        vaes: has("vaes"),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// One target and its verdict.
#[derive(Debug, Clone)]
pub struct Target {
    pub what: String,
    pub measured: String,
    pub met: bool,
}

fn find<'a>(rows: &'a [Row], name: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

/// A block of targets under one heading ("issue 9", "issue 15").
#[derive(Debug, Clone)]
pub struct TargetGroup {
    pub issue: u32,
    pub targets: Vec<Target>,
}

/// The measured values of a row as a target's evidence, rustls beside when it ran.
fn evidence(r: &Row) -> String {
    let x = r.ratio().unwrap_or(f64::INFINITY);
    let mut s = format!(
        "{x:.2}x (lucid {} {u}, OpenSSL {} {u}",
        num(r.lucid),
        num(r.openssl),
        u = r.unit
    );
    if let Some(rl) = r.rustls {
        let vs = match r.better {
            Better::Higher => r.lucid / rl,
            Better::Lower => rl / r.lucid,
        };
        let _ = write!(s, ", rustls {} {}: lucid {vs:.2}x rustls", num(rl), r.unit);
    }
    s.push(')');
    s
}

pub fn targets(
    rows: &[Row],
    rsa_lucid: f64,
    rsa_ossl: f64,
    rsa_lucid_ossl: f64,
    timing: TimingVerdict,
) -> Vec<TargetGroup> {
    vec![
        TargetGroup {
            issue: 9,
            targets: targets_issue9(rows, rsa_lucid, rsa_ossl, rsa_lucid_ossl),
        },
        TargetGroup {
            issue: 15,
            targets: targets_issue15(rows),
        },
        TargetGroup {
            issue: 18,
            targets: targets_issue18(rows, timing),
        },
    ]
}

/// The per-record CPU row of one side (`"sender"` / `"receiver"`) of a MAC-then-encrypt
/// bulk run.
pub fn mte_cpu_row(suite: Suite, dir: Dir, side: &str) -> String {
    format!(
        "bulk 16 KiB records {} {}, ETM off (MAC-then-encrypt): {side} CPU per record",
        suite.label(),
        dir.label()
    )
}

/// The dudect-style timing test of lucid's RSA-2048 private operation: Welch's |t| over
/// `runs` runs, raw and cropped.
#[derive(Debug, Clone, Copy)]
pub struct TimingVerdict {
    pub runs: usize,
    pub t_raw: f64,
    pub t_cropped: f64,
}

/// Issue 18: the default backend's RSA private operation and server handshake, the
/// client's full handshake, the timing test, and the MAC-then-encrypt receiver (the
/// constant-time Lucky-13 path) against OpenSSL's.
fn targets_issue18(rows: &[Row], timing: TimingVerdict) -> Vec<Target> {
    let mut t = Vec::new();
    for (name, what, min) in [
        (
            "full handshake AES128-SHA: server CPU".to_string(),
            "full handshake (AES128-SHA), server CPU, default backend (lucid's RSA arithmetic)",
            0.5,
        ),
        (
            "RSA-2048 private-key op, testdata key (lucid default backend: lucid arithmetic)"
                .to_string(),
            "RSA-2048 private-key op, default backend, at most 2x OpenSSL's time, i.e.",
            0.5,
        ),
        (
            "full handshake AES128-SHA: client CPU".to_string(),
            "full handshake (AES128-SHA), client CPU",
            2.5,
        ),
    ] {
        let r = find(rows, &name);
        let x = r.ratio().unwrap_or(f64::INFINITY);
        t.push(Target {
            what: format!("{what} >= {min:.1}x OpenSSL"),
            measured: evidence(r),
            met: x >= min,
        });
    }
    t.push(Target {
        what: "timing test of the RSA-2048 private operation (fixed vs random ciphertexts), \
               Welch's |t| < 4.5 over >= 10^5 runs"
            .to_string(),
        measured: format!(
            "|t| = {:.2} raw, {:.2} cropped, {} runs",
            timing.t_raw.abs(),
            timing.t_cropped.abs(),
            timing.runs
        ),
        met: timing.runs >= 100_000 && timing.t_raw.abs() < 4.5 && timing.t_cropped.abs() < 4.5,
    });
    for suite in [Suite::Aes128Sha, Suite::Aes256Sha256] {
        for dir in [Dir::ClientToServer, Dir::ServerToClient] {
            let name = mte_cpu_row(suite, dir, "receiver");
            let r = find(rows, &name);
            let x = r.ratio().unwrap_or(f64::INFINITY);
            t.push(Target {
                what: format!("{name} >= 1.0x OpenSSL"),
                measured: evidence(r),
                met: x >= 1.0,
            });
        }
    }
    t
}

/// Issue 15: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over x25519, all three libraries.
fn targets_issue15(rows: &[Row]) -> Vec<Target> {
    let suite = Suite::EcdheRsaAes128Gcm;
    let mut t = Vec::new();
    let mut at_least = |name: String, what: String, min: f64| {
        let r = find(rows, &name);
        let x = r.ratio().unwrap_or(f64::INFINITY);
        t.push(Target {
            what: format!("{what} >= {min:.1}x OpenSSL"),
            measured: evidence(r),
            met: x >= min,
        });
    };
    for dir in [Dir::ClientToServer, Dir::ServerToClient] {
        let name = format!("bulk 16 KiB records {} {}", suite.label(), dir.label());
        at_least(name.clone(), name, 1.0);
    }
    at_least(
        format!("full handshake {}: client CPU", suite.label_kx()),
        format!("ECDHE full handshake ({}), client CPU", suite.label_kx()),
        1.5,
    );
    for side in ["client", "server"] {
        at_least(
            format!(
                "resumed handshake (session ID) {}: {side} CPU",
                suite.label()
            ),
            format!("resumed handshake ({}), {side} CPU", suite.label()),
            3.0,
        );
    }
    for dir in ["sent", "received"] {
        let r = find(
            rows,
            &format!(
                "heap allocations per 16 KiB record {dir}, {}",
                suite.label()
            ),
        );
        t.push(Target {
            what: format!(
                "heap allocations per 16 KiB record {dir}, {} = 0",
                suite.label()
            ),
            measured: format!(
                "{} (OpenSSL {}, rustls {})",
                num(r.lucid),
                num(r.openssl),
                r.rustls.map(num).unwrap_or_else(|| "-".into())
            ),
            met: r.lucid == 0.0,
        });
    }
    t
}

/// Issue 9: the RSA-key-exchange CBC suites, lucid against OpenSSL.
fn targets_issue9(rows: &[Row], rsa_lucid: f64, rsa_ossl: f64, rsa_lucid_ossl: f64) -> Vec<Target> {
    let mut t = Vec::new();
    let ratio = |name: &str| find(rows, name).ratio().unwrap_or(f64::INFINITY);
    let hs = Suite::Aes128Sha.label_kx();
    for r in rows.iter().filter(|r| {
        r.name.starts_with("bulk") && !r.name.contains("ETM off") && !r.name.contains("GCM")
    }) {
        let x = r.ratio().unwrap_or(f64::INFINITY);
        t.push(Target {
            what: format!("{} >= 1.0x OpenSSL", r.name),
            measured: format!("{x:.2}x"),
            met: x >= 1.0,
        });
    }
    let x = ratio(&format!("full handshake {hs}: client CPU"));
    t.push(Target {
        what: format!("full handshake ({hs}), client CPU >= 1.0x OpenSSL"),
        measured: format!("{x:.2}x"),
        met: x >= 1.0,
    });
    let s_default = find(rows, &format!("full handshake {hs}: server CPU")).lucid;
    let k = s_default / rsa_lucid;
    t.push(Target {
        what: format!("full handshake ({hs}), server CPU <= 1.15x one RSA-2048 private op of the backend in use (default backend)"),
        measured: format!("{k:.2}x ({s_default:.0} us / {rsa_lucid:.0} us)"),
        met: k <= 1.15,
    });
    let fast_row = format!("full handshake {hs}: server CPU, lucid openssl-key backend");
    let s_fast = find(rows, &fast_row).lucid;
    let k = s_fast / rsa_lucid_ossl;
    t.push(Target {
        what: format!("full handshake ({hs}), server CPU <= 1.15x one RSA-2048 private op of the backend in use (lucid-blocking openssl-key backend)"),
        measured: format!("{k:.2}x ({s_fast:.0} us / {rsa_lucid_ossl:.0} us)"),
        met: k <= 1.15,
    });
    let x = ratio(&fast_row);
    t.push(Target {
        what: format!(
            "full handshake ({hs}), server CPU >= 0.8x OpenSSL with lucid's fastest backend (lucid-blocking openssl-key)"
        ),
        measured: format!(
            "{x:.2}x (default backend: {:.2}x; OpenSSL's own server / its RSA op: {:.2}x)",
            ratio(&format!("full handshake {hs}: server CPU")),
            find(rows, &format!("full handshake {hs}: server CPU")).openssl / rsa_ossl
        ),
        met: x >= 0.8,
    });
    for side in ["client", "server"] {
        let x = ratio(&format!(
            "resumed handshake (session ID) {}: {side} CPU",
            Suite::Aes128Sha.label()
        ));
        t.push(Target {
            what: format!("resumed handshake ({hs}), {side} CPU >= 1.0x OpenSSL"),
            measured: format!("{x:.2}x"),
            met: x >= 1.0,
        });
    }
    for (prefix, label) in [
        (
            "memory per idle established connection (",
            "memory per idle established connection, default (preallocated record buffers)",
        ),
        (
            "memory per idle established connection, lucid RecordBuffers::OnDemand (",
            "memory per idle established connection, RecordBuffers::OnDemand",
        ),
        (
            "memory per idle connection after a 16 KiB record each way, lucid RecordBuffers::OnDemand (",
            "memory per idle connection after 16 KiB records, RecordBuffers::OnDemand",
        ),
        (
            "memory per idle connection after a 16 KiB record each way, buffers released (",
            "memory per idle connection after 16 KiB records, after release_buffers()",
        ),
    ] {
        for side in ["client", "server"] {
            let name = format!("{prefix}{hs}): {side}");
            let Some(row) = rows.iter().find(|r| r.name == name) else {
                continue;
            };
            let b = row.lucid;
            t.push(Target {
                what: format!("{label} ({hs}, {side}) <= 32 KiB"),
                measured: format!("{b:.0} bytes ({:.1} KiB)", b / 1024.0),
                met: b <= 32.0 * 1024.0,
            });
        }
    }
    for dir in ["sent", "received"] {
        let a = find(
            rows,
            &format!("heap allocations per 16 KiB record {dir}, AES128-SHA, AES256-SHA256"),
        )
        .lucid;
        t.push(Target {
            what: format!("heap allocations per 16 KiB record {dir} (CBC suites) = 0"),
            measured: format!("{a}"),
            met: a == 0.0,
        });
    }
    t
}

pub struct Context {
    pub rounds: usize,
    pub quick: bool,
    pub sizes: Sizes,
    pub elapsed: f64,
    pub cpu: Cpu,
    pub notes: Vec<String>,
    pub targets: Vec<TargetGroup>,
    /// What bounds the ECDHE rows, from this run's numbers ([`ecdhe_bounds`]).
    pub ecdhe_bounds: Vec<String>,
}

/// How the notes name the GCM backend lucid's records ran on.
pub fn gcm_backend_label(backend: &str) -> &'static str {
    if backend == "graviola" {
        "graviola's stitched AES-GCM (lucid-core's `graviola-gcm` feature; this CPU has what it needs)"
    } else {
        "the portable `aes-gcm` crate"
    }
}

/// Measured values the ECDHE explanations quote besides the rows.
#[derive(Debug, Clone, Copy)]
pub struct EcdheFacts {
    /// The GCM backend lucid's records ran on (`lucid_core::internal::crypto::gcm_backend()`).
    pub gcm_backend: &'static str,
    /// Whether this CPU has what graviola's 512-bit AES-GCM path needs (AVX-512 F/BW/VL,
    /// VAES, VPCLMULQDQ); without them it runs its 128-bit AES-NI + PCLMULQDQ path.
    pub avx512_gcm: bool,
    /// lucid's portable GCM (the `aes-gcm` crate) over 16 KiB: a whole seal, then its
    /// AES-128-CTR and GHASH passes alone, µs.
    pub portable_seal_us: f64,
    pub ctr_us: f64,
    pub ghash_us: f64,
    /// RSA-2048 private op: lucid default backend, lucid openssl-key backend, OpenSSL; µs.
    pub rsa_lucid: f64,
    pub rsa_lucid_ossl: f64,
    pub rsa_ossl: f64,
}

/// What bounds each ECDHE-RSA-AES128-GCM-SHA256 result (issue 15), with this run's
/// numbers; the structure comes from `perf record` profiles of `lucid-bench --profile
/// lucid-bulk-gcm | openssl-bulk-gcm | rustls-bulk-gcm | lucid-full-ecdhe |
/// lucid-resumed-ecdhe | openssl-resumed-ecdhe`.
pub fn ecdhe_bounds(rows: &[Row], f: &EcdheFacts) -> Vec<String> {
    let suite = Suite::EcdheRsaAes128Gcm;
    let row = |name: &str| find(rows, name);
    let ratio = |name: &str| row(name).ratio().unwrap_or(f64::INFINITY);
    let seal = row("component: AES-128-GCM seal, one 16 KiB record");
    let open = row("component: AES-128-GCM open, one 16 KiB record (with a 16 KiB copy in)");
    let x = row("component: x25519 key pair + shared secret (one side's ECDHE)");
    let v = row("component: RSA-2048 PKCS#1 v1.5 SHA-256 verify, key parsed from its SPKI");
    let bulk = |d: Dir| format!("bulk 16 KiB records {} {}", suite.label(), d.label());
    let hs = |what: &str| format!("full handshake {}: {what}", suite.label_kx());
    let res = |what: &str| format!("resumed handshake (session ID) {}: {what}", suite.label());
    let (rs, rr) = (seal.rustls.unwrap_or(0.0), open.rustls.unwrap_or(0.0));
    let client = row(&hs("client CPU"));
    let verdict = |x: f64, min: f64| if x >= min { "met" } else { "missed" };
    let c2s = ratio(&bulk(Dir::ClientToServer));
    let s2c = ratio(&bulk(Dir::ServerToClient));
    let bulk_verdict = if c2s >= 1.0 && s2c >= 1.0 {
        "met"
    } else {
        "missed"
    };
    let seal_ratio = seal.ratio().unwrap_or(f64::INFINITY);
    let open_ratio = open.ratio().unwrap_or(f64::INFINITY);
    let bulk_bound = if f.gcm_backend == "graviola" {
        format!(
            "**Bulk, ECDHE-RSA-AES128-GCM-SHA256 (issue 15 target {bulk_verdict}: {c2s:.2}x / \
             {s2c:.2}x OpenSSL):** lucid's records ran on graviola's AES-GCM (lucid-core's \
             `graviola-gcm` feature, chosen at key setup because this CPU has the AES-NI, \
             PCLMULQDQ, AVX2, BMI and ADX graviola needs): AES-CTR and GHASH stitched in one \
             loop, {}, where OpenSSL 3.0 runs its stitched AES-NI + PCLMULQDQ assembly and \
             ring under rustls a stitched VAES/VPCLMULQDQ AVX2 one. Sealing one 16 KiB record through lucid's record layer \
             costs {:.2} us and opening one {:.2} us (OpenSSL {:.2} / {:.2}, ring {rs:.2} / \
             {rr:.2}): the cipher alone is {seal_ratio:.2}x (seal) / {open_ratio:.2}x (open) \
             OpenSSL's in this run. Records are sealed and opened in place with no \
             allocation. Without the feature, or on a CPU graviola does not support, lucid \
             falls back to the portable `aes-gcm` crate: {:.2} us per 16 KiB seal \
             ({:.2}x OpenSSL's), its AES-128-CTR ({:.2} us, the `aes` crate) and GHASH \
             ({:.2} us: `ghash` 0.6 over `polyval` 0.7, 128-bit PCLMULQDQ, every block \
             byte-reversed in memory) passes run one after the other. The bulk rows add \
             each library's record layer and the in-memory transport copies, and move more \
             from run to run on this shared machine. CPU per record on each side is in \
             Notes.",
            if f.avx512_gcm {
                "here its AVX-512 path (VAES and VPCLMULQDQ on 512-bit registers, 16 blocks \
                 per iteration, for records of 256 bytes and more); a CPU without AVX-512 gets \
                 its 128-bit AES-NI + PCLMULQDQ path, not measured here"
            } else {
                "here its 128-bit AES-NI + PCLMULQDQ path (this CPU lacks the AVX-512 VAES / \
                 VPCLMULQDQ its wide path needs)"
            },
            seal.lucid,
            open.lucid,
            seal.openssl,
            open.openssl,
            f.portable_seal_us,
            seal.openssl / f.portable_seal_us.max(0.01),
            f.ctr_us,
            f.ghash_us,
        )
    } else {
        format!(
            "**Bulk, ECDHE-RSA-AES128-GCM-SHA256 (issue 15 target {bulk_verdict}: {c2s:.2}x / \
             {s2c:.2}x OpenSSL):** the cipher is the bound, not lucid's record path. Sealing \
             one 16 KiB record through lucid's record layer costs {:.2} us on the portable \
             `aes-gcm` crate (lucid-core without `graviola-gcm`, or a CPU graviola does not \
             support), and the crate's two passes alone add up to as much: AES-128-CTR \
             ({:.2} us, the `aes` crate's VAES-512 backend) and then GHASH ({:.2} us: \
             `ghash` 0.6 over `polyval` 0.7, 128-bit PCLMULQDQ with a 4-block aggregated \
             reduction, and `ghash` byte-reverses every block in memory before POLYVAL sees \
             it). In a perf profile of lucid's bulk run ~63% of the samples are GHASH, ~17% \
             AES, ~9% memcpy; records are sealed and opened in place with no allocation. \
             GHASH alone costs about what OpenSSL's whole GCM does ({:.2} us seal / {:.2} us \
             open: OpenSSL 3.0's stitched AES-NI + PCLMULQDQ assembly, one pass), and ring, \
             under rustls, runs a stitched VAES/VPCLMULQDQ AVX2 GCM ({rs:.2} / {rr:.2} us), \
             which is why rustls leads these rows. The cipher alone is {seal_ratio:.2}x \
             (seal) / {open_ratio:.2}x (open) OpenSSL's in this run (component rows); the \
             bulk rows add each library's record layer and the in-memory transport copies, \
             and move more from run to run on this shared machine. Matching OpenSSL's seal \
             would take GHASH at ~{:.1} us instead of {:.1} ({:.1}x faster: wider \
             carry-less multiplies, the byte swap in registers, or the pass stitched with \
             CTR), i.e. a stitched GCM under lucid-core (its `unsafe_code = \"deny\"` rules \
             out its own intrinsics): its `graviola-gcm` feature on x86_64 and aarch64. CPU \
             per record on each side is in Notes.",
            seal.lucid,
            f.ctr_us,
            f.ghash_us,
            seal.openssl,
            open.openssl,
            (seal.openssl - f.ctr_us).max(0.1),
            f.ghash_us,
            f.ghash_us / (seal.openssl - f.ctr_us).max(0.1),
        )
    };
    vec![
        bulk_bound,
        format!(
            "**ECDHE full handshake, client (target 1.5x: {} at {:.2}x):** lucid's client runs \
             one x25519 key pair and shared secret ({:.0} us: `x25519-dalek`, serial 64-bit \
             field arithmetic; OpenSSL {:.0}, ring {:.0}) and three RSA-2048 PKCS#1 v1.5 \
             verifications, each with its key parsed from the certificate: the leaf \
             certificate's and the intermediate certificate's signatures and the \
             ServerKeyExchange ({:.0} us each; OpenSSL {:.0}, \
             ring {:.0}). That is ~{:.0} of its {:.0} us; the rest is hashing, the PRF and \
             records. OpenSSL 3.0's client is bounded outside the arithmetic: a verification \
             with its key parse costs it {:.0} us (the 3.0 decoder framework), and its \
             per-connection setup is heavy (see the resumed rows). rustls ({:.0} us) is ahead \
             of lucid mostly on RSA verification, where ring is {:.1}x faster. A lucid \
             verification is the key's setup (~2 us: R^2 mod n by one long division, \
             `Modulus::new_public`; it was 11 constant-time Montgomery squarings, ~19 us, \
             until issue 18) and e = 65537's 16 squarings and 2 products on 32 limbs \
             (baseline x86-64 `mul`, ~1.1 us each). In a perf profile of lucid's ECDHE \
             handshakes (client, and lucid's server on the openssl-key backend) those \
             products are ~32% of lucid's samples, x25519 (both sides) ~45%, DER \
             parsing ~6%.",
            verdict(ratio(&hs("client CPU")), 1.5),
            ratio(&hs("client CPU")),
            x.lucid,
            x.openssl,
            x.rustls.unwrap_or(0.0),
            v.lucid,
            v.openssl,
            v.rustls.unwrap_or(0.0),
            x.lucid + 3.0 * v.lucid,
            client.lucid,
            v.openssl,
            client.rustls.unwrap_or(0.0),
            v.lucid / v.rustls.unwrap_or(v.lucid),
        ),
        format!(
            "**ECDHE full handshake, server:** one RSA-2048 private-key operation signs the \
             ServerKeyExchange ({:.0} us on lucid's default backend, {:.0} us on the \
             openssl-key backend, {:.0} us in OpenSSL) and one x25519 key pair and shared \
             secret ({:.0} us); hashes and records are the rest. So lucid's server is {:.2}x \
             OpenSSL's with the default backend and {:.2}x with the openssl-key backend.",
            f.rsa_lucid,
            f.rsa_lucid_ossl,
            f.rsa_ossl,
            x.lucid,
            ratio(&hs("server CPU")),
            ratio(&hs("server CPU, lucid openssl-key backend")),
        ),
        format!(
            "**Resumed, ECDHE-RSA-AES128-GCM-SHA256 (target 3x: client {} at {:.2}x, server \
             {} at {:.2}x):** no key exchange and no certificates. Each side builds its hello, \
             runs the key block and two Finished PRF computations (HMAC-SHA-256 on SHA-NI), \
             keys AES-GCM both ways and seals or opens two records. In a perf profile of \
             lucid's resumed run SHA-256 compression is ~14% of the samples and the PRF ~17%; \
             the client also hashes its ClientHello with all four transcript hashes (MD5, \
             SHA-1, SHA-256, SHA-384) until the ServerHello names the PRF. About a third of \
             the harness's wall time here is its own reads of the CPU clock; the rows are \
             net of them (Notes), but any error in that correction weighs most on the \
             shortest handshakes, lucid's. OpenSSL 3.0's resumption is \
             bounded by object and allocation churn around the cryptography (EVP_MAC and \
             EVP_MD contexts created, duplicated and freed per PRF call, RAND_bytes, \
             ~13% of its samples in malloc), not by the cryptography itself.",
            verdict(ratio(&res("client CPU")), 3.0),
            ratio(&res("client CPU")),
            verdict(ratio(&res("server CPU")), 3.0),
            ratio(&res("server CPU")),
        ),
    ]
}

pub fn text_targets(ctx: &Context) -> String {
    let mut s = String::new();
    for g in &ctx.targets {
        let _ = writeln!(s, "targets (issue {}):", g.issue);
        for t in &g.targets {
            let _ = writeln!(
                s,
                "  [{}] {}: {}",
                if t.met { "met" } else { "NOT met" },
                t.what,
                t.measured
            );
        }
    }
    s
}

/// Today's UTC date (civil-from-days, H. Hinnant).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The analysis behind the numbers (profiles with `lucid-bench --profile WORKLOAD` under
/// `perf record -e cpu-clock`); structural, so it holds from run to run.
const BOUNDS: &[&str] = &[
    "**Bulk, ETM on (the default):** the work is one serial AES-CBC chain per record on the \
     sender (each block's AESENC rounds wait for the previous block) and HMAC (SHA-NI) over \
     every record on both sides. lucid interleaves the two in 64-byte groups inside a single \
     call of the AES backend (`SealInterleaved` / `OpenInterleaved` in \
     `crypto/cbc/interleave.rs`, safe Rust), so the CPU's out-of-order engine runs the hash \
     while the AES chain waits. The chaining block stays in a register (`cbc/mode.rs`, \
     `Chained`: the `cbc` crate's encryptor stored and reloaded it for every block, on the \
     critical path), and the jobs are `#[inline]` so that the AES rounds are inlined into \
     their loop whatever the codegen-unit partitioning (issue 13: without it the 16 KiB \
     AES128-SHA seal cost ~23 us instead of ~19). Quick runs on this host put that seal at \
     ~14-16 us against OpenSSL's ~23-25: OpenSSL 3.0 stitches AES and SHA only for \
     MAC-then-encrypt, so with ETM it runs them one after the other. What is left is the \
     AES-CBC chain itself (~12 us per 16 KiB for AES-128 in `openssl speed`) plus the \
     copies in and out.",
    "**Bulk, ETM off (MAC-then-encrypt):** these rows are sender + receiver on one core; \
     the CPU rows below them split the two sides. The sender interleaves as with ETM: the \
     MAC over the plaintext beside the encryption of the blocks that hold only plaintext, \
     then the blocks with the MAC and the padding. Quick runs on this host put it at \
     ~14 us per 16 KiB AES128-SHA record against ~13.6-14 for OpenSSL's stitched \
     `aesni_cbc_sha1_enc`: both are bounded by the AES-CBC chain. The receiver (issue 18 \
     target: >= 1.0x) decrypts the last block first (CBC decrypts any block from the one \
     before it) for the padding length, which fixes the length in the MAC's first block; \
     then it decrypts the record in 1 KiB groups while the MAC takes the blocks that are \
     data whatever the padding length (the decryption is not a serial chain, so larger \
     groups only save calls: at 64 bytes the per-group hash calls were ~13% of the \
     receiver), then runs the Lucky-13 part: every block where the \
     record may end (5-6 for SHA-1/SHA-256) built with masks and compressed, the padding \
     check over the last 256 bytes and the MAC copied out of its secret offset by a \
     masked scan. The masks are sign-bit arithmetic on the padding length, which passes \
     `subtle`'s barrier once per record (until issue 18 it was one non-inlined barrier \
     per byte and per offset, ~1,500 per record). Least-of-15 quick runs \
     (`--profile mte-min`) put the receiver at 1.04-1.12x OpenSSL's per AES128-SHA record \
     and 1.06-1.11x per AES256-SHA256 record (about 1.0x with the decryption as a pass of \
     its own, 0.97-1.00x with 64-byte groups); the medians of the full run above move a \
     few % either way on this shared host. What bounds it is the hash: SHA-NI over the \
     record plus the masked tail blocks, as in OpenSSL.",
    "**Server full handshake:** one RSA-2048 private-key operation is >95% of it; lucid's \
     own work (hashes, PRF, countermeasure, records) is ~15-25 us. lucid's default backend \
     runs lucid's own constant-time arithmetic (`arith/`: CRT + Garner, 5-bit fixed \
     windows, Montgomery products and dedicated squarings on 64-bit limbs). In perf, \
     squaring is ~68% of the op, multiplication ~19%, the masked table scan ~6%. The code \
     is baseline x86-64 (`mul r64` with `add`/`adc` chains: no MULX/ADX, since lucid-core \
     forbids the `unsafe` that runtime-dispatched target features need) and costs ~0.55 ns \
     per 64x64-bit limb product, against ~0.38 ns for back-to-back `mul r64` alone on this \
     host: at most ~1.4x is left in the scalar code. Running the two CRT halves' squarings \
     interleaved in one unrolled function (so that one's carry chains fill the other's \
     latency) measured 0.6x of two separate squarings: the doubled column state spills \
     registers. So the issue-18 targets for the default backend (server handshake >= 0.5x, \
     RSA-2048 op <= 2x OpenSSL's) are out of reach of safe scalar Rust on this CPU. \
     Against OpenSSL's own code for CPUs without AVX-512 IFMA (the row with \
     OPENSSL_ia32cap masking it, measured in a child process in the same run), lucid's \
     RSA-2048 op is above 0.5x: the gap to IFMA is the whole shortfall. \
     OpenSSL 3.0 runs RSA-2048's two \
     1024-bit halves together on AVX-512 IFMA (`rsaz_avx512`, which this CPU has) and \
     3072/4096 on MULX/ADCX/ADOX, hence lucid's ~0.3x at 2048 bits and ~0.5x at 3072 and \
     4096. The optional `lucid-blocking/openssl-key` backend (`OpensslRsaKey`) runs \
     OpenSSL's code. ring has no RSA decryption, aws-lc-rs only OAEP, and graviola \
     (lucid's GCM backend, MULX/ADX assembly for RSA) only signs and verifies — none \
     exposes the raw private operation the RSA key exchange needs.",
    "**Client full handshake and resumption (AES128-SHA; issue 18 target for the full \
     handshake: >= 2.5x):** lucid's client work is three RSA-2048 public-key operations \
     (the pre-master secret, two chain signatures) plus certificate parsing and hashing; \
     a resumed handshake is a few hashes and records on each side. In a perf profile of \
     lucid's client (`--profile lucid-full-client`, the server on the openssl-key backend) \
     the 32-limb Montgomery products of those three operations are ~55% of lucid's \
     samples, DER parsing of the two certificates ~12%, the key setups (`Modulus::new_public`, \
     one long division each) ~4%, SHA-256 ~4%. Until issue 18 each key setup was 11 \
     constant-time squarings (R^2 mod n), as much work as the exponentiation itself, and \
     the client took ~229 us (2.2x). The hardware bound is the same scalar `mul` chain as \
     the server's (~0.55 ns per limb product). OpenSSL 3.0 spends most of these handshakes \
     outside the cryptography (per-connection setup and lookups; not profiled in detail \
     here), rustls sits in between.",
    "**Memory per idle connection:** DESIGN.md requires that application data never \
     allocates once the handshake is done, so by default lucid allocates both record buffers \
     whole when a connection is created: one maximal ciphertext record to receive (5 + 2^14 \
     + 2048 = 18 437 bytes) and one maximal sealed record plus the TLS 1.0 split record to \
     send (16 523 bytes). That alone is 34.1 KiB, so the default cannot meet 32 KiB (OpenSSL's \
     default holds more). `RecordBuffers::OnDemand` (client and server configs) starts them \
     empty and grows them in steps (4 KiB receive, 1 KiB send) to the records actually seen, \
     then keeps them, so records stop allocating after the first large ones: a connection \
     that exchanges small messages holds ~8 KB, one that has moved 16 KiB records both \
     ways holds both maximal buffers again. `Connection::release_buffers()` frees empty \
     buffers when a connection goes idle (~3 KB left: keys, MAC states, negotiated \
     parameters); the next record allocates them again, as OpenSSL's \
     SSL_MODE_RELEASE_BUFFERS does on every record.",
];

pub fn markdown(rows: &[Row], ctx: &Context) -> String {
    let mut s = String::new();
    let c = &ctx.cpu;
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Produced by `cargo xtask bench{}` (`bench/`, one process, one run): lucid, OpenSSL \
         (`openssl` crate over Debian's libssl {}) and rustls 0.23 (ring provider) doing the same \
         work over in-memory transports with the RSA-2048 chain in `testdata/pki` \
         (root → intermediate → leaf; clients verify the chain and the name `localhost`).\n",
        if ctx.quick { " --quick" } else { "" },
        openssl::version::version(),
    );
    let _ = writeln!(s, "- Date: {}", today());
    let _ = writeln!(
        s,
        "- CPU: {} ({} logical cores visible; the machine is shared, so expect a few % noise)",
        c.model, c.cores
    );
    let _ = writeln!(
        s,
        "- CPU flags: AES-NI {}, SHA-NI {}, AVX-512 {}, VAES {}",
        yes(c.aes_ni),
        yes(c.sha_ni),
        yes(c.avx512),
        yes(c.vaes)
    );
    let _ = writeln!(
        s,
        "- Sizes: {} full / {} resumed handshakes per library, {} records per bulk run, {} idle connections, each measurement in {} interleaved rounds (median shown); run took {:.0} s{}",
        ctx.sizes.full_handshakes,
        ctx.sizes.resumed_handshakes,
        ctx.sizes.bulk_records,
        ctx.sizes.idle_connections,
        ctx.rounds,
        ctx.elapsed,
        if ctx.quick {
            " (`--quick`: small samples)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "\nRatio = lucid vs OpenSSL, higher = lucid better (OpenSSL/lucid for costs, lucid/OpenSSL for rates). CPU is thread CPU time charged to the side whose calls ran; \"pair\" is client + server on one core. Suites: the AES128-SHA / AES256-SHA256 rows are TLS_RSA_WITH_AES_128_CBC_SHA / TLS_RSA_WITH_AES_256_CBC_SHA256 (RSA key exchange), run by lucid and OpenSSL only: rustls implements neither RSA key exchange nor CBC. The ECDHE-RSA-AES128-GCM-SHA256 rows are TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over x25519 (signed with the same RSA-2048 leaf key), which all three libraries run: each is pinned to that one suite and group, and each library's own negotiated state is asserted to say so.\n"
    );
    let _ = writeln!(s, "| benchmark | unit | lucid | OpenSSL | rustls | ratio |");
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.name,
            r.unit,
            num(r.lucid),
            num(r.openssl),
            r.rustls.map(num).unwrap_or_else(|| "—".into()),
            ratio_text(r.ratio())
        );
    }
    for g in &ctx.targets {
        let _ = writeln!(s, "\n## Targets (issue {})\n", g.issue);
        for t in &g.targets {
            let _ = writeln!(
                s,
                "- {} **{}** — {}",
                if t.met { "✅" } else { "❌" },
                t.what,
                t.measured
            );
        }
    }
    let _ = writeln!(s, "\n## What bounds each result\n");
    for b in BOUNDS {
        let _ = writeln!(s, "- {b}");
    }
    for b in &ctx.ecdhe_bounds {
        let _ = writeln!(s, "- {b}");
    }
    let _ = writeln!(s, "\n## Notes\n");
    let _ = writeln!(
        s,
        "- A ratio of `inf` (`null` in summary.json) means lucid is at 0 where OpenSSL is not. Allocation rows are the maximum over the bulk runs of the suites they name (both directions; for the CBC suites ETM on and off)."
    );
    for n in &ctx.notes {
        let _ = writeln!(s, "- {n}");
    }
    s
}
