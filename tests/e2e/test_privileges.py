"""Accounts and privileges end to end: two accounts, each privilege level allowing and refusing
what it should, roles, GRANT OPTION, login errors, caching_sha2 full authentication, and the
grant tables surviving a restart and a kill -9."""

import signal
import uuid

import MySQLdb
import mysql.connector
import pymysql
import pytest


def code(exc_info) -> int:
    return exc_info.value.args[0]


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def admin(server):
    c = server.connect(autocommit=True)
    yield c
    c.close()


def run(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args or None)
        return cur.fetchall()


def login(server, user, password="pw", **kw):
    kw.setdefault("database", None)
    return server.connect(user=user, password=password, autocommit=True, **kw)


@pytest.fixture
def world(server, admin):
    """A database with two tables and an account with no privileges."""
    db, user = fresh("pdb"), fresh("u")
    run(admin, f"CREATE DATABASE {db}")
    run(admin, f"CREATE TABLE {db}.t1 (id INT PRIMARY KEY, a INT, b INT)")
    run(admin, f"CREATE TABLE {db}.t2 (id INT PRIMARY KEY, c INT)")
    run(admin, f"INSERT INTO {db}.t1 VALUES (1, 10, 100), (2, 20, 200)")
    run(admin, f"INSERT INTO {db}.t2 VALUES (1, 5)")
    run(admin, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'")
    yield db, user
    run(admin, f"DROP USER IF EXISTS '{user}'@'%'")
    run(admin, f"DROP DATABASE {db}")


def test_root_keeps_every_privilege(admin):
    assert run(admin, "SELECT CURRENT_USER()") == (("root@%",),)
    assert run(admin, "SHOW GRANTS") == (("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION",),)
    names = [r[0] for r in run(admin, "SELECT User FROM mysql.user ORDER BY User")]
    assert "root" in names


def test_no_privileges_sees_nothing(server, admin, world):
    db, user = world
    with login(server, user) as c:
        assert run(c, "SELECT CURRENT_USER()") == ((f"{user}@%",),)
        assert run(c, "SHOW GRANTS") == ((f"GRANT USAGE ON *.* TO '{user}'@'%'",),)
        dbs = [r[0] for r in run(c, "SHOW DATABASES")]
        assert db not in dbs and "test" not in dbs and "INFORMATION_SCHEMA" in dbs
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, f"USE {db}")
        assert code(e) == 1044
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, f"SELECT * FROM {db}.t1")
        assert code(e) == 1142
        assert e.value.args[1] == f"SELECT command denied to user '{user}'@'%' for table 't1'"
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT * FROM mysql.user")
        assert code(e) == 1142
        assert run(c, f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{db}'") == ((0,),)
        # The connection stays usable after each refusal.
        assert run(c, "SELECT 1") == ((1,),)


def test_global_level(server, admin, world):
    db, user = world
    run(admin, f"GRANT SELECT ON *.* TO '{user}'@'%'")
    with login(server, user) as c:
        assert run(c, f"SELECT a FROM {db}.t1 WHERE id = 1") == ((10,),)
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, f"INSERT INTO {db}.t1 VALUES (3, 3, 3)")
        assert code(e) == 1142
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SET GLOBAL max_execution_time = 100")
        assert code(e) == 1227


