//! The live readers: start timestamps of open transactions and snapshots, which bound what
//! old versions may still be read (GC's safe point, the recent layer's pruning).

use std::collections::BTreeMap;

use parking_lot::Mutex;

/// Read timestamps in use, with counts.
#[derive(Default)]
pub struct Readers {
    active: Mutex<BTreeMap<u64, usize>>,
}

impl Readers {
    /// Issues a timestamp with `next` and registers it as one atomic step: whoever asks
    /// [`Readers::oldest`] meanwhile either sees it or runs before it was issued (and so before
    /// any version it could need was superseded).
    pub fn begin(&self, next: impl FnOnce() -> kv::Result<u64>) -> kv::Result<u64> {
        let mut active = self.active.lock();
        let ts = next()?;
        *active.entry(ts).or_default() += 1;
        Ok(ts)
    }

    /// Registers a read at an already issued `ts` (one that a registered reader covers).
    pub fn register(&self, ts: u64) {
        *self.active.lock().entry(ts).or_default() += 1;
    }

    /// Ends one registration of `ts`.
    pub fn unregister(&self, ts: u64) {
        let mut active = self.active.lock();
        if let Some(n) = active.get_mut(&ts) {
            *n -= 1;
            if *n == 0 {
                active.remove(&ts);
            }
        }
    }

    /// The registered read timestamps, newest first (pruning keeps, for each, the version it
    /// sees). Empty when nobody reads: every future reader then gets a timestamp above every
    /// version written so far.
    pub fn descending(&self) -> Vec<u64> {
        self.active.lock().keys().rev().copied().collect()
    }

    /// The oldest registered read timestamp; `None` when nobody reads, in which case every
    /// future reader gets a timestamp above every version written so far.
    pub fn oldest(&self) -> Option<u64> {
        self.active.lock().keys().next().copied()
    }
}
