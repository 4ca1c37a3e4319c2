//! Query text as it arrives in bytes: lossless decoding of binary string contents.
//!
//! Drivers send `bytes` parameters inline as `_binary'…'` with raw, possibly non-UTF-8 bytes. The
//! parser works on `str`, so each byte that is not part of valid UTF-8 becomes a private-use
//! character (U+10FF00 + byte) and the `_binary` introducer is dropped; the binder turns string
//! literals containing such characters back into byte strings ([`literal_bytes`]).

const BASE: u32 = 0x10_FF00;

/// A statement's first word: the ASCII letters after leading whitespace (empty if none).
/// Pre-dispatch checks look at it before paying for a tokenizer.
pub fn first_word(text: &str) -> &str {
    let t = text.trim_start();
    let end = t.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(t.len());
    &t[..end]
}

/// Whether a statement may begin with one of `keywords` (any case): its first word is one, or
/// it starts with what may be a comment, which only the tokenizer can skip.
pub fn may_start_with(text: &str, keywords: &[&str]) -> bool {
    let word = first_word(text);
    text.trim_start().starts_with(['/', '-', '#'])
        || keywords.iter().any(|k| word.eq_ignore_ascii_case(k))
}

/// Decodes query bytes without losing any byte.
pub fn decode_query(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for &b in &bad[..n] {
                    out.push(char::from_u32(BASE + u32::from(b)).unwrap_or('\u{FFFD}'));
                }
                rest = &bad[n..];
            }
        }
    }
    strip_binary_introducers(&out)
}

/// Removes `_binary` before a quoted string (outside other quotes); the literal's bytes are
/// preserved by [`decode_query`] either way.
fn strip_binary_introducers(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) => {
                if c == b'\\' && q != b'`' && i + 1 < bytes.len() {
                    out.push_str(&s[i..i + 2]);
                    i += 2;
                    continue;
                }
                if c == q {
                    quote = None;
                }
            }
            None => {
                if matches!(c, b'\'' | b'"' | b'`') {
                    quote = Some(c);
                } else if s[i..].len() >= 7
                    && s.is_char_boundary(i + 7)
                    && s[i..i + 7].eq_ignore_ascii_case("_binary")
                    && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_')
                {
                    let after = s[i + 7..].trim_start();
                    if after.starts_with('\'') || after.starts_with('"') {
                        i = s.len() - after.len();
                        continue;
                    }
                }
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The bytes of a string literal that carried raw bytes, or `None` for ordinary text.
pub fn literal_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.chars().any(|c| (c as u32) >= BASE) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let u = c as u32;
        if u >= BASE {
            out.push((u - BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Some(out)
}

/// The tokens of `text` without whitespace and the end marker (what the token-level
/// recognisers read); `None` when it does not tokenize.
pub fn significant_tokens(text: &str) -> Option<Vec<sqlparser::tokenizer::Token>> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::MySqlDialect {}, text).tokenize().ok()?;
    Some(tokens.into_iter().filter(|t| !matches!(t, Token::Whitespace(_) | Token::EOF)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words() {
        assert_eq!(first_word("  select\n1"), "select");
        assert_eq!(first_word("SHOW(1)"), "SHOW");
        assert_eq!(first_word("/* c */ SHOW"), "");
        assert!(may_start_with(" show tables", &["ALTER", "SHOW"]));
        assert!(may_start_with("/* c */ SHOW tables", &["SHOW"]));
        assert!(!may_start_with("SHOWX", &["SHOW"]));
        assert!(!may_start_with("SELECT 1", &["SHOW"]));
    }

    #[test]
    fn binary_literals_survive() {
        let q = decode_query(b"INSERT INTO t VALUES (_binary'\x00\xff\x10', 'caf\xc3\xa9')");
        assert!(q.starts_with("INSERT INTO t VALUES ('"));
        let inner = &q[q.find('\'').map_or(0, |i| i + 1)..];
        let lit: String = inner.chars().take_while(|&c| c != '\'').collect();
        assert_eq!(literal_bytes(&lit), Some(vec![0, 0xff, 0x10]));
        assert!(q.ends_with("'café')"));
        assert_eq!(literal_bytes("café"), None);
    }

    #[test]
    fn introducer_inside_quotes_is_kept() {
        assert_eq!(decode_query(b"SELECT '_binary''x'"), "SELECT '_binary''x'");
        assert_eq!(decode_query(b"SELECT my_binary"), "SELECT my_binary");
    }
}
