//! A client session: per-connection state and the lifecycle of each statement.
//!
//! The server hands a [`Session`] the text of a COM_QUERY; the session splits it into statements,
//! parses each, carries out transaction control itself, runs everything else through the SQL
//! layer, keeps `SHOW WARNINGS` diagnostics, and reports the status flags every OK/EOF carries.

mod account;
mod brie;
mod checksum;
mod grant_tables;
mod prepared;
mod process;
mod status;
mod txn;

pub use prepared::PrepareInfo;
pub use privilege;
pub use process::{Activity, ActivityHandle, ProcessList, Waker};

pub use status::ServerStatus;

/// The version string announced in the handshake and returned by `VERSION()`.
pub fn server_version() -> &'static str {
    sql::sysvar::SERVER_VERSION
}
pub use sql::{sysvar::GlobalVars, ExecResult, OkResult, ResultSet, RowSink};

use std::sync::Arc;

use catalog::Catalog;
use errno::{Error, Result};
use kv::Storage;
use prepared::PreparedStore;
use sql::prepare::{KeptPointGet, PrepareSource, Prepared, SqlPrepare};
use sql::{
    sysvar::SessionVars, Env, KillType as sqlparser_kill, Level, SessionCtx, StmtClass, TxnStmt,
    Warning,
};
use txn::TxnState;
use types::Value;

/// How often auto-analyze looks for tables to analyze (TiDB's stats lease).
pub const AUTO_ANALYZE_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// What every session of one server shares: global variables, the store and its catalog,
/// the privilege snapshot.
#[derive(Clone)]
pub struct SessionManager {
    globals: GlobalVars,
    storage: Arc<dyn Storage>,
    catalog: Arc<Catalog>,
    processes: Arc<ProcessList>,
    privileges: Arc<privilege::Privileges>,
    account_lock: Arc<parking_lot::Mutex<()>>,
    /// BACKUP and RESTORE tasks (one runs at a time; SHOW BACKUPS lists them).
    brie_tasks: Arc<backup::tasks::Tasks>,
}

/// An account the configuration file names (`[[users]]`): created on first start.
#[derive(Debug, Clone)]
pub struct SeedAccount {
    /// User name (host `%`).
    pub name: String,
    /// Clear password.
    pub password: String,
    /// Authentication plugin.
    pub plugin: String,
}

impl SessionManager {
    /// Sessions over `storage` with `globals`; loads (or bootstraps) the catalog and the grant
    /// tables (a fresh store gets `root@%` with an empty password).
    pub fn new(globals: GlobalVars, storage: Arc<dyn Storage>) -> Result<Self> {
        Self::with_accounts(globals, storage, &[])
    }

    /// As [`SessionManager::new`], creating `seeds` (with every privilege; root also WITH
    /// GRANT OPTION) when the grant
    /// tables are created, i.e. on first start, and `root@%` with an empty password unless
    /// `seeds` names root. Seeds whose configured password still matches also warm
    /// caching_sha2's fast-path cache, so they log in without full authentication.
    pub fn with_accounts(
        globals: GlobalVars,
        storage: Arc<dyn Storage>,
        seeds: &[SeedAccount],
    ) -> Result<Self> {
        let catalog = Arc::new(Catalog::open(storage.clone())?);
        let manager = SessionManager {
            globals,
            storage,
            catalog,
            processes: Arc::default(),
            privileges: Arc::default(),
            account_lock: Arc::default(),
            brie_tasks: Arc::default(),
        };
        manager.bootstrap_accounts(seeds)?;
        Ok(manager)
    }

    fn bootstrap_accounts(&self, seeds: &[SeedAccount]) -> Result<()> {
        let first = self.catalog.schema().table("mysql", "user").is_err();
        let mut s = self.internal_session();
        for ddl in grant_tables::ddl() {
            grant_tables::exec(&mut s, &ddl)?;
        }
        let mut seeds = seeds.to_vec();
        if !seeds.iter().any(|a| a.name == "root") {
            seeds.insert(
                0,
                SeedAccount {
                    name: "root".into(),
                    password: String::new(),
                    plugin: "mysql_native_password".into(),
                },
            );
        }
        if first {
            for a in &seeds {
                let user = grant_tables::lit(&a.name);
                grant_tables::exec(
                    &mut s,
                    &format!(
                        "CREATE USER IF NOT EXISTS {user}@'%' IDENTIFIED WITH {} BY {}",
                        a.plugin,
                        grant_tables::lit(&a.password)
                    ),
                )?;
                // Root may hand privileges on; the other configured accounts hold them all.
                let option = if a.name == "root" { " WITH GRANT OPTION" } else { "" };
                grant_tables::exec(
                    &mut s,
                    &format!("GRANT ALL PRIVILEGES ON *.* TO {user}@'%'{option}"),
                )?;
            }
        }
        let tables = grant_tables::load(&mut s)?;
        for a in &seeds {
            let id = privilege::Identity::new(&a.name, "%");
            if let Some(row) = tables.user(&id) {
                if privilege::password::check_clear(&row.auth_string, &a.password) {
                    self.privileges.fast_auth.put(&a.name, "%", &row.auth_string, &a.password);
                }
            }
        }
        self.privileges.replace(tables);
        Ok(())
    }

    /// The server's accounts and privileges.
    pub fn privileges(&self) -> &Arc<privilege::Privileges> {
        &self.privileges
    }

