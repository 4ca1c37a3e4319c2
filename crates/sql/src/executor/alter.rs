//! `ALTER TABLE` and `RENAME TABLE`.
//!
//! Every change runs in one DDL transaction: the new definition, rewritten rows (when a column's
//! type changes) and rebuilt index entries commit together. Rows store values by column id, so
//! adding, dropping or renaming a column needs no row rewrite.

use catalog::{Catalog, IndexInfo, TableInfo};
use errno::{
    Error, Result, ER_BAD_FIELD, ER_CANT_DROP_FIELD_OR_KEY, ER_DUP_FIELDNAME, ER_NOT_SUPPORTED_YET,
    ER_TABLE_EXISTS,
};
use kv::{KeyRange, Transaction};
use sqlparser::ast::{
    AlterTable, AlterTableOperation as Op, ColumnOption, DataType, Ident, MySQLColumnPosition,
    ObjectName, RenameTableNameKind, TableConstraint,
};

use super::{
    ddl::{add_index, build_column, index_columns},
    table_name,
};
use crate::{
    context::SessionCtx,
    convert::to_column,
    result::ExecResult,
    stmt_txn::StmtTxn,
    table::{decode_row, duplicate, encode_row, index_entry, row_key},
};

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// Where a column goes: its offset in the new column list.
fn position(t: &TableInfo, pos: Option<&MySQLColumnPosition>, default: usize) -> Result<usize> {
    match pos {
        None => Ok(default),
        Some(MySQLColumnPosition::First) => Ok(0),
        Some(MySQLColumnPosition::After(c)) => t
            .column(&c.value)
            .map(|(i, _)| i + 1)
            .ok_or_else(|| Error::fmt(ER_BAD_FIELD, &[&c.value, &t.name])),
    }
}

/// Moves the column at `from` to `to`, keeping index column offsets pointing at the same columns.
fn move_column(t: &mut TableInfo, from: usize, to: usize) {
    let col = t.columns.remove(from);
    let to = if to > from { to - 1 } else { to };
    t.columns.insert(to, col);
    let remap = |o: usize| -> usize {
        if o == from {
            to
        } else {
            let after_removal = if o > from { o - 1 } else { o };
            if after_removal >= to {
                after_removal + 1
            } else {
                after_removal
            }
        }
    };
    for i in &mut t.indexes {
        for c in &mut i.columns {
            *c = remap(*c);
        }
    }
}

/// Rewrites every row (values converted to the new column types) and rebuilds every stored index.
fn rewrite(
    txn: &mut dyn Transaction,
    old: &TableInfo,
    new: &TableInfo,
    convert: bool,
) -> Result<()> {
    let mut st = StmtTxn::new(txn);
    for idx in old.stored_indexes() {
        for (k, _) in st.scan(&KeyRange::prefix(&tablecodec::index_prefix(old.id, idx.id)))? {
            st.delete(k)?;
        }
    }
    let rows = st.scan(&KeyRange::prefix(&tablecodec::record_prefix(old.id)))?;
    for (n, (k, raw)) in rows.into_iter().enumerate() {
        let handle = tablecodec::decode_record_key(&k)
            .ok_or_else(|| Error::msg(errno::ER_INTERNAL, "corrupt row key"))?;
        let mut row = decode_row(new, handle, &raw)?;
        if convert {
            for (v, c) in row.values.iter_mut().zip(&new.columns) {
                *v = to_column(std::mem::replace(v, types::Value::Null), c, n + 1)?;
            }
            st.put(row_key(new, handle), encode_row(new, &row.values))?;
        }
        for idx in new.stored_indexes() {
            let (key, value, unique) = index_entry(new, idx, &row);
            if unique && st.get(&key)?.is_some() {
                return Err(duplicate(new, idx, &row));
            }
            st.put(key, value)?;
        }
    }
    st.flush()
}

