#!/usr/bin/env python3
"""Randomized SQL testing with oracles that need no reference database (after SQLancer).

Generates random schemas (types, NULLs, primary keys, unique and composite indexes), random
rows, and random queries (joins, predicates with comparisons, NULL tests, BETWEEN, IN, LIKE,
arithmetic, CASE, casts and functions), and checks them with:

* TLP (ternary logic partitioning): the rows of `SELECT … FROM …` are exactly the rows of the
  same query under `WHERE p`, `WHERE NOT p` and `WHERE p IS NULL` together; also for DISTINCT,
  COUNT, MIN/MAX and SUM.
* NoREC: `SELECT COUNT(*) … WHERE p` (which the optimizer may turn into index ranges) equals
  `SUM((p) IS TRUE)` over every row (which it cannot).
* PQS (pivoted query synthesis): a random row of the FROM is the pivot; the predicate is
  evaluated on the pivot's values alone (typed constants in one-row derived tables under the
  same aliases), rectified to hold (`p`, `NOT p` or `p IS NULL`), and the query over the real
  tables must return the pivot.
* Index vs no index: every table exists twice with the same rows, once with indexes (`t…`)
  and once without (`n…`); the same query over both must agree.
* Differential (with `--mariadb-port`): the same schema, rows and query on MariaDB; results
  compared as text (doubles to 12 significant digits), queries either server refuses skipped.
  MariaDB is not TiDB: a difference is a lead to check against MySQL's documented behaviour.

A server that drops the connection (a crash) is always a finding. A discrepancy is reduced
(rows deleted, predicate subtrees replaced) and printed as a self-contained script to turn
into a golden test. Exit status 1 when anything was found.

    usage: scripts/sql-oracles.py --port 4000 [--seed N] [--seconds S | --queries N]
"""

import argparse
import random
import sys
import time
from collections import Counter

import pymysql

TYPES = [
    ("INT", "int"),
    ("BIGINT", "int"),
    ("DECIMAL(10,2)", "dec"),
    ("DOUBLE", "float"),
    ("VARCHAR(20)", "str"),
    ("DATE", "date"),
]

INTS = [0, 1, -1, 2, 3, 7, 10, -10, 100, 255, 256, 65535, 2147483647, -2147483648]
DECS = ["0.00", "1.50", "-1.50", "0.01", "-0.01", "99.99", "12345678.90", "2.00"]
FLOATS = ["0", "0.5", "-0.5", "1e3", "-2.25", "3.75", "1e-3", "100"]
STRS = ["", "a", "A", "b", "ab", "abc", "a b", "%", "_", "0", "1", "10", "-1", "1.5", "x", "aa", "Ab"]
DATES = ["2020-01-01", "1999-12-31", "2020-02-29", "2000-01-01", "2024-06-15"]


def typed(v, sqltype):
    """A constant of column type `sqltype` with value `v` (as PyMySQL returned it)."""
    if sqltype.startswith("VARCHAR"):
        return "NULL" if v is None else sql_str(v)
    target = {"INT": "SIGNED", "BIGINT": "SIGNED", "DOUBLE": "DOUBLE"}.get(sqltype, sqltype)
    text = "NULL" if v is None else repr(v) if isinstance(v, float) else sql_str(str(v))
    return f"CAST({text} AS {target})"


def sql_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def literal(rng, kind):
    if rng.random() < 0.08:
        return "NULL"
    if kind == "int":
        return str(rng.choice(INTS) if rng.random() < 0.7 else rng.randint(-50, 50))
    if kind == "dec":
        return rng.choice(DECS)
    if kind == "float":
        return rng.choice(FLOATS)
    if kind == "date":
        return sql_str(rng.choice(DATES))
    return sql_str(rng.choice(STRS))


class Node:
    """An expression: `fmt` with `{0}`, `{1}`… for its children."""

    def __init__(self, fmt, kids=(), kind="any"):
        self.fmt, self.kids, self.kind = fmt, list(kids), kind

    def render(self):
        return self.fmt.format(*(k.render() for k in self.kids))

    def nodes(self):
        yield self
        for k in self.kids:
            yield from k.nodes()


