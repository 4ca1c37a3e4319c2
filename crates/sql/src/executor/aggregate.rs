//! Aggregation: collecting aggregate calls from a query, grouping rows, accumulating.

use std::collections::{HashMap, HashSet};

use errno::{Error, Result, ER_INVALID_GROUP_FUNC_USE, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};
use types::{FieldType, Value};

use crate::{
    binder::{bind_expr_in, is_aggregate, OuterRow, Scope, SubqueryPlanner},
    expr::{compare, to_f64, EvalCtx, Expr, ExprType},
};

/// Which aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    /// `COUNT(*)`
    CountStar,
    /// `COUNT(x)`
    Count,
    /// `SUM(x)`
    Sum,
    /// `AVG(x)`
    Avg,
    /// `MIN(x)`
    Min,
    /// `MAX(x)`
    Max,
    /// `GROUP_CONCAT([DISTINCT] x, … [ORDER BY …] [SEPARATOR s])`
    GroupConcat,
    /// `BIT_AND(x)`: 64-bit unsigned, all ones over no rows.
    BitAnd,
    /// `BIT_OR(x)`
    BitOr,
    /// `BIT_XOR(x)`
    BitXor,
    /// `STD` / `STDDEV` / `STDDEV_POP(x)`
    StddevPop,
    /// `STDDEV_SAMP(x)`
    StddevSamp,
    /// `VARIANCE` / `VAR_POP(x)`
    VarPop,
    /// `VAR_SAMP(x)`
    VarSamp,
    /// `ANY_VALUE(x)`: the value of some row of the group (the first).
    AnyValue,
    /// `JSON_ARRAYAGG(x)`: the group's values (NULL as `null`) as a JSON array; its argument
    /// is bound as a JSON value (`'x'` is `"x"`).
    JsonArrayAgg,
    /// `JSON_OBJECTAGG(k, v)`: the group's pairs as a JSON object (a later duplicate key
    /// wins); its argument is bound as `JSON_OBJECT(k, v)`, so a NULL key fails with 3158.
    JsonObjectAgg,
    /// `APPROX_PERCENTILE(x, p)` (TiDB): the value of ordinal rank ⌈p/100 · n⌉ among the
    /// group's non-NULL values, computed exactly.
    ApproxPercentile(u8),
}

/// What `GROUP_CONCAT` takes besides its first argument.
#[derive(Debug, Clone)]
pub struct GroupConcat {
    /// The further arguments, concatenated after the first in each row's piece.
    pub rest: Vec<Expr>,
    /// The order of the pieces within a group: (key, ascending).
    pub order: Vec<(Expr, bool)>,
    /// Put between pieces (`,` by default).
    pub separator: Vec<u8>,
    /// The longest result, in bytes (`group_concat_max_len`); longer ones are cut, with
    /// warning 1260.
    pub max_len: usize,
}

/// One aggregate call, bound over the input row.
#[derive(Debug, Clone)]
pub struct AggCall {
    /// Which aggregate.
    pub kind: AggKind,
    /// Its argument (`None` for `COUNT(*)`).
    pub arg: Option<Expr>,
    /// `DISTINCT` given.
    pub distinct: bool,
    /// `GROUP_CONCAT`'s further arguments, order and separator.
    pub concat: Option<Box<GroupConcat>>,
}

/// Finds the aggregate calls in `exprs` (deduplicated by source text) and binds their arguments
/// against `input`. Returns (text, call, result type) in first-seen order.
pub fn collect(
    exprs: &[&ast::Expr],
    input: &Scope,
    env: &dyn SubqueryPlanner,
    outer: Option<&OuterRow<'_>>,
) -> Result<Vec<(String, AggCall, ExprType)>> {
    let mut found = Vec::new();
    for e in exprs {
        walk(e, &mut |f| {
            let text = ast::Expr::Function(f.clone()).to_string();
            if found.iter().any(|(t, _, _)| *t == text) {
                return Ok(());
            }
            let (call, ty) = bind_call(f, input, env, outer)?;
            found.push((text, call, ty));
            Ok(())
        })?;
    }
    Ok(found)
}

