//! The in-memory lock table: pessimistic row locks, prewrite locks, waits and deadlock detection.
//!
//! A key is locked by at most one transaction (identified by its `start_ts`). A pessimistic lock
//! blocks other writers, not readers. At commit the owner marks its locks *prewritten*, then
//! takes its commit timestamp under this table's mutex. A reader waits (until release) only
//! for a lock whose commit timestamp is already below its read timestamp: that write must be
//! visible to it. A lock still without one will get a timestamp above every read timestamp
//! already handed out, so the reader need not wait for it (as a TiKV reader pushes an async
//! commit's `min_commit_ts` instead of waiting).
//!
//! Waiters record a wait-for edge (waiter → holder). A request whose holder already (transitively)
//! waits for the requester would close a cycle: the requester fails with a deadlock instead.
//! Locks live only in memory: a crash loses them together with the uncommitted transactions
//! that held them, which is exactly a rollback.

use std::{
    collections::{BTreeMap, HashMap},
    ops::Bound,
    time::{Duration, Instant},
};

use parking_lot::{Condvar, Mutex};

#[derive(Debug, Clone, Copy)]
struct LockInfo {
    owner: u64,
    prewritten: bool,
    /// The owner's commit timestamp, once taken.
    commit_ts: Option<u64>,
}

#[derive(Default)]
struct Inner {
    locks: BTreeMap<Vec<u8>, LockInfo>,
    waits_for: HashMap<u64, u64>,
}

/// The lock table.
#[derive(Default)]
pub struct LockTable {
    inner: Mutex<Inner>,
    released: Condvar,
}

/// How long a reader waits for a prewritten lock (a commit in flight) before giving up.
const READ_WAIT_LIMIT: Duration = Duration::from_secs(60);

impl LockTable {
    /// Locks `key` for `owner`, waiting until `deadline` for another holder to release it.
    pub fn acquire(&self, owner: u64, key: &[u8], deadline: Instant) -> Result<(), kv::Error> {
        let mut inner = self.inner.lock();
        loop {
            let holder = match inner.locks.get(key) {
                None => {
                    inner.locks.insert(
                        key.to_vec(),
                        LockInfo { owner, prewritten: false, commit_ts: None },
                    );
                    return Ok(());
                }
                Some(l) if l.owner == owner => return Ok(()),
                Some(l) => l.owner,
            };
            if waits_on(&inner.waits_for, holder, owner) {
                return Err(kv::Error::Deadlock);
            }
            inner.waits_for.insert(owner, holder);
            let timed_out = self.released.wait_until(&mut inner, deadline).timed_out();
            inner.waits_for.remove(&owner);
            if timed_out && inner.locks.get(key).is_some_and(|l| l.owner != owner) {
                return Err(kv::Error::LockWaitTimeout);
            }
        }
    }

    /// Marks `owner`'s locks on `keys` as prewritten (a commit is in flight).
    pub fn mark_prewritten<'a>(&self, owner: u64, keys: impl IntoIterator<Item = &'a Vec<u8>>) {
        let mut inner = self.inner.lock();
        for k in keys {
            if let Some(l) = inner.locks.get_mut(k.as_slice()) {
                if l.owner == owner {
                    l.prewritten = true;
                }
            }
        }
    }

    /// Takes `owner`'s commit timestamp from `alloc` and records it on its locks on `keys`, under
    /// the table's mutex: a reader either sees the timestamp or reads below it.
    pub fn assign_commit_ts<'a>(
        &self,
        owner: u64,
        keys: impl IntoIterator<Item = &'a Vec<u8>>,
        alloc: impl FnOnce() -> Result<u64, kv::Error>,
    ) -> Result<u64, kv::Error> {
        let mut inner = self.inner.lock();
        let ts = alloc()?;
        for k in keys {
            if let Some(l) = inner.locks.get_mut(k.as_slice()) {
                if l.owner == owner {
                    l.commit_ts = Some(ts);
                }
            }
        }
        Ok(ts)
    }

    /// Releases `owner`'s locks on `keys` and wakes waiters.
    pub fn release<'a>(&self, owner: u64, keys: impl IntoIterator<Item = &'a Vec<u8>>) {
        let mut inner = self.inner.lock();
        for k in keys {
            if inner.locks.get(k.as_slice()).is_some_and(|l| l.owner == owner) {
                inner.locks.remove(k.as_slice());
            }
        }
        drop(inner);
        self.released.notify_all();
    }

    /// Waits until no lock of a commit in flight with a commit timestamp below `read_ts` covers
    /// a key in `[start, end)`, so a read at `read_ts` cannot miss it.
    pub fn wait_for_commits(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        read_ts: u64,
    ) -> Result<(), kv::Error> {
        let deadline = Instant::now() + READ_WAIT_LIMIT;
        let mut inner = self.inner.lock();
        loop {
            let blocked = inner
                .locks
                .range::<[u8], _>((start, end))
                .any(|(_, l)| l.prewritten && l.commit_ts.is_some_and(|c| c < read_ts));
            if !blocked {
                return Ok(());
            }
            if self.released.wait_until(&mut inner, deadline).timed_out() {
                return Err(kv::Error::Engine("a commit in flight did not finish in time".into()));
            }
        }
    }
}

