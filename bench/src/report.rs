//! The table, the JSON summary, BENCHMARKS.md and the target verdicts.

use std::fmt::Write as _;

use crate::common::{Dir, Sizes, Suite};

mod bounds;
mod targets;

use bounds::BOUNDS;
pub use bounds::{EcdheFacts, ecdhe_bounds, gcm_backend_label};
pub use targets::{TargetGroup, TimingVerdict, mte_cpu_row, targets};

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
