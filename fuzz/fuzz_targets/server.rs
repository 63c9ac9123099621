#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lucid_core::fuzzing::ServerHarness;

/// The key and chain are parsed once (RSA key parsing is slow).
static HARNESS: LazyLock<ServerHarness> = LazyLock::new(ServerHarness::new);

fuzz_target!(|data: &[u8]| HARNESS.run(data));
