"""Connecting: plain and TLS, both auth plugins, wrong passwords, the mariadb CLI."""

import ssl
import subprocess

import pymysql
import pytest

from conftest import USERS
from rawmysql import Raw, ServerError


def test_pymysql_plain(server):
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SELECT @@version, VERSION(), CONNECTION_ID() > 0")
        version, fn_version, has_id = cur.fetchone()
        assert version.startswith("8.0.11-TiDB-")
        assert "MariaDB" not in version
        assert fn_version == version
        assert has_id == 1
        assert not isinstance(c._sock, ssl.SSLSocket)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_pymysql_tls_verifies_generated_ca_and_identity(server, host):
    c = server.connect(host=host, ssl_ca=server.ca_path, ssl_verify_cert=True, ssl_verify_identity=True)
    with c, c.cursor() as cur:
        assert isinstance(c._sock, ssl.SSLSocket)
        assert c._sock.version() in ("TLSv1.2", "TLSv1.3")
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def test_tls_with_an_unrelated_ca_is_rejected_by_the_client(server, tmp_path):
    # A client that trusts some other CA must refuse our certificate.
    other = ssl.create_default_context()
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(host="127.0.0.1", port=server.port, user="root", ssl=other, database="test")


@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("tls", [False, True])
def test_both_auth_plugins_with_pymysql(server, user, tls):
    password, plugin = USERS[user]
    kw = dict(user=user, password=password)
    if tls:
        kw.update(ssl_ca=server.ca_path, ssl_verify_cert=True, ssl_verify_identity=True)
    with server.connect(**kw) as c, c.cursor() as cur:
        cur.execute("SELECT CURRENT_USER(), USER()")
        current, session_user = cur.fetchone()
        assert current == f"{user}@%"
        assert session_user.startswith(f"{user}@")


@pytest.mark.parametrize("user", ["root", "native_user", "sha2_user"])
def test_wrong_password_is_1045(server, user):
    with pytest.raises(pymysql.err.OperationalError) as e:
        server.connect(user=user, password="definitely-wrong")
    assert e.value.args[0] == 1045
    assert f"Access denied for user '{user}'" in e.value.args[1]


def test_wrong_password_sqlstate_is_28000(server):
    raw = Raw(server.port)
    with pytest.raises(ServerError) as e:
        raw.login(user="native_user", password="nope")
    assert (e.value.code, e.value.state) == (1045, "28000")
    assert "(using password: YES)" in e.value.message


def test_unknown_user_is_1045(server):
    with pytest.raises(pymysql.err.OperationalError) as e:
        server.connect(user="nobody", password="")
    assert e.value.args[0] == 1045


def test_unknown_database_in_handshake_is_1049(server):
    with pytest.raises(pymysql.err.OperationalError) as e:
        server.connect(database="no_such_db")
    assert e.value.args[0] == 1049


def mariadb(server, *args, user="root", password="", sql="SELECT 1"):
    cmd = ["mariadb", "-h127.0.0.1", f"-P{server.port}", f"-u{user}", "--batch", "--skip-column-names"]
    if password:
        cmd.append(f"-p{password}")
    return subprocess.run([*cmd, *args, "-e", sql], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("user", ["root", "native_user", "sha2_user"])
def test_mariadb_cli_with_each_plugin(server, user):
    password = USERS.get(user, ("", ""))[0]
    r = mariadb(server, "--skip-ssl", user=user, password=password, sql="SELECT CURRENT_USER(), 40 + 2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[0] == f"{user}@%\t42"


def test_mariadb_cli_over_tls_verifying_the_server(server):
    r = mariadb(server, "--ssl", f"--ssl-ca={server.ca_path}", "--ssl-verify-server-cert",
                sql="SHOW SESSION STATUS LIKE 'Ssl_version'")
    assert r.returncode == 0, r.stderr
    name, version = r.stdout.strip().split("\t")
    assert name == "Ssl_version" and version.startswith("TLSv1.")


def test_mariadb_cli_wrong_password_reports_1045_28000(server):
    r = mariadb(server, "--skip-ssl", user="native_user", password="bad")
    assert r.returncode != 0
    assert "ERROR 1045 (28000)" in r.stderr
