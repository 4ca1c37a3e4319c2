//! Runs a [`PointGetPlan`]: one `get` by handle, the row projected and sent (or returned).

use errno::Result;
use kv::Transaction;
use types::{ResultColumn, Value};

use crate::{
    context::SessionCtx,
    planner::{HandleSource, PointGetPlan},
    result::{ExecResult, ResultSet, RowSink},
    stmt_txn::StmtTxn,
};

/// The handle `params` give `plan`: `Some(None)` for a NULL or out-of-range key (no row),
/// `None` when a parameter is not an integer (the general path compares it as MySQL does).
pub fn point_get_handle(plan: &PointGetPlan, params: &[Value]) -> Option<Option<i64>> {
    let v = match &plan.handle {
        HandleSource::Param(i) => params.get(*i)?,
        HandleSource::Literal(v) => v,
    };
    match v {
        Value::Int(i) => Some(Some(*i)),
        Value::UInt(u) => Some(i64::try_from(*u).ok()),
        Value::Null => Some(None),
        _ => None,
    }
}

/// Reads the row with `handle` (none for `None`) and returns it in `columns`' shape, through
/// `sink` when given.
pub fn execute_point_get(
    ctx: &mut SessionCtx,
    txn: &mut dyn Transaction,
    plan: &PointGetPlan,
    columns: &[ResultColumn],
    handle: Option<i64>,
    sink: Option<&mut dyn RowSink>,
) -> Result<ExecResult> {
    let mut rows = Vec::new();
    if let Some(h) = handle {
        let mut st = StmtTxn::new(txn);
        if let Some(row) = crate::table::get_row(&mut st, &plan.table, h)? {
            rows.push(plan.outputs.iter().map(|&i| row.values[i].clone()).collect::<Vec<_>>());
        }
    }
    ctx.found_rows = rows.len() as u64;
    match sink {
        Some(sink) => {
            sink.columns(columns)?;
            if !rows.is_empty() {
                sink.rows(&rows)?;
            }
            Ok(ExecResult::Streamed { rows: rows.len() as u64 })
        }
        None => Ok(ExecResult::Rows(ResultSet { columns: columns.to_vec(), rows })),
    }
}
