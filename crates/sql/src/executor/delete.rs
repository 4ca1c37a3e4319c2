//! `DELETE FROM t [WHERE …] [ORDER BY …] [LIMIT n]`.

use catalog::Catalog;
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{Delete, FromTable, TableFactor};

use super::{
    query::{fetch_rows, filter, lock_rows, sort_rows, table_scope},
    select::eval_count,
    table_name,
};
use crate::{
    binder::bind_expr,
    context::SessionCtx,
    dml::delete_row,
    expr::{EvalCtx, Expr},
    fk,
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
};

/// Executes a single-table DELETE.
pub fn execute_delete(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    del: &Delete,
) -> Result<ExecResult> {
    let from = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    let ([from], true) = (from.as_slice(), del.tables.is_empty() && del.using.is_none()) else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"multi-table DELETE"]));
    };
    if !from.joins.is_empty() {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"multi-table DELETE"]));
    }
    let TableFactor::Table { name, alias, .. } = &from.relation else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"DELETE from a derived table"]));
    };
    let (db, tname) = table_name(ctx, name)?;
    let schema = catalog.schema();
    let t = schema.table(&db, &tname)?.clone();
    let alias = alias.as_ref().map_or(t.name.clone(), |a| a.name.value.clone());
    let scope = table_scope(&t, &alias);
    let pred =
        del.selection.as_ref().map(|w| bind_expr(w, &scope, ctx, "where clause")).transpose()?;
    let pred = pred.map(|(e, _)| e);
    let eval = EvalCtx::new(ctx);
    let rows = fetch_rows(st, &t, &alias, del.selection.as_ref(), ctx)?;
    let rows = filter(rows, pred.as_ref(), &eval)?;
    let mut rows = lock_rows(st, &t, rows, pred.as_ref(), &eval)?;
    let keys: Vec<(Expr, bool)> = del
        .order_by
        .iter()
        .map(|o| {
            Ok((
                bind_expr(&o.expr, &scope, ctx, "order clause")?.0,
                !matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc)),
            ))
        })
        .collect::<Result<_>>()?;
    sort_rows(&mut rows, &keys, &eval)?;
    if let Some(l) = &del.limit {
        rows.truncate(eval_count(ctx, Some(l))? as usize);
    }
    for r in &rows {
        fk::on_parent_delete(st, catalog, ctx, &t, r, 0)?;
        delete_row(st, &t, r);
    }
    Ok(ExecResult::Ok(OkResult { affected_rows: rows.len() as u64, ..Default::default() }))
}
