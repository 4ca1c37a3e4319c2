//! Statement execution: one module per statement family.

// The physical step's access paths and ranges, which the statement executors and operators
// read and rebuild.
use crate::planner::{access, ranges};
mod analyze;
pub(crate) use crate::planner::access::{
    choose_path, rows_by_index_prefix, used_columns, Access, Needs, LOOKUP_COST,
};
pub(crate) mod aggregate;
mod alter;
mod ddl;
mod decorrelate;

pub(crate) use analyze::analyze_table;
pub use analyze::auto_analyze;
pub use ddl::decimal_precision;
mod delete;
mod describe;
pub(crate) mod explain;
pub(crate) use explain::estimated_rows;
mod in_set;
pub(crate) use in_set::contains_linear;
mod index;
mod infoschema;
mod infoschema_privileges;
mod insert;
mod join;
mod join_spill;
mod lookup_workers;
mod multi_table;
pub(crate) use join::JoinSpec;
mod ops;
mod point_get;
mod query;
pub(crate) use crate::planner::ranges::{
    bound_chain, bound_conjuncts, column_conds, path_conds, Cond, PathConds,
};
pub(crate) use query::{
    order_keys_with, resolve_from, side_query, table_column, table_scope, with_scope_in, QueryEnv,
    Source,
};
mod select;
pub(crate) use select::{limit_offset, result_column, source_text};
mod set;
mod show;
mod show_catalog;
mod subquery;
pub use point_get::{execute_point_get, point_get_handle};
pub use show::filter_rows;
pub use show_catalog::{show_stats, table_status};
pub(crate) use subquery::uncorrelated_rows;
mod targets;
mod update;
mod view;

use catalog::Catalog;
use errno::{Error, Result, ER_BAD_DB, ER_NOT_SUPPORTED_YET, ER_NO_DB};
use kv::Transaction;
use sqlparser::ast::{
    ObjectName, ObjectType, SetExpr, ShowCreateObject, ShowStatementFilter,
    ShowStatementFilterPosition, ShowStatementOptions, Statement, Use,
};

use crate::{
    context::SessionCtx,
    result::{ExecResult, OkResult},
    stmt_txn::StmtTxn,
};

/// What a statement executes against.
pub struct Env<'a> {
    /// The session.
    pub session: &'a mut SessionCtx,
    /// The catalog.
    pub catalog: &'a Catalog,
    /// The session's transaction, when the statement reads or writes table data.
    pub txn: Option<&'a mut dyn Transaction>,
    /// Where a SELECT's rows go as they are produced (`None`: collect them into the result).
    pub sink: Option<&'a mut dyn crate::result::RowSink>,
}

/// How a statement relates to transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StmtClass {
    /// Session-only (SET, SHOW VARIABLES, SELECT without tables …): no transaction needed.
    Session,
    /// Reads or writes table data inside the session's transaction.
    Data,
    /// DDL: commits the open transaction first and runs on its own.
    Ddl,
}

/// INSERT, UPDATE or DELETE.
fn is_dml(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_))
}

/// Classifies a statement.
pub fn classify(stmt: &Statement) -> StmtClass {
    match stmt {
        Statement::Query(q) => {
            if select::reads_tables(q) {
                StmtClass::Data
            } else {
                StmtClass::Session
            }
        }
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => StmtClass::Data,
        // EXPLAIN ANALYZE runs the statement it explains.
        Statement::Explain { statement, analyze: true, .. } if is_dml(statement) => StmtClass::Data,
        Statement::CreateTable(_)
        | Statement::CreateView(_)
        | Statement::CreateDatabase { .. }
        | Statement::CreateSchema { .. } => StmtClass::Ddl,
        Statement::Drop { .. }
        | Statement::Truncate(_)
        | Statement::AlterTable(_)
        | Statement::RenameTable(_) => StmtClass::Ddl,
        _ => StmtClass::Session,
    }
}

