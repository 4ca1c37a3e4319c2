//! The runtime datum.

use std::fmt;

use crate::{Decimal, Duration, Temporal};

/// A SQL value as the executor computes with it.
///
/// Strings are UTF-8 (`utf8mb4`); byte strings (BINARY/BLOB, or results of binary functions) are
/// `Bytes`. Integers keep their signedness so BIGINT UNSIGNED round-trips.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Signed integer (all signed integer types).
    Int(i64),
    /// Unsigned integer (UNSIGNED integer types).
    UInt(u64),
    /// FLOAT / DOUBLE.
    Double(f64),
    /// DECIMAL / NUMERIC, and literals like `1.5`.
    Decimal(Decimal),
    /// DATE / DATETIME / TIMESTAMP.
    Temporal(Temporal),
    /// TIME.
    Time(Duration),
    /// Character string.
    String(String),
    /// Byte string.
    Bytes(Vec<u8>),
}

impl Value {
    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value's text-protocol form (`None` for NULL), as MySQL prints it.
    pub fn to_text(&self) -> Option<Vec<u8>> {
        match self {
            Value::Null => None,
            Value::Bytes(b) => Some(b.clone()),
            other => Some(other.to_string().into_bytes()),
        }
    }
}

impl fmt::Display for Value {
    /// Prints the value as the MySQL text protocol does (NULL prints as `NULL`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "{u}"),
            Value::Double(d) => write_double(f, *d),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Temporal(t) => write!(f, "{t}"),
            Value::Time(d) => write!(f, "{d}"),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&String::from_utf8_lossy(b)),
        }
    }
}

/// MySQL prints doubles in the shortest form that round-trips, switching to exponent notation
/// (`1e20`, `1.5e-7`) outside `[1e-15, 1e15)` magnitudes as `%g`-like output does.
fn write_double(f: &mut fmt::Formatter<'_>, d: f64) -> fmt::Result {
    if d.is_nan() || d.is_infinite() {
        return f.write_str("NULL");
    }
    if d == 0.0 {
        return f.write_str("0");
    }
    let abs = d.abs();
    if (1e-15..1e15).contains(&abs) {
        write!(f, "{d}")
    } else {
        let s = format!("{d:e}");
        // Rust prints "1e20" / "1.5e-7"; MySQL prints "1e20" and "1.5e-7" too.
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_mysql_text_protocol() {
        assert_eq!(Value::Int(-3).to_string(), "-3");
        assert_eq!(Value::UInt(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Value::Double(1.5).to_string(), "1.5");
        assert_eq!(Value::Double(2.0).to_string(), "2");
        assert_eq!(Value::Double(1e20).to_string(), "1e20");
        assert_eq!(Value::Null.to_text(), None);
        assert_eq!(Value::String("é".into()).to_text(), Some("é".as_bytes().to_vec()));
    }
}
