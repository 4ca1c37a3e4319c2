//! Generated columns (`GENERATED ALWAYS AS (expr) [VIRTUAL | STORED]`): computed from the
//! row's other columns each time a row is written (INSERT, UPDATE, upsert, LOAD DATA), in
//! column order (one may read an earlier one), and stored with the row — a VIRTUAL column
//! reads the same as MySQL's, which computes it on read instead.

use catalog::TableInfo;
use errno::{Error, Result};
use sqlparser::{dialect::MySqlDialect, parser::Parser};
use types::Value;

use crate::{
    binder::bind_expr, context::SessionCtx, convert::store, executor::table_scope, expr::EvalCtx,
};

/// Whether `t` has generated columns.
pub fn has_generated(t: &TableInfo) -> bool {
    t.columns.iter().any(|c| c.generated.is_some())
}

/// Binds a generated column's expression over `t`'s row (1054 for a name that is not a
/// column): what CREATE TABLE checks, and what each write evaluates.
pub fn bind_generated(ctx: &SessionCtx, t: &TableInfo, expr: &str) -> Result<crate::expr::Expr> {
    let parsed = Parser::new(&MySqlDialect {})
        .try_with_sql(expr)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| Error::fmt(errno::ER_PARSE, &[&e.to_string(), &1]))?;
    let scope = table_scope(t, &t.name);
    Ok(bind_expr(&parsed, &scope, ctx, "generated column function")?.0)
}

/// Computes `t`'s generated columns of row `vals` (row `row_no` of the statement).
pub fn fill(ctx: &SessionCtx, t: &TableInfo, vals: &mut [Value], row_no: usize) -> Result<()> {
    for (ci, c) in t.columns.iter().enumerate() {
        let Some(g) = &c.generated else { continue };
        let e = bind_generated(ctx, t, &g.expr)?;
        let v = e.eval(vals, &EvalCtx::new(ctx))?;
        vals[ci] = store(v, c, row_no, None)?;
    }
    Ok(())
}

/// 3105: a statement gave generated column `column` of `t` a value.
pub fn not_allowed(t: &TableInfo, column: usize) -> Error {
    let name = t.columns.get(column).map_or("", |c| c.name.as_str());
    Error::fmt(errno::ER_NON_DEFAULT_VALUE_FOR_GENERATED_COLUMN, &[&name, &t.name])
}
