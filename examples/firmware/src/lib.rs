//! What the two firmware images share: the heap and its per-side accounting ([`heap`]), the
//! stack high-water mark ([`stack`]), the demo RNG ([`DemoRng`]), the test PKI and the client
//! configuration, the client's script ([`run_client`]), the recording of the server's bytes
//! that the client-only image replays ([`transcript`]), and semihosting file access
//! ([`host`]).
//!
//! Two images (`src/bin/`), built for QEMU's `mps2-an385` (Cortex-M3) by
//! `cargo xtask embedded`:
//!
//! - `pair`: a lucid client and a lucid server in one image, handshaking in memory (TLS 1.2,
//!   TLS_RSA_WITH_AES_128_CBC_SHA, the client verifying `testdata/pki`'s chain to its root
//!   with [`WebPkiVerifier`]), then a request and a response checked byte for byte and a
//!   close_notify. It prints `handshake complete: VERSION, SUITE` and the peak heap of each
//!   side, and writes every byte that crossed to a host file ([`transcript::FILE`]).
//! - `client`: the client alone (no server code linked), running the same script against
//!   that recording: the image whose flash size is a client's, and whose heap and stack
//!   peaks are the client's with nothing else running.
//!
//! Everything is deterministic — a fixed `now` ([`now`]) and seeded RNGs — so the client in
//! `client` sends exactly the bytes the client in `pair` sent (it checks that), and the
//! recorded server answers fit.
//!
//! **The RNG is not a real one.** [`DemoRng`] is SplitMix64 from a fixed seed, as in
//! lucid-core's fuzzing module: it makes the demo reproducible and is insecure. A device
//! must pass lucid a `CryptoRng` fed by its hardware TRNG (or a DRBG seeded from one).
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::time::Duration;

use lucid_core::pki_types::{ServerName, UnixTime};
use lucid_core::{
    CipherSuite, ClientConfig, ClientConnection, MaxFragmentLength, ProtocolVersion, RecordBuffers,
    RootStore, WebPkiVerifier,
};
use rand_core::{TryCryptoRng, TryRng};

use heap::Side;

/// The test PKI (`testdata/pki`, RSA 2048, valid 2020–2120), as DER (converted once with
/// openssl; see README.md).
pub mod pki {
    /// The trust anchor the client verifies against.
    pub const ROOT: &[u8] = include_bytes!("../pki/root.der");
    /// The CA between the root and the leaf; the server sends it after the leaf.
    pub const INTERMEDIATE: &[u8] = include_bytes!("../pki/intermediate.der");
    /// The server's certificate, for `localhost`.
    pub const LEAF: &[u8] = include_bytes!("../pki/leaf.der");
    /// The leaf's private key, PKCS#8.
    pub const LEAF_KEY: &[u8] = include_bytes!("../pki/leaf.key.der");
}

/// The name the client asks for and checks in the leaf.
pub const SERVER_NAME: &str = "localhost";

/// 2024-06-01T00:00:00Z, inside the test PKI's validity (a device would read its RTC).
pub const NOW_SECS: u64 = 1_717_200_000;

/// The one suite offered: RSA key exchange, AES-128-CBC, HMAC-SHA1.
pub const SUITE: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA;

/// What the client sends once the handshake is done.
pub const REQUEST_LEN: usize = 512;
/// What the server answers (one record; fits the max_fragment_length 2048 that is to come).
pub const RESPONSE_LEN: usize = 2048;

/// Seed of the client's [`DemoRng`]; the server's is [`SERVER_SEED`].
pub const CLIENT_SEED: u64 = 0x6c75_6369_6463_6c69;
/// Seed of the server's [`DemoRng`].
pub const SERVER_SEED: u64 = 0x6c75_6369_6473_7276;

/// Bound on every shuttle loop, so a livelock fails instead of hanging QEMU.
pub const MAX_ROUNDS: usize = 64;

/// Both buffer modes, each run in turn.
pub const BUFFER_MODES: [RecordBuffers; 2] = [RecordBuffers::Preallocated, RecordBuffers::OnDemand];

/// The fixed time every call gets.
pub fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(NOW_SECS))
}

/// Byte `i` of the request.
pub fn request_byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// Byte `i` of the response.
pub fn response_byte(i: usize) -> u8 {
    (i % 241) as u8 ^ 0x5a
}

