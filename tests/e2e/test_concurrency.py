"""Many clients at once."""

import threading

from pymysql.constants import CLIENT


def test_200_connections_each_run_100_queries(server):
    errors = []
    done = []
    barrier = threading.Barrier(200, timeout=120)

    def client(i):
        try:
            c = server.connect(client_flag=CLIENT.MULTI_STATEMENTS)
            barrier.wait()  # all 200 connected at the same time
            with c, c.cursor() as cur:
                for q in range(100):
                    cur.execute(f"SELECT {i} * 1000 + {q}, CONNECTION_ID()")
                    value, _ = cur.fetchone()
                    assert value == i * 1000 + q
            done.append(i)
        except Exception as e:  # noqa: BLE001 - collected and reported below
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:5]
    assert len(done) == 200


def test_connection_ids_are_distinct(server):
    conns = [server.connect() for _ in range(20)]
    ids = set()
    for c in conns:
        with c.cursor() as cur:
            cur.execute("SELECT CONNECTION_ID()")
            ids.add(cur.fetchone()[0])
        c.close()
    assert len(ids) == 20
