//! [`Records`]: records in — the deframer, the handshake joiner, and the window of
//! unread application data held in the receive buffer (read in place).

use alloc::borrow::Cow;

use super::{Context, Core, Message, max_ciphertext};
use crate::codec::Codec;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::alert::AlertMessage;
use crate::msgs::ccs::ChangeCipherSpecPayload;
use crate::msgs::enums::{ContentType, ProtocolVersion};
use crate::msgs::handshake::HandshakeMessage;
use crate::msgs::sslv2::read_sslv2_client_hello;
use crate::record::HEADER_LEN;
use crate::record::deframer::{Deframed, Deframer};
use crate::record::joiner::HandshakeJoiner;
use crate::trace::{Direction, Event};

/// The receive side of a connection.
#[derive(Debug)]
pub(crate) struct Records {
    pub(crate) deframer: Deframer,
    pub(crate) joiner: HandshakeJoiner,
    /// Bytes received and deframed so far (offset of the next record header).
    rx_offset: u64,
    /// Unread application data: `held_record()[plain_from..plain_to]` of the deframer's
    /// held record. Empty (`plain_from == plain_to`) when nothing is held.
    plain_from: usize,
    plain_to: usize,
}

impl Records {
    pub(crate) fn new(deframer: Deframer, joiner: HandshakeJoiner) -> Self {
        Self {
            deframer,
            joiner,
            rx_offset: 0,
            plain_from: 0,
            plain_to: 0,
        }
    }

