//! `SHOW ENGINES`, `SHOW CHARACTER SET`, `SHOW COLLATION`, `SHOW INDEX`, `SHOW TABLE STATUS`.

use catalog::Catalog;
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{Ident, ObjectName, ShowStatementFilter};
use types::{FieldType, ResultColumn, Value};

use super::{show::filter_rows, table_name};
use crate::{
    context::SessionCtx,
    result::{ExecResult, ResultSet},
};

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn rows(columns: Vec<ResultColumn>, rows: Vec<Vec<Value>>) -> ExecResult {
    ExecResult::Rows(ResultSet { columns, rows })
}

/// Character sets FerroDB accepts: (name, description, default collation, max bytes per char).
const CHARSETS: &[(&str, &str, &str, i64)] = &[
    ("ascii", "US ASCII", "ascii_bin", 1),
    ("binary", "binary", "binary", 1),
    ("latin1", "Latin1", "latin1_bin", 1),
    ("utf8", "UTF-8 Unicode", "utf8_bin", 3),
    ("utf8mb4", "UTF-8 Unicode", "utf8mb4_bin", 4),
];

/// Collations: (name, charset, id, is default). All compare by bytes today.
const COLLATIONS: &[(&str, &str, i64, bool)] = &[
    ("ascii_bin", "ascii", 65, true),
    ("binary", "binary", 63, true),
    ("latin1_bin", "latin1", 47, true),
    ("utf8_bin", "utf8", 83, true),
    ("utf8mb4_bin", "utf8mb4", 46, true),
];

/// `SHOW CHARACTER SET [LIKE …]`.
pub fn show_charset(ctx: &SessionCtx, filter: Option<&ShowStatementFilter>) -> Result<ExecResult> {
    let columns = vec![
        ResultColumn::varchar("Charset", 32).not_null(),
        ResultColumn::varchar("Description", 64).not_null(),
        ResultColumn::varchar("Default collation", 64).not_null(),
        ResultColumn::expr("Maxlen", FieldType::LongLong).not_null(),
    ];
    let all =
        CHARSETS.iter().map(|(n, d, c, m)| vec![s(*n), s(*d), s(*c), Value::Int(*m)]).collect();
    let r = filter_rows(ctx, &columns, all, filter)?;
    Ok(rows(columns, r))
}

/// `SHOW COLLATION [LIKE …]`.
pub fn show_collation(
    ctx: &SessionCtx,
    filter: Option<&ShowStatementFilter>,
) -> Result<ExecResult> {
    let columns = vec![
        ResultColumn::varchar("Collation", 64).not_null(),
        ResultColumn::varchar("Charset", 32).not_null(),
        ResultColumn::expr("Id", FieldType::LongLong).not_null(),
        ResultColumn::varchar("Default", 3).not_null(),
        ResultColumn::varchar("Compiled", 3).not_null(),
        ResultColumn::expr("Sortlen", FieldType::LongLong).not_null(),
        ResultColumn::varchar("Pad_attribute", 9).not_null(),
    ];
    let all = COLLATIONS
        .iter()
        .map(|(n, c, id, d)| {
            vec![
                s(*n),
                s(*c),
                Value::Int(*id),
                s(if *d { "Yes" } else { "" }),
                s("Yes"),
                Value::Int(1),
                s("PAD SPACE"),
            ]
        })
        .collect();
    let r = filter_rows(ctx, &columns, all, filter)?;
    Ok(rows(columns, r))
}

/// `SHOW ENGINES`, `SHOW INDEX|INDEXES|KEYS FROM t [FROM db]`, `SHOW TABLE STATUS [FROM db]`:
/// the forms sqlparser leaves as a word list.
/// `SHOW STATS_META` (or `SHOW STATS_HISTOGRAMS`) [`LIKE 'pattern'` on the table name].
pub fn show_stats(
    catalog: &Catalog,
    histograms: bool,
    pattern: Option<&str>,
) -> Result<ExecResult> {
    let text = |n: &str| ResultColumn::varchar(n, 64).not_null();
    let int = |n: &str| ResultColumn::expr(n, FieldType::LongLong);
    let (columns, all) = if histograms {
        let columns = vec![
            text("Db_name"),
            text("Table_name"),
            text("Partition_name"),
            text("Column_name"),
            int("Is_index"),
            ResultColumn::expr("Update_time", FieldType::DateTime),
            int("Distinct_count"),
            int("Null_count"),
            ResultColumn::expr("Avg_col_size", FieldType::Double),
            ResultColumn::expr("Correlation", FieldType::Double),
            text("Load_status"),
            int("Total_mem_usage"),
            int("Hist_mem_usage"),
            int("Topn_mem_usage"),
            int("Cms_mem_usage"),
        ];
        (columns, super::analyze::stats_histogram_rows(catalog))
    } else {
        let columns = vec![
            text("Db_name"),
            text("Table_name"),
            text("Partition_name"),
            ResultColumn::expr("Update_time", FieldType::DateTime),
            int("Modify_count"),
            int("Row_count"),
        ];
        (columns, super::analyze::stats_meta_rows(catalog))
    };
    let kept = all
        .into_iter()
        .filter(|r| match (pattern, &r[1]) {
            (None, _) => true,
            (Some(p), Value::String(t)) => crate::expr::like_match(t, p, '\\', false),
            _ => false,
        })
        .collect();
    Ok(rows(columns, kept))
}

