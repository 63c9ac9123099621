//! OpenSSL's side (the `openssl` crate over the system libssl 3): two `SslStream`s over an
//! in-memory pipe whose reads return `WouldBlock` when empty.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use openssl::pkey::{Id, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::ssl::{
    ErrorCode, ShutdownState, Ssl, SslContext, SslContextBuilder, SslFiletype, SslMethod, SslMode,
    SslOptions, SslSession, SslSessionCacheMode, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;

use crate::common::{
    Bulk, Dir, Hs, Idle, Mem, Negotiated, Pki, RECORD, Suite, server_hello_facts, suite_name,
};

/// What the client negotiated, from OpenSSL's own state (suite, ephemeral key) and from the
/// ServerHello in the server's `flight` (EMS and ETM, which the crate does not expose).
fn facts(c: &SslStream<End>, flight: &[u8]) -> Negotiated {
    let (id, ems, etm) = server_hello_facts(flight).expect("openssl: no ServerHello");
    let suite = c
        .ssl()
        .current_cipher()
        .and_then(|c| c.standard_name())
        .expect("openssl: no current cipher")
        .to_string();
    assert_eq!(
        suite,
        suite_name(id),
        "openssl: state and ServerHello disagree"
    );
    // The server's ephemeral key, as the client saw it (none for RSA key exchange).
    let group = c.ssl().peer_tmp_key().ok().map(|k| match k.id() {
        Id::X25519 => "x25519".to_string(),
        other => format!("{other:?}"),
    });
    Negotiated {
        suite,
        ems,
        etm,
        group,
    }
}
use crate::measure::{Charge, cpu_ns, openssl_heap, rust_heap};

/// `SSL_OP_NO_ENCRYPT_THEN_MAC` (OpenSSL 3: bit 19); the crate has no named flag for it.
const NO_ENCRYPT_THEN_MAC: u64 = 1 << 19;

#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

/// One end of a duplex in-memory pipe.
struct End {
    rx: Rc<RefCell<Buf>>,
    tx: Rc<RefCell<Buf>>,
    /// Everything written, when recording (to read the ServerHello).
    log: Option<Rc<RefCell<Vec<u8>>>>,
}

