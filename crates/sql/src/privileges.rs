//! Privilege checks: what a statement needs (TiDB's `visitInfo`: privilege, database, table,
//! columns), checked against the session's account and active roles before it runs.
//!
//! Needs come from the statement's tree: every table it reads needs SELECT; the table a DML
//! statement writes needs INSERT/UPDATE/DELETE (REPLACE also DELETE, ON DUPLICATE KEY UPDATE
//! also UPDATE); DDL needs CREATE/DROP/ALTER/INDEX/CREATE VIEW on its object. A view needs
//! SELECT on itself only: its query runs with its definer's rights (SQL SECURITY DEFINER, the
//! default). A table privilege held only on some columns lets a statement through when every
//! column it names in that table is covered (1143 names the first that is not).
//! Internal sessions (`SessionCtx::auth == None`) may do anything.

use std::ops::ControlFlow;

use catalog::Catalog;
use errno::{
    Error, Result, ER_COLUMNACCESS_DENIED, ER_DBACCESS_DENIED, ER_SPECIFIC_ACCESS_DENIED,
    ER_TABLEACCESS_DENIED,
};
use privilege::{GrantTables, Identity, Level, Priv, Privs};
use sqlparser::ast::{
    AlterTableOperation, AssignmentTarget, Expr, FromTable, ObjectName, ObjectType, OnInsert,
    Query, SelectItem, Statement, TableFactor, TableObject, TableWithJoins, Visit, Visitor,
};

use crate::{context::SessionCtx, executor::object_parts};

/// One privilege a statement needs on a table (or database, when `table` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Need {
    privs: Privs,
    db: String,
    table: String,
    /// Columns the privilege is used on (for column-level grants); `None`: every column.
    columns: Option<Vec<String>>,
}

/// The grants and identities of a session that is not allowed everything; `None` when it is
/// (an internal session, or an account holding every global privilege).
fn restricted(ctx: &SessionCtx) -> Option<(std::sync::Arc<GrantTables>, Vec<Identity>)> {
    let auth = ctx.auth.as_ref()?;
    // Most statements of an all-powerful account (root) stop here, without a snapshot.
    if auth.unrestricted_at() == Some(auth.privileges.version()) {
        return None;
    }
    let version = auth.privileges.version();
    let (t, ids) = auth.grants();
    let all = Privs::all_at(Level::Global);
    if t.global_privs(&ids).contains_all(all) {
        auth.set_unrestricted_at(version);
        return None;
    }
    Some((t, ids))
}

/// Whether the session may do anything (an internal session, or an account holding every
/// global privilege): callers skip gathering what a check would need.
pub fn unrestricted(ctx: &SessionCtx) -> bool {
    restricted(ctx).is_none()
}

/// Checks that the session may read `columns` of `db.table` (a kept point-read plan, which
/// runs without its statement).
pub fn check_read(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: &str,
    table: &str,
    columns: Vec<String>,
) -> Result<()> {
    let Some((t, ids)) = restricted(ctx) else { return Ok(()) };
    let need = Need {
        privs: Privs::one(Priv::Select),
        db: db.into(),
        table: table.into(),
        columns: Some(columns),
    };
    check_need(ctx, catalog, &t, &ids, &need)
}

/// Checks that the session may run `stmt`.
pub fn check_statement(ctx: &SessionCtx, catalog: &Catalog, stmt: &Statement) -> Result<()> {
    let Some((t, ids)) = restricted(ctx) else { return Ok(()) };
    let shown = match stmt {
        Statement::ExplainTable { table_name, .. } => Some((table_name, "SELECT")),
        Statement::ShowCreate { obj_name, .. } => Some((obj_name, "SHOW")),
        Statement::ShowColumns { show_options, .. } => match &show_options.show_in {
            Some(sqlparser::ast::ShowStatementIn { parent_name: Some(name), .. }) => {
                Some((name, "SELECT"))
            }
            _ => None,
        },
        _ => None,
    };
    if let Some((name, what)) = shown {
        if let Some((db, table)) = resolve(ctx.current_db.as_deref(), name) {
            check_visible(ctx, &db, &table, what)?;
        }
        return Ok(());
    }
    for need in needs(ctx, ctx.current_db.as_deref(), stmt) {
        check_need(ctx, catalog, &t, &ids, &need)?;
        if need.privs.contains(Priv::Select) {
            check_view(ctx, catalog, &t, &ids, &need.db, &need.table, 0)?;
        }
    }
    Ok(())
}

