//! `EXPLAIN SELECT …`: the plan the query runs ([`crate::planner::Plan`]), printed in TiDB's
//! EXPLAIN columns (`id`, `estRows`, `task`, `access object`, `operator info`) with TiDB's
//! operator names and expression forms. Range estimates count keys in the latest snapshot;
//! a full scan, without statistics, shows TiDB's pseudo estimate (10000 rows, `stats:pseudo`).

use std::cell::RefCell;

use catalog::Catalog;
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use kv::KeyRange;
use sqlparser::ast::{self, Query, SetExpr};
use types::{ResultColumn, Value};

use super::{
    access::Access,
    aggregate::{AggCall, AggKind},
    ops::{self, OpStats},
    query::{QueryEnv, Source},
    ranges::bound_conjuncts,
};
use crate::{
    context::SessionCtx,
    expr::{explain_expr, EvalCtx},
    planner::{plan_query, AnalysisSlots, JoinPlan, Lookup, Plan, Read, StepKind},
    result::{ExecResult, ResultSet},
    stmt_txn::StmtTxn,
};

const PSEUDO_ROWS: f64 = 10000.0;
/// Most keys counted for a range's row estimate.
const ESTIMATE_CAP: usize = 100_000;

struct Node {
    name: &'static str,
    est: f64,
    access: String,
    info: String,
    children: Vec<Node>,
    /// The plan node this operator runs (pre-order position), on the top node of its subtree.
    plan_id: Option<usize>,
    /// The subquery plan (its address) `plan_id` numbers a node of; `None`: the statement's.
    source: Option<usize>,
}

fn node(name: &'static str, est: f64, access: String, info: String, children: Vec<Node>) -> Node {
    Node { name, est, access, info, children, plan_id: None, source: None }
}

/// The nodes of the subqueries `plan`'s own expressions hold, one per subquery: an `Apply`
/// over the plan that runs (TiDB's name for running an inner plan per outer row), saying how
/// often it runs.
fn subquery_nodes(plan: &Plan, env: &QueryEnv<'_, '_, '_>, names: &[String]) -> Result<Vec<Node>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for e in plan.expressions() {
        let mut todo = vec![e];
        while let Some(e) = todo.pop() {
            e.push_operands(&mut todo);
            let crate::expr::Expr::Subquery { sub, args, .. } = e else { continue };
            if seen.contains(&std::sync::Arc::as_ptr(sub)) {
                continue;
            }
            seen.push(std::sync::Arc::as_ptr(sub));
            let (runs, mut info) = match (&sub.grouped, args.is_empty()) {
                (_, true) => (&sub.plan, "uncorrelated, runs once".to_string()),
                (Some(g), false) => (&g.once, "decorrelated, runs once, rows by key".to_string()),
                (None, false) if sub.cache => (&sub.plan, "runs once per key".to_string()),
                (None, false) => (&sub.plan, "runs per row".to_string()),
            };
            let shown: Vec<String> = args.iter().map(|a| explain_expr(a, names)).collect();
            if !args.is_empty() {
                info = format!("{info}, correlated:[{}]", shown.join(", "));
            }
            let (mut child, _) = render(runs, env, &mut 0)?;
            name_params(&mut child, &shown);
            mark_source(&mut child, runs as *const Plan as usize);
            let mut apply = node("Apply", child.est, format!("subquery_{}", sub.id), info, vec![]);
            apply.plan_id = Some(0);
            apply.source = child.source;
            apply.children.push(child);
            out.push(apply);
        }
    }
    Ok(out)
}

/// Ranges built per run from parameter values (a subquery's arguments): `range:…` in the
/// subtree's operator info becomes `shown`, as TiDB prints them.
fn decided_by(n: &mut Node, shown: &str) {
    if let Some(at) = n.info.find("range:") {
        let end = n.info[at..].find(", keep order").map_or(n.info.len(), |e| at + e);
        n.info.replace_range(at..end, shown);
    }
    for c in &mut n.children {
        decided_by(c, shown);
    }
}

/// A subquery's parameter slots (`?i`) in `n`'s subtree shown as the arguments they hold.
fn name_params(n: &mut Node, args: &[String]) {
    for (i, arg) in args.iter().enumerate().rev() {
        n.info = n.info.replace(&format!("?{i}"), arg);
    }
    for c in &mut n.children {
        name_params(c, args);
    }
}

/// Marks `n`'s subtree as numbered within the subquery plan at address `source`.
fn mark_source(n: &mut Node, source: usize) {
    n.source = Some(source);
    for c in &mut n.children {
        mark_source(c, source);
    }
}

fn unsupported(what: &str) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

fn object_of(t: &catalog::TableInfo, alias: &str) -> String {
    if alias.eq_ignore_ascii_case(&t.name) {
        format!("table:{}", t.name)
    } else {
        format!("table:{alias}")
    }
}

