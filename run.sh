#!/usr/bin/env bash
# Runs Fjord on this machine: `fjord up` on the embedded SQLite store (data in ./.fjord) with the
# example functions of examples/fjord.yml deployed, at http://127.0.0.1:8080. Ctrl+C drains and
# stops. Extra arguments go to `fjord up` (e.g. --port 9090).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/ensure-deps.sh
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
exec dotnet src/Fjord.Cli/bin/Release/net10.0/fjord.dll up -f examples/fjord.yml "$@"
