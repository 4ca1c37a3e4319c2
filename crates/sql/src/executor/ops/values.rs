//! Rows computed before execution (SELECT without FROM, derived tables, CTEs, views,
//! information_schema), emitted in batches.

use errno::Result;

use super::{Batch, Cx, Drain, Operator};
use crate::table::Row;

/// Emits precomputed rows.
pub struct Values {
    rows: Drain,
}

impl Values {
    /// Emits `rows` in order.
    pub fn new(rows: Vec<Row>) -> Self {
        Values { rows: Drain::new(rows) }
    }
}

impl Operator for Values {
    fn next(&mut self, _cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        Ok(self.rows.next_batch())
    }
}
