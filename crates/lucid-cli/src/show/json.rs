//! `--json`: one JSON object per event per line, for other tools. Bytes are lowercase hex;
//! times are milliseconds since the connection started (`t_ms`).

use core::fmt::Write;

use lucid_core::trace::wire::HandshakePayload;
use lucid_core::trace::wire::ProtocolVersion;
use lucid_core::trace::wire::{ClientExtension, ServerExtension};
use lucid_core::trace::{Direction, ResumptionEvent};
use lucid_core::trace::{Event, KeyScheduleEvent};

use super::fields::describe_cert;
use super::{Ev, Stamped, hex};

/// A JSON string literal for `s` (RFC 8259 escaping).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Builds one JSON object, member by member.
#[derive(Debug, Default)]
pub struct Obj(String);

impl Obj {
    fn key(&mut self, k: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push_str(&string(k));
        self.0.push(':');
    }

    /// A string member.
    pub fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        self.0.push_str(&string(v));
        self
    }

    /// A member whose value is already JSON.
    pub fn raw(mut self, k: &str, json: &str) -> Self {
        self.key(k);
        self.0.push_str(json);
        self
    }

    /// A number member.
    pub fn num(self, k: &str, v: impl core::fmt::Display) -> Self {
        let s = v.to_string();
        self.raw(k, &s)
    }

    /// A boolean member.
    pub fn bool(self, k: &str, v: bool) -> Self {
        self.raw(k, if v { "true" } else { "false" })
    }

    /// A hex string member.
    pub fn hex(self, k: &str, v: &[u8]) -> Self {
        self.str(k, &hex::compact(v))
    }

    /// A member whose value is already JSON, only when there is one.
    pub fn raw_if(self, k: &str, json: Option<String>) -> Self {
        match json {
            Some(v) => self.raw(k, &v),
            None => self,
        }
    }

    /// The finished object.
    pub fn end(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// A JSON array of strings.
pub fn str_array<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let v: Vec<String> = items.into_iter().map(|s| string(s.as_ref())).collect();
    format!("[{}]", v.join(","))
}

fn dir(d: Direction) -> &'static str {
    match d {
        Direction::Sent => "sent",
        Direction::Received => "received",
    }
}

fn version(v: ProtocolVersion) -> String {
    v.to_string()
}

