//! The per-session state the SQL layer reads and writes while executing a statement.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
};

use types::Value;

use crate::sysvar::SessionVars;

/// Severity of a diagnostic shown by `SHOW WARNINGS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `Note`.
    Note,
    /// `Warning`.
    Warning,
    /// `Error`.
    Error,
}

impl Level {
    /// The word `SHOW WARNINGS` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "Note",
            Level::Warning => "Warning",
            Level::Error => "Error",
        }
    }
}

/// One diagnostic of the last statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Severity.
    pub level: Level,
    /// MySQL error code.
    pub code: u16,
    /// Message.
    pub message: String,
}

/// The diagnostics of a statement: added to through a shared reference too, by operators
/// running with the session borrowed (an aggregate's truncated result, a truncated number).
/// Keeps the first [`MAX_KEPT`] and counts the rest, as MySQL's `max_error_count` does.
#[derive(Debug, Default)]
pub struct Warnings(std::sync::Mutex<(Vec<Warning>, usize)>);

/// Warnings kept per statement (MySQL 8's default `max_error_count`); later ones only count.
pub const MAX_KEPT: usize = 1024;

impl Clone for Warnings {
    fn clone(&self) -> Self {
        Warnings(std::sync::Mutex::new(self.list().clone()))
    }
}

impl Warnings {
    fn list(&self) -> std::sync::MutexGuard<'_, (Vec<Warning>, usize)> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds one.
    pub fn push(&self, w: Warning) {
        let mut l = self.list();
        if l.0.len() < MAX_KEPT {
            l.0.push(w);
        }
        l.1 += 1;
    }

    /// Forgets them all (a new statement starts).
    pub fn clear(&self) {
        *self.list() = (Vec::new(), 0);
    }

    /// How many there were (kept or not).
    pub fn len(&self) -> usize {
        self.list().1
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list().1 == 0
    }

    /// A copy of the kept ones, in order.
    pub fn to_vec(&self) -> Vec<Warning> {
        self.list().0.clone()
    }
}

/// What `KILL` asked of a session, read by its running statement between batches of rows;
/// also the running SELECT's `max_execution_time` deadline, for what runs inside an expression
/// (`BENCHMARK`, `SLEEP`).
#[derive(Debug, Default)]
pub struct KillFlag(AtomicU8, std::sync::atomic::AtomicU64);

/// The instant deadlines are counted from (microseconds after it, plus one; 0: none).
fn deadline_epoch() -> std::time::Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(std::time::Instant::now)
}

fn micros_after_epoch(t: std::time::Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(deadline_epoch()).as_micros()).unwrap_or(u64::MAX - 1)
        + 1
}

impl KillFlag {
    const QUERY: u8 = 1;
    const CONNECTION: u8 = 2;

    /// `KILL QUERY`: the running statement stops with 1317.
    pub fn kill_query(&self) {
        let _ = self.0.compare_exchange(0, Self::QUERY, Ordering::AcqRel, Ordering::Acquire);
    }

    /// `KILL [CONNECTION]`: the running statement stops and the connection closes.
    pub fn kill_connection(&self) {
        self.0.store(Self::CONNECTION, Ordering::Release);
    }

    /// Whether the running statement must stop.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire) != 0
    }

    /// Whether the connection must close.
    pub fn connection_killed(&self) -> bool {
        self.0.load(Ordering::Acquire) == Self::CONNECTION
    }

    /// A new statement starts: a `KILL QUERY` that arrived while idle is forgotten, and so is
    /// the last statement's deadline.
    pub fn statement_started(&self) {
        let _ = self.0.compare_exchange(Self::QUERY, 0, Ordering::AcqRel, Ordering::Acquire);
        self.1.store(0, Ordering::Release);
    }

    /// The running SELECT must stop at `at` (`max_execution_time`).
    pub fn set_deadline(&self, at: Option<std::time::Instant>) {
        self.1.store(at.map_or(0, micros_after_epoch), Ordering::Release);
    }

    /// Whether the running SELECT's deadline has passed.
    pub fn past_deadline(&self) -> bool {
        let at = self.1.load(Ordering::Acquire);
        at != 0 && micros_after_epoch(std::time::Instant::now()) >= at
    }
}

