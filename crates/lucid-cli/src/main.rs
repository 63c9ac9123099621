//! The `lucid` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod connect;
mod serve;
mod verify;

/// lucid: a TLS 1.0-1.2 engine you can watch.
#[derive(Debug, Parser)]
#[command(name = "lucid", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Connect to a TLS server, send a request and print the reply.
    Connect(connect::ConnectArgs),
    /// Serve TLS: `--cert CHAIN.pem --key KEY.pem [--listen 127.0.0.1:4433] [--tls-min V]
    /// [--tls-max V] [--cipher IANA_NAME]... [--www | --echo]`.
    Serve(serve::ServeArgs),
    /// Run a handshake against a built-in lucid server on 127.0.0.1 and show it (not yet built).
    Demo,
    /// Verify a certificate chain: `--cafile ROOTS.pem [--untrusted INTERMEDIATES.pem]
    /// [--host NAME] [--at UNIX_SECONDS] LEAF.pem`.
    Verify(verify::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Connect(args) => connect::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo => {
            eprintln!("lucid demo: not built yet (the server handshake comes first)");
            ExitCode::from(2)
        }
        Command::Verify(args) => verify::run(args),
    }
}
