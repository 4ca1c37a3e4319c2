//! Recent versions: an MVCC-aware memtable in front of the engine.
//!
//! Commits land here (after their commit-log sync) instead of in the engine. A hot row updated
//! thousands of times would otherwise leave thousands of versions in the engine's memtable
//! until GC, and every range scan over it would step through all of them (sysbench
//! read_write: a third of the server's time). Here each insert drops the versions of its key
//! that no reader can see any more — all but the newest, and for each live read timestamp
//! ([`Readers::descending`]) the newest at or below it — so a key keeps a handful, even while
//! a long query holds an old snapshot. At each commit-log checkpoint
//! the layer is written to the engine (pruned again) and replaced by an empty one; until then
//! the commit log holds it durably, and recovery replays the log.
//!
//! Readers see the union: [`RecentEngine::snapshot`] takes the current layer, then an engine
//! snapshot. A flush writes the layer to the engine before swapping it out, so a reader holds
//! either the old layer (and may also find its versions in the engine: the merge drops
//! duplicates) or the new one with an engine snapshot that already has them.
//!
//! ```text
//!   commit ──▶ wal sync ──▶ layer (SkipMap, pruned per key) ──checkpoint──▶ engine (fjall)
//!   read   ──▶ merge(layer range, engine range)
//! ```

use std::{
    cmp::Ordering,
    iter::Peekable,
    ops::{Bound, RangeBounds},
    sync::Arc,
};

use crossbeam_skiplist::SkipMap;
use parking_lot::{Mutex, RwLock};

use crate::{
    engine::{Bytes, Cf, Engine, EngineError, EngineIter, EngineSnapshot, Op},
    readers::Readers,
};

/// Bytes of a version key's timestamp suffix.
const TS_BYTES: usize = 8;

/// One generation of recent versions: version key → write record.
#[derive(Default)]
struct Layer {
    map: SkipMap<Bytes, Bytes>,
}

/// The commit timestamp in a version key's suffix.
fn commit_ts(version_key: &[u8]) -> Option<u64> {
    let at = version_key.len().checked_sub(TS_BYTES)?;
    let suffix: [u8; TS_BYTES] = version_key[at..].try_into().ok()?;
    Some(!u64::from_be_bytes(suffix))
}

/// Which versions of one key stay readable, fed its versions newest first: the newest (what
/// every future reader sees) and, for each live reader, the newest at or below its timestamp.
struct Keep<'r> {
    /// Live read timestamps, descending, not yet matched to a version.
    readers: &'r [u64],
    first: bool,
}

impl<'r> Keep<'r> {
    fn new(readers: &'r [u64]) -> Self {
        Keep { readers, first: true }
    }

    fn next(&mut self, ts: u64) -> bool {
        let seen = self.readers.iter().take_while(|&&r| r >= ts).count();
        self.readers = &self.readers[seen..];
        std::mem::replace(&mut self.first, false) || seen > 0
    }
}

impl Layer {
    /// Inserts one version and drops the versions of its key no reader in `readers`
    /// (descending) nor a future one can see.
    fn insert(&self, key: Vec<u8>, value: Vec<u8>, readers: &[u64]) {
        let Some(user_len) = key.len().checked_sub(TS_BYTES) else {
            self.map.insert(Bytes::from(key.as_slice()), Bytes::from(value.as_slice()));
            return;
        };
        let mut first = key[..user_len].to_vec();
        first.extend_from_slice(&[0; TS_BYTES]);
        let mut last = key[..user_len].to_vec();
        last.extend_from_slice(&[0xff; TS_BYTES]);
        self.map.insert(Bytes::from(key.as_slice()), Bytes::from(value.as_slice()));
        let mut keep = Keep::new(readers);
        let versions = (Bound::Included(first.as_slice()), Bound::Included(last.as_slice()));
        for entry in self.map.range::<[u8], _>(versions) {
            if let Some(ts) = commit_ts(entry.key()) {
                if !keep.next(ts) {
                    entry.remove();
                }
            }
        }
    }

