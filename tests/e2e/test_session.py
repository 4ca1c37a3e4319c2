"""What drivers and SQLAlchemy send on connect, and the COM_* commands."""

import pymysql
import pytest
import sqlalchemy as sa
from pymysql.constants import CLIENT

from rawmysql import Raw, ServerError


def test_session_statements_answer_like_mysql(server):
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SET NAMES utf8mb4")
        cur.execute("SHOW VARIABLES LIKE 'sql_mode'")
        assert [d[0] for d in cur.description] == ["Variable_name", "Value"]
        ((name, value),) = cur.fetchall()
        assert name == "sql_mode"
        assert "STRICT_TRANS_TABLES" in value.split(",")
        cur.execute("SHOW VARIABLES LIKE 'character_set_c%'")
        assert dict(cur.fetchall()) == {"character_set_client": "utf8mb4", "character_set_connection": "utf8mb4"}
        # PyMySQL turns autocommit off on connect (it saw AUTOCOMMIT in the greeting).
        cur.execute("SELECT @@transaction_isolation, @@tx_isolation, @@lower_case_table_names, @@autocommit")
        assert cur.fetchone() == ("REPEATABLE-READ", "REPEATABLE-READ", 2, 0)
        cur.execute("SELECT @@global.autocommit")
        assert cur.fetchone() == (1,)
        cur.execute("SELECT @@session.sql_mode = @@global.sql_mode, DATABASE(), @@version_comment")
        same, db, comment = cur.fetchone()
        assert same == 1 and db == "test" and "FerroDB" in comment
        cur.execute("SELECT CAST('test plain returns' AS CHAR(60)) AS anon_1")
        assert cur.description[0][0] == "anon_1"
        assert cur.fetchone() == ("test plain returns",)
        cur.execute("SHOW VARIABLES WHERE Variable_name = 'tidb_txn_mode'")
        assert cur.fetchall() == (("tidb_txn_mode", "PESSIMISTIC"),)



def test_result_columns_are_named_by_their_source_text(server):
    with server.connect() as c, c.cursor() as cur:
        cur.execute(
            "SELECT CAST(1 + 2 AS CHAR), convert('x', CHAR), TRIM(LEADING 'a' FROM 'aab'), "
            "SUBSTRING('hello', 2, 3), EXTRACT(YEAR FROM '2024-01-02'), CEIL(1.5), 1 + 1, "
            "CAST(NOW() AS DATE) = CURDATE(), CURTIME() = TIME(NOW()), concat('(', 'x')"
        )
        assert [d[0] for d in cur.description] == [
            "CAST(1 + 2 AS CHAR)",
            "convert('x', CHAR)",
            "TRIM(LEADING 'a' FROM 'aab')",
            "SUBSTRING('hello', 2, 3)",
            "EXTRACT(YEAR FROM '2024-01-02')",
            "CEIL(1.5)",
            "1 + 1",
            "CAST(NOW() AS DATE) = CURDATE()",
            "CURTIME() = TIME(NOW())",
            "concat('(', 'x')",
        ]
        assert cur.fetchone()[:4] == ("3", "x", "b", "ell")
        # Prefix operators and IS tests are part of the name (sqlparser's spans leave them out).
        cur.execute("SELECT -5, NOT 1, -0.01 IS TRUE, NOT (1), ~3, 1 IS NOT TRUE, 5 IS NULL, - 5 + 2")
        assert [d[0] for d in cur.description] == [
            "-5", "NOT 1", "-0.01 IS TRUE", "NOT (1)", "~3", "1 IS NOT TRUE", "5 IS NULL", "- 5 + 2",
        ]


def test_set_variables_and_errors(server):
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SET @@session.autocommit = 0, @a = 'x'")
        cur.execute("SELECT @@autocommit, @a")
        assert cur.fetchone() == (0, "x")
        with pytest.raises(pymysql.err.OperationalError) as e:
            cur.execute("SET SESSION transaction_isolation = 'bogus'")
        assert e.value.args[0] == 1231
        with pytest.raises(pymysql.err.MySQLError) as e:
            cur.execute("SELECT @@no_such_variable")
        assert e.value.args[0] == 1193
        with pytest.raises(pymysql.err.ProgrammingError) as e:
            cur.execute("SELEC 1")
        assert e.value.args[0] == 1064
        assert "near 'SELEC 1' at line 1" in e.value.args[1]
        cur.execute("SHOW WARNINGS")
        assert cur.fetchall() == (("Error", 1064, e.value.args[1]),)
        # The connection is still usable after every error.
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def test_greeting_status_carries_autocommit(server):
    # PyMySQL sends `SET AUTOCOMMIT = 0` only if the greeting says autocommit is on.
    raw = Raw(server.port)
    greeting = raw.read_greeting()
    raw.close()
    assert greeting["status"] & 0x0002
    assert greeting["charset"] == 46


