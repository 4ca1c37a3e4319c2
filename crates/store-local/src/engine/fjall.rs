//! [`Engine`] on `fjall` (a pure-Rust LSM tree): one keyspace per column family, cross-keyspace
//! atomic batches, `fdatasync`'d journal for durable writes.

use std::{ops::Bound, path::Path};

use fjall::{
    config::HashRatioPolicy, Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable,
};

use super::{Cf, Engine, EngineError, EngineIter, EngineSnapshot, Op};

fn err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Engine(e.to_string())
}

/// The fjall-backed engine.
pub struct FjallEngine {
    db: Database,
    latest: Keyspace,
    history: Keyspace,
    meta: Keyspace,
    /// The pre-split layout's keyspace, present only in a data directory not yet migrated.
    old_versions: parking_lot::Mutex<Option<Keyspace>>,
}

/// The keyspace of [`Cf::OldVersions`].
const OLD_VERSIONS: &str = "write";

impl FjallEngine {
    /// Opens (or creates, or recovers) the engine in `dir`, with the default block cache.
    pub fn open(dir: &Path) -> Result<Self, EngineError> {
        Self::open_with_cache(dir, super::DEFAULT_CACHE_BYTES)
    }

    /// Opens the engine in `dir` with a block cache of `cache_bytes`.
    pub fn open_with_cache(dir: &Path, cache_bytes: u64) -> Result<Self, EngineError> {
        let db = Database::builder(dir).cache_size(cache_bytes).open().map_err(err)?;
        let open = |name: &str| db.keyspace(name, KeyspaceCreateOptions::default).map_err(err);
        let latest = db.keyspace("latest", point_reads).map_err(err)?;
        let (history, meta) = (open("history")?, open("meta")?);
        let old = if db.keyspace_exists(OLD_VERSIONS) { Some(open(OLD_VERSIONS)?) } else { None };
        let old_versions = parking_lot::Mutex::new(old);
        Ok(FjallEngine { db, latest, history, meta, old_versions })
    }

    /// `f` of the keyspace of `cf`; `None` for [`Cf::OldVersions`] when there is none (a new
    /// data directory, or one already migrated).
    fn with_ks<R>(&self, cf: Cf, f: impl FnOnce(&Keyspace) -> R) -> Option<R> {
        match cf {
            Cf::Latest => Some(f(&self.latest)),
            Cf::History => Some(f(&self.history)),
            Cf::Meta => Some(f(&self.meta)),
            Cf::OldVersions => self.old_versions.lock().as_ref().map(f),
        }
    }

    /// The keyspace of [`Cf::OldVersions`], created if missing (a commit log replayed from
    /// before the split writes it).
    fn old_versions_for_write(&self) -> Result<Keyspace, EngineError> {
        if let Some(ks) = self.old_versions.lock().clone() {
            return Ok(ks);
        }
        let ks = self.db.keyspace(OLD_VERSIONS, KeyspaceCreateOptions::default).map_err(err)?;
        *self.old_versions.lock() = Some(ks.clone());
        Ok(ks)
    }
}

/// Options of the `latest` keyspace, which serves point reads and scans of overwritten keys: a
/// hash index in each data block (RocksDB's `data_block_hash_table_util_ratio`) finds a key
/// without a binary search; a memtable of 8 MiB (not 64) is flushed — dropping the superseded
/// writes of each key — before a hot row's overwrites pile up for scans to step over.
fn point_reads() -> KeyspaceCreateOptions {
    KeyspaceCreateOptions::default()
        .data_block_hash_ratio_policy(HashRatioPolicy::all(0.75))
        .max_memtable_size(LATEST_MEMTABLE_BYTES)
}

/// Memtable size of the `latest` keyspace.
const LATEST_MEMTABLE_BYTES: u64 = 8 << 20;

struct FjallSnapshot<'a> {
    engine: &'a FjallEngine,
    snap: fjall::Snapshot,
}

impl EngineSnapshot for FjallSnapshot<'_> {
    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        let got = self.engine.with_ks(cf, |ks| self.snap.get(ks, key));
        Ok(got.transpose().map_err(err)?.flatten().map(|v| v.to_vec()))
    }

    fn range(
        &self,
        cf: Cf,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
    ) -> EngineIter<'_> {
        let iter = self.engine.with_ks(cf, |ks| self.snap.range::<&[u8], _>(ks, (start, end)));
        let Some(iter) = iter else { return Box::new(std::iter::empty()) };
        let map = |g: fjall::Guard| g.into_inner().map_err(err);
        if reverse {
            Box::new(iter.rev().map(map))
        } else {
            Box::new(iter.map(map))
        }
    }
}

impl Engine for FjallEngine {
    fn snapshot(&self) -> Box<dyn EngineSnapshot + '_> {
        Box::new(FjallSnapshot { engine: self, snap: self.db.snapshot() })
    }

    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError> {
        let mut batch = self.db.batch();
        if sync {
            batch = batch.durability(Some(PersistMode::SyncData));
        }
        for op in ops {
            let cf = match &op {
                Op::Put(cf, ..) | Op::Delete(cf, _) => *cf,
            };
            let old;
            let ks = match cf {
                Cf::Latest => &self.latest,
                Cf::History => &self.history,
                Cf::Meta => &self.meta,
                Cf::OldVersions => {
                    old = self.old_versions_for_write()?;
                    &old
                }
            };
            match op {
                Op::Put(_, k, v) => batch.insert(ks, k, v),
                Op::Delete(_, k) => batch.remove(ks, k),
            }
        }
        batch.commit().map_err(err)
    }

    fn disk_space(&self) -> u64 {
        self.db.disk_space().unwrap_or(0)
    }

    fn drop_cf(&self, cf: Cf) -> Result<(), EngineError> {
        if cf != Cf::OldVersions {
            return Err(err(format!("column family {cf:?} cannot be dropped")));
        }
        match self.old_versions.lock().take() {
            Some(ks) => self.db.delete_keyspace(ks).map_err(err),
            None => Ok(()),
        }
    }
}
