//! Spilling sorted runs to disk: when a sort would pass the statement's memory quota and
//! `tidb_enable_tmp_storage_on_oom` is on (TiDB's default), the rows it holds are sorted and
//! written to a temporary file under `<datadir>/tmp` (deleted when the statement ends), and
//! the runs are merged back in order at the end.
//!
//! Hash aggregation spills the input rows of groups it has no room for into partition files
//! ([`RowFile`]) and aggregates each partition after the groups in memory.
//!
//! A run is a sequence of `[u32 length][row]` entries, each row in the table row format
//! (`tablecodec::row`, self-describing values) holding the sort keys, then the row's values,
//! then its handle.

use std::{
    fs::File,
    io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write},
    path::PathBuf,
};

use errno::{Error, Result};
use types::Value;

use super::sort::order;
use crate::{
    expr::Expr,
    memory::MemTracker,
    sysvar::{SessionVars, VarScope},
    table::Row,
};

fn io_error(e: std::io::Error) -> Error {
    Error::msg(errno::ER_INTERNAL, format!("spilling to disk failed: {e}"))
}

/// Where a statement's spill files go: `<datadir>/tmp`, or the system's temporary directory.
pub fn spill_dir(vars: &SessionVars) -> PathBuf {
    let datadir = vars.get_text("datadir", VarScope::Global).unwrap_or_default();
    if datadir.is_empty() {
        std::env::temp_dir()
    } else {
        PathBuf::from(datadir).join("tmp")
    }
}

/// Writes sorted `(keys, row)` pairs as one run; the file is gone once dropped.
pub fn write_run(dir: &std::path::Path, rows: &[(Vec<Value>, Row)]) -> Result<Run> {
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let file = tempfile::tempfile_in(dir).map_err(io_error)?;
    let mut w = BufWriter::new(file);
    let mut bytes = 0u64;
    for (keys, row) in rows {
        let handle = Value::Int(row.handle);
        let cols: Vec<(u32, &Value)> = keys
            .iter()
            .chain(&row.values)
            .chain(std::iter::once(&handle))
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        let enc = tablecodec::row::encode_row(&cols);
        w.write_all(&(enc.len() as u32).to_le_bytes()).map_err(io_error)?;
        w.write_all(&enc).map_err(io_error)?;
        bytes += 4 + enc.len() as u64;
    }
    let mut file = w.into_inner().map_err(|e| io_error(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    Ok(Run { reader: BufReader::new(file), nkeys: rows.first().map_or(0, |(k, _)| k.len()), bytes })
}

/// One sorted run on disk, read back in order.
pub struct Run {
    reader: BufReader<File>,
    nkeys: usize,
    /// Bytes written.
    pub bytes: u64,
}

impl Run {
    /// The next `(keys, row)` of the run.
    fn next(&mut self) -> Result<Option<(Vec<Value>, Row)>> {
        let mut len = [0u8; 4];
        match self.reader.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(io_error(e)),
        }
        let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
        self.reader.read_exact(&mut buf).map_err(io_error)?;
        let mut values: Vec<Value> = tablecodec::row::decode_row(&buf)
            .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "corrupt spill file"))?
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        let handle = match values.pop() {
            Some(Value::Int(h)) => h,
            _ => 0,
        };
        let rest = values.split_off(self.nkeys.min(values.len()));
        Ok(Some((values, Row { handle, values: rest })))
    }
}

/// Merges sorted runs (earlier runs first among equal keys, so the sort stays stable) and a
/// last sorted run held in memory.
pub struct Merge {
    runs: Vec<Run>,
    heads: Vec<Option<(Vec<Value>, Row)>>,
    memory: std::vec::IntoIter<(Vec<Value>, Row)>,
    keys: Vec<(Expr, bool)>,
    started: bool,
}

impl Merge {
    /// Merges `runs` and then `memory` (sorted) by `keys`.
    pub fn new(runs: Vec<Run>, memory: Vec<(Vec<Value>, Row)>, keys: Vec<(Expr, bool)>) -> Self {
        Merge { runs, heads: Vec::new(), memory: memory.into_iter(), keys, started: false }
    }

    /// Up to `n` next rows in order (empty when done).
    pub fn next_rows(&mut self, n: usize) -> Result<Vec<Row>> {
        if !self.started {
            self.started = true;
            for r in &mut self.runs {
                let head = r.next()?;
                self.heads.push(head);
            }
            self.heads.push(self.memory.next());
        }
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let mut best: Option<usize> = None;
            for (i, h) in self.heads.iter().enumerate() {
                let Some((k, _)) = h else { continue };
                let better = match best.and_then(|b| self.heads[b].as_ref()) {
                    Some((bk, _)) => order(k, bk, &self.keys) == std::cmp::Ordering::Less,
                    None => true,
                };
                if better {
                    best = Some(i);
                }
            }
            let Some(i) = best else { break };
            let next = if i < self.runs.len() { self.runs[i].next()? } else { self.memory.next() };
            if let Some((_, row)) = std::mem::replace(&mut self.heads[i], next) {
                out.push(row);
            }
        }
        Ok(out)
    }
}