fn bind_call(
    f: &ast::Function,
    input: &Scope,
    env: &dyn SubqueryPlanner,
    outer: Option<&OuterRow<'_>>,
) -> Result<(AggCall, ExprType)> {
    bind_call_with(f, env, &|e| bind_argument(e, input, env, outer))
}

/// An aggregate call `f` (its OVER clause, if any, aside) with its arguments bound by `bind`:
/// how window functions bind their aggregates.
pub(crate) fn bind_call_with(
    f: &ast::Function,
    env: &dyn SubqueryPlanner,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<(AggCall, ExprType)> {
    let name = f.name.to_string().to_ascii_uppercase();
    let FunctionArguments::List(list) = &f.args else {
        return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name]));
    };
    // APPROX_COUNT_DISTINCT (TiDB's HyperLogLog estimate) is answered exactly.
    let distinct = matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct))
        || name == "APPROX_COUNT_DISTINCT";
    if name == "GROUP_CONCAT" {
        return bind_group_concat(list, distinct, env, bind);
    }
    if name == "JSON_ARRAYAGG" || name == "JSON_OBJECTAGG" {
        return bind_json_agg(&name, list, distinct, bind);
    }
    if name == "APPROX_PERCENTILE" {
        return bind_percentile(list, bind);
    }
    let arg = match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] if name == "COUNT" && !distinct => None,
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => Some(bind(e)?),
        _ => return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name])),
    };
    let (kind, ty) = match (name.as_str(), &arg) {
        ("COUNT", None) => (AggKind::CountStar, ExprType::of(FieldType::LongLong, false)),
        ("COUNT" | "APPROX_COUNT_DISTINCT", Some(_)) => {
            (AggKind::Count, ExprType::of(FieldType::LongLong, false))
        }
        // SUM and AVG of exact values are DECIMAL; of approximate ones DOUBLE, as in MySQL.
        ("SUM" | "AVG", Some((_, t))) => {
            let approximate =
                matches!(t.field_type, FieldType::Double | FieldType::Float | FieldType::VarString);
            let ft = if approximate { FieldType::Double } else { FieldType::NewDecimal };
            let kind = if name == "SUM" { AggKind::Sum } else { AggKind::Avg };
            (kind, ExprType::of(ft, true))
        }
        ("MIN", Some((_, t))) => (AggKind::Min, ExprType { nullable: true, ..*t }),
        ("MAX", Some((_, t))) => (AggKind::Max, ExprType { nullable: true, ..*t }),
        ("ANY_VALUE", Some((_, t))) if !distinct => {
            (AggKind::AnyValue, ExprType { nullable: true, ..*t })
        }
        ("BIT_AND" | "BIT_OR" | "BIT_XOR", Some(_)) if !distinct => {
            let kind = match name.as_str() {
                "BIT_AND" => AggKind::BitAnd,
                "BIT_OR" => AggKind::BitOr,
                _ => AggKind::BitXor,
            };
            (kind, ExprType::of(FieldType::LongLong, false))
        }
        (
            "STD" | "STDDEV" | "STDDEV_POP" | "STDDEV_SAMP" | "VARIANCE" | "VAR_POP" | "VAR_SAMP",
            Some(_),
        ) if !distinct => {
            let kind = match name.as_str() {
                "STDDEV_SAMP" => AggKind::StddevSamp,
                "VARIANCE" | "VAR_POP" => AggKind::VarPop,
                "VAR_SAMP" => AggKind::VarSamp,
                _ => AggKind::StddevPop,
            };
            (kind, ExprType::of(FieldType::Double, true))
        }
        _ => return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("aggregate {name}")])),
    };
    Ok((AggCall { kind, arg: arg.map(|(e, _)| e), distinct, concat: None }, ty))
}

