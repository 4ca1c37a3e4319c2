//! Access paths: how one table's rows are read for a WHERE clause, and the choice between them.
//!
//! From the per-column conditions ([`super::ranges`]) come the candidates: point gets by handle,
//! unique-index point lookups, a handle range, and index ranges (an equality prefix, then one
//! interval), each index path index-only ("covering") when the statement needs no column the
//! index lacks. Point gets win outright. Among ranges the cheapest is chosen by counting, with a
//! cap, the keys each range holds (MySQL's "index dives", done on the statement's snapshot):
//! a handle range or a covering index reads only what it counts, a non-covering index pays a row
//! lookup per entry ([`LOOKUP_COST`]), and a full scan reads the whole table, counted up to the
//! best path's cost. Every path may return rows the WHERE clause rejects — never fewer rows — so
//! the caller still applies the whole clause.

use std::{collections::HashMap, fmt::Write as _, ops::Bound};

use catalog::{IndexInfo, TableInfo};
use errno::{Error, Result};
use kv::{prefix_end, KeyRange};
use sqlparser::ast;
use types::{TypeKind, Value};

use super::ranges::{Cond, PathConds};
use crate::{
    stmt_txn::{KeyReads, StmtTxn},
    table::{self, Row},
};

/// A row lookup through a secondary index costs this many sequential row reads.
pub const LOOKUP_COST: usize = 4;
/// Most keys counted per range estimate.
const DIVE_CAP: usize = 10_000;
/// Most point combinations an index prefix expands to before the path is dropped (TiDB bounds
/// its ranges by memory, `tidb_opt_range_max_size`, 64 MiB: about this many points).
const MAX_POINTS: usize = 1 << 18;

/// How a single table's rows are read.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Point gets by handle (the integer primary key).
    Handles(Vec<i64>),
    /// Point lookups through a unique index, one per key.
    Unique {
        /// The index.
        index: IndexInfo,
        /// Key values, converted to the column types.
        keys: Vec<Vec<Value>>,
    },
    /// Rows whose handle is in a range (a clustered primary-key range scan).
    HandleRange {
        /// The record-key range.
        range: KeyRange,
        /// The range as EXPLAIN shows it.
        shown: String,
        /// Counted rows, when an estimate was needed.
        est: Option<usize>,
        /// At most this many rows can lie in the range (both ends bounded): the reader asks
        /// for them in one page.
        at_most: Option<u64>,
    },
    /// Rows through ranges of a secondary index.
    IndexRanges {
        /// The index.
        index: IndexInfo,
        /// Index-key ranges, ascending and disjoint.
        ranges: Vec<KeyRange>,
        /// The ranges as EXPLAIN shows them.
        shown: String,
        /// The index holds every column the statement needs (no row lookups).
        covering: bool,
        /// Counted entries, when an estimate was needed.
        est: Option<usize>,
    },
    /// Every row.
    FullScan,
}

/// What the statement needs from the table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs<'a> {
    /// Whole rows (writes, locking reads, `SELECT *`).
    AllColumns,
    /// Only the columns at these positions.
    Columns(&'a [bool]),
}

/// A candidate range path before costing.
struct RangePath {
    access: Access,
    ranges: Vec<KeyRange>,
    per_row: usize,
}