/// Rows appended to a temporary file, then read back in order; the file is gone once dropped.
pub struct RowFile {
    writer: BufWriter<File>,
    /// Bytes written.
    pub bytes: u64,
}

impl RowFile {
    /// An empty file under `dir`.
    pub fn create(dir: &std::path::Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io_error)?;
        let file = tempfile::tempfile_in(dir).map_err(io_error)?;
        Ok(RowFile { writer: BufWriter::new(file), bytes: 0 })
    }

    /// The file in `slot`, made under `dir` if there is none yet.
    pub fn in_slot<'f>(
        dir: &std::path::Path,
        slot: &'f mut Option<RowFile>,
    ) -> Result<&'f mut Self> {
        Ok(match slot {
            Some(f) => f,
            None => slot.insert(RowFile::create(dir)?),
        })
    }

    /// Appends one row.
    pub fn push(&mut self, values: &[Value]) -> Result<()> {
        let cols: Vec<(u32, &Value)> =
            values.iter().enumerate().map(|(i, v)| (i as u32, v)).collect();
        let enc = tablecodec::row::encode_row(&cols);
        self.writer.write_all(&(enc.len() as u32).to_le_bytes()).map_err(io_error)?;
        self.writer.write_all(&enc).map_err(io_error)?;
        self.bytes += 4 + enc.len() as u64;
        Ok(())
    }

    /// The rows written so far, from the first, by a reader that shares the file's position
    /// (write nothing and read no other reader of this file while it is in use); the file
    /// stays, so it may be read again.
    pub fn reread(&mut self) -> Result<RowReader> {
        self.writer.flush().map_err(io_error)?;
        let mut file = self.writer.get_ref().try_clone().map_err(io_error)?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        Ok(RowReader { reader: BufReader::new(file) })
    }

    /// The rows written, from the first.
    pub fn into_reader(self) -> Result<RowReader> {
        let mut file = self.writer.into_inner().map_err(|e| io_error(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        Ok(RowReader { reader: BufReader::new(file) })
    }
}

/// Reads back a [`RowFile`].
pub struct RowReader {
    reader: BufReader<File>,
}

impl RowReader {
    /// Up to `n` next rows (`None` at the end).
    pub fn next_rows(&mut self, n: usize) -> Result<Option<Vec<Vec<Value>>>> {
        let mut out = Vec::new();
        while out.len() < n {
            let mut len = [0u8; 4];
            match self.reader.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(io_error(e)),
            }
            let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
            self.reader.read_exact(&mut buf).map_err(io_error)?;
            let values = tablecodec::row::decode_row(&buf)
                .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "corrupt spill file"))?
                .into_iter()
                .map(|(_, v)| v)
                .collect();
            out.push(values);
        }
        Ok((!out.is_empty()).then_some(out))
    }
}

/// Files one spilling pass (of a hash aggregation, DISTINCT, or a hash join's build side)
/// splits its rows into.
pub const PARTITIONS: usize = 16;

/// The partition (of [`PARTITIONS`]) of a row with key `key` in a pass at `depth`: a different
/// hash at each depth, so a partition split again spreads.
pub fn partition_of(key: &[u8], depth: u32) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    depth.hash(&mut h);
    key.hash(&mut h);
    (h.finish() % PARTITIONS as u64) as usize
}
/// Most times a partition is split again.
const MAX_DEPTH: u32 = 3;

/// The partition files of one spilling pass (each made on first use): rows go to a file by a
/// hash of their key — a different hash at each depth — so equal keys share a file.
pub struct Partitions {
    dir: PathBuf,
    depth: u32,
    files: Vec<Option<RowFile>>,
}

impl Partitions {
    /// Partitions for a pass at `depth`, or `None` when it may not spill: spilling is off
    /// (`tidb_enable_tmp_storage_on_oom`) or partitions were split [`MAX_DEPTH`] times.
    pub fn start(vars: &SessionVars, depth: u32) -> Option<Self> {
        (depth < MAX_DEPTH && vars.bool("tidb_enable_tmp_storage_on_oom")).then(|| Partitions {
            dir: spill_dir(vars),
            depth,
            files: (0..PARTITIONS).map(|_| None).collect(),
        })
    }

    /// Appends a row with key `key` to its partition.
    pub fn push(&mut self, key: &[u8], values: &[Value]) -> Result<()> {
        let slot = &mut self.files[partition_of(key, self.depth)];
        RowFile::in_slot(&self.dir, slot)?.push(values)
    }

    /// The files written, each with the depth it is read at, their bytes counted as spilled.
    pub fn finish(self, mem: &MemTracker) -> Vec<(RowFile, u32)> {
        let depth = self.depth + 1;
        let files: Vec<(RowFile, u32)> =
            self.files.into_iter().flatten().map(|f| (f, depth)).collect();
        for (f, _) in &files {
            mem.spilled(f.bytes);
        }
        files
    }
}
