//! Decorrelating a subquery whose only ties to the outer row are equalities in its WHERE
//! clause (`inner_expr = outer.col`): it runs **once**, without those equalities, with the
//! inner sides added in front of its select list (and to GROUP BY when it aggregates), and
//! its rows are grouped by them. Each outer row then finds its rows by key — a hash join of
//! the outer query with the subquery's result, as TiDB gets by rewriting `Apply` to a join
//! (TPC-H q2, q17, q20, q22: EXISTS, IN and aggregating scalar subqueries).
//!
//! ```text
//!   (SELECT SUM(l.q) FROM l WHERE l.p = outer.p AND l.d > 5)
//!     ⇒ SELECT l.p, SUM(l.q) FROM l WHERE l.d > 5 GROUP BY l.p     -- once
//!     ⇒ per outer row: the row for key outer.p, else SUM over no rows (NULL)
//! ```
//!
//! It applies only when the subquery reads stored tables, has no LIMIT or WITH, and every
//! other outer reference is gone once the equalities are removed (the rewritten query must
//! run without the outer row) — and not when a key is a column its table is indexed by
//! (handle or an index's first column): then each outer row's run is an index lookup, which
//! beats reading the whole table once when few outer rows ask (TPC-H q2, q4). Keys compare as the join's hash keys do; an outer value of
//! another comparison class than the grouped keys runs the subquery itself for that row.

use std::{collections::HashMap, rc::Rc};

use errno::Result;
use sqlparser::ast::{self, Query, SetExpr, TableFactor};
use types::Value;

use super::{
    query::{execute_table_query, QueryEnv},
    table_name,
};
use crate::{
    binder::{bind_expr_in, is_aggregate, OuterRefs, OuterRow, Scope},
    expr::hash_key::{key_bytes, KeyBytes},
    memory::Charge,
};

/// A decorrelated subquery's rows, by key.
pub(super) struct Grouped {
    /// Positions in the outer row of the values the keys must equal.
    outer_columns: Vec<usize>,
    /// Rows per encoded key.
    rows: HashMap<Vec<u8>, Rc<Vec<Vec<Value>>>>,
    /// The rows for a key nothing matched (an aggregate's row over no rows, or none).
    empty: Rc<Vec<Vec<Value>>>,
    /// The keys' comparison classes (`None`: no rows, any key finds nothing).
    classes: Option<Vec<u8>>,
    /// What the rows hold of the statement's memory.
    _held: Charge,
}

impl Grouped {
    /// The subquery's rows for `outer`, or `None` when its key cannot be looked up (the caller
    /// runs the subquery for this row).
    pub fn rows_for(&self, outer: &[Value]) -> Option<Rc<Vec<Vec<Value>>>> {
        let values: Vec<&Value> =
            self.outer_columns.iter().map(|&c| outer.get(c).unwrap_or(&Value::Null)).collect();
        match key_bytes(values.into_iter()) {
            KeyBytes::Null => Some(self.empty.clone()),
            KeyBytes::Other => None,
            KeyBytes::Key(k, classes) => match &self.classes {
                None => Some(self.empty.clone()),
                Some(c) if *c != classes => None,
                Some(_) => Some(self.rows.get(&k).cloned().unwrap_or_else(|| self.empty.clone())),
            },
        }
    }
}

/// Splits `a AND b AND …` (iteratively).
fn conjuncts(e: &ast::Expr) -> Vec<&ast::Expr> {
    let (mut out, mut todo) = (Vec::new(), vec![e]);
    while let Some(e) = todo.pop() {
        match e {
            ast::Expr::BinaryOp { left, op: ast::BinaryOperator::And, right } => {
                todo.push(right);
                todo.push(left);
            }
            ast::Expr::Nested(inner) => todo.push(inner),
            other => out.push(other),
        }
    }
    out
}

