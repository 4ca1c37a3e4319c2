//! The catalog: databases and tables persisted as JSON records under the `m` key prefix, cached
//! in memory as an immutable [`InfoSchema`] snapshot that DDL replaces.
//!
//! ```text
//!  m DB  {db_id}             → DbInfo
//!  m Tbl {db_id}{table_id}   → TableInfo
//!  m NextID                  → last id handed out (databases, tables)
//!  m SchemaVer               → schema version, bumped by every DDL (its key serialises DDL)
//!  m AutoID {table_id}       → highest AUTO_INCREMENT value reserved
//! ```
//!
//! Each DDL statement runs in its own transaction and commits before it returns, as in TiDB.
//! AUTO_INCREMENT values are reserved in batches outside user transactions (TiDB's
//! `AUTO_ID_CACHE`), so concurrent inserts do not serialise on the counter; a restart may skip
//! the unused rest of a batch, as TiDB does.

mod model;
mod stats;

pub use stats::{Bucket, ColumnStats, TableStats};

pub use model::{
    ColumnInfo, DbInfo, DefaultValue, FkAction, ForeignKeyInfo, GeneratedColumn, IndexInfo,
    IndexState, TableInfo, ViewInfo, MAX_COLUMNS, MAX_INDEXES, MAX_KEY_PARTS,
};

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use errno::{
    Error, Result, ER_BAD_DB, ER_BAD_TABLE, ER_CANT_CREATE_DB_EXISTS, ER_DB_DROP_EXISTS,
    ER_NO_SUCH_TABLE, ER_TABLE_EXISTS,
};
use kv::{KeyRange, Snapshot, Storage, Transaction, TxnOptions};
use parking_lot::{Mutex, RwLock};

/// Databases that exist only as views over the catalog (never stored).
pub const VIRTUAL_DATABASES: &[&str] =
    &["INFORMATION_SCHEMA", "METRICS_SCHEMA", "PERFORMANCE_SCHEMA"];

/// Databases created on first start, as on a fresh TiDB.
const BOOTSTRAP_DATABASES: &[&str] = &["mysql", "sys", "test"];

/// How many AUTO_INCREMENT values one reservation takes.
const AUTO_ID_BATCH: i64 = 30_000;

