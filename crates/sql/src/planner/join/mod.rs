//! Planning a FROM clause of several sources, on bound expressions: where each conjunct of
//! WHERE and ON is checked, the order the sources are joined in, and how each is joined.
//!
//! ```text
//!   WHERE, ON ─split─▶ conjuncts, each with the set of sources it reads   (conjuncts.rs)
//!                      + implied ones: a factor common to every branch of an OR, and per
//!                        source the OR of its own parts of every branch (q19's shape)
//!            ─────────▶ per source: its filter, access path and estimated rows (estimate.rs)
//!            ─────────▶ join order: inner joins by estimated cost, left-deep, dynamic
//!                       programming over subsets (order.rs); outer joins keep FROM's order
//!            ─────────▶ per step: index lookup, hash join or nested loop (physical.rs)
//! ```
//!
//! Rows flow left-deep: the first source is read (filtered), and each step joins the rows so
//! far with one more source. Inside the join a row is the joined sources' columns in join
//! order; [`JoinPlan::to_from`] puts them back in FROM order for everything above. A conjunct
//! is checked at the first step where every source it reads is present; one that reads a
//! single source filters that source's rows as they are read. What cannot move — a conjunct
//! holding a subquery (it reads the row by name), or a WHERE conjunct over the NULL-padded
//! side of an outer join — stays above the join in the residual filter.

mod conjuncts;
mod estimate;
mod null_reject;
mod order;
mod physical;

use catalog::IndexInfo;
use errno::{Error, Result};

use crate::{
    executor::{Access, QueryEnv, Source},
    expr::Expr,
};
pub(super) use conjuncts::and;
use conjuncts::{Conjunct, Origin};
pub use estimate::filtered_rows;

/// Most sources one join may have (MySQL's limit, error 1116).
pub const MAX_SOURCES: usize = 61;

/// How a source joins the ones before it in FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Comma, CROSS or INNER JOIN.
    Inner,
    /// LEFT JOIN: rows of the sources before with no partner are kept, NULL-padded.
    Left,
    /// RIGHT JOIN: rows of this source with no partner are kept, NULL-padded on the left.
    Right,
    /// `EXISTS`/`IN (SELECT …)` flattened (`planner::semi`): each row so far is kept once if
    /// some row of this source pairs with it (this source's columns NULL).
    Semi,
    /// `NOT EXISTS` flattened: each row so far is kept (this source's columns NULL) if no row
    /// of this source pairs with it.
    Anti,
}

impl StepKind {
    /// Semi or anti: the source only decides which rows so far are kept.
    pub fn filters_only(self) -> bool {
        matches!(self, StepKind::Semi | StepKind::Anti)
    }
}

/// One FROM source's join, bound: its kind and ON condition (over the FROM-order row of the
/// sources up to it).
pub struct JoinInput {
    /// Inner, left or right.
    pub kind: StepKind,
    /// The first source after a comma (the comma binds looser than JOIN, as in MySQL).
    pub starts_group: bool,
    /// The ON condition, if any.
    pub on: Option<Expr>,
}

/// A planned join: the sources, the steps that join them, and the column order fix-up.
#[derive(Clone)]
pub struct JoinPlan {
    /// The sources in FROM order.
    pub sources: Vec<Source>,
    /// The steps in join order; the first reads its source alone.
    pub steps: Vec<Step>,
    /// For each column of the FROM-order row, its position in the join-order row (`None`
    /// when the two orders are the same).
    pub to_from: Option<Vec<usize>>,
    /// A RIGHT JOIN is present: joined whole, one step at a time (its left side must be
    /// complete before padding).
    pub whole: bool,
    /// Per source (FROM order), the columns the query reads (`None`: all); reads of whole
    /// tables decode only these.
    pub columns: Vec<Option<Vec<bool>>>,
}

impl JoinPlan {
    /// Measurement slots EXPLAIN ANALYZE gives a streamed join beyond its own
    /// ([`AnalysisSlots`]); none for a join done whole.
    pub fn analysis_slots(&self) -> usize {
        if self.whole || self.steps.len() < 2 {
            0
        } else {
            2 * self.steps.len() - 2
        }
    }

    /// Its [`AnalysisSlots`] from `base` on, if it has any.
    pub fn slots_at(&self, base: usize) -> Option<AnalysisSlots> {
        (self.analysis_slots() > 0).then_some(AnalysisSlots { base, steps: self.steps.len() })
    }
}

/// Where EXPLAIN ANALYZE keeps a streamed join's measurements, from `base` on (the join's own
/// slot holds its output, the top join node): the first source's operator, then per later
/// step its source's reads and the rows it passes on.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisSlots {
    /// The first slot after the join's own.
    pub base: usize,
    /// Steps in the join.
    pub steps: usize,
}

