//! `DESCRIBE t`, `SHOW [FULL] COLUMNS FROM t`, `SHOW [FULL] TABLES`.

use catalog::{Catalog, DefaultValue, TableInfo};
use errno::{Error, Result, ER_NO_DB};
use sqlparser::ast::{ObjectName, ShowStatementInParentType, ShowStatementOptions};
use types::{ResultColumn, Value};

use super::{object_parts, show_filter, table_name};
use crate::{
    context::SessionCtx,
    executor::show::filter_rows,
    result::{ExecResult, ResultSet},
};

fn key_of(t: &TableInfo, offset: usize) -> &'static str {
    let first = |f: &dyn Fn(&catalog::IndexInfo) -> bool| {
        t.public_indexes().any(|i| i.columns.first() == Some(&offset) && f(i))
    };
    if first(&|i| i.primary) {
        "PRI"
    } else if first(&|i| i.unique && i.columns.len() == 1) {
        "UNI"
    } else if first(&|_| true) {
        "MUL"
    } else {
        ""
    }
}

fn column_rows(t: &TableInfo, full: bool) -> Vec<Vec<Value>> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let default = match &c.default {
                Some(DefaultValue::Text(s)) => Value::String(s.clone()),
                Some(DefaultValue::CurrentTimestamp) => Value::String("CURRENT_TIMESTAMP".into()),
                _ => Value::Null,
            };
            let extra = match (c.auto_increment, &c.default, c.on_update_now) {
                _ if c.generated.as_ref().is_some_and(|g| g.stored) => "STORED GENERATED",
                _ if c.generated.is_some() => "VIRTUAL GENERATED",
                (true, _, _) => "auto_increment",
                (_, Some(DefaultValue::CurrentTimestamp), true) => {
                    "DEFAULT_GENERATED on update CURRENT_TIMESTAMP"
                }
                (_, Some(DefaultValue::CurrentTimestamp), false) => "DEFAULT_GENERATED",
                (_, _, true) => "on update CURRENT_TIMESTAMP",
                _ => "",
            };
            let mut row = vec![Value::String(c.name.clone()), Value::String(c.ty.sql())];
            if full {
                row.push(if c.ty.is_text() {
                    Value::String("utf8mb4_bin".into())
                } else {
                    Value::Null
                });
            }
            row.extend([
                Value::String(if c.not_null { "NO" } else { "YES" }.into()),
                Value::String(key_of(t, i).into()),
                default,
                Value::String(extra.into()),
            ]);
            if full {
                row.push(Value::String("select,insert,update,references".into()));
                row.push(Value::String(c.comment.clone()));
            }
            row
        })
        .collect()
}

fn column_columns(full: bool) -> Vec<ResultColumn> {
    let mut cols = vec![
        ResultColumn::varchar("Field", 64).not_null(),
        ResultColumn::varchar("Type", 64).not_null(),
    ];
    if full {
        cols.push(ResultColumn::varchar("Collation", 32));
    }
    cols.extend([
        ResultColumn::varchar("Null", 3).not_null(),
        ResultColumn::varchar("Key", 3).not_null(),
        ResultColumn::varchar("Default", 64),
        ResultColumn::varchar("Extra", 64).not_null(),
    ]);
    if full {
        cols.push(ResultColumn::varchar("Privileges", 80).not_null());
        cols.push(ResultColumn::varchar("Comment", 1024).not_null());
    }
    cols
}

/// `DESCRIBE t` / `DESC t` / `EXPLAIN t`.
pub fn describe(ctx: &SessionCtx, catalog: &Catalog, name: &ObjectName) -> Result<ExecResult> {
    let (db, t) = table_name(ctx, name)?;
    let t = super::find_table(ctx, catalog, &db, &t)?;
    Ok(ExecResult::Rows(ResultSet { columns: column_columns(false), rows: column_rows(&t, false) }))
}

