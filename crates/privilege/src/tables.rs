//! The grant tables as loaded from `mysql.*`: one snapshot, replaced whole when an account
//! statement commits or `FLUSH PRIVILEGES` runs (TiDB's `MySQLPrivilege`).

use crate::{host, Privs};

/// An account or a role: one `user@host` (CURRENT_USER()'s form).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    /// User name ('' for the anonymous user).
    pub user: String,
    /// Host pattern.
    pub host: String,
}

impl Identity {
    /// `user@host`.
    pub fn new(user: &str, host: &str) -> Self {
        Identity { user: user.to_string(), host: host.to_string() }
    }

    /// `'user'@'host'`, as SHOW GRANTS and error messages quote it.
    pub fn quoted(&self) -> String {
        format!("'{}'@'{}'", self.user.replace('\'', "''"), self.host.replace('\'', "''"))
    }

    /// Whether a grant row for `user`/`host` applies to this account.
    fn owns(&self, user: &str, host_pattern: &str) -> bool {
        self.user == user && (self.host == host_pattern || host::matches(host_pattern, &self.host))
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.user, self.host)
    }
}

/// A row of `mysql.user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// The account.
    pub id: Identity,
    /// `authentication_string`.
    pub auth_string: String,
    /// `plugin`.
    pub plugin: String,
    /// Global static privileges.
    pub privs: Privs,
    /// `Account_locked`.
    pub locked: bool,
    /// `Password_expired`.
    pub password_expired: bool,
    /// `FAILED_LOGIN_ATTEMPTS` (0: never lock).
    pub failed_login_attempts: u32,
    /// `PASSWORD_LOCK_TIME` in days (-1: until unlocked).
    pub password_lock_time: i64,
}

/// A row of `mysql.db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbRow {
    /// The grantee.
    pub id: Identity,
    /// Database name (may hold `%`/`_` patterns).
    pub db: String,
    /// Privileges on the database.
    pub privs: Privs,
}

/// A row of `mysql.tables_priv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The grantee.
    pub id: Identity,
    /// Database name.
    pub db: String,
    /// Table name.
    pub table: String,
    /// `Table_priv`.
    pub privs: Privs,
    /// `Column_priv`: privileges held on some columns (see [`ColumnRow`]).
    pub column_privs: Privs,
}

/// A row of `mysql.columns_priv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRow {
    /// The grantee.
    pub id: Identity,
    /// Database name.
    pub db: String,
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// `Column_priv`.
    pub privs: Privs,
}

/// A row of `mysql.role_edges`: role `from` granted to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleEdge {
    /// The role.
    pub from: Identity,
    /// The account or role holding it.
    pub to: Identity,
    /// `WITH ADMIN OPTION`.
    pub admin: bool,
}

/// A row of `mysql.default_roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRole {
    /// The account.
    pub id: Identity,
    /// A role activated at login.
    pub role: Identity,
}

/// A row of `mysql.global_grants` (a dynamic privilege).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicGrant {
    /// The grantee.
    pub id: Identity,
    /// The privilege name (upper case).
    pub privilege: String,
    /// `WITH GRANT OPTION`.
    pub grantable: bool,
}

/// Every grant table, as one snapshot.
#[derive(Debug, Clone, Default)]
pub struct GrantTables {
    /// `mysql.user`, most specific host first (the order logins try them in).
    pub users: Vec<UserRow>,
    /// `mysql.db`.
    pub dbs: Vec<DbRow>,
    /// `mysql.tables_priv`.
    pub tables: Vec<TableRow>,
    /// `mysql.columns_priv`.
    pub columns: Vec<ColumnRow>,
    /// `mysql.role_edges`.
    pub role_edges: Vec<RoleEdge>,
    /// `mysql.default_roles`.
    pub default_roles: Vec<DefaultRole>,
    /// `mysql.global_grants`.
    pub dynamic: Vec<DynamicGrant>,
}

