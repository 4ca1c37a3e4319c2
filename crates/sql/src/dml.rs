//! Writing rows: inserting, removing and replacing a row together with its index entries,
//! with pessimistic locks on every key whose uniqueness matters.

use catalog::TableInfo;
use errno::Result;

use crate::{
    stmt_txn::StmtTxn,
    table::{self, duplicate, index_entry, Row},
};

/// Inserts `row`. A duplicate primary key or unique-index value is error 1062 (nothing
/// written); `Ok(false)` instead when `ignore` (INSERT IGNORE), with nothing written either.
pub fn insert_row(st: &mut StmtTxn<'_>, t: &TableInfo, row: &Row, ignore: bool) -> Result<bool> {
    let row_key = table::row_key(t, row.handle);
    let entries: Vec<_> = t.stored_indexes().map(|i| (i, index_entry(t, i, row))).collect();
    // Lock the row key and every unique key, then check them with a current read.
    let mut keys = vec![row_key.clone()];
    keys.extend(
        entries.iter().filter(|(_, (_, _, unique))| *unique).map(|(_, (k, _, _))| k.clone()),
    );
    let existing = st.lock(&keys)?;
    if existing[0].is_some() {
        if ignore {
            return Ok(false);
        }
        let pk = t.primary_key().cloned().unwrap_or_else(|| catalog::IndexInfo {
            id: 0,
            name: "PRIMARY".into(),
            columns: t.handle_column().into_iter().collect(),
            unique: true,
            primary: true,
        });
        return Err(duplicate(t, &pk, row));
    }
    let mut unique_i = 1;
    for (idx, (_, _, unique)) in &entries {
        if *unique {
            if existing[unique_i].is_some() {
                if ignore {
                    return Ok(false);
                }
                return Err(duplicate(t, idx, row));
            }
            unique_i += 1;
        }
    }
    st.put(row_key, table::encode_row(t, &row.values));
    for (_, (k, v, _)) in entries {
        st.put(k, v);
    }
    Ok(true)
}

/// Deletes `row` and its index entries.
pub fn delete_row(st: &mut StmtTxn<'_>, t: &TableInfo, row: &Row) {
    st.delete(table::row_key(t, row.handle));
    for idx in t.stored_indexes() {
        let (k, _, _) = index_entry(t, idx, row);
        st.delete(k);
    }
}

/// Replaces `old` by `new` (same or different handle), keeping indexes consistent.
pub fn update_row(st: &mut StmtTxn<'_>, t: &TableInfo, old: &Row, new: &Row) -> Result<()> {
    delete_row(st, t, old);
    insert_row(st, t, new, false).map(|_| ())
}
