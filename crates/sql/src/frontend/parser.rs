//! Parsing one statement with `sqlparser` (MySQL dialect) and MySQL-shaped syntax errors.

use errno::{Error, Result, ER_PARSE};
use sqlparser::{
    ast::Statement,
    dialect::MySqlDialect,
    parser::{Parser, ParserError},
    tokenizer::{Location, Token},
};

/// Parses exactly one statement (a trailing `;` is allowed).
pub fn parse_statement(text: &str) -> Result<Statement> {
    let rewritten = rewrite_lock_in_share_mode(text)
        .or_else(|| rewrite_consistent_snapshot(text))
        .or_else(|| rewrite_kill_tidb(text))
        .or_else(|| rewrite_explain_format(text))
        .or_else(|| rewrite_update_comma(text));
    let text = rewritten.as_deref().unwrap_or(text);
    let dialect = MySqlDialect {};
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(super::stack::PARSER_DEPTH)
        .try_with_sql(text)
        .map_err(|e| syntax_error(text, &e))?;
    let stmt = match parser.parse_statement() {
        Ok(stmt) => stmt,
        Err(e) => return without_table_lock(text).ok_or_else(|| syntax_error(text, &e)),
    };
    while parser.consume_token(&Token::SemiColon) {}
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return without_table_lock(text).ok_or_else(|| near(text, next.span.start));
    }
    Ok(stmt)
}

/// `… LOCK IN SHARE MODE` (MySQL's older spelling, which sqlparser lacks) → `… FOR SHARE`.
fn rewrite_lock_in_share_mode(text: &str) -> Option<String> {
    let trimmed = text.trim_end().trim_end_matches(';').trim_end();
    let words: Vec<&str> = trimmed.rsplitn(5, char::is_whitespace).collect();
    let tail = ["MODE", "SHARE", "IN", "LOCK"];
    let matches =
        words.len() == 5 && words.iter().zip(tail).all(|(w, t)| w.eq_ignore_ascii_case(t));
    matches.then(|| format!("{} FOR SHARE", words[4]))
}

/// TiDB's `KILL TIDB [CONNECTION | QUERY] id` → `KILL [CONNECTION | QUERY] id` (one server: the
/// TIDB keyword only says "this TiDB instance").
fn rewrite_kill_tidb(text: &str) -> Option<String> {
    let t = text.trim_start();
    let rest = t.get(..4).filter(|k| k.eq_ignore_ascii_case("KILL")).map(|_| &t[4..])?;
    let after = rest.trim_start();
    if rest.len() == after.len() {
        return None;
    }
    let tail = after.get(..4).filter(|k| k.eq_ignore_ascii_case("TIDB")).map(|_| &after[4..])?;
    tail.starts_with(char::is_whitespace).then(|| format!("KILL{tail}"))
}

/// TiDB's `EXPLAIN [ANALYZE] FORMAT = 'row' | 'brief' …` (quoted or bare): sqlparser knows only
/// MySQL's format keywords. `'row'` is the default table and is dropped; `'brief'` (operator
/// ids without their `_N` suffix) is carried as `FORMAT=TEXT`, a format TiDB does not have.
fn rewrite_explain_format(text: &str) -> Option<String> {
    let t = text.trim_start();
    let word = crate::frontend::text::first_word(t);
    if !["EXPLAIN", "DESC", "DESCRIBE"].iter().any(|w| word.eq_ignore_ascii_case(w)) {
        return None;
    }
    let mut rest = t[word.len()..].trim_start();
    let analyze = crate::frontend::text::first_word(rest);
    if analyze.eq_ignore_ascii_case("ANALYZE") {
        rest = rest[analyze.len()..].trim_start();
    }
    let format = crate::frontend::text::first_word(rest);
    if !format.eq_ignore_ascii_case("FORMAT") {
        return None;
    }
    let after = rest[format.len()..].trim_start().strip_prefix('=')?.trim_start();
    let (value, tail) = match after.chars().next()? {
        q @ ('\'' | '"') => {
            let end = after[1..].find(q)? + 1;
            (&after[1..end], &after[end + 1..])
        }
        _ => {
            let w = crate::frontend::text::first_word(after);
            (w, &after[w.len()..])
        }
    };
    let replacement = if value.eq_ignore_ascii_case("row") {
        ""
    } else if value.eq_ignore_ascii_case("brief") {
        "FORMAT=TEXT "
    } else {
        return None;
    };
    let prefix = &t[..t.len() - rest.len()];
    Some(format!("{prefix}{replacement}{}", tail.trim_start()))
}

