//! The server's BACKUP and RESTORE tasks (TiDB's BRIE queue): one runs at a time, the others
//! wait their turn; `SHOW BACKUPS` / `SHOW RESTORES` list queued, running and recently
//! finished ones with their progress.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use parking_lot::Mutex;

/// How long a finished task stays listed (TiDB: 30 minutes).
const KEEP_FINISHED: Duration = Duration::from_secs(30 * 60);

/// BACKUP or RESTORE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `BACKUP`.
    Backup,
    /// `RESTORE`.
    Restore,
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// How far a task is: the step it is in (`Wait`, `Backup`, `Restore`, `Checksum`) and units
/// done out of a total.
#[derive(Debug)]
pub struct Progress {
    step: Mutex<&'static str>,
    done: AtomicU64,
    total: AtomicU64,
}

impl Default for Progress {
    fn default() -> Self {
        Progress { step: Mutex::new("Wait"), done: AtomicU64::new(0), total: AtomicU64::new(1) }
    }
}

impl Progress {
    /// Starts step `step` with `total` units (at least one).
    pub fn start(&self, step: &'static str, total: u64) {
        *self.step.lock() = step;
        self.done.store(0, Ordering::Release);
        self.total.store(total.max(1), Ordering::Release);
    }

    /// `n` more units done.
    pub fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::AcqRel);
    }

    /// The step's name.
    pub fn step(&self) -> &'static str {
        *self.step.lock()
    }

    /// Percent done in the current step.
    pub fn percent(&self) -> f64 {
        let total = self.total.load(Ordering::Acquire).max(1);
        (100.0 * self.done.load(Ordering::Acquire) as f64 / total as f64).min(100.0)
    }
}

/// One task.
#[derive(Debug)]
pub struct Task {
    /// Its id (from 1).
    pub id: u64,
    /// BACKUP or RESTORE.
    pub kind: Kind,
    /// The archive's URL as shown.
    pub destination: String,
    /// The connection running it.
    pub connection: u64,
    /// When it was queued (µs since the epoch).
    pub queue_time: i64,
    /// Where it is.
    pub progress: Progress,
    times: Mutex<(Option<i64>, Option<i64>, Option<String>)>,
}

/// A task as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// Id.
    pub id: u64,
    /// Archive URL.
    pub destination: String,
    /// Step (`Wait`, `Backup`, `Restore`, `Checksum`, or `Finished`/`Failed` once done).
    pub state: String,
    /// Percent of the step done.
    pub progress: f64,
    /// Queued at (µs since the epoch).
    pub queue_time: i64,
    /// Started at, once it has.
    pub execution_time: Option<i64>,
    /// Finished at, once it has.
    pub finish_time: Option<i64>,
    /// Connection id.
    pub connection: u64,
    /// The error it failed with.
    pub message: Option<String>,
}

/// The server's tasks.
#[derive(Debug, Default)]
pub struct Tasks {
    next_id: AtomicU64,
    list: Mutex<Vec<Arc<Task>>>,
    runner: Mutex<()>,
}

impl Tasks {
    /// Queues a task.
    pub fn register(&self, kind: Kind, destination: &str, connection: u64) -> Arc<Task> {
        let task = Arc::new(Task {
            id: self.next_id.fetch_add(1, Ordering::AcqRel) + 1,
            kind,
            destination: destination.to_string(),
            connection,
            queue_time: now_micros(),
            progress: Progress::default(),
            times: Mutex::new((None, None, None)),
        });
        let mut list = self.list.lock();
        let cutoff = now_micros() - KEEP_FINISHED.as_micros() as i64;
        list.retain(|t| t.times.lock().1.is_none_or(|f| f >= cutoff));
        list.push(task.clone());
        task
    }

    /// Runs `work` for `task` once no other task runs (waiting in the `Wait` step meanwhile,
    /// asking `interrupted` every 50 ms whether to give up), and records how it ended.
    pub fn run<T>(
        &self,
        task: &Task,
        interrupted: &dyn Fn() -> errno::Result<()>,
        work: impl FnOnce() -> errno::Result<T>,
    ) -> errno::Result<T> {
        let result = (|| {
            let _turn = loop {
                if let Some(turn) = self.runner.try_lock_for(Duration::from_millis(50)) {
                    break turn;
                }
                interrupted()?;
            };
            task.times.lock().0 = Some(now_micros());
            work()
        })();
        let mut times = task.times.lock();
        times.1 = Some(now_micros());
        times.2 = result.as_ref().err().map(|e| e.message.clone());
        result
    }

    /// The tasks of one kind, oldest first.
    pub fn list(&self, kind: Kind) -> Vec<TaskRow> {
        self.list
            .lock()
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| {
                let (execution_time, finish_time, message) = t.times.lock().clone();
                let state = match (&finish_time, &message) {
                    (Some(_), Some(_)) => "Failed".to_string(),
                    (Some(_), None) => "Finished".to_string(),
                    _ => t.progress.step().to_string(),
                };
                let progress = if finish_time.is_some() && message.is_none() {
                    100.0
                } else {
                    t.progress.percent()
                };
                TaskRow {
                    id: t.id,
                    destination: t.destination.clone(),
                    state,
                    progress,
                    queue_time: t.queue_time,
                    execution_time,
                    finish_time,
                    connection: t.connection,
                    message,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_runs_at_a_time_and_the_waiting_one_can_give_up() {
        let tasks = Arc::new(Tasks::default());
        let a = tasks.register(Kind::Backup, "local:///a", 1);
        let b = tasks.register(Kind::Backup, "local:///b", 2);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let t2 = tasks.clone();
        let a2 = a.clone();
        let runner = std::thread::spawn(move || {
            t2.run(&a2, &|| Ok(()), || {
                a2.progress.start("Backup", 4);
                a2.progress.advance(1);
                let _ = started_tx.send(());
                let _ = release_rx.recv();
                Ok(7u32)
            })
        });
        started_rx.recv().expect("a started");
        let rows = tasks.list(Kind::Backup);
        assert_eq!(rows[0].state, "Backup");
        assert_eq!(rows[0].progress, 25.0);
        assert_eq!(rows[1].state, "Wait");
        assert!(rows[1].execution_time.is_none());
        // b waits for a; told to give up, it does.
        let killed = || Err(errno::Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
        let r = tasks.run(&b, &killed, || Ok(0));
        assert_eq!(r.map_err(|e| e.code), Err(1317));
        release_tx.send(()).expect("release");
        assert_eq!(runner.join().expect("join").map_err(|e| e.code), Ok(7));
        let rows = tasks.list(Kind::Backup);
        assert_eq!((rows[0].state.as_str(), rows[0].progress), ("Finished", 100.0));
        assert_eq!(rows[1].state, "Failed");
        assert_eq!(rows[1].message.as_deref(), Some("Query execution was interrupted"));
        assert!(tasks.list(Kind::Restore).is_empty());
    }
}
