"""Prepared statements: the binary protocol through mysql-connector-python's prepared cursors
(pure Python and C extension), raw COM_STMT_* packets for the protocol's corners and bad input,
and SQL-level PREPARE / EXECUTE / DEALLOCATE."""

import os
import datetime
import decimal
import json
import struct

import mysql.connector
import pytest

from rawmysql import Raw, parse_err

COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_SEND_LONG_DATA = 0x16, 0x17, 0x18
COM_STMT_CLOSE, COM_STMT_RESET, COM_STMT_FETCH = 0x19, 0x1A, 0x1C

TYPES_DDL = """CREATE TABLE ps_types (
    id INT PRIMARY KEY, ti TINYINT, si SMALLINT, mi MEDIUMINT, bi BIGINT, ub BIGINT UNSIGNED,
    f FLOAT, d DOUBLE, dec_ DECIMAL(12, 3), c CHAR(4), vc VARCHAR(20), tx TEXT, vb VARBINARY(8),
    bl BLOB, dt DATE, dtt DATETIME(6), ts TIMESTAMP, tm TIME(3), yr YEAR, js JSON,
    en ENUM('a', 'b'))"""

# (column, value) — values both drivers send and read as MariaDB does. (The C extension sends a
# timedelta as text no server reads, and the pure driver misreads binary YEAR: both misbehave
# identically against MariaDB, so TIME and YEAR are checked where each driver works.)
VALUES = [
    ("id", 1), ("ti", -128), ("si", -32768), ("mi", -8388608), ("bi", -(2**63)), ("ub", 2**63 - 7),
    ("f", 1.5), ("d", 2.25), ("dec_", decimal.Decimal("-12345.678")), ("c", "ab"),
    ("vc", "héllo wörld"), ("tx", "long text " * 50), ("vb", b"\x00\xff\x10"),
    ("bl", b"\x01\x02" * 100), ("dt", datetime.date(2024, 2, 29)),
    ("dtt", datetime.datetime(2024, 2, 29, 13, 5, 9, 123456)),
    ("ts", datetime.datetime(2001, 1, 1, 0, 0, 1)), ("en", "b"),
]
TIME = datetime.timedelta(hours=-25, seconds=-1, microseconds=-500000)


@pytest.fixture(params=[True, False], ids=["c-ext", "pure"])
def cnx(server, request):
    c = mysql.connector.connect(
        host="127.0.0.1", port=server.port, user="root", password="", database="test",
        use_pure=not request.param,
    )
    yield c
    c.close()


def test_every_column_type_round_trips(cnx):
    cur = cnx.cursor(prepared=True)
    cur.execute("DROP TABLE IF EXISTS ps_types")
    cur.execute(TYPES_DDL)
    names = ", ".join(n for n, _ in VALUES)
    marks = ", ".join(["%s"] * len(VALUES))
    row = tuple(v for _, v in VALUES)
    cur.execute(f"INSERT INTO ps_types ({names}) VALUES ({marks})", row)
    cur.execute(f"INSERT INTO ps_types ({names}) VALUES ({marks})", (2,) + (None,) * (len(row) - 1))
    cur.execute("UPDATE ps_types SET js = %s WHERE id = %s", ('{"a": [1, 2]}', 1))
    cnx.commit()
    cur.execute(f"SELECT {names} FROM ps_types WHERE id = %s", (1,))
    got = cur.fetchone()
    for (name, want), value in zip(VALUES, got):
        if isinstance(want, bytes):
            value = bytes(value)
        assert value == want, name
    cur.execute(f"SELECT {names} FROM ps_types WHERE id = %s", (2,))
    assert cur.fetchone() == (2,) + (None,) * (len(row) - 1)
    cur.execute("SELECT js FROM ps_types WHERE id = %s", (1,))
    assert json.loads(cur.fetchone()[0]) == {"a": [1, 2]}
    # Parameters compared in WHERE, of each kind.
    cur.execute("SELECT id FROM ps_types WHERE dt = %s AND vc = %s AND d > %s AND ub = %s AND dtt = %s",
                (datetime.date(2024, 2, 29), "héllo wörld", 2.0, 2**63 - 7, VALUES[15][1]))
    assert cur.fetchall() == [(1,)]
    if cnx.__class__.__name__ == "MySQLConnection":  # pure Python: TIME as the binary struct
        cur.execute("UPDATE ps_types SET tm = %s WHERE id = %s", (TIME, 1))
        cur.execute("SELECT tm, tm = %s FROM ps_types WHERE id = 1", (TIME,))
        assert cur.fetchone() == (TIME, 1)
    else:  # C extension: YEAR
        cur.execute("UPDATE ps_types SET yr = %s WHERE id = %s", (2024, 1))
        cur.execute("SELECT yr FROM ps_types WHERE id = 1")
        assert cur.fetchone() == (2024,)
    cur.close()