def test_status_flags_follow_transactions(server):
    raw = Raw(server.port)
    raw.login()
    ok = raw.query("SET autocommit = 0")
    status = int.from_bytes(ok[3:5], "little")
    assert not status & 0x2
    ok = raw.query("BEGIN")
    assert int.from_bytes(ok[3:5], "little") & 0x1  # IN_TRANS
    ok = raw.query("COMMIT")
    assert not int.from_bytes(ok[3:5], "little") & 0x1
    raw.close()


def test_pymysql_autocommit_off_then_rollback_commit(server):
    c = server.connect(autocommit=False)
    with c, c.cursor() as cur:
        cur.execute("SELECT @@autocommit")
        assert cur.fetchone() == (0,)
        c.rollback()
        c.commit()
        c.begin()
        c.commit()


def test_sqlalchemy_connect_and_pool_recycle(server):
    engine = sa.create_engine(
        f"mysql+pymysql://root:@127.0.0.1:{server.port}/test", pool_recycle=300, pool_pre_ping=True
    )
    with engine.connect() as conn:
        assert conn.dialect.server_version_info[:3] == (8, 0, 11)
        assert not conn.dialect.is_mariadb
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        assert conn.get_isolation_level() == "REPEATABLE READ"
        conn.rollback()
    engine.dispose()


def test_multi_statements_return_one_result_each(server):
    c = server.connect(client_flag=CLIENT.MULTI_STATEMENTS)
    with c, c.cursor() as cur:
        cur.execute("SELECT 1; SET @x = 5; SELECT @x + 1")
        assert cur.fetchall() == ((1,),)
        assert cur.nextset()
        assert cur.nextset()
        assert cur.fetchall() == ((6,),)
        assert not cur.nextset()
        # An error stops the batch after the statements before it ran.
        with pytest.raises(pymysql.err.ProgrammingError):
            cur.execute("SET @y = 1; SELEKT 2; SET @y = 3")
            while cur.nextset():
                pass
        cur.execute("SELECT @y")
        assert cur.fetchone() == (1,)


def test_multi_statements_refused_without_the_capability(server):
    with server.connect() as c, c.cursor() as cur:
        with pytest.raises(pymysql.err.ProgrammingError) as e:
            cur.execute("SELECT 1; SELECT 2")
        assert e.value.args[0] == 1064


def test_com_commands(server):
    c = server.connect()
    with c:
        c.ping(reconnect=False)
        c.select_db("test")  # COM_INIT_DB
        with pytest.raises(pymysql.err.OperationalError) as e:
            c.select_db("missing_db")
        assert e.value.args[0] == 1049
    raw = Raw(server.port)
    raw.login()
    stats = raw.command(b"\x09")  # COM_STATISTICS
    assert stats.startswith(b"Uptime: ")
    assert b"Questions: " in stats
    assert raw.command(b"\x1b\x00\x00")[0] == 0xFE  # COM_SET_OPTION multi-statements on -> EOF
    raw.query("SET @keep = 1")
    assert raw.command(b"\x1f")[0] == 0x00  # COM_RESET_CONNECTION
    assert raw.query("SELECT @keep, DATABASE()") == [[None, "test"]]
    err = raw.command(b"\x04missing\x00")  # COM_FIELD_LIST on a missing table
    assert err[0] == 0xFF and int.from_bytes(err[1:3], "little") == 1146
    err = raw.command(b"\x7f")  # unknown command
    assert err[0] == 0xFF and int.from_bytes(err[1:3], "little") == 1047
    # COM_STMT_CLOSE of an unknown statement takes no reply; the connection still answers.
    raw.send_packet(b"\x19\x63\x00\x00\x00", 0)
    assert raw.query("SELECT 2") == [["2"]]
    raw.send_packet(b"\x01", 0)  # COM_QUIT: the server closes
    with pytest.raises(EOFError):
        raw.recv_packet()


def test_empty_query_is_1065(server):
    raw = Raw(server.port)
    raw.login()
    with pytest.raises(ServerError) as e:
        raw.query("   ")
    assert e.value.code == 1065
    assert raw.query("SELECT 3") == [["3"]]


def test_scalar_subqueries_carry_their_column_type(server):
    import datetime
    import decimal

    with server.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS subq_types")
        cur.execute("CREATE TABLE subq_types (id INT PRIMARY KEY, at DATETIME, price DECIMAL(6,2), n INT)")
        cur.execute("INSERT INTO subq_types VALUES (1, '2006-05-12 12:00:00', 9.50, 7)")
        cur.execute(
            "SELECT (SELECT at FROM subq_types WHERE id = 1), (SELECT price FROM subq_types), "
            "(SELECT n FROM subq_types), (SELECT at FROM subq_types WHERE id = 2)"
        )
        assert cur.fetchone() == (datetime.datetime(2006, 5, 12, 12, 0), decimal.Decimal("9.50"), 7, None)
        cur.execute("DROP TABLE subq_types")


