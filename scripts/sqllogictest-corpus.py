#!/usr/bin/env python3
"""Runs SQLite's public sqllogictest files (tests/sqllogictest by default) against a running
FerroDB and prints, per file, how many records passed. Progress measure for the SQL engine; the
files join CI once they pass in full.

    usage: scripts/sqllogictest-corpus.py [--port 4000] [FILE ...]
"""

import argparse
import sys
from pathlib import Path

import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
import slt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4000)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    default_dir = Path(__file__).resolve().parents[1] / "tests" / "sqllogictest"
    files = [Path(f) for f in args.files] or sorted(default_dir.glob("*.test"))
    total_ok = total = 0
    for f in files:
        db = "slt_corpus_" + f.stem
        conn = pymysql.connect(host=args.host, port=args.port, user="root", autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {db}")
            cur.execute(f"CREATE DATABASE {db}")
            cur.execute(f"USE {db}")
        r = slt.run(conn, f.read_text())
        ok = r.records - len(r.failures)
        total_ok += ok
        total += r.records
        print(f"{f.name:<16} {ok:>6} / {r.records:<6} passed ({r.skipped} skipped)")
        if r.failures:
            first = r.failures[0]
            print(f"  first failure at line {first.line}: {first.message.splitlines()[0][:120]}")
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE {db}")
        conn.close()
    print(f"{'total':<16} {total_ok:>6} / {total}")


if __name__ == "__main__":
    main()
