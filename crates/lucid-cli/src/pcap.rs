//! `--pcap FILE`: the TCP bytes of lucid's connections as a pcapng capture that Wireshark
//! and tshark open already decrypted.
//!
//! The bytes are taken at the transport: [`Tapped`] (or a driver's own socket wrapper,
//! through [`Capture::sent`] and [`Capture::received`]) records every chunk lucid wrote to
//! or read from the socket, with the time it happened. When the connection ends — also
//! when it fails — [`PcapFile::write`] turns those chunks into synthesised Ethernet/IP/TCP
//! packets and appends them to the file. Nothing here depends on the trace events, so a
//! capture shows exactly what crossed the socket even where the trace stops early.
//!
//! # The file (draft-ietf-opsawg-pcapng)
//!
//! All numbers little-endian; the byte-order magic in the SHB tells readers so (§3.6.1).
//! Every block is `type u32, total length u32, body padded to 32 bits, total length u32`
//! (§3.1); options are `code u16, length u16, value padded to 32 bits`, ended by
//! `opt_endofopt` (code 0, length 0) (§3.5).
//!
//! 1. Section Header Block (§4.1), type `0x0A0D0D0A`: magic `0x1A2B3C4D`, version 1.0,
//!    section length -1 (unknown: the file grows as connections end), option
//!    `shb_userappl` (4) = "lucid VERSION".
//! 2. Interface Description Block (§4.2), type 1: link type 1 (LINKTYPE_ETHERNET), snap
//!    length 0 (no limit), options `if_name` (2) = "lucid" and `if_tsresol` (9) = 9, so
//!    timestamps count nanoseconds since 1970.
//! 3. Per connection, in the order connections end:
//!    - a Decryption Secrets Block (§4.7), type `0x0000000A`, secrets type `0x544c534b`
//!      ("TLSK": an NSS key log), secrets length, then the key-log lines
//!      (`CLIENT_RANDOM <client random> <master secret>`) logged since the last one. It
//!      comes before the packets it decrypts, as Wireshark reads secrets in file order.
//!      Left out when no new secret was logged (a failed handshake, or one whose secret
//!      already went out with another connection's packets).
//!    - Enhanced Packet Blocks (§4.3), type 6: interface 0, timestamp (high and low 32
//!      bits), captured length = original length, the frame.
//!
//! # The packets
//!
//! Ethernet II between two made-up, locally administered MAC addresses (02:00:00:00:00:01
//! for the client, …:02 for the server), IPv4 (RFC 791) or IPv6 (RFC 8200) with the
//! connection's real addresses, TCP (RFC 9293) with its real ports and valid checksums:
//! a SYN, SYN-ACK, ACK handshake stamped when the socket connected, then each recorded
//! chunk cut into segments of at most [`MSS`] bytes (ACK, and PSH on a chunk's last
//! segment), with sequence and acknowledgment numbers counting exactly the bytes sent, and
//! a FIN exchange when the capture is written. Wireshark's TCP reassembly therefore sees a
//! complete, loss-free stream, and records split across segments are put back together.
//! The handshake and FIN packets are synthesised (lucid never sees them); the payload
//! bytes, their order and their times are real.

