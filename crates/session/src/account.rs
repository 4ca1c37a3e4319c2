//! Account statements (`sql::frontend::account`) run against the grant tables: each is
//! checked against the caller's privileges, turned into reads and writes of `mysql.*` run in
//! one transaction of an internal session (as TiDB's `executor/simple.go` does), and followed
//! by a reload of the privilege snapshot. Account statements commit the caller's open
//! transaction first and run one at a time across the server.

use errno::{
    Error, Result, ER_CANNOT_USER, ER_CANT_CREATE_USER_WITH_GRANT, ER_DYNAMIC_PRIV_NOT_REGISTERED,
    ER_ILLEGAL_GRANT_FOR_TABLE, ER_NONEXISTING_GRANT, ER_NONEXISTING_TABLE_GRANT, ER_NO_DB,
    ER_PASSWORD_FORMAT, ER_PASSWORD_NO_MATCH, ER_PLUGIN_IS_NOT_LOADED, ER_ROLE_NOT_GRANTED,
    ER_SPECIFIC_ACCESS_DENIED, ER_UNKNOWN_AUTHID, ER_USER_ALREADY_EXISTS, ER_USER_DOES_NOT_EXIST,
};
use privilege::{
    password, GrantTables, Identity, Level, Priv, Privs, COLUMN_PRIVS, DB_PRIVS, DYNAMIC_PRIVS,
    TABLE_PRIVS,
};
use sql::{
    frontend::account::{
        AccountOptions, AccountStmt, AuthSpec, GrantObject, PrivName, PrivSpec, RoleSet,
    },
    ExecResult, ResultSet,
};
use types::{ResultColumn, Value};

use crate::{
    grant_tables::{exec, lit, load},
    Session,
};

/// Authentication plugins an account may use.
const PLUGINS: &[&str] = &["mysql_native_password", "caching_sha2_password"];

impl Session {
    /// Runs an account statement.
    pub(crate) fn account_statement(&mut self, stmt: &AccountStmt) -> Result<ExecResult> {
        self.ctx.warnings.clear();
        self.ctx.start_statement();
        let result = self.account_statement_inner(stmt);
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }

    fn account_statement_inner(&mut self, stmt: &AccountStmt) -> Result<ExecResult> {
        match stmt {
            AccountStmt::ShowGrants { user, using } => {
                return self.show_grants(user.as_ref(), using)
            }
            AccountStmt::SetRole(set) => return self.set_role(set),
            AccountStmt::ShowCreateUser(user) => return self.show_create_user(user),
            _ => {}
        }
        self.txn.commit()?;
        let manager = self.manager.clone();
        let _serial = manager.account_lock();
        let mut internal = manager.internal_session();
        // Start from what the tables hold now (a direct DML on mysql.* counts once flushed,
        // as in MySQL; reloading here makes every account statement see it too).
        let tables = load(&mut internal)?;
        let mut w = Writes { sql: Vec::new(), tables, new_users: Vec::new(), unlocked: Vec::new() };
        let outcome = self.plan_account_writes(stmt, &mut w);
        let outcome = outcome.and_then(|r| {
            if w.sql.is_empty() {
                return Ok(r);
            }
            exec(&mut internal, "BEGIN")?;
            for s in &w.sql {
                if let Err(e) = exec(&mut internal, s) {
                    let _ = exec(&mut internal, "ROLLBACK");
                    return Err(e);
                }
            }
            exec(&mut internal, "COMMIT")?;
            Ok(r)
        });
        let reloaded = load(&mut internal)?;
        if outcome.is_ok() {
            for id in &w.unlocked {
                manager.privileges().failures.clear(id);
            }
        }
        let me = self.current_account();
        let expired = reloaded.user(&me).is_some_and(|u| u.password_expired);
        manager.privileges().replace(reloaded);
        if let Some(a) = self.ctx.auth.as_mut() {
            a.must_change_password = expired;
        }
        outcome
    }

    fn auth_grants(&self) -> Option<(std::sync::Arc<GrantTables>, Vec<Identity>)> {
        self.ctx.auth.as_ref().map(|a| a.grants())
    }

    /// The current account (`CURRENT_USER()`), or root for internal sessions.
    fn current_account(&self) -> Identity {
        self.ctx.auth.as_ref().map_or_else(|| Identity::new("root", "%"), |a| a.account.clone())
    }

