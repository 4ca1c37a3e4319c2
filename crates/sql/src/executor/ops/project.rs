//! The select list: one expression per output column, evaluated per row.

use errno::Result;

use super::{Batch, Cx, Operator};
use crate::{expr::Expr, table::Row};

/// Evaluates output expressions.
pub struct Project {
    input: Box<dyn Operator>,
    exprs: Vec<Expr>,
}

impl Project {
    /// Projects `input` through `exprs`.
    pub fn new(input: Box<dyn Operator>, exprs: Vec<Expr>) -> Self {
        Project { input, exprs }
    }
}

impl Operator for Project {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        let Some(batch) = self.input.next(cx)? else { return Ok(None) };
        let mut out = Vec::with_capacity(batch.len());
        for r in batch {
            let values =
                self.exprs.iter().map(|e| e.eval(&r.values, cx.eval)).collect::<Result<_>>()?;
            out.push(Row { handle: r.handle, values });
        }
        Ok(Some(out))
    }
}