    /// Held while an account statement runs: they run one at a time.
    fn account_lock(&self) -> parking_lot::MutexGuard<'_, ()> {
        self.account_lock.lock()
    }

    /// A session that runs the server's own statements: no privilege checks, not in the
    /// process list.
    fn internal_session(&self) -> Session {
        let ctx = SessionCtx::new(SessionVars::new(self.globals.clone()), "root", "localhost", 0);
        self.session_with(ctx)
    }

    fn session_with(&self, ctx: SessionCtx) -> Session {
        Session {
            ctx,
            txn: TxnState::new(self.storage.clone(), self.catalog.clone()),
            catalog: self.catalog.clone(),
            processes: self.processes.clone(),
            prepared: PreparedStore::new(self.globals.prepared_stmts().clone()),
            text_plans: std::collections::HashMap::new(),
            plan_from_cache: (false, false),
            manager: self.clone(),
            activity: None,
        }
    }

    /// The catalog the sessions share.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Starts auto-analyze (TiDB's): a thread that every [`AUTO_ANALYZE_EVERY`] analyzes the
    /// tables whose rows changed enough since their last statistics (`sql::auto_analyze`). It
    /// ends once the manager's catalog is gone.
    pub fn start_auto_analyze(&self) -> std::io::Result<std::thread::JoinHandle<()>> {
        let catalog = Arc::downgrade(&self.catalog);
        let globals = self.globals.clone();
        std::thread::Builder::new().name("auto-analyze".into()).spawn(move || loop {
            std::thread::sleep(AUTO_ANALYZE_EVERY);
            let Some(catalog) = catalog.upgrade() else { return };
            for done in sql::auto_analyze(&catalog, &globals) {
                match done {
                    Ok(table) => tracing::info!(table, "auto-analyzed"),
                    Err(e) => tracing::warn!(error = %e.message, "auto-analyze failed"),
                }
            }
        })
    }

    /// A new session for `user` connecting from `host`, as the account that login matches
    /// (`user@%` when none does: tests and tools that skip authentication).
    pub fn new_session(&self, user: &str, host: &str, connection_id: u64) -> Session {
        let account = self
            .privileges
            .snapshot()
            .match_login(user, host)
            .map(|u| u.id.clone())
            .unwrap_or_else(|| privilege::Identity::new(user, "%"));
        self.new_session_as(account, user, host, connection_id)
    }

    /// A new session for `user` from `host`, authenticated as `account`; its default roles
    /// are active.
    pub fn new_session_as(
        &self,
        account: privilege::Identity,
        user: &str,
        host: &str,
        connection_id: u64,
    ) -> Session {
        let mut ctx =
            SessionCtx::new(SessionVars::new(self.globals.clone()), user, host, connection_id);
        let tables = self.privileges.snapshot();
        let roles = tables.default_roles(&account);
        let expired = tables.user(&account).is_some_and(|u| u.password_expired);
        let mut auth = sql::Auth::new(account, roles, self.privileges.clone());
        auth.must_change_password = expired;
        ctx.auth = Some(auth);
        let activity = self.processes.register(connection_id, user, host, ctx.kill.clone());
        ctx.processes = Some(self.processes.clone());
        let mut session = self.session_with(ctx);
        session.activity = Some(activity);
        session
    }

    /// The global variables.
    pub fn globals(&self) -> &GlobalVars {
        &self.globals
    }
}

/// One client connection's session.
pub struct Session {
    ctx: SessionCtx,
    txn: TxnState,
    catalog: Arc<Catalog>,
    processes: Arc<ProcessList>,
    prepared: PreparedStore,
    /// Point reads sent as text, by parameterized text: the kept plan, or `None` for a shape
    /// that is not a point read (see [`Session::text_point_get`]).
    text_plans: std::collections::HashMap<String, Option<Arc<Prepared>>>,
    /// Whether the running statement reuses a kept plan, and whether the last one did
    /// (`@@last_plan_from_cache`).
    plan_from_cache: (bool, bool),
    /// The manager that made the session (for account statements' internal sessions).
    manager: SessionManager,
    /// This connection's process-list entry (`None` for internal sessions).
    activity: Option<process::ActivityHandle>,
}

/// Where the server sends a COM_QUERY's outcomes: rows as they are produced ([`RowSink`]),
/// then each statement's outcome with the status flags and warning count its terminator
/// carries (`more`: another result follows).
pub trait ResultSink: RowSink {
    /// One statement's outcome.
    fn result(&mut self, r: Result<ExecResult>, status: ServerStatus, warnings: u16, more: bool);
}

/// Collects outcomes (no streaming): [`Session::execute_text`].
struct Collect(Vec<Result<ExecResult>>);

impl RowSink for Collect {
    fn columns(&mut self, _: &[types::ResultColumn]) -> Result<()> {
        Ok(())
    }
    fn rows(&mut self, _: &[Vec<types::Value>]) -> Result<()> {
        Ok(())
    }
}

impl ResultSink for Collect {
    fn result(&mut self, r: Result<ExecResult>, _: ServerStatus, _: u16, _: bool) {
        self.0.push(r);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.ctx.auth.is_some() {
            self.processes.unregister(self.ctx.connection_id);
        }
        // Named locks go with their session (MySQL: at disconnect).
        self.ctx.vars.globals().user_locks().release_all(self.ctx.connection_id);
        // So do temporary tables, once the open transaction (which may hold their rows'
        // locks) is gone.
        if !self.ctx.temp_tables.is_empty() {
            self.txn.rollback();
            for (_, t) in std::mem::take(&mut self.ctx.temp_tables) {
                if let Err(e) = self.catalog.drop_temporary(t.id) {
                    tracing::warn!(table = %t.name, error = %e, "temporary table not dropped");
                }
            }
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("connection_id", &self.ctx.connection_id)
            .field("txn", &self.txn)
            .finish()
    }
}

impl Session {
    /// Runs every statement of a COM_QUERY text, in order, stopping after the first error
    /// (as MySQL does for multi-statements), and collects each outcome. An empty text is error
    /// 1065. Without `multi` (the client did not set CLIENT_MULTI_STATEMENTS), a second
    /// statement is a syntax error.
    pub fn execute_text(&mut self, text: &str, multi: bool) -> Vec<Result<ExecResult>> {
        let mut out = Collect(Vec::new());
        self.run_text(text, multi, &mut out, false);
        out.0
    }