    /// The versions still readable by `readers` (descending) or a future reader, in key order,
    /// as engine puts.
    fn pruned_puts(&self, readers: &[u64]) -> Vec<Op> {
        let mut ops = Vec::new();
        let mut user: Vec<u8> = Vec::new();
        let mut keep = Keep::new(readers);
        for entry in self.map.iter() {
            let key = entry.key();
            let (this_user, ts) = match commit_ts(key) {
                Some(ts) => (&key[..key.len() - TS_BYTES], ts),
                None => (&key[..], u64::MAX),
            };
            if this_user != user.as_slice() {
                user = this_user.to_vec();
                keep = Keep::new(readers);
            }
            if keep.next(ts) {
                ops.push(Op::Put(Cf::Write, key.to_vec(), entry.value().to_vec()));
            }
        }
        ops
    }
}

/// An engine with a layer of recent versions in front (see the module docs).
pub struct RecentEngine {
    base: Arc<dyn Engine>,
    layer: RwLock<Arc<Layer>>,
    readers: Arc<Readers>,
    /// Serializes writes and flushes.
    writer: Mutex<()>,
}

impl RecentEngine {
    /// `base` behind an empty layer; `readers` bound which versions stay readable.
    pub fn new(base: Arc<dyn Engine>, readers: Arc<Readers>) -> Self {
        RecentEngine {
            base,
            layer: RwLock::new(Arc::new(Layer::default())),
            readers,
            writer: Mutex::new(()),
        }
    }
}

impl Engine for RecentEngine {
    fn snapshot(&self) -> Box<dyn EngineSnapshot + '_> {
        // Layer first, then the engine: see the module docs.
        let layer = self.layer.read().clone();
        Box::new(RecentSnapshot { layer, base: self.base.snapshot() })
    }

    /// Unsynced version puts go to the layer; everything else (synced writes, metadata) to the
    /// engine. A deleted version leaves the layer, or the engine when it was not in the layer.
    fn write(&self, ops: Vec<Op>, sync: bool) -> Result<(), EngineError> {
        // The readers are asked only for unsynced writes: a reader's begin writes the timestamp
        // oracle's mark (synced) while it registers. Asked before the writer lock: every version
        // in `ops` has its timestamp already, so a reader registered later gets a newer one.
        let readers = if sync { Vec::new() } else { self.readers.descending() };
        let _writing = self.writer.lock();
        let layer = self.layer.read().clone();
        let mut base_ops = Vec::new();
        for op in ops {
            match op {
                Op::Put(Cf::Write, k, v) if !sync => layer.insert(k, v, &readers),
                Op::Delete(Cf::Write, k) => {
                    if layer.map.remove(k.as_slice()).is_none() {
                        base_ops.push(Op::Delete(Cf::Write, k));
                    }
                }
                op => base_ops.push(op),
            }
        }
        if base_ops.is_empty() && !sync {
            return Ok(());
        }
        self.base.write(base_ops, sync)
    }

    /// Writes the layer's readable versions to the engine (unsynced: the next synced write
    /// covers them) and starts an empty layer.
    fn flush(&self) -> Result<(), EngineError> {
        let readers = self.readers.descending();
        let _writing = self.writer.lock();
        let layer = self.layer.read().clone();
        if layer.map.is_empty() {
            return Ok(());
        }
        let ops = layer.pruned_puts(&readers);
        self.base.write(ops, false)?;
        *self.layer.write() = Arc::new(Layer::default());
        Ok(())
    }

    fn disk_space(&self) -> u64 {
        self.base.disk_space()
    }
}

/// A read view: one layer and an engine snapshot taken after it.
struct RecentSnapshot<'a> {
    layer: Arc<Layer>,
    base: Box<dyn EngineSnapshot + 'a>,
}

/// Owned bounds over `[u8]` keys (the skip list keeps the range it iterates).
struct OwnedRange(Bound<Vec<u8>>, Bound<Vec<u8>>);

impl RangeBounds<[u8]> for OwnedRange {
    fn start_bound(&self) -> Bound<&[u8]> {
        crate::as_ref(&self.0)
    }

    fn end_bound(&self) -> Bound<&[u8]> {
        crate::as_ref(&self.1)
    }
}

