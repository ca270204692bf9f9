#!/usr/bin/env python3
"""A digest of every row of every table of a database, SQLite or PostgreSQL, leaving out
what a log-in itself writes: the audit head, and the audit records whose action is one of
ACTIONS. The role tests (tests/cli/roles.sh, tests/tui/roles.sh) compare it before and
after a refused action: nothing else may have changed.
    db_fingerprint.py DB [ACTION...]
DB is a SQLite file, or a postgresql:// URL (its search_path names the schema; read with
psql, no Python driver needed). One line a table: its name, its row count and a digest of
its rows in a fixed order. The digests are only comparable on one engine: SQLite's are of
Python's reprs of the rows ordered by the first column, PostgreSQL's of its row texts
ordered by that text."""
import hashlib
import os
import sqlite3
import subprocess
import sys

SKIP_TABLES = ("audit_head",)


def lit(s):
    """A SQL string literal of s (names and actions from the test, quoted all the same)."""
    return "'" + s.replace("'", "''") + "'"


def sqlite_tables(path, skip):
    c = sqlite3.connect(path, timeout=10)
    names = [t for (t,) in c.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for t in names:
        if t in SKIP_TABLES:
            continue
        q = 'SELECT * FROM "%s"' % t.replace('"', '""')
        if t == "audit" and skip:
            q += " WHERE action NOT IN (%s)" % ", ".join(lit(a) for a in skip)
        h = hashlib.sha256()
        n = 0
        for row in c.execute(q + " ORDER BY 1"):
            h.update(repr(row).encode())
            n += 1
        yield t, n, h.hexdigest()[:16]


def psql(url, query):
    env = dict(os.environ, PGCONNECT_TIMEOUT="10", PGCLIENTENCODING="UTF8")
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                        "-d", url, "-f", "-"], input=query, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("db_fingerprint.py: psql: " + r.stderr.strip().splitlines()[-1])
    return [line for line in r.stdout.split("\n") if line]


def pg_tables(url, skip):
    names = psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                      "ORDER BY tablename;")
    parts = []
    for t in names:
        if t in SKIP_TABLES:
            continue
        where = ""
        if t == "audit" and skip:
            where = " WHERE x.action NOT IN (%s)" % ", ".join(lit(a) for a in skip)
        parts.append("SELECT %s, count(*), md5(coalesce(string_agg(x::text, E'\\n' "
                     "ORDER BY x::text), '')) FROM \"%s\" x%s"
                     % (lit(t), t.replace('"', '""'), where))
    if not parts:
        return
    for line in psql(url, " UNION ALL ".join(parts) + " ORDER BY 1;"):
        t, n, digest = line.split("|")
        yield t, int(n), digest[:16]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: db_fingerprint.py DB [ACTION...]")
    db, skip = sys.argv[1], sys.argv[2:]
    if db.startswith(("postgres://", "postgresql://")):
        rows = pg_tables(db, skip)
    else:
        if not os.path.exists(db):
            sys.exit("db_fingerprint.py: no database file " + db)
        rows = sqlite_tables(db, skip)
    for t, n, digest in rows:
        print(t, n, digest)


main()
