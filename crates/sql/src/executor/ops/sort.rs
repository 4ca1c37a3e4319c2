//! ORDER BY: reads all input, sorts it (NULLs first ascending, last descending, as MySQL),
//! then emits it in batches. Past the memory quota it spills sorted runs to disk and merges
//! them (see [`super::spill`]) when `tidb_enable_tmp_storage_on_oom` is on; else 8175.

use std::cmp::Ordering;

use errno::Result;
use types::Value;

use super::{
    spill::{spill_dir, write_run, Merge},
    Batch, Cx, Drain, Operator,
};
use crate::{
    expr::{compare, EvalCtx, Expr},
    memory::{row_bytes, Charge},
    table::Row,
};

/// Sorts its whole input.
pub struct Sort {
    input: Box<dyn Operator>,
    keys: Vec<(Expr, bool)>,
    out: Option<Output>,
    held: Option<Charge>,
}

/// Sorted rows: all in memory, or merged from runs on disk.
enum Output {
    Memory(Drain),
    Merge(Merge),
}

impl Sort {
    /// Sorts `input` by `keys`.
    pub fn new(input: Box<dyn Operator>, keys: Vec<(Expr, bool)>) -> Self {
        Sort { input, keys, out: None, held: None }
    }

    fn read_all(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Output> {
        let mut keyed = Vec::new();
        let mut runs = Vec::new();
        let held = self.held.insert(Charge::new(&cx.env.mem));
        let vars = &cx.env.ctx.vars;
        while let Some(batch) = self.input.next(cx)? {
            for (k, r) in with_keys(batch, &self.keys, cx.eval)? {
                let bytes = keyed_bytes(&k, &r);
                if let Err(e) = held.add(bytes) {
                    if keyed.is_empty() || !vars.bool("tidb_enable_tmp_storage_on_oom") {
                        return Err(e);
                    }
                    sort_keyed(&mut keyed, &self.keys);
                    let run = write_run(&spill_dir(vars), &keyed)?;
                    cx.env.mem.spilled(run.bytes);
                    runs.push(run);
                    keyed.clear();
                    held.clear();
                    held.add(bytes)?;
                }
                keyed.push((k, r));
            }
        }
        sort_keyed(&mut keyed, &self.keys);
        Ok(if runs.is_empty() {
            Output::Memory(Drain::new(keyed.into_iter().map(|(_, r)| r).collect()))
        } else {
            Output::Merge(Merge::new(runs, keyed, self.keys.clone()))
        })
    }
}

impl Operator for Sort {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let out = self.read_all(cx)?;
            self.out = Some(out);
        }
        match &mut self.out {
            Some(Output::Memory(drain)) => Ok(drain.next_batch()),
            Some(Output::Merge(merge)) => {
                let rows = merge.next_rows(super::BATCH)?;
                Ok((!rows.is_empty()).then_some(rows))
            }
            None => Ok(None),
        }
    }
}

/// Each row with its evaluated sort keys.
pub(super) fn with_keys(
    batch: Batch,
    keys: &[(Expr, bool)],
    eval: &EvalCtx<'_>,
) -> Result<Vec<(Vec<Value>, Row)>> {
    batch
        .into_iter()
        .map(|r| {
            let k = keys.iter().map(|(e, _)| e.eval(&r.values, eval)).collect::<Result<_>>()?;
            Ok((k, r))
        })
        .collect()
}

/// Estimated bytes of a row held with its sort keys.
pub(super) fn keyed_bytes(keys: &[Value], row: &Row) -> usize {
    row_bytes(keys) + row_bytes(&row.values)
}

/// MySQL's order of two key tuples: NULL below every value, each key ascending or not.
pub(crate) fn order(a: &[Value], b: &[Value], keys: &[(Expr, bool)]) -> Ordering {
    for ((x, y), (_, asc)) in a.iter().zip(b).zip(keys) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => compare(x, y).unwrap_or(Ordering::Equal),
        };
        let o = if *asc { o } else { o.reverse() };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Sorts keyed rows stably (equal keys keep input order).
pub(super) fn sort_keyed(rows: &mut [(Vec<Value>, Row)], keys: &[(Expr, bool)]) {
    rows.sort_by(|(a, _), (b, _)| order(a, b, keys));
}
