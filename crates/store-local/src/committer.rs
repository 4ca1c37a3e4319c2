//! Group commit: one thread turns many transactions' commit batches into one atomic engine
//! write with one `fdatasync`, then acknowledges each of them.
//!
//! // #[PerformanceCriticalPath]: every durable commit waits here.

use std::{sync::Arc, thread};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use parking_lot::Mutex;
use tracing::error;

use crate::engine::{Engine, Op};

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
    /// Starts the thread.
    pub fn start(engine: Arc<dyn Engine>) -> Self {
        let (tx, rx) = unbounded::<Job>();
        let failed = Arc::new(Mutex::new(None));
        let f = failed.clone();
        let thread = thread::Builder::new()
            .name("ferrodb-committer".into())
            .spawn(move || run(engine, rx, f))
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

fn run(engine: Arc<dyn Engine>, rx: Receiver<Job>, failed: Arc<Mutex<Option<String>>>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let ops: Vec<Op> = jobs.iter_mut().flat_map(|j| std::mem::take(&mut j.ops)).collect();
        let prior_failure = failed.lock().clone();
        let result = if let Some(e) = prior_failure {
            Err(kv::Error::StoreReadOnly(e))
        } else {
            engine.write(ops, true).map_err(|e| {
                // After a failed write or sync nothing more is written: reads go on, writes fail.
                error!(error = %e, "durable write failed; the store is now read-only");
                *failed.lock() = Some(e.to_string());
                kv::Error::StoreReadOnly(e.to_string())
            })
        };
        for j in jobs {
            let _ = j.done.send(result.clone());
        }
    }
}
