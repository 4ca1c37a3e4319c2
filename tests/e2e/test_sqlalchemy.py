"""SQLAlchemy Core and ORM beyond the tutorial: DDL with checkfirst, reflection, savepoints,
isolation levels, pool pre-ping, instance updates and deletes with rowcount checks."""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


@pytest.fixture
def engine(server):
    e = sa.create_engine(f"mysql+pymysql://root:@127.0.0.1:{server.port}/test", pool_pre_ping=True)
    yield e
    e.dispose()


def test_create_all_checkfirst_and_reflection(engine):
    md = sa.MetaData()
    sa.Table(
        "refl_items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(32), unique=True, nullable=False, comment="the name"),
        sa.Column("score", sa.BigInteger, server_default="7"),
        sa.Column("note", sa.Text),
        sa.Index("ix_score", "score"),
        comment="reflected",
    )
    md.create_all(engine)
    md.create_all(engine)  # checkfirst: a second run does nothing
    try:
        insp = sa.inspect(engine)
        assert "refl_items" in insp.get_table_names()
        cols = {c["name"]: c for c in insp.get_columns("refl_items")}
        assert list(cols) == ["id", "name", "score", "note"]
        assert cols["id"]["autoincrement"] is True and cols["id"]["nullable"] is False
        assert isinstance(cols["name"]["type"], sa.String) and cols["name"]["type"].length == 32
        assert cols["name"]["comment"] == "the name" and cols["name"]["nullable"] is False
        assert isinstance(cols["score"]["type"], sa.BigInteger)
        assert cols["score"]["default"] == "'7'"
        assert isinstance(cols["note"]["type"], sa.Text)
        assert insp.get_pk_constraint("refl_items")["constrained_columns"] == ["id"]
        indexes = {i["name"]: i for i in insp.get_indexes("refl_items")}
        assert indexes["ix_score"]["column_names"] == ["score"] and not indexes["ix_score"]["unique"]
        uniques = insp.get_unique_constraints("refl_items")
        assert [u["column_names"] for u in uniques] == [["name"]]
        assert insp.get_table_comment("refl_items")["text"] == "reflected"
        reflected = sa.Table("refl_items", sa.MetaData(), autoload_with=engine)
        assert [c.name for c in reflected.primary_key] == ["id"]
    finally:
        md.drop_all(engine)
        md.drop_all(engine)  # checkfirst again
    assert "refl_items" not in sa.inspect(engine).get_table_names()


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "orm_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    qty: Mapped[int] = mapped_column(default=0)


@pytest.fixture
def items(engine):
    Base.metadata.create_all(engine)
    yield
    Base.metadata.drop_all(engine)


def test_orm_instance_update_delete_and_bulk_insert(engine, items):
    with Session(engine) as s:
        s.add_all([Item(name=f"i{n}", qty=n) for n in range(30)])
        s.commit()
        assert s.scalar(sa.select(sa.func.count()).select_from(Item)) == 30
        item = s.get(Item, 5)
        item.qty = 5  # unchanged value: the UPDATE must still report one matched row
        s.flush()
        item.qty = 500
        s.delete(s.get(Item, 6))
        s.commit()
        assert s.get(Item, 5).qty == 500
        assert s.get(Item, 6) is None
        names = s.scalars(sa.select(Item.name).where(Item.qty > 25).order_by(Item.id.desc())).all()
        assert names == ["i29", "i28", "i27", "i26", "i4"]
        s.execute(sa.delete(Item).where(Item.qty < 10))
        s.commit()
        assert s.scalar(sa.select(sa.func.count()).select_from(Item)) == 21


def test_savepoints_with_begin_nested(engine, items):
    with Session(engine) as s:
        s.add(Item(name="outer"))
        s.flush()
        nested = s.begin_nested()
        s.add(Item(name="inner"))
        s.flush()
        nested.rollback()
        with s.begin_nested():
            s.add(Item(name="kept"))
        s.commit()
        assert sorted(s.scalars(sa.select(Item.name))) == ["kept", "outer"]


