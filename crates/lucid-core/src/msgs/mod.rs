//! Wire messages: record header, alerts, handshake messages, extensions.

pub mod enums;
