//! Multi-table UPDATE and DELETE, as MySQL has them:
//!
//! ```text
//!   UPDATE a JOIN b ON … SET a.x = b.y, b.z = 1 WHERE …
//!   DELETE a, b FROM a JOIN b ON … WHERE …        DELETE FROM a USING a JOIN b …
//! ```
//!
//! The FROM clause runs as a query — every join form, access path and subquery a SELECT has —
//! returning each target table's columns and the SET values per joined row. Each target row
//! changes once, with the values of the first joined row that names it (MySQL's rule). A row is
//! known by its values (a table's rows with equal values match a join alike); its handle comes
//! from the integer primary key or, without one, from a scan. Target rows are then locked and
//! re-read at their newest version: one another transaction changed after the statement's
//! snapshot fails the statement with 9007, to be retried, instead of being overwritten.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use catalog::{Catalog, TableInfo};
use errno::{Error, Result};
use sqlparser::ast::{self, AssignmentTarget, Delete, FromTable, Update, UpdateTableFromKind};
use types::Value;

use super::{
    access::Access,
    ops,
    query::{datum_key, execute_table_query_measured, resolve_from, QueryEnv},
    update::{updated, write_row},
};
use crate::{
    context::SessionCtx,
    convert::to_column,
    expr::EvalCtx,
    planner::Plan,
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
    table::dml::delete_row,
    table::fk,
    table::Row,
};

/// Whether an UPDATE names more than one table.
pub fn is_multi_update(up: &Update) -> bool {
    !up.table.joins.is_empty() || up.from.is_some()
}

/// Whether a DELETE names more than one table (or names its targets apart from FROM).
pub fn is_multi_delete(del: &Delete) -> bool {
    let from = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    !del.tables.is_empty()
        || del.using.is_some()
        || from.len() != 1
        || from.iter().any(|f| !f.joins.is_empty())
}

/// One table a statement changes.
pub(super) struct Target {
    table: Arc<TableInfo>,
    /// Its position among the FROM clause's sources.
    source: usize,
}

/// A target table's rows as the join found them: values, and per row the SET values of the
/// first joined row naming it.
struct Found {
    rows: Vec<(Vec<Value>, Vec<Value>)>,
}

fn wrong_usage(a: &str, b: &str) -> Error {
    Error::fmt(errno::ER_WRONG_USAGE, &[&a, &b])
}

/// The source named `name` (an alias, or a table name without one).
fn source_named(sources: &[super::Source], name: &ast::ObjectName, what: &str) -> Result<usize> {
    let parts = super::object_parts(name);
    let last = parts.last().cloned().unwrap_or_default();
    sources
        .iter()
        .position(|s| s.alias.eq_ignore_ascii_case(&last))
        .ok_or_else(|| Error::fmt(errno::ER_UNKNOWN_TABLE, &[&last, &format!("MULTI {what}")]))
}

/// Checks that source `i` is a stored table, and names it a target.
fn target_of(sources: &[super::Source], i: usize, what: &str) -> Result<Target> {
    let s = &sources[i];
    if s.computed.is_some() || s.table.view.is_some() {
        return Err(Error::fmt(errno::ER_NON_UPDATABLE_TABLE, &[&s.alias, &what]));
    }
    Ok(Target { table: s.table.clone(), source: i })
}

/// `SELECT <each target's columns>, <extra…> FROM from WHERE selection` as a query tree.
fn join_query(
    from: &[ast::TableWithJoins],
    selection: Option<&ast::Expr>,
    targets: &[&str],
    extra: &[&ast::Expr],
) -> Result<ast::Query> {
    let mut q = match crate::parse_statement("SELECT 1")? {
        ast::Statement::Query(q) => *q,
        _ => return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"this statement"])),
    };
    let ast::SetExpr::Select(select) = q.body.as_mut() else {
        return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"this statement"]));
    };
    select.projection = targets
        .iter()
        .map(|alias| {
            ast::SelectItem::QualifiedWildcard(
                ast::SelectItemQualifiedWildcardKind::ObjectName(ast::ObjectName::from(vec![
                    ast::Ident::with_quote('`', *alias),
                ])),
                ast::WildcardAdditionalOptions::default(),
            )
        })
        .chain(extra.iter().map(|e| ast::SelectItem::UnnamedExpr((*e).clone())))
        .collect();
    select.from = from.to_vec();
    select.selection = selection.cloned();
    Ok(q)
}