fn owned(b: Bound<&[u8]>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl EngineSnapshot for RecentSnapshot<'_> {
    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        if cf == Cf::Write {
            if let Some(entry) = self.layer.map.get(key) {
                return Ok(Some(entry.value().to_vec()));
            }
        }
        self.base.get(cf, key)
    }

    fn range(
        &self,
        cf: Cf,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
    ) -> EngineIter<'_> {
        let base = self.base.range(cf, start, end, reverse);
        if cf != Cf::Write {
            return base;
        }
        if self.layer.map.range::<[u8], _>((start, end)).next().is_none() {
            // Nothing recent here (a commit landing from now on is newer than any reader
            // that could use this view: readers wait for commits below their timestamp).
            return base;
        }
        let entries = self.layer.map.range::<[u8], _>(OwnedRange(owned(start), owned(end)));
        let recent: Box<dyn Iterator<Item = (Bytes, Bytes)> + '_> = if reverse {
            Box::new(entries.rev().map(|e| (e.key().clone(), e.value().clone())))
        } else {
            Box::new(entries.map(|e| (e.key().clone(), e.value().clone())))
        };
        Box::new(Merge { recent: recent.peekable(), base: base.peekable(), reverse })
    }
}

/// Two ordered iterators as one, the recent side winning on equal keys.
struct Merge<'a> {
    recent: Peekable<Box<dyn Iterator<Item = (Bytes, Bytes)> + 'a>>,
    base: Peekable<EngineIter<'a>>,
    reverse: bool,
}

