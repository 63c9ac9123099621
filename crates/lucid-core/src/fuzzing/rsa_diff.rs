//! The `rsa_diff` harness: lucid's RSA private and public operations (arith::rsa_core)
//! against the `rsa` crate's, on the fixture PKI's RSA-2048 leaf key, for any input.

use alloc::vec;

use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

use crate::arith::rsa_core::{RsaPrivateKey, RsaPublic};
use crate::fuzzing::rng::FuzzRng;
use crate::fuzzing::script::LEAF_KEY_PEM;

/// Takes the first `k` bytes of `data` (zero-padded; an optional leading byte `0xff`
/// stands for "all ones", the values at and above n) as `c`, and checks that
/// `c^d mod n` and `c^e mod n` agree with the `rsa` crate, errors included.
#[allow(
    clippy::indexing_slicing,
    reason = "offsets derived from k, checked against the minimum length first"
)]
pub fn rsa_diff(data: &[u8]) {
    let der = PrivatePkcs8KeyDer::from_pem_slice(LEAF_KEY_PEM).unwrap();
    let key = rsa::PrivateKey::from_pkcs8_der(der.secret_pkcs8_der()).unwrap();
    let ours = RsaPrivateKey::from_rsa_crate(&key).unwrap();
    let public = key.to_public_key();
    let ours_pub = RsaPublic::from_rsa_crate(&public).unwrap();
    let k = key.size();
    let mut c = vec![0u8; k];
    let (fill, data) = match data.split_first() {
        Some((0xff, rest)) => (0xff, rest),
        _ => (0, data),
    };
    c.fill(fill);
    let take = data.len().min(k);
    c[k - take..].copy_from_slice(&data[..take]);
    let mut rng = FuzzRng::new(u64::from(data.first().copied().unwrap_or(0)));

    let mut out = vec![0u8; k];
    let ours_m = ours
        .decrypt_raw(&c, &mut out, &mut rng)
        .ok()
        .map(|()| out.clone());
    let theirs_m = rsa::BoxedUint::from_be_slice(&c, key.n_bits_precision())
        .ok()
        .and_then(|cb| rsa::hazmat::rsa_decrypt_and_check(&key, Some(&mut rng), &cb).ok())
        .map(|m| {
            let b = m.to_be_bytes();
            b[b.len() - k..].to_vec()
        });
    assert_eq!(ours_m, theirs_m, "private op");

    let ours_e = ours_pub.op(&c, &mut out).ok().map(|()| out.clone());
    let theirs_e = rsa::BoxedUint::from_be_slice(&c, public.n_bits_precision())
        .ok()
        .filter(|cb| cb < public.n().as_ref())
        .and_then(|cb| rsa::hazmat::rsa_encrypt(&public, &cb).ok())
        .map(|m| {
            let b = m.to_be_bytes();
            b[b.len() - k..].to_vec()
        });
    assert_eq!(ours_e, theirs_e, "public op");
}

#[cfg(test)]
mod tests {
    #[test]
    fn edge_inputs() {
        for data in [
            &[][..],
            &[1],
            &[0xff],
            &[0xff, 0xff],
            &[0x7f; 300],
            &[0xab; 256],
        ] {
            super::rsa_diff(data);
        }
    }
}
