//! SELECT … FOR UPDATE: locks each row's key (pessimistic), re-reads the newest committed
//! version, and keeps it only if it still exists and still satisfies the WHERE clause.

use std::sync::Arc;

use catalog::TableInfo;
use errno::Result;

use super::{Batch, Cx, Operator};
use crate::{
    expr::{Expr, Truth},
    table,
};

/// Locking read over rows of one table.
pub struct Lock {
    input: Box<dyn Operator>,
    table: Arc<TableInfo>,
    pred: Option<Expr>,
}

impl Lock {
    /// Locks the rows of `table` that `input` returns, re-checking `pred`.
    pub fn new(input: Box<dyn Operator>, table: Arc<TableInfo>, pred: Option<Expr>) -> Self {
        Lock { input, table, pred }
    }
}

impl Operator for Lock {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        while let Some(batch) = self.input.next(cx)? {
            let t = &self.table;
            let keys: Vec<Vec<u8>> = batch.iter().map(|r| table::row_key(t, r.handle)).collect();
            let latest = cx.env.st.borrow_mut().lock(&keys)?;
            let mut fresh = Vec::with_capacity(batch.len());
            for (r, v) in batch.iter().zip(latest) {
                let Some(raw) = v else { continue };
                let row = table::decode_row(t, r.handle, &raw)?;
                let keep = match &self.pred {
                    Some(p) => p.eval(&row.values, cx.eval)?.truth() == Some(true),
                    None => true,
                };
                if keep {
                    fresh.push(row);
                }
            }
            if !fresh.is_empty() {
                return Ok(Some(fresh));
            }
        }
        Ok(None)
    }
}
