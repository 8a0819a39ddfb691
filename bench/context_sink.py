#!/usr/bin/env python3
"""A stand-in daemon for bench/build.py: answers /_ping and /build at once, reading the request body in 1 MiB
recv()s and throwing it away, so `docker build` against it measures the client alone (walking, tarring and
sending the context): the floor under any daemon's cached build with the legacy protocol.
Usage: context_sink.py SOCKET_PATH"""
import os
import socket
import sys

CHUNK = 1 << 20
IMAGE_ID = "sha256:" + "0123456789abcdef" * 4


class Conn:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def fill(self):
        data = self.sock.recv(CHUNK)
        if not data:
            raise EOFError
        self.buf += data

    def until(self, marker):
        while marker not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(marker, 1)
        return head

    def skip(self, n):
        while n > 0:
            if not self.buf:
                self.fill()
            taken = min(n, len(self.buf))
            self.buf, n = self.buf[taken:], n - taken


def serve(conn):
    while True:
        lines = conn.until(b"\r\n\r\n").decode().split("\r\n")
        target = lines[0].split(" ")[1]
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
        if headers.get("transfer-encoding") == "chunked":
            while True:
                size = int(conn.until(b"\r\n").split(b";")[0], 16)
                conn.skip(size + 2)
                if size == 0:
                    break
        else:
            conn.skip(int(headers.get("content-length", "0")))
        if "/_ping" in target:
            body, kind = b"OK", "text/plain"
        elif "/build" in target:
            body, kind = ('{"stream":"%s\\n"}\r\n' % IMAGE_ID).encode(), "application/json"
        else:
            body, kind = b'{"ApiVersion":"1.44","MinAPIVersion":"1.24","Version":"25.0.0","Os":"linux","Arch":"amd64"}', "application/json"
        conn.sock.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.44\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                          % (kind.encode(), len(body)) + body)


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    while True:
        sock, _ = listener.accept()
        try:
            serve(Conn(sock))
        except (EOFError, ConnectionError):
            pass
        finally:
            sock.close()


if __name__ == "__main__":
    main()
