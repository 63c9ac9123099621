//! max_fragment_length (RFC 6066 §4) between a lucid client and a lucid server: each limit
//! at each version, more than the limit sent both ways, every record on the wire checked
//! against the limit; a server that declines; resumption; and a server facing a scripted
//! client that asks for an undefined limit or sends records over the negotiated one.
mod pair_common;

use std::sync::{Arc, Mutex};

use lucid_core::internal::msgs::enums::{AlertDescription as AD, ContentType, ExtensionType};
use lucid_core::internal::msgs::extensions::{ClientExtension, ServerExtension};
use lucid_core::session::{MemoryClientSessionStore, MemoryServerSessionStore};
use lucid_core::trace::{Direction, Event, Observer};
use lucid_core::{
    CipherSuite, ClientSessionStore, Error, MaxFragmentLength as Mfl, PeerMisbehaved as PM,
    ProtocolVersion,
};
use pair_common::*;

const LIMITS: [Mfl; 4] = [Mfl::LEN_512, Mfl::LEN_1024, Mfl::LEN_2048, Mfl::LEN_4096];

/// The most lucid's sealing adds to a fragment: explicit IV (16), MAC (HMAC-SHA384: 48),
/// CBC padding (at most one block: lucid pads minimally).
const SEAL_OVERHEAD: usize = 16 + 48 + 16;

/// What RFC 6066 lets a receiver accept on top of the limit before decrypting: lucid's
/// `MFL_MAX_EXPANSION` (IV 16 + MAC 48 + 256 bytes of padding).
const MAX_EXPANSION: usize = 320;

fn len(m: Mfl) -> usize {
    m.fragment_len().unwrap()
}

/// Plaintext lengths of the application data records a connection sent and received.
#[derive(Default)]
struct AppData {
    sent: Vec<usize>,
    received: Vec<usize>,
}

struct Recorder(Arc<Mutex<AppData>>);

impl Observer for Recorder {
    fn on_event(&mut self, event: &Event<'_>) {
        if let Event::ApplicationData { dir, len } = event {
            let mut d = self.0.lock().unwrap();
            match dir {
                Direction::Sent => d.sent.push(*len),
                Direction::Received => d.received.push(*len),
            }
        }
    }
}

fn observe(conn: &mut lucid_core::Connection) -> Arc<Mutex<AppData>> {
    let d = Arc::new(Mutex::new(AppData::default()));
    conn.set_observer(Box::new(Recorder(d.clone())));
    d
}

/// Every record in `wire` is within `limit`: plaintext records carry at most `limit`
/// bytes, protected ones at most `limit` plus lucid's sealing overhead. Returns the number
/// of (plaintext, protected) records checked.
fn assert_records_within(wire: &[u8], limit: usize, what: &str) -> (usize, usize) {
    let mut protected = false;
    let (mut plain_n, mut sealed_n) = (0, 0);
    for (i, (h, body)) in records(wire).iter().enumerate() {
        if protected {
            assert!(
                body.len() <= limit + SEAL_OVERHEAD,
                "{what}: record {i} ({:?}) carries {} bytes of ciphertext over a {limit}-byte limit",
                h.typ,
                body.len()
            );
            sealed_n += 1;
        } else {
            assert!(
                body.len() <= limit,
                "{what}: plaintext record {i} ({:?}) carries {} bytes over a {limit}-byte limit",
                h.typ,
                body.len()
            );
            plain_n += 1;
        }
        if h.typ == ContentType::CHANGE_CIPHER_SPEC {
            protected = true;
        }
    }
    (plain_n, sealed_n)
}

/// The client's records after its ClientHello (which goes out before anything is
/// negotiated, in one record).
fn after_client_hello(c2s: &[u8]) -> &[u8] {
    let hello_len = 5 + usize::from(u16::from_be_bytes([c2s[3], c2s[4]]));
    &c2s[hello_len..]
}

fn mfl_pair(v: ProtocolVersion, suites: Option<Vec<CipherSuite>>, mfl: Mfl, seed: u64) -> Pair {
    let mut cc = client_config(v, v);
    cc.max_fragment_length = Some(mfl);
    if let Some(s) = suites {
        cc.cipher_suites = s;
    }
    Pair::new(cc, server_config(V10, V12), seed)
}

