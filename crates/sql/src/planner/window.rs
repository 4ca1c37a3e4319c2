//! Window functions (`f(…) OVER (PARTITION BY … ORDER BY … frame)`, named `WINDOW w AS (…)`):
//! found in a SELECT's select list and ORDER BY, bound over the row they see (after GROUP BY
//! and HAVING), and computed by one `Plan::Window` that appends a column per call
//! (`executor/ops/window.rs`) — MySQL 8's and TiDB's semantics: the default frame is the whole
//! partition without ORDER BY and `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW` (the
//! current row's peers included) with it; ranking and offset functions ignore the frame.

use std::ops::ControlFlow;

use errno::{Error, Result};
use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};
use types::{FieldType, Value};

use crate::{
    binder::{Scope, ScopeColumn, SubqueryPlanner},
    executor::aggregate::{bind_call_with, AggCall},
    expr::{Expr, ExprType, Truth},
};

/// What a window call computes.
#[derive(Debug, Clone)]
pub enum WindowFunc {
    /// `ROW_NUMBER()`.
    RowNumber,
    /// `RANK()`.
    Rank,
    /// `DENSE_RANK()`.
    DenseRank,
    /// `PERCENT_RANK()`.
    PercentRank,
    /// `CUME_DIST()`.
    CumeDist,
    /// `NTILE(n)`.
    Ntile(u64),
    /// `LAG(x[, n[, default]])` (`lead: false`) or `LEAD(…)`: the row `n` before / after.
    Offset { lead: bool, n: u64 },
    /// `FIRST_VALUE(x)`.
    FirstValue,
    /// `LAST_VALUE(x)`.
    LastValue,
    /// `NTH_VALUE(x, n)`.
    NthValue(u64),
    /// An aggregate over the frame.
    Agg(AggCall),
}

/// One end of a frame.
#[derive(Debug, Clone)]
pub enum Bound {
    /// `UNBOUNDED PRECEDING`.
    UnboundedPreceding,
    /// `n PRECEDING`: for ROWS the count; for RANGE the expression giving the lowest order
    /// key in the frame from the current row's (over a one-column row: the key).
    Preceding(Offset),
    /// `CURRENT ROW` (with its peers, for RANGE).
    CurrentRow,
    /// `n FOLLOWING`, as `Preceding`.
    Following(Offset),
    /// `UNBOUNDED FOLLOWING`.
    UnboundedFollowing,
}

/// A frame bound's distance.
#[derive(Debug, Clone)]
pub enum Offset {
    /// ROWS: this many rows.
    Rows(usize),
    /// RANGE: the order key the bound reaches, computed from the current row's key.
    Range(Expr),
}

/// A window frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// `RANGE` (peers and key distances) rather than `ROWS`.
    pub range: bool,
    /// Its start.
    pub start: Bound,
    /// Its end.
    pub end: Bound,
}

/// One window function call, bound over the row it sees.
#[derive(Debug, Clone)]
pub struct WindowCall {
    /// The function.
    pub func: WindowFunc,
    /// Its value arguments (the value for LAG/LEAD/FIRST_VALUE/…, then LAG/LEAD's default).
    pub args: Vec<Expr>,
    /// PARTITION BY.
    pub partition: Vec<Expr>,
    /// ORDER BY, ascending or not.
    pub order: Vec<(Expr, bool)>,
    /// The frame.
    pub frame: Frame,
    /// Its text (EXPLAIN).
    pub text: String,
}

