//! I/O failures: a failed durable write turns the store read-only instead of corrupting it.

use std::{
    ops::Bound,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use kv::{Storage, TxnOptions};
use store_local::{
    engine::{Cf, Engine, EngineError, EngineSnapshot, FjallEngine, Op},
    LocalOptions, LocalStorage,
};

/// Wraps a real engine; once `fail` is set, every write fails as a full disk would.
struct FailingEngine {
    inner: FjallEngine,
    fail: Arc<AtomicBool>,
}

impl Engine for FailingEngine {
    fn snapshot(&self) -> Box<dyn EngineSnapshot + '_> {
        self.inner.snapshot()
    }

    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(EngineError::Engine("No space left on device (os error 28)".into()));
        }
        self.inner.write(ops, sync)
    }

    fn disk_space(&self) -> u64 {
        self.inner.disk_space()
    }
}

#[test]
fn failed_write_makes_the_store_read_only_and_keeps_committed_data() {
    let dir = tempfile::tempdir().expect("tmp");
    let fail = Arc::new(AtomicBool::new(false));
    let engine =
        FailingEngine { inner: FjallEngine::open(dir.path()).expect("open"), fail: fail.clone() };
    let store = LocalStorage::with_engine(
        Arc::new(engine),
        LocalOptions { gc_interval: None, ..Default::default() },
    )
    .expect("store");
    let mut t = store.begin(TxnOptions::default()).expect("begin");
    t.put(b"kept".to_vec(), b"1".to_vec()).expect("put");
    t.commit().expect("commit before the fault");

    fail.store(true, Ordering::SeqCst);
    let mut t =
        store.begin(TxnOptions::default()).expect("begin still works (timestamps in window)");
    t.put(b"lost".to_vec(), b"2".to_vec()).expect("buffered");
    assert!(matches!(t.commit(), Err(kv::Error::StoreReadOnly(_))));
    assert!(store.read_only_reason().is_some_and(|r| r.contains("No space left")));

    // Later writes are refused up front, even after the disk recovers, until a restart.
    fail.store(false, Ordering::SeqCst);
    let mut t = store.begin(TxnOptions::default()).expect("begin");
    assert!(matches!(t.put(b"x".to_vec(), b"3".to_vec()), Err(kv::Error::StoreReadOnly(_))));

    // Reads go on and see only committed data.
    let snap = store.snapshot(None).expect("snapshot");
    assert_eq!(snap.get(b"kept").expect("get"), Some(b"1".to_vec()));
    assert_eq!(snap.get(b"lost").expect("get"), None);
    drop((t, snap, store));

    // After a restart on a healthy disk the store is writable again and lost nothing committed.
    let engine = FjallEngine::open(dir.path()).expect("reopen");
    let versions: Vec<_> =
        engine.snapshot().range(Cf::Write, Bound::Unbounded, Bound::Unbounded, false).collect();
    assert_eq!(versions.len(), 1, "only the committed version is on disk");
}
