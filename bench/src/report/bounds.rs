//! What bounds each result: the analysis behind the numbers (perf profiles), with this
//! run's values where they are quoted.

use super::targets::find;
use super::*;

/// How the notes name the GCM backend lucid's records ran on.
pub fn gcm_backend_label(backend: &str) -> &'static str {
    if backend == "graviola" {
        "graviola's stitched AES-GCM (lucid-core's `graviola-gcm` feature; this CPU has what it needs)"
    } else {
        "the portable `aes-gcm` crate"
    }
}

/// Measured values the ECDHE explanations quote besides the rows.
#[derive(Debug, Clone, Copy)]
pub struct EcdheFacts {
    /// The GCM backend lucid's records ran on (`lucid_core::internal::crypto::gcm_backend()`).
    pub gcm_backend: &'static str,
    /// Whether this CPU has what graviola's 512-bit AES-GCM path needs (AVX-512 F/BW/VL,
    /// VAES, VPCLMULQDQ); without them it runs its 128-bit AES-NI + PCLMULQDQ path.
    pub avx512_gcm: bool,
    /// lucid's portable GCM (the `aes-gcm` crate) over 16 KiB: a whole seal, then its
    /// AES-128-CTR and GHASH passes alone, µs.
    pub portable_seal_us: f64,
    pub ctr_us: f64,
    pub ghash_us: f64,
    /// RSA-2048 private op: lucid default backend, lucid openssl-key backend, OpenSSL; µs.
    pub rsa_lucid: f64,
    pub rsa_lucid_ossl: f64,
    pub rsa_ossl: f64,
}

