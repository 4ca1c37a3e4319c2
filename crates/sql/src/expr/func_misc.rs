//! Hashing, identifiers, number bases and formatting, small string-set functions: SHA1/SHA,
//! SHA2, UUID, UUID_SHORT, UNHEX, FIND_IN_SET, INET_ATON, INET_NTOA, BIN, OCT, CONV, FORMAT,
//! ELT, FIELD; and RAND, SLEEP.

use sha1::Digest;
use types::Value;

use super::{cast::to_string, func::Func, func_string_math::text};

/// A value's bytes as the hashing and encoding functions read them (strings as UTF-8).
pub(super) fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.clone(),
        other => to_string(other).into_bytes(),
    }
}

pub(super) fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Calls one of this file's functions; `None` for any other.
pub fn call(func: Func, args: &[Value], any_null: bool) -> Option<Value> {
    use Func::*;
    match func {
        // Not NULL for a NULL argument.
        Elt => {
            let n = args.first().filter(|v| !v.is_null()).map_or(0, Value::to_i64);
            let picked = usize::try_from(n).ok().filter(|&n| n >= 1).and_then(|n| args.get(n));
            return Some(picked.cloned().unwrap_or(Value::Null));
        }
        Field => {
            let Some((needle, list)) = args.split_first() else { return Some(Value::Int(0)) };
            let at = (!needle.is_null())
                .then(|| {
                    list.iter().position(|v| {
                        super::cmp::compare(needle, v) == Some(std::cmp::Ordering::Equal)
                    })
                })
                .flatten();
            return Some(Value::Int(at.map_or(0, |p| p as i64 + 1)));
        }
        UuidShort => return Some(Value::UInt(uuid_short())),
        Sha1 | Sha2 | Uuid | Unhex | FindInSet | InetAton | InetNtoa | Bin | Oct | Conv
        | Format => {}
        _ => return None,
    }
    if any_null {
        return Some(Value::Null);
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    Some(match func {
        Sha1 => Value::String(hex_lower(&sha1::Sha1::digest(bytes(&arg(0))))),
        Sha2 => {
            let data = bytes(&arg(0));
            match arg(1).to_i64() {
                224 => Value::String(hex_lower(&sha2::Sha224::digest(&data))),
                256 | 0 => Value::String(hex_lower(&sha2::Sha256::digest(&data))),
                384 => Value::String(hex_lower(&sha2::Sha384::digest(&data))),
                512 => Value::String(hex_lower(&sha2::Sha512::digest(&data))),
                _ => Value::Null,
            }
        }
        Uuid => Value::String(uuid_v1()),
        Unhex => unhex(&text(&arg(0))).map_or(Value::Null, Value::Bytes),
        FindInSet => {
            let (needle, list) = (text(&arg(0)), text(&arg(1)));
            let pos = if needle.contains(',') {
                0
            } else {
                list.split(',').position(|item| item == needle).map_or(0, |p| p + 1)
            };
            Value::Int(pos as i64)
        }
        InetAton => inet_aton(&text(&arg(0))).map_or(Value::Null, Value::UInt),
        InetNtoa => match arg(0).to_f64() {
            n if (0.0..=4_294_967_295.0).contains(&n) => {
                let n = n.round() as u32;
                Value::String(std::net::Ipv4Addr::from(n).to_string())
            }
            _ => Value::Null,
        },
        Conv => conv(&text(&arg(0)), arg(1).to_i64(), arg(2).to_i64())
            .map_or(Value::Null, Value::String),
        Format => Value::String(format_number(&arg(0), arg(1).to_i64())),
        Bin => Value::String(format!("{:b}", arg(0).to_i64() as u64)),
        Oct => Value::String(format!("{:o}", arg(0).to_i64() as u64)),
        _ => return None,
    })
}

/// `UUID_SHORT()`: MySQL's layout — server id (0) in the top byte, the server's start time in
/// seconds shifted left 24 bits, plus a counter incremented per call.
fn uuid_short() -> u64 {
    use std::sync::{
        atomic::{AtomicU64, Ordering},
        OnceLock,
    };
    static NEXT: OnceLock<AtomicU64> = OnceLock::new();
    let next = NEXT.get_or_init(|| {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        AtomicU64::new((started & 0xff_ffff_ffff) << 24)
    });
    next.fetch_add(1, Ordering::Relaxed)
}

/// `RAND()`: a uniform DOUBLE in [0, 1). A seeded `RAND(n)` (MySQL's repeatable sequence per
/// statement) is refused rather than answered wrongly.
pub fn rand(seed: Option<&Value>) -> errno::Result<Value> {
    if seed.is_some() {
        return Err(errno::Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"RAND with a seed"]));
    }
    Ok(Value::Double(rand::random::<f64>()))
}