/// The window calls in `exprs` (deduplicated by text; their arguments and windows bound by
/// `bind`), each with its text and result type, in first-seen order; `named` is the SELECT's
/// WINDOW clause.
pub(crate) fn collect(
    exprs: &[&ast::Expr],
    named: &[ast::NamedWindowDefinition],
    env: &dyn SubqueryPlanner,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<Vec<(String, WindowCall, ExprType)>> {
    check_names(named)?;
    let mut found: Vec<(String, WindowCall, ExprType)> = Vec::new();
    for e in exprs {
        let mut calls = Vec::new();
        let _ = ast::visit_expressions(*e, |x| {
            if let ast::Expr::Function(f) = x {
                if f.over.is_some() {
                    calls.push(f.clone());
                }
            }
            ControlFlow::<()>::Continue(())
        });
        for f in calls {
            let text = ast::Expr::Function(f.clone()).to_string();
            if found.iter().any(|(t, _, _)| *t == text) {
                continue;
            }
            let (call, ty) = bind_call(&f, named, env, bind, &text)?;
            found.push((text, call, ty));
        }
    }
    Ok(found)
}

/// 3591 when a window name is defined twice.
fn check_names(named: &[ast::NamedWindowDefinition]) -> Result<()> {
    for (i, d) in named.iter().enumerate() {
        if named[..i].iter().any(|o| o.0.value.eq_ignore_ascii_case(&d.0.value)) {
            return Err(Error::fmt(errno::ER_WINDOW_DUPLICATE_NAME, &[&d.0.value]));
        }
    }
    Ok(())
}

/// The window specification `over` names or gives, with what it inherits from named windows.
fn resolve(
    over: &ast::WindowType,
    named: &[ast::NamedWindowDefinition],
    depth: usize,
) -> Result<(ast::WindowSpec, String)> {
    if depth > named.len() + 1 {
        return Err(Error::fmt(errno::ER_WINDOW_CIRCULARITY_IN_WINDOW_GRAPH, &[]));
    }
    let lookup = |name: &ast::Ident| -> Result<ast::WindowSpec> {
        let def = named
            .iter()
            .find(|d| d.0.value.eq_ignore_ascii_case(&name.value))
            .ok_or_else(|| Error::fmt(errno::ER_WINDOW_NO_SUCH_WINDOW, &[&name.value]))?;
        let inner = match &def.1 {
            ast::NamedWindowExpr::NamedWindow(n) => ast::WindowType::NamedWindow(n.clone()),
            ast::NamedWindowExpr::WindowSpec(s) => ast::WindowType::WindowSpec(s.clone()),
        };
        Ok(resolve(&inner, named, depth + 1)?.0)
    };
    match over {
        ast::WindowType::NamedWindow(name) => Ok((lookup(name)?, name.value.clone())),
        ast::WindowType::WindowSpec(spec) => {
            let Some(base_name) = &spec.window_name else {
                return Ok((spec.clone(), "<unnamed window>".into()));
            };
            // `OVER (w ORDER BY …)`: w's partitioning and order, this one's additions.
            let base = lookup(base_name)?;
            if !spec.partition_by.is_empty() {
                return Err(Error::fmt(errno::ER_WINDOW_NO_CHILD_PARTITIONING, &[]));
            }
            if base.window_frame.is_some() {
                return Err(Error::fmt(errno::ER_WINDOW_NO_INHERIT_FRAME, &[&base_name.value]));
            }
            if !base.order_by.is_empty() && !spec.order_by.is_empty() {
                let name = "<unnamed window>";
                return Err(Error::fmt(
                    errno::ER_WINDOW_NO_REDEFINE_ORDER_BY,
                    &[&name, &base_name.value],
                ));
            }
            let order_by =
                if spec.order_by.is_empty() { base.order_by } else { spec.order_by.clone() };
            let merged = ast::WindowSpec {
                window_name: None,
                partition_by: base.partition_by,
                order_by,
                window_frame: spec.window_frame.clone(),
            };
            Ok((merged, "<unnamed window>".into()))
        }
    }
}

/// The plain arguments of `f`.
fn arguments(f: &ast::Function) -> Result<Vec<&ast::Expr>> {
    match &f.args {
        FunctionArguments::None => Ok(Vec::new()),
        FunctionArguments::List(l) => l
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
                _ => Err(wrong_args(f)),
            })
            .collect(),
        FunctionArguments::Subquery(_) => Err(wrong_args(f)),
    }
}

fn wrong_args(f: &ast::Function) -> Error {
    Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&f.name.to_string()])
}

/// A constant non-negative integer argument (`NTILE(n)`, LAG's offset …); 1210 otherwise.
fn constant_count(e: &Expr, what: &str) -> Result<u64> {
    let bad = || Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&what]);
    let Expr::Literal(v) = e else { return Err(bad()) };
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as u64),
        Value::UInt(u) => Ok(*u),
        _ => Err(bad()),
    }
}

