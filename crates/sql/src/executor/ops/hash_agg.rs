//! GROUP BY and aggregates: accumulates every input row into its group, then emits one row per
//! group (`[group values…, aggregate values…]`, in group-key order). Without GROUP BY there is
//! exactly one output row, even for no input.

use errno::Result;

use super::{Batch, Cx, Drain, Operator};
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
}

impl HashAgg {
    /// Aggregates `input`.
    pub fn new(input: Box<dyn Operator>, groups: Vec<Expr>, aggs: Vec<AggCall>) -> Self {
        HashAgg { input, groups, aggs, out: None }
    }
}

impl Operator for HashAgg {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let mut agg = Aggregator::new(&self.groups, &self.aggs);
            let mut held = Charge::new(&cx.env.mem);
            while let Some(batch) = self.input.next(cx)? {
                for r in &batch {
                    held.add(agg.add(&r.values, cx.eval)?)?;
                }
            }
            let rows = agg.finish().into_iter().map(|values| Row { handle: 0, values }).collect();
            self.out = Some(Drain::new(rows));
        }
        Ok(self.out.as_mut().and_then(Drain::next_batch))
    }
}
