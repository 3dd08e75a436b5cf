#!/usr/bin/env bash
# Static checks of the two images (no Docker engine needed). docker/Dockerfile, the custom image:
#   - FROM a pinned demisto/python3-deb Python 3.12 tag (glibc: the manylinux wheel installs);
#   - its DORA_BRIDGE_VERSION is Cargo.toml's version;
#   - the wheel it copies matches the name maturin gives the manylinux abi3 wheel of that
#     version (and the wheel in dist/, when `make wheels` has built one);
#   - the install step uses no index, no cache and installs no build tools; it runs as non-root;
#   - the image tag dorabridge/xsoar-python3:<version> is the dockerimage of every integration
#     and script in Packs/ whose code imports dora_bridge, and the one docker/README.md and
#     README.md build; every other one names a demisto/python3 3.12 tag.
# docker/dora-bridge/, the Marketplace image (demisto/dockerfiles layout):
#   - FROM the same pinned base; requirements.txt pins dora-bridge==<version>, wheels only;
#   - build.conf has a version; verify.py uses dora_bridge; no build tools.
# Exit status 1 with one line per failed check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DOCKERFILE="docker/Dockerfile"
IMAGE_REPO="dorabridge/xsoar-python3"

fail=0
problem() { echo "check-dockerfile: FAIL $*" >&2; fail=1; }

[[ -f "$DOCKERFILE" ]] || { echo "check-dockerfile: $DOCKERFILE is missing" >&2; exit 1; }

version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -1)"
abi3="$(grep -o 'abi3-py3[0-9]*' Cargo.toml | head -1 | sed 's/abi3-py3/cp3/')"
[[ -n "$version" && -n "$abi3" ]] || { echo "check-dockerfile: cannot read the version and abi3 floor from Cargo.toml" >&2; exit 1; }
tag="$IMAGE_REPO:$version"

# The base image: a pinned demisto/python3-deb 3.12 tag, not latest.
base="$(sed -n 's/^ARG BASE_IMAGE=\(.*\)$/\1/p' "$DOCKERFILE")"
[[ "$base" =~ ^demisto/python3-deb:3\.12\.[0-9]+\.[0-9]+$ ]] \
    || problem "$DOCKERFILE: ARG BASE_IMAGE is '$base', expected a pinned demisto/python3-deb:3.12.<patch>.<build> tag"
# shellcheck disable=SC2016  # the literal ${BASE_IMAGE}
grep -q '^FROM \${BASE_IMAGE}$' "$DOCKERFILE" || problem "$DOCKERFILE: the final stage is not FROM \${BASE_IMAGE}"

# The version of the wheel it installs.
df_version="$(sed -n 's/^ARG DORA_BRIDGE_VERSION=\(.*\)$/\1/p' "$DOCKERFILE")"
[[ "$df_version" == "$version" ]] \
    || problem "$DOCKERFILE: ARG DORA_BRIDGE_VERSION=$df_version, Cargo.toml says $version"
# shellcheck disable=SC2016  # the literal ${DORA_BRIDGE_VERSION}
grep -q 'org.opencontainers.image.version="${DORA_BRIDGE_VERSION}"' "$DOCKERFILE" \
    || problem "$DOCKERFILE: no org.opencontainers.image.version label with the version"

# The wheel it copies: the name maturin build --zig --compatibility manylinux2014 gives.
pattern="$(sed -n 's/^COPY \(dist\/dora_bridge-[^ ]*\.whl\) .*/\1/p' "$DOCKERFILE")"
if [[ -z "$pattern" ]]; then
    problem "$DOCKERFILE: no 'COPY dist/dora_bridge-...whl' line"
