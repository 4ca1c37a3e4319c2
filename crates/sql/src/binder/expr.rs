//! AST expression → bound [`Expr`] with its static type.

use errno::{Error, Result, ER_BAD_FIELD, ER_NON_UNIQ, ER_NOT_SUPPORTED_YET, ER_WRONG_ARGUMENTS};
use sqlparser::ast::{
    self, BinaryOperator as AstBin, CastKind, DataType, FunctionArg, FunctionArgExpr,
    FunctionArguments, UnaryOperator as AstUn,
};
use types::{FieldType, Value};

use super::{OuterRow, Scope, SubqueryPlanner};
use crate::{
    context::SessionCtx,
    executor::bound_chain,
    expr::{
        member_set::{ConstSet, MIN_INDEXED},
        BinaryOp, CastType, Expr, ExprType, Func, SubqueryKind, UnaryOp,
    },
    sysvar::{self, Kind, VarScope},
};

/// Binds `e` against `scope` (constant subtrees folded: `expr::fold`); `ctx` supplies
/// user-variable types and the clause name for errors. Where no query environment is at
/// hand, a subquery is refused.
pub fn bind_expr(
    e: &ast::Expr,
    scope: &Scope,
    ctx: &SessionCtx,
    clause: &str,
) -> Result<(Expr, ExprType)> {
    let (e, ty) =
        Binder { scope, ctx, clause, post_agg: None, outer: None, planner: None, windows: None }
            .bind(e)?;
    Ok((e.folded(ctx), ty))
}

/// Whether `e` holds a subquery (which only [`bind_with`] and [`bind_expr_in`] can bind).
pub fn has_subquery(e: &ast::Expr) -> bool {
    ast::visit_expressions(e, |x| match x {
        ast::Expr::Subquery(_)
        | ast::Expr::Exists { .. }
        | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => {
            std::ops::ControlFlow::Break(())
        }
        _ => std::ops::ControlFlow::Continue(()),
    })
    .is_break()
}

/// [`bind_expr`] of a statement's own expression, its subqueries planned by `planner`.
pub fn bind_with(
    e: &ast::Expr,
    scope: &Scope,
    planner: &dyn SubqueryPlanner,
    clause: &str,
) -> Result<(Expr, ExprType)> {
    bind_expr_in(e, scope, planner, clause, None)
}

/// Binds `e` inside a subquery: names not in `scope` resolve against `outer` rows.
pub fn bind_expr_in(
    e: &ast::Expr,
    scope: &Scope,
    planner: &dyn SubqueryPlanner,
    clause: &str,
    outer: Option<&OuterRow<'_>>,
) -> Result<(Expr, ExprType)> {
    let ctx = planner.session();
    let binder =
        Binder { scope, ctx, clause, post_agg: None, outer, planner: Some(planner), windows: None };
    let (e, ty) = binder.bind(e)?;
    Ok((e.folded(ctx), ty))
}

/// Binds `e` over the output of an aggregation: group-by expressions and aggregate calls become
/// columns of the aggregated row; a bare column must be one of the group-by columns
/// (ONLY_FULL_GROUP_BY).
pub fn bind_post_agg(
    e: &ast::Expr,
    input: &Scope,
    planner: &dyn SubqueryPlanner,
    clause: &str,
    layout: &PostAgg,
    outer: Option<&OuterRow<'_>>,
) -> Result<(Expr, ExprType)> {
    let ctx = planner.session();
    let post_agg = Some(layout);
    let planner = Some(planner);
    let binder = Binder { scope: input, ctx, clause, post_agg, outer, planner, windows: None };
    let (e, ty) = binder.bind(e)?;
    Ok((e.folded(ctx), ty))
}

/// Binds `e` over a row with window function results appended (a SELECT's select list and
/// ORDER BY when it has window functions): each `f(…) OVER …` is the column `windows` gives
/// it; the rest binds as [`bind_expr_in`] — or [`bind_post_agg`] when `post_agg` is given.
pub fn bind_windowed(
    e: &ast::Expr,
    input: &Scope,
    planner: &dyn SubqueryPlanner,
    clause: &str,
    post_agg: Option<&PostAgg>,
    windows: &WindowLayout,
    outer: Option<&OuterRow<'_>>,
) -> Result<(Expr, ExprType)> {
    let ctx = planner.session();
    let binder = Binder {
        scope: input,
        ctx,
        clause,
        post_agg,
        outer,
        planner: Some(planner),
        windows: Some(windows),
    };
    let (e, ty) = binder.bind(e)?;
    Ok((e.folded(ctx), ty))
}

/// Where a row's window function results are: after `base` columns, one per call, in the
/// order of `calls` (each by its source text, with its type).
#[derive(Debug, Clone, Default)]
pub struct WindowLayout {
    /// The columns before the results.
    pub base: usize,
    /// Each call's text and type.
    pub calls: Vec<(String, ExprType)>,
}

/// The layout of an aggregated row: group-by values first, then aggregate results.
#[derive(Debug, Clone, Default)]
pub struct PostAgg {
    /// Group-by expressions: their source text and bound form (over the input row).
    pub groups: Vec<(String, Expr, ExprType)>,
    /// Aggregate calls by source text, with their result types.
    pub aggs: Vec<(String, ExprType)>,
    /// `WITH ROLLUP`: each group expression's entry follows its rolled-up flag's (what
    /// `GROUPING(col)` reads).
    pub rollup: bool,
}

/// The qualifier under which ON DUPLICATE KEY UPDATE sees the row the INSERT tried to write.
pub const INSERTED_ROW: &str = "\u{0}inserted";

/// Whether a function name is an aggregate.
pub fn is_aggregate(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "COUNT"
            | "JSON_ARRAYAGG"
            | "JSON_OBJECTAGG"
            | "APPROX_PERCENTILE"
            | "SUM"
            | "AVG"
            | "MIN"
            | "MAX"
            | "GROUP_CONCAT"
            | "BIT_AND"
            | "BIT_OR"
            | "BIT_XOR"
            | "STD"
            | "STDDEV"
            | "STDDEV_POP"
            | "STDDEV_SAMP"
            | "VARIANCE"
            | "VAR_POP"
            | "VAR_SAMP"
            | "ANY_VALUE"
            | "APPROX_COUNT_DISTINCT"
    )
}

struct Binder<'a> {
    scope: &'a Scope,
    ctx: &'a SessionCtx,
    clause: &'a str,
    post_agg: Option<&'a PostAgg>,
    outer: Option<&'a OuterRow<'a>>,
    planner: Option<&'a dyn SubqueryPlanner>,
    /// Where window function results are, when the row has them.
    windows: Option<&'a WindowLayout>,
}

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

fn bool_type(nullable: bool) -> ExprType {
    ExprType::of(FieldType::LongLong, nullable)
}

