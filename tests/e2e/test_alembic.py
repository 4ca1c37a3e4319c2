"""Alembic: autogenerate a migration from models, upgrade, then downgrade, against FerroDB."""

import textwrap

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MODELS = '''
import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "alembic_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(80), nullable=False, unique=True),
    sa.Column("score", sa.Numeric(8, 2), server_default="0"),
    sa.Column("created", sa.DateTime),
    sa.Index("ix_alembic_users_score", "score"),
)
'''

ENV = '''
import sqlalchemy as sa
from alembic import context

import models

config = context.config
engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=models.metadata)
    with context.begin_transaction():
        context.run_migrations()
'''

SCRIPT = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


def test_autogenerate_upgrade_downgrade(server, tmp_path, monkeypatch):
    url = f"mysql+pymysql://root:@127.0.0.1:{server.port}/test"
    (tmp_path / "models.py").write_text(MODELS)
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(ENV)
    (migrations / "script.py.mako").write_text(SCRIPT)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url)

    command.revision(cfg, message="create users", autogenerate=True)
    [script] = list((migrations / "versions").glob("*.py"))
    body = script.read_text()
    assert "op.create_table('alembic_users'" in body
    assert "op.create_index" in body

    command.upgrade(cfg, "head")
    engine = sa.create_engine(url)
    try:
        insp = sa.inspect(engine)
        assert "alembic_users" in insp.get_table_names()
        assert {c["name"] for c in insp.get_columns("alembic_users")} == {"id", "email", "score", "created"}
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
        # A second autogenerate sees no difference.
        command.revision(cfg, message="no changes", autogenerate=True)
        newest = max((migrations / "versions").glob("*.py"), key=lambda p: p.stat().st_mtime)
        assert "op.create_table" not in newest.read_text() and "op.add_column" not in newest.read_text(), textwrap.shorten(newest.read_text(), 400)
        command.downgrade(cfg, "base")
        assert "alembic_users" not in sa.inspect(engine).get_table_names()
    finally:
        with engine.begin() as c:
            c.execute(sa.text("DROP TABLE IF EXISTS alembic_users"))
            c.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