/// `SHOW [FULL] COLUMNS FROM t [FROM db] [LIKE …|WHERE …]`.
pub fn show_columns(
    ctx: &SessionCtx,
    catalog: &Catalog,
    opts: &ShowStatementOptions,
    full: bool,
) -> Result<ExecResult> {
    let Some(parent) = opts.show_in.as_ref().and_then(|s| s.parent_name.as_ref()) else {
        return Err(Error::fmt(errno::ER_PARSE, &[&"", &1]));
    };
    let (db, t) = table_name(ctx, parent)?;
    let t = super::find_table(ctx, catalog, &db, &t)?;
    let columns = column_columns(full);
    let rows = filter_rows(ctx, &columns, column_rows(&t, full), show_filter(opts))?;
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

/// `SHOW [FULL] TABLES [FROM db] [LIKE …|WHERE …]`.
pub fn show_tables(
    ctx: &SessionCtx,
    catalog: &Catalog,
    full: bool,
    opts: &ShowStatementOptions,
) -> Result<ExecResult> {
    let db = match opts.show_in.as_ref().and_then(|s| s.parent_name.as_ref()) {
        Some(n)
            if !matches!(
                opts.show_in.as_ref().and_then(|s| s.parent_type.as_ref()),
                Some(ShowStatementInParentType::Table)
            ) =>
        {
            object_parts(n).last().cloned().unwrap_or_default()
        }
        _ => ctx.current_db.clone().ok_or_else(|| Error::fmt(ER_NO_DB, &[]))?,
    };
    if !catalog.database_exists(&db) {
        return Err(Error::fmt(errno::ER_BAD_DB, &[&db]));
    }
    let mut columns = vec![ResultColumn::varchar(format!("Tables_in_{db}"), 64).not_null()];
    if full {
        columns.push(ResultColumn::varchar("Table_type", 64).not_null());
    }
    let names: Vec<(String, &str)> = if db.eq_ignore_ascii_case("information_schema") {
        super::infoschema::TABLES.iter().map(|t| (t.to_string(), "SYSTEM VIEW")).collect()
    } else {
        catalog
            .schema()
            .tables(&db)
            .iter()
            .filter(|t| crate::privileges::may_see_table(ctx, &db, &t.name))
            .map(|t| (t.name.clone(), if t.view.is_some() { "VIEW" } else { "BASE TABLE" }))
            .collect()
    };
    let rows = names
        .into_iter()
        .map(|(name, kind)| {
            let mut r = vec![Value::String(name)];
            if full {
                r.push(Value::String(kind.into()));
            }
            r
        })
        .collect();
    let rows = filter_rows(ctx, &columns, rows, show_filter(opts))?;
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal as MySQL's SHOW CREATE TABLE writes it (`append_unescaped`): quotes
/// doubled, and backslash, NUL, newline, carriage return and Ctrl-Z escaped, so that every
/// definition stays on its line.
fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1a}' => out.push_str("\\Z"),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// The `CREATE TABLE` statement that recreates `t`, formatted as MySQL/TiDB print it.
/// A table in another database than `db` (its own) is named with its database, as MySQL
/// does in a foreign key's REFERENCES.
pub fn create_table_sql(t: &TableInfo, db: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for c in &t.columns {
        let mut l = format!("  {} {}", quote_ident(&c.name), c.ty.sql());
        if let Some(g) = &c.generated {
            let mode = if g.stored { "STORED" } else { "VIRTUAL" };
            l.push_str(&format!(" GENERATED ALWAYS AS ({}) {mode}", g.expr));
        }
        if c.not_null {
            l.push_str(" NOT NULL");
        }
        match &c.default {
            Some(DefaultValue::Null) if !c.not_null => l.push_str(" DEFAULT NULL"),
            Some(DefaultValue::Text(v)) => {
                l.push_str(" DEFAULT ");
                l.push_str(&quote_str(v));
            }
            Some(DefaultValue::CurrentTimestamp) => l.push_str(" DEFAULT CURRENT_TIMESTAMP"),
            _ => {}
        }
        if c.on_update_now {
            l.push_str(" ON UPDATE CURRENT_TIMESTAMP");
        }
        if c.auto_increment {
            l.push_str(" AUTO_INCREMENT");
        }
        if !c.comment.is_empty() {
            l.push_str(" COMMENT ");
            l.push_str(&quote_str(&c.comment));
        }
        lines.push(l);
    }
    for i in t.public_indexes() {
        let cols: Vec<String> =
            i.columns.iter().map(|&c| quote_ident(&t.columns[c].name)).collect();
        let cols = cols.join(",");
        lines.push(if i.primary {
            format!("  PRIMARY KEY ({cols})")
        } else if i.unique {
            format!("  UNIQUE KEY {} ({cols})", quote_ident(&i.name))
        } else {
            format!("  KEY {} ({cols})", quote_ident(&i.name))
        });
    }
    // Foreign keys by name, as InnoDB lists them.
    let mut fks: Vec<&catalog::ForeignKeyInfo> = t.foreign_keys.iter().collect();
    fks.sort_by(|a, b| a.name.cmp(&b.name));
    for fk in fks {
        let cols: Vec<String> =
            fk.columns.iter().map(|&c| quote_ident(&t.columns[c].name)).collect();
        let refs: Vec<String> = fk.ref_columns.iter().map(|c| quote_ident(c)).collect();
        let mut l = format!(
            "  CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            quote_ident(&fk.name),
            cols.join(","),
            match fk.ref_db.eq_ignore_ascii_case(db) {
                true => quote_ident(&fk.ref_table),
                false => format!("{}.{}", quote_ident(&fk.ref_db), quote_ident(&fk.ref_table)),
            },
            refs.join(",")
        );
        if fk.on_delete != catalog::FkAction::NoAction {
            l.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
        }
        if fk.on_update != catalog::FkAction::NoAction {
            l.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
        }
        lines.push(l);
    }
    let mut sql = format!(
        "CREATE TABLE {} (\n{}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        quote_ident(&t.name),
        lines.join(",\n")
    );
    if !t.comment.is_empty() {
        sql.push_str(" COMMENT=");
        sql.push_str(&quote_str(&t.comment));
    }
    sql
}

/// `SHOW CREATE TABLE t`.
pub fn show_create_table(
    ctx: &SessionCtx,
    catalog: &Catalog,
    name: &ObjectName,
) -> Result<ExecResult> {
    let (db, tname) = table_name(ctx, name)?;
    let temporary = ctx.temporary_table(&db, &tname).is_some();
    let t = super::find_table(ctx, catalog, &db, &tname)?;
    if t.view.is_some() {
        return super::view::show_create_view(ctx, &db, &t);
    }
    let mut sql = create_table_sql(&t, &db);
    if temporary {
        sql = sql.replacen("CREATE TABLE", "CREATE TEMPORARY TABLE", 1);
    }
    Ok(ExecResult::Rows(ResultSet {
        columns: vec![
            ResultColumn::varchar("Table", 64).not_null(),
            ResultColumn::varchar("Create Table", 8192).not_null(),
        ],
        rows: vec![vec![Value::String(t.name.clone()), Value::String(sql)]],
    }))
}
