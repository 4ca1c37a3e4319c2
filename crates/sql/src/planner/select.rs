//! Lowering one `SELECT` block to a [`Plan`]: FROM (sources and their access paths), WHERE,
//! FOR UPDATE, GROUP BY and aggregates, HAVING, ORDER BY, the select list, DISTINCT, LIMIT —
//! one step per clause, every expression bound once.

use catalog::TableInfo;
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{self, OrderByKind, Query, Select, SelectItem};
use types::ResultColumn;

use super::{
    join::{plan_join, JoinInput, StepKind},
    subquery_values, Plan,
};
use crate::{
    binder::{bind_expr_in, bind_post_agg, bind_windowed, OuterRow, PostAgg, Scope, WindowLayout},
    executor::{
        aggregate::{self, AggCall},
        choose_path, limit_offset, order_keys_with, resolve_from, result_column, source_text,
        table_column, table_scope, used_columns, Access, JoinSpec, Needs, QueryEnv, Source,
    },
    expr::{Expr, ExprType, SubqueryKind},
    table::Row,
};

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// A SELECT block's plan and what its result looks like.
#[derive(Clone)]
pub struct SelectPlan {
    /// The operators' plan.
    pub plan: Plan,
    /// Result columns.
    pub columns: Vec<ResultColumn>,
    /// Columns that are scalar subqueries: their type is known only from the values
    /// (binding does not plan the subquery).
    pub typed_by_values: Vec<usize>,
}

/// One select-list item after wildcard expansion.
struct Item<'q> {
    name: String,
    ast: Option<&'q ast::Expr>,
    column: Option<usize>,
}