/// Chooses the access path for `t` given what the WHERE clause says about its columns. `st` is
/// used to count keys when ranges compete; without it (EXPLAIN without a transaction) the first
/// candidate wins.
pub fn choose_path(
    t: &TableInfo,
    path_conds: &PathConds,
    needs: Needs<'_>,
    st: Option<&mut StmtTxn<'_>>,
) -> Result<Access> {
    let (conds, any) = (&path_conds.all, path_conds.any.as_slice());
    if conds.is_empty() && any.is_empty() {
        return Ok(Access::FullScan);
    }
    let handle_col = t.handle_column();
    if let Some(Cond::Points(points)) = handle_col.and_then(|h| conds.get(&h)) {
        return Ok(Access::Handles(handles_of(points)));
    }
    for idx in t.readable_indexes().filter(|i| i.unique) {
        if let Some(keys) = unique_points(idx, conds) {
            return Ok(Access::Unique { index: idx.clone(), keys });
        }
    }
    // An OR of branches each pinning the handle or a unique key: their points together.
    if let Some(handles) = dnf_handles(t, any) {
        return Ok(Access::Handles(handles));
    }
    for idx in t.readable_indexes().filter(|i| i.unique) {
        if let Some(keys) = dnf_unique_points(idx, any) {
            return Ok(Access::Unique { index: idx.clone(), keys });
        }
    }
    let mut paths = Vec::new();
    if let Some((range, shown, at_most)) = handle_col.and_then(|h| handle_range(t, conds.get(&h)?))
    {
        let access = Access::HandleRange { range: range.clone(), shown, est: None, at_most };
        paths.push(RangePath { access, ranges: vec![range], per_row: 1 });
    }
    for idx in t.readable_indexes() {
        // The conjuncts' ranges and, as another candidate, the union of an OR's branches'.
        let candidates = [index_ranges(t, idx, conds), dnf_index_ranges(t, idx, any)];
        for (ranges, shown) in candidates.into_iter().flatten() {
            let covering = covers(t, idx, needs);
            let access = Access::IndexRanges {
                index: idx.clone(),
                ranges: ranges.clone(),
                shown,
                covering,
                est: None,
            };
            paths.push(RangePath {
                access,
                ranges,
                per_row: if covering { 1 } else { LOOKUP_COST },
            });
        }
    }
    let Some(st) = st else {
        return Ok(paths.into_iter().next().map_or(Access::FullScan, |p| p.access));
    };
    // A lone handle range or covering index reads a subset of what a full scan reads.
    if let [only] = paths.as_slice() {
        if only.per_row == 1 {
            return Ok(paths.swap_remove(0).access);
        }
    }
    let mut best: Option<(usize, Access)> = None;
    for mut p in paths {
        let limit =
            best.as_ref().map_or(DIVE_CAP, |(cost, _)| (cost / p.per_row + 1).min(DIVE_CAP));
        let mut n = 0;
        for r in &p.ranges {
            n += st.count(r, limit - n)?;
            if n >= limit {
                break;
            }
        }
        let cost = n.saturating_mul(p.per_row);
        set_est(&mut p.access, n);
        if best.as_ref().is_none_or(|(c, _)| cost < *c) {
            best = Some((cost, p.access));
        }
    }
    let Some((cost, access)) = best else { return Ok(Access::FullScan) };
    let reads_subset =
        matches!(access, Access::HandleRange { .. } | Access::IndexRanges { covering: true, .. });
    if !reads_subset {
        let rows = st.count(&KeyRange::prefix(&tablecodec::record_prefix(t.id)), cost + 1)?;
        if rows <= cost {
            return Ok(Access::FullScan);
        }
    }
    Ok(access)
}

/// The path `chosen` takes for other values of the same conditions — a kept plan's ranges
/// rebuilt for the values its parameters have now (TiDB rebuilds a cached plan's ranges the
/// same way). The path stays the one chosen, so rows keep its order; where `conds` no longer
/// narrow it, it reads the whole table or index instead (the caller still filters every row).
pub fn rebuild(t: &TableInfo, chosen: &Access, path_conds: &PathConds) -> Access {
    let (conds, any) = (&path_conds.all, path_conds.any.as_slice());
    let handle = t.handle_column().and_then(|h| conds.get(&h));
    // The index's ranges for `conds`, or all of it.
    let index_path = |index: &IndexInfo, covering: bool| {
        let ranges = index_ranges(t, index, conds).or_else(|| dnf_index_ranges(t, index, any));
        let (ranges, shown) = ranges.unwrap_or_else(|| {
            (
                vec![KeyRange::prefix(&tablecodec::index_prefix(t.id, index.id))],
                "[NULL,+inf]".into(),
            )
        });
        Access::IndexRanges { index: index.clone(), ranges, shown, covering, est: None }
    };
    match chosen {
        Access::FullScan => Access::FullScan,
        Access::Handles(_) => match handle {
            Some(Cond::Points(points)) => Access::Handles(handles_of(points)),
            _ => dnf_handles(t, any).map_or(Access::FullScan, Access::Handles),
        },
        Access::HandleRange { .. } => match handle.and_then(|c| handle_range(t, c)) {
            Some((range, shown, at_most)) => {
                Access::HandleRange { range, shown, est: None, at_most }
            }
            None => Access::FullScan,
        },
        Access::Unique { index, .. } => {
            match unique_points(index, conds).or_else(|| dnf_unique_points(index, any)) {
                Some(keys) => Access::Unique { index: index.clone(), keys },
                None => index_path(index, false),
            }
        }
        Access::IndexRanges { index, covering, .. } => index_path(index, *covering),
    }
}