/// `JSON_ARRAYAGG(x)` and `JSON_OBJECTAGG(k, v)`: the argument bound as a JSON value (a
/// non-JSON one made a JSON scalar), the pair as a one-member `JSON_OBJECT(k, v)`.
fn bind_json_agg(
    name: &str,
    list: &ast::FunctionArgumentList,
    distinct: bool,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<(AggCall, ExprType)> {
    if distinct {
        return Err(Error::fmt(errno::ER_PARSE, &[&format!("DISTINCT in {name}"), &1]));
    }
    let mut args = Vec::with_capacity(2);
    for a in &list.args {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(bind(e)?),
            _ => return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name])),
        }
    }
    let as_json = |(e, t): (Expr, ExprType)| {
        if t.field_type == FieldType::Json {
            e
        } else {
            Expr::Func { func: crate::expr::Func::ToJson, args: vec![e] }
        }
    };
    let (kind, arg) = match (name, args.len()) {
        ("JSON_ARRAYAGG", 1) => (AggKind::JsonArrayAgg, args.pop().map(as_json)),
        ("JSON_OBJECTAGG", 2) => {
            let value = args.pop().map(as_json);
            let key = args.pop().map(|(e, _)| e);
            let pair = Expr::Func {
                func: crate::expr::Func::JsonObject,
                args: key.into_iter().chain(value).collect(),
            };
            (AggKind::JsonObjectAgg, Some(pair))
        }
        _ => return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name])),
    };
    let call = AggCall { kind, arg, distinct: false, concat: None };
    Ok((call, ExprType::of(FieldType::Json, true)))
}

/// `APPROX_PERCENTILE(x, p)`: `p` a constant integer in [1, 100]; the result typed as TiDB
/// types it (integers as BIGINT, the rest as the argument). Refusals are TiDB's 1105 texts.
fn bind_percentile(
    list: &ast::FunctionArgumentList,
    bind: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<(AggCall, ExprType)> {
    let refuse = |m: String| Error::msg(errno::ER_INTERNAL, m);
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(x)), FunctionArg::Unnamed(FunctionArgExpr::Expr(p))] =
        list.args.as_slice()
    else {
        return Err(refuse("APPROX_PERCENTILE should take 2 arguments".into()));
    };
    let (arg, t) = bind(x)?;
    let percent = match bind(p)?.0 {
        Expr::Literal(Value::Null) => {
            return Err(refuse("APPROX_PERCENTILE: Percentage value cannot be NULL".into()))
        }
        Expr::Literal(v) => crate::expr::to_i64(&v),
        _ => {
            return Err(refuse(
                "APPROX_PERCENTILE should take a constant expression as percentage argument".into(),
            ))
        }
    };
    let percent = u8::try_from(percent)
        .ok()
        .filter(|p| (1..=100).contains(p))
        .ok_or_else(|| refuse(format!("Percentage value {percent} is out of range [1, 100]")))?;
    let ft = match t.field_type {
        FieldType::Tiny
        | FieldType::Short
        | FieldType::Int24
        | FieldType::Long
        | FieldType::LongLong => FieldType::LongLong,
        FieldType::Float => FieldType::Double,
        other => other,
    };
    let call = AggCall {
        kind: AggKind::ApproxPercentile(percent),
        arg: Some(arg),
        distinct: false,
        concat: None,
    };
    Ok((call, ExprType { field_type: ft, nullable: true, ..t }))
}

/// An aggregate's argument bound over the input row; 1111 when it holds an aggregate itself.
fn bind_argument(
    e: &ast::Expr,
    input: &Scope,
    env: &dyn SubqueryPlanner,
    outer: Option<&OuterRow<'_>>,
) -> Result<(Expr, ExprType)> {
    let mut nested = false;
    walk(e, &mut |_| {
        nested = true;
        Ok(())
    })?;
    if nested {
        return Err(Error::fmt(ER_INVALID_GROUP_FUNC_USE, &[]));
    }
    bind_expr_in(e, input, env, "field list", outer)
}

