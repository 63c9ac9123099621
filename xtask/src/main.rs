//! Project automation (`cargo xtask <command>`).

mod certs;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("certs") => certs::certs(args.get(1..).unwrap_or_default()),
        _ => Err("usage: cargo xtask certs [--out DIR]".into()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