fn bind_call(
    f: &ast::Function,
    named: &[ast::NamedWindowDefinition],
    env: &dyn SubqueryPlanner,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
    text: &str,
) -> Result<(WindowCall, ExprType)> {
    let name = f.name.to_string().to_ascii_uppercase();
    let Some(over) = &f.over else { return Err(wrong_args(f)) };
    let (spec, window_name) = resolve(over, named, 0)?;
    // The window's own expressions may not hold window functions (3595).
    let nested = spec
        .partition_by
        .iter()
        .chain(spec.order_by.iter().map(|o| &o.expr))
        .any(holds_window_call);
    if nested {
        return Err(Error::fmt(
            errno::ER_WINDOW_NESTED_WINDOW_FUNC_USE_IN_WINDOW_SPEC,
            &[&window_name],
        ));
    }
    let partition = spec.partition_by.iter().map(|e| Ok(bind(e)?.0)).collect::<Result<_>>()?;
    let mut order = Vec::with_capacity(spec.order_by.len());
    let mut order_types = Vec::with_capacity(spec.order_by.len());
    for o in &spec.order_by {
        let (e, ty) = bind(&o.expr)?;
        order.push((e, !matches!(o.options.sort, Some(ast::OrderBySort::Desc))));
        order_types.push(ty);
    }
    // An aggregate's arguments bind as the aggregate's (`COUNT(*)` …).
    let args = match crate::binder::is_aggregate(&name) {
        true => Vec::new(),
        false => arguments(f)?,
    };
    let bound = |i: usize| -> Result<(Expr, ExprType)> {
        bind(args.get(i).copied().ok_or_else(|| wrong_args(f))?)
    };
    let count = |n: usize| -> Result<()> {
        match args.len() == n {
            true => Ok(()),
            false => Err(wrong_args(f)),
        }
    };
    let bigint = ExprType::of(FieldType::LongLong, false);
    let double = ExprType::of(FieldType::Double, false);
    let (func, values, ty) = match name.as_str() {
        "ROW_NUMBER" => (count(0).map(|_| WindowFunc::RowNumber)?, Vec::new(), bigint),
        "RANK" => (count(0).map(|_| WindowFunc::Rank)?, Vec::new(), bigint),
        "DENSE_RANK" => (count(0).map(|_| WindowFunc::DenseRank)?, Vec::new(), bigint),
        "PERCENT_RANK" => (count(0).map(|_| WindowFunc::PercentRank)?, Vec::new(), double),
        "CUME_DIST" => (count(0).map(|_| WindowFunc::CumeDist)?, Vec::new(), double),
        "NTILE" => {
            count(1)?;
            let n = constant_count(&bound(0)?.0, "ntile")?;
            if n == 0 {
                return Err(Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&"ntile"]));
            }
            (WindowFunc::Ntile(n), Vec::new(), bigint)
        }
        "LAG" | "LEAD" => {
            if args.is_empty() || args.len() > 3 {
                return Err(wrong_args(f));
            }
            let (value, ty) = bound(0)?;
            let n = match args.len() {
                1 => 1,
                _ => constant_count(&bound(1)?.0, &name.to_ascii_lowercase())?,
            };
            let mut values = vec![value];
            if args.len() == 3 {
                values.push(bound(2)?.0);
            }
            (
                WindowFunc::Offset { lead: name == "LEAD", n },
                values,
                ExprType { nullable: true, ..ty },
            )
        }
        "FIRST_VALUE" | "LAST_VALUE" => {
            count(1)?;
            let (value, ty) = bound(0)?;
            let func =
                if name == "FIRST_VALUE" { WindowFunc::FirstValue } else { WindowFunc::LastValue };
            (func, vec![value], ExprType { nullable: true, ..ty })
        }
        "NTH_VALUE" => {
            count(2)?;
            let (value, ty) = bound(0)?;
            let n = constant_count(&bound(1)?.0, "nth_value")?;
            if n == 0 {
                return Err(Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&"nth_value"]));
            }
            (WindowFunc::NthValue(n), vec![value], ExprType { nullable: true, ..ty })
        }
        _ if crate::binder::is_aggregate(&name) => {
            let plain = ast::Function { over: None, ..f.clone() };
            let (call, ty) = bind_call_with(&plain, env, bind)?;
            if call.distinct {
                let what = format!("<window function>({}DISTINCT)", name);
                return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&what]));
            }
            (WindowFunc::Agg(call), Vec::new(), ty)
        }
        _ => {
            let what = format!("window function {name}");
            return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&what]));
        }
    };
    let frame = frame(spec.window_frame.as_ref(), &order, &order_types, &window_name, env, bind)?;
    let call = WindowCall { func, args: values, partition, order, frame, text: text.to_string() };
    Ok((call, ty))
}

