#!/usr/bin/env python3
"""Isolation checking in Elle's list-append model: many clients run short transactions of
reads and appends over a few keys; a checker turns the observed history into a dependency
graph and reports Adya's anomalies.

Each key is a row `(k, v)` whose `v` is a comma-separated list; an append is
`INSERT … ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', x)` with a value no other append uses, so
every value names the transaction that wrote it and the longest read of a key gives that key's
version order. From it:

* ww: the writer of each element precedes the writer of the next;
* wr: the writer of a read's last element precedes the reader;
* rw: a reader precedes the writer of the element that follows what it read.

Reported: lost committed writes (an acknowledged append missing from the final read), G0 (a cycle of ww), G1a (a read of an aborted transaction's append), G1b (a read
ending in a value its writer later appended past), G1c (a cycle of ww/wr), G-single (a cycle
with exactly one rw), G2 (a cycle with more rw), incompatible orders (two reads that are not
prefixes of one another), duplicated elements, and lost own writes (a transaction not
reading its own append).

Modes: `optimistic` (tidb_txn_mode=optimistic, plain reads: snapshot isolation — G2 is
allowed, the rest is not), `pessimistic` (reads `FOR UPDATE`: every key a transaction
touches is locked, so nothing, not even G2, is allowed) and `rc` (pessimistic, READ-COMMITTED,
plain reads: G-single and G2 are allowed, G0/G1 and lost writes are not). With `--kill-every S` the server
(started by this script with `--ferrodb BIN`) is SIGKILLed and restarted every S seconds;
transactions whose COMMIT got no answer are indeterminate and may or may not appear. With
`--cut-rate P` a share P of transactions lose their connection (the client closes its socket)
before COMMIT (they must not appear) or right after sending it (indeterminate).

    usage: scripts/list-append.py --port P [--mode optimistic|pessimistic|rc] [--seconds S]
           [--threads N] [--keys K] [--max-appends M] [--cut-rate P]
           [--ferrodb BIN --data-dir D --kill-every S]
"""

import argparse
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict

import pymysql

ABORTS = {1205, 1213, 8002, 8022, 9007, 8028, 1105}


class Server:
    """A ferrodb this script starts, kills and restarts (for --kill-every)."""

    def __init__(self, binary, data_dir, port):
        self.binary, self.data_dir, self.port = binary, data_dir, port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--data-dir", self.data_dir, "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("ferrodb did not come back")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Workload:
    def __init__(self, args):
        self.args = args
        self.values = itertools.count(1)
        self.lock = threading.Lock()
        self.history = []  # (txn id, ops, status); ops: [("r", k, list|None) | ("a", k, v)]
        self.txn_ids = itertools.count(1)
        self.stop = threading.Event()
        self.down = threading.Event()
        # Key rotation (as Elle's max-writes-per-key): a key takes at most --max-appends
        # appends, then a fresh key replaces it, so lists (and the history) stay short.
        self.active = list(range(args.keys))
        self.next_key = args.keys
        self.appends = defaultdict(int)

    def connect(self):
        c = pymysql.connect(host=self.args.host, port=self.args.port, user="root", password="",
                            database=self.args.db, autocommit=True, connect_timeout=5,
                            read_timeout=30, write_timeout=30)
        with c.cursor() as cur:
            if self.args.mode == "rc":
                cur.execute("SET tidb_txn_mode = 'pessimistic'")
                cur.execute("SET transaction_isolation = 'READ-COMMITTED'")
            else:
                cur.execute(f"SET tidb_txn_mode = '{self.args.mode}'")
        return c

    def setup(self):
        c = pymysql.connect(host=self.args.host, port=self.args.port, user="root", password="",
                            autocommit=True)
        with c.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {self.args.db}")
            cur.execute(f"CREATE DATABASE {self.args.db}")
            cur.execute(f"CREATE TABLE {self.args.db}.la (k INT PRIMARY KEY, v TEXT)")
        c.close()

    def record(self, ops, status):
        with self.lock:
            self.history.append((next(self.txn_ids), ops, status))

    def client(self, seed):
        rng = random.Random(seed)
        conn = None
        lock_reads = " FOR UPDATE" if self.args.mode == "pessimistic" else ""
        while not self.stop.is_set():
            if conn is None:
                try:
                    conn = self.connect()
                except pymysql.err.MySQLError:
                    time.sleep(0.1)
                    continue
            plan = []
            for _ in range(rng.randint(1, 4)):
                with self.lock:
                    slot = rng.randrange(self.args.keys)
                    k = self.active[slot]
                    if rng.random() < 0.5:
                        plan.append(("r", k))
                        continue
                    plan.append(("a", k, next(self.values)))
                    self.appends[k] += 1
                    if self.appends[k] >= self.args.max_appends:
                        self.active[slot] = self.next_key
                        self.next_key += 1
            ops = []
            committing = False
            cut = rng.random() < self.args.cut_rate
            try:
                with conn.cursor() as cur:
                    cur.execute("BEGIN")
                    for op in plan:
                        if op[0] == "r":
                            cur.execute(f"SELECT v FROM la WHERE k = %s{lock_reads}", (op[1],))
                            row = cur.fetchone()
                            seen = [int(x) for x in row[0].split(",")] if row and row[0] else []
                            ops.append(("r", op[1], seen))
                        else:
                            cur.execute(
                                "INSERT INTO la (k, v) VALUES (%s, %s) "
                                "ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', %s)",
                                (op[1], str(op[2]), str(op[2])))
                            ops.append(op)
                    if cut:
                        # The client vanishes: before COMMIT (the server must roll back) or
                        # right after sending it (the outcome is unknown to the client).
                        committing = rng.random() < 0.5
                        if committing:
                            conn._execute_command(pymysql.constants.COMMAND.COM_QUERY, b"COMMIT")
                        conn._sock.shutdown(socket.SHUT_RDWR)
                        conn._sock.close()
                        self.record(ops, "info" if committing else "fail")
                        conn = None
                        continue
                    committing = True
                    cur.execute("COMMIT")
                self.record(ops, "ok")
            except pymysql.err.OperationalError as e:
                code = e.args[0]
                if code in ABORTS:
                    self.record(ops, "fail")
                    try:
                        conn.rollback()
                    except pymysql.err.MySQLError:
                        conn = None
                else:
                    # The connection went away: a COMMIT without an answer may have happened.
                    self.record(ops, "info" if committing else "fail")
                    conn = None
            except (pymysql.err.InterfaceError, pymysql.err.InternalError, ConnectionError):
                self.record(ops, "info" if committing else "fail")
                conn = None

    def run(self):
        self.setup()
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(self.args.threads)]
        for t in threads:
            t.start()
        deadline = time.time() + self.args.seconds
        kills = 0
        next_kill = time.time() + self.args.kill_every if self.args.kill_every else None
        while time.time() < deadline:
            time.sleep(0.2)
            if next_kill and time.time() >= next_kill:
                self.args.server.kill()
                self.args.server.start()
                kills += 1
                next_kill = time.time() + self.args.kill_every
        self.stop.set()
        for t in threads:
            t.join()
        # A final read of every key, for the version orders.
        c = self.connect()
        with c.cursor() as cur:
            cur.execute("SELECT k, v FROM la")
            stored = {k: [int(x) for x in v.split(",")] if v else [] for k, v in cur.fetchall()}
        final = [("r", k, stored.get(k, [])) for k in range(self.next_key)]
        self.record(final, "ok")
        c.close()
        return kills


