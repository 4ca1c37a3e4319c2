//! Row estimates for join ordering: each source's rows (analyzed statistics, else counted up
//! to a cap), the share its filter keeps, and the share a join condition keeps.
//!
//! A range on one analyzed column (`c < 5`, `c BETWEEN …`, `c LIKE 'ab%'`) keeps the share
//! of rows its histogram and TopN values put inside it. Otherwise selectivities follow TiDB's
//! pseudo rules: `col = const` keeps 1/NDV (from ANALYZE) or 1/1000, a range a third,
//! anything else 0.8; an equality
//! between sources keeps 1/max(NDV) of the pairs (every join is assumed to be on a key when no
//! statistics say otherwise).

use std::sync::Arc;

use catalog::{ColumnStats, TableInfo, TableStats};
use errno::Result;
use kv::KeyRange;

use super::Layout;
use crate::{
    executor::{bound_conjuncts, choose_path, Access, Cond, Needs, QueryEnv, Source},
    expr::{BinaryOp, Expr, SubqueryKind, UnaryOp},
};

/// Most keys counted for a table's size when it has no statistics.
const COUNT_CAP: usize = 10_000;
/// Share of rows kept by a condition nothing is known about (TiDB's `selectionFactor`).
const UNKNOWN: f64 = 0.8;

/// What is known of one source before joining.
pub(super) struct SourceEst {
    /// Its rows.
    pub rows: f64,
    /// Its rows after its filter.
    pub filtered: f64,
    /// Rows read to produce them once (the access path's cost).
    pub read: f64,
    /// The access path for its filter (stored tables).
    pub access: Option<Access>,
    stats: Option<Arc<TableStats>>,
}

/// The share of `t`'s `rows` rows that pass `filter` (over `t`'s own row): per conjunct (one
/// column's bounds taken together), from statistics when analyzed, else fixed guesses.
fn filter_share(
    env: &QueryEnv<'_, '_, '_>,
    filter: &Expr,
    t: &TableInfo,
    stats: Option<&TableStats>,
    rows: f64,
) -> f64 {
    ranges_combined(env, bound_conjuncts(filter), t, stats.is_some())
        .iter()
        .map(|c| {
            stats
                .and_then(|st| range_share(c, t, st, env))
                .or_else(|| in_subquery_share(env, c, t, stats, rows))
                .unwrap_or_else(|| selectivity(c, t, stats, rows))
        })
        .product()
}

/// Of `rows` rows of `t` (a full scan's estimate), how many pass `filter` (EXPLAIN's Selection
/// over the scan).
pub fn filtered_rows(env: &QueryEnv<'_, '_, '_>, filter: &Expr, t: &TableInfo, rows: f64) -> f64 {
    let stats = env.catalog.stats(t.id);
    rows * filter_share(env, filter, t, stats.as_deref(), rows)
}

/// Estimates every source under its filter (`local`, over the FROM-order row), choosing each
/// stored table's access path on the way.
pub(super) fn sources(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    layout: &Layout,
    local: &[Vec<Expr>],
) -> Result<Vec<SourceEst>> {
    let mut out = Vec::with_capacity(sources.len());
    for (s, src) in sources.iter().enumerate() {
        let own: Vec<Expr> =
            local[s].iter().filter_map(|e| e.map_columns(&layout.own(s))).collect();
        if let Some(plan) = &src.computed {
            let n = crate::executor::estimated_rows(env, plan)?.max(1.0);
            let keep: f64 = own.iter().map(|e| selectivity(e, &src.table, None, n)).product();
            out.push(SourceEst { rows: n, filtered: n * keep, read: n, access: None, stats: None });
            continue;
        }
        let stats = env.catalog.stats(src.table.id);
        let rows = match &stats {
            Some(st) => st.row_count as f64,
            None => {
                let all = KeyRange::prefix(&tablecodec::record_prefix(src.table.id));
                // An empty table is planned as if it had a row (it may have one by the time
                // the plan runs, and zero estimates would make every order cost the same).
                (env.st.borrow_mut().count(&all, COUNT_CAP)? as f64).max(1.0)
            }
        };
        let filter = own.into_iter().reduce(super::conjuncts::and);
        let access = match &filter {
            Some(f) => {
                let conds = env.path_conds(f, &src.table);
                choose_path(&src.table, &conds, Needs::AllColumns, Some(&mut env.st.borrow_mut()))?
            }
            None => Access::FullScan,
        };
        let keep = filter
            .as_ref()
            .map_or(1.0, |f| filter_share(env, f, &src.table, stats.as_deref(), rows));
        let read = match &access {
            Access::Handles(h) => h.len() as f64,
            Access::Unique { keys, .. } => keys.len() as f64,
            Access::HandleRange { est: Some(n), .. } => *n as f64,
            Access::IndexRanges { est: Some(n), covering, .. } => {
                *n as f64 * if *covering { 1.0 } else { crate::executor::LOOKUP_COST as f64 }
            }
            Access::HandleRange { .. } | Access::IndexRanges { .. } => rows * 0.25,
            Access::FullScan => rows,
        };
        // A counted range is exact about the conjuncts it used; the filter's estimate covers
        // the rest, so take whichever is smaller.
        let filtered = match &access {
            Access::Handles(h) => (h.len() as f64).min(rows * keep),
            Access::Unique { keys, .. } => (keys.len() as f64).min(rows * keep),
            _ => rows * keep,
        };
        out.push(SourceEst {
            rows,
            filtered,
            read: read.min(rows.max(1.0)),
            access: Some(access),
            stats,
        });
    }
    Ok(out)
}

