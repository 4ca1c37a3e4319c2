"""Fixtures that start the real `ferrodb` binary on a free port with a temporary data dir."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pytest

REPO = Path(__file__).resolve().parents[2]

# Accounts every test server has (besides root with an empty password).
USERS = {
    "native_user": ("native-pw", "mysql_native_password"),
    "sha2_user": ("sha2-pw", "caching_sha2_password"),
}


def ferrodb_bin() -> str:
    path = os.environ.get("FERRODB_BIN")
    if path:
        return path
    target = os.environ.get("CARGO_TARGET_DIR", str(REPO / "target"))
    return str(Path(target) / "debug" / "ferrodb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running FerroDB process."""

    port: int
    data_dir: Path
    proc: subprocess.Popen
    log_path: Path
    host: str = "127.0.0.1"
    extra_args: list = field(default_factory=list)

    @property
    def ca_path(self) -> str:
        return str(self.data_dir / "tls" / "ca.pem")

    def connect(self, **kw) -> pymysql.connections.Connection:
        args = dict(host=self.host, port=self.port, user="root", password="", database="test")
        args.update(kw)
        return pymysql.connect(**args)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_server(
    tmp: Path,
    *extra_args: str,
    port: int | None = None,
    data_dir: Path | None = None,
    wrapper: tuple = (),
) -> Server:
    """Starts ferrodb (under `wrapper`, e.g. a prlimit command) and waits until it accepts
    connections."""
    port = port or free_port()
    data_dir = data_dir or tmp / "data"
    config = tmp / f"ferrodb-{port}.toml"
    users = "\n".join(
        f'[[users]]\nname = "{n}"\npassword = "{pw}"\nplugin = "{plugin}"\n'
        for n, (pw, plugin) in USERS.items()
    )
    config.write_text('[[users]]\nname = "root"\npassword = ""\n' + users)
    log_path = tmp / f"ferrodb-{port}.log"
    log = open(log_path, "wb")
    cmd = [*wrapper, ferrodb_bin(), "--port", str(port), "--data-dir", str(data_dir), "--config", str(config), *extra_args]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    server = Server(port=port, data_dir=data_dir, proc=proc, log_path=log_path, extra_args=list(extra_args))
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ferrodb exited early ({proc.returncode}):\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"ferrodb did not start listening:\n{server.log()}")


@pytest.fixture(scope="session")
def server():
    """One server shared by the tests that do not restart or reconfigure it."""
    with tempfile.TemporaryDirectory(prefix="ferrodb-e2e-") as tmp:
        s = start_server(Path(tmp))
        yield s
        code = s.stop()
        assert code == 0, f"ferrodb did not shut down cleanly ({code}):\n{s.log()}"


@pytest.fixture
def tmp_server(tmp_path):
    """Starts servers private to one test; stops them afterwards."""
    started = []

    def start(*args, **kw):
        s = start_server(tmp_path, *args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop(timeout=10)


@dataclass
class MariaDB:
    """A MariaDB server (the reference the dump round trip is compared with)."""

    port: int
    proc: subprocess.Popen

    def connect(self, **kw) -> pymysql.connections.Connection:
        args = dict(host="127.0.0.1", port=self.port, user="root", password="")
        args.update(kw)
        return pymysql.connect(**args)


@pytest.fixture(scope="session")
def mariadb():
    """A MariaDB server on a temporary data dir (scripts/setup-test-env.sh installs it)."""
    with tempfile.TemporaryDirectory(prefix="ferrodb-e2e-mariadb-") as tmp:
        tmp = Path(tmp)
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={tmp}/db", "--user=root",
             "--auth-root-authentication-method=normal"],
            check=True, capture_output=True, timeout=120,
        )
        port = free_port()
        proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={tmp}/db", f"--port={port}", "--bind-address=127.0.0.1",
             f"--socket={tmp}/sock", "--user=root", "--skip-grant-tables", f"--log-error={tmp}/err.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while True:
            try:
                pymysql.connect(host="127.0.0.1", port=port, user="root").close()
                break
            except pymysql.MySQLError:
                if proc.poll() is not None or time.time() > deadline:
                    proc.kill()
                    raise RuntimeError("mariadbd did not start: " + (tmp / "err.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield MariaDB(port=port, proc=proc)
        proc.terminate()
        proc.wait(timeout=60)
