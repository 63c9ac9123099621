//! ANSI colour, only on a terminal and only when `NO_COLOR` is unset (<https://no-color.org>).

use std::io::IsTerminal;

/// Applies colours, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Colour on or off explicitly.
    pub fn new(on: bool) -> Self {
        Self { on }
    }

    /// Whether this style colours anything.
    pub fn enabled(self) -> bool {
        self.on
    }

    /// Whether to colour a stream: it is a terminal and `NO_COLOR` is unset or empty.
    pub fn for_stream(is_terminal: bool) -> bool {
        is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// Colour decision for stdout.
    pub fn stdout() -> bool {
        Self::for_stream(std::io::stdout().is_terminal())
    }

    /// Colour decision for stderr.
    pub fn stderr() -> bool {
        Self::for_stream(std::io::stderr().is_terminal())
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Hex bytes.
    pub fn hex(self, s: &str) -> String {
        self.paint("36", s)
    }

    /// Field names.
    pub fn field(self, s: &str) -> String {
        self.paint("1", s)
    }

    /// Explanations and less important text.
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }

    /// Headings.
    pub fn head(self, s: &str) -> String {
        self.paint("1;34", s)
    }

    /// Good verdicts.
    pub fn good(self, s: &str) -> String {
        self.paint("32", s)
    }

    /// Bad verdicts and errors.
    pub fn bad(self, s: &str) -> String {
        self.paint("1;31", s)
    }

    /// Secrets and warnings.
    pub fn warn(self, s: &str) -> String {
        self.paint("33", s)
    }
}
