//! Lowering a whole query body to a [`Plan`]: one `SELECT` block (`select.rs`), a
//! parenthesised query, or a set operation — `UNION [ALL]`, `INTERSECT`, `EXCEPT` — whose
//! sides are planned the same way, recursively, with the query's ORDER BY and LIMIT above.
//!
//! ```text
//!   a UNION ALL b UNION ALL c   ──▶  Union[a, b, c]             (streams each side in turn)
//!   a UNION b                   ──▶  Distinct(Union[a, b])      (spills like DISTINCT)
//!   a INTERSECT|EXCEPT [ALL] b  ──▶  SetOp(a, b)                (b held as a counted set)
//! ```
//!
//! A `WITH` brings its common table expressions into scope by name while the query under it
//! is planned (`executor::query::with_scope`); each is planned where it is read.

use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{self, Query, SetExpr};
use types::{ColumnFlags, ResultColumn};

use super::{plan_select, Plan, SelectPlan};
use crate::{
    binder::{bind_expr_in, OuterRow, Scope, ScopeColumn},
    executor::{limit_offset, order_keys_with, side_query, QueryEnv},
    expr::{Expr, ExprType},
};

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// Plans `q` (without a `WITH` of its own: see the module doc), possibly as a subquery of
/// `outer`. `text` is the statement's source, which names a single block's result columns.
pub fn plan_query(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    text: &str,
    outer: Option<&OuterRow<'_>>,
) -> Result<SelectPlan> {
    if q.with.is_some() {
        // A query nested where no caller brought its WITH into scope (a side of a set
        // operation, a subquery): planned inside it.
        let in_subquery = outer.is_some();
        return crate::executor::with_scope_in(env, q, in_subquery, |q| {
            plan_query(env, q, text, outer)
        });
    }
    match q.body.as_ref() {
        SetExpr::Select(select) => plan_select(env, q, select, text, outer),
        SetExpr::Query(inner) if q.order_by.is_none() && q.limit_clause.is_none() => {
            plan_query(env, inner, text, outer)
        }
        body => {
            let planned = plan_body(env, body, outer)?;
            order_and_limit(env, q, planned, outer)
        }
    }
}

/// One side of a set operation, or the operation itself.
fn plan_body(
    env: &QueryEnv<'_, '_, '_>,
    body: &SetExpr,
    outer: Option<&OuterRow<'_>>,
) -> Result<SelectPlan> {
    let SetExpr::SetOperation { left, op, set_quantifier, right } = body else {
        return match body {
            SetExpr::Query(q) => plan_query(env, q, "", outer),
            SetExpr::Select(_) => plan_query(env, &side_query(body), "", outer),
            _ => Err(unsupported("this query form")),
        };
    };
    let l = plan_body(env, left, outer)?;
    let r = plan_body(env, right, outer)?;
    if l.columns.len() != r.columns.len() {
        return Err(Error::fmt(errno::ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT, &[]));
    }
    let all = matches!(set_quantifier, ast::SetQuantifier::All);
    let columns = merged_columns(l.columns, &r.columns);
    let mut typed_by_values = l.typed_by_values;
    for i in r.typed_by_values {
        if !typed_by_values.contains(&i) {
            typed_by_values.push(i);
        }
    }
    let plan = match op {
        ast::SetOperator::Union => {
            let mut inputs = match l.plan {
                Plan::Union { inputs } => inputs,
                other => vec![other],
            };
            match r.plan {
                Plan::Union { inputs: more } => inputs.extend(more),
                other => inputs.push(other),
            }
            let union = Plan::Union { inputs };
            if all {
                union
            } else {
                Plan::Distinct { input: Box::new(union) }
            }
        }
        ast::SetOperator::Intersect | ast::SetOperator::Except => Plan::SetOp {
            left: Box::new(l.plan),
            right: Box::new(r.plan),
            intersect: *op == ast::SetOperator::Intersect,
            all,
        },
        other => return Err(unsupported(other)),
    };
    Ok(SelectPlan { plan, columns, typed_by_values })
}

/// The result columns of a set operation: the left side's names and types; a column may be
/// NULL when either side's may.
fn merged_columns(mut left: Vec<ResultColumn>, right: &[ResultColumn]) -> Vec<ResultColumn> {
    for (l, r) in left.iter_mut().zip(right) {
        if !r.flags.has(ColumnFlags::NOT_NULL) {
            l.flags = ColumnFlags(l.flags.0 & !ColumnFlags::NOT_NULL);
        }
    }
    left
}

/// The query's ORDER BY (over the result's columns, by name or position) and LIMIT, above a
/// planned set operation or parenthesised query.
fn order_and_limit(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    mut planned: SelectPlan,
    outer: Option<&OuterRow<'_>>,
) -> Result<SelectPlan> {
    let scope = Scope {
        columns: planned
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: None,
                name: c.name.clone(),
                ty: ExprType::of(c.field_type, true),
                hidden: false,
            })
            .collect(),
    };
    let aliases: Vec<(String, Option<Expr>)> = planned
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), Some(Expr::Column(i))))
        .collect();
    let keys = order_keys_with(q, &aliases, |e| {
        Ok(bind_expr_in(e, &scope, env, "order clause", outer)?.0)
    })?;
    let (limit, offset) = limit_offset(env.ctx, q.limit_clause.as_ref())?;
    let mut plan = planned.plan;
    match (keys.is_empty(), limit) {
        (false, Some(limit)) => {
            planned.plan = Plan::TopN { input: Box::new(plan), keys, limit, offset };
            return Ok(planned);
        }
        (false, None) => plan = Plan::Sort { input: Box::new(plan), keys },
        (true, _) => {}
    }
    if limit.is_some() || offset > 0 {
        plan = Plan::Limit { input: Box::new(plan), limit, offset, count_all: false };
    }
    planned.plan = plan;
    Ok(planned)
}
