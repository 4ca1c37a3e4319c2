//! A recursive CTE's working rows (`Plan::WorkTable`): what the last round of its
//! [`super::recursive_union`] added, read by its recursive part.

use std::rc::Rc;

use errno::Result;

use super::{Batch, Cx, Operator, BATCH};
use crate::table::Row;

/// Reads the rows the last round of recursive CTE `id` added.
pub struct WorkTable {
    id: usize,
    rows: Option<Rc<Vec<Row>>>,
    at: usize,
}

impl WorkTable {
    /// Reads CTE `id`'s working rows.
    pub fn new(id: usize) -> Self {
        WorkTable { id, rows: None, at: 0 }
    }
}

impl Operator for WorkTable {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.rows.is_none() {
            let rows = cx.env.cte_work.borrow().get(&self.id).cloned().unwrap_or_default();
            self.rows = Some(rows);
        }
        let Some(rows) = &self.rows else { return Ok(None) };
        let end = (self.at + BATCH).min(rows.len());
        if self.at >= end {
            return Ok(None);
        }
        let batch = rows[self.at..end].to_vec();
        self.at = end;
        Ok(Some(batch))
    }
}
