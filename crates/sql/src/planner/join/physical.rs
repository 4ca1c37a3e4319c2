//! How each step joins its source, priced for join ordering and then built into [`Step`]s:
//! - **index lookup** when equalities tie the source's handle, or a prefix of one of its
//!   indexes, to the rows so far: each row looks up its partners by key;
//! - **hash join** when any equality ties an expression of the source alone to the rows so
//!   far: the source is read once (filtered) and grouped by key;
//! - **nested loop** otherwise: every row so far against every row of the source.
//!
//! The cheapest by estimate wins: a lookup costs a seek per row so far (plus the rows each key
//! matches), a hash join reads its source once, a nested loop pairs everything.

use catalog::TableInfo;
use errno::{Error, Result};

use super::{
    conjuncts::{and, Joining, Placed},
    estimate::SourceEst,
    order::Cards,
    HashKeys, Layout, Lookup, LookupPlan, Read, Step, StepKind,
};
use crate::{
    executor::{Source, LOOKUP_COST},
    expr::{BinaryOp, Expr},
};

/// An equality `own = other` tying source `s` to the rows so far.
struct KeyPair {
    /// Over the source's own row.
    own: Expr,
    /// Over the FROM-order row (only sources already joined).
    other: Expr,
    /// The equality as written (FROM-order row).
    whole: Expr,
}

/// How a step joins.
pub(super) enum Method {
    /// Per-row lookups of these (own column, key) pairs through `via`.
    Lookup { via: Lookup, pairs: Vec<usize> },
    /// Hash join on every key pair.
    Hash,
    /// Nested loops.
    NestedLoop,
}

/// The joining conjuncts checked when source `s` joins the sources in `joined`.
fn at_step(joining: &[Joining], joined: u64, s: usize) -> impl Iterator<Item = &Joining> {
    joining.iter().filter(move |j| match j.at {
        Some(a) => a == s,
        None => j.mask & 1 << s != 0 && j.mask & !(joined | 1 << s) == 0,
    })
}

/// The equalities among `conj` usable as keys into source `s`.
fn key_pairs<'j>(
    layout: &Layout,
    conj: impl Iterator<Item = &'j Joining>,
    joined: u64,
    s: usize,
) -> Vec<KeyPair> {
    let mut out = Vec::new();
    for j in conj {
        let Expr::Binary { op: BinaryOp::Eq, left, right } = &j.expr else { continue };
        for (mine, theirs) in [(&**left, &**right), (&**right, &**left)] {
            let (Some(mc), Some(tc)) = (mine.columns(), theirs.columns()) else { continue };
            let (mm, tm) = (layout.mask(&mc), layout.mask(&tc));
            if mm == 1 << s && tm != 0 && tm & !joined == 0 {
                if let Some(own) = mine.map_columns(&layout.own(s)) {
                    out.push(KeyPair { own, other: theirs.clone(), whole: j.expr.clone() });
                    break;
                }
            }
        }
    }
    out
}

/// The best lookup path among `pairs` into `t`: the handle, else the index with the longest
/// prefix of pinned columns (unique and fully pinned first). With whether one key finds at
/// most one row, and the pair for each looked-up column.
fn lookup_path(t: &TableInfo, pairs: &[KeyPair]) -> Option<(Lookup, Vec<usize>, bool)> {
    let pair_of = |c: usize| pairs.iter().position(|p| p.own == Expr::Column(c));
    if let Some(p) = t.handle_column().and_then(pair_of) {
        return Some((Lookup::Handle, vec![p], true));
    }
    let mut best: Option<(Lookup, Vec<usize>, bool)> = None;
    for idx in t.readable_indexes() {
        let prefix: Vec<usize> = idx.columns.iter().map_while(|&c| pair_of(c)).collect();
        if prefix.is_empty() {
            continue;
        }
        let unique = idx.unique && prefix.len() == idx.columns.len();
        let better = match &best {
            None => true,
            Some((_, b, bu)) => (unique && !bu) || (unique == *bu && prefix.len() > b.len()),
        };
        if better {
            best = Some((Lookup::Index(idx.clone()), prefix, unique));
        }
    }
    best
}

