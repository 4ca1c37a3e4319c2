//! FerroDB's embedded store: Percolator-shaped MVCC transactions over a durable ordered-KV
//! engine (`fjall`), implementing the [`kv`] traits.
//!
//! ```text
//!  LocalTxn ── reads ──▶ mvcc::{get,scan} at start_ts ──▶ Engine snapshot (write CF)
//!     │  lock_keys ──▶ LockTable (pessimistic locks, waits, deadlock detection)
//!     └─ commit: prewrite (mark locks) → commit_ts from Tso → Committer (group fsync) → release
//!                                  commit log (wal) fsync → recent layer ──checkpoint──▶ engine
//! ```
//!
//! * Versions live in one column family, keyed `enc(key) ‖ !commit_ts` (see [`keys`]), each
//!   carrying its writer's `start_ts` and value.
//! * A commit's versions are written in one atomic group, synced in the commit log (`wal.rs`), so
//!   after a crash a transaction is either wholly present or absent; locks are in memory and
//!   vanish with the transactions that held them. Nothing half-done survives a restart, so
//!   recovery is the engine's journal replay plus the log's replay from the engine's checkpoint.
//! * Readers wait only for commits in flight on the keys they read (prewritten locks older than
//!   their read timestamp), never for pessimistic locks.

mod committer;
pub mod engine;
mod gc;
mod keys;
mod locks;
mod mvcc;
mod readers;
mod recent;
mod record;
mod row_cache;
mod tso;
mod txn;
mod wal;

pub use wal::{FsLogDir, LogDir, LogSegment, SEGMENT as LOG_SEGMENT_BYTES};

pub use gc::GcStats;

use std::{ops::Bound, path::Path, sync::Arc, thread, time::Duration};

use kv::{Key, KeyRange, KvPair, Snapshot, Storage, Timestamp, Transaction, TxnOptions, Value};
use parking_lot::{Condvar, Mutex};

use crate::{
    committer::{Committer, WAL_CHECKPOINT_KEY},
    engine::{Cf, Engine},
    locks::LockTable,
    row_cache::Lookup,
    tso::Tso,
    wal::Wal,
};

/// Tunables of the embedded store.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// Versions older than this (and not needed by a live transaction) are garbage collected
    /// (`tidb_gc_life_time`).
    pub gc_life_time: Duration,
    /// How often the background GC runs; `None` disables it.
    pub gc_interval: Option<Duration>,
    /// Largest key accepted.
    pub max_key_size: usize,
    /// Largest key + value accepted (TiDB's `txn-entry-size-limit`).
    pub max_entry_size: usize,
    /// Most bytes of writes one transaction may buffer, keys and values (TiDB's
    /// `txn-total-size-limit`; `0`: no limit).
    pub max_txn_size: usize,
    /// The engine's block cache: decoded data blocks kept in memory, filled as they are read.
    pub block_cache_bytes: u64,
    /// The row cache: point-read keys' newest versions kept in memory (`0`: off).
    pub row_cache_bytes: u64,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            gc_life_time: Duration::from_secs(600),
            gc_interval: Some(Duration::from_secs(60)),
            max_key_size: 8 * 1024,
            max_entry_size: 6 * 1024 * 1024,
            max_txn_size: 100 * 1024 * 1024,
            block_cache_bytes: engine::DEFAULT_CACHE_BYTES,
            row_cache_bytes: DEFAULT_ROW_CACHE_BYTES,
        }
    }
}

/// The row cache's default budget.
pub const DEFAULT_ROW_CACHE_BYTES: u64 = 128 << 20;

/// State shared by the store handle, its transactions and its background threads.
pub(crate) struct Inner {
    pub engine: Arc<dyn Engine>,
    pub tso: Tso,
    pub locks: LockTable,
    pub committer: Committer,
    /// Point-read keys' newest committed versions (see [`row_cache`]).
    pub rows: row_cache::RowCache,
    /// Start timestamps of live transactions and snapshots: the GC safe point and the recent
    /// layer's pruning stay below the oldest.
    pub readers: Arc<readers::Readers>,
    pub opts: LocalOptions,
    stop: Mutex<bool>,
    stop_cv: Condvar,
}

impl Inner {
    pub fn next_ts(&self) -> kv::Result<u64> {
        self.tso.next(self.engine.as_ref())
    }

    /// A fresh timestamp, registered as a live reader in the same step.
    pub fn begin_ts(&self) -> kv::Result<u64> {
        self.readers.begin(|| self.next_ts())
    }

