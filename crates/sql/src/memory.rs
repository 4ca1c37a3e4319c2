//! Per-statement memory accounting: every operator that holds rows (sort, top-n, aggregation,
//! distinct, joins, the collected result) charges what it holds to the statement's
//! [`MemTracker`], and gives it back when it lets go. A statement whose rows exceed
//! `tidb_mem_quota_query` fails with TiDB's error 8175 instead of taking the server's memory.
//!
//! Sizes are estimates of the heap a row takes ([`row_bytes`]): enough to stop a runaway join
//! or sort long before the machine runs out, cheap enough to keep on every row.

use std::{cell::Cell, rc::Rc};

use errno::{Error, Result};
use types::Value;

/// What one statement holds, against its quota.
#[derive(Debug)]
pub struct MemTracker {
    /// Most bytes the statement may hold (`0`: no limit).
    quota: usize,
    used: Cell<usize>,
    peak: Cell<usize>,
    /// Bytes written to disk instead (spilled sort runs).
    disk: Cell<u64>,
    /// The connection, named in the error as TiDB does.
    conn: u64,
}

impl MemTracker {
    /// A tracker for connection `conn` with `quota` bytes (`<= 0`: unlimited).
    pub fn new(quota: i64, conn: u64) -> Rc<Self> {
        Rc::new(MemTracker {
            quota: usize::try_from(quota).unwrap_or(0),
            used: Cell::new(0),
            peak: Cell::new(0),
            disk: Cell::new(0),
            conn,
        })
    }

    /// Takes `bytes` more; fails with 8175 (and takes nothing) when that would pass the quota.
    pub fn consume(&self, bytes: usize) -> Result<()> {
        let used = self.used.get().saturating_add(bytes);
        if self.quota > 0 && used > self.quota {
            return Err(Error::fmt(errno::ER_MEM_EXCEED_THRESHOLD, &[&self.conn]));
        }
        self.used.set(used);
        self.peak.set(self.peak.get().max(used));
        Ok(())
    }

    /// Gives back `bytes`.
    pub fn release(&self, bytes: usize) {
        self.used.set(self.used.get().saturating_sub(bytes));
    }

    /// Bytes held now.
    pub fn used(&self) -> usize {
        self.used.get()
    }

    /// The most bytes held at once so far.
    pub fn peak(&self) -> usize {
        self.peak.get()
    }

    /// Records `bytes` spilled to disk.
    pub fn spilled(&self, bytes: u64) {
        self.disk.set(self.disk.get() + bytes);
    }

    /// Bytes spilled to disk so far.
    pub fn disk(&self) -> u64 {
        self.disk.get()
    }
}

/// What one holder (an operator, a join) has charged; released when dropped.
#[derive(Debug)]
pub struct Charge {
    tracker: Rc<MemTracker>,
    bytes: usize,
}

impl Charge {
    /// Nothing charged yet to `tracker`.
    pub fn new(tracker: &Rc<MemTracker>) -> Self {
        Charge { tracker: tracker.clone(), bytes: 0 }
    }

    /// Charges `bytes` more.
    pub fn add(&mut self, bytes: usize) -> Result<()> {
        self.tracker.consume(bytes)?;
        self.bytes += bytes;
        Ok(())
    }

    /// Charges one row of `values`.
    pub fn add_row(&mut self, values: &[Value]) -> Result<()> {
        self.add(row_bytes(values))
    }

    /// Gives back up to `bytes` of what this holder charged.
    pub fn sub(&mut self, bytes: usize) {
        let n = bytes.min(self.bytes);
        self.tracker.release(n);
        self.bytes -= n;
    }

    /// Gives back everything this holder charged.
    pub fn clear(&mut self) {
        self.sub(self.bytes);
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Estimated heap bytes of a row of `values` (the vector, each value, and string contents).
pub fn row_bytes(values: &[Value]) -> usize {
    let heap: usize = values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.len(),
            Value::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum();
    std::mem::size_of::<Vec<Value>>() + std::mem::size_of_val(values) + heap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_refuses_and_drop_releases() {
        let t = MemTracker::new(1000, 7);
        {
            let mut c = Charge::new(&t);
            c.add(600).expect("under quota");
            let err = c.add(600).expect_err("over quota");
            assert_eq!(err.code, 8175);
            assert!(err.message.contains("[conn=7]"), "{}", err.message);
            assert_eq!(t.used(), 600);
        }
        assert_eq!(t.used(), 0);
        assert_eq!(t.peak(), 600);
        let unlimited = MemTracker::new(0, 1);
        Charge::new(&unlimited).add(usize::MAX / 2).expect("no quota");
    }
}
