"""LOAD DATA LOCAL INFILE through real clients: the server asks for the file, the client sends
it, the rows are inserted (duplicates and bad values as warnings, as with MySQL's LOCAL)."""

import subprocess

import pymysql
import pytest


def test_pymysql_loads_a_csv_file(server, tmp_path):
    path = tmp_path / "players.csv"
    path.write_text(
        'id,name,coins\n1,"Alice, A.",10\n2,Bob,\\N\n3,"say ""hi""",x\n1,dup,0\n4,short\n'
    )
    c = server.connect(local_infile=True, autocommit=True)
    cur = c.cursor()
    cur.execute("CREATE TABLE ld (id INT PRIMARY KEY, name VARCHAR(20), coins INT DEFAULT 7)")
    cur.execute(
        f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE ld FIELDS TERMINATED BY ',' "
        "OPTIONALLY ENCLOSED BY '\"' IGNORE 1 LINES (id, name, coins)"
    )
    assert cur.rowcount == 4
    cur.execute("SHOW WARNINGS")
    codes = sorted(w[1] for w in cur.fetchall())
    assert codes == [1062, 1261, 1366], codes
    cur.execute("SELECT id, name, coins FROM ld ORDER BY id")
    assert cur.fetchall() == ((1, "Alice, A.", 10), (2, "Bob", None), (3, 'say "hi"', 0), (4, "short", 7))
    # REPLACE takes the file's row over the stored one.
    path.write_text("1\tAlicia\t11\n")
    cur.execute(f"LOAD DATA LOCAL INFILE '{path}' REPLACE INTO TABLE ld")
    cur.execute("SELECT name, coins FROM ld WHERE id = 1")
    assert cur.fetchone() == ("Alicia", 11)
    # Errors keep the connection usable.
    with pytest.raises(pymysql.err.ProgrammingError) as e:
        cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE no_such")
    assert e.value.args[0] == 1146
    with pytest.raises(pymysql.err.NotSupportedError) as e:
        cur.execute("LOAD DATA INFILE '/etc/passwd' INTO TABLE ld")
    assert e.value.args[0] == 1235
    cur.execute("SELECT COUNT(*) FROM ld")
    assert cur.fetchone() == (4,)
    c.close()


def test_a_client_without_local_infile_gets_1148(server, tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("1\n")
    c = server.connect(autocommit=True)
    cur = c.cursor()
    cur.execute("CREATE TABLE ld2 (id INT)")
    with pytest.raises(pymysql.err.OperationalError) as e:
        cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE ld2")
    assert e.value.args[0] == 1148
    cur.execute("SELECT COUNT(*) FROM ld2")
    assert cur.fetchone() == (0,)
    c.close()


def test_mariadb_cli_loads_a_file(server, tmp_path):
    path = tmp_path / "nums.tsv"
    path.write_text("".join(f"{i}\tn{i}\n" for i in range(1, 1001)))
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("CREATE TABLE ld3 (id INT PRIMARY KEY, v VARCHAR(10))")
    sql = f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE ld3; SELECT COUNT(*), SUM(id) FROM ld3"
    r = subprocess.run(
        ["mariadb", "-h127.0.0.1", f"-P{server.port}", "-uroot", "--skip-ssl", "--local-infile=1",
         "--batch", "--skip-column-names", "test", "-e", sql],
        capture_output=True, text=True, timeout=30,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1000\t500500"