/// Session state visible to SQL: variables, current database, identity, diagnostics.
#[derive(Debug, Clone)]
pub struct SessionCtx {
    /// System variables (session values over the shared global ones).
    pub vars: SessionVars,
    /// `USE`d database, if any.
    pub current_db: Option<String>,
    /// Authenticated user name.
    pub user: String,
    /// Client host as the server saw it.
    pub host: String,
    /// `CONNECTION_ID()`.
    pub connection_id: u64,
    /// `@name` user variables (names lower-cased).
    pub user_vars: HashMap<String, Value>,
    /// Diagnostics of the last statement (`SHOW WARNINGS`).
    pub warnings: Warnings,
    /// Ids of the tables the last data statement wrote (the session checks at commit that
    /// their definitions did not change meanwhile).
    pub written_tables: Vec<i64>,
    /// Rows the last statement changed, per table id (for auto-analyze's counts).
    pub changed_rows: Vec<(i64, u64)>,
    /// `LAST_INSERT_ID()`: the first auto-increment id of the last insert that generated one.
    pub last_insert_id: u64,
    /// `FOUND_ROWS()`: rows of the last SELECT (before its LIMIT with SQL_CALC_FOUND_ROWS).
    pub found_rows: u64,
    /// `ROW_COUNT()`: rows the previous statement changed; -1 after a result set or an error.
    pub row_count: i64,
    /// When the current statement started (microseconds since the epoch, UTC): `NOW()`.
    pub stmt_time: i64,
    /// The client asked for CLIENT_FOUND_ROWS: UPDATE reports matched rather than changed rows.
    pub client_found_rows: bool,
    /// Per-connection status the transport knows (`Ssl_version`, `Ssl_cipher`), for SHOW STATUS.
    pub conn_status: Vec<(&'static str, String)>,
    /// Set by `KILL` from another connection; checked by the running statement's operators.
    pub kill: Arc<KillFlag>,
    /// The prepared statement being executed with its placeholders unbound, while it runs:
    /// its parameters' values and where its plan is kept (see [`crate::prepare`]).
    pub prepared: Option<PreparedRun>,
    /// The session's temporary tables (`CREATE TEMPORARY TABLE`), with their databases: they
    /// shadow stored tables of the same name and go when the session ends.
    pub temp_tables: Vec<(String, std::sync::Arc<catalog::TableInfo>)>,
    /// Who runs the session's statements, for privilege checks; `None` for an internal
    /// session (bootstrap, account statements' own reads and writes), which may do anything.
    pub auth: Option<Auth>,
    /// The server's connections (PROCESSLIST); `None` for internal sessions.
    pub processes: Option<crate::processes::SharedProcesses>,
}

/// The account a session authenticated as, its active roles and the server's privileges.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The account (`CURRENT_USER()`): the `mysql.user` row the login matched.
    pub account: privilege::Identity,
    /// Active roles (`SET ROLE`, default roles at login).
    pub roles: Vec<privilege::Identity>,
    /// The server's grant tables.
    pub privileges: Arc<privilege::Privileges>,
    /// The privilege version at which the account and roles were seen to hold every global
    /// privilege, plus one (0: not known to).
    pub unrestricted: Arc<std::sync::atomic::AtomicU64>,
    /// The account's password has expired: only `ALTER USER`, `SET PASSWORD` and `SET` run
    /// (MySQL's sandbox mode) until it is changed; everything else fails with 1820.
    pub must_change_password: bool,
}

impl Auth {
    /// A session's authorization: `account` with active `roles`.
    pub fn new(
        account: privilege::Identity,
        roles: Vec<privilege::Identity>,
        privileges: Arc<privilege::Privileges>,
    ) -> Self {
        Auth {
            account,
            roles,
            privileges,
            unrestricted: Arc::default(),
            must_change_password: false,
        }
    }

    /// The privilege version at which the session was last seen to hold every global
    /// privilege.
    pub fn unrestricted_at(&self) -> Option<u64> {
        self.unrestricted.load(std::sync::atomic::Ordering::Relaxed).checked_sub(1)
    }

    /// Records that the session holds every global privilege at `version`.
    pub fn set_unrestricted_at(&self, version: u64) {
        self.unrestricted.store(version + 1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The current grant tables and the identities whose privileges the session holds (its
    /// account and its active roles, with the roles they hold).
    pub fn grants(&self) -> (Arc<privilege::GrantTables>, Vec<privilege::Identity>) {
        let t = self.privileges.snapshot();
        let ids = t.effective(&self.account, &self.roles);
        (t, ids)
    }
}

/// An execution of a prepared SELECT that keeps its plan: `?i` binds as
/// [`crate::expr::Expr::Param`] `i`, whose value is `params[i]`.
#[derive(Debug, Clone)]
pub struct PreparedRun {
    /// The parameters' values.
    pub params: Vec<Value>,
    /// The statement's kept plan.
    pub plan: Arc<crate::prepare::PlanSlot>,
    /// Set when the execution used the kept plan (`@@last_plan_from_cache`).
    pub hit: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionCtx {
    /// The session's temporary table `db.name`, if it has one.
    pub fn temporary_table(
        &self,
        db: &str,
        name: &str,
    ) -> Option<std::sync::Arc<catalog::TableInfo>> {
        self.temp_tables
            .iter()
            .find(|(d, t)| d.eq_ignore_ascii_case(db) && t.name.eq_ignore_ascii_case(name))
            .map(|(_, t)| t.clone())
    }

    /// A fresh session for `user@host`.
    pub fn new(vars: SessionVars, user: &str, host: &str, connection_id: u64) -> Self {
        SessionCtx {
            vars,
            current_db: None,
            user: user.to_string(),
            host: host.to_string(),
            connection_id,
            user_vars: HashMap::new(),
            warnings: Warnings::default(),
            written_tables: Vec::new(),
            changed_rows: Vec::new(),
            last_insert_id: 0,
            found_rows: 0,
            row_count: -1,
            client_found_rows: false,
            stmt_time: 0,
            // A plain connection shows the TLS variables empty, as MySQL does.
            conn_status: vec![("Ssl_cipher", String::new()), ("Ssl_version", String::new())],
            kill: Arc::new(KillFlag::default()),
            prepared: None,
            temp_tables: Vec::new(),
            auth: None,
            processes: None,
        }
    }

    /// Marks the start of a statement: `NOW()` is this instant throughout it.
    pub fn start_statement(&mut self) {
        self.kill.statement_started();
        self.stmt_time = now_micros();
    }

    /// Adds a warning to the current statement's diagnostics.
    pub fn warn(&self, code: u16, message: impl Into<String>) {
        self.warnings.push(Warning { level: Level::Warning, code, message: message.into() });
    }

    /// Number of warnings (all levels), as the OK/EOF packets report it.
    pub fn warning_count(&self) -> u16 {
        u16::try_from(self.warnings.len()).unwrap_or(u16::MAX)
    }
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
