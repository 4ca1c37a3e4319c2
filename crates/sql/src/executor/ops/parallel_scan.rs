//! Reads a long handle range of records on several threads, in key order (TiDB's coprocessor
//! tasks with `keep order`, `tidb_distsql_scan_concurrency` of them at once).
//!
//! The range is cut into chunks of equal handle width. Workers claim chunks in key order, page
//! through them at the transaction's read timestamp ([`kv::Transaction::read_snapshot`]),
//! decode the records and send the rows down the chunk's own bounded channel; the reader drains
//! the channels in chunk order, so rows leave exactly as a serial scan returns them. A worker
//! ahead of the reader blocks once its chunk's channel is full, which bounds what is in flight;
//! the chunk the reader waits for was claimed first, so it always makes progress. Dropping the
//! scan (LIMIT reached, an error, KILL) stops the workers and waits for them.
//!
//! Given the filter above the scan ([`Prefilter`], a portable predicate), workers drop the rows
//! it rejects before sending them — TiDB pushes a Selection into its coprocessor tasks — so
//! filtering runs on every worker. The filter still runs above: a row whose evaluation failed
//! in a worker is sent on, and fails (or passes) there with the statement's own context.

use std::{
    ops::Bound,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc::{sync_channel, Receiver, SyncSender},
        Arc, Mutex,
    },
    thread::JoinHandle,
};

use catalog::TableInfo;
use errno::{Error, Result};
use kv::{KeyRange, Snapshot};

use super::Batch;
use crate::table::RowDecoder;

/// Records read per page by a worker (and the most rows per batch it sends).
const PAGE: usize = 1024;
/// Batches a chunk's channel holds before its worker waits for the reader.
const IN_FLIGHT: usize = 4;
/// Handles per chunk (about; the range is cut into equal widths, at most [`MAX_CHUNKS`]).
const CHUNK_HANDLES: i128 = 8192;
/// The most chunks one range is cut into.
const MAX_CHUNKS: i128 = 256;
/// A remaining range narrower than this (in handles) is left to the serial reader.
pub(super) const MIN_HANDLES: i128 = 4096;

/// What a worker sends down a chunk's channel.
enum Msg {
    Rows(Batch),
    /// The chunk is finished.
    Done,
    Failed(Error),
}

/// A filter workers apply to the rows they read, evaluated with a copy of the session.
pub(super) struct Prefilter {
    /// A portable predicate (`Expr::is_portable`) over the scanned row.
    pub pred: crate::expr::Expr,
    /// The session, as the statement sees it.
    pub session: crate::context::SessionCtx,
}

impl Prefilter {
    /// Whether `row` may pass: the predicate is TRUE, or evaluating it failed (the filter above
    /// decides, and reports the error).
    fn keeps(&self, row: &[types::Value]) -> bool {
        let cx = crate::expr::EvalCtx::new(&self.session);
        self.pred.eval(row, &cx).map_or(true, |v| crate::expr::Truth::truth(&v) == Some(true))
    }
}

/// What the workers share.
struct Work {
    snapshot: Box<dyn Snapshot>,
    table: Arc<TableInfo>,
    decoder: RowDecoder,
    prefilter: Option<Prefilter>,
    chunks: Vec<KeyRange>,
    /// Each chunk's sender, taken by the worker that claims the chunk.
    senders: Vec<Mutex<Option<SyncSender<Msg>>>>,
    /// The next chunk to claim.
    next: AtomicUsize,
    /// Set when the reader is gone.
    stop: AtomicBool,
}

/// A running parallel scan.
pub(super) struct ParallelScan {
    receivers: Vec<Receiver<Msg>>,
    current: usize,
    work: Arc<Work>,
    workers: Vec<JoinHandle<()>>,
}