def test_unique_violation_raises_integrity_error_and_session_recovers(engine, items):
    with Session(engine) as s:
        s.add(Item(name="dup"))
        s.commit()
        s.add(Item(name="dup"))
        with pytest.raises(sa.exc.IntegrityError) as e:
            s.commit()
        assert e.value.orig.args[0] == 1062
        s.rollback()
        assert s.scalar(sa.select(sa.func.count()).select_from(Item)) == 1


@pytest.mark.parametrize("level", ["READ COMMITTED", "REPEATABLE READ", "AUTOCOMMIT"])
def test_isolation_levels(engine, level):
    with engine.connect().execution_options(isolation_level=level) as c:
        autocommit, isolation = c.execute(sa.text("SELECT @@autocommit, @@transaction_isolation")).one()
        if level == "AUTOCOMMIT":
            assert autocommit == 1
            assert c.connection.dbapi_connection.get_autocommit() is True
        else:
            assert autocommit == 0
            assert c.get_isolation_level() == level
            assert isolation == level.replace(" ", "-")
        assert c.execute(sa.text("SELECT 1")).scalar() == 1


def test_pool_pre_ping_recovers_after_server_restart(tmp_server):
    s = tmp_server()
    engine = sa.create_engine(f"mysql+pymysql://root:@127.0.0.1:{s.port}/test", pool_pre_ping=True, pool_recycle=300)
    try:
        with engine.connect() as c:
            c.execute(sa.text("CREATE TABLE survive (id INT PRIMARY KEY)"))
            c.execute(sa.text("INSERT INTO survive VALUES (1)"))
            c.commit()
        s.stop()
        s2 = tmp_server(port=s.port, data_dir=s.data_dir)
        # The pooled connection died with the old process; pre-ping replaces it transparently.
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT id FROM survive")).scalar() == 1
        s2.stop()
    finally:
        engine.dispose()


def test_pool_recycle_replaces_connections_across_a_restart(tmp_server):
    import time

    s = tmp_server()
    # No pre-ping: only pool_recycle stands between the app and the dead pooled connection.
    engine = sa.create_engine(f"mysql+pymysql://root:@127.0.0.1:{s.port}/test", pool_recycle=1)
    try:
        with engine.connect() as c:
            c.execute(sa.text("CREATE TABLE recycled (id INT PRIMARY KEY)"))
            c.execute(sa.text("INSERT INTO recycled VALUES (7)"))
            c.commit()
        s.stop()
        s2 = tmp_server(port=s.port, data_dir=s.data_dir)
        time.sleep(1.5)  # the pooled connection is now older than pool_recycle
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT id FROM recycled")).scalar() == 7
        s2.stop()
    finally:
        engine.dispose()


def test_insertmanyvalues_bulk_insert_without_returning(engine):
    md = sa.MetaData()
    t = sa.Table(
        "bulk_rows",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(32), unique=True),
        sa.Column("coins", sa.Integer, server_default=sa.text("100")),
    )
    md.create_all(engine)
    try:
        rows = [{"name": f"p{n}"} for n in range(2500)]
        with engine.begin() as c:
            # executemany of a Core insert: SQLAlchemy batches it (insertmanyvalues / PyMySQL's
            # multi-row rewrite) into few statements; no RETURNING is involved on MySQL.
            result = c.execution_options(insertmanyvalues_page_size=1000).execute(t.insert(), rows)
            assert result.rowcount == 2500
        with engine.connect() as c:
            got = c.execute(sa.select(sa.func.count(), sa.func.sum(t.c.coins), sa.func.max(t.c.id))).one()
            assert tuple(got) == (2500, 250000, 2500)
            assert c.execute(sa.select(t.c.id).where(t.c.name == "p1234")).scalar() == 1235
    finally:
        md.drop_all(engine)


class TBase(DeclarativeBase):
    pass


