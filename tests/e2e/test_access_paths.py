"""Access paths never change answers: random WHERE clauses give the same rows on a table with
primary-key, unique, composite and single-column indexes (point gets, handle ranges, index
ranges, index-only reads) as on an identical table with no index at all (full scans)."""

import random
from decimal import Decimal

import pytest

COLUMNS = "id INT, a INT, b VARCHAR(12), c DECIMAL(8,2), d DATE, u INT UNSIGNED"
INDEXES = "PRIMARY KEY (id), KEY ka (a), KEY kab (a, b), UNIQUE KEY uc (c, u), KEY kd (d), KEY kbu (b, u)"


def random_row(rng, i):
    def maybe(v):
        return None if rng.random() < 0.1 else v

    return (
        i,
        maybe(rng.randint(-5, 5)),
        maybe(rng.choice(["", "a", "ab", "b", "abcdefgh", "abcdefghi", "z", "7"])),
        maybe(Decimal(rng.randint(-300, 300)) / 100),
        maybe(f"2024-0{rng.randint(1, 3)}-{rng.randint(10, 12)}"),
        maybe(rng.choice([0, 1, 2, 3, 4294967295])),
    )


def constant(rng, col):
    pools = {
        "id": ["-1", "0", "1", "17", "40", "41", "2.5", "'3'", "NULL", "-0.5", "1e1"],
        "a": ["-6", "-5", "0", "1", "5", "6", "0.5", "-0.5", "'2'", "NULL", "2.0", "1e0"],
        "b": ["''", "'a'", "'ab'", "'abcdefgh'", "'abcdefghi'", "'b'", "'zz'", "7", "NULL"],
        "c": ["-3", "0", "1.5", "1.505", "-1.499", "0.01", "3", "NULL", "'1.5'"],
        "d": ["'2024-02-11'", "'2024-01-10'", "'2024-03-12 10:00:00'", "'2024-02-30'", "NULL", "20240211"],
        "u": ["-1", "0", "3", "4294967295", "4294967296", "1.5", "NULL"],
    }
    return rng.choice(pools[col])


def random_conjunct(rng):
    col = rng.choice(["id", "a", "b", "c", "d", "u"])
    kind = rng.random()
    if kind < 0.45:
        op = rng.choice(["=", "<", "<=", ">", ">=", "<>"])
        lhs, rhs = col, constant(rng, col)
        return f"{rhs} {op} {lhs}" if rng.random() < 0.2 else f"{lhs} {op} {rhs}"
    if kind < 0.6:
        return f"{col} BETWEEN {constant(rng, col)} AND {constant(rng, col)}"
    if kind < 0.75:
        items = ", ".join(constant(rng, col) for _ in range(rng.randint(1, 4)))
        return f"{col} IN ({items})"
    if kind < 0.8:
        return f"{col} IS NULL"
    if kind < 0.88 and col == "b":
        return f"b LIKE {rng.choice(['a%', 'ab%', 'abcdefgh%', 'abcdefgh_', '_b%', '%', 'z', 'a_c%'])!r}"
    return f"({col} > {constant(rng, col)} OR {col} IS NULL)"


def fetch(cur, sql):
    cur.execute(sql)
    return sorted(cur.fetchall(), key=repr)


@pytest.fixture
def tables(server):
    rng = random.Random(20261125)
    rows = [random_row(rng, i) for i in range(1, 41)]
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS ap_ix, ap_plain")
        cur.execute(f"CREATE TABLE ap_ix ({COLUMNS}, {INDEXES})")
        cur.execute(f"CREATE TABLE ap_plain ({COLUMNS})")
        for r in rows:
            # The unique key (c, u) turns some random rows away.
            cur.execute("INSERT IGNORE INTO ap_ix VALUES (%s, %s, %s, %s, %s, %s)", r)
        cur.execute("INSERT INTO ap_plain SELECT * FROM ap_ix")
        assert fetch(cur, "SELECT * FROM ap_ix") == fetch(cur, "SELECT * FROM ap_plain")
    yield rng
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS ap_ix, ap_plain")


SELECTS = ["*", "id, a, b", "a, b", "c, u, id", "COUNT(*)", "d, id", "b, u"]


def test_random_predicates_agree_with_full_scans(server, tables):
    rng = tables
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        for _ in range(600):
            where = " AND ".join(random_conjunct(rng) for _ in range(rng.randint(1, 3)))
            what = rng.choice(SELECTS)
            want = fetch(cur, f"SELECT {what} FROM ap_plain WHERE {where}")
            got = fetch(cur, f"SELECT {what} FROM ap_ix WHERE {where}")
            assert got == want, where