/// Whether `from` (transitively) waits for `target`.
fn waits_on(waits_for: &HashMap<u64, u64>, mut from: u64, target: u64) -> bool {
    for _ in 0..=waits_for.len() {
        if from == target {
            return true;
        }
        match waits_for.get(&from) {
            Some(&next) => from = next,
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn soon(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[test]
    fn second_owner_times_out_then_gets_it_after_release() {
        let t = LockTable::default();
        t.acquire(1, b"k", soon(10)).expect("free");
        t.acquire(1, b"k", soon(10)).expect("re-entrant");
        assert_eq!(t.acquire(2, b"k", soon(20)), Err(kv::Error::LockWaitTimeout));
        t.release(1, [&b"k".to_vec()]);
        t.acquire(2, b"k", soon(10)).expect("released");
    }

    #[test]
    fn waiter_wakes_on_release() {
        let t = Arc::new(LockTable::default());
        t.acquire(1, b"k", soon(10)).expect("free");
        let t2 = t.clone();
        let h = std::thread::spawn(move || t2.acquire(2, b"k", soon(5000)));
        std::thread::sleep(Duration::from_millis(50));
        assert!(!h.is_finished(), "the second owner waits while the lock is held");
        t.release(1, [&b"k".to_vec()]);
        assert_eq!(h.join().expect("join"), Ok(()));
    }

    #[test]
    fn cycle_is_a_deadlock_for_the_requester() {
        let t = Arc::new(LockTable::default());
        t.acquire(1, b"a", soon(10)).expect("a");
        t.acquire(2, b"b", soon(10)).expect("b");
        let t2 = t.clone();
        // 1 waits for b (held by 2) …
        let h = std::thread::spawn(move || t2.acquire(1, b"b", soon(5000)));
        std::thread::sleep(Duration::from_millis(50));
        // … so 2 asking for a (held by 1) closes the cycle.
        assert_eq!(t.acquire(2, b"a", soon(5000)), Err(kv::Error::Deadlock));
        t.release(2, [&b"b".to_vec()]);
        assert_eq!(h.join().expect("join"), Ok(()));
    }

    #[test]
    fn readers_wait_only_for_commits_below_their_timestamp() {
        let t = Arc::new(LockTable::default());
        let k = b"k".to_vec();
        t.acquire(10, &k, soon(10)).expect("lock");
        let all = (Bound::Unbounded, Bound::Unbounded);
        t.wait_for_commits(all.0, all.1, 100).expect("pessimistic locks do not block reads");
        t.mark_prewritten(10, [&k]);
        t.wait_for_commits(all.0, all.1, 100).expect("no commit timestamp yet: it will be above");
        assert_eq!(t.assign_commit_ts(10, [&k], || Ok(50)), Ok(50));
        t.wait_for_commits(all.0, all.1, 40).expect("a reader below the commit does not wait");
        let t2 = t.clone();
        let h = std::thread::spawn(move || t2.wait_for_commits(all.0, all.1, 100));
        std::thread::sleep(Duration::from_millis(50));
        assert!(!h.is_finished(), "a reader above the commit waits for it");
        t.release(10, [&k]);
        assert_eq!(h.join().expect("join"), Ok(()));
    }
}
