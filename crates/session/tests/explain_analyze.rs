//! EXPLAIN ANALYZE runs the plan it prints: each operator's actRows is what that operator
//! returned — for set operations and WITH too (times vary, so these checks live here rather
//! than in an `.slt` golden).

mod common;

use session::Session;
use sql::ExecResult;
use types::Value;

fn setup() -> Session {
    let mgr = common::manager();
    let mut s = mgr.new_session("root", "127.0.0.1", 1);
    for sql in [
        "CREATE DATABASE ea",
        "USE ea",
        "CREATE TABLE t (id INT PRIMARY KEY, g INT)",
        "INSERT INTO t VALUES (1, 1), (2, 1), (3, 2), (4, 2), (5, 3)",
    ] {
        run(&mut s, sql);
    }
    s
}

fn run(s: &mut Session, sql: &str) -> ExecResult {
    let result = s.execute_text(sql, false).pop().expect("one result");
    result.map_err(|e| format!("{sql}: {e:?}")).expect("statement runs")
}

/// (operator name without its id, actRows) per EXPLAIN ANALYZE row, top first.
fn analyzed(s: &mut Session, sql: &str) -> Vec<(String, u64)> {
    let ExecResult::Rows(rs) = run(s, &format!("EXPLAIN ANALYZE {sql}")) else {
        return Vec::new();
    };
    rs.rows
        .iter()
        .map(|r| {
            let text = |v: &Value| match v {
                Value::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
            let id = text(&r[0]);
            let name = id.trim_start_matches(['└', '├', '─', '│', ' ']);
            let name = name.rsplit_once('_').map_or(name, |(n, _)| n).to_string();
            (name, text(&r[2]).parse().expect("actRows is a count"))
        })
        .collect()
}

#[test]
fn union_counts_each_side_and_the_deduplicated_result() {
    let mut s = setup();
    let rows = analyzed(&mut s, "SELECT g FROM t WHERE id <= 3 UNION SELECT g FROM t WHERE id > 2");
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..2], ["HashAgg", "Union"]);
    assert_eq!(rows[0].1, 3, "distinct g values");
    assert_eq!(rows[1].1, 6, "3 + 3 rows from the sides");
}

#[test]
fn intersect_and_except_count_what_they_keep() {
    let mut s = setup();
    let rows = analyzed(&mut s, "SELECT g FROM t INTERSECT SELECT g FROM t WHERE id > 3");
    assert_eq!(rows[0], ("Intersect".to_string(), 2));
    let rows = analyzed(&mut s, "SELECT g FROM t EXCEPT ALL SELECT g FROM t WHERE id > 3");
    assert_eq!(rows[0], ("Except".to_string(), 3));
}

#[test]
fn with_runs_inside_its_scope() {
    let mut s = setup();
    let sql = "WITH c AS (SELECT g FROM t WHERE id > 1) \
               SELECT COUNT(*) FROM t WHERE g IN (SELECT g FROM c)";
    let rows = analyzed(&mut s, sql);
    assert_eq!(rows[0].1, 1);
    assert!(rows.iter().any(|(n, r)| n == "Selection" && *r == 5), "{rows:?}");
}

#[test]
fn union_all_under_order_and_limit_is_a_top_n() {
    let mut s = setup();
    let rows =
        analyzed(&mut s, "SELECT id FROM t UNION ALL SELECT g FROM t ORDER BY 1 DESC LIMIT 3");
    assert_eq!(rows[0], ("TopN".to_string(), 3));
    assert_eq!(rows[1], ("Union".to_string(), 10));
}
