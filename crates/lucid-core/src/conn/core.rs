//! [`Core`]: the state every handshake state writes through — record protection in both
//! directions, the outgoing bytes, alerts, Finished, and what has been negotiated.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

use super::{Context, Negotiated, SENDABLE_STEP, Side, fragment_limit, sendable_capacity};
use crate::codec::Codec;
use crate::crypto::hash::Transcript;
use crate::crypto::keys::{self, MasterSecret};
use crate::crypto::prf::PrfAlgorithm;
use crate::crypto::protection::{RecordOpener, RecordSealer};
use crate::crypto::suites::{self, Protection, SuiteParams};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::alert::AlertMessage;
use crate::msgs::ccs::ChangeCipherSpecPayload;
#[cfg(feature = "ecdhe")]
use crate::msgs::enums::NamedGroup;
use crate::msgs::enums::{
    AlertDescription, AlertLevel, ContentType, HandshakeType, MaxFragmentLength, ProtocolVersion,
};
use crate::msgs::handshake::{HandshakeMessage, HandshakePayload};
use crate::record::{HEADER_LEN, MAX_PLAINTEXT, RecordHeader};
use crate::trace::{Direction, Event, KeyScheduleEvent, Tracer};

/// The state all handshake states write through: record protection, outgoing bytes, and
/// what has been negotiated.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) side: Side,
    /// Version written on outgoing records.
    pub(crate) record_version: ProtocolVersion,
    /// The negotiated version, once known; incoming records must then carry it.
    pub(crate) version: Option<ProtocolVersion>,
    pub(crate) sealer: Option<RecordSealer>,
    pub(crate) opener: Option<RecordOpener>,
    pub(crate) pending_opener: Option<RecordOpener>,
    pub(crate) sendable: Vec<u8>,
    pub(crate) negotiated: Option<Negotiated>,
    /// Split application data 1/n-1 (TLS 1.0 CBC suites, BEAST countermeasure).
    pub(crate) split_1_n_minus_1: bool,
    pub(crate) peer_closed: bool,
    pub(crate) close_sent: bool,
    pub(crate) error: Option<Error>,
    /// Warning alerts received (other than close_notify), most recent last; bounded.
    pub(crate) warnings: Vec<AlertDescription>,
    /// Largest plaintext fragment we send and accept (2^14 unless max_fragment_length says
    /// less; see [`Self::set_fragment_limit`]).
    pub(crate) max_fragment: usize,
    /// The fragment limit was just settled: the receive side sizes its buffer for it
    /// before the next record ([`super::Records::process`]).
    pub(crate) resize_records: bool,
    /// Bytes written so far (offset of the next record header we send).
    pub(crate) tx_offset: u64,
    /// Renegotiation attempts refused so far.
    pub(crate) renegotiation_refusals: u8,
    /// [`RecordBuffers::OnDemand`]: record buffers are freed when the handshake completes.
    pub(crate) on_demand: bool,
    /// The caller's observer, if any.
    pub(crate) tracer: Tracer,
    /// Server side: the host name the client asked for (SNI), once the ClientHello is in.
    #[cfg_attr(
        not(feature = "server"),
        allow(
            dead_code,
            reason = "the server side sets it, ServerConnection::sni reads it"
        )
    )]
    pub(crate) sni: Option<String>,
}

/// How many renegotiation attempts lucid refuses with a warning before ending the
/// connection.
const MAX_RENEGOTIATION_REFUSALS: usize = 8;

/// How many received warning alerts lucid tolerates before treating the peer as abusive.
const MAX_WARNING_ALERTS: usize = 16;

impl Core {
    /// The send buffer's capacity once the handshake is done: one sealed record of
    /// `max_fragment` plaintext plus the 1/n-1 split record ([`super::SENDABLE_CAPACITY`]
    /// without max_fragment_length).
    pub(crate) fn sendable_capacity(&self) -> usize {
        sendable_capacity(self.max_fragment)
    }

    /// Settles the fragment limit (RFC 6066 §4), from this point of the handshake on:
    /// records we send carry at most its plaintext, a record received with more is refused
    /// with record_overflow (before decryption if its ciphertext is already too long), and
    /// the record buffers are sized for it. `None` (not negotiated) keeps TLS's 2^14.
    /// Called once per handshake: by the server before its ServerHello, by the client when
    /// the ServerHello arrives.
    pub(crate) fn set_fragment_limit(&mut self, mfl: Option<MaxFragmentLength>) {
        self.max_fragment = fragment_limit(mfl);
        self.resize_records = true;
    }

