//! Writing rows: inserting, removing and replacing a row together with its index entries,
//! with pessimistic locks on every key whose uniqueness matters.

use catalog::TableInfo;
use errno::Result;

use crate::{
    stmt_txn::StmtTxn,
    table::{self, duplicate, index_entry, Row},
};

/// The unique index entries `row` would write: each index and its entry's key.
fn unique_entries<'t>(t: &'t TableInfo, row: &Row) -> Vec<(&'t catalog::IndexInfo, Vec<u8>)> {
    t.stored_indexes()
        .filter_map(|i| {
            let (k, _, unique) = index_entry(t, i, row);
            unique.then_some((i, k))
        })
        .collect()
}

/// The keys [`find_conflict`] locks for `row`: its row key and its unique index entries' keys.
pub fn conflict_keys(t: &TableInfo, row: &Row) -> Vec<Vec<u8>> {
    let mut keys = vec![table::row_key(t, row.handle)];
    keys.extend(unique_entries(t, row).into_iter().map(|(_, k)| k));
    keys
}

/// The existing row that `row` would duplicate (by handle, then by each unique index), after
/// locking every key whose uniqueness matters; with the index it clashes on.
pub fn find_conflict(
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    row: &Row,
) -> Result<Option<(Row, catalog::IndexInfo)>> {
    let uniques = unique_entries(t, row);
    let mut keys = vec![table::row_key(t, row.handle)];
    keys.extend(uniques.iter().map(|(_, k)| k.clone()));
    let existing = st.lock(&keys)?;
    if let Some(raw) = &existing[0] {
        let pk = t.primary_key().cloned().unwrap_or_else(|| catalog::IndexInfo {
            id: 0,
            name: "PRIMARY".into(),
            columns: t.handle_column().into_iter().collect(),
            unique: true,
            primary: true,
            state: catalog::IndexState::Public,
        });
        return Ok(Some((table::decode_row(t, row.handle, raw)?, pk)));
    }
    for ((idx, _), v) in uniques.iter().zip(&existing[1..]) {
        if let Some(h) = v.as_ref().and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok()) {
            let handle = i64::from_be_bytes(h);
            if let Some(r) = table::get_row(st, t, handle)? {
                return Ok(Some((r, (*idx).clone())));
            }
        }
    }
    Ok(None)
}

/// Writes `row` and its index entries without checking for duplicates (the caller did).
pub fn write_row(st: &mut StmtTxn<'_>, t: &TableInfo, row: &Row) -> Result<()> {
    st.put(table::row_key(t, row.handle), table::encode_row(t, &row.values))?;
    for idx in t.stored_indexes() {
        let (k, v, _) = index_entry(t, idx, row);
        st.put(k, v)?;
    }
    Ok(())
}

/// Inserts `row`. A duplicate primary key or unique-index value is error 1062 (nothing
/// written); `Ok(false)` instead when `ignore` (INSERT IGNORE), with nothing written either.
pub fn insert_row(st: &mut StmtTxn<'_>, t: &TableInfo, row: &Row, ignore: bool) -> Result<bool> {
    if let Some((_, idx)) = find_conflict(st, t, row)? {
        return if ignore { Ok(false) } else { Err(duplicate(t, &idx, row)) };
    }
    write_row(st, t, row)?;
    Ok(true)
}

/// Deletes `row` and its index entries.
pub fn delete_row(st: &mut StmtTxn<'_>, t: &TableInfo, row: &Row) -> Result<()> {
    st.delete(table::row_key(t, row.handle))?;
    for idx in t.stored_indexes() {
        let (k, _, _) = index_entry(t, idx, row);
        st.delete(k)?;
    }
    Ok(())
}

/// Replaces `old` by `new` (same or different handle), keeping indexes consistent.
///
/// With the handle unchanged (the common UPDATE) the record is rewritten in place and only the
/// index entries whose key changes are touched; only a unique entry that changes is checked
/// (and locked) for a duplicate — as TiDB's `updateRecord`. The record key itself was locked
/// when the row was read.
pub fn update_row(st: &mut StmtTxn<'_>, t: &TableInfo, old: &Row, new: &Row) -> Result<()> {
    if old.handle != new.handle {
        delete_row(st, t, old)?;
        return insert_row(st, t, new, false).map(|_| ());
    }
    for idx in t.stored_indexes() {
        let (old_key, _, _) = index_entry(t, idx, old);
        let (new_key, value, unique) = index_entry(t, idx, new);
        if old_key == new_key {
            continue;
        }
        if unique {
            let taken = st.lock(std::slice::from_ref(&new_key))?.pop().flatten();
            if let Some(h) = taken.and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok()) {
                let other = i64::from_be_bytes(h);
                if other != new.handle && table::get_row(st, t, other)?.is_some() {
                    return Err(duplicate(t, idx, new));
                }
            }
        }
        st.delete(old_key)?;
        st.put(new_key, value)?;
    }
    st.put(table::row_key(t, new.handle), table::encode_row(t, &new.values))
}