impl AnalysisSlots {
    /// The first source's operator.
    pub fn first(&self) -> usize {
        self.base
    }

    /// Step `i`'s source (`i >= 1`).
    pub fn source(&self, i: usize) -> usize {
        self.base + 2 * i - 1
    }

    /// The join node of step `i` (`i >= 1`); `None` for the last, which is the join's own.
    pub fn joined(&self, i: usize) -> Option<usize> {
        (i + 1 < self.steps).then(|| self.base + 2 * i)
    }
}

/// One source joined to the rows so far.
#[derive(Clone)]
pub struct Step {
    /// The source's position in FROM.
    pub at: usize,
    /// Inner, left or right.
    pub kind: StepKind,
    /// How the source's rows are found.
    pub read: Read,
    /// The equalities the read's keys come from (over the joined row), for EXPLAIN.
    pub keys: Vec<Expr>,
    /// Every condition checked on a candidate pair (over the joined row: rows so far, then
    /// this source's), including `keys`.
    pub cond: Option<Expr>,
    /// Estimated rows after this step.
    pub est: f64,
    /// Estimated rows of this source alone, after its filter.
    pub source_est: f64,
    /// Starts a comma group (matters where a RIGHT JOIN is joined whole, group by group).
    pub starts_group: bool,
}

/// How one step finds its source's rows.
#[derive(Clone)]
pub enum Read {
    /// Read once (along `access` for a stored table; a computed source's rows otherwise),
    /// filtered, then matched by hash keys or against every row.
    Once {
        /// The stored table's access path (`None`: computed rows).
        access: Option<Access>,
        /// Conjuncts reading only this source (over its own row).
        filter: Option<Expr>,
        /// Hash-join keys, if an equality ties this source to the rows so far.
        hash: Option<HashKeys>,
    },
    /// Looked up per row so far, by key (results cached per key).
    Lookup(LookupPlan),
}

/// Equi-join keys: the rows so far look up `left`'s values among this source's `right` values.
#[derive(Clone)]
pub struct HashKeys {
    /// Over the rows so far.
    pub left: Vec<Expr>,
    /// Over this source's own row.
    pub right: Vec<Expr>,
}

/// Per-row key lookups into a stored table.
#[derive(Clone)]
pub struct LookupPlan {
    /// By handle or through an index.
    pub via: Lookup,
    /// Key values over the rows so far: one per looked-up column.
    pub left: Vec<Expr>,
    /// The source's columns they must equal (the handle, or a prefix of the index's columns).
    pub columns: Vec<usize>,
    /// Conjuncts reading only this source, applied to looked-up rows.
    pub filter: Option<Expr>,
}

/// Where a lookup goes.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// By handle (the integer primary key).
    Handle,
    /// Through an index whose leading columns are the key.
    Index(IndexInfo),
}

/// Plans the join of `sources` (at least two), joined as `inputs` say, under the bound WHERE
/// clause `where_` (over the FROM-order row). Returns the plan and what of WHERE is left to
/// check above it.
pub fn plan_join(
    env: &QueryEnv<'_, '_, '_>,
    sources: Vec<Source>,
    inputs: Vec<JoinInput>,
    where_: Option<&Expr>,
    columns: Vec<Option<Vec<bool>>>,
) -> Result<(JoinPlan, Option<Expr>)> {
    if sources.len() > MAX_SOURCES {
        return Err(Error::fmt(errno::ER_TOO_MANY_TABLES, &[&MAX_SOURCES]));
    }
    let layout = Layout::new(&sources);
    // A subquery filters like any expression: it is placed at the step where the columns its
    // arguments and the rest of its conjunct read are joined.
    let inputs = null_reject::simplify(inputs, where_, &layout);
    let (inputs, from_order) = right_joins_as_left(inputs);
    let outer_joins = inputs.iter().any(|i| matches!(i.kind, StepKind::Left | StepKind::Right));
    let whole = inputs.iter().any(|i| i.kind == StepKind::Right);
    let mut all: Vec<Conjunct> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(on) = &input.on {
            // A semi or anti join's condition is checked at its own step, whole.
            let origin = if outer_joins || input.kind.filters_only() {
                Origin::On(i)
            } else {
                Origin::Where
            };
            all.extend(conjuncts::split(on, &layout, origin));
        }
    }
    if let Some(w) = where_ {
        all.extend(conjuncts::split(w, &layout, Origin::Where));
    }
    let implied = conjuncts::implied(&all, &layout);
    all.extend(implied);
    let kinds: Vec<StepKind> = inputs.iter().map(|i| i.kind).collect();
    let groups: Vec<bool> = inputs.iter().map(|i| i.starts_group).collect();
    let mut rank = vec![0; from_order.len()];
    for (r, &s) in from_order.iter().enumerate() {
        rank[s] = r;
    }
    let placed = conjuncts::place(all, &kinds, &rank, outer_joins, whole);
    let ests = estimate::sources(env, &sources, &layout, &placed.local)?;
    // Semi and anti joins come last (after every source their conditions may name), in FROM
    // order; the others are ordered by cost unless an outer join fixes FROM's order.
    let tail: Vec<usize> = (0..sources.len()).filter(|&s| kinds[s].filters_only()).collect();
    let order = if outer_joins {
        from_order
    } else {
        order::best(&sources, &layout, &placed.joining, &ests, &tail)
    };
    let (mut steps, residual) = physical::steps(&sources, &layout, &order, &kinds, placed, ests)?;
    for s in &mut steps {
        s.starts_group = groups.get(s.at).copied().unwrap_or(false);
    }
    let to_from = layout.to_from(&order);
    Ok((JoinPlan { sources, steps, to_from, whole, columns }, residual))
}

