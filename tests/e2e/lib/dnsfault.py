#!/usr/bin/python3
"""An upstream resolver that fails on demand (t_faults_dns.sh, the soak).

Answers every A question with ADDR (TTL 60) over UDP and TCP on IP:53,
behaving as MODEFILE says at the time each query arrives (one word,
re-read for every query; a missing file is "ok"):
  ok        answer
  drop      never answer (a resolver behind a dead link)
  slow:S    answer after S seconds (a slow one; queries do not wait for
            each other)
  garbage   random bytes from the right address and port
  cut       the right id and question, then an answer record cut off
            in the middle (a message truncated without the TC bit)
  tc        UDP: an empty answer with TC set; TCP: the answer
  tc-notcp  UDP as tc; TCP: the connection is closed unanswered
Other questions (AAAA, ...) get an empty NOERROR. A stopped server is
"down": the kernel refuses its port.

Usage: dnsfault.py IP ADDR MODEFILE LOGFILE
Runs until killed; logs "ready", then one line per query:
"<udp|tcp> <name> <mode>".
"""
import os
import socket
import struct
import sys
import threading
import time


def mode(path):
    try:
        with open(path) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


def question(msg):
    """(name, qtype, end of the question) or None."""
    labels, off = [], 12
    while off < len(msg):
        n = msg[off]
        if n == 0:
            if off + 5 > len(msg):
                return None
            qtype = struct.unpack("!H", msg[off + 1:off + 3])[0]
            return ".".join(labels).lower(), qtype, off + 5
        if n & 0xC0:
            return None
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return None


def answer(msg, qtype, qend, addr, tc=False, cut=False):
    ident = msg[:2]
    flags = 0x8180 | (0x0200 if tc else 0)
    ancount = 1 if qtype == 1 and not tc else 0
    head = ident + struct.pack("!HHHHH", flags, 1, ancount, 0, 0)
    rr = b""
    if ancount:
        rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    out = head + msg[12:qend] + rr
    return out[:-5] if cut else out


class Server:
    def __init__(self, ip, addr, modefile, logfile):
        self.ip, self.addr, self.modefile = ip, addr, modefile
        self.log = open(logfile, "a", buffering=1)
        self.lock = threading.Lock()

    def note(self, proto, name, m):
        with self.lock:
            self.log.write("%s %s %s\n" % (proto, name, m))

    def reply(self, msg, proto):
        """The bytes to send for msg, None for no answer."""
        q = question(msg) if len(msg) >= 17 and not msg[2] & 0x80 else None
        if not q:
            return None
        name, qtype, qend = q
        m = mode(self.modefile)
        self.note(proto, name, m)
        if m == "drop":
            return None
        if m.startswith("slow:"):
            time.sleep(float(m[5:]))
        if m == "garbage":
            return os.urandom(12 + os.urandom(1)[0])
        tc = m in ("tc", "tc-notcp") and proto == "udp"
        if m == "tc-notcp" and proto == "tcp":
            return None
        return answer(msg, qtype, qend, self.addr, tc=tc, cut=m == "cut")

    def udp_one(self, sock, msg, peer):
        out = self.reply(msg, "udp")
        if out is not None:
            sock.sendto(out, peer)

    def udp(self, s):
        while True:
            msg, peer = s.recvfrom(4096)
            threading.Thread(target=self.udp_one, args=(s, msg, peer), daemon=True).start()

    def tcp_one(self, c):
        with c:
            c.settimeout(10)
            try:
                head = c.recv(2, socket.MSG_WAITALL)
                if len(head) < 2:
                    return
                msg = c.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
                out = self.reply(msg, "tcp")
                if out is not None:
                    c.sendall(struct.pack("!H", len(out)) + out)
            except OSError:
                pass

    def tcp(self, s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=self.tcp_one, args=(c,), daemon=True).start()


def main():
    ip, addr, modefile, logfile = sys.argv[1:5]
    srv = Server(ip, addr, modefile, logfile)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((ip, 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((ip, 53))
    t.listen(64)
    threading.Thread(target=srv.tcp, args=(t,), daemon=True).start()
    srv.log.write("ready\n")
    srv.udp(u)


if __name__ == "__main__":
    main()