/// The columns of the result `stmt` would return, from its plan alone (nothing is read): what
/// COM_STMT_PREPARE describes. Empty for statements without a result and for queries whose
/// columns are known only once they run (set operations, WITH, SELECT without tables).
pub fn describe(env: Env<'_>, stmt: &Statement, text: &str) -> Result<Vec<types::ResultColumn>> {
    let Env { session: ctx, catalog, txn, .. } = env;
    match (stmt, txn) {
        (Statement::Query(q), Some(txn))
            if select::reads_tables(q) && into_targets(q).is_none() =>
        {
            let mut st = StmtTxn::new(txn);
            let cell = std::cell::RefCell::new(&mut st);
            query::describe_query(&query::QueryEnv::new(ctx, catalog, &cell), q, text)
        }
        _ => Ok(Vec::new()),
    }
}

/// Executes one non-transaction-control statement. `text` is the statement's source, used to
/// name result columns as MySQL does (by the expression's text).
pub fn execute(env: Env<'_>, stmt: &Statement, text: &str) -> Result<ExecResult> {
    let Env { session: ctx, catalog, txn, sink } = env;
    crate::privileges::check_statement(ctx, catalog, stmt)?;
    let mut written = Written::default();
    let result = match stmt {
        Statement::Query(q) if into_targets(q).is_some() => {
            let targets = into_targets(q).unwrap_or_default();
            let mut plain = q.clone();
            if let SetExpr::Select(s) = plain.body.as_mut() {
                s.into = None;
            }
            let r = match txn {
                Some(txn) if select::reads_tables(&plain) => {
                    let mut st = StmtTxn::new(txn);
                    let cell = std::cell::RefCell::new(&mut st);
                    query::execute_table_query(
                        &query::QueryEnv::new(ctx, catalog, &cell).for_select(text),
                        &plain,
                        text,
                    )
                    .map(ExecResult::Rows)?
                }
                _ => {
                    query::select_deadline(ctx, text);
                    select::execute_query(ctx, &plain, text)?
                }
            };
            select_into(ctx, &targets, r)
        }
        Statement::Query(q) => {
            let (r, calc) = match txn {
                Some(txn) if select::reads_tables(q) => {
                    let mut st = StmtTxn::new(txn);
                    let cell = std::cell::RefCell::new(&mut st);
                    let env = query::QueryEnv::new(ctx, catalog, &cell).for_select(text);
                    let r = match sink {
                        Some(sink) => query::stream_query(&env, q, text, sink),
                        None => query::execute_top_query(&env, q, text).map(ExecResult::Rows),
                    };
                    (r, env.calc_found_rows.get())
                }
                _ => {
                    query::select_deadline(ctx, text);
                    (select::execute_query(ctx, q, text), None)
                }
            };
            match &r {
                Ok(ExecResult::Rows(rs)) => ctx.found_rows = calc.unwrap_or(rs.rows.len() as u64),
                Ok(ExecResult::Streamed { rows }) => ctx.found_rows = calc.unwrap_or(*rows),
                _ => {}
            }
            r
        }
        Statement::Insert(ins) => {
            no_returning(&ins.returning)?;
            with_txn(txn, &mut written, |st| insert::execute_insert(ctx, catalog, st, ins, None))
        }
        Statement::Update(up) => {
            no_returning(&up.returning)?;
            with_txn(txn, &mut written, |st| update::execute_update(ctx, catalog, st, up, None))
        }
        Statement::Delete(del) => {
            no_returning(&del.returning)?;
            with_txn(txn, &mut written, |st| delete::execute_delete(ctx, catalog, st, del, None))
        }
        Statement::CreateTable(ct) => ddl::create_table(ctx, catalog, ct),
        Statement::CreateView(cv) => view::create_view(ctx, catalog, cv, text),
        Statement::Drop { object_type: ObjectType::View, if_exists, names, .. } => {
            view::drop_views(ctx, catalog, names, *if_exists)
        }
        Statement::CreateDatabase { db_name, if_not_exists, .. } => {
            ddl::create_database(catalog, db_name, *if_not_exists)
        }
        // MySQL's CREATE SCHEMA is CREATE DATABASE.
        Statement::CreateSchema {
            schema_name: sqlparser::ast::SchemaName::Simple(name),
            if_not_exists,
            ..
        } => ddl::create_database(catalog, name, *if_not_exists),
        Statement::Drop { object_type: ObjectType::Index, if_exists, names, table, .. } => {
            index::drop_index(ctx, catalog, names, table.as_ref(), *if_exists)
        }
        Statement::Drop { object_type, if_exists, names, temporary, .. } => {
            ddl::drop(ctx, catalog, object_type, names, *if_exists, *temporary)
        }
        Statement::CreateIndex(ci) => index::create_index(ctx, catalog, ci),
        Statement::AlterTable(at) => alter::alter_table(ctx, catalog, at),
        Statement::RenameTable(pairs) => {
            let pairs: Vec<_> =
                pairs.iter().map(|r| (r.old_name.clone(), r.new_name.clone())).collect();
            alter::rename_tables(ctx, catalog, &pairs)
        }
        Statement::Truncate(tr) => {
            for target in &tr.table_names {
                let (db, t) = table_name(ctx, &target.name)?;
                if let Some(temp) = ctx.temporary_table(&db, &t) {
                    catalog.clear_temporary(temp.id)?;
                    continue;
                }
                if catalog.schema().table(&db, &t)?.view.is_some() {
                    return Err(Error::fmt(errno::ER_NO_SUCH_TABLE, &[&db, &t]));
                }
                catalog.truncate_table(&db, &t)?;
            }
            Ok(ExecResult::ok())
        }
        Statement::Analyze(a) => match &a.table_name {
            Some(name) => {
                let (db, t) = table_name(ctx, name)?;
                analyze::analyze_table(ctx, catalog, &db, &t)
            }
            None => Err(Error::fmt(errno::ER_PARSE, &[&"", &1])),
        },
        Statement::Set(s) => set::execute_set(ctx, s),
        // Table locks are off (TiDB's default `enable-table-lock = false`): accepted, nothing
        // locked, a warning saying so — so dumps that wrap their INSERTs in them load.
        Statement::LockTables { .. } | Statement::UnlockTables => {
            let what = if matches!(stmt, Statement::LockTables { .. }) {
                "LOCK TABLES"
            } else {
                "UNLOCK TABLES"
            };
            ctx.warn(
                ER_NOT_SUPPORTED_YET.code,
                format!(
                    "{what} is not supported. To enable this experimental feature, set \
                     'enable-table-lock' in the configuration file."
                ),
            );
            Ok(ExecResult::ok())
        }
        Statement::ShowProcessList { full } => crate::processes::show_processlist(ctx, *full),
        Statement::ShowVariables { filter, global, .. } => {
            show::show_variables(ctx, filter.as_ref(), *global)
        }
        Statement::ShowStatus { filter, global, .. } => {
            show::show_status(ctx, filter.as_ref(), *global)
        }
        Statement::ShowVariable { variable } if reads_diagnostics(stmt) => {
            show::show_diagnostics(ctx, variable)
        }
        Statement::ShowVariable { variable } => {
            match show_catalog::show_words(ctx, catalog, variable)? {
                Some(r) => Ok(r),
                None => Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&statement_kind(stmt)])),
            }
        }
        Statement::ShowCharset(cs) => show_catalog::show_charset(ctx, cs.filter.as_ref()),
        Statement::ShowCollation { filter } => show_catalog::show_collation(ctx, filter.as_ref()),
        Statement::ShowSchemas { show_options, .. } => {
            show::show_databases(ctx, catalog, show_filter(show_options))
        }
        Statement::ShowDatabases { show_options, .. } => {
            show::show_databases(ctx, catalog, show_filter(show_options))
        }
        Statement::ShowTables { full, show_options, .. } => {
            describe::show_tables(ctx, catalog, *full, show_options)
        }
        Statement::Use(u) => use_database(ctx, catalog, u),
        Statement::ExplainTable { table_name, .. } => describe::describe(ctx, catalog, table_name),
        Statement::Explain { statement, analyze, format, .. } => {
            // `FORMAT='brief'` arrives as FORMAT=TEXT (see the parser).
            use sqlparser::ast::{AnalyzeFormat::TEXT, AnalyzeFormatKind as Kind};
            let brief = matches!(format, Some(Kind::Assignment(TEXT) | Kind::Keyword(TEXT)));
            if *analyze && is_dml(statement) {
                with_txn(txn, &mut written, |st| {
                    explain::analyze_dml(ctx, catalog, st, statement, brief)
                })
            } else {
                explain::explain(ctx, catalog, statement, *analyze, brief)
            }
        }
        Statement::ShowColumns { show_options, full, .. } => {
            describe::show_columns(ctx, catalog, show_options, *full)
        }
        Statement::ShowCreate { obj_type: ShowCreateObject::Table, obj_name } => {
            describe::show_create_table(ctx, catalog, obj_name)
        }
        Statement::ShowCreate { obj_type: ShowCreateObject::View, obj_name } => {
            view::show_create_view_named(ctx, catalog, obj_name)
        }
        other => Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&statement_kind(other)])),
    };
    ctx.written_tables = written.tables;
    ctx.changed_rows = written.rows;
    result
}

