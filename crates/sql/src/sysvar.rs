//! System variables: the registry, global values shared by all sessions, and per-session values.
//!
//! Values are kept in canonical text form (`ON`/`OFF`, `REPEATABLE-READ`, `50`): that is what
//! `SHOW VARIABLES` prints. `SELECT @@var` turns boolean and integer variables into integers,
//! as MySQL does.

use std::{collections::HashMap, sync::Arc};

use errno::{
    Error, Result, ER_GLOBAL_VARIABLE, ER_INCORRECT_GLOBAL_LOCAL_VAR, ER_LOCAL_VARIABLE,
    ER_UNKNOWN_SYSTEM_VARIABLE, ER_WRONG_TYPE_FOR_VAR, ER_WRONG_VALUE_FOR_VAR,
};
use parking_lot::RwLock;
use types::Value;

/// Where a variable lives and whether it may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only a global value (`SET GLOBAL`).
    Global,
    /// Only a session value (`SET [SESSION]`).
    Session,
    /// A global default that every new session copies, then may change.
    Both,
    /// Read-only: reported, never set.
    ReadOnly,
}

/// The value domain of a variable, used to validate and normalise `SET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ON`/`OFF`; accepts 1/0, TRUE/FALSE, ON/OFF.
    Bool,
    /// An integer clamped to `[min, max]`.
    Int { min: i64, max: i64 },
    /// One of a fixed set of words (stored upper-case).
    Enum(&'static [&'static str]),
    /// A comma-separated set of SQL modes.
    SqlMode,
    /// Free text.
    Str,
}

/// One registered system variable.
#[derive(Debug, Clone, Copy)]
pub struct SysVar {
    /// Lower-case name.
    pub name: &'static str,
    /// Scope and writability.
    pub scope: Scope,
    /// Value domain.
    pub kind: Kind,
    /// Default value in canonical text form.
    pub default: &'static str,
}

const ISOLATION_LEVELS: &[&str] =
    &["READ-UNCOMMITTED", "READ-COMMITTED", "REPEATABLE-READ", "SERIALIZABLE"];
const SQL_MODES: &[&str] = &[
    "REAL_AS_FLOAT",
    "PIPES_AS_CONCAT",
    "ANSI_QUOTES",
    "IGNORE_SPACE",
    "ONLY_FULL_GROUP_BY",
    "NO_UNSIGNED_SUBTRACTION",
    "NO_DIR_IN_CREATE",
    "POSTGRESQL",
    "ORACLE",
    "MSSQL",
    "DB2",
    "MAXDB",
    "NO_KEY_OPTIONS",
    "NO_TABLE_OPTIONS",
    "NO_FIELD_OPTIONS",
    "MYSQL323",
    "MYSQL40",
    "ANSI",
    "NO_AUTO_VALUE_ON_ZERO",
    "NO_BACKSLASH_ESCAPES",
    "STRICT_TRANS_TABLES",
    "STRICT_ALL_TABLES",
    "NO_ZERO_IN_DATE",
    "NO_ZERO_DATE",
    "ALLOW_INVALID_DATES",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "TRADITIONAL",
    "NO_AUTO_CREATE_USER",
    "HIGH_NOT_PRECEDENCE",
    "NO_ENGINE_SUBSTITUTION",
    "PAD_CHAR_TO_FULL_LENGTH",
];

/// TiDB's default `sql_mode`.
pub const DEFAULT_SQL_MODE: &str = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION";

/// The server version announced in the handshake and by `VERSION()`: TiDB-shaped so that
/// ORMs take their MySQL 8 / TiDB code paths.
pub const SERVER_VERSION: &str = concat!("8.0.11-TiDB-v8.5.0-ferrodb-", env!("CARGO_PKG_VERSION"));

const MAX_I64: i64 = i64::MAX;