/// Errors of the demo: text, printed by the image before it exits with failure.
pub type Res<T = ()> = Result<T, String>;

/// SplitMix64 from a fixed seed, behind rand_core's `CryptoRng` so lucid accepts it.
/// **Insecure**: deterministic by design, for this demo only (see the crate docs).
#[derive(Debug, Clone)]
pub struct DemoRng {
    state: u64,
}

impl DemoRng {
    /// The stream determined by `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_word(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl TryRng for DemoRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl TryCryptoRng for DemoRng {}

/// The limit the small-device runs ask for with max_fragment_length (RFC 6066): records of
/// at most 2048 bytes of plaintext, so receive buffers of ~2.4 KB instead of ~16.7 KB.
pub const MFL: MaxFragmentLength = MaxFragmentLength::LEN_2048;

/// The client's configuration: TLS 1.2 (lucid's default), [`SUITE`] only, the chain
/// verified to [`pki::ROOT`], record buffers as given, max_fragment_length when given.
pub fn client_config(buffers: RecordBuffers, mfl: Option<MaxFragmentLength>) -> Res<ClientConfig> {
    let mut roots = RootStore::new();
    roots
        .add_der(pki::ROOT)
        .map_err(|e| format!("root certificate: {e}"))?;
    let mut config = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    config.cipher_suites = vec![SUITE];
    config.record_buffers = buffers;
    config.max_fragment_length = mfl;
    Ok(config)
}

/// Ends the program through semihosting: QEMU exits 0 on `Ok`, 1 after printing the error.
pub fn exit(result: Res) -> ! {
    use cortex_m_semihosting::{debug, hprintln};
    match result {
        Ok(()) => debug::exit(debug::EXIT_SUCCESS),
        Err(e) => {
            hprintln!("error: {}", e);
            debug::exit(debug::EXIT_FAILURE);
        }
    }
    // Without a debugger attached, semihosting exit returns: wait for one.
    loop {
        cortex_m::asm::wfi();
    }
}

/// The other end of the client: a lucid server in the same image, or a recording of one.
pub trait ServerEnd {
    /// Moves bytes between `client` and the server until neither has anything more to say,
    /// running the client's `process` (under [`Side::Client`]) on what arrives.
    fn shuttle(&mut self, client: &mut ClientConnection, rng: &mut DemoRng) -> Res;
}

/// What the client saw: the negotiated version and suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The protocol version.
    pub version: ProtocolVersion,
    /// The cipher suite.
    pub suite: CipherSuite,
}

/// The client's whole life, every step accounted to [`Side::Client`]: configuration,
/// handshake (checked: TLS 1.2, [`SUITE`]), the request written, the response read and
/// checked byte for byte, close_notify sent, everything dropped.
pub fn run_client(
    server: &mut impl ServerEnd,
    buffers: RecordBuffers,
    mfl: Option<MaxFragmentLength>,
) -> Res<Outcome> {
    let mut rng = DemoRng::new(CLIENT_SEED);
    let config = heap::as_side(Side::Client, || client_config(buffers, mfl).map(Arc::new))?;
    let name = ServerName::try_from(SERVER_NAME).map_err(|e| format!("server name: {e}"))?;
    let mut client = heap::as_side(Side::Client, || {
        ClientConnection::new(config, name, now(), &mut rng)
    })
    .map_err(|e| format!("ClientConnection::new: {e}"))?;

    server.shuttle(&mut client, &mut rng)?;
    if client.is_handshaking() {
        return Err("the handshake did not finish".into());
    }
    let outcome = client
        .negotiated()
        .map(|n| Outcome {
            version: n.version,
            suite: n.suite,
        })
        .ok_or("no negotiated parameters after the handshake")?;
    if outcome.version != ProtocolVersion::TLSV1_2 || outcome.suite != SUITE {
        return Err(format!(
            "negotiated {}, {}; expected {}, {SUITE}",
            outcome.version,
            outcome.suite,
            ProtocolVersion::TLSV1_2
        ));
    }

    let request: Vec<u8> = heap::as_side(Side::Harness, || {
        (0..REQUEST_LEN).map(request_byte).collect()
    });
    let mut written = 0;
    for _ in 0..MAX_ROUNDS {
        if written == request.len() {
            break;
        }
        written += heap::as_side(Side::Client, || {
            client.write_plaintext(&request[written..], &mut rng)
        })
        .map_err(|e| format!("client write_plaintext: {e}"))?;
        server.shuttle(&mut client, &mut rng)?;
    }
    if written != request.len() {
        return Err(format!("client wrote {written} of {REQUEST_LEN} bytes"));
    }

    let mut response = [0_u8; RESPONSE_LEN];
    let mut got = 0;
    for _ in 0..MAX_ROUNDS {
        got += heap::as_side(Side::Client, || client.read_plaintext(&mut response[got..]));
        if got == RESPONSE_LEN {
            break;
        }
        server.shuttle(&mut client, &mut rng)?;
    }
    if got != RESPONSE_LEN {
        return Err(format!("client received {got} of {RESPONSE_LEN} bytes"));
    }
    if let Some(i) = (0..RESPONSE_LEN).find(|&i| response[i] != response_byte(i)) {
        return Err(format!("response byte {i} differs"));
    }

    heap::as_side(Side::Client, || client.send_close_notify(&mut rng));
    server.shuttle(&mut client, &mut rng)?;
    heap::as_side(Side::Client, || drop(client));
    Ok(outcome)
}