impl Binder<'_> {
    /// Binds `e`, growing the stack first when little is left: binding recurses over the tree,
    /// and one level of it takes tens of KiB in a debug build.
    fn bind(&self, e: &ast::Expr) -> Result<(Expr, ExprType)> {
        crate::frontend::stack::ensure_stack(|| self.bind_node(e))
    }

    fn bind_node(&self, e: &ast::Expr) -> Result<(Expr, ExprType)> {
        use ast::Expr as A;
        if let A::Function(f) = e {
            if f.over.is_some() {
                return self.window_result(f, e);
            }
        }
        if let Some(layout) = self.post_agg {
            let text = e.to_string();
            if let Some(i) = layout.groups.iter().position(|(g, _, _)| *g == text) {
                return Ok((Expr::Column(i), layout.groups[i].2));
            }
            if let A::Function(f) = e {
                if f.name.to_string().eq_ignore_ascii_case("GROUPING") {
                    return self.grouping(f, layout);
                }
                if is_aggregate(&f.name.to_string()) {
                    let i = layout.aggs.iter().position(|(a, _)| *a == text).ok_or_else(|| {
                        Error::msg(
                            errno::ER_INTERNAL,
                            format!("aggregate {text} was not collected"),
                        )
                    })?;
                    return Ok((Expr::Column(layout.groups.len() + i), layout.aggs[i].1));
                }
            }
            if matches!(e, A::Identifier(_) | A::CompoundIdentifier(_)) {
                let (inner, ty) = Binder { post_agg: None, ..*self }.bind(e)?;
                if !matches!(inner, Expr::Column(_)) {
                    return Ok((inner, ty)); // variables are fine anywhere
                }
                return match layout.groups.iter().position(|(_, g, _)| *g == inner) {
                    Some(i) => Ok((Expr::Column(i), ty)),
                    None if layout.groups.is_empty() => {
                        Err(Error::fmt(errno::ER_MIX_OF_GROUP_FUNC_AND_FIELDS, &[]))
                    }
                    None => Err(Error::fmt(
                        errno::ER_WRONG_FIELD_WITH_GROUP,
                        &[&1, &"SELECT list", &e.to_string()],
                    )),
                };
            }
        } else if let A::Function(f) = e {
            if is_aggregate(&f.name.to_string()) {
                return Err(Error::fmt(errno::ER_INVALID_GROUP_FUNC_USE, &[]));
            }
        }
        match e {
            A::Identifier(id) => self.bind_name(None, &id.value, id.quote_style.is_some()),
            A::CompoundIdentifier(parts) => match parts.as_slice() {
                // `@@global.x`, `@@session.x`, and dotted (component) names such as
                // `@@validate_password.length` or `@@global.validate_password.length`.
                [first, rest @ ..] if first.value.starts_with("@@") => {
                    let join = |ps: &[ast::Ident]| {
                        ps.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(".")
                    };
                    match first.value[2..].to_ascii_lowercase().as_str() {
                        "global" => self.sysvar(&join(rest), VarScope::Global),
                        "session" | "local" => self.sysvar(&join(rest), VarScope::Session),
                        _ => self.sysvar(
                            &format!("{}.{}", &first.value[2..], join(rest)),
                            VarScope::Default,
                        ),
                    }
                }
                [table, col] => self.bind_name(Some(&table.value), &col.value, true),
                [_db, table, col] => self.bind_name(Some(&table.value), &col.value, true),
                _ => Err(unsupported(format!("identifier {e}"))),
            },
            A::Value(ast::ValueWithSpan { value: ast::Value::Placeholder(p), .. }) => {
                self.parameter(p)
            }
            A::Value(v) => Ok(literal(&v.value)),
            A::TypedString(ts) => typed_literal(ts),
            A::Nested(inner) => self.bind(inner),
            A::RLike { negated, expr, pattern, .. } => {
                let (e, t) = self.call(Func::RegexpLike, &[expr, pattern])?;
                Ok(if *negated {
                    (Expr::Unary { op: UnaryOp::Not, arg: Box::new(e) }, t)
                } else {
                    (e, t)
                })
            }
            // Every string compares as utf8mb4_bin already; other collations are not built.
            A::Collate { expr, collation } => {
                let name = collation.to_string().trim_matches('`').to_ascii_lowercase();
                if name.ends_with("_bin") || name == "binary" {
                    self.bind(expr)
                } else {
                    Err(unsupported(format!("collation {name}")))
                }
            }
            A::UnaryOp { op, expr } => self.unary(*op, expr),
            A::BinaryOp { left, right, .. }
                if super::rows::row_items(left).is_some()
                    || super::rows::row_items(right).is_some() =>
            {
                self.bind(&super::rows::desugar(e)?)
            }
            A::In { expr, target: ast::InTarget::List(list), negated, .. }
                if super::rows::row_items(expr).is_some() =>
            {
                let (or, ty) = self.bind(&super::rows::any_row(expr, list)?)?;
                let e = match literal_rows(&or) {
                    Some((args, set)) => Expr::RowIn { args, set, or: Box::new(or) },
                    None => or,
                };
                Ok(if *negated {
                    (Expr::Unary { op: UnaryOp::Not, arg: Box::new(e) }, ty)
                } else {
                    (e, ty)
                })
            }
            A::BinaryOp { left, op, right } => self.binary(left, op, right),
            A::IsNull(x) => self.is_null(x, false),
            A::IsNotNull(x) => self.is_null(x, true),
            A::IsTrue(x) => self.is_bool(x, true, false),
            A::IsNotTrue(x) => self.is_bool(x, true, true),
            A::IsFalse(x) => self.is_bool(x, false, false),
            A::IsNotFalse(x) => self.is_bool(x, false, true),
            A::Like { negated, any: false, expr, pattern, escape_char } => {
                let escape = match escape_char.as_deref() {
                    None => '\\',
                    Some(A::Value(v)) => match &v.value {
                        ast::Value::SingleQuotedString(s) if s.chars().count() == 1 => {
                            s.chars().next().unwrap_or('\\')
                        }
                        _ => return Err(Error::fmt(ER_WRONG_ARGUMENTS, &[&"ESCAPE"])),
                    },
                    Some(_) => return Err(Error::fmt(ER_WRONG_ARGUMENTS, &[&"ESCAPE"])),
                };
                let (a, at) = self.bind(expr)?;
                let (p, pt) = self.bind(pattern)?;
                Ok((
                    Expr::Like { arg: a.into(), pattern: p.into(), escape, negated: *negated },
                    bool_type(at.nullable || pt.nullable),
                ))
            }
            A::In { expr, target: ast::InTarget::List(list), negated, .. } => {
                let (a, at) = self.bind(expr)?;
                let mut nullable = at.nullable;
                let mut items = Vec::with_capacity(list.len());
                for item in list {
                    let (x, xt) = self.bind(item)?;
                    nullable |= xt.nullable;
                    items.push(x);
                }
                Ok((
                    Expr::InList { arg: a.into(), list: items, negated: *negated, set: None },
                    bool_type(nullable),
                ))
            }
            A::Between { expr, negated, low, high } => {
                let (a, at) = self.bind(expr)?;
                let (l, lt) = self.bind(low)?;
                let (h, ht) = self.bind(high)?;
                Ok((
                    Expr::Between {
                        arg: a.into(),
                        low: l.into(),
                        high: h.into(),
                        negated: *negated,
                    },
                    bool_type(at.nullable || lt.nullable || ht.nullable),
                ))
            }
            A::Case { operand, conditions, else_result, .. } => {
                let mut operand = operand.as_ref().map(|o| self.bind(o)).transpose()?;
                // A JSON operand is matched with JSON's equality: `WHEN json_eq(op, w)`.
                let json_operand = match &operand {
                    Some((o, t)) if t.field_type == FieldType::Json => Some(o.clone()),
                    _ => None,
                };
                if json_operand.is_some() {
                    operand = None;
                }
                let mut whens = Vec::with_capacity(conditions.len());
                let mut result_ty: Option<ExprType> = None;
                let mut mixed = false;
                for cw in conditions {
                    let (mut w, _) = self.bind(&cw.condition)?;
                    if let Some(o) = &json_operand {
                        w = Expr::Func { func: Func::JsonEq, args: vec![o.clone(), w] };
                    }
                    let (t, tt) = self.bind(&cw.result)?;
                    result_ty = Some(merge_types(result_ty, tt));
                    mixed |= !matches!(tt.field_type, FieldType::Double | FieldType::Null);
                    whens.push((w, t));
                }
                let else_ = else_result.as_ref().map(|e| self.bind(e)).transpose()?;
                if let Some((_, et)) = &else_ {
                    mixed |= !matches!(et.field_type, FieldType::Double | FieldType::Null);
                }
                let mut ty = result_ty.unwrap_or(ExprType::of(FieldType::Null, true));
                match &else_ {
                    Some((_, et)) => ty = merge_types(Some(ty), *et),
                    None => ty.nullable = true,
                }
                let case = Expr::Case {
                    operand: operand.map(|(o, _)| Box::new(o)),
                    whens,
                    else_: else_.map(|(e, _)| Box::new(e)),
                };
                if ty.field_type == FieldType::Double && !mixed {
                    return Ok((case, ty));
                }
                Ok((with_result_scale(case, ty), ty))
            }
            A::Cast { kind: CastKind::Cast | CastKind::DoubleColon, expr, data_type, .. } => {
                self.cast(expr, data_type)
            }
            A::Convert { expr, data_type: Some(dt), charset: None, .. } => self.cast(expr, dt),
            A::Convert { expr, data_type: None, charset: Some(_), .. } => {
                self.cast(expr, &DataType::Char(None))
            }
            A::Function(f) => self.function(f),
            A::Substring { expr, substring_from, substring_for, .. } => {
                let mut args: Vec<&ast::Expr> = vec![expr.as_ref()];
                let one = ast::Expr::value(ast::Value::Number("1".into(), false));
                args.push(substring_from.as_deref().unwrap_or(&one));
                if let Some(l) = substring_for {
                    args.push(l);
                }
                self.call(Func::Substring, &args)
            }
            A::Extract { field, expr, .. } => {
                let func = match field.to_string().to_ascii_uppercase().as_str() {
                    "YEAR" => Func::Year,
                    "MONTH" => Func::Month,
                    "DAY" => Func::Day,
                    "HOUR" => Func::Hour,
                    "MINUTE" => Func::Minute,
                    "SECOND" => Func::Second,
                    other => return Err(unsupported(format!("EXTRACT({other} FROM …)"))),
                };
                self.call(func, &[expr])
            }
            A::Trim { expr, trim_where, trim_what, trim_characters: None } => {
                match (trim_where, trim_what) {
                    (None, None) => self.call(Func::Trim, &[expr.as_ref()]),
                    (w, what) => {
                        let space = ast::Expr::value(ast::Value::SingleQuotedString(" ".into()));
                        let mode = match w {
                            Some(ast::TrimWhereField::Leading) => "1",
                            Some(ast::TrimWhereField::Trailing) => "2",
                            _ => "0",
                        };
                        let mode = ast::Expr::value(ast::Value::Number(mode.into(), false));
                        self.call(
                            Func::TrimWith,
                            &[expr.as_ref(), what.as_deref().unwrap_or(&space), &mode],
                        )
                    }
                }
            }
            A::Position { expr, r#in } => self.call(Func::Locate, &[expr.as_ref(), r#in.as_ref()]),
            A::Subquery(q) => {
                let e = self.subquery(q, SubqueryKind::Scalar)?;
                let ty = match &e {
                    Expr::Subquery { sub, .. } => sub.column.unwrap_or(scalar_subquery_type(q)),
                    _ => scalar_subquery_type(q),
                };
                Ok((e, ty))
            }
            A::Exists { subquery, negated } => Ok((
                self.subquery(subquery, SubqueryKind::Exists { negated: *negated })?,
                bool_type(false),
            )),
            A::In { expr, target: ast::InTarget::Subquery(q), negated, .. } => {
                let (arg, _) = self.bind(expr)?;
                let kind = SubqueryKind::In { arg: Box::new(arg), negated: *negated };
                Ok((self.subquery(q, kind)?, bool_type(true)))
            }
            A::Floor {
                expr,
                field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
            } => self.call(Func::Floor, &[expr.as_ref()]),
            A::Ceil {
                expr,
                field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
            } => self.call(Func::Ceil, &[expr.as_ref()]),
            other => Err(unsupported(format!("expression {other}"))),
        }
    }

    fn bind_name(&self, table: Option<&str>, name: &str, quoted: bool) -> Result<(Expr, ExprType)> {
        if !quoted && table.is_none() {
            if let Some(var) = name.strip_prefix("@@") {
                return self.sysvar(var, VarScope::Default);
            }
            if let Some(var) = name.strip_prefix('@') {
                let key = var.trim_matches(|c| c == '`' || c == '\'' || c == '"').to_lowercase();
                let ty = match self.ctx.user_vars.get(&key) {
                    Some(v) => value_type(v),
                    None => FieldType::VarString,
                };
                return Ok((Expr::UserVar(key), ExprType::of(ty, true)));
            }
        }
        let found = self.lookup(table, name);
        if found.is_empty() {
            if let Some(v) = self.outer.and_then(|o| outer_value(o, table, name)) {
                return Ok(v);
            }
        }
        let full = match table {
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        };
        match found.as_slice() {
            [i] => Ok((Expr::Column(*i), self.scope.columns[*i].ty)),
            [] => Err(Error::fmt(ER_BAD_FIELD, &[&full, &self.clause])),
            _ => Err(Error::fmt(ER_NON_UNIQ, &[&full, &self.clause])),
        }
    }

    /// A subquery planned inside this query (TiDB's `Apply` inner side): the names it takes
    /// from this query (or ones further out) become its arguments. After aggregation it sees
    /// no column of the input (its row is not the input's).
    fn subquery(&self, q: &ast::Query, kind: SubqueryKind) -> Result<Expr> {
        let Some(planner) = self.planner else {
            return Err(unsupported(format!("subquery in {}", self.clause)));
        };
        let empty = Scope::default();
        let scope = if self.post_agg.is_some() { &empty } else { self.scope };
        let refs = std::rc::Rc::new(std::cell::RefCell::new(super::OuterRefs::default()));
        let outer = OuterRow { scope, parent: self.outer, refs: &refs, columns_at: None };
        let exists = matches!(kind, SubqueryKind::Exists { .. });
        let sub = planner.plan_subquery(q, exists, &outer)?;
        let args = refs.borrow().args.iter().map(|(e, _)| e.clone()).collect();
        Ok(Expr::Subquery { sub, args, kind })
    }

    /// A prepared statement's placeholder `?i`: parameter `i` when the statement runs with
    /// its placeholders unbound (typed by the value it has in this execution), else the text.
    fn parameter(&self, p: &str) -> Result<(Expr, ExprType)> {
        let slot = p.strip_prefix('?').and_then(|i| i.parse::<usize>().ok());
        let run = self.ctx.prepared.as_ref();
        match slot.and_then(|i| Some((i, run?.params.get(i)?))) {
            Some((i, v)) => {
                let ty = ExprType::of(value_type(v), true);
                match self.outer {
                    Some(outer) => Ok((outer_param(outer, i, ty), ty)),
                    None => Ok((Expr::Param(i), ty)),
                }
            }
            None => Ok(literal(&ast::Value::Placeholder(p.to_string()))),
        }
    }

    fn lookup(&self, table: Option<&str>, name: &str) -> Vec<usize> {
        lookup_in(self.scope, table, name)
    }

    fn sysvar(&self, name: &str, scope: VarScope) -> Result<(Expr, ExprType)> {
        let var = sysvar::lookup(name)
            .ok_or_else(|| Error::fmt(errno::ER_UNKNOWN_SYSTEM_VARIABLE, &[&name]))?;
        let ty = match var.kind {
            Kind::Bool | Kind::Int { .. } => FieldType::LongLong,
            _ => FieldType::VarString,
        };
        Ok((Expr::SysVar { name: var.name.to_string(), scope }, ExprType::of(ty, true)))
    }

    fn unary(&self, op: AstUn, arg: &ast::Expr) -> Result<(Expr, ExprType)> {
        // Fold `-<number>` so that `-9223372036854775808` is a valid BIGINT literal.
        if let (AstUn::Minus, ast::Expr::Value(v)) = (op, arg) {
            if let ast::Value::Number(n, _) = &v.value {
                return Ok(literal(&ast::Value::Number(format!("-{n}"), false)));
            }
        }
        let (a, at) = self.bind(arg)?;
        let (op, ty) = match op {
            AstUn::Not | AstUn::BangNot => (UnaryOp::Not, bool_type(at.nullable)),
            AstUn::Minus => (UnaryOp::Neg, at),
            AstUn::Plus => return Ok((a, at)),
            AstUn::BitwiseNot => (UnaryOp::BitNot, ExprType::of(FieldType::LongLong, at.nullable)),
            other => return Err(unsupported(format!("operator {other}"))),
        };
        Ok((Expr::Unary { op, arg: a.into() }, ty))
    }

    /// `l op r`. A left-deep chain `((x op1 y1) op2 y2) …` is bound in a loop down its left
    /// spine (outside aggregation, where any sub-chain may be a GROUP BY expression), so a
    /// chain of 100 000 terms does not recurse 100 000 frames deep.
    fn binary(&self, l: &ast::Expr, op: &AstBin, r: &ast::Expr) -> Result<(Expr, ExprType)> {
        match (l, op, r) {
            (t, AstBin::Plus, ast::Expr::Interval(iv))
            | (ast::Expr::Interval(iv), AstBin::Plus, t) => {
                return self.date_arith(Func::DateAdd, t, iv)
            }
            (t, AstBin::Minus, ast::Expr::Interval(iv)) => {
                return self.date_arith(Func::DateSub, t, iv)
            }
            _ => {}
        }
        if self.post_agg.is_some() {
            let left = self.bind(l)?;
            return self.binary_step(left, op, r);
        }
        let mut spine = vec![(op, r)];
        let mut leaf = l;
        while let ast::Expr::BinaryOp { left, op, right } = leaf {
            let plain = super::rows::row_items(left).is_none()
                && super::rows::row_items(right).is_none()
                && !matches!(**left, ast::Expr::Interval(_))
                && !matches!(**right, ast::Expr::Interval(_));
            if !plain {
                break;
            }
            spine.push((op, right));
            leaf = left;
        }
        let mut acc = self.bind(leaf)?;
        for (op, r) in spine.into_iter().rev() {
            acc = self.binary_step(acc, op, r)?;
        }
        Ok(acc)
    }

    /// `l op r` with `l` already bound as `left` (no INTERVAL operand: see [`Self::binary`]).
    fn binary_step(
        &self,
        left: (Expr, ExprType),
        op: &AstBin,
        r: &ast::Expr,
    ) -> Result<(Expr, ExprType)> {
        use BinaryOp::*;
        // `doc->path` is JSON_EXTRACT(doc, path); `doc->>path` unquotes it too.
        if let AstBin::Arrow | AstBin::LongArrow = op {
            let (doc, _) = left;
            let (path, _) = self.bind(r)?;
            let (func, ft) = match op {
                AstBin::Arrow => (Func::JsonExtract, FieldType::Json),
                _ => (Func::JsonExtractText, FieldType::Blob),
            };
            return Ok((Expr::Func { func, args: vec![doc, path] }, ExprType::of(ft, true)));
        }
        let op = match op {
            AstBin::Plus => Plus,
            AstBin::Minus => Minus,
            AstBin::Multiply => Multiply,
            AstBin::Divide => Divide,
            AstBin::MyIntegerDivide => IntDiv,
            AstBin::Modulo => Modulo,
            AstBin::Eq => Eq,
            AstBin::Spaceship => NullSafeEq,
            AstBin::NotEq => NotEq,
            AstBin::Lt => Lt,
            AstBin::LtEq => LtEq,
            AstBin::Gt => Gt,
            AstBin::GtEq => GtEq,
            AstBin::And => And,
            AstBin::Or | AstBin::StringConcat => Or,
            AstBin::Xor => Xor,
            AstBin::BitwiseAnd => BitAnd,
            AstBin::BitwiseOr => BitOr,
            AstBin::BitwiseXor => BitXor,
            AstBin::PGBitwiseShiftLeft => ShiftLeft,
            AstBin::PGBitwiseShiftRight => ShiftRight,
            other => return Err(unsupported(format!("operator {other}"))),
        };
        let (a, at) = left;
        let (b, bt) = self.bind(r)?;
        // JSON against a SQL value: equality by JSON's rules (`json_eq`), ordering as the
        // kind of SQL value the JSON value is (a JSON string as its text, true as 1 …).
        if let (Eq | NotEq, true) =
            (op, (at.field_type == FieldType::Json) != (bt.field_type == FieldType::Json))
        {
            let (json, other) = if at.field_type == FieldType::Json { (a, b) } else { (b, a) };
            let eq = Expr::Func { func: Func::JsonEq, args: vec![json, other] };
            let e = match op {
                Eq => eq,
                _ => Expr::Unary { op: UnaryOp::Not, arg: Box::new(eq) },
            };
            return Ok((e, bool_type(true)));
        }
        let (a, b) = match (at.field_type, bt.field_type) {
            (FieldType::Json, other) if op.is_predicate() && other != FieldType::Json => {
                (json_as_sql(a, at), b)
            }
            (other, FieldType::Json) if op.is_predicate() && other != FieldType::Json => {
                (a, json_as_sql(b, bt))
            }
            _ => (a, b),
        };
        let nullable = at.nullable || bt.nullable || matches!(op, Divide | IntDiv | Modulo);
        let ty = if op.is_predicate() {
            bool_type(nullable && op != NullSafeEq)
        } else {
            let float = |t: &ExprType| {
                matches!(t.field_type, FieldType::Double | FieldType::Float | FieldType::VarString)
            };
            let dec = |t: &ExprType| t.field_type == FieldType::NewDecimal;
            let ft = match op {
                IntDiv | BitAnd | BitOr | BitXor | ShiftLeft | ShiftRight => FieldType::LongLong,
                _ if float(&at) || float(&bt) => FieldType::Double,
                Divide => FieldType::NewDecimal,
                _ if dec(&at) || dec(&bt) => FieldType::NewDecimal,
                _ => FieldType::LongLong,
            };
            let mut ty = ExprType::of(ft, nullable);
            if ft == FieldType::NewDecimal {
                // MySQL's result scales: the larger for + - %, the sum for *, the dividend's
                // plus div_precision_increment (4) for /.
                ty.scale = match (op, at.scale, bt.scale) {
                    (Plus | Minus | Modulo, Some(x), Some(y)) => Some(x.max(y)),
                    (Multiply, Some(x), Some(y)) => Some((x + y).min(30)),
                    (Divide, Some(x), _) => Some((x + 4).min(30)),
                    _ => None,
                };
            }
            ty
        };
        Ok((Expr::Binary { op, left: a.into(), right: b.into() }, ty))
    }

    fn is_null(&self, x: &ast::Expr, negated: bool) -> Result<(Expr, ExprType)> {
        let (a, _) = self.bind(x)?;
        Ok((Expr::IsNull { arg: a.into(), negated }, bool_type(false)))
    }

    fn is_bool(&self, x: &ast::Expr, value: bool, negated: bool) -> Result<(Expr, ExprType)> {
        let (a, _) = self.bind(x)?;
        Ok((Expr::IsBool { arg: a.into(), value, negated }, bool_type(false)))
    }

    fn cast(&self, x: &ast::Expr, dt: &DataType) -> Result<(Expr, ExprType)> {
        let (a, at) = self.bind(x)?;
        let target = cast_type(dt)?;
        let mut ty = ExprType::of(target.field_type(), at.nullable);
        if let CastType::Char(Some(n)) | CastType::Binary(Some(n)) = target {
            ty.length = n;
        }
        Ok((Expr::Cast { arg: a.into(), target }, ty))
    }

    /// `GROUPING(col, …)` over a rolled-up row: for each argument (a GROUP BY expression) 1
    /// when the row totals over it, as the bits of one integer, the first argument highest;
    /// 1111 without ROLLUP, 3602 for an argument that is not grouped by.
    fn grouping(&self, f: &ast::Function, layout: &PostAgg) -> Result<(Expr, ExprType)> {
        if !layout.rollup {
            return Err(Error::fmt(errno::ER_INVALID_GROUP_FUNC_USE, &[]));
        }
        let FunctionArguments::List(list) = &f.args else {
            return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&"grouping"]));
        };
        let n = list.args.len();
        if n == 0 {
            return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&"grouping"]));
        }
        let mut out: Option<Expr> = None;
        for (i, a) in list.args.iter().enumerate() {
            let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = a else {
                return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&"grouping"]));
            };
            let text = x.to_string();
            let at = layout.groups.iter().position(|(g, _, _)| *g == text).filter(|&p| p % 2 == 1);
            let Some(at) = at else {
                return Err(Error::fmt(errno::ER_FIELD_IN_GROUPING_NOT_GROUP_BY, &[&(i + 1)]));
            };
            let weight = Expr::Literal(Value::Int(1i64 << (n - 1 - i).min(62)));
            let bit = Expr::Binary {
                op: BinaryOp::Multiply,
                left: Box::new(Expr::Column(at - 1)),
                right: Box::new(weight),
            };
            out = Some(match out {
                None => bit,
                Some(sum) => {
                    Expr::Binary { op: BinaryOp::Plus, left: Box::new(sum), right: Box::new(bit) }
                }
            });
        }
        let e = out.unwrap_or(Expr::Literal(Value::Int(0)));
        Ok((e, ExprType::of(FieldType::LongLong, false)))
    }

    /// A window function's result: its column, where the row has one (3593 elsewhere: WHERE,
    /// GROUP BY, HAVING, ON, a window's own specification).
    fn window_result(&self, f: &ast::Function, e: &ast::Expr) -> Result<(Expr, ExprType)> {
        let text = e.to_string();
        let found = self.windows.and_then(|w| {
            let i = w.calls.iter().position(|(t, _)| *t == text)?;
            Some((Expr::Column(w.base + i), w.calls[i].1))
        });
        let name = f.name.to_string().to_ascii_lowercase();
        found.ok_or_else(|| Error::fmt(errno::ER_WINDOW_INVALID_WINDOW_FUNC_USE, &[&name]))
    }

    fn function(&self, f: &ast::Function) -> Result<(Expr, ExprType)> {
        let name = f.name.to_string();
        // GROUPING() reads a rolled-up row, which only the select list, HAVING and ORDER BY
        // of a `GROUP BY … WITH ROLLUP` see.
        if name.eq_ignore_ascii_case("GROUPING") {
            return Err(Error::fmt(errno::ER_INVALID_GROUP_FUNC_USE, &[]));
        }
        // `VALUES(col)` in ON DUPLICATE KEY UPDATE: the value the INSERT tried to write.
        if name.eq_ignore_ascii_case("VALUES") {
            if let FunctionArguments::List(l) = &f.args {
                if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(ast::Expr::Identifier(col)))] =
                    l.args.as_slice()
                {
                    if self.scope.columns.iter().any(|c| c.table.as_deref() == Some(INSERTED_ROW)) {
                        return self.bind_name(Some(INSERTED_ROW), &col.value, true);
                    }
                    return Ok((Expr::Literal(Value::Null), ExprType::of(FieldType::Null, true)));
                }
            }
        }
        let args: Vec<&ast::Expr> = match &f.args {
            FunctionArguments::None => Vec::new(),
            FunctionArguments::List(list) => list
                .args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
                    other => Err(unsupported(format!("argument {other} to {name}"))),
                })
                .collect::<Result<_>>()?,
            FunctionArguments::Subquery(_) => return Err(unsupported("subquery arguments")),
        };
        if let Some(r) = self.date_arith_call(&name, &args) {
            return r;
        }
        if let Some(r) = self.timestamp_call(&name, &args) {
            return r;
        }
        // `GET_FORMAT({DATE | TIME | DATETIME | TIMESTAMP}, locale)`: the kind is a keyword.
        if name.eq_ignore_ascii_case("GET_FORMAT") {
            if let [ast::Expr::Identifier(kind), locale] = args.as_slice() {
                if kind.quote_style.is_none() {
                    let kind = ast::Expr::value(ast::Value::SingleQuotedString(kind.value.clone()));
                    return self.call(Func::GetFormat, &[&kind, locale]);
                }
            }
        }
        let func = Func::resolve(&name, args.len())?;
        self.call(func, &args)
    }

    /// `DATE_ADD`/`DATE_SUB`/`ADDDATE`/`SUBDATE(t, INTERVAL n unit)` and `ADDDATE(t, days)`.
    fn date_arith_call(&self, name: &str, args: &[&ast::Expr]) -> Option<Result<(Expr, ExprType)>> {
        let func = match name.to_ascii_uppercase().as_str() {
            "DATE_ADD" | "ADDDATE" => Func::DateAdd,
            "DATE_SUB" | "SUBDATE" => Func::DateSub,
            _ => return None,
        };
        let [t, amount] = args else { return None };
        Some(match amount {
            ast::Expr::Interval(iv) => self.date_arith(func, t, iv),
            days if !name.to_ascii_uppercase().starts_with("DATE_") => {
                let unit = ast::Expr::value(ast::Value::SingleQuotedString("DAY".into()));
                self.call(func, &[t, days, &unit])
            }
            _ => Err(Error::fmt(errno::ER_PARSE, &[&format!("{name}(…)"), &1])),
        })
    }

    /// `TIMESTAMPADD(unit, n, t)` (a date arithmetic call) and `TIMESTAMPDIFF(unit, a, b)`,
    /// whose unit is a keyword (`DAY`, `SQL_TSI_DAY`, …), not an expression.
    fn timestamp_call(&self, name: &str, args: &[&ast::Expr]) -> Option<Result<(Expr, ExprType)>> {
        let upper = name.to_ascii_uppercase();
        if upper != "TIMESTAMPADD" && upper != "TIMESTAMPDIFF" {
            return None;
        }
        let [unit, x, y] = args else {
            return Some(Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&upper])));
        };
        let word = match unit {
            ast::Expr::Identifier(id) => id.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        let word = word.strip_prefix("SQL_TSI_").unwrap_or(&word).to_string();
        if !crate::expr::func_time::INTERVAL_UNITS.contains(&word.as_str()) {
            return Some(Err(Error::fmt(errno::ER_PARSE, &[&format!("{unit}"), &1])));
        }
        let unit = ast::Expr::value(ast::Value::SingleQuotedString(word));
        Some(if upper == "TIMESTAMPADD" {
            self.call(Func::DateAdd, &[y, x, &unit])
        } else {
            self.call(Func::TimestampDiff, &[&unit, x, y])
        })
    }

    /// `t ± INTERVAL n unit` as a date arithmetic call.
    fn date_arith(
        &self,
        func: Func,
        t: &ast::Expr,
        iv: &ast::Interval,
    ) -> Result<(Expr, ExprType)> {
        let unit = match (&iv.leading_field, &iv.last_field) {
            (Some(f), None) => f.to_string().to_ascii_uppercase(),
            _ => return Err(unsupported(format!("INTERVAL {iv}"))),
        };
        if !crate::expr::func_time::INTERVAL_UNITS.contains(&unit.as_str()) {
            return Err(unsupported(format!("INTERVAL unit {unit}")));
        }
        let unit = ast::Expr::value(ast::Value::SingleQuotedString(unit));
        self.call(func, &[t, iv.value.as_ref(), &unit])
    }

    fn call(&self, func: Func, args: &[&ast::Expr]) -> Result<(Expr, ExprType)> {
        let mut bound = Vec::with_capacity(args.len());
        let mut types = Vec::with_capacity(args.len());
        let mut full = Vec::with_capacity(args.len());
        let mut nullable = false;
        for a in args {
            let (e, t) = self.bind(a)?;
            nullable |= t.nullable;
            bound.push(e);
            types.push(t.field_type);
            full.push(t);
        }
        // The values JSON functions take: a non-JSON one is a JSON scalar (`'x'` is "x").
        let value_at = |i: usize| match func {
            Func::JsonObject => i % 2 == 1,
            Func::JsonArray => true,
            Func::JsonSet
            | Func::JsonInsert
            | Func::JsonReplace
            | Func::JsonArrayAppend
            | Func::JsonArrayInsert => i >= 2 && i.is_multiple_of(2),
            _ => false,
        };
        for (i, e) in bound.iter_mut().enumerate() {
            if value_at(i) && types[i] != FieldType::Json {
                let arg = std::mem::replace(e, Expr::Literal(Value::Null));
                *e = Expr::Func { func: Func::ToJson, args: vec![arg] };
            }
        }
        let mut ft = func.return_type(&types);
        // STR_TO_DATE's type follows its format: DATE, TIME or DATETIME (MySQL's rule).
        if let (Func::StrToDate, Some(ast::Expr::Value(v))) = (func, args.get(1).copied()) {
            if let ast::Value::SingleQuotedString(f) | ast::Value::DoubleQuotedString(f) = &v.value
            {
                ft = crate::expr::func_calendar::str_to_date_type(f);
            }
        }
        let nullable = nullable
            || matches!(
                func,
                Func::Database
                    | Func::NullIf
                    | Func::If
                    | Func::StrToDate
                    | Func::FromBase64
                    | Func::MakeDate
                    | Func::MakeTime
                    | Func::LastDay
            );
        let mut ty = ExprType::of(ft, nullable);
        let branches = match func {
            Func::If => full.get(1..).unwrap_or_default(),
            Func::IfNull | Func::Coalesce | Func::Greatest | Func::Least => &full[..],
            Func::NullIf => full.get(..1).unwrap_or_default(),
            _ => &[],
        };
        let mixed =
            branches.iter().any(|t| !matches!(t.field_type, FieldType::Double | FieldType::Null));
        if ft == FieldType::Double && mixed && func != Func::NullIf {
            return Ok((with_result_scale(Expr::Func { func, args: bound }, ty), ty));
        }
        if ft == FieldType::NewDecimal && !branches.is_empty() {
            ty.scale = branches
                .iter()
                .filter(|t| t.field_type != FieldType::Null)
                .map(|t| t.scale)
                .try_fold(0u8, |m, s| Some(m.max(s?)));
            return Ok((with_result_scale(Expr::Func { func, args: bound }, ty), ty));
        }
        Ok((Expr::Func { func, args: bound }, ty))
    }
}

