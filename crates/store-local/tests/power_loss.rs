//! Power loss: only what was synced survives. A simulated machine keeps a "disk" image of the
//! engine and of the commit log that only synced writes reach; at a power loss a random prefix
//! of the unsynced engine batches and a torn prefix of an unsynced log write may also be on
//! disk, as on real hardware. The store reopened on that image must hold every acknowledged
//! commit, and each transaction whole or not at all.

use std::{
    collections::BTreeMap,
    ops::Bound,
    sync::{
        atomic::{AtomicBool, AtomicI64, Ordering},
        Arc, Mutex, MutexGuard,
    },
    thread,
    time::Duration,
};

use kv::{KeyRange, Storage, TxnOptions};
use store_local::{
    engine::{Bytes, Cf, Engine, EngineError, EngineIter, EngineSnapshot, Op},
    LocalOptions, LocalStorage, LogDir, LogSegment, LOG_SEGMENT_BYTES,
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A small deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// What synced writes reached: the engine's image and each log segment's bytes. One lock, so
/// a power loss sees both at one instant.
#[derive(Default, Clone)]
struct Disks {
    engine: Map,
    log: Vec<Option<Vec<u8>>>,
}

/// One simulated machine: an engine and a log directory over the same disks.
struct Machine {
    disks: Arc<Mutex<Disks>>,
    engine: Arc<VolatileEngine>,
    log: Arc<VolatileLog>,
}

impl Machine {
    fn new(image: Disks) -> Machine {
        let memory = image.engine.clone();
        let log = image.log.clone();
        let disks = Arc::new(Mutex::new(image));
        let segments = log
            .into_iter()
            .enumerate()
            .map(|(slot, d)| d.map(|d| Arc::new(VolatileSegment::new(slot, d, &disks))))
            .collect();
        Machine {
            engine: Arc::new(VolatileEngine {
                memory: Mutex::new(memory),
                unsynced: Mutex::default(),
                disks: disks.clone(),
            }),
            log: Arc::new(VolatileLog { segments: Mutex::new(segments), disks: disks.clone() }),
            disks,
        }
    }

    fn open(&self, opts: LocalOptions) -> LocalStorage {
        let log: Arc<dyn LogDir> = self.log.clone();
        LocalStorage::with_engine_and_log_dir(self.engine.clone(), Some(log), opts).expect("open")
    }

    /// The power goes: the disks as they are now, plus a random prefix of the unsynced engine
    /// batches and a random prefix of one unsynced log write (a torn write). `during` runs
    /// while the machine is frozen (to read which commits were acknowledged by then).
    fn power_loss(&self, rng: &mut Rng, during: impl FnOnce()) -> Disks {
        // Lock order everywhere: engine batches, then segments' pending writes, then disks.
        let unsynced = lock(&self.engine.unsynced);
        let segments: Vec<Arc<VolatileSegment>> =
            lock(&self.log.segments).iter().flatten().cloned().collect();
        let pending: Vec<_> = segments.iter().map(|s| lock(&s.pending)).collect();
        let mut disks = lock(&self.disks).clone();
        during();
        let kept = rng.below(unsynced.len() as u64 + 1) as usize;
        for batch in &unsynced[..kept] {
            apply(&mut disks.engine, batch);
        }
        let torn: Vec<(usize, &(u64, Vec<u8>))> = segments
            .iter()
            .zip(&pending)
            .flat_map(|(s, p)| p.iter().map(move |w| (s.slot, w)))
            .collect();
        if !torn.is_empty() {
            let (slot, (at, bytes)) = torn[rng.below(torn.len() as u64) as usize];
            let n = rng.below(bytes.len() as u64 + 1) as usize;
            if let Some(Some(image)) = disks.log.get_mut(slot) {
                image[*at as usize..*at as usize + n].copy_from_slice(&bytes[..n]);
            }
        }
        disks
    }
}

/// Reads see every write; the disk image gets writes only when a synced write flushes them.
struct VolatileEngine {
    memory: Mutex<Map>,
    unsynced: Mutex<Vec<Vec<Op>>>,
    disks: Arc<Mutex<Disks>>,
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
        let lower = match start {
            Bound::Included(s) => Bound::Included((id, s.to_vec())),
            Bound::Excluded(s) => Bound::Excluded((id, s.to_vec())),
            Bound::Unbounded => Bound::Included((id, Vec::new())),
        };
        let upper = match end {
            Bound::Included(e) => Bound::Included((id, e.to_vec())),
            Bound::Excluded(e) => Bound::Excluded((id, e.to_vec())),
            Bound::Unbounded => Bound::Excluded((id + 1, Vec::new())),
        };
        let mut items: Vec<_> = self
            .0
            .range((lower, upper))
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
        Box::new(MapSnapshot(lock(&self.memory).clone()))
    }

    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError> {
        apply(&mut lock(&self.memory), &ops);
        let mut unsynced = lock(&self.unsynced);
        unsynced.push(ops);
        if sync {
            let mut disks = lock(&self.disks);
            for batch in unsynced.drain(..) {
                apply(&mut disks.engine, &batch);
            }
        }
        Ok(())
    }

    fn disk_space(&self) -> u64 {
        0
    }
}

