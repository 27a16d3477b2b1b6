#!/usr/bin/python3
"""One agent's traffic for the soak (soak.sh), run inside its namespace.

Until DEADLINE (seconds since the epoch) it repeats a round of requests
that each have one right verdict, and checks every answer:
  dns-allow    web.lab.test          A 198.18.1.80
  dns-block    evil.lab.test         NXDOMAIN that says "outcall blocked"
  dns-miss     <random>.miss.lab.test allowed, not cached, NXDOMAIN from wan
  http-new     GET http://web.lab.test/ on a new connection (transparent)
  http-keep    three GETs on one kept-alive connection
  http-block   GET http://evil.lab.test/          403
  connect      CONNECT web.lab.test:443 (explicit proxy), TLS, two GETs
  connect-block CONNECT evil.lab.test:443         403
  direct       short-ttl.lab.test resolved (a 2 s direct_ip grant), then
               a direct connection to its port 2222
  check        POST /v1/check allowed and blocked, on the agent socket
  request      every tenth round: POST /v1/requests (the operator side of
               soak.sh rejects them)
Each round ends with a pause of PAUSE seconds. Prints one line per wrong
verdict ("WRONG kind: detail") as it happens and, at the end, one line
"counts kind=n ..." of the requests that got the right verdict.

Usage: load.py NAME AGENT_SOCKET CA DEADLINE PAUSE
"""
import json
import os
import random
import socket
import ssl
import struct
import sys
import time

GW = "10.200.0.1"
WEB = "198.18.1.80"
EVIL = "198.18.1.66"


def dns(name, tcp=False):
    """(rcode, [A addresses], raw answer) from the gateway's filter."""
    qid = random.getrandbits(16)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    # EDNS OPT so the filter can attach its Extended DNS Error
    q += b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(6)
    try:
        s.sendto(q, (GW, 53))
        while True:
            msg, _ = s.recvfrom(4096)
            if msg[:2] == q[:2]:
                break
    finally:
        s.close()
    rcode = msg[3] & 0xF
    an = struct.unpack("!H", msg[6:8])[0]
    off = 12
    while msg[off]:
        off += 1 + msg[off]
    off += 5
    addrs = []
    for _ in range(an):
        if msg[off] & 0xC0:
            off += 2
        else:
            while msg[off]:
                off += 1 + msg[off]
            off += 1
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(msg[off:off + 4]))
        off += rdlen
    return rcode, addrs, msg


def read_response(f):
    """(status, body) of one HTTP/1.1 response with Content-Length."""
    line = f.readline()
    if not line:
        raise OSError("connection closed before a response")
    status = int(line.split()[1])
    length = 0
    chunked = False
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
        if k.strip().lower() == "transfer-encoding" and "chunked" in v.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            n = int(f.readline().strip(), 16)
            chunk = f.read(n + 2)
            if n == 0:
                break
            body += chunk[:-2]
    else:
        body = f.read(length)
    return status, body.decode("latin-1").strip()


def get(f, sock, host, path, close=False):
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" %
                  (path, host, "Connection: close\r\n" if close else "")).encode())
    return read_response(f)


def conn(addr, port):
    s = socket.create_connection((addr, port), timeout=10)
    return s, s.makefile("rb")