/// `SELECT 1 FOR UPDATE`: sqlparser reads a locking clause only after FROM. With no table
/// there is nothing to lock, so the statement is the query without it.
fn without_table_lock(text: &str) -> Option<Statement> {
    let trimmed = text.trim_end().trim_end_matches(';').trim_end();
    let upper = trimmed.to_ascii_uppercase();
    let cut = [" FOR UPDATE", " FOR SHARE", " LOCK IN SHARE MODE"]
        .iter()
        .find_map(|suffix| upper.ends_with(suffix).then(|| trimmed.len() - suffix.len()))?;
    let rest = trimmed.get(..cut)?;
    let mut parser = Parser::new(&MySqlDialect {}).try_with_sql(rest).ok()?;
    let stmt = parser.parse_statement().ok()?;
    if parser.peek_token().token != Token::EOF {
        return None;
    }
    match &stmt {
        Statement::Query(q) => match q.body.as_ref() {
            sqlparser::ast::SetExpr::Select(s) if s.from.is_empty() => Some(stmt),
            _ => None,
        },
        _ => None,
    }
}

/// `START TRANSACTION … WITH CONSISTENT SNAPSHOT` (which sqlparser lacks) without that
/// characteristic: every FerroDB transaction reads one snapshot taken when it starts.
fn rewrite_consistent_snapshot(text: &str) -> Option<String> {
    use sqlparser::tokenizer::Tokenizer;
    // Every statement passes here: look at the first word before tokenizing.
    if !crate::frontend::text::may_start_with(text, &["START"]) {
        return None;
    }
    let tokens = Tokenizer::new(&MySqlDialect {}, text).tokenize().ok()?;
    let is = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    let words: Vec<(usize, &Token)> =
        tokens.iter().enumerate().filter(|(_, t)| !matches!(t, Token::Whitespace(_))).collect();
    if words.len() < 5 || !is(words[0].1, "START") || !is(words[1].1, "TRANSACTION") {
        return None;
    }
    let at = (2..words.len().saturating_sub(2)).find(|&i| {
        is(words[i].1, "WITH") && is(words[i + 1].1, "CONSISTENT") && is(words[i + 2].1, "SNAPSHOT")
    })?;
    // Drop the three words and one comma that joined them to another characteristic.
    let mut drop: Vec<usize> = (at..at + 3).map(|i| words[i].0).collect();
    if at > 2 && words[at - 1].1 == &Token::Comma {
        drop.push(words[at - 1].0);
    } else if words.get(at + 3).is_some_and(|(_, t)| *t == &Token::Comma) {
        drop.push(words[at + 3].0);
    }
    Some(
        tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(_, t)| t.to_string())
            .collect(),
    )
}

/// `UPDATE a, b SET …` (MySQL's comma form of a multi-table UPDATE, which sqlparser lacks) →
/// `UPDATE a CROSS JOIN b SET …`: the same rows (it also accepts an ON naming a table left of
/// the comma, which MySQL refuses).
fn rewrite_update_comma(text: &str) -> Option<String> {
    use sqlparser::tokenizer::Tokenizer;
    if !crate::frontend::text::may_start_with(text, &["UPDATE"]) {
        return None;
    }
    // Most UPDATEs have no comma before SET: no tokenizing for them.
    let upper = text.to_ascii_uppercase();
    let set_at = upper
        .match_indices("SET")
        .map(|(i, _)| i)
        .find(|&i| upper[..i].ends_with(|c: char| c.is_whitespace() || c == '`' || c == ')'))?;
    if !text[..set_at].contains(',') {
        return None;
    }
    let tokens = Tokenizer::new(&MySqlDialect {}, text).tokenize().ok()?;
    let is_set = |t: &Token| matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case("SET"));
    let mut depth = 0i32;
    let mut commas = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => commas.push(i),
            t if depth == 0 && is_set(t) => break,
            _ => {}
        }
    }
    if commas.is_empty() {
        return None;
    }
    Some(
        tokens
            .iter()
            .enumerate()
            .map(
                |(i, t)| {
                    if commas.contains(&i) {
                        " CROSS JOIN ".to_string()
                    } else {
                        t.to_string()
                    }
                },
            )
            .collect(),
    )
}