    /// Handles every whole record buffered, handing handshake messages and
    /// ChangeCipherSpec to `dispatch` (the current handshake state). Stops early while
    /// unread plaintext is held (back-pressure).
    pub(crate) fn process(
        &mut self,
        core: &mut Core,
        cx: &mut Context<'_>,
        dispatch: &mut dyn FnMut(&mut Core, &mut Context<'_>, Message<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        loop {
            if !self.plaintext().is_empty() {
                // back-pressure: the caller reads before we decrypt more
                return Ok(());
            }
            if core.resize_records {
                // The handshake just settled the fragment limit: it applies from the next
                // record on, its header checked before anything is decrypted.
                core.resize_records = false;
                self.deframer
                    .set_record_limit(max_ciphertext(core.max_fragment), !core.on_demand);
                if !core.on_demand {
                    let want = core.sendable_capacity();
                    core.sendable
                        .reserve_exact(want.saturating_sub(core.sendable.len()));
                }
            }
            let Some(deframed) = self.deframer.pop()? else {
                return Ok(());
            };
            let record = match deframed {
                Deframed::Record(r) => r,
                Deframed::Sslv2ClientHello(raw) => {
                    self.rx_offset += (raw.len() + 2) as u64;
                    core.tracer.emit(&Event::Sslv2ClientHello {
                        raw: Cow::Borrowed(raw),
                    });
                    let hello = read_sslv2_client_hello(raw)?;
                    let msg = Message::Sslv2ClientHello { hello, raw };
                    dispatch(core, cx, msg)?;
                    continue;
                }
            };
            let header = record.header;
            if core.tracer.on() {
                core.tracer.emit(&Event::Record {
                    dir: Direction::Received,
                    offset: self.rx_offset,
                    typ: header.typ,
                    version: header.version,
                    len: record.payload.len(),
                    header: header.to_bytes(),
                    protected: core.opener.is_some(),
                });
            }
            self.rx_offset += (HEADER_LEN + record.payload.len()) as u64;
            if core.peer_closed {
                return Err(PeerMisbehaved::DataAfterCloseNotify.into());
            }
            // An unprotected alert may carry another record version: a peer that rejects
            // our hello alerts before it adopts the version (e.g. a client refusing our
            // ServerHello). Reporting the alert itself is more useful than a version error.
            let unprotected_alert = header.typ == ContentType::ALERT && core.opener.is_none();
            if let Some(v) = core.version.filter(|_| !unprotected_alert) {
                if header.version != v {
                    return Err(PeerMisbehaved::WrongRecordVersion {
                        expected: v,
                        got: header.version,
                    }
                    .into());
                }
            }
            let payload_addr = record.payload.as_ptr() as usize;
            let plain: &mut [u8] = match core.opener.as_mut() {
                Some(o) => o.open(header.typ, header.version, record.payload)?,
                None => record.payload,
            };
            // 2^14, or the max_fragment_length in effect (RFC 6066 §4).
            if plain.len() > core.max_fragment {
                return Err(Error::RecordOverflow {
                    len: plain.len(),
                    max: core.max_fragment,
                });
            }
            match header.typ {
                ContentType::HANDSHAKE => {
                    if plain.is_empty() {
                        return Err(PeerMisbehaved::EmptyRecord(header.typ).into());
                    }
                    self.joiner.push(plain)?;
                    while let Some(raw) = self.joiner.pop() {
                        let version = core.version.unwrap_or(ProtocolVersion::TLSV1_2);
                        let msg = HandshakeMessage::read_versioned(raw, version)?;
                        if core.tracer.on() {
                            core.tracer.emit(&Event::Handshake {
                                dir: Direction::Received,
                                msg: Cow::Borrowed(&msg),
                                raw: Cow::Borrowed(raw),
                            });
                        }
                        if core.filter_renegotiation(&msg, cx)? {
                            continue;
                        }
                        dispatch(core, cx, Message::Handshake { msg, raw })?;
                    }
                    if core.is_complete() {
                        // Established: drop the reassembly buffer. Preallocated: give back
                        // any send capacity a large flight added (this happens once; later
                        // records never allocate). On demand: drop whatever the handshake
                        // flights made the record buffers grow to; application records size
                        // them again.
                        self.joiner.release_if_empty();
                        if core.on_demand {
                            self.deframer.release_buffer();
                            core.sendable.shrink_to(0);
                        } else if core.sendable.capacity() > core.sendable_capacity() {
                            core.sendable.shrink_to(core.sendable_capacity());
                        }
                    }
                }
                ContentType::CHANGE_CIPHER_SPEC => {
                    if self.joiner.has_partial() {
                        return Err(PeerMisbehaved::HandshakeMessageInterleaved.into());
                    }
                    ChangeCipherSpecPayload::read_bytes(plain)
                        .map_err(|_| Error::from(PeerMisbehaved::BadChangeCipherSpec))?;
                    core.tracer.emit(&Event::ChangeCipherSpec {
                        dir: Direction::Received,
                    });
                    dispatch(core, cx, Message::ChangeCipherSpec)?;
                    // The state accepted CCS, so it installed the pending keys.
                    match core.pending_opener.take() {
                        Some(o) => core.opener = Some(o),
                        None => return Err(Error::Internal("CCS accepted without keys")),
                    }
                }
                ContentType::ALERT => {
                    if self.joiner.has_partial() {
                        return Err(PeerMisbehaved::HandshakeMessageInterleaved.into());
                    }
                    let alert = AlertMessage::read_bytes(plain)
                        .map_err(|_| Error::from(PeerMisbehaved::BadAlert))?;
                    core.tracer.emit(&Event::Alert {
                        dir: Direction::Received,
                        level: alert.level,
                        description: alert.description,
                    });
                    core.handle_alert(alert, cx)?;
                }
                ContentType::APPLICATION_DATA => {
                    if !core.is_complete() {
                        return Err(PeerMisbehaved::ApplicationDataBeforeFinished.into());
                    }
                    if self.joiner.has_partial() {
                        return Err(PeerMisbehaved::HandshakeMessageInterleaved.into());
                    }
                    let len = plain.len();
                    core.tracer.emit(&Event::ApplicationData {
                        dir: Direction::Received,
                        len,
                    });
                    if len > 0 {
                        // Where the plaintext sits in the record (header included): the
                        // opener returned a sub-slice of the payload, which follows the
                        // 5-byte header.
                        let offset = (plain.as_ptr() as usize)
                            .checked_sub(payload_addr)
                            .and_then(|o| o.checked_add(HEADER_LEN))
                            .ok_or(Error::Internal("plaintext outside its record"))?;
                        // Read in place: keep the record until the caller consumed it.
                        self.deframer.hold();
                        self.plain_from = offset;
                        self.plain_to = offset.saturating_add(len);
                    }
                }
                other => return Err(PeerMisbehaved::UnknownContentType(other).into()),
            }
        }
    }

    /// Unread application data, without consuming it.
    pub(crate) fn plaintext(&self) -> &[u8] {
        self.deframer
            .held_record()
            .get(self.plain_from..self.plain_to)
            .unwrap_or(&[])
    }

    /// Marks `n` bytes of [`Self::plaintext`] as read.
    pub(crate) fn consume_plaintext(&mut self, n: usize) {
        self.plain_from = self.plain_from.saturating_add(n).min(self.plain_to);
        if self.plain_from == self.plain_to {
            // All read: the deframer may release the record and reuse its space.
            self.plain_from = 0;
            self.plain_to = 0;
            self.deframer.unhold();
        }
    }

    /// Copies unread application data into `buf`; returns the count (0 when none is pending).
    pub(crate) fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let pending = self.plaintext();
        let n = pending.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume_plaintext(n);
        n
    }
}
