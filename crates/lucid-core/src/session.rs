//! Session-ID resumption state (RFC 5246 §7.3, §7.4.1.2; RFC 7627 §5.3).
//!
//! - [`ServerSession`]: what a server remembers about a session: version, suite, whether it
//!   used the extended master secret, the master secret (zeroized on drop), the server name
//!   it was established for, and when.
//! - [`ServerSessionStore`]: the pluggable store a [`crate::server::ServerConfig`] holds
//!   (`&self` methods, so one store can be shared between threads — or, behind an
//!   implementation that talks to a shared cache, between processes).
//! - [`SessionCache`]: the bounded, `now`-based cache core (`&mut self`, no locking, no
//!   clock, `no_std`), for store implementations to wrap in whatever lock the platform has
//!   (with `std`, [`MemoryServerSessionStore`] wraps it in a `std::sync::Mutex`; lucid-blocking
//!   re-exports it).
//!
//! # Implementation notes
//!
//! The cache is a `BTreeMap` from session id to entry plus a FIFO queue of insertion
//! tickets. Eviction is first-in first-out: when the cache is full, the oldest insertion
//! still present goes. Removing or replacing an entry leaves its ticket in the queue; stale
//! tickets are skipped on eviction and the queue is compacted when it grows past twice the
//! capacity, so memory stays bounded by the capacity whatever the sequence of calls.
//! Expiry is checked on `get` (an expired entry is removed and not returned) and expired
//! entries at the front of the queue are dropped on `put`.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use rustls_pki_types::UnixTime;

use crate::crypto::keys::MasterSecret;
use crate::msgs::enums::{CipherSuite, MaxFragmentLength, ProtocolVersion};
use crate::msgs::handshake::SessionId;

#[cfg(any(test, feature = "std"))]
mod memory;
#[cfg(any(test, feature = "std"))]
pub use memory::{MemoryClientSessionStore, MemoryServerSessionStore};

/// What a server remembers about an established session.
#[derive(Clone)]
pub struct ServerSession {
    /// Version of the original handshake.
    pub version: ProtocolVersion,
    /// Cipher suite of the original handshake.
    pub suite: CipherSuite,
    /// Whether the original handshake used the extended master secret (RFC 7627).
    pub extended_master_secret: bool,
    /// The master secret (zeroized on drop).
    pub master_secret: MasterSecret,
    /// The server name (SNI) the session was established for, lowercased, if any.
    /// RFC 6066 §3: a session is not resumed for a different name.
    pub server_name: Option<String>,
    /// When the full handshake completed.
    pub created: UnixTime,
    /// The client's certificate chain from the full handshake (empty when it sent none),
    /// so a resumed connection knows its peer ([`crate::Negotiated::client_certificates`]).
    pub client_certificates: Vec<Vec<u8>>,
    /// The max_fragment_length the full handshake negotiated: RFC 6066 §4, "the negotiated
    /// length applies for the duration of the session including session resumptions". The
    /// session is resumed only for a client that asks for the same limit again.
    pub max_fragment_length: Option<MaxFragmentLength>,
}

impl fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSession")
            .field("version", &self.version)
            .field("suite", &self.suite)
            .field("extended_master_secret", &self.extended_master_secret)
            .field("server_name", &self.server_name)
            .field("max_fragment_length", &self.max_fragment_length)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

/// A server-side store of resumable sessions, keyed by session id.
///
/// Implementations decide capacity, lifetime and sharing. `now` is the caller's clock (lucid
/// never reads one): an implementation MUST NOT return a session that has expired at `now`.
pub trait ServerSessionStore: fmt::Debug + Send + Sync {
    /// Remembers `session` under `id` (replacing any previous entry).
    fn put(&self, id: SessionId, session: ServerSession);
    /// The session stored under `id`, if present and not expired at `now`.
    fn get(&self, id: &SessionId, now: UnixTime) -> Option<ServerSession>;
    /// Forgets `id`.
    fn remove(&self, id: &SessionId);
}

/// Map key: a session id's bytes with its length (ids of different lengths never collide).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key([u8; SessionId::MAX_LEN], u8);

impl Key {
    fn of(id: &SessionId) -> Self {
        let mut bytes = [0u8; SessionId::MAX_LEN];
        let src = id.as_slice();
        if let Some(dst) = bytes.get_mut(..src.len()) {
            dst.copy_from_slice(src);
        }
        // `SessionId` holds at most 32 bytes.
        Self(bytes, u8::try_from(src.len()).unwrap_or(u8::MAX))
    }
}

