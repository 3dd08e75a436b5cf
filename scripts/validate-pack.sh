#!/usr/bin/env bash
# Validate the DORA Bridge content pack with demisto-sdk, offline, in two passes.
#
# Usage: scripts/validate-pack.sh [extra arguments for the first demisto-sdk validate pass]
#
# demisto-sdk lives in its own virtual environment, .venv-sdk (scripts/sdk-env.sh):
# the first run creates it (about a minute, ~340 MB); later runs reuse it.
#
#   1. This repository as it is: `demisto-sdk validate -i Packs/DORABridge` with the validators
#      validation_config.toml selects (.demisto-sdk-conf makes it the default; it says which are
#      left out and why).
#   2. As content CI runs it on a new pack, in a throw-away copy of the pack laid out like
#      demisto/content: no .private-repo-settings, so the approved-list checks run (PA103
#      categories, IN104 integration categories, PA119 use cases, PA120 tags) against
#      Config/approved_*.json, copies of content's lists kept in scripts/content-ci/Config;
#      every file taken as newly added, so the checks content CI gates on a git diff run too
#      (RN108 "a new pack has no release notes", BA108, IF113, RM110, ...); the core ymls
#      switched to the Marketplace image demisto/dora-bridge (as `make pack DOCKER_IMAGE=`
#      does), so DO101 ("a demisto/ image") runs. Then the content secrets check on every text
#      file of the pack as it is in the repository, with the pack's .secrets-ignore (example
#      data) and no other allow list.
# Exits non-zero when either pass finds an error.
set -euo pipefail

PACK="Packs/DORABridge"
# Validators demisto-sdk gates on git status ADDED (or ADDED/MODIFIED) that apply to content a
# pack like this one holds; pass 2 runs them with every file taken as added.
NEW_ITEM_CODES="BA108,BA127,DA100,DA101,GF102,IF113,IF115,IT100,IT101,MC102,RM110,RN108,RP102,ST112"
# Left out of pass 1 (validation_config.toml), run by pass 2: the approved lists and DO101.
CI_ONLY_CODES="PA103,IN104,PA119,PA120,DO101"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# SDK_VERSION, .venv-sdk, the environment demisto-sdk needs, and the snapshot
# taken before the first commit (demisto-sdk reads pack dates from git history).
# shellcheck source=scripts/sdk-env.sh
source "$ROOT/scripts/sdk-env.sh"
sdk_install
custom_image="dorabridge/xsoar-python3:$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -1)"
# demisto/dockerfiles tags an image <build.conf version>.<build number>; 1 stands for the build.
ci_image="demisto/dora-bridge:$(sed -n 's/^version=//p' "$ROOT/docker/dora-bridge/build.conf").1"
sdk_enter_workdir "$PACK"

status=0

echo "validate-pack: pass 1/2, demisto-sdk validate -i $PACK" >&2
"$SDK" validate -i "$PACK" "$@" || status=1

echo "validate-pack: pass 2/2, as content CI: approved lists, new-pack checks ($NEW_ITEM_CODES), DO101 on $ci_image, secrets" >&2
ci=""
sdk_tmpdir ci
mkdir -p "$ci/Packs" "$ci/Config"
cp -a "$SDK_WORKDIR/$PACK" "$ci/Packs/"
cp -a "$ROOT"/scripts/content-ci/Config/approved_*.json "$ci/Config/"
printf '[validate]\nconfig_path = validation_config.toml\n' >"$ci/.demisto-sdk-conf"
find "$ci/Packs" -name '*.yml' -exec sed -i "s#^\([[:space:]]*dockerimage:[[:space:]]*\)$custom_image\$#\1$ci_image#" {} +
grep -rqE "dockerimage:[[:space:]]*$ci_image\$" "$ci/Packs" || { echo "validate-pack: no yml names $custom_image to switch" >&2; status=1; }
"$SDK_VENV/bin/python" - "$ROOT/validation_config.toml" "$NEW_ITEM_CODES,$CI_ONLY_CODES" >"$ci/validation_config.toml" <<'PY'
import sys
import tomllib

config = tomllib.load(open(sys.argv[1], "rb"))
codes = sorted(set(config["path_based_validations"]["select"]) | set(sys.argv[2].split(",")))
print("ignorable_errors = [" + ", ".join(f'"{c}"' for c in config.get("ignorable_errors", [])) + "]")
for section in ("path_based_validations", "use_git"):
    print(f"\n[{section}]\nselect = [" + ", ".join(f'"{c}"' for c in codes) + "]\nwarning = []")
PY
git -C "$ci" init --quiet
git -C "$ci" add -A
git -C "$ci" -c user.name=dora-bridge -c user.email=dora-bridge@localhost -c commit.gpgsign=false commit --quiet -m "the pack as content CI sees it"
(
    cd "$ci"
    "$SDK_VENV/bin/python" - "$PACK" <<'PY'
import sys

from demisto_sdk.commands.common.constants import GitStatuses
from demisto_sdk.commands.validate.initializer import Initializer

pack = sys.argv[1]
gather = Initializer.gather_objects_to_run_on


def gather_as_added(self, *args, **kwargs):
    # `-i` leaves git_status unset; take every item as newly added, as in a new pack's PR, so
    # the validators gated on ADDED run and those comparing with a base version see none.
    objects, invalid = gather(self, *args, **kwargs)
    for item in objects:
        if item.git_status is None:
            item.git_status = GitStatuses.ADDED
    return objects, invalid


Initializer.gather_objects_to_run_on = gather_as_added
sys.argv = ["demisto-sdk", "validate", "-i", pack]
from demisto_sdk.__main__ import app  # noqa: E402

app()
PY
) || status=1
(
    cd "$SDK_WORKDIR"
    "$SDK_VENV/bin/python" - "$PACK" <<'PY'
import subprocess
import sys

from demisto_sdk.commands.secrets.secrets import SecretsValidator

pack = sys.argv[1]
files = subprocess.run(["git", "ls-files", pack], capture_output=True, text=True, check=True).stdout.split()
files = [f for f in files if SecretsValidator.is_text_file(f)]
found = SecretsValidator(input_path=",".join(files)).search_potential_secrets(files)
for path, lines in sorted(found.items()):
    for line, strings in sorted(lines.items()):
        for s in strings:
            print(f"validate-pack: secrets: {path}:{line}: {s}", file=sys.stderr)
count = sum(len(s) for lines in found.values() for s in lines.values())
if count:
    print(
        f"validate-pack: secrets: {count} string(s) look like secrets or indicators; if they are example "
        f"data, add them to {pack}/.secrets-ignore (one per line)",
        file=sys.stderr,
    )
    sys.exit(1)
print(f"validate-pack: secrets: {len(files)} files, nothing outside {pack}/.secrets-ignore", file=sys.stderr)
PY
) || status=1

if [[ $status -ne 0 ]]; then
    echo "validate-pack: FAILED" >&2
else
    echo "validate-pack: passed" >&2
fi
exit $status
