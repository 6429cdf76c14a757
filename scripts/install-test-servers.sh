#!/usr/bin/env bash
# Installs and starts the loopback servers the integration and e2e tests use:
# Dovecot (IMAP + LMTP; the test fixture runs its own instance from a temp dir)
# PostgreSQL (a role and database for the tests) and MariaDB (binaries only: the test
# fixture starts its own mariadbd with its own data directory and port).
# Idempotent and non-interactive: safe to run on every CI job and on a laptop.
# As non-root it only reports what is missing and exits 0 (tests then skip, or fail when CI=true).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/sbin:/sbin"

PG_VERSION="${PG_VERSION:-15}"
PG_ROLE="${RIGHTSDESK_TEST_PG_ROLE:-rightsdesk}"
PG_PASSWORD="${RIGHTSDESK_TEST_PG_PASSWORD:-rightsdesk}"
PG_DATABASE="${RIGHTSDESK_TEST_PG_DATABASE:-rightsdesk}"

log() { printf 'install-test-servers: %s\n' "$*"; }

is_root() { [ "$(id -u)" -eq 0 ]; }

have_mariadb() {
    command -v mariadb-install-db >/dev/null 2>&1 \
        && { [ -x /usr/sbin/mariadbd ] || command -v mariadbd >/dev/null 2>&1; }
}

have_dovecot() {
    command -v dovecot >/dev/null 2>&1 \
        && [ -x /usr/lib/dovecot/imap ] \
        && [ -x /usr/lib/dovecot/lmtp ]
}

# Prints "VERSION CLUSTER PORT STATUS" of the cluster to use: PG_VERSION main if it exists,
# else the first cluster on the machine (CI images may ship another major version).
pick_cluster() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    local line
    line="$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$PG_VERSION" '$1 == v && $2 == "main"' | head -n1)"
    if [ -z "$line" ]; then
        line="$(pg_lsclusters --no-header 2>/dev/null | head -n1)"
    fi
    [ -n "$line" ] && printf '%s\n' "$line" | awk '{print $1, $2, $3, $4}'
    return 0
}

APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    # A package's maintainer script must not start the system services: our fixtures start
    # their own instances, and a system dovecot on port 143 is of no use to the tests.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        created_policy=1
    fi
    local rc=0
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
    if [ "$created_policy" -eq 1 ]; then
        rm -f "$policy"
    fi
    return "$rc"
}

as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

psql_admin() {
    local port="$1"
    shift
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"
}

report_missing() {
    log "not root: cannot install or start servers; ask an administrator to run:"
    for item in "$@"; do
        log "  $item"
    done
    log "tests that need these servers are skipped (they fail when CI=true)"
}

main() {
    local missing=()
    have_dovecot || missing+=("dovecot")
    have_mariadb || missing+=("mariadb")
    local cluster
    cluster="$(pick_cluster)"
    [ -n "$cluster" ] || missing+=("postgresql")

    if ! is_root; then
        local todo=()
        for m in "${missing[@]+"${missing[@]}"}"; do
            case "$m" in
                dovecot) todo+=("apt-get install -y dovecot-imapd dovecot-lmtpd") ;;
                postgresql) todo+=("apt-get install -y postgresql") ;;
                mariadb) todo+=("apt-get install -y mariadb-server") ;;
            esac
        done
        if [ -n "$cluster" ]; then
            read -r ver name port status <<<"$cluster"
            if [ "$status" != "online" ]; then
                todo+=("pg_ctlcluster $ver $name start")
            fi
            if ! PGPASSWORD="$PG_PASSWORD" psql -X -q -h 127.0.0.1 -p "$port" -U "$PG_ROLE" \
                -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
                todo+=("sudo $0   # creates role '$PG_ROLE' (CREATEDB) on port $port")
            fi
        fi
        if [ "${#todo[@]}" -gt 0 ]; then
            report_missing "${todo[@]}"
        fi
        exit 0
    fi

    if ! have_dovecot; then
        log "installing dovecot-imapd dovecot-lmtpd"
        apt_install dovecot-imapd dovecot-lmtpd
    fi
    # The packaged service is not needed; stop it if a previous install started it.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
        systemctl stop dovecot || true
    fi
    log "dovecot $(dovecot --version)"

    if ! have_mariadb; then
        log "installing mariadb-server"
        apt_install mariadb-server
    fi
    # The packaged service is not needed either: the fixture runs its own mariadbd.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
        systemctl stop mariadb || true
    fi
    log "$(/usr/sbin/mariadbd --version 2>/dev/null | head -n1 || true)"

    if [ -z "$cluster" ]; then
        log "installing postgresql"
        apt_install postgresql
        cluster="$(pick_cluster)"
        if [ -z "$cluster" ]; then
            # The package normally creates "main"; create it when the image skipped that step.
            local major
            major="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n1)"
            pg_createcluster "$major" main >/dev/null
            cluster="$(pick_cluster)"
        fi
    fi
    read -r ver name port status <<<"$cluster"
    if [ "$status" != "online" ]; then
        log "starting PostgreSQL cluster $ver/$name"
        pg_ctlcluster "$ver" "$name" start
    fi
    for _ in $(seq 1 30); do
        if as_postgres pg_isready -q -p "$port"; then break; fi
        sleep 1
    done
    as_postgres pg_isready -q -p "$port"

    psql_admin "$port" <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
        CREATE ROLE "$PG_ROLE" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    ELSE
        ALTER ROLE "$PG_ROLE" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    END IF;
END
\$\$;
SQL
    if [ "$(psql_admin "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" != "1" ]; then
        psql_admin "$port" -c "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_ROLE\""
    fi
    # Check the way the tests connect: password over TCP on loopback.
    PGPASSWORD="$PG_PASSWORD" psql -X -q -h 127.0.0.1 -p "$port" -U "$PG_ROLE" -d postgres \
        -tAc 'SELECT 1' >/dev/null
    log "PostgreSQL $ver/$name on 127.0.0.1:$port, role '$PG_ROLE' ready"
    if [ "$port" != "5432" ] || [ "$PG_ROLE" != "rightsdesk" ] || [ "$PG_PASSWORD" != "rightsdesk" ]; then
        log "export RIGHTSDESK_TEST_PG_URL=postgresql+psycopg://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/postgres"
    fi
}

main "$@"
