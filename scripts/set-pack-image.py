#!/usr/bin/env python3
"""Switch the image of the pack zip's core integrations and scripts.

Usage: set-pack-image.py ZIP --from dorabridge/xsoar-python3:0.1.0 --to demisto/dora-bridge:1.0.0.1

Every integration and script of the pack that uses the dora_bridge core names one image, the
custom one by default (its ymls in Packs/ carry it; scripts/check-dockerfile.sh keeps it equal to
Cargo.toml's version). ``make pack DOCKER_IMAGE=...`` builds the zip as usual, then this rewrites
``dockerimage: <from>`` to ``dockerimage: <to>`` in the unified ymls of the zip, so the sources
keep one value and the Marketplace build (demisto/dora-bridge) is a switch, not an edit. Ymls on
another image (DORAClockSection runs on demisto/python3) are left alone. The zip is rewritten in
place; every other entry is copied byte for byte. Exit status: 0 done, 1 nothing to switch, 2 a
bad argument.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

# An image reference XSOAR accepts in dockerimage: repository[/name...]:tag, lower-case
# repository path, an explicit tag (XSOAR does not assume latest).
IMAGE = re.compile(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
)


def switch(zip_path: Path, old: str, new: str) -> list[str]:
    """Rewrite the zip; the names of the ymls switched."""
    line = re.compile(r"^(\s*dockerimage:\s*)['\"]?" + re.escape(old) + r"['\"]?\s*$", re.MULTILINE)
    switched: list[str] = []
    entries: list[tuple[zipfile.ZipInfo, bytes]] = []
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename.endswith(".yml"):
                text = data.decode("utf-8")
                changed, n = line.subn(lambda m: m.group(1) + new, text)
                if n:
                    switched.append(info.filename)
                    data = changed.encode("utf-8")
            entries.append((info, data))
    tmp = zip_path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info, data in entries:
            out.writestr(info, data)
    tmp.replace(zip_path)
    return switched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zip", type=Path)
    parser.add_argument("--from", dest="old", required=True, help="the image the source ymls name")
    parser.add_argument("--to", dest="new", required=True, help="the image the zip's ymls should name")
    args = parser.parse_args(argv)
    for name, value in (("--from", args.old), ("--to", args.new)):
        if not IMAGE.match(value):
            print(
                f"set-pack-image: {name} must be an image with a tag, such as demisto/dora-bridge:1.0.0.1, "
                f"got {value!r}",
                file=sys.stderr,
            )
            return 2
    if not args.zip.is_file():
        print(f"set-pack-image: {args.zip} does not exist (run make pack)", file=sys.stderr)
        return 2
    if args.old == args.new:
        print(f"set-pack-image: the zip's core ymls keep {args.new}")
        return 0
    switched = switch(args.zip, args.old, args.new)
    if not switched:
        print(f"set-pack-image: no yml in {args.zip} names {args.old}; nothing switched", file=sys.stderr)
        return 1
    print(f"set-pack-image: {len(switched)} ymls switched from {args.old} to {args.new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