    /// Like [`Self::execute_text`], but a SELECT's rows go to `sink` while its operators
    /// run (the statement's outcome is then [`ExecResult::Streamed`]), and each statement's
    /// outcome goes to [`ResultSink::result`] as soon as it is known, in order.
    pub fn execute_text_to(&mut self, text: &str, multi: bool, sink: &mut dyn ResultSink) {
        self.run_text(text, multi, sink, true);
    }

    /// Marks the connection busy with `command` running `text` (SHOW PROCESSLIST).
    fn begin_command(&self, command: &'static str, text: &str) {
        if let Some(a) = &self.activity {
            let mut a = a.lock();
            a.command = command;
            a.since = std::time::Instant::now();
            a.info = Some(text.to_string());
            a.in_txn = self.txn.is_active();
        }
    }

    /// Marks the connection idle again.
    fn end_command(&self) {
        if let Some(a) = &self.activity {
            let mut a = a.lock();
            a.command = "Sleep";
            a.since = std::time::Instant::now();
            a.info = None;
            a.db = self.ctx.current_db.clone();
            a.in_txn = self.txn.is_active();
        }
    }

    fn run_text(&mut self, text: &str, multi: bool, sink: &mut dyn ResultSink, stream: bool) {
        self.begin_command("Query", text);
        self.run_text_inner(text, multi, sink, stream);
        self.end_command();
    }

    fn run_text_inner(&mut self, text: &str, multi: bool, sink: &mut dyn ResultSink, stream: bool) {
        let stmts = sql::split_statements(text);
        let refused = if stmts.is_empty() {
            Some(Error::fmt(errno::ER_EMPTY_QUERY, &[]))
        } else if !multi && stmts.len() > 1 {
            let second = stmts[1];
            let offset = second.as_ptr() as usize - text.as_ptr() as usize;
            let near: String = text[offset.saturating_sub(1)..].chars().take(80).collect();
            let line = text[..offset].matches('\n').count() + 1;
            Some(Error::fmt(errno::ER_PARSE, &[&near, &line]))
        } else {
            None
        };
        if let Some(err) = refused {
            self.record_error(&err);
            let (status, warnings) = (self.status(), self.warning_count());
            sink.result(Err(err), status, warnings, false);
            return;
        }
        let n = stmts.len();
        for (i, stmt) in stmts.into_iter().enumerate() {
            let rows: Option<&mut dyn RowSink> = if stream { Some(&mut *sink) } else { None };
            let r = self.execute_sized(stmt, rows);
            let failed = r.is_err();
            let (status, warnings) = (self.status(), self.warning_count());
            sink.result(r, status, warnings, !failed && i + 1 < n);
            if failed {
                break;
            }
        }
    }

    /// Runs one statement; one whose expressions may nest deeply (a long `OR` or `+` chain)
    /// runs on a stack sized for it ([`sql::stack`]), so no statement can overflow the
    /// connection thread's stack and take the server down.
    fn execute_sized<'s>(
        &mut self,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        let r = self.execute_sized_inner(text, sink);
        self.statement_done(&r);
        r
    }

    /// Publishes whether the statement just run reused a kept plan (`@@last_plan_from_cache`)
    /// and how many rows it changed (`ROW_COUNT()`).
    fn statement_done(&mut self, result: &Result<ExecResult>) {
        self.ctx.row_count = match result {
            Ok(ExecResult::Ok(ok)) => i64::try_from(ok.affected_rows).unwrap_or(i64::MAX),
            _ => -1,
        };
        let (now, last) = std::mem::take(&mut self.plan_from_cache);
        if now != last {
            self.ctx.vars.set_status("last_plan_from_cache", if now { "1" } else { "0" });
        }
        self.plan_from_cache = (false, now);
    }

