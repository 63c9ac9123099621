//! Thread-safe in-memory session stores for session-ID resumption (with `std`): the
//! bounded [`SessionCache`] behind a `Mutex` for servers, and a bounded map keyed by server
//! name for clients. `lucid-blocking` re-exports them; lucid-core's own tests use them too.

use alloc::borrow::ToOwned;
use alloc::collections::VecDeque;
use alloc::string::String;
use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rustls_pki_types::UnixTime;

use super::{ClientSession, ClientSessionStore};
use super::{ServerSession, ServerSessionStore, SessionCache};
use crate::msgs::handshake::SessionId;

/// Locks, carrying on after a panic elsewhere: the data is a cache, a torn update only
/// costs a full handshake.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A server session cache shared by every connection of a process.
#[derive(Debug)]
pub struct MemoryServerSessionStore {
    cache: Mutex<SessionCache>,
}

impl MemoryServerSessionStore {
    /// At most `capacity` sessions (oldest evicted first), each resumable for `lifetime`.
    pub fn new(capacity: usize, lifetime: Duration) -> Self {
        Self {
            cache: Mutex::new(SessionCache::new(capacity, lifetime)),
        }
    }

    /// Number of sessions held.
    pub fn len(&self) -> usize {
        lock(&self.cache).len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        lock(&self.cache).is_empty()
    }
}

impl Default for MemoryServerSessionStore {
    /// 1024 sessions for 2 hours (RFC 5246 suggests at most 24 hours).
    fn default() -> Self {
        Self::new(1024, Duration::from_secs(2 * 3600))
    }
}

impl ServerSessionStore for MemoryServerSessionStore {
    fn put(&self, id: SessionId, session: ServerSession) {
        lock(&self.cache).put(id, session);
    }

    fn get(&self, id: &SessionId, now: UnixTime) -> Option<ServerSession> {
        lock(&self.cache).get(id, now)
    }

    fn remove(&self, id: &SessionId) {
        lock(&self.cache).remove(id);
    }
}

#[derive(Debug, Default)]
struct ClientInner {
    map: HashMap<String, ClientSession>,
    order: VecDeque<String>,
}

/// A client session store keyed by server name, holding at most `capacity` names (the
/// oldest name is forgotten first).
#[derive(Debug)]
pub struct MemoryClientSessionStore {
    capacity: usize,
    inner: Mutex<ClientInner>,
}

impl MemoryClientSessionStore {
    /// At most `capacity` server names.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(ClientInner::default()),
        }
    }

    /// Number of server names with a session.
    pub fn len(&self) -> usize {
        lock(&self.inner).map.len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        lock(&self.inner).map.is_empty()
    }
}

impl Default for MemoryClientSessionStore {
    /// 256 server names.
    fn default() -> Self {
        Self::new(256)
    }
}

impl ClientSessionStore for MemoryClientSessionStore {
    fn put(&self, server_name: &str, session: ClientSession) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = lock(&self.inner);
        if inner.map.insert(server_name.to_owned(), session).is_none() {
            inner.order.push_back(server_name.to_owned());
        }
        while inner.map.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.map.remove(&old);
                }
                None => break,
            }
        }
    }

    fn get(&self, server_name: &str) -> Option<ClientSession> {
        lock(&self.inner).map.get(server_name).cloned()
    }

    fn remove(&self, server_name: &str) {
        let mut inner = lock(&self.inner);
        if inner.map.remove(server_name).is_some() {
            inner.order.retain(|n| n != server_name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::MasterSecret;
    use crate::msgs::enums::{CipherSuite, ProtocolVersion};

    fn client_session(n: u8) -> ClientSession {
        ClientSession {
            session_id: SessionId::new(&[n; 32]).unwrap(),
            version: ProtocolVersion::TLSV1_2,
            suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
            extended_master_secret: true,
            master_secret: MasterSecret::from_bytes([n; 48]),
            established: UnixTime::since_unix_epoch(Duration::from_secs(1)),
            max_fragment_length: None,
        }
    }

    #[test]
    fn client_store_is_bounded_and_keyed_by_name() {
        let s = MemoryClientSessionStore::new(2);
        s.put("a", client_session(1));
        s.put("b", client_session(2));
        s.put("a", client_session(3));
        assert_eq!(s.len(), 2);
        assert_eq!(s.get("a").unwrap().session_id.as_slice(), [3; 32]);
        s.put("c", client_session(4));
        assert_eq!(s.len(), 2);
        assert!(s.get("a").is_none(), "oldest name forgotten");
        assert!(s.get("b").is_some() && s.get("c").is_some());
        s.remove("b");
        assert!(s.get("b").is_none());
        s.put("d", client_session(5));
        assert_eq!(s.len(), 2);
        assert!(s.get("c").is_some());
        let none = MemoryClientSessionStore::new(0);
        none.put("a", client_session(1));
        assert!(none.is_empty());
    }

    #[test]
    fn server_store_wraps_the_cache() {
        let s = MemoryServerSessionStore::new(1, Duration::from_secs(10));
        let id = SessionId::new(&[9; 32]).unwrap();
        let session = ServerSession {
            version: ProtocolVersion::TLSV1_2,
            suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
            extended_master_secret: false,
            master_secret: MasterSecret::from_bytes([1; 48]),
            server_name: None,
            created: UnixTime::since_unix_epoch(Duration::from_secs(100)),
            client_certificates: Default::default(),
            max_fragment_length: None,
        };
        s.put(id, session);
        let at = |t| UnixTime::since_unix_epoch(Duration::from_secs(t));
        assert!(s.get(&id, at(105)).is_some());
        assert!(s.get(&id, at(110)).is_none());
        assert!(s.is_empty());
    }
}
