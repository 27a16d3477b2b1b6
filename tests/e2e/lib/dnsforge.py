#!/usr/bin/python3
"""Forges DNS answers in the lab's wan namespace (t_dns.sh).

Watches the queries that reach the wan resolver on one interface and, for
each query for NAME, sends two forged answers to the asker at once, both
claiming NAME is FORGED_IP:
  - from another address (SPOOF_FROM:53), with the query's own id;
  - from the resolver's address and port, with another id.
A resolver that checks who answers and which id it gave must ignore both.
Forged packets carry socket mark MARK, so a test can let them through a
rule that drops the real resolver's answers.

Usage: dnsforge.py IFACE RESOLVER_IP NAME FORGED_IP SPOOF_FROM MARK LOGFILE
Runs until killed; writes one line per forged answer to LOGFILE.
"""
import socket
import struct
import sys

from packets import ipv4, udp

ETH_P_IP = 0x0800
SO_MARK = 36


def qname(msg):
    """The question's name in lower case, or None."""
    labels, off = [], 12
    while off < len(msg):
        n = msg[off]
        if n == 0:
            return ".".join(labels).lower(), off + 1
        if n & 0xC0:
            return None, 0
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return None, 0


def answer(query, qend, ident, forged_ip):
    question = query[12:qend + 4]
    head = struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0)
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + socket.inet_aton(forged_ip)
    return head + question + rr


def main():
    iface, resolver, name, forged_ip, spoof_from, mark, logfile = sys.argv[1:8]
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    sniff.bind((iface, ETH_P_IP))
    out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    out.setsockopt(socket.SOL_SOCKET, SO_MARK, int(mark, 0))
    log = open(logfile, "a", buffering=1)
    log.write("ready\n")
    while True:
        frame = sniff.recv(65535)
        ip = frame[14:]
        if len(ip) < 28 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0xF) * 4
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        msg = ip[ihl + 8:]
        if dst != resolver or dport != 53 or len(msg) < 17 or msg[2] & 0x80:
            continue
        qn, qend = qname(msg)
        if qn != name:
            continue
        ident = struct.unpack("!H", msg[:2])[0]
        out.sendto(ipv4(spoof_from, src, 17, udp(spoof_from, src, 53, sport,
                          answer(msg, qend, ident, forged_ip))), (src, 0))
        out.sendto(ipv4(resolver, src, 17, udp(resolver, src, 53, sport,
                          answer(msg, qend, ident ^ 0x5555, forged_ip))), (src, 0))
        log.write("forged %s id %d to %s:%d\n" % (qn, ident, src, sport))


if __name__ == "__main__":
    main()
