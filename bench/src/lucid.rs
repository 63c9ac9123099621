//! lucid's side: client and server `Connection`s joined by hand (sans-IO), the bytes moved
//! straight from one side's `pending_tls` into the other's `read_tls`.

use std::sync::Arc;
use std::time::Duration;

use lucid_blocking::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::internal::msgs::enums::CipherSuite;
use lucid_core::x509::{self, RootStore};
use lucid_core::{CertifiedKey, RsaCrateKey, ServerConfig, ServerConnection, ServerRsaKey};
use lucid_core::{ClientConfig, ClientConnection, ClientSessionStore, WebPkiVerifier};
use lucid_core::{Connection, NamedGroup, RecordBuffers};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, ServerName, UnixTime};

use crate::common::{
    Bulk, Dir, Hs, Idle, Mem, NOW_SECS, Negotiated, Pki, RECORD, Suite, suite_name,
};
use crate::measure::{Charge, cpu_ns, rust_heap};

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(NOW_SECS))
}

fn suite_id(s: Suite) -> CipherSuite {
    match s {
        Suite::Aes128Sha => CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        Suite::Aes256Sha256 => CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        Suite::EcdheRsaAes128Gcm => CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    }
}

/// What a finished connection negotiated (after a full handshake: the group is `None` on
/// resumption).
fn facts(c: &Connection) -> Negotiated {
    let neg = c.negotiated().expect("lucid: nothing negotiated");
    Negotiated {
        suite: suite_name(neg.suite.get()),
        ems: neg.extended_master_secret,
        etm: neg.encrypt_then_mac,
        group: neg.group.map(|g| g.to_string()),
    }
}

/// Everything lucid needs, parsed once.
pub struct Lucid {
    chain: Vec<Vec<u8>>,
    pub key_pkcs8: Vec<u8>,
    roots: RootStore,
    crng: ChaCha20Rng,
    srng: ChaCha20Rng,
    name: ServerName<'static>,
}

impl Lucid {
    pub fn new(pki: &Pki) -> Self {
        let chain = x509::certs_from_pem(&pki.chain_pem)
            .unwrap()
            .into_iter()
            .map(|c| c.to_vec())
            .collect();
        let key_pkcs8 = match PrivateKeyDer::from_pem_slice(&pki.leaf_key_pem).unwrap() {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
            _ => panic!("leaf.key is not PKCS#8"),
        };
        let mut roots = RootStore::new();
        for c in x509::certs_from_pem(&pki.root_pem).unwrap() {
            roots.add_der(&c).unwrap();
        }
        Self {
            chain,
            key_pkcs8,
            roots,
            crng: ChaCha20Rng::seed_from_u64(1),
            srng: ChaCha20Rng::seed_from_u64(2),
            name: ServerName::try_from("localhost").unwrap(),
        }
    }

    /// The default backend (the `rsa` crate).
    pub fn default_key(&self) -> Arc<dyn ServerRsaKey> {
        Arc::new(RsaCrateKey::from_pkcs8_der(&self.key_pkcs8).unwrap())
    }

    pub fn leaf_der(&self) -> &[u8] {
        &self.chain[0]
    }

    pub fn server_config(&self, key: Arc<dyn ServerRsaKey>, cache: bool) -> Arc<ServerConfig> {
        let mut c = ServerConfig::new(CertifiedKey::new(self.chain.clone(), key).unwrap());
        // Only used by ECDHE suites: the group every library is pinned to.
        c.groups = vec![NamedGroup::X25519];
        if cache {
            c.session_store = Some(Arc::new(MemoryServerSessionStore::new(
                4096,
                Duration::from_secs(3600),
            )));
        }
        Arc::new(c)
    }

    pub fn client_config(
        &self,
        suite: Suite,
        store: Option<Arc<dyn ClientSessionStore>>,
        etm: bool,
    ) -> Arc<ClientConfig> {
        let mut c = ClientConfig::new(Arc::new(WebPkiVerifier::new(self.roots.clone())));
        c.cipher_suites = vec![suite_id(suite)];
        c.groups = vec![NamedGroup::X25519];
        c.session_store = store;
        c.offer_encrypt_then_mac = etm;
        Arc::new(c)
    }

