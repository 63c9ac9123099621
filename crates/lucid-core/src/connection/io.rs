//! `std::io` adapters on [`Connection`] (the `std` feature): move TLS bytes between the
//! connection and any `Read`/`Write` transport, so drivers need no loops of their own.

use std::io::{self, Read, Write};

use rand_core::CryptoRng;
use rustls_pki_types::UnixTime;

use super::Connection;

impl Connection {
    /// Reads TLS bytes from `rd` into the receive buffer with one `read` call; returns the
    /// count (0: `rd` is at end of stream — call [`Self::transport_eof`]).
    ///
    /// Fails with `ErrorKind::Other` when the receive buffer is full: unread plaintext is
    /// holding it, so read that (and call [`Self::process`]) first — see
    /// [`Self::wants_read`].
    pub fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize> {
        let buf = self.recv_buf();
        if buf.is_empty() {
            return Err(io::Error::other(
                "lucid: receive buffer full; read the pending plaintext, then process",
            ));
        }
        let n = rd.read(buf)?;
        self.recv_ack(n);
        Ok(n)
    }

    /// Writes pending TLS bytes to `wr` with one `write` call; returns the count.
    pub fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize> {
        let n = wr.write(self.pending_tls())?;
        self.consume_tls(n);
        Ok(n)
    }

    /// Does the I/O the connection needs now, blocking as `io` does: flushes pending TLS
    /// bytes; while handshaking, reads and processes until the handshake completes (then
    /// flushes the last flight); otherwise, when nothing was written and it
    /// [wants to read](Self::wants_read), reads and processes once. Returns the TLS bytes
    /// read and written.
    ///
    /// End of stream is passed to [`Self::transport_eof`]: `Ok` after the peer's
    /// close_notify, otherwise an `UnexpectedEof` error. A TLS error is returned as an
    /// `io::Error` carrying the [`crate::Error`] (see `Error::from_io`), after its alert was
    /// written. A non-blocking `io` returns `WouldBlock` as it arises; call again when ready.
    pub fn complete_io<T: Read + Write>(
        &mut self,
        io: &mut T,
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> io::Result<(usize, usize)> {
        let until_handshaked = self.is_handshaking();
        let (mut read, mut written) = (0, 0);
        loop {
            while self.wants_write() {
                written += self.write_tls(io)?;
            }
            io.flush()?;
            if !until_handshaked && written > 0 {
                return Ok((read, written));
            }
            if !self.wants_read() {
                return Ok((read, written));
            }
            let n = self.read_tls(io)?;
            read += n;
            if n == 0 {
                self.transport_eof()?;
                return Ok((read, written));
            }
            if let Err(e) = self.process(now, rng) {
                // Best effort: the peer learns why (the alert is queued).
                let _ = self.write_tls(io);
                let _ = io.flush();
                return Err(e.into());
            }
            if !until_handshaked || !self.is_handshaking() {
                while self.wants_write() {
                    written += self.write_tls(io)?;
                }
                io.flush()?;
                return Ok((read, written));
            }
        }
    }
}
