//! Handshake protocol messages (RFC 2246 / 4346 / 5246 §7.4, RFC 8422 §5).
//!
//! A handshake message is `msg_type(1) || length(3) || body` ([`HandshakeMessage`]). lucid
//! decodes the messages its handshakes use into typed payloads (the two key-exchange
//! messages stay raw until the suite's key exchange reads them); every other type
//! (CertificateVerify, NewSessionTicket, ...) is kept as
//! [`HandshakePayload::Unknown`] so the state machine can reject it with a typed error that
//! names it.
//!
//! # Limits
//!
//! This is the one place lucid's handshake size caps and the memory they bound are
//! documented; the record layer (`record::joiner`), the fuzzing bounds
//! (`crate::fuzzing`, `fuzz/README.md`) and the connection docs link here. Every
//! peer-controlled length is checked before anything is allocated for it.
//!
//! | what | cap | why |
//! |---|---|---|
//! | ClientHello body | [`MAX_CLIENT_HELLO_BODY`] = 131,396 B | the largest body the syntax allows (version 2, random 32, session id 1 + 32, suites 2 + 65,534, compression 1 + 255, extensions 2 + 65,535); OpenSSL's `CLIENT_HELLO_MAX_LENGTH` is the same figure. Only a server's joiner buffers one this large. |
//! | ServerHello body | [`MAX_SERVER_HELLO_BODY`] = 65,607 B | its syntax maximum (an extensions block of 65,535 bytes) |
//! | any other handshake message | [`MAX_HANDSHAKE_MESSAGE_LEN`] = 65,543 B with header | a Certificate carrying the largest chain |
//! | certificate chain | [`MAX_CERTIFICATE_CHAIN_LEN`] = 64 KiB, [`MAX_CERTIFICATES`] = 10, [`MAX_CERTIFICATE_LEN`] = 32 KiB each | path building needs no more |
//! | CertificateRequest names | [`MAX_CERTIFICATE_AUTHORITIES`] = 1,024 | each costs a 24-byte vector for 3 wire bytes |
//! | hello extensions | no count cap: unknown ones are skipped, not stored ([`UnknownExtensions`] keeps a count and the first type); each type lucid acts on is decoded at most once (a second one is [`InvalidMessage::DuplicateExtension`]) | a hello with 16,383 empty extensions costs nothing beyond its bytes |
//! | reassembly buffer | the largest message allowed plus one plaintext record: 81,995 B (client: a maximal ServerHello), 147,784 B (server) | `record::joiner` |
//!
//! Memory: a decoded message never holds more than a small multiple of its wire size,
//! because every list lucid stores keeps the wire's element size (2-byte suites and
//! signature schemes, byte vectors) or is capped by count. While one message is decoded the
//! joiner holds its bytes, so the peak for a ClientHello at the cap is the joiner
//! (147,784 B) plus the decoded suites (65,534 B) plus the record buffers; the measured
//! per-connection peaks are `crate::fuzzing::ALLOC_BOUND_SERVER` and
//! `crate::fuzzing::ALLOC_BOUND_CLIENT`.

use alloc::vec::Vec;
use core::fmt;

use crate::codec::{
    Codec, InvalidMessage, LengthPrefixedBuffer, ListLength, Reader, put_list, put_vec, read_list,
};
use crate::msgs::enums::{
    CipherSuite, ClientCertificateType, Compression, EcCurveType, ExtensionType, HandshakeType,
    NamedGroup, ProtocolVersion, ServerNameType, SignatureScheme,
};
use crate::msgs::extensions::{
    ClientExtension, HelloExtension, SIGALGS_LEN, ServerExtension, first_duplicate,
    read_u16_elements,
};

/// Length of the handshake message header: `msg_type(1) || length(3)`.
pub(crate) const HANDSHAKE_HEADER_LEN: usize = 4;

const MAX_CERTIFICATE_LEN_U32: u32 = 32 * 1024;
const MAX_CERTIFICATE_CHAIN_LEN_U32: u32 = 64 * 1024;

