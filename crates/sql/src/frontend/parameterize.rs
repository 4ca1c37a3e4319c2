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
                if crate::frontend::text::literal_bytes(s).is_some() {
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
                if counts_rows(&out) {
                    // A LIMIT / OFFSET count stays in the shape (a plan's limit is a number).
                    out.push_str(&text[i..j]);
                } else {
                    values.push(Value::Int(text[i..j].parse().ok()?));
                    out.push('?');
                }
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

/// Whether a number following `out` is a row count: right after the word LIMIT or OFFSET, or
/// after `LIMIT n,`.
fn counts_rows(out: &str) -> bool {
    let after_word = |s: &str, word: &str| {
        let s = s.trim_end();
        s.len() >= word.len()
            && s.is_char_boundary(s.len() - word.len())
            && s[s.len() - word.len()..].eq_ignore_ascii_case(word)
            && !s[..s.len() - word.len()].bytes().next_back().is_some_and(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'@' | b'.' | b'`')
            })
    };
    if after_word(out, "LIMIT") || after_word(out, "OFFSET") {
        return true;
    }
    // `LIMIT 5, 10`: the offset went into the shape as digits.
    let Some(rest) = out.trim_end().strip_suffix(',') else { return false };
    let rest = rest.trim_end();
    let digits = rest.trim_end_matches(|c: char| c.is_ascii_digit());
    digits.len() < rest.len() && after_word(digits, "LIMIT")
}

/// A statement's digest: SHA-256 (hex) of its text with literals replaced by `?` (TiDB's
/// DIGEST, grouping statements that differ only in their values); `None` for texts the
/// parameterizer leaves alone (too long, or unbalanced quotes).
pub fn digest(text: &str) -> Option<String> {
    use sha2::Digest;
    let (shape, _) = parameterize(text)?;
    Some(hex::encode(sha2::Sha256::digest(shape.trim().as_bytes())))
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
    fn row_counts_stay() {
        let (t, v) = parameterize("SELECT c FROM t WHERE k = 3 ORDER BY id LIMIT 10").unwrap();
        assert_eq!(t, "SELECT c FROM t WHERE k = ? ORDER BY id LIMIT 10");
        assert_eq!(v, vec![Value::Int(3)]);
        let (t, v) = parameterize("select c from t where k = 3 limit 5, 10").unwrap();
        assert_eq!(t, "select c from t where k = ? limit 5, 10");
        assert_eq!(v, vec![Value::Int(3)]);
        let (t, _) = parameterize("SELECT c FROM t LIMIT 2 OFFSET 4").unwrap();
        assert_eq!(t, "SELECT c FROM t LIMIT 2 OFFSET 4");
        // Not the keyword: a column named `xlimit`, a value after `IN (1,`.
        let (t, _) = parameterize("SELECT c FROM t WHERE xlimit = 1 AND k IN (1, 2)").unwrap();
        assert_eq!(t, "SELECT c FROM t WHERE xlimit = ? AND k IN (?, ?)");
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