/// Log segments in memory; a segment's disk image gets its writes when it is synced.
struct VolatileLog {
    segments: Mutex<Vec<Option<Arc<VolatileSegment>>>>,
    disks: Arc<Mutex<Disks>>,
}

struct VolatileSegment {
    slot: usize,
    data: Mutex<Vec<u8>>,
    /// Writes since the last sync, in order.
    pending: Mutex<Vec<(u64, Vec<u8>)>>,
    disks: Arc<Mutex<Disks>>,
}

impl VolatileSegment {
    fn new(slot: usize, data: Vec<u8>, disks: &Arc<Mutex<Disks>>) -> VolatileSegment {
        VolatileSegment {
            slot,
            data: Mutex::new(data),
            pending: Mutex::default(),
            disks: disks.clone(),
        }
    }
}

/// A shared handle to a segment, as the log opens it.
struct SegmentHandle(Arc<VolatileSegment>);

impl LogDir for VolatileLog {
    fn open(&self, slot: usize, create: bool) -> std::io::Result<Option<Box<dyn LogSegment>>> {
        let mut segments = lock(&self.segments);
        if segments.len() <= slot {
            segments.resize(slot + 1, None);
        }
        if segments[slot].is_none() && create {
            // Created full-size and zero-filled, durably (as FsLogDir does).
            let zeros = vec![0u8; LOG_SEGMENT_BYTES as usize];
            let mut disks = lock(&self.disks);
            if disks.log.len() <= slot {
                disks.log.resize(slot + 1, None);
            }
            disks.log[slot] = Some(zeros.clone());
            drop(disks);
            segments[slot] = Some(Arc::new(VolatileSegment::new(slot, zeros, &self.disks)));
        }
        Ok(segments[slot]
            .as_ref()
            .map(|s| Box::new(SegmentHandle(s.clone())) as Box<dyn LogSegment>))
    }
}

