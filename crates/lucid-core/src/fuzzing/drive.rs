//! Drives a [`Connection`] (either side) through the sans-IO calling contract with the
//! peer's bytes, checking the contract's promises as it goes.

use alloc::vec::Vec;

use crate::Connection;
use crate::error::Error;
use crate::fuzzing::rng::FuzzRng;
use crate::fuzzing::x509::NOW;

/// How the peer's bytes are handed to the connection.
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

impl Feed {
    /// From the top two bits of a setup byte.
    pub(crate) fn from_setup(byte: u8) -> Self {
        match byte >> 6 {
            0 => Self::Whole,
            1 => Self::Small,
            2 => Self::RecvBuf,
            _ => Self::Medium,
        }
    }
}

/// What a run saw (for tests and seed checks).
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The handshake completed.
    pub(crate) handshake_done: bool,
    /// Application data received.
    pub(crate) plaintext_len: usize,
    /// Its first [`HEAD`] bytes.
    pub(crate) plaintext_head: Vec<u8>,
    /// TLS bytes sent in total.
    pub(crate) sent: usize,
    /// The error that ended the run.
    pub(crate) error: Option<Error>,
    /// What `transport_eof` said at the end (None if the run ended with an error).
    pub(crate) eof: Option<Result<(), Error>>,
    /// What the handshake agreed, once it completed.
    pub(crate) negotiated: Option<crate::Negotiated>,
}

/// Bytes of application data kept in [`Outcome::plaintext_head`].
pub(crate) const HEAD: usize = 64;

fn drain(conn: &mut Connection, out: &mut Outcome) {
    let n = conn.pending_tls().len();
    out.sent += n;
    conn.consume_tls(n);
    assert!(!conn.wants_write());
}

/// Processes until nothing more can be done without input; reads all plaintext.
fn process(conn: &mut Connection, rng: &mut FuzzRng, out: &mut Outcome) -> Result<(), Error> {
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

/// Feeds `flight` to `conn` (chunked per `feed`, sizes from `chunk_seed`), processing after
/// every chunk, sending everything it queues, reading all plaintext, writing `reply` once
/// the handshake completes; then reports EOF and sends close_notify.
///
/// Checks: errors are latched and every later call repeats them with nothing more sent;
/// the connection always takes input once its whole records are processed; `negotiated`
/// is set exactly when the handshake is done; writing before then is a misuse; a clean EOF
/// only follows close_notify.
pub(crate) fn drive(
    conn: &mut Connection,
    feed: Feed,
    chunk_seed: u64,
    flight: &[u8],
    rng: &mut FuzzRng,
    reply: &[u8],
) -> Outcome {
    let mut out = Outcome::default();
    assert!(conn.is_handshaking());
    drain(conn, &mut out);

    let mut chunks = FuzzRng::new(chunk_seed);
    let mut rest = flight;
    while !rest.is_empty() {
        let want = match feed {
            Feed::Whole => rest.len(),
            Feed::Small => chunks.between_1_and(64),
            Feed::RecvBuf => chunks.between_1_and(20_000),
            Feed::Medium => chunks.between_1_and(600),
        }
        .min(rest.len());
        let chunk = rest.get(..want).unwrap_or(rest);
        let taken = if feed == Feed::RecvBuf {
            let free = conn.recv_buf();
            let n = free.len().min(chunk.len());
            if let (Some(dst), Some(src)) = (free.get_mut(..n), chunk.get(..n)) {
                dst.copy_from_slice(src);
            }
            conn.recv_ack(n);
            n
        } else {
            conn.read_tls_bytes(chunk)
        };
        // Every whole record was processed last round, so there is room for more.
        assert!(taken > 0, "connection took no input with no record pending");
        rest = rest.get(taken..).unwrap_or_default();

        if let Err(e) = process(conn, rng, &mut out) {
            check_failed(conn, &e, rng);
            out.error = Some(e);
            return out;
        }
        let done = !conn.is_handshaking();
        assert_eq!(done, conn.negotiated().is_some());
        if done && !out.handshake_done {
            out.handshake_done = true;
            out.negotiated = conn.negotiated().cloned();
            let n = conn
                .write_plaintext(reply, rng)
                .expect("writing after the handshake");
            assert_eq!(n, reply.len());
            drain(conn, &mut out);
        }
    }
    if !out.handshake_done {
        assert!(matches!(
            conn.write_plaintext(b"x", rng),
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
    conn.send_close_notify(rng);
    drain(conn, &mut out);
    out
}

/// After `process` failed with `e`: the error is latched and every call repeats it.
fn check_failed(conn: &mut Connection, e: &Error, rng: &mut FuzzRng) {
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
