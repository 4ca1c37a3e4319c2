//! The physical plan of a query: a tree of bound operators, leaves first.
//!
//! ```text
//!   Limit                      LIMIT / OFFSET (stops pulling once it has enough)
//!   └─ Distinct                drops repeated output rows
//!      └─ Project              the select list, evaluated per row
//!         └─ Sort | TopN       ORDER BY (TopN when a LIMIT follows and nothing in between)
//!            └─ Window         window functions, one column each
//!               └─ Filter      HAVING
//!                  └─ Agg      GROUP BY and aggregate calls
//!                     └─ Lock  SELECT … FOR UPDATE: lock, re-read, re-check
//!                        └─ Filter            WHERE
//!                           └─ Table | Rows | Join | Dual
//!
//!   Union | SetOp              set operations, over planned query blocks (`query.rs`)
//! ```
//!
//! Every expression is bound ([`Expr::Column`] is a position in the child's row); a subquery
//! inside one holds its own plan ([`super::SubPlan`]), run with its arguments.

use std::sync::Arc;

use catalog::TableInfo;

use crate::{
    executor::{aggregate::AggCall, Access},
    expr::Expr,
    table::Row,
};

/// One node of a physical plan.
#[derive(Clone)]
pub enum Plan {
    /// Rows computed before execution: the single empty row of a SELECT without FROM, or a
    /// virtual source (information_schema, common table expression).
    Rows {
        /// The rows.
        rows: Vec<Row>,
        /// What they are, for EXPLAIN: `Dual` or `Rows`.
        label: &'static str,
        /// Qualified names of their columns (for EXPLAIN).
        names: Vec<String>,
        /// EXPLAIN's access object (`table:alias`).
        object: String,
    },
    /// A derived table or view: its query's plan, whose columns the outer query names
    /// `alias.column` (a pass-through: no operator of its own).
    Derived {
        /// The query's plan.
        input: Box<Plan>,
        /// Qualified names of its columns (for EXPLAIN).
        names: Vec<String>,
    },
    /// A common table expression's rows: computed by `input` the first time a reader of
    /// this `id` runs in the statement, then read from there by every reader.
    Cte {
        /// The CTE's id in the statement.
        id: usize,
        /// Its name.
        name: String,
        /// Its query's plan.
        input: Box<Plan>,
    },
    /// `WITH RECURSIVE`'s union: `seed`'s rows, then `step` run on the rows the previous
    /// round added (its [`Plan::WorkTable`] `id`) until a round adds none; `distinct`
    /// (UNION) drops rows seen before. More than `cte_max_recursion_depth` rounds: 3636.
    RecursiveUnion {
        /// The CTE's id.
        id: usize,
        /// The non-recursive part.
        seed: Box<Plan>,
        /// The recursive part.
        step: Box<Plan>,
        /// UNION (else UNION ALL).
        distinct: bool,
    },
    /// The rows the last round of recursive CTE `id` added, read by its recursive part.
    WorkTable {
        /// The CTE's id.
        id: usize,
        /// The CTE's name.
        name: String,
    },
    /// A stored table read along an access path; pages through ranges (see `ops::table_reader`).
    Table {
        /// The table.
        table: Arc<TableInfo>,
        /// Its database.
        db: String,
        /// The name it has in the query.
        alias: String,
        /// How its rows are read.
        access: Access,
        /// A Sort above was dropped because this read returns rows in its order (EXPLAIN's
        /// `keep order:true`).
        keep_order: bool,
        /// Read in descending key order (for a descending ORDER BY).
        desc: bool,
        /// The columns the query reads (by position; `None`: all). Scans decode only these.
        columns: Option<Vec<bool>>,
        /// The filter `access` was chosen for, when it holds parameters: the reader rebuilds
        /// the path's ranges from it for the parameters' values when it opens.
        ranges_from: Option<Expr>,
    },
    /// Several sources joined left-deep in a planned order (`planner::join`); rows leave in
    /// FROM order.
    Join {
        /// The sources, steps and column order.
        join: Box<super::JoinPlan>,
    },
    /// Keeps the rows for which `pred` is true.
    Filter {
        /// Input.
        input: Box<Plan>,
        /// Predicate over the input row.
        pred: Expr,
    },
    /// `SELECT … FOR UPDATE` on one table: locks each row's key, re-reads its newest committed
    /// version and keeps it if `pred` (the WHERE clause) still holds.
    Lock {
        /// Input: rows of `table`.
        input: Box<Plan>,
        /// The table whose rows are locked.
        table: Arc<TableInfo>,
        /// The WHERE clause, re-checked on the re-read row.
        pred: Option<Expr>,
    },
    /// Groups rows by `groups` and computes `aggs`: output rows are `[groups…, aggs…]`.
    Agg {
        /// Input.
        input: Box<Plan>,
        /// Group-by expressions over the input row.
        groups: Vec<Expr>,
        /// Aggregate calls over the input row.
        aggs: Vec<AggCall>,
    },
    /// Orders rows by `keys` (ascending when the flag is true; NULLs first ascending).
    Sort {
        /// Input.
        input: Box<Plan>,
        /// Sort keys.
        keys: Vec<(Expr, bool)>,
    },
    /// The first `offset + limit` rows by `keys`, minus the first `offset`: a sort that keeps
    /// only what LIMIT will return.
    TopN {
        /// Input.
        input: Box<Plan>,
        /// Sort keys.
        keys: Vec<(Expr, bool)>,
        /// Rows returned.
        limit: usize,
        /// Rows skipped first.
        offset: usize,
    },
    /// Evaluates the select list.
    Project {
        /// Input.
        input: Box<Plan>,
        /// One expression per output column.
        exprs: Vec<Expr>,
    },
    /// Drops rows equal (as memcomparable keys) to one already returned.
    Distinct {
        /// Input.
        input: Box<Plan>,
    },
    /// `GROUP BY … WITH ROLLUP` (`ops/expand.rs`): each input row once per grouping level,
    /// with a (rolled-up flag, value) pair appended per group expression.
    Expand {
        /// Input.
        input: Box<Plan>,
        /// The GROUP BY expressions, over the input row.
        groups: Vec<Expr>,
    },
    /// Window functions (`ops/window.rs`): each input row with one value per call appended.
    Window {
        /// Input.
        input: Box<Plan>,
        /// The calls, in the order of their columns.
        calls: Vec<super::WindowCall>,
    },
    /// `UNION ALL`: each input's rows in turn (a `UNION` is a [`Plan::Distinct`] above).
    Union {
        /// The sides, in query order.
        inputs: Vec<Plan>,
    },
    /// `INTERSECT` / `EXCEPT` `[ALL]`: rows of `left` kept by whether `right` has them
    /// (compared as set members: NULLs are equal); ALL keeps multiplicity, otherwise each
    /// distinct row once.
    SetOp {
        /// Rows returned from here.
        left: Box<Plan>,
        /// Rows held as a counted set.
        right: Box<Plan>,
        /// INTERSECT (else EXCEPT).
        intersect: bool,
        /// ALL (else DISTINCT).
        all: bool,
    },
    /// Skips `offset` rows, returns at most `limit`, then stops reading its input — unless
    /// `count_all` (SQL_CALC_FOUND_ROWS) asks it to count the rest.
    Limit {
        /// Input.
        input: Box<Plan>,
        /// Most rows returned (`None`: all).
        limit: Option<usize>,
        /// Rows skipped first.
        offset: usize,
        /// Count every input row (for FOUND_ROWS()).
        count_all: bool,
    },
}