/// The operators reading `t` along `access`.
fn render_access(
    st: &mut StmtTxn<'_>,
    t: &catalog::TableInfo,
    object: String,
    access: Access,
    catalog: &Catalog,
) -> Result<Node> {
    let counted = |st: &mut StmtTxn<'_>, est: &Option<usize>, ranges: &[KeyRange]| {
        if let Some(n) = est {
            return Ok::<f64, Error>(*n as f64);
        }
        let mut n = 0;
        for r in ranges {
            n += st.count(r, ESTIMATE_CAP)?;
        }
        Ok(n as f64)
    };
    Ok(match access {
        Access::Handles(h) if h.len() == 1 => {
            node("Point_Get", 1.0, object, format!("handle:{}", h[0]), Vec::new())
        }
        Access::Handles(h) => {
            let list: Vec<String> = h.iter().map(|x| x.to_string()).collect();
            node(
                "Batch_Point_Get",
                h.len() as f64,
                object,
                format!("handle:[{}], keep order:false, desc:false", list.join(" ")),
                Vec::new(),
            )
        }
        Access::Unique { index, keys } => {
            let cols: Vec<&str> =
                index.columns.iter().map(|&c| t.columns[c].name.as_str()).collect();
            let object = format!("{object}, index:{}({})", index.name, cols.join(", "));
            if keys.len() == 1 {
                node("Point_Get", 1.0, object, String::new(), Vec::new())
            } else {
                node(
                    "Batch_Point_Get",
                    keys.len() as f64,
                    object,
                    "keep order:false, desc:false".into(),
                    Vec::new(),
                )
            }
        }
        Access::HandleRange { range, shown, est, .. } => {
            let est = counted(st, &est, std::slice::from_ref(&range))?;
            let scan = node(
                "TableRangeScan",
                est,
                object,
                format!("range:{shown}, keep order:false"),
                Vec::new(),
            );
            node("TableReader", est, String::new(), "data:TableRangeScan".into(), vec![scan])
        }
        Access::IndexRanges { index, ranges, shown, covering, est } => {
            let est = counted(st, &est, &ranges)?;
            let cols: Vec<&str> =
                index.columns.iter().map(|&c| t.columns[c].name.as_str()).collect();
            let scan = node(
                "IndexRangeScan",
                est,
                format!("{object}, index:{}({})", index.name, cols.join(", ")),
                format!("range:{shown}, keep order:false"),
                Vec::new(),
            );
            if covering {
                node("IndexReader", est, String::new(), "index:IndexRangeScan".into(), vec![scan])
            } else {
                let probe =
                    node("TableRowIDScan", est, object, "keep order:false".into(), Vec::new());
                node("IndexLookUp", est, String::new(), String::new(), vec![scan, probe])
            }
        }
        // With statistics (ANALYZE TABLE) a full scan reads the analyzed row count; without,
        // TiDB's pseudo estimate.
        Access::FullScan => match catalog.stats(t.id) {
            Some(s) => node(
                "TableFullScan",
                s.row_count as f64,
                object,
                "keep order:false".into(),
                Vec::new(),
            ),
            None => node(
                "TableFullScan",
                PSEUDO_ROWS,
                object,
                "keep order:false, stats:pseudo".into(),
                Vec::new(),
            ),
        },
    })
}

