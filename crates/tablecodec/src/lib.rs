//! How tables live in the key-value store (TiDB's layout).
//!
//! ```text
//!  row:           t{table_id}_r{handle}                 → row value (see [`row`])
//!  unique index:  t{table_id}_i{index_id}{values}       → handle
//!  other index:   t{table_id}_i{index_id}{values}{handle} → (empty)
//!  metadata:      m…                                     → catalog records (see the catalog crate)
//! ```
//!
//! `table_id`, `index_id` and `handle` are memcomparable-encoded signed integers and index values
//! are memcomparable datums ([`datum`]), so byte order equals SQL order and a range of rows or
//! index entries is a range of keys.

pub mod datum;
pub mod row;

use types::Value;

/// Prefix of every table key.
pub const TABLE_PREFIX: u8 = b't';
const RECORD_SEP: &[u8] = b"_r";
const INDEX_SEP: &[u8] = b"_i";

/// `t{table_id}`: the prefix of everything in a table.
pub fn table_prefix(table_id: i64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(TABLE_PREFIX);
    datum::put_i64(&mut k, table_id);
    k
}

/// `t{table_id}_r`: the prefix of a table's rows.
pub fn record_prefix(table_id: i64) -> Vec<u8> {
    let mut k = table_prefix(table_id);
    k.extend_from_slice(RECORD_SEP);
    k
}

/// `t{table_id}_r{handle}`.
pub fn record_key(table_id: i64, handle: i64) -> Vec<u8> {
    let mut k = record_prefix(table_id);
    datum::put_i64(&mut k, handle);
    k
}

/// The handle of a row key.
pub fn decode_record_key(key: &[u8]) -> Option<i64> {
    let handle = key.get(key.len().checked_sub(8)?..)?;
    datum::get_i64(handle)
}

/// `t{table_id}_i{index_id}`: the prefix of an index.
pub fn index_prefix(table_id: i64, index_id: i64) -> Vec<u8> {
    let mut k = table_prefix(table_id);
    k.extend_from_slice(INDEX_SEP);
    datum::put_i64(&mut k, index_id);
    k
}

/// `t{table_id}_i{index_id}{values}`, plus `{handle}` for non-unique entries.
pub fn index_key(table_id: i64, index_id: i64, values: &[Value], handle: Option<i64>) -> Vec<u8> {
    let mut k = index_prefix(table_id, index_id);
    for v in values {
        datum::encode(&mut k, v);
    }
    if let Some(h) = handle {
        datum::put_i64(&mut k, h);
    }
    k
}

/// The handle at the end of a non-unique index key.
pub fn decode_index_handle(key: &[u8]) -> Option<i64> {
    decode_record_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_order_by_handle_and_round_trip() {
        assert!(record_key(5, -1) < record_key(5, 0));
        assert!(record_key(5, 0) < record_key(5, 1));
        assert!(record_key(5, i64::MAX) < record_key(6, i64::MIN));
        assert_eq!(decode_record_key(&record_key(5, -42)), Some(-42));
        assert!(record_key(5, 1).starts_with(&record_prefix(5)));
        assert!(!index_key(5, 1, &[], None).starts_with(&record_prefix(5)));
    }

    #[test]
    fn index_keys_order_by_values() {
        let a = index_key(1, 1, &[Value::String("a".into())], Some(9));
        let b = index_key(1, 1, &[Value::String("b".into())], Some(1));
        let null = index_key(1, 1, &[Value::Null], Some(1));
        assert!(null < a && a < b);
        assert_eq!(decode_index_handle(&a), Some(9));
    }
}
