"""ANALYZE TABLE, auto-analyze, and the statements that show statistics, as TiDB shows them."""

import datetime
import time


def test_analyze_and_show_stats(server):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        # Auto-analyze would race this test's "no statistics yet" check.
        cur.execute("SET GLOBAL tidb_enable_auto_analyze = OFF")
        try:
            check_analyze_and_show_stats(cur)
        finally:
            cur.execute("SET GLOBAL tidb_enable_auto_analyze = ON")


def check_analyze_and_show_stats(cur):
    cur.execute("DROP TABLE IF EXISTS stats_t")
    cur.execute("CREATE TABLE stats_t (id INT PRIMARY KEY, g INT, s VARCHAR(10), KEY kg (g))")
    values = ",".join(f"({i}, {i % 10 if i % 7 else 'NULL'}, 'v{i % 3}')" for i in range(1, 1001))
    cur.execute(f"INSERT INTO stats_t VALUES {values}")
    cur.execute("SHOW STATS_META LIKE 'stats_t'")
    assert cur.fetchall() == ()
    before = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(seconds=1)
    cur.execute("ANALYZE TABLE stats_t")
    cur.execute("SHOW STATS_META LIKE 'stats_t'")
    [(db, table, part, updated, modified, rows)] = cur.fetchall()
    assert (db, table, part, modified, rows) == ("test", "stats_t", "", 0, 1000)
    assert isinstance(updated, datetime.datetime) and updated >= before
    cur.execute("SHOW STATS_HISTOGRAMS LIKE 'stats_t'")
    names = [d[0] for d in cur.description]
    assert names[:9] == ["Db_name", "Table_name", "Partition_name", "Column_name", "Is_index",
                         "Update_time", "Distinct_count", "Null_count", "Avg_col_size"]
    by_col = {r[3]: r for r in cur.fetchall()}
    assert by_col["id"][6] == 1000 and by_col["id"][7] == 0
    assert by_col["g"][6] == 10 and by_col["g"][7] == 142
    assert by_col["s"][6] == 3 and by_col["s"][7] == 0
    cur.execute("SHOW STATS_META")
    assert any(r[1] == "stats_t" for r in cur.fetchall())
    cur.execute("EXPLAIN SELECT * FROM stats_t")
    scan = cur.fetchall()[-1]
    assert scan[1] == "1000.00" and "stats:pseudo" not in scan[4]
    cur.execute("DROP TABLE stats_t")
    cur.execute("SHOW STATS_META LIKE 'stats_t'")
    assert cur.fetchall() == ()


def test_auto_analyze_runs_in_the_background(tmp_server):
    s = tmp_server()
    with s.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("CREATE TABLE auto_t (id INT PRIMARY KEY, g INT)")
        values = ",".join(f"({i}, {i % 7})" for i in range(1500))
        cur.execute(f"INSERT INTO auto_t VALUES {values}")
        # The server looks every 3 s (TiDB's stats lease); a new table with 1 000 changed
        # rows is analyzed on the next look.
        deadline = time.time() + 30
        rows = ()
        while time.time() < deadline and not rows:
            time.sleep(0.5)
            cur.execute("SHOW STATS_META LIKE 'auto_t'")
            rows = cur.fetchall()
        assert rows, "auto-analyze did not run"
        [(db, table, _, _, modified, count)] = rows
        assert (db, table, modified, count) == ("test", "auto_t", 0, 1500)
        cur.execute("UPDATE auto_t SET g = g + 1 WHERE id < 100")
        cur.execute("SHOW STATS_META LIKE 'auto_t'")
        assert cur.fetchall()[0][4] == 100
