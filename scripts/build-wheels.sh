#!/usr/bin/env bash
# Build the release wheels of dora_bridge into dist/.
#
#   1. manylinux: `maturin build --release --zig --compatibility manylinux2014`, one abi3 wheel
#      (CPython 3.10 and later) for x86_64 glibc 2.17+, the tag auditwheel confirms. This one
#      must succeed.
#   2. musllinux: the same for --target x86_64-unknown-linux-musl (Alpine, musl). It needs the
#      Rust standard library for that target (`rustup target add x86_64-unknown-linux-musl`).
#      When it cannot be built, one line says so and why; the script still exits 0.
#   3. sdist: `maturin sdist`, the source distribution PyPI takes beside the wheels (pip builds
#      it with a Rust toolchain where no wheel fits). `make wheels` then runs `twine check`.
#
# Expects .venv with maturin, ziglang and auditwheel (`make wheels` installs them).
# Builds in target/release-wheels, apart from `make setup`'s build, so neither invalidates
# the other. Prints each wheel's name, platform tag and size.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
DIST="$ROOT/dist"
export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"   # maturin finds zig as `python3 -m ziglang`
export CARGO_TARGET_DIR="$ROOT/target/release-wheels"

for tool in maturin auditwheel; do
    [[ -x "$VENV/bin/$tool" ]] || { echo "build-wheels: $VENV/bin/$tool is missing (make wheels installs it)" >&2; exit 1; }
done
python3 -m ziglang version >/dev/null 2>&1 || { echo "build-wheels: ziglang is not installed in .venv (make wheels installs it)" >&2; exit 1; }

version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -1)"
mkdir -p "$DIST" "$CARGO_TARGET_DIR"

size() { stat -c %s "$1"; }

# The platform tag auditwheel grants a wheel, e.g. manylinux_2_17_x86_64.
granted_tag() {
    auditwheel show "$1" 2>/dev/null | tr -s ' \n' ' ' | sed -n 's/.*is consistent with the following platform tag: "\([^"]*\)".*/\1/p'
}

# --- 1. manylinux -------------------------------------------------------------------------
rm -f "$DIST"/dora_bridge-"$version"-*-manylinux*_x86_64.whl
echo "build-wheels: maturin build --release --zig --compatibility manylinux2014 (zig $(python3 -m ziglang version))" >&2
maturin build --release --zig --compatibility manylinux2014 --out "$DIST" 2>&1 \
    | grep -vE '^\s+(Compiling|Downloaded|Downloading) ' >&2
shopt -s nullglob
wheels=("$DIST"/dora_bridge-"$version"-*-manylinux*_x86_64.whl)
shopt -u nullglob
(( ${#wheels[@]} == 1 )) || { echo "build-wheels: expected one manylinux wheel in dist/, found ${#wheels[@]}" >&2; exit 1; }
wheel="${wheels[0]}"
tag="$(granted_tag "$wheel")"
if [[ -z "$tag" ]]; then
    auditwheel show "$wheel" >&2 || true
    echo "build-wheels: auditwheel grants $(basename "$wheel") no manylinux tag" >&2
    exit 1
fi
if [[ "$(basename "$wheel")" != *"$tag"* ]]; then
    auditwheel show "$wheel" >&2
    echo "build-wheels: $(basename "$wheel") claims a tag auditwheel does not grant (it grants $tag)" >&2
    exit 1
fi
echo "build-wheels: manylinux wheel: dist/$(basename "$wheel") ($(size "$wheel") bytes); auditwheel: consistent with $tag"

# --- 2. musllinux --------------------------------------------------------------------------
musl_target="x86_64-unknown-linux-musl"
musl_log="$CARGO_TARGET_DIR/musllinux-build.log"
rm -f "$DIST"/dora_bridge-"$version"-*-musllinux*_x86_64.whl
echo "build-wheels: maturin build --release --zig --target $musl_target" >&2
if maturin build --release --zig --target "$musl_target" --out "$DIST" >"$musl_log" 2>&1; then
    shopt -s nullglob
    musl=("$DIST"/dora_bridge-"$version"-*-musllinux*_x86_64.whl)
    shopt -u nullglob
    if (( ${#musl[@]} == 1 )); then
        echo "build-wheels: musllinux wheel: dist/$(basename "${musl[0]}") ($(size "${musl[0]}") bytes); auditwheel: consistent with $(granted_tag "${musl[0]}")"
    else
        echo "build-wheels: musllinux wheel NOT built: maturin succeeded but wrote no musllinux wheel to dist/ (log: ${musl_log#"$ROOT"/})"
    fi
else
    if grep -q "E0463" "$musl_log"; then
        why="the Rust standard library for $musl_target is not installed (rustc: \"can't find crate for \`core\`\") and \`rustup target add $musl_target\` needs static.rust-lang.org, which this machine cannot reach"
    else
        why="$(grep -m1 -E '^(error|💥)' "$musl_log" || tail -1 "$musl_log")"
    fi
    echo "build-wheels: musllinux wheel NOT built: $why (log: ${musl_log#"$ROOT"/})"
fi

# --- 3. sdist -------------------------------------------------------------------------------
rm -f "$DIST"/dora_bridge-"$version".tar.gz
echo "build-wheels: maturin sdist" >&2
maturin sdist --out "$DIST" >&2
sdist="$DIST/dora_bridge-$version.tar.gz"
[[ -f "$sdist" ]] || { echo "build-wheels: maturin sdist wrote no $sdist" >&2; exit 1; }
members="$(tar -tzf "$sdist")"
for member in pyproject.toml Cargo.toml Cargo.lock LICENSE README.md src/lib.rs python/dora_bridge/__init__.py python/dora_bridge/py.typed; do
    grep -qxF "dora_bridge-$version/$member" <<<"$members" \
        || { echo "build-wheels: $(basename "$sdist") lacks $member" >&2; exit 1; }
done
echo "build-wheels: sdist: dist/$(basename "$sdist") ($(size "$sdist") bytes, $(wc -l <<<"$members") files)"
