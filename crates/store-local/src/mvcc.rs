//! MVCC reads: the newest version of a key at or below a read timestamp.

use std::ops::Bound;

use kv::{KeyRange, KvPair};

use crate::{
    engine::{Cf, EngineSnapshot},
    keys::{encode_key, split_version_key, version_key},
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
    let start = version_key(key, ts);
    let end = version_key(key, 0);
    let mut it = snap.range(Cf::Write, Bound::Included(&start), Bound::Included(&end), false);
    match it.next() {
        None => Ok(None),
        Some(r) => {
            let (k, v) = r.map_err(engine_err)?;
            let (_, commit_ts) = split_version_key(&k).ok_or_else(|| corrupt("version key"))?;
            let rec = WriteRecord::decode(&v).ok_or_else(|| corrupt("write record"))?;
            Ok(Some((commit_ts, rec)))
        }
    }
}

/// The value of `key` at `ts`.
pub fn get(snap: &dyn EngineSnapshot, key: &[u8], ts: u64) -> Result<Option<Vec<u8>>, kv::Error> {
    Ok(match get_version(snap, key, ts)? {
        Some((_, WriteRecord { kind: WriteKind::Put(v), .. })) => Some(v),
        _ => None,
    })
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

/// Up to `limit` visible pairs of `range` at `ts`, ascending or descending.
pub fn scan(
    snap: &dyn EngineSnapshot,
    range: &KeyRange,
    ts: u64,
    limit: usize,
    reverse: bool,
) -> Result<Vec<KvPair>, kv::Error> {
    let (start, end) = encoded_bounds(range);
    let it = snap.range(Cf::Write, crate::as_ref(&start), crate::as_ref(&end), reverse);
    let mut out = Vec::new();
    // Forward: a key's versions come newest first; the first one <= ts decides.
    // Reverse: they come oldest first; the last one <= ts before the key changes decides.
    // Versions are told apart by their encoded key (the version key minus its 8-byte
    // timestamp), which is decoded only for the versions returned.
    let mut current: Vec<u8> = Vec::new();
    let mut started = false;
    let mut decided = false;
    let mut pending: Option<WriteRecord> = None;
    for item in it {
        if out.len() >= limit {
            break;
        }
        let (k, v) = item.map_err(engine_err)?;
        let split = k.len().checked_sub(8).ok_or_else(|| corrupt("version key"))?;
        let (enc, ts_bytes) = k.split_at(split);
        let commit_ts =
            !u64::from_be_bytes(ts_bytes.try_into().map_err(|_| corrupt("version key"))?);
        if !started || current.as_slice() != enc {
            if reverse && started {
                if let Some(rec) = pending.take() {
                    push_visible(&mut out, &current, rec)?;
                    if out.len() >= limit {
                        break;
                    }
                }
            }
            current.clear();
            current.extend_from_slice(enc);
            started = true;
            decided = false;
            pending = None;
        }
        if commit_ts > ts || (decided && !reverse) {
            continue;
        }
        let rec = WriteRecord::decode(&v).ok_or_else(|| corrupt("write record"))?;
        if reverse {
            pending = Some(rec);
        } else {
            decided = true;
            push_visible(&mut out, &current, rec)?;
        }
    }
    if reverse && out.len() < limit && started {
        if let Some(rec) = pending {
            push_visible(&mut out, &current, rec)?;
        }
    }
    Ok(out)
}

fn push_visible(out: &mut Vec<KvPair>, encoded: &[u8], rec: WriteRecord) -> Result<(), kv::Error> {
    if let WriteKind::Put(v) = rec.kind {
        let (key, _) = crate::keys::decode_key(encoded).ok_or_else(|| corrupt("version key"))?;
        out.push((key, v));
    }
    Ok(())
}
