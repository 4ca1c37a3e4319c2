//! Auto-analyze (`sql::auto_analyze`, run by `SessionManager::start_auto_analyze` every few
//! seconds): which tables it analyzes, counted from committed changes only.

mod common;

use session::{Session, SessionManager};
use sql::ExecResult;
use types::Value;

fn setup() -> (common::TestDb, Session) {
    let db = common::db();
    let mut s = db.session(1);
    run(&mut s, "CREATE DATABASE aa");
    run(&mut s, "USE aa");
    run(&mut s, "CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    (db, s)
}

fn run(s: &mut Session, sql: &str) -> ExecResult {
    let result = s.execute_text(sql, false).pop().expect("one result");
    result.map_err(|e| format!("{sql}: {e:?}")).expect("statement runs")
}

/// (modify_count, row_count) from SHOW STATS_META for table t, if it has statistics.
fn meta(s: &mut Session) -> Option<(u64, u64)> {
    let ExecResult::Rows(rs) = run(s, "SHOW STATS_META") else { return None };
    let row = rs.rows.iter().find(|r| r[1] == Value::String("t".into()))?;
    let n = |v: &Value| match v {
        Value::UInt(n) => *n,
        Value::Int(n) => *n as u64,
        _ => u64::MAX,
    };
    Some((n(&row[4]), n(&row[5])))
}

fn insert(s: &mut Session, from: i64, to: i64) {
    let values: Vec<String> = (from..to).map(|i| format!("({i}, {i})")).collect();
    run(s, &format!("INSERT INTO t VALUES {}", values.join(", ")));
}

fn analyzed(mgr: &SessionManager) -> Vec<String> {
    sql::auto_analyze(mgr.catalog(), mgr.globals())
        .into_iter()
        .map(|r| r.expect("analyze"))
        .collect()
}

#[test]
fn a_new_table_is_analyzed_once_a_thousand_rows_changed() {
    let (db, mut s) = setup();
    let mgr = &db.manager;
    insert(&mut s, 0, 999);
    assert!(analyzed(mgr).is_empty());
    assert_eq!(meta(&mut s), None);
    insert(&mut s, 999, 1000);
    assert_eq!(analyzed(mgr), vec!["aa.t".to_string()]);
    assert_eq!(meta(&mut s), Some((0, 1000)));
    assert!(analyzed(mgr).is_empty(), "nothing changed since");
}

#[test]
fn an_analyzed_table_is_analyzed_again_past_the_ratio() {
    let (db, mut s) = setup();
    let mgr = &db.manager;
    insert(&mut s, 0, 1000);
    analyzed(mgr);
    run(&mut s, "UPDATE t SET v = v + 1 WHERE id < 500");
    assert!(analyzed(mgr).is_empty(), "500 of 1000 is not past 0.5");
    assert_eq!(meta(&mut s), Some((500, 1000)));
    run(&mut s, "DELETE FROM t WHERE id = 999");
    assert_eq!(analyzed(mgr), vec!["aa.t".to_string()]);
    assert_eq!(meta(&mut s), Some((0, 999)));
}

#[test]
fn rolled_back_changes_do_not_count_and_the_switch_turns_it_off() {
    let (db, mut s) = setup();
    let mgr = &db.manager;
    run(&mut s, "BEGIN");
    insert(&mut s, 0, 2000);
    run(&mut s, "ROLLBACK");
    assert!(analyzed(mgr).is_empty());
    run(&mut s, "SET GLOBAL tidb_enable_auto_analyze = OFF");
    insert(&mut s, 0, 2000);
    assert!(analyzed(mgr).is_empty());
    run(&mut s, "SET GLOBAL tidb_auto_analyze_ratio = 0.9");
    run(&mut s, "SET GLOBAL tidb_enable_auto_analyze = ON");
    assert_eq!(analyzed(mgr), vec!["aa.t".to_string()]);
}
