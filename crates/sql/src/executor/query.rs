//! `SELECT` from one table: access path (point get, unique-index lookup or full scan), filter,
//! locking reads, aggregates, ordering, limit, projection.
//!
//! Joins, GROUP BY and subqueries arrive with the planner; until then they are reported as not
//! supported (1235), never answered wrongly.

use std::cmp::Ordering;

use catalog::{Catalog, ColumnInfo, TableInfo};
use errno::{Error, Result, ER_MIX_OF_GROUP_FUNC_AND_FIELDS, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{
    self, FunctionArg, FunctionArgExpr, FunctionArguments, OrderByKind, Query, SelectItem, SetExpr,
    TableFactor,
};
use types::{ColumnFlags, FieldType, ResultColumn, Value};

use super::{
    select::{limit_offset, result_column, source_text},
    table_name,
};
use crate::{
    binder::{bind_expr, Scope, ScopeColumn},
    context::SessionCtx,
    expr::{compare, EvalCtx, Expr, ExprType, Truth},
    result::{ExecResult, ResultSet},
    stmt_txn::StmtTxn,
    table::{self, Row},
};

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// A result column describing a table column.
pub fn table_column(
    db: &str,
    alias: &str,
    _name: &str,
    c: &ColumnInfo,
    t: &TableInfo,
) -> ResultColumn {
    let mut flags = 0u16;
    if c.not_null {
        flags |= ColumnFlags::NOT_NULL;
    }
    if c.ty.unsigned {
        flags |= ColumnFlags::UNSIGNED;
    }
    if c.auto_increment {
        flags |= ColumnFlags::AUTO_INCREMENT;
    }
    if c.ty.is_integer() || matches!(c.ty.field_type(), FieldType::Float | FieldType::Double) {
        flags |= ColumnFlags::NUM;
    }
    if c.ty.is_binary() {
        flags |= ColumnFlags::BINARY;
    }
    if matches!(c.ty.field_type(), FieldType::Blob) {
        flags |= ColumnFlags::BLOB;
    }
    if let Some(offset) = t.columns.iter().position(|x| x.id == c.id) {
        for i in &t.indexes {
            if i.columns.first() == Some(&offset) {
                flags |= if i.primary {
                    ColumnFlags::PRI_KEY
                } else if i.unique {
                    ColumnFlags::UNIQUE_KEY
                } else {
                    ColumnFlags::MULTIPLE_KEY
                };
            }
        }
    }
    ResultColumn {
        schema: db.to_string(),
        table: alias.to_string(),
        org_table: t.name.clone(),
        name: c.name.clone(),
        org_name: c.name.clone(),
        charset: c.ty.charset(),
        length: c.ty.display_length(),
        field_type: c.ty.field_type(),
        flags: ColumnFlags(flags),
        decimals: if matches!(c.ty.field_type(), FieldType::Float | FieldType::Double) {
            31
        } else {
            0
        },
    }
}

/// The columns of `t` as a binding scope qualified by `alias`.
pub fn table_scope(t: &TableInfo, alias: &str) -> Scope {
    Scope {
        columns: t
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: Some(alias.to_string()),
                name: c.name.clone(),
                ty: ExprType {
                    field_type: c.ty.field_type(),
                    nullable: !c.not_null,
                    length: c.ty.length,
                },
            })
            .collect(),
    }
}

/// An aggregate in the select list.
#[derive(Debug, Clone)]
enum Agg {
    CountStar,
    Count(Expr),
    Sum(Expr),
    Min(Expr),
    Max(Expr),
    Avg(Expr),
}

/// One output column: a plain expression or an aggregate.
enum Output {
    Expr(Expr),
    Agg(Agg),
}

fn aggregate(
    f: &ast::Function,
    scope: &Scope,
    ctx: &SessionCtx,
) -> Result<Option<(Agg, FieldType)>> {
    let name = f.name.to_string().to_ascii_uppercase();
    if !matches!(name.as_str(), "COUNT" | "SUM" | "MIN" | "MAX" | "AVG") {
        return Ok(None);
    }
    let FunctionArguments::List(list) = &f.args else {
        return Err(unsupported(format!("{name} without arguments")));
    };
    if list.duplicate_treatment.is_some() {
        return Err(unsupported(format!("{name}(DISTINCT …)")));
    }
    let arg = match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] if name == "COUNT" => {
            return Ok(Some((Agg::CountStar, FieldType::LongLong)))
        }
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => e,
        _ => return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name])),
    };
    let (e, ty) = bind_expr(arg, scope, ctx, "field list")?;
    Ok(Some(match name.as_str() {
        "COUNT" => (Agg::Count(e), FieldType::LongLong),
        "SUM" => (
            Agg::Sum(e),
            if ty.field_type == FieldType::Double {
                FieldType::Double
            } else {
                FieldType::NewDecimal
            },
        ),
        "MIN" => (Agg::Min(e), ty.field_type),
        "MAX" => (Agg::Max(e), ty.field_type),
        _ => (Agg::Avg(e), FieldType::Double),
    }))
}

