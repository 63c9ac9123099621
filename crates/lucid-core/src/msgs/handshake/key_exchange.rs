//! The key-exchange messages (RFC 5246 §7.4.3, §7.4.7, RFC 8422 §5.4, §5.7):
//! ServerKeyExchange and its params, ClientKeyExchange, and the `digitally-signed` struct
//! they and CertificateVerify carry.

use alloc::vec::Vec;

use crate::codec::{Codec, InvalidMessage, ListLength, Reader, put_vec};
use crate::msgs::enums::{EcCurveType, NamedGroup, ProtocolVersion, SignatureScheme};

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