    /// Moves `from`'s pending bytes into `to` and lets `to` process them; CPU is charged to
    /// the side whose calls ran.
    fn xfer(
        from: &mut Connection,
        to: &mut Connection,
        to_rng: &mut ChaCha20Rng,
        from_ns: &mut Charge,
        to_ns: &mut Charge,
    ) -> usize {
        let mut moved = 0;
        for _ in 0..1000 {
            let t0 = cpu_ns();
            let pending = from.pending_tls();
            if pending.is_empty() {
                break;
            }
            let n = to.read_tls_bytes(pending);
            to.process(now(), to_rng).expect("lucid: process failed");
            let t1 = cpu_ns();
            from.consume_tls(n);
            let t2 = cpu_ns();
            *to_ns += t1 - t0;
            *from_ns += t2 - t1;
            assert!(n > 0, "lucid: receiver took no bytes");
            moved += n;
        }
        moved
    }

    /// One handshake; returns the pair and the CPU each side spent.
    fn handshake(
        &mut self,
        cc: &Arc<ClientConfig>,
        sc: &Arc<ServerConfig>,
    ) -> (ClientConnection, ServerConnection, Charge, Charge) {
        let (mut c_ns, mut s_ns) = (Charge::default(), Charge::default());
        let t0 = cpu_ns();
        let mut c = ClientConnection::new(cc.clone(), self.name.clone(), now(), &mut self.crng)
            .expect("lucid: client");
        let t1 = cpu_ns();
        let mut s = ServerConnection::new(sc.clone()).expect("lucid: server");
        let t2 = cpu_ns();
        c_ns += t1 - t0;
        s_ns += t2 - t1;
        for _ in 0..16 {
            let a = Self::xfer(&mut c, &mut s, &mut self.srng, &mut c_ns, &mut s_ns);
            let b = Self::xfer(&mut s, &mut c, &mut self.crng, &mut s_ns, &mut c_ns);
            if a + b == 0 {
                break;
            }
        }
        assert!(
            !c.is_handshaking() && !s.is_handshaking(),
            "lucid: handshake did not finish"
        );
        (c, s, c_ns, s_ns)
    }

    pub fn full_handshakes(
        &mut self,
        suite: Suite,
        key: Arc<dyn ServerRsaKey>,
        n: usize,
    ) -> (Hs, Negotiated) {
        let cc = self.client_config(suite, None, true);
        let sc = self.server_config(key, true);
        let (c, s, _, _) = self.handshake(&cc, &sc); // warm-up
        let neg = facts(&c);
        neg.check("lucid client", suite);
        facts(&s).check("lucid server", suite);
        let (mut ct, mut st) = (Charge::default(), Charge::default());
        for _ in 0..n {
            let (c, _s, c_ns, s_ns) = self.handshake(&cc, &sc);
            assert!(!c.negotiated().unwrap().resumed);
            ct += c_ns;
            st += s_ns;
        }
        (Hs::from_totals(ct, st, n), neg)
    }

    pub fn resumed_handshakes(&mut self, suite: Suite, n: usize) -> Hs {
        let store: Arc<dyn ClientSessionStore> = Arc::new(MemoryClientSessionStore::default());
        let cc = self.client_config(suite, Some(store), true);
        let sc = self.server_config(self.default_key(), true);
        let (c, _, _, _) = self.handshake(&cc, &sc); // the full handshake that makes the session
        assert!(!c.negotiated().unwrap().resumed);
        facts(&c).check("lucid", suite);
        let (mut ct, mut st) = (Charge::default(), Charge::default());
        for _ in 0..n {
            let (c, _s, c_ns, s_ns) = self.handshake(&cc, &sc);
            let neg = c.negotiated().unwrap();
            assert!(neg.resumed, "lucid: session not resumed");
            assert_eq!(neg.suite, suite_id(suite), "lucid: resumed another suite");
            ct += c_ns;
            st += s_ns;
        }
        Hs::from_totals(ct, st, n)
    }

