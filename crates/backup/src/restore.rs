//! RESTORE: tables from an archive, each under a new id, published whole.

use catalog::Catalog;
use errno::{Error, Result, ER_BRIE_RESTORE_FAILED};
use kv::{KeyRange, Snapshot, Storage, TxnOptions};

use crate::{
    archive::{BackupMeta, Location, TableMeta},
    checksum::Checksum,
    datafile::DataReader,
    snapshot::verify_file,
    tasks::Progress,
    Interrupt, RateLimit, Targets,
};

/// Bytes written per transaction while loading (well under the transaction size limit).
const LOAD_TXN_BYTES: usize = 8 << 20;

/// RESTORE's options.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Check the loaded data against the archive's checksums (`CHECKSUM`, default on).
    pub checksum: bool,
    /// `RATE_LIMIT`, in bytes per second.
    pub rate_limit: Option<u64>,
    /// Restore statistics (`LOAD_STATS`, default on).
    pub load_stats: bool,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions { checksum: true, rate_limit: None, load_stats: true }
    }
}

/// What RESTORE answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    /// Bytes of the archive's data files restored.
    pub size: u64,
    /// The archive's snapshot timestamp.
    pub backup_ts: u64,
    /// The timestamp the restored data was written at (TiDB's "Cluster TS").
    pub restore_ts: u64,
    /// Tables (and views) restored.
    pub tables: usize,
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::fmt(ER_BRIE_RESTORE_FAILED, &[&e.to_string()])
}

/// Restores `targets` from the archive at `loc`. Tables the archive does not hold are
/// ignored (as TiDB does); a table that already exists fails the restore before anything is
/// written.
pub fn run_restore(
    storage: &dyn Storage,
    catalog: &Catalog,
    loc: &Location,
    targets: &Targets,
    opts: &RestoreOptions,
    progress: &Progress,
    interrupted: Interrupt<'_>,
) -> Result<RestoreSummary> {
    let meta = BackupMeta::read(loc).map_err(failed)?;
    let chosen: Vec<&TableMeta> =
        meta.tables.iter().filter(|t| targets.covers(&t.db, &t.info.name)).collect();
    let schema = catalog.schema();
    if let Some(t) = chosen.iter().find(|t| schema.table(&t.db, &t.info.name).is_ok()) {
        return Err(failed(format!(
            "table `{}`.`{}` already exists; restore only into databases without the backed-up tables",
            t.db, t.info.name
        )));
    }
    if opts.checksum {
        progress.start("Checksum", chosen.len() as u64);
        for t in &chosen {
            interrupted()?;
            verify_file(loc, t).map_err(failed)?;
            progress.advance(1);
        }
    }
    if targets.whole_databases() {
        for db in meta.databases.iter().filter(|d| targets.covers_db(&d.name)) {
            catalog.create_database(&db.name, true)?;
        }
    }
    progress.start("Restore", chosen.iter().map(|t| t.checksum.total_kvs).sum());
    let limit = RateLimit::new(opts.rate_limit);
    let mut moved = 0u64;
    let mut size = 0u64;
    // Tables first, then views (a view may read any of them).
    let (views, tables): (Vec<&TableMeta>, Vec<&TableMeta>) =
        chosen.iter().partition(|t| t.info.view.is_some());
    for t in tables.iter().chain(views.iter()) {
        interrupted()?;
        restore_table(
            storage,
            catalog,
            loc,
            &meta,
            t,
            opts,
            progress,
            &limit,
            &mut moved,
            interrupted,
        )?;
        size += t.file_size;
    }
    Ok(RestoreSummary {
        size,
        backup_ts: meta.backup_ts,
        restore_ts: storage.current_ts()?,
        tables: chosen.len(),
    })
}

