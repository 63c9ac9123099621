//! After the client's Finished: caching the session.

use alloc::string::String;
use alloc::sync::Arc;

use crate::conn::finish::PeerFinished;
use crate::conn::{Context, Core, Negotiated};
use crate::crypto::keys::MasterSecret;
use crate::session::ServerSession;
use crate::trace::{Event, ResumptionEvent};

use super::ServerConfig;

/// What the server does once the client's Finished checked out: after a full handshake,
/// cache the session.
#[derive(Debug)]
pub(crate) struct ServerFinish {
    pub(super) config: Arc<ServerConfig>,
    pub(super) sni: Option<String>,
}

impl PeerFinished for ServerFinish {
    fn peer_finished(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        master: &MasterSecret,
        negotiated: &Negotiated,
        our_flight_last: bool,
    ) {
        // Only a full handshake (where our flight comes last) creates a session.
        if !our_flight_last {
            return;
        }
        let Some(store) = &self.config.session_store else {
            return;
        };
        if negotiated.session_id.is_empty() {
            return;
        }
        store.put(
            negotiated.session_id,
            ServerSession {
                client_certificates: negotiated.client_certificates.clone(),
                version: negotiated.version,
                suite: negotiated.suite,
                extended_master_secret: negotiated.extended_master_secret,
                master_secret: master.clone(),
                server_name: self.sni,
                created: cx.now,
                max_fragment_length: negotiated.max_fragment_length,
            },
        );
        core.tracer
            .emit(&Event::Resumption(ResumptionEvent::Stored));
    }
}
