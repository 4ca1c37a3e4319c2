//! SELECT … FOR UPDATE and the rows of UPDATE/DELETE: locks each row's key (pessimistic),
//! re-reads the newest committed version, and keeps it only if it still exists and still
//! satisfies the WHERE clause.
//!
//! When the rows are named by handle (`WHERE pk = ?`, `pk IN (…)`) their keys are locked
//! directly — one read of each row (the lock's current read) instead of a snapshot read first,
//! as TiDB's point get with lock does.

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
    /// Handles to lock instead of reading `input` (taken on the first call).
    points: Option<Vec<i64>>,
}

impl Lock {
    /// Locks the rows of `table` that `input` returns, re-checking `pred`.
    pub fn new(input: Box<dyn Operator>, table: Arc<TableInfo>, pred: Option<Expr>) -> Self {
        Lock { input, table, pred, points: None }
    }

    /// Locks the rows of `table` with these handles (those that exist and satisfy `pred`);
    /// `input` (the snapshot read of the same rows) is not run.
    pub fn points(
        input: Box<dyn Operator>,
        table: Arc<TableInfo>,
        pred: Option<Expr>,
        handles: Vec<i64>,
    ) -> Self {
        Lock { input, table, pred, points: Some(handles) }
    }

    fn next_handles(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Vec<i64>>> {
        if let Some(points) = &mut self.points {
            return Ok((!points.is_empty()).then(|| std::mem::take(points)));
        }
        Ok(self.input.next(cx)?.map(|batch| batch.iter().map(|r| r.handle).collect()))
    }
}

impl Operator for Lock {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        while let Some(handles) = self.next_handles(cx)? {
            let t = &self.table;
            let keys: Vec<Vec<u8>> = handles.iter().map(|&h| table::row_key(t, h)).collect();
            let latest = cx.env.st.borrow_mut().lock(&keys)?;
            let mut fresh = Vec::with_capacity(handles.len());
            for (&handle, v) in handles.iter().zip(latest) {
                let Some(raw) = v else { continue };
                let row = table::decode_row(t, handle, &raw)?;
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
