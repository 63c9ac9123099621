//! The ChangeCipherSpec protocol message (RFC 5246 §7.1).

use alloc::vec::Vec;

use crate::codec::{Codec, InvalidMessage, Reader};

/// A ChangeCipherSpec message: the single byte `change_cipher_spec(1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct ChangeCipherSpecPayload;

impl ChangeCipherSpecPayload {
    /// The only valid body byte.
    pub(crate) const VALUE: u8 = 1;
}

impl Codec for ChangeCipherSpecPayload {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(Self::VALUE);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        match r.u8("ChangeCipherSpec")? {
            Self::VALUE => Ok(Self),
            _ => Err(InvalidMessage::InvalidValue("ChangeCipherSpec")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::mutate::{check_codec_mutants, check_truncations};
    use alloc::vec;

    #[test]
    fn round_trip() {
        assert_eq!(ChangeCipherSpecPayload.get_encoding(), [0x01]);
        assert_eq!(
            ChangeCipherSpecPayload::read_bytes(&[0x01]),
            Ok(ChangeCipherSpecPayload)
        );
    }

    #[test]
    fn rejects_other_bodies() {
        check_truncations(&[0x01], ChangeCipherSpecPayload::read_bytes);
        for b in [0x00, 0x02, 0xff] {
            assert_eq!(
                ChangeCipherSpecPayload::read_bytes(&[b]),
                Err(InvalidMessage::InvalidValue("ChangeCipherSpec"))
            );
        }
        assert!(matches!(
            ChangeCipherSpecPayload::read_bytes(&[0x01, 0x01]),
            Err(InvalidMessage::TrailingData(_))
        ));
    }

    #[test]
    fn mutants() {
        check_codec_mutants::<ChangeCipherSpecPayload>(&[vec![1]], 1000, 2);
    }
}
