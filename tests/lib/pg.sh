# tests/lib/pg.sh - a throwaway PostgreSQL cluster for tests and benchmarks.
#
# Source it from a bash script, then:
#   pg_start            initdb in a fresh temp dir, start on a Unix socket only
#   pg_psql DB [ARGS]   psql as the superuser (postgres), ON_ERROR_STOP, quiet
#   pg_stop             stop the cluster and remove its directory (idempotent)
#
# pg_start exports PGHOST (the socket directory) and PGPORT, and sets PG_DIR
# (the temp dir), PG_BIN (the server binaries), PG_SUPER (the superuser).
# The cluster listens on no TCP address.  Local connections by the superuser
# are trusted; every other role must give its password (scram-sha-256), so a
# wrong password really fails.
#
# The cluster always goes away: pg_start chains an EXIT trap (keeping any
# trap already set) and starts a watchdog, in a session of its own, that
# stops the cluster when the calling shell dies without running its traps
# (SIGKILL, a process-group kill by `timeout`).  A script that replaces the
# EXIT trap after pg_start should call pg_stop from its own.
#
# As root, initdb/pg_ctl/postgres run as the `postgres` system user (the
# server refuses to run as root); the temp dir is chowned to it.

PG_SUPER=postgres

_pg_as() { # run a command line as the cluster owner
	if [ "$(id -u)" = 0 ]; then
		su postgres -s /bin/sh -c "$1"
	else
		sh -c "$1"
	fi
}

_pg_free_port() { # a port whose socket name is unused in /tmp and our dir
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		[ -e "/tmp/.s.PGSQL.$p" ] && continue
		[ -e "/var/run/postgresql/.s.PGSQL.$p" ] && continue
		# a TCP listener on it would not clash (we listen on none), but
		# keep away from ports in use anyway: shared memory keys derive
		# from the port number
		if command -v ss >/dev/null 2>&1 &&
		   ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			continue
		fi
		echo "$p"
		return 0
	done
	echo 54329
}

_pg_exit_trap() {
	local rc=$?
	set +e
	pg_stop
	if [ -n "${_pg_prev_exit_trap:-}" ]; then
		# "trap -- 'CMD' EXIT" -> run CMD
		eval "set -- $_pg_prev_exit_trap"
		(exit "$rc")
		eval "$3"
	fi
	return "$rc"
}

pg_start() {
	local bin
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
		echo "pg_start: a cluster is already running in $PG_DIR" >&2
		return 1
	fi
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
		echo "pg_start: no PostgreSQL server under /usr/lib/postgresql (make deps)" >&2
		return 1
	fi
	PG_BIN=$bin
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lethe-pg.XXXXXX") || return 1
	chmod 755 "$PG_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PG_DIR" || return 1
	fi
	PG_PORT=$(_pg_free_port)

	_pg_prev_exit_trap=$(trap -p EXIT)
	trap _pg_exit_trap EXIT
	local sig
	for sig in INT TERM HUP; do
		[ -n "$(trap -p $sig)" ] || trap "exit 130" $sig
	done

	if ! _pg_as "'$PG_BIN/initdb' -D '$PG_DIR/data' -U $PG_SUPER -E UTF8 \
		--locale=C.UTF-8 --auth-local=trust --auth-host=reject \
		--no-sync >'$PG_DIR/initdb.log' 2>&1"; then
		echo "pg_start: initdb failed:" >&2
		cat "$PG_DIR/initdb.log" >&2
		return 1
	fi
	# superuser: trusted; every other role: password
	cat >"$PG_DIR/data/pg_hba.conf" <<EOF
local all $PG_SUPER trust
local all all scram-sha-256
EOF
	cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
port = $PG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
shared_buffers = 128MB
max_wal_size = 4GB
autovacuum = off
log_min_messages = warning
password_encryption = scram-sha-256
EOF
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PG_DIR/data/pg_hba.conf" "$PG_DIR/data/postgresql.conf"
	fi
	if ! _pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' \
		-w -t 60 start >/dev/null 2>&1"; then
		echo "pg_start: server did not start:" >&2
		cat "$PG_DIR/server.log" >&2
		return 1
	fi
	export PGHOST="$PG_DIR" PGPORT="$PG_PORT"

	# watchdog: stops the cluster if this shell vanishes without running
	# its traps (SIGKILL, or `timeout`/`kill -- -PGID` taking the whole
	# process group).  setsid puts it in a session of its own so a group
	# kill does not take it too.  pg_stop removes the directory, which
	# ends it.
	setsid bash -c '
		parent=$1 dir=$2 bin=$3
		while kill -0 "$parent" 2>/dev/null && [ -d "$dir/data" ]; do
			sleep 1
		done
		[ -d "$dir/data" ] || exit 0
		cmd="\"$bin/pg_ctl\" -D \"$dir/data\" -m immediate -w stop"
		if [ "$(id -u)" = 0 ]; then
			su postgres -s /bin/sh -c "$cmd"
		else
			sh -c "$cmd"
		fi
		rm -rf "$dir"
	' lethe-pg-watchdog "$$" "$PG_DIR" "$PG_BIN" </dev/null >/dev/null 2>&1 &
	_pg_watchdog=$!
	return 0
}

pg_psql() { # pg_psql DB [psql args...]: as the superuser, stop on error
	local db=$1
	shift
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -U "$PG_SUPER" -d "$db" "$@"
}

pg_stop() { # never fails, also under set -e (it runs from traps)
	if [ -n "${_pg_watchdog:-}" ]; then
		kill "$_pg_watchdog" 2>/dev/null || :
		_pg_watchdog=
	fi
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
		if [ -f "$PG_DIR/data/postmaster.pid" ]; then
			_pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m fast -w -t 30 stop" \
				>/dev/null 2>&1 ||
			_pg_as "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate -w stop" \
				>/dev/null 2>&1 || :
		fi
		rm -rf "$PG_DIR" || :
	fi
	PG_DIR=
	unset PGHOST PGPORT
	return 0
}