def test_database_level(server, admin, world):
    db, user = world
    run(admin, f"GRANT SELECT, INSERT ON {db}.* TO '{user}'@'%'")
    with login(server, user, database=db) as c:
        run(c, "INSERT INTO t1 VALUES (3, 30, 300)")
        assert run(c, "SELECT COUNT(*) FROM t1") == ((3,),)
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "DELETE FROM t1 WHERE id = 3")
        assert code(e) == 1142 and "DELETE command denied" in e.value.args[1]
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT * FROM test.t_anything")
        assert code(e) == 1142
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "CREATE TABLE t3 (x INT)")
        assert code(e) == 1142 and "CREATE command denied" in e.value.args[1]
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, f"DROP DATABASE {db}")
        assert code(e) == 1044
        tables = {r[0] for r in run(c, f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{db}'")}
        assert tables == {"t1", "t2"}
    run(admin, f"REVOKE INSERT ON {db}.* FROM '{user}'@'%'")
    with login(server, user, database=db) as c:
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "INSERT INTO t1 VALUES (4, 4, 4)")
        assert code(e) == 1142


def test_table_level(server, admin, world):
    db, user = world
    run(admin, f"GRANT SELECT, UPDATE ON {db}.t1 TO '{user}'@'%'")
    with login(server, user, database=db) as c:
        assert [r[0] for r in run(c, "SHOW TABLES")] == ["t1"]
        run(c, "UPDATE t1 SET a = a + 1 WHERE id = 1")
        assert run(c, "SELECT a FROM t1 WHERE id = 1") == ((11,),)
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT * FROM t2")
        assert code(e) == 1142
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT * FROM t1 JOIN t2 USING (id)")
        assert code(e) == 1142 and "'t2'" in e.value.args[1]
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "DESCRIBE t2")
        assert code(e) == 1142


def test_column_level(server, admin, world):
    db, user = world
    run(admin, f"GRANT SELECT (id, a), UPDATE (b) ON {db}.t1 TO '{user}'@'%'")
    grants = [r[0] for r in run(admin, f"SHOW GRANTS FOR '{user}'@'%'")]
    assert f"GRANT SELECT(id,a), UPDATE(b) ON `{db}`.`t1` TO '{user}'@'%'" in grants
    with login(server, user, database=db) as c:
        assert run(c, "SELECT id, a FROM t1 ORDER BY id") == ((1, 10), (2, 20))
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT b FROM t1")
        assert code(e) == 1143
        assert e.value.args[1] == f"SELECT command denied to user '{user}'@'%' for column 'b' in table 't1'"
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT * FROM t1")
        assert code(e) == 1143
        run(c, "UPDATE t1 SET b = 7 WHERE id = 2")
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "UPDATE t1 SET a = 7 WHERE id = 2")
        assert code(e) == 1143
    assert run(admin, f"SELECT b FROM {db}.t1 WHERE id = 2") == ((7,),)


def test_roles(server, admin, world):
    db, user = world
    role = fresh("r")
    run(admin, f"CREATE ROLE '{role}'")
    try:
        run(admin, f"GRANT SELECT ON {db}.* TO '{role}'")
        run(admin, f"GRANT '{role}' TO '{user}'@'%'")
        with login(server, user) as c:
            assert run(c, "SELECT CURRENT_ROLE()") == (("NONE",),)
            with pytest.raises(pymysql.err.OperationalError) as e:
                run(c, f"SELECT * FROM {db}.t2")
            assert code(e) == 1142
            run(c, f"SET ROLE '{role}'")
            assert run(c, "SELECT CURRENT_ROLE()") == ((f"`{role}`@`%`",),)
            assert run(c, f"SELECT c FROM {db}.t2") == ((5,),)
            with pytest.raises(pymysql.err.OperationalError) as e:
                run(c, "SET ROLE nosuchrole")
            assert code(e) == 3530
        run(admin, f"SET DEFAULT ROLE ALL TO '{user}'@'%'")
        with login(server, user) as c:
            assert run(c, f"SELECT c FROM {db}.t2") == ((5,),)
            assert any("SELECT" in r[0] for r in run(c, "SHOW GRANTS"))
        # A role cannot log in: it is created locked.
        with pytest.raises(pymysql.err.OperationalError):
            login(server, role, password="")
    finally:
        run(admin, f"DROP ROLE IF EXISTS '{role}'")


def test_grant_option(server, admin, world):
    db, user = world
    other = fresh("v")
    run(admin, f"CREATE USER '{other}'@'%' IDENTIFIED BY 'pw'")
    try:
        run(admin, f"GRANT SELECT ON {db}.* TO '{user}'@'%'")
        with login(server, user) as c:
            with pytest.raises(pymysql.err.OperationalError) as e:
                run(c, f"GRANT SELECT ON {db}.* TO '{other}'@'%'")
            assert code(e) == 1044
        run(admin, f"GRANT SELECT ON {db}.* TO '{user}'@'%' WITH GRANT OPTION")
        with login(server, user) as c:
            run(c, f"GRANT SELECT ON {db}.* TO '{other}'@'%'")
            # It cannot hand on what it does not hold.
            with pytest.raises(pymysql.err.OperationalError) as e:
                run(c, f"GRANT INSERT ON {db}.* TO '{other}'@'%'")
            assert code(e) == 1044
            with pytest.raises(pymysql.err.OperationalError) as e:
                run(c, "CREATE USER someone")
            assert code(e) == 1227
        with login(server, other) as c:
            assert run(c, f"SELECT COUNT(*) FROM {db}.t1") == ((2,),)
    finally:
        run(admin, f"DROP USER '{other}'@'%'")


