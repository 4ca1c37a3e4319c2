#!/usr/bin/env python3
"""Differential join testing against MariaDB: random tables (NULLs, indexes of several kinds)
and random SELECTs over 2-4 of them — comma, inner, LEFT and RIGHT joins, ON and WHERE
predicates with ORs, IN, IS NULL, [NOT] EXISTS / [NOT] IN, correlated COUNT subqueries and
correlated scalar subqueries in the select list — run on
both servers; any difference in the (sorted) rows is printed. A start on issue 16's
differential oracle; it found the comma/RIGHT JOIN precedence bug fixed in joins.slt.

usage: scripts/differential-joins.py FERRODB_PORT MARIADB_PORT [SEED] [QUERIES]
(both servers on 127.0.0.1, user root, no password; database `fz` is recreated on both)
"""
import random
import sys

import pymysql

random.seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
F = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='root', autocommit=True)
M = pymysql.connect(host='127.0.0.1', port=int(sys.argv[2]), user='root', autocommit=True)
def both(sql):
    out = []
    for c in (F, M):
        cur = c.cursor()
        try:
            cur.execute(sql); out.append(('ok', sorted(map(repr, cur.fetchall()))))
        except pymysql.err.MySQLError as e:
            out.append(('err', e.args[0]))
    return out
for c in (F, M):
    cur = c.cursor()
    cur.execute("DROP DATABASE IF EXISTS fz"); cur.execute("CREATE DATABASE fz"); cur.execute("USE fz")
tables = ['a', 'b', 'c', 'd']
for t in tables:
    idx = random.choice(['', ', KEY kx (x)', ', KEY kxy (x, y)', ', UNIQUE KEY ux (x)'])
    ddl = f"CREATE TABLE {t} (id INT PRIMARY KEY, x INT, y INT, s VARCHAR(5){idx})"
    rows = []
    seen = set()
    for i in range(random.randint(0, 30)):
        x = random.choice([None] + list(range(6)))
        if 'ux' in idx:
            if x in seen: x = None
            if x is not None: seen.add(x)
        rows.append(f"({i}, {'NULL' if x is None else x}, {random.choice(['NULL'] + [str(v) for v in range(5)])}, {random.choice(['NULL', repr('1'), repr('a'), repr('2'), repr('b')])})")
    for c in (F, M):
        cur = c.cursor(); cur.execute(ddl)
        if rows: cur.execute(f"INSERT INTO {t} VALUES {','.join(rows)}")
def col(ts):
    t = random.choice(ts); return f"{t}.{random.choice(['id','x','y','s'])}"
def pred(ts, depth=0):
    r = random.random()
    if r < 0.45: return f"{col(ts)} = {col(ts)}"
    if r < 0.6: return f"{col(ts)} {random.choice(['<','>','<=','>=','<>'])} {random.randint(0,5)}"
    if r < 0.68: return f"{col(ts)} IS {random.choice(['','NOT '])}NULL"
    if r < 0.8 and depth < 2: return f"({pred(ts, depth+1)} OR {pred(ts, depth+1)})"
    if r < 0.9 and depth < 2: return f"({pred(ts, depth+1)} AND {pred(ts, depth+1)})"
    return f"{col(ts)} IN ({random.randint(0,5)}, {random.randint(0,5)})"
def query():
    n = random.randint(2, 4)
    ts = random.sample(tables, n)
    frm = ts[0]; joined = [ts[0]]
    for t in ts[1:]:
        kind = random.choice([',', 'JOIN', 'LEFT JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'JOIN'])
        if kind == ',':
            joined = [t]; frm += f", {t}"
        else:
            joined.append(t); frm += f" {kind} {t} ON {pred(joined)}"
    where = f" WHERE {pred(ts)}" if random.random() < 0.8 else ""
    if random.random() < 0.25:
        u = random.choice(tables); o = random.choice(ts)
        sub = f"SELECT 1 FROM {u} WHERE {u}.{random.choice(['x','y','id'])} = {o}.{random.choice(['x','y','id'])}"
        if random.random() < 0.5: sub += f" AND {u}.y > {random.randint(0,4)}"
        where += (" AND " if where else " WHERE ") + random.choice(['', 'NOT ']) + f"EXISTS ({sub})"
    if random.random() < 0.15:
        u = random.choice(tables); o = random.choice(ts)
        where += (" AND " if where else " WHERE ") + f"{o}.x {random.choice(['<','>','=','<>'])} (SELECT COUNT(*) FROM {u} WHERE {u}.y = {o}.y)"
    if random.random() < 0.2:
        # Correlated [NOT] IN and EXISTS with a non-equality tie (semi/anti joins).
        u = random.choice(tables); o = random.choice(ts)
        tie = f"{u}.y {random.choice(['=', '<', '>=', '<>'])} {o}.{random.choice(['x', 'y', 'id'])}"
        if random.random() < 0.5:
            sub = f"SELECT {u}.{random.choice(['x', 'id', 's'])} FROM {u} WHERE {tie}"
            cond = f"{o}.{random.choice(['x', 'y', 's'])} {random.choice(['', 'NOT '])}IN ({sub})"
        else:
            cond = f"{random.choice(['', 'NOT '])}EXISTS (SELECT * FROM {u} WHERE {tie} AND {pred([u])})"
        where += (" AND " if where else " WHERE ") + cond
    sel = ", ".join(col(ts) for _ in range(random.randint(1, 3)))
    if random.random() < 0.2: sel = "COUNT(*)"
    elif random.random() < 0.3:
        # A correlated scalar subquery in the select list: planned once, run per outer row
        # with its ranges rebuilt for the row's values (ties on keys, ranges, IN lists).
        u = random.choice(tables); o = random.choice(ts); oc = f"{o}.{random.choice(['x', 'y', 'id', 's'])}"
        tie = random.choice([f"{u}.{{c}} {random.choice(['=', '<', '>=', '<>'])} {oc}",
                             f"{u}.{{c}} BETWEEN {oc} AND {oc} + 1", f"{u}.{{c}} IN ({oc}, {o}.y)"])
        tie = tie.format(c=random.choice(['x', 'id', 'y']))
        if random.random() < 0.3: tie += f" AND {pred([u])}"
        if random.random() < 0.5:
            sub = f"SELECT {random.choice(['MIN', 'MAX', 'COUNT', 'SUM'])}({u}.{random.choice(['x', 'y', 'id'])}) FROM {u} WHERE {tie}"
        else:
            sub = f"SELECT {u}.id FROM {u} WHERE {tie} ORDER BY {u}.{random.choice(['x', 'id'])} {random.choice(['', 'DESC'])}, {u}.id LIMIT 1"
        sel += f", ({sub})"
    return f"SELECT {sel} FROM {frm}{where}"
bad = 0
for i in range(int(sys.argv[4]) if len(sys.argv) > 4 else 500):
    q = query()
    f, m = both(q)
    if f != m:
        if f[0] == 'err' and m[0] == 'err': continue
        bad += 1
        print("MISMATCH", q); print("  ferrodb:", str(f)[:300]); print("  mariadb:", str(m)[:300])
        if bad > 5: break
print("done, mismatches:", bad)
