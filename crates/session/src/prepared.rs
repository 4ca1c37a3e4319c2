//! A session's prepared statements: those of the binary protocol (COM_STMT_*, by id) and those
//! of SQL `PREPARE name FROM …` (by name), counted against `max_prepared_stmt_count` across
//! the server.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
};

use errno::{Error, Result};
use sql::prepare::Prepared;

/// The statements one session has prepared.
pub(crate) struct PreparedStore {
    by_id: HashMap<u32, Arc<Prepared>>,
    by_name: HashMap<String, Arc<Prepared>>,
    next_id: u32,
    /// Prepared statements of every session of the server.
    server_count: Arc<AtomicI64>,
}

impl PreparedStore {
    pub(crate) fn new(server_count: Arc<AtomicI64>) -> Self {
        PreparedStore { by_id: HashMap::new(), by_name: HashMap::new(), next_id: 1, server_count }
    }

    /// Takes one place under `max` (`-1`: no limit), or error 1461.
    fn reserve(&self, max: i64) -> Result<()> {
        let now = self.server_count.fetch_add(1, Ordering::Relaxed);
        if max >= 0 && now >= max {
            self.server_count.fetch_sub(1, Ordering::Relaxed);
            return Err(Error::fmt(errno::ER_MAX_PREPARED_STMT_COUNT_REACHED, &[&max]));
        }
        Ok(())
    }

    fn release(&self, n: usize) {
        self.server_count.fetch_sub(n as i64, Ordering::Relaxed);
    }

    /// Keeps `p` under a new id.
    pub(crate) fn add(&mut self, p: Prepared, max: i64) -> Result<u32> {
        self.reserve(max)?;
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.by_id.insert(id, Arc::new(p));
        Ok(id)
    }

    /// Keeps `p` as `name`, replacing a statement of that name.
    pub(crate) fn add_named(&mut self, name: &str, p: Prepared, max: i64) -> Result<()> {
        if self.by_name.remove(name).is_some() {
            self.release(1);
        }
        self.reserve(max)?;
        self.by_name.insert(name.to_string(), Arc::new(p));
        Ok(())
    }

    /// The statement with `id`.
    pub(crate) fn get(&self, id: u32) -> Option<Arc<Prepared>> {
        self.by_id.get(&id).cloned()
    }

    /// The statement named `name`.
    pub(crate) fn get_named(&self, name: &str) -> Option<Arc<Prepared>> {
        self.by_name.get(name).cloned()
    }

    /// Forgets statement `id`; whether it existed.
    pub(crate) fn remove(&mut self, id: u32) -> bool {
        let found = self.by_id.remove(&id).is_some();
        if found {
            self.release(1);
        }
        found
    }

    /// Forgets the statement named `name`; whether it existed.
    pub(crate) fn remove_named(&mut self, name: &str) -> bool {
        let found = self.by_name.remove(name).is_some();
        if found {
            self.release(1);
        }
        found
    }

    /// Forgets every statement (COM_RESET_CONNECTION, disconnect).
    pub(crate) fn clear(&mut self) {
        self.release(self.by_id.len() + self.by_name.len());
        self.by_id.clear();
        self.by_name.clear();
    }
}

impl Drop for PreparedStore {
    fn drop(&mut self) {
        self.clear();
    }
}

/// What COM_STMT_PREPARE answers: the statement's id, its parameter count and the columns of
/// its result (empty when it has none, or when they are known only once it runs).
#[derive(Debug, Clone)]
pub struct PrepareInfo {
    /// The id later commands name.
    pub id: u32,
    /// How many `?` parameters it takes.
    pub params: usize,
    /// Its result's columns.
    pub columns: Vec<types::ResultColumn>,
}