/// Largest single DER certificate lucid accepts in a Certificate message (32 KiB).
///
/// Real certificates are 1–8 KiB; even ones with hundreds of subjectAltNames stay well
/// under this.
#[allow(
    dead_code,
    reason = "the documented limit in bytes; decoding uses the u32 form"
)]
pub(crate) const MAX_CERTIFICATE_LEN: usize = MAX_CERTIFICATE_LEN_U32 as usize;

/// Largest `certificate_list` (the u24-prefixed list body, including each certificate's
/// 3-byte length) lucid accepts (64 KiB).
pub(crate) const MAX_CERTIFICATE_CHAIN_LEN: usize = MAX_CERTIFICATE_CHAIN_LEN_U32 as usize;

/// Most certificates lucid accepts in one Certificate message (end entity plus
/// intermediates; path building needs no more).
pub(crate) const MAX_CERTIFICATES: usize = 10;

/// Most `certificate_authorities` names lucid decodes in one CertificateRequest (real
/// servers send up to a few hundred). Each costs a 24-byte vector for as few as 3 wire
/// bytes; uncapped, a 64 KiB message would take ~1.3 MB.
pub(crate) const MAX_CERTIFICATE_AUTHORITIES: usize = 1024;

/// Largest handshake message other than a ClientHello lucid accepts, header included.
///
/// Sized so that a Certificate message whose chain is exactly
/// [`MAX_CERTIFICATE_CHAIN_LEN`] fits: header (4) + `certificate_list` length (3) + chain.
/// Every other message lucid decodes is far smaller. Handshake reassembly refuses to
/// buffer a message whose header announces more than [`max_body_len`] allows (see
/// [`HandshakeMessage::peek_header`]).
pub(crate) const MAX_HANDSHAKE_MESSAGE_LEN: usize =
    HANDSHAKE_HEADER_LEN + 3 + MAX_CERTIFICATE_CHAIN_LEN;

/// Largest ClientHello body lucid accepts: 131,396 bytes, every field at its maximum
/// (2 + 32 + 1 + 32 + 2 + 65,534 + 1 + 255 + 2 + 65,535) — so no ClientHello the RFCs allow
/// is refused for its size. The same figure as OpenSSL's `CLIENT_HELLO_MAX_LENGTH`
/// (`ssl/statem/statem_srvr.c`). See the [module docs](self#limits).
pub(crate) const MAX_CLIENT_HELLO_BODY: usize = 131_396;

/// Largest ServerHello body lucid accepts: 65,607 bytes, every field at its maximum
/// (2 + 32 + 1 + 32 + 2 + 1 + 2 + 65,535), so a ServerHello with any extensions block is
/// decoded (and its unsolicited extensions refused by name). See the
/// [module docs](self#limits).
pub(crate) const MAX_SERVER_HELLO_BODY: usize = 65_607;

/// Largest body accepted for a handshake message of type `typ`: [`MAX_CLIENT_HELLO_BODY`]
/// for a ClientHello, [`MAX_SERVER_HELLO_BODY`] for a ServerHello,
/// `MAX_HANDSHAKE_MESSAGE_LEN - HANDSHAKE_HEADER_LEN` for the rest.
pub(crate) fn max_body_len(typ: HandshakeType) -> usize {
    match typ {
        HandshakeType::CLIENT_HELLO => MAX_CLIENT_HELLO_BODY,
        HandshakeType::SERVER_HELLO => MAX_SERVER_HELLO_BODY,
        _ => MAX_HANDSHAKE_MESSAGE_LEN - HANDSHAKE_HEADER_LEN,
    }
}

/// `CipherSuite cipher_suites<2..2^16-2>`
const CIPHER_SUITES_LEN: ListLength = ListLength::U16_NONEMPTY.with_max(0xfffe);

/// Length of Finished `verify_data` for every cipher suite lucid supports (RFC 5246 §7.4.9,
/// RFC 2246 §7.4.9).
pub(crate) const VERIFY_DATA_LEN: usize = 12;

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

