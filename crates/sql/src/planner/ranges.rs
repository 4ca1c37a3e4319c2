//! What a WHERE clause says about single columns: for each column, a set of points or one
//! interval, in the column's own stored type so the bounds encode straight into index keys.
//!
//! Only conjuncts of the form `column op constant` count (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`,
//! `IN (…)`, `IS NULL`, and `LIKE 'prefix%'` on string columns). A constant is converted the way the executor compares it with the
//! column (see `expr::compare`); when that comparison is not an order on the stored values (a
//! string against an integer column, a FLOAT column, …) the conjunct is ignored. Ignoring a
//! conjunct only widens what is read: the caller re-checks the whole WHERE clause on every row.

use std::{cmp::Ordering, collections::HashMap, ops::Bound};

use catalog::{ColumnInfo, TableInfo};
use types::{Decimal, Temporal, TemporalKind, TypeKind, Value};

use crate::expr::{compare, BinaryOp, EvalCtx, Expr};

/// Values one column may take: listed points, or an interval that excludes NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Exactly these values (possibly NULL); empty means no row matches.
    Points(Vec<Value>),
    /// Non-NULL values between the bounds.
    Interval(Bound<Value>, Bound<Value>),
}

/// A constant placed among a column's stored values.
struct Placed {
    /// The greatest storable value ≤ the constant (`None`: the constant is below them all).
    le: Option<Value>,
    /// The least storable value ≥ the constant (`None`: it is above them all).
    ge: Option<Value>,
    /// The constant itself is storable (then `le == ge ==` it).
    exact: bool,
}

/// Splits a bound `a AND b AND …` into its conjuncts (iteratively).
pub fn bound_conjuncts(e: &Expr) -> Vec<&Expr> {
    bound_chain(e, BinaryOp::And)
}