/// `GROUP_CONCAT([DISTINCT] x, … [ORDER BY …] [SEPARATOR 's'])`: a string (TEXT when
/// `group_concat_max_len` passes 512 bytes, VARCHAR otherwise, as MySQL types it).
fn bind_group_concat(
    list: &ast::FunctionArgumentList,
    distinct: bool,
    env: &dyn SubqueryPlanner,
    bind_arg: &dyn Fn(&ast::Expr) -> Result<(Expr, ExprType)>,
) -> Result<(AggCall, ExprType)> {
    let bind = |e: &ast::Expr| Ok::<_, Error>(bind_arg(e)?.0);
    let mut args = Vec::with_capacity(list.args.len());
    for a in &list.args {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(bind(e)?),
            _ => {
                return Err(Error::fmt(
                    errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT,
                    &[&"GROUP_CONCAT"],
                ))
            }
        }
    }
    if args.is_empty() {
        return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&"GROUP_CONCAT"]));
    }
    let (mut order, mut separator) = (Vec::new(), b",".to_vec());
    for clause in &list.clauses {
        match clause {
            ast::FunctionArgumentClause::OrderBy(keys) => {
                for k in keys {
                    let asc = !matches!(k.options.sort, Some(ast::OrderBySort::Desc));
                    order.push((bind(&k.expr)?, asc));
                }
            }
            ast::FunctionArgumentClause::Separator(v) => {
                separator = match &v.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                        s.as_bytes().to_vec()
                    }
                    other => other.to_string().into_bytes(),
                };
            }
            other => {
                return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("GROUP_CONCAT {other}")]))
            }
        }
    }
    let max_len =
        usize::try_from(env.session().vars.int("group_concat_max_len")).unwrap_or(usize::MAX);
    let ft = if max_len > 512 { FieldType::Blob } else { FieldType::VarString };
    let mut args = args.into_iter();
    let arg = args.next();
    let concat = GroupConcat { rest: args.collect(), order, separator, max_len };
    let call =
        AggCall { kind: AggKind::GroupConcat, arg, distinct, concat: Some(Box::new(concat)) };
    let length = u32::try_from(max_len).unwrap_or(u32::MAX / 4).min(u32::MAX / 4);
    Ok((call, ExprType { length, ..ExprType::of(ft, true) }))
}

/// Calls `on_agg` for each aggregate call in `e` (not descending into them).
fn walk(e: &ast::Expr, on_agg: &mut dyn FnMut(&ast::Function) -> Result<()>) -> Result<()> {
    use ast::Expr as A;
    match e {
        A::Function(f) if f.over.is_none() && is_aggregate(&f.name.to_string()) => on_agg(f),
        A::Function(f) => {
            // A window function's arguments and window may hold the query's aggregates.
            if let FunctionArguments::List(l) = &f.args {
                for a in &l.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = a {
                        walk(x, on_agg)?;
                    }
                }
            }
            if let Some(ast::WindowType::WindowSpec(spec)) = &f.over {
                for x in spec.partition_by.iter().chain(spec.order_by.iter().map(|o| &o.expr)) {
                    walk(x, on_agg)?;
                }
            }
            Ok(())
        }
        A::BinaryOp { left, right, .. } => {
            walk(left, on_agg)?;
            walk(right, on_agg)
        }
        A::UnaryOp { expr, .. }
        | A::Nested(expr)
        | A::IsNull(expr)
        | A::IsNotNull(expr)
        | A::IsTrue(expr)
        | A::IsNotTrue(expr)
        | A::IsFalse(expr)
        | A::IsNotFalse(expr)
        | A::Cast { expr, .. }
        | A::Floor { expr, .. }
        | A::Ceil { expr, .. } => walk(expr, on_agg),
        A::Between { expr, low, high, .. } => {
            walk(expr, on_agg)?;
            walk(low, on_agg)?;
            walk(high, on_agg)
        }
        A::Like { expr, pattern, .. } => {
            walk(expr, on_agg)?;
            walk(pattern, on_agg)
        }
        A::In { expr, target: ast::InTarget::List(list), .. } => {
            walk(expr, on_agg)?;
            list.iter().try_for_each(|x| walk(x, on_agg))
        }
        A::Case { operand, conditions, else_result, .. } => {
            if let Some(o) = operand {
                walk(o, on_agg)?;
            }
            for c in conditions {
                walk(&c.condition, on_agg)?;
                walk(&c.result, on_agg)?;
            }
            else_result.as_ref().map_or(Ok(()), |x| walk(x, on_agg))
        }
        _ => Ok(()),
    }
}

