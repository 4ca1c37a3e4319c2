//! WHERE and HAVING: keeps the rows for which the predicate is true (not false, not NULL).

use errno::Result;

use super::{Batch, Cx, Operator};
use crate::expr::{Expr, Truth};

/// Keeps rows satisfying a predicate.
pub struct Filter {
    input: Box<dyn Operator>,
    pred: Expr,
}

impl Filter {
    /// Filters `input` by `pred`.
    pub fn new(input: Box<dyn Operator>, pred: Expr) -> Self {
        Filter { input, pred }
    }
}

impl Operator for Filter {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        while let Some(mut batch) = self.input.next(cx)? {
            let mut keep = Vec::with_capacity(batch.len());
            for r in &batch {
                keep.push(self.pred.eval(&r.values, cx.eval)?.truth() == Some(true));
            }
            let mut flags = keep.into_iter();
            batch.retain(|_| flags.next().unwrap_or(false));
            if !batch.is_empty() {
                return Ok(Some(batch));
            }
        }
        Ok(None)
    }
}
