//! BACKUP: the selected tables at one snapshot, into an archive directory.

use std::path::PathBuf;

use catalog::{Catalog, IndexState, InfoSchema, TableInfo};
use errno::{Error, Result, ER_BAD_DB, ER_BRIE_BACKUP_FAILED, ER_NO_SUCH_TABLE};
use kv::{KeyRange, Snapshot, Storage};

use crate::{
    archive::{data_file_name, sync_dir, BackupMeta, Location, TableMeta, FORMAT},
    checksum::Checksum,
    datafile::{file_digest, DataReader, DataWriter},
    tasks::{now_micros, Progress},
    Interrupt, RateLimit, Targets,
};

/// BACKUP's options.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// Read the files back and check them before answering (`CHECKSUM`, default on).
    pub checksum: bool,
    /// `RATE_LIMIT`, in bytes per second.
    pub rate_limit: Option<u64>,
    /// Leave statistics out (`IGNORE_STATS`).
    pub ignore_stats: bool,
    /// LZ4-compress data blocks.
    pub compress: bool,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions { checksum: true, rate_limit: None, ignore_stats: false, compress: true }
    }
}

/// What BACKUP answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// Bytes of the archive.
    pub size: u64,
    /// The snapshot's timestamp.
    pub backup_ts: u64,
    /// Tables (and views) written.
    pub tables: usize,
}

pub(crate) fn failed(e: impl std::fmt::Display) -> Error {
    Error::fmt(ER_BRIE_BACKUP_FAILED, &[&e.to_string()])
}

/// Backs up `targets` from `storage` into `loc`.
pub fn run_backup(
    storage: &dyn Storage,
    loc: &Location,
    targets: &Targets,
    opts: &BackupOptions,
    progress: &Progress,
    interrupted: Interrupt<'_>,
) -> Result<BackupSummary> {
    std::fs::create_dir_all(&loc.dir)
        .map_err(|e| failed(format!("cannot create {}: {e}", loc.dir.display())))?;
    if loc.meta_path().exists() {
        return Err(failed(format!(
            "backup meta file exists in {}, there may be some backup files in the path already, please specify a correct backup directory!",
            loc.display
        )));
    }
    let snap = storage.snapshot(None)?;
    let schema = InfoSchema::read(snap.as_ref())?;
    let (databases, tables) = select(&schema, targets)?;
    let mut written: Vec<PathBuf> = Vec::new();
    let result = (|| {
        progress.start("Backup", tables.len() as u64);
        let mut metas = Vec::with_capacity(tables.len());
        let limit = RateLimit::new(opts.rate_limit);
        let mut moved = 0u64;
        for (db, table) in &tables {
            interrupted()?;
            let meta = back_up_table(
                snap.as_ref(),
                loc,
                db,
                table,
                opts,
                &limit,
                &mut moved,
                &mut written,
                interrupted,
            )?;
            metas.push(meta);
            progress.advance(1);
        }
        if opts.checksum {
            progress.start("Checksum", metas.len() as u64);
            for m in &metas {
                interrupted()?;
                verify_file(loc, m).map_err(failed)?;
                progress.advance(1);
            }
        }
        let meta = BackupMeta {
            format: FORMAT.to_string(),
            backup_ts: snap.read_ts(),
            created_micros: now_micros(),
            databases,
            size: metas.iter().map(|m| m.file_size).sum(),
            tables: metas,
        };
        meta.write(loc)
            .map_err(|e| failed(format!("cannot write {}: {e}", loc.meta_path().display())))?;
        Ok(BackupSummary { size: meta.size, backup_ts: meta.backup_ts, tables: meta.tables.len() })
    })();
    if result.is_err() {
        for f in &written {
            let _ = std::fs::remove_file(f);
        }
    }
    result
}

/// Databases, and tables with their database's name.
type Selection = (Vec<catalog::DbInfo>, Vec<(String, std::sync::Arc<TableInfo>)>);

/// The databases and tables `targets` names, in name order; a database or table named
/// explicitly must exist.
fn select(schema: &InfoSchema, targets: &Targets) -> Result<Selection> {
    match targets {
        Targets::Databases(dbs) => {
            if let Some(missing) = dbs.iter().find(|d| schema.database(d).is_none()) {
                return Err(failed(Error::fmt(ER_BAD_DB, &[missing]).message));
            }
        }
        Targets::Tables(ts) => {
            for (d, t) in ts {
                if schema.table(d, t).is_err() {
                    return Err(failed(Error::fmt(ER_NO_SUCH_TABLE, &[d, t]).message));
                }
            }
        }
        Targets::All => {}
    }
    let mut databases = Vec::new();
    let mut tables = Vec::new();
    for db in schema.databases() {
        if !targets.covers_db(&db.name) {
            continue;
        }
        let chosen: Vec<_> = schema
            .tables(&db.name)
            .into_iter()
            .filter(|t| targets.covers(&db.name, &t.name))
            .collect();
        if chosen.is_empty() && !targets.whole_databases() {
            continue;
        }
        databases.push((**db).clone());
        tables.extend(chosen.into_iter().map(|t| (db.name.clone(), t)));
    }
    Ok((databases, tables))
}

