//! What the session integration tests share.

use session::{Session, SessionManager};
use sql::sysvar::GlobalVars;

/// A session manager over a fresh store in a temporary directory, with GC off. The directory is
/// removed when this is dropped (after the manager: fields drop in declaration order).
pub struct TestDb {
    /// The manager over the store in `dir`.
    pub manager: SessionManager,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// A session of root from 127.0.0.1 with connection id `id`.
    pub fn session(&self, id: u64) -> Session {
        self.manager.new_session("root", "127.0.0.1", id)
    }
}

/// A fresh store and a session manager over it.
pub fn db() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = store_local::LocalStorage::open(
        dir.path(),
        store_local::LocalOptions { gc_interval: None, ..Default::default() },
    )
    .expect("store");
    let manager =
        SessionManager::new(GlobalVars::new(&[]), std::sync::Arc::new(store)).expect("catalog");
    TestDb { manager, _dir: dir }
}