use core::net::{IpAddr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lucid_core::KeyLog;

/// Largest TCP payload per synthesised segment: Ethernet's 1500-byte MTU less 20 bytes of
/// IPv4 header, 20 of TCP header and 12 of TCP timestamps option, as on a typical link.
pub const MSS: usize = 1448;

const BLOCK_SHB: u32 = 0x0A0D_0D0A;
const BLOCK_IDB: u32 = 0x0000_0001;
const BLOCK_EPB: u32 = 0x0000_0006;
const BLOCK_DSB: u32 = 0x0000_000A;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const LINKTYPE_ETHERNET: u16 = 1;
/// Decryption Secrets Block secrets type for an NSS key log ("TLSK").
const SECRETS_TLS_KEY_LOG: u32 = 0x544C_534B;
const OPT_ENDOFOPT: u16 = 0;
const OPT_SHB_USERAPPL: u16 = 4;
const OPT_IF_NAME: u16 = 2;
const OPT_IF_TSRESOL: u16 = 9;

const TCP_FIN: u8 = 0x01;
const TCP_SYN: u8 = 0x02;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;

/// A pcapng file being written: its header blocks are on disk from [`PcapFile::create`]
/// on; each [`PcapFile::write`] appends one connection. Safe to share between threads.
#[derive(Debug)]
pub struct PcapFile {
    path: PathBuf,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    file: File,
    /// Key-log lines not yet written in a Decryption Secrets Block.
    pending_secrets: String,
}

impl PcapFile {
    /// Creates (or truncates) `path` and writes the section header and interface
    /// description, so an unwritable path fails here, before any connection.
    pub fn create(path: &Path) -> io::Result<Arc<Self>> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        let mut out = Vec::new();
        section_header(&mut out);
        interface_description(&mut out);
        file.write_all(&out)?;
        file.flush()?;
        Ok(Arc::new(Self {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner {
                file,
                pending_secrets: String::new(),
            }),
        }))
    }

    /// The path the file was created at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A key log for a `ClientConfig`/`ServerConfig` that collects the secrets for this
    /// file's Decryption Secrets Blocks and also passes them on to `also` (e.g. the
    /// `--keylog` file), if given.
    pub fn key_log(self: &Arc<Self>, also: Option<Arc<dyn KeyLog>>) -> Arc<dyn KeyLog> {
        Arc::new(PcapKeyLog {
            file: self.clone(),
            also,
        })
    }

    /// Appends one connection: a Decryption Secrets Block with the secrets logged since
    /// the last write (if any), then the connection's packets. A capture whose socket
    /// never connected adds nothing.
    pub fn write(&self, capture: &Capture) -> io::Result<()> {
        let packets = capture.lock().packets(SystemTime::now());
        let mut inner = self.lock();
        let mut out = Vec::new();
        if !inner.pending_secrets.is_empty() {
            decryption_secrets(&mut out, inner.pending_secrets.as_bytes());
        }
        for (at, frame) in &packets {
            enhanced_packet(&mut out, *at, frame);
        }
        if out.is_empty() {
            return Ok(());
        }
        inner.file.write_all(&out)?;
        inner.file.flush()?;
        inner.pending_secrets.clear();
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves at worst a half-written block; keep going.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The [`KeyLog`] from [`PcapFile::key_log`].
#[derive(Debug)]
struct PcapKeyLog {
    file: Arc<PcapFile>,
    also: Option<Arc<dyn KeyLog>>,
}

impl KeyLog for PcapKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        use core::fmt::Write as _;
        {
            let mut inner = self.file.lock();
            let line = &mut inner.pending_secrets;
            line.push_str(label);
            line.push(' ');
            for b in client_random {
                let _ = write!(line, "{b:02x}");
            }
            line.push(' ');
            for b in secret {
                let _ = write!(line, "{b:02x}");
            }
            line.push('\n');
        }
        if let Some(also) = &self.also {
            also.log(label, client_random, secret);
        }
    }
}

/// One connection's bytes as lucid sent and received them, with their times. Cheap to
/// clone: clones share the recording.
#[derive(Debug, Clone)]
pub struct Capture(Arc<Mutex<Recording>>);

#[derive(Debug)]
struct Recording {
    /// Whether lucid is the client here (its writes go client → server).
    we_are_client: bool,
    /// The wall-clock time at `mono`: chunk times are `wall + (instant - mono)`, so they
    /// keep the monotonic clock's spacing.
    wall: SystemTime,
    mono: Instant,
    /// (client, server) and when the socket connected.
    endpoints: Option<(SocketAddr, SocketAddr, SystemTime)>,
    chunks: Vec<Chunk>,
}

#[derive(Debug)]
struct Chunk {
    at: SystemTime,
    from_client: bool,
    bytes: Vec<u8>,
}

impl Capture {
    /// A recording of a connection lucid makes as the client.
    pub fn client() -> Self {
        Self::new(true)
    }

    /// A recording of a connection lucid accepted as the server.
    pub fn server() -> Self {
        Self::new(false)
    }

    fn new(we_are_client: bool) -> Self {
        Self(Arc::new(Mutex::new(Recording {
            we_are_client,
            wall: SystemTime::now(),
            mono: Instant::now(),
            endpoints: None,
            chunks: Vec::new(),
        })))
    }

    /// The socket is connected: its local and peer addresses (as `TcpStream::local_addr`
    /// and `peer_addr` give them).
    pub fn connected(&self, local: SocketAddr, peer: SocketAddr) {
        let mut r = self.lock();
        let at = r.now();
        r.endpoints = Some(if r.we_are_client {
            (local, peer, at)
        } else {
            (peer, local, at)
        });
    }

    /// lucid wrote `bytes` to the socket.
    pub fn sent(&self, bytes: &[u8]) {
        let mut r = self.lock();
        let from_client = r.we_are_client;
        r.push(from_client, bytes);
    }

