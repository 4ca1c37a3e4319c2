//! `SET` statements: system variables, user variables, `SET NAMES`, `SET TRANSACTION`.

use errno::{Error, Result, ER_NOT_SUPPORTED_YET, ER_UNKNOWN_CHARACTER_SET};
use sqlparser::ast::{
    self, ContextModifier, Expr as AstExpr, Set, TransactionIsolationLevel, TransactionMode,
};
use types::Value;

use crate::{
    binder::{bind_expr, Scope},
    context::SessionCtx,
    expr::EvalCtx,
    result::ExecResult,
    sysvar::VarScope,
};

/// Executes a `SET …` statement.
pub fn execute_set(ctx: &mut SessionCtx, set: &Set) -> Result<ExecResult> {
    match set {
        Set::SingleAssignment { scope, variable, values, .. } => {
            let [value] = values.as_slice() else {
                return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"SET with a value list"]));
            };
            assign(ctx, scope.as_ref(), &variable.0, value)?;
        }
        Set::MultipleAssignments { assignments } => {
            for a in assignments {
                assign(ctx, a.scope.as_ref(), &a.name.0, &a.value)?;
            }
        }
        Set::SetNames { charset_name, collation_name } => {
            set_names(ctx, &charset_name.value, collation_name.as_deref())?
        }
        Set::SetNamesDefault {} => set_names(ctx, "utf8mb4", None)?,
        Set::SetTransaction { modes, session, .. } => {
            let _ = session; // sqlparser drops SESSION; a bare SET TRANSACTION is treated alike
            let scope = VarScope::Session;
            for m in modes {
                match m {
                    TransactionMode::IsolationLevel(level) => {
                        let name = match level {
                            TransactionIsolationLevel::ReadUncommitted => "READ-UNCOMMITTED",
                            TransactionIsolationLevel::ReadCommitted => "READ-COMMITTED",
                            TransactionIsolationLevel::RepeatableRead => "REPEATABLE-READ",
                            TransactionIsolationLevel::Serializable => "SERIALIZABLE",
                            TransactionIsolationLevel::Snapshot => "REPEATABLE-READ",
                        };
                        ctx.vars.set(
                            "transaction_isolation",
                            scope,
                            &Value::String(name.into()),
                        )?;
                    }
                    TransactionMode::AccessMode(mode) => {
                        let ro = matches!(mode, ast::TransactionAccessMode::ReadOnly);
                        ctx.vars.set("transaction_read_only", scope, &Value::Int(i64::from(ro)))?;
                    }
                }
            }
        }
        other => return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&other.to_string()])),
    }
    Ok(ExecResult::ok())
}

/// `SET NAMES cs [COLLATE co]`: sets the client, connection and results character sets.
fn set_names(ctx: &mut SessionCtx, charset: &str, collation: Option<&str>) -> Result<()> {
    let cs = charset.trim_matches(|c| c == '\'' || c == '"' || c == '`').to_ascii_lowercase();
    let default_collation = match cs.as_str() {
        "utf8mb4" => "utf8mb4_bin",
        "utf8" | "utf8mb3" => "utf8_bin",
        "latin1" => "latin1_bin",
        "ascii" => "ascii_bin",
        "binary" => "binary",
        _ => return Err(Error::fmt(ER_UNKNOWN_CHARACTER_SET, &[&cs])),
    };
    let collation = collation.map_or(default_collation.to_string(), |c| c.to_ascii_lowercase());
    for var in ["character_set_client", "character_set_connection", "character_set_results"] {
        ctx.vars.set(var, VarScope::Session, &Value::String(cs.clone()))?;
    }
    ctx.vars.set("collation_connection", VarScope::Session, &Value::String(collation))
}

/// One `name = value` assignment of a SET statement.
fn assign(
    ctx: &mut SessionCtx,
    scope: Option<&ContextModifier>,
    name: &[ast::ObjectNamePart],
    value: &AstExpr,
) -> Result<()> {
    let parts: Vec<String> = name
        .iter()
        .map(|p| p.as_ident().map_or_else(|| p.to_string(), |i| i.value.clone()))
        .collect();
    // `@@global.x` / `@@session.x`, `@@x`, `@x`, `x`; a dotted rest names a component
    // variable (`validate_password.enable`).
    let (mut var_scope, var_name) = match parts.as_slice() {
        [first, rest @ ..] if first.starts_with("@@") => {
            match (first[2..].to_ascii_lowercase().as_str(), rest.is_empty()) {
                ("global", false) => (VarScope::Global, rest.join(".")),
                ("session" | "local", false) => (VarScope::Session, rest.join(".")),
                _ => (VarScope::Default, parts.join(".")[2..].to_string()),
            }
        }
        [name] if name.starts_with('@') => {
            let key = name[1..].trim_matches(|c| c == '`' || c == '\'' || c == '"').to_lowercase();
            let v = eval_constant(ctx, value)?;
            ctx.user_vars.insert(key, v);
            return Ok(());
        }
        [name] => (VarScope::Default, name.clone()),
        _ => (VarScope::Default, parts.join(".")),
    };
    match scope {
        Some(ContextModifier::Global) => var_scope = VarScope::Global,
        Some(ContextModifier::Session | ContextModifier::Local) => var_scope = VarScope::Session,
        None => {}
    }
    if var_scope == VarScope::Global {
        crate::privileges::require_dynamic(ctx, "SYSTEM_VARIABLES_ADMIN")?;
    }
    // `SET x = DEFAULT` and `SET x = ON/OFF` use bare words that are not column names.
    if let AstExpr::Identifier(id) = value {
        // (`@name` is a user variable, `@@name` a system one: values, not bare words.)
        if id.quote_style.is_none() && !id.value.starts_with('@') {
            if id.value.eq_ignore_ascii_case("DEFAULT") {
                return ctx.vars.set_default(&var_name, var_scope);
            }
            return ctx.vars.set(&var_name, var_scope, &Value::String(id.value.clone()));
        }
    }
    let v = eval_constant(ctx, value)?;
    let v = match v {
        Value::Null if var_name.eq_ignore_ascii_case("character_set_results") => {
            Value::String(String::new())
        }
        other => other,
    };
    let clamped = crate::sysvar::clamps(&var_name, &v);
    ctx.vars.set(&var_name, var_scope, &v)?;
    if clamped {
        // Out of range: set to the nearest bound, with MySQL's warning.
        let e = Error::fmt(errno::ER_TRUNCATED_WRONG_VALUE, &[&var_name, &v]);
        ctx.warn(e.code, e.message);
    }
    Ok(())
}

fn eval_constant(ctx: &SessionCtx, value: &AstExpr) -> Result<Value> {
    let (expr, _) = bind_expr(value, &Scope::default(), ctx, "field list")?;
    expr.eval(&[], &EvalCtx::new(ctx))
}
