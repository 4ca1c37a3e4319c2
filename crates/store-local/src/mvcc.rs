//! MVCC over two column families: the newest committed version of each key under the key
//! itself ([`Cf::Latest`]), older versions under `enc(key) ‖ !commit_ts` ([`Cf::History`]).
//!
//! ```text
//!   latest:   "k1"               → commit 105 ‖ Put  start=101 "b"
//!             "k2"               → commit 97  ‖ Delete start=95
//!   history:  enc("k1") ‖ !90    → Put  start=88  "a"     ← only a reader at 90 ≤ ts < 105
//! ```
//!
//! A reader at `ts` takes a key's latest entry when its commit is `<= ts` — the common case, one
//! point read that bloom filters answer in each table, or one step of a scan — and otherwise
//! seeks the key's newest history version `<= ts`. A commit moves the version it displaces to
//! history in the same atomic write (it holds the key's lock, so nothing commits the key
//! between its read and its write). Old snapshots pay a seek per key changed since they began;
//! everything else reads one entry per key, with no versions to skip (TiKV instead seeks
//! `enc(key) ‖ !ts` in one family with prefix bloom filters, which `fjall` does not have).

use std::ops::Bound;

use kv::{KeyRange, KvPair};

use crate::{
    engine::{Cf, EngineSnapshot, Op},
    keys::{encode_key, version_key},
    record::{encode_latest, split_latest, WriteKind, WriteRecord},
};

fn corrupt(what: &str) -> kv::Error {
    kv::Error::Corrupt(what.to_string())
}

fn engine_err(e: crate::engine::EngineError) -> kv::Error {
    kv::Error::Engine(e.to_string())
}

/// The newest committed version of `key`, whatever its timestamp: its commit timestamp and
/// record bytes.
pub fn newest(snap: &dyn EngineSnapshot, key: &[u8]) -> Result<Option<(u64, Vec<u8>)>, kv::Error> {
    let Some(mut latest) = snap.get(Cf::Latest, key).map_err(engine_err)? else {
        return Ok(None);
    };
    let (commit_ts, _) = split_latest(&latest).ok_or_else(|| corrupt("latest version"))?;
    latest.drain(..8);
    Ok(Some((commit_ts, latest)))
}

/// The newest version of `key` with `commit_ts <= ts`, with its commit timestamp.
pub fn get_version(
    snap: &dyn EngineSnapshot,
    key: &[u8],
    ts: u64,
) -> Result<Option<(u64, WriteRecord)>, kv::Error> {
    let Some((commit_ts, record)) = newest(snap, key)? else { return Ok(None) };
    if commit_ts <= ts {
        let rec = WriteRecord::decode(&record).ok_or_else(|| corrupt("write record"))?;
        return Ok(Some((commit_ts, rec)));
    }
    history_version(snap, key, ts)
}

/// The newest history version of `key` with `commit_ts <= ts`: one seek to `enc(key) ‖ !ts`.
fn history_version(
    snap: &dyn EngineSnapshot,
    key: &[u8],
    ts: u64,
) -> Result<Option<(u64, WriteRecord)>, kv::Error> {
    let enc = encode_key(key);
    let mut start = Vec::with_capacity(enc.len() + 8);
    start.extend_from_slice(&enc);
    start.extend_from_slice(&(!ts).to_be_bytes());
    // No upper bound: the engine then only seeks the lower one (an upper bound costs a second
    // seek in every table the range meets); an entry of another key means there is none.
    let mut it = snap.range(Cf::History, Bound::Included(&start), Bound::Unbounded, false);
    let Some(entry) = it.next() else { return Ok(None) };
    let (k, v) = entry.map_err(engine_err)?;
    let (of, commit_ts) = split_encoded(&k)?;
    if of != enc {
        return Ok(None);
    }
    let rec = WriteRecord::decode(&v).ok_or_else(|| corrupt("write record"))?;
    Ok(Some((commit_ts, rec)))
}

