//! Shapes shared by the three libraries' drivers.

use std::path::PathBuf;

use crate::measure::Charge;

/// Fixed clock for lucid (inside the fixtures' validity).
pub const NOW_SECS: u64 = 1_717_200_000;

/// Plaintext bytes per application-data record in the bulk runs.
pub const RECORD: usize = 16 * 1024;

/// The suites measured. The two RSA-key-exchange CBC suites run in lucid and OpenSSL only
/// (rustls implements neither RSA key exchange nor CBC); the ECDHE-RSA AES-GCM suite runs
/// in all three, over x25519.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Aes128Sha,
    Aes256Sha256,
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over x25519.
    EcdheRsaAes128Gcm,
}

impl Suite {
    /// OpenSSL's name for the suite (also what the table rows say).
    pub fn label(self) -> &'static str {
        match self {
            Self::Aes128Sha => "AES128-SHA",
            Self::Aes256Sha256 => "AES256-SHA256",
            Self::EcdheRsaAes128Gcm => "ECDHE-RSA-AES128-GCM-SHA256",
        }
    }

    /// The label with the ECDHE group, for handshake and memory rows.
    pub fn label_kx(self) -> &'static str {
        match self {
            Self::Aes128Sha => "AES128-SHA",
            Self::Aes256Sha256 => "AES256-SHA256",
            Self::EcdheRsaAes128Gcm => "ECDHE-RSA-AES128-GCM-SHA256 x25519",
        }
    }

    /// The IANA code point.
    pub fn id(self) -> u16 {
        match self {
            Self::Aes128Sha => 0x002f,
            Self::Aes256Sha256 => 0x003d,
            Self::EcdheRsaAes128Gcm => 0xc02f,
        }
    }

    /// The IANA name, as the libraries report it.
    pub fn iana(self) -> String {
        suite_name(self.id())
    }

    /// Whether the suite runs an ephemeral key exchange (x25519 here).
    pub fn ecdhe(self) -> bool {
        self == Self::EcdheRsaAes128Gcm
    }

    /// Whether encrypt-then-MAC can apply (CBC suites only).
    pub fn cbc(self) -> bool {
        !self.ecdhe()
    }
}

/// The ECDHE group every library is pinned to.
pub const GROUP: &str = "x25519";

/// Which side sends in a bulk run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    ClientToServer,
    ServerToClient,
}

impl Dir {
    pub fn label(self) -> &'static str {
        match self {
            Self::ClientToServer => "client→server",
            Self::ServerToClient => "server→client",
        }
    }
}

/// Per-handshake CPU, averaged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hs {
    pub client_us: f64,
    pub server_us: f64,
}

impl Hs {
    /// Per handshake, net of the clock reads ([`Charge::net_ns`]).
    pub fn from_totals(client: Charge, server: Charge, n: usize) -> Self {
        Self {
            client_us: client.net_ns() / n as f64 / 1e3,
            server_us: server.net_ns() / n as f64 / 1e3,
        }
    }
    /// Handshakes per second for the pair (both sides on one core).
    pub fn pair_per_s(&self) -> f64 {
        1e6 / (self.client_us + self.server_us)
    }
}

/// One bulk run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bulk {
    /// Plaintext MB/s (10^6 bytes) through sender + receiver on one core.
    pub mb_s: f64,
    pub send_allocs_per_record: f64,
    pub recv_allocs_per_record: f64,
    /// Bytes on the wire per record (header included), to show what was negotiated.
    pub wire_per_record: usize,
    /// CPU µs per record in the sender's calls and in the receiver's, from a separate pass
    /// that reads the clock around each (so their sum is a little above 1 / `mb_s`).
    pub send_us: f64,
    pub recv_us: f64,
}

/// What an idle connection did before it went idle, and how lucid's record buffers were
/// set up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Idle {
    /// Default configurations; handshake, then one 4-byte message each way.
    Ping,
    /// As `Ping`, lucid with `RecordBuffers::OnDemand` (others: their defaults).
    PingOnDemand,
    /// lucid on demand; handshake, one 16 KiB record each way, one 4-byte message each way.
    BulkOnDemand,
    /// As `BulkOnDemand`, then the buffers released (lucid `Connection::release_buffers`,
    /// OpenSSL `SSL_MODE_RELEASE_BUFFERS`).
    BulkReleased,
}

