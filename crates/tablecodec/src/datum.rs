//! Memcomparable encoding of SQL values: byte order of encodings = SQL order of values.
//!
//! Each datum is a flag byte then a payload: NULL (flag 0, sorts first), signed and unsigned
//! integers (8 bytes big endian; signed with the sign bit flipped), doubles (IEEE bits, flipped so
//! negatives order), byte strings (8-byte groups each followed by a marker, as TiKV keys).
//! Strings compare by bytes, which is the `utf8mb4_bin` collation.

use types::Value;

const NULL: u8 = 0x00;
const BYTES: u8 = 0x01;
const INT: u8 = 0x03;
const UINT: u8 = 0x04;
const FLOAT: u8 = 0x05;
const DECIMAL: u8 = 0x06;
const TEMPORAL: u8 = 0x07;
const TIME: u8 = 0x08;
const GROUP: usize = 8;

/// Appends a signed integer without a flag (for ids and handles).
pub fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

/// Reads an 8-byte flagless signed integer.
pub fn get_i64(b: &[u8]) -> Option<i64> {
    let arr: [u8; 8] = b.get(..8)?.try_into().ok()?;
    Some((u64::from_be_bytes(arr) ^ (1 << 63)) as i64)
}

/// Appends one datum.
pub fn encode(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(NULL),
        Value::Int(i) => {
            out.push(INT);
            put_i64(out, *i);
        }
        Value::UInt(u) => {
            out.push(UINT);
            out.extend_from_slice(&u.to_be_bytes());
        }
        Value::Double(d) => {
            out.push(FLOAT);
            // By the sign bit (so every bit pattern, NaN too, decodes back), with -0 as 0.
            let bits = if *d == 0.0 { 0 } else { d.to_bits() };
            let ordered = if bits >> 63 == 0 { bits | (1 << 63) } else { !bits };
            out.extend_from_slice(&ordered.to_be_bytes());
        }
        // Values of one column share its scale, so the sign-flipped mantissa orders them.
        Value::Decimal(d) => {
            out.push(DECIMAL);
            out.extend_from_slice(&((d.mantissa() as u128) ^ (1 << 127)).to_be_bytes());
            out.push(d.scale() as u8);
        }
        Value::Temporal(t) => {
            out.push(TEMPORAL);
            out.extend_from_slice(&t.packed().to_be_bytes());
        }
        Value::Time(d) => {
            out.push(TIME);
            put_i64(out, d.micros());
        }
        Value::String(s) => encode_bytes(out, s.as_bytes()),
        Value::Bytes(b) => encode_bytes(out, b),
    }
}

/// Reads one datum from the front of `b`: the value and the bytes after it. Byte strings come
/// back as `Value::Bytes`, temporals as `DATETIME` and times with `fsp` 0; the caller restores the
/// column's own type ([`Value::Temporal`] kind and fsp, text vs binary).
pub fn decode(b: &[u8]) -> Option<(Value, &[u8])> {
    let (&flag, rest) = b.split_first()?;
    let fixed8 =
        |rest: &[u8]| -> Option<u64> { Some(u64::from_be_bytes(rest.get(..8)?.try_into().ok()?)) };
    Some(match flag {
        NULL => (Value::Null, rest),
        INT => (Value::Int(get_i64(rest)?), &rest[8..]),
        UINT => (Value::UInt(fixed8(rest)?), &rest[8..]),
        FLOAT => {
            let ordered = fixed8(rest)?;
            let bits = if ordered & (1 << 63) != 0 { ordered & !(1 << 63) } else { !ordered };
            (Value::Double(f64::from_bits(bits)), &rest[8..])
        }
        DECIMAL => {
            let raw: [u8; 16] = rest.get(..16)?.try_into().ok()?;
            let mantissa = (u128::from_be_bytes(raw) ^ (1 << 127)) as i128;
            let scale = *rest.get(16)?;
            (Value::Decimal(types::Decimal::new(mantissa, u32::from(scale))?), &rest[17..])
        }
        TEMPORAL => {
            let t = types::Temporal::from_packed(types::TemporalKind::DateTime, fixed8(rest)?)?;
            (Value::Temporal(t), &rest[8..])
        }
        TIME => (Value::Time(types::Duration::from_micros(get_i64(rest)?, 0)?), &rest[8..]),
        BYTES => {
            let mut out = Vec::new();
            let mut rest = rest;
            loop {
                let group = rest.get(..=GROUP)?;
                let pad = 0xff - group[GROUP];
                if usize::from(pad) > GROUP {
                    return None;
                }
                out.extend_from_slice(&group[..GROUP - usize::from(pad)]);
                rest = &rest[GROUP + 1..];
                if pad != 0 {
                    break;
                }
            }
            (Value::Bytes(out), rest)
        }
        _ => return None,
    })
}

fn encode_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.push(BYTES);
    for chunk in b.chunks(GROUP) {
        out.extend_from_slice(chunk);
        out.extend(std::iter::repeat_n(0, GROUP - chunk.len()));
        out.push(0xff - (GROUP - chunk.len()) as u8);
    }
    if b.len().is_multiple_of(GROUP) {
        out.extend_from_slice(&[0; GROUP]);
        out.push(0xff - GROUP as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&mut out, v);
        out
    }

    #[test]
    fn order_is_sql_order() {
        let ordered = [
            Value::Null,
            Value::Int(i64::MIN),
            Value::Int(-1),
            Value::Int(0),
            Value::Int(7),
            Value::Int(i64::MAX),
        ];
        for w in ordered.windows(2) {
            assert!(enc(&w[0]) < enc(&w[1]), "{:?} {:?}", w[0], w[1]);
        }
        let doubles = [f64::NEG_INFINITY, -1e300, -1.5, -1e-300, 0.0, 1e-300, 0.5, 2.0, 1e300];
        for w in doubles.windows(2) {
            assert!(enc(&Value::Double(w[0])) < enc(&Value::Double(w[1])), "{w:?}");
        }
        // -0 and 0 are one value in SQL (a unique index holds one of them).
        assert_eq!(enc(&Value::Double(-0.0)), enc(&Value::Double(0.0)));
        let strings = ["", "a", "a\0", "abcdefgh", "abcdefgh\0", "b"];
        for w in strings.windows(2) {
            assert!(enc(&Value::String(w[0].into())) < enc(&Value::String(w[1].into())));
        }
        assert_eq!(get_i64(&enc(&Value::Int(-5))[1..]), Some(-5));
    }

    #[test]
    fn decode_inverts_encode() {
        let t = types::Temporal::new(types::TemporalKind::DateTime, 2024, 2, 29, 23, 59, 58, 123)
            .unwrap();
        let values = [
            Value::Null,
            Value::Int(-42),
            Value::UInt(u64::MAX),
            Value::Double(-2.5),
            Value::Double(0.75),
            Value::Decimal(types::Decimal::new(-12345, 2).unwrap()),
            Value::Temporal(t),
            Value::Time(types::Duration::parse("-01:02:03").unwrap()),
            Value::Bytes(Vec::new()),
            Value::Bytes(b"abcdefgh".to_vec()),
            Value::Bytes(b"abcdefghij\0".to_vec()),
        ];
        let mut all = Vec::new();
        for v in &values {
            encode(&mut all, v);
        }
        all.extend_from_slice(b"tail");
        let mut rest = all.as_slice();
        for v in &values {
            let (got, r) = decode(rest).unwrap();
            assert_eq!(format!("{got:?}"), format!("{v:?}"));
            rest = r;
        }
        assert_eq!(rest, b"tail");
        assert!(decode(&[BYTES, b'a']).is_none());
    }
}