/// Certificate (RFC 5246 §7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`, each
/// `opaque ASN.1Cert<1..2^24-1>`, sender's certificate first.
///
/// Decoding enforces `MAX_CERTIFICATE_CHAIN_LEN`, `MAX_CERTIFICATE_LEN` and
/// `MAX_CERTIFICATES` with [`InvalidMessage::TooLarge`]. The certificates are not parsed
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

/// A ClientKeyExchange body (RFC 5246 §7.4.7), kept as received: its syntax depends on the
/// suite's key exchange, which the message decoder does not know. The state machine reads
/// it with [`Self::rsa`] or [`Self::ecdh`]; both reject trailing bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchangePayload(pub Vec<u8>);

impl ClientKeyExchangePayload {
    /// RSA key exchange (§7.4.7.1): the `EncryptedPreMasterSecret`, u16-prefixed (TLS 1.0
    /// and later always send the prefix; only SSLv3 omitted it).
    pub fn from_rsa(encrypted_pre_master: &[u8]) -> Self {
        let mut body = Vec::with_capacity(encrypted_pre_master.len() + 2);
        put_vec(&mut body, ListLength::U16, encrypted_pre_master);
        Self(body)
    }

    /// ECDHE (RFC 8422 §5.7): `ECPoint ecdh_Yc`, `opaque point <1..2^8-1>`.
    pub fn from_ecdh(public: &[u8]) -> Self {
        let mut body = Vec::with_capacity(public.len() + 1);
        put_vec(&mut body, ListLength::U8, public);
        Self(body)
    }

    /// The RSA-encrypted pre-master secret.
    ///
    /// Any length is accepted, including zero: the server must treat a wrong-sized
    /// ciphertext exactly like a bad decryption (random pre-master secret, no early error),
    /// so the length is the key exchange's business, not the codec's. The ciphertext is not
    /// secret.
    pub fn rsa(&self) -> Result<&[u8], InvalidMessage> {
        let mut r = Reader::new(&self.0);
        let ct = r.vec(ListLength::U16, "EncryptedPreMasterSecret")?;
        r.expect_empty("ClientKeyExchange")?;
        Ok(ct)
    }

    /// DHE (RFC 5246 §7.4.7.2): `opaque dh_Yc<1..2^16-1>`.
    pub fn from_dh(public: &[u8]) -> Self {
        let mut body = Vec::with_capacity(public.len() + 2);
        put_vec(&mut body, ListLength::U16, public);
        Self(body)
    }

    /// The client's DH public value (its range is the key exchange's business).
    pub fn dh(&self) -> Result<&[u8], InvalidMessage> {
        let mut r = Reader::new(&self.0);
        let y = r.vec(ListLength::U16_NONEMPTY, "dh_Yc")?;
        r.expect_empty("ClientKeyExchange")?;
        Ok(y)
    }

    /// The client's ephemeral ECDH public value (the point's validity is the key
    /// exchange's business).
    pub fn ecdh(&self) -> Result<&[u8], InvalidMessage> {
        let mut r = Reader::new(&self.0);
        let point = r.vec(ListLength::U8_NONEMPTY, "ECPoint")?;
        r.expect_empty("ClientKeyExchange")?;
        Ok(point)
    }
}

/// The signed part of a ServerKeyExchange for ECDHE (RFC 8422 §5.4): `ServerECDHParams`
/// (curve type, named group, public point) followed by a `digitally-signed` struct whose
/// algorithm field exists only from TLS 1.2 on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEcdhParams {
    /// Must be `named_curve` (explicit curves are deprecated and refused).
    pub curve_type: EcCurveType,
    /// The group.
    pub group: NamedGroup,
    /// The server's ephemeral public value (`opaque point <1..2^8-1>`).
    pub public: Vec<u8>,
}

impl ServerEcdhParams {
    /// Encodes the params: exactly the bytes the signature covers after the two randoms.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.curve_type.encode(out);
        self.group.encode(out);
        put_vec(out, ListLength::U8, &self.public);
    }
}

