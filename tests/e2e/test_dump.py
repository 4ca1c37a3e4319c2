"""The logical round trip: `mariadb-dump` of a FerroDB database, loaded back into FerroDB with
the `mariadb` CLI, gives the same tables, rows (as the exact text the server sends), views and
keys."""

import subprocess

import pytest

SCHEMA = [
    """CREATE TABLE parent (
        id INT PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(32) NOT NULL UNIQUE,
        price DECIMAL(12,3),
        ratio DOUBLE,
        big BIGINT UNSIGNED,
        small TINYINT,
        note TEXT,
        raw BLOB,
        born DATE,
        seen DATETIME(6),
        span TIME(3),
        yr YEAR,
        doc JSON,
        kind ENUM('a', 'b', 'c'),
        flags SET('x', 'y', 'z')
    ) COMMENT 'the parent'""",
    """CREATE TABLE child (
        id INT PRIMARY KEY,
        parent_id INT NOT NULL,
        qty INT DEFAULT 7,
        KEY idx_parent (parent_id, qty),
        CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE
    )""",
    "CREATE VIEW priced AS SELECT name, price * 2 AS double_price FROM parent WHERE price IS NOT NULL",
]

ROWS = [
    """INSERT INTO parent (name, price, ratio, big, small, note, raw, born, seen, span, yr, doc, kind, flags)
       VALUES ('plain', 1.5, 0.25, 18446744073709551615, -128, 'it''s "quoted"\\n\\ttabbed \\\\ back',
               X'00FF0A0D275C22', '2024-02-29', '2024-02-29 23:59:59.123456', '-838:59:59.000', 2155,
               '{"k": [1, 2.5, "x"], "n": null}', 'b', 'x,z'),
              ('ünïcødé ✓', -99999.999, -1.5e-7, 0, 127, '', X'', '1000-01-01', '1970-01-01 00:00:00',
               '00:00:00.001', 1901, '[]', 'a', ''),
              ('nulls', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""",
    "INSERT INTO child VALUES (1, 1, 5), (2, 1, DEFAULT), (3, 2, NULL)",
]


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)
    assert r.returncode == 0, (cmd, r.stderr.decode(errors="replace"))
    return r.stdout


def client(server):
    return ["-h127.0.0.1", f"-P{server.port}", "-uroot", "--skip-ssl"]


def snapshot(server, db):
    """Everything the round trip must keep: definitions and rows as sent on the wire."""
    out = {}
    with server.connect(database=db, conv={}) as c, c.cursor() as cur:
        for table, order in (("parent", "id"), ("child", "id"), ("priced", "name")):
            cur.execute(f"SHOW CREATE TABLE {table}")
            out[f"{table} definition"] = cur.fetchone()[1]
            cur.execute(f"SELECT * FROM {table} ORDER BY {order}")
            out[f"{table} rows"] = cur.fetchall()
    return out


@pytest.mark.parametrize("options", [[], ["--single-transaction", "--hex-blob"]], ids=["plain", "hex-blob"])
def test_dump_and_reload_round_trip(server, options):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        for db in ("dump_src", "dump_dst"):
            cur.execute(f"DROP DATABASE IF EXISTS {db}")
        cur.execute("CREATE DATABASE dump_src")
        cur.execute("USE dump_src")
        for stmt in SCHEMA + ROWS:
            cur.execute(stmt)
        cur.execute("CREATE DATABASE dump_dst")
    dump = run(["mariadb-dump", *client(server), "--no-tablespaces", *options, "dump_src"])
    assert b"CREATE TABLE `parent`" in dump and b"INSERT INTO `child`" in dump
    run(["mariadb", *client(server), "dump_dst"], stdin=dump)

    before, after = snapshot(server, "dump_src"), snapshot(server, "dump_dst")
    for key in before:
        # (The view's text names the tables' database, as TiDB's does: the copy reads dump_src.)
        assert after[key] == before[key], key
    with server.connect(database="dump_dst", autocommit=True) as c, c.cursor() as cur:
        # AUTO_INCREMENT goes on after the loaded rows, and the foreign key acts.
        cur.execute("INSERT INTO parent (name) VALUES ('next')")
        cur.execute("SELECT id FROM parent WHERE name = 'next'")
        assert cur.fetchone()[0] > 3
        cur.execute("DELETE FROM parent WHERE id = 1")
        cur.execute("SELECT COUNT(*) FROM child")
        assert cur.fetchone() == (1,)
        cur.execute("DROP DATABASE dump_src")
        cur.execute("DROP DATABASE dump_dst")


def table_checksum(conn, db, table):
    """pt-table-checksum's row checksum: count and BIT_XOR of each row's CRC32 over its columns'
    text (with a NULL map), computed by the server itself."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
            (db, table),
        )
        cols = cur.fetchall()
        names = ", ".join(f"`{c}`" for c, _ in cols)
        nulls = ", ".join(f"ISNULL(`{c}`)" for c, n in cols if n == "YES") or "''"
        cur.execute(
            f"SELECT COUNT(*), COALESCE(LOWER(CONV(BIT_XOR(CAST(CRC32(CONCAT_WS('#', {names}, CONCAT({nulls})))"
            f" AS UNSIGNED)), 10, 16)), 0) FROM `{db}`.`{table}`"
        )
        return cur.fetchone()


def rows_as_sent(conn, db, table, order):
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM `{db}`.`{table}` ORDER BY {order}")
        return cur.fetchall()


@pytest.mark.parametrize("direction", ["out", "in"])
def test_dump_moves_between_ferrodb_and_mariadb_with_identical_checksums(server, mariadb, direction):
    """Data moves out and in: a dump of a FerroDB database loads into MariaDB, and one of a
    MariaDB database into FerroDB; each table's checksum (computed by each server) and its
    rows (as each sends them) agree between the source and the copy."""
    src, dst = (server, mariadb) if direction == "out" else (mariadb, server)
    db = f"dump_{direction}"
    for s in (server, mariadb):
        with s.connect(autocommit=True) as c, c.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {db}")
    with src.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute(f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        cur.execute(f"USE {db}")
        for stmt in SCHEMA + ROWS:
            cur.execute(stmt)
    dump = run(["mariadb-dump", *client(src), "--no-tablespaces", "--databases", db])
    run(["mariadb", *client(dst)], stdin=dump)
    with src.connect(conv={}) as a, dst.connect(conv={}) as b:
        for table, order in (("parent", "id"), ("child", "id"), ("priced", "name")):
            sums = table_checksum(a, db, table), table_checksum(b, db, table)
            assert sums[0] == sums[1], table
            assert int(sums[0][0]) > 0
            assert rows_as_sent(a, db, table, order) == rows_as_sent(b, db, table, order), table
    for s in (server, mariadb):
        with s.connect(autocommit=True) as c, c.cursor() as cur:
            cur.execute(f"DROP DATABASE {db}")