macro_rules! vars {
    ($($name:literal, $scope:ident, $kind:expr, $default:expr;)*) => {
        /// Every system variable FerroDB knows, sorted by name.
        pub const SYSVARS: &[SysVar] = &[
            $(SysVar { name: $name, scope: Scope::$scope, kind: $kind, default: $default },)*
        ];
    };
}

use Kind::{Bool, Int, SqlMode, Str};

vars! {
    "auto_increment_increment", Both, Int { min: 1, max: 65535 }, "1";
    "auto_increment_offset", Both, Int { min: 1, max: 65535 }, "1";
    "autocommit", Both, Bool, "ON";
    "character_set_client", Both, Str, "utf8mb4";
    "character_set_connection", Both, Str, "utf8mb4";
    "character_set_database", Both, Str, "utf8mb4";
    "character_set_filesystem", Both, Str, "binary";
    "character_set_results", Both, Str, "utf8mb4";
    "character_set_server", Both, Str, "utf8mb4";
    "character_set_system", ReadOnly, Str, "utf8";
    "collation_connection", Both, Str, "utf8mb4_bin";
    "collation_database", Both, Str, "utf8mb4_bin";
    "collation_server", Both, Str, "utf8mb4_bin";
    "cte_max_recursion_depth", Both, Int { min: 0, max: 4294967295 }, "1000";
    "datadir", ReadOnly, Str, "";
    "default_authentication_plugin", ReadOnly, Str, "mysql_native_password";
    "default_storage_engine", Both, Str, "InnoDB";
    "default_week_format", Both, Int { min: 0, max: 7 }, "0";
    "div_precision_increment", Both, Int { min: 0, max: 30 }, "4";
    "explicit_defaults_for_timestamp", Both, Bool, "ON";
    "foreign_key_checks", Both, Bool, "ON";
    "group_concat_max_len", Both, Int { min: 4, max: MAX_I64 }, "1024";
    "have_openssl", ReadOnly, Str, "YES";
    "have_ssl", ReadOnly, Str, "YES";
    "hostname", ReadOnly, Str, "localhost";
    "init_connect", Global, Str, "";
    "innodb_lock_wait_timeout", Both, Int { min: 1, max: 3600 }, "50";
    "interactive_timeout", Both, Int { min: 1, max: 31536000 }, "28800";
    "last_plan_from_cache", ReadOnly, Int { min: 0, max: 1 }, "0";
    "license", ReadOnly, Str, "Apache License 2.0";
    "lower_case_table_names", ReadOnly, Int { min: 0, max: 2 }, "2";
    "max_allowed_packet", Both, Int { min: 1024, max: 1073741824 }, "67108864";
    "max_connections", Global, Int { min: 0, max: 100000 }, "0";
    "max_execution_time", Both, Int { min: 0, max: MAX_I64 }, "0";
    "max_prepared_stmt_count", Global, Int { min: -1, max: 1048576 }, "-1";
    "net_buffer_length", Both, Int { min: 1024, max: 1048576 }, "16384";
    "net_read_timeout", Both, Int { min: 1, max: 31536000 }, "30";
    "net_write_timeout", Both, Int { min: 1, max: 31536000 }, "60";
    "performance_schema", ReadOnly, Bool, "OFF";
    "port", ReadOnly, Int { min: 0, max: 65535 }, "4000";
    "protocol_version", ReadOnly, Int { min: 0, max: 255 }, "10";
    "query_cache_size", Global, Int { min: 0, max: MAX_I64 }, "0";
    "query_cache_type", Both, Kind::Enum(&["OFF", "ON", "DEMAND"]), "OFF";
    "require_secure_transport", Global, Bool, "OFF";
    "socket", ReadOnly, Str, "";
    "sql_auto_is_null", Both, Bool, "OFF";
    "sql_mode", Both, SqlMode, DEFAULT_SQL_MODE;
    "sql_notes", Both, Bool, "ON";
    "sql_quote_show_create", Both, Bool, "ON";
    "sql_safe_updates", Both, Bool, "OFF";
    "sql_select_limit", Both, Int { min: 0, max: MAX_I64 }, "18446744073709551615";
    "sql_warnings", Both, Bool, "OFF";
    "ssl_ca", ReadOnly, Str, "";
    "ssl_cert", ReadOnly, Str, "";
    "ssl_key", ReadOnly, Str, "";
    "storage_engine", Both, Str, "InnoDB";
    "system_time_zone", ReadOnly, Str, "UTC";
    "tidb_auto_analyze_ratio", Global, Str, "0.5";
    "tidb_distsql_scan_concurrency", Both, Int { min: 1, max: 256 }, "15";
    "tidb_enable_auto_analyze", Global, Bool, "ON";
    "tidb_enable_non_prepared_plan_cache", Both, Bool, "ON";
    "tidb_enable_non_prepared_plan_cache_for_dml", Both, Bool, "ON";
    "tidb_enable_prepared_plan_cache", Both, Bool, "ON";
    "tidb_enable_tmp_storage_on_oom", Global, Bool, "ON";
    "tidb_executor_concurrency", Both, Int { min: 1, max: 256 }, "5";
    "tidb_gc_life_time", Global, Str, "10m0s";
    "tidb_mem_quota_query", Both, Int { min: -1, max: MAX_I64 }, "1073741824";
    "tidb_server_memory_limit", Global, Str, "80%";
    "tidb_session_plan_cache_size", Both, Int { min: 1, max: 100000 }, "100";
    "tidb_txn_mode", Both, Kind::Enum(&["PESSIMISTIC", "OPTIMISTIC", ""]), "PESSIMISTIC";
    "time_zone", Both, Str, "SYSTEM";
    "tls_version", ReadOnly, Str, "TLSv1.2,TLSv1.3";
    "transaction_isolation", Both, Kind::Enum(ISOLATION_LEVELS), "REPEATABLE-READ";
    "transaction_read_only", Both, Bool, "OFF";
    "tx_isolation", Both, Kind::Enum(ISOLATION_LEVELS), "REPEATABLE-READ";
    "tx_read_only", Both, Bool, "OFF";
    "unique_checks", Both, Bool, "ON";
    "validate_password.check_user_name", Global, Bool, "ON";
    "validate_password.dictionary", Global, Str, "";
    "validate_password.enable", Global, Bool, "OFF";
    "validate_password.length", Global, Int { min: 0, max: 2147483647 }, "8";
    "validate_password.mixed_case_count", Global, Int { min: 0, max: 2147483647 }, "1";
    "validate_password.number_count", Global, Int { min: 0, max: 2147483647 }, "1";
    "validate_password.policy", Global, Kind::Enum(&["LOW", "MEDIUM", "STRONG"]), "MEDIUM";
    "validate_password.special_char_count", Global, Int { min: 0, max: 2147483647 }, "1";
    "version", ReadOnly, Str, SERVER_VERSION;
    "version_comment", ReadOnly, Str, "FerroDB Server (Apache License 2.0), TiDB and MySQL 8.0 compatible";
    "version_compile_machine", ReadOnly, Str, "x86_64";
    "version_compile_os", ReadOnly, Str, "Linux";
    "wait_timeout", Both, Int { min: 0, max: 31536000 }, "28800";
}

