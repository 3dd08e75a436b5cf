# shellcheck shell=bash
# Sourced by the scripts that run demisto-sdk (validate-pack.sh, build-pack.sh).
#
# demisto-sdk lives in its own virtual environment, .venv-sdk, apart from the
# project's .venv: its ~140 pinned dependencies would clash with the project's.
# The first run creates it (about a minute, ~340 MB); later runs reuse it.
#
# Defines:
#   SDK_VERSION, SDK_VENV, SDK (the demisto-sdk executable);
#   sdk_install        install demisto-sdk==$SDK_VERSION into .venv-sdk unless it is there;
#   sdk_enter_workdir  cd to where demisto-sdk can run (see below); sets SDK_WORKDIR;
#   sdk_tmpdir VAR     set VAR to a new temporary directory, removed when the script exits.
# Expects ROOT (the repository root) and the caller's `set -euo pipefail`.
# Sets an EXIT trap; callers use sdk_tmpdir rather than their own trap.

SDK_VERSION="1.39.13"
SDK_VENV="$ROOT/.venv-sdk"
SDK="$SDK_VENV/bin/demisto-sdk"

# Without IGNORE_CONTENT_WARNING demisto-sdk stops because this is not
# demisto/content. DEMISTO_SDK_OFFLINE_ENV must stay unset: with it, validate refuses to run.
export DEMISTO_SDK_IGNORE_CONTENT_WARNING=1
unset DEMISTO_SDK_OFFLINE_ENV

_SDK_TMPDIRS=()
_sdk_cleanup() {
    local d
    for d in "${_SDK_TMPDIRS[@]}"; do rm -rf "$d"; done
}
trap _sdk_cleanup EXIT

# sdk_tmpdir VAR: VAR := a new temporary directory (not in $(...): the list would be lost).
sdk_tmpdir() {
    local d
    d="$(mktemp -d)"
    _SDK_TMPDIRS+=("$d")
    printf -v "$1" '%s' "$d"
}

_sdk_version() {
    "$SDK_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("demisto-sdk"))' 2>/dev/null || true
}

sdk_install() {
    if [[ ! -x "$SDK" || "$(_sdk_version)" != "$SDK_VERSION" ]]; then
        echo "$(basename "$0"): installing demisto-sdk==$SDK_VERSION into .venv-sdk (about a minute, first run only)" >&2
        [[ -x "$SDK_VENV/bin/python" ]] || "${PYTHON:-python3}" -m venv "$SDK_VENV"
        "$SDK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "demisto-sdk==$SDK_VERSION"
    fi
}

# demisto-sdk must run from the root of a git checkout, and it reads each pack's
# creation date from git history, so it fails in a repository without commits.
# Before the first commit, work on a snapshot of the pack and its configuration
# in a throw-away repository instead (removed on exit).
sdk_enter_workdir() {
    local pack="$1"
    cd "$ROOT" || exit 1
    if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        echo "$(basename "$0"): $ROOT is not a git checkout; demisto-sdk must run from the root of one" >&2
        exit 2
    fi
    SDK_WORKDIR="$ROOT"
    if ! git rev-parse --verify --quiet HEAD >/dev/null; then
        SDK_WORKDIR="$(mktemp -d)"
        _SDK_TMPDIRS+=("$SDK_WORKDIR")
        echo "$(basename "$0"): no commit yet; working on a snapshot in $SDK_WORKDIR" >&2
        mkdir -p "$SDK_WORKDIR/Packs"
        cp -a "$pack" "$SDK_WORKDIR/Packs/"
        cp -a .demisto-sdk-conf .private-repo-settings validation_config.toml "$SDK_WORKDIR/"
        git -C "$SDK_WORKDIR" init --quiet
        git -C "$SDK_WORKDIR" add .demisto-sdk-conf
        git -C "$SDK_WORKDIR" -c user.name=dora-bridge -c user.email=dora-bridge@localhost \
            -c commit.gpgsign=false commit --quiet -m snapshot
    fi
    cd "$SDK_WORKDIR" || exit 1
}