/// The join as planned (`planner::join`): left-deep in join order, each source read once
/// along its access path (then hashed or looped over) or looked up per row by its join key.
/// Returns the tree and the names of the columns it outputs (FROM order).
/// `slots`: where EXPLAIN ANALYZE measured the join's parts (a streamed join).
fn join_plan(
    env: &QueryEnv<'_, '_, '_>,
    join: &JoinPlan,
    slots: Option<AnalysisSlots>,
) -> Result<(Node, Vec<String>)> {
    let sources = &join.sources;
    let own_names =
        |s: &Source| s.table.columns.iter().map(|c| qualified(s, &c.name)).collect::<Vec<_>>();
    let mut tree: Option<Node> = None;
    let mut names: Vec<String> = Vec::new();
    for (i, step) in join.steps.iter().enumerate() {
        let src = &sources[step.at];
        let own = own_names(src);
        let object = object_of(&src.table, &src.alias);
        let filtered = |n: Node, filter: &Option<crate::expr::Expr>| match filter {
            Some(f) => {
                let info = explain_expr(f, &own);
                node("Selection", step.source_est, String::new(), info, vec![n])
            }
            None => n,
        };
        let left_names = names.clone();
        names.extend(own.iter().cloned());
        let inner = match &step.read {
            Read::Once { access: None, filter, .. } => {
                let n = match &src.computed {
                    Some(plan) => render(plan, env, &mut { UNNUMBERED })?.0,
                    None => node("MemTableScan", 0.0, object, String::new(), Vec::new()),
                };
                filtered(n, filter)
            }
            Read::Once { access: Some(a), filter, .. } => {
                let n = render_access(
                    &mut env.st.borrow_mut(),
                    &src.table,
                    object,
                    a.clone(),
                    env.catalog,
                )?;
                filtered(n, filter)
            }
            Read::Lookup(lp) => {
                let keys: Vec<String> = lp
                    .columns
                    .iter()
                    .zip(&lp.left)
                    .map(|(&c, k)| format!("eq({}, {})", own[c], explain_expr(k, &left_names)))
                    .collect();
                let range = format!("range: decided by [{}], keep order:false", keys.join(" "));
                let n = match &lp.via {
                    Lookup::Handle => node("TableRangeScan", 1.0, object, range, Vec::new()),
                    Lookup::Index(idx) => {
                        let cols: Vec<&str> = idx
                            .columns
                            .iter()
                            .map(|&c| src.table.columns[c].name.as_str())
                            .collect();
                        let scan = node(
                            "IndexRangeScan",
                            1.0,
                            format!("{object}, index:{}({})", idx.name, cols.join(", ")),
                            range,
                            Vec::new(),
                        );
                        let probe = node(
                            "TableRowIDScan",
                            1.0,
                            object,
                            "keep order:false".into(),
                            Vec::new(),
                        );
                        node("IndexLookUp", 1.0, String::new(), String::new(), vec![scan, probe])
                    }
                };
                filtered(n, &lp.filter)
            }
        };
        let mut inner = inner;
        inner.plan_id = slots.map(|s| if i == 0 { s.first() } else { s.source(i) });
        tree = Some(match tree {
            None => inner,
            Some(outer) => {
                let kind = match step.kind {
                    StepKind::Inner if step.cond.is_none() => "CARTESIAN inner join",
                    StepKind::Inner => "inner join",
                    StepKind::Left => "left outer join",
                    StepKind::Right => "right outer join",
                    StepKind::Semi => "semi join",
                    StepKind::Anti => "anti semi join",
                };
                let others: Vec<String> = step
                    .cond
                    .as_ref()
                    .map(bound_conjuncts)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| !step.keys.contains(c))
                    .map(|c| explain_expr(c, &names))
                    .collect();
                let other = if others.is_empty() {
                    String::new()
                } else {
                    format!(", other cond:{}", others.join(", "))
                };
                let equal: Vec<String> =
                    step.keys.iter().map(|k| explain_expr(k, &names)).collect();
                let (name, info) = match &step.read {
                    Read::Lookup(lp) => {
                        let inner_key: Vec<&str> =
                            lp.columns.iter().map(|&c| own[c].as_str()).collect();
                        let outer_key: Vec<String> =
                            lp.left.iter().map(|k| explain_expr(k, &left_names)).collect();
                        (
                            "IndexJoin",
                            format!(
                                "{kind}, inner key:{}, outer key:{}{other}",
                                inner_key.join(", "),
                                outer_key.join(", ")
                            ),
                        )
                    }
                    Read::Once { hash: Some(_), .. } => {
                        ("HashJoin", format!("{kind}, equal:[{}]{other}", equal.join(" ")))
                    }
                    Read::Once { hash: None, .. } => ("NestedLoopJoin", format!("{kind}{other}")),
                };
                let mut joined = node(name, step.est, String::new(), info, vec![outer, inner]);
                joined.plan_id = slots.and_then(|s| s.joined(i));
                joined
            }
        });
    }
    let tree = tree.ok_or_else(|| unsupported("an empty FROM clause"))?;
    let from_names = sources.iter().flat_map(own_names).collect();
    Ok((tree, from_names))
}

/// TiDB's name of an aggregate call, e.g. `count(distinct test.t.a)`.
fn agg_text(call: &AggCall, names: &[String]) -> String {
    let f = match call.kind {
        AggKind::CountStar => return "count(1)".into(),
        AggKind::Count => "count",
        AggKind::Sum => "sum",
        AggKind::Avg => "avg",
        AggKind::Min => "min",
        AggKind::Max => "max",
        AggKind::GroupConcat => "group_concat",
        AggKind::BitAnd => "bit_and",
        AggKind::BitOr => "bit_or",
        AggKind::BitXor => "bit_xor",
        AggKind::StddevPop => "stddev_pop",
        AggKind::StddevSamp => "stddev_samp",
        AggKind::VarPop => "var_pop",
        AggKind::VarSamp => "var_samp",
        AggKind::AnyValue => "any_value",
        AggKind::JsonArrayAgg => "json_arrayagg",
        AggKind::JsonObjectAgg => "json_objectagg",
        AggKind::ApproxPercentile(_) => "approx_percentile",
    };
    let mut arg = call.arg.as_ref().map_or(String::new(), |a| explain_expr(a, names));
    if let Some(gc) = &call.concat {
        for e in &gc.rest {
            arg = format!("{arg}, {}", explain_expr(e, names));
        }
        if !gc.order.is_empty() {
            let keys = gc.order.iter().map(|(e, asc)| {
                let k = explain_expr(e, names);
                if *asc {
                    k
                } else {
                    format!("{k} desc")
                }
            });
            arg = format!("{arg} order by {}", keys.collect::<Vec<_>>().join(", "));
        }
        arg = format!("{arg} separator {:?}", String::from_utf8_lossy(&gc.separator));
    }
    let distinct = if call.distinct { "distinct " } else { "" };
    format!("{f}({distinct}{arg})")
}