impl Iterator for Merge<'_> {
    type Item = Result<(Bytes, Bytes), EngineError>;

    fn next(&mut self) -> Option<Self::Item> {
        let from_recent = match (self.recent.peek(), self.base.peek()) {
            (None, _) => false,
            (Some(_), None) => true,
            // An engine error surfaces at once.
            (Some(_), Some(Err(_))) => false,
            (Some((rk, _)), Some(Ok((bk, _)))) => {
                let order = rk.as_ref().cmp(bk.as_ref());
                match if self.reverse { order.reverse() } else { order } {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => {
                        self.base.next();
                        true
                    }
                }
            }
        };
        if from_recent {
            self.recent.next().map(Ok)
        } else {
            self.base.next()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use kv::KeyRange;

    use super::*;
    use crate::{
        engine::FjallEngine,
        keys::version_key,
        mvcc,
        record::{WriteKind, WriteRecord},
    };

    /// `(commit_ts, value or None for a delete)` of one key, oldest first.
    type Versions = Vec<(u64, Option<Vec<u8>>)>;

    fn open() -> (tempfile::TempDir, Arc<Readers>, RecentEngine) {
        let dir = tempfile::tempdir().expect("tempdir");
        let base: Arc<dyn Engine> = Arc::new(FjallEngine::open(dir.path()).expect("open"));
        let readers = Arc::new(Readers::default());
        let engine = RecentEngine::new(base, readers.clone());
        (dir, readers, engine)
    }

    fn put(engine: &RecentEngine, key: &[u8], ts: u64, value: Option<&[u8]>) {
        let rec = WriteRecord::encode_parts(ts - 1, value);
        engine.write(vec![Op::Put(Cf::Write, version_key(key, ts), rec)], false).expect("write");
    }

    /// Every entry of the write column family, as the merged view shows it.
    fn entries(engine: &RecentEngine) -> usize {
        let snap = engine.snapshot();
        snap.range(Cf::Write, Bound::Unbounded, Bound::Unbounded, false).count()
    }

    /// The value visible at `ts` in the model.
    fn visible(versions: &Versions, ts: u64) -> Option<Vec<u8>> {
        versions.iter().rev().find(|(c, _)| *c <= ts).and_then(|(_, v)| v.clone())
    }

    #[test]
    fn a_hot_key_keeps_one_version_without_readers() {
        let (_dir, _readers, engine) = open();
        for ts in 1..=1_000u64 {
            put(&engine, b"hot", ts * 10, Some(format!("v{ts}").as_bytes()));
        }
        assert_eq!(entries(&engine), 1);
        let snap = engine.snapshot();
        let got = mvcc::get_version(snap.as_ref(), b"hot", u64::MAX).expect("get");
        assert_eq!(
            got.map(|(c, r)| (c, r.kind)),
            Some((10_000, WriteKind::Put(b"v1000".to_vec())))
        );
    }

    #[test]
    fn a_reader_keeps_the_version_it_sees() {
        let (_dir, readers, engine) = open();
        put(&engine, b"k", 10, Some(b"a"));
        readers.register(15);
        for ts in 2..=50u64 {
            put(&engine, b"k", ts * 10, Some(format!("v{ts}").as_bytes()));
        }
        // The version at 10 (seen at 15) and the newest: the ones between are nobody's.
        assert_eq!(entries(&engine), 2);
        let snap = engine.snapshot();
        let at = |ts| mvcc::get_version(snap.as_ref(), b"k", ts).expect("get").map(|(c, _)| c);
        assert_eq!((at(15), at(u64::MAX)), (Some(10), Some(500)));
        drop(snap);
        // Once the reader is gone, the next write (or flush) drops the old version.
        readers.unregister(15);
        engine.flush().expect("flush");
        let snap = engine.snapshot();
        let versions = snap.range(Cf::Write, Bound::Unbounded, Bound::Unbounded, false).count();
        assert_eq!(versions, 1);
    }

    /// Random commits, readers coming and going, flushes and GC-style deletes, against a
    /// model: every live reader sees, by point read and by scan in both directions, the
    /// newest version at or below its timestamp — also a snapshot taken before a flush.
    #[test]
    fn reads_match_model_across_pruning_and_flushes() {
        let (_dir, readers, engine) = open();
        let mut model: BTreeMap<Vec<u8>, Versions> = BTreeMap::new();
        let mut live: Vec<u64> = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut ts = 100u64;
        for step in 0..3_000 {
            ts += 1 + rand(3);
            match rand(40) {
                0 => {
                    readers.register(ts);
                    live.push(ts);
                }
                1 | 3 if !live.is_empty() => {
                    let gone = live.swap_remove(rand(live.len() as u64) as usize);
                    readers.unregister(gone);
                }
                2 if rand(8) == 0 => engine.flush().expect("flush"),
                _ => {
                    let key = format!("key{}", rand(12)).into_bytes();
                    let value = (rand(6) != 0).then(|| format!("{step}").into_bytes());
                    put(&engine, &key, ts, value.as_deref());
                    model.entry(key).or_default().push((ts, value));
                }
            }
            if step % 97 != 0 {
                continue;
            }
            let snap = engine.snapshot();
            if rand(2) == 0 {
                // A flush between taking the view and reading it.
                engine.flush().expect("flush");
            }
            let all = KeyRange { start: Bound::Unbounded, end: Bound::Unbounded };
            for &at in live.iter().chain([&u64::MAX]) {
                let want: Vec<(Vec<u8>, Vec<u8>)> = model
                    .iter()
                    .filter_map(|(k, vs)| visible(vs, at).map(|v| (k.clone(), v)))
                    .collect();
                let fwd = mvcc::scan(snap.as_ref(), &all, at, usize::MAX, false).expect("scan");
                assert_eq!(fwd, want, "forward scan at {at}, step {step}");
                let mut rev = mvcc::scan(snap.as_ref(), &all, at, usize::MAX, true).expect("scan");
                rev.reverse();
                assert_eq!(rev, want, "reverse scan at {at}, step {step}");
                for (k, vs) in &model {
                    let (got, _) = mvcc::get_latest(snap.as_ref(), k, at).expect("get");
                    let got = got.and_then(|(_, r)| match r.kind {
                        WriteKind::Put(v) => Some(v),
                        WriteKind::Delete => None,
                    });
                    assert_eq!(got, visible(vs, at), "get {k:?} at {at}, step {step}");
                }
            }
        }
        // Pruned: far fewer versions than commits.
        let commits: usize = model.values().map(Vec::len).sum();
        assert!(entries(&engine) < commits / 4, "{} of {commits}", entries(&engine));
    }

    #[test]
    fn deleting_a_version_removes_it_from_the_layer_or_the_engine() {
        let (_dir, readers, engine) = open();
        readers.register(1);
        put(&engine, b"a", 10, Some(b"x"));
        put(&engine, b"b", 10, Some(b"y"));
        engine.flush().expect("flush");
        put(&engine, b"a", 20, Some(b"z"));
        let gone = vec![
            Op::Delete(Cf::Write, version_key(b"a", 20)),
            Op::Delete(Cf::Write, version_key(b"b", 10)),
        ];
        engine.write(gone, false).expect("delete");
        let snap = engine.snapshot();
        let keys: Vec<Vec<u8>> = snap
            .range(Cf::Write, Bound::Unbounded, Bound::Unbounded, false)
            .map(|r| r.expect("entry").0.to_vec())
            .collect();
        assert_eq!(keys, vec![version_key(b"a", 10)]);
    }
}
