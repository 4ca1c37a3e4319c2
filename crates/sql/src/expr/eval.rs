//! Expression evaluation over one input row.

use std::{borrow::Cow, cmp::Ordering, rc::Rc};

use errno::{Error, Result, ER_DATA_OUT_OF_RANGE};
use types::Value;

use super::{
    cast::{to_decimal, to_f64, to_i64, to_string, CastType},
    cmp::{compare, like_match},
    BinaryOp, Expr, Func, SubqueryKind, UnaryOp,
};
use crate::{context::SessionCtx, planner::SubPlan};

/// What evaluation may read besides the row: the session (variables, current database …).
pub struct EvalCtx<'a> {
    /// The executing session.
    pub session: &'a SessionCtx,
    /// Runs subqueries (absent where none can appear).
    pub subqueries: Option<&'a dyn SubqueryRunner>,
    /// The values of [`Expr::Param`] slots.
    pub params: &'a [Value],
}

impl<'a> EvalCtx<'a> {
    /// Evaluation with only the session (no subqueries).
    pub fn new(session: &'a SessionCtx) -> Self {
        EvalCtx { session, subqueries: None, params: &[] }
    }
}

/// Executes a subquery for one row of the enclosing query.
pub trait SubqueryRunner {
    /// The subquery's rows for its argument values `params` (shared: rows computed for the
    /// same values before are reused).
    fn run(&self, sub: &std::sync::Arc<SubPlan>, params: &[Value]) -> Result<Rc<Vec<Vec<Value>>>>;

    /// Whether `v` (not NULL) is among the first column of `rows` (a result `run` returned):
    /// `Some(true)`, `Some(false)`, or `None` when unknown (no match, but a NULL row or one
    /// that does not compare). Compares with each row unless the runner indexes them.
    fn contains(&self, rows: &Rc<Vec<Vec<Value>>>, v: &Value) -> Result<Option<bool>> {
        Ok(crate::executor::contains_linear(rows, v))
    }
}

fn subquery(
    kind: &SubqueryKind,
    sub: &std::sync::Arc<SubPlan>,
    args: &[Expr],
    row: &[Value],
    ctx: &EvalCtx<'_>,
) -> Result<Value> {
    let runner = ctx
        .subqueries
        .ok_or_else(|| Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"a subquery here"]))?;
    let params = args.iter().map(|a| a.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
    let rows = runner.run(sub, &params)?;
    if rows.first().is_some_and(|r| r.len() != 1) && !matches!(kind, SubqueryKind::Exists { .. }) {
        return Err(Error::fmt(errno::ER_OPERAND_COLUMNS, &[&1]));
    }
    Ok(match kind {
        SubqueryKind::Scalar => {
            if rows.len() > 1 {
                return Err(Error::fmt(errno::ER_SUBQUERY_NO_1_ROW, &[]));
            }
            rows.first().and_then(|r| r.first()).cloned().unwrap_or(Value::Null)
        }
        SubqueryKind::Exists { negated } => bool_value(Some(rows.is_empty() == *negated)),
        SubqueryKind::In { arg, negated } => {
            let v = arg.eval(row, ctx)?;
            if rows.is_empty() {
                return Ok(bool_value(Some(*negated)));
            }
            if v.is_null() {
                return Ok(Value::Null);
            }
            bool_value(runner.contains(&rows, &v)?.map(|found| found != *negated))
        }
    })
}

/// Three-valued truth of a value: NULL is unknown.
pub trait Truth {
    /// `Some(true/false)`, or `None` for NULL.
    fn truth(&self) -> Option<bool>;
}

impl Truth for Value {
    fn truth(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i != 0),
            Value::UInt(u) => Some(*u != 0),
            Value::Double(d) => Some(*d != 0.0),
            other => Some(to_f64(other) != 0.0),
        }
    }
}

fn bool_value(b: Option<bool>) -> Value {
    match b {
        Some(b) => Value::Int(i64::from(b)),
        None => Value::Null,
    }
}

