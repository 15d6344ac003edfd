#!/usr/bin/env bash
# Hangfire on PostgreSQL: `run.sh [JOBS]` (default 2000: Hangfire runs at about a hundred jobs a
# second, so 20,000 would take minutes and measure the same rate) builds this console (Hangfire.Core
# and Hangfire.PostgreSql from NuGet, versions in Directory.Packages.props) and runs it against
# PEER_PG (bench/peers/services.sh starts a private cluster and writes it). Prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")"
: "${PEER_PG:?set by bench/peers/services.sh}"
dotnet build -c Release -nologo -clp:ErrorsOnly -v quiet >&2
exec dotnet bin/Release/net10.0/HangfirePeer.dll "${1:-2000}" "$PEER_PG"
