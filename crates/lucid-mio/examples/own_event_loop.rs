//! lucid-core in an event loop of your own: the sans-IO calls in order, over a plain
//! non-blocking `std::net::TcpStream`. No mio and no lucid driver: only lucid-core (and
//! `rustls-pki-types` to read the PEM file of trust anchors).
//!
//! ```text
//! cargo run -p lucid-mio --example own_event_loop -- 127.0.0.1:4433 localhost testdata/pki/root.pem
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lucid_core::pki_types::pem::PemObject;
use lucid_core::pki_types::{CertificateDer, ServerName, UnixTime};
use lucid_core::{ClientConfig, ClientConnection, RootStore, WebPkiVerifier};
use rand_core::UnwrapErr;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4433".into());
    let name = args.next().unwrap_or_else(|| "localhost".into());
    let roots_pem = args
        .next()
        .unwrap_or_else(|| "testdata/pki/root.pem".into());

    // 1. Configuration: trust anchors and a verifier (no "accept anything" default).
    let mut roots = RootStore::new();
    for der in CertificateDer::pem_file_iter(&roots_pem)? {
        roots.add_der(der?.as_ref())?;
    }
    let config = Arc::new(ClientConfig::new(Arc::new(WebPkiVerifier::new(roots))));

    // 2. Your transport, your clock, your RNG. lucid-core touches none of them itself.
    let mut sock = TcpStream::connect(&addr)?;
    sock.set_nonblocking(true)?;
    let mut rng = UnwrapErr(getrandom::SysRng);

    // 3. The connection queues its ClientHello at once.
    let mut tls = ClientConnection::new(
        config,
        ServerName::try_from(name)?,
        UnixTime::now(),
        &mut rng,
    )?;

    let request = b"GET / HTTP/1.0\r\n\r\n";
    // How much of the request lucid has accepted so far: `write_plaintext` may take less
    // than it is given when its send buffer is full.
    let mut request_sent = 0;
    let mut response = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // 4. Send whatever lucid has queued; report how much the socket took.
        while tls.wants_write() {
            match sock.write(tls.pending_tls()) {
                Ok(n) => tls.consume_tls(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        // 5. Once the handshake is done, hand lucid the rest of the request to seal.
        if !tls.is_handshaking() && request_sent < request.len() {
            request_sent += tls.write_plaintext(&request[request_sent..], &mut rng)?;
            continue; // flush it first
        }
        // 6. Read from the socket straight into lucid's receive buffer.
        match sock.read(tls.recv_buf()) {
            Ok(0) => {
                // 9. End of stream: Ok only after the peer's close_notify.
                tls.transport_eof()?;
                break;
            }
            Ok(n) => tls.recv_ack(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err("timed out".into());
                }
                std::thread::sleep(Duration::from_millis(1)); // your poll()/epoll goes here
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        // 7. Process every whole record received, with the current time and the RNG.
        //    Errors are fatal; the alert for the peer is already queued in pending_tls().
        let mut state = tls.process(UnixTime::now(), &mut rng)?;
        // 8. Take decrypted application data; lucid decrypts the next record only after
        //    this is read (bounded memory), so drain it and process again.
        while state.plaintext_bytes_to_read() > 0 {
            response.extend_from_slice(tls.plaintext());
            let n = tls.plaintext().len();
            tls.consume_plaintext(n);
            state = tls.process(UnixTime::now(), &mut rng)?;
        }
        if state.peer_has_closed() {
            break;
        }
    }
    std::io::stdout().write_all(&response)?;
    Ok(())
}
