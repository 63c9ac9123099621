//! The targets each issue sets, checked against this run's rows.

use super::*;

/// One target and its verdict.
#[derive(Debug, Clone)]
pub struct Target {
    pub what: String,
    pub measured: String,
    pub met: bool,
}

pub(super) fn find<'a>(rows: &'a [Row], name: &str) -> &'a Row {
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
