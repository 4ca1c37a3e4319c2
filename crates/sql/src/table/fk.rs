//! Foreign-key enforcement: child rows need a parent (1452); parent rows with children are
//! protected (1451) or their children are cascaded / set to NULL. Skipped when
//! `foreign_key_checks` is off.

use catalog::{Catalog, FkAction, ForeignKeyInfo, TableInfo};
use errno::{Error, Result, ER_FK_DEPTH_EXCEEDED, ER_NO_REFERENCED_ROW_2, ER_ROW_IS_REFERENCED_2};
use types::Value;

use crate::{
    context::SessionCtx,
    convert::to_column,
    expr::compare,
    stmt_txn::StmtTxn,
    table::dml::{delete_row, update_row},
    table::{self, Row},
};

/// Deepest chain of cascades followed, as MySQL's limit.
const MAX_DEPTH: usize = 15;

fn quote(names: impl IntoIterator<Item = String>) -> String {
    names.into_iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn describe(child_db: &str, child: &TableInfo, fk: &ForeignKeyInfo) -> String {
    format!(
        "`{child_db}`.`{}`, CONSTRAINT `{}` FOREIGN KEY ({}) REFERENCES `{}` ({})",
        child.name,
        fk.name,
        quote(fk.columns.iter().map(|&c| child.columns[c].name.clone())),
        fk.ref_table,
        quote(fk.ref_columns.iter().cloned())
    )
}

fn db_of(catalog: &Catalog, t: &TableInfo) -> String {
    catalog.schema().database_by_id(t.db_id).map(|d| d.name.clone()).unwrap_or_default()
}

fn same(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| compare(x, y) == Some(std::cmp::Ordering::Equal))
}

/// Whether `parent` has a row whose `cols` equal `vals`; locks the key it finds it by, so the
/// parent cannot vanish before this transaction commits.
fn parent_has(
    st: &mut StmtTxn<'_>,
    parent: &TableInfo,
    cols: &[String],
    vals: &[Value],
) -> Result<bool> {
    let offsets: Option<Vec<usize>> =
        cols.iter().map(|c| parent.column(c).map(|(i, _)| i)).collect();
    let Some(offsets) = offsets else { return Ok(false) };
    let mut converted = Vec::with_capacity(vals.len());
    for (&o, v) in offsets.iter().zip(vals) {
        match to_column(v.clone(), &parent.columns[o], 1) {
            Ok(x) => converted.push(x),
            Err(_) => return Ok(false),
        }
    }
    if let (Some(h), [o]) = (parent.handle_column(), offsets.as_slice()) {
        if h == *o {
            let handle = match &converted[0] {
                Value::Int(i) => *i,
                Value::UInt(u) => *u as i64,
                _ => return Ok(false),
            };
            return Ok(st.lock(&[table::row_key(parent, handle)])?[0].is_some());
        }
    }
    if let Some(idx) = parent.readable_indexes().find(|i| i.unique && i.columns == offsets) {
        let key = tablecodec::index_key(parent.id, idx.id, &converted, None);
        return Ok(st.lock(&[key])?[0].is_some());
    }
    Ok(table::scan_rows(st, parent)?.iter().any(|r| {
        same(&offsets.iter().map(|&o| r.values[o].clone()).collect::<Vec<_>>(), &converted)
    }))
}

/// Checks that every foreign key of `row` (in table `t`) has its parent row.
pub fn check_parents(
    st: &mut StmtTxn<'_>,
    catalog: &Catalog,
    ctx: &SessionCtx,
    t: &TableInfo,
    row: &Row,
) -> Result<()> {
    if t.foreign_keys.is_empty() || !ctx.vars.bool("foreign_key_checks") {
        return Ok(());
    }
    let schema = catalog.schema();
    for fk in &t.foreign_keys {
        let vals: Vec<Value> = fk.columns.iter().map(|&c| row.values[c].clone()).collect();
        if vals.iter().any(Value::is_null) {
            continue;
        }
        let found = match schema.table(&fk.ref_db, &fk.ref_table) {
            Ok(parent) => parent_has(st, parent, &fk.ref_columns, &vals)?,
            Err(_) => false,
        };
        if !found {
            return Err(Error::fmt(
                ER_NO_REFERENCED_ROW_2,
                &[&describe(&db_of(catalog, t), t, fk)],
            ));
        }
    }
    Ok(())
}

/// Child rows of `child` whose foreign key `fk` points at `vals`: through an index led by the
/// key's columns when there is one (there always is unless it was dropped), else by a scan.
fn children(
    st: &mut StmtTxn<'_>,
    child: &TableInfo,
    fk: &ForeignKeyInfo,
    vals: &[Value],
) -> Result<Vec<Row>> {
    let index = child.readable_indexes().find(|i| i.columns.starts_with(&fk.columns));
    let candidates = match index {
        Some(index) => crate::executor::rows_by_index_prefix(st, child, index, vals)?,
        None => None,
    };
    let candidates = match candidates {
        Some(rows) => rows,
        None => table::scan_rows(st, child)?,
    };
    Ok(candidates
        .into_iter()
        .filter(|r| {
            same(&fk.columns.iter().map(|&c| r.values[c].clone()).collect::<Vec<_>>(), vals)
        })
        .collect())
}

fn referenced_values(parent: &TableInfo, fk: &ForeignKeyInfo, row: &Row) -> Option<Vec<Value>> {
    fk.ref_columns.iter().map(|c| parent.column(c).map(|(i, _)| row.values[i].clone())).collect()
}