/// `e` (of type `ty`) as the SQL value a JSON value compares as, when it is JSON.
fn json_as_sql(e: Expr, ty: ExprType) -> Expr {
    match ty.field_type {
        FieldType::Json => Expr::Func { func: Func::JsonValue, args: vec![e] },
        _ => e,
    }
}

/// Positions of the scope's columns matching `[table.]name` (case-insensitive).
fn lookup_in(scope: &Scope, table: Option<&str>, name: &str) -> Vec<usize> {
    scope
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.name.eq_ignore_ascii_case(name)
                && match table {
                    Some(t) => c.table.as_deref().is_some_and(|ct| ct.eq_ignore_ascii_case(t)),
                    // The inserted row is reachable only through VALUES(col); a column a USING
                    // join merged away only qualified.
                    None => !c.hidden && c.table.as_deref() != Some(INSERTED_ROW),
                }
        })
        .map(|(i, _)| i)
        .collect()
}

/// A correlated reference to `[table.]name` in the nearest enclosing query that has it: an
/// argument of the subquery `outer` encloses (or, flattened, a column of the combined row).
fn outer_value(outer: &OuterRow<'_>, table: Option<&str>, name: &str) -> Option<(Expr, ExprType)> {
    // The name as an expression of the enclosing query.
    let (there, ty) = match lookup_in(outer.scope, table, name).as_slice() {
        [i] => {
            outer.refs.borrow_mut().names_row = true;
            (Expr::Column(*i), outer.scope.columns[*i].ty)
        }
        _ => outer_value(outer.parent?, table, name)?,
    };
    Some((passed_in(outer, there, ty), ty))
}