/// The heap: a linked-list allocator over a static arena, wrapped in a counter that charges
/// every allocation and free to the side that is running ([`as_side`]).
///
/// Method: the images run each side's calls (and the creation and dropping of its
/// configuration and connection) inside `as_side(Side::Client, ..)` or
/// `as_side(Side::Server, ..)`, the harness's own buffers under [`Side::Harness`]. A side's
/// figure is the peak of its live bytes (sizes requested, before the allocator's rounding
/// and headers). A free is charged to the side running when it happens; lucid's two sides
/// share no heap objects (bytes cross by copy), and [`check_empty`] proves it after each run:
/// both sides must be back at zero, never having gone below it.
pub mod heap {
    use core::alloc::{GlobalAlloc, Layout};
    use core::mem::MaybeUninit;
    use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::Relaxed};

    use embedded_alloc::LlffHeap;

    /// The arena: far more than either side needs, so the figures are never bounded by it.
    pub const ARENA_SIZE: usize = 512 * 1024;

    /// Who allocations are charged to.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[repr(u8)]
    pub enum Side {
        /// The demo's own buffers (request, response, transcript).
        Harness = 0,
        /// The lucid client.
        Client = 1,
        /// The lucid server.
        Server = 2,
    }

    struct Account {
        live: AtomicUsize,
        peak: AtomicUsize,
        allocations: AtomicUsize,
    }

    impl Account {
        const fn new() -> Self {
            Self {
                live: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                allocations: AtomicUsize::new(0),
            }
        }
    }

    static ACCOUNTS: [Account; 3] = [Account::new(), Account::new(), Account::new()];
    static RUNNING: AtomicU8 = AtomicU8::new(Side::Harness as u8);
    /// Set when a side freed more than it held: the accounting would be wrong.
    static UNDERFLOW: AtomicBool = AtomicBool::new(false);

    struct Counting {
        heap: LlffHeap,
    }

    // SAFETY: every call is forwarded unchanged to LlffHeap, a GlobalAlloc; the counters
    // are only arithmetic on atomics and never touch the memory.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract for `layout` is passed on as is.
            let p = unsafe { self.heap.alloc(layout) };
            if !p.is_null() {
                let a = running();
                let live = a.live.fetch_add(layout.size(), Relaxed) + layout.size();
                a.peak.fetch_max(live, Relaxed);
                a.allocations.fetch_add(1, Relaxed);
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from `alloc` above with this `layout` (caller's contract).
            unsafe { self.heap.dealloc(ptr, layout) };
            let a = running();
            let live = a.live.load(Relaxed);
            if live < layout.size() {
                UNDERFLOW.store(true, Relaxed);
            }
            a.live.store(live.saturating_sub(layout.size()), Relaxed);
        }
    }

    #[global_allocator]
    static HEAP: Counting = Counting {
        heap: LlffHeap::empty(),
    };

    fn running() -> &'static Account {
        &ACCOUNTS[usize::from(RUNNING.load(Relaxed))]
    }

    /// Hands the arena to the allocator. Call once, first thing in `main`.
    pub fn init() {
        static mut ARENA: [MaybeUninit<u8>; ARENA_SIZE] = [MaybeUninit::uninit(); ARENA_SIZE];
        static DONE: AtomicBool = AtomicBool::new(false);
        assert!(!DONE.swap(true, Relaxed), "heap::init called twice");
        // SAFETY: ARENA is used by nothing else, and the flag above makes this run once, so
        // the allocator owns the region for the rest of the program.
        unsafe {
            HEAP.heap
                .init(core::ptr::addr_of_mut!(ARENA) as usize, ARENA_SIZE)
        }
    }

    /// Runs `f` with its allocations and frees charged to `side`.
    pub fn as_side<R>(side: Side, f: impl FnOnce() -> R) -> R {
        let before = RUNNING.swap(side as u8, Relaxed);
        let r = f();
        RUNNING.store(before, Relaxed);
        r
    }

    /// `side`'s peak live bytes since the last [`reset`].
    pub fn peak(side: Side) -> usize {
        ACCOUNTS[side as usize].peak.load(Relaxed)
    }

    /// `side`'s number of allocations since the last [`reset`].
    pub fn allocations(side: Side) -> usize {
        ACCOUNTS[side as usize].allocations.load(Relaxed)
    }

    /// Starts new peaks and allocation counts (live bytes are kept).
    pub fn reset() {
        for a in &ACCOUNTS {
            a.peak.store(a.live.load(Relaxed), Relaxed);
            a.allocations.store(0, Relaxed);
        }
    }

    /// Checks that the client and the server hold nothing and that no side ever freed more
    /// than it held: the per-side figures are then exact.
    pub fn check_empty() -> Result<(), &'static str> {
        if UNDERFLOW.load(Relaxed) {
            return Err("a side freed memory it did not allocate: per-side accounting is off");
        }
        for side in [Side::Client, Side::Server] {
            if ACCOUNTS[side as usize].live.load(Relaxed) != 0 {
                return Err("a side still holds heap memory after its connection was dropped");
            }
        }
        Ok(())
    }
}

