//! BACKUP and RESTORE (TiDB's SQL statements over BR): a consistent snapshot of databases or
//! tables written to a directory while writes continue, checksummed, and restored from it.
//!
//! - [`run_backup`] reads the catalog and every selected table's rows and index entries at
//!   one snapshot timestamp (a registered reader, so GC keeps what it needs), writes one data
//!   file per table ([`datafile`]) and then `backupmeta.json` ([`archive`]), with per-table
//!   checksums ([`Checksum`], BR's CRC-64 XOR) and per-file SHA-256; with `CHECKSUM` (the
//!   default) the files are read back and checked before it returns.
//! - [`run_restore`] checks each file's SHA-256, writes its pairs under a newly reserved
//!   table id in batches of their own transactions (the table is invisible meanwhile), checks
//!   the loaded data's checksum, and then publishes the table in one DDL transaction — each
//!   table appears whole or not at all. A crash in between leaves nothing visible; the next
//!   start removes the partial data.
//! - [`tasks::Tasks`] queues them (one at a time) for `SHOW BACKUPS` / `SHOW RESTORES`.

pub mod archive;
mod checksum;
pub mod datafile;
mod restore;
mod snapshot;
pub mod tasks;

pub use archive::{BackupMeta, Location, TableMeta};
pub use checksum::Checksum;
pub use restore::{run_restore, table_checksum, RestoreOptions, RestoreSummary};
pub use snapshot::{run_backup, BackupOptions, BackupSummary};

use std::time::{Duration, Instant};

/// What a BACKUP or RESTORE covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// `DATABASE *`: every database but the system ones (`mysql`).
    All,
    /// `DATABASE a, b`.
    Databases(Vec<String>),
    /// `TABLE a.t, b.u` (database, table).
    Tables(Vec<(String, String)>),
}

/// Databases `DATABASE *` leaves out: the grant tables belong to the server.
const SYSTEM_DATABASES: &[&str] = &["mysql"];

impl Targets {
    /// Whether database `db` is covered (wholly or in part).
    pub fn covers_db(&self, db: &str) -> bool {
        match self {
            Targets::All => !SYSTEM_DATABASES.iter().any(|s| s.eq_ignore_ascii_case(db)),
            Targets::Databases(dbs) => dbs.iter().any(|d| d.eq_ignore_ascii_case(db)),
            Targets::Tables(ts) => ts.iter().any(|(d, _)| d.eq_ignore_ascii_case(db)),
        }
    }

    /// Whether table `db.table` is covered.
    pub fn covers(&self, db: &str, table: &str) -> bool {
        match self {
            Targets::Tables(ts) => {
                ts.iter().any(|(d, t)| d.eq_ignore_ascii_case(db) && t.eq_ignore_ascii_case(table))
            }
            _ => self.covers_db(db),
        }
    }

    /// Whether whole databases are named (so empty ones count too).
    fn whole_databases(&self) -> bool {
        !matches!(self, Targets::Tables(_))
    }
}

/// Pairs read from the store per scan.
const SCAN_BATCH: usize = 4096;

/// Hands every pair of `range` at `snap` to `f` in key order, reading [`SCAN_BATCH`] pairs per
/// scan (a table of any size streams through); `between` runs after each scan and may stop it.
pub fn scan_range(
    snap: &dyn kv::Snapshot,
    mut range: kv::KeyRange,
    f: &mut dyn FnMut(&[u8], &[u8]),
    between: &mut dyn FnMut() -> errno::Result<()>,
) -> errno::Result<()> {
    loop {
        let mut last: Option<Vec<u8>> = None;
        let n = snap.scan_each(&range, SCAN_BATCH, &mut |k, v| {
            f(k, v);
            last = Some(k.to_vec());
        })?;
        between()?;
        match last {
            Some(mut k) if n == SCAN_BATCH => {
                k.push(0);
                range.start = std::ops::Bound::Included(k);
            }
            _ => return Ok(()),
        }
    }
}

/// Asked between batches: `Err` stops the task (KILL, shutdown).
pub type Interrupt<'a> = &'a dyn Fn() -> errno::Result<()>;

/// Holds a transfer to `bytes_per_sec` (`RATE_LIMIT = n MB/SECOND`).
struct RateLimit {
    bytes_per_sec: Option<u64>,
    started: Instant,
}

impl RateLimit {
    fn new(bytes_per_sec: Option<u64>) -> Self {
        RateLimit { bytes_per_sec: bytes_per_sec.filter(|&b| b > 0), started: Instant::now() }
    }

    /// Sleeps until `moved` bytes are within the rate.
    fn pace(&self, moved: u64) {
        if let Some(rate) = self.bytes_per_sec {
            let due = Duration::from_secs_f64(moved as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(self.started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
}

#[cfg(test)]
mod tests;
