//! `CREATE [UNIQUE] INDEX` and `DROP INDEX`: the definition change and the index entries are
//! written in one DDL transaction (existing rows are backfilled before it commits).

use catalog::Catalog;
use errno::{Error, Result, ER_CANT_DROP_FIELD_OR_KEY, ER_NOT_SUPPORTED_YET};
use kv::KeyRange;
use sqlparser::ast::{CreateIndex, ObjectName};

use super::{ddl::add_index, object_parts, table_name};
use crate::{
    context::SessionCtx,
    result::ExecResult,
    stmt_txn::StmtTxn,
    table::{duplicate, index_entry, scan_rows},
};

/// `CREATE [UNIQUE] INDEX name ON t (cols)`.
pub fn create_index(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    ci: &CreateIndex,
) -> Result<ExecResult> {
    let (db, tname) = table_name(ctx, &ci.table_name)?;
    let name = ci.name.as_ref().map(|n| object_parts(n).last().cloned().unwrap_or_default());
    let cols = super::ddl::index_columns(&ci.columns)?;
    if ci.if_not_exists {
        let schema = catalog.schema();
        let t = schema.table(&db, &tname)?;
        if name.as_ref().is_some_and(|n| t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n))) {
            return Ok(ExecResult::ok());
        }
    }
    catalog.alter_table(&db, &tname, |txn, t| {
        super::view::ensure_base_table(&db, t)?;
        add_index(t, name, &cols, ci.unique, false)?;
        let index = t
            .indexes
            .last()
            .cloned()
            .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "index lost"))?;
        let mut st = StmtTxn::new(txn);
        for row in scan_rows(&mut st, t)? {
            let (key, value, unique) = index_entry(t, &index, &row);
            if unique && st.get(&key)?.is_some() {
                return Err(duplicate(t, &index, &row));
            }
            st.put(key, value);
        }
        st.flush()
    })?;
    Ok(ExecResult::ok())
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
