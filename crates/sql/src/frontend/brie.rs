//! TiDB's backup statements (which `sqlparser` has no tree for), parsed from tokens:
//!
//! ```text
//! BACKUP  {DATABASE {* | db [, db]…} | TABLE t [, t]…} TO   'url' [option [=] value]…
//! RESTORE {DATABASE {* | db [, db]…} | TABLE t [, t]…} FROM 'url' [option [=] value]…
//! SHOW {BACKUPS | RESTORES} [LIKE 'pattern' | WHERE expr]
//! ```
//!
//! Options follow TiDB's grammar (`RATE_LIMIT = 120 MB/SECOND`, `CHECKSUM = FALSE`,
//! `SNAPSHOT = 36 HOUR AGO`, …); what each means is the executor's business.

use errno::{Error, Result, ER_PARSE};
/// A SHOW statement's `LIKE` / `WHERE` filter.
pub use sqlparser::ast::ShowStatementFilter as ShowFilter;
use sqlparser::{ast::ShowStatementFilter, tokenizer::Token};

/// BACKUP or RESTORE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrieKind {
    /// `BACKUP … TO`.
    Backup,
    /// `RESTORE … FROM`.
    Restore,
}

/// What the statement covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrieTables {
    /// `DATABASE *`.
    AllDatabases,
    /// `DATABASE a, b`.
    Databases(Vec<String>),
    /// `TABLE t, db.u` (each name one or two parts).
    Tables(Vec<Vec<String>>),
}

/// An option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrieValue {
    /// A number.
    Num(u64),
    /// A quoted string.
    Text(String),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// `n MB/SECOND`.
    MbPerSecond(u64),
    /// `n UNIT AGO` (unit upper-cased).
    Ago(u64, String),
}

impl BrieValue {
    /// The value as a boolean (numbers: non-zero).
    pub fn truth(&self) -> bool {
        match self {
            BrieValue::Bool(b) => *b,
            BrieValue::Num(n) | BrieValue::MbPerSecond(n) | BrieValue::Ago(n, _) => *n != 0,
            BrieValue::Text(s) => !s.is_empty() && s != "0",
        }
    }
}

/// `BACKUP` or `RESTORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrieStmt {
    /// Which.
    pub kind: BrieKind,
    /// What it covers.
    pub tables: BrieTables,
    /// The archive's URL.
    pub url: String,
    /// Options in order, names upper-cased.
    pub options: Vec<(String, BrieValue)>,
}

/// A recognised statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Brie {
    /// `BACKUP …` / `RESTORE …`.
    Run(BrieStmt),
    /// `SHOW BACKUPS` / `SHOW RESTORES` with its filter.
    Show {
        /// RESTORES rather than BACKUPS.
        restores: bool,
        /// `LIKE` (on the destination) or `WHERE`.
        filter: Option<Box<ShowStatementFilter>>,
    },
}

const BACKUP_OPTIONS: &[&str] = &[
    "RATE_LIMIT",
    "CONCURRENCY",
    "CHECKSUM",
    "CHECKSUM_CONCURRENCY",
    "COMPRESSION_LEVEL",
    "COMPRESSION_TYPE",
    "IGNORE_STATS",
    "LAST_BACKUP",
    "SEND_CREDENTIALS_TO_TIKV",
    "SNAPSHOT",
];

const RESTORE_OPTIONS: &[&str] = &[
    "RATE_LIMIT",
    "CONCURRENCY",
    "CHECKSUM",
    "CHECKSUM_CONCURRENCY",
    "LOAD_STATS",
    "ONLINE",
    "SEND_CREDENTIALS_TO_TIKV",
    "WAIT_TIFLASH_READY",
    "WITH_SYS_TABLE",
];

