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
    if kind < 0.85:
        return f"{col} IS NULL"
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
