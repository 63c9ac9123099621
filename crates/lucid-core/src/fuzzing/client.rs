//! The `client` harness: a real [`ClientConnection`] fed an arbitrary server byte stream.
//!
//! The client is fully deterministic — fixed configuration per setup byte, fixed clock
//! ([`NOW`]), fixed RNG seed ([`CLIENT_RNG_SEED`]) — so its ClientHello, key exchange and
//! Finished are the same on every run. A server flight recorded once against it (see the
//! seed corpus, produced by the scripted server in `fuzzing/seeds.rs`) therefore replays
//! exactly, all the way through ChangeCipherSpec, Finished and encrypted application data,
//! and the fuzzer mutates from deep inside the handshake.

use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::ServerName;

use crate::client::{
    ClientConfig, ClientConnection, ClientSession, ClientSessionStore, PinnedLeafVerifier,
};
use crate::crypto::keys::MasterSecret;
use crate::error::Error;
use crate::fuzzing::rng::FuzzRng;
use crate::fuzzing::x509::{NOW, PKI_LEAF_PEM, first_der};
use crate::msgs::enums::{CipherSuite, ProtocolVersion};
use crate::msgs::handshake::SessionId;

/// Seed of the client's RNG in every harness run.
pub const CLIENT_RNG_SEED: u64 = 0x6c75_6369_642d_6321;

/// The host name the client connects to (the testdata/pki leaf's name).
pub const SERVER_NAME: &str = "localhost";

/// Session id of the session the client offers to resume when setup bit 4 is set.
pub const RESUME_SESSION_ID: [u8; 32] = [0x5e; 32];

/// Master secret of that session.
pub const RESUME_MASTER_SECRET: [u8; 48] = [0x4d; 48];

/// Cipher suite of that session.
pub const RESUME_SUITE: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;

/// How the server bytes are handed to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feed {
    /// As much as `read_tls` takes at once.
    Whole,
    /// `read_tls` with chunks of 1..=64 bytes.
    Small,
    /// `recv_buf` + `recv_ack` with chunks of 1..=20000 bytes.
    RecvBuf,
    /// `read_tls` with chunks of 1..=600 bytes.
    Medium,
}

/// The client's configuration, decoded from the first input byte.
///
/// - bits 0-1: versions — 0: TLS 1.2 only; 1: TLS 1.0..=1.2; 2: TLS 1.0 only; 3: TLS 1.1 only
/// - bit 2: offer extended_master_secret; bit 3: offer encrypt_then_mac
/// - bit 4: offer to resume a fixed session ([`RESUME_SESSION_ID`], [`RESUME_SUITE`], the
///   highest configured version, EMS as offered)
/// - bit 5: send TLS_FALLBACK_SCSV
/// - bits 6-7: [`Feed`] mode (Whole, Small, RecvBuf, Medium)
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientSetup {
    pub(crate) byte: u8,
}

impl ClientSetup {
    pub(crate) fn versions(self) -> (ProtocolVersion, ProtocolVersion) {
        use ProtocolVersion as V;
        match self.byte & 3 {
            0 => (V::TLSV1_2, V::TLSV1_2),
            1 => (V::TLSV1_0, V::TLSV1_2),
            2 => (V::TLSV1_0, V::TLSV1_0),
            _ => (V::TLSV1_1, V::TLSV1_1),
        }
    }

    pub(crate) fn ems(self) -> bool {
        self.byte & 4 != 0
    }

    pub(crate) fn etm(self) -> bool {
        self.byte & 8 != 0
    }

    pub(crate) fn resume(self) -> bool {
        self.byte & 16 != 0
    }

    fn fallback_scsv(self) -> bool {
        self.byte & 32 != 0
    }

    pub(crate) fn feed(self) -> Feed {
        match self.byte >> 6 {
            0 => Feed::Whole,
            1 => Feed::Small,
            2 => Feed::RecvBuf,
            _ => Feed::Medium,
        }
    }

    /// The session offered for resumption.
    pub(crate) fn session(self) -> ClientSession {
        ClientSession {
            session_id: SessionId::new(&RESUME_SESSION_ID).unwrap_or(SessionId::EMPTY),
            version: self.versions().1,
            suite: RESUME_SUITE,
            extended_master_secret: self.ems(),
            master_secret: MasterSecret::from_bytes(RESUME_MASTER_SECRET),
            established: NOW,
        }
    }

