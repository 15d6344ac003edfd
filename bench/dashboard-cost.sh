#!/usr/bin/env bash
# The cost of an open dashboard on an idle node: `fjord up`'s own CPU (from /proc/<pid>/stat) over
# SECONDS (default 60) with no browser, then with headless Chromium showing `/`. Prints both, the
# difference, and one JSON line. Needs /usr/bin/chromium (scripts/ensure-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet >/dev/null
dotnet build bench/Fjord.DashboardCost -c Release -nologo -clp:ErrorsOnly -v quiet
exec dotnet bench/Fjord.DashboardCost/bin/Release/net10.0/Fjord.DashboardCost.dll "${1:-60}"
