//! Decorrelating a subquery whose only ties to the enclosing row are equalities in its WHERE
//! clause (`inner_expr = outer.col`): besides its plan, it gets a query without those
//! equalities, the inner sides added in front of its select list (and to GROUP BY when it
//! aggregates). The executor runs that once, groups its rows by the inner sides and finds each
//! outer row's rows by key (`executor::decorrelate`) — a hash join of the outer query with
//! the subquery's result, as TiDB gets by rewriting `Apply` to a join (TPC-H q2, q17, q20,
//! q22: EXISTS, IN and aggregating scalar subqueries).
//!
//! ```text
//!   (SELECT SUM(l.q) FROM l WHERE l.p = outer.p AND l.d > 5)
//!     ⇒ SELECT l.p, SUM(l.q) FROM l WHERE l.d > 5 GROUP BY l.p     -- once
//!     ⇒ per outer row: the row for key outer.p, else SUM over no rows (NULL)
//! ```
//!
//! It applies only when the subquery reads stored tables, has no LIMIT or WITH, and takes
//! nothing else from enclosing queries once the equalities are removed — and not when a key
//! is a column its table is indexed by (handle or an index's first column): then each outer
//! row's run is an index lookup, which beats reading the whole table once when few outer rows
//! ask (TPC-H q2, q4).

use errno::Result;
use sqlparser::ast::{self, Query, SetExpr, TableFactor};

use super::subquery::{plan_alone, GroupedPlan};
use crate::{
    binder::{bind_expr_in, is_aggregate, OuterRow, Scope},
    executor::{table_name, QueryEnv},
    expr::Expr,
};

/// Splits `a AND b AND …` (iteratively).
fn conjuncts(e: &ast::Expr) -> Vec<&ast::Expr> {
    let (mut out, mut todo) = (Vec::new(), vec![e]);
    while let Some(e) = todo.pop() {
        match e {
            ast::Expr::BinaryOp { left, op: ast::BinaryOperator::And, right } => {
                todo.push(right);
                todo.push(left);
            }
            ast::Expr::Nested(inner) => todo.push(inner),
            other => out.push(other),
        }
    }
    out
}

/// The subquery's own tables; `None` unless every source is a stored table (not a view,
/// derived table or function).
fn inner_tables(env: &QueryEnv<'_, '_, '_>, select: &ast::Select) -> Option<Vec<Inner>> {
    let mut out = Vec::new();
    let factors = select.from.iter().flat_map(|twj| {
        std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
    });
    for f in factors {
        let TableFactor::Table { name, alias, args: None, .. } = f else { return None };
        let (db, t) = table_name(env.ctx, name).ok()?;
        let table = crate::executor::find_table(env.ctx, env.catalog, &db, &t).ok()?;
        if table.view.is_some() {
            return None;
        }
        let alias = alias.as_ref().map_or(table.name.clone(), |a| a.name.value.clone());
        let names = table.columns.iter().map(|c| c.name.clone()).collect();
        let indexed = table
            .handle_column()
            .into_iter()
            .chain(table.readable_indexes().filter_map(|i| i.columns.first().copied()))
            .filter_map(|c| table.columns.get(c).map(|col| col.name.clone()))
            .collect();
        out.push((alias, names, indexed));
    }
    Some(out)
}

/// One of the subquery's tables: alias, column names, indexed column names.
type Inner = (String, Vec<String>, Vec<String>);

/// Whether `e` is a bare column that leads an index of its table (or is its handle).
fn indexed_column(e: &ast::Expr, tables: &[Inner]) -> bool {
    let has = |cols: &Vec<String>, c: &str| cols.iter().any(|n| n.eq_ignore_ascii_case(c));
    match e {
        ast::Expr::Nested(inner) => indexed_column(inner, tables),
        ast::Expr::Identifier(id) => tables.iter().any(|(_, _, ix)| has(ix, &id.value)),
        ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let q = &parts[parts.len() - 2].value;
            let c = &parts[parts.len() - 1].value;
            tables.iter().any(|(a, _, ix)| a.eq_ignore_ascii_case(q) && has(ix, c))
        }
        _ => false,
    }
}

/// Whether every column `e` names is one of the subquery's own (and it holds no subquery).
fn names_only_inner(e: &ast::Expr, tables: &[Inner]) -> bool {
    use std::ops::ControlFlow;
    let has = |cols: &Vec<String>, c: &str| cols.iter().any(|n| n.eq_ignore_ascii_case(c));
    ast::visit_expressions(e, |x| {
        let ok = match x {
            ast::Expr::Subquery(_)
            | ast::Expr::Exists { .. }
            | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => false,
            ast::Expr::Identifier(id) => tables.iter().any(|(_, cols, _)| has(cols, &id.value)),
            ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let q = &parts[parts.len() - 2].value;
                let c = &parts[parts.len() - 1].value;
                tables.iter().any(|(a, cols, _)| a.eq_ignore_ascii_case(q) && has(cols, c))
            }
            _ => true,
        };
        if ok {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })
    .is_continue()
}

