"""TiDB's "Connect to TiDB with SQLAlchemy" quickstart, in FerroDB's own words.

Reads the connection from `.env` (TIDB_HOST, TIDB_PORT, TIDB_USER, TIDB_PASSWORD, TIDB_DB_NAME,
CA_PATH), then creates a `players` table and inserts, queries, trades (a two-row transaction that
rolls back when the buyer is short of coins), counts and drops — printing each step.
"""

import os

from dotenv import load_dotenv
from sqlalchemy import URL, Column, Integer, String, create_engine, func, select
from sqlalchemy.orm import declarative_base, sessionmaker

load_dotenv()


def make_engine():
    connect_args = {}
    ca_path = os.getenv("CA_PATH", "")
    if ca_path:
        connect_args = {"ssl_verify_cert": True, "ssl_verify_identity": True, "ssl_ca": ca_path}
    url = URL.create(
        drivername="mysql+pymysql",
        username=os.getenv("TIDB_USER", "root"),
        password=os.getenv("TIDB_PASSWORD", ""),
        host=os.getenv("TIDB_HOST", "127.0.0.1"),
        port=int(os.getenv("TIDB_PORT", "4000")),
        database=os.getenv("TIDB_DB_NAME", "test"),
    )
    return create_engine(url, connect_args=connect_args, pool_recycle=300)


engine = make_engine()
Session = sessionmaker(bind=engine)
Base = declarative_base()


class Player(Base):
    __tablename__ = "players"

    id = Column(Integer, primary_key=True)
    name = Column(String(32), unique=True)
    coins = Column(Integer)
    goods = Column(Integer)

    def __repr__(self):
        return f"Player(name={self.name}, coins={self.coins}, goods={self.goods})"


def recreate_table():
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)


def simple_example():
    with Session() as session:
        session.add(Player(name="test", coins=1, goods=1))
        print(session.query(Player).filter_by(name="test").one())

        session.add_all([Player(name=f"player_{i}", coins=10000, goods=100) for i in range(200)])
        print("number of players:", session.scalar(select(func.count(Player.id))))

        for player in session.query(Player).order_by(Player.id).limit(3):
            print(player)
        session.commit()


def trade(buyer_id, seller_id, amount, price):
    """Moves `amount` goods from seller to buyer for `price` coins, all or nothing."""
    with Session() as session:
        buyer = session.query(Player).with_for_update().filter(Player.id == buyer_id).one()
        if buyer.coins < price:
            print("buyer coins not enough")
            return
        seller = session.query(Player).with_for_update().filter(Player.id == seller_id).one()
        if seller.goods < amount:
            print("seller goods not enough")
            return
        session.query(Player).filter(Player.id == buyer_id).update(
            {"coins": Player.coins - price, "goods": Player.goods + amount}
        )
        session.query(Player).filter(Player.id == seller_id).update(
            {"coins": Player.coins + price, "goods": Player.goods - amount}
        )
        session.commit()
        print("trade success")


def trade_example():
    with Session() as session:
        buyer = Player(name="buyer", coins=100, goods=0)
        seller = Player(name="seller", coins=0, goods=100)
        session.add_all([buyer, seller])
        session.commit()
        buyer_id, seller_id = buyer.id, seller.id

    print("============== trade 1 start =================")
    trade(buyer_id, seller_id, amount=10, price=500)
    print("============== trade 1 end ===================")
    print("============== trade 2 start =================")
    trade(buyer_id, seller_id, amount=10, price=100)
    print("============== trade 2 end ===================")

    with Session() as session:
        for player in session.query(Player).filter(Player.id.in_([buyer_id, seller_id])):
            print(player)


if __name__ == "__main__":
    recreate_table()
    simple_example()
    trade_example()
    Base.metadata.drop_all(engine)
