#!/usr/bin/env bash
# Local test database servers for polysql (PostgreSQL + MariaDB).
#
#   bash scripts/db.sh start|stop|restart|status [postgres|mariadb|all]   (default: all)
#
# Private instances only: loopback, fixed ports (PostgreSQL 55432, MariaDB 53306; a second
# private pair takes other ports with POLYSQL_PG_PORT / POLYSQL_MY_PORT and its own
# POLYSQL_ENGINE_DIR, as the chaos run's long form does), data under
# ${POLYSQL_ENGINE_DIR:-/tmp/polysql-engines}/{postgres,mariadb}.
# The distro's default instances/ports are never touched; no systemd.
# Both servers accept TLS (throwaway certificates under $BASE/tls, see tls_setup)
# and plaintext alike.
# On start/restart the connection URLs are printed to stdout as `export` lines;
# all progress messages go to stderr.
set -euo pipefail

BASE="${POLYSQL_ENGINE_DIR:-/tmp/polysql-engines}"
PG_PORT="${POLYSQL_PG_PORT:-55432}"
MY_PORT="${POLYSQL_MY_PORT:-53306}"
DB_USER=polysql
DB_PASS=polysql
DB_NAME=polysql_test
PG_TZ='Asia/Kolkata'   # +05:30, deliberately not UTC
MY_TZ='-03:30'         # deliberately not UTC
READY_TIMEOUT="${POLYSQL_READY_TIMEOUT:-30}"

PG_ROOT="$BASE/postgres"
PG_DATA="$PG_ROOT/data"
PG_SOCK="$PG_ROOT/run"
PG_LOG="$PG_ROOT/postgres.log"

MY_ROOT="$BASE/mariadb"
MY_DATA="$MY_ROOT/data"
MY_SOCK="$MY_ROOT/mariadb.sock"
MY_PID="$MY_ROOT/mariadb.pid"
MY_LOG="$MY_ROOT/mariadb.err"

PG_URL="postgres://$DB_USER:$DB_PASS@127.0.0.1:$PG_PORT/$DB_NAME"
MY_URL="mysql://$DB_USER:$DB_PASS@127.0.0.1:$MY_PORT/$DB_NAME"

# Throwaway TLS material for the TLS tests (test/tls.test.ts); see tls_setup.
TLS_DIR="$BASE/tls"

