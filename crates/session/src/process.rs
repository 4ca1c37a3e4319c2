//! The server's connections as `KILL` sees them: who owns each, and how to stop it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use errno::{Error, Result};
use sql::KillFlag;

/// Wakes a connection that waits for its next command, so a killed one closes at once.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

struct Entry {
    user: String,
    kill: Arc<KillFlag>,
    waker: Option<Waker>,
}

/// Every open session of one server, by connection id.
#[derive(Default)]
pub struct ProcessList {
    entries: Mutex<HashMap<u64, Entry>>,
}

impl ProcessList {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        // A panic elsewhere cannot leave the map half-written: every update is one call.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds connection `id` of `user`.
    pub fn register(&self, id: u64, user: &str, kill: Arc<KillFlag>) {
        self.lock().insert(id, Entry { user: user.to_string(), kill, waker: None });
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
