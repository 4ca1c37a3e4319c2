//! SHOW GRANTS: the grant statements that would recreate an account's privileges, in TiDB's
//! form (`GRANT SELECT,INSERT ON `db`.* TO 'u'@'%'`).

use std::collections::BTreeMap;

use crate::{GrantTables, Identity, Level, Priv, Privs};

fn privilege_list(privs: Privs, level: Level) -> String {
    let without_grant = privs.minus(Privs::one(Priv::Grant));
    if without_grant == Privs::all_at(level) {
        return "ALL PRIVILEGES".into();
    }
    let names: Vec<&str> = without_grant.iter().map(Priv::keyword).collect();
    names.join(",")
}

/// A table's privileges, and its column privileges as keyword → columns.
type TableGrants = (Privs, BTreeMap<&'static str, Vec<String>>);

fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The grants of `who`, with the privileges of `roles` (and the roles they hold) merged in as
/// TiDB does for `SHOW GRANTS [FOR …] USING …` and for the current user's active roles.
pub fn show_grants(t: &GrantTables, who: &Identity, roles: &[Identity]) -> Vec<String> {
    let ids = t.effective(who, roles);
    let to = who.quoted();
    let mut out = Vec::new();
    let global = t.global_privs(&ids);
    let grant_option = global.contains(Priv::Grant);
    let global_list = privilege_list(global, Level::Global);
    let mut line = if global_list.is_empty() {
        format!("GRANT USAGE ON *.* TO {to}")
    } else {
        format!("GRANT {global_list} ON *.* TO {to}")
    };
    if grant_option {
        line.push_str(" WITH GRANT OPTION");
    }
    out.push(line);

    let mut dbs: BTreeMap<String, Privs> = BTreeMap::new();
    for r in &t.dbs {
        if ids.iter().any(|id| id.user == r.id.user && id.host == r.id.host) {
            let e = dbs.entry(r.db.clone()).or_default();
            *e = e.union(r.privs);
        }
    }
    for (db, privs) in dbs {
        let list = privilege_list(privs, Level::Db);
        if list.is_empty() && !privs.contains(Priv::Grant) {
            continue;
        }
        let list = if list.is_empty() { "USAGE".to_string() } else { list };
        let mut line = format!("GRANT {list} ON {}.* TO {to}", quote_ident(&db));
        if privs.contains(Priv::Grant) {
            line.push_str(" WITH GRANT OPTION");
        }
        out.push(line);
    }

    let mut tables: BTreeMap<(String, String), TableGrants> = BTreeMap::new();
    for r in &t.tables {
        if ids.iter().any(|id| id.user == r.id.user && id.host == r.id.host) {
            let e = tables.entry((r.db.clone(), r.table.clone())).or_default();
            e.0 = e.0.union(r.privs);
        }
    }
    for r in &t.columns {
        if ids.iter().any(|id| id.user == r.id.user && id.host == r.id.host) {
            let e = tables.entry((r.db.clone(), r.table.clone())).or_default();
            for p in r.privs.iter() {
                let cols = e.1.entry(p.keyword()).or_default();
                if !cols.contains(&r.column) {
                    cols.push(r.column.clone());
                }
            }
        }
    }
    for ((db, table), (privs, columns)) in tables {
        let mut parts = Vec::new();
        let list = privilege_list(privs, Level::Table);
        if !list.is_empty() {
            parts.push(list);
        }
        for (kw, cols) in columns {
            parts.push(format!("{kw}({})", cols.join(",")));
        }
        if parts.is_empty() && !privs.contains(Priv::Grant) {
            continue;
        }
        let list = if parts.is_empty() { "USAGE".to_string() } else { parts.join(", ") };
        let mut line =
            format!("GRANT {list} ON {}.{} TO {to}", quote_ident(&db), quote_ident(&table));
        if privs.contains(Priv::Grant) {
            line.push_str(" WITH GRANT OPTION");
        }
        out.push(line);
    }

    for grantable in [false, true] {
        let mut names: Vec<String> = t
            .dynamic
            .iter()
            .filter(|g| g.grantable == grantable)
            .filter(|g| ids.iter().any(|id| id.user == g.id.user && id.host == g.id.host))
            .map(|g| g.privilege.clone())
            .collect();
        names.sort();
        names.dedup();
        if !names.is_empty() {
            let option = if grantable { " WITH GRANT OPTION" } else { "" };
            out.push(format!("GRANT {} ON *.* TO {to}{option}", names.join(",")));
        }
    }

    let mut granted: Vec<String> = t.granted_roles(who).iter().map(Identity::quoted).collect();
    granted.sort();
    if !granted.is_empty() {
        out.push(format!("GRANT {} TO {to}", granted.join(",")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColumnRow, DbRow, RoleEdge, TableRow, UserRow};

    fn user(u: &str, privs: Privs) -> UserRow {
        UserRow {
            id: Identity::new(u, "%"),
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
    fn grants_read_like_tidb() {
        let u = Identity::new("u", "%");
        let r = Identity::new("r", "%");
        let mut root = Privs::all_at(Level::Global);
        root.insert(Priv::Grant);
        let t = GrantTables {
            users: vec![user("root", root), user("u", Privs::NONE), user("r", Privs::NONE)],
            dbs: vec![DbRow {
                id: u.clone(),
                db: "test".into(),
                privs: [Priv::Select, Priv::Insert].into_iter().collect(),
            }],
            tables: vec![TableRow {
                id: u.clone(),
                db: "test".into(),
                table: "t".into(),
                privs: Privs::NONE,
                column_privs: Privs::one(Priv::Update),
            }],
            columns: vec![ColumnRow {
                id: u.clone(),
                db: "test".into(),
                table: "t".into(),
                column: "c".into(),
                privs: Privs::one(Priv::Update),
            }],
            role_edges: vec![RoleEdge { from: r.clone(), to: u.clone(), admin: false }],
            ..Default::default()
        };
        assert_eq!(
            show_grants(&t, &Identity::new("root", "%"), &[]),
            vec!["GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION"]
        );
        assert_eq!(
            show_grants(&t, &u, &[]),
            vec![
                "GRANT USAGE ON *.* TO 'u'@'%'",
                "GRANT SELECT,INSERT ON `test`.* TO 'u'@'%'",
                "GRANT UPDATE(c) ON `test`.`t` TO 'u'@'%'",
                "GRANT 'r'@'%' TO 'u'@'%'",
            ]
        );
    }
}