fn list(exprs: &[&crate::expr::Expr], names: &[String]) -> String {
    exprs.iter().map(|e| explain_expr(e, names)).collect::<Vec<_>>().join(", ")
}

fn sort_keys(keys: &[(crate::expr::Expr, bool)], names: &[String]) -> String {
    keys.iter()
        .map(|(e, asc)| {
            let k = explain_expr(e, names);
            if *asc {
                k
            } else {
                format!("{k}:desc")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Marks a table read's operators `keep order:true` (and `desc` when read backwards).
fn keep_order_true(n: &mut Node, desc: bool) {
    let to = if desc { "keep order:true, desc" } else { "keep order:true" };
    n.info = n.info.replace("keep order:false", to);
    n.children.iter_mut().for_each(|c| keep_order_true(c, desc));
}

/// A source's column as EXPLAIN names it: `db.alias.column` (no db for derived tables).
fn qualified(s: &Source, column: &str) -> String {
    if s.db.is_empty() {
        format!("{}.{column}", s.alias)
    } else {
        format!("{}.{}.{column}", s.db, s.alias)
    }
}

/// The rows `plan` is estimated to return (as EXPLAIN would show them).
pub(crate) fn estimated_rows(env: &QueryEnv<'_, '_, '_>, plan: &Plan) -> Result<f64> {
    Ok(render(plan, env, &mut { UNNUMBERED })?.0.est)
}

/// Where plans rendered outside the statement's numbering (a join's computed sources, which
/// its operator runs itself) start counting: far past any real node, so EXPLAIN ANALYZE finds
/// no measurements for them rather than another node's.
const UNNUMBERED: usize = usize::MAX / 2;

/// The operator tree of `plan`, and the names of the columns it outputs.
/// Plan nodes are numbered in pre-order from `*next_id`, as `ops::build` numbers operators.
fn render(
    plan: &Plan,
    env: &QueryEnv<'_, '_, '_>,
    next_id: &mut usize,
) -> Result<(Node, Vec<String>)> {
    let id = *next_id;
    *next_id += 1;
    let one = |name, est, info, child: Node| node(name, est, String::new(), info, vec![child]);
    let (mut n, names) = match plan {
        // A pass-through (see `ops::build`): its input's operators under the outer names.
        Plan::Derived { input, names } => {
            let (n, _) = render(input, env, next_id)?;
            return Ok((n, names.clone()));
        }
        // Its query's plan below it, run by the scan itself (once per statement).
        Plan::Cte { id, name, input } => {
            let (child, names) = render(input, env, &mut { UNNUMBERED })?;
            let info = format!("data:CTE_{id}");
            (node("CTEFullScan", child.est, format!("table:{name}"), info, vec![child]), names)
        }
        Plan::RecursiveUnion { seed, step, .. } => {
            let (seed, names) = render(seed, env, &mut { UNNUMBERED })?;
            let (step, _) = render(step, env, &mut { UNNUMBERED })?;
            let est = seed.est;
            (
                node(
                    "RecursiveCTE",
                    est,
                    String::new(),
                    "seed, recursive".into(),
                    vec![seed, step],
                ),
                names,
            )
        }
        Plan::WorkTable { name, .. } => {
            let n =
                node("CTETable", 1.0, format!("table:{name}"), "working rows".into(), Vec::new());
            (n, Vec::new())
        }
        Plan::Rows { rows, label: "Dual", names, .. } => {
            let info = format!("rows:{}", rows.len());
            (node("TableDual", rows.len() as f64, String::new(), info, Vec::new()), names.clone())
        }
        Plan::Rows { rows, names, object, .. } => {
            let n =
                node("MemTableScan", rows.len() as f64, object.clone(), String::new(), Vec::new());
            (n, names.clone())
        }
        Plan::Table { table, db, alias, access, keep_order, desc, ranges_from, .. } => {
            let object = object_of(table, alias);
            let mut n = render_access(
                &mut env.st.borrow_mut(),
                table,
                object,
                access.clone(),
                env.catalog,
            )?;
            if *keep_order {
                keep_order_true(&mut n, *desc);
            }
            let names: Vec<String> =
                table.columns.iter().map(|c| format!("{db}.{alias}.{}", c.name)).collect();
            if let Some(from) = ranges_from {
                decided_by(&mut n, &format!("range: decided by [{}]", explain_expr(from, &names)));
            }
            (n, names)
        }
        Plan::Join { join } => {
            let slots = join.slots_at(*next_id);
            *next_id += join.analysis_slots();
            join_plan(env, join, slots)?
        }
        Plan::Filter { input, pred } => {
            let (child, names) = render(input, env, next_id)?;
            let info = explain_expr(pred, &names);
            // Over a full scan: the filter's share of the table (a range's estimate already
            // counts the conditions it was built from).
            let est = match &**input {
                Plan::Table { table, access: Access::FullScan, .. } => {
                    crate::planner::filtered_rows(env, pred, table, child.est)
                }
                _ => child.est,
            };
            (one("Selection", est, info, child), names)
        }
        // Rows named by handle are locked and read in one step (TiDB's point get with lock):
        // the lock's measurements are the point reads'.
        Plan::Lock { input, .. } if ops::point_handles(input).is_some() => {
            let (mut child, names) = render(input, env, next_id)?;
            locked_points(&mut child, id);
            (child, names)
        }
        Plan::Lock { input, .. } => {
            let (child, names) = render(input, env, next_id)?;
            (one("SelectLock", child.est, "for update 0".into(), child), names)
        }
        Plan::Agg { input, groups, aggs } => {
            let (child, names) = render(input, env, next_id)?;
            let by: Vec<&crate::expr::Expr> = groups.iter().collect();
            let funcs: Vec<String> = aggs.iter().map(|a| agg_text(a, &names)).collect();
            let mut info = Vec::new();
            if !by.is_empty() {
                info.push(format!("group by:{}", list(&by, &names)));
            }
            if !funcs.is_empty() {
                info.push(format!("funcs:{}", funcs.join(", ")));
            }
            let est = if groups.is_empty() { 1.0 } else { child.est };
            let mut out: Vec<String> = groups.iter().map(|g| explain_expr(g, &names)).collect();
            out.extend(funcs);
            (one("HashAgg", est, info.join(", "), child), out)
        }
        Plan::Sort { input, keys } => {
            let (child, names) = render(input, env, next_id)?;
            let info = sort_keys(keys, &names);
            (one("Sort", child.est, info, child), names)
        }
        Plan::TopN { input, keys, limit, offset } => {
            let (child, names) = render(input, env, next_id)?;
            let info = format!("{}, offset:{offset}, count:{limit}", sort_keys(keys, &names));
            (one("TopN", child.est.min(*limit as f64), info, child), names)
        }
        Plan::Project { input, exprs } => {
            let (child, names) = render(input, env, next_id)?;
            let out: Vec<String> = exprs.iter().map(|e| explain_expr(e, &names)).collect();
            (one("Projection", child.est, out.join(", "), child), out)
        }
        Plan::Expand { input, groups } => {
            let (child, mut names) = render(input, env, next_id)?;
            let by: Vec<&crate::expr::Expr> = groups.iter().collect();
            let info = format!("rollup:[{}]", list(&by, &names));
            let base = names.len();
            for (j, g) in groups.iter().enumerate() {
                names.push(format!("grouping({})", explain_expr(g, &names[..base])));
                names.push(format!("Column#{}", base + 2 * j + 2));
            }
            let est = child.est * (groups.len() + 1) as f64;
            (one("Expand", est, info, child), names)
        }
        Plan::Window { input, calls } => {
            let (child, mut names) = render(input, env, next_id)?;
            let base = names.len();
            let info: Vec<String> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| window_text(c, &names, base + i + 1))
                .collect();
            names.extend((0..calls.len()).map(|i| format!("Column#{}", base + i + 1)));
            (one("Window", child.est, info.join(", "), child), names)
        }
        Plan::Distinct { input } => {
            let (child, names) = render(input, env, next_id)?;
            let by: Vec<&str> = names.iter().map(String::as_str).collect();
            let info = format!("group by:{}", by.join(", "));
            (one("HashAgg", child.est, info, child), names)
        }
        Plan::Union { inputs } => {
            let mut children = Vec::with_capacity(inputs.len());
            let mut names = Vec::new();
            for (i, input) in inputs.iter().enumerate() {
                let (child, child_names) = render(input, env, next_id)?;
                if i == 0 {
                    names = child_names;
                }
                children.push(child);
            }
            let est = children.iter().map(|c| c.est).sum();
            (node("Union", est, String::new(), String::new(), children), names)
        }
        Plan::SetOp { left, right, intersect, all } => {
            let (l, names) = render(left, env, next_id)?;
            let (r, _) = render(right, env, next_id)?;
            let (name, est) = match intersect {
                true => ("Intersect", l.est.min(r.est)),
                false => ("Except", l.est),
            };
            let info = if *all { "all" } else { "distinct" }.to_string();
            (node(name, est, String::new(), info, vec![l, r]), names)
        }
        Plan::Limit { input, limit, offset, .. } => {
            let (child, names) = render(input, env, next_id)?;
            let count = limit.map_or(child.est, |l| child.est.min(l as f64));
            let shown = limit.map_or("all".to_string(), |l| l.to_string());
            (one("Limit", count, format!("offset:{offset}, count:{shown}"), child), names)
        }
    };
    n.plan_id = Some(id);
    if plan.expressions().iter().any(|e| e.has_subquery()) {
        // Their arguments are over the node's input row.
        let input_names = match plan {
            Plan::Agg { input, .. } | Plan::Project { input, .. } => render_names(input, env)?,
            _ => names.clone(),
        };
        n.children.extend(subquery_nodes(plan, env, &input_names)?);
    }
    Ok((n, names))
}

/// The names of the columns `plan` outputs (for the expressions of the node above it).
fn render_names(plan: &Plan, env: &QueryEnv<'_, '_, '_>) -> Result<Vec<String>> {
    Ok(render(plan, env, &mut { UNNUMBERED })?.1)
}

/// A window call as TiDB's EXPLAIN shows it: `row_number() over(partition by … order by …
/// rows between … and …)`.
fn window_text(c: &crate::planner::WindowCall, names: &[String], column: usize) -> String {
    use crate::planner::{Bound, Offset};
    let name = c.text.split('(').next().unwrap_or("").to_ascii_lowercase();
    let mut args: Vec<String> = c.args.iter().map(|a| explain_expr(a, names)).collect();
    if let crate::planner::WindowFunc::Agg(a) = &c.func {
        args.extend(a.arg.iter().map(|a| explain_expr(a, names)));
    }
    let mut over = Vec::new();
    if !c.partition.is_empty() {
        let by: Vec<&crate::expr::Expr> = c.partition.iter().collect();
        over.push(format!("partition by {}", list(&by, names)));
    }
    if !c.order.is_empty() {
        over.push(format!("order by {}", sort_keys(&c.order, names)));
    }
    let bound = |b: &Bound| match b {
        Bound::UnboundedPreceding => "unbounded preceding".to_string(),
        Bound::UnboundedFollowing => "unbounded following".to_string(),
        Bound::CurrentRow => "current row".to_string(),
        Bound::Preceding(Offset::Rows(n)) => format!("{n} preceding"),
        Bound::Following(Offset::Rows(n)) => format!("{n} following"),
        Bound::Preceding(Offset::Range(_)) => "n preceding".to_string(),
        Bound::Following(Offset::Range(_)) => "n following".to_string(),
    };
    let units = if c.frame.range { "range" } else { "rows" };
    over.push(format!("{units} between {} and {}", bound(&c.frame.start), bound(&c.frame.end)));
    format!("{name}({})->Column#{column} over({})", args.join(", "), over.join(" "))
}

/// Marks the point reads under a lock that reads them itself (`ops::point_handles`): `lock`
/// on the point get, and every node measured as the lock (plan node `lock`).
fn locked_points(n: &mut Node, lock: usize) {
    n.plan_id = Some(lock);
    if n.children.is_empty() {
        n.info = if n.info.is_empty() { "lock".into() } else { format!("{}, lock", n.info) };
    }
    for c in &mut n.children {
        locked_points(c, lock);
    }
}

/// What EXPLAIN ANALYZE measured, per plan node.
struct Measured<'a> {
    stats: &'a [OpStats],
    /// Each subquery plan's, by its address.
    subqueries: Option<super::query::SubqueryFigures>,
    /// The statement's peak memory (shown on the root).
    peak: usize,
    /// Bytes the statement spilled to disk (shown on the root).
    disk: u64,
}

/// How rows are printed: with EXPLAIN ANALYZE's measurements, and in TiDB's brief form.
struct Style<'a> {
    measured: Option<&'a Measured<'a>>,
    brief: bool,
}

fn flatten(
    n: &Node,
    prefix: &str,
    child_prefix: &str,
    next_id: &mut usize,
    style: &Style<'_>,
    inherited: (Option<usize>, Option<usize>),
    out: &mut Vec<Vec<Value>>,
) {
    let (measured, brief) = (style.measured, style.brief);
    *next_id += 1;
    let (plan_id, source) = match n.plan_id {
        Some(id) => (Some(id), n.source),
        None => inherited,
    };
    // `FORMAT='brief'` shows operator names without their `_N` ids.
    let id = if brief {
        format!("{prefix}{}", n.name)
    } else {
        format!("{prefix}{}_{}", n.name, next_id)
    };
    let mut row = vec![Value::String(id), Value::String(format!("{:.2}", n.est))];
    if let Some(m) = measured {
        let s = match source {
            None => plan_id.and_then(|i| m.stats.get(i)).copied(),
            Some(addr) => m.subqueries.as_ref().and_then(|f| {
                let figures = f.borrow().get(&addr)?.clone();
                let s = plan_id.and_then(|i| figures.borrow().get(i).copied());
                s
            }),
        }
        .unwrap_or_default();
        row.push(Value::String(s.rows.to_string()));
        row.push(Value::String("root".into()));
        row.push(Value::String(n.access.clone()));
        row.push(Value::String(format!("time:{:?}, loops:{}", s.time, s.loops)));
        row.push(Value::String(n.info.clone()));
        let (memory, disk) = if *next_id == 1 {
            (format!("{} Bytes", m.peak), format!("{} Bytes", m.disk))
        } else {
            ("N/A".into(), "N/A".into())
        };
        row.push(Value::String(memory));
        row.push(Value::String(disk));
    } else {
        row.push(Value::String("root".into()));
        row.push(Value::String(n.access.clone()));
        row.push(Value::String(n.info.clone()));
    }
    out.push(row);
    let count = n.children.len();
    for (i, c) in n.children.iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─" } else { "├─" };
        let cont = if last { "  " } else { "│ " };
        flatten(
            c,
            &format!("{child_prefix}{branch}"),
            &format!("{child_prefix}{cont}"),
            next_id,
            style,
            (plan_id, source),
            out,
        );
    }
}

