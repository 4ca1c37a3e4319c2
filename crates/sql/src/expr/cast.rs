//! Value conversions with MySQL's implicit-conversion rules, and `CAST`.

use errno::Result;
use types::{Decimal, FieldType, Value};

/// Target of `CAST(x AS …)` / `CONVERT(x, …)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastType {
    /// `CHAR[(n)]`: to a character string, optionally truncated to `n` characters.
    Char(Option<u32>),
    /// `BINARY[(n)]`: to a byte string.
    Binary(Option<u32>),
    /// `SIGNED [INTEGER]`.
    Signed,
    /// `UNSIGNED [INTEGER]`.
    Unsigned,
    /// `DOUBLE` / `FLOAT` / `REAL`.
    Double,
    /// `DECIMAL(p, s)`.
    Decimal(u32, u32),
    /// `DATE`.
    Date,
    /// `DATETIME[(fsp)]`.
    DateTime(u8),
    /// `TIME[(fsp)]`.
    Time(u8),
}

impl CastType {
    /// The wire type of the cast's result.
    pub fn field_type(self) -> FieldType {
        match self {
            CastType::Char(_) | CastType::Binary(_) => FieldType::VarString,
            CastType::Signed | CastType::Unsigned => FieldType::LongLong,
            CastType::Double => FieldType::Double,
            CastType::Decimal(..) => FieldType::NewDecimal,
            CastType::Date => FieldType::Date,
            CastType::DateTime(_) => FieldType::DateTime,
            CastType::Time(_) => FieldType::Time,
        }
    }

    /// Applies the cast.
    pub fn apply(self, v: Value) -> Result<Value> {
        if v.is_null() {
            return Ok(Value::Null);
        }
        Ok(match self {
            CastType::Char(n) => {
                let s = to_string(&v);
                Value::String(match n {
                    Some(n) => s.chars().take(n as usize).collect(),
                    None => s,
                })
            }
            CastType::Binary(n) => {
                let mut b = v.to_text().unwrap_or_default();
                if let Some(n) = n {
                    b.resize(n as usize, 0);
                }
                Value::Bytes(b)
            }
            CastType::Signed => match v {
                Value::UInt(u) => Value::Int(u as i64),
                other => Value::Int(to_i64(&other)),
            },
            CastType::Unsigned => match v {
                Value::Int(i) => Value::UInt(i as u64),
                other => Value::UInt(to_i64(&other) as u64),
            },
            CastType::Double => Value::Double(to_f64(&v)),
            CastType::Decimal(_, s) => match to_decimal(&v).and_then(|d| d.rescale(s)) {
                Some(d) => Value::Decimal(d),
                None => Value::Null,
            },
            CastType::Date | CastType::DateTime(_) => {
                let kind = if self == CastType::Date {
                    types::TemporalKind::Date
                } else {
                    types::TemporalKind::DateTime
                };
                let fsp = if let CastType::DateTime(f) = self { f } else { 0 };
                match super::func_time::as_temporal(&v) {
                    Some(t) if kind == types::TemporalKind::Date => {
                        Value::Temporal(t.with_kind(kind))
                    }
                    Some(t) => Value::Temporal(t.with_kind(kind).with_fsp(fsp)),
                    None => Value::Null,
                }
            }
            CastType::Time(fsp) => super::func_duration::as_time(&v)
                .and_then(|d| d.with_fsp(fsp))
                .map_or(Value::Null, Value::Time),
        })
    }
}

/// A value as a string (NULL as empty; callers handle NULL first).
pub fn to_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as an exact decimal (strings by their numeric prefix, doubles to 15 digits).
pub fn to_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(Decimal::from_i128(i128::from(*i))),
        Value::UInt(u) => Some(Decimal::from_i128(i128::from(*u))),
        Value::Decimal(d) => Some(*d),
        Value::Double(d) => Decimal::from_f64(*d),
        Value::Temporal(t) => Decimal::from_f64(t.to_number()),
        Value::Time(d) => {
            let (h, m, s, us) = d.parts();
            let mantissa = i128::from((h * 10_000 + m * 100 + s) * 1_000_000 + us);
            let sign = if d.micros() < 0 { -1 } else { 1 };
            Decimal::new(sign * mantissa, 6)?.rescale(u32::from(d.fsp()))
        }
        Value::String(s) => {
            s.trim().parse().ok().or_else(|| Decimal::from_f64(types::parse_f64_prefix(s)))
        }
        Value::Bytes(b) => String::from_utf8_lossy(b).trim().parse().ok(),
    }
}

/// A value as a double, parsing the numeric prefix of strings as MySQL does (`'12ab'` → 12).
pub fn to_f64(v: &Value) -> f64 {
    v.to_f64()
}

/// A value as a signed integer (doubles round half away from zero, strings by numeric prefix).
pub fn to_i64(v: &Value) -> i64 {
    v.to_i64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::parse_f64_prefix;

    #[test]
    fn numeric_prefix() {
        assert_eq!(parse_f64_prefix("  12ab"), 12.0);
        assert_eq!(parse_f64_prefix("-1.5e2x"), -150.0);
        assert_eq!(parse_f64_prefix("abc"), 0.0);
        assert_eq!(parse_f64_prefix("1e"), 1.0);
    }

    #[test]
    fn casts() {
        assert_eq!(
            CastType::Char(Some(2)).apply(Value::String("xyz".into())).ok(),
            Some(Value::String("xy".into()))
        );
        assert_eq!(CastType::Signed.apply(Value::String("42".into())).ok(), Some(Value::Int(42)));
        assert_eq!(CastType::Unsigned.apply(Value::Int(-1)).ok(), Some(Value::UInt(u64::MAX)));
        assert_eq!(CastType::Char(None).apply(Value::Null).ok(), Some(Value::Null));
    }
}
