//! The server's connections as `KILL` and `SHOW PROCESSLIST` see them: who owns each, what it
//! is doing, and how to stop it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use errno::{Error, Result};
use sql::{processes::ProcessInfo, KillFlag};

/// Wakes a connection that waits for its next command, so a killed one closes at once.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What a connection is doing, kept up to date by its session.
#[derive(Debug, Clone)]
pub struct Activity {
    /// `Sleep`, `Query` or `Execute`.
    pub command: &'static str,
    /// When the current command (or idleness) began.
    pub since: Instant,
    /// The running statement's text.
    pub info: Option<String>,
    /// Current database.
    pub db: Option<String>,
    /// Whether a transaction is open.
    pub in_txn: bool,
    /// Client `ip:port`.
    pub host: String,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            command: "Sleep",
            since: Instant::now(),
            info: None,
            db: None,
            in_txn: false,
            host: String::new(),
        }
    }
}

/// A session's handle on its own process-list entry.
pub type ActivityHandle = Arc<parking_lot::Mutex<Activity>>;

struct Entry {
    user: String,
    kill: Arc<KillFlag>,
    waker: Option<Waker>,
    activity: ActivityHandle,
}

/// Every open session of one server, by connection id.
#[derive(Default)]
pub struct ProcessList {
    entries: Mutex<HashMap<u64, Entry>>,
}

impl std::fmt::Debug for ProcessList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessList").field("connections", &self.lock().len()).finish()
    }
}

impl sql::processes::ProcessSource for ProcessList {
    fn processes(&self) -> Vec<ProcessInfo> {
        let map = self.lock();
        map.iter()
            .map(|(id, e)| {
                let a = e.activity.lock().clone();
                let digest = a
                    .info
                    .as_deref()
                    .and_then(sql::frontend::parameterize::digest)
                    .unwrap_or_default();
                ProcessInfo {
                    id: *id,
                    user: e.user.clone(),
                    host: a.host,
                    db: a.db,
                    command: a.command,
                    time: a.since.elapsed().as_secs(),
                    state: if a.in_txn { "in transaction" } else { "autocommit" },
                    info: a.info,
                    digest,
                }
            })
            .collect()
    }
}

impl ProcessList {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        // A panic elsewhere cannot leave the map half-written: every update is one call.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds connection `id` of `user` from `host`; answers the handle its session keeps the
    /// entry's activity current through.
    pub fn register(&self, id: u64, user: &str, host: &str, kill: Arc<KillFlag>) -> ActivityHandle {
        let activity: ActivityHandle = Arc::new(parking_lot::Mutex::new(Activity {
            host: host.to_string(),
            ..Activity::default()
        }));
        let entry = Entry { user: user.to_string(), kill, waker: None, activity: activity.clone() };
        self.lock().insert(id, entry);
        activity
    }

    /// Removes connection `id`.
    pub fn unregister(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Sets what wakes connection `id` when it is killed while idle.
    pub fn set_waker(&self, id: u64, waker: Waker) {
        if let Some(e) = self.lock().get_mut(&id) {
            e.waker = Some(waker);
        }
    }

    /// `KILL [QUERY] id` issued by `user`: 1094 for an unknown id, 1095 for another user's
    /// connection unless `any` (the issuer holds SUPER or CONNECTION_ADMIN).
    pub fn kill(&self, user: &str, id: u64, query_only: bool, any: bool) -> Result<()> {
        let waker = {
            let map = self.lock();
            let e = map.get(&id).ok_or_else(|| Error::fmt(errno::ER_NO_SUCH_THREAD, &[&id]))?;
            if !any && e.user != user {
                return Err(Error::fmt(errno::ER_KILL_DENIED, &[&id]));
            }
            if query_only {
                e.kill.kill_query();
                None
            } else {
                e.kill.kill_connection();
                e.waker.clone()
            }
        };
        if let Some(w) = waker {
            w();
        }
        Ok(())
    }
}
