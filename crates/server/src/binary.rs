//! The binary protocol's values: COM_STMT_EXECUTE parameters in, binary result rows out.
//!
//! Parameters arrive typed (a field type and an unsigned flag per parameter, sent with the
//! first execution and reused while the client sets no new-params-bound flag); rows go out with
//! a NULL bitmap and each value in its column type's binary form.
//!
//! // #[PerformanceCriticalPath]: every prepared statement's parameters and rows pass here.

use std::collections::HashMap;

use errno::{Error, ER_WRONG_ARGUMENTS};
use types::{Decimal, Duration, FieldType, ResultColumn, Temporal, TemporalKind, Value};

use crate::codec::{put_lenenc_str, Reader};

/// A parameter's declared type: `[field type, flags]` (flag 0x80: unsigned).
pub type ParamType = [u8; 2];

/// Error 1210, as MySQL answers a COM_STMT_EXECUTE whose parameters it cannot read.
fn bad_params() -> Error {
    Error::fmt(ER_WRONG_ARGUMENTS, &[&"mysqld_stmt_execute"])
}

/// Reads `count` parameter values from a COM_STMT_EXECUTE body after its 9-byte header.
/// `types` holds the types of the previous execution and is replaced when the client sends
/// new ones; a parameter with `long_data` (COM_STMT_SEND_LONG_DATA) takes that value instead.
pub fn decode_params(
    rest: &[u8],
    count: usize,
    types: &mut Vec<ParamType>,
    long_data: &mut HashMap<u16, Vec<u8>>,
) -> Result<Vec<Value>, Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut r = Reader::new(rest);
    let nulls = r.take(count.div_ceil(8)).map_err(|_| bad_params())?;
    let new_bound = r.u8().map_err(|_| bad_params())?;
    if new_bound == 1 {
        let raw = r.take(count * 2).map_err(|_| bad_params())?;
        *types = raw.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    }
    if types.len() != count {
        // Types were never sent for this statement.
        return Err(bad_params());
    }
    let mut out = Vec::with_capacity(count);
    for (i, ty) in types.iter().enumerate() {
        if let Some(data) = long_data.remove(&(i as u16)) {
            out.push(bytes_value(ty[0], data));
            continue;
        }
        if nulls[i / 8] & (1 << (i % 8)) != 0 {
            out.push(Value::Null);
            continue;
        }
        out.push(read_value(&mut r, *ty).ok_or_else(bad_params)?);
    }
    Ok(out)
}

/// A string-typed value: text when it is UTF-8 (and not a BLOB type), bytes otherwise.
fn bytes_value(field_type: u8, data: Vec<u8>) -> Value {
    let blob = matches!(field_type, 0xf9..=0xfc);
    if blob {
        return Value::Bytes(data);
    }
    match String::from_utf8(data) {
        Ok(s) => Value::String(s),
        Err(e) => Value::Bytes(e.into_bytes()),
    }
}

fn read_value(r: &mut Reader<'_>, ty: ParamType) -> Option<Value> {
    let unsigned = ty[1] & 0x80 != 0;
    let int = |v: i64, u: u64| if unsigned { Value::UInt(u) } else { Value::Int(v) };
    Some(match ty[0] {
        0x06 => Value::Null,
        0x01 => {
            let b = r.u8().ok()?;
            int(i64::from(b as i8), u64::from(b))
        }
        0x02 | 0x0d => {
            let v = r.u16().ok()?;
            int(i64::from(v as i16), u64::from(v))
        }
        0x03 | 0x09 => {
            let v = r.u32().ok()?;
            int(i64::from(v as i32), u64::from(v))
        }
        0x08 => {
            let b: [u8; 8] = r.take(8).ok()?.try_into().ok()?;
            int(i64::from_le_bytes(b), u64::from_le_bytes(b))
        }
        0x04 => {
            let b: [u8; 4] = r.take(4).ok()?.try_into().ok()?;
            Value::Double(f64::from(f32::from_le_bytes(b)))
        }
        0x05 => {
            let b: [u8; 8] = r.take(8).ok()?.try_into().ok()?;
            Value::Double(f64::from_le_bytes(b))
        }
        0x07 | 0x0a | 0x0c => read_temporal(r, ty[0])?,
        0x0b => read_time(r)?,
        0x00 | 0xf6 => {
            let b = r.lenenc_bytes().ok()?;
            let s = std::str::from_utf8(b).ok()?;
            match s.parse::<Decimal>() {
                Ok(d) => Value::Decimal(d),
                Err(_) => Value::String(s.to_string()),
            }
        }
        0x0f | 0x10 | 0xf5 | 0xf7 | 0xf8 | 0xf9 | 0xfa | 0xfb | 0xfc | 0xfd | 0xfe | 0xff => {
            bytes_value(ty[0], r.lenenc_bytes().ok()?.to_vec())
        }
        _ => return None,
    })
}

