//! Recording and rendering the trace events of a lucid connection.
//!
//! [`Recorder`] is an [`Observer`] that copies every event into an owned [`Ev`] stamped with
//! the time since the connection started; the connection owns the observer, the caller keeps a
//! clone of the same `Recorder` (they share an `Arc<Mutex<..>>`) and reads the events back
//! with [`Recorder::take`]. The renderers turn a list of [`Stamped`] events into text:
//!
//! - [`summary::render`]: the one-screen summary (`lucid connect` default, on stderr);
//! - [`trace::render`]: the annotated byte-level walk-through (`--trace`);
//! - [`timeline::render`]: the client↔server ladder diagram (`--timeline`), and
//!   [`timeline::render_both`] with the server's own steps beside it (`lucid demo`, where
//!   both ends are lucid);
//! - [`json::render`]: one JSON object per event per line (`--json`);
//! - [`html::render`]: a self-contained page of one or more connections (`--html`).
//!
//! Renderers are pure functions of the events and [`Options`], so tests can drive an
//! in-memory client↔server pair with a seeded RNG, a fixed time and a [`Clock::manual`]
//! clock and compare the text to committed snapshots.

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use lucid_core::trace::wire::ProtocolVersion;
use lucid_core::trace::{Direction, Event, Observer};
use lucid_core::x509::pki_types::UnixTime;

pub mod fields;
pub mod hex;
pub mod html;
pub mod json;
pub mod style;
pub mod summary;
pub mod timeline;
pub mod trace;

pub use style::Style;

/// One recorded event: lucid-core's own [`Event`] (owned, via [`Event::into_owned`]), or
/// one of the few events the command line adds itself (TCP connect, the error that ended
/// the connection).
#[derive(Debug, Clone)]
pub enum Ev {
    /// The TCP connection was established (added by the driver).
    TcpConnected {
        /// The peer's address.
        peer: String,
    },
    /// What the connection reported.
    Tls(Event<'static>),
    /// The connection failed (added by the driver).
    Failed {
        /// One human line.
        reason: String,
    },
}

/// An event and when it happened, relative to the start of the connection.
#[derive(Debug, Clone)]
pub struct Stamped {
    /// Time since the connection started.
    pub at: Duration,
    /// The event.
    pub ev: Ev,
}

/// Where a [`Recorder`] takes its timestamps from.
#[derive(Debug, Clone)]
pub enum Clock {
    /// Monotonic wall time since `Instant`.
    Monotonic(Instant),
    /// A value the caller sets (tests: reproducible times), in microseconds.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// Monotonic time starting now.
    pub fn start() -> Self {
        Self::Monotonic(Instant::now())
    }

    /// A manual clock at zero, and the handle that moves it.
    pub fn manual() -> (Self, ManualClock) {
        let v = Arc::new(AtomicU64::new(0));
        (Self::Manual(v.clone()), ManualClock(v))
    }

    /// The instant a monotonic clock counts from (to line up two recorders' times);
    /// `None` for a manual clock.
    pub fn origin(&self) -> Option<Instant> {
        match self {
            Self::Monotonic(start) => Some(*start),
            Self::Manual(_) => None,
        }
    }

    fn now(&self) -> Duration {
        match self {
            Self::Monotonic(start) => start.elapsed(),
            Self::Manual(us) => Duration::from_micros(us.load(Ordering::Relaxed)),
        }
    }
}

/// Moves a [`Clock::manual`] clock.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// Advances the clock.
    pub fn advance(&self, by: Duration) {
        let us = u64::try_from(by.as_micros()).unwrap_or(u64::MAX);
        self.0.fetch_add(us, Ordering::Relaxed);
    }
}

/// Records events; clones share the same list. Install one clone as the connection's
/// observer with [`Recorder::observer`].
#[derive(Debug, Clone)]
pub struct Recorder {
    events: Arc<Mutex<Vec<Stamped>>>,
    clock: Clock,
    secrets: bool,
}