/// `SLEEP(seconds)`: 0 after sleeping; 1317 when the statement is killed meanwhile; NULL or a
/// negative duration is an error in strict mode (1210), as in MySQL.
pub fn sleep(v: &Value, kill: &crate::context::KillFlag) -> errno::Result<Value> {
    let secs = super::cast::to_f64(v);
    if v.is_null() || secs < 0.0 || !secs.is_finite() {
        return Err(errno::Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&"sleep"]));
    }
    let until = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs.min(1e9));
    loop {
        if kill.is_set() {
            return Err(errno::Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
        }
        // Cut short by max_execution_time: 1, as MySQL's interrupted SLEEP answers.
        if kill.past_deadline() {
            return Ok(Value::Int(1));
        }
        let now = std::time::Instant::now();
        if now >= until {
            return Ok(Value::Int(0));
        }
        std::thread::sleep((until - now).min(std::time::Duration::from_millis(20)));
    }
}

/// `CONV(n, from, to)`: `n`'s longest prefix of digits in base `|from|` rewritten in base
/// `|to|` (2 to 36); a negative `to` writes the value signed, else a negative one is its 64-bit
/// two's complement. `None` for a base out of range.
fn conv(n: &str, from: i64, to: i64) -> Option<String> {
    let (fb, tb) =
        (u32::try_from(from.unsigned_abs()).ok()?, u32::try_from(to.unsigned_abs()).ok()?);
    if !(2..=36).contains(&fb) || !(2..=36).contains(&tb) {
        return None;
    }
    let s = n.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut v: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(fb) else { break };
        v = v.saturating_mul(u64::from(fb)).saturating_add(u64::from(d));
    }
    let (sign, magnitude) = match (negative, to < 0) {
        (true, true) => ("-", v),
        (true, false) => ("", v.wrapping_neg()),
        (false, true) if (v as i64) < 0 => ("-", (v as i64).unsigned_abs()),
        _ => ("", v),
    };
    let mut out = Vec::new();
    let mut m = magnitude;
    loop {
        let d = (m % u64::from(tb)) as u32;
        out.push(std::char::from_digit(d, tb).unwrap_or('0').to_ascii_uppercase());
        m /= u64::from(tb);
        if m == 0 {
            break;
        }
    }
    Some(format!("{sign}{}", out.iter().rev().collect::<String>()))
}

/// `FORMAT(x, d)`: `x` rounded to `d` decimals (at most 30; half away from zero), with `,`
/// between groups of three digits and `.` before the decimals.
fn format_number(x: &Value, d: i64) -> String {
    let d = d.clamp(0, 30);
    let rounded = match x {
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => super::func::round(x, d),
        other => super::func::round(&Value::Double(other.to_f64()), d),
    };
    let text = match &rounded {
        Value::Double(f) => format!("{f:.prec$}", prec = d as usize),
        other => to_string(other),
    };
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if d == 0 {
        return format!("{sign}{grouped}");
    }
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(d as usize).collect();
    format!("{sign}{grouped}.{frac}")
}

/// `UNHEX(s)`: pairs of hex digits as bytes (an odd count gets a leading 0); `None` when a
/// character is not a hex digit.
fn unhex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> =
        s.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect::<Option<Vec<u8>>>()?;
    let mut out = Vec::with_capacity(digits.len().div_ceil(2));
    let mut it = digits.iter();
    if digits.len() % 2 == 1 {
        out.push(*it.next()?);
    }
    while let (Some(h), Some(l)) = (it.next(), it.next()) {
        out.push(h << 4 | l);
    }
    Some(out)
}