class Touched(TBase):
    __tablename__ = "touched_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(sa.String(20))
    touched = mapped_column(
        mysql.DATETIME(fsp=6),
        server_default=sa.text("CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"),
        server_onupdate=sa.FetchedValue(),
    )
    __mapper_args__ = {"eager_defaults": True}


def test_server_default_and_server_onupdate_are_fetched(engine):
    import time

    TBase.metadata.drop_all(engine)
    TBase.metadata.create_all(engine)
    try:
        with Session(engine) as s:
            row = Touched(id=1, note="first")
            s.add(row)
            s.commit()
            created = row.touched
            assert created is not None
            time.sleep(0.01)
            row.note = "second"
            s.commit()
            # The server changed the column on UPDATE; the ORM fetches the new value.
            assert row.touched > created
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT note FROM touched_rows")).scalar() == "second"
    finally:
        TBase.metadata.drop_all(engine)


class RBase(DeclarativeBase):
    pass


class Author(RBase):
    __tablename__ = "rel_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(30))
    books: Mapped[list["Book"]] = sa.orm.relationship(back_populates="author", cascade="all, delete-orphan")


class Book(RBase):
    __tablename__ = "rel_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(50))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("rel_authors.id", ondelete="CASCADE"))
    author: Mapped[Author] = sa.orm.relationship(back_populates="books")


def test_relationships_joins_eager_loading_and_fk_reflection(engine):
    RBase.metadata.create_all(engine)
    try:
        with Session(engine) as s:
            s.add_all([
                Author(name="ann", books=[Book(title="one"), Book(title="two")]),
                Author(name="bob", books=[Book(title="three")]),
            ])
            s.commit()
        with Session(engine) as s:
            authors = s.scalars(sa.select(Author).options(sa.orm.selectinload(Author.books)).order_by(Author.name)).all()
            assert [(a.name, sorted(b.title for b in a.books)) for a in authors] == [("ann", ["one", "two"]), ("bob", ["three"])]
            joined = s.scalars(sa.select(Author).options(sa.orm.joinedload(Author.books)).where(Author.name == "bob")).unique().one()
            assert [b.title for b in joined.books] == ["three"]
            rows = s.execute(
                sa.select(Author.name, sa.func.count(Book.id)).join(Book).group_by(Author.name).order_by(Author.name)
            ).all()
            assert rows == [("ann", 2), ("bob", 1)]
            with pytest.raises(sa.exc.IntegrityError) as e:
                s.add(Book(title="orphan", author_id=999))
                s.flush()
            assert e.value.orig.args[0] == 1452
            s.rollback()
        fks = sa.inspect(engine).get_foreign_keys("rel_books")
        assert [(f["constrained_columns"], f["referred_table"], f["referred_columns"]) for f in fks] == [
            (["author_id"], "rel_authors", ["id"])
        ]
        assert fks[0]["options"].get("ondelete") == "CASCADE"
    finally:
        RBase.metadata.drop_all(engine)


def test_types_round_trip_exactly(engine):
    import datetime
    import decimal
    import enum

    class Size(enum.Enum):
        small = "small"
        large = "large"

    md = sa.MetaData()
    t = sa.Table(
        "typed_values",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("size", sa.Enum(Size)),
        sa.Column("doc", sa.JSON),
        sa.Column("at", sa.DateTime),
        sa.Column("day", sa.Date),
        sa.Column("price", sa.Numeric(10, 3)),
        sa.Column("ratio", sa.Float),
        sa.Column("flag", sa.Boolean),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("clock", sa.Time),
        sa.Column("clock3", mysql.TIME(fsp=3)),
        sa.Column("yr", mysql.YEAR),
        sa.Column("stamp", sa.TIMESTAMP, server_default=sa.func.current_timestamp(), server_onupdate=sa.FetchedValue()),
    )
    md.create_all(engine)
    try:
        row = dict(
            id=1, size=Size.large, doc={"a": [1, 2, {"b": None}], "c": "é"}, at=datetime.datetime(2024, 2, 29, 23, 59, 58),
            day=datetime.date(1999, 12, 31), price=decimal.Decimal("12345.678"), ratio=0.25, flag=True, blob=b"\x00\xff\x10",
            clock=datetime.time(13, 14, 15), clock3=datetime.time(1, 2, 3, 456000), yr=2024,
        )
        with engine.begin() as c:
            c.execute(t.insert(), row)
        with engine.connect() as c:
            got = c.execute(sa.select(t)).mappings().one()
        for k, v in row.items():
            assert got[k] == v, k
        assert isinstance(got["stamp"], datetime.datetime)
        cols = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("typed_values")}
        assert isinstance(cols["clock3"], mysql.TIME) and cols["clock3"].fsp == 3
        assert isinstance(cols["yr"], mysql.YEAR)
    finally:
        md.drop_all(engine)


