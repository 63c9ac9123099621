//! After the server's Finished: remembering the session.

use alloc::sync::Arc;

use rustls_pki_types::ServerName;

use crate::conn::finish::PeerFinished;
use crate::conn::{Context, Core, Negotiated};
use crate::crypto::keys::MasterSecret;
use crate::session::ClientSession;
use crate::trace::{Event, ResumptionEvent};

use super::{ClientConfig, store_key};

/// What the client does once the server's Finished checked out: remember the session.
#[derive(Debug)]
pub(crate) struct ClientFinish {
    pub(super) config: Arc<ClientConfig>,
    pub(super) server_name: ServerName<'static>,
    /// We answered a CertificateRequest with an empty Certificate.
    pub(super) empty_certificate: bool,
    /// We answered a CertificateRequest with our chain and a CertificateVerify.
    pub(super) certificate_sent: bool,
}

impl PeerFinished for ClientFinish {
    fn peer_finished(
        self,
        core: &mut Core,
        cx: &mut Context<'_>,
        master: &MasterSecret,
        negotiated: &Negotiated,
        _our_flight_last: bool,
    ) {
        let Some(store) = &self.config.session_store else {
            return;
        };
        if negotiated.session_id.as_slice().is_empty() {
            return;
        }
        store.put(
            &store_key(&self.server_name),
            ClientSession {
                session_id: negotiated.session_id,
                version: negotiated.version,
                suite: negotiated.suite,
                extended_master_secret: negotiated.extended_master_secret,
                master_secret: master.clone(),
                established: cx.now,
                max_fragment_length: negotiated.max_fragment_length,
            },
        );
        core.tracer
            .emit(&Event::Resumption(ResumptionEvent::Stored));
    }
}