impl Plan {
    /// Whether the plan holds rows computed when it was made (information_schema, a common
    /// table expression; not `Dual`): such a plan answers for that moment only, so it is not
    /// kept for later executions.
    pub fn holds_computed_rows(&self) -> bool {
        let mut todo = vec![self];
        while let Some(p) = todo.pop() {
            match p {
                Plan::Rows { label, .. } => {
                    if *label != "Dual" {
                        return true;
                    }
                }
                Plan::Table { .. } | Plan::WorkTable { .. } => {}
                Plan::RecursiveUnion { seed, step, .. } => {
                    todo.push(seed);
                    todo.push(step);
                }
                Plan::Join { join } => {
                    todo.extend(join.sources.iter().filter_map(|s| s.computed.as_ref()))
                }
                Plan::Derived { input, .. }
                | Plan::Cte { input, .. }
                | Plan::Filter { input, .. }
                | Plan::Lock { input, .. }
                | Plan::Agg { input, .. }
                | Plan::Sort { input, .. }
                | Plan::TopN { input, .. }
                | Plan::Project { input, .. }
                | Plan::Distinct { input }
                | Plan::Window { input, .. }
                | Plan::Expand { input, .. }
                | Plan::Limit { input, .. } => todo.push(input),
                Plan::Union { inputs } => todo.extend(inputs),
                Plan::SetOp { left, right, .. } => {
                    todo.push(left);
                    todo.push(right);
                }
            }
        }
        false
    }

    /// The expressions this node evaluates itself (not its inputs'): where its subqueries are.
    pub fn expressions(&self) -> Vec<&Expr> {
        use super::join::Read;
        match self {
            Plan::Filter { pred, .. } => vec![pred],
            Plan::Lock { pred, .. } => pred.iter().collect(),
            Plan::Agg { groups, aggs, .. } => {
                groups.iter().chain(aggs.iter().filter_map(|a| a.arg.as_ref())).collect()
            }
            Plan::Sort { keys, .. } | Plan::TopN { keys, .. } => {
                keys.iter().map(|(e, _)| e).collect()
            }
            Plan::Project { exprs, .. } | Plan::Expand { groups: exprs, .. } => {
                exprs.iter().collect()
            }
            Plan::Window { calls, .. } => calls
                .iter()
                .flat_map(|c| {
                    let agg = match &c.func {
                        super::WindowFunc::Agg(a) => a.arg.as_ref(),
                        _ => None,
                    };
                    let order = c.order.iter().map(|(e, _)| e);
                    c.args.iter().chain(agg).chain(&c.partition).chain(order)
                })
                .collect(),
            Plan::Join { join } => {
                let mut out = Vec::new();
                for step in &join.steps {
                    out.extend(step.cond.iter());
                    match &step.read {
                        Read::Once { filter, .. } => out.extend(filter.iter()),
                        Read::Lookup(l) => out.extend(l.filter.iter()),
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }
}
