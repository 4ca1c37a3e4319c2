"""No statement takes the server down: deep expressions, runaway joins, sorts and groupings,
and statements stopped by KILL or max_execution_time. The server keeps serving every time."""

import shutil
import threading
import time

import pymysql
import pytest

SLOW = "SELECT COUNT(*) FROM lim x, lim y, lim z WHERE x.v + y.v + z.v = -1"


def setup_table(c, name="lim", rows=200):
    with c.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TABLE {name} (id INT PRIMARY KEY, v INT, s VARCHAR(64))")
        values = ",".join(f"({i}, {i % 97}, REPEAT('x', 60))" for i in range(rows))
        cur.execute(f"INSERT INTO {name} VALUES {values}")


def error_code(c, sql):
    with c.cursor() as cur:
        try:
            cur.execute(sql)
            cur.fetchall()
        except pymysql.err.MySQLError as e:
            return e.args[0]
    return None


def test_long_and_deep_expressions(server):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        setup_table(c, "chain", rows=50)
        cur.execute("SELECT " + "+".join(["1"] * 100_000))
        assert cur.fetchone()[0] == 100_000
        # What an ORM sends for a batch of composite keys: (id = i AND v = i) OR …
        terms = " OR ".join(f"(id = {i} AND v = {i % 97})" for i in range(100_000))
        cur.execute(f"SELECT id FROM chain WHERE {terms} ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == list(range(50))
        # A row IN list (SQLAlchemy's tuple_(a, b).in_(…)) of as many pairs.
        pairs = ",".join(f"({i}, {i % 97})" for i in range(100_000))
        cur.execute(f"SELECT id FROM chain WHERE (id, v) IN ({pairs}) ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == list(range(50))
        cur.execute(f"SELECT COUNT(*) FROM chain WHERE (id, v) NOT IN ({pairs})")
        assert cur.fetchone()[0] == 0
        cur.execute("EXPLAIN SELECT id FROM chain WHERE " + " OR ".join(f"id = {i}" for i in range(5000)))
        assert "or(" in cur.fetchall()[1][4]
        cur.execute("UPDATE chain SET s = 'y' WHERE " + " OR ".join(f"id = {i}" for i in range(0, 20_000, 2)))
        assert cur.rowcount == 25
        assert error_code(c, "SELECT " + "+".join(["1"] * 400_000)) == 1436
        assert error_code(c, "SELECT " + "(" * 10_001 + "1" + ")" * 10_001) == 1064
        cur.execute("SELECT " + "(" * 30 + "1" + ")" * 30)
        assert cur.fetchone()[0] == 1
    with server.connect() as c2, c2.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1


def test_kill_query_and_connection(server):
    with server.connect(autocommit=True) as victim, server.connect(autocommit=True) as killer:
        setup_table(victim)
        vc, kc = victim.cursor(), killer.cursor()
        vc.execute("SELECT CONNECTION_ID()")
        vid = vc.fetchone()[0]
        seen = {}

        def run():
            try:
                vc.execute(SLOW)
                seen["rows"] = vc.fetchall()
            except pymysql.err.MySQLError as e:
                seen["code"] = e.args[0]

        t = threading.Thread(target=run)
        t.start()
        time.sleep(0.5)
        kc.execute(f"KILL QUERY {vid}")
        t.join(30)
        assert seen.get("code") == 1317, seen
        vc.execute("SELECT 1")  # the connection goes on
        assert vc.fetchone()[0] == 1
        # TiDB's spelling, on an idle connection: nothing to stop, the next statement runs.
        kc.execute(f"KILL TIDB QUERY {vid}")
        vc.execute("SELECT 2")
        assert vc.fetchone()[0] == 2
        assert error_code(killer, "KILL 987654") == 1094
        # An account without SUPER or CONNECTION_ADMIN may not stop another user's statement.
        kc.execute("CREATE USER IF NOT EXISTS plain_killer IDENTIFIED BY 'pw'")
        with server.connect(user="plain_killer", password="pw", database=None) as other:
            assert error_code(other, f"KILL QUERY {vid}") == 1095
        kc.execute(f"KILL CONNECTION {vid}")
        with pytest.raises(pymysql.err.OperationalError):
            vc.execute("SELECT 1")
        assert error_code(killer, f"KILL {vid}") == 1094


def test_max_execution_time(server):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        setup_table(c)
        cur.execute("SET max_execution_time = 200")
        started = time.time()
        assert error_code(c, SLOW) == 3024
        assert time.time() - started < 10
        cur.execute("SET max_execution_time = 0")
        assert error_code(c, "SELECT /*+ MAX_EXECUTION_TIME(200) */ " + SLOW[len("SELECT "):]) == 3024
        cur.execute("SELECT /*+ MAX_EXECUTION_TIME(100000) */ COUNT(*) FROM lim")
        assert cur.fetchone()[0] == 200


def test_explain_analyze_runs_the_plan(server):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        setup_table(c)
        cur.execute("EXPLAIN ANALYZE SELECT v, COUNT(*) FROM lim WHERE id < 50 GROUP BY v ORDER BY v LIMIT 3")
        names = [d[0] for d in cur.description]
        assert names == ["id", "estRows", "actRows", "task", "access object", "execution info",
                         "operator info", "memory", "disk"]
        rows = cur.fetchall()
        assert [r[0].strip("└─ ") for r in rows][:3] == ["Projection_1", "TopN_2", "HashAgg_3"]
        act = {r[0].strip("└─ ").split("_")[0]: int(r[2]) for r in rows}
        assert act["Projection"] == 3 and act["HashAgg"] == 50 and act["Selection"] == 50
        assert all(r[5].startswith("time:") for r in rows)


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="prlimit not installed")
def test_runaway_statements_under_an_address_space_limit(tmp_server):
    """Under a 4 GiB address-space limit, a runaway cross join, a huge sort and a huge GROUP BY
    each finish, fail with 8175, or (the join, which streams and holds little) run into
    max_execution_time, and the server serves other connections throughout."""
    s = tmp_server(wrapper=("prlimit", "--as=4294967296", "--"))
    with s.connect(autocommit=True) as c, c.cursor() as cur:
        setup_table(c, "big", rows=1000)
        cur.execute("SET max_execution_time = 15000")
        for sql in [
            "SELECT COUNT(*) FROM big a, big b, big c WHERE a.v + b.v + c.v < 0",
            "SELECT a.id FROM big a, big b, big c ORDER BY a.s, b.v DESC, c.id LIMIT 10, 20",
            "SELECT a.id, b.id FROM big a, big b ORDER BY a.s, b.v DESC, a.id, b.id LIMIT 5",
            "SELECT DISTINCT a.id, b.id, c.id FROM big a, big b, big c",
            "SELECT a.id, b.id, COUNT(*) FROM big a, big b GROUP BY a.id, b.id ORDER BY 3 LIMIT 1",
        ]:
            try:
                cur.execute(sql)
                cur.fetchall()
            except pymysql.err.MySQLError as e:
                assert e.args[0] in (8175, 3024), (sql, e)
            with s.connect() as other, other.cursor() as ocur:
                ocur.execute("SELECT COUNT(*) FROM big")
                assert ocur.fetchone()[0] == 1000
    assert s.proc.poll() is None, s.log()


def test_results_stream_instead_of_being_held(server):
    """A plain SELECT sends its rows while the scan runs: a result far larger than the memory
    quota arrives whole. A sort of the same rows must hold them: it spills sorted runs under
    the data directory and merges them, or with spilling off fails with 8175."""
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        setup_table(c, "wide", rows=5000)
        cur.execute("SET tidb_mem_quota_query = 200000")
        cur.execute("SELECT id, s FROM wide")
        rows = cur.fetchall()
        assert len(rows) == 5000 and rows[-1] == (4999, "x" * 60)
        cur.execute("SELECT id FROM wide ORDER BY v DESC, id")
        got = [r[0] for r in cur.fetchall()]
        assert got == sorted(range(5000), key=lambda i: (-(i % 97), i))
        assert (server.data_dir / "tmp").is_dir()
        cur.execute("EXPLAIN ANALYZE SELECT id FROM wide ORDER BY v DESC, id")
        root = cur.fetchall()[0]
        assert root[8] != "0 Bytes", root  # disk
        cur.execute("SET GLOBAL tidb_enable_tmp_storage_on_oom = OFF")
        try:
            assert error_code(c, "SELECT id, s FROM wide ORDER BY s, id DESC") == 8175
        finally:
            cur.execute("SET GLOBAL tidb_enable_tmp_storage_on_oom = ON")
        cur.execute("SELECT id FROM wide ORDER BY id LIMIT 2")
        assert cur.fetchall() == ((0,), (1,))


def test_server_memory_limit_cancels_the_largest_statement(tmp_server):
    """Past tidb_server_memory_limit, the statement holding the most memory fails with 8176;
    the others, and the server, go on."""
    s = tmp_server()
    with s.connect(autocommit=True) as c, c.cursor() as cur:
        setup_table(c, "mem", rows=1000)
        cur.execute("SELECT @@global.tidb_server_memory_limit")
        assert cur.fetchone()[0] == "80%"
        cur.execute("SET GLOBAL tidb_server_memory_limit = '8MB'")
        cur.execute("SET GLOBAL tidb_enable_tmp_storage_on_oom = OFF")
        assert error_code(c, "SELECT a.id, b.id FROM mem a, mem b ORDER BY a.s, b.v, a.id, b.id") == 8176
        cur.execute("SELECT COUNT(*) FROM mem")
        assert cur.fetchone()[0] == 1000
        cur.execute("SET GLOBAL tidb_server_memory_limit = '80%'")
        cur.execute("SELECT a.id FROM mem a, mem b ORDER BY a.s, b.v, a.id, b.id LIMIT 1")
        assert cur.fetchone()[0] == 0
