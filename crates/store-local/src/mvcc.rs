//! MVCC reads: the newest version of a key at or below a read timestamp.

use std::ops::Bound;

use kv::{KeyRange, KvPair};

use crate::{
    engine::{Bytes, Cf, EngineSnapshot},
    keys::{encode_key, version_key},
    record::{WriteKind, WriteRecord},
};

fn corrupt(what: &str) -> kv::Error {
    kv::Error::Corrupt(what.to_string())
}

fn engine_err(e: crate::engine::EngineError) -> kv::Error {
    kv::Error::Engine(e.to_string())
}

/// The newest version of `key` with `commit_ts <= ts`, with its commit timestamp.
pub fn get_version(
    snap: &dyn EngineSnapshot,
    key: &[u8],
    ts: u64,
) -> Result<Option<(u64, WriteRecord)>, kv::Error> {
    get_version_encoded(snap, &encode_key(key), ts)
}

/// [`get_version`] of an already encoded key: one seek to `enc ‖ !ts`.
fn get_version_encoded(
    snap: &dyn EngineSnapshot,
    enc: &[u8],
    ts: u64,
) -> Result<Option<(u64, WriteRecord)>, kv::Error> {
    let start = version_of_encoded(enc, ts);
    // No upper bound: the engine then only seeks the lower one (an upper bound costs a second
    // seek in every table the range meets); an entry of another key means there is none.
    let mut it = snap.range(Cf::Write, Bound::Included(&start), Bound::Unbounded, false);
    match it.next() {
        None => Ok(None),
        Some(r) => {
            let (k, v) = r.map_err(engine_err)?;
            let (of, commit_ts) = split_encoded(&k)?;
            if of != enc {
                return Ok(None);
            }
            let rec = WriteRecord::decode(&v).ok_or_else(|| corrupt("write record"))?;
            Ok(Some((commit_ts, rec)))
        }
    }
}

/// The version of `key` visible at `ts` (as [`get_version`]), and whether it is also the
/// key's newest version in `snap`: one seek to the key's first version, a second one only when
/// that version is newer than `ts`.
pub fn get_latest(
    snap: &dyn EngineSnapshot,
    key: &[u8],
    ts: u64,
) -> Result<(Option<(u64, WriteRecord)>, bool), kv::Error> {
    let enc = encode_key(key);
    match get_version_encoded(snap, &enc, u64::MAX)? {
        Some((commit_ts, rec)) if commit_ts <= ts => Ok((Some((commit_ts, rec)), true)),
        Some(_) => Ok((get_version_encoded(snap, &enc, ts)?, false)),
        None => Ok((None, true)),
    }
}

/// Encoded engine bounds covering every version of every key in `range`.
pub fn encoded_bounds(range: &KeyRange) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let start = match &range.start {
        Bound::Included(k) => Bound::Included(encode_key(k)),
        Bound::Excluded(k) => Bound::Excluded(version_key(k, 0)),
        Bound::Unbounded => Bound::Unbounded,
    };
    let end = match &range.end {
        Bound::Included(k) => Bound::Included(version_key(k, 0)),
        Bound::Excluded(k) => Bound::Excluded(encode_key(k)),
        Bound::Unbounded => Bound::Unbounded,
    };
    (start, end)
}

/// Versions of one key walked before the scan seeks past the rest (TiKV's `SEEK_BOUND`).
///
/// A hot row updated thousands of times keeps thousands of versions until GC: walking them
/// costs one engine step each, while a seek costs one new iterator. Past this many versions
/// of one key the scan jumps instead of walking.
pub const SEEK_BOUND: usize = 8;

/// Up to `limit` visible pairs of `range` at `ts`, ascending or descending.
pub fn scan(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    reverse: bool,
) -> Result<Vec<KvPair>, kv::Error> {
    let mut out = Vec::new();
    let mut sink = |encoded: &[u8], value: &[u8], _: Option<u64>| -> Result<(), kv::Error> {
        let (key, _) = crate::keys::decode_key(encoded).ok_or_else(|| corrupt("version key"))?;
        out.push((key, value.to_vec()));
        Ok(())
    };
    scan_into(snap, range, ts, limit, reverse, &mut sink)?;
    Ok(out)
}

