"""SQLite's public sqllogictest files (select1-3, checked in under tests/sqllogictest), run in
full through the same runner as the golden files (with the corpus's value coercion)."""

from pathlib import Path

import pytest

import slt

CORPUS = Path(__file__).resolve().parents[1] / "sqllogictest"
FILES = sorted(CORPUS.glob("*.test"))


def test_corpus_is_present():
    assert len(FILES) == 3, f"the sqllogictest corpus is missing from {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_corpus_file(server, path):
    result = slt.run_in_fresh_database(server, path.read_text(), f"corpus_{path.stem}")
    assert not result.failures, slt.report(path.name, result, limit=10)
    assert result.records > 1000