    /// lucid read `bytes` from the socket.
    pub fn received(&self, bytes: &[u8]) {
        let mut r = self.lock();
        let from_client = !r.we_are_client;
        r.push(from_client, bytes);
    }

    fn lock(&self) -> MutexGuard<'_, Recording> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Recording {
    fn now(&self) -> SystemTime {
        self.wall + self.mono.elapsed()
    }

    fn push(&mut self, from_client: bool, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let at = self.now();
        self.chunks.push(Chunk {
            at,
            from_client,
            bytes: bytes.to_vec(),
        });
    }

    /// The connection as timestamped Ethernet frames, closed with a FIN exchange at
    /// `closed` (or the last chunk's time, if later).
    fn packets(&self, closed: SystemTime) -> Vec<(SystemTime, Vec<u8>)> {
        let Some((client, server, opened)) = self.endpoints else {
            return Vec::new();
        };
        let mut tcp = Tcp::new(client, server);
        let mut out = Vec::new();
        out.push((opened, tcp.segment(true, TCP_SYN, &[])));
        out.push((opened, tcp.segment(false, TCP_SYN | TCP_ACK, &[])));
        out.push((opened, tcp.segment(true, TCP_ACK, &[])));
        let mut last = opened;
        for chunk in &self.chunks {
            let mut segments = chunk.bytes.chunks(MSS).peekable();
            while let Some(payload) = segments.next() {
                let flags = if segments.peek().is_none() {
                    TCP_ACK | TCP_PSH
                } else {
                    TCP_ACK
                };
                out.push((chunk.at, tcp.segment(chunk.from_client, flags, payload)));
            }
            last = last.max(chunk.at);
        }
        let closed = closed.max(last);
        out.push((closed, tcp.segment(true, TCP_FIN | TCP_ACK, &[])));
        out.push((closed, tcp.segment(false, TCP_FIN | TCP_ACK, &[])));
        out.push((closed, tcp.segment(true, TCP_ACK, &[])));
        out
    }
}

/// A `Read + Write` transport that records what passes through it into a [`Capture`]
/// (when it has one; without, it only passes the bytes on).
#[derive(Debug)]
pub struct Tapped<S> {
    inner: S,
    capture: Option<Capture>,
}

impl<S> Tapped<S> {
    /// Wraps `inner`; `capture: None` records nothing.
    pub fn new(inner: S, capture: Option<Capture>) -> Self {
        Self { inner, capture }
    }

    /// The wrapped transport.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Read> Read for Tapped<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.capture {
            c.received(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }
}

