//! The grant tables of the `mysql` database: created on first start (TiDB's bootstrap), read
//! into a [`privilege::GrantTables`] snapshot whenever they change.

use errno::{Error, Result};
use privilege::{
    ColumnRow, DbRow, DefaultRole, DynamicGrant, GrantTables, Identity, Priv, Privs, RoleEdge,
    TableRow, UserRow, ALL_PRIVS, COLUMN_PRIVS, DB_PRIVS, TABLE_PRIVS,
};
use sql::ExecResult;
use types::Value;

use crate::Session;

/// `CREATE TABLE IF NOT EXISTS` statements of the grant tables, in TiDB's shape.
pub(crate) fn ddl() -> Vec<String> {
    let yn = "ENUM('N','Y') NOT NULL DEFAULT 'N'";
    let user_privs: Vec<String> = ALL_PRIVS.iter().map(|(_, _, c)| format!("{c} {yn}")).collect();
    let db_privs: Vec<String> = DB_PRIVS.iter().map(|p| format!("{} {yn}", p.column())).collect();
    let set = |members: &[(Priv, &str)]| {
        let names: Vec<String> = members.iter().map(|(_, n)| format!("'{n}'")).collect();
        format!("SET({})", names.join(","))
    };
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS mysql.user (Host CHAR(255) NOT NULL DEFAULT '', \
             User CHAR(32) NOT NULL DEFAULT '', authentication_string TEXT, plugin CHAR(64), \
             {}, Account_locked {yn}, Password_reuse_history SMALLINT UNSIGNED DEFAULT NULL, \
             Password_reuse_time SMALLINT UNSIGNED DEFAULT NULL, User_attributes JSON, \
             Token_issuer VARCHAR(255), Password_expired {yn}, \
             Password_last_changed TIMESTAMP DEFAULT CURRENT_TIMESTAMP, \
             Password_lifetime SMALLINT UNSIGNED DEFAULT NULL, \
             max_user_connections INT UNSIGNED NOT NULL DEFAULT 0, PRIMARY KEY (Host, User))",
            user_privs.join(", ")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS mysql.db (Host CHAR(255) NOT NULL DEFAULT '', \
             DB CHAR(64) NOT NULL DEFAULT '', User CHAR(32) NOT NULL DEFAULT '', {}, \
             PRIMARY KEY (Host, DB, User))",
            db_privs.join(", ")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS mysql.tables_priv (Host CHAR(255) NOT NULL DEFAULT '', \
             DB CHAR(64) NOT NULL DEFAULT '', User CHAR(32) NOT NULL DEFAULT '', \
             Table_name CHAR(64) NOT NULL DEFAULT '', Grantor CHAR(77), \
             Timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, Table_priv {}, Column_priv {}, \
             PRIMARY KEY (Host, DB, User, Table_name))",
            set(TABLE_PRIVS),
            set(COLUMN_PRIVS)
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS mysql.columns_priv (Host CHAR(255) NOT NULL DEFAULT '', \
             DB CHAR(64) NOT NULL DEFAULT '', User CHAR(32) NOT NULL DEFAULT '', \
             Table_name CHAR(64) NOT NULL DEFAULT '', Column_name CHAR(64) NOT NULL DEFAULT '', \
             Timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, Column_priv {}, \
             PRIMARY KEY (Host, DB, User, Table_name, Column_name))",
            set(COLUMN_PRIVS)
        ),
        "CREATE TABLE IF NOT EXISTS mysql.role_edges (FROM_HOST CHAR(60) NOT NULL DEFAULT '', \
         FROM_USER CHAR(32) NOT NULL DEFAULT '', TO_HOST CHAR(60) NOT NULL DEFAULT '', \
         TO_USER CHAR(32) NOT NULL DEFAULT '', WITH_ADMIN_OPTION ENUM('N','Y') NOT NULL DEFAULT 'N', \
         PRIMARY KEY (FROM_HOST, FROM_USER, TO_HOST, TO_USER))"
            .to_string(),
        "CREATE TABLE IF NOT EXISTS mysql.default_roles (HOST CHAR(60) NOT NULL DEFAULT '', \
         USER CHAR(32) NOT NULL DEFAULT '', DEFAULT_ROLE_HOST CHAR(60) NOT NULL DEFAULT '%', \
         DEFAULT_ROLE_USER CHAR(32) NOT NULL DEFAULT '', \
         PRIMARY KEY (HOST, USER, DEFAULT_ROLE_HOST, DEFAULT_ROLE_USER))"
            .to_string(),
        "CREATE TABLE IF NOT EXISTS mysql.global_grants (USER CHAR(32) NOT NULL DEFAULT '', \
         HOST CHAR(255) NOT NULL DEFAULT '', PRIV CHAR(32) NOT NULL DEFAULT '', \
         WITH_GRANT_OPTION ENUM('N','Y') NOT NULL DEFAULT 'N', PRIMARY KEY (USER, HOST, PRIV))"
            .to_string(),
    ]
}

/// A string literal for SQL text (quotes and backslashes escaped).
pub(crate) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

