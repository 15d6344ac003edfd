#!/usr/bin/env bash
# The brokers of the peers that need one: `services.sh start DIR` starts the private RabbitMQ node
# and PostgreSQL cluster of scripts/services.sh in DIR, adds a vhost `peers` with its own user
# (Celery declares exchanges and queues of its own names, which the `fjord` user may not), and
# writes DIR/peers.env with PEER_AMQP and PEER_PG. `services.sh stop DIR` stops them by PID.
set -euo pipefail
cmd=$1 dir=$2
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$cmd" = stop ]; then
    bash "$root/scripts/services.sh" stop "$dir" >/dev/null
    exit 0
fi

bash "$root/scripts/services.sh" start "$dir" >/dev/null
# shellcheck disable=SC1091
. "$dir/env"
ctl() {
    HOME=$dir/rabbit ERL_EPMD_PORT=$FJORD_TEST_EPMD_PORT \
        runuser -u rabbitmq -p -- /usr/lib/rabbitmq/bin/rabbitmqctl -n "$FJORD_TEST_RABBIT_NODE" "$@" >/dev/null
}
secret=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(12))')
ctl add_vhost peers
ctl add_user peers "$secret"
ctl set_permissions -p peers peers '.*' '.*' '.*'
amqp_port=${FJORD_TEST_BROKER##*@127.0.0.1:}
amqp_port=${amqp_port%%/*}
cat >"$dir/peers.env" <<ENV
PEER_AMQP=amqp://peers:$secret@127.0.0.1:$amqp_port/peers
PEER_PG=$FJORD_TEST_STORE
ENV
cat "$dir/peers.env"
