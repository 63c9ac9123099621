//! Hello extensions (RFC 5246 §7.4.1.4) that lucid understands, and a lossless `Unknown`
//! for everything else.
//!
//! On the wire every extension is `extension_type(2) || u16 length || body`. The body must
//! exactly fill its length: each decoder rejects trailing bytes with
//! [`InvalidMessage::TrailingData`] naming the extension.
//!
//! [`ClientExtension`] is what a ClientHello carries and [`ServerExtension`] what a
//! ServerHello carries; the same code point can have a different body in each direction
//! (server_name and session_ticket are empty acknowledgements from the server). Decoders map
//! a code point to its typed variant only if it is listed for that direction; anything else
//! becomes `Unknown` so that the state machine can report it (e.g. a server that answers
//! with signature_algorithms is [`crate::PeerMisbehaved::UnofferedExtension`]).

use alloc::vec::Vec;

use crate::codec::{
    Codec, InvalidMessage, LengthPrefixedBuffer, ListLength, Reader, put_list, put_vec, read_list,
};
use crate::msgs::enums::{
    EcPointFormat, ExtensionType, MaxFragmentLength, NamedGroup, ServerNameType, SignatureScheme,
};

/// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`
pub(crate) const SIGALGS_LEN: ListLength = ListLength::U16_NONEMPTY.with_max(0xfffe);

/// Reads a u16-prefixed list of 2-byte elements, failing with
/// [`InvalidMessage::BadListLength`] if the length is odd (rather than with a confusing
/// "missing data" on the last half element).
pub(crate) fn read_u16_elements<T: Codec>(
    r: &mut Reader<'_>,
    len: ListLength,
    what: &'static str,
) -> Result<Vec<T>, InvalidMessage> {
    let mut sub = r.sub(len, what)?;
    if sub.left() % 2 != 0 {
        return Err(InvalidMessage::BadListLength(what));
    }
    let mut items = Vec::with_capacity(sub.left() / 2);
    while sub.any_left() {
        items.push(T::read(&mut sub)?);
    }
    Ok(items)
}

/// `NamedGroup named_group_list<2..2^16-1>` (RFC 8422 §5.1.1).
pub(crate) const NAMED_GROUPS_LEN: ListLength = ListLength::new(2, 2, 0xffff);

/// `ECPointFormat ec_point_format_list<1..2^8-1>` (RFC 8422 §5.1.2).
pub(crate) const EC_POINT_FORMATS_LEN: ListLength = ListLength::U8_NONEMPTY;

/// Checks that an extension defined to have an empty body has one.
fn expect_empty_body(body: &Reader<'_>, what: &'static str) -> Result<(), InvalidMessage> {
    body.expect_empty(what)
}

/// Reads a `max_fragment_length` body: one byte (RFC 6066 §4). Values outside 1..=4 are
/// kept: RFC 6066 answers them with illegal_parameter, not decode_error, so the handshake
/// refuses them where it knows what was offered.
fn read_max_fragment_length(body: &mut Reader<'_>) -> Result<MaxFragmentLength, InvalidMessage> {
    Ok(MaxFragmentLength(body.u8("max_fragment_length")?))
}

/// Reads a `renegotiation_info` body: `opaque renegotiated_connection<0..255>` (RFC 5746).
fn read_renegotiation_info(body: &mut Reader<'_>) -> Result<Vec<u8>, InvalidMessage> {
    Ok(body.vec(ListLength::U8, "renegotiation_info")?.to_vec())
}

/// `ProtocolName protocol_name_list<2..2^16-1>` (RFC 7301 §3.1): at least one name.
pub(crate) const PROTOCOL_NAME_LIST_LEN: ListLength = ListLength::new(2, 2, 0xffff);

/// `opaque ProtocolName<1..2^8-1>` (RFC 7301 §3.1): "Empty strings MUST NOT be included".
pub(crate) const PROTOCOL_NAME_LEN: ListLength = ListLength::U8_NONEMPTY;

/// Reads an application_layer_protocol_negotiation body: a non-empty list of non-empty
/// protocol names (RFC 7301 §3.1), in the sender's order.
fn read_protocol_names(body: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let mut list = body.sub(PROTOCOL_NAME_LIST_LEN, "protocol_name_list")?;
    let mut names = Vec::new();
    while list.any_left() {
        names.push(list.vec(PROTOCOL_NAME_LEN, "ProtocolName")?.to_vec());
    }
    Ok(names)
}

/// Reads a server's application_layer_protocol_negotiation body: the same list shape,
/// holding "exactly one" name (RFC 7301 §3.1). A list of several is a decode error, as in
/// OpenSSL (`tls_parse_stoc_alpn`) and rustls (`SingleProtocolName`).
fn read_selected_protocol(body: &mut Reader<'_>) -> Result<Vec<u8>, InvalidMessage> {
    let mut list = body.sub(PROTOCOL_NAME_LIST_LEN, "protocol_name_list")?;
    let name = list.vec(PROTOCOL_NAME_LEN, "ProtocolName")?.to_vec();
    list.expect_empty("protocol_name_list (the server selects exactly one)")?;
    Ok(name)
}

