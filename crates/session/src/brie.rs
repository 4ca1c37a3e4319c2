//! `BACKUP`, `RESTORE`, `SHOW BACKUPS` and `SHOW RESTORES` (TiDB's BRIE statements): the
//! session checks privileges, turns the statement's options into the `backup` crate's, queues
//! the task on the server's [`backup::tasks::Tasks`] and answers with TiDB's result columns.
//! `KILL [TIDB] QUERY` of the connection stops a waiting or running task.

use backup::{
    tasks::{Kind, TaskRow},
    BackupOptions, Location, RestoreOptions, Targets,
};
use errno::{Error, Result, ER_BRIE_BACKUP_FAILED, ER_BRIE_RESTORE_FAILED, ER_QUERY_INTERRUPTED};
use sql::frontend::brie::{Brie, BrieKind, BrieStmt, BrieTables, BrieValue};
use types::{FieldType, ResultColumn, Temporal, TemporalKind, Value};

use crate::{ExecResult, Session};

impl Session {
    /// Runs a BRIE statement, recording its error for SHOW WARNINGS.
    pub(crate) fn brie_statement(&mut self, stmt: &Brie) -> Result<ExecResult> {
        self.ctx.warnings.clear();
        self.ctx.start_statement();
        let result = match stmt {
            Brie::Show { restores, filter } => self.show_brie(*restores, filter.as_deref()),
            Brie::Run(s) => self.run_brie(s),
        };
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }

    fn run_brie(&mut self, s: &BrieStmt) -> Result<ExecResult> {
        let (kind, privilege, code) = match s.kind {
            BrieKind::Backup => (Kind::Backup, "BACKUP_ADMIN", ER_BRIE_BACKUP_FAILED),
            BrieKind::Restore => (Kind::Restore, "RESTORE_ADMIN", ER_BRIE_RESTORE_FAILED),
        };
        sql::privileges::require_dynamic(&self.ctx, privilege)?;
        let failed = |m: String| Error::fmt(code, &[&m]);
        let targets = match &s.tables {
            BrieTables::AllDatabases => Targets::All,
            BrieTables::Databases(dbs) => Targets::Databases(dbs.clone()),
            BrieTables::Tables(names) => {
                let tables = names.iter().map(|n| self.qualify_table(n)).collect::<Result<_>>()?;
                Targets::Tables(tables)
            }
        };
        let loc = Location::parse(&s.url).map_err(failed)?;
        let mut backup_opts = BackupOptions::default();
        let mut restore_opts = RestoreOptions::default();
        for (name, value) in &s.options {
            match (name.as_str(), value) {
                ("CHECKSUM", v) => {
                    backup_opts.checksum = v.truth();
                    restore_opts.checksum = v.truth();
                }
                ("RATE_LIMIT", BrieValue::MbPerSecond(mb)) => {
                    let rate = mb.saturating_mul(1 << 20);
                    backup_opts.rate_limit = Some(rate);
                    restore_opts.rate_limit = Some(rate);
                }
                ("IGNORE_STATS", v) => backup_opts.ignore_stats = v.truth(),
                ("LOAD_STATS", v) => restore_opts.load_stats = v.truth(),
                ("COMPRESSION_TYPE", BrieValue::Text(t)) => match t.to_ascii_lowercase().as_str() {
                    "lz4" => backup_opts.compress = true,
                    "zstd" | "snappy" => {
                        backup_opts.compress = true;
                        self.ctx.warn(
                            errno::ER_INTERNAL.code,
                            format!("compression type '{t}' is not available on this server; lz4 is used"),
                        );
                    }
                    _ => return Err(failed(format!("unsupported compression type: {t}"))),
                },
                ("SNAPSHOT", _) => {
                    return Err(failed(
                        "SNAPSHOT: this store keeps no versions older than its oldest running transaction, so only the current snapshot can be backed up (leave SNAPSHOT out)".into(),
                    ))
                }
                ("LAST_BACKUP", _) => {
                    return Err(failed(
                        "LAST_BACKUP: incremental backup needs the store's change history, which it does not keep; take a full backup".into(),
                    ))
                }
                // Concurrency, credentials for cloud storage, TiFlash and system-table
                // restores have nothing to act on in one process with local storage.
                _ => {}
            }
        }
        // Like DDL, the statement ends the open transaction.
        self.txn.commit()?;
        let tasks = self.manager.brie_tasks.clone();
        let task = tasks.register(kind, &loc.display, self.ctx.connection_id);
        let kill = self.ctx.kill.clone();
        let interrupted = move || -> Result<()> {
            if kill.is_set() {
                Err(Error::fmt(ER_QUERY_INTERRUPTED, &[]))
            } else {
                Ok(())
            }
        };
        let storage = self.manager.storage.clone();
        let catalog = self.catalog.clone();
        let queued = datetime(task.queue_time);
        let mut started = 0i64;
        let columns;
        let row = match kind {
            Kind::Backup => {
                let done = tasks.run(&task, &interrupted, || {
                    started = backup::tasks::now_micros();
                    backup::run_backup(
                        storage.as_ref(),
                        &loc,
                        &targets,
                        &backup_opts,
                        &task.progress,
                        &interrupted,
                    )
                })?;
                columns = vec![
                    ResultColumn::varchar("Destination", 255).not_null(),
                    unsigned("Size"),
                    unsigned("BackupTS"),
                    ResultColumn::expr("Queue Time", FieldType::DateTime).not_null(),
                    ResultColumn::expr("Execution Time", FieldType::DateTime).not_null(),
                ];
                vec![
                    Value::String(loc.display.clone()),
                    Value::UInt(done.size),
                    Value::UInt(done.backup_ts),
                    queued,
                    datetime(started),
                ]
            }
            Kind::Restore => {
                let done = tasks.run(&task, &interrupted, || {
                    started = backup::tasks::now_micros();
                    backup::run_restore(
                        storage.as_ref(),
                        &catalog,
                        &loc,
                        &targets,
                        &restore_opts,
                        &task.progress,
                        &interrupted,
                    )
                })?;
                columns = vec![
                    ResultColumn::varchar("Destination", 255).not_null(),
                    unsigned("Size"),
                    unsigned("BackupTS"),
                    unsigned("Cluster TS"),
                    ResultColumn::expr("Queue Time", FieldType::DateTime).not_null(),
                    ResultColumn::expr("Execution Time", FieldType::DateTime).not_null(),
                ];
                vec![
                    Value::String(loc.display.clone()),
                    Value::UInt(done.size),
                    Value::UInt(done.backup_ts),
                    Value::UInt(done.restore_ts),
                    queued,
                    datetime(started),
                ]
            }
        };
        Ok(ExecResult::Rows(sql::ResultSet { columns, rows: vec![row] }))
    }

