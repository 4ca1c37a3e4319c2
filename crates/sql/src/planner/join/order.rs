//! The order inner joins run in: the left-deep order of least estimated cost, found by dynamic
//! programming over subsets of sources (System R's method) for up to [`DP_MAX`] sources, and
//! greedily beyond. A step's cost is what it reads plus the rows it produces, priced for the
//! cheapest way it can join (`physical::method`); ties keep FROM's order.

use std::collections::HashMap;

use super::{conjuncts::Joining, estimate::SourceEst, physical, Layout};
use crate::executor::Source;

/// Most sources ordered by dynamic programming.
const DP_MAX: usize = 12;

/// Estimated rows of joins: per source its filtered rows, per joining conjunct the share kept.
pub(super) struct Cards<'a> {
    ests: &'a [SourceEst],
    /// (sources read, share kept) per joining conjunct.
    shares: Vec<(u64, f64)>,
    memo: HashMap<u64, f64>,
}

impl<'a> Cards<'a> {
    pub fn new(
        sources: &[Source],
        layout: &Layout,
        joining: &[Joining],
        ests: &'a [SourceEst],
    ) -> Self {
        let mut shares = Vec::with_capacity(joining.len());
        // Column equalities between the same two sources, one column list per side.
        let mut keys: Vec<(u64, Vec<usize>, Vec<usize>)> = Vec::new();
        for j in joining {
            match column_eq(&j.expr).filter(|_| j.mask.count_ones() == 2) {
                Some((a, b)) => {
                    let (a, b) = if layout.owner[a] < layout.owner[b] { (a, b) } else { (b, a) };
                    match keys.iter_mut().find(|(m, ..)| *m == j.mask) {
                        Some((_, xs, ys)) => {
                            xs.push(a);
                            ys.push(b);
                        }
                        None => keys.push((j.mask, vec![a], vec![b])),
                    }
                }
                None => shares.push((j.mask, share(sources, layout, ests, &j.expr))),
            }
        }
        // Equalities between two sources make one key.
        for (mask, xs, ys) in keys {
            shares.push((mask, key_share(sources, layout, ests, &xs, &ys)));
        }
        Cards { ests, shares, memo: HashMap::new() }
    }

    /// Estimated rows of the join of the sources in `mask`.
    pub fn rows(&mut self, mask: u64) -> f64 {
        if let Some(&r) = self.memo.get(&mask) {
            return r;
        }
        let mut r: f64 = (0..self.ests.len())
            .filter(|s| mask & 1 << s != 0)
            .map(|s| self.ests[s].filtered)
            .product();
        for &(m, keep) in &self.shares {
            if m & !mask == 0 {
                r *= keep;
            }
        }
        self.memo.insert(mask, r);
        r
    }
}

/// The two columns of `a = b`, if that is what `e` is.
fn column_eq(e: &crate::expr::Expr) -> Option<(usize, usize)> {
    use crate::expr::{BinaryOp, Expr};
    match e {
        Expr::Binary { op: BinaryOp::Eq, left, right } => match (&**left, &**right) {
            (Expr::Column(a), Expr::Column(b)) => Some((*a, *b)),
            _ => None,
        },
        _ => None,
    }
}

/// The share of pairs a joining conjunct other than a column equality keeps.
fn share(sources: &[Source], layout: &Layout, ests: &[SourceEst], e: &crate::expr::Expr) -> f64 {
    match column_eq(e) {
        Some((a, b)) => key_share(sources, layout, ests, &[a], &[b]),
        None => 0.8,
    }
}

/// The share of pairs kept by `xs = ys` (columns of two sources, pairwise equal):
/// 1/max(distinct keys of either side). A side whose columns include a unique key of its
/// table has as many keys as rows. The distinct keys of several columns are not known (their
/// product only bounds them): when the other side is keyed they are taken to be among its
/// keys (a foreign key meeting a composite primary key, TPC-H's lineitem ⋈ partsupp).
fn key_share(
    sources: &[Source],
    layout: &Layout,
    ests: &[SourceEst],
    xs: &[usize],
    ys: &[usize],
) -> f64 {
    let (dx, kx) = key_ndv(sources, layout, ests, xs);
    let (dy, ky) = key_ndv(sources, layout, ests, ys);
    let composite = xs.len() > 1;
    let dx = ky.filter(|_| composite).map_or(dx, |all| dx.min(all));
    let dy = kx.filter(|_| composite).map_or(dy, |all| dy.min(all));
    1.0 / dx.max(dy).max(1.0)
}