/// Plans `select` (the body of `q`, whose ORDER BY, LIMIT and locking clauses apply), possibly
/// as a subquery of `outer`. `text` is the statement's source, which names result columns.
pub fn plan_select(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    select: &Select,
    text: &str,
    outer: Option<&OuterRow<'_>>,
) -> Result<SelectPlan> {
    let ctx = env.ctx;
    let ast::GroupByExpr::Expressions(group_asts, modifiers) = &select.group_by else {
        return Err(unsupported("GROUP BY ALL"));
    };
    let rollup = match modifiers.as_slice() {
        [] => false,
        [ast::GroupByWithModifier::Rollup] if !group_asts.is_empty() => true,
        [other, ..] => return Err(unsupported(format!("GROUP BY … {other}"))),
    };
    let distinct = match &select.distinct {
        None => false,
        Some(ast::Distinct::Distinct) => true,
        Some(other) => return Err(unsupported(other)),
    };
    let (sources, joins, layout) = resolve_from(env, &select.from, outer)?;
    let where_ = select.selection.as_ref();
    let mut scope = Scope {
        columns: sources
            .iter()
            .flat_map(|src| table_scope(&src.table, &src.alias).columns)
            .collect(),
    };
    for &i in &layout.hidden {
        if let Some(c) = scope.columns.get_mut(i) {
            c.hidden = true;
        }
    }
    let scope = scope;
    // For each scope column: which source and which of its columns.
    let origin: Vec<(usize, usize)> = sources
        .iter()
        .enumerate()
        .flat_map(|(si, src)| (0..src.table.columns.len()).map(move |ci| (si, ci)))
        .collect();
    let bind = |e: &ast::Expr, clause: &str| bind_expr_in(e, &scope, env, clause, outer);

    let mut items: Vec<Item<'_>> = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) if sources.is_empty() => {
                return Err(Error::fmt(errno::ER_NO_TABLES_USED, &[]));
            }
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                let only = match item {
                    SelectItem::QualifiedWildcard(
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                        _,
                    ) => crate::executor::object_parts(n).last().cloned(),
                    SelectItem::QualifiedWildcard(kind, _) => Some(kind.to_string()),
                    _ => None,
                };
                if let Some(q) = &only {
                    let last = q.rsplit('.').next().unwrap_or(q).trim_matches('`');
                    if !sources.iter().any(|s| s.alias.eq_ignore_ascii_case(last)) {
                        return Err(Error::fmt(errno::ER_BAD_TABLE, &[q]));
                    }
                }
                // `*` in the clause's order (USING columns merged); `t.*` in the table's.
                let order: Vec<usize> = match only {
                    None => layout.star.clone(),
                    Some(_) => (0..origin.len()).collect(),
                };
                for i in order {
                    let Some(&(si, ci)) = origin.get(i) else { continue };
                    let src = &sources[si];
                    let keep = only.as_ref().is_none_or(|q| {
                        q.rsplit('.')
                            .next()
                            .unwrap_or(q)
                            .trim_matches('`')
                            .eq_ignore_ascii_case(&src.alias)
                    });
                    if keep {
                        items.push(Item {
                            name: src.table.columns[ci].name.clone(),
                            ast: None,
                            column: Some(i),
                        });
                    }
                }
            }
            SelectItem::UnnamedExpr(e) => {
                // A column reference is named by the column alone (`t.a` → `a`), as in MySQL.
                let name = match e {
                    ast::Expr::CompoundIdentifier(parts) if !parts.is_empty() => {
                        parts[parts.len() - 1].value.clone()
                    }
                    ast::Expr::Identifier(id) => id.value.clone(),
                    _ => source_text(text, e),
                };
                items.push(Item { name, ast: Some(e), column: None })
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                items.push(Item { name: alias.value.clone(), ast: Some(expr), column: None })
            }
            other => return Err(unsupported(other)),
        }
    }
    let order_asts: Vec<&ast::Expr> = match &q.order_by {
        Some(ob) => match &ob.kind {
            OrderByKind::Expressions(v) => v.iter().map(|o| &o.expr).collect(),
            OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
        },
        None => Vec::new(),
    };
    let having_ast = select.having.as_ref().map(|h| having_with_aliases(h, &items, &scope));
    let mut agg_sources: Vec<&ast::Expr> = items.iter().filter_map(|i| i.ast).collect();
    agg_sources.extend(having_ast.iter());
    agg_sources.extend(order_asts.iter().copied());
    let found = aggregate::collect(&agg_sources, &scope, env, outer)?;
    let grouped = !group_asts.is_empty() || !found.is_empty() || select.having.is_some();

    let pred = where_.as_ref().map(|w| bind(w, "where clause")).transpose()?;
    let pred = pred.and_then(|(e, ty)| {
        subquery_values::without_true_conjuncts(subquery_values::evaluate(env, e)).map(|e| (e, ty))
    });
    if !q.locks.is_empty() && sources.len() > 1 {
        return Err(unsupported("FOR UPDATE with joins"));
    }
    // Output expressions, bound over the input row or over the aggregated row.
    let mut outputs: Vec<(ResultColumn, Expr)> = Vec::with_capacity(items.len());
    let mut layout = PostAgg::default();
    let mut rollup_groups: Vec<Expr> = Vec::new();
    if grouped {
        for g in group_asts {
            // GROUP BY may name a select-list position or alias.
            let target = match g {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::Number(n, _) => {
                        let pos: usize = n.parse().unwrap_or(0);
                        items.get(pos.wrapping_sub(1)).and_then(|i| i.ast).ok_or_else(|| {
                            Error::fmt(errno::ER_BAD_FIELD, &[n, &"group statement"])
                        })?
                    }
                    _ => g,
                },
                ast::Expr::Identifier(id)
                    if !sources.iter().any(|s| s.table.column(&id.value).is_some()) =>
                {
                    items
                        .iter()
                        .find(|i| i.name.eq_ignore_ascii_case(&id.value))
                        .and_then(|i| i.ast)
                        .unwrap_or(g)
                }
                _ => g,
            };
            let (e, ty) = bind(target, "group statement")?;
            layout.groups.push((target.to_string(), e, ty));
        }
        if rollup {
            rollup_groups = layout.groups.iter().map(|(_, e, _)| e.clone()).collect();
            layout = rolled_up(layout);
        }
        layout.aggs = found.iter().map(|(text, _, ty)| (text.clone(), *ty)).collect();
    }
    // Window functions in the select list and ORDER BY, bound over the (aggregated) row;
    // their results follow it.
    let window_sources: Vec<&ast::Expr> =
        items.iter().filter_map(|i| i.ast).chain(order_asts.iter().copied()).collect();
    let windows =
        super::window::collect(&window_sources, &select.named_window, env, &|e| match grouped {
            true => bind_post_agg(e, &scope, env, "window", &layout, outer),
            false => bind(e, "window"),
        })?;
    let window_layout = WindowLayout {
        base: if grouped { layout.groups.len() + layout.aggs.len() } else { scope.columns.len() },
        calls: windows.iter().map(|(text, _, ty)| (text.clone(), *ty)).collect(),
    };
    let post_agg = grouped.then_some(&layout);
    let windowed = |e: &ast::Expr, clause: &str| {
        bind_windowed(e, &scope, env, clause, post_agg, &window_layout, outer)
    };
    for item in &items {
        let (bound, ty) = match (item.ast, item.column) {
            (Some(e), _) if !windows.is_empty() => windowed(e, "field list")?,
            (Some(e), _) if grouped => bind_post_agg(e, &scope, env, "field list", &layout, outer)?,
            (Some(e), _) => bind(e, "field list")?,
            (None, Some(i)) if grouped => {
                let (si, ci) = origin[i];
                let col = ast::Expr::CompoundIdentifier(vec![
                    ast::Ident::new(&sources[si].alias),
                    ast::Ident::new(&sources[si].table.columns[ci].name),
                ]);
                bind_post_agg(&col, &scope, env, "field list", &layout, outer)?
            }
            (None, Some(i)) => (Expr::Column(i), scope.columns[i].ty),
            (None, None) => continue,
        };
        // A column of a source keeps its metadata (a window result's column does not).
        let source_column = match (&bound, grouped) {
            (Expr::Column(i), false) => origin.get(*i).copied(),
            _ => None,
        };
        let rc = match source_column {
            Some((si, ci)) => {
                let src = &sources[si];
                let mut c = table_column(
                    &src.db,
                    &src.alias,
                    &src.table.name,
                    &src.table.columns[ci],
                    &src.table,
                );
                c.name = item.name.clone();
                c
            }
            _ => result_column(&item.name, &ty),
        };
        outputs.push((rc, bound));
    }

    // HAVING, over the aggregated row.
    let having = match &having_ast {
        Some(h) if grouped => {
            let h = bind_post_agg(h, &scope, env, "having clause", &layout, outer)?.0;
            subquery_values::without_true_conjuncts(subquery_values::evaluate(env, h))
        }
        Some(_) => return Err(unsupported("HAVING without aggregation")),
        None => None,
    };
    // ORDER BY over the (aggregated) rows: select-list alias, position, or expression.
    let aliases: Vec<(String, Option<Expr>)> =
        items.iter().zip(&outputs).map(|(i, (_, e))| (i.name.clone(), Some(e.clone()))).collect();
    let keys = if !windows.is_empty() {
        order_keys_with(q, &aliases, |e| Ok(windowed(e, "order clause")?.0))?
    } else if grouped {
        order_keys_with(q, &aliases, |e| {
            Ok(bind_post_agg(e, &scope, env, "order clause", &layout, outer)?.0)
        })?
    } else {
        order_keys_with(q, &aliases, |e| Ok(bind(e, "order clause")?.0))?
    };
    let (limit, offset) = limit_offset(ctx, q.limit_clause.as_ref())?;
    let calc_found_rows = select.select_modifiers.as_ref().is_some_and(|m| m.sql_calc_found_rows);

    // The plan, leaves first.
    let lock_table = match (q.locks.is_empty(), sources.as_slice()) {
        (false, [src @ Source { computed: None, .. }]) => Some(src.table.clone()),
        _ => None,
    };
    let where_pred = pred.map(|(e, _)| e);
    // WHERE that no row can pass (`WHERE 1 = 0`, a NOT EXISTS found true): nothing is read
    // (TiDB's TableDual) — ORMs probe a table's columns this way.
    let never = where_pred.as_ref().is_some_and(subquery_values::always_false);
    let (mut plan, filter) = if never {
        (no_rows(&sources), None)
    } else {
        source_plan(env, q, sources, joins, where_pred.as_ref(), outer)?
    };
    if let Some(p) = filter {
        plan = Plan::Filter { input: Box::new(plan), pred: p };
    }
    if let Some(table) = lock_table.filter(|_| !never) {
        plan = Plan::Lock { input: Box::new(plan), table, pred: where_pred };
    }
    if grouped {
        let aggs: Vec<AggCall> = found.into_iter().map(|(_, c, _)| c).collect();
        let groups: Vec<Expr> = match rollup {
            // The expansion's (flag, value) pairs, after the input row.
            true => {
                let width = scope.columns.len();
                let input = Box::new(plan);
                plan = Plan::Expand { input, groups: rollup_groups };
                (0..layout.groups.len()).map(|i| Expr::Column(width + i)).collect()
            }
            false => layout.groups.iter().map(|(_, e, _)| e.clone()).collect(),
        };
        if groups.is_empty() {
            plan = min_max_one_row(plan, &aggs);
        }
        plan = Plan::Agg { input: Box::new(plan), groups, aggs };
    }
    if let Some(h) = having {
        plan = Plan::Filter { input: Box::new(plan), pred: h };
    }
    let window_calls: Vec<_> = windows.into_iter().map(|(_, c, _)| c).collect();
    let windowed = !window_calls.is_empty();
    if windowed {
        plan = Plan::Window { input: Box::new(plan), calls: window_calls };
    }
    let mut limited = false;
    if !grouped && !windowed && keep_table_order(&mut plan, &keys) {
        // The read already returns rows in ORDER BY order: no sort, and a LIMIT stops it early.
    } else if !keys.is_empty() {
        plan = match limit {
            Some(limit) if !distinct && !calc_found_rows => {
                limited = true;
                Plan::TopN { input: Box::new(plan), keys, limit, offset }
            }
            _ => Plan::Sort { input: Box::new(plan), keys },
        };
    }
    let typed_by_values = outputs
        .iter()
        .enumerate()
        .filter(|(_, (_, e))| matches!(e, Expr::Subquery { kind: SubqueryKind::Scalar, .. }))
        .map(|(i, _)| i)
        .collect();
    let (columns, exprs): (Vec<ResultColumn>, Vec<Expr>) = outputs.into_iter().unzip();
    let exprs = exprs.into_iter().map(|e| subquery_values::evaluate(env, e)).collect();
    plan = Plan::Project { input: Box::new(plan), exprs };
    if distinct {
        plan = Plan::Distinct { input: Box::new(plan) };
    }
    if !limited && (limit.is_some() || offset > 0 || calc_found_rows) {
        plan = Plan::Limit { input: Box::new(plan), limit, offset, count_all: calc_found_rows };
    }
    Ok(SelectPlan { plan, columns, typed_by_values })
}

