//! Uncorrelated scalar and `EXISTS` subqueries evaluated while planning, their values put in
//! their place — what TiDB's optimizer does (`expression_rewriter.go`, `handleScalarSubquery`
//! and `handleExistSubquery` without correlated columns), so that ranges, constant folding,
//! estimates and EXPLAIN see a constant: `WHERE id = (SELECT MAX(id) FROM t)` is a point get.
//! An uncorrelated `x [NOT] IN (SELECT …)` of at most [`MAX_IN_VALUES`] rows becomes the list
//! of its values (`x IN (3, 9, …)`), which ranges read as points: TPC-H q18's orders are read
//! by key instead of scanned (TiDB reaches the same by joining the subquery's distinct values).
//!
//! A subquery is left to run per row (see `executor::subquery`) when it takes arguments from an
//! enclosing query, varies per call, locks, fails, or when its result
//! is not a value: more than one row (1242) or a column count other than one (1241) raise
//! their errors only if a row evaluates them, as in MySQL.

use types::Value;

use crate::{
    executor::{bound_conjuncts, uncorrelated_rows, QueryEnv},
    expr::{BinaryOp, Expr, SubqueryKind, Truth},
};

/// Most rows of an uncorrelated `IN` subquery turned into a list of values; a larger result
/// stays a subquery, probed through a hash index of its rows.
pub const MAX_IN_VALUES: usize = 4096;

/// Replaces the uncorrelated scalar, `EXISTS` and small `IN` subqueries of `e` by their values
/// and folds what that makes constant; records in `env` that the plan holds such values (a
/// prepared statement must not keep it).
pub(crate) fn evaluate(env: &QueryEnv<'_, '_, '_>, e: Expr) -> Expr {
    let mut e = e;
    let mut replaced = false;
    e.each_subquery_mut(&mut |node| {
        let Expr::Subquery { sub, args, kind } = node else { return };
        if !args.is_empty() {
            return;
        }
        let Some(rows) = uncorrelated_rows(env, sub) else { return };
        let value = match kind {
            SubqueryKind::Exists { negated } => Value::Int(i64::from(rows.is_empty() == *negated)),
            SubqueryKind::In { arg, negated } => {
                if rows.len() > MAX_IN_VALUES || rows.iter().any(|r| r.len() != 1) {
                    return;
                }
                // No rows: IN is false and NOT IN true, whatever the argument (NULL too).
                if !rows.is_empty() {
                    let list = rows.iter().map(|r| Expr::Literal(r[0].clone())).collect();
                    let arg = std::mem::replace(arg, Box::new(Expr::Literal(Value::Null)));
                    *node = Expr::InList { arg, list, negated: *negated, set: None };
                    replaced = true;
                    return;
                }
                Value::Int(i64::from(*negated))
            }
            SubqueryKind::Scalar => match rows.as_slice() {
                [] => Value::Null,
                [row] if row.len() == 1 => row[0].clone(),
                _ => return,
            },
        };
        *node = Expr::Literal(value);
        replaced = true;
    });
    if !replaced {
        return e;
    }
    env.evaluated_subqueries.set(true);
    e.folded(env.ctx)
}

/// Whether some conjunct of `pred` is a constant that is not TRUE (FALSE or NULL): no row
/// passes it.
pub(crate) fn always_false(pred: &Expr) -> bool {
    bound_conjuncts(pred).iter().any(|c| matches!(c, Expr::Literal(v) if v.truth() != Some(true)))
}

/// A filter predicate without its conjuncts that are constant TRUE (an `EXISTS` found true
/// while planning, or written so: `WHERE 1 AND …`); `None` when nothing remains to check.
pub(crate) fn without_true_conjuncts(pred: Expr) -> Option<Expr> {
    let is_true = |e: &Expr| matches!(e, Expr::Literal(v) if v.truth() == Some(true));
    let conjuncts = bound_conjuncts(&pred);
    if !conjuncts.iter().any(|c| is_true(c)) {
        return Some(pred);
    }
    let kept: Vec<Expr> = conjuncts.into_iter().filter(|c| !is_true(c)).cloned().collect();
    kept.into_iter().reduce(|left, right| Expr::Binary {
        op: BinaryOp::And,
        left: Box::new(left),
        right: Box::new(right),
    })
}
