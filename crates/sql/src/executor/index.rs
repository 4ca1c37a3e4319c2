//! `CREATE [UNIQUE] INDEX`, `ALTER TABLE … ADD INDEX/UNIQUE` and `DROP INDEX`.
//!
//! Adding an index is online, as in TiDB: the index is published write-only (every write from
//! then on maintains and checks it, no read uses it), transactions that wrote the table under
//! the old definition fail at commit (8028), existing rows are backfilled in small transactions
//! that lock each row while writing its entry, and the index is then made public. Reads and
//! writes of the table go on throughout; a duplicate found while backfilling a unique index
//! removes the index again and reports 1062.

use catalog::{Catalog, IndexState, TableInfo};
use errno::{Error, Result, ER_CANT_DROP_FIELD_OR_KEY, ER_NOT_SUPPORTED_YET};
use kv::{prefix_end, KeyRange};
use sqlparser::ast::{CreateIndex, ObjectName};
use std::ops::Bound;

use super::{ddl::add_index, object_parts, table_name};
use crate::{
    context::SessionCtx,
    result::ExecResult,
    stmt_txn::StmtTxn,
    table::{decode_row, duplicate, index_entry},
};

/// Rows backfilled per transaction.
const BACKFILL_BATCH: usize = 256;

/// `CREATE [UNIQUE] INDEX name ON t (cols)`.
pub fn create_index(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    ci: &CreateIndex,
) -> Result<ExecResult> {
    let (db, tname) = table_name(ctx, &ci.table_name)?;
    let name = ci.name.as_ref().map(|n| object_parts(n).last().cloned().unwrap_or_default());
    let cols = super::ddl::index_columns(&ci.columns)?;
    if let Some(temp) = ctx.temporary_table(&db, &tname) {
        if ci.if_not_exists
            && name
                .as_ref()
                .is_some_and(|n| temp.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n)))
        {
            return Ok(ExecResult::ok());
        }
        let t = add_temporary_index(catalog, &temp, name, &cols, ci.unique)?;
        for (_, held) in ctx.temp_tables.iter_mut() {
            if held.id == t.id {
                *held = std::sync::Arc::new(t.clone());
            }
        }
        return Ok(ExecResult::ok());
    }
    if ci.if_not_exists {
        let schema = catalog.schema();
        let t = schema.table(&db, &tname)?;
        if name.as_ref().is_some_and(|n| t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n))) {
            return Ok(ExecResult::ok());
        }
    }
    add_index_online(catalog, &db, &tname, name, &cols, ci.unique)?;
    Ok(ExecResult::ok())
}

/// A session's temporary table with one more index, its entries written for every row (no
/// other session writes the table, so nothing is published in between). A duplicate in a
/// unique index removes the entries written and reports 1062.
fn add_temporary_index(
    catalog: &Catalog,
    temp: &TableInfo,
    name: Option<String>,
    cols: &[String],
    unique: bool,
) -> Result<TableInfo> {
    let mut t = temp.clone();
    add_index(&mut t, name, cols, unique, false)?;
    let index_id = t
        .indexes
        .last()
        .map(|i| i.id)
        .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "index lost"))?;
    if let Err(e) = backfill(catalog, &t, index_id) {
        let mut txn = catalog.begin_write()?;
        let range = KeyRange::prefix(&tablecodec::index_prefix(t.id, index_id));
        for (k, _) in txn.scan(&range, usize::MAX, false)? {
            txn.delete(k)?;
        }
        txn.commit()?;
        return Err(e);
    }
    Ok(t)
}

/// Adds a secondary index without blocking the table: publish write-only, backfill, publish.
pub fn add_index_online(
    catalog: &Catalog,
    db: &str,
    tname: &str,
    name: Option<String>,
    cols: &[String],
    unique: bool,
) -> Result<()> {
    let mut index_id = 0;
    catalog.alter_table(db, tname, |_, t| {
        super::view::ensure_base_table(db, t)?;
        add_index(t, name, cols, unique, false)?;
        let index =
            t.indexes.last_mut().ok_or_else(|| Error::msg(errno::ER_INTERNAL, "index lost"))?;
        index.state = IndexState::WriteOnly;
        index_id = index.id;
        Ok(())
    })?;
    let built = catalog.schema().table(db, tname).cloned();
    let built = built.and_then(|t| backfill(catalog, &t, index_id));
    catalog.alter_table(db, tname, |txn, t| {
        let Some(pos) = t.indexes.iter().position(|i| i.id == index_id) else {
            return Err(Error::msg(errno::ER_INTERNAL, "index being added vanished"));
        };
        if built.is_ok() {
            t.indexes[pos].state = IndexState::Public;
            return Ok(());
        }
        let index = t.indexes.remove(pos);
        let range = KeyRange::prefix(&tablecodec::index_prefix(t.id, index.id));
        for (k, _) in txn.scan(&range, usize::MAX, false)? {
            txn.delete(k)?;
        }
        Ok(())
    })?;
    built
}

