#!/usr/bin/env bash
# Build the uploadable DORA Bridge pack zip with `demisto-sdk zip-packs`, offline.
#
# Usage: scripts/build-pack.sh [OUTPUT.zip]   (default dist/DORABridge-<currentVersion>.zip)
#
# zip-packs unifies every integration and script (code, image and description
# into the yml), as the XSOAR server wants them, and zips the pack with its
# fields, types, layouts, classifiers, mappers and playbooks. Untracked files in
# Packs/DORABridge are included: the zip is what is on disk. Other
# dist/DORABridge-*.zip files (older pack versions) are removed.
# `make pack` then runs scripts/check-pack-zip.py on the result.
set -euo pipefail

PACK="Packs/DORABridge"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/sdk-env.sh
source "$ROOT/scripts/sdk-env.sh"

version="$(sed -n 's/^ *"currentVersion": *"\([^"]*\)".*/\1/p' "$ROOT/$PACK/pack_metadata.json")"
[[ -n "$version" ]] || { echo "build-pack: no currentVersion in $PACK/pack_metadata.json" >&2; exit 1; }
out="${1:-dist/DORABridge-$version.zip}"
[[ "$out" = /* ]] || out="$ROOT/$out"

sdk_install
sdk_enter_workdir "$PACK"
tmp=""
sdk_tmpdir tmp

echo "build-pack: demisto-sdk zip-packs -i $PACK" >&2
if ! "$SDK" zip-packs -i "$PACK" -o "$tmp" --console-log-threshold WARNING >"$tmp/zip-packs.log" 2>&1; then
    cat "$tmp/zip-packs.log" >&2
    echo "build-pack: demisto-sdk zip-packs FAILED" >&2
    exit 1
fi
# Only the expected notice is quiet; anything else zip-packs says is shown.
grep -v -e '^Skipping dependencies extraction since no id_set file was provided\.$' -e '^$' \
    "$tmp/zip-packs.log" >&2 || true
built="$tmp/uploadable_packs/DORABridge.zip"
[[ -f "$built" ]] || { echo "build-pack: zip-packs wrote no $built" >&2; ls -R "$tmp" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
for old in "$(dirname "$out")"/DORABridge-*.zip; do
    [[ -e "$old" && "$old" != "$out" ]] || continue
    echo "build-pack: removing $(basename "$old") (another pack version)" >&2
    rm -f "$old"
done
mv -f "$built" "$out"
echo "build-pack: ${out#"$ROOT"/} ($(stat -c %s "$out") bytes)"