/// Writes a protocol_name_list.
fn put_protocol_names<'a>(out: &mut Vec<u8>, names: impl IntoIterator<Item = &'a Vec<u8>>) {
    let list = LengthPrefixedBuffer::new(ListLength::U16, out);
    for name in names {
        put_vec(list.buf, PROTOCOL_NAME_LEN, name);
    }
}

/// One entry of a ServerNameList (RFC 6066 §3).
///
/// RFC 6066 only defines `host_name(0)`, whose body is `opaque HostName<1..2^16-1>`. Entries
/// of other name types are decoded with the same shape (as OpenSSL and most servers do) and
/// kept, so they survive a round trip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerNameEntry {
    /// The name type; lucid only ever sends `host_name`.
    pub name_type: ServerNameType,
    /// The name as sent, without a trailing dot (RFC 6066 §3). Not validated here: checking
    /// that it is a well-formed DNS name (and not an IP literal) is the server's job.
    pub name: Vec<u8>,
}

impl ServerNameEntry {
    /// A `host_name` entry.
    pub fn host_name(name: &[u8]) -> Self {
        Self {
            name_type: ServerNameType::HOST_NAME,
            name: name.to_vec(),
        }
    }
}

impl Codec for ServerNameEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.name_type.encode(out);
        put_vec(out, ListLength::U16, &self.name);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            name_type: ServerNameType::read(r)?,
            name: r.vec(ListLength::U16_NONEMPTY, "HostName")?.to_vec(),
        })
    }
}

/// Reads a client's `server_name` body: `ServerName server_name_list<1..2^16-1>`, with at most
/// one entry per name type (RFC 6066 §3: "MUST NOT contain more than one name of the same
/// name_type").
fn read_server_name_list(body: &mut Reader<'_>) -> Result<Vec<ServerNameEntry>, InvalidMessage> {
    let mut list = body.sub(ListLength::U16_NONEMPTY, "server_name")?;
    let mut seen = [false; 256];
    let mut entries = Vec::new();
    while list.any_left() {
        let e = ServerNameEntry::read(&mut list)?;
        let slot = seen
            .get_mut(usize::from(e.name_type.get()))
            .ok_or(InvalidMessage::InvalidValue("server_name"))?;
        if core::mem::replace(slot, true) {
            return Err(InvalidMessage::InvalidValue("server_name"));
        }
        entries.push(e);
    }
    Ok(entries)
}

/// An extension in a ClientHello.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension {
    /// server_name (RFC 6066 §3): the names the client wants to reach.
    ServerName(Vec<ServerNameEntry>),
    /// max_fragment_length (RFC 6066 §4). Values outside 1..=4 decode as they are (a server
    /// refuses them with illegal_parameter).
    MaxFragmentLength(MaxFragmentLength),
    /// signature_algorithms (RFC 5246 §7.4.1.4.1), non-empty.
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// supported_groups (RFC 8422 §5.1.1, formerly elliptic_curves): the groups the client
    /// can do (EC)DHE in, most preferred first; non-empty.
    SupportedGroups(Vec<NamedGroup>),
    /// ec_point_formats (RFC 8422 §5.1.2): non-empty; lucid sends `uncompressed` only.
    EcPointFormats(Vec<EcPointFormat>),
    /// encrypt_then_mac (RFC 7366), empty body.
    EncryptThenMac,
    /// extended_master_secret (RFC 7627), empty body.
    ExtendedMasterSecret,
    /// session_ticket (RFC 5077): empty to ask for a ticket, or the ticket to resume with.
    SessionTicket(Vec<u8>),
    /// renegotiation_info (RFC 5746): `renegotiated_connection`, empty on an initial
    /// handshake.
    RenegotiationInfo(Vec<u8>),
    /// application_layer_protocol_negotiation (RFC 7301): the application protocols the
    /// client speaks over this connection (`http/1.1`, `h2`, ...), most preferred first.
    /// Decoding rejects an empty list and empty names; each name is at most 255 bytes.
    Alpn(Vec<Vec<u8>>),
    /// Any other extension, kept byte for byte. `typ` should not be one of the types above
    /// (such a value encodes fine but decodes as the typed variant).
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The body, without the length prefix.
        data: Vec<u8>,
    },
}

impl ClientExtension {
    /// A `server_name` extension naming one DNS host.
    pub fn server_name(host: &[u8]) -> Self {
        Self::ServerName(alloc::vec![ServerNameEntry::host_name(host)])
    }

