//! Storing a value into a column: MySQL's conversions and strict-mode checks.

use catalog::ColumnInfo;
use errno::{
    Error, Result, ER_BAD_NULL, ER_DATA_TOO_LONG, ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
    ER_WARN_DATA_OUT_OF_RANGE,
};
use types::{Temporal, TemporalKind, TypeKind, Value};

use crate::expr::{to_f64, to_string};

/// Whether the session's `sql_mode` is strict (STRICT_TRANS_TABLES or STRICT_ALL_TABLES):
/// a value that does not fit its column is an error; otherwise it is stored as the nearest
/// value that fits, with a warning ([`store`]).
pub fn strict(ctx: &crate::context::SessionCtx) -> bool {
    let mode = ctx.vars.get("sql_mode", crate::sysvar::VarScope::Default);
    let mode = mode.map(|m| to_string(&m).to_ascii_uppercase()).unwrap_or_default();
    mode.split(',').any(|m| m == "STRICT_TRANS_TABLES" || m == "STRICT_ALL_TABLES")
}

/// [`to_column`] under the statement's mode: with `lenient` (a non-strict `sql_mode`, see
/// [`strict`]) a value that does not fit becomes the nearest one that does — a number's
/// numeric prefix, clamped to the type's range; text cut to the column's length; an unknown
/// ENUM member '' — and the error is a warning instead (1265 where MySQL reports "Data
/// truncated"). NULL into NOT NULL, bad JSON and invalid dates stay errors (MySQL stores the
/// zero date, which FerroDB's rows cannot hold yet).
pub fn store(
    v: Value,
    col: &ColumnInfo,
    row: usize,
    lenient: Option<&crate::context::SessionCtx>,
) -> Result<Value> {
    let Some(ctx) = lenient else { return to_column(v, col, row) };
    let kept = v.clone();
    let e = match to_column(v, col, row) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let fitted = match nearest(&kept, col) {
        // The empty ENUM value is stored as it is (to_column refuses it: not a member).
        Some(Value::String(s)) if s.is_empty() && col.ty.kind == TypeKind::Enum => Value::String(s),
        Some(n) => to_column(n, col, row).map_err(|_| e.clone())?,
        None => return Err(e),
    };
    let truncated =
        [ER_DATA_TOO_LONG, errno::ER_TRUNCATED_WRONG_VALUE, errno::ER_WARN_DATA_TRUNCATED]
            .iter()
            .any(|c| c.code == e.code);
    if truncated {
        let message = format!("Data truncated for column '{}' at row {row}", col.name);
        ctx.warn(errno::ER_WARN_DATA_TRUNCATED.code, message);
    } else {
        ctx.warn(e.code, e.message);
    }
    Ok(fitted)
}

/// The value of `col`'s type nearest to `v`, for a non-strict store; `None` where MySQL
/// errs in any mode.
fn nearest(v: &Value, col: &ColumnInfo) -> Option<Value> {
    let ty = &col.ty;
    let number = || match v {
        Value::String(s) => types::parse_f64_prefix(s),
        Value::Bytes(b) => types::parse_f64_prefix(&String::from_utf8_lossy(b)),
        other => to_f64(other),
    };
    if ty.is_integer() {
        let (lo, hi) = ty.int_range();
        let n = (number().round() as i128).clamp(lo, hi);
        return Some(if ty.unsigned { Value::UInt(n as u64) } else { Value::Int(n as i64) });
    }
    match ty.kind {
        TypeKind::Float | TypeKind::Double => Some(Value::Double(number())),
        TypeKind::Decimal => {
            let digits = ty.length.max(1);
            let max = 10i128.checked_pow(digits)? - 1;
            let scaled = (number() * 10f64.powi(ty.scale as i32)).round();
            let lo = if ty.unsigned { 0 } else { -max };
            let m = (scaled.clamp(lo as f64, max as f64)) as i128;
            types::Decimal::new(m, ty.scale).map(Value::Decimal)
        }
        TypeKind::Char | TypeKind::VarChar => {
            Some(Value::String(to_string(v).chars().take(ty.length as usize).collect()))
        }
        TypeKind::Text => {
            let s = to_string(v);
            let mut end = (ty.length as usize).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            Some(Value::String(s[..end].to_string()))
        }
        TypeKind::Binary | TypeKind::VarBinary | TypeKind::Blob => {
            let mut b = match v {
                Value::Bytes(b) => b.clone(),
                other => to_string(other).into_bytes(),
            };
            b.truncate(ty.length as usize);
            Some(Value::Bytes(b))
        }
        TypeKind::Enum => Some(Value::String(String::new())),
        _ => None,
    }
}

