//! `UPDATE t SET col = expr, … [WHERE …] [ORDER BY …] [LIMIT n]`.

use catalog::Catalog;
use errno::{Error, Result, ER_BAD_FIELD, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{AssignmentTarget, Update};
use types::Value;

use super::{query::QueryEnv, targets};
use crate::{
    binder::bind_with,
    context::SessionCtx,
    convert::{store, to_column},
    expr::{EvalCtx, Expr},
    planner::subquery_values::evaluate,
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
    table::dml::update_row,
    table::fk,
    table::Row,
};

/// The one table an UPDATE changes (1235 for multi-table forms).
pub fn target(ctx: &SessionCtx, catalog: &Catalog, up: &Update) -> Result<targets::Target> {
    if !up.table.joins.is_empty() || up.from.is_some() {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"multi-table UPDATE"]));
    }
    targets::resolve(ctx, catalog, &up.table.relation, "UPDATE")
}

/// Executes an UPDATE (of several tables: [`super::multi_table`]).
pub fn execute_update(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    up: &Update,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ExecResult> {
    if super::multi_table::is_multi_update(up) {
        return super::multi_table::execute_update(ctx, catalog, st, up, analysis);
    }
    let target = target(ctx, catalog, up)?;
    let t = target.table.clone();
    // Outside strict mode values that do not fit are adjusted, with a warning.
    let lenient = !crate::convert::strict(ctx);
    let scope = &target.scope;
    let mut sets: Vec<(usize, Expr)> = Vec::with_capacity(up.assignments.len());
    // Before any row changes: SET and WHERE bound (their uncorrelated subqueries evaluated),
    // the rows found and — when SET holds a correlated subquery — every row's new values
    // computed, all reading the tables as the statement found them.
    let (rows, mut computed) = {
        let cell = std::cell::RefCell::new(&mut *st);
        let env = QueryEnv::new(ctx, catalog, &cell);
        for a in &up.assignments {
            let AssignmentTarget::ColumnName(target) = &a.target else {
                return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"tuple assignment"]));
            };
            let col_name = super::object_parts(target).last().cloned().unwrap_or_default();
            let (ci, _) = t
                .column(&col_name)
                .ok_or_else(|| Error::fmt(ER_BAD_FIELD, &[&col_name, &"field list"]))?;
            // SET gen = DEFAULT is allowed (it is recomputed anyway); any value is 3105.
            if t.columns[ci].generated.is_some() {
                if matches!(&a.value, sqlparser::ast::Expr::Identifier(i) if i.value.eq_ignore_ascii_case("DEFAULT"))
                {
                    continue;
                }
                return Err(crate::table::generated::not_allowed(&t, ci));
            }
            let (e, _) = bind_with(&a.value, scope, &env, "field list")?;
            sets.push((ci, evaluate(&env, e)));
        }
        let (sel, order, limit) = (up.selection.as_ref(), &up.order_by, up.limit.as_ref());
        let rows = targets::rows(&env, targets::plan(&env, &target, sel, order, limit)?, analysis)?;
        let computed = if sets.iter().any(|(_, e)| e.has_subquery()) {
            let eval = EvalCtx { session: ctx, subqueries: Some(&env), params: &[] };
            let all = rows
                .iter()
                .enumerate()
                .map(|(i, old)| assigned(&sets, old, &t, &eval, i + 1, lenient));
            Some(all.collect::<Result<Vec<_>>>()?)
        } else {
            None
        };
        (rows, computed)
    };
    let eval = EvalCtx::new(ctx);
    let (mut matched, mut changed) = (0u64, 0u64);
    let set_columns: Vec<usize> = sets.iter().map(|(ci, _)| *ci).collect();
    for (i, old) in rows.iter().enumerate() {
        matched += 1;
        let vals = match computed.as_mut().and_then(|c| c.get_mut(i)) {
            Some(vals) => std::mem::take(vals),
            None => assigned(&sets, old, &t, &eval, i + 1, lenient)?,
        };
        if write_row(ctx, catalog, st, &t, old, vals, &set_columns, i + 1)? {
            changed += 1;
        }
    }
    Ok(updated(ctx, matched, changed))
}

/// The OK result of an UPDATE that matched and changed these many rows.
pub(super) fn updated(ctx: &SessionCtx, matched: u64, changed: u64) -> ExecResult {
    let affected = if ctx.client_found_rows { matched } else { changed };
    ExecResult::Ok(OkResult {
        affected_rows: affected,
        last_insert_id: 0,
        info: format!(
            "Rows matched: {matched}  Changed: {changed}  Warnings: {}",
            ctx.warnings.len()
        ),
    })
}

/// Writes row `old` of `t` with values `vals` (the statement set `set_columns`): ON UPDATE
/// CURRENT_TIMESTAMP columns it did not set take the statement time, foreign keys are checked
/// and their actions run, the row and its index entries are rewritten. `false` when nothing
/// changed (the row is left alone).
#[allow(clippy::too_many_arguments)]
pub(super) fn write_row(
    ctx: &SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    t: &catalog::TableInfo,
    old: &Row,
    mut vals: Vec<Value>,
    set_columns: &[usize],
    row_no: usize,
) -> Result<bool> {
    if vals == old.values {
        return Ok(false);
    }
    for (ci, c) in t.columns.iter().enumerate() {
        if c.on_update_now && !set_columns.contains(&ci) {
            vals[ci] = to_column(crate::expr::now(ctx.stmt_time, c.ty.scale as u8), c, row_no)?;
        }
    }
    if crate::table::generated::has_generated(t) {
        crate::table::generated::fill(ctx, t, &mut vals, row_no)?;
    }
    let handle = match t.handle_column().map(|h| &vals[h]) {
        Some(Value::Int(n)) => *n,
        Some(Value::UInt(n)) => *n as i64,
        _ => old.handle,
    };
    let new_row = Row { handle, values: vals };
    fk::check_parents(st, catalog, ctx, t, &new_row)?;
    fk::on_parent_update(st, catalog, ctx, t, old, &new_row)?;
    update_row(st, t, old, &new_row)?;
    Ok(true)
}

/// `old`'s values after the assignments, which apply left to right (later ones see earlier
/// results, as in MySQL); `row_no` numbers the row in conversion errors.
fn assigned(
    sets: &[(usize, Expr)],
    old: &Row,
    t: &catalog::TableInfo,
    eval: &EvalCtx<'_>,
    row_no: usize,
    lenient: bool,
) -> Result<Vec<Value>> {
    let mut vals = old.values.clone();
    for (ci, e) in sets {
        let v = e.eval(&vals, eval)?;
        vals[*ci] = store(v, &t.columns[*ci], row_no, lenient.then_some(eval.session))?;
    }
    Ok(vals)
}
