"""TPC-H side by side: loads the same generated data (gen.py) into FerroDB and MariaDB, runs
the 22 queries on both with a time limit, checks that they return the same rows, and prints
each query's time on both, the ratio, the geometric mean of the ratios and FerroDB's peak RSS.

Each query runs `--runs` times on each server, the two alternating, and the median time counts
(the first run of each is cold: FerroDB's block cache and background compaction after the
load, where MariaDB's buffer pool already holds what it loaded). A query that fails or passes
the time limit on a server is not run there again.

    python run.py --sf 0.1 --ferrodb-port P --mariadb-port Q [--ferrodb-pid N] [--timeout S]
                  [--runs N]
"""

import argparse
import math
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pymysql

import gen

HERE = Path(__file__).resolve().parent


def connect(port, db=None):
    return pymysql.connect(host="127.0.0.1", port=port, user="root", password="", database=db,
                           autocommit=True, read_timeout=3600)


def load(port, sf):
    with connect(port) as c, c.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS tpch")
        cur.execute("CREATE DATABASE tpch")
        cur.execute("USE tpch")
        for stmt in (HERE / "schema.sql").read_text().split(";"):
            if stmt.strip():
                cur.execute(stmt)
        started = time.time()
        for table, rows in gen.tables(sf):
            marks = ", ".join(["%s"] * len(rows[0]))
            for i in range(0, len(rows), 2000):
                cur.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[i:i + 2000])
        return time.time() - started


def norm(v):
    if isinstance(v, (Decimal, float, int)) and not isinstance(v, bool):
        return ("n", float(v))
    if isinstance(v, (date, datetime)):
        return ("s", v.isoformat())
    if isinstance(v, bytes):
        v = v.decode(errors="replace")
    return ("s", None if v is None else str(v).rstrip())


def same(a, b):
    if len(a) != len(b):
        return False
    for ra, rb in zip(sorted(a, key=repr), sorted(b, key=repr)):
        for (ka, va), (kb, vb) in zip(ra, rb):
            if ka != kb:
                return False
            if ka == "n":
                if not math.isclose(va, vb, rel_tol=1e-6, abs_tol=0.01):
                    return False
            elif va != vb:
                return False
    return True


def run(port, sql, timeout, ferrodb):
    with connect(port, "tpch") as c, c.cursor() as cur:
        if ferrodb:
            cur.execute(f"SET max_execution_time = {int(timeout * 1000)}")
        else:
            cur.execute(f"SET max_statement_time = {timeout}")
        started = time.time()
        try:
            cur.execute(sql)
            rows = [tuple(norm(v) for v in r) for r in cur.fetchall()]
            return time.time() - started, rows, None
        except pymysql.err.MySQLError as e:
            return time.time() - started, None, f"{e.args[0]}"


def median(times):
    times = sorted(times)
    return times[len(times) // 2]


def peak_rss(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sf", type=float, default=0.1)
    ap.add_argument("--ferrodb-port", type=int, required=True)
    ap.add_argument("--mariadb-port", type=int, required=True)
    ap.add_argument("--ferrodb-pid", type=int)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("queries", nargs="*")
    a = ap.parse_args()
    print(f"loading SF {a.sf}: ferrodb {load(a.ferrodb_port, a.sf):.1f} s, "
          f"mariadb {load(a.mariadb_port, a.sf):.1f} s")
    with connect(a.ferrodb_port, "tpch") as c, c.cursor() as cur:
        for t in ["region", "nation", "supplier", "part", "partsupp", "customer", "orders", "lineitem"]:
            cur.execute(f"ANALYZE TABLE {t}")
    names = a.queries or [f"q{i:02d}" for i in range(1, 23)]
    print(f"median of {a.runs} runs each")
    print(f"{'query':6} {'ferrodb_s':>10} {'mariadb_s':>10} {'ratio':>7}  result")
    ratios, worst = [], 0.0
    for q in names:
        sql = (HERE / "queries" / f"{q}.sql").read_text().strip()
        ft, frows, ferr = run(a.ferrodb_port, sql, a.timeout, True)
        mt, mrows, merr = run(a.mariadb_port, sql, a.timeout, False)
        fts, mts = [ft], [mt]
        for _ in range(a.runs - 1):
            if not ferr:
                fts.append(run(a.ferrodb_port, sql, a.timeout, True)[0])
            if not merr:
                mts.append(run(a.mariadb_port, sql, a.timeout, False)[0])
        ft, mt = median(fts), median(mts)
        if ferr or merr:
            status = f"ferrodb error {ferr}" if ferr else f"mariadb error {merr}"
            if ferr == "3024":
                status = f"ferrodb over {a.timeout:.0f} s"
        elif same(frows, mrows):
            status = f"same {len(frows)} rows"
            ratio = ft / max(mt, 1e-4)
            ratios.append(ratio)
            worst = max(worst, ratio)
        else:
            status = f"DIFFERENT: ferrodb {len(frows)} rows, mariadb {len(mrows)} rows"
        ratio_s = f"{ft / max(mt, 1e-4):7.2f}" if not (ferr or merr) else "      -"
        print(f"{q:6} {ft:10.3f} {mt:10.3f} {ratio_s}  {status}", flush=True)
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"geometric mean ratio over {len(ratios)} agreeing queries: {geo:.2f}; worst {worst:.1f}x")
    if a.ferrodb_pid:
        print(f"ferrodb peak RSS: {peak_rss(a.ferrodb_pid)} MiB")


if __name__ == "__main__":
    main()
