//! [`Engine`] on RocksDB, behind the `rocksdb` cargo feature: built only to measure it against
//! the default engine on the same benchmark (see ARCHITECTURE.md).

use std::{ops::Bound, path::Path};

use rocksdb::{
    ColumnFamilyDescriptor, IteratorMode, Options, ReadOptions, WriteBatch, WriteOptions, DB,
};

use super::{Bytes, Cf, Engine, EngineError, EngineIter, EngineSnapshot, Op};

fn err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Engine(e.to_string())
}

fn cf_name(cf: Cf) -> &'static str {
    match cf {
        Cf::Write => "write",
        Cf::Meta => "meta",
    }
}

/// The RocksDB-backed engine.
pub struct RocksEngine {
    db: DB,
}

impl RocksEngine {
    /// Opens (or creates) the engine in `dir`.
    pub fn open(dir: &Path) -> Result<Self, EngineError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ["write", "meta"].map(|n| ColumnFamilyDescriptor::new(n, Options::default()));
        Ok(RocksEngine { db: DB::open_cf_descriptors(&opts, dir, cfs).map_err(err)? })
    }
}

struct RocksSnapshot<'a> {
    db: &'a DB,
    snap: rocksdb::Snapshot<'a>,
}

impl EngineSnapshot for RocksSnapshot<'_> {
    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        let handle = self.db.cf_handle(cf_name(cf)).ok_or_else(|| err("missing column family"))?;
        self.snap.get_cf(&handle, key).map_err(err)
    }

    fn range(
        &self,
        cf: Cf,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
    ) -> EngineIter<'_> {
        let Some(handle) = self.db.cf_handle(cf_name(cf)) else {
            return Box::new(std::iter::once(Err(err("missing column family"))));
        };
        let mut ro = ReadOptions::default();
        ro.set_snapshot(&self.snap);
        match start {
            Bound::Included(s) => ro.set_iterate_lower_bound(s.to_vec()),
            Bound::Excluded(s) => ro.set_iterate_lower_bound([s, &[0]].concat()),
            Bound::Unbounded => {}
        }
        match end {
            Bound::Included(e) => ro.set_iterate_upper_bound([e, &[0]].concat()),
            Bound::Excluded(e) => ro.set_iterate_upper_bound(e.to_vec()),
            Bound::Unbounded => {}
        }
        let mode = if reverse { IteratorMode::End } else { IteratorMode::Start };
        let it = self.db.iterator_cf_opt(&handle, ro, mode);
        Box::new(it.map(|r| r.map(|(k, v)| (Bytes::from(&*k), Bytes::from(&*v))).map_err(err)))
    }
}

impl Engine for RocksEngine {
    fn snapshot(&self) -> Box<dyn EngineSnapshot + '_> {
        Box::new(RocksSnapshot { db: &self.db, snap: self.db.snapshot() })
    }

    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError> {
        let mut batch = WriteBatch::default();
        for op in ops {
            match op {
                Op::Put(cf, k, v) => {
                    let h = self
                        .db
                        .cf_handle(cf_name(cf))
                        .ok_or_else(|| err("missing column family"))?;
                    batch.put_cf(&h, k, v);
                }
                Op::Delete(cf, k) => {
                    let h = self
                        .db
                        .cf_handle(cf_name(cf))
                        .ok_or_else(|| err("missing column family"))?;
                    batch.delete_cf(&h, k);
                }
            }
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        self.db.write_opt(batch, &wo).map_err(err)
    }

    fn disk_space(&self) -> u64 {
        0
    }
}
