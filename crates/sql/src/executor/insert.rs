//! `INSERT [IGNORE] … VALUES | SELECT | SET`, `REPLACE`, and `ON DUPLICATE KEY UPDATE`.

use std::cell::RefCell;

use catalog::{Catalog, TableInfo};
use errno::{
    Error, Result, ER_BAD_FIELD, ER_NOT_SUPPORTED_YET, ER_NO_DEFAULT_FOR_FIELD,
    ER_WRONG_VALUE_COUNT_ON_ROW,
};
use sqlparser::ast::{self, AssignmentTarget, Insert, OnInsert, SetExpr, TableObject};
use types::Value;

use super::{ddl::default_of, object_parts, query, table_name};
use crate::{
    binder::{bind_expr, bind_with, Scope, ScopeColumn, INSERTED_ROW},
    context::SessionCtx,
    convert::{store, strict},
    expr::{EvalCtx, Expr},
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
    table::dml::{delete_row, find_conflict, update_row, write_row},
    table::fk,
    table::{duplicate, Row},
};

fn unsupported(what: &str) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// What to do when a row clashes with an existing one.
enum OnConflict {
    Fail,
    Ignore,
    Replace,
    Update(Vec<(usize, Expr)>),
}

fn is_default(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("DEFAULT"))
}

fn column_index(t: &TableInfo, name: &ast::ObjectName) -> Result<usize> {
    let n = object_parts(name).last().cloned().unwrap_or_default();
    t.column(&n).map(|(i, _)| i).ok_or_else(|| Error::fmt(ER_BAD_FIELD, &[&n, &"field list"]))
}

