#!/usr/bin/env python3
"""Raw clients for t_guards.sh, run inside an agent namespace.

  guardclient.py raw PROXY REQUEST
      sends REQUEST (Python escapes such as \\r\\n are decoded) and prints
      the status line of the answer ("closed" if none came).
  guardclient.py sni PROXY TARGET SNI
      CONNECT TARGET, then a real TLS ClientHello naming SNI; prints the
      CONNECT status line, then the type of every TLS record the proxy
      sends back until it closes: "alert 2 49" (fatal access_denied),
      "handshake" (a ServerHello: the hello reached a server), ...

Every wait is bounded (5 s); every socket is closed on exit.
"""
import socket
import ssl
import sys

from proxyclient import dial


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode("latin-1") or "closed", rest


def raw(proxy, request):
    s = dial(proxy)
    s.sendall(request.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    try:
        print(read_head(s)[0])
    except OSError as e:
        print(f"error {e}")
    s.close()


def client_hello(sni):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


RECORD = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}


def sni(proxy, target, name):
    s = dial(proxy)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    status, data = read_head(s)
    print(status)
    if " 200 " not in status + " ":
        s.close()
        return
    s.sendall(client_hello(name))
    try:
        while True:
            while len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big"):
                n = 5 + int.from_bytes(data[3:5], "big")
                rec, data = data[:n], data[n:]
                kind = RECORD.get(rec[0], f"type {rec[0]}")
                print(f"alert {rec[5]} {rec[6]}" if kind == "alert" and n == 7 else kind)
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        print(f"error {e}")
    if data:
        print(f"partial record {data[:5].hex()}")
    s.close()


def main():
    cmd = sys.argv[1]
    if cmd == "raw":
        raw(sys.argv[2], sys.argv[3])
    elif cmd == "sni":
        sni(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