impl ParallelScan {
    /// Starts `threads` workers over the records of `range`, whose handles lie in `lo..=hi`
    /// (as found by the caller), or `None` when the range is too narrow to be worth it or no
    /// thread could be started (the caller then reads serially).
    pub fn start(
        snapshot: Box<dyn Snapshot>,
        table: Arc<TableInfo>,
        decoder: RowDecoder,
        prefilter: Option<Prefilter>,
        range: &KeyRange,
        (lo, hi): (i64, i64),
        threads: usize,
    ) -> Option<Self> {
        let span = i128::from(hi) - i128::from(lo) + 1;
        if threads < 2 || span < MIN_HANDLES {
            return None;
        }
        let chunks = split(table.id, range, lo, span);
        let (senders, receivers): (Vec<_>, Vec<_>) = chunks
            .iter()
            .map(|_| {
                let (tx, rx) = sync_channel(IN_FLIGHT);
                (Mutex::new(Some(tx)), rx)
            })
            .unzip();
        let work = Arc::new(Work {
            snapshot,
            table,
            decoder,
            prefilter,
            chunks,
            senders,
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let mut workers = Vec::with_capacity(threads);
        for i in 0..threads.min(work.chunks.len()) {
            let w = work.clone();
            let spawned =
                std::thread::Builder::new().name(format!("scan-{i}")).spawn(move || run(&w));
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(e) => tracing::warn!("parallel scan: cannot start a worker: {e}"),
            }
        }
        if workers.is_empty() {
            return None;
        }
        Some(ParallelScan { receivers, current: 0, work, workers })
    }

    /// The next batch in key order, or `None` when every chunk is read.
    pub fn next_batch(&mut self) -> Result<Option<Batch>> {
        while let Some(rx) = self.receivers.get(self.current) {
            match rx.recv() {
                Ok(Msg::Rows(rows)) => return Ok(Some(rows)),
                Ok(Msg::Done) => self.current += 1,
                Ok(Msg::Failed(e)) => return Err(e),
                Err(_) => {
                    return Err(Error::msg(
                        errno::ER_INTERNAL,
                        "parallel scan: a worker stopped before finishing its range",
                    ))
                }
            }
        }
        Ok(None)
    }
}

impl Drop for ParallelScan {
    fn drop(&mut self) {
        self.work.stop.store(true, Ordering::Release);
        // Workers blocked on a full channel see it closed.
        self.receivers.clear();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// `range` cut into chunks of about [`CHUNK_HANDLES`] handles from `lo` (`span` handles in
/// all); the first keeps the range's start and the last its end.
fn split(table_id: i64, range: &KeyRange, lo: i64, span: i128) -> Vec<KeyRange> {
    let n = (span / CHUNK_HANDLES).clamp(2, MAX_CHUNKS);
    let width = (span + n - 1) / n;
    let mut chunks = Vec::with_capacity(n as usize);
    let mut start = range.start.clone();
    for i in 1..n {
        let Ok(cut) = i64::try_from(i128::from(lo) + i * width) else { break };
        let key = tablecodec::record_key(table_id, cut);
        if !range.contains(&key) {
            break;
        }
        chunks.push(KeyRange { start, end: Bound::Excluded(key.clone()) });
        start = Bound::Included(key);
    }
    chunks.push(KeyRange { start, end: range.end.clone() });
    chunks
}

/// A worker: claims chunks in order and reads each to its end.
fn run(work: &Work) {
    loop {
        let i = work.next.fetch_add(1, Ordering::AcqRel);
        let Some(chunk) = work.chunks.get(i) else { return };
        let tx = work.senders[i].lock().ok().and_then(|mut s| s.take());
        let Some(tx) = tx else { return };
        let end = match read_chunk(work, chunk, &tx) {
            Ok(true) => Msg::Done,
            Ok(false) => return,
            Err(e) => Msg::Failed(e),
        };
        let failed = matches!(end, Msg::Failed(_));
        if tx.send(end).is_err() || failed {
            return;
        }
    }
}

/// Sends the rows of `chunk`; `Ok(false)` when the reader went away first.
fn read_chunk(work: &Work, chunk: &KeyRange, tx: &SyncSender<Msg>) -> Result<bool> {
    let mut range = chunk.clone();
    let mut last = Vec::new();
    loop {
        if work.stop.load(Ordering::Acquire) {
            return Ok(false);
        }
        let mut rows = Vec::with_capacity(PAGE);
        let mut failed = None;
        // Records are decoded straight from the store's buffers.
        let read = work.snapshot.scan_each(&range, PAGE, &mut |k, v| {
            if failed.is_none() {
                last.clear();
                last.extend_from_slice(k);
                match work.decoder.decode_record(&work.table, k, v) {
                    Ok(row) if work.prefilter.as_ref().is_none_or(|f| f.keeps(&row.values)) => {
                        rows.push(row)
                    }
                    Ok(_) => {}
                    Err(e) => failed = Some(e),
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        if !rows.is_empty() && tx.send(Msg::Rows(rows)).is_err() {
            return Ok(false);
        }
        if read < PAGE {
            return Ok(true);
        }
        range.start = Bound::Excluded(last.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle_of(b: &Bound<Vec<u8>>) -> Option<i64> {
        match b {
            Bound::Included(k) | Bound::Excluded(k) => tablecodec::decode_record_key(k),
            Bound::Unbounded => None,
        }
    }

    #[test]
    fn chunks_cover_the_range_in_order_without_overlap() {
        let range = KeyRange::prefix(&tablecodec::record_prefix(7));
        for (lo, span) in [(1i64, 600_000i128), (-50_000, 100_001), (i64::MAX - 10_000, 10_001)] {
            let chunks = split(7, &range, lo, span);
            assert!(chunks.len() >= 2, "{lo} {span}");
            assert_eq!(chunks[0].start, range.start);
            assert_eq!(chunks.last().map(|c| c.end.clone()), Some(range.end.clone()));
            for w in chunks.windows(2) {
                // Each chunk ends exactly where the next begins.
                let (Bound::Excluded(end), Bound::Included(start)) = (&w[0].end, &w[1].start)
                else {
                    panic!("chunk bounds {:?} {:?}", w[0].end, w[1].start)
                };
                assert_eq!(end, start);
                assert!(handle_of(&w[0].end) > handle_of(&w[0].start).or(Some(i64::MIN)));
            }
        }
    }
}