/// The deepest the stack has been: the unused stack is painted with a pattern at start-up
/// and the first overwritten word is searched for at the end.
pub mod stack {
    use core::ptr;

    const PAINT: u32 = 0x5eed_cafe;
    /// Words just below the stack pointer left unpainted at start-up (the painting code's
    /// own frame lives there).
    const MARGIN: usize = 64;

    unsafe extern "C" {
        /// Top of the stack (cortex-m-rt: the initial stack pointer).
        static _stack_start: u32;
        /// Start of the heap in cortex-m-rt's layout: above .bss/.uninit, the lowest
        /// address the stack can grow down to.
        static __sheap: u32;
    }

    fn bounds() -> (usize, usize) {
        // Only the addresses of the linker symbols are taken, never their contents.
        (
            ptr::addr_of!(__sheap) as usize,
            ptr::addr_of!(_stack_start) as usize,
        )
    }

    /// Paints the free stack. Call first thing in `main`, before anything deep runs.
    pub fn paint() {
        let (bottom, _) = bounds();
        let sp = cortex_m::register::msp::read() as usize;
        let mut p = bottom.next_multiple_of(4);
        let end = sp - MARGIN * 4;
        while p < end {
            // SAFETY: [bottom, sp) is RAM that cortex-m-rt's layout gives to the stack and
            // that nothing is using: below the live stack, above every static.
            unsafe { ptr::write_volatile(p as *mut u32, PAINT) };
            p += 4;
        }
    }

    /// Bytes of stack used at the deepest point since [`paint`].
    pub fn high_water() -> usize {
        let (bottom, top) = bounds();
        let mut p = bottom.next_multiple_of(4);
        // SAFETY: reads the painted region only, with volatile reads of aligned words.
        while p < top && unsafe { ptr::read_volatile(p as *const u32) } == PAINT {
            p += 4;
        }
        top - p
    }
}

/// Semihosting file access (ARM semihosting SYS_OPEN/WRITE/READ/FLEN/CLOSE), relative to
/// QEMU's working directory.
pub mod host {
    use alloc::vec;
    use alloc::vec::Vec;

    use cortex_m_semihosting::{nr, syscall};

