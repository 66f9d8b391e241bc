#!/usr/bin/env bash
# Real clusters for polysql's scale-out tests (issue 19), on loopback ports of their own.
#
#   bash scripts/cluster.sh start|stop|status [TARGET...]      (default: all)
#
# Targets:
#   pg-replicas      PostgreSQL 15 primary 127.0.0.1:55440 with two streaming standbys
#                    (pg_basebackup -R, physical slots) on :55441 and :55442. The second
#                    standby's recovery_min_apply_delay starts at $POLYSQL_PG_REPLICA2_DELAY
#                    (default 0) and can be changed at runtime by a superuser on it:
#                    ALTER SYSTEM SET recovery_min_apply_delay = '500ms'; SELECT pg_reload_conf();
#   pg-failover      A PostgreSQL primary :55445 with one standby :55446, for the failover
#                    test, which stops the primary and promotes the standby: `start` rebuilds
#                    the pair when its primary is gone or its standby was promoted.
#   pgbouncer        PgBouncer (Debian's 1.18) in transaction mode on :55450, in front of
#                    the pg-replicas primary (started with it when needed).
#   mariadb-replica  MariaDB primary :53310 (binlog, GTID) and a read_only replica :53311
#                    replicating with MASTER_USE_GTID=slave_pos.
#   galera           A 3-node MariaDB Galera cluster: clients :53320-53322, group
#                    communication :53330-53332, IST :53340-53342, rsync SST :53350-53352.
#                    galera1|galera2|galera3 start or stop one node (a stopped node rejoins
#                    the running ones by IST, or SST when its state is too old).
#   all              every target above.
#
# For the failover test: `stop pgf-primary` kills the failover pair's primary (pg_ctl stop -m
# immediate, a crash) and `promote pgf-standby` promotes its standby (pg_ctl promote -w); the next
# `start pg-failover` rebuilds the pair.
#
# Data under ${POLYSQL_CLUSTER_DIR:-/tmp/polysql-cluster}; loopback only; no systemd; the
# distro's default instances are never touched. galera-4, pgbouncer and rsync are installed
# with apt-get (after apt-get update) when missing. `start` is idempotent: what runs is kept,
# what is missing is (re)built. It prints the URLs as `export POLYSQL_...=` lines on stdout,
# progress and each target's start time on stderr. Accounts: polysql/polysql (the
# application: a superuser on PostgreSQL; on MariaDB all privileges on polysql_test and the
# monitoring ones, but not READ_ONLY ADMIN, so a read_only replica refuses its writes) and,
# on MariaDB, polysql_admin/polysql_admin with every privilege, for tests that steer replication.
set -euo pipefail

BASE="${POLYSQL_CLUSTER_DIR:-/tmp/polysql-cluster}"
READY_TIMEOUT="${POLYSQL_READY_TIMEOUT:-60}"
DB_USER=polysql
DB_PASS=polysql
DB_NAME=polysql_test
ADMIN_USER=polysql_admin
ADMIN_PASS=polysql_admin

PG_PRIMARY_PORT=55440
PG_REPLICA1_PORT=55441
PG_REPLICA2_PORT=55442
PGF_PRIMARY_PORT=55445
PGF_STANDBY_PORT=55446
PGB_PORT=55450
MY_PRIMARY_PORT=53310
MY_REPLICA_PORT=53311
GALERA_PORTS=(53320 53321 53322)
GALERA_GCOMM=(53330 53331 53332)
GALERA_IST=(53340 53341 53342)
GALERA_SST=(53350 53351 53352)

