//! ECDHE key exchange (RFC 8422) against real peers on 127.0.0.1, both directions, with
//! openssl, gnutls and tlslite-ng.
//!
//! The matrix ([`matrix`]) is derived from lucid's suite table: every ECDHE suite ×
//! every version it allows, the ECDHE_RSA suites with the RSA certificate, the ECDHE_ECDSA
//! suites with the P-256 certificate, and each ECDHE_ECDSA suite once more with the P-384
//! certificate. Each cell names one group; the groups rotate across the cells (offset per
//! peer, so a suite meets a different group at each peer), and every group lucid implements
//! comes up in every direction with every peer. Nothing here lists suites by hand: a new
//! table entry lands in every section, and [`names`] derives each peer's names for it from
//! the entry's fields.
//!
//! Sections, each its own `#[test]` (so they run in parallel), each with long-lived servers
//! (started concurrently; lucid's: one per certificate, every ECDHE suite) and a client
//! pinning exactly one version, one suite and the cell's groups ([`Cell::offer`]). The
//! peer's view of each cell:
//!
//! - [`openssl`]: the lucid client against `openssl s_server -www` (its page: `Protocol`,
//!   `Cipher is`, and the chosen group first under `Shared groups`), plus one cell per
//!   group with the server forced to it by `-groups` while lucid offers all; `openssl
//!   s_client` against lucid's server (`Protocol`, `Cipher is`, `Server Temp Key`), plus
//!   s_client's default groups and one `-groups` cell per group;
//! - [`gnutls`]: the lucid client against `gnutls-serv --http` (its page: protocol version,
//!   ciphersuite, `(ECDHE-<group>)`), and `gnutls-cli -V` against lucid's server
//!   (`Version`, `Key Exchange`, `Cipher`, `MAC`, `(ECDHE-<group>)`);
//! - [`tlslite`]: the lucid client against tlslite-ng's `tls.py server` (its log: `Version`,
//!   `Ciphersuite`; the group by running one server per group with `--groups`, as tls.py
//!   does not print a TLS 1.2 server's group), and a tlslite-ng client through its API, one
//!   process for every cell, against lucid's server (version, suite and `ecdhCurve`).
//!
//! Each section also resumes ECDHE sessions ([`resumption_cells`]: both certificate types,
//! every version, every PRF): lucid reports `resumed` and no group for the abbreviated
//! handshake, and the peer says it resumed (openssl `Reused`, gnutls `This is a resumed
//! session`, tlslite `resumed`). lucid's server answers every request with a page naming
//! what it negotiated, which the client's output must show.
//!
//! The sections with lucid's server also run it holding the P-256 and the RSA chain at
//! once ([`two_chain_cells`]): a client offering an ECDHE_ECDSA and an ECDHE_RSA suite gets
//! the ECDSA one if it lists secp256r1, else the RSA one (RFC 8422 §5.3).
//!
//! Every cell also checks lucid's `Negotiated` (version, suite, `group`). Each section prints
//! its table and writes it to `target/interop/ecdhe-<section>.txt`. A missing peer fails
//! under `LUCID_REQUIRE_PEERS=1` (set by `cargo xtask ci`) and is reported as skipped
//! otherwise.

#[path = "../common/mod.rs"]
mod common;
mod gnutls;
mod lucid;
mod names;
mod openssl;
mod tlslite;

use core::fmt::Write as _;
use core::time::Duration;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::Peer;
use lucid_core::internal::crypto::suites::{ALL_SUITES, Authentication, KeyExchange, SuiteParams};
use lucid_core::{
    CipherSuite, ClientConfig, NamedGroup, ProtocolVersion, RootStore, ServerConfig, SniResolver,
    WebPkiVerifier,
};
use lucid_test_support::peers::testdata;

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
const PEER_TIMEOUT: Duration = Duration::from_secs(30);

const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;
const V11: ProtocolVersion = ProtocolVersion::TLSV1_1;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const VERSIONS: [ProtocolVersion; 3] = [V10, V11, V12];

/// A server certificate: chain, key, and the root a client trusts it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cert {
    Rsa,
    EcdsaP256,
    EcdsaP384,
}

impl Cert {
    const ALL: [Self; 3] = [Self::Rsa, Self::EcdsaP256, Self::EcdsaP384];

    fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
        }
    }
    /// A file-name-friendly tag.
    fn tag(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::EcdsaP256 => "p256",
            Self::EcdsaP384 => "p384",
        }
    }
    /// The suites this certificate serves.
    fn auth(self) -> Authentication {
        match self {
            Self::Rsa => Authentication::Rsa,
            Self::EcdsaP256 | Self::EcdsaP384 => Authentication::Ecdsa,
        }
    }
    /// The curve of an ECDSA certificate's key.
    fn curve(self) -> Option<NamedGroup> {
        match self {
            Self::Rsa => None,
            Self::EcdsaP256 => Some(NamedGroup::SECP256R1),
            Self::EcdsaP384 => Some(NamedGroup::SECP384R1),
        }
    }
    /// The leaf alone (openssl's `-cert`).
    fn leaf(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/leaf.pem",
            Self::EcdsaP256 => "ecdsa/p256-leaf.pem",
            Self::EcdsaP384 => "ecdsa/p384-leaf.pem",
        })
    }
    /// Leaf first, then the intermediates.
    fn chain(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/chain.pem",
            Self::EcdsaP256 => "ecdsa/p256-leaf.chain.pem",
            Self::EcdsaP384 => "ecdsa/p384-leaf.chain.pem",
        })
    }
    /// The intermediates after the leaf (openssl's `-cert_chain`), if any.
    fn intermediates(self) -> Option<PathBuf> {
        match self {
            Self::Rsa => Some(testdata("pki/intermediate.pem")),
            Self::EcdsaP256 => Some(testdata("ecdsa/p256-intermediate.pem")),
            Self::EcdsaP384 => None,
        }
    }
    fn key(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/leaf.key",
            Self::EcdsaP256 => "ecdsa/p256-leaf.key",
            Self::EcdsaP384 => "ecdsa/p384-leaf.key",
        })
    }
    fn root(self) -> PathBuf {
        testdata(match self {
            Self::Rsa => "pki/root.pem",
            Self::EcdsaP256 => "ecdsa/p256-root.pem",
            Self::EcdsaP384 => "ecdsa/p384-root.pem",
        })
    }

    /// The groups this certificate's cells rotate over: every group lucid implements, for
    /// an ECDSA certificate only those lucid's server prefers to the certificate's curve,
    /// and the curve itself. An ECDSA cell also offers the curve (RFC 8422 §5.3: the
    /// server's key must be on a curve the client supports), so lucid's server, which
    /// picks in its own order, agrees the cell's group only if it comes first.
    fn groups(self) -> Vec<NamedGroup> {
        let order = server_groups();
        match self.curve() {
            None => order,
            Some(curve) => {
                let end = order.iter().position(|g| *g == curve).map_or(0, |i| i + 1);
                order[..end].to_vec()
            }
        }
    }
}

// ---------------------------------------------------------------- the matrix

/// Every ECDHE suite lucid implements, in the table's order.
fn ecdhe_suites() -> impl Iterator<Item = &'static SuiteParams> {
    ALL_SUITES.iter().filter(|p| p.kx == KeyExchange::Ecdhe)
}

/// The versions `p` is defined for.
fn versions(p: &SuiteParams) -> impl Iterator<Item = ProtocolVersion> + '_ {
    VERSIONS.into_iter().filter(|v| p.usable_with(*v))
}

/// The groups lucid's client offers by default (every group it implements), in its order.
fn client_groups() -> Vec<NamedGroup> {
    ClientConfig::new(Arc::new(WebPkiVerifier::new(RootStore::new()))).groups
}

/// lucid's server's default group preference, the order it picks in.
fn server_groups() -> Vec<NamedGroup> {
    ServerConfig::with_resolver(Arc::new(SniResolver::new())).groups
}

/// One handshake to run: certificate, version, suite, and the group it must agree.
#[derive(Debug, Clone, Copy)]
struct Cell {
    cert: Cert,
    version: ProtocolVersion,
    suite: &'static SuiteParams,
    group: NamedGroup,
}

impl Cell {
    /// The groups the client offers: the cell's, then (ECDSA) the certificate's curve.
    fn offer(&self) -> Vec<NamedGroup> {
        let mut offer = vec![self.group];
        if let Some(curve) = self.cert.curve().filter(|c| *c != self.group) {
            offer.push(curve);
        }
        offer
    }
}

/// The matrix: every ECDHE suite at every version it allows with the certificate of its
/// key type (ECDHE_ECDSA: P-256), then each ECDHE_ECDSA suite once with the P-384
/// certificate, at a version rotating over those it allows. `shift` offsets the group
/// rotation.
fn matrix(shift: usize) -> Vec<Cell> {
    let mut cells = Vec::new();
    for cert in Cert::ALL {
        let groups = cert.groups();
        let mut i = shift;
        for suite in ecdhe_suites().filter(|p| p.auth == cert.auth()) {
            let all: Vec<ProtocolVersion> = versions(suite).collect();
            let chosen = if cert == Cert::EcdsaP384 {
                vec![all[i % all.len()]]
            } else {
                all
            };
            for version in chosen {
                cells.push(Cell {
                    cert,
                    version,
                    suite,
                    group: groups[i % groups.len()],
                });
                i += 1;
            }
        }
    }
    cells
}

/// Resumption cells: for the RSA and P-256 certificates, at each version, the matrix's
/// first cell with each PRF (a resumed handshake derives its keys from the session's
/// master secret with the suite's PRF: MD5/SHA-1 below TLS 1.2, SHA-256 or SHA-384 at 1.2).
fn resumption_cells(shift: usize) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    for c in matrix(shift) {
        let prf = c.suite.prf_algorithm(c.version);
        let seen = cells.iter().any(|r| {
            r.cert == c.cert && r.version == c.version && r.suite.prf_algorithm(r.version) == prf
        });
        if c.cert != Cert::EcdsaP384 && !seen {
            cells.push(c);
        }
    }
    cells.sort_by_key(|c| (c.cert != Cert::Rsa, c.version));
    cells
}

