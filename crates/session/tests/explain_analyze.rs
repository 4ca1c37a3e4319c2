//! EXPLAIN ANALYZE runs the plan it prints: each operator's actRows is what that operator
//! returned — for set operations and WITH too (times vary, so these checks live here rather
//! than in an `.slt` golden).

mod common;

use session::Session;
use sql::ExecResult;
use types::Value;

fn setup() -> (common::TestDb, Session) {
    let db = common::db();
    let mut s = db.session(1);
    for sql in [
        "CREATE DATABASE ea",
        "USE ea",
        "CREATE TABLE t (id INT PRIMARY KEY, g INT)",
        "INSERT INTO t VALUES (1, 1), (2, 1), (3, 2), (4, 2), (5, 3)",
    ] {
        run(&mut s, sql);
    }
    (db, s)
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
    let (_db, mut s) = setup();
    let rows = analyzed(&mut s, "SELECT g FROM t WHERE id <= 3 UNION SELECT g FROM t WHERE id > 2");
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..2], ["HashAgg", "Union"]);
    assert_eq!(rows[0].1, 3, "distinct g values");
    assert_eq!(rows[1].1, 6, "3 + 3 rows from the sides");
}

#[test]
fn intersect_and_except_count_what_they_keep() {
    let (_db, mut s) = setup();
    let rows = analyzed(&mut s, "SELECT g FROM t INTERSECT SELECT g FROM t WHERE id > 3");
    assert_eq!(rows[0], ("Intersect".to_string(), 2));
    let rows = analyzed(&mut s, "SELECT g FROM t EXCEPT ALL SELECT g FROM t WHERE id > 3");
    assert_eq!(rows[0], ("Except".to_string(), 3));
}

#[test]
fn with_runs_inside_its_scope() {
    let (_db, mut s) = setup();
    let sql = "WITH c AS (SELECT g FROM t WHERE id > 1) \
               SELECT COUNT(*) FROM t WHERE g IN (SELECT g FROM c)";
    let rows = analyzed(&mut s, sql);
    assert_eq!(rows[0].1, 1);
    assert!(rows.iter().any(|(n, r)| n == "Selection" && *r == 5), "{rows:?}");
}

#[test]
fn union_all_under_order_and_limit_is_a_top_n() {
    let (_db, mut s) = setup();
    let rows =
        analyzed(&mut s, "SELECT id FROM t UNION ALL SELECT g FROM t ORDER BY 1 DESC LIMIT 3");
    assert_eq!(rows[0], ("TopN".to_string(), 3));
    assert_eq!(rows[1], ("Union".to_string(), 10));
}

/// Fills `table` with 3 125 rows: `t` crossed with itself five times (`a` … `e`), an id made
/// of the five ids, then `columns` (over `a` … `e`).
fn fill(s: &mut Session, table: &str, columns: &str) {
    let id = "a.id * 10000 + b.id * 1000 + c.id * 100 + d.id * 10 + e.id";
    run(s, &format!("INSERT INTO {table} SELECT {id}, {columns} FROM t a, t b, t c, t d, t e"));
}

/// The root row's `disk` column: bytes the statement spilled.
fn spilled_bytes(s: &mut Session, sql: &str) -> u64 {
    let ExecResult::Rows(rs) = run(s, &format!("EXPLAIN ANALYZE {sql}")) else { return 0 };
    let disk = match rs.rows.first().and_then(|r| r.get(8)) {
        Some(Value::String(d)) => d.clone(),
        _ => String::new(),
    };
    disk.trim_end_matches(" Bytes").parse().expect("a byte count")
}

