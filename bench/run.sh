#!/usr/bin/env bash
# One command for the benchmarks: builds Fjord in Release, starts `fjord up` with
# bench/fjord.bench.yml on a temporary data folder, runs the scenarios, prints a table and appends
# JSON lines to bench/results/results.jsonl. `--quick` runs each scenario at a fifth of its size;
# `--only runtime|intake|e2e|sync|paced` runs one group.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
dotnet build bench/Fjord.Bench -c Release -nologo -clp:ErrorsOnly -v quiet
exec dotnet bench/Fjord.Bench/bin/Release/net10.0/Fjord.Bench.dll "$@"