/// A query's operator tree and the plan it runs (`q` without WITH: see `query::with_scope`).
fn explain_query(env: &QueryEnv<'_, '_, '_>, q: &Query) -> Result<(Node, Plan)> {
    let planned = plan_query(env, q, "", None)?;
    let (root, _) = render(&planned.plan, env, &mut 0)?;
    Ok((root, planned.plan))
}

/// `EXPLAIN [ANALYZE] …` of a SELECT (set operations too), UPDATE, DELETE or INSERT: the plan
/// the statement runs. With ANALYZE a SELECT block runs, and each operator shows the rows it
/// returned, its calls and time, as TiDB's EXPLAIN ANALYZE does.
pub fn explain(
    ctx: &SessionCtx,
    catalog: &Catalog,
    stmt: &ast::Statement,
    analyze: bool,
    brief: bool,
) -> Result<ExecResult> {
    // Row estimates count keys in the latest snapshot.
    let mut txn = catalog.begin_read()?;
    let mut st = StmtTxn::new(txn.as_mut());
    let cell = RefCell::new(&mut st);
    let env = QueryEnv::new(ctx, catalog, &cell);
    let dml = |name: &'static str, child: Option<Node>| {
        node(name, 0.0, String::new(), "N/A".into(), child.into_iter().collect())
    };
    let target_plan = |target: &super::targets::Target, sel, order, limit| {
        let plan = super::targets::plan(&env, target, sel, order, limit)?;
        render(&plan, &env, &mut 0).map(|(n, _)| n)
    };
    if let ast::Statement::Query(q) = stmt {
        // Inside the WITH clause's scope: ANALYZE runs the plan, which may read its CTEs.
        return super::query::with_scope(&env, q, |q| {
            let (root, plan) = explain_query(&env, q)?;
            explain_rows(&env, ctx, root, analyze.then_some(plan), brief)
        });
    }
    let (root, plan) = match stmt {
        // Several tables: the join that finds their rows.
        ast::Statement::Update(up) if super::multi_table::is_multi_update(up) => {
            let (_, _, q) = super::multi_table::update_query(&env, up)?;
            (dml("Update", Some(explain_query(&env, &q)?.0)), None)
        }
        ast::Statement::Delete(del) if super::multi_table::is_multi_delete(del) => {
            let (_, q) = super::multi_table::delete_query(&env, del)?;
            (dml("Delete", Some(explain_query(&env, &q)?.0)), None)
        }
        ast::Statement::Update(up) => {
            let target = super::update::target(ctx, catalog, up)?;
            let n = target_plan(&target, up.selection.as_ref(), &up.order_by, up.limit.as_ref())?;
            (dml("Update", Some(n)), None)
        }
        ast::Statement::Delete(del) => {
            let target = super::delete::target(ctx, catalog, del)?;
            let n =
                target_plan(&target, del.selection.as_ref(), &del.order_by, del.limit.as_ref())?;
            (dml("Delete", Some(n)), None)
        }
        ast::Statement::Insert(ins) => {
            let child = match &ins.source {
                Some(q) if !matches!(q.body.as_ref(), SetExpr::Values(_)) => {
                    Some(super::query::with_scope(&env, q, |q| explain_query(&env, q))?.0)
                }
                _ => None,
            };
            (dml("Insert", child), None)
        }
        _ => return Err(unsupported("EXPLAIN of this statement")),
    };
    explain_rows(&env, ctx, root, plan, brief)
}