def test_dynamic_privilege(server, admin, world):
    _, user = world
    run(admin, f"GRANT SYSTEM_VARIABLES_ADMIN ON *.* TO '{user}'@'%'")
    with login(server, user) as c:
        run(c, "SET GLOBAL max_execution_time = 0")


def test_login_errors(server, admin, world):
    _, user = world
    with pytest.raises(pymysql.err.OperationalError) as e:
        login(server, user, password="wrong")
    assert code(e) == 1045
    assert e.value.args[1] == f"Access denied for user '{user}'@'127.0.0.1' (using password: YES)"
    with pytest.raises(pymysql.err.OperationalError) as e:
        login(server, "nobody_here", password="")
    assert code(e) == 1045
    run(admin, f"ALTER USER '{user}'@'%' ACCOUNT LOCK")
    with pytest.raises(pymysql.err.OperationalError) as e:
        login(server, user)
    assert code(e) == 3118
    run(admin, f"ALTER USER '{user}'@'%' ACCOUNT UNLOCK PASSWORD EXPIRE")
    with pytest.raises(pymysql.err.OperationalError) as e:
        login(server, user)
    assert code(e) == 1862
    run(admin, f"ALTER USER '{user}'@'%' IDENTIFIED BY 'new-pw'")
    with login(server, user, password="new-pw") as c:
        run(c, "SET PASSWORD = 'pw'")
    with login(server, user) as c:
        assert run(c, "SELECT 1") == ((1,),)


def test_host_patterns(server, admin):
    name = fresh("h")
    run(admin, f"CREATE USER '{name}'@'10.%' IDENTIFIED BY 'x'")
    try:
        with pytest.raises(pymysql.err.OperationalError) as e:
            login(server, name, password="x")
        assert code(e) == 1045
        run(admin, f"CREATE USER '{name}'@'localhost' IDENTIFIED BY 'y'")
        with login(server, name, password="y") as c:
            assert run(c, "SELECT CURRENT_USER()") == ((f"{name}@localhost",),)
        run(admin, f"CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY 'z'")
        # The exact host wins over localhost's pattern? Both are exact: MySQL takes the first in
        # its sort order; with the IP account present the login must use one of the two.
        with pytest.raises(pymysql.err.OperationalError):
            login(server, name, password="x")
    finally:
        run(admin, f"DROP USER IF EXISTS '{name}'@'10.%', '{name}'@'localhost', '{name}'@'127.0.0.1'")


