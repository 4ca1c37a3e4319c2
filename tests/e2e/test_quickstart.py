"""TiDB's SQLAlchemy quickstart and the tutorial's snippets, unchanged, against FerroDB."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, Column, Integer, String, create_engine, text
from sqlalchemy.orm import declarative_base, sessionmaker

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sqlalchemy-quickstart"


def run_quickstart(server, tmp_path, ca_path="", host="127.0.0.1"):
    # The variables `.env` would hold; set in the environment, they take precedence over a file.
    env = dict(os.environ)
    env.update(TIDB_HOST=host, TIDB_PORT=str(server.port), TIDB_USER="root", TIDB_PASSWORD="",
               TIDB_DB_NAME="test", CA_PATH=ca_path)
    return subprocess.run(
        [sys.executable, str(EXAMPLE / "quickstart.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_quickstart_output_matches_the_documented_output(server, tmp_path, tls):
    r = run_quickstart(server, tmp_path, ca_path=server.ca_path if tls else "")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (EXAMPLE / "expected-output.txt").read_text()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_tutorial_snippets_run_as_written(server, tls):
    # The tutorial's "connect", "define a table", "insert", "query", "update", "delete" snippets;
    # `ca_path` is what the tutorial reads from CA_PATH (empty: no TLS).
    ca_path = server.ca_path if tls else ""

    def get_db_engine():
        connect_args = {}
        if ca_path:
            connect_args = {"ssl_verify_cert": True, "ssl_verify_identity": True, "ssl_ca": ca_path}
        return create_engine(
            URL.create(drivername="mysql+pymysql", username="root", password="", host="127.0.0.1",
                       port=server.port, database="test"),
            connect_args=connect_args,
        )

    engine = get_db_engine()
    with engine.connect() as c:
        cipher = c.execute(text("SHOW STATUS LIKE 'Ssl_cipher'")).one()[1]
        assert bool(cipher) == tls, cipher
    Session = sessionmaker(bind=engine)
    Base = declarative_base()

    class Player(Base):
        id = Column(Integer, primary_key=True)
        name = Column(String(32), unique=True)
        coins = Column(Integer)
        goods = Column(Integer)

        __tablename__ = f"players_snippets_{int(tls)}"

    Base.metadata.create_all(engine)
    try:
        with Session() as session:
            player = Player(name="test", coins=100, goods=100)
            session.add(player)
            session.commit()

        with Session() as session:
            player = session.query(Player).filter_by(name="test").one()
            assert (player.coins, player.goods) == (100, 100)

        with Session() as session:
            player = session.query(Player).filter_by(name="test").one()
            player.coins = 200
            session.commit()

        with Session() as session:
            assert session.query(Player).filter_by(name="test").one().coins == 200

        with Session() as session:
            player = session.query(Player).filter_by(name="test").one()
            session.delete(player)
            session.commit()

        with Session() as session:
            assert session.query(Player).filter_by(name="test").first() is None
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
