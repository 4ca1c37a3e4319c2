//! Garbage collection of old versions.
//!
//! The safe point is `now - gc_life_time`, lowered to just below the oldest live transaction or
//! snapshot. For each key, the newest version at or below the safe point is what any reader at
//! or above the safe point can still see: older versions go, and so does that one if it is a
//! delete.

use std::{ops::Bound, sync::Arc, time::Duration};

use tracing::{debug, warn};

use crate::{
    engine::{Cf, Op},
    keys::split_version_key,
    record::{WriteKind, WriteRecord},
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
    if let Some(oldest) = inner.readers.oldest() {
        sp = sp.min(oldest.saturating_sub(1));
    }
    Ok(sp)
}

/// Runs one pass.
pub fn gc_once(inner: &Inner) -> kv::Result<GcStats> {
    let sp = safe_point(inner)?;
    let mut stats = GcStats { safe_point: sp, ..Default::default() };
    let mut garbage = Vec::new();
    {
        let snap = inner.engine.snapshot();
        let mut current: Option<Vec<u8>> = None;
        let mut kept_one = false;
        for item in snap.range(Cf::Write, Bound::Unbounded, Bound::Unbounded, false) {
            let (k, v) = item.map_err(|e| kv::Error::Engine(e.to_string()))?;
            stats.scanned += 1;
            let Some((user_key, commit_ts)) = split_version_key(&k) else { continue };
            if current.as_deref() != Some(user_key.as_slice()) {
                current = Some(user_key);
                kept_one = false;
            }
            if commit_ts > sp {
                continue;
            }
            if kept_one {
                garbage.push(k.to_vec());
                continue;
            }
            kept_one = true;
            if matches!(WriteRecord::decode(&v).map(|r| r.kind), Some(WriteKind::Delete)) {
                garbage.push(k.to_vec());
            }
        }
    }
    stats.removed = garbage.len();
    for chunk in garbage.chunks(DELETE_BATCH) {
        let ops = chunk.iter().map(|k| Op::Delete(Cf::Write, k.clone())).collect();
        inner.committer.commit(ops)?;
    }
    Ok(stats)
}

/// Number of versions stored.
pub fn version_count(inner: &Inner) -> kv::Result<usize> {
    let snap = inner.engine.snapshot();
    let mut n = 0;
    for item in snap.range(Cf::Write, Bound::Unbounded, Bound::Unbounded, false) {
        item.map_err(|e| kv::Error::Engine(e.to_string()))?;
        n += 1;
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