fn replace_column(
    t: &mut TableInfo,
    old_name: &Ident,
    new_name: &str,
    data_type: &DataType,
    options: &[ColumnOption],
    pos: Option<&MySQLColumnPosition>,
) -> Result<()> {
    let (i, old) = t
        .column(&old_name.value)
        .ok_or_else(|| Error::fmt(ER_BAD_FIELD, &[&old_name.value, &t.name]))?;
    if !old_name.value.eq_ignore_ascii_case(new_name) && t.column(new_name).is_some() {
        return Err(Error::fmt(ER_DUP_FIELDNAME, &[&new_name]));
    }
    let (mut col, keys) = build_column(old.id, new_name, data_type, options)?;
    if t.indexes.iter().any(|x| x.primary && x.columns.contains(&i)) {
        col.not_null = true;
        if col.default == Some(catalog::DefaultValue::Null) {
            col.default = None;
        }
    }
    if t.handle_column() == Some(i) && !col.ty.is_integer() {
        return Err(unsupported("changing the clustered primary key to a non-integer type"));
    }
    t.columns[i] = col;
    for (name, cols, unique, primary) in keys {
        add_index(t, name, &cols, unique, primary)?;
    }
    if let Some(p) = pos {
        let to = position(t, Some(p), i)?;
        move_column(t, i, to);
    }
    Ok(())
}

/// Applies one operation to the definition; returns whether stored values must be converted.
fn apply(t: &mut TableInfo, op: &Op) -> Result<bool> {
    match op {
        Op::AddColumn { column_def, column_position, if_not_exists, .. } => {
            if t.column(&column_def.name.value).is_some() {
                if *if_not_exists {
                    return Ok(false);
                }
                return Err(Error::fmt(ER_DUP_FIELDNAME, &[&column_def.name.value]));
            }
            let options: Vec<ColumnOption> =
                column_def.options.iter().map(|o| o.option.clone()).collect();
            let (col, keys) = build_column(
                t.next_column_id,
                &column_def.name.value,
                &column_def.data_type,
                &options,
            )?;
            if col.auto_increment {
                return Err(unsupported("adding an AUTO_INCREMENT column"));
            }
            t.next_column_id += 1;
            t.columns.push(col);
            let at = position(t, column_position.as_ref(), t.columns.len() - 1)?;
            let last = t.columns.len() - 1;
            move_column(t, last, at);
            for (name, cols, unique, primary) in keys {
                if primary {
                    return Err(unsupported("adding a primary key"));
                }
                add_index(t, name, &cols, unique, primary)?;
            }
            Ok(false)
        }
        Op::DropColumn { column_names, if_exists, .. } => {
            for name in column_names {
                let Some((i, _)) = t.column(&name.value) else {
                    if *if_exists {
                        continue;
                    }
                    return Err(Error::fmt(ER_CANT_DROP_FIELD_OR_KEY, &[&name.value]));
                };
                if t.handle_column() == Some(i) {
                    return Err(unsupported("dropping the clustered primary key column"));
                }
                if t.columns.len() == 1 {
                    return Err(Error::fmt(errno::ER_CANT_REMOVE_ALL_FIELDS, &[]));
                }
                t.columns.remove(i);
                let mut kept: Vec<IndexInfo> = Vec::new();
                for mut idx in std::mem::take(&mut t.indexes) {
                    idx.columns.retain(|&c| c != i);
                    for c in &mut idx.columns {
                        if *c > i {
                            *c -= 1;
                        }
                    }
                    if !idx.columns.is_empty() {
                        kept.push(idx);
                    }
                }
                t.indexes = kept;
            }
            Ok(false)
        }
        Op::ModifyColumn { col_name, data_type, options, column_position } => {
            replace_column(
                t,
                col_name,
                &col_name.value.clone(),
                data_type,
                options,
                column_position.as_ref(),
            )?;
            Ok(true)
        }
        Op::ChangeColumn { old_name, new_name, data_type, options, column_position } => {
            replace_column(
                t,
                old_name,
                &new_name.value,
                data_type,
                options,
                column_position.as_ref(),
            )?;
            Ok(true)
        }
        Op::RenameColumn { old_column_name, new_column_name } => {
            if t.column(&new_column_name.value).is_some() {
                return Err(Error::fmt(ER_DUP_FIELDNAME, &[&new_column_name.value]));
            }
            let (i, _) = t
                .column(&old_column_name.value)
                .ok_or_else(|| Error::fmt(ER_BAD_FIELD, &[&old_column_name.value, &t.name]))?;
            t.columns[i].name = new_column_name.value.clone();
            Ok(false)
        }
        Op::AddConstraint { constraint, .. } => {
            let (name, cols, unique, primary) = match constraint {
                TableConstraint::Unique(u) => (
                    u.name.as_ref().or(u.index_name.as_ref()).map(|n| n.value.clone()),
                    index_columns(&u.columns)?,
                    true,
                    false,
                ),
                TableConstraint::Index(i) => (
                    i.name.as_ref().map(|n| n.value.clone()),
                    index_columns(&i.columns)?,
                    false,
                    false,
                ),
                other => return Err(unsupported(format!("ADD {other}"))),
            };
            add_index(t, name, &cols, unique, primary)?;
            Ok(false)
        }
        Op::DropIndex { name } => {
            let pos = t
                .indexes
                .iter()
                .position(|i| i.name.eq_ignore_ascii_case(&name.value) && !i.primary)
                .ok_or_else(|| Error::fmt(ER_CANT_DROP_FIELD_OR_KEY, &[&name.value]))?;
            t.indexes.remove(pos);
            Ok(false)
        }
        other => Err(unsupported(format!("ALTER TABLE {other}"))),
    }
}