/// What a data statement wrote: the tables, and rows changed per table.
#[derive(Default)]
struct Written {
    tables: Vec<i64>,
    rows: Vec<(i64, u64)>,
}

/// The user variables of `SELECT … INTO @a, @b`, if the query has that clause.
fn into_targets(q: &sqlparser::ast::Query) -> Option<Vec<String>> {
    let SetExpr::Select(s) = q.body.as_ref() else { return None };
    let into = s.into.as_ref()?;
    Some(into.targets.iter().map(|t| t.to_string()).collect())
}

/// Stores the one row of a `SELECT … INTO @vars` result in the user variables.
fn select_into(ctx: &mut SessionCtx, targets: &[String], r: ExecResult) -> Result<ExecResult> {
    let ExecResult::Rows(rs) = r else { return Ok(r) };
    let mut names = Vec::with_capacity(targets.len());
    for t in targets {
        match t.strip_prefix('@') {
            Some(name) if !name.starts_with('@') => {
                names.push(name.trim_matches('`').to_ascii_lowercase())
            }
            _ => return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("SELECT … INTO {t}")])),
        }
    }
    if rs.columns.len() != names.len() {
        return Err(Error::fmt(errno::ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT, &[]));
    }
    match rs.rows.as_slice() {
        [] => ctx.warn(1329, "No data - zero rows fetched, selected, or processed"),
        [row] => {
            for (name, v) in names.into_iter().zip(row) {
                ctx.user_vars.insert(name, v.clone());
            }
        }
        _ => return Err(Error::fmt(errno::ER_TOO_MANY_ROWS, &[])),
    }
    Ok(ExecResult::Ok(OkResult { affected_rows: rs.rows.len() as u64, ..Default::default() }))
}

