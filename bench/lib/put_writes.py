#!/usr/bin/env python3
"""PUTs a file to a presigned URL over a raw socket, writing it WRITE_KIB at a time (Content-Length, no chunking),
so that what the gateway spends per MiB can be compared by how the bytes reach it. Prints the HTTP status.

usage: put_writes.py URL FILE WRITE_KIB"""
import os
import socket
import sys
import urllib.parse

url, path, write = sys.argv[1], sys.argv[2], int(sys.argv[3]) * 1024
u = urllib.parse.urlsplit(url)
size = os.path.getsize(path)
with socket.create_connection((u.hostname, u.port or 80)) as s, open(path, "rb", buffering=0) as f:
    target = u.path + ("?" + u.query if u.query else "")
    s.sendall(f"PUT {target} HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Length: {size}\r\n"
              "Content-Type: application/octet-stream\r\n\r\n".encode())
    buf = bytearray(write)
    view = memoryview(buf)
    while (n := f.readinto(buf)) > 0:
        s.sendall(view[:n])
    answer = b""
    while b"\r\n" not in answer:
        more = s.recv(4096)
        if not more:
            break
        answer += more
    print(answer.split(b" ")[1].decode() if answer.startswith(b"HTTP/") else "no answer")
