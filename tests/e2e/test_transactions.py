"""Transactions through SQL: atomic statements, isolation, pessimistic locks, optimistic
conflicts, and durability across a SIGKILL."""

import signal
import threading
import time

import pymysql
import pytest


@pytest.fixture
def table(server):
    name = f"t_{threading.get_ident()}_{time.monotonic_ns()}"
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id INT PRIMARY KEY, n INT NOT NULL, tag VARCHAR(10) UNIQUE)")
        cur.execute(f"INSERT INTO {name} VALUES (1, 0, 'a'), (2, 0, 'b')")
    yield name
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")


def rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_failed_statement_leaves_no_trace(server, table):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        with pytest.raises(pymysql.err.IntegrityError) as e:
            cur.execute(f"INSERT INTO {table} VALUES (3, 0, 'c'), (4, 0, 'a')")
        assert e.value.args[0] == 1062
        assert e.value.args[1] == f"Duplicate entry 'a' for key '{table}.tag'"
        assert rows(c, f"SELECT id FROM {table} ORDER BY id") == ((1,), (2,))
        with pytest.raises(pymysql.err.IntegrityError) as e:
            cur.execute(f"INSERT INTO {table} VALUES (2, 0, 'z')")
        assert e.value.args[1] == f"Duplicate entry '2' for key '{table}.PRIMARY'"


def test_rollback_and_no_dirty_reads(server, table):
    a = server.connect(autocommit=False)
    b = server.connect(autocommit=True)
    with a, b:
        with a.cursor() as cur:
            cur.execute(f"UPDATE {table} SET n = 5 WHERE id = 1")
            assert cur.rowcount == 1
        assert rows(b, f"SELECT n FROM {table} WHERE id = 1") == ((0,),), "uncommitted write seen"
        a.rollback()
        assert rows(a, f"SELECT n FROM {table} WHERE id = 1") == ((0,),)
        with a.cursor() as cur:
            cur.execute(f"UPDATE {table} SET n = 6 WHERE id = 1")
        a.commit()
        assert rows(b, f"SELECT n FROM {table} WHERE id = 1") == ((6,),)


def test_repeatable_read_inside_a_transaction(server, table):
    a = server.connect(autocommit=False)
    b = server.connect(autocommit=True)
    with a, b:
        a.begin()
        assert rows(a, f"SELECT n FROM {table} WHERE id = 2") == ((0,),)
        with b.cursor() as cur:
            cur.execute(f"UPDATE {table} SET n = 9 WHERE id = 2")
            cur.execute(f"INSERT INTO {table} VALUES (3, 0, 'c')")
        assert rows(a, f"SELECT n FROM {table} WHERE id = 2") == ((0,),)
        assert rows(a, f"SELECT count(*) FROM {table}") == ((2,),)
        a.commit()
        assert rows(a, f"SELECT n FROM {table} WHERE id = 2") == ((9,),)


def test_dml_by_key_matches_the_newest_committed_row(server, table):
    """UPDATE and DELETE lock and read the newest committed version (a current read), as MySQL
    and TiDB's pessimistic mode do: a row another transaction changed after this one's snapshot
    is matched by its new values, not its snapshot ones."""
    a = server.connect(autocommit=False)
    b = server.connect(autocommit=True)
    with a, b:
        a.begin()
        assert rows(a, f"SELECT n FROM {table} WHERE id = 1") == ((0,),)
        with b.cursor() as cur:
            cur.execute(f"UPDATE {table} SET n = 10 WHERE id IN (1, 2)")
        with a.cursor() as cur:
            cur.execute(f"UPDATE {table} SET tag = 'x' WHERE id = 1 AND n = 10")
            assert cur.rowcount == 1
            cur.execute(f"DELETE FROM {table} WHERE id IN (2, 3) AND n = 10")
            assert cur.rowcount == 1
            cur.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 1 AND n = 0")
            assert cur.rowcount == 0
        a.commit()
        assert rows(b, f"SELECT id, n, tag FROM {table} ORDER BY id") == ((1, 10, "x"),)


def test_concurrent_increments_are_not_lost(server, table):
    errors = []

    def worker():
        try:
            with server.connect(autocommit=True) as c, c.cursor() as cur:
                for _ in range(25):
                    cur.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 1")
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with server.connect() as c:
        assert rows(c, f"SELECT n FROM {table} WHERE id = 1") == ((100,),)


def test_lock_wait_timeout_is_1205(server, table):
    a = server.connect(autocommit=False)
    b = server.connect(autocommit=False)
    with a, b:
        assert rows(a, f"SELECT n FROM {table} WHERE id = 1 FOR UPDATE") == ((0,),)
        with b.cursor() as cur:
            cur.execute("SET innodb_lock_wait_timeout = 1")
            started = time.monotonic()
            with pytest.raises(pymysql.err.OperationalError) as e:
                cur.execute(f"UPDATE {table} SET n = 1 WHERE id = 1")
            assert e.value.args[0] == 1205
            assert time.monotonic() - started >= 0.9
            # The transaction is still usable after a lock wait timeout.
            cur.execute(f"UPDATE {table} SET n = 2 WHERE id = 2")
        a.rollback()
        b.commit()
        assert rows(a, f"SELECT n FROM {table} ORDER BY id") == ((0,), (2,))