#[test]
fn every_limit_at_every_version_both_ways() {
    let mut cases: Vec<(ProtocolVersion, Option<Vec<CipherSuite>>)> =
        VERSIONS.iter().map(|v| (*v, None)).collect();
    // The largest sealing overhead lucid has: AES-256-CBC with HMAC-SHA384.
    cases.push((
        V12,
        Some(vec![CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384]),
    ));
    let c_msg: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let s_msg: Vec<u8> = (0..9_001u32).map(|i| (i * 13 + 1) as u8).collect();
    let mut checked = 0;
    for (v, suites) in cases {
        for (i, mfl) in LIMITS.into_iter().enumerate() {
            let limit = len(mfl);
            let mut p = mfl_pair(v, suites.clone(), mfl, 40 + i as u64);
            let c_data = observe(&mut p.client);
            let s_data = observe(&mut p.server);
            p.handshake().unwrap();
            for n in [p.client.negotiated(), p.server.negotiated()] {
                assert_eq!(n.unwrap().max_fragment_length, Some(mfl), "{v} {mfl}");
                assert_eq!(n.unwrap().version, v);
            }

            let mut buf = vec![0u8; 16 * 1024];
            assert_eq!(p.send_c2s(&c_msg, &mut buf), c_msg.len());
            assert_eq!(&buf[..c_msg.len()], &c_msg[..]);
            assert_eq!(p.send_s2c(&s_msg, &mut buf), s_msg.len());
            assert_eq!(&buf[..s_msg.len()], &s_msg[..]);
            p.close_both();

            // On the wire: every record after the ServerHello is within the limit (the
            // server fragments its whole flight, ServerHello included).
            let what = format!("{v} {mfl} server");
            let (plain, sealed) = assert_records_within(&p.s2c_log, limit, &what);
            let flight = records(&p.s2c_log)
                .iter()
                .take_while(|(h, _)| h.typ == ContentType::HANDSHAKE)
                .count();
            assert!(plain >= flight && sealed > s_msg.len() / limit, "{what}");
            if limit < chain_len() {
                // The Certificate message alone is over the limit: it was fragmented.
                assert!(flight > 4, "{what}: {flight} handshake records");
            }
            let what = format!("{v} {mfl} client");
            let (_, sealed) = assert_records_within(after_client_hello(&p.c2s_log), limit, &what);
            assert!(sealed > c_msg.len() / limit, "{what}");

            // And as each side saw it: every application data record at most the limit,
            // and full records at the limit (the data was cut as late as allowed).
            for (d, what) in [(&c_data, "client"), (&s_data, "server")] {
                let d = d.lock().unwrap();
                for lens in [&d.sent, &d.received] {
                    assert!(
                        lens.iter().all(|l| *l <= limit),
                        "{v} {mfl} {what}: {lens:?}"
                    );
                    assert_eq!(lens.iter().max(), Some(&limit), "{v} {mfl} {what}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}

/// The records of `log` before the first ChangeCipherSpec (the part a reader can parse).
fn plain_prefix(log: &[u8]) -> &[u8] {
    let mut at = 0;
    for (h, body) in records(log) {
        if h.typ == ContentType::CHANGE_CIPHER_SPEC {
            break;
        }
        at += 5 + body.len();
    }
    &log[..at]
}

/// Bytes of DER in the server's chain (its Certificate message is a little more).
fn chain_len() -> usize {
    fixtures().chain.iter().map(Vec::len).sum()
}

#[test]
fn the_echo_is_in_the_server_hello_and_the_hello_offers_it() {
    for mfl in LIMITS {
        let mut p = mfl_pair(V12, None, mfl, 3);
        let hello = hello_of(p.client.pending_tls());
        assert_eq!(
            hello.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH),
            Some(&ClientExtension::MaxFragmentLength(mfl))
        );
        p.handshake().unwrap();
        let sh = server_hello_of(plain_prefix(&p.s2c_log));
        assert_eq!(
            sh.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH),
            Some(&ServerExtension::MaxFragmentLength(mfl))
        );
    }
    // Not asked, not answered: the default hello has no max_fragment_length.
    let mut p = Pair::new(client_config(V12, V12), server_config(V12, V12), 3);
    let hello = hello_of(p.client.pending_tls());
    assert_eq!(
        hello.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH),
        None
    );
    p.handshake().unwrap();
    let sh = server_hello_of(plain_prefix(&p.s2c_log));
    assert_eq!(sh.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH), None);
    assert_eq!(p.client.negotiated().unwrap().max_fragment_length, None);
}

fn hello_of(record_bytes: &[u8]) -> lucid_core::internal::msgs::handshake::ClientHelloPayload {
    use lucid_core::internal::msgs::handshake::{HandshakeMessage, HandshakePayload};
    let msgs = handshake_messages(record_bytes);
    match HandshakeMessage::read_versioned(&msgs[0], V12)
        .unwrap()
        .payload
    {
        HandshakePayload::ClientHello(h) => h,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

#[test]
fn a_server_that_declines_sends_full_records_and_the_client_takes_them() {
    for mfl in LIMITS {
        let mut cc = client_config(V12, V12);
        cc.max_fragment_length = Some(mfl);
        let mut sc = server_config(V12, V12);
        sc.accept_max_fragment_length = false;
        let mut p = Pair::new(cc, sc, 5);
        p.handshake().unwrap();
        assert_eq!(p.client.negotiated().unwrap().max_fragment_length, None);
        assert_eq!(p.server.negotiated().unwrap().max_fragment_length, None);
        let sh = server_hello_of(plain_prefix(&p.s2c_log));
        assert_eq!(sh.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH), None);
        p.exercise();
        // 2^14-byte records went both ways.
        for log in [&p.s2c_log, &p.c2s_log] {
            let largest = records(log).iter().map(|(_, b)| b.len()).max().unwrap();
            assert!(largest > 16_384, "{mfl}: largest record {largest}");
        }
    }
}

fn stores() -> (Arc<MemoryClientSessionStore>, Arc<MemoryServerSessionStore>) {
    (
        Arc::new(MemoryClientSessionStore::new(8)),
        Arc::new(MemoryServerSessionStore::new(
            8,
            core::time::Duration::from_secs(3600),
        )),
    )
}

fn resuming_pair(
    mfl: Option<Mfl>,
    cs: &Arc<MemoryClientSessionStore>,
    ss: &Arc<MemoryServerSessionStore>,
    seed: u64,
) -> Pair {
    let mut cc = client_config(V12, V12);
    cc.max_fragment_length = mfl;
    cc.session_store = Some(cs.clone());
    let mut sc = server_config(V12, V12);
    sc.session_store = Some(ss.clone());
    Pair::new(cc, sc, seed)
}

#[test]
fn a_resumed_session_keeps_its_limit() {
    for mfl in LIMITS {
        let (cs, ss) = stores();
        let mut p = resuming_pair(Some(mfl), &cs, &ss, 11);
        p.handshake().unwrap();
        assert!(!p.client.negotiated().unwrap().resumed);
        assert_eq!(cs.get("localhost").unwrap().max_fragment_length, Some(mfl));

        let mut p = resuming_pair(Some(mfl), &cs, &ss, 12);
        p.handshake().unwrap();
        for n in [p.client.negotiated(), p.server.negotiated()] {
            let n = n.unwrap();
            assert!(n.resumed, "{mfl}");
            assert_eq!(n.max_fragment_length, Some(mfl));
        }
        // The abbreviated handshake echoes it, and the limit holds for the data.
        let sh = server_hello_of(plain_prefix(&p.s2c_log));
        assert_eq!(
            sh.find_extension(ExtensionType::MAX_FRAGMENT_LENGTH),
            Some(&ServerExtension::MaxFragmentLength(mfl))
        );
        let data = vec![0x42u8; 3 * len(mfl) + 1];
        let mut buf = vec![0u8; data.len()];
        assert_eq!(p.send_c2s(&data, &mut buf), data.len());
        assert_eq!(p.send_s2c(&data, &mut buf), data.len());
        assert_records_within(&p.s2c_log, len(mfl), "resumed, server");
        assert_records_within(after_client_hello(&p.c2s_log), len(mfl), "resumed, client");
    }
}

#[test]
fn a_session_is_resumed_only_for_the_same_limit() {
    // The client does not offer a session made with another limit.
    let (cs, ss) = stores();
    let mut p = resuming_pair(Some(Mfl::LEN_1024), &cs, &ss, 21);
    p.handshake().unwrap();
    for other in [None, Some(Mfl::LEN_2048)] {
        let p = resuming_pair(other, &cs, &ss, 22);
        let hello = hello_of(p.client.pending_tls());
        assert!(hello.session_id.is_empty(), "{other:?}");
    }

    // A client that offers it anyway with another limit (here: a session relabelled in
    // its store) gets a full handshake that negotiates the new limit.
    let (cs, ss) = stores();
    let mut p = resuming_pair(Some(Mfl::LEN_1024), &cs, &ss, 23);
    p.handshake().unwrap();
    let mut session = cs.get("localhost").unwrap();
    session.max_fragment_length = Some(Mfl::LEN_2048);
    cs.put("localhost", session);
    let mut p = resuming_pair(Some(Mfl::LEN_2048), &cs, &ss, 24);
    assert!(!hello_of(p.client.pending_tls()).session_id.is_empty());
    p.handshake().unwrap();
    for n in [p.client.negotiated(), p.server.negotiated()] {
        let n = n.unwrap();
        assert!(!n.resumed);
        assert_eq!(n.max_fragment_length, Some(Mfl::LEN_2048));
    }
    p.exercise();
}

#[test]
fn an_undefined_limit_is_misuse_in_a_config() {
    let mut cc = client_config(V12, V12);
    for v in [0u8, 5, 255] {
        cc.max_fragment_length = Some(Mfl(v));
        let name = lucid_core::pki_types::ServerName::try_from("localhost").unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let err = lucid_core::ClientConnection::new(Arc::new(cc.clone()), name, now(), &mut rng)
            .unwrap_err();
        assert!(
            matches!(err, Error::Misuse(m) if m.contains("max_fragment_length")),
            "{v}: {err:?}"
        );
    }
}

use rand_core::SeedableRng;

// ---- the server against a scripted client ----

/// A scripted TLS 1.2 client (RSA key exchange) asking for `mfl`, and a default server.
fn scripted_with(
    mfl: Mfl,
) -> (
    Scripted,
    lucid_core::ServerConnection,
    rand_chacha::ChaCha20Rng,
) {
    let mut c = scripted(9, V12, &rsa_kx_suites_for(V12), true, true);
    c.hello
        .extensions
        .push(ClientExtension::MaxFragmentLength(mfl));
    let (s, rng) = default_server(9);
    (c, s, rng)
}

#[test]
fn an_undefined_value_from_a_client_is_illegal_parameter() {
    for accept in [true, false] {
        for v in [0u8, 5, 9, 255] {
            let (mut c, _, _) = scripted_with(Mfl(v));
            let mut sc = server_config(V10, V12);
            sc.accept_max_fragment_length = accept;
            let (mut s, mut rng) = server(sc, 9);
            let res = feed(&mut s, &mut rng, &c.client_hello());
            assert_fails(
                &mut s,
                res,
                &Error::PeerMisbehaved(PM::InvalidMaxFragmentLength(Mfl(v))),
                &alert(V10, AD::ILLEGAL_PARAMETER),
            );
        }
    }
}

/// The server's first flight to a scripted client that asked for 512 bytes: every record
/// within the limit; the scripted client has read it.
fn negotiated_512() -> (
    Scripted,
    lucid_core::ServerConnection,
    rand_chacha::ChaCha20Rng,
) {
    let (mut c, mut s, mut rng) = scripted_with(Mfl::LEN_512);
    feed(&mut s, &mut rng, &c.client_hello()).unwrap();
    let flight = drain(&mut s);
    let (plain, _) = assert_records_within(&flight, 512, "server flight");
    assert!(plain > 4, "the flight was fragmented: {plain} records");
    let msgs = c.receive(&flight);
    assert!(!msgs.is_empty());
    assert_eq!(
        server_hello_of(&flight).find_extension(ExtensionType::MAX_FRAGMENT_LENGTH),
        Some(&ServerExtension::MaxFragmentLength(Mfl::LEN_512))
    );
    (c, s, rng)
}

#[test]
fn a_plaintext_record_over_the_limit_is_record_overflow() {
    // 513 bytes of plaintext: within what may be read before decrypting, over the limit.
    let (_, mut s, mut rng) = negotiated_512();
    let res = feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V12, &[0x10; 513]),
    );
    assert_fails(
        &mut s,
        res,
        &Error::RecordOverflow { len: 513, max: 512 },
        &alert(V12, AD::RECORD_OVERFLOW),
    );
    // Exactly the limit is taken: 512 bytes of a 1000-byte ClientKeyExchange (the rest
    // would follow in further records).
    let (_, mut s, mut rng) = negotiated_512();
    let mut part = vec![16, 0, 0x03, 0xe8];
    part.resize(512, 0);
    feed(
        &mut s,
        &mut rng,
        &record(ContentType::HANDSHAKE, V12, &part),
    )
    .unwrap();
    assert!(s.error().is_none() && s.is_handshaking());
}

#[test]
fn a_ciphertext_over_the_limit_and_its_expansion_is_refused_before_decryption() {
    let max = 512 + MAX_EXPANSION;
    for typ in [ContentType::HANDSHAKE, ContentType::APPLICATION_DATA] {
        let (_, mut s, mut rng) = negotiated_512();
        let res = feed(&mut s, &mut rng, &record(typ, V12, &vec![0; max + 1]));
        assert_fails(
            &mut s,
            res,
            &Error::RecordOverflow { len: max + 1, max },
            &alert(V12, AD::RECORD_OVERFLOW),
        );
    }
    // The header alone is enough: the body is never waited for.
    let (_, mut s, mut rng) = negotiated_512();
    let header = &record(ContentType::HANDSHAKE, V12, &vec![0; 16_000])[..5];
    let res = feed(&mut s, &mut rng, header);
    assert_fails(
        &mut s,
        res,
        &Error::RecordOverflow { len: 16_000, max },
        &alert(V12, AD::RECORD_OVERFLOW),
    );
}

#[test]
fn a_protected_record_over_the_limit_is_record_overflow() {
    let (mut c, mut s, mut rng) = negotiated_512();
    c.finish_full_handshake(&mut s, &mut rng);
    assert_eq!(
        s.negotiated().unwrap().max_fragment_length,
        Some(Mfl::LEN_512)
    );
    // At the limit: delivered.
    let ok = c.seal(ContentType::APPLICATION_DATA, &[0x61; 512]);
    feed(&mut s, &mut rng, &ok).unwrap();
    assert_eq!(s.plaintext(), [0x61; 512]);
    let n = s.plaintext().len();
    s.consume_plaintext(n);
    // One byte over: record_overflow, sent sealed.
    let over = c.seal(ContentType::APPLICATION_DATA, &[0x62; 513]);
    assert!(
        over.len() - 5 <= 512 + MAX_EXPANSION,
        "decrypted, then refused"
    );
    let res = feed(&mut s, &mut rng, &over);
    let want = Error::RecordOverflow { len: 513, max: 512 };
    assert_eq!(res.as_ref(), Err(&want));
    assert_eq!(s.error(), Some(&want));
    let sent = c.open_protected(&drain(&mut s));
    assert_eq!(
        sent,
        [(ContentType::ALERT, vec![2, AD::RECORD_OVERFLOW.get()])]
    );
}

#[test]
fn the_server_sends_records_within_the_limit_after_the_handshake() {
    let (mut c, mut s, mut rng) = negotiated_512();
    c.finish_full_handshake(&mut s, &mut rng);
    let data = vec![0x5au8; 2000];
    // The send buffer holds one sealed 512-byte record: each write takes what fits.
    let mut out = Vec::new();
    let mut written = 0;
    while written < data.len() {
        let n = s.write_plaintext(&data[written..], &mut rng).unwrap();
        assert_eq!(n, 512.min(data.len() - written));
        written += n;
        out.extend(drain(&mut s));
    }
    let got = c.open_protected(&out);
    let lens: Vec<usize> = got.iter().map(|(_, p)| p.len()).collect();
    assert_eq!(lens, [512, 512, 512, 464]);
    assert!(got.iter().all(|(t, _)| *t == ContentType::APPLICATION_DATA));
    assert_eq!(got.concat_plain(), data);
}

trait ConcatPlain {
    fn concat_plain(&self) -> Vec<u8>;
}

impl ConcatPlain for Vec<(ContentType, Vec<u8>)> {
    fn concat_plain(&self) -> Vec<u8> {
        self.iter().flat_map(|(_, p)| p.clone()).collect()
    }
}