/// DATE / DATETIME / TIMESTAMP: a length (0, 4, 7 or 11), then the fields present.
fn read_temporal(r: &mut Reader<'_>, field_type: u8) -> Option<Value> {
    let len = r.u8().ok()?;
    let b = r.take(usize::from(len)).ok()?;
    let kind = if field_type == 0x0a { TemporalKind::Date } else { TemporalKind::DateTime };
    let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut us) = (0u16, 0u8, 0u8, 0u8, 0u8, 0u8, 0);
    if len >= 4 {
        y = u16::from_le_bytes([b[0], b[1]]);
        mo = b[2];
        d = b[3];
    }
    if len >= 7 {
        (h, mi, s) = (b[4], b[5], b[6]);
    }
    if len >= 11 {
        us = u32::from_le_bytes([b[7], b[8], b[9], b[10]]);
    }
    if !matches!(len, 0 | 4 | 7 | 11) {
        return None;
    }
    let t = Temporal::new(kind, y, mo, d, h, mi, s, us)?;
    Some(Value::Temporal(if us > 0 { t.with_fsp(6) } else { t }))
}

/// TIME: a length (0, 8 or 12), sign, days, hours, minutes, seconds, microseconds.
fn read_time(r: &mut Reader<'_>) -> Option<Value> {
    let len = r.u8().ok()?;
    let b = r.take(usize::from(len)).ok()?;
    let micros = match len {
        0 => 0,
        8 | 12 => {
            let days = i64::from(u32::from_le_bytes([b[1], b[2], b[3], b[4]]));
            // Days up to 2^32: seconds fit an i64, microseconds need not (found by fuzzing:
            // the multiplication overflowed); past the range is a bad parameter.
            let secs =
                ((days * 24 + i64::from(b[5])) * 60 + i64::from(b[6])) * 60 + i64::from(b[7]);
            let us = if len == 12 {
                i64::from(u32::from_le_bytes([b[8], b[9], b[10], b[11]]))
            } else {
                0
            };
            let m = secs.checked_mul(1_000_000)?.checked_add(us)?;
            if b[0] == 1 {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let fsp = if micros % 1_000_000 != 0 { 6 } else { 0 };
    Duration::from_micros(micros, fsp).map(Value::Time)
}

/// Encodes one binary-protocol result row into `buf`.
pub fn binary_row(columns: &[ResultColumn], row: &[Value], buf: &mut Vec<u8>) {
    buf.clear();
    buf.push(0x00);
    let bitmap_at = buf.len();
    buf.resize(bitmap_at + (row.len() + 9) / 8, 0);
    for (i, v) in row.iter().enumerate() {
        if v.is_null() {
            let bit = i + 2;
            buf[bitmap_at + bit / 8] |= 1 << (bit % 8);
            continue;
        }
        let ft = columns.get(i).map_or(FieldType::VarString, |c| c.field_type);
        put_value(ft, v, buf);
    }
}

fn put_value(ft: FieldType, v: &Value, buf: &mut Vec<u8>) {
    match ft {
        FieldType::Tiny => buf.push(v.to_i64() as u8),
        FieldType::Short | FieldType::Year => {
            buf.extend_from_slice(&(v.to_i64() as u16).to_le_bytes())
        }
        FieldType::Int24 | FieldType::Long => {
            buf.extend_from_slice(&(v.to_i64() as u32).to_le_bytes())
        }
        FieldType::LongLong => buf.extend_from_slice(&(v.to_i64() as u64).to_le_bytes()),
        FieldType::Float => buf.extend_from_slice(&(v.to_f64() as f32).to_le_bytes()),
        FieldType::Double => buf.extend_from_slice(&v.to_f64().to_le_bytes()),
        FieldType::Date | FieldType::DateTime | FieldType::Timestamp => {
            let kind =
                if ft == FieldType::Date { TemporalKind::Date } else { TemporalKind::DateTime };
            let t = match v {
                Value::Temporal(t) => Some(*t),
                other => Temporal::parse(kind, &other.to_string()),
            };
            put_temporal(t, ft == FieldType::Date, buf);
        }
        FieldType::Time => {
            let d = match v {
                Value::Time(d) => Some(*d),
                other => Duration::parse(&other.to_string()),
            };
            put_time(d, buf);
        }
        _ => match v {
            Value::String(s) => put_lenenc_str(buf, s.as_bytes()),
            Value::Bytes(b) => put_lenenc_str(buf, b),
            other => put_lenenc_str(buf, other.to_string().as_bytes()),
        },
    }
}

fn put_temporal(t: Option<Temporal>, date_only: bool, buf: &mut Vec<u8>) {
    let Some(t) = t else {
        buf.push(0);
        return;
    };
    let has_time = !date_only && (t.hour, t.minute, t.second, t.micro) != (0, 0, 0, 0);
    let len: u8 = match (t.year, t.month, t.day, has_time, t.micro) {
        (0, 0, 0, false, _) => 0,
        (_, _, _, false, _) => 4,
        (_, _, _, true, 0) => 7,
        _ => 11,
    };
    buf.push(len);
    if len >= 4 {
        buf.extend_from_slice(&t.year.to_le_bytes());
        buf.extend_from_slice(&[t.month, t.day]);
    }
    if len >= 7 {
        buf.extend_from_slice(&[t.hour, t.minute, t.second]);
    }
    if len >= 11 {
        buf.extend_from_slice(&t.micro.to_le_bytes());
    }
}

fn put_time(d: Option<Duration>, buf: &mut Vec<u8>) {
    let Some(d) = d.filter(|d| d.micros() != 0) else {
        buf.push(0);
        return;
    };
    let (h, m, s, us) = d.parts();
    let len: u8 = if us == 0 { 8 } else { 12 };
    buf.push(len);
    buf.push(u8::from(d.micros() < 0));
    buf.extend_from_slice(&((h / 24) as u32).to_le_bytes());
    buf.extend_from_slice(&[(h % 24) as u8, m as u8, s as u8]);
    if len == 12 {
        buf.extend_from_slice(&(us as u32).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_of_every_kind() {
        // Four parameters: LONGLONG 7, NULL, VAR_STRING "hé", DATETIME 2024-02-03 04:05:06.
        let mut body = vec![0b0000_0010, 1];
        for t in [[0x08, 0], [0x08, 0], [0xfd, 0], [0x0c, 0]] {
            body.extend_from_slice(&t);
        }
        body.extend_from_slice(&7i64.to_le_bytes());
        body.push(3);
        body.extend_from_slice("hé".as_bytes());
        body.extend_from_slice(&[7, 0xe8, 0x07, 2, 3, 4, 5, 6]);
        let mut types = Vec::new();
        let v = decode_params(&body, 4, &mut types, &mut HashMap::new()).unwrap();
        assert_eq!(v[0], Value::Int(7));
        assert_eq!(v[1], Value::Null);
        assert_eq!(v[2], Value::String("hé".into()));
        assert_eq!(v[3].to_string(), "2024-02-03 04:05:06");
        // The next execution reuses the types (new-params-bound 0).
        let mut again = vec![0b0000_1110, 0];
        again.extend_from_slice(&(-1i64).to_le_bytes());
        let v = decode_params(&again, 4, &mut types, &mut HashMap::new()).unwrap();
        assert_eq!(v, vec![Value::Int(-1), Value::Null, Value::Null, Value::Null]);
    }

    #[test]
    fn truncated_or_untyped_params_are_1210() {
        let mut types = Vec::new();
        assert_eq!(
            decode_params(&[0, 0], 1, &mut types, &mut HashMap::new()).unwrap_err().code,
            1210
        );
        let body = [0, 1, 0x03, 0, 1, 2];
        assert_eq!(
            decode_params(&body, 1, &mut types, &mut HashMap::new()).unwrap_err().code,
            1210
        );
        let body = [0, 1, 0x42, 0, 1];
        assert_eq!(
            decode_params(&body, 1, &mut types, &mut HashMap::new()).unwrap_err().code,
            1210
        );
    }

    #[test]
    fn long_data_replaces_the_value() {
        let mut long = HashMap::from([(0u16, b"abc".to_vec())]);
        let body = [0, 1, 0xfc, 0];
        let v = decode_params(&body, 1, &mut Vec::new(), &mut long).unwrap();
        assert_eq!(v, vec![Value::Bytes(b"abc".to_vec())]);
        assert!(long.is_empty());
    }

    #[test]
    fn rows_with_nulls_and_types() {
        let col = |ft| ResultColumn { field_type: ft, ..ResultColumn::varchar("c", 10) };
        let columns = [col(FieldType::Long), col(FieldType::VarString), col(FieldType::Double)];
        let mut buf = Vec::new();
        binary_row(&columns, &[Value::Int(-2), Value::Null, Value::Double(0.5)], &mut buf);
        let mut want = vec![0, 0b0000_1000];
        want.extend_from_slice(&(-2i32).to_le_bytes());
        want.extend_from_slice(&0.5f64.to_le_bytes());
        assert_eq!(buf, want);
        let t = Temporal::parse(TemporalKind::DateTime, "2024-01-02 03:04:05.25").unwrap();
        binary_row(&[col(FieldType::DateTime)], &[Value::Temporal(t)], &mut buf);
        assert_eq!(buf, vec![0, 0, 11, 0xe8, 7, 1, 2, 3, 4, 5, 0x90, 0xd0, 0x03, 0]);
        let d = Duration::parse("-25:00:01").unwrap();
        binary_row(&[col(FieldType::Time)], &[Value::Time(d)], &mut buf);
        assert_eq!(buf, vec![0, 0, 8, 1, 1, 0, 0, 0, 1, 0, 1]);
    }
}