struct Entry {
    session: ServerSession,
    ticket: u64,
}

/// A bounded session cache with FIFO eviction and lifetime-based expiry.
///
/// Not synchronised: wrap it in a lock to implement [`ServerSessionStore`].
pub struct SessionCache {
    capacity: usize,
    lifetime: Duration,
    map: BTreeMap<Key, Entry>,
    /// Insertion order: (key, ticket). May hold stale tickets; see the module notes.
    order: VecDeque<(Key, u64)>,
    next_ticket: u64,
}

impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("capacity", &self.capacity)
            .field("lifetime", &self.lifetime)
            .field("len", &self.map.len())
            .finish_non_exhaustive()
    }
}

impl SessionCache {
    /// A cache holding at most `capacity` sessions (0 stores nothing), each valid for
    /// `lifetime` after its creation. RFC 5246 §7.4.1.2 suggests at most 24 hours.
    pub fn new(capacity: usize, lifetime: Duration) -> Self {
        Self {
            capacity,
            lifetime,
            map: BTreeMap::new(),
            order: VecDeque::new(),
            next_ticket: 0,
        }
    }

    /// The configured capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The configured lifetime.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Number of sessions held (expired ones included until they are noticed).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the cache holds no session.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn expired(&self, session: &ServerSession, now: UnixTime) -> bool {
        let age = now.as_secs().saturating_sub(session.created.as_secs());
        age >= self.lifetime.as_secs()
    }

    /// Stores `session` under `id`, evicting the oldest entry when full. An empty `id` is
    /// not stored (it means "not resumable").
    pub fn put(&mut self, id: SessionId, session: ServerSession) {
        if self.capacity == 0 || id.is_empty() {
            return;
        }
        let key = Key::of(&id);
        let now = session.created;
        // Replacing an entry frees its slot (its old ticket goes stale).
        self.map.remove(&key);
        // Drop expired entries at the front, then evict until there is room.
        while let Some(&(front, ticket)) = self.order.front() {
            let live = self.map.get(&front).filter(|e| e.ticket == ticket);
            let drop = match live {
                None => true,
                Some(e) => self.map.len() >= self.capacity || self.expired(&e.session, now),
            };
            if !drop {
                break;
            }
            self.order.pop_front();
            if live.is_some() {
                self.map.remove(&front);
            }
        }
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.map.insert(key, Entry { session, ticket });
        self.order.push_back((key, ticket));
        if self.order.len() > self.capacity.saturating_mul(2) {
            let map = &self.map;
            self.order
                .retain(|(k, t)| map.get(k).is_some_and(|e| e.ticket == *t));
        }
    }

    /// The session stored under `id` if it has not expired at `now`; an expired entry is
    /// removed.
    pub fn get(&mut self, id: &SessionId, now: UnixTime) -> Option<ServerSession> {
        let key = Key::of(id);
        let entry = self.map.get(&key)?;
        if self.expired(&entry.session, now) {
            self.map.remove(&key);
            return None;
        }
        Some(entry.session.clone())
    }

    /// Forgets `id`.
    pub fn remove(&mut self, id: &SessionId) {
        self.map.remove(&Key::of(id));
    }
}

/// What a client remembers to resume a session (RFC 5246 §7.3, RFC 7627 §5.3).
#[derive(Clone)]
pub struct ClientSession {
    /// Session id the server assigned.
    pub session_id: SessionId,
    /// Version of the original session.
    pub version: ProtocolVersion,
    /// Cipher suite of the original session.
    pub suite: CipherSuite,
    /// Whether the original session used the extended master secret.
    pub extended_master_secret: bool,
    /// The master secret.
    pub master_secret: MasterSecret,
    /// When the session was established.
    pub established: UnixTime,
    /// The max_fragment_length the session was established with (RFC 6066 §4: it applies
    /// to its resumptions too). Offered only by a client configured with the same limit.
    pub max_fragment_length: Option<MaxFragmentLength>,
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("session_id", &self.session_id)
            .field("version", &self.version)
            .field("suite", &self.suite)
            .field("extended_master_secret", &self.extended_master_secret)
            .field("max_fragment_length", &self.max_fragment_length)
            .finish_non_exhaustive()
    }
}

/// A client-side store of resumable sessions, keyed by server name.
pub trait ClientSessionStore: fmt::Debug + Send + Sync {
    /// Remembers `session` for `server_name`.
    fn put(&self, server_name: &str, session: ClientSession);
    /// The session to offer to `server_name`, if any.
    fn get(&self, server_name: &str) -> Option<ClientSession>;
    /// Forgets the session for `server_name` (the server declined it or it failed).
    fn remove(&self, server_name: &str);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn id(n: u8) -> SessionId {
        SessionId::new(&[n; 32]).unwrap()
    }

