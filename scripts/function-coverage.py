#!/usr/bin/env python3
"""Which of TiDB's built-in functions (tests/sql/tidb_functions.txt) a running FerroDB knows.

    scripts/function-coverage.py [--port 4000] [--host 127.0.0.1]

Each name is called with no arguments: "FUNCTION … does not exist" (1305), or 1235 for an
aggregate FerroDB does not have, means missing; any other answer (a result, or a wrong
argument count) means the function exists. Prints the count and the missing names."""

import argparse
import re
from pathlib import Path

import pymysql

LIST = Path(__file__).resolve().parent.parent / "tests" / "sql" / "tidb_functions.txt"

# Functions with a syntax of their own are called in it.
SAMPLES = {
    "date_add": "DATE_ADD('2024-01-01', INTERVAL 1 DAY)",
    "date_sub": "DATE_SUB('2024-01-01', INTERVAL 1 DAY)",
    "adddate": "ADDDATE('2024-01-01', INTERVAL 1 DAY)",
    "subdate": "SUBDATE('2024-01-01', INTERVAL 1 DAY)",
    "timestampadd": "TIMESTAMPADD(DAY, 1, '2024-01-01')",
    "timestampdiff": "TIMESTAMPDIFF(DAY, '2024-01-01', '2024-01-02')",
    "position": "POSITION('b' IN 'abc')",
    "count": "COUNT(*)",
}


def names():
    for line in LIST.read_text().splitlines():
        if not line.startswith("#"):
            yield from line.split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4000)
    args = ap.parse_args()
    conn = pymysql.connect(host=args.host, port=args.port, user="root", password="", autocommit=True)
    missing, total = [], 0
    with conn.cursor() as cur:
        for name in names():
            total += 1
            try:
                cur.execute("SELECT " + SAMPLES.get(name, f"{name}()"))
                cur.fetchall()
            except pymysql.err.MySQLError as e:
                code, message = e.args[0], str(e.args[-1])
                if code == 1305 or (code == 1235 and re.search(r"aggregate|function", message, re.I)):
                    missing.append(name)
    print(f"{total - len(missing)} of {total} TiDB functions implemented")
    print("missing:", " ".join(missing))


if __name__ == "__main__":
    main()
