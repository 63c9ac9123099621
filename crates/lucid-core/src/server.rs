//! The server handshake (not built yet: the server issue fills this in).

use crate::conn::{Context, Core, Message};
use crate::error::Error;

/// The server's handshake states.
#[derive(Debug)]
pub(crate) enum ServerState {}

impl ServerState {
    pub(crate) fn handle(
        self,
        _core: &mut Core,
        _cx: &mut Context<'_>,
        _msg: Message<'_>,
    ) -> Result<Self, Error> {
        match self {}
    }
}
