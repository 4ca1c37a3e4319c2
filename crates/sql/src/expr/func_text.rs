//! Digests, encodings and small string and math built-ins: MD5, CRC32, TO_BASE64,
//! FROM_BASE64, RANDOM_BYTES, QUOTE, SOUNDEX, BIT_COUNT, EXPORT_SET, MAKE_SET, INSERT, ORD,
//! STRCMP, CHAR, SUBSTRING_INDEX, BIT_LENGTH, RADIANS, DEGREES, SIN … ATAN, ATAN2.

use base64::Engine as _;
use md5::Digest;
use types::Value;

use super::{
    cast::{to_f64, to_i64, to_string},
    func::Func,
    func_misc::{bytes, hex_lower},
    func_string_math::{real, MAX_RESULT},
};

/// Calls one of this file's functions; `None` for any other.
pub fn call(func: Func, args: &[Value], any_null: bool) -> Option<Value> {
    use Func::*;
    match func {
        // NULL arguments are values here.
        Quote if any_null => return Some(Value::String("NULL".into())),
        MakeSet => return Some(make_set(args)),
        // CHAR skips NULL arguments.
        Char => {
            let bytes: Vec<u8> = args
                .iter()
                .filter(|v| !v.is_null())
                .flat_map(|v| {
                    let n = to_i64(v) as u32;
                    let b = n.to_be_bytes();
                    let skip = b.iter().take_while(|&&x| x == 0).count().min(3);
                    b[skip..].to_vec()
                })
                .collect();
            return Some(Value::Bytes(bytes));
        }
        Md5 | Crc32 | ToBase64 | FromBase64 | RandomBytes | Quote | Soundex | BitCount
        | ExportSet | Insert | Radians | Degrees | Trig(_) | Atan2 | Ord | Strcmp
        | SubstringIndex | BitLength | FormatBytes | FormatNanoTime | Translate => {}
        _ => return None,
    }
    if any_null {
        return Some(Value::Null);
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    Some(match func {
        Md5 => Value::String(hex_lower(&md5::Md5::digest(bytes(&arg(0))))),
        Crc32 => Value::Int(i64::from(crc32fast::hash(&bytes(&arg(0))))),
        ToBase64 => Value::String(to_base64(&bytes(&arg(0)))),
        FromBase64 => {
            let text: String = to_string(&arg(0)).chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(text).map_or(Value::Null, Value::Bytes)
        }
        RandomBytes => match to_i64(&arg(0)) {
            n @ 1..=1024 => Value::Bytes((0..n).map(|_| rand::random::<u8>()).collect()),
            _ => return None,
        },
        Quote => Value::String(quote(&to_string(&arg(0)))),
        Soundex => Value::String(soundex(&to_string(&arg(0)))),
        BitCount => Value::Int(i64::from((to_i64(&arg(0)) as u64).count_ones())),
        ExportSet => export_set(args),
        Insert => {
            insert(&to_string(&arg(0)), to_i64(&arg(1)), to_i64(&arg(2)), &to_string(&arg(3)))
        }
        Radians => real(to_f64(&arg(0)).to_radians()),
        Trig(i) => {
            let x = to_f64(&arg(0));
            real(match i {
                0 => x.sin(),
                1 => x.cos(),
                2 => x.tan(),
                3 => 1.0 / x.tan(),
                4 => x.asin(),
                5 => x.acos(),
                _ => x.atan(),
            })
        }
        Atan2 => real(to_f64(&arg(0)).atan2(to_f64(&arg(1)))),
        Ord => Value::Int(ord(&bytes(&arg(0)))),
        Strcmp => {
            let (a, b) = (to_string(&arg(0)), to_string(&arg(1)));
            Value::Int(match a.cmp(&b) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })
        }
        SubstringIndex => Value::String(substring_index(
            &to_string(&arg(0)),
            &to_string(&arg(1)),
            to_i64(&arg(2)),
        )),
        BitLength => Value::Int(bytes(&arg(0)).len() as i64 * 8),
        FormatBytes => Value::String(human(
            to_f64(&arg(0)),
            &[
                (1.0, "bytes"),
                (1024.0, "KiB"),
                (1024.0, "MiB"),
                (1024.0, "GiB"),
                (1024.0, "TiB"),
                (1024.0, "PiB"),
                (1024.0, "EiB"),
            ],
        )),
        FormatNanoTime => Value::String(human(
            to_f64(&arg(0)),
            &[
                (1.0, "ns"),
                (1000.0, "us"),
                (1000.0, "ms"),
                (1000.0, "s"),
                (60.0, "min"),
                (60.0, "h"),
                (24.0, "d"),
            ],
        )),
        Translate => {
            let (from, to): (Vec<char>, Vec<char>) =
                (to_string(&arg(1)).chars().collect(), to_string(&arg(2)).chars().collect());
            Value::String(
                to_string(&arg(0))
                    .chars()
                    .filter_map(|c| match from.iter().position(|&f| f == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        Degrees => real(to_f64(&arg(0)).to_degrees()),
        _ => return None,
    })
}

/// Base64 as MySQL writes it: a newline after every 76 characters.
fn to_base64(data: &[u8]) -> String {
    let flat = base64::engine::general_purpose::STANDARD.encode(data);
    let lines: Vec<&str> =
        flat.as_bytes().chunks(76).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    lines.join("\n")
}

/// `QUOTE(s)`: a string literal that reads back as `s`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            '\u{1a}' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// MySQL's SOUNDEX: the first letter, then the codes of the following letters, skipping
/// vowels (and H, W, Y) and a code equal to the last one written; padded to four characters
/// (longer results are kept, as MySQL does).
fn soundex(s: &str) -> String {
    let code = |c: char| match c.to_ascii_uppercase() {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        _ => '0',
    };
    let mut letters = s.chars().filter(|c| c.is_alphabetic());
    let Some(first) = letters.next() else { return String::new() };
    let mut out: String = first.to_uppercase().collect();
    let mut last = code(first);
    for d in letters.map(code) {
        if d != '0' && d != last {
            out.push(d);
            last = d;
        }
    }
    while out.chars().count() < 4 {
        out.push('0');
    }
    out
}

/// FORMAT_BYTES / FORMAT_NANO_TIME: `n` in the largest unit it reaches (each unit `factor`
/// times the one before), two decimals; below the second unit a whole number.
fn human(n: f64, units: &[(f64, &str)]) -> String {
    let mut x = n;
    let mut unit = 0;
    while unit + 1 < units.len() && x.abs() >= units[unit + 1].0 {
        unit += 1;
        x /= units[unit].0;
    }
    if unit == 0 {
        format!("{} {}", n.trunc(), units[0].1)
    } else {
        format!("{x:.2} {}", units[unit].1)
    }
}

/// `ORD(s)`: the first character's code as MySQL computes it for multibyte characters
/// (its bytes as one big-endian number).
fn ord(b: &[u8]) -> i64 {
    let Some(&first) = b.first() else { return 0 };
    let len = match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    };
    b.iter().take(len).fold(0i64, |n, &x| n * 256 + i64::from(x))
}

/// `SUBSTRING_INDEX(s, delim, count)`: `s` up to the `count`-th `delim` (from the end when
/// `count` is negative).
fn substring_index(s: &str, delim: &str, count: i64) -> String {
    if delim.is_empty() || count == 0 {
        return String::new();
    }
    if count > 0 {
        match s.match_indices(delim).nth(count as usize - 1) {
            Some((i, _)) => s[..i].to_string(),
            None => s.to_string(),
        }
    } else {
        match s.rmatch_indices(delim).nth(count.unsigned_abs() as usize - 1) {
            Some((i, _)) => s[i + delim.len()..].to_string(),
            None => s.to_string(),
        }
    }
}

/// `EXPORT_SET(bits, on, off[, separator[, number_of_bits]])`.
fn export_set(args: &[Value]) -> Value {
    let bits = args.first().map_or(0, to_i64) as u64;
    let (on, off) = (args.get(1).map(to_string), args.get(2).map(to_string));
    let sep = args.get(3).map_or_else(|| ",".to_string(), to_string);
    let n = args.get(4).map_or(64, to_i64);
    let n = if (0..=64).contains(&n) { n as u32 } else { 64 };
    let (on, off) = (on.unwrap_or_default(), off.unwrap_or_default());
    let parts: Vec<&str> =
        (0..n).map(|i| if bits >> i & 1 == 1 { on.as_str() } else { off.as_str() }).collect();
    Value::String(parts.join(&sep))
}

/// `MAKE_SET(bits, s1, s2, …)`: the strings whose bit is set, comma-separated (NULLs skipped).
fn make_set(args: &[Value]) -> Value {
    let Some((bits, strings)) = args.split_first() else { return Value::Null };
    if bits.is_null() {
        return Value::Null;
    }
    let bits = to_i64(bits) as u64;
    let picked: Vec<String> = strings
        .iter()
        .enumerate()
        .filter(|(i, v)| *i < 64 && bits >> i & 1 == 1 && !v.is_null())
        .map(|(_, v)| to_string(v))
        .collect();
    Value::String(picked.join(","))
}

/// `INSERT(s, pos, len, new)`: `s` with `len` characters from `pos` replaced by `new`; `s`
/// unchanged when `pos` is outside it.
fn insert(s: &str, pos: i64, len: i64, new: &str) -> Value {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    if pos < 1 || pos > n {
        return Value::String(s.to_string());
    }
    let start = (pos - 1) as usize;
    let end = if len < 0 || (start as i64).saturating_add(len) > n {
        n as usize
    } else {
        start + len as usize
    };
    let mut out: String = chars[..start].iter().collect();
    out.push_str(new);
    out.extend(&chars[end..]);
    if out.len() > MAX_RESULT {
        return Value::Null;
    }
    Value::String(out)
}

/// `WEIGHT_STRING(s)`: the bytes its collation sorts by — for utf8mb4_bin (PAD SPACE) the text
/// without trailing spaces, for a binary string its bytes; NULL for a number (as TiDB).
pub fn weight_string(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::Bytes(s.trim_end_matches(' ').as_bytes().to_vec()),
        Value::Bytes(b) => Value::Bytes(b.clone()),
        Value::Temporal(_) | Value::Time(_) => Value::Bytes(super::cast::to_string(v).into_bytes()),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_matches_mysql() {
        // MySQL 8: SOUNDEX('Hello') = 'H400', SOUNDEX('Quadratically') = 'Q36324'.
        assert_eq!(soundex("Hello"), "H400");
        assert_eq!(soundex("Quadratically"), "Q36324");
        assert_eq!(soundex("Robert"), "R163");
        assert_eq!(soundex("Ashcraft"), "A2613");
        assert_eq!(soundex("Tymczak"), "T520");
        assert_eq!(soundex(""), "");
    }

    #[test]
    fn base64_wraps_at_76() {
        let long = to_base64(&[b'x'; 100]);
        assert_eq!(long.lines().map(str::len).collect::<Vec<_>>(), vec![76, 60]);
    }
}