/// Whether a database name matches a `mysql.db` pattern: `%`/`_` wildcards unless escaped with
/// `\`, case-insensitive (FerroDB's names are case-insensitive, as TiDB's).
pub fn db_matches(pattern: &str, db: &str) -> bool {
    #[derive(Clone, Copy)]
    enum Item {
        Char(char),
        One,
        Run,
    }
    let mut items = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        items.push(match c {
            '\\' => Item::Char(chars.next().unwrap_or('\\')),
            '%' => Item::Run,
            '_' => Item::One,
            c => Item::Char(c),
        });
    }
    let text: Vec<char> = db.chars().collect();
    // reach[j]: the pattern so far can match text[..j].
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for item in items {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            match item {
                Item::Run => next[j] = reach[j] || (j > 0 && next[j - 1]),
                Item::One => next[j] = j > 0 && reach[j - 1],
                Item::Char(c) => {
                    next[j] = j > 0 && reach[j - 1] && text[j - 1].eq_ignore_ascii_case(&c)
                }
            }
        }
        reach = next;
    }
    reach[text.len()]
}

impl GrantTables {
    /// Sorts users as logins try them: most specific host first, named users before the
    /// anonymous one.
    pub fn sort(&mut self) {
        self.users.sort_by(|a, b| {
            (host::specificity(&a.id.host), a.id.user.is_empty(), &a.id.user).cmp(&(
                host::specificity(&b.id.host),
                b.id.user.is_empty(),
                &b.id.user,
            ))
        });
    }

    /// The account a login as `user` from `client_host` authenticates as: the first matching
    /// row in MySQL's order (an anonymous row matches any name).
    pub fn match_login(&self, user: &str, client_host: &str) -> Option<&UserRow> {
        self.users.iter().find(|u| {
            (u.id.user == user || u.id.user.is_empty()) && host::matches(&u.id.host, client_host)
        })
    }

    /// The row of exactly `id`.
    pub fn user(&self, id: &Identity) -> Option<&UserRow> {
        self.users.iter().find(|u| u.id.user == id.user && u.id.host.eq_ignore_ascii_case(&id.host))
    }

    /// `who` and every role reachable from `roles` through role grants (nested roles count).
    pub fn effective(&self, who: &Identity, roles: &[Identity]) -> Vec<Identity> {
        let mut out = vec![who.clone()];
        let mut queue: Vec<Identity> = roles.to_vec();
        while let Some(r) = queue.pop() {
            if out.contains(&r) {
                continue;
            }
            for e in &self.role_edges {
                if e.to == r {
                    queue.push(e.from.clone());
                }
            }
            out.push(r);
        }
        out
    }

    /// Global privileges of `ids` together.
    pub fn global_privs(&self, ids: &[Identity]) -> Privs {
        let mut p = Privs::NONE;
        for id in ids {
            if let Some(u) = self.user(id) {
                p = p.union(u.privs);
            }
        }
        p
    }

    /// Privileges of `ids` together on database `db` (global ∪ database level).
    pub fn db_privs(&self, ids: &[Identity], db: &str) -> Privs {
        let mut p = self.global_privs(ids);
        for r in &self.dbs {
            if ids.iter().any(|id| id.owns(&r.id.user, &r.id.host)) && db_matches(&r.db, db) {
                p = p.union(r.privs);
            }
        }
        p
    }

    /// Privileges of `ids` together on table `db.table` (global ∪ database ∪ table level).
    pub fn table_privs(&self, ids: &[Identity], db: &str, table: &str) -> Privs {
        let mut p = self.db_privs(ids, db);
        for r in &self.tables {
            if ids.iter().any(|id| id.owns(&r.id.user, &r.id.host))
                && r.db.eq_ignore_ascii_case(db)
                && r.table.eq_ignore_ascii_case(table)
            {
                p = p.union(r.privs);
            }
        }
        p
    }

    /// Privileges of `ids` on column `db.table.column` (every level).
    pub fn column_privs(&self, ids: &[Identity], db: &str, table: &str, column: &str) -> Privs {
        let mut p = self.table_privs(ids, db, table);
        for r in &self.columns {
            if ids.iter().any(|id| id.owns(&r.id.user, &r.id.host))
                && r.db.eq_ignore_ascii_case(db)
                && r.table.eq_ignore_ascii_case(table)
                && r.column.eq_ignore_ascii_case(column)
            {
                p = p.union(r.privs);
            }
        }
        p
    }

    /// Whether `ids` hold some privilege on some column of `db.table` (enough to see the table).
    pub fn any_on_table(&self, ids: &[Identity], db: &str, table: &str) -> bool {
        !self.table_privs(ids, db, table).is_empty()
            || self.tables.iter().any(|r| {
                ids.iter().any(|id| id.owns(&r.id.user, &r.id.host))
                    && r.db.eq_ignore_ascii_case(db)
                    && r.table.eq_ignore_ascii_case(table)
                    && !r.column_privs.is_empty()
            })
    }

