#!/usr/bin/env python3
"""Hostile pool clients for t_bypass_pools.sh, run inside an agent namespace.

  poolclient.py keepalive PROXY URL COUNT SECONDS LOG
      opens COUNT connections to the proxy, each sending one GET URL and
      keeping the connection alive (the proxy then holds the client's
      socket and the kept upstream's: two descriptors), writes
      "ready opened=N" to LOG, holds them SECONDS, then writes
      "done ok=A refused=R closed=C other=O silent=S" (200, 503, closed,
      anything else, nothing).
  poolclient.py dribble SERVER COUNT SECONDS LOG
      opens COUNT TCP connections to SERVER:53, each sending a DNS query
      one byte per second, writes "ready opened=N", and after SECONDS
      writes "done open=O closed=C answered=A".

Every wait is bounded; every socket is closed on exit.
"""
import select
import socket
import struct
import sys
import time


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def dial(addr, timeout=2):
    host, port = addr.rsplit(":", 1)
    try:
        return socket.create_connection((host, int(port)), timeout=timeout)
    except OSError:
        return None


def keepalive(proxy, url, count, seconds, path):
    host = url.split("/")[2]
    socks = []
    for _ in range(count):
        s = dial(proxy)
        if not s:
            continue
        try:
            s.sendall(f"GET {url} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        except OSError:
            pass
        s.setblocking(False)
        socks.append(s)
    log(path, f"ready opened={len(socks)}")
    state = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pending = [s for s in socks if s not in state]
        if not pending:
            time.sleep(0.2)
            continue
        r, _, _ = select.select(pending, [], [], 0.2)
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                state[s] = "closed"
            elif b" 200 " in data.split(b"\r\n", 1)[0]:
                state[s] = "ok"
            elif b" 503 " in data.split(b"\r\n", 1)[0]:
                state[s] = "refused"
            else:
                state[s] = "other"
    counts = {k: 0 for k in ("ok", "refused", "closed", "other")}
    for v in state.values():
        counts[v] += 1
    silent = len(socks) - len(state)
    log(path, "done ok={ok} refused={refused} closed={closed} other={other} ".format(**counts)
        + f"silent={silent}")
    for s in socks:
        s.close()


def query(name):
    q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    return struct.pack("!H", len(q)) + q


def dribble(server, count, seconds, path):
    msg = query("web.lab.test")
    socks = []
    for _ in range(count):
        s = dial(server + ":53")
        if s:
            s.setblocking(False)
            socks.append(s)
    log(path, f"ready opened={len(socks)}")
    sent = {s: 0 for s in socks}
    closed, answered = set(), set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            if s in closed or sent[s] >= len(msg) - 1:
                continue
            try:
                s.send(msg[sent[s]:sent[s] + 1])
                sent[s] += 1
            except OSError:
                closed.add(s)
        tick = time.monotonic() + 1
        while time.monotonic() < tick:
            live = [s for s in socks if s not in closed]
            if not live:
                time.sleep(0.1)
                break
            r, _, _ = select.select(live, [], [], 0.1)
            for s in r:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data:
                    answered.add(s)
                else:
                    closed.add(s)
    log(path, f"done open={len(socks) - len(closed)} closed={len(closed)} answered={len(answered)}")
    for s in socks:
        s.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "keepalive":
        keepalive(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    elif mode == "dribble":
        dribble(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: see the docstring")
