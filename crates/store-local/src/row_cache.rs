//! The row cache: the newest committed version of recently point-read keys, in memory, so a
//! repeated point read (an index lookup's row, a primary-key read) skips the engine's seek —
//! RocksDB's `row_cache`, made MVCC-aware.
//!
//! An entry `key → (commit_ts, value)` claims that `commit_ts` is the key's **newest**
//! committed version; a read at `ts >= commit_ts` takes its value, an older read goes to the
//! engine. The claim is kept true by two rules:
//!
//! * **Commits update in place.** A commit, after its versions are in the engine and before its
//!   locks are released (readers wait for commits in flight on the keys they read, so none
//!   can see the lock gone and the entry stale), replaces the entries of the keys it wrote that
//!   are cached, and bumps their shard's epoch. Keys not cached are not added.
//! * **Fills are checked.** A read that missed records its shard's epoch before it takes its
//!   engine snapshot; it inserts what it found only if it found the key's newest version and
//!   the epoch is unchanged — no commit to that shard came between, so the snapshot's newest
//!   is still the newest (a commit landing after the insert updates it in place).
//!
//! Eviction is CLOCK (second chance) within each shard, against a byte budget.

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;

/// Shards (each its own lock, epoch and share of the budget).
const SHARDS: usize = 64;

/// Bytes an entry costs besides its key (twice: map and clock ring) and value.
const ENTRY_OVERHEAD: usize = 64;

/// One cached version.
struct Slot {
    /// Its commit timestamp: no newer committed version exists.
    commit_ts: u64,
    /// Its value; `None`: the key was deleted.
    value: Option<Vec<u8>>,
    /// Read since the clock hand last passed it.
    referenced: bool,
}

#[derive(Default)]
struct Shard {
    map: HashMap<Box<[u8]>, Slot>,
    /// Keys in insertion order, for the clock hand (exactly the keys of `map`).
    ring: VecDeque<Box<[u8]>>,
    bytes: usize,
    /// Bumped by every commit that writes a key of this shard.
    epoch: u64,
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The value at the read timestamp (`None`: deleted).
    Hit(Option<Vec<u8>>),
    /// Not answerable from the cache; the shard's epoch, to pass to [`RowCache::fill`].
    Miss(u64),
}

/// A sharded, byte-bounded cache of keys' newest committed versions (see the module docs).
pub struct RowCache {
    shards: Box<[Mutex<Shard>]>,
    budget_per_shard: usize,
}

fn cost(key: &[u8], value: &Option<Vec<u8>>) -> usize {
    2 * key.len() + value.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD
}

impl RowCache {
    /// A cache holding up to about `bytes` of keys and values; `0` disables it.
    pub fn new(bytes: u64) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect();
        let budget_per_shard = usize::try_from(bytes).unwrap_or(usize::MAX) / SHARDS;
        RowCache { shards, budget_per_shard }
    }

    /// Whether the cache holds anything at all (a budget of zero turns it off).
    pub fn enabled(&self) -> bool {
        self.budget_per_shard > 0
    }

    fn shard(&self, key: &[u8]) -> &Mutex<Shard> {
        let h = xxhash_rust::xxh3::xxh3_64(key);
        &self.shards[(h % SHARDS as u64) as usize]
    }

    /// `key`'s value at `ts` if the cache can tell it (never, when it is off).
    pub fn get(&self, key: &[u8], ts: u64) -> Lookup {
        if !self.enabled() {
            return Lookup::Miss(0);
        }
        let mut shard = self.shard(key).lock();
        let epoch = shard.epoch;
        match shard.map.get_mut(key) {
            Some(slot) if slot.commit_ts <= ts => {
                slot.referenced = true;
                Lookup::Hit(slot.value.clone())
            }
            _ => Lookup::Miss(epoch),
        }
    }

    /// Caches `value` as `key`'s newest version, committed at `commit_ts`, read from a
    /// snapshot taken after [`RowCache::get`] returned `Miss(epoch)` — unless a commit to the
    /// shard came since.
    pub fn fill(&self, key: &[u8], epoch: u64, commit_ts: u64, value: Option<Vec<u8>>) {
        let c = cost(key, &value);
        if c > self.budget_per_shard {
            return;
        }
        let mut shard = self.shard(key).lock();
        if shard.epoch != epoch {
            return;
        }
        if let Some(slot) = shard.map.get_mut(key) {
            if slot.commit_ts < commit_ts {
                let old = cost(key, &slot.value);
                slot.commit_ts = commit_ts;
                slot.value = value;
                shard.bytes = shard.bytes - old + c;
            }
            return;
        }
        while shard.bytes + c > self.budget_per_shard && shard.evict_one() {}
        let k: Box<[u8]> = key.into();
        shard.ring.push_back(k.clone());
        shard.map.insert(k, Slot { commit_ts, value, referenced: false });
        shard.bytes += c;
    }

    /// Records a commit: `key` now has `value` at `commit_ts`. Call after the version is in
    /// the engine and before the writer's lock on `key` is released.
    pub fn committed(&self, key: &[u8], commit_ts: u64, value: Option<Vec<u8>>) {
        let mut shard = self.shard(key).lock();
        shard.epoch += 1;
        let Some(slot) = shard.map.get_mut(key) else { return };
        if slot.commit_ts >= commit_ts {
            return;
        }
        let (old, new) = (cost(key, &slot.value), cost(key, &value));
        slot.commit_ts = commit_ts;
        slot.value = value;
        shard.bytes = shard.bytes - old + new;
        while shard.bytes > self.budget_per_shard && shard.evict_one() {}
    }

    /// Bytes held (keys, values and overhead).
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.shards.iter().map(|s| s.lock().bytes).sum()
    }
}

