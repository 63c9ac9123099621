//! Cancellation safety: a read or write future dropped while pending (a timeout that fires,
//! the losing branch of `tokio::select!`) loses no byte and leaves the stream usable.
//!
//! Client and server talk over `tokio::io::duplex` with a 64-byte pipe, so a record is always
//! cut in pieces and a writer is always blocked on a full transport.

#[path = "../examples/common/https.rs"]
#[allow(dead_code, reason = "only the configs are used here")]
mod https;

use std::time::Duration;

use lucid_core::pki_types::ServerName;
use lucid_test_support::peers::pki;
use lucid_tokio::{TlsAcceptor, TlsConnector, client, server};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::timeout;

const PIPE: usize = 64;
/// Short enough that it fires while a read or write is waiting on the 64-byte pipe.
const TICK: Duration = Duration::from_millis(5);

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

async fn pair() -> (
    client::TlsStream<DuplexStream>,
    server::TlsStream<DuplexStream>,
) {
    let client_config = https::client_config(Some(&pki("root.pem"))).unwrap();
    let server_config = https::server_config(&pki("chain.pem"), &pki("leaf.key")).unwrap();
    let (c, s) = tokio::io::duplex(PIPE);
    let name = ServerName::try_from("localhost").unwrap();
    let (c, s) = tokio::join!(
        TlsConnector::from(client_config).connect(name, c),
        TlsAcceptor::from(server_config).accept(s)
    );
    (c.unwrap(), s.unwrap())
}

#[tokio::test]
async fn dropped_reads_lose_nothing() {
    let (mut client, mut server) = pair().await;
    let mut buf = vec![0u8; 4096];

    // 1. Waiting: nothing has been sent; the read times out and is dropped.
    assert!(timeout(TICK, client.read(&mut buf)).await.is_err());

    // 2. Mid-record: the server seals a 1000-byte record, of which only the first 64 bytes
    // fit in the pipe; the client's read takes those in and then waits for the rest.
    let first = pattern(1000, 1);
    assert_eq!(server.write(&first).await.unwrap(), first.len());
    assert!(
        timeout(TICK, client.read(&mut buf)).await.is_err(),
        "a read completed from a partial record"
    );
    // The server flushes (the rest of the record goes out while the client reads again).
    let mut got = Vec::new();
    let (flushed, ()) = tokio::join!(server.flush(), async {
        while got.len() < first.len() {
            let n = client.read(&mut buf).await.unwrap();
            assert_ne!(n, 0, "early end of stream");
            got.extend_from_slice(&buf[..n]);
        }
    });
    flushed.unwrap();
    assert_eq!(got, first, "bytes lost or duplicated around a dropped read");

    // 3. Many times over: a writer streams 256 KiB while the reader's every read races a
    // short timer in `select!`; most reads lose the race mid-record.
    let data = pattern(256 * 1024, 7);
    let mut got = Vec::with_capacity(data.len());
    let mut cancelled = 0usize;
    let (written, ()) = tokio::join!(
        async {
            for chunk in data.chunks(3000) {
                server.write_all(chunk).await?;
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            server.flush().await
        },
        async {
            while got.len() < data.len() {
                tokio::select! {
                    r = client.read(&mut buf) => {
                        let n = r.unwrap();
                        assert_ne!(n, 0, "early end of stream");
                        got.extend_from_slice(&buf[..n]);
                    }
                    () = tokio::time::sleep(Duration::from_micros(300)) => cancelled += 1,
                }
            }
        }
    );
    written.unwrap();
    assert_eq!(got.len(), data.len());
    assert!(got == data, "bytes lost or duplicated around dropped reads");
    assert!(cancelled > 10, "too few reads were cancelled ({cancelled})");
    println!("select!: {cancelled} reads dropped, 256 KiB received exactly once");

    // Still usable both ways, and it closes cleanly.
    client.write_all(b"ping").await.unwrap();
    client.flush().await.unwrap();
    let mut ping = [0u8; 4];
    server.read_exact(&mut ping).await.unwrap();
    assert_eq!(&ping, b"ping");
    let (shut, n) = tokio::join!(server.shutdown(), client.read(&mut buf));
    shut.unwrap();
    assert_eq!(n.unwrap(), 0, "close_notify should read as end of stream");
}

#[tokio::test]
async fn dropped_writes_lose_nothing() {
    let (mut client, mut server) = pair().await;
    let data = pattern(64 * 1024, 3);

    // 1. Nobody reads: the client writes until its send buffer and the 64-byte pipe are
    // full and a write is left pending; the timeout drops it.
    let mut sent = 0;
    let mut cancelled = 0;
    while sent < data.len() {
        match timeout(TICK, client.write(&data[sent..])).await {
            Ok(r) => sent += r.unwrap(),
            Err(_) => {
                cancelled += 1;
                break;
            }
        }
    }
    assert_eq!(cancelled, 1, "the transport never filled up");
    assert!(sent < data.len());
    println!("write pending after {sent} bytes accepted; dropped");

    // 2. The server starts reading; the client keeps writing, every write racing a short
    // timer, so more writes are dropped while the pipe is full.
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0u8; 2048];
    let ((), ()) = tokio::join!(
        async {
            while sent < data.len() {
                tokio::select! {
                    r = client.write(&data[sent..]) => sent += r.unwrap(),
                    () = tokio::time::sleep(Duration::from_micros(100)) => cancelled += 1,
                }
            }
            // The flush may be dropped too; then flush again.
            while timeout(TICK, client.flush()).await.is_err() {
                cancelled += 1;
            }
        },
        async {
            while got.len() < data.len() {
                let n = server.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "early end of stream");
                got.extend_from_slice(&buf[..n]);
                // A slow reader keeps the pipe full.
                if got.len() % 8192 < 2048 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
    );
    assert_eq!(got.len(), data.len());
    assert!(
        got == data,
        "bytes lost or duplicated around dropped writes"
    );
    assert!(cancelled > 1, "only the first write was cancelled");
    println!("{cancelled} writes/flushes dropped, 64 KiB received exactly once");

    // Still usable, and it closes cleanly.
    server.write_all(b"pong").await.unwrap();
    server.flush().await.unwrap();
    let mut pong = [0u8; 4];
    client.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"pong");
    let (shut, n) = tokio::join!(client.shutdown(), server.read(&mut buf));
    shut.unwrap();
    assert_eq!(n.unwrap(), 0, "close_notify should read as end of stream");
}
