#!/usr/bin/env bash
# MassTransit on RabbitMQ: `run.sh [JOBS]` (default 20000) builds this console (MassTransit.RabbitMQ,
# the version in Directory.Packages.props) and runs it against PEER_AMQP (bench/peers/services.sh
# starts a private broker and writes it). Prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")"
: "${PEER_AMQP:?set by bench/peers/services.sh}"
dotnet build -c Release -nologo -clp:ErrorsOnly -v quiet >&2
exec dotnet bin/Release/net10.0/MassTransitPeer.dll "${1:-20000}" "$PEER_AMQP"