/// `ServerDHParams` (RFC 5246 §7.4.3) of a DHE ServerKeyExchange: the group and the
/// server's public value, each `opaque <1..2^16-1>`, big-endian.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerDhParams {
    /// The prime modulus `dh_p`.
    pub p: Vec<u8>,
    /// The generator `dh_g`.
    pub g: Vec<u8>,
    /// The server's public value `dh_Ys = g^x mod p`.
    pub ys: Vec<u8>,
}

impl ServerDhParams {
    /// Encodes the params: exactly the bytes the signature covers after the two randoms.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, ListLength::U16, &self.p);
        put_vec(out, ListLength::U16, &self.g);
        put_vec(out, ListLength::U16, &self.ys);
    }
}

/// `digitally-signed` (RFC 5246 §4.7): the SignatureAndHashAlgorithm (TLS 1.2 only) and the
/// signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// The algorithm; `None` on TLS 1.0/1.1, where it follows from the certificate's key
    /// (RSA: MD5‖SHA-1, ECDSA: SHA-1).
    pub scheme: Option<SignatureScheme>,
    /// The signature bytes (`opaque signature<0..2^16-1>`).
    pub signature: Vec<u8>,
}

impl DigitallySigned {
    /// Appends the encoding.
    pub fn encode(&self, out: &mut Vec<u8>) {
        if let Some(scheme) = self.scheme {
            scheme.encode(out);
        }
        put_vec(out, ListLength::U16, &self.signature);
    }

    /// Reads one; `version` decides whether the algorithm field is there.
    pub fn read_versioned(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        let scheme = if version >= ProtocolVersion::TLSV1_2 {
            Some(SignatureScheme::read(r)?)
        } else {
            None
        };
        Ok(Self {
            scheme,
            signature: r.vec(ListLength::U16, "signature")?.to_vec(),
        })
    }
}

/// A ServerKeyExchange body (RFC 5246 §7.4.3), kept as received: its syntax depends on the
/// key exchange. [`Self::ecdhe`] reads the ECDHE form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchangePayload(pub Vec<u8>);

impl ServerKeyExchangePayload {
    /// Builds the DHE form.
    pub fn from_dhe(params: &ServerDhParams, signed: &DigitallySigned) -> Self {
        let mut body = Vec::new();
        params.encode(&mut body);
        signed.encode(&mut body);
        Self(body)
    }

    /// Reads the DHE form at `version`: the params, their encoding (what the signature
    /// covers after the randoms) and the signature. Trailing bytes are an error.
    pub fn dhe(
        &self,
        version: ProtocolVersion,
    ) -> Result<(ServerDhParams, &[u8], DigitallySigned), InvalidMessage> {
        let mut r = Reader::new(&self.0);
        let p = r.vec(ListLength::U16_NONEMPTY, "dh_p")?.to_vec();
        let g = r.vec(ListLength::U16_NONEMPTY, "dh_g")?.to_vec();
        let ys = r.vec(ListLength::U16_NONEMPTY, "dh_Ys")?.to_vec();
        let params_len = self.0.len() - r.left();
        let signed = DigitallySigned::read_versioned(&mut r, version)?;
        r.expect_empty("ServerKeyExchange")?;
        let params_bytes = self.0.get(..params_len).unwrap_or_default();
        Ok((ServerDhParams { p, g, ys }, params_bytes, signed))
    }

    /// Builds the ECDHE form.
    pub fn from_ecdhe(params: &ServerEcdhParams, signed: &DigitallySigned) -> Self {
        let mut body = Vec::new();
        params.encode(&mut body);
        signed.encode(&mut body);
        Self(body)
    }

