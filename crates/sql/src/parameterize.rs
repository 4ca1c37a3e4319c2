//! Parameterizing a statement's text: integer and string literals become `?` and their values
//! are collected, so statements that differ only in literals share one cached shape (TiDB
//! parameterizes its AST for the non-prepared plan cache; a byte scan is far cheaper than our
//! tokenizer and parser, which is the point).
//!
//! Deliberately conservative: anything that could change meaning when a literal is replaced
//! (comments and hints, introducers such as `_binary'…'`, escapes, double quotes — identifiers
//! under `ANSI_QUOTES` —, non-integer numbers, placeholders already present) answers `None`.

use types::Value;

/// The longest text considered.
const MAX_TEXT: usize = 4096;

/// `text` with its literals replaced by `?`, and their values in order; `None` when the text
/// has a form this scan does not handle.
pub fn parameterize(text: &str) -> Option<(String, Vec<Value>)> {
    if text.len() > MAX_TEXT {
        return None;
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut values = Vec::new();
    let mut i = 0;
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'@' | b'.');
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' => {
                if i > 0 && ident_char(b[i - 1]) {
                    return None; // an introducer or X'…' / B'…' / N'…'
                }
                let start = i + 1;
                let mut j = start;
                loop {
                    match b.get(j)? {
                        b'\\' => return None,
                        b'\'' if b.get(j + 1) == Some(&b'\'') => return None,
                        b'\'' => break,
                        _ => j += 1,
                    }
                }
                let s = &text[start..j];
                if crate::text::literal_bytes(s).is_some() {
                    return None; // raw bytes carried in the text
                }
                values.push(Value::String(s.to_string()));
                out.push('?');
                i = j + 1;
            }
            b'0'..=b'9' if i == 0 || !ident_char(b[i - 1]) => {
                let mut j = i;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if b.get(j).is_some_and(|&n| ident_char(n)) {
                    return None; // 1.5, 1e3, 0x1F, 1abc
                }
                values.push(Value::Int(text[i..j].parse().ok()?));
                out.push('?');
                i = j;
            }
            b'`' => {
                let end = i + 1 + text[i + 1..].find('`')?;
                out.push_str(&text[i..=end]);
                i = end + 1;
            }
            b'"' | b'?' | b'#' => return None,
            b'-' if b.get(i + 1) == Some(&b'-') => return None,
            b'/' if b.get(i + 1) == Some(&b'*') => return None,
            _ => {
                // Copy a run of ordinary bytes (multi-byte characters stay whole).
                let mut j = i + 1;
                while j < b.len()
                    && !matches!(
                        b[j],
                        b'\'' | b'`' | b'"' | b'?' | b'#' | b'-' | b'/' | b'0'..=b'9'
                    )
                {
                    j += 1;
                }
                out.push_str(&text[i..j]);
                i = j;
            }
        }
    }
    Some((out, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_become_placeholders() {
        let (t, v) = parameterize("SELECT c FROM sbtest1 WHERE id=4217").unwrap();
        assert_eq!(t, "SELECT c FROM sbtest1 WHERE id=?");
        assert_eq!(v, vec![Value::Int(4217)]);
        let (t, v) = parameterize("SELECT a2, `x 1` FROM t3 WHERE s = 'héllo' AND n = 7").unwrap();
        assert_eq!(t, "SELECT a2, `x 1` FROM t3 WHERE s = ? AND n = ?");
        assert_eq!(v, vec![Value::String("héllo".into()), Value::Int(7)]);
        let (t, _) = parameterize("SELECT * FROM t WHERE id = -5").unwrap();
        assert_eq!(t, "SELECT * FROM t WHERE id = -?");
    }

    #[test]
    fn risky_forms_are_left_alone() {
        for text in [
            "SELECT /*+ MAX_EXECUTION_TIME(1) */ c FROM t WHERE id = 1",
            "SELECT c FROM t WHERE id = 1 -- note",
            "SELECT c FROM t WHERE id = 1.5",
            "SELECT c FROM t WHERE id = 1e3",
            "SELECT c FROM t WHERE id = 0x10",
            "SELECT c FROM t WHERE s = _binary'x'",
            "SELECT c FROM t WHERE s = 'it''s'",
            "SELECT c FROM t WHERE s = 'a\\'b'",
            "SELECT c FROM t WHERE s = \"x\"",
            "SELECT c FROM t WHERE id = ?",
            "SELECT c FROM t WHERE id = 99999999999999999999",
            "SELECT c FROM t WHERE s = 'unterminated",
        ] {
            assert!(parameterize(text).is_none(), "{text}");
        }
    }
}