fn meta_key(parts: &[&[u8]]) -> Vec<u8> {
    let mut k = b"m".to_vec();
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

fn db_key(db_id: i64) -> Vec<u8> {
    meta_key(&[b"DB", &db_id.to_be_bytes()])
}

fn table_key(db_id: i64, table_id: i64) -> Vec<u8> {
    meta_key(&[b"Tbl", &db_id.to_be_bytes(), &table_id.to_be_bytes()])
}

fn stats_key(table_id: i64) -> Vec<u8> {
    meta_key(&[b"Stats", &table_id.to_be_bytes()])
}

fn auto_id_key(table_id: i64) -> Vec<u8> {
    meta_key(&[b"AutoID", &table_id.to_be_bytes()])
}

/// A session's temporary table, by id: its rows are removed when the session ends, or at the
/// next start after a crash.
fn temporary_key(table_id: i64) -> Vec<u8> {
    meta_key(&[b"TmpTbl", &table_id.to_be_bytes()])
}

const NEXT_ID: &[u8] = b"mNextID";
const SCHEMA_VER: &[u8] = b"mSchemaVer";

fn internal(e: impl std::fmt::Display) -> Error {
    Error::msg(errno::ER_INTERNAL, e.to_string())
}

fn read_i64(v: Option<Vec<u8>>) -> i64 {
    v.and_then(|b| b.try_into().ok()).map(i64::from_be_bytes).unwrap_or(0)
}

/// An immutable view of every database and table at one schema version.
#[derive(Debug, Default)]
pub struct InfoSchema {
    /// Schema version this view reflects.
    pub version: i64,
    dbs: BTreeMap<String, Arc<DbInfo>>,
    tables: HashMap<i64, BTreeMap<String, Arc<TableInfo>>>,
}

impl InfoSchema {
    /// The schema as stored at `snap`'s timestamp (a backup reads the catalog at the same
    /// snapshot as the data).
    pub fn read(snap: &dyn Snapshot) -> Result<InfoSchema> {
        let version = read_i64(snap.get(SCHEMA_VER)?);
        let mut is = InfoSchema { version, ..Default::default() };
        for (_, v) in snap.scan(&KeyRange::prefix(b"mDB"), usize::MAX, false)? {
            let db: DbInfo = serde_json::from_slice(&v).map_err(internal)?;
            is.dbs.insert(db.name.to_lowercase(), Arc::new(db));
        }
        for (_, v) in snap.scan(&KeyRange::prefix(b"mTbl"), usize::MAX, false)? {
            let t: TableInfo = serde_json::from_slice(&v).map_err(internal)?;
            is.tables.entry(t.db_id).or_default().insert(t.name.to_lowercase(), Arc::new(t));
        }
        Ok(is)
    }

    /// The database named `name` (case-insensitive).
    pub fn database(&self, name: &str) -> Option<&Arc<DbInfo>> {
        self.dbs.get(&name.to_lowercase())
    }

    /// The database with id `id`.
    pub fn database_by_id(&self, id: i64) -> Option<&Arc<DbInfo>> {
        self.dbs.values().find(|d| d.id == id)
    }

    /// Stored databases, by name.
    pub fn databases(&self) -> impl Iterator<Item = &Arc<DbInfo>> {
        self.dbs.values()
    }

    /// The table `db.name`, or 1146 / 1049.
    pub fn table(&self, db: &str, name: &str) -> Result<&Arc<TableInfo>> {
        let d = self.database(db).ok_or_else(|| Error::fmt(ER_NO_SUCH_TABLE, &[&db, &name]))?;
        self.tables
            .get(&d.id)
            .and_then(|t| t.get(&name.to_lowercase()))
            .ok_or_else(|| Error::fmt(ER_NO_SUCH_TABLE, &[&db, &name]))
    }

    /// Foreign keys (with their child tables) that reference `db.table`.
    pub fn referencing(
        &self,
        db: &str,
        table: &str,
    ) -> Vec<(Arc<TableInfo>, String, ForeignKeyInfo)> {
        let mut out = Vec::new();
        for d in self.dbs.values() {
            for t in self.tables.get(&d.id).into_iter().flat_map(|m| m.values()) {
                for fk in &t.foreign_keys {
                    if fk.ref_db.eq_ignore_ascii_case(db)
                        && fk.ref_table.eq_ignore_ascii_case(table)
                    {
                        out.push((t.clone(), d.name.clone(), fk.clone()));
                    }
                }
            }
        }
        out
    }

    /// The table with id `id`.
    pub fn table_by_id(&self, id: i64) -> Option<&Arc<TableInfo>> {
        self.tables.values().find_map(|ts| ts.values().find(|t| t.id == id))
    }

    /// Tables of database `db`, by name.
    pub fn tables(&self, db: &str) -> Vec<Arc<TableInfo>> {
        self.database(db)
            .and_then(|d| self.tables.get(&d.id))
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// The catalog.
pub struct Catalog {
    storage: Arc<dyn Storage>,
    schema: RwLock<Arc<InfoSchema>>,
    /// Per table: (next value to hand out, last value reserved).
    auto_ids: Mutex<HashMap<i64, (i64, i64)>>,
    /// Data commits hold it shared while they check and commit; publishing a new schema holds
    /// it exclusively, so a commit is entirely before or entirely after each schema change.
    gate: RwLock<()>,
    /// Held for a whole DDL statement: DDL runs one at a time, as TiDB's DDL job queue.
    jobs: Mutex<()>,
    /// Statistics read or written so far, by table id (`None`: the table has none).
    stats: Mutex<HashMap<i64, Option<Arc<TableStats>>>>,
    /// Rows changed by committed transactions since each table's last ANALYZE (TiDB's
    /// `modify_count`; kept in memory, so a restart starts it again from zero).
    modified: Mutex<HashMap<i64, u64>>,
}

impl Catalog {
    /// Loads the catalog, creating the bootstrap databases on first start.
    pub fn open(storage: Arc<dyn Storage>) -> Result<Self> {
        let cat = Catalog {
            storage,
            schema: RwLock::new(Arc::new(InfoSchema::default())),
            auto_ids: Mutex::new(HashMap::new()),
            gate: RwLock::new(()),
            jobs: Mutex::new(()),
            stats: Mutex::new(HashMap::new()),
            modified: Mutex::new(HashMap::new()),
        };
        cat.reload()?;
        // Temporary tables of sessions a crash ended.
        let left: Vec<i64> = cat
            .storage
            .snapshot(None)?
            .scan(&KeyRange::prefix(&meta_key(&[b"TmpTbl"])), usize::MAX, false)?
            .into_iter()
            .filter_map(|(k, _)| Some(i64::from_be_bytes(k.get(k.len() - 8..)?.try_into().ok()?)))
            .collect();
        for id in left {
            cat.drop_temporary(id)?;
        }
        for name in BOOTSTRAP_DATABASES {
            if cat.schema().database(name).is_none() {
                cat.create_database(name, true)?;
            }
        }
        Ok(cat)
    }

    /// A read-only transaction at the latest snapshot (for DDL that must read data, such as
    /// deriving a view's columns).
    pub fn begin_read(&self) -> Result<Box<dyn Transaction>> {
        Ok(self.storage.begin(TxnOptions { read_only: true, ..TxnOptions::default() })?)
    }

    /// Shared hold on the commit gate: while it is held no schema change is published. A data
    /// transaction checks that the tables it wrote are unchanged, then commits, under it.
    pub fn commit_gate(&self) -> parking_lot::RwLockReadGuard<'_, ()> {
        self.gate.read()
    }

    /// Serialises DDL statements: held by the session for the whole statement.
    pub fn ddl_job(&self) -> parking_lot::MutexGuard<'_, ()> {
        self.jobs.lock()
    }

    /// A read-write transaction for DDL work done in batches outside the DDL transaction (an
    /// online index backfill).
    pub fn begin_write(&self) -> Result<Box<dyn Transaction>> {
        Ok(self.storage.begin(TxnOptions::default())?)
    }

    /// The current schema snapshot.
    pub fn schema(&self) -> Arc<InfoSchema> {
        self.schema.read().clone()
    }

    /// Whether `name` is a database (stored or virtual).
    pub fn database_exists(&self, name: &str) -> bool {
        VIRTUAL_DATABASES.iter().any(|d| d.eq_ignore_ascii_case(name))
            || self.schema().database(name).is_some()
    }

    fn reload(&self) -> Result<()> {
        let snap = self.storage.snapshot(None)?;
        let is = InfoSchema::read(snap.as_ref())?;
        *self.schema.write() = Arc::new(is);
        Ok(())
    }

    /// Runs one DDL change in its own transaction: serialised on the schema-version key, which
    /// it bumps; the cache is reloaded after the commit.
    fn ddl<T>(&self, f: impl FnOnce(&mut dyn Transaction, &InfoSchema) -> Result<T>) -> Result<T> {
        let mut txn = self.storage.begin(TxnOptions::default())?;
        let ver = read_i64(txn.lock_keys(&[SCHEMA_VER.to_vec()])?.pop().flatten());
        let schema = self.schema();
        let out = f(txn.as_mut(), &schema)?;
        txn.put(SCHEMA_VER.to_vec(), (ver + 1).to_be_bytes().to_vec())?;
        txn.commit()?;
        {
            let _publish = self.gate.write();
            self.reload()?;
        }
        Ok(out)
    }

    fn next_id(txn: &mut dyn Transaction) -> Result<i64> {
        let id = read_i64(txn.lock_keys(&[NEXT_ID.to_vec()])?.pop().flatten()) + 1;
        txn.put(NEXT_ID.to_vec(), id.to_be_bytes().to_vec())?;
        Ok(id)
    }

    /// `CREATE DATABASE`; `Ok(false)` when it existed and `if_not_exists` was given.
    pub fn create_database(&self, name: &str, if_not_exists: bool) -> Result<bool> {
        if VIRTUAL_DATABASES.iter().any(|d| d.eq_ignore_ascii_case(name))
            || self.schema().database(name).is_some()
        {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(Error::fmt(ER_CANT_CREATE_DB_EXISTS, &[&name]))
            };
        }
        self.ddl(|txn, schema| {
            if schema.database(name).is_some() {
                return Err(Error::fmt(ER_CANT_CREATE_DB_EXISTS, &[&name]));
            }
            let db = DbInfo {
                id: Self::next_id(txn)?,
                name: name.to_string(),
                charset: "utf8mb4".into(),
                collation: "utf8mb4_bin".into(),
            };
            txn.put(db_key(db.id), serde_json::to_vec(&db).map_err(internal)?)?;
            Ok(true)
        })
    }

    /// `DROP DATABASE`: its tables and their data go too. `Ok(false)` when absent and `if_exists`.
    pub fn drop_database(&self, name: &str, if_exists: bool) -> Result<bool> {
        let Some(db) = self.schema().database(name).cloned() else {
            return if if_exists {
                Ok(false)
            } else {
                Err(Error::fmt(ER_DB_DROP_EXISTS, &[&name]))
            };
        };
        self.ddl(|txn, schema| {
            for t in schema.tables(&db.name) {
                delete_table_data(txn, t.id)?;
                txn.delete(table_key(db.id, t.id))?;
            }
            txn.delete(db_key(db.id))?;
            Ok(true)
        })
    }

    /// `CREATE TABLE`: assigns ids and stores `table`. `Ok(false)` when it existed and
    /// `if_not_exists` was given.
    pub fn create_table(
        &self,
        db: &str,
        mut table: TableInfo,
        if_not_exists: bool,
    ) -> Result<bool> {
        table.check_limits()?;
        let schema = self.schema();
        let d = schema.database(db).cloned().ok_or_else(|| Error::fmt(ER_BAD_DB, &[&db]))?;
        if schema.table(db, &table.name).is_ok() {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(Error::fmt(ER_TABLE_EXISTS, &[&table.name]))
            };
        }
        self.ddl(|txn, schema| {
            if schema.table(db, &table.name).is_ok() {
                return Err(Error::fmt(ER_TABLE_EXISTS, &[&table.name]));
            }
            table.id = Self::next_id(txn)?;
            table.db_id = d.id;
            txn.put(table_key(d.id, table.id), serde_json::to_vec(&table).map_err(internal)?)?;
            Ok(true)
        })
    }

    /// `CREATE TEMPORARY TABLE`: gives `table` an id in database `db` and registers it as
    /// temporary; the session keeps its definition (no other session sees it). Changes the
    /// schema version, so plans kept for a table it shadows are made again.
    pub fn create_temporary(&self, db: &str, mut table: TableInfo) -> Result<TableInfo> {
        table.check_limits()?;
        let d = self.schema().database(db).cloned().ok_or_else(|| Error::fmt(ER_BAD_DB, &[&db]))?;
        self.ddl(|txn, _| {
            table.id = Self::next_id(txn)?;
            table.db_id = d.id;
            txn.put(temporary_key(table.id), Vec::new())?;
            Ok(table)
        })
    }

    /// `TRUNCATE` of temporary table `id`: its rows and index entries, and its AUTO_INCREMENT.
    pub fn clear_temporary(&self, id: i64) -> Result<()> {
        let mut txn = self.storage.begin(TxnOptions::default())?;
        delete_table_data(txn.as_mut(), id)?;
        txn.delete(auto_id_key(id))?;
        txn.commit()?;
        self.auto_ids.lock().remove(&id);
        Ok(())
    }

    /// Drops temporary table `id`: its rows, index entries and registration. No one else
    /// sees the table, so its data goes in batches of their own transactions first (a large
    /// one would not fit in one), then the registration.
    pub fn drop_temporary(&self, id: i64) -> Result<()> {
        self.purge_invisible(id)?;
        self.ddl(|txn, _| {
            delete_table_data(txn, id)?;
            txn.delete(auto_id_key(id))?;
            txn.delete(temporary_key(id))?;
            Ok(())
        })?;
        self.auto_ids.lock().remove(&id);
        Ok(())
    }

    /// `DROP TABLE` of one table, with its rows and index entries.
    pub fn drop_table(&self, db: &str, name: &str, if_exists: bool) -> Result<bool> {
        let schema = self.schema();
        let t = match schema.table(db, name) {
            Ok(t) => t.clone(),
            Err(_) if if_exists => return Ok(false),
            Err(_) => return Err(Error::fmt(ER_BAD_TABLE, &[&format!("{db}.{name}")])),
        };
        self.ddl(|txn, _| {
            delete_table_data(txn, t.id)?;
            txn.delete(table_key(t.db_id, t.id))?;
            txn.delete(auto_id_key(t.id))?;
            self.drop_stats(txn, t.id)?;
            Ok(true)
        })?;
        self.auto_ids.lock().remove(&t.id);
        Ok(true)
    }

    /// Changes table `db.name` in one DDL transaction: `f` edits a copy of its definition and may
    /// write data (index backfill, entry removal) through the transaction; the new definition is
    /// stored with the same commit.
    pub fn alter_table(
        &self,
        db: &str,
        name: &str,
        f: impl FnOnce(&mut dyn Transaction, &mut TableInfo) -> Result<()>,
    ) -> Result<()> {
        let t = self.schema().table(db, name)?.clone();
        self.ddl(|txn, _| {
            let mut new = (*t).clone();
            f(txn, &mut new)?;
            new.check_limits()?;
            txn.put(table_key(new.db_id, new.id), serde_json::to_vec(&new).map_err(internal)?)?;
            Ok(())
        })
    }

    /// `TRUNCATE TABLE`: removes every row and index entry and restarts AUTO_INCREMENT.
    pub fn truncate_table(&self, db: &str, name: &str) -> Result<()> {
        let t = self.schema().table(db, name)?.clone();
        self.ddl(|txn, _| {
            delete_table_data(txn, t.id)?;
            txn.delete(auto_id_key(t.id))?;
            self.drop_stats(txn, t.id)?;
            Ok(())
        })?;
        self.auto_ids.lock().remove(&t.id);
        Ok(())
    }

    /// The highest AUTO_INCREMENT value reserved for `table_id` as of `snap` (0: none yet).
    pub fn auto_id_at(snap: &dyn Snapshot, table_id: i64) -> Result<i64> {
        Ok(read_i64(snap.get(&auto_id_key(table_id))?))
    }

    /// Table `table_id`'s statistics record as stored at `snap` (JSON), if it was analyzed.
    pub fn stats_record_at(snap: &dyn Snapshot, table_id: i64) -> Result<Option<Vec<u8>>> {
        Ok(snap.get(&stats_key(table_id))?)
    }

    /// Hands out a table id for a table RESTORE is about to load: its data is written under
    /// this id before the table exists, and [`Catalog::publish_restored`] makes it appear
    /// whole. Until then the id is registered like a temporary table's, so the data of a
    /// restore a crash interrupted is removed at the next start.
    pub fn reserve_restore_id(&self) -> Result<i64> {
        self.ddl(|txn, _| {
            let id = Self::next_id(txn)?;
            txn.put(temporary_key(id), Vec::new())?;
            Ok(id)
        })
    }

    /// Gives up a reservation of [`Catalog::reserve_restore_id`]: removes what was loaded.
    pub fn abandon_restore(&self, id: i64) -> Result<()> {
        self.drop_temporary(id)
    }

    /// Makes a restored table appear, in one DDL transaction: database `db` (created with
    /// its stored character set and collation if missing), the table under the reserved id
    /// `table.id` (whose rows are already written), its AUTO_INCREMENT reservation and its
    /// statistics record. Fails with 1050 if a table of that name exists by now.
    pub fn publish_restored(
        &self,
        db: &DbInfo,
        mut table: TableInfo,
        auto_id: i64,
        stats: Option<Vec<u8>>,
    ) -> Result<()> {
        self.ddl(|txn, schema| {
            let db_id = match schema.database(&db.name) {
                Some(d) => d.id,
                None => {
                    let d = DbInfo { id: Self::next_id(txn)?, ..db.clone() };
                    txn.put(db_key(d.id), serde_json::to_vec(&d).map_err(internal)?)?;
                    d.id
                }
            };
            if schema.table(&db.name, &table.name).is_ok() {
                return Err(Error::fmt(ER_TABLE_EXISTS, &[&table.name]));
            }
            table.db_id = db_id;
            txn.put(table_key(db_id, table.id), serde_json::to_vec(&table).map_err(internal)?)?;
            if auto_id > 0 {
                txn.put(auto_id_key(table.id), auto_id.to_be_bytes().to_vec())?;
            }
            if let Some(stats) = stats {
                txn.put(stats_key(table.id), stats)?;
            }
            txn.delete(temporary_key(table.id))?;
            Ok(())
        })?;
        self.stats.lock().remove(&table.id);
        Ok(())
    }

    /// The statistics of table `table_id`, if it was analyzed.
    pub fn stats(&self, table_id: i64) -> Option<Arc<TableStats>> {
        if let Some(s) = self.stats.lock().get(&table_id) {
            return s.clone();
        }
        let loaded = (|| -> Result<Option<Arc<TableStats>>> {
            let mut txn = self.begin_read()?;
            let raw = txn.get(&stats_key(table_id))?;
            txn.rollback()?;
            Ok(match raw {
                Some(raw) => Some(Arc::new(serde_json::from_slice(&raw).map_err(internal)?)),
                None => None,
            })
        })()
        .ok()
        .flatten();
        self.stats.lock().insert(table_id, loaded.clone());
        loaded
    }

    /// Stores the statistics of table `table_id` (durably, in a transaction of its own); its
    /// count of changed rows starts again.
    pub fn save_stats(&self, table_id: i64, stats: TableStats) -> Result<()> {
        let raw = serde_json::to_vec(&stats).map_err(internal)?;
        let mut txn = self.storage.begin(TxnOptions::default())?;
        txn.put(stats_key(table_id), raw)?;
        txn.commit()?;
        self.stats.lock().insert(table_id, Some(Arc::new(stats)));
        self.modified.lock().remove(&table_id);
        Ok(())
    }

    /// Counts rows a committed transaction changed, per table id.
    pub fn note_changes(&self, changes: impl IntoIterator<Item = (i64, u64)>) {
        let mut modified = self.modified.lock();
        for (id, n) in changes {
            *modified.entry(id).or_default() += n;
        }
    }

    /// Rows changed in table `table_id` since its last ANALYZE (or since start).
    pub fn modified(&self, table_id: i64) -> u64 {
        self.modified.lock().get(&table_id).copied().unwrap_or(0)
    }

    /// Forgets the statistics of table `table_id` (dropped or truncated).
    fn drop_stats(&self, txn: &mut dyn Transaction, table_id: i64) -> Result<()> {
        txn.delete(stats_key(table_id))?;
        self.stats.lock().insert(table_id, None);
        Ok(())
    }

    /// Reserves `n` consecutive AUTO_INCREMENT values for `table_id`; returns the first.
    /// Values at or below `at_least` are skipped (explicitly inserted ids move the counter).
    pub fn alloc_auto_ids(&self, table_id: i64, n: i64, at_least: i64) -> Result<i64> {
        let mut ids = self.auto_ids.lock();
        let (next, max) = ids.get(&table_id).copied().unwrap_or((1, 0));
        let next = next.max(at_least + 1);
        if next + n - 1 <= max {
            ids.insert(table_id, (next + n, max));
            return Ok(next);
        }
        // Reserve a new batch durably, outside any user transaction.
        let mut txn = self.storage.begin(TxnOptions::default())?;
        let stored = read_i64(txn.lock_keys(&[auto_id_key(table_id)])?.pop().flatten());
        let first = next.max(stored + 1);
        let new_max = first + n - 1 + AUTO_ID_BATCH;
        txn.put(auto_id_key(table_id), new_max.to_be_bytes().to_vec())?;
        txn.commit()?;
        ids.insert(table_id, (first + n, new_max));
        Ok(first)
    }

    /// Makes sure later AUTO_INCREMENT values are above `value` (after an explicit insert).
    pub fn rebase_auto_id(&self, table_id: i64, value: i64) -> Result<()> {
        let mut ids = self.auto_ids.lock();
        if let Some((next, _)) = ids.get_mut(&table_id) {
            if *next > value {
                return Ok(());
            }
        }
        drop(ids);
        // Reserving zero values past `value` moves the counter (and persists it if needed).
        let first = self.alloc_auto_ids(table_id, 1, value)?;
        ids = self.auto_ids.lock();
        if let Some((next, _)) = ids.get_mut(&table_id) {
            *next = first; // give the reserved value back: nothing used it
        }
        Ok(())
    }
}

/// Keys deleted per transaction when a table no one can see is emptied.
const PURGE_BATCH: usize = 10_000;

impl Catalog {
    /// Deletes the rows and index entries of table `id`, which no statement can reach (a
    /// temporary table being dropped, a restore being abandoned), in transactions of
    /// [`PURGE_BATCH`] keys.
    fn purge_invisible(&self, id: i64) -> Result<()> {
        let range = KeyRange::prefix(&tablecodec::table_prefix(id));
        loop {
            let mut txn = self.storage.begin(TxnOptions::default())?;
            let keys = txn.scan(&range, PURGE_BATCH, false)?;
            let done = keys.len() < PURGE_BATCH;
            for (k, _) in keys {
                txn.delete(k)?;
            }
            txn.commit()?;
            if done {
                return Ok(());
            }
        }
    }
}

/// Deletes every row and index entry of a table inside `txn`.
fn delete_table_data(txn: &mut dyn Transaction, table_id: i64) -> Result<()> {
    let range = KeyRange::prefix(&tablecodec::table_prefix(table_id));
    for (k, _) in txn.scan(&range, usize::MAX, false)? {
        txn.delete(k)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
