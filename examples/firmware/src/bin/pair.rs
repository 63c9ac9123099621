//! A lucid client and a lucid server in one image, handshaking in memory under QEMU; prints
//! `handshake complete: VERSION, SUITE`, then the peak heap of each side (for each
//! [`RecordBuffers`] mode) and the stack high-water mark, and writes what crossed to
//! [`transcript::FILE`] for the `client` image. See the crate docs (`src/lib.rs`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use lucid_core::{CertifiedKey, ClientConnection, RecordBuffers, RsaCrateKey};
use lucid_core::{ServerConfig, ServerConnection};
use lucid_firmware::heap::{self, Side};
use lucid_firmware::transcript::{self, Entry};
use lucid_firmware::{
    BUFFER_MODES, DemoRng, MAX_ROUNDS, MFL, Outcome, REQUEST_LEN, RESPONSE_LEN, Res, SERVER_SEED,
    ServerEnd, now, pki, request_byte, response_byte, run_client, stack,
};
use panic_semihosting as _;

#[entry]
fn main() -> ! {
    stack::paint();
    heap::init();
    lucid_firmware::exit(run())
}

fn run() -> Res {
    let mut outcome: Option<Outcome> = None;
    let mut recorded: Option<Vec<u8>> = None;
    let mut peaks = Vec::new();
    for buffers in BUFFER_MODES {
        heap::reset();
        let mut server = heap::as_side(Side::Server, || InMemoryServer::new(buffers))?;
        let this = run_client(&mut server, buffers, None)?;
        if !server.saw_close_notify() {
            return Err("the server did not receive the client's close_notify".into());
        }
        // The harness's buffers go back as the harness's; the rest is the server's.
        let log = core::mem::take(&mut server.log);
        drop(core::mem::take(&mut server.request));
        heap::as_side(Side::Server, || drop(server));
        heap::check_empty()?;
        peaks.push((buffers, heap::peak(Side::Client), heap::peak(Side::Server)));

        // The record buffers' sizing must not change a byte on the wire: the client image
        // replays one recording in both modes.
        match &recorded {
            None => recorded = Some(log),
            Some(first) if *first == log => {}
            Some(_) => return Err(format!("{buffers:?} changed the bytes on the wire")),
        }
        match outcome {
            None => outcome = Some(this),
            Some(first) if first == this => {}
            Some(first) => return Err(format!("{buffers:?} negotiated {this:?}, not {first:?}")),
        }
    }
    // The small-device configuration: the client asks for max_fragment_length 2048 and the
    // server agrees, so both cut records to 2048 bytes and size their buffers for that
    // (different bytes on the wire: not part of the recording).
    let mut mfl_peaks = Vec::new();
    for buffers in BUFFER_MODES {
        heap::reset();
        let mut server = heap::as_side(Side::Server, || InMemoryServer::new(buffers))?;
        let this = run_client(&mut server, buffers, Some(MFL))?;
        if Some(this) != outcome {
            return Err(format!("max_fragment_length negotiated {this:?}"));
        }
        drop(core::mem::take(&mut server.log));
        drop(core::mem::take(&mut server.request));
        heap::as_side(Side::Server, || drop(server));
        heap::check_empty()?;
        mfl_peaks.push((buffers, heap::peak(Side::Client), heap::peak(Side::Server)));
    }
    let outcome = outcome.ok_or("no run")?;
    hprintln!("handshake complete: {}, {}", outcome.version, outcome.suite);
    for (buffers, client, server) in peaks {
        hprintln!(
            "peak heap, client, RecordBuffers::{:?}: {} bytes",
            buffers,
            client
        );
        hprintln!(
            "peak heap, server, RecordBuffers::{:?}: {} bytes",
            buffers,
            server
        );
    }
    let limit = MFL.fragment_len().unwrap_or(0);
    for (buffers, client, server) in mfl_peaks {
        hprintln!(
            "peak heap, client, max_fragment_length {}, RecordBuffers::{:?}: {} bytes",
            limit,
            buffers,
            client
        );
        hprintln!(
            "peak heap, server, max_fragment_length {}, RecordBuffers::{:?}: {} bytes",
            limit,
            buffers,
            server
        );
    }
    hprintln!(
        "peak stack, client and server in one image: {} bytes",
        stack::high_water()
    );
    let recorded = recorded.ok_or("no run")?;
    lucid_firmware::host::write_file(transcript::FILE, &recorded)?;
    hprintln!("wrote {} bytes of transcript", recorded.len());
    Ok(())
}

/// The server's configuration: the leaf and intermediate with the leaf's RSA key.
fn server_config(buffers: RecordBuffers) -> Res<ServerConfig> {
    let key = RsaCrateKey::from_pkcs8_der(pki::LEAF_KEY).map_err(|e| format!("leaf key: {e}"))?;
    let chain = vec![pki::LEAF.to_vec(), pki::INTERMEDIATE.to_vec()];
    let cert = CertifiedKey::new(chain, Arc::new(key)).map_err(|e| format!("chain: {e}"))?;
    let mut config = ServerConfig::new(cert);
    config.record_buffers = buffers;
    Ok(config)
}

