//! `DELETE FROM t [WHERE …] [ORDER BY …] [LIMIT n]`.

use catalog::Catalog;
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{Delete, FromTable};

use super::{query::QueryEnv, targets};
use crate::{
    context::SessionCtx,
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
    table::dml::delete_row,
    table::fk,
};

/// The one table a DELETE removes rows from (1235 for multi-table forms).
pub fn target(ctx: &SessionCtx, catalog: &Catalog, del: &Delete) -> Result<targets::Target> {
    let from = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    let ([from], true) = (from.as_slice(), del.tables.is_empty() && del.using.is_none()) else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"multi-table DELETE"]));
    };
    if !from.joins.is_empty() {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"multi-table DELETE"]));
    }
    targets::resolve(ctx, catalog, &from.relation, "DELETE")
}

/// Executes a DELETE (of several tables: [`super::multi_table`]).
pub fn execute_delete(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    del: &Delete,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ExecResult> {
    if super::multi_table::is_multi_delete(del) {
        return super::multi_table::execute_delete(ctx, catalog, st, del, analysis);
    }
    let target = target(ctx, catalog, del)?;
    let t = target.table.clone();
    // Found (uncorrelated subqueries evaluated, correlated ones run) before any row changes.
    let rows = {
        let cell = std::cell::RefCell::new(&mut *st);
        let env = QueryEnv::new(ctx, catalog, &cell);
        let (sel, order, limit) = (del.selection.as_ref(), &del.order_by, del.limit.as_ref());
        targets::rows(&env, targets::plan(&env, &target, sel, order, limit)?, analysis)?
    };
    for r in &rows {
        fk::on_statement_delete(st, catalog, ctx, &t, r)?;
        delete_row(st, &t, r)?;
    }
    fk::check_restrict_after_delete(st, catalog, ctx, &t, &rows)?;
    Ok(ExecResult::Ok(OkResult { affected_rows: rows.len() as u64, ..Default::default() }))
}
