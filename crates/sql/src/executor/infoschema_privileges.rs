//! `information_schema.USER_PRIVILEGES`, `SCHEMA_PRIVILEGES`, `TABLE_PRIVILEGES` and
//! `COLUMN_PRIVILEGES`: the grant tables, one row per privilege, as MySQL shows them. An account
//! sees its own rows, or every account's when it may read the `mysql` database.

use catalog::TableInfo;
use privilege::{GrantTables, Identity, Priv, Privs};
use types::Value;

use super::infoschema::{def, s};
use crate::SessionCtx;

/// Tables of this module.
pub const TABLES: &[&str] =
    &["COLUMN_PRIVILEGES", "SCHEMA_PRIVILEGES", "TABLE_PRIVILEGES", "USER_PRIVILEGES"];

fn grantee(id: &Identity) -> Value {
    s(id.quoted())
}

fn grantable(privs: Privs) -> Value {
    s(if privs.contains(Priv::Grant) { "YES" } else { "NO" })
}

/// Rows of one privilege table, or `None` for another name.
pub fn view(ctx: &SessionCtx, upper: &str) -> Option<(TableInfo, Vec<Vec<Value>>)> {
    if !TABLES.contains(&upper) {
        return None;
    }
    // Every account's rows for one that may read `mysql`, else its own.
    let (t, all, me): (std::sync::Arc<GrantTables>, bool, Option<Identity>) = match &ctx.auth {
        None => (Default::default(), false, None),
        Some(auth) => {
            let (t, ids) = auth.grants();
            let all = t.db_privs(&ids, "mysql").contains(Priv::Select);
            (t, all, Some(auth.account.clone()))
        }
    };
    let visible = |id: &Identity| all || me.as_ref() == Some(id);
    let mut rows = Vec::new();
    let table = match upper {
        "USER_PRIVILEGES" => {
            for u in t.users.iter().filter(|u| visible(&u.id)) {
                let privs = u.privs.minus(Privs::one(Priv::Grant));
                if privs.is_empty() {
                    rows.push(vec![grantee(&u.id), s("def"), s("USAGE"), grantable(u.privs)]);
                }
                for p in privs.iter() {
                    rows.push(vec![grantee(&u.id), s("def"), s(p.keyword()), grantable(u.privs)]);
                }
            }
            def(
                "USER_PRIVILEGES",
                &[
                    ("GRANTEE", false),
                    ("TABLE_CATALOG", false),
                    ("PRIVILEGE_TYPE", false),
                    ("IS_GRANTABLE", false),
                ],
            )
        }
        "SCHEMA_PRIVILEGES" => {
            for r in t.dbs.iter().filter(|r| visible(&r.id)) {
                for p in r.privs.minus(Privs::one(Priv::Grant)).iter() {
                    rows.push(vec![
                        grantee(&r.id),
                        s("def"),
                        s(r.db.clone()),
                        s(p.keyword()),
                        grantable(r.privs),
                    ]);
                }
            }
            def(
                "SCHEMA_PRIVILEGES",
                &[
                    ("GRANTEE", false),
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("PRIVILEGE_TYPE", false),
                    ("IS_GRANTABLE", false),
                ],
            )
        }
        "TABLE_PRIVILEGES" => {
            for r in t.tables.iter().filter(|r| visible(&r.id)) {
                for p in r.privs.minus(Privs::one(Priv::Grant)).iter() {
                    rows.push(vec![
                        grantee(&r.id),
                        s("def"),
                        s(r.db.clone()),
                        s(r.table.clone()),
                        s(p.keyword()),
                        grantable(r.privs),
                    ]);
                }
            }
            def(
                "TABLE_PRIVILEGES",
                &[
                    ("GRANTEE", false),
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("PRIVILEGE_TYPE", false),
                    ("IS_GRANTABLE", false),
                ],
            )
        }
        _ => {
            for r in t.columns.iter().filter(|r| visible(&r.id)) {
                let table_grant = t
                    .tables
                    .iter()
                    .find(|x| x.id == r.id && x.db == r.db && x.table == r.table)
                    .map_or(Privs::NONE, |x| x.privs);
                for p in r.privs.iter() {
                    rows.push(vec![
                        grantee(&r.id),
                        s("def"),
                        s(r.db.clone()),
                        s(r.table.clone()),
                        s(r.column.clone()),
                        s(p.keyword()),
                        grantable(table_grant),
                    ]);
                }
            }
            def(
                "COLUMN_PRIVILEGES",
                &[
                    ("GRANTEE", false),
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("COLUMN_NAME", false),
                    ("PRIVILEGE_TYPE", false),
                    ("IS_GRANTABLE", false),
                ],
            )
        }
    };
    Some((table, rows))
}
