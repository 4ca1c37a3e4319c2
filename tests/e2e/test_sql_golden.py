"""SQL golden tests: every `tests/sql/*.slt` file, run over one connection in a fresh database."""

from pathlib import Path

import pytest

import slt

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
FILES = sorted(SQL_DIR.glob("*.slt"))


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_golden_file(server, path):
    db = f"slt_{path.stem}"
    with server.connect(autocommit=True, database=None) as c, c.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {db}")
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"USE {db}")
        result = slt.run(c, path.read_text())
        cur.execute(f"DROP DATABASE {db}")
    report = "\n\n".join(f"{path.name}:{f.line}: {f.sql}\n{f.message}" for f in result.failures[:20])
    assert not result.failures, f"{len(result.failures)} of {result.records} records failed\n{report}"
    assert result.records > 0