class Agent:
    def __init__(self, name, agent_sock, ca):
        self.name = name
        self.agent_sock = agent_sock
        self.tls = ssl.create_default_context(cafile=ca)
        self.counts = {}
        self.round = 0

    def ok(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def wrong(self, kind, detail):
        print("WRONG %s: %s" % (kind, detail), flush=True)

    def expect(self, kind, cond, detail):
        if cond:
            self.ok(kind)
        else:
            self.wrong(kind, detail)

    def dns_round(self):
        rc, addrs, _ = dns("web.lab.test")
        self.expect("dns-allow", rc == 0 and addrs == [WEB], "rcode %d %s" % (rc, addrs))
        rc, addrs, raw = dns("evil.lab.test")
        self.expect("dns-block", rc == 3 and not addrs and b"outcall blocked" in raw,
                    "rcode %d %s" % (rc, addrs))
        name = "m%08x.miss.lab.test" % random.getrandbits(32)
        rc, addrs, raw = dns(name)
        self.expect("dns-miss", rc == 3 and b"outcall blocked" not in raw,
                    "%s: rcode %d %s" % (name, rc, addrs))

    def http_round(self):
        s, f = conn(WEB, 80)
        with s:
            st, body = get(f, s, "web.lab.test", "/new-" + self.name, close=True)
        self.expect("http-new", st == 200 and body == "web:web.lab.test:GET:/new-" + self.name,
                    "%d %r" % (st, body))
        s, f = conn(WEB, 80)
        with s:
            for i in range(3):
                st, body = get(f, s, "web.lab.test", "/keep%d" % i, close=i == 2)
                self.expect("http-keep", st == 200 and body == "web:web.lab.test:GET:/keep%d" % i,
                            "%d %r" % (st, body))
        s, f = conn(EVIL, 80)
        with s:
            st, body = get(f, s, "evil.lab.test", "/", close=True)
        self.expect("http-block", st == 403, "%d %r" % (st, body[:80]))

    def connect(self, host):
        s, f = conn(GW, 8080)
        s.sendall(("CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (host, host)).encode())
        line = f.readline()
        while f.readline() not in (b"\r\n", b"\n", b""):
            pass
        return s, f, int(line.split()[1])

    def connect_round(self):
        s, f, st = self.connect("web.lab.test")
        with s:
            if st != 200:
                self.wrong("connect", "CONNECT answered %d" % st)
                return
            t = self.tls.wrap_socket(s, server_hostname="web.lab.test")
            tf = t.makefile("rb")
            for i in range(2):
                st, body = get(tf, t, "web.lab.test", "/t%d" % i, close=i == 1)
                self.expect("connect", st == 200 and body == "web-tls:web.lab.test:GET:/t%d" % i,
                            "%d %r" % (st, body))
            t.close()
        s, f, st = self.connect("evil.lab.test")
        s.close()
        self.expect("connect-block", st == 403, "CONNECT evil answered %d" % st)

    def direct_round(self):
        rc, addrs, _ = dns("short-ttl.lab.test")
        if rc != 0 or addrs != [WEB]:
            self.wrong("direct", "short-ttl.lab.test: rcode %d %s" % (rc, addrs))
            return
        s, f = conn(WEB, 2222)
        with s:
            st, body = get(f, s, WEB + ":2222", "/d", close=True)
        self.expect("direct", st == 200 and body == "web-2222:%s:2222:GET:/d" % WEB,
                    "%d %r" % (st, body))

    def agent_api(self, method, path, body):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.agent_sock)
        data = json.dumps(body).encode()
        with s:
            s.sendall(("%s %s HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\nConnection: close\r\n\r\n" %
                       (method, path, len(data))).encode() + data)
            st, text = read_response(s.makefile("rb"))
        return st, json.loads(text) if text else None

    def check_round(self):
        st, j = self.agent_api("POST", "/v1/check", {"url": "https://web.lab.test/"})
        self.expect("check", st == 200 and j["verdict"] == "allow", "%d %r" % (st, j))
        st, j = self.agent_api("POST", "/v1/check", {"url": "https://evil.lab.test/"})
        self.expect("check", st == 200 and j["verdict"] == "block", "%d %r" % (st, j))
        if self.round % 10 == 0:
            st, j = self.agent_api("POST", "/v1/requests", {
                "host": "r%d.req.lab.test" % self.round, "justification": "soak"})
            # 429: the rate limit or the pending cap, both right answers
            self.expect("request", st in (200, 201, 202, 429), "%d %r" % (st, j))

    def run(self, deadline, pause):
        steps = [self.dns_round, self.http_round, self.connect_round, self.direct_round,
                 self.check_round]
        while time.time() < deadline:
            self.round += 1
            for step in steps:
                try:
                    step()
                except (OSError, ValueError, KeyError, IndexError, ssl.SSLError) as e:
                    self.wrong(step.__name__, "%s: %s" % (type(e).__name__, e))
            time.sleep(pause)
        print("counts " + " ".join("%s=%d" % kv for kv in sorted(self.counts.items())),
              flush=True)


def main():
    name, agent_sock, ca, deadline, pause = sys.argv[1:6]
    random.seed(os.urandom(8))
    Agent(name, agent_sock, ca).run(float(deadline), float(pause))


if __name__ == "__main__":
    main()
