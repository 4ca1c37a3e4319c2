//! `LOAD DATA LOCAL INFILE 'file' [REPLACE | IGNORE] INTO TABLE t [CHARACTER SET cs]
//! [FIELDS [TERMINATED BY 's'] [[OPTIONALLY] ENCLOSED BY 'c'] [ESCAPED BY 'c']]
//! [LINES [STARTING BY 's'] [TERMINATED BY 's']] [IGNORE n {LINES | ROWS}] [(col, …)]`.
//!
//! The client sends the file over the connection (the server asks for it by name: the
//! protocol's LOCAL INFILE request); its lines are split into fields by MySQL's rules and
//! inserted by INSERTs of [`BATCH_ROWS`] rows — with LOCAL, as MySQL does, duplicate keys and
//! values that do not fit become warnings (IGNORE) unless REPLACE is given. sqlparser's LOAD DATA is Hive's, so
//! the statement is recognised from its tokens here. Reading a file on the server (without
//! LOCAL) and the SET clause are refused (1235).

use errno::{Error, Result};
use sqlparser::{
    dialect::MySqlDialect,
    tokenizer::{Token, Tokenizer},
};

/// A parsed `LOAD DATA` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadData {
    /// The file name the client is asked for.
    pub file: String,
    /// REPLACE rows with duplicate keys (else they are skipped: LOCAL implies IGNORE).
    pub replace: bool,
    /// The table, possibly qualified.
    pub table: Vec<String>,
    /// Field separator (default tab).
    pub fields_terminated: String,
    /// Quote character around fields (default none).
    pub enclosed: Option<char>,
    /// Escape character (default backslash; none when given as '').
    pub escaped: Option<char>,
    /// Prefix each line starts with, skipped (default none).
    pub lines_starting: String,
    /// Line separator (default newline).
    pub lines_terminated: String,
    /// Lines skipped at the start.
    pub ignore_lines: usize,
    /// Target columns (default: all, in table order).
    pub columns: Vec<String>,
}

fn syntax(near: &str) -> Error {
    Error::fmt(errno::ER_PARSE, &[&near, &1i64])
}

fn unsupported(what: &str) -> Error {
    Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&what])
}

/// Recognises `LOAD DATA …` in `text`: `None` for any other statement.
pub fn recognize(text: &str) -> Option<Result<LoadData>> {
    if !crate::frontend::text::may_start_with(text, &["LOAD"]) {
        return None;
    }
    let tokens = match Tokenizer::new(&MySqlDialect {}, text).tokenize() {
        Ok(t) => t,
        Err(_) => return Some(Err(syntax(text))),
    };
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        .collect();
    let is = |t: Option<&&Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    if !is(words.first(), "LOAD") || !is(words.get(1), "DATA") {
        return None;
    }
    Some(parse(&words[2..]))
}