impl<S: Write> Write for Tapped<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(c) = &self.capture {
            c.sent(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Sequence state of the synthesised TCP connection.
#[derive(Debug)]
struct Tcp {
    client: SocketAddr,
    server: SocketAddr,
    /// Next sequence number of each side: (client, server).
    next: (u32, u32),
    ip_id: u16,
}

impl Tcp {
    fn new(client: SocketAddr, server: SocketAddr) -> Self {
        // Fixed initial sequence numbers: any will do, and fixed ones keep captures of
        // the same bytes comparable.
        Self {
            client,
            server,
            next: (0x1000_0000, 0x2000_0000),
            ip_id: 1,
        }
    }

    /// One Ethernet frame from the client (`from_client`) or the server, advancing the
    /// sender's sequence number by the payload (and by one for SYN and FIN).
    fn segment(&mut self, from_client: bool, flags: u8, payload: &[u8]) -> Vec<u8> {
        let (src, dst, seq, ack) = if from_client {
            (self.client, self.server, self.next.0, self.next.1)
        } else {
            (self.server, self.client, self.next.1, self.next.0)
        };
        let ack = if flags & TCP_ACK != 0 { ack } else { 0 };
        // payload ≤ MSS, so the casts below cannot truncate.
        let advance = payload.len() as u32 + u32::from(flags & (TCP_SYN | TCP_FIN) != 0);
        let sender = if from_client {
            &mut self.next.0
        } else {
            &mut self.next.1
        };
        *sender = sender.wrapping_add(advance);

        let mut tcp = Vec::with_capacity(20 + payload.len());
        tcp.extend_from_slice(&src.port().to_be_bytes());
        tcp.extend_from_slice(&dst.port().to_be_bytes());
        tcp.extend_from_slice(&seq.to_be_bytes());
        tcp.extend_from_slice(&ack.to_be_bytes());
        tcp.push(5 << 4); // data offset: 5 words, no options
        tcp.push(flags);
        tcp.extend_from_slice(&65535u16.to_be_bytes()); // window
        tcp.extend_from_slice(&[0, 0]); // checksum, filled in below
        tcp.extend_from_slice(&[0, 0]); // urgent pointer
        tcp.extend_from_slice(payload);

        let mac = |client: bool| [0x02, 0, 0, 0, 0, if client { 1 } else { 2 }];
        let mut frame = Vec::with_capacity(14 + 40 + tcp.len());
        frame.extend_from_slice(&mac(!from_client));
        frame.extend_from_slice(&mac(from_client));
        match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let (s, d) = (s.octets(), d.octets());
                let mut pseudo = Vec::with_capacity(12 + tcp.len());
                pseudo.extend_from_slice(&s);
                pseudo.extend_from_slice(&d);
                pseudo.extend_from_slice(&[0, 6]);
                pseudo.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
                set_tcp_checksum(&mut tcp, &pseudo);
                let mut ip = Vec::with_capacity(20);
                ip.push(0x45); // version 4, 5-word header
                ip.push(0); // DSCP/ECN
                ip.extend_from_slice(&((20 + tcp.len()) as u16).to_be_bytes());
                ip.extend_from_slice(&self.ip_id.to_be_bytes());
                ip.extend_from_slice(&0x4000u16.to_be_bytes()); // don't fragment
                ip.push(64); // TTL
                ip.push(6); // TCP
                ip.extend_from_slice(&[0, 0]); // checksum
                ip.extend_from_slice(&s);
                ip.extend_from_slice(&d);
                let sum = checksum(&[&ip]).to_be_bytes();
                ip[10..12].copy_from_slice(&sum);
                self.ip_id = self.ip_id.wrapping_add(1);
                frame.extend_from_slice(&0x0800u16.to_be_bytes());
                frame.extend_from_slice(&ip);
            }
            (s, d) => {
                let v6 = |a: IpAddr| match a {
                    IpAddr::V4(a) => a.to_ipv6_mapped(),
                    IpAddr::V6(a) => a,
                };
                let (s, d): (Ipv6Addr, Ipv6Addr) = (v6(s), v6(d));
                let len = (tcp.len() as u32).to_be_bytes();
                let mut pseudo = Vec::with_capacity(40);
                pseudo.extend_from_slice(&s.octets());
                pseudo.extend_from_slice(&d.octets());
                pseudo.extend_from_slice(&len);
                pseudo.extend_from_slice(&[0, 0, 0, 6]);
                set_tcp_checksum(&mut tcp, &pseudo);
                frame.extend_from_slice(&0x86DDu16.to_be_bytes());
                frame.extend_from_slice(&[0x60, 0, 0, 0]); // version 6, no class or flow
                frame.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
                frame.push(6); // next header: TCP
                frame.push(64); // hop limit
                frame.extend_from_slice(&s.octets());
                frame.extend_from_slice(&d.octets());
            }
        }
        frame.extend_from_slice(&tcp);
        frame
    }
}

fn set_tcp_checksum(tcp: &mut [u8], pseudo_header: &[u8]) {
    let sum = checksum(&[pseudo_header, tcp]).to_be_bytes();
    tcp[16..18].copy_from_slice(&sum);
}

/// The Internet checksum (RFC 1071) over the concatenation of `parts`, each of even
/// length except possibly the last.
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        let mut words = part.chunks_exact(2);
        for w in &mut words {
            sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [last] = words.remainder() {
            sum += u32::from(*last) << 8;
        }
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// Appends one block: type, total length, `body` padded to 32 bits, total length.
fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let padded = body.len().next_multiple_of(4);
    let total = (12 + padded) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + padded - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

/// Appends one option: code, length, value padded to 32 bits.
fn option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().next_multiple_of(4), 0);
}

fn end_of_options(out: &mut Vec<u8>) {
    option(out, OPT_ENDOFOPT, &[]);
}

fn section_header(out: &mut Vec<u8>) {
    let mut body = Vec::new();
    body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    let app = concat!("lucid ", env!("CARGO_PKG_VERSION"));
    option(&mut body, OPT_SHB_USERAPPL, app.as_bytes());
    end_of_options(&mut body);
    block(out, BLOCK_SHB, &body);
}