/// Prepared-statement parameter `i` inside the subquery `outer` encloses: the enclosing
/// statement's parameter, passed down as an argument.
fn outer_param(outer: &OuterRow<'_>, i: usize, ty: ExprType) -> Expr {
    let there = match outer.parent {
        Some(parent) => outer_param(parent, i, ty),
        None => Expr::Param(i),
    };
    passed_in(outer, there, ty)
}

/// `there`, an expression of the query enclosing `outer`'s subquery, as seen from inside it.
fn passed_in(outer: &OuterRow<'_>, there: Expr, ty: ExprType) -> Expr {
    match outer.columns_at {
        // Flattened: the enclosing row follows the subquery's own columns.
        Some(at) => there.map_columns(&|c| Some(at + c)).unwrap_or(there),
        None => Expr::Param(outer.refs.borrow_mut().slot(there, ty)),
    }
}

/// The column type a scalar subquery reports: BIGINT for a COUNT, else a string.
fn scalar_subquery_type(q: &ast::Query) -> ExprType {
    if let ast::SetExpr::Select(s) = q.body.as_ref() {
        if let [ast::SelectItem::UnnamedExpr(ast::Expr::Function(f))
        | ast::SelectItem::ExprWithAlias { expr: ast::Expr::Function(f), .. }] =
            s.projection.as_slice()
        {
            if f.name.to_string().eq_ignore_ascii_case("count") {
                return ExprType::of(FieldType::LongLong, true);
            }
        }
    }
    ExprType::of(FieldType::VarString, true)
}