    /// Reads the ECDHE form at `version`: the params, the bytes they were encoded as
    /// (what the signature covers after the randoms) and the signature. Trailing bytes are
    /// an error.
    pub fn ecdhe(
        &self,
        version: ProtocolVersion,
    ) -> Result<(ServerEcdhParams, &[u8], DigitallySigned), InvalidMessage> {
        let mut r = Reader::new(&self.0);
        let curve_type = EcCurveType::read(&mut r)?;
        let group = NamedGroup::read(&mut r)?;
        let public = r.vec(ListLength::U8_NONEMPTY, "ECPoint")?.to_vec();
        let params_len = self.0.len() - r.left();
        let signed = DigitallySigned::read_versioned(&mut r, version)?;
        r.expect_empty("ServerKeyExchange")?;
        let params_bytes = self.0.get(..params_len).unwrap_or_default();
        Ok((
            ServerEcdhParams {
                curve_type,
                group,
                public,
            },
            params_bytes,
            signed,
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
    /// server_key_exchange(12), raw: decoded by the key exchange that expects it.
    ServerKeyExchange(ServerKeyExchangePayload),
    /// client_key_exchange(16), raw: decoded by the key exchange that expects it.
    ClientKeyExchange(ClientKeyExchangePayload),
    /// certificate_verify(15): the client's signature over the handshake messages so far
    /// (RFC 5246 §7.4.8), decoded at the negotiated version (the algorithm field is there
    /// from TLS 1.2 on).
    CertificateVerify(DigitallySigned),
    /// finished(20): `verify_data`, the whole body. `VERIFY_DATA_LEN` bytes for every
    /// lucid suite; the length is not checked here, so the state machine's (constant-time)
    /// comparison reports a wrong length as a bad Finished.
    Finished(Vec<u8>),
    /// Any type lucid does not decode (NewSessionTicket, unassigned numbers...), with its
    /// raw body.
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
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
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
            Self::CertificateVerify(p) => p.encode(out),
            Self::ServerKeyExchange(ServerKeyExchangePayload(v))
            | Self::ClientKeyExchange(ClientKeyExchangePayload(v))
            | Self::Finished(v)
            | Self::Unknown { body: v, .. } => out.extend_from_slice(v),
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
            HandshakeType::SERVER_KEY_EXCHANGE => {
                Self::ServerKeyExchange(ServerKeyExchangePayload(body.rest().to_vec()))
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                Self::ClientKeyExchange(ClientKeyExchangePayload(body.rest().to_vec()))
            }
            HandshakeType::CERTIFICATE_VERIFY => {
                Self::CertificateVerify(DigitallySigned::read_versioned(body, version)?)
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
    /// CertificateRequest format depends on it. A body longer than `max_body_len` allows
    /// is [`InvalidMessage::TooLarge`]; bytes after the body are
    /// [`InvalidMessage::TrailingData`], as are bytes the typed body decoder did not use.
    pub fn read_versioned(bytes: &[u8], version: ProtocolVersion) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r)?;
        // max_body_len is at most MAX_CLIENT_HELLO_BODY, which fits a u24.
        let max = u32::try_from(max_body_len(typ)).unwrap_or(0x00ff_ffff);
        let mut body = r.sub(ListLength::U24.with_max(max), "handshake message")?;
        r.expect_empty("handshake message")?;
        let payload = HandshakePayload::read_body(typ, &mut body, version)?;
        Ok(Self { typ, payload })
    }

    /// The value the encoder reproduces: this message without what decoding skipped (the
    /// [`UnknownExtensions`] of a hello, which are not stored and so not re-encoded). For
    /// round-trip checks: `decode(encode(m.canonical())) == m.canonical()`.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn canonical(mut self) -> Self {
        match &mut self.payload {
            HandshakePayload::ClientHello(p) => p.unknown_extensions = UnknownExtensions::default(),
            HandshakePayload::ServerHello(p) => p.unknown_extensions = UnknownExtensions::default(),
            _ => {}
        }
        self
    }

    /// Reads the header at the front of `bytes` without checking the body: `None` if fewer
    /// than `HANDSHAKE_HEADER_LEN` bytes are available, else the type and announced body
    /// length. The caller compares `len` against `max_body_len` before buffering.
    pub fn peek_header(bytes: &[u8]) -> Option<(HandshakeType, usize)> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r).ok()?;
        let len = r.u24("handshake header").ok()?;
        Some((typ, usize::try_from(len).ok()?))
    }
}

#[cfg(test)]
#[path = "handshake_test.rs"]
mod tests;
