#!/usr/bin/env python3
"""Frames a hostile agent builds by hand (AF_PACKET), for the layer-2 tests
(t_bypass_l2.sh, t_guards_l2.sh; the flow client for t_bypass_flows.sh).

  rawframe.py udp IFACE SMAC DMAC SIP DIP SPORT DPORT [--dns NAME] [--payload TEXT]
              [--count N] [--random-smac] [--vlan ID]
  rawframe.py icmp-error IFACE SMAC DMAC SIP DIP ISRC IDST ISPORT IDPORT PAYLOAD
  rawframe.py arp IFACE SMAC DMAC OP SENDER_MAC SENDER_IP TARGET_IP
  rawframe.py flow HOST PORT LOG     (a TCP client that connects within 10 s,
                                      keeps the connection and writes "ok N" or
                                      "fail N" per round)
  rawframe.py batch                  (udp, icmp-error and arp commands, one a
                                      line on stdin, sent in that order by one
                                      process: a round of vectors costs one
                                      interpreter start-up, not one each)

MACs are aa:bb:cc:dd:ee:ff, addresses dotted quads. Nothing is sent
anywhere but on IFACE of the namespace this runs in.
"""
import os
import random
import shlex
import socket
import struct
import sys
import time

from packets import csum, ipv4, udp


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def dns_query(name):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0) + q + \
        struct.pack("!HH", 1, 1)


def ether(dmac, smac, etype, payload, vlan=None):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return mac(dmac) + mac(smac) + tag + struct.pack("!H", etype) + payload


def send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(f)
    s.close()


def random_mac():
    b = [random.randrange(256) for _ in range(6)]
    b[0] = (b[0] & 0xFE) | 0x02  # unicast, locally administered
    return ":".join("%02x" % x for x in b)


def cmd_udp(a):
    iface, smac, dmac, sip, dip, sport, dport = a[:7]
    opts = dict(zip(a[7::2], a[8::2]))
    payload = dns_query(opts["--dns"]) if "--dns" in opts else \
        (opts.get("--payload", "l2probe") + "\n").encode()
    vlan = int(opts["--vlan"]) if "--vlan" in opts else None
    frames = []
    for _ in range(int(opts.get("--count", "1"))):
        src = random_mac() if opts.get("--random-smac") == "yes" else smac
        pkt = ipv4(sip, dip, 17, udp(sip, dip, int(sport), int(dport), payload))
        frames.append(ether(dmac, src, 0x0800, pkt, vlan))
    send(iface, frames)


def cmd_icmp_error(a):
    iface, smac, dmac, sip, dip, isrc, idst, isport, idport, payload = a
    inner = ipv4(isrc, idst, 17, udp(isrc, idst, int(isport), int(idport), payload.encode()))
    body = struct.pack("!BBHI", 3, 3, 0, 0) + inner
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    send(iface, [ether(dmac, smac, 0x0800, ipv4(sip, dip, 1, body))])


def cmd_arp(a):
    iface, smac, dmac, op, sha, spa, tpa = a
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, int(op), mac(sha),
                       socket.inet_aton(spa), b"\0" * 6, socket.inet_aton(tpa))
    send(iface, [ether(dmac, smac, 0x0806, body)])


def cmd_flow(a):
    host, port, log = a[0], int(a[1]), a[2]
    out = open(log, "a", buffering=1)
    # started before the name is resolved: it tries until the grant is there
    for _ in range(20):
        try:
            s = socket.create_connection((host, port), timeout=0.5)
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("no connection to %s:%d" % (host, port))
    s.settimeout(1)
    out.write("connected\n")
    for i in range(600):
        if os.path.exists(log + ".stop"):
            break
        try:
            s.sendall(b"ping %d\n" % i)
            got = s.recv(100)
            out.write("%s %d\n" % ("ok" if got.startswith(b"ping") else "fail", i))
        except OSError:
            out.write("fail %d\n" % i)
        time.sleep(0.3)


FRAMES = {"udp": cmd_udp, "icmp-error": cmd_icmp_error, "arp": cmd_arp}


def cmd_batch(_args):
    for n, line in enumerate(sys.stdin, 1):
        words = shlex.split(line)
        if words and words[0] not in FRAMES:
            sys.exit("stdin line %d: not a frame command: %s" % (n, line.strip()))
        if words:
            FRAMES[words[0]](words[1:])


def main():
    cmds = dict(FRAMES, flow=cmd_flow, batch=cmd_batch)
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