/// MySQL has no RETURNING clause: a syntax error, never silently ignored.
fn no_returning(returning: &Option<Vec<sqlparser::ast::SelectItem>>) -> Result<()> {
    match returning {
        Some(items) => {
            let list: Vec<String> = items.iter().map(|i| i.to_string()).collect();
            Err(Error::fmt(errno::ER_PARSE, &[&format!("RETURNING {}", list.join(", ")), &1]))
        }
        None => Ok(()),
    }
}

fn with_txn(
    txn: Option<&mut dyn Transaction>,
    written: &mut Written,
    f: impl FnOnce(&mut StmtTxn<'_>) -> Result<ExecResult>,
) -> Result<ExecResult> {
    let txn = txn.ok_or_else(|| Error::msg(errno::ER_INTERNAL, "statement needs a transaction"))?;
    let mut st = StmtTxn::new(txn);
    let r = f(&mut st)?;
    written.tables = st.written_tables();
    written.rows = st.changed_rows();
    st.flush()?;
    Ok(r)
}

/// The identifier parts of a name, unquoted.
pub fn object_parts(name: &ObjectName) -> Vec<String> {
    name.0.iter().map(|p| p.as_ident().map_or_else(|| p.to_string(), |i| i.value.clone())).collect()
}

/// `(database, table)` for a possibly qualified table name; 1046 without a current database.
/// Table `db.name` as the session sees it: its temporary table of that name, else the stored
/// one (1146 when neither exists).
pub(crate) fn find_table(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: &str,
    name: &str,
) -> Result<std::sync::Arc<catalog::TableInfo>> {
    match ctx.temporary_table(db, name) {
        Some(t) => Ok(t),
        None => Ok(catalog.schema().table(db, name)?.clone()),
    }
}

pub fn table_name(ctx: &SessionCtx, name: &ObjectName) -> Result<(String, String)> {
    match object_parts(name).as_slice() {
        [db, t] => Ok((db.clone(), t.clone())),
        [t] => match &ctx.current_db {
            Some(db) => Ok((db.clone(), t.clone())),
            None => Err(Error::fmt(ER_NO_DB, &[])),
        },
        _ => Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("name {name}")])),
    }
}

