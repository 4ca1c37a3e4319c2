"""Isolation checking (scripts/list-append.py, Elle's list-append model) for a CI-sized run:
snapshot isolation, pessimistic locking and READ-COMMITTED against the shared server, a run
while the server is SIGKILLed and restarted, and the checker itself on histories with known
anomalies (so a checker that never reports anything fails here)."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ferrodb_bin, free_port

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "list-append.py"


def load_checker():
    spec = importlib.util.spec_from_file_location("list_append", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check


def run(*args, timeout=300):
    r = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    print(r.stdout[-3000:])
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    m = re.search(r"transactions ok (\d+), aborted (\d+), indeterminate (\d+) .*server kills (\d+)", r.stdout)
    assert m, r.stdout
    assert "anomalies: none" in r.stdout
    return [int(x) for x in m.groups()]


@pytest.mark.parametrize("mode", ["optimistic", "pessimistic", "rc"])
def test_no_anomalies(server, mode):
    ok, aborted, _, _ = run("--port", str(server.port), "--mode", mode, "--seconds", "8",
                            "--db", f"la_{mode}")
    # The run really exercised the server: many commits, and conflicts among them.
    assert ok > 300, ok
    if mode == "optimistic":
        assert aborted > 0


@pytest.mark.parametrize("mode", ["optimistic", "pessimistic"])
def test_no_anomalies_when_clients_vanish_mid_transaction(server, mode):
    # A tenth of the transactions lose their connection before or while committing: those cut
    # before COMMIT must leave nothing behind, and (pessimistic) their locks must be freed.
    ok, _, indeterminate, _ = run("--port", str(server.port), "--mode", mode, "--seconds", "8",
                                  "--cut-rate", "0.1", "--db", f"la_cut_{mode}")
    assert ok > 200 and indeterminate > 10, (ok, indeterminate)


def test_no_anomalies_and_no_lost_writes_across_kills(tmp_path):
    ok, _, _, kills = run("--ferrodb", ferrodb_bin(), "--data-dir", str(tmp_path / "data"),
                          "--port", str(free_port()), "--mode", "pessimistic", "--seconds", "12",
                          "--kill-every", "3")
    assert kills >= 2 and ok > 100, (kills, ok)


def r(k, *seen):
    return ("r", k, list(seen))


def a(k, v):
    return ("a", k, v)


def anomalies(history, mode="optimistic"):
    found, allowed, _ = load_checker()(history, mode)
    return {k for k, v in found.items() if v and k not in allowed}


def test_checker_passes_a_serial_history():
    h = [(1, [a(0, 1), r(1)], "ok"), (2, [r(0, 1), a(1, 2)], "ok"), (3, [r(0, 1), r(1, 2)], "ok")]
    assert anomalies(h, "pessimistic") == set()


def test_checker_reports_a_lost_committed_write():
    h = [(1, [a(0, 1)], "ok"), (2, [a(0, 2)], "ok"), (3, [r(0, 2)], "ok")]
    assert "lost-committed-write" in anomalies(h)


def test_checker_reports_g1c():
    # Each transaction reads the other's append: a cycle of wr edges.
    h = [(1, [a(0, 1), r(1, 2)], "ok"), (2, [a(1, 2), r(0, 1)], "ok"), (3, [r(0, 1), r(1, 2)], "ok")]
    assert "G1c" in anomalies(h)


def test_checker_reports_g1a():
    h = [(1, [a(0, 1)], "fail"), (2, [r(0, 1)], "ok"), (3, [r(0)], "ok")]
    assert "G1a" in anomalies(h)


def test_checker_reports_g_single():
    # T1 reads y after T2's append but x before it: one anti-dependency in a cycle.
    h = [(1, [r(0), r(1, 3)], "ok"), (2, [a(0, 2), a(1, 3)], "ok"), (3, [r(0, 2), r(1, 3)], "ok")]
    assert "G-single" in anomalies(h)
    assert "G-single" not in anomalies(h, "rc")


def test_checker_reports_write_skew_as_g2_except_under_snapshot_isolation():
    h = [(1, [r(0), a(1, 1)], "ok"), (2, [r(1), a(0, 2)], "ok"), (3, [r(0, 2), r(1, 1)], "ok")]
    assert "G2" in anomalies(h, "pessimistic")
    assert anomalies(h, "optimistic") == set()