    /// Fails with 1227 unless the caller holds global privilege `p` (or, with `mysql_write`,
    /// may write the `mysql` database: MySQL accepts INSERT/UPDATE on `mysql` for account
    /// management).
    fn require_global(&self, p: Priv, dynamic: Option<&str>) -> Result<()> {
        let Some((t, ids)) = self.auth_grants() else { return Ok(()) };
        let ok = t.global_privs(&ids).contains(p)
            || (p == Priv::CreateUser
                && t.db_privs(&ids, "mysql").contains_all(
                    [Priv::Insert, Priv::Update, Priv::Delete].into_iter().collect(),
                ))
            || dynamic.is_some_and(|d| t.has_dynamic(&ids, d));
        if ok {
            Ok(())
        } else {
            let name = match dynamic {
                Some(d) => format!("{} or {d}", p.keyword()),
                None => p.keyword().to_string(),
            };
            Err(Error::fmt(ER_SPECIFIC_ACCESS_DENIED, &[&name]))
        }
    }

    /// An account the statement cannot apply to: with IF [NOT] EXISTS (`lenient`) a note
    /// (`code`), otherwise it joins the accounts 1396 names.
    fn skip_account(
        &self,
        lenient: bool,
        code: errno::ErrCode,
        id: &Identity,
        failed: &mut Vec<String>,
    ) {
        if lenient {
            self.ctx.warnings.push(sql::Warning {
                level: sql::Level::Note,
                code: code.code,
                message: Error::fmt(code, &[&id.quoted()]).message,
            });
        } else {
            failed.push(id.quoted());
        }
    }

    fn resolve(&self, id: &Identity) -> Identity {
        if id.user.is_empty() && id.host.is_empty() {
            self.current_account()
        } else {
            id.clone()
        }
    }

