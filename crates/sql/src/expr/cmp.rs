//! Comparison and pattern matching with MySQL's rules.
//!
//! Two numbers compare numerically; two strings compare by bytes (`utf8mb4_bin`, FerroDB's default
//! collation); a number and a string compare as doubles, as MySQL's implicit conversion does.

use std::cmp::Ordering;

use types::Value;

use super::cast::to_f64;

/// Compares two non-NULL values; `None` when either is NULL.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    Some(match (a, b) {
        (Null, _) | (_, Null) => return None,
        (Int(x), Int(y)) => x.cmp(y),
        (UInt(x), UInt(y)) => x.cmp(y),
        (Int(x), UInt(y)) => cmp_i_u(*x, *y),
        (UInt(x), Int(y)) => cmp_i_u(*y, *x).reverse(),
        (String(x), String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (String(x), Bytes(y)) => x.as_bytes().cmp(y),
        (Bytes(x), String(y)) => x.as_slice().cmp(y.as_bytes()),
        (Decimal(x), Decimal(y)) => x.cmp(y),
        (Temporal(x), Temporal(y)) => x.cmp(y),
        (Time(x), Time(y)) => x.cmp(y),
        (Time(x), String(s)) => match types::Duration::parse(s) {
            Some(y) => x.cmp(&y),
            None => x.to_string().as_bytes().cmp(s.as_bytes()),
        },
        (String(s), Time(y)) => match types::Duration::parse(s) {
            Some(x) => x.cmp(y),
            None => s.as_bytes().cmp(y.to_string().as_bytes()),
        },
        (Temporal(x), String(s)) => match types::Temporal::parse(x.kind, s) {
            Some(y) => x.cmp(&y),
            None => x.to_string().as_bytes().cmp(s.as_bytes()),
        },
        (String(s), Temporal(y)) => match types::Temporal::parse(y.kind, s) {
            Some(x) => x.cmp(y),
            None => s.as_bytes().cmp(y.to_string().as_bytes()),
        },
        (Decimal(x), Int(_) | UInt(_)) => x.cmp(&super::to_decimal(b)?),
        (Int(_) | UInt(_), Decimal(y)) => super::to_decimal(a)?.cmp(y),
        (x, y) => to_f64(x).partial_cmp(&to_f64(y)).unwrap_or(Ordering::Equal),
    })
}

fn cmp_i_u(i: i64, u: u64) -> Ordering {
    if i < 0 {
        Ordering::Less
    } else {
        (i as u64).cmp(&u)
    }
}

/// SQL `LIKE`: `%` matches any run, `_` one character, `escape` quotes the next character.
/// `ci` folds ASCII case (used for `SHOW … LIKE`, whose names compare case-insensitively).
pub fn like_match(text: &str, pattern: &str, escape: char, ci: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let eq = |a: char, b: char| if ci { a.eq_ignore_ascii_case(&b) } else { a == b };
    // Iterative matcher with backtracking to the last '%'.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '%' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '_' => {
                    ti += 1;
                    pi += 1;
                    continue;
                }
                c if c == escape && pi + 1 < p.len() => {
                    if eq(p[pi + 1], t[ti]) {
                        ti += 1;
                        pi += 2;
                        continue;
                    }
                }
                c => {
                    if eq(c, t[ti]) {
                        ti += 1;
                        pi += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like_match("sql_mode", "sql_mode", '\\', false));
        assert!(like_match("sql_mode", "SQL%", '\\', true));
        assert!(!like_match("sql_mode", "SQL%", '\\', false));
        assert!(like_match("abc", "a_c", '\\', false));
        assert!(like_match("a%c", "a\\%c", '\\', false));
        assert!(!like_match("abc", "a\\%c", '\\', false));
        assert!(like_match("xaaab", "%a%b", '\\', false));
        assert!(like_match("", "%", '\\', false));
        assert!(!like_match("ab", "a", '\\', false));
    }

    #[test]
    fn mixed_comparisons() {
        assert_eq!(compare(&Value::Int(-1), &Value::UInt(1)), Some(Ordering::Less));
        assert_eq!(compare(&Value::String("10".into()), &Value::Int(9)), Some(Ordering::Greater));
        assert_eq!(
            compare(&Value::String("B".into()), &Value::String("a".into())),
            Some(Ordering::Less)
        );
        assert_eq!(compare(&Value::Null, &Value::Int(1)), None);
    }
}
