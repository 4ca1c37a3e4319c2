//! The transactional key-value seam between the SQL layer and a store.
//!
//! The traits mirror TiKV's transactional model so the embedded store (`store-local`) and a
//! TiKV-backed one are interchangeable: a transaction has a `start_ts` from a timestamp oracle,
//! reads a consistent snapshot at that timestamp, buffers its mutations, locks keys
//! pessimistically (TiDB's default) or detects write-write conflicts at commit (optimistic), and
//! commits through prewrite → commit, receiving a `commit_ts`.
//!
//! Keys and values are opaque bytes; keys order bytewise. Nothing here knows SQL.

mod error;

pub use error::{Error, Result};

use std::{ops::Bound, time::Duration};

/// A timestamp from the oracle: physical milliseconds << 18 | logical counter (TiDB's layout).
pub type Timestamp = u64;

/// A key.
pub type Key = Vec<u8>;

/// A value.
pub type Value = Vec<u8>;

/// A key-value pair.
pub type KvPair = (Key, Value);

/// How a transaction handles write-write conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TxnMode {
    /// Lock rows when statements touch them; other writers wait (TiDB's default).
    #[default]
    Pessimistic,
    /// Detect conflicts at commit; the later committer fails with a write conflict.
    Optimistic,
}

/// Options for a new transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnOptions {
    /// Conflict handling.
    pub mode: TxnMode,
    /// Refuse writes.
    pub read_only: bool,
    /// How long a pessimistic lock request waits before failing (`innodb_lock_wait_timeout`).
    pub lock_wait_timeout: Duration,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions {
            mode: TxnMode::Pessimistic,
            read_only: false,
            lock_wait_timeout: Duration::from_secs(50),
        }
    }
}

/// A key range: `[start, end)` with either side open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// Lower bound.
    pub start: Bound<Key>,
    /// Upper bound.
    pub end: Bound<Key>,
}

impl KeyRange {
    /// `[start, end)`.
    pub fn new(start: impl Into<Key>, end: impl Into<Key>) -> Self {
        KeyRange { start: Bound::Included(start.into()), end: Bound::Excluded(end.into()) }
    }

    /// Every key starting with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        let end = prefix_end(prefix);
        KeyRange {
            start: Bound::Included(prefix.to_vec()),
            end: end.map_or(Bound::Unbounded, Bound::Excluded),
        }
    }

    /// Whether no key can be inside the range (its start is past its end).
    pub fn is_empty(&self) -> bool {
        match (&self.start, &self.end) {
            (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
            (Bound::Included(s), Bound::Included(e)) => s > e,
            (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => {
                s >= e
            }
        }
    }

    /// Whether `key` is inside the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let after_start = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let before_end = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        after_start && before_end
    }
}

/// The smallest key greater than every key with `prefix`, or `None` if there is none.
pub fn prefix_end(prefix: &[u8]) -> Option<Key> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A transactional store: the entry point the SQL layer holds.
pub trait Storage: Send + Sync {
    /// Starts a transaction with a fresh `start_ts`.
    fn begin(&self, opts: TxnOptions) -> Result<Box<dyn Transaction>>;

    /// A read-only snapshot at `ts`, or at a fresh timestamp when `None`.
    fn snapshot(&self, ts: Option<Timestamp>) -> Result<Box<dyn Snapshot>>;

    /// A fresh timestamp from the oracle (greater than every timestamp handed out before).
    fn current_ts(&self) -> Result<Timestamp>;
}

/// Consistent reads at one timestamp.
pub trait Snapshot: Send + Sync {
    /// The read timestamp.
    fn read_ts(&self) -> Timestamp;

    /// The value of `key` as of the read timestamp.
    fn get(&self, key: &[u8]) -> Result<Option<Value>>;

    /// Values of several keys; absent keys are left out. Order follows `keys`.
    fn batch_get(&self, keys: &[Key]) -> Result<Vec<KvPair>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(v) = self.get(k)? {
                out.push((k.clone(), v));
            }
        }
        Ok(out)
    }

    /// Up to `limit` pairs in `range`, ascending (or descending when `reverse`).
    fn scan(&self, range: &KeyRange, limit: usize, reverse: bool) -> Result<Vec<KvPair>>;

    /// Hands up to `limit` pairs of `range`, ascending, to `f` as they are read, borrowed (a
    /// store that can avoids copying them); returns how many.
    fn scan_each(
        &self,
        range: &KeyRange,
        limit: usize,
        f: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<usize> {
        let pairs = self.scan(range, limit, false)?;
        for (k, v) in &pairs {
            f(k, v);
        }
        Ok(pairs.len())
    }
}

/// A transaction. Reads see the transaction's own buffered writes.
///
/// Dropping a transaction without `commit` rolls it back.
pub trait Transaction: Send + Sync {
    /// The transaction's start timestamp (its identity and snapshot).
    fn start_ts(&self) -> Timestamp;

    /// Snapshot read of `key` at `start_ts` (own writes first).
    fn get(&mut self, key: &[u8]) -> Result<Option<Value>>;

    /// Snapshot reads of several keys (own writes first); absent keys are left out.
    fn batch_get(&mut self, keys: &[Key]) -> Result<Vec<KvPair>>;

    /// Snapshot scan at `start_ts` merged with own writes.
    fn scan(&mut self, range: &KeyRange, limit: usize, reverse: bool) -> Result<Vec<KvPair>>;

    /// The committed data at the read timestamp, without this transaction's buffered writes, as
    /// a snapshot other threads may read: parallel scans read through it (TiDB sends its
    /// coprocessor requests at the read timestamp and merges buffered writes above them).
    fn read_snapshot(&self) -> Result<Box<dyn Snapshot>>;

    /// Locks `keys` for this transaction (pessimistic mode), waiting for other holders up to the
    /// lock-wait timeout, and returns their latest committed values ("current read").
    /// In optimistic mode the keys are only remembered for the commit-time conflict check.
    fn lock_keys(&mut self, keys: &[Key]) -> Result<Vec<Option<Value>>>;

    /// Moves the read timestamp forward (READ-COMMITTED: a fresh snapshot per statement).
    fn refresh_read_ts(&mut self) -> Result<()>;

    /// Buffers a write.
    fn put(&mut self, key: Key, value: Value) -> Result<()>;

    /// Buffers a delete.
    fn delete(&mut self, key: Key) -> Result<()>;

    /// Whether the transaction has buffered writes.
    fn is_dirty(&self) -> bool;

    /// Bytes of writes (keys and values) the transaction may still buffer before it refuses
    /// one with [`Error::TxnTooLarge`], and the bytes it holds; `None` when it has no limit.
    fn write_budget(&self) -> Option<(usize, usize)> {
        None
    }

    /// Marks the current state of the buffered writes (for `SAVEPOINT`).
    fn savepoint(&mut self) -> usize;

    /// Undoes every buffered write made after `mark` (`ROLLBACK TO SAVEPOINT`). Locks taken
    /// since stay held until the transaction ends, as in MySQL.
    fn rollback_to_savepoint(&mut self, mark: usize);

    /// Makes the buffered writes durable and visible atomically; returns the commit timestamp.
    fn commit(self: Box<Self>) -> Result<Timestamp>;

    /// Discards the buffered writes and releases locks.
    fn rollback(self: Box<Self>) -> Result<()>;
}