def test_reexecution_with_new_values_and_dml(cnx):
    cur = cnx.cursor(prepared=True)
    cur.execute("DROP TABLE IF EXISTS ps_players")
    cur.execute("CREATE TABLE ps_players (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(32) UNIQUE, coins INT)")
    for i in range(20):
        cur.execute("INSERT INTO ps_players (name, coins) VALUES (%s, %s)", (f"p{i}", i))
    assert cur.lastrowid == 20
    cur.execute("UPDATE ps_players SET coins = coins + %s WHERE id = %s", (100, 3))
    assert cur.rowcount == 1
    cur.execute("DELETE FROM ps_players WHERE coins < %s", (5,))
    assert cur.rowcount == 4
    cnx.commit()
    stmt = "SELECT name, coins FROM ps_players WHERE id = %s"
    for i in (3, 7, 99):
        cur.execute(stmt, (i,))
        rows = cur.fetchall()
        assert rows == ({3: [("p2", 102)], 7: [("p6", 6)], 99: []}[i])
    cur.execute("SELECT COUNT(*), SUM(coins) FROM ps_players WHERE name LIKE %s", ("p1%",))
    assert cur.fetchone() == (10, decimal.Decimal(145))
    cur.close()


def test_errors_keep_the_connection_usable(cnx):
    cur = cnx.cursor(prepared=True)
    # (The C extension reports statement errors without their code, against MariaDB too.)
    with pytest.raises(mysql.connector.Error) as e:
        cur.execute("SELECT * FROM no_such_table WHERE id = %s", (1,))
    assert e.value.errno in (1146, -1) and "doesn't exist" in e.value.msg
    with pytest.raises(mysql.connector.Error) as e:
        cur.execute("SELEKT %s", (1,))
    assert e.value.errno in (1064, -1) and "syntax" in e.value.msg
    cur.execute("DROP TABLE IF EXISTS ps_dup")
    cur.execute("CREATE TABLE ps_dup (id INT PRIMARY KEY)")
    cur.execute("INSERT INTO ps_dup VALUES (%s)", (1,))
    with pytest.raises(mysql.connector.Error) as e:
        cur.execute("INSERT INTO ps_dup VALUES (%s)", (1,))
    assert e.value.errno in (1062, -1) and "Duplicate entry '1'" in e.value.msg
    cur.execute("SELECT %s + 1", (41,))
    assert cur.fetchone()[0] == 42
    cur.close()


# ---- raw protocol ---------------------------------------------------------------------------


def command(raw, cmd, body=b""):
    raw.send_packet(bytes([cmd]) + body, 0)


def read_until_eof(raw):
    """Reads packets up to and including an EOF (classic clients: no DEPRECATE_EOF)."""
    out = []
    while True:
        _, p = raw.recv_packet()
        out.append(p)
        if p[0] == 0xFE and len(p) < 9:
            return out
        if p[0] == 0xFF:
            raise parse_err(p)


