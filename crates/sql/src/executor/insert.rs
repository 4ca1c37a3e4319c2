//! `INSERT [IGNORE] INTO t [(cols)] VALUES (…), (…)`.

use catalog::Catalog;
use errno::{
    Error, Result, ER_BAD_FIELD, ER_NOT_SUPPORTED_YET, ER_NO_DEFAULT_FOR_FIELD,
    ER_WRONG_VALUE_COUNT_ON_ROW,
};
use sqlparser::ast::{self, Insert, SetExpr, TableObject};
use types::Value;

use super::{ddl::default_of, object_parts, table_name};
use crate::{
    binder::{bind_expr, Scope},
    context::SessionCtx,
    convert::to_column,
    dml::insert_row,
    expr::EvalCtx,
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
    table::Row,
};

fn unsupported(what: &str) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// Executes an INSERT.
pub fn execute_insert(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    ins: &Insert,
) -> Result<ExecResult> {
    let TableObject::TableName(name) = &ins.table else {
        return Err(unsupported("INSERT INTO TABLE FUNCTION"));
    };
    if ins.on.is_some() {
        return Err(unsupported("INSERT … ON DUPLICATE KEY UPDATE"));
    }
    let (db, tname) = table_name(ctx, name)?;
    let schema = catalog.schema();
    let t = schema.table(&db, &tname)?.clone();
    let Some(source) = &ins.source else {
        return Err(unsupported("INSERT … SET"));
    };
    let SetExpr::Values(values) = source.body.as_ref() else {
        return Err(unsupported("INSERT … SELECT"));
    };
    let targets: Vec<usize> = if ins.columns.is_empty() {
        (0..t.columns.len()).collect()
    } else {
        ins.columns
            .iter()
            .map(|c| {
                let n = object_parts(c).last().cloned().unwrap_or_default();
                t.column(&n)
                    .map(|(i, _)| i)
                    .ok_or_else(|| Error::fmt(ER_BAD_FIELD, &[&n, &"field list"]))
            })
            .collect::<Result<_>>()?
    };
    let auto_col = t.auto_increment_column();
    let mut first_auto_id: Option<i64> = None;
    let mut inserted = 0u64;
    let mut skipped = 0u64;
    for (i, tuple) in values.rows.iter().map(|r| &r.content).enumerate() {
        let row_no = i + 1;
        if tuple.len() != targets.len() {
            return Err(Error::fmt(ER_WRONG_VALUE_COUNT_ON_ROW, &[&row_no]));
        }
        let mut given: Vec<Option<Value>> = vec![None; t.columns.len()];
        for (&col, e) in targets.iter().zip(tuple) {
            let v = if matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("DEFAULT"))
            {
                None
            } else {
                let (x, _) = bind_expr(e, &Scope::default(), ctx, "field list")?;
                Some(x.eval(&[], &EvalCtx::new(ctx))?)
            };
            given[col] = v;
        }
        let mut vals = Vec::with_capacity(t.columns.len());
        for (ci, c) in t.columns.iter().enumerate() {
            let v = match given[ci].take() {
                Some(v) => v,
                None if Some(ci) == auto_col => Value::Null,
                None => match default_of(c)? {
                    Some(d) => d,
                    None => return Err(Error::fmt(ER_NO_DEFAULT_FOR_FIELD, &[&c.name])),
                },
            };
            let v = if Some(ci) == auto_col && (v.is_null() || v == Value::Int(0)) {
                let id = catalog.alloc_auto_ids(t.id, 1, 0)?;
                first_auto_id.get_or_insert(id);
                Value::Int(id)
            } else {
                v
            };
            let v = to_column(v, c, row_no)?;
            if Some(ci) == auto_col {
                if let Value::Int(n) = v {
                    catalog.rebase_auto_id(t.id, n)?;
                }
            }
            vals.push(v);
        }
        let handle = match t.handle_column() {
            Some(h) => match &vals[h] {
                Value::Int(n) => *n,
                Value::UInt(n) => *n as i64,
                _ => return Err(Error::msg(errno::ER_INTERNAL, "non-integer handle")),
            },
            None => catalog.alloc_auto_ids(t.id, 1, 0)?,
        };
        let row = Row { handle, values: vals };
        if insert_row(st, &t, &row, ins.ignore)? {
            inserted += 1;
        } else {
            skipped += 1;
            ctx.warn(1062, format!("Duplicate entry for table '{}'", t.name));
        }
    }
    if let Some(id) = first_auto_id {
        ctx.last_insert_id = id as u64;
    }
    let info = if values.rows.len() > 1 {
        format!(
            "Records: {}  Duplicates: {skipped}  Warnings: {}",
            values.rows.len(),
            ctx.warnings.len()
        )
    } else {
        String::new()
    };
    Ok(ExecResult::Ok(OkResult {
        affected_rows: inserted,
        last_insert_id: first_auto_id.map_or(0, |i| i as u64),
        info,
    }))
}