    fn config(self) -> ClientConfig {
        let leaf = first_der(PKI_LEAF_PEM);
        let mut config = ClientConfig::new(Arc::new(PinnedLeafVerifier::new(leaf)));
        (config.min_version, config.max_version) = self.versions();
        config.offer_extended_master_secret = self.ems();
        config.offer_encrypt_then_mac = self.etm();
        config.send_fallback_scsv = self.fallback_scsv();
        if self.resume() {
            config.session_store = Some(Arc::new(FixedSession(self.session())));
        }
        config
    }

    /// A client for this setup; its ClientHello is in `pending_tls`.
    pub(crate) fn connect(self, rng: &mut FuzzRng) -> ClientConnection {
        let name = ServerName::try_from(SERVER_NAME).expect("valid DNS name");
        ClientConnection::new(Arc::new(self.config()), name, NOW, rng)
            .expect("every setup is a valid client configuration")
    }
}

/// A session store that always offers the same session and forgets nothing.
#[derive(Debug)]
struct FixedSession(ClientSession);

impl ClientSessionStore for FixedSession {
    fn put(&self, _server_name: &str, _session: ClientSession) {}

    fn get(&self, _server_name: &str) -> Option<ClientSession> {
        Some(self.0.clone())
    }

    fn remove(&self, _server_name: &str) {}
}

/// What a harness run saw (for tests and seed checks).
#[derive(Debug, Default)]
pub(crate) struct ClientOutcome {
    /// The handshake completed.
    pub(crate) handshake_done: bool,
    /// Application data received.
    pub(crate) plaintext_len: usize,
    /// Its first bytes.
    pub(crate) plaintext_head: Vec<u8>,
    /// TLS bytes the client sent in total.
    pub(crate) sent: usize,
    /// The error that ended the run.
    pub(crate) error: Option<Error>,
    /// What `transport_eof` said at the end (None if the run ended with an error).
    pub(crate) eof: Option<Result<(), Error>>,
}

/// Bytes of application data kept in [`ClientOutcome::plaintext_head`].
const HEAD: usize = 64;

/// What the harness writes once the handshake completes.
pub(crate) const CLIENT_REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// Input: `setup(1) || server bytes`. See [`ClientSetup`] for the setup byte.
///
/// Drives the client through `read_tls` (or `recv_buf`/`recv_ack`), `process`,
/// `pending_tls`/`consume_tls`, `read_plaintext`, `write_plaintext` (once, after the
/// handshake), `transport_eof` and `send_close_notify`, and checks the calling contract's
/// promises: errors are latched and repeated, every call after an error fails the same way,
/// the deframer always takes input once the whole records are processed, `negotiated` is
/// set exactly when the handshake is done, a clean EOF only follows close_notify.
pub fn client(data: &[u8]) {
    let Some((&setup, flight)) = data.split_first() else {
        return;
    };
    drive_client(ClientSetup { byte: setup }, flight);
}

fn drain(conn: &mut ClientConnection, out: &mut ClientOutcome) {
    let n = conn.pending_tls().len();
    out.sent += n;
    conn.consume_tls(n);
    assert!(!conn.wants_write());
}

/// Processes until nothing more can be done without input; reads all plaintext.
fn process(
    conn: &mut ClientConnection,
    rng: &mut FuzzRng,
    out: &mut ClientOutcome,
) -> Result<(), Error> {
    let mut buf = [0u8; 2048];
    loop {
        let res = conn.process(NOW, rng);
        drain(conn, out);
        let mut got = 0;
        loop {
            let n = conn.read_plaintext(&mut buf);
            if n == 0 {
                break;
            }
            let room = HEAD.saturating_sub(out.plaintext_head.len());
            out.plaintext_head
                .extend_from_slice(buf.get(..n.min(room)).unwrap_or(&[]));
            out.plaintext_len += n;
            got += n;
        }
        assert!(conn.plaintext().is_empty());
        res?;
        if got == 0 {
            return Ok(());
        }
    }
}

