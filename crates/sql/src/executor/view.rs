//! Views: `CREATE [OR REPLACE] VIEW`, `DROP VIEW`, `SHOW CREATE VIEW`, and expanding a view
//! where a query names it.
//!
//! A view is a catalog table entry with [`ViewInfo`] set and no data. Its columns are derived at
//! creation by running the query once, so `DESCRIBE`, `SHOW COLUMNS` and `information_schema`
//! see them; its query is stored with every table name qualified by the database it resolved
//! against, so the view means the same from any current database (as in MySQL).

use std::{cell::RefCell, collections::HashSet, ops::ControlFlow};

use catalog::{Catalog, TableInfo, ViewInfo};
use errno::{Error, Result};
use sqlparser::ast::{self, CreateView, Ident, ObjectName, ObjectNamePart, Query, Statement};
use types::{ResultColumn, Value};

use super::{
    object_parts,
    query::{source_columns, QueryEnv},
    table_name,
};
use crate::{
    context::SessionCtx,
    result::{ExecResult, ResultSet},
    stmt_txn::StmtTxn,
    sysvar::VarScope,
};

/// How deeply views may nest before the expansion is refused as recursive.
const MAX_VIEW_DEPTH: u32 = 32;
/// Stack left below which a view is planned on a new stack segment.
const VIEW_RED_ZONE: usize = 256 * 1024;
/// The size of such a segment.
const VIEW_STACK: usize = 4 << 20;

/// Fails with 1347 when `t` is a view (for statements that need a base table).
pub fn ensure_base_table(db: &str, t: &TableInfo) -> Result<()> {
    if t.view.is_some() {
        return Err(Error::fmt(errno::ER_WRONG_OBJECT, &[&db, &t.name, &"BASE TABLE"]));
    }
    Ok(())
}

/// `CREATE [OR REPLACE] VIEW name [(columns)] AS query`. `text` is the statement's source.
pub fn create_view(
    ctx: &SessionCtx,
    catalog: &Catalog,
    cv: &CreateView,
    text: &str,
) -> Result<ExecResult> {
    if cv.materialized || cv.temporary || cv.or_alter {
        return Err(Error::fmt(errno::ER_NOT_SUPPORTED_YET, &[&"this kind of view"]));
    }
    let (db, name) = table_name(ctx, &cv.name)?;
    if !catalog.database_exists(&db) {
        return Err(Error::fmt(errno::ER_BAD_DB, &[&db]));
    }
    let mut columns = derive_columns(ctx, catalog, &cv.query, text)?;
    if !cv.columns.is_empty() {
        if cv.columns.len() != columns.len() {
            return Err(Error::fmt(errno::ER_VIEW_WRONG_LIST, &[]));
        }
        for (c, def) in columns.iter_mut().zip(&cv.columns) {
            c.name = def.name.value.clone();
        }
    }
    let mut seen = HashSet::new();
    for c in &columns {
        if !seen.insert(c.name.to_lowercase()) {
            return Err(Error::fmt(errno::ER_DUP_FIELDNAME, &[&c.name]));
        }
    }
    let mut query = (*cv.query).clone();
    qualify_tables(&mut query, ctx.current_db.as_deref());
    let current = ctx
        .auth
        .as_ref()
        .map_or_else(|| "root@%".to_string(), |a| format!("{}@{}", a.account.user, a.account.host));
    let params = cv.params.as_ref();
    let definer = match params.and_then(|p| p.definer.as_ref()) {
        Some(sqlparser::ast::GranteeName::UserHost { user, host }) => {
            format!("{}@{}", user.value, host.value)
        }
        Some(sqlparser::ast::GranteeName::ObjectName(n))
            if !n.to_string().eq_ignore_ascii_case("CURRENT_USER") =>
        {
            format!("{}@%", n.to_string().trim_matches(['`', '\'', '"']))
        }
        _ => current.clone(),
    };
    if definer != current {
        // Naming another account as definer needs SUPER (MySQL: SET_USER_ID).
        crate::privileges::require_global(ctx, privilege::Priv::Super)?;
    }
    let invoker = matches!(
        params.and_then(|p| p.security.as_ref()),
        Some(sqlparser::ast::CreateViewSecurity::Invoker)
    );
    let view = ViewInfo { select: query.to_string(), definer, invoker };

    let schema = catalog.schema();
    if let Ok(existing) = schema.table(&db, &name) {
        if existing.view.is_none() {
            return Err(Error::fmt(errno::ER_WRONG_OBJECT, &[&db, &name, &"VIEW"]));
        }
        if cv.or_replace {
            catalog.alter_table(&db, &name, |_, t| {
                t.next_column_id = columns.len() as u32 + 1;
                t.columns = columns;
                t.view = Some(view);
                Ok(())
            })?;
            return Ok(ExecResult::ok());
        }
        if cv.if_not_exists {
            return Ok(ExecResult::ok());
        }
        return Err(Error::fmt(errno::ER_TABLE_EXISTS, &[&name]));
    }
    let table = TableInfo { view: Some(view), ..TableInfo::with_columns(name, columns) };
    catalog.create_table(&db, table, cv.if_not_exists)?;
    Ok(ExecResult::ok())
}

/// Runs the view's query once in a read-only snapshot and describes its result columns.
fn derive_columns(
    ctx: &SessionCtx,
    catalog: &Catalog,
    query: &Query,
    text: &str,
) -> Result<Vec<catalog::ColumnInfo>> {
    let mut txn = catalog.begin_read()?;
    let result = {
        let mut st = StmtTxn::new(txn.as_mut());
        let cell = RefCell::new(&mut st);
        let env = QueryEnv::new(ctx, catalog, &cell);
        super::query::with_scope(&env, query, |q| crate::planner::plan_query(&env, q, text, None))
    };
    txn.rollback()?;
    Ok(source_columns(&result?.columns, &[]))
}