/// Executes an INSERT or REPLACE.
pub fn execute_insert(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    ins: &Insert,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ExecResult> {
    let TableObject::TableName(name) = &ins.table else {
        return Err(unsupported("INSERT INTO TABLE FUNCTION"));
    };
    let (db, tname) = table_name(ctx, name)?;
    let t = super::find_table(ctx, catalog, &db, &tname)?;
    if t.view.is_some() {
        return Err(Error::fmt(errno::ER_NON_INSERTABLE_TABLE, &[&tname, &"INSERT"]));
    }

    // What is read before the first row is written — subqueries of VALUES, SET and ON
    // DUPLICATE KEY UPDATE, the SELECT — goes through one environment, made when first needed.
    let cell = RefCell::new(&mut *st);
    let slot = std::cell::OnceCell::new();
    let env = || slot.get_or_init(|| query::QueryEnv::new(ctx, catalog, &cell));

    // Target columns and source tuples (`None` = DEFAULT).
    let (targets, tuples): (Vec<usize>, Vec<Vec<Option<Value>>>) =
        match (&ins.source, ins.assignments.is_empty()) {
            (None, false) => {
                let mut targets = Vec::new();
                let mut tuple = Vec::new();
                for a in &ins.assignments {
                    let AssignmentTarget::ColumnName(c) = &a.target else {
                        return Err(unsupported("tuple assignment"));
                    };
                    targets.push(column_index(&t, c)?);
                    tuple.push(constant(ctx, &a.value, &env)?);
                }
                (targets, vec![tuple])
            }
            (Some(source), _) => {
                let targets: Vec<usize> = if ins.columns.is_empty() {
                    (0..t.columns.len()).collect()
                } else {
                    ins.columns.iter().map(|c| column_index(&t, c)).collect::<Result<_>>()?
                };
                let tuples = match source.body.as_ref() {
                    SetExpr::Values(values) => values
                        .rows
                        .iter()
                        .map(|r| {
                            r.content
                                .iter()
                                .map(|e| constant(ctx, e, &env))
                                .collect::<Result<Vec<_>>>()
                        })
                        .collect::<Result<Vec<_>>>()?,
                    _ => query::execute_table_query_measured(env(), source, analysis)?
                        .rows
                        .into_iter()
                        .map(|r| r.into_iter().map(Some).collect())
                        .collect(),
                };
                (targets, tuples)
            }
            (None, true) => return Err(unsupported("INSERT without values")),
        };

    let mode = match (&ins.on, ins.replace_into, ins.ignore) {
        (Some(OnInsert::DuplicateKeyUpdate(assignments)), _, _) => {
            // Assignments see the existing row, and the attempted one through VALUES(col).
            let mut scope = query::table_scope(&t, &t.name);
            scope.columns.extend(t.columns.iter().map(|c| ScopeColumn {
                table: Some(INSERTED_ROW.to_string()),
                name: c.name.clone(),
                ty: crate::expr::ExprType::of(c.ty.field_type(), true),
                hidden: false,
            }));
            let mut sets = Vec::with_capacity(assignments.len());
            for a in assignments {
                let AssignmentTarget::ColumnName(c) = &a.target else {
                    return Err(unsupported("tuple assignment"));
                };
                let value = match &ins.insert_alias {
                    Some(alias) => new_row_alias_as_values(&a.value, alias, &ins.columns, &t)?,
                    None => a.value.clone(),
                };
                let mut bound = match crate::binder::has_subquery(&value) {
                    true => bind_with(&value, &scope, env(), "field list")?.0,
                    false => bind_expr(&value, &scope, ctx, "field list")?.0,
                };
                if bound.has_subquery() {
                    bound = crate::planner::subquery_values::evaluate(env(), bound);
                }
                let ci = column_index(&t, c)?;
                if t.columns[ci].generated.is_some() {
                    return Err(crate::table::generated::not_allowed(&t, ci));
                }
                sets.push((ci, bound));
            }
            OnConflict::Update(sets)
        }
        (Some(_), _, _) => return Err(unsupported("ON CONFLICT")),
        (None, true, _) => OnConflict::Replace,
        (None, false, true) => OnConflict::Ignore,
        (None, false, false) => OnConflict::Fail,
    };
    // The rows are written through `st` itself.
    drop(slot);

    let auto_col = t.auto_increment_column();
    // Outside strict mode, and under INSERT IGNORE, values that do not fit are adjusted.
    let lenient = !strict(ctx) || matches!(mode, OnConflict::Ignore);
    let mut first_auto_id: Option<i64> = None;
    let (mut affected, mut duplicates) = (0u64, 0u64);
    let mut rows: Vec<(Row, usize)> = Vec::with_capacity(tuples.len());
    let generated = crate::table::generated::has_generated(&t);
    for (i, tuple) in tuples.into_iter().enumerate() {
        let row_no = i + 1;
        // `VALUES ()` (and `() VALUES ()`) is a row of defaults.
        let targets: &[usize] = if tuple.is_empty() { &[] } else { &targets };
        if tuple.len() != targets.len() {
            return Err(Error::fmt(ER_WRONG_VALUE_COUNT_ON_ROW, &[&row_no]));
        }
        let mut given: Vec<Option<Value>> = vec![None; t.columns.len()];
        for (&col, v) in targets.iter().zip(tuple) {
            if v.is_some() && t.columns[col].generated.is_some() {
                return Err(crate::table::generated::not_allowed(&t, col));
            }
            given[col] = v;
        }
        let mut vals = Vec::with_capacity(t.columns.len());
        for (ci, c) in t.columns.iter().enumerate() {
            if c.generated.is_some() {
                // Computed below, from the row's other values.
                vals.push(Value::Null);
                continue;
            }
            let v = match given[ci].take() {
                Some(v) => v,
                None if Some(ci) == auto_col => Value::Null,
                None => match default_of(c, ctx.stmt_time)? {
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
            let v = store(v, c, row_no, lenient.then_some(&*ctx))?;
            if Some(ci) == auto_col {
                if let Value::Int(n) = v {
                    catalog.rebase_auto_id(t.id, n)?;
                }
            }
            vals.push(v);
        }
        if generated {
            crate::table::generated::fill(ctx, &t, &mut vals, row_no)?;
        }
        let handle = match t.handle_column() {
            Some(h) => match &vals[h] {
                Value::Int(n) => *n,
                Value::UInt(n) => *n as i64,
                _ => return Err(Error::msg(errno::ER_INTERNAL, "non-integer handle")),
            },
            None => catalog.alloc_auto_ids(t.id, 1, 0)?,
        };
        rows.push((Row { handle, values: vals }, row_no));
    }
    // Every row's primary and unique keys locked and read together, before the first write.
    if rows.len() > 1 {
        st.lock_ahead(
            rows.iter().flat_map(|(row, _)| crate::table::dml::conflict_keys(&t, row)).collect(),
        )?;
    }
    for (row, row_no) in rows {
        affected += insert_one(ctx, catalog, st, &t, row, &mode, row_no, &mut duplicates)?;
    }
    if let Some(id) = first_auto_id {
        ctx.last_insert_id = id as u64;
    }
    let info = if targets.is_empty() || affected > 1 || duplicates > 0 {
        format!("Records: {}  Duplicates: {duplicates}  Warnings: {}", affected, ctx.warnings.len())
    } else {
        String::new()
    };
    Ok(ExecResult::Ok(OkResult {
        affected_rows: affected,
        last_insert_id: first_auto_id.map_or(0, |i| i as u64),
        info,
    }))
}

/// Inserts one row under the conflict policy; returns the affected-rows contribution as MySQL
/// counts it (1 inserted, 2 updated, 0 unchanged or ignored, 1 + deleted for REPLACE).
#[allow(clippy::too_many_arguments)]
fn insert_one(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    row: Row,
    mode: &OnConflict,
    row_no: usize,
    duplicates: &mut u64,
) -> Result<u64> {
    let Some((existing, idx)) = find_conflict(st, t, &row)? else {
        fk::check_parents(st, catalog, ctx, t, &row)?;
        write_row(st, t, &row)?;
        return Ok(1);
    };
    *duplicates += 1;
    match mode {
        OnConflict::Fail => Err(duplicate(t, &idx, &row)),
        OnConflict::Ignore => {
            let e = duplicate(t, &idx, &row);
            ctx.warn(e.code, e.message);
            Ok(0)
        }
        OnConflict::Replace => {
            let mut removed = 0;
            let mut clash = Some(existing);
            while let Some(old) = clash {
                fk::on_parent_delete(st, catalog, ctx, t, &old, 0)?;
                delete_row(st, t, &old)?;
                removed += 1;
                clash = find_conflict(st, t, &row)?.map(|(r, _)| r);
            }
            fk::check_parents(st, catalog, ctx, t, &row)?;
            write_row(st, t, &row)?;
            Ok(1 + removed)
        }
        OnConflict::Update(sets) => {
            let eval = EvalCtx::new(ctx);
            let mut input = existing.values.clone();
            input.extend(row.values.iter().cloned());
            for (ci, e) in sets {
                let v = e.eval(&input, &eval)?;
                let lenient = !strict(ctx);
                input[*ci] = store(v, &t.columns[*ci], row_no, lenient.then_some(&*ctx))?;
            }
            let mut new_vals: Vec<Value> = input[..t.columns.len()].to_vec();
            if crate::table::generated::has_generated(t) {
                crate::table::generated::fill(ctx, t, &mut new_vals, row_no)?;
            }
            if new_vals == existing.values {
                return Ok(u64::from(ctx.client_found_rows));
            }
            let handle = match t.handle_column().map(|h| &new_vals[h]) {
                Some(Value::Int(n)) => *n,
                Some(Value::UInt(n)) => *n as i64,
                _ => existing.handle,
            };
            let new_row = Row { handle, values: new_vals };
            fk::check_parents(st, catalog, ctx, t, &new_row)?;
            fk::on_parent_update(st, catalog, ctx, t, &existing, &new_row)?;
            update_row(st, t, &existing, &new_row)?;
            Ok(2)
        }
    }
}

/// Evaluates a VALUES/SET expression (`None` for the DEFAULT keyword). Its subqueries run
/// through `env` before any row of the statement is written, reading the tables as the
/// statement found them (TiDB allows them to read the target table too).
fn constant<'q, 'a, 'b, 'c>(
    ctx: &SessionCtx,
    e: &ast::Expr,
    env: &dyn Fn() -> &'q query::QueryEnv<'a, 'b, 'c>,
) -> Result<Option<Value>> {
    if is_default(e) {
        return Ok(None);
    }
    if !crate::binder::has_subquery(e) {
        let (x, _) = bind_expr(e, &Scope::default(), ctx, "field list")?;
        return Ok(Some(x.eval(&[], &EvalCtx::new(ctx))?));
    }
    let (x, _) = bind_with(e, &Scope::default(), env(), "field list")?;
    let eval = EvalCtx { session: ctx, subqueries: Some(env()), params: &[] };
    Ok(Some(x.eval(&[], &eval)?))
}

/// Rewrites references to the new-row alias of `INSERT … AS new[(a, b…)] ON DUPLICATE KEY
/// UPDATE` (`new.col`, or a column alias) into `VALUES(col)`, which they mean.
fn new_row_alias_as_values(
    e: &ast::Expr,
    alias: &ast::InsertAliases,
    insert_columns: &[ast::ObjectName],
    t: &catalog::TableInfo,
) -> Result<ast::Expr> {
    use std::ops::ControlFlow;
    let row = alias.row_alias.to_string();
    let targets: Vec<String> = if insert_columns.is_empty() {
        t.columns.iter().map(|c| c.name.clone()).collect()
    } else {
        insert_columns.iter().map(|c| object_parts(c).last().cloned().unwrap_or_default()).collect()
    };
    let col_aliases = alias.col_aliases.as_ref().filter(|c| !c.is_empty());
    let column_of = |name: &str| -> Option<String> {
        match col_aliases {
            Some(cols) => cols
                .iter()
                .position(|c| c.value.eq_ignore_ascii_case(name))
                .and_then(|i| targets.get(i).cloned()),
            None => Some(name.to_string()),
        }
    };
    let values_of = |col: &str| -> Option<ast::Expr> {
        let text = format!("VALUES(`{}`)", col.replace('`', "``"));
        sqlparser::parser::Parser::new(&sqlparser::dialect::MySqlDialect {})
            .try_with_sql(&text)
            .ok()?
            .parse_expr()
            .ok()
    };
    let mut out = e.clone();
    let mut bad: Option<String> = None;
    let _ = ast::visit_expressions_mut(&mut out, |x| {
        let replacement = match x {
            ast::Expr::CompoundIdentifier(parts)
                if parts.len() == 2 && parts[0].value.eq_ignore_ascii_case(&row) =>
            {
                match column_of(&parts[1].value) {
                    Some(col) => values_of(&col),
                    None => {
                        bad = Some(format!("{row}.{}", parts[1].value));
                        None
                    }
                }
            }
            ast::Expr::Identifier(id) if col_aliases.is_some() && t.column(&id.value).is_none() => {
                column_of(&id.value).and_then(|c| values_of(&c))
            }
            _ => None,
        };
        if let Some(r) = replacement {
            *x = r;
        }
        ControlFlow::<()>::Continue(())
    });
    match bad {
        Some(name) => Err(Error::fmt(errno::ER_BAD_FIELD, &[&name, &"field list"])),
        None => Ok(out),
    }
}
