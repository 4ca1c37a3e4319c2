//! Hash keys of values under MySQL's comparison: values equal by comparison within a class
//! (integers and decimals, strings, date-times, times) have equal bytes, so joins, `IN`
//! sets and decorrelated subqueries find equal values by hashing; values of different classes
//! (`'1' = 1` compares as doubles) and doubles are compared one by one by their users.

use types::Value;

/// A key value's part of a hash key.
pub(crate) enum Part {
    /// NULL: equal to nothing.
    Null,
    /// A value of a comparison class whose equal values have equal bytes (appended).
    Keyed,
    /// A value that is compared with every row (a double).
    Other,
}

/// Appends `v`'s key bytes — a class tag (integers and decimals, strings, date-times, times)
/// then a form in which values equal by MySQL's comparison within the class are equal.
pub(crate) fn key_part(v: &Value, out: &mut Vec<u8>) -> Part {
    let int = |i: i128, out: &mut Vec<u8>| {
        out.push(1);
        out.extend_from_slice(&i.to_be_bytes());
    };
    match v {
        Value::Null => return Part::Null,
        Value::Double(_) => return Part::Other,
        Value::Int(i) => int(i128::from(*i), out),
        Value::UInt(u) => int(i128::from(*u), out),
        Value::Decimal(d) => {
            let t = d.trunc_to_i128();
            if types::Decimal::from_i128(t) == *d {
                int(t, out)
            } else {
                out.push(5);
                out.extend_from_slice(d.to_string().trim_end_matches('0').as_bytes());
                out.push(0);
            }
        }
        Value::String(s) => {
            out.push(2);
            tablecodec::datum::encode(out, &Value::Bytes(s.as_bytes().to_vec()));
        }
        Value::Bytes(b) => {
            out.push(2);
            tablecodec::datum::encode(out, &Value::Bytes(b.clone()));
        }
        Value::Temporal(t) => {
            out.push(3);
            out.extend_from_slice(&t.packed().to_be_bytes());
        }
        Value::Time(d) => {
            out.push(4);
            out.extend_from_slice(&d.micros().to_be_bytes());
        }
    }
    Part::Keyed
}

/// What a row's keys hash to.
pub enum KeyBytes {
    /// Some key is NULL: the row pairs with nothing.
    Null,
    /// The key's bytes and its classes' signature (the class tag of each part).
    Key(Vec<u8>, Vec<u8>),
    /// Some key cannot be hashed: compare with every row.
    Other,
}

/// The hash key of several values (see [`key_part`]).
pub fn key_bytes<'v>(values: impl Iterator<Item = &'v Value>) -> KeyBytes {
    let mut bytes = Vec::new();
    let mut classes = Vec::new();
    let mut other = false;
    for v in values {
        let at = bytes.len();
        match key_part(v, &mut bytes) {
            Part::Null => return KeyBytes::Null,
            Part::Other => other = true,
            Part::Keyed => classes.push(bytes[at]),
        }
    }
    if other {
        KeyBytes::Other
    } else {
        KeyBytes::Key(bytes, classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::compare;
    use types::{Temporal, TemporalKind};

    fn key(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        match key_part(v, &mut out) {
            Part::Keyed => out,
            Part::Null => b"null".to_vec(),
            Part::Other => b"other".to_vec(),
        }
    }

    #[test]
    fn values_equal_by_comparison_share_a_key_within_a_class() {
        let d = |s: &str| Value::Decimal(s.parse().expect("decimal"));
        let t = |k, s| Value::Temporal(Temporal::parse(k, s).expect("temporal"));
        let groups: [Vec<Value>; 4] = [
            vec![Value::Int(1), Value::UInt(1), d("1.00")],
            vec![d("1.50"), d("1.5")],
            vec![Value::String("ab".into()), Value::Bytes(b"ab".to_vec())],
            vec![
                t(TemporalKind::Date, "2020-01-01"),
                t(TemporalKind::DateTime, "2020-01-01 00:00:00"),
            ],
        ];
        for values in &groups {
            for a in values {
                for b in values {
                    assert_eq!(compare(a, b), Some(std::cmp::Ordering::Equal), "{a:?} {b:?}");
                    assert_eq!(key(a), key(b), "{a:?} {b:?}");
                }
            }
        }
        assert_ne!(key(&Value::Int(1)), key(&d("1.5")));
        // Classes never share keys: '1' = 1 compares as doubles, so those pairs are found by
        // comparing across classes, never by key.
        assert_ne!(key(&Value::String("1".into())), key(&Value::Int(1)));
        assert_eq!(key(&Value::Double(1.0)), b"other".to_vec());
        assert_eq!(key(&Value::Null), b"null".to_vec());
    }

    #[test]
    fn multi_part_keys_do_not_run_into_each_other() {
        let mut a = Vec::new();
        key_part(&Value::String("ab".into()), &mut a);
        key_part(&Value::String("c".into()), &mut a);
        let mut b = Vec::new();
        key_part(&Value::String("a".into()), &mut b);
        key_part(&Value::String("bc".into()), &mut b);
        assert_ne!(a, b);
    }
}
