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

/// A log directory whose new segments cannot be created while `full` is set (a full disk).
struct FullDisk {
    inner: store_local::FsLogDir,
    full: Arc<AtomicBool>,
}

impl store_local::LogDir for FullDisk {
    fn open(
        &self,
        slot: usize,
        create: bool,
    ) -> std::io::Result<Option<Box<dyn store_local::LogSegment>>> {
        if create && self.full.load(Ordering::SeqCst) {
            if let Some(existing) = self.inner.open(slot, false)? {
                return Ok(Some(existing));
            }
            return Err(std::io::Error::from_raw_os_error(28));
        }
        self.inner.open(slot, create)
    }
}

#[test]
fn a_commit_log_that_cannot_grow_refuses_the_write_and_the_store_stays_writable() {
    let dir = tempfile::tempdir().expect("tmp");
    let full = Arc::new(AtomicBool::new(true));
    let log = FullDisk {
        inner: store_local::FsLogDir::new(&dir.path().join("wal")).expect("log dir"),
        full: full.clone(),
    };
    let engine = FjallEngine::open(&dir.path().join("engine")).expect("open");
    let opts = LocalOptions { gc_interval: None, ..Default::default() };
    let store = LocalStorage::with_engine_and_log_dir(Arc::new(engine), Some(Arc::new(log)), opts)
        .expect("store");
    let mut t = store.begin(TxnOptions::default()).expect("begin");
    t.put(b"first".to_vec(), b"1".to_vec()).expect("put");
    let err = t.commit().expect_err("no segment can be created");
    assert!(matches!(err, kv::Error::DiskFull(_)), "{err}");
    assert!(store.read_only_reason().is_none(), "the store stays writable");

    // Space returns: the same write succeeds, and nothing of the refused one is there.
    full.store(false, Ordering::SeqCst);
    let snap = store.snapshot(None).expect("snapshot");
    assert_eq!(snap.get(b"first").expect("get"), None);
    drop(snap);
    let mut t = store.begin(TxnOptions::default()).expect("begin");
    t.put(b"first".to_vec(), b"1".to_vec()).expect("put");
    t.commit().expect("commit once space returned");
    let snap = store.snapshot(None).expect("snapshot");
    assert_eq!(snap.get(b"first").expect("get"), Some(b"1".to_vec()));
}