/// The handles among points on the integer handle column (others cannot be handles).
fn handles_of(points: &[Value]) -> Vec<i64> {
    points
        .iter()
        .filter_map(|p| match p {
            Value::Int(h) => Some(*h),
            Value::UInt(h) => Some(*h as i64),
            _ => None,
        })
        .collect()
}

/// The handles an OR's branches pin together, when every branch pins the handle to points.
fn dnf_handles(t: &TableInfo, any: &[HashMap<usize, Cond>]) -> Option<Vec<i64>> {
    let h = t.handle_column()?;
    let mut points = Vec::new();
    for branch in any {
        let Some(Cond::Points(p)) = branch.get(&h) else { return None };
        points.extend_from_slice(p);
        if points.len() > MAX_POINTS {
            return None;
        }
    }
    (!any.is_empty()).then(|| distinct(handles_of(&points)))
}

/// The keys of unique index `idx` an OR's branches pin together, when every branch pins all
/// of its columns.
fn dnf_unique_points(idx: &IndexInfo, any: &[HashMap<usize, Cond>]) -> Option<Vec<Vec<Value>>> {
    if any.is_empty() {
        return None;
    }
    let mut keys = Vec::new();
    for branch in any {
        keys.extend(unique_points(idx, branch)?);
        if keys.len() > MAX_POINTS {
            return None;
        }
    }
    // Equal keys (in the columns' stored types) encode to equal bytes.
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| {
        let mut bytes = Vec::new();
        k.iter().for_each(|v| tablecodec::datum::encode(&mut bytes, v));
        seen.insert(bytes)
    });
    Some(keys)
}

/// The ranges of index `idx` an OR's branches read together, when each branch narrows it:
/// their union, overlaps merged so no entry is read twice.
fn dnf_index_ranges(
    t: &TableInfo,
    idx: &IndexInfo,
    any: &[HashMap<usize, Cond>],
) -> Option<(Vec<KeyRange>, String)> {
    if any.is_empty() {
        return None;
    }
    let (mut ranges, mut shown) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for branch in any {
        let (r, text) = index_ranges(t, idx, branch)?;
        ranges.extend(r);
        if ranges.len() > MAX_POINTS {
            return None;
        }
        if !text.is_empty() && seen.insert(text.clone()) {
            shown.push(text);
        }
    }
    Some((union_ranges(ranges), shown.join(", ")))
}