/// Renders one line per event (each ending in `\n`). `connection` numbers the connection
/// (for `--reconnect`).
pub fn render(events: &[Stamped], connection: usize) -> String {
    let mut out = String::new();
    for e in events {
        let o = Obj::default()
            .num("connection", connection)
            .num("t_ms", format!("{:.3}", e.at.as_secs_f64() * 1000.0));
        let line = event(o, &e.ev);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn event(o: Obj, ev: &Ev) -> String {
    match ev {
        Ev::TcpConnected { peer } => o.str("event", "tcp_connected").str("peer", peer).end(),
        Ev::Tls(Event::Record {
            dir: d,
            offset,
            typ,
            version: v,
            len,
            header,
            protected,
        }) => o
            .str("event", "record")
            .str("dir", dir(*d))
            .num("offset", offset)
            .str("content_type", &typ.to_string())
            .str("version", &version(*v))
            .num("length", len)
            .hex("header", header)
            .bool("protected", *protected)
            .end(),
        Ev::Tls(Event::Handshake { dir: d, msg, raw }) => {
            let o = o
                .str("event", "handshake")
                .str("dir", dir(*d))
                .str("msg_type", &msg.typ.to_string())
                .num("length", raw.len().saturating_sub(4))
                .hex("raw", raw);
            payload(o, &msg.payload).end()
        }
        Ev::Tls(Event::Sslv2ClientHello { raw }) => {
            o.str("event", "sslv2_client_hello").hex("raw", raw).end()
        }
        Ev::Tls(Event::ChangeCipherSpec { dir: d }) => o
            .str("event", "change_cipher_spec")
            .str("dir", dir(*d))
            .end(),
        Ev::Tls(Event::Alert {
            dir: d,
            level,
            description,
        }) => o
            .str("event", "alert")
            .str("dir", dir(*d))
            .str("level", &level.to_string())
            .str("description", &description.to_string())
            .end(),
        Ev::Tls(Event::ApplicationData { dir: d, len }) => o
            .str("event", "application_data")
            .str("dir", dir(*d))
            .num("length", len)
            .end(),
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::PreMasterSecret {
            len,
            client_version,
            secret,
        })) => {
            let o = o
                .str("event", "key_schedule")
                .str("step", "pre_master_secret")
                .num("length", len)
                .str("client_version", &version(*client_version));
            match secret.as_deref() {
                Some(s) => o.hex("secret", s).end(),
                None => o.end(),
            }
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::EcdhSharedSecret { group, len, secret })) => {
            let o = o
                .str("event", "key_schedule")
                .str("step", "ecdh_shared_secret")
                .str("group", &group.to_string())
                .num("length", len);
            match secret.as_deref() {
                Some(s) => o.hex("secret", s).end(),
                None => o.end(),
            }
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::DhSharedSecret {
            prime_bits,
            len,
            secret,
        })) => {
            let o = o
                .str("event", "key_schedule")
                .str("step", "dh_shared_secret")
                .num("prime_bits", prime_bits)
                .num("length", len);
            match secret.as_deref() {
                Some(s) => o.hex("secret", s).end(),
                None => o.end(),
            }
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::MasterSecret {
            label,
            seed_len,
            secret,
        })) => {
            let o = o
                .str("event", "key_schedule")
                .str("step", "master_secret")
                .str("label", label)
                .num("seed_length", seed_len)
                .bool("from_resumed_session", *seed_len == 0);
            match secret.as_deref() {
                Some(s) => o.hex("secret", s).end(),
                None => o.end(),
            }
        }
        Ev::Tls(Event::KeySchedule(KeyScheduleEvent::KeyBlock {
            len,
            mac_key_len,
            enc_key_len,
            iv_len,
        })) => o
            .str("event", "key_schedule")
            .str("step", "key_block")
            .str("label", "key expansion")
            .num("length", len)
            .num("mac_key_length", mac_key_len)
            .num("enc_key_length", enc_key_len)
            .num("iv_length", iv_len)
            .end(),
        Ev::Tls(Event::CertificateVerified { chain, server_name }) => {
            let o = o
                .str("event", "certificate_verified")
                .str("server_name", server_name);
            match chain {
                Some(c) => {
                    let certs: Vec<String> = c
                        .certificates
                        .iter()
                        .map(|x| {
                            Obj::default()
                                .str("subject", &x.subject)
                                .str("issuer", &x.issuer)
                                .str("not_before", &x.not_before.to_string())
                                .str("not_after", &x.not_after.to_string())
                                .str("signature_algorithm", &x.signature_algorithm.to_string())
                                .end()
                        })
                        .collect();
                    o.raw("path", &format!("[{}]", certs.join(",")))
                        .str("anchor", &c.anchor_subject())
                        .end()
                }
                None => o.str("verifier", "pinned leaf").end(),
            }
        }
        Ev::Tls(Event::Finished {
            dir: d,
            verify_data,
            transcript_hash,
            label,
        }) => o
            .str("event", "finished")
            .str("dir", dir(*d))
            .str("label", label)
            .hex("verify_data", verify_data)
            .hex("transcript_hash", transcript_hash)
            .end(),
        Ev::Tls(Event::Resumption(r)) => o
            .str("event", "resumption")
            .str(
                "outcome",
                match r {
                    ResumptionEvent::Offered => "offered",
                    ResumptionEvent::NotOffered => "not_offered",
                    ResumptionEvent::Resumed => "resumed",
                    ResumptionEvent::Declined => "declined",
                    ResumptionEvent::Stored => "stored",
                    _ => "unknown",
                },
            )
            .end(),
        Ev::Tls(Event::HandshakeComplete {
            version: v,
            suite,
            resumed,
        }) => o
            .str("event", "handshake_complete")
            .str("version", &version(*v))
            .str("cipher_suite", &suite.to_string())
            .bool("resumed", *resumed)
            .end(),
        Ev::Failed { reason } => o.str("event", "error").str("reason", reason).end(),
        Ev::Tls(other) => o
            .str("event", "other")
            .str("debug", &format!("{other:?}"))
            .end(),
    }
}