def test_caching_sha2_full_authentication(tmp_server):
    s = tmp_server()
    with s.connect(autocommit=True) as root:
        run(root, "CREATE USER sha2full IDENTIFIED WITH caching_sha2_password BY 'secret-pw'")
        run(root, "CREATE USER sha2tls IDENTIFIED WITH caching_sha2_password BY 'tls-pw'")
        stored = run(root, "SELECT plugin, authentication_string FROM mysql.user WHERE User = 'sha2full'")
        assert stored[0][0] == "caching_sha2_password" and stored[0][1].startswith("$A$005$")
    # Cold cache over plain TCP: the RSA exchange (PyMySQL fetches the server's public key).
    with login(s, "sha2full", password="secret-pw") as c:
        assert run(c, "SELECT CURRENT_USER()") == (("sha2full@%",),)
    # Now the fast path.
    with login(s, "sha2full", password="secret-pw") as c:
        assert run(c, "SELECT 1") == ((1,),)
    with pytest.raises(pymysql.err.OperationalError) as e:
        login(s, "sha2full", password="bad")
    assert code(e) == 1045
    s.stop()
    s2 = tmp_server(data_dir=s.data_dir)
    # Cold caches after the restart: the clear password over TLS, with PyMySQL and with
    # mysql-connector (which has no RSA path: over plain TCP it can only use a warm cache).
    with login(s2, "sha2tls", password="tls-pw", ssl_ca=s2.ca_path, ssl_verify_cert=True,
               ssl_verify_identity=True) as c:
        assert run(c, "SELECT CURRENT_USER()") == (("sha2tls@%",),)
    c = mysql.connector.connect(host="127.0.0.1", port=s2.port, user="sha2full", password="secret-pw",
                                ssl_ca=s2.ca_path, ssl_verify_identity=True)
    cur = c.cursor()
    cur.execute("SELECT CURRENT_USER()")
    assert cur.fetchall() == [("sha2full@%",)]
    c.close()
    # And mysqlclient (libmariadb) over plain TCP after another restart: RSA again.
    s2.stop()
    s3 = tmp_server(data_dir=s.data_dir)
    c = MySQLdb.connect(host="127.0.0.1", port=s3.port, user="sha2full", password="secret-pw",
                        ssl_mode="DISABLED")
    cur = c.cursor()
    cur.execute("SELECT CURRENT_USER()")
    assert cur.fetchall() == (("sha2full@%",),)
    c.close()


def test_grant_tables_survive_restart_and_kill9(tmp_server):
    s = tmp_server()
    with s.connect(autocommit=True) as root:
        run(root, "CREATE DATABASE keep")
        run(root, "CREATE TABLE keep.t (a INT)")
        run(root, "CREATE USER durable IDENTIFIED BY 'pw'")
        run(root, "GRANT SELECT ON keep.* TO durable")
    s.stop(sig=signal.SIGKILL)
    s2 = tmp_server(data_dir=s.data_dir)
    with login(s2, "durable") as c:
        assert run(c, "SELECT COUNT(*) FROM keep.t") == ((0,),)
        with pytest.raises(pymysql.err.OperationalError):
            run(c, "INSERT INTO keep.t VALUES (1)")
    s2.stop()
    s3 = tmp_server(data_dir=s.data_dir)
    with s3.connect(autocommit=True) as root:
        grants = [r[0] for r in run(root, "SHOW GRANTS FOR durable")]
        assert grants == ["GRANT USAGE ON *.* TO 'durable'@'%'", "GRANT SELECT ON `keep`.* TO 'durable'@'%'"]


def test_failed_login_attempts_lock_the_account(server, admin):
    name = fresh("f")
    run(admin, f"CREATE USER '{name}' IDENTIFIED BY 'pw' FAILED_LOGIN_ATTEMPTS 2 PASSWORD_LOCK_TIME 1")
    try:
        create = run(admin, f"SHOW CREATE USER '{name}'")[0][0]
        assert create.startswith(f"CREATE USER '{name}'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*")
        assert "FAILED_LOGIN_ATTEMPTS 2 PASSWORD_LOCK_TIME 1" in create
        with pytest.raises(pymysql.err.OperationalError) as e:
            login(server, name, password="bad")
        assert code(e) == 1045
        with pytest.raises(pymysql.err.OperationalError) as e:
            login(server, name, password="bad")
        assert code(e) == 3955
        assert "Account is blocked for 1 day(s) (1 day(s) remaining) due to 2 consecutive failed logins" in e.value.args[1]
        # Even the right password is refused while it is blocked.
        with pytest.raises(pymysql.err.OperationalError) as e:
            login(server, name)
        assert code(e) == 3955
        run(admin, f"ALTER USER '{name}' ACCOUNT UNLOCK")
        with login(server, name) as c:
            assert run(c, "SELECT 1") == ((1,),)
    finally:
        run(admin, f"DROP USER '{name}'")


def test_expired_password_sandbox(server, admin, world):
    _, user = world
    run(admin, f"ALTER USER '{user}'@'%' PASSWORD EXPIRE")
    handles_expired = 1 << 22
    with login(server, user, client_flag=handles_expired) as c:
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT 1")
        assert code(e) == 1820
        run(c, "SET PASSWORD = 'renewed'")
        assert run(c, "SELECT 1") == ((1,),)
    with login(server, user, password="renewed") as c:
        assert run(c, "SELECT 1") == ((1,),)