/// The argument slot a bare column reference of an enclosing query becomes, if `e` is one.
fn outer_column(
    env: &QueryEnv<'_, '_, '_>,
    e: &ast::Expr,
    tables: &[Inner],
    outer: &OuterRow<'_>,
) -> Option<usize> {
    let e = match e {
        ast::Expr::Nested(inner) => inner,
        other => other,
    };
    if !matches!(e, ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_))
        || names_only_inner(e, tables)
    {
        return None;
    }
    match bind_expr_in(e, &Scope::default(), env, "where clause", Some(outer)).ok()?.0 {
        Expr::Param(slot) => Some(slot),
        _ => None,
    }
}

/// Whether the select list or HAVING calls an aggregate.
fn aggregates(select: &ast::Select) -> bool {
    use std::ops::ControlFlow;
    let mut found = false;
    let mut look = |e: &ast::Expr| {
        let _ = ast::visit_expressions(e, |x| {
            if let ast::Expr::Function(f) = x {
                if is_aggregate(&f.name.to_string()) {
                    found = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
    };
    for item in &select.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                look(e)
            }
            _ => {}
        }
    }
    if let Some(h) = &select.having {
        look(h);
    }
    found
}

/// The decorrelated form of `query` (see the module documentation), planned inside `outer`
/// after its own plan (whose arguments the keys reuse); `None` when it does not qualify.
/// Under `EXISTS` a plain query keeps only its distinct keys.
pub(super) fn plan(
    env: &QueryEnv<'_, '_, '_>,
    query: &Query,
    outer: &OuterRow<'_>,
    exists: bool,
) -> Result<Option<GroupedPlan>> {
    let SetExpr::Select(select) = &*query.body else { return Ok(None) };
    if query.with.is_some()
        || query.limit_clause.is_some()
        || query.fetch.is_some()
        || !query.locks.is_empty()
        || select.selection.is_none()
    {
        return Ok(None);
    }
    let Some(tables) = inner_tables(env, select) else { return Ok(None) };
    let mut keys: Vec<ast::Expr> = Vec::new();
    let mut args = Vec::new();
    let mut rest: Vec<ast::Expr> = Vec::new();
    for c in select.selection.iter().flat_map(conjuncts) {
        if let ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right } = c {
            let found =
                [(&**left, &**right), (&**right, &**left)].into_iter().find_map(|(i, o)| {
                    let slot = outer_column(env, o, &tables, outer)?;
                    names_only_inner(i, &tables).then(|| (i.clone(), slot))
                });
            if let Some((inner, slot)) = found {
                keys.push(inner);
                args.push(slot);
                continue;
            }
        }
        rest.push(c.clone());
    }
    if keys.is_empty() || keys.iter().any(|k| indexed_column(k, &tables)) {
        return Ok(None);
    }
    let aggregated = aggregates(select);
    let no_group_by =
        matches!(&select.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty());
    if select.having.is_some() && !aggregated && no_group_by {
        return Ok(None);
    }
    let where_ = rest.into_iter().reduce(|a, b| ast::Expr::BinaryOp {
        left: Box::new(a),
        op: ast::BinaryOperator::And,
        right: Box::new(b),
    });
    let mut grouped = select.clone();
    grouped.selection = where_;
    let mut projection: Vec<ast::SelectItem> =
        keys.iter().map(|k| ast::SelectItem::UnnamedExpr(k.clone())).collect();
    let ast::GroupByExpr::Expressions(by, _) = &mut grouped.group_by else { return Ok(None) };
    if exists && !aggregated && by.is_empty() && grouped.having.is_none() {
        grouped.distinct = Some(ast::Distinct::Distinct);
        grouped.projection.clear();
    }
    projection.append(&mut grouped.projection);
    grouped.projection = projection;
    if aggregated || !by.is_empty() {
        let mut all = keys.clone();
        all.append(by);
        *by = all;
    }
    let once = Query { body: Box::new(SetExpr::Select(grouped)), order_by: None, ..query.clone() };
    let Some(once) = plan_alone(env, &once, outer) else { return Ok(None) };
    // An aggregate without GROUP BY answers one row even over no rows: what a key with no
    // partners gets.
    let empty = if aggregated && no_group_by {
        let mut none = (**select).clone();
        none.selection = Some(ast::Expr::Value(ast::Value::Boolean(false).into()));
        let q = Query {
            body: Box::new(SetExpr::Select(Box::new(none))),
            order_by: None,
            ..query.clone()
        };
        match plan_alone(env, &q, outer) {
            Some(plan) => Some(plan),
            None => return Ok(None),
        }
    } else {
        None
    };
    Ok(Some(GroupedPlan { once, keys: keys.len(), args, empty }))
}
