#!/usr/bin/env bash
# Validate the DORA Bridge content pack with demisto-sdk, offline.
#
# Usage: scripts/validate-pack.sh [extra arguments for the first demisto-sdk validate pass]
#
# demisto-sdk lives in its own virtual environment, .venv-sdk, apart from the
# project's .venv: its ~140 pinned dependencies would clash with the project's.
# The first run creates it (about a minute, ~340 MB); later runs reuse it.
#
# The validators to run are selected by validation_config.toml, which
# .demisto-sdk-conf makes the default; that file says which are left out and why.
# Two passes:
#   1. `demisto-sdk validate -i Packs/DORABridge`: every selected validator that
#      checks files as they are.
#   2. The checks demisto-sdk runs only on files it sees as newly added in a git
#      diff (commands documented in the README, incident field name prefixes,
#      context path depth, ...). `-i` treats every file as unchanged and skips
#      them, and a diff against the base branch is empty in a clean checkout, so
#      this pass runs them with every file of the pack taken as added.
# Exits non-zero when either pass finds an error.
set -euo pipefail

SDK_VERSION="1.39.13"
PACK="Packs/DORABridge"
# Validators demisto-sdk gates on git status ADDED (or ADDED/MODIFIED) that apply
# to content a pack like this one holds. RN108 ("a new pack has no release notes")
# is left out: it would fail as soon as the pack ships its first release notes.
NEW_ITEM_CODES="BA108,BA127,DA100,DA101,GF102,IF113,IF115,IT100,IT101,MC102,RM110,RP102,ST112"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv-sdk"
PYTHON="${PYTHON:-python3}"

sdk_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("demisto-sdk"))' 2>/dev/null || true
}

if [[ ! -x "$VENV/bin/demisto-sdk" || "$(sdk_version)" != "$SDK_VERSION" ]]; then
    echo "validate-pack: installing demisto-sdk==$SDK_VERSION into .venv-sdk (about a minute, first run only)" >&2
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "demisto-sdk==$SDK_VERSION"
fi

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "validate-pack: $ROOT is not a git checkout; demisto-sdk must run from the root of one" >&2
    exit 2
fi

# demisto-sdk reads each pack's creation date from git history and fails in a
# repository without commits. Before the first commit, validate a snapshot of
# the pack and its configuration in a throw-away repository instead.
WORKDIR="$ROOT"
if ! git rev-parse --verify --quiet HEAD >/dev/null; then
    WORKDIR="$(mktemp -d)"
    trap 'rm -rf "$WORKDIR"' EXIT
    echo "validate-pack: no commit yet; validating a snapshot in $WORKDIR" >&2
    mkdir -p "$WORKDIR/Packs"
    cp -a "$PACK" "$WORKDIR/Packs/"
    cp -a .demisto-sdk-conf .private-repo-settings validation_config.toml "$WORKDIR/"
    git -C "$WORKDIR" init --quiet
    git -C "$WORKDIR" add .demisto-sdk-conf
    git -C "$WORKDIR" -c user.name=validate-pack -c user.email=validate-pack@localhost \
        -c commit.gpgsign=false commit --quiet -m snapshot
fi
cd "$WORKDIR"

# Without IGNORE_CONTENT_WARNING demisto-sdk stops because this is not
# demisto/content. DEMISTO_SDK_OFFLINE_ENV must stay unset: with it, validate refuses to run.
export DEMISTO_SDK_IGNORE_CONTENT_WARNING=1
unset DEMISTO_SDK_OFFLINE_ENV

status=0

echo "validate-pack: pass 1/2, demisto-sdk validate -i $PACK" >&2
"$VENV/bin/demisto-sdk" validate -i "$PACK" "$@" || status=1

echo "validate-pack: pass 2/2, checks for newly added items ($NEW_ITEM_CODES)" >&2
"$VENV/bin/python" - "$PACK" "$NEW_ITEM_CODES" <<'PY' || status=1
import sys

from demisto_sdk.commands.common.constants import GitStatuses
from demisto_sdk.commands.validate.validators import base_validator

pack, codes = sys.argv[1], sys.argv[2]
as_git_diff = base_validator.should_run_according_to_status


def as_added(git_status, expected_git_statuses):
    # `-i` leaves git_status unset; take every file as newly added.
    return as_git_diff(git_status or GitStatuses.ADDED, expected_git_statuses)


base_validator.should_run_according_to_status = as_added
sys.argv = ["demisto-sdk", "validate", "-i", pack, "--run-specific-validations", codes]
from demisto_sdk.__main__ import app  # noqa: E402

app()
PY

if [[ $status -ne 0 ]]; then
    echo "validate-pack: FAILED" >&2
else
    echo "validate-pack: passed" >&2
fi
exit $status
