"""SQL golden tests: every `tests/sql/*.slt` file, run over one connection in a fresh database."""

from pathlib import Path

import pytest

import slt

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
FILES = sorted(SQL_DIR.glob("*.slt"))


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_golden_file(server, path):
    result = slt.run_in_fresh_database(server, path.read_text(), f"slt_{path.stem}")
    assert not result.failures, slt.report(path.name, result)
    assert result.records > 0