impl Recorder {
    /// A recorder stamping with `clock`; `secrets` asks lucid for secret values
    /// (pre-master and master secret), for `--show-secrets`.
    pub fn new(clock: Clock, secrets: bool) -> Self {
        Self {
            events: Arc::new(Mutex::new(Vec::new())),
            clock,
            secrets,
        }
    }

    /// The clock this recorder stamps with.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A boxed observer feeding this recorder.
    pub fn observer(&self) -> Box<dyn Observer> {
        Box::new(self.clone())
    }

    /// Appends an event the driver produced itself.
    pub fn push(&self, ev: Ev) {
        let at = self.clock.now();
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Stamped { at, ev });
    }

    /// Removes and returns everything recorded so far.
    pub fn take(&self) -> Vec<Stamped> {
        core::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> Vec<Stamped> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Observer for Recorder {
    fn on_event(&mut self, event: &Event<'_>) {
        self.push(Ev::Tls(event.clone().into_owned()));
    }

    fn wants_secrets(&self) -> bool {
        self.secrets
    }
}

/// What the renderers need besides the events.
#[derive(Debug, Clone)]
pub struct Options {
    /// Use ANSI colours.
    pub color: bool,
    /// Show long byte strings in full instead of first and last lines.
    pub full_hex: bool,
    /// The time certificates were checked at (for the validity verdicts).
    pub now: UnixTime,
    /// What was connected to, e.g. `localhost:4433`.
    pub target: String,
    /// Which end recorded the events.
    pub side: Side,
}

/// Which end of a connection recorded its events (whose "sent" is client to server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// The client (`lucid connect`, `lucid demo`).
    #[default]
    Client,
    /// The server (`lucid serve`).
    Server,
}

impl Side {
    /// "client" or "server".
    pub fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
        }
    }

    /// The other end's name.
    pub fn peer(self) -> &'static str {
        match self {
            Self::Client => "server",
            Self::Server => "client",
        }
    }

    /// Who sent what travels in direction `dir`.
    pub fn sender(self, dir: Direction) -> &'static str {
        match dir {
            Direction::Sent => self.name(),
            Direction::Received => self.peer(),
        }
    }

    /// `dir` as seen from the client: `Sent` is client to server.
    pub fn client_view(self, dir: Direction) -> Direction {
        match (self, dir) {
            (Self::Client, d) => d,
            (Self::Server, Direction::Sent) => Direction::Received,
            (Self::Server, Direction::Received) => Direction::Sent,
        }
    }
}

/// "1.234 ms".
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// "client -> server" or "server -> client" for a message going `dir` from `side`.
pub fn way(side: Side, dir: Direction) -> &'static str {
    match side.client_view(dir) {
        Direction::Sent => "client -> server",
        Direction::Received => "server -> client",
    }
}

/// Human name of a version ("TLS 1.2").
pub fn version_name(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::SSLV3 => "SSL 3.0".into(),
        ProtocolVersion::TLSV1_0 => "TLS 1.0".into(),
        ProtocolVersion::TLSV1_1 => "TLS 1.1".into(),
        ProtocolVersion::TLSV1_2 => "TLS 1.2".into(),
        ProtocolVersion::TLSV1_3 => "TLS 1.3".into(),
        other => format!("unknown version 0x{:04x}", other.get()),
    }
}

/// Whether a ServerHello signals secure renegotiation (RFC 5746), as the summary, the
/// trace and the JSON say it.
pub(crate) fn secure_renegotiation(
    sh: &lucid_core::trace::wire::ServerHelloPayload,
) -> &'static str {
    let present = sh.extensions.iter().any(|e| {
        matches!(
            e,
            lucid_core::trace::wire::ServerExtension::RenegotiationInfo(_)
        )
    });
    if present {
        "yes"
    } else {
        "no (server predates RFC 5746)"
    }
}