impl Shard {
    /// Evicts one entry by the clock (recently read entries get a second chance); false when
    /// empty.
    fn evict_one(&mut self) -> bool {
        while let Some(k) = self.ring.pop_front() {
            let Some(slot) = self.map.get_mut(&k) else { continue };
            if slot.referenced {
                slot.referenced = false;
                self.ring.push_back(k);
                continue;
            }
            if let Some(slot) = self.map.remove(&k) {
                self.bytes -= cost(&k, &slot.value);
            }
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn miss_epoch(c: &RowCache, k: &[u8], ts: u64) -> u64 {
        match c.get(k, ts) {
            Lookup::Miss(e) => e,
            Lookup::Hit(v) => panic!("unexpected hit {v:?}"),
        }
    }

    #[test]
    fn answers_reads_at_or_after_the_cached_version_only() {
        let c = RowCache::new(1 << 20);
        let e = miss_epoch(&c, b"k", 10);
        c.fill(b"k", e, 5, Some(b"v5".to_vec()));
        assert_eq!(c.get(b"k", 10), Lookup::Hit(Some(b"v5".to_vec())));
        assert_eq!(c.get(b"k", 5), Lookup::Hit(Some(b"v5".to_vec())));
        assert!(matches!(c.get(b"k", 4), Lookup::Miss(_)));
        c.committed(b"k", 12, None);
        assert!(matches!(c.get(b"k", 11), Lookup::Miss(_)));
        assert_eq!(c.get(b"k", 12), Lookup::Hit(None));
    }

    #[test]
    fn a_commit_between_miss_and_fill_blocks_the_fill() {
        let c = RowCache::new(1 << 20);
        let e = miss_epoch(&c, b"k", 10);
        // A commit lands after the reader's snapshot: what the reader found is stale.
        c.committed(b"k", 11, Some(b"new".to_vec()));
        c.fill(b"k", e, 5, Some(b"old".to_vec()));
        assert!(matches!(c.get(b"k", 20), Lookup::Miss(_)));
    }

    #[test]
    fn a_commit_after_the_fill_updates_in_place() {
        let c = RowCache::new(1 << 20);
        let e = miss_epoch(&c, b"k", 10);
        c.fill(b"k", e, 5, Some(b"old".to_vec()));
        c.committed(b"k", 11, Some(b"new".to_vec()));
        assert_eq!(c.get(b"k", 20), Lookup::Hit(Some(b"new".to_vec())));
        assert!(matches!(c.get(b"k", 10), Lookup::Miss(_)));
    }

    #[test]
    fn commits_do_not_add_keys() {
        let c = RowCache::new(1 << 20);
        c.committed(b"k", 3, Some(b"v".to_vec()));
        assert!(matches!(c.get(b"k", 10), Lookup::Miss(_)));
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn stays_within_its_budget_and_keeps_what_is_read() {
        let c = RowCache::new((SHARDS * 1024) as u64);
        let value = vec![7u8; 100];
        for i in 0u32..10_000 {
            let k = i.to_be_bytes();
            let e = miss_epoch(&c, &k, 10);
            c.fill(&k, e, 1, Some(value.clone()));
            // Key 0 is read all the time: the clock keeps it.
            assert!(matches!(c.get(&0u32.to_be_bytes(), 10), Lookup::Hit(_)), "at {i}");
        }
        assert!(c.bytes() <= SHARDS * 1024);
        assert!(c.bytes() > SHARDS * 512);
    }

    #[test]
    fn a_zero_budget_holds_nothing() {
        let c = RowCache::new(0);
        assert!(!c.enabled());
        let e = miss_epoch(&c, b"k", 1);
        c.fill(b"k", e, 1, Some(b"v".to_vec()));
        assert!(matches!(c.get(b"k", 1), Lookup::Miss(_)));
    }
}
