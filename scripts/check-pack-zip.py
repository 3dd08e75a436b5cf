#!/usr/bin/env python3
"""Check an uploadable XSOAR pack zip (``demisto-sdk zip-packs``) before it goes to a server.

Usage: check-pack-zip.py ZIP [--pack Packs/DORABridge] [--docker-image IMAGE]

Asserts that:
- every integration and script yml in the zip is unified: its code (``script.script`` for an
  integration, ``script`` for a script) is in the yml, not ``-``;
- the unified code parses and defines every top-level function and class of the source ``.py``
  (and ``main``);
- every integration carries its image (the PNG of ``X_image.png``) and its detailed description
  (the text of ``X_description.md``);
- every import in the unified code exists in production: the XSOAR runtime modules
  (demistomock, CommonServerPython, CommonServerUserPython), the standard library of the image's
  Python (``sys.stdlib_module_names``, less what 3.12 and 3.13 removed) or ``dora_bridge``,
  which the custom image provides. Anything else is missing and named with the file;
- every integration, script, playbook, layout, incident field and type, classifier, mapper and
  other content item of the source pack is in the zip, by id;
- with ``--docker-image``: every integration and script whose code imports ``dora_bridge`` names
  that image, and every other one a ``demisto/python3`` tag (no custom image where none is
  needed: a server without the core image still shows the layout's clock).

Needs PyYAML, which the project's virtualenv has (``make pack`` runs it there).
Exit status: 0 when the zip passes, 1 when a check fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import ast
import base64
import json
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

# What production provides besides the standard library.
RUNTIME_MODULES = frozenset({"demistomock", "CommonServerPython", "CommonServerUserPython"})
IMAGE_MODULES = frozenset({"dora_bridge"})
# The images run CPython 3.12; the abi3 wheel serves 3.13 too. These left the standard library.
REMOVED_FROM_STDLIB = {
    "asynchat": "3.12",
    "asyncore": "3.12",
    "distutils": "3.12",
    "imp": "3.12",
    "smtpd": "3.12",
    "aifc": "3.13",
    "audioop": "3.13",
    "cgi": "3.13",
    "cgitb": "3.13",
    "chunk": "3.13",
    "crypt": "3.13",
    "imghdr": "3.13",
    "lib2to3": "3.13",
    "mailcap": "3.13",
    "msilib": "3.13",
    "nis": "3.13",
    "nntplib": "3.13",
    "ossaudiodev": "3.13",
    "pipes": "3.13",
    "sndhdr": "3.13",
    "spwd": "3.13",
    "sunau": "3.13",
    "telnetlib": "3.13",
    "uu": "3.13",
    "xdrlib": "3.13",
}
STDLIB_MODULES = frozenset(sys.stdlib_module_names) - frozenset(REMOVED_FROM_STDLIB)

# Pack folders that hold no content items.
SKIP_FOLDERS = frozenset({"ReleaseNotes", "doc_files", "doc_imgs", "TestData", "test_data"})
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_yaml(text: str) -> Any:
    """One YAML document, read as demisto-sdk and XSOAR read it (PyYAML's SafeLoader)."""
    return yaml.safe_load(text)


# --------------------------------------------------------------------------------------------
# The checks.


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


@dataclass
class ZipItem:
    path: str  # inside the zip
    data: dict[str, Any]

    @property
    def folder(self) -> str:
        parts = PurePosixPath(self.path).parts
        return parts[0] if len(parts) > 1 else ""


def content_id(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    common = data.get("commonfields")
    if isinstance(common, dict) and common.get("id") is not None:
        return str(common["id"])
    if data.get("id") is not None:
        return str(data["id"])
    return None


def read_zip(zf: zipfile.ZipFile, report: Report) -> list[ZipItem]:
    items = []
    for name in zf.namelist():
        if name.endswith("/") or not name.endswith((".yml", ".yaml", ".json")):
            continue
        try:
            text = zf.read(name).decode("utf-8")
            data = json.loads(text) if name.endswith(".json") else load_yaml(text)
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as e:
            report.problem(name, f"cannot be read: {e}")
            continue
        items.append(ZipItem(name, data if isinstance(data, dict) else {}))
    return items


def unified_code(item: ZipItem) -> tuple[str | None, str | None]:
    """(code, language) of an integration or script yml."""
    data = item.data
    script = data.get("script")
    if item.folder == "Integrations":
        if not isinstance(script, dict):
            return None, None
        return script.get("script"), script.get("type")
    return (script if isinstance(script, str) else None), data.get("type")


def top_level_defs(tree: ast.Module) -> set[str]:
    return {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """(module, line) of every import that runs: statements, ``__import__`` and
    ``importlib.import_module`` with a literal name; ``if TYPE_CHECKING:`` bodies are skipped."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield "." * node.level + (node.module or ""), node.lineno
            else:
                yield node.module or "", node.lineno
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            arg = node.args[0]
            if (
                name in ("__import__", "import_module")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
            ):
                yield arg.value, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def import_problem(module: str) -> str | None:
    """Why ``module`` would not import in production, or None when it would."""
    if module.startswith("."):
        return "a relative import: unified code is a single module, there is no package around it"
    top = module.split(".")[0]
    if top in RUNTIME_MODULES or top in IMAGE_MODULES or top in STDLIB_MODULES:
        return None
    if top in REMOVED_FROM_STDLIB:
        return f"removed from the standard library in Python {REMOVED_FROM_STDLIB[top]}"
    return (
        "missing in production: not an XSOAR runtime module (demistomock, CommonServerPython, "
        "CommonServerUserPython), not in the Python standard library, not dora_bridge (the custom image)"
    )


@dataclass
class SourceItem:
    path: Path
    folder: str
    id: str
    data: dict[str, Any]


def is_source_item(rel: PurePosixPath) -> bool:
    """Whether ``rel`` (relative to the pack) is a content item that belongs in the zip."""
    if len(rel.parts) < 2 or rel.suffix not in (".yml", ".json") or rel.parts[0] in SKIP_FOLDERS:
        return False
    if rel.parts[0] in ("Integrations", "Scripts"):
        # Integrations/X/X.yml (split) or Integrations/integration-X.yml (unified).
        return len(rel.parts) == 2 or (len(rel.parts) == 3 and rel.stem == rel.parts[1])
    return not ({"test_data", "TestData", "command_examples"} & set(rel.parts))


def read_source(pack: Path, report: Report) -> list[SourceItem]:
    items = []
    for path in sorted(pack.rglob("*")):
        rel = PurePosixPath(path.relative_to(pack).as_posix())
        if not path.is_file() or not is_source_item(rel):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else load_yaml(text)
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as e:
            report.problem(str(path), f"cannot be read: {e}")
            continue
        cid = content_id(data)
        if cid is None:
            report.problem(str(path), "has no id: cannot tell whether it is in the zip")
            continue
        items.append(SourceItem(path, rel.parts[0], cid, data if isinstance(data, dict) else {}))
    return items


def source_code(item: SourceItem) -> tuple[str, Path] | None:
    """The source code of an integration or script and the file it is in (the yml or the .py)."""
    data = item.data
    script = data.get("script")
    code = script.get("script") if isinstance(script, dict) else script
    if isinstance(code, str) and code.strip() not in ("", "-"):
        return code, item.path
    py = item.path.with_suffix(".py")
    return (py.read_text(encoding="utf-8"), py) if py.exists() else None


def check_code(where: str, code: str | None, language: str | None, report: Report) -> ast.Module | None:
    if not isinstance(code, str) or code.strip() in ("", "-"):
        report.problem(
            where, f"not unified: the code is {code!r}, not the script itself (run demisto-sdk unify)"
        )
        return None
    if language != "python":
        report.problem(where, f"type is {language!r}; only python code is checked")
        return None
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        report.problem(where, f"the unified code does not parse: {e.msg} (line {e.lineno})")
        return None
    if "main" not in top_level_defs(tree):
        report.problem(where, "the unified code defines no main()")
    for module, line in sorted(set(imports(tree)), key=lambda x: (x[1], x[0])):
        why = import_problem(module)
        if why:
            report.problem(where, f"import '{module}' (line {line} of the unified code) is {why}")
    return tree


def check_integration_extras(where: str, item: ZipItem, source: SourceItem | None, report: Report) -> None:
    image = item.data.get("image")
    prefix = "data:image/png;base64,"
    if not isinstance(image, str) or not image.startswith(prefix):
        report.problem(where, "no image embedded (expected image: data:image/png;base64,...)")
    else:
        try:
            png = base64.b64decode(image[len(prefix) :], validate=True)
        except ValueError:
            png = b""
        if not png.startswith(PNG_MAGIC):
            report.problem(where, "the embedded image is not a base64 PNG")
        elif source is not None:
            src_png = source.path.with_name(source.path.stem + "_image.png")
            if src_png.exists() and src_png.read_bytes() != png:
                report.problem(where, f"the embedded image differs from {src_png}")
    description = item.data.get("detaileddescription")
    if not isinstance(description, str) or not description.strip():
        report.problem(where, "no detailed description embedded (detaileddescription)")
    elif source is not None:
        src_md = source.path.with_name(source.path.stem + "_description.md")
        if src_md.exists() and src_md.read_text(encoding="utf-8").strip() not in description:
            report.problem(where, f"the embedded description does not contain {src_md}")


def docker_image(item: ZipItem) -> str | None:
    script = item.data.get("script")
    holder = script if item.folder == "Integrations" and isinstance(script, dict) else item.data
    image = holder.get("dockerimage")
    return str(image) if image is not None else None


def check_image(where: str, item: ZipItem, tree: ast.Module, core_image: str, report: Report) -> str:
    """The image the item runs in, checked against what its code imports."""
    image = docker_image(item) or ""
    uses_core = any(m.split(".")[0] in IMAGE_MODULES for m, _ in imports(tree))
    if uses_core and image != core_image:
        report.problem(where, f"imports dora_bridge but runs in {image or 'no image'}, not {core_image}")
    elif not uses_core and not image.startswith("demisto/python3:"):
        report.problem(
            where,
            f"imports nothing of dora_bridge yet runs in {image or 'no image'}, not a demisto/python3 tag",
        )
    return image


def check_zip(zip_path: Path, pack: Path | None, core_image: str | None = None) -> Report:
    """Every check on ``zip_path``; with ``pack``, also against the source pack; with
    ``core_image``, the image of each integration and script."""
    report = Report()
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as e:
        report.problem(str(zip_path), f"not a readable zip: {e}")
        return report
    with zf:
        names = set(zf.namelist())
        items = read_zip(zf, report)
    zip_name = zip_path.name
    for required in ("pack_metadata.json", "README.md"):
        if required not in names:
            report.problem(zip_name, f"{required} is missing")

    source_items = read_source(pack, report) if pack is not None else []
    sources = {(s.folder, s.id): s for s in source_items}

    by_folder: dict[str, set[str]] = {}
    unified = {"Integrations": 0, "Scripts": 0}
    used: dict[str, set[str]] = {"XSOAR runtime": set(), "custom image": set(), "standard library": set()}
    images: dict[str, int] = {}
    for item in items:
        cid = content_id(item.data)
        if cid is not None:
            by_folder.setdefault(item.folder, set()).add(cid)
        if item.folder not in ("Integrations", "Scripts"):
            continue
        where = f"{zip_name}:{item.path} ({cid})"
        unified[item.folder] += 1
        code, language = unified_code(item)
        tree = check_code(where, code, language, report)
        source = sources.get((item.folder, cid or ""))
        if item.folder == "Integrations":
            check_integration_extras(where, item, source, report)
        if tree is None:
            continue
        if core_image is not None:
            image = check_image(where, item, tree, core_image, report)
            images[image] = images.get(image, 0) + 1
        for module, _ in imports(tree):
            top = module.split(".")[0]
            if top in RUNTIME_MODULES:
                used["XSOAR runtime"].add(top)
            elif top in IMAGE_MODULES:
                used["custom image"].add(top)
            elif top in STDLIB_MODULES:
                used["standard library"].add(top)
        if source is None:
            continue
        found = source_code(source)
        if found is None:
            report.problem(where, f"no source code found for {source.path}")
            continue
        src, src_path = found
        try:
            wanted = top_level_defs(ast.parse(src))
        except SyntaxError as e:
            report.problem(str(src_path), f"the source does not parse: {e.msg} (line {e.lineno})")
            continue
        lost = sorted(wanted - top_level_defs(tree))
        if lost:
            report.problem(where, f"the unified code lacks {', '.join(lost)} defined in {src_path}")

    for s in source_items:
        if s.id not in by_folder.get(s.folder, set()):
            report.problem(zip_name, f"{s.folder} item '{s.id}' ({s.path}) is not in the zip")

    counts = ", ".join(f"{len(ids)} {folder}" for folder, ids in sorted(by_folder.items()) if folder)
    report.notes.append(f"content: {counts}")
    report.notes.append(
        f"unified: {unified['Integrations']} integrations (code, image, description), {unified['Scripts']} scripts"
    )
    report.notes.append(
        "imports: " + "; ".join(f"{k}: {', '.join(sorted(v)) or '-'}" for k, v in used.items())
    )
    if pack is not None:
        report.notes.append(f"all {len(source_items)} content items of {pack} are in the zip")
    if core_image is not None:
        report.notes.append("images: " + "; ".join(f"{n} on {i}" for i, n in sorted(images.items())))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zip", type=Path, help="the pack zip, e.g. dist/DORABridge-1.0.0.zip")
    parser.add_argument(
        "--pack", type=Path, default=None, help="the source pack to compare with, e.g. Packs/DORABridge"
    )
    parser.add_argument(
        "--docker-image",
        default=None,
        help="the image every integration and script that imports dora_bridge must name (make pack's DOCKER_IMAGE)",
    )
    args = parser.parse_args(argv)
    if not args.zip.is_file():
        print(f"check-pack-zip: {args.zip} does not exist (run make pack)", file=sys.stderr)
        return 2
    if args.pack is not None and not (args.pack / "pack_metadata.json").is_file():
        print(f"check-pack-zip: {args.pack} is not a pack (no pack_metadata.json)", file=sys.stderr)
        return 2
    report = check_zip(args.zip, args.pack, args.docker_image)
    if report.problems:
        for p in report.problems:
            print(f"check-pack-zip: FAIL {p}", file=sys.stderr)
        print(f"check-pack-zip: {args.zip}: {len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-pack-zip: {args.zip} ({args.zip.stat().st_size:,} bytes) passed")
    for note in report.notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
