//! The lucid client alone: no server code is linked. It runs the same script as in `pair`
//! against the server's recorded bytes ([`transcript::FILE`], written by `pair`), checking
//! that it sends exactly what the client in `pair` sent, and prints the client's peak heap
//! (for each [`RecordBuffers`](lucid_core::RecordBuffers) mode) and stack with nothing else
//! running. Its `.text + .rodata` is the client's flash figure. See the crate docs.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::vec::Vec;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use lucid_core::ClientConnection;
use lucid_firmware::heap::{self, Side};
use lucid_firmware::transcript::{self, Entry};
use lucid_firmware::{BUFFER_MODES, DemoRng, Res, ServerEnd, host, now, run_client, stack};
use panic_semihosting as _;

#[entry]
fn main() -> ! {
    stack::paint();
    heap::init();
    lucid_firmware::exit(run())
}

fn run() -> Res {
    let recorded = heap::as_side(Side::Harness, || host::read_file(transcript::FILE))
        .map_err(|e| format!("reading the transcript `pair` writes: {e} (run `pair` first)"))?;
    let mut peaks = Vec::new();
    let mut outcome = None;
    for buffers in BUFFER_MODES {
        heap::reset();
        let mut server = Replay {
            entries: transcript::Reader::new(&recorded),
        };
        outcome = Some(run_client(&mut server, buffers, None)?);
        if server.entries.next_entry()?.is_some() {
            return Err("the client finished before the recording did".into());
        }
        heap::check_empty()?;
        peaks.push((buffers, heap::peak(Side::Client)));
    }
    let outcome = outcome.ok_or("no run")?;
    hprintln!(
        "client only: handshake complete: {}, {} (against the recorded server)",
        outcome.version,
        outcome.suite
    );
    for (buffers, peak) in peaks {
        hprintln!(
            "peak heap, client alone, RecordBuffers::{:?}: {} bytes",
            buffers,
            peak
        );
    }
    hprintln!("peak stack, client alone: {} bytes", stack::high_water());
    Ok(())
}

/// The server, played back from `pair`'s recording.
struct Replay<'a> {
    entries: transcript::Reader<'a>,
}

impl ServerEnd for Replay<'_> {
    fn shuttle(&mut self, client: &mut ClientConnection, rng: &mut DemoRng) -> Res {
        loop {
            match self.entries.next_entry()? {
                None => return Err("the recording ended before the client did".into()),
                Some(Entry::Mark) => {
                    if !client.pending_tls().is_empty() {
                        return Err("the client has bytes to send that `pair`'s did not".into());
                    }
                    return Ok(());
                }
                Some(Entry::ClientToServer(expected)) => {
                    let sent = client.pending_tls();
                    if !sent.starts_with(expected) {
                        return Err(format!(
                            "the client sent other bytes than in `pair` ({} queued, {} \
                             recorded): the recording is stale or the client is not \
                             deterministic",
                            sent.len(),
                            expected.len()
                        ));
                    }
                    heap::as_side(Side::Client, || client.consume_tls(expected.len()));
                }
                Some(Entry::ServerToClient(bytes)) => {
                    let n = heap::as_side(Side::Client, || client.read_tls_bytes(bytes));
                    if n != bytes.len() {
                        return Err(format!("the client took {n} of {} bytes", bytes.len()));
                    }
                    heap::as_side(Side::Client, || client.process(now(), rng))
                        .map_err(|e| format!("client: {e}"))?;
                }
            }
        }
    }
}