    pub fn bulk(&mut self, suite: Suite, dir: Dir, etm: bool, records: usize) -> Bulk {
        let cc = self.client_config(suite, None, etm);
        let sc = self.server_config(self.default_key(), false);
        let (mut c, mut s, _, _) = self.handshake(&cc, &sc);
        let neg = facts(&c);
        neg.check("lucid", suite);
        assert_eq!(neg.etm, etm && suite.cbc(), "lucid: ETM not as configured");
        let (mut crng, mut srng) = (self.crng.clone(), self.srng.clone());
        let (sender, receiver, send_rng, recv_rng): (&mut Connection, &mut Connection, _, _) =
            match dir {
                Dir::ClientToServer => (&mut c, &mut s, &mut crng, &mut srng),
                Dir::ServerToClient => (&mut s, &mut c, &mut srng, &mut crng),
            };
        let data = vec![0x5a_u8; RECORD];
        let mut sink = vec![0_u8; RECORD];
        let mut wire = 0;
        let (mut send_ns, mut recv_ns) = (0, 0);
        let mut one = |count: bool, split: bool, send_allocs: &mut u64, recv_allocs: &mut u64| {
            let clock = |on: bool| if on { cpu_ns() } else { 0 };
            let t0 = clock(split);
            let h0 = rust_heap();
            let w = sender
                .write_plaintext(&data, send_rng)
                .expect("lucid: write");
            assert_eq!(w, RECORD);
            let h1 = rust_heap();
            let t1 = clock(split);
            let pending = sender.pending_tls();
            wire = pending.len();
            let n = receiver.read_tls_bytes(pending);
            assert_eq!(n, wire, "lucid: a whole record must fit the receive buffer");
            receiver.process(now(), recv_rng).expect("lucid: process");
            let got = receiver.read_plaintext(&mut sink);
            assert_eq!(got, RECORD);
            let h2 = rust_heap();
            let t2 = clock(split);
            sender.consume_tls(n);
            let h3 = rust_heap();
            let t3 = clock(split);
            if count {
                *send_allocs += (h1.allocs - h0.allocs) + (h3.allocs - h2.allocs);
                *recv_allocs += h2.allocs - h1.allocs;
            }
            send_ns += (t1 - t0) + (t3 - t2);
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

    /// Heap held per established connection after a handshake and what `idle` says (no
    /// session stores: those hold sessions, not connections).
    pub fn idle_memory(&mut self, suite: Suite, n: usize, idle: Idle) -> Mem {
        let buffers = if idle.on_demand() {
            RecordBuffers::OnDemand
        } else {
            RecordBuffers::Preallocated
        };
        let mut cc = (*self.client_config(suite, None, true)).clone();
        cc.record_buffers = buffers;
        let cc = Arc::new(cc);
        let mut sc = (*self.server_config(self.default_key(), false)).clone();
        sc.record_buffers = buffers;
        let sc = Arc::new(sc);
        let mut clients = Vec::with_capacity(n);
        let mut servers = Vec::with_capacity(n);
        let mut buf = vec![0_u8; RECORD];
        let big = vec![0x5a_u8; RECORD];
        for i in 0..n {
            let (mut c, mut s, _, _) = self.handshake(&cc, &sc);
            if i == 0 {
                facts(&c).check("lucid", suite);
            }
            let (mut a, mut b) = (Charge::default(), Charge::default());
            let mut msgs: Vec<&[u8]> = vec![b"ping"];
            if idle.bulk() {
                msgs.insert(0, &big);
            }
            let mut one_way = |from: &mut Connection,
                               to: &mut Connection,
                               from_rng: &mut ChaCha20Rng,
                               to_rng: &mut ChaCha20Rng,
                               m: &[u8]| {
                assert_eq!(from.write_plaintext(m, from_rng).unwrap(), m.len());
                Self::xfer(from, to, to_rng, &mut a, &mut b);
                let mut got = 0;
                while got < m.len() {
                    let k = to.read_plaintext(&mut buf[got..]);
                    assert!(k > 0, "lucid: idle-memory message incomplete");
                    got += k;
                    to.process(now(), to_rng).unwrap();
                }
            };
            for m in msgs {
                one_way(&mut c, &mut s, &mut self.crng, &mut self.srng, m);
                one_way(&mut s, &mut c, &mut self.srng, &mut self.crng, m);
            }
            if idle.released() {
                c.release_buffers();
                s.release_buffers();
            }
            clients.push(Box::new(c));
            servers.push(Box::new(s));
        }
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

    /// One raw RSA-2048 private-key operation through `key` (what the server's
    /// ClientKeyExchange costs before lucid's countermeasure), in µs.
    pub fn rsa_op(&mut self, key: &dyn ServerRsaKey, ciphertext: &[u8], n: usize) -> f64 {
        let mut out = vec![0_u8; key.modulus_len()];
        key.decrypt_raw(ciphertext, &mut out, &mut self.srng)
            .unwrap();
        let t0 = cpu_ns();
        for _ in 0..n {
            key.decrypt_raw(ciphertext, &mut out, &mut self.srng)
                .unwrap();
        }
        (cpu_ns() - t0) as f64 / n as f64 / 1e3
    }

    /// An honest ClientKeyExchange ciphertext under the leaf's key.
    pub fn sample_ciphertext(&mut self) -> Vec<u8> {
        use lucid_core::internal::crypto::rsa_kx;
        let key = rsa_kx::rsa_public_key_from_certificate(self.leaf_der()).unwrap();
        let mut pms = [7_u8; 48];
        pms[0] = 3;
        pms[1] = 3;
        rsa_kx::encrypt_pre_master_secret(&key, &pms, &mut self.crng).unwrap()
    }
}