def test_kill_needs_connection_admin_for_other_users(server, admin, world):
    _, user = world
    root_id = run(admin, "SELECT CONNECTION_ID()")[0][0]
    with login(server, user) as c:
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, f"KILL QUERY {root_id}")
        assert code(e) == 1095
        run(admin, f"GRANT CONNECTION_ADMIN ON *.* TO '{user}'@'%'")
        run(c, f"KILL QUERY {root_id}")


def test_information_schema_privilege_tables(server, admin, world):
    db, user = world
    run(admin, f"GRANT SELECT ON {db}.* TO '{user}'@'%'")
    run(admin, f"GRANT INSERT ON {db}.t1 TO '{user}'@'%' WITH GRANT OPTION")
    run(admin, f"GRANT UPDATE (a) ON {db}.t2 TO '{user}'@'%'")
    with login(server, user) as c:
        assert run(c, "SELECT * FROM information_schema.USER_PRIVILEGES") == ((f"'{user}'@'%'", "def", "USAGE", "NO"),)
        assert run(c, "SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES") == ((db, "SELECT"),)
        assert run(c, "SELECT TABLE_NAME, PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES") == (("t1", "INSERT", "YES"),)
        assert run(c, "SELECT TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE FROM information_schema.COLUMN_PRIVILEGES") == (("t2", "a", "UPDATE"),)
    # root sees every account's rows.
    rows = run(admin, "SELECT GRANTEE FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SUPER'")
    assert ("'root'@'%'",) in rows


def test_initialize_secure_refuses_an_exposed_root_without_password(tmp_path):
    import subprocess

    from conftest import ferrodb_bin, free_port

    r = subprocess.run(
        [ferrodb_bin(), "--host", "0.0.0.0", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"),
         "--initialize-secure"],
        capture_output=True, text=True, timeout=60,
    )
    assert r.returncode != 0
    assert "root has an empty password" in (r.stdout + r.stderr)


def test_views_run_with_definer_or_invoker_rights(server, admin, world):
    db, user = world
    run(admin, f"CREATE VIEW {db}.v_def AS SELECT a FROM {db}.t1")
    run(admin, f"CREATE SQL SECURITY INVOKER VIEW {db}.v_inv AS SELECT a FROM {db}.t1")
    run(admin, f"CREATE DEFINER = '{user}'@'%' VIEW {db}.v_user AS SELECT a FROM {db}.t1")
    create = run(admin, f"SHOW CREATE VIEW {db}.v_inv")[0][1]
    assert "DEFINER=`root`@`%` SQL SECURITY INVOKER" in create
    assert run(admin, f"SELECT DEFINER, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_NAME = 'v_user'") == ((f"{user}@%", "DEFINER"),)
    for v in ("v_def", "v_inv", "v_user"):
        run(admin, f"GRANT SELECT ON {db}.{v} TO '{user}'@'%'")
    with login(server, user, database=db) as c:
        assert run(c, "SELECT a FROM v_def ORDER BY a") == ((10,), (20,))
        for v in ("v_inv", "v_user"):
            with pytest.raises(pymysql.err.OperationalError) as e:
                run(c, f"SELECT * FROM {v}")
            assert code(e) == 1356, v
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "SELECT * FROM t1")
        assert code(e) == 1142
        # Naming another account as definer needs SUPER.
        run(admin, f"GRANT CREATE VIEW ON {db}.* TO '{user}'@'%'")
    with login(server, user, database=db) as c:
        with pytest.raises(pymysql.err.OperationalError) as e:
            run(c, "CREATE DEFINER = 'root'@'%' VIEW v_root AS SELECT 1")
        assert code(e) == 1227
    run(admin, f"GRANT SELECT ON {db}.t1 TO '{user}'@'%'")
    with login(server, user, database=db) as c:
        assert run(c, "SELECT COUNT(*) FROM v_inv") == ((2,),)
        assert run(c, "SELECT COUNT(*) FROM v_user") == ((2,),)