    /// Makes room for `len` more bytes in `sendable` without going over
    /// [`Self::sendable_capacity`]; false when they do not fit.
    pub(crate) fn reserve_sendable(&mut self, len: usize) -> bool {
        let max = self.sendable_capacity();
        let want = self.sendable.len().saturating_add(len);
        if want > max.max(self.sendable.capacity()) {
            return false;
        }
        if want > self.sendable.capacity() {
            let cap = want
                .next_multiple_of(SENDABLE_STEP)
                .max(self.sendable.capacity().saturating_mul(2))
                .min(max);
            self.sendable
                .reserve_exact(cap.saturating_sub(self.sendable.len()));
        }
        true
    }

    pub(crate) fn new(side: Side) -> Self {
        Self {
            side,
            record_version: ProtocolVersion::TLSV1_0,
            version: None,
            sealer: None,
            opener: None,
            pending_opener: None,
            sendable: Vec::new(),
            negotiated: None,
            split_1_n_minus_1: false,
            peer_closed: false,
            close_sent: false,
            error: None,
            warnings: Vec::new(),
            max_fragment: MAX_PLAINTEXT,
            resize_records: false,
            tx_offset: 0,
            renegotiation_refusals: 0,
            on_demand: false,
            tracer: Tracer::default(),
            sni: None,
        }
    }

    /// Fixes the protocol version: outgoing records carry it from now on and incoming
    /// records must.
    pub(crate) fn set_version(&mut self, v: ProtocolVersion) {
        self.version = Some(v);
        self.record_version = v;
    }

    /// Encodes `msg`, appends its bytes to `transcript` (when given) and queues it.
    pub(crate) fn send_handshake(
        &mut self,
        msg: &HandshakeMessage,
        transcript: Option<&mut Transcript>,
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let mut bytes = Vec::new();
        msg.encode(&mut bytes);
        if let Some(t) = transcript {
            t.add(&bytes);
        }
        self.send_record(ContentType::HANDSHAKE, &bytes, rng)?;
        if self.tracer.on() {
            self.tracer.emit(&Event::Handshake {
                dir: Direction::Sent,
                msg: Cow::Borrowed(msg),
                raw: Cow::Borrowed(&bytes),
            });
        }
        Ok(())
    }

    /// Sends ChangeCipherSpec and switches outgoing records to `sealer`.
    pub(crate) fn send_ccs(
        &mut self,
        sealer: RecordSealer,
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        self.send_record(
            ContentType::CHANGE_CIPHER_SPEC,
            &ChangeCipherSpecPayload.get_encoding(),
            rng,
        )?;
        self.sealer = Some(sealer);
        self.tracer.emit(&Event::ChangeCipherSpec {
            dir: Direction::Sent,
        });
        Ok(())
    }

    /// Keys for the peer's direction, installed when its ChangeCipherSpec arrives.
    pub(crate) fn set_pending_opener(&mut self, opener: RecordOpener) {
        self.pending_opener = Some(opener);
    }

    /// Marks the handshake complete with what was agreed.
    pub(crate) fn complete(&mut self, negotiated: Negotiated) {
        self.tracer.emit(&Event::HandshakeComplete {
            version: negotiated.version,
            suite: negotiated.suite,
            resumed: negotiated.resumed,
        });
        // BEAST needs a predictable CBC IV: TLS 1.0's chained IVs, CBC suites only (RC4
        // records have no IV to predict).
        self.split_1_n_minus_1 = negotiated.version == ProtocolVersion::TLSV1_0
            && suites::lookup(negotiated.suite)
                .is_some_and(|p| matches!(p.protection, Protection::Cbc(_)));
        self.negotiated = Some(negotiated);
    }