/// Prefixes every one-part table name in `query` that is not a common table expression with
/// `db` (the database it resolves against now).
fn qualify_tables(query: &mut Query, db: Option<&str>) {
    let Some(db) = db else { return };
    let mut ctes = HashSet::new();
    collect_cte_names(query, &mut ctes);
    let _ = ast::visit_relations_mut(query, |name: &mut ObjectName| {
        if let [part] = name.0.as_slice() {
            let unquoted = object_parts(name).join(".");
            if !ctes.contains(&unquoted.to_lowercase()) && !unquoted.eq_ignore_ascii_case("dual") {
                let table = part.clone();
                name.0 = vec![ObjectNamePart::Identifier(Ident::with_quote('`', db)), table];
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The names of every common table expression defined anywhere in `query`, lowercased.
fn collect_cte_names(query: &Query, out: &mut HashSet<String>) {
    struct Collect<'a>(&'a mut HashSet<String>);
    impl ast::Visitor for Collect<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            if let Some(with) = &q.with {
                for cte in &with.cte_tables {
                    self.0.insert(cte.alias.name.value.to_lowercase());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = ast::Visit::visit(query, &mut Collect(out));
}

/// The plan of view `t` (in database `db`) for a query that names it, with the view's column
/// names.
pub fn expand(
    env: &QueryEnv<'_, '_, '_>,
    db: &str,
    t: &TableInfo,
) -> Result<crate::planner::SelectPlan> {
    let Some(view) = &t.view else {
        return Err(Error::msg(errno::ER_INTERNAL, "not a view"));
    };
    let depth = env.view_depth.get();
    if depth >= MAX_VIEW_DEPTH {
        return Err(Error::fmt(errno::ER_VIEW_RECURSIVE, &[&db, &t.name]));
    }
    let Statement::Query(query) = crate::frontend::parser::parse_statement(&view.select)? else {
        return Err(Error::msg(errno::ER_INTERNAL, "a view's definition is not a query"));
    };
    env.view_depth.set(depth + 1);
    // Views nest up to MAX_VIEW_DEPTH deep, each level a whole planning recursion that the
    // statement's text does not show: grow the stack as it runs low.
    let result = stacker::maybe_grow(VIEW_RED_ZONE, VIEW_STACK, || {
        crate::planner::plan_query(env, &query, &view.select, None)
    });
    env.view_depth.set(depth);
    let mut planned = result?;
    for (rc, c) in planned.columns.iter_mut().zip(&t.columns) {
        rc.name = c.name.clone();
    }
    Ok(planned)
}

/// `DROP VIEW [IF EXISTS] v, …`: 1051 for missing names, 1347 for base tables.
pub fn drop_views(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    names: &[ObjectName],
    if_exists: bool,
) -> Result<ExecResult> {
    let schema = catalog.schema();
    let mut missing = Vec::new();
    let mut resolved = Vec::new();
    for n in names {
        let (db, v) = table_name(ctx, n)?;
        match schema.table(&db, &v) {
            Ok(t) if t.view.is_none() => {
                return Err(Error::fmt(errno::ER_WRONG_OBJECT, &[&db, &v, &"VIEW"]))
            }
            Ok(_) => resolved.push((db, v)),
            Err(_) => missing.push(format!("{db}.{v}")),
        }
    }
    if !missing.is_empty() && !if_exists {
        return Err(Error::fmt(errno::ER_BAD_TABLE, &[&missing.join(",")]));
    }
    for (db, v) in resolved {
        catalog.drop_table(&db, &v, true)?;
    }
    for m in missing {
        ctx.warn(1051, format!("Unknown table '{m}'"));
    }
    Ok(ExecResult::ok())
}

/// `SHOW CREATE VIEW` (and `SHOW CREATE TABLE` on a view), in MySQL's four columns.
pub fn show_create_view(ctx: &SessionCtx, db: &str, t: &TableInfo) -> Result<ExecResult> {
    let Some(view) = &t.view else {
        return Err(Error::fmt(errno::ER_WRONG_OBJECT, &[&db, &t.name, &"VIEW"]));
    };
    let cols: Vec<String> = t.columns.iter().map(|c| format!("`{}`", c.name)).collect();
    let (user, host) = view.definer_parts();
    let security = if view.invoker { "INVOKER" } else { "DEFINER" };
    let sql = format!(
        "CREATE ALGORITHM=UNDEFINED DEFINER=`{user}`@`{host}` SQL SECURITY {security} VIEW `{}` ({}) AS {}",
        t.name,
        cols.join(", "),
        view.select
    );
    let var = |name: &str| ctx.vars.get_text(name, VarScope::Session).unwrap_or_default();
    Ok(ExecResult::Rows(ResultSet {
        columns: vec![
            ResultColumn::varchar("View", 64).not_null(),
            ResultColumn::varchar("Create View", 8192).not_null(),
            ResultColumn::varchar("character_set_client", 32).not_null(),
            ResultColumn::varchar("collation_connection", 32).not_null(),
        ],
        rows: vec![vec![
            Value::String(t.name.clone()),
            Value::String(sql),
            Value::String(var("character_set_client")),
            Value::String(var("collation_connection")),
        ]],
    }))
}

/// `SHOW CREATE VIEW name`.
pub fn show_create_view_named(
    ctx: &SessionCtx,
    catalog: &Catalog,
    name: &ObjectName,
) -> Result<ExecResult> {
    let (db, v) = table_name(ctx, name)?;
    let schema = catalog.schema();
    let t = schema.table(&db, &v)?;
    show_create_view(ctx, &db, t)
}
