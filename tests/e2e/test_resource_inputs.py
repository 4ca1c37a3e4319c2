"""Resource-shaped inputs: statements that are legal but extreme in depth, width or size. Each
gets an answer or a MySQL error (1064, 1436, 1473, 1117, 1069, 1070, 3636 …); the server never
dies and other connections keep being served while one of them runs."""

import shutil
import threading

import pymysql
import pytest

DEPTH = 3000  # nesting levels that must answer (the parser's bound is 10 000)


def code_of(cur, sql, args=None):
    try:
        cur.execute(sql, args)
        cur.fetchall()
    except pymysql.err.MySQLError as e:
        return e.args[0]
    return None


def warnings(cur):
    cur.execute("SHOW WARNINGS")
    return [(r[1], r[2]) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def conn(server):
    c = server.connect(autocommit=True, max_allowed_packet=128 << 20, read_timeout=300)
    with c.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS deep")
        cur.execute("CREATE TABLE deep (a INT PRIMARY KEY, s VARCHAR(100))")
        cur.execute("INSERT INTO deep VALUES (1, 'x'), (2, 'y'), (-3, 'z')")
    yield c
    c.close()


# Each shape nested DEPTH deep, with what it answers.
SHAPES = {
    "parentheses": ("SELECT {o}a{c} FROM deep ORDER BY 1", "(", ")", [(-3,), (1,), (2,)]),
    "function calls": ("SELECT {o}a{c} FROM deep ORDER BY 1", "ABS(", ")", [(1,), (2,), (3,)]),
    "CASE": (
        "SELECT {o}a{c} FROM deep ORDER BY 1",
        "CASE WHEN a > 0 THEN ",
        " ELSE 0 END",
        [(0,), (1,), (2,)],
    ),
    "COALESCE": ("SELECT {o}s{c} FROM deep ORDER BY 1", "COALESCE(NULL, ", ")", [("x",), ("y",), ("z",)]),
    "NOT": ("SELECT a FROM deep WHERE {o}a = 1 ORDER BY 1", "NOT ", "", [(1,)]),
    "unary minus": ("SELECT {o}a{c} FROM deep ORDER BY 1", "- ", "", [(-3,), (1,), (2,)]),
    "WHERE nesting": (
        "SELECT a FROM deep WHERE {o}a > 0{c} ORDER BY 1",
        "(",
        ")",
        [(1,), (2,)],
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_deep_expressions_answer(conn, shape):
    template, opening, closing, expected = SHAPES[shape]
    sql = template.format(o=opening * DEPTH, c=closing * DEPTH)
    with conn.cursor() as cur:
        cur.execute(sql)
        assert [tuple(r) for r in cur.fetchall()] == expected
        # The same statement prepared and executed.
        cur.execute("PREPARE deep_stmt FROM %s", (sql,))
        cur.execute("EXECUTE deep_stmt")
        assert [tuple(r) for r in cur.fetchall()] == expected
        cur.execute("DEALLOCATE PREPARE deep_stmt")


def test_deep_prepared_statement_with_parameters(conn):
    """Binding a parameter copies the statement's tree: that too runs on a stack sized for it."""
    with conn.cursor() as cur:
        cur.execute("PREPARE deep_param FROM %s", ("SELECT " + "ABS(" * DEPTH + "?" + ")" * DEPTH,))
        cur.execute("SET @v = -7")
        cur.execute("EXECUTE deep_param USING @v")
        assert cur.fetchone() == (7,)


def test_past_the_parser_bound_is_1064(conn):
    with conn.cursor() as cur:
        assert code_of(cur, "SELECT " + "(" * 10_001 + "1" + ")" * 10_001) == 1064
        assert code_of(cur, "SELECT " + "ABS(" * 10_001 + "1" + ")" * 10_001) == 1064
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def test_long_flat_chains_answer(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT a FROM deep WHERE " + " AND ".join(f"a <> {i}" for i in range(10, 100_010)))
        assert sorted(r[0] for r in cur.fetchall()) == [-3, 1, 2]
        cur.execute("SELECT a FROM deep WHERE a IN (" + ",".join(map(str, range(100_000))) + ")")
        assert sorted(r[0] for r in cur.fetchall()) == [1, 2]
        cur.execute("SELECT " + " || ".join(["0"] * 50_000) + " OR 1")
        assert cur.fetchone() == (1,)


def test_nested_query_blocks_stop_at_63(conn):
    def scalar(n):
        return "SELECT " + "(SELECT " * n + "1" + ")" * n

    def derived(n):
        return "SELECT COUNT(*) FROM " + "(SELECT * FROM " * n + "deep" + " AS d) " * n + " AS e"

    def exists(n):
        return "SELECT " + "EXISTS(SELECT " * n + "1" + ")" * n

    with conn.cursor() as cur:
        for make, answer in ((scalar, 1), (derived, 3), (exists, 1)):
            cur.execute(make(62))
            assert cur.fetchone() == (answer,)
            assert code_of(cur, make(63)) == 1473
        assert code_of(cur, scalar(5000)) == 1473


def test_table_limits_are_tidbs(conn):
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS wide")
        cols = ", ".join(f"c{i} INT" for i in range(1017))
        cur.execute(f"CREATE TABLE wide ({cols})")
        assert code_of(cur, "ALTER TABLE wide ADD COLUMN one_more INT") == 1117
        assert code_of(cur, "CREATE TABLE wider (" + cols + ", c1017 INT)") == 1117
        cur.execute("INSERT INTO wide (c0, c1016) VALUES (1, 2)")
        cur.execute("SELECT * FROM wide")
        row = cur.fetchone()
        assert len(row) == 1017 and row[0] == 1 and row[-1] == 2
        # A select list of 10 000 expressions over it.
        cur.execute("SELECT " + ", ".join(f"c0 + {i}" for i in range(10_000)) + " FROM wide")
        assert cur.fetchone()[-1] == 10_000
        keys = ", ".join(f"KEY (c{i})" for i in range(65))
        assert code_of(cur, f"CREATE TABLE many_keys ({cols}, {keys})") == 1069
        parts = ", ".join(f"c{i}" for i in range(17))
        assert code_of(cur, f"CREATE TABLE many_parts ({cols}, KEY ({parts}))") == 1070
        cur.execute("DROP TABLE wide")


def test_large_statements_and_values(conn):
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS big")
        cur.execute("CREATE TABLE big (id INT PRIMARY KEY, v LONGTEXT)")
        rows = ", ".join(f"({i}, REPEAT('r', 100))" for i in range(4096))
        cur.execute(f"INSERT INTO big VALUES {rows}")
        assert cur.rowcount == 4096
        # A row is one storage entry: TiDB's txn-entry-size-limit (6 MiB) bounds it (8025).
        stored = "S" * (5 << 20)
        cur.execute("INSERT INTO big VALUES (-1, %s)", (stored,))
        cur.execute("SELECT LENGTH(v), v = %s FROM big WHERE id = -1", (stored,))
        assert cur.fetchone() == (5 << 20, 1)
        literal = "L" * (16 << 20)
        assert code_of(cur, "INSERT INTO big VALUES (-2, %s)", (literal,)) == 8025
        cur.execute("SELECT LENGTH(%s), SUBSTR(%s, -3)", (literal, literal))
        assert cur.fetchone() == (16 << 20, "LLL")
        cur.execute("DROP TABLE big")


def test_string_builders_stop_at_max_allowed_packet(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT REPEAT('a', 100000000), SPACE(1e9), LPAD('a', 1e9, 'b'), RPAD('a', 1e9, 'b')")
        assert cur.fetchone() == (None, None, None, None)
        names = ["repeat", "space", "lpad", "rpad"]
        assert warnings(cur) == [
            (1301, f"Result of {n}() was larger than max_allowed_packet (67108864) - truncated") for n in names
        ]
        cur.execute("SELECT LENGTH(REPEAT('a', 60000000))")
        assert cur.fetchone() == (60_000_000,)
        # GROUP_CONCAT is cut at group_concat_max_len with warning 1260.
        cur.execute("SELECT GROUP_CONCAT(REPEAT(s, 500)) FROM deep")
        assert len(cur.fetchone()[0]) == 1024
        assert [code for code, _ in warnings(cur)] == [1260]


def test_recursive_cte_depth(conn):
    recursive = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r{}) SELECT COUNT(*) FROM r"
    with conn.cursor() as cur:
        assert code_of(cur, recursive.format("")) == 3636
        cur.execute("SET SESSION cte_max_recursion_depth = 100000")
        cur.execute(recursive.format(" WHERE n < 50000"))
        assert cur.fetchone() == (50_000,)
        cur.execute("SET SESSION cte_max_recursion_depth = DEFAULT")


def test_other_connections_are_served_meanwhile(server, conn):
    """A deep statement on one connection does not stall a second one."""
    done = {}

    def deep():
        with server.connect(autocommit=True, read_timeout=300) as c, c.cursor() as cur:
            cur.execute("SELECT " + "ABS(" * 9000 + "-1" + ")" * 9000)
            done["deep"] = cur.fetchone()

    t = threading.Thread(target=deep)
    t.start()
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        for _ in range(20):
            cur.execute("SELECT COUNT(*) FROM deep")
            assert cur.fetchone() == (3,)
    t.join(120)
    assert done.get("deep") == (1,)


def test_max_connections_refuses_with_1040(server):
    admin = server.connect(autocommit=True)
    opened = []
    try:
        with admin.cursor() as cur:
            cur.execute("SET GLOBAL max_connections = 20")
        refused = None
        for _ in range(40):
            try:
                opened.append(server.connect(autocommit=True))
            except pymysql.err.OperationalError as e:
                refused = e.args
                break
        assert refused and refused[0] == 1040 and "Too many connections" in refused[1], refused
        # The connections already open keep working.
        with opened[-1].cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
    finally:
        for c in opened:
            c.close()
        with admin.cursor() as cur:
            cur.execute("SET GLOBAL max_connections = DEFAULT")
        admin.close()
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SELECT @@max_connections")
        assert cur.fetchone() == (0,)


def open_files_limit(pid):
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no open-files limit")


def connection_cap(nofile):
    """As `server::fd_budget::connection_cap`."""
    return (nofile - max(nofile // 4, 64)) // 3


def test_connection_flood(server):
    """A thousand connections at once: each is served (up to what the open-files limit allows,
    then 1040), and the server stays up."""
    expected = min(1000, connection_cap(open_files_limit(server.proc.pid)))
    opened = []
    for _ in range(1000):
        try:
            opened.append(server.connect(autocommit=True))
        except pymysql.err.OperationalError as e:
            assert e.args[0] == 1040
    assert len(opened) == expected
    try:
        for i in (0, len(opened) // 2, len(opened) - 1):
            with opened[i].cursor() as cur:
                cur.execute("SELECT CONNECTION_ID() > 0")
                assert cur.fetchone() == (1,)
    finally:
        for c in opened:
            c.close()
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="prlimit not installed")
def test_open_files_limit_refuses_connections_with_1040_and_storage_keeps_working(tmp_server):
    """With 256 descriptors the server keeps a reserve for the store and takes 64 connections;
    the next ones get 1040, and writes (which need the store's files) go on."""
    s = tmp_server(wrapper=("prlimit", "--nofile=256", "--"))
    opened, refused = [], []
    try:
        for _ in range(90):
            try:
                opened.append(s.connect(autocommit=True, connect_timeout=5))
            except pymysql.err.OperationalError as e:
                refused.append(e.args[0])
        assert len(opened) == 64 and set(refused) == {1040}, (len(opened), set(refused))
        with opened[0].cursor() as cur:
            cur.execute("CREATE TABLE fd_t (id INT PRIMARY KEY, v VARCHAR(100))")
            for i in range(0, 2000, 200):
                values = ",".join(f"({j}, REPEAT('v', 90))" for j in range(i, i + 200))
                cur.execute(f"INSERT INTO fd_t VALUES {values}")
            cur.execute("SELECT COUNT(*) FROM fd_t")
            assert cur.fetchone() == (2000,)
    finally:
        for c in opened:
            c.close()
    with s.connect() as c, c.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM fd_t")
        assert cur.fetchone() == (2000,)
    assert "connection_cap=64" in s.log()