log() { printf '[cluster.sh] %s\n' "$*" >&2; }
die() { printf '[cluster.sh] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
now_ms() { date +%s%3N; }
elapsed_since() { local t0="$1"; local t1; t1="$(now_ms)"; printf '%d.%01d' $(((t1 - t0) / 1000)) $((((t1 - t0) % 1000) / 100)); }

usage() {
  cat >&2 <<EOF
usage: bash scripts/cluster.sh start|stop|status [pg-replicas|pg-failover|pgbouncer|mariadb-replica|galera|galera1|galera2|galera3|all ...]
       bash scripts/cluster.sh stop pgf-primary      (crash the failover pair's primary)
       bash scripts/cluster.sh promote pgf-standby   (promote its standby)
  data dir: \$POLYSQL_CLUSTER_DIR (default /tmp/polysql-cluster)
EOF
  exit 2
}

take_lock() {
  mkdir -p "$BASE"
  chmod 755 "$BASE"
  exec 9>"$BASE/.cluster.lock"
  flock -w 600 9 || die "could not acquire $BASE/.cluster.lock within 600s"
}

log_tail() {
  local f="$1"
  if [ -r "$f" ]; then
    printf '[cluster.sh] ---- last lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
    printf '[cluster.sh] ----\n' >&2
  fi
}

ensure_os_user() {
  local u="$1"
  is_root || return 0
  id -u "$u" >/dev/null 2>&1 && return 0
  log "creating OS user $u"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u" || die "could not create OS user $u"
}

APT_UPDATED=0
apt_install() {
  is_root || die "need root to apt-get install $* (install it yourself, then rerun)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not available; install $* manually"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing $* via apt-get..."
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
}

# Owned by $2, traversable by everyone (the servers run as their own OS users).
own_dir() {
  mkdir -p "$1"
  chmod 755 "$1"
  if is_root; then chown "$2:$2" "$1"; fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ================================================================ PostgreSQL

PG_BIN=""
find_pg_bin() {
  [ -n "$PG_BIN" ] && return 0
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/pg_basebackup" ]; then PG_BIN="$d"; return 0; fi
  done
  return 1
}
ensure_pg() {
  find_pg_bin && return 0
  apt_install postgresql
  find_pg_bin || die "PostgreSQL binaries not found even after install"
}

as_pg() { if is_root; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi; }

# A node is a directory $BASE/pg/<name> holding data/, run/ (socket) and postgres.log.
pg_dir() { echo "$BASE/pg/$1"; }
pg_running() {
  local dir; dir="$(pg_dir "$1")"
  [ -f "$dir/data/postmaster.pid" ] || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}
pg_sql() { # pg_sql PORT NAME [psql args...]: superuser over the node's socket
  local port="$1" name="$2"; shift 2
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(pg_dir "$name")/run" -p "$port" -U postgres -d postgres "$@"
}

pg_node_conf() { # pg_node_conf NAME PORT: (re)writes the node's own settings
  local name="$1" port="$2" dir; dir="$(pg_dir "$1")"
  cat >"$dir/data/polysql.conf" <<EOF
# Managed by scripts/cluster.sh -- rewritten on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 200
shared_buffers = 64MB
fsync = off
full_page_writes = off
# Commits flush their WAL, so walsenders ship it at once (fsync is off: flushing costs nothing).
synchronous_commit = on
wal_writer_delay = 10ms
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
password_encryption = 'scram-sha-256'
cluster_name = '$name'
EOF
  grep -q "^include_if_exists = 'polysql.conf'" "$dir/data/postgresql.conf" || printf "\ninclude_if_exists = 'polysql.conf'\n" >>"$dir/data/postgresql.conf"
  cat >"$dir/data/pg_hba.conf" <<EOF
# Managed by scripts/cluster.sh
local   all           all                      trust
host    replication   replicator  127.0.0.1/32 trust
host    all           all         127.0.0.1/32 scram-sha-256
EOF
  if is_root; then chown postgres:postgres "$dir/data/polysql.conf" "$dir/data/pg_hba.conf"; fi
}

pg_start_node() { # pg_start_node NAME PORT
  local name="$1" port="$2" dir; dir="$(pg_dir "$1")"
  pg_node_conf "$name" "$port"
  if pg_running "$name"; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$dir/data" >/dev/null 2>&1 || true
    return 0
  fi
  port_busy "$port" && die "port $port is in use by something else"
  rm -f "$dir/data/postmaster.pid"
  touch "$dir/postgres.log"; if is_root; then chown postgres:postgres "$dir/postgres.log"; fi
  if ! as_pg setsid "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" -w -t "$READY_TIMEOUT" >/dev/null 2>&1 9>&-; then
    log_tail "$dir/postgres.log"
    die "pg_ctl start failed for $name (port $port)"
  fi
}

pg_stop_node() {
  local name="$1" dir; dir="$(pg_dir "$1")"
  find_pg_bin || return 0
  [ -d "$dir/data" ] || return 0
  pg_running "$name" || return 0
  log "stopping postgres $name"
  as_pg "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null 2>&1 || { log_tail "$dir/postgres.log"; die "pg_ctl stop failed for $name"; }
}

pg_init_primary() { # pg_init_primary NAME PORT: initdb when needed; prints "fresh" when it did
  local name="$1" port="$2" dir; dir="$(pg_dir "$1")"
  ensure_os_user postgres
  own_dir "$BASE/pg" postgres
  own_dir "$dir" postgres
  own_dir "$dir/run" postgres
  if [ ! -f "$dir/.initialized" ] || [ ! -s "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir/data" "$dir/.initialized"
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
      || { log_tail "$dir/initdb.log"; die "initdb failed for $name"; }
    touch "$dir/.initialized"
    echo fresh
  fi
}

pg_setup_primary() { # roles and database, on a running primary
  local name="$1" port="$2"
  pg_sql "$port" "$name" <<EOF >/dev/null
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN CREATE ROLE $DB_USER; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') THEN CREATE ROLE replicator; END IF;
END
\$\$;
ALTER ROLE $DB_USER WITH SUPERUSER LOGIN PASSWORD '$DB_PASS';
ALTER ROLE replicator WITH REPLICATION LOGIN;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
EOF
}

# A standby cloned from a running primary: pg_basebackup -R (standby.signal + primary_conninfo)
# with its own physical replication slot, so the primary keeps the WAL it still needs.
pg_make_standby() { # pg_make_standby NAME PORT PRIMARY_PORT SLOT
  local name="$1" port="$2" primary_port="$3" slot="$4" dir; dir="$(pg_dir "$1")"
  own_dir "$dir" postgres
  own_dir "$dir/run" postgres
  rm -rf "$dir/data" "$dir/.initialized"
  log "pg_basebackup $name from :$primary_port (slot $slot)"
  as_pg "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$primary_port" -U replicator -d postgres \
    -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot' AND NOT active" >/dev/null 2>&1 || true
  as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U replicator -D "$dir/data" -R -X stream -C -S "$slot" -c fast >"$dir/basebackup.log" 2>&1 \
    || { log_tail "$dir/basebackup.log"; die "pg_basebackup failed for $name"; }
  touch "$dir/.initialized"
}

pg_is_standby() { [ -f "$(pg_dir "$1")/data/standby.signal" ]; }

pg_wait_streaming() { # pg_wait_streaming PRIMARY_NAME PRIMARY_PORT COUNT: until COUNT standbys stream
  local name="$1" port="$2" count="$3" i n
  for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    n="$(pg_sql "$port" "$name" -At -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null || echo 0)"
    [ "$n" -ge "$count" ] && return 0
    sleep 0.25
  done
  die "$count standby(s) of $name did not reach 'streaming' within ${READY_TIMEOUT}s"
}

pg_replicas_start() {
  ensure_pg
  local fresh delay="${POLYSQL_PG_REPLICA2_DELAY:-0}"
  fresh="$(pg_init_primary pg-primary "$PG_PRIMARY_PORT")"
  if [ "$fresh" = fresh ]; then rm -rf "$(pg_dir pg-replica1)" "$(pg_dir pg-replica2)"; fi
  pg_start_node pg-primary "$PG_PRIMARY_PORT"
  pg_setup_primary pg-primary "$PG_PRIMARY_PORT"
  local r port slot
  for r in 1 2; do
    port=$((PG_PRIMARY_PORT + r)); slot="replica$r"
    if [ ! -f "$(pg_dir "pg-replica$r")/.initialized" ] || ! pg_is_standby "pg-replica$r"; then
      pg_stop_node "pg-replica$r"
      pg_make_standby "pg-replica$r" "$port" "$PG_PRIMARY_PORT" "$slot"
      if [ "$r" = 2 ] && [ "$delay" != 0 ]; then
        printf "recovery_min_apply_delay = '%s'\n" "$delay" >>"$(pg_dir pg-replica2)/data/postgresql.auto.conf"
      fi
    fi
    pg_start_node "pg-replica$r" "$port"
  done
  pg_wait_streaming pg-primary "$PG_PRIMARY_PORT" 2
}

pg_replicas_stop() {
  find_pg_bin || return 0
  pg_stop_node pg-replica2
  pg_stop_node pg-replica1
  pg_stop_node pg-primary
}

# The failover pair: rebuilt whenever it is not "a primary and its standby" any more
# (the test stops the primary and promotes the standby).
pg_failover_start() {
  ensure_pg
  local healthy=1
  if [ ! -f "$(pg_dir pgf-primary)/.initialized" ] || pg_is_standby pgf-primary || [ ! -f "$(pg_dir pgf-standby)/.initialized" ] || ! pg_is_standby pgf-standby; then
    healthy=0
  elif pg_running pgf-standby && ! pg_running pgf-primary; then
    healthy=0
  fi
  if [ "$healthy" = 0 ] && [ -d "$(pg_dir pgf-primary)" ]; then
    log "pg-failover is not a primary and its standby any more: rebuilding it"
    pg_stop_node pgf-standby
    pg_stop_node pgf-primary
    rm -rf "$(pg_dir pgf-primary)" "$(pg_dir pgf-standby)"
  fi
  pg_init_primary pgf-primary "$PGF_PRIMARY_PORT" >/dev/null
  pg_start_node pgf-primary "$PGF_PRIMARY_PORT"
  pg_setup_primary pgf-primary "$PGF_PRIMARY_PORT"
  if [ ! -f "$(pg_dir pgf-standby)/.initialized" ]; then
    pg_make_standby pgf-standby "$PGF_STANDBY_PORT" "$PGF_PRIMARY_PORT" standby1
  fi
  pg_start_node pgf-standby "$PGF_STANDBY_PORT"
  pg_wait_streaming pgf-primary "$PGF_PRIMARY_PORT" 1
}

pg_failover_stop() {
  find_pg_bin || return 0
  pg_stop_node pgf-standby
  pg_stop_node pgf-primary
}

pg_status_node() {
  local name="$1" port="$2" role=""
  if find_pg_bin && [ -d "$(pg_dir "$name")/data" ] && pg_running "$name"; then
    role="$(pg_sql "$port" "$name" -At -c "SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END" 2>/dev/null || echo '?')"
    echo "$name: running (127.0.0.1:$port, $role)"
  else
    echo "$name: stopped"
  fi
}

# ================================================================ PgBouncer

PGB_DIR="$BASE/pgbouncer"
ensure_pgbouncer() {
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || apt_install pgbouncer
}
pgb_bin() { command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer; }
pgb_pid() {
  [ -f "$PGB_DIR/pgbouncer.pid" ] || return 1
  local pid; pid="$(cat "$PGB_DIR/pgbouncer.pid" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ] && echo "$pid"
}

pgbouncer_start() {
  ensure_pgbouncer
  ensure_os_user postgres
  ensure_pg
  pg_running pg-primary || pg_replicas_start
  own_dir "$PGB_DIR" postgres
  cat >"$PGB_DIR/pgbouncer.ini" <<EOF
; Managed by scripts/cluster.sh -- rewritten on every start.
[databases]
* = host=127.0.0.1 port=$PG_PRIMARY_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $PGB_DIR/userlist.txt
admin_users = $DB_USER
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = $PGB_DIR/pgbouncer.log
pidfile = $PGB_DIR/pgbouncer.pid
EOF
  printf '"%s" "%s"\n' "$DB_USER" "$DB_PASS" >"$PGB_DIR/userlist.txt"
  chmod 600 "$PGB_DIR/userlist.txt"
  if is_root; then chown postgres:postgres "$PGB_DIR/pgbouncer.ini" "$PGB_DIR/userlist.txt"; fi
  if pgb_pid >/dev/null; then
    kill -HUP "$(pgb_pid)" 2>/dev/null || true
  else
    port_busy "$PGB_PORT" && die "port $PGB_PORT is in use by something else"
    rm -f "$PGB_DIR/pgbouncer.pid"
    as_pg setsid "$(pgb_bin)" -d "$PGB_DIR/pgbouncer.ini" >/dev/null 2>&1 9>&- || { log_tail "$PGB_DIR/pgbouncer.log"; die "pgbouncer did not start"; }
  fi
  local i
  for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    if as_pg env PGPASSWORD="$DB_PASS" "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PGB_PORT" -U "$DB_USER" -d "$DB_NAME" -c "SELECT 1" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.25
  done
  log_tail "$PGB_DIR/pgbouncer.log"
  die "pgbouncer did not answer on 127.0.0.1:$PGB_PORT within ${READY_TIMEOUT}s"
}

pgbouncer_stop() {
  local pid i
  pid="$(pgb_pid)" || return 0
  log "stopping pgbouncer"
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
}

# ================================================================ MariaDB

MY_SERVER="" MY_CLIENT="" MY_ADMIN="" MY_INSTALL_DB=""
find_first() {
  local c
  for c in "$@"; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
    [ -x "/usr/sbin/$c" ] && { echo "/usr/sbin/$c"; return 0; }
    [ -x "/usr/bin/$c" ] && { echo "/usr/bin/$c"; return 0; }
  done
  return 1
}
ensure_mariadb() {
  if ! MY_SERVER="$(find_first mariadbd mysqld)" || ! MY_CLIENT="$(find_first mariadb mysql)" || ! MY_ADMIN="$(find_first mariadb-admin mysqladmin)" \
    || ! MY_INSTALL_DB="$(find_first mariadb-install-db mysql_install_db)"; then
    apt_install mariadb-server mariadb-client
    MY_SERVER="$(find_first mariadbd mysqld)" && MY_CLIENT="$(find_first mariadb mysql)" && MY_ADMIN="$(find_first mariadb-admin mysqladmin)" \
      && MY_INSTALL_DB="$(find_first mariadb-install-db mysql_install_db)" || die "MariaDB binaries not found even after install"
  fi
}
ensure_galera() {
  local missing=()
  [ -f /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  command -v lsof >/dev/null 2>&1 || command -v ss >/dev/null 2>&1 || missing+=(lsof)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# A node is a directory $BASE/mariadb/<name> with my.cnf, data/, the socket, pid and error log.
my_dir() { echo "$BASE/mariadb/$1"; }
my_pid() { # the server's pid: from its pid file, or (while a Galera joiner has none yet) the launch
  local f pid
  for f in "$(my_dir "$1")/mariadb.pid" "$(my_dir "$1")/launch.pid"; do
    [ -f "$f" ] || continue
    pid="$(cat "$f" 2>/dev/null)" || continue
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || continue
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in mariadbd | mysqld) echo "$pid"; return 0 ;; esac
  done
  return 1
}
my_running() { my_pid "$1" >/dev/null; }
my_sql() { # my_sql NAME [client args...]: root over the node's socket
  local name="$1"; shift
  "$MY_CLIENT" --no-defaults --protocol=socket -S "$(my_dir "$name")/mariadb.sock" -uroot "$@"
}

# Writes $dir/my.cnf: the shared settings, then the node's own lines from stdin.
my_write_cnf() {
  local name="$1" port="$2" dir; dir="$(my_dir "$1")"
  {
    cat <<EOF
# Managed by scripts/cluster.sh -- rewritten on every start.
[mysqld]
user = mysql
datadir = $dir/data
port = $port
bind-address = 127.0.0.1
socket = $dir/mariadb.sock
pid-file = $dir/mariadb.pid
log-error = $dir/mariadb.err
skip-name-resolve
max-connections = 300
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
innodb-buffer-pool-size = 64M
innodb-log-file-size = 32M
innodb-flush-log-at-trx-commit = 0
innodb-doublewrite = 0
innodb-buffer-pool-dump-at-shutdown = 0
innodb-buffer-pool-load-at-startup = 0
sync-binlog = 0
binlog-format = ROW
EOF
    cat
  } >"$dir/my.cnf"
  chmod 644 "$dir/my.cnf"
}

my_init_node() { # my_init_node NAME: install-db when needed; prints "fresh" when it did
  local name="$1" dir; dir="$(my_dir "$1")"
  ensure_os_user mysql
  own_dir "$BASE/mariadb" mysql
  own_dir "$dir" mysql
  if [ ! -f "$dir/.initialized" ] || [ ! -d "$dir/data/mysql" ]; then
    rm -rf "$dir/data" "$dir/.initialized" "$dir/grastate.ok"
    local user_opt=(); if is_root; then user_opt=(--user=mysql); fi
    "$MY_INSTALL_DB" --no-defaults "${user_opt[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal --skip-test-db >"$dir/install-db.log" 2>&1 \
      || { log_tail "$dir/install-db.log"; die "mariadb-install-db failed for $name"; }
    touch "$dir/.initialized"
    echo fresh
  fi
}

my_launch() { # my_launch NAME [extra server args...]
  local name="$1" dir; dir="$(my_dir "$1")"; shift
  rm -f "$dir/mariadb.pid" "$dir/launch.pid" "$dir/mariadb.sock" "$dir/mariadb.sock.lock"
  touch "$dir/mariadb.err"; if is_root; then chown mysql:mysql "$dir/mariadb.err"; fi
  setsid "$MY_SERVER" --defaults-file="$dir/my.cnf" "$@" </dev/null >>"$dir/mariadb.err" 2>&1 9>&- &
  # The pid file appears only once the server is up; a joining Galera node first spends its state transfer without one.
  echo $! >"$dir/launch.pid"
  disown || true
}


my_wait_ready() { # my_wait_ready NAME [timeout seconds]
  local name="$1" limit="${2:-$READY_TIMEOUT}" dir i; dir="$(my_dir "$1")"
  for ((i = 0; i < limit * 4; i++)); do
    "$MY_ADMIN" --no-defaults --protocol=socket -S "$dir/mariadb.sock" -uroot --connect-timeout=2 ping >/dev/null 2>&1 && return 0
    if ((i > 8)) && ! my_running "$name"; then log_tail "$dir/mariadb.err"; die "mariadbd $name exited during startup"; fi
    sleep 0.25
  done
  log_tail "$dir/mariadb.err"
  die "MariaDB $name did not become ready within ${limit}s"
}

my_stop_node() {
  local name="$1" pid i
  pid="$(my_pid "$name")" || return 0
  log "stopping mariadb $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 480; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  log "mariadb $name did not stop within 120s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# The application and admin accounts (run once on a primary; replication copies them).
my_accounts_sql() {
  local host
  for host in 127.0.0.1 localhost; do
    cat <<EOF
CREATE USER IF NOT EXISTS '$DB_USER'@'$host' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'$host';
GRANT PROCESS, SLAVE MONITOR, BINLOG MONITOR, REPLICATION CLIENT ON *.* TO '$DB_USER'@'$host';
CREATE USER IF NOT EXISTS '$ADMIN_USER'@'$host' IDENTIFIED BY '$ADMIN_PASS';
GRANT ALL PRIVILEGES ON *.* TO '$ADMIN_USER'@'$host' WITH GRANT OPTION;
EOF
  done
  echo "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
}

mariadb_replica_start() {
  ensure_mariadb
  local fresh primary=my-primary replica=my-replica
  fresh="$(my_init_node "$primary")"
  if [ "$fresh" = fresh ]; then my_stop_node "$replica"; rm -rf "$(my_dir "$replica")"; fi
  my_write_cnf "$primary" "$MY_PRIMARY_PORT" <<EOF
server-id = 1
log-bin = mysql-bin
log-slave-updates = ON
gtid-strict-mode = ON
gtid-domain-id = 0
EOF
  if ! my_running "$primary"; then my_launch "$primary"; fi
  my_wait_ready "$primary"
  if [ ! -f "$(my_dir "$primary")/.accounts" ]; then
    { echo "CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';"; my_accounts_sql; } \
      | my_sql "$primary" || die "account setup failed on $primary"
    touch "$(my_dir "$primary")/.accounts"
  fi
  local rfresh
  rfresh="$(my_init_node "$replica")"
  my_write_cnf "$replica" "$MY_REPLICA_PORT" <<EOF
server-id = 2
log-bin = mysql-bin
log-slave-updates = ON
gtid-strict-mode = ON
relay-log = relay-bin
read-only = ON
EOF
  if ! my_running "$replica"; then my_launch "$replica"; fi
  my_wait_ready "$replica"
  if [ "$rfresh" = fresh ] || [ ! -f "$(my_dir "$replica")/.replicating" ]; then
    my_sql "$replica" -e "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = '';
      CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $MY_PRIMARY_PORT, MASTER_USER = 'repl', MASTER_PASSWORD = 'repl',
        MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1; START SLAVE;" || die "CHANGE MASTER failed on $replica"
    touch "$(my_dir "$replica")/.replicating"
  fi
  # Ready when the replica runs both threads and has the primary's accounts.
  local i status
  for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    status="$(my_sql "$replica" -N -B -e "SELECT COUNT(*) FROM mysql.user WHERE user = '$DB_USER'" 2>/dev/null || echo 0)"
    if [ "$status" -ge 1 ] && my_sql "$replica" -e "SHOW SLAVE STATUS\G" 2>/dev/null | grep -q "Slave_SQL_Running: Yes"; then return 0; fi
    sleep 0.25
  done
  my_sql "$replica" -e "SHOW SLAVE STATUS\G" >&2 || true
  die "the MariaDB replica did not start replicating within ${READY_TIMEOUT}s"
}

mariadb_replica_stop() {
  ensure_mariadb
  my_stop_node my-replica
  my_stop_node my-primary
}

# ---------------------------------------------------------------- Galera

galera_cnf() { # galera_cnf N (0-based)
  local n="$1" name="galera$(($1 + 1))" address
  address="gcomm://127.0.0.1:${GALERA_GCOMM[0]},127.0.0.1:${GALERA_GCOMM[1]},127.0.0.1:${GALERA_GCOMM[2]}"
  my_write_cnf "$name" "${GALERA_PORTS[$n]}" <<EOF
default-storage-engine = InnoDB
innodb-autoinc-lock-mode = 2
wsrep-on = ON
wsrep-provider = /usr/lib/galera/libgalera_smm.so
wsrep-cluster-name = polysql_galera
wsrep-cluster-address = $address
wsrep-node-name = $name
wsrep-node-address = 127.0.0.1:${GALERA_GCOMM[$n]}
wsrep-node-incoming-address = 127.0.0.1:${GALERA_PORTS[$n]}
wsrep-provider-options = "gmcast.listen_addr=tcp://127.0.0.1:${GALERA_GCOMM[$n]};ist.recv_addr=127.0.0.1:${GALERA_IST[$n]};gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT5S"
wsrep-sst-method = rsync
wsrep-sst-receive-address = 127.0.0.1:${GALERA_SST[$n]}
wsrep-slave-threads = 2
EOF
}

galera_synced() { # galera_synced NAME: wsrep_local_state 4 and wsrep_ready ON
  local out
  out="$(my_sql "$1" -N -B -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_LOCAL_STATE', 'WSREP_READY') ORDER BY VARIABLE_NAME" 2>/dev/null | tr '\n' ' ')"
  [ "$out" = "4 ON " ]
}

galera_wait_synced() {
  local name="$1" limit="${2:-$READY_TIMEOUT}" i
  for ((i = 0; i < limit * 4; i++)); do
    galera_synced "$name" && return 0
    if ((i > 8)) && ! my_running "$name"; then log_tail "$(my_dir "$name")/mariadb.err"; die "galera node $name exited while joining"; fi
    sleep 0.25
  done
  log_tail "$(my_dir "$name")/mariadb.err"
  die "galera node $name was not Synced within ${limit}s"
}

# Starts the given galera nodes (0-based indexes): the first one bootstraps a new cluster when no node
# runs (the node whose grastate.dat says safe_to_bootstrap, else the first asked for); the others join.
galera_start_nodes() {
  ensure_mariadb
  ensure_galera
  local n name any=0 wanted=("$@")
  for n in 0 1 2; do my_running "galera$((n + 1))" && any=1; done
  for n in "${wanted[@]}"; do
    my_init_node "galera$((n + 1))" >/dev/null
    galera_cnf "$n"
  done
  if [ "$any" = 0 ]; then
    local boot="${wanted[0]}"
    for n in "${wanted[@]}"; do
      grep -q '^safe_to_bootstrap: 1' "$(my_dir "galera$((n + 1))")/data/grastate.dat" 2>/dev/null && boot="$n"
    done
    name="galera$((boot + 1))"
    sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$(my_dir "$name")/data/grastate.dat" 2>/dev/null || true
    log "bootstrapping a new galera cluster on $name"
    my_launch "$name" --wsrep-new-cluster
    my_wait_ready "$name"
    galera_wait_synced "$name"
    if [ ! -f "$(my_dir "$name")/.accounts" ]; then
      my_accounts_sql | my_sql "$name" || die "account setup failed on $name"
      touch "$(my_dir "$name")/.accounts"
    fi
  fi
  # Joiners one at a time: a donor serves one state transfer at a time.
  for n in "${wanted[@]}"; do
    name="galera$((n + 1))"
    if ! my_running "$name"; then
      log "joining $name"
      my_launch "$name"
    fi
    my_wait_ready "$name" 180
    galera_wait_synced "$name" 180
  done
}

galera_stop_nodes() {
  ensure_mariadb
  local n
  for n in "$@"; do my_stop_node "galera$((n + 1))"; done
}

galera_status() {
  ensure_mariadb
  local n name state
  for n in 0 1 2; do
    name="galera$((n + 1))"
    if my_running "$name"; then
      state="$(my_sql "$name" -N -B -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'" 2>/dev/null || echo '?')"
      echo "$name: running (127.0.0.1:${GALERA_PORTS[$n]}, $state)"
    else
      echo "$name: stopped"
    fi
  done
}

# ================================================================ URLs

print_urls() {
  local t
  for t in "$@"; do
    case "$t" in
      pg-replicas)
        echo "export POLYSQL_PG_PRIMARY_URL=postgres://$DB_USER:$DB_PASS@127.0.0.1:$PG_PRIMARY_PORT/$DB_NAME"
        echo "export POLYSQL_PG_REPLICA_URLS=postgres://$DB_USER:$DB_PASS@127.0.0.1:$PG_REPLICA1_PORT/$DB_NAME,postgres://$DB_USER:$DB_PASS@127.0.0.1:$PG_REPLICA2_PORT/$DB_NAME"
        ;;
      pg-failover)
        echo "export POLYSQL_PGF_URL=postgres://$DB_USER:$DB_PASS@127.0.0.1:$PGF_PRIMARY_PORT,127.0.0.1:$PGF_STANDBY_PORT/$DB_NAME"
        ;;
      pgbouncer)
        echo "export POLYSQL_PGBOUNCER_URL=postgres://$DB_USER:$DB_PASS@127.0.0.1:$PGB_PORT/$DB_NAME"
        ;;
      mariadb-replica)
        echo "export POLYSQL_MYSQL_PRIMARY_URL=mysql://$DB_USER:$DB_PASS@127.0.0.1:$MY_PRIMARY_PORT/$DB_NAME"
        echo "export POLYSQL_MYSQL_REPLICA_URLS=mysql://$DB_USER:$DB_PASS@127.0.0.1:$MY_REPLICA_PORT/$DB_NAME"
        ;;
      galera | galera1 | galera2 | galera3)
        echo "export POLYSQL_GALERA_URL=mysql://$DB_USER:$DB_PASS@127.0.0.1:${GALERA_PORTS[0]},127.0.0.1:${GALERA_PORTS[1]},127.0.0.1:${GALERA_PORTS[2]}/$DB_NAME"
        ;;
    esac
  done
}