/// Whether `e` holds a window function call.
fn holds_window_call(e: &ast::Expr) -> bool {
    ast::visit_expressions(e, |x| match x {
        ast::Expr::Function(f) if f.over.is_some() => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// The frame of a window with ORDER BY `order` (of types `types`): as written, or the default.
fn frame(
    written: Option<&ast::WindowFrame>,
    order: &[(Expr, bool)],
    types: &[ExprType],
    window: &str,
    env: &dyn SubqueryPlanner,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<Frame> {
    let Some(w) = written else {
        return Ok(match order.is_empty() {
            true => Frame {
                range: false,
                start: Bound::UnboundedPreceding,
                end: Bound::UnboundedFollowing,
            },
            false => {
                Frame { range: true, start: Bound::UnboundedPreceding, end: Bound::CurrentRow }
            }
        });
    };
    let range = match w.units {
        ast::WindowFrameUnits::Rows => false,
        ast::WindowFrameUnits::Range => true,
        ast::WindowFrameUnits::Groups => {
            return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"GROUPS frames"]))
        }
    };
    let end = w.end_bound.clone().unwrap_or(ast::WindowFrameBound::CurrentRow);
    if matches!(w.start_bound, ast::WindowFrameBound::Following(None)) {
        return Err(Error::fmt(errno::ER_WINDOW_FRAME_START_ILLEGAL, &[&window]));
    }
    if matches!(end, ast::WindowFrameBound::Preceding(None)) {
        return Err(Error::fmt(errno::ER_WINDOW_FRAME_END_ILLEGAL, &[&window]));
    }
    let bound = |b: &ast::WindowFrameBound| -> Result<Bound> {
        Ok(match b {
            ast::WindowFrameBound::CurrentRow => Bound::CurrentRow,
            ast::WindowFrameBound::Preceding(None) => Bound::UnboundedPreceding,
            ast::WindowFrameBound::Following(None) => Bound::UnboundedFollowing,
            ast::WindowFrameBound::Preceding(Some(n)) => {
                Bound::Preceding(offset(n, false, range, (order, types), window, env, bind)?)
            }
            ast::WindowFrameBound::Following(Some(n)) => {
                Bound::Following(offset(n, true, range, (order, types), window, env, bind)?)
            }
        })
    };
    Ok(Frame { range, start: bound(&w.start_bound)?, end: bound(&end)? })
}

/// The distance of an `n PRECEDING` (`following: false`) or `n FOLLOWING` bound.
fn offset(
    n: &ast::Expr,
    following: bool,
    range: bool,
    (order, types): (&[(Expr, bool)], &[ExprType]),
    window: &str,
    env: &dyn SubqueryPlanner,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<Offset> {
    let interval = matches!(n, ast::Expr::Interval(_));
    if !range {
        if interval {
            return Err(Error::fmt(errno::ER_WINDOW_ROWS_INTERVAL_USE, &[&window]));
        }
        let (e, _) = bind(n)?;
        let rows = match &e {
            Expr::Literal(Value::Int(i)) if *i >= 0 => *i as usize,
            Expr::Literal(Value::UInt(u)) => usize::try_from(*u).unwrap_or(usize::MAX),
            _ => return Err(Error::fmt(errno::ER_WINDOW_FRAME_ILLEGAL, &[&window])),
        };
        return Ok(Offset::Rows(rows));
    }
    let ([(_, asc)], [ty]) = (order, types) else {
        return Err(Error::fmt(errno::ER_WINDOW_RANGE_FRAME_ORDER_TYPE, &[&window]));
    };
    use FieldType as F;
    let temporal = matches!(ty.field_type, F::Date | F::DateTime | F::Timestamp | F::Time);
    let numeric = matches!(
        ty.field_type,
        F::Tiny
            | F::Short
            | F::Int24
            | F::Long
            | F::LongLong
            | F::Year
            | F::Float
            | F::Double
            | F::Decimal
            | F::NewDecimal
            | F::Bit
    );
    if !temporal && !numeric {
        return Err(Error::fmt(errno::ER_WINDOW_RANGE_FRAME_ORDER_TYPE, &[&window]));
    }
    if temporal && !interval {
        return Err(Error::fmt(errno::ER_WINDOW_RANGE_FRAME_TEMPORAL_TYPE, &[&window]));
    }
    if numeric && interval {
        return Err(Error::fmt(errno::ER_WINDOW_RANGE_FRAME_NUMERIC_TYPE, &[&window]));
    }
    // The key the bound reaches: key - n or key + n (reversed for a descending order), bound
    // over a one-column row holding the current row's key.
    let toward_larger = following == *asc;
    let op = if toward_larger { ast::BinaryOperator::Plus } else { ast::BinaryOperator::Minus };
    let key = ast::Ident::new("window key");
    let e = ast::Expr::BinaryOp {
        left: Box::new(ast::Expr::Identifier(key)),
        op,
        right: Box::new(n.clone()),
    };
    let scope = Scope {
        columns: vec![ScopeColumn {
            table: None,
            name: "window key".into(),
            ty: *ty,
            hidden: false,
        }],
    };
    let (bound, _) = crate::binder::bind_expr(&e, &scope, env.session(), "window")?;
    let constant = match &bound {
        Expr::Binary { right, .. } => right.is_constant(),
        _ => true,
    };
    if !constant {
        return Err(Error::fmt(errno::ER_WINDOW_RANGE_BOUND_NOT_CONSTANT, &[&window]));
    }
    if let Expr::Binary { right, .. } = &bound {
        if let Expr::Literal(v) = &**right {
            if v.is_null() || v.truth().is_some_and(|_| crate::expr::to_f64(v) < 0.0) {
                return Err(Error::fmt(errno::ER_WINDOW_FRAME_ILLEGAL, &[&window]));
            }
        }
    }
    Ok(Offset::Range(bound))
}
