//! DISTINCT: drops rows equal to one already returned (compared as memcomparable keys, so
//! equal values of one type are equal rows).

use std::collections::HashSet;

use errno::Result;

use super::{Batch, Cx, Operator};
use crate::memory::Charge;

/// Returns each distinct row once, in first-seen order.
pub struct Distinct {
    input: Box<dyn Operator>,
    seen: HashSet<Vec<u8>>,
    held: Option<Charge>,
}

impl Distinct {
    /// Deduplicates `input`.
    pub fn new(input: Box<dyn Operator>) -> Self {
        Distinct { input, seen: HashSet::new(), held: None }
    }
}

impl Operator for Distinct {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        let held = self.held.get_or_insert_with(|| Charge::new(&cx.env.mem));
        while let Some(batch) = self.input.next(cx)? {
            let mut out = Vec::with_capacity(batch.len());
            for r in batch {
                let mut k = Vec::new();
                for v in &r.values {
                    tablecodec::datum::encode(&mut k, v);
                }
                let bytes = k.len() + std::mem::size_of::<Vec<u8>>();
                if self.seen.insert(k) {
                    held.add(bytes)?;
                    out.push(r);
                }
            }
            let batch = out;
            if !batch.is_empty() {
                return Ok(Some(batch));
            }
        }
        Ok(None)
    }
}
