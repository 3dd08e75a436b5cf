#!/usr/bin/env bash
# Validate the DORA Bridge content pack with demisto-sdk, offline.
#
# Usage: scripts/validate-pack.sh [extra arguments for the first demisto-sdk validate pass]
#
# demisto-sdk lives in its own virtual environment, .venv-sdk (scripts/sdk-env.sh):
# the first run creates it (about a minute, ~340 MB); later runs reuse it.
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

PACK="Packs/DORABridge"
# Validators demisto-sdk gates on git status ADDED (or ADDED/MODIFIED) that apply
# to content a pack like this one holds. RN108 ("a new pack has no release notes")
# is left out: it would fail as soon as the pack ships its first release notes.
NEW_ITEM_CODES="BA108,BA127,DA100,DA101,GF102,IF113,IF115,IT100,IT101,MC102,RM110,RP102,ST112"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# SDK_VERSION, .venv-sdk, the environment demisto-sdk needs, and the snapshot
# taken before the first commit (demisto-sdk reads pack dates from git history).
# shellcheck source=scripts/sdk-env.sh
source "$ROOT/scripts/sdk-env.sh"
sdk_install
sdk_enter_workdir "$PACK"

status=0

echo "validate-pack: pass 1/2, demisto-sdk validate -i $PACK" >&2
"$SDK" validate -i "$PACK" "$@" || status=1

echo "validate-pack: pass 2/2, checks for newly added items ($NEW_ITEM_CODES)" >&2
"$SDK_VENV/bin/python" - "$PACK" "$NEW_ITEM_CODES" <<'PY' || status=1
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
