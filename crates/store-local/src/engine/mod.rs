//! The ordered key-value engine under the MVCC layer.
//!
//! Contract: keys order bytewise within a column family; [`Engine::write`] applies a batch
//! atomically across column families and, with `sync`, returns only once the batch is durable
//! (fsync'd journal); a [`EngineSnapshot`] sees one point in the write history.

mod fjall;
#[cfg(feature = "rocksdb")]
mod rocks;

pub use self::fjall::FjallEngine;
#[cfg(feature = "rocksdb")]
pub use self::rocks::RocksEngine;

use std::ops::Bound;

/// The block cache an engine gets unless told otherwise: 256 MiB. A scan-heavy query reads
/// decoded blocks from it instead of the OS page cache (fjall's own default is 32 MiB; InnoDB's
/// buffer pool defaults to 128 MiB, TiKV's block cache to 45 % of RAM). It fills only as data
/// is read, so an idle server does not hold it.
pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

/// Column families of the MVCC layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cf {
    /// Committed versions: `enc(key) ‖ !commit_ts` → write record (kind, start_ts, value).
    Write,
    /// Store metadata: timestamp oracle high-water mark, GC safe point.
    Meta,
}

/// One mutation of a write batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Insert or overwrite.
    Put(Cf, Vec<u8>, Vec<u8>),
    /// Remove.
    Delete(Cf, Vec<u8>),
}

/// Engine failures.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine reported an error (I/O, corruption, poisoned after a failed fsync).
    #[error("{0}")]
    Engine(String),
}

/// Immutable, reference-counted bytes handed out by iterators: fjall's own slice type, which
/// walks versions without copying them (any engine can build one from a `&[u8]`).
pub type Bytes = ::fjall::Slice;

/// Iterator over `(key, value)` pairs of one column family.
pub type EngineIter<'a> = Box<dyn Iterator<Item = Result<(Bytes, Bytes), EngineError>> + 'a>;

/// A consistent read view.
pub trait EngineSnapshot: Send {
    /// Point read.
    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError>;
    /// Range iteration, ascending or descending.
    fn range(
        &self,
        cf: Cf,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
    ) -> EngineIter<'_>;
}

/// An ordered, durable key-value engine with column families.
pub trait Engine: Send + Sync + 'static {
    /// A read view of everything written so far.
    fn snapshot(&self) -> Box<dyn EngineSnapshot + '_>;
    /// Applies `ops` atomically; with `sync`, durably.
    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError>;
    /// Moves writes an engine holds in front of its durable structure into it, unsynced (the
    /// next synced write makes them durable). Nothing to do for most engines.
    fn flush(&self) -> Result<(), EngineError> {
        Ok(())
    }
    /// Bytes used on disk.
    fn disk_space(&self) -> u64;
}