/// Converts a parser error into MySQL's 1064 message, quoting the text from the error position.
fn syntax_error(text: &str, e: &ParserError) -> Error {
    let msg = e.to_string();
    // sqlparser ends its messages with " at Line: L, Column: C".
    let loc = msg.rsplit_once(" at Line: ").and_then(|(_, tail)| {
        let (l, c) = tail.split_once(", Column: ")?;
        Some(Location { line: l.trim().parse().ok()?, column: c.trim().parse().ok()? })
    });
    match loc {
        Some(loc) => near(text, loc),
        None => near(text, Location { line: u64::MAX, column: 0 }),
    }
}

/// `… near '<rest of statement from loc>' at line N`, the rest cut to 80 characters as MySQL does.
fn near(text: &str, loc: Location) -> Error {
    let offset = offset_of(text, loc).unwrap_or(text.len());
    let rest: String = text[offset..].chars().take(80).collect();
    let line = if loc.line == u64::MAX { text.lines().count().max(1) as u64 } else { loc.line };
    Error::fmt(ER_PARSE, &[&rest, &line])
}

/// Byte offset of a 1-based line/column (columns count characters).
pub fn offset_of(text: &str, loc: Location) -> Option<usize> {
    if loc.line == 0 {
        return None;
    }
    let mut line_start = 0;
    for _ in 1..loc.line {
        line_start += text[line_start..].find('\n')? + 1;
    }
    let col = loc.column.saturating_sub(1) as usize;
    let line = &text[line_start..];
    // ASCII up to the column (the usual case) maps characters to bytes one to one; the check
    // is a vectorised scan, where counting characters is not (wide select lists call this
    // once per item).
    if line.as_bytes().get(..col).is_some_and(|b| b.is_ascii()) {
        return Some(line_start + col);
    }
    Some(line_start + line.char_indices().nth(col).map_or(line.len(), |(i, _)| i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_statement_with_trailing_semicolon() {
        assert!(parse_statement("select 1;").is_ok());
    }

    #[test]
    fn syntax_error_quotes_rest_of_statement() {
        let e = parse_statement("select * frm t").expect_err("bad");
        assert_eq!(e.code, 1064);
        assert_eq!(e.state, "42000");
        assert!(e.message.ends_with("near 'frm t' at line 1"), "{}", e.message);
        let e = parse_statement("select 1,\n  from").expect_err("bad");
        assert!(e.message.ends_with("at line 2"), "{}", e.message);
    }

    #[test]
    fn locking_clause_without_tables_is_accepted() {
        assert!(parse_statement("SELECT 1 FOR UPDATE").is_ok());
        assert!(parse_statement("select 1 + 1 lock in share mode;").is_ok());
        assert!(parse_statement("SELECT 1 FROM t WHERE FOR UPDATE").is_err());
    }

    #[test]
    fn consistent_snapshot_is_accepted() {
        for sql in [
            "START TRANSACTION WITH CONSISTENT SNAPSHOT",
            "start transaction read only, with consistent snapshot;",
            "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ WRITE",
        ] {
            assert!(parse_statement(sql).is_ok(), "{sql}");
        }
        assert!(parse_statement("START TRANSACTION WITH CONSISTENT").is_err());
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        let e = parse_statement("select 1 2").expect_err("bad");
        assert!(e.message.contains("near '2'"), "{}", e.message);
    }

    #[test]
    fn offsets_count_characters() {
        let t = "é\nab";
        assert_eq!(offset_of(t, Location { line: 2, column: 2 }), Some(4));
    }
}