fn cast_type(dt: &DataType) -> Result<CastType> {
    use sqlparser::ast::CharacterLength;
    let len = |l: &Option<CharacterLength>| match l {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
        _ => None,
    };
    Ok(match dt {
        DataType::Char(l)
        | DataType::Character(l)
        | DataType::Varchar(l)
        | DataType::Nvarchar(l) => CastType::Char(len(l)),
        DataType::Binary(n) => CastType::Binary(n.map(|n| n as u32)),
        DataType::Signed | DataType::SignedInteger => CastType::Signed,
        DataType::Unsigned | DataType::UnsignedInteger => CastType::Unsigned,
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float(_) | DataType::Real => {
            CastType::Double
        }
        DataType::Decimal(info) | DataType::Numeric(info) | DataType::Dec(info) => {
            let (p, s) = crate::executor::decimal_precision(info)?;
            CastType::Decimal(p, s)
        }
        DataType::Date => CastType::Date,
        DataType::Datetime(fsp) => CastType::DateTime(fsp.unwrap_or(0).min(6) as u8),
        DataType::Time(fsp, _) => CastType::Time(fsp.unwrap_or(0).min(6) as u8),
        other => return Err(unsupported(format!("CAST to {other}"))),
    })
}

fn merge_types(a: Option<ExprType>, b: ExprType) -> ExprType {
    match a {
        None => b,
        Some(a) if a.field_type == b.field_type || b.field_type == FieldType::Null => {
            let scale = if b.field_type == FieldType::Null { a.scale } else { max_scale(a, b) };
            ExprType { nullable: a.nullable || b.nullable, scale, ..a }
        }
        Some(a) if a.field_type == FieldType::Null => ExprType { nullable: true, ..b },
        Some(a) => {
            let mut t = ExprType::of(
                crate::expr::aggregate_field_type(a.field_type, b.field_type),
                a.nullable || b.nullable,
            );
            if t.field_type == FieldType::NewDecimal {
                t.scale = max_scale(a, b);
            }
            t
        }
    }
}