def error_code(raw):
    """Reads the next packet, which must be an ERR, and returns its error code."""
    _, p = raw.recv_packet()
    return parse_err(p).code


def prepare(raw, sql):
    command(raw, COM_STMT_PREPARE, sql.encode())
    _, p = raw.recv_packet()
    if p[0] == 0xFF:
        raise parse_err(p)
    stmt_id, ncols, nparams = struct.unpack("<IHH", p[1:9])
    if nparams:
        read_until_eof(raw)
    if ncols:
        read_until_eof(raw)
    return stmt_id, ncols, nparams


def execute(raw, stmt_id, params=(), flags=0):
    """Executes with LONGLONG / VAR_STRING / NULL parameters; returns the raw reply packets."""
    body = struct.pack("<IBI", stmt_id, flags, 1)
    if params:
        nulls = bytearray((len(params) + 7) // 8)
        types, values = b"", b""
        for i, v in enumerate(params):
            if v is None:
                nulls[i // 8] |= 1 << (i % 8)
                types += b"\x06\x00"
            elif isinstance(v, int):
                types += b"\x08\x00"
                values += struct.pack("<q", v)
            else:
                types += b"\xfd\x00"
                values += bytes([len(v)]) + v
        body += bytes(nulls) + b"\x01" + types + values
    command(raw, COM_STMT_EXECUTE, body)


def raw_conn(server):
    raw = Raw(server.port)
    raw.login()
    return raw


def test_raw_prepare_describes_params_and_columns(server):
    raw = raw_conn(server)
    try:
        raw.query("CREATE TABLE IF NOT EXISTS ps_raw (id INT PRIMARY KEY, v VARCHAR(10))")
        raw.query("REPLACE INTO ps_raw VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        sid, ncols, nparams = prepare(raw, "SELECT id, v FROM ps_raw WHERE id >= ? ORDER BY id")
        assert (ncols, nparams) == (2, 1)
        execute(raw, sid, [2])
        packets = read_until_eof(raw)  # column count, 2 definitions, EOF
        assert packets[0] == b"\x02" and len(packets) == 4
        rows = read_until_eof(raw)[:-1]
        # Binary rows: 0x00, NULL bitmap (1 byte for 2 columns), INT as 4 bytes, VARCHAR lenenc.
        assert rows == [b"\x00\x00\x02\x00\x00\x00\x03two", b"\x00\x00\x03\x00\x00\x00\x05three"]
        # A NULL parameter matches nothing; the NULL bitmap of a row shows NULL columns.
        execute(raw, sid, [None])
        packets = read_until_eof(raw)
        assert read_until_eof(raw) == [b"\xfe\x00\x00\x02\x00"]
        sid2, _, _ = prepare(raw, "SELECT NULL, ?")
        execute(raw, sid2, [b"x"])
        read_until_eof(raw)
        rows = read_until_eof(raw)[:-1]
        assert rows == [b"\x00\x04\x01x"]
    finally:
        raw.close()


def test_raw_cursor_fetch(server):
    raw = raw_conn(server)
    try:
        raw.query("CREATE TABLE IF NOT EXISTS ps_cur (id INT PRIMARY KEY)")
        raw.query("REPLACE INTO ps_cur VALUES (1), (2), (3), (4), (5)")
        sid, _, _ = prepare(raw, "SELECT id FROM ps_cur ORDER BY id")
        execute(raw, sid, flags=1)
        header = read_until_eof(raw)
        status = struct.unpack("<H", header[-1][3:5])[0]
        assert status & 0x40, "CURSOR_EXISTS"
        command(raw, COM_STMT_FETCH, struct.pack("<II", sid, 2))
        got = read_until_eof(raw)
        assert [r[2] for r in got[:-1]] == [1, 2]
        assert not struct.unpack("<H", got[-1][3:5])[0] & 0x80
        command(raw, COM_STMT_FETCH, struct.pack("<II", sid, 10))
        got = read_until_eof(raw)
        assert [r[2] for r in got[:-1]] == [3, 4, 5]
        assert struct.unpack("<H", got[-1][3:5])[0] & 0x80, "LAST_ROW_SENT"
        command(raw, COM_STMT_FETCH, struct.pack("<II", sid, 1))
        assert error_code(raw) == 1326
    finally:
        raw.close()


def test_raw_long_data_reset_and_close(server):
    raw = raw_conn(server)
    try:
        sid, _, nparams = prepare(raw, "SELECT LENGTH(?)")
        assert nparams == 1
        for chunk in (b"a" * 1000, b"b" * 500):
            command(raw, COM_STMT_SEND_LONG_DATA, struct.pack("<IH", sid, 0) + chunk)
        # Parameter 0 typed BLOB, its value taken from the long data.
        command(raw, COM_STMT_EXECUTE, struct.pack("<IBI", sid, 0, 1) + b"\x00\x01\xfc\x00")
        read_until_eof(raw)
        rows = read_until_eof(raw)[:-1]
        assert struct.unpack("<q", rows[0][2:10])[0] == 1500
        command(raw, COM_STMT_SEND_LONG_DATA, struct.pack("<IH", sid, 0) + b"zz")
        command(raw, COM_STMT_RESET, struct.pack("<I", sid))
        _, ok = raw.recv_packet()
        assert ok[0] == 0
        command(raw, COM_STMT_CLOSE, struct.pack("<I", sid))
        execute(raw, sid, [1])
        _, p = raw.recv_packet()
        err = parse_err(p)
        assert err.code == 1243 and err.state == "HY000"
    finally:
        raw.close()


def test_raw_bad_input(server):
    raw = raw_conn(server)
    try:
        sid, _, _ = prepare(raw, "SELECT ? + ?")
        # Too short to hold a statement id.
        command(raw, COM_STMT_EXECUTE, b"\x01")
        assert error_code(raw) == 1835
        # Parameters missing or truncated: 1210.
        command(raw, COM_STMT_EXECUTE, struct.pack("<IBI", sid, 0, 1))
        assert error_code(raw) == 1210
        command(raw, COM_STMT_EXECUTE, struct.pack("<IBI", sid, 0, 1) + b"\x00\x01\x08\x00\x08\x00\x01")
        assert error_code(raw) == 1210
        # An unknown parameter type.
        command(raw, COM_STMT_EXECUTE, struct.pack("<IBI", sid, 0, 1) + b"\x00\x01\x42\x00\x42\x00")
        assert error_code(raw) == 1210
        # The types sent once are kept: the next execution may omit them.
        execute(raw, sid, [40, 2])
        read_until_eof(raw)
        rows = read_until_eof(raw)[:-1]
        assert len(rows) == 1
        command(raw, COM_STMT_EXECUTE, struct.pack("<IBI", sid, 0, 1) + b"\x00\x00" + struct.pack("<qq", 1, 2))
        read_until_eof(raw)
        assert len(read_until_eof(raw)) == 2
        # Unknown ids for every command that answers.
        for cmd, body in ((COM_STMT_RESET, struct.pack("<I", 999)),
                          (COM_STMT_FETCH, struct.pack("<II", 999, 1))):
            command(raw, cmd, body)
            assert error_code(raw) == 1243
        # The prepare of bad SQL fails; the connection still answers.
        command(raw, COM_STMT_PREPARE, b"SELECT FROM WHERE")
        assert error_code(raw) == 1064
        command(raw, 0x0E)  # COM_PING
        _, p = raw.recv_packet()
        assert p[0] == 0
    finally:
        raw.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_many_statements_opened_and_closed(server):
    raw = raw_conn(server)
    try:
        def cycle(n):
            for _ in range(n):
                sid, _, _ = prepare(raw, "SELECT ?, a.b FROM (SELECT 1 AS b) AS a WHERE ? > 0")
                execute(raw, sid, [1, 2])
                read_until_eof(raw)
                read_until_eof(raw)
                command(raw, COM_STMT_CLOSE, struct.pack("<I", sid))
        cycle(2000)  # warm up allocator pools
        before = rss_kib(server.proc.pid)
        # 10 000 in CI (8 s on a debug build); FERRODB_STMT_CYCLES=100000 for the run.
        n = int(os.environ.get("FERRODB_STMT_CYCLES", "10000"))
        cycle(n)
        grown = rss_kib(server.proc.pid) - before
        assert grown < 8 * 1024, f"RSS grew {grown} KiB over {n} statements"
        assert raw.query("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'") == [["Prepared_stmt_count", "0"]]
    finally:
        raw.close()


# ---- SQL-level PREPARE ----------------------------------------------------------------------


def test_sql_prepare_execute_deallocate(server):
    c = server.connect()
    try:
        cur = c.cursor()
        cur.execute("PREPARE s1 FROM 'SELECT ? * 2, ?'")
        cur.execute("SET @a = 21, @b = 'x'")
        cur.execute("EXECUTE s1 USING @a, @b")
        assert cur.fetchall() == ((42, "x"),)
        cur.execute("SET @q = 'SELECT 1 + ?'")
        cur.execute("PREPARE s2 FROM @q")
        cur.execute("EXECUTE s2 USING @a")
        assert cur.fetchall() == ((22,),)
        with pytest.raises(Exception) as e:
            cur.execute("EXECUTE s1 USING @a")
        assert e.value.args[0] == 1210
        cur.execute("DEALLOCATE PREPARE s1")
        with pytest.raises(Exception) as e:
            cur.execute("EXECUTE s1 USING @a, @b")
        assert e.value.args[0] == 1243
        cur.execute("DROP PREPARE s2")
        cur.execute("SET GLOBAL max_prepared_stmt_count = 1")
        try:
            cur.execute("PREPARE s3 FROM 'SELECT 1'")
            with pytest.raises(Exception) as e:
                cur.execute("PREPARE s4 FROM 'SELECT 2'")
            assert e.value.args[0] == 1461
        finally:
            cur.execute("SET GLOBAL max_prepared_stmt_count = -1")
            cur.execute("DEALLOCATE PREPARE s3")
    finally:
        c.close()


def test_parameters_inside_subqueries_follow_each_execution(cnx):
    """A kept plan whose subqueries read placeholders: each execution's values reach them
    (passed down as the subqueries' arguments), correlated or not."""
    cur = cnx.cursor(prepared=True)
    cur.execute("DROP TABLE IF EXISTS ps_sq_a")
    cur.execute("DROP TABLE IF EXISTS ps_sq_b")
    cur.execute("CREATE TABLE ps_sq_a (id INT PRIMARY KEY, g INT)")
    cur.execute("CREATE TABLE ps_sq_b (id INT PRIMARY KEY, a_id INT, w INT, KEY (a_id))")
    cur.execute("INSERT INTO ps_sq_a VALUES (1, 1), (2, 1), (3, 2)")
    cur.execute("INSERT INTO ps_sq_b VALUES (1, 1, 5), (2, 1, 50), (3, 2, 7), (4, 3, 70)")
    cnx.commit()
    stmt = ("SELECT id, (SELECT COUNT(*) FROM ps_sq_b WHERE ps_sq_b.a_id = ps_sq_a.id"
            " AND ps_sq_b.w > %s) FROM ps_sq_a WHERE g = %s"
            " AND EXISTS (SELECT 1 FROM ps_sq_b WHERE w > %s) ORDER BY id")
    for (w, g, w_any), want in [
        ((6, 1, 0), [(1, 1), (2, 1)]),
        ((0, 1, 0), [(1, 2), (2, 1)]),
        ((10, 2, 0), [(3, 1)]),
        ((10, 1, 100), []),
    ]:
        cur.execute(stmt, (w, g, w_any))
        assert cur.fetchall() == want, (w, g, w_any)
    cur.close()


def test_point_get_fast_path_follows_schema_and_types(cnx):
    cur = cnx.cursor(prepared=True)
    cur.execute("DROP TABLE IF EXISTS ps_point")
    cur.execute("CREATE TABLE ps_point (id BIGINT PRIMARY KEY, k INT, c VARCHAR(10))")
    cur.execute("INSERT INTO ps_point VALUES (%s, %s, %s)", (1, 10, "one"))
    cur.execute("INSERT INTO ps_point VALUES (%s, %s, %s)", (-5, 20, "neg"))
    cnx.commit()
    by_id = "SELECT c, k FROM ps_point WHERE id = %s"
    star = "SELECT * FROM ps_point p WHERE p.id = %s"
    keys = [(1, ("one", 10)), (-5, ("neg", 20)), (2, None), (None, None), ("1", ("one", 10)),
            (1.0, ("one", 10))]
    if cnx.__class__.__name__ == "MySQLConnection":  # the C extension cannot send it
        keys.append((2**63 + 1, None))
    for key, want in keys:
        cur.execute(by_id, (key,))
        assert cur.fetchone() == want, key
        cur.fetchall()
    cur.execute(star, (1,))
    assert cur.fetchall() == [(1, 10, "one")]
    # Inside a transaction the read sees the transaction's own writes.
    cnx.commit()  # (autocommit is off: the next statement opens a transaction)
    cur.execute("UPDATE ps_point SET c = %s WHERE id = %s", ("uno", 1))
    cur.execute(by_id, (1,))
    assert cur.fetchall() == [("uno", 10)]
    cnx.rollback()
    cur.execute(by_id, (1,))
    assert cur.fetchall() == [("one", 10)]
    # A schema change: the kept plan is not used; the statement still answers for the new schema.
    cur.execute("ALTER TABLE ps_point ADD COLUMN extra INT DEFAULT 7")
    cur.execute(star, (1,))
    assert cur.fetchall() == [(1, 10, "one", 7)]
    cur.execute(by_id, (-5,))
    assert cur.fetchall() == [("neg", 20)]
    cur.close()


def test_text_statements_reuse_their_parsed_shape(server):
    """Text SELECTs and DML that differ only in literals run from one parsed shape: each
    text's own literals bound in, result names still taken from the text."""
    c = server.connect(autocommit=True)
    try:
        cur = c.cursor()
        cur.execute("DROP TABLE IF EXISTS shapes")
        cur.execute("CREATE TABLE shapes (id INT PRIMARY KEY, name VARCHAR(10))")
        for i in range(1, 6):
            cur.execute(f"INSERT INTO shapes VALUES ({i}, 'n{i}')")
        for lo, hi in [(1, 2), (2, 4), (5, 9)]:
            cur.execute(f"SELECT name FROM shapes WHERE id BETWEEN {lo} AND {hi} ORDER BY id")
            assert [r[0] for r in cur.fetchall()] == [f"n{i}" for i in range(lo, min(hi, 5) + 1)]
        for lit, name in [("007", "007"), ("7", "7"), ("'x'", "x"), ("N'x'", "x")]:
            cur.execute(f"SELECT {lit}, name FROM shapes WHERE id < 2")
            assert [d[0] for d in cur.description] == [name, "name"]
        cur.execute("UPDATE shapes SET name = 'u' WHERE id = 3")
        cur.execute("UPDATE shapes SET name = 'v' WHERE id = 4")
        cur.execute("DELETE FROM shapes WHERE id = 5")
        cur.execute("SELECT id, name FROM shapes WHERE id > 2 ORDER BY id")
        assert cur.fetchall() == ((3, "u"), (4, "v"))
        cur.execute("DROP TABLE shapes")
    finally:
        c.close()