/// Running state of one aggregate over one group.
#[derive(Debug, Clone, Default)]
struct Acc {
    count: i64,
    int_sum: i128,
    float_sum: f64,
    all_int: bool,
    /// Exact sum while every value is an integer or a decimal.
    dec_sum: Option<types::Decimal>,
    any_float: bool,
    best: Option<Value>,
    seen: HashSet<Vec<u8>>,
    /// GROUP_CONCAT's pieces with their order keys.
    pieces: Vec<(Vec<Value>, Vec<u8>)>,
    /// BIT_AND / BIT_OR / BIT_XOR so far.
    bits: u64,
    /// The running mean and sum of squared deviations (Welford), for STD and VARIANCE.
    mean: f64,
    m2: f64,
    /// ANY_VALUE has its value (`best`).
    taken: bool,
    /// JSON_ARRAYAGG's elements; JSON_OBJECTAGG's members (in one object).
    json: Vec<serde_json::Value>,
    /// APPROX_PERCENTILE's values.
    values: Vec<Value>,
}

/// A value as BIT_AND/OR/XOR take it: a 64-bit pattern (negative integers two's complement).
fn bits_of(v: &Value) -> u64 {
    match v {
        Value::UInt(u) => *u,
        Value::Int(i) => *i as u64,
        other => {
            let f = to_f64(other).round();
            if f < 0.0 {
                f as i64 as u64
            } else {
                f as u64
            }
        }
    }
}

fn key(v: &Value) -> Vec<u8> {
    let mut k = Vec::new();
    tablecodec::datum::encode(&mut k, v);
    k
}

impl Acc {
    fn new(kind: AggKind) -> Self {
        let bits = if kind == AggKind::BitAnd { u64::MAX } else { 0 };
        Acc {
            all_int: true,
            dec_sum: Some(types::Decimal::from_i128(0)),
            bits,
            ..Default::default()
        }
    }