/// Views nest at most this deep for privilege checks (deeper ones are refused when read).
const MAX_VIEW_DEPTH: usize = 32;

/// If `db.table` is a view, checks its query's needs against its definer (SQL SECURITY
/// DEFINER) or against the reader (`ids`, INVOKER); a refusal is 1356, as in MySQL.
fn check_view(
    ctx: &SessionCtx,
    catalog: &Catalog,
    t: &GrantTables,
    ids: &[Identity],
    db: &str,
    table: &str,
    depth: usize,
) -> Result<()> {
    let Ok(info) = catalog.schema().table(db, table).cloned() else { return Ok(()) };
    let Some(view) = &info.view else { return Ok(()) };
    let invalid = || Error::fmt(errno::ER_VIEW_INVALID, &[&db, &table]);
    if depth >= MAX_VIEW_DEPTH {
        return Err(invalid());
    }
    let Ok(stmt) = crate::parse_statement(&view.select) else { return Ok(()) };
    let ids = if view.invoker {
        ids.to_vec()
    } else {
        let (user, host) = view.definer_parts();
        t.effective(&Identity::new(user, host), &[])
    };
    for need in needs(ctx, Some(db), &stmt) {
        check_need(ctx, catalog, t, &ids, &need).map_err(|_| invalid())?;
        if need.privs.contains(Priv::Select) {
            check_view(ctx, catalog, t, &ids, &need.db, &need.table, depth + 1)?;
        }
    }
    Ok(())
}

/// Checks that the session holds `privs` on table `db.table` (statements without a syntax
/// tree: `ALTER TABLE … COMMENT`, `ANALYZE TABLE a, b`).
pub fn check_table(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: &str,
    table: &str,
    privs: &[Priv],
) -> Result<()> {
    let Some((t, ids)) = restricted(ctx) else { return Ok(()) };
    let need = Need {
        privs: privs.iter().copied().collect(),
        db: db.into(),
        table: table.into(),
        columns: None,
    };
    check_need(ctx, catalog, &t, &ids, &need)
}

/// 1227 unless the session holds dynamic privilege `name` (or SUPER).
pub fn require_dynamic(ctx: &SessionCtx, name: &str) -> Result<()> {
    let Some((t, ids)) = restricted(ctx) else { return Ok(()) };
    if t.has_dynamic(&ids, name) {
        return Ok(());
    }
    Err(Error::fmt(ER_SPECIFIC_ACCESS_DENIED, &[&format!("SUPER or {name}")]))
}

/// 1227 unless the session holds global privilege `p`.
pub fn require_global(ctx: &SessionCtx, p: Priv) -> Result<()> {
    let Some((t, ids)) = restricted(ctx) else { return Ok(()) };
    if t.global_privs(&ids).contains(p) {
        return Ok(());
    }
    Err(Error::fmt(ER_SPECIFIC_ACCESS_DENIED, &[&p.keyword()]))
}

/// Whether the session may see database `db` (some privilege in it, at any level).
pub fn may_see_db(ctx: &SessionCtx, db: &str) -> bool {
    if db.eq_ignore_ascii_case("information_schema") {
        return true;
    }
    match restricted(ctx) {
        None => true,
        Some((t, ids)) => t.global_privs(&ids).contains(Priv::ShowDb) || t.any_in_db(&ids, db),
    }
}

/// Whether the session may see table `db.table` (some privilege on it or on its columns).
pub fn may_see_table(ctx: &SessionCtx, db: &str, table: &str) -> bool {
    if db.eq_ignore_ascii_case("information_schema") {
        return true;
    }
    match restricted(ctx) {
        None => true,
        Some((t, ids)) => t.any_on_table(&ids, db, table),
    }
}