/// EXPLAIN's rows for the operator tree `root`; with `plan` (ANALYZE), after running it.
fn explain_rows(
    env: &QueryEnv<'_, '_, '_>,
    ctx: &SessionCtx,
    root: Node,
    plan: Option<Plan>,
    brief: bool,
) -> Result<ExecResult> {
    let Some(plan) = plan else {
        let mut rows = Vec::new();
        flatten(&root, "", "", &mut 0, &Style { measured: None, brief }, (None, None), &mut rows);
        let names = ["id", "estRows", "task", "access object", "operator info"];
        let columns = names.iter().map(|n| ResultColumn::varchar(*n, 256).not_null()).collect();
        return Ok(ExecResult::Rows(ResultSet { columns, rows }));
    };
    let stats = std::rc::Rc::new(RefCell::new(Vec::new()));
    let figures = super::query::SubqueryFigures::default();
    *env.subquery_figures.borrow_mut() = Some(figures.clone());
    let mut op = ops::build_analyzed(plan, &stats);
    let eval = EvalCtx { session: ctx, subqueries: Some(env), params: &[] };
    // The rows are counted, not kept.
    let cx = ops::Cx { env, eval: &eval };
    while op.next(&cx)?.is_some() {}
    let stats = stats.borrow();
    Ok(analyzed_rows(
        &root,
        &Measured {
            stats: &stats,
            subqueries: Some(figures),
            peak: env.mem.peak(),
            disk: env.mem.disk(),
        },
        brief,
    ))
}