fn int(v: &Value) -> i64 {
    text(v).trim().parse().unwrap_or(0)
}

fn yes(v: &Value) -> bool {
    text(v).eq_ignore_ascii_case("Y")
}

/// Runs a query on an internal session and returns its rows.
pub(crate) fn query(s: &mut Session, sql: &str) -> Result<Vec<Vec<Value>>> {
    match s.execute_text(sql, false).pop() {
        Some(Ok(ExecResult::Rows(rs))) => Ok(rs.rows),
        Some(Ok(_)) => Ok(Vec::new()),
        Some(Err(e)) => Err(e),
        None => Err(Error::msg(errno::ER_INTERNAL, "no result")),
    }
}

/// Runs a statement on an internal session.
pub(crate) fn exec(s: &mut Session, sql: &str) -> Result<()> {
    match s.execute_text(sql, false).pop() {
        Some(Err(e)) => Err(e),
        _ => Ok(()),
    }
}

/// Reads every grant table into a snapshot.
pub(crate) fn load(s: &mut Session) -> Result<GrantTables> {
    let mut t = GrantTables::default();
    let cols: Vec<&str> = ALL_PRIVS.iter().map(|p| p.2).collect();
    let rows = query(
        s,
        &format!(
            "SELECT Host, User, authentication_string, plugin, Account_locked, Password_expired, \
             JSON_EXTRACT(User_attributes, '$.Password_locking.failed_login_attempts'), \
             JSON_EXTRACT(User_attributes, '$.Password_locking.password_lock_time_days'), {} \
             FROM mysql.user",
            cols.join(", ")
        ),
    )?;
    for r in rows {
        let mut privs = Privs::NONE;
        for (i, (p, _, _)) in ALL_PRIVS.iter().enumerate() {
            if r.get(8 + i).is_some_and(yes) {
                privs.insert(*p);
            }
        }
        t.users.push(UserRow {
            id: Identity::new(&text(&r[1]), &text(&r[0])),
            auth_string: text(&r[2]),
            plugin: text(&r[3]),
            privs,
            locked: yes(&r[4]),
            password_expired: yes(&r[5]),
            failed_login_attempts: u32::try_from(int(&r[6])).unwrap_or(0),
            password_lock_time: int(&r[7]),
        });
    }
    let cols: Vec<&str> = DB_PRIVS.iter().map(|p| p.column()).collect();
    for r in query(s, &format!("SELECT Host, DB, User, {} FROM mysql.db", cols.join(", ")))? {
        let privs = DB_PRIVS
            .iter()
            .enumerate()
            .filter(|(i, _)| r.get(3 + i).is_some_and(yes))
            .map(|(_, p)| *p)
            .collect();
        t.dbs.push(DbRow { id: Identity::new(&text(&r[2]), &text(&r[0])), db: text(&r[1]), privs });
    }
    for r in query(
        s,
        "SELECT Host, DB, User, Table_name, Table_priv, Column_priv FROM mysql.tables_priv",
    )? {
        t.tables.push(TableRow {
            id: Identity::new(&text(&r[2]), &text(&r[0])),
            db: text(&r[1]),
            table: text(&r[3]),
            privs: Privs::from_set_text(&text(&r[4]), TABLE_PRIVS),
            column_privs: Privs::from_set_text(&text(&r[5]), COLUMN_PRIVS),
        });
    }
    for r in query(
        s,
        "SELECT Host, DB, User, Table_name, Column_name, Column_priv FROM mysql.columns_priv",
    )? {
        t.columns.push(ColumnRow {
            id: Identity::new(&text(&r[2]), &text(&r[0])),
            db: text(&r[1]),
            table: text(&r[3]),
            column: text(&r[4]),
            privs: Privs::from_set_text(&text(&r[5]), COLUMN_PRIVS),
        });
    }
    for r in query(
        s,
        "SELECT FROM_HOST, FROM_USER, TO_HOST, TO_USER, WITH_ADMIN_OPTION FROM mysql.role_edges",
    )? {
        t.role_edges.push(RoleEdge {
            from: Identity::new(&text(&r[1]), &text(&r[0])),
            to: Identity::new(&text(&r[3]), &text(&r[2])),
            admin: yes(&r[4]),
        });
    }
    for r in query(
        s,
        "SELECT HOST, USER, DEFAULT_ROLE_HOST, DEFAULT_ROLE_USER FROM mysql.default_roles",
    )? {
        t.default_roles.push(DefaultRole {
            id: Identity::new(&text(&r[1]), &text(&r[0])),
            role: Identity::new(&text(&r[3]), &text(&r[2])),
        });
    }
    for r in query(s, "SELECT USER, HOST, PRIV, WITH_GRANT_OPTION FROM mysql.global_grants")? {
        t.dynamic.push(DynamicGrant {
            id: Identity::new(&text(&r[0]), &text(&r[1])),
            privilege: text(&r[2]).to_ascii_uppercase(),
            grantable: yes(&r[3]),
        });
    }
    Ok(t)
}