/// Looks a variable up by name, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static SysVar> {
    // Registry names are lowercase: compare against `name` lowercased byte by byte, without
    // allocating (this runs several times per statement).
    let lowered = name.bytes().map(|b| b.to_ascii_lowercase());
    SYSVARS.binary_search_by(|v| v.name.bytes().cmp(lowered.clone())).ok().map(|i| &SYSVARS[i])
}

/// Pairs of names that are one variable (MySQL 5.7 name, MySQL 8 name): setting one sets both.
const ALIASES: &[(&str, &str)] =
    &[("tx_isolation", "transaction_isolation"), ("tx_read_only", "transaction_read_only")];

fn alias_of(name: &str) -> Option<&'static str> {
    ALIASES.iter().find_map(|(a, b)| match name {
        n if n == *a => Some(*b),
        n if n == *b => Some(*a),
        _ => None,
    })
}

/// Global values, shared by every session of one server.
#[derive(Debug, Clone)]
pub struct GlobalVars {
    values: Arc<RwLock<HashMap<&'static str, String>>>,
    started: std::time::Instant,
    /// Prepared statements held by all sessions (`Prepared_stmt_count`).
    prepared_stmts: Arc<std::sync::atomic::AtomicI64>,
    /// Named locks (GET_LOCK …) shared by all sessions.
    user_locks: Arc<crate::user_locks::UserLocks>,
}

