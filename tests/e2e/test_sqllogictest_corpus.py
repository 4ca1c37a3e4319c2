"""SQLite's public sqllogictest files (select1-3, in ../shared/sqllogictest beside the repo),
run in full through the same runner as the golden files."""

import os
from pathlib import Path

import pytest

import slt

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "sqllogictest"
FILES = sorted(CORPUS.glob("*.test"))


def test_corpus_is_present():
    if not FILES and not os.environ.get("CI"):
        pytest.skip(f"no corpus at {CORPUS}")
    assert FILES, f"no sqllogictest corpus at {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_corpus_file(server, path):
    result = slt.run_in_fresh_database(server, path.read_text(), f"corpus_{path.stem}")
    assert not result.failures, slt.report(path.name, result, limit=10)
    assert result.records > 1000
