#!/usr/bin/env bash
# Install the manylinux abi3 wheel from dist/ into fresh virtual environments, one per CPython
# 3.10-3.13 found on this machine, and use it: import, version, and docker/dora-bridge/verify.py
# (a DORA classification, the check the Marketplace image runs).
#
# Usage: scripts/check-wheel.sh [WHEEL]   (default: dist/dora_bridge-<version>-*-manylinux*.whl)
#
# The wheel is installed alone (--no-index --no-deps: it has no Python dependencies; PostgreSQL,
# TLS and HTTP are compiled in) and imported from outside the repository, so the source tree's
# python/dora_bridge cannot stand in for it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -1)"
if [[ $# -ge 1 ]]; then
    wheel="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
    shopt -s nullglob
    wheels=("$ROOT"/dist/dora_bridge-"$version"-*-manylinux*_x86_64.whl)
    shopt -u nullglob
    (( ${#wheels[@]} == 1 )) || { echo "check-wheel: expected one manylinux wheel of $version in dist/, found ${#wheels[@]} (make wheels)" >&2; exit 1; }
    wheel="${wheels[0]}"
fi
[[ -f "$wheel" ]] || { echo "check-wheel: $wheel does not exist" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"   # not the repository: `import dora_bridge` must find the installed wheel

# The wheel alone, not the source tree; then the smoke test the Marketplace image runs.
cat >"$tmp/installed.py" <<'PY'
import sys
import sysconfig

import dora_bridge

expected_version, site = sys.argv[1], sysconfig.get_paths()["purelib"]
assert dora_bridge.__file__.startswith(site), f"imported {dora_bridge.__file__}, not the wheel in {site}"
assert dora_bridge.__version__ == expected_version, dora_bridge.__version__
PY

# python3.N on PATH, else the newest pyenv-installed 3.N (pyenv shims fail for versions not selected).
find_python() {
    local minor="$1" py root
    py="$(command -v "python3.$minor" || true)"
    if [[ -n "$py" ]] && "$py" -c 'import sys' >/dev/null 2>&1; then echo "$py"; return; fi
    root="$(pyenv root 2>/dev/null || true)"
    [[ -n "$root" ]] || return 0
    local found=("$root"/versions/3."$minor".*/bin/python3."$minor")
    while IFS= read -r py; do
        if [[ -x "$py" ]] && "$py" -c 'import sys' >/dev/null 2>&1; then echo "$py"; return; fi
    done < <(printf '%s\n' "${found[@]}" | sort -V -r)
}

checked=0
for minor in 10 11 12 13; do
    py="$(find_python "$minor")"
    [[ -n "$py" ]] || { echo "check-wheel: no CPython 3.$minor here, skipped"; continue; }
    "$py" -m venv "$tmp/venv3$minor"
    "$tmp/venv3$minor/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$wheel"
    "$tmp/venv3$minor/bin/python" "$tmp/installed.py" "$version"
    "$tmp/venv3$minor/bin/python" "$ROOT/docker/dora-bridge/verify.py"
    checked=$((checked + 1))
done
(( checked > 0 )) || { echo "check-wheel: no CPython 3.10-3.13 found to install $(basename "$wheel") into" >&2; exit 1; }
echo "check-wheel: $(basename "$wheel") ($(stat -c %s "$wheel") bytes) installs and works on $checked CPython versions"
