#!/usr/bin/env bash
# Starts (or stops) a PRIVATE RabbitMQ node and PostgreSQL cluster for the scale-out tests:
# their own ports, folders, epmd and node name, so nothing on the host is touched and several
# checkouts can run side by side. Installs rabbitmq-server with apt when missing (~8 s).
#
#   scripts/services.sh start [DIR]   prints and writes DIR/env:
#                                     FJORD_TEST_BROKER=amqp://fjord:…@127.0.0.1:PORT/fjord
#                                     FJORD_TEST_STORE=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#                                     FJORD_TEST_BROKER_TLS=amqps://…@localhost:PORT/fjord, and
#                                     FJORD_TEST_TLS_CA (the CA of both servers' TLS certificate)
#                                     FJORD_TEST_REDIS=redis://fjord:…@127.0.0.1:PORT (a private
#                                     redis-server as Fjord requires it: AOF, appendfsync always,
#                                     noeviction; a least-privilege ACL user, default user behind a password)
#                                     FJORD_TEST_REDIS_TLS=rediss://fjord:…@localhost:PORT (the same
#                                     server's TLS port, with the certificate of FJORD_TEST_TLS_CA)
#   scripts/services.sh stop [DIR]    stops what start started, by PID
#   scripts/services.sh ctl DIR ARGS  rabbitmqctl ARGS against the private node (test hook)
#   scripts/services.sh kill-redis DIR / start-redis DIR   SIGKILL Redis by PID / start it again
#                                     on the same port and AOF (test hooks for the fault tests)
#
# DIR defaults to /tmp/fjord-services. start is idempotent: when DIR/env names live servers it
# reuses them. Processes are only ever stopped by the PIDs recorded in DIR.
set -euo pipefail

cmd=${1:-start}
dir=${2:-${FJORD_SERVICES_DIR:-/tmp/fjord-services}}
pgbin=/usr/lib/postgresql/15/bin

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stop() {
    if [ -f "$dir/pg/postmaster.pid" ]; then
        runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    for name in rabbit epmd redis; do
        if alive "$dir/$name.pid"; then
            pid=$(cat "$dir/$name.pid")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/$name.pid"
    done
    rm -f "$dir/env"
}

rabbit_env() {
    # shellcheck disable=SC1091
    . "$dir/ports"
    node="fjordtest$amqp@localhost"
    # HOME holds the node's private Erlang cookie, so rabbitmqctl can talk to it.
    export ERL_EPMD_PORT=$epmdport HOME=$dir/rabbit
    export RABBITMQ_NODENAME=$node RABBITMQ_NODE_PORT=$amqp RABBITMQ_DIST_PORT=$dist \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=$dir/rabbit/mnesia \
        RABBITMQ_LOG_BASE=$dir/rabbit/log RABBITMQ_CONFIG_FILE=$dir/rabbit/rabbitmq.conf \
        RABBITMQ_PID_FILE=$dir/rabbit/pid RABBITMQ_ENABLED_PLUGINS_FILE=$dir/rabbit/enabled_plugins
}

ctl() { runuser -u rabbitmq -p -- /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" "$@" >/dev/null; }

start_rabbit() {
    rabbit_env
    rm -f "$dir/rabbit/pid"
    runuser -u rabbitmq -p -- /usr/lib/rabbitmq/bin/rabbitmq-server >>"$dir/rabbit/stdout.log" 2>&1 &
    for _ in $(seq 300); do [ -s "$dir/rabbit/pid" ] && break; sleep 0.1; done
    cat "$dir/rabbit/pid" >"$dir/rabbit.pid"
    ctl await_startup --timeout 60
}

wait_amqp() {
    # The AMQP port accepts a few moments after await_startup on a cold node.
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$amqp) 2>/dev/null && break; sleep 0.1; done
}

# Test hooks for the broker-crash tests: SIGKILL the node by its PID, and start it again on the
# same ports and data (quorum queues and persistent messages must survive).
if [ "$cmd" = kill-broker ]; then
    alive "$dir/rabbit.pid" && kill -9 "$(cat "$dir/rabbit.pid")"
    exit 0