/// `INET_ATON('a.b.c.d')` as MySQL reads it: short forms fill from the right (`'127.1'` is
/// 127.0.0.1); `None` for anything else.
fn inet_aton(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let nums: Vec<u64> =
        parts.iter().map(|p| p.parse::<u64>().ok().filter(|n| *n <= 255)).collect::<Option<_>>()?;
    let (last, head) = nums.split_last()?;
    let high = head.iter().enumerate().fold(0u64, |v, (i, n)| v | n << (24 - 8 * i));
    Some(high | last)
}

/// A version-1 UUID as MySQL's `UUID()` makes it: the time in 100 ns steps since 1582-10-15,
/// a random clock sequence and a random node with the multicast bit set (no MAC address).
fn uuid_v1() -> String {
    use rand::Rng;
    const GREGORIAN_TO_UNIX_100NS: u64 = 0x01B2_1DD2_1381_4000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() / 100) as u64;
    let t = now + GREGORIAN_TO_UNIX_100NS;
    let mut rng = rand::thread_rng();
    let clock_seq: u16 = (rng.gen::<u16>() & 0x3FFF) | 0x8000;
    let node: u64 = (rng.gen::<u64>() & 0xFFFF_FFFF_FFFF) | 0x0100_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        t & 0xFFFF_FFFF,
        (t >> 32) & 0xFFFF,
        ((t >> 48) & 0x0FFF) | 0x1000,
        clock_seq,
        node
    )
}

/// `SM3(s)`: the Chinese national standard hash (GB/T 32905), as 64 hex digits (TiDB).
pub fn sm3(v: &Value) -> Value {
    Value::String(hex_lower(&sm3::Sm3::digest(bytes(v))))
}

/// `VALIDATE_PASSWORD_STRENGTH(s)` as TiDB: 0 for fewer than 4 characters, or while
/// `validate_password.enable` is OFF, or when the password is the user's name (or it
/// reversed, with `check_user_name`); 25 when shorter than `validate_password.length`; 50
/// when short of the mixed-case, digit or special-character counts; 75 when it contains a word
/// of `validate_password.dictionary`; else 100.
pub fn password_strength(v: &Value, user: &str, vars: &crate::sysvar::SessionVars) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let pw = to_string(v);
    let chars: Vec<char> = pw.chars().collect();
    if chars.len() < 4 || !vars.bool("validate_password.enable") {
        return Value::Int(0);
    }
    let reversed: String = chars.iter().rev().collect();
    if vars.bool("validate_password.check_user_name")
        && !user.is_empty()
        && (pw == user || reversed == user)
    {
        return Value::Int(0);
    }
    let count = |f: fn(&char) -> bool| chars.iter().filter(|c| f(c)).count() as i64;
    if (chars.len() as i64) < vars.int("validate_password.length") {
        return Value::Int(25);
    }
    let mixed = vars.int("validate_password.mixed_case_count");
    if count(|c| c.is_lowercase()) < mixed
        || count(|c| c.is_uppercase()) < mixed
        || count(char::is_ascii_digit) < vars.int("validate_password.number_count")
        || count(|c| !c.is_alphanumeric()) < vars.int("validate_password.special_char_count")
    {
        return Value::Int(50);
    }
    let dictionary = vars.text("validate_password.dictionary").to_lowercase();
    let lower = pw.to_lowercase();
    if dictionary.split(';').map(str::trim).any(|w| w.chars().count() >= 4 && lower.contains(w)) {
        return Value::Int(75);
    }
    Value::Int(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_addresses() {
        assert_eq!(unhex("4142"), Some(b"AB".to_vec()));
        assert_eq!(unhex("141"), Some(vec![1, 0x41]));
        assert_eq!(unhex("zz"), None);
        assert_eq!(inet_aton("10.0.5.9"), Some(167_773_449));
        assert_eq!(inet_aton("127.1"), Some(2_130_706_433));
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("1..2"), None);
    }

    #[test]
    fn uuids_are_version_1_and_distinct() {
        let (a, b) = (uuid_v1(), uuid_v1());
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "1");
        assert_ne!(a, b);
    }
}