    fn plan_account_writes(&mut self, stmt: &AccountStmt, w: &mut Writes) -> Result<ExecResult> {
        match stmt {
            AccountStmt::Create { role, if_not_exists, users, options } => {
                if *role {
                    self.require_global(Priv::CreateRole, None)
                        .or_else(|_| self.require_global(Priv::CreateUser, None))?;
                } else {
                    self.require_global(Priv::CreateUser, None)?;
                }
                let default_plugin = self
                    .ctx
                    .vars
                    .get_text("default_authentication_plugin", sql::sysvar::VarScope::Session)
                    .ok()
                    .filter(|p| PLUGINS.contains(&p.as_str()))
                    .unwrap_or_else(|| "mysql_native_password".into());
                let mut failed = Vec::new();
                for u in users {
                    let id = self.resolve(&u.id);
                    if w.tables.user(&id).is_some() || w.created(&id) {
                        self.skip_account(*if_not_exists, ER_USER_ALREADY_EXISTS, &id, &mut failed);
                        continue;
                    }
                    let (plugin, auth) = auth_string(u.auth.as_ref(), &default_plugin)?;
                    let locked = if *role { true } else { options.lock.unwrap_or(false) };
                    let expired = if *role { true } else { options.expire.unwrap_or(false) };
                    let attributes = locking_json(
                        options.failed_login_attempts.unwrap_or(0),
                        options.password_lock_time.unwrap_or(0),
                    );
                    w.sql.push(format!(
                        "INSERT INTO mysql.user (Host, User, authentication_string, plugin, \
                         Account_locked, Password_expired, User_attributes) \
                         VALUES ({}, {}, {}, {}, {}, {}, {})",
                        lit(&id.host),
                        lit(&id.user),
                        lit(&auth),
                        lit(&plugin),
                        yn(locked),
                        yn(expired),
                        lit(&attributes)
                    ));
                    w.new_users.push(id);
                }
                if !failed.is_empty() {
                    let what = if *role { "CREATE ROLE" } else { "CREATE USER" };
                    return Err(Error::fmt(ER_CANNOT_USER, &[&what, &failed.join(",")]));
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::Alter { if_exists, users, options } => {
                let mut failed = Vec::new();
                for u in users {
                    let id = self.resolve(&u.id);
                    let own = id == self.current_account();
                    if !(own && options == &AccountOptions::default()) {
                        self.require_global(Priv::CreateUser, None)?;
                    }
                    let Some(row) = w.tables.user(&id).cloned() else {
                        self.skip_account(*if_exists, ER_USER_DOES_NOT_EXIST, &id, &mut failed);
                        continue;
                    };
                    let mut sets = Vec::new();
                    if let Some(spec) = &u.auth {
                        let (plugin, auth) = auth_string(Some(spec), &row.plugin)?;
                        sets.push(format!("authentication_string = {}", lit(&auth)));
                        sets.push(format!("plugin = {}", lit(&plugin)));
                        sets.push("Password_expired = 'N'".into());
                        sets.push("Password_last_changed = NOW()".into());
                    }
                    if let Some(lock) = options.lock {
                        sets.push(format!("Account_locked = {}", yn(lock)));
                        if !lock {
                            w.unlocked.push(id.clone());
                        }
                    }
                    if options.failed_login_attempts.is_some()
                        || options.password_lock_time.is_some()
                    {
                        let attributes = locking_json(
                            options.failed_login_attempts.unwrap_or(row.failed_login_attempts),
                            options.password_lock_time.unwrap_or(row.password_lock_time),
                        );
                        sets.push(format!(
                            "User_attributes = JSON_MERGE_PATCH(COALESCE(User_attributes, '{{}}'), {})",
                            lit(&attributes)
                        ));
                        w.unlocked.push(id.clone());
                    }
                    if let Some(expire) = options.expire {
                        sets.push(format!("Password_expired = {}", yn(expire)));
                    }
                    if !sets.is_empty() {
                        w.sql.push(format!(
                            "UPDATE mysql.user SET {} WHERE {}",
                            sets.join(", "),
                            w_user(&id)
                        ));
                    }
                }
                if !failed.is_empty() {
                    return Err(Error::fmt(ER_CANNOT_USER, &[&"ALTER USER", &failed.join(",")]));
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::Drop { role, if_exists, users } => {
                if *role {
                    self.require_global(Priv::DropRole, None)
                        .or_else(|_| self.require_global(Priv::CreateUser, None))?;
                } else {
                    self.require_global(Priv::CreateUser, None)?;
                }
                let mut failed = Vec::new();
                for id in users {
                    let id = self.resolve(id);
                    if w.tables.user(&id).is_none() {
                        self.skip_account(*if_exists, ER_USER_DOES_NOT_EXIST, &id, &mut failed);
                        continue;
                    }
                    drop_account(&mut w.sql, &id);
                }
                if !failed.is_empty() {
                    let what = if *role { "DROP ROLE" } else { "DROP USER" };
                    return Err(Error::fmt(ER_CANNOT_USER, &[&what, &failed.join(",")]));
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::Rename(pairs) => {
                self.require_global(Priv::CreateUser, None)?;
                let mut failed = Vec::new();
                for (from, to) in pairs {
                    if w.tables.user(from).is_none() || w.tables.user(to).is_some() {
                        failed.push(from.quoted());
                        continue;
                    }
                    rename_account(&mut w.sql, from, to);
                }
                if !failed.is_empty() {
                    return Err(Error::fmt(ER_CANNOT_USER, &[&"RENAME USER", &failed.join(",")]));
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::SetPassword { user, password } => {
                let id = user.as_ref().map_or_else(|| self.current_account(), |u| self.resolve(u));
                if id != self.current_account() {
                    self.require_global(Priv::CreateUser, None)?;
                }
                let Some(row) = w.tables.user(&id).cloned() else {
                    return Err(Error::fmt(ER_PASSWORD_NO_MATCH, &[]));
                };
                let spec =
                    AuthSpec { plugin: None, password: Some(password.clone()), hashed: None };
                let (_, auth) = auth_string(Some(&spec), &row.plugin)?;
                w.sql.push(format!(
                    "UPDATE mysql.user SET authentication_string = {}, Password_expired = 'N', \
                     Password_last_changed = NOW() WHERE {}",
                    lit(&auth),
                    w_user(&id)
                ));
                Ok(ExecResult::ok())
            }
            AccountStmt::Grant { privs, object, users, with_grant } => {
                let object = self.qualify(object)?;
                self.check_grantable(privs, &object, *with_grant, &w.tables)?;
                for u in users {
                    let id = self.resolve(&u.id);
                    if w.tables.user(&id).is_none() && !w.created(&id) {
                        match &u.auth {
                            Some(spec) if spec.password.is_some() || spec.hashed.is_some() => {
                                self.require_global(Priv::CreateUser, None)?;
                                let (plugin, auth) =
                                    auth_string(Some(spec), "mysql_native_password")?;
                                w.sql.push(format!(
                                    "INSERT INTO mysql.user (Host, User, authentication_string, plugin) \
                                     VALUES ({}, {}, {}, {})",
                                    lit(&id.host),
                                    lit(&id.user),
                                    lit(&auth),
                                    lit(&plugin)
                                ));
                                w.new_users.push(id.clone());
                            }
                            _ => return Err(Error::fmt(ER_CANT_CREATE_USER_WITH_GRANT, &[])),
                        }
                    }
                    grant_writes(w, &id, privs, &object, *with_grant, true)?;
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::Revoke { privs, object, users } => {
                let object = self.qualify(object)?;
                self.check_grantable(privs, &object, false, &w.tables)?;
                for id in users {
                    let id = self.resolve(id);
                    if w.tables.user(&id).is_none() {
                        return Err(Error::fmt(ER_NONEXISTING_GRANT, &[&id.user, &id.host]));
                    }
                    grant_writes(w, &id, privs, &object, false, false)?;
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::GrantRole { roles, users, admin } => {
                self.require_global(Priv::Super, Some("ROLE_ADMIN"))?;
                for r in roles.iter().chain(users) {
                    if w.tables.user(r).is_none() {
                        return Err(Error::fmt(ER_UNKNOWN_AUTHID, &[&backquoted(r)]));
                    }
                }
                for u in users {
                    for r in roles {
                        w.sql.push(format!(
                            "INSERT INTO mysql.role_edges (FROM_HOST, FROM_USER, TO_HOST, TO_USER, \
                             WITH_ADMIN_OPTION) VALUES ({}, {}, {}, {}, {}) ON DUPLICATE KEY UPDATE \
                             WITH_ADMIN_OPTION = VALUES(WITH_ADMIN_OPTION)",
                            lit(&r.host),
                            lit(&r.user),
                            lit(&u.host),
                            lit(&u.user),
                            yn(*admin)
                        ));
                    }
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::RevokeRole { roles, users } => {
                self.require_global(Priv::Super, Some("ROLE_ADMIN"))?;
                for u in users {
                    if w.tables.user(u).is_none() {
                        return Err(Error::fmt(ER_UNKNOWN_AUTHID, &[&backquoted(u)]));
                    }
                    for r in roles {
                        w.sql.push(format!(
                            "DELETE FROM mysql.role_edges WHERE FROM_HOST = {} AND FROM_USER = {} \
                             AND TO_HOST = {} AND TO_USER = {}",
                            lit(&r.host),
                            lit(&r.user),
                            lit(&u.host),
                            lit(&u.user)
                        ));
                        w.sql.push(format!(
                            "DELETE FROM mysql.default_roles WHERE HOST = {} AND USER = {} AND \
                             DEFAULT_ROLE_HOST = {} AND DEFAULT_ROLE_USER = {}",
                            lit(&u.host),
                            lit(&u.user),
                            lit(&r.host),
                            lit(&r.user)
                        ));
                    }
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::SetDefaultRole { roles, users } => {
                for u in users {
                    let u = self.resolve(u);
                    if u != self.current_account() {
                        self.require_global(Priv::CreateUser, None)?;
                    }
                    if w.tables.user(&u).is_none() {
                        return Err(Error::fmt(ER_UNKNOWN_AUTHID, &[&backquoted(&u)]));
                    }
                    let chosen = choose_roles(&w.tables, &u, roles)?;
                    w.sql.push(format!(
                        "DELETE FROM mysql.default_roles WHERE HOST = {} AND USER = {}",
                        lit(&u.host),
                        lit(&u.user)
                    ));
                    for r in chosen {
                        w.sql.push(format!(
                            "INSERT INTO mysql.default_roles (HOST, USER, DEFAULT_ROLE_HOST, \
                             DEFAULT_ROLE_USER) VALUES ({}, {}, {}, {})",
                            lit(&u.host),
                            lit(&u.user),
                            lit(&r.host),
                            lit(&r.user)
                        ));
                    }
                }
                Ok(ExecResult::ok())
            }
            AccountStmt::FlushPrivileges => {
                self.require_global(Priv::Reload, None)?;
                Ok(ExecResult::ok())
            }
            AccountStmt::ShowGrants { .. }
            | AccountStmt::ShowCreateUser(_)
            | AccountStmt::SetRole(_) => Ok(ExecResult::ok()),
        }
    }

    /// Fills in the current database of `*` and unqualified tables; a table must exist.
    fn qualify(&self, object: &GrantObject) -> Result<GrantObject> {
        let current = || self.ctx.current_db.clone().ok_or_else(|| Error::fmt(ER_NO_DB, &[]));
        Ok(match object {
            GrantObject::Global => GrantObject::Global,
            GrantObject::Db(db) => GrantObject::Db(Some(match db {
                Some(d) => d.clone(),
                None => current()?,
            })),
            GrantObject::Table(db, t) => {
                let db = match db {
                    Some(d) => d.clone(),
                    None => current()?,
                };
                self.catalog.schema().table(&db, t)?;
                GrantObject::Table(Some(db), t.clone())
            }
        })
    }

    /// GRANT/REVOKE needs GRANT OPTION at the object's level and every privilege it hands on
    /// (MySQL's rule); privileges must exist at that level (1144, 3929).
    fn check_grantable(
        &self,
        privs: &[PrivSpec],
        object: &GrantObject,
        with_grant: bool,
        tables: &GrantTables,
    ) -> Result<()> {
        let level = level_of(object);
        let mut wanted = Privs::NONE;
        for p in privs {
            match &p.name {
                PrivName::Static(s) => {
                    let at = if p.columns.is_empty() { level } else { Level::Column };
                    if !s.allowed_at(at) {
                        return Err(Error::fmt(ER_ILLEGAL_GRANT_FOR_TABLE, &[]));
                    }
                    wanted.insert(*s);
                }
                PrivName::All => wanted = wanted.union(Privs::all_at(level)),
                PrivName::Usage => {}
                PrivName::Dynamic(d) => {
                    if !DYNAMIC_PRIVS.contains(&d.as_str()) {
                        return Err(Error::fmt(ER_DYNAMIC_PRIV_NOT_REGISTERED, &[d]));
                    }
                    if level != Level::Global {
                        return Err(Error::fmt(ER_ILLEGAL_GRANT_FOR_TABLE, &[]));
                    }
                }
            }
        }
        if with_grant {
            wanted.insert(Priv::Grant);
        }
        let Some((_, ids)) = self.auth_grants() else { return Ok(()) };
        let held = match object {
            GrantObject::Global => tables.global_privs(&ids),
            GrantObject::Db(db) => tables.db_privs(&ids, db.as_deref().unwrap_or_default()),
            GrantObject::Table(db, t) => {
                tables.table_privs(&ids, db.as_deref().unwrap_or_default(), t)
            }
        };
        let needed = wanted.union(Privs::one(Priv::Grant));
        if held.contains_all(needed) {
            return Ok(());
        }
        let user = &self.current_account();
        Err(match object {
            GrantObject::Table(_, t) => {
                Error::fmt(errno::ER_TABLEACCESS_DENIED, &[&"GRANT", &user.user, &user.host, t])
            }
            GrantObject::Db(db) => Error::fmt(
                errno::ER_DBACCESS_DENIED,
                &[&user.user, &user.host, &db.as_deref().unwrap_or_default()],
            ),
            GrantObject::Global => Error::fmt(ER_SPECIFIC_ACCESS_DENIED, &[&"GRANT OPTION"]),
        })
    }

    fn show_grants(&mut self, user: Option<&Identity>, using: &[Identity]) -> Result<ExecResult> {
        let privileges = self.manager.privileges().clone();
        let t = privileges.snapshot();
        let current = self.current_account();
        let (who, roles, header) = match user {
            None => {
                let roles = self.ctx.auth.as_ref().map(|a| a.roles.clone()).unwrap_or_default();
                (current.clone(), roles, "Grants for User".to_string())
            }
            Some(u) => {
                if u != &current {
                    if let Some((g, ids)) = self.auth_grants() {
                        if !g.db_privs(&ids, "mysql").contains(Priv::Select) {
                            return Err(Error::fmt(
                                errno::ER_DBACCESS_DENIED,
                                &[&current.user, &current.host, &"mysql"],
                            ));
                        }
                    }
                }
                (u.clone(), using.to_vec(), format!("Grants for {}@{}", u.user, u.host))
            }
        };
        if t.user(&who).is_none() {
            return Err(Error::fmt(ER_NONEXISTING_GRANT, &[&who.user, &who.host]));
        }
        for r in &roles {
            if !t.effective(&who, &t.granted_roles(&who)).contains(r) {
                return Err(Error::fmt(ER_ROLE_NOT_GRANTED, &[&backquoted(r), &backquoted(&who)]));
            }
        }
        let rows = privilege::show_grants(&t, &who, &roles)
            .into_iter()
            .map(|g| vec![Value::String(g)])
            .collect();
        Ok(ExecResult::Rows(ResultSet { columns: vec![ResultColumn::varchar(header, 1024)], rows }))
    }

    /// `SHOW CREATE USER`: the statement that recreates the account, in TiDB's form.
    fn show_create_user(&mut self, user: &Identity) -> Result<ExecResult> {
        let user = self.resolve(user);
        let current = self.current_account();
        if user != current {
            if let Some((g, ids)) = self.auth_grants() {
                if !g.db_privs(&ids, "mysql").contains(Priv::Select) {
                    return Err(Error::fmt(
                        errno::ER_DBACCESS_DENIED,
                        &[&current.user, &current.host, &"mysql"],
                    ));
                }
            }
        }
        let t = self.manager.privileges().snapshot();
        let Some(row) = t.user(&user) else {
            return Err(Error::fmt(ER_CANNOT_USER, &[&"SHOW CREATE USER", &user.quoted()]));
        };
        let expire = if row.password_expired { "EXPIRE" } else { "EXPIRE DEFAULT" };
        let lock = if row.locked { "LOCK" } else { "UNLOCK" };
        let mut sql = format!(
            "CREATE USER {} IDENTIFIED WITH '{}' AS '{}' REQUIRE NONE PASSWORD {expire} ACCOUNT {lock}",
            user.quoted(),
            row.plugin,
            row.auth_string.replace('\\', "\\\\").replace('\'', "''"),
        );
        if row.failed_login_attempts > 0 {
            sql.push_str(&format!(" FAILED_LOGIN_ATTEMPTS {}", row.failed_login_attempts));
        }
        if row.password_lock_time != 0 {
            let days = if row.password_lock_time < 0 {
                "UNBOUNDED".to_string()
            } else {
                row.password_lock_time.to_string()
            };
            sql.push_str(&format!(" PASSWORD_LOCK_TIME {days}"));
        }
        sql.push_str(" PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT");
        let header = format!("CREATE USER for {}@{}", user.user, user.host);
        Ok(ExecResult::Rows(ResultSet {
            columns: vec![ResultColumn::varchar(header, 1024)],
            rows: vec![vec![Value::String(sql)]],
        }))
    }

    fn set_role(&mut self, set: &RoleSet) -> Result<ExecResult> {
        let Some(auth) = &self.ctx.auth else { return Ok(ExecResult::ok()) };
        let t = auth.privileges.snapshot();
        let roles = choose_roles(&t, &auth.account, set)?;
        if let Some(a) = self.ctx.auth.as_mut() {
            a.roles = roles;
            a.unrestricted = Default::default();
        }
        Ok(ExecResult::ok())
    }
}

/// The roles a `SET [DEFAULT] ROLE` form selects for `user`; each must be granted (3530).
fn choose_roles(t: &GrantTables, user: &Identity, set: &RoleSet) -> Result<Vec<Identity>> {
    let granted = t.granted_roles(user);
    Ok(match set {
        RoleSet::None => Vec::new(),
        RoleSet::Default => t.default_roles(user),
        RoleSet::All(except) => granted.into_iter().filter(|r| !except.contains(r)).collect(),
        RoleSet::List(list) => {
            for r in list {
                if !granted.contains(r) {
                    return Err(Error::fmt(
                        ER_ROLE_NOT_GRANTED,
                        &[&backquoted(r), &backquoted(user)],
                    ));
                }
            }
            list.clone()
        }
    })
}

/// `` `u`@`h` ``, as MySQL's role errors write accounts.
fn backquoted(id: &Identity) -> String {
    format!("`{}`@`{}`", id.user, id.host)
}

fn yn(b: bool) -> &'static str {
    if b {
        "'Y'"
    } else {
        "'N'"
    }
}

fn w_user(id: &Identity) -> String {
    format!("User = {} AND Host = {}", lit(&id.user), lit(&id.host))
}

fn level_of(object: &GrantObject) -> Level {
    match object {
        GrantObject::Global => Level::Global,
        GrantObject::Db(_) => Level::Db,
        GrantObject::Table(..) => Level::Table,
    }
}

/// The plugin and stored form an `IDENTIFIED …` clause gives (the account's current plugin,
/// or `default_plugin`, when none is named).
fn auth_string(spec: Option<&AuthSpec>, default_plugin: &str) -> Result<(String, String)> {
    let plugin = spec.and_then(|s| s.plugin.clone()).unwrap_or_else(|| default_plugin.to_string());
    if !PLUGINS.contains(&plugin.as_str()) {
        return Err(Error::fmt(ER_PLUGIN_IS_NOT_LOADED, &[&plugin]));
    }
    let Some(spec) = spec else { return Ok((plugin, String::new())) };
    let auth = match (&spec.password, &spec.hashed) {
        (Some(pw), _) if plugin == "caching_sha2_password" => password::sha2_hash(pw),
        (Some(pw), _) => password::native_hash(pw),
        (None, Some(h)) => {
            let ok = h.is_empty()
                || if plugin == "caching_sha2_password" {
                    h.starts_with("$A$") && h.len() == 70
                } else {
                    h.len() == 41
                        && h.starts_with('*')
                        && h[1..].bytes().all(|b| b.is_ascii_hexdigit())
                };
            if !ok {
                return Err(Error::fmt(ER_PASSWORD_FORMAT, &[]));
            }
            h.clone()
        }
        (None, None) => String::new(),
    };
    Ok((plugin, auth))
}

/// Statements to run, and the grant tables they start from.
struct Writes {
    sql: Vec<String>,
    tables: GrantTables,
    new_users: Vec<Identity>,
    /// Accounts whose failed-login count starts over (unlocked, or options changed).
    unlocked: Vec<Identity>,
}

/// `User_attributes` holding the failed-login options, as TiDB stores them.
fn locking_json(attempts: u32, days: i64) -> String {
    format!(
        "{{\"Password_locking\": {{\"failed_login_attempts\": {attempts}, \"password_lock_time_days\": {days}}}}}"
    )
}

impl Writes {
    fn created(&self, id: &Identity) -> bool {
        self.new_users.contains(id)
    }
}

fn drop_account(sql: &mut Vec<String>, id: &Identity) {
    let (u, h) = (lit(&id.user), lit(&id.host));
    for table in ["user", "db", "tables_priv", "columns_priv"] {
        sql.push(format!("DELETE FROM mysql.{table} WHERE User = {u} AND Host = {h}"));
    }
    sql.push(format!("DELETE FROM mysql.global_grants WHERE USER = {u} AND HOST = {h}"));
    sql.push(format!(
        "DELETE FROM mysql.role_edges WHERE (FROM_USER = {u} AND FROM_HOST = {h}) OR (TO_USER = {u} AND TO_HOST = {h})"
    ));
    sql.push(format!(
        "DELETE FROM mysql.default_roles WHERE (USER = {u} AND HOST = {h}) OR (DEFAULT_ROLE_USER = {u} AND DEFAULT_ROLE_HOST = {h})"
    ));
}

fn rename_account(sql: &mut Vec<String>, from: &Identity, to: &Identity) {
    let (fu, fh, tu, th) = (lit(&from.user), lit(&from.host), lit(&to.user), lit(&to.host));
    for table in ["user", "db", "tables_priv", "columns_priv"] {
        sql.push(format!(
            "UPDATE mysql.{table} SET User = {tu}, Host = {th} WHERE User = {fu} AND Host = {fh}"
        ));
    }
    sql.push(format!(
        "UPDATE mysql.global_grants SET USER = {tu}, HOST = {th} WHERE USER = {fu} AND HOST = {fh}"
    ));
    sql.push(format!(
        "UPDATE mysql.role_edges SET FROM_USER = {tu}, FROM_HOST = {th} WHERE FROM_USER = {fu} AND FROM_HOST = {fh}"
    ));
    sql.push(format!(
        "UPDATE mysql.role_edges SET TO_USER = {tu}, TO_HOST = {th} WHERE TO_USER = {fu} AND TO_HOST = {fh}"
    ));
    sql.push(format!(
        "UPDATE mysql.default_roles SET USER = {tu}, HOST = {th} WHERE USER = {fu} AND HOST = {fh}"
    ));
    sql.push(format!(
        "UPDATE mysql.default_roles SET DEFAULT_ROLE_USER = {tu}, DEFAULT_ROLE_HOST = {th} WHERE DEFAULT_ROLE_USER = {fu} AND DEFAULT_ROLE_HOST = {fh}"
    ));
}

/// The writes of one grantee's GRANT (`grant`) or REVOKE.
fn grant_writes(
    w: &mut Writes,
    id: &Identity,
    privs: &[PrivSpec],
    object: &GrantObject,
    with_grant: bool,
    grant: bool,
) -> Result<()> {
    let level = level_of(object);
    let mut statics = Privs::NONE;
    let mut columns: Vec<(Priv, &str)> = Vec::new();
    let mut dynamic: Vec<&str> = Vec::new();
    for p in privs {
        match &p.name {
            PrivName::Static(s) if !p.columns.is_empty() => {
                columns.extend(p.columns.iter().map(|c| (*s, c.as_str())));
            }
            PrivName::Static(s) => statics.insert(*s),
            PrivName::All => {
                statics = statics.union(Privs::all_at(level));
                if !grant {
                    // REVOKE ALL also takes GRANT OPTION away, as MySQL does.
                    statics.insert(Priv::Grant);
                }
            }
            PrivName::Usage => {}
            PrivName::Dynamic(d) => dynamic.push(d.as_str()),
        }
    }
    if with_grant {
        statics.insert(Priv::Grant);
    }
    let (u, h) = (lit(&id.user), lit(&id.host));
    match object {
        GrantObject::Global => {
            if !statics.is_empty() {
                let sets: Vec<String> =
                    statics.iter().map(|p| format!("{} = {}", p.column(), yn(grant))).collect();
                w.sql.push(format!(
                    "UPDATE mysql.user SET {} WHERE {}",
                    sets.join(", "),
                    w_user(id)
                ));
            }
            for d in dynamic {
                if grant {
                    w.sql.push(format!(
                        "INSERT INTO mysql.global_grants (USER, HOST, PRIV, WITH_GRANT_OPTION) \
                         VALUES ({u}, {h}, {}, {}) ON DUPLICATE KEY UPDATE WITH_GRANT_OPTION = \
                         IF(VALUES(WITH_GRANT_OPTION) = 'Y', 'Y', WITH_GRANT_OPTION)",
                        lit(d),
                        yn(with_grant)
                    ));
                } else {
                    w.sql.push(format!(
                        "DELETE FROM mysql.global_grants WHERE USER = {u} AND HOST = {h} AND PRIV = {}",
                        lit(d)
                    ));
                }
            }
        }
        GrantObject::Db(db) => {
            let db = db.clone().unwrap_or_default();
            let existing = w.tables.dbs.iter().find(|r| &r.id == id && r.db == db).map(|r| r.privs);
            if !grant && existing.is_none() {
                return Err(Error::fmt(ER_NONEXISTING_GRANT, &[&id.user, &id.host]));
            }
            let old = existing.unwrap_or_default();
            let new = if grant { old.union(statics) } else { old.minus(statics) };
            w.sql.push(format!("DELETE FROM mysql.db WHERE {} AND DB = {}", w_user(id), lit(&db)));
            if !new.is_empty() {
                let cols: Vec<&str> = DB_PRIVS.iter().map(|p| p.column()).collect();
                let vals: Vec<&str> = DB_PRIVS.iter().map(|p| yn(new.contains(*p))).collect();
                w.sql.push(format!(
                    "INSERT INTO mysql.db (Host, DB, User, {}) VALUES ({h}, {}, {u}, {})",
                    cols.join(", "),
                    lit(&db),
                    vals.join(", ")
                ));
            }
            if let Some(r) = w.tables.dbs.iter_mut().find(|r| &r.id == id && r.db == db) {
                r.privs = new;
            } else {
                w.tables.dbs.push(privilege::DbRow { id: id.clone(), db, privs: new });
            }
        }
        GrantObject::Table(db, table) => {
            let db = db.clone().unwrap_or_default();
            let find = |r: &&privilege::TableRow| {
                &r.id == id && r.db.eq_ignore_ascii_case(&db) && r.table.eq_ignore_ascii_case(table)
            };
            let existing = w.tables.tables.iter().find(find).cloned();
            if !grant && existing.is_none() {
                return Err(Error::fmt(ER_NONEXISTING_TABLE_GRANT, &[&id.user, &id.host, table]));
            }
            let (old, mut old_cols) =
                existing.as_ref().map_or((Privs::NONE, Privs::NONE), |r| (r.privs, r.column_privs));
            let new = if grant { old.union(statics) } else { old.minus(statics) };
            // Column grants: one row per column in mysql.columns_priv.
            let mut by_column: Vec<(String, Privs)> = w
                .tables
                .columns
                .iter()
                .filter(|c| {
                    &c.id == id
                        && c.db.eq_ignore_ascii_case(&db)
                        && c.table.eq_ignore_ascii_case(table)
                })
                .map(|c| (c.column.clone(), c.privs))
                .collect();
            for (p, c) in &columns {
                match by_column.iter_mut().find(|(name, _)| name.eq_ignore_ascii_case(c)) {
                    Some((_, privs)) if grant => privs.insert(*p),
                    Some((_, privs)) => *privs = privs.minus(Privs::one(*p)),
                    None if grant => by_column.push((c.to_string(), Privs::one(*p))),
                    None => {}
                }
            }
            if !columns.is_empty() {
                old_cols = by_column.iter().fold(Privs::NONE, |acc, (_, p)| acc.union(*p));
                w.sql.push(format!(
                    "DELETE FROM mysql.columns_priv WHERE {} AND DB = {} AND Table_name = {}",
                    w_user(id),
                    lit(&db),
                    lit(table)
                ));
                for (c, p) in by_column.iter().filter(|(_, p)| !p.is_empty()) {
                    w.sql.push(format!(
                        "INSERT INTO mysql.columns_priv (Host, DB, User, Table_name, Column_name, \
                         Column_priv) VALUES ({h}, {}, {u}, {}, {}, {})",
                        lit(&db),
                        lit(table),
                        lit(c),
                        lit(&p.to_set_text(COLUMN_PRIVS))
                    ));
                }
            }
            w.sql.push(format!(
                "DELETE FROM mysql.tables_priv WHERE {} AND DB = {} AND Table_name = {}",
                w_user(id),
                lit(&db),
                lit(table)
            ));
            if !(new.is_empty() && old_cols.is_empty()) {
                w.sql.push(format!(
                    "INSERT INTO mysql.tables_priv (Host, DB, User, Table_name, Grantor, \
                     Table_priv, Column_priv) VALUES ({h}, {}, {u}, {}, '', {}, {})",
                    lit(&db),
                    lit(table),
                    lit(&new.to_set_text(TABLE_PRIVS)),
                    lit(&old_cols.to_set_text(COLUMN_PRIVS))
                ));
            }
        }
    }
    Ok(())
}