def committed_reads(history):
    """(txn id, key, list read) of every read of a committed transaction."""
    for tid, ops, st in history:
        if st == "ok":
            for op in ops:
                if op[0] == "r":
                    yield tid, op[1], op[2]


def check(history, mode):
    """Anomalies of `history` by kind."""
    anomalies = defaultdict(list)
    writer = {}  # value -> (txn id, index of the op in the txn)
    status = {}
    appends_by_txn = defaultdict(list)  # txn -> [(k, v)] in order
    for tid, ops, st in history:
        status[tid] = st
        for i, op in enumerate(ops):
            if op[0] == "a":
                writer[op[2]] = (tid, i)
                appends_by_txn[tid].append((op[1], op[2]))
    # Version order per key: the longest read; every read must be a prefix of it.
    order = {}
    for tid, k, seen in committed_reads(history):
        if len(seen) != len(set(seen)):
            anomalies["duplicate-elements"].append((tid, k, seen))
        longest = order.get(k, [])
        if len(seen) > len(longest):
            if longest != seen[: len(longest)]:
                anomalies["incompatible-order"].append((k, longest, seen))
            order[k] = seen
        elif seen != longest[: len(seen)]:
            anomalies["incompatible-order"].append((k, longest, seen))
    committed = {t for t, s in status.items() if s == "ok"}
    # Every acknowledged append is in the final read of its key (the history's last entry),
    # across crashes: durability.
    final = {op[1]: set(op[2]) for op in history[-1][1] if op[0] == "r"}
    for tid, ops, st in history:
        if st == "ok":
            for op in ops:
                if op[0] == "a" and op[1] in final and op[2] not in final[op[1]]:
                    anomalies["lost-committed-write"].append((tid, op[1], op[2]))
    # Indeterminate transactions whose appends were seen did commit.
    for seq in order.values():
        for v in seq:
            if v in writer and status[writer[v][0]] == "info":
                committed.add(writer[v][0])
    # G1a: aborted reads; G1b: intermediate reads; internal: reads miss the txn's own appends.
    for tid, ops, st in history:
        if st != "ok":
            continue
        own = defaultdict(list)
        for i, op in enumerate(ops):
            if op[0] == "a":
                own[op[1]].append(op[2])
                continue
            k, seen = op[1], op[2]
            for v in seen:
                if v not in writer:
                    anomalies["garbage-read"].append((tid, k, v))
                elif status[writer[v][0]] == "fail":
                    anomalies["G1a"].append((tid, k, v, writer[v][0]))
            if own[k] and seen[-len(own[k]):] != own[k]:
                anomalies["lost-own-write"].append((tid, k, own[k], seen))
            if seen:
                last = seen[-1]
                wt, wi = writer.get(last, (None, None))
                if wt is not None and wt != tid:
                    later = [v for (kk, v) in appends_by_txn[wt] if kk == k and writer[v][1] > wi]
                    if later:
                        anomalies["G1b"].append((tid, k, last, wt))
    # Dependency graph among committed transactions.
    edges = defaultdict(set)  # (a, b) -> {"ww", "wr", "rw"}
    for k, seq in order.items():
        for a, b in zip(seq, seq[1:]):
            ta, tb = writer.get(a, (None,))[0], writer.get(b, (None,))[0]
            if ta and tb and ta != tb:
                edges[(ta, tb)].add("ww")
    for tid, k, seen in committed_reads(history):
        if seen:
            w = writer.get(seen[-1], (None,))[0]
            if w and w != tid:
                edges[(w, tid)].add("wr")
        seq = order.get(k, [])
        if len(seq) > len(seen):
            w = writer.get(seq[len(seen)], (None,))[0]
            if w and w != tid and w in committed:
                edges[(tid, w)].add("rw")

    def graph(kinds):
        g = defaultdict(set)
        for (a, b), ks in edges.items():
            if ks & kinds:
                g[a].add(b)
        return g

    def cycles_in(g):
        """Strongly connected components of more than one node (Tarjan, iterative)."""
        index, low, on, stack, out = {}, {}, set(), [], []
        counter = itertools.count()
        for root in list(g):
            if root in index:
                continue
            work = [(root, iter(g[root]))]
            index[root] = low[root] = next(counter)
            stack.append(root)
            on.add(root)
            while work:
                node, it = work[-1]
                advanced = False
                for nxt in it:
                    if nxt not in index:
                        index[nxt] = low[nxt] = next(counter)
                        stack.append(nxt)
                        on.add(nxt)
                        work.append((nxt, iter(g[nxt])))
                        advanced = True
                        break
                    if nxt in on:
                        low[node] = min(low[node], index[nxt])
                if advanced:
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == node:
                            break
                    if len(comp) > 1:
                        out.append(comp)
        return out

    for comp in cycles_in(graph({"ww"})):
        anomalies["G0"].append(sorted(comp)[:10])
    g1 = graph({"ww", "wr"})
    for comp in cycles_in(g1):
        anomalies["G1c"].append(sorted(comp)[:10])

    def reaches(g, src, dst, inside):
        seen, todo = {src}, [src]
        while todo:
            x = todo.pop()
            if x == dst:
                return True
            for y in g[x]:
                if y not in seen and inside(y):
                    seen.add(y)
                    todo.append(y)
        return False

    # A cycle lies within one strongly connected component of the full graph: only an rw edge
    # inside one can close a G-single cycle, and the search back stays inside it.
    full = graph({"ww", "wr", "rw"})
    components = cycles_in(full)
    component = {t: i for i, comp in enumerate(components) for t in comp}
    rw_edges = [(a, b) for (a, b), ks in edges.items() if "rw" in ks]
    single = [
        (a, b)
        for a, b in rw_edges
        if a in component
        and component.get(b) == component[a]
        and reaches(g1, b, a, lambda t: component.get(t) == component[a])
    ]
    anomalies["G-single"].extend(single[:20])
    if not single:
        for comp in components:
            anomalies["G2"].append(sorted(comp)[:10])
    allowed = {"optimistic": {"G2"}, "rc": {"G-single", "G2"}}.get(mode, set())
    return anomalies, allowed, len(committed)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4000)
    ap.add_argument("--db", default="list_append")
    ap.add_argument("--mode", choices=["optimistic", "pessimistic", "rc"], default="optimistic")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--keys", type=int, default=6, help="keys in use at a time")
    ap.add_argument("--max-appends", type=int, default=32, help="appends a key takes before it is replaced")
    ap.add_argument("--ferrodb", help="start this binary (needed for --kill-every)")
    ap.add_argument("--data-dir")
    ap.add_argument("--kill-every", type=float, default=0)
    ap.add_argument("--cut-rate", type=float, default=0,
                    help="share of transactions whose connection is cut before or during COMMIT")
    args = ap.parse_args()
    args.server = None
    if args.ferrodb:
        args.server = Server(args.ferrodb, args.data_dir, args.port)
        args.server.start()
    try:
        w = Workload(args)
        kills = w.run()
    finally:
        if args.server:
            args.server.kill()
    anomalies, allowed, committed = check(w.history, args.mode)
    counts = {s: sum(1 for _, _, st in w.history if st == s) for s in ("ok", "fail", "info")}
    bad = {k: v for k, v in anomalies.items() if v and k not in allowed}
    print(f"mode {args.mode}: transactions ok {counts['ok']}, aborted {counts['fail']}, "
          f"indeterminate {counts['info']} ({committed} committed in the graph); server kills {kills}")
    for k, v in sorted(anomalies.items()):
        if v:
            tag = "allowed" if k in allowed else "ANOMALY"
            print(f"  {tag} {k}: {len(v)} e.g. {v[:3]}")
    print("anomalies: " + (", ".join(f"{k} {len(v)}" for k, v in sorted(bad.items())) or "none"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
