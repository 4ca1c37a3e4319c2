//! Which input columns an expression reads, and the same expression over a rearranged row —
//! what the join planner needs to push conjuncts to the step that can evaluate them.
//!
//! A subquery reads the enclosing row only through its arguments (and an IN's tested value),
//! which are expressions like any other: they are listed and moved with the rest.

use super::{Expr, SubqueryKind};

impl Expr {
    /// The row positions this expression reads (a subquery's through its arguments), sorted
    /// and without repeats.
    pub fn columns(&self) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        visit(self, &mut |c| out.push(c))?;
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// This expression with every `Column(i)` replaced by `Column(map(i))`; `None` when `map`
    /// answers `None` for a column it reads.
    pub fn map_columns(&self, map: &dyn Fn(usize) -> Option<usize>) -> Option<Expr> {
        // Left-deep chains (`a OR b OR …`, 100 000 terms) go down in a loop, not recursion.
        if let Expr::Binary { .. } = self {
            let mut spine = Vec::new();
            let mut e = self;
            while let Expr::Binary { op, left, right } = e {
                spine.push((*op, right.map_columns(map)?));
                e = left;
            }
            let mut acc = e.map_columns(map)?;
            while let Some((op, right)) = spine.pop() {
                acc = Expr::Binary { op, left: Box::new(acc), right: Box::new(right) };
            }
            return Some(acc);
        }
        let m = |e: &Expr| e.map_columns(map).map(Box::new);
        let all = |v: &[Expr]| v.iter().map(|e| e.map_columns(map)).collect::<Option<Vec<_>>>();
        Some(match self {
            Expr::Column(i) => Expr::Column(map(*i)?),
            Expr::Literal(_) | Expr::Param(_) | Expr::SysVar { .. } | Expr::UserVar(_) => {
                self.clone()
            }
            Expr::Unary { op, arg } => Expr::Unary { op: *op, arg: m(arg)? },
            Expr::Binary { .. } => return None,
            Expr::IsNull { arg, negated } => Expr::IsNull { arg: m(arg)?, negated: *negated },
            Expr::IsBool { arg, value, negated } => {
                Expr::IsBool { arg: m(arg)?, value: *value, negated: *negated }
            }
            Expr::Like { arg, pattern, escape, negated } => Expr::Like {
                arg: m(arg)?,
                pattern: m(pattern)?,
                escape: *escape,
                negated: *negated,
            },
            Expr::RowIn { args, set, or } => {
                Expr::RowIn { args: all(args)?, set: set.clone(), or: m(or)? }
            }
            Expr::InList { arg, list, negated, set } => {
                Expr::InList { arg: m(arg)?, list: all(list)?, negated: *negated, set: set.clone() }
            }
            Expr::Between { arg, low, high, negated } => {
                Expr::Between { arg: m(arg)?, low: m(low)?, high: m(high)?, negated: *negated }
            }
            Expr::Case { operand, whens, else_ } => Expr::Case {
                operand: match operand {
                    Some(o) => Some(m(o)?),
                    None => None,
                },
                whens: whens
                    .iter()
                    .map(|(w, t)| Some((w.map_columns(map)?, t.map_columns(map)?)))
                    .collect::<Option<Vec<_>>>()?,
                else_: match else_ {
                    Some(e) => Some(m(e)?),
                    None => None,
                },
            },
            Expr::Cast { arg, target } => Expr::Cast { arg: m(arg)?, target: *target },
            Expr::Func { func, args } => Expr::Func { func: *func, args: all(args)? },
            Expr::Subquery { sub, args, kind } => {
                let kind = match kind {
                    SubqueryKind::In { arg, negated } => {
                        SubqueryKind::In { arg: m(arg)?, negated: *negated }
                    }
                    other => other.clone(),
                };
                Expr::Subquery { sub: sub.clone(), args: all(args)?, kind }
            }
        })
    }

    /// Calls `f` on every subquery node of this expression (iteratively), which `f` may
    /// replace; the tested value of an `IN` subquery is visited after `f` returns, if the node
    /// is still that subquery.
    pub fn each_subquery_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        let mut todo: Vec<&mut Expr> = vec![self];
        while let Some(e) = todo.pop() {
            if matches!(e, Expr::Subquery { .. }) {
                f(e);
            }
            match e {
                Expr::Column(_)
                | Expr::Literal(_)
                | Expr::Param(_)
                | Expr::SysVar { .. }
                | Expr::UserVar(_) => {}
                Expr::Unary { arg, .. }
                | Expr::IsNull { arg, .. }
                | Expr::IsBool { arg, .. }
                | Expr::Cast { arg, .. } => todo.push(arg),
                Expr::Binary { left, right, .. } | Expr::Like { arg: left, pattern: right, .. } => {
                    todo.push(left);
                    todo.push(right);
                }
                Expr::InList { arg, list, .. } => {
                    todo.push(arg);
                    todo.extend(list.iter_mut());
                }
                Expr::RowIn { args, or, .. } => {
                    todo.extend(args.iter_mut());
                    todo.push(or);
                }
                Expr::Between { arg, low, high, .. } => {
                    todo.extend([&mut **arg, &mut **low, &mut **high])
                }
                Expr::Case { operand, whens, else_ } => {
                    todo.extend(operand.as_deref_mut());
                    todo.extend(whens.iter_mut().flat_map(|(w, t)| [w, t]));
                    todo.extend(else_.as_deref_mut());
                }
                Expr::Func { args, .. } => todo.extend(args.iter_mut()),
                Expr::Subquery { args, kind, .. } => {
                    todo.extend(args.iter_mut());
                    if let SubqueryKind::In { arg, .. } = kind {
                        todo.push(arg);
                    }
                }
            }
        }
    }
}