/// Recognises a backup statement: `None` when `text` is not one, else the statement or its
/// syntax error (1064).
pub fn recognize(text: &str) -> Option<Result<Brie>> {
    if !crate::frontend::text::may_start_with(text, &["BACKUP", "RESTORE", "SHOW"]) {
        return None;
    }
    let tokens = crate::frontend::text::significant_tokens(text)?;
    let mut p = P { tokens, pos: 0, text };
    if p.keyword("SHOW") {
        let restores = if p.keyword("BACKUPS") {
            false
        } else if p.keyword("RESTORES") {
            true
        } else {
            return None;
        };
        return Some(
            p.show_filter().map(|filter| Brie::Show { restores, filter: filter.map(Box::new) }),
        );
    }
    let kind = if p.keyword("BACKUP") {
        BrieKind::Backup
    } else if p.keyword("RESTORE") {
        BrieKind::Restore
    } else {
        return None;
    };
    Some(p.statement(kind).map(Brie::Run))
}

struct P<'a> {
    tokens: Vec<Token>,
    pos: usize,
    text: &'a str,
}

impl P<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn keyword(&mut self, k: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn token(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// 1064 near the current token (the rest of the statement, as MySQL quotes it).
    fn error(&self) -> Error {
        let rest: String = self.tokens[self.pos.min(self.tokens.len())..]
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let near = if rest.is_empty() { String::new() } else { rest };
        let _ = self.text;
        Error::fmt(ER_PARSE, &[&near, &1i64])
    }

    fn ident(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let v = w.value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.error()),
        }
    }

    fn statement(&mut self, kind: BrieKind) -> Result<BrieStmt> {
        let tables = if self.keyword("DATABASE") || self.keyword("SCHEMA") {
            if self.token(&Token::Mul) {
                BrieTables::AllDatabases
            } else {
                let mut dbs = vec![self.ident()?];
                while self.token(&Token::Comma) {
                    dbs.push(self.ident()?);
                }
                BrieTables::Databases(dbs)
            }
        } else if self.keyword("TABLE") {
            let mut tables = Vec::new();
            loop {
                let mut name = vec![self.ident()?];
                if self.token(&Token::Period) {
                    name.push(self.ident()?);
                }
                tables.push(name);
                if !self.token(&Token::Comma) {
                    break;
                }
            }
            BrieTables::Tables(tables)
        } else {
            return Err(self.error());
        };
        let word = if kind == BrieKind::Backup { "TO" } else { "FROM" };
        if !self.keyword(word) {
            return Err(self.error());
        }
        let url = match self.peek() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => s.clone(),
            _ => return Err(self.error()),
        };
        self.pos += 1;
        let allowed = if kind == BrieKind::Backup { BACKUP_OPTIONS } else { RESTORE_OPTIONS };
        let mut options = Vec::new();
        while let Some(tok) = self.peek() {
            if *tok == Token::SemiColon {
                self.pos += 1;
                continue;
            }
            let start = self.pos;
            let name = self.ident()?.to_ascii_uppercase();
            if !allowed.contains(&name.as_str()) {
                self.pos = start;
                return Err(self.error());
            }
            self.token(&Token::Eq);
            let value = self.value(&name)?;
            options.push((name, value));
        }
        Ok(BrieStmt { kind, tables, url, options })
    }

    fn number(&mut self) -> Option<u64> {
        match self.peek() {
            Some(Token::Number(n, _)) => {
                let v = n.parse().ok()?;
                self.pos += 1;
                Some(v)
            }
            _ => None,
        }
    }

    fn value(&mut self, name: &str) -> Result<BrieValue> {
        if let Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) = self.peek() {
            let s = s.clone();
            self.pos += 1;
            return Ok(BrieValue::Text(s));
        }
        if self.keyword("TRUE") {
            return Ok(BrieValue::Bool(true));
        }
        if self.keyword("FALSE") {
            return Ok(BrieValue::Bool(false));
        }
        let n = self.number().ok_or_else(|| self.error())?;
        if name == "RATE_LIMIT" {
            if self.keyword("MB") && self.token(&Token::Div) && self.keyword("SECOND") {
                return Ok(BrieValue::MbPerSecond(n));
            }
            return Err(self.error());
        }
        if name == "SNAPSHOT" {
            if let Some(Token::Word(w)) = self.peek() {
                let unit = w.value.to_ascii_uppercase();
                if ["MICROSECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK"]
                    .contains(&unit.as_str())
                {
                    self.pos += 1;
                    if !self.keyword("AGO") {
                        return Err(self.error());
                    }
                    return Ok(BrieValue::Ago(n, unit));
                }
            }
        }
        Ok(BrieValue::Num(n))
    }

    /// `[LIKE 'pattern' | WHERE expr]` after SHOW BACKUPS / RESTORES, parsed as SHOW
    /// VARIABLES' filter.
    fn show_filter(&mut self) -> Result<Option<ShowStatementFilter>> {
        let rest: String =
            self.tokens[self.pos..].iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ");
        if rest.trim().trim_end_matches(';').trim().is_empty() {
            return Ok(None);
        }
        match crate::parse_statement(&format!("SHOW VARIABLES {rest}")) {
            Ok(sqlparser::ast::Statement::ShowVariables { filter, .. }) => Ok(filter),
            _ => Err(self.error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> BrieStmt {
        match recognize(text) {
            Some(Ok(Brie::Run(s))) => s,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn statements() {
        let s = run("BACKUP DATABASE `test` TO 'local:///mnt/backup/2020/04/'");
        assert_eq!(s.kind, BrieKind::Backup);
        assert_eq!(s.tables, BrieTables::Databases(vec!["test".into()]));
        assert_eq!(s.url, "local:///mnt/backup/2020/04/");
        let s = run("backup table test.sbtest01, sbtest02 to '/x' RATE_LIMIT = 120 MB/SECOND CONCURRENCY 8 CHECKSUM = FALSE;");
        assert_eq!(
            s.tables,
            BrieTables::Tables(vec![
                vec!["test".into(), "sbtest01".into()],
                vec!["sbtest02".into()]
            ])
        );
        assert_eq!(
            s.options,
            vec![
                ("RATE_LIMIT".into(), BrieValue::MbPerSecond(120)),
                ("CONCURRENCY".into(), BrieValue::Num(8)),
                ("CHECKSUM".into(), BrieValue::Bool(false)),
            ]
        );
        let s = run("BACKUP DATABASE * TO 'local:///b' SNAPSHOT = 36 HOUR AGO");
        assert_eq!(s.tables, BrieTables::AllDatabases);
        assert_eq!(s.options, vec![("SNAPSHOT".into(), BrieValue::Ago(36, "HOUR".into()))]);
        let s = run("RESTORE DATABASE * FROM 'local:///b' CHECKSUM 0 LOAD_STATS = TRUE");
        assert_eq!(s.kind, BrieKind::Restore);
        assert!(!s.options[0].1.truth() && s.options[1].1.truth());
        assert!(recognize("SELECT 1").is_none());
        assert!(recognize("SHOW TABLES").is_none());
        assert!(matches!(
            recognize("SHOW BACKUPS"),
            Some(Ok(Brie::Show { restores: false, filter: None }))
        ));
        let filter = |text: &str| match recognize(text) {
            Some(Ok(Brie::Show { filter: Some(f), .. })) => *f,
            other => panic!("{text}: {other:?}"),
        };
        assert!(matches!(filter("show restores like 'local%'"), ShowStatementFilter::Like(_)));
        assert!(matches!(
            filter("SHOW BACKUPS WHERE Progress < 25.0"),
            ShowStatementFilter::Where(_)
        ));
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "BACKUP DATABASE test 'x'",
            "BACKUP DATABASE test TO x",
            "BACKUP test TO 'x'",
            "BACKUP DATABASE test TO 'x' LOAD_STATS = 1",
            "RESTORE DATABASE test FROM 'x' SNAPSHOT = 1",
            "RESTORE DATABASE test TO 'x'",
            "BACKUP DATABASE test TO 'x' RATE_LIMIT = 1",
            "BACKUP DATABASE test TO 'x' SNAPSHOT = 1 YEAR AGO",
            "SHOW BACKUPS WHERE",
        ] {
            match recognize(bad) {
                Some(Err(e)) => assert_eq!(e.code, 1064, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
