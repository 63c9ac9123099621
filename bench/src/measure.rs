//! What the benchmark counts with: thread CPU time, a counting global allocator (Rust heap:
//! lucid and rustls), and OpenSSL's memory hooks (`CRYPTO_set_mem_functions`), so each
//! library's heap is counted separately even in one process.

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

static CLOCK_READS: AtomicU64 = AtomicU64::new(0);

/// [`clock_read_cost_us`] as measured by [`calibrate_clock`], in ns (0 until then).
static CLOCK_READ_NS: AtomicU64 = AtomicU64::new(0);

/// Measures what a clock read costs and keeps it for [`Charge::net_ns`]; returns it in µs.
pub fn calibrate_clock() -> f64 {
    let us = clock_read_cost_us();
    CLOCK_READ_NS.store((us * 1e3).round() as u64, Relaxed);
    us
}

/// CPU time charged to one side: the sum of the intervals between clock reads around that
/// side's calls, and how many intervals there were. Each interval also holds about one
/// clock read (the end of the read that opened it, the start of the one that closed it),
/// which [`Self::net_ns`] takes out, so harnesses that switch sides more or less often
/// charge the same work alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct Charge {
    ns: u64,
    intervals: u64,
}

impl Charge {
    /// The charged CPU time less one calibrated clock read per interval, in ns.
    pub fn net_ns(&self) -> f64 {
        let read = CLOCK_READ_NS.load(Relaxed) as f64;
        (self.ns as f64 - self.intervals as f64 * read).max(0.0)
    }
}

impl From<u64> for Charge {
    /// One interval of `ns`.
    fn from(ns: u64) -> Self {
        Self { ns, intervals: 1 }
    }
}

impl std::ops::AddAssign<u64> for Charge {
    /// Adds one interval of `ns`.
    fn add_assign(&mut self, ns: u64) {
        self.ns += ns;
        self.intervals += 1;
    }
}

impl std::ops::AddAssign for Charge {
    fn add_assign(&mut self, other: Self) {
        self.ns += other.ns;
        self.intervals += other.intervals;
    }
}

/// How many times [`cpu_ns`] has been called.
pub fn clock_reads() -> u64 {
    CLOCK_READS.load(Relaxed)
}

/// What one [`cpu_ns`] call costs, in µs: the median of a few runs of back-to-back reads.
/// Every interval charged to a side contains about one of these (the thread CPU clock is a
/// system call, not a vDSO read).
fn clock_read_cost_us() -> f64 {
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let n = 20_000;
            let t0 = cpu_ns();
            for _ in 0..n {
                std::hint::black_box(cpu_ns());
            }
            (cpu_ns() - t0) as f64 / n as f64 / 1e3
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

/// CPU time consumed by the calling thread, in nanoseconds.
pub fn cpu_ns() -> u64 {
    CLOCK_READS.fetch_add(1, Relaxed);
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A snapshot of one heap's counters.
#[derive(Debug, Clone, Copy)]
pub struct Heap {
    /// Allocation calls so far (malloc and realloc).
    pub allocs: u64,
    /// Bytes currently allocated.
    pub live: i64,
}

/// The global allocator: lucid-test-support's one counting allocator.
pub use lucid_test_support::alloc::Counting;

/// The Rust heap (lucid, rustls, and the openssl crate's Rust-side wrappers).
pub fn rust_heap() -> Heap {
    Heap {
        allocs: lucid_test_support::alloc::allocations(),
        live: lucid_test_support::alloc::current() as i64,
    }
}

static OSSL_ALLOCS: AtomicU64 = AtomicU64::new(0);
static OSSL_LIVE: AtomicI64 = AtomicI64::new(0);

/// OpenSSL's own heap (libssl and libcrypto), once [`install_openssl_hooks`] succeeded.
pub fn openssl_heap() -> Heap {
    Heap {
        allocs: OSSL_ALLOCS.load(Relaxed),
        live: OSSL_LIVE.load(Relaxed),
    }
}

type MallocFn = extern "C" fn(usize, *const c_char, c_int) -> *mut c_void;
type ReallocFn = extern "C" fn(*mut c_void, usize, *const c_char, c_int) -> *mut c_void;
type FreeFn = extern "C" fn(*mut c_void, *const c_char, c_int);

unsafe extern "C" {
    // libcrypto (OpenSSL 3): int CRYPTO_set_mem_functions(CRYPTO_malloc_fn,
    // CRYPTO_realloc_fn, CRYPTO_free_fn); fails (0) once libcrypto has allocated.
    fn CRYPTO_set_mem_functions(m: MallocFn, r: ReallocFn, f: FreeFn) -> c_int;
}

/// Each block carries its size in a 16-byte header (keeps malloc's 16-byte alignment).
const HDR: usize = 16;

extern "C" fn ossl_malloc(n: usize, _file: *const c_char, _line: c_int) -> *mut c_void {
    // SAFETY: plain malloc; the header is written inside the block we got.
    unsafe {
        let p = libc::malloc(n + HDR);
        if p.is_null() {
            return p;
        }
        p.cast::<usize>().write(n);
        OSSL_ALLOCS.fetch_add(1, Relaxed);
        OSSL_LIVE.fetch_add(n as i64, Relaxed);
        p.cast::<u8>().add(HDR).cast()
    }
}

extern "C" fn ossl_free(p: *mut c_void, _file: *const c_char, _line: c_int) {
    if p.is_null() {
        return;
    }
    // SAFETY: `p` came from ossl_malloc/ossl_realloc, so the header precedes it.
    unsafe {
        let base = p.cast::<u8>().sub(HDR);
        let n = base.cast::<usize>().read();
        OSSL_LIVE.fetch_sub(n as i64, Relaxed);
        libc::free(base.cast());
    }
}

extern "C" fn ossl_realloc(
    p: *mut c_void,
    n: usize,
    file: *const c_char,
    line: c_int,
) -> *mut c_void {
    // CRYPTO_realloc's semantics: NULL allocates, size 0 frees.
    if p.is_null() {
        return ossl_malloc(n, file, line);
    }
    if n == 0 {
        ossl_free(p, file, line);
        return std::ptr::null_mut();
    }
    // SAFETY: `p` came from ossl_malloc/ossl_realloc; realloc keeps the header in place.
    unsafe {
        let base = p.cast::<u8>().sub(HDR);
        let old = base.cast::<usize>().read();
        let q = libc::realloc(base.cast(), n + HDR);
        if q.is_null() {
            return q;
        }
        q.cast::<usize>().write(n);
        OSSL_ALLOCS.fetch_add(1, Relaxed);
        OSSL_LIVE.fetch_add(n as i64 - old as i64, Relaxed);
        q.cast::<u8>().add(HDR).cast()
    }
}

/// Routes OpenSSL's allocations through counting hooks. Must run before any OpenSSL call.
pub fn install_openssl_hooks() -> bool {
    // SAFETY: the three functions implement CRYPTO_malloc/realloc/free's contracts.
    unsafe { CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1 }
}