/// The cheapest way source `s` joins the sources in `joined` (`cur` rows estimated, `out`
/// after the step), and its estimated cost.
#[allow(clippy::too_many_arguments)]
pub(super) fn method(
    sources: &[Source],
    layout: &Layout,
    joining: &[Joining],
    ests: &[SourceEst],
    joined: u64,
    s: usize,
    cur: f64,
    out: f64,
) -> (Method, f64) {
    let e = &ests[s];
    // Fractions of a row still cost a row to produce.
    let (cur, out, filtered) = (cur.max(1.0), out.max(1.0), e.filtered.max(1.0));
    let pairs = key_pairs(layout, at_step(joining, joined, s), joined, s);
    let mut best = (Method::NestedLoop, e.read + cur * filtered + out);
    if pairs.is_empty() {
        return best;
    }
    // A hash join reads the source once; it is preferred to a nested loop whenever it costs no
    // more. Its cost also counts inserting each kept row into the table (hashing the key,
    // holding the row): what decides against a per-row lookup and, in the join order, which
    // side is built.
    let hash = e.read + cur + out;
    if hash <= best.1 {
        best = (Method::Hash, hash + filtered * HASH_BUILD_COST);
    }
    let src = &sources[s];
    if src.computed.is_none() {
        if let Some((via, chosen, unique)) = lookup_path(&src.table, &pairs) {
            let per_key = if unique {
                1.0
            } else {
                let lead = match &pairs[chosen[0]].own {
                    Expr::Column(c) => *c,
                    _ => 0,
                };
                (e.rows / e.ndv(&src.table, lead)).max(1.0) * LOOKUP_COST as f64
            };
            let cost = cur * (1.0 + per_key) + out;
            if cost < best.1 {
                best = (Method::Lookup { via, pairs: chosen }, cost);
            }
        }
    }
    best
}

/// What inserting one row into a hash join's table costs, in rows read.
const HASH_BUILD_COST: f64 = 2.0;

fn internal(what: &str) -> Error {
    Error::msg(errno::ER_INTERNAL, format!("join planning: {what}"))
}

/// The steps joining the sources in `order`, and the residual condition (over the FROM-order
/// row) to check above them.
pub(super) fn steps(
    sources: &[Source],
    layout: &Layout,
    order: &[usize],
    kinds: &[StepKind],
    placed: Placed,
    mut ests: Vec<SourceEst>,
) -> Result<(Vec<Step>, Option<Expr>)> {
    let Placed { local, joining, residual } = placed;
    let mut accesses: Vec<_> = ests.iter_mut().map(|e| e.access.take()).collect();
    let ests = ests;
    let mut cards = Cards::new(sources, layout, &joining, &ests);
    let mut steps = Vec::with_capacity(order.len());
    let mut joined = 0u64;
    let mut est = 1.0;
    for (p, &s) in order.iter().enumerate() {
        let kind = kinds[s];
        let own_map = layout.own(s);
        let filter = local[s]
            .iter()
            .map(|e| e.map_columns(&own_map).ok_or_else(|| internal("filter")))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .reduce(and);
        let access = accesses[s].take();
        let source_est = ests[s].filtered;
        let out = cards.rows(joined | 1 << s);
        let (read, keys, cond) = if p == 0 {
            (Read::Once { access, filter, hash: None }, Vec::new(), None)
        } else {
            let joined_map = layout.joined(&order[..=p]);
            let left_map = layout.joined(&order[..p]);
            let conj: Vec<&Joining> = at_step(&joining, joined, s).collect();
            let cond = conj
                .iter()
                .map(|j| j.expr.map_columns(&joined_map).ok_or_else(|| internal("condition")))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .reduce(and);
            let pairs = if kind == StepKind::Right {
                Vec::new()
            } else {
                key_pairs(layout, conj.iter().copied(), joined, s)
            };
            let chosen = match kind {
                StepKind::Right => Method::NestedLoop,
                _ => method(sources, layout, &joining, &ests, joined, s, est, out).0,
            };
            let left_of =
                |k: &KeyPair| k.other.map_columns(&left_map).ok_or_else(|| internal("key"));
            let shown = |idx: &mut dyn Iterator<Item = &KeyPair>| {
                idx.map(|k| k.whole.map_columns(&joined_map).ok_or_else(|| internal("key")))
                    .collect::<Result<Vec<_>>>()
            };
            match chosen {
                Method::Lookup { via, pairs: used } => {
                    let columns = used
                        .iter()
                        .map(|&i| match pairs[i].own {
                            Expr::Column(c) => Ok(c),
                            _ => Err(internal("lookup column")),
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let left = used.iter().map(|&i| left_of(&pairs[i])).collect::<Result<_>>()?;
                    let keys = shown(&mut used.iter().map(|&i| &pairs[i]))?;
                    (Read::Lookup(LookupPlan { via, left, columns, filter }), keys, cond)
                }
                Method::Hash => {
                    let left = pairs.iter().map(left_of).collect::<Result<_>>()?;
                    let right = pairs.iter().map(|k| k.own.clone()).collect();
                    let keys = shown(&mut pairs.iter())?;
                    let hash = Some(HashKeys { left, right });
                    (Read::Once { access, filter, hash }, keys, cond)
                }
                Method::NestedLoop => (Read::Once { access, filter, hash: None }, Vec::new(), cond),
            }
        };
        est = match kind {
            StepKind::Inner => out,
            StepKind::Left => out.max(est),
            StepKind::Right => out.max(source_est),
            // Each row so far kept at most once (TiDB's estimate: the rows with a partner).
            StepKind::Semi => out.min(est),
            StepKind::Anti => (est - out.min(est)).max(est * 0.1),
        };
        if p == 0 {
            est = source_est;
        }
        steps.push(Step { at: s, kind, read, keys, cond, est, source_est, starts_group: false });
        joined |= 1 << s;
    }
    Ok((steps, residual.into_iter().reduce(and)))
}
