//! A common table expression's rows (`Plan::Cte`): computed by its query's plan the first time
//! any reader of the CTE runs in the statement, kept (and charged) for the statement, and read
//! by every reader from there — TiDB's materialized CTE. Nothing runs before the first `next`,
//! so planning and EXPLAIN never compute a CTE.

use std::rc::Rc;

use errno::Result;

use super::{Batch, Cx, Operator, SharedRows};
use crate::{planner::Plan, table::Row};

/// Reads one common table expression's rows.
pub struct CteScan {
    id: usize,
    name: String,
    /// Its query's plan, until the rows are found or computed.
    input: Option<Plan>,
    out: Option<SharedRows>,
}

impl CteScan {
    /// Reads CTE `id` (named `name`), computing it with `input` if no reader has yet.
    pub fn new(id: usize, name: String, input: Plan) -> Self {
        CteScan { id, name, input: Some(input), out: None }
    }

    /// The CTE's rows: those a reader computed already, or computed now.
    fn rows(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Rc<Vec<Row>>> {
        let known = cx.env.cte_rows.borrow().get(&self.id).map(|(rows, _)| rows.clone());
        let rows = match known {
            Some(rows) => rows,
            None => {
                let plan = self.input.take().ok_or_else(|| {
                    errno::Error::msg(errno::ER_INTERNAL, "common table expression read twice")
                })?;
                // A subquery of the CTE's own query naming the CTE (planned as it runs, when
                // every CTE of the WITH is in scope) meant a table of that name, as MySQL reads
                // it: there is none.
                if !cx.env.cte_running.borrow_mut().insert(self.id) {
                    let db = cx.env.ctx.current_db.clone().unwrap_or_default();
                    return Err(errno::Error::fmt(errno::ER_NO_SUCH_TABLE, &[&db, &self.name]));
                }
                let computed = super::collect_held(super::build(plan).as_mut(), cx);
                cx.env.cte_running.borrow_mut().remove(&self.id);
                let (rows, held) = computed?;
                let rows = Rc::new(rows);
                cx.env.cte_rows.borrow_mut().insert(self.id, (rows.clone(), held));
                rows
            }
        };
        Ok(rows)
    }
}

impl Operator for CteScan {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            self.out = Some(SharedRows::new(self.rows(cx)?));
        }
        Ok(self.out.as_mut().and_then(SharedRows::next_batch))
    }
}
