#!/usr/bin/env bash
# Builds the previous release's `fjord` (framework-dependent fjord.dll) once, for the
# mixed-version cluster test (tests/Fjord.Cluster.Tests/MixedVersionTests.cs), and prints the
# path of its fjord.dll. Cached under artifacts/previous-release/<commit>/: a second call builds
# nothing. The source comes from `git archive` of that commit (no worktree is registered).
#   scripts/build-previous-release.sh [COMMIT]
# COMMIT defaults to the release whose SQLite schema (version 1) the upgrade fixtures hold
# (tests/Fjord.Storage.Sqlite.Tests/Fixtures/store-schema-1.sql names it); a new release moves it.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse "${1:-490beee5b42f}^{commit}")
out="artifacts/previous-release/$commit"
if [ -f "$out/bin/fjord.dll" ]; then
  echo "$PWD/$out/bin/fjord.dll"
  exit 0
fi
rm -rf "$out" && mkdir -p "$out/src"
git archive "$commit" | tar -x -C "$out/src"
# That release's own build, stamped with its commit (no .git in an archive).
dotnet build "$out/src/src/Fjord.Cli/Fjord.Cli.csproj" -c Release -nologo -clp:ErrorsOnly -v quiet \
  -p:SourceRevisionId="$commit" -o "$out/bin.partial" >&2
mv "$out/bin.partial" "$out/bin"
rm -rf "$out/src"
echo "$PWD/$out/bin/fjord.dll"
