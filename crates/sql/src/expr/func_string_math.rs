//! String and math built-ins beyond the basics: SUBSTRING, TRIM, REPLACE, LPAD …, POW, SQRT …
//!
//! Positions and lengths count characters (utf8mb4), as MySQL does for character strings.

use types::Value;

use super::cast::{to_f64, to_i64, to_string};

/// The longest string a function builds (MySQL's default max_allowed_packet, 64 MiB).
pub const MAX_RESULT: usize = 64 << 20;

/// `REPEAT(s, n)`, NULL when the result would exceed [`MAX_RESULT`].
pub fn repeat(s: &str, n: i64) -> Value {
    let n = n.max(0) as usize;
    match s.len().checked_mul(n) {
        Some(total) if total <= MAX_RESULT => Value::String(s.repeat(n)),
        _ => Value::Null,
    }
}

/// `SUBSTRING(s, pos[, len])`: 1-based `pos`, negative from the end; `pos = 0` gives ''.
pub fn substring(s: &str, pos: i64, len: Option<i64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let start = match pos {
        0 => return String::new(),
        p if p > 0 => p - 1,
        p => n + p,
    };
    if start < 0 || start >= n {
        return String::new();
    }
    let end = match len {
        Some(l) if l <= 0 => return String::new(),
        Some(l) => start.saturating_add(l).min(n),
        None => n,
    };
    chars[start as usize..end as usize].iter().collect()
}

/// `TRIM([BOTH|LEADING|TRAILING] [what] FROM s)`.
pub fn trim(s: &str, what: &str, leading: bool, trailing: bool) -> String {
    if what.is_empty() {
        return s.to_string();
    }
    let mut out = s;
    if leading {
        while let Some(rest) = out.strip_prefix(what) {
            out = rest;
        }
    }
    if trailing {
        while let Some(rest) = out.strip_suffix(what) {
            out = rest;
        }
    }
    out.to_string()
}

/// `LPAD` / `RPAD`: pads (or cuts) `s` to `len` characters with `pad`.
pub fn pad(s: &str, len: i64, pad: &str, left: bool) -> Value {
    // MySQL answers NULL rather than build a string longer than max_allowed_packet.
    if !(0..=MAX_RESULT as i64).contains(&len) {
        return Value::Null;
    }
    let len = len as usize;
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= len {
        return Value::String(chars[..len].iter().collect());
    }
    if pad.is_empty() {
        return Value::Null;
    }
    let fill: String = pad.chars().cycle().take(len - chars.len()).collect();
    Value::String(if left { format!("{fill}{s}") } else { format!("{s}{fill}") })
}

/// `LOCATE(needle, hay[, pos])` / `INSTR(hay, needle)`: 1-based character position, 0 if absent.
pub fn locate(needle: &str, hay: &str, from: i64) -> i64 {
    if from < 1 {
        return 0;
    }
    let hay_chars: Vec<char> = hay.chars().collect();
    let needle_chars: Vec<char> = needle.chars().collect();
    let start = (from - 1) as usize;
    if needle_chars.is_empty() {
        return if start <= hay_chars.len() { from } else { 0 };
    }
    (start..hay_chars.len())
        .find(|&i| hay_chars[i..].starts_with(&needle_chars))
        .map_or(0, |i| i as i64 + 1)
}

/// `GREATEST` / `LEAST` with MySQL's rule that any NULL makes the result NULL.
pub fn extreme(args: &[Value], greatest: bool) -> Value {
    if args.iter().any(Value::is_null) {
        return Value::Null;
    }
    let want = if greatest { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less };
    let mut best = args[0].clone();
    for a in &args[1..] {
        if super::compare(a, &best) == Some(want) {
            best = a.clone();
        }
    }
    best
}

/// `TRUNCATE(x, d)`: x cut (not rounded) to `d` decimals.
pub fn truncate(x: &Value, d: i64) -> Value {
    match x {
        Value::Int(_) | Value::UInt(_) if d >= 0 => x.clone(),
        other => {
            let p = 10f64.powi(d.clamp(-30, 30) as i32);
            let t = (to_f64(other) * p).trunc() / p;
            match other {
                Value::Int(_) | Value::UInt(_) => Value::Int(t as i64),
                _ => Value::Double(t),
            }
        }
    }
}

/// `HEX(x)`: upper-case hex of a string's bytes, or of an integer's value.
pub fn hex(v: &Value) -> String {
    match v {
        Value::Int(_) | Value::UInt(_) | Value::Double(_) => format!("{:X}", to_i64(v)),
        other => other.to_text().unwrap_or_default().iter().map(|b| format!("{b:02X}")).collect(),
    }
}

/// A math function that is NULL outside its domain (`SQRT(-1)`, `LN(0)`).
pub fn real(x: f64) -> Value {
    if x.is_finite() {
        Value::Double(x)
    } else {
        Value::Null
    }
}

/// The text of a value, for string functions.
pub fn text(v: &Value) -> String {
    to_string(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_like_mysql() {
        assert_eq!(substring("Quadratically", 5, None), "ratically");
        assert_eq!(substring("foobarbar", 4, Some(3)), "bar");
        assert_eq!(substring("Sakila", -3, None), "ila");
        assert_eq!(substring("Sakila", -5, Some(3)), "aki");
        assert_eq!(substring("abc", 0, None), "");
        assert_eq!(substring("héllo", 2, Some(2)), "él");
    }

    #[test]
    fn trim_pad_locate() {
        assert_eq!(trim("xxbarxx", "x", true, true), "bar");
        assert_eq!(trim("xxbarxx", "x", true, false), "barxx");
        assert_eq!(pad("hi", 4, "?", true), Value::String("??hi".into()));
        assert_eq!(pad("hi", 1, "?", true), Value::String("h".into()));
        assert_eq!(pad("hi", 5, "ab", false), Value::String("hiaba".into()));
        assert_eq!(locate("bar", "foobarbar", 1), 4);
        assert_eq!(locate("bar", "foobarbar", 5), 7);
        assert_eq!(locate("xbar", "foobar", 1), 0);
    }
}

#[cfg(test)]
mod limits {
    use super::*;

    #[test]
    fn huge_results_are_null_not_out_of_memory() {
        assert_eq!(pad("x", 1 << 40, "y", true), Value::Null);
        assert_eq!(repeat("abc", i64::MAX), Value::Null);
        assert_eq!(substring("abc", 2, Some(i64::MAX)), "bc");
    }
}