#[test]
fn a_hash_join_past_the_quota_spills_its_build_side() {
    let (_db, mut s) = setup();
    run(&mut s, "CREATE TABLE w (id INT PRIMARY KEY, s VARCHAR(200), g INT)");
    fill(&mut s, "w", "CONCAT(a.id, b.id, c.id, d.id, e.id, REPEAT('x', 150)), a.g");
    let join = "SELECT COUNT(*), SUM(a.id - b.id), COUNT(DISTINCT b.g) \
                FROM w a JOIN w b ON a.s = b.s";
    let count = |s: &mut Session| match run(s, join) {
        ExecResult::Rows(rs) => rs.rows[0].clone(),
        _ => Vec::new(),
    };
    let in_memory = count(&mut s);
    assert_eq!(in_memory[0], Value::Int(3125));
    assert_eq!(spilled_bytes(&mut s, join), 0, "room to spare: nothing spilled");
    // ~780 000 bytes of rows to build from, under a 600 000-byte quota.
    run(&mut s, "SET tidb_mem_quota_query = 600000");
    assert!(spilled_bytes(&mut s, join) > 780_000, "the build and probe rows went to disk");
    assert_eq!(count(&mut s), in_memory);
    run(&mut s, "SET GLOBAL tidb_enable_tmp_storage_on_oom = OFF");
    let err = s.execute_text(join, false).pop().expect("one result").expect_err("over quota");
    run(&mut s, "SET GLOBAL tidb_enable_tmp_storage_on_oom = ON");
    assert_eq!(err.code, 8175);
}

#[test]
fn parallel_scan_workers_apply_the_filter_above_them() {
    let (_db, mut s) = setup();
    run(&mut s, "CREATE TABLE big (id INT PRIMARY KEY, v INT)");
    fill(&mut s, "big", "a.g + b.g");
    let rows = analyzed(&mut s, "SELECT COUNT(*) FROM big WHERE v = 6");
    let scan = rows.iter().find(|(n, _)| n == "TableFullScan").map(|(_, r)| *r);
    let filtered = rows.iter().find(|(n, _)| n == "Selection").map(|(_, r)| *r);
    assert_eq!(filtered, Some(125), "{rows:?}");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores >= 2 {
        // The first pages are read serially and filtered above; past them, workers send only
        // the rows the filter keeps.
        assert!(scan.is_some_and(|n| n < 3125 / 2), "{rows:?}");
    }
}

#[test]
fn dml_runs_and_shows_the_rows_its_operators_read() {
    let (_db, mut s) = setup();
    let count = |s: &mut Session, sql: &str| match run(s, sql) {
        ExecResult::Rows(rs) => rs.rows[0][0].clone(),
        _ => Value::Null,
    };
    let rows = analyzed(&mut s, "UPDATE t SET g = g + 10 WHERE g = 2");
    assert_eq!(rows[0], ("Update".to_string(), 0), "{rows:?}");
    assert!(rows.iter().any(|(n, r)| n == "Selection" && *r == 2), "{rows:?}");
    assert!(rows.iter().any(|(n, r)| n == "TableFullScan" && *r == 5), "{rows:?}");
    // The statement ran: its change is there.
    assert_eq!(count(&mut s, "SELECT COUNT(*) FROM t WHERE g = 12"), Value::Int(2));
    let rows = analyzed(&mut s, "DELETE FROM t WHERE id IN (1, 5)");
    // The rows named by key are locked and read in one step.
    assert_eq!(rows[0].0, "Delete");
    assert_eq!(rows.last(), Some(&("Batch_Point_Get".to_string(), 2)), "{rows:?}");
    assert_eq!(count(&mut s, "SELECT COUNT(*) FROM t"), Value::Int(3));
    let rows = analyzed(&mut s, "INSERT INTO t SELECT id + 100, g FROM t WHERE g > 10");
    assert_eq!(rows[0].0, "Insert");
    assert!(rows.iter().any(|(n, r)| n == "Selection" && *r == 2), "{rows:?}");
    assert_eq!(count(&mut s, "SELECT COUNT(*) FROM t"), Value::Int(5));
    let rows = analyzed(&mut s, "INSERT INTO t VALUES (50, 5)");
    assert_eq!(rows, vec![("Insert".to_string(), 0)]);
    // Inside a transaction its changes roll back with it.
    run(&mut s, "BEGIN");
    analyzed(&mut s, "DELETE FROM t");
    assert_eq!(count(&mut s, "SELECT COUNT(*) FROM t"), Value::Int(0));
    run(&mut s, "ROLLBACK");
    assert_eq!(count(&mut s, "SELECT COUNT(*) FROM t"), Value::Int(6));
}

