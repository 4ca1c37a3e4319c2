//! Row values: each column's id and value, so columns can be added or dropped without
//! rewriting rows (a missing id reads as the column's default).
//!
//! ```text
//!  [version=1][count u16] then per column: [column id u32][tag u8][payload]
//!  tags: 0 NULL · 1 i64 · 2 u64 · 3 f64 · 4 utf8 string (u32 len + bytes) · 5 bytes (u32 len + bytes)
//!        6 decimal (scale u8 + i128 mantissa) · 7 temporal (kind u8, fsp u8, micros since 1970 i64)
//!        8 time (fsp u8, signed micros i64)
//! ```
//! All integers little endian.

use types::Value;

const VERSION: u8 = 1;

/// Encodes `(column id, value)` pairs.
pub fn encode_row(cols: &[(u32, &Value)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + cols.len() * 10);
    out.push(VERSION);
    out.extend_from_slice(&(cols.len() as u16).to_le_bytes());
    for (id, v) in cols {
        out.extend_from_slice(&id.to_le_bytes());
        match v {
            Value::Null => out.push(0),
            Value::Int(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Value::UInt(u) => {
                out.push(2);
                out.extend_from_slice(&u.to_le_bytes());
            }
            Value::Double(d) => {
                out.push(3);
                out.extend_from_slice(&d.to_le_bytes());
            }
            Value::Decimal(d) => {
                out.push(6);
                out.push(d.scale() as u8);
                out.extend_from_slice(&d.mantissa().to_le_bytes());
            }
            Value::Temporal(t) => {
                out.push(7);
                out.push(match t.kind {
                    types::TemporalKind::Date => 0,
                    types::TemporalKind::DateTime => 1,
                    types::TemporalKind::Timestamp => 2,
                });
                out.push(t.fsp);
                out.extend_from_slice(&t.to_micros().to_le_bytes());
            }
            Value::Time(d) => {
                out.push(8);
                out.push(d.fsp());
                out.extend_from_slice(&d.micros().to_le_bytes());
            }
            Value::String(s) => {
                out.push(4);
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bytes(b) => {
                out.push(5);
                out.extend_from_slice(&(b.len() as u32).to_le_bytes());
                out.extend_from_slice(b);
            }
        }
    }
    out
}

/// Decodes a row value into `(column id, value)` pairs; `None` if the bytes are not a row.
pub fn decode_row(b: &[u8]) -> Option<Vec<(u32, Value)>> {
    decode_row_where(b, &|_| true)
}

/// Like [`decode_row`], but only columns whose id `keep` accepts are decoded; the others are
/// skipped over and read as NULL (no allocation for a string a query never looks at).
pub fn decode_row_where(b: &[u8], keep: &dyn Fn(u32) -> bool) -> Option<Vec<(u32, Value)>> {
    let mut out = Vec::new();
    walk_row(b, keep, |id, v| {
        out.push((id, v.unwrap_or(Value::Null)));
        true
    })?;
    Some(out)
}

/// Decodes the columns `slot_of` gives a position into `out[position]` (the others are skipped
/// over), stopping once `want` of them are stored; returns how many were stored. For a reader
/// that decodes many rows of one table, with positions computed once.
pub fn decode_row_into(
    b: &[u8],
    slot_of: impl Fn(u32) -> Option<usize>,
    out: &mut [Value],
    want: usize,
) -> Option<usize> {
    let mut filled = 0;
    let mut ok = true;
    walk_row(
        b,
        |id| slot_of(id).is_some(),
        |id, v| {
            let Some(v) = v else { return true };
            match slot_of(id).and_then(|s| out.get_mut(s)) {
                Some(dst) => {
                    *dst = v;
                    filled += 1;
                }
                None => ok = false,
            }
            filled < want
        },
    )?;
    ok.then_some(filled)
}

/// Walks a row's columns: `keep(id)` decides whether a column is decoded; `visit` sees each
/// column, with its value when decoded and `None` when skipped, and says whether to go on.
/// `None` for a malformed row.
fn walk_row(
    b: &[u8],
    keep: impl Fn(u32) -> bool,
    mut visit: impl FnMut(u32, Option<Value>) -> bool,
) -> Option<()> {
    let mut r = Cursor { b, pos: 0 };
    if r.take(1)?[0] != VERSION {
        return None;
    }
    let n = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
    for _ in 0..n {
        let id = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let tag = r.take(1)?[0];
        if !keep(id) {
            let len = match tag {
                0 => 0,
                1..=3 => 8,
                7 => 10,
                8 => 9,
                6 => 17,
                4 | 5 => u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize,
                _ => return None,
            };
            r.take(len)?;
            if !visit(id, None) {
                break;
            }
            continue;
        }
        let v = match tag {
            0 => Value::Null,
            1 => Value::Int(i64::from_le_bytes(r.take(8)?.try_into().ok()?)),
            2 => Value::UInt(u64::from_le_bytes(r.take(8)?.try_into().ok()?)),
            3 => Value::Double(f64::from_le_bytes(r.take(8)?.try_into().ok()?)),
            7 => {
                let kind = match r.take(1)?[0] {
                    0 => types::TemporalKind::Date,
                    1 => types::TemporalKind::DateTime,
                    _ => types::TemporalKind::Timestamp,
                };
                let fsp = r.take(1)?[0];
                let micros = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
                let mut t = types::Temporal::from_micros(kind, micros)?;
                t.fsp = fsp;
                Value::Temporal(t)
            }
            8 => {
                let fsp = r.take(1)?[0];
                let micros = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
                Value::Time(types::Duration::from_micros(micros, fsp)?)
            }
            6 => {
                let scale = u32::from(r.take(1)?[0]);
                let m = i128::from_le_bytes(r.take(16)?.try_into().ok()?);
                Value::Decimal(types::Decimal::new(m, scale)?)
            }
            4 | 5 => {
                let len = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
                let bytes = r.take(len)?.to_vec();
                if tag == 4 {
                    Value::String(String::from_utf8(bytes).ok()?)
                } else {
                    Value::Bytes(bytes)
                }
            }
            _ => return None,
        };
        if !visit(id, Some(v)) {
            break;
        }
    }
    Some(())
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let vals = [
            Value::Null,
            Value::Int(-3),
            Value::UInt(u64::MAX),
            Value::Double(1.25),
            Value::String("héllo".into()),
            Value::Bytes(vec![0, 255]),
            Value::Decimal("-12.345".parse().expect("decimal")),
            Value::Temporal(
                types::Temporal::parse(types::TemporalKind::DateTime, "2024-05-06 07:08:09.5")
                    .expect("t"),
            ),
            Value::Time(types::Duration::parse("-12:34:56.25").expect("time")),
        ];
        let cols: Vec<(u32, &Value)> =
            vals.iter().enumerate().map(|(i, v)| (i as u32 + 1, v)).collect();
        let enc = encode_row(&cols);
        let dec = decode_row(&enc).expect("decode");
        assert_eq!(dec.len(), 9);
        // Skipping any subset of columns leaves the others exactly as decoded whole.
        for mask in 0u32..512 {
            let part = decode_row_where(&enc, &|id| mask & 1 << (id - 1) != 0).expect("decode");
            for (i, (id, v)) in part.iter().enumerate() {
                assert_eq!(*id, i as u32 + 1);
                let want = if mask & 1 << i != 0 { &vals[i] } else { &Value::Null };
                assert_eq!(v, want, "mask {mask:b}");
            }
        }
        for (i, (id, v)) in dec.iter().enumerate() {
            assert_eq!(*id, i as u32 + 1);
            assert_eq!(v, &vals[i]);
        }
        for n in 0..enc.len() {
            assert!(decode_row(&enc[..n]).is_none());
            assert!(
                decode_row_into(&enc[..n], |_| Some(0), &mut [Value::Null], usize::MAX).is_none()
            );
        }
        // Into slots: ids 2 and 5 land reversed in two slots; an id without a slot is skipped.
        let mut out = vec![Value::Null, Value::Null];
        let slot = |id: u32| match id {
            2 => Some(1),
            5 => Some(0),
            _ => None,
        };
        assert_eq!(decode_row_into(&enc, slot, &mut out, 2), Some(2));
        assert_eq!(out, vec![vals[4].clone(), vals[1].clone()]);
        // A slot past the output is an error, not a panic.
        assert_eq!(decode_row_into(&enc, |_| Some(7), &mut out, usize::MAX), None);
        // It stops once it has what it wants: the rest of the row is never read.
        let mut one = vec![Value::Null];
        let first = |id: u32| (id == 2).then_some(0);
        let cut = enc.len() - 1;
        assert_eq!(decode_row_into(&enc[..cut], first, &mut one, 1), Some(1));
        assert_eq!(one, vec![vals[1].clone()]);
    }
}