/// The subquery's own tables; `None` unless every source is a stored table (not a view,
/// derived table or function).
fn inner_tables(env: &QueryEnv<'_, '_, '_>, select: &ast::Select) -> Option<Vec<Inner>> {
    let mut out = Vec::new();
    let factors = select.from.iter().flat_map(|twj| {
        std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
    });
    for f in factors {
        let TableFactor::Table { name, alias, args: None, .. } = f else { return None };
        let (db, t) = table_name(env.ctx, name).ok()?;
        let table = env.catalog.schema().table(&db, &t).ok()?.clone();
        if table.view.is_some() {
            return None;
        }
        let alias = alias.as_ref().map_or(table.name.clone(), |a| a.name.value.clone());
        let names = table.columns.iter().map(|c| c.name.clone()).collect();
        let indexed = table
            .handle_column()
            .into_iter()
            .chain(table.readable_indexes().filter_map(|i| i.columns.first().copied()))
            .filter_map(|c| table.columns.get(c).map(|col| col.name.clone()))
            .collect();
        out.push((alias, names, indexed));
    }
    Some(out)
}

/// One of the subquery's tables: alias, column names, indexed column names.
type Inner = (String, Vec<String>, Vec<String>);

/// Whether `e` is a bare column that leads an index of its table (or is its handle).
fn indexed_column(e: &ast::Expr, tables: &[Inner]) -> bool {
    let has = |cols: &Vec<String>, c: &str| cols.iter().any(|n| n.eq_ignore_ascii_case(c));
    match e {
        ast::Expr::Nested(inner) => indexed_column(inner, tables),
        ast::Expr::Identifier(id) => tables.iter().any(|(_, _, ix)| has(ix, &id.value)),
        ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let q = &parts[parts.len() - 2].value;
            let c = &parts[parts.len() - 1].value;
            tables.iter().any(|(a, _, ix)| a.eq_ignore_ascii_case(q) && has(ix, c))
        }
        _ => false,
    }
}

/// Whether every column `e` names is one of the subquery's own (and it holds no subquery).
fn names_only_inner(e: &ast::Expr, tables: &[Inner]) -> bool {
    use std::ops::ControlFlow;
    let has = |cols: &Vec<String>, c: &str| cols.iter().any(|n| n.eq_ignore_ascii_case(c));
    ast::visit_expressions(e, |x| {
        let ok = match x {
            ast::Expr::Subquery(_)
            | ast::Expr::Exists { .. }
            | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => false,
            ast::Expr::Identifier(id) => tables.iter().any(|(_, cols, _)| has(cols, &id.value)),
            ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let q = &parts[parts.len() - 2].value;
                let c = &parts[parts.len() - 1].value;
                tables.iter().any(|(a, cols, _)| a.eq_ignore_ascii_case(q) && has(cols, c))
            }
            _ => true,
        };
        if ok {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })
    .is_continue()
}

/// The outer-row position a bare column reference names, if it names one outer column.
fn outer_column(
    env: &QueryEnv<'_, '_, '_>,
    e: &ast::Expr,
    tables: &[Inner],
    outer: &OuterRow<'_>,
) -> Option<usize> {
    let e = match e {
        ast::Expr::Nested(inner) => inner,
        other => other,
    };
    if !matches!(e, ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_))
        || names_only_inner(e, tables)
    {
        return None;
    }
    let refs = std::cell::RefCell::new(OuterRefs::default());
    let recorded = OuterRow { refs: Some(&refs), ..*outer };
    bind_expr_in(e, &Scope::default(), env.ctx, "where clause", Some(&recorded)).ok()?;
    let refs = refs.into_inner();
    match (refs.columns.as_slice(), refs.deeper) {
        ([c], false) => Some(*c),
        _ => None,
    }
}

