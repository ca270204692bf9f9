#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: initdb into a temporary directory, a server
# on a free loopback port (its unix socket in that directory too), one database.
#
#   tests/pg/cluster.sh start [DIR]   prints PACKBENCH_TEST_DB=postgresql://... (also in DIR/env)
#   tests/pg/cluster.sh stop [DIR]    stops the server and removes DIR
#
# DIR defaults to $PB_PG_DIR or /tmp/packbench-pg-$USER. The server runs as the calling
# user, or as "postgres" when called as root (initdb refuses root).
set -euo pipefail

cmd=${1:-}
dir=${2:-${PB_PG_DIR:-/tmp/packbench-pg-$(id -un)}}

bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
	echo "cluster.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
	return 1
}

as_owner() {
	if [ "$(id -u)" != 0 ]; then
		"$@"
	elif runuser -u postgres -- sh -c ': >/dev/null' 2>/dev/null; then
		runuser -u postgres -- "$@"
	else
		# A sandbox whose /dev/null only root may write: initdb and the server get a
		# private one in their own mount namespace.
		[ -c "$dir/null" ] || mknod -m 666 "$dir/null" c 1 3
		unshare -m sh -c 'mount --bind "$0" /dev/null && exec runuser -u postgres -- "$@"' \
			"$dir/null" "$@"
	fi
}

case "$cmd" in
start)
	bin=$(bindir)
	if [ -f "$dir/env" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		cat "$dir/env"
		exit 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	as_owner "$bin/initdb" -D "$dir/data" -U pb --auth=trust --encoding=UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
		"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
		-c shared_buffers=64MB" >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U pb pbtest
	echo "PACKBENCH_TEST_DB=postgresql://pb@127.0.0.1:$port/pbtest" | as_owner tee "$dir/env" >/dev/null
	cat "$dir/env"
	;;
stop)
	bin=$(bindir)
	if [ -d "$dir/data" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop [DIR]" >&2
	exit 2
	;;
esac