impl GlobalVars {
    /// The registry defaults, with `overrides` (e.g. `port`, `datadir`, `hostname`) applied.
    pub fn new(overrides: &[(&str, String)]) -> Self {
        let mut values: HashMap<&'static str, String> =
            SYSVARS.iter().map(|v| (v.name, v.default.to_string())).collect();
        for (name, value) in overrides {
            if let Some(var) = lookup(name) {
                values.insert(var.name, value.clone());
            }
        }
        GlobalVars {
            values: Arc::new(RwLock::new(values)),
            started: std::time::Instant::now(),
            prepared_stmts: Arc::default(),
            user_locks: Arc::default(),
        }
    }

    /// Whether new sessions start in autocommit mode (the handshake's status flag).
    pub fn autocommit(&self) -> bool {
        lookup("autocommit").is_some_and(|v| self.get(v) == "ON")
    }

    /// `max_connections`: how many client connections may be open at once (0: no limit).
    pub fn max_connections(&self) -> usize {
        lookup("max_connections").and_then(|v| self.get(v).parse().ok()).unwrap_or(0)
    }

    /// Seconds since these globals were created (server start), for `SHOW STATUS LIKE 'Uptime'`.
    pub fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// The server's count of prepared statements, which sessions update as they prepare and
    /// close them (checked against `max_prepared_stmt_count`).
    pub fn prepared_stmts(&self) -> &Arc<std::sync::atomic::AtomicI64> {
        &self.prepared_stmts
    }

    /// The server's named locks (GET_LOCK and friends).
    pub fn user_locks(&self) -> &crate::user_locks::UserLocks {
        &self.user_locks
    }

    /// The global value of a variable in canonical text form.
    pub fn get(&self, var: &SysVar) -> String {
        self.values.read().get(var.name).cloned().unwrap_or_else(|| var.default.to_string())
    }

    fn set(&self, var: &'static SysVar, value: String) {
        let mut values = self.values.write();
        if let Some(alias) = alias_of(var.name).and_then(lookup) {
            values.insert(alias.name, value.clone());
        }
        values.insert(var.name, value);
    }
}

/// Which value a `@@` reference or `SET` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarScope {
    /// `@@global.x` / `SET GLOBAL x`.
    Global,
    /// `@@session.x` / `SET SESSION x`.
    Session,
    /// `@@x` / `SET x`: the session value where there is one, else the global one.
    Default,
}

/// One session's view of the system variables.
#[derive(Debug, Clone)]
pub struct SessionVars {
    globals: GlobalVars,
    session: HashMap<&'static str, String>,
}

impl SessionVars {
    /// A new session: copies the current global value of every session-scoped variable.
    pub fn new(globals: GlobalVars) -> Self {
        let session = {
            let values = globals.values.read();
            SYSVARS
                .iter()
                .filter(|v| matches!(v.scope, Scope::Both | Scope::Session))
                .map(|v| (v.name, values.get(v.name).cloned().unwrap_or(v.default.to_string())))
                .collect()
        };
        SessionVars { globals, session }
    }