/// Whether the select list or HAVING calls an aggregate.
fn aggregates(select: &ast::Select) -> bool {
    use std::ops::ControlFlow;
    let mut found = false;
    let mut look = |e: &ast::Expr| {
        let _ = ast::visit_expressions(e, |x| {
            if let ast::Expr::Function(f) = x {
                if is_aggregate(&f.name.to_string()) {
                    found = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
    };
    for item in &select.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                look(e)
            }
            _ => {}
        }
    }
    if let Some(h) = &select.having {
        look(h);
    }
    found
}

/// Runs `query` once, decorrelated (see the module documentation); `None` when it does not
/// qualify or its rows cannot be grouped by key (the caller runs it per outer row). Under
/// `EXISTS` a plain query keeps only its distinct keys.
pub(super) fn group(
    env: &QueryEnv<'_, '_, '_>,
    query: &Query,
    outer: &OuterRow<'_>,
    exists: bool,
) -> Result<Option<Grouped>> {
    let SetExpr::Select(select) = &*query.body else { return Ok(None) };
    if query.with.is_some()
        || query.limit_clause.is_some()
        || query.fetch.is_some()
        || !query.locks.is_empty()
        || select.selection.is_none()
    {
        return Ok(None);
    }
    let Some(tables) = inner_tables(env, select) else { return Ok(None) };
    let mut keys: Vec<ast::Expr> = Vec::new();
    let mut outer_columns = Vec::new();
    let mut rest: Vec<ast::Expr> = Vec::new();
    for c in select.selection.iter().flat_map(conjuncts) {
        if let ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right } = c {
            let found =
                [(&**left, &**right), (&**right, &**left)].into_iter().find_map(|(i, o)| {
                    let col = outer_column(env, o, &tables, outer)?;
                    names_only_inner(i, &tables).then(|| (i.clone(), col))
                });
            if let Some((inner, col)) = found {
                keys.push(inner);
                outer_columns.push(col);
                continue;
            }
        }
        rest.push(c.clone());
    }
    if keys.is_empty() || keys.iter().any(|k| indexed_column(k, &tables)) {
        return Ok(None);
    }
    let aggregated = aggregates(select);
    if select.having.is_some()
        && !aggregated
        && matches!(&select.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
    {
        return Ok(None);
    }
    let where_ = rest.into_iter().reduce(|a, b| ast::Expr::BinaryOp {
        left: Box::new(a),
        op: ast::BinaryOperator::And,
        right: Box::new(b),
    });
    let mut grouped = select.clone();
    grouped.selection = where_.clone();
    let mut projection: Vec<ast::SelectItem> =
        keys.iter().map(|k| ast::SelectItem::UnnamedExpr(k.clone())).collect();
    let ast::GroupByExpr::Expressions(by, _) = &mut grouped.group_by else { return Ok(None) };
    if exists && !aggregated && by.is_empty() && grouped.having.is_none() {
        grouped.distinct = Some(ast::Distinct::Distinct);
        grouped.projection.clear();
    }
    projection.append(&mut grouped.projection);
    grouped.projection = projection;
    if aggregated || !by.is_empty() {
        let mut all = keys.clone();
        all.append(by);
        *by = all;
    }
    let once = Query { body: Box::new(SetExpr::Select(grouped)), order_by: None, ..query.clone() };
    let Ok(rs) = execute_table_query(env, &once, "", None) else { return Ok(None) };
    // An aggregate without GROUP BY answers one row even over no rows: what a key with no
    // partners gets.
    let empty = if aggregated
        && matches!(&select.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
    {
        let mut none = (**select).clone();
        none.selection = Some(ast::Expr::Value(ast::Value::Boolean(false).into()));
        let q = Query {
            body: Box::new(SetExpr::Select(Box::new(none))),
            order_by: None,
            ..query.clone()
        };
        match execute_table_query(env, &q, "", None) {
            Ok(rs) => rs.rows,
            Err(_) => return Ok(None),
        }
    } else {
        Vec::new()
    };
    let n = keys.len();
    let mut held = Charge::new(&env.mem);
    let mut rows: HashMap<Vec<u8>, Vec<Vec<Value>>> = HashMap::new();
    let mut classes: Option<Vec<u8>> = None;
    for mut r in rs.rows {
        if r.len() < n {
            return Ok(None);
        }
        let (k, c) = match key_bytes(r[..n].iter()) {
            KeyBytes::Null => continue,
            KeyBytes::Other => return Ok(None),
            KeyBytes::Key(k, c) => (k, c),
        };
        match &classes {
            None => classes = Some(c),
            Some(seen) if *seen != c => return Ok(None),
            Some(_) => {}
        }
        let rest = r.split_off(n);
        if held.add_row(&rest).and_then(|()| held.add(k.len() + 48)).is_err() {
            return Ok(None);
        }
        rows.entry(k).or_default().push(rest);
    }
    let rows = rows.into_iter().map(|(k, v)| (k, Rc::new(v))).collect();
    Ok(Some(Grouped { outer_columns, rows, empty: Rc::new(empty), classes, _held: held }))
}
