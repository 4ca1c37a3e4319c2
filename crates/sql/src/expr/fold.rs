//! Constant folding (TiDB's `FoldConstant`): a subtree that reads no column, variable or
//! subquery and calls only pure functions is evaluated once, when it is bound, instead of
//! once per row — `l_shipdate < DATE '1994-01-01' + INTERVAL 1 YEAR` compares with one date.
//!
//! A subtree whose evaluation fails is left as it is, so the error surfaces only if a row
//! evaluates it, as without folding. Evaluation records no warnings, so folding cannot drop
//! or duplicate any.

use super::{
    member_set::{ConstSet, MIN_INDEXED},
    EvalCtx, Expr, Func,
};
use crate::context::SessionCtx;

impl Func {
    /// Whether the function's result depends only on its arguments (not on the clock, the
    /// session or the statement), so calls with constant arguments may be folded.
    pub fn is_pure(self) -> bool {
        use Func::*;
        !matches!(
            self,
            Version
                | TidbVersion
                | Database
                | User
                | CurrentUser
                | ConnectionId
                | LastInsertId
                | FoundRows
                | Now
                | CurDate
                | CurTime
                | UnixTimestamp
                | Uuid
                | UuidV4
                | UuidV7
                | UuidShort
                | RandomBytes
                | RowCount
                | Sleep
                | Rand
                | GetLock
                | ReleaseLock
                | ReleaseAllLocks
                | IsFreeLock
                | IsUsedLock
                | CurrentRole
                | Benchmark
        )
    }
}

impl Expr {
    /// Whether this expression evaluates the same on any thread given a copy of the session:
    /// it holds no subquery or parameter and calls only pure functions (a parallel scan's workers filter
    /// rows by such a predicate before sending them).
    pub fn is_portable(&self) -> bool {
        let mut todo = vec![self];
        while let Some(e) = todo.pop() {
            match e {
                Expr::Subquery { .. } | Expr::Param(_) => return false,
                Expr::Func { func, .. } if !func.is_pure() => return false,
                other => other.push_operands(&mut todo),
            }
        }
        true
    }

    /// Whether the expression reads a parameter slot ([`Expr::Param`]).
    pub fn has_params(&self) -> bool {
        let mut todo = vec![self];
        while let Some(e) = todo.pop() {
            match e {
                Expr::Param(_) => return true,
                other => other.push_operands(&mut todo),
            }
        }
        false
    }

    /// This expression with its constant subtrees evaluated (see the module doc).
    pub fn folded(self, ctx: &SessionCtx) -> Expr {
        let cx = EvalCtx::new(ctx);
        fold(self, &cx)
    }
}

fn lit(e: &Expr) -> bool {
    matches!(e, Expr::Literal(_))
}

fn fold(e: Expr, cx: &EvalCtx<'_>) -> Expr {
    crate::frontend::stack::ensure_stack(|| fold_node(e, cx))
}

