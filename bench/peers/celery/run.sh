#!/usr/bin/env bash
# Celery on RabbitMQ, the workload of PEERS.md: `run.sh [JOBS]` (default 5000: Celery runs at
# hundreds of jobs a second, so 20,000 would take minutes and measure the same rate). Needs
# PEER_AMQP (bench/peers/services.sh starts a broker and writes it). Installs python3-celery from
# apt when missing and uses Debian's python (/usr/bin/python3), whatever python3 is first on PATH.
set -euo pipefail
cd "$(dirname "$0")"
: "${PEER_AMQP:?set by bench/peers/services.sh}"
export PEER_AMQP

if ! /usr/bin/python3 -c 'import celery' 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-celery >/dev/null
fi
/usr/bin/python3 -c 'import celery, sys; sys.exit(celery.__version__[0] != "5" and "celery 5.x expected, found " + celery.__version__)'
exec /usr/bin/python3 bench.py "${1:-5000}"
