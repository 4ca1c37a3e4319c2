//! Binary forms of identifiers and data: UUID_TO_BIN, BIN_TO_UUID, IS_UUID, INET6_ATON,
//! INET6_NTOA, IS_IPV4, IS_IPV6, IS_IPV4_MAPPED, IS_IPV4_COMPAT, COMPRESS, UNCOMPRESS,
//! UNCOMPRESSED_LENGTH, AES_ENCRYPT, AES_DECRYPT (MySQL's default `aes-128-ecb`).

use std::{
    io::{Read, Write},
    net::{Ipv4Addr, Ipv6Addr},
};

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use errno::{Error, Result};
use types::Value;

use super::{
    cast::{to_i64, to_string},
    func::Func,
    func_misc::bytes,
};

/// 1411: `value` is no `what` for `func`.
fn wrong_value(what: &str, value: &Value, func: &str) -> Error {
    let shown = String::from_utf8_lossy(&bytes(value)).into_owned();
    Error::fmt(errno::ER_WRONG_VALUE_FOR_TYPE, &[&what, &shown, &func])
}

/// Calls one of this file's functions; `None` for any other.
pub fn call(func: Func, args: &[Value], any_null: bool) -> Option<Result<Value>> {
    use Func::*;
    if !matches!(
        func,
        UuidToBin
            | BinToUuid
            | IsUuid
            | Inet6Aton
            | Inet6Ntoa
            | IsIpv4
            | IsIpv6
            | IsIpv4Mapped
            | IsIpv4Compat
            | Compress
            | Uncompress
            | UncompressedLength
            | AesEncrypt
            | AesDecrypt
    ) {
        return None;
    }
    if args.first().is_none_or(Value::is_null)
        || (any_null && matches!(func, AesEncrypt | AesDecrypt))
    {
        return Some(Ok(Value::Null));
    }
    let arg = &args[0];
    let swap = args.get(1).is_some_and(|v| to_i64(v) != 0);
    Some(Ok(match func {
        UuidToBin => match parse_uuid(&to_string(arg)) {
            Some(b) => Value::Bytes(if swap { swap_time(&b) } else { b.to_vec() }),
            None => return Some(Err(wrong_value("string", arg, "uuid_to_bin"))),
        },
        BinToUuid => match <[u8; 16]>::try_from(bytes(arg).as_slice()) {
            Ok(b) => Value::String(format_uuid(&if swap { unswap_time(&b) } else { b })),
            Err(_) => return Some(Err(wrong_value("string", arg, "bin_to_uuid"))),
        },
        IsUuid => Value::Int(i64::from(parse_uuid(&to_string(arg)).is_some())),
        Inet6Aton => inet6_aton(&to_string(arg)).map_or(Value::Null, Value::Bytes),
        Inet6Ntoa => inet6_ntoa(&bytes(arg)).map_or(Value::Null, Value::String),
        IsIpv4 => Value::Int(i64::from(to_string(arg).parse::<Ipv4Addr>().is_ok())),
        IsIpv6 => Value::Int(i64::from(to_string(arg).parse::<Ipv6Addr>().is_ok())),
        IsIpv4Mapped => {
            let b = bytes(arg);
            Value::Int(i64::from(b.len() == 16 && b[..10] == [0; 10] && b[10..12] == [0xff; 2]))
        }
        IsIpv4Compat => {
            let b = bytes(arg);
            Value::Int(i64::from(b.len() == 16 && b[..12] == [0; 12] && b[12..14] != [0; 2]))
        }
        Compress => Value::Bytes(compress(&bytes(arg))),
        Uncompress => uncompress(&bytes(arg)).map_or(Value::Null, Value::Bytes),
        UncompressedLength => {
            let b = bytes(arg);
            Value::Int(
                b.get(..4).map_or(0, |l| i64::from(u32::from_le_bytes([l[0], l[1], l[2], l[3]]))),
            )
        }
        AesEncrypt => Value::Bytes(aes_encrypt(&bytes(arg), &bytes(&args[1]))),
        AesDecrypt => aes_decrypt(&bytes(arg), &bytes(&args[1])).map_or(Value::Null, Value::Bytes),
        _ => return None,
    }))
}

/// A UUID's 16 bytes from its text: 32 hex digits, dashed 8-4-4-4-12 or not, optionally in
/// braces (MySQL's IS_UUID forms).
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let inner = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(s);
    let hex: String = match inner.len() {
        32 => inner.to_string(),
        36 => {
            let dashes = [8, 13, 18, 23];
            if dashes.iter().any(|&i| inner.as_bytes()[i] != b'-') {
                return None;
            }
            inner.chars().filter(|&c| c != '-').collect()
        }
        _ => return None,
    };
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn format_uuid(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// UUID_TO_BIN's swap: time-high and time-mid before time-low, so version-1 UUIDs sort by time.
fn swap_time(b: &[u8; 16]) -> Vec<u8> {
    [&b[6..8], &b[4..6], &b[..4], &b[8..]].concat()
}

fn unswap_time(b: &[u8; 16]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..4].copy_from_slice(&b[4..8]);
    out[4..6].copy_from_slice(&b[2..4]);
    out[6..8].copy_from_slice(&b[..2]);
    out[8..].copy_from_slice(&b[8..]);
    out
}