/// Distinct values of the columns `cols` (of one source, FROM-order positions) taken
/// together after the source's filter — its rows when they include a unique key, else the
/// product of each column's distinct values, at most its rows — and, when they include a
/// unique key, the table's rows before the filter.
fn key_ndv(
    sources: &[Source],
    layout: &Layout,
    ests: &[SourceEst],
    cols: &[usize],
) -> (f64, Option<f64>) {
    let Some(&first) = cols.first() else { return (1.0, None) };
    let s = layout.owner[first];
    let table = &sources[s].table;
    let local: Vec<usize> = cols.iter().map(|c| c - layout.offsets[s]).collect();
    let rows = ests[s].filtered.max(1.0);
    if super::estimate::holds_unique_key(table, &local) {
        return (rows, Some(ests[s].rows.max(1.0)));
    }
    (local.iter().map(|&c| ests[s].ndv(table, c)).product::<f64>().min(rows), None)
}

/// The join order (FROM positions) of least estimated cost, the `tail` sources (semi and
/// anti joins) last in the order given.
pub(super) fn best(
    sources: &[Source],
    layout: &Layout,
    joining: &[Joining],
    ests: &[SourceEst],
    tail: &[usize],
) -> Vec<usize> {
    let mut order = ordered(sources, layout, joining, ests, tail);
    order.extend_from_slice(tail);
    order
}

/// The order of least estimated cost of the sources not in `tail`.
fn ordered(
    sources: &[Source],
    layout: &Layout,
    joining: &[Joining],
    ests: &[SourceEst],
    tail: &[usize],
) -> Vec<usize> {
    let n = sources.len();
    let last = tail.iter().fold(0u64, |m, &s| m | 1 << s);
    let mut cards = Cards::new(sources, layout, joining, ests);
    let step = |cards: &mut Cards<'_>, joined: u64, s: usize| {
        let cur = cards.rows(joined);
        let out = cards.rows(joined | 1 << s);
        physical::method(sources, layout, joining, ests, joined, s, cur, out).1
    };
    if n > DP_MAX {
        return greedy(n, last, ests, &mut cards, step);
    }
    // best[mask] = (cost, last source, previous mask)
    let full = ((1u64 << n) - 1) & !last;
    let mut best: Vec<Option<(f64, usize)>> = vec![None; 1 << n];
    for s in (0..n).filter(|s| last & 1 << s == 0) {
        best[1 << s] = Some((ests[s].read, s));
    }
    for mask in 1..=full {
        if mask.count_ones() < 2 || mask & last != 0 {
            continue;
        }
        let mut choice: Option<(f64, usize)> = None;
        // Last in FROM order first, so that ties keep FROM's order.
        for s in (0..n).rev().filter(|s| mask & 1 << s != 0) {
            let prev = mask & !(1 << s);
            let Some((before, _)) = best[prev as usize] else { continue };
            let cost = before + step(&mut cards, prev, s);
            if choice.is_none_or(|(c, _)| cost < c) {
                choice = Some((cost, s));
            }
        }
        best[mask as usize] = choice;
    }
    let mut order = Vec::with_capacity(n);
    let mut mask = full;
    while mask != 0 {
        let Some((_, s)) = best[mask as usize] else { break };
        order.push(s);
        mask &= !(1 << s);
    }
    order.reverse();
    if order.len() != n - tail.len() {
        return (0..n).filter(|s| last & 1 << s == 0).collect();
    }
    order
}

/// Greedy order for many sources: start from the fewest estimated rows, then add the source
/// whose step costs least.
fn greedy(
    n: usize,
    last: u64,
    ests: &[SourceEst],
    cards: &mut Cards<'_>,
    step: impl Fn(&mut Cards<'_>, u64, usize) -> f64,
) -> Vec<usize> {
    let mut rest: Vec<usize> = (0..n).filter(|s| last & 1 << s == 0).collect();
    let first = rest
        .iter()
        .copied()
        .min_by(|&a, &b| ests[a].filtered.total_cmp(&ests[b].filtered))
        .unwrap_or(0);
    rest.retain(|&s| s != first);
    let mut order = vec![first];
    let mut joined = 1u64 << first;
    while !rest.is_empty() {
        let mut pick = 0;
        let mut least = f64::INFINITY;
        for (i, &s) in rest.iter().enumerate() {
            let c = step(cards, joined, s);
            if c < least {
                least = c;
                pick = i;
            }
        }
        let s = rest.remove(pick);
        joined |= 1 << s;
        order.push(s);
    }
    order
}
