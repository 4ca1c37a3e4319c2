//! Group commit: one thread turns many transactions' commit batches into one atomic engine
//! write with one `fdatasync`, then acknowledges each of them.
//!
//! With a commit log ([`Wal`]) the group is appended and synced there, then written to the
//! engine unsynced; the engine is synced at checkpoints (every [`CHECKPOINT_BYTES`] of log,
//! before the ring would overwrite unsynced records, after [`IDLE_CHECKPOINT`] without
//! commits, and on stop). A commit whose log write succeeded but whose engine write failed is
//! reported failed yet replayed at the next start (the store turns read-only at once).
//!
//! // #[PerformanceCriticalPath]: every durable commit waits here.

use std::{sync::Arc, thread, time::Duration};

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;
use tracing::error;

use crate::{
    engine::{Cf, Engine, Op},
    wal::{encode_ops, Wal, CHECKPOINT_BYTES},
};

/// Meta key holding the log position the engine holds durably (big-endian u64).
pub const WAL_CHECKPOINT_KEY: &[u8] = b"wal_checkpoint";

/// How long the committer waits without commits before it checkpoints.
pub const IDLE_CHECKPOINT: Duration = Duration::from_millis(500);

/// Most batches merged into one sync, so one huge backlog cannot delay the first commit forever.
const MAX_GROUP: usize = 256;

struct Job {
    ops: Vec<Op>,
    done: Sender<Result<(), kv::Error>>,
}

/// Handle to the committer thread.
pub struct Committer {
    tx: Mutex<Option<Sender<Job>>>,
    thread: Mutex<Option<thread::JoinHandle<()>>>,
    failed: Arc<Mutex<Option<String>>>,
}

impl Committer {
    /// Starts the thread; commits go through `wal` when given, else straight to the engine.
    pub fn start(engine: Arc<dyn Engine>, wal: Option<Wal>) -> Self {
        let (tx, rx) = unbounded::<Job>();
        let failed = Arc::new(Mutex::new(None));
        let f = failed.clone();
        let thread = thread::Builder::new()
            .name("ferrodb-committer".into())
            .spawn(move || run(engine.as_ref(), wal, rx, f))
            .ok();
        Committer { tx: Mutex::new(Some(tx)), thread: Mutex::new(thread), failed }
    }

    /// Writes `ops` durably and atomically; returns once they are synced (or failed).
    pub fn commit(&self, ops: Vec<Op>) -> Result<(), kv::Error> {
        if let Some(e) = self.failed.lock().clone() {
            return Err(kv::Error::StoreReadOnly(e));
        }
        let (done, wait) = bounded(1);
        let sent = self.tx.lock().as_ref().map(|tx| tx.send(Job { ops, done }).is_ok());
        if sent != Some(true) {
            return Err(kv::Error::Engine("store is shutting down".into()));
        }
        wait.recv().unwrap_or_else(|_| Err(kv::Error::Engine("committer stopped".into())))
    }

    /// Why the store turned read-only, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failed.lock().clone()
    }

    /// Finishes queued commits and stops the thread.
    pub fn stop(&self) {
        self.tx.lock().take();
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
    }
}

fn run(
    engine: &dyn Engine,
    mut wal: Option<Wal>,
    rx: Receiver<Job>,
    failed: Arc<Mutex<Option<String>>>,
) {
    loop {
        let dirty = wal.as_ref().is_some_and(|w| w.since_checkpoint() > 0);
        let first = if dirty {
            match rx.recv_timeout(IDLE_CHECKPOINT) {
                Ok(j) => j,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(w) = wal.as_mut() {
                        if let Err(e) = checkpoint(engine, w) {
                            fail(&failed, &e);
                        }
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(j) => j,
                Err(_) => break,
            }
        };
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let ops: Vec<Op> = jobs.iter_mut().flat_map(|j| std::mem::take(&mut j.ops)).collect();
        let prior_failure = failed.lock().clone();
        let result = match prior_failure {
            Some(e) => Err(kv::Error::StoreReadOnly(e)),
            None => match write_group(engine, wal.as_mut(), ops) {
                Ok(()) => Ok(()),
                // Nothing was written: the store stays writable.
                Err(GroupError::NotWritten(e)) => Err(e),
                Err(GroupError::Failed(e)) => Err(fail(&failed, &e)),
            },
        };
        for j in jobs {
            let _ = j.done.send(result.clone());
        }
    }
    // Stopping: sync the engine so a clean restart has nothing to replay.
    if let Some(w) = wal.as_mut() {
        if w.since_checkpoint() > 0 && failed.lock().is_none() {
            if let Err(e) = checkpoint(engine, w) {
                fail(&failed, &e);
            }
        }
    }
}

/// After a failed write or sync nothing more is written: reads go on, writes fail.
fn fail(failed: &Mutex<Option<String>>, e: &str) -> kv::Error {
    error!(error = %e, "durable write failed; the store is now read-only");
    *failed.lock() = Some(e.to_string());
    kv::Error::StoreReadOnly(e.to_string())
}

/// Why a group was not made durable.
enum GroupError {
    /// Nothing of it was written (the commit log could not grow): the store stays writable.
    NotWritten(kv::Error),
    /// A write or sync failed part-way: the store turns read-only.
    Failed(String),
}

impl From<String> for GroupError {
    fn from(e: String) -> Self {
        GroupError::Failed(e)
    }
}

/// Makes one group durable: through the log when there is one.
fn write_group(engine: &dyn Engine, wal: Option<&mut Wal>, ops: Vec<Op>) -> Result<(), GroupError> {
    let Some(wal) = wal else {
        return Ok(engine.write(ops, true).map_err(|e| e.to_string())?);
    };
    let payload = encode_ops(&ops);
    if payload.len() > Wal::max_payload() {
        // Too big for a log record: a synced engine write, which covers the log before it.
        engine.write(ops, true).map_err(|e| e.to_string())?;
        return Ok(checkpoint(engine, wal)?);
    }
    if wal.needs_checkpoint_for(payload.len()) {
        checkpoint(engine, wal)?;
    }
    wal.reserve(payload.len()).map_err(|e| match e {
        kv::Error::DiskFull(_) => GroupError::NotWritten(e),
        other => GroupError::Failed(other.to_string()),
    })?;
    wal.append_sync(&payload).map_err(|e| e.to_string())?;
    engine.write(ops, false).map_err(|e| e.to_string())?;
    if wal.since_checkpoint() >= CHECKPOINT_BYTES {
        checkpoint(engine, wal)?;
    }
    Ok(())
}

/// Flushes the engine's recent layer, syncs the engine (with everything written to it so far)
/// and records the log position that covers.
pub(crate) fn checkpoint(engine: &dyn Engine, wal: &mut Wal) -> Result<(), String> {
    engine.flush().map_err(|e| e.to_string())?;
    let at = Op::Put(Cf::Meta, WAL_CHECKPOINT_KEY.to_vec(), wal.end().to_be_bytes().to_vec());
    engine.write(vec![at], true).map_err(|e| e.to_string())?;
    wal.checkpointed();
    Ok(())
}