def test_writes_and_own_uncommitted_rows_use_the_same_paths(server, tables):
    rng = tables
    with server.connect(autocommit=False) as conn, conn.cursor() as cur:
        for t in ("ap_ix", "ap_plain"):
            cur.execute(f"INSERT INTO {t} VALUES (100, 3, 'new', 9.99, '2024-02-11', 7)")
            cur.execute(f"UPDATE {t} SET a = a + 10 WHERE a BETWEEN -1 AND 1")
            cur.execute(f"DELETE FROM {t} WHERE b > 'ab' AND b < 'b'")
        for _ in range(150):
            where = " AND ".join(random_conjunct(rng) for _ in range(rng.randint(1, 2)))
            what = rng.choice(SELECTS)
            want = fetch(cur, f"SELECT {what} FROM ap_plain WHERE {where}")
            assert fetch(cur, f"SELECT {what} FROM ap_ix WHERE {where}") == want, where
        assert fetch(cur, "SELECT * FROM ap_ix") == fetch(cur, "SELECT * FROM ap_plain")
        conn.rollback()


JOIN_SHAPES = [
    "{p} p JOIN {c} c ON c.tag = p.name AND c.n > 0",
    "{c} c JOIN {p} p ON p.name = c.tag",
    "{c} c LEFT JOIN (SELECT * FROM {p}) p ON p.id = c.pid",
    "{p} p JOIN {c} c ON c.pid = p.id",
    "{p} p LEFT JOIN {c} c ON c.pid = p.id",
    "{c} c LEFT JOIN {p} p ON p.id = c.pid",
    "{c} c RIGHT JOIN {p} p ON p.id = c.pid",
    "{p} p, {c} c WHERE c.pid = p.id AND",
    "{p} p JOIN {c} c ON c.tag = p.name",
    "{p} p LEFT JOIN {c} c ON c.pid = p.id AND c.n > 2",
    "{c} c JOIN {p} p ON p.id = c.pid + 1 JOIN {c} c2 ON c2.pid = p.id",
    "{p} p LEFT JOIN {c} c ON c.pid = p.name",
]

JOIN_FILTERS = [
    "1 = 1",
    "c.n IS NULL",
    "c.n > 1",
    "p.name = 'b'",
    "p.id BETWEEN 2 AND 4",
    "c.tag IS NULL OR p.id = 1",
    "c.pid IN (1, 3, NULL)",
    "p.name < c.tag",
]


def test_joins_agree_with_unindexed_nested_loops(server):
    rng = random.Random(7)
    parents = [(i, rng.choice(["a", "b", "c", None, "1"])) for i in range(1, 9)]
    children = [
        (i, rng.choice([1, 2, 3, 5, 8, 9, None]), rng.choice([0, 1, 2, 3, None]), rng.choice(["a", "b", "z", None, "1"]))
        for i in range(1, 30)
    ]
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS jp_ix, jc_ix, jp_plain, jc_plain")
        cur.execute("CREATE TABLE jp_ix (id INT PRIMARY KEY, name VARCHAR(5), UNIQUE KEY (name))")
        cur.execute("CREATE TABLE jc_ix (id INT PRIMARY KEY, pid INT, n INT, tag VARCHAR(5), KEY (pid), KEY (tag, n))")
        cur.execute("CREATE TABLE jp_plain (id INT, name VARCHAR(5))")
        cur.execute("CREATE TABLE jc_plain (id INT, pid INT, n INT, tag VARCHAR(5))")
        for r in parents:
            cur.execute("INSERT IGNORE INTO jp_ix VALUES (%s, %s)", r)
        for r in children:
            cur.execute("INSERT INTO jc_ix VALUES (%s, %s, %s, %s)", r)
        cur.execute("INSERT INTO jp_plain SELECT * FROM jp_ix")
        cur.execute("INSERT INTO jc_plain SELECT * FROM jc_ix")
        try:
            for shape in JOIN_SHAPES:
                for flt in JOIN_FILTERS:
                    def sql(p, c):
                        from_ = shape.format(p=p, c=c)
                        where = f"{from_} ({flt})" if from_.endswith("AND") else f"{from_} WHERE {flt}"
                        return f"SELECT * FROM {where}"

                    want = fetch(cur, sql("jp_plain", "jc_plain"))
                    assert fetch(cur, sql("jp_ix", "jc_ix")) == want, sql("jp_ix", "jc_ix")
                    # `1 = 0 OR cond` hides the equality: plain nested loops, the baseline for
                    # the hash joins the unindexed tables get.
                    nested = sql("jp_plain", "jc_plain").replace(" ON ", " ON 1 = 0 OR ")
                    nested = nested.replace("WHERE c.pid = p.id AND", "WHERE (1 = 0 OR c.pid = p.id) AND")
                    assert fetch(cur, nested) == want, nested
        finally:
            cur.execute("DROP TABLE IF EXISTS jp_ix, jc_ix, jp_plain, jc_plain")
