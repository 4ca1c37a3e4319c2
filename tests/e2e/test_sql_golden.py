"""SQL golden tests: every `tests/sql/*.slt` file, run over one connection in a fresh database."""

from pathlib import Path

import pytest

import slt

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
FILES = sorted(SQL_DIR.glob("*.slt"))


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_golden_file(server, path):
    # The goldens are written for a server without the background auto-analyze (the
    # in-process runner has none): a table of 1 000 inserted rows could otherwise be analyzed
    # between two records and change an EXPLAIN's estimates (seen on access_paths.slt).
    with server.connect(autocommit=True) as c, c.cursor() as cur:
        cur.execute("SET GLOBAL tidb_enable_auto_analyze = OFF")
    try:
        result = slt.run_in_fresh_database(server, path.read_text(), f"slt_{path.stem}", exact=True)
    finally:
        with server.connect(autocommit=True) as c, c.cursor() as cur:
            cur.execute("SET GLOBAL tidb_enable_auto_analyze = ON")
    assert not result.failures, slt.report(path.name, result)
    assert result.records > 0
