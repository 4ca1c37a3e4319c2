//! GROUP BY and aggregates: accumulates every input row into its group, then emits one row per
//! group (`[group values…, aggregate values…]`). Without GROUP BY there is exactly one output
//! row, even for no input.
//!
//! **Spilling** (`tidb_enable_tmp_storage_on_oom`, TiDB's default): once the groups would pass
//! the statement's memory quota, the groups held so far keep aggregating their rows, and the
//! rows of any other group go to partition files by a hash of their group key
//! ([`Partitions`]) — so each file holds whole groups. The groups in memory are emitted first,
//! then each file is aggregated the same way (spilling again, with another hash, a few levels
//! deep).

use errno::Result;
use types::Value;

use super::{
    spill::{Partitions, RowFile, RowReader},
    Batch, Cx, Drain, Operator,
};
use crate::{
    executor::aggregate::{AggCall, Aggregator},
    expr::Expr,
    memory::Charge,
    table::Row,
};

/// Hash (by memcomparable group key) aggregation.
pub struct HashAgg {
    input: Box<dyn Operator>,
    groups: Vec<Expr>,
    aggs: Vec<AggCall>,
    out: Option<Drain>,
    /// Spilled partitions still to aggregate, with their depth.
    pending: Spilled,
}

impl HashAgg {
    /// Aggregates `input`.
    pub fn new(input: Box<dyn Operator>, groups: Vec<Expr>, aggs: Vec<AggCall>) -> Self {
        HashAgg { input, groups, aggs, out: None, pending: Vec::new() }
    }
}

/// Spilled partitions and the depth each is aggregated at.
type Spilled = Vec<(RowFile, u32)>;

/// Where one pass reads its rows from.
type Source<'s> = dyn FnMut(&Cx<'_, '_, '_, '_>) -> Result<Option<Vec<Vec<Value>>>> + 's;

/// One pass of aggregating `groups` and `aggs` over `source`: the rows of the groups kept in
/// memory, and the partitions spilled (to aggregate at `depth + 1`).
fn pass(
    groups: &[Expr],
    aggs: &[AggCall],
    cx: &Cx<'_, '_, '_, '_>,
    source: &mut Source<'_>,
    depth: u32,
) -> Result<(Vec<Row>, Spilled)> {
    let mut agg = Aggregator::new(groups, aggs);
    let mut held = Charge::new(&cx.env.mem);
    let vars = &cx.env.ctx.vars;
    let mut parts: Option<Partitions> = None;
    let mut k = Vec::new();
    while let Some(batch) = source(cx)? {
        cx.env.check_interrupt()?;
        for values in batch {
            agg.key_into(&values, cx.eval, &mut k)?;
            if let Some(files) = &mut parts {
                if !agg.holds(&k) {
                    files.push(&k, &values)?;
                    continue;
                }
            }
            let grew = agg.add_keyed(&k, &values, cx.eval)?;
            if let Err(e) = held.add(grew) {
                // Without GROUP BY there is one group: nothing to spill.
                if groups.is_empty() || parts.is_some() {
                    return Err(e);
                }
                parts = Some(Partitions::start(vars, depth).ok_or(e)?);
            }
        }
    }
    let rows = agg
        .finish(&cx.env.ctx.warnings)
        .into_iter()
        .map(|values| Row { handle: 0, values })
        .collect();
    let spilled = parts.map_or_else(Vec::new, |p| p.finish(&cx.env.mem));
    Ok((rows, spilled))
}

impl Operator for HashAgg {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let input = &mut self.input;
            let mut source = |cx: &Cx<'_, '_, '_, '_>| {
                Ok(input.next(cx)?.map(|b| b.into_iter().map(|r| r.values).collect()))
            };
            let (rows, spilled) = pass(&self.groups, &self.aggs, cx, &mut source, 0)?;
            self.out = Some(Drain::new(rows));
            self.pending = spilled;
        }
        loop {
            if let Some(batch) = self.out.as_mut().and_then(Drain::next_batch) {
                return Ok(Some(batch));
            }
            let Some((file, depth)) = self.pending.pop() else { return Ok(None) };
            let mut reader: RowReader = file.into_reader()?;
            let mut source = |_: &Cx<'_, '_, '_, '_>| reader.next_rows(super::BATCH);
            let (rows, spilled) = pass(&self.groups, &self.aggs, cx, &mut source, depth)?;
            self.out = Some(Drain::new(rows));
            self.pending.extend(spilled);
        }
    }
}
