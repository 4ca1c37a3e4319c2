//! A table's rows in the KV store (TiDB's `pkg/table`): encoding, decoding, index entries and
//! reads here; writing rows with their index entries and locks (`dml`); foreign-key checks and
//! actions (`fk`) — shared by INSERT, UPDATE, DELETE, LOAD DATA and DDL backfill.

pub mod dml;
pub mod fk;
pub mod generated;

use catalog::{DefaultValue, IndexInfo, TableInfo};
use errno::{Error, Result, ER_DUP_ENTRY};
use kv::KeyRange;
use types::Value;

use crate::{convert::to_column, stmt_txn::StmtTxn};

/// A row and its handle.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Row handle (the clustered integer primary key, or a hidden row id).
    pub handle: i64,
    /// Values in column order.
    pub values: Vec<Value>,
}

/// The row key of `handle`.
pub fn row_key(table: &TableInfo, handle: i64) -> Vec<u8> {
    tablecodec::record_key(table.id, handle)
}

/// Encodes a row value.
pub fn encode_row(table: &TableInfo, values: &[Value]) -> Vec<u8> {
    let cols: Vec<(u32, &Value)> =
        table.columns.iter().zip(values).map(|(c, v)| (c.id, v)).collect();
    tablecodec::row::encode_row(&cols)
}

/// Decodes a stored row into column order; columns added after the row was written read as
/// their default.
pub fn decode_row(table: &TableInfo, handle: i64, raw: &[u8]) -> Result<Row> {
    decode_columns(table, handle, raw, None)
}

/// Like [`decode_row`], but with `needed` (by column position) only those columns are decoded;
/// the others read as NULL.
pub fn decode_columns(
    table: &TableInfo,
    handle: i64,
    raw: &[u8],
    needed: Option<&[bool]>,
) -> Result<Row> {
    let stored = match needed {
        None => tablecodec::row::decode_row(raw),
        Some(needed) => {
            let ids: Vec<u32> =
                table.columns.iter().zip(needed).filter(|(_, n)| **n).map(|(c, _)| c.id).collect();
            tablecodec::row::decode_row_where(raw, &|id| ids.contains(&id))
        }
    };
    let mut stored = stored.ok_or_else(|| {
        Error::msg(errno::ER_INTERNAL, format!("corrupt row {handle} in table {}", table.name))
    })?;
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, c) in table.columns.iter().enumerate() {
        if needed.is_some_and(|n| !n.get(i).copied().unwrap_or(true)) {
            values.push(Value::Null);
            continue;
        }
        // Stored columns are usually in column order: look there first, then search.
        let at = match stored.get(i) {
            Some((id, _)) if *id == c.id => Some(i),
            _ => stored.iter().position(|(id, _)| *id == c.id),
        };
        let v = match at {
            Some(at) => std::mem::replace(&mut stored[at].1, Value::Null),
            // A column added after the row was written: its default, or for NOT NULL columns
            // without one, the type's implicit default (0 / ''), as MySQL fills them.
            None => match &c.default {
                Some(DefaultValue::Text(t)) => to_column(Value::String(t.clone()), c, 0)?,
                None if c.not_null => implicit_default(c),
                _ => Value::Null,
            },
        };
        values.push(v);
    }
    Ok(Row { handle, values })
}

/// Decodes many rows of one table into the `needed` columns, with each stored column id's
/// position worked out once (a table reader keeps one for its scan).
#[derive(Debug, Clone)]
pub struct RowDecoder {
    /// Position of each column id (`None`: not read).
    slots: Vec<Option<usize>>,
    /// Columns read.
    wanted: usize,
    needed: Option<Vec<bool>>,
}

impl RowDecoder {
    /// A decoder of `table`'s rows into the `needed` columns (`None`: all).
    pub fn new(table: &TableInfo, needed: Option<&[bool]>) -> Self {
        let top = table.columns.iter().map(|c| c.id as usize).max().unwrap_or(0);
        let mut slots = vec![None; top + 1];
        let mut wanted = 0;
        for (i, c) in table.columns.iter().enumerate() {
            if needed.is_none_or(|n| n.get(i).copied().unwrap_or(true)) {
                slots[c.id as usize] = Some(i);
                wanted += 1;
            }
        }
        RowDecoder { slots, wanted, needed: needed.map(<[bool]>::to_vec) }
    }