def test_views_reflect_and_query_like_tables(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP VIEW IF EXISTS sa_rich")
        conn.exec_driver_sql("DROP TABLE IF EXISTS sa_wallets")
        conn.exec_driver_sql(
            "CREATE TABLE sa_wallets (id INT PRIMARY KEY, owner VARCHAR(20), coins INT)"
        )
        conn.exec_driver_sql("INSERT INTO sa_wallets VALUES (1, 'ann', 5), (2, 'bob', 50)")
        conn.exec_driver_sql(
            "CREATE VIEW sa_rich AS SELECT owner, coins FROM sa_wallets WHERE coins > 10"
        )
    try:
        insp = sa.inspect(engine)
        assert "sa_rich" in insp.get_view_names()
        assert "sa_rich" not in insp.get_table_names()
        assert "sa_wallets" in insp.get_view_definition("sa_rich")
        rich = sa.Table("sa_rich", sa.MetaData(), autoload_with=engine)
        assert [c.name for c in rich.columns] == ["owner", "coins"]
        with engine.connect() as conn:
            rows = conn.execute(sa.select(rich.c.owner, rich.c.coins)).all()
        assert rows == [("bob", 50)]
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP VIEW IF EXISTS sa_rich")
            conn.exec_driver_sql("DROP TABLE IF EXISTS sa_wallets")


def test_window_functions_as_sqlalchemy_writes_them(engine):
    """`func.x().over(...)` — what SQLAlchemy's dialect suite and ORMs send: ranking per
    partition, running totals over a ROWS frame, and the top row per group from a subquery."""
    md = sa.MetaData()
    scores = sa.Table(
        "sa_scores", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("team", sa.String(10)), sa.Column("points", sa.Integer),
    )
    md.drop_all(engine)
    md.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(scores.insert(), [
                {"id": 1, "team": "red", "points": 10}, {"id": 2, "team": "red", "points": 30},
                {"id": 3, "team": "red", "points": 30}, {"id": 4, "team": "blue", "points": 5},
                {"id": 5, "team": "blue", "points": 25},
            ])
        rank = sa.func.rank().over(partition_by=scores.c.team, order_by=scores.c.points.desc())
        running = sa.func.sum(scores.c.points).over(order_by=scores.c.id, rows=(None, 0))
        stmt = sa.select(scores.c.id, rank.label("rk"), running.label("total")).order_by(scores.c.id)
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(stmt)]
            assert [(i, rk) for i, rk, _ in rows] == [(1, 3), (2, 1), (3, 1), (4, 2), (5, 1)]
            assert [int(t) for _, _, t in rows] == [10, 40, 70, 75, 100]
            rn = sa.func.row_number().over(
                partition_by=scores.c.team, order_by=(scores.c.points.desc(), scores.c.id)
            ).label("rn")
            ranked = sa.select(scores.c.team, scores.c.id, rn).subquery()
            best = sa.select(ranked.c.team, ranked.c.id).where(ranked.c.rn == 1).order_by(ranked.c.team)
            assert [tuple(r) for r in conn.execute(best)] == [("blue", 5), ("red", 2)]
    finally:
        md.drop_all(engine)
