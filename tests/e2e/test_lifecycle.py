"""Server start, shutdown, data-dir lock, secure transport, idle timeout."""

import signal
import subprocess
import time

import pymysql
import pytest

import rawmysql
from conftest import ferrodb_bin, free_port


def test_sigterm_shuts_down_gracefully_and_closes_idle_clients(tmp_server):
    s = tmp_server()
    idle = s.connect()
    code = s.stop(signal.SIGTERM, timeout=20)
    assert code == 0, s.log()
    assert "FerroDB stopped" in s.log()
    with pytest.raises(pymysql.err.OperationalError):
        with idle.cursor() as cur:
            cur.execute("SELECT 1")


def test_sigint_also_stops(tmp_server):
    s = tmp_server()
    code = s.stop(signal.SIGINT, timeout=20)
    assert code == 0, s.log()


def test_second_server_on_same_data_dir_is_refused(tmp_server, tmp_path):
    s = tmp_server()
    r = subprocess.run(
        [ferrodb_bin(), "--port", str(free_port()), "--data-dir", str(s.data_dir)],
        capture_output=True, text=True, timeout=30,
    )
    assert r.returncode != 0
    assert "in use by another FerroDB process" in r.stderr


def test_restart_reuses_the_generated_ca(tmp_server, tmp_path):
    s = tmp_server()
    ca = open(s.ca_path).read()
    s.stop()
    s2 = tmp_server(data_dir=s.data_dir)
    assert open(s2.ca_path).read() == ca
    c = s2.connect(ssl_ca=s2.ca_path, ssl_verify_cert=True, ssl_verify_identity=True)
    c.close()


def test_require_secure_transport(tmp_server):
    s = tmp_server("--require-secure-transport")
    with pytest.raises(pymysql.err.OperationalError) as e:
        s.connect()
    assert e.value.args[0] == 3159
    c = s.connect(ssl_ca=s.ca_path, ssl_verify_cert=True, ssl_verify_identity=True)
    with c, c.cursor() as cur:
        cur.execute("SELECT @@require_secure_transport")
        assert cur.fetchone() == (1,)


def test_idle_connection_past_wait_timeout_is_closed_with_4031(server):
    # A raw client reads what the server sends unprompted: error 4031, then the close.
    raw = rawmysql.Raw(server.port)
    try:
        raw.login()
        raw.query("SET SESSION wait_timeout = 1")
        started = time.time()
        seq, payload = raw.recv_packet()
        err = rawmysql.parse_err(payload)
        assert (err.code, err.state) == (4031, "HY000"), (seq, payload)
        assert "inactivity" in err.message
        assert 0.9 < time.time() - started < 5
        with pytest.raises(EOFError):
            raw.recv_packet()
    finally:
        raw.close()
    # PyMySQL sees the same error (or the closed socket, if its write raced the close).
    c = server.connect()
    with c.cursor() as cur:
        cur.execute("SET SESSION wait_timeout = 1")
    time.sleep(2.5)
    with pytest.raises(pymysql.err.OperationalError) as e:
        with c.cursor() as cur:
            cur.execute("SELECT 1")
    assert e.value.args[0] in (4031, 2013)


def test_bad_config_file_is_reported(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("prot = 4000\n")
    r = subprocess.run([ferrodb_bin(), "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "unknown field" in r.stderr
