//! The `lucid` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod connect;
mod demo;
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
    /// Connect to a TLS server, show its handshake, send a request and print the reply.
    ///
    /// Output: without --trace, --timeline or --json, stdin (or --request) is sent after
    /// the handshake, the reply goes to stdout as it arrives, and a one-screen summary goes
    /// to stderr (version, suite, extensions, the certificate chain with a verdict per
    /// check, session id, resumption, milliseconds to each step).
    ///
    /// With --trace, --timeline or --json, stdout carries the recorded connection: stdin is
    /// not read, only --request is sent, and its reply is printed after the trace (for
    /// --json, as a final {"event":"reply"} line); the summary still goes to stderr.
    ///
    /// --html FILE (with any of the above, or alone) also writes the connection as one
    /// self-contained page to open in a browser; --pcap FILE as a capture for Wireshark.
    ///
    /// Colour is used only on a terminal and never when NO_COLOR is set. Every failure
    /// (refused, unresolvable, silent or non-TLS server, rejected certificate, timeout)
    /// ends with one line on stderr and exit code 1.
    Connect(connect::ConnectArgs),
    /// Serve TLS: `--cert CHAIN.pem --key KEY.pem [--listen 127.0.0.1:4433] [--tls-min V]
    /// [--tls-max V] [--cipher IANA_NAME]... [--alpn PROTO[,PROTO...]] [--www | --echo]
    /// [--html-dir DIR]`.
    Serve(serve::ServeArgs),
    /// Run handshakes against a built-in lucid server on 127.0.0.1 and show them.
    ///
    /// Starts a lucid server on a free port of 127.0.0.1 with a built-in TEST-ONLY
    /// certificate (its key is public), then connects to it three times: TLS 1.0 with
    /// TLS_RSA_WITH_AES_128_CBC_SHA (the handshake of "The First Few Milliseconds of an HTTPS
    /// Connection"), TLS 1.2 with lucid's defaults, and TLS 1.2 again resuming that session,
    /// each agreeing on http/1.1 with ALPN. For each it prints the annotated trace, the
    /// timeline and a summary on stdout; --html FILE writes all three as one page to open in
    /// a browser, --pcap FILE as a capture. `--seed` runs the seed article's own handshake
    /// instead: TLS 1.0 with TLS_RSA_WITH_RC4_128_MD5 (a legacy opt-in, locally), each broken
    /// step explained. Needs no network and no files.
    Demo(demo::DemoArgs),
    /// Verify a certificate chain: `--cafile ROOTS.pem [--untrusted INTERMEDIATES.pem]
    /// [--host NAME] [--at UNIX_SECONDS] LEAF.pem`.
    Verify(verify::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Connect(args) => connect::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Verify(args) => verify::run(args),
    }
}