/// The operands of a chain of `op` (`a op b op …`, nested either way), found iteratively so a
/// long chain cannot overflow the stack.
pub fn bound_chain(e: &Expr, op: BinaryOp) -> Vec<&Expr> {
    let (mut out, mut todo) = (Vec::new(), vec![e]);
    while let Some(e) = todo.pop() {
        match e {
            Expr::Binary { op: o, left, right } if *o == op => {
                todo.push(right);
                todo.push(left);
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether a bound expression is a constant that is safe to evaluate once (no columns,
/// variables, subqueries or functions such as RAND()); parameters count as constants, their
/// values are known when ranges are built.
fn foldable(mut e: &Expr) -> bool {
    loop {
        match e {
            Expr::Literal(_) | Expr::Param(_) => return true,
            Expr::Unary { arg, .. } | Expr::Cast { arg, .. } => e = arg,
            Expr::Binary { left, right, .. } if foldable(right) => e = left,
            _ => return false,
        }
    }
}

fn constant(e: &Expr, ctx: &EvalCtx<'_>) -> Option<Value> {
    if !foldable(e) {
        return None;
    }
    e.eval(&[], ctx).ok()
}

/// What a WHERE clause says about a table's columns, for choosing how to read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathConds {
    /// Conditions its conjuncts put on single columns.
    pub all: HashMap<usize, Cond>,
    /// When a conjunct is an OR each of whose branches narrows some column (what a row IN list
    /// or an ORM's batch of composite keys becomes): each branch's conditions, the other
    /// conjuncts' included — TiDB's DNF ranges, read as the union of the branches' ranges.
    /// Empty otherwise.
    pub any: Vec<HashMap<usize, Cond>>,
}

/// Most branches of an OR whose ranges are built one by one.
const MAX_BRANCHES: usize = 1 << 18;

/// The conditions `pred` puts on `t`'s columns ([`PathConds`]); `ctx` gives the values of
/// parameters.
pub fn path_conds(pred: &Expr, t: &TableInfo, ctx: &EvalCtx<'_>) -> PathConds {
    let conjuncts = bound_conjuncts(pred);
    let all = conds_of(conjuncts.clone(), t, ctx);
    let mut any = Vec::new();
    for (i, c) in conjuncts.iter().enumerate() {
        // A row IN list's OR form.
        let c = match c {
            Expr::RowIn { or, .. } => &**or,
            other => *other,
        };
        let Expr::Binary { op: BinaryOp::Or, .. } = c else { continue };
        let branches = bound_chain(c, BinaryOp::Or);
        let n = branches.len();
        if n > MAX_BRANCHES {
            continue;
        }
        let others = || conjuncts.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, e)| *e);
        let mut each = Vec::with_capacity(n);
        for b in branches {
            let conds = conds_of(bound_conjuncts(b).into_iter().chain(others()).collect(), t, ctx);
            if conds.is_empty() {
                break;
            }
            each.push(conds);
        }
        if each.len() == n {
            any = each;
            break;
        }
    }
    PathConds { all, any }
}

/// Per-column conditions implied by the conjuncts of `pred`, bound over the columns of `t`
/// (`Expr::Column(i)` is `t.columns[i]`); `ctx` gives the values of parameters.
pub fn column_conds(pred: &Expr, t: &TableInfo, ctx: &EvalCtx<'_>) -> HashMap<usize, Cond> {
    conds_of(bound_conjuncts(pred), t, ctx)
}

fn conds_of(conjuncts: Vec<&Expr>, t: &TableInfo, ctx: &EvalCtx<'_>) -> HashMap<usize, Cond> {
    let mut out: HashMap<usize, Cond> = HashMap::new();
    for c in conjuncts {
        if let Some((col, cond)) = conjunct_cond(c, t, ctx) {
            let merged = match out.remove(&col) {
                Some(prev) => intersect(prev, cond),
                None => cond,
            };
            out.insert(col, merged);
        }
    }
    out
}

/// The column `e` reads, if it is a plain column of `t`.
fn column_of(e: &Expr, t: &TableInfo) -> Option<usize> {
    match e {
        Expr::Column(i) if *i < t.columns.len() => Some(*i),
        _ => None,
    }
}

fn conjunct_cond(c: &Expr, t: &TableInfo, ctx: &EvalCtx<'_>) -> Option<(usize, Cond)> {
    use BinaryOp as B;
    match c {
        Expr::Binary { left, op, right }
            if matches!(op, B::Eq | B::Lt | B::LtEq | B::Gt | B::GtEq) =>
        {
            let (col, value, op) = match (column_of(left, t), column_of(right, t)) {
                (Some(col), None) => (col, constant(right, ctx)?, *op),
                (None, Some(col)) => {
                    let flipped = match op {
                        B::Lt => B::Gt,
                        B::LtEq => B::GtEq,
                        B::Gt => B::Lt,
                        B::GtEq => B::LtEq,
                        other => *other,
                    };
                    (col, constant(left, ctx)?, flipped)
                }
                _ => return None,
            };
            Some((col, compare_cond(&t.columns[col], op, &value)?))
        }
        Expr::Between { arg, negated: false, low, high } => {
            let col = column_of(arg, t)?;
            let (lo, hi) = (constant(low, ctx)?, constant(high, ctx)?);
            let column = &t.columns[col];
            let a = compare_cond(column, B::GtEq, &lo)?;
            let b = compare_cond(column, B::LtEq, &hi)?;
            Some((col, intersect(a, b)))
        }
        Expr::InList { arg, list, negated: false, .. } => {
            let col = column_of(arg, t)?;
            let mut points = Vec::new();
            for item in list {
                if let Cond::Points(p) =
                    compare_cond(&t.columns[col], B::Eq, &constant(item, ctx)?)?
                {
                    points.extend(p);
                }
            }
            Some((col, Cond::Points(dedup(points))))
        }
        Expr::IsNull { arg, negated: false } => {
            Some((column_of(arg, t)?, Cond::Points(vec![Value::Null])))
        }
        Expr::Like { arg, pattern, escape: '\\', negated: false } => {
            let col = column_of(arg, t)?;
            let kind = t.columns[col].ty.kind;
            if !matches!(
                kind,
                TypeKind::Char
                    | TypeKind::VarChar
                    | TypeKind::Text
                    | TypeKind::VarBinary
                    | TypeKind::Blob
            ) {
                return None;
            }
            let Value::String(p) = constant(pattern, ctx)? else { return None };
            Some((col, like_prefix_range(&p)?))
        }
        _ => None,
    }
}

/// The condition `column op value` puts on the column, if its values can be ordered so.
fn compare_cond(column: &ColumnInfo, op: BinaryOp, value: &Value) -> Option<Cond> {
    use BinaryOp as B;
    if value.is_null() {
        // A comparison with NULL is never true.
        return Some(Cond::Points(Vec::new()));
    }
    let p = place(column, value)?;
    let none = Cond::Points(Vec::new());
    Some(match op {
        B::Eq => match (p.exact, p.le) {
            (true, Some(v)) => Cond::Points(vec![v]),
            _ => none,
        },
        B::Lt | B::LtEq => match p.le {
            Some(v) if p.exact && op == B::Lt => {
                Cond::Interval(Bound::Unbounded, Bound::Excluded(v))
            }
            Some(v) => Cond::Interval(Bound::Unbounded, Bound::Included(v)),
            None => none,
        },
        B::Gt | B::GtEq => match p.ge {
            Some(v) if p.exact && op == B::Gt => {
                Cond::Interval(Bound::Excluded(v), Bound::Unbounded)
            }
            Some(v) => Cond::Interval(Bound::Included(v), Bound::Unbounded),
            None => none,
        },
        _ => return None,
    })
}

/// Places a non-NULL constant among the values `column` stores, as the executor compares them.
fn place(column: &ColumnInfo, v: &Value) -> Option<Placed> {
    let ty = &column.ty;
    let exact = |v: Value| Placed { le: Some(v.clone()), ge: Some(v), exact: true };
    match ty.kind {
        _ if ty.is_integer() => {
            let (floor, ceil) = match v {
                Value::Int(i) => (i128::from(*i), i128::from(*i)),
                Value::UInt(u) => (i128::from(*u), i128::from(*u)),
                Value::Decimal(d) => {
                    let t = d.trunc_to_i128();
                    let frac = Decimal::from_i128(t) != *d;
                    let floor = if frac && d.mantissa() < 0 { t - 1 } else { t };
                    (floor, if frac { floor + 1 } else { floor })
                }
                // The executor compares integers with doubles and strings as doubles (a string by
                // its leading number, as MySQL: '12abc' = 12).
                Value::Double(_) | Value::String(_) | Value::Bytes(_) => {
                    let f = crate::expr::to_f64(v);
                    // Beyond 2^53 a double no longer tells neighbouring integers apart.
                    if !f.is_finite() || f.abs() >= 9_007_199_254_740_992.0 {
                        return None;
                    }
                    (f.floor() as i128, f.ceil() as i128)
                }
                _ => return None,
            };
            let (min, max) = if ty.unsigned {
                (0i128, i128::from(u64::MAX))
            } else {
                (i128::from(i64::MIN), i128::from(i64::MAX))
            };
            let make = |i: i128| {
                if ty.unsigned {
                    Value::UInt(i as u64)
                } else {
                    Value::Int(i as i64)
                }
            };
            Some(Placed {
                le: (floor >= min).then(|| make(floor.min(max))),
                ge: (ceil <= max).then(|| make(ceil.max(min))),
                exact: floor == ceil && (min..=max).contains(&floor),
            })
        }
        TypeKind::Decimal => {
            let d = match v {
                Value::Int(i) => Decimal::from_i128(i128::from(*i)),
                Value::UInt(u) => Decimal::from_i128(i128::from(*u)),
                Value::Decimal(d) => *d,
                _ => return None,
            };
            let s = ty.scale;
            if d.scale() <= s {
                return Some(exact(Value::Decimal(d.rescale(s)?)));
            }
            let div = 10i128.checked_pow(d.scale() - s)?;
            let (q, r) = (d.mantissa() / div, d.mantissa() % div);
            let floor = if r < 0 { q - 1 } else { q };
            let ceil = if r > 0 { q + 1 } else { q };
            Some(Placed {
                le: Some(Value::Decimal(Decimal::new(floor, s)?)),
                ge: Some(Value::Decimal(Decimal::new(ceil, s)?)),
                exact: r == 0,
            })
        }
        TypeKind::Char | TypeKind::VarChar | TypeKind::Text => match v {
            Value::String(_) | Value::Bytes(_) => Some(exact(v.clone())),
            _ => None,
        },
        TypeKind::Binary | TypeKind::VarBinary | TypeKind::Blob => match v {
            Value::String(s) => Some(exact(Value::Bytes(s.as_bytes().to_vec()))),
            Value::Bytes(_) => Some(exact(v.clone())),
            _ => None,
        },
        TypeKind::Time => match v {
            Value::String(s) => Some(exact(Value::Time(types::Duration::parse(s)?))),
            Value::Time(_) => Some(exact(v.clone())),
            _ => None,
        },
        TypeKind::Date | TypeKind::DateTime | TypeKind::Timestamp => {
            let kind = match ty.kind {
                TypeKind::Date => TemporalKind::Date,
                TypeKind::DateTime => TemporalKind::DateTime,
                _ => TemporalKind::Timestamp,
            };
            match v {
                Value::String(s) => Some(exact(Value::Temporal(Temporal::parse(kind, s)?))),
                Value::Temporal(_) => Some(exact(v.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The stored value of `column` equal to `v`: `None` when the executor does not compare them as
/// an order on stored values, `Some(None)` when no stored value can equal `v`.
pub fn point(column: &ColumnInfo, v: &Value) -> Option<Option<Value>> {
    let p = place(column, v)?;
    Some(if p.exact { p.le } else { None })
}

/// The byte range holding every string that `LIKE pattern` can match: the pattern's literal
/// prefix up to its first wildcard (or escape), to the prefix's successor. `None` without a
/// prefix.
fn like_prefix_range(pattern: &str) -> Option<Cond> {
    let end = pattern.find(['%', '_', '\\']).unwrap_or(pattern.len());
    let prefix = pattern.as_bytes()[..end].to_vec();
    if prefix.is_empty() {
        return None;
    }
    // The smallest byte string above all those starting with `prefix`.
    let mut upper = prefix.clone();
    while let Some(last) = upper.pop() {
        if last < 0xff {
            upper.push(last + 1);
            break;
        }
    }
    let hi = if upper.is_empty() { Bound::Unbounded } else { Bound::Excluded(Value::Bytes(upper)) };
    Some(Cond::Interval(Bound::Included(Value::Bytes(prefix)), hi))
}

/// `points` without repeats, in first-seen order. Points are in their column's stored type,
/// where equal values encode to equal key bytes, so a hash of the encoding finds repeats in
/// one pass (an IN list may hold 100 000 values).
fn dedup(points: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::with_capacity(points.len());
    points
        .into_iter()
        .filter(|p| {
            let mut key = Vec::new();
            tablecodec::datum::encode(&mut key, p);
            seen.insert(key)
        })
        .collect()
}

fn inside(v: &Value, lo: &Bound<Value>, hi: &Bound<Value>) -> bool {
    if v.is_null() {
        return false;
    }
    let above = match lo {
        Bound::Included(b) => compare(v, b) != Some(Ordering::Less),
        Bound::Excluded(b) => compare(v, b) == Some(Ordering::Greater),
        Bound::Unbounded => true,
    };
    let below = match hi {
        Bound::Included(b) => compare(v, b) != Some(Ordering::Greater),
        Bound::Excluded(b) => compare(v, b) == Some(Ordering::Less),
        Bound::Unbounded => true,
    };
    above && below
}

/// The tighter of two bounds on the same side (`lower` picks the greater one).
fn tighter(a: Bound<Value>, b: Bound<Value>, lower: bool) -> Bound<Value> {
    let (av, bv) = match (&a, &b) {
        (Bound::Unbounded, _) => return b,
        (_, Bound::Unbounded) => return a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            (x, y)
        }
    };
    match compare(av, bv) {
        Some(Ordering::Equal) => {
            if matches!(a, Bound::Excluded(_)) {
                a
            } else {
                b
            }
        }
        Some(Ordering::Greater) => {
            if lower {
                a
            } else {
                b
            }
        }
        _ => {
            if lower {
                b
            } else {
                a
            }
        }
    }
}

/// Values satisfying both conditions.
pub fn intersect(a: Cond, b: Cond) -> Cond {
    match (a, b) {
        (Cond::Points(x), Cond::Points(y)) => {
            let key = |v: &Value| {
                let mut k = Vec::new();
                tablecodec::datum::encode(&mut k, v);
                k
            };
            let ys: std::collections::HashSet<Vec<u8>> = y.iter().map(key).collect();
            Cond::Points(x.into_iter().filter(|p| ys.contains(&key(p))).collect())
        }
        (Cond::Points(x), Cond::Interval(lo, hi)) | (Cond::Interval(lo, hi), Cond::Points(x)) => {
            Cond::Points(x.into_iter().filter(|p| inside(p, &lo, &hi)).collect())
        }
        (Cond::Interval(l1, h1), Cond::Interval(l2, h2)) => {
            Cond::Interval(tighter(l1, l2, true), tighter(h1, h2, false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::ColumnType;

    fn col(kind: TypeKind, unsigned: bool, scale: u32) -> ColumnInfo {
        let mut ty = ColumnType::new(kind);
        ty.unsigned = unsigned;
        ty.scale = scale;
        ColumnInfo {
            id: 1,
            name: "c".into(),
            ty,
            not_null: false,
            default: None,
            auto_increment: false,
            on_update_now: false,
            comment: String::new(),
            generated: None,
        }
    }

    fn cond(c: &ColumnInfo, op: BinaryOp, v: Value) -> Cond {
        compare_cond(c, op, &v).unwrap()
    }

    #[test]
    fn integer_columns_round_fractions_outward() {
        use BinaryOp as B;
        let int = col(TypeKind::Int, false, 0);
        let d = |s: &str| Value::Decimal(s.parse().unwrap());
        assert_eq!(
            cond(&int, B::Gt, d("2.5")),
            Cond::Interval(Bound::Included(Value::Int(3)), Bound::Unbounded)
        );
        assert_eq!(
            cond(&int, B::Lt, d("-2.5")),
            Cond::Interval(Bound::Unbounded, Bound::Included(Value::Int(-3)))
        );
        assert_eq!(cond(&int, B::Eq, d("2.5")), Cond::Points(vec![]));
        assert_eq!(cond(&int, B::Eq, d("2.0")), Cond::Points(vec![Value::Int(2)]));
        assert_eq!(
            cond(&int, B::Gt, Value::Int(7)),
            Cond::Interval(Bound::Excluded(Value::Int(7)), Bound::Unbounded)
        );
        let uint = col(TypeKind::BigInt, true, 0);
        assert_eq!(cond(&uint, B::Lt, Value::Int(-1)), Cond::Points(vec![]));
        assert_eq!(
            cond(&uint, B::Gt, Value::Int(-1)),
            Cond::Interval(Bound::Included(Value::UInt(0)), Bound::Unbounded)
        );
        // A string compares with integers as a double, by its leading number ('2x' = 2).
        assert_eq!(
            cond(&int, B::Eq, Value::String("2x".into())),
            Cond::Points(vec![Value::Int(2)])
        );
        assert_eq!(cond(&int, B::Eq, Value::String("2.5".into())), Cond::Points(vec![]));
        assert_eq!(
            cond(&int, B::GtEq, Value::String("2.5".into())),
            Cond::Interval(Bound::Included(Value::Int(3)), Bound::Unbounded)
        );
        assert!(compare_cond(&int, B::Eq, &Value::String("1e300".into())).is_none());
    }

    #[test]
    fn decimal_columns_round_to_their_scale() {
        use BinaryOp as B;
        let dec = col(TypeKind::Decimal, false, 2);
        let d = |s: &str| Value::Decimal(s.parse().unwrap());
        let Cond::Interval(Bound::Included(Value::Decimal(lo)), Bound::Unbounded) =
            cond(&dec, B::Gt, d("1.234"))
        else {
            panic!("expected a lower bound");
        };
        assert_eq!((lo.mantissa(), lo.scale()), (124, 2));
        let Cond::Points(p) = cond(&dec, B::Eq, Value::Int(3)) else { panic!("expected points") };
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn like_prefixes_become_ranges() {
        let b = |s: &str| Value::Bytes(s.as_bytes().to_vec());
        assert_eq!(
            like_prefix_range("abc%"),
            Some(Cond::Interval(Bound::Included(b("abc")), Bound::Excluded(b("abd"))))
        );
        assert_eq!(
            like_prefix_range("ab_d"),
            Some(Cond::Interval(Bound::Included(b("ab")), Bound::Excluded(b("ac"))))
        );
        assert_eq!(like_prefix_range("%abc"), None);
        assert_eq!(like_prefix_range("\\%x"), None);
    }

    #[test]
    fn intersections_tighten() {
        let i = |n| Value::Int(n);
        let a = Cond::Interval(Bound::Included(i(1)), Bound::Excluded(i(10)));
        let b = Cond::Interval(Bound::Excluded(i(1)), Bound::Included(i(20)));
        assert_eq!(
            intersect(a.clone(), b),
            Cond::Interval(Bound::Excluded(i(1)), Bound::Excluded(i(10)))
        );
        let p = Cond::Points(vec![i(0), i(1), i(9), i(10), Value::Null]);
        assert_eq!(intersect(p, a), Cond::Points(vec![i(1), i(9)]));
        let n = Cond::Points(vec![Value::Null]);
        assert_eq!(intersect(n.clone(), n.clone()), n);
    }
}
