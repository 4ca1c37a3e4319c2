//! The fast plan for point reads (TiDB's `TryFastPlan`): `SELECT columns FROM t WHERE pk = ?`
//! on a table whose integer primary key is the row handle needs no optimizer: the key is the
//! parameter, the read one `get`. A prepared statement of that shape keeps this plan and skips
//! binding, planning and the operator tree at every execution.

use std::sync::Arc;

use catalog::{Catalog, TableInfo};
use sqlparser::ast::{self, Expr, SelectItem, SetExpr, Statement, TableFactor};
use types::Value;

use crate::context::SessionCtx;

/// Where the handle of a point read comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum HandleSource {
    /// Prepared-statement parameter `i`.
    Param(usize),
    /// A literal in the statement.
    Literal(Value),
}

/// A read of one row by its handle, projected to some of its columns.
#[derive(Debug, Clone)]
pub struct PointGetPlan {
    /// The table read.
    pub table: Arc<TableInfo>,
    /// The schema version the plan was made for; another version means re-planning.
    pub schema_version: i64,
    /// The handle to read.
    pub handle: HandleSource,
    /// Offsets of the table columns returned, in order.
    pub outputs: Vec<usize>,
}

/// The point-read plan of `stmt`, if it has exactly that shape (placeholders named `?i`, as
/// [`crate::prepare::Prepared`] numbers them); `None` sends it down the general path.
pub fn try_point_get(
    ctx: &SessionCtx,
    catalog: &Catalog,
    stmt: &Statement,
) -> Option<PointGetPlan> {
    let Statement::Query(q) = stmt else { return None };
    if q.with.is_some()
        || q.order_by.is_some()
        || q.limit_clause.is_some()
        || q.fetch.is_some()
        || !q.locks.is_empty()
        || q.for_clause.is_some()
    {
        return None;
    }
    let SetExpr::Select(s) = q.body.as_ref() else { return None };
    let plain_group =
        matches!(&s.group_by, ast::GroupByExpr::Expressions(g, m) if g.is_empty() && m.is_empty());
    if !s.optimizer_hints.is_empty()
        || s.distinct.is_some()
        || s.select_modifiers.is_some()
        || s.top.is_some()
        || s.exclude.is_some()
        || s.into.is_some()
        || s.from.len() != 1
        || !s.from[0].joins.is_empty()
        || !s.lateral_views.is_empty()
        || s.prewhere.is_some()
        || !s.connect_by.is_empty()
        || !plain_group
        || !s.cluster_by.is_empty()
        || !s.distribute_by.is_empty()
        || !s.sort_by.is_empty()
        || s.having.is_some()
        || !s.named_window.is_empty()
        || s.qualify.is_some()
    {
        return None;
    }
    let TableFactor::Table {
        name,
        alias,
        args: None,
        with_hints,
        version: None,
        partitions,
        index_directives,
        sample: None,
        json_path: None,
        ..
    } = &s.from[0].relation
    else {
        return None;
    };
    if !with_hints.is_empty() || !partitions.is_empty() || !index_directives.is_empty() {
        return None;
    }
    let parts: Vec<&str> =
        name.0.iter().filter_map(|p| p.as_ident()).map(|i| i.value.as_str()).collect();
    let (db, table_name) = match parts.as_slice() {
        [t] => (ctx.current_db.as_deref()?, *t),
        [d, t] => (*d, *t),
        _ => return None,
    };
    // A temporary table may shadow the stored one: the general path finds it.
    if !ctx.temp_tables.is_empty() {
        return None;
    }
    let schema = catalog.schema();
    let table = schema.table(db, table_name).ok()?.clone();
    if table.view.is_some() {
        return None;
    }
    let handle_col = table.handle_column()?;
    if table.columns[handle_col].ty.unsigned {
        return None;
    }
    let qualifier = alias.as_ref().map_or(table_name, |a| a.name.value.as_str());
    let column = |e: &Expr| -> Option<usize> {
        let name = match e {
            Expr::Identifier(i) => &i.value,
            Expr::CompoundIdentifier(p) => match p.as_slice() {
                [q, c] if q.value.eq_ignore_ascii_case(qualifier) => &c.value,
                [d, q, c]
                    if alias.is_none()
                        && d.value.eq_ignore_ascii_case(db)
                        && q.value.eq_ignore_ascii_case(table_name) =>
                {
                    &c.value
                }
                _ => return None,
            },
            _ => return None,
        };
        table.column(name).map(|(i, _)| i)
    };
    let mut outputs = Vec::new();
    for item in &s.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                outputs.push(column(e)?)
            }
            SelectItem::Wildcard(opts) if *opts == ast::WildcardAdditionalOptions::default() => {
                outputs.extend(0..table.columns.len())
            }
            _ => return None,
        }
    }
    let Some(Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right }) = &s.selection else {
        return None;
    };
    let key = |e: &Expr| -> Option<HandleSource> {
        let Expr::Value(v) = e else { return None };
        match &v.value {
            ast::Value::Placeholder(p) => {
                p.strip_prefix('?')?.parse().ok().map(HandleSource::Param)
            }
            ast::Value::Number(n, _) => {
                n.parse::<i64>().ok().map(|i| HandleSource::Literal(Value::Int(i)))
            }
            _ => None,
        }
    };
    let handle = match (column(left), column(right)) {
        (Some(c), None) if c == handle_col => key(right)?,
        (None, Some(c)) if c == handle_col => key(left)?,
        _ => return None,
    };
    Some(PointGetPlan { table, schema_version: schema.version, handle, outputs })
}
