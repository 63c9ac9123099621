//! The hellos (RFC 5246 §7.4.1): ClientHello, ServerHello, their randoms, session ids and
//! extensions blocks.

use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Codec, InvalidMessage, ListLength, Reader, put_list, put_vec, read_list};
use crate::msgs::enums::{
    CipherSuite, Compression, ExtensionType, ProtocolVersion, ServerNameType,
};
use crate::msgs::extensions::{
    ClientExtension, HelloExtension, ServerExtension, first_duplicate, read_u16_elements,
};

/// `CipherSuite cipher_suites<2..2^16-2>`
const CIPHER_SUITES_LEN: ListLength = ListLength::U16_NONEMPTY.with_max(0xfffe);

/// The 32-byte `Random` of a hello (RFC 5246 §7.4.1.2). In TLS 1.0–1.2 the first four bytes
/// are traditionally `gmt_unix_time`; lucid treats all 32 as opaque.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Random(pub [u8; 32]);

impl fmt::Debug for Random {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Random(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl Codec for Random {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self(r.take_array("Random")?))
    }
}

/// `opaque SessionID<0..32>` (RFC 5246 §7.4.1.2), stored inline.
///
/// Invariant: `len <= 32` and the bytes past `len` are zero, so derived equality is
/// equality of [`SessionId::as_slice`].
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionId {
    len: u8,
    bytes: [u8; 32],
}

impl SessionId {
    /// Longest session id allowed.
    pub const MAX_LEN: usize = 32;

    /// The empty session id (no resumption offered / session not cacheable).
    pub const EMPTY: Self = Self {
        len: 0,
        bytes: [0; 32],
    };

    /// A session id with the given bytes; more than 32 is [`InvalidMessage::TooLarge`].
    pub fn new(id: &[u8]) -> Result<Self, InvalidMessage> {
        let len = u8::try_from(id.len())
            .ok()
            .filter(|&l| usize::from(l) <= Self::MAX_LEN)
            .ok_or(InvalidMessage::TooLarge("SessionId"))?;
        let mut bytes = [0u8; 32];
        bytes
            .get_mut(..id.len())
            .ok_or(InvalidMessage::TooLarge("SessionId"))?
            .copy_from_slice(id);
        Ok(Self { len, bytes })
    }

    /// The id's bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Length in bytes (0..=32).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the id is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl Codec for SessionId {
    fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, ListLength::U8, self.as_slice());
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let id = r.vec(ListLength::U8.with_max(32), "SessionId")?;
        Self::new(id)
    }
}

/// What decoding a hello skipped: the extensions of types lucid does not act on in that
/// direction. They are not stored — so a hello with thousands of them costs no memory
/// beyond its bytes — only counted, and the first one's type kept for error messages (a
/// client must refuse an extension it did not offer, RFC 5246 §7.4.1.4).
///
/// Decoding fills this in; encoding ignores it (a hello built locally carries the
/// extensions it means to send in `extensions`, `Unknown` ones included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnknownExtensions {
    /// How many were skipped.
    pub count: usize,
    /// The type of the first one, in wire order.
    pub first: Option<ExtensionType>,
}

/// Reads the optional extensions block that ends a hello: absent when the body ends here
/// (allowed by RFC 5246 §7.4.1.2 and what TLS 1.0 peers without extensions send), otherwise
/// `Extension extensions<0..2^16-1>`.
///
/// Extensions of the types lucid acts on are decoded, each at most once; the rest are
/// skipped without being stored (see [`UnknownExtensions`]), so the decoded hello holds at
/// most one entry per known type however many extensions the block carries.
///
/// Duplicates: RFC 5246 §7.4.1.4 says "There MUST NOT be more than one extension of the
/// same type". A second extension of a known type is
/// [`InvalidMessage::DuplicateExtension`] (decode_error). Duplicates among skipped types are
/// not detected — that would mean remembering every type seen; OpenSSL does the same
/// (`tls_collect_extensions`: "We only check duplicates for extensions that we
/// recognise").
fn read_hello_extensions<T: HelloExtension>(
    r: &mut Reader<'_>,
) -> Result<(Vec<T>, UnknownExtensions), InvalidMessage> {
    let mut unknown = UnknownExtensions::default();
    if !r.any_left() {
        return Ok((Vec::new(), unknown));
    }
    let mut list = r.sub(ListLength::U16, "extensions")?;
    let mut exts: Vec<T> = Vec::new();
    while list.any_left() {
        let typ = ExtensionType::read(&mut list)?;
        let mut body = list.sub(ListLength::U16, "extension")?;
        if !T::is_known(typ) {
            unknown.count = unknown.count.saturating_add(1);
            unknown.first.get_or_insert(typ);
            continue;
        }
        if exts.iter().any(|e| e.known_type() == typ) {
            return Err(InvalidMessage::DuplicateExtension(typ.get()));
        }
        let ext = T::read_known_body(typ, &mut body)?;
        body.expect_empty(typ.name().unwrap_or("extension"))?;
        exts.push(ext);
    }
    Ok((exts, unknown))
}