    /// The extension type this value is encoded with.
    pub fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) => ExtensionType::SERVER_NAME,
            Self::MaxFragmentLength(_) => ExtensionType::MAX_FRAGMENT_LENGTH,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicket(_) => ExtensionType::SESSION_TICKET,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn read_body(typ: ExtensionType, body: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => Self::ServerName(read_server_name_list(body)?),
            ExtensionType::MAX_FRAGMENT_LENGTH => {
                Self::MaxFragmentLength(read_max_fragment_length(body)?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS => Self::SignatureAlgorithms(read_u16_elements(
                body,
                SIGALGS_LEN,
                "signature_algorithms",
            )?),
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(read_u16_elements(
                body,
                NAMED_GROUPS_LEN,
                "supported_groups",
            )?),
            ExtensionType::EC_POINT_FORMATS => {
                Self::EcPointFormats(read_list(body, EC_POINT_FORMATS_LEN, "ec_point_formats")?)
            }
            ExtensionType::ENCRYPT_THEN_MAC => {
                expect_empty_body(body, "encrypt_then_mac")?;
                Self::EncryptThenMac
            }
            ExtensionType::EXTENDED_MASTER_SECRET => {
                expect_empty_body(body, "extended_master_secret")?;
                Self::ExtendedMasterSecret
            }
            ExtensionType::SESSION_TICKET => Self::SessionTicket(body.rest().to_vec()),
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(read_renegotiation_info(body)?)
            }
            ExtensionType::ALPN => Self::Alpn(read_protocol_names(body)?),
            typ => Self::Unknown {
                typ,
                data: body.rest().to_vec(),
            },
        })
    }
}

impl Codec for ClientExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        self.ext_type().encode(out);
        let body = LengthPrefixedBuffer::new(ListLength::U16, out);
        let out = &mut *body.buf;
        match self {
            Self::ServerName(entries) => {
                let list = LengthPrefixedBuffer::new(ListLength::U16, out);
                for e in entries {
                    e.encode(list.buf);
                }
            }
            Self::MaxFragmentLength(v) => v.encode(out),
            Self::SignatureAlgorithms(schemes) => {
                put_list(out, ListLength::U16, schemes);
            }
            Self::SupportedGroups(groups) => put_list(out, ListLength::U16, groups),
            Self::EcPointFormats(formats) => put_list(out, ListLength::U8, formats),
            Self::EncryptThenMac | Self::ExtendedMasterSecret => {}
            Self::SessionTicket(data) | Self::Unknown { data, .. } => {
                out.extend_from_slice(data);
            }
            Self::RenegotiationInfo(v) => put_vec(out, ListLength::U8, v),
            Self::Alpn(names) => put_protocol_names(out, names),
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ExtensionType::read(r)?;
        let mut body = r.sub(ListLength::U16, "extension")?;
        let ext = Self::read_body(typ, &mut body)?;
        body.expect_empty(typ.name().unwrap_or("extension"))?;
        Ok(ext)
    }
}

/// An extension in a ServerHello.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerExtension {
    /// server_name (RFC 6066 §3): the server used the client's name; empty body.
    ServerName,
    /// max_fragment_length (RFC 6066 §4): echoes the client's value (a client refuses any
    /// other with illegal_parameter).
    MaxFragmentLength(MaxFragmentLength),
    /// ec_point_formats (RFC 8422 §5.1.2): the formats the server can parse; when present
    /// it must include `uncompressed`.
    EcPointFormats(Vec<EcPointFormat>),
    /// encrypt_then_mac (RFC 7366), empty body.
    EncryptThenMac,
    /// extended_master_secret (RFC 7627), empty body.
    ExtendedMasterSecret,
    /// session_ticket (RFC 5077 §3.2): the server will send a NewSessionTicket; empty body.
    SessionTicket,
    /// renegotiation_info (RFC 5746): `client_verify_data || server_verify_data`, empty on
    /// an initial handshake.
    RenegotiationInfo(Vec<u8>),
    /// application_layer_protocol_negotiation (RFC 7301): the one protocol the server
    /// selected from the client's list. Decoding rejects a list of any other length and an
    /// empty name.
    Alpn(Vec<u8>),
    /// Any other extension, kept byte for byte. `typ` should not be one of the types above.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The body, without the length prefix.
        data: Vec<u8>,
    },
}

