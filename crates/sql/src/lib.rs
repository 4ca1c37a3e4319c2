//! FerroDB's SQL layer.
//!
//! A statement's path: [`split_statements`] cuts a COM_QUERY text into statements,
//! [`parse_statement`] parses one with `sqlparser` (MySQL dialect), the session handles
//! transaction control ([`TxnStmt`]) itself and hands everything else to [`execute`], which binds
//! names ([`binder`]) into typed [`expr::Expr`]s, and runs the statement's executor
//! ([`executor`]) against the session's [`SessionCtx`].

pub mod binder;
pub mod context;
pub mod convert;
pub mod executor;
pub mod expr;
pub mod frontend;
pub mod load_data;
pub mod memory;
pub mod planner;
pub mod prepare;
pub mod privileges;
pub mod processes;
pub mod result;
pub mod stmt_txn;
pub mod sysvar;
pub mod table;
pub mod txn;
pub mod user_locks;

pub use context::{Auth, KillFlag, Level, PreparedRun, SessionCtx, Warning};
pub use executor::{
    auto_analyze, change_database, classify, describe, execute, execute_point_get, field_list,
    point_get_handle, reads_diagnostics, Env, StmtClass,
};
pub use frontend::parser::parse_statement;
pub use frontend::split::split_statements;
pub use result::{ExecResult, OkResult, ResultSet, RowSink};
pub use sqlparser::ast::{KillType, Statement};
pub use txn::TxnStmt;
