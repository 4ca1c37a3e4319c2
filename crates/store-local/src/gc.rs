//! Garbage collection of old versions.
//!
//! The safe point is `now - gc_life_time`, lowered to just below the oldest live transaction or
//! snapshot. For each key, the newest version at or below the safe point is what any reader at
//! or above the safe point can still see: older versions go, and so does that one if it is a
//! delete.
//!
//! * History: a key's versions below its newest one `<= sp` go; all of them go when the latest
//!   entry is itself `<= sp` (or gone). History keys are never rewritten, so these deletes
//!   race with nothing.
//! * Latest: a delete `<= sp` goes, under the key's lock (taken without waiting, skipped when
//!   held) and checked again under it, so a commit of the key cannot land in between.

use std::{ops::Bound, sync::Arc, time::Duration};

use tracing::{debug, warn};

use crate::{
    engine::{Cf, EngineSnapshot, Op},
    keys::decode_key,
    mvcc::split_encoded,
    record::{split_latest, WriteRecord},
    tso::{compose, physical_ms},
    Inner,
};

/// What one GC pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcStats {
    /// The safe point used.
    pub safe_point: u64,
    /// Versions examined.
    pub scanned: usize,
    /// Versions removed.
    pub removed: usize,
}

const DELETE_BATCH: usize = 4096;

fn safe_point(inner: &Inner) -> kv::Result<u64> {
    let now = inner.next_ts()?;
    let life = inner.opts.gc_life_time.as_millis() as u64;
    let mut sp = compose(physical_ms(now).saturating_sub(life));
    if let Some((&oldest, _)) = inner.active.lock().iter().next() {
        sp = sp.min(oldest.saturating_sub(1));
    }
    Ok(sp)
}

fn engine_err(e: crate::engine::EngineError) -> kv::Error {
    kv::Error::Engine(e.to_string())
}

fn corrupt(what: &str) -> kv::Error {
    kv::Error::Corrupt(what.to_string())
}

/// A latest entry's commit timestamp and whether it is a delete.
fn latest_state(bytes: &[u8]) -> kv::Result<(u64, bool)> {
    let (commit_ts, record) = split_latest(bytes).ok_or_else(|| corrupt("latest version"))?;
    let value = WriteRecord::put_value(record).ok_or_else(|| corrupt("write record"))?;
    Ok((commit_ts, value.is_none()))
}

/// Runs one pass.
pub fn gc_once(inner: &Inner) -> kv::Result<GcStats> {
    let sp = safe_point(inner)?;
    let mut stats = GcStats { safe_point: sp, ..Default::default() };
    let (history, deletes) = {
        let snap = inner.engine.snapshot();
        (
            history_garbage(snap.as_ref(), sp, &mut stats)?,
            old_deletes(snap.as_ref(), sp, &mut stats)?,
        )
    };
    stats.removed = history.len();
    for chunk in history.chunks(DELETE_BATCH) {
        let ops = chunk.iter().map(|k| Op::Delete(Cf::History, k.clone())).collect();
        inner.committer.commit(ops)?;
    }
    for chunk in deletes.chunks(DELETE_BATCH) {
        stats.removed += remove_deletes(inner, chunk, sp)?;
    }
    Ok(stats)
}

/// History versions no reader at or above `sp` can see.
fn history_garbage(
    snap: &dyn EngineSnapshot,
    sp: u64,
    stats: &mut GcStats,
) -> kv::Result<Vec<Vec<u8>>> {
    let mut garbage = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    // For the current key: whether a version `<= sp` is already kept (or the latest one is).
    let mut covered = false;
    for entry in snap.range(Cf::History, Bound::Unbounded, Bound::Unbounded, false) {
        let (k, v) = entry.map_err(engine_err)?;
        stats.scanned += 1;
        let (enc, commit_ts) = split_encoded(&k)?;
        if enc != current.as_slice() {
            current.clear();
            current.extend_from_slice(enc);
            let (key, _) = decode_key(enc).ok_or_else(|| corrupt("version key"))?;
            covered = match snap.get(Cf::Latest, &key).map_err(engine_err)? {
                Some(latest) => latest_state(&latest)?.0 <= sp,
                None => true,
            };
        }
        if commit_ts > sp {
            continue;
        }
        if covered || WriteRecord::put_value(&v).ok_or_else(|| corrupt("write record"))?.is_none() {
            garbage.push(k.to_vec());
        }
        covered = true;
    }
    Ok(garbage)
}

/// Latest entries that are deletes at or below `sp`.
fn old_deletes(
    snap: &dyn EngineSnapshot,
    sp: u64,
    stats: &mut GcStats,
) -> kv::Result<Vec<Vec<u8>>> {
    let mut found = Vec::new();
    for entry in snap.range(Cf::Latest, Bound::Unbounded, Bound::Unbounded, false) {
        let (k, v) = entry.map_err(engine_err)?;
        stats.scanned += 1;
        let (commit_ts, deleted) = latest_state(&v)?;
        if deleted && commit_ts <= sp {
            found.push(k.to_vec());
        }
    }
    Ok(found)
}

/// Removes the latest deletes of `keys` that are still deletes at or below `sp`, each under
/// its lock; returns how many went.
fn remove_deletes(inner: &Inner, keys: &[Vec<u8>], sp: u64) -> kv::Result<usize> {
    let owner = inner.next_ts()?;
    let now = std::time::Instant::now();
    let locked: Vec<Vec<u8>> =
        keys.iter().filter(|k| inner.locks.acquire(owner, k, now).is_ok()).cloned().collect();
    let result = (|| {
        let snap = inner.engine.snapshot();
        let mut ops = Vec::new();
        for k in &locked {
            if let Some(latest) = snap.get(Cf::Latest, k).map_err(engine_err)? {
                let (commit_ts, deleted) = latest_state(&latest)?;
                if deleted && commit_ts <= sp {
                    ops.push(Op::Delete(Cf::Latest, k.clone()));
                }
            }
        }
        drop(snap);
        let n = ops.len();
        if n > 0 {
            inner.committer.commit(ops)?;
        }
        Ok(n)
    })();
    inner.locks.release(owner, locked.iter());
    result
}

/// Number of versions stored, latest and history.
pub fn version_count(inner: &Inner) -> kv::Result<usize> {
    let snap = inner.engine.snapshot();
    let mut n = 0;
    for cf in [Cf::Latest, Cf::History] {
        for item in snap.range(cf, Bound::Unbounded, Bound::Unbounded, false) {
            item.map_err(engine_err)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The background loop: a pass every `every` until the store closes.
pub fn run(inner: Arc<Inner>, every: Duration) {
    loop {
        {
            let mut stop = inner.stop.lock();
            if *stop {
                return;
            }
            let _ = inner.stop_cv.wait_for(&mut stop, every);
            if *stop {
                return;
            }
        }
        match gc_once(&inner) {
            Ok(s) => debug!(removed = s.removed, scanned = s.scanned, "gc pass"),
            Err(e) => warn!(error = %e, "gc pass failed"),
        }
    }
}
