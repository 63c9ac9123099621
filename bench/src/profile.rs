//! `--profile WORKLOAD`: one workload alone, long enough for `perf record` / callgrind
//! (and the child runs the benchmark itself starts, e.g. `rsa-op-pair`).

use std::sync::Arc;
use std::time::Instant;

use crate::common::{Dir, Sizes, Suite};
use crate::{ROUNDS, lucid, median, median_bulk, ossl, rsa, rustls_side};

/// One workload, long enough for `perf record` / callgrind.
pub(crate) fn profile(
    workload: &str,
    quick: bool,
    lu: &mut lucid::Lucid,
    os: &ossl::OpenSsl,
    rl: &rustls_side::Rustls,
) {
    let t = Instant::now();
    let gcm = Suite::EcdheRsaAes128Gcm;
    let c2s = Dir::ClientToServer;
    let what = match workload {
        "lucid-bulk-etm" => format!("{:?}", lu.bulk(Suite::Aes128Sha, c2s, true, 40_000)),
        "lucid-bulk-mte" => format!("{:?}", lu.bulk(Suite::Aes128Sha, c2s, false, 40_000)),
        "lucid-bulk256-etm" => format!("{:?}", lu.bulk(Suite::Aes256Sha256, c2s, true, 40_000)),
        "openssl-bulk-etm" => format!("{:?}", os.bulk(Suite::Aes128Sha, c2s, true, 40_000).0),
        "lucid-bulk-gcm" => format!("{:?}", lu.bulk(gcm, c2s, true, 100_000)),
        "openssl-bulk-gcm" => format!("{:?}", os.bulk(gcm, c2s, true, 100_000).0),
        "openssl-bulk-gcm-s2c" => {
            format!("{:?}", os.bulk(gcm, Dir::ServerToClient, true, 100_000).0)
        }
        "lucid-bulk-gcm-s2c" => format!("{:?}", lu.bulk(gcm, Dir::ServerToClient, true, 100_000)),
        "rustls-bulk-gcm" => format!("{:?}", rl.bulk(gcm, c2s, 100_000)),
        "lucid-resumed" => format!("{:?}", lu.resumed_handshakes(Suite::Aes128Sha, 20_000)),
        "lucid-resumed-ecdhe" => format!("{:?}", lu.resumed_handshakes(gcm, 20_000)),
        "openssl-resumed-ecdhe" => format!("{:?}", os.resumed_handshakes(gcm, 20_000)),
        "lucid-full-client" => format!(
            "{:?}",
            lu.full_handshakes(Suite::Aes128Sha, Arc::new(os.lucid_key()), 2_000)
                .0
        ),
        "lucid-full-ecdhe" => format!(
            "{:?}",
            lu.full_handshakes(gcm, Arc::new(os.lucid_key()), 2_000).0
        ),
        "openssl-full-ecdhe" => format!("{:?}", os.full_handshakes(gcm, 2_000).0),
        "rustls-full-ecdhe" => format!("{:?}", rl.full_handshakes(gcm, 2_000).0),
        "lucid-rsa2048" => {
            use lucid_core::ServerRsaKey;
            let k = rsa::Keys::generate(2048);
            let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
            let c = k.random_ciphertext(&mut rng);
            let mut out = vec![0_u8; c.len()];
            for _ in 0..3_000 {
                k.lucid.decrypt_raw(&c, &mut out, &mut rng).unwrap();
            }
            "3000 ops".into()
        }
        // Quick comparisons (same process, interleaved rounds, medians): the RSA private
        // op at three sizes and the CBC bulk rows (`cbc`: ETM on and off; `mte`: off only).
        // lucid's default RSA-2048 key and OpenSSL's on the testdata key, interleaved
        // rounds, one line `rsa-op-pair LUCID_US OPENSSL_US` (the parent runs this in a
        // child with OPENSSL_ia32cap set, see `rsa_without_ifma`).
        "rsa-op-pair" => {
            let ct = lu.sample_ciphertext();
            let key = lu.default_key();
            let n = Sizes::new(quick).rsa_ops / ROUNDS;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                a.push(lu.rsa_op(&*key, &ct, n));
                b.push(os.rsa_op(&ct, n));
            }
            println!("rsa-op-pair {} {}", median(a), median(b));
            String::new()
        }
        "rsa" => {
            let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(2018);
            for bits in [2048_u32, 3072, 4096] {
                let k = rsa::Keys::generate(bits);
                let c = k.random_ciphertext(&mut rng);
                let n = (200.0 * (2048.0 / bits as f64).powi(3)).ceil() as usize;
                let (mut l, mut o) = (Vec::new(), Vec::new());
                for _ in 0..ROUNDS {
                    let (a, _, b) = rsa::private_op(&k, &c, n.max(2), &mut rng);
                    l.push(a);
                    o.push(b);
                }
                let (l, o) = (median(l), median(o));
                println!(
                    "RSA-{bits} private: lucid {l:.0} us, OpenSSL {o:.0} us, ratio {:.2}x",
                    o / l
                );
            }
            String::new()
        }
        // The CBC bulk rows, ETM on and off: throughput of the pair and CPU per record of
        // each side.
        // Each side's least CPU per record over 15 runs of 1,000 records (lucid, OpenSSL):
        // on a shared machine the minimum moves less than the median.
        "mte-min" => {
            for suite in [Suite::Aes128Sha, Suite::Aes256Sha256] {
                let (mut ls, mut lr, mut os_, mut or) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
                for _ in 0..15 {
                    let b = lu.bulk(suite, c2s, false, 1_000);
                    ls = ls.min(b.send_us);
                    lr = lr.min(b.recv_us);
                    let b = os.bulk(suite, c2s, false, 1_000).0;
                    os_ = os_.min(b.send_us);
                    or = or.min(b.recv_us);
                }
                println!(
                    "MtE {suite:?} min us/record: send lucid {ls:.2} OpenSSL {os_:.2} ({:.2}x), receive lucid {lr:.2} OpenSSL {or:.2} ({:.2}x)",
                    os_ / ls,
                    or / lr
                );
            }
            String::new()
        }
        "cbc" | "mte" => {
            let modes: &[bool] = if workload == "mte" {
                &[false]
            } else {
                &[true, false]
            };
            for &etm in modes {
                for suite in [Suite::Aes128Sha, Suite::Aes256Sha256] {
                    for dir in [c2s, Dir::ServerToClient] {
                        let (mut l, mut o) = (Vec::new(), Vec::new());
                        for _ in 0..ROUNDS {
                            l.push(lu.bulk(suite, dir, etm, 3_000));
                            o.push(os.bulk(suite, dir, etm, 3_000).0);
                        }
                        let (l, o) = (median_bulk(&l), median_bulk(&o));
                        println!(
                            "{} {suite:?} {dir:?}: lucid {:.0} MB/s, OpenSSL {:.0} MB/s ({:.2}x); us/record send lucid {:.2} OpenSSL {:.2} ({:.2}x), receive lucid {:.2} OpenSSL {:.2} ({:.2}x)",
                            if etm { "EtM" } else { "MtE" },
                            l.mb_s,
                            o.mb_s,
                            l.mb_s / o.mb_s,
                            l.send_us,
                            o.send_us,
                            o.send_us / l.send_us,
                            l.recv_us,
                            o.recv_us,
                            o.recv_us / l.recv_us,
                        );
                    }
                }
            }
            String::new()
        }
        other => panic!("unknown workload {other}"),
    };
    eprintln!("{workload}: {what} in {:.1} s", t.elapsed().as_secs_f64());
}
