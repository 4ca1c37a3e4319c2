//! The one wrapper around every operator's `next` (TiDB's `exec.Next`): it stops the statement
//! when it was killed (1317) or ran out of time (3024), and under EXPLAIN ANALYZE records the
//! operator's rows, calls and time (inclusive of its children, as TiDB reports them).

use std::{cell::RefCell, rc::Rc, time::Duration};

use errno::Result;

use super::{Batch, Cx, Operator};

/// What one operator did, for EXPLAIN ANALYZE.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpStats {
    /// Rows returned.
    pub rows: u64,
    /// Calls to `next`.
    pub loops: u64,
    /// Time spent in `next`, children included.
    pub time: Duration,
}

/// Checks for interruption, and measures when asked to.
pub struct Guard {
    inner: Box<dyn Operator>,
    stats: Option<(Rc<RefCell<Vec<OpStats>>>, usize)>,
}

impl Guard {
    /// Wraps `inner`; `stats` is where to record (and at which position), if anywhere.
    pub fn new(
        inner: Box<dyn Operator>,
        stats: Option<(Rc<RefCell<Vec<OpStats>>>, usize)>,
    ) -> Self {
        Guard { inner, stats }
    }
}

impl Operator for Guard {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        cx.env.check_interrupt()?;
        let Some((stats, id)) = &self.stats else { return self.inner.next(cx) };
        let started = std::time::Instant::now();
        let out = self.inner.next(cx);
        let rows = match &out {
            Ok(Some(batch)) => batch.len() as u64,
            _ => 0,
        };
        if let Some(s) = stats.borrow_mut().get_mut(*id) {
            s.rows += rows;
            s.loops += 1;
            s.time += started.elapsed();
        }
        out
    }
}
