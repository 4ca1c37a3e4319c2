//! What `SHOW [FULL] PROCESSLIST` and `information_schema.PROCESSLIST` show: the server's
//! connections, from the session layer's process list ([`ProcessSource`]). An account without
//! the PROCESS privilege sees only its own user's connections.

use std::sync::Arc;

use errno::Result;
use privilege::Priv;
use types::{FieldType, ResultColumn, Value};

use crate::{
    result::{ExecResult, ResultSet},
    SessionCtx,
};

/// One connection as the process list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Connection id.
    pub id: u64,
    /// User name.
    pub user: String,
    /// Client `ip:port`.
    pub host: String,
    /// Current database.
    pub db: Option<String>,
    /// `Sleep`, `Query` or `Execute`.
    pub command: &'static str,
    /// Seconds in the current command (or idle).
    pub time: u64,
    /// `in transaction` or `autocommit`, as TiDB shows it.
    pub state: &'static str,
    /// The running statement's text (`None` while idle).
    pub info: Option<String>,
    /// Digest of the running statement's normalized text (TiDB's DIGEST), empty while idle.
    pub digest: String,
}

/// Where the process list comes from (the session layer's connection registry).
pub trait ProcessSource: Send + Sync + std::fmt::Debug {
    /// Every open connection.
    fn processes(&self) -> Vec<ProcessInfo>;
}

/// The process list as `ctx` may see it.
pub fn visible(ctx: &SessionCtx) -> Vec<ProcessInfo> {
    let Some(source) = &ctx.processes else { return Vec::new() };
    let all = crate::privileges::require_global(ctx, Priv::Process).is_ok();
    let mut rows: Vec<ProcessInfo> =
        source.processes().into_iter().filter(|p| all || p.user == ctx.user).collect();
    rows.sort_by_key(|p| p.id);
    rows
}

/// `SHOW [FULL] PROCESSLIST`: Info cut to 100 characters without FULL.
pub fn show_processlist(ctx: &SessionCtx, full: bool) -> Result<ExecResult> {
    let columns = vec![
        ResultColumn::expr("Id", FieldType::LongLong).not_null(),
        ResultColumn::varchar("User", 16).not_null(),
        ResultColumn::varchar("Host", 64).not_null(),
        ResultColumn::varchar("db", 64),
        ResultColumn::varchar("Command", 16).not_null(),
        ResultColumn::expr("Time", FieldType::Long).not_null(),
        ResultColumn::varchar("State", 30),
        ResultColumn::varchar("Info", if full { 65535 } else { 100 }),
    ];
    let rows = visible(ctx)
        .into_iter()
        .map(|p| {
            let info = p.info.map(|i| if full { i } else { i.chars().take(100).collect() });
            vec![
                Value::UInt(p.id),
                Value::String(p.user),
                Value::String(p.host),
                p.db.map_or(Value::Null, Value::String),
                Value::String(p.command.into()),
                Value::UInt(p.time),
                Value::String(p.state.into()),
                info.map_or(Value::Null, Value::String),
            ]
        })
        .collect();
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

/// A shared process source (for [`SessionCtx::processes`]).
pub type SharedProcesses = Arc<dyn ProcessSource>;
