//! The one registry of MySQL-facing errors.
//!
//! Every layer keeps its own typed errors; at the session boundary they become an [`Error`]: a MySQL
//! error code, its SQLSTATE and a message rendered from the code's template. Codes, states and
//! templates follow MySQL's `mysqld_error.h` and TiDB's `pkg/errno`, so clients and ORMs that
//! branch on codes (1062 duplicate, 1213 deadlock, 9007 write conflict …) behave as against TiDB.

mod codes;

pub use codes::*;

use std::fmt;

/// A registered error kind: code, SQLSTATE, TiDB-style name and message template.
///
/// Templates use `%s` / `%d` / `%u` placeholders as MySQL's do; [`Error::fmt`] fills them in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrCode {
    /// Numeric MySQL error code sent in the ERR packet.
    pub code: u16,
    /// Five-character SQLSTATE sent after the `#` marker.
    pub state: &'static str,
    /// TiDB's name for the error (`ErrDupEntry`), used in logs and the registry test.
    pub name: &'static str,
    /// Message template with `%s`-style placeholders.
    pub template: &'static str,
}

/// A MySQL-facing error: what an ERR packet carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Numeric MySQL error code.
    pub code: u16,
    /// Five-character SQLSTATE.
    pub state: &'static str,
    /// Human-readable message.
    pub message: String,
}

impl Error {
    /// Builds an error from a registered code, filling the template's placeholders with `args`.
    pub fn fmt(code: ErrCode, args: &[&dyn fmt::Display]) -> Self {
        Error { code: code.code, state: code.state, message: render(code.template, args) }
    }

    /// Builds an error with a free-form message (for codes whose template is just `%s`).
    pub fn msg(code: ErrCode, message: impl Into<String>) -> Self {
        Error { code: code.code, state: code.state, message: message.into() }
    }

    /// Whether this error means "the transaction was aborted; retry it" (deadlock, write conflict).
    pub fn is_retryable(&self) -> bool {
        matches!(self.code, 1205 | 1213 | 8002 | 9007)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {} ({}): {}", self.code, self.state, self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias used across the SQL-facing crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Fills `%s`, `%d`, `%u`, `%-.64s`-style placeholders in order; `%%` is a literal percent sign.
fn render(template: &str, args: &[&dyn fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        // Skip flags/width/precision ("-.64") up to the conversion letter.
        let mut conv = None;
        for d in chars.by_ref() {
            if d.is_ascii_alphabetic() {
                conv = Some(d);
                break;
            }
        }
        match (conv, args.next()) {
            (Some(_), Some(a)) => out.push_str(&a.to_string()),
            (Some(_), None) => {}
            (None, _) => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_template_in_order() {
        let e = Error::fmt(ER_NO_SUCH_TABLE, &[&"test", &"players"]);
        assert_eq!(e.code, 1146);
        assert_eq!(e.state, "42S02");
        assert_eq!(e.message, "Table 'test.players' doesn't exist");
    }

    #[test]
    fn renders_width_flags_and_percent() {
        assert_eq!(render("a %-.64s b %% %d", &[&"x", &7]), "a x b % 7");
    }

    #[test]
    fn registry_codes_are_unique_and_states_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert_eq!(c.state.len(), 5, "{}", c.name);
        }
    }
}
