//! The verdicts on a verified certificate chain, shared with the summary.

use lucid_core::x509::{Time, VerifiedChain};

use crate::show::{Options, Style};

/// A check and whether it passed: reads as `text`, the verdict, then `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What was checked.
    pub text: String,
    /// Whether it passed.
    pub ok: bool,
    /// Text after the verdict.
    pub after: String,
}

/// The checks of one certificate on the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertCheck {
    /// Its subject.
    pub subject: String,
    /// Its validity window against the time of the check.
    pub validity: Verdict,
    /// Its signature.
    pub signature: Verdict,
}

/// What the certificate check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// A pinned certificate, compared byte for byte.
    Pinned(Verdict),
    /// A path to a trust anchor.
    Path {
        /// When and for which name.
        header: String,
        /// Each certificate, leaf first.
        certs: Vec<CertCheck>,
        /// The anchor that ends the path.
        anchor: Verdict,
        /// The name check.
        name: Verdict,
    },
}

/// The checks behind a `CertificateVerified` event, at `opts.now`.
pub fn chain_check(chain: Option<&VerifiedChain>, server_name: &str, opts: &Options) -> ChainCheck {
    let verdict = |text: String, ok: bool, after: &str| Verdict {
        text,
        ok,
        after: after.to_string(),
    };
    let now = Time::from(opts.now);
    let Some(chain) = chain else {
        return ChainCheck::Pinned(verdict(
            "the certificate is byte for byte the pinned one".to_string(),
            true,
            "; no path, date or name checks",
        ));
    };
    let n = chain.certificates.len();
    let certs = chain
        .certificates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let key = if i + 1 < n {
                format!("the public key of [{}]", i + 1)
            } else {
                "the trust anchor's public key".to_string()
            };
            CertCheck {
                subject: c.subject.clone(),
                validity: verdict(
                    format!("valid {} .. {}: now is inside", c.not_before, c.not_after),
                    c.not_before <= now && now <= c.not_after,
                    "",
                ),
                signature: verdict(
                    format!(
                        "signed by {} ({}): signature verified with {key}",
                        c.issuer, c.signature_algorithm
                    ),
                    true,
                    "",
                ),
            }
        })
        .collect();
    // A server's check of a client certificate names no host: its purpose is checked.
    let client = server_name.is_empty();
    ChainCheck::Path {
        header: if client {
            format!("checked at {now} as a client certificate")
        } else {
            format!("checked at {now} for the name \"{server_name}\"")
        },
        certs,
        anchor: verdict(
            format!(
                "anchor: {}: in the trusted root store, so the path ends here",
                chain.anchor_subject()
            ),
            true,
            "",
        ),
        name: if client {
            verdict(
                "purpose: [0] may authenticate a TLS client (clientAuth, or no extendedKeyUsage) and sign (digitalSignature)".to_string(),
                true,
                "",
            )
        } else {
            verdict(
                format!("name: \"{server_name}\" is one of [0]'s subjectAltNames"),
                true,
                "",
            )
        },
    }
}

impl Verdict {
    /// "ok" or "NO".
    pub fn word(&self) -> &'static str {
        if self.ok { "ok" } else { "NO" }
    }

    fn line(&self, st: Style) -> String {
        let mark = if self.ok {
            st.good(self.word())
        } else {
            st.bad(self.word())
        };
        format!("{} {mark}{}", self.text, self.after)
    }
}

impl ChainCheck {
    /// The verdicts as lines of text (`--trace` and the summary).
    pub fn lines(&self, st: Style) -> Vec<String> {
        match self {
            Self::Pinned(v) => vec![v.line(st)],
            Self::Path {
                header,
                certs,
                anchor,
                name,
            } => {
                let mut v = vec![header.clone()];
                for (i, c) in certs.iter().enumerate() {
                    v.push(format!("[{i}] {}", st.field(&c.subject)));
                    v.push(format!("    {}", c.validity.line(st)));
                    v.push(format!("    {}", c.signature.line(st)));
                }
                v.push(anchor.line(st));
                v.push(name.line(st));
                v
            }
        }
    }
}

/// The verdict lines for a verified chain (shared with the summary).
pub fn chain_verdicts(
    chain: Option<&VerifiedChain>,
    server_name: &str,
    opts: &Options,
    st: Style,
) -> Vec<String> {
    chain_check(chain, server_name, opts).lines(st)
}
