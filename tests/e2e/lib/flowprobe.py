#!/usr/bin/env python3
"""A long-lived flow of an agent, for t_incident.sh: one TCP connection or
one UDP "connection" to an echo server, a ping every 20 ms.

  flowprobe.py tcp|udp HOST PORT LOG [--sport N] [--tries N] [--max SECONDS]
  flowprobe.py udp-echo ADDR PORT     (the server: echoes every datagram, 600 s;
                                      bound to ADDR so replies come from it)
  flowprobe.py slow-http ADDR PORT    (an HTTP server whose every answer is a
                                      long download: a body of 64 MiB sent
                                      1 KiB every 20 ms, for a minute at most
                                      or until the client goes; 600 s)

LOG gets "connected", then one line per round: "ok T N" or "fail T N",
T the wall-clock time (time.time()). After 5 failed rounds in a row the
flow counts as dead: "dead T" (T of its first failure) and the probe ends.
It also ends by itself after --max seconds (120) or when LOG.stop exists.
It tries to connect --tries times (100, 0.3 s each: the grant may come
after it started) or exits 1 with "no flow" in LOG.
"""
import os
import socket
import sys
import threading
import time


def connect(proto, host, port, sport, tries):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    for _ in range(tries):
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sport:
            s.bind(("0.0.0.0", sport))
        s.settimeout(0.2)
        try:
            s.connect((host, port))
            if proto == "udp":
                s.send(b"hello\n")
                s.recv(100)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    return None


def udp_echo(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(1)
    end = time.time() + 600  # a test's lifetime, bounded
    while time.time() < end:
        try:
            data, peer = s.recvfrom(2048)
            s.sendto(data, peer)
        except OSError:
            pass


def trickle(c):
    try:
        c.settimeout(5)
        c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (64 << 20))
        for _ in range(60 * 50):  # a bounded minute
            c.sendall(b"x" * 1024)
            time.sleep(0.02)
    except OSError:
        pass
    c.close()


def slow_http(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    s.settimeout(1)
    end = time.time() + 600  # a test's lifetime, bounded
    while time.time() < end:
        try:
            c, _ = s.accept()
        except OSError:
            continue
        threading.Thread(target=trickle, args=(c,), daemon=True).start()
    sys.exit(0)


def main():
    a = sys.argv[1:]
    if a[0] == "udp-echo":
        udp_echo(a[1], int(a[2]))
    if a[0] == "slow-http":
        slow_http(a[1], int(a[2]))
    proto, host, port, log = a[0], a[1], int(a[2]), a[3]
    opt = lambda name, default: int(a[a.index(name) + 1]) if name in a else default
    out = open(log, "a", buffering=1)
    s = connect(proto, host, port, opt("--sport", 0), opt("--tries", 100))
    if not s:
        out.write("no flow\n")
        sys.exit(1)
    out.write("connected\n")
    fails, first = 0, None
    end = time.time() + opt("--max", 120)
    i = 0
    while time.time() < end and not os.path.exists(log + ".stop"):
        now = time.time()
        try:
            s.send(b"ping %d\n" % i)
            ok = s.recv(100).startswith(b"ping")
        except OSError:
            ok = False
        out.write("%s %.6f %d\n" % ("ok" if ok else "fail", now, i))
        if ok:
            fails, first = 0, None
        else:
            fails += 1
            first = first or now
            if fails >= 5:
                out.write("dead %.6f\n" % first)
                return
        i += 1
        time.sleep(0.02)


main()
