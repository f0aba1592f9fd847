#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of the node's store (tests/node).
#
#   scripts/test-postgres.sh start   # start one (if none is running); print its SQLAlchemy URL
#   scripts/test-postgres.sh url     # print the URL of the running one
#   scripts/test-postgres.sh stop    # stop it and delete its files
#
# The cluster lives in a fresh temporary folder, listens on a free port of 127.0.0.1 only (its
# Unix socket sits in that folder), and lets in one user, `confide`, with a random password
# (scram-sha-256): the URL is `postgresql+psycopg://confide:PASSWORD@127.0.0.1:PORT/confide_test`.
# Durability is switched off (fsync=off): the data is thrown away at `stop`.
#
# If the server binaries are missing, Debian's `postgresql` package is installed (apt-get; needs
# root or sudo). initdb refuses to run as root, so under root the cluster belongs to the
# `postgres` system user (or to a `confide-pg` system user created for it).
#
# Where the running cluster is, is kept in $CONFIDE_TEST_POSTGRES_STATE (default: .test-postgres
# at the repository root, ignored by git).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state_file="${CONFIDE_TEST_POSTGRES_STATE:-$root/.test-postgres}"
database="confide_test"
user="confide"

die() {
    echo "test-postgres: $*" >&2
    exit 1
}

find_bindir() {
    local dir
    # newest version first
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return 0
    fi
    return 1
}

install_postgres() {
    echo "test-postgres: PostgreSQL server binaries not found; installing Debian's postgresql" >&2
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "installing postgresql needs root or sudo"
        sudo="sudo"
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
}

# The unprivileged user that owns the cluster: ourselves, unless we are root.
cluster_owner() {
    if [ "$(id -u)" != 0 ]; then
        id -un
    elif id postgres >/dev/null 2>&1; then
        echo postgres
    else
        id confide-pg >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin confide-pg
        echo confide-pg
    fi
}

as_owner() {
    local owner="$1"
    shift
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

running_dir() {
    [ -f "$state_file" ] || return 1
    local dir
    dir="$(cat "$state_file")"
    [ -n "$dir" ] && [ -f "$dir/url" ] && [ -f "$dir/bindir" ] || return 1
    as_owner "$(stat -c %U "$dir")" "$(cat "$dir/bindir")/pg_ctl" status -D "$dir/data" \
        >/dev/null 2>&1 || return 1
    echo "$dir"
}

start() {
    local dir
    if dir="$(running_dir)"; then
        cat "$dir/url"
        return 0
    fi
    [ ! -f "$state_file" ] || stop
    local bindir owner password port started=""
    bindir="$(find_bindir)" || { install_postgres && bindir="$(find_bindir)"; } ||
        die "no initdb found even after installing postgresql"
    owner="$(cluster_owner)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/confide-postgres.XXXXXX")"
    echo "$dir" >"$state_file"
    echo "$bindir" >"$dir/bindir"
    password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    (umask 077 && printf '%s\n' "$password" >"$dir/pwfile")
    chmod 700 "$dir"
    [ "$(id -u)" != 0 ] || chown -R "$owner" "$dir"
    as_owner "$owner" "$bindir/initdb" -D "$dir/data" -U "$user" --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        die "initdb failed (see $dir/initdb.log)"
    rm -f "$dir/pwfile"
    for _ in 1 2 3; do  # another process may take the free port before the server does
        port="$(free_port)"
        if as_owner "$owner" "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off \
                -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
            started=1
            break
        fi
    done
    [ -n "$started" ] || die "the server did not start (see $dir/server.log)"
    PGPASSWORD="$password" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$database" ||
        die "createdb failed"
    (umask 077 &&
        echo "postgresql+psycopg://$user:$password@127.0.0.1:$port/$database" >"$dir/url")
    cat "$dir/url"
}

url() {
    local dir
    dir="$(running_dir)" || die "no test server is running; run: $0 start"
    cat "$dir/url"
}

stop() {
    [ -f "$state_file" ] || return 0
    local dir
    dir="$(cat "$state_file")"
    if [ -n "$dir" ] && [ -d "$dir" ]; then
        if [ -f "$dir/bindir" ] && [ -d "$dir/data" ]; then
            as_owner "$(stat -c %U "$dir")" "$(cat "$dir/bindir")/pg_ctl" stop -D "$dir/data" \
                -m fast >/dev/null 2>&1 || true
        fi
        rm -rf -- "$dir"
    fi
    rm -f -- "$state_file"
}

case "${1:-}" in
start) start ;;
url) url ;;
stop) stop ;;
*) die "usage: $0 start|url|stop" ;;
esac