    /// MVCC point read at `ts`, after commits in flight on `key` have landed: from the row
    /// cache when it can tell, else from the engine (then cached when it was the newest).
    pub fn read(&self, key: &[u8], ts: u64) -> kv::Result<Option<Value>> {
        self.locks.wait_for_commits(Bound::Included(key), Bound::Included(key), ts)?;
        let epoch = match self.rows.get(key, ts) {
            Lookup::Hit(v) => return Ok(v),
            Lookup::Miss(epoch) => epoch,
        };
        self.read_and_fill(self.engine.snapshot().as_ref(), key, ts, epoch)
    }

    /// Reads `key` at `ts` from `snap` (taken after the row cache's miss at `epoch`) and caches
    /// what it found when that is the key's newest version.
    fn read_and_fill(
        &self,
        snap: &dyn engine::EngineSnapshot,
        key: &[u8],
        ts: u64,
        epoch: u64,
    ) -> kv::Result<Option<Value>> {
        let (found, newest) = mvcc::get_latest(snap, key, ts)?;
        let Some((commit_ts, rec)) = found else { return Ok(None) };
        let value = match rec.kind {
            record::WriteKind::Put(v) => Some(v),
            record::WriteKind::Delete => None,
        };
        if newest && self.rows.enabled() {
            self.rows.fill(key, epoch, commit_ts, value.clone());
        }
        Ok(value)
    }

    /// MVCC point reads of several keys at `ts`, in the order of `keys`, from one engine
    /// snapshot after one wait for the commits in flight between the least and the greatest
    /// key. Keys near each other (see [`near`]) are read by one scan over the range between
    /// them instead of one seek each: the rows an index key finds usually have neighbouring
    /// handles.
    pub fn read_many(&self, keys: &[&[u8]], ts: u64) -> kv::Result<Vec<Option<Value>>> {
        // One key (a pessimistic statement locking its row): the point read, no bookkeeping.
        if let [key] = keys {
            return Ok(vec![self.read(key, ts)?]);
        }
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| keys[a].cmp(keys[b]));
        let mut out = vec![None; keys.len()];
        let (Some(&lo), Some(&hi)) = (order.first(), order.last()) else { return Ok(out) };
        self.locks.wait_for_commits(Bound::Included(keys[lo]), Bound::Included(keys[hi]), ts)?;
        // The row cache first; the epochs of the misses' shards, for filling them.
        let mut epochs = vec![0u64; keys.len()];
        order.retain(|&i| match self.rows.get(keys[i], ts) {
            Lookup::Hit(v) => {
                out[i] = v;
                false
            }
            Lookup::Miss(epoch) => {
                epochs[i] = epoch;
                true
            }
        });
        if order.is_empty() {
            return Ok(out);
        }
        let snap = self.engine.snapshot();
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && near(keys[order[j - 1]], keys[order[j]]) {
                j += 1;
            }
            let group = &order[i..j];
            if let [only] = group {
                out[*only] = self.read_and_fill(snap.as_ref(), keys[*only], ts, epochs[*only])?;
            } else {
                let first = keys[group[0]].to_vec();
                let last = keys[group[group.len() - 1]].to_vec();
                let range = KeyRange { start: Bound::Included(first), end: Bound::Included(last) };
                let mut next = 0;
                mvcc::scan_each_newest(
                    snap.as_ref(),
                    &range,
                    ts,
                    usize::MAX,
                    &mut |k, v, newest| {
                        while next < group.len() && keys[group[next]] < k {
                            next += 1;
                        }
                        while next < group.len() && keys[group[next]] == k {
                            let i = group[next];
                            if let Some(commit_ts) = newest.filter(|_| self.rows.enabled()) {
                                self.rows.fill(k, epochs[i], commit_ts, Some(v.to_vec()));
                            }
                            out[i] = Some(v.to_vec());
                            next += 1;
                        }
                    },
                )?;
            }
            i = j;
        }
        Ok(out)
    }

    /// MVCC scan at `ts`, after commits in flight in `range` have landed.
    pub fn scan(
        &self,
        range: &KeyRange,
        ts: u64,
        limit: usize,
        reverse: bool,
    ) -> kv::Result<Vec<KvPair>> {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        self.locks.wait_for_commits(as_ref(&range.start), as_ref(&range.end), ts)?;
        mvcc::scan(self.engine.snapshot().as_ref(), range, ts, limit, reverse)
    }

    /// [`Inner::scan`] ascending, handing each pair to `f` without copying it.
    pub fn scan_each(
        &self,
        range: &KeyRange,
        ts: u64,
        limit: usize,
        f: &mut dyn FnMut(&[u8], &[u8]),
    ) -> kv::Result<usize> {
        if range.is_empty() {
            return Ok(0);
        }
        self.locks.wait_for_commits(as_ref(&range.start), as_ref(&range.end), ts)?;
        mvcc::scan_each(self.engine.snapshot().as_ref(), range, ts, limit, f)
    }
}

