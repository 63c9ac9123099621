//! Thread-safe in-memory session stores for session-ID resumption: lucid-core's bounded
//! [`SessionCache`](lucid_core::session::SessionCache) behind a `Mutex` for servers, and a
//! bounded map keyed by server name for clients. They live in lucid-core (behind its `std`
//! feature) so lucid-core's own tests share them; this is their public path here.

pub use lucid_core::session::{MemoryClientSessionStore, MemoryServerSessionStore};
