//! Peak heap per connection stays under the bounds documented in `lucid_core::fuzzing`.
#![no_main]
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use libfuzzer_sys::fuzz_target;

/// Counts bytes in use and their peak since the last reset.
struct Counting;
static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// `LUCID_ALLOC_REPORT=1`: print `alloc_bound NAME INPUT_LEN PEAK` per run (to measure).
static REPORT: LazyLock<bool> = LazyLock::new(|| std::env::var_os("LUCID_ALLOC_REPORT").is_some());

fuzz_target!(|data: &[u8]| {
    for b in lucid_core::fuzzing::ALLOC_BOUND_RUNS {
        let base = IN_USE.load(Relaxed);
        PEAK.store(base, Relaxed);
        (b.run)(data);
        let peak = PEAK.load(Relaxed) - base;
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
