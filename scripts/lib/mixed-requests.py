#!/usr/bin/env python3
"""Sends a deterministic mix of CORS requests to 127.0.0.1:PORT and prints a tally.

    scripts/lib/mixed-requests.py PORT COUNT

Used by scripts/memcheck.sh (nginx under valgrind or with an AddressSanitizer build of
the module): every path of the module runs, each with well-formed and hostile input.
The setup is that of memcheck.sh: policy `app` at /, `sub` at /sub/, `rx` at /rx/,
`nul` at /null/, `pub` at /pub/, an upstream that sends its own CORS headers at
/proxy/, `add_header` at /addheader/, a rewrite at /old/ and an error_page at
/missing/. Standard library only; loopback only; bounded by COUNT and a 60 s timeout
per request (valgrind is slow).
"""

import socket
import sys

APP = b"https://app.example.com"


def req(method, path, headers, version=b"HTTP/1.1", close=True):
    lines = [method + b" " + path + b" " + version]
    if version == b"HTTP/1.1":
        lines.append(b"Host: localhost")
    lines += [k + b": " + v for k, v in headers]
    if close and version == b"HTTP/1.1":
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def preflight(path, origin, method=b"PUT", extra=()):
    return req(b"OPTIONS", path, [(b"Origin", origin), (b"Access-Control-Request-Method", method), *extra])


def get(path, origin):
    return req(b"GET", path, [(b"Origin", origin)])


ACRH = b"Access-Control-Request-Headers"
KINDS = [
    ("GET allowed", get(b"/", APP)),
    ("GET refused", get(b"/", b"https://evil.example")),
    ("GET no Origin", req(b"GET", b"/", [])),
    ("HEAD allowed", req(b"HEAD", b"/", [(b"Origin", APP)])),
    ("preflight allowed", preflight(b"/", APP, extra=[(ACRH, b"content-type, x-request-id")])),
    ("preflight refused origin", preflight(b"/", b"https://evil.example")),
    ("preflight refused method", preflight(b"/", APP, b"PATCH")),
    ("preflight refused header", preflight(b"/", APP, extra=[(ACRH, b"x-evil")])),
    ("preflight ACRH on 3 lines", preflight(b"/", APP, extra=[(ACRH, b"content-type")] * 3)),
    ("preflight ACRH 65 names", preflight(b"/", APP, extra=[(ACRH, b",".join([b"content-type"] * 65))])),
    ("preflight ACRH 9 KB", preflight(b"/", APP, extra=[(ACRH, b"a," * 4600)])),
    ("two Origin lines", req(b"GET", b"/", [(b"Origin", APP), (b"Origin", APP)])),
    ("Origin 2 KB", get(b"/", APP + b"." + b"a" * 2100)),
    ("Origin control byte", get(b"/", APP + b"\x01")),
    ("Origin non-ASCII", get(b"/", "https://\u0430pp.example.com".encode())),
    ("Origin NUL (400)", get(b"/", APP + b"\x00")),
    ("sub allowed", preflight(b"/sub/", b"https://a.b.example.com")),
    ("sub look-alike", preflight(b"/sub/", b"https://x.example.com.evil.net")),
    ("regex allowed", get(b"/rx/", b"https://pr-42.preview.example.dev")),
    ("regex refused", get(b"/rx/", b"https://pr-42x.preview.example.dev")),
    ("null allowed", preflight(b"/null/", b"null")),
    ("public", get(b"/pub/", b"https://anyone.example")),
    ("public, no Origin", req(b"GET", b"/pub/", [])),
    ("upstream CORS headers replaced", get(b"/proxy/", APP)),
    ("upstream preflight", preflight(b"/proxy/", APP)),
    ("add_header replaced", get(b"/addheader/", APP)),
    ("rewrite", get(b"/old/index.html", APP)),
    ("error_page", get(b"/missing/x", APP)),
    ("HTTP/1.0 preflight", req(b"OPTIONS", b"/", [(b"Origin", APP), (b"Access-Control-Request-Method", b"PUT")], b"HTTP/1.0")),
    ("variables", get(b"/vars/", APP)),
    (
        "pipelined",
        req(b"GET", b"/", [(b"Origin", APP)], close=False)
        + req(b"OPTIONS", b"/", [(b"Origin", b"https://evil.example"), (b"Access-Control-Request-Method", b"PUT")], close=False)
        + preflight(b"/", APP),
    ),
]


def send(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        try:
            s.sendall(data)
        except OSError:
            pass
        answer = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
    return answer


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    tally = {}
    for i in range(count):
        name, data = KINDS[i % len(KINDS)]
        answer = send(port, data)
        status = answer[9:12].decode("ascii", "replace") if answer.startswith(b"HTTP/1.") else "none"
        tally[(name, status)] = tally.get((name, status), 0) + 1
    for (name, status), n in sorted(tally.items()):
        print(f"{n:5d}  {status}  {name}")
    print(f"{count} requests sent")


if __name__ == "__main__":
    main()
