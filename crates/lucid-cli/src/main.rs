//! The `lucid` command-line tool.

use clap::{Parser, Subcommand};

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
    /// Run a handshake against a built-in lucid server on 127.0.0.1 and show it (not yet built).
    Demo,
    /// Verify a certificate chain: `--cafile ROOTS.pem [--untrusted INTERMEDIATES.pem]
    /// [--host NAME] [--at UNIX_SECONDS] LEAF.pem`.
    Verify(verify::VerifyArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo => {
            eprintln!("lucid demo: not built yet (the client and server handshakes come first)");
            std::process::exit(2);
        }
        Command::Verify(args) => verify::run(args),
    }
}