    /// Row `handle` of `table` from its stored bytes. A row missing a column (added after it
    /// was written) takes the general path, which fills defaults.
    pub fn decode(&self, table: &TableInfo, handle: i64, raw: &[u8]) -> Result<Row> {
        let mut values = vec![Value::Null; table.columns.len()];
        if self.wanted == 0 {
            return Ok(Row { handle, values });
        }
        let slot_of = |id: u32| self.slots.get(id as usize).copied().flatten();
        match tablecodec::row::decode_row_into(raw, slot_of, &mut values, self.wanted) {
            Some(n) if n == self.wanted => Ok(Row { handle, values }),
            _ => decode_columns(table, handle, raw, self.needed.as_deref()),
        }
    }

    /// Decodes a stored record `t{id}_r{handle} → row`.
    pub fn decode_record(&self, table: &TableInfo, key: &[u8], value: &[u8]) -> Result<Row> {
        self.decode(table, record_handle(key)?, value)
    }
}

/// MySQL's implicit default of a NOT NULL column without DEFAULT.
pub fn implicit_default(c: &catalog::ColumnInfo) -> Value {
    match c.ty.kind {
        types::TypeKind::Float | types::TypeKind::Double => Value::Double(0.0),
        types::TypeKind::Year => Value::Int(0),
        types::TypeKind::Time => {
            types::Duration::from_micros(0, 0).map_or(Value::Null, Value::Time)
        }
        _ if c.ty.is_integer() => {
            if c.ty.unsigned {
                Value::UInt(0)
            } else {
                Value::Int(0)
            }
        }
        _ if c.ty.is_binary() => Value::Bytes(Vec::new()),
        _ => Value::String(String::new()),
    }
}

/// The index entry of `row` for `index`: key, value, and whether it must be unique.
pub fn index_entry(table: &TableInfo, index: &IndexInfo, row: &Row) -> (Vec<u8>, Vec<u8>, bool) {
    let vals: Vec<Value> = index.columns.iter().map(|&c| row.values[c].clone()).collect();
    // A unique index still admits many NULLs: such entries carry the handle like non-unique ones.
    let unique = index.unique && !vals.iter().any(Value::is_null);
    if unique {
        let key = tablecodec::index_key(table.id, index.id, &vals, None);
        (key, row.handle.to_be_bytes().to_vec(), true)
    } else {
        let key = tablecodec::index_key(table.id, index.id, &vals, Some(row.handle));
        (key, Vec::new(), false)
    }
}

/// The 1062 error for a duplicate in `index`.
pub fn duplicate(table: &TableInfo, index: &IndexInfo, row: &Row) -> Error {
    let vals: Vec<String> = index.columns.iter().map(|&c| row.values[c].to_string()).collect();
    Error::fmt(ER_DUP_ENTRY, &[&vals.join("-"), &format!("{}.{}", table.name, index.name)])
}

/// Reads the row with `handle`, if it exists.
pub fn get_row(st: &mut StmtTxn<'_>, table: &TableInfo, handle: i64) -> Result<Option<Row>> {
    match st.get(&row_key(table, handle))? {
        Some(raw) => Ok(Some(decode_row(table, handle, &raw)?)),
        None => Ok(None),
    }
}

/// Reads every row, in handle order.
pub fn scan_rows(st: &mut StmtTxn<'_>, table: &TableInfo) -> Result<Vec<Row>> {
    scan_range(st, table, &KeyRange::prefix(&tablecodec::record_prefix(table.id)))
}

/// Reads the rows whose record keys are in `range`, in handle order.
pub fn scan_range(st: &mut StmtTxn<'_>, table: &TableInfo, range: &KeyRange) -> Result<Vec<Row>> {
    st.scan(range)?.iter().map(|(k, v)| decode_record(table, k, v)).collect()
}

/// Decodes a stored record `t{id}_r{handle} → row`.
pub fn decode_record(table: &TableInfo, key: &[u8], value: &[u8]) -> Result<Row> {
    decode_columns(table, record_handle(key)?, value, None)
}

/// The handle in a record key.
fn record_handle(key: &[u8]) -> Result<i64> {
    tablecodec::decode_record_key(key)
        .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "corrupt row key"))
}

/// The handle a unique index maps `values` to, if any.
pub fn unique_lookup(
    st: &mut StmtTxn<'_>,
    table: &TableInfo,
    index: &IndexInfo,
    values: &[Value],
) -> Result<Option<i64>> {
    let key = tablecodec::index_key(table.id, index.id, values, None);
    Ok(st.get(&key)?.and_then(|v| v.try_into().ok()).map(i64::from_be_bytes))
}
