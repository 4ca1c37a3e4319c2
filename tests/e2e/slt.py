"""A sqllogictest runner over one real MySQL-protocol connection.

Records are separated by blank lines:

    statement ok | statement error [CODE]        then the SQL
    query <types> [nosort|rowsort|valuesort]     then the SQL, `----`, the expected result
    skipif <engine> / onlyif <engine>            before a record (this runner is `mysql`)
    hash-threshold N / halt

Types: `I` integer (printed truncated), `R` real (`%.3f`), `T` text (`(empty)` for '', `@` for
unprintable characters); NULL prints `NULL`. That coercion is SQLite's corpus convention; FerroDB's
own files run `exact`: every value is the exact text the server sent (`(empty)`, `NULL` and `@` for
control characters as above), and each type letter must match its column's type (`I` integer,
`R` floating point or decimal, `T` anything else), as `crates/session/tests/slt.rs` checks. Expected results are either one value per line (SQLite's
corpus) or one row per line with values separated by single spaces (FerroDB's own files), or
`N values hashing to <md5>` — the md5 of every printed value followed by a newline.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import pymysql

ENGINE = "mysql"


@dataclass
class Failure:
    line: int
    sql: str
    message: str


@dataclass
class Result:
    records: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)


def format_value(v, t):
    if v is None:
        return "NULL"
    if t == "I":
        if isinstance(v, (bytes, bytearray)):
            v = v.decode(errors="replace")
        if isinstance(v, str):
            m = re.match(r"\s*[-+]?\d+(\.\d*)?", v)
            v = float(m.group(0)) if m else 0
        return str(int(v))
    if t == "R":
        if isinstance(v, (bytes, bytearray, str)):
            try:
                v = float(v)
            except ValueError:
                v = 0.0
        return "%.3f" % float(v)
    if isinstance(v, (bytes, bytearray)):
        v = v.decode(errors="replace")
    if isinstance(v, float):
        v = repr(v) if v != int(v) else str(int(v))
    if isinstance(v, Decimal):
        v = str(v)
    s = str(v)
    if s == "":
        return "(empty)"
    # Newlines stay (FerroDB's files compare multi-line values, e.g. SHOW CREATE TABLE).
    return "".join(c if c.isprintable() or c == "\n" else "@" for c in s)


INTEGER_TYPES = {1, 2, 3, 8, 9}  # TINY, SHORT, LONG, LONGLONG, INT24
REAL_TYPES = {0, 4, 5, 246}  # DECIMAL, FLOAT, DOUBLE, NEWDECIMAL


def type_letter(type_code):
    return "I" if type_code in INTEGER_TYPES else "R" if type_code in REAL_TYPES else "T"


def exact_value(v):
    """A value as the server sent it (a connection without conversions gives str or bytes)."""
    if v is None:
        return "NULL"
    if isinstance(v, (bytes, bytearray)):
        v = bytes(v).decode(errors="replace")
    if v == "":
        return "(empty)"
    return "".join("@" if unicodedata.category(c) == "Cc" and c != "\n" else c for c in v)


def parse(text):
    """Yields (line_number, kind, header_words, sql, expected_lines, conditions)."""
    lines = text.split("\n")
    i = 0
    conditions = []
    while i < len(lines):
        line = lines[i].rstrip()
        if not line or line.startswith("#"):
            i += 1
            continue
        words = line.split()
        start = i + 1
        if words[0] in ("skipif", "onlyif"):
            conditions.append((words[0], words[1]))
            i += 1
            continue
        if words[0] in ("hash-threshold", "halt"):
            yield start, words[0], words, "", [], conditions
            conditions = []
            i += 1
            continue
        if words[0] not in ("statement", "query"):
            raise ValueError(f"line {start}: unknown record {line!r}")
        i += 1
        sql_lines = []
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            sql_lines.append(lines[i])
            i += 1
        expected = []
        if i < len(lines) and lines[i].strip() == "----":
            i += 1
            while i < len(lines) and lines[i].strip():
                expected.append(lines[i].rstrip())
                i += 1
        yield start, words[0], words, "\n".join(sql_lines), expected, conditions
        conditions = []


def applies(conditions):
    for kind, engine in conditions:
        if kind == "skipif" and engine == ENGINE:
            return False
        if kind == "onlyif" and engine != ENGINE:
            return False
    return True


def run(conn, text, exact=False):
    """Runs every record of `text`; returns counts and failures (never raises on a mismatch).
    `exact`: compare the server's text and the column types (`conn` must have no conversions)."""
    result = Result()
    threshold = 0
    cur = conn.cursor()
    for line, kind, words, sql, expected, conditions in parse(text):
        if kind == "halt":
            if applies(conditions):
                break
            continue
        if kind == "hash-threshold":
            threshold = int(words[1])
            continue
        if not applies(conditions):
            result.skipped += 1
            continue
        result.records += 1
        if kind == "statement":
            want_error = words[1] == "error"
            code = words[2] if want_error and len(words) > 2 else None
            try:
                cur.execute(sql)
                while cur.nextset():
                    pass
                if want_error:
                    result.failures.append(Failure(line, sql, "expected an error, statement succeeded"))
            except pymysql.err.MySQLError as e:
                if not want_error:
                    result.failures.append(Failure(line, sql, f"unexpected error {e.args}"))
                elif code and str(e.args[0]) != code:
                    result.failures.append(Failure(line, sql, f"expected error {code}, got {e.args}"))
            continue
        types = words[1]
        sort = words[2] if len(words) > 2 else "nosort"
        try:
            cur.execute(sql)
            rows = cur.fetchall()
        except pymysql.err.MySQLError as e:
            result.failures.append(Failure(line, sql, f"query failed {e.args}"))
            continue
        if exact:
            letters = "".join(type_letter(d[1]) for d in cur.description or [])
            if letters and letters != types:
                result.failures.append(Failure(line, sql, f"column types are {letters}, the record says {types}"))
                continue
            printed = [[exact_value(v) for v in r] for r in rows]
        elif rows and len(rows[0]) != len(types):
            result.failures.append(Failure(line, sql, f"{len(rows[0])} columns, types say {len(types)}"))
            continue
        else:
            printed = [[format_value(v, types[j]) for j, v in enumerate(r)] for r in rows]
        if sort == "rowsort":
            printed.sort()
        values = [v for r in printed for v in r]
        if sort == "valuesort":
            values.sort()
        if len(expected) == 1 and "values hashing to" in expected[0]:
            n, _, _, _, digest = expected[0].split()
            got = hashlib.md5("".join(v + "\n" for v in values).encode()).hexdigest()
            if int(n) != len(values) or got != digest:
                result.failures.append(Failure(line, sql, f"got {len(values)} values hashing to {got}"))
            continue
        by_value = values
        by_row = [" ".join(r) for r in printed] if sort != "valuesort" else values
        joined = "\n".join(expected)
        if joined != "\n".join(by_value) and joined != "\n".join(by_row):
            if threshold and len(values) > threshold:
                got = hashlib.md5("".join(v + "\n" for v in values).encode()).hexdigest()
                detail = f"{len(values)} values hashing to {got}"
            else:
                detail = "\n".join(by_row)
            result.failures.append(Failure(line, sql, f"expected:\n{chr(10).join(expected)}\ngot:\n{detail}"))
    return result


def run_in_fresh_database(server, text, db, exact=False):
    """Runs `text` on one connection to `server` inside a newly created database `db`
    (dropped afterwards) and returns the Result. `exact`: see `run`."""
    conversions = {"conv": {}} if exact else {}
    with server.connect(autocommit=True, database=None, **conversions) as c, c.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {db}")
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"USE {db}")
        result = run(c, text, exact)
        cur.execute(f"DROP DATABASE {db}")
    return result


def report(name, result, limit=20):
    """A failure summary for an assertion message."""
    details = "\n\n".join(f"{name}:{f.line}: {f.sql}\n{f.message}" for f in result.failures[:limit])
    return f"{len(result.failures)} of {result.records} records failed\n{details}"
