//! `WITH RECURSIVE`'s union (`Plan::RecursiveUnion`): the seed's rows, then the recursive part
//! run again and again on the rows the previous round added (published for its
//! [`super::work_table`] reader), until a round adds none. UNION drops rows seen before, UNION
//! ALL keeps them; more than `cte_max_recursion_depth` rounds fail with 3636, as in MySQL. The
//! rows are held (and charged) until the CTE has them all.

use std::{collections::HashSet, rc::Rc};

use errno::{Error, Result};

use super::{Batch, Cx, Drain, Operator};
use crate::{memory::Charge, planner::Plan, table::Row};

/// Computes a recursive CTE's rows.
pub struct RecursiveUnion {
    id: usize,
    seed: Option<Plan>,
    step: Plan,
    distinct: bool,
    out: Option<Drain>,
}

impl RecursiveUnion {
    /// The union of `seed` and the rounds of `step` for CTE `id`.
    pub fn new(id: usize, seed: Plan, step: Plan, distinct: bool) -> Self {
        RecursiveUnion { id, seed: Some(seed), step, distinct, out: None }
    }

    fn compute(&mut self, seed: Plan, cx: &Cx<'_, '_, '_, '_>) -> Result<Vec<Row>> {
        let mut held = Charge::new(&cx.env.mem);
        let mut seen = HashSet::new();
        let mut keep = |rows: Vec<Row>, held: &mut Charge| -> Result<Vec<Row>> {
            let mut kept = Vec::with_capacity(rows.len());
            for r in rows {
                if !self.distinct || seen.insert(key(&r)) {
                    held.add_row(&r.values)?;
                    kept.push(r);
                }
            }
            Ok(kept)
        };
        let mut all = keep(rows_of(seed, cx)?, &mut held)?;
        let max_rounds = cx.env.ctx.vars.int("cte_max_recursion_depth");
        let mut frontier = all.clone();
        let mut rounds = 0i64;
        while !frontier.is_empty() {
            rounds += 1;
            if rounds > max_rounds {
                return Err(Error::fmt(errno::ER_CTE_MAX_RECURSION_DEPTH, &[&rounds]));
            }
            cx.env.cte_work.borrow_mut().insert(self.id, Rc::new(frontier));
            let added = rows_of(self.step.clone(), cx);
            cx.env.cte_work.borrow_mut().remove(&self.id);
            let added = keep(added?, &mut held)?;
            all.extend(added.iter().cloned());
            frontier = added;
        }
        // What the CTE keeps of them is charged by its reader.
        drop(held);
        Ok(all)
    }
}

/// Every row `plan` returns.
fn rows_of(plan: Plan, cx: &Cx<'_, '_, '_, '_>) -> Result<Vec<Row>> {
    let mut op = super::build(plan);
    let mut rows = Vec::new();
    while let Some(batch) = op.next(cx)? {
        cx.env.check_interrupt()?;
        rows.extend(batch);
    }
    Ok(rows)
}

fn key(r: &Row) -> Vec<u8> {
    crate::executor::query::datum_key(&r.values)
}

impl Operator for RecursiveUnion {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if let Some(seed) = self.seed.take() {
            let rows = self.compute(seed, cx)?;
            self.out = Some(Drain::new(rows));
        }
        Ok(self.out.as_mut().and_then(Drain::next_batch))
    }
}