#[allow(clippy::too_many_arguments)]
fn restore_table(
    storage: &dyn Storage,
    catalog: &Catalog,
    loc: &Location,
    meta: &BackupMeta,
    t: &TableMeta,
    opts: &RestoreOptions,
    progress: &Progress,
    limit: &RateLimit,
    moved: &mut u64,
    interrupted: Interrupt<'_>,
) -> Result<()> {
    let id = catalog.reserve_restore_id()?;
    let loaded = (|| {
        if let Some(file) = &t.file {
            load(storage, loc, file, id, progress, limit, moved, interrupted)?;
            if opts.checksum {
                check_loaded(storage, t, id)?;
            }
        }
        let db = meta
            .databases
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&t.db))
            .cloned()
            .unwrap_or_else(|| catalog::DbInfo {
                id: 0,
                name: t.db.clone(),
                charset: "utf8mb4".into(),
                collation: "utf8mb4_bin".into(),
            });
        let mut info = t.info.clone();
        info.id = id;
        let stats = match (&t.stats, opts.load_stats) {
            (Some(s), true) => serde_json::to_vec(s).ok(),
            _ => None,
        };
        catalog.publish_restored(&db, info, t.auto_id, stats).map_err(|e| failed(e.message))
    })();
    if loaded.is_err() {
        if let Err(e) = catalog.abandon_restore(id) {
            tracing::warn!(table = id, error = %e, "could not remove a failed restore's data; the next start removes it");
        }
    }
    loaded
}

/// Writes the pairs of data file `file` under table id `id`, in transactions of about
/// [`LOAD_TXN_BYTES`].
#[allow(clippy::too_many_arguments)]
fn load(
    storage: &dyn Storage,
    loc: &Location,
    file: &str,
    id: i64,
    progress: &Progress,
    limit: &RateLimit,
    moved: &mut u64,
    interrupted: Interrupt<'_>,
) -> Result<()> {
    let path = loc.dir.join(file);
    let read_err = |e: std::io::Error| failed(format!("cannot read {}: {e}", path.display()));
    let mut reader = DataReader::open(&path).map_err(read_err)?;
    let prefix = tablecodec::table_prefix(id);
    let mut txn = storage.begin(TxnOptions::default())?;
    let mut in_txn = 0usize;
    let mut pairs_in_txn = 0u64;
    while let Some(block) = reader.next_block().map_err(read_err)? {
        for (k, v) in block {
            let mut key = Vec::with_capacity(prefix.len() + k.len());
            key.extend_from_slice(&prefix);
            key.extend_from_slice(&k);
            in_txn += key.len() + v.len();
            *moved += (key.len() + v.len()) as u64;
            txn.put(key, v)?;
            pairs_in_txn += 1;
            if in_txn >= LOAD_TXN_BYTES {
                txn.commit()?;
                progress.advance(pairs_in_txn);
                limit.pace(*moved);
                interrupted()?;
                txn = storage.begin(TxnOptions::default())?;
                in_txn = 0;
                pairs_in_txn = 0;
            }
        }
    }
    txn.commit()?;
    progress.advance(pairs_in_txn);
    Ok(())
}

/// Reads the loaded table back: with its keys under the old id, its checksum must be the one
/// the archive recorded.
fn check_loaded(storage: &dyn Storage, t: &TableMeta, id: i64) -> Result<()> {
    let snap = storage.snapshot(None)?;
    let sum = table_checksum(snap.as_ref(), id, t.info.id)?;
    if sum != t.checksum {
        return Err(failed(format!(
            "checksum mismatch for `{}`.`{}` after loading: expected crc64xor {} kvs {}, got crc64xor {} kvs {}",
            t.db, t.info.name, t.checksum.crc64_xor, t.checksum.total_kvs, sum.crc64_xor, sum.total_kvs
        )));
    }
    Ok(())
}

/// The checksum of table `id`'s rows and index entries at `snap` (TiDB's `ADMIN CHECKSUM
/// TABLE`), with each key counted as if it were under table id `keys_as_of` (the id it had in
/// a backup; `id` itself otherwise).
pub fn table_checksum(snap: &dyn Snapshot, id: i64, keys_as_of: i64) -> Result<Checksum> {
    let prefix = tablecodec::table_prefix(id);
    let counted = tablecodec::table_prefix(keys_as_of);
    let mut sum = Checksum::default();
    crate::scan_range(
        snap,
        KeyRange::prefix(&prefix),
        &mut |k, v| sum.add(&counted, &k[prefix.len().min(k.len())..], v),
        &mut || Ok(()),
    )?;
    Ok(sum)
}