# ================================================================ main

[ $# -ge 1 ] || usage
cmd="$1"; shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(all)
expanded=()
for t in "${targets[@]}"; do
  case "$t" in
    all) expanded+=(pg-replicas pgbouncer pg-failover mariadb-replica galera) ;;
    pg-replicas | pg-failover | pgbouncer | mariadb-replica | galera | galera1 | galera2 | galera3) expanded+=("$t") ;;
    pgf-primary | pgf-standby) expanded+=("$t") ;;
    *) die "unknown target '$t' (expected pg-replicas, pg-failover, pgbouncer, mariadb-replica, galera, galera1..3 or all)" ;;
  esac
done

case "$cmd" in
  start)
    take_lock
    for t in "${expanded[@]}"; do
      t0="$(now_ms)"
      log "starting $t"
      case "$t" in
        pg-replicas) pg_replicas_start ;;
        pg-failover) pg_failover_start ;;
        pgbouncer) pgbouncer_start ;;
        mariadb-replica) mariadb_replica_start ;;
        galera) galera_start_nodes 0 1 2 ;;
        galera1) galera_start_nodes 0 ;;
        galera2) galera_start_nodes 1 ;;
        galera3) galera_start_nodes 2 ;;
      esac
      log "$t ready in $(elapsed_since "$t0") s"
    done
    print_urls "${expanded[@]}"
    ;;
  stop)
    take_lock
    # PgBouncer before the primary it fronts.
    for t in pgbouncer pg-replicas pg-failover pgf-primary mariadb-replica galera galera1 galera2 galera3; do
      [[ " ${expanded[*]} " == *" $t "* ]] || continue
      case "$t" in
        pg-replicas) pg_replicas_stop ;;
        pg-failover) pg_failover_stop ;;
        pgf-primary)
          ensure_pg
          log "crashing pgf-primary (pg_ctl stop -m immediate)"
          pg_running pgf-primary && as_pg "$PG_BIN/pg_ctl" stop -D "$(pg_dir pgf-primary)/data" -m immediate -w -t 60 >/dev/null 2>&1
          ;;
        pgbouncer) pgbouncer_stop ;;
        mariadb-replica) mariadb_replica_stop ;;
        galera) galera_stop_nodes 2 1 0 ;;
        galera1) galera_stop_nodes 0 ;;
        galera2) galera_stop_nodes 1 ;;
        galera3) galera_stop_nodes 2 ;;
      esac
    done
    log "stopped: ${expanded[*]}"
    ;;
  status)
    for t in "${expanded[@]}"; do
      case "$t" in
        pg-replicas) pg_status_node pg-primary "$PG_PRIMARY_PORT"; pg_status_node pg-replica1 "$PG_REPLICA1_PORT"; pg_status_node pg-replica2 "$PG_REPLICA2_PORT" ;;
        pg-failover) pg_status_node pgf-primary "$PGF_PRIMARY_PORT"; pg_status_node pgf-standby "$PGF_STANDBY_PORT" ;;
        pgbouncer) if pgb_pid >/dev/null; then echo "pgbouncer: running (127.0.0.1:$PGB_PORT)"; else echo "pgbouncer: stopped"; fi ;;
        mariadb-replica)
          ensure_mariadb
          for n in my-primary:$MY_PRIMARY_PORT my-replica:$MY_REPLICA_PORT; do
            if my_running "${n%%:*}"; then echo "${n%%:*}: running (127.0.0.1:${n#*:})"; else echo "${n%%:*}: stopped"; fi
          done
          ;;
        galera | galera1 | galera2 | galera3) galera_status ;;
      esac
    done
    ;;
  promote)
    take_lock
    [ "${expanded[*]}" = pgf-standby ] || die "promote takes pgf-standby"
    ensure_pg
    log "promoting pgf-standby (pg_ctl promote -w)"
    as_pg "$PG_BIN/pg_ctl" promote -D "$(pg_dir pgf-standby)/data" -w -t 60 >/dev/null 2>&1 || die "pg_ctl promote failed"
    ;;
  -h | --help | help) usage ;;
  *) die "unknown command '$cmd' (expected start, stop, status or promote)" ;;
esac
