//! Table checksums, parsed from tokens (`sqlparser` has no tree for either):
//!
//! ```text
//! ADMIN CHECKSUM TABLE t [, t]…                  -- TiDB: CRC-64 XOR of rows and index entries
//! CHECKSUM TABLE t [, t]… [QUICK | EXTENDED]     -- MySQL: a checksum of the rows
//! ```

use errno::{Error, Result, ER_PARSE};
use sqlparser::tokenizer::Token;

/// Which statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChecksumStmt {
    /// `ADMIN CHECKSUM TABLE …`.
    Admin(Vec<Vec<String>>),
    /// `CHECKSUM TABLE …`.
    Mysql(Vec<Vec<String>>),
}

/// Recognises either statement: `None` when `text` is neither, else the statement or its
/// syntax error (1064).
pub fn recognize(text: &str) -> Option<Result<ChecksumStmt>> {
    if !crate::frontend::text::may_start_with(text, &["ADMIN", "CHECKSUM"]) {
        return None;
    }
    let mut tokens = crate::frontend::text::significant_tokens(text)?;
    tokens.retain(|t| *t != Token::SemiColon);
    let word = |i: usize| match tokens.get(i) {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    let (admin, start) = match (word(0).as_str(), word(1).as_str(), word(2).as_str()) {
        ("ADMIN", "CHECKSUM", "TABLE") => (true, 3),
        ("CHECKSUM", "TABLE", _) => (false, 2),
        ("ADMIN", "CHECKSUM", _) | ("CHECKSUM", _, _) => return Some(Err(near(&tokens, 2))),
        _ => return None,
    };
    let mut names = Vec::new();
    let mut i = start;
    loop {
        let mut name = Vec::new();
        loop {
            match tokens.get(i) {
                Some(Token::Word(w)) => name.push(w.value.clone()),
                _ => return Some(Err(near(&tokens, i))),
            }
            i += 1;
            if tokens.get(i) != Some(&Token::Period) || name.len() == 2 {
                break;
            }
            i += 1;
        }
        names.push(name);
        if tokens.get(i) != Some(&Token::Comma) {
            break;
        }
        i += 1;
    }
    if !admin && matches!(word(i).as_str(), "QUICK" | "EXTENDED") {
        i += 1;
    }
    if i != tokens.len() {
        return Some(Err(near(&tokens, i)));
    }
    Some(Ok(if admin { ChecksumStmt::Admin(names) } else { ChecksumStmt::Mysql(names) }))
}

/// 1064 near token `at`.
fn near(tokens: &[Token], at: usize) -> Error {
    let rest: Vec<String> = tokens.iter().skip(at).map(|t| t.to_string()).collect();
    Error::fmt(ER_PARSE, &[&rest.join(" "), &1i64])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = |s: &str| s.to_string();
        assert_eq!(
            recognize("ADMIN CHECKSUM TABLE t, db.u;").map(|r| r.ok()),
            Some(Some(ChecksumStmt::Admin(vec![vec![t("t")], vec![t("db"), t("u")]])))
        );
        assert_eq!(
            recognize("checksum table `a b` extended").map(|r| r.ok()),
            Some(Some(ChecksumStmt::Mysql(vec![vec![t("a b")]])))
        );
        assert!(recognize("SELECT 1").is_none());
        assert!(recognize("ADMIN SHOW DDL JOBS").is_none());
        for bad in [
            "CHECKSUM TABLE",
            "CHECKSUM TABLE t QUICK x",
            "ADMIN CHECKSUM TABLE t EXTENDED",
            "CHECKSUM t",
        ] {
            assert!(matches!(recognize(bad), Some(Err(e)) if e.code == 1064), "{bad}");
        }
    }
}
