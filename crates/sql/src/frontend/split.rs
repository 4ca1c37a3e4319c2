//! Splits a multi-statement query text into statements, MySQL-style.
//!
//! The split honours quotes (`'…'`, `"…"`, `` `…` ``, with backslash escapes inside strings),
//! `-- `, `#` and `/* … */` comments, so a `;` inside any of them does not end a statement.
//! Each statement is parsed on its own, so a syntax error in the third statement still lets the
//! first two run, as MySQL's multi-statement COM_QUERY does.

/// Returns each statement's text (without its `;`), skipping empty ones.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => i = skip_quoted(bytes, i, q),
            b'-' if bytes.get(i + 1) == Some(&b'-')
                && bytes.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                i = skip_line(bytes, i)
            }
            b'#' => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2)
            }
            b';' => {
                push_nonempty(&mut out, &sql[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push_nonempty(&mut out, &sql[start..]);
    out
}

fn push_nonempty<'a>(out: &mut Vec<&'a str>, stmt: &'a str) {
    if !is_blank(stmt) {
        out.push(stmt);
    }
}

/// Whether `text` holds only whitespace and comments.
pub fn is_blank(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            c if c.is_ascii_whitespace() => i += 1,
            b'#' => i = skip_line(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') && bytes.get(i + 2) != Some(&b'!') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2)
            }
            _ => return false,
        }
    }
    true
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' && quote != b'`' {
            i += 2;
        } else if c == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2; // doubled quote is an escaped quote
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |p| from + p + 1)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "select 'a;b'; select `c;d` -- x;y\n; /* ; */ select \"e\\\";f\";;  ";
        assert_eq!(
            split_statements(sql),
            vec!["select 'a;b'", " select `c;d` -- x;y\n", " /* ; */ select \"e\\\";f\""]
        );
    }

    #[test]
    fn blank_and_comment_only_texts_are_dropped() {
        assert!(split_statements("  ; -- only a comment\n ; /* c */").is_empty());
        assert!(!is_blank("/*!40101 SET NAMES utf8 */"));
    }

    #[test]
    fn unterminated_quote_runs_to_end() {
        assert_eq!(split_statements("select 'abc; def"), vec!["select 'abc; def"]);
    }
}