    fn open(name_nul: &str, mode: usize) -> Result<usize, &'static str> {
        if !name_nul.ends_with('\0') {
            return Err("semihosting file names end with NUL");
        }
        // SAFETY: SYS_OPEN reads `len` bytes of the NUL-terminated name.
        let fd = unsafe { syscall!(OPEN, name_nul.as_ptr(), mode, name_nul.len() - 1) };
        if fd as isize == -1 {
            Err("SYS_OPEN failed")
        } else {
            Ok(fd)
        }
    }

    /// Writes `data` to the host file `name_nul` (NUL-terminated), replacing it.
    pub fn write_file(name_nul: &str, data: &[u8]) -> Result<(), &'static str> {
        let fd = open(name_nul, nr::open::W_TRUNC_BINARY)?;
        // SAFETY: SYS_WRITE reads `data.len()` bytes from `data`.
        let left = unsafe { syscall!(WRITE, fd, data.as_ptr(), data.len()) };
        // SAFETY: closes the descriptor opened above.
        unsafe { syscall!(CLOSE, fd) };
        if left == 0 {
            Ok(())
        } else {
            Err("SYS_WRITE wrote less than asked")
        }
    }

    /// The whole host file `name_nul` (NUL-terminated).
    pub fn read_file(name_nul: &str) -> Result<Vec<u8>, &'static str> {
        let fd = open(name_nul, nr::open::R_BINARY)?;
        // SAFETY: SYS_FLEN takes the descriptor only.
        let len = unsafe { syscall!(FLEN, fd) };
        if len as isize == -1 {
            // SAFETY: closes the descriptor opened above.
            unsafe { syscall!(CLOSE, fd) };
            return Err("SYS_FLEN failed");
        }
        let mut data = vec![0_u8; len];
        // SAFETY: SYS_READ writes at most `len` bytes into `data`, which has `len` bytes.
        let left = unsafe { syscall!(READ, fd, data.as_mut_ptr(), len) };
        // SAFETY: closes the descriptor opened above.
        unsafe { syscall!(CLOSE, fd) };
        if left == 0 {
            Ok(data)
        } else {
            Err("SYS_READ read less than the file's length")
        }
    }
}

/// Every byte that crossed in `pair`, in order, for `client` to replay.
///
/// Format: entries of one tag byte ([`Entry`]), a 4-byte little-endian length and that
/// many bytes. A [`Entry::Mark`] (empty) closes each [`ServerEnd::shuttle`].
pub mod transcript {
    use alloc::vec::Vec;

    /// The host file `pair` writes and `client` reads (in QEMU's working directory).
    pub const FILE: &str = "lucid-firmware-transcript.bin\0";

    /// One entry.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Entry<'a> {
        /// Bytes the client sent that the server took.
        ClientToServer(&'a [u8]),
        /// Bytes the server sent that the client took.
        ServerToClient(&'a [u8]),
        /// The end of a shuttle: both sides were quiet.
        Mark,
    }

    const C2S: u8 = 1;
    const S2C: u8 = 2;
    const MARK: u8 = 3;

    /// Appends `entry` to `out`.
    pub fn push(out: &mut Vec<u8>, entry: Entry<'_>) {
        let (tag, bytes): (u8, &[u8]) = match entry {
            Entry::ClientToServer(b) => (C2S, b),
            Entry::ServerToClient(b) => (S2C, b),
            Entry::Mark => (MARK, &[]),
        };
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }

    /// Reads the entries of a transcript back.
    #[derive(Debug)]
    pub struct Reader<'a> {
        rest: &'a [u8],
    }

    impl<'a> Reader<'a> {
        /// Entries from the start of `transcript`.
        pub fn new(transcript: &'a [u8]) -> Self {
            Self { rest: transcript }
        }

        /// The next entry; `Ok(None)` at the end, `Err` if the file is malformed.
        pub fn next_entry(&mut self) -> Result<Option<Entry<'a>>, &'static str> {
            let Some((&tag, rest)) = self.rest.split_first() else {
                return Ok(None);
            };
            let (len, rest) = rest.split_at_checked(4).ok_or("truncated entry length")?;
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let (bytes, rest) = rest.split_at_checked(len).ok_or("truncated entry")?;
            self.rest = rest;
            match tag {
                C2S => Ok(Some(Entry::ClientToServer(bytes))),
                S2C => Ok(Some(Entry::ServerToClient(bytes))),
                MARK if bytes.is_empty() => Ok(Some(Entry::Mark)),
                _ => Err("unknown entry tag"),
            }
        }
    }
}
