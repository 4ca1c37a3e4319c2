//! A recursive CTE's working rows (`Plan::WorkTable`): what the last round of its
//! [`super::recursive_union`] added, read by its recursive part.

use errno::Result;

use super::{Batch, Cx, Operator, SharedRows};

/// Reads the rows the last round of recursive CTE `id` added.
pub struct WorkTable {
    id: usize,
    out: Option<SharedRows>,
}

impl WorkTable {
    /// Reads CTE `id`'s working rows.
    pub fn new(id: usize) -> Self {
        WorkTable { id, out: None }
    }
}

impl Operator for WorkTable {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let rows = cx.env.cte_work.borrow().get(&self.id).cloned().unwrap_or_default();
            self.out = Some(SharedRows::new(rows));
        }
        Ok(self.out.as_mut().and_then(SharedRows::next_batch))
    }
}