/// Runs the join and groups its rows by target: each target row once, with the extra values
/// of the first joined row that names it (`extra_of[t]`: which extra columns belong to target
/// `t`).
fn find(
    env: &QueryEnv<'_, '_, '_>,
    query: &ast::Query,
    widths: &[usize],
    extra_of: &[Vec<usize>],
    analysis: Option<&super::explain::Analysis>,
) -> Result<Vec<Found>> {
    let result = execute_table_query_measured(env, query, analysis)?;
    let extras_at: usize = widths.iter().sum();
    let mut found: Vec<Found> = widths.iter().map(|_| Found { rows: Vec::new() }).collect();
    let mut seen: Vec<HashSet<Vec<u8>>> = widths.iter().map(|_| HashSet::new()).collect();
    for row in result.rows {
        let mut at = 0;
        for (t, &w) in widths.iter().enumerate() {
            let values = row.get(at..at + w).map(<[Value]>::to_vec).unwrap_or_default();
            at += w;
            if !seen[t].insert(datum_key(&values)) {
                continue;
            }
            let extra =
                extra_of[t].iter().map(|&i| row.get(extras_at + i).cloned().unwrap_or(Value::Null));
            found[t].rows.push((values, extra.collect()));
        }
    }
    Ok(found)
}

/// Locks the rows of `t` with the values in `found` and re-reads them at their newest version
/// (9007 when another transaction changed one since the statement's snapshot); returns each
/// locked row with the index of its entry in `found`.
fn lock(
    env: &QueryEnv<'_, '_, '_>,
    t: &Arc<TableInfo>,
    found: &Found,
) -> Result<Vec<(Row, usize)>> {
    if found.rows.is_empty() {
        return Ok(Vec::new());
    }
    let index: HashMap<Vec<u8>, usize> =
        found.rows.iter().enumerate().map(|(i, (v, _))| (datum_key(v), i)).collect();
    let eval = EvalCtx { session: env.ctx, subqueries: Some(env), params: &[] };
    let cx = ops::Cx { env, eval: &eval };
    let table_plan = |access: Access| Plan::Table {
        table: t.clone(),
        db: String::new(),
        alias: t.name.clone(),
        access,
        keep_order: false,
        desc: false,
        columns: None,
        ranges_from: None,
    };
    let handles: Vec<i64> = match t.handle_column() {
        Some(h) => found.rows.iter().filter_map(|(v, _)| handle_value(&v[h])).collect(),
        None => {
            // No integer key: the rows with these values, by a scan.
            let mut all = ops::build(table_plan(Access::FullScan));
            let rows = ops::collect(all.as_mut(), &cx)?;
            rows.iter()
                .filter(|r| index.contains_key(&datum_key(&r.values)))
                .map(|r| r.handle)
                .collect()
        }
    };
    let locked_plan = Plan::Lock {
        input: Box::new(table_plan(Access::Handles(handles.clone()))),
        table: t.clone(),
        pred: None,
    };
    let mut root = ops::build(locked_plan);
    let locked = ops::collect(root.as_mut(), &cx)?;
    if locked.len() != handles.len() {
        return Err(changed_meanwhile(t));
    }
    locked
        .into_iter()
        .map(|r| match index.get(&datum_key(&r.values)) {
            Some(&i) => Ok((r, i)),
            None => Err(changed_meanwhile(t)),
        })
        .collect()
}

fn handle_value(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        Value::UInt(n) => i64::try_from(*n).ok(),
        _ => None,
    }
}

/// 9007: a target row changed between the statement's snapshot and its lock.
fn changed_meanwhile(t: &TableInfo) -> Error {
    kv::Error::WriteConflict {
        start_ts: 0,
        conflict_start_ts: 0,
        conflict_commit_ts: 0,
        key: t.name.as_bytes().to_vec(),
    }
    .into()
}