/// 1044 unless the session may use database `db` (`USE`, COM_INIT_DB, the handshake's db).
pub fn check_use(ctx: &SessionCtx, db: &str) -> Result<()> {
    if may_see_db(ctx, db) {
        return Ok(());
    }
    let who = account(ctx);
    Err(Error::fmt(ER_DBACCESS_DENIED, &[&who.user, &who.host, &db]))
}

/// 1142 unless the session may see `db.table` (DESCRIBE, SHOW CREATE TABLE, SHOW COLUMNS).
pub fn check_visible(ctx: &SessionCtx, db: &str, table: &str, what: &str) -> Result<()> {
    if may_see_table(ctx, db, table) {
        return Ok(());
    }
    let who = account(ctx);
    Err(Error::fmt(ER_TABLEACCESS_DENIED, &[&what, &who.user, &who.host, &table]))
}

fn account(ctx: &SessionCtx) -> Identity {
    ctx.auth.as_ref().map_or_else(|| Identity::new(&ctx.user, "%"), |a| a.account.clone())
}

fn check_need(
    ctx: &SessionCtx,
    catalog: &Catalog,
    t: &GrantTables,
    ids: &[Identity],
    need: &Need,
) -> Result<()> {
    let who = account(ctx);
    if need.table.is_empty() {
        if t.db_privs(ids, &need.db).contains_all(need.privs) {
            return Ok(());
        }
        return Err(Error::fmt(ER_DBACCESS_DENIED, &[&who.user, &who.host, &need.db]));
    }
    let held = t.table_privs(ids, &need.db, &need.table);
    let missing = need.privs.minus(held);
    let Some(first) = missing.iter().next() else { return Ok(()) };
    // Column grants may cover what the table level lacks.
    let column_level = missing.iter().all(|p| p.allowed_at(Level::Column));
    if column_level {
        let columns = match &need.columns {
            Some(c) => c.clone(),
            None => catalog
                .schema()
                .table(&need.db, &need.table)
                .map(|info| info.columns.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default(),
        };
        let has_column_grants = t.tables.iter().any(|r| {
            ids.iter().any(|id| id.user == r.id.user && id.host == r.id.host)
                && r.db.eq_ignore_ascii_case(&need.db)
                && r.table.eq_ignore_ascii_case(&need.table)
                && !r.column_privs.is_empty()
        });
        if has_column_grants && !columns.is_empty() {
            for c in &columns {
                let p = t.column_privs(ids, &need.db, &need.table, c);
                if let Some(lacking) = missing.minus(p).iter().next() {
                    return Err(Error::fmt(
                        ER_COLUMNACCESS_DENIED,
                        &[&lacking.keyword(), &who.user, &who.host, c, &need.table],
                    ));
                }
            }
            return Ok(());
        }
    }
    Err(Error::fmt(ER_TABLEACCESS_DENIED, &[&first.keyword(), &who.user, &who.host, &need.table]))
}

/// `(db, table)` of a name as the session resolves it; `None` without a current database
/// (the statement fails with 1046 when it runs) or for names of more than two parts.
fn resolve(current_db: Option<&str>, name: &ObjectName) -> Option<(String, String)> {
    match object_parts(name).as_slice() {
        [db, t] => Some((db.clone(), t.clone())),
        [t] => current_db.map(|db| (db.to_string(), t.clone())),
        _ => None,
    }
}

/// Every table a statement's tree names (FROM, JOIN, subqueries, DML targets), with the names
/// of the WITH queries it defines and the column names it mentions.
#[derive(Default)]
struct Names {
    relations: Vec<ObjectName>,
    ctes: Vec<String>,
    columns: Vec<String>,
    wildcard: bool,
}

impl Visitor for Names {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.relations.push(relation.clone());
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.ctes.extend(with.cte_tables.iter().map(|c| c.alias.name.value.to_lowercase()));
        }
        if let sqlparser::ast::SetExpr::Select(s) = query.body.as_ref() {
            if s.projection
                .iter()
                .any(|p| matches!(p, SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)))
            {
                self.wildcard = true;
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(i) => self.columns.push(i.value.clone()),
            Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    self.columns.push(last.value.clone());
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn names_of(stmt: &Statement) -> Names {
    let mut n = Names::default();
    let _ = stmt.visit(&mut n);
    n
}

/// The tables of `TableWithJoins`, with their aliases.
fn tables_with_aliases(from: &[TableWithJoins]) -> Vec<(ObjectName, Option<String>)> {
    let mut out = Vec::new();
    for twj in from {
        for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
            if let TableFactor::Table { name, alias, .. } = f {
                out.push((name.clone(), alias.as_ref().map(|a| a.name.value.clone())));
            }
        }
    }
    out
}

fn same_name(a: &ObjectName, b: &ObjectName) -> bool {
    let (a, b) = (object_parts(a), object_parts(b));
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// What `stmt` needs, unqualified names resolving in `current_db`.
fn needs(ctx: &SessionCtx, current_db: Option<&str>, stmt: &Statement) -> Vec<Need> {
    let names = names_of(stmt);
    let mut reads = names.relations.clone();
    // Write targets: (name, privileges, columns).
    let mut targets: Vec<(ObjectName, Privs, Option<Vec<String>>)> = Vec::new();
    let mut db_needs: Vec<(String, Privs)> = Vec::new();
    let p = Privs::one;
    let ps = |list: &[Priv]| list.iter().copied().collect::<Privs>();
    match stmt {
        Statement::Query(_) => {}
        Statement::Insert(ins) => {
            if let TableObject::TableName(name) = &ins.table {
                let mut privs = p(Priv::Insert);
                if ins.replace_into {
                    privs.insert(Priv::Delete);
                }
                if matches!(ins.on, Some(OnInsert::DuplicateKeyUpdate(_))) {
                    privs.insert(Priv::Update);
                }
                let cols: Vec<String> = ins
                    .columns
                    .iter()
                    .chain(ins.assignments.iter().filter_map(|a| match &a.target {
                        AssignmentTarget::ColumnName(c) => Some(c),
                        AssignmentTarget::Tuple(_) => None,
                    }))
                    .filter_map(|c| object_parts(c).last().cloned())
                    .collect();
                targets.push((name.clone(), privs, (!cols.is_empty()).then_some(cols)));
            }
        }
        Statement::Update(up) => {
            let mut from = vec![up.table.clone()];
            if let Some(
                sqlparser::ast::UpdateTableFromKind::BeforeSet(f)
                | sqlparser::ast::UpdateTableFromKind::AfterSet(f),
            ) = &up.from
            {
                from.extend(f.iter().cloned());
            }
            let tables = tables_with_aliases(&from);
            let mut updated: Vec<(ObjectName, Vec<String>)> = Vec::new();
            for a in &up.assignments {
                let cols = match &a.target {
                    AssignmentTarget::ColumnName(c) => vec![c.clone()],
                    AssignmentTarget::Tuple(cs) => cs.clone(),
                };
                for c in cols {
                    let parts = object_parts(&c);
                    let target = match parts.as_slice() {
                        [qualifier, .., _] => tables.iter().find(|(n, alias)| {
                            alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(qualifier))
                                || object_parts(n)
                                    .last()
                                    .is_some_and(|t| t.eq_ignore_ascii_case(qualifier))
                        }),
                        _ => tables.first(),
                    };
                    if let (Some((name, _)), Some(col)) = (target, parts.last()) {
                        match updated.iter_mut().find(|(n, _)| same_name(n, name)) {
                            Some((_, cols)) => cols.push(col.clone()),
                            None => updated.push((name.clone(), vec![col.clone()])),
                        }
                    }
                }
            }
            for (name, cols) in updated {
                targets.push((name, p(Priv::Update), Some(cols)));
            }
        }
        Statement::Delete(del) => {
            let from = match &del.from {
                FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f.clone(),
            };
            let tables = tables_with_aliases(&from);
            if del.tables.is_empty() {
                if let Some((name, _)) = tables.first() {
                    targets.push((name.clone(), p(Priv::Delete), None));
                }
            } else {
                for t in &del.tables {
                    let last = object_parts(t).last().cloned().unwrap_or_default();
                    let name = tables
                        .iter()
                        .find(|(n, alias)| {
                            alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(&last))
                                || same_name(n, t)
                        })
                        .map_or_else(|| t.clone(), |(n, _)| n.clone());
                    targets.push((name, p(Priv::Delete), None));
                }
            }
        }
        Statement::CreateTable(ct) => {
            let privs = if ct.temporary {
                p(Priv::CreateTmpTable)
            } else if ct.query.is_some() {
                ps(&[Priv::Create, Priv::Insert])
            } else {
                p(Priv::Create)
            };
            if ct.temporary {
                if let Some((db, _)) = resolve(current_db, &ct.name) {
                    db_needs.push((db, privs));
                }
                reads.retain(|r| !same_name(r, &ct.name));
            } else {
                targets.push((ct.name.clone(), privs, None));
            }
        }
        Statement::CreateView(cv) => {
            let mut privs = p(Priv::CreateView);
            if cv.or_replace {
                privs.insert(Priv::Drop);
            }
            targets.push((cv.name.clone(), privs, None));
        }
        Statement::CreateIndex(ci) => targets.push((ci.table_name.clone(), p(Priv::Index), None)),
        Statement::AlterTable(at) => {
            let mut privs = p(Priv::Alter);
            for op in &at.operations {
                match op {
                    AlterTableOperation::RenameTable { table_name } => {
                        privs.insert(Priv::Drop);
                        let new = match table_name {
                            sqlparser::ast::RenameTableNameKind::As(n)
                            | sqlparser::ast::RenameTableNameKind::To(n) => n.clone(),
                        };
                        targets.push((new, ps(&[Priv::Create, Priv::Insert]), None));
                    }
                    AlterTableOperation::AddConstraint { .. }
                    | AlterTableOperation::DropIndex { .. } => privs.insert(Priv::Index),
                    _ => {}
                }
            }
            targets.push((at.name.clone(), privs, None));
        }
        Statement::Drop { object_type, names, temporary, .. } => match object_type {
            ObjectType::Table | ObjectType::View if !temporary => {
                for n in names {
                    targets.push((n.clone(), p(Priv::Drop), None));
                }
            }
            ObjectType::Schema | ObjectType::Database => {
                for n in names {
                    if let Some(db) = object_parts(n).last() {
                        db_needs.push((db.clone(), p(Priv::Drop)));
                    }
                }
            }
            _ => {}
        },
        Statement::CreateDatabase { db_name, .. } => {
            if let Some(db) = object_parts(db_name).last() {
                db_needs.push((db.clone(), p(Priv::Create)));
            }
        }
        Statement::CreateSchema { schema_name, .. } => {
            let db = schema_name.to_string().trim_matches('`').to_string();
            db_needs.push((db, p(Priv::Create)));
        }
        Statement::Truncate(tr) => {
            for t in &tr.table_names {
                targets.push((t.name.clone(), p(Priv::Drop), None));
            }
        }
        Statement::RenameTable(pairs) => {
            for r in pairs {
                targets.push((r.old_name.clone(), ps(&[Priv::Alter, Priv::Drop]), None));
                targets.push((r.new_name.clone(), ps(&[Priv::Create, Priv::Insert]), None));
            }
        }
        Statement::Analyze(a) => {
            if let Some(name) = &a.table_name {
                targets.push((name.clone(), ps(&[Priv::Select, Priv::Insert]), None));
            }
        }
        Statement::Explain { statement, .. } => return needs(ctx, current_db, statement),
        Statement::LockTables { .. } => {}
        _ => {}
    }
    let mut out = Vec::new();
    for (name, privs, columns) in targets {
        if let Some(i) = reads.iter().position(|r| same_name(r, &name)) {
            reads.remove(i);
        }
        if let Some((db, table)) = resolve(current_db, &name) {
            out.push(Need { privs, db, table, columns });
        }
    }
    for (db, privs) in db_needs {
        out.push(Need { privs, db, table: String::new(), columns: None });
    }
    let read_columns = (!names.wildcard).then(|| names.columns.clone());
    for r in reads {
        let parts = object_parts(&r);
        if parts.len() == 1 && names.ctes.contains(&parts[0].to_lowercase()) {
            continue;
        }
        let Some((db, table)) = resolve(current_db, &r) else { continue };
        if db.eq_ignore_ascii_case("information_schema")
            || db.eq_ignore_ascii_case("performance_schema")
            || db.eq_ignore_ascii_case("metrics_schema")
            || ctx.temporary_table(&db, &table).is_some()
        {
            continue;
        }
        let need = Need { privs: p(Priv::Select), db, table, columns: read_columns.clone() };
        if !out.contains(&need) {
            out.push(need);
        }
    }
    out.retain(|n| {
        n.table.is_empty() || {
            let temp = ctx.temporary_table(&n.db, &n.table).is_some();
            !temp
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(sql: &str) -> Statement {
        crate::parse_statement(sql).expect("parses")
    }

    fn ctx() -> SessionCtx {
        let mut c = SessionCtx::new(
            crate::sysvar::SessionVars::new(crate::sysvar::GlobalVars::new(&[])),
            "u",
            "h",
            1,
        );
        c.current_db = Some("test".into());
        c
    }

    fn show(sql: &str) -> Vec<String> {
        let c = ctx();
        needs(&c, c.current_db.as_deref(), &stmt(sql))
            .into_iter()
            .map(|n| {
                let privs: Vec<&str> = n.privs.iter().map(Priv::keyword).collect();
                let cols = n.columns.map(|c| format!("({})", c.join(","))).unwrap_or_default();
                format!("{} {}.{}{cols}", privs.join("+"), n.db, n.table)
            })
            .collect()
    }

    #[test]
    fn reads_writes_and_ddl() {
        assert_eq!(
            show("SELECT a FROM t JOIN db2.s ON t.a = s.b"),
            ["SELECT test.t(a,a,b)", "SELECT db2.s(a,a,b)"]
        );
        assert_eq!(show("WITH c AS (SELECT * FROM t) SELECT * FROM c"), ["SELECT test.t"]);
        assert_eq!(
            show("INSERT INTO t (a) SELECT b FROM s"),
            ["INSERT test.t(a)", "SELECT test.s(b)"]
        );
        assert_eq!(show("REPLACE INTO t VALUES (1)"), ["INSERT+DELETE test.t"]);
        assert_eq!(
            show("INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2"),
            ["INSERT+UPDATE test.t"]
        );
        assert_eq!(show("UPDATE t SET a = 1 WHERE b = 2"), ["UPDATE test.t(a)"]);
        assert_eq!(
            show("UPDATE t JOIN s ON t.a = s.a SET t.b = s.b"),
            ["UPDATE test.t(b)", "SELECT test.s(a,a,b)"]
        );
        assert_eq!(
            show("DELETE FROM t WHERE a IN (SELECT a FROM s)"),
            ["DELETE test.t", "SELECT test.s(a,a)"]
        );
        assert_eq!(
            show("DELETE x FROM t AS x JOIN s ON x.a = s.a"),
            ["DELETE test.t", "SELECT test.s(a,a)"]
        );
        assert_eq!(show("CREATE TABLE n (a INT)"), ["CREATE test.n"]);
        assert_eq!(
            show("CREATE VIEW v AS SELECT * FROM t"),
            ["CREATE VIEW test.v", "SELECT test.t"]
        );
        assert_eq!(show("DROP TABLE t, db2.s"), ["DROP test.t", "DROP db2.s"]);
        assert_eq!(show("CREATE DATABASE d"), ["CREATE d."]);
        assert_eq!(show("TRUNCATE TABLE t"), ["DROP test.t"]);
        assert_eq!(show("ALTER TABLE t ADD COLUMN c INT"), ["ALTER test.t"]);
        assert_eq!(show("CREATE INDEX i ON t (a)"), ["INDEX test.t"]);
        assert_eq!(show("SELECT * FROM information_schema.tables"), Vec::<String>::new());
        assert_eq!(show("EXPLAIN SELECT * FROM t"), ["SELECT test.t"]);
    }
}