/// How far apart (in their last two bytes, the rest equal) two keys may be and still be read
/// by one scan: a record key's last bytes are its handle's, so this is 16 rows.
const NEAR: u16 = 16;

/// Whether sorted keys `a <= b` are read together (see [`Inner::read_many`]).
fn near(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n < 2 || b.len() != n || a[..n - 2] != b[..n - 2] {
        return false;
    }
    let tail = |k: &[u8]| u16::from_be_bytes([k[n - 2], k[n - 1]]);
    tail(b).wrapping_sub(tail(a)) <= NEAR
}

/// Borrows the key inside a bound.
pub(crate) fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Data dirs written before the commit log held the engine directly in `dir`: move it to
/// `dir/engine`, by two renames that a crash between them cannot undo (the next open finishes
/// the second).
fn migrate_engine_dir(dir: &Path) -> kv::Result<()> {
    let io = |e: std::io::Error| kv::Error::Engine(format!("moving the engine to engine/: {e}"));
    let staged = dir.with_extension("engine-move");
    if dir.join("version").exists() && !dir.join("engine").exists() {
        std::fs::rename(dir, &staged).map_err(io)?;
    }
    if staged.exists() {
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::rename(&staged, dir.join("engine")).map_err(io)?;
        for d in [Some(dir), dir.parent()].into_iter().flatten() {
            std::fs::File::open(d).and_then(|f| f.sync_all()).map_err(io)?;
        }
    }
    Ok(())
}

/// Replays the commit log in `dir` into `engine` from the engine's checkpoint, then
/// checkpoints, so the engine holds every acknowledged commit durably again.
fn recover_log(engine: &dyn Engine, dir: Arc<dyn LogDir>) -> kv::Result<Wal> {
    let engine_err = |e: engine::EngineError| kv::Error::Engine(e.to_string());
    let from = engine
        .snapshot()
        .get(Cf::Meta, WAL_CHECKPOINT_KEY)
        .map_err(engine_err)?
        .and_then(|b| b.try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0);
    let mut wal =
        Wal::recover(dir, from, |p| engine.write(wal::decode_ops(p)?, false).map_err(engine_err))?;
    if wal.since_checkpoint() > 0 {
        committer::checkpoint(engine, &mut wal).map_err(kv::Error::Engine)?;
    }
    Ok(wal)
}

/// The embedded store.
pub struct LocalStorage {
    inner: Arc<Inner>,
    gc_thread: Mutex<Option<thread::JoinHandle<()>>>,
}

impl LocalStorage {
    /// Opens the store in `dir` (created if missing; recovered after a crash): the engine in
    /// `dir/engine`, the commit log in `dir/wal`.
    pub fn open(dir: &Path, opts: LocalOptions) -> kv::Result<Self> {
        migrate_engine_dir(dir)?;
        let engine: Arc<dyn Engine> = Arc::new(
            engine::FjallEngine::open_with_cache(&dir.join("engine"), opts.block_cache_bytes)
                .map_err(|e| kv::Error::Engine(e.to_string()))?,
        );
        Self::with_engine_and_log(engine, Some(&dir.join("wal")), opts)
    }

    /// Runs the store on a given engine, every commit synced in the engine itself.
    pub fn with_engine(engine: Arc<dyn Engine>, opts: LocalOptions) -> kv::Result<Self> {
        Self::with_engine_and_log(engine, None, opts)
    }

    /// Runs the store on a given engine with commits synced in a commit log in `log_dir`
    /// (replayed into the engine first, from the engine's last checkpoint).
    pub fn with_engine_and_log(
        engine: Arc<dyn Engine>,
        log_dir: Option<&Path>,
        opts: LocalOptions,
    ) -> kv::Result<Self> {
        let log: Option<Arc<dyn LogDir>> = match log_dir {
            Some(dir) => Some(Arc::new(FsLogDir::new(dir)?)),
            None => None,
        };
        Self::with_engine_and_log_dir(engine, log, opts)
    }