fi
if [ "$cmd" = start-broker ]; then
    start_rabbit
    wait_amqp
    exit 0
fi

# Redis: its own port, folder and AOF; loopback only. The ACL user may touch only fjord:* keys
# and channels, and no dangerous command but CONFIG GET (Fjord checks the durability settings at
# start). The admin password (for test hooks: CONFIG SET) stays in DIR/redis/admin. The default
# user keeps every right behind that password and must not be turned off: Redis replays the
# AOF's MULTI/EXEC blocks (every Lua script's writes) as the default user and re-checks ACLs at
# EXEC, so with `user default off` a restart silently drops them (redis/redis#14541).
start_redis() {
    # shellcheck disable=SC1091
    . "$dir/redis/ports"
    redis-server "$dir/redis/redis.conf" >>"$dir/redis/stdout.log" 2>&1 &
    echo $! >"$dir/redis.pid"
    for _ in $(seq 100); do
        redis-cli -p "$redisport" --user admin --pass "$(cat "$dir/redis/admin")" --no-auth-warning ping >/dev/null 2>&1 && break
        sleep 0.1
    done
}

if [ "$cmd" = kill-redis ]; then
    alive "$dir/redis.pid" && kill -9 "$(cat "$dir/redis.pid")"
    exit 0
fi
if [ "$cmd" = start-redis ]; then
    start_redis
    exit 0
fi

# Test hook: rabbitmqctl against the private node (e.g. a policy that makes the broker refuse
# publishes): scripts/services.sh ctl DIR ARGS...
if [ "$cmd" = ctl ]; then
    shift 2
    rabbit_env
    runuser -u rabbitmq -p -- /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" "$@"
    exit
fi

if [ "$cmd" = stop ]; then
    stop
    rm -rf "$dir"
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop|kill-broker|start-broker|kill-redis|start-redis [DIR]" >&2; exit 2; }

if [ -f "$dir/env" ] && alive "$dir/rabbit.pid" && alive "$dir/redis.pid" && [ -f "$dir/pg/postmaster.pid" ] && kill -0 "$(head -1 "$dir/pg/postmaster.pid")" 2>/dev/null; then
    cat "$dir/env"
    exit 0
fi

need=()
command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
[ -x "$pgbin/initdb" ] || need+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

stop
rm -rf "$dir" && mkdir -p "$dir/rabbit/mnesia" "$dir/rabbit/log" "$dir/pg" "$dir/redis"
chmod 755 "$dir"
chown -R rabbitmq:rabbitmq "$dir/rabbit"
chown postgres:postgres "$dir/pg"

amqp=$(free_port); dist=$(free_port); epmdport=$(free_port); pgport=$(free_port); amqps=$(free_port); redisport=$(free_port); redistls=$(free_port)
node="fjordtest$amqp@localhost"

# TLS for all three servers (Redis too: its TLS port), with a private CA made here: the TLS tests connect with amqps:// and
# SSL Mode=VerifyFull against it (and are refused under a CA of their own). The server
# certificate names localhost and 127.0.0.1. Every other test (and the bench) stays on plain
# connections: the store URI says sslmode=disable, since Npgsql would otherwise prefer TLS.
mkdir -p "$dir/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=fjord test CA" \
    -keyout "$dir/tls/ca.key" -out "$dir/tls/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/tls/server.key" -out "$dir/tls/server.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/tls/san.ext"
openssl x509 -req -in "$dir/tls/server.csr" -CA "$dir/tls/ca.pem" -CAkey "$dir/tls/ca.key" -CAcreateserial \
    -days 30 -extfile "$dir/tls/san.ext" -out "$dir/tls/server.pem" >/dev/null 2>&1
mkdir -p "$dir/pg-tls" "$dir/rabbit/tls"
cp "$dir/tls/server.pem" "$dir/tls/server.key" "$dir/pg-tls/"
cp "$dir/tls/ca.pem" "$dir/tls/server.pem" "$dir/tls/server.key" "$dir/rabbit/tls/"
chown -R postgres:postgres "$dir/pg-tls"; chmod 700 "$dir/pg-tls"; chmod 600 "$dir/pg-tls/server.key"
chown -R rabbitmq:rabbitmq "$dir/rabbit/tls"; chmod 600 "$dir/rabbit/tls/server.key"