/// A RIGHT JOIN whose left side is one source (the first of its comma group) is that source
/// LEFT JOINed to the right one, the two swapped in join order — TiDB turns RIGHT joins into
/// LEFT joins too — so the join streams instead of being joined whole. Done only when every
/// RIGHT JOIN of the FROM clause can be. Returns the inputs and the order the sources join in
/// (FROM order but for the swaps).
fn right_joins_as_left(mut inputs: Vec<JoinInput>) -> (Vec<JoinInput>, Vec<usize>) {
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    let rights: Vec<usize> =
        (0..inputs.len()).filter(|&i| inputs[i].kind == StepKind::Right).collect();
    let swappable = |i: usize| {
        i >= 1
            && inputs[i - 1].starts_group
            && inputs[i - 1].kind == StepKind::Inner
            && inputs[i - 1].on.is_none()
    };
    if rights.is_empty() || !rights.iter().all(|&i| swappable(i)) {
        return (inputs, order);
    }
    for &i in &rights {
        let on = inputs[i].on.take();
        inputs[i].kind = StepKind::Inner;
        inputs[i - 1].kind = StepKind::Left;
        inputs[i - 1].on = on;
        order.swap(i - 1, i);
    }
    (inputs, order)
}

/// Where each source's columns sit in the FROM-order row.
pub(super) struct Layout {
    /// First column of each source.
    pub offsets: Vec<usize>,
    /// Columns of each source.
    pub widths: Vec<usize>,
    /// For each column, its source.
    pub owner: Vec<usize>,
}

impl Layout {
    fn new(sources: &[Source]) -> Self {
        let mut offsets = Vec::with_capacity(sources.len());
        let mut widths = Vec::with_capacity(sources.len());
        let mut owner = Vec::new();
        for (i, s) in sources.iter().enumerate() {
            offsets.push(owner.len());
            widths.push(s.table.columns.len());
            owner.extend(std::iter::repeat_n(i, s.table.columns.len()));
        }
        Layout { offsets, widths, owner }
    }

    /// The sources a set of columns belongs to, as a bit set.
    pub fn mask(&self, columns: &[usize]) -> u64 {
        columns.iter().filter_map(|&c| self.owner.get(c)).fold(0, |m, &s| m | 1 << s)
    }

    /// For each FROM-order column, its position once the sources are joined in `order`;
    /// `None` when that is where it already is.
    fn to_from(&self, order: &[usize]) -> Option<Vec<usize>> {
        if order.windows(2).all(|w| w[0] < w[1]) {
            return None;
        }
        let mut start = vec![0; order.len()];
        let mut at = 0;
        for &s in order {
            start[s] = at;
            at += self.widths[s];
        }
        Some(
            (0..self.owner.len())
                .map(|c| start[self.owner[c]] + c - self.offsets[self.owner[c]])
                .collect(),
        )
    }

    /// Maps FROM-order columns of the sources in `prefix` (join order) to their positions in
    /// the row joined so far; `None` for a column of another source.
    pub fn joined(&self, prefix: &[usize]) -> impl Fn(usize) -> Option<usize> + '_ {
        let mut start = vec![None; self.offsets.len()];
        let mut at = 0;
        for &s in prefix {
            start[s] = Some(at);
            at += self.widths[s];
        }
        move |c| {
            let s = *self.owner.get(c)?;
            Some(start[s]? + c - self.offsets[s])
        }
    }

    /// Maps FROM-order columns of source `s` to positions in its own row.
    pub fn own(&self, s: usize) -> impl Fn(usize) -> Option<usize> + '_ {
        move |c| (self.owner.get(c) == Some(&s)).then(|| c - self.offsets[s])
    }
}