def leaf(text, kind="any"):
    return Node(text.replace("{", "{{").replace("}", "}}"), (), kind)


class Gen:
    def __init__(self, rng, columns, subquery_tables=(), mixed=True):
        self.rng = rng
        self.mixed = mixed  # whether comparisons may mix types
        self.columns = columns  # [(qualified name, kind)]
        self.subquery_tables = list(subquery_tables)  # [(table index, [(name, type, kind)])]

    def kind(self):
        """A type to compare: mostly one the columns have."""
        if self.columns and self.rng.random() < 0.85:
            return self.rng.choice(self.columns)[1]
        return self.rng.choice(["int", "int", "dec", "str", "float", "date"])

    def value(self, kind=None, depth=0):
        r = self.rng
        if kind is None:
            kind = self.kind()
        cols = [c for c in self.columns if c[1] == kind]
        if cols and r.random() < 0.65:
            return leaf(r.choice(cols)[0], kind)
        if depth < 2 and r.random() < 0.35:
            if kind in ("int", "dec", "float"):
                op = r.choice(["+", "-", "*", "DIV", "%"]) if kind == "int" else r.choice(["+", "-", "*"])
                return Node("({0} " + op + " {1})", [self.value(kind, depth + 1), self.value(kind, depth + 1)], kind)
            if kind == "str":
                f = r.choice(["UPPER({0})", "LOWER({0})", "CONCAT({0}, {1})", "TRIM({0})", "SUBSTRING({0}, 1, 2)", "REVERSE({0})"])
                n = f.count("{")
                return Node(f, [self.value("str", depth + 1) for _ in range(n)], "str")
            f = r.choice(["ABS({0})", "COALESCE({0}, {1})", "IFNULL({0}, {1})", "LEAST({0}, {1})", "GREATEST({0}, {1})"])
            if kind == "date":
                f = r.choice(["COALESCE({0}, {1})", "LEAST({0}, {1})"])
            n = f.count("{")
            return Node(f, [self.value(kind, depth + 1) for _ in range(n)], kind)
        return leaf(literal(r, kind), kind)

    def pred(self, depth=0):
        r = self.rng
        choice = r.random()
        if depth < 3 and choice < 0.25:
            op = r.choice(["AND", "OR", "XOR"])
            return Node("({0} " + op + " {1})", [self.pred(depth + 1), self.pred(depth + 1)], "bool")
        if depth < 3 and choice < 0.32:
            return Node("(NOT {0})", [self.pred(depth + 1)], "bool")
        kind = self.kind()
        form = r.random()
        if form < 0.45:
            op = r.choice(["=", "<>", "<", "<=", ">", ">=", "<=>", "!="])
            # A quarter of comparisons mix types (int vs string, date vs string, …): MySQL's
            # conversion rules, and index ranges built from converted values.
            other = kind
            if self.mixed and r.random() < 0.25:
                other = self.kind() if r.random() < 0.5 else r.choice(["int", "str", "dec", "float", "date"])
            return Node("({0} " + op + " {1})", [self.value(kind), self.value(other)], "bool")
        if form < 0.55:
            return Node("({0} IS " + r.choice(["", "NOT "]) + "NULL)", [self.value(kind)], "bool")
        if form < 0.65:
            neg = r.choice(["", "NOT "])
            return Node("({0} " + neg + "BETWEEN {1} AND {2})", [self.value(kind) for _ in range(3)], "bool")
        if form < 0.77:
            n = r.randint(1, 4)
            inner = ", ".join("{%d}" % (i + 1) for i in range(n))
            neg = r.choice(["", "NOT "])
            return Node("({0} " + neg + "IN (" + inner + "))", [self.value(kind) for _ in range(n + 1)], "bool")
        if form < 0.85:
            pat = r.choice(["a%", "%b", "%", "_", "a_", "%1%", "A%", ""])
            return Node("({0} LIKE " + sql_str(pat) + ")", [self.value("str")], "bool")
        if form < 0.92:
            return Node("(CASE WHEN {0} THEN {1} ELSE {2} END)", [self.pred(depth + 1), self.pred(depth + 1), self.pred(depth + 1)], "bool")
        if form < 0.95:
            # TiDB rounds a string's numeric value when casting it to an integer (CAST('1.5' AS
            # SIGNED) = 2, pingcap/tidb#9905); MySQL and MariaDB truncate. Not against MariaDB.
            kinds = ["str", "dec", "float"] if self.mixed else ["dec", "float"]
            return Node("(CAST({0} AS SIGNED) > {1})", [self.value(r.choice(kinds)), self.value("int")], "bool")
        if form < 0.97 and self.subquery_tables and depth < 2:
            ti, cols = r.choice(self.subquery_tables)
            c = r.choice(cols)
            neg = r.choice(["", "NOT "])
            if r.random() < 0.5:
                return Node("({0} " + neg + "IN (SELECT " + c[0] + " FROM t" + str(ti) + "))", [self.value(c[2])], "bool")
            inner = Gen(r, [(f"s.{n}", k) for n, _, k in cols] + self.columns, (), self.mixed)
            cond = inner.pred(2)
            return Node("(" + neg + "EXISTS (SELECT 1 FROM t" + str(ti) + " AS s WHERE {0}))", [cond], "bool")
        if form < 0.985:
            f = r.choice(["IF({0}, {1}, {2})", "NULLIF({1}, {2})", "(LENGTH({1}) > 1)", "(ROUND({1}) = {2})"])
            return Node(f, [self.pred(depth + 1), self.value(kind), self.value(kind)], "bool")
        return self.value(r.choice(["int", "str"]))


