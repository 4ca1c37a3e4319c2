//! `EXPLAIN SELECT …`: the operators the executor will run, in TiDB's EXPLAIN columns
//! (`id`, `estRows`, `task`, `access object`, `operator info`). Without statistics, row estimates
//! are TiDB's pseudo ones (10000 rows per table) and say `stats:pseudo`.

use catalog::Catalog;
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use kv::KeyRange;
use sqlparser::ast::{self, Query, SelectItem, SetExpr, TableFactor};
use types::{ResultColumn, Value};

use std::cell::RefCell;

use super::{
    access::{choose_access, used_columns, Access, Needs},
    join::{plan_sources, JoinSpec, Lookup, SourcePlan},
    query::{resolve_from, QueryEnv},
    table_name,
};
use crate::{
    binder::is_aggregate,
    context::SessionCtx,
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
}

fn node(name: &'static str, est: f64, access: String, info: String, children: Vec<Node>) -> Node {
    Node { name, est, access, info, children }
}

fn unsupported(what: &str) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

fn has_aggregate(items: &[SelectItem]) -> bool {
    items.iter().any(|i| match i {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
            let text = e.to_string().to_ascii_uppercase();
            ["COUNT(", "SUM(", "AVG(", "MIN(", "MAX("].iter().any(|f| text.contains(f))
                || matches!(e, ast::Expr::Function(f) if is_aggregate(&f.name.to_string()))
        }
        _ => false,
    })
}

fn source(
    ctx: &SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    q: &Query,
    f: &TableFactor,
    pred: Option<&ast::Expr>,
) -> Result<Node> {
    let TableFactor::Table { name, alias, .. } = f else {
        return Ok(node(
            "Derived",
            PSEUDO_ROWS,
            String::new(),
            "subquery in FROM".into(),
            Vec::new(),
        ));
    };
    let (db, tname) = table_name(ctx, name)?;
    if db.eq_ignore_ascii_case("information_schema") {
        return Ok(node(
            "MemTableScan",
            PSEUDO_ROWS,
            format!("table:{}", tname.to_uppercase()),
            String::new(),
            Vec::new(),
        ));
    }
    let schema = catalog.schema();
    let t = schema.table(&db, &tname)?;
    let alias = alias.as_ref().map_or(t.name.clone(), |a| a.name.value.clone());
    let object = object_of(t, &alias);
    let used = used_columns(t, q);
    let needs = used.as_deref().map_or(Needs::AllColumns, Needs::Columns);
    let access = choose_access(t, &alias, pred, needs, ctx, Some(&mut *st))?;
    render_access(st, t, object, access)
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
        Access::HandleRange { range, shown, est } => {
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
        Access::FullScan => node(
            "TableFullScan",
            PSEUDO_ROWS,
            object,
            "keep order:false, stats:pseudo".into(),
            Vec::new(),
        ),
    })
}

/// The join of the FROM clause as executed (`join::plan_sources`): left-deep, each table read
/// once along its access path or looked up per row by its join key.
fn join_plan(
    ctx: &SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    from: &[ast::TableWithJoins],
    pred: Option<&ast::Expr>,
) -> Result<Node> {
    let cell = RefCell::new(&mut *st);
    let env = QueryEnv::new(ctx, catalog, &cell);
    let (sources, specs) = resolve_from(&env, from, None)?;
    let plans = plan_sources(&sources, &specs, pred, ctx, None);
    let mut tree: Option<Node> = None;
    for ((src, spec), plan) in sources.iter().zip(&specs).zip(plans) {
        let object = object_of(&src.table, &src.alias);
        let inner = match &plan {
            SourcePlan::Rows(_) => {
                node("MemTableScan", PSEUDO_ROWS, object, String::new(), Vec::new())
            }
            SourcePlan::Read(p, _) => {
                let access = choose_access(
                    &src.table,
                    &src.alias,
                    p.as_deref(),
                    Needs::AllColumns,
                    ctx,
                    Some(&mut *cell.borrow_mut()),
                )?;
                render_access(&mut cell.borrow_mut(), &src.table, object, access)?
            }
            SourcePlan::Lookup(lj) => {
                let col = &src.table.columns[lj.column].name;
                let range =
                    format!("range: decided by [eq({col}, {})], keep order:false", lj.key_text);
                match &lj.via {
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
                }
            }
        };
        tree = Some(match tree {
            None => inner,
            Some(outer) => {
                let kind = match spec {
                    JoinSpec::Cross => "CARTESIAN inner join",
                    JoinSpec::Inner(_) => "inner join",
                    JoinSpec::Left(_) => "left outer join",
                    JoinSpec::Right(_) => "right outer join",
                };
                let (name, info) = match &plan {
                    SourcePlan::Lookup(lj) => (
                        "IndexJoin",
                        format!(
                            "{kind}, inner key:{}, outer key:{}",
                            src.table.columns[lj.column].name, lj.key_text
                        ),
                    ),
                    SourcePlan::Read(_, Some(h)) | SourcePlan::Rows(Some(h)) => {
                        ("HashJoin", format!("{kind}, equal:[{}]", h.text))
                    }
                    _ => ("NestedLoopJoin", kind.to_string()),
                };
                let est = match &plan {
                    SourcePlan::Lookup(_) => outer.est,
                    _ => outer.est * inner.est,
                };
                node(name, est, String::new(), info, vec![outer, inner])
            }
        });
    }
    tree.ok_or_else(|| unsupported("an empty FROM clause"))
}