    /// `SHOW BACKUPS` / `SHOW RESTORES` (SUPER, as TiDB): queued, running and recently
    /// finished tasks; `LIKE` matches the destination.
    fn show_brie(
        &mut self,
        restores: bool,
        filter: Option<&sqlparser_filter::ShowStatementFilter>,
    ) -> Result<ExecResult> {
        sql::privileges::require_global(&self.ctx, privilege::Priv::Super)?;
        let kind = if restores { Kind::Restore } else { Kind::Backup };
        let columns = vec![
            unsigned("Id"),
            ResultColumn::varchar("Destination", 255).not_null(),
            ResultColumn::varchar("State", 32).not_null(),
            ResultColumn::expr("Progress", FieldType::Double).not_null(),
            ResultColumn::expr("Queue_time", FieldType::DateTime),
            ResultColumn::expr("Execution_time", FieldType::DateTime),
            ResultColumn::expr("Finish_time", FieldType::DateTime),
            unsigned("Connection"),
            ResultColumn::varchar("Message", 1024),
        ];
        let rows: Vec<Vec<Value>> =
            self.manager.brie_tasks.list(kind).into_iter().map(row_of).collect();
        let rows = match filter {
            Some(sqlparser_filter::ShowStatementFilter::Like(p)) => rows
                .into_iter()
                .filter(|r| sql::expr::like_match(&r[1].to_string(), p, '\\', true))
                .collect(),
            other => sql::executor::filter_rows(&self.ctx, &columns, rows, other)?,
        };
        Ok(ExecResult::Rows(sql::ResultSet { columns, rows }))
    }
}

mod sqlparser_filter {
    pub use sql::frontend::brie::ShowFilter as ShowStatementFilter;
}

/// A NOT NULL BIGINT UNSIGNED result column.
pub(crate) fn unsigned(name: &str) -> ResultColumn {
    let mut c = ResultColumn::bigint(name).not_null();
    c.flags.0 |= types::ColumnFlags::UNSIGNED;
    c
}

/// A DATETIME of `micros` since the epoch (UTC, the server's time zone); `0000-00-00 00:00:00`
/// for "not yet", as TiDB shows it.
fn datetime(micros: i64) -> Value {
    let t = if micros == 0 {
        Temporal::parse(TemporalKind::DateTime, "0000-00-00 00:00:00")
    } else {
        Temporal::from_micros(TemporalKind::DateTime, micros - micros % 1_000_000)
    };
    t.map_or(Value::Null, Value::Temporal)
}

fn row_of(t: TaskRow) -> Vec<Value> {
    vec![
        Value::UInt(t.id),
        Value::String(t.destination),
        Value::String(t.state),
        Value::Double((t.progress * 100.0).round() / 100.0),
        datetime(t.queue_time),
        datetime(t.execution_time.unwrap_or(0)),
        datetime(t.finish_time.unwrap_or(0)),
        Value::UInt(t.connection),
        t.message.map_or(Value::Null, Value::String),
    ]
}
