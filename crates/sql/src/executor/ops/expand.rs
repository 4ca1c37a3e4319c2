//! `GROUP BY … WITH ROLLUP`'s expansion (TiDB's `Expand`): each input row goes out once per
//! grouping level — all group columns, then one fewer from the right, down to none — with
//! the group values appended as (rolled-up flag, value) pairs, the value NULL where rolled up.
//! The aggregation above groups by those pairs, so each level's super-aggregate rows come out
//! of the same hash aggregation, after the rows they total (the flag sorts after 0), and
//! `GROUPING(col)` reads the flag.

use errno::Result;
use types::Value;

use super::{Batch, Cx, Operator};
use crate::{expr::Expr, table::Row};

/// Emits each input row once per rollup level.
pub struct Expand {
    input: Box<dyn Operator>,
    groups: Vec<Expr>,
}

impl Expand {
    /// Expands `input` over the group expressions `groups`.
    pub fn new(input: Box<dyn Operator>, groups: Vec<Expr>) -> Self {
        Expand { input, groups }
    }
}

impl Operator for Expand {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        let Some(batch) = self.input.next(cx)? else { return Ok(None) };
        let k = self.groups.len();
        let mut out = Vec::with_capacity(batch.len() * (k + 1));
        for r in batch {
            let values = self
                .groups
                .iter()
                .map(|g| g.eval(&r.values, cx.eval))
                .collect::<Result<Vec<_>>>()?;
            for level in 0..=k {
                let mut row = r.values.clone();
                for (j, v) in values.iter().enumerate() {
                    let rolled = j + level >= k;
                    row.push(Value::Int(i64::from(rolled)));
                    row.push(if rolled { Value::Null } else { v.clone() });
                }
                out.push(Row { handle: r.handle, values: row });
            }
        }
        Ok(Some(out))
    }
}
