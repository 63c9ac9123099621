//! The ClientHello: what the client offers, and the state waiting for the answer.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use rustls_pki_types::{ServerName, UnixTime};

#[cfg(feature = "ecdhe")]
use crate::conn::suite_params;
use crate::conn::{Context, Core};
#[cfg(feature = "ecdhe")]
use crate::crypto::ecdh;
use crate::crypto::hash::Transcript;
use crate::crypto::sign;
#[cfg(feature = "ecdhe")]
use crate::crypto::suites::KeyExchange;
use crate::error::Error;
#[cfg(feature = "ecdhe")]
use crate::msgs::enums::EcPointFormat;
use crate::msgs::enums::{CipherSuite, Compression, HandshakeType, ProtocolVersion};
use crate::msgs::extensions::ClientExtension;
use crate::msgs::handshake::{
    ClientHelloPayload, HandshakeMessage, HandshakePayload, Random, SessionId,
};
use crate::trace::{Event, ResumptionEvent};

use super::{ClientConfig, ClientState, HelloData, store_key};

/// Waiting for ServerHello.
#[derive(Debug)]
pub(crate) struct ExpectServerHello {
    pub(super) hello: HelloData,
}

fn gmt_unix_time_random(now: UnixTime, rng: &mut dyn CryptoRng) -> Random {
    let mut r = [0u8; 32];
    rng.fill_bytes(&mut r);
    // The first four bytes are gmt_unix_time (RFC 5246 §7.4.1.2); truncation to 32 bits is
    // what the field is.
    let t = (now.as_secs() & 0xffff_ffff) as u32;
    if let Some(head) = r.first_chunk_mut::<4>() {
        *head = t.to_be_bytes();
    }
    Random(r)
}

impl ExpectServerHello {
    pub(super) fn placeholder(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Self {
        let offered_suites = config.offered_suites();
        Self {
            hello: HelloData {
                config,
                server_name,
                client_random: Random([0; 32]),
                transcript: Transcript::new(),
                offered_suites,
                offered_sni: false,
                offered_groups: Vec::new(),
                offered_sigalgs: Vec::new(),
                resuming: None,
            },
        }
    }

    pub(super) fn send_client_hello(
        mut self: Box<Self>,
        core: &mut Core,
        cx: &mut Context<'_>,
    ) -> Result<ClientState, Error> {
        let h = &mut self.hello;
        let config = h.config.clone();
        h.client_random = gmt_unix_time_random(cx.now, cx.rng);

        let mut extensions = Vec::new();
        if let ServerName::DnsName(dns) = &h.server_name {
            // Not for IP literals (RFC 6066 §3).
            extensions.push(ClientExtension::server_name(dns.as_ref().as_bytes()));
            h.offered_sni = true;
        }
        if let Some(mfl) = config.max_fragment_length {
            extensions.push(ClientExtension::MaxFragmentLength(mfl));
        }
        extensions.push(ClientExtension::RenegotiationInfo(Vec::new()));
        if config.offer_extended_master_secret {
            extensions.push(ClientExtension::ExtendedMasterSecret);
        }
        if config.offer_encrypt_then_mac {
            extensions.push(ClientExtension::EncryptThenMac);
        }
        if config.max_version >= ProtocolVersion::TLSV1_2 {
            h.offered_sigalgs = sign::offered_schemes();
            extensions.push(ClientExtension::SignatureAlgorithms(
                h.offered_sigalgs.clone(),
            ));
        }
        #[cfg(feature = "ecdhe")]
        let offers_ecdhe = h
            .offered_suites
            .iter()
            .any(|s| suite_params(*s).is_ok_and(|p| p.kx == KeyExchange::Ecdhe));
        #[cfg(feature = "ecdhe")]
        if offers_ecdhe {
            // RFC 8422 §5.1: both extensions with any ECC suite; uncompressed points only.
            h.offered_groups = config
                .groups
                .iter()
                .copied()
                .filter(|g| ecdh::is_supported(*g))
                .collect();
            extensions.push(ClientExtension::SupportedGroups(h.offered_groups.clone()));
            extensions.push(ClientExtension::EcPointFormats(alloc::vec![
                EcPointFormat::UNCOMPRESSED
            ]));
        }
        if !config.alpn_protocols.is_empty() {
            extensions.push(ClientExtension::Alpn(config.alpn_protocols.clone()));
        }

        let mut session_id = SessionId::EMPTY;
        if let Some(store) = &config.session_store {
            if let Some(s) = store.get(&store_key(&h.server_name)) {
                let usable = s.version >= config.min_version
                    && s.version <= config.max_version
                    && h.offered_suites.contains(&s.suite)
                    && (s.extended_master_secret || !config.offer_extended_master_secret)
                    // RFC 6066 §4: the session's limit would apply; offer it only if that
                    // is the one asked for now.
                    && s.max_fragment_length == config.max_fragment_length
                    && !s.session_id.as_slice().is_empty();
                if usable {
                    session_id = s.session_id;
                    h.resuming = Some(s);
                }
            }
        }

        core.tracer
            .emit(&Event::Resumption(if h.resuming.is_some() {
                ResumptionEvent::Offered
            } else {
                ResumptionEvent::NotOffered
            }));
        let mut cipher_suites = h.offered_suites.clone();
        if config.send_fallback_scsv {
            cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
        }
        let payload = ClientHelloPayload {
            client_version: config.max_version,
            random: h.client_random,
            session_id,
            cipher_suites,
            compression_methods: alloc::vec![Compression::NULL],
            extensions,
            unknown_extensions: Default::default(),
        };
        let msg = HandshakeMessage {
            typ: HandshakeType::CLIENT_HELLO,
            payload: HandshakePayload::ClientHello(payload),
        };
        // The ClientHello travels in a TLS 1.0 record whatever we offer: some old servers
        // reject higher record versions before reading the hello.
        core.record_version = ProtocolVersion::TLSV1_0;
        core.send_handshake(&msg, Some(&mut h.transcript), cx.rng)?;
        Ok(ClientState::ExpectServerHello(self))
    }
}