    /// The global values this session copies from.
    pub fn globals(&self) -> &GlobalVars {
        &self.globals
    }

    /// Reads a variable in canonical text form.
    pub fn get_text(&self, name: &str, scope: VarScope) -> Result<String> {
        let var = must_lookup(name)?;
        match (scope, var.scope) {
            (VarScope::Global, Scope::Session) => {
                Err(Error::fmt(ER_INCORRECT_GLOBAL_LOCAL_VAR, &[&var.name, &"SESSION"]))
            }
            (VarScope::Session, Scope::Global) => {
                Err(Error::fmt(ER_INCORRECT_GLOBAL_LOCAL_VAR, &[&var.name, &"GLOBAL"]))
            }
            (VarScope::Global, _) => Ok(self.globals.get(var)),
            _ => Ok(self.with_var(var, str::to_string)),
        }
    }

    /// Sets this session's value of a read-only variable the server maintains
    /// (`last_plan_from_cache`); users cannot set it.
    pub fn set_status(&mut self, var: &'static str, value: &str) {
        self.session.insert(var, value.to_string());
    }

    /// Reads a variable as `SELECT @@x` returns it: integers for boolean and integer kinds.
    pub fn get(&self, name: &str, scope: VarScope) -> Result<Value> {
        let var = must_lookup(name)?;
        let text = self.get_text(name, scope)?;
        Ok(typed_value(var, text))
    }

    /// Sets a variable, validating and normalising the value.
    pub fn set(&mut self, name: &str, scope: VarScope, value: &Value) -> Result<()> {
        let var = must_lookup(name)?;
        let text = normalise(var, value)?;
        match (scope, var.scope) {
            (_, Scope::ReadOnly) => {
                Err(Error::fmt(ER_INCORRECT_GLOBAL_LOCAL_VAR, &[&var.name, &"read only"]))
            }
            (VarScope::Global, Scope::Session) => Err(Error::fmt(ER_LOCAL_VARIABLE, &[&var.name])),
            (VarScope::Global, _) | (VarScope::Default, Scope::Global) => {
                if scope == VarScope::Default {
                    return Err(Error::fmt(ER_GLOBAL_VARIABLE, &[&var.name]));
                }
                self.globals.set(var, text);
                Ok(())
            }
            (VarScope::Session, Scope::Global) => Err(Error::fmt(ER_GLOBAL_VARIABLE, &[&var.name])),
            _ => {
                if let Some(alias) = alias_of(var.name).and_then(lookup) {
                    self.session.insert(alias.name, text.clone());
                }
                self.session.insert(var.name, text);
                Ok(())
            }
        }
    }

    /// Resets a session value to the current global value (`SET x = DEFAULT`).
    pub fn set_default(&mut self, name: &str, scope: VarScope) -> Result<()> {
        let var = must_lookup(name)?;
        let value = match scope {
            VarScope::Global => Value::String(var.default.to_string()),
            _ => Value::String(self.globals.get(var)),
        };
        self.set(name, scope, &value)
    }

    /// Every variable visible in `scope`, sorted by name, in text form (for `SHOW VARIABLES`).
    pub fn all(&self, scope: VarScope) -> Vec<(&'static str, String)> {
        SYSVARS
            .iter()
            .filter(|v| !(scope == VarScope::Global && v.scope == Scope::Session))
            .filter_map(|v| self.get_text(v.name, scope).ok().map(|t| (v.name, t)))
            .collect()
    }

    /// Convenience: a boolean variable's session value.
    pub fn bool(&self, name: &str) -> bool {
        self.with_value(name, |t| t == "ON")
    }

    /// Convenience: an integer variable's session value (0 when unknown).
    pub fn int(&self, name: &str) -> i64 {
        self.with_value(name, |t| t.parse().ok()).unwrap_or(0)
    }

    /// Convenience: a variable's session value as text (empty when unknown).
    pub fn text(&self, name: &str) -> String {
        self.with_value(name, str::to_string)
    }

