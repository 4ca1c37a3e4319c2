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
    db = f"corpus_{path.stem}"
    with server.connect(autocommit=True, database=None) as c, c.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {db}")
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"USE {db}")
        result = slt.run(c, path.read_text())
        cur.execute(f"DROP DATABASE {db}")
    report = "\n\n".join(f"{path.name}:{f.line}: {f.sql}\n{f.message}" for f in result.failures[:10])
    assert not result.failures, f"{len(result.failures)} of {result.records} records failed\n{report}"
    assert result.records > 1000