fn inet6_aton(s: &str) -> Option<Vec<u8>> {
    if let Ok(v4) = s.parse::<Ipv4Addr>() {
        return Some(v4.octets().to_vec());
    }
    s.parse::<Ipv6Addr>().ok().map(|v6| v6.octets().to_vec())
}

/// MySQL's text of a 4- or 16-byte address: IPv4-compatible and IPv4-mapped IPv6 addresses end
/// in dotted form.
fn inet6_ntoa(b: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        return Some(Ipv4Addr::from(v4).to_string());
    }
    let v6 = <[u8; 16]>::try_from(b).ok()?;
    let tail = Ipv4Addr::new(v6[12], v6[13], v6[14], v6[15]);
    if v6[..12] == [0; 12] && v6[12..14] != [0, 0] {
        return Some(format!("::{tail}"));
    }
    Some(Ipv6Addr::from(v6).to_string())
}

/// MySQL's COMPRESS: empty stays empty; else the length (4 bytes, little-endian), then zlib.
fn compress(data: &[u8]) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    let out = (data.len() as u32).to_le_bytes().to_vec();
    let mut z = flate2::write::ZlibEncoder::new(out, flate2::Compression::default());
    let Some(mut out) = z.write_all(data).ok().and_then(|()| z.finish().ok()) else {
        return Vec::new();
    };
    // A trailing space would be cut when stored in a CHAR column: MySQL appends a '.'.
    if out.last() == Some(&b' ') {
        out.push(b'.');
    }
    out
}

fn uncompress(data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() {
        return Some(Vec::new());
    }
    let len = u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize;
    if len > super::func_string_math::MAX_RESULT {
        return None;
    }
    let mut out = Vec::with_capacity(len);
    flate2::read::ZlibDecoder::new(&data[4..]).read_to_end(&mut out).ok()?;
    (out.len() == len).then_some(out)
}

/// MySQL's key for a 128-bit cipher: the key's bytes XORed into 16 bytes in turn.
fn fold_key(key: &[u8]) -> aes::Aes128 {
    let mut k = [0u8; 16];
    for (i, b) in key.iter().enumerate() {
        k[i % 16] ^= b;
    }
    aes::Aes128::new(&k.into())
}

/// `AES_ENCRYPT(s, key)` in `aes-128-ecb` with PKCS#7 padding.
fn aes_encrypt(data: &[u8], key: &[u8]) -> Vec<u8> {
    let cipher = fold_key(key);
    let pad = 16 - data.len() % 16;
    let mut buf = data.to_vec();
    buf.extend(std::iter::repeat_n(pad as u8, pad));
    for block in buf.chunks_exact_mut(16) {
        cipher.encrypt_block(block.into());
    }
    buf
}

/// `AES_DECRYPT(s, key)`: NULL when `s` is no whole number of blocks or its padding is wrong.
fn aes_decrypt(data: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return None;
    }
    let cipher = fold_key(key);
    let mut buf = data.to_vec();
    for block in buf.chunks_exact_mut(16) {
        cipher.decrypt_block(block.into());
    }
    let pad = usize::from(*buf.last()?);
    if pad == 0 || pad > 16 || buf[buf.len() - pad..].iter().any(|&b| usize::from(b) != pad) {
        return None;
    }
    buf.truncate(buf.len() - pad);
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_swap_round_trips() {
        let text = "6ccd780c-baba-1026-9564-5b8c656024db";
        let b = parse_uuid(text).expect("uuid");
        let swapped = swap_time(&b);
        assert_eq!(
            format_uuid(&swapped.clone().try_into().expect("16")),
            "1026baba-6ccd-780c-9564-5b8c656024db"
        );
        assert_eq!(format_uuid(&unswap_time(&swapped.try_into().expect("16"))), text);
        assert!(parse_uuid("{12345678-1234-5678-1234-567812345678}").is_some());
        assert!(parse_uuid("12345678123456781234567812345678").is_some());
        assert!(parse_uuid("12345678-1234-5678-1234-56781234567").is_none());
    }

    #[test]
    fn aes_and_compress_round_trip() {
        // MariaDB 10.11 (same key folding and mode): HEX(AES_ENCRYPT('text', 'password')).
        let enc = aes_encrypt(b"text", b"password");
        let hex: String = enc.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex, "F6BD0FA8DCB7F8CD4A2FAABC54668044");
        assert_eq!(aes_decrypt(&enc, b"password").as_deref(), Some(&b"text"[..]));
        assert_eq!(aes_decrypt(&enc, b"wrong"), None);
        let data = vec![b'a'; 1000];
        let c = compress(&data);
        assert_eq!(&c[..4], &1000u32.to_le_bytes());
        assert_eq!(uncompress(&c), Some(data));
        assert_eq!(uncompress(b"junk"), None);
    }
}
