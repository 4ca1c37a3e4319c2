//! Statements `sqlparser` has no syntax tree for, recognised from their tokens before parsing.
//!
//! Today that is `ALTER TABLE t COMMENT …` and `… {ENABLE | DISABLE} KEYS`,
//! `SHOW CREATE {DATABASE | SCHEMA} [IF NOT EXISTS] name`, `SHOW TABLE STATUS
//! … LIKE 'pattern'` and `SHOW STATS_META | STATS_HISTOGRAMS LIKE 'pattern'` (sqlparser drops
//! the pattern), and `ANALYZE TABLE t1, t2, …` (sqlparser takes one table). Each is answered here from the catalog;
//! everything else goes to [`crate::parse_statement`].

use catalog::Catalog;
use errno::{Error, Result, ER_BAD_DB};
use sqlparser::{
    dialect::MySqlDialect,
    tokenizer::{Token, Tokenizer},
};
use types::{ResultColumn, Value};

use crate::{
    context::SessionCtx,
    result::{ExecResult, ResultSet},
};

/// A statement recognised from its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Special {
    /// `SHOW CREATE DATABASE [IF NOT EXISTS] name`.
    ShowCreateDatabase {
        /// The database name as written (unquoted).
        name: String,
        /// `IF NOT EXISTS` was given: the statement shown carries it too.
        if_not_exists: bool,
    },
    /// `ALTER TABLE t COMMENT [=] 'text'`.
    AlterTableComment {
        /// The table name, possibly qualified.
        table: Vec<String>,
        /// The new comment.
        comment: String,
    },
    /// `ALTER TABLE t {ENABLE | DISABLE} KEYS` (what dumps wrap their INSERTs in): a no-op
    /// for this engine, as in InnoDB and TiDB, once the table is checked.
    AlterTableKeys {
        /// The table name, possibly qualified.
        table: Vec<String>,
    },
    /// `SHOW STATS_META | STATS_HISTOGRAMS LIKE 'pattern'`.
    ShowStatsLike {
        /// STATS_HISTOGRAMS rather than STATS_META.
        histograms: bool,
        /// The LIKE pattern (on the table name).
        pattern: String,
    },
    /// `ANALYZE [NO_WRITE_TO_BINLOG | LOCAL] TABLE t1, t2, …` (two or more tables).
    AnalyzeTables {
        /// Each table's name, possibly qualified.
        tables: Vec<Vec<String>>,
    },
    /// `SHOW TABLE STATUS [FROM|IN db] LIKE 'pattern'`.
    ShowTableStatusLike {
        /// The database, when named.
        db: Option<String>,
        /// The LIKE pattern.
        pattern: String,
    },
}

impl Special {
    /// Whether the statement changes the schema (runs as DDL: after committing the open
    /// transaction, one DDL at a time).
    pub fn is_ddl(&self) -> bool {
        matches!(self, Special::AlterTableComment { .. } | Special::AlterTableKeys { .. })
    }
}

/// `ALTER TABLE name COMMENT [=] 'text'` (sqlparser has no tree for a bare table option), and
/// `ALTER TABLE name {ENABLE | DISABLE} KEYS`.
fn alter_table_comment(tokens: &[Token]) -> Option<Special> {
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        .peekable();
    let is = |t: Option<&Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    if !is(words.next(), "ALTER") || !is(words.next(), "TABLE") {
        return None;
    }
    let mut table = Vec::new();
    loop {
        match words.next() {
            Some(Token::Word(w)) => table.push(w.value.clone()),
            _ => return None,
        }
        if words.peek() == Some(&&Token::Period) {
            words.next();
        } else {
            break;
        }
    }
    let next = words.next();
    if is(next, "ENABLE") || is(next, "DISABLE") {
        return (is(words.next(), "KEYS") && words.next().is_none())
            .then_some(Special::AlterTableKeys { table });
    }
    if !is(next, "COMMENT") {
        return None;
    }
    if words.peek() == Some(&&Token::Eq) {
        words.next();
    }
    let comment = quoted(words.next())?;
    words.next().is_none().then_some(Special::AlterTableComment { table, comment })
}

