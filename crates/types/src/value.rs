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
    /// A value as a double, parsing the numeric prefix of strings as MySQL does (`'12ab'` → 12).
    pub fn to_f64(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Int(i) => *i as f64,
            Value::UInt(u) => *u as f64,
            Value::Double(d) => *d,
            Value::Decimal(d) => d.to_f64(),
            Value::Temporal(t) => t.to_number(),
            Value::Time(d) => d.to_number(),
            Value::String(s) => parse_f64_prefix(s),
            Value::Bytes(b) => parse_f64_prefix(&String::from_utf8_lossy(b)),
        }
    }

    /// A value as a signed integer (doubles round half away from zero, strings by numeric prefix).
    pub fn to_i64(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            Value::UInt(u) => *u as i64,
            // Half to even, as MySQL (rint) and TiDB (RoundFloat) convert doubles.
            Value::Double(d) => d.round_ties_even() as i64,
            Value::Decimal(d) => {
                d.round_to_i128().clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
            }
            other => other.to_f64().round() as i64,
        }
    }

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

    /// The bytes the text protocol sends for this value in a column of type `field_type`
    /// (`None`: NULL). YEAR prints four digits (the zero year is `0000`); everything else prints
    /// as [`Display`](fmt::Display). The server writes rows with it, and the golden-file runner
    /// prints results with it.
    pub fn wire_text(&self, field_type: crate::FieldType) -> Option<std::borrow::Cow<'_, [u8]>> {
        use std::borrow::Cow;
        match self {
            Value::Null => None,
            Value::Int(y) if field_type == crate::FieldType::Year => {
                Some(Cow::Owned(format!("{y:04}").into_bytes()))
            }
            Value::String(s) => Some(Cow::Borrowed(s.as_bytes())),
            Value::Bytes(b) => Some(Cow::Borrowed(b)),
            other => Some(Cow::Owned(other.to_string().into_bytes())),
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

/// Whether `s` (spaces around it aside) is wholly a number: an integer when `integer`, else a
/// decimal or floating-point literal — what MySQL converts without a 1292 truncation warning.
pub fn is_numeric_text(s: &str, integer: bool) -> bool {
    let b = s.trim_matches(|c: char| c.is_ascii_whitespace()).as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut n = digits(&mut i);
    if !integer {
        if b.get(i) == Some(&b'.') {
            i += 1;
            n += digits(&mut i);
        }
        if n > 0 && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
            if digits(&mut i) == 0 {
                return false;
            }
        }
    }
    n > 0 && i == b.len()
}

/// Parses the longest numeric prefix of `s` (after leading spaces), 0 when there is none.
pub fn parse_f64_prefix(s: &str) -> f64 {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut end = 0;
    if end < b.len() && (b[end] == b'+' || b[end] == b'-') {
        end += 1;
    }
    let digits_start = end;
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
    }
    if end < b.len() && b[end] == b'.' {
        end += 1;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
    }
    if end == digits_start {
        return 0.0;
    }
    if end < b.len() && (b[end] == b'e' || b[end] == b'E') {
        let mut e = end + 1;
        if e < b.len() && (b[e] == b'+' || b[e] == b'-') {
            e += 1;
        }
        if e < b.len() && b[e].is_ascii_digit() {
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            end = e;
        }
    }
    t[..end].parse().unwrap_or(0.0)
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
