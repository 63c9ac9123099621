//! One counting global allocator: the system allocator plus relaxed counters.
//!
//! Install it in a test binary, fuzz target or bench with
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: lucid_test_support::alloc::Counting = lucid_test_support::alloc::Counting;
//! ```
//!
//! It counts, for the whole process:
//!
//! - [`allocations`]: allocation calls (`alloc`, `alloc_zeroed` and `realloc`);
//! - [`current`]: bytes in use now (allocated minus freed);
//! - [`peak`]: the most bytes in use at once since the last [`reset_peak`]. A `realloc`
//!   counts old and new block together at its peak (as an allocate-copy-free would);
//!
//! and, per thread, [`thread_current`]: bytes this thread allocated minus bytes it freed,
//! and [`thread_peak`]: the most [`thread_current`] reached since [`reset_thread_peak`]
//! (one side of a connection run on its own thread: its peak alone).
//!
//! Because the counters are global, a test that measures should be the only test in its
//! binary (or the only one running).
#![allow(
    unsafe_code,
    reason = "a GlobalAlloc implementation is unsafe by definition"
)]

use core::cell::Cell;
use core::sync::atomic::{AtomicIsize, AtomicU64, Ordering::Relaxed};
use std::alloc::{GlobalAlloc, Layout, System};

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

std::thread_local! {
    static THREAD_CURRENT: Cell<isize> = const { Cell::new(0) };
    static THREAD_PEAK: Cell<isize> = const { Cell::new(0) };
}

/// The counting allocator: every call forwarded to [`System`], counters added.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

/// A block of `size` bytes was handed out: count the call, the bytes and the peak.
fn allocated(size: usize) {
    ALLOCATIONS.fetch_add(1, Relaxed);
    let now = CURRENT.fetch_add(size as isize, Relaxed) + size as isize;
    PEAK.fetch_max(now, Relaxed);
    // `try_with`: the thread's counter may already be gone while the thread exits.
    let _ = THREAD_CURRENT.try_with(|c| {
        let now = c.get() + size as isize;
        c.set(now);
        let _ = THREAD_PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

/// A block of `size` bytes was given back.
fn freed(size: usize) {
    CURRENT.fetch_sub(size as isize, Relaxed);
    let _ = THREAD_CURRENT.try_with(|c| c.set(c.get() - size as isize));
}

// SAFETY: every method forwards to `System` with the same arguments and returns its result
// unchanged; the counters have no effect on the memory handed out. Nothing here allocates
// (the thread-local is a const-initialised `Cell`), so there is no re-entrancy.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is System's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            allocated(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            allocated(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, i.e. from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        freed(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as the allocation of the new block, then the release of the old one.
            allocated(new_size);
            freed(layout.size());
        }
        p
    }
}

/// Allocation calls so far (`alloc`, `alloc_zeroed`, `realloc`), on every thread.
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Relaxed)
}

/// Allocation calls made while `f` ran (on any thread).
pub fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = allocations();
    f();
    allocations() - before
}

/// Heap bytes in use now, on every thread.
pub fn current() -> isize {
    CURRENT.load(Relaxed)
}

/// The most heap bytes in use at once since the last [`reset_peak`] (or the start).
pub fn peak() -> isize {
    PEAK.load(Relaxed)
}

/// Starts a new peak measurement at the bytes in use now.
pub fn reset_peak() {
    PEAK.store(current(), Relaxed);
}

/// Heap bytes the calling thread allocated minus those it freed, since it started.
pub fn thread_current() -> isize {
    THREAD_CURRENT.with(Cell::get)
}

/// The most [`thread_current`] reached on the calling thread since the last
/// [`reset_thread_peak`] (or the thread's start).
pub fn thread_peak() -> isize {
    THREAD_PEAK.with(Cell::get)
}

/// Starts a new peak measurement on the calling thread at its bytes in use now.
pub fn reset_thread_peak() {
    let now = thread_current();
    THREAD_PEAK.with(|p| p.set(now));
}

/// A snapshot of the global counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// [`allocations`].
    pub allocations: u64,
    /// [`current`].
    pub current: isize,
    /// [`peak`].
    pub peak: isize,
}

/// All global counters at once.
pub fn snapshot() -> Snapshot {
    Snapshot {
        allocations: allocations(),
        current: current(),
        peak: peak(),
    }
}
