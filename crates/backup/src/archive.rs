//! An archive: a directory holding one data file per table and `backupmeta.json`, written
//! last (through a temporary name, then renamed and synced), so a directory with the metadata
//! holds a complete backup.

use std::path::{Path, PathBuf};

use catalog::{DbInfo, TableInfo};
use serde::{Deserialize, Serialize};

use crate::checksum::Checksum;

/// The metadata file's name.
pub const META_FILE: &str = "backupmeta.json";

/// What `format` holds in archives this version writes.
pub const FORMAT: &str = "ferrodb-backup/1";

/// Where an archive lives, from the URL of `BACKUP … TO '…'` / `RESTORE … FROM '…'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The URL as shown (query parameters removed, as TiDB does, so no secret is shown).
    pub display: String,
    /// The directory.
    pub dir: PathBuf,
}

impl Location {
    /// Parses `local:///path`, `file:///path` or a plain path; other schemes (`s3://`,
    /// `gcs://`, …) are refused with the reason.
    pub fn parse(url: &str) -> Result<Location, String> {
        let display = url.split('?').next().unwrap_or_default().to_string();
        let path = match display.split_once("://") {
            Some((scheme, rest))
                if scheme.eq_ignore_ascii_case("local") || scheme.eq_ignore_ascii_case("file") =>
            {
                rest
            }
            Some((scheme, _)) => {
                return Err(format!(
                    "storage {scheme}:// is not available on this server; use local:///path"
                ))
            }
            None => display.as_str(),
        };
        if path.is_empty() {
            return Err(format!("invalid destination URL '{url}': no path"));
        }
        Ok(Location { dir: PathBuf::from(path), display })
    }

    /// The metadata file's path.
    pub fn meta_path(&self) -> PathBuf {
        self.dir.join(META_FILE)
    }
}

/// One table (or view) in an archive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableMeta {
    /// Its database's name.
    pub db: String,
    /// Its definition as it was (the id is the one it had; a restore gives it a new one).
    pub info: TableInfo,
    /// The highest AUTO_INCREMENT value reserved when it was backed up.
    pub auto_id: i64,
    /// Its statistics record, if it had been analyzed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
    /// The data file (none for a view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The data file's size in bytes.
    pub file_size: u64,
    /// The data file's SHA-256 (hex).
    pub sha256: String,
    /// Checksum of its rows and index entries.
    pub checksum: Checksum,
}

/// `backupmeta.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupMeta {
    /// [`FORMAT`].
    pub format: String,
    /// The snapshot's timestamp (TSO form).
    pub backup_ts: u64,
    /// When the backup was taken (microseconds since the Unix epoch).
    pub created_micros: i64,
    /// The databases covered (also those without tables).
    pub databases: Vec<DbInfo>,
    /// The tables and views.
    pub tables: Vec<TableMeta>,
    /// Bytes of the data files.
    pub size: u64,
}

impl BackupMeta {
    /// Reads the metadata of the archive at `loc`.
    pub fn read(loc: &Location) -> Result<BackupMeta, String> {
        let path = loc.meta_path();
        let raw = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("no backup found at {}: {META_FILE} is missing", loc.display)
            } else {
                format!("cannot read {}: {e}", path.display())
            }
        })?;
        let meta: BackupMeta = serde_json::from_slice(&raw)
            .map_err(|e| format!("{} is not a backup's metadata: {e}", path.display()))?;
        if meta.format != FORMAT {
            return Err(format!("unknown backup format '{}' (expected {FORMAT})", meta.format));
        }
        Ok(meta)
    }

    /// Writes the metadata into `loc` durably: a temporary file, synced, renamed over, and the
    /// directory synced.
    pub fn write(&self, loc: &Location) -> std::io::Result<()> {
        let raw = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let tmp = loc.dir.join(format!("{META_FILE}.tmp"));
        {
            let mut f = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut f, &raw)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, loc.meta_path())?;
        sync_dir(&loc.dir)
    }
}

/// Makes a directory's entries (created or renamed files) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// The data file name of table `table_id`.
pub fn data_file_name(table_id: i64) -> String {
    format!("t{table_id}.fkv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let l = Location::parse("local:///mnt/backup/2020/04/").expect("local");
        assert_eq!(l.dir, PathBuf::from("/mnt/backup/2020/04/"));
        assert_eq!(l.display, "local:///mnt/backup/2020/04/");
        assert_eq!(Location::parse("file:///x?k=secret").expect("file").display, "file:///x");
        assert_eq!(Location::parse("/plain").expect("plain").dir, PathBuf::from("/plain"));
        assert!(Location::parse("s3://bucket/x").is_err_and(|e| e.contains("s3://")));
        assert!(Location::parse("local://").is_err());
        assert!(Location::parse("").is_err());
    }
}