    /// Traces the pre-master secret (its value only for observers that want secrets).
    pub(crate) fn trace_pre_master(&mut self, pms: &[u8]) {
        if !self.tracer.on() {
            return;
        }
        let mut v = [0u8; 2];
        if let Some(head) = pms.first_chunk::<2>() {
            v = *head;
        }
        let secret = self.tracer.secrets().then_some(Cow::Borrowed(pms));
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::PreMasterSecret {
                len: pms.len(),
                client_version: ProtocolVersion(u16::from_be_bytes(v)),
                secret,
            }));
    }

    /// Traces the ECDH shared secret of an ECDHE handshake (its pre-master secret).
    #[cfg(feature = "ecdhe")]
    pub(crate) fn trace_ecdh_secret(&mut self, group: NamedGroup, secret: &[u8]) {
        if !self.tracer.on() {
            return;
        }
        let shown = self.tracer.secrets().then_some(Cow::Borrowed(secret));
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::EcdhSharedSecret {
                group,
                len: secret.len(),
                secret: shown,
            }));
    }

    /// Traces a DHE shared secret (the pre-master secret of a DHE suite).
    #[cfg(feature = "dhe")]
    pub(crate) fn trace_dh_secret(&mut self, prime_bits: usize, secret: &[u8]) {
        if !self.tracer.on() {
            return;
        }
        let shown = self.tracer.secrets().then_some(Cow::Borrowed(secret));
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::DhSharedSecret {
                prime_bits,
                len: secret.len(),
                secret: shown,
            }));
    }

    /// Traces the master secret derivation and the key block expansion that follows.
    pub(crate) fn trace_key_schedule(
        &mut self,
        extended: bool,
        seed_len: usize,
        master: &MasterSecret,
        suite: &SuiteParams,
        version: ProtocolVersion,
    ) {
        if !self.tracer.on() {
            return;
        }
        let secret = self
            .tracer
            .secrets()
            .then_some(Cow::Borrowed(&master.as_bytes()[..]));
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::MasterSecret {
                label: if extended {
                    "extended master secret"
                } else {
                    "master secret"
                },
                seed_len,
                secret,
            }));
        self.tracer
            .emit(&Event::KeySchedule(KeyScheduleEvent::KeyBlock {
                len: suite.key_block_len(version),
                mac_key_len: suite.mac_len(),
                enc_key_len: suite.enc_key_len(),
                iv_len: suite.fixed_iv_len(version),
            }));
    }

    /// Computes our Finished over the transcript so far, traces it, sends it and adds it to
    /// the transcript (RFC 5246 §7.4.9), labelled for this side.
    pub(crate) fn send_finished(
        &mut self,
        rng: &mut dyn CryptoRng,
        master: &MasterSecret,
        transcript: &mut Transcript,
        prf: PrfAlgorithm,
    ) -> Result<(), Error> {
        let label = finished_label(self.side);
        let hash = transcript.current_hash();
        let verify_data = keys::verify_data(prf, master, label.as_bytes(), hash.as_ref());
        self.trace_finished(Direction::Sent, label, &verify_data, hash.as_ref());
        let fin = HandshakeMessage::new(HandshakePayload::Finished(verify_data.to_vec()));
        self.send_handshake(&fin, Some(transcript), rng)
    }

    /// Checks the peer's Finished in constant time against the transcript so far (which
    /// must not include it yet), then traces it.
    pub(crate) fn check_peer_finished(
        &mut self,
        master: &MasterSecret,
        transcript: &Transcript,
        prf: PrfAlgorithm,
        received: &[u8],
    ) -> Result<(), Error> {
        let label = finished_label(match self.side {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        });
        let hash = transcript.current_hash();
        let expected = keys::verify_data(prf, master, label.as_bytes(), hash.as_ref());
        if !bool::from(expected.as_slice().ct_eq(received)) {
            return Err(PeerMisbehaved::BadFinished.into());
        }
        self.trace_finished(Direction::Received, label, received, hash.as_ref());
        Ok(())
    }

    /// Traces a Finished message's verify_data and the hash it covers.
    pub(crate) fn trace_finished(
        &mut self,
        dir: Direction,
        label: &'static str,
        verify_data: &[u8],
        transcript_hash: &[u8],
    ) {
        self.tracer.emit(&Event::Finished {
            dir,
            verify_data: Cow::Borrowed(verify_data),
            transcript_hash: Cow::Borrowed(transcript_hash),
            label,
        });
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.negotiated.is_some()
    }

    /// Fragments `payload` into records of at most `max_fragment` bytes, sealing them when a
    /// sealer is active.
    pub(crate) fn send_record(
        &mut self,
        typ: ContentType,
        payload: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        for chunk in payload.chunks(self.max_fragment) {
            self.seal_one(typ, chunk, rng)?;
        }
        Ok(())
    }

    pub(crate) fn seal_one(
        &mut self,
        typ: ContentType,
        fragment: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let start = self.sendable.len();
        self.seal_into_sendable(typ, fragment, rng)?;
        let written = self.sendable.len() - start;
        if self.tracer.on() {
            let mut header = [0u8; HEADER_LEN];
            if let Some(h) = self.sendable.get(start..start + HEADER_LEN) {
                header.copy_from_slice(h);
            }
            self.tracer.emit(&Event::Record {
                dir: Direction::Sent,
                offset: self.tx_offset,
                typ,
                version: self.record_version,
                len: written.saturating_sub(HEADER_LEN),
                header,
                protected: self.sealer.is_some(),
            });
        }
        self.tx_offset += written as u64;
        Ok(())
    }

    pub(crate) fn seal_into_sendable(
        &mut self,
        typ: ContentType,
        fragment: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        match self.sealer.as_mut() {
            Some(sealer) => {
                sealer.seal(typ, self.record_version, fragment, &mut self.sendable, rng)
            }
            None => {
                let len = u16::try_from(fragment.len())
                    .map_err(|_| Error::Internal("record too long"))?;
                RecordHeader {
                    typ,
                    version: self.record_version,
                    len,
                }
                .encode(&mut self.sendable);
                self.sendable.extend_from_slice(fragment);
                Ok(())
            }
        }
    }

    pub(crate) fn send_alert(
        &mut self,
        level: AlertLevel,
        description: AlertDescription,
        rng: &mut dyn CryptoRng,
    ) {
        let body = AlertMessage { level, description }.get_encoding();
        // Best effort: if sealing fails (sequence exhausted) there is nothing better to send.
        if self.seal_one(ContentType::ALERT, &body, rng).is_ok() {
            self.tracer.emit(&Event::Alert {
                dir: Direction::Sent,
                level,
                description,
            });
        }
    }
}