/// What an UPDATE does to one table: the columns it sets, and each locked row with its values.
type Changes = (Arc<TableInfo>, Vec<usize>, Vec<(Row, Vec<Value>)>);

/// A multi-table UPDATE.
pub fn execute_update(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    up: &Update,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ExecResult> {
    if !up.order_by.is_empty() {
        return Err(wrong_usage("UPDATE", "ORDER BY"));
    }
    if up.limit.is_some() {
        return Err(wrong_usage("UPDATE", "LIMIT"));
    }
    let plan = {
        let cell = std::cell::RefCell::new(&mut *st);
        let env = QueryEnv::new(ctx, catalog, &cell);
        let (targets, sets, query) = update_query(&env, up)?;
        let widths: Vec<usize> = targets.iter().map(|t| t.table.columns.len()).collect();
        let extra_of: Vec<Vec<usize>> = (0..targets.len())
            .map(|t| (0..sets.len()).filter(|&i| sets[i].0 == t).collect())
            .collect();
        let found = find(&env, &query, &widths, &extra_of, analysis)?;
        let mut plan: Vec<Changes> = Vec::new();
        for (ti, (t, found)) in targets.iter().zip(&found).enumerate() {
            let columns = sets.iter().filter(|s| s.0 == ti).map(|s| s.1).collect();
            let rows = lock(&env, &t.table, found)?;
            let rows = rows.into_iter().map(|(r, i)| (r, found.rows[i].1.clone())).collect();
            plan.push((t.table.clone(), columns, rows));
        }
        plan
    };
    let (mut matched, mut changed) = (0u64, 0u64);
    for (t, columns, rows) in plan {
        for (i, (old, values)) in rows.iter().enumerate() {
            matched += 1;
            let mut vals = old.values.clone();
            for (&ci, v) in columns.iter().zip(values) {
                vals[ci] = to_column(v.clone(), &t.columns[ci], i + 1)?;
            }
            if write_row(ctx, catalog, st, &t, old, vals, &columns, i + 1)? {
                changed += 1;
            }
        }
    }
    Ok(updated(ctx, matched, changed))
}

/// One assignment of a multi-table UPDATE: its target (position), column, and value.
type Assignment<'u> = (usize, usize, &'u ast::Expr);

/// A multi-table UPDATE's tables to change, its assignments and the join query that finds the
/// rows: each target's row, then the assigned values.
pub(super) fn update_query<'u>(
    env: &QueryEnv<'_, '_, '_>,
    up: &'u Update,
) -> Result<(Vec<Target>, Vec<Assignment<'u>>, ast::Query)> {
    let mut from = vec![up.table.clone()];
    if let Some(UpdateTableFromKind::BeforeSet(f) | UpdateTableFromKind::AfterSet(f)) = &up.from {
        from.extend(f.iter().cloned());
    }
    {
        let (sources, _, _) = resolve_from(env, &from, None)?;
        // Each assignment: its target (by source), column, and value.
        let mut targets: Vec<Target> = Vec::new();
        let mut sets: Vec<Assignment<'u>> = Vec::new();
        for a in &up.assignments {
            let AssignmentTarget::ColumnName(name) = &a.target else {
                return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"tuple assignment"]));
            };
            let parts = super::object_parts(name);
            let column = parts.last().cloned().unwrap_or_default();
            let owners: Vec<usize> = match parts.len() {
                1 => (0..sources.len())
                    .filter(|&i| sources[i].table.column(&column).is_some())
                    .collect(),
                _ => vec![source_named(
                    &sources,
                    &ast::ObjectName::from(vec![ast::Ident::new(parts[parts.len() - 2].clone())]),
                    "UPDATE",
                )?],
            };
            let source = match owners.as_slice() {
                [i] => *i,
                [] => return Err(Error::fmt(errno::ER_BAD_FIELD, &[&column, &"field list"])),
                _ => return Err(Error::fmt(errno::ER_NON_UNIQ, &[&column, &"field list"])),
            };
            let (ci, _) = sources[source]
                .table
                .column(&column)
                .ok_or_else(|| Error::fmt(errno::ER_BAD_FIELD, &[&column, &"field list"]))?;
            let t = match targets.iter().position(|t| t.source == source) {
                Some(t) => t,
                None => {
                    targets.push(target_of(&sources, source, "UPDATE")?);
                    targets.len() - 1
                }
            };
            if sources[source].table.columns[ci].generated.is_some() {
                return Err(crate::table::generated::not_allowed(&sources[source].table, ci));
            }
            sets.push((t, ci, &a.value));
        }
        let aliases: Vec<&str> = targets.iter().map(|t| sources[t.source].alias.as_str()).collect();
        let values: Vec<&ast::Expr> = sets.iter().map(|(_, _, e)| *e).collect();
        let query = join_query(&from, up.selection.as_ref(), &aliases, &values)?;
        Ok((targets, sets, query))
    }
}