/// Hands up to `limit` visible pairs of `range` at `ts`, ascending, to `f` as they are read —
/// key and value borrowed, nothing copied; returns how many.
pub fn scan_each(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    f: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<usize, kv::Error> {
    scan_each_newest(snap, range, ts, limit, &mut |k, v, _| f(k, v))
}

/// What [`scan_each_newest`] hands each pair to: key, value, and the commit timestamp when the
/// version is the key's newest.
pub type NewestSink<'a> = dyn FnMut(&[u8], &[u8], Option<u64>) + 'a;

/// [`scan_each`], also telling for each pair the commit timestamp of its version when that is
/// the key's newest version in `snap` (`None` when newer versions exist or it is not known).
pub fn scan_each_newest(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    f: &mut NewestSink<'_>,
) -> Result<usize, kv::Error> {
    let mut key = Vec::new();
    let mut sink = |encoded: &[u8], value: &[u8], newest: Option<u64>| -> Result<(), kv::Error> {
        crate::keys::decode_key_into(encoded, &mut key).ok_or_else(|| corrupt("version key"))?;
        f(&key, value, newest);
        Ok(())
    };
    scan_into(snap, range, ts, limit, false, &mut sink)
}

/// Where a scan puts each visible pair: its encoded key, its value and — when the scan knows
/// it is the key's newest version — its commit timestamp.
type Sink<'a> = dyn FnMut(&[u8], &[u8], Option<u64>) -> Result<(), kv::Error> + 'a;

/// Up to `limit` visible pairs of `range` into `sink`; returns how many.
fn scan_into(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    reverse: bool,
    sink: &mut Sink<'_>,
) -> Result<usize, kv::Error> {
    let (start, end) = encoded_bounds(range);
    let mut taken = Taken { sink, n: 0 };
    if reverse {
        scan_reverse(snap, start, end, ts, limit, &mut taken)?;
    } else {
        scan_forward(snap, start, end, ts, limit, &mut taken)?;
    }
    Ok(taken.n)
}

/// A sink and how many pairs it took.
struct Taken<'s, 'a> {
    sink: &'s mut Sink<'a>,
    n: usize,
}

impl Taken<'_, '_> {
    /// Passes on the version `record` of `encoded` when it is a put (`newest`: its commit
    /// timestamp, when it is the key's newest version).
    fn push(
        &mut self,
        encoded: &[u8],
        record: &[u8],
        newest: Option<u64>,
    ) -> Result<(), kv::Error> {
        match WriteRecord::put_value(record).ok_or_else(|| corrupt("write record"))? {
            Some(value) => self.put(encoded, value, newest),
            None => Ok(()),
        }
    }

    /// Passes on `value` as the visible value of `encoded`.
    fn put(&mut self, encoded: &[u8], value: &[u8], newest: Option<u64>) -> Result<(), kv::Error> {
        (self.sink)(encoded, value, newest)?;
        self.n += 1;
        Ok(())
    }
}

/// Splits a version key into its encoded user key and commit timestamp.
fn split_encoded(k: &[u8]) -> Result<(&[u8], u64), kv::Error> {
    let split = k.len().checked_sub(8).ok_or_else(|| corrupt("version key"))?;
    let (enc, ts_bytes) = k.split_at(split);
    let ts = u64::from_be_bytes(ts_bytes.try_into().map_err(|_| corrupt("version key"))?);
    Ok((enc, !ts))
}

/// `enc ‖ !ts`: where the versions of `enc` visible at `ts` begin.
fn version_of_encoded(enc: &[u8], ts: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(enc.len() + 8);
    k.extend_from_slice(enc);
    k.extend_from_slice(&(!ts).to_be_bytes());
    k
}

/// Forward: a key's versions come newest first; the first one `<= ts` decides, the rest are
/// skipped — walked while few, jumped over by a new iterator once there are more than
/// [`SEEK_BOUND`] (to the first version `<= ts` while undecided, past the key once decided).
fn scan_forward(
    snap: &dyn EngineSnapshot,
    mut start: Bound<Vec<u8>>,
    end: Bound<Vec<u8>>,
    ts: u64,
    limit: usize,
    out: &mut Taken<'_, '_>,
) -> Result<(), kv::Error> {
    let mut current: Vec<u8> = Vec::new();
    // Hot rows come in runs (one updated range of ids): after one key needed a jump, the next
    // key's leftover versions are jumped over at the first sight of one.
    let mut hot = false;
    // The key whose versions the iterator resumed in the middle of (its newest were skipped).
    let mut resumed_in: Option<Vec<u8>> = None;
    let mut from_newest = true;
    loop {
        let it = snap.range(Cf::Write, crate::as_ref(&start), crate::as_ref(&end), false);
        let mut started = false;
        let mut decided = false;
        let mut walked = 0usize;
        let mut seek: Option<Bound<Vec<u8>>> = None;
        for item in it {
            if out.n >= limit {
                return Ok(());
            }
            let (k, v) = item.map_err(engine_err)?;
            let (enc, commit_ts) = split_encoded(&k)?;
            if !started || current.as_slice() != enc {
                from_newest = started || resumed_in.as_deref() != Some(enc);
                if started {
                    hot = false;
                }
                current.clear();
                current.extend_from_slice(enc);
                started = true;
                decided = false;
                walked = 0;
            }
            walked += 1;
            if commit_ts > ts || decided {
                if walked > SEEK_BOUND || (hot && decided) {
                    hot = true;
                    seek = Some(if decided {
                        Bound::Excluded(version_of_encoded(&current, 0))
                    } else {
                        Bound::Included(version_of_encoded(&current, ts))
                    });
                    break;
                }
                continue;
            }
            decided = true;
            let newest = (from_newest && walked == 1).then_some(commit_ts);
            out.push(&current, &v, newest)?;
        }
        match seek {
            Some(next) => {
                resumed_in = matches!(next, Bound::Included(_)).then(|| current.clone());
                start = next;
            }
            None => return Ok(()),
        }
    }
}

/// Reverse: a key's versions come oldest first; the last one `<= ts` before the key changes
/// decides. Past [`SEEK_BOUND`] versions of one key the visible one is read by a point seek
/// and the scan resumes below the key.
fn scan_reverse(
    snap: &dyn EngineSnapshot,
    start: Bound<Vec<u8>>,
    mut end: Bound<Vec<u8>>,
    ts: u64,
    limit: usize,
    out: &mut Taken<'_, '_>,
) -> Result<(), kv::Error> {
    let mut current: Vec<u8> = Vec::new();
    loop {
        let it = snap.range(Cf::Write, crate::as_ref(&start), crate::as_ref(&end), true);
        let mut started = false;
        let mut walked = 0usize;
        let mut pending: Option<Bytes> = None;
        let mut jumped = false;
        for item in it {
            let (k, v) = item.map_err(engine_err)?;
            let (enc, commit_ts) = split_encoded(&k)?;
            if !started || current.as_slice() != enc {
                if started {
                    if let Some(rec) = pending.take() {
                        out.push(&current, &rec, None)?;
                    }
                }
                if out.n >= limit {
                    return Ok(());
                }
                current.clear();
                current.extend_from_slice(enc);
                started = true;
                walked = 0;
                pending = None;
            }
            walked += 1;
            if walked > SEEK_BOUND {
                // The rest of this key's versions lie below; the newest one `<= ts` is one
                // seek away.
                if let Some((_, rec)) = get_version_encoded(snap, &current, ts)? {
                    if let WriteKind::Put(value) = rec.kind {
                        out.put(&current, &value, None)?;
                    }
                }
                end = Bound::Excluded(current.clone());
                jumped = true;
                break;
            }
            if commit_ts <= ts {
                pending = Some(v);
            }
        }
        if !jumped {
            if let Some(rec) = pending {
                if out.n < limit {
                    out.push(&current, &rec, None)?;
                }
            }
            return Ok(());
        }
        if out.n >= limit {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::{Engine, FjallEngine, Op};

    /// `(commit_ts, value or None for a delete)` of one key.
    type Versions = Vec<(u64, Option<Vec<u8>>)>;

    /// Keys with 1, SEEK_BOUND and many versions (puts and deletes), written straight to the
    /// engine, against a model: the newest version `<= ts` of each key.
    #[test]
    fn scan_matches_model_with_many_versions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = FjallEngine::open(dir.path()).expect("open");
        let mut model: BTreeMap<Vec<u8>, Versions> = BTreeMap::new();
        let mut ops = Vec::new();
        let counts = [1usize, 3, SEEK_BOUND, SEEK_BOUND + 1, 40, 2, 100, 1];
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
                ops.push(Op::Put(Cf::Write, version_key(&key, commit_ts), rec.encode()));
                model.entry(key.clone()).or_default().push((commit_ts, value));
            }
        }
        engine.write(ops, false).expect("write");
        let snap = engine.snapshot();
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
                let (found, newest) = get_latest(snap.as_ref(), &key, ts).expect("get");
                let got = match found {
                    Some((_, WriteRecord { kind: WriteKind::Put(v), .. })) => Some(v),
                    _ => None,
                };
                assert_eq!(got.as_ref(), want.get(&key), "get {key:?} at ts={ts}");
                // Newest: no version of the key is newer than `ts` (or it has none).
                let latest = model.get(&key).and_then(|vs| vs.iter().map(|(c, _)| *c).max());
                assert_eq!(newest, latest.is_none_or(|c| c <= ts), "newest {key:?} at ts={ts}");
            }
        }
    }
}
