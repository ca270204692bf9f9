#!/usr/bin/env python3
"""A digest of every row of every table of a SQLite database, leaving out what a log-in
itself writes: the audit head, and the audit records whose action is one of ACTIONS.
The role tests (tests/cli/roles.sh, tests/tui/roles.sh) compare it before and after a
refused action: nothing else may have changed.
    db_fingerprint.py DB [ACTION...]"""
import hashlib
import sqlite3
import sys

c = sqlite3.connect(sys.argv[1], timeout=10)
skip = sys.argv[2:]
h = hashlib.sha256()
for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
    if t == "audit_head":
        continue
    q = 'SELECT * FROM "%s"' % t      # names from the schema, not from input
    args = ()
    if t == "audit" and skip:
        q += " WHERE action NOT IN (%s)" % ", ".join("?" * len(skip))
        args = tuple(skip)
    h.update(t.encode())
    for row in c.execute(q + " ORDER BY 1", args):
        h.update(repr(row).encode())
print(h.hexdigest())