/// A lucid server and its application (read the request, check it, answer), joined to the
/// client by the shuttle, recording every byte that crosses.
struct InMemoryServer {
    conn: ServerConnection,
    rng: DemoRng,
    request: Vec<u8>,
    answered: bool,
    log: Vec<u8>,
}

impl InMemoryServer {
    fn new(buffers: RecordBuffers) -> Res<Self> {
        let config = Arc::new(server_config(buffers)?);
        let conn = ServerConnection::new(config).map_err(|e| format!("ServerConnection: {e}"))?;
        Ok(Self {
            conn,
            rng: DemoRng::new(SERVER_SEED),
            request: heap::as_side(Side::Harness, || Vec::with_capacity(REQUEST_LEN)),
            answered: false,
            log: heap::as_side(Side::Harness, || Vec::with_capacity(8 * 1024)),
        })
    }

    fn saw_close_notify(&self) -> bool {
        self.conn.peer_has_closed()
    }

    fn record(&mut self, entry: Entry<'_>) {
        heap::as_side(Side::Harness, || transcript::push(&mut self.log, entry));
    }

    /// Client → server until the client has nothing queued. Returns the bytes moved.
    fn client_to_server(&mut self, client: &mut ClientConnection) -> Res<usize> {
        let mut moved = 0;
        for _ in 0..MAX_ROUNDS {
            let pending = client.pending_tls();
            if pending.is_empty() {
                break;
            }
            let n = heap::as_side(Side::Server, || self.conn.read_tls_bytes(pending));
            heap::as_side(Side::Harness, || {
                transcript::push(&mut self.log, Entry::ClientToServer(&pending[..n]))
            });
            heap::as_side(Side::Client, || client.consume_tls(n));
            heap::as_side(Side::Server, || self.conn.process(now(), &mut self.rng))
                .map_err(|e| format!("server: {e}"))?;
            moved += n;
            if n == 0 {
                break;
            }
        }
        Ok(moved)
    }

    /// Server → client until the server has nothing queued. Returns the bytes moved.
    fn server_to_client(&mut self, client: &mut ClientConnection, rng: &mut DemoRng) -> Res<usize> {
        let mut moved = 0;
        for _ in 0..MAX_ROUNDS {
            let pending = self.conn.pending_tls();
            if pending.is_empty() {
                break;
            }
            let n = heap::as_side(Side::Client, || client.read_tls_bytes(pending));
            heap::as_side(Side::Harness, || {
                transcript::push(&mut self.log, Entry::ServerToClient(&pending[..n]))
            });
            heap::as_side(Side::Server, || self.conn.consume_tls(n));
            heap::as_side(Side::Client, || client.process(now(), rng))
                .map_err(|e| format!("client: {e}"))?;
            moved += n;
            if n == 0 {
                break;
            }
        }
        Ok(moved)
    }

    /// The server's application: collect the request; once it is whole, check it and write
    /// the response.
    fn serve(&mut self) -> Res {
        let mut chunk = [0_u8; 256];
        loop {
            let n = heap::as_side(Side::Server, || self.conn.read_plaintext(&mut chunk));
            if n == 0 {
                break;
            }
            heap::as_side(Side::Harness, || {
                self.request.extend_from_slice(&chunk[..n])
            });
        }
        if self.answered || self.request.len() < REQUEST_LEN {
            return Ok(());
        }
        if self.request.len() != REQUEST_LEN {
            return Err(format!("the server received {} bytes", self.request.len()));
        }
        if let Some(i) = (0..REQUEST_LEN).find(|&i| self.request[i] != request_byte(i)) {
            return Err(format!("request byte {i} differs"));
        }
        let response: Vec<u8> = heap::as_side(Side::Harness, || {
            (0..RESPONSE_LEN).map(response_byte).collect()
        });
        let mut written = 0;
        for _ in 0..MAX_ROUNDS {
            if written == RESPONSE_LEN {
                break;
            }
            written += heap::as_side(Side::Server, || {
                self.conn
                    .write_plaintext(&response[written..], &mut self.rng)
            })
            .map_err(|e| format!("server write_plaintext: {e}"))?;
        }
        if written != RESPONSE_LEN {
            return Err(format!(
                "the server wrote {written} of {RESPONSE_LEN} bytes"
            ));
        }
        self.answered = true;
        heap::as_side(Side::Harness, || drop(response));
        Ok(())
    }
}

impl ServerEnd for InMemoryServer {
    fn shuttle(&mut self, client: &mut ClientConnection, rng: &mut DemoRng) -> Res {
        for _ in 0..MAX_ROUNDS {
            let mut moved = self.client_to_server(client)?;
            self.serve()?;
            moved += self.server_to_client(client, rng)?;
            if moved == 0 {
                self.record(Entry::Mark);
                return Ok(());
            }
        }
        Err(format!("still talking after {MAX_ROUNDS} rounds"))
    }
}
