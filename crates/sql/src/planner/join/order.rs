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
        let shares =
            joining.iter().map(|j| (j.mask, share(sources, layout, ests, &j.expr))).collect();
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

/// The share of pairs a joining conjunct keeps: 1/max(NDV) for an equality of two columns.
fn share(sources: &[Source], layout: &Layout, ests: &[SourceEst], e: &crate::expr::Expr) -> f64 {
    use crate::expr::{BinaryOp, Expr};
    let ndv = |c: usize| {
        let s = layout.owner[c];
        ests[s].ndv(&sources[s].table, c - layout.offsets[s])
    };
    match e {
        Expr::Binary { op: BinaryOp::Eq, left, right } => match (&**left, &**right) {
            (Expr::Column(a), Expr::Column(b)) => 1.0 / ndv(*a).max(ndv(*b)),
            _ => 0.8,
        },
        _ => 0.8,
    }
}

/// The join order (FROM positions) of least estimated cost.
pub(super) fn best(
    sources: &[Source],
    layout: &Layout,
    joining: &[Joining],
    ests: &[SourceEst],
) -> Vec<usize> {
    let n = sources.len();
    let mut cards = Cards::new(sources, layout, joining, ests);
    let step = |cards: &mut Cards<'_>, joined: u64, s: usize| {
        let cur = cards.rows(joined);
        let out = cards.rows(joined | 1 << s);
        physical::method(sources, layout, joining, ests, joined, s, cur, out).1
    };
    if n > DP_MAX {
        return greedy(n, ests, &mut cards, step);
    }
    // best[mask] = (cost, last source, previous mask)
    let full = (1u64 << n) - 1;
    let mut best: Vec<Option<(f64, usize)>> = vec![None; 1 << n];
    for s in 0..n {
        best[1 << s] = Some((ests[s].read, s));
    }
    for mask in 1..=full {
        if mask.count_ones() < 2 {
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
    if order.len() != n {
        return (0..n).collect();
    }
    order
}

/// Greedy order for many sources: start from the fewest estimated rows, then add the source
/// whose step costs least.
fn greedy(
    n: usize,
    ests: &[SourceEst],
    cards: &mut Cards<'_>,
    step: impl Fn(&mut Cards<'_>, u64, usize) -> f64,
) -> Vec<usize> {
    let mut rest: Vec<usize> = (0..n).collect();
    let first = (0..n).min_by(|&a, &b| ests[a].filtered.total_cmp(&ests[b].filtered)).unwrap_or(0);
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