fn run_agg(agg: &Agg, rows: &[Row], eval: &EvalCtx<'_>) -> Result<Value> {
    let vals = |e: &Expr| -> Result<Vec<Value>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let v = e.eval(&r.values, eval)?;
            if !v.is_null() {
                out.push(v);
            }
        }
        Ok(out)
    };
    Ok(match agg {
        Agg::CountStar => Value::Int(rows.len() as i64),
        Agg::Count(e) => Value::Int(vals(e)?.len() as i64),
        Agg::Sum(e) | Agg::Avg(e) => {
            let v = vals(e)?;
            if v.is_empty() {
                return Ok(Value::Null);
            }
            let all_int = v.iter().all(|x| matches!(x, Value::Int(_) | Value::UInt(_)));
            if all_int && matches!(agg, Agg::Sum(_)) {
                let s: i128 = v
                    .iter()
                    .map(|x| match x {
                        Value::UInt(u) => i128::from(*u),
                        other => i128::from(crate::expr::to_i64(other)),
                    })
                    .sum();
                return Ok(Value::String(s.to_string()));
            }
            let s: f64 = v.iter().map(crate::expr::to_f64).sum();
            if matches!(agg, Agg::Avg(_)) {
                Value::Double(s / v.len() as f64)
            } else {
                Value::Double(s)
            }
        }
        Agg::Min(e) | Agg::Max(e) => {
            let want = if matches!(agg, Agg::Min(_)) { Ordering::Less } else { Ordering::Greater };
            let mut best: Option<Value> = None;
            for v in vals(e)? {
                best = match best {
                    Some(b) if compare(&v, &b) != Some(want) => Some(b),
                    _ => Some(v),
                };
            }
            best.unwrap_or(Value::Null)
        }
    })
}