/// Applies ON DELETE of every foreign key referencing `t` before `row` is deleted.
pub fn on_parent_delete(
    st: &mut StmtTxn<'_>,
    catalog: &Catalog,
    ctx: &SessionCtx,
    t: &TableInfo,
    row: &Row,
    depth: usize,
) -> Result<()> {
    on_parent_change(st, catalog, ctx, t, row, None, depth, false)
}

/// Like [`on_parent_delete`] for one row of a DELETE statement, leaving RESTRICT to
/// [`check_restrict_after_delete`]: as in TiDB, a statement may delete a parent together with
/// its children (a self-referencing table emptied by `DELETE FROM t`).
pub fn on_statement_delete(
    st: &mut StmtTxn<'_>,
    catalog: &Catalog,
    ctx: &SessionCtx,
    t: &TableInfo,
    row: &Row,
) -> Result<()> {
    on_parent_change(st, catalog, ctx, t, row, None, 0, true)
}

/// After a DELETE statement removed `rows` of `t`: 1451 if a RESTRICT foreign key still has
/// child rows pointing at one of them.
pub fn check_restrict_after_delete(
    st: &mut StmtTxn<'_>,
    catalog: &Catalog,
    ctx: &SessionCtx,
    t: &TableInfo,
    rows: &[Row],
) -> Result<()> {
    if !ctx.vars.bool("foreign_key_checks") {
        return Ok(());
    }
    let db = db_of(catalog, t);
    for (child, child_db, fk) in catalog.schema().referencing(&db, &t.name) {
        if !fk.on_delete.restricts() {
            continue;
        }
        for row in rows {
            let Some(vals) = referenced_values(t, &fk, row) else { continue };
            if vals.iter().any(Value::is_null) {
                continue;
            }
            // A parent row with the same key may have been re-created meanwhile: it still
            // satisfies the children.
            if !children(st, &child, &fk, &vals)?.is_empty()
                && !parent_has(st, t, &fk.ref_columns, &vals)?
            {
                return Err(Error::fmt(
                    ER_ROW_IS_REFERENCED_2,
                    &[&describe(&child_db, &child, &fk)],
                ));
            }
        }
    }
    Ok(())
}

/// Applies ON UPDATE of every foreign key referencing `t` when `old` becomes `new`.
pub fn on_parent_update(
    st: &mut StmtTxn<'_>,
    catalog: &Catalog,
    ctx: &SessionCtx,
    t: &TableInfo,
    old: &Row,
    new: &Row,
) -> Result<()> {
    on_parent_change(st, catalog, ctx, t, old, Some(new), 0, false)
}

#[allow(clippy::too_many_arguments)]
fn on_parent_change(
    st: &mut StmtTxn<'_>,
    catalog: &Catalog,
    ctx: &SessionCtx,
    t: &TableInfo,
    old: &Row,
    new: Option<&Row>,
    depth: usize,
    defer_restrict: bool,
) -> Result<()> {
    if !ctx.vars.bool("foreign_key_checks") {
        return Ok(());
    }
    if depth > MAX_DEPTH {
        return Err(Error::fmt(ER_FK_DEPTH_EXCEEDED, &[&MAX_DEPTH]));
    }
    let db = db_of(catalog, t);
    for (child, child_db, fk) in catalog.schema().referencing(&db, &t.name) {
        let Some(old_vals) = referenced_values(t, &fk, old) else { continue };
        if old_vals.iter().any(Value::is_null) {
            continue;
        }
        let new_vals = new.and_then(|n| referenced_values(t, &fk, n));
        if new_vals.as_ref().is_some_and(|n| same(n, &old_vals)) {
            continue; // the referenced columns did not change
        }
        let rows = children(st, &child, &fk, &old_vals)?;
        if rows.is_empty() {
            continue;
        }
        let action = if new.is_some() { fk.on_update } else { fk.on_delete };
        match (action, &new_vals) {
            (FkAction::Restrict | FkAction::NoAction, None) if defer_restrict => {}
            (FkAction::Restrict | FkAction::NoAction, _) => {
                return Err(Error::fmt(
                    ER_ROW_IS_REFERENCED_2,
                    &[&describe(&child_db, &child, &fk)],
                ));
            }
            (FkAction::Cascade, None) => {
                for r in rows {
                    on_parent_change(st, catalog, ctx, &child, &r, None, depth + 1, false)?;
                    delete_row(st, &child, &r)?;
                }
            }
            (FkAction::Cascade | FkAction::SetNull, _) => {
                for r in rows {
                    // CASCADE copies the new key into the child; SET NULL clears it.
                    let mut values = r.values.clone();
                    let handle = match (&new_vals, action) {
                        (Some(nv), FkAction::Cascade) => {
                            for (&c, v) in fk.columns.iter().zip(nv) {
                                values[c] = to_column(v.clone(), &child.columns[c], 1)?;
                            }
                            child_handle(&child, &values, r.handle)
                        }
                        _ => {
                            for &c in &fk.columns {
                                values[c] = Value::Null;
                            }
                            r.handle
                        }
                    };
                    let updated = Row { handle, values };
                    on_parent_change(
                        st,
                        catalog,
                        ctx,
                        &child,
                        &r,
                        Some(&updated),
                        depth + 1,
                        false,
                    )?;
                    update_row(st, &child, &r, &updated)?;
                }
            }
        }
    }
    Ok(())
}

fn child_handle(t: &TableInfo, values: &[Value], old: i64) -> i64 {
    match t.handle_column().map(|h| &values[h]) {
        Some(Value::Int(n)) => *n,
        Some(Value::UInt(n)) => *n as i64,
        _ => old,
    }
}