    fn execute_sized_inner<'s>(
        &mut self,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        self.on_stack_for(text, |s| s.execute_one(text, sink))
    }

    /// Runs `f` on a stack large enough for the nesting of statement `text`
    /// ([`sql::stack`]); a statement nested past every bound is error 1436.
    fn on_stack_for(
        &mut self,
        text: &str,
        f: impl FnOnce(&mut Self) -> Result<ExecResult>,
    ) -> Result<ExecResult> {
        match sql::frontend::stack::stack_needed(text) {
            Ok(bytes) => on_stack(bytes, || f(self)),
            Err(e) => {
                self.record_error(&e);
                Err(e)
            }
        }
    }

    /// [`Self::on_stack_for`] for work other than running the statement (its error is the
    /// caller's to record).
    fn stack_for<R>(&mut self, text: &str, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        let bytes = sql::frontend::stack::stack_needed(text)?;
        on_stack(bytes, || f(self))
    }

    fn execute_one<'s>(
        &mut self,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        let mut sink = sink;
        if let Some(r) = self.text_point_get(text, sink.as_deref_mut()) {
            return r;
        }
        if let Some(r) = self.text_dml(text, sink.as_deref_mut()) {
            return r;
        }
        if let Some(load) = sql::load_data::recognize(text) {
            let result = load.and_then(|l| self.load_data(&l, text, sink));
            if let Err(e) = &result {
                self.record_error(e);
            }
            return result;
        }
        if let Some(sql_prepare) = sql::prepare::recognize(text) {
            let result = sql_prepare.and_then(|p| self.sql_prepare(p, sink));
            if let Err(e) = &result {
                self.record_error(e);
            }
            return result;
        }
        // `DO expr, …` (which sqlparser has no tree for): the expressions evaluated as a
        // SELECT's, the rows dropped (`DO GET_LOCK(…)`, `DO SLEEP(n)`).
        if sql::frontend::text::first_word(text).eq_ignore_ascii_case("DO") {
            let rest = text.trim_start()[2..].trim_start();
            if !rest.is_empty() {
                let result = self.execute_one(&format!("SELECT {rest}"), None);
                return result.map(|_| sql::ExecResult::ok());
            }
        }
        let account = sql::frontend::account::recognize(text);
        if self.ctx.auth.as_ref().is_some_and(|a| a.must_change_password) {
            let allowed = matches!(
                &account,
                Some(Ok(sql::frontend::account::AccountStmt::Alter { .. }
                    | sql::frontend::account::AccountStmt::SetPassword { .. }))
            ) || sql::frontend::text::first_word(text).eq_ignore_ascii_case("SET");
            if !allowed {
                let e = Error::fmt(errno::ER_MUST_CHANGE_PASSWORD, &[]);
                self.record_error(&e);
                return Err(e);
            }
        }
        if let Some(account) = account {
            return self.recognized(account, Self::account_statement);
        }
        if let Some(stmt) = sql::frontend::checksum::recognize(text) {
            return self.recognized(stmt, Self::checksum_statement);
        }
        if let Some(brie) = sql::frontend::brie::recognize(text) {
            return self.recognized(brie, Self::brie_statement);
        }
        if let Some(special) = sql::frontend::special::recognize(text) {
            self.ctx.warnings.clear();
            self.ctx.start_statement();
            let catalog = self.catalog.clone();
            let result = if special.is_ddl() {
                self.txn.commit().and_then(|()| {
                    let _job = catalog.ddl_job();
                    sql::frontend::special::execute(&self.ctx, &catalog, &special)
                })
            } else {
                sql::frontend::special::execute(&self.ctx, &catalog, &special)
            };
            if let Err(e) = &result {
                self.record_error(e);
            }
            return result;
        }
        let stmt = match sql::parse_statement(text) {
            Ok(s) => s,
            Err(e) => {
                self.record_error(&e);
                return Err(e);
            }
        };
        self.execute_parsed(&stmt, text, sink)
    }

    /// Runs a statement recognised from its tokens with `run`, or records its syntax error.
    fn recognized<S>(
        &mut self,
        stmt: Result<S>,
        run: impl FnOnce(&mut Self, &S) -> Result<ExecResult>,
    ) -> Result<ExecResult> {
        match stmt {
            Ok(s) => run(self, &s),
            Err(e) => {
                self.record_error(&e);
                Err(e)
            }
        }
    }

    /// Runs a parsed statement whose source is `text`.
    fn execute_parsed<'s>(
        &mut self,
        stmt: &sql::Statement,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        if !sql::reads_diagnostics(stmt) {
            self.ctx.warnings.clear();
        }
        self.ctx.start_statement();
        let autocommit_before = self.ctx.vars.bool("autocommit");
        if let sql::Statement::Kill { modifier, id } = stmt {
            let result = self.kill(*id, matches!(modifier, Some(sqlparser_kill::Query)));
            if let Err(e) = &result {
                self.record_error(e);
            }
            return result;
        }
        let result = match TxnStmt::from_ast(stmt) {
            Some(t) => self.txn.execute(&t, &self.ctx.vars),
            None => self.run(stmt, text, sink),
        };
        // Turning autocommit on commits the open transaction, as in MySQL.
        let result = match result {
            Ok(r) if !autocommit_before && self.ctx.vars.bool("autocommit") => {
                self.txn.commit().map(|()| r)
            }
            other => other,
        };
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }

    /// `LOAD DATA LOCAL INFILE`: asks the client for the file (through `sink`) and loads its
    /// rows by INSERTs of [`sql::load_data::BATCH_ROWS`] rows, each its own statement (under
    /// autocommit, its own transaction); answers with MySQL's "Records: … Deleted: … Skipped:
    /// … Warnings: …".
    fn load_data<'s>(
        &mut self,
        load: &sql::load_data::LoadData,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        let sink = sink.ok_or_else(|| Error::fmt(errno::ER_NOT_ALLOWED_COMMAND, &[]))?;
        self.ctx.warnings.clear();
        self.ctx.start_statement();
        let (db, table) = match load.table.as_slice() {
            [t] => match &self.ctx.current_db {
                Some(db) => (db.clone(), t.clone()),
                None => return Err(Error::fmt(errno::ER_NO_DB, &[])),
            },
            [db, t] => (db.clone(), t.clone()),
            _ => return Err(Error::fmt(errno::ER_PARSE, &[&text, &1i64])),
        };
        let columns: Vec<String> = self
            .catalog
            .schema()
            .table(&db, &table)?
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        // Only now the file: an unknown table fails before the client sends anything.
        let data = sink.local_infile(&load.file)?;
        let text_data = String::from_utf8_lossy(&data);
        let mut batches = load.batches(&text_data, &columns)?;
        let mut ok = sql::OkResult::default();
        for insert in batches.by_ref() {
            if let ExecResult::Ok(batch) = self.run(&insert, text, None)? {
                ok.affected_rows += batch.affected_rows;
            }
        }
        for (code, message) in &batches.warnings {
            self.ctx.warn(*code, message.clone());
        }
        let records = batches.records;
        let (deleted, skipped) = if load.replace {
            (ok.affected_rows.saturating_sub(records), 0)
        } else {
            (0, records.saturating_sub(ok.affected_rows))
        };
        ok.info = format!(
            "Records: {records}  Deleted: {deleted}  Skipped: {skipped}  Warnings: {}",
            self.ctx.warnings.len()
        );
        Ok(ExecResult::Ok(ok))
    }

    /// Runs prepared statement `p` with `params` (from COM_STMT_EXECUTE or SQL `EXECUTE`), on a
    /// stack sized for its text (binding copies the syntax tree).
    fn execute_bound<'s>(
        &mut self,
        p: &Prepared,
        params: &[Value],
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        self.on_stack_for(p.text(), |s| s.execute_bound_here(p, params, sink))
    }

    fn execute_bound_here<'s>(
        &mut self,
        p: &Prepared,
        params: &[Value],
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        let cache = self.ctx.vars.bool("tidb_enable_prepared_plan_cache");
        if let Some((plan, columns)) = p.point_get().filter(|_| cache) {
            let version = self.catalog.schema().version;
            let kept = if plan.schema_version == version {
                self.plan_from_cache.0 = true;
                Some((plan, columns))
            } else {
                // The schema changed: plan again (once) and keep the new plan.
                self.keep_point_get(p, None)
            };
            if let Some((plan, columns)) = kept.filter(|_| params.len() == p.params()) {
                if let Some(handle) = sql::point_get_handle(&plan, params) {
                    return self.execute_point_get(&plan, &columns, handle, sink);
                }
            }
            self.plan_from_cache.0 = false;
        }
        if let (Some(plan), Some(stmt), true) = (p.plan_slot(), p.statement(), cache) {
            if params.len() == p.params() {
                return self.execute_unbound(stmt, p.text(), plan, params, sink);
            }
        }
        let bound = match p.bind(params) {
            Ok(b) => b,
            Err(e) => {
                self.record_error(&e);
                return Err(e);
            }
        };
        let Some(stmt) = bound else {
            return self.execute_one(p.text(), sink);
        };
        self.execute_parsed(&stmt, p.text(), sink)
    }

    /// Runs a prepared SELECT with its placeholders unbound: `?i` is parameter `i`, and the
    /// plan is the one the statement keeps in `plan` (made by the first execution; see
    /// `sql::prepare::PlanSlot`). The caller has sized the stack for `text`.
    fn execute_unbound<'s>(
        &mut self,
        stmt: &sql::Statement,
        text: &str,
        plan: Arc<sql::prepare::PlanSlot>,
        params: &[Value],
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        let run = sql::PreparedRun { params: params.to_vec(), plan, hit: Default::default() };
        self.ctx.prepared = Some(run);
        let result = self.execute_parsed(stmt, text, sink);
        let hit = |run: sql::PreparedRun| run.hit.load(std::sync::atomic::Ordering::Relaxed);
        self.plan_from_cache.0 = self.ctx.prepared.take().is_some_and(hit);
        result
    }

    /// Keeps `p`'s point-read plan (TiDB's fast plan) if the statement has that shape, or forgets
    /// the one it had. The shape is checked first, so other statements are never described;
    /// `columns` are the statement's result columns when already known.
    fn keep_point_get(
        &mut self,
        p: &Prepared,
        columns: Option<Vec<types::ResultColumn>>,
    ) -> Option<KeptPointGet> {
        let kept = p.statement().and_then(|stmt| {
            let plan = sql::planner::try_point_get(&self.ctx, &self.catalog, stmt)?;
            let columns = match columns {
                Some(c) => c,
                None => self.describe(stmt, p.text()).ok()?,
            };
            (!columns.is_empty()).then_some((plan, columns))
        });
        match kept {
            Some((plan, columns)) => {
                p.set_point_get(plan, columns);
                p.point_get()
            }
            None => {
                p.clear_point_get();
                None
            }
        }
    }

    /// A point read sent as text (`SELECT c FROM t WHERE id = 42`), run by the plan kept for its
    /// parameterized text: no tokenizing, parsing or planning (TiDB's fast plan, reached
    /// without its parser). Other SELECTs whose result names do not come from their literals
    /// run from the tree parsed once for their shape. `None` sends the statement down the
    /// general path.
    fn text_point_get<'s>(
        &mut self,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Option<Result<ExecResult>> {
        if !sql::frontend::text::first_word(text).eq_ignore_ascii_case("SELECT")
            || !self.ctx.vars.bool("tidb_enable_non_prepared_plan_cache")
        {
            return None;
        }
        let (shape, params) = sql::frontend::parameterize::parameterize(text)?;
        // Unqualified names resolve in the current database: it is part of the key.
        let key = format!("{}\0{shape}", self.ctx.current_db.as_deref().unwrap_or(""));
        let (kept, hit) = self.text_shape(&key, |s| {
            let p = Prepared::new(&shape).ok()?;
            let keep = s.keep_point_get(&p, None).is_some() || p.select_names_survive_binding();
            keep.then(|| Arc::new(p))
        });
        let kept = kept?;
        let Some((plan, columns)) = kept.point_get() else {
            // Not a point read: the plan the shape keeps, with this text's literals as its
            // parameters; or the parsed shape with them bound in.
            if !kept.select_names_survive_binding() {
                return None;
            }
            if let (Some(plan), Some(stmt)) = (kept.plan_slot(), kept.statement()) {
                if params.len() == kept.params() {
                    return Some(self.execute_unbound(stmt, text, plan, &params, sink));
                }
            }
            let stmt = kept.bind(&params).ok()??;
            return Some(self.execute_parsed(&stmt, text, sink));
        };
        if plan.schema_version != self.catalog.schema().version {
            self.text_plans.remove(&key);
            return None;
        }
        let handle = sql::point_get_handle(&plan, &params)?;
        self.plan_from_cache.0 = hit;
        Some(self.execute_point_get(&plan, &columns, handle, sink))
    }

    /// The entry kept for a parameterized text under `key` (`None`: a shape the text paths
    /// leave to the general one), made by `make` on first sight, and whether it was already
    /// there. The map holds `tidb_session_plan_cache_size` texts and starts over when full.
    fn text_shape(
        &mut self,
        key: &str,
        make: impl FnOnce(&mut Self) -> Option<Arc<Prepared>>,
    ) -> (Option<Arc<Prepared>>, bool) {
        if let Some(kept) = self.text_plans.get(key) {
            return (kept.clone(), true);
        }
        let kept = make(self);
        let size = self.ctx.vars.int("tidb_session_plan_cache_size");
        if self.text_plans.len() >= usize::try_from(size).unwrap_or(1).max(1) {
            self.text_plans.clear();
        }
        self.text_plans.insert(key.to_string(), kept.clone());
        (kept, false)
    }

    /// An INSERT/REPLACE/UPDATE/DELETE sent as text, run from the statement parsed once for
    /// its parameterized text (`DELETE FROM t WHERE id = ?`) with this text's literals bound
    /// in: no tokenizing or parsing (TiDB's non-prepared plan cache for DML). `None` sends the
    /// statement down the general path (other statements, forms the parameterizer leaves
    /// alone, shapes that do not parse).
    fn text_dml<'s>(
        &mut self,
        text: &str,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Option<Result<ExecResult>> {
        let word = sql::frontend::text::first_word(text);
        if !["INSERT", "REPLACE", "UPDATE", "DELETE"].iter().any(|w| word.eq_ignore_ascii_case(w))
            || !self.ctx.vars.bool("tidb_enable_non_prepared_plan_cache")
            || !self.ctx.vars.bool("tidb_enable_non_prepared_plan_cache_for_dml")
        {
            return None;
        }
        let (shape, params) = sql::frontend::parameterize::parameterize(text)?;
        // DML names resolve when it runs, so the shape alone is the key; the leading byte
        // keeps these apart from the point reads' `db\0shape` keys.
        let key = format!("\u{1}{shape}");
        let (parsed, _) = self.text_shape(&key, |_| {
            Prepared::new(&shape).ok().filter(|p| p.statement().is_some()).map(Arc::new)
        });
        let parsed = parsed?;
        let stmt = parsed.bind(&params).ok()??;
        Some(self.execute_parsed(&stmt, text, sink))
    }

    /// A prepared point read by its cached plan: no binding, planning or operators.
    fn execute_point_get<'s>(
        &mut self,
        plan: &sql::planner::PointGetPlan,
        columns: &[types::ResultColumn],
        handle: Option<i64>,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        self.ctx.warnings.clear();
        self.ctx.start_statement();
        let catalog = self.catalog.clone();
        let db = if sql::privileges::unrestricted(&self.ctx) {
            None
        } else {
            catalog.schema().database_by_id(plan.table.db_id).map(|d| d.name.clone())
        };
        let readable = db.map_or(Ok(()), |db| {
            let cols = plan
                .outputs
                .iter()
                .filter_map(|&i| plan.table.columns.get(i).map(|c| c.name.clone()))
                .collect();
            sql::privileges::check_read(&self.ctx, &catalog, &db, &plan.table.name, cols)
        });
        let result = readable.and_then(|()| {
            self.run_in_txn(&catalog, |ctx, txn| {
                let sink = sink.map(|s| s as &mut dyn RowSink);
                sql::execute_point_get(ctx, txn, plan, columns, handle, sink)
            })
        });
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }

    /// `PREPARE`, `EXECUTE` and `DEALLOCATE PREPARE` in SQL.
    fn sql_prepare<'s>(
        &mut self,
        p: SqlPrepare,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        match p {
            SqlPrepare::Prepare { name, source } => {
                self.ctx.warnings.clear();
                let text = match source {
                    PrepareSource::Text(t) => t,
                    PrepareSource::Var(v) => match self.ctx.user_vars.get(&v) {
                        Some(Value::Null) | None => {
                            return Err(Error::fmt(errno::ER_PARSE, &[&"NULL", &1]))
                        }
                        Some(Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
                        Some(v) => v.to_string(),
                    },
                };
                let (prepared, _) = self.parse_and_describe(&text)?;
                let max = self.ctx.vars.int("max_prepared_stmt_count");
                self.prepared.add_named(&name, prepared, max)?;
                Ok(ExecResult::Ok(sql::OkResult {
                    info: "Statement prepared".into(),
                    ..Default::default()
                }))
            }
            SqlPrepare::Execute { name, using } => {
                let Some(p) = self.prepared.get_named(&name) else {
                    return Err(Error::fmt(errno::ER_UNKNOWN_STMT_HANDLER, &[&name, &"EXECUTE"]));
                };
                let params: Vec<Value> = using
                    .iter()
                    .map(|v| self.ctx.user_vars.get(v).cloned().unwrap_or(Value::Null))
                    .collect();
                self.execute_bound(&p, &params, sink)
            }
            SqlPrepare::Deallocate { name } => {
                self.ctx.warnings.clear();
                if !self.prepared.remove_named(&name) {
                    return Err(Error::fmt(
                        errno::ER_UNKNOWN_STMT_HANDLER,
                        &[&name, &"DEALLOCATE PREPARE"],
                    ));
                }
                Ok(ExecResult::ok())
            }
        }
    }

    /// COM_STMT_PREPARE: parses `text` once and keeps it; the answer names its parameters and
    /// describes its result's columns (from the plan of a SELECT that reads tables).
    pub fn prepare(&mut self, text: &str) -> Result<PrepareInfo> {
        self.ctx.warnings.clear();
        let result = if self.ctx.auth.as_ref().is_some_and(|a| a.must_change_password) {
            Err(Error::fmt(errno::ER_MUST_CHANGE_PASSWORD, &[]))
        } else {
            self.prepare_inner(text)
        };
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }

    fn prepare_inner(&mut self, text: &str) -> Result<PrepareInfo> {
        let (prepared, columns) = self.parse_and_describe(text)?;
        let params = prepared.params();
        let max = self.ctx.vars.int("max_prepared_stmt_count");
        let id = self.prepared.add(prepared, max)?;
        Ok(PrepareInfo { id, params, columns })
    }

    /// Parses a statement to prepare and describes its result (checking the names it uses).
    fn parse_and_describe(&mut self, text: &str) -> Result<(Prepared, Vec<types::ResultColumn>)> {
        self.stack_for(text, |s| s.parse_and_describe_here(text))
    }

    fn parse_and_describe_here(
        &mut self,
        text: &str,
    ) -> Result<(Prepared, Vec<types::ResultColumn>)> {
        let prepared = Prepared::new(text)?;
        let columns = match prepared.statement() {
            Some(stmt) if sql::classify(stmt) == StmtClass::Data => self.describe(stmt, text)?,
            _ => Vec::new(),
        };
        self.keep_point_get(&prepared, Some(columns.clone()));
        Ok((prepared, columns))
    }

    /// The result columns of a prepared SELECT, planned in the open transaction (or a
    /// throwaway one). Only naming errors (unknown table, column, database) fail the prepare;
    /// anything else (a parameter's value matters) leaves the columns to the execution.
    fn describe(&mut self, stmt: &sql::Statement, text: &str) -> Result<Vec<types::ResultColumn>> {
        let autocommit = self.ctx.vars.bool("autocommit");
        let single = self.txn.ensure(&self.ctx.vars, autocommit)?;
        let catalog = self.catalog.clone();
        let result = match self.txn.current() {
            Ok(txn) => sql::describe(
                Env { session: &mut self.ctx, catalog: &catalog, txn: Some(txn), sink: None },
                stmt,
                text,
            ),
            Err(e) => Err(e),
        };
        if single {
            self.txn.rollback();
        }
        match result {
            Ok(columns) => Ok(columns),
            Err(e) if matches!(e.code, 1046 | 1049 | 1051 | 1052 | 1054 | 1146) => Err(e),
            Err(_) => Ok(Vec::new()),
        }
    }

    /// COM_STMT_EXECUTE: runs prepared statement `id` with `params`; its outcome (and its rows,
    /// when `stream`) go to `sink` as for a COM_QUERY. Unknown `id`: error 1243.
    pub fn execute_prepared_to(
        &mut self,
        id: u32,
        params: &[Value],
        sink: &mut dyn ResultSink,
        stream: bool,
    ) {
        let r = match self.prepared.get(id) {
            Some(p) => {
                self.begin_command("Execute", p.text());
                let rows: Option<&mut dyn RowSink> = if stream { Some(&mut *sink) } else { None };
                let r = self.execute_bound(&p, params, rows);
                self.end_command();
                r
            }
            None => {
                let e = Error::fmt(errno::ER_UNKNOWN_STMT_HANDLER, &[&id, &"stmt_execute"]);
                self.record_error(&e);
                Err(e)
            }
        };
        self.statement_done(&r);
        let (status, warnings) = (self.status(), self.warning_count());
        sink.result(r, status, warnings, false);
    }

    /// COM_STMT_CLOSE: forgets statement `id` (no answer either way).
    pub fn close_prepared(&mut self, id: u32) {
        self.prepared.remove(id);
    }

    /// Runs a non-transaction-control statement in the right transaction context.
    fn run<'s>(
        &mut self,
        stmt: &sql::Statement,
        text: &str,
        mut sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        let catalog = self.catalog.clone();
        match sql::classify(stmt) {
            StmtClass::Session => sql::execute(
                Env { session: &mut self.ctx, catalog: &catalog, txn: None, sink: None },
                stmt,
                text,
            ),
            StmtClass::Ddl => {
                // DDL commits the open transaction first, then runs in its own (as in MySQL),
                // one DDL statement at a time across the server.
                self.txn.commit()?;
                let _job = catalog.ddl_job();
                sql::execute(
                    Env { session: &mut self.ctx, catalog: &catalog, txn: None, sink: None },
                    stmt,
                    text,
                )
            }
            StmtClass::Data => {
                // A statement that is its own transaction is run again when a schema change
                // published meanwhile refuses its commit (8028), as TiDB retries autocommit
                // statements; nothing of the refused attempt was kept.
                let mut attempts = 0;
                loop {
                    let r = self.run_data(stmt, text, &catalog, sink.as_deref_mut());
                    match r {
                        // (A read-only SELECT, the only statement that streams, never gets 8028.)
                        Err(e) if e.code == errno::ER_INFO_SCHEMA_CHANGED.code && attempts < 3 => {
                            attempts += 1;
                            if self.txn.is_active() {
                                return Err(e);
                            }
                        }
                        other => return other,
                    }
                }
            }
        }
    }

    /// Runs a data statement in the open transaction, or in one of its own under autocommit.
    fn run_data<'s>(
        &mut self,
        stmt: &sql::Statement,
        text: &str,
        catalog: &Catalog,
        sink: Option<&mut (dyn RowSink + 's)>,
    ) -> Result<ExecResult> {
        self.run_in_txn(catalog, |ctx, txn| {
            let sink = sink.map(|s| s as &mut dyn RowSink);
            sql::execute(Env { session: ctx, catalog, txn: Some(txn), sink }, stmt, text)
        })
    }

    /// Runs `f` in the open transaction, or in one of its own under autocommit (committed on
    /// success, rolled back on error).
    fn run_in_txn(
        &mut self,
        catalog: &Catalog,
        f: impl FnOnce(&mut SessionCtx, &mut dyn kv::Transaction) -> Result<ExecResult>,
    ) -> Result<ExecResult> {
        let autocommit = self.ctx.vars.bool("autocommit");
        let single = self.txn.ensure(&self.ctx.vars, autocommit)?;
        let schema = catalog.schema();
        let result = {
            let txn = self.txn.current()?;
            f(&mut self.ctx, txn)
        };
        if result.is_ok() {
            let written = std::mem::take(&mut self.ctx.written_tables);
            let changed = std::mem::take(&mut self.ctx.changed_rows);
            self.txn.note_written(&written, &changed, &schema);
        }
        match (&result, single) {
            (Ok(_), true) => self.txn.commit().and(result),
            (Err(e), _) if single || e.code == 1213 => {
                // A deadlock victim's whole transaction is rolled back, as in MySQL.
                self.txn.rollback();
                result
            }
            _ => result,
        }
    }

    /// `KILL [CONNECTION | QUERY] id`. Killing one's own statement answers 1317 (and closes
    /// the connection for KILL CONNECTION), as MySQL does.
    fn kill(&mut self, id: u64, query_only: bool) -> Result<ExecResult> {
        let any = sql::privileges::require_dynamic(&self.ctx, "CONNECTION_ADMIN").is_ok();
        self.processes.kill(&self.ctx.user, id, query_only, any)?;
        if id == self.ctx.connection_id {
            self.ctx.kill.statement_started();
            return Err(Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
        }
        Ok(ExecResult::ok())
    }

    /// Sets what wakes this connection when another one kills it while it waits for a command.
    pub fn set_kill_waker(&self, waker: Waker) {
        self.processes.set_waker(self.ctx.connection_id, waker);
    }

    /// Whether `KILL CONNECTION` closed this session: the server closes the connection.
    pub fn connection_killed(&self) -> bool {
        self.ctx.kill.connection_killed()
    }

    fn record_error(&mut self, e: &Error) {
        self.ctx.warnings.clear();
        self.ctx.warnings.push(Warning {
            level: Level::Error,
            code: e.code,
            message: e.message.clone(),
        });
    }

    /// Decodes COM_QUERY bytes into text without losing binary string contents.
    pub fn decode_query(bytes: &[u8]) -> String {
        sql::frontend::text::decode_query(bytes)
    }

    /// COM_INIT_DB / CONNECT_WITH_DB: switches the current database.
    pub fn use_database(&mut self, name: &str) -> Result<()> {
        sql::change_database(&mut self.ctx, &self.catalog, name)?;
        self.end_command();
        Ok(())
    }

    /// The client's `ip:port`, as SHOW PROCESSLIST shows it.
    pub fn set_client_address(&self, addr: &str) {
        if let Some(a) = &self.activity {
            a.lock().host = addr.to_string();
        }
    }

    /// Whether the client asked for CLIENT_FOUND_ROWS (UPDATE reports matched rows).
    pub fn set_found_rows(&mut self, on: bool) {
        self.ctx.client_found_rows = on;
    }

    /// Records the transport's TLS state for `SHOW STATUS LIKE 'Ssl_%'`.
    pub fn set_tls_info(&mut self, version: &str, cipher: &str) {
        self.ctx.conn_status =
            vec![("Ssl_cipher", cipher.to_string()), ("Ssl_version", version.to_string())];
    }

    /// COM_FIELD_LIST: the columns of `table` in the current database.
    pub fn field_list(&mut self, table: &str) -> Result<Vec<types::ResultColumn>> {
        sql::field_list(&self.ctx, &self.catalog, table)
    }

    /// The current database, if any.
    pub fn current_db(&self) -> Option<&str> {
        self.ctx.current_db.as_deref()
    }

    /// Status flags for OK/EOF packets: AUTOCOMMIT and IN_TRANS reflect the session.
    pub fn status(&self) -> ServerStatus {
        let mut s = ServerStatus::default();
        if self.ctx.vars.bool("autocommit") {
            s = s.with(ServerStatus::AUTOCOMMIT);
        }
        if self.txn.is_active() {
            s = s.with(ServerStatus::IN_TRANS);
            if self.txn.is_read_only() {
                s = s.with(ServerStatus::IN_TRANS_READONLY);
            }
        }
        s
    }

    /// Warnings (all levels) left by the last statement.
    pub fn warning_count(&self) -> u16 {
        self.ctx.warning_count()
    }

    /// A session variable's value as text (e.g. `max_allowed_packet`, `wait_timeout`).
    pub fn var_int(&self, name: &str) -> i64 {
        self.ctx.vars.int(name)
    }

    /// COM_RESET_CONNECTION: rolls back, drops user variables and diagnostics, restores
    /// session variables from the globals; keeps the user and the current database.
    pub fn reset(&mut self) {
        self.txn.rollback();
        self.prepared.clear();
        let globals = self.ctx.vars.globals().clone();
        let db = self.ctx.current_db.take();
        let conn_status = std::mem::take(&mut self.ctx.conn_status);
        let found_rows = self.ctx.client_found_rows;
        let kill = self.ctx.kill.clone();
        self.ctx = SessionCtx::new(
            SessionVars::new(globals),
            &self.ctx.user.clone(),
            &self.ctx.host.clone(),
            self.ctx.connection_id,
        );
        self.ctx.current_db = db;
        self.ctx.conn_status = conn_status;
        self.ctx.client_found_rows = found_rows;
        self.ctx.kill = kill;
    }

    /// Called when the connection ends: rolls back whatever is still open.
    pub fn close(&mut self) {
        self.txn.rollback();
    }
}

/// Runs `f` on a new stack of `bytes` (`None`: on this thread's stack).
fn on_stack<R>(bytes: Option<usize>, f: impl FnOnce() -> R) -> R {
    match bytes {
        None => f(),
        Some(bytes) => stacker::grow(bytes, f),
    }
}

#[cfg(test)]
mod tests;
