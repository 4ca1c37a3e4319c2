//! ORDER BY: reads all input, sorts it (NULLs first ascending, last descending, as MySQL),
//! then emits it in batches.

use std::cmp::Ordering;

use errno::Result;
use types::Value;

use super::{Batch, Cx, Drain, Operator};
use crate::{
    expr::{compare, EvalCtx, Expr},
    memory::{row_bytes, Charge},
    table::Row,
};

/// Sorts its whole input.
pub struct Sort {
    input: Box<dyn Operator>,
    keys: Vec<(Expr, bool)>,
    out: Option<Drain>,
    held: Option<Charge>,
}

impl Sort {
    /// Sorts `input` by `keys`.
    pub fn new(input: Box<dyn Operator>, keys: Vec<(Expr, bool)>) -> Self {
        Sort { input, keys, out: None, held: None }
    }
}

impl Operator for Sort {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let mut keyed = Vec::new();
            let held = self.held.insert(Charge::new(&cx.env.mem));
            while let Some(batch) = self.input.next(cx)? {
                let batch = with_keys(batch, &self.keys, cx.eval)?;
                for (k, r) in &batch {
                    held.add(keyed_bytes(k, r))?;
                }
                keyed.extend(batch);
            }
            sort_keyed(&mut keyed, &self.keys);
            self.out = Some(Drain::new(keyed.into_iter().map(|(_, r)| r).collect()));
        }
        Ok(self.out.as_mut().and_then(Drain::next_batch))
    }
}

/// Each row with its evaluated sort keys.
pub(super) fn with_keys(
    batch: Batch,
    keys: &[(Expr, bool)],
    eval: &EvalCtx<'_>,
) -> Result<Vec<(Vec<Value>, Row)>> {
    batch
        .into_iter()
        .map(|r| {
            let k = keys.iter().map(|(e, _)| e.eval(&r.values, eval)).collect::<Result<_>>()?;
            Ok((k, r))
        })
        .collect()
}

/// Estimated bytes of a row held with its sort keys.
pub(super) fn keyed_bytes(keys: &[Value], row: &Row) -> usize {
    row_bytes(keys) + row_bytes(&row.values)
}

/// MySQL's order of two key tuples: NULL below every value, each key ascending or not.
pub(super) fn order(a: &[Value], b: &[Value], keys: &[(Expr, bool)]) -> Ordering {
    for ((x, y), (_, asc)) in a.iter().zip(b).zip(keys) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => compare(x, y).unwrap_or(Ordering::Equal),
        };
        let o = if *asc { o } else { o.reverse() };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Sorts keyed rows stably (equal keys keep input order).
pub(super) fn sort_keyed(rows: &mut [(Vec<Value>, Row)], keys: &[(Expr, bool)]) {
    rows.sort_by(|(a, _), (b, _)| order(a, b, keys));
}