/// Writes the entries of index `index_id` for every row, a batch of rows per transaction. Each
/// row is locked and re-read at its newest version, so a concurrent update either finished
/// before (its entry is what is written) or waits until the batch commits (and then maintains
/// the entry itself, the index being write-only).
fn backfill(catalog: &Catalog, t: &TableInfo, index_id: i64) -> Result<()> {
    let index = t
        .indexes
        .iter()
        .find(|i| i.id == index_id)
        .cloned()
        .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "index being added vanished"))?;
    let prefix = tablecodec::record_prefix(t.id);
    let end = prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
    let mut start = Bound::Included(prefix);
    loop {
        let mut txn = catalog.begin_write()?;
        let range = KeyRange { start: start.clone(), end: end.clone() };
        let keys: Vec<Vec<u8>> =
            txn.scan(&range, BACKFILL_BATCH, false)?.into_iter().map(|(k, _)| k).collect();
        let Some(last) = keys.last().cloned() else { break };
        let latest = txn.lock_keys(&keys)?;
        let mut entries = Vec::with_capacity(keys.len());
        for (k, raw) in keys.iter().zip(latest) {
            let Some(raw) = raw else { continue };
            let handle = tablecodec::decode_record_key(k)
                .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "corrupt row key"))?;
            let row = decode_row(t, handle, &raw)?;
            let (key, value, must_be_unique) = index_entry(t, &index, &row);
            entries.push((row, key, value, must_be_unique));
        }
        // Unique entries are locked too, so a concurrent insert of the same value either
        // committed before (and is seen here) or waits and then sees this entry.
        let unique_keys: Vec<Vec<u8>> =
            entries.iter().filter(|e| e.3).map(|e| e.1.clone()).collect();
        let mut holders: std::collections::HashMap<Vec<u8>, Vec<u8>> = unique_keys
            .iter()
            .cloned()
            .zip(txn.lock_keys(&unique_keys)?)
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let mut st = StmtTxn::new(txn.as_mut());
        for (row, key, value, must_be_unique) in entries {
            if must_be_unique {
                if let Some(other) = holders.get(&key) {
                    if *other != value {
                        return Err(duplicate(t, &index, &row));
                    }
                }
                holders.insert(key.clone(), value.clone());
            }
            st.put(key, value)?;
        }
        st.flush()?;
        txn.commit()?;
        start = Bound::Excluded(last);
    }
    Ok(())
}

/// `DROP INDEX name ON t`.
pub fn drop_index(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    names: &[ObjectName],
    table: Option<&ObjectName>,
    if_exists: bool,
) -> Result<ExecResult> {
    let Some(table) = table else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"DROP INDEX without ON table"]));
    };
    let (db, tname) = table_name(ctx, table)?;
    for n in names {
        let iname = object_parts(n).last().cloned().unwrap_or_default();
        let exists = catalog
            .schema()
            .table(&db, &tname)?
            .indexes
            .iter()
            .any(|i| i.name.eq_ignore_ascii_case(&iname));
        if !exists {
            if if_exists {
                continue;
            }
            return Err(Error::fmt(ER_CANT_DROP_FIELD_OR_KEY, &[&iname]));
        }
        catalog.alter_table(&db, &tname, |txn, t| {
            let pos = t
                .indexes
                .iter()
                .position(|i| i.name.eq_ignore_ascii_case(&iname))
                .ok_or_else(|| Error::fmt(ER_CANT_DROP_FIELD_OR_KEY, &[&iname]))?;
            let index = t.indexes.remove(pos);
            if index.primary {
                return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"dropping the primary key"]));
            }
            let range = KeyRange::prefix(&tablecodec::index_prefix(t.id, index.id));
            for (k, _) in txn.scan(&range, usize::MAX, false)? {
                txn.delete(k)?;
            }
            Ok(())
        })?;
    }
    Ok(ExecResult::ok())
}
