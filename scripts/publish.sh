#!/usr/bin/env bash
# Builds `fjord` as one self-contained, single-file executable: no .NET needed on the target.
#   scripts/publish.sh [RID] [OUT]      RID: linux-x64 (default) or linux-arm64
# Output: OUT/fjord (default artifacts/publish/RID/fjord). The runtimes' shims are embedded in it
# (Fjord.Runtime's EmbeddedShims) and written out into the node's data folder at start; the native
# SQLite library is bundled too and extracted on first run into DOTNET_BUNDLE_EXTRACT_BASE_DIR
# (the systemd units point it at /var/cache/fjord). Extra MSBuild flags may follow in
# FJORD_PUBLISH_FLAGS (e.g. -p:PublishReadyToRun=true). ReadyToRun is off by measurement
# (docs/benchmarks.md, "The ReadyToRun decision"): it saves ~0.3 s of CPU per start and costs
# ~22 MB of resident memory in every node process for as long as it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rid="${1:-linux-x64}"
out="${2:-artifacts/publish/$rid}"
# shellcheck disable=SC2086
dotnet publish src/Fjord.Cli/Fjord.Cli.csproj -c Release -r "$rid" -nologo -clp:ErrorsOnly \
  --self-contained true \
  -p:PublishSingleFile=true \
  -p:PublishReadyToRun=false \
  -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:DebugType=embedded \
  -p:PublishDocumentationFiles=false \
  -p:PublishReferencesDocumentationFiles=false \
  ${FJORD_PUBLISH_FLAGS:-} \
  -o "$out" >&2
# Symbols of the referenced projects land beside it: the binary carries its own (DebugType=embedded).
rm -f "$out"/*.pdb
# Publish leaves nothing but the binary when all went to plan; anything else would be missing on the target.
extra=$(find "$out" -mindepth 1 -not -name fjord | head -5)
if [ -n "$extra" ]; then
  echo "publish left files beside the binary (they would not ship): $extra" >&2
  exit 1
fi
echo "$out/fjord"
