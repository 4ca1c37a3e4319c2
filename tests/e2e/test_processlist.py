"""SHOW [FULL] PROCESSLIST and information_schema.PROCESSLIST: what each connection is doing,
and an account without PROCESS sees only its own user's connections."""

import threading
import time
import uuid

import pymysql


def rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_processlist_shows_running_and_idle_connections(server):
    user = f"pl_{uuid.uuid4().hex[:8]}"
    with server.connect(autocommit=True) as admin, server.connect(autocommit=True) as busy:
        rows(admin, f"CREATE USER '{user}' IDENTIFIED BY 'pw'")
        busy_id = rows(busy, "SELECT CONNECTION_ID()")[0][0]
        long_text = "SELECT SLEEP(2), '" + "x" * 150 + "'"
        t = threading.Thread(target=lambda: rows(busy, long_text))
        t.start()
        try:
            time.sleep(1.2)
            listed = {r[0]: r for r in rows(admin, "SHOW PROCESSLIST")}
            me = rows(admin, "SELECT CONNECTION_ID()")[0][0]
            b = listed[busy_id]
            assert b[1] == "root" and b[2].startswith("127.0.0.1:") and b[3] == "test"
            assert b[4] == "Query" and b[5] >= 1 and b[6] == "autocommit"
            assert b[7] == long_text[:100]
            assert listed[me][7] == "SHOW PROCESSLIST"
            full = {r[0]: r for r in rows(admin, "SHOW FULL PROCESSLIST")}
            assert full[busy_id][7] == long_text
            info = rows(admin, f"SELECT COMMAND, INFO, LENGTH(DIGEST) FROM information_schema.PROCESSLIST WHERE ID = {busy_id}")
            assert info == (("Query", long_text, 64),)
            with server.connect(user=user, password="pw", database=None, autocommit=True) as plain:
                mine = rows(plain, "SHOW PROCESSLIST")
                assert [r[1] for r in mine] == [user]
                assert rows(plain, "SELECT COUNT(*) FROM information_schema.PROCESSLIST") == ((1,),)
        finally:
            t.join()
        idle = {r[0]: r for r in rows(admin, "SHOW PROCESSLIST")}[busy_id]
        assert idle[4] == "Sleep" and idle[7] is None
        rows(busy, "BEGIN")
        rows(busy, "SELECT 1")
        assert {r[0]: r for r in rows(admin, "SHOW PROCESSLIST")}[busy_id][6] == "in transaction"
        rows(busy, "ROLLBACK")
        rows(admin, f"DROP USER '{user}'")
