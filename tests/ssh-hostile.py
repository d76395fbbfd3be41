#!/usr/bin/env python3
# ssh-hostile.py MODE PORTFILE: an SSH server that never lets a client
# finish, on 127.0.0.1.  It accepts every connection and then, by MODE:
#   silent   says nothing, reads nothing, keeps the connection open;
#   drip     sends one byte a second of a banner line that never ends;
#   garbage  streams lines of garbage (no "SSH-" banner) as fast as the
#            client reads them;
#   kexstall sends a valid banner and then nothing (the key exchange never
#            starts);
#   kexdrip  sends a valid banner, then one byte a second of a packet.
# Writes the port to PORTFILE, then serves until killed.
import socket, sys, threading, time

mode, portfile = sys.argv[1], sys.argv[2]
if mode not in ('silent', 'drip', 'garbage', 'kexstall', 'kexdrip'):
    sys.exit('ssh-hostile: unknown mode %r' % mode)

def serve(c):
    try:
        if mode == 'silent':
            while True:
                time.sleep(3600)
        elif mode == 'drip':
            while True:
                c.sendall(b'x')
                time.sleep(1)
        elif mode == 'garbage':
            line = b'garbage ' * 15 + b'\r\n'
            chunk = line * 512
            while True:
                c.sendall(chunk)
        else:
            c.sendall(b'SSH-2.0-OpenSSH_9.2p1 hostile\r\n')
            while True:
                if mode == 'kexdrip':
                    c.sendall(b'\x00')
                    time.sleep(1)
                else:
                    time.sleep(3600)
    except OSError:
        pass
    finally:
        c.close()

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0))
s.listen(64)
with open(portfile + '.tmp', 'w') as f:
    f.write('%d\n' % s.getsockname()[1])
import os
os.rename(portfile + '.tmp', portfile)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