#[test]
fn each_join_step_counts_its_own_rows() {
    let (_db, mut s) = setup();
    run(&mut s, "CREATE TABLE o (id INT PRIMARY KEY, t_id INT, KEY kt (t_id))");
    run(&mut s, "INSERT INTO o VALUES (1, 1), (2, 1), (3, 2), (4, 5), (5, 9), (6, 4)");
    run(&mut s, "CREATE TABLE h (g INT, label VARCHAR(5))");
    run(&mut s, "INSERT INTO h VALUES (1, 'a'), (2, 'b'), (2, 'bb')");
    let sql = "SELECT o.id, h.label FROM t JOIN o ON o.t_id = t.id JOIN h ON h.g = t.g \
               WHERE t.id < 5";
    // Plan: (t filtered, hashed with h by g) then o looked up by t_id.
    let rows = analyzed(&mut s, sql);
    let expected: Vec<(String, u64)> = [
        ("Projection", 5),
        ("IndexJoin", 5), // 2 + 1 + 2: t.id 1 (g 1, 2 o rows), 2 (1 o row), 4 (g 2: b, bb)
        ("HashJoin", 6),  // t rows 1, 2 with 'a'; 3, 4 with 'b' and 'bb'
        ("TableFullScan", 3), // h, read once
        ("Selection", 4), // t.id < 5
        ("TableReader", 4),
        ("TableRangeScan", 4),
        ("IndexLookUp", 4), // o rows found for t.id 1, 2, 3, 4: 2 + 1 + 0 + 1
        ("IndexRangeScan", 4),
        ("TableRowIDScan", 4),
    ]
    .into_iter()
    .map(|(n, r)| (n.to_string(), r))
    .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_correlated_subquery_counts_every_run_under_its_apply() {
    let (_db, mut s) = setup();
    run(&mut s, "CREATE TABLE u (id INT PRIMARY KEY, g INT)");
    run(&mut s, "INSERT INTO u VALUES (1, 1), (2, 1), (3, 2), (4, 3), (5, 3), (6, 3)");
    // g takes 3 distinct values over t's 5 rows: the subquery runs 3 times (once per key),
    // and its COUNT returns one row each run.
    let sql = "SELECT id, (SELECT COUNT(*) FROM u WHERE u.g = t.g AND u.id > 1) FROM t";
    let rows = analyzed(&mut s, sql);
    let apply = rows.iter().position(|(n, _)| n == "Apply").expect("an Apply row");
    assert_eq!(rows[apply].1, 3, "{rows:?}");
    // Its operators add up over the runs: the filter passed 1 + 1 + 3 rows (g = 1, 2, 3).
    let filtered = rows[apply..].iter().find(|(n, _)| n == "Selection").map(|(_, r)| *r);
    assert_eq!(filtered, Some(5), "{rows:?}");
    let aggregated = rows[apply..].iter().find(|(n, _)| n == "HashAgg").map(|(_, r)| *r);
    assert_eq!(aggregated, Some(3), "{rows:?}");
}

#[test]
fn a_multi_table_update_shows_its_join() {
    let (_db, mut s) = setup();
    run(&mut s, "CREATE TABLE r (g INT PRIMARY KEY, rate INT)");
    run(&mut s, "INSERT INTO r VALUES (1, 10), (3, 30)");
    let rows = analyzed(&mut s, "UPDATE t JOIN r ON t.g = r.g SET t.g = t.g + r.rate");
    assert_eq!(rows[0].0, "Update", "{rows:?}");
    // t's rows with g 1 (2 rows) and 3 (1 row) joined.
    assert!(rows.iter().any(|(n, r)| n.ends_with("Join") && *r == 3), "{rows:?}");
    let ExecResult::Rows(rs) = run(&mut s, "SELECT COUNT(*) FROM t WHERE g > 10") else {
        panic!("rows expected")
    };
    assert_eq!(rs.rows[0][0], Value::Int(3));
}
