//! Seeds for the record-protection targets (`cbc_open`, `stream_open`, `gcm_open`): one
//! genuine record per listed configuration.

use alloc::vec;
use alloc::vec::Vec;

use crate::codec::{ListLength, put_vec};
use crate::fuzzing::{cbc, gcm, stream};
use crate::msgs::enums::ContentType;

/// A target, its sealer of genuine record bodies, and the (configuration, seed name) pairs.
type Target = (
    &'static str,
    fn(usize, ContentType, &[u8]) -> Vec<u8>,
    &'static [(usize, &'static str)],
);

/// Configuration byte, content type, then one length-prefixed record sealed under the
/// harness's fixed keys.
pub(super) fn record_seeds(write: &mut impl FnMut(&'static str, &str, Vec<u8>)) {
    // cbc_open, stream_open (the RC4 suites), gcm_open: configuration, type, then
    // length-prefixed records.
    let record_targets: [Target; 3] = [
        (
            "cbc_open",
            cbc::sealed_body,
            &[
                (0, "tls10_sha_mte"),
                (3, "tls11_sha_etm"),
                (13, "tls12_sha256_etm"),
                (14, "tls12_aes256sha256_mte"),
                (16, "tls10_3des_sha_mte"),
                (19, "tls11_3des_sha_etm"),
                (20, "tls12_3des_sha_mte"),
            ],
        ),
        (
            "stream_open",
            stream::sealed_body,
            &[
                (0, "tls10_rc4_sha"),
                (4, "tls11_rc4_md5"),
                (5, "tls12_rc4_md5"),
            ],
        ),
        (
            "gcm_open",
            gcm::sealed_body,
            &[(0, "tls12_aes128_gcm"), (1, "tls12_aes256_gcm")],
        ),
    ];
    for (target, sealed_body, configs) in record_targets {
        for &(n, name) in configs {
            let body = sealed_body(n, ContentType::APPLICATION_DATA, b"hello, world");
            let mut input = vec![n as u8, ContentType::APPLICATION_DATA.get()];
            put_vec(&mut input, ListLength::U16, &body);
            write(target, name, input);
        }
    }
}
