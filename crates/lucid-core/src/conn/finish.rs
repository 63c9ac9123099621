//! The last two states of every handshake, the same on both sides: waiting for the peer's
//! ChangeCipherSpec, then for its Finished (RFC 5246 §7.4.9).
//!
//! Who sends their ChangeCipherSpec and Finished first depends on the side and the kind of
//! handshake (full: client first; abbreviated: server first). The side that goes second
//! holds its sealer in [`Finishing::our_sealer`] and sends its flight right after checking
//! the peer's Finished. What happens after that (a session cached, a trace event) is the
//! side's [`PeerFinished`] hook.

use alloc::boxed::Box;
use core::fmt;

use super::{Context, Core, Message, Negotiated, suite_params};
use crate::crypto::hash::Transcript;
use crate::crypto::keys::MasterSecret;
use crate::crypto::protection::RecordSealer;
use crate::error::Error;
use crate::msgs::handshake::HandshakePayload;

/// What a side does once the peer's Finished checked out (and our own final flight, if it
/// comes last, is queued), before the handshake is marked complete.
pub(crate) trait PeerFinished {
    /// `our_flight_last`: our ChangeCipherSpec and Finished went out after the peer's.
    fn peer_finished(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        master: &MasterSecret,
        negotiated: &Negotiated,
        our_flight_last: bool,
    );
}

/// Everything the last two states hold.
pub(crate) struct Finishing<S> {
    pub(crate) transcript: Transcript,
    pub(crate) master: MasterSecret,
    pub(crate) negotiated: Negotiated,
    /// Our record keys, when our ChangeCipherSpec and Finished come after the peer's
    /// (the client on resumption, the server on a full handshake).
    pub(crate) our_sealer: Option<RecordSealer>,
    /// The side's data for its [`PeerFinished`] hook.
    pub(crate) side: S,
}

impl<S> fmt::Debug for Finishing<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finishing")
            .field("negotiated", &self.negotiated)
            .field("our_flight_last", &self.our_sealer.is_some())
            .finish_non_exhaustive()
    }
}

/// Waiting for the peer's ChangeCipherSpec.
#[derive(Debug)]
pub(crate) struct ExpectCcs<S>(pub(crate) Finishing<S>);

/// Waiting for the peer's Finished (its keys are installed).
#[derive(Debug)]
pub(crate) struct ExpectFinished<S>(Finishing<S>);

impl<S> ExpectCcs<S> {
    /// What the handshake holds here (for naming the step an alert arrived in).
    pub(crate) fn finishing(&self) -> &Finishing<S> {
        &self.0
    }

    pub(crate) fn handle(self, msg: Message<'_>) -> Result<Box<ExpectFinished<S>>, Error> {
        match msg {
            Message::ChangeCipherSpec => Ok(Box::new(ExpectFinished(self.0))),
            other => Err(other.unexpected("ChangeCipherSpec")),
        }
    }
}

impl<S> ExpectFinished<S> {
    /// What the handshake holds here (for naming the step an alert arrived in).
    pub(crate) fn finishing(&self) -> &Finishing<S> {
        &self.0
    }
}

impl<S: PeerFinished> ExpectFinished<S> {
    /// Checks the peer's Finished, sends ours if it comes last, runs the side's hook and
    /// marks the handshake complete.
    pub(crate) fn handle(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        msg: Message<'_>,
    ) -> Result<(), Error> {
        let (received, raw) = msg.expect_handshake("Finished", |p| match p {
            HandshakePayload::Finished(v) => Some(v),
            _ => None,
        })?;
        let Finishing {
            mut transcript,
            master,
            negotiated,
            our_sealer,
            side,
        } = self.0;
        // The negotiated (or resumed) suite's PRF at the negotiated version.
        let prf = suite_params(negotiated.suite)?.prf_algorithm(negotiated.version);
        core.check_peer_finished(&master, &transcript, prf, &received)?;
        transcript.add(raw);
        let our_flight_last = our_sealer.is_some();
        if let Some(sealer) = our_sealer {
            core.send_ccs(sealer, cx.rng)?;
            core.send_finished(cx.rng, &master, &mut transcript, prf)?;
        }
        side.peer_finished(core, cx, &master, &negotiated, our_flight_last);
        core.complete(negotiated);
        Ok(())
    }
}
