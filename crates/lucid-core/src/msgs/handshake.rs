//! Handshake protocol messages (RFC 2246 / 4346 / 5246 §7.4) for the RSA key exchange.
//!
//! A handshake message is `msg_type(1) || length(3) || body` ([`HandshakeMessage`]). lucid
//! decodes the messages its RSA-only handshake uses into typed payloads; every other type
//! (ServerKeyExchange, CertificateVerify, NewSessionTicket, ...) is kept as
//! [`HandshakePayload::Unknown`] so the state machine can reject it with a typed error that
//! names it.
//!
//! Size caps (peer-controlled lengths are checked before anything is allocated):
//! [`MAX_HANDSHAKE_MESSAGE_LEN`], [`MAX_CERTIFICATE_LEN`], [`MAX_CERTIFICATE_CHAIN_LEN`],
//! [`MAX_CERTIFICATES`].

use alloc::vec::Vec;
use core::fmt;

use crate::codec::{
    Codec, InvalidMessage, LengthPrefixedBuffer, ListLength, Reader, put_list, put_vec, read_list,
};
use crate::msgs::enums::{
    CipherSuite, ClientCertificateType, Compression, ExtensionType, HandshakeType, ProtocolVersion,
    ServerNameType, SignatureScheme,
};
use crate::msgs::extensions::{
    ClientExtension, SIGALGS_LEN, ServerExtension, first_duplicate, read_u16_elements,
};

/// Length of the handshake message header: `msg_type(1) || length(3)`.
pub const HANDSHAKE_HEADER_LEN: usize = 4;

const MAX_CERTIFICATE_LEN_U32: u32 = 32 * 1024;
const MAX_CERTIFICATE_CHAIN_LEN_U32: u32 = 64 * 1024;

/// Largest single DER certificate lucid accepts in a Certificate message (32 KiB).
///
/// Real certificates are 1–8 KiB; even ones with hundreds of subjectAltNames stay well
/// under this.
pub const MAX_CERTIFICATE_LEN: usize = MAX_CERTIFICATE_LEN_U32 as usize;

/// Largest `certificate_list` (the u24-prefixed list body, including each certificate's
/// 3-byte length) lucid accepts (64 KiB).
pub const MAX_CERTIFICATE_CHAIN_LEN: usize = MAX_CERTIFICATE_CHAIN_LEN_U32 as usize;

/// Most certificates lucid accepts in one Certificate message (end entity plus
/// intermediates; path building needs no more).
pub const MAX_CERTIFICATES: usize = 10;

/// Most extensions lucid decodes in one hello. Duplicates are refused, so a genuine hello
/// holds at most one of each assigned type (about 60 exist, browsers send under 25). The cap
/// keeps decoding from amplifying memory: each extension costs a 32-byte entry for as few as
/// 4 wire bytes, so a 64 KiB hello would otherwise take ~0.9 MB.
pub const MAX_HELLO_EXTENSIONS: usize = 128;

/// Most `certificate_authorities` names lucid decodes in one CertificateRequest (real
/// servers send up to a few hundred). Each costs a 24-byte vector for as few as 3 wire
/// bytes; uncapped, a 64 KiB message would take ~1.3 MB.
pub const MAX_CERTIFICATE_AUTHORITIES: usize = 1024;

/// Largest handshake message lucid accepts, header included.
///
/// Sized so that a Certificate message whose chain is exactly
/// [`MAX_CERTIFICATE_CHAIN_LEN`] fits: header (4) + `certificate_list` length (3) + chain.
/// Every other message lucid decodes is far smaller. Handshake reassembly should refuse to
/// buffer a message whose header announces more than this (see [`HandshakeMessage::peek_header`]).
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = HANDSHAKE_HEADER_LEN + 3 + MAX_CERTIFICATE_CHAIN_LEN;

/// Body length prefix of a handshake message, capped.
const HANDSHAKE_BODY_LEN: ListLength = ListLength::U24.with_max(
    MAX_CERTIFICATE_CHAIN_LEN_U32 + 3, // == MAX_HANDSHAKE_MESSAGE_LEN - HANDSHAKE_HEADER_LEN
);

/// `CipherSuite cipher_suites<2..2^16-2>`
const CIPHER_SUITES_LEN: ListLength = ListLength::U16_NONEMPTY.with_max(0xfffe);

/// Length of Finished `verify_data` for every cipher suite lucid supports (RFC 5246 §7.4.9,
/// RFC 2246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;

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

