#!/usr/bin/env python3
# svc-blackhole.py PORTFILE: a TCP port on 127.0.0.1 where connections hang.
# It listens with the smallest backlog, never accepts, and fills the accept
# queue itself, so the kernel drops every later SYN: a client's connect()
# waits until its own timeout, like a host behind a firewall that drops.
# Writes the port to PORTFILE, then sleeps until killed.
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(0)
port = s.getsockname()[1]
fillers = []
for _ in range(8):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(('127.0.0.1', port))
    except BlockingIOError:
        pass
    fillers.append(c)
    time.sleep(0.05)
# check: a new connect must not complete
probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
probe.settimeout(1.0)
try:
    probe.connect(('127.0.0.1', port))
    sys.exit('svc-blackhole: port %d still accepts connections' % port)
except (socket.timeout, TimeoutError):
    pass
probe.close()
with open(sys.argv[1], 'w') as f:
    f.write('%d\n' % port)
while True:
    time.sleep(3600)
