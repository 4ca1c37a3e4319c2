"""TiDB's `BACKUP` / `RESTORE` / `SHOW BACKUPS`: an online backup taken while transfers run is
one snapshot; it restores into another server (and into the same one after a drop) with the
same definitions and rows as the wire sends them; refusals carry TiDB's codes."""

import os
import threading
import time

import pymysql
import pytest

from test_dump import ROWS, SCHEMA, snapshot

ACCOUNTS = 400
TOTAL = ACCOUNTS * 100


def load_shop(server):
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS dump_src")
        cur.execute("CREATE DATABASE dump_src")
        cur.execute("USE dump_src")
        for stmt in SCHEMA + ROWS:
            cur.execute(stmt)
        cur.execute("CREATE TABLE bank (id INT PRIMARY KEY AUTO_INCREMENT, balance INT NOT NULL, pad VARCHAR(4000), KEY (balance))")
        # Incompressible padding: about 1.2 MB of archive.
        for start in range(0, ACCOUNTS, 100):
            cur.execute(
                "INSERT INTO bank (balance, pad) VALUES "
                + ",".join(f"(100, '{os.urandom(1500).hex()}')" for _ in range(100))
            )


def transfers(server, stop, counts):
    """Moves one coin at a time between accounts until told to stop."""
    import random

    rnd = random.Random(7)
    with server.connect(database="dump_src", autocommit=False) as c, c.cursor() as cur:
        while not stop.is_set():
            a, b = rnd.sample(range(1, ACCOUNTS + 1), 2)
            cur.execute("UPDATE bank SET balance = balance - 1 WHERE id = %s", (a,))
            cur.execute("UPDATE bank SET balance = balance + 1 WHERE id = %s", (b,))
            c.commit()
            counts[0] += 1


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()


def test_online_backup_restores_one_snapshot(tmp_server, tmp_path):
    a = tmp_server()
    load_shop(a)
    before = snapshot(a, "dump_src")
    archive = tmp_path / "archive"
    stop, counts = threading.Event(), [0]
    writer = threading.Thread(target=transfers, args=(a, stop, counts))
    writer.start()
    seen = []

    def watch():
        with a.connect() as c, c.cursor() as cur:
            while not stop.is_set():
                cur.execute("SHOW BACKUPS")
                seen.extend(cur.fetchall())
                time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        time.sleep(0.3)
        with a.connect() as c, c.cursor() as cur:
            # About 1.3 MB of rows at 1 MB/s: long enough to watch it run.
            cur.execute(f"BACKUP DATABASE dump_src TO 'local://{archive}' RATE_LIMIT = 1 MB/SECOND")
            names = [d[0] for d in cur.description]
            row = cur.fetchone()
    finally:
        stop.set()
        writer.join()
        watcher.join()
    assert names == ["Destination", "Size", "BackupTS", "Queue Time", "Execution Time"]
    assert row[0] == f"local://{archive}"
    assert row[1] > 1_000_000 and row[2] > 0
    assert counts[0] > 20, "transfers ran during the backup"
    states = {r[2] for r in seen}
    assert states & {"Backup", "Checksum"}, seen[:5]
    running = [r for r in seen if r[2] == "Backup"]
    assert running and 0 <= running[0][3] < 100 and running[0][6] is not None
    with a.connect() as c, c.cursor() as cur:
        cur.execute("SHOW BACKUPS")
        done = cur.fetchall()[-1]
        assert (done[1], done[2], done[3], done[8]) == (f"local://{archive}", "Finished", 100.0, None)
        cur.execute(f"SHOW BACKUPS LIKE 'local://{archive}%'")
        assert len(cur.fetchall()) == 1
        cur.execute("SHOW BACKUPS WHERE State = 'Running'")
        assert cur.fetchall() == ()

    # Into a fresh server: everything as it was, the bank as of one instant.
    b = tmp_server(data_dir=tmp_path / "data-b")
    with b.connect() as c, c.cursor() as cur:
        cur.execute(f"RESTORE DATABASE * FROM 'local://{archive}'")
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        assert names == ["Destination", "Size", "BackupTS", "Cluster TS", "Queue Time", "Execution Time"]
        assert row[1] > 1_000_000
        assert snapshot(b, "dump_src") == before
        cur.execute("SELECT COUNT(*), SUM(balance) FROM dump_src.bank")
        assert cur.fetchone() == (ACCOUNTS, TOTAL), "one snapshot: no transfer half in"
        cur.execute("SELECT COUNT(*) FROM dump_src.bank FORCE INDEX (balance) WHERE balance > -1000")
        assert cur.fetchone() == (ACCOUNTS,), "index entries came along"
        cur.execute("INSERT INTO dump_src.bank (balance) VALUES (0)")
        assert cur.lastrowid > ACCOUNTS, "AUTO_INCREMENT continues above the restored ids"
        cur.execute("SHOW RESTORES")
        assert cur.fetchone()[2] == "Finished"

    # Into the same server after a drop; a table at a time works too.
    with a.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("SELECT SUM(balance) FROM dump_src.bank")
        assert cur.fetchone() == (TOTAL,)
        cur.execute("DROP DATABASE dump_src")
        cur.execute(f"RESTORE TABLE dump_src.parent, dump_src.child FROM 'local://{archive}'")
        cur.execute("SHOW TABLES FROM dump_src")
        assert sorted(r[0] for r in cur.fetchall()) == ["child", "parent"]
        code, msg = error(cur, f"RESTORE DATABASE dump_src FROM 'local://{archive}' CHECKSUM = FALSE")
        assert code == 8125 and "`dump_src`.`child` already exists" in msg
        cur.execute("SHOW TABLES FROM dump_src")
        assert len(cur.fetchall()) == 2, "a refused restore writes nothing"


