//! Pull-based operators, one per file: each `next` returns the next batch of rows, or `None`
//! when done. [`build`] turns a [`Plan`] into the operator tree, children first; [`collect`]
//! drains the root.
//!
//! Operators that only pass rows on (filter, project, limit …) hold no more than one batch;
//! sort, top-n, aggregation and distinct hold what they must. The statement's transaction,
//! session and subquery runner come in through [`Cx`] on every call, so operators own only
//! their bound expressions and their state.

mod cte;
mod distinct;
mod expand;
mod filter;
mod guard;
mod hash_agg;
mod join;
mod limit;
mod lock;
mod parallel_scan;
mod project;
mod recursive_union;
mod set_op;
mod sort;
pub(super) mod spill;
mod table_reader;
mod top_n;
mod union;
mod values;
mod window;
mod work_table;

use std::{cell::RefCell, rc::Rc};

use errno::Result;
pub use guard::OpStats;
pub(crate) use sort::order;
pub(crate) use table_reader::{ranges_from, TableReader};

use super::query::QueryEnv;
use crate::{executor::Access, expr::EvalCtx, memory::Charge, planner::Plan, table::Row};

/// Rows passed between operators at a time (at most; the last batch may be shorter).
pub const BATCH: usize = 1024;

/// A batch of rows.
pub type Batch = Vec<Row>;

/// What an operator reads besides its input: the query's environment (transaction, catalog,
/// session) and the evaluation context (subqueries, the enclosing query's row).
pub struct Cx<'q, 'a, 'b, 'c> {
    /// The query's environment.
    pub env: &'q QueryEnv<'a, 'b, 'c>,
    /// Expression evaluation context.
    pub eval: &'q EvalCtx<'q>,
}

/// A pull-based operator.
pub trait Operator {
    /// The next batch of rows (never empty), or `None` when there are no more.
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>>;
}

/// The operator tree for `plan`.
pub fn build(plan: Plan) -> Box<dyn Operator> {
    Builder { stats: None, next_id: 0, prefilter: None }.build(plan)
}

/// The operator tree for `plan`, recording each operator's rows, calls and time in `stats`
/// (indexed by the plan node's pre-order position) for EXPLAIN ANALYZE.
pub fn build_analyzed(plan: Plan, stats: &Rc<RefCell<Vec<OpStats>>>) -> Box<dyn Operator> {
    Builder { stats: Some(stats.clone()), next_id: 0, prefilter: None }.build(plan)
}

/// The handles a lock's input reads by point get (optionally filtered), if that is all it does.
pub(crate) fn point_handles(input: &Plan) -> Option<Vec<i64>> {
    match input {
        Plan::Filter { input, .. } => point_handles(input),
        // In the order the table reader would return them.
        Plan::Table { access: Access::Handles(handles), .. } => Some(handles.clone()),
        _ => None,
    }
}

struct Builder {
    stats: Option<Rc<RefCell<Vec<OpStats>>>>,
    next_id: usize,
    /// The filter of the table reader built next (its parent's predicate): its parallel
    /// workers' prefilter.
    prefilter: Option<crate::expr::Expr>,
}

impl Builder {
    /// Makes room for `n` measurement slots (a plan built again — a subquery's, per run —
    /// adds to the slots of its first build).
    fn slots(&self, n: usize) {
        if let Some(stats) = &self.stats {
            let mut stats = stats.borrow_mut();
            if stats.len() < n {
                stats.resize(n, OpStats::default());
            }
        }
    }