    /// [`Self::with_engine_and_log`] with the log's segments kept by `log` (tests simulate a
    /// disk that loses unsynced writes).
    pub fn with_engine_and_log_dir(
        engine: Arc<dyn Engine>,
        log: Option<Arc<dyn LogDir>>,
        opts: LocalOptions,
    ) -> kv::Result<Self> {
        let readers = Arc::new(readers::Readers::default());
        let engine: Arc<dyn Engine> = Arc::new(recent::RecentEngine::new(engine, readers.clone()));
        let wal = log.map(|dir| recover_log(engine.as_ref(), dir)).transpose()?;
        let tso = Tso::open(engine.as_ref())?;
        let inner = Arc::new(Inner {
            committer: Committer::start(engine.clone(), wal),
            rows: row_cache::RowCache::new(opts.row_cache_bytes),
            engine,
            tso,
            locks: LockTable::default(),
            readers,
            opts,
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
        });
        let gc_thread = inner.opts.gc_interval.and_then(|every| {
            let inner = inner.clone();
            thread::Builder::new()
                .name("ferrodb-gc".into())
                .spawn(move || gc::run(inner, every))
                .ok()
        });
        Ok(LocalStorage { inner, gc_thread: Mutex::new(gc_thread) })
    }

    /// Runs one GC pass now (versions below the safe point are removed).
    pub fn gc_now(&self) -> kv::Result<GcStats> {
        gc::gc_once(&self.inner)
    }

    /// Number of stored versions (all keys, all timestamps): what GC shrinks.
    pub fn version_count(&self) -> kv::Result<usize> {
        gc::version_count(&self.inner)
    }

    /// Bytes the engine uses on disk.
    pub fn disk_space(&self) -> u64 {
        self.inner.engine.disk_space()
    }

    /// Why the store refuses writes, if it does (after an I/O error).
    pub fn read_only_reason(&self) -> Option<String> {
        self.inner.committer.failure()
    }

    /// Stops background work and finishes queued commits. Also done on drop.
    pub fn close(&self) {
        *self.inner.stop.lock() = true;
        self.inner.stop_cv.notify_all();
        if let Some(t) = self.gc_thread.lock().take() {
            let _ = t.join();
        }
        self.inner.committer.stop();
    }
}

impl Drop for LocalStorage {
    fn drop(&mut self) {
        self.close();
    }
}

impl Storage for LocalStorage {
    fn begin(&self, opts: TxnOptions) -> kv::Result<Box<dyn Transaction>> {
        Ok(Box::new(txn::LocalTxn::begin(self.inner.clone(), opts)?))
    }

    fn snapshot(&self, ts: Option<Timestamp>) -> kv::Result<Box<dyn Snapshot>> {
        let ts = match ts {
            Some(ts) => {
                self.inner.readers.register(ts);
                ts
            }
            None => self.inner.begin_ts()?,
        };
        Ok(Box::new(LocalSnapshot { inner: self.inner.clone(), ts }))
    }

    fn current_ts(&self) -> kv::Result<Timestamp> {
        self.inner.next_ts()
    }
}

/// A read-only view at one timestamp.
pub(crate) struct LocalSnapshot {
    inner: Arc<Inner>,
    ts: u64,
}

impl LocalSnapshot {
    /// A view at `ts`, which holds back GC of the versions it reads until dropped. `ts` must
    /// be one a live reader already holds back (a transaction's read timestamp).
    pub(crate) fn at(inner: Arc<Inner>, ts: u64) -> Self {
        inner.readers.register(ts);
        LocalSnapshot { inner, ts }
    }
}

impl Drop for LocalSnapshot {
    fn drop(&mut self) {
        self.inner.readers.unregister(self.ts);
    }
}

impl Snapshot for LocalSnapshot {
    fn read_ts(&self) -> Timestamp {
        self.ts
    }

    fn get(&self, key: &[u8]) -> kv::Result<Option<Value>> {
        self.inner.read(key, self.ts)
    }

    fn batch_get(&self, keys: &[Key]) -> kv::Result<Vec<KvPair>> {
        let refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        let values = self.inner.read_many(&refs, self.ts)?;
        Ok(keys.iter().zip(values).filter_map(|(k, v)| Some((k.clone(), v?))).collect())
    }

    fn scan(&self, range: &KeyRange, limit: usize, reverse: bool) -> kv::Result<Vec<KvPair>> {
        self.inner.scan(range, self.ts, limit, reverse)
    }

    fn scan_each(
        &self,
        range: &KeyRange,
        limit: usize,
        f: &mut dyn FnMut(&[u8], &[u8]),
    ) -> kv::Result<usize> {
        self.inner.scan_each(range, self.ts, limit, f)
    }
}