/// Switches the current database (`USE db`, COM_INIT_DB, CONNECT_WITH_DB).
pub fn change_database(ctx: &mut SessionCtx, catalog: &Catalog, name: &str) -> Result<()> {
    crate::privileges::check_use(ctx, name)?;
    if !catalog.database_exists(name) {
        return Err(Error::fmt(ER_BAD_DB, &[&name]));
    }
    ctx.current_db = Some(name.to_string());
    Ok(())
}

fn use_database(ctx: &mut SessionCtx, catalog: &Catalog, u: &Use) -> Result<ExecResult> {
    let name = match u {
        Use::Object(n) | Use::Database(n) | Use::Schema(n) => {
            object_parts(n).last().cloned().unwrap_or_default()
        }
        other => other.to_string(),
    };
    change_database(ctx, catalog, &name)?;
    Ok(ExecResult::ok())
}

/// The `LIKE`/`WHERE` filter of a SHOW statement, wherever sqlparser placed it.
fn show_filter(opts: &ShowStatementOptions) -> Option<&ShowStatementFilter> {
    match &opts.filter_position {
        Some(ShowStatementFilterPosition::Infix(f) | ShowStatementFilterPosition::Suffix(f)) => {
            Some(f)
        }
        None => None,
    }
}

/// A short name for a statement, for "not supported" errors.
fn statement_kind(stmt: &Statement) -> String {
    let text = stmt.to_string();
    text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// Whether a statement reads the previous statement's diagnostics (`SHOW WARNINGS`, `SHOW ERRORS`,
/// `SHOW COUNT(*) …`), and so must not clear them before it runs.
pub fn reads_diagnostics(stmt: &Statement) -> bool {
    match stmt {
        Statement::ShowVariable { variable } => variable.first().is_some_and(|w| {
            ["WARNINGS", "ERRORS", "COUNT"].iter().any(|k| w.value.eq_ignore_ascii_case(k))
        }),
        _ => false,
    }
}

/// COM_FIELD_LIST: the column definitions of `table` in the current database.
pub fn field_list(
    ctx: &SessionCtx,
    catalog: &Catalog,
    table: &str,
) -> Result<Vec<types::ResultColumn>> {
    let db = ctx.current_db.clone().ok_or_else(|| Error::fmt(ER_NO_DB, &[]))?;
    let t = find_table(ctx, catalog, &db, table)?;
    Ok(t.columns.iter().map(|c| query::table_column(&db, &t.name, &t.name, c, &t)).collect())
}