fn parse(words: &[&Token]) -> Result<LoadData> {
    let mut at = 0;
    let peek_is = |at: usize, k: &str| matches!(words.get(at), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let rest = |at: usize| {
        words[at.min(words.len())..].iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ")
    };
    let string = |at: usize| match words.get(at) {
        Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => Ok(s.clone()),
        _ => Err(syntax(&rest(at))),
    };
    while peek_is(at, "LOW_PRIORITY") || peek_is(at, "CONCURRENT") {
        at += 1;
    }
    if !peek_is(at, "LOCAL") {
        return Err(unsupported("LOAD DATA INFILE of a file on the server (use LOCAL)"));
    }
    at += 1;
    if !peek_is(at, "INFILE") {
        return Err(syntax(&rest(at)));
    }
    let file = string(at + 1)?;
    at += 2;
    let mut replace = false;
    if peek_is(at, "REPLACE") {
        replace = true;
        at += 1;
    } else if peek_is(at, "IGNORE") {
        at += 1;
    }
    if !(peek_is(at, "INTO") && peek_is(at + 1, "TABLE")) {
        return Err(syntax(&rest(at)));
    }
    at += 2;
    let mut table = Vec::new();
    loop {
        match words.get(at) {
            Some(Token::Word(w)) => table.push(w.value.clone()),
            _ => return Err(syntax(&rest(at))),
        }
        at += 1;
        if words.get(at) == Some(&&Token::Period) {
            at += 1;
        } else {
            break;
        }
    }
    let mut load = LoadData {
        file,
        replace,
        table,
        fields_terminated: "\t".into(),
        enclosed: None,
        escaped: Some('\\'),
        lines_starting: String::new(),
        lines_terminated: "\n".into(),
        ignore_lines: 0,
        columns: Vec::new(),
    };
    if peek_is(at, "PARTITION") {
        return Err(unsupported("LOAD DATA … PARTITION"));
    }
    if peek_is(at, "CHARACTER") && peek_is(at + 1, "SET") {
        at += 3;
    }
    if peek_is(at, "FIELDS") || peek_is(at, "COLUMNS") {
        at += 1;
        loop {
            if peek_is(at, "TERMINATED") && peek_is(at + 1, "BY") {
                load.fields_terminated = string(at + 2)?;
                at += 3;
            } else if peek_is(at, "OPTIONALLY") || peek_is(at, "ENCLOSED") {
                if peek_is(at, "OPTIONALLY") {
                    at += 1;
                }
                if !(peek_is(at, "ENCLOSED") && peek_is(at + 1, "BY")) {
                    return Err(syntax(&rest(at)));
                }
                load.enclosed = string(at + 2)?.chars().next();
                at += 3;
            } else if peek_is(at, "ESCAPED") && peek_is(at + 1, "BY") {
                load.escaped = string(at + 2)?.chars().next();
                at += 3;
            } else {
                break;
            }
        }
    }
    if peek_is(at, "LINES") {
        at += 1;
        loop {
            if peek_is(at, "STARTING") && peek_is(at + 1, "BY") {
                load.lines_starting = string(at + 2)?;
                at += 3;
            } else if peek_is(at, "TERMINATED") && peek_is(at + 1, "BY") {
                load.lines_terminated = string(at + 2)?;
                at += 3;
            } else {
                break;
            }
        }
    }
    if peek_is(at, "IGNORE") {
        let n = match words.get(at + 1) {
            Some(Token::Number(n, _)) => n.parse().map_err(|_| syntax(&rest(at)))?,
            _ => return Err(syntax(&rest(at))),
        };
        if !(peek_is(at + 2, "LINES") || peek_is(at + 2, "ROWS")) {
            return Err(syntax(&rest(at)));
        }
        load.ignore_lines = n;
        at += 3;
    }
    if words.get(at) == Some(&&Token::LParen) {
        at += 1;
        loop {
            match words.get(at) {
                Some(Token::Word(w)) => load.columns.push(w.value.clone()),
                Some(Token::AtSign) => return Err(unsupported("user variables in LOAD DATA")),
                _ => return Err(syntax(&rest(at))),
            }
            at += 1;
            match words.get(at) {
                Some(Token::Comma) => at += 1,
                Some(Token::RParen) => {
                    at += 1;
                    break;
                }
                _ => return Err(syntax(&rest(at))),
            }
        }
    }
    if peek_is(at, "SET") {
        return Err(unsupported("LOAD DATA … SET"));
    }
    if at < words.len() {
        return Err(syntax(&rest(at)));
    }
    if load.fields_terminated.is_empty() || load.lines_terminated.is_empty() {
        return Err(unsupported("an empty FIELDS or LINES TERMINATED BY"));
    }
    Ok(load)
}

/// One field: its text, or `None` for NULL (`\N`, or the word NULL when fields are enclosed).
pub type Field = Option<String>;

impl LoadData {
    /// Splits `data` into rows of fields by the statement's rules (MySQL's): lines end at
    /// LINES TERMINATED BY outside quotes, fields at FIELDS TERMINATED BY; a field may be
    /// ENCLOSED BY a quote (doubled inside to stand for itself); ESCAPED BY escapes the next
    /// character (`\n`, `\t`, `\0`, `\r`, `\b`, `\Z` as MySQL reads them) and `\N` is NULL.
    pub fn rows(&self, data: &str) -> Vec<Vec<Field>> {
        self.rows_iter(data).collect()
    }

    /// [`LoadData::rows`] one row at a time.
    pub fn rows_iter<'s>(&'s self, data: &'s str) -> impl Iterator<Item = Vec<Field>> + 's {
        let mut rest = data;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            if !self.lines_starting.is_empty() {
                let i = rest.find(&self.lines_starting)?;
                rest = &rest[i + self.lines_starting.len()..];
            }
            let (row, after) = self.row(rest);
            rest = after;
            Some(row)
        })
        .skip(self.ignore_lines)
    }

    /// The fields of the line at the start of `s`, and what follows its terminator.
    fn row<'s>(&self, s: &'s str) -> (Vec<Field>, &'s str) {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut escaped_null = false;
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let here = &s[i..];
            if quoted {
                if Some(c) == self.enclosed {
                    if chars.peek().map(|&(_, n)| n) == self.enclosed {
                        chars.next();
                        field.push(c);
                    } else {
                        quoted = false;
                    }
                    continue;
                }
            } else {
                if here.starts_with(&self.lines_terminated) {
                    fields.push(self.finish(std::mem::take(&mut field), was_quoted, escaped_null));
                    return (fields, &s[i + self.lines_terminated.len()..]);
                }
                if here.starts_with(&self.fields_terminated) {
                    fields.push(self.finish(std::mem::take(&mut field), was_quoted, escaped_null));
                    (was_quoted, escaped_null) = (false, false);
                    for _ in 1..self.fields_terminated.chars().count() {
                        chars.next();
                    }
                    continue;
                }
                if Some(c) == self.enclosed && field.is_empty() && !was_quoted {
                    quoted = true;
                    was_quoted = true;
                    continue;
                }
            }
            if Some(c) == self.escaped {
                match chars.next() {
                    Some((_, 'N')) if field.is_empty() && !quoted => escaped_null = true,
                    Some((_, e)) => field.push(match e {
                        '0' => '\0',
                        'b' => '\u{8}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'Z' => '\u{1a}',
                        other => other,
                    }),
                    None => field.push(c),
                }
                continue;
            }
            field.push(c);
        }
        fields.push(self.finish(field, was_quoted, escaped_null));
        (fields, "")
    }

    fn finish(&self, field: String, was_quoted: bool, escaped_null: bool) -> Field {
        if escaped_null && field.is_empty() {
            return None;
        }
        if self.enclosed.is_some() && !was_quoted && field == "NULL" {
            return None;
        }
        Some(field)
    }
}

