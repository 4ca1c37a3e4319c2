//! What the session integration tests share.

use session::SessionManager;
use sql::sysvar::GlobalVars;

/// A session manager over a fresh store in a temporary directory (kept until the test process
/// ends: the store holds its files open), with GC off.
pub fn manager() -> SessionManager {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = store_local::LocalStorage::open(
        dir.path(),
        store_local::LocalOptions { gc_interval: None, ..Default::default() },
    )
    .expect("store");
    std::mem::forget(dir);
    SessionManager::new(GlobalVars::new(&[]), std::sync::Arc::new(store)).expect("catalog")
}