def error(cur, sql):
    with pytest.raises(pymysql.MySQLError) as e:
        cur.execute(sql)
    return e.value.args[0], e.value.args[1]


def test_refusals(tmp_server, tmp_path):
    s = tmp_server()
    load_shop(s)
    archive = tmp_path / "a"
    with s.connect(database="dump_src") as c, c.cursor() as cur:
        cur.execute(f"BACKUP TABLE parent, child TO '{archive}'")
        code, msg = error(cur, f"BACKUP DATABASE dump_src TO 'local://{archive}'")
        assert code == 8124 and "backup meta file exists" in msg
        assert error(cur, f"RESTORE DATABASE * FROM 'local://{archive}'") == (
            8125,
            "Restore failed: table `dump_src`.`child` already exists; restore only into databases without the backed-up tables",
        )
        assert error(cur, "BACKUP DATABASE nope TO '/tmp/never'") == (8124, "Backup failed: Unknown database 'nope'")
        code, msg = error(cur, "BACKUP DATABASE * TO 's3://bucket/x?access-key=secret'")
        assert code == 8124 and "s3://" in msg and "secret" not in msg
        code, msg = error(cur, f"BACKUP DATABASE * TO '{tmp_path}/snap' SNAPSHOT = 1 HOUR AGO")
        assert code == 8124 and "SNAPSHOT" in msg
        code, msg = error(cur, f"RESTORE DATABASE * FROM '{tmp_path}/none'")
        assert code == 8125 and "backupmeta.json is missing" in msg
        assert error(cur, "BACKUP DATABASE TO 'x'")[0] == 1064
        assert error(cur, "RESTORE DATABASE * FROM 'x' SNAPSHOT = 5")[0] == 1064
        # The connection is still usable.
        cur.execute("SELECT COUNT(*) FROM child")
        assert cur.fetchone() == (3,)

        cur.execute("CREATE USER backup_less IDENTIFIED BY 'pw'")
        cur.execute("GRANT ALL ON dump_src.* TO backup_less")
    with s.connect(user="backup_less", password="pw", database="dump_src") as c, c.cursor() as cur:
        assert error(cur, f"BACKUP DATABASE dump_src TO '{tmp_path}/b'") == (
            1227,
            "Access denied; you need (at least one of) the SUPER or BACKUP_ADMIN privilege(s) for this operation",
        )
        assert error(cur, f"RESTORE DATABASE dump_src FROM '{archive}'")[0] == 1227
        assert error(cur, "SHOW BACKUPS")[0] == 1227
    with s.connect() as c, c.cursor() as cur:
        cur.execute("GRANT BACKUP_ADMIN ON *.* TO backup_less")
    with s.connect(user="backup_less", password="pw", database="dump_src") as c, c.cursor() as cur:
        cur.execute(f"BACKUP TABLE parent TO '{tmp_path}/b'")
        assert cur.fetchone()[1] > 0


def test_kill_stops_a_backup_and_the_connection_stays_usable(tmp_server, tmp_path):
    s = tmp_server()
    load_shop(s)
    with s.connect() as c, c.cursor() as cur:
        conn_id = one(cur, "SELECT CONNECTION_ID()")[0]
        outcome = []

        def run():
            try:
                cur.execute(f"BACKUP DATABASE dump_src TO '{tmp_path}/slow' RATE_LIMIT = 1 MB/SECOND")
                outcome.append("finished")
            except pymysql.MySQLError as e:
                outcome.append(e.args[0])

        t = threading.Thread(target=run)
        t.start()
        time.sleep(0.4)
        with s.connect() as k, k.cursor() as kcur:
            kcur.execute(f"KILL TIDB QUERY {conn_id}")
        t.join(timeout=30)
        assert outcome == [1317]
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
        cur.execute("SHOW BACKUPS")
        failed = cur.fetchall()[-1]
        assert failed[2] == "Failed" and failed[8] == "Query execution was interrupted"
    # Nothing half-written is left to be mistaken for a backup.
    assert not (tmp_path / "slow" / "backupmeta.json").exists()
    assert list((tmp_path / "slow").iterdir()) == []


def test_admin_checksum_matches_the_backup_and_follows_the_rows(tmp_server, tmp_path):
    import json

    s = tmp_server()
    with s.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("CREATE TABLE ck (id INT PRIMARY KEY, v VARCHAR(20), KEY (v))")
        cur.execute("INSERT INTO ck VALUES " + ",".join(f"({i}, 'v{i}')" for i in range(500)))
        cur.execute("ADMIN CHECKSUM TABLE ck")
        names = [d[0] for d in cur.description]
        first = cur.fetchone()
        assert names == ["Db_name", "Table_name", "Checksum_crc64_xor", "Total_kvs", "Total_bytes"]
        assert first[:2] == ("test", "ck") and first[3] == 1000, "rows and index entries"
        cur.execute(f"BACKUP TABLE ck TO '{tmp_path}/ck'")
        meta = json.loads((tmp_path / "ck" / "backupmeta.json").read_text())
        assert meta["tables"][0]["checksum"] == {
            "crc64_xor": first[2],
            "total_kvs": first[3],
            "total_bytes": first[4],
        }
        cur.execute("UPDATE ck SET v = 'changed' WHERE id = 7")
        cur.execute("ADMIN CHECKSUM TABLE ck")
        changed = cur.fetchone()
        assert changed[2] != first[2] and changed[3] == first[3]
        cur.execute("UPDATE ck SET v = 'v7' WHERE id = 7")
        cur.execute("ADMIN CHECKSUM TABLE test.ck")
        assert cur.fetchone() == first
        cur.execute("CHECKSUM TABLE ck")
        assert cur.fetchone()[0] == "test.ck"