fn payload(o: Obj, p: &HandshakePayload) -> Obj {
    match p {
        HandshakePayload::ClientHello(ch) => o
            .str("client_version", &version(ch.client_version))
            .hex("random", &ch.random.0)
            .hex("session_id", ch.session_id.as_slice())
            .raw(
                "cipher_suites",
                &str_array(ch.cipher_suites.iter().map(ToString::to_string)),
            )
            .raw(
                "compression_methods",
                &str_array(ch.compression_methods.iter().map(ToString::to_string)),
            )
            .raw(
                "extensions",
                &str_array(ch.extensions.iter().map(|e| e.ext_type().to_string())),
            )
            .str(
                "server_name",
                &ch.extensions
                    .iter()
                    .find_map(|e| match e {
                        ClientExtension::ServerName(n) => n
                            .first()
                            .map(|x| String::from_utf8_lossy(&x.name).into_owned()),
                        _ => None,
                    })
                    .unwrap_or_default(),
            )
            // ALPN (RFC 7301), when offered: the names, non-ASCII bytes escaped.
            .raw_if(
                "alpn_protocols",
                ch.extensions.iter().find_map(|e| match e {
                    ClientExtension::Alpn(names) => Some(str_array(
                        names.iter().map(|n| n.escape_ascii().to_string()),
                    )),
                    _ => None,
                }),
            ),
        HandshakePayload::ServerHello(sh) => o
            .str("server_version", &version(sh.server_version))
            .hex("random", &sh.random.0)
            .hex("session_id", sh.session_id.as_slice())
            .str("cipher_suite", &sh.cipher_suite.to_string())
            .str("compression_method", &sh.compression_method.to_string())
            .raw(
                "extensions",
                &str_array(
                    sh.extensions
                        .iter()
                        .map(|e: &ServerExtension| e.ext_type().to_string()),
                ),
            )
            .str("secure_renegotiation", super::secure_renegotiation(sh))
            .raw_if(
                "alpn_protocol",
                sh.extensions.iter().find_map(|e| match e {
                    ServerExtension::Alpn(name) => Some(string(&name.escape_ascii().to_string())),
                    _ => None,
                }),
            ),
        HandshakePayload::Certificate(c) => {
            let certs: Vec<String> =
                c.0.iter()
                    .map(|der| {
                        let (subject, issuer) = describe_cert(der, None);
                        Obj::default()
                            .num("length", der.len())
                            .str("subject", &subject)
                            .str("issuer", &issuer)
                            .end()
                    })
                    .collect();
            o.raw("certificates", &format!("[{}]", certs.join(",")))
        }
        HandshakePayload::ClientKeyExchange(k) => match (k.rsa(), k.ecdh()) {
            (Ok(ct), _) => o
                .num("encrypted_pre_master_secret_length", ct.len())
                .hex("encrypted_pre_master_secret", ct),
            (_, Ok(point)) => o.hex("ecdh_public", point),
            _ => o.hex("body", &k.0),
        },
        HandshakePayload::ServerKeyExchange(k) => {
            let parsed = k
                .ecdhe(ProtocolVersion::TLSV1_2)
                .or_else(|_| k.ecdhe(ProtocolVersion::TLSV1_0));
            match parsed {
                Ok((params, _, signed)) => {
                    let o = o
                        .str("group", &params.group.to_string())
                        .hex("public", &params.public);
                    let o = match signed.scheme {
                        Some(s) => o.str("signature_algorithm", &s.to_string()),
                        None => o,
                    };
                    o.hex("signature", &signed.signature)
                }
                Err(_) => o.hex("body", &k.0),
            }
        }
        HandshakePayload::CertificateRequest(r) => {
            let o = o.raw(
                "certificate_types",
                &str_array(r.certificate_types.iter().map(ToString::to_string)),
            );
            let o = match &r.sigalgs {
                Some(s) => o.raw(
                    "signature_algorithms",
                    &str_array(s.iter().map(ToString::to_string)),
                ),
                None => o,
            };
            o.raw(
                "certificate_authorities",
                &str_array(
                    r.authorities
                        .iter()
                        .map(|dn| lucid_core::x509::name::name_to_string(dn)),
                ),
            )
        }
        HandshakePayload::CertificateVerify(v) => {
            let o = match v.scheme {
                Some(s) => o.str("signature_algorithm", &s.to_string()),
                None => o,
            };
            o.hex("signature", &v.signature)
        }
        HandshakePayload::Finished(v) => o.hex("verify_data", v),
        _ => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(string("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
        assert_eq!(Obj::default().end(), "{}");
        assert_eq!(
            Obj::default()
                .str("k", "v")
                .num("n", 3)
                .bool("b", false)
                .end(),
            r#"{"k":"v","n":3,"b":false}"#
        );
        assert_eq!(str_array(["x", "y"]), r#"["x","y"]"#);
    }
}