impl Expr {
    /// Whether this expression holds a subquery anywhere.
    pub fn has_subquery(&self) -> bool {
        let mut todo = vec![self];
        while let Some(e) = todo.pop() {
            if matches!(e, Expr::Subquery { .. }) {
                return true;
            }
            e.push_operands(&mut todo);
        }
        false
    }

    /// Pushes this expression's operands onto `todo` (for a subquery its arguments and an IN's
    /// tested value: what it reads of the enclosing row): the one step of every walk over a
    /// tree.
    pub(crate) fn push_operands<'e>(&'e self, todo: &mut Vec<&'e Expr>) {
        match self {
            Expr::Literal(_)
            | Expr::Column(_)
            | Expr::Param(_)
            | Expr::SysVar { .. }
            | Expr::UserVar(_) => {}
            Expr::Subquery { args, kind, .. } => {
                todo.extend(args);
                if let SubqueryKind::In { arg, .. } = kind {
                    todo.push(arg);
                }
            }
            Expr::Unary { arg, .. }
            | Expr::IsNull { arg, .. }
            | Expr::IsBool { arg, .. }
            | Expr::Cast { arg, .. } => todo.push(arg),
            Expr::Binary { left, right, .. } | Expr::Like { arg: left, pattern: right, .. } => {
                todo.push(left);
                todo.push(right);
            }
            Expr::InList { arg, list, .. } => {
                todo.push(arg);
                todo.extend(list);
            }
            Expr::RowIn { args, or, .. } => {
                todo.extend(args);
                todo.push(or);
            }
            Expr::Between { arg, low, high, .. } => todo.extend([&**arg, &**low, &**high]),
            Expr::Case { operand, whens, else_ } => {
                todo.extend(operand.as_deref());
                todo.extend(whens.iter().flat_map(|(w, t)| [w, t]));
                todo.extend(else_.as_deref());
            }
            Expr::Func { args, .. } => todo.extend(args),
        }
    }
}

/// Calls `f` for every column `e` reads.
fn visit(e: &Expr, f: &mut dyn FnMut(usize)) -> Option<()> {
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match e {
            Expr::Column(i) => f(*i),
            other => other.push_operands(&mut todo),
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::BinaryOp;
    use types::Value;

    fn eq(a: Expr, b: Expr) -> Expr {
        Expr::Binary { op: BinaryOp::Eq, left: Box::new(a), right: Box::new(b) }
    }

    #[test]
    fn columns_are_listed_once_in_order() {
        let e = eq(
            Expr::Column(3),
            Expr::Func {
                func: crate::expr::Func::Abs,
                args: vec![Expr::Column(1), Expr::Column(3)],
            },
        );
        assert_eq!(e.columns(), Some(vec![1, 3]));
        assert_eq!(Expr::Literal(Value::Int(1)).columns(), Some(vec![]));
    }

    #[test]
    fn mapping_moves_every_column_and_keeps_the_rest() {
        let e = eq(Expr::Column(0), Expr::Column(2));
        let moved = e.map_columns(&|i| Some(i + 10)).expect("mapped");
        assert_eq!(moved, eq(Expr::Column(10), Expr::Column(12)));
        assert_eq!(e.map_columns(&|i| (i == 0).then_some(5)), None);
    }

    #[test]
    fn long_chains_map_without_recursion() {
        let mut e = Expr::Column(0);
        for i in 0..100_000 {
            e = Expr::Binary {
                op: BinaryOp::Or,
                left: Box::new(e),
                right: Box::new(Expr::Column(i % 7)),
            };
        }
        let moved = e.map_columns(&|i| Some(i + 1)).expect("mapped");
        assert_eq!(moved.columns(), Some((1..8).collect()));
        // Dropping a 100 000-deep tree recurses; let it go on a thread with room.
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || drop((e, moved)))
            .expect("spawn")
            .join()
            .expect("join");
    }
}
