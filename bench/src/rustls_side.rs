//! rustls' side (ring provider, TLS 1.2 only): TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over
//! x25519, the one measured suite rustls implements (it has neither RSA key exchange nor
//! CBC). Resumption is by session ID: the server's ticketer is rustls' default
//! `NeverProducesTickets`, and the client is set to `Tls12Resumption::SessionIdOnly`.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::{Resumption, Tls12Resumption};
use rustls::crypto::CryptoProvider;
use rustls::crypto::ring::{cipher_suite, default_provider, kx_group};
use rustls::{
    ClientConfig, ClientConnection, Connection, HandshakeKind, RootCertStore, ServerConfig,
    ServerConnection,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::common::{
    Bulk, Dir, Hs, Idle, Mem, Negotiated, Pki, RECORD, Suite, server_hello_facts, suite_name,
};
use crate::measure::{Charge, cpu_ns, rust_heap};

pub struct Rustls {
    server: Arc<ServerConfig>,
    roots: Arc<RootCertStore>,
}

/// The ring provider cut down to the one suite and x25519 (client and server alike).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        cipher_suites: vec![cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
        kx_groups: vec![kx_group::X25519],
        ..default_provider()
    })
}

/// rustls runs only the ECDHE suite.
fn only_ecdhe(suite: Suite) {
    assert_eq!(
        suite,
        Suite::EcdheRsaAes128Gcm,
        "rustls implements no RSA key exchange and no CBC"
    );
}

/// What the client negotiated, from rustls' own state (suite, group) and from the
/// ServerHello in the server's first `flight` (EMS and ETM, which rustls does not expose).
fn facts(c: &Connection, flight: &[u8]) -> Negotiated {
    let (id, ems, etm) = server_hello_facts(flight).expect("rustls: no ServerHello");
    let suite: u16 = c
        .negotiated_cipher_suite()
        .expect("rustls: no suite")
        .suite()
        .into();
    assert_eq!(suite, id, "rustls: state and ServerHello disagree");
    let group = c.negotiated_key_exchange_group().map(|g| {
        let g = g.name();
        if g == rustls::NamedGroup::X25519 {
            "x25519".to_string()
        } else {
            format!("{g:?}")
        }
    });
    Negotiated {
        suite: suite_name(suite),
        ems,
        etm,
        group,
    }
}

/// Moves `from`'s TLS bytes into `to` and processes; CPU charged per side.
fn xfer(
    from: &mut Connection,
    to: &mut Connection,
    pipe: &mut Vec<u8>,
    from_ns: &mut Charge,
    to_ns: &mut Charge,
) -> usize {
    let t0 = cpu_ns();
    pipe.clear();
    while from.wants_write() {
        from.write_tls(pipe).unwrap();
    }
    let t1 = cpu_ns();
    let mut rest = &pipe[..];
    while !rest.is_empty() {
        to.read_tls(&mut rest).unwrap();
        to.process_new_packets().expect("rustls: process");
    }
    let t2 = cpu_ns();
    *from_ns += t1 - t0;
    *to_ns += t2 - t1;
    pipe.len()
}