    /// Applies `f` to a variable's `@@x` value without copying it (`f("")` when unknown).
    fn with_value<T>(&self, name: &str, f: impl FnOnce(&str) -> T) -> T {
        match lookup(name) {
            Some(var) => self.with_var(var, f),
            None => f(""),
        }
    }

    /// Applies `f` to `var`'s `@@x` value: this session's, else the global one.
    fn with_var<T>(&self, var: &SysVar, f: impl FnOnce(&str) -> T) -> T {
        match self.session.get(var.name) {
            Some(v) => f(v),
            None => f(&self.globals.get(var)),
        }
    }
}

fn must_lookup(name: &str) -> Result<&'static SysVar> {
    lookup(name).ok_or_else(|| Error::fmt(ER_UNKNOWN_SYSTEM_VARIABLE, &[&name]))
}

fn typed_value(var: &SysVar, text: String) -> Value {
    match var.kind {
        Kind::Bool => Value::Int(i64::from(text == "ON")),
        Kind::Int { .. } => match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => text.parse::<u64>().map(Value::UInt).unwrap_or(Value::String(text)),
        },
        _ => Value::String(text),
    }
}

fn wrong_value(var: &SysVar, value: &Value) -> Error {
    Error::fmt(ER_WRONG_VALUE_FOR_VAR, &[&var.name, value])
}

/// Whether setting variable `name` to `value` is clamped into its range (an integer out of
/// bounds), which MySQL reports with warning 1292.
pub fn clamps(name: &str, value: &Value) -> bool {
    let Some(var) = lookup(name) else { return false };
    let Kind::Int { min, max } = var.kind else { return false };
    requested_int(var, value).is_ok_and(|n| n < i128::from(min) || n > i128::from(max))
}

/// The integer `value` asks an integer variable for, before it is clamped to its range.
fn requested_int(var: &SysVar, value: &Value) -> Result<i128> {
    match value {
        Value::Int(i) => Ok(i128::from(*i)),
        Value::UInt(u) => Ok(i128::from(*u)),
        Value::String(s) => {
            s.trim().parse().map_err(|_| Error::fmt(ER_WRONG_TYPE_FOR_VAR, &[&var.name]))
        }
        _ => Err(Error::fmt(ER_WRONG_TYPE_FOR_VAR, &[&var.name])),
    }
}

