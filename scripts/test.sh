#!/usr/bin/env bash
#
# Runs every test in the repository:
#
#     ./scripts/test.sh                # go test -count=1 ./...
#     ./scripts/test.sh -run Foo -v    # extra arguments are appended to that
#
# (Packages given as arguments are tested in addition to ./..., not instead.)
#
# The PostgreSQL store's tests need a server. This script starts a throwaway
# one (private data directory, random port on 127.0.0.1, trust auth), exports
# its URL as BARTER_TEST_POSTGRES, and stops and deletes it on exit, whether
# or not the tests pass. If no PostgreSQL server binaries are installed, it
# warns loudly and those tests skip.
#
# Environment:
#   BARTER_CHROMIUM   the Chromium to test the web pages with (default: chromium
#                     on PATH; without one those tests skip, or fail when
#                     BARTER_REQUIRE_BROWSER is set)
#   BARTER_PG_BINDIR  use the PostgreSQL server binaries in this directory
#                     instead of searching for them. A directory without them
#                     (e.g. BARTER_PG_BINDIR=/nonexistent) makes the script
#                     behave as if PostgreSQL were not installed.
#
# The exit status is that of `go test`.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Go's default install location is often missing from PATH in non-login shells.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	PATH="/usr/local/go/bin:$PATH"
fi

# The tests read the server URL from here; only this script sets it, so a
# stale value from the caller's environment cannot leak in.
unset BARTER_TEST_POSTGRES

# PostgreSQL refuses to run as root; as root, the server runs as this user.
PG_USER=nobody

log() { echo "test.sh: $*" >&2; }

# has_pg_server DIR: DIR holds the server binaries this script needs.
has_pg_server() {
	[ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ]
}

# find_pg_bindir prints the directory of the PostgreSQL server binaries, or
# nothing if there are none.
find_pg_bindir() {
	local dir
	if [ -n "${BARTER_PG_BINDIR:-}" ]; then
		if has_pg_server "$BARTER_PG_BINDIR"; then echo "$BARTER_PG_BINDIR"; fi
		return 0
	fi
	# 1. The installation pg_config belongs to. (Some distributions ship
	#    pg_config with the client libraries only, hence the check.)
	if dir=$(pg_config --bindir 2>/dev/null) && has_pg_server "$dir"; then
		echo "$dir"
		return 0
	fi
	# 2. initdb on PATH, next to pg_ctl and postgres, possibly via a symlink.
	if dir=$(command -v initdb); then
		for dir in "$(dirname "$dir")" "$(dirname "$(readlink -f "$dir")")"; do
			if has_pg_server "$dir"; then echo "$dir"; return 0; fi
		done
	fi
	# 3. The Debian/Ubuntu layout, newest major version first.
	while IFS= read -r dir; do
		if has_pg_server "$dir"; then echo "$dir"; return 0; fi
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
	return 0
}

# as_pg_user CMD...: run a server command, as $PG_USER if we are root, from
# inside the server's temp directory (root's working directory may not be
# accessible to that user).
as_pg_user() (
	cd "$pg_tmp"
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	elif command -v runuser >/dev/null; then
		runuser -u "$PG_USER" -- "$@"
	elif command -v setpriv >/dev/null; then
		setpriv --reuid="$(id -u "$PG_USER")" --regid="$(id -g "$PG_USER")" --clear-groups -- "$@"
	else
		# shellcheck disable=SC2016 # expanded by that shell, not this one
		su -s /bin/sh -c 'exec "$0" "$@"' -- "$PG_USER" "$@"
	fi
)

skip_banner() {
	cat >&2 <<-'EOF'
	!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
	!!!
	!!!  PostgreSQL server binaries not found (initdb, pg_ctl, postgres):
	!!!  the PostgreSQL tests will be SKIPPED.
	!!!  Install postgresql to run them.
	!!!
	!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
	EOF
}

# cleanup runs on every exit: it stops the server and deletes its files, and
# keeps the exit status of whatever made the script exit.
pg_bindir='' pg_tmp='' pg_data=''
# shellcheck disable=SC2317 # reached through the trap
cleanup() {
	local status=$?
	set +e
	if [ -n "$pg_tmp" ]; then
		if [ -f "$pg_data/postmaster.pid" ]; then
			as_pg_user "$pg_bindir/pg_ctl" stop -D "$pg_data" -m fast -w -s >/dev/null 2>&1 ||
				as_pg_user "$pg_bindir/pg_ctl" stop -D "$pg_data" -m immediate -w -s >/dev/null 2>&1
		fi
		rm -rf "$pg_tmp"
	fi
	# Repeat the warning after the test output, where it will be seen.
	if [ -z "$pg_bindir" ]; then skip_banner; fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_bindir=$(find_pg_bindir)

if [ -z "$pg_bindir" ]; then
	skip_banner
else
	pg_tmp=$(mktemp -d -t barter-pg.XXXXXXXX)
	pg_data="$pg_tmp/data"
	pg_log="$pg_tmp/postgres.log"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_USER": "$pg_tmp"
		if ! as_pg_user test -w "$pg_tmp"; then
			log "user $PG_USER cannot write to $pg_tmp; set TMPDIR to a world-accessible directory such as /tmp"
			exit 1
		fi
	fi

	# --locale=C: results must not depend on the developer's locale.
	if ! as_pg_user "$pg_bindir/initdb" -D "$pg_data" --auth=trust --username=barter \
		-E UTF8 --locale=C --no-sync >"$pg_tmp/initdb.log" 2>&1; then
		cat "$pg_tmp/initdb.log" >&2
		log "initdb failed"
		exit 1
	fi

	# Pick a random port nothing listens on (a successful connect means it is
	# taken); retry with another if the server still fails to start, in case
	# something else grabbed the port in between.
	pg_port=
	for attempt in 1 2 3 4 5; do
		for _ in {1..100}; do
			pg_port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
			if ! (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; then break; fi
		done
		# The unix socket goes in the temp dir too, so nothing is shared with
		# any other server on this machine. pg_ctl passes -o through a shell,
		# hence the quotes around the path.
		if as_pg_user "$pg_bindir/pg_ctl" start -D "$pg_data" -l "$pg_log" -w -s \
			-o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pg_tmp' -c fsync=off -c max_connections=200"; then
			break
		fi
		log "PostgreSQL failed to start on port $pg_port (attempt $attempt)"
		pg_port=
	done
	if [ -z "$pg_port" ]; then
		log "giving up; end of the server log:"
		tail -n 30 "$pg_log" >&2 || true
		exit 1
	fi

	export BARTER_TEST_POSTGRES="postgres://barter@127.0.0.1:$pg_port/postgres?sslmode=disable"
	pg_version=$("$pg_bindir/postgres" --version)
	log "PostgreSQL ${pg_version#postgres (PostgreSQL) } from $pg_bindir on 127.0.0.1:$pg_port (BARTER_TEST_POSTGRES=$BARTER_TEST_POSTGRES)"
fi

# The web pages are tested in a headless Chromium; without one those tests skip,
# unless BARTER_REQUIRE_BROWSER is set (CI sets it), when they fail.
if [ -z "${BARTER_CHROMIUM:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
	log "!!! Chromium not found: the browser tests of the web pages will be SKIPPED (install Debian's chromium package)"
fi

status=0
go test -count=1 ./... "$@" || status=$?
exit "$status"