/// Writes the extensions block of a hello; omitted entirely when there are none (the most
/// compatible choice for old TLS 1.0 peers).
fn put_hello_extensions<T: Codec>(out: &mut Vec<u8>, exts: &[T]) {
    if !exts.is_empty() {
        put_list(out, ListLength::U16, exts);
    }
}

/// ClientHello (RFC 5246 §7.4.1.2).
///
/// [`Codec::read`] treats everything left in the reader after `compression_methods` as the
/// extensions block, so it must be given a reader that ends where the message body ends
/// (as [`HandshakeMessage::read_versioned`] does).
///
/// [`HandshakeMessage::read_versioned`]: super::HandshakeMessage::read_versioned
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHelloPayload {
    /// The highest version the client supports.
    pub client_version: ProtocolVersion,
    /// Client random.
    pub random: Random,
    /// The session to resume, or empty.
    pub session_id: SessionId,
    /// Offered suites, in preference order; non-empty on the wire. Unknown suites and SCSVs
    /// are kept as values.
    pub cipher_suites: Vec<CipherSuite>,
    /// Offered compression methods; non-empty on the wire.
    pub compression_methods: Vec<Compression>,
    /// The extensions lucid acts on, in wire order (empty if the block was absent). No type
    /// appears twice. When encoding, every entry is sent, `Unknown` ones included.
    pub extensions: Vec<ClientExtension>,
    /// What decoding skipped (ignored when encoding).
    pub unknown_extensions: UnknownExtensions,
}

impl ClientHelloPayload {
    /// The first extension of type `typ`, if present.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        self.extensions.iter().find(|e| e.ext_type() == typ)
    }

    /// Whether some extension type occurs more than once (decoding already rejects this;
    /// useful to check a hello built locally).
    pub fn has_duplicate_extensions(&self) -> bool {
        first_duplicate(self.extensions.iter().map(ClientExtension::ext_type)).is_some()
    }

    /// The DNS name from a `server_name` extension's `host_name` entry, if any.
    pub fn host_name(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::SERVER_NAME)? {
            ClientExtension::ServerName(entries) => entries
                .iter()
                .find(|e| e.name_type == ServerNameType::HOST_NAME)
                .map(|e| e.name.as_slice()),
            _ => None,
        }
    }
}

impl Codec for ClientHelloPayload {
    fn encode(&self, out: &mut Vec<u8>) {
        self.client_version.encode(out);
        self.random.encode(out);
        self.session_id.encode(out);
        put_list(out, ListLength::U16, &self.cipher_suites);
        put_list(out, ListLength::U8, &self.compression_methods);
        put_hello_extensions(out, &self.extensions);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let client_version = ProtocolVersion::read(r)?;
        let random = Random::read(r)?;
        let session_id = SessionId::read(r)?;
        let cipher_suites = read_u16_elements(r, CIPHER_SUITES_LEN, "cipher_suites")?;
        let compression_methods = read_list(r, ListLength::U8_NONEMPTY, "compression_methods")?;
        let (extensions, unknown_extensions) = read_hello_extensions(r)?;
        Ok(Self {
            client_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
            unknown_extensions,
        })
    }
}

/// ServerHello (RFC 5246 §7.4.1.3).
///
/// Like [`ClientHelloPayload`], [`Codec::read`] must be given a reader that ends where the
/// body ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHelloPayload {
    /// The version the server chose.
    pub server_version: ProtocolVersion,
    /// Server random.
    pub random: Random,
    /// The session id (the client's, when resuming).
    pub session_id: SessionId,
    /// The suite the server chose.
    pub cipher_suite: CipherSuite,
    /// The compression method the server chose.
    pub compression_method: Compression,
    /// The extensions lucid acts on, in wire order (empty if the block was absent). No type
    /// appears twice. When encoding, every entry is sent, `Unknown` ones included.
    pub extensions: Vec<ServerExtension>,
    /// What decoding skipped (ignored when encoding). A client refuses a ServerHello that
    /// carries any (RFC 5246 §7.4.1.4: it offered none of them).
    pub unknown_extensions: UnknownExtensions,
}

impl ServerHelloPayload {
    /// The first extension of type `typ`, if present.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ServerExtension> {
        self.extensions.iter().find(|e| e.ext_type() == typ)
    }

    /// Whether some extension type occurs more than once (decoding already rejects this).
    pub fn has_duplicate_extensions(&self) -> bool {
        first_duplicate(self.extensions.iter().map(ServerExtension::ext_type)).is_some()
    }
}

impl Codec for ServerHelloPayload {
    fn encode(&self, out: &mut Vec<u8>) {
        self.server_version.encode(out);
        self.random.encode(out);
        self.session_id.encode(out);
        self.cipher_suite.encode(out);
        self.compression_method.encode(out);
        put_hello_extensions(out, &self.extensions);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let server_version = ProtocolVersion::read(r)?;
        let random = Random::read(r)?;
        let session_id = SessionId::read(r)?;
        let cipher_suite = CipherSuite::read(r)?;
        let compression_method = Compression::read(r)?;
        let (extensions, unknown_extensions) = read_hello_extensions(r)?;
        Ok(Self {
            server_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
            unknown_extensions,
        })
    }
}
