//! The conjuncts of WHERE and ON, each with the sources it reads, and where each may be
//! checked: filtering one source as it is read, at a join step, or above the join.

use super::{Layout, StepKind};
use crate::{
    executor::{bound_chain, bound_conjuncts},
    expr::{BinaryOp, Expr},
};

/// Where a conjunct was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// WHERE — or the ON of an inner join when every join is inner (then they mean the same).
    Where,
    /// The ON of the source at this FROM position.
    On(usize),
}

/// One conjunct (over the FROM-order row).
pub(super) struct Conjunct {
    /// The expression.
    expr: Expr,
    /// The sources it reads (bit set); `None` when it holds a subquery.
    mask: Option<u64>,
    /// Where it was written.
    origin: Origin,
    /// Implied by the others (derived): may be dropped where it cannot be checked early.
    implied: bool,
}

/// Splits `e` into its conjuncts.
pub(super) fn split(e: &Expr, layout: &Layout, origin: Origin) -> Vec<Conjunct> {
    bound_conjuncts(e)
        .into_iter()
        .map(|c| Conjunct {
            expr: c.clone(),
            mask: c.columns().map(|cols| layout.mask(&cols)),
            origin,
            implied: false,
        })
        .collect()
}

/// Most OR branches looked into for implied conjuncts.
const MAX_BRANCHES: usize = 64;

/// Conjuncts implied by an OR over several sources whose branches are conjunctions: a factor
/// in every branch (`(a.k = b.k AND x) OR (a.k = b.k AND y)` implies `a.k = b.k`, a join key),
/// and per source the OR of each branch's conjuncts on that source alone, when every branch
/// has some (`(p.x = 1 AND l.y = 2) OR (p.x = 3 AND …)` implies `p.x = 1 OR p.x = 3`, a filter
/// on `p` as it is read). TiDB's `extractFiltersFromDNF`.
pub(super) fn implied(all: &[Conjunct], layout: &Layout) -> Vec<Conjunct> {
    let mut out = Vec::new();
    for c in all {
        let (Some(mask), Origin::Where, false) = (c.mask, c.origin, c.implied) else { continue };
        if mask.count_ones() < 2 {
            continue;
        }
        let branches = or_branches(&c.expr);
        if branches.len() < 2 || branches.len() > MAX_BRANCHES {
            continue;
        }
        let parts: Vec<Vec<&Expr>> = branches.iter().map(|b| bound_conjuncts(b)).collect();
        let mut derived: Vec<Expr> = parts[0]
            .iter()
            .filter(|f| parts[1..].iter().all(|p| p.contains(f)))
            .map(|f| (*f).clone())
            .collect();
        for s in (0..layout.offsets.len()).filter(|s| mask & 1 << s != 0) {
            let own: Vec<Option<Expr>> = parts
                .iter()
                .map(|p| {
                    p.iter()
                        .filter(|f| f.columns().is_some_and(|cols| layout.mask(&cols) == 1 << s))
                        .map(|f| (*f).clone())
                        .reduce(and)
                })
                .collect();
            if own.iter().all(Option::is_some) {
                if let Some(e) = own.into_iter().flatten().reduce(|a, b| binary(BinaryOp::Or, a, b))
                {
                    derived.push(e);
                }
            }
        }
        for e in derived {
            let mask = e.columns().map(|cols| layout.mask(&cols));
            out.push(Conjunct { expr: e, mask, origin: Origin::Where, implied: true });
        }
    }
    out
}

/// The branches of an OR, or of a row IN list's OR form (one branch when `e` is no OR).
fn or_branches(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::RowIn { or, .. } => bound_chain(or, BinaryOp::Or),
        _ => bound_chain(e, BinaryOp::Or),
    }
}

fn binary(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    Expr::Binary { op, left: Box::new(a), right: Box::new(b) }
}

/// `a AND b`.
pub(in crate::planner) fn and(a: Expr, b: Expr) -> Expr {
    binary(BinaryOp::And, a, b)
}

/// A conjunct read by two or more sources, checked inside the join.
pub(super) struct Joining {
    /// The expression (over the FROM-order row).
    pub expr: Expr,
    /// The sources it reads.
    pub mask: u64,
    /// The FROM position of the step that must check it (outer joins); `None`: the first
    /// step where all its sources are joined.
    pub at: Option<usize>,
}

/// The conjuncts sorted by where they are checked.
pub(super) struct Placed {
    /// Per source: conjuncts reading only it (or nothing), filtering its rows as read.
    pub local: Vec<Vec<Expr>>,
    /// Conjuncts checked at a join step.
    pub joining: Vec<Joining>,
    /// Conjuncts checked above the join (over the FROM-order row).
    pub residual: Vec<Expr>,
}

/// Sorts conjuncts by where they may be checked. With only inner joins, anywhere their sources
/// are present. With outer joins (sources then join in FROM order, `rank` giving each one's
/// place, a RIGHT JOIN turned LEFT swapping two): an ON conjunct at its own
/// step, or filtering its own source when it reads only that one (not for RIGHT JOIN, whose
/// rows are all kept); a WHERE conjunct at the step of the last source it reads unless that
/// step is a LEFT JOIN (the NULL-padded rows must reach WHERE) and never inside a join with a
/// RIGHT JOIN (every source before it is padded).
pub(super) fn place(
    all: Vec<Conjunct>,
    kinds: &[StepKind],
    rank: &[usize],
    outer_joins: bool,
    whole: bool,
) -> Placed {
    let n = kinds.len();
    let mut placed = Placed {
        local: (0..n).map(|_| Vec::new()).collect(),
        joining: Vec::new(),
        residual: Vec::new(),
    };
    for c in all {
        let Some(mask) = c.mask else {
            if !c.implied {
                placed.residual.push(c.expr);
            }
            continue;
        };
        // The source joined last among those it reads (outer joins keep their order).
        let last = (0..kinds.len())
            .filter(|&s| mask & 1 << s != 0)
            .max_by_key(|&s| rank.get(s).copied().unwrap_or(s))
            .unwrap_or(0);
        let at = match c.origin {
            Origin::On(i) => i,
            Origin::Where if !outer_joins => {
                match mask.count_ones() {
                    0 => placed.local[0].push(c.expr),
                    1 => placed.local[last].push(c.expr),
                    _ => placed.joining.push(Joining { expr: c.expr, mask, at: None }),
                }
                continue;
            }
            Origin::Where if whole || kinds[last] == StepKind::Left => {
                if !c.implied {
                    placed.residual.push(c.expr);
                }
                continue;
            }
            Origin::Where => last,
        };
        if mask & !(1 << at) == 0 && kinds[at] != StepKind::Right {
            placed.local[at].push(c.expr);
        } else {
            placed.joining.push(Joining { expr: c.expr, mask, at: Some(at) });
        }
    }
    placed
}
