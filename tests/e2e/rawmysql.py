"""A minimal MySQL protocol client for tests that must send exactly the bytes they choose
(malformed packets, bad sequence ids, oversized payloads) and read raw replies."""

import hashlib
import socket
import struct

CLIENT_LONG_PASSWORD = 1
CLIENT_PROTOCOL_41 = 1 << 9
CLIENT_SECURE_CONNECTION = 1 << 15
CLIENT_MULTI_STATEMENTS = 1 << 16
CLIENT_MULTI_RESULTS = 1 << 17
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_DEPRECATE_EOF = 1 << 24

BASE_CAPS = (
    CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH
    | CLIENT_MULTI_RESULTS | CLIENT_CONNECT_WITH_DB
)


class ServerError(Exception):
    def __init__(self, code, state, message):
        super().__init__(f"{code} ({state}): {message}")
        self.code, self.state, self.message = code, state, message


def parse_err(payload: bytes) -> ServerError:
    assert payload[0] == 0xFF, payload
    code = struct.unpack("<H", payload[1:3])[0]
    if payload[3:4] == b"#":
        return ServerError(code, payload[4:9].decode(), payload[9:].decode(errors="replace"))
    return ServerError(code, "", payload[3:].decode(errors="replace"))


def native_scramble(password: str, salt: bytes) -> bytes:
    if not password:
        return b""
    p1 = hashlib.sha1(password.encode()).digest()
    p2 = hashlib.sha1(p1).digest()
    p3 = hashlib.sha1(salt + p2).digest()
    return bytes(a ^ b for a, b in zip(p1, p3))


class Raw:
    """One raw connection. `recv_packet` returns (seq, payload); b'' payload at EOF."""

    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        # As real drivers do: a command with no reply (COM_STMT_CLOSE) must not hold back the next.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_packet(self):
        header = self._read(4)
        length = header[0] | header[1] << 8 | header[2] << 16
        return header[3], self._read(length)

    def send_packet(self, payload: bytes, seq: int):
        self.sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload)

    def read_greeting(self):
        seq, g = self.recv_packet()
        assert g[0] == 10, g
        end = g.index(b"\0", 1)
        version = g[1:end].decode()
        pos = end + 1 + 4
        salt1 = g[pos:pos + 8]
        pos += 9
        caps_lo = struct.unpack("<H", g[pos:pos + 2])[0]
        pos += 2
        charset = g[pos]
        status = struct.unpack("<H", g[pos + 1:pos + 3])[0]
        caps_hi = struct.unpack("<H", g[pos + 3:pos + 5])[0]
        pos += 5 + 1 + 10
        salt2 = g[pos:pos + 12]
        self.salt = salt1 + salt2
        self.server_caps = caps_lo | caps_hi << 16
        return dict(version=version, status=status, charset=charset, caps=self.server_caps)

    def login(self, user="root", password="", db="test", caps=BASE_CAPS):
        """Greeting + HandshakeResponse41 with mysql_native_password. Returns the final packet."""
        self.read_greeting()
        auth = native_scramble(password, self.salt)
        body = struct.pack("<IIB", caps, 1 << 24, 45) + b"\0" * 23
        body += user.encode() + b"\0" + bytes([len(auth)]) + auth
        if db:
            body += db.encode() + b"\0"
        body += b"mysql_native_password\0"
        self.send_packet(body, 1)
        _, reply = self.recv_packet()
        if reply[0] == 0xFF:
            raise parse_err(reply)
        return reply

    def command(self, payload: bytes):
        """Sends one command (sequence 0) and returns the first reply packet's payload."""
        self.send_packet(payload, 0)
        return self.recv_packet()[1]

    def query(self, sql):
        """COM_QUERY; returns rows (lists of str/None) or the OK payload; raises ServerError."""
        first = self.command(b"\x03" + (sql if isinstance(sql, bytes) else sql.encode()))
        if first[0] == 0xFF:
            raise parse_err(first)
        if first[0] == 0x00:
            return first
        ncols = first[0]
        for _ in range(ncols):
            self.recv_packet()
        self.recv_packet()  # EOF after column definitions
        rows = []
        while True:
            _, p = self.recv_packet()
            if p[0] == 0xFE and len(p) < 9:
                return rows
            if p[0] == 0xFF:
                raise parse_err(p)
            rows.append(_parse_text_row(p, ncols))


def _parse_text_row(p, ncols):
    out, pos = [], 0
    for _ in range(ncols):
        if p[pos] == 0xFB:
            out.append(None)
            pos += 1
            continue
        n = p[pos]
        pos += 1
        if n == 0xFC:
            n = struct.unpack("<H", p[pos:pos + 2])[0]
            pos += 2
        elif n == 0xFD:
            n = int.from_bytes(p[pos:pos + 3], "little")
            pos += 3
        out.append(p[pos:pos + n].decode(errors="replace"))
        pos += n
    return out