impl SourceEst {
    /// Distinct values of the source's own column `c` after its filter.
    pub fn ndv(&self, table: &TableInfo, c: usize) -> f64 {
        let known = self.stats.as_ref().and_then(|st| column_ndv(st, table, c));
        known.unwrap_or(self.rows).min(self.filtered).max(1.0)
    }
}

/// The statistics of column `c` (by position in `table`), if it was analyzed.
fn column_stats<'s>(st: &'s TableStats, table: &TableInfo, c: usize) -> Option<&'s ColumnStats> {
    let id = table.columns.get(c)?.id;
    st.columns.iter().find(|cs| cs.column_id == id)
}

fn column_ndv(st: &TableStats, table: &TableInfo, c: usize) -> Option<f64> {
    column_stats(st, table, c).map(|cs| cs.ndv as f64)
}

/// The share of rows `col IN (uncorrelated subquery)` keeps: the subquery runs now (its rows
/// are kept for the statement, so it does not run again) and each of its values is taken to
/// match `1/NDV` of the rows — what the IN costs in the join order is known, not guessed
/// (TPC-H q18's 57 orders out of 150 000). `None` for anything else or when it fails.
fn in_subquery_share(
    env: &QueryEnv<'_, '_, '_>,
    e: &Expr,
    t: &TableInfo,
    stats: Option<&TableStats>,
    rows: f64,
) -> Option<f64> {
    let Expr::Subquery { sub, args, kind: SubqueryKind::In { arg, negated: false } } = e else {
        return None;
    };
    let Expr::Column(c) = **arg else { return None };
    if !args.is_empty() {
        return None;
    }
    let found = crate::executor::uncorrelated_rows(env, sub)?.len() as f64;
    // Without statistics the column is taken as distinct.
    let ndv = stats.and_then(|st| column_stats(st, t, c)).map_or(rows, |cs| cs.ndv as f64);
    Some((found / ndv.max(1.0)).min(1.0))
}

/// The share of a source's rows (`rows` of them) that `e`, over its own row, keeps.
pub(super) fn selectivity(e: &Expr, t: &TableInfo, stats: Option<&TableStats>, rows: f64) -> f64 {
    let eq = |c: usize| match stats.and_then(|st| column_ndv(st, t, c)) {
        Some(ndv) => 1.0 / ndv.max(1.0),
        None if unique(t, c) => 1.0 / rows.max(1.0),
        None => 1.0 / 1000.0,
    };
    let column = |e: &Expr| match e {
        Expr::Column(c) => Some(*c),
        _ => None,
    };
    let share = match e {
        Expr::Binary { op: BinaryOp::And, left, right } => {
            selectivity(left, t, stats, rows) * selectivity(right, t, stats, rows)
        }
        Expr::Binary { op: BinaryOp::Or, left, right } => {
            let (a, b) = (selectivity(left, t, stats, rows), selectivity(right, t, stats, rows));
            a + b - a * b
        }
        Expr::Unary { op: UnaryOp::Not, arg } => 1.0 - selectivity(arg, t, stats, rows),
        Expr::RowIn { or, .. } => selectivity(or, t, stats, rows),
        Expr::Binary { op: BinaryOp::Eq | BinaryOp::NullSafeEq, left, right } => {
            match (column(left), column(right)) {
                (Some(c), None) if right.is_constant() => eq(c),
                (None, Some(c)) if left.is_constant() => eq(c),
                _ => UNKNOWN,
            }
        }
        Expr::Binary {
            op: BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq, ..
        } => 1.0 / 3.0,
        Expr::Between { negated: false, .. } => 1.0 / 4.0,
        Expr::InList { arg, list, negated: false, .. } => match column(arg) {
            Some(c) => eq(c) * list.len() as f64,
            None => UNKNOWN,
        },
        Expr::IsNull { arg, negated } => {
            let nulls = match (column(arg), stats) {
                (Some(c), Some(st)) => {
                    column_stats(st, t, c).map_or(0.1, |cs| cs.null_count as f64 / rows.max(1.0))
                }
                _ => 0.1,
            };
            if *negated {
                1.0 - nulls
            } else {
                nulls
            }
        }
        Expr::Literal(v) => match crate::expr::Truth::truth(v) {
            Some(true) => 1.0,
            _ => 0.0,
        },
        _ => UNKNOWN,
    };
    share.clamp(0.0, 1.0)
}