impl ServerExtension {
    /// The extension type this value is encoded with.
    pub fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerName => ExtensionType::SERVER_NAME,
            Self::MaxFragmentLength(_) => ExtensionType::MAX_FRAGMENT_LENGTH,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicket => ExtensionType::SESSION_TICKET,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn read_body(typ: ExtensionType, body: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => {
                expect_empty_body(body, "server_name")?;
                Self::ServerName
            }
            ExtensionType::MAX_FRAGMENT_LENGTH => {
                Self::MaxFragmentLength(read_max_fragment_length(body)?)
            }
            ExtensionType::EC_POINT_FORMATS => {
                Self::EcPointFormats(read_list(body, EC_POINT_FORMATS_LEN, "ec_point_formats")?)
            }
            ExtensionType::ENCRYPT_THEN_MAC => {
                expect_empty_body(body, "encrypt_then_mac")?;
                Self::EncryptThenMac
            }
            ExtensionType::EXTENDED_MASTER_SECRET => {
                expect_empty_body(body, "extended_master_secret")?;
                Self::ExtendedMasterSecret
            }
            ExtensionType::SESSION_TICKET => {
                expect_empty_body(body, "session_ticket")?;
                Self::SessionTicket
            }
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(read_renegotiation_info(body)?)
            }
            ExtensionType::ALPN => Self::Alpn(read_selected_protocol(body)?),
            typ => Self::Unknown {
                typ,
                data: body.rest().to_vec(),
            },
        })
    }
}

impl Codec for ServerExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        self.ext_type().encode(out);
        let body = LengthPrefixedBuffer::new(ListLength::U16, out);
        let out = &mut *body.buf;
        match self {
            Self::ServerName
            | Self::EncryptThenMac
            | Self::ExtendedMasterSecret
            | Self::SessionTicket => {}
            Self::MaxFragmentLength(v) => v.encode(out),
            Self::EcPointFormats(formats) => put_list(out, ListLength::U8, formats),
            Self::RenegotiationInfo(v) => put_vec(out, ListLength::U8, v),
            Self::Alpn(name) => put_protocol_names(out, [name]),
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ExtensionType::read(r)?;
        let mut body = r.sub(ListLength::U16, "extension")?;
        let ext = Self::read_body(typ, &mut body)?;
        body.expect_empty(typ.name().unwrap_or("extension"))?;
        Ok(ext)
    }
}

/// An extension as a hello decoder sees it: either of a type lucid acts on in this
/// direction (decoded, at most once) or not (skipped; see
/// [`crate::msgs::handshake::UnknownExtensions`]).
pub(crate) trait HelloExtension: Sized {
    /// Whether extensions of type `typ` are decoded in this direction.
    fn is_known(typ: ExtensionType) -> bool;
    /// The type of a decoded extension.
    fn known_type(&self) -> ExtensionType;
    /// Decodes the body of an extension of a known type; `body` must then be empty.
    fn read_known_body(typ: ExtensionType, body: &mut Reader<'_>) -> Result<Self, InvalidMessage>;
}

impl HelloExtension for ClientExtension {
    fn is_known(typ: ExtensionType) -> bool {
        matches!(
            typ,
            ExtensionType::SERVER_NAME
                | ExtensionType::MAX_FRAGMENT_LENGTH
                | ExtensionType::SIGNATURE_ALGORITHMS
                | ExtensionType::SUPPORTED_GROUPS
                | ExtensionType::EC_POINT_FORMATS
                | ExtensionType::ENCRYPT_THEN_MAC
                | ExtensionType::EXTENDED_MASTER_SECRET
                | ExtensionType::SESSION_TICKET
                | ExtensionType::RENEGOTIATION_INFO
                | ExtensionType::ALPN
        )
    }

    fn known_type(&self) -> ExtensionType {
        self.ext_type()
    }

    fn read_known_body(typ: ExtensionType, body: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Self::read_body(typ, body)
    }
}

impl HelloExtension for ServerExtension {
    fn is_known(typ: ExtensionType) -> bool {
        matches!(
            typ,
            ExtensionType::SERVER_NAME
                | ExtensionType::MAX_FRAGMENT_LENGTH
                | ExtensionType::EC_POINT_FORMATS
                | ExtensionType::ENCRYPT_THEN_MAC
                | ExtensionType::EXTENDED_MASTER_SECRET
                | ExtensionType::SESSION_TICKET
                | ExtensionType::RENEGOTIATION_INFO
                | ExtensionType::ALPN
        )
    }

    fn known_type(&self) -> ExtensionType {
        self.ext_type()
    }

    fn read_known_body(typ: ExtensionType, body: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Self::read_body(typ, body)
    }
}

/// The first extension type that occurs more than once in `types`, if any.
///
/// Sorts a copy, so a hostile hello with thousands of extensions costs O(n log n), not O(n²).
pub(crate) fn first_duplicate(types: impl Iterator<Item = ExtensionType>) -> Option<ExtensionType> {
    let mut v: Vec<u16> = types.map(ExtensionType::get).collect();
    v.sort_unstable();
    v.windows(2).find_map(|w| match w {
        [a, b] if a == b => Some(ExtensionType(*a)),
        _ => None,
    })
}

#[cfg(test)]
#[path = "extensions_test.rs"]
mod tests;
