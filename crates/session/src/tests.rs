use types::Value;

use super::*;

/// A session over a fresh store; the store's directory goes when this is dropped.
struct TestSession {
    session: Session,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TestSession {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for TestSession {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

fn session() -> TestSession {
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_local::LocalStorage::open(
        dir.path(),
        store_local::LocalOptions { gc_interval: None, ..Default::default() },
    )
    .expect("store");
    let mgr =
        SessionManager::new(GlobalVars::new(&[]), std::sync::Arc::new(store)).expect("catalog");
    let mut s = mgr.new_session("root", "127.0.0.1", 7);
    s.use_database("test").expect("test db exists");
    TestSession { session: s, _dir: dir }
}

fn rows(r: &Result<ExecResult>) -> Vec<Vec<Value>> {
    match r {
        Ok(ExecResult::Rows(rs)) => rs.rows.clone(),
        other => panic!("expected rows, got {other:?}"),
    }
}

fn one(s: &mut Session, sql: &str) -> Result<ExecResult> {
    let mut out = s.execute_text(sql, true);
    assert_eq!(out.len(), 1, "{sql}");
    out.remove(0)
}

#[test]
fn driver_connect_queries_answer_like_tidb() {
    let mut s = session();
    assert_eq!(rows(&one(&mut s, "SELECT DATABASE()")), vec![vec![Value::String("test".into())]]);
    assert_eq!(
        rows(&one(&mut s, "SELECT @@transaction_isolation")),
        vec![vec![Value::String("REPEATABLE-READ".into())]]
    );
    assert_eq!(rows(&one(&mut s, "SELECT @@lower_case_table_names")), vec![vec![Value::Int(2)]]);
    let v = rows(&one(&mut s, "SELECT VERSION()"));
    assert!(v[0][0].to_string().starts_with("8.0.11-TiDB-"));
    let r = one(&mut s, "SELECT CAST('test plain returns' AS CHAR(60)) AS anon_1");
    match r {
        Ok(ExecResult::Rows(rs)) => {
            assert_eq!(rs.columns[0].name, "anon_1");
            assert_eq!(rs.rows, vec![vec![Value::String("test plain returns".into())]]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn autocommit_flag_follows_set() {
    let mut s = session();
    assert!(s.status().has(ServerStatus::AUTOCOMMIT));
    one(&mut s, "SET AUTOCOMMIT = 0").expect("set");
    assert!(!s.status().has(ServerStatus::AUTOCOMMIT));
    assert_eq!(rows(&one(&mut s, "select @@autocommit")), vec![vec![Value::Int(0)]]);
}

#[test]
fn begin_commit_rollback_and_savepoints() {
    let mut s = session();
    one(&mut s, "ROLLBACK").expect("rollback outside a transaction is a no-op");
    one(&mut s, "BEGIN").expect("begin");
    assert!(s.status().has(ServerStatus::IN_TRANS));
    one(&mut s, "SAVEPOINT a").expect("savepoint");
    one(&mut s, "ROLLBACK TO SAVEPOINT a").expect("rollback to");
    one(&mut s, "RELEASE SAVEPOINT a").expect("release");
    assert_eq!(one(&mut s, "ROLLBACK TO SAVEPOINT a").map_err(|e| e.code), Err(1305));
    one(&mut s, "COMMIT").expect("commit");
    assert!(!s.status().has(ServerStatus::IN_TRANS));
    one(&mut s, "START TRANSACTION READ ONLY").expect("begin ro");
    assert!(s.status().has(ServerStatus::IN_TRANS_READONLY));
    // Turning autocommit on commits.
    one(&mut s, "SET autocommit = 0").expect("set");
    one(&mut s, "SET autocommit = 1").expect("set");
    assert!(!s.status().has(ServerStatus::IN_TRANS));
}

#[test]
fn multi_statement_stops_at_first_error_and_warnings_show_it() {
    let mut s = session();
    let out = s.execute_text("select 1; select * frm x; select 3", true);
    assert_eq!(out.len(), 2);
    assert!(out[0].is_ok());
    assert_eq!(out[1].as_ref().map_err(|e| e.code).err(), Some(1064));
    let w = rows(&one(&mut s, "SHOW WARNINGS"));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0][0], Value::String("Error".into()));
    assert_eq!(w[0][1], Value::Int(1064));
    // The next ordinary statement clears diagnostics.
    one(&mut s, "select 1").expect("ok");
    assert!(rows(&one(&mut s, "SHOW WARNINGS")).is_empty());
}

#[test]
fn errors_carry_mysql_codes() {
    let mut s = session();
    assert_eq!(s.execute_text("  ", true)[0].as_ref().map_err(|e| e.code).err(), Some(1065));
    assert_eq!(one(&mut s, "select @@nope").map_err(|e| e.code).err(), Some(1193));
    assert_eq!(one(&mut s, "select * from players").map_err(|e| e.code).err(), Some(1146));
    assert_eq!(one(&mut s, "use nope").map_err(|e| e.code).err(), Some(1049));
    assert_eq!(one(&mut s, "select nosuchfn(1)").map_err(|e| e.code).err(), Some(1305));
    assert_eq!(one(&mut s, "set names klingon").map_err(|e| e.code).err(), Some(1115));
}

#[test]
fn show_variables_like_and_where() {
    let mut s = session();
    let r = rows(&one(&mut s, "SHOW VARIABLES LIKE 'sql_mode'"));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0][0], Value::String("sql_mode".into()));
    assert!(r[0][1].to_string().contains("STRICT_TRANS_TABLES"));
    let r = rows(&one(&mut s, "SHOW SESSION VARIABLES WHERE Variable_name = 'autocommit'"));
    assert_eq!(r, vec![vec![Value::String("autocommit".into()), Value::String("ON".into())]]);
    let r = rows(&one(&mut s, "SHOW GLOBAL VARIABLES LIKE 'tx_%'"));
    assert_eq!(r.len(), 2);
}

#[test]
fn expressions_follow_mysql() {
    let mut s = session();
    let r = rows(&one(&mut s, "select 1+1, 7 div 2, 7 % 3, 1/0, null is null, 'a' like 'A', 2 between 1 and 3, 3 in (1, null)"));
    assert_eq!(
        r[0],
        vec![
            Value::Int(2),
            Value::Int(3),
            Value::Int(1),
            Value::Null,
            Value::Int(1),
            Value::Int(0),
            Value::Int(1),
            Value::Null
        ]
    );
    assert_eq!(one(&mut s, "select 9223372036854775807 + 1").map_err(|e| e.code).err(), Some(1690));
    one(&mut s, "set @x = 41").expect("set");
    assert_eq!(rows(&one(&mut s, "select @x + 1")), vec![vec![Value::Int(42)]]);
    assert_eq!(rows(&one(&mut s, "select 1 from dual where 0")), Vec::<Vec<Value>>::new());
}

#[test]
fn reset_restores_defaults_but_keeps_database() {
    let mut s = session();
    one(&mut s, "set autocommit=0, @u = 1").expect("set");
    s.reset();
    assert!(s.status().has(ServerStatus::AUTOCOMMIT));
    assert_eq!(
        rows(&one(&mut s, "select @u, database()")),
        vec![vec![Value::Null, Value::String("test".into())]]
    );
}

#[test]
fn second_statement_without_multi_statements_is_a_syntax_error() {
    let mut s = session();
    let out = s.execute_text("select 1; select 2", false);
    assert_eq!(out.len(), 1);
    let e = out[0].as_ref().expect_err("refused");
    assert_eq!(e.code, 1064);
    assert!(e.message.contains("near '; select 2'"), "{}", e.message);
    assert_eq!(s.execute_text("select 1;", false).len(), 1);
}

#[test]
fn expression_columns_are_named_by_their_text() {
    let mut s = session();
    match one(&mut s, "select database(), VERSION( ), 1+1, concat('a', ')') , @@version") {
        Ok(ExecResult::Rows(rs)) => {
            let names: Vec<_> = rs.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(
                names,
                vec!["database()", "VERSION( )", "1+1", "concat('a', ')')", "@@version"]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn transaction_options_follow_session_variables() {
    use sql::sysvar::{SessionVars, VarScope};
    let mut vars = SessionVars::new(GlobalVars::new(&[]));
    let o = txn::txn_options(&vars, false);
    assert_eq!(o.mode, kv::TxnMode::Pessimistic);
    assert_eq!(o.lock_wait_timeout, std::time::Duration::from_secs(50));
    vars.set("tidb_txn_mode", VarScope::Session, &Value::String("optimistic".into())).expect("set");
    vars.set("innodb_lock_wait_timeout", VarScope::Session, &Value::Int(3)).expect("set");
    vars.set("transaction_read_only", VarScope::Session, &Value::Int(1)).expect("set");
    let o = txn::txn_options(&vars, false);
    assert_eq!(o.mode, kv::TxnMode::Optimistic);
    assert_eq!(o.lock_wait_timeout, std::time::Duration::from_secs(3));
    assert!(o.read_only);
}

fn texts(r: &Result<ExecResult>) -> Vec<String> {
    rows(r)
        .into_iter()
        .map(|row| row.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("|"))
        .collect()
}

#[test]
fn accounts_and_grants_live_in_the_grant_tables() {
    let mut s = session();
    assert_eq!(
        texts(&one(&mut s, "SHOW GRANTS")),
        vec!["GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION"]
    );
    one(&mut s, "CREATE USER 'app'@'%' IDENTIFIED BY 'pw'").expect("create");
    let dup = one(&mut s, "CREATE USER 'app'@'%'").expect_err("exists");
    assert_eq!(
        (dup.code, dup.message.as_str()),
        (1396, "Operation CREATE USER failed for 'app'@'%'")
    );
    one(&mut s, "CREATE USER IF NOT EXISTS app").expect("if not exists");
    assert_eq!(s.warning_count(), 1);
    one(&mut s, "CREATE TABLE t (a INT, b INT)").expect("table");
    one(&mut s, "GRANT SELECT, INSERT ON test.* TO app").expect("grant db");
    one(&mut s, "GRANT UPDATE (b) ON test.t TO app").expect("grant column");
    one(&mut s, "GRANT SYSTEM_VARIABLES_ADMIN ON *.* TO app").expect("grant dynamic");
    assert_eq!(
        texts(&one(&mut s, "SHOW GRANTS FOR app")),
        vec![
            "GRANT USAGE ON *.* TO 'app'@'%'",
            "GRANT SELECT,INSERT ON `test`.* TO 'app'@'%'",
            "GRANT UPDATE(b) ON `test`.`t` TO 'app'@'%'",
            "GRANT SYSTEM_VARIABLES_ADMIN ON *.* TO 'app'@'%'",
        ]
    );
    assert_eq!(
        texts(&one(
            &mut s,
            "SELECT User, Host, plugin, authentication_string FROM mysql.user WHERE User = 'app'"
        )),
        vec!["app|%|mysql_native_password|*D821809F681A40A6E379B50D0463EFAE20BDD122"]
    );
    one(&mut s, "REVOKE INSERT ON test.* FROM app").expect("revoke");
    assert_eq!(
        texts(&one(&mut s, "SHOW GRANTS FOR app"))[1],
        "GRANT SELECT ON `test`.* TO 'app'@'%'"
    );
    let e = one(&mut s, "REVOKE SELECT ON other.* FROM app").expect_err("no grant");
    assert_eq!(e.code, 1141);
    let e = one(&mut s, "GRANT SUPER ON test.* TO app").expect_err("global only");
    assert_eq!(e.code, 1144);
    let e = one(&mut s, "GRANT SELECT ON test.* TO nobody").expect_err("no user");
    assert_eq!(e.code, 1410);
    one(&mut s, "CREATE ROLE r").expect("role");
    one(&mut s, "GRANT DELETE ON test.* TO r").expect("grant role privs");
    one(&mut s, "GRANT r TO app").expect("grant role");
    assert_eq!(
        texts(&one(&mut s, "SHOW GRANTS FOR app")).last().map(String::as_str),
        Some("GRANT 'r'@'%' TO 'app'@'%'")
    );
    assert!(texts(&one(&mut s, "SHOW GRANTS FOR app USING r"))[1].contains("DELETE"));
    one(&mut s, "RENAME USER app TO app2").expect("rename");
    assert_eq!(texts(&one(&mut s, "SHOW GRANTS FOR app2")).len(), 5);
    one(&mut s, "DROP USER app2, r").expect("drop");
    assert_eq!(texts(&one(&mut s, "SELECT COUNT(*) FROM mysql.db")), vec!["0"]);
    let e = one(&mut s, "DROP USER app2").expect_err("gone");
    assert_eq!(e.code, 1396);
}