pub(crate) fn drive_client(setup: ClientSetup, flight: &[u8]) -> ClientOutcome {
    let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
    let mut conn = setup.connect(&mut rng);
    let mut out = ClientOutcome::default();
    assert!(conn.is_handshaking());
    assert!(conn.wants_write(), "the ClientHello is queued");
    drain(&mut conn, &mut out);

    let mut chunks = FuzzRng::new(u64::from(setup.byte));
    let mut rest = flight;
    while !rest.is_empty() {
        let want = match setup.feed() {
            Feed::Whole => rest.len(),
            Feed::Small => chunks.between_1_and(64),
            Feed::RecvBuf => chunks.between_1_and(20_000),
            Feed::Medium => chunks.between_1_and(600),
        }
        .min(rest.len());
        let chunk = rest.get(..want).unwrap_or(rest);
        let taken = if setup.feed() == Feed::RecvBuf {
            let free = conn.recv_buf();
            let n = free.len().min(chunk.len());
            if let (Some(dst), Some(src)) = (free.get_mut(..n), chunk.get(..n)) {
                dst.copy_from_slice(src);
            }
            conn.recv_ack(n);
            n
        } else {
            conn.read_tls(chunk)
        };
        // Every whole record was processed last round, so there is room for more.
        assert!(taken > 0, "connection took no input with no record pending");
        rest = rest.get(taken..).unwrap_or_default();

        if let Err(e) = process(&mut conn, &mut rng, &mut out) {
            check_failed(&mut conn, &e, &mut rng);
            out.error = Some(e);
            return out;
        }
        let done = !conn.is_handshaking();
        assert_eq!(done, conn.negotiated().is_some());
        if done && !out.handshake_done {
            out.handshake_done = true;
            let n = conn
                .write_plaintext(CLIENT_REQUEST, &mut rng)
                .expect("writing after the handshake");
            assert_eq!(n, CLIENT_REQUEST.len());
            drain(&mut conn, &mut out);
        }
    }
    if !out.handshake_done {
        assert!(matches!(
            conn.write_plaintext(b"x", &mut rng),
            Err(Error::Misuse(_))
        ));
    }
    let eof = conn.transport_eof();
    if eof.is_ok() {
        assert!(conn.peer_has_closed());
    } else {
        assert_eq!(eof, Err(Error::UnexpectedEof));
    }
    out.eof = Some(eof);
    conn.send_close_notify(&mut rng);
    drain(&mut conn, &mut out);
    out
}

/// After `process` failed with `e`: the error is latched and every call repeats it.
fn check_failed(conn: &mut ClientConnection, e: &Error, rng: &mut FuzzRng) {
    assert_eq!(conn.error(), Some(e));
    assert!(!conn.is_handshaking());
    assert_eq!(conn.process(NOW, rng).as_ref(), Err(e));
    assert_eq!(conn.transport_eof().as_ref(), Err(e));
    assert_eq!(conn.write_plaintext(b"x", rng).as_ref(), Err(e));
    // The alert (if any) was queued before the error was returned, and drained; nothing
    // more is sent after a failure.
    conn.send_close_notify(rng);
    assert!(!conn.wants_write(), "output after a fatal error");
    assert!(conn.plaintext().is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setup_builds_and_sends_a_hello() {
        for byte in 0..=u8::MAX {
            let setup = ClientSetup { byte };
            let out = drive_client(setup, &[]);
            assert!(out.sent > 40, "{byte:#04x}: {out:?}");
            assert!(!out.handshake_done);
            assert_eq!(out.eof, Some(Err(Error::UnexpectedEof)));
        }
    }

    #[test]
    fn the_client_is_deterministic() {
        let hello = |byte| {
            let mut rng = FuzzRng::new(CLIENT_RNG_SEED);
            let conn = ClientSetup { byte }.connect(&mut rng);
            conn.pending_tls().to_vec()
        };
        assert_eq!(hello(0x0c), hello(0x0c));
        assert_ne!(hello(0x0c), hello(0x04));
    }

    #[test]
    fn garbage_fails_with_a_latched_error() {
        let out = drive_client(
            ClientSetup { byte: 0 },
            b"\x16\x03\x03\x00\x04\x02\x00\x00\x00",
        );
        // An empty ServerHello body: decode error, alert sent.
        assert!(
            matches!(out.error, Some(Error::InvalidMessage(_))),
            "{out:?}"
        );
        client(b"\x40\x15\x03\x03\x00\x02\x02\x28");
        client(&[]);
    }
}