/// `[start, end)` ranges (as `KeyRange::new` makes them) sorted, overlapping and touching ones
/// merged.
fn union_ranges(mut ranges: Vec<KeyRange>) -> Vec<KeyRange> {
    fn start(r: &KeyRange) -> &[u8] {
        match &r.start {
            Bound::Included(k) | Bound::Excluded(k) => k,
            Bound::Unbounded => &[],
        }
    }
    ranges.sort_by(|a, b| start(a).cmp(start(b)));
    let mut out: Vec<KeyRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        if let Some(last) = out.last_mut() {
            let overlaps = match (&last.end, &r.start) {
                (Bound::Unbounded, _) => true,
                (Bound::Excluded(end), Bound::Included(s)) => s <= end,
                (Bound::Excluded(end), Bound::Excluded(s))
                | (Bound::Included(end), Bound::Included(s)) => s <= end,
                (Bound::Included(end), Bound::Excluded(s)) => s < end,
                (_, Bound::Unbounded) => true,
            };
            if overlaps {
                let further = match (&last.end, &r.end) {
                    (Bound::Unbounded, _) => false,
                    (_, Bound::Unbounded) => true,
                    (
                        Bound::Included(a) | Bound::Excluded(a),
                        Bound::Included(b) | Bound::Excluded(b),
                    ) => b > a,
                };
                if further {
                    last.end = r.end;
                }
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// `handles` without repeats, in first-seen order.
fn distinct(mut handles: Vec<i64>) -> Vec<i64> {
    let mut seen = std::collections::HashSet::with_capacity(handles.len());
    handles.retain(|h| seen.insert(*h));
    handles
}

fn set_est(a: &mut Access, n: usize) {
    if let Access::HandleRange { est, .. } | Access::IndexRanges { est, .. } = a {
        *est = Some(n);
    }
}

/// Whether index `idx` (plus the handle) holds every column the statement needs.
fn covers(t: &TableInfo, idx: &IndexInfo, needs: Needs<'_>) -> bool {
    let Needs::Columns(used) = needs else { return false };
    let handle = t.handle_column();
    used.iter().enumerate().all(|(i, &u)| !u || idx.columns.contains(&i) || handle == Some(i))
}

/// Every key of a unique index pinned by points (none of them NULL), if there are few enough.
fn unique_points(idx: &IndexInfo, conds: &HashMap<usize, Cond>) -> Option<Vec<Vec<Value>>> {
    let mut keys: Vec<Vec<Value>> = vec![Vec::new()];
    for c in &idx.columns {
        let Some(Cond::Points(points)) = conds.get(c) else { return None };
        if points.iter().any(Value::is_null) {
            return None;
        }
        keys = expand(keys, points)?;
    }
    Some(keys)
}

fn expand(prefixes: Vec<Vec<Value>>, points: &[Value]) -> Option<Vec<Vec<Value>>> {
    if prefixes.len().saturating_mul(points.len()) > MAX_POINTS {
        return None;
    }
    let mut out = Vec::with_capacity(prefixes.len() * points.len());
    for p in &prefixes {
        for v in points {
            let mut k = p.clone();
            k.push(v.clone());
            out.push(k);
        }
    }
    Some(out)
}

fn bound_text(b: &Bound<Value>, open: &str) -> String {
    match b {
        Bound::Included(v) | Bound::Excluded(v) => v.to_string(),
        Bound::Unbounded => open.to_string(),
    }
}

fn show_interval(prefix: &str, lo: &Bound<Value>, hi: &Bound<Value>) -> String {
    let l = if matches!(lo, Bound::Excluded(_)) { '(' } else { '[' };
    let h = if matches!(hi, Bound::Excluded(_)) { ')' } else { ']' };
    format!("{l}{prefix}{},{prefix}{}{h}", bound_text(lo, "-inf"), bound_text(hi, "+inf"))
}

/// The record-key range of an interval on the integer handle, and how many handles it can
/// hold when both ends are bounded.
fn handle_range(t: &TableInfo, cond: &Cond) -> Option<(KeyRange, String, Option<u64>)> {
    let Cond::Interval(lo, hi) = cond else { return None };
    let as_i64 = |v: &Value| match v {
        Value::Int(i) => Some(*i),
        // Unsigned handles above i64::MAX wrap around: no range over them.
        Value::UInt(u) => i64::try_from(*u).ok(),
        _ => None,
    };
    let key = |h: i64| tablecodec::record_key(t.id, h);
    let prefix = tablecodec::record_prefix(t.id);
    let start = match lo {
        Bound::Unbounded => prefix.clone(),
        Bound::Included(v) => key(as_i64(v)?),
        Bound::Excluded(v) => prefix_end(&key(as_i64(v)?))?,
    };
    let end = match hi {
        Bound::Unbounded => prefix_end(&prefix)?,
        Bound::Included(v) => prefix_end(&key(as_i64(v)?))?,
        Bound::Excluded(v) => key(as_i64(v)?),
    };
    let at_most = match (lo, hi) {
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
            let (a, b) = (as_i64(a)?, as_i64(b)?);
            Some(u64::try_from(i128::from(b) - i128::from(a) + 1).unwrap_or(0))
        }
        _ => None,
    };
    Some((KeyRange::new(start, end), show_interval("", lo, hi), at_most))
}

fn encode(prefix: &[u8], values: &[Value]) -> Vec<u8> {
    let mut k = prefix.to_vec();
    for v in values {
        tablecodec::datum::encode(&mut k, v);
    }
    k
}

/// Key ranges of `idx` from its leading columns' conditions: points on a prefix of columns,
/// then at most one interval. `None` when the first column is unconstrained.
fn index_ranges(
    t: &TableInfo,
    idx: &IndexInfo,
    conds: &HashMap<usize, Cond>,
) -> Option<(Vec<KeyRange>, String)> {
    let base = tablecodec::index_prefix(t.id, idx.id);
    let mut prefixes: Vec<Vec<Value>> = vec![Vec::new()];
    let mut interval = None;
    for c in &idx.columns {
        match conds.get(c) {
            Some(Cond::Points(points)) => prefixes = expand(prefixes, points)?,
            Some(Cond::Interval(lo, hi)) => {
                interval = Some((lo, hi));
                break;
            }
            None => break,
        }
    }
    if prefixes.first().is_some_and(Vec::is_empty) && interval.is_none() {
        return None;
    }
    let mut ranges = Vec::with_capacity(prefixes.len());
    let mut shown = String::new();
    for p in &prefixes {
        let pk = encode(&base, p);
        let text: String = p.iter().map(|v| format!("{v} ")).collect();
        let range = match interval {
            None => {
                let _ = write!(shown, "{}[{},{}]", sep(&shown), text.trim_end(), text.trim_end());
                KeyRange::new(pk.clone(), prefix_end(&pk)?)
            }
            Some((lo, hi)) => {
                let _ = write!(shown, "{}{}", sep(&shown), show_interval(&text, lo, hi));
                let start = match lo {
                    // Skip the NULLs, which sort first and no interval holds.
                    Bound::Unbounded => prefix_end(&encode(&pk, &[Value::Null]))?,
                    Bound::Included(v) => encode(&pk, std::slice::from_ref(v)),
                    Bound::Excluded(v) => prefix_end(&encode(&pk, std::slice::from_ref(v)))?,
                };
                let end = match hi {
                    Bound::Unbounded => prefix_end(&pk)?,
                    Bound::Included(v) => prefix_end(&encode(&pk, std::slice::from_ref(v)))?,
                    Bound::Excluded(v) => encode(&pk, std::slice::from_ref(v)),
                };
                if start >= end {
                    continue;
                }
                KeyRange::new(start, end)
            }
        };
        ranges.push(range);
    }
    Some((ranges, shown))
}

fn sep(s: &str) -> &'static str {
    if s.is_empty() {
        ""
    } else {
        ", "
    }
}

fn corrupt(t: &TableInfo) -> Error {
    Error::msg(errno::ER_INTERNAL, format!("corrupt index entry in table {}", t.name))
}

/// Rows whose leading columns of readable index `index` equal `values` (converted to those
/// columns' types); `None` when a value cannot be placed among a column's stored values (the
/// caller falls back to a scan).
pub(crate) fn rows_by_index_prefix(
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    index: &IndexInfo,
    values: &[Value],
) -> Result<Option<Vec<Row>>> {
    let prefix = match index_prefix_of(t, index, values) {
        None => return Ok(None),
        Some(None) => return Ok(Some(Vec::new())),
        Some(Some(prefix)) => prefix,
    };
    let access = Access::IndexRanges {
        index: index.clone(),
        ranges: vec![KeyRange::prefix(&prefix)],
        shown: String::new(),
        covering: false,
        est: None,
    };
    fetch(st, t, &access).map(Some)
}

/// The index key prefix of `values` (the index's leading columns): `None` when a value cannot
/// be compared by key, `Some(None)` when one matches nothing (NULL, out of range).
fn index_prefix_of(t: &TableInfo, index: &IndexInfo, values: &[Value]) -> Option<Option<Vec<u8>>> {
    let mut key = Vec::with_capacity(values.len());
    for (&c, v) in index.columns.iter().zip(values) {
        match super::ranges::point(&t.columns[c], v)? {
            None => return Some(None),
            Some(k) => key.push(k),
        }
    }
    Some(Some(tablecodec::index_key(t.id, index.id, &key, None)))
}

/// [`rows_by_index_prefix`] for several keys at once: each key's entries found by its own
/// scan, then the rows of all of them read in one batch (neighbouring handles read together,
/// see `kv::Transaction::batch_get`), decoded by `decoder`. Per key, `None` when its values
/// cannot be looked up.
pub(crate) fn rows_by_index_prefixes<R: KeyReads + ?Sized>(
    st: &mut R,
    t: &TableInfo,
    index: &IndexInfo,
    keys: &[Vec<Value>],
    decoder: &table::RowDecoder,
) -> Result<Vec<Option<Vec<Row>>>> {
    let mut handles: Vec<Option<Vec<i64>>> = Vec::with_capacity(keys.len());
    for values in keys {
        let prefix = match index_prefix_of(t, index, values) {
            None => {
                handles.push(None);
                continue;
            }
            Some(None) => {
                handles.push(Some(Vec::new()));
                continue;
            }
            Some(Some(prefix)) => prefix,
        };
        let entries = st.scan_all(&KeyRange::prefix(&prefix))?;
        let found = entries
            .iter()
            .map(|(k, v)| entry_handle(k, v).ok_or_else(|| corrupt(t)))
            .collect::<Result<Vec<_>>>()?;
        handles.push(Some(found));
    }
    let all: Vec<i64> = handles.iter().flatten().flatten().copied().collect();
    let record_keys: Vec<Vec<u8>> = all.iter().map(|&h| table::row_key(t, h)).collect();
    let mut raw = st.get_many(&record_keys)?.into_iter();
    let mut out = Vec::with_capacity(keys.len());
    for found in handles {
        let Some(found) = found else {
            out.push(None);
            continue;
        };
        let mut rows = Vec::with_capacity(found.len());
        for h in found {
            if let Some(bytes) = raw.next().flatten() {
                rows.push(decoder.decode(t, h, &bytes)?);
            }
        }
        out.push(Some(rows));
    }
    Ok(out)
}

/// Reads rows along an access path.
pub fn fetch(st: &mut StmtTxn<'_>, t: &TableInfo, access: &Access) -> Result<Vec<Row>> {
    match access {
        Access::Handles(handles) => get_rows(st, t, handles),
        Access::Unique { index, keys } => {
            let mut handles = Vec::with_capacity(keys.len());
            for key in keys {
                handles.extend(table::unique_lookup(st, t, index, key)?);
            }
            get_rows(st, t, &handles)
        }
        Access::HandleRange { range, .. } => table::scan_range(st, t, range),
        Access::IndexRanges { index, ranges, covering, .. } => {
            let mut entries = Vec::new();
            for r in ranges {
                entries.extend(st.scan(r)?);
            }
            index_entry_rows(st, t, index, *covering, &entries)
        }
        Access::FullScan => table::scan_rows(st, t),
    }
}

/// The rows index entries point at: decoded from the keys when the index covers the statement,
/// else read by handle.
pub(crate) fn index_entry_rows(
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    index: &IndexInfo,
    covering: bool,
    entries: &[kv::KvPair],
) -> Result<Vec<Row>> {
    let prefix_len = tablecodec::index_prefix(t.id, index.id).len();
    if covering {
        return entries
            .iter()
            .map(|(k, v)| {
                k.get(prefix_len..)
                    .and_then(|rest| index_row(t, index, rest, v))
                    .ok_or_else(|| corrupt(t))
            })
            .collect();
    }
    let handles = entries
        .iter()
        .map(|(k, v)| entry_handle(k, v).ok_or_else(|| corrupt(t)))
        .collect::<Result<Vec<_>>>()?;
    get_rows(st, t, &handles)
}

fn get_rows(st: &mut StmtTxn<'_>, t: &TableInfo, handles: &[i64]) -> Result<Vec<Row>> {
    let keys: Vec<Vec<u8>> = handles.iter().map(|&h| table::row_key(t, h)).collect();
    let mut rows = Vec::with_capacity(handles.len());
    for (&h, raw) in handles.iter().zip(st.batch_get(&keys)?) {
        if let Some(raw) = raw {
            rows.push(table::decode_row(t, h, &raw)?);
        }
    }
    Ok(rows)
}

/// The handle of an index entry: the value of a unique entry, else the key's last 8 bytes.
fn entry_handle(key: &[u8], value: &[u8]) -> Option<i64> {
    match <[u8; 8]>::try_from(value) {
        Ok(b) => Some(i64::from_be_bytes(b)),
        Err(_) => tablecodec::decode_index_handle(key),
    }
}

/// A row holding only the index's columns (and the handle column), decoded from an entry.
fn index_row(t: &TableInfo, idx: &IndexInfo, mut rest: &[u8], value: &[u8]) -> Option<Row> {
    let handle = entry_handle(rest, value)?;
    let mut values = vec![Value::Null; t.columns.len()];
    for &c in &idx.columns {
        let (v, r) = tablecodec::datum::decode(rest)?;
        rest = r;
        values[c] = column_value(&t.columns[c], v);
    }
    if let Some(h) = t.handle_column() {
        values[h] =
            if t.columns[h].ty.unsigned { Value::UInt(handle as u64) } else { Value::Int(handle) };
    }
    Some(Row { handle, values })
}

/// A decoded index datum in its column's type (text vs bytes, temporal kind and precision).
fn column_value(c: &catalog::ColumnInfo, v: Value) -> Value {
    match v {
        Value::Bytes(b) if !c.ty.is_binary() => match String::from_utf8(b) {
            Ok(s) => Value::String(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        },
        Value::Temporal(mut t) => {
            t.kind = match c.ty.kind {
                TypeKind::Date => types::TemporalKind::Date,
                TypeKind::Timestamp => types::TemporalKind::Timestamp,
                _ => types::TemporalKind::DateTime,
            };
            if t.kind != types::TemporalKind::Date {
                t.fsp = c.ty.scale.min(6) as u8;
            }
            Value::Temporal(t)
        }
        Value::Time(d) => d.with_fsp(c.ty.scale.min(6) as u8).map_or(Value::Time(d), Value::Time),
        other => other,
    }
}

/// The positions of `t`'s columns that `query` mentions by name (`None` when it selects `*`).
/// Names are matched loosely — any identifier equal to a column name counts — which can only
/// make an index look less covering than it is.
pub fn used_columns(t: &TableInfo, query: &ast::Query) -> Option<Vec<bool>> {
    use std::ops::ControlFlow;
    let mut used = vec![false; t.columns.len()];
    let _ = ast::visit_expressions(query, |e| {
        let name = match e {
            ast::Expr::Identifier(id) => Some(&id.value),
            ast::Expr::CompoundIdentifier(parts) => parts.last().map(|p| &p.value),
            _ => None,
        };
        if let Some((i, _)) = name.and_then(|n| t.column(n)) {
            used[i] = true;
        }
        ControlFlow::<()>::Continue(())
    });
    // A `*` in a subquery names the subquery's own tables, so only this level's matters.
    (!selects_star(query.body.as_ref())).then_some(used)
}

fn selects_star(body: &ast::SetExpr) -> bool {
    match body {
        ast::SetExpr::Select(s) => s.projection.iter().any(|i| {
            matches!(i, ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..))
        }),
        ast::SetExpr::Query(q) => selects_star(q.body.as_ref()),
        ast::SetExpr::SetOperation { left, right, .. } => selects_star(left) || selects_star(right),
        _ => true,
    }
}
