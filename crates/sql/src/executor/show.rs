//! `SHOW VARIABLES`, `SHOW WARNINGS`/`ERRORS`, `SHOW DATABASES`.

use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{Ident, ShowStatementFilter};
use types::{FieldType, ResultColumn, Value};

use crate::{
    binder::{bind_expr, Scope},
    context::{Level, SessionCtx},
    expr::{like_match, EvalCtx, ExprType, Truth},
    result::{ExecResult, ResultSet},
    sysvar::VarScope,
};

/// Keeps the rows of a two-or-more-column SHOW result that pass `LIKE` (on the first column,
/// case-insensitively) or `WHERE` (over the result's own column names).
pub fn filter_rows(
    ctx: &SessionCtx,
    columns: &[ResultColumn],
    rows: Vec<Vec<Value>>,
    filter: Option<&ShowStatementFilter>,
) -> Result<Vec<Vec<Value>>> {
    match filter {
        None => Ok(rows),
        Some(ShowStatementFilter::Like(p) | ShowStatementFilter::NoKeyword(p)) => {
            Ok(rows.into_iter().filter(|r| like_match(&r[0].to_string(), p, '\\', true)).collect())
        }
        Some(ShowStatementFilter::ILike(p)) => {
            Ok(rows.into_iter().filter(|r| like_match(&r[0].to_string(), p, '\\', true)).collect())
        }
        Some(ShowStatementFilter::Where(w)) => {
            let names: Vec<(&str, ExprType)> = columns
                .iter()
                .map(|c| (c.name.as_str(), ExprType::of(FieldType::VarString, true)))
                .collect();
            let (pred, _) = bind_expr(w, &Scope::unqualified(&names), ctx, "where clause")?;
            let eval = EvalCtx::new(ctx);
            let mut kept = Vec::new();
            for r in rows {
                if pred.eval(&r, &eval)?.truth() == Some(true) {
                    kept.push(r);
                }
            }
            Ok(kept)
        }
    }
}

/// `SHOW [GLOBAL|SESSION] VARIABLES [LIKE …|WHERE …]`.
pub fn show_variables(
    ctx: &SessionCtx,
    filter: Option<&ShowStatementFilter>,
    global: bool,
) -> Result<ExecResult> {
    let scope = if global { VarScope::Global } else { VarScope::Session };
    let columns = vec![
        ResultColumn::varchar("Variable_name", 64).not_null(),
        ResultColumn::varchar("Value", 1024),
    ];
    let rows = ctx
        .vars
        .all(scope)
        .into_iter()
        .map(|(n, v)| vec![Value::String(n.to_string()), Value::String(v)])
        .collect();
    let rows = filter_rows(ctx, &columns, rows, filter)?;
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

/// `SHOW WARNINGS`, `SHOW ERRORS`, `SHOW COUNT(*) WARNINGS|ERRORS`.
pub fn show_diagnostics(ctx: &SessionCtx, words: &[Ident]) -> Result<ExecResult> {
    let words: Vec<String> = words.iter().map(|w| w.value.to_ascii_uppercase()).collect();
    let (count, kind) = match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["WARNINGS", ..] => (false, "WARNINGS"),
        ["ERRORS", ..] => (false, "ERRORS"),
        ["COUNT", rest @ ..] if rest.last() == Some(&"WARNINGS") => (true, "WARNINGS"),
        ["COUNT", rest @ ..] if rest.last() == Some(&"ERRORS") => (true, "ERRORS"),
        _ => return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("SHOW {}", words.join(" "))])),
    };
    let all = ctx.warnings.to_vec();
    let diags: Vec<_> =
        all.iter().filter(|w| kind == "WARNINGS" || w.level == Level::Error).collect();
    if count {
        let name =
            format!("@@session.{}_count", if kind == "WARNINGS" { "warning" } else { "error" });
        return Ok(ExecResult::Rows(ResultSet {
            columns: vec![ResultColumn::bigint(name).not_null()],
            rows: vec![vec![Value::Int(diags.len() as i64)]],
        }));
    }
    let columns = vec![
        ResultColumn::varchar("Level", 7).not_null(),
        ResultColumn::expr("Code", FieldType::Long).not_null(),
        ResultColumn::varchar("Message", 512).not_null(),
    ];
    let rows = diags
        .into_iter()
        .map(|w| {
            vec![
                Value::String(w.level.as_str().to_string()),
                Value::Int(i64::from(w.code)),
                Value::String(w.message.clone()),
            ]
        })
        .collect();
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

/// `SHOW DATABASES [LIKE …|WHERE …]`.
pub fn show_databases(
    ctx: &SessionCtx,
    catalog: &catalog::Catalog,
    filter: Option<&ShowStatementFilter>,
) -> Result<ExecResult> {
    let columns = vec![ResultColumn::varchar("Database", 64).not_null()];
    let mut names: Vec<String> = catalog::VIRTUAL_DATABASES.iter().map(|d| d.to_string()).collect();
    names.extend(
        catalog
            .schema()
            .databases()
            .filter(|d| crate::privileges::may_see_db(ctx, &d.name))
            .map(|d| d.name.clone()),
    );
    names.sort();
    let rows = names.into_iter().map(|d| vec![Value::String(d)]).collect();
    let rows = filter_rows(ctx, &columns, rows, filter)?;
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

/// `SHOW [GLOBAL|SESSION] STATUS [LIKE …|WHERE …]`: server uptime and this connection's TLS state.
pub fn show_status(
    ctx: &SessionCtx,
    filter: Option<&ShowStatementFilter>,
    global: bool,
) -> Result<ExecResult> {
    let columns = vec![
        ResultColumn::varchar("Variable_name", 64).not_null(),
        ResultColumn::varchar("Value", 1024),
    ];
    let globals = ctx.vars.globals();
    let prepared = globals.prepared_stmts().load(std::sync::atomic::Ordering::Relaxed);
    let mut status: Vec<(String, String)> = vec![
        ("Prepared_stmt_count".into(), prepared.to_string()),
        ("Uptime".into(), globals.uptime_secs().to_string()),
    ];
    if !global {
        status.extend(ctx.conn_status.iter().map(|(k, v)| (k.to_string(), v.clone())));
    }
    status.sort();
    let rows = status.into_iter().map(|(k, v)| vec![Value::String(k), Value::String(v)]).collect();
    let rows = filter_rows(ctx, &columns, rows, filter)?;
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}