impl Expr {
    /// Evaluates the expression as an operand: a column or literal borrowed (no copy of a
    /// string per row), anything else computed.
    pub fn operand<'r>(&'r self, row: &'r [Value], ctx: &EvalCtx<'_>) -> Result<Cow<'r, Value>> {
        match self {
            Expr::Literal(v) => Ok(Cow::Borrowed(v)),
            Expr::Column(i) => Ok(row.get(*i).map_or(Cow::Owned(Value::Null), Cow::Borrowed)),
            other => other.eval(row, ctx).map(Cow::Owned),
        }
    }

    /// Evaluates the expression against `row`. Inner nodes recurse through
    /// [`ensure_stack`](crate::frontend::stack::ensure_stack), so a deep tree (thousands of
    /// nested calls or `NOT`s) cannot overflow the thread's stack.
    pub fn eval(&self, row: &[Value], ctx: &EvalCtx<'_>) -> Result<Value> {
        match self {
            Expr::Literal(v) => Ok(v.clone()),
            Expr::Column(i) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
            _ => crate::frontend::stack::ensure_stack(|| self.eval_node(row, ctx)),
        }
    }

    fn eval_node(&self, row: &[Value], ctx: &EvalCtx<'_>) -> Result<Value> {
        match self {
            Expr::Literal(v) => Ok(v.clone()),
            Expr::Column(i) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
            Expr::Param(i) => ctx.params.get(*i).cloned().ok_or_else(|| {
                errno::Error::msg(errno::ER_INTERNAL, format!("parameter {i} has no value"))
            }),
            Expr::SysVar { name, scope } => ctx.session.vars.get(name, *scope),
            Expr::UserVar(name) => {
                Ok(ctx.session.user_vars.get(name).cloned().unwrap_or(Value::Null))
            }
            Expr::Unary { op, arg } => unary(*op, arg.eval(row, ctx)?),
            Expr::Binary { op, left, right } => {
                if left_depth_below(left, SHORT_CHAIN) {
                    // Short enough to recurse (no spine to allocate for each row).
                    let a = left.operand(row, ctx)?;
                    return binary(*op, a, right, row, ctx);
                }
                // A left-deep chain ((x op1 y1) op2 y2) … is a left fold, evaluated in a loop:
                // a chain of 100 000 terms must not recurse 100 000 frames deep.
                let mut spine: Vec<(BinaryOp, &Expr)> = vec![(*op, right)];
                let mut leaf: &Expr = left;
                while let Expr::Binary { op, left, right } = leaf {
                    spine.push((*op, right));
                    leaf = left;
                }
                let mut acc = leaf.operand(row, ctx)?;
                for (op, r) in spine.into_iter().rev() {
                    acc = Cow::Owned(binary(op, acc, r, row, ctx)?);
                }
                Ok(acc.into_owned())
            }
            Expr::IsNull { arg, negated } => {
                Ok(bool_value(Some(arg.operand(row, ctx)?.is_null() != *negated)))
            }
            Expr::IsBool { arg, value, negated } => {
                let t = arg.eval(row, ctx)?.truth();
                Ok(bool_value(Some((t == Some(*value)) != *negated)))
            }
            Expr::Like { arg, pattern, escape, negated } => {
                let (v, p) = (arg.operand(row, ctx)?, pattern.operand(row, ctx)?);
                if v.is_null() || p.is_null() {
                    return Ok(Value::Null);
                }
                let m = like_match(&to_string(&v), &to_string(&p), *escape, false);
                Ok(bool_value(Some(m != *negated)))
            }
            Expr::InList { arg, list, negated, set } => {
                let v = arg.operand(row, ctx)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                if let Some(set) = set {
                    let found = set.contains(std::slice::from_ref(&*v));
                    return Ok(bool_value(found.map(|found| found != *negated)));
                }
                let mut saw_null = false;
                for item in list {
                    match compare(&v, &*item.operand(row, ctx)?) {
                        Some(Ordering::Equal) => return Ok(bool_value(Some(!*negated))),
                        None => saw_null = true,
                        _ => {}
                    }
                }
                Ok(if saw_null { Value::Null } else { bool_value(Some(*negated)) })
            }
            Expr::RowIn { args, set, or } => {
                let values = args.iter().map(|a| a.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
                if values.iter().any(Value::is_null) {
                    return or.eval(row, ctx);
                }
                Ok(bool_value(set.contains(&values)))
            }
            Expr::Between { arg, low, high, negated } => {
                let v = arg.operand(row, ctx)?;
                let ge = compare(&v, &*low.operand(row, ctx)?).map(|o| o != Ordering::Less);
                let le = compare(&v, &*high.operand(row, ctx)?).map(|o| o != Ordering::Greater);
                let inside = and3(ge, le);
                Ok(bool_value(inside.map(|b| b != *negated)))
            }
            Expr::Case { operand, whens, else_ } => {
                let op = operand.as_ref().map(|o| o.eval(row, ctx)).transpose()?;
                for (when, then) in whens {
                    let w = when.eval(row, ctx)?;
                    let hit = match &op {
                        Some(o) => compare(o, &w) == Some(Ordering::Equal),
                        None => w.truth() == Some(true),
                    };
                    if hit {
                        return then.eval(row, ctx);
                    }
                }
                else_.as_ref().map_or(Ok(Value::Null), |e| e.eval(row, ctx))
            }
            Expr::Cast { arg, target } => {
                let v = arg.eval(row, ctx)?;
                match target {
                    CastType::Signed | CastType::Unsigned => warn_truncated(&v, "INTEGER", ctx),
                    CastType::Double => warn_truncated(&v, "DOUBLE", ctx),
                    CastType::Decimal(..) => warn_truncated(&v, "DECIMAL", ctx),
                    _ => {}
                }
                target.apply(v)
            }
            Expr::Subquery { sub, args, kind } => subquery(kind, sub, args, row, ctx),
            Expr::Func { func: Func::Benchmark, args } => benchmark(args, row, ctx),
            Expr::Func { func, args } => {
                let vals = args.iter().map(|a| a.eval(row, ctx)).collect::<Result<Vec<_>>>()?;
                func.call(&vals, ctx)
            }
        }
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn unary(op: UnaryOp, v: Value) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(match op {
        UnaryOp::Not => bool_value(v.truth().map(|b| !b)),
        UnaryOp::Neg => match v {
            Value::Int(i) => match i.checked_neg() {
                Some(n) => Value::Int(n),
                None => return Err(out_of_range("BIGINT", &format!("-({i})"))),
            },
            Value::UInt(u) if u <= i64::MAX as u64 => Value::Int(-(u as i64)),
            Value::UInt(u) if u == i64::MAX as u64 + 1 => Value::Int(i64::MIN),
            Value::UInt(u) => return Err(out_of_range("BIGINT", &format!("-({u})"))),
            Value::Decimal(d) => Value::Decimal(d.neg()),
            other => Value::Double(-to_f64(&other)),
        },
        UnaryOp::BitNot => Value::UInt(!(to_i64(&v) as u64)),
    })
}

fn out_of_range(ty: &str, expr: &str) -> Error {
    Error::fmt(ER_DATA_OUT_OF_RANGE, &[&ty, &expr])
}

/// `a op r` for the value `a` of the left operand.
/// Left-deep chains shorter than this are evaluated by recursion, longer ones in a loop.
const SHORT_CHAIN: usize = 16;

/// Whether `e`'s left-deep chain of binary operators is shallower than `limit`.
fn left_depth_below(mut e: &Expr, limit: usize) -> bool {
    for _ in 0..limit {
        match e {
            Expr::Binary { left, .. } => e = left,
            _ => return true,
        }
    }
    false
}

fn binary(
    op: BinaryOp,
    a: Cow<'_, Value>,
    r: &Expr,
    row: &[Value],
    ctx: &EvalCtx<'_>,
) -> Result<Value> {
    use BinaryOp::*;
    // AND/OR short-circuit on a decisive left side, as MySQL does.
    if matches!(op, And | Or) {
        let a = a.truth();
        if (op == And && a == Some(false)) || (op == Or && a == Some(true)) {
            return Ok(bool_value(a));
        }
        let b = r.operand(row, ctx)?.truth();
        return Ok(bool_value(if op == And { and3(a, b) } else { or3(a, b) }));
    }
    let b = r.operand(row, ctx)?;
    if op == NullSafeEq {
        return Ok(bool_value(Some(match (a.is_null(), b.is_null()) {
            (true, true) => true,
            (false, false) => compare(&a, &b) == Some(Ordering::Equal),
            _ => false,
        })));
    }
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    // A string read as a number: MySQL's 1292 when only a prefix of it is one.
    match op {
        Plus | Minus | Multiply | Divide | IntDiv | Modulo => {
            warn_truncated(&a, "DOUBLE", ctx);
            warn_truncated(&b, "DOUBLE", ctx);
        }
        Eq | NotEq | Lt | LtEq | Gt | GtEq if is_number(&a) != is_number(&b) => {
            warn_truncated(&a, "DOUBLE", ctx);
            warn_truncated(&b, "DOUBLE", ctx);
        }
        _ => {}
    }
    let ord = || compare(&a, &b);
    Ok(match op {
        Eq => bool_value(ord().map(|o| o == Ordering::Equal)),
        NotEq => bool_value(ord().map(|o| o != Ordering::Equal)),
        Lt => bool_value(ord().map(|o| o == Ordering::Less)),
        LtEq => bool_value(ord().map(|o| o != Ordering::Greater)),
        Gt => bool_value(ord().map(|o| o == Ordering::Greater)),
        GtEq => bool_value(ord().map(|o| o != Ordering::Less)),
        Xor => bool_value(a.truth().zip(b.truth()).map(|(x, y)| x != y)),
        Plus | Minus | Multiply => arith(op, &a, &b)?,
        Divide if is_float(&a) || is_float(&b) => {
            let d = to_f64(&b);
            if d == 0.0 {
                Value::Null
            } else {
                Value::Double(to_f64(&a) / d)
            }
        }
        // Exact division keeps div_precision_increment more digits, as MySQL's DECIMAL does.
        Divide => match (to_decimal(&a), to_decimal(&b)) {
            (Some(x), Some(y)) => {
                let extra =
                    u32::try_from(ctx.session.vars.int("div_precision_increment")).unwrap_or(4);
                x.checked_div(&y, extra).map_or(Value::Null, Value::Decimal)
            }
            _ => Value::Null,
        },
        IntDiv | Modulo => int_div_mod(op, &a, &b)?,
        BitAnd => Value::UInt(to_i64(&a) as u64 & to_i64(&b) as u64),
        BitOr => Value::UInt(to_i64(&a) as u64 | to_i64(&b) as u64),
        BitXor => Value::UInt(to_i64(&a) as u64 ^ to_i64(&b) as u64),
        ShiftLeft => Value::UInt((to_i64(&a) as u64).checked_shl(to_i64(&b) as u32).unwrap_or(0)),
        ShiftRight => Value::UInt((to_i64(&a) as u64).checked_shr(to_i64(&b) as u32).unwrap_or(0)),
        And | Or | NullSafeEq => Value::Null, // handled above
    })
}

/// `BENCHMARK(count, expr)`: evaluates `expr` `count` times and answers 0 (NULL for a
/// negative or NULL count); a KILL stops it.
fn benchmark(args: &[Expr], row: &[Value], ctx: &EvalCtx<'_>) -> Result<Value> {
    let (Some(count), Some(expr)) = (args.first(), args.get(1)) else { return Ok(Value::Null) };
    let count = count.eval(row, ctx)?;
    if count.is_null() || to_i64(&count) < 0 {
        return Ok(Value::Null);
    }
    for i in 0..to_i64(&count) {
        if i % 1024 == 0 && ctx.session.kill.is_set() {
            return Err(Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
        }
        // (Found by fuzzing: BENCHMARK ran past max_execution_time.)
        if i % 1024 == 0 && ctx.session.kill.past_deadline() {
            return Err(Error::fmt(errno::ER_QUERY_TIMEOUT, &[]));
        }
        expr.eval(row, ctx)?;
    }
    Ok(Value::Int(0))
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Decimal(_))
}

/// Warning 1292 when `v` is a string that is not wholly a number of kind `what` (INTEGER,
/// DOUBLE or DECIMAL): it is read by its numeric prefix.
fn warn_truncated(v: &Value, what: &str, ctx: &EvalCtx<'_>) {
    let text = match v {
        Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
        Value::Bytes(b) => String::from_utf8_lossy(b),
        _ => return,
    };
    if !types::is_numeric_text(&text, what == "INTEGER") {
        ctx.session.warn(1292, format!("Truncated incorrect {what} value: '{text}'"));
    }
}

fn is_float(v: &Value) -> bool {
    matches!(v, Value::Double(_) | Value::String(_) | Value::Bytes(_))
}

fn arith(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    let sym = match op {
        BinaryOp::Plus => "+",
        BinaryOp::Minus => "-",
        _ => "*",
    };
    if is_float(a) || is_float(b) {
        let (x, y) = (to_f64(a), to_f64(b));
        return Ok(Value::Double(match op {
            BinaryOp::Plus => x + y,
            BinaryOp::Minus => x - y,
            _ => x * y,
        }));
    }
    if matches!(a, Value::Decimal(_)) || matches!(b, Value::Decimal(_)) {
        let (x, y) = (to_decimal(a), to_decimal(b));
        let r = x.zip(y).and_then(|(x, y)| match op {
            BinaryOp::Plus => x.checked_add(&y),
            BinaryOp::Minus => x.checked_sub(&y),
            _ => x.checked_mul(&y),
        });
        return r
            .map(Value::Decimal)
            .ok_or_else(|| out_of_range("DECIMAL", &format!("({a} {sym} {b})")));
    }
    let unsigned = matches!(a, Value::UInt(_)) || matches!(b, Value::UInt(_));
    let (x, y) = (int128(a), int128(b));
    let r = match op {
        BinaryOp::Plus => x + y,
        BinaryOp::Minus => x - y,
        _ => x.saturating_mul(y),
    };
    let shown = || format!("({a} {sym} {b})");
    if unsigned {
        u64::try_from(r).map(Value::UInt).map_err(|_| out_of_range("BIGINT UNSIGNED", &shown()))
    } else {
        i64::try_from(r).map(Value::Int).map_err(|_| out_of_range("BIGINT", &shown()))
    }
}

fn int128(v: &Value) -> i128 {
    match v {
        Value::UInt(u) => i128::from(*u),
        other => i128::from(to_i64(other)),
    }
}

fn int_div_mod(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    if op == BinaryOp::Modulo
        && !is_float(a)
        && !is_float(b)
        && (matches!(a, Value::Decimal(_)) || matches!(b, Value::Decimal(_)))
    {
        return Ok(to_decimal(a)
            .zip(to_decimal(b))
            .and_then(|(x, y)| x.checked_rem(&y))
            .map_or(Value::Null, Value::Decimal));
    }
    if op == BinaryOp::Modulo && (is_float(a) || is_float(b)) {
        let y = to_f64(b);
        return Ok(if y == 0.0 { Value::Null } else { Value::Double(to_f64(a) % y) });
    }
    let exact = matches!(a, Value::Decimal(_)) || matches!(b, Value::Decimal(_));
    let (x, y) = if op == BinaryOp::IntDiv && exact && !is_float(a) && !is_float(b) {
        match to_decimal(a).zip(to_decimal(b)).and_then(|(x, y)| x.checked_div(&y, 0)) {
            Some(q) => return Ok(Value::Int(q.trunc_to_i128() as i64)),
            None => return Ok(Value::Null),
        }
    } else if op == BinaryOp::IntDiv && (is_float(a) || is_float(b)) {
        ((to_f64(a)) as i128, (to_f64(b)) as i128)
    } else {
        (int128(a), int128(b))
    };
    if y == 0 {
        return Ok(Value::Null);
    }
    let r = if op == BinaryOp::IntDiv { x / y } else { x % y };
    let unsigned = matches!(a, Value::UInt(_)) || matches!(b, Value::UInt(_));
    if unsigned && r >= 0 {
        return u64::try_from(r)
            .map(Value::UInt)
            .map_err(|_| out_of_range("BIGINT UNSIGNED", "DIV"));
    }
    i64::try_from(r).map(Value::Int).map_err(|_| out_of_range("BIGINT", "DIV"))
}