/// The larger scale of two exact types (unknown if either is).
fn max_scale(a: ExprType, b: ExprType) -> Option<u8> {
    Some(a.scale?.max(b.scale?))
}

/// A CASE/IF/IFNULL/COALESCE/GREATEST/LEAST result as its aggregated type makes it, as
/// MySQL: typed DECIMAL with a known scale, shown with that many digits (an integer branch's
/// `0` as `0.00`); typed DOUBLE, a double (a DECIMAL branch's `12345678.90` as `12345678.9`).
fn with_result_scale(e: Expr, ty: ExprType) -> Expr {
    match (ty.field_type, ty.scale) {
        (FieldType::NewDecimal, Some(s)) => Expr::Func {
            func: Func::PadScale,
            args: vec![e, Expr::Literal(Value::Int(i64::from(s)))],
        },
        (FieldType::Double, _) => Expr::Cast { arg: e.into(), target: CastType::Double },
        _ => e,
    }
}

/// The wire type that describes a runtime value.
pub(crate) fn value_type(v: &Value) -> FieldType {
    match v {
        Value::Null => FieldType::Null,
        Value::Int(_) | Value::UInt(_) => FieldType::LongLong,
        Value::Double(_) => FieldType::Double,
        Value::Decimal(_) => FieldType::NewDecimal,
        Value::Temporal(t) => match t.kind {
            types::TemporalKind::Date => FieldType::Date,
            types::TemporalKind::DateTime => FieldType::DateTime,
            types::TemporalKind::Timestamp => FieldType::Timestamp,
        },
        Value::Time(_) => FieldType::Time,
        Value::String(_) | Value::Bytes(_) => FieldType::VarString,
    }
}

