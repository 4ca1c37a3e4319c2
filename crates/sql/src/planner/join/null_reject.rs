//! Outer joins that WHERE makes inner (TiDB's `outerJoinSimplify`): a LEFT JOIN pads its right
//! source's columns with NULL where no row matches, and if some WHERE conjunct is never TRUE
//! when those columns are NULL (`b.w > 5`, `b.id IS NOT NULL`), the padded rows are all
//! filtered out again — the join is an inner join, which the planner may reorder and filter as
//! its sources are read. A RIGHT JOIN's left side likewise. The condition of an inner join
//! joined after an outer one filters its padded rows too, and converting one join makes its
//! condition such a filter (`a LEFT JOIN b ON … LEFT JOIN c ON c.x = b.y WHERE c.z > 1`: `c`
//! inner, then `c.x = b.y` rejects NULL `b`), so this repeats until nothing changes.

use super::{JoinInput, Layout, StepKind};
use crate::{
    executor::bound_conjuncts,
    expr::{BinaryOp, Expr, UnaryOp},
};

/// `inputs` with each outer join that `where_` (over the FROM-order row) or an inner join's
/// condition rejects padding for made inner.
pub(super) fn simplify(
    mut inputs: Vec<JoinInput>,
    where_: Option<&Expr>,
    layout: &Layout,
) -> Vec<JoinInput> {
    loop {
        let mut changed = None;
        for (i, input) in inputs.iter().enumerate() {
            // What filters the join's padded rows: WHERE, and the conditions of inner joins
            // joined after it.
            let later = inputs[i + 1..].iter().filter(|j| j.kind == StepKind::Inner);
            let filters: Vec<&Expr> = where_
                .map(bound_conjuncts)
                .unwrap_or_default()
                .into_iter()
                .chain(later.flat_map(|j| j.on.iter().flat_map(bound_conjuncts)))
                .collect();
            let padded = match input.kind {
                StepKind::Left => i..i + 1,
                // The right side's partner: the sources of its comma group before it.
                StepKind::Right => {
                    let start = (0..i).rev().find(|&j| inputs[j].starts_group).unwrap_or(0);
                    start..i
                }
                _ => continue,
            };
            let columns = |c: usize| layout.owner.get(c).is_some_and(|s| padded.contains(s));
            if filters.iter().any(|f| rejects_null(f, &columns)) {
                changed = Some(i);
                break;
            }
        }
        match changed {
            Some(i) => inputs[i].kind = StepKind::Inner,
            None => return inputs,
        }
    }
}

/// Whether `e` is never TRUE when every column `padded` accepts is NULL.
pub(super) fn rejects_null(e: &Expr, padded: &dyn Fn(usize) -> bool) -> bool {
    match e {
        Expr::Binary { op: BinaryOp::And, left, right } => {
            rejects_null(left, padded) || rejects_null(right, padded)
        }
        Expr::Binary { op: BinaryOp::Or, left, right } => {
            rejects_null(left, padded) && rejects_null(right, padded)
        }
        // `x IS NOT NULL`, `x IS TRUE`: false for a NULL x.
        Expr::IsNull { arg, negated: true } => null_when(arg, padded),
        Expr::IsBool { arg, value: true, negated: false } => null_when(arg, padded),
        other => null_when(other, padded),
    }
}

/// Whether `e` is NULL when every column `padded` accepts is NULL: a strict operator over
/// such an operand (NULL in, NULL out).
fn null_when(e: &Expr, padded: &dyn Fn(usize) -> bool) -> bool {
    use BinaryOp as B;
    match e {
        Expr::Column(c) => padded(*c),
        Expr::Unary { op: UnaryOp::Not | UnaryOp::Neg | UnaryOp::BitNot, arg }
        | Expr::Cast { arg, .. } => null_when(arg, padded),
        Expr::Binary { op, left, right } => match op {
            // NULL AND FALSE is FALSE, NULL OR TRUE is TRUE, NULL <=> NULL is TRUE.
            B::And | B::Or | B::NullSafeEq => false,
            _ => null_when(left, padded) || null_when(right, padded),
        },
        Expr::Like { arg, pattern, .. } => null_when(arg, padded) || null_when(pattern, padded),
        Expr::Between { arg, .. } | Expr::InList { arg, .. } => null_when(arg, padded),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::Value;

    fn col(i: usize) -> Box<Expr> {
        Box::new(Expr::Column(i))
    }

    fn bin(op: BinaryOp, left: Box<Expr>, right: Box<Expr>) -> Expr {
        Expr::Binary { op, left, right }
    }

    fn lit(i: i64) -> Box<Expr> {
        Box::new(Expr::Literal(Value::Int(i)))
    }

    #[test]
    fn strict_comparisons_reject_padding_and_null_tests_do_not() {
        let b = |c: usize| c >= 2;
        assert!(rejects_null(&bin(BinaryOp::Gt, col(2), lit(5)), &b));
        assert!(!rejects_null(&bin(BinaryOp::Gt, col(0), lit(5)), &b));
        assert!(rejects_null(&Expr::IsNull { arg: col(3), negated: true }, &b));
        assert!(!rejects_null(&Expr::IsNull { arg: col(3), negated: false }, &b));
        assert!(!rejects_null(&bin(BinaryOp::NullSafeEq, col(2), lit(5)), &b));
        // Arithmetic passes NULL on.
        let sum = Box::new(bin(BinaryOp::Plus, col(2), col(0)));
        assert!(rejects_null(&bin(BinaryOp::Eq, sum, lit(1)), &b));
    }

    #[test]
    fn and_needs_one_side_or_needs_both() {
        let b = |c: usize| c >= 2;
        let on_b = || Box::new(bin(BinaryOp::Gt, col(2), lit(5)));
        let on_a = || Box::new(bin(BinaryOp::Gt, col(0), lit(5)));
        assert!(rejects_null(&bin(BinaryOp::And, on_a(), on_b()), &b));
        assert!(!rejects_null(&bin(BinaryOp::Or, on_a(), on_b()), &b));
        assert!(rejects_null(&bin(BinaryOp::Or, on_b(), on_b()), &b));
        // NOT (b.x > 5) is NULL for NULL b.x; NOT (b.x IS NULL) is not.
        let not = |e: Expr| Expr::Unary { op: UnaryOp::Not, arg: Box::new(e) };
        assert!(rejects_null(&not(bin(BinaryOp::Gt, col(2), lit(5))), &b));
        assert!(!rejects_null(&not(Expr::IsNull { arg: col(2), negated: false }), &b));
    }
}
