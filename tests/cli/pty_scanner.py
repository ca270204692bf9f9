#!/usr/bin/env python3
"""A serial (CDC-ACM) barcode scanner for the tests: a pty whose slave's path goes into
NAMEFILE; each line read on stdin goes out the master as one scan ended by CR LF, until
stdin ends (the scanner is unplugged).   pty_scanner.py NAMEFILE"""
import os
import pty
import select
import sys
import time

master, slave = pty.openpty()
name = os.ttyname(slave)
os.close(slave)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(name + "\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
pending = b""
while True:
    ready, _, _ = select.select([0, master], [], [])
    if master in ready:
        try:
            os.read(master, 4096)       # whatever the line discipline echoes
        except OSError:                 # nobody has the slave open (yet)
            time.sleep(0.05)
    if 0 in ready:
        data = os.read(0, 4096)
        if not data:
            break
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            os.write(master, line.rstrip(b"\r") + b"\r\n")
os.close(master)