def test_deadlock_is_1213_for_one_victim(server, table):
    a = server.connect(autocommit=False)
    b = server.connect(autocommit=False)
    outcome = {}
    with a, b:
        rows(a, f"SELECT n FROM {table} WHERE id = 1 FOR UPDATE")
        rows(b, f"SELECT n FROM {table} WHERE id = 2 FOR UPDATE")

        def a_wants_2():
            try:
                with a.cursor() as cur:
                    cur.execute(f"UPDATE {table} SET n = 10 WHERE id = 2")
                a.commit()
                outcome["a"] = "ok"
            except pymysql.err.MySQLError as e:
                outcome["a"] = e.args[0]

        t = threading.Thread(target=a_wants_2)
        t.start()
        time.sleep(0.3)
        try:
            with b.cursor() as cur:
                cur.execute(f"UPDATE {table} SET n = 20 WHERE id = 1")
            b.commit()
            outcome["b"] = "ok"
        except pymysql.err.MySQLError as e:
            outcome["b"] = e.args[0]
        t.join(timeout=30)
    assert sorted(map(str, outcome.values())) == ["1213", "ok"], outcome


def test_optimistic_write_conflict_is_9007(server, table):
    a = server.connect(autocommit=False)
    b = server.connect(autocommit=False)
    with a, b:
        for c in (a, b):
            with c.cursor() as cur:
                cur.execute("SET tidb_txn_mode = 'optimistic'")
            c.begin()
            rows(c, f"SELECT n FROM {table} WHERE id = 1")
        with a.cursor() as cur:
            cur.execute(f"UPDATE {table} SET n = 1 WHERE id = 1")
        with b.cursor() as cur:
            cur.execute(f"UPDATE {table} SET n = 2 WHERE id = 1")
        a.commit()
        with pytest.raises(pymysql.err.MySQLError) as e:
            b.commit()
        assert e.value.args[0] == 9007
        assert e.value.args[1].startswith("Write conflict, txnStartTS=")
        assert rows(a, f"SELECT n FROM {table} WHERE id = 1") == ((1,),)


def test_committed_rows_survive_sigkill(tmp_server):
    s = tmp_server()
    with s.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("CREATE TABLE durable (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(20))")
        for i in range(50):
            cur.execute("INSERT INTO durable (v) VALUES (%s)", (f"row{i}",))
    pending = s.connect(autocommit=False)
    with pending.cursor() as cur:
        cur.execute("INSERT INTO durable (v) VALUES ('never committed')")
    s.stop(signal.SIGKILL)
    s2 = tmp_server(data_dir=s.data_dir)
    with s2.connect() as c:
        assert rows(c, "SELECT count(*) FROM durable") == ((50,),)
        assert rows(c, "SELECT v FROM durable WHERE v = 'never committed'") == ()
        with c.cursor() as cur:
            cur.execute("INSERT INTO durable (v) VALUES ('after restart')")
            assert cur.lastrowid > 50
        c.commit()


def test_a_transaction_past_txn_total_size_limit_is_refused_whole(tmp_server):
    # TiDB's txn-total-size-limit: a transaction may buffer this many bytes of writes; the
    # statement that would pass it fails with 8004, the connection goes on, and nothing of
    # that statement (or, after ROLLBACK, of the transaction) is kept.
    s = tmp_server("--txn-total-size-limit", "200000")
    conn = s.connect(autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE tsz (id INT PRIMARY KEY, pad VARCHAR(1000))")
        cur.execute("BEGIN")
        cur.execute("INSERT INTO tsz VALUES (1, REPEAT('a', 1000)), (2, REPEAT('b', 1000))")
        rows = ", ".join(f"({i}, REPEAT('x', 1000))" for i in range(10, 310))
        with pytest.raises(pymysql.err.MySQLError) as err:
            cur.execute(f"INSERT INTO tsz VALUES {rows}")
        assert err.value.args[0] == 8004, err.value.args
        assert "Transaction is too large" in err.value.args[1]
        cur.execute("SELECT COUNT(*) FROM tsz")
        assert cur.fetchone() == (2,), "the refused statement left nothing"
        cur.execute("COMMIT")
        cur.execute("SELECT COUNT(*) FROM tsz")
        assert cur.fetchone() == (2,)
        # Under autocommit, a statement that alone passes the limit is refused the same way.
        with pytest.raises(pymysql.err.MySQLError) as err:
            cur.execute(f"INSERT INTO tsz VALUES {rows}")
        assert err.value.args[0] == 8004
        cur.execute("SELECT COUNT(*) FROM tsz")
        assert cur.fetchone() == (2,)