/// Reads the optional extensions block that ends a hello: absent when the body ends here
/// (allowed by RFC 5246 §7.4.1.2 and what TLS 1.0 peers without extensions send), otherwise
/// `Extension extensions<0..2^16-1>`. Rejects duplicates.
fn read_hello_extensions<T: Codec>(
    r: &mut Reader<'_>,
    ext_type: impl Fn(&T) -> ExtensionType,
) -> Result<Vec<T>, InvalidMessage> {
    if !r.any_left() {
        return Ok(Vec::new());
    }
    let mut list = r.sub(ListLength::U16, "extensions")?;
    let mut exts: Vec<T> = Vec::new();
    while list.any_left() {
        if exts.len() >= MAX_HELLO_EXTENSIONS {
            return Err(InvalidMessage::TooLarge("extensions"));
        }
        exts.push(T::read(&mut list)?);
    }
    match first_duplicate(exts.iter().map(ext_type)) {
        Some(dup) => Err(InvalidMessage::DuplicateExtension(dup.get())),
        None => Ok(exts),
    }
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
    /// Extensions, in wire order (empty if the block was absent). No type appears twice.
    pub extensions: Vec<ClientExtension>,
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
        Ok(Self {
            client_version: ProtocolVersion::read(r)?,
            random: Random::read(r)?,
            session_id: SessionId::read(r)?,
            cipher_suites: read_u16_elements(r, CIPHER_SUITES_LEN, "cipher_suites")?,
            compression_methods: read_list(r, ListLength::U8_NONEMPTY, "compression_methods")?,
            extensions: read_hello_extensions(r, ClientExtension::ext_type)?,
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
    /// Extensions, in wire order (empty if the block was absent). No type appears twice.
    pub extensions: Vec<ServerExtension>,
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
        Ok(Self {
            server_version: ProtocolVersion::read(r)?,
            random: Random::read(r)?,
            session_id: SessionId::read(r)?,
            cipher_suite: CipherSuite::read(r)?,
            compression_method: Compression::read(r)?,
            extensions: read_hello_extensions(r, ServerExtension::ext_type)?,
        })
    }
}

/// Certificate (RFC 5246 §7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`, each
/// `opaque ASN.1Cert<1..2^24-1>`, sender's certificate first.
///
/// Decoding enforces [`MAX_CERTIFICATE_CHAIN_LEN`], [`MAX_CERTIFICATE_LEN`] and
/// [`MAX_CERTIFICATES`] with [`InvalidMessage::TooLarge`]. The certificates are not parsed
/// here. An empty list (a client without a certificate) is valid syntax.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CertificatePayload(pub Vec<Vec<u8>>);

impl Codec for CertificatePayload {
    fn encode(&self, out: &mut Vec<u8>) {
        let list = LengthPrefixedBuffer::new(ListLength::U24, out);
        for cert in &self.0 {
            put_vec(list.buf, ListLength::U24, cert);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let mut list = r.sub(
            ListLength::U24.with_max(MAX_CERTIFICATE_CHAIN_LEN_U32),
            "certificate_list",
        )?;
        let mut certs = Vec::new();
        while list.any_left() {
            if certs.len() >= MAX_CERTIFICATES {
                return Err(InvalidMessage::TooLarge("certificate_list"));
            }
            let cert = list.vec(ListLength::new(3, 1, MAX_CERTIFICATE_LEN_U32), "ASN.1Cert")?;
            certs.push(cert.to_vec());
        }
        Ok(Self(certs))
    }
}

/// CertificateRequest (RFC 5246 §7.4.4; RFC 2246/4346 §7.4.4 without the signature
/// algorithms).
///
/// The wire format depends on the version, so this has [`Self::read_versioned`] instead of a
/// [`Codec`] implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestPayload {
    /// `ClientCertificateType certificate_types<1..2^8-1>`
    pub certificate_types: Vec<ClientCertificateType>,
    /// `supported_signature_algorithms<2..2^16-2>`: present in (and only in) TLS 1.2.
    pub sigalgs: Option<Vec<SignatureScheme>>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`, each a DER-encoded
    /// `opaque DistinguishedName<1..2^16-1>` (not parsed here).
    pub authorities: Vec<Vec<u8>>,
}

impl CertificateRequestPayload {
    /// Appends the encoding; `supported_signature_algorithms` is written iff `sigalgs` is
    /// `Some` (the caller sets it according to the negotiated version).
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_list(out, ListLength::U8, &self.certificate_types);
        if let Some(sigalgs) = &self.sigalgs {
            put_list(out, ListLength::U16, sigalgs);
        }
        let list = LengthPrefixedBuffer::new(ListLength::U16, out);
        for dn in &self.authorities {
            put_vec(list.buf, ListLength::U16, dn);
        }
    }

    /// Decodes a CertificateRequest sent under `version`: the signature algorithms are read
    /// iff `version` is TLS 1.2 or later.
    pub fn read_versioned(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        let certificate_types = read_list(r, ListLength::U8_NONEMPTY, "certificate_types")?;
        let sigalgs = if version >= ProtocolVersion::TLSV1_2 {
            Some(read_u16_elements(
                r,
                SIGALGS_LEN,
                "supported_signature_algorithms",
            )?)
        } else {
            None
        };
        let mut list = r.sub(ListLength::U16, "certificate_authorities")?;
        let mut authorities = Vec::new();
        while list.any_left() {
            if authorities.len() >= MAX_CERTIFICATE_AUTHORITIES {
                return Err(InvalidMessage::TooLarge("certificate_authorities"));
            }
            authorities.push(
                list.vec(ListLength::U16_NONEMPTY, "DistinguishedName")?
                    .to_vec(),
            );
        }
        Ok(Self {
            certificate_types,
            sigalgs,
            authorities,
        })
    }
}

/// ClientKeyExchange for RSA key exchange (RFC 5246 §7.4.7.1): the
/// `EncryptedPreMasterSecret`, u16-prefixed (TLS 1.0 and later always send the prefix; only
/// SSLv3 omitted it).
///
/// Any length is accepted here, including zero: the server must treat a wrong-sized
/// ciphertext exactly like a bad decryption (random pre-master secret, no early error), so
/// the length is the key exchange's business, not the codec's. The ciphertext is not secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchangeRsa(pub Vec<u8>);

impl Codec for ClientKeyExchangeRsa {
    fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, ListLength::U16, &self.0);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self(
            r.vec(ListLength::U16, "EncryptedPreMasterSecret")?.to_vec(),
        ))
    }
}

/// The body of a handshake message, by type.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakePayload {
    /// hello_request(0): empty body.
    HelloRequest,
    /// client_hello(1)
    ClientHello(ClientHelloPayload),
    /// server_hello(2)
    ServerHello(ServerHelloPayload),
    /// certificate(11)
    Certificate(CertificatePayload),
    /// certificate_request(13)
    CertificateRequest(CertificateRequestPayload),
    /// server_hello_done(14): empty body.
    ServerHelloDone,
    /// client_key_exchange(16), RSA.
    ClientKeyExchange(ClientKeyExchangeRsa),
    /// finished(20): `verify_data`, the whole body. [`VERIFY_DATA_LEN`] bytes for every
    /// lucid suite; the length is not checked here, so the state machine's (constant-time)
    /// comparison reports a wrong length as a bad Finished.
    Finished(Vec<u8>),
    /// Any type lucid does not decode (ServerKeyExchange, CertificateVerify,
    /// NewSessionTicket, unassigned numbers...), with its raw body.
    Unknown {
        /// The message type from the header.
        typ: HandshakeType,
        /// The body, without the header.
        body: Vec<u8>,
    },
}

impl HandshakePayload {
    /// The handshake type this payload is sent with.
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::ServerHelloDone => {}
            Self::ClientHello(p) => p.encode(out),
            Self::ServerHello(p) => p.encode(out),
            Self::Certificate(p) => p.encode(out),
            Self::CertificateRequest(p) => p.encode(out),
            Self::ClientKeyExchange(p) => p.encode(out),
            Self::Finished(v) | Self::Unknown { body: v, .. } => out.extend_from_slice(v),
        }
    }

    /// Decodes the body of a message of type `typ`; `body` must be consumed exactly.
    fn read_body(
        typ: HandshakeType,
        body: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        let payload = match typ {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest,
            HandshakeType::CLIENT_HELLO => Self::ClientHello(ClientHelloPayload::read(body)?),
            HandshakeType::SERVER_HELLO => Self::ServerHello(ServerHelloPayload::read(body)?),
            HandshakeType::CERTIFICATE => Self::Certificate(CertificatePayload::read(body)?),
            HandshakeType::CERTIFICATE_REQUEST => {
                Self::CertificateRequest(CertificateRequestPayload::read_versioned(body, version)?)
            }
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone,
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                Self::ClientKeyExchange(ClientKeyExchangeRsa::read(body)?)
            }
            HandshakeType::FINISHED => Self::Finished(body.rest().to_vec()),
            typ => Self::Unknown {
                typ,
                body: body.rest().to_vec(),
            },
        };
        body.expect_empty(typ.name().unwrap_or("handshake message"))?;
        Ok(payload)
    }
}

/// A whole handshake message: header and typed body.
///
/// `typ` is the header's type; for every variant but [`HandshakePayload::Unknown`] it equals
/// `payload.typ()` ([`Self::new`] keeps them in step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// `msg_type` from the header.
    pub typ: HandshakeType,
    /// The decoded body.
    pub payload: HandshakePayload,
}

impl HandshakeMessage {
    /// A message whose header type is the payload's.
    pub fn new(payload: HandshakePayload) -> Self {
        Self {
            typ: payload.typ(),
            payload,
        }
    }

    /// Appends `msg_type || u24 length || body` (the length is back-patched). These are the
    /// exact bytes that go into the transcript hash.
    pub fn encode(&self, out: &mut Vec<u8>) {
        debug_assert_eq!(self.typ, self.payload.typ(), "header type != payload type");
        self.typ.encode(out);
        let body = LengthPrefixedBuffer::new(ListLength::U24, out);
        self.payload.encode_body(body.buf);
    }

    /// The encoding in a fresh vector.
    pub fn get_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes ONE whole handshake message (header and body) that occupies all of `bytes`.
    ///
    /// `version` is the negotiated (or, before ServerHello, any) version: only the
    /// CertificateRequest format depends on it. A length over [`MAX_HANDSHAKE_MESSAGE_LEN`]
    /// is [`InvalidMessage::TooLarge`]; bytes after the body are
    /// [`InvalidMessage::TrailingData`], as are bytes the typed body decoder did not use.
    pub fn read_versioned(bytes: &[u8], version: ProtocolVersion) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r)?;
        let mut body = r.sub(HANDSHAKE_BODY_LEN, "handshake message")?;
        r.expect_empty("handshake message")?;
        let payload = HandshakePayload::read_body(typ, &mut body, version)?;
        Ok(Self { typ, payload })
    }

    /// Reads the header at the front of `bytes` without checking the body: `None` if fewer
    /// than [`HANDSHAKE_HEADER_LEN`] bytes are available, else the type and announced body
    /// length. The caller compares `HANDSHAKE_HEADER_LEN + len` against
    /// [`MAX_HANDSHAKE_MESSAGE_LEN`] before buffering.
    pub fn peek_header(bytes: &[u8]) -> Option<(HandshakeType, usize)> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r).ok()?;
        let len = r.u24("handshake header").ok()?;
        Some((typ, usize::try_from(len).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::MaxFragmentLength;
    use crate::msgs::mutate::{check_codec_mutants, check_mutants, check_truncations};
    use alloc::string::String;
    use alloc::vec;

    const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;
    const V10: ProtocolVersion = ProtocolVersion::TLSV1_0;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace([' ', '\n'], "")).unwrap()
    }

    fn seq_random(start: u8) -> Random {
        let mut r = [0u8; 32];
        for (i, b) in r.iter_mut().enumerate() {
            *b = start.wrapping_add(i as u8);
        }
        Random(r)
    }

    fn client_hello() -> ClientHelloPayload {
        ClientHelloPayload {
            client_version: V12,
            random: seq_random(0),
            session_id: SessionId::EMPTY,
            cipher_suites: vec![
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
                CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
                CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
                CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
                CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
            ],
            compression_methods: vec![Compression::NULL],
            extensions: vec![
                ClientExtension::server_name(b"example.com"),
                ClientExtension::ExtendedMasterSecret,
                ClientExtension::EncryptThenMac,
                ClientExtension::SignatureAlgorithms(vec![
                    SignatureScheme::RSA_PKCS1_SHA256,
                    SignatureScheme::RSA_PKCS1_SHA1,
                ]),
            ],
        }
    }

    const CLIENT_HELLO_HEX: &str = "
        01 000059
        0303
        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
        00
        000a 002f 0035 003c 003d 00ff
        01 00
        0026
          0000 0010 000e 00 000b 6578616d706c652e636f6d
          0017 0000
          0016 0000
          000d 0006 0004 0401 0201";

    fn server_hello() -> ServerHelloPayload {
        ServerHelloPayload {
            server_version: V12,
            random: Random([0x11; 32]),
            session_id: SessionId::new(&[0x22; 32]).unwrap(),
            cipher_suite: CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
            compression_method: Compression::NULL,
            extensions: vec![
                ServerExtension::RenegotiationInfo(vec![]),
                ServerExtension::ExtendedMasterSecret,
                ServerExtension::EncryptThenMac,
            ],
        }
    }

    fn server_hello_hex() -> String {
        String::from("02 000055 0303")
            + &"11".repeat(32)
            + "20"
            + &"22".repeat(32)
            + "002f 00 000d ff01 0001 00 0017 0000 0016 0000"
    }

    /// A bare TLS 1.0 ServerHello with no extensions block at all.
    fn server_hello_v10_hex() -> String {
        String::from("02 000026 0301") + &"33".repeat(32) + "00 0035 00"
    }

    /// Every message kind, with its canonical encoding, decodable under TLS 1.2.
    fn messages_v12() -> Vec<(HandshakeMessage, Vec<u8>)> {
        use HandshakePayload as P;
        vec![
            (
                HandshakeMessage::new(P::ClientHello(client_hello())),
                h(CLIENT_HELLO_HEX),
            ),
            (
                HandshakeMessage::new(P::ServerHello(server_hello())),
                h(&server_hello_hex()),
            ),
            (
                HandshakeMessage::new(P::ServerHello(ServerHelloPayload {
                    server_version: V10,
                    random: Random([0x33; 32]),
                    session_id: SessionId::EMPTY,
                    cipher_suite: CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
                    compression_method: Compression::NULL,
                    extensions: vec![],
                })),
                h(&server_hello_v10_hex()),
            ),
            (
                HandshakeMessage::new(P::Certificate(CertificatePayload(vec![
                    h("3003020101"),
                    h("30020500"),
                ]))),
                h("0b 000012 00000f 000005 3003020101 000004 30020500"),
            ),
            (
                HandshakeMessage::new(P::Certificate(CertificatePayload(vec![]))),
                h("0b 000003 000000"),
            ),
            (
                HandshakeMessage::new(P::CertificateRequest(CertificateRequestPayload {
                    certificate_types: vec![
                        ClientCertificateType::RSA_SIGN,
                        ClientCertificateType::ECDSA_SIGN,
                    ],
                    sigalgs: Some(vec![
                        SignatureScheme::RSA_PKCS1_SHA256,
                        SignatureScheme::RSA_PKCS1_SHA1,
                    ]),
                    authorities: vec![h("3000")],
                })),
                h("0d 00000f 02 01 40 0004 0401 0201 0004 0002 3000"),
            ),
            (HandshakeMessage::new(P::ServerHelloDone), h("0e 000000")),
            (HandshakeMessage::new(P::HelloRequest), h("00 000000")),
            (
                HandshakeMessage::new(P::ClientKeyExchange(ClientKeyExchangeRsa(h("deadbeef")))),
                h("10 000006 0004 deadbeef"),
            ),
            (
                HandshakeMessage::new(P::Finished(h("a0a1a2a3a4a5a6a7a8a9aaab"))),
                h("14 00000c a0a1a2a3a4a5a6a7a8a9aaab"),
            ),
            (
                HandshakeMessage::new(P::Unknown {
                    typ: HandshakeType::SERVER_KEY_EXCHANGE,
                    body: h("aabbcc"),
                }),
                h("0c 000003 aabbcc"),
            ),
            (
                HandshakeMessage::new(P::Unknown {
                    typ: HandshakeType(0x42),
                    body: vec![],
                }),
                h("42 000000"),
            ),
        ]
    }

    fn cert_request_v10() -> (HandshakeMessage, Vec<u8>) {
        (
            HandshakeMessage::new(HandshakePayload::CertificateRequest(
                CertificateRequestPayload {
                    certificate_types: vec![ClientCertificateType::RSA_SIGN],
                    sigalgs: None,
                    authorities: vec![],
                },
            )),
            h("0d 000004 01 01 0000"),
        )
    }

    #[test]
    fn messages_round_trip() {
        for (msg, bytes) in messages_v12() {
            assert_eq!(msg.get_encoding(), bytes, "{msg:?}");
            assert_eq!(
                HandshakeMessage::read_versioned(&bytes, V12),
                Ok(msg.clone())
            );
            assert_eq!(
                HandshakeMessage::peek_header(&bytes),
                Some((msg.typ, bytes.len() - HANDSHAKE_HEADER_LEN))
            );
        }
        let (msg, bytes) = cert_request_v10();
        assert_eq!(msg.get_encoding(), bytes);
        for v in [V10, ProtocolVersion::TLSV1_1] {
            assert_eq!(HandshakeMessage::read_versioned(&bytes, v), Ok(msg.clone()));
        }
        // The same bytes under TLS 1.2 read `0000` as an empty sigalgs list.
        assert_eq!(
            HandshakeMessage::read_versioned(&bytes, V12),
            Err(InvalidMessage::EmptyList("supported_signature_algorithms"))
        );
    }

    #[test]
    fn payload_codecs_round_trip() {
        let ch = client_hello();
        let body = &h(CLIENT_HELLO_HEX)[4..];
        assert_eq!(ch.get_encoding(), body);
        assert_eq!(ClientHelloPayload::read_bytes(body), Ok(ch.clone()));
        assert_eq!(ch.host_name(), Some(&b"example.com"[..]));
        assert_eq!(
            ch.find_extension(ExtensionType::ENCRYPT_THEN_MAC),
            Some(&ClientExtension::EncryptThenMac)
        );
        assert_eq!(ch.find_extension(ExtensionType::RENEGOTIATION_INFO), None);
        assert!(!ch.has_duplicate_extensions());

        let sh = server_hello();
        let body = &h(&server_hello_hex())[4..];
        assert_eq!(sh.get_encoding(), body);
        assert_eq!(ServerHelloPayload::read_bytes(body), Ok(sh.clone()));
        assert_eq!(
            sh.find_extension(ExtensionType::RENEGOTIATION_INFO),
            Some(&ServerExtension::RenegotiationInfo(vec![]))
        );
        assert_eq!(sh.session_id.as_slice(), &[0x22; 32]);

        let r = Random([7; 32]);
        assert_eq!(Random::read_bytes(&r.get_encoding()), Ok(r));
        let ckx = ClientKeyExchangeRsa(vec![]);
        assert_eq!(ckx.get_encoding(), [0, 0]);
        assert_eq!(ClientKeyExchangeRsa::read_bytes(&[0, 0]), Ok(ckx));
    }

    #[test]
    fn session_id() {
        let id = SessionId::new(&[1, 2, 3]).unwrap();
        assert_eq!(id.as_slice(), &[1, 2, 3]);
        assert_eq!(id.len(), 3);
        assert!(!id.is_empty());
        assert_eq!(id.get_encoding(), [3, 1, 2, 3]);
        assert_eq!(SessionId::read_bytes(&[3, 1, 2, 3]), Ok(id));
        assert_eq!(SessionId::read_bytes(&[0]), Ok(SessionId::EMPTY));
        assert!(SessionId::EMPTY.is_empty());
        assert_eq!(SessionId::default(), SessionId::EMPTY);
        let max = SessionId::new(&[9; 32]).unwrap();
        assert_eq!(max.len(), 32);
        assert_eq!(
            SessionId::new(&[0; 33]),
            Err(InvalidMessage::TooLarge("SessionId"))
        );
        let mut long = vec![33u8];
        long.extend_from_slice(&[0; 33]);
        assert_eq!(
            SessionId::read_bytes(&long),
            Err(InvalidMessage::TooLarge("SessionId"))
        );
        check_truncations(&max.get_encoding(), SessionId::read_bytes);
        check_truncations(&[0u8; 32], Random::read_bytes);
        assert_eq!(alloc::format!("{id:?}"), "SessionId(010203)");
    }

    #[test]
    fn truncation_at_every_length_fails() {
        let mut all = messages_v12();
        all.push(cert_request_v10());
        for (msg, bytes) in &all {
            check_truncations(bytes, |b| {
                HandshakeMessage::read_versioned(b, msg_version(msg))
            });
        }
    }

    fn msg_version(msg: &HandshakeMessage) -> ProtocolVersion {
        match &msg.payload {
            HandshakePayload::CertificateRequest(c) if c.sigalgs.is_none() => V10,
            _ => V12,
        }
    }

    /// Truncating the body and fixing the header length to match must also fail, except at
    /// points where a shorter message is legitimately complete.
    #[test]
    fn reframed_body_truncation() {
        let mut all = messages_v12();
        all.push(cert_request_v10());
        for (msg, bytes) in &all {
            let v = msg_version(msg);
            let body = &bytes[4..];
            for n in 0..body.len() {
                let mut m = vec![bytes[0], 0, (n >> 8) as u8, n as u8];
                m.extend_from_slice(&body[..n]);
                let r = HandshakeMessage::read_versioned(&m, v);
                let may_succeed = match &msg.payload {
                    // Opaque bodies: any length is syntactically fine.
                    HandshakePayload::Finished(_) | HandshakePayload::Unknown { .. } => true,
                    // Hellos end legitimately right before the extensions block.
                    HandshakePayload::ClientHello(p) => {
                        n == body.len()
                            - 2
                            - p.extensions
                                .iter()
                                .map(|e| e.get_encoding().len())
                                .sum::<usize>()
                    }
                    HandshakePayload::ServerHello(p) => {
                        !p.extensions.is_empty()
                            && n == body.len()
                                - 2
                                - p.extensions
                                    .iter()
                                    .map(|e| e.get_encoding().len())
                                    .sum::<usize>()
                    }
                    _ => false,
                };
                if may_succeed {
                    let got = r.unwrap();
                    assert_eq!(got.get_encoding(), m);
                } else {
                    assert!(r.is_err(), "{msg:?} body cut to {n} decoded: {r:?}");
                }
            }
        }
    }

    #[test]
    fn trailing_bytes_rejected() {
        for (msg, bytes) in messages_v12() {
            // after the message
            let mut m = bytes.clone();
            m.push(0);
            assert_eq!(
                HandshakeMessage::read_versioned(&m, V12),
                Err(InvalidMessage::TrailingData("handshake message"))
            );
            // inside the body, with the length covering it
            let mut m = bytes.clone();
            m.push(0);
            let len = (bytes.len() - 3) as u32;
            m[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
            let r = HandshakeMessage::read_versioned(&m, V12);
            match msg.payload {
                HandshakePayload::Finished(_) | HandshakePayload::Unknown { .. } => {
                    assert!(r.is_ok())
                }
                // the extra byte starts a (truncated) extensions block
                HandshakePayload::ServerHello(ref p) if p.extensions.is_empty() => {
                    assert_eq!(r, Err(InvalidMessage::MissingData("extensions")))
                }
                _ => assert!(
                    matches!(
                        r,
                        Err(InvalidMessage::TrailingData(_) | InvalidMessage::MissingData(_))
                    ),
                    "{msg:?}: {r:?}"
                ),
            }
        }
        assert_eq!(
            HandshakeMessage::read_versioned(&h("0e 000001 00"), V12),
            Err(InvalidMessage::TrailingData("ServerHelloDone"))
        );
        assert_eq!(
            HandshakeMessage::read_versioned(&h("10 000003 0001 aa 00"), V12),
            Err(InvalidMessage::TrailingData("handshake message"))
        );
        assert_eq!(
            HandshakeMessage::read_versioned(&h("10 000004 0001 aa 00"), V12),
            Err(InvalidMessage::TrailingData("ClientKeyExchange"))
        );
    }

    #[test]
    fn duplicate_extensions_rejected() {
        let mut ch = client_hello();
        ch.extensions.push(ClientExtension::ExtendedMasterSecret);
        assert!(ch.has_duplicate_extensions());
        let m = HandshakeMessage::new(HandshakePayload::ClientHello(ch)).get_encoding();
        assert_eq!(
            HandshakeMessage::read_versioned(&m, V12),
            Err(InvalidMessage::DuplicateExtension(23))
        );

        // Two unknown extensions of the same type are duplicates too.
        let mut ch = client_hello();
        for _ in 0..2 {
            ch.extensions.push(ClientExtension::Unknown {
                typ: ExtensionType(0x7777),
                data: vec![],
            });
        }
        assert_eq!(
            ClientHelloPayload::read_bytes(&ch.get_encoding()),
            Err(InvalidMessage::DuplicateExtension(0x7777))
        );

        let mut sh = server_hello();
        sh.extensions
            .push(ServerExtension::RenegotiationInfo(vec![1]));
        assert!(sh.has_duplicate_extensions());
        assert_eq!(
            ServerHelloPayload::read_bytes(&sh.get_encoding()),
            Err(InvalidMessage::DuplicateExtension(0xff01))
        );
    }

    #[test]
    fn unknown_values_preserved() {
        let mut ch = client_hello();
        ch.client_version = ProtocolVersion(0x7f1c);
        ch.cipher_suites = vec![
            CipherSuite(0x1301),
            CipherSuite::TLS_FALLBACK_SCSV,
            CipherSuite(0xeaea),
        ];
        ch.compression_methods = vec![Compression(0x40), Compression::NULL];
        ch.extensions.push(ClientExtension::Unknown {
            typ: ExtensionType(0x0a0a),
            data: vec![0],
        });
        ch.extensions.push(ClientExtension::MaxFragmentLength(
            MaxFragmentLength::LEN_2048,
        ));
        let bytes = ch.get_encoding();
        let back = ClientHelloPayload::read_bytes(&bytes).unwrap();
        assert_eq!(back.client_version, ProtocolVersion(0x7f1c));
        assert_eq!(back.cipher_suites[0], CipherSuite(0x1301));
        assert_eq!(back.cipher_suites[2], CipherSuite(0xeaea));
        assert_eq!(back.compression_methods[0], Compression(0x40));
        assert_eq!(
            back.find_extension(ExtensionType(0x0a0a)),
            Some(&ClientExtension::Unknown {
                typ: ExtensionType(0x0a0a),
                data: vec![0]
            })
        );
        assert_eq!(back, ch);

        let m = HandshakeMessage::read_versioned(&h("04 000002 abcd"), V12).unwrap();
        assert_eq!(m.typ, HandshakeType::NEW_SESSION_TICKET);
        assert_eq!(
            m.payload,
            HandshakePayload::Unknown {
                typ: HandshakeType::NEW_SESSION_TICKET,
                body: vec![0xab, 0xcd]
            }
        );
    }

    #[test]
    fn hello_shape_errors() {
        // body: version, random, empty session id, then the part under test
        let prefix = String::from("0303") + &"00".repeat(32) + "00";
        let ch = |rest: &str| ClientHelloPayload::read_bytes(&h(&(prefix.clone() + rest)));
        assert_eq!(
            ch("0000 0100"),
            Err(InvalidMessage::EmptyList("cipher_suites"))
        );
        assert_eq!(
            ch("0003 002f00 0100"),
            Err(InvalidMessage::BadListLength("cipher_suites"))
        );
        assert_eq!(ch("ffff"), Err(InvalidMessage::TooLarge("cipher_suites")));
        assert_eq!(
            ch("0002 002f 00"),
            Err(InvalidMessage::EmptyList("compression_methods"))
        );
        assert!(ch("0002 002f 0100").is_ok());
        // An empty extensions block is allowed and decodes to no extensions.
        let empty_block = ch("0002 002f 0100 0000").unwrap();
        assert!(empty_block.extensions.is_empty());
        assert_eq!(
            ch("0002 002f 0100 00"),
            Err(InvalidMessage::MissingData("extensions"))
        );
        // Extensions list longer than the remaining body
        assert_eq!(
            ch("0002 002f 0100 0005 0017 0000"),
            Err(InvalidMessage::MissingData("extensions"))
        );
        // Session id over 32
        let bad =
            String::from("0303") + &"00".repeat(32) + "21" + &"00".repeat(33) + "0002002f0100";
        assert_eq!(
            ClientHelloPayload::read_bytes(&h(&bad)),
            Err(InvalidMessage::TooLarge("SessionId"))
        );
    }

    fn cert_msg(certs: &[usize]) -> Vec<u8> {
        HandshakeMessage::new(HandshakePayload::Certificate(CertificatePayload(
            certs.iter().map(|&n| vec![0x30; n]).collect(),
        )))
        .get_encoding()
    }

    #[test]
    fn certificate_caps() {
        // A chain of exactly MAX_CERTIFICATE_CHAIN_LEN fits in MAX_HANDSHAKE_MESSAGE_LEN.
        let each = MAX_CERTIFICATE_CHAIN_LEN / 2 - 3;
        assert!(each <= MAX_CERTIFICATE_LEN);
        let m = cert_msg(&[each, each]);
        assert_eq!(m.len(), MAX_HANDSHAKE_MESSAGE_LEN);
        let got = HandshakeMessage::read_versioned(&m, V12).unwrap();
        assert!(matches!(got.payload, HandshakePayload::Certificate(ref c) if c.0.len() == 2));

        // One byte more: the handshake message cap trips first.
        let m = cert_msg(&[each, each + 1]);
        assert_eq!(
            HandshakeMessage::read_versioned(&m, V12),
            Err(InvalidMessage::TooLarge("handshake message"))
        );
        // ... and the chain cap on its own.
        let body = &m[4..];
        assert_eq!(
            CertificatePayload::read_bytes(body),
            Err(InvalidMessage::TooLarge("certificate_list"))
        );

        // One certificate over the per-certificate cap.
        let m = cert_msg(&[MAX_CERTIFICATE_LEN + 1]);
        assert_eq!(
            HandshakeMessage::read_versioned(&m, V12),
            Err(InvalidMessage::TooLarge("ASN.1Cert"))
        );
        assert!(HandshakeMessage::read_versioned(&cert_msg(&[MAX_CERTIFICATE_LEN]), V12).is_ok());

        // Too many certificates.
        let ok = cert_msg(&[10; MAX_CERTIFICATES]);
        assert!(HandshakeMessage::read_versioned(&ok, V12).is_ok());
        let m = cert_msg(&[10; MAX_CERTIFICATES + 1]);
        assert_eq!(
            HandshakeMessage::read_versioned(&m, V12),
            Err(InvalidMessage::TooLarge("certificate_list"))
        );

        // Empty certificate in the list.
        assert_eq!(
            CertificatePayload::read_bytes(&h("000003 000000")),
            Err(InvalidMessage::EmptyList("ASN.1Cert"))
        );
        // A header announcing 16 MiB is refused before anything is buffered.
        assert_eq!(
            HandshakeMessage::read_versioned(&h("0b ffffff"), V12),
            Err(InvalidMessage::TooLarge("handshake message"))
        );
        assert_eq!(
            HandshakeMessage::peek_header(&h("0b ffffff")),
            Some((HandshakeType::CERTIFICATE, 0xff_ffff))
        );
        assert_eq!(HandshakeMessage::peek_header(&h("0b ffff")), None);
    }

    #[test]
    fn certificate_request_shape() {
        let rd = |s: &str, v| CertificateRequestPayload::read_versioned(&mut Reader::new(&h(s)), v);
        assert_eq!(
            rd("00", V10),
            Err(InvalidMessage::EmptyList("certificate_types"))
        );
        assert_eq!(
            rd("01 01 0003 040102 0000", V12),
            Err(InvalidMessage::BadListLength(
                "supported_signature_algorithms"
            ))
        );
        assert_eq!(
            rd("01 01 0002 0000", V10),
            Err(InvalidMessage::EmptyList("DistinguishedName"))
        );
        assert_eq!(
            rd("01 01 0003 0002 30", V10),
            Err(InvalidMessage::MissingData("DistinguishedName"))
        );
    }

    /// A hello carrying `n` empty extensions of distinct unknown types.
    fn hello_with_extensions(typ: HandshakeType, n: usize) -> Vec<u8> {
        let mut body = h("0303");
        body.extend_from_slice(&[0x11; 32]);
        body.push(0); // session id
        if typ == HandshakeType::CLIENT_HELLO {
            body.extend_from_slice(&h("0004 002f 00ff 01 00"));
        } else {
            body.extend_from_slice(&h("002f 00"));
        }
        let exts: Vec<u8> = (0..n)
            .flat_map(|i| [(0x1000 + i as u16).to_be_bytes(), [0, 0]].concat())
            .collect();
        put_vec(&mut body, ListLength::U16, &exts);
        let mut msg = vec![typ.get()];
        put_vec(&mut msg, ListLength::U24, &body);
        msg
    }

    /// Memory amplification found with the alloc_bound fuzz target's crafted inputs: 16,000
    /// empty extensions in a 64 KiB ServerHello made decoding peak at 921,265 heap bytes
    /// (32-byte entries, doubled while growing). Now capped at MAX_HELLO_EXTENSIONS.
    #[test]
    fn hello_extension_count_is_capped() {
        for typ in [HandshakeType::CLIENT_HELLO, HandshakeType::SERVER_HELLO] {
            let ok = hello_with_extensions(typ, MAX_HELLO_EXTENSIONS);
            let msg = HandshakeMessage::read_versioned(&ok, V12).unwrap();
            let n = match msg.payload {
                HandshakePayload::ClientHello(p) => p.extensions.len(),
                HandshakePayload::ServerHello(p) => p.extensions.len(),
                other => panic!("{other:?}"),
            };
            assert_eq!(n, MAX_HELLO_EXTENSIONS);
            for n in [MAX_HELLO_EXTENSIONS + 1, 16_000] {
                let bad = hello_with_extensions(typ, n);
                assert_eq!(
                    HandshakeMessage::read_versioned(&bad, V12),
                    Err(InvalidMessage::TooLarge("extensions")),
                    "{typ:?} with {n} extensions"
                );
            }
        }
    }

    /// Same for CertificateRequest: 21,000 one-byte names (`0001 30` each) made decoding
    /// peak at 1,332,116 heap bytes. Now capped at MAX_CERTIFICATE_AUTHORITIES.
    #[test]
    fn certificate_authorities_count_is_capped() {
        let request = |n: usize| {
            let mut body = h("01 01 0002 0401");
            let names = [0u8, 1, 0x30].repeat(n);
            put_vec(&mut body, ListLength::U16, &names);
            let mut msg = vec![HandshakeType::CERTIFICATE_REQUEST.get()];
            put_vec(&mut msg, ListLength::U24, &body);
            msg
        };
        let ok = HandshakeMessage::read_versioned(&request(MAX_CERTIFICATE_AUTHORITIES), V12);
        match ok.unwrap().payload {
            HandshakePayload::CertificateRequest(r) => {
                assert_eq!(r.authorities.len(), MAX_CERTIFICATE_AUTHORITIES);
                assert_eq!(r.authorities[0], [0x30]);
            }
            other => panic!("{other:?}"),
        }
        for n in [MAX_CERTIFICATE_AUTHORITIES + 1, 21_000] {
            assert_eq!(
                HandshakeMessage::read_versioned(&request(n), V12),
                Err(InvalidMessage::TooLarge("certificate_authorities")),
                "{n} names"
            );
        }
    }

    #[test]
    fn mutants() {
        let mut seeds12 = Vec::new();
        for (_, bytes) in messages_v12() {
            seeds12.push(bytes);
        }
        let (ok, err) = check_mutants(
            &seeds12,
            6000,
            11,
            |b| HandshakeMessage::read_versioned(b, V12),
            HandshakeMessage::get_encoding,
        );
        assert!(ok > 100 && err > 1000, "ok {ok} err {err}");

        let seeds10 = vec![cert_request_v10().1, h(&server_hello_v10_hex())];
        check_mutants(
            &seeds10,
            2000,
            12,
            |b| HandshakeMessage::read_versioned(b, V10),
            HandshakeMessage::get_encoding,
        );

        check_codec_mutants::<ClientHelloPayload>(&[h(CLIENT_HELLO_HEX)[4..].to_vec()], 3000, 13);
        check_codec_mutants::<ServerHelloPayload>(
            &[h(&server_hello_hex())[4..].to_vec()],
            2000,
            14,
        );
        check_codec_mutants::<CertificatePayload>(
            &[h("00000f 000005 3003020101 000004 30020500")],
            2000,
            15,
        );
    }
}