else
    pattern="${pattern//\$\{DORA_BRIDGE_VERSION\}/$version}"
    expected="dist/dora_bridge-$version-$abi3-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    # shellcheck disable=SC2053  # $pattern is a glob on purpose
    [[ "$expected" == $pattern ]] || problem "$DOCKERFILE: COPY $pattern does not match the wheel maturin builds, $expected"
    # shellcheck disable=SC2053
    [[ "dist/dora_bridge-$version-$abi3-abi3-musllinux_1_2_x86_64.whl" != $pattern ]] \
        || problem "$DOCKERFILE: COPY $pattern would also take a musllinux wheel"
    shopt -s nullglob
    # shellcheck disable=SC2206
    built=($pattern)
    shopt -u nullglob
    if (( ${#built[@]} > 1 )); then
        problem "dist/ has ${#built[@]} wheels matching $pattern (${built[*]}); the image would install them all"
    elif (( ${#built[@]} == 1 )); then
        echo "check-dockerfile: the image installs ${built[0]} ($(stat -c %s "${built[0]}") bytes)"
    else
        echo "check-dockerfile: $pattern not built yet (make wheels builds it)"
    fi
fi
grep -q '^!dist/dora_bridge-\*\.whl$' docker/Dockerfile.dockerignore 2>/dev/null \
    || problem "docker/Dockerfile.dockerignore does not let dist/dora_bridge-*.whl into the build context"

# The install step: prebuilt wheel only, nothing compiled, nothing cached; then non-root.
grep -q 'pip install --no-cache-dir --no-index --no-deps' "$DOCKERFILE" \
    || problem "$DOCKERFILE: the wheel is not installed with pip install --no-cache-dir --no-index --no-deps"
if grep -nE '^[^#]*\b(apt-get|apk|gcc|g\+\+|make|build-essential|python3-dev|rustc|cargo|rustup|maturin)\b' "$DOCKERFILE" >/dev/null; then
    problem "$DOCKERFILE: installs or runs build tools: $(grep -nE '^[^#]*\b(apt-get|apk|gcc|g\+\+|make|build-essential|python3-dev|rustc|cargo|rustup|maturin)\b' "$DOCKERFILE" | head -1)"
fi
last_user="$(grep -E '^USER ' "$DOCKERFILE" | tail -1 | awk '{print $2}')"
[[ -n "$last_user" && "$last_user" != root && "$last_user" != 0 && "$last_user" != 0:* ]] \
    || problem "$DOCKERFILE: the image does not end with USER <non-root> (got '${last_user:-none}')"

# The tag the pack's integrations and scripts run in: the core image where the code imports
# dora_bridge, demisto/python3 elsewhere.
count=0
core=0
while IFS= read -r yml; do
    image="$(sed -n 's/^[[:space:]]*dockerimage:[[:space:]]*//p' "$yml" | head -1 | sed 's/[[:space:]]*$//; s/^["'\'']//; s/["'\'']$//')"
    [[ -n "$image" ]] || continue
    count=$((count + 1))
    py="${yml%.yml}.py"
    if [[ -f "$py" ]] && grep -qE '^[[:space:]]*(from|import)[[:space:]]+dora_bridge' "$py"; then
        core=$((core + 1))
        [[ "$image" == "$tag" ]] || problem "$yml: imports dora_bridge, dockerimage is $image, the image docker/Dockerfile builds is $tag"
    else
        [[ "$image" =~ ^demisto/python3:3\.12\.[0-9]+\.[0-9]+$ ]] \
            || problem "$yml: imports nothing of dora_bridge, dockerimage is $image, expected a pinned demisto/python3:3.12 tag"
    fi
done < <(grep -rlE --include='*.yml' '^[[:space:]]*dockerimage:' Packs/)
(( core > 0 )) || problem "no yml in Packs/ imports dora_bridge with a dockerimage"

# docker/dora-bridge: the Marketplace image, a copy for demisto/dockerfiles.
MP="docker/dora-bridge"
for f in Dockerfile build.conf requirements.txt verify.py; do
    [[ -f "$MP/$f" ]] || problem "$MP/$f is missing (demisto/dockerfiles layout: Dockerfile, build.conf, requirements.txt, verify.py)"
done
if [[ -f "$MP/Dockerfile" ]]; then
    mp_base="$(sed -n 's/^FROM \(.*\)$/\1/p' "$MP/Dockerfile" | head -1)"
    [[ "$mp_base" == "$base" ]] || problem "$MP/Dockerfile: FROM $mp_base, docker/Dockerfile's base is $base"
    grep -q '^RUN pip install --no-cache-dir -r requirements.txt$' "$MP/Dockerfile" \
        || problem "$MP/Dockerfile: no 'RUN pip install --no-cache-dir -r requirements.txt'"
    if grep -nE '^[^#]*\b(apt-get|apk|gcc|build-essential|python3-dev|rustc|cargo|rustup|maturin)\b' "$MP/Dockerfile" >/dev/null; then
        problem "$MP/Dockerfile: installs or runs build tools"
    fi
fi
[[ -f "$MP/requirements.txt" ]] && {
    grep -qx "dora-bridge==$version" "$MP/requirements.txt" || problem "$MP/requirements.txt does not pin dora-bridge==$version"
    grep -qx -- '--only-binary=:all:' "$MP/requirements.txt" || problem "$MP/requirements.txt does not take wheels only (--only-binary=:all:)"
}
[[ -f "$MP/build.conf" ]] && { grep -qE '^version=[0-9]+\.[0-9]+\.[0-9]+$' "$MP/build.conf" || problem "$MP/build.conf has no version=X.Y.Z line"; }
[[ -f "$MP/verify.py" ]] && { grep -qE '^import dora_bridge$' "$MP/verify.py" || problem "$MP/verify.py does not import dora_bridge"; }
for doc in docker/README.md README.md; do
    grep -qF -- "docker build -f docker/Dockerfile -t $tag ." "$doc" 2>/dev/null \
        || problem "$doc does not show 'docker build -f docker/Dockerfile -t $tag .'"
done

if (( fail )); then
    echo "check-dockerfile: FAILED" >&2
    exit 1
fi
echo "check-dockerfile: $DOCKERFILE builds $tag FROM $base; $core of $count dockerimage entries in Packs/ use it, the others demisto/python3; $MP is the demisto/dora-bridge request (dora-bridge==$version)"