fn fold_node(e: Expr, cx: &EvalCtx<'_>) -> Expr {
    match e {
        Expr::Binary { .. } => {
            // Down a left-deep chain in a loop (chains may be 100 000 terms long), then back up.
            let mut spine = Vec::new();
            let mut cur = e;
            while let Expr::Binary { op, left, right } = cur {
                spine.push((op, fold(*right, cx)));
                cur = *left;
            }
            let mut acc = fold(cur, cx);
            while let Some((op, right)) = spine.pop() {
                let constant = lit(&acc) && lit(&right);
                acc = Expr::Binary { op, left: Box::new(acc), right: Box::new(right) };
                if constant {
                    acc = evaluated(acc, cx);
                }
            }
            acc
        }
        Expr::Unary { op, arg } => {
            let arg = fold(*arg, cx);
            let constant = lit(&arg);
            maybe(Expr::Unary { op, arg: Box::new(arg) }, constant, cx)
        }
        Expr::IsNull { arg, negated } => {
            let arg = fold(*arg, cx);
            let constant = lit(&arg);
            maybe(Expr::IsNull { arg: Box::new(arg), negated }, constant, cx)
        }
        Expr::IsBool { arg, value, negated } => {
            let arg = fold(*arg, cx);
            let constant = lit(&arg);
            maybe(Expr::IsBool { arg: Box::new(arg), value, negated }, constant, cx)
        }
        Expr::Cast { arg, target } => {
            let arg = fold(*arg, cx);
            let constant = lit(&arg);
            maybe(Expr::Cast { arg: Box::new(arg), target }, constant, cx)
        }
        Expr::Like { arg, pattern, escape, negated } => {
            let (arg, pattern) = (fold(*arg, cx), fold(*pattern, cx));
            let constant = lit(&arg) && lit(&pattern);
            let e = Expr::Like { arg: Box::new(arg), pattern: Box::new(pattern), escape, negated };
            maybe(e, constant, cx)
        }
        Expr::InList { arg, list, negated, set } => {
            let arg = fold(*arg, cx);
            let list: Vec<Expr> = list.into_iter().map(|e| fold(e, cx)).collect();
            let literals = list.iter().all(lit);
            let constant = lit(&arg) && literals;
            let set = match set {
                None if literals && !constant && list.len() >= MIN_INDEXED => {
                    let values = list.iter().filter_map(|e| match e {
                        Expr::Literal(v) => Some(vec![v.clone()]),
                        _ => None,
                    });
                    Some(ConstSet::new(values.collect()))
                }
                kept => kept,
            };
            maybe(Expr::InList { arg: Box::new(arg), list, negated, set }, constant, cx)
        }
        Expr::RowIn { args, set, or } => {
            let args: Vec<Expr> = args.into_iter().map(|e| fold(e, cx)).collect();
            let or = fold(*or, cx);
            if args.iter().all(lit) {
                return or;
            }
            Expr::RowIn { args, set, or: Box::new(or) }
        }
        Expr::Between { arg, low, high, negated } => {
            let (arg, low, high) = (fold(*arg, cx), fold(*low, cx), fold(*high, cx));
            let constant = lit(&arg) && lit(&low) && lit(&high);
            let e = Expr::Between {
                arg: Box::new(arg),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            };
            maybe(e, constant, cx)
        }
        Expr::Case { operand, whens, else_ } => {
            let operand = operand.map(|o| Box::new(fold(*o, cx)));
            let whens: Vec<(Expr, Expr)> =
                whens.into_iter().map(|(w, t)| (fold(w, cx), fold(t, cx))).collect();
            let else_ = else_.map(|e| Box::new(fold(*e, cx)));
            let constant = operand.as_deref().is_none_or(lit)
                && whens.iter().all(|(w, t)| lit(w) && lit(t))
                && else_.as_deref().is_none_or(lit);
            maybe(Expr::Case { operand, whens, else_ }, constant, cx)
        }
        Expr::Func { func, args } => {
            let args: Vec<Expr> = args.into_iter().map(|e| fold(e, cx)).collect();
            let constant = func.is_pure() && args.iter().all(lit);
            maybe(Expr::Func { func, args }, constant, cx)
        }
        // Leaves, and what is never constant: columns, parameters, variables (`:=` may change them
        // mid-statement), subqueries.
        e @ (Expr::Literal(_)
        | Expr::Column(_)
        | Expr::Param(_)
        | Expr::SysVar { .. }
        | Expr::UserVar(_)
        | Expr::Subquery { .. }) => e,
    }
}

fn maybe(e: Expr, constant: bool, cx: &EvalCtx<'_>) -> Expr {
    if constant {
        evaluated(e, cx)
    } else {
        e
    }
}

/// `e` (whose operands are literals) as the literal it evaluates to, or unchanged when it fails.
fn evaluated(e: Expr, cx: &EvalCtx<'_>) -> Expr {
    match e.eval(&[], cx) {
        Ok(v) => Expr::Literal(v),
        Err(_) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::BinaryOp;
    use types::Value;

    fn int(i: i64) -> Expr {
        Expr::Literal(Value::Int(i))
    }

    fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        Expr::Binary { op, left: Box::new(l), right: Box::new(r) }
    }

    fn ctx() -> SessionCtx {
        let vars = crate::sysvar::SessionVars::new(crate::sysvar::GlobalVars::new(&[]));
        SessionCtx::new(vars, "root", "%", 1)
    }

    #[test]
    fn constant_arithmetic_becomes_one_literal() {
        let e = bin(BinaryOp::Plus, int(1), bin(BinaryOp::Multiply, int(2), int(3)));
        assert_eq!(e.folded(&ctx()), int(7));
    }

    #[test]
    fn columns_stop_folding_but_constant_operands_still_fold() {
        let e = bin(BinaryOp::Lt, Expr::Column(0), bin(BinaryOp::Minus, int(10), int(4)));
        assert_eq!(e.folded(&ctx()), bin(BinaryOp::Lt, Expr::Column(0), int(6)));
    }

    #[test]
    fn a_long_chain_folds_without_recursion() {
        let mut e = int(1);
        for _ in 0..100_000 {
            e = bin(BinaryOp::Plus, e, int(1));
        }
        assert_eq!(e.folded(&ctx()), int(100_001));
    }

    #[test]
    fn impure_functions_and_failures_are_left_alone() {
        let now = Expr::Func { func: Func::Now, args: Vec::new() };
        assert_eq!(now.clone().folded(&ctx()), now);
        let upper =
            Expr::Func { func: Func::Upper, args: vec![Expr::Literal(Value::String("a".into()))] };
        assert_eq!(upper.folded(&ctx()), Expr::Literal(Value::String("A".into())));
    }
}
