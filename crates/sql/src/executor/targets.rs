//! The rows an UPDATE or DELETE changes: one table, WHERE, ORDER BY, LIMIT, locked and re-read.

use std::sync::Arc;

use catalog::{Catalog, TableInfo};
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{self, OrderByExpr, TableFactor};

use super::{
    access::{fetch_rows, Needs},
    query::{filter, lock_rows, sort_rows, table_scope},
    select::eval_count,
    table_name,
};
use crate::{
    binder::{bind_expr, Scope},
    context::SessionCtx,
    expr::{EvalCtx, Expr},
    stmt_txn::StmtTxn,
    table::Row,
};

/// The target table of a single-table UPDATE/DELETE, with the alias and scope its clauses use.
pub struct Target {
    /// The table.
    pub table: Arc<TableInfo>,
    /// The columns as WHERE/SET/ORDER BY see them.
    pub scope: Scope,
    alias: String,
}

/// Resolves the one table an UPDATE or DELETE names (`what` names the statement in errors).
pub fn resolve(
    ctx: &SessionCtx,
    catalog: &Catalog,
    relation: &TableFactor,
    what: &str,
) -> Result<Target> {
    let TableFactor::Table { name, alias, .. } = relation else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("{what} of a derived table")]));
    };
    let (db, tname) = table_name(ctx, name)?;
    let table = catalog.schema().table(&db, &tname)?.clone();
    if table.view.is_some() {
        return Err(Error::fmt(errno::ER_NON_UPDATABLE_TABLE, &[&tname, &what]));
    }
    let alias = alias.as_ref().map_or(table.name.clone(), |a| a.name.value.clone());
    let scope = table_scope(&table, &alias);
    Ok(Target { table, scope, alias })
}

/// The rows matching `selection`, locked and re-read at their newest version, ordered and
/// limited as the statement asks.
pub fn rows(
    ctx: &SessionCtx,
    st: &mut StmtTxn<'_>,
    target: &Target,
    selection: Option<&ast::Expr>,
    order_by: &[OrderByExpr],
    limit: Option<&ast::Expr>,
) -> Result<Vec<Row>> {
    let pred = selection
        .map(|w| bind_expr(w, &target.scope, ctx, "where clause"))
        .transpose()?
        .map(|(e, _)| e);
    let eval = EvalCtx::new(ctx);
    let found = fetch_rows(st, &target.table, &target.alias, selection, Needs::AllColumns, ctx)?;
    let found = filter(found, pred.as_ref(), &eval)?;
    let mut rows = lock_rows(st, &target.table, found, pred.as_ref(), &eval)?;
    let keys: Vec<(Expr, bool)> = order_by
        .iter()
        .map(|o| {
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            Ok((bind_expr(&o.expr, &target.scope, ctx, "order clause")?.0, !desc))
        })
        .collect::<Result<_>>()?;
    sort_rows(&mut rows, &keys, &eval)?;
    if let Some(l) = limit {
        rows.truncate(usize::try_from(eval_count(ctx, Some(l))?).unwrap_or(usize::MAX));
    }
    Ok(rows)
}