    /// Adds value `v`; returns the bytes kept for it (the aggregates that keep their values:
    /// JSON_ARRAYAGG, JSON_OBJECTAGG, APPROX_PERCENTILE), for memory accounting.
    fn add(&mut self, call: &AggCall, v: &Value) -> usize {
        if call.kind == AggKind::CountStar {
            self.count += 1;
            return 0;
        }
        if matches!(call.kind, AggKind::JsonArrayAgg | AggKind::JsonObjectAgg) {
            self.count += 1;
            let doc = crate::expr::parse_document(v);
            match (call.kind, doc, self.json.last_mut()) {
                (
                    AggKind::JsonObjectAgg,
                    serde_json::Value::Object(m),
                    Some(serde_json::Value::Object(all)),
                ) => {
                    all.extend(m);
                }
                (_, doc, _) => self.json.push(doc),
            }
            return crate::memory::row_bytes(std::slice::from_ref(v));
        }
        if call.kind == AggKind::AnyValue {
            if !self.taken {
                self.taken = true;
                self.best = Some(v.clone());
            }
            return 0;
        }
        if v.is_null() || (call.distinct && !self.seen.insert(key(v))) {
            return 0;
        }
        self.count += 1;
        if let AggKind::ApproxPercentile(_) = call.kind {
            self.values.push(v.clone());
            return crate::memory::row_bytes(std::slice::from_ref(v));
        }
        match call.kind {
            AggKind::Sum | AggKind::Avg => match v {
                // Exact values sum exactly (into `float_sum` only past DECIMAL's range).
                Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
                    match v {
                        Value::Int(i) => self.int_sum += i128::from(*i),
                        Value::UInt(u) => self.int_sum += i128::from(*u),
                        _ => self.all_int = false,
                    }
                    let d = crate::expr::to_decimal(v);
                    match (self.dec_sum, d) {
                        (Some(s), Some(d)) => match s.checked_add(&d) {
                            Some(sum) => self.dec_sum = Some(sum),
                            None => {
                                self.float_sum += to_f64(&Value::Decimal(s)) + to_f64(v);
                                self.dec_sum = None;
                            }
                        },
                        _ => self.float_sum += to_f64(v),
                    }
                }
                other => {
                    self.all_int = false;
                    self.any_float = true;
                    self.float_sum += to_f64(other);
                }
            },
            AggKind::Min | AggKind::Max => {
                let want = if call.kind == AggKind::Min {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                };
                let replace = match &self.best {
                    None => true,
                    Some(b) => compare(v, b) == Some(want),
                };
                if replace {
                    self.best = Some(v.clone());
                }
            }
            AggKind::BitAnd => self.bits &= bits_of(v),
            AggKind::BitOr => self.bits |= bits_of(v),
            AggKind::BitXor => self.bits ^= bits_of(v),
            AggKind::StddevPop | AggKind::StddevSamp | AggKind::VarPop | AggKind::VarSamp => {
                let x = to_f64(v);
                let delta = x - self.mean;
                self.mean += delta / self.count as f64;
                self.m2 += delta * (x - self.mean);
            }
            AggKind::Count
            | AggKind::CountStar
            | AggKind::GroupConcat
            | AggKind::AnyValue
            | AggKind::JsonArrayAgg
            | AggKind::JsonObjectAgg
            | AggKind::ApproxPercentile(_) => {}
        }
        0
    }

    /// Adds row `r` to a GROUP_CONCAT (a row with a NULL argument adds nothing); returns the
    /// bytes it keeps.
    fn add_piece(
        &mut self,
        call: &AggCall,
        gc: &GroupConcat,
        r: &[Value],
        eval: &EvalCtx<'_>,
    ) -> Result<usize> {
        let mut piece = Vec::new();
        let args = call.arg.iter().chain(&gc.rest);
        for a in args {
            match &*a.operand(r, eval)? {
                Value::Null => return Ok(0),
                Value::Bytes(b) => piece.extend_from_slice(b),
                Value::String(s) => piece.extend_from_slice(s.as_bytes()),
                other => piece.extend_from_slice(crate::expr::to_string(other).as_bytes()),
            }
        }
        if call.distinct && !self.seen.insert(piece.clone()) {
            return Ok(0);
        }
        let keys = gc.order.iter().map(|(k, _)| k.eval(r, eval)).collect::<Result<Vec<Value>>>()?;
        self.count += 1;
        let bytes = piece.len() + crate::memory::row_bytes(&keys) + 32;
        self.pieces.push((keys, piece));
        Ok(bytes)
    }

    /// GROUP_CONCAT's result and whether it was cut to `max_len`.
    fn concatenated(&self, gc: &GroupConcat) -> (Value, bool) {
        if self.pieces.is_empty() {
            return (Value::Null, false);
        }
        let mut order: Vec<usize> = (0..self.pieces.len()).collect();
        if !gc.order.is_empty() {
            order.sort_by(|&a, &b| {
                super::ops::order(&self.pieces[a].0, &self.pieces[b].0, &gc.order)
            });
        }
        let mut out = Vec::new();
        for (n, &i) in order.iter().enumerate() {
            if n > 0 {
                out.extend_from_slice(&gc.separator);
            }
            out.extend_from_slice(&self.pieces[i].1);
            if out.len() > gc.max_len {
                break;
            }
        }
        let cut = out.len() > gc.max_len;
        if cut {
            let mut end = gc.max_len;
            // Cut on a character boundary when the result is text.
            while end > 0 && std::str::from_utf8(&out[..end]).is_err() && end + 4 > gc.max_len {
                end -= 1;
            }
            out.truncate(end);
        }
        let v = match String::from_utf8(out) {
            Ok(s) => Value::String(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        };
        (v, cut)
    }

    /// The sum as a double: the inexact part plus the exact part.
    fn float_total(&self) -> f64 {
        self.float_sum + self.dec_sum.map_or(0.0, |d| to_f64(&Value::Decimal(d)))
    }

    fn finish(&self, call: &AggCall) -> Value {
        match call.kind {
            AggKind::GroupConcat => match &call.concat {
                Some(gc) => self.concatenated(gc).0,
                None => Value::Null,
            },
            AggKind::CountStar | AggKind::Count => Value::Int(self.count),
            AggKind::BitAnd | AggKind::BitOr | AggKind::BitXor => Value::UInt(self.bits),
            AggKind::AnyValue => self.best.clone().unwrap_or(Value::Null),
            _ if self.count == 0 => Value::Null,
            AggKind::JsonArrayAgg => {
                crate::expr::json_value(&serde_json::Value::Array(self.json.clone()))
            }
            AggKind::JsonObjectAgg => crate::expr::json_value(
                self.json.first().unwrap_or(&serde_json::Value::Object(Default::default())),
            ),
            AggKind::ApproxPercentile(p) => {
                let mut sorted = self.values.clone();
                sorted.sort_by(|a, b| compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
                // Ordinal rank k = ⌈p/100 · n⌉ (1-based), as TiDB's percentile.
                let k = (sorted.len() * usize::from(p)).div_ceil(100).clamp(1, sorted.len());
                sorted.get(k - 1).cloned().unwrap_or(Value::Null)
            }
            AggKind::VarSamp | AggKind::StddevSamp if self.count == 1 => Value::Null,
            AggKind::VarPop => Value::Double(self.m2 / self.count as f64),
            AggKind::VarSamp => Value::Double(self.m2 / (self.count - 1) as f64),
            AggKind::StddevPop => Value::Double((self.m2 / self.count as f64).sqrt()),
            AggKind::StddevSamp => Value::Double((self.m2 / (self.count - 1) as f64).sqrt()),
            // An exact DECIMAL, as MySQL's SUM of integers (the text form it had read as a
            // string where the value is used, in a subquery or an expression).
            AggKind::Sum if self.all_int => Value::Decimal(types::Decimal::from_i128(self.int_sum)),
            AggKind::Sum => match (self.any_float, self.dec_sum) {
                (false, Some(d)) => Value::Decimal(d),
                _ => Value::Double(self.float_total()),
            },
            // AVG of exact values is a DECIMAL with 4 more digits, as in MySQL.
            AggKind::Avg => match (self.any_float, self.dec_sum) {
                (false, Some(d)) => d
                    .checked_div(&types::Decimal::from_i128(i128::from(self.count)), 4)
                    .map_or(Value::Null, Value::Decimal),
                _ => Value::Double(self.float_total() / self.count as f64),
            },
            AggKind::Min | AggKind::Max => self.best.clone().unwrap_or(Value::Null),
        }
    }
}

/// One aggregate's running state over a window frame (`ops::window`).
#[derive(Clone)]
pub(crate) struct FrameAcc(Acc);

impl FrameAcc {
    /// Over no rows yet.
    pub fn new(call: &AggCall) -> Self {
        FrameAcc(Acc::new(call.kind))
    }

    /// Adds row `r`.
    pub fn add(&mut self, call: &AggCall, r: &[Value], eval: &EvalCtx<'_>) -> Result<()> {
        match (&call.concat, &call.arg) {
            (Some(gc), _) => {
                self.0.add_piece(call, gc, r, eval)?;
            }
            (None, Some(a)) => {
                self.0.add(call, &*a.operand(r, eval)?);
            }
            (None, None) => {
                self.0.add(call, &Value::Null);
            }
        }
        Ok(())
    }

    /// The aggregate over the rows added.
    pub fn value(&self, call: &AggCall) -> Value {
        match &call.concat {
            Some(gc) => self.0.concatenated(gc).0,
            None => self.0.finish(call),
        }
    }
}

/// Groups rows by `groups` and computes `aggs` per group, one input row at a time. Output rows
/// are `[group values…, aggregate values…]`, in group-key order. Without GROUP BY there is
/// exactly one output row, even for no input.
pub struct Aggregator<'p> {
    groups: &'p [Expr],
    aggs: &'p [AggCall],
    /// Groups by key, hashed; sorted by key once, when finished.
    table: HashMap<Vec<u8>, (Vec<Value>, Vec<Acc>)>,
}