/// A multi-table DELETE.
pub fn execute_delete(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    del: &Delete,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ExecResult> {
    if !del.order_by.is_empty() {
        return Err(wrong_usage("DELETE", "ORDER BY"));
    }
    if del.limit.is_some() {
        return Err(wrong_usage("DELETE", "LIMIT"));
    }
    let plan = {
        let cell = std::cell::RefCell::new(&mut *st);
        let env = QueryEnv::new(ctx, catalog, &cell);
        let (targets, query) = delete_query(&env, del)?;
        let widths: Vec<usize> = targets.iter().map(|t| t.table.columns.len()).collect();
        let extra_of = vec![Vec::new(); targets.len()];
        let found = find(&env, &query, &widths, &extra_of, analysis)?;
        let mut plan = Vec::new();
        for (t, found) in targets.iter().zip(&found) {
            let rows: Vec<Row> = lock(&env, &t.table, found)?.into_iter().map(|(r, _)| r).collect();
            plan.push((t.table.clone(), rows));
        }
        plan
    };
    let mut deleted = 0u64;
    for (t, rows) in &plan {
        for r in rows {
            fk::on_statement_delete(st, catalog, ctx, t, r)?;
            delete_row(st, t, r)?;
        }
        deleted += rows.len() as u64;
    }
    for (t, rows) in &plan {
        fk::check_restrict_after_delete(st, catalog, ctx, t, rows)?;
    }
    Ok(ExecResult::Ok(OkResult { affected_rows: deleted, ..Default::default() }))
}

/// A multi-table DELETE's tables to delete from and the join query that finds their rows.
pub(super) fn delete_query(
    env: &QueryEnv<'_, '_, '_>,
    del: &Delete,
) -> Result<(Vec<Target>, ast::Query)> {
    let listed = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    // `DELETE t… FROM <from>`, or `DELETE FROM t… USING <from>`.
    let (names, from): (Vec<ast::ObjectName>, &[ast::TableWithJoins]) = match &del.using {
        Some(using) => (
            listed
                .iter()
                .filter_map(|f| match &f.relation {
                    ast::TableFactor::Table { name, .. } => Some(name.clone()),
                    _ => None,
                })
                .collect(),
            using,
        ),
        None if !del.tables.is_empty() => (del.tables.clone(), listed),
        None => {
            // `DELETE FROM a JOIN b …` names no target: MySQL's syntax error.
            return Err(Error::fmt(errno::ER_PARSE, &[&"JOIN", &1i64]));
        }
    };
    let (sources, _, _) = resolve_from(env, from, None)?;
    let mut targets: Vec<Target> = Vec::new();
    for name in &names {
        let i = source_named(&sources, name, "DELETE")?;
        if !targets.iter().any(|t| t.source == i) {
            targets.push(target_of(&sources, i, "DELETE")?);
        }
    }
    let aliases: Vec<&str> = targets.iter().map(|t| sources[t.source].alias.as_str()).collect();
    let query = join_query(from, del.selection.as_ref(), &aliases, &[])?;
    Ok((targets, query))
}