/// `ALTER TABLE t op, op, …`.
pub fn alter_table(ctx: &mut SessionCtx, catalog: &Catalog, at: &AlterTable) -> Result<ExecResult> {
    let (db, tname) = table_name(ctx, &at.name)?;
    let mut rename_to: Option<ObjectName> = None;
    let mut ops = Vec::new();
    for op in &at.operations {
        match op {
            Op::RenameTable {
                table_name: RenameTableNameKind::As(n) | RenameTableNameKind::To(n),
            } => rename_to = Some(n.clone()),
            other => ops.push(other),
        }
    }
    // Only index additions: built online, without rewriting the table.
    let index_adds = ops
        .iter()
        .map(|op| match op {
            Op::AddConstraint { constraint: TableConstraint::Unique(u), .. } => Ok(Some((
                u.name.as_ref().or(u.index_name.as_ref()).map(|n| n.value.clone()),
                index_columns(&u.columns)?,
                true,
            ))),
            Op::AddConstraint { constraint: TableConstraint::Index(i), .. } => Ok(Some((
                i.name.as_ref().map(|n| n.value.clone()),
                index_columns(&i.columns)?,
                false,
            ))),
            _ => Ok(None),
        })
        .collect::<Result<Vec<_>>>()?;
    if !ops.is_empty() && index_adds.iter().all(Option::is_some) {
        for (name, cols, unique) in index_adds.into_iter().flatten() {
            super::index::add_index_online(catalog, &db, &tname, name, &cols, unique)?;
        }
    } else if !ops.is_empty() {
        catalog.alter_table(&db, &tname, |txn, t| {
            super::view::ensure_base_table(&db, t)?;
            let old = t.clone();
            let mut convert = false;
            for op in &ops {
                convert |= apply(t, op)?;
            }
            rewrite(txn, &old, t, convert)
        })?;
    }
    if let Some(to) = rename_to {
        rename(ctx, catalog, &db, &tname, &to)?;
    }
    Ok(ExecResult::ok())
}

fn rename(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: &str,
    from: &str,
    to: &ObjectName,
) -> Result<()> {
    let (to_db, to_name) = table_name(ctx, to)?;
    if !to_db.eq_ignore_ascii_case(db) {
        return Err(unsupported("RENAME TABLE across databases"));
    }
    if catalog.schema().table(&to_db, &to_name).is_ok() {
        return Err(Error::fmt(ER_TABLE_EXISTS, &[&to_name]));
    }
    catalog.alter_table(db, from, |_, t| {
        t.name = to_name.clone();
        Ok(())
    })
}

/// `RENAME TABLE a TO b [, c TO d]`.
pub fn rename_tables(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    pairs: &[(ObjectName, ObjectName)],
) -> Result<ExecResult> {
    for (from, to) in pairs {
        let (db, t) = table_name(ctx, from)?;
        rename(ctx, catalog, &db, &t, to)?;
    }
    Ok(ExecResult::ok())
}