/// Converts `v` for storage in `col` (row number `row` is 1-based, for messages).
pub fn to_column(v: Value, col: &ColumnInfo, row: usize) -> Result<Value> {
    if v.is_null() {
        if col.not_null {
            return Err(Error::fmt(ER_BAD_NULL, &[&col.name]));
        }
        return Ok(Value::Null);
    }
    let ty = &col.ty;
    if ty.is_integer() {
        let n: i128 = match &v {
            Value::Int(i) => i128::from(*i),
            Value::UInt(u) => i128::from(*u),
            Value::Double(d) => d.round() as i128,
            Value::Decimal(d) => d.round_to_i128(),
            Value::Temporal(t) => t.to_number() as i128,
            Value::Time(d) => d.to_number().round() as i128,
            Value::String(s) => {
                parse_int(s.trim()).ok_or_else(|| incorrect("integer", &v, col, row))?
            }
            Value::Bytes(b) => parse_int(String::from_utf8_lossy(b).trim())
                .ok_or_else(|| incorrect("integer", &v, col, row))?,
            Value::Null => return Ok(Value::Null),
        };
        let (lo, hi) = ty.int_range();
        if n < lo || n > hi {
            return Err(Error::fmt(ER_WARN_DATA_OUT_OF_RANGE, &[&col.name, &row]));
        }
        return Ok(if ty.unsigned { Value::UInt(n as u64) } else { Value::Int(n as i64) });
    }
    match ty.kind {
        TypeKind::Year => to_year(&v, col, row),
        TypeKind::Time => crate::expr::as_time(&v)
            .and_then(|d| d.with_fsp(ty.scale as u8))
            .map(Value::Time)
            .ok_or_else(|| {
                Error::msg(
                    errno::ER_TRUNCATED_WRONG_VALUE,
                    format!("Incorrect time value: '{v}' for column '{}' at row {row}", col.name),
                )
            }),
        TypeKind::Json => {
            let text = match &v {
                Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                other => to_string(other),
            };
            let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Error::msg(
                    errno::ER_INVALID_JSON_TEXT,
                    format!(
                        "Invalid JSON text: \"{e}\" at position {} in value for column '{}'.",
                        e.column(),
                        col.name
                    ),
                )
            })?;
            Ok(Value::String(json_text(&parsed)))
        }
        TypeKind::Enum => {
            let member = match &v {
                Value::Int(_) | Value::UInt(_) => usize::try_from(to_i64_value(&v))
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| ty.elems.get(i)),
                other => {
                    let s = to_string(other);
                    ty.elems.iter().find(|e| e.eq_ignore_ascii_case(&s))
                }
            };
            member
                .map(|m| Value::String(m.clone()))
                .ok_or_else(|| Error::fmt(errno::ER_WARN_DATA_TRUNCATED, &[&col.name, &row]))
        }
        TypeKind::Set => {
            let s = to_string(&v);
            let mut chosen = vec![false; ty.elems.len()];
            for part in s.split(',').filter(|p| !p.is_empty()) {
                let i =
                    ty.elems.iter().position(|e| e.eq_ignore_ascii_case(part)).ok_or_else(
                        || Error::fmt(errno::ER_WARN_DATA_TRUNCATED, &[&col.name, &row]),
                    )?;
                chosen[i] = true;
            }
            let parts: Vec<&str> = ty
                .elems
                .iter()
                .zip(&chosen)
                .filter(|(_, c)| **c)
                .map(|(e, _)| e.as_str())
                .collect();
            Ok(Value::String(parts.join(",")))
        }
        TypeKind::Date | TypeKind::DateTime | TypeKind::Timestamp => {
            let kind = match ty.kind {
                TypeKind::Date => TemporalKind::Date,
                TypeKind::DateTime => TemporalKind::DateTime,
                _ => TemporalKind::Timestamp,
            };
            let t = match &v {
                Value::Temporal(t) => Some(t.with_kind(kind)),
                Value::String(s) => Temporal::parse(kind, s),
                Value::Bytes(b) => Temporal::parse(kind, &String::from_utf8_lossy(b)),
                Value::Int(_) | Value::UInt(_) => Temporal::parse(kind, &v.to_string()),
                _ => None,
            };
            // MySQL reports bad dates with 1292 (SQLSTATE 22007), not 1366.
            let bad = || {
                Error::msg(
                    errno::ER_TRUNCATED_WRONG_VALUE,
                    format!(
                        "Incorrect {} value: '{v}' for column '{}' at row {row}",
                        kind_name(kind),
                        col.name
                    ),
                )
            };
            match t {
                Some(t) if t.year == 0 && t.month == 0 => Err(bad()),
                Some(t) => Ok(Value::Temporal(t.with_fsp(ty.scale as u8))),
                None => Err(bad()),
            }
        }
        TypeKind::Decimal => {
            if let Value::String(s) = &v {
                if s.trim().parse::<types::Decimal>().is_err() {
                    return Err(incorrect("decimal", &v, col, row));
                }
            }
            let d = crate::expr::to_decimal(&v)
                .and_then(|d| d.rescale(ty.scale))
                .ok_or_else(|| Error::fmt(ER_WARN_DATA_OUT_OF_RANGE, &[&col.name, &row]))?;
            if d.integer_digits() > ty.length.saturating_sub(ty.scale).max(1)
                || (ty.unsigned && d.mantissa() < 0)
            {
                return Err(Error::fmt(ER_WARN_DATA_OUT_OF_RANGE, &[&col.name, &row]));
            }
            Ok(Value::Decimal(d))
        }
        TypeKind::Float | TypeKind::Double => {
            if let Value::String(s) = &v {
                if s.trim().parse::<f64>().is_err() {
                    return Err(incorrect("double", &v, col, row));
                }
            }
            let d = to_f64(&v);
            Ok(Value::Double(if ty.kind == TypeKind::Float { f64::from(d as f32) } else { d }))
        }
        TypeKind::Char | TypeKind::VarChar | TypeKind::Text => {
            let s = match v {
                Value::Bytes(b) => String::from_utf8(b)
                    .map_err(|e| incorrect("string", &Value::Bytes(e.into_bytes()), col, row))?,
                other => to_string(&other),
            };
            let too_long = if ty.kind == TypeKind::Text {
                s.len() > ty.length as usize
            } else {
                s.chars().count() > ty.length as usize
            };
            if too_long {
                return Err(Error::fmt(ER_DATA_TOO_LONG, &[&col.name, &row]));
            }
            Ok(Value::String(s))
        }
        _ => {
            let b = match v {
                Value::Bytes(b) => b,
                other => to_string(&other).into_bytes(),
            };
            if b.len() > ty.length as usize {
                return Err(Error::fmt(ER_DATA_TOO_LONG, &[&col.name, &row]));
            }
            Ok(Value::Bytes(b))
        }
    }
}

