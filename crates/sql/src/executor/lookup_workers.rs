//! Join key lookups split across threads, as TiDB's index lookup join hands a batch of outer
//! keys to its inner workers (`tidb_executor_concurrency` of them): the keys are cut into one
//! slice per worker, each slice read from a snapshot the workers share (only when the
//! statement reads what the store holds: nothing of its own staged or buffered), and the
//! results are put back in key order, so the join sees exactly what a serial read returns.

use errno::{Error, Result};
use kv::Snapshot;
use types::Value;

use super::query::QueryEnv;

/// Fewer keys than this are read on the statement's own thread (a thread costs more).
const MIN_KEYS_PER_WORKER: usize = 32;

/// The machine's cores (worked out once).
pub(super) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// How many threads should read `keys` lookup keys: `tidb_executor_concurrency`, at most the
/// machine's cores, and no more than gives each [`MIN_KEYS_PER_WORKER`].
pub(super) fn workers(env: &QueryEnv<'_, '_, '_>, keys: usize) -> usize {
    let allowed = usize::try_from(env.ctx.vars.int("tidb_executor_concurrency")).unwrap_or(1);
    allowed.min(cores()).min(keys / MIN_KEYS_PER_WORKER).max(1)
}

/// `read` applied to `workers` slices of `keys` on as many threads (this one reading the first
/// slice) over `snapshot`; the slices' results concatenated in key order. The first error
/// any slice meets is returned.
pub(super) fn read_split<T: Send>(
    snapshot: &dyn Snapshot,
    workers: usize,
    keys: &[Vec<Value>],
    read: impl Fn(&mut &dyn Snapshot, &[Vec<Value>]) -> Result<Vec<T>> + Sync,
) -> Result<Vec<T>> {
    let size = keys.len().div_ceil(workers.max(1)).max(1);
    let mut slices = keys.chunks(size);
    let first = slices.next().unwrap_or_default();
    let read = &read;
    let results: Vec<Result<Vec<T>>> = std::thread::scope(|s| {
        let spawned: Vec<_> = slices
            .map(|slice| {
                std::thread::Builder::new()
                    .name("lookup".into())
                    .spawn_scoped(s, move || read(&mut { snapshot }, slice))
            })
            .collect();
        let mut out = vec![read(&mut { snapshot }, first)];
        for handle in spawned {
            out.push(match handle {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(Error::msg(errno::ER_INTERNAL, "a lookup worker failed"))
                }),
                Err(e) => {
                    Err(Error::msg(errno::ER_INTERNAL, format!("starting a lookup worker: {e}")))
                }
            });
        }
        out
    });
    let mut all = Vec::with_capacity(keys.len());
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}