def test_named_locks_are_shared_across_sessions_and_released_at_disconnect(server):
    import threading
    import time

    a = server.connect(autocommit=True)
    b = server.connect(autocommit=True)
    ca, cb = a.cursor(), b.cursor()
    ca.execute("SELECT CONNECTION_ID()")
    (a_id,) = ca.fetchone()
    ca.execute("SELECT GET_LOCK('migrations', 5), GET_LOCK('migrations', 5)")
    assert ca.fetchone() == (1, 1)  # re-entrant
    cb.execute("SELECT GET_LOCK('MIGRATIONS', 0.05), IS_FREE_LOCK('migrations'), IS_USED_LOCK('migrations')")
    assert cb.fetchone() == (0, 0, a_id)
    cb.execute("SELECT RELEASE_LOCK('migrations')")
    assert cb.fetchone() == (0,)  # not b's
    # b waits; a's disconnect (holding the lock twice) hands it over.
    got = []
    waiter = threading.Thread(target=lambda: (cb.execute("SELECT GET_LOCK('migrations', 10)"), got.append(cb.fetchone())))
    waiter.start()
    time.sleep(0.2)
    assert got == []
    a.close()
    waiter.join(5)
    assert got == [(1,)]
    cb.execute("SELECT RELEASE_ALL_LOCKS(), IS_FREE_LOCK('migrations'), RELEASE_LOCK('migrations')")
    assert cb.fetchone() == (1, 1, None)
    with pytest.raises(pymysql.err.OperationalError) as e:
        cb.execute("SELECT GET_LOCK('', 1)")
    assert e.value.args[0] == 3057
    b.close()


def test_temporary_tables_belong_to_their_session(server):
    """A temporary table is its session's alone — another session sees the stored table of the
    same name (or none) — and it is gone after disconnect; SQLAlchemy creates one (with a
    unique constraint and an index, as its dialect suite's reflection fixture does) through
    `prefixes=["TEMPORARY"]`."""
    a = server.connect(autocommit=True)
    b = server.connect(autocommit=True)
    ca, cb = a.cursor(), b.cursor()
    ca.execute("DROP TABLE IF EXISTS tmp_shadow")
    ca.execute("CREATE TABLE tmp_shadow (id INT PRIMARY KEY)")
    ca.execute("INSERT INTO tmp_shadow VALUES (1)")
    ca.execute("CREATE TEMPORARY TABLE tmp_shadow (id INT PRIMARY KEY, note VARCHAR(10))")
    ca.execute("INSERT INTO tmp_shadow VALUES (7, 'mine')")
    ca.execute("SELECT * FROM tmp_shadow")
    assert ca.fetchall() == ((7, "mine"),)
    ca.execute("SHOW CREATE TABLE tmp_shadow")
    assert ca.fetchone()[1].startswith("CREATE TEMPORARY TABLE `tmp_shadow`")
    cb.execute("SELECT * FROM tmp_shadow")
    assert cb.fetchall() == ((1,),)
    ca.execute("CREATE TEMPORARY TABLE tmp_only (id INT)")
    with pytest.raises(pymysql.err.ProgrammingError) as e:
        cb.execute("SELECT * FROM tmp_only")
    assert e.value.args[0] == 1146
    a.close()
    c = server.connect(autocommit=True)
    cc = c.cursor()
    cc.execute("SELECT * FROM tmp_shadow")
    assert cc.fetchall() == ((1,),)
    with pytest.raises(pymysql.err.ProgrammingError):
        cc.execute("SELECT * FROM tmp_only")
    cc.execute("DROP TABLE tmp_shadow")
    c.close()
    b.close()

    engine = sa.create_engine(f"mysql+pymysql://root:@127.0.0.1:{server.port}/test")
    md = sa.MetaData()
    tmp = sa.Table(
        "user_tmp", md,
        sa.Column("id", sa.INT, primary_key=True), sa.Column("name", sa.VARCHAR(50)),
        sa.Column("foo", sa.INT), sa.UniqueConstraint("name", name="user_tmp_uq"),
        sa.Index("user_tmp_ix", "foo"), prefixes=["TEMPORARY"],
    )
    with engine.connect() as conn:
        md.create_all(conn)
        conn.execute(tmp.insert(), [{"id": 1, "name": "x", "foo": 3}])
        assert conn.execute(sa.select(tmp.c.name).where(tmp.c.foo == 3)).scalar() == "x"
        md.drop_all(conn)
    engine.dispose()