log() { printf '[db.sh] %s\n' "$*" >&2; }
die() { printf '[db.sh] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

usage() {
  cat >&2 <<EOF
usage: bash scripts/db.sh start|stop|restart|status [postgres|mariadb|all]
  data dir: \$POLYSQL_ENGINE_DIR (default /tmp/polysql-engines)
  ports:    PostgreSQL 127.0.0.1:$PG_PORT, MariaDB 127.0.0.1:$MY_PORT
            (\$POLYSQL_PG_PORT, \$POLYSQL_MY_PORT; defaults 55432 and 53306)
EOF
  exit 2
}

# Serialise concurrent start/stop/restart invocations.
take_lock() {
  mkdir -p "$BASE"
  chmod 755 "$BASE" 2>/dev/null || true
  exec 9>"$BASE/.db.lock"
  flock -w 120 9 || die "could not acquire $BASE/.db.lock within 120s"
}

# Prints the tail of a log file to stderr.
log_tail() {
  local f="$1"
  if [ -r "$f" ]; then
    printf '[db.sh] ---- last lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
    printf '[db.sh] ----\n' >&2
  else
    log "(no log file at $f)"
  fi
}

ensure_os_user() {
  local u="$1"
  is_root || return 0
  if ! id -u "$u" >/dev/null 2>&1; then
    log "creating OS user $u"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u" \
      || die "could not create OS user $u"
  fi
}

apt_install() {
  is_root || die "need root to apt-get install $* (install it yourself, then rerun)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not available; install $* manually"
  log "installing $* via apt-get (this can take a few minutes)..."
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg run holding the lock instead of failing.
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
}

# ---------------------------------------------------------------- TLS

# Generates, once, a throwaway PKI under $TLS_DIR (regenerated when incomplete or
# expiring within a day):
#   ca.pem/ca.key            the CA the servers' certificates chain to (tests trust it)
#   server.pem/server.key    signed by ca; SAN DNS:localhost only, so verify-full to
#                            "localhost" passes and to "127.0.0.1" fails the host check
#   other-ca.pem/.key        a second CA nothing is signed by (the "untrusted CA" case)
#   client.pem/client.key    client certificate (CN=polysql-client) signed by ca
# Certificates are world-readable; keys are 0600 and owned by whoever runs this.
# Each server gets its own copy of the server key, owned by its OS user.
tls_setup() {
  command -v openssl >/dev/null 2>&1 || die "openssl is needed to generate the test certificates"
  if [ -f "$TLS_DIR/.complete" ] && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1; then
    return 0
  fi
  log "generating throwaway test CA and certificates in $TLS_DIR"
  local tmp
  tmp="$(mktemp -d "$BASE/.tls.XXXXXX")"
  (
    set -e
    cd "$tmp"
    umask 077
    ossl() { openssl "$@" >/dev/null 2>&1; }
    for ca in ca other-ca; do
      ossl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$ca.key" -out "$ca.pem" \
        -subj "/CN=polysql test $ca" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    done
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n' >server.ext
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    ossl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
    ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile server.ext -out server.pem
    ossl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=polysql-client"
    ossl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile client.ext -out client.pem
    rm -f ./*.csr ./*.ext ./*.srl
    chmod 644 ./*.pem
    chmod 600 ./*.key
  ) || { rm -rf "$tmp"; die "openssl could not generate the test certificates"; }
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
  chmod 755 "$TLS_DIR"
  touch "$TLS_DIR/.complete"
}

# Copies the server certificate, key and CA into $1 for OS user $2 (key 0600, owned by $2).
tls_install() {
  local dest="$1" owner="$2"
  mkdir -p "$dest"
  cp "$TLS_DIR/server.pem" "$TLS_DIR/server.key" "$TLS_DIR/ca.pem" "$dest/"
  chmod 755 "$dest"
  chmod 644 "$dest/server.pem" "$dest/ca.pem"
  chmod 600 "$dest/server.key"
  if is_root; then chown -R "$owner:$owner" "$dest"; fi
}

# ---------------------------------------------------------------- PostgreSQL

PG_BIN=""
find_pg_bin() {
  [ -n "$PG_BIN" ] && return 0
  local d
  # Prefer the newest versioned Debian layout, then PATH.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN="$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    return 0
  fi
  return 1
}

ensure_pg_installed() {
  if ! find_pg_bin; then
    apt_install postgresql
    find_pg_bin || die "PostgreSQL binaries (initdb, pg_ctl) not found even after install"
  fi
}

# Run a command as the postgres OS user (postgres refuses to run as root).
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

pg_running() {
  [ -f "$PG_DATA/postmaster.pid" ] || return 1
  find_pg_bin || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_psql_admin() {
  # Superuser over the private unix socket (trust auth).
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_write_conf() {
  local conf="$PG_DATA/polysql.conf"
  tls_setup
  tls_install "$PG_ROOT/tls" postgres
  cat >"$conf" <<EOF
# Managed by scripts/db.sh -- rewritten on every start.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
timezone = '$PG_TZ'
log_timezone = '$PG_TZ'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
shared_buffers = 128MB
# TLS on (test/tls.test.ts); plaintext stays allowed (pg_hba says host, not hostssl).
ssl = on
ssl_cert_file = '$PG_ROOT/tls/server.pem'
ssl_key_file = '$PG_ROOT/tls/server.key'
ssl_ca_file = '$PG_ROOT/tls/ca.pem'
EOF
  if ! grep -q "^include_if_exists = 'polysql.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\ninclude_if_exists = 'polysql.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi
  # TCP: scram for everyone; local socket: trust (admin access for this script).
  cat >"$PG_DATA/pg_hba.conf" <<EOF
# Managed by scripts/db.sh
local   all   all                      trust
host    all   all   127.0.0.1/32       scram-sha-256
EOF
  if is_root; then chown postgres:postgres "$conf" "$PG_DATA/pg_hba.conf"; fi
}

pg_init() {
  ensure_os_user postgres
  mkdir -p "$PG_ROOT" "$PG_SOCK"
  if is_root; then chown postgres:postgres "$PG_ROOT" "$PG_SOCK"; fi
  chmod 755 "$PG_ROOT"
  chmod 755 "$PG_SOCK"
  as_pg test -w "$PG_ROOT" || die "postgres OS user cannot write $PG_ROOT (is a parent of $BASE not traversable?)"
  # .initialized is written only after a complete initdb (an interrupted one is redone).
  if [ ! -f "$PG_ROOT/.initialized" ] || [ ! -s "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA" "$PG_ROOT/.initialized"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$PG_ROOT/initdb.log" 2>&1 \
      || { log_tail "$PG_ROOT/initdb.log"; die "initdb failed"; }
    touch "$PG_ROOT/.initialized"
  fi
  pg_write_conf
}

pg_wait_ready() {
  local i
  for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -U postgres >/dev/null 2>&1 \
      && pg_psql_admin -c 'select 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.25
  done
  log_tail "$PG_LOG"
  die "PostgreSQL did not become ready on 127.0.0.1:$PG_PORT within ${READY_TIMEOUT}s"
}

pg_setup_db() {
  pg_psql_admin <<EOF >/dev/null
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER;
  END IF;
END
\$\$;
ALTER ROLE $DB_USER WITH SUPERUSER LOGIN PASSWORD '$DB_PASS';
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
EOF
}

# A server started before its TLS settings or certificates changed picks them up
# with a reload (ssl settings are reloadable since PostgreSQL 10; no connection drops).
pg_ensure_conf() {
  local before after
  before="$(cat "$PG_DATA/polysql.conf" "$PG_ROOT/tls/server.pem" 2>/dev/null | cksum || true)"
  pg_write_conf
  after="$(cat "$PG_DATA/polysql.conf" "$PG_ROOT/tls/server.pem" 2>/dev/null | cksum || true)"
  if [ "$before" != "$after" ]; then
    log "postgres configuration changed: reloading"
    as_pg "$PG_BIN/pg_ctl" reload -D "$PG_DATA" >/dev/null 2>&1 || die "pg_ctl reload failed"
  fi
}

pg_start() {
  ensure_pg_installed
  if pg_running; then
    log "postgres already running (127.0.0.1:$PG_PORT, data $PG_DATA)"
    pg_ensure_conf
  else
    pg_init
    if [ -f "$PG_DATA/postmaster.pid" ]; then
      log "removing stale $PG_DATA/postmaster.pid"
      rm -f "$PG_DATA/postmaster.pid"
    fi
    log "starting postgres on 127.0.0.1:$PG_PORT"
    touch "$PG_LOG"; if is_root; then chown postgres:postgres "$PG_LOG"; fi
    # setsid: detach from our process group so a Ctrl-C aimed at a test run
    # does not hit the server directly.
    if ! as_pg setsid "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$READY_TIMEOUT" >/dev/null 2>&1 9>&-; then
      log_tail "$PG_LOG"
      die "pg_ctl start failed (is port $PG_PORT already in use by something else?)"
    fi
  fi
  pg_wait_ready
  pg_setup_db
  log "postgres ready"
  echo "export POLYSQL_PG_URL=$PG_URL"
}

pg_stop() {
  if ! find_pg_bin || ! pg_running; then
    log "postgres not running"
    return 0
  fi
  log "stopping postgres"
  as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null 2>&1 \
    || { log_tail "$PG_LOG"; die "pg_ctl stop failed"; }
  log "postgres stopped"
}

pg_restart() {
  ensure_pg_installed
  if ! pg_running; then
    pg_start
    return
  fi
  pg_write_conf
  log "restarting postgres (fast)"
  if ! as_pg setsid "$PG_BIN/pg_ctl" restart -D "$PG_DATA" -m fast -l "$PG_LOG" -w -t "$READY_TIMEOUT" >/dev/null 2>&1 9>&-; then
    log_tail "$PG_LOG"
    die "pg_ctl restart failed"
  fi
  pg_wait_ready
  pg_setup_db
  log "postgres ready"
  echo "export POLYSQL_PG_URL=$PG_URL"
}

pg_status() {
  if pg_running; then echo "postgres: running (127.0.0.1:$PG_PORT)"; else echo "postgres: stopped"; fi
}

# ---------------------------------------------------------------- MariaDB

MY_SERVER=""
MY_CLIENT=""
MY_ADMIN=""
MY_INSTALL_DB=""
find_first() {
  local c
  for c in "$@"; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
    if [ -x "/usr/sbin/$c" ]; then echo "/usr/sbin/$c"; return 0; fi
    if [ -x "/usr/bin/$c" ]; then echo "/usr/bin/$c"; return 0; fi
  done
  return 1
}
find_my_bins() {
  MY_SERVER="$(find_first mariadbd mysqld)" || return 1
  MY_CLIENT="$(find_first mariadb mysql)" || return 1
  MY_ADMIN="$(find_first mariadb-admin mysqladmin)" || return 1
  MY_INSTALL_DB="$(find_first mariadb-install-db mysql_install_db)" || return 1
}

ensure_my_installed() {
  if ! find_my_bins; then
    apt_install mariadb-server mariadb-client
    find_my_bins || die "MariaDB binaries (mariadbd, mariadb, mariadb-admin, mariadb-install-db) not found even after install"
  fi
}

my_pid() {
  [ -f "$MY_PID" ] || return 1
  local pid
  pid="$(cat "$MY_PID" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse by an unrelated process.
  case "$(cat "/proc/$pid/comm" 2>/dev/null || echo mariadbd)" in
    mariadbd | mysqld) echo "$pid" ;;
    *) return 1 ;;
  esac
}
my_running() { my_pid >/dev/null; }

my_client_admin() {
  # root over the private unix socket (root has no password; socket only reachable locally).
  "$MY_CLIENT" --no-defaults --protocol=socket -S "$MY_SOCK" -uroot "$@"
}

my_init() {
  ensure_os_user mysql
  mkdir -p "$MY_ROOT"
  if is_root; then chown mysql:mysql "$MY_ROOT"; fi
  chmod 755 "$MY_ROOT"
  # .initialized is written only after a complete install-db (an interrupted one is redone).
  if [ ! -f "$MY_ROOT/.initialized" ] || [ ! -d "$MY_DATA/mysql" ]; then
    log "mariadb-install-db $MY_DATA"
    rm -rf "$MY_DATA" "$MY_ROOT/.initialized"
    local user_opt=()
    if is_root; then user_opt=(--user=mysql); fi
    "$MY_INSTALL_DB" --no-defaults "${user_opt[@]}" --datadir="$MY_DATA" \
      --auth-root-authentication-method=normal --skip-test-db \
      >"$MY_ROOT/install-db.log" 2>&1 \
      || { log_tail "$MY_ROOT/install-db.log"; die "mariadb-install-db failed"; }
    touch "$MY_ROOT/.needs-tzinfo" "$MY_ROOT/.initialized"
  fi
}

my_wait_ready() {
  local i
  for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    if "$MY_ADMIN" --no-defaults --protocol=socket -S "$MY_SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
      return 0
    fi
    if ((i > 4)) && ! my_running; then
      log_tail "$MY_LOG"
      die "mariadbd exited during startup (is port $MY_PORT already in use?)"
    fi
    sleep 0.25
  done
  log_tail "$MY_LOG"
  die "MariaDB did not become ready on 127.0.0.1:$MY_PORT within ${READY_TIMEOUT}s"
}

my_setup_db() {
  local u
  {
    for u in "'$DB_USER'@'127.0.0.1'" "'$DB_USER'@'localhost'"; do
      echo "CREATE USER IF NOT EXISTS $u IDENTIFIED BY '$DB_PASS';"
      echo "ALTER USER $u IDENTIFIED BY '$DB_PASS';"
      echo "GRANT ALL PRIVILEGES ON *.* TO $u WITH GRANT OPTION;"
    done
    echo "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    echo "FLUSH PRIVILEGES;"
  } | my_client_admin || die "MariaDB user/database setup failed"
  # Named time zones (CONVERT_TZ(..., 'Asia/Kolkata')); once per fresh datadir.
  if [ -f "$MY_ROOT/.needs-tzinfo" ]; then
    local tz
    if tz="$(find_first mariadb-tzinfo-to-sql mysql_tzinfo_to_sql)" && [ -d /usr/share/zoneinfo ]; then
      log "loading time zone tables"
      if "$tz" /usr/share/zoneinfo 2>/dev/null | my_client_admin mysql >/dev/null 2>&1; then
        rm -f "$MY_ROOT/.needs-tzinfo"
      else
        log "warning: loading time zone tables failed (named zones unavailable)"
      fi
    else
      rm -f "$MY_ROOT/.needs-tzinfo"
    fi
  fi
}

my_start() {
  ensure_my_installed
  if my_running; then
    log "mariadb already running (127.0.0.1:$MY_PORT, data $MY_DATA)"
  else
    my_init
    tls_setup
    tls_install "$MY_ROOT/tls" mysql
    rm -f "$MY_PID" "$MY_SOCK" "$MY_SOCK.lock"
    log "starting mariadb on 127.0.0.1:$MY_PORT"
    local user_opt=()
    if is_root; then user_opt=(--user=mysql); fi
    touch "$MY_LOG"; if is_root; then chown mysql:mysql "$MY_LOG"; fi
    # --no-defaults: ignore the distro's /etc/mysql config entirely.
    setsid "$MY_SERVER" --no-defaults "${user_opt[@]}" \
      --datadir="$MY_DATA" \
      --port="$MY_PORT" --bind-address=127.0.0.1 \
      --socket="$MY_SOCK" --pid-file="$MY_PID" --log-error="$MY_LOG" \
      --default-time-zone="$MY_TZ" \
      --max-connections=200 --skip-name-resolve --local-infile=1 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
      --innodb-buffer-pool-size=256M --innodb-log-file-size=64M \
      --innodb-buffer-pool-dump-at-shutdown=0 --innodb-buffer-pool-load-at-startup=0 \
      --sync-binlog=0 --skip-log-bin \
      --ssl-ca="$MY_ROOT/tls/ca.pem" --ssl-cert="$MY_ROOT/tls/server.pem" --ssl-key="$MY_ROOT/tls/server.key" \
      </dev/null >>"$MY_LOG" 2>&1 9>&- &
    disown || true
  fi
  my_wait_ready
  my_setup_db
  # TLS settings need a restart on MariaDB; one started by an older version of this script runs without.
  if [ "$(my_client_admin -N -B -e 'SELECT @@have_ssl' 2>/dev/null)" != "YES" ]; then
    log "warning: mariadb runs without TLS (test/tls.test.ts fails): bash scripts/db.sh restart mariadb"
  fi
  log "mariadb ready"
  echo "export POLYSQL_MYSQL_URL=$MY_URL"
}

my_stop() {
  local pid i
  if ! pid="$(my_pid)"; then
    log "mariadb not running"
    rm -f "$MY_PID"
    return 0
  fi
  log "stopping mariadb (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 240; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "mariadb stopped"; rm -f "$MY_PID"; return 0; }
    sleep 0.25
  done
  log "mariadb did not stop within 60s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
  rm -f "$MY_PID"
}

my_restart() {
  my_stop
  my_start
}

my_status() {
  if my_running; then echo "mariadb: running (127.0.0.1:$MY_PORT)"; else echo "mariadb: stopped"; fi
}

# ---------------------------------------------------------------- main

[ $# -ge 1 ] && [ $# -le 2 ] || usage
cmd="$1"
target="${2:-all}"
case "$target" in
  all) engines=(postgres mariadb) ;;
  postgres | pg | postgresql) engines=(postgres) ;;
  mariadb | mysql) engines=(mariadb) ;;
  *) die "unknown engine '$target' (expected postgres, mariadb or all)" ;;
esac
case "$cmd" in
  start | stop | restart) take_lock ;;
  status) ;;
  -h | --help | help) usage ;;
  *) die "unknown command '$cmd' (expected start, stop, restart or status)" ;;
esac

for e in "${engines[@]}"; do
  case "$e:$cmd" in
    postgres:start) pg_start ;;
    postgres:stop) pg_stop ;;
    postgres:restart) pg_restart ;;
    postgres:status) pg_status ;;
    mariadb:start) my_start ;;
    mariadb:stop) my_stop ;;
    mariadb:restart) my_restart ;;
    mariadb:status) my_status ;;
  esac
done
