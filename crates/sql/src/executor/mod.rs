//! Statement execution: one module per statement family.

mod select;
mod set;
mod show;

use errno::{Error, Result, ER_BAD_DB, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{
    ShowStatementFilter, ShowStatementFilterPosition, ShowStatementOptions, Statement, Use,
};

use crate::{catalog, context::SessionCtx, result::ExecResult};

/// Executes one non-transaction-control statement. `text` is the statement's source, used to
/// name result columns as MySQL does (by the expression's text).
pub fn execute(ctx: &mut SessionCtx, stmt: &Statement, text: &str) -> Result<ExecResult> {
    match stmt {
        Statement::Query(q) => select::execute_query(ctx, q, text),
        Statement::Set(s) => set::execute_set(ctx, s),
        Statement::ShowVariables { filter, global, .. } => {
            show::show_variables(ctx, filter.as_ref(), *global)
        }
        Statement::ShowStatus { filter, global, .. } => {
            show::show_status(ctx, filter.as_ref(), *global)
        }
        Statement::ShowVariable { variable } => show::show_diagnostics(ctx, variable),
        Statement::ShowDatabases { show_options, .. } => {
            show::show_databases(ctx, show_filter(show_options))
        }
        Statement::Use(u) => use_database(ctx, u),
        Statement::ExplainTable { table_name, .. } => Err(select::no_such_table(ctx, table_name)),
        Statement::ShowCreate { obj_name, .. } => Err(select::no_such_table(ctx, obj_name)),
        other => Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&statement_kind(other)])),
    }
}

/// Switches the current database (`USE db`, COM_INIT_DB, CONNECT_WITH_DB).
pub fn change_database(ctx: &mut SessionCtx, name: &str) -> Result<()> {
    if !catalog::database_exists(name) {
        return Err(Error::fmt(ER_BAD_DB, &[&name]));
    }
    ctx.current_db = Some(name.to_string());
    Ok(())
}

fn use_database(ctx: &mut SessionCtx, u: &Use) -> Result<ExecResult> {
    let name = match u {
        Use::Object(n) | Use::Database(n) | Use::Schema(n) => n.to_string(),
        other => other.to_string(),
    };
    change_database(ctx, name.trim_matches('`'))?;
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
pub fn field_list(ctx: &SessionCtx, table: &str) -> Result<Vec<types::ResultColumn>> {
    let name = sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(table)]);
    Err(select::no_such_table(ctx, &name))
}