/// `ANALYZE [NO_WRITE_TO_BINLOG | LOCAL] TABLE a, b[, …]` with two or more plain names.
fn analyze_tables(tokens: &[Token]) -> Option<Special> {
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        .peekable();
    let is = |t: Option<&&Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    if !is(words.next().as_ref(), "ANALYZE") {
        return None;
    }
    if is(words.peek(), "NO_WRITE_TO_BINLOG") || is(words.peek(), "LOCAL") {
        words.next();
    }
    if !is(words.next().as_ref(), "TABLE") {
        return None;
    }
    let mut tables = vec![Vec::new()];
    loop {
        let Some(Token::Word(w)) = words.next() else { return None };
        tables.last_mut()?.push(w.value.clone());
        match words.next() {
            None => break,
            Some(Token::Period) => {}
            Some(Token::Comma) => tables.push(Vec::new()),
            Some(_) => return None,
        }
    }
    (tables.len() > 1).then_some(Special::AnalyzeTables { tables })
}

/// The text of a quoted string token (a LIKE pattern, a comment).
fn quoted(t: Option<&Token>) -> Option<String> {
    match t {
        Some(Token::SingleQuotedString(p) | Token::DoubleQuotedString(p)) => Some(p.clone()),
        _ => None,
    }
}

/// Recognises a special statement in `text`.
pub fn recognize(text: &str) -> Option<Special> {
    // Every statement passes here: only SHOW and ALTER can be special, so look at the first
    // word before tokenizing.
    if !crate::frontend::text::may_start_with(text, &["SHOW", "ALTER", "ANALYZE"]) {
        return None;
    }
    let tokens = Tokenizer::new(&MySqlDialect {}, text).tokenize().ok()?;
    if let Some(s) = alter_table_comment(&tokens).or_else(|| analyze_tables(&tokens)) {
        return Some(s);
    }
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF));
    let mut keyword = |k: &str| match words.clone().next() {
        Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k) => {
            words.next();
            true
        }
        _ => false,
    };
    if !keyword("SHOW") {
        return None;
    }
    let stats = if keyword("STATS_META") {
        Some(false)
    } else if keyword("STATS_HISTOGRAMS") {
        Some(true)
    } else {
        None
    };
    if let Some(histograms) = stats {
        if !keyword("LIKE") {
            return None;
        }
        let pattern = quoted(words.next())?;
        return words.next().is_none().then_some(Special::ShowStatsLike { histograms, pattern });
    }
    if keyword("TABLE") {
        if !keyword("STATUS") {
            return None;
        }
        let db = if keyword("FROM") || keyword("IN") {
            match words.next() {
                Some(Token::Word(w)) => Some(w.value.clone()),
                _ => return None,
            }
        } else {
            None
        };
        let mut keyword = |k: &str| match words.clone().next() {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k) => {
                words.next();
                true
            }
            _ => false,
        };
        if !keyword("LIKE") {
            return None;
        }
        let pattern = quoted(words.next())?;
        return words.next().is_none().then_some(Special::ShowTableStatusLike { db, pattern });
    }
    if !(keyword("CREATE") && (keyword("DATABASE") || keyword("SCHEMA"))) {
        return None;
    }
    let if_not_exists = keyword("IF") && keyword("NOT") && keyword("EXISTS");
    let name = match words.next() {
        Some(Token::Word(w)) => w.value.clone(),
        _ => return None,
    };
    words.next().is_none().then_some(Special::ShowCreateDatabase { name, if_not_exists })
}

/// A table name as written (`t` or `db.t`) as database and table; 1046 without a current
/// database.
fn db_and_table(ctx: &SessionCtx, parts: &[String]) -> Result<(String, String)> {
    match parts {
        [db, t] => Ok((db.clone(), t.clone())),
        [t] => {
            Ok((ctx.current_db.clone().ok_or_else(|| Error::fmt(errno::ER_NO_DB, &[]))?, t.clone()))
        }
        _ => Err(Error::fmt(errno::ER_PARSE, &[&parts.join("."), &1])),
    }
}