/// The value of `key` at `ts`.
pub fn get(snap: &dyn EngineSnapshot, key: &[u8], ts: u64) -> Result<Option<Vec<u8>>, kv::Error> {
    Ok(match get_version(snap, key, ts)? {
        Some((_, WriteRecord { kind: WriteKind::Put(v), .. })) => Some(v),
        _ => None,
    })
}

/// Appends to `ops` the engine writes that commit `record` (encoded) as `key`'s version at
/// `commit_ts`: the newest version so far moves to history, the new one takes its place. The
/// caller holds `key`'s lock, so `snap` shows the version the write displaces.
pub fn commit_ops(
    snap: &dyn EngineSnapshot,
    key: Vec<u8>,
    commit_ts: u64,
    record: &[u8],
    ops: &mut Vec<Op>,
) -> Result<(), kv::Error> {
    if let Some((old_ts, old)) = newest(snap, &key)? {
        if old_ts >= commit_ts {
            return Err(corrupt("a commit below the key's newest version"));
        }
        ops.push(Op::Put(Cf::History, version_key(&key, old_ts), old));
    }
    ops.push(Op::Put(Cf::Latest, key, encode_latest(commit_ts, record)));
    Ok(())
}

/// Up to `limit` visible pairs of `range` at `ts`, ascending or descending.
pub fn scan(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    reverse: bool,
) -> Result<Vec<KvPair>, kv::Error> {
    let mut out = Vec::new();
    scan_into(snap, range, ts, limit, reverse, &mut |k, v| out.push((k.to_vec(), v.to_vec())))?;
    Ok(out)
}

