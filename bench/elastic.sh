#!/usr/bin/env bash
# Elastic pools bench (issue 13): scale from zero, a 2,000-job burst on {min 0, max 16} against a
# fixed pool of 16 in the same run, and an idle node with every example function at min 0.
# `--quick` runs a fifth of it. Results: printed, and appended to bench/results/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
python3 bench/elastic/elastic.py "$@"