# PostgreSQL: trust auth on loopback only; fsync stays on (the tests are about durability).
runuser -u postgres -- "$pgbin/initdb" -D "$dir/pg" -U postgres --auth=trust >"$dir/pg-init.log" 2>&1
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" \
    -o "-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c ssl=on -c ssl_cert_file=$dir/pg-tls/server.pem -c ssl_key_file=$dir/pg-tls/server.key" -w start >/dev/null

# RabbitMQ: a private epmd on its own port, so stopping is by PID and never touches another node.
# consumer_timeout: 3.10 has no per-queue x-consumer-timeout, so the node's limit is set above
# any function timeout here (deploy.md says the same for production nodes).
cat >"$dir/rabbit/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
listeners.ssl.default = 127.0.0.1:$amqps
ssl_options.cacertfile = $dir/rabbit/tls/ca.pem
ssl_options.certfile = $dir/rabbit/tls/server.pem
ssl_options.keyfile = $dir/rabbit/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
consumer_timeout = 7200000
loopback_users = none
CONF
echo "[]." >"$dir/rabbit/enabled_plugins"
chown rabbitmq:rabbitmq "$dir/rabbit/rabbitmq.conf" "$dir/rabbit/enabled_plugins"
echo "amqp=$amqp dist=$dist epmdport=$epmdport" >"$dir/ports"
rabbit_env
runuser -u rabbitmq -- epmd -port "$epmdport" >/dev/null 2>&1 &
echo $! >"$dir/epmd.pid"
start_rabbit
# Least privilege, like deploy.md: its own vhost and user; guest is not used.
secret=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
ctl add_vhost fjord
ctl add_user fjord "$secret"
ctl set_permissions -p fjord fjord '^fjord\..*' '^(fjord\..*|amq\.default)$' '^fjord\..*'
wait_amqp

redissecret=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
python3 -c 'import secrets; print(secrets.token_hex(16))' >"$dir/redis/admin"
chmod 600 "$dir/redis/admin"
echo "redisport=$redisport" >"$dir/redis/ports"
cat >"$dir/redis/redis.conf" <<CONF
port $redisport
bind 127.0.0.1
protected-mode yes
dir $dir/redis
daemonize no
logfile $dir/redis/redis.log
save ""
appendonly yes
appendfsync always
maxmemory-policy noeviction
tls-port $redistls
tls-cert-file $dir/tls/server.pem
tls-key-file $dir/tls/server.key
tls-ca-cert-file $dir/tls/ca.pem
tls-auth-clients no
user default on >$(cat "$dir/redis/admin") ~* &* +@all
user admin on >$(cat "$dir/redis/admin") ~* &* +@all
user fjord on >$redissecret ~fjord:* &fjord:* +@all -@dangerous +config|get +info
CONF
chmod 600 "$dir/redis/redis.conf"
start_redis

cat >"$dir/env" <<ENV
FJORD_TEST_BROKER=amqp://fjord:$secret@127.0.0.1:$amqp/fjord
FJORD_TEST_STORE=postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable
FJORD_TEST_BROKER_TLS=amqps://fjord:$secret@localhost:$amqps/fjord
FJORD_TEST_TLS_CA=$dir/tls/ca.pem
FJORD_TEST_RABBIT_NODE=$node
FJORD_TEST_EPMD_PORT=$epmdport
FJORD_TEST_SERVICES_DIR=$dir
FJORD_TEST_REDIS=redis://fjord:$redissecret@127.0.0.1:$redisport
FJORD_TEST_REDIS_TLS=rediss://fjord:$redissecret@localhost:$redistls
FJORD_TEST_REDIS_ADMIN=redis://admin:$(cat "$dir/redis/admin")@127.0.0.1:$redisport
ENV
cat "$dir/env"
