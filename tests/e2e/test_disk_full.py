"""Disk full: on a small tmpfs data dir, a write that needs the commit log to grow fails with a
clear error while reads go on; once space is freed the same writes succeed, without a restart,
and everything committed survives one."""

import os
import subprocess
import tempfile
import time
from pathlib import Path

import pymysql
import pytest


@pytest.fixture
def small_disk():
    mount = Path(tempfile.mkdtemp(prefix="ferrodb-tmpfs-"))
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        os.rmdir(mount)
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        os.rmdir(mount)


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def test_writes_fail_cleanly_when_the_disk_is_full_and_resume_when_space_returns(tmp_server, small_disk):
    s = tmp_server(data_dir=small_disk / "data")
    filler = small_disk / "filler"
    try:
        with s.connect(autocommit=True) as c, c.cursor() as cur:
            cur.execute("CREATE TABLE fill (id INT PRIMARY KEY, v LONGTEXT)")
            # Leave less room than the next commit-log segment needs (8 MiB).
            with open(filler, "wb") as f:
                f.write(b"\0" * max(free_bytes(small_disk) - (3 << 20), 0))
            written, error = 0, None
            for i in range(100):
                try:
                    cur.execute("INSERT INTO fill VALUES (%s, REPEAT('x', 500000))", (i,))
                    written += 1
                except pymysql.err.MySQLError as e:
                    error = e.args
                    break
            assert error is not None, "the disk never filled"
            assert error[0] == 1105 and "disk full" in error[1], error
            # An idle checkpoint (after 0.5 s) writes to the engine meanwhile, on the full disk.
            time.sleep(1.5)
            # Reads go on, and the failed write left nothing behind.
            cur.execute("SELECT COUNT(*) FROM fill")
            assert cur.fetchone() == (written,)
            # Still full: the same row is still refused (a small one may fit the segment's rest).
            with pytest.raises(pymysql.err.MySQLError) as again:
                cur.execute(f"INSERT INTO fill VALUES ({written}, REPEAT('y', 500000))")
            assert "disk full" in again.value.args[1]
            # Space returns: the same writes succeed, no restart needed.
            filler.unlink()
            cur.execute(f"INSERT INTO fill VALUES ({written}, REPEAT('y', 500000))")
            cur.execute("INSERT INTO fill VALUES (-1, 'small')")
            cur.execute("SELECT COUNT(*) FROM fill")
            assert cur.fetchone() == (written + 2,)
    finally:
        if filler.exists():
            filler.unlink()
    assert s.stop() == 0
    s2 = tmp_server(port=s.port, data_dir=s.data_dir)
    with s2.connect() as c, c.cursor() as cur:
        cur.execute("SELECT COUNT(*), SUM(LENGTH(v)) FROM fill")
        assert cur.fetchone() == (written + 2, (written + 1) * 500000 + 5)
    s2.stop()