/// The PRF label of the Finished message `side` sends.
fn finished_label(side: Side) -> &'static str {
    match side {
        Side::Client => "client finished",
        Side::Server => "server finished",
    }
}

impl Core {
    /// Handles renegotiation attempts the same way on both sides (lucid never
    /// renegotiates): a HelloRequest to a client, or a ClientHello to a server after the
    /// handshake, is answered with a no_renegotiation warning and otherwise ignored
    /// (RFC 5246 §7.4.1.1, RFC 5746 §4.2). Returns true when the message was consumed.
    pub(crate) fn filter_renegotiation(
        &mut self,
        msg: &HandshakeMessage,
        cx: &mut Context<'_>,
    ) -> Result<bool, Error> {
        let renegotiation = match self.side {
            Side::Client => msg.typ == HandshakeType::HELLO_REQUEST,
            Side::Server => msg.typ == HandshakeType::CLIENT_HELLO && self.is_complete(),
        };
        if !renegotiation {
            return Ok(false);
        }
        if self.is_complete() {
            // Each refusal costs us an alert: a peer that keeps asking is cut off rather
            // than answered without end.
            self.renegotiation_refusals = self.renegotiation_refusals.saturating_add(1);
            if usize::from(self.renegotiation_refusals) > MAX_RENEGOTIATION_REFUSALS {
                return Err(PeerMisbehaved::Other("repeated renegotiation attempts").into());
            }
            self.send_alert(
                AlertLevel::WARNING,
                AlertDescription::NO_RENEGOTIATION,
                cx.rng,
            );
        }
        // A HelloRequest during the handshake is ignored (RFC 5246 §7.4.1.1).
        Ok(true)
    }

    pub(crate) fn handle_alert(
        &mut self,
        alert: AlertMessage,
        _cx: &mut Context<'_>,
    ) -> Result<(), Error> {
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            self.peer_closed = true;
            return Ok(());
        }
        match alert.level {
            AlertLevel::WARNING => {
                if self.warnings.len() >= MAX_WARNING_ALERTS {
                    return Err(PeerMisbehaved::Other("too many warning alerts").into());
                }
                self.warnings.push(alert.description);
                Ok(())
            }
            // The step is filled in by the façade, which knows the handshake state.
            AlertLevel::FATAL => Err(Error::AlertReceived {
                description: alert.description,
                step: None,
            }),
            _ => Err(PeerMisbehaved::BadAlert.into()),
        }
    }
}
