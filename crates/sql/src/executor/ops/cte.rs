//! A common table expression's rows (`Plan::Cte`): computed by its query's plan the first time
//! any reader of the CTE runs in the statement, kept (and charged) for the statement, and read
//! by every reader from there — TiDB's materialized CTE. Nothing runs before the first `next`,
//! so planning and EXPLAIN never compute a CTE.

use std::rc::Rc;

use errno::Result;

use super::{Batch, Cx, Operator, BATCH};
use crate::{memory::Charge, planner::Plan, table::Row};

/// Reads one common table expression's rows.
pub struct CteScan {
    id: usize,
    /// Its query's plan, until the rows are found or computed.
    input: Option<Plan>,
    rows: Option<Rc<Vec<Row>>>,
    at: usize,
}

impl CteScan {
    /// Reads CTE `id`, computing it with `input` if no reader has yet.
    pub fn new(id: usize, input: Plan) -> Self {
        CteScan { id, input: Some(input), rows: None, at: 0 }
    }

    /// The CTE's rows: those a reader computed already, or computed now.
    fn rows(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Rc<Vec<Row>>> {
        if let Some(rows) = &self.rows {
            return Ok(rows.clone());
        }
        let known = cx.env.cte_rows.borrow().get(&self.id).map(|(rows, _)| rows.clone());
        let rows = match known {
            Some(rows) => rows,
            None => {
                let plan = self.input.take().ok_or_else(|| {
                    errno::Error::msg(errno::ER_INTERNAL, "common table expression read twice")
                })?;
                let mut op = super::build(plan);
                let mut held = Charge::new(&cx.env.mem);
                let mut rows = Vec::new();
                while let Some(batch) = op.next(cx)? {
                    for r in &batch {
                        held.add_row(&r.values)?;
                    }
                    rows.extend(batch);
                }
                let rows = Rc::new(rows);
                cx.env.cte_rows.borrow_mut().insert(self.id, (rows.clone(), held));
                rows
            }
        };
        self.rows = Some(rows.clone());
        Ok(rows)
    }
}

impl Operator for CteScan {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        let rows = self.rows(cx)?;
        let end = (self.at + BATCH).min(rows.len());
        if self.at >= end {
            return Ok(None);
        }
        let batch = rows[self.at..end].to_vec();
        self.at = end;
        Ok(Some(batch))
    }
}