/// What bounds each ECDHE-RSA-AES128-GCM-SHA256 result (issue 15), with this run's
/// numbers; the structure comes from `perf record` profiles of `lucid-bench --profile
/// lucid-bulk-gcm | openssl-bulk-gcm | rustls-bulk-gcm | lucid-full-ecdhe |
/// lucid-resumed-ecdhe | openssl-resumed-ecdhe`.
pub fn ecdhe_bounds(rows: &[Row], f: &EcdheFacts) -> Vec<String> {
    let suite = Suite::EcdheRsaAes128Gcm;
    let row = |name: &str| find(rows, name);
    let ratio = |name: &str| row(name).ratio().unwrap_or(f64::INFINITY);
    let seal = row("component: AES-128-GCM seal, one 16 KiB record");
    let open = row("component: AES-128-GCM open, one 16 KiB record (with a 16 KiB copy in)");
    let x = row("component: x25519 key pair + shared secret (one side's ECDHE)");
    let v = row("component: RSA-2048 PKCS#1 v1.5 SHA-256 verify, key parsed from its SPKI");
    let bulk = |d: Dir| format!("bulk 16 KiB records {} {}", suite.label(), d.label());
    let hs = |what: &str| format!("full handshake {}: {what}", suite.label_kx());
    let res = |what: &str| format!("resumed handshake (session ID) {}: {what}", suite.label());
    let (rs, rr) = (seal.rustls.unwrap_or(0.0), open.rustls.unwrap_or(0.0));
    let client = row(&hs("client CPU"));
    let verdict = |x: f64, min: f64| if x >= min { "met" } else { "missed" };
    let c2s = ratio(&bulk(Dir::ClientToServer));
    let s2c = ratio(&bulk(Dir::ServerToClient));
    let bulk_verdict = if c2s >= 1.0 && s2c >= 1.0 {
        "met"
    } else {
        "missed"
    };
    let seal_ratio = seal.ratio().unwrap_or(f64::INFINITY);
    let open_ratio = open.ratio().unwrap_or(f64::INFINITY);
    let bulk_bound = if f.gcm_backend == "graviola" {
        format!(
            "**Bulk, ECDHE-RSA-AES128-GCM-SHA256 (issue 15 target {bulk_verdict}: {c2s:.2}x / \
             {s2c:.2}x OpenSSL):** lucid's records ran on graviola's AES-GCM (lucid-core's \
             `graviola-gcm` feature, chosen at key setup because this CPU has the AES-NI, \
             PCLMULQDQ, AVX2, BMI and ADX graviola needs): AES-CTR and GHASH stitched in one \
             loop, {}, where OpenSSL 3.0 runs its stitched AES-NI + PCLMULQDQ assembly and \
             ring under rustls a stitched VAES/VPCLMULQDQ AVX2 one. Sealing one 16 KiB record through lucid's record layer \
             costs {:.2} us and opening one {:.2} us (OpenSSL {:.2} / {:.2}, ring {rs:.2} / \
             {rr:.2}): the cipher alone is {seal_ratio:.2}x (seal) / {open_ratio:.2}x (open) \
             OpenSSL's in this run. Records are sealed and opened in place with no \
             allocation. Without the feature, or on a CPU graviola does not support, lucid \
             falls back to the portable `aes-gcm` crate: {:.2} us per 16 KiB seal \
             ({:.2}x OpenSSL's), its AES-128-CTR ({:.2} us, the `aes` crate) and GHASH \
             ({:.2} us: `ghash` 0.6 over `polyval` 0.7, 128-bit PCLMULQDQ, every block \
             byte-reversed in memory) passes run one after the other. The bulk rows add \
             each library's record layer and the in-memory transport copies, and move more \
             from run to run on this shared machine. CPU per record on each side is in \
             Notes.",
            if f.avx512_gcm {
                "here its AVX-512 path (VAES and VPCLMULQDQ on 512-bit registers, 16 blocks \
                 per iteration, for records of 256 bytes and more); a CPU without AVX-512 gets \
                 its 128-bit AES-NI + PCLMULQDQ path, not measured here"
            } else {
                "here its 128-bit AES-NI + PCLMULQDQ path (this CPU lacks the AVX-512 VAES / \
                 VPCLMULQDQ its wide path needs)"
            },
            seal.lucid,
            open.lucid,
            seal.openssl,
            open.openssl,
            f.portable_seal_us,
            seal.openssl / f.portable_seal_us.max(0.01),
            f.ctr_us,
            f.ghash_us,
        )
    } else {
        format!(
            "**Bulk, ECDHE-RSA-AES128-GCM-SHA256 (issue 15 target {bulk_verdict}: {c2s:.2}x / \
             {s2c:.2}x OpenSSL):** the cipher is the bound, not lucid's record path. Sealing \
             one 16 KiB record through lucid's record layer costs {:.2} us on the portable \
             `aes-gcm` crate (lucid-core without `graviola-gcm`, or a CPU graviola does not \
             support), and the crate's two passes alone add up to as much: AES-128-CTR \
             ({:.2} us, the `aes` crate's VAES-512 backend) and then GHASH ({:.2} us: \
             `ghash` 0.6 over `polyval` 0.7, 128-bit PCLMULQDQ with a 4-block aggregated \
             reduction, and `ghash` byte-reverses every block in memory before POLYVAL sees \
             it). In a perf profile of lucid's bulk run ~63% of the samples are GHASH, ~17% \
             AES, ~9% memcpy; records are sealed and opened in place with no allocation. \
             GHASH alone costs about what OpenSSL's whole GCM does ({:.2} us seal / {:.2} us \
             open: OpenSSL 3.0's stitched AES-NI + PCLMULQDQ assembly, one pass), and ring, \
             under rustls, runs a stitched VAES/VPCLMULQDQ AVX2 GCM ({rs:.2} / {rr:.2} us), \
             which is why rustls leads these rows. The cipher alone is {seal_ratio:.2}x \
             (seal) / {open_ratio:.2}x (open) OpenSSL's in this run (component rows); the \
             bulk rows add each library's record layer and the in-memory transport copies, \
             and move more from run to run on this shared machine. Matching OpenSSL's seal \
             would take GHASH at ~{:.1} us instead of {:.1} ({:.1}x faster: wider \
             carry-less multiplies, the byte swap in registers, or the pass stitched with \
             CTR), i.e. a stitched GCM under lucid-core (its `unsafe_code = \"deny\"` rules \
             out its own intrinsics): its `graviola-gcm` feature on x86_64 and aarch64. CPU \
             per record on each side is in Notes.",
            seal.lucid,
            f.ctr_us,
            f.ghash_us,
            seal.openssl,
            open.openssl,
            (seal.openssl - f.ctr_us).max(0.1),
            f.ghash_us,
            f.ghash_us / (seal.openssl - f.ctr_us).max(0.1),
        )
    };
    vec![
        bulk_bound,
        format!(
            "**ECDHE full handshake, client (target 1.5x: {} at {:.2}x):** lucid's client runs \
             one x25519 key pair and shared secret ({:.0} us: `x25519-dalek`, serial 64-bit \
             field arithmetic; OpenSSL {:.0}, ring {:.0}) and three RSA-2048 PKCS#1 v1.5 \
             verifications, each with its key parsed from the certificate: the leaf \
             certificate's and the intermediate certificate's signatures and the \
             ServerKeyExchange ({:.0} us each; OpenSSL {:.0}, \
             ring {:.0}). That is ~{:.0} of its {:.0} us; the rest is hashing, the PRF and \
             records. OpenSSL 3.0's client is bounded outside the arithmetic: a verification \
             with its key parse costs it {:.0} us (the 3.0 decoder framework), and its \
             per-connection setup is heavy (see the resumed rows). rustls ({:.0} us) is ahead \
             of lucid mostly on RSA verification, where ring is {:.1}x faster. A lucid \
             verification is the key's setup (~2 us: R^2 mod n by one long division, \
             `Modulus::new_public`; it was 11 constant-time Montgomery squarings, ~19 us, \
             until issue 18) and e = 65537's 16 squarings and 2 products on 32 limbs \
             (baseline x86-64 `mul`, ~1.1 us each). In a perf profile of lucid's ECDHE \
             handshakes (client, and lucid's server on the openssl-key backend) those \
             products are ~32% of lucid's samples, x25519 (both sides) ~45%, DER \
             parsing ~6%.",
            verdict(ratio(&hs("client CPU")), 1.5),
            ratio(&hs("client CPU")),
            x.lucid,
            x.openssl,
            x.rustls.unwrap_or(0.0),
            v.lucid,
            v.openssl,
            v.rustls.unwrap_or(0.0),
            x.lucid + 3.0 * v.lucid,
            client.lucid,
            v.openssl,
            client.rustls.unwrap_or(0.0),
            v.lucid / v.rustls.unwrap_or(v.lucid),
        ),
        format!(
            "**ECDHE full handshake, server:** one RSA-2048 private-key operation signs the \
             ServerKeyExchange ({:.0} us on lucid's default backend, {:.0} us on the \
             openssl-key backend, {:.0} us in OpenSSL) and one x25519 key pair and shared \
             secret ({:.0} us); hashes and records are the rest. So lucid's server is {:.2}x \
             OpenSSL's with the default backend and {:.2}x with the openssl-key backend.",
            f.rsa_lucid,
            f.rsa_lucid_ossl,
            f.rsa_ossl,
            x.lucid,
            ratio(&hs("server CPU")),
            ratio(&hs("server CPU, lucid openssl-key backend")),
        ),
        format!(
            "**Resumed, ECDHE-RSA-AES128-GCM-SHA256 (target 3x: client {} at {:.2}x, server \
             {} at {:.2}x):** no key exchange and no certificates. Each side builds its hello, \
             runs the key block and two Finished PRF computations (HMAC-SHA-256 on SHA-NI), \
             keys AES-GCM both ways and seals or opens two records. In a perf profile of \
             lucid's resumed run SHA-256 compression is ~14% of the samples and the PRF ~17%; \
             the client also hashes its ClientHello with all four transcript hashes (MD5, \
             SHA-1, SHA-256, SHA-384) until the ServerHello names the PRF. About a third of \
             the harness's wall time here is its own reads of the CPU clock; the rows are \
             net of them (Notes), but any error in that correction weighs most on the \
             shortest handshakes, lucid's. OpenSSL 3.0's resumption is \
             bounded by object and allocation churn around the cryptography (EVP_MAC and \
             EVP_MD contexts created, duplicated and freed per PRF call, RAND_bytes, \
             ~13% of its samples in malloc), not by the cryptography itself.",
            verdict(ratio(&res("client CPU")), 3.0),
            ratio(&res("client CPU")),
            verdict(ratio(&res("server CPU")), 3.0),
            ratio(&res("server CPU")),
        ),
    ]
}

