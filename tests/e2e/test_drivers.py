"""The same ORM round trip through the three Python MySQL drivers, with and without TLS."""

import datetime
import decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DRIVERS = ["pymysql", "mysqldb", "mysqlconnector"]


def tls_args(driver, ca):
    if driver == "pymysql":
        return {"ssl_ca": ca, "ssl_verify_cert": True, "ssl_verify_identity": True}
    if driver == "mysqldb":
        return {"ssl": {"ca": ca}, "ssl_mode": "VERIFY_IDENTITY"}
    return {"ssl_ca": ca, "ssl_verify_identity": True}


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "driver_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(30), unique=True)
    balance: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2))
    opened: Mapped[datetime.datetime] = mapped_column(sa.DateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
@pytest.mark.parametrize("driver", DRIVERS)
def test_orm_round_trip(server, driver, tls):
    args = tls_args(driver, server.ca_path) if tls else {}
    engine = sa.create_engine(
        f"mysql+{driver}://root:@127.0.0.1:{server.port}/test", connect_args=args, pool_pre_ping=True
    )
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        opened = datetime.datetime(2024, 2, 29, 13, 5, 9)
        with Session(engine) as s:
            s.add_all([
                Account(owner="ann", balance=decimal.Decimal("1234.50"), opened=opened, note="héllo"),
                Account(owner="bob", balance=decimal.Decimal("-0.05"), opened=opened, note=None),
            ])
            s.commit()
            ann = s.scalars(sa.select(Account).where(Account.owner == "ann")).one()
            assert ann.balance == decimal.Decimal("1234.50")
            assert ann.opened == opened
            assert ann.note == "héllo"
            ann.balance += decimal.Decimal("0.50")
            s.delete(s.scalars(sa.select(Account).where(Account.owner == "bob")).one())
            s.commit()
            assert s.scalar(sa.select(Account.balance).where(Account.owner == "ann")) == decimal.Decimal("1235.00")
            assert s.scalar(sa.select(sa.func.count()).select_from(Account)) == 1
        if tls:
            with engine.connect() as c:
                version = c.execute(sa.text("SHOW STATUS LIKE 'Ssl_version'")).one()[1]
                assert version.startswith("TLSv1.")
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
