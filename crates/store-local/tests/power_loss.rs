//! Power loss: only what was synced survives. An in-memory engine keeps a "disk" image that only
//! synced writes reach; after commits acknowledged through the commit log, the store is reopened
//! on that image and must hold every acknowledged commit (replayed from the log).

use std::{
    collections::BTreeMap,
    ops::Bound,
    sync::{Arc, Mutex},
};

use kv::{Storage, TxnOptions};
use store_local::{
    engine::{Bytes, Cf, Engine, EngineError, EngineIter, EngineSnapshot, Op},
    LocalOptions, LocalStorage,
};

type Map = BTreeMap<(u8, Vec<u8>), Vec<u8>>;

fn cf_id(cf: Cf) -> u8 {
    match cf {
        Cf::Write => 0,
        Cf::Meta => 1,
    }
}

fn apply(map: &mut Map, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Put(cf, k, v) => {
                map.insert((cf_id(*cf), k.clone()), v.clone());
            }
            Op::Delete(cf, k) => {
                map.remove(&(cf_id(*cf), k.clone()));
            }
        }
    }
}

/// Reads see every write; the disk image gets writes only when a synced write flushes them.
#[derive(Default)]
struct VolatileEngine {
    memory: Mutex<Map>,
    unsynced: Mutex<Vec<Op>>,
    disk: Mutex<Map>,
}

impl VolatileEngine {
    /// The engine as it comes back after the power returns.
    fn after_power_loss(&self) -> VolatileEngine {
        let disk = self.disk.lock().expect("disk").clone();
        VolatileEngine {
            memory: Mutex::new(disk.clone()),
            disk: Mutex::new(disk),
            ..Default::default()
        }
    }

    /// Versions on the disk image.
    fn durable_versions(&self) -> usize {
        self.disk.lock().expect("disk").keys().filter(|(cf, _)| *cf == cf_id(Cf::Write)).count()
    }
}

struct MapSnapshot(Map);

impl EngineSnapshot for MapSnapshot {
    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        Ok(self.0.get(&(cf_id(cf), key.to_vec())).cloned())
    }

    fn range(
        &self,
        cf: Cf,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
    ) -> EngineIter<'_> {
        let id = cf_id(cf);
        let inside = move |k: &[u8]| {
            (match start {
                Bound::Included(s) => k >= s,
                Bound::Excluded(s) => k > s,
                Bound::Unbounded => true,
            }) && (match end {
                Bound::Included(e) => k <= e,
                Bound::Excluded(e) => k < e,
                Bound::Unbounded => true,
            })
        };
        let mut items: Vec<_> = self
            .0
            .iter()
            .filter(|((c, k), _)| *c == id && inside(k))
            .map(|((_, k), v)| Ok((Bytes::from(k.as_slice()), Bytes::from(v.as_slice()))))
            .collect();
        if reverse {
            items.reverse();
        }
        Box::new(items.into_iter())
    }
}

impl Engine for VolatileEngine {
    fn snapshot(&self) -> Box<dyn EngineSnapshot + '_> {
        Box::new(MapSnapshot(self.memory.lock().expect("memory").clone()))
    }

    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError> {
        apply(&mut self.memory.lock().expect("memory"), &ops);
        let mut unsynced = self.unsynced.lock().expect("unsynced");
        unsynced.extend(ops);
        if sync {
            apply(&mut self.disk.lock().expect("disk"), &unsynced);
            unsynced.clear();
        }
        Ok(())
    }

    fn disk_space(&self) -> u64 {
        0
    }
}

fn opts() -> LocalOptions {
    LocalOptions { gc_interval: None, ..Default::default() }
}

#[test]
fn acknowledged_commits_survive_losing_every_unsynced_engine_write() {
    let log = tempfile::tempdir().expect("tmp");
    let engine = Arc::new(VolatileEngine::default());
    let store =
        LocalStorage::with_engine_and_log(engine.clone(), Some(log.path()), opts()).expect("open");
    for i in 0..200u32 {
        let mut t = store.begin(TxnOptions::default()).expect("begin");
        t.put(format!("key{i:04}").into_bytes(), i.to_be_bytes().to_vec()).expect("put");
        if i % 3 == 0 && i > 0 {
            t.delete(format!("key{:04}", i - 1).into_bytes()).expect("delete");
        }
        t.commit().expect("commit");
    }
    // The commits are durable in the log only: the engine's disk image lacks them (they sit in
    // the recent layer, not yet checkpointed).
    let survivor = engine.after_power_loss();
    assert!(survivor.durable_versions() < 200, "the engine was synced; the log was not needed");
    drop(store);

    let survivor = Arc::new(survivor);
    let store = LocalStorage::with_engine_and_log(survivor.clone(), Some(log.path()), opts())
        .expect("reopen");
    let snap = store.snapshot(None).expect("snapshot");
    for i in 0..200u32 {
        let deleted = (i + 1) % 3 == 0 && i + 1 < 200;
        let want = (!deleted).then(|| i.to_be_bytes().to_vec());
        assert_eq!(snap.get(format!("key{i:04}").as_bytes()).expect("get"), want, "key{i:04}");
    }
    drop(snap);
    // New commits after recovery land after the replayed ones and survive a second loss.
    let mut t = store.begin(TxnOptions::default()).expect("begin");
    t.put(b"after".to_vec(), b"1".to_vec()).expect("put");
    t.commit().expect("commit");
    let second = survivor.after_power_loss();
    drop(store);
    let store = LocalStorage::with_engine_and_log(Arc::new(second), Some(log.path()), opts())
        .expect("open");
    let snap = store.snapshot(None).expect("snapshot");
    assert_eq!(snap.get(b"after").expect("get"), Some(b"1".to_vec()));
    assert_eq!(snap.get(b"key0001").expect("get"), Some(1u32.to_be_bytes().to_vec()));
    assert_eq!(snap.get(b"key0002").expect("get"), None);
}
