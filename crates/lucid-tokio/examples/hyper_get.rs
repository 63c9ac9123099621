//! An HTTPS GET with hyper-util's client, every `https://` connection made by lucid:
//!
//! ```text
//! cargo run -p lucid-tokio --example hyper_get -- https://HOST:PORT/PATH [--cafile ROOTS.pem]
//! ```
//!
//! Prints the status line and the body. Without `--cafile` the system's roots are trusted.
//! E.g. against `openssl s_server -www`, `lucid serve --www`, or the `hyper_server` example's
//! Redfish endpoint (`https://localhost:4433/redfish/v1 --cafile testdata/pki/root.pem`).

#[path = "common/https.rs"]
#[allow(dead_code, reason = "the server half is hyper_server's")]
mod https;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: hyper_get https://HOST:PORT/PATH [--cafile ROOTS.pem]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut uri = None;
    let mut cafile = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cafile" => cafile = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if uri.is_none() => uri = Some(arg),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(uri) = uri.and_then(|u| u.parse::<hyper::Uri>().ok()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = async {
        let config = https::client_config(cafile.as_deref())?;
        https::get(config, uri).await
    };
    match result.await {
        Ok(fetched) => {
            println!("{}", fetched.status_line);
            let mut out = std::io::stdout();
            let _ = out.write_all(&fetched.body);
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hyper_get: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