impl Read for End {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut b = self.rx.borrow_mut();
        let avail = b.data.len() - b.pos;
        if avail == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = avail.min(out.len());
        let pos = b.pos;
        out[..n].copy_from_slice(&b.data[pos..pos + n]);
        b.pos += n;
        if b.pos == b.data.len() {
            b.data.clear();
            b.pos = 0;
        }
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.tx.borrow_mut().data.extend_from_slice(data);
        if let Some(log) = &self.log {
            log.borrow_mut().extend_from_slice(data);
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn pipe(capacity: usize, log_server: bool) -> (End, End, Option<Rc<RefCell<Vec<u8>>>>) {
    let a = Rc::new(RefCell::new(Buf {
        data: Vec::with_capacity(capacity),
        pos: 0,
    }));
    let b = Rc::new(RefCell::new(Buf {
        data: Vec::with_capacity(capacity),
        pos: 0,
    }));
    let log = log_server.then(|| Rc::new(RefCell::new(Vec::new())));
    let client = End {
        rx: a.clone(),
        tx: b.clone(),
        log: None,
    };
    let server = End {
        rx: b,
        tx: a,
        log: log.clone(),
    };
    (client, server, log)
}

pub struct OpenSsl {
    server_ctx: SslContext,
    pki_rsa: Rsa<Private>,
    root: X509,
}

/// Untimed: marks both ends cleanly shut down, as after a close_notify exchange; otherwise
/// SSL_free drops the session from the server cache (ssl_clear_bad_session) and nothing
/// could resume.
fn retire(mut c: SslStream<End>, mut s: SslStream<End>) {
    c.set_shutdown(ShutdownState::SENT | ShutdownState::RECEIVED);
    s.set_shutdown(ShutdownState::SENT | ShutdownState::RECEIVED);
}

/// A handshake step: Ok(true) when done, Ok(false) when it needs more bytes.
fn step(s: &mut SslStream<End>) -> bool {
    match s.do_handshake() {
        Ok(()) => true,
        Err(e) if e.code() == ErrorCode::WANT_READ => false,
        Err(e) => panic!("openssl handshake: {e}"),
    }
}

impl OpenSsl {
    pub fn new(pki: &Pki) -> Self {
        let server_ctx = Self::server_ctx(pki, true, 1, false);
        Self {
            server_ctx,
            pki_rsa: Rsa::private_key_from_pem(&pki.leaf_rsa_key_pem).unwrap(),
            root: X509::from_pem(&pki.root_pem).unwrap(),
        }
    }

    fn server_ctx(pki: &Pki, cache: bool, id: u8, release_buffers: bool) -> SslContext {
        let mut b = SslContext::builder(SslMethod::tls_server()).unwrap();
        if release_buffers {
            b.set_mode(SslMode::RELEASE_BUFFERS);
        }
        b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_cipher_list("AES128-SHA:AES256-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
            .unwrap();
        b.set_groups_list("X25519").unwrap();
        b.set_certificate_chain_file(pki.dir.join("chain.pem"))
            .unwrap();
        b.set_private_key_file(pki.dir.join("leaf.key"), SslFiletype::PEM)
            .unwrap();
        b.check_private_key().unwrap();
        b.set_options(SslOptions::NO_TICKET);
        b.set_session_id_context(&[b'l', b'b', id]).unwrap();
        b.set_session_cache_mode(if cache {
            SslSessionCacheMode::SERVER
        } else {
            SslSessionCacheMode::OFF
        });
        b.build()
    }

    fn client_ctx(&self, suite: Suite, etm: bool) -> SslContext {
        self.client_ctx_with(suite, etm, false)
    }

    fn client_ctx_with(&self, suite: Suite, etm: bool, release_buffers: bool) -> SslContext {
        let mut b: SslContextBuilder = SslContext::builder(SslMethod::tls_client()).unwrap();
        if release_buffers {
            b.set_mode(SslMode::RELEASE_BUFFERS);
        }
        b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_cipher_list(suite.label()).unwrap();
        b.set_groups_list("X25519").unwrap();
        b.set_options(SslOptions::NO_TICKET);
        if !etm {
            b.set_options(SslOptions::from_bits_retain(NO_ENCRYPT_THEN_MAC as _));
        }
        b.cert_store_mut().add_cert(self.root.clone()).unwrap();
        b.set_verify(SslVerifyMode::PEER);
        b.set_session_cache_mode(SslSessionCacheMode::OFF);
        b.build()
    }

    /// One handshake over a fresh pipe; returns the streams, the CPU per side, and the
    /// server's bytes when `log` is set.
    fn handshake(
        &self,
        cctx: &SslContext,
        sctx: &SslContext,
        session: Option<&SslSession>,
        log: bool,
    ) -> (SslStream<End>, SslStream<End>, Charge, Charge, Vec<u8>) {
        let (ce, se, slog) = pipe(0, log);
        let t0 = cpu_ns();
        let mut ssl = Ssl::new(cctx).unwrap();
        ssl.set_hostname("localhost").unwrap();
        ssl.param_mut().set_host("localhost").unwrap();
        if let Some(sess) = session {
            // SAFETY: the session comes from a connection under the same client context.
            unsafe { ssl.set_session(sess).unwrap() };
        }
        ssl.set_connect_state();
        let mut c = SslStream::new(ssl, ce).unwrap();
        let t1 = cpu_ns();
        let mut ssl = Ssl::new(sctx).unwrap();
        ssl.set_accept_state();
        let mut s = SslStream::new(ssl, se).unwrap();
        let t2 = cpu_ns();
        let (mut c_ns, mut s_ns) = (Charge::from(t1 - t0), Charge::from(t2 - t1));
        let (mut c_done, mut s_done) = (false, false);
        for _ in 0..32 {
            let t0 = cpu_ns();
            if !c_done {
                c_done = step(&mut c);
            }
            let t1 = cpu_ns();
            if !s_done {
                s_done = step(&mut s);
            }
            let t2 = cpu_ns();
            c_ns += t1 - t0;
            s_ns += t2 - t1;
            if c_done && s_done {
                break;
            }
        }
        assert!(c_done && s_done, "openssl: handshake did not finish");
        let flight = slog.map(|l| l.borrow().clone()).unwrap_or_default();
        (c, s, c_ns, s_ns, flight)
    }

    pub fn full_handshakes(&self, suite: Suite, n: usize) -> (Hs, Negotiated) {
        let cctx = self.client_ctx(suite, true);
        let (c, s, _, _, flight) = self.handshake(&cctx, &self.server_ctx, None, true);
        let neg = facts(&c, &flight);
        neg.check("openssl", suite);
        retire(c, s);
        let (mut ct, mut st) = (Charge::default(), Charge::default());
        for _ in 0..n {
            let (c, s, c_ns, s_ns, _) = self.handshake(&cctx, &self.server_ctx, None, false);
            assert!(!c.ssl().session_reused());
            retire(c, s);
            ct += c_ns;
            st += s_ns;
        }
        (Hs::from_totals(ct, st, n), neg)
    }

    pub fn resumed_handshakes(&self, suite: Suite, n: usize) -> Hs {
        let cctx = self.client_ctx(suite, true);
        let (c, s, _, _, flight) = self.handshake(&cctx, &self.server_ctx, None, true);
        facts(&c, &flight).check("openssl", suite);
        let session = c.ssl().session().expect("openssl: no session").to_owned();
        retire(c, s);
        let (mut ct, mut st) = (Charge::default(), Charge::default());
        for _ in 0..n {
            let (c, s, c_ns, s_ns, _) =
                self.handshake(&cctx, &self.server_ctx, Some(&session), false);
            assert!(c.ssl().session_reused(), "openssl: session not resumed");
            assert_eq!(
                c.ssl().current_cipher().and_then(|c| c.standard_name()),
                Some(suite.iana().as_str()),
                "openssl: resumed another suite"
            );
            retire(c, s);
            ct += c_ns;
            st += s_ns;
        }
        Hs::from_totals(ct, st, n)
    }

    pub fn bulk(&self, suite: Suite, dir: Dir, etm: bool, records: usize) -> (Bulk, Negotiated) {
        let cctx = self.client_ctx(suite, etm);
        let (mut c, mut s, _, _, flight) = self.handshake(&cctx, &self.server_ctx, None, true);
        // Stop recording the server's bytes: otherwise every record it sends is copied into
        // an ever-growing log, charged to OpenSSL's sender.
        s.get_mut().log = None;
        let neg = facts(&c, &flight);
        neg.check("openssl", suite);
        assert_eq!(
            neg.etm,
            etm && suite.cbc(),
            "openssl: ETM not as configured"
        );
        // Room for a few records so the pipe never reallocates.
        for end in [c.get_mut(), s.get_mut()] {
            end.tx.borrow_mut().data.reserve(4 * (RECORD + 1024));
        }
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
            let h0 = openssl_heap();
            let w = sender.ssl_write(&data).expect("openssl: write");
            assert_eq!(w, RECORD);
            let h1 = openssl_heap();
            let t1 = clock(split);
            wire = {
                let b = receiver.get_ref().rx.borrow();
                b.data.len() - b.pos
            };
            let mut got = 0;
            while got < RECORD {
                got += receiver.ssl_read(&mut sink[got..]).expect("openssl: read");
            }
            let h2 = openssl_heap();
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
        let bulk = Bulk {
            mb_s: (records * RECORD) as f64 / (ns as f64 / 1e9) / 1e6,
            send_allocs_per_record: sa as f64 / records as f64,
            recv_allocs_per_record: ra as f64 / records as f64,
            wire_per_record: wire,
            send_us: send_ns as f64 / split as f64 / 1e3,
            recv_us: recv_ns as f64 / split as f64 / 1e3,
        };
        (bulk, neg)
    }

    /// OpenSSL's heap (through its memory hooks) plus the Rust-side wrappers, per
    /// established connection after what `idle` says (lucid's buffer setting does not apply).
    /// Default modes except for `Idle::BulkReleased` (SSL_MODE_RELEASE_BUFFERS); the
    /// server's session cache is off.
    pub fn idle_memory(&self, pki: &Pki, suite: Suite, n: usize, idle: Idle) -> Mem {
        let release_buffers = idle.released();
        let cctx = self.client_ctx_with(suite, true, release_buffers);
        let sctx = Self::server_ctx(pki, false, 2, release_buffers);
        let mut clients = Vec::with_capacity(n);
        let mut servers = Vec::with_capacity(n);
        let mut buf = vec![0_u8; RECORD];
        let big = vec![0x5a_u8; RECORD];
        for i in 0..n {
            let (mut c, mut s, _, _, flight) = self.handshake(&cctx, &sctx, None, i == 0);
            if i == 0 {
                facts(&c, &flight).check("openssl", suite);
                s.get_mut().log = None; // not part of the connection
            }
            let mut msgs: Vec<&[u8]> = vec![b"ping"];
            if idle.bulk() {
                msgs.insert(0, &big);
            }
            let mut one_way = |from: &mut SslStream<End>, to: &mut SslStream<End>, m: &[u8]| {
                assert_eq!(from.ssl_write(m).unwrap(), m.len());
                let mut got = 0;
                while got < m.len() {
                    got += to.ssl_read(&mut buf[got..]).unwrap();
                }
            };
            for m in msgs {
                one_way(&mut c, &mut s, m);
                one_way(&mut s, &mut c, m);
            }
            for end in [c.get_mut(), s.get_mut()] {
                end.tx.borrow_mut().data = Vec::new();
                end.rx.borrow_mut().data = Vec::new();
            }
            clients.push(c);
            servers.push(s);
        }
        let (o1, r1) = (openssl_heap(), rust_heap());
        drop(clients);
        let (o2, r2) = (openssl_heap(), rust_heap());
        drop(servers);
        let (o3, r3) = (openssl_heap(), rust_heap());
        Mem {
            client: ((o1.live - o2.live) + (r1.live - r2.live)) as f64 / n as f64,
            server: ((o2.live - o3.live) + (r2.live - r3.live)) as f64 / n as f64,
        }
    }

    /// One raw RSA-2048 private-key operation (RSA_NO_PADDING, blinded), in µs.
    pub fn rsa_op(&self, ciphertext: &[u8], n: usize) -> f64 {
        let mut out = vec![0_u8; self.pki_rsa.size() as usize];
        self.pki_rsa
            .private_decrypt(ciphertext, &mut out, Padding::NONE)
            .unwrap();
        let t0 = cpu_ns();
        for _ in 0..n {
            self.pki_rsa
                .private_decrypt(ciphertext, &mut out, Padding::NONE)
                .unwrap();
        }
        (cpu_ns() - t0) as f64 / n as f64 / 1e3
    }
}

impl OpenSsl {
    /// lucid's OpenSSL-backed server key (`lucid_blocking::OpensslRsaKey`, feature
    /// `openssl-key`) over the same key.
    pub fn lucid_key(&self) -> lucid_blocking::OpensslRsaKey {
        lucid_blocking::OpensslRsaKey::new(self.pki_rsa.clone())
    }
}