/// Hands up to `limit` visible pairs of `range` at `ts`, ascending, to `f` as they are read —
/// key and value borrowed, nothing copied (unless a value comes from history); returns how many.
pub fn scan_each(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    f: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<usize, kv::Error> {
    scan_into(snap, range, ts, limit, false, f)
}

/// Up to `limit` visible pairs of `range` into `sink`: each key's latest entry when it is
/// visible at `ts`, else its history version at `ts`; deletes skipped. Returns how many.
fn scan_into(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    reverse: bool,
    sink: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<usize, kv::Error> {
    let (start, end) = (crate::as_ref(&range.start), crate::as_ref(&range.end));
    let mut n = 0;
    for entry in snap.range(Cf::Latest, start, end, reverse) {
        if n >= limit {
            break;
        }
        let (key, latest) = entry.map_err(engine_err)?;
        let (commit_ts, record) = split_latest(&latest).ok_or_else(|| corrupt("latest version"))?;
        if commit_ts <= ts {
            if let Some(value) =
                WriteRecord::put_value(record).ok_or_else(|| corrupt("write record"))?
            {
                sink(&key, value);
                n += 1;
            }
        } else if let Some((_, WriteRecord { kind: WriteKind::Put(value), .. })) =
            history_version(snap, &key, ts)?
        {
            sink(&key, &value);
            n += 1;
        }
    }
    Ok(n)
}

/// Splits a history key into its encoded user key and commit timestamp.
pub(crate) fn split_encoded(k: &[u8]) -> Result<(&[u8], u64), kv::Error> {
    let split = k.len().checked_sub(8).ok_or_else(|| corrupt("version key"))?;
    let (enc, ts_bytes) = k.split_at(split);
    let ts = u64::from_be_bytes(ts_bytes.try_into().map_err(|_| corrupt("version key"))?);
    Ok((enc, !ts))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::{Engine, FjallEngine};

    /// `(commit_ts, value or None for a delete)` of one key.
    type Versions = Vec<(u64, Option<Vec<u8>>)>;

    /// Keys with one, a few and many versions (puts and deletes), each committed through
    /// [`commit_ops`], against a model: the newest version `<= ts` of each key.
    #[test]
    fn scan_matches_model_with_many_versions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = FjallEngine::open(dir.path()).expect("open");
        let mut model: BTreeMap<Vec<u8>, Versions> = BTreeMap::new();
        let counts = [1usize, 3, 8, 9, 40, 2, 100, 1];
        for (i, &n) in counts.iter().enumerate() {
            let key = format!("key{i:02}").into_bytes();
            for v in 0..n {
                let commit_ts = 10 + (v as u64) * 10 + i as u64;
                let value = (v % 5 != 4).then(|| format!("{i}-{v}").into_bytes());
                let kind = match &value {
                    Some(b) => WriteKind::Put(b.clone()),
                    None => WriteKind::Delete,
                };
                let rec = WriteRecord { start_ts: commit_ts - 1, kind };
                let mut ops = Vec::new();
                let snap = engine.snapshot();
                commit_ops(snap.as_ref(), key.clone(), commit_ts, &rec.encode(), &mut ops)
                    .expect("commit ops");
                drop(snap);
                engine.write(ops, false).expect("write");
                model.entry(key.clone()).or_default().push((commit_ts, value));
            }
        }
        let snap = engine.snapshot();
        let mut ops = Vec::new();
        let stale = commit_ops(snap.as_ref(), b"key06".to_vec(), 5, b"P", &mut ops);
        assert!(stale.is_err(), "a commit below the newest version is refused");
        let visible = |ts: u64, range: &KeyRange| -> Vec<KvPair> {
            model
                .iter()
                .filter(|(k, _)| range.contains(k))
                .filter_map(|(k, versions)| {
                    let newest = versions.iter().filter(|(c, _)| *c <= ts).max_by_key(|(c, _)| *c);
                    newest.and_then(|(_, v)| v.clone()).map(|v| (k.clone(), v))
                })
                .collect()
        };
        let ranges = [
            KeyRange { start: Bound::Unbounded, end: Bound::Unbounded },
            KeyRange {
                start: Bound::Included(b"key03".to_vec()),
                end: Bound::Included(b"key06".to_vec()),
            },
            KeyRange {
                start: Bound::Excluded(b"key04".to_vec()),
                end: Bound::Excluded(b"key06".to_vec()),
            },
            KeyRange {
                start: Bound::Included(b"key06".to_vec()),
                end: Bound::Included(b"key06".to_vec()),
            },
        ];
        for ts in [0, 15, 45, 95, 101, 404, 700, 1_100, u64::MAX] {
            for range in &ranges {
                let want = visible(ts, range);
                for limit in [1, 2, 3, usize::MAX] {
                    let fwd = scan(snap.as_ref(), range, ts, limit, false).expect("scan");
                    let expect: Vec<KvPair> = want.iter().take(limit).cloned().collect();
                    assert_eq!(fwd, expect, "forward ts={ts} limit={limit} {range:?}");
                    let mut each = Vec::new();
                    let n = scan_each(snap.as_ref(), range, ts, limit, &mut |k, v| {
                        each.push((k.to_vec(), v.to_vec()))
                    })
                    .expect("scan_each");
                    assert_eq!((n, each), (expect.len(), expect), "each ts={ts} limit={limit}");
                    let rev = scan(snap.as_ref(), range, ts, limit, true).expect("scan");
                    let expect: Vec<KvPair> = want.iter().rev().take(limit).cloned().collect();
                    assert_eq!(rev, expect, "reverse ts={ts} limit={limit} {range:?}");
                }
            }
            // Point reads: every key, and absent keys before, between and after them (the
            // next entry then belongs to another key, or there is none).
            let all = KeyRange { start: Bound::Unbounded, end: Bound::Unbounded };
            let want: BTreeMap<Vec<u8>, Vec<u8>> = visible(ts, &all).into_iter().collect();
            let mut probes: Vec<Vec<u8>> = model.keys().cloned().collect();
            probes.extend([b"a".to_vec(), b"key00x".to_vec(), b"key035".to_vec(), b"zz".to_vec()]);
            for key in probes {
                let got = get(snap.as_ref(), &key, ts).expect("get");
                assert_eq!(got.as_ref(), want.get(&key), "get {key:?} at ts={ts}");
            }
        }
    }
}
