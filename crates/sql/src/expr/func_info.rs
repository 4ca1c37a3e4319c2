//! Small informational and identifier built-ins: CHARSET, COLLATION, COERCIBILITY,
//! NAME_CONST, PASSWORD, UUID_V4, UUID_V7, UUID_VERSION.

use sha1::Digest;
use types::Value;

use super::{cast::to_string, func::Func};

/// Calls one of this file's functions; `None` for any other.
pub fn call(func: Func, args: &[Value]) -> Option<Value> {
    use Func::*;
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    Some(match func {
        // Every string is utf8mb4 with FerroDB's collation; bytes are binary.
        Charset => Value::String(
            match arg(0) {
                Value::Bytes(_) => "binary",
                Value::String(_) | Value::Null => "utf8mb4",
                _ => "binary",
            }
            .into(),
        ),
        Collation => Value::String(
            match arg(0) {
                Value::String(_) | Value::Null => "utf8mb4_bin",
                _ => "binary",
            }
            .into(),
        ),
        // MySQL's scale: 5 for a number or temporal value, 4 for a string, 6 for NULL.
        Coercibility => Value::Int(match arg(0) {
            Value::Null => 6,
            Value::String(_) | Value::Bytes(_) => 4,
            _ => 5,
        }),
        NameConst => arg(1),
        Password => match arg(0) {
            Value::Null => Value::Null,
            v => {
                let text = to_string(&v);
                if text.is_empty() {
                    Value::String(String::new())
                } else {
                    let once = sha1::Sha1::digest(text.as_bytes());
                    let twice = sha1::Sha1::digest(once);
                    let hex: String = twice.iter().map(|b| format!("{b:02X}")).collect();
                    Value::String(format!("*{hex}"))
                }
            }
        },
        UuidV4 => Value::String(uuid_text(uuid_v4())),
        UuidV7 => Value::String(uuid_text(uuid_v7())),
        UuidVersion => match parse_uuid(&to_string(&arg(0))) {
            Some(b) if !arg(0).is_null() => Value::Int(i64::from(b[6] >> 4)),
            _ => Value::Null,
        },
        _ => return None,
    })
}

fn uuid_text(b: [u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    // The forms Go's uuid.Parse takes: 36 characters, `urn:uuid:` or braces around them,
    // or 32 bare hex digits.
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let s = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(s);
    if s.len() != 36 && s.len() != 32 {
        return None;
    }
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `UUID_TIMESTAMP(uuid)` (TiDB): the time a version 1, 6 or 7 UUID carries, as seconds since
/// the Unix epoch with six decimals; NULL for other versions; 1411 for text that is no UUID.
pub fn uuid_timestamp(text: &str) -> errno::Result<Value> {
    let Some(b) = parse_uuid(text) else {
        return Err(errno::Error::fmt(
            errno::ER_WRONG_VALUE_FOR_TYPE,
            &[&"string", &text, &"uuid_timestamp"],
        ));
    };
    // 100-ns intervals between 1582-10-15 (the Gregorian epoch UUIDs count from) and 1970.
    const GREGORIAN_TO_UNIX: i128 = 122_192_928_000_000_000;
    let word =
        |r: std::ops::Range<usize>| b[r].iter().fold(0i128, |acc, x| (acc << 8) | i128::from(*x));
    let ticks = match b[6] >> 4 {
        1 => (word(6..8) & 0x0fff) << 48 | word(4..6) << 32 | word(0..4),
        6 => word(0..4) << 28 | word(4..6) << 12 | (word(6..8) & 0x0fff),
        7 => word(0..6) * 10_000 + GREGORIAN_TO_UNIX,
        _ => return Ok(Value::Null),
    };
    let micros = (ticks - GREGORIAN_TO_UNIX) / 10;
    Ok(types::Decimal::new(micros, 6).map_or(Value::Null, Value::Decimal))
}

/// A random (version 4, RFC 9562) UUID.
fn uuid_v4() -> [u8; 16] {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    b
}

/// A time-ordered (version 7) UUID: 48 bits of Unix milliseconds, then random bits.
fn uuid_v7() -> [u8; 16] {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis()) as u64;
    let mut b = uuid_v4();
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = (b[6] & 0x0F) | 0x70;
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_carry_their_version_and_password_hashes_as_mysql() {
        let v4 = call(Func::UuidV4, &[]).expect("v4");
        let v7 = call(Func::UuidV7, &[]).expect("v7");
        assert_eq!(call(Func::UuidVersion, &[v4]), Some(Value::Int(4)));
        assert_eq!(call(Func::UuidVersion, &[v7]), Some(Value::Int(7)));
        assert_eq!(call(Func::UuidVersion, &[Value::String("x".into())]), Some(Value::Null));
        // MySQL: PASSWORD('abc') = *0D3CED9BEC10A777AEC23CCC353A8C08A633045E
        assert_eq!(
            call(Func::Password, &[Value::String("abc".into())]),
            Some(Value::String("*0D3CED9BEC10A777AEC23CCC353A8C08A633045E".into()))
        );
    }
}