    fn session(created: u64, ms: u8) -> ServerSession {
        ServerSession {
            version: ProtocolVersion::TLSV1_2,
            suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
            extended_master_secret: true,
            master_secret: MasterSecret::from_bytes([ms; 48]),
            server_name: Some("localhost".to_string()),
            created: UnixTime::since_unix_epoch(Duration::from_secs(created)),
            client_certificates: Vec::new(),
            max_fragment_length: None,
        }
    }

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs))
    }

    #[test]
    fn put_get_remove() {
        let mut c = SessionCache::new(4, Duration::from_secs(100));
        assert!(c.get(&id(1), at(0)).is_none());
        c.put(id(1), session(10, 0xaa));
        let s = c.get(&id(1), at(20)).unwrap();
        assert_eq!(s.master_secret.as_bytes(), &[0xaa; 48]);
        assert_eq!(s.server_name.as_deref(), Some("localhost"));
        // A different length with the same prefix is a different id.
        assert!(c.get(&SessionId::new(&[1; 31]).unwrap(), at(20)).is_none());
        c.remove(&id(1));
        assert!(c.get(&id(1), at(20)).is_none());
        assert!(c.is_empty());
        // Empty ids are never stored.
        c.put(SessionId::EMPTY, session(10, 1));
        assert!(c.is_empty());
    }

    #[test]
    fn expiry_on_get() {
        let mut c = SessionCache::new(4, Duration::from_secs(100));
        c.put(id(1), session(1000, 1));
        assert!(c.get(&id(1), at(1099)).is_some());
        assert!(c.get(&id(1), at(1100)).is_none());
        assert_eq!(c.len(), 0, "expired entry removed on get");
        // A clock that went backwards does not resurrect or break anything.
        c.put(id(2), session(1000, 2));
        assert!(c.get(&id(2), at(500)).is_some());
    }

    #[test]
    fn fifo_eviction_and_bounded_memory() {
        let mut c = SessionCache::new(3, Duration::from_secs(100_000));
        for n in 1..=3 {
            c.put(id(n), session(10, n));
        }
        c.put(id(4), session(11, 4));
        assert_eq!(c.len(), 3);
        assert!(c.get(&id(1), at(12)).is_none(), "oldest evicted");
        for n in 2..=4 {
            assert!(c.get(&id(n), at(12)).is_some(), "{n}");
        }
        // Replacing does not grow the cache and renews the entry's place in the queue.
        c.put(id(2), session(12, 0x22));
        c.put(id(5), session(13, 5));
        assert!(c.get(&id(3), at(14)).is_none(), "3 was now the oldest");
        assert_eq!(
            c.get(&id(2), at(14)).unwrap().master_secret.as_bytes(),
            &[0x22; 48]
        );
        // Hammering one id and removing never grows the queue beyond 2 × capacity (+1).
        for round in 0..1000u64 {
            c.put(id(9), session(20 + round, 9));
            c.remove(&id(9));
            assert!(c.order.len() <= 2 * c.capacity() + 1);
            assert!(c.len() <= c.capacity());
        }
        let ids: Vec<u8> = (0..=255)
            .filter(|n| c.get(&id(*n), at(30)).is_some())
            .collect();
        // The first put of 9 evicted the oldest (4); later rounds found room.
        assert_eq!(ids, [2, 5]);
    }

    #[test]
    fn expired_entries_make_room_first() {
        let mut c = SessionCache::new(2, Duration::from_secs(10));
        c.put(id(1), session(0, 1));
        c.put(id(2), session(8, 2));
        // At t=15 entry 1 has expired: it goes, entry 2 stays.
        c.put(id(3), session(15, 3));
        assert!(c.get(&id(2), at(15)).is_some());
        assert!(c.get(&id(3), at(15)).is_some());
        assert!(c.get(&id(1), at(15)).is_none());
    }

    #[test]
    fn zero_capacity_stores_nothing() {
        let mut c = SessionCache::new(0, Duration::from_secs(10));
        c.put(id(1), session(0, 1));
        assert!(c.get(&id(1), at(0)).is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn debug_hides_the_master_secret() {
        let s = session(0, 0x5a);
        let text = alloc::format!("{s:?}");
        assert!(!text.contains("5a5a"), "{text}");
        assert!(text.contains("TLS_RSA_WITH_AES_128_CBC_SHA"));
    }
}