impl LogSegment for SegmentHandle {
    fn write_all_at(&self, buf: &[u8], at: u64) -> std::io::Result<()> {
        let mut pending = lock(&self.0.pending);
        let mut data = lock(&self.0.data);
        let at = at as usize;
        data[at..at + buf.len()].copy_from_slice(buf);
        pending.push((at as u64, buf.to_vec()));
        Ok(())
    }

    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> std::io::Result<()> {
        let data = lock(&self.0.data);
        let at = at as usize;
        let src = data.get(at..at + buf.len()).ok_or(std::io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn sync_data(&self) -> std::io::Result<()> {
        let mut pending = lock(&self.0.pending);
        let mut disks = lock(&self.0.disks);
        if let Some(Some(image)) = disks.log.get_mut(self.0.slot) {
            for (at, bytes) in pending.drain(..) {
                image[at as usize..at as usize + bytes.len()].copy_from_slice(&bytes);
            }
        }
        Ok(())
    }
}

fn opts() -> LocalOptions {
    LocalOptions { gc_interval: None, ..Default::default() }
}

#[test]
fn acknowledged_commits_survive_losing_every_unsynced_engine_write() {
    let machine = Machine::new(Disks::default());
    let store = machine.open(opts());
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
    let image = lock(&machine.disks).clone();
    let versions = image.engine.keys().filter(|(cf, _)| *cf == cf_id(Cf::Write)).count();
    assert!(versions < 200, "the engine was synced; the log was not needed");
    drop(store);

    let survivor = Machine::new(image);
    let store = survivor.open(opts());
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
    let second = lock(&survivor.disks).clone();
    drop(store);
    let store = Machine::new(second).open(opts());
    let snap = store.snapshot(None).expect("snapshot");
    assert_eq!(snap.get(b"after").expect("get"), Some(b"1".to_vec()));
    assert_eq!(snap.get(b"key0001").expect("get"), Some(1u32.to_be_bytes().to_vec()));
    assert_eq!(snap.get(b"key0002").expect("get"), None);
}

const THREADS: usize = 4;
/// Keys each transaction writes; transaction `t` also deletes those of `t - KEEP`.
const KEYS: usize = 4;
const KEEP: i64 = 5;

fn data_key(thread: usize, t: i64, j: usize) -> Vec<u8> {
    format!("d/{thread}/{t:08}/{j}").into_bytes()
}

/// Transaction `t` of `thread`: its keys, the removal of `t - KEEP`'s, and the thread's counter.
fn run_txn(store: &LocalStorage, thread: usize, t: i64) -> kv::Result<()> {
    let mut txn = store.begin(TxnOptions::default())?;
    for j in 0..KEYS {
        txn.put(data_key(thread, t, j), t.to_be_bytes().to_vec())?;
        if t >= KEEP {
            txn.delete(data_key(thread, t - KEEP, j))?;
        }
    }
    txn.put(format!("c/{thread}").into_bytes(), t.to_be_bytes().to_vec())?;
    txn.commit().map(|_| ())
}

/// Checks the store holds, for each thread, exactly the state after some prefix of its
/// transactions that includes every acknowledged one; returns each thread's last transaction.
fn check_state(store: &LocalStorage, acked: &[i64]) -> Vec<i64> {
    let snap = store.snapshot(None).expect("snapshot");
    let all = snap.scan(&KeyRange::prefix(b"d/"), usize::MAX, false).expect("scan");
    let mut last = Vec::new();
    for (thread, &acked) in acked.iter().enumerate() {
        let counter = snap.get(format!("c/{thread}").as_bytes()).expect("get");
        let l = counter.map_or(-1, |v| i64::from_be_bytes(v.try_into().expect("8 bytes")));
        assert!(
            l >= acked,
            "thread {thread}: last surviving transaction {l}, acknowledged {acked}"
        );
        let want: Vec<(Vec<u8>, Vec<u8>)> = ((l - KEEP + 1).max(0)..=l)
            .flat_map(|t| {
                (0..KEYS).map(move |j| (data_key(thread, t, j), t.to_be_bytes().to_vec()))
            })
            .collect();
        let prefix = format!("d/{thread}/").into_bytes();
        let got: Vec<(Vec<u8>, Vec<u8>)> = all
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(got, want, "thread {thread}: the state after its transaction {l}");
        last.push(l);
    }
    last
}

#[test]
fn concurrent_commits_with_gc_survive_power_loss_at_random_instants() {
    let mut rng = Rng(0x5eed_f00d);
    let opts = LocalOptions {
        gc_interval: Some(Duration::from_millis(5)),
        gc_life_time: Duration::ZERO,
        ..Default::default()
    };
    let mut disks = Disks::default();
    let mut next = [0i64; THREADS];
    let mut checked = 0;
    for round in 0..8 {
        let machine = Machine::new(disks);
        let store = Arc::new(machine.open(opts.clone()));
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Arc<Vec<AtomicI64>> =
            Arc::new((0..THREADS).map(|t| AtomicI64::new(next[t] - 1)).collect());
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (store, stop, acked) = (store.clone(), stop.clone(), acked.clone());
                let mut t = next[thread];
                thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        match run_txn(&store, thread, t) {
                            Ok(()) => {
                                acked[thread].store(t, Ordering::SeqCst);
                                t += 1;
                            }
                            // A write conflict cannot happen (threads write apart); retry anyway.
                            Err(e) => panic!("thread {thread} transaction {t}: {e}"),
                        }
                    }
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(50 + rng.below(250)));
        let mut acked_at_loss = vec![0i64; THREADS];
        let image = machine.power_loss(&mut rng, || {
            for (i, a) in acked.iter().enumerate() {
                acked_at_loss[i] = a.load(Ordering::SeqCst);
            }
        });
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.join().expect("worker");
        }
        drop(store);

        let survivor = Machine::new(image.clone());
        let store = survivor.open(opts.clone());
        let last = check_state(&store, &acked_at_loss);
        checked += last.iter().zip(&next).map(|(l, n)| (l - n + 1).max(0)).sum::<i64>();
        assert!(last.iter().zip(&next).any(|(l, n)| l >= n), "round {round}: no progress");
        for (n, l) in next.iter_mut().zip(&last) {
            *n = l + 1;
        }
        drop(store);
        // The next round starts from the recovered machine's disks.
        disks = lock(&survivor.disks).clone();
    }
    eprintln!("power loss: {checked} transactions checked over 8 rounds");
    assert!(checked > 100, "only {checked} transactions checked");
}
