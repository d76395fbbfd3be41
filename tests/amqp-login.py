#!/usr/bin/env python3
# amqp-login.py HOST PORT USER VHOST - log in to an AMQP 0-9-1 broker as USER
# (password from the environment variable AMQP_PASSWORD) and open VHOST, the
# way Job does, speaking the protocol itself (not jobfix's client library).
# Prints "ok", or the broker's refusal ("403 ACCESS_REFUSED ...", "530
# NOT_ALLOWED ...") and exits 1.
import os
import socket
import struct
import sys

host, port, user, vhost = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
password = os.environ.get("AMQP_PASSWORD", "")
s = socket.create_connection((host, port), timeout=20)


def recv_exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise ConnectionResetError("connection closed by the broker")
        b += c
    return b


def method():
    """The next method frame: (class, method, arguments)."""
    while True:
        ftype, _chan, size = struct.unpack(">BHI", recv_exact(7))
        payload = recv_exact(size)
        recv_exact(1)  # frame end
        if ftype == 1:
            cls, meth = struct.unpack(">HH", payload[:4])
            return cls, meth, payload[4:]


def send(cls, meth, args):
    payload = struct.pack(">HH", cls, meth) + args
    s.sendall(struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce")


def shortstr(v):
    v = v.encode()
    return struct.pack(">B", len(v)) + v


def longstr(v):
    return struct.pack(">I", len(v)) + v


def refused(args):
    code, = struct.unpack(">H", args[:2])
    n = args[2]
    print("%d %s" % (code, args[3:3 + n].decode(errors="replace")))
    sys.exit(1)


s.sendall(b"AMQP\x00\x00\x09\x01")
cls, meth, args = method()
if (cls, meth) != (10, 10):
    print("no Connection.Start")
    sys.exit(1)
resp = b"\x00" + user.encode() + b"\x00" + password.encode()
send(10, 11, struct.pack(">I", 0) + shortstr("PLAIN") + longstr(resp) + shortstr("en_US"))
try:
    cls, meth, args = method()
except ConnectionError:
    # the spec lets a broker refuse a login by closing the connection
    print("403 ACCESS_REFUSED (the broker closed the connection at the login)")
    sys.exit(1)
if (cls, meth) == (10, 50):
    refused(args)
if (cls, meth) != (10, 30):
    print("no Connection.Tune")
    sys.exit(1)
chmax, frmax, hb = struct.unpack(">HIH", args[:8])
send(10, 31, struct.pack(">HIH", chmax, frmax, 0))
send(10, 40, shortstr(vhost) + shortstr("") + b"\x00")
cls, meth, args = method()
if (cls, meth) == (10, 50):
    refused(args)
if (cls, meth) != (10, 41):
    print("no Connection.Open-Ok")
    sys.exit(1)
send(10, 50, struct.pack(">H", 200) + shortstr("bye") + struct.pack(">HH", 0, 0))
print("ok")