class Finding(Exception):
    pass


def canonical(row):
    """A row as comparable text: doubles to 12 significant digits, the rest as str."""
    out = []
    for v in row:
        if isinstance(v, float):
            out.append(f"{v:.12g}")
        elif v is None:
            out.append("NULL")
        else:
            out.append(str(v))
    return tuple(out)


class Runner:
    def __init__(self, args, seed):
        self.args = args
        self.seed = seed
        self.rng = random.Random(seed)
        self.db = f"oracle_{seed}"
        self.conn = self.connect()
        self.ref = None
        if args.mariadb_port:
            self.ref = pymysql.connect(host=args.host, port=args.mariadb_port, user="root",
                                       password="", autocommit=True)
        self.checked = Counter()
        self.skipped = 0

    def connect(self):
        return pymysql.connect(host=self.args.host, port=self.args.port, user=self.args.user,
                               password=self.args.password, autocommit=True)

    def run(self, sql):
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        except pymysql.err.OperationalError as e:
            if e.args[0] in (2006, 2013, 2014) or not self.conn.open:
                raise Finding(f"connection lost (server crash?) on: {sql}\n{e}")
            raise
        except pymysql.err.InterfaceError as e:
            raise Finding(f"connection lost on: {sql}\n{e}")
        except ValueError as e:
            # The client could not decode a value as its column's announced type.
            self.conn = self.connect()
            self.run(f"USE {self.db}")
            raise Finding(f"a value does not match its column type on: {sql}\n{e}")

    def try_rows(self, sql):
        try:
            return self.run(sql)
        except pymysql.err.MySQLError:
            return None

    def ref_rows(self, sql):
        """Rows of `sql` on the reference server, or None when it refuses it."""
        try:
            with self.ref.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        except pymysql.err.MySQLError:
            return None

    # --- schema and data -------------------------------------------------------------------

    def make_schema(self):
        r = self.rng
        for stmt in (f"DROP DATABASE IF EXISTS {self.db}", f"CREATE DATABASE {self.db}", f"USE {self.db}"):
            self.run(stmt)
            if self.ref:
                # MariaDB's default collation ignores case. FerroDB compares strings byte for byte
                # with trailing spaces significant (NO PAD; TiDB's utf8mb4_bin pads: issue 14).
                if stmt.startswith("CREATE"):
                    stmt += " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
                self.ref_rows(stmt)
        if self.ref:
            self.ref_rows("SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin")
        self.tables = []
        self.ddl = [f"USE {self.db}"]
        for ti in range(r.randint(1, 3)):
            cols = [(f"c{ci}", *r.choice(TYPES)) for ci in range(r.randint(2, 4))]
            defs = ", ".join(f"{n} {t}" + (" NOT NULL" if r.random() < 0.15 else "") for n, t, _ in cols)
            indexes = []
            if r.random() < 0.5:
                indexes.append(f"PRIMARY KEY ({r.choice(cols)[0]})")
            for _ in range(r.randint(0, 3)):
                picked = r.sample(cols, r.randint(1, min(2, len(cols))))
                names = ", ".join(c[0] for c in picked)
                unique = "UNIQUE " if r.random() < 0.3 else ""
                indexes.append(f"{unique}INDEX ({names})")
            for prefix, idx in (("t", indexes), ("n", [])):
                body = ", ".join([defs] + idx)
                stmt = f"CREATE TABLE {prefix}{ti} ({body})"
                self.run(stmt)
                if self.ref:
                    self.ref_rows(stmt)
                self.ddl.append(stmt)
            rows = []
            for _ in range(r.randint(0, 25)):
                vals = ", ".join(literal(r, k) for _, _, k in cols)
                rows.append(f"({vals})")
            for row in rows:
                # Rows the indexed table refuses (duplicate keys, NOT NULL) are left out of both.
                stmt = f"INSERT INTO t{ti} VALUES {row}"
                if self.ref and self.ref_rows(f"INSERT INTO t{ti} VALUES {row}") is None:
                    continue
                try:
                    self.run(stmt)
                except pymysql.err.MySQLError:
                    if self.ref:
                        self.ref_rows(f"DELETE FROM t{ti} LIMIT 0")
                        raise Finding(f"MariaDB took a row FerroDB refused: {stmt}")
                    continue
                self.run(f"INSERT INTO n{ti} VALUES {row}")
                if self.ref:
                    self.ref_rows(f"INSERT INTO n{ti} VALUES {row}")
                self.ddl.append(stmt)
                self.ddl.append(f"INSERT INTO n{ti} VALUES {row}")
            self.tables.append((ti, cols))

    # --- queries ---------------------------------------------------------------------------

    def from_clause(self, prefix, mixed=True):
        r = self.rng
        picked = r.sample(self.tables, r.randint(1, min(2, len(self.tables))))
        columns = []
        parts = []
        for i, (ti, cols) in enumerate(picked):
            alias = f"a{i}"
            columns += [(f"{alias}.{n}", k) for n, _, k in cols]
            parts.append((f"{prefix}{ti} AS {alias}", alias))
        gen = Gen(r, columns, self.tables, mixed)
        text = parts[0][0]
        on = None
        if len(parts) > 1:
            join = r.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "CROSS JOIN"])
            if join == "CROSS JOIN":
                text += f" CROSS JOIN {parts[1][0]}"
            else:
                on = gen.pred(2)
                text += f" {join} {parts[1][0]} ON " + "{ON}"
        return text, on, gen, columns

    def one_query(self):
        r = self.rng
        state = r.getstate()
        oracles = ["tlp", "tlp", "tlp_distinct", "tlp_agg", "norec", "index", "tlp_union",
                   "tlp_group", "tlp_having", "topn", "pqs", "pqs"]
        if self.ref:
            oracles += ["diff", "diff", "diff"]
        if self.args.oracles:
            oracles = [o for o in oracles if o in self.args.oracles.split(",")] or oracles
        oracle = r.choice(oracles)
        # Against MariaDB, comparisons keep to one type: its conversions between types are
        # not MySQL's everywhere, and such differences say little about FerroDB.
        shape, on, gen, columns = self.from_clause("t", mixed=oracle != "diff")
        p = gen.pred()
        col = r.choice(columns)
        check = {"tlp": self.tlp, "tlp_distinct": self.tlp_distinct, "tlp_agg": self.tlp_agg,
                 "norec": self.norec, "index": self.index, "diff": self.diff,
                 "tlp_union": self.tlp_union, "tlp_group": self.tlp_group,
                 "tlp_having": self.tlp_having, "topn": self.topn, "pqs": self.pqs}[oracle]
        args = (shape, on, p, col)
        problem = check(*args)
        if problem is None:
            return
        self.checked["findings"] += 1
        reduced = self.reduce(check, args)
        raise Finding(f"{oracle}: {problem}\n\nreduced:\n{reduced}\n(seed {self.seed}, state {hash(state)})")

    @staticmethod
    def text(shape, on, prefix="t"):
        s = shape.replace("{ON}", on.render() if on else "")
        if prefix != "t":
            import re
            s = re.sub(r"\bt(\d+) AS", rf"{prefix}\1 AS", s)
        return s

    def tlp(self, shape, on, p, col):
        frm = self.text(shape, on)
        base = f"SELECT {col[0]} FROM {frm}"
        whole = self.try_rows(base)
        if whole is None:
            return None
        parts = [self.try_rows(f"{base} WHERE {q}") for q in (p.render(), f"NOT ({p.render()})", f"({p.render()}) IS NULL")]
        if any(x is None for x in parts):
            self.skipped += 1
            return None
        self.checked["tlp"] += 1
        if Counter(whole) != Counter(parts[0] + parts[1] + parts[2]):
            return f"{base} has {len(whole)} rows, its WHERE p / NOT p / p IS NULL parts {[len(x) for x in parts]}"
        return None

    def tlp_distinct(self, shape, on, p, col):
        frm = self.text(shape, on)
        base = f"SELECT DISTINCT {col[0]} FROM {frm}"
        whole = self.try_rows(base)
        parts = [self.try_rows(f"{base} WHERE {q}") for q in (p.render(), f"NOT ({p.render()})", f"({p.render()}) IS NULL")]
        if whole is None or any(x is None for x in parts):
            self.skipped += 1
            return None
        self.checked["tlp_distinct"] += 1
        if Counter(whole) != Counter(set(parts[0] + parts[1] + parts[2])):
            return f"{base}: {sorted(map(repr, whole))} vs parts {[sorted(map(repr, x)) for x in parts]}"
        return None

    def tlp_agg(self, shape, on, p, col):
        frm = self.text(shape, on)
        agg = self.rng.choice(["COUNT(*)", f"COUNT({col[0]})", f"MIN({col[0]})", f"MAX({col[0]})"]
                              + ([f"SUM({col[0]})"] if col[1] in ("int", "dec") else []))
        base = f"SELECT {agg} FROM {frm}"
        whole = self.try_rows(base)
        parts = [self.try_rows(f"{base} WHERE {q}") for q in (p.render(), f"NOT ({p.render()})", f"({p.render()}) IS NULL")]
        if whole is None or any(x is None for x in parts):
            self.skipped += 1
            return None
        self.checked["tlp_agg"] += 1
        vals = [x[0][0] for x in parts]
        fn = agg.split("(")[0]
        present = [v for v in vals if v is not None]
        if fn in ("COUNT", "SUM"):
            combined = sum(present) if present else (0 if fn == "COUNT" else None)
        elif not present:
            combined = None
        else:
            combined = (min if fn == "MIN" else max)(present)
        if whole[0][0] != combined and not (whole[0][0] is not None and combined is not None and str(whole[0][0]) == str(combined)):
            return f"{base} = {whole[0][0]!r}, from the parts {vals!r} → {combined!r}"
        return None

    def tlp_union(self, shape, on, p, col):
        """The three parts as one statement: UNION ALL must give the base query's rows."""
        frm = self.text(shape, on)
        base = f"SELECT {col[0]} FROM {frm}"
        whole = self.try_rows(base)
        union = self.try_rows(" UNION ALL ".join(
            f"{base} WHERE {q}" for q in (p.render(), f"NOT ({p.render()})", f"({p.render()}) IS NULL")))
        if whole is None or union is None:
            self.skipped += 1
            return None
        self.checked["tlp_union"] += 1
        if Counter(whole) != Counter(union):
            return f"{base}: {len(whole)} rows, the UNION ALL of its parts {len(union)}"
        return None

    def tlp_group(self, shape, on, p, col):
        """GROUP BY c under WHERE p / NOT p / p IS NULL: the groups together are all groups."""
        frm = self.text(shape, on)
        base = f"SELECT {col[0]} FROM {frm}"
        whole = self.try_rows(f"{base} GROUP BY {col[0]}")
        parts = [self.try_rows(f"{base} WHERE {q} GROUP BY {col[0]}")
                 for q in (p.render(), f"NOT ({p.render()})", f"({p.render()}) IS NULL")]
        if whole is None or any(x is None for x in parts):
            self.skipped += 1
            return None
        self.checked["tlp_group"] += 1
        if len(whole) != len(set(whole)) or set(whole) != set(parts[0] + parts[1] + parts[2]):
            return f"{base} GROUP BY: {sorted(map(repr, whole))[:8]} vs parts {[sorted(map(repr, x))[:8] for x in parts]}"
        return None

    def tlp_having(self, shape, on, p, col):
        """HAVING q over groups: the groups under q, NOT q and q IS NULL are all groups."""
        frm = self.text(shape, on)
        c = col[0]
        group_cols = [(c, col[1]), ("COUNT(*)", "int"), (f"MIN({c})", col[1]), (f"MAX({c})", col[1])]
        q = Gen(self.rng, group_cols, (), False).pred(1)
        base = f"SELECT {c}, COUNT(*) FROM {frm} GROUP BY {c}"
        whole = self.try_rows(base)
        parts = [self.try_rows(f"{base} HAVING {h}")
                 for h in (q.render(), f"NOT ({q.render()})", f"({q.render()}) IS NULL")]
        if whole is None or any(x is None for x in parts):
            self.skipped += 1
            return None
        self.checked["tlp_having"] += 1
        if Counter(whole) != Counter(parts[0] + parts[1] + parts[2]):
            return f"{base} HAVING {q.render()}: {len(whole)} groups, parts {[len(x) for x in parts]}"
        return None

    def topn(self, shape, on, p, col):
        """ORDER BY … LIMIT k (a TopN) returns the first k rows of the full ORDER BY."""
        frm = self.text(shape, on)
        c = col[0]
        k = self.rng.randint(0, 6)
        desc = self.rng.choice(["", " DESC"])
        full = self.try_rows(f"SELECT {c} FROM {frm} WHERE {p.render()} ORDER BY {c}{desc}")
        top = self.try_rows(f"SELECT {c} FROM {frm} WHERE {p.render()} ORDER BY {c}{desc} LIMIT {k}")
        if full is None or top is None:
            self.skipped += 1
            return None
        self.checked["topn"] += 1
        if list(top) != list(full[:k]):
            return f"ORDER BY {c}{desc} LIMIT {k}: {list(top)} but the full order starts {list(full[:k])}"
        return None

    def pqs(self, shape, on, p, col):
        """The pivot row, for which the rectified predicate holds, is in the query's result."""
        import re
        frm = self.text(shape, on)
        aliases = [(a, int(ti)) for ti, a in re.findall(r"\bt(\d+) AS (a\d+)", frm)]
        schema = dict(self.tables)
        names = [(a, n, sqltype) for a, ti in aliases for n, sqltype, _ in schema[ti]]
        select = ", ".join(f"{a}.{n}" for a, n, _ in names)
        rows = self.try_rows(f"SELECT {select} FROM {frm}")
        if not rows:
            self.skipped += 1
            return None
        pivot = self.rng.choice(rows)
        derived = []
        for a, _ in aliases:
            cols = [(n, t, v) for (al, n, t), v in zip(names, pivot) if al == a]
            derived.append("(SELECT " + ", ".join(f"{typed(v, t)} AS {n}" for n, t, v in cols) + f") AS {a}")
        cond = p.render()
        truth = self.try_rows(f"SELECT ({cond}) IS TRUE, ({cond}) IS FALSE FROM {', '.join(derived)}")
        if truth is None:
            self.skipped += 1
            return None
        is_true, is_false = truth[0]
        rectified = cond if is_true else f"NOT {cond}" if is_false else f"({cond}) IS NULL"
        got = self.try_rows(f"SELECT {select} FROM {frm} WHERE {rectified}")
        if got is None:
            # Another row may make the predicate fail (an overflow): MySQL's error, not a finding.
            self.skipped += 1
            return None
        self.checked["pqs"] += 1
        if canonical(pivot) not in set(map(canonical, got)):
            return (f"pivot {pivot} (p is {'TRUE' if is_true else 'FALSE' if is_false else 'NULL'} on it) "
                    f"missing from SELECT {select} FROM {frm} WHERE {rectified}: {len(got)} rows")
        return None

    def norec(self, shape, on, p, col):
        frm = self.text(shape, on)
        a = self.try_rows(f"SELECT COUNT(*) FROM {frm} WHERE {p.render()}")
        b = self.try_rows(f"SELECT SUM(x) FROM (SELECT ({p.render()}) IS TRUE AS x FROM {frm}) AS s")
        if a is None or b is None:
            self.skipped += 1
            return None
        self.checked["norec"] += 1
        if a[0][0] != (b[0][0] or 0):
            return f"COUNT(*) WHERE p = {a[0][0]}, SUM(p IS TRUE) = {b[0][0]} over {frm} with p = {p.render()}"
        return None

    def index(self, shape, on, p, col):
        q = "SELECT {c} FROM {f} WHERE {p}"
        a = self.try_rows(q.format(c=col[0], f=self.text(shape, on), p=p.render()))
        b = self.try_rows(q.format(c=col[0], f=self.text(shape, on, "n"), p=p.render()))
        if a is None or b is None:
            if (a is None) != (b is None):
                return f"one side failed: indexed {a is not None}, plain {b is not None}"
            self.skipped += 1
            return None
        self.checked["index"] += 1
        if Counter(a) != Counter(b):
            return f"with indexes {len(a)} rows, without {len(b)} rows: {sorted(map(repr, a))[:10]} vs {sorted(map(repr, b))[:10]}"
        return None

    def diff(self, shape, on, p, col):
        q = f"SELECT {col[0]}, ({p.render()}) FROM {self.text(shape, on)}"
        a = self.try_rows(q)
        b = self.ref_rows(q)
        if a is None or b is None:
            self.skipped += 1
            return None
        self.checked["diff"] += 1
        if Counter(map(canonical, a)) != Counter(map(canonical, b)):
            only_a = Counter(map(canonical, a)) - Counter(map(canonical, b))
            only_b = Counter(map(canonical, b)) - Counter(map(canonical, a))
            return f"{q}\n  FerroDB only: {sorted(only_a)[:6]}\n  MariaDB only: {sorted(only_b)[:6]}"
        return None

    # --- reduction -------------------------------------------------------------------------

    def reduce(self, check, args):
        shape, on, p, col = args
        # Fewer rows: delete one row at a time (from both copies) while the problem persists.
        for ti, cols in self.tables:
            for tbl in (f"t{ti}",):
                rows = self.try_rows(f"SELECT * FROM {tbl}") or ()
                for row in rows:
                    cond = " AND ".join(
                        f"{n} <=> {sql_str(str(v)) if v is not None else 'NULL'}" for (n, _, _), v in zip(cols, row))
                    saved = [self.try_rows(f"SELECT * FROM {x}{ti} WHERE {cond}") for x in "tn"]
                    for x in "tn":
                        self.try_rows(f"DELETE FROM {x}{ti} WHERE {cond}")
                        if self.ref:
                            self.ref_rows(f"DELETE FROM {x}{ti} WHERE {cond}")
                    if check(*args) is None:
                        for x, rs in zip("tn", saved):
                            for r in rs or ():
                                vals = ", ".join("NULL" if v is None else sql_str(str(v)) for v in r)
                                self.try_rows(f"INSERT INTO {x}{ti} VALUES ({vals})")
                                if self.ref:
                                    self.ref_rows(f"INSERT INTO {x}{ti} VALUES ({vals})")
        # Simpler predicate: replace a subtree with one of its children or a constant.
        changed = True
        while changed:
            changed = False
            for node in list(p.nodes()) + (list(on.nodes()) if on else []):
                for repl in [*node.kids, leaf("1"), leaf("0"), leaf("NULL")]:
                    saved = (node.fmt, node.kids, node.kind)
                    node.fmt, node.kids = repl.fmt, list(repl.kids)
                    if len(node.render()) < len(Node(saved[0], saved[1]).render()) and check(*args) is not None:
                        changed = True
                        break
                    node.fmt, node.kids, node.kind = saved
                if changed:
                    break
        out = [f"CREATE DATABASE repro; USE repro;"]
        for ti, cols in self.tables:
            for x in "tn":
                out.append(self.try_rows(f"SHOW CREATE TABLE {x}{ti}")[0][1] + ";")
                for r in self.try_rows(f"SELECT * FROM {x}{ti}") or ():
                    vals = ", ".join("NULL" if v is None else sql_str(str(v)) for v in r)
                    out.append(f"INSERT INTO {x}{ti} VALUES ({vals});")
        out.append(f"-- FROM {self.text(shape, on)}")
        out.append(f"-- p = {p.render()}")
        out.append(f"-- column {col[0]}")
        return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4000)
    ap.add_argument("--user", default="root")
    ap.add_argument("--password", default="")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--queries", type=int, default=0, help="stop after this many queries (0: by time)")
    ap.add_argument("--queries-per-schema", type=int, default=200)
    ap.add_argument("--keep-going", action="store_true", help="report findings and continue")
    ap.add_argument("--mariadb-port", type=int, default=0, help="also compare with MariaDB here")
    ap.add_argument("--oracles", default="", help="only these oracles (comma-separated names)")
    args = ap.parse_args()
    deadline = time.time() + args.seconds
    seed = args.seed
    total = 0
    findings = []
    totals = Counter()
    skipped = 0
    while (args.queries and total < args.queries) or (not args.queries and time.time() < deadline):
        runner = Runner(args, seed)
        try:
            runner.make_schema()
            for _ in range(args.queries_per_schema):
                if args.queries and total >= args.queries or not args.queries and time.time() >= deadline:
                    break
                total += 1
                runner.one_query()
        except Finding as f:
            findings.append(str(f))
            print(f"FINDING (schema seed {seed}):\n{f}\n", flush=True)
            if not args.keep_going:
                break
        finally:
            totals += runner.checked
            skipped += runner.skipped
            try:
                runner.run(f"DROP DATABASE IF EXISTS {runner.db}")
                runner.conn.close()
                if runner.ref:
                    runner.ref_rows(f"DROP DATABASE IF EXISTS {runner.db}")
                    runner.ref.close()
            except Exception:
                pass
        seed += 1
    checks = ", ".join(f"{k} {v}" for k, v in sorted(totals.items()) if k != "findings")
    print(f"queries generated {total}; oracle checks: {checks}; skipped (errors) {skipped}; "
          f"schemas {seed - args.seed}; findings {len(findings)}")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