/// Rows per INSERT a LOAD DATA is split into (TiDB also commits a large LOAD DATA in batches):
/// each runs as its own statement, so a big file is neither held as one statement nor one
/// transaction under autocommit.
pub const BATCH_ROWS: usize = 20_000;

/// A LOAD DATA as the INSERTs it runs, built one batch at a time as the file is read.
pub struct Batches<'s> {
    template: sqlparser::ast::Statement,
    width: usize,
    rows: Box<dyn Iterator<Item = Vec<Field>> + 's>,
    /// Lines read so far (the row numbers of warnings).
    line: usize,
    /// Rows read so far.
    pub records: u64,
    /// `(code, message)` per misshapen row so far: 1261 short of fields, 1262 more of them.
    pub warnings: Vec<(u16, String)>,
}

impl LoadData {
    /// The INSERTs loading `data` (`[INSERT IGNORE | REPLACE] INTO t (cols) VALUES …`,
    /// [`BATCH_ROWS`] rows each) into the table, whose columns are `table_columns`.
    pub fn batches<'s>(&'s self, data: &'s str, table_columns: &[String]) -> Result<Batches<'s>> {
        let quote = |s: &str| format!("`{}`", s.replace('`', "``"));
        let target = self.table.iter().map(|p| quote(p)).collect::<Vec<_>>().join(".");
        let columns =
            if self.columns.is_empty() { table_columns.to_vec() } else { self.columns.clone() };
        let verb = if self.replace { "REPLACE" } else { "INSERT IGNORE" };
        let list = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let template =
            crate::parse_statement(&format!("{verb} INTO {target} ({list}) VALUES (1)"))?;
        Ok(Batches {
            template,
            width: columns.len(),
            rows: Box::new(self.rows_iter(data)),
            line: self.ignore_lines,
            records: 0,
            warnings: Vec::new(),
        })
    }
}