impl Idle {
    /// Whether a 16 KiB record crossed each way first.
    pub fn bulk(self) -> bool {
        matches!(self, Self::BulkOnDemand | Self::BulkReleased)
    }

    /// Whether lucid's record buffers are sized on demand.
    pub fn on_demand(self) -> bool {
        !matches!(self, Self::Ping)
    }

    /// Whether the buffers are released before measuring.
    pub fn released(self) -> bool {
        self == Self::BulkReleased
    }
}

/// Heap bytes per established idle connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mem {
    pub client: f64,
    pub server: f64,
}

/// What each library negotiated in the bulk/handshake runs.
#[derive(Debug, Clone, Default)]
pub struct Negotiated {
    pub suite: String,
    pub ems: bool,
    pub etm: bool,
    /// The ECDHE group, lowercase ("x25519"), when there was one.
    pub group: Option<String>,
}

impl Negotiated {
    /// Panics unless `lib` negotiated exactly `suite` (and, for ECDHE, x25519).
    pub fn check(&self, lib: &str, suite: Suite) {
        assert_eq!(self.suite, suite.iana(), "{lib}: negotiated another suite");
        let want = suite.ecdhe().then(|| GROUP.to_string());
        assert_eq!(self.group, want, "{lib}: negotiated another group");
    }
}

/// Iteration counts.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub full_handshakes: usize,
    pub resumed_handshakes: usize,
    pub bulk_records: usize,
    pub idle_connections: usize,
    pub rsa_ops: usize,
}

impl Sizes {
    pub fn new(quick: bool) -> Self {
        if quick {
            Self {
                full_handshakes: 50,
                resumed_handshakes: 1_000,
                bulk_records: 4_000,
                idle_connections: 50,
                rsa_ops: 50,
            }
        } else {
            Self {
                full_handshakes: 400,
                resumed_handshakes: 5_000,
                bulk_records: 30_000,
                idle_connections: 200,
                rsa_ops: 400,
            }
        }
    }
}

/// The `testdata/pki` fixtures.
pub struct Pki {
    pub dir: PathBuf,
    pub chain_pem: Vec<u8>,
    pub leaf_key_pem: Vec<u8>,
    pub leaf_rsa_key_pem: Vec<u8>,
    pub root_pem: Vec<u8>,
}

impl Pki {
    pub fn load(dir: PathBuf) -> Self {
        let read = |f: &str| {
            std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
        };
        Self {
            chain_pem: read("chain.pem"),
            leaf_key_pem: read("leaf.key"),
            leaf_rsa_key_pem: read("leaf.rsa.key"),
            root_pem: read("root.pem"),
            dir,
        }
    }
}

/// Scans a server's first flight (plaintext records) for the ServerHello and reports the
/// suite and whether EMS (0x0017) and ETM (0x0016) were accepted.
pub fn server_hello_facts(flight: &[u8]) -> Option<(u16, bool, bool)> {
    // record header (5), handshake header (4), version (2), random (32)
    let rec = flight.get(5..)?;
    if *flight.first()? != 22 || *rec.first()? != 2 {
        return None;
    }
    let body = rec.get(4..)?;
    let sid_len = usize::from(*body.get(34)?);
    let after_sid = body.get(35 + sid_len..)?;
    let suite = u16::from_be_bytes([*after_sid.first()?, *after_sid.get(1)?]);
    let ext_total = usize::from(u16::from_be_bytes([*after_sid.get(3)?, *after_sid.get(4)?]));
    let mut exts = after_sid.get(5..5 + ext_total)?;
    let (mut ems, mut etm) = (false, false);
    while exts.len() >= 4 {
        let typ = u16::from_be_bytes([exts[0], exts[1]]);
        let len = usize::from(u16::from_be_bytes([exts[2], exts[3]]));
        match typ {
            0x0017 => ems = true,
            0x0016 => etm = true,
            _ => {}
        }
        exts = exts.get(4 + len..)?;
    }
    Some((suite, ems, etm))
}

pub fn suite_name(id: u16) -> String {
    match id {
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA".into(),
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA".into(),
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256".into(),
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256".into(),
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into(),
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
        other => format!("0x{other:04x}"),
    }
}