impl<'p> Aggregator<'p> {
    /// No rows added yet.
    pub fn new(groups: &'p [Expr], aggs: &'p [AggCall]) -> Self {
        let mut table = HashMap::new();
        if groups.is_empty() {
            table.insert(Vec::new(), (Vec::new(), aggs.iter().map(|c| Acc::new(c.kind)).collect()));
        }
        Aggregator { groups, aggs, table }
    }

    /// Row `r`'s group key (memcomparable), written into `key` (cleared first).
    pub fn key_into(&self, r: &[Value], eval: &EvalCtx<'_>, key: &mut Vec<u8>) -> Result<()> {
        key.clear();
        for g in self.groups {
            tablecodec::datum::encode(key, &*g.operand(r, eval)?);
        }
        Ok(())
    }

    /// Whether the group with key `k` is held.
    pub fn holds(&self, k: &[u8]) -> bool {
        self.table.contains_key(k)
    }

    /// Adds row `r` to the group with key `k` (see [`Self::key_into`]), making it when new;
    /// returns the bytes a new group took (0 for a group seen before), for memory accounting.
    pub fn add_keyed(&mut self, k: &[u8], r: &[Value], eval: &EvalCtx<'_>) -> Result<usize> {
        let mut grew = 0;
        let accs = match self.table.get_mut(k) {
            Some(entry) => &mut entry.1,
            None => {
                let gv = self.groups.iter().map(|g| g.eval(r, eval)).collect::<Result<Vec<_>>>()?;
                let n = self.aggs.len();
                grew = k.len()
                    + crate::memory::row_bytes(&gv)
                    + n * std::mem::size_of::<Acc>()
                    + std::mem::size_of::<(Vec<u8>, Vec<Value>, Vec<Acc>)>();
                let accs = self.aggs.iter().map(|c| Acc::new(c.kind)).collect();
                &mut self.table.entry(k.to_vec()).or_insert((gv, accs)).1
            }
        };
        for (acc, call) in accs.iter_mut().zip(self.aggs) {
            match (&call.concat, &call.arg) {
                (Some(gc), _) => grew += acc.add_piece(call, gc, r, eval)?,
                (None, Some(a)) => grew += acc.add(call, &*a.operand(r, eval)?),
                (None, None) => grew += acc.add(call, &Value::Null),
            }
        }
        Ok(grew)
    }

    /// One row per group; a GROUP_CONCAT cut to `group_concat_max_len` adds warning 1260 to
    /// `warnings`, numbered by its row.
    pub fn finish(self, warnings: &crate::context::Warnings) -> Vec<Vec<Value>> {
        let aggs = self.aggs;
        let mut groups: Vec<_> = self.table.into_iter().collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        groups
            .into_iter()
            .enumerate()
            .map(|(row, (_, (mut gv, accs)))| {
                for (a, c) in accs.iter().zip(aggs) {
                    if let Some(gc) = &c.concat {
                        let (v, cut) = a.concatenated(gc);
                        if cut {
                            let e = Error::fmt(errno::ER_CUT_VALUE_GROUP_CONCAT, &[&(row + 1)]);
                            warnings.push(crate::context::Warning {
                                level: crate::context::Level::Warning,
                                code: e.code,
                                message: e.message,
                            });
                        }
                        gv.push(v);
                    } else {
                        gv.push(a.finish(c));
                    }
                }
                gv
            })
            .collect()
    }
}