    /// Children first, then the node; every operator wrapped in a [`Guard`].
    fn build(&mut self, plan: Plan) -> Box<dyn Operator> {
        let id = self.next_id;
        self.next_id += 1;
        self.slots(id + 1);
        let op: Box<dyn Operator> = match plan {
            Plan::Rows { rows, .. } => Box::new(values::Values::new(rows)),
            // A pass-through: its id is skipped, and EXPLAIN shows its input's operators.
            Plan::Derived { input, .. } => return self.build(*input),
            Plan::Cte { id, name, input } => Box::new(cte::CteScan::new(id, name, *input)),
            Plan::RecursiveUnion { id, seed, step, distinct } => {
                Box::new(recursive_union::RecursiveUnion::new(id, *seed, *step, distinct))
            }
            Plan::WorkTable { id, .. } => Box::new(work_table::WorkTable::new(id)),
            Plan::Table { table, access, desc, columns, ranges_from, .. } => {
                let filter = self.prefilter.take();
                let from = ranges_from.map(|pred| (pred, access.clone()));
                Box::new(
                    table_reader::TableReader::new(table, access, desc)
                        .with_columns(columns)
                        .with_ranges_from(from)
                        .with_prefilter(filter.as_ref()),
                )
            }
            Plan::Join { join } => {
                let (slots, extra) = (join.slots_at(self.next_id), join.analysis_slots());
                self.next_id += extra;
                let op = join::Join::new(join);
                self.slots(self.next_id);
                match (&self.stats, slots) {
                    (Some(stats), Some(slots)) => Box::new(op.measured(stats.clone(), slots)),
                    _ => Box::new(op),
                }
            }
            Plan::Filter { input, pred } => {
                if let Plan::Table { .. } = *input {
                    self.prefilter = Some(pred.clone());
                }
                Box::new(filter::Filter::new(self.build(*input), pred))
            }
            Plan::Lock { input, table, pred } => match point_handles(&input) {
                Some(handles) => {
                    Box::new(lock::Lock::points(self.build(*input), table, pred, handles))
                }
                None => Box::new(lock::Lock::new(self.build(*input), table, pred)),
            },
            Plan::Agg { input, groups, aggs } => {
                Box::new(hash_agg::HashAgg::new(self.build(*input), groups, aggs))
            }
            Plan::Sort { input, keys } => Box::new(sort::Sort::new(self.build(*input), keys)),
            Plan::TopN { input, keys, limit, offset } => {
                Box::new(top_n::TopN::new(self.build(*input), keys, limit, offset))
            }
            Plan::Project { input, exprs } => {
                Box::new(project::Project::new(self.build(*input), exprs))
            }
            Plan::Distinct { input } => Box::new(distinct::Distinct::new(self.build(*input))),
            Plan::Expand { input, groups } => {
                Box::new(expand::Expand::new(self.build(*input), groups))
            }
            Plan::Window { input, calls } => {
                Box::new(window::Window::new(self.build(*input), calls))
            }
            Plan::Union { inputs } => {
                let inputs = inputs.into_iter().map(|p| self.build(p)).collect();
                Box::new(union::Union::new(inputs))
            }
            Plan::SetOp { left, right, intersect, all } => {
                let left = self.build(*left);
                Box::new(set_op::SetOp::new(left, self.build(*right), intersect, all))
            }
            Plan::Limit { input, limit, offset, count_all } => {
                Box::new(limit::Limit::new(self.build(*input), limit, offset, count_all))
            }
        };
        let stats = self.stats.clone().map(|s| (s, id));
        Box::new(guard::Guard::new(op, stats))
    }
}

/// Every row `op` returns (charged to the statement's memory while they are gathered).
pub fn collect(op: &mut dyn Operator, cx: &Cx<'_, '_, '_, '_>) -> Result<Vec<Row>> {
    Ok(collect_held(op, cx)?.0)
}

/// Every row `op` returns, and their charge to the statement's memory (held as long as the
/// caller keeps it).
pub(super) fn collect_held(
    op: &mut dyn Operator,
    cx: &Cx<'_, '_, '_, '_>,
) -> Result<(Vec<Row>, Charge)> {
    let mut out = Vec::new();
    let mut held = Charge::new(&cx.env.mem);
    while let Some(batch) = op.next(cx)? {
        for r in &batch {
            held.add_row(&r.values)?;
        }
        out.extend(batch);
    }
    Ok((out, held))
}

/// Batches of rows shared with others (a CTE's rows, a recursive CTE's working rows), copied
/// out [`BATCH`] at a time.
pub(super) struct SharedRows {
    rows: Rc<Vec<Row>>,
    at: usize,
}

impl SharedRows {
    /// Emits `rows` in order.
    pub fn new(rows: Rc<Vec<Row>>) -> Self {
        SharedRows { rows, at: 0 }
    }

    /// The next batch, or `None` when all were emitted.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let end = (self.at + BATCH).min(self.rows.len());
        if self.at >= end {
            return None;
        }
        let batch = self.rows[self.at..end].to_vec();
        self.at = end;
        Some(batch)
    }
}

/// Splits `rows` into batches of [`BATCH`], front first (for operators that emit what they
/// computed in one piece).
pub(super) struct Drain {
    rows: std::vec::IntoIter<Row>,
}

impl Drain {
    /// Emits `rows` in order.
    pub fn new(rows: Vec<Row>) -> Self {
        Drain { rows: rows.into_iter() }
    }

    /// The next batch, or `None` when all were emitted.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let batch: Batch = self.rows.by_ref().take(BATCH).collect();
        (!batch.is_empty()).then_some(batch)
    }
}
