#!/usr/bin/env python3
"""A stand-in for outcalld's host socket in CLI tests: it answers every
request from a JSON spec, so a test decides byte for byte what the CLI is
given (hostile text included) without a daemon.

    fakehost.py SOCKET SPEC.json READY_FILE

SPEC: {"GET /v1/requests": {"status": 200, "json": {...}},
       "GET /v1/decisions/follow": {"stream": {...line...}, "count": N}}
The key is the method and the path without its query. It serves until
killed; READY_FILE is created once it listens."""
import json
import os
import socket
import sys


def answer(conn, route):
    if route is None:
        body = b'{"error":{"code":"not_found","message":"fakehost: no route"}}'
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                     b"Connection: close\r\n\r\n" + body)
        return
    if "stream" in route:
        line = (json.dumps(route["stream"]) + "\n").encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (len(line), line)
        batch = chunk * 256
        for _ in range(route["count"] // 256):
            conn.sendall(batch)
        conn.sendall(b"0\r\n\r\n")
        return
    body = json.dumps(route["json"]).encode()
    conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nConnection: close\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (route.get("status", 200), len(body), body))


def main():
    path, spec_path, ready = sys.argv[1:4]
    spec = json.load(open(spec_path))
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    open(ready, "w").close()
    while True:
        conn, _ = srv.accept()
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(4096)
            if not data:
                break
            head += data
        parts = head.split(b"\r\n", 1)[0].decode().split(" ")
        key = "%s %s" % (parts[0], parts[1].split("?", 1)[0]) if len(parts) > 1 else ""
        try:
            answer(conn, spec.get(key))
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    main()