/// Cells for a lucid server holding the P-256 and the RSA chain ([`TWO_CHAINS`]), whose
/// client offers, at each version, the first ECDHE_ECDSA and the first ECDHE_RSA suite
/// (returned with the cells): with secp256r1 among its groups it gets the ECDSA suite
/// (lucid's preference), without it the RSA one (RFC 8422 §5.3: the P-256 key is not for a
/// client that did not list its curve). [`Cell::offer`] lists the curve for the ECDSA cells.
fn two_chain_cells() -> Vec<(Cell, [&'static SuiteParams; 2])> {
    let mut cells = Vec::new();
    for (i, version) in VERSIONS.into_iter().enumerate() {
        let ecdsa = first_suite(Cert::EcdsaP256, version);
        let rsa = first_suite(Cert::Rsa, version);
        let offered = [ecdsa, rsa];
        let ecdsa_cell = Cell {
            cert: Cert::EcdsaP256,
            version,
            suite: ecdsa,
            group: NamedGroup::X25519,
        };
        let rsa_cell = Cell {
            cert: Cert::Rsa,
            version,
            suite: rsa,
            group: [NamedGroup::X25519, NamedGroup::SECP384R1][i % 2],
        };
        cells.push((ecdsa_cell, offered));
        cells.push((rsa_cell, offered));
    }
    cells
}

/// The check column of a two-chain cell.
fn two_chain_check(cell: &Cell) -> String {
    if cell.offer().contains(&NamedGroup::SECP256R1) {
        "both chains, P-256 offered".into()
    } else {
        "both chains, P-256 not offered".into()
    }
}

/// The chains of the two-chain server, in its order.
const TWO_CHAINS: [Cert; 2] = [Cert::EcdsaP256, Cert::Rsa];

/// The suite of the matrix's first cell for `cert` at `v` (for the explicit group cells).
fn first_suite(cert: Cert, v: ProtocolVersion) -> &'static SuiteParams {
    ecdhe_suites()
        .find(|p| p.auth == cert.auth() && p.usable_with(v))
        .expect("an ECDHE suite for every certificate and version")
}

// ---------------------------------------------------------------- the table

#[derive(Debug)]
struct Row {
    peer: &'static str,
    check: String,
    version: ProtocolVersion,
    suite: CipherSuite,
    group: String,
    result: Result<(), String>,
}

impl Row {
    fn new(peer: &'static str, check: String, cell: &Cell, result: Result<(), String>) -> Self {
        Self {
            peer,
            check,
            version: cell.version,
            suite: cell.suite.suite,
            group: cell.group.to_string(),
            result,
        }
    }
}

/// Prints the section's table, writes it to `target/interop/ecdhe-<section>.txt` and fails
/// the test if a row failed.
fn report(section: &str, rows: &[Row], notes: &str) {
    let mut table = String::new();
    let _ = writeln!(table, "lucid ECDHE interop: {section}\n");
    let _ = writeln!(
        table,
        "{:<18} {:<34} {:<8} {:<40} {:<10} result",
        "peer", "check", "version", "suite", "group"
    );
    for r in rows {
        let result = match &r.result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAIL: {e}"),
        };
        let _ = writeln!(
            table,
            "{:<18} {:<34} {:<8} {:<40} {:<10} {result}",
            r.peer,
            r.check,
            r.version.to_string(),
            r.suite.to_string(),
            r.group
        );
    }
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    let _ = writeln!(table, "\n{} cells, {failed} failed", rows.len());
    table.push_str(notes);
    println!("{table}");
    let path = common::out_dir("").join(format!("ecdhe-{section}.txt"));
    fs::write(&path, &table).unwrap();
    assert_eq!(failed, 0, "ECDHE interop failures:\n{table}");
}

fn expect(text: &str, needle: &str, what: &str) -> Result<(), String> {
    if text.contains(needle) {
        Ok(())
    } else {
        Err(format!("{what}: expected {needle:?}"))
    }
}

/// The start of `text`, for a failure message.
fn head(text: &str) -> &str {
    let end = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// A peer's verdict and lucid's together: both must pass; both explain a failure.
fn both(peer: Result<(), String>, lucid: Result<(), String>) -> Result<(), String> {
    match (peer, lucid) {
        (Ok(()), lucid) => lucid,
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(l)) => Err(format!("{e}; {l}")),
    }
}

/// Starts every peer at once (their start-ups overlap) and waits until all listen.
fn start_all(dir: &Path, specs: Vec<(String, Command, u16)>) -> Vec<Peer> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .into_iter()
            .map(|(name, cmd, port)| scope.spawn(move || Peer::start(&name, cmd, port, dir)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