impl Iterator for Batches<'_> {
    type Item = sqlparser::ast::Statement;

    fn next(&mut self) -> Option<Self::Item> {
        use sqlparser::ast::{Expr, Ident, Parens, SetExpr, Statement, Value as AstValue};
        let mut rows: Vec<Parens<Vec<Expr>>> = Vec::new();
        while rows.len() < BATCH_ROWS {
            let Some(fields) = self.rows.next() else { break };
            self.line += 1;
            if fields.len() == 1 && fields[0].as_deref() == Some("") {
                continue;
            }
            let n = self.line;
            if fields.len() < self.width {
                self.warnings.push((1261, format!("Row {n} doesn't contain data for all columns")));
            } else if fields.len() > self.width {
                let m = format!(
                    "Row {n} was truncated; it contained more data than there were input columns"
                );
                self.warnings.push((1262, m));
            }
            let mut row: Vec<Expr> = fields
                .into_iter()
                .take(self.width)
                .map(|f| match f {
                    Some(s) => Expr::value(AstValue::SingleQuotedString(s)),
                    None => Expr::value(AstValue::Null),
                })
                .collect();
            while row.len() < self.width {
                row.push(Expr::Identifier(Ident::new("DEFAULT")));
            }
            rows.push(Parens::with_empty_span(row));
        }
        if rows.is_empty() {
            return None;
        }
        self.records += rows.len() as u64;
        let mut insert = self.template.clone();
        if let Statement::Insert(ins) = &mut insert {
            if let Some(SetExpr::Values(v)) = ins.source.as_mut().map(|s| s.body.as_mut()) {
                v.rows = rows;
            }
        }
        Some(insert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(sql: &str) -> LoadData {
        recognize(sql).expect("LOAD DATA").expect("parses")
    }

    #[test]
    fn statement_forms() {
        let l = load("LOAD DATA LOCAL INFILE '/tmp/x.csv' REPLACE INTO TABLE db.t FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES (a, b)");
        assert_eq!(l.file, "/tmp/x.csv");
        assert!(l.replace);
        assert_eq!(l.table, vec!["db".to_string(), "t".to_string()]);
        assert_eq!((l.fields_terminated.as_str(), l.enclosed), (",", Some('"')));
        assert_eq!(l.lines_terminated, "\r\n");
        assert_eq!((l.ignore_lines, l.columns.len()), (1, 2));
        assert!(recognize("SELECT 1").is_none());
        let code = |sql: &str| recognize(sql).and_then(|r| r.err()).map(|e| e.code);
        assert_eq!(code("LOAD DATA INFILE '/etc/passwd' INTO TABLE t"), Some(1235));
        assert_eq!(code("LOAD DATA LOCAL INFILE 'f' INTO t"), Some(1064));
        assert_eq!(code("LOAD DATA LOCAL INFILE 'f' INTO TABLE t SET a = 1"), Some(1235));
    }

    #[test]
    fn fields_quotes_escapes_and_nulls() {
        let l = load("LOAD DATA LOCAL INFILE 'f' INTO TABLE t FIELDS TERMINATED BY ',' ENCLOSED BY '\"' IGNORE 1 LINES");
        let rows = l.rows("h1,h2,h3\n1,\"a,b\",\\N\n2,\"say \"\"hi\"\"\",NULL\n3,x\\ty,\n");
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            rows,
            vec![
                vec![s("1"), s("a,b"), None],
                vec![s("2"), s("say \"hi\""), None],
                vec![s("3"), s("x\ty"), s("")],
            ]
        );
        let tabs = load("LOAD DATA LOCAL INFILE 'f' INTO TABLE t");
        assert_eq!(
            tabs.rows("1\tone\n2\ttwo"),
            vec![vec![s("1"), s("one")], vec![s("2"), s("two")]]
        );
    }
}