fn plan(ctx: &SessionCtx, catalog: &Catalog, st: &mut StmtTxn<'_>, q: &Query) -> Result<Node> {
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err(unsupported("EXPLAIN of set operations"));
    };
    let pred = select.selection.as_ref();
    let mut n = match select.from.as_slice() {
        [] => node("TableDual", 1.0, String::new(), "rows:1".into(), Vec::new()),
        [twj] if twj.joins.is_empty() && twj.relation.to_string().eq_ignore_ascii_case("dual") => {
            node("TableDual", 1.0, String::new(), "rows:1".into(), Vec::new())
        }
        [twj] if twj.joins.is_empty() => source(ctx, catalog, st, q, &twj.relation, pred)?,
        many => join_plan(ctx, catalog, st, many, pred)?,
    };
    if let Some(w) = pred {
        let est = n.est;
        n = node("Selection", est, String::new(), w.to_string(), vec![n]);
    }
    let ast::GroupByExpr::Expressions(groups, _) = &select.group_by else {
        return Err(unsupported("GROUP BY ALL"));
    };
    if !groups.is_empty() || has_aggregate(&select.projection) {
        let by: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        let est = if groups.is_empty() { 1.0 } else { n.est };
        let info = if by.is_empty() {
            "funcs:aggregate".to_string()
        } else {
            format!("group by:{}", by.join(", "))
        };
        n = node("HashAgg", est, String::new(), info, vec![n]);
        if let Some(h) = &select.having {
            let est = n.est;
            n = node("Selection", est, String::new(), h.to_string(), vec![n]);
        }
    }
    if let Some(ob) = &q.order_by {
        let est = n.est;
        n = node(
            "Sort",
            est,
            String::new(),
            ob.to_string().trim_start_matches("ORDER BY ").to_string(),
            vec![n],
        );
    }
    let items: Vec<String> = select.projection.iter().map(|i| i.to_string()).collect();
    let est = n.est;
    n = node("Projection", est, String::new(), items.join(", "), vec![n]);
    if let Some(l) = &q.limit_clause {
        let est = n.est;
        n = node("Limit", est, String::new(), l.to_string().trim().to_string(), vec![n]);
    }
    Ok(n)
}

fn flatten(
    n: &Node,
    prefix: &str,
    child_prefix: &str,
    next_id: &mut usize,
    out: &mut Vec<Vec<Value>>,
) {
    *next_id += 1;
    out.push(vec![
        Value::String(format!("{prefix}{}_{}", n.name, next_id)),
        Value::String(format!("{:.2}", n.est)),
        Value::String("root".into()),
        Value::String(n.access.clone()),
        Value::String(n.info.clone()),
    ]);
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
            out,
        );
    }
}

/// `EXPLAIN [FORMAT=…] SELECT …`.
pub fn explain(
    ctx: &SessionCtx,
    catalog: &Catalog,
    stmt: &ast::Statement,
    analyze: bool,
) -> Result<ExecResult> {
    if analyze {
        return Err(unsupported("EXPLAIN ANALYZE"));
    }
    let ast::Statement::Query(q) = stmt else {
        return Err(unsupported("EXPLAIN of statements other than SELECT"));
    };
    // Row estimates count keys in the latest snapshot.
    let mut txn = catalog.begin_read()?;
    let mut st = StmtTxn::new(txn.as_mut());
    let root = plan(ctx, catalog, &mut st, q)?;
    let mut rows = Vec::new();
    flatten(&root, "", "", &mut 0, &mut rows);
    let columns = ["id", "estRows", "task", "access object", "operator info"]
        .iter()
        .map(|n| ResultColumn::varchar(*n, 256).not_null())
        .collect();
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}