/// EXPLAIN ANALYZE's rows for the operator tree `root`, as `measured`.
fn analyzed_rows(root: &Node, measured: &Measured<'_>, brief: bool) -> ExecResult {
    let mut rows = Vec::new();
    let style = Style { measured: Some(measured), brief };
    flatten(root, "", "", &mut 0, &style, (None, None), &mut rows);
    let names = [
        "id",
        "estRows",
        "actRows",
        "task",
        "access object",
        "execution info",
        "operator info",
        "memory",
        "disk",
    ];
    let columns = names.iter().map(|n| ResultColumn::varchar(*n, 256).not_null()).collect();
    ExecResult::Rows(ResultSet { columns, rows })
}

/// What EXPLAIN ANALYZE of an INSERT, UPDATE or DELETE learns while the statement runs: the
/// operator tree of the rows it reads (rendered when built) and each operator's measurements.
#[derive(Default)]
pub struct Analysis {
    tree: RefCell<Option<Node>>,
    figures: super::query::SubqueryFigures,
    stats: std::rc::Rc<RefCell<Vec<OpStats>>>,
    mem: RefCell<Option<std::rc::Rc<crate::memory::MemTracker>>>,
}

impl Analysis {
    /// The operators of `plan`: measured into `analysis` when there is one, else plain.
    pub fn operators(
        analysis: Option<&Self>,
        plan: Plan,
        env: &QueryEnv<'_, '_, '_>,
    ) -> Result<Box<dyn ops::Operator>> {
        match analysis {
            Some(a) => a.build(plan, env),
            None => Ok(ops::build(plan)),
        }
    }