/// Splits `a AND b AND …` into its conjuncts.
fn conjuncts(e: &ast::Expr) -> Vec<&ast::Expr> {
    match e {
        ast::Expr::BinaryOp { left, op: ast::BinaryOperator::And, right } => {
            let mut v = conjuncts(left);
            v.extend(conjuncts(right));
            v
        }
        ast::Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

/// The column a simple reference names, if it is a column of `t` under `alias`.
fn column_ref(e: &ast::Expr, t: &TableInfo, alias: &str) -> Option<usize> {
    let name = match e {
        ast::Expr::Identifier(id) => &id.value,
        ast::Expr::CompoundIdentifier(parts) => {
            let n = parts.len();
            if n < 2 || !parts[n - 2].value.eq_ignore_ascii_case(alias) {
                return None;
            }
            &parts[n - 1].value
        }
        _ => return None,
    };
    t.column(name).map(|(i, _)| i)
}

/// Constant values for a column from `col = const` or `col IN (consts)` conjuncts.
fn equalities(
    pred: &ast::Expr,
    t: &TableInfo,
    alias: &str,
    ctx: &SessionCtx,
) -> Vec<(usize, Vec<Value>)> {
    let constant = |e: &ast::Expr| -> Option<Value> {
        let (x, _) = bind_expr(e, &Scope::default(), ctx, "where clause").ok()?;
        if !matches!(x, Expr::Literal(_)) {
            return None;
        }
        x.eval(&[], &EvalCtx { session: ctx }).ok()
    };
    let mut out = Vec::new();
    for c in conjuncts(pred) {
        match c {
            ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right } => {
                if let (Some(col), Some(v)) = (column_ref(left, t, alias), constant(right)) {
                    out.push((col, vec![v]));
                } else if let (Some(col), Some(v)) = (column_ref(right, t, alias), constant(left)) {
                    out.push((col, vec![v]));
                }
            }
            ast::Expr::In { expr, target: ast::InTarget::List(list), negated: false, .. } => {
                if let Some(col) = column_ref(expr, t, alias) {
                    let vals: Option<Vec<Value>> = list.iter().map(constant).collect();
                    if let Some(vals) = vals {
                        out.push((col, vals));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Fetches candidate rows: by handle, by a unique index, or by a full scan. The caller still
/// applies the whole WHERE clause; this only narrows what is read.
pub fn fetch_rows(
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    alias: &str,
    pred: Option<&ast::Expr>,
    ctx: &SessionCtx,
) -> Result<Vec<Row>> {
    if let Some(pred) = pred {
        let eqs = equalities(pred, t, alias, ctx);
        let convert =
            |col: usize, v: &Value| crate::convert::to_column(v.clone(), &t.columns[col], 1).ok();
        if let Some(hcol) = t.handle_column() {
            if let Some((_, vals)) = eqs.iter().find(|(c, _)| *c == hcol) {
                let mut rows = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for v in vals {
                    let handle = match convert(hcol, v) {
                        Some(Value::Int(h)) => h,
                        Some(Value::UInt(h)) => h as i64,
                        _ => continue, // no row can match a value the column cannot hold
                    };
                    if seen.insert(handle) {
                        rows.extend(table::get_row(st, t, handle)?);
                    }
                }
                return Ok(rows);
            }
        }
        for idx in t.stored_indexes().filter(|i| i.unique) {
            let mut key = Vec::with_capacity(idx.columns.len());
            for &c in &idx.columns {
                match eqs.iter().find(|(col, vals)| *col == c && vals.len() == 1) {
                    Some((_, vals)) => match convert(c, &vals[0]) {
                        Some(v) if !v.is_null() => key.push(v),
                        _ => break,
                    },
                    None => break,
                }
            }
            if key.len() == idx.columns.len() {
                return Ok(match table::unique_lookup(st, t, idx, &key)? {
                    Some(h) => table::get_row(st, t, h)?.into_iter().collect(),
                    None => Vec::new(),
                });
            }
        }
    }
    table::scan_rows(st, t)
}

/// Keeps the rows for which `pred` is true.
pub fn filter(rows: Vec<Row>, pred: Option<&Expr>, eval: &EvalCtx<'_>) -> Result<Vec<Row>> {
    let Some(p) = pred else { return Ok(rows) };
    let mut kept = Vec::with_capacity(rows.len());
    for r in rows {
        if p.eval(&r.values, eval)?.truth() == Some(true) {
            kept.push(r);
        }
    }
    Ok(kept)
}

/// Locks the rows' keys and returns their newest committed versions that still match.
pub fn lock_rows(
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    rows: Vec<Row>,
    pred: Option<&Expr>,
    eval: &EvalCtx<'_>,
) -> Result<Vec<Row>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let keys: Vec<Vec<u8>> = rows.iter().map(|r| table::row_key(t, r.handle)).collect();
    let latest = st.lock(&keys)?;
    let mut out = Vec::with_capacity(rows.len());
    for (r, v) in rows.into_iter().zip(latest) {
        if let Some(raw) = v {
            out.push(table::decode_row(t, r.handle, &raw)?);
        }
    }
    filter(out, pred, eval)
}

/// Sorts rows by ORDER BY keys (NULLs first ascending, last descending, as MySQL).
pub fn sort_rows(rows: &mut [Row], keys: &[(Expr, bool)], eval: &EvalCtx<'_>) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut decorated: Vec<(Vec<Value>, usize)> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let k = keys.iter().map(|(e, _)| e.eval(&r.values, eval)).collect::<Result<Vec<_>>>()?;
        decorated.push((k, i));
    }
    decorated.sort_by(|(a, _), (b, _)| {
        for ((x, y), (_, asc)) in a.iter().zip(b).zip(keys) {
            let o = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => compare(x, y).unwrap_or(Ordering::Equal),
            };
            let o = if *asc { o } else { o.reverse() };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let order: Vec<usize> = decorated.into_iter().map(|(_, i)| i).collect();
    let snapshot: Vec<Row> = rows.to_vec();
    for (slot, i) in rows.iter_mut().zip(order) {
        *slot = snapshot[i].clone();
    }
    Ok(())
}

/// Binds ORDER BY items: a select-list alias, a 1-based position, or an expression.
pub fn order_keys(
    q: &Query,
    scope: &Scope,
    ctx: &SessionCtx,
    aliases: &[(String, Option<Expr>)],
) -> Result<Vec<(Expr, bool)>> {
    let Some(ob) = &q.order_by else { return Ok(Vec::new()) };
    let OrderByKind::Expressions(items) = &ob.kind else {
        return Err(unsupported("ORDER BY ALL"));
    };
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        let asc = !matches!(item.options.sort, Some(ast::OrderBySort::Desc));
        let by_alias = match &item.expr {
            ast::Expr::Identifier(id) => aliases
                .iter()
                .find(|(a, e)| e.is_some() && a.eq_ignore_ascii_case(&id.value))
                .and_then(|(_, e)| e.clone()),
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => {
                    let pos: usize = n.parse().unwrap_or(0);
                    match aliases.get(pos.wrapping_sub(1)) {
                        Some((_, Some(e))) => Some(e.clone()),
                        _ => return Err(Error::fmt(errno::ER_BAD_FIELD, &[n, &"order clause"])),
                    }
                }
                _ => None,
            },
            _ => None,
        };
        let e = match by_alias {
            Some(e) => e,
            None => bind_expr(&item.expr, scope, ctx, "order clause")?.0,
        };
        keys.push((e, asc));
    }
    Ok(keys)
}

/// Executes a SELECT over one table.
pub fn execute_table_query(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    q: &Query,
    text: &str,
) -> Result<ExecResult> {
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err(unsupported("UNION / set operations"));
    };
    let [from] = select.from.as_slice() else {
        return Err(unsupported("joins"));
    };
    if !from.joins.is_empty() {
        return Err(unsupported("joins"));
    }
    let TableFactor::Table { name, alias, .. } = &from.relation else {
        return Err(unsupported("derived tables"));
    };
    if !matches!(&select.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
        || select.having.is_some()
    {
        return Err(unsupported("GROUP BY / HAVING"));
    }
    if select.distinct.is_some() {
        return Err(unsupported("SELECT DISTINCT"));
    }
    let (db, tname) = table_name(ctx, name)?;
    let schema = catalog.schema();
    let t = schema.table(&db, &tname)?.clone();
    let alias = alias.as_ref().map_or(t.name.clone(), |a| a.name.value.clone());
    let scope = table_scope(&t, &alias);

    // Select list: wildcards expand to the table's columns.
    let mut outputs: Vec<(ResultColumn, Output)> = Vec::new();
    let mut aliases: Vec<(String, Option<Expr>)> = Vec::new();
    for item in &select.projection {
        let (e, name) = match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                for (i, c) in t.columns.iter().enumerate() {
                    outputs.push((
                        table_column(&db, &alias, &t.name, c, &t),
                        Output::Expr(Expr::Column(i)),
                    ));
                    aliases.push((c.name.clone(), Some(Expr::Column(i))));
                }
                continue;
            }
            SelectItem::UnnamedExpr(e) => (e, source_text(text, e)),
            SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
            other => return Err(unsupported(other)),
        };
        if let ast::Expr::Function(f) = e {
            if let Some((agg, ft)) = aggregate(f, &scope, ctx)? {
                let mut rc = ResultColumn::expr(&name, ft);
                if matches!(agg, Agg::CountStar | Agg::Count(_)) {
                    rc.flags.0 |= ColumnFlags::NOT_NULL;
                }
                outputs.push((rc, Output::Agg(agg)));
                aliases.push((name, None));
                continue;
            }
        }
        let (bound, ty) = bind_expr(e, &scope, ctx, "field list")?;
        let rc = match &bound {
            Expr::Column(i) => {
                let mut c = table_column(&db, &alias, &t.name, &t.columns[*i], &t);
                c.name = name.clone();
                c
            }
            _ => result_column(&name, &ty),
        };
        aliases.push((name, Some(bound.clone())));
        outputs.push((rc, Output::Expr(bound)));
    }
    let has_agg = outputs.iter().any(|(_, o)| matches!(o, Output::Agg(_)));
    if has_agg && outputs.iter().any(|(_, o)| matches!(o, Output::Expr(e) if !e.is_constant())) {
        return Err(Error::fmt(ER_MIX_OF_GROUP_FUNC_AND_FIELDS, &[]));
    }

    let pred =
        select.selection.as_ref().map(|w| bind_expr(w, &scope, ctx, "where clause")).transpose()?;
    let eval = EvalCtx { session: ctx };
    let rows = fetch_rows(st, &t, &alias, select.selection.as_ref(), ctx)?;
    let mut rows = filter(rows, pred.as_ref().map(|(e, _)| e), &eval)?;
    if !q.locks.is_empty() {
        rows = lock_rows(st, &t, rows, pred.as_ref().map(|(e, _)| e), &eval)?;
    }

    let columns: Vec<ResultColumn> = outputs.iter().map(|(c, _)| c.clone()).collect();
    let (limit, offset) = limit_offset(ctx, q.limit_clause.as_ref())?;
    if has_agg {
        let mut row = Vec::with_capacity(outputs.len());
        for (_, o) in &outputs {
            row.push(match o {
                Output::Agg(a) => run_agg(a, &rows, &eval)?,
                Output::Expr(e) => e.eval(&[], &eval)?,
            });
        }
        let rows = if offset == 0 && limit != Some(0) { vec![row] } else { Vec::new() };
        return Ok(ExecResult::Rows(ResultSet { columns, rows }));
    }
    let keys = order_keys(q, &scope, ctx, &aliases)?;
    sort_rows(&mut rows, &keys, &eval)?;
    let selected = rows.into_iter().skip(offset).take(limit.unwrap_or(usize::MAX));
    let mut out = Vec::new();
    for r in selected {
        let mut vals = Vec::with_capacity(outputs.len());
        for (_, o) in &outputs {
            if let Output::Expr(e) = o {
                vals.push(e.eval(&r.values, &eval)?);
            }
        }
        out.push(vals);
    }
    Ok(ExecResult::Rows(ResultSet { columns, rows: out }))
}
