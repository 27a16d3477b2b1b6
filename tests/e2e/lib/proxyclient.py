#!/usr/bin/env python3
"""Raw proxy clients for the e2e proxy tests, run inside an agent namespace.

  proxyclient.py connect PROXY TARGET
      sends CONNECT TARGET and prints the status line of the answer.
  proxyclient.py slowloris PROXY COUNT SECONDS
      opens COUNT connections that send a request head one byte every
      0.2 s; prints "answered N in S" once each got an answer (or the time
      ran out) and the answers' status codes.
  proxyclient.py caps PROXY COUNT
      holds COUNT idle connections, then opens one more and prints what
      it is answered within 3 s ("none" if nothing).

Every wait is bounded; every socket is closed on exit.
"""
import select
import socket
import sys
import time


def dial(proxy):
    host, port = proxy.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    return s


def status_of(data):
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return line


def connect(proxy, target):
    s = dial(proxy)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print(status_of(data))
    s.close()


def slowloris(proxy, count, seconds):
    head = b"GET http://web.lab.test/slow HTTP/1.1\r\nHost: web.lab.test\r\nX-Pad: " + b"a" * 200
    socks = [dial(proxy) for _ in range(count)]
    sent = {s: 0 for s in socks}
    answers = {}
    start = time.monotonic()
    while len(answers) < count and time.monotonic() - start < seconds:
        readable, _, _ = select.select([s for s in socks if s not in answers], [], [], 0.2)
        for s in readable:
            answers[s] = status_of(s.recv(4096) or b"closed")
        for s in socks:
            if s not in answers and sent[s] < len(head):
                try:
                    s.send(head[sent[s]:sent[s] + 1])
                    sent[s] += 1
                except OSError:
                    answers[s] = "reset"
    print(f"answered {len(answers)} in {time.monotonic() - start:.1f}")
    print(" ".join(sorted(set(answers.values()))))
    for s in socks:
        s.close()


def caps(proxy, count):
    held = [dial(proxy) for _ in range(count)]
    # The listen queue is in order: the proxy takes the extra one last.
    extra = dial(proxy)
    readable, _, _ = select.select([extra], [], [], 3)
    data = extra.recv(4096) if readable else b""
    print(data.decode("latin-1") if data else "none")
    for s in held + [extra]:
        s.close()


def main():
    cmd = sys.argv[1]
    if cmd == "connect":
        connect(sys.argv[2], sys.argv[3])
    elif cmd == "slowloris":
        slowloris(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "caps":
        caps(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