    /// Whether `ids` hold some privilege in database `db` (at any level: enough for USE and
    /// to see it in SHOW DATABASES).
    pub fn any_in_db(&self, ids: &[Identity], db: &str) -> bool {
        if !self.db_privs(ids, db).is_empty() {
            return true;
        }
        self.tables.iter().any(|r| {
            ids.iter().any(|id| id.owns(&r.id.user, &r.id.host))
                && r.db.eq_ignore_ascii_case(db)
                && !(r.privs.is_empty() && r.column_privs.is_empty())
        })
    }

    /// Whether `ids` hold dynamic privilege `name` (SUPER stands for every dynamic privilege
    /// but the RESTRICTED_* ones, as in TiDB without security enhanced mode).
    pub fn has_dynamic(&self, ids: &[Identity], name: &str) -> bool {
        let direct = self.dynamic.iter().any(|g| {
            g.privilege.eq_ignore_ascii_case(name)
                && ids.iter().any(|id| id.owns(&g.id.user, &g.id.host))
        });
        direct
            || (!name.to_ascii_uppercase().starts_with("RESTRICTED_")
                && self.global_privs(ids).contains(crate::Priv::Super))
    }

    /// The roles activated at login for `id` (`SET DEFAULT ROLE`).
    pub fn default_roles(&self, id: &Identity) -> Vec<Identity> {
        self.default_roles.iter().filter(|d| &d.id == id).map(|d| d.role.clone()).collect()
    }

    /// The roles granted to `id` (directly).
    pub fn granted_roles(&self, id: &Identity) -> Vec<Identity> {
        self.role_edges.iter().filter(|e| &e.to == id).map(|e| e.from.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Level, Priv};

    fn user(u: &str, h: &str, privs: Privs) -> UserRow {
        UserRow {
            id: Identity::new(u, h),
            auth_string: String::new(),
            plugin: "mysql_native_password".into(),
            privs,
            locked: false,
            password_expired: false,
            failed_login_attempts: 0,
            password_lock_time: 0,
        }
    }

    #[test]
    fn login_matches_most_specific_host_first() {
        let mut t = GrantTables {
            users: vec![
                user("app", "%", Privs::NONE),
                user("app", "10.0.%", Privs::NONE),
                user("", "localhost", Privs::NONE),
            ],
            ..Default::default()
        };
        t.sort();
        assert_eq!(t.match_login("app", "10.0.1.1").map(|u| u.id.host.as_str()), Some("10.0.%"));
        assert_eq!(t.match_login("app", "10.1.1.1").map(|u| u.id.host.as_str()), Some("%"));
        // MySQL's order: the anonymous user at an exact host wins over app@%.
        assert_eq!(t.match_login("app", "127.0.0.1").map(|u| u.id.user.as_str()), Some(""));
        assert!(t.match_login("nobody", "10.1.1.1").is_none());
    }

    #[test]
    fn privileges_add_up_across_levels_and_roles() {
        let u = Identity::new("u", "%");
        let r = Identity::new("r", "%");
        let t = GrantTables {
            users: vec![user("u", "%", Privs::NONE), user("r", "%", Privs::NONE)],
            dbs: vec![DbRow {
                id: u.clone(),
                db: "app\\_%".into(),
                privs: Privs::one(Priv::Select),
            }],
            tables: vec![TableRow {
                id: r.clone(),
                db: "app_1".into(),
                table: "t".into(),
                privs: Privs::one(Priv::Insert),
                column_privs: Privs::NONE,
            }],
            role_edges: vec![RoleEdge { from: r.clone(), to: u.clone(), admin: false }],
            ..Default::default()
        };
        assert!(t.table_privs(std::slice::from_ref(&u), "app_1", "t").contains(Priv::Select));
        assert!(!t.table_privs(std::slice::from_ref(&u), "app_1", "t").contains(Priv::Insert));
        let with_role = t.effective(&u, std::slice::from_ref(&r));
        assert!(t.table_privs(&with_role, "app_1", "t").contains(Priv::Insert));
        assert!(!t.table_privs(&with_role, "appx1", "t").contains(Priv::Select));
        assert!(t.any_in_db(std::slice::from_ref(&u), "APP_2"));
        assert!(!t.any_in_db(&[u], "other"));
        assert!(!Privs::all_at(Level::Db).contains(Priv::Super));
    }
}