/// Writes one table's data file and returns its entry. Index entries of an index still being
/// built are left out, and so is the index (the restored table has only complete ones).
#[allow(clippy::too_many_arguments)]
fn back_up_table(
    snap: &dyn Snapshot,
    loc: &Location,
    db: &str,
    table: &TableInfo,
    opts: &BackupOptions,
    limit: &RateLimit,
    moved: &mut u64,
    written: &mut Vec<PathBuf>,
    interrupted: Interrupt<'_>,
) -> Result<TableMeta> {
    let mut info = table.clone();
    let building: Vec<Vec<u8>> = info
        .indexes
        .iter()
        .filter(|i| i.state != IndexState::Public)
        .map(|i| tablecodec::index_prefix(table.id, i.id))
        .collect();
    info.indexes.retain(|i| i.state == IndexState::Public);
    let stats = if opts.ignore_stats {
        None
    } else {
        Catalog::stats_record_at(snap, table.id)?
            .and_then(|raw| serde_json::from_slice::<serde_json::Value>(&raw).ok())
    };
    let mut meta = TableMeta {
        db: db.to_string(),
        auto_id: Catalog::auto_id_at(snap, table.id)?,
        info,
        stats,
        file: None,
        file_size: 0,
        sha256: String::new(),
        checksum: Checksum::default(),
    };
    if table.view.is_some() {
        return Ok(meta);
    }
    let name = data_file_name(table.id);
    let path = loc.dir.join(&name);
    written.push(path.clone());
    let io = |e: std::io::Error| failed(format!("cannot write {}: {e}", path.display()));
    let mut w = DataWriter::create(&path, opts.compress).map_err(io)?;
    let prefix = tablecodec::table_prefix(table.id);
    let mut checksum = Checksum::default();
    let base = *moved;
    // Shared by the per-pair writer and the between-scans pacing.
    let written_bytes = std::cell::Cell::new(0u64);
    let write_err = std::cell::Cell::new(None::<std::io::Error>);
    crate::scan_range(
        snap,
        KeyRange::prefix(&prefix),
        &mut |k, v| {
            let failed = write_err.take();
            let skip = failed.is_some() || building.iter().any(|p| k.starts_with(p));
            write_err.set(failed);
            if skip {
                return;
            }
            let rest = &k[prefix.len().min(k.len())..];
            checksum.add(&prefix, rest, v);
            match w.add(rest, v) {
                Ok(bytes) => written_bytes.set(bytes),
                Err(e) => write_err.set(Some(e)),
            }
        },
        &mut || {
            if let Some(e) = write_err.take() {
                return Err(io(e));
            }
            limit.pace(base + written_bytes.get());
            interrupted()
        },
    )?;
    *moved = base + written_bytes.get();
    let (size, sha256) = w.finish().map_err(io)?;
    sync_dir(&loc.dir).map_err(io)?;
    meta.file = Some(name);
    meta.file_size = size;
    meta.sha256 = sha256;
    meta.checksum = checksum;
    Ok(meta)
}

/// Reads a written data file back: its SHA-256, and the checksum of its pairs, must be what
/// was recorded while writing it.
pub(crate) fn verify_file(loc: &Location, m: &TableMeta) -> std::result::Result<(), String> {
    let Some(file) = &m.file else { return Ok(()) };
    let path = loc.dir.join(file);
    let shown = format!("`{}`.`{}` ({})", m.db, m.info.name, path.display());
    let (size, sha) = file_digest(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if size != m.file_size || sha != m.sha256 {
        return Err(format!("data file of {shown} is damaged: its SHA-256 does not match"));
    }
    let prefix = tablecodec::table_prefix(m.info.id);
    let mut sum = Checksum::default();
    let mut r = DataReader::open(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    while let Some(block) = r.next_block().map_err(|e| format!("cannot read {shown}: {e}"))? {
        for (k, v) in &block {
            sum.add(&prefix, k, v);
        }
    }
    if sum != m.checksum {
        return Err(format!(
            "checksum mismatch for {shown}: recorded crc64xor {} kvs {} bytes {}, file has crc64xor {} kvs {} bytes {}",
            m.checksum.crc64_xor, m.checksum.total_kvs, m.checksum.total_bytes, sum.crc64_xor, sum.total_kvs, sum.total_bytes
        ));
    }
    Ok(())
}