/// Runs a special statement.
pub fn execute(ctx: &SessionCtx, catalog: &Catalog, stmt: &Special) -> Result<ExecResult> {
    match stmt {
        Special::AlterTableComment { table, comment } => {
            let (db, name) = db_and_table(ctx, table)?;
            crate::privileges::check_table(ctx, catalog, &db, &name, &[privilege::Priv::Alter])?;
            catalog.alter_table(&db, &name, |_, t| {
                if t.view.is_some() {
                    return Err(Error::fmt(errno::ER_WRONG_OBJECT, &[&db, &name, &"BASE TABLE"]));
                }
                t.comment = comment.clone();
                Ok(())
            })?;
            Ok(ExecResult::ok())
        }
        Special::AlterTableKeys { table } => {
            let (db, name) = db_and_table(ctx, table)?;
            crate::privileges::check_table(ctx, catalog, &db, &name, &[privilege::Priv::Alter])?;
            catalog.schema().table(&db, &name)?;
            Ok(ExecResult::ok())
        }
        Special::AnalyzeTables { tables } => {
            for table in tables {
                let (db, name) = db_and_table(ctx, table)?;
                let privs = [privilege::Priv::Select, privilege::Priv::Insert];
                crate::privileges::check_table(ctx, catalog, &db, &name, &privs)?;
            }
            for table in tables {
                let (db, name) = db_and_table(ctx, table)?;
                crate::executor::analyze_table(ctx, catalog, &db, &name)?;
            }
            Ok(ExecResult::ok())
        }
        Special::ShowStatsLike { histograms, pattern } => {
            crate::executor::show_stats(catalog, *histograms, Some(pattern))
        }
        Special::ShowTableStatusLike { db, pattern } => {
            crate::executor::table_status(ctx, catalog, db.as_deref(), Some(pattern))
        }
        Special::ShowCreateDatabase { name, if_not_exists } => {
            crate::privileges::check_use(ctx, name)?;
            let virtual_db = ["information_schema", "mysql"]
                .iter()
                .find(|v| v.eq_ignore_ascii_case(name))
                .map(|v| v.to_string());
            let schema = catalog.schema();
            let (shown, charset) = match (schema.database(name), virtual_db) {
                (Some(db), _) => (db.name.clone(), db.charset.clone()),
                (None, Some(v)) => (v, "utf8mb4".to_string()),
                (None, None) => return Err(Error::fmt(ER_BAD_DB, &[name])),
            };
            let guard = if *if_not_exists { "/*!32312 IF NOT EXISTS*/ " } else { "" };
            let create = format!(
                "CREATE DATABASE {guard}`{}` /*!40100 DEFAULT CHARACTER SET {charset} */",
                shown.replace('`', "``")
            );
            Ok(ExecResult::Rows(ResultSet {
                columns: vec![
                    ResultColumn::varchar("Database", 256).not_null(),
                    ResultColumn::varchar("Create Database", 1024).not_null(),
                ],
                rows: vec![vec![Value::String(shown), Value::String(create)]],
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_show_create_database_only() {
        let db = |name: &str, ine| {
            Some(Special::ShowCreateDatabase { name: name.into(), if_not_exists: ine })
        };
        assert_eq!(recognize("SHOW CREATE DATABASE test"), db("test", false));
        assert_eq!(recognize("show create schema if not exists `my db`;"), db("my db", true));
        assert_eq!(recognize("SHOW CREATE TABLE t"), None);
        assert_eq!(recognize("SHOW CREATE DATABASE a b"), None);
        assert_eq!(recognize("SHOW CREATE DATABASE"), None);
        assert_eq!(recognize("SELECT 'SHOW CREATE DATABASE x'"), None);
        let status = |db: Option<&str>, p: &str| {
            Some(Special::ShowTableStatusLike { db: db.map(Into::into), pattern: p.into() })
        };
        assert_eq!(recognize("SHOW TABLE STATUS LIKE 'o%'"), status(None, "o%"));
        assert_eq!(recognize("show table status from test like \"t\""), status(Some("test"), "t"));
        assert_eq!(recognize("SHOW TABLE STATUS"), None);
        let comment = |t: &[&str], c: &str| {
            Some(Special::AlterTableComment {
                table: t.iter().map(|s| s.to_string()).collect(),
                comment: c.into(),
            })
        };
        assert_eq!(recognize("ALTER TABLE t COMMENT 'x'"), comment(&["t"], "x"));
        assert_eq!(recognize("alter table `d`.t comment = '';"), comment(&["d", "t"], ""));
        assert_eq!(recognize("ALTER TABLE t ADD COLUMN c INT COMMENT 'x'"), None);
    }
}
