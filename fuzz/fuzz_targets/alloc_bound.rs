//! Peak heap per connection stays under the bounds documented in `lucid_core::fuzzing`.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lucid_test_support::alloc::{self, Counting};

/// Counts bytes in use and their peak since the last reset.
#[global_allocator]
static ALLOC: Counting = Counting;

/// `LUCID_ALLOC_REPORT=1`: print `alloc_bound NAME INPUT_LEN PEAK` per run (to measure).
static REPORT: LazyLock<bool> = LazyLock::new(|| std::env::var_os("LUCID_ALLOC_REPORT").is_some());

fuzz_target!(|data: &[u8]| {
    for b in lucid_core::fuzzing::ALLOC_BOUND_RUNS {
        let base = alloc::current();
        alloc::reset_peak();
        (b.run)(data);
        let peak = (alloc::peak() - base) as usize;
        assert!(
            peak <= b.bound,
            "{}: peak heap {peak} bytes > bound {}",
            b.name,
            b.bound
        );
        if *REPORT {
            eprintln!("alloc_bound {} {} {peak}", b.name, data.len());
        }
    }
});