/// `DATE '2024-01-31'`, `TIMESTAMP '…'` / `DATETIME '…'`, `TIME '…'`: a temporal constant, or
/// 1525 when the text is not one.
fn typed_literal(ts: &ast::TypedString) -> Result<(Expr, ExprType)> {
    use types::{Duration, Temporal, TemporalKind};
    let text = match &ts.value.value {
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
        other => other.to_string(),
    };
    let bad = |kind: &str| Error::fmt(errno::ER_WRONG_VALUE, &[&kind, &text]);
    let (value, ft) = match &ts.data_type {
        DataType::Date => (
            Value::Temporal(Temporal::parse(TemporalKind::Date, &text).ok_or_else(|| bad("DATE"))?),
            FieldType::Date,
        ),
        DataType::Timestamp(..) | DataType::Datetime(_) => (
            Value::Temporal(
                Temporal::parse(TemporalKind::DateTime, &text).ok_or_else(|| bad("DATETIME"))?,
            ),
            FieldType::DateTime,
        ),
        DataType::Time(..) => {
            (Value::Time(Duration::parse(&text).ok_or_else(|| bad("TIME"))?), FieldType::Time)
        }
        other => return Err(unsupported(format!("{other} literals"))),
    };
    Ok((Expr::Literal(value), ExprType::of(ft, false)))
}