    /// The measured operators of `plan` (the statement's row source), its tree kept to print.
    fn build(&self, plan: Plan, env: &QueryEnv<'_, '_, '_>) -> Result<Box<dyn ops::Operator>> {
        let (tree, _) = render(&plan, env, &mut 0)?;
        *self.tree.borrow_mut() = Some(tree);
        *self.mem.borrow_mut() = Some(env.mem.clone());
        *env.subquery_figures.borrow_mut() = Some(self.figures.clone());
        Ok(ops::build_analyzed(plan, &self.stats))
    }
}

/// `EXPLAIN ANALYZE` of an INSERT, UPDATE or DELETE: runs the statement in the session's
/// transaction (its changes are kept, as TiDB's are) and prints its plan with what each
/// operator did; the statement's own operator shows its whole time.
pub fn analyze_dml(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    stmt: &ast::Statement,
    brief: bool,
) -> Result<ExecResult> {
    let analysis = Analysis::default();
    let started = std::time::Instant::now();
    let name = match stmt {
        ast::Statement::Update(up) => {
            super::update::execute_update(ctx, catalog, st, up, Some(&analysis))?;
            "Update"
        }
        ast::Statement::Delete(del) => {
            super::delete::execute_delete(ctx, catalog, st, del, Some(&analysis))?;
            "Delete"
        }
        ast::Statement::Insert(ins) => {
            super::insert::execute_insert(ctx, catalog, st, ins, Some(&analysis))?;
            "Insert"
        }
        _ => return Err(unsupported("EXPLAIN ANALYZE of this statement")),
    };
    let mut stats = analysis.stats.borrow().clone();
    stats.push(OpStats { rows: 0, loops: 1, time: started.elapsed() });
    let child = analysis.tree.borrow_mut().take();
    let mut root = node(name, 0.0, String::new(), "N/A".into(), child.into_iter().collect());
    root.plan_id = Some(stats.len() - 1);
    let (peak, disk) = analysis.mem.borrow().as_ref().map_or((0, 0), |m| (m.peak(), m.disk()));
    let subqueries = Some(analysis.figures.clone());
    Ok(analyzed_rows(&root, &Measured { stats: &stats, subqueries, peak, disk }, brief))
}