impl Rustls {
    pub fn new(pki: &Pki) -> Self {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pki.chain_pem)
            .map(|c| c.unwrap())
            .collect();
        let key = PrivateKeyDer::from_pem_slice(&pki.leaf_key_pem).unwrap();
        let server = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(&pki.root_pem) {
            roots.add(c.unwrap()).unwrap();
        }
        Self {
            server: Arc::new(server),
            roots: Arc::new(roots),
        }
    }

    fn client_config(&self, resume: bool) -> Arc<ClientConfig> {
        let mut c = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .with_root_certificates(self.roots.clone())
            .with_no_client_auth();
        c.resumption = if resume {
            Resumption::in_memory_sessions(256).tls12_resumption(Tls12Resumption::SessionIdOnly)
        } else {
            Resumption::disabled()
        };
        Arc::new(c)
    }

    /// One handshake; returns the pair, the CPU each side spent, and the server's first
    /// flight when `log` is set.
    fn handshake(
        &self,
        cc: &Arc<ClientConfig>,
        pipe: &mut Vec<u8>,
        log: bool,
    ) -> (Connection, Connection, Charge, Charge, Vec<u8>) {
        let t0 = cpu_ns();
        let c =
            ClientConnection::new(cc.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
        let t1 = cpu_ns();
        let s = ServerConnection::new(self.server.clone()).unwrap();
        let t2 = cpu_ns();
        let (mut c, mut s) = (Connection::Client(c), Connection::Server(s));
        let (mut c_ns, mut s_ns) = (Charge::from(t1 - t0), Charge::from(t2 - t1));
        let mut flight = Vec::new();
        for i in 0..16 {
            let a = xfer(&mut c, &mut s, pipe, &mut c_ns, &mut s_ns);
            let b = xfer(&mut s, &mut c, pipe, &mut s_ns, &mut c_ns);
            if log && i == 0 {
                flight = pipe.clone();
            }
            if a + b == 0 {
                break;
            }
        }
        assert!(
            !c.is_handshaking() && !s.is_handshaking(),
            "rustls: handshake did not finish"
        );
        (c, s, c_ns, s_ns, flight)
    }

    pub fn full_handshakes(&self, suite: Suite, n: usize) -> (Hs, Negotiated) {
        only_ecdhe(suite);
        let cc = self.client_config(false);
        let mut pipe = Vec::new();
        let (c, _, _, _, flight) = self.handshake(&cc, &mut pipe, true);
        let neg = facts(&c, &flight);
        neg.check("rustls", suite);
        let (mut ct, mut st) = (Charge::default(), Charge::default());
        for _ in 0..n {
            let (c, _s, c_ns, s_ns, _) = self.handshake(&cc, &mut pipe, false);
            assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
            ct += c_ns;
            st += s_ns;
        }
        (Hs::from_totals(ct, st, n), neg)
    }

    pub fn resumed_handshakes(&self, suite: Suite, n: usize) -> Hs {
        only_ecdhe(suite);
        let cc = self.client_config(true);
        let mut pipe = Vec::new();
        let (c, _, _, _, flight) = self.handshake(&cc, &mut pipe, true);
        assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
        facts(&c, &flight).check("rustls", suite);
        let (mut ct, mut st) = (Charge::default(), Charge::default());
        for i in 0..n {
            let (c, _s, c_ns, s_ns, flight) = self.handshake(&cc, &mut pipe, i == 0);
            assert_eq!(
                c.handshake_kind(),
                Some(HandshakeKind::Resumed),
                "rustls: not resumed"
            );
            if i == 0 {
                // Session ID, not a ticket: the server's ticketer never issues one and
                // SessionIdOnly keeps the client from offering the SessionTicket extension;
                // the ServerHello echoes the cached session's id.
                let (id, _, _) = server_hello_facts(&flight).expect("rustls: no ServerHello");
                assert_eq!(id, suite.id(), "rustls: resumed another suite");
                assert!(session_id_len(&flight) > 0, "rustls: no session id");
            }
            ct += c_ns;
            st += s_ns;
        }
        Hs::from_totals(ct, st, n)
    }

    pub fn bulk(&self, suite: Suite, dir: Dir, records: usize) -> Bulk {
        only_ecdhe(suite);
        let cc = self.client_config(false);
        let mut pipe = Vec::with_capacity(4 * (RECORD + 1024));
        let (mut c, mut s, _, _, flight) = self.handshake(&cc, &mut pipe, true);
        facts(&c, &flight).check("rustls", suite);
        let (sender, receiver) = match dir {
            Dir::ClientToServer => (&mut c, &mut s),
            Dir::ServerToClient => (&mut s, &mut c),
        };
        let data = vec![0x5a_u8; RECORD];
        let mut sink = vec![0_u8; RECORD];
        let mut wire = 0;
        let (mut send_ns, mut recv_ns) = (0, 0);
        let mut one = |count: bool, split: bool, sa: &mut u64, ra: &mut u64| {
            let clock = |on: bool| if on { cpu_ns() } else { 0 };
            let t0 = clock(split);
            let h0 = rust_heap();
            sender.writer().write_all(&data).unwrap();
            pipe.clear();
            while sender.wants_write() {
                sender.write_tls(&mut pipe).unwrap();
            }
            let h1 = rust_heap();
            let t1 = clock(split);
            wire = pipe.len();
            let mut rest = &pipe[..];
            let mut got = 0;
            while got < RECORD {
                if !rest.is_empty() {
                    receiver.read_tls(&mut rest).unwrap();
                    receiver.process_new_packets().unwrap();
                }
                match receiver.reader().read(&mut sink[got..]) {
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        assert!(!rest.is_empty(), "rustls: record incomplete")
                    }
                    Err(e) => panic!("rustls read: {e}"),
                }
            }
            let h2 = rust_heap();
            let t2 = clock(split);
            if count {
                *sa += h1.allocs - h0.allocs;
                *ra += h2.allocs - h1.allocs;
            }
            send_ns += t1 - t0;
            recv_ns += t2 - t1;
        };
        let (mut sa, mut ra) = (0, 0);
        for _ in 0..16 {
            one(false, false, &mut sa, &mut ra);
        }
        let t0 = cpu_ns();
        for _ in 0..records {
            one(true, false, &mut sa, &mut ra);
        }
        let ns = cpu_ns() - t0;
        let split = records.div_ceil(4);
        for _ in 0..split {
            one(false, true, &mut sa, &mut ra);
        }
        Bulk {
            mb_s: (records * RECORD) as f64 / (ns as f64 / 1e9) / 1e6,
            send_allocs_per_record: sa as f64 / records as f64,
            recv_allocs_per_record: ra as f64 / records as f64,
            wire_per_record: wire,
            send_us: send_ns as f64 / split as f64 / 1e3,
            recv_us: recv_ns as f64 / split as f64 / 1e3,
        }
    }

    /// Heap per established connection after what `idle` says (lucid's buffer setting does
    /// not apply; `Idle::BulkReleased` has no rustls counterpart).
    pub fn idle_memory(&self, suite: Suite, n: usize, idle: Idle) -> Mem {
        only_ecdhe(suite);
        let cc = self.client_config(false);
        let mut pipe = Vec::new();
        let mut clients = Vec::with_capacity(n);
        let mut servers = Vec::with_capacity(n);
        let mut buf = vec![0_u8; RECORD];
        let big = vec![0x5a_u8; RECORD];
        for i in 0..n {
            let (mut c, mut s, _, _, flight) = self.handshake(&cc, &mut pipe, i == 0);
            if i == 0 {
                facts(&c, &flight).check("rustls", suite);
            }
            let (mut a, mut b) = (Charge::default(), Charge::default());
            let mut msgs: Vec<&[u8]> = vec![b"ping"];
            if idle.bulk() {
                msgs.insert(0, &big);
            }
            let mut one_way = |from: &mut Connection, to: &mut Connection, m: &[u8]| {
                from.writer().write_all(m).unwrap();
                xfer(from, to, &mut pipe, &mut a, &mut b);
                let mut got = 0;
                while got < m.len() {
                    got += to.reader().read(&mut buf[got..]).unwrap();
                }
            };
            for m in msgs {
                one_way(&mut c, &mut s, m);
                one_way(&mut s, &mut c, m);
            }
            clients.push(Box::new(c));
            servers.push(Box::new(s));
        }
        drop(pipe);
        let h1 = rust_heap();
        drop(clients);
        let h2 = rust_heap();
        drop(servers);
        let h3 = rust_heap();
        Mem {
            client: (h1.live - h2.live) as f64 / n as f64,
            server: (h2.live - h3.live) as f64 / n as f64,
        }
    }
}

/// The session id length in the ServerHello that starts `flight`.
fn session_id_len(flight: &[u8]) -> usize {
    // record header (5), handshake header (4), version (2), random (32)
    flight.get(5 + 4 + 34).map_or(0, |&n| usize::from(n))
}
