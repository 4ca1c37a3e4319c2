//! ORDER BY … LIMIT: keeps only the best `offset + limit` rows while reading (a buffer sorted
//! and cut back whenever it reaches twice that), so memory is bounded by the limit, not the input.

use errno::Result;

use super::{
    sort::{keyed_bytes, sort_keyed, with_keys},
    Batch, Cx, Drain, Operator,
};
use crate::{expr::Expr, memory::Charge};

/// The first rows by sort order.
pub struct TopN {
    input: Box<dyn Operator>,
    keys: Vec<(Expr, bool)>,
    limit: usize,
    offset: usize,
    out: Option<Drain>,
}

impl TopN {
    /// The rows `offset..offset + limit` of `input` ordered by `keys`.
    pub fn new(
        input: Box<dyn Operator>,
        keys: Vec<(Expr, bool)>,
        limit: usize,
        offset: usize,
    ) -> Self {
        TopN { input, keys, limit, offset, out: None }
    }
}

impl Operator for TopN {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let keep = self.limit.saturating_add(self.offset);
            let mut best = Vec::new();
            let mut held = Charge::new(&cx.env.mem);
            if keep > 0 {
                let cut_at = keep.saturating_mul(2).max(64);
                while let Some(batch) = self.input.next(cx)? {
                    for (k, r) in with_keys(batch, &self.keys, cx.eval)? {
                        held.add(keyed_bytes(&k, &r))?;
                        best.push((k, r));
                        if best.len() >= cut_at {
                            sort_keyed(&mut best, &self.keys);
                            for (k, r) in best.drain(keep..) {
                                held.sub(keyed_bytes(&k, &r));
                            }
                        }
                    }
                }
            }
            sort_keyed(&mut best, &self.keys);
            best.truncate(keep);
            let rows = best.into_iter().skip(self.offset).map(|(_, r)| r).collect();
            self.out = Some(Drain::new(rows));
        }
        Ok(self.out.as_mut().and_then(Drain::next_batch))
    }
}