/// MySQL's YEAR rules: 1901–2155, 0 (the zero year), and two-digit years 1–69 → 2001–2069,
/// 70–99 → 1970–1999; the strings `'0'` and `'00'` mean 2000.
fn to_year(v: &Value, col: &ColumnInfo, row: usize) -> Result<Value> {
    let text = match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).trim().to_string()),
        _ => None,
    };
    let n: i128 = match (v, &text) {
        (_, Some(t)) => parse_int(t).ok_or_else(|| incorrect("year", v, col, row))?,
        (Value::Temporal(t), _) => i128::from(t.year),
        (Value::Int(i), _) => i128::from(*i),
        (Value::UInt(u), _) => i128::from(*u),
        (Value::Double(d), _) => d.round() as i128,
        (Value::Decimal(d), _) => d.round_to_i128(),
        _ => return Err(incorrect("year", v, col, row)),
    };
    let short_string = text.as_ref().is_some_and(|t| t.len() < 4);
    let y = match n {
        0 if short_string => 2000,
        0 => 0,
        1..=69 => 2000 + n,
        70..=99 => 1900 + n,
        1901..=2155 => n,
        _ => return Err(Error::fmt(ER_WARN_DATA_OUT_OF_RANGE, &[&col.name, &row])),
    };
    Ok(Value::Int(y as i64))
}

/// JSON printed as MySQL prints it: `{"a": 1, "b": [1, 2]}`.
pub fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(items) => {
            format!("[{}]", items.iter().map(json_text).collect::<Vec<_>>().join(", "))
        }
        serde_json::Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, x)| format!("{}: {}", serde_json::Value::String(k.clone()), json_text(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn to_i64_value(v: &Value) -> i64 {
    crate::expr::to_i64(v)
}

fn kind_name(k: TemporalKind) -> &'static str {
    match k {
        TemporalKind::Date => "date",
        TemporalKind::DateTime => "datetime",
        TemporalKind::Timestamp => "timestamp",
    }
}

fn parse_int(s: &str) -> Option<i128> {
    s.parse::<i128>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().filter(|d| d.is_finite()).map(|d| d.round() as i128))
}

fn incorrect(kind: &str, v: &Value, col: &ColumnInfo, row: usize) -> Error {
    Error::fmt(ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, &[&kind, v, &col.name, &row])
}
