//! The Alert protocol message (RFC 5246 §7.2).

use alloc::vec::Vec;

use crate::codec::{Codec, InvalidMessage, Reader};
use crate::msgs::enums::{AlertDescription, AlertLevel};

/// An alert: exactly two bytes, level then description.
///
/// Both fields are open newtypes, so unknown levels and descriptions decode and can be
/// reported by number; deciding what an unknown level means is the record layer's job
/// (see [`crate::PeerMisbehaved::BadAlert`]). Use [`Codec::read_bytes`] on a whole alert
/// record fragment to reject records that are not exactly two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AlertMessage {
    /// warning(1) or fatal(2).
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Codec for AlertMessage {
    fn encode(&self, out: &mut Vec<u8>) {
        self.level.encode(out);
        self.description.encode(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let [level, description] = r.take_array::<2>("Alert")?;
        Ok(Self {
            level: AlertLevel(level),
            description: AlertDescription(description),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::mutate::{check_codec_mutants, check_truncations};
    use alloc::vec;

    #[test]
    fn round_trip() {
        let a = AlertMessage {
            level: AlertLevel::FATAL,
            description: AlertDescription::HANDSHAKE_FAILURE,
        };
        assert_eq!(a.get_encoding(), [0x02, 0x28]);
        assert_eq!(AlertMessage::read_bytes(&[0x02, 0x28]), Ok(a));
        assert_eq!(a.level, AlertLevel::FATAL);

        let c = AlertMessage {
            level: AlertLevel::WARNING,
            description: AlertDescription::CLOSE_NOTIFY,
        };
        assert_eq!(c.get_encoding(), [0x01, 0x00]);
        assert_eq!(AlertMessage::read_bytes(&[0x01, 0x00]), Ok(c));
        assert_eq!(c.level, AlertLevel::WARNING);
    }

    #[test]
    fn unknown_values_preserved() {
        let a = AlertMessage::read_bytes(&[0x07, 0xee]).unwrap();
        assert_eq!(a.level, AlertLevel(7));
        assert_eq!(a.description, AlertDescription(0xee));
        assert_eq!(a.description.name(), None);
        assert_eq!(a.get_encoding(), [0x07, 0xee]);
    }

    #[test]
    fn exactly_two_bytes() {
        check_truncations(&[0x02, 0x32], AlertMessage::read_bytes);
        assert_eq!(
            AlertMessage::read_bytes(&[0x02, 0x32, 0x00]),
            Err(InvalidMessage::TrailingData(
                "lucid_core::msgs::alert::AlertMessage"
            ))
        );
        assert_eq!(
            AlertMessage::read_bytes(&[0x02]),
            Err(InvalidMessage::MissingData("Alert"))
        );
    }

    #[test]
    fn mutants() {
        check_codec_mutants::<AlertMessage>(&[vec![2, 40], vec![1, 0]], 2000, 1);
    }
}