/// The share of rows a range conjunct `c` (over the table's own row) keeps, from column
/// statistics: TopN values inside the range, plus each histogram bucket's rows — whole when
/// the bucket lies inside, half when it straddles a bound. `None` when `c` is no range on one
/// analyzed column.
fn range_share(
    c: &Expr,
    t: &TableInfo,
    st: &TableStats,
    env: &QueryEnv<'_, '_, '_>,
) -> Option<f64> {
    use std::ops::Bound;
    let conds = env.column_conds(c, t);
    let [(col, Cond::Interval(lo, hi))] = conds.iter().collect::<Vec<_>>()[..] else { return None };
    let cs = column_stats(st, t, *col)?;
    if st.row_count == 0 {
        return None;
    }
    let enc = |v: &types::Value| {
        let mut out = Vec::new();
        tablecodec::datum::encode(&mut out, v);
        hex::encode(out)
    };
    let (lo, lo_incl) = match lo {
        Bound::Included(v) => (Some(enc(v)), true),
        Bound::Excluded(v) => (Some(enc(v)), false),
        Bound::Unbounded => (None, true),
    };
    let (hi, hi_incl) = match hi {
        Bound::Included(v) => (Some(enc(v)), true),
        Bound::Excluded(v) => (Some(enc(v)), false),
        Bound::Unbounded => (None, true),
    };
    let above_lo = |x: &str| lo.as_deref().is_none_or(|l| if lo_incl { x >= l } else { x > l });
    let below_hi = |x: &str| hi.as_deref().is_none_or(|h| if hi_incl { x <= h } else { x < h });
    let mut rows: f64 =
        cs.topn.iter().filter(|(v, _)| above_lo(v) && below_hi(v)).map(|(_, n)| *n as f64).sum();
    let mut before = 0;
    for b in &cs.buckets {
        let n = b.count.saturating_sub(before) as f64;
        before = b.count;
        let (lower_in, upper_in) =
            (above_lo(&b.lower) && below_hi(&b.lower), above_lo(&b.upper) && below_hi(&b.upper));
        rows += match (lower_in, upper_in) {
            (true, true) => n,
            (false, false) if above_lo(&b.upper) && below_hi(&b.lower) => n / 2.0,
            (false, false) => 0.0,
            _ => n / 2.0,
        };
    }
    Some((rows / st.row_count as f64).clamp(0.0, 1.0))
}

/// `conjuncts` with those that bound one column (`d >= '1995-09-01'`, `d < '1995-10-01'`)
/// joined into one conjunct per column when the table has statistics, so the histogram is
/// asked for the share of the whole interval rather than each bound's share multiplied.
fn ranges_combined(
    env: &QueryEnv<'_, '_, '_>,
    conjuncts: Vec<&Expr>,
    t: &TableInfo,
    analyzed: bool,
) -> Vec<Expr> {
    // Each group: the column its conjuncts bound (`None`: a conjunct on its own), them.
    let mut groups: Vec<(Option<usize>, Vec<&Expr>)> = Vec::with_capacity(conjuncts.len());
    for c in conjuncts {
        let column = analyzed.then(|| env.column_conds(c, t)).and_then(|conds| {
            match conds.into_iter().collect::<Vec<_>>()[..] {
                [(col, Cond::Interval(..))] => Some(col),
                _ => None,
            }
        });
        match groups.iter_mut().find(|(g, _)| column.is_some() && *g == column) {
            Some((_, members)) => members.push(c),
            None => groups.push((column, vec![c])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(_, members)| members.into_iter().cloned().reduce(super::conjuncts::and))
        .collect()
}

/// Whether column `c` alone is the handle or a unique index.
pub(super) fn unique(t: &TableInfo, c: usize) -> bool {
    holds_unique_key(t, &[c])
}

/// Whether the columns `cols` (positions) include the handle or every column of a unique index.
pub(super) fn holds_unique_key(t: &TableInfo, cols: &[usize]) -> bool {
    t.handle_column().is_some_and(|h| cols.contains(&h))
        || t.readable_indexes().any(|i| {
            i.unique && !i.columns.is_empty() && i.columns.iter().all(|c| cols.contains(c))
        })
}
