"""Malformed, truncated, oversized and out-of-order input: an error packet or a clean close,
never a crash, and other connections are unaffected."""

import os
import socket
import struct
import time

import pytest

from rawmysql import BASE_CAPS, Raw, ServerError, parse_err


def assert_server_healthy(server):
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SELECT 1 + 1")
        assert cur.fetchone() == (2,)
    assert server.proc.poll() is None, server.log()


def read_until_close(raw):
    """Reads packets until the server closes; returns the payloads received."""
    got = []
    try:
        while True:
            got.append(raw.recv_packet()[1])
    except (EOFError, ConnectionResetError, socket.timeout):
        return got


def test_garbage_before_handshake(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(os.urandom(64) + b"GET / HTTP/1.1\r\n\r\n")
        time.sleep(0.2)
    raw = Raw(server.port)
    raw.read_greeting()
    raw.sock.sendall(b"\x05\x00\x00\x01hello")  # a "response" that is not a handshake
    packets = read_until_close(raw)
    assert packets and packets[-1][0] == 0xFF
    assert parse_err(packets[-1]).code == 1043
    assert_server_healthy(server)


def test_truncated_handshake_response(server):
    raw = Raw(server.port)
    raw.read_greeting()
    body = struct.pack("<IIB", BASE_CAPS, 1 << 24, 45) + b"\0" * 23 + b"root"  # no NUL, no auth
    raw.send_packet(body, 1)
    packets = read_until_close(raw)
    assert packets and parse_err(packets[-1]).code == 1043
    assert_server_healthy(server)


def test_packet_header_promising_more_than_is_sent(server):
    raw = Raw(server.port)
    raw.login()
    raw.sock.sendall(b"\x64\x00\x00\x00\x03SELECT")  # 100 bytes promised, 7 sent, then close
    raw.sock.shutdown(socket.SHUT_WR)
    read_until_close(raw)
    assert_server_healthy(server)


def test_bad_sequence_id_is_1156(server):
    raw = Raw(server.port)
    raw.login()
    raw.send_packet(b"\x03SELECT 1", 5)
    packets = read_until_close(raw)
    assert packets and parse_err(packets[-1]).code == 1156
    assert_server_healthy(server)


def test_oversized_packet_is_1153(server):
    with server.connect() as c, c.cursor() as cur:
        cur.execute("SET GLOBAL max_allowed_packet = 1048576")
    try:
        raw = Raw(server.port)
        raw.login()
        big = b"\x03SELECT '" + b"x" * (2 << 20) + b"'"
        try:
            raw.send_packet(big, 0)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before reading it all
        packets = read_until_close(raw)
        assert packets and parse_err(packets[-1]).code == 1153
        assert_server_healthy(server)
    finally:
        with server.connect() as c, c.cursor() as cur:
            cur.execute("SET GLOBAL max_allowed_packet = 67108864")


def test_large_packet_under_the_limit_works(server):
    raw = Raw(server.port)
    raw.login()
    value = "y" * (3 << 20)
    assert raw.query(f"SELECT '{value}'") == [[value]]


def test_empty_command_packet_is_an_error_and_connection_survives(server):
    raw = Raw(server.port)
    raw.login()
    reply = raw.command(b"")
    assert parse_err(reply).code == 1835
    assert raw.query("SELECT 4") == [["4"]]


def test_client_disconnects_mid_statement(server):
    for _ in range(20):
        raw = Raw(server.port)
        raw.login()
        raw.send_packet(b"\x03SELECT REPEAT_NOT_NEEDED, " + b"1," * 1000 + b"2", 0)
        raw.close()  # gone before reading the reply
    assert_server_healthy(server)


def test_invalid_utf8_and_binary_in_query(server):
    raw = Raw(server.port)
    raw.login()
    try:
        rows = raw.query(b"SELECT '\xff\xfe\x00'")
        assert len(rows) == 1
    except ServerError as e:
        assert e.code in (1064, 1300)
    assert raw.query("SELECT 5") == [["5"]]


def test_disconnect_during_handshake(server):
    for n in range(0, 40, 7):
        raw = Raw(server.port)
        raw.read_greeting()
        raw.sock.sendall(b"\xff" * n)
        raw.close()
    assert_server_healthy(server)


@pytest.mark.parametrize("payload", [b"\x02", b"\x1b", b"\x1b\x09\x00", b"\x04"])
def test_malformed_command_bodies(server, payload):
    raw = Raw(server.port)
    raw.login()
    reply = raw.command(payload)
    assert reply[0] in (0x00, 0xFE, 0xFF)
    assert raw.query("SELECT 6") == [["6"]]