fn literal(v: &ast::Value) -> (Expr, ExprType) {
    let value = match v {
        ast::Value::Number(n, _) => {
            if let Ok(i) = n.parse::<i64>() {
                Value::Int(i)
            } else if let Ok(u) = n.parse::<u64>() {
                Value::UInt(u)
            } else if !n.contains(['e', 'E']) {
                // `1.5` is an exact DECIMAL literal in MySQL; `1e3` is a DOUBLE.
                match n.parse::<types::Decimal>() {
                    Ok(d) => Value::Decimal(d),
                    Err(_) => Value::Double(n.parse().unwrap_or(0.0)),
                }
            } else {
                Value::Double(n.parse().unwrap_or(0.0))
            }
        }
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
            match crate::frontend::text::literal_bytes(s) {
                Some(b) => Value::Bytes(b),
                None => Value::String(s.clone()),
            }
        }
        ast::Value::Boolean(b) => Value::Int(i64::from(*b)),
        ast::Value::HexStringLiteral(h) => Value::Bytes(hex_bytes(h)),
        ast::Value::Null => Value::Null,
        other => Value::String(other.to_string()),
    };
    let mut ty = ExprType::of(value_type(&value), value.is_null());
    if let Value::Decimal(d) = &value {
        ty.scale = u8::try_from(d.scale()).ok();
    }
    if let Value::String(s) = &value {
        ty.length = s.chars().count() as u32;
    }
    (Expr::Literal(value), ty)
}

fn hex_bytes(h: &str) -> Vec<u8> {
    let padded = if h.len() % 2 == 1 { format!("0{h}") } else { h.to_string() };
    (0..padded.len() / 2)
        .filter_map(|i| u8::from_str_radix(padded.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// For a row IN list of at least [`MIN_INDEXED`] rows bound as `or` — one AND of
/// `argument = literal` per row, the same arguments in each — the arguments and the rows'
/// literals, indexed ([`ConstSet`]). `None` when any row holds something else.
fn literal_rows(or: &Expr) -> Option<(Vec<Expr>, std::sync::Arc<ConstSet>)> {
    let branches = bound_chain(or, BinaryOp::Or);
    if branches.len() < MIN_INDEXED {
        return None;
    }
    let mut args: Vec<Expr> = Vec::new();
    let mut rows = Vec::with_capacity(branches.len());
    for (n, branch) in branches.into_iter().enumerate() {
        let parts = bound_chain(branch, BinaryOp::And);
        if n > 0 && parts.len() != args.len() {
            return None;
        }
        let mut row = Vec::with_capacity(parts.len());
        for (i, part) in parts.into_iter().enumerate() {
            let Expr::Binary { op: BinaryOp::Eq, left, right } = part else { return None };
            let Expr::Literal(v) = &**right else { return None };
            if n == 0 {
                args.push((**left).clone());
            } else if args.get(i) != Some(&**left) {
                return None;
            }
            row.push(v.clone());
        }
        rows.push(row);
    }
    Some((args, ConstSet::new(rows)))
}

#[cfg(test)]
mod tests {
    use types::Value;

    use super::*;

    fn eq(c: usize, v: Value) -> Expr {
        Expr::Binary {
            op: BinaryOp::Eq,
            left: Box::new(Expr::Column(c)),
            right: Box::new(Expr::Literal(v)),
        }
    }

    fn join(op: BinaryOp, parts: Vec<Expr>) -> Expr {
        parts
            .into_iter()
            .reduce(|a, b| Expr::Binary { op, left: Box::new(a), right: Box::new(b) })
            .expect("parts")
    }

    fn rows(n: i64, odd: Option<Expr>) -> Expr {
        let mut branches: Vec<Expr> = (0..n)
            .map(|i| join(BinaryOp::And, vec![eq(0, Value::Int(i)), eq(1, Value::Int(i * 10))]))
            .collect();
        if let Some(o) = odd {
            branches.push(o);
        }
        join(BinaryOp::Or, branches)
    }

    #[test]
    fn literal_row_lists_are_indexed_from_their_or_form() {
        let (args, set) = literal_rows(&rows(8, None)).expect("indexed");
        assert_eq!(args, vec![Expr::Column(0), Expr::Column(1)]);
        assert_eq!(set.contains(&[Value::Int(3), Value::Int(30)]), Some(true));
        assert_eq!(set.contains(&[Value::Int(3), Value::Int(31)]), Some(false));
        // Too short, a row over other arguments, or of another width: left as the OR.
        assert!(literal_rows(&rows(7, None)).is_none());
        let other = join(BinaryOp::And, vec![eq(0, Value::Int(1)), eq(2, Value::Int(1))]);
        assert!(literal_rows(&rows(8, Some(other))).is_none());
        assert!(literal_rows(&rows(8, Some(eq(0, Value::Int(1))))).is_none());
        let computed = Expr::Binary {
            op: BinaryOp::Eq,
            left: Box::new(Expr::Column(0)),
            right: Box::new(Expr::Column(1)),
        };
        let odd = join(BinaryOp::And, vec![computed, eq(1, Value::Int(1))]);
        assert!(literal_rows(&rows(8, Some(odd))).is_none());
    }
}
