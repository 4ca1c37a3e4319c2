//! Correlated `EXISTS`, `NOT EXISTS` and `IN (SELECT …)` conjuncts of WHERE as semi and anti
//! joins (TiDB's decorrelation of `Apply` into `SemiJoin`/`AntiSemiJoin`): the subquery's table
//! becomes one more join source, its WHERE (and for IN, `arg = column`) the condition of that
//! step, so the join planner picks an index lookup or a hash join for it instead of running the
//! subquery per outer row.
//!
//! Only plain subqueries are flattened: one stored table, a WHERE without subqueries of its
//! own, no grouping, aggregates, DISTINCT-sensitive or LIMIT clauses, no WITH or set operation.
//! `NOT IN` stays a subquery (a NULL on either side makes it unknown, which an anti join cannot
//! tell from false), and so does a subquery that names nothing of the enclosing row (it runs
//! once already).

use std::ops::ControlFlow;

use errno::Result;
use sqlparser::ast;

use super::join::{and, JoinInput, StepKind};
use crate::{
    binder::{bind_expr_in, OuterRefs, OuterRow, Scope},
    executor::{bound_conjuncts, resolve_from, table_scope, used_columns, QueryEnv, Source},
    expr::{BinaryOp, Expr, SubqueryKind},
};

/// A subquery turned into a join source.
pub(super) struct Flattened {
    /// The subquery's table.
    pub source: Source,
    /// Semi or anti, with the subquery's condition (over the FROM-order row with this source
    /// appended).
    pub input: JoinInput,
    /// The source's columns the subquery reads.
    pub columns: Option<Vec<bool>>,
}

/// Takes the flattenable subquery conjuncts out of `pred` (bound over the row of `sources`):
/// the join sources they become (in order, appended after `sources`) and what is left of
/// `pred`.
pub(super) fn flatten(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    pred: Option<&Expr>,
    outer: Option<&OuterRow<'_>>,
) -> Result<(Vec<Flattened>, Option<Expr>)> {
    let Some(pred) = pred else { return Ok((Vec::new(), None)) };
    let has_subquery = bound_conjuncts(pred).iter().any(|c| matches!(c, Expr::Subquery { .. }));
    if !has_subquery {
        return Ok((Vec::new(), Some(pred.clone())));
    }
    let scope = Scope {
        columns: sources.iter().flat_map(|s| table_scope(&s.table, &s.alias).columns).collect(),
    };
    let mut width = scope.columns.len();
    let mut out = Vec::new();
    let mut rest: Vec<Expr> = Vec::new();
    for c in bound_conjuncts(pred) {
        match flatten_one(env, c, &scope, width, outer)? {
            Some(f) => {
                width += f.source.table.columns.len();
                out.push(f);
            }
            None => rest.push(c.clone()),
        }
    }
    Ok((out, rest.into_iter().reduce(and)))
}

/// `c` as a semi or anti join source whose columns start at `width`, if it can be one.
fn flatten_one(
    env: &QueryEnv<'_, '_, '_>,
    c: &Expr,
    scope: &Scope,
    width: usize,
    outer: Option<&OuterRow<'_>>,
) -> Result<Option<Flattened>> {
    let Expr::Subquery { sub, kind, .. } = c else { return Ok(None) };
    let query = &sub.query;
    let (kind, arg) = match kind {
        SubqueryKind::Exists { negated: false } => (StepKind::Semi, None),
        SubqueryKind::Exists { negated: true } => (StepKind::Anti, None),
        SubqueryKind::In { arg, negated: false } => (StepKind::Semi, Some(arg)),
        _ => return Ok(None),
    };
    let Some(select) = plain_select(query) else { return Ok(None) };
    let item = match (&arg, select.projection.as_slice()) {
        (None, _) => None,
        (
            Some(_),
            [ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. }],
        ) => Some(e),
        _ => return Ok(None),
    };
    // A table that is not there, or not stored, keeps the subquery (and its error) as it was.
    let Ok((mut found, _, _)) = resolve_from(env, &select.from, outer) else { return Ok(None) };
    let source = match found.pop() {
        Some(s) if found.is_empty() && s.computed.is_none() => s,
        _ => return Ok(None),
    };
    let own = table_scope(&source.table, &source.alias);
    let own_width = own.columns.len();
    // Bound over [the subquery's columns, then the enclosing row's]; names resolve to the
    // subquery's own table first, as in a subquery.
    let refs = std::rc::Rc::new(std::cell::RefCell::new(OuterRefs::default()));
    let row = OuterRow { scope, parent: outer, refs: &refs, columns_at: Some(own_width) };
    let bind = |e: &ast::Expr, clause: &str| -> Result<Option<Expr>> {
        Ok(bind_expr_in(e, &own, env, clause, Some(&row)).ok().map(|(e, _)| e))
    };
    let mut conds = Vec::new();
    if let Some(w) = &select.selection {
        match bind(w, "where clause")? {
            Some(e) => conds.push(e),
            None => return Ok(None),
        }
    }
    if let (Some(arg), Some(item)) = (arg, item) {
        let Some(column) = bind(item, "field list")? else { return Ok(None) };
        // `arg` is over the enclosing row: shift it past the subquery's columns.
        let Some(arg) = arg.map_columns(&|i| Some(i + own_width)) else { return Ok(None) };
        conds.push(Expr::Binary { op: BinaryOp::Eq, left: Box::new(arg), right: Box::new(column) });
    }
    if !refs.borrow().names_row {
        // Names nothing of the enclosing row: it runs once as a subquery already.
        return Ok(None);
    }
    // Into the joined row: the enclosing row first, this source after `width` columns.
    let to_joined = |i: usize| Some(if i < own_width { width + i } else { i - own_width });
    let on = conds.into_iter().map(|e| e.map_columns(&to_joined)).collect::<Option<Vec<_>>>();
    let Some(on) = on else { return Ok(None) };
    let on = on.into_iter().reduce(and);
    let columns = used_columns(&source.table, query);
    Ok(Some(Flattened { source, input: JoinInput { kind, starts_group: false, on }, columns }))
}

/// The SELECT of `q` when it is plain enough to flatten (see the module documentation).
fn plain_select(q: &ast::Query) -> Option<&ast::Select> {
    if q.with.is_some() || q.limit_clause.is_some() || q.fetch.is_some() || !q.locks.is_empty() {
        return None;
    }
    let ast::SetExpr::Select(s) = q.body.as_ref() else { return None };
    let ast::GroupByExpr::Expressions(groups, modifiers) = &s.group_by else { return None };
    let simple_from = matches!(
        s.from.as_slice(),
        [ast::TableWithJoins { relation: ast::TableFactor::Table { args: None, .. }, joins }]
            if joins.is_empty()
    );
    if !simple_from
        || !groups.is_empty()
        || !modifiers.is_empty()
        || s.having.is_some()
        || s.qualify.is_some()
        || !s.named_window.is_empty()
        || s.top.is_some()
        || s.into.is_some()
    {
        return None;
    }
    // No aggregate or window call in the select list (`EXISTS (SELECT COUNT(*) …)` is always
    // true), and no subquery anywhere.
    let aggregate = s.projection.iter().any(|item| {
        let found = ast::visit_expressions(item, |e| match e {
            ast::Expr::Function(f)
                if f.over.is_some() || crate::binder::is_aggregate(&f.name.to_string()) =>
            {
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        });
        found.is_break()
    });
    let nested = ast::visit_expressions(&*q.body, |e| match e {
        ast::Expr::Subquery(_)
        | ast::Expr::Exists { .. }
        | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    (!aggregate && !nested.is_break()).then_some(s)
}