fn interface_description(out: &mut Vec<u8>) {
    let mut body = Vec::new();
    body.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes()); // reserved
    body.extend_from_slice(&0u32.to_le_bytes()); // snap length: no limit
    option(&mut body, OPT_IF_NAME, b"lucid");
    option(&mut body, OPT_IF_TSRESOL, &[9]); // 10^-9 s
    end_of_options(&mut body);
    block(out, BLOCK_IDB, &body);
}

fn decryption_secrets(out: &mut Vec<u8>, secrets: &[u8]) {
    let mut body = Vec::new();
    body.extend_from_slice(&SECRETS_TLS_KEY_LOG.to_le_bytes());
    body.extend_from_slice(&(secrets.len() as u32).to_le_bytes());
    body.extend_from_slice(secrets);
    block(out, BLOCK_DSB, &body);
}

fn enhanced_packet(out: &mut Vec<u8>, at: SystemTime, frame: &[u8]) {
    let nanos = at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let ts = u64::try_from(nanos.as_nanos()).unwrap_or(u64::MAX);
    let len = frame.len() as u32;
    let mut body = Vec::with_capacity(20 + frame.len());
    body.extend_from_slice(&0u32.to_le_bytes()); // interface 0
    body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ts as u32).to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes()); // captured
    body.extend_from_slice(&len.to_le_bytes()); // original
    body.extend_from_slice(frame);
    block(out, BLOCK_EPB, &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_are_padded_and_framed() {
        let mut out = Vec::new();
        decryption_secrets(&mut out, b"CLIENT_RANDOM a b\n");
        // 12 of framing + 8 of header + 18 of secrets padded to 20.
        assert_eq!(out.len(), 40);
        assert_eq!(out[..4], BLOCK_DSB.to_le_bytes());
        assert_eq!(out[4..8], 40u32.to_le_bytes());
        assert_eq!(out[8..12], *b"KSLT", "TLSK, little-endian");
        assert_eq!(out[12..16], 18u32.to_le_bytes());
        assert_eq!(out[36..], 40u32.to_le_bytes());
    }

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, so the checksum is 220d.
        assert_eq!(
            checksum(&[&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]]),
            0x220d
        );
        // A packet with its checksum filled in sums to zero.
        let mut tcp = Tcp::new(addr("127.0.0.1:40000"), addr("127.0.0.1:443"));
        let frame = tcp.segment(true, TCP_SYN, &[]);
        let ip = &frame[14..34];
        assert_eq!(checksum(&[ip]), 0);
    }

    #[test]
    fn sequence_numbers_count_the_bytes() {
        let capture = Capture::client();
        capture.connected(addr("127.0.0.1:40000"), addr("127.0.0.1:443"));
        capture.sent(&[0x16; 3000]);
        capture.received(&[0x17; 10]);
        let packets = capture.lock().packets(SystemTime::now());
        // SYN, SYN-ACK, ACK; 1448 + 1448 + 104; 10; FIN, FIN, ACK.
        assert_eq!(packets.len(), 3 + 3 + 1 + 3);
        let field = |i: usize, at: usize| {
            let f = &packets[i].1;
            u32::from_be_bytes(f[14 + 20 + at..14 + 20 + at + 4].try_into().unwrap())
        };
        let (seq, ack) = (|i| field(i, 4), |i| field(i, 8));
        assert_eq!(seq(3), 0x1000_0001);
        assert_eq!(seq(4), 0x1000_0001 + 1448);
        assert_eq!(seq(5), 0x1000_0001 + 2896);
        assert_eq!(packets[5].1.len(), 14 + 20 + 20 + 104);
        assert_eq!(seq(6), 0x2000_0001);
        assert_eq!(ack(6), 0x1000_0001 + 3000);
        assert_eq!(seq(7), 0x1000_0001 + 3000, "client FIN");
        assert_eq!(
            ack(9),
            0x2000_0001 + 10 + 1,
            "last ACK covers the server's FIN"
        );
    }

    #[test]
    fn server_side_recording_swaps_directions() {
        let capture = Capture::server();
        capture.connected(addr("[::1]:443"), addr("[::1]:40000"));
        capture.received(b"hello");
        let packets = capture.lock().packets(SystemTime::now());
        let data = &packets[3].1;
        assert_eq!(data[12..14], [0x86, 0xdd]);
        // Source port (after 14 + 40 bytes of headers) is the client's.
        assert_eq!(data[54..56], 40000u16.to_be_bytes());
        assert_eq!(data[data.len() - 5..], *b"hello");
    }

    #[test]
    fn no_connection_no_packets() {
        assert!(
            Capture::client()
                .lock()
                .packets(SystemTime::now())
                .is_empty()
        );
    }
}
