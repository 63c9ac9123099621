//! In-memory session stores for `--reconnect`, `lucid demo` and the snapshot tests.
//!
//! lucid-core is `no_std` and leaves locking to the caller; these wrap its types in a
//! `std::sync::Mutex`.

use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use lucid_core::client::{ClientSession, ClientSessionStore};
use lucid_core::msgs::handshake::SessionId;
use lucid_core::session::{ServerSession, ServerSessionStore, SessionCache};
use lucid_core::x509::pki_types::UnixTime;

/// Client sessions by server name.
#[derive(Debug, Default)]
pub struct ClientStore {
    sessions: Mutex<HashMap<String, ClientSession>>,
}

impl ClientSessionStore for ClientStore {
    fn put(&self, server_name: &str, session: ClientSession) {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(server_name.to_string(), session);
    }

    fn get(&self, server_name: &str) -> Option<ClientSession> {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(server_name)
            .cloned()
    }

    fn remove(&self, server_name: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(server_name);
    }
}

/// lucid-core's [`SessionCache`] behind a lock.
#[derive(Debug)]
pub struct ServerStore(Mutex<SessionCache>);

impl ServerStore {
    /// At most `capacity` sessions, each for `lifetime`.
    pub fn new(capacity: usize, lifetime: Duration) -> Self {
        Self(Mutex::new(SessionCache::new(capacity, lifetime)))
    }
}

impl ServerSessionStore for ServerStore {
    fn put(&self, id: SessionId, session: ServerSession) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(id, session);
    }

    fn get(&self, id: &SessionId, now: UnixTime) -> Option<ServerSession> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id, now)
    }

    fn remove(&self, id: &SessionId) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}