pub fn show_words(
    ctx: &SessionCtx,
    catalog: &Catalog,
    words: &[Ident],
) -> Result<Option<ExecResult>> {
    let upper: Vec<String> = words.iter().map(|w| w.value.to_ascii_uppercase()).collect();
    let up: Vec<&str> = upper.iter().map(String::as_str).collect();
    match up.as_slice() {
        ["STATS_META"] => show_stats(catalog, false, None).map(Some),
        ["STATS_HISTOGRAMS"] => show_stats(catalog, true, None).map(Some),
        ["ENGINES"] | ["STORAGE", "ENGINES"] => Ok(Some(rows(
            vec![
                ResultColumn::varchar("Engine", 64).not_null(),
                ResultColumn::varchar("Support", 8).not_null(),
                ResultColumn::varchar("Comment", 80).not_null(),
                ResultColumn::varchar("Transactions", 3),
                ResultColumn::varchar("XA", 3),
                ResultColumn::varchar("Savepoints", 3),
            ],
            vec![vec![
                s("InnoDB"),
                s("DEFAULT"),
                s("Supports transactions, row-level locking, and foreign keys"),
                s("YES"),
                s("YES"),
                s("YES"),
            ]],
        ))),
        ["INDEX" | "INDEXES" | "KEYS", "FROM" | "IN", ..] => {
            let rest = &words[2..];
            let name = match rest {
                [t] => ObjectName::from(vec![t.clone()]),
                [t, from, db]
                    if from.value.eq_ignore_ascii_case("FROM")
                        || from.value.eq_ignore_ascii_case("IN") =>
                {
                    ObjectName::from(vec![db.clone(), t.clone()])
                }
                _ => return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"this SHOW INDEX form"])),
            };
            show_index(ctx, catalog, &name).map(Some)
        }
        ["TABLE", "STATUS", rest @ ..] => {
            let db = match rest {
                [] => None,
                ["FROM" | "IN", _] => Some(words[3].value.as_str()),
                _ => {
                    return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"this SHOW TABLE STATUS form"]))
                }
            };
            table_status(ctx, catalog, db, None).map(Some)
        }
        _ => Ok(None),
    }
}

fn show_index(ctx: &SessionCtx, catalog: &Catalog, name: &ObjectName) -> Result<ExecResult> {
    let (db, tname) = table_name(ctx, name)?;
    let t = super::find_table(ctx, catalog, &db, &tname)?;
    let names = [
        "Table",
        "Non_unique",
        "Key_name",
        "Seq_in_index",
        "Column_name",
        "Collation",
        "Cardinality",
        "Sub_part",
        "Packed",
        "Null",
        "Index_type",
        "Comment",
        "Index_comment",
        "Visible",
        "Expression",
    ];
    let columns = names
        .iter()
        .map(|n| match *n {
            "Non_unique" | "Seq_in_index" | "Cardinality" | "Sub_part" => {
                ResultColumn::expr(*n, FieldType::LongLong)
            }
            _ => ResultColumn::varchar(*n, 64),
        })
        .collect();
    let mut r = Vec::new();
    for idx in t.public_indexes() {
        for (seq, &c) in idx.columns.iter().enumerate() {
            let col = &t.columns[c];
            r.push(vec![
                s(t.name.clone()),
                Value::Int(i64::from(!idx.unique)),
                s(idx.name.clone()),
                Value::Int(seq as i64 + 1),
                s(col.name.clone()),
                s("A"),
                Value::Int(0),
                Value::Null,
                Value::Null,
                s(if col.not_null { "" } else { "YES" }),
                s("BTREE"),
                s(""),
                s(""),
                s("YES"),
                Value::Null,
            ]);
        }
    }
    Ok(rows(columns, r))
}

/// `SHOW TABLE STATUS [FROM db] [LIKE 'pattern']`.
pub fn table_status(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: Option<&str>,
    like: Option<&str>,
) -> Result<ExecResult> {
    let db = match db {
        Some(db) => db.to_string(),
        None => ctx.current_db.clone().ok_or_else(|| Error::fmt(errno::ER_NO_DB, &[]))?,
    };
    if !catalog.database_exists(&db) {
        return Err(Error::fmt(errno::ER_BAD_DB, &[&db]));
    }
    let shown = |name: &str| like.is_none_or(|p| crate::expr::like_match(name, p, '\\', true));
    let names = [
        "Name",
        "Engine",
        "Version",
        "Row_format",
        "Rows",
        "Avg_row_length",
        "Data_length",
        "Max_data_length",
        "Index_length",
        "Data_free",
        "Auto_increment",
        "Create_time",
        "Update_time",
        "Check_time",
        "Collation",
        "Checksum",
        "Create_options",
        "Comment",
    ];
    let columns = names.iter().map(|n| ResultColumn::varchar(*n, 64)).collect();
    let r = catalog
        .schema()
        .tables(&db)
        .iter()
        .filter(|t| shown(&t.name) && crate::privileges::may_see_table(ctx, &db, &t.name))
        .map(|t| {
            let mut r = vec![s(t.name.clone()), s("InnoDB"), Value::Int(10), s("Compact")];
            r.extend(std::iter::repeat_n(Value::Null, 10));
            r.extend([s("utf8mb4_bin"), Value::Null, s(""), s(t.comment.clone())]);
            r
        })
        .collect();
    Ok(rows(columns, r))
}
