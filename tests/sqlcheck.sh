#!/usr/bin/env bash
# sqlcheck.sh — SQL is built only with bound parameters. Every call of a printf-style
# function under src/ whose format holds SQL text and a string conversion (%s, %.*s, %c)
# is an error unless it is in the allow-list below, each entry with why it is safe (the
# text formatted in is a constant of the code or an identifier quoted by the engine,
# never input). A change that formats input into SQL fails this test: bind it (?) instead.
# The scanner first proves on a planted file that it still finds such a call.
#   sqlcheck.sh SOURCE_ROOT
set -u
root=${1:-$(dirname "$0")/..}
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }

# file|start of the format (first 40 characters of its concatenated literals)|why safe
allow=$(cat <<'EOF'
src/core/db_pg.c|CREATE SCHEMA IF NOT EXISTS %s|the schema name is quoted by PQescapeIdentifier
src/core/db_pg.c|BEGIN; SELECT pg_advisory_xact_lock%s(%d|%s is the constant "_shared" or ""
src/core/dbcopy.c|SELECT count(*) FROM \"%s\"|table names from this binary's own schema catalogue, double-quoted
src/core/dbcopy.c|ALTER TABLE \"%s\" DISABLE TRIGGER USER|table names from this binary's own schema catalogue
src/core/dbcopy.c|DROP TRIGGER \"%s\"|trigger names from the target's catalogue (this binary's schema)
src/core/dbcopy.c|ALTER TABLE \"%s\" ENABLE TRIGGER USER|table names from this binary's own schema catalogue
src/core/dbcopy.c|INSERT INTO \"%s\"(|table names from this binary's own schema catalogue
src/core/dbcopy.c| FROM \"%s\"|table names from this binary's own schema catalogue
src/core/dbcopy.c|SELECT setval(CAST(? AS regclass), coale|column and table names from the schema catalogue
src/core/dbcopy.c|DELETE FROM \"%s\"|table names from this binary's own schema catalogue
src/core/order.c|SELECT o.id, o.order_no, sh.channel, sh.|each %s is a constant clause picked by the filter; values are bound
src/core/sla.c| AND o.shop_id IN (%s)|a comma list of integer shop ids read from the database
src/core/sla.c|%s(SELECT count(*) FROM orders o WHERE  |order_status_name() constants, constant ranges, the id lists above
src/core/sla.c|SELECT o.ship_by FROM orders o WHERE  AN|order_status_name() constants and the id lists above
EOF
)

scan() {   # scan ROOT: one line per SQL format with a string conversion: FILE|FORMAT40|LINE
	python3 - "$1" <<'PY'
import os, re, sys
root = sys.argv[1]
kw = re.compile(r'\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WHERE|FROM|PRAGMA|'
                r'ORDER BY|GROUP BY|LIMIT|VALUES|JOIN|SET|BEGIN|REPLACE|ATTACH|AND|OR|IN \(|CASE|WHEN)\b')
conv = re.compile(r'%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(s|c)')
func = re.compile(r'\b(v?s?n?printf|v?asprintf|xasprintf|dprintf|sb_printf)\s*\(')
lit = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
macro = re.compile(r'^\s*#\s*define\s+(\w+)\s+((?:"(?:[^"\\]|\\.)*"\s*)+)$', re.M)
for dp, dn, fn in os.walk(os.path.join(root, 'src')):
    dn.sort()
    for f in sorted(fn):
        if not f.endswith(('.c', '.h')):
            continue
        p = os.path.join(dp, f)
        t = open(p, encoding='utf-8', errors='replace').read()
        # comments out (kept as spaces so line numbers hold)
        t = re.sub(r'/\*.*?\*/', lambda m: re.sub(r'[^\n]', ' ', m.group(0)), t, flags=re.S)
        t = re.sub(r'//[^\n]*', '', t)
        macros = {m.group(1): ''.join(lit.findall(m.group(2))) for m in macro.finditer(t)}
        for m in func.finditer(t):
            i = j = m.end()
            depth, instr = 1, False
            while j < len(t) and depth:
                c = t[j]
                if instr:
                    if c == '\\':
                        j += 1
                    elif c == '"':
                        instr = False
                elif c == '"':
                    instr = True
                elif c == '(':
                    depth += 1
                elif c == ')':
                    depth -= 1
                j += 1
            call = t[i:j - 1]
            # the format: the first run of string literals and string macros (or other
            # upper-case macros such as PRId64) with nothing but blanks between them
            fmt, started = '', False
            for tok in re.finditer(r'"(?:[^"\\\n]|\\.)*"|\b[A-Z_][A-Z0-9_]*\b|\S', call):
                s = tok.group(0)
                if s.startswith('"'):
                    fmt += s[1:-1]
                    started = True
                elif started and re.match(r'[A-Z_][A-Z0-9_]*$', s):
                    fmt += macros.get(s, '')
                elif started:
                    break
            if kw.search(fmt) and conv.search(fmt):
                line = t.count('\n', 0, m.start()) + 1
                print('%s|%s|%d' % (os.path.relpath(p, root), fmt[:40], line))
PY
}

fail=0
# The scanner itself: a planted format of input into SQL must be found.
plant=$(mktemp -d)
trap 'rm -rf "$plant"' EXIT
mkdir -p "$plant/src/core"
cat >"$plant/src/core/bad.c" <<'EOF'
#define COLS "id, order_no"
void f(const char *no) {
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT " COLS " FROM orders "
	    "WHERE order_no = '%s'", no);
	snprintf(sql, sizeof sql, "SELECT id FROM orders WHERE id = %d", 5);
}
EOF
found=$(scan "$plant")
if [ "$(printf '%s\n' "$found" | grep -c .)" -ne 1 ] || ! grep -q "^src/core/bad.c|SELECT id, order_no FROM orders WHERE.*|4$" <<<"$found"; then
	echo "FAIL: the scanner missed the planted SQL format (found: '$found')"
	fail=1
fi

while IFS='|' read -r file fmt line; do
	[ -n "$file" ] || continue
	if ! grep -qF -- "$file|$fmt|" <<<"$allow"; then
		echo "FAIL: $file:$line: input may be formatted into SQL: \"$fmt...\"; bind it with ?" \
		    "(or, for an identifier of the code's own, add it to tests/sqlcheck.sh's allow-list" \
		    "saying why it is safe)"
		fail=1
	fi
done < <(scan "$root")
[ "$fail" -eq 0 ] && echo "sqlcheck: no SQL formatted from input under $root/src"
exit "$fail"
