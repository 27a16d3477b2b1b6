#!/usr/bin/env python3
"""DNS load for the reload benchmark: sends A queries for NAME to SERVER at
RATE per second until STOPFILE exists, waits for stragglers, and prints
"sent N answered N lost N" (lost: no answer within 2 s)."""
import os
import random
import socket
import struct
import sys
import time

server, name, rate, stopfile = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
pending = {}
sent = answered = 0
interval = 1.0 / rate
next_send = time.monotonic()
deadline = None
while True:
    now = time.monotonic()
    if deadline is None and os.path.exists(stopfile):
        deadline = now + 2.0
    if deadline is not None and (now >= deadline or not pending):
        break
    if deadline is None and now >= next_send:
        qid = random.randrange(65536)
        while qid in pending:
            qid = random.randrange(65536)
        s.sendto(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + b"\0\1\0\1",
                 (server, 53))
        pending[qid] = now
        sent += 1
        next_send += interval
    try:
        while True:
            data = s.recv(4096)
            qid = struct.unpack(">H", data[:2])[0]
            if pending.pop(qid, None) is not None:
                answered += 1
    except BlockingIOError:
        pass
    time.sleep(0.0005)
print(f"sent {sent} answered {answered} lost {sent - answered}")
