//! Prints a value as `tests/e2e/slt.py` prints what PyMySQL makes of it: PyMySQL turns the text
//! protocol's bytes into Python objects by column type (int, float, Decimal, datetime, date,
//! timedelta, str or bytes), and the runner prints those with Python's `str`/`repr`.

use types::{charset, FieldType, ResultColumn, Value};

/// The text protocol's form of `v` in column `c` (YEAR with four digits, as the server sends).
fn wire_text(v: &Value, c: &ResultColumn) -> String {
    match v {
        Value::Int(y) if c.field_type == FieldType::Year => format!("{y:04}"),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => {
            other.to_text().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default()
        }
    }
}

/// What PyMySQL returns for a column, as far as printing is concerned.
enum Py {
    Int(i128),
    Float(f64),
    /// `Decimal`, `str` and decoded `bytes` print as their text.
    Text(String),
}

fn decode(text: &str, c: &ResultColumn) -> Py {
    use FieldType as F;
    match c.field_type {
        F::Tiny | F::Short | F::Long | F::LongLong | F::Int24 | F::Year => {
            text.parse().map_or_else(|_| Py::Text(text.into()), Py::Int)
        }
        F::Float | F::Double => text.parse().map_or_else(|_| Py::Text(text.into()), Py::Float),
        F::DateTime | F::Timestamp => Py::Text(datetime(text).unwrap_or_else(|| text.into())),
        F::Time => Py::Text(timedelta(text).unwrap_or_else(|| text.into())),
        _ => Py::Text(text.into()),
    }
}

/// `str(datetime)`: microseconds only when non-zero, always six digits.
fn datetime(text: &str) -> Option<String> {
    let (date, time) = text.split_once(' ')?;
    if date.starts_with("0000") || date.contains("-00") {
        return None; // PyMySQL leaves invalid dates as text
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    Some(format!("{date} {hms}{}", micros(frac)))
}

fn micros(frac: &str) -> String {
    let padded = format!("{frac:0<6}");
    if padded.trim_matches('0').is_empty() {
        String::new()
    } else {
        format!(".{}", &padded[..6])
    }
}

/// `str(timedelta)` of MySQL TIME text `[-]H:MM:SS[.f]`.
fn timedelta(text: &str) -> Option<String> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (hms, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut parts = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let us: i64 = format!("{frac:0<6}").get(..6)?.parse().ok()?;
    let mut total = ((h * 60 + m) * 60 + s) * 1_000_000 + us;
    if neg {
        total = -total;
    }
    let day = 86_400_000_000i64;
    let (days, rest) = (total.div_euclid(day), total.rem_euclid(day));
    let (secs, us) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = String::new();
    if days != 0 {
        out = format!("{days} day{}, ", if days.abs() == 1 { "" } else { "s" });
    }
    out += &format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if us != 0 {
        out += &format!(".{us:06}");
    }
    Some(out)
}

/// Python's `float()` of a string's leading number, as the runner's `I` type reads text.
fn leading_number(s: &str) -> f64 {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut end = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = end;
    while b.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    if end == digits {
        return 0.0;
    }
    if b.get(end) == Some(&b'.') {
        end += 1;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    t[..end].parse().unwrap_or(0.0)
}

/// Python's `repr(float)`.
fn float_repr(f: f64) -> String {
    if f != 0.0 && (f.abs() >= 1e16 || f.abs() < 1e-4) {
        // Python switches to exponent form: 1e+16, 1e-05.
        let e = format!("{f:e}");
        if let Some((m, x)) = e.split_once('e') {
            let x: i32 = x.parse().unwrap_or(0);
            return format!("{m}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs());
        }
    }
    format!("{f:?}")
}

/// The runner's printing of one value for result type `t` (`I`, `R` or `T`).
pub fn format(v: &Value, c: &ResultColumn, t: char) -> String {
    if v.is_null() {
        return "NULL".into();
    }
    let py = decode(&wire_text(v, c), c);
    match t {
        'I' => match py {
            Py::Int(i) => i.to_string(),
            Py::Float(f) => (f.trunc() as i128).to_string(),
            Py::Text(s) if c.field_type == FieldType::NewDecimal => {
                let int = s.split('.').next().unwrap_or("0");
                if int.trim_start_matches('-').trim_start_matches('0').is_empty() {
                    "0".into()
                } else {
                    int.into()
                }
            }
            Py::Text(s) => (leading_number(&s).trunc() as i128).to_string(),
        },
        'R' => {
            let f = match py {
                Py::Int(i) => i as f64,
                Py::Float(f) => f,
                Py::Text(s) => s.trim().parse().unwrap_or(0.0),
            };
            format!("{f:.3}")
        }
        _ => {
            let s = match py {
                Py::Int(i) => i.to_string(),
                Py::Float(f) if f.is_finite() && f == f.trunc() => (f as i128).to_string(),
                Py::Float(f) => float_repr(f),
                Py::Text(s) => s,
            };
            if s.is_empty() {
                return "(empty)".into();
            }
            let binary = c.charset == charset::BINARY;
            s.chars()
                .map(|ch| {
                    // Bytes that are not UTF-8 decode to U+FFFD, which Python prints as is.
                    if !ch.is_control() || ch == '\n' || (binary && ch == '\u{fffd}') {
                        ch
                    } else {
                        '@'
                    }
                })
                .collect()
        }
    }
}