/// Validates `value` against the variable's kind and returns its canonical text.
fn normalise(var: &SysVar, value: &Value) -> Result<String> {
    match var.kind {
        Kind::Bool => match value {
            Value::Int(0) | Value::UInt(0) => Ok("OFF".into()),
            Value::Int(1) | Value::UInt(1) => Ok("ON".into()),
            Value::String(s) => match s.to_ascii_uppercase().as_str() {
                "ON" | "TRUE" | "1" => Ok("ON".into()),
                "OFF" | "FALSE" | "0" => Ok("OFF".into()),
                _ => Err(wrong_value(var, value)),
            },
            Value::Double(_) => Err(Error::fmt(ER_WRONG_TYPE_FOR_VAR, &[&var.name])),
            _ => Err(wrong_value(var, value)),
        },
        Kind::Int { min, max } => {
            let n = requested_int(var, value)?;
            Ok(n.clamp(i128::from(min), i128::from(max)).to_string())
        }
        Kind::Enum(words) => {
            let chosen = match value {
                Value::String(s) => {
                    let up = s.to_ascii_uppercase();
                    words.iter().find(|w| **w == up).copied()
                }
                Value::Int(i) => usize::try_from(*i).ok().and_then(|i| words.get(i)).copied(),
                _ => None,
            };
            chosen.map(str::to_string).ok_or_else(|| wrong_value(var, value))
        }
        Kind::SqlMode => {
            let Value::String(s) = value else {
                return Err(wrong_value(var, value));
            };
            let mut modes = Vec::new();
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let up = part.to_ascii_uppercase();
                if !SQL_MODES.contains(&up.as_str()) {
                    return Err(wrong_value(var, value));
                }
                if !modes.contains(&up) {
                    modes.push(up);
                }
            }
            Ok(modes.join(","))
        }
        Kind::Str => match value {
            Value::Null => Ok(String::new()),
            other => Ok(other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> SessionVars {
        SessionVars::new(GlobalVars::new(&[("port", "4123".into())]))
    }

    #[test]
    fn registry_is_sorted_for_binary_search() {
        assert!(SYSVARS.windows(2).all(|w| w[0].name < w[1].name));
        assert!(SYSVARS
            .iter()
            .all(|v| lookup(&v.name.to_ascii_uppercase()).map(|l| l.name) == Some(v.name)));
        assert_eq!(lookup("AutoCommit").map(|v| v.name), Some("autocommit"));
        assert!(lookup("autocommitx").is_none() && lookup("").is_none());
        let mut v = vars();
        v.set("autocommit", VarScope::Session, &Value::Int(0)).expect("set");
        assert!(!v.bool("AUTOCOMMIT") && !v.bool("no_such_var"));
        assert_eq!(v.int("max_prepared_stmt_count"), -1);
    }

    #[test]
    fn bool_reads_as_int_and_shows_as_on_off() {
        let mut v = vars();
        assert_eq!(v.get("AUTOCOMMIT", VarScope::Default).ok(), Some(Value::Int(1)));
        v.set("autocommit", VarScope::Default, &Value::Int(0)).expect("set");
        assert_eq!(v.get_text("autocommit", VarScope::Session).ok().as_deref(), Some("OFF"));
        // The global value is untouched by a session SET.
        assert_eq!(v.get_text("autocommit", VarScope::Global).ok().as_deref(), Some("ON"));
    }

    #[test]
    fn aliases_move_together_and_enums_validate() {
        let mut v = vars();
        v.set("tx_isolation", VarScope::Session, &Value::String("read-committed".into()))
            .expect("set");
        assert_eq!(
            v.get("transaction_isolation", VarScope::Default).ok(),
            Some(Value::String("READ-COMMITTED".into()))
        );
        let err = v
            .set("transaction_isolation", VarScope::Session, &Value::String("bogus".into()))
            .expect_err("invalid");
        assert_eq!(err.code, 1231);
    }

    #[test]
    fn scope_and_read_only_errors() {
        let mut v = vars();
        assert_eq!(
            v.set("version", VarScope::Default, &Value::Int(1)).map_err(|e| e.code),
            Err(1238)
        );
        assert_eq!(
            v.set("tidb_gc_life_time", VarScope::Session, &Value::String("1m".into()))
                .map_err(|e| e.code),
            Err(1229)
        );
        assert_eq!(v.get("no_such_var", VarScope::Default).map_err(|e| e.code), Err(1193));
        assert_eq!(v.get("port", VarScope::Default).ok(), Some(Value::Int(4123)));
    }

    #[test]
    fn global_set_is_seen_by_new_sessions_only() {
        let mut a = vars();
        a.set("innodb_lock_wait_timeout", VarScope::Global, &Value::Int(7)).expect("set");
        assert_eq!(a.int("innodb_lock_wait_timeout"), 50);
        let b = SessionVars::new(a.globals().clone());
        assert_eq!(b.int("innodb_lock_wait_timeout"), 7);
    }

    #[test]
    fn sql_mode_is_normalised() {
        let mut v = vars();
        v.set(
            "sql_mode",
            VarScope::Session,
            &Value::String("ansi_quotes, strict_trans_tables".into()),
        )
        .expect("set");
        assert_eq!(
            v.get_text("sql_mode", VarScope::Session).ok().as_deref(),
            Some("ANSI_QUOTES,STRICT_TRANS_TABLES")
        );
    }
}