/// The analysis behind the numbers (profiles with `lucid-bench --profile WORKLOAD` under
/// `perf record -e cpu-clock`); structural, so it holds from run to run.
pub(super) const BOUNDS: &[&str] = &[
    "**Bulk, ETM on (the default):** the work is one serial AES-CBC chain per record on the \
     sender (each block's AESENC rounds wait for the previous block) and HMAC (SHA-NI) over \
     every record on both sides. lucid interleaves the two in 64-byte groups inside a single \
     call of the AES backend (`SealInterleaved` / `OpenInterleaved` in \
     `crypto/cbc/interleave.rs`, safe Rust), so the CPU's out-of-order engine runs the hash \
     while the AES chain waits. The chaining block stays in a register (`cbc/mode.rs`, \
     `Chained`: the `cbc` crate's encryptor stored and reloaded it for every block, on the \
     critical path), and the jobs are `#[inline]` so that the AES rounds are inlined into \
     their loop whatever the codegen-unit partitioning (issue 13: without it the 16 KiB \
     AES128-SHA seal cost ~23 us instead of ~19). Quick runs on this host put that seal at \
     ~14-16 us against OpenSSL's ~23-25: OpenSSL 3.0 stitches AES and SHA only for \
     MAC-then-encrypt, so with ETM it runs them one after the other. What is left is the \
     AES-CBC chain itself (~12 us per 16 KiB for AES-128 in `openssl speed`) plus the \
     copies in and out.",
    "**Bulk, ETM off (MAC-then-encrypt):** these rows are sender + receiver on one core; \
     the CPU rows below them split the two sides. The sender interleaves as with ETM: the \
     MAC over the plaintext beside the encryption of the blocks that hold only plaintext, \
     then the blocks with the MAC and the padding. Quick runs on this host put it at \
     ~14 us per 16 KiB AES128-SHA record against ~13.6-14 for OpenSSL's stitched \
     `aesni_cbc_sha1_enc`: both are bounded by the AES-CBC chain. The receiver (issue 18 \
     target: >= 1.0x) decrypts the last block first (CBC decrypts any block from the one \
     before it) for the padding length, which fixes the length in the MAC's first block; \
     then it decrypts the record in 1 KiB groups while the MAC takes the blocks that are \
     data whatever the padding length (the decryption is not a serial chain, so larger \
     groups only save calls: at 64 bytes the per-group hash calls were ~13% of the \
     receiver), then runs the Lucky-13 part: every block where the \
     record may end (5-6 for SHA-1/SHA-256) built with masks and compressed, the padding \
     check over the last 256 bytes and the MAC copied out of its secret offset by a \
     masked scan. The masks are sign-bit arithmetic on the padding length, which passes \
     `subtle`'s barrier once per record (until issue 18 it was one non-inlined barrier \
     per byte and per offset, ~1,500 per record). Least-of-15 quick runs \
     (`--profile mte-min`) put the receiver at 1.04-1.12x OpenSSL's per AES128-SHA record \
     and 1.06-1.11x per AES256-SHA256 record (about 1.0x with the decryption as a pass of \
     its own, 0.97-1.00x with 64-byte groups); the medians of the full run above move a \
     few % either way on this shared host. What bounds it is the hash: SHA-NI over the \
     record plus the masked tail blocks, as in OpenSSL.",
    "**Server full handshake:** one RSA-2048 private-key operation is >95% of it; lucid's \
     own work (hashes, PRF, countermeasure, records) is ~15-25 us. lucid's default backend \
     runs lucid's own constant-time arithmetic (`arith/`: CRT + Garner, 5-bit fixed \
     windows, Montgomery products and dedicated squarings on 64-bit limbs). In perf, \
     squaring is ~68% of the op, multiplication ~19%, the masked table scan ~6%. The code \
     is baseline x86-64 (`mul r64` with `add`/`adc` chains: no MULX/ADX, since lucid-core \
     forbids the `unsafe` that runtime-dispatched target features need) and costs ~0.55 ns \
     per 64x64-bit limb product, against ~0.38 ns for back-to-back `mul r64` alone on this \
     host: at most ~1.4x is left in the scalar code. Running the two CRT halves' squarings \
     interleaved in one unrolled function (so that one's carry chains fill the other's \
     latency) measured 0.6x of two separate squarings: the doubled column state spills \
     registers. So the issue-18 targets for the default backend (server handshake >= 0.5x, \
     RSA-2048 op <= 2x OpenSSL's) are out of reach of safe scalar Rust on this CPU. \
     The row with OPENSSL_ia32cap masking IFMA (a child process of the same run) puts \
     lucid beside the MULX/ADX code OpenSSL runs on CPUs without it: on a quiet host \
     lucid's op was 0.6-0.7x of it (e.g. 881 vs 623 us), so on those CPUs the 0.5x \
     targets hold and IFMA is the whole shortfall here; under load the two move apart. \
     OpenSSL 3.0 runs RSA-2048's two \
     1024-bit halves together on AVX-512 IFMA (`rsaz_avx512`, which this CPU has) and \
     3072/4096 on MULX/ADCX/ADOX, hence lucid's ~0.3x at 2048 bits and ~0.5x at 3072 and \
     4096. The optional `lucid-blocking/openssl-key` backend (`OpensslRsaKey`) runs \
     OpenSSL's code. ring has no RSA decryption, aws-lc-rs only OAEP, and graviola \
     (lucid's GCM backend, MULX/ADX assembly for RSA) only signs and verifies — none \
     exposes the raw private operation the RSA key exchange needs.",
    "**Client full handshake and resumption (AES128-SHA; issue 18 target for the full \
     handshake: >= 2.5x):** lucid's client work is three RSA-2048 public-key operations \
     (the pre-master secret, two chain signatures) plus certificate parsing and hashing; \
     a resumed handshake is a few hashes and records on each side. In a perf profile of \
     lucid's client (`--profile lucid-full-client`, the server on the openssl-key backend) \
     the 32-limb Montgomery products of those three operations are ~55% of lucid's \
     samples, DER parsing of the two certificates ~12%, the key setups (`Modulus::new_public`, \
     one long division each) ~4%, SHA-256 ~4%. Until issue 18 each key setup was 11 \
     constant-time squarings (R^2 mod n), as much work as the exponentiation itself, and \
     the client took ~229 us (2.2x). The hardware bound is the same scalar `mul` chain as \
     the server's (~0.55 ns per limb product). OpenSSL 3.0 spends most of these handshakes \
     outside the cryptography (per-connection setup and lookups; not profiled in detail \
     here), rustls sits in between.",
    "**Memory per idle connection:** DESIGN.md requires that application data never \
     allocates once the handshake is done, so by default lucid allocates both record buffers \
     whole when a connection is created: one maximal ciphertext record to receive (5 + 2^14 \
     + 2048 = 18 437 bytes) and one maximal sealed record plus the TLS 1.0 split record to \
     send (16 523 bytes). That alone is 34.1 KiB, so the default cannot meet 32 KiB (OpenSSL's \
     default holds more). `RecordBuffers::OnDemand` (client and server configs) starts them \
     empty and grows them in steps (4 KiB receive, 1 KiB send) to the records actually seen, \
     then keeps them, so records stop allocating after the first large ones: a connection \
     that exchanges small messages holds ~8 KB, one that has moved 16 KiB records both \
     ways holds both maximal buffers again. `Connection::release_buffers()` frees empty \
     buffers when a connection goes idle (~3 KB left: keys, MAC states, negotiated \
     parameters); the next record allocates them again, as OpenSSL's \
     SSL_MODE_RELEASE_BUFFERS does on every record.",
];