/// The post-aggregation layout of `GROUP BY … WITH ROLLUP`: each group expression preceded
/// by its rolled-up flag (an entry no expression names), as the expansion appends them; the
/// values may be NULL now.
fn rolled_up(layout: PostAgg) -> PostAgg {
    let flag = ExprType::of(types::FieldType::LongLong, false);
    let mut groups = Vec::with_capacity(2 * layout.groups.len());
    for (text, e, ty) in layout.groups {
        groups.push(("\u{0}rolled up".to_string(), Expr::Literal(types::Value::Null), flag));
        groups.push((text, e, ExprType { nullable: true, ..ty }));
    }
    PostAgg { groups, aggs: layout.aggs, rollup: true }
}

/// HAVING with the select-list aliases it names replaced by their expressions — MySQL's
/// extension (`SELECT g, SUM(x) s … GROUP BY g HAVING s > 1`); a name that is also a column of
/// FROM stays that column (MySQL searches FROM first for HAVING). A HAVING holding a subquery
/// is left as written (its names are the subquery's own).
fn having_with_aliases(h: &ast::Expr, items: &[Item<'_>], scope: &Scope) -> ast::Expr {
    use std::ops::ControlFlow;
    let aliased: Vec<(&str, &ast::Expr)> = items
        .iter()
        .filter_map(|i| i.ast.map(|e| (i.name.as_str(), e)))
        .filter(|(name, _)| !scope.columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)))
        .collect();
    let has_subquery = ast::visit_expressions(h, |e| match e {
        ast::Expr::Subquery(_)
        | ast::Expr::Exists { .. }
        | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    let mut h = h.clone();
    if aliased.is_empty() || has_subquery.is_break() {
        return h;
    }
    let _ = ast::visit_expressions_mut(&mut h, |e| {
        if let ast::Expr::Identifier(id) = e {
            if let Some((_, target)) =
                aliased.iter().find(|(n, _)| n.eq_ignore_ascii_case(&id.value))
            {
                *e = ast::Expr::Nested(Box::new((*target).clone()));
            }
        }
        ControlFlow::<()>::Continue(())
    });
    h
}

/// An empty read standing for FROM's `sources` (a WHERE no row passes), named as their
/// columns would be.
fn no_rows(sources: &[Source]) -> Plan {
    let names = sources
        .iter()
        .flat_map(|s| {
            let prefix =
                if s.db.is_empty() { s.alias.clone() } else { format!("{}.{}", s.db, s.alias) };
            s.table.columns.iter().map(move |c| format!("{prefix}.{}", c.name))
        })
        .collect();
    Plan::Rows { rows: Vec::new(), label: "Dual", names, object: String::new() }
}

/// The plan reading FROM — nothing (one empty row), precomputed rows, one stored table along
/// its access path for the bound WHERE clause `pred`, or a join (`planner::join`) — and what of
/// `pred` remains to be checked above it.
fn source_plan(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    mut sources: Vec<Source>,
    joins: Vec<JoinSpec>,
    pred: Option<&Expr>,
    outer: Option<&OuterRow<'_>>,
) -> Result<(Plan, Option<Expr>)> {
    // Correlated EXISTS / NOT EXISTS / IN conjuncts become semi and anti joins (not under a
    // RIGHT JOIN, whose sources are joined group by group, nor with FOR UPDATE).
    let right_join = joins.iter().any(|j| matches!(j, JoinSpec::Right(_)));
    let (flat, rest) = if right_join || !q.locks.is_empty() {
        (Vec::new(), pred.cloned())
    } else {
        super::semi::flatten(env, &sources, pred, outer)?
    };
    let pred = rest.as_ref();
    if sources.len() + flat.len() > 1 {
        let mut inputs = bind_joins(env, &sources, joins, outer)?;
        let mut columns: Vec<_> = sources
            .iter()
            .map(|s| if s.computed.is_none() { used_columns(&s.table, q) } else { None })
            .collect();
        for f in flat {
            sources.push(f.source);
            inputs.push(f.input);
            columns.push(f.columns);
        }
        let (join, residual) = plan_join(env, sources, inputs, pred, columns)?;
        return Ok((Plan::Join { join: Box::new(join) }, residual));
    }
    let filter = pred.cloned();
    let Some(src) = sources.pop() else {
        let rows = vec![Row { handle: 0, values: Vec::new() }];
        let plan = Plan::Rows { rows, label: "Dual", names: Vec::new(), object: String::new() };
        return Ok((plan, filter));
    };
    if let Some(plan) = src.computed {
        return Ok((plan, filter));
    }
    let table: std::sync::Arc<TableInfo> = src.table;
    let used = if q.locks.is_empty() { used_columns(&table, q) } else { None };
    let needs = used.as_deref().map_or(Needs::AllColumns, Needs::Columns);
    let access = match pred {
        Some(p) => {
            let conds = env.path_conds(p, &table);
            choose_path(&table, &conds, needs, Some(&mut env.st.borrow_mut()))?
        }
        None => crate::executor::Access::FullScan,
    };
    let plan = Plan::Table {
        table,
        db: src.db,
        alias: src.alias,
        access,
        keep_order: false,
        desc: false,
        columns: used,
        ranges_from: pred.filter(|p| p.has_params()).cloned(),
    };
    Ok((plan, filter))
}

/// Each FROM source's join kind and ON condition, bound over the sources of its comma group up
/// to it: an ON clause may name only those, as in MySQL (`a, b JOIN c ON a.x = c.x` is 1054).
/// The other sources' columns keep their places in the scope but cannot be named.
fn bind_joins(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    joins: Vec<JoinSpec>,
    outer: Option<&OuterRow<'_>>,
) -> Result<Vec<JoinInput>> {
    let mut prefix = Scope::default();
    let mut inputs = Vec::with_capacity(joins.len());
    for (src, spec) in sources.iter().zip(joins) {
        if matches!(spec, JoinSpec::Comma) {
            for c in &mut prefix.columns {
                c.table = None;
                c.name.clear();
            }
        }
        prefix.columns.extend(table_scope(&src.table, &src.alias).columns);
        let (kind, on, starts_group) = match spec {
            JoinSpec::Comma => (StepKind::Inner, None, true),
            JoinSpec::Cross => (StepKind::Inner, None, false),
            JoinSpec::Inner(e) => (StepKind::Inner, Some(e), false),
            JoinSpec::Left(e) => (StepKind::Left, Some(e), false),
            JoinSpec::Right(e) => (StepKind::Right, Some(e), false),
        };
        let on = match on {
            Some(e) => Some(bind_expr_in(&e, &prefix, env, "on clause", outer)?.0),
            None => None,
        };
        inputs.push(JoinInput { kind, on, starts_group });
    }
    Ok(inputs)
}

/// When `plan` reads one table (under filters or a lock) along a path that returns rows in the
/// order of `keys` — handle order for a scan or handle range, the index's columns (then the
/// handle) for index ranges, all ascending or all descending (then read backwards) — marks it
/// `keep_order` (and `desc`) and says so: the Sort is not needed. Only column types whose stored order is exactly the executor's comparison order
/// qualify (integers, decimals, date-times, times, binary-collated strings).
pub(super) fn keep_table_order(plan: &mut Plan, keys: &[(Expr, bool)]) -> bool {
    if keys.is_empty() {
        return false;
    }
    let mut p = plan;
    while let Plan::Filter { input, .. } | Plan::Lock { input, .. } = p {
        p = input;
    }
    let Plan::Table { table, access, keep_order, desc, .. } = p else { return false };
    let handle = table.handle_column().filter(|&h| !table.columns[h].ty.unsigned);
    let order: Vec<usize> = match access {
        Access::FullScan | Access::HandleRange { .. } => handle.into_iter().collect(),
        Access::IndexRanges { index, .. } => index.columns.iter().copied().chain(handle).collect(),
        Access::Handles(_) | Access::Unique { .. } => return false,
    };
    let ascending = keys[0].1;
    let matches = keys.len() <= order.len()
        && keys
            .iter()
            .zip(&order)
            .all(|((e, asc), &c)| *asc == ascending && *e == Expr::Column(c) && sortable(table, c));
    if matches {
        *keep_order = true;
        *desc = !ascending;
    }
    matches
}

/// Whether rows stored in column `c`'s key order are in the executor's comparison order.
fn sortable(table: &TableInfo, c: usize) -> bool {
    use types::TypeKind as K;
    let ty = &table.columns[c].ty;
    ty.is_integer()
        || matches!(
            ty.kind,
            K::Decimal
                | K::Date
                | K::DateTime
                | K::Timestamp
                | K::Time
                | K::Char
                | K::VarChar
                | K::Text
                | K::Binary
                | K::VarBinary
                | K::Blob
        )
}

/// `MIN(c)` / `MAX(c)` alone, without GROUP BY, over a full scan of a table where `c` is the
/// handle or leads an index: read in `c`'s order (skipping NULLs), and the first row is the
/// answer — one key instead of the table (TiDB's max/min elimination).
fn min_max_one_row(mut plan: Plan, aggs: &[AggCall]) -> Plan {
    use crate::executor::aggregate::AggKind;
    let [AggCall { kind: kind @ (AggKind::Min | AggKind::Max), arg: Some(Expr::Column(c)), .. }] =
        aggs
    else {
        return plan;
    };
    let (c, asc) = (*c, *kind == AggKind::Min);
    let mut p = &mut plan;
    while let Plan::Filter { input, .. } = p {
        p = input;
    }
    let Plan::Table { table, access: access @ Access::FullScan, ranges_from, .. } = p else {
        return plan;
    };
    if !sortable(table, c) {
        return plan;
    }
    let handle = table.handle_column().filter(|&h| !table.columns[h].ty.unsigned);
    if handle != Some(c) {
        let Some(index) = table.readable_indexes().find(|i| i.columns.first() == Some(&c)) else {
            return plan;
        };
        // Every entry but those whose first column is NULL (which sort first).
        let prefix = tablecodec::index_prefix(table.id, index.id);
        let mut null_key = prefix.clone();
        tablecodec::datum::encode(&mut null_key, &types::Value::Null);
        let (Some(start), Some(end)) = (kv::prefix_end(&null_key), kv::prefix_end(&prefix)) else {
            return plan;
        };
        *access = Access::IndexRanges {
            index: index.clone(),
            ranges: vec![kv::KeyRange::new(start, end)],
            shown: "(NULL,+inf]".into(),
            covering: false,
            est: None,
        };
        // Not a path the filter chose: nothing to rebuild.
        *ranges_from = None;
    }
    if !keep_table_order(&mut plan, &[(Expr::Column(c), asc)]) {
        return plan;
    }
    Plan::Limit { input: Box::new(plan), limit: Some(1), offset: 0, count_all: false }
}
